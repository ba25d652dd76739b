//! The console protocol: the lines the runner prints on stdout (a terminal
//! or a serial console) for the host to follow a run. Each starts with
//! [`PREFIX`]; the last one of a stage is `done` or `FAILED at ...`.
//!
//! ```text
//! bootstrap: booted Linux <release>, stage <stage>      PID 1, once per kernel boot
//! bootstrap: [<stage> <i>/<n>] start <kind> <name>
//! bootstrap: [<stage> <i>/<n>] running <name> (<secs>s)    its log grew lately
//! bootstrap: [<stage> <i>/<n>] ok <name> (<secs>s)
//! bootstrap: [<stage> <i>/<n>] skip <name> (already completed)
//! bootstrap: done
//! bootstrap: FAILED at <name> (log: <in-guest log path>)
//! bootstrap: FAILED at <file> (<reason>)
//! ```
//!
//! The runner prints other `bootstrap: ` lines (module loading, jumps) for
//! people; [`parse`] returns `None` for them, as for any other line.
//!
//! Also here: the kernel command line parameter that names the stage a
//! booted runner runs.

use crate::plan::Kind;
use std::fmt;

pub const PREFIX: &str = "bootstrap: ";

/// `bootstrap.stage=<stage>` on the kernel command line; the last one
/// counts, [`DEFAULT_STAGE`] without one.
pub const STAGE_PARAM: &str = "bootstrap.stage=";
pub const DEFAULT_STAGE: &str = "sysa";

/// `bootstrap.boot=<label>` on the kernel command line: no stage to run;
/// PID 1 loads its modules, mounts the ext4 filesystem labelled `<label>`
/// read-only and hands it to that system's `/sbin/init` (`boot --kernel`:
/// a finished disk started by a kernel that needs modules to reach it).
pub const BOOT_PARAM: &str = "bootstrap.boot=";

/// `bootstrap.resume=<label>` on the kernel command line: a run that
/// stopped after the switch_root goes on from the disk. PID 1 loads its
/// modules, mounts the ext4 filesystem labelled `<label>` read-write and
/// execs the disk's runner for the stage `bootstrap.stage=` names; nothing
/// is copied onto the disk (it already holds the earlier stages' results).
pub const RESUME_PARAM: &str = "bootstrap.resume=";

/// Where a stage failed: a step name with `log: <path>` as detail, or the
/// in-guest path of a file the runner could not use with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub what: String,
    pub detail: String,
}

impl Failure {
    /// Step `name` failed; its log (in-guest path) says why.
    pub fn step(name: &str, log: &str) -> Failure {
        Failure {
            what: name.to_string(),
            detail: format!("log: {log}"),
        }
    }

    /// A file (plan, env, completed-steps) or a step failed for `reason`.
    pub fn at(what: &str, reason: impl fmt::Display) -> Failure {
        Failure {
            what: what.to_string(),
            detail: reason.to_string(),
        }
    }

    /// The in-guest log path, for a failed step.
    pub fn log(&self) -> Option<&str> {
        failed_log(&self.detail)
    }
}

/// `<what> (<detail>)`, or `<what>` when there is no detail.
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.detail.is_empty() {
            f.write_str(&self.what)
        } else {
            write!(f, "{} ({})", self.what, self.detail)
        }
    }
}

/// The in-guest log path of a FAILED detail (`log: /bootstrap/...`), if any.
pub fn failed_log(detail: &str) -> Option<&str> {
    detail.strip_prefix("log: ")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A kernel booted the runner as PID 1 (the host counts boots by it).
    Booted {
        release: String,
        stage: String,
    },
    /// Step `index` of `total` (1-based) starts.
    Start {
        stage: String,
        index: usize,
        total: usize,
        kind: Kind,
        name: String,
    },
    /// Still running after `secs` seconds, and its log grew since the
    /// last such line: the host's silence timeout is for steps that print
    /// nothing at all.
    Running {
        stage: String,
        index: usize,
        total: usize,
        name: String,
        secs: u64,
    },
    /// It finished after `secs` whole seconds.
    Ok {
        stage: String,
        index: usize,
        total: usize,
        name: String,
        secs: u64,
    },
    /// It had completed before; not run again.
    Skip {
        stage: String,
        index: usize,
        total: usize,
        name: String,
    },
    Done,
    Failed(Failure),
}

/// The whole console line, without the newline.
impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PREFIX)?;
        match self {
            Event::Booted { release, stage } => write!(f, "booted Linux {release}, stage {stage}"),
            Event::Start {
                stage,
                index,
                total,
                kind,
                name,
            } => write!(f, "[{stage} {index}/{total}] start {kind} {name}"),
            Event::Running {
                stage,
                index,
                total,
                name,
                secs,
            } => write!(f, "[{stage} {index}/{total}] running {name} ({secs}s)"),
            Event::Ok {
                stage,
                index,
                total,
                name,
                secs,
            } => write!(f, "[{stage} {index}/{total}] ok {name} ({secs}s)"),
            Event::Skip {
                stage,
                index,
                total,
                name,
            } => write!(
                f,
                "[{stage} {index}/{total}] skip {name} (already completed)"
            ),
            Event::Done => f.write_str("done"),
            Event::Failed(failure) => write!(f, "FAILED at {failure}"),
        }
    }
}

/// Parse one console line (a trailing CR/LF is ignored); `None` for
/// anything that is not one of the lines above.
pub fn parse(line: &str) -> Option<Event> {
    let rest = line.trim_end_matches(['\r', '\n']).strip_prefix(PREFIX)?;
    if rest == "done" {
        return Some(Event::Done);
    }
    if let Some(f) = rest.strip_prefix("FAILED at ") {
        let (what, detail) = match f.split_once(" (") {
            Some((w, d)) => (w, d.strip_suffix(')').unwrap_or(d)),
            None => (f, ""),
        };
        return Some(Event::Failed(Failure::at(what, detail)));
    }
    if let Some(b) = rest.strip_prefix("booted Linux ") {
        let (release, stage) = b.rsplit_once(", stage ")?;
        return Some(Event::Booted {
            release: release.to_string(),
            stage: stage.to_string(),
        });
    }
    // [<stage> <i>/<n>] <verb> ...
    let (head, tail) = rest.strip_prefix('[')?.split_once("] ")?;
    let (stage, pos) = head.split_once(' ')?;
    let (i, n) = pos.split_once('/')?;
    let (index, total) = (i.parse().ok()?, n.parse().ok()?);
    let stage = stage.to_string();
    match tail.split(' ').collect::<Vec<_>>()[..] {
        ["start", kind, name] => Some(Event::Start {
            stage,
            index,
            total,
            kind: Kind::parse(kind)?,
            name: name.to_string(),
        }),
        ["running", name, secs] => Some(Event::Running {
            stage,
            index,
            total,
            name: name.to_string(),
            secs: secs.strip_prefix('(')?.strip_suffix("s)")?.parse().ok()?,
        }),
        ["ok", name, secs] => Some(Event::Ok {
            stage,
            index,
            total,
            name: name.to_string(),
            secs: secs.strip_prefix('(')?.strip_suffix("s)")?.parse().ok()?,
        }),
        ["skip", name, "(already", "completed)"] => Some(Event::Skip {
            stage,
            index,
            total,
            name: name.to_string(),
        }),
        _ => None,
    }
}

/// The kernel command line word that starts the runner on `stage`.
pub fn stage_param(stage: &str) -> String {
    format!("{STAGE_PARAM}{stage}")
}

/// The stage a kernel command line asks for.
pub fn stage_from_cmdline(cmdline: &str) -> &str {
    cmdline
        .split_whitespace()
        .filter_map(|w| w.strip_prefix(STAGE_PARAM))
        .next_back()
        .unwrap_or(DEFAULT_STAGE)
}

pub fn boot_param(label: &str) -> String {
    format!("{BOOT_PARAM}{label}")
}

/// The label a kernel command line asks PID 1 to boot, if any (the last
/// one counts).
pub fn boot_from_cmdline(cmdline: &str) -> Option<&str> {
    label_param(cmdline, BOOT_PARAM)
}

pub fn resume_param(label: &str) -> String {
    format!("{RESUME_PARAM}{label}")
}

/// The label of the disk a kernel command line asks PID 1 to resume the
/// run from, if any (the last one counts).
pub fn resume_from_cmdline(cmdline: &str) -> Option<&str> {
    label_param(cmdline, RESUME_PARAM)
}

fn label_param<'a>(cmdline: &'a str, param: &str) -> Option<&'a str> {
    cmdline
        .split_whitespace()
        .filter_map(|w| w.strip_prefix(param))
        .next_back()
        .filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_on_the_kernel_command_line() {
        assert_eq!(resume_param("BOOTSTRAP"), "bootstrap.resume=BOOTSTRAP");
        let line = "console=ttyS0 bootstrap.stage=sysc bootstrap.resume=BOOTSTRAP\n";
        assert_eq!(resume_from_cmdline(line), Some("BOOTSTRAP"));
        assert_eq!(boot_from_cmdline(line), None);
        assert_eq!(stage_from_cmdline(line), "sysc");
        assert_eq!(resume_from_cmdline("bootstrap.resume= x"), None);
        assert_eq!(resume_from_cmdline("bootstrap.boot=A"), None);
    }

    #[test]
    fn boot_on_the_kernel_command_line() {
        assert_eq!(boot_param("BOOTSTRAP"), "bootstrap.boot=BOOTSTRAP");
        assert_eq!(
            boot_from_cmdline("console=ttyS0 bootstrap.stage=sysa\n"),
            None
        );
        assert_eq!(boot_from_cmdline("console=ttyS0 bootstrap.boot= x"), None);
        assert_eq!(
            boot_from_cmdline("console=ttyS0 bootstrap.boot=BOOTSTRAP ro\n"),
            Some("BOOTSTRAP")
        );
    }

    fn every_kind() -> Vec<Event> {
        vec![
            Event::Booted {
                release: "6.1.0-18-amd64".into(),
                stage: "sysa".into(),
            },
            Event::Start {
                stage: "sysa".into(),
                index: 2,
                total: 5,
                kind: Kind::Build,
                name: "musl-1.2.3".into(),
            },
            Event::Running {
                stage: "sysa".into(),
                index: 2,
                total: 5,
                name: "musl-1.2.3".into(),
                secs: 60,
            },
            Event::Ok {
                stage: "sysa".into(),
                index: 2,
                total: 5,
                name: "musl-1.2.3".into(),
                secs: 7,
            },
            Event::Skip {
                stage: "sysc".into(),
                index: 1,
                total: 1,
                name: "x".into(),
            },
            Event::Done,
            Event::Failed(Failure::step("b", "/bootstrap/logs/sysc/02-b.log")),
            Event::Failed(Failure::at(
                "/bootstrap/plan/sysa.steps",
                "line 3: expected 'build <name> <script> [<interpreter>]'",
            )),
            Event::Failed(Failure::at("to-sysb", "kexec_file_load: EPERM (x)")),
        ]
    }

    #[test]
    fn round_trip() {
        for ev in every_kind() {
            let line = ev.to_string();
            assert!(line.starts_with(PREFIX), "{line}");
            assert_eq!(parse(&line).as_ref(), Some(&ev), "{line}");
            assert_eq!(parse(&format!("{line}\r\n")).as_ref(), Some(&ev), "{line}");
        }
    }

    #[test]
    fn real_lines_from_a_run() {
        let got: Vec<Event> = [
            "bootstrap: booted Linux 6.1.0-18-amd64, stage sysa",
            "bootstrap: [sysa 2/5] start build musl-1.2.3",
            "bootstrap: [sysa 2/5] running musl-1.2.3 (60s)",
            "bootstrap: [sysa 2/5] ok musl-1.2.3 (7s)",
            "bootstrap: [sysc 1/1] skip x (already completed)",
            "bootstrap: done",
            "bootstrap: FAILED at b (log: /bootstrap/logs/sysc/02-b.log)",
            "bootstrap: FAILED at /bootstrap/plan/sysa.steps (line 3: expected 'build <name> <script> [<interpreter>]')",
            "bootstrap: FAILED at to-sysb (kexec_file_load: EPERM (x))",
        ]
        .iter()
        .map(|l| parse(l).unwrap())
        .collect();
        assert_eq!(got, every_kind());
        let Event::Failed(f) = &got[6] else { panic!() };
        assert_eq!(f.log(), Some("/bootstrap/logs/sysc/02-b.log"));
        assert_eq!(failed_log("line 3: x"), None);
        let start = parse("bootstrap: [sysa 2/3] start improve tweak").unwrap();
        assert!(matches!(
            start,
            Event::Start {
                kind: Kind::Improve,
                ..
            }
        ));
        let jump = parse("bootstrap: [sysa 2/3] start jump to-sysb").unwrap();
        assert!(matches!(
            jump,
            Event::Start {
                kind: Kind::Jump,
                ..
            }
        ));
    }

    #[test]
    fn ignores_other_lines() {
        for l in [
            "",
            "hello",
            "bootstrap:done",
            "bootstrap: done now",
            "bootstrap: loaded 3 kernel modules for 6.1.0 (0 already loaded)",
            "bootstrap: kexec: 12 entries (345 bytes) go to the next kernel, cmdline: x",
            "bootstrap: booted Linux 6.1",
            "bootstrap: [sysa x/5] start build a",
            "bootstrap: [sysa 1/5] dance a",
            "bootstrap: [sysa 1/5] start frob a",
            "bootstrap: [sysa 1/5] start build a extra",
            "bootstrap: [sysa 1/5] ok a",
            "bootstrap: [sysa 1/5] ok a (7)",
            "bootstrap: [sysa 1/5] skip a",
            "[    1.23] kernel: x",
        ] {
            assert_eq!(parse(l), None, "{l:?}");
        }
    }

    #[test]
    fn failed_without_detail() {
        let f = Failure::at("x", "");
        assert_eq!(
            Event::Failed(f.clone()).to_string(),
            "bootstrap: FAILED at x"
        );
        assert_eq!(parse("bootstrap: FAILED at x"), Some(Event::Failed(f)));
    }

    #[test]
    fn stage_on_the_kernel_command_line() {
        assert_eq!(stage_param("sysb"), "bootstrap.stage=sysb");
        assert_eq!(stage_from_cmdline("console=ttyS0 quiet\n"), "sysa");
        assert_eq!(
            stage_from_cmdline("console=ttyS0 bootstrap.stage=sysb rw\n"),
            "sysb"
        );
        assert_eq!(
            stage_from_cmdline("bootstrap.stage=a bootstrap.stage=sysc"),
            "sysc"
        );
    }
}
