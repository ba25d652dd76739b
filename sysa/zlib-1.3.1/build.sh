. /bootstrap/lib/unpack.sh
# zlib's own configure: it takes `cc` (TinyCC's -v names no gcc) as a
# generic compiler, so it asks for nothing GCC-specific; --static builds
# libz.a only (musl here is static only; there is no dynamic loader).
# `make test` runs zlib's own example and minigzip against the new libz.a
# before anything is installed. Built in the source tree, so the compiler
# sees relative file names and no build path reaches the library.
set -eux
cd "$SRC"
./configure --prefix=/usr --static
make -j"$JOBS"
make test
make install DESTDIR="$DESTDIR"
