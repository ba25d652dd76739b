//! `bootstrap`: the host tool's command line. This file parses and
//! dispatches; each subcommand lives in `commands/`, the work in the
//! library's layers (see ARCHITECTURE.md).

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::boot::BootArgs;
use commands::cache::CacheArgs;
use commands::check::CheckArgs;
use commands::fetch::FetchArgs;
use commands::gcc_seed::GccSeedArgs;
use commands::initramfs::InitramfsArgs;
use commands::run::RunArgs;
use commands::verify::VerifyArgs;
use commands::write::WriteArgs;
use commands::Global;

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
    Check(CheckArgs),
    /// Write the sysa seed initramfs (byte-identical on rebuild).
    Initramfs(InitramfsArgs),
    /// Run the bootstrap.
    Run(RunArgs),
    /// Boot the system a run finished, in QEMU (interactive, or `--exec CMD`
    /// to log in, run CMD and power off).
    Boot(BootArgs),
    /// Compare a target's install records with SHA256SUMS.pkgs or another target.
    Verify(VerifyArgs),
    /// Write an image (run --bare-metal's) to a USB stick or disk, refusing
    /// the running root and anything mounted, and read it back.
    Write(WriteArgs),
    /// See and prune the step cache that runs restore built steps from.
    Cache(CacheArgs),
    /// Build (or find in the cache) gcc-seed, the kernel's compiler; prints
    /// its directory. Maintenance: `run` does not use it yet.
    #[command(hide = true)]
    GccSeed(GccSeedArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let g = Global {
        project: cli.project,
        config: cli.config,
    };
    let result = match &cli.command {
        Command::Check(a) => commands::check::run(&g, a),
        Command::Fetch(a) => commands::fetch::run(&g, a),
        Command::Initramfs(a) => commands::initramfs::run(&g, a),
        Command::Run(a) => commands::run::run(&g, a),
        Command::Verify(a) => commands::verify::run(&g, a),
        Command::Boot(a) => commands::boot::run(&g, a),
        Command::Cache(a) => commands::cache::run(a),
        Command::Write(a) => commands::write::run(a),
        Command::GccSeed(a) => commands::gcc_seed::run(&g, a),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    })
}
