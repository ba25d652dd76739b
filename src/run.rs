//! Running one stage of a chroot target: start the runner inside the
//! isolated root (see `chroot`), stream its console to the terminal and to
//! `bootstrap/logs/console.log`, forward Ctrl-C to it, and turn its last line
//! into an outcome. Nothing it starts outlives it: the runner gets its own
//! process group, the host is a child subreaper, and every leftover process
//! is killed before we return (which also ends the mount namespace).

use std::ffi::CString;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::signal::{self, SigHandler, Signal};
use nix::unistd::Pid;

use crate::chroot;
use crate::protocol::{self, Event};

/// Seconds between forwarding Ctrl-C and killing outright.
pub const INTERRUPT_GRACE: Duration = Duration::from_secs(10);

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: i32) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Catch SIGINT/SIGTERM/SIGHUP so that we can stop the guest cleanly and report.
pub fn install_interrupt_handler() -> Result<()> {
    let action = signal::SigAction::new(
        SigHandler::Handler(on_signal),
        signal::SaFlags::SA_RESTART,
        signal::SigSet::empty(),
    );
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { signal::sigaction(s, &action) }?;
    }
    Ok(())
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// `what` is the step (or plan file); `log` the host path of its log.
    Failed {
        what: String,
        log: Option<PathBuf>,
        detail: String,
    },
    Interrupted {
        step: Option<String>,
    },
    /// The runner ended without a final protocol line.
    Crashed {
        status: String,
        step: Option<String>,
    },
}

#[derive(Default)]
struct Seen {
    current: Option<String>,
    last: Option<Event>,
}

/// Run `stage` in the chroot target `root` (canonical, prepared).
pub fn stage_in_chroot(root: &Path, stage: &str) -> Result<Outcome> {
    let root = chroot::prepare_mount_points(root)?;
    let ops = chroot::plan(&root)?;
    // Built before the fork: the child may only make syscalls.
    let messages: Vec<CString> = ops
        .iter()
        .map(|op| {
            CString::new(format!(
                "bootstrap: setting up the chroot failed at {op:?}\n"
            ))
            .unwrap_or_default()
        })
        .collect();

    let logs = root.join("bootstrap/logs");
    std::fs::create_dir_all(&logs)?;
    let console = Arc::new(Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logs.join("console.log"))?,
    ));

    nix::sys::prctl::set_child_subreaper(true).context("becoming a child subreaper")?;
    let mut cmd = Command::new("/bootstrap/runner");
    cmd.args(["--stage", stage])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only async-signal-safe calls (setpgid, sigaction, the mount
    // and chroot syscalls, write) on memory prepared before the fork.
    unsafe {
        cmd.pre_exec(move || {
            nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0))?;
            for s in [
                Signal::SIGINT,
                Signal::SIGTERM,
                Signal::SIGHUP,
                Signal::SIGPIPE,
            ] {
                signal::signal(s, SigHandler::SigDfl)?;
            }
            chroot::apply(&ops, &chroot::Linux).map_err(|(i, e)| {
                let m = &messages[i];
                let _ = nix::unistd::write(std::io::stderr(), m.as_bytes());
                std::io::Error::from_raw_os_error(e as i32)
            })
        });
    }
    let mut child = cmd
        .spawn()
        .context("starting the runner in the chroot (needs root)")?;
    let pgid = Pid::from_raw(child.id() as i32);

    let seen = Arc::new(Mutex::new(Seen::default()));
    let out = child.stdout.take().expect("piped");
    let err = child.stderr.take().expect("piped");
    let (c1, s1) = (console.clone(), seen.clone());
    let t_out = std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            let _ = writeln!(c1.lock().unwrap_or_else(|p| p.into_inner()), "{line}");
            if let Some(ev) = protocol::parse(&line) {
                let mut s = s1.lock().unwrap_or_else(|p| p.into_inner());
                if let Event::Start { name, .. } = &ev {
                    s.current = Some(name.clone());
                }
                s.last = Some(ev);
            }
        }
    });
    let c2 = console.clone();
    let t_err = std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            eprintln!("{line}");
            let _ = writeln!(c2.lock().unwrap_or_else(|p| p.into_inner()), "{line}");
        }
    });

    let mut sent: Option<Instant> = None;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if interrupted() && sent.is_none() {
            eprintln!(
                "bootstrap: interrupted; stopping the guest (SIGINT, then SIGKILL after {}s)",
                INTERRUPT_GRACE.as_secs()
            );
            let _ = signal::killpg(pgid, Signal::SIGINT);
            sent = Some(Instant::now());
        }
        if sent.is_some_and(|t| t.elapsed() > INTERRUPT_GRACE) {
            let _ = signal::killpg(pgid, Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    kill_leftovers(pgid);
    let _ = t_out.join();
    let _ = t_err.join();

    let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
    Ok(match (&seen.last, interrupted()) {
        (Some(Event::Done), _) if status.success() => Outcome::Done,
        (Some(Event::Failed { what, detail }), false) => Outcome::Failed {
            what: what.clone(),
            log: protocol::failed_log(detail).map(|l| root.join(l.trim_start_matches('/'))),
            detail: detail.clone(),
        },
        (_, true) => Outcome::Interrupted {
            step: seen.current.clone(),
        },
        _ => Outcome::Crashed {
            status: status.to_string(),
            step: seen.current.clone(),
        },
    })
}

/// Kill the runner's process group and anything reparented to us, and reap.
fn kill_leftovers(pgid: Pid) {
    let _ = signal::killpg(pgid, Signal::SIGKILL);
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
