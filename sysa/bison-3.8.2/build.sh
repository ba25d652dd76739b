. /bootstrap/lib/unpack.sh
# bison's own configure && make, in the source tree (relative file names:
# no build path reaches the binary), no NLS. M4 is given as /usr/bin/m4:
# bison runs it on its skeletons every time it generates a parser, and
# configure writes the path it is given into the binary.
# CFLAGS=-O2 replaces configure's default (-g with a compiler it does not
# take for GCC): TinyCC's debug info would carry the build directory.
#
# Debian's +dfsg tarball leaves out the manual (doc/bison.texi, its figures
# and the bison.info made from it) but keeps the Makefile rules that build
# it, and the rules that extract the examples from it; there is no texinfo
# and no perl here to run them anyway. As Debian's own build does, stand-ins
# keep those rules from running:
# - doc/bison.texi, one line, dated 2000: older than the shipped examples
#   and their stamp, so nothing is extracted again;
# - the figures' text renderings, then doc/bison.info, then the
#   bison.info.bak that all-local post-processes it into (with perl),
#   created in that order so each is up to date against the one before.
# The stand-in bison.info that `make install` copies is removed afterwards.
set -eux
cd "$SRC"
printf '@setfilename bison.info\n' > doc/bison.texi
touch -t 200001010000 doc/bison.texi
mkdir -p doc/figs
: > doc/figs/example.txt
: > doc/figs/example-reduce.txt
: > doc/figs/example-shift.txt
: > doc/bison.info
: > doc/bison.info.bak
CFLAGS=-O2 ./configure --prefix=/usr --disable-nls --disable-dependency-tracking M4=/usr/bin/m4
make -j"$JOBS" MAKEINFO=true
make install DESTDIR="$DESTDIR" MAKEINFO=true
rm -r "$DESTDIR/usr/share/info"
