# GNU tar, as installed (run by /bin/sh). Real release tarballs in the three
# formats they come in (GNU: bzip2's; pax with a global header: musl's and
# TinyCC's; old v7: XZ Utils'), through each decompressor tar calls by
# name (-z, -j, -J) and through a pipe: every member is listed (counts
# from the pinned tarballs), and files extracted here equal the copies the
# host unpacked for earlier steps and those steps installed. Then archives
# made here in ustar, GNU and pax format (a long name, a symlink, an empty
# directory) extract to the same bytes, a tree re-archived and extracted
# again compares equal (tar -d), a change is noticed, and what is not an
# archive or is cut short is refused.
set -eux
d=/bootstrap/distfiles
kit=/bootstrap/bin/kit

count() { # count FILE: lines in FILE
  n=0
  while IFS= read -r line; do n=$((n + 1)); done < "$1"
  echo $n
}

gzip -dc $d/bzip2_1.0.8.orig.tar.gz | tar -tf - > bzip2.list
[ "$(count bzip2.list)" = 56 ]
tar -tzf $d/musl-1.2.3.tar.gz > musl.list
[ "$(count musl.list)" = 2841 ]
tar -tjf $d/tcc_0.9.27+git20200814.62c30a4a.orig.tar.bz2 > tcc.list
[ "$(count tcc.list)" = 484 ]
tar -tJf $d/xz-utils_5.8.1.orig.tar.xz > xz.list
[ "$(count xz.list)" = 679 ]

$kit mkdir x
cd x
# --no-same-owner: as root tar would give each file its owner in the
# archive (upstream's uid 1000 and the like), an id a rootless run's user
# namespace does not map (chown fails there); unpack.sh does the same.
gzip -dc $d/bzip2_1.0.8.orig.tar.gz | tar --no-same-owner -xf -
$kit cmp /usr/include/bzlib.h bzip2-1.0.8/bzlib.h
tar --no-same-owner -xzf $d/musl-1.2.3.tar.gz
$kit cmp /usr/include/stdio.h musl-1.2.3/include/stdio.h
$kit mkdir tcc
tar --no-same-owner -xjf $d/tcc_0.9.27+git20200814.62c30a4a.orig.tar.bz2 -C tcc
$kit cmp /usr/lib/tcc/include/stddef.h tcc/include/stddef.h
tar --no-same-owner -xJf $d/xz-utils_5.8.1.orig.tar.xz
$kit cmp /usr/include/lzma.h xz-5.8.1/src/liblzma/api/lzma.h
# what was extracted matches the archive, member by member (tar -d)
tar -dzf $d/musl-1.2.3.tar.gz
tar -dJf $d/xz-utils_5.8.1.orig.tar.xz
cd ..

# a small tree, in each format tar writes
long=a-directory-name-long-enough-that-ustar-must-split-it-into-prefix-and-name
long=$long/and-a-file-name-that-makes-the-whole-path-longer-than-100-bytes.c
$kit mkdir "t/$long" t/empty
$kit cp /usr/include/stdio.h "t/$long/x.h"
$kit cp /usr/include/lzma.h t/lzma.h
$kit ln lzma.h t/link
for fmt in ustar gnu pax; do
  tar --format=$fmt -cf $fmt.tar t
  $kit mkdir $fmt
  tar -xf $fmt.tar -C $fmt
  $kit cmp /usr/include/stdio.h "$fmt/t/$long/x.h"
  $kit cmp /usr/include/lzma.h $fmt/t/link
  [ -d $fmt/t/empty ]; [ -L $fmt/t/link ]
  (cd $fmt && tar -df ../$fmt.tar)
done
# the formats differ on disk (ustar splits the long name, GNU writes a
# ././@LongLink member, pax an extended header)
if $kit cmp ustar.tar gnu.tar; then exit 1; fi
if $kit cmp gnu.tar pax.tar; then exit 1; fi

# round trip: musl's tree archived again (compressed), extracted elsewhere,
# compared with the original tarball
(cd x && tar --format=pax -czf ../again.tar.gz musl-1.2.3)
$kit mkdir again
tar -xzf again.tar.gz -C again
(cd again && tar -dzf $d/musl-1.2.3.tar.gz)

# a file through a pipe and back out to stdout (-O)
gzip -dc $d/bzip2_1.0.8.orig.tar.gz > bzip2.tar
tar -cf - bzip2.tar | tar -xOf - bzip2.tar > whole.tar
$kit cmp bzip2.tar whole.tar

# a changed file is noticed by tar -d; what is not a tar archive, or is
# cut short, is refused
$kit cp /usr/include/lzma.h "pax/t/$long/x.h"
if (cd pax && tar -df ../pax.tar); then echo "tar -d missed a change"; exit 1; fi
if tar -tf /usr/include/lzma.h; then echo "tar read a header file"; exit 1; fi
# a file split over two 500 KiB volumes (bzip2's tarball, 791 KiB): the
# first alone is an archive cut short, and is refused; both together give
# the file back
$kit cp $d/bzip2_1.0.8.orig.tar.gz b.tgz
tar -cM -L 500 -f v1.tar -f v2.tar b.tgz
if tar -xOf v1.tar > /dev/null; then echo "tar read a truncated archive"; exit 1; fi
tar -xOM -f v1.tar -f v2.tar b.tgz > b2.tgz
$kit cmp b.tgz b2.tgz
echo "tar ok"
