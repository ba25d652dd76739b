//! `run --qemu`: the three systems for real. sysa boots from the seed
//! initramfs under QEMU, kexecs into the sysb kernel with its whole root as
//! the next initramfs, sysb finds the target disk by label and switch_roots
//! onto it, and sysc runs from the disk. The host builds the initramfs
//! (sysa + sysb, the kexec kernel, kernel modules) and the disk image (sysc's
//! plan, recipes, sources and distfiles), starts QEMU with the serial
//! console on stdout, and supervises it (`console::supervise`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::console::{self, Outcome};
use crate::{fsutil, initramfs, kmod};

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
/// Disk controllers of real machines, for `--bare-metal` (SATA, SCSI disks,
/// NVMe, USB sticks behind xHCI/EHCI).
pub const BARE_METAL_MODULES: &[&str] = &[
    "ahci",
    "sd_mod",
    "nvme",
    "xhci_pci",
    "ehci_pci",
    "usb_storage",
    "uas",
];

/// "2G", "512M", "1048576" → bytes.
pub fn parse_size(s: &str) -> Result<u64> {
    let s = s.trim();
    let (num, mul) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&s[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&s[..i], 1 << 30),
        Some((i, 'T' | 't')) => (&s[..i], 1 << 40),
        _ => (s, 1),
    };
    let n: u64 = num
        .parse()
        .with_context(|| format!("size '{s}': expected a number with an optional K, M, G or T"))?;
    n.checked_mul(mul)
        .with_context(|| format!("size '{s}' is too large"))
}

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

/// Copy `kernel`'s modules (the closure of kmod::WANTED) into
/// `root/bootstrap/modules/<release>/` with an `order` file for the runner.
pub fn add_modules(
    root: &Path,
    kernel: &Path,
    modules_dir: Option<&Path>,
    optional: &[&str],
) -> Result<usize> {
    let image = std::fs::read(kernel).with_context(|| kernel.display().to_string())?;
    let release = kmod::bzimage_release(&image).with_context(|| kernel.display().to_string())?;
    if modules_dir.is_none() && !Path::new("/lib/modules").join(&release).is_dir() {
        // A kernel built for this job usually has the drivers built in and
        // no modules installed here; if not, sysb will say it found no disk.
        eprintln!("bootstrap: warning: no /lib/modules/{release}; assuming {} has virtio and ext4 built in (else pass --modules DIR)", kernel.display());
        return Ok(0);
    }
    let index = kmod::Index::load(&match modules_dir {
        Some(d) => d.to_path_buf(),
        None => Path::new("/lib/modules").join(&release),
    })?;
    let list = index.resolve(kmod::WANTED)?;
    // ext4 needs a crc32c implementation through the crypto API, a soft
    // dependency that modules.dep does not list.
    let mut extra = index.resolve(&["crc32c_generic"]).unwrap_or_default();
    // Drivers a real machine's disk may need; each only if this kernel has it.
    for m in optional {
        if let Ok(more) = index.resolve(&[m]) {
            extra.extend(more);
        }
    }
    let dir = &index.dir;
    let dest = root.join("bootstrap/modules").join(&release);
    std::fs::create_dir_all(&dest)?;
    let mut order = String::new();
    for m in extra.iter().chain(list.iter()) {
        if order.lines().any(|l| l == m) {
            continue;
        }
        let to = dest.join(m);
        std::fs::create_dir_all(to.parent().unwrap_or(&dest))?;
        if m.ends_with(".ko") {
            std::fs::copy(dir.join(m), &to).with_context(|| format!("copying module {m}"))?;
        } else {
            bail!("module {m} is compressed; this kernel's modules would need decompressing first");
        }
        order.push_str(m);
        order.push('\n');
    }
    fsutil::write_atomic(&dest.join("order"), order.as_bytes())?;
    Ok(order.lines().count())
}

pub struct Vm<'a> {
    pub qemu: &'a str,
    pub kernel: &'a Path,
    pub initrd: &'a Path,
    pub disk: Option<&'a Path>,
    pub memory_mib: u32,
    pub cores: u32,
    pub accel: Accel,
    pub stage: &'a str,
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
        .args([
            "-display",
            "none",
            "-monitor",
            "none",
            "-serial",
            "stdio",
            "-no-reboot",
        ])
        .arg("-kernel")
        .arg(self.kernel)
        .arg("-initrd")
        .arg(self.initrd)
        .args([
            "-append",
            &format!("{CMDLINE} bootstrap.stage={}", self.stage),
        ]);
        if let Some(d) = self.disk {
            c.arg("-drive")
                .arg(format!("file={},format=raw,if=virtio", d.display()));
        }
        c
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
    std::fs::create_dir_all(root.join("bootstrap/plan"))?;
    std::fs::copy(runner, root.join("bootstrap/runner"))?;
    std::fs::write(
        root.join("bootstrap/plan/probe.steps"),
        "bootstrap-steps 1\n",
    )?;
    std::fs::write(root.join("bootstrap/plan/probe.env"), "")?;
    std::os::unix::fs::symlink("bootstrap/runner", root.join("init"))?;
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
        kernel,
        initrd: &initrd,
        disk: None,
        memory_mib: 512,
        cores: 1,
        accel: Accel::Kvm,
        stage: "probe",
    };
    let w = console::supervise(
        vm.command(),
        &work.join("kvm-probe.log"),
        Duration::from_secs(20),
        &|| false,
    )?;
    Ok(w.outcome == Some(Outcome::Done))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2G").unwrap(), 2 << 30);
        assert_eq!(parse_size("512m").unwrap(), 512 << 20);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn command_line() {
        let vm = Vm {
            qemu: "qemu-system-x86_64",
            kernel: Path::new("/k"),
            initrd: Path::new("/i"),
            disk: Some(Path::new("/t/disk.img")),
            memory_mib: 2048,
            cores: 2,
            accel: Accel::Tcg,
            stage: "sysa",
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
    }
}
