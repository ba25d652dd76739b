//! `run --bare-metal --output DIR`: the seed initramfs, the kernel and the
//! disk image for a real machine. Built twice, byte-identical. Needs a
//! Debian kernel in /boot, e2fsprogs and the pinned sources; skipped with a
//! reason without them, required under CI=true.

mod common;
use common::*;

use std::path::{Path, PathBuf};

#[test]
fn writes_the_same_initramfs_and_disk_image_every_time() {
    let kernel = match bootstrap::guest::qemu::default_kernel() {
        Ok(k) => k,
        Err(e) => return skip("bare_metal", &format!("{e:#}")),
    };
    if let Err(e) = bootstrap::image::disk::check_tools() {
        return skip("bare_metal", &format!("{e:#}"));
    }
    let distfiles = match pinned_distfiles() {
        Ok(d) => d,
        Err(e) => return skip("bare_metal", &e),
    };
    let runner = static_runner().unwrap();

    let t = tempfile::tempdir().unwrap();
    // Without the kernel step: gcc-seed and Linux are tests/chain.rs's.
    let proj = without_kernel(t.path());
    let repo = proj.as_path();
    let outs: Vec<PathBuf> = ["a", "b"].iter().map(|n| t.path().join(n)).collect();
    for out in &outs {
        let o = bootstrap(&[
            "-C",
            path_str(repo),
            "run",
            "--bare-metal",
            "--output",
            path_str(out),
            "--kernel",
            path_str(&kernel),
            "--target-size",
            "512M",
            "--distfiles",
            path_str(&distfiles),
            "--offline",
            "--runner",
            path_str(&runner),
        ]);
        assert!(o.status.success(), "{:?}", text(&o));
    }
    for f in ["initramfs.cpio.gz", "disk.img"] {
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
        readme.contains("bootstrap.stage=sysa") && readme.contains("labelled BOOTSTRAP"),
        "{readme}"
    );

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
