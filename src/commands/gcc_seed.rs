//! `bootstrap gcc-seed` (hidden, for maintenance): fetch the gcc seed's
//! sources and build it, or find it in the cache, so that it can be built
//! and timed before any step uses it. Prints the seed's directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use bootstrap::seed::gcc;

use super::{sources_or_fail, Global, SeedArgs, SourceArgs};

#[derive(Args)]
pub struct GccSeedArgs {
    #[command(flatten)]
    pub src: SourceArgs,
    #[command(flatten)]
    pub seed: SeedArgs,
    /// Where built seeds are kept [default: $XDG_CACHE_HOME/bootstrap/seeds]
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// make's -j [default: the settings file's jobs, else the number of CPUs]
    #[arg(short = 'j', long = "cores", value_name = "N")]
    pub jobs: Option<usize>,
}

pub fn run(g: &Global, a: &GccSeedArgs) -> Result<ExitCode> {
    let (project, config) = g.load()?;
    let recipe = gcc::recipe(&project)?;
    let files: Vec<_> = project
        .fetch_distfiles(&Default::default())
        .into_iter()
        .filter(|d| recipe.sources.iter().any(|s| s.file == d.file))
        .collect();
    let distfiles = sources_or_fail(&config, &a.src, &files)?;
    let cache = match &a.cache {
        Some(c) => c.clone(),
        None => gcc::default_cache()?,
    };
    let jobs = a.jobs.or(config.jobs).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let seed = gcc::cached(
        &project,
        &distfiles,
        &a.seed.seed_cc,
        &a.seed.seed_cxx,
        &cache,
        jobs,
    )?;
    if seed.built_in.is_none() {
        eprintln!("bootstrap: gcc-seed {} is cached", &seed.id[..16]);
    }
    println!("{}", seed.dir.display());
    Ok(ExitCode::SUCCESS)
}
