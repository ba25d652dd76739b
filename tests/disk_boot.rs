//! The finished disk boots on its own: a disk image holding the project's
//! own `/boot/grub/grub.cfg` (sysc's `system`) and a kernel as
//! `/boot/vmlinuz` is started by QEMU's firmware alone, SeaBIOS and OVMF
//! (UEFI), and GRUB starts that kernel with the root given by the
//! partition's id. Needs e2fsprogs, GRUB's images, dosfstools, mtools,
//! QEMU, OVMF and a Debian kernel in /boot; skipped with a reason without
//! them, required under CI=true.

mod common;
use common::*;

use std::fs;

use bootstrap::image::disk;

const UUID: &str = "5eed0000-b007-4000-8000-000000000001";

#[test]
fn the_disk_boots_its_kernel_from_bios_and_uefi() {
    if let Err(e) = disk::check_tools() {
        return skip("disk_boot", &format!("{e:#}"));
    }
    let Some(ovmf) = firmware_boot_prerequisites("disk_boot") else {
        return;
    };
    let Some(kernel) = cloud_kernel() else {
        return skip("disk_boot", "no /boot/vmlinuz-*cloud-amd64");
    };
    let t = tempfile::tempdir().unwrap();
    let content = t.path().join("content");
    fs::create_dir_all(content.join("boot/grub")).unwrap();
    // The project's config, made to show the kernel's command line.
    let cfg = fs::read_to_string(repo().join("sysc/system/boot/grub/grub.cfg")).unwrap();
    assert!(cfg.contains(" loglevel=4"), "{cfg}");
    fs::write(
        content.join("boot/grub/grub.cfg"),
        cfg.replace(" loglevel=4", " loglevel=7"),
    )
    .unwrap();
    fs::copy(&kernel, content.join("boot/vmlinuz-test")).unwrap();
    std::os::unix::fs::symlink("vmlinuz-test", content.join("boot/vmlinuz")).unwrap();
    let image = t.path().join("disk.img");
    disk::build_image(
        &content,
        &image,
        128 << 20,
        "BOOTSTRAP",
        UUID,
        0,
        disk::Modes::Fixed { private: &[] },
    )
    .unwrap();
    for (firmware, name) in [(None, "SeaBIOS"), (Some(ovmf), "OVMF")] {
        let (started, seen) =
            firmware_boot_until(&image, firmware, |l| l.contains("Kernel command line:"));
        assert!(
            started,
            "{name}: the kernel did not start; the console:\n{seen}"
        );
        assert!(
            seen.contains("bootstrap: starting /boot/vmlinuz (root PARTUUID=5eed0000-01)"),
            "{name}: GRUB's messages are not on the serial console:\n{seen}"
        );
        let cmdline = seen
            .lines()
            .find(|l| l.contains("Kernel command line:"))
            .unwrap();
        assert!(
            cmdline.contains("root=PARTUUID=5eed0000-01 rootfstype=ext4 ro console=tty0"),
            "{name}: {cmdline}"
        );
    }
}
