//! Leaving the current system for the next stage, as PID 1:
//!
//! - `kexec`: everything this system holds (built files, logs, records, the
//!   completed-steps state, later stages' plans) is packed into a newc
//!   archive that becomes the next kernel's initramfs, so nothing is lost in
//!   the reboot. The kernel is `/bootstrap/kexec/kernel`, its command line
//!   `/bootstrap/kexec/cmdline` plus `bootstrap.stage=<next>`.
//! - `switch_root`: the ext4 partition whose LABEL matches is found through
//!   /sys/class/block (never by device name), mounted, and this root is
//!   copied onto it; /proc, /sys, /dev and /tmp move along, the disk becomes
//!   `/`, and the disk's `/bootstrap/runner --stage <next>` replaces us.

use crate::error::{Context, Error, Result};
use crate::record;
use nix::mount::{mount, MsFlags};
use std::ffi::CString;
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Paths (relative to /) that are not part of the system being carried on:
/// kernel filesystems, scratch space, and the kexec kernel itself.
fn transient(rel: &Path) -> bool {
    let s = rel.as_os_str().to_str().unwrap_or("");
    matches!(
        s,
        "proc"
            | "sys"
            | "dev"
            | "tmp"
            | "newroot"
            | "bootstrap/build"
            | "bootstrap/dest"
            | "bootstrap/kexec/kernel"
    )
}

pub fn kexec(next: &str) -> Result<()> {
    let kernel_path = "/bootstrap/kexec/kernel";
    let kernel = File::open(kernel_path).context(|| format!("opening {kernel_path}"))?;
    let base = fs::read_to_string("/bootstrap/kexec/cmdline")
        .context(|| "reading /bootstrap/kexec/cmdline".to_string())?;
    let words: Vec<&str> = base
        .split_whitespace()
        .filter(|w| !w.starts_with("bootstrap.stage="))
        .collect();
    let cmdline = CString::new(format!("{} bootstrap.stage={next}", words.join(" ")))
        .map_err(|_| Error::new("kexec command line contains NUL"))?;

    let entries = record::scan_filtered(Path::new("/"), &transient)?;
    let initrd_path = "/tmp/bootstrap-next.cpio";
    {
        let f = File::create(initrd_path).context(|| format!("creating {initrd_path}"))?;
        let mut w = BufWriter::new(f);
        crate::newc::write(Path::new("/"), &entries, &mut w)?;
        w.flush().context(|| format!("writing {initrd_path}"))?;
    }
    let initrd = File::open(initrd_path).context(|| format!("opening {initrd_path}"))?;
    println!(
        "bootstrap: kexec: {} entries ({} bytes) go to the next kernel, cmdline: {}",
        entries.len(),
        initrd.metadata().map(|m| m.len()).unwrap_or(0),
        cmdline.to_string_lossy()
    );
    // SAFETY: plain syscall with valid descriptors and a NUL-terminated
    // string that lives until it returns.
    let r = unsafe {
        nix::libc::syscall(
            nix::libc::SYS_kexec_file_load,
            kernel.as_raw_fd(),
            initrd.as_raw_fd(),
            cmdline.as_bytes_with_nul().len(),
            cmdline.as_ptr(),
            0,
        )
    };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error(format!("kexec_file_load of {kernel_path}: {e} (is CONFIG_KEXEC_FILE set, and the image unsigned-loadable?)")));
    }
    nix::unistd::sync();
    let Err(e) = nix::sys::reboot::reboot(nix::sys::reboot::RebootMode::RB_KEXEC);
    Err(Error(format!("reboot into the loaded kernel: {e}")))
}

/// ext4 superblock at 1024: magic 0xEF53 at 0x38, volume name at 0x78.
pub fn ext4_label(dev: &Path) -> Option<String> {
    let mut f = File::open(dev).ok()?;
    let mut buf = [0u8; 2048];
    f.read_exact(&mut buf).ok()?;
    let sb = &buf[1024..];
    if u16::from_le_bytes([sb[0x38], sb[0x39]]) != 0xEF53 {
        return None;
    }
    let name = &sb[0x78..0x88];
    let end = name.iter().position(|&b| b == 0).unwrap_or(16);
    Some(String::from_utf8_lossy(&name[..end]).to_string())
}

/// The block device carrying an ext4 filesystem labelled `label`, waiting up
/// to `wait` for drivers to probe it.
pub fn find_by_label(label: &str, wait: Duration) -> Result<PathBuf> {
    let start = Instant::now();
    loop {
        let mut names: Vec<String> = fs::read_dir("/sys/class/block")
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let mut found = Vec::new();
        for n in &names {
            let dev = Path::new("/dev").join(n);
            if ext4_label(&dev).as_deref() == Some(label) {
                found.push(dev);
            }
        }
        match found.len() {
            1 => return Ok(found.remove(0)),
            0 if start.elapsed() < wait => std::thread::sleep(Duration::from_millis(200)),
            0 => {
                return Err(Error(format!(
                    "no ext4 filesystem labelled {label} after {}s; block devices: {}",
                    wait.as_secs(),
                    if names.is_empty() {
                        "none (is the disk driver loaded?)".to_string()
                    } else {
                        names.join(" ")
                    }
                )))
            }
            _ => {
                return Err(Error(format!(
                    "more than one filesystem labelled {label}: {found:?}"
                )))
            }
        }
    }
}

pub fn switch_root(next: &str, label: &str) -> Result<()> {
    let dev = find_by_label(label, Duration::from_secs(30))?;
    println!("bootstrap: switch_root: {label} is {}", dev.display());
    let newroot = Path::new("/newroot");
    fs::create_dir_all(newroot).context(|| "creating /newroot".to_string())?;
    mount(
        Some(&dev),
        newroot,
        Some("ext4"),
        MsFlags::empty(),
        None::<&str>,
    )
    .map_err(|e| Error(format!("mounting {} on /newroot: {e}", dev.display())))?;

    // Carry this system (sysa's results, the state and logs) onto the disk,
    // which already holds what the later stages need.
    let entries = record::scan_filtered(Path::new("/"), &transient)?;
    record::install(Path::new("/"), newroot, &entries)?;
    for d in ["proc", "sys", "dev", "tmp"] {
        fs::create_dir_all(newroot.join(d)).context(|| format!("creating /newroot/{d}"))?;
    }
    nix::unistd::sync();
    println!(
        "bootstrap: switch_root: copied {} entries onto the disk",
        entries.len()
    );

    for d in ["/proc", "/sys", "/dev", "/tmp"] {
        let to = newroot.join(&d[1..]);
        mount(Some(d), &to, None::<&str>, MsFlags::MS_MOVE, None::<&str>)
            .map_err(|e| Error(format!("moving {d}: {e}")))?;
    }
    nix::unistd::chdir(newroot).map_err(|e| Error(format!("chdir /newroot: {e}")))?;
    mount(Some("."), "/", None::<&str>, MsFlags::MS_MOVE, None::<&str>)
        .map_err(|e| Error(format!("moving the disk to /: {e}")))?;
    nix::unistd::chroot(".").map_err(|e| Error(format!("chroot: {e}")))?;
    nix::unistd::chdir("/").map_err(|e| Error(format!("chdir /: {e}")))?;
    let e = Command::new("/bootstrap/runner")
        .args(["--stage", next])
        .exec();
    Err(Error(format!("exec /bootstrap/runner on the disk: {e}")))
}

/// Load the kernel modules the host listed for the running kernel
/// (`/bootstrap/modules/<release>/order`, dependencies first). A kernel with
/// the drivers built in has no such list.
pub fn load_modules() {
    let Ok(uts) = nix::sys::utsname::uname() else {
        return;
    };
    let release = uts.release().to_string_lossy().to_string();
    let dir = Path::new("/bootstrap/modules").join(&release);
    let Ok(order) = fs::read_to_string(dir.join("order")) else {
        return;
    };
    let (mut n, mut already) = (0, 0);
    for m in order.lines().filter(|l| !l.trim().is_empty()) {
        let path = dir.join(m);
        let r = File::open(&path).map_err(|e| e.to_string()).and_then(|f| {
            nix::kmod::finit_module(&f, c"", nix::kmod::ModuleInitFlags::empty())
                .map_err(|e| e.to_string())
        });
        match r {
            Ok(()) => n += 1,
            Err(e) if e.contains("EEXIST") => already += 1,
            Err(e) => eprintln!("bootstrap-runner: loading module {}: {e}", path.display()),
        }
    }
    println!("bootstrap: loaded {n} kernel modules for {release} ({already} already loaded)");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_paths() {
        for p in ["proc", "tmp", "bootstrap/build", "bootstrap/kexec/kernel"] {
            assert!(transient(Path::new(p)), "{p}");
        }
        for p in [
            "usr",
            "bootstrap",
            "bootstrap/state",
            "bootstrap/kexec/cmdline",
            "procfoo",
        ] {
            assert!(!transient(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn reads_ext4_labels() {
        let d = std::env::temp_dir().join(format!("runner-sb-{}", std::process::id()));
        let mut img = vec![0u8; 4096];
        img[1024 + 0x38..1024 + 0x3A].copy_from_slice(&0xEF53u16.to_le_bytes());
        img[1024 + 0x78..1024 + 0x78 + 9].copy_from_slice(b"BOOTSTRAP");
        fs::write(&d, &img).unwrap();
        assert_eq!(ext4_label(&d).as_deref(), Some("BOOTSTRAP"));
        img[1024 + 0x38] = 0;
        fs::write(&d, &img).unwrap();
        assert_eq!(ext4_label(&d), None);
        fs::remove_file(&d).unwrap();
    }
}
