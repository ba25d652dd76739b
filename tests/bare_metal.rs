//! `run --bare-metal --output DIR`: the USB stick's boot image, the seed
//! initramfs, the kernel and the disk image for a real machine. Built
//! twice, byte-identical; the boot image started under SeaBIOS and under
//! OVMF (UEFI) in QEMU reaches the first sysa step. Needs a Debian kernel
//! in /boot, e2fsprogs, GRUB's images, dosfstools, mtools, QEMU, OVMF and
//! the pinned sources; skipped with a reason without them, required under
//! CI=true.

mod common;
use common::*;

use std::path::{Path, PathBuf};

struct Env {
    kernel: PathBuf,
    distfiles: PathBuf,
    runner: PathBuf,
}

fn env() -> Option<Env> {
    let kernel = match bootstrap::guest::qemu::default_kernel() {
        Ok(k) => k,
        Err(e) => {
            skip("bare_metal", &format!("{e:#}"));
            return None;
        }
    };
    let tools = bootstrap::image::disk::check_tools().and(bootstrap::image::bootimg::check_tools());
    if let Err(e) = tools {
        skip("bare_metal", &format!("{e:#}"));
        return None;
    }
    let distfiles = match pinned_distfiles() {
        Ok(d) => d,
        Err(e) => {
            skip("bare_metal", &e);
            return None;
        }
    };
    Some(Env {
        kernel,
        distfiles,
        runner: static_runner().unwrap(),
    })
}

fn bare_metal(e: &Env, proj: &Path, out: &Path, console: &str, extra: &[&str]) {
    let mut args = vec![
        "-C",
        path_str(proj),
        "run",
        "--bare-metal",
        "--output",
        path_str(out),
        "--console",
        console,
        "--kernel",
        path_str(&e.kernel),
        "--target-size",
        "512M",
        "--distfiles",
        path_str(&e.distfiles),
        "--offline",
        "--runner",
        path_str(&e.runner),
    ];
    args.extend(extra);
    let o = bootstrap(&args);
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn writes_the_same_boot_image_initramfs_and_disk_image_every_time() {
    let Some(e) = env() else { return };
    let kernel = e.kernel.clone();
    let t = tempfile::tempdir().unwrap();
    // Without the kernel step: gcc-seed and Linux are tests/chain.rs's.
    let proj = without_kernel(t.path());
    let outs: Vec<PathBuf> = ["a", "b"].iter().map(|n| t.path().join(n)).collect();
    // A root password too: hashed reproducibly, so still the same bytes.
    let pw = t.path().join("pw");
    std::fs::write(&pw, "metal pass\n").unwrap();
    for out in &outs {
        bare_metal(
            &e,
            &proj,
            out,
            "tty0",
            &["--root-password-file", path_str(&pw)],
        );
    }
    for f in ["boot.img", "initramfs.cpio.gz", "disk.img"] {
        let (a, b) = (
            std::fs::read(outs[0].join(f)).unwrap(),
            std::fs::read(outs[1].join(f)).unwrap(),
        );
        assert!(a == b, "{f} differs between two builds");
    }
    assert_eq!(
        std::fs::metadata(outs[0].join("disk.img")).unwrap().len(),
        512 << 20
    );
    assert!(outs[0].join(kernel.file_name().unwrap()).is_file());
    let readme = std::fs::read_to_string(outs[0].join("README.txt")).unwrap();
    assert!(
        readme.contains("console=ttyS0,115200 console=tty0 ")
            && readme.contains("bootstrap.stage=sysa")
            && readme.contains("labelled BOOTSTRAP")
            && readme.contains("root logs in with the password of --root-password-file"),
        "{readme}"
    );
    let shadow =
        bootstrap::image::disk::read_file(&outs[0].join("disk.img"), "/etc/shadow").unwrap();
    let shadow = String::from_utf8(shadow).unwrap();
    let hash = shadow
        .strip_prefix("root:")
        .and_then(|r| r.split(':').next())
        .unwrap_or_else(|| panic!("{shadow}"));
    use sha_crypt::PasswordVerifier;
    sha_crypt::ShaCrypt::default()
        .verify_password(b"metal pass", hash)
        .unwrap_or_else(|e| panic!("{e}: {shadow}"));

    // The seed on it is the bare-metal plan: sysa ends with the kexec.
    let raw = t.path().join("i.cpio");
    let gz = std::fs::read(outs[0].join("initramfs.cpio.gz")).unwrap();
    std::io::copy(
        &mut flate2::read::GzDecoder::new(&gz[..]),
        &mut std::fs::File::create(&raw).unwrap(),
    )
    .unwrap();
    let names: Vec<String> = bootstrap::image::initramfs::list(&raw)
        .unwrap()
        .into_iter()
        .map(|e| e.0)
        .collect();
    for want in [
        "bootstrap/kexec/kernel",
        "bootstrap/kexec/cmdline",
        "bootstrap/plan/sysb.steps",
        "init",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} missing");
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("bootstrap/modules/") && n.ends_with("/order"))
            || !Path::new("/lib/modules").exists()
    );
}

/// Boot `boot_img` in QEMU (TCG) with `firmware` (None: SeaBIOS) until the
/// runner starts the first sysa step; the console so far.
fn boots_to_the_first_step(boot_img: &Path, firmware: Option<&Path>) -> String {
    let (reached, seen) = firmware_boot_until(boot_img, firmware, |l| {
        l.contains("bootstrap: [sysa 1/") && l.contains("] start ")
    });
    assert!(reached, "no sysa step started; the console:\n{seen}");
    seen
}

#[test]
fn the_boot_image_starts_sysa_under_bios_and_uefi() {
    let Some(e) = env() else { return };
    let Some(ovmf) = firmware_boot_prerequisites("bare_metal boot") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    // A small seed: only what the first steps need.
    let proj = project_copy(t.path());
    keep_steps(&proj, "sysa", &["kit"]);
    keep_steps(&proj, "sysc", &["check-system"]);
    let out = t.path().join("out");
    bare_metal(&e, &proj, &out, "ttyS0", &[]);
    let boot = out.join("boot.img");
    for (firmware, name) in [(None, "SeaBIOS"), (Some(ovmf), "OVMF")] {
        let seen = boots_to_the_first_step(&boot, firmware);
        assert!(
            seen.contains("bootstrap: booted Linux "),
            "{name}: the runner did not start:\n{seen}"
        );
    }
}
