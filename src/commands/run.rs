//! `bootstrap run`: its arguments, and the choice between a chroot run
//! (`run_chroot`) and a machine run (`run_vm`: QEMU or bare metal).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use bootstrap::guest::qemu;
use bootstrap::model::config::Config;

use super::{run_chroot, run_vm, Global, SeedArgs, SourceArgs};

#[derive(Args)]
#[group(id = "mode", required = true, args = ["chroot", "qemu", "bare_metal"])]
pub struct RunArgs {
    /// Run sysa then sysc in a chroot on this machine (as root, or as an
    /// ordinary user in a user namespace).
    #[arg(long)]
    pub chroot: bool,
    /// Boot sysa in QEMU, kexec into sysb, switch_root onto the disk, run sysc.
    #[arg(long)]
    pub qemu: bool,
    /// Write the seed initramfs, the kernel and the disk image for a real
    /// machine into --output DIR, with instructions.
    #[arg(long, requires = "output")]
    pub bare_metal: bool,
    /// Where --bare-metal writes its files.
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// With --bare-metal: the console the bootstrap's progress goes to
    /// (the last `console=`; kernel messages go to the other one too),
    /// e.g. ttyS0,115200 for a serial line.
    #[arg(
        long,
        value_name = "DEV",
        default_value = "tty0",
        requires = "bare_metal"
    )]
    pub console: String,
    /// The target directory [default: build/chroot or build/qemu in the project]
    #[arg(long, value_name = "DIR")]
    pub target: Option<PathBuf>,
    /// Delete the target's previous run and start over (default: resume).
    #[arg(long)]
    pub fresh: bool,
    /// Cores the build steps may use (exported to steps as JOBS) and, with
    /// --qemu, the VM's CPUs [default: the settings file, else all cores]
    #[arg(short = 'j', long = "cores", value_name = "N")]
    pub jobs: Option<usize>,
    /// Build every step for real: restore nothing from the step cache and
    /// store nothing in it.
    #[arg(long)]
    pub no_cache: bool,
    /// The step cache [default: $XDG_CACHE_HOME/bootstrap/steps]
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache: Option<PathBuf>,
    /// Seconds the guest may print nothing before it is stopped.
    #[arg(long, default_value_t = 1800, value_name = "SECS")]
    pub silence_timeout: u64,
    /// The finished system's root password, from the first line of FILE
    /// [default: the one kept in the target, else a new one, printed once
    /// and kept there (mode 0600); --bare-metal: none, as its published
    /// files are rebuilt byte for byte]
    #[arg(long, value_name = "FILE")]
    pub root_password_file: Option<PathBuf>,
    #[command(flatten)]
    pub seed: SeedArgs,
    #[command(flatten)]
    pub src: SourceArgs,
    #[command(flatten)]
    pub vm: VmArgs,
}

#[derive(Args)]
pub struct VmArgs {
    /// Kernel that boots sysa [default: the newest /boot/vmlinuz-*]
    #[arg(long, value_name = "FILE")]
    pub kernel: Option<PathBuf>,
    /// Kernel sysa kexecs into for sysb, instead of the one sysa builds
    /// [default: sysa's kernel, or --kernel if sysa builds none]
    #[arg(long, value_name = "FILE")]
    pub kexec_kernel: Option<PathBuf>,
    /// Modules of --kernel [default: /lib/modules/<its version>]
    #[arg(long, value_name = "DIR")]
    pub modules: Option<PathBuf>,
    /// Guest memory. sysa runs in RAM, whose root filesystem may take half
    /// of it: the kernel step's unpacked tree and objects need about 2 GiB.
    #[arg(long, default_value_t = 6144, value_name = "MIB")]
    pub memory: u32,
    /// Size of the target disk image (K, M, G suffixes).
    #[arg(long, default_value = "2G", value_name = "SIZE")]
    pub target_size: String,
    #[arg(long, value_enum, default_value = "auto")]
    pub accel: qemu::Accel,
}

impl RunArgs {
    /// Cores for the build steps (JOBS) and the VM: `-j`, else the settings
    /// file, else every core of this machine.
    pub fn jobs(&self, config: &Config) -> usize {
        self.jobs
            .or(config.jobs)
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            })
            .max(1)
    }
}

pub fn run(g: &Global, a: &RunArgs) -> Result<ExitCode> {
    if a.qemu {
        run_vm::qemu(g, a)
    } else if a.bare_metal {
        run_vm::bare_metal(g, a)
    } else {
        run_chroot::run(g, a)
    }
}
