//! End to end under QEMU (TCG; KVM hangs guests on the machines this runs
//! on): sysa in the VM, kexec into a second kernel, sysb finds the disk by
//! label and switch_roots, sysc runs from the disk. Also a broken sysc step
//! and a guest that hangs. Needs qemu-system-x86_64, a Debian kernel in
//! /boot (the cloud flavour boots fastest), e2fsprogs and the pinned
//! sources; skipped with a reason without them, required under CI=true.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// One guest at a time: two TCG guests on two cores only slow each other.
static SERIAL: Mutex<()> = Mutex::new(());

#[derive(Clone)]
struct Env {
    distfiles: PathBuf,
    runner: PathBuf,
    kernel: PathBuf,
}

fn env() -> Option<Env> {
    static ENV: OnceLock<Result<Env, String>> = OnceLock::new();
    let r = ENV.get_or_init(|| {
        if Command::new("qemu-system-x86_64")
            .arg("--version")
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            return Err(
                "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)".into(),
            );
        }
        bootstrap::image::disk::check_tools().map_err(|e| format!("{e:#}"))?;
        let kernel = cloud_kernel()
            .ok_or("no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)")?;
        Ok(Env {
            distfiles: pinned_distfiles()?,
            runner: static_runner()?,
            kernel,
        })
    });
    match r {
        Ok(e) => Some(e.clone()),
        Err(reason) => {
            skip("qemu e2e", reason);
            None
        }
    }
}

fn run_qemu(e: &Env, proj: &Path, target: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "-C",
        path_str(proj),
        "run",
        "--qemu",
        "--no-cache",
        "--accel",
        "tcg",
        "--kernel",
        path_str(&e.kernel),
        "--target",
        path_str(target),
        "--distfiles",
        path_str(&e.distfiles),
        "--offline",
        "--runner",
        path_str(&e.runner),
    ];
    args.extend_from_slice(extra);
    bootstrap(&args)
}

/// The steps of sysa these tests run: the seed's chain up to a
/// self-hosted TinyCC. The whole chain under TCG is `scripts/qemu-full`.
const SHORT_SYSA: &[&str] = &[
    "kit",
    "musl-1.2.3",
    "tcc-stage1",
    "tcc-stage2",
    "check-toolchain",
];

#[test]
fn sysa_kexecs_into_sysb_which_switch_roots_onto_the_disk_for_sysc() {
    let Some(e) = env() else { return };
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let t = tempfile::tempdir().unwrap();
    let proj = project_copy(t.path());
    keep_steps(&proj, "sysa", SHORT_SYSA);
    // sysc's self-hosting rebuild needs the whole chain.
    keep_steps(&proj, "sysc", &["check-system"]);
    let target = t.path().join("q");
    let o = run_qemu(&e, &proj, &target, &[]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let find = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in the console:\n{out}"))
    };
    // In this order: sysa's steps, the kexec, a second kernel, sysb finding
    // the disk by label, the switch_root, sysc from the disk.
    let order = [
        find("bootstrap: booted Linux "),
        find("] ok tcc-stage2 ("),
        find("] ok check-toolchain ("),
        find("bootstrap: kexec: "),
        find("stage sysb"),
        find("bootstrap: switch_root: BOOTSTRAP is /dev/"),
        find("bootstrap: switch_root: copied "),
        find("[sysc 1/1] ok check-system ("),
        find("bootstrap: done"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "out of order: {order:?}\n{out}"
    );
    assert_eq!(out.matches("bootstrap: booted Linux ").count(), 2, "{out}");
    assert!(out.contains("(2 kernel boots)"), "{out}");

    // The results stay on the disk image; copied out, each step's record
    // equals the one the chroot run made (SHA256SUMS.pkgs).
    assert!(target.join("disk.img").is_file());
    let results = target.join("root");
    let completed = std::fs::read_to_string(results.join("bootstrap/state/completed")).unwrap();
    assert!(
        completed.ends_with("sysa jump-kexec\nsysb jump-switch_root\nsysc check-system\n"),
        "{completed}"
    );
    let v = bootstrap(&[
        "-C",
        path_str(repo()),
        "verify",
        "--partial",
        "--target",
        path_str(&results),
    ]);
    assert!(v.status.success(), "{:?}", text(&v));
}

#[test]
fn a_broken_sysc_step_fails_the_run_naming_it() {
    let Some(e) = env() else { return };
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let t = tempfile::tempdir().unwrap();
    let proj = project_copy(t.path());
    // Only kit in sysa: enough for a sysc step to fail on purpose.
    keep_steps(&proj, "sysa", &["kit"]);
    keep_steps(&proj, "sysc", &["check-system"]);
    let script = proj.join("sysc/improve/check-system.kaem");
    let s = "/bootstrap/bin/kit cmp /bootstrap/bin/kit /bootstrap/runner\n";
    std::fs::write(&script, s).unwrap();
    let target = t.path().join("q");
    let o = run_qemu(&e, &proj, &target, &[]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    let log = target
        .canonicalize()
        .unwrap()
        .join("root/bootstrap/logs/sysc/01-check-system.log");
    assert_eq!(
        err.trim_end().lines().last().unwrap(),
        format!("bootstrap: FAILED at check-system (log: {})", log.display()),
        "{err}"
    );
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("exited with status 1"));
}

#[test]
fn a_guest_that_hangs_is_killed_and_reported() {
    let Some(e) = env() else { return };
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let t = tempfile::tempdir().unwrap();
    let proj = without_kernel(t.path());
    // A first sysa step that spins forever without a word. (The timeout
    // leaves room for a kernel that boots slowly under TCG on a busy host.)
    first_sysa_step_runs(&proj, "void _start(void) { for (;;) ; }\n");
    let target = t.path().join("q");
    let start = std::time::Instant::now();
    let o = run_qemu(&e, &proj, &target, &["--silence-timeout", "60"]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    assert!(
        err.contains("the guest printed nothing for 60s; its last lines:"),
        "{err}"
    );
    // The first of however many sysa steps the manifest has.
    assert!(
        err.lines().any(|l| {
            let l = l.trim();
            l.starts_with("bootstrap: [sysa 1/") && l.ends_with("] start improve spin")
        }),
        "the tail must show where it hung:\n{err}"
    );
    assert!(
        err.trim_end().ends_with(&format!(
            "(guest hung; console: {})",
            target.canonicalize().unwrap().join("console.log").display()
        )),
        "{err}"
    );
    assert!(err.contains("bootstrap: FAILED at spin "), "{err}");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(300),
        "took {:?}",
        start.elapsed()
    );
    // No qemu left behind.
    let ps = Command::new("pgrep")
        .args(["-f", &target.display().to_string()])
        .output()
        .unwrap();
    assert!(
        ps.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&ps.stdout)
    );
}
