//! `bootstrap initramfs -o FILE`: the seed initramfs (runner, tcc-seed, the
//! in-RAM stages' plans, recipes, sources and distfiles), byte-identical on
//! rebuild.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use bootstrap::image::{initramfs, target};
use bootstrap::model::stages::{self, Mode};
use bootstrap::seed;
use bootstrap::util::fsutil;

use super::{sources_or_fail, Global, SeedArgs, SourceArgs};

#[derive(Args)]
pub struct InitramfsArgs {
    /// Output file.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: PathBuf,
    #[arg(long, value_enum, default_value = "none")]
    pub compress: initramfs::Compression,
    /// The mode the seed is for (selects steps by their conditions).
    #[arg(long, default_value = "qemu", value_parser = ["qemu", "bare-metal"])]
    pub mode: String,
    #[command(flatten)]
    pub seed: SeedArgs,
    #[command(flatten)]
    pub src: SourceArgs,
}

pub fn run(g: &Global, a: &InitramfsArgs) -> Result<ExitCode> {
    let (project, config) = g.load()?;
    let mode = if a.mode == "bare-metal" {
        Mode::BareMetal
    } else {
        Mode::Qemu
    };
    let values = project
        .manifest
        .values(Some(mode.as_str()), &config.options);
    // The seed proper is sysa; sysb needs the kexec kernel `run` adds.
    let sysa = stages::stage_steps(&project, "sysa", &values)?;
    let distfiles = sources_or_fail(&config, &a.src, &project.distfiles(&values))?;
    let runner = seed::runner::runner_binary(&project, a.seed.runner.as_deref())?;
    let tmp = tempfile::Builder::new()
        .prefix("bootstrap-initramfs-")
        .tempdir()?;
    let work = tmp.path().join("work");
    let (seed_dir, _) = seed::cached(&project, &distfiles, &a.seed.seed_cc, &work)?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let gcc_seed = super::gcc_seed_if_used(&project, &values, &distfiles, &a.seed, cpus)?;
    let root = tmp.path().join("root");
    let inputs = target::Inputs {
        project: &project,
        distfiles: &distfiles,
        runner: &runner,
        seed: &seed_dir,
        gcc_seed: gcc_seed.as_ref().map(|s| s.root.as_path()),
        mode,
        jobs: 1,
        work: &work,
    };
    target::lay(&root, &inputs, &[("sysa", sysa)])?;
    target::link_init(&root)?;
    let mtime = target::SOURCE_DATE_EPOCH.parse().unwrap_or(0);
    initramfs::write(
        &root,
        &initramfs::standard_nodes(),
        mtime,
        a.compress,
        &a.output,
    )?;
    let size = std::fs::metadata(&a.output)?.len();
    println!(
        "initramfs: {} ({size} bytes, sha256 {})",
        a.output.display(),
        fsutil::sha256_file(&a.output)?
    );
    Ok(ExitCode::SUCCESS)
}
