//! `bootstrap boot` up to the point where QEMU would start: which targets
//! it takes, the image it writes for a chroot target, and its refusals.
//! (Booting the finished system for real is tests/chain.rs's.) The image
//! tests need e2fsprogs (mke2fs, debugfs); skipped with a reason without.

mod common;
use common::*;

use std::path::Path;
use std::process::Command;

fn have_e2fsprogs() -> bool {
    sbin("mke2fs").is_some() && sbin("debugfs").is_some()
}

/// A chroot target as a run leaves it: the marker, completed steps, and a
/// tree (with the host's work directory, which stays off the disk).
fn chroot_target(dir: &Path, with_kernel: bool) {
    let w = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "bootstrap/target.toml",
        "format = 1\nmode = \"chroot\"\nseed_cc = \"cc\"\nseed_id = \"x\"\n",
    );
    w("bootstrap/state/completed", "sysa kit\n");
    w("etc/hostname", "bootstrap\n");
    w(".bootstrap-host/root-password", "pw\n");
    // A file of the system's that shares a QEMU target's disk name: the
    // marker, not this, says the target is a chroot's.
    w("disk.img", "not a disk\n");
    if with_kernel {
        w("boot/vmlinuz-1-test", "not really a kernel\n");
        std::os::unix::fs::symlink("vmlinuz-1-test", dir.join("boot/vmlinuz")).unwrap();
    }
}

#[test]
fn a_directory_no_run_made_is_refused_untouched() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("empty");
    std::fs::create_dir(&d).unwrap();
    let o = bootstrap(&["boot", "--target", path_str(&d)]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    assert!(err.contains("is not the target of a run"), "{err}");
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
}

#[test]
fn a_chroot_target_is_written_to_an_image_once_and_needs_a_kernel() {
    if !have_e2fsprogs() {
        return skip("boot", "e2fsprogs (mke2fs, debugfs) is not installed");
    }
    let t = tempfile::tempdir().unwrap();
    let c = t.path().join("c");
    chroot_target(&c, false);
    let boot = |extra: &[&str]| {
        let mut args = vec!["boot", "--target", path_str(&c), "--size", "128M"];
        args.extend(extra);
        bootstrap(&args)
    };
    let o = boot(&["--exec", "true"]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    assert!(err.contains("writing the chroot target"), "{err}");
    assert!(err.contains("holds no /boot/vmlinuz"), "{err}");
    let image = c.join(".bootstrap-host/boot-disk/disk.img");
    // The tree is on the disk, the host's work directory is not.
    let ls = Command::new(sbin("debugfs").unwrap())
        .args([
            "-R",
            "ls -l /",
            &format!("{}?offset=1048576", image.display()),
        ])
        .output()
        .unwrap();
    let (listing, _) = text(&ls);
    assert!(
        listing.contains(" etc") && listing.contains(" bootstrap"),
        "{listing}"
    );
    assert!(!listing.contains(".bootstrap-host"), "{listing}");

    // Written again only when the completed steps changed.
    let before = std::fs::metadata(&image).unwrap().modified().unwrap();
    let o = boot(&["--exec", "true"]);
    assert!(!text(&o).1.contains("writing the chroot target"));
    assert_eq!(
        std::fs::metadata(&image).unwrap().modified().unwrap(),
        before
    );
    chroot_target(&c, true);
    std::fs::write(
        c.join("bootstrap/state/completed"),
        "sysa kit\nsysc system\n",
    )
    .unwrap();

    // A kernel now, but a password file that holds none: refused before
    // any machine starts.
    let empty = t.path().join("pw");
    std::fs::write(&empty, "\n").unwrap();
    let o = boot(&["--exec", "true", "--root-password-file", path_str(&empty)]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    assert!(err.contains("writing the chroot target"), "{err}");
    assert!(
        err.contains("the first line (the password) is empty"),
        "{err}"
    );
    // No grub.cfg yet (the system is not finished): QEMU would start the
    // disk's kernel itself, and UEFI, which needs the boot loader, is refused.
    assert!(!err.contains("booting the disk's GRUB"), "{err}");
    let o = boot(&["--uefi", "--exec", "true"]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    assert!(
        err.contains("has no boot loader or no /boot/grub/grub.cfg"),
        "{err}"
    );

    // With the finished system's grub.cfg the firmware boots the disk.
    std::fs::create_dir_all(c.join("boot/grub")).unwrap();
    std::fs::write(c.join("boot/grub/grub.cfg"), "boot\n").unwrap();
    std::fs::write(
        c.join("bootstrap/state/completed"),
        "sysa kit\nsysc system\nsysc grub\n",
    )
    .unwrap();
    for (extra, firmware) in [(None, "legacy BIOS (SeaBIOS)"), (Some("--uefi"), "UEFI")] {
        let mut args = vec!["--exec", "true", "--root-password-file", path_str(&empty)];
        args.extend(extra);
        let o = boot(&args);
        let (out, err) = text(&o);
        assert!(!o.status.success(), "{out}\n{err}");
        assert!(
            err.contains(&format!("booting the disk's GRUB from {firmware}")),
            "{err}"
        );
    }
}
