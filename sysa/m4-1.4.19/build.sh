. /bootstrap/lib/unpack.sh
# A plain configure && make in the source tree (the compiler sees relative
# file names), no NLS. CFLAGS without configure's default -g: TinyCC's
# debug information names the directory it compiled in, which would put
# this step's build path into the program.
set -eux
cd "$SRC"
./configure --prefix=/usr --disable-nls CFLAGS=-O2
make -j"$JOBS"
make install DESTDIR="$DESTDIR"
