//! End-to-end tests: build a throw-away ROOT, run the real binary on it with
//! `--root`, and check the console protocol, logs, records, installed files
//! and the completed-steps state.

use sha2::{Digest, Sha256};
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Root {
    dir: PathBuf,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Root {
    fn new(tag: &str) -> Root {
        let dir = std::env::temp_dir().join(format!("runner-it-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        // The runner canonicalizes --root; compare against the same path.
        let dir = dir.canonicalize().unwrap();
        let r = Root { dir };
        r.write(
            "bootstrap/plan/sysa.env",
            "# base environment\nPATH=/usr/bin:/bin\nCFLAGS=-O2 -g\n",
        );
        fs::create_dir_all(r.path("bootstrap/distfiles")).unwrap();
        r
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn exists(&self, rel: &str) -> bool {
        fs::symlink_metadata(self.path(rel)).is_ok()
    }

    fn plan(&self, text: &str) {
        self.write("bootstrap/plan/sysa.steps", text);
    }

    fn recipe(&self, name: &str, file: &str, text: &str) {
        self.write(&format!("bootstrap/recipes/sysa/{name}/{file}"), text);
    }

    fn run(&self) -> Run {
        self.run_args(&["--stage", "sysa", "--root", self.dir.to_str().unwrap()])
    }

    fn run_args(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_bootstrap-runner"))
            .args(args)
            // A live stdin: the runner must still give steps /dev/null.
            .stdin(Stdio::piped())
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Console lines with the timing `(<n>s)` normalised to `(Ns)`.
fn lines(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| match (l.rfind(" ("), l.strip_suffix("s)")) {
            (Some(i), Some(_)) if l[i + 2..l.len() - 2].bytes().all(|b| b.is_ascii_digit()) => {
                format!("{} (Ns)", &l[..i])
            }
            _ => l.to_string(),
        })
        .collect()
}

fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const HELLO_SH: &str = "#!/bin/sh\necho hello\n";

fn three_step_root(tag: &str) -> Root {
    let r = Root::new(tag);
    r.plan(
        "# sysa plan\nbootstrap-steps 1\n\n\
         build   hello  bootstrap/recipes/sysa/hello/build.kaem\n\
         improve tweak  bootstrap/recipes/sysa/tweak/run.sh /bin/sh\n\
         build   second bootstrap/recipes/sysa/second/build.kaem kaem # explicit\n",
    );
    r.recipe("hello", "hello.sh", HELLO_SH);
    r.recipe(
        "hello",
        "build.kaem",
        "# build hello\nset -e\n\
         echo this-goes-to-the-log\n\
         mkdir -p ${DESTDIR}/usr/bin \\\n    ${DESTDIR}/usr/share/doc\n\
         cp ${RECIPE}/hello.sh ${DESTDIR}/usr/bin/hello\n\
         chmod 0755 ${DESTDIR}/usr/bin/hello\n\
         ln -s hello ${DESTDIR}/usr/bin/hi\n\
         echo \"hello from $STEP\" > ${DESTDIR}/usr/share/doc/hello.txt\n\
         /bin/sh -c \"pwd > ${DESTDIR}/usr/share/doc/cwd; umask >> ${DESTDIR}/usr/share/doc/cwd\"\n\
         /bin/sh -c 'readlink /proc/self/fd/0 > $DESTDIR/usr/share/doc/stdin'\n\
         /bin/sh -c 'env > $DESTDIR/usr/share/doc/env'\n",
    );
    // A /bin/sh inside ROOT for the interpreter step (--root prefixes it).
    fs::create_dir_all(r.path("bin")).unwrap();
    symlink("/bin/sh", r.path("bin/sh")).unwrap();
    r.recipe(
        "tweak",
        "run.sh",
        "echo \"tweak ran as $0 in $(pwd)\" > \"$DISTFILES/../tweaked\"\n\
         mkdir -p \"$DESTDIR/junk\" && echo x > \"$DESTDIR/junk/file\"\n",
    );
    r.recipe(
        "second",
        "build.kaem",
        "mkdir -p ${DESTDIR}/usr/lib\necho lib > ${DESTDIR}/usr/lib/second.txt\n",
    );
    r
}

#[test]
fn full_stage_runs_records_and_installs() {
    let r = three_step_root("full");
    let run = r.run();
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(
        lines(&run.stdout),
        [
            "bootstrap: [sysa 1/3] start build hello",
            "bootstrap: [sysa 1/3] ok hello (Ns)",
            "bootstrap: [sysa 2/3] start improve tweak",
            "bootstrap: [sysa 2/3] ok tweak (Ns)",
            "bootstrap: [sysa 3/3] start build second",
            "bootstrap: [sysa 3/3] ok second (Ns)",
            "bootstrap: done",
        ]
    );
    assert!(!run.stdout.contains("this-goes-to-the-log"));

    // Record: only regular files, sorted by path, hashes computed here.
    let doc = r.read("usr/share/doc/env");
    let cwd = r.read("usr/share/doc/cwd");
    let stdin = r.read("usr/share/doc/stdin");
    let mut expect = [
        (sha256(HELLO_SH.as_bytes()), "/usr/bin/hello"),
        (sha256(cwd.as_bytes()), "/usr/share/doc/cwd"),
        (sha256(doc.as_bytes()), "/usr/share/doc/env"),
        (sha256(b"hello from hello\n"), "/usr/share/doc/hello.txt"),
        (sha256(stdin.as_bytes()), "/usr/share/doc/stdin"),
    ];
    expect.sort_by(|a, b| a.1.cmp(b.1));
    let expect: String = expect.iter().map(|(h, p)| format!("{h}  {p}\n")).collect();
    assert_eq!(r.read("bootstrap/records/hello.sha256sums"), expect);
    assert_eq!(
        r.read("bootstrap/records/hello.links"),
        "/usr/bin/hi -> hello\n"
    );
    assert_eq!(
        r.read("bootstrap/records/second.sha256sums"),
        format!("{}  /usr/lib/second.txt\n", sha256(b"lib\n"))
    );
    assert_eq!(r.read("bootstrap/records/second.links"), "");

    // Installed into ROOT, modes and links preserved; DESTDIRs gone.
    assert_eq!(r.read("usr/bin/hello"), HELLO_SH);
    let mode = fs::metadata(r.path("usr/bin/hello"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    assert_eq!(
        fs::read_link(r.path("usr/bin/hi")).unwrap(),
        Path::new("hello")
    );
    assert_eq!(r.read("usr/lib/second.txt"), "lib\n");
    assert!(!r.exists("bootstrap/dest/hello"));
    assert!(!r.exists("bootstrap/dest/second"));

    // The step environment, working directory, umask and stdin.
    let root = r.dir.to_str().unwrap();
    assert_eq!(cwd, format!("{root}/bootstrap/build/hello\n0022\n"));
    assert_eq!(stdin, "/dev/null\n");
    let env: Vec<&str> = doc.lines().collect();
    for want in [
        "PATH=/usr/bin:/bin".to_string(),
        "CFLAGS=-O2 -g".to_string(),
        "BOOTSTRAP_STAGE=sysa".to_string(),
        "STEP=hello".to_string(),
        format!("RECIPE={root}/bootstrap/recipes/sysa/hello"),
        format!("DISTFILES={root}/bootstrap/distfiles"),
        format!("BUILDDIR={root}/bootstrap/build/hello"),
        format!("DESTDIR={root}/bootstrap/dest/hello"),
    ] {
        assert!(env.contains(&want.as_str()), "missing {want} in {env:?}");
    }
    assert!(!env.iter().any(|l| l.starts_with("HOME=")), "{env:?}");

    // The improve step ran through ROOT/bin/sh, left no record.
    let tweaked = r.read("bootstrap/tweaked");
    assert_eq!(
        tweaked,
        format!("tweak ran as {root}/bootstrap/recipes/sysa/tweak/run.sh in {root}/bootstrap/build/tweak\n")
    );
    assert!(!r.exists("bootstrap/records/tweak.sha256sums"));
    assert!(!r.exists("junk"));
    assert!(!r.exists("bootstrap/dest/tweak"));

    // Logs: step output and the kaem trace, never on the console.
    let log = r.read("bootstrap/logs/sysa/01-hello.log");
    assert!(log.contains("\nthis-goes-to-the-log\n"), "{log}");
    assert!(
        log.contains(&format!(
            "\n+ mkdir -p {root}/bootstrap/dest/hello/usr/bin {root}/bootstrap/dest/hello/usr/share/doc\n"
        )),
        "{log}"
    );
    assert!(
        log.contains("bootstrap: step hello exited with status 0\n"),
        "{log}"
    );
    assert!(r.exists("bootstrap/logs/sysa/02-tweak.log"));
    assert!(r.exists("bootstrap/logs/sysa/03-second.log"));

    assert_eq!(
        r.read("bootstrap/state/completed"),
        "sysa hello\nsysa tweak\nsysa second\n"
    );

    // Everything completed: a re-run only skips.
    let again = r.run();
    assert_eq!(again.code, 0);
    assert_eq!(
        lines(&again.stdout),
        [
            "bootstrap: [sysa 1/3] skip hello (already completed)",
            "bootstrap: [sysa 2/3] skip tweak (already completed)",
            "bootstrap: [sysa 3/3] skip second (already completed)",
            "bootstrap: done",
        ]
    );
}

fn failing_root(tag: &str) -> Root {
    let r = Root::new(tag);
    r.plan(
        "bootstrap-steps 1\n\
         build a bootstrap/recipes/sysa/a/build.kaem\n\
         build b bootstrap/recipes/sysa/b/build.kaem\n\
         build c bootstrap/recipes/sysa/c/build.kaem\n",
    );
    r.recipe(
        "a",
        "build.kaem",
        "echo ran >> ${DISTFILES}/a-runs\nmkdir ${DESTDIR}/a\n",
    );
    r.recipe(
        "b",
        "build.kaem",
        "echo b-started\n/bin/sh -c \"exit 3\"\necho never\n",
    );
    r.recipe("c", "build.kaem", "echo ran > ${DISTFILES}/c-ran\n");
    r
}

#[test]
fn failure_stops_the_stage_and_resume_continues() {
    let r = failing_root("resume");
    let run = r.run();
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        lines(&run.stdout),
        [
            "bootstrap: [sysa 1/3] start build a",
            "bootstrap: [sysa 1/3] ok a (Ns)",
            "bootstrap: [sysa 2/3] start build b",
            "bootstrap: FAILED at b (log: /bootstrap/logs/sysa/02-b.log)",
        ]
    );
    let log = r.read("bootstrap/logs/sysa/02-b.log");
    assert!(log.contains("b-started\n"), "{log}");
    assert!(!log.contains("never"), "{log}");
    assert!(
        log.contains(
            "kaem: /bootstrap/recipes/sysa/b/build.kaem:2: '/bin/sh -c exit 3' exited with status 3\n"
        ),
        "{log}"
    );
    assert!(
        log.ends_with("bootstrap: step b exited with status 3\n"),
        "{log}"
    );
    // Nothing after the failure ran; the failed build tree is kept.
    assert!(!r.exists("bootstrap/logs/sysa/03-c.log"));
    assert!(!r.exists("bootstrap/distfiles/c-ran"));
    assert!(!r.exists("bootstrap/records/b.sha256sums"));
    assert!(r.exists("bootstrap/build/b"));
    assert_eq!(r.read("bootstrap/state/completed"), "sysa a\n");

    // Fix the script and resume: a is skipped, b and c run; b's sources
    // go once it is done, as its build tree does.
    r.write("bootstrap/src/b/b.c", "int b;\n");
    r.recipe("b", "build.kaem", "echo fixed\n");
    let run = r.run();
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        lines(&run.stdout),
        [
            "bootstrap: [sysa 1/3] skip a (already completed)",
            "bootstrap: [sysa 2/3] start build b",
            "bootstrap: [sysa 2/3] ok b (Ns)",
            "bootstrap: [sysa 3/3] start build c",
            "bootstrap: [sysa 3/3] ok c (Ns)",
            "bootstrap: done",
        ]
    );
    assert_eq!(r.read("bootstrap/distfiles/a-runs"), "ran\n");
    assert!(r.exists("bootstrap/distfiles/c-ran"));
    assert!(r.exists("a"));
    assert!(!r.exists("bootstrap/build/b"));
    assert!(!r.exists("bootstrap/src/b"));
    assert_eq!(
        r.read("bootstrap/state/completed"),
        "sysa a\nsysa b\nsysa c\n"
    );
    assert_eq!(r.read("bootstrap/records/b.sha256sums"), "");
}

#[test]
fn false_signal_and_missing_program_fail_with_status_lines() {
    let cases = [
        (
            "/bin/false\n",
            "'/bin/false' exited with status 1",
            "exited with status 1",
        ),
        (
            "/bin/sh -c 'kill -KILL $$'\n",
            "'/bin/sh -c kill -KILL $$' killed by signal 9 (SIGKILL)",
            "killed by signal 9 (SIGKILL)",
        ),
        (
            "no-such-program-xyz arg\n",
            "'no-such-program-xyz arg' not found in PATH",
            "exited with status 127",
        ),
        ("exit 4\n", "exit 4", "exited with status 4"),
    ];
    for (i, (script, kaem_msg, status)) in cases.iter().enumerate() {
        let r = Root::new(&format!("fail{i}"));
        r.plan("bootstrap-steps 1\nbuild x bootstrap/recipes/sysa/x/build.kaem\n");
        r.recipe("x", "build.kaem", &format!("echo first\n{script}"));
        let run = r.run();
        assert_eq!(run.code, 1, "{script}");
        assert_eq!(
            run.stdout.lines().last(),
            Some("bootstrap: FAILED at x (log: /bootstrap/logs/sysa/01-x.log)")
        );
        let log = r.read("bootstrap/logs/sysa/01-x.log");
        assert!(
            log.contains(&format!(
                "kaem: /bootstrap/recipes/sysa/x/build.kaem:2: {kaem_msg}\n"
            )),
            "{log}"
        );
        assert!(
            log.ends_with(&format!("bootstrap: step x {status}\n")),
            "{log}"
        );
        assert!(!r.exists("bootstrap/state/completed"));
    }
}

#[test]
fn interpreter_step_failure() {
    let r = Root::new("shfail");
    fs::create_dir_all(r.path("bin")).unwrap();
    symlink("/bin/sh", r.path("bin/sh")).unwrap();
    r.plan(
        "bootstrap-steps 1\nimprove s bootstrap/recipes/sysa/s/run.sh /bin/sh\n\
         improve t bootstrap/recipes/sysa/t/run.sh /no/such/interp\n",
    );
    r.recipe("s", "run.sh", "echo from-sh\nexit 5\n");
    let run = r.run();
    assert_eq!(run.code, 1);
    let log = r.read("bootstrap/logs/sysa/01-s.log");
    assert!(log.contains("from-sh\n"));
    assert!(
        log.ends_with("bootstrap: step s exited with status 5\n"),
        "{log}"
    );

    // A missing interpreter is a failure of that step, not a crash.
    r.recipe("s", "run.sh", "true\n");
    let run = r.run();
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout.lines().last(),
        Some("bootstrap: FAILED at t (log: /bootstrap/logs/sysa/02-t.log)")
    );
    let log = r.read("bootstrap/logs/sysa/02-t.log");
    assert!(log.contains("cannot run /no/such/interp"), "{log}");
}

#[test]
fn malformed_plan_fails_before_running_anything() {
    let r = Root::new("badplan");
    r.plan(
        "bootstrap-steps 1\nbuild a bootstrap/recipes/sysa/a/build.kaem\n\n\
         frob b bootstrap/recipes/sysa/b/build.kaem\n",
    );
    r.recipe("a", "build.kaem", "echo ran > ${DISTFILES}/a-ran\n");
    let run = r.run();
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "bootstrap: FAILED at /bootstrap/plan/sysa.steps (line 4: unknown step kind 'frob')\n"
    );
    assert!(!r.exists("bootstrap/distfiles/a-ran"));
    assert!(!r.exists("bootstrap/logs"));

    // Duplicate names and a missing header are caught the same way.
    r.plan("bootstrap-steps 1\nbuild a s\nbuild a t\n");
    assert_eq!(
        r.run().stdout,
        "bootstrap: FAILED at /bootstrap/plan/sysa.steps (line 3: duplicate step name 'a')\n"
    );
    r.plan("build a s\n");
    assert_eq!(
        r.run().stdout,
        "bootstrap: FAILED at /bootstrap/plan/sysa.steps (line 1: expected header 'bootstrap-steps 1')\n"
    );

    // So are a bad or missing .env and a missing plan.
    r.plan("bootstrap-steps 1\nbuild a bootstrap/recipes/sysa/a/build.kaem\n");
    r.write("bootstrap/plan/sysa.env", "PATH=/bin\nnot a pair\n");
    assert_eq!(
        r.run().stdout,
        "bootstrap: FAILED at /bootstrap/plan/sysa.env (line 2: expected KEY=VALUE)\n"
    );
    fs::remove_file(r.path("bootstrap/plan/sysa.env")).unwrap();
    let run = r.run();
    assert_eq!(run.code, 1);
    assert!(run
        .stdout
        .starts_with("bootstrap: FAILED at /bootstrap/plan/sysa.env (cannot read:"));
    let run = r.run_args(&["--stage", "sysz", "--root", r.dir.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run
        .stdout
        .starts_with("bootstrap: FAILED at /bootstrap/plan/sysz.steps (cannot read:"));
    assert!(!r.exists("bootstrap/distfiles/a-ran"));
}

#[test]
fn completed_steps_file_torn_line_skipped_junk_refused() {
    let r = Root::new("state");
    r.plan(
        "bootstrap-steps 1
build a bootstrap/recipes/sysa/a/build.kaem
         build b bootstrap/recipes/sysa/b/build.kaem
",
    );
    r.recipe(
        "a",
        "build.kaem",
        "echo ran > ${DISTFILES}/a-ran
",
    );
    r.recipe(
        "b",
        "build.kaem",
        "echo ran > ${DISTFILES}/b-ran
",
    );
    // A crash while appending `sysa b` left a torn line: b runs again.
    r.write("bootstrap/state/completed", "sysa a\nsysa b");
    let run = r.run();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!r.exists("bootstrap/distfiles/a-ran"));
    assert!(r.exists("bootstrap/distfiles/b-ran"));
    assert_eq!(r.read("bootstrap/state/completed"), "sysa a\nsysa b\n");

    // A complete line the runner cannot have written stops the stage.
    r.write("bootstrap/state/completed", "sysa a\nsysa a b\n");
    let run = r.run();
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "bootstrap: FAILED at /bootstrap/state/completed \
         (line 2: expected '<stage> <step>', found 'sysa a b')\n"
    );
}

#[test]
fn kaem_syntax_error_runs_nothing() {
    let r = Root::new("syntax");
    r.plan("bootstrap-steps 1\nbuild a bootstrap/recipes/sysa/a/build.kaem\n");
    r.recipe(
        "a",
        "build.kaem",
        "echo ran > ${DISTFILES}/a-ran\necho 'unterminated\n",
    );
    let run = r.run();
    assert_eq!(run.code, 1);
    assert!(!r.exists("bootstrap/distfiles/a-ran"));
    let log = r.read("bootstrap/logs/sysa/01-a.log");
    assert!(
        log.contains("kaem: /bootstrap/recipes/sysa/a/build.kaem:2: syntax error: unterminated single quote\n"),
        "{log}"
    );
    assert!(
        log.ends_with("bootstrap: step a exited with status 2\n"),
        "{log}"
    );
}

#[test]
fn jump_step_outside_pid1_fails_with_a_clear_message() {
    let r = Root::new("jump");
    r.plan(
        "bootstrap-steps 1\nbuild a bootstrap/recipes/sysa/a/build.kaem\n\
         jump to-sysb kexec sysb\nbuild c bootstrap/recipes/sysa/c/build.kaem\n",
    );
    r.recipe("a", "build.kaem", "echo a\n");
    r.recipe("c", "build.kaem", "echo ran > ${DISTFILES}/c-ran\n");
    let run = r.run();
    assert_eq!(run.code, 1);
    assert_eq!(
        lines(&run.stdout),
        [
            "bootstrap: [sysa 1/3] start build a",
            "bootstrap: [sysa 1/3] ok a (Ns)",
            "bootstrap: [sysa 2/3] start jump to-sysb",
            "bootstrap: FAILED at to-sysb (log: /bootstrap/logs/sysa/02-to-sysb.log)",
        ]
    );
    let msg = "jump steps (kexec/switch_root) need the runner to be PID 1 of a booted system, not a chroot";
    assert!(run.stderr.contains(msg), "{}", run.stderr);
    let log = r.read("bootstrap/logs/sysa/02-to-sysb.log");
    assert!(
        log.ends_with(&format!("bootstrap: step to-sysb failed: {msg}\n")),
        "{log}"
    );
    assert!(!r.exists("bootstrap/distfiles/c-ran"));
    assert_eq!(r.read("bootstrap/state/completed"), "sysa a\n");
}

#[test]
fn special_file_in_destdir_fails_the_step() {
    let r = Root::new("fifo");
    r.plan("bootstrap-steps 1\nbuild a bootstrap/recipes/sysa/a/build.kaem\n");
    r.recipe(
        "a",
        "build.kaem",
        "mkdir ${DESTDIR}/etc\nmkfifo ${DESTDIR}/etc/pipe\n",
    );
    let run = r.run();
    assert_eq!(run.code, 1);
    let log = r.read("bootstrap/logs/sysa/01-a.log");
    assert!(
        log.ends_with(
            "bootstrap: step a failed: install: refusing to install /etc/pipe: not a regular file, directory or symlink\n"
        ),
        "{log}"
    );
    assert!(!r.exists("bootstrap/records/a.sha256sums"));
    assert!(!r.exists("etc"));
    assert!(!r.exists("bootstrap/state/completed"));
}

#[test]
fn kaem_builtins_and_redirects() {
    let r = Root::new("builtins");
    r.plan("bootstrap-steps 1\nbuild k bootstrap/recipes/sysa/k/build.kaem\n");
    r.recipe(
        "k",
        "build.kaem",
        "set -ex\n\
         export OUT=${DESTDIR}/out NAME=\"two words\" EMPTY=\n\
         mkdir -p ${OUT}/sub\n\
         cd ${OUT}/sub\n\
         echo \"$NAME\" ${UNSET:-fallback} ${EMPTY:-empty} > f.txt\n\
         echo -n appended >> f.txt\n\
         /bin/sh -c 'echo \"$NAME|$1|$2\"' sh \"$EMPTY\" $EMPTY last > g.txt\n\
         unset NAME\n\
         /bin/sh -c 'echo \"[${NAME-unset}]\"' > h.txt\n\
         export PATH=/nonexistent\n\
         exit 0\n\
         /bin/false\n",
    );
    let run = r.run();
    assert_eq!(run.code, 0, "{}", r.read("bootstrap/logs/sysa/01-k.log"));
    assert_eq!(
        r.read("out/sub/f.txt"),
        "two words fallback empty\nappended"
    );
    assert_eq!(r.read("out/sub/g.txt"), "two words||last\n");
    assert_eq!(r.read("out/sub/h.txt"), "[unset]\n");
    let log = r.read("bootstrap/logs/sysa/01-k.log");
    assert!(log.contains("+ cd "), "{log}");
    assert!(!log.contains("+ /bin/false"), "{log}");
}

#[test]
fn usage() {
    let r = Root::new("usage");
    let run = r.run_args(&[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("usage: bootstrap-runner --stage"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
    let run = r.run_args(&["--stage", "sysa", "--bogus"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown argument '--bogus'"));
    let run = r.run_args(&["--stage", "sysa", "--root", "/nonexistent/root/dir"]);
    assert_eq!(run.code, 2);
    let run = r.run_args(&["--version"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("bootstrap-runner "));
    let run = r.run_args(&["--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("--root DIR"));
}
