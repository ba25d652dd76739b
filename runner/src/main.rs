//! bootstrap-runner: the seed step runner. Runs the steps of one stage from
//! `/bootstrap/plan/<stage>.steps`, either inside a chroot prepared by the
//! host tool, or as PID 1 of a booted initramfs. See README.md for the
//! protocol.

mod console;
mod error;
mod jump;
mod kaem;
mod layout;
mod newc;
mod pid1;
mod record;
mod stage;
mod state;

// The formats shared with the host tool. Imported at the crate root so that
// `crate::plan::valid_var` (kaem.rs) names the contract's rule.
use bootstrap_contract::plan::{self, Method};
use bootstrap_contract::protocol::{Event, Failure};
use layout::Layout;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::exit;

const USAGE: &str = "usage: bootstrap-runner --stage <stage> [--root DIR]
       bootstrap-runner --version | --help

Runs the steps of /bootstrap/plan/<stage>.steps. --root DIR prefixes every
path the runner computes with DIR (for tests); it never chroots.
";

#[derive(Debug, PartialEq, Eq)]
enum Cli {
    Run {
        stage: String,
        root: Option<PathBuf>,
    },
    Help,
    Version,
}

fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Cli, String> {
    let mut stage = None;
    let mut root = None;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let a = a
            .into_string()
            .map_err(|a| format!("invalid argument {a:?}"))?;
        match a.as_str() {
            "--help" | "-h" => return Ok(Cli::Help),
            "--version" | "-V" => return Ok(Cli::Version),
            "--stage" | "--root" => {
                let v = it
                    .next()
                    .ok_or_else(|| format!("{a} needs a value"))?
                    .into_string()
                    .map_err(|v| format!("invalid {a} value {v:?}"))?;
                let slot = if a == "--stage" {
                    &mut stage
                } else {
                    &mut root
                };
                if slot.replace(v).is_some() {
                    return Err(format!("{a} given twice"));
                }
            }
            _ => return Err(format!("unknown argument '{a}'")),
        }
    }
    let stage = stage.ok_or("--stage is required")?;
    if !plan::valid_name(&stage) {
        return Err(format!("invalid stage name '{stage}'"));
    }
    Ok(Cli::Run {
        stage,
        root: root.map(PathBuf::from),
    })
}

/// Run the stage and print the final console line; true on success.
fn run_and_report(layout: &Layout, stage: &str) -> bool {
    match stage::run(layout, stage) {
        Ok(None) => {
            console::print(&Event::Done);
            true
        }
        // Only reachable as PID 1: stage::run refuses jumps otherwise.
        Ok(Some(j)) => {
            let r = match &j.method {
                Method::Kexec { kernel } => jump::kexec(&j.next, kernel.as_deref()),
                Method::SwitchRoot { label } => jump::switch_root(&j.next, label),
            };
            // A jump that returns has failed.
            let e = r
                .err()
                .unwrap_or_else(|| error::Error::new("jump returned"));
            eprintln!("bootstrap-runner: {}: {e}", j.name);
            console::print(&Event::Failed(Failure::at(&j.name, e)));
            false
        }
        Err(failure) => {
            if let (true, Some(log)) = (pid1::is_pid1(), failure.log()) {
                print_log_tail(layout, log);
            }
            console::print(&Event::Failed(failure));
            false
        }
    }
}

/// In a VM the step logs live in RAM and die with it: show the end of the
/// failed step's log on the console (stderr), before the final line.
fn print_log_tail(layout: &Layout, log: &str) {
    let Ok(text) = std::fs::read_to_string(layout.host(log)) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(30);
    eprintln!("bootstrap-runner: last lines of {log}:");
    for l in &lines[from..] {
        eprintln!("  {l}");
    }
}

/// As PID 1 the stage is `--stage S` when we exec'd ourselves after a
/// switch_root, else `bootstrap.stage=` from the kernel command line.
fn pid1_stage(args: &[String], cmdline: &str) -> String {
    match args {
        [flag, stage, ..] if flag == "--stage" && plan::valid_name(stage) => stage.clone(),
        _ => bootstrap_contract::protocol::stage_from_cmdline(cmdline).to_string(),
    }
}

fn main() {
    // Steps inherit this; set once for the whole run.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));

    if pid1::is_pid1() {
        // Booted as init (the kernel's arguments are not ours), or exec'd by
        // our own switch_root with --stage.
        pid1::setup();
        jump::load_modules();
        let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
        if let Some(label) = bootstrap_contract::protocol::boot_from_cmdline(&cmdline) {
            // Only returns on failure.
            let e = jump::boot_disk(label).unwrap_err();
            eprintln!("bootstrap-runner: boot: {e}");
            pid1::power_off();
        }
        let args: Vec<String> = std::env::args().skip(1).collect();
        let stage = pid1_stage(&args, &cmdline);
        let fresh_kernel = args.first().map(String::as_str) != Some("--stage");
        if fresh_kernel {
            // A fresh kernel (first boot or after kexec), not our own exec
            // after switch_root: the host counts these lines as boots.
            let release = nix::sys::utsname::uname()
                .map(|u| u.release().to_string_lossy().to_string())
                .unwrap_or_default();
            console::print(&Event::Booted {
                release,
                stage: stage.clone(),
            });
        }
        if let (true, Some(label)) = (
            fresh_kernel,
            bootstrap_contract::protocol::resume_from_cmdline(&cmdline),
        ) {
            // Only returns on failure; the disk's runner takes over.
            let e = jump::resume(&stage, label).unwrap_err();
            eprintln!("bootstrap-runner: resume: {e}");
            console::print(&Event::Failed(Failure::at("resume", e)));
            pid1::power_off();
        }
        run_and_report(&Layout::new(PathBuf::from("/")), &stage);
        pid1::power_off();
    }

    let (stage, root) = match parse_args(std::env::args_os().skip(1)) {
        Ok(Cli::Run { stage, root }) => (stage, root),
        Ok(Cli::Help) => {
            print!("{USAGE}");
            exit(0);
        }
        Ok(Cli::Version) => {
            println!("bootstrap-runner {}", env!("CARGO_PKG_VERSION"));
            exit(0);
        }
        Err(msg) => {
            eprint!("bootstrap-runner: {msg}\n{USAGE}");
            exit(2);
        }
    };
    let root = match root {
        None => PathBuf::from("/"),
        // Absolute and UTF-8: it ends up in step environment variables.
        Some(r) => match std::fs::canonicalize(&r) {
            Ok(p) if p.to_str().is_some() => p,
            Ok(p) => {
                eprintln!("bootstrap-runner: --root {} is not UTF-8", p.display());
                exit(2);
            }
            Err(e) => {
                eprintln!("bootstrap-runner: --root {}: {e}", r.display());
                exit(2);
            }
        },
    };
    let ok = run_and_report(&Layout::new(root), &stage);
    exit(if ok { 0 } else { 1 });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(a: &[&str]) -> Result<Cli, String> {
        parse_args(a.iter().map(OsString::from))
    }

    #[test]
    fn args() {
        assert_eq!(
            parse(&["--stage", "sysa"]),
            Ok(Cli::Run {
                stage: "sysa".into(),
                root: None
            })
        );
        assert_eq!(
            parse(&["--root", "/r", "--stage", "sysb"]),
            Ok(Cli::Run {
                stage: "sysb".into(),
                root: Some("/r".into())
            })
        );
        assert_eq!(parse(&["--help"]), Ok(Cli::Help));
        assert_eq!(parse(&["--version"]), Ok(Cli::Version));
        assert!(parse(&[]).is_err());
        assert!(parse(&["--stage"]).is_err());
        assert!(parse(&["--stage", "a", "--stage", "b"]).is_err());
        assert!(parse(&["--stage", "../x"]).is_err());
        assert!(parse(&["--stage", "a", "--frob"]).is_err());
        assert!(parse(&["sysa"]).is_err());
    }

    #[test]
    fn pid1_stage_prefers_our_own_flag() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            pid1_stage(&v(&["--stage", "sysc"]), "bootstrap.stage=sysb"),
            "sysc"
        );
        assert_eq!(
            pid1_stage(&v(&[]), "console=ttyS0 bootstrap.stage=sysb"),
            "sysb"
        );
        assert_eq!(pid1_stage(&v(&["quiet"]), ""), "sysa");
        assert_eq!(
            pid1_stage(&v(&["--stage", "../x"]), "bootstrap.stage=sysb"),
            "sysb"
        );
    }
}
