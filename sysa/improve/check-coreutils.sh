# GNU coreutils, as installed (run by /bin/sh): the tools the way configure
# scripts, Makefiles and install rules use them, each output compared with
# the text written here and each failure required to fail. Copies keep
# modes and times (cp -p) and symlinks (cp -R), mv moves across
# directories, rm -rf empties a tree, ls -l has its usual columns; sort,
# uniq, tr, head, tail, wc, cut, expr (arithmetic past 64 bits, matches,
# exit codes), basename/dirname edge cases, env -i, install -m/-d, test,
# and sha256sum -c against a list kit wrote. dash's builtins (test, echo,
# printf) are not what is tested: those run as /usr/bin/NAME.
set -eux
kit=/bootstrap/bin/kit
b=/usr/bin

# expect FILE: FILE holds exactly the lines of stdin (written by dash's
# read and printf, not by a tool under test)
expect() {
  while IFS= read -r l; do printf '%s\n' "$l"; done > "$1.expected"
  if ! $kit cmp "$1.expected" "$1"; then
    set +x
    echo "--- expected"
    while IFS= read -r l; do printf '%s\n' "$l"; done < "$1.expected"
    echo "--- got"
    while IFS= read -r l; do printf '%s\n' "$l"; done < "$1"
    exit 1
  fi
}
# fails CMD...: CMD must exit non-zero
fails() {
  if "$@"; then echo "should have failed: $*"; exit 1; fi
}

[ -x /usr/bin/env ]
for p in cat cp mv rm ln ls mkdir rmdir chmod touch tr sort uniq head tail \
  wc cut expr basename dirname env install uname date sleep tee od mktemp \
  pwd printf echo test true false comm join paste split cksum md5sum \
  sha256sum readlink realpath '['
do
  [ -x "$b/$p" ]
done
ls --version > version
read -r first < version
[ "$first" = "ls (GNU coreutils) 9.7" ]

# files, modes, times
printf 'hello\n' > f
chmod 640 f
touch -d '2001-02-03 04:05:06' f
ls -ln --time-style=+%Y-%m-%d f > out
expect out <<'EOF'
-rw-r----- 1 0 0 6 2001-02-03 f
EOF
cp -p f g
cp f h
stat -c '%a %Y %s %n' f g > out
stat -c '%a %s %n' h >> out
expect out <<'EOF'
640 981173106 6 f
640 981173106 6 g
640 6 h
EOF
# h got a new time (not 2001's), and f's mode minus the umask
stat -c '%Y' h > out
read -r t < out
[ "$t" -gt 981173106 ]
chmod 755 f
chmod u-x,g=r,o= f
stat -c '%a' f > out
expect out <<'EOF'
640
EOF
chmod a+x f
stat -c '%a' f > out
expect out <<'EOF'
751
EOF

# trees: mkdir -p, ln -s, cp -R keeps the link, mv across directories,
# rm -rf, rmdir refuses a non-empty directory
mkdir -p t/a/b/c
fails mkdir t/a
mkdir -p t/a
mkdir -m 700 t/private
stat -c '%a' t/private > out
expect out <<'EOF'
700
EOF
printf 'data\n' > t/a/b/c/file
ln -s b/c/file t/a/link
readlink t/a/link > out
expect out <<'EOF'
b/c/file
EOF
ln -sf c/file t/a/link
readlink t/a/link > out
expect out <<'EOF'
c/file
EOF
ln -sf b/c/file t/a/link
cp -R t t2
[ -L t2/a/link ]
readlink t2/a/link > out
cat t2/a/link >> out
expect out <<'EOF'
b/c/file
data
EOF
mkdir other
mv t2/a/b/c/file other/
[ ! -e t2/a/b/c/file ]
cat other/file > out
expect out <<'EOF'
data
EOF
mv other/file t2/renamed
ls t2 > out
expect out <<'EOF'
a
private
renamed
EOF
fails rmdir t2
fails rm t2/missing
rm -f t2/missing
rm -rf t2
[ ! -e t2 ]
rmdir other
readlink -f t/a/link > out
realpath t/a/../a/b > out2
read -r rl < out
read -r rp < out2
$b/pwd > out
read -r here < out
[ "$rl" = "$here/t/a/b/c/file" ]
[ "$rp" = "$here/t/a/b" ]

# text: sort, uniq, tr, head, tail, wc, cut, comm, join, paste, split
printf 'b 2\na 10\nc 1\na 10\n' > s
sort s > out
expect out <<'EOF'
a 10
a 10
b 2
c 1
EOF
sort -u s > out
expect out <<'EOF'
a 10
b 2
c 1
EOF
sort -k2,2n s > out
expect out <<'EOF'
c 1
b 2
a 10
a 10
EOF
sort -t: -k2 -r <<'EOF' > out
x:apple
y:cherry
z:banana
EOF
expect out <<'EOF'
y:cherry
z:banana
x:apple
EOF
printf '10\n9\n100\n' | sort -n > out
expect out <<'EOF'
9
10
100
EOF
sort s | uniq -c > out
expect out <<'EOF'
      2 a 10
      1 b 2
      1 c 1
EOF
sort s | uniq -d > out
expect out <<'EOF'
a 10
EOF
echo 'Hello, World 42' | tr a-z A-Z > out
echo 'Hello, World 42' | tr -d '0-9' >> out
echo 'a   b    c' | tr -s ' ' >> out
echo 'abc' | tr '[:lower:]' '[:upper:]' >> out
echo 'a/b/c' | tr / '\n' >> out
expect out <<'EOF'
HELLO, WORLD 42
Hello, World 
a b c
ABC
a
b
c
EOF
printf '1\n2\n3\n4\n5\n' > n
head -n 2 n > out
head -n -3 n >> out
tail -n 2 n >> out
tail -n +4 n >> out
expect out <<'EOF'
1
2
1
2
4
5
4
5
EOF
head -c 3 n > out
tail -c 4 n >> out
expect out <<'EOF'
1
24
5
EOF
wc -l n > out
wc -c < n >> out
wc n >> out
printf 'x y\n' | wc >> out
expect out <<'EOF'
5 n
10
 5  5 10 n
      1       2       4
EOF
echo 'a:b:c:d' | cut -d: -f2,4 > out
echo 'a:b:c:d' | cut -d: -f3- >> out
echo 'abcdef' | cut -c2-4 >> out
printf 'one\ttwo\tthree\n' | cut -f2 >> out
expect out <<'EOF'
b:d
c:d
bcd
two
EOF
printf 'a\nb\nc\n' > c1
printf 'b\nc\nd\n' > c2
comm c1 c2 > out
comm -12 c1 c2 >> out
expect out <<'EOF'
a
		b
		c
	d
b
c
EOF
printf '1 one\n2 two\n' > j1
printf '1 uno\n2 dos\n' > j2
join j1 j2 > out
paste -d, c1 c2 >> out
expect out <<'EOF'
1 one uno
2 two dos
a,b
b,c
c,d
EOF
split -l 2 n part
ls part* > out
cat partab >> out
expect out <<'EOF'
partaa
partab
partac
3
4
EOF

# expr: arithmetic (past 64 bits too), matches, comparisons, exit codes
expr 3 + 4 > out
expr 7 \* 6 >> out
expr 10 / 3 >> out
expr 10 % 3 >> out
expr -5 + 2 >> out
expr 99999999999999999999 + 1 >> out
expr abcdef : 'ab\(..\)' >> out
expr abcdef : 'abc' >> out
expr 2 \< 10 >> out
expr b \> a >> out
expr length hello >> out
expr '' \| fallback >> out
expr 5 = 5 >> out
expr 0 \& 1 >> out || true
expect out <<'EOF'
7
42
3
1
-3
100000000000000000000
cd
3
1
1
5
fallback
1
0
EOF
fails expr 0
fails expr abc : x
set +e
expr 1 +
[ $? = 2 ]
expr 1 / 0
[ $? = 2 ]
set -e

# basename and dirname at their edges
basename /usr/lib/ > out
basename / >> out
basename foo.c .c >> out
basename .c .c >> out
basename dir/sub/file.tar.gz .gz >> out
dirname /usr/lib/ >> out
dirname lib >> out
dirname / >> out
dirname a/ >> out
dirname /a >> out
dirname a/b/c >> out
expect out <<'EOF'
lib
/
foo
.c
file.tar
/usr
.
/
.
/
a/b
EOF

# env: an empty environment plus what is given; a missing program is 127
env -i X=1 Y='two words' /usr/bin/env > out
expect out <<'EOF'
X=1
Y=two words
EOF
Z=set env -u Z /usr/bin/printenv Z > out || true
[ ! -s out ]
set +e
env /no/such/program
[ $? = 127 ]
set -e

# install: -m, -d, -D, and over an existing file
install -m 755 s inst-x
install -m 0644 s inst-r
install -d -m 700 idir/sub
install -D -m 600 s deep/er/file
install -m 755 n inst-x
stat -c '%a %n' inst-x inst-r idir idir/sub deep/er/file > out
cat inst-x >> out
expect out <<'EOF'
755 inst-x
644 inst-r
755 idir
700 idir/sub
600 deep/er/file
1
2
3
4
5
EOF

# test and [ as programs
$b/test -f s
$b/test -d t
$b/test -L t/a/link
$b/test -n x
$b/test -z ''
$b/test abc = abc
$b/test 3 -lt 10
$b/test ! -e nothing-here
$b/[ 2 -ge 2 ]
$b/[ -x inst-x -a -r inst-r ]
fails $b/test -d s
fails $b/test 10 -lt 3
fails $b/test abc != abc
fails $b/[ -z x ]
set +e
$b/test 1 -eq
[ $? = 2 ]
set -e

# checksums: sha256sum -c against kit's list, md5sum, cksum
printf 'abc' > abc
$kit sha256 abc s > sums
sha256sum -c sums > out
expect out <<'EOF'
abc: OK
s: OK
EOF
sha256sum abc > out
md5sum abc >> out
cksum abc >> out
printf '' | sha256sum >> out
expect out <<'EOF'
ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  abc
900150983cd24fb0d6963f7d28e17f72  abc
1219131554 3 abc
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  -
EOF
printf 'abd' > abc
fails sha256sum -c sums

# od, printf, echo, date, the rest
printf 'AB\n\001' | od -An -tx1 > out
printf 'AB' | od -c >> out
$b/printf '%05.1f|%x|%s|%d\n' 3.14159 255 str -7 >> out
$b/echo -n no >> out
$b/echo ' newline' >> out
date -u -d @86400 '+%Y-%m-%d %H:%M:%S' >> out
date -u -d '2024-02-29 12:00' +%j >> out
uname -s >> out
expect out <<'EOF'
 41 42 0a 01
0000000   A   B
0000002
003.1|ff|str|-7
no newline
1970-01-02 00:00:00
060
Linux
EOF
echo tee | tee t1 t2 > out
cat t1 t2 >> out
expect out <<'EOF'
tee
tee
tee
EOF
sleep 0
true
fails false
d=$(mktemp -d ./tmp.XXXXXX)
[ -d "$d" ]
f=$(mktemp "$d/f.XXXXXX")
[ -f "$f" ]; [ ! -s "$f" ]
rm -r "$d"
(cd t/a/b && $b/pwd > ../../../out)
read -r p < out
[ "$p" = "$here/t/a/b" ]
echo "coreutils ok"
