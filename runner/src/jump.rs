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
//!
//! Both sequences, and module loading, are planned as `Op`s (`*_plan`) and
//! applied through `pid1::sys`, so their order is unit tested.

use crate::error::{Context, Error, Result};
use crate::pid1::sys::{self, Linux, Op, Sys};
use crate::record;
use nix::errno::Errno;
use nix::mount::MsFlags;
use nix::sys::reboot::RebootMode;
use std::ffi::CString;
use std::fs::{self, File};
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bootstrap_contract::paths::{self, KEXEC_CMDLINE, KEXEC_KERNEL};
use bootstrap_contract::protocol;

const KEXEC_INITRD: &str = "/tmp/bootstrap-next.cpio";
const NEWROOT: &str = "/newroot";
/// Kernel filesystems and scratch space that move along in a switch_root.
const MOVED: [&str; 4] = ["proc", "sys", "dev", "tmp"];

/// Paths (relative to /) that are not part of the system being carried on:
/// kernel filesystems, scratch space, and the kexec kernel itself.
fn transient(rel: &Path) -> bool {
    let s = rel.as_os_str().to_str().unwrap_or("");
    matches!(s, "proc" | "sys" | "dev" | "tmp" | "newroot")
        || [paths::BUILD, paths::DEST, KEXEC_KERNEL]
            .iter()
            .any(|p| paths::relative(p) == s)
}

/// The next kernel's command line: the base one without any stage, plus
/// `bootstrap.stage=<next>`.
fn kexec_cmdline(base: &str, next: &str) -> Result<CString> {
    let words: Vec<&str> = base
        .split_whitespace()
        .filter(|w| !w.starts_with(protocol::STAGE_PARAM))
        .collect();
    CString::new(format!(
        "{} {}",
        words.join(" "),
        protocol::stage_param(next)
    ))
    .map_err(|_| Error::new("kexec command line contains NUL"))
}

/// Pack the root, load it with `kernel`, reboot into it.
pub fn kexec_plan(kernel: &Path, cmdline: CString) -> Vec<Op> {
    vec![
        Op::PackRoot {
            root: "/".into(),
            archive: KEXEC_INITRD.into(),
        },
        Op::KexecLoad {
            kernel: kernel.into(),
            initrd: KEXEC_INITRD.into(),
            cmdline,
        },
        Op::Sync,
        Op::Reboot(RebootMode::RB_KEXEC),
    ]
}

/// The kernel to boot: the one the host laid (its kernel, or the user's
/// `--kexec-kernel`) wins; else the one the stage built, if the plan names
/// it. `exists` is the file test, a parameter for the unit test.
pub fn kexec_kernel(built: Option<&str>, exists: &dyn Fn(&Path) -> bool) -> Result<PathBuf> {
    let laid = Path::new(KEXEC_KERNEL);
    if exists(laid) {
        return Ok(laid.into());
    }
    match built {
        Some(k) if exists(Path::new(k)) => Ok(k.into()),
        Some(k) => Err(Error(format!(
            "no kernel to kexec: {k} does not exist (no step of this stage built it) and the host laid none at {KEXEC_KERNEL} (--kexec-kernel)"
        ))),
        None => Err(Error(format!(
            "no kernel to kexec: the host laid none at {KEXEC_KERNEL}"
        ))),
    }
}

pub fn kexec(next: &str, built: Option<&str>) -> Result<()> {
    // Before packing the whole root: is there a kernel to boot at all?
    let kernel = kexec_kernel(built, &|p| p.is_file())?;
    File::open(&kernel).context(|| format!("opening {}", kernel.display()))?;
    println!("bootstrap: kexec: next kernel: {}", kernel.display());
    let base = fs::read_to_string(KEXEC_CMDLINE).context(|| format!("reading {KEXEC_CMDLINE}"))?;
    let cmdline = kexec_cmdline(&base, next)?;
    println!(
        "bootstrap: kexec: next kernel's command line: {}",
        cmdline.to_string_lossy()
    );
    sys::apply(&kexec_plan(&kernel, cmdline), &Linux)?;
    Err(Error::new("reboot into the loaded kernel returned"))
}

/// The system at `root`, as a newc archive for the next kernel (the
/// `PackRoot` op).
pub fn pack_root(root: &Path, archive: &Path) -> Result<()> {
    let entries = record::scan_filtered(root, &transient)?;
    let f = File::create(archive).context(|| format!("creating {}", archive.display()))?;
    let mut w = BufWriter::new(f);
    crate::newc::write(root, &entries, &mut w)?;
    let f = w
        .into_inner()
        .map_err(|e| e.into_error())
        .context(|| format!("writing {}", archive.display()))?;
    println!(
        "bootstrap: kexec: {} entries ({} bytes) go to the next kernel",
        entries.len(),
        f.metadata().map(|m| m.len()).unwrap_or(0),
    );
    Ok(())
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

/// Which of the block devices `names` (as in /sys/class/block) holds the
/// ext4 filesystem labelled `label`: `Ok(None)` while there is none yet.
fn pick_by_label(
    label: &str,
    names: &[String],
    label_of: &dyn Fn(&Path) -> Option<String>,
) -> Result<Option<PathBuf>> {
    let mut found: Vec<PathBuf> = names
        .iter()
        .map(|n| Path::new("/dev").join(n))
        .filter(|dev| label_of(dev).as_deref() == Some(label))
        .collect();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(Error(format!(
            "more than one filesystem labelled {label}: {found:?}"
        ))),
    }
}

/// The block device carrying an ext4 filesystem labelled `label`, waiting up
/// to `wait` for drivers to probe it.
pub fn find_by_label(label: &str, wait: Duration) -> Result<PathBuf> {
    let start = Instant::now();
    let mut told = false;
    loop {
        let mut names: Vec<String> = fs::read_dir("/sys/class/block")
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        if let Some(dev) = pick_by_label(label, &names, &ext4_label)? {
            return Ok(dev);
        }
        // USB and some SATA controllers take seconds to show their disks.
        if !told && start.elapsed() >= Duration::from_secs(5) {
            told = true;
            println!(
                "bootstrap: waiting up to {}s for an ext4 filesystem labelled {label} (block devices so far: {})",
                wait.as_secs(),
                if names.is_empty() { "none".to_string() } else { names.join(" ") }
            );
        }
        if start.elapsed() >= wait {
            return Err(Error(format!(
                "no ext4 filesystem labelled {label} after {}s; block devices: {}",
                wait.as_secs(),
                if names.is_empty() {
                    "none (is the disk driver loaded?)".to_string()
                } else {
                    names.join(" ")
                }
            )));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Mount `dev` on /newroot, copy this system onto it, move the kernel
/// filesystems under it, make it `/` and exec its runner for `next`.
pub fn switch_root_plan(dev: &Path, next: &str) -> Vec<Op> {
    onto_disk_plan(dev, next, true)
}

/// [`switch_root_plan`] without the copy: the disk already holds the
/// earlier stages (`bootstrap.resume=`, a run going on from its disk).
pub fn resume_plan(dev: &Path, next: &str) -> Vec<Op> {
    onto_disk_plan(dev, next, false)
}

fn onto_disk_plan(dev: &Path, next: &str, carry: bool) -> Vec<Op> {
    let newroot = Path::new(NEWROOT);
    let mut ops = mount_newroot(dev, MsFlags::empty()).to_vec();
    if carry {
        // Carry this system (sysa's results, the state and logs) onto the
        // disk, which already holds what the later stages need.
        ops.push(Op::CopyRoot {
            from: "/".into(),
            to: newroot.into(),
        });
    }
    ops.extend(MOVED.iter().map(|d| Op::Mkdir(newroot.join(d))));
    ops.push(Op::Sync);
    ops.extend(MOVED.iter().map(|d| Op::Move {
        from: Path::new("/").join(d),
        to: newroot.join(d),
    }));
    ops.extend(enter(newroot, paths::RUNNER, &["--stage", next]));
    ops
}

/// /newroot, made and with the ext4 filesystem on `dev` mounted there.
fn mount_newroot(dev: &Path, flags: MsFlags) -> [Op; 2] {
    [
        Op::Mkdir(NEWROOT.into()),
        Op::Mount {
            source: Some(dev.into()),
            target: NEWROOT.into(),
            fstype: Some("ext4"),
            flags,
            data: None,
        },
    ]
}

/// Make `newroot` the root (a mount moved onto `/`, then chroot) and exec
/// `prog` there, keeping this process's PID.
fn enter(newroot: &Path, prog: &str, args: &[&str]) -> [Op; 5] {
    [
        Op::Chdir(newroot.into()),
        Op::Move {
            from: ".".into(),
            to: "/".into(),
        },
        Op::Chroot(".".into()),
        Op::Chdir("/".into()),
        Op::Exec {
            prog: prog.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
        },
    ]
}

/// Mount `dev` read-only on /newroot (its init checks it first), move
/// /dev under it, unmount the rest of this system's kernel filesystems
/// (the init mounts its own), make it `/` and exec its `/sbin/init` as PID
/// 1: `bootstrap.boot=<label>`, a finished disk started by a kernel that
/// needed this initramfs's modules to reach it.
pub fn boot_disk_plan(dev: &Path) -> Vec<Op> {
    let newroot = Path::new(NEWROOT);
    let mut ops = mount_newroot(dev, MsFlags::MS_RDONLY).to_vec();
    ops.push(Op::Move {
        from: "/dev".into(),
        to: newroot.join("dev"),
    });
    ops.extend(
        ["/tmp", "/sys", "/proc"]
            .iter()
            .map(|d| Op::Unmount(d.into())),
    );
    ops.extend(enter(newroot, "/sbin/init", &[]));
    ops
}

/// `bootstrap.boot=<label>`: see [`boot_disk_plan`].
pub fn boot_disk(label: &str) -> Result<()> {
    let dev = find_by_label(label, Duration::from_secs(30))?;
    println!("bootstrap: boot: {label} is {}", dev.display());
    sys::apply(&boot_disk_plan(&dev), &Linux)?;
    Err(Error::new("exec of the disk's /sbin/init returned"))
}

/// `bootstrap.resume=<label>`: see [`resume_plan`].
pub fn resume(next: &str, label: &str) -> Result<()> {
    let dev = find_by_label(label, Duration::from_secs(30))?;
    println!("bootstrap: resume: {label} is {}", dev.display());
    sys::apply(&resume_plan(&dev, next), &Linux)?;
    Err(Error::new("exec of the disk's runner returned"))
}

pub fn switch_root(next: &str, label: &str) -> Result<()> {
    // A real machine's disk may be slow to appear (USB, controllers
    // probing in turn).
    let dev = find_by_label(label, Duration::from_secs(90))?;
    println!("bootstrap: switch_root: {label} is {}", dev.display());
    sys::apply(&switch_root_plan(&dev, next), &Linux)?;
    Err(Error::new("exec of the disk's runner returned"))
}

/// This system, minus its transient paths, copied onto `to` (the
/// `CopyRoot` op).
pub fn copy_root(from: &Path, to: &Path) -> Result<()> {
    let entries = record::scan_filtered(from, &transient)?;
    // The disk may hold steps of its own stages already (restored by the
    // host from its step cache): their state lines stay, after ours.
    let theirs = state_files(to)?;
    record::install(from, to, &entries)?;
    for (path, old) in theirs {
        let ours = std::fs::read_to_string(&path).unwrap_or_default();
        let mut merged = ours.clone();
        for l in old.lines().filter(|l| !ours.lines().any(|o| o == *l)) {
            merged.push_str(l);
            merged.push('\n');
        }
        if merged != ours {
            std::fs::write(&path, merged).context(|| format!("merging {}", path.display()))?;
        }
    }
    println!(
        "bootstrap: switch_root: copied {} entries onto the disk",
        entries.len()
    );
    Ok(())
}

/// The files of `root`'s state directory and their text (line lists that
/// are only ever appended to, see `paths::STATE`).
fn state_files(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    let dir = root.join(paths::relative(paths::STATE));
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in rd {
        let p = e.context(|| format!("reading {}", dir.display()))?.path();
        if p.is_file() {
            let text =
                std::fs::read_to_string(&p).context(|| format!("reading {}", p.display()))?;
            out.push((p, text));
        }
    }
    out.sort();
    Ok(out)
}

/// Load the kernel modules the host listed for the running kernel
/// (`/bootstrap/modules/<release>/order`, dependencies first). A kernel with
/// the drivers built in has no such list.
pub fn load_modules() {
    let Ok(uts) = nix::sys::utsname::uname() else {
        return;
    };
    let release = uts.release().to_string_lossy().to_string();
    let order_file = PathBuf::from(paths::module_order(&release));
    let dir = order_file.parent().unwrap_or(Path::new("/"));
    let Ok(order) = fs::read_to_string(&order_file) else {
        return;
    };
    let (n, already, failed) = load(&modules_plan(dir, &order), &Linux);
    for f in failed {
        eprintln!("bootstrap-runner: {f}");
    }
    println!("bootstrap: loaded {n} kernel modules for {release} ({already} already loaded)");
}

/// One `LoadModule` per line of `order` (paths relative to `dir`), in order.
pub fn modules_plan(dir: &Path, order: &str) -> Vec<Op> {
    order
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|m| Op::LoadModule(dir.join(m)))
        .collect()
}

/// Load every module, going on after failures: (loaded, already loaded,
/// failures).
fn load(ops: &[Op], sys: &dyn Sys) -> (usize, usize, Vec<String>) {
    let (mut n, mut already, mut failed) = (0, 0, Vec::new());
    for op in ops {
        match sys::apply_one(op, sys) {
            Ok(()) => n += 1,
            Err(e) if e.raw_os_error() == Some(Errno::EEXIST as i32) => already += 1,
            Err(e) => failed.push(format!("{op}: {e}")),
        }
    }
    (n, already, failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pid1::sys::testing::Record;

    fn position(calls: &[String], prefix: &str) -> usize {
        calls
            .iter()
            .position(|c| c.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {calls:#?}"))
    }

    #[test]
    fn kexec_cmdline_replaces_the_stage() {
        let c = kexec_cmdline("console=ttyS0 bootstrap.stage=sysa  quiet\n", "sysb").unwrap();
        assert_eq!(
            c.to_str().unwrap(),
            "console=ttyS0 quiet bootstrap.stage=sysb"
        );
        assert!(kexec_cmdline("a\0b", "sysb").is_err());
    }

    #[test]
    fn kexec_packs_loads_syncs_then_reboots() {
        let r = Record::default();
        let cmdline = kexec_cmdline("console=ttyS0", "sysb").unwrap();
        sys::apply(&kexec_plan(Path::new(KEXEC_KERNEL), cmdline), &r).unwrap();
        assert_eq!(
            r.calls(),
            [
                "pack_root / /tmp/bootstrap-next.cpio",
                "kexec_file_load /bootstrap/kexec/kernel /tmp/bootstrap-next.cpio \"console=ttyS0 bootstrap.stage=sysb\"",
                "sync",
                "reboot RB_KEXEC",
            ]
        );
        // A failed load must not reboot.
        let r = Record::failing(&[(1, Errno::ENOSYS)]);
        let k = Path::new(KEXEC_KERNEL);
        let e = sys::apply(&kexec_plan(k, CString::new("x").unwrap()), &r).unwrap_err();
        assert_eq!(r.calls().len(), 2);
        assert!(
            e.0.starts_with("kexec_file_load of /bootstrap/kexec/kernel: "),
            "{e}"
        );
    }

    #[test]
    fn the_laid_kernel_wins_then_the_built_one() {
        let has = |files: &'static [&'static str]| {
            move |p: &Path| files.iter().any(|f| Path::new(f) == p)
        };
        let both = has(&[KEXEC_KERNEL, "/boot/vmlinuz"]);
        assert_eq!(
            kexec_kernel(Some("/boot/vmlinuz"), &both).unwrap(),
            Path::new(KEXEC_KERNEL)
        );
        let built = has(&["/boot/vmlinuz"]);
        assert_eq!(
            kexec_kernel(Some("/boot/vmlinuz"), &built).unwrap(),
            Path::new("/boot/vmlinuz")
        );
        let none = has(&[]);
        let e = kexec_kernel(Some("/boot/vmlinuz"), &none).unwrap_err();
        assert!(e.0.contains("/boot/vmlinuz does not exist"), "{e}");
        assert!(kexec_kernel(None, &built)
            .unwrap_err()
            .0
            .contains("laid none"));
    }

    #[test]
    fn switch_root_sequence() {
        let r = Record::default();
        sys::apply(&switch_root_plan(Path::new("/dev/vda2"), "sysc"), &r).unwrap();
        let calls = r.calls();
        assert_eq!(
            calls,
            [
                "mkdir /newroot",
                "mount Some(\"/dev/vda2\") /newroot Some(\"ext4\") MsFlags(0x0) None",
                "copy_root / /newroot",
                "mkdir /newroot/proc",
                "mkdir /newroot/sys",
                "mkdir /newroot/dev",
                "mkdir /newroot/tmp",
                "sync",
                "mount Some(\"/proc\") /newroot/proc None MsFlags(MS_MOVE) None",
                "mount Some(\"/sys\") /newroot/sys None MsFlags(MS_MOVE) None",
                "mount Some(\"/dev\") /newroot/dev None MsFlags(MS_MOVE) None",
                "mount Some(\"/tmp\") /newroot/tmp None MsFlags(MS_MOVE) None",
                "chdir /newroot",
                "mount Some(\".\") / None MsFlags(MS_MOVE) None",
                "chroot .",
                "chdir /",
                "exec /bootstrap/runner --stage sysc",
            ]
        );
        // The properties the list above encodes, spelled out.
        let at = |p: &str| position(&calls, p);
        assert!(at("mount Some(\"/dev/vda2\") /newroot") < at("copy_root"));
        assert!(at("copy_root") < at("sync"));
        for d in MOVED {
            let moved = at(&format!("mount Some(\"/{d}\") /newroot/{d} "));
            assert!(at(&format!("mkdir /newroot/{d}")) < moved);
            assert!(moved < at("chroot"));
        }
        assert!(at("chdir /newroot") < at("mount Some(\".\") / "));
        assert!(at("mount Some(\".\") / ") < at("chroot ."));
        assert_eq!(at("exec"), calls.len() - 1);
    }

    #[test]
    fn the_copy_keeps_the_disks_state_lines_after_the_carried_ones() {
        let t = std::env::temp_dir().join(format!("jump-copy-{}", std::process::id()));
        let (ram, disk) = (t.join("ram"), t.join("disk"));
        let w = |root: &Path, rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w(
            &ram,
            "bootstrap/state/completed",
            "sysa a\nsysb jump-switch_root\n",
        );
        w(&ram, "bootstrap/state/restored", "sysa a k1\n");
        w(&ram, "usr/bin/a", "a");
        w(&disk, "bootstrap/state/completed", "sysc c\n");
        w(&disk, "bootstrap/state/restored", "sysc c k3\n");
        w(&disk, "bootstrap/state/step-keys", "sysc c k3\n");
        copy_root(&ram, &disk).unwrap();
        let r = |rel: &str| std::fs::read_to_string(disk.join(rel)).unwrap();
        assert_eq!(
            r("bootstrap/state/completed"),
            "sysa a\nsysb jump-switch_root\nsysc c\n"
        );
        assert_eq!(r("bootstrap/state/restored"), "sysa a k1\nsysc c k3\n");
        assert_eq!(r("bootstrap/state/step-keys"), "sysc c k3\n");
        assert_eq!(r("usr/bin/a"), "a");
        std::fs::remove_dir_all(&t).unwrap();
    }

    #[test]
    fn resume_is_a_switch_root_without_the_copy() {
        let (with, without) = (Record::default(), Record::default());
        sys::apply(&switch_root_plan(Path::new("/dev/vda1"), "sysc"), &with).unwrap();
        sys::apply(&resume_plan(Path::new("/dev/vda1"), "sysc"), &without).unwrap();
        let mut expected = with.calls();
        expected.retain(|c| !c.starts_with("copy_root"));
        assert_eq!(without.calls(), expected);
    }

    #[test]
    fn boot_disk_hands_a_read_only_root_to_its_init() {
        let r = Record::default();
        sys::apply(&boot_disk_plan(Path::new("/dev/vda1")), &r).unwrap();
        assert_eq!(
            r.calls(),
            [
                "mkdir /newroot",
                "mount Some(\"/dev/vda1\") /newroot Some(\"ext4\") MsFlags(MS_RDONLY) None",
                "mount Some(\"/dev\") /newroot/dev None MsFlags(MS_MOVE) None",
                "umount /tmp",
                "umount /sys",
                "umount /proc",
                "chdir /newroot",
                "mount Some(\".\") / None MsFlags(MS_MOVE) None",
                "chroot .",
                "chdir /",
                "exec /sbin/init ",
            ]
        );
        // Nothing is copied onto the system: it is booted as it is.
        let r = Record::failing(&[(1, Errno::ENOENT)]);
        assert!(sys::apply(&boot_disk_plan(Path::new("/dev/vdb")), &r).is_err());
        assert_eq!(r.calls().len(), 2, "stops where the mount failed");
    }

    #[test]
    fn switch_root_stops_when_the_disk_does_not_mount() {
        let r = Record::failing(&[(1, Errno::EINVAL)]);
        let e = sys::apply(&switch_root_plan(Path::new("/dev/sdb"), "sysc"), &r).unwrap_err();
        assert_eq!(
            r.calls().len(),
            2,
            "nothing copied or moved after a failed mount"
        );
        assert!(
            e.0.starts_with("mount /dev/sdb on /newroot (ext4): "),
            "{e}"
        );
    }

    #[test]
    fn picks_exactly_one_device_by_label() {
        let names: Vec<String> = ["sda", "sda1", "vdb"].map(String::from).to_vec();
        let labels = |dev: &Path| match dev.to_str().unwrap() {
            "/dev/sda1" => Some("BOOTSTRAP".to_string()),
            "/dev/vdb" => Some("OTHER".to_string()),
            _ => None,
        };
        assert_eq!(
            pick_by_label("BOOTSTRAP", &names, &labels).unwrap(),
            Some(PathBuf::from("/dev/sda1"))
        );
        assert_eq!(pick_by_label("MISSING", &names, &labels).unwrap(), None);
        let twice = |dev: &Path| (dev != Path::new("/dev/sda")).then(|| "X".to_string());
        let e = pick_by_label("X", &names, &twice).unwrap_err();
        assert!(e.0.contains("more than one filesystem labelled X"), "{e}");
    }

    #[test]
    fn modules_load_in_order_and_failures_do_not_stop_the_rest() {
        let dir = Path::new("/bootstrap/modules/6.1.0");
        let ops = modules_plan(dir, "kernel/a.ko\n\n  \nkernel/b.ko\nc.ko\n");
        let r = Record::failing(&[(0, Errno::EEXIST), (1, Errno::ENOEXEC)]);
        let (n, already, failed) = load(&ops, &r);
        assert_eq!(
            r.calls(),
            [
                "finit_module /bootstrap/modules/6.1.0/kernel/a.ko",
                "finit_module /bootstrap/modules/6.1.0/kernel/b.ko",
                "finit_module /bootstrap/modules/6.1.0/c.ko",
            ]
        );
        assert_eq!((n, already), (1, 1));
        assert_eq!(failed.len(), 1);
        assert!(
            failed[0].starts_with("loading module /bootstrap/modules/6.1.0/kernel/b.ko: "),
            "{failed:?}"
        );
    }

    #[test]
    fn boot_mounts_come_before_modules_are_loaded() {
        // main.rs calls pid1::setup() then load_modules(): the disk that
        // switch_root looks for appears in /sys and /dev, so every kernel
        // filesystem must be in setup's plan, and none left to the modules.
        let r = Record::default();
        sys::apply(&crate::pid1::setup_plan(), &r).unwrap();
        let ops = modules_plan(Path::new("/m"), "virtio_blk.ko\n");
        assert_eq!(load(&ops, &r).0, 1);
        let calls = r.calls();
        let first_module = position(&calls, "finit_module");
        for (fstype, target) in [("proc", "/proc"), ("sysfs", "/sys"), ("devtmpfs", "/dev")] {
            let mounted = position(&calls, &format!("mount Some(\"{fstype}\") {target} "));
            assert!(mounted < first_module, "{calls:#?}");
        }
        assert!(calls[first_module..]
            .iter()
            .all(|c| c.starts_with("finit_module")));
    }

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
