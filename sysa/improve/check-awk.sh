# awk (mawk), as installed (run by /bin/sh), the way configure's
# config.status and the kernel's scripts use it: field splitting (-F, FS,
# OFS, RS), NR/NF/FNR/$0, printf formats, associative arrays, the string
# functions, sub/gsub with & and \&, every getline form, -v and operand
# assignments, regular expressions literal and dynamic, functions across
# several -f files, output to files, pipes and stderr, close and system,
# string against number comparison, number output (OFMT, CONVFMT,
# integers up to 2^53, inf without a trap), and exit codes; a syntax
# error exits non-zero before anything runs. Each output is compared
# byte for byte with the text written here.
set -eux
kit=/bootstrap/bin/kit

# text FILE: write the lines on stdin (a here-document) to FILE
text() {
  while IFS= read -r l; do printf '%s\n' "$l"; done > "$1"
}
# show FILE: print FILE (there is no cat here)
show() {
  while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < "$1"
}
# expect FILE: FILE must equal the text on stdin, byte for byte
expect() {
  text "$1.expected"
  if ! $kit cmp "$1.expected" "$1"; then
    echo "--- expected:"; show "$1.expected"; echo "--- got:"; show "$1"
    exit 1
  fi
}

[ -L /usr/bin/awk ]; [ -x /usr/bin/mawk ]
awk -W version > version
[ "$(awk 'NR == 1 { print $1, $2 }' version)" = "mawk 1.3.4" ]

text passwd <<'E'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1::/usr/sbin:/usr/sbin/nologin
E
text lines <<'E'
first
second
third
fourth
E

# fields: default splitting (blanks and tabs, leading ones ignored)
printf '  one two\tthree  \n\n four\n' > ws
awk '{ print NR ": " NF " [" $1 "] [" $NF "]" }' ws > fields
# -F with one character, with a regular expression, "." and "|" taken
# literally, \t as a tab; FS and OFS set in BEGIN, a field assigned
awk -F: '{ print $1, $3, $NF, NF }' passwd >> fields
awk 'BEGIN { FS = ":"; OFS = "|" } $3 >= 1 { $2 = "*"; print; print NF }' \
  passwd >> fields
echo a1b22c333d | awk -F'[0-9]+' '{ print NF, $1 $2 $3 $4 }' >> fields
echo 5.10.3 | awk -F. '{ printf "%d%03d%03d\n", $1, $2, $3 }' >> fields
echo 'x|y|z' | awk -F'|' '{ print $2 }' >> fields
printf 'a b\tc d\n' | awk -F'\t' '{ print $2 }' >> fields
echo 'a,,b,' | awk 'BEGIN { FS = "," } { print NF "[" $2 "]" $3 }' >> fields
# a field past NF extends the record; $0 assigned is split again; OFS
# from -v with $1 = $1 rebuilds the record
echo a b | awk '{ $(NF + 2) = "e"; print; print NF }' >> fields
echo a b | awk '{ $0 = "x y z"; print NF, $2 }' >> fields
echo '  p   q  ' | awk -v OFS=- '{ $1 = $1; print }' >> fields
# FS changed in an action applies from the next record on
printf 'a:b c\nd:e f\n' | awk '{ FS = ":"; print $1 }' >> fields
# paragraph mode (RS empty: newline also separates fields); RS one char
printf 'a b\nc\n\n\n\nd e\nf\n' | \
  awk 'BEGIN { RS = "" } { print NR ": " NF " " $NF }' >> fields
printf 'a;b;c\n' | awk 'BEGIN { RS = ";" } { print NR ": " $1 }' >> fields
# NR and FNR over two files, an operand assignment between them
awk '{ print FILENAME, NR, FNR, "[" x "]" }' passwd x=7 lines >> fields
expect fields <<'E'
1: 3 [one] [three]
2: 0 [] []
3: 1 [four] [four]
root 0 /bin/sh 7
daemon 1 /usr/sbin/nologin 7
daemon|*|1|1||/usr/sbin|/usr/sbin/nologin
7
4 abcd
5010003
y
c d
4[]b
a b  e
4
3 y
p-q
a:b
d
1: 3 c
2: 3 f
1: a
2: b
3: c
passwd 1 1 []
passwd 2 2 []
lines 3 1 [7]
lines 4 2 [7]
lines 5 3 [7]
lines 6 4 [7]
E

# printf
awk 'BEGIN {
  printf "%d|%i|%5d|%-5d|%05d|%+d\n", 42, -7.9, 42, 42, 42, 42
  printf "%x|%X|%o|%#x|%c|%c\n", 255, 255, 8, 255, 65, "hello"
  printf "%s|%10s|%-10s|%.3s|%%\n", "awk", "right", "left", "abcdef"
  printf "%.2f|%8.3f|%e|%g|%g|%g\n", 3.14159, -2.5, 12345.678, 0.0001, 1e-5, 123456789
  printf "%s %s %d %d\n", 0.1 + 0.2, 1e6, "3.9abc", -3.9
  printf("%s-%s\n", "paren", "form")
  print("a", "b"); print (1)(2)
}' > printf
expect printf <<'E'
42|-7|   42|42   |00042|+42
ff|FF|10|0xff|A|h
awk|     right|left      |abc|%
3.14|  -2.500|1.234568e+04|0.0001|1e-05|1.23457e+08
0.3 1000000 3 -3
paren-form
a b
12
E

# associative arrays: counts, in, delete, SUBSEP keys, arrays passed to
# a function by reference (for-in order is unspecified: sorted here)
awk 'function sort(a, n,    i, j, t) {
  for (i = 2; i <= n; i++)
    for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
}
BEGIN {
  n = split("pear apple fig apple pear apple", w)
  for (i = 1; i <= n; i++) count[w[i]]++
  print n, length(count), count["apple"], ("fig" in count), ("kiwi" in count), length(count)
  m = 0; for (k in count) keys[++m] = k
  sort(keys, m)
  for (i = 1; i <= m; i++) printf "%s=%d ", keys[i], count[keys[i]]
  print ""
  if (count["kiwi"] == "") print "kiwi now exists:", ("kiwi" in count), length(count)
  delete count["pear"]; print ("pear" in count), length(count)
  delete count; print length(count)
  grid[1, 2] = "x"; grid["a", "b"] = "y"
  print ((1, 2) in grid), ((2, 1) in grid), grid["a" SUBSEP "b"]
  for (k in grid) if (split(k, p, SUBSEP) == 2 && p[1] == 1) print "key", p[1], p[2]
}' > arrays
expect arrays <<'E'
6 3 3 1 0 3
apple=3 fig=1 pear=2 
kiwi now exists: 1 4
0 3
0
1 0 y
key 1 2
E

# string functions
awk 'BEGIN {
  s = "hello, world"
  print length(s), length(""), index(s, "o"), index(s, "world"), index(s, "xyz")
  # (a start below 1 is left out: mawk, unlike POSIX, keeps the length)
  print substr(s, 1, 5) "|" substr(s, 8) "|" substr(s, 2, 1) "|" substr(s, 12, 5) "|" substr(s, 20) "|" substr(s, 3, 0) "|"
  print toupper(s), tolower("MiXeD 123")
  print match(s, /o, w/), RSTART, RLENGTH
  print match(s, /z+/), RSTART, RLENGTH
  print match("xab", /a*/), RSTART, RLENGTH, match("xaab", /a+/), RSTART, RLENGTH
  r = "[0-9]+"; print match("abc123def", r), RSTART, RLENGTH
  x = 12.50; print length(x), length(12345), length
  n = split("a:b::c", f, ":"); print n, f[1], "[" f[3] "]", f[4]
  n = split("  a \t b  ", f); print n, f[1] f[2]
  n = split("1,2;3", f, /[,;]/); print n, f[3]
  n = split("x.y", f, "."); print n, f[2]
  n = split("", f); print n, length(f)
  print sprintf("%s=%05.1f", "v", 3.14159)
}' > strings
# length without parentheses is the length of $0
echo 'four' | awk '{ print length, length() }' >> strings
expect strings <<'E'
12 0 5 8 0
hello|world|e|d|||
HELLO, WORLD mixed 123
5 5 4
0 0 -1
1 1 0 2 2 2
4 4 3
4 5 0
4 a [] c
2 ab
3 3
2 y
0 0
v=003.1
4 4
E

# sub and gsub: & is the match, \& a literal &, \\& a backslash then the
# match; the count returned; on $0 and on a field; empty matches
awk 'BEGIN {
  s = "foo boo"; n = gsub(/o+/, "[&]", s); print n, s
  s = "a.b.c"; gsub(/\./, "\\&", s); print s
  s = "a.b.c"; gsub(".", "-", s); print s
  s = "a.b.c"; gsub("\\.", "/", s); print s
  s = "path"; sub(/^/, "/usr/", s); print s
  s = "x"; sub(/x/, "\\\\&", s); print s
  s = "hello"; gsub(/l/, "L&L", s); print s
  s = "abc"; gsub(/x*/, "-", s); print s
  s = "aaa"; n = sub(/a/, "b", s); print n, s
  s = "none"; n = gsub(/z/, "y", s); print n, s
  # a value with & inserted literally: each & escaped first
  v = "a&b"; gsub(/&/, "\\\\&", v); s = "[X]"; sub(/X/, v, s); print s
}' > subs
echo 'one two two' | awk '{ sub(/two/, "2"); print; gsub(/o/, "0", $1); print; print NF }' >> subs
expect subs <<'E'
2 f[oo] b[oo]
a&b&c
-----
a/b/c
/usr/path
\x
heLlLLlLo
-a-b-c-
1 baa
0 none
[a&b]
one 2 two
0ne 2 two
3
E

# getline: plain (next record: $0, NF, NR), into a variable (NR, not
# $0), from a file (neither), from a command; -1 for a missing file;
# END still sees the last record
awk 'NR == 1 { getline; print "getline:", $0, NR, NF }
     NR == 3 { getline line; print "var:", line, "$0:", $0, NR }
     END { print "end", NR, $0 }' lines > getline
awk 'BEGIN {
  while ((getline l < "lines") > 0) n++
  print n, l, NR
  close("lines")
  getline < "lines"; print $0, NF, NR
  getline < "lines"; print $0
  print (getline l < "no-such-file")
  "echo piped one; echo two" | getline; print $0, NF
  "echo piped one; echo two" | getline v; print v
  close("echo piped one; echo two")
  "echo piped one; echo two" | getline v; print v
  print ("exit 0" | getline v)
}' >> getline
expect getline <<'E'
getline: second 2 1
var: fourth $0: third 4
end 4 third
4 fourth 0
first 1 0
second
-1
piped one 2
two
piped one
0
E

# -v (escapes processed), operands, ENVIRON, ARGV; BEGIN runs before
# operand assignments
FOO=bar awk -v n=3 -v 's=a\tb' -v re='^[0-9]+$' 'BEGIN {
  print n + 1, length(s), index(s, "\t"), ENVIRON["FOO"], ("123" ~ re), ("12a" ~ re)
  print ARGC, ARGV[1], "[" x "]"
}
END { print x, NR }' x=1 /dev/null > vars
expect vars <<'E'
4 3 2 bar 1 0
3 x=1 []
1 0
E

# regular expressions: literal, dynamic (string, variable), classes,
# anchors, alternation, intervals, escapes; ranges; negation; next
text words <<'E'
foo.c
bar.h
Makefile
x86_64
a+b
CONFIG_FOO=y
# CONFIG_BAR is not set
E
awk '/\.c$/ { print "c:", $0 }
     /^(foo|bar)\.[ch]$/ { print "alt:", $0 }
     /^[A-Z][a-z]+$/ { print "cap:", $0 }
     /[[:digit:]]+_[[:digit:]]/ { print "digits:", $0 }
     /^x[0-9]{2}_/ { print "interval:", $0 }
     /a\+b/ { print "plus:", $0 }
     $0 ~ "^CONFIG_[A-Z]+=" { split($0, kv, "="); print "set:", kv[1], kv[2] }
     /^# CONFIG_.* is not set$/ { print "unset:", $2 }
     /^bar/, /^x86/ { print "range:", NR }
     !/[.=#]/ { n++ }
     $0 ~ dot { d++ }
     END { print n, d, ("A" ~ /a/), ("a/b" ~ /a\/b/), ("tab\there" ~ /\t/) }' \
  dot='[.]' words > regex
awk 'NR % 2 { next } { print }' lines >> regex
expect regex <<'E'
c: foo.c
alt: foo.c
alt: bar.h
range: 2
cap: Makefile
range: 3
digits: x86_64
interval: x86_64
range: 4
plus: a+b
set: CONFIG_FOO y
unset: CONFIG_BAR
3 2 0 1 1
second
fourth
E

# several -f files: functions in one, used in the other (recursion,
# locals, a statement continued after && and after a comma)
text lib.awk <<'E'
# comment line
function fact(n) { return n <= 1 ? 1 : n * fact(n - 1) }
function join(a, n, sep,    i, s) {
  s = a[1]
  for (i = 2; i <= n; i++) s = s sep a[i]
  return s
}
E
text main.awk <<'E'
BEGIN {
  print fact(10), fact(20)
  n = split("c b a", parts)
  i = "untouched"; s = "kept"
  print join(parts, n, "-"), i, s
  if (n == 3 &&
      parts[1] == "c") print "continued",
    "lines"
}
E
awk -f lib.awk -f main.awk > files
expect files <<'E'
3628800 2432902008176640000
c-b-a untouched kept
continued lines
E

# output: > truncates once per run, >> appends, close lets it be read
# back; a pipe to a command (closed, so its output comes first);
# /dev/stderr; system's status; printf without a newline
awk 'BEGIN {
  print "one" > "out.txt"
  print "two" > "out.txt"
  close("out.txt")
  print "three" >> "out.txt"
  close("out.txt")
  while ((getline l < "out.txt") > 0) print "read:", l
  print "b\na\nc" | "while read x; do echo \"<$x>\"; done"
  close("while read x; do echo \"<$x>\"; done")
  print "after pipe"
  print "to stderr" > "/dev/stderr"
  r = system("exit 3"); print "system:", r
  printf "%s", "no newline"
}' > output 2> stderr
printf 'read: one\nread: two\nread: three\n<b>\n<a>\n<c>\nafter pipe\nsystem: 3\nno newline' > output.expected
$kit cmp output.expected output
expect stderr <<'E'
to stderr
E
awk 'BEGIN { ORS = "|"; OFS = "," } { print $1, NR } END { printf "\n" }' lines > ors
expect ors <<'E'
first,1|second,2|third,3|fourth,4|
E

# comparisons: fields that look numeric compare as numbers, constants
# and concatenations as strings; uninitialized is both 0 and ""
printf '10 9\n10 10.0\nabc abd\n1e3 1000\n' | \
  awk '{ print ($1 < $2), ($1 == $2), ($1 "" < $2 "") }' > compare
awk 'BEGIN {
  print ("10" < "9"), (10 < 9), (x == 0), (x == ""), ("a" < "b"), ("" < "a"), (2 < 10), ("2" < 10)
  s = ""; for (i = 0; i < 10; i++) { if (i == 2) continue; if (i == 5) break; s = s i }
  j = 0; do j++; while (j < 3)
  while (k < 100) k = k * 2 + 1
  print s, j, k, (s > 100 ? "big" : "small"), (s + 0 > 100 ? "big" : "small"), !0, !"", !"a", -"3"
}' >> compare
expect compare <<'E'
0 0 1
0 1 1
1 0 1
0 1 0
1 0 1 1 1 1 1 0
0134 3 127 small big 1 1 0 -3
E

# numbers: OFMT for output, CONVFMT for concatenation, integral values
# printed as integers (to 2^53 and beyond), float rounding, string to
# number, operators (binary minus binds tighter than concatenation:
# 1 " " -1 is 1 (" " - 1)); 1/0 and overflow give inf (mawk was
# configured to expect no floating-point trap, and there is none)
awk 'BEGIN {
  print 0.1 + 0.2, (0.1 + 0.2 == 0.3)
  printf "%.17g %.17g\n", 0.1 + 0.2, 1 / 3
  print 2^53, 2^53 + 1, 2^31, 2^32 + 1, 2^62, -2^53
  printf "%d %d %x %d\n", 2^53, 1e18, 2^32, -2^31
  print 1e6, 1e16, 100000 * 100000, 1/3, 10/4, -7/2, 1e-5, 123456789012
  print int(3.9), int(-3.9), 7 % 3, -7 % 3, 7.5 % 2, 2 ^ 3 ^ 2, -2 ^ 2
  print sqrt(16), exp(0), log(1), atan2(0, -1), sin(0), cos(0), exp(1)
  print "3x" + 1, " 12 " + 0, "1e3" + 0, ".5" + 0, "+4" + 0, "-" + 0, "x" + 0
  print 1 " " -1, 2 * 3 "" 4, 17 "", length(0.1 + 0.2 "")
  x = 5; x += 2; x *= 3; x -= 1; x /= 4; x %= 3; y = x++; z = ++x; print x, y, z
  print 1 / 0, -1 / 0, 1e300 * 1e300
  OFMT = "%.2f"; print 3.14159, 3.14159 "", 17
  CONVFMT = "%.3f"; a = 3.14159 ""; b = 17 ""; print a, b
}' > numbers
expect numbers <<'E'
0.3 0
0.30000000000000004 0.33333333333333331
9007199254740992 9007199254740992 2147483648 4294967297 4611686018427387904 -9007199254740992
9007199254740992 1000000000000000000 100000000 -2147483648
1000000 10000000000000000 10000000000 0.333333 2.5 -3.5 1e-05 123456789012
3 -3 1 -1 1.5 512 -4
4 1 0 3.14159 0 1 2.71828
4 12 1000 0.5 4 0 0
1-1 64 17 3
4 2 4
inf -inf inf
3.14 3.14159 17
3.142 17
E

# rand: srand(seed) repeats the sequence and returns the previous seed
awk 'BEGIN {
  srand(7); a = rand(); b = rand(); srand(7); c = rand()
  ok = 1; for (i = 0; i < 1000; i++) { r = rand(); if (r < 0 || r >= 1) ok = 0 }
  print (a == c), (a != b), ok, srand(3)
}' > rand
expect rand <<'E'
1 1 1 7
E

# long records and many fields (config.status substitutes long values)
f='a '
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do f=$f$f; done
long=x
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do long=$long$long; done
printf '%s\n%s\n' "$f" "$long" > long
awk '{ print length($0), NF, length($NF) } END { s = $0 $0; print length(s) }' long > longout
expect longout <<'E'
8192 4096 1
131072 1 131072
262144
E

# what config.status does with awk, written for this test: @NAME@ in a
# template replaced by values holding &, \, / and quotes (a value
# continued over two program lines with backslash-newline), unknown
# names kept; #undef lines of a config.h template answered or commented
text subst.awk <<'E'
BEGIN {
  S["prefix"] = "/usr"
  S["CFLAGS"] = "-O2 -DA=\"x&y\""\
" -I/inc\\dir"
  S["empty"] = ""
}
{
  n = split($0, part, "@")
  out = part[1]
  for (i = 2; i <= n; i++)
    if (i < n && (part[i] in S)) { out = out S[part[i]] part[i + 1]; i++ }
    else out = out "@" part[i]
  print out
}
E
text Makefile.in <<'E'
prefix = @prefix@
CFLAGS = @CFLAGS@
E = [@empty@]
keep @unknown@ and a@b, @prefix@/bin@
E
awk -f subst.awk Makefile.in > Makefile
expect Makefile <<'E'
prefix = /usr
CFLAGS = -O2 -DA="x&y" -I/inc\dir
E = []
keep @unknown@ and a@b, /usr/bin@
E
text defs.awk <<'E'
BEGIN { D["HAVE_FOO"] = "1"; D["VERSION"] = "\"1.0 & more\"" }
/^[ \t]*#[ \t]*undef[ \t]/ {
  name = $0
  sub(/^[ \t]*#[ \t]*undef[ \t]+/, "", name)
  sub(/[ \t].*/, "", name)
  if (name in D) {
    v = D[name]; gsub(/&/, "\\\\&", v)
    sub(/undef/, "define")
    sub(name "[ \t]*$", name " " v)
  } else
    $0 = "/* " $0 " */"
}
{ print }
E
text config.h.in <<'E'
/* test */
#undef HAVE_FOO
#  undef VERSION
#undef HAVE_BAR
#define KEEP 1
E
awk -f defs.awk config.h.in > config.h
expect config.h <<'E'
/* test */
#define HAVE_FOO 1
#  define VERSION "1.0 & more"
/* #undef HAVE_BAR */
#define KEEP 1
E

# exit codes: exit's value (END still runs, and keeps it); exit in the
# main rules stops reading; errors are non-zero and a syntax error stops
# the program before BEGIN runs
st() { # st CMD...: print CMD's exit status
  set +e; "$@"; echo $?; set -e
}
[ "$(st awk 'BEGIN { exit 3 } END { print "end runs" }')" = "end runs
3" ]
[ "$(st awk '{ if (NR == 2) exit } END { print NR; exit }' lines)" = "2
0" ]
[ "$(st awk 'END { exit 1 + 1 }' /dev/null)" = 2 ]
[ "$(st awk 'BEGIN { exit }')" = 0 ]
[ "$(st awk 'BEGIN { print "ran" } { x = }' 2> err)" = 2 ]
[ -s err ]
[ "$(st awk 'BEGIN { print "ran" } BEGIN { print ( }' 2> /dev/null)" = 2 ]
[ "$(st awk 'BEGIN { print "abc }' 2> /dev/null)" = 2 ]
[ "$(st awk 'BEGIN { x = 1 +* 2 }' 2> /dev/null)" = 2 ]
[ "$(st awk 'BEGIN {' 2> /dev/null)" = 2 ]
# an input file that cannot be opened ends the run (the files before it
# were read)
[ "$(st awk 'FNR == 1 { print FILENAME }' lines no-such-file 2> /dev/null)" = "lines
2" ]
[ "$(st awk -f no-such-program.awk 2> /dev/null)" = 2 ]
echo "awk ok"
