//! `bootstrap cache ls|gc`: the step cache shared by this user's runs
//! (`image::step_cache`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use clap::{Args, Subcommand};

use bootstrap::image::step_cache::StepCache;

#[derive(Args)]
pub struct CacheArgs {
    /// The step cache [default: $XDG_CACHE_HOME/bootstrap/steps]
    #[arg(long, value_name = "DIR", global = true)]
    pub cache: Option<PathBuf>,
    #[command(subcommand)]
    pub command: CacheCommand,
}

#[derive(Subcommand)]
pub enum CacheCommand {
    /// List the cached steps: key, step, size, days since last use.
    Ls,
    /// Remove cached steps not used for --days days (and leftovers of
    /// interrupted stores).
    Gc {
        /// Keep what was used within this many days; 0 removes everything.
        #[arg(long, default_value_t = 30, value_name = "N")]
        days: u64,
    },
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub fn run(a: &CacheArgs) -> Result<ExitCode> {
    let cache = StepCache::open(a.cache.as_deref())?;
    match &a.command {
        CacheCommand::Ls => {
            let entries = cache.list()?;
            let now = SystemTime::now();
            let mut total = 0;
            for e in &entries {
                let days = now.duration_since(e.used).unwrap_or_default().as_secs() / 86400;
                println!(
                    "{}  {:<32} {:>10}  {days}d",
                    &e.key[..16],
                    e.step,
                    mib(e.bytes)
                );
                total += e.bytes;
            }
            println!(
                "cache: {} steps, {} in {}",
                entries.len(),
                mib(total),
                cache.dir.display()
            );
        }
        CacheCommand::Gc { days } => {
            let (n, bytes) = cache.gc(Duration::from_secs(days * 86400))?;
            println!(
                "cache: removed {n} steps ({}) from {}",
                mib(bytes),
                cache.dir.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
