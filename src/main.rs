//! `bootstrap`: the host tool. This file is the command line only; each
//! subcommand's work lives in its own module (see ARCHITECTURE.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use bootstrap::config::Config;
use bootstrap::project::{self, Project};
use bootstrap::run::Outcome;
use bootstrap::{
    console, disk, download, fetch, fsutil, initramfs, mirrors, qemu, run, seed, target, verify,
};

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
    /// Write the sysa seed initramfs (byte-identical on rebuild).
    Initramfs(InitramfsArgs),
    /// Run the bootstrap.
    Run(RunArgs),
    /// Compare a target's install records with SHA256SUMS.pkgs or another target.
    Verify(VerifyArgs),
}

#[derive(Args)]
struct SourceArgs {
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

#[derive(Args)]
struct FetchArgs {
    #[command(flatten)]
    src: SourceArgs,
    /// Fetch sources of every step, whatever the conditions say.
    #[arg(long)]
    all: bool,
    /// Parallel downloads.
    #[arg(short = 'j', long = "cores", value_name = "N")]
    jobs: Option<usize>,
}

#[derive(Args)]
struct SeedArgs {
    /// Host C compiler that builds tcc-seed (any: gcc, clang, ...).
    #[arg(long, default_value = "cc", value_name = "CC")]
    seed_cc: String,
    /// Use this static runner binary instead of building runner/ with cargo.
    #[arg(long, value_name = "FILE")]
    runner: Option<PathBuf>,
}

#[derive(Args)]
struct InitramfsArgs {
    /// Output file.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: PathBuf,
    #[arg(long, value_enum, default_value = "none")]
    compress: initramfs::Compression,
    /// The mode the seed is for (selects steps by their conditions).
    #[arg(long, default_value = "qemu", value_parser = ["qemu", "bare-metal"])]
    mode: String,
    #[command(flatten)]
    seed: SeedArgs,
    #[command(flatten)]
    src: SourceArgs,
}

#[derive(Args)]
#[group(id = "mode", required = true, args = ["chroot", "qemu", "bare_metal"])]
struct RunArgs {
    /// Run sysa then sysc in a chroot on this machine (needs root).
    #[arg(long)]
    chroot: bool,
    /// Boot sysa in QEMU, kexec into sysb, switch_root onto the disk, run sysc.
    #[arg(long)]
    qemu: bool,
    /// Write the seed initramfs, the kernel and the disk image for a real
    /// machine into --output DIR, with instructions.
    #[arg(long, requires = "output")]
    bare_metal: bool,
    /// Where --bare-metal writes its files.
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// The target directory [default: build/chroot or build/qemu in the project]
    #[arg(long, value_name = "DIR")]
    target: Option<PathBuf>,
    /// Delete the target's previous run and start over (default: resume).
    #[arg(long)]
    fresh: bool,
    /// Cores the build steps may use (exported to steps as JOBS).
    #[arg(short = 'j', long = "cores", value_name = "N")]
    jobs: Option<usize>,
    #[command(flatten)]
    seed: SeedArgs,
    #[command(flatten)]
    src: SourceArgs,
    #[command(flatten)]
    vm: VmArgs,
}

#[derive(Args)]
struct VmArgs {
    /// Kernel that boots sysa [default: the newest /boot/vmlinuz-*]
    #[arg(long, value_name = "FILE")]
    kernel: Option<PathBuf>,
    /// Kernel sysa kexecs into for sysb [default: --kernel]
    #[arg(long, value_name = "FILE")]
    kexec_kernel: Option<PathBuf>,
    /// Modules of --kernel [default: /lib/modules/<its version>]
    #[arg(long, value_name = "DIR")]
    modules: Option<PathBuf>,
    /// Guest memory.
    #[arg(long, default_value_t = 2048, value_name = "MIB")]
    memory: u32,
    /// Size of the target disk image (K, M, G suffixes).
    #[arg(long, default_value = "2G", value_name = "SIZE")]
    target_size: String,
    #[arg(long, value_enum, default_value = "auto")]
    accel: qemu::Accel,
    /// Seconds the guest may print nothing before it is killed.
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    silence_timeout: u64,
}

#[derive(Args)]
struct VerifyArgs {
    /// The target directory [default: build/chroot in the project]
    #[arg(long, value_name = "DIR")]
    target: Option<PathBuf>,
    /// Compare with another target instead of SHA256SUMS.pkgs.
    #[arg(long, value_name = "DIR")]
    against: Option<PathBuf>,
    /// Write the target's records to SHA256SUMS.pkgs (after checking the
    /// files on disk still match them).
    #[arg(long, conflicts_with = "against")]
    update: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
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

fn dispatch(cli: Cli) -> Result<ExitCode> {
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
        Command::Initramfs(a) => cmd_initramfs(&cli, a),
        Command::Run(a) => cmd_run(&cli, a),
        Command::Verify(a) => cmd_verify(&cli, a),
    }
}

/// Fetch (or with --offline, only check) `files`; Ok(distfiles dir) when all are there.
fn ensure_sources(
    config: &Config,
    a: &SourceArgs,
    files: &[project::Distfile],
    jobs: usize,
) -> Result<(PathBuf, fetch::Report)> {
    let distfiles = match a.distfiles.clone().or(config.distfiles.clone()) {
        Some(d) => d,
        None => default_distfiles()?,
    };
    let mut mirror_list = a.mirrors.clone();
    mirror_list.extend(config.mirrors.iter().cloned());
    for m in &mirror_list {
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
    if !a.offline && debian_mirrors.is_empty() && files.iter().any(|f| f.debian.is_some()) {
        eprintln!("fetch: warning: no Debian mirror known (use --debian-mirror or {}); Debian pool paths will not be tried", mirrors::DEBIAN_MIRROR_ENV);
    }
    let opts = fetch::Options {
        distfiles: distfiles.clone(),
        mirrors: mirror_list,
        debian_mirrors,
        offline: a.offline,
        jobs,
        retry: download::Retry {
            attempts: a.retries.max(1),
            base_delay: Duration::from_millis(a.retry_delay_ms),
        },
        stall_timeout: Duration::from_secs(a.stall_timeout.max(1)),
        bars: fetch::Options::stderr_is_terminal(),
    };
    let report = fetch::fetch(files, &opts)?;
    eprint!("{}", report.failure_text());
    Ok((distfiles, report))
}

fn cmd_fetch(cli: &Cli, a: &FetchArgs) -> Result<ExitCode> {
    let (project, config) = load(cli)?;
    // With --all nothing is known: every condition is "maybe".
    let values = if a.all {
        Default::default()
    } else {
        project.manifest.values(None, &config.options)
    };
    let files = project.distfiles(&values);
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

fn sources_or_fail(
    config: &Config,
    a: &SourceArgs,
    files: &[project::Distfile],
) -> Result<PathBuf> {
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

/// Build tcc-seed in `work/seed-<id>` unless that exists already.
fn seed_tree(
    project: &Project,
    distfiles: &Path,
    cc: &str,
    work: &Path,
) -> Result<(PathBuf, String)> {
    let id = seed::seed_id(project, cc)?;
    let out = work.join(format!("seed-{}", &id[..16]));
    if !out.join("bootstrap/seed/bin/tcc").is_file() {
        eprintln!("bootstrap: building tcc-seed with {cc}");
        let _ = std::fs::remove_dir_all(&out);
        seed::build(project, distfiles, cc, &work.join("seed-build"), &out)?;
    }
    Ok((out, id))
}

fn cmd_initramfs(cli: &Cli, a: &InitramfsArgs) -> Result<ExitCode> {
    let (project, config) = load(cli)?;
    let values = project.manifest.values(Some(&a.mode), &config.options);
    let steps = target::stage_steps(&project, "sysa", &values)?;
    let distfiles = sources_or_fail(&config, &a.src, &project.distfiles(&values))?;
    let runner = seed::runner_binary(&project, a.seed.runner.as_deref())?;
    let tmp = tempfile::Builder::new()
        .prefix("bootstrap-initramfs-")
        .tempdir()?;
    let work = tmp.path().join("work");
    let (seed_dir, _) = seed_tree(&project, &distfiles, &a.seed.seed_cc, &work)?;
    let root = tmp.path().join("root");
    let inputs = target::Inputs {
        project: &project,
        distfiles: &distfiles,
        runner: &runner,
        seed: &seed_dir,
        mode: &a.mode,
        jobs: 1,
        work: &work,
    };
    target::lay(&root, &inputs, &[("sysa", steps)])?;
    std::os::unix::fs::symlink("bootstrap/runner", root.join("init"))?;
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

/// `build/<mode>` in the project: where `run` puts a target and where
/// `verify` looks by default.
fn default_target(project_root: &Path, mode: &str) -> PathBuf {
    project_root.join("build").join(mode)
}

fn cmd_run(cli: &Cli, a: &RunArgs) -> Result<ExitCode> {
    if a.qemu {
        return cmd_run_qemu(cli, a);
    }
    if a.bare_metal {
        return cmd_run_bare_metal(cli, a);
    }
    if !nix::unistd::geteuid().is_root() {
        bail!("run --chroot needs root (mount namespace, mounts, chroot); run it with sudo");
    }
    let (project, config) = load(cli)?;
    let target_dir = a
        .target
        .clone()
        .unwrap_or_else(|| default_target(&project.root, "chroot"));
    let values = project.manifest.values(Some("chroot"), &config.options);
    // Chroot mode has no kernel to jump to: sysa, then sysc in the same root.
    let mut stages = Vec::new();
    for st in ["sysa", "sysc"] {
        let steps = target::stage_steps(&project, st, &values)?;
        if !steps.is_empty() {
            stages.push((st, steps));
        }
    }

    prepare_target_dir(&target_dir, a.fresh)?;
    let root = target_dir.canonicalize()?;
    let distfiles = sources_or_fail(&config, &a.src, &project.distfiles(&values))?;
    let work = target::host_work(&root);
    let (seed_dir, seed_id) = seed_tree(&project, &distfiles, &a.seed.seed_cc, &work)?;
    let marker = root.join(target::MARKER);
    match std::fs::read_to_string(&marker) {
        Ok(old) if target::marker_value(&old, "seed_id").as_deref() != Some(seed_id.as_str()) => bail!(
            "{} was started with another seed (seed compiler {}); resuming would mix two seeds. Use --fresh to start over",
            root.display(),
            target::marker_value(&old, "seed_cc").unwrap_or_default()
        ),
        Ok(_) => eprintln!("bootstrap: resuming the run in {}", root.display()),
        Err(_) => {
            std::fs::create_dir_all(root.join("bootstrap"))?;
            fsutil::write_atomic(&marker, target::marker("chroot", &a.seed.seed_cc, &seed_id).as_bytes())?;
        }
    }
    let runner = seed::runner_binary(&project, a.seed.runner.as_deref())?;
    let jobs = a.jobs.or(config.jobs).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let inputs = target::Inputs {
        project: &project,
        distfiles: &distfiles,
        runner: &runner,
        seed: &seed_dir,
        mode: "chroot",
        jobs,
        work: &work,
    };
    target::lay(&root, &inputs, &stages)?;

    run::install_interrupt_handler()?;
    let again = format!("bootstrap run --chroot --target {}", root.display());
    for (stage, _) in &stages {
        match run::stage_in_chroot(&root, stage)? {
            Outcome::Done => {}
            Outcome::Failed { what, log, detail } => {
                let where_ = log
                    .map(|l| format!("log: {}", l.display()))
                    .unwrap_or(detail);
                eprintln!("bootstrap: fix the step, then run `{again}` to resume from it");
                eprintln!("bootstrap: FAILED at {what} ({where_})");
                return Ok(ExitCode::FAILURE);
            }
            Outcome::Interrupted { step } => {
                eprintln!("bootstrap: run `{again}` to resume");
                eprintln!(
                    "bootstrap: INTERRUPTED at {} (logs: {})",
                    step.as_deref().unwrap_or(stage),
                    root.join("bootstrap/logs").display()
                );
                return Ok(ExitCode::from(130));
            }
            Outcome::Crashed { status, step } => {
                eprintln!("bootstrap: FAILED at {} (the runner ended with {status} without a final line; log: {})", step.as_deref().unwrap_or(stage), root.join("bootstrap/logs/console.log").display());
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    println!(
        "bootstrap: finished in {}; check it with `bootstrap verify --target {}`",
        root.display(),
        root.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What a VM (or a real machine) needs, built for `mode` into `root`.
struct Built {
    initrd: PathBuf,
    image: PathBuf,
    kernel: PathBuf,
    runner: PathBuf,
    cores: u32,
}

/// Build the seed initramfs (sysa + sysb, the kexec kernel, its modules)
/// and the disk image (sysc) into `root`; host-side work goes to `work`.
fn build_system(cli: &Cli, a: &RunArgs, mode: &str, root: &Path, work: &Path) -> Result<Built> {
    let (project, config) = load(cli)?;
    let values = project.manifest.values(Some(mode), &config.options);
    let stage = |s| target::stage_steps(&project, s, &values);
    // sysa and sysb travel in RAM (initramfs, then kexec); sysc is on the disk.
    let ram = vec![("sysa", stage("sysa")?), ("sysb", stage("sysb")?)];
    let on_disk = vec![("sysc", stage("sysc")?)];
    let size = qemu::parse_size(&a.vm.target_size)?;

    let distfiles = sources_or_fail(&config, &a.src, &project.distfiles(&values))?;
    let (seed_dir, seed_id) = seed_tree(&project, &distfiles, &a.seed.seed_cc, work)?;
    std::fs::create_dir_all(root.join("bootstrap"))?;
    fsutil::write_atomic(
        &root.join(target::MARKER),
        target::marker(mode, &a.seed.seed_cc, &seed_id).as_bytes(),
    )?;
    let runner = seed::runner_binary(&project, a.seed.runner.as_deref())?;
    let kernel = match &a.vm.kernel {
        Some(k) => k.clone(),
        None => qemu::default_kernel()?,
    };
    let kexec_kernel = a.vm.kexec_kernel.clone().unwrap_or_else(|| kernel.clone());
    let cores = a.jobs.unwrap_or(2).max(1) as u32;
    let inputs = target::Inputs {
        project: &project,
        distfiles: &distfiles,
        runner: &runner,
        seed: &seed_dir,
        mode,
        jobs: cores as usize,
        work,
    };

    let iroot = work.join("initramfs-root");
    fsutil::remove_any(&iroot)?;
    target::lay(&iroot, &inputs, &ram)?;
    std::fs::create_dir_all(iroot.join("bootstrap/kexec"))?;
    std::fs::copy(&kexec_kernel, iroot.join("bootstrap/kexec/kernel"))
        .with_context(|| kexec_kernel.display().to_string())?;
    std::fs::write(
        iroot.join("bootstrap/kexec/cmdline"),
        format!("{}\n", qemu::CMDLINE),
    )?;
    let optional = if mode == "bare-metal" {
        qemu::BARE_METAL_MODULES
    } else {
        &[]
    };
    let n = qemu::add_modules(
        &iroot,
        &kexec_kernel,
        if kexec_kernel == kernel {
            a.vm.modules.as_deref()
        } else {
            None
        },
        optional,
    )?;
    eprintln!(
        "bootstrap: {n} kernel modules for {}",
        kexec_kernel.display()
    );
    if kexec_kernel != kernel {
        qemu::add_modules(&iroot, &kernel, a.vm.modules.as_deref(), optional)?;
    }
    std::os::unix::fs::symlink("bootstrap/runner", iroot.join("init"))?;
    let initrd = root.join("initramfs.cpio.gz");
    initramfs::write(
        &iroot,
        &initramfs::standard_nodes(),
        0,
        initramfs::Compression::Gzip,
        &initrd,
    )?;

    let droot = work.join("disk-root");
    fsutil::remove_any(&droot)?;
    target::lay(&droot, &inputs, &on_disk)?;
    let image = root.join("disk.img");
    disk::build_image(
        &droot,
        &image,
        size,
        target::DISK_LABEL,
        target::DISK_UUID,
        0,
    )?;
    Ok(Built {
        initrd,
        image,
        kernel,
        runner,
        cores,
    })
}

fn cmd_run_bare_metal(cli: &Cli, a: &RunArgs) -> Result<ExitCode> {
    let out = a
        .output
        .as_ref()
        .context("--bare-metal needs --output DIR")?;
    prepare_target_dir(out, true)?;
    let root = out.canonicalize()?;
    let tmp = tempfile::Builder::new()
        .prefix("bootstrap-bare-metal-")
        .tempdir()?;
    let b = build_system(cli, a, "bare-metal", &root, tmp.path())?;
    let kernel_name = b
        .kernel
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    std::fs::copy(&b.kernel, root.join(&kernel_name))?;
    let readme = format!(
        "bootstrap for a real machine\n\n\
         - {kernel_name}: the kernel that boots sysa (and, kexec'd, sysb)\n\
         - initramfs.cpio.gz: the sysa seed (runner, tcc-seed, sources, plan, disk drivers)\n\
         - disk.img: the target disk, an MBR and one ext4 partition labelled {label}\n\n\
         1. Write disk.img to the disk that is to receive the system (all data on it is lost):\n\
         \x20  dd if=disk.img of=/dev/DISK bs=4M conv=fsync\n\
         2. Boot {kernel_name} with initramfs.cpio.gz from any boot loader, with this command line:\n\
         \x20  {cmdline} bootstrap.stage=sysa\n\
         \x20  (change console= to the machine's console; the runner writes its progress there).\n\
         3. sysa runs in RAM, kexecs into sysb, which finds the disk by its label {label} (not by\n\
         \x20  name), moves onto it and runs sysc. The last console line is `bootstrap: done` or\n\
         \x20  `bootstrap: FAILED at <step> (log: <path>)`; logs and records stay on the disk\n\
         \x20  under /bootstrap. The machine powers off at the end.\n",
        label = target::DISK_LABEL,
        cmdline = qemu::CMDLINE,
    );
    std::fs::write(root.join("README.txt"), readme)?;
    for f in [&b.initrd, &b.image] {
        println!("{}  {}", fsutil::sha256_file(f)?, f.display());
    }
    println!(
        "bootstrap: wrote {} (see README.txt there); the same inputs give the same bytes",
        root.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn cmd_run_qemu(cli: &Cli, a: &RunArgs) -> Result<ExitCode> {
    let target_dir = match &a.target {
        Some(t) => t.clone(),
        None => default_target(&project_root(cli)?, "qemu"),
    };
    // A QEMU run starts over: the disk image is rebuilt every time.
    prepare_target_dir(&target_dir, true)?;
    let root = target_dir.canonicalize()?;
    let work = target::host_work(&root);
    let Built {
        initrd,
        image,
        kernel,
        runner,
        cores,
    } = build_system(cli, a, "qemu", &root, &work)?;

    let accel = match a.vm.accel {
        qemu::Accel::Auto if qemu::kvm_works(qemu::QEMU, &kernel, &runner, &work)? => {
            qemu::Accel::Kvm
        }
        qemu::Accel::Auto => {
            eprintln!("bootstrap: KVM does not boot a guest here; using TCG");
            qemu::Accel::Tcg
        }
        other => other,
    };
    run::install_interrupt_handler()?;
    let vm = qemu::Vm {
        qemu: qemu::QEMU,
        kernel: &kernel,
        initrd: &initrd,
        disk: Some(&image),
        memory_mib: a.vm.memory,
        cores,
        accel,
        stage: "sysa",
    };
    let console_log = root.join("console.log");
    let w = console::supervise(
        vm.command(),
        &console_log,
        Duration::from_secs(a.vm.silence_timeout),
        &run::interrupted,
    )?;

    // The disk keeps what sysb and sysc wrote; copy it out for inspection and verify.
    let results = root.join("root");
    if let Err(e) = disk::extract_dir(&image, "/", &results) {
        eprintln!(
            "bootstrap: could not copy the results out of {}: {e:#}",
            image.display()
        );
    }
    let log_of = |detail: &str| match bootstrap::protocol::failed_log(detail) {
        Some(l) if results.join(l.trim_start_matches('/')).is_file() => results
            .join(l.trim_start_matches('/'))
            .display()
            .to_string(),
        Some(l) => format!("{l} in the guest; its end is in {}", console_log.display()),
        None => format!("{detail}; console: {}", console_log.display()),
    };
    match w.outcome {
        Some(console::Outcome::Done) => {
            println!(
                "bootstrap: finished; the disk is {} ({} kernel boots), results copied to {}",
                image.display(),
                w.boots,
                results.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(console::Outcome::Failed { what, detail }) => {
            eprintln!("bootstrap: FAILED at {what} (log: {})", log_of(&detail));
            Ok(ExitCode::FAILURE)
        }
        Some(console::Outcome::Silent { after, tail }) => {
            eprintln!(
                "bootstrap: the guest printed nothing for {}s; its last lines:",
                after.as_secs()
            );
            for l in tail {
                eprintln!("  {l}");
            }
            eprintln!(
                "bootstrap: FAILED at {} (guest hung; console: {})",
                w.current.as_deref().unwrap_or("boot"),
                console_log.display()
            );
            Ok(ExitCode::FAILURE)
        }
        Some(console::Outcome::Exited { status, tail }) => {
            for l in tail {
                eprintln!("  {l}");
            }
            eprintln!(
                "bootstrap: FAILED at {} (QEMU {status} without a final line; console: {})",
                w.current.as_deref().unwrap_or("boot"),
                console_log.display()
            );
            Ok(ExitCode::FAILURE)
        }
        Some(console::Outcome::Interrupted { step }) => {
            eprintln!(
                "bootstrap: INTERRUPTED at {} (console: {})",
                step.as_deref().unwrap_or("boot"),
                console_log.display()
            );
            Ok(ExitCode::from(130))
        }
        _ => unreachable!("supervise always sets an outcome"),
    }
}

/// Create the target, or clear it for --fresh (only if it is ours).
fn prepare_target_dir(dir: &Path, fresh: bool) -> Result<()> {
    if fresh && dir.exists() {
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if !empty && !dir.join(target::MARKER).is_file() {
            bail!(
                "{} is not empty and holds no {}: refusing to delete it for --fresh",
                dir.display(),
                target::MARKER
            );
        }
        let canon = dir.canonicalize()?;
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        if mounts
            .lines()
            .filter_map(|l| l.split(' ').nth(1))
            .any(|m| Path::new(m).starts_with(&canon))
        {
            bail!(
                "something is mounted below {}; unmount it before --fresh",
                canon.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

fn cmd_verify(cli: &Cli, a: &VerifyArgs) -> Result<ExitCode> {
    let root = project_root(cli)?;
    let target_dir = a
        .target
        .clone()
        .unwrap_or_else(|| default_target(&root, "chroot"));
    let actual = verify::Records::from_target(&target_dir)?;
    let mut diffs = verify::check_installed(&target_dir, &actual)?;
    let (label, expected) = match &a.against {
        Some(other) => {
            let theirs = verify::Records::from_target(other)?;
            diffs.extend(verify::check_installed(other, &theirs)?);
            ("other", theirs)
        }
        None => {
            let p = root.join("SHA256SUMS.pkgs");
            let text = if a.update {
                String::new()
            } else {
                std::fs::read_to_string(&p).with_context(|| p.display().to_string())?
            };
            ("expected", verify::Records::parse(&text, &p)?)
        }
    };
    if a.update {
        if !diffs.is_empty() {
            eprint!("{}", verify::render_differences(&diffs, "recorded"));
            bail!("the target's files no longer match its own records; not updating");
        }
        fsutil::write_atomic(&root.join("SHA256SUMS.pkgs"), actual.render().as_bytes())?;
        println!(
            "verify: wrote SHA256SUMS.pkgs: {} steps, {} files",
            actual.steps.len(),
            actual.file_count()
        );
        return Ok(ExitCode::SUCCESS);
    }
    diffs.extend(verify::compare(&expected, &actual));
    if diffs.is_empty() {
        println!(
            "verify: identical: {} steps, {} files compared",
            actual.steps.len(),
            actual.file_count()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        print!("{}", verify::render_differences(&diffs, label));
        println!(
            "verify: {} difference{} found",
            diffs.len(),
            if diffs.len() == 1 { "" } else { "s" }
        );
        Ok(ExitCode::FAILURE)
    }
}
