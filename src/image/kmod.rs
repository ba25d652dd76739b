//! Kernel modules for the seed initramfs: a stock distribution kernel builds
//! the virtio disk and ext4 drivers as modules, so the seed must carry them
//! and the runner must load them (in dependency order) before it looks for
//! the disk. This module reads the kernel's version from its image and
//! resolves the closure of wanted modules from `modules.dep`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use bootstrap_contract::paths;

use crate::util::{fsutil, in_root};

/// The modules a QEMU run needs for its disk and filesystem; a kernel that
/// has them built in simply has no such entries (see `resolve`).
pub const WANTED: &[&str] = &["virtio_pci", "virtio_blk", "ext4"];

/// The release string ("6.1.0-28-cloud-amd64") of an x86 bzImage, read from
/// the version string the boot protocol points at: the 16-bit field at 0x20E
/// is its offset minus 0x200 (boot protocol 2.00+, header magic "HdrS").
pub fn bzimage_release(image: &[u8]) -> Result<String> {
    if image.get(0x202..0x206) != Some(b"HdrS") {
        bail!("not an x86 bzImage (no HdrS boot header)");
    }
    let ptr = u16::from_le_bytes([image[0x20E], image[0x20F]]) as usize + 0x200;
    let Some(tail) = image.get(ptr..) else {
        bail!("kernel version pointer out of range")
    };
    let end = tail
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(tail.len())
        .min(256);
    let full = std::str::from_utf8(&tail[..end]).context("kernel version is not text")?;
    // "6.1.0-28-cloud-amd64 (debian-kernel@...) #1 SMP ..."
    full.split_whitespace()
        .next()
        .map(str::to_string)
        .context("empty kernel version")
}

/// `modules.dep`: module path → its dependencies' paths (relative to the
/// modules directory), keyed also by module name.
#[derive(Debug, Default)]
pub struct Deps {
    by_name: BTreeMap<String, String>,
    deps: BTreeMap<String, Vec<String>>,
}

/// "kernel/drivers/block/virtio_blk.ko.xz" → "virtio_blk". Module names
/// treat '-' and '_' alike; we normalise to '_'.
pub fn module_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split(".ko").next().unwrap_or(file);
    stem.replace('-', "_")
}

impl Deps {
    pub fn parse(text: &str) -> Result<Deps> {
        let mut d = Deps::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let (m, rest) = line
                .split_once(':')
                .with_context(|| format!("modules.dep:{}: no ':'", i + 1))?;
            d.by_name.insert(module_name(m), m.to_string());
            d.deps.insert(
                m.to_string(),
                rest.split_whitespace().map(str::to_string).collect(),
            );
        }
        Ok(d)
    }

    /// The module files to load for `wanted`, dependencies first, each once.
    /// A wanted module that is not in modules.dep is assumed built in
    /// (that is what modules.builtin is for; we check it when given).
    pub fn resolve(&self, wanted: &[&str], builtin: &BTreeSet<String>) -> Result<Vec<String>> {
        let mut order = Vec::new();
        let mut seen = BTreeSet::new();
        for w in wanted {
            let name = w.replace('-', "_");
            match self.by_name.get(&name) {
                Some(path) => self.visit(path, &mut seen, &mut order, 0)?,
                None if builtin.contains(&name) => {}
                None => bail!(
                    "module {w} is neither in modules.dep nor in modules.builtin of this kernel"
                ),
            }
        }
        Ok(order)
    }

    fn visit(
        &self,
        path: &str,
        seen: &mut BTreeSet<String>,
        order: &mut Vec<String>,
        depth: usize,
    ) -> Result<()> {
        if depth > 64 {
            bail!("modules.dep has a dependency cycle through {path}");
        }
        if seen.contains(path) {
            return Ok(());
        }
        // modules.dep already lists the full closure of each module; visit
        // each dependency first so the order is right whatever that list's order.
        for dep in self.deps.get(path).map(Vec::as_slice).unwrap_or_default() {
            self.visit(dep, seen, order, depth + 1)?;
        }
        if seen.insert(path.to_string()) {
            order.push(path.to_string());
        }
        Ok(())
    }
}

/// Names listed in modules.builtin (paths like kernel/fs/ext4/ext4.ko).
pub fn parse_builtin(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(module_name)
        .collect()
}

/// A kernel's module directory, read once: its `modules.dep` and
/// `modules.builtin`, to resolve any number of module lists against.
#[derive(Debug)]
pub struct Index {
    pub dir: PathBuf,
    deps: Deps,
    builtin: BTreeSet<String>,
}

impl Index {
    pub fn load(dir: &Path) -> Result<Index> {
        let dep_file = dir.join("modules.dep");
        let deps = Deps::parse(
            &std::fs::read_to_string(&dep_file)
                .with_context(|| format!("{} (use --modules DIR)", dep_file.display()))?,
        )?;
        let builtin = std::fs::read_to_string(dir.join("modules.builtin"))
            .map(|t| parse_builtin(&t))
            .unwrap_or_default();
        Ok(Index {
            dir: dir.to_path_buf(),
            deps,
            builtin,
        })
    }

    /// The module files (relative to `dir`) to load for `wanted`.
    pub fn resolve(&self, wanted: &[&str]) -> Result<Vec<String>> {
        self.deps.resolve(wanted, &self.builtin)
    }
}

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

/// Copy `kernel`'s modules (the closure of WANTED) into
/// `root/bootstrap/modules/<release>/` with an `order` file for the runner.
pub fn add_modules(
    root: &Path,
    kernel: &Path,
    modules_dir: Option<&Path>,
    optional: &[&str],
) -> Result<usize> {
    let image = std::fs::read(kernel).with_context(|| kernel.display().to_string())?;
    let release = bzimage_release(&image).with_context(|| kernel.display().to_string())?;
    if modules_dir.is_none() && !Path::new("/lib/modules").join(&release).is_dir() {
        // A kernel built for this job usually has the drivers built in and
        // no modules installed here; if not, sysb will say it found no disk.
        eprintln!("bootstrap: warning: no /lib/modules/{release}; assuming {} has virtio and ext4 built in (else pass --modules DIR)", kernel.display());
        return Ok(0);
    }
    let index = Index::load(&match modules_dir {
        Some(d) => d.to_path_buf(),
        None => Path::new("/lib/modules").join(&release),
    })?;
    let list = index.resolve(WANTED)?;
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
    let order_file = in_root(root, &paths::module_order(&release));
    let dest = order_file.parent().expect("a directory").to_path_buf();
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
    fsutil::write_atomic(&order_file, order.as_bytes())?;
    Ok(order.lines().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_release_from_a_bzimage_header() {
        let mut img = vec![0u8; 0x1000];
        img[0x202..0x206].copy_from_slice(b"HdrS");
        let at = 0x800usize;
        img[0x20E..0x210].copy_from_slice(&((at - 0x200) as u16).to_le_bytes());
        let v = b"6.1.0-28-cloud-amd64 (builder@buildhost) #1 SMP\0";
        img[at..at + v.len()].copy_from_slice(v);
        assert_eq!(bzimage_release(&img).unwrap(), "6.1.0-28-cloud-amd64");
        assert!(bzimage_release(&[0u8; 0x300]).is_err());
    }

    const DEP: &str = "\
kernel/drivers/block/virtio_blk.ko.xz: kernel/drivers/virtio/virtio_ring.ko.xz kernel/drivers/virtio/virtio.ko.xz
kernel/drivers/virtio/virtio_pci.ko.xz: kernel/drivers/virtio/virtio_pci_modern_dev.ko.xz kernel/drivers/virtio/virtio_pci_legacy_dev.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz kernel/drivers/virtio/virtio.ko.xz
kernel/drivers/virtio/virtio_ring.ko.xz: kernel/drivers/virtio/virtio.ko.xz
kernel/drivers/virtio/virtio.ko.xz:
kernel/drivers/virtio/virtio_pci_modern_dev.ko.xz:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko.xz:
kernel/fs/ext4/ext4.ko.xz: kernel/lib/crc16.ko.xz kernel/fs/mbcache.ko.xz kernel/fs/jbd2/jbd2.ko.xz
kernel/lib/crc16.ko.xz:
kernel/fs/mbcache.ko.xz:
kernel/fs/jbd2/jbd2.ko.xz:
kernel/fs/fat/vfat.ko.xz: kernel/fs/fat/fat.ko.xz
";

    #[test]
    fn resolves_dependencies_first_each_once() {
        let d = Deps::parse(DEP).unwrap();
        let order = d.resolve(WANTED, &BTreeSet::new()).unwrap();
        let names: Vec<String> = order.iter().map(|p| module_name(p)).collect();
        assert_eq!(
            names,
            [
                "virtio_pci_modern_dev",
                "virtio_pci_legacy_dev",
                "virtio",
                "virtio_ring",
                "virtio_pci",
                "virtio_blk",
                "crc16",
                "mbcache",
                "jbd2",
                "ext4"
            ]
        );
        for (i, p) in order.iter().enumerate() {
            for dep in &d.deps[p] {
                assert!(order[..i].contains(dep), "{dep} must come before {p}");
            }
        }
    }

    #[test]
    fn built_in_modules_need_nothing_and_unknown_ones_are_errors() {
        let d = Deps::parse(
            "kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko\nkernel/fs/jbd2/jbd2.ko:\n",
        )
        .unwrap();
        let builtin = parse_builtin(
            "kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/block/virtio_blk.ko\n",
        );
        let order = d.resolve(WANTED, &builtin).unwrap();
        assert_eq!(order, ["kernel/fs/jbd2/jbd2.ko", "kernel/fs/ext4/ext4.ko"]);
        let e = d
            .resolve(&["virtio_pci"], &BTreeSet::new())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("neither in modules.dep nor in modules.builtin"),
            "{e}"
        );
        assert_eq!(
            module_name("kernel/x/snd-hda-intel.ko.zst"),
            "snd_hda_intel"
        );
    }

    #[test]
    fn a_cycle_is_an_error_not_a_hang() {
        let d = Deps::parse("a.ko: b.ko\nb.ko: a.ko\n").unwrap();
        assert!(d.resolve(&["a"], &BTreeSet::new()).is_err());
    }
}
