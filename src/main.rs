//! `bootstrap`: the host tool. This file is the command line only; each
//! subcommand's work lives in its own module (see ARCHITECTURE.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use bootstrap::config::Config;
use bootstrap::project::{self, Project};
use bootstrap::{download, fetch, mirrors};

#[derive(Parser)]
#[command(
    name = "bootstrap",
    version,
    about = "Reproducible bootstrap orchestrator"
)]
struct Cli {
    /// Project directory (holding parts.toml); default: the nearest one
    /// above the current directory.
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    project: Option<PathBuf>,
    /// Settings file (distfiles, mirrors, debian_mirror, jobs, [options]).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Download and verify every source the manifest needs.
    Fetch(FetchArgs),
    /// Check that parts.toml, the recipes and SHA256SUMS.sources agree.
    Check,
}

#[derive(Args)]
struct FetchArgs {
    /// Where sources are kept [default: $XDG_CACHE_HOME/bootstrap/distfiles]
    #[arg(long, value_name = "DIR")]
    distfiles: Option<PathBuf>,
    /// A flat directory of distfiles (http://, https:// or file://), tried
    /// before upstream; repeatable.
    #[arg(long = "mirror", value_name = "URL")]
    mirrors: Vec<String>,
    /// Base URL of a Debian archive mirror [default: $BOOTSTRAP_DEBIAN_MIRROR,
    /// the config file, then the host's apt sources]
    #[arg(long, value_name = "URL")]
    debian_mirror: Option<String>,
    /// Only verify what is already in the distfiles directory.
    #[arg(long)]
    offline: bool,
    /// Fetch sources of every step, whatever the conditions say.
    #[arg(long)]
    all: bool,
    /// Parallel downloads.
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
    /// Attempts per URL on connection errors.
    #[arg(long, default_value_t = 4, value_name = "N")]
    retries: u32,
    /// Seconds without data before a transfer counts as stalled.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    stall_timeout: u64,
    /// First retry delay in milliseconds (doubles each retry); for tests.
    #[arg(long, default_value_t = 500, hide = true)]
    retry_delay_ms: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn project_root(cli: &Cli) -> Result<PathBuf> {
    match &cli.project {
        Some(p) => Ok(p.clone()),
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

fn load(cli: &Cli) -> Result<(Project, Config)> {
    let root = project_root(cli)?;
    let project = Project::load(&root)?;
    let config = match &cli.config {
        Some(p) => Config::load(p, &project.manifest.schema())?,
        None => Config::default(),
    };
    Ok((project, config))
}

fn default_distfiles() -> Result<PathBuf> {
    let cache = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(c) => PathBuf::from(c),
        None => {
            let home = std::env::var_os("HOME")
                .context("neither XDG_CACHE_HOME nor HOME is set; use --distfiles")?;
            Path::new(&home).join(".cache")
        }
    };
    Ok(cache.join("bootstrap").join("distfiles"))
}

fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Check => {
            let (p, _) = load(&cli)?;
            let steps: usize = p.manifest.stages.iter().map(|s| s.steps.len()).sum();
            println!(
                "check: ok: {} stages, {steps} steps, {} recipes, {} sources hashed",
                p.manifest.stages.len(),
                p.recipes.len(),
                p.sums.entries.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Fetch(a) => cmd_fetch(&cli, a),
    }
}

fn cmd_fetch(cli: &Cli, a: &FetchArgs) -> Result<ExitCode> {
    let (project, config) = load(cli)?;
    let distfiles = match a.distfiles.clone().or(config.distfiles.clone()) {
        Some(d) => d,
        None => default_distfiles()?,
    };
    let mut mirrors = a.mirrors.clone();
    mirrors.extend(config.mirrors.iter().cloned());
    for m in &mirrors {
        if !(m.starts_with("http://") || m.starts_with("https://") || m.starts_with("file://")) {
            bail!("mirror '{m}' must start with http://, https:// or file://");
        }
    }
    let debian_mirrors = match a
        .debian_mirror
        .clone()
        .or_else(|| {
            std::env::var(mirrors::DEBIAN_MIRROR_ENV)
                .ok()
                .filter(|v| !v.is_empty())
        })
        .or(config.debian_mirror.clone())
    {
        Some(m) => vec![m],
        None => mirrors::from_apt(Path::new("/etc/apt")),
    };

    let values = if a.all {
        // Nothing known: every condition is "maybe", so every step counts.
        Default::default()
    } else {
        project.manifest.values(None, &config.options)
    };
    let files = project.distfiles(&values);
    if !a.offline && debian_mirrors.is_empty() && files.iter().any(|f| f.debian.is_some()) {
        eprintln!(
            "fetch: warning: no Debian mirror known (use --debian-mirror or {}); \
             Debian pool paths will not be tried",
            mirrors::DEBIAN_MIRROR_ENV
        );
    }

    let opts = fetch::Options {
        distfiles: distfiles.clone(),
        mirrors,
        debian_mirrors,
        offline: a.offline,
        jobs: a.jobs.or(config.jobs).unwrap_or(4).max(1),
        retry: download::Retry {
            attempts: a.retries.max(1),
            base_delay: Duration::from_millis(a.retry_delay_ms),
        },
        stall_timeout: Duration::from_secs(a.stall_timeout.max(1)),
        bars: fetch::Options::stderr_is_terminal(),
    };
    let report = fetch::fetch(&files, &opts)?;
    let failed = report.failed();
    eprint!("{}", report.failure_text());
    println!(
        "fetch: {} files in {}: {} already present, {} downloaded, {} failed",
        report.results.len(),
        distfiles.display(),
        report.cached(),
        report.downloaded(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        let names: Vec<&str> = failed.iter().map(|(d, _)| d.file.as_str()).collect();
        eprintln!("error: could not fetch: {}", names.join(", "));
        Ok(ExitCode::FAILURE)
    }
}
