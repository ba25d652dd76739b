. /bootstrap/lib/unpack.sh
# GNU bc with its own configure && make. The tarball ships what yacc and lex
# made (bc/bc.c, bc/bc.h, bc/scan.c, newer than bc.y and scan.l, so make
# does not ask for them) and the info pages. What is left:
# - bc's math library (libmath.b) is compiled at build time by a bc built
#   without it (fbc), and bc/fix-libmath_h turns that output into a C
#   initializer with ed, which the chain does not have: patches/ has the same
#   edit done with sed.
# - MAKEINFO=true: there is no texinfo. configure writes doc/texi-ver.incl
#   (dc's version, the same one the shipped dc.info carries), which makes
#   dc.info look out of date; automake's rule moves the old page away
#   before running MAKEINFO, so `true` would lose it. Touching dc.info
#   after configure keeps the shipped page.
# Built in the source tree, so the compiler sees relative file names and
# no build path reaches the binaries.
set -eux
cd "$SRC"
./configure --prefix=/usr --disable-dependency-tracking MAKEINFO=true
touch doc/dc.info
make -j"$JOBS" MAKEINFO=true
make install DESTDIR="$DESTDIR" MAKEINFO=true
