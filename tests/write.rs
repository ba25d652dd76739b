//! `bootstrap write` on loop devices: the write and its read-back, and each
//! refusal (not removable without --force, mounted even with --force, no
//! terminal without --yes, a partition, the running root even with --force).
//! Needs root and loop devices; skipped with a reason without them.

mod common;
use common::*;

use std::path::Path;
use std::process::Command;

/// A loop device over a file, detached when dropped.
struct Loop(String);

impl Loop {
    fn over(file: &Path) -> Result<Loop, String> {
        let o = Command::new(sbin("losetup").ok_or("no losetup")?)
            .args(["-f", "--show"])
            .arg(file)
            .output()
            .map_err(|e| e.to_string())?;
        if !o.status.success() {
            return Err(String::from_utf8_lossy(&o.stderr).into_owned());
        }
        Ok(Loop(String::from_utf8_lossy(&o.stdout).trim().to_string()))
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new(sbin("losetup").unwrap())
            .args(["-d", &self.0])
            .status();
    }
}

fn write(image: &Path, dev: &str, extra: &[&str]) -> (bool, String, String) {
    let mut args = vec!["write", path_str(image), dev];
    args.extend(extra);
    let o = bootstrap(&args);
    let (out, err) = text(&o);
    (o.status.success(), out, err)
}

#[test]
fn writes_a_loop_device_reads_it_back_and_refuses_what_it_must() {
    if !nix::unistd::geteuid().is_root() {
        return skip("write", "needs root (loop devices)");
    }
    let t = tempfile::tempdir().unwrap();
    let backing = t.path().join("disk");
    std::fs::File::create(&backing)
        .unwrap()
        .set_len(16 << 20)
        .unwrap();
    let dev = match Loop::over(&backing) {
        Ok(l) => l,
        Err(e) => return skip("write", &format!("no loop device: {e}")),
    };
    let image = t.path().join("boot.img");
    let bytes: Vec<u8> = (0..(6u32 << 20) + 123)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    std::fs::write(&image, &bytes).unwrap();
    let untouched = || std::fs::read(&backing).unwrap().iter().all(|b| *b == 0);

    // A loop device is not removable: --force is needed.
    let (ok, _, err) = write(&image, &dev.0, &["--yes"]);
    assert!(
        !ok && err.contains("is not a removable disk; give --force"),
        "{err}"
    );
    // No terminal, no --yes: nothing is asked, nothing written.
    let (ok, _, err) = write(&image, &dev.0, &["--force"]);
    assert!(!ok && err.contains("give --yes"), "{err}");
    assert!(untouched());

    let (ok, out, err) = write(&image, &dev.0, &["--force", "--yes"]);
    assert!(ok, "{out}\n{err}");
    let sum = sha256(&bytes);
    assert!(out.contains(&format!("image     sha256 {sum}")), "{out}");
    assert!(out.contains(&format!("read back sha256 {sum}")), "{out}");
    assert!(out.contains("the read-back matches the image"), "{out}");
    let on_disk = std::fs::read(&backing).unwrap();
    assert_eq!(&on_disk[..bytes.len()], &bytes[..]);

    // Too large an image for the device.
    let big = t.path().join("big.img");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let (ok, _, err) = write(&big, &dev.0, &["--force", "--yes"]);
    assert!(!ok && err.contains("less than the image's"), "{err}");

    // Mounted: refused even with --force.
    let fs = t.path().join("fs");
    std::fs::File::create(&fs)
        .unwrap()
        .set_len(8 << 20)
        .unwrap();
    let mkfs = Command::new(sbin("mke2fs").expect("e2fsprogs"))
        .args(["-q", "-F", "-t", "ext4"])
        .arg(&fs)
        .status()
        .unwrap();
    assert!(mkfs.success());
    let fsdev = Loop::over(&fs).unwrap();
    let mnt = t.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let m = Command::new("mount")
        .arg(&fsdev.0)
        .arg(&mnt)
        .status()
        .unwrap();
    assert!(m.success());
    let (ok, _, err) = write(&image, &fsdev.0, &["--force", "--yes"]);
    let _ = Command::new("umount").arg(&mnt).status();
    assert!(!ok, "{err}");
    assert!(
        err.contains(&format!("is in use (mounted on {})", mnt.display())),
        "{err}"
    );

    // Not a block device at all.
    let (ok, _, err) = write(&image, path_str(&backing), &["--force", "--yes"]);
    assert!(!ok && err.contains("is not a block device"), "{err}");

    // The disk the running system's root is on: refused even with --force.
    let root = Command::new("findmnt")
        .args(["-n", "-o", "SOURCE", "/"])
        .output()
        .unwrap();
    let root = String::from_utf8_lossy(&root.stdout).trim().to_string();
    if !root.starts_with("/dev/") {
        return skip(
            "write: the root disk",
            &format!("/ is on {root:?}, not a disk"),
        );
    }
    // A partition's whole disk is what one would write to.
    let name = root.trim_start_matches("/dev/");
    let sys = Path::new("/sys/class/block").join(name);
    let disk = match sys.join("partition").is_file() {
        true => {
            let parent = sys.canonicalize().unwrap();
            let parent = parent.parent().unwrap().file_name().unwrap();
            format!("/dev/{}", parent.to_string_lossy())
        }
        false => root.clone(),
    };
    let (ok, _, err) = write(&image, &disk, &["--force", "--yes"]);
    assert!(!ok, "{err}");
    assert!(
        err.contains("holds the running system's root filesystem") || err.contains("is in use"),
        "{err}"
    );
}
