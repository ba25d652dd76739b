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
    let base = run_qemu_args(e, target);
    let mut args = vec!["-C", path_str(proj)];
    args.extend(base.iter().map(String::as_str));
    args.extend_from_slice(extra);
    bootstrap(&args)
}

/// `run --qemu` of the tests, from `run` on.
fn run_qemu_args(e: &Env, target: &Path) -> Vec<String> {
    [
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
    ]
    .map(String::from)
    .to_vec()
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
    let proj = kit_and_check_system(t.path());
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
    assert!(
        err.contains(&format!(
            "then run `bootstrap run --qemu --target {}",
            target.canonicalize().unwrap().display()
        )),
        "{err}"
    );

    // Fixed, the run goes on from its disk: sysa is not run again.
    std::fs::write(&script, PASS).unwrap();
    let out = goes_on_from_the_disk(&e, &proj, &target);
    assert!(out.contains("[sysc 1/1] ok check-system ("), "{out}");
}

/// A sysc step that passes without a toolchain.
const PASS: &str = "/bootstrap/bin/kit cmp /bootstrap/bin/kit /bootstrap/bin/kit\n";

/// A copy of the project with only kit in sysa (enough for sysc steps made
/// to fail or spin) and only check-system in sysc.
fn kit_and_check_system(dir: &Path) -> PathBuf {
    let proj = project_copy(dir);
    keep_steps(&proj, "sysa", &["kit"]);
    keep_steps(&proj, "sysc", &["check-system"]);
    proj
}

/// Run again the target of a run that stopped in sysc: it must go on from
/// its disk, booting once, without sysa. Returns the console.
fn goes_on_from_the_disk(e: &Env, proj: &Path, target: &Path) -> String {
    let o = run_qemu(e, proj, target, &[]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(err.contains("at sysc, from its disk"), "{err}");
    assert!(
        out.contains("bootstrap: resume: BOOTSTRAP is /dev/"),
        "{out}"
    );
    assert!(!out.contains("[sysa "), "sysa ran again:\n{out}");
    assert!(out.contains("(1 kernel boots)"), "{out}");
    out
}

#[test]
fn a_run_killed_in_sysc_goes_on_from_its_disk_without_redoing_sysa() {
    let Some(e) = env() else { return };
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let t = tempfile::tempdir().unwrap();
    let proj = kit_and_check_system(t.path());
    // sysc: a step that passes, then one that spins (compiled by tcc-seed,
    // which the disk carries) until the host is killed.
    let improve = proj.join("sysc/improve");
    std::fs::write(improve.join("check-system.kaem"), PASS).unwrap();
    std::fs::write(improve.join("spin.c"), "void _start(void) { for (;;) ; }\n").unwrap();
    std::fs::write(
        improve.join("spin.kaem"),
        "/bootstrap/seed/bin/tcc -nostdlib -static -o ${BUILDDIR}/spin /bootstrap/recipes/sysc/improve/spin.c\n${BUILDDIR}/spin\n",
    )
    .unwrap();
    let parts = std::fs::read_to_string(proj.join("parts.toml")).unwrap();
    let line = "{ improve = \"check-system.kaem\" },";
    assert!(parts.contains(line));
    std::fs::write(
        proj.join("parts.toml"),
        parts.replace(line, &format!("{line}\n  {{ improve = \"spin.kaem\" }},")),
    )
    .unwrap();
    let target = t.path().join("q");
    let mut args = vec!["-C", path_str(&proj)];
    let base = run_qemu_args(&e, &target);
    args.extend(base.iter().map(String::as_str));
    let mut child = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let mut seen = String::new();
    for l in lines {
        let l = l.unwrap();
        seen.push_str(&l);
        seen.push('\n');
        if l.contains("[sysc 2/2] start improve spin") {
            break;
        }
    }
    assert!(seen.contains("start improve spin"), "{seen}");
    child.kill().unwrap(); // SIGKILL: the host cleans nothing up
    child.wait().unwrap();
    let pgrep = || {
        let o = Command::new("pgrep")
            .args(["-f", &target.display().to_string()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !pgrep().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(pgrep().is_empty(), "QEMU outlived the host: {}", pgrep());

    std::fs::write(improve.join("spin.kaem"), PASS).unwrap();
    let out = goes_on_from_the_disk(&e, &proj, &target);
    assert!(!out.contains("start improve check-system"), "{out}");
    assert!(out.contains("[sysc 2/2] ok spin ("), "{out}");
    let completed = std::fs::read_to_string(target.join("root/bootstrap/state/completed")).unwrap();
    assert!(
        completed.ends_with("sysb jump-switch_root\nsysc check-system\nsysc spin\n"),
        "{completed}"
    );
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
