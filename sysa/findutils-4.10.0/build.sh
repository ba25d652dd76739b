. /bootstrap/lib/unpack.sh
# findutils with its own configure and Makefiles, in the source tree (no
# build path reaches the binaries), no NLS. Only what is installed is
# built: gnulib (gl), the shared lib/, find and xargs, with their man
# pages. Left out:
# - locate, updatedb and frcode (locate/): nothing in the chain or a
#   kernel build asks for a file-name database, and Debian too ships
#   find and xargs without them (its locate is a separate package);
# - the info manual (doc/): its make regenerates a texinfo file from
#   locate's settings on every run, which marks the shipped find.info
#   stale, and there is no makeinfo to rebuild it.
# CFLAGS=-O2 instead of configure's default -g -O2: TinyCC's debug
# information names the directory it compiled in (the build path).
# --disable-dependency-tracking: with TinyCC configure would pick
# depcomp's tcc mode; nothing here is rebuilt, so nothing is lost.
set -eux
cd "$SRC"
./configure --prefix=/usr --disable-nls --disable-dependency-tracking \
  CFLAGS=-O2
for d in gl lib find xargs; do
  make -C $d -j"$JOBS"
done
for d in find xargs; do
  make -C $d install DESTDIR="$DESTDIR"
done
