# xz, as installed (run by /bin/sh): it decompresses real .tar.xz release
# tarballs (xz -t and -d check every block's CRC64 and the index), compresses
# and decompresses again in both formats it writes (.xz, and .lzma for old
# tarballs) under each of its names, and replaces a file with FILE.xz and back.
set -eux
d=/bootstrap/distfiles
kit=/bootstrap/bin/kit
xz -t $d/xz-utils_5.8.1.orig.tar.xz
xz -dc $d/gzip_1.13.orig.tar.xz > gzip.tar
unxz < $d/xz-utils_5.8.1.orig.tar.xz > xz.tar
xzcat $d/xz-utils_5.8.1.orig.tar.xz > xz2.tar
$kit cmp xz.tar xz2.tar

# Tarballs at fast presets (the fast match finders); the default preset
# (-6, the normal optimiser) on a smaller file: TinyCC's code needs ~3 s a
# megabyte there.
xz -1 < gzip.tar > again.tar.xz
xz -t again.tar.xz
unxz < again.tar.xz > back1.tar
$kit cmp gzip.tar back1.tar
gzip -dc $d/bzip2_1.0.8.orig.tar.gz > bzip2.tar
xz -2 -c bzip2.tar > bzip2.tar.xz
xzcat bzip2.tar.xz > back2.tar
$kit cmp bzip2.tar back2.tar
$kit cp /usr/bin/gzip small
xz -c small > small.xz
xz -dc small.xz > back-small
$kit cmp small back-small

lzma -1 -c bzip2.tar > bzip2.tar.lzma
unlzma -c bzip2.tar.lzma > back3.tar
$kit cmp bzip2.tar back3.tar
lzcat bzip2.tar.lzma > back4.tar
$kit cmp bzip2.tar back4.tar

$kit cp bzip2.tar f.tar
xz -1 f.tar
[ -f f.tar.xz ]; [ ! -e f.tar ]
unxz f.tar.xz
[ -f f.tar ]; [ ! -e f.tar.xz ]
$kit cmp bzip2.tar f.tar
# trailing garbage after a stream is refused, not ignored
printf 'XXXX' > junk
$kit cat bad.xz bzip2.tar.xz junk
if xz -t bad.xz; then echo "xz accepted a damaged file"; exit 1; fi
echo "xz ok"
