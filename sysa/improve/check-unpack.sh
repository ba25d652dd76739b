# /bootstrap/lib/unpack.sh (sysglobal/unpack.sh), which every later step
# starts with, on tarballs made here with the chain's tar: the top directory
# is stripped (also behind ./), a tarball without one is kept as it is,
# sources go into the tree (`into`), an inner tarball is read out of its
# wrapper, and patches apply in order. Refused, with nothing unpacked: a
# distfile whose hash is not the pinned one, a member with '..' or an
# absolute name, a patch that does not apply without fuzz, a missing list.
set -eux
kit=/bootstrap/bin/kit
lib=/bootstrap/lib/unpack.sh
here=$PWD
d=$here/dist
$kit mkdir "$d" r/patches t1/pkg-1.0/sub t2/top t3 t4/in-1 t5/out-1 e/in

# stdin to a file (there is no cat yet)
put() {
  while IFS= read -r l; do printf '%s\n' "$l"; done > "$1"
}

# sha256sum lines for the given distfiles
pin() {
  for f in "$@"; do
    set -- $($kit sha256 "$d/$f")
    printf '%s  %s\n' "$1" "$f"
  done > "$d/SHA256SUMS"
}

# unpack.sh in a subshell, as a step named $1 with list $2
unpack() {
  (
    unset BOOTSTRAP_STAGE STEP
    DISTFILES=$d RECIPE=$here/r SRC=$here/src-$1 BUILDDIR=$here/b-$1 UNPACK_LIST=$2
    . $lib
    echo unpacked
  )
}

printf 'int main(void) { return 1; }\n' > t1/pkg-1.0/a.c
printf 'text\n' > t1/pkg-1.0/sub/b.txt
(cd t1 && tar -czf "$d/pkg-1.0.tar.gz" pkg-1.0)
put r/patches/01-ret.patch <<'EOF'
--- a/a.c
+++ b/a.c
@@ -1 +1 @@
-int main(void) { return 1; }
+int main(void) { return 0; }
EOF
printf 'x\n' > t2/top/x
(cd t2 && tar -cJf "$d/dot.tar.xz" ./top)
printf 'a\n' > t3/a
printf 'b\n' > t3/b
(cd t3 && tar -cjf "$d/flat.tar.bz2" a b)
printf 'int z;\n' > t4/in-1/z.c
(cd t4 && tar -cJf ../t5/out-1/in-1.tar.xz in-1)
(cd t5 && tar -czf "$d/out-1.tar.gz" out-1)
pin pkg-1.0.tar.gz dot.tar.xz flat.tar.bz2 out-1.tar.gz

put ok.list <<'EOF'
# a comment
source pkg-1.0.tar.gz .
source dot.tar.xz deps/dot
source flat.tar.bz2 flat
patch patches/01-ret.patch
EOF
unpack ok ok.list
$kit cmp t1/pkg-1.0/sub/b.txt src-ok/sub/b.txt
$kit cmp t2/top/x src-ok/deps/dot/x
$kit cmp t3/a src-ok/flat/a
$kit cmp t3/b src-ok/flat/b
cc src-ok/a.c -o ret
./ret
printf 'source out-1.tar.gz . in-1.tar.xz\n' > inner.list
unpack inner inner.list
$kit cmp t4/in-1/z.c src-inner/z.c

# every refusal must fail and unpack nothing
refused() {
  if unpack "$1" "$2"; then exit 1; fi
  [ ! -e "src-$1/a.c" ]
  [ ! -e "src-$1/evil" ]
}
# one byte appended to a pinned distfile
$kit cp "$d/pkg-1.0.tar.gz" "$d/bad.tar.gz"
printf x >> "$d/bad.tar.gz"
set -- $($kit sha256 "$d/pkg-1.0.tar.gz")
printf '%s  bad.tar.gz\n' "$1" >> "$d/SHA256SUMS"
printf 'source bad.tar.gz .\n' > bad.list
refused bad bad.list
[ ! -e src-bad ]
# '..' and absolute member names (-P keeps them when creating)
printf 'evil\n' > e/evil
(cd e/in && tar -cPf "$d/dots.tar" ../evil)
tar -cPf "$d/abs.tar" "$here/e/evil"
pin pkg-1.0.tar.gz dots.tar abs.tar
printf 'source dots.tar .\n' > dots.list
refused dots dots.list
printf 'source abs.tar .\n' > abs.list
refused abs abs.list
# a patch that no longer fits
printf 'int main(void) { return 2; }\n' > t1/pkg-1.0/a.c
(cd t1 && tar -czf "$d/pkg-1.0.tar.gz" pkg-1.0)
pin pkg-1.0.tar.gz
printf 'source pkg-1.0.tar.gz .\npatch patches/01-ret.patch\n' > misfit.list
if unpack misfit misfit.list; then exit 1; fi
# no list at all
if unpack none "$here/no.list"; then exit 1; fi
echo "unpack.sh: all checks passed"
