//! `bootstrap run --qemu` and `run --bare-metal`: the seed initramfs (sysa
//! and sysb, the kexec kernel, its modules) and the disk image (sysc), then
//! either booted in QEMU and supervised, or written out with instructions
//! for a real machine.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};

use bootstrap::guest::supervise::{self, Outcome};
use bootstrap::guest::{interrupt, qemu};
use bootstrap::image::step_cache::{self, StepCache};
use bootstrap::image::target::{self, Marker};
use bootstrap::image::{disk, initramfs, kmod, shadow};
use bootstrap::model::stages::{self, Mode, Place};
use bootstrap::seed;
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
}

/// Build the seed initramfs and the disk image for `mode` into `root`;
/// host-side work goes to `work`.
fn build_system(g: &Global, a: &RunArgs, mode: Mode, root: &Path, work: &Path) -> Result<Built> {
    let (project, config) = g.load()?;
    let values = project
        .manifest
        .values(Some(mode.as_str()), &config.options);
    let ram = stages::placed(&project, mode, Place::Ram, &values)?;
    let on_disk = stages::placed(&project, mode, Place::Disk, &values)?;
    let size = disk::parse_size(&a.vm.target_size)?;

    let distfiles = sources_or_fail(&config, &a.src, &project.distfiles(&values))?;
    let (seed_dir, seed_id) = seed::cached(&project, &distfiles, &a.seed.seed_cc, work)?;
    Marker {
        mode: mode.as_str().into(),
        seed_cc: a.seed.seed_cc.clone(),
        seed_id: seed_id.clone(),
    }
    .write(root)?;
    let runner = seed::runner::runner_binary(&project, a.seed.runner.as_deref())?;
    let kernel = match &a.vm.kernel {
        Some(k) => k.clone(),
        None => qemu::default_kernel()?,
    };
    // The kernel sysa kexecs into: the one a step builds, when the jump
    // names it (`kernel = ...` in parts.toml), unless --kexec-kernel says
    // otherwise; else the host's (--kexec-kernel, or --kernel again).
    let built_kernel = ram
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
    let gcc_root = gcc_seed.as_ref().map(|s| s.root());
    let gcc_id = gcc_seed.as_ref().map(|s| s.id.as_str());
    let inputs = target::Inputs {
        project: &project,
        distfiles: &distfiles,
        runner: &runner,
        seed: &seed_dir,
        gcc_seed: gcc_root.as_deref(),
        mode,
        jobs: cores as usize,
        work,
    };

    let iroot = work.join("initramfs-root");
    fsutil::remove_any(&iroot)?;
    // The steps in RAM that a chroot run has cached go into the seed as
    // done (QEMU runs restore from the cache but do not fill it yet: their
    // results are on the guest's disk). Never for bare metal: building on
    // the machine itself is the point there.
    if mode == Mode::Qemu && !a.no_cache {
        let cache = StepCache::open(a.cache.as_deref())?;
        let keyed = step_cache::keys(&project, &ram, &seed_id, gcc_id, &runner)?;
        super::restore_from_cache(&cache, &iroot, &keyed)?;
    }
    target::lay(&iroot, &inputs, &ram)?;
    let kexec_to = in_root(&iroot, paths::KEXEC_KERNEL);
    std::fs::create_dir_all(kexec_to.parent().expect("a directory"))?;
    if let Some(k) = &kexec_kernel {
        std::fs::copy(k, &kexec_to).with_context(|| k.display().to_string())?;
    }
    std::fs::write(
        in_root(&iroot, paths::KEXEC_CMDLINE),
        format!("{}\n", qemu::CMDLINE),
    )?;
    let optional = if mode == Mode::BareMetal {
        kmod::BARE_METAL_MODULES
    } else {
        &[]
    };
    let own_modules = |k: &Path| {
        if *k == kernel {
            a.vm.modules.as_deref()
        } else {
            None
        }
    };
    if let Some(k) = &kexec_kernel {
        let n = kmod::add_modules(&iroot, k, own_modules(k), optional)?;
        eprintln!("bootstrap: {n} kernel modules for {}", k.display());
    } else if let Some(b) = &built_kernel {
        // Built with everything it needs to reach the disk: no modules.
        eprintln!("bootstrap: sysa kexecs into the kernel it builds, {b}");
    }
    if kexec_kernel.as_ref() != Some(&kernel) {
        kmod::add_modules(&iroot, &kernel, a.vm.modules.as_deref(), optional)?;
    }
    let initrd = root.join("initramfs.cpio.gz");
    initramfs::write_runner_initrd(&iroot, &initrd)?;

    let droot = work.join("disk-root");
    fsutil::remove_any(&droot)?;
    target::lay(&droot, &inputs, &on_disk)?;
    // The password is kept beside disk.img, where `boot --exec` finds it.
    // Not for bare metal: those two files are published and rebuilt
    // byte for byte, which a secret (or its freshly salted hash) would end.
    let private: &[&str] = match mode == Mode::Qemu
        && super::root_password(
            &project,
            &values,
            a.root_password_file.as_deref(),
            &root.join(shadow::PASSWORD_FILE),
            &droot,
        )? {
        true => &["/etc/shadow"],
        false => &[],
    };
    let modes = disk::Modes::Fixed { private };
    let image = root.join("disk.img");
    disk::build_image(
        &droot,
        &image,
        size,
        target::DISK_LABEL,
        target::DISK_UUID,
        0,
        modes,
    )?;
    Ok(Built {
        initrd,
        image,
        kernel,
        runner,
        cores,
    })
}

pub fn bare_metal(g: &Global, a: &RunArgs) -> Result<ExitCode> {
    let out = a
        .output
        .as_ref()
        .context("--bare-metal needs --output DIR")?;
    let _lock = target::take(out, true)?;
    let root = out.canonicalize()?;
    let tmp = tempfile::Builder::new()
        .prefix("bootstrap-bare-metal-")
        .tempdir()?;
    let b = build_system(g, a, Mode::BareMetal, &root, tmp.path())?;
    let kernel_name = b
        .kernel
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    std::fs::copy(&b.kernel, root.join(&kernel_name))?;
    std::fs::write(root.join("README.txt"), bare_metal_readme(&kernel_name))?;
    for f in [&b.initrd, &b.image] {
        println!("{}  {}", fsutil::sha256_file(f)?, f.display());
    }
    println!(
        "bootstrap: wrote {} (see README.txt there); the same inputs give the same bytes",
        root.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// How to boot what `--bare-metal` wrote.
fn bare_metal_readme(kernel_name: &str) -> String {
    format!(
        "bootstrap for a real machine\n\n\
         - {kernel_name}: the kernel that boots sysa (and, kexec'd, sysb)\n\
         - initramfs.cpio.gz: the sysa seed (runner, tcc-seed, sources, plan, disk drivers)\n\
         - disk.img: the target disk, an MBR and one ext4 partition labelled {label}\n\n\
         1. Write disk.img to the disk that is to receive the system (all data on it is lost):\n\
         \x20  dd if=disk.img of=/dev/DISK bs=4M conv=fsync\n\
         2. Boot {kernel_name} with initramfs.cpio.gz from any boot loader, with this command line:\n\
         \x20  {cmdline} {stage}\n\
         \x20  (change console= to the machine's console; the runner writes its progress there).\n\
         3. sysa runs in RAM, kexecs into sysb, which finds the disk by its label {label} (not by\n\
         \x20  name), moves onto it and runs sysc. The last console line is `bootstrap: done` or\n\
         \x20  `bootstrap: FAILED at <step> (log: <path>)`; logs and records stay on the disk\n\
         \x20  under /bootstrap. The machine powers off at the end.\n",
        label = target::DISK_LABEL,
        cmdline = qemu::CMDLINE,
        stage = protocol::stage_param(protocol::DEFAULT_STAGE),
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

pub fn qemu(g: &Global, a: &RunArgs) -> Result<ExitCode> {
    let target_dir = match &a.target {
        Some(t) => t.clone(),
        None => target::default_dir(&g.project_root()?, Mode::Qemu),
    };
    // A QEMU run starts over: the disk image is rebuilt every time.
    let _lock = target::take(&target_dir, true)?;
    let root = target_dir.canonicalize()?;
    let work = target::host_work(&root);
    let b = build_system(g, a, Mode::Qemu, &root, &work)?;

    let accel = match a.vm.accel {
        qemu::Accel::Auto => auto_accel(&b, &work)?,
        other => other,
    };
    interrupt::install_handler()?;
    let vm = qemu::Vm {
        qemu: qemu::QEMU,
        kernel: &b.kernel,
        initrd: Some(&b.initrd),
        disk: Some(&b.image),
        memory_mib: a.vm.memory,
        cores: b.cores,
        accel,
        append: qemu::run_cmdline("sysa"),
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

    // The disk keeps what sysb and sysc wrote; copy it out for inspection and verify.
    let results = root.join("root");
    if let Err(e) = disk::extract_dir(&b.image, "/", &results) {
        eprintln!(
            "bootstrap: could not copy the results out of {}: {e:#}",
            b.image.display()
        );
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
    Ok(report(
        &w,
        &Report {
            // A QEMU run starts over (see above): nothing to resume yet.
            resume: None,
            console: &console,
            logs: format!("console: {}", console.display()),
            host_log: &host_log,
        },
    ))
}
