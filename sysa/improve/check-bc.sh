# GNU bc as installed, on what the Linux kernel's build asks of it
# (kernel/time/timeconst.bc, run as `echo $HZ | bc -q timeconst.bc`:
# functions with auto variables, while/for/if, 2^k, integer division,
# obase=16 output, print with escapes, read() from stdin) and on plain
# arithmetic: scale, ibase/obase, long numbers wrapped at 70 columns, the
# -l math library (s, c, a, l, e) to fixed digits, arrays, recursion.
# Expected values were worked out independently (by hand and with exact
# rational arithmetic): bc truncates, never rounds, to `scale` digits.
# Outputs are compared byte for byte; GNU bc reports a syntax error on
# stderr and goes on with the next line (exit 0), a missing file exits 1.
set -eux
bc --version | head -n 1 | grep -qx 'bc 1.07.1'

check() { # name [bc options]: bc's output for $1.bc on stdin = $1.want
  n=$1
  shift
  bc "$@" < "$n.bc" > "$n.got"
  if ! cmp "$n.want" "$n.got"; then
    diff -u "$n.want" "$n.got" || true
    exit 1
  fi
}

cat > arith.bc <<'EOF'
1 + 2 * 3
(1 + 2) * 3
2 ^ 64
-7 / 2
-7 % 2
scale = 20
1 / 3
2 / 3
scale = 5
22 / 7
10 % 3
sqrt(2)
scale = 30
sqrt(2)
scale(3.14159)
length(123.450)
scale = 0
obase = 16
255
4096 * 4096
obase = 2
10
obase = 10
ibase = 16
FF + 1
ibase = A
2 ^ 256
x = 5
x++
x
--x
x += 10
x
a[3] = 7
a[3] * 2
1 == 1; 2 < 1; !0; 1 && 0; 1 || 0
EOF
# -7/2 truncates toward zero; 10%3 at scale 5 is 10 - 3.33333*3
cat > arith.want <<'EOF'
7
9
18446744073709551616
-3
-1
.33333333333333333333
.66666666666666666666
3.14285
.00001
1.41421
1.414213562373095048801688724209
5
6
FF
1000000
1010
256
11579208923731619542357098500868790785326998466564056403945758400791\
3129639936
5
6
5
15
14
1
0
1
0
1
EOF
check arith

cat > mathlib.bc <<'EOF'
scale
s(1)
c(1)
a(1)
l(2)
e(1)
4 * a(1)
e(0); l(1); s(0)
scale = 50
4 * a(1)
scale = 10
e(-1)
l(10)
EOF
# 4*a(1) is 4 times a(1) truncated, hence ...844 (pi is ...846); e(0)
# keeps the library's scale (its series sums 1 at scale 20)
cat > mathlib.want <<'EOF'
20
.84147098480789650665
.54030230586813971740
.78539816339744830961
.69314718055994530941
2.71828182845904523536
3.14159265358979323844
1.00000000000000000000
0
0
3.14159265358979323846264338327950288419716939937508
.3678794411
2.3025850929
EOF
check mathlib -l

cat > funcs.bc <<'EOF'
define f(n) {
  if (n <= 1) return (1)
  return (n * f(n - 1))
}
define fib(n) {
  auto a, b, t, i
  a = 0; b = 1
  for (i = 0; i < n; i++) { t = a + b; a = b; b = t }
  return (a)
}
define void show(x) {
  print "x=", x, "\t\qquoted\q\\\n"
}
define sum(v[], n) {
  auto i, t
  for (i = 0; i < n; i++) t += v[i]
  return t
}
f(30)
a = 99
fib(100)
a
show(42)
for (i = 0; i < 5; i++) q[i] = i * i
sum(q[], 5)
i = 0
while (1) { if (++i >= 7) break }
i
EOF
cat > funcs.want <<'EOF'
265252859812191058636308480000000
354224848179261915075
99
x=42	"quoted"\
30
7
EOF
check funcs

# timeconst.bc-style: the smallest shift k whose multiplier
# ceil(2^k * num / hz) reaches 2^31, the multiplier in hex, an adjustment
# floor(2^k * (d-1) / d), and num/hz reduced by their gcd; HZ from stdin.
cat > tc.bc <<'EOF'
scale = 0
define gcd(x, y) {
  auto r
  while (y) { r = x % y; x = y; y = r }
  return (x)
}
define mulk(k, num, den) {
  return ((2^k * num + den - 1) / den)
}
define shift(bits, num, den) {
  auto k
  for (k = 0; 1; k++) {
    if (mulk(k, num, den) >= 2^(bits - 1)) return (k)
  }
}
define adj(k, num, den) {
  auto d
  d = den / gcd(num, den)
  return (2^k * (d - 1) / d)
}
/* bc has no string variables: the name comes from the numerator */
define void name(num) {
  if (num == 1000) {
    print "#define HZ_TO_MSEC_"
  } else {
    print "#define HZ_TO_USEC_"
  }
}
define void one(num, hz) {
  auto k, g
  k = shift(32, num, hz)
  g = gcd(hz, num)
  obase = 16
  name(num); print "MUL32\tU64_C(0x", mulk(k, num, hz), ")\n"
  name(num); print "ADJ32\tU64_C(0x", adj(k, num, hz), ")\n"
  obase = 10
  name(num); print "SHR32\t", k, "\n"
  name(num); print "NUM\t\t", num / g, "\n"
  name(num); print "DEN\t\t", hz / g, "\n"
}
define void consts(hz) {
  print "#if HZ != ", hz, "\n#error \qwrong HZ\q\n#endif\n"
  one(1000, hz)
  one(1000000, hz)
}
hz = read()
consts(hz)
EOF
tc() { # HZ: the header for it
  echo "$1" | bc -q tc.bc > "tc$1.got"
  if ! cmp "tc$1.want" "tc$1.got"; then
    diff -u "tc$1.want" "tc$1.got" || true
    exit 1
  fi
}
cat > tc100.want <<'EOF'
#if HZ != 100
#error "wrong HZ"
#endif
#define HZ_TO_MSEC_MUL32	U64_C(0xA0000000)
#define HZ_TO_MSEC_ADJ32	U64_C(0x0)
#define HZ_TO_MSEC_SHR32	28
#define HZ_TO_MSEC_NUM		10
#define HZ_TO_MSEC_DEN		1
#define HZ_TO_USEC_MUL32	U64_C(0x9C400000)
#define HZ_TO_USEC_ADJ32	U64_C(0x0)
#define HZ_TO_USEC_SHR32	18
#define HZ_TO_USEC_NUM		10000
#define HZ_TO_USEC_DEN		1
EOF
tc 100
cat > tc250.want <<'EOF'
#if HZ != 250
#error "wrong HZ"
#endif
#define HZ_TO_MSEC_MUL32	U64_C(0x80000000)
#define HZ_TO_MSEC_ADJ32	U64_C(0x0)
#define HZ_TO_MSEC_SHR32	29
#define HZ_TO_MSEC_NUM		4
#define HZ_TO_MSEC_DEN		1
#define HZ_TO_USEC_MUL32	U64_C(0xFA000000)
#define HZ_TO_USEC_ADJ32	U64_C(0x0)
#define HZ_TO_USEC_SHR32	20
#define HZ_TO_USEC_NUM		4000
#define HZ_TO_USEC_DEN		1
EOF
tc 250
cat > tc300.want <<'EOF'
#if HZ != 300
#error "wrong HZ"
#endif
#define HZ_TO_MSEC_MUL32	U64_C(0xD5555556)
#define HZ_TO_MSEC_ADJ32	U64_C(0x2AAAAAAA)
#define HZ_TO_MSEC_SHR32	30
#define HZ_TO_MSEC_NUM		10
#define HZ_TO_MSEC_DEN		3
#define HZ_TO_USEC_MUL32	U64_C(0xD0555556)
#define HZ_TO_USEC_ADJ32	U64_C(0xAAAAA)
#define HZ_TO_USEC_SHR32	20
#define HZ_TO_USEC_NUM		10000
#define HZ_TO_USEC_DEN		3
EOF
tc 300

# a syntax error: the complaint on stderr, the next line still evaluated
printf '1 +* 2\n4\n' > bad.bc
bc bad.bc < /dev/null > bad.out 2> bad.err
printf '4\n' | cmp - bad.out
printf 'bad.bc 1: syntax error\n' | cmp - bad.err
printf '1 +* 2\n' | bc > stdin.out 2> stdin.err
[ ! -s stdin.out ]
printf '(standard_in) 1: syntax error\n' | cmp - stdin.err
# a runtime error
printf 'x = 1 / 0\n' | bc > div.out 2> div.err
printf 'Runtime error (func=(main), adr=3): Divide by zero\n' | cmp - div.err
# a file that is not there
set +e
bc absent.bc < /dev/null > absent.out 2> absent.err
st=$?
set -e
[ $st = 1 ]
printf 'File absent.bc is unavailable.\n' | cmp - absent.err
echo "bc: all checks passed"
