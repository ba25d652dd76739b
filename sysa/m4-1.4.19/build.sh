. /bootstrap/lib/unpack.sh
# A plain configure && make from a separate build directory; no NLS.
set -eux
cd "$BUILDDIR"
"$SRC/configure" --prefix=/usr --disable-nls
make -j"$JOBS"
make install DESTDIR="$DESTDIR"
