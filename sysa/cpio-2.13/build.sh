. /bootstrap/lib/unpack.sh
# cpio with its own configure and Makefiles, in the source tree (no build
# path reaches the binary), no NLS. Only what is installed is built:
# gnulib (gnu), cpio's own library (lib), cpio (src), and its man page.
# Left out:
# - rmt (rmt/), the remote tape server cpio and tar talk to over rsh
#   for host:file archives; nothing here has tapes or rsh;
# - mt (not built by default either) and the info manual: Debian's
#   tarball ships no texinfo source for it.
# CFLAGS=-O2 instead of configure's default -g -O2: TinyCC's debug
# information names the directory it compiled in (the build path).
# --disable-dependency-tracking: with TinyCC configure would pick
# depcomp's tcc mode; nothing here is rebuilt, so nothing is lost.
set -eux
cd "$SRC"
./configure --prefix=/usr --disable-nls --disable-dependency-tracking \
  CFLAGS=-O2
for d in gnu lib src; do
  make -C $d -j"$JOBS"
done
make -C src install DESTDIR="$DESTDIR"
make -C doc install-man1 DESTDIR="$DESTDIR"
