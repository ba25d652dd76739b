//! The one guest supervisor, for the chroot runner and for QEMU alike. The
//! guest is any command whose stdout is a console speaking the runner's
//! protocol (tests use shell scripts). The host streams every line to the
//! terminal and the console log, follows the protocol, and stops the guest
//! when the user interrupts or when it prints nothing for longer than the
//! silence timeout, reporting the tail of its console instead of waiting on
//! it forever.
//!
//! One rule decides the result: the first final protocol line
//! (`bootstrap: done` or `bootstrap: FAILED at ...`) or host verdict
//! (interrupted, silent) wins; nothing printed while the guest is being
//! stopped overrides it. A guest that ends without either has `Exited`.
//!
//! One stop policy: SIGINT to the guest's process group (the runner's steps
//! die as from a Ctrl-C, QEMU exits cleanly), then SIGKILL after
//! `STOP_GRACE`. Whatever is left in the group afterwards is killed.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

use bootstrap_contract::protocol::{self, Event, Failure};

use crate::guest::timing::{StepTime, Timings};

/// Lines of console kept for a failure report.
pub const TAIL: usize = 25;
/// Time a guest gets between SIGINT and SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// What decided the end of a guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// `what` is a step (or plan file); `detail` is `log: <path>` or a reason.
    Failed {
        what: String,
        detail: String,
    },
    /// The user interrupted the host tool; the guest was stopped.
    Interrupted,
    /// Nothing printed for `after`: the guest was killed.
    Silent {
        after: Duration,
    },
    /// The guest stopped without a final protocol line.
    Exited {
        status: String,
    },
}

/// What the supervisor saw of one guest.
#[derive(Debug)]
pub struct Watch {
    pub outcome: Outcome,
    /// Kernel boots seen (the runner's "booted Linux" line): 2 after a kexec.
    pub boots: usize,
    /// The step last started, if any.
    pub current: Option<String>,
    /// The last `TAIL` console lines.
    pub tail: Vec<String>,
    /// Each step that finished, with its time.
    pub timings: Timings,
}

/// How to watch a guest.
/// See [`Options::on_ok`].
pub type OnOk<'a> = dyn Fn(&str, &str) + 'a;

pub struct Options<'a> {
    /// The console log; lines are appended.
    pub log: &'a Path,
    /// Longest time the guest may print nothing.
    pub silence: Duration,
    /// Polled often; true once the user asked to stop (see `interrupt`).
    pub interrupted: &'a dyn Fn() -> bool,
    /// Also kill processes the guest left behind that were re-parented to
    /// this process (it must be a child subreaper, see `chroot_run`). Only
    /// for a host process that supervises one guest at a time.
    pub sweep_orphans: bool,
    /// Called with a step's stage and name as soon as the guest reports it
    /// completed (the step cache stores it before a later step can replace
    /// its files).
    pub on_ok: Option<&'a OnOk<'a>>,
}

enum Line {
    Out(String),
    Err(String),
}

/// Run `cmd` in its own process group and watch it to the end.
pub fn supervise(mut cmd: Command, opts: &Options) -> Result<Watch> {
    let logf = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(opts.log)
        .with_context(|| opts.log.display().to_string())?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let host = nix::unistd::getpid();
    // The guest (the chroot's runner, QEMU) dies with the host tool, even
    // by SIGKILL: no run goes on behind the user's back. (Checked after:
    // the host may already be gone.) The stop policy starts with SIGINT,
    // which a host started in the background of a non-interactive shell
    // (`nohup bootstrap run &`) ignores and would hand down: the guest gets
    // the default action back.
    // SAFETY: prctl(2), getppid(2) and signal(2) are async-signal-safe;
    // nothing else runs here.
    unsafe {
        cmd.pre_exec(move || {
            use nix::sys::signal::{signal, SigHandler, Signal};
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
            if nix::unistd::getppid() != host {
                return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
            }
            for s in [Signal::SIGINT, Signal::SIGQUIT] {
                signal(s, SigHandler::SigDfl).map_err(std::io::Error::from)?;
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    let pgid = Pid::from_raw(child.id() as i32);
    let (tx, rx) = mpsc::channel::<Line>();
    let out = child.stdout.take().expect("piped");
    let err = child.stderr.take().expect("piped");
    let readers = [
        read_lines(out, tx.clone(), Line::Out),
        read_lines(err, tx, Line::Err),
    ];

    let mut c = Console {
        w: Watch {
            outcome: Outcome::Exited {
                status: String::new(),
            },
            boots: 0,
            current: None,
            tail: Vec::new(),
            timings: Timings::default(),
        },
        decided: None,
        tail: VecDeque::new(),
        logf,
        opts,
        started: Instant::now(),
    };
    let mut last = Instant::now();
    let mut stop_sent: Option<Instant> = None;
    let mut status: Option<ExitStatus> = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                last = Instant::now();
                c.take(line);
            }
            // Both pipes closed: the guest (and all that shared its
            // output) is gone.
            Err(mpsc::RecvTimeoutError::Disconnected) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if status.is_none() {
            status = child.try_wait()?;
        }
        if c.decided.is_none() && (opts.interrupted)() {
            c.decided = Some(Outcome::Interrupted);
            eprintln!(
                "bootstrap: interrupted; stopping the guest (SIGINT, then SIGKILL after {}s)",
                STOP_GRACE.as_secs()
            );
        }
        if c.decided.is_none() && last.elapsed() > opts.silence {
            c.decided = Some(Outcome::Silent {
                after: opts.silence,
            });
            eprintln!(
                "bootstrap: no output for {}s; stopping the guest",
                opts.silence.as_secs()
            );
        }
        let must_stop = matches!(
            c.decided,
            Some(Outcome::Interrupted | Outcome::Silent { .. })
        );
        if must_stop && status.is_none() {
            match stop_sent {
                None => {
                    let _ = signal::killpg(pgid, Signal::SIGINT);
                    stop_sent = Some(Instant::now());
                }
                Some(t) if t.elapsed() > STOP_GRACE => {
                    let _ = signal::killpg(pgid, Signal::SIGKILL);
                }
                Some(_) => {}
            }
        }
        if let Some(st) = status {
            // The guest is gone: whatever it left in its group goes too, so
            // the pipes close and the last lines drain.
            let _ = signal::killpg(pgid, Signal::SIGKILL);
            if opts.sweep_orphans {
                kill_orphans();
            }
            while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                c.take(line);
            }
            if c.decided.is_none() {
                c.decided = Some(Outcome::Exited {
                    status: st.to_string(),
                });
            }
            break;
        }
    }
    drop(rx);
    for r in readers {
        let _ = r.join();
    }
    let mut w = c.w;
    w.outcome = c.decided.expect("set before the loop ends");
    w.tail = c.tail.into_iter().collect();
    Ok(w)
}

/// A thread that sends each line of `r` (split on '\n', '\r' dropped, bytes
/// decoded lossily: serial consoles send "\r\n" and anything at all).
fn read_lines(
    r: impl Read + Send + 'static,
    tx: mpsc::Sender<Line>,
    wrap: fn(String) -> Line,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut r = BufReader::new(r);
        let mut buf = Vec::new();
        while r
            .read_until(b'\n', &mut buf)
            .map(|n| n > 0)
            .unwrap_or(false)
        {
            let line = String::from_utf8_lossy(&buf)
                .trim_end_matches(['\n', '\r'])
                .replace('\r', "");
            buf.clear();
            if tx.send(wrap(line)).is_err() {
                break;
            }
        }
    })
}

/// What the supervisor keeps of the console while the guest runs.
struct Console<'a> {
    w: Watch,
    /// The first final line or host verdict (see the module's rule).
    decided: Option<Outcome>,
    tail: VecDeque<String>,
    logf: std::fs::File,
    opts: &'a Options<'a>,
    started: Instant,
}

impl Console<'_> {
    /// One console line: to the terminal and the log, into the watch and the tail.
    fn take(&mut self, line: Line) {
        let (w, decided) = (&mut self.w, &mut self.decided);
        let line = match line {
            Line::Err(l) => {
                eprintln!("{l}");
                l
            }
            Line::Out(l) => {
                println!("{l}");
                match protocol::parse(&l) {
                    Some(Event::Booted { .. }) => w.boots += 1,
                    Some(Event::Start { name, .. }) => {
                        w.current = Some(name);
                        let t = &mut w.timings.first_step_ms;
                        t.get_or_insert(self.started.elapsed().as_millis() as u64);
                    }
                    Some(Event::Ok {
                        stage, name, secs, ..
                    }) => {
                        if let Some(f) = self.opts.on_ok {
                            f(&stage, &name);
                        }
                        w.timings.steps.push(StepTime { stage, name, secs })
                    }
                    Some(Event::Done) if decided.is_none() => *decided = Some(Outcome::Done),
                    Some(Event::Failed(Failure { what, detail })) if decided.is_none() => {
                        *decided = Some(Outcome::Failed { what, detail })
                    }
                    _ => {}
                }
                l
            }
        };
        let _ = writeln!(self.logf, "{line}");
        self.tail.push_back(line);
        if self.tail.len() > TAIL {
            self.tail.pop_front();
        }
    }
}

/// Kill every process re-parented to this one (we are its subreaper) and
/// reap them, until none is left: a step that left its process group must
/// not outlive the run.
fn kill_orphans() {
    let me = std::process::id().to_string();
    for _ in 0..50 {
        let mut found = false;
        if let Ok(rd) = std::fs::read_dir("/proc") {
            for e in rd.flatten() {
                let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                    continue;
                };
                let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                    continue;
                };
                // Fields after the ")" of the command name: state, ppid, ...
                let ppid = stat
                    .rsplit_once(')')
                    .and_then(|(_, r)| r.split_whitespace().nth(1).map(str::to_string));
                if ppid.as_deref() == Some(me.as_str()) {
                    found = true;
                    let _ = signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
                }
            }
        }
        while let Ok(st) = nix::sys::wait::waitpid(None, Some(nix::sys::wait::WaitPidFlag::WNOHANG))
        {
            if st == nix::sys::wait::WaitStatus::StillAlive {
                break;
            }
        }
        if !found {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn sh(script: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(script);
        c
    }

    fn run_with(
        script: &str,
        silence: Duration,
        stop: &dyn Fn() -> bool,
    ) -> (Watch, String, Duration) {
        let t = tempfile::tempdir().unwrap();
        let log = t.path().join("console.log");
        let start = Instant::now();
        let opts = Options {
            log: &log,
            silence,
            interrupted: stop,
            sweep_orphans: false,
            on_ok: None,
        };
        let w = supervise(sh(script), &opts).unwrap();
        (w, std::fs::read_to_string(&log).unwrap(), start.elapsed())
    }

    fn run(script: &str, silence: Duration) -> (Watch, String, Duration) {
        run_with(script, silence, &|| false)
    }

    #[test]
    fn done_and_failed_lines_decide_the_outcome() {
        let (w, log, _) = run("printf 'bootstrap: booted Linux 6.1, stage sysa\\r\\nbootstrap: [sysa 1/1] start build a\\r\\nbootstrap: booted Linux 6.1, stage sysb\\nbootstrap: done\\n'", Duration::from_secs(5));
        assert_eq!(w.outcome, Outcome::Done);
        assert_eq!(w.boots, 2);
        assert!(
            w.timings.steps.is_empty(),
            "a step that started is not timed"
        );
        assert!(w.timings.first_step_ms.is_some(), "but its start is");
        assert!(
            log.contains("bootstrap: done\n") && !log.contains('\r'),
            "{log:?}"
        );
        let (w, _, _) = run("echo 'bootstrap: [sysc 1/3] ok a (12s)'; echo 'bootstrap: [sysc 2/3] start build b'; echo 'bootstrap: FAILED at b (log: /bootstrap/logs/sysc/02-b.log)'", Duration::from_secs(5));
        assert_eq!(
            w.timings.steps,
            [StepTime {
                stage: "sysc".into(),
                name: "a".into(),
                secs: 12
            }]
        );
        assert_eq!(
            w.outcome,
            Outcome::Failed {
                what: "b".into(),
                detail: "log: /bootstrap/logs/sysc/02-b.log".into()
            }
        );
    }

    #[test]
    fn each_completed_step_is_reported_as_it_completes() {
        let t = tempfile::tempdir().unwrap();
        let log = t.path().join("console.log");
        let seen = std::cell::RefCell::new(Vec::new());
        let on_ok = |stage: &str, name: &str| seen.borrow_mut().push(format!("{stage}/{name}"));
        let opts = Options {
            log: &log,
            silence: Duration::from_secs(5),
            interrupted: &|| false,
            sweep_orphans: false,
            on_ok: Some(&on_ok),
        };
        let script = "echo 'bootstrap: [sysa 1/3] ok a (1s)'; echo 'bootstrap: [sysa 2/3] start build b'; echo 'bootstrap: [sysa 2/3] ok b (0s)'; echo 'bootstrap: done'";
        let w = supervise(sh(script), &opts).unwrap();
        assert_eq!(w.outcome, Outcome::Done);
        assert_eq!(*seen.borrow(), ["sysa/a", "sysa/b"]);
    }

    #[test]
    fn the_first_final_line_wins() {
        let (w, _, _) = run(
            "echo 'bootstrap: FAILED at a (log: /x)'; echo 'bootstrap: done'",
            Duration::from_secs(5),
        );
        assert!(matches!(w.outcome, Outcome::Failed { .. }), "{w:?}");
    }

    #[test]
    fn stderr_is_logged_but_is_not_protocol() {
        let (w, log, _) = run(
            "echo 'bootstrap: done' >&2; echo 'warning: x' >&2; exit 0",
            Duration::from_secs(5),
        );
        assert!(matches!(w.outcome, Outcome::Exited { .. }), "{w:?}");
        assert!(log.contains("warning: x\n"), "{log:?}");
    }

    #[test]
    fn a_silent_guest_is_killed_after_the_timeout_with_its_tail() {
        let (w, _, took) = run(
            "echo booting; echo 'bootstrap: [sysa 1/2] start build x'; exec sleep 60",
            Duration::from_secs(1),
        );
        assert_eq!(
            w.outcome,
            Outcome::Silent {
                after: Duration::from_secs(1)
            }
        );
        assert_eq!(
            w.tail.last().map(String::as_str),
            Some("bootstrap: [sysa 1/2] start build x")
        );
        assert!(took < Duration::from_secs(10), "took {took:?}");
        assert_eq!(w.current.as_deref(), Some("x"));
    }

    #[test]
    fn a_guest_that_ignores_sigint_is_killed_after_the_grace() {
        // SIGINT ignored: only the SIGKILL after STOP_GRACE ends it.
        let (w, _, took) = run(
            "trap '' INT; echo 'bootstrap: [sysa 1/1] start build x'; while :; do sleep 1; done",
            Duration::from_secs(1),
        );
        assert!(matches!(w.outcome, Outcome::Silent { .. }), "{w:?}");
        assert!(took >= STOP_GRACE, "took {took:?}");
    }

    #[test]
    fn an_interrupt_stops_the_guest_and_is_not_overridden() {
        let flag = AtomicBool::new(false);
        let start = Instant::now();
        let stop = || {
            if start.elapsed() > Duration::from_millis(500) {
                flag.store(true, Ordering::SeqCst);
            }
            flag.load(Ordering::SeqCst)
        };
        // On SIGINT the guest prints a final line of its own: too late.
        let (w, _, took) = run_with(
            "trap 'echo \"bootstrap: FAILED at x (log: /l)\"; exit 1' INT; echo 'bootstrap: [sysa 1/1] start build x'; while :; do sleep 0.1; done",
            Duration::from_secs(30),
            &stop,
        );
        assert_eq!(w.outcome, Outcome::Interrupted);
        assert_eq!(w.current.as_deref(), Some("x"));
        assert!(
            took < STOP_GRACE,
            "stopped by SIGINT, not SIGKILL: {took:?}"
        );
    }

    #[test]
    fn a_guest_that_stops_without_a_final_line_is_reported() {
        let (w, _, _) = run(
            "echo 'Kernel panic - not syncing'; exit 3",
            Duration::from_secs(5),
        );
        match w.outcome {
            Outcome::Exited { status } => assert!(status.contains('3'), "{status}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(w.tail, vec!["Kernel panic - not syncing".to_string()]);
    }
}
