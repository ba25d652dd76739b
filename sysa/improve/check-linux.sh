# The kernel sysa built, as installed: /boot/vmlinuz names it; it is an x86
# bzImage (the boot protocol's "HdrS" at 0x202) that UEFI firmware can also
# start (the EFI stub's "MZ" at 0); the version string the boot protocol
# points at names our release and no machine or date but the fixed ones
# (the build's user, host, number and SOURCE_DATE_EPOCH's timestamp); and
# its configuration has, after Kconfig, what the runner and the disk need.
set -eu
fail() {
  echo "FAILED: $*" >&2
  exit 1
}
release=6.12.107-bootstrap
k=/boot/vmlinuz-$release
[ "$(readlink /boot/vmlinuz)" = "vmlinuz-$release" ] || fail "/boot/vmlinuz does not name $k"
[ -s "$k" ] || fail "$k is missing or empty"
[ "$(dd if="$k" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
  fail "$k is not an x86 bzImage (no HdrS at 0x202)"
[ "$(dd if="$k" bs=1 count=2 2>/dev/null)" = MZ ] || fail "$k has no EFI stub (no MZ)"
# The 16-bit field at 0x20E: the version string's offset minus 0x200.
off=$(od -An -tu2 -j526 -N2 "$k" | tr -d ' ')
version=$(dd if="$k" bs=1 skip=$((off + 512)) count=128 2>/dev/null | tr '\0' '\n' | head -n 1)
date=$(date -u -d "@$SOURCE_DATE_EPOCH")
case $version in
  "$release (bootstrap@bootstrap) #1 "*"$date") ;;
  *) fail "unexpected version string: $version" ;;
esac
c=/boot/config-$release
for opt in CONFIG_64BIT CONFIG_KEXEC_FILE CONFIG_DEVTMPFS CONFIG_BLK_DEV_INITRD \
  CONFIG_VIRTIO_BLK CONFIG_VIRTIO_PCI CONFIG_EXT4_FS CONFIG_SERIAL_8250_CONSOLE \
  CONFIG_ACPI CONFIG_EFI_STUB; do
  grep -qx "$opt=y" "$c" || fail "$c lacks $opt=y"
done
grep -qx '# CONFIG_MODULES is not set' "$c" || fail "$c allows modules"
[ -s "/boot/System.map-$release" ] || fail "no System.map"
echo "check-linux: $version"
