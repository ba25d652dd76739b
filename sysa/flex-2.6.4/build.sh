. /bootstrap/lib/unpack.sh
# flex's own configure && make, in the source tree, no NLS. The tarball
# ships the scanner flex made of scan.l (src/scan.c) and the parser bison
# makes of parse.y (src/parse.c, parse.h), newer than their sources, so no
# flex and no bison is needed: make builds stage1flex from the shipped
# scan.c, stage1flex scans scan.l again into stage1scan.c, and flex is
# built from that. M4 is given as /usr/bin/m4: flex runs it on every
# scanner it writes and configure writes the path it is given into flex.
# CFLAGS=-O2 replaces configure's default (-g with a compiler it does not
# take for GCC): TinyCC's debug info would carry the build directory.
set -eux
cd "$SRC"
CFLAGS=-O2 ./configure --prefix=/usr --disable-nls --disable-dependency-tracking \
  --disable-shared --enable-static M4=/usr/bin/m4
make -j"$JOBS" MAKEINFO=true
make install DESTDIR="$DESTDIR" MAKEINFO=true
