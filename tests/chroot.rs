//! End to end, for real, on a chain cut short after TinyCC: a broken step
//! and its resume, a hang, Ctrl-C and SIGKILL in the middle, no mount left
//! behind, and the step cache. (The whole chain is tests/chain.rs's.) Needs
//! root and the pinned sources (fetched from the Debian mirror); skipped
//! with a reason without them, required under CI=true.

mod common;
use common::*;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

#[derive(Clone)]
struct Env {
    distfiles: PathBuf,
    runner: PathBuf,
}

/// Root, sources and the runner, prepared once for all tests here.
fn env() -> Option<Env> {
    static ENV: OnceLock<Result<Env, String>> = OnceLock::new();
    let r = ENV.get_or_init(|| {
        if !nix::unistd::geteuid().is_root() {
            return Err("not root (chroot, namespaces and mounts need it)".into());
        }
        Ok(Env {
            distfiles: pinned_distfiles()?,
            runner: static_runner()?,
        })
    });
    match r {
        Ok(e) => Some(e.clone()),
        Err(reason) => {
            skip("chroot e2e", reason);
            None
        }
    }
}

fn run_args<'a>(e: &'a Env, proj: &'a Path, target: &'a Path) -> Vec<&'a str> {
    vec![
        "-C",
        path_str(proj),
        "run",
        "--chroot",
        "--target",
        path_str(target),
        "--distfiles",
        path_str(&e.distfiles),
        "--offline",
        "--runner",
        path_str(&e.runner),
        "--no-cache",
    ]
}

/// A copy of the project whose chain ends at the self-hosted TinyCC (kit,
/// musl, tcc-stage1, tcc-stage2, check-toolchain; sysc: check-system): for
/// the tests of failure, resume and interruption, which need a real chain
/// but not the whole one.
fn short_project(dir: &Path) -> PathBuf {
    let proj = project_copy(dir);
    keep_steps(
        &proj,
        "sysa",
        &[
            "kit",
            "musl-1.2.3",
            "tcc-stage1",
            "tcc-stage2",
            "check-toolchain",
        ],
    );
    keep_steps(&proj, "sysc", &["check-system"]);
    proj
}

/// Start a chroot run of `proj` into `target` and read its console until a
/// line containing `needle`; the rest of the console is returned.
fn run_until(
    e: &Env,
    proj: &Path,
    target: &Path,
    needle: &str,
) -> (
    std::process::Child,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .args(run_args(e, proj, target))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for l in lines.by_ref() {
        if l.unwrap().contains(needle) {
            break;
        }
    }
    (child, lines)
}

/// After a run was stopped during musl: no mount and no process is left in
/// `target`, and the next run skips kit and starts musl again.
fn left_nothing_and_resumes_at_musl(e: &Env, proj: &Path, target: &Path) {
    assert!(
        mounts_under(target).is_empty(),
        "{:?}",
        mounts_under(target)
    );
    assert!(
        processes_rooted_in(target).is_empty(),
        "{:?}",
        processes_rooted_in(target)
    );
    let o = bootstrap(&run_args(e, proj, target));
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("skip kit (already completed)") && out.contains("start build musl-1.2.3"),
        "{out}"
    );
}

fn mounts_under(dir: &Path) -> Vec<String> {
    let canon = dir.canonicalize().unwrap_or(dir.to_path_buf());
    std::fs::read_to_string("/proc/self/mounts")
        .unwrap()
        .lines()
        .filter_map(|l| l.split(' ').nth(1))
        .filter(|m| Path::new(m).starts_with(&canon))
        .map(str::to_string)
        .collect()
}

/// Processes whose root directory is inside `dir` (leftovers of a guest).
fn processes_rooted_in(dir: &Path) -> Vec<String> {
    let canon = dir.canonicalize().unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| {
            std::fs::read_link(e.path().join("root"))
                .ok()
                .filter(|r| r.starts_with(&canon))
                .map(|_| e.file_name().to_string_lossy().to_string())
        })
        .collect()
}

#[test]
fn a_broken_step_fails_with_its_log_and_the_fixed_run_resumes_there() {
    let Some(e) = env() else { return };
    let t = tempfile::tempdir().unwrap();
    let proj = short_project(t.path());
    let target = t.path().join("t");
    let script = proj.join("sysa/tcc-stage1/build.kaem");
    let good = std::fs::read_to_string(&script).unwrap();
    std::fs::write(
        &script,
        format!("{good}/bootstrap/bin/kit cmp /bootstrap/bin/kit /usr/lib/libc.a\n"),
    )
    .unwrap();

    let o = bootstrap(&run_args(&e, &proj, &target));
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    let canon = target.canonicalize().unwrap();
    let log = canon.join("bootstrap/logs/sysa/03-tcc-stage1.log");
    let last = err.trim_end().lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("bootstrap: FAILED at tcc-stage1 (log: {})", log.display()),
        "{err}"
    );
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("exited with status 1"));
    assert!(!out.contains("start build tcc-stage2"), "{out}");
    assert!(mounts_under(&target).is_empty());

    std::fs::write(&script, good).unwrap();
    let o = bootstrap(&run_args(&e, &proj, &target));
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("skip kit (already completed)")
            && out.contains("skip musl-1.2.3 (already completed)"),
        "{out}"
    );
    assert!(
        out.contains("start build tcc-stage1") && out.contains("bootstrap: done"),
        "{out}"
    );
    assert!(mounts_under(&target).is_empty());
}

#[test]
fn a_second_run_is_refused_and_ctrl_c_stops_the_guest_leaving_nothing_behind() {
    let Some(e) = env() else { return };
    let t = tempfile::tempdir().unwrap();
    let proj = short_project(t.path());
    let target = t.path().join("t");
    let (mut child, lines) = run_until(&e, &proj, &target, "start build musl-1.2.3");
    // A second run on the same target is refused, naming the first, and
    // changes nothing.
    let second = bootstrap(&run_args(&e, &proj, &target));
    let (out2, err2) = text(&second);
    assert!(!second.status.success(), "{out2}\n{err2}");
    assert!(
        err2.contains(&format!("is in use by another run (pid {})", child.id())),
        "{err2}"
    );
    // Let musl's compile get going, then interrupt as a terminal would.
    std::thread::sleep(std::time::Duration::from_millis(800));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(130), "{rest:?}\n{err}");
    assert!(
        err.trim_end().ends_with(&format!(
            "INTERRUPTED at musl-1.2.3 (logs: {})",
            target
                .canonicalize()
                .unwrap()
                .join("bootstrap/logs")
                .display()
        )),
        "{err}"
    );
    left_nothing_and_resumes_at_musl(&e, &proj, &target);
}

#[test]
fn fresh_refuses_a_directory_that_is_not_a_target() {
    let Some(e) = env() else { return };
    let t = tempfile::tempdir().unwrap();
    let precious = t.path().join("precious");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("thesis.tex"), "do not delete").unwrap();
    let mut args = run_args(&e, repo(), &precious);
    args.push("--fresh");
    let o = bootstrap(&args);
    assert!(!o.status.success());
    assert!(
        text(&o).1.contains("refusing to delete it for --fresh"),
        "{:?}",
        text(&o)
    );
    assert!(precious.join("thesis.tex").exists());
}

#[test]
fn a_step_that_hangs_is_stopped_reported_and_resumed() {
    let Some(e) = env() else { return };
    let t = tempfile::tempdir().unwrap();
    let proj = short_project(t.path());
    // A first sysa step that spins without a word for as long as
    // /bootstrap/spun is missing: a hang that a fix (creating it) cures.
    first_sysa_step_runs(
        &proj,
        "static long sys2(long n, long a, long b) {\n\
           long r;\n\
           __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(n), \"D\"(a), \"S\"(b) : \"rcx\", \"r11\", \"memory\");\n\
           return r;\n\
         }\n\
         void _start(void) {\n\
           if (sys2(2, (long)\"/bootstrap/spun\", 0) < 0) for (;;) ;\n\
           sys2(60, 0, 0);\n\
         }\n",
    );
    let target = t.path().join("t");
    let resume = run_args(&e, &proj, &target);
    let mut args = resume.clone();
    args.extend(["--silence-timeout", "3"]);
    let o = bootstrap(&args);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    let canon = target.canonicalize().unwrap();
    assert!(
        err.contains("the guest printed nothing for 3s; its last lines:")
            && err.contains("bootstrap: [sysa 1/"),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with(&format!(
            "FAILED at spin (guest hung; console: {})",
            canon.join("bootstrap/logs/console.log").display()
        )),
        "{err}"
    );
    assert!(mounts_under(&target).is_empty());
    assert!(
        processes_rooted_in(&target).is_empty(),
        "{:?}",
        processes_rooted_in(&target)
    );

    // The "fix": the step now returns; the run resumes at it, here with
    // the project and target given relative to the working directory.
    std::fs::write(canon.join("bootstrap/spun"), "").unwrap();
    let mut relative = resume.clone();
    relative[1] = "proj";
    relative[5] = "t";
    assert_eq!((resume[0], resume[4]), ("-C", "--target"));
    let o = bootstrap_in(t.path(), &relative);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("ok spin") && out.contains("bootstrap: done"),
        "{out}"
    );
}

#[test]
fn killing_the_host_tool_stops_the_guest_and_the_next_run_resumes() {
    let Some(e) = env() else { return };
    let t = tempfile::tempdir().unwrap();
    let proj = short_project(t.path());
    let target = t.path().join("t");
    let (mut child, _lines) = run_until(&e, &proj, &target, "start build musl-1.2.3");
    child.kill().unwrap(); // SIGKILL: no handler, no clean-up by the host
    child.wait().unwrap();
    // The guest goes with it: nothing keeps running in the target.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !processes_rooted_in(&target).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    left_nothing_and_resumes_at_musl(&e, &proj, &target);
}

#[test]
fn a_rerun_restores_every_step_from_the_cache_and_a_changed_recipe_rebuilds_from_it() {
    let Some(e) = env() else { return };
    let t = tempfile::tempdir().unwrap();
    let proj = project_copy(t.path());
    keep_steps(&proj, "sysa", UP_TO_MAKE);
    keep_steps(&proj, "sysc", &["check-system"]);
    let cache = t.path().join("cache");
    let run = |target: &Path| {
        let mut args: Vec<&str> = run_args(&e, &proj, target)
            .into_iter()
            .filter(|a| *a != "--no-cache")
            .collect();
        args.extend(["--cache", path_str(&cache)]);
        let t0 = std::time::Instant::now();
        let o = bootstrap(&args);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{out}\n{err}");
        (out, err, t0.elapsed())
    };
    let (_, err, first) = run(&t.path().join("t1"));
    assert!(err.contains("8 steps stored in the step cache"), "{err}");

    // A new target: every step restored, none built, same records.
    let t2 = t.path().join("t2");
    let (out, err, again) = run(&t2);
    assert!(
        err.contains("8 steps restored from the step cache"),
        "{err}"
    );
    assert!(!out.contains("] start "), "{out}");
    eprintln!(
        "step cache: a re-run restoring every step took {:.2} of the first run's time ({:.1} s / {:.1} s)",
        again.as_secs_f64() / first.as_secs_f64(),
        again.as_secs_f64(),
        first.as_secs_f64()
    );
    let v = bootstrap(&[
        "-C",
        path_str(&proj),
        "verify",
        "--target",
        path_str(&t2),
        "--against",
        path_str(&t.path().join("t1")),
    ]);
    let (vout, verr) = text(&v);
    assert!(v.status.success(), "{vout}\n{verr}");
    assert!(vout.contains("8 of 8 steps were restored"), "{vout}");
    // The restored compiler works.
    std::fs::write(t2.join("tmp/r.c"), "int main(void){return 7;}\n").unwrap();
    let cc = Command::new("chroot")
        .arg(&t2)
        .args(["/usr/bin/cc", "-o", "/tmp/r", "/tmp/r.c"])
        .status()
        .unwrap();
    assert!(cc.success());
    let r = Command::new("chroot")
        .arg(&t2)
        .arg("/tmp/r")
        .status()
        .unwrap();
    assert_eq!(r.code(), Some(7));

    // The last sysa recipe changed: it and the steps after it are built,
    // nothing before it.
    let script = proj.join("sysa/make-4.3/build.kaem");
    let mut s = std::fs::read_to_string(&script).unwrap();
    s.push_str("# changed\n");
    std::fs::write(&script, s).unwrap();
    let (out, err, _) = run(&t.path().join("t3"));
    assert!(
        err.contains("5 steps restored from the step cache"),
        "{err}"
    );
    for built in [
        "build make-4.3",
        "improve check-make",
        "improve check-system",
    ] {
        assert!(out.contains(&format!("] start {built}")), "{built}:\n{out}");
    }
    assert_eq!(out.matches("] start ").count(), 3, "{out}");
    assert!(err.contains("3 steps stored in the step cache"), "{err}");
}
