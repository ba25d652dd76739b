//! `bootstrap initramfs`: the sysa seed as a newc archive, byte-identical
//! when built twice (each build compiles its own tcc-seed). Needs the
//! pinned sources; skipped without them, required under CI=true.

mod common;
use common::*;

#[test]
fn two_builds_are_byte_identical_and_hold_the_seed() {
    let distfiles = match pinned_distfiles() {
        Ok(d) => d,
        Err(e) => return skip("initramfs", &e),
    };
    let t = tempfile::tempdir().unwrap();
    // Without the kernel step, whose gcc-seed would join the archive (and
    // take tests/chain.rs's time to build).
    let proj = without_kernel(t.path());
    let repo = proj.as_path();
    // The copy has no runner/ to build: the one the other tests use.
    let runner = static_runner().unwrap();
    let outs: Vec<_> = ["a.cpio.gz", "b.cpio.gz"]
        .iter()
        .map(|n| t.path().join(n))
        .collect();
    for out in &outs {
        let o = bootstrap(&[
            "-C",
            path_str(repo),
            "initramfs",
            "-o",
            path_str(out),
            "--compress",
            "gzip",
            "--distfiles",
            path_str(&distfiles),
            "--offline",
            "--runner",
            path_str(&runner),
        ]);
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let (a, b) = (
        std::fs::read(&outs[0]).unwrap(),
        std::fs::read(&outs[1]).unwrap(),
    );
    assert!(
        a == b,
        "two initramfs builds differ ({} vs {} bytes)",
        a.len(),
        b.len()
    );

    let raw = t.path().join("a.cpio");
    let mut dec = flate2::read::GzDecoder::new(&a[..]);
    let mut f = std::fs::File::create(&raw).unwrap();
    std::io::copy(&mut dec, &mut f).unwrap();
    let entries = bootstrap::image::initramfs::list(&raw).unwrap();
    let names: Vec<&str> = entries.iter().map(|(n, _, _)| n.as_str()).collect();
    for want in [
        "init",
        "dev/console",
        "bootstrap/runner",
        "bootstrap/seed/bin/tcc",
        "bootstrap/seed/lib/tcc/libtcc1.a",
        "bootstrap/plan/sysa.steps",
        "bootstrap/plan/sysa.env",
        "bootstrap/recipes/sysa/musl-1.2.3/build.kaem",
        "bootstrap/src/musl-1.2.3/src/stdio/printf.c",
        "bootstrap/distfiles/musl-1.2.3.tar.gz",
    ] {
        assert!(names.contains(&want), "{want} missing from the initramfs");
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "entries must be in sorted order");
    assert!(names.iter().all(|n| !n.starts_with(".bootstrap-host")));
}
