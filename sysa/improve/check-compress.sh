# gzip and bzip2, as installed (run by /bin/sh): each decompresses a real
# release tarball (the formats' own CRCs check every byte), compresses and
# decompresses it again under each of its names, and gzip replaces a file
# with FILE.gz and back.
set -e
d=/bootstrap/distfiles
kit=/bootstrap/bin/kit
gzip -dc $d/bzip2_1.0.8.orig.tar.gz > bzip2.tar
bzip2 -dc $d/tcc_0.9.27+git20200814.62c30a4a.orig.tar.bz2 > tcc.tar
gzip -t $d/bzip2_1.0.8.orig.tar.gz
bzip2 -t $d/tcc_0.9.27+git20200814.62c30a4a.orig.tar.bz2

bzip2 -9 < bzip2.tar > again.tar.bz2
bunzip2 < again.tar.bz2 > back1.tar
$kit cmp bzip2.tar back1.tar
bzcat again.tar.bz2 > back2.tar
$kit cmp bzip2.tar back2.tar

gzip -9n < tcc.tar > again.tar.gz
zcat again.tar.gz > back3.tar
$kit cmp tcc.tar back3.tar
gunzip -c again.tar.gz > back4.tar
$kit cmp tcc.tar back4.tar

$kit cp tcc.tar f.tar
gzip -n f.tar
[ -f f.tar.gz ]; [ ! -e f.tar ]
gunzip f.tar.gz
[ -f f.tar ]; [ ! -e f.tar.gz ]
$kit cmp tcc.tar f.tar
echo "compressors ok"
