# GNU patch, as installed (run by /bin/sh). A unified diff applies with
# -p1 (a/ and b/ prefixes) and -p0 to give the expected file, which then
# compiles and runs; -R takes it back to the original byte for byte, and a
# patch already applied is noticed (-N). A hunk whose outer context line
# differs applies only with fuzz: with -F0 it is refused, and so is a hunk
# that does not fit at all; either way the file is left unchanged and the
# hunk goes to a .rej file. Also an offset: the same diff applies to the
# file moved down by two lines.
set -eux
kit=/bootstrap/bin/kit
t=/bootstrap/recipes/sysa/improve/check-patch
patch --version

$kit mkdir p1/src p0/src off/src
$kit cp $t.orig p1/src/count.c
(cd p1 && patch -p1 -F0 < $t.p1.diff)
$kit cmp $t.expected p1/src/count.c
cc p1/src/count.c -o count
[ "$(./count x y)" = "1: x
2: y
2 arguments (counted)" ]
(cd p1 && patch -p1 -R -F0 < $t.p1.diff)
$kit cmp $t.orig p1/src/count.c

$kit cp $t.orig p0/src/count.c
(cd p0 && patch -p0 -F0 < $t.p0.diff)
$kit cmp $t.expected p0/src/count.c
# applied twice: -N refuses it as already applied, file unchanged
if (cd p0 && patch -p0 -N -F0 < $t.p0.diff); then exit 1; fi
$kit cmp $t.expected p0/src/count.c
(cd p0 && patch -p0 -R -F0 < $t.p0.diff)
$kit cmp $t.orig p0/src/count.c

# two lines more above: the hunk is found at its new place, unchanged
printf '/* moved */\n\n' > moved
$kit cat off/src/count.c moved $t.orig
$kit cat off.expected moved $t.expected
(cd off && patch -p1 -F0 < $t.p1.diff)
$kit cmp off.expected off/src/count.c

# no fuzz: refused, file unchanged, the hunk kept in count.c.rej
$kit mkdir fz/src nf/src
$kit cp $t.orig fz/src/count.c
if (cd fz && patch -p1 -F0 < $t.fuzz.diff); then
  echo "patch applied a hunk that needs fuzz"; exit 1
fi
$kit cmp $t.orig fz/src/count.c
[ -f fz/src/count.c.rej ]
# the same hunk with patch's default fuzz applies: -F0 made the difference
(cd fz && patch -p1 -r - < $t.fuzz.diff)
$kit cmp $t.expected fz/src/count.c
$kit cp $t.orig nf/src/count.c
if (cd nf && patch -p1 -F0 < $t.nofit.diff); then
  echo "patch applied a hunk that does not fit"; exit 1
fi
$kit cmp $t.orig nf/src/count.c
if (cd nf && patch -p1 < $t.nofit.diff); then
  echo "patch applied a hunk that does not fit, with fuzz"; exit 1
fi
$kit cmp $t.orig nf/src/count.c
echo "patch ok"
