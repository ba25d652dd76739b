. /bootstrap/lib/unpack.sh
# A plain configure && make in the source tree (no build path reaches the
# binary: the compiler sees relative file names), no NLS.
set -eux
cd "$SRC"
./configure --prefix=/usr --disable-nls
make -j"$JOBS"
make install DESTDIR="$DESTDIR"
