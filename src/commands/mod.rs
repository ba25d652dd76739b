//! One file per subcommand (`bootstrap <command>`), each holding its
//! arguments and its order of work; what they share is here. Policy lives
//! in the library's layers, not in these files.

pub mod boot;
pub mod cache;
pub mod check;
pub mod fetch;
pub mod gcc_seed;
pub mod initramfs;
pub mod run;
pub mod run_chroot;
pub mod run_vm;
pub mod verify;
pub mod write;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;

use bootstrap::guest::supervise::{Outcome, Watch};
use bootstrap::guest::timing::Timings;
use bootstrap::image::shadow;
use bootstrap::image::step_cache::{Keyed, StepCache};
use bootstrap::model::condition::Values;
use bootstrap::model::config::Config;
use bootstrap::model::project::{self, Distfile, Project};
use bootstrap::seed::gcc::{self, GccSeed};
use bootstrap::sources::fetch as sources_fetch;
use bootstrap::sources::{download, mirrors};
use bootstrap_contract::protocol;

/// When a step to run installs a system with logins, give `root` (the
/// tree the guest runs on) an `/etc/shadow` holding the root password's
/// hash; the password is `given`'s, else the one kept in `kept`, else a
/// new one written there and printed once. Returns whether /etc/shadow was
/// written (a resumed target keeps its own).
pub fn root_password(
    project: &Project,
    values: &Values,
    given: Option<&Path>,
    kept: &Path,
    root: &Path,
) -> Result<bool> {
    if !project.sets_root_password(values) {
        return Ok(false);
    }
    let (pw, origin) = shadow::password(given, kept).context("the root password")?;
    if let shadow::Origin::Generated(f) = &origin {
        eprintln!(
            "bootstrap: the finished system's root password is {pw} (kept in {}, mode 0600)",
            f.display()
        );
    }
    shadow::lay(root, &pw)
}

/// Options every command has.
pub struct Global {
    /// `-C DIR`.
    pub project: Option<PathBuf>,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
}

impl Global {
    /// The project directory: `-C DIR`, else the nearest one holding
    /// parts.toml above the current directory.
    pub fn project_root(&self) -> Result<PathBuf> {
        match &self.project {
            // Absolute: later steps run tools in other directories (patch -i
            // with a recipe's patch path, for one).
            Some(p) => std::path::absolute(p).with_context(|| p.display().to_string()),
            None => {
                let cwd = std::env::current_dir()?;
                project::find_root(&cwd).with_context(|| {
                    format!(
                        "no {} in {} or any parent; use -C DIR",
                        project::MANIFEST,
                        cwd.display()
                    )
                })
            }
        }
    }

    /// The checked project and the settings file.
    pub fn load(&self) -> Result<(Project, Config)> {
        let project = Project::load(&self.project_root()?)?;
        let config = match &self.config {
            Some(p) => Config::load(p, &project.manifest.schema())?,
            None => Config::default(),
        };
        Ok((project, config))
    }
}

#[derive(Args)]
pub struct SourceArgs {
    /// Where sources are kept [default: $XDG_CACHE_HOME/bootstrap/distfiles]
    #[arg(long, value_name = "DIR")]
    pub distfiles: Option<PathBuf>,
    /// A flat directory of distfiles (http://, https:// or file://), tried
    /// before upstream; repeatable.
    #[arg(long = "mirror", value_name = "URL")]
    pub mirrors: Vec<String>,
    /// Base URL of a Debian archive mirror [default: $BOOTSTRAP_DEBIAN_MIRROR,
    /// the config file, then the host's apt sources]
    #[arg(long, value_name = "URL")]
    pub debian_mirror: Option<String>,
    /// Only verify what is already in the distfiles directory.
    #[arg(long)]
    pub offline: bool,
    /// Attempts per URL on connection errors.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub retries: u32,
    /// Seconds without data before a transfer counts as stalled.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub stall_timeout: u64,
    /// First retry delay in milliseconds (doubles each retry); for tests.
    #[arg(long, default_value_t = 500, hide = true)]
    pub retry_delay_ms: u64,
}

#[derive(Args)]
pub struct SeedArgs {
    /// Host C compiler that builds tcc-seed (any: gcc, clang, ...).
    #[arg(long, default_value = "cc", value_name = "CC")]
    pub seed_cc: String,
    /// Host C++ compiler that builds gcc-seed, with --seed-cc for its C parts
    /// (g++ or clang++).
    #[arg(long, default_value = "c++", value_name = "CXX")]
    pub seed_cxx: String,
    /// Use this static runner binary instead of building runner/ with cargo.
    #[arg(long, value_name = "FILE")]
    pub runner: Option<PathBuf>,
}

/// Fetch (or with --offline, only check) `files`: the distfiles directory
/// and the report.
pub fn ensure_sources(
    config: &Config,
    a: &SourceArgs,
    files: &[Distfile],
    jobs: usize,
) -> Result<(PathBuf, sources_fetch::Report)> {
    let distfiles = match a.distfiles.clone().or(config.distfiles.clone()) {
        Some(d) => d,
        None => sources_fetch::default_distfiles()?,
    };
    let flat = mirrors::flat_mirrors(&a.mirrors, &config.mirrors)?;
    let debian = mirrors::debian_bases(
        a.debian_mirror.as_deref(),
        config.debian_mirror.as_deref(),
        Path::new("/etc/apt"),
    );
    if !a.offline && debian.is_empty() && files.iter().any(|f| f.debian.is_some()) {
        eprintln!("fetch: warning: no Debian mirror known (use --debian-mirror or {}); Debian pool paths will not be tried", mirrors::DEBIAN_MIRROR_ENV);
    }
    let opts = sources_fetch::Options {
        distfiles: distfiles.clone(),
        mirrors: flat,
        debian_mirrors: debian,
        offline: a.offline,
        jobs,
        retry: download::Retry {
            attempts: a.retries.max(1),
            base_delay: Duration::from_millis(a.retry_delay_ms),
        },
        stall_timeout: Duration::from_secs(a.stall_timeout.max(1)),
        bars: sources_fetch::Options::stderr_is_terminal(),
    };
    let report = sources_fetch::fetch(files, &opts)?;
    eprint!("{}", report.failure_text());
    Ok((distfiles, report))
}

/// `ensure_sources`, failing unless every file is there.
pub fn sources_or_fail(config: &Config, a: &SourceArgs, files: &[Distfile]) -> Result<PathBuf> {
    let (distfiles, report) = ensure_sources(config, a, files, 4)?;
    let failed = report.failed();
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|(d, _)| d.file.as_str()).collect();
        bail!(
            "missing sources: {} (see above; `bootstrap fetch` retries)",
            names.join(", ")
        );
    }
    Ok(distfiles)
}

/// Where the time went, on the terminal and as JSON at `json` (a run
/// that cannot write it still reports its result).
/// gcc-seed, built or taken from its cache, when a step that may run under
/// `values` compiles with it; `None` otherwise (nothing is built).
pub fn gcc_seed_if_used(
    project: &Project,
    values: &Values,
    distfiles: &Path,
    seed: &SeedArgs,
    jobs: usize,
) -> Result<Option<GccSeed>> {
    if !project.uses_gcc_seed(values) {
        return Ok(None);
    }
    let s = gcc::cached(
        project,
        distfiles,
        &seed.seed_cc,
        &seed.seed_cxx,
        &gcc::default_cache()?,
        jobs,
    )?;
    if let Some(t) = s.built_in {
        eprintln!(
            "bootstrap: gcc-seed {} built in {} min {} s; cached in {}",
            &s.id[..16],
            t.as_secs() / 60,
            t.as_secs() % 60,
            s.dir.display()
        );
    }
    Ok(Some(s))
}

/// Restore what the step cache has of `keyed` into `root` and say how many
/// steps came from it (chroot and QEMU runs alike).
pub fn restore_from_cache(cache: &StepCache, root: &Path, keyed: &[Keyed]) -> Result<usize> {
    let n = cache.restore_prefix(root, keyed)?;
    if n > 0 {
        eprintln!(
            "bootstrap: {n} step{} restored from the step cache {} (--no-cache builds them)",
            if n == 1 { "" } else { "s" },
            cache.dir.display()
        );
    }
    Ok(n)
}

pub fn report_timings(t: &Timings, json: &Path) {
    eprint!("{}", t.summary());
    if let Err(e) = t.write_json(json) {
        eprintln!("bootstrap: warning: writing {}: {e:#}", json.display());
    }
}

/// How to tell the user about the end of a guest: where its logs are.
pub struct Report<'a> {
    /// The command that resumes the run, when a run can be resumed.
    pub resume: Option<String>,
    /// The console log.
    pub console: &'a Path,
    /// Where the logs of an interrupted run are, as shown to the user
    /// (`logs: DIR` or `console: FILE`).
    pub logs: String,
    /// Turns the guest's in-guest log path (`/bootstrap/logs/...`) into a
    /// host path when the file can be read on the host.
    pub host_log: &'a dyn Fn(&str) -> Option<PathBuf>,
}

/// The final lines and exit status for a guest's end. On failure the last
/// line is `bootstrap: FAILED at <step> (...)` naming where its log is.
pub fn report(w: &Watch, r: &Report) -> ExitCode {
    let at = || w.current.clone().unwrap_or_else(|| "boot".into());
    let console = r.console.display();
    let resume = || {
        if let Some(cmd) = &r.resume {
            if w.outcome == Outcome::Interrupted {
                eprintln!("bootstrap: run `{cmd}` to resume");
            } else {
                eprintln!(
                    "bootstrap: fix the cause, then run `{cmd}` to resume from the failed step"
                );
            }
        }
    };
    let show_tail = || {
        for l in &w.tail {
            eprintln!("  {l}");
        }
    };
    match &w.outcome {
        Outcome::Done => ExitCode::SUCCESS,
        Outcome::Failed { what, detail } => {
            let where_ = match protocol::failed_log(detail) {
                Some(l) => match (r.host_log)(l) {
                    Some(p) => format!("log: {}", p.display()),
                    None => format!("log: {l} in the guest; its end is in {console}"),
                },
                None => format!("{detail}; console: {console}"),
            };
            resume();
            eprintln!("bootstrap: FAILED at {what} ({where_})");
            ExitCode::FAILURE
        }
        Outcome::Interrupted => {
            resume();
            eprintln!("bootstrap: INTERRUPTED at {} ({})", at(), r.logs);
            ExitCode::from(130)
        }
        Outcome::Silent { after } => {
            eprintln!(
                "bootstrap: the guest printed nothing for {}s; its last lines:",
                after.as_secs()
            );
            show_tail();
            resume();
            eprintln!(
                "bootstrap: FAILED at {} (guest hung; console: {console})",
                at()
            );
            ExitCode::FAILURE
        }
        Outcome::Exited { status } => {
            show_tail();
            resume();
            eprintln!(
                "bootstrap: FAILED at {} (the guest ended with {status} without a final line; console: {console})",
                at()
            );
            ExitCode::FAILURE
        }
    }
}
