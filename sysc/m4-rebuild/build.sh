. /bootstrap/lib/unpack.sh
# As sysa/m4-1.4.19 builds it: in the source tree, the same options.
set -eux
cd "$SRC"
./configure --prefix=/usr --disable-nls CFLAGS=-O2
make -j"$JOBS"
if ! cmp src/m4 /usr/bin/m4; then
  echo "m4 built in sysc differs from the one sysa installed" >&2
  exit 1
fi
src/m4 --version
echo "self-hosting: m4 rebuilt here equals sysa's, byte for byte"
