//! bootstrap-runner: the seed step runner. Runs the steps of one stage from
//! `/bootstrap/plan/<stage>.steps`, either inside a chroot prepared by the
//! host tool, or as PID 1 of a booted initramfs. See README.md for the
//! protocol.

mod console;
mod error;
mod kaem;
mod layout;
mod pid1;
mod plan;
mod record;
mod stage;
mod state;

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
        Ok(()) => {
            console::done();
            true
        }
        Err(what) => {
            console::failed(&what);
            false
        }
    }
}

fn main() {
    // Steps inherit this; set once for the whole run.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));

    if pid1::is_pid1() {
        // Booted as init: arguments are whatever the kernel passed, ignore them.
        pid1::setup();
        let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
        let stage = pid1::stage_from_cmdline(&cmdline);
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
}
