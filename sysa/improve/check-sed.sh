# GNU sed, as installed (run by /bin/sh): what configure scripts,
# config.status, gnulib's header rules and kernel builds ask of it. Every
# output is compared byte for byte with text written here (by the shell's
# read and printf, never by sed): s with &, \1 and flags, other delimiters,
# -n/p, several -e, -f, addresses and ranges, d, y, the hold space, N/D/P,
# a/i/c, = and w, -i (with a backup, per file, keeping the mode), -E,
# bracket classes, escapes in replacements, q/Q exit codes, stdin, a 1.25 MiB
# line and 40000 lines. A gnulib header rule run with sed on sed's own
# stdio.in.h must give what confh gave from the same answers. Bad scripts
# are refused with GNU sed's exit codes, before any input is read.
set -eux
kit=/bootstrap/bin/kit
sed --version

# put FILE: the here-document on stdin, exactly, into FILE
put() {
  t=
  while IFS= read -r l; do t="$t$l
"; done
  printf '%s' "$t" > "$1"
}
# expect NAME: out.NAME must equal the here-document on stdin
expect() {
  put exp.$1
  $kit cmp exp.$1 out.$1
}

put in.txt <<'EOF'
alpha one
beta two
gamma three
delta four
epsilon five
EOF

# s: & and \1..\9, the g and N flags, \& for a literal &
sed 's/\([a-z]*\) \([a-z]*\)/\2=\1 (&)/' in.txt > out.s
expect s <<'EOF'
one=alpha (alpha one)
two=beta (beta two)
three=gamma (gamma three)
four=delta (delta four)
five=epsilon (epsilon five)
EOF
printf 'banana\n' | sed -e 'p;s/a/A/2;p;s/a/A/2g;p;s/an/<&>/;p' \
  -e 's/n/\&/' > out.flags
expect flags <<'EOF'
banana
banAna
banAnA
b<an>AnA
b<a&>AnA
EOF

# other delimiters, in s and in addresses; \| is then a literal |
printf '%s\n' /usr/local/lib/libc.a 'a|b' /bin/sh > paths
sed -e 's|/usr/local|/usr|' -e 's,/[^/]*$,,' -e 's#^/bin$#BIN#' \
  -e 's|a\|b|a+b|' paths > out.delim
expect delim <<'EOF'
/usr/lib
a+b
BIN
EOF
sed -n '\,^/bin/,p' paths > out.delim2
expect delim2 <<'EOF'
/bin/sh
EOF

# -n with p, and s///p
sed -n -e '/^[bd]/p' -e 's/five/5/p' in.txt > out.np
expect np <<'EOF'
beta two
delta four
epsilon 5
EOF

# several -e, joined by newlines (a\ continued in the next -e); --expression
sed -e 's/alpha/A/' -e 's/A one/first/' --expression='/gamma/d' \
  -e '1a\' -e 'after the first' in.txt > out.multi
expect multi <<'EOF'
first
after the first
beta two
delta four
epsilon five
EOF

# -f: comments, blank lines, a block on a range, a/ at $
put script.sed <<'EOF'
# comment lines and blank lines are ignored

/beta/,/delta/ {
  s/^/> /
  /gamma/s/three/3/
}
$a\
the end
EOF
sed -f script.sed in.txt > out.f
expect f <<'EOF'
alpha one
> beta two
> gamma 3
> delta four
epsilon five
the end
EOF

# addresses: numbers, $, ranges by number, by regex and by +N, first~step,
# 0,/re/, !, and a range ending before it starts (one line)
sed -n -e '2p' -e '$p' in.txt > out.a1
expect a1 <<'EOF'
beta two
epsilon five
EOF
sed -n '2,4p' in.txt > out.a2
expect a2 <<'EOF'
beta two
gamma three
delta four
EOF
sed -n '/beta/,/gamma/p' in.txt > out.a3
expect a3 <<'EOF'
beta two
gamma three
EOF
sed -n '/gamma/,+1p' in.txt > out.a4
expect a4 <<'EOF'
gamma three
delta four
EOF
sed -n '1~2p' in.txt > out.a5
expect a5 <<'EOF'
alpha one
gamma three
epsilon five
EOF
sed -n '0,/a/p' in.txt > out.a6
expect a6 <<'EOF'
alpha one
EOF
sed '2,$!d' in.txt > out.a7
sed -n '4,2p' in.txt >> out.a7
expect a7 <<'EOF'
beta two
gamma three
delta four
epsilon five
delta four
EOF

# d and y
sed -e '/e[lt]/d' -e 'y/abcdefghijklmnopqrstuvwxyz/ABCDEFGHIJKLMNOPQRSTUVWXYZ/' \
  in.txt > out.dy
expect dy <<'EOF'
ALPHA ONE
GAMMA THREE
EPSILON FIVE
EOF

# hold space: tac (G, h), the line before a match (x), all lines on one (H, g)
sed -n '1!G;h;$p' in.txt > out.tac
expect tac <<'EOF'
epsilon five
delta four
gamma three
beta two
alpha one
EOF
sed -n -e '/gamma/{x;p;x;p;}' -e h in.txt > out.x
expect x <<'EOF'
beta two
gamma three
EOF
sed -n 'H;${g;s/\n/,/g;p;}' in.txt > out.hg
expect hg <<'EOF'
,alpha one,beta two,gamma three,delta four,epsilon five
EOF
sed '2q;G' in.txt > out.dbl
expect dbl <<'EOF'
alpha one

beta two
EOF

# N, D, P: lines continued with a backslash joined (a loop with t), and
# uniq; N at the last line prints the pattern space (GNU)
put cont <<'EOF'
CFLAGS = -O2 \
	-g \
	-Wall
x
x
y
y
y
z
EOF
sed -e :a -e '/\\$/N; s/\\\n//; ta' -e '$!N; /^\(.*\)\n\1$/!P; D' cont > out.nd
expect nd <<'EOF'
CFLAGS = -O2 	-g 	-Wall
x
y
z
EOF
sed -n 'N;P' in.txt > out.p
sed 'N;s/\n/+/' in.txt >> out.p
expect p <<'EOF'
alpha one
gamma three
alpha one+beta two
gamma three+delta four
epsilon five
EOF

# a, i, c (classic and one-line forms), on a line and on a range; =, w
sed -e '2i\
inserted' -e '3a\
appended' -e '4c\
changed' -e '1a one-line a' -e '$i one-line i' in.txt > out.aic
expect aic <<'EOF'
alpha one
one-line a
inserted
beta two
gamma three
appended
changed
one-line i
epsilon five
EOF
sed -e '2,4c\
middle' -e '/gamma/=' in.txt > out.c
expect c <<'EOF'
alpha one
middle
epsilon five
EOF
sed -n -e '/gamma/=' -e '/e$/w out.w' in.txt > out.eq
expect eq <<'EOF'
3
EOF
expect w <<'EOF'
alpha one
gamma three
epsilon five
EOF

# -E: groups, {n}, +, ?, |; -r is the same; GNU's \+ \? \| in basic REs
printf '2024-11-22\ncats and dogs and a cat\n' > ere
sed -E -e 's/^([0-9]{4})-([0-9]+)-([0-9]+)$/\3.\2.\1/' \
  -e 's/(cat|dog)s?/pet/g' ere > out.E
sed -r 's/[0-9]+/N/g;s/a?n/_/' ere >> out.E
printf 'aaa b\n' | sed 's/a\+/X/;s/b\?$/Y/;s/X\|Y/Z/g' >> out.E
expect E <<'EOF'
22.11.2024
pet and pet and a pet
N-N-N
cats _d dogs and a cat
Z Z
EOF

# bracket expressions and classes
printf 'a1 B2\tc3_-.\n]x[\n' > cls
sed -e '1{h;s/[[:digit:]]/#/g;p;g;s/[[:space:]]/./g;p;g;s/[[:upper:]]/U/g;p;g;}' \
  -e '1{s/[^[:alnum:]]//g;p;g;s/[[:punct:]]/P/g;p;g;s/[a-c]/-/g;}' \
  -e '2s/[]x]/Y/g' cls > out.cls
printf 'a# B#\tc#_-.\na1.B2.c3_-.\na1 U2\tc3_-.\na1B2c3\na1 B2\tc3PPP\n-1 B2\t-3_-.\nYY[\n' \
  > exp.cls
$kit cmp exp.cls out.cls

# replacements: newline (escaped and \n), \t, \\, \/, \&; GNU's \u \U \E;
# configure's quoting of a value for use in another s command
put rhs.sed <<'EOF'
s/,/\
/
s/;/\n/
s/:/\t/
s/%/\\/
s/@/\//
s/#/\&/
EOF
printf 'a,b;c:d%%e@f#g\n' | sed -f rhs.sed > out.rhs
printf 'a\nb\nc\td\\e/f&g\n' > exp.rhs
$kit cmp exp.rhs out.rhs
printf 'make all\n' | sed 's/\w\+/\u&/g;s/ \(.*\)/ \U\1\E!/' > out.case
expect case <<'EOF'
Make ALL!
EOF
printf '%s\n' 'a&b\c/d' "it's" | sed -e 's/[\\&/]/\\&/g' -e "s/'/'\\\\''/g" \
  > out.quote
expect quote <<'EOF'
a\&b\\c\/d
it'\''s
EOF

# config.status' substitution loop; a .config turned into #defines; the
# kernel's kernelversion; basename and dirname
put subst.sed <<'EOF'
:t
/@[a-zA-Z_][a-zA-Z_0-9]*@/!b
s,@prefix@,/usr,;t t
s,@CC@,cc -std=c11,;t t
EOF
printf '%s\n' 'prefix=@prefix@ cc=@CC@ again=@prefix@' '@unknown@ stays' \
  plain | sed -f subst.sed > out.cs
expect cs <<'EOF'
prefix=/usr cc=cc -std=c11 again=/usr
@unknown@ stays
plain
EOF
put dotconfig <<'EOF'
CONFIG_64BIT=y
# CONFIG_SMP is not set
CONFIG_HZ=250
CONFIG_LOCALVERSION=""
EOF
sed -e '/^#/d' -e 's/^CONFIG_\([A-Za-z0-9_]*\)=y$/#define CONFIG_\1 1/' \
  -e 's/^CONFIG_\([A-Za-z0-9_]*\)=\(.*\)$/#define CONFIG_\1 \2/' \
  dotconfig > out.kconf
expect kconf <<'EOF'
#define CONFIG_64BIT 1
#define CONFIG_HZ 250
#define CONFIG_LOCALVERSION ""
EOF
printf 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 3\n' \
  | sed -n -e 's/^VERSION = //p' -e 's/^PATCHLEVEL = //p' > out.kv
sed -e 's,.*/,,' paths >> out.kv
expect kv <<'EOF'
6
12
libc.a
a|b
sh
EOF
# a real file: musl's stdio.h as installed
sed -n 's/^#define EOF \(.*\)$/EOF is \1/p' /usr/include/stdio.h > out.real
expect real <<'EOF'
EOF is (-1)
EOF

# q and Q with exit codes
st=0; sed 2q in.txt > out.q || st=$?
[ $st = 0 ]
st=0; sed '3q5' in.txt >> out.q || st=$?
[ $st = 5 ]
st=0; sed '2Q7' in.txt >> out.q || st=$?
[ $st = 7 ]
expect q <<'EOF'
alpha one
beta two
alpha one
beta two
gamma three
alpha one
EOF

# stdin: a pipe, a redirect, "-" among files; no newline at the end is kept
printf 'piped\n' | sed 's/^/1:/' > out.in
sed 's/^/2:/;2q' < in.txt >> out.in
printf 'dash\n' | sed -n 's/^/3:/p' paths - >> out.in
expect in <<'EOF'
1:piped
2:alpha one
2:beta two
3:/usr/local/lib/libc.a
3:a|b
3:/bin/sh
3:dash
EOF
printf 'x\ny' | sed 's/y/z/' > out.nonl
printf 'x\nz' > exp.nonl
$kit cmp exp.nonl out.nonl

# -i: in place, with a backup, each file on its own (-i implies -s), the
# file's mode kept; -s alone; a bad script leaves the file as it was
$kit cp in.txt f1
sed -i 's/one/1/' f1
sed 's/one/1/' in.txt > exp.f1
$kit cmp exp.f1 f1
$kit cp in.txt f2
sed -i.bak -e 1d f2
$kit cmp in.txt f2.bak
sed -n '2,$p' in.txt > exp.f2
$kit cmp exp.f2 f2
$kit cp in.txt f3
$kit cpx in.txt f4
sed -i '$d' f3 f4
sed -n '1,4p' in.txt > exp.f34
$kit cmp exp.f34 f3
$kit cmp exp.f34 f4
[ -x f4 ]
[ ! -x f3 ]
sed -n '$p' f3 f4 > out.s1
sed -s -n '$p' f3 f4 >> out.s1
expect s1 <<'EOF'
delta four
delta four
delta four
EOF
if sed -i 's/a/b' f3; then echo "sed -i ran a bad script"; exit 1; fi
$kit cmp exp.f34 f3

# a large input: 40000 lines and one line of 1.25 MiB, with the expected
# output built by the shell alongside
set +x
i=1
while [ $i -le 40000 ]; do
  printf 'line %d: value %d\n' $i $((i * 7)) >&3
  printf '%d=line %d\n' $((i * 7)) $i >&4
  i=$((i + 1))
done 3> big.in 4> exp.big
s=0123456789 e=01234five6789 n=0
while [ $n -lt 17 ]; do s=$s$s e=$e$e n=$((n + 1)); done
printf '%s\n' "$s" > long.in
printf '%s\n' "$e" > exp.long
set -x
sed -E 's/^line ([0-9]+): value ([0-9]+)$/\2=line \1/' big.in > out.big
$kit cmp exp.big out.big
[ "$(sed -n '$=' big.in)" = 40000 ]
[ "$(sed -n '25000{p;q;}' big.in)" = "line 25000: value 175000" ]
sed ':a;N;$!ba;s/\n/+/g' big.in | sed 's/+/\n/g' > out.join
$kit cmp big.in out.join
sed 's/5/five/g' long.in > out.long
$kit cmp exp.long out.long

# gnulib's header rule, run by sed on sed's own stdio.in.h with this
# chain's answers (gnu.substs, made into s commands by sed, quoting as
# configure does), gives what confh gives from the same answers
# (--no-same-owner: upstream's owners are not mapped in a rootless run)
tar --no-same-owner -xJf /bootstrap/distfiles/sed_4.9.orig.tar.xz sed-4.9/lib/stdio.in.h \
  sed-4.9/lib/c++defs.h sed-4.9/lib/arg-nonnull.h sed-4.9/lib/warn-on-use.h
l=sed-4.9/lib
subs=/bootstrap/recipes/sysa/sed-4.9/gnu.substs
sed -e '/^#/d' -e 's/[\\&|]/\\&/g' -e 's/^\([A-Za-z0-9_]*\)=\(.*\)$/s|@\1@|\2|g/' \
  $subs > subs.sed
sed -e 1h -e '1s,.*,/* DO NOT EDIT! GENERATED AUTOMATICALLY! */,' -e 1G \
  -f subs.sed \
  -e "/definitions of _GL_FUNCDECL_RPL/r $l/c++defs.h" \
  -e "/definition of _GL_ARG_NONNULL/r $l/arg-nonnull.h" \
  -e "/definition of _GL_WARN_ON_USE/r $l/warn-on-use.h" \
  $l/stdio.in.h > stdio.sed.h
/bootstrap/bin/confh -s $subs $l/stdio.in.h stdio.confh.h \
  -r 'definitions of _GL_FUNCDECL_RPL' $l/c++defs.h \
  -r 'definition of _GL_ARG_NONNULL' $l/arg-nonnull.h \
  -r 'definition of _GL_WARN_ON_USE' $l/warn-on-use.h
printf '/* DO NOT EDIT! GENERATED AUTOMATICALLY! */\n' > noedit
$kit cat stdio.confh2.h noedit stdio.confh.h
$kit cmp stdio.confh2.h stdio.sed.h

# bad scripts: refused before any input is read, nothing on stdout, GNU
# sed's exit status (1: bad script or usage, 4: panic); a missing input
# file is exit 2, after the other files were read
refused() { # refused STATUS SCRIPT...
  want=$1
  shift
  st=0
  sed "$@" in.txt > out.bad 2> err.txt || st=$?
  if [ $st != $want ]; then echo "sed $*: status $st, not $want"; exit 1; fi
  [ ! -s out.bad ]
  IFS= read -r why < err.txt
  case $why in sed:*) echo "$why" ;; *) echo "no reason given"; exit 1 ;; esac
}
refused 1 k
refused 1 's/a/b'
refused 1 's/a/b/z'
refused 1 's/\(/x/'
refused 1 -E 's/(/x/'
refused 1 's/a/\1/'
refused 1 '/x/{p'
refused 1 '}'
refused 1 'y/abc/de/'
refused 1 --no-such-option p
refused 4 'b nolabel'
st=0; sed -n p missing in.txt > out.miss 2> err.txt || st=$?
[ $st = 2 ]
$kit cmp in.txt out.miss
echo "sed ok"
