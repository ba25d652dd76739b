# GNU find and xargs, as installed, the way configure scripts, kernel
# builds (modules_install, headers_install, `make clean`) and initramfs
# scripts use them, on a tree made here with known names, types, sizes,
# modes and times. find: -name, -path, -type f/d/l, -newer, -prune,
# -maxdepth/-mindepth, -size, -perm (exact, -, /), -empty, ! and -o,
# -exec {} \; and {} + (how many runs), -print0 into xargs -0 with
# names holding spaces and a newline, -printf, and a missing start point.
# xargs: -n, -I, -r, quotes, -0, -L, and its exit statuses (123 when a
# run fails, 124 for 255, 127 for no such command). Each output is sorted
# where find's order is not defined and compared byte for byte.
set -eu
find --version | grep -q '^find (GNU findutils) 4.10.0$'
xargs --version | grep -q '^xargs (GNU findutils) 4.10.0$'

# same NAME CMD...: CMD succeeds and its output, sorted, is NAME.want
same() {
  n=$1
  shift
  "$@" > "$n.raw"
  sort "$n.raw" > "$n.got"
  if ! cmp -s "$n.want" "$n.got"; then
    echo "FAILED: $*" >&2
    diff -u "$n.want" "$n.got" >&2 || true
    exit 1
  fi
}
# exact NAME CMD...: the same, without sorting (order is defined)
exact() {
  n=$1
  shift
  "$@" > "$n.got"
  if ! cmp -s "$n.want" "$n.got"; then
    echo "FAILED: $*" >&2
    diff -u "$n.want" "$n.got" >&2 || true
    exit 1
  fi
}
# status WANT CMD...: CMD exits with status WANT
status() {
  w=$1
  shift
  set +e
  "$@" > /dev/null 2>&1
  r=$?
  set -e
  if [ "$r" != "$w" ]; then
    echo "FAILED (exit $r, wanted $w): $*" >&2
    exit 1
  fi
}

# The tree. Times: everything old (2001) but new.c and sub/deep/late.txt
# (2030), against ref (2020).
mkdir -p t/src/lib t/sub/deep t/empty t/skip/inner t/.hidden
printf 'int main(void) { return 0; }\n' > t/src/main.c
printf '/* lib */\n' > t/src/lib/util.c
printf 'int f(void);\n' > t/src/lib/util.h
head -c 3000 /dev/zero > t/big.bin
head -c 1024 /dev/zero > t/onek.bin
: > t/zero.txt
printf 'x\n' > t/sub/deep/late.txt
printf 'y\n' > t/new.c
printf 'hidden\n' > t/.hidden/h.c
printf 'skipped\n' > t/skip/inner/s.c
printf '#!/bin/sh\n' > t/run.sh
ln -s src/main.c t/link.c
ln -s nowhere t/dangling
chmod 755 t/run.sh
chmod 600 t/zero.txt
chmod 666 t/onek.bin
chmod 644 t/big.bin t/new.c t/sub/deep/late.txt t/src/main.c t/src/lib/util.c \
  t/src/lib/util.h t/.hidden/h.c t/skip/inner/s.c
chmod 755 t t/src t/src/lib t/sub t/sub/deep t/empty t/skip t/skip/inner t/.hidden
find t -exec touch -h -t 200101010000 {} +
touch -t 203001010000 t/new.c t/sub/deep/late.txt
touch -t 202001010000 ref

cat > all.want <<'EOF'
t
t/.hidden
t/.hidden/h.c
t/big.bin
t/dangling
t/empty
t/link.c
t/new.c
t/onek.bin
t/run.sh
t/skip
t/skip/inner
t/skip/inner/s.c
t/src
t/src/lib
t/src/lib/util.c
t/src/lib/util.h
t/src/main.c
t/sub
t/sub/deep
t/sub/deep/late.txt
t/zero.txt
EOF
same all find t

cat > name.want <<'EOF'
t/.hidden/h.c
t/link.c
t/new.c
t/skip/inner/s.c
t/src/lib/util.c
t/src/main.c
EOF
same name find t -name '*.c'

# -type l does not follow the link; -type f does not see it
cat > files.want <<'EOF'
t/.hidden/h.c
t/big.bin
t/new.c
t/onek.bin
t/run.sh
t/skip/inner/s.c
t/src/lib/util.c
t/src/lib/util.h
t/src/main.c
t/sub/deep/late.txt
t/zero.txt
EOF
same files find t -type f
cat > dirs.want <<'EOF'
t
t/.hidden
t/empty
t/skip
t/skip/inner
t/src
t/src/lib
t/sub
t/sub/deep
EOF
same dirs find t -type d
printf '%s\n' t/dangling t/link.c > links.want
same links find t -type l
# -L follows links: link.c is a file then, dangling stays a link
printf '%s\n' t/dangling > llinks.want
same llinks find -L t -type l

printf '%s\n' t/new.c t/sub/deep/late.txt > newer.want
same newer find t -newer ref
printf '%s\n' t/sub/deep/late.txt > newerf.want
same newerf find t -type f -newer ref -path '*/deep/*'

printf '%s\n' t/src/lib/util.c t/src/lib/util.h > path.want
same path find t -path 't/src/lib/*'

# -prune: skip/ and .hidden/ are not entered
cat > prune.want <<'EOF'
t/link.c
t/new.c
t/src/lib/util.c
t/src/main.c
EOF
same prune find t \( -name skip -o -name '.*' \) -prune -o -name '*.c' -print

cat > depth.want <<'EOF'
t/.hidden
t/big.bin
t/dangling
t/empty
t/link.c
t/new.c
t/onek.bin
t/run.sh
t/skip
t/src
t/sub
t/zero.txt
EOF
same depth find t -mindepth 1 -maxdepth 1
cat > depth2.want <<'EOF'
t/skip/inner/s.c
t/src/lib/util.c
t/src/lib/util.h
t/sub/deep/late.txt
EOF
same depth2 find t -mindepth 3 -type f

# -size: c is bytes, k rounds up to KiB, 0 is empty
printf '%s\n' t/big.bin > sizebig.want
same sizebig find t -type f -size +1k
printf '%s\n' t/onek.bin > size1k.want
same size1k find t -type f -size 1024c
cat > sizesmall.want <<'EOF'
t/.hidden/h.c
t/new.c
t/run.sh
t/skip/inner/s.c
t/src/lib/util.c
t/src/lib/util.h
t/src/main.c
t/sub/deep/late.txt
EOF
same sizesmall find t -type f -size -100c ! -size 0

printf '%s\n' t/zero.txt > permexact.want
same permexact find t -type f -perm 600
cat > permx.want <<'EOF'
t
t/.hidden
t/empty
t/run.sh
t/skip
t/skip/inner
t/src
t/src/lib
t/sub
t/sub/deep
EOF
# ! -type l: a symbolic link's own mode is 777
same permx find t ! -type l -perm -u+x
printf '%s\n' t/onek.bin > permany.want
same permany find t ! -type l -perm /o+w
printf '%s\n' t/run.sh > permsym.want
same permsym find t -type f -perm -a=rx

printf '%s\n' t/empty t/zero.txt > empty.want
same empty find t -empty

# ! and -o, with explicit grouping
cat > notor.want <<'EOF'
t/big.bin
t/onek.bin
t/run.sh
t/src/lib/util.h
t/zero.txt
EOF
same notor find t -type f ! -name '*.c' ! -name '*.txt' -o -name zero.txt
printf '%s\n' t/run.sh t/src/lib/util.h > or.want
same or find t \( -name '*.sh' -o -name '*.h' \) -type f

# -exec ... \; runs once per file, -exec ... + as few times as it can
printf '%s\n' 'one t/src/lib/util.c' 'one t/src/lib/util.h' > execone.want
same execone find t/src/lib -type f -exec echo one {} \;
printf '%s\n' 'runs: 1 args: 11' > execplus.want
exact execplus sh -c 'find t -type f -exec sh -c "echo \$#" sh {} + |
  { n=0 a=0; while read c; do n=$((n + 1)) a=$((a + c)); done; echo "runs: $n args: $a"; }'
# {} inside a word, and a failing -exec is false
printf '%s\n' '[t/src/main.c]' > execword.want
same execword find t/src -name main.c -exec echo '[{}]' \;
printf '%s\n' t/zero.txt > execfalse.want
same execfalse find t -type f ! -exec test -s {} \; -print

# -print0 into xargs -0, through names with a space and a newline
mkdir odd
printf a > 'odd/with space'
printf b > 'odd/new
line'
printf c > odd/plain
printf '%s\n' 'a' 'b' 'c' > print0.want
same print0 sh -c 'find odd -type f -print0 | xargs -0 -n 1 sh -c "cat \"\$0\"; echo"'
printf '%s\n' 3 > print0n.want
exact print0n sh -c 'find odd -type f -print0 | xargs -0 sh -c "echo \$#" sh'

# -printf: depth, name, size, mode, type, and the date of -newer's tree
cat > printf.want <<'EOF'
1 big.bin 3000 644 f
1 onek.bin 1024 666 f
1 run.sh 10 755 f
1 zero.txt 0 600 f
EOF
same printf find t -maxdepth 1 -type f -name '*.*' ! -name '*.c' -printf '%d %f %s %m %y\n'
printf '%s\n' '2030-01-01 t/new.c' > printft.want
same printft find t -maxdepth 1 -newer ref -printf '%TY-%Tm-%Td %p\n'

# a start point that is missing: the rest is still listed, exit 1
status 1 find t/empty t/missing
printf '%s\n' t/empty > missing.want
set +e
find t/empty t/missing > missing.got 2> missing.err
set -e
cmp missing.want missing.got
grep -q "t/missing" missing.err
status 1 find t -badpredicate

# xargs
printf '%s\n' '1 2' '3 4' 5 > xn.want
exact xn sh -c 'echo 1 2 3 4 5 | xargs -n 2 echo'
printf '%s\n' '<a b>' '<c>' > xi.want
exact xi sh -c 'printf "a b\nc\n" | xargs -I X echo "<X>"'
: > xr.want
exact xr sh -c 'printf "" | xargs -r echo ran'
printf '%s\n' ran > xnr.want
exact xnr sh -c 'printf "" | xargs echo ran'
printf '%s\n' 'a b' c 'd"e' > xq.want
exact xq sh -c "echo \"'a b' c 'd\\\"e'\" | xargs -n 1 echo"
printf '%s\n' '1 2' '3' > xl.want
exact xl sh -c 'printf "1 2\n3\n" | xargs -L 1 echo'
printf '%s\n' 'x y' > x0.want
exact x0 sh -c 'printf "x\0y\0" | xargs -0 echo'
status 0 sh -c 'echo a b | xargs true'
status 123 sh -c 'echo a b | xargs -n 1 sh -c "test \$0 != b"'
status 124 sh -c 'echo a | xargs sh -c "exit 255"'
status 127 sh -c 'echo a | xargs /no/such/command'
# a failing run does not stop the rest (123 at the end)
printf '%s\n' a b c > xcont.want
set +e
echo a b c | xargs -n 1 sh -c 'echo $0; test $0 != b' > xcont.got
r=$?
set -e
[ $r = 123 ]
cmp xcont.want xcont.got
echo "findutils: all checks passed"
