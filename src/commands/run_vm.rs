//! `bootstrap run --qemu` and `run --bare-metal`: the seed initramfs (sysa
//! and sysb, the kexec kernel, its modules) and the disk image (sysc), then
//! either booted in QEMU and supervised, or written out with instructions
//! for a real machine.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use bootstrap::guest::supervise::{self, Outcome};
use bootstrap::guest::{interrupt, qemu};
use bootstrap::image::step_cache::{self, Keyed, StepCache};
use bootstrap::image::target::{self, Marker};
use bootstrap::image::{bootimg, disk, initramfs, kmod, shadow};
use bootstrap::model::condition::Values;
use bootstrap::model::manifest::Step;
use bootstrap::model::project::Project;
use bootstrap::model::stages::{self, Mode, Place};
use bootstrap::seed;
use bootstrap::seed::gcc::GccSeed;
use bootstrap::util::{cache_dir, fsutil, in_root};
use bootstrap_contract::{paths, protocol};

use super::run::RunArgs;
use super::{report, report_timings, sources_or_fail, Global, Report};

/// What a VM (or a real machine) needs.
struct Built {
    initrd: PathBuf,
    image: PathBuf,
    kernel: PathBuf,
    runner: PathBuf,
    cores: u32,
    /// The first kernel's command line.
    append: String,
}

/// What a run knows before it lays anything: the project, the seeds, the
/// kernels.
struct Prepared {
    project: Project,
    values: Values,
    mode: Mode,
    distfiles: PathBuf,
    seed_dir: PathBuf,
    seed_id: String,
    runner: PathBuf,
    /// The kernel QEMU (or the boot loader) starts.
    kernel: PathBuf,
    /// The host's kernel laid for sysa to kexec into, if any.
    kexec_kernel: Option<PathBuf>,
    /// The guest path of the kernel a step builds, when sysa's jump names it.
    built_kernel: Option<String>,
    cores: u32,
    gcc_seed: Option<GccSeed>,
    size: u64,
    /// The kernels' command line, without the stage.
    cmdline: String,
}

impl Prepared {
    fn placed(&self, place: Place) -> Result<Vec<(&'static str, Vec<&Step>)>> {
        stages::placed(&self.project, self.mode, place, &self.values)
    }

    fn inputs<'a>(&'a self, work: &'a Path) -> target::Inputs<'a> {
        target::Inputs {
            project: &self.project,
            distfiles: &self.distfiles,
            runner: &self.runner,
            seed: &self.seed_dir,
            gcc_seed: self.gcc_seed.as_ref().map(|s| s.root.as_path()),
            mode: self.mode,
            jobs: self.cores as usize,
            work,
        }
    }

    /// Every step's key, the RAM stages' first (in the order they run).
    fn keyed(&self) -> Result<Vec<Keyed>> {
        let mut all = self.placed(Place::Ram)?;
        all.extend(self.placed(Place::Disk)?);
        let gcc_id = self.gcc_seed.as_ref().map(|s| s.id.as_str());
        step_cache::keys(&self.project, &all, &self.seed_id, gcc_id, &self.runner)
    }

    /// `modules` for the host kernel `k` when it is the one given with
    /// --kernel (--modules belongs to that one).
    fn own_modules<'a>(&self, a: &'a RunArgs, k: &Path) -> Option<&'a Path> {
        (*k == self.kernel)
            .then_some(a.vm.modules.as_deref())
            .flatten()
    }

    /// Whether `root` has completed every step of the RAM stages (the
    /// switch_root carried them onto its disk).
    fn ram_done(&self, root: &Path) -> Result<bool> {
        let done = target::completed(root)?;
        Ok(self.placed(Place::Ram)?.iter().all(|(st, steps)| {
            steps
                .iter()
                .all(|s| done.contains(&(st.to_string(), s.name.clone())))
        }))
    }

    fn optional_modules(&self) -> &'static [&'static str] {
        match self.mode {
            Mode::BareMetal => kmod::BARE_METAL_MODULES,
            _ => &[],
        }
    }
}

fn prepare(g: &Global, a: &RunArgs, mode: Mode, work: &Path) -> Result<Prepared> {
    let (project, config) = g.load()?;
    let values = project
        .manifest
        .values(Some(mode.as_str()), &config.options);
    let size = disk::parse_size(&a.vm.target_size)?;
    // Before the long part: the disk image's tools (e2fsprogs, GRUB, FAT).
    disk::check_tools()?;
    let distfiles = sources_or_fail(&config, &a.src, &project.distfiles(&values))?;
    let (seed_dir, seed_id) = seed::cached(&project, &distfiles, &a.seed.seed_cc, work)?;
    let runner = seed::runner::runner_binary(&project, a.seed.runner.as_deref())?;
    let kernel = match &a.vm.kernel {
        Some(k) => k.clone(),
        None => qemu::default_kernel()?,
    };
    // The kernel sysa kexecs into: the one a step builds, when the jump
    // names it (`kernel = ...` in parts.toml), unless --kexec-kernel says
    // otherwise; else the host's (--kexec-kernel, or --kernel again).
    let built_kernel = stages::placed(&project, mode, Place::Ram, &values)?
        .iter()
        .flat_map(|(_, steps)| steps)
        .find_map(|s| s.kernel.clone());
    let kexec_kernel = match (&a.vm.kexec_kernel, &built_kernel) {
        (Some(k), _) => Some(k.clone()),
        (None, Some(_)) => None,
        (None, None) => Some(kernel.clone()),
    };
    let cores = a.jobs(&config) as u32;
    let gcc_seed = super::gcc_seed_if_used(&project, &values, &distfiles, &a.seed, cores as usize)?;
    let cmdline = match mode {
        Mode::BareMetal => bare_metal_cmdline(&a.console),
        _ => qemu::CMDLINE.to_string(),
    };
    Ok(Prepared {
        cmdline,
        project,
        values,
        mode,
        distfiles,
        seed_dir,
        seed_id,
        runner,
        kernel,
        kexec_kernel,
        built_kernel,
        cores,
        gcc_seed,
        size,
    })
}

/// Build the seed initramfs and the disk image into `root`, from nothing
/// but the step cache; host-side work goes to `work`.
fn fresh_system(
    p: &Prepared,
    a: &RunArgs,
    keyed: &[Keyed],
    root: &Path,
    work: &Path,
) -> Result<Built> {
    let ram = p.placed(Place::Ram)?;
    let on_disk = p.placed(Place::Disk)?;
    let inputs = p.inputs(work);
    let planned = step_cache::planned_file(keyed);

    let iroot = work.join("initramfs-root");
    let droot = work.join("disk-root");
    fsutil::remove_any(&iroot)?;
    fsutil::remove_any(&droot)?;
    // The steps that the cache holds (from a chroot run, or a QEMU run whose
    // disk kept them) go into the seed or onto the disk as done; the
    // switch_root keeps the disk's state lines. Never for bare metal:
    // building on the machine itself is the point there.
    if p.mode == Mode::Qemu && !a.no_cache {
        let cache = StepCache::open(a.cache.as_deref())?;
        let in_ram = keyed
            .iter()
            .take_while(|k| ram.iter().any(|(st, _)| *st == k.stage))
            .count();
        super::restore_from_cache(&cache, &iroot, &keyed[..in_ram])?;
        super::restore_from_cache(&cache, &droot, &keyed[in_ram..])?;
    }
    target::lay(&iroot, &inputs, &ram)?;
    fsutil::write_atomic(&in_root(&iroot, step_cache::PLANNED), planned.as_bytes())?;
    let kexec_to = in_root(&iroot, paths::KEXEC_KERNEL);
    std::fs::create_dir_all(kexec_to.parent().expect("a directory"))?;
    if let Some(k) = &p.kexec_kernel {
        std::fs::copy(k, &kexec_to).with_context(|| k.display().to_string())?;
    }
    std::fs::write(
        in_root(&iroot, paths::KEXEC_CMDLINE),
        format!("{}\n", p.cmdline),
    )?;
    if let Some(k) = &p.kexec_kernel {
        let n = kmod::add_modules(&iroot, k, p.own_modules(a, k), p.optional_modules())?;
        eprintln!("bootstrap: {n} kernel modules for {}", k.display());
    } else if let Some(b) = &p.built_kernel {
        // Built with everything it needs to reach the disk: no modules.
        eprintln!("bootstrap: sysa kexecs into the kernel it builds, {b}");
    }
    if p.kexec_kernel.as_ref() != Some(&p.kernel) {
        kmod::add_modules(
            &iroot,
            &p.kernel,
            a.vm.modules.as_deref(),
            p.optional_modules(),
        )?;
    }
    let initrd = root.join("initramfs.cpio.gz");
    initramfs::write_runner_initrd(&iroot, &initrd)?;

    target::lay(&droot, &inputs, &on_disk)?;
    fsutil::write_atomic(&in_root(&droot, step_cache::PLANNED), planned.as_bytes())?;
    // The password is kept beside disk.img, where `boot --exec` finds it.
    // Bare metal's two files are published and rebuilt byte for byte: no
    // generated password (nobody would see it) and no random salt; only a
    // --root-password-file's password, hashed reproducibly.
    let laid = match p.mode {
        Mode::BareMetal => lay_bare_metal_password(p, a, &droot)?,
        _ => lay_password(p, a, root, &droot)?,
    };
    let private: &[&str] = match laid {
        true => &["/etc/shadow"],
        false => &[],
    };
    let image = root.join("disk.img");
    disk::build_image(
        &droot,
        &image,
        p.size,
        target::DISK_LABEL,
        target::DISK_UUID,
        0,
        disk::Modes::Fixed { private },
    )?;
    Ok(Built {
        initrd,
        image,
        kernel: p.kernel.clone(),
        runner: p.runner.clone(),
        cores: p.cores,
        append: format!(
            "{} {}",
            p.cmdline,
            protocol::stage_param(protocol::DEFAULT_STAGE)
        ),
    })
}

fn lay_password(p: &Prepared, a: &RunArgs, root: &Path, droot: &Path) -> Result<bool> {
    super::root_password(
        &p.project,
        &p.values,
        a.root_password_file.as_deref(),
        &root.join(shadow::PASSWORD_FILE),
        droot,
    )
}

fn lay_bare_metal_password(p: &Prepared, a: &RunArgs, droot: &Path) -> Result<bool> {
    let Some(file) = &a.root_password_file else {
        return Ok(false);
    };
    if !p.project.sets_root_password(&p.values) {
        return Ok(false);
    }
    let pw = shadow::read_password(file)
        .with_context(|| format!("the root password ({})", file.display()))?;
    shadow::lay_reproducible(droot, &pw, target::DISK_UUID)
}

/// Where a QEMU run whose disk is kept goes on.
enum Resume {
    /// From this disk stage: every step in RAM is done, with today's inputs.
    Stage(&'static str),
    /// Every step is done.
    Finished,
}

/// Whether the last run's disk, copied out to `droot`, can go on: only
/// once the RAM stages are all done there (they reached the disk with the
/// switch_root) and none of them has changed since. Otherwise `None`, and
/// why on stderr.
fn resume_point(p: &Prepared, droot: &Path, keyed: &[Keyed]) -> Result<Option<Resume>> {
    if !p.ram_done(droot)? {
        eprintln!(
            "bootstrap: the last run stopped before its disk stage; starting over \
             (steps in the step cache are restored)"
        );
        return Ok(None);
    }
    step_cache::note_planned(droot)?;
    let ram = p.placed(Place::Ram)?;
    let in_ram: BTreeSet<String> = ram
        .iter()
        .flat_map(|(st, steps)| steps.iter().map(move |s| format!("{st}/{}", s.name)))
        .collect();
    let stale = step_cache::stale(droot, keyed)?;
    let (stale_ram, stale_disk): (Vec<String>, Vec<String>) =
        stale.into_iter().partition(|s| in_ram.contains(s));
    if !stale_ram.is_empty() {
        eprintln!(
            "bootstrap: changed since the last run built them: {}; starting over \
             (the steps before them come from the step cache)",
            stale_ram.join(", ")
        );
        return Ok(None);
    }
    if !stale_disk.is_empty() {
        eprintln!(
            "bootstrap: warning: changed since they were built, kept as they are by this resume: {} (--fresh rebuilds)",
            stale_disk.join(", ")
        );
    }
    let done = target::completed(droot)?;
    let next = p.placed(Place::Disk)?.into_iter().find(|(st, steps)| {
        steps
            .iter()
            .any(|s| !done.contains(&(st.to_string(), s.name.clone())))
    });
    Ok(Some(match next {
        Some((stage, _)) => Resume::Stage(stage),
        None => Resume::Finished,
    }))
}

/// The system of a run going on from its disk at `stage`: the disk (copied
/// out to `droot`) with today's plan for its stages laid over it, and an
/// initramfs holding only the runner (and the host kernel's modules, when
/// that kernel boots), told to resume from the disk.
fn resumed_system(
    p: &Prepared,
    a: &RunArgs,
    keyed: &[Keyed],
    root: &Path,
    work: &Path,
    droot: &Path,
    stage: &str,
) -> Result<Built> {
    let inputs = p.inputs(work);
    target::lay(droot, &inputs, &p.placed(Place::Disk)?)?;
    fsutil::write_atomic(
        &in_root(droot, step_cache::PLANNED),
        step_cache::planned_file(keyed).as_bytes(),
    )?;
    lay_password(p, a, root, droot)?;
    let image = root.join("disk.img");
    // The tree keeps what the guest made of its modes (the private ones
    // too); mke2fs makes lost+found anew.
    disk::build_image(
        droot,
        &image,
        p.size,
        target::DISK_LABEL,
        target::DISK_UUID,
        0,
        disk::Modes::FromTree {
            skip: &["/lost+found"],
        },
    )?;

    // sysb's kernel: the one sysa built (on the disk now), else the host's.
    let kernel = match (&p.kexec_kernel, &p.built_kernel) {
        (Some(k), _) => k.clone(),
        (None, Some(b)) => in_root(droot, b),
        (None, None) => p.kernel.clone(),
    };
    if !kernel.is_file() {
        bail!(
            "{} is not on the disk: cannot go on from it; --fresh starts over",
            kernel.display()
        );
    }
    let iroot = work.join("initramfs-root");
    target::lay_runner_only(&iroot, &p.runner)?;
    if p.kexec_kernel.is_some() || p.built_kernel.is_none() {
        let n = kmod::add_modules(
            &iroot,
            &kernel,
            p.own_modules(a, &kernel),
            p.optional_modules(),
        )?;
        eprintln!("bootstrap: {n} kernel modules for {}", kernel.display());
    }
    let initrd = root.join("initramfs.cpio.gz");
    initramfs::write_runner_initrd(&iroot, &initrd)?;
    Ok(Built {
        initrd,
        image,
        kernel,
        runner: p.runner.clone(),
        cores: p.cores,
        append: format!(
            "{} {} {}",
            p.cmdline,
            protocol::stage_param(stage),
            protocol::resume_param(target::DISK_LABEL)
        ),
    })
}

pub fn bare_metal(g: &Global, a: &RunArgs) -> Result<ExitCode> {
    let out = a
        .output
        .as_ref()
        .context("--bare-metal needs --output DIR")?;
    // Before the long part: the boot image's tools.
    bootimg::check_tools()?;
    let _lock = target::take(out, true)?;
    let root = out.canonicalize()?;
    let tmp = tempfile::Builder::new()
        .prefix("bootstrap-bare-metal-")
        .tempdir()?;
    let p = prepare(g, a, Mode::BareMetal, tmp.path())?;
    marker(&p, a).write(&root)?;
    let b = fresh_system(&p, a, &p.keyed()?, &root, tmp.path())?;
    let kernel_name = b
        .kernel
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    std::fs::copy(&b.kernel, root.join(&kernel_name))?;
    let boot = root.join("boot.img");
    bootimg::build(
        &bootimg::Contents {
            kernel: &b.kernel,
            initrd: &b.initrd,
            cmdline: &b.append,
        },
        &boot,
    )?;
    std::fs::write(
        root.join("README.txt"),
        bare_metal_readme(&kernel_name, &b.append, a.root_password_file.is_some()),
    )?;
    for f in [&boot, &b.initrd, &b.image] {
        println!("{}  {}", fsutil::sha256_file(f)?, f.display());
    }
    println!(
        "bootstrap: wrote {} (see README.txt there); the same inputs give the same bytes",
        root.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The command line of a real machine's kernels: progress on `console`
/// (the last `console=` is /dev/console), kernel messages on the screen or
/// the first serial port too.
fn bare_metal_cmdline(console: &str) -> String {
    let other = match console.starts_with("ttyS") {
        true => "tty0",
        false => "ttyS0,115200",
    };
    format!("console={other} console={console} panic=-1 loglevel=4 rdinit=/init")
}

/// How to boot what `--bare-metal` wrote.
fn bare_metal_readme(kernel_name: &str, cmdline: &str, password: bool) -> String {
    let password = match password {
        true => "root logs in with the password of --root-password-file.\n",
        false => {
            "No root password is set (no --root-password-file was given, and these files are\n\
             rebuilt byte for byte): run again with one, or before booting the finished disk set\n\
             one, e.g. with `passwd` in a chroot of it.\n"
        }
    };
    format!(
        "bootstrap for a real machine\n\n\
         - boot.img: a USB stick's image; boots on legacy BIOS and UEFI machines alike\n\
         \x20 (GRUB loads the kernel and the seed below with the command line below)\n\
         - {kernel_name}: the kernel that boots sysa (and, kexec'd, sysb)\n\
         - initramfs.cpio.gz: the sysa seed (runner, tcc-seed, sources, plan, disk drivers)\n\
         - disk.img: the target disk: an ext4 partition labelled {label}, an EFI system\n\
         \x20 partition and GRUB, which boots the finished system from this disk on its own\n\n\
         1. Write disk.img to the disk that is to receive the system (all data on it is lost):\n\
         \x20  bootstrap write disk.img /dev/DISK   (--force: an internal disk is not removable)\n\
         2. Write boot.img to a USB stick and boot the machine from it:\n\
         \x20  bootstrap write boot.img /dev/STICK\n\
         \x20  (or boot {kernel_name} with initramfs.cpio.gz from any boot loader), with:\n\
         \x20  {cmdline}\n\
         \x20  The runner writes its progress to the last console=; to change it, edit\n\
         \x20  /boot/grub/grub.cfg on the stick or run again with --console.\n\
         3. sysa runs in RAM, kexecs into sysb, which finds the disk by its label {label} (not by\n\
         \x20  name), moves onto it and runs sysc. The last console line is `bootstrap: done` or\n\
         \x20  `bootstrap: FAILED at <step> (log: <path>)`; logs and records stay on the disk\n\
         \x20  under /bootstrap. The machine powers off at the end.\n\
         4. Remove the USB stick and start the machine: the firmware (BIOS or UEFI) boots the\n\
         \x20  finished system from the disk, with the kernel sysa built.\n\
         {password}",
        label = target::DISK_LABEL,
    )
}

/// KVM if it boots a guest here, else TCG. The probe costs a short boot
/// (up to 20 s where KVM hangs), so its verdict is remembered per host
/// kernel, QEMU version and guest kernel; `--accel` skips all this.
fn auto_accel(b: &Built, work: &Path) -> Result<qemu::Accel> {
    let verdicts = qemu::KvmVerdicts {
        file: cache_dir()?.join("kvm-verdicts"),
    };
    let key = qemu::kvm_key(qemu::QEMU, &b.kernel)?;
    if let Some(known) = verdicts.get(&key) {
        eprintln!(
            "bootstrap: using {} (the KVM verdict remembered in {}; --accel overrides)",
            if known == qemu::Accel::Kvm {
                "KVM"
            } else {
                "TCG"
            },
            verdicts.file.display()
        );
        return Ok(known);
    }
    let accel = if qemu::kvm_works(qemu::QEMU, &b.kernel, &b.runner, work)? {
        qemu::Accel::Kvm
    } else {
        eprintln!("bootstrap: KVM does not boot a guest here; using TCG");
        qemu::Accel::Tcg
    };
    if let Err(e) = verdicts.put(&key, accel) {
        eprintln!("bootstrap: warning: could not remember the KVM verdict: {e:#}");
    }
    Ok(accel)
}

fn marker(p: &Prepared, a: &RunArgs) -> Marker {
    Marker {
        mode: p.mode.as_str().into(),
        seed_cc: a.seed.seed_cc.clone(),
        seed_id: p.seed_id.clone(),
    }
}

pub fn qemu(g: &Global, a: &RunArgs) -> Result<ExitCode> {
    let target_dir = match &a.target {
        Some(t) => t.clone(),
        None => target::default_dir(&g.project_root()?, Mode::Qemu),
    };
    let _lock = target::take(&target_dir, a.fresh)?;
    let root = target_dir.canonicalize()?;
    let work = target::host_work(&root);
    let old = Marker::read(&root)?;
    if let Some(m) = old.as_ref().filter(|m| m.mode != Mode::Qemu.as_str()) {
        bail!(
            "{} holds a {} run, not a QEMU one; give another --target, or add --fresh to empty it",
            root.display(),
            m.mode
        );
    }
    let p = prepare(g, a, Mode::Qemu, &work)?;
    let keyed = p.keyed()?;
    let image = root.join("disk.img");
    let droot = work.join("disk-root");
    // A kept disk goes on from where its run stopped, when it can.
    let resume = match old.is_some() && image.is_file() {
        true => match disk::extract_dir(&image, "/", &droot) {
            Ok(()) => resume_point(&p, &droot, &keyed)?,
            Err(e) => {
                eprintln!("bootstrap: cannot read the last run's disk ({e:#}); starting over");
                None
            }
        },
        false => None,
    };
    marker(&p, a).write(&root)?;
    let b = match resume {
        Some(Resume::Finished) => {
            println!(
                "bootstrap: every step of the run in {} is done (--fresh starts over)",
                root.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Some(Resume::Stage(stage)) => {
            eprintln!(
                "bootstrap: resuming the run in {} at {stage}, from its disk",
                root.display()
            );
            resumed_system(&p, a, &keyed, &root, &work, &droot, stage)?
        }
        None => fresh_system(&p, a, &keyed, &root, &work)?,
    };

    let accel = match a.vm.accel {
        qemu::Accel::Auto => auto_accel(&b, &work)?,
        other => other,
    };
    interrupt::install_handler()?;
    let vm = qemu::Vm {
        qemu: qemu::QEMU,
        boot: qemu::Boot::Kernel {
            kernel: &b.kernel,
            initrd: Some(&b.initrd),
            append: b.append.clone(),
        },
        disk: Some(&b.image),
        memory_mib: a.vm.memory,
        cores: b.cores,
        accel,
        net: false,
        console: qemu::Console::Stdio,
    };
    let console = root.join("console.log");
    let opts = supervise::Options {
        log: &console,
        silence: Duration::from_secs(a.silence_timeout),
        interrupted: &interrupt::interrupted,
        sweep_orphans: false,
        on_ok: None,
    };
    let w = supervise::supervise(vm.command(), &opts)?;
    report_timings(&w.timings, &root.join("timing.json"));

    // The disk keeps what sysb and sysc wrote; copy it out for inspection
    // and verify, and cache the steps it shows done.
    let results = root.join("root");
    let copied = disk::extract_dir(&b.image, "/", &results);
    match &copied {
        Ok(()) if !a.no_cache => store_in_cache(a, &results, &keyed),
        Ok(()) => {}
        Err(e) => eprintln!(
            "bootstrap: could not copy the results out of {}: {e:#}",
            b.image.display()
        ),
    }
    if w.outcome == Outcome::Done {
        println!(
            "bootstrap: finished; the disk is {} ({} kernel boots), results copied to {}",
            b.image.display(),
            w.boots,
            results.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let host_log = |guest: &str| {
        let p = in_root(&results, guest);
        p.is_file().then_some(p)
    };
    // Once the RAM stages are on the disk the next run goes on from there;
    // before that it starts over (restoring what the step cache has).
    let on_disk = copied.is_ok() && p.ram_done(&results).unwrap_or(false);
    let kernel_arg = match &a.vm.kernel {
        Some(k) => format!(" --kernel {}", k.display()),
        None => String::new(),
    };
    Ok(report(
        &w,
        &Report {
            resume: on_disk.then(|| {
                format!(
                    "bootstrap run --qemu --target {}{kernel_arg}",
                    root.display()
                )
            }),
            console: &console,
            logs: format!("console: {}", console.display()),
            host_log: &host_log,
        },
    ))
}

/// Cache every step the disk copied out to `results` shows done with the
/// inputs it was planned with (a later step may have replaced the files of
/// some: those are left out). A cache that fails only warns.
fn store_in_cache(a: &RunArgs, results: &Path, keyed: &[Keyed]) {
    let r = StepCache::open(a.cache.as_deref()).and_then(|c| {
        step_cache::note_planned(results)?;
        Ok((c.store_completed(results, keyed)?, c.dir))
    });
    match r {
        Ok((0, _)) => {}
        Ok((n, dir)) => eprintln!(
            "bootstrap: {n} step{} stored in the step cache {}",
            if n == 1 { "" } else { "s" },
            dir.display()
        ),
        Err(e) => eprintln!("bootstrap: warning: step cache: {e:#}"),
    }
}
