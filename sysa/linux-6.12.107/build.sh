. /bootstrap/lib/unpack.sh
# Linux with its own Kbuild: configured from linux.config on top of
# allnoconfig, built as a bzImage, installed to /boot with its .config and
# System.map. CC is gcc-seed (laid at /bootstrap/seed/gcc by the host);
# HOSTCC, for the programs the build runs (kconfig, fixdep, relocs, ...), is
# our TinyCC through /bootstrap/lib/kbuild-cc.sh (one option spelled its way); as, ld, ar, nm
# and objcopy are the chain's binutils, found on PATH by their plain names.
# Built in the source tree: the compiler sees relative names only.
#
# Reproducible: the build timestamp is SOURCE_DATE_EPOCH's, the build user,
# host and number are fixed, so the banner (/proc/version) names no machine
# or date; no module signing key is made (there are no modules).
set -eux
gcc=/bootstrap/seed/gcc/bin/x86_64-linux-musl-gcc
export KBUILD_BUILD_TIMESTAMP="$(date -u -d "@$SOURCE_DATE_EPOCH")"
export KBUILD_BUILD_USER=bootstrap KBUILD_BUILD_HOST=bootstrap
export KBUILD_BUILD_VERSION=1
hostcc=$BUILDDIR/hostcc
mkdir -p "$BUILDDIR"
cp /bootstrap/lib/kbuild-cc.sh "$hostcc"
chmod 755 "$hostcc"
cd "$SRC"
kmake() {
  make -j"$JOBS" CC="$gcc" HOSTCC="$hostcc" "$@"
}
kmake allnoconfig KCONFIG_ALLCONFIG="$RECIPE/linux.config"
# Every option we ask for must have survived Kconfig's dependencies: a
# missing one would give a kernel that cannot reach its disk.
grep -v '^#' "$RECIPE/linux.config" | grep -v '^$' | while read -r opt; do
  case $opt in
    *=n) grep -qx "# ${opt%=n} is not set" .config ;;
    *) grep -qxF "$opt" .config ;;
  esac || { echo "linux.config: $opt did not survive Kconfig" >&2; exit 1; }
done
# The UAPI headers, sanitised for user space (usr/include): musl has no
# <linux/*.h> or <asm/*.h>, and host programs of the build (vdso2c, relocs)
# include them, as system headers (-isystem: after the build's own -I
# directories, whose tools/include/linux/types.h must win). They are
# installed too, the Linux API headers of the system; `headers_install`
# would copy them with rsync, which the chain does not have, so cp does.
kmake headers
kmake bzImage HOSTCFLAGS="-isystem $SRC/usr/include"
release=$(cat include/config/kernel.release)
mkdir -p "$DESTDIR/usr/include"
(cd usr/include && find . -name '*.h' | LC_ALL=C sort | xargs cp --parents -t "$DESTDIR/usr/include")
mkdir -p "$DESTDIR/boot"
cp arch/x86/boot/bzImage "$DESTDIR/boot/vmlinuz-$release"
cp .config "$DESTDIR/boot/config-$release"
cp System.map "$DESTDIR/boot/System.map-$release"
ln -s "vmlinuz-$release" "$DESTDIR/boot/vmlinuz"
