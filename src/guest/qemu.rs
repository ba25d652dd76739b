//! `run --qemu`: the three systems for real. sysa boots from the seed
//! initramfs under QEMU, kexecs into the sysb kernel with its whole root as
//! the next initramfs, sysb finds the target disk by label and switch_roots
//! onto it, and sysc runs from the disk. The host builds the initramfs
//! (sysa + sysb, the kexec kernel, kernel modules) and the disk image (sysc's
//! plan, recipes, sources and distfiles), starts QEMU with the serial
//! console on stdout, and supervises it (`supervise`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};
use bootstrap_contract::{paths, plan, protocol};

use crate::guest::supervise::{self, Outcome};
use crate::image::{initramfs, target};
use crate::util::{fsutil, in_root};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Accel {
    /// Probe KVM with a short test boot, fall back to TCG.
    Auto,
    Kvm,
    Tcg,
}

/// Kernel command line of every boot; the runner adds bootstrap.stage=.
pub const CMDLINE: &str = "console=ttyS0 panic=-1 loglevel=4 rdinit=/init";
pub const QEMU: &str = "qemu-system-x86_64";
/// The newest /boot/vmlinuz-* when no --kernel is given.
pub fn default_kernel() -> Result<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("/boot")
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("vmlinuz-"))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    v.pop().context("no /boot/vmlinuz-* on this machine; pass --kernel FILE (e.g. after apt-get install linux-image-cloud-amd64)")
}

/// How the serial console meets the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    /// The console alone on stdin/stdout (a supervised or driven guest).
    Stdio,
    /// The console and QEMU's monitor share the terminal (Ctrl-A X quits):
    /// a person at the keyboard.
    Interactive,
}

/// What the machine starts.
#[derive(Debug, Clone)]
pub enum Boot<'a> {
    /// QEMU loads the kernel (and initramfs) itself.
    Kernel {
        kernel: &'a Path,
        initrd: Option<&'a Path>,
        /// The kernel command line (`run_cmdline` for the runner's stages).
        append: String,
    },
    /// The firmware boots the disk's own boot loader: QEMU's SeaBIOS, or
    /// the given firmware image (OVMF for UEFI).
    Firmware(Option<&'a Path>),
}

pub struct Vm<'a> {
    pub qemu: &'a str,
    pub boot: Boot<'a>,
    pub disk: Option<&'a Path>,
    pub memory_mib: u32,
    pub cores: u32,
    pub accel: Accel,
    /// QEMU's user network on a virtio NIC (the finished system's DHCP).
    pub net: bool,
    pub console: Console,
}

/// The command line of a boot into the runner's `stage`.
pub fn run_cmdline(stage: &str) -> String {
    format!("{CMDLINE} {}", protocol::stage_param(stage))
}

impl Vm<'_> {
    pub fn command(&self) -> Command {
        let mut c = Command::new(self.qemu);
        c.args([
            "-accel",
            if self.accel == Accel::Kvm {
                "kvm"
            } else {
                "tcg"
            },
        ])
        .args([
            "-m",
            &self.memory_mib.to_string(),
            "-smp",
            &self.cores.to_string(),
        ])
        .args(["-display", "none"]);
        match self.console {
            Console::Stdio => c.args(["-monitor", "none", "-serial", "stdio"]),
            Console::Interactive => c.args(["-serial", "mon:stdio"]),
        };
        c.arg("-no-reboot");
        match &self.boot {
            Boot::Kernel {
                kernel,
                initrd,
                append,
            } => {
                c.arg("-kernel").arg(kernel);
                if let Some(i) = initrd {
                    c.arg("-initrd").arg(i);
                }
                c.args(["-append", append]);
            }
            Boot::Firmware(Some(f)) => {
                c.arg("-bios").arg(f);
            }
            Boot::Firmware(None) => {}
        }
        if let Some(d) = self.disk {
            c.arg("-drive")
                .arg(format!("file={},format=raw,if=virtio", d.display()));
        }
        if self.net {
            c.args(["-nic", "user,model=virtio-net-pci"]);
        }
        c
    }
}

/// What decides whether KVM works here: the host's kernel, QEMU's version
/// and the guest kernel. A verdict is kept per key (see `KvmVerdicts`).
pub fn kvm_key(qemu: &str, kernel: &Path) -> Result<String> {
    let uts = nix::sys::utsname::uname()?;
    let version = Command::new(qemu)
        .arg("--version")
        .output()
        .with_context(|| format!("running {qemu} --version"))?;
    let text = format!(
        "host {} {}\nqemu {}\nguest kernel {}\n",
        uts.release().to_string_lossy(),
        uts.version().to_string_lossy(),
        String::from_utf8_lossy(&version.stdout).trim(),
        fsutil::sha256_file(kernel).with_context(|| kernel.display().to_string())?
    );
    Ok(fsutil::sha256_reader(text.as_bytes())?)
}

/// Remembered KVM probe results, one `<key> kvm|tcg` line each, so that a
/// host where KVM hangs pays the probe once, not on every run.
pub struct KvmVerdicts {
    pub file: PathBuf,
}

impl KvmVerdicts {
    pub fn get(&self, key: &str) -> Option<Accel> {
        let text = std::fs::read_to_string(&self.file).ok()?;
        text.lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| if v == "kvm" { Accel::Kvm } else { Accel::Tcg })
            .next_back()
    }

    pub fn put(&self, key: &str, accel: Accel) -> Result<()> {
        let mut text = std::fs::read_to_string(&self.file).unwrap_or_default();
        let word = if accel == Accel::Kvm { "kvm" } else { "tcg" };
        text.push_str(&format!("{key} {word}\n"));
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        Ok(fsutil::write_atomic(&self.file, text.as_bytes())?)
    }
}

/// Does KVM boot a guest here? A short boot of `kernel` with a probe
/// initramfs (the runner and an empty stage) must print `bootstrap: done`.
pub fn kvm_works(qemu: &str, kernel: &Path, runner: &Path, work: &Path) -> Result<bool> {
    if std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_err()
    {
        return Ok(false);
    }
    let root = work.join("probe-root");
    let _ = fsutil::remove_any(&root);
    std::fs::create_dir_all(in_root(&root, paths::PLAN))?;
    std::fs::copy(runner, in_root(&root, paths::RUNNER))?;
    std::fs::write(
        in_root(&root, &paths::steps("probe")),
        plan::render_steps(&[])?,
    )?;
    std::fs::write(in_root(&root, &paths::env("probe")), plan::render_env(&[])?)?;
    target::link_init(&root)?;
    eprintln!("bootstrap: probing KVM with a short test boot (at most 20s)");
    let initrd = work.join("probe.cpio");
    initramfs::write(
        &root,
        &initramfs::standard_nodes(),
        0,
        initramfs::Compression::None,
        &initrd,
    )?;
    let vm = Vm {
        qemu,
        boot: Boot::Kernel {
            kernel,
            initrd: Some(&initrd),
            append: run_cmdline("probe"),
        },
        disk: None,
        memory_mib: 512,
        cores: 1,
        accel: Accel::Kvm,
        net: false,
        console: Console::Stdio,
    };
    let opts = supervise::Options {
        log: &work.join("kvm-probe.log"),
        silence: Duration::from_secs(20),
        interrupted: &|| false,
        sweep_orphans: false,
        on_ok: None,
    };
    let w = supervise::supervise(vm.command(), &opts)?;
    Ok(w.outcome == Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kvm_verdicts_are_kept_per_key_and_the_last_one_counts() {
        let t = tempfile::tempdir().unwrap();
        let v = KvmVerdicts {
            file: t.path().join("cache/kvm-verdicts"),
        };
        assert_eq!(v.get("k1"), None);
        v.put("k1", Accel::Tcg).unwrap();
        v.put("k2", Accel::Kvm).unwrap();
        assert_eq!(v.get("k1"), Some(Accel::Tcg));
        assert_eq!(v.get("k2"), Some(Accel::Kvm));
        v.put("k1", Accel::Kvm).unwrap();
        assert_eq!(v.get("k1"), Some(Accel::Kvm));
    }

    #[test]
    fn command_line() {
        let vm = Vm {
            qemu: "qemu-system-x86_64",
            boot: Boot::Kernel {
                kernel: Path::new("/k"),
                initrd: Some(Path::new("/i")),
                append: run_cmdline("sysa"),
            },
            disk: Some(Path::new("/t/disk.img")),
            memory_mib: 2048,
            cores: 2,
            accel: Accel::Tcg,
            net: false,
            console: Console::Stdio,
        };
        let args: Vec<String> = vm
            .command()
            .get_args()
            .map(|a| a.to_string_lossy().to_string())
            .collect();
        let s = args.join(" ");
        assert!(s.starts_with("-accel tcg -m 2048 -smp 2 "), "{s}");
        assert!(s.contains("-serial stdio -no-reboot"), "{s}");
        assert!(
            s.contains(
                "-append console=ttyS0 panic=-1 loglevel=4 rdinit=/init bootstrap.stage=sysa"
            ),
            "{s}"
        );
        assert!(
            s.ends_with("-drive file=/t/disk.img,format=raw,if=virtio"),
            "{s}"
        );
        assert!(!s.contains("-nic"), "no network for the bootstrap: {s}");
        // `boot`: no initramfs, a network, the monitor on the terminal.
        let args = |vm: &Vm| {
            vm.command()
                .get_args()
                .map(|a| a.to_string_lossy().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let k = Vm {
            boot: Boot::Kernel {
                kernel: Path::new("/k"),
                initrd: None,
                append: "root=x".into(),
            },
            net: true,
            console: Console::Interactive,
            ..vm
        };
        let s = args(&k);
        assert!(
            !s.contains("-initrd") && !s.contains("-monitor none"),
            "{s}"
        );
        assert!(
            s.contains("-serial mon:stdio -no-reboot -kernel /k -append root=x"),
            "{s}"
        );
        assert!(s.ends_with("-nic user,model=virtio-net-pci"), "{s}");
        // Through the firmware: no kernel, OVMF when given.
        let f = Vm {
            boot: Boot::Firmware(None),
            ..k
        };
        let s = args(&f);
        assert!(!s.contains("-kernel") && !s.contains("-bios"), "{s}");
        let u = Vm {
            boot: Boot::Firmware(Some(Path::new("/ovmf.fd"))),
            ..f
        };
        assert!(
            args(&u).contains("-no-reboot -bios /ovmf.fd -drive"),
            "{}",
            args(&u)
        );
    }
}
