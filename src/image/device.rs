//! The block device `bootstrap write` puts an image on: what the kernel says
//! about it (sysfs, mountinfo, swaps), the rules that refuse it, and the
//! write itself with its read-back check. Reads /sys and /proc; writes only
//! the device the user named, and only after every rule passed.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::util::fsutil;

/// `major:minor`.
pub type DevNo = (u64, u64);

/// What the kernel says about a whole disk.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub path: PathBuf,
    /// Its name in /sys/block.
    pub name: String,
    pub dev: DevNo,
    pub size: u64,
    /// The model the disk reports (a loop device: its backing file).
    pub model: String,
    /// The kernel's removable flag, or attached over USB.
    pub removable: bool,
    /// The disk's partitions, by name.
    pub partitions: Vec<(String, DevNo)>,
    /// Where the disk or a partition of it is mounted or swapped on.
    pub in_use: Vec<String>,
    /// The running system's root filesystem lives on it (directly, or
    /// under device-mapper or md).
    pub holds_root: bool,
    /// The whole disk this partition belongs to, when `path` names a partition.
    pub partition_of: Option<String>,
}

fn read_trim(p: &Path) -> String {
    fs::read_to_string(p)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn parse_devno(s: &str) -> Option<DevNo> {
    let (a, b) = s.trim().split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// `(major:minor, mount point)` of every mount in a mountinfo text.
pub fn mounts(mountinfo: &str) -> Vec<(DevNo, String)> {
    mountinfo
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            Some((parse_devno(f.get(2)?)?, unescape(f.get(4)?)))
        })
        .collect()
}

/// mountinfo writes space, tab, newline and backslash as `\ooo`.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() {
            let octal = std::str::from_utf8(&b[i + 1..i + 4]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(octal, 8) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The device paths in a /proc/swaps text.
pub fn swaps(text: &str) -> Vec<String> {
    text.lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// The sysfs directory of a block device number.
fn sysfs_of(dev: DevNo) -> Result<PathBuf> {
    let link = PathBuf::from(format!("/sys/dev/block/{}:{}", dev.0, dev.1));
    link.canonicalize()
        .with_context(|| format!("{}: not known to the kernel", link.display()))
}

/// The names of the block devices `name` is built on (device-mapper, md),
/// recursively, with `name` itself.
fn underlying(name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    let mut i = 0;
    while i < out.len() {
        let slaves = Path::new("/sys/class/block").join(&out[i]).join("slaves");
        if let Ok(rd) = fs::read_dir(slaves) {
            let mut names: Vec<String> = rd
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            out.extend(names);
        }
        i += 1;
    }
    out
}

/// Look at `path` (a block device) through sysfs and /proc.
pub fn inspect(path: &Path) -> Result<Facts> {
    let meta = fs::metadata(path).with_context(|| path.display().to_string())?;
    if !meta.file_type().is_block_device() {
        bail!("{} is not a block device", path.display());
    }
    let rdev = meta.rdev();
    let dev = (nix::sys::stat::major(rdev), nix::sys::stat::minor(rdev));
    let sys = sysfs_of(dev)?;
    let name = sys
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partition_of = sys.join("partition").is_file().then(|| {
        sys.parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let mut partitions = Vec::new();
    for e in fsutil::sorted_entries(&sys).unwrap_or_default() {
        if e.join("partition").is_file() {
            if let Some(d) = parse_devno(&read_trim(&e.join("dev"))) {
                let n = e
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                partitions.push((n, d));
            }
        }
    }
    let size = read_trim(&sys.join("size")).parse::<u64>().unwrap_or(0) * 512;
    let model = match read_trim(&sys.join("device/model")) {
        m if !m.is_empty() => m,
        _ => match read_trim(&sys.join("loop/backing_file")) {
            b if !b.is_empty() => format!("loop device on {b}"),
            _ => "unknown model".into(),
        },
    };
    let removable =
        read_trim(&sys.join("removable")) == "1" || sys.to_string_lossy().contains("/usb");

    let ours: Vec<(String, DevNo)> = std::iter::once((name.clone(), dev))
        .chain(partitions.iter().cloned())
        .collect();
    let mountinfo = fs::read_to_string("/proc/self/mountinfo").context("/proc/self/mountinfo")?;
    let all = mounts(&mountinfo);
    let mut in_use: Vec<String> = all
        .iter()
        .filter(|(d, _)| ours.iter().any(|(_, o)| o == d))
        .map(|(_, at)| format!("mounted on {at}"))
        .collect();
    for s in swaps(&fs::read_to_string("/proc/swaps").unwrap_or_default()) {
        let hit = fs::metadata(&s)
            .ok()
            .filter(|m| m.file_type().is_block_device());
        if let Some(m) = hit {
            let d = (
                nix::sys::stat::major(m.rdev()),
                nix::sys::stat::minor(m.rdev()),
            );
            if ours.iter().any(|(_, o)| *o == d) {
                in_use.push(format!("swap on {s}"));
            }
        }
    }
    let holds_root = all
        .iter()
        .filter(|(_, at)| at == "/")
        .filter_map(|(d, _)| sysfs_of(*d).ok())
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .flat_map(|n| underlying(&n))
        .any(|n| ours.iter().any(|(o, _)| *o == n));
    Ok(Facts {
        path: path.to_path_buf(),
        name,
        dev,
        size,
        model,
        removable,
        partitions,
        in_use,
        holds_root,
        partition_of,
    })
}

/// Why `f` must not receive an image of `image_len` bytes, if it must not.
/// The running root and a device in use are refused even with `force`.
pub fn refusal(f: &Facts, image_len: u64, force: bool) -> Option<String> {
    let p = f.path.display();
    if let Some(disk) = &f.partition_of {
        return Some(format!(
            "{p} is a partition of /dev/{disk}; an image is written to a whole disk"
        ));
    }
    if f.holds_root {
        return Some(format!(
            "{p} holds the running system's root filesystem; never written, not even with --force"
        ));
    }
    if !f.in_use.is_empty() {
        return Some(format!(
            "{p} is in use ({}); unmount it first (--force does not override this)",
            f.in_use.join(", ")
        ));
    }
    if f.size < image_len {
        return Some(format!(
            "{p} holds {} bytes, less than the image's {image_len}",
            f.size
        ));
    }
    if !f.removable && !force {
        return Some(format!(
            "{p} ({}) is not a removable disk; give --force if it really is the one to overwrite",
            f.model
        ));
    }
    None
}

/// Copy `image` onto the device (opened exclusively: the kernel refuses a
/// device that is mounted or held), sync it, drop the device's cached pages
/// and read the written range back. Returns the image's SHA-256 and the
/// read-back one; `progress` gets the bytes written so far.
pub fn write(image: &Path, f: &Facts, progress: &dyn Fn(u64)) -> Result<(String, String)> {
    let mut src = File::open(image).with_context(|| image.display().to_string())?;
    let len = src.metadata()?.len();
    let mut dst = OpenOptions::new()
        .write(true)
        .custom_flags(nix::libc::O_EXCL)
        .open(&f.path)
        .with_context(|| format!("opening {} for writing", f.path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 4 << 20];
    let mut done = 0u64;
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        dst.write_all(&buf[..n])
            .with_context(|| format!("writing {} at byte {done}", f.path.display()))?;
        done += n as u64;
        progress(done);
    }
    dst.sync_all()
        .with_context(|| format!("syncing {}", f.path.display()))?;
    drop_cache(&dst)?;
    drop(dst);
    let written = fsutil::hex(&h.finalize());

    let mut back = File::open(&f.path).with_context(|| f.path.display().to_string())?;
    drop_cache(&back)?;
    let mut h = Sha256::new();
    let mut left = len;
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        back.read_exact(&mut buf[..want])
            .with_context(|| format!("reading {} back", f.path.display()))?;
        h.update(&buf[..want]);
        left -= want as u64;
    }
    Ok((written, fsutil::hex(&h.finalize())))
}

/// Make the next read come from the device, not the page cache.
fn drop_cache(f: &File) -> Result<()> {
    nix::fcntl::posix_fadvise(f, 0, 0, nix::fcntl::PosixFadviseAdvice::POSIX_FADV_DONTNEED)
        .context("dropping the device's cached pages")?;
    Ok(())
}

/// `n` bytes for people: 1.5 GiB.
pub fn human(n: u64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    match u {
        0 => format!("{n} bytes"),
        _ => format!("{v:.1} {}", units[u]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usb_stick() -> Facts {
        Facts {
            path: "/dev/sdb".into(),
            name: "sdb".into(),
            dev: (8, 16),
            size: 32 << 30,
            model: "Ultra".into(),
            removable: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_free_removable_disk_large_enough_passes() {
        assert_eq!(refusal(&usb_stick(), 1 << 30, false), None);
    }

    #[test]
    fn root_and_mounted_disks_are_refused_even_with_force() {
        let root = Facts {
            holds_root: true,
            ..usb_stick()
        };
        let r = refusal(&root, 1, true).unwrap();
        assert!(
            r.contains("root filesystem") && r.contains("not even with --force"),
            "{r}"
        );
        let mounted = Facts {
            in_use: vec!["mounted on /media/x".into()],
            ..usb_stick()
        };
        let r = refusal(&mounted, 1, true).unwrap();
        assert!(r.contains("in use (mounted on /media/x)"), "{r}");
    }

    #[test]
    fn a_fixed_disk_needs_force_and_a_small_one_or_a_partition_never_passes() {
        let fixed = Facts {
            removable: false,
            model: "Samsung SSD".into(),
            ..usb_stick()
        };
        let r = refusal(&fixed, 1, false).unwrap();
        assert!(
            r.contains("(Samsung SSD) is not a removable disk; give --force"),
            "{r}"
        );
        assert_eq!(refusal(&fixed, 1, true), None);
        let small = Facts {
            size: 10,
            ..usb_stick()
        };
        assert!(refusal(&small, 11, true)
            .unwrap()
            .contains("less than the image's 11"));
        let part = Facts {
            partition_of: Some("sdb".into()),
            ..usb_stick()
        };
        assert!(refusal(&part, 1, true)
            .unwrap()
            .contains("a partition of /dev/sdb"));
    }

    #[test]
    fn reads_mountinfo_and_swaps() {
        let mi = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n\
                  30 22 7:3 / /mnt/my\\040disk rw - ext4 /dev/loop3 rw\n";
        assert_eq!(
            mounts(mi),
            [
                ((254, 0), "/".to_string()),
                ((7, 3), "/mnt/my disk".to_string())
            ]
        );
        let sw = "Filename\tType\tSize\tUsed\tPriority\n/dev/sdb2 partition 1024 0 -2\n";
        assert_eq!(swaps(sw), ["/dev/sdb2"]);
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(human(512), "512 bytes");
        assert_eq!(human(3 << 29), "1.5 GiB");
    }
}
