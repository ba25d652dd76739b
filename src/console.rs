//! Supervising a guest through its console: the host streams every line to
//! the terminal and a log file, follows the runner's protocol, and kills a
//! guest that prints nothing for longer than the silence timeout (reporting
//! the tail of its log) instead of waiting on it forever. Used for QEMU's
//! serial console; any command that prints the protocol works (tests use
//! shell scripts).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

use crate::protocol::{self, Event};

/// Lines of log kept for a failure report.
pub const TAIL: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed {
        what: String,
        detail: String,
    },
    /// Nothing printed for the timeout: the guest was killed.
    Silent {
        after: Duration,
        tail: Vec<String>,
    },
    /// The guest stopped without a final protocol line.
    Exited {
        status: String,
        tail: Vec<String>,
    },
    Interrupted {
        step: Option<String>,
    },
}

#[derive(Debug, Default)]
pub struct Watch {
    pub outcome: Option<Outcome>,
    /// Kernel boots seen (the runner's "booted Linux" line): 2 after a kexec.
    pub boots: usize,
    pub current: Option<String>,
}

/// Run `cmd` (in its own process group), treating its stdout as the console.
pub fn supervise(
    mut cmd: Command,
    log: &Path,
    silence: Duration,
    interrupted: &dyn Fn() -> bool,
) -> Result<Watch> {
    let mut logf = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| log.display().to_string())?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    let pgid = Pid::from_raw(child.id() as i32);
    let out = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(out);
        let mut buf = Vec::new();
        // Serial consoles send "\r\n"; split on '\n', drop '\r', keep bytes lossy.
        while r
            .read_until(b'\n', &mut buf)
            .map(|n| n > 0)
            .unwrap_or(false)
        {
            let line = String::from_utf8_lossy(&buf)
                .trim_end_matches(['\n', '\r'])
                .replace('\r', "");
            buf.clear();
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    let mut w = Watch::default();
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut last = Instant::now();
    let stop = |why: &str| {
        let _ = signal::killpg(pgid, Signal::SIGTERM);
        eprintln!("bootstrap: {why}; stopping the guest");
    };
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                last = Instant::now();
                take(line, &mut w, &mut tail, &mut logf);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if w.outcome.is_none() && interrupted() {
            stop("interrupted");
            w.outcome = Some(Outcome::Interrupted {
                step: w.current.clone(),
            });
        }
        if w.outcome.is_none() && last.elapsed() > silence {
            stop(&format!("no output for {}s", silence.as_secs()));
            w.outcome = Some(Outcome::Silent {
                after: silence,
                tail: tail.iter().cloned().collect(),
            });
        }
        if let Ok(Some(_)) = child.try_wait() {
            // Drain what is still buffered, then stop.
            while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                take(line, &mut w, &mut tail, &mut logf);
            }
            break;
        }
    }
    // A guest asked to stop gets a few seconds, then is killed.
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if Instant::now() > deadline {
            let _ = signal::killpg(pgid, Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = signal::killpg(pgid, Signal::SIGKILL);
    drop(rx);
    let _ = reader.join();
    if w.outcome.is_none() {
        let n = tail.len().saturating_sub(TAIL);
        w.outcome = Some(Outcome::Exited {
            status: status.to_string(),
            tail: tail.into_iter().skip(n).collect(),
        });
    }
    Ok(w)
}

/// One console line: to the terminal and the log, into the watch and the tail.
fn take(line: String, w: &mut Watch, tail: &mut VecDeque<String>, logf: &mut std::fs::File) {
    println!("{line}");
    let _ = writeln!(logf, "{line}");
    if line.starts_with("bootstrap: booted Linux ") {
        w.boots += 1;
    }
    // The first final line wins: an interrupt or silence verdict is not
    // overwritten by what the guest prints while it is being stopped.
    match protocol::parse(&line) {
        Some(Event::Start { name, .. }) => w.current = Some(name),
        Some(Event::Done) if w.outcome.is_none() => w.outcome = Some(Outcome::Done),
        Some(Event::Failed { what, detail }) if w.outcome.is_none() => {
            w.outcome = Some(Outcome::Failed { what, detail })
        }
        _ => {}
    }
    tail.push_back(line);
    if tail.len() > TAIL {
        tail.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(script);
        c
    }

    fn run(script: &str, silence: Duration) -> (Watch, String, Duration) {
        let t = tempfile::tempdir().unwrap();
        let log = t.path().join("console.log");
        let start = Instant::now();
        let w = supervise(sh(script), &log, silence, &|| false).unwrap();
        (w, std::fs::read_to_string(&log).unwrap(), start.elapsed())
    }

    #[test]
    fn done_and_failed_lines_decide_the_outcome() {
        let (w, log, _) = run("printf 'bootstrap: booted Linux 6.1, stage sysa\\r\\nbootstrap: [sysa 1/1] start build a\\r\\nbootstrap: booted Linux 6.1, stage sysb\\nbootstrap: done\\n'", Duration::from_secs(5));
        assert_eq!(w.outcome, Some(Outcome::Done));
        assert_eq!(w.boots, 2);
        assert!(
            log.contains("bootstrap: done\n") && !log.contains('\r'),
            "{log:?}"
        );
        let (w, _, _) = run("echo 'bootstrap: [sysc 2/3] start build b'; echo 'bootstrap: FAILED at b (log: /bootstrap/logs/sysc/02-b.log)'", Duration::from_secs(5));
        assert_eq!(
            w.outcome,
            Some(Outcome::Failed {
                what: "b".into(),
                detail: "log: /bootstrap/logs/sysc/02-b.log".into()
            })
        );
    }

    #[test]
    fn a_silent_guest_is_killed_after_the_timeout_with_its_tail() {
        let (w, _, took) = run(
            "echo booting; echo 'bootstrap: [sysa 1/2] start build x'; exec sleep 60",
            Duration::from_secs(1),
        );
        match w.outcome {
            Some(Outcome::Silent { tail, .. }) => assert_eq!(
                tail.last().map(String::as_str),
                Some("bootstrap: [sysa 1/2] start build x")
            ),
            other => panic!("{other:?}"),
        }
        assert!(took < Duration::from_secs(10), "took {took:?}");
        assert_eq!(w.current.as_deref(), Some("x"));
    }

    #[test]
    fn a_guest_that_stops_without_a_final_line_is_reported() {
        let (w, _, _) = run(
            "echo 'Kernel panic - not syncing'; exit 3",
            Duration::from_secs(5),
        );
        match w.outcome {
            Some(Outcome::Exited { status, tail }) => {
                assert!(status.contains('3'), "{status}");
                assert_eq!(tail, vec!["Kernel panic - not syncing".to_string()]);
            }
            other => panic!("{other:?}"),
        }
    }
}
