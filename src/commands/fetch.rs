//! `bootstrap fetch`: every source the manifest needs, verified, into the
//! distfiles directory.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::{ensure_sources, Global, SourceArgs};

#[derive(Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub src: SourceArgs,
    /// Fetch sources of every step, whatever the conditions say.
    #[arg(long)]
    pub all: bool,
    /// Parallel downloads.
    #[arg(short = 'j', long = "cores", value_name = "N")]
    pub jobs: Option<usize>,
}

pub fn run(g: &Global, a: &FetchArgs) -> Result<ExitCode> {
    let (project, config) = g.load()?;
    // With --all nothing is known: every condition is "maybe".
    let values = if a.all {
        Default::default()
    } else {
        project.manifest.values(None, &config.options)
    };
    let files = project.fetch_distfiles(&values);
    let jobs = a.jobs.or(config.jobs).unwrap_or(4).max(1);
    let (distfiles, report) = ensure_sources(&config, &a.src, &files, jobs)?;
    let failed = report.failed();
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
