//! Diverse double-compiling, for real: tcc-seed built by gcc and by clang
//! must differ, and everything the chain builds from them must be
//! identical. The clang side runs with one job, the gcc side with all
//! cores: the same comparison shows that the job count changes no byte.
//! Needs root, gcc, clang and the pinned sources; skipped with a reason
//! without them, required under CI=true.

mod common;
use common::*;

use std::process::Command;

#[test]
fn gcc_and_clang_seeds_differ_but_build_identical_systems() {
    if !nix::unistd::geteuid().is_root() {
        return skip("ddc", "not root");
    }
    for cc in ["gcc", "clang"] {
        if Command::new(cc)
            .arg("--version")
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            return skip("ddc", &format!("{cc} is not installed"));
        }
    }
    let distfiles = match pinned_distfiles() {
        Ok(d) => d,
        Err(e) => return skip("ddc", &e),
    };
    let runner = static_runner().unwrap();

    let t = tempfile::tempdir().unwrap();
    // Without the kernel step: gcc-seed and Linux are tests/chain.rs's.
    let proj = without_kernel(t.path());
    // sysc is built by sysa's TinyCC, which this comparison shows identical
    // on both sides; its packages are checked against the records by
    // tests/chain.rs. Here it only has to run.
    keep_steps(&proj, "sysc", &["check-system"]);
    let repo = proj.as_path();
    for cc in ["gcc", "clang"] {
        let target = t.path().join(cc);
        let mut args = vec![
            "-C",
            path_str(repo),
            "run",
            "--chroot",
            "--no-cache",
            "--target",
            path_str(&target),
            "--seed-cc",
            cc,
            "--distfiles",
            path_str(&distfiles),
            "--offline",
            "--runner",
            path_str(&runner),
        ];
        // One job for clang; gcc's side has the default, every core.
        if cc == "clang" {
            args.extend(["-j", "1"]);
        }
        let o = bootstrap(&args);
        assert!(o.status.success(), "{cc}: {:?}", text(&o));
    }
    let seed = |cc: &str| std::fs::read(t.path().join(cc).join("bootstrap/seed/bin/tcc")).unwrap();
    assert_ne!(
        seed("gcc"),
        seed("clang"),
        "the two seeds must differ for the comparison to mean anything"
    );

    let v = bootstrap(&[
        "-C",
        path_str(repo),
        "verify",
        "--target",
        path_str(&t.path().join("gcc")),
        "--against",
        path_str(&t.path().join("clang")),
    ]);
    let (out, err) = text(&v);
    assert!(v.status.success(), "DDC found differences:\n{out}\n{err}");
    // Everything the reproducibility record lists must have been compared:
    // its build steps, and its files and symlinks.
    let sums = std::fs::read_to_string(repo.join("SHA256SUMS.pkgs")).unwrap();
    let steps = sums.lines().filter(|l| l.starts_with("# step ")).count();
    let files = sums
        .lines()
        .filter(|l| l.starts_with("# link ") || !(l.is_empty() || l.starts_with('#')))
        .count();
    assert!(steps >= 4 && files > steps, "{steps} steps, {files} files");
    let want = format!("verify: identical: {steps} steps, {files} files compared");
    assert!(out.contains(&want), "want {want:?} in:\n{out}");
}
