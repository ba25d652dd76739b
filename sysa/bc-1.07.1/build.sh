. /bootstrap/lib/unpack.sh
# GNU bc with its own configure && make. The tarball ships what yacc and lex
# made (bc/bc.c, bc/bc.h, bc/scan.c, newer than bc.y and scan.l, so make
# does not ask for them) and the info pages. What is left:
# - bc's math library (libmath.b) is compiled at build time by a bc built
#   without it (fbc), and bc/fix-libmath_h turns that output into a C
#   initializer with ed, which the chain does not have: patches/ has the same
#   edit done with sed.
# - MAKEINFO=true: there is no texinfo. configure writes doc/texi-ver.incl
#   (bc's and dc's versions, the ones the shipped pages carry), which makes
#   bc.info and dc.info look out of date; automake's rule moves the old page
#   away before running MAKEINFO, so `true` would lose them. Touching them
#   after configure keeps the shipped pages.
# - CFLAGS: configure's default for a compiler that is not GCC is -g (debug
#   information naming the build directory); -funsigned-char is what it adds
#   for GCC, bc's sources being written for it.
# Built in the source tree, so the compiler sees relative file names.
set -eux
cd "$SRC"
./configure --prefix=/usr --disable-dependency-tracking \
  CFLAGS="-O2 -funsigned-char" MAKEINFO=true
touch doc/bc.info doc/dc.info
make -j"$JOBS" MAKEINFO=true
make install DESTDIR="$DESTDIR" MAKEINFO=true
