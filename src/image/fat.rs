//! A FAT filesystem inside a disk image file, at a partition's offset,
//! made and filled without root or loop devices: dosfstools' `mkfs.fat
//! --offset` and mtools' `-i IMAGE@@OFFSET`. The same files give the same
//! bytes: a fixed volume id, `--invariant`, and FAT's epoch as every time.
//! Used for the bare-metal `boot.img` and the finished disk's EFI system
//! partition.
//!
//! Writes only the image file it is given, and a scratch directory.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context, Result};

use crate::util::cmd;

/// FAT's epoch (1980-01-01): every file and directory gets this time.
pub const EPOCH: u64 = 315_532_800;

/// Fail early, naming the packages, if a tool is missing.
pub fn check_tools() -> Result<()> {
    cmd::find_tool("mkfs.fat", "dosfstools")?;
    cmd::find_tool("mcopy", "mtools")?;
    cmd::find_tool("mmd", "mtools")?;
    Ok(())
}

/// A command with a clean environment (`cmd::clean_command`) and fixed
/// times for mtools.
fn tool(name: &str, package: &str, home: &Path) -> Result<Command> {
    let mut c = cmd::clean_command(name, package, home)?;
    c.env("SOURCE_DATE_EPOCH", EPOCH.to_string())
        .env("MTOOLS_SKIP_CHECK", "1");
    Ok(c)
}

fn run(mut c: Command, what: &str) -> Result<()> {
    cmd::run_checked(&mut c, what)
}

/// The FAT filesystem of one partition of a disk image.
pub struct Partition<'a> {
    pub image: &'a Path,
    pub first_lba: u32,
    pub bytes: u64,
}

impl Partition<'_> {
    /// Format it as FAT32 with volume `label` and `id`. The geometry is
    /// fixed rather than derived from the image file's size (which mkfs.fat
    /// would otherwise look at: a larger file gave larger clusters, too few
    /// for FAT32): one sector per cluster (a 64 MiB partition has the
    /// clusters FAT32 needs), 64 heads and 32 sectors per track, and the
    /// partition's start as its hidden sectors.
    pub fn format(&self, label: &str, id: u32, work: &Path) -> Result<()> {
        let mut mkfs = tool("mkfs.fat", "dosfstools", work)?;
        mkfs.args([
            "-F",
            "32",
            "-s",
            "1",
            "-g",
            "64/32",
            "--invariant",
            "-n",
            label,
        ])
        .arg("-i")
        .arg(format!("{id:08X}"))
        .arg("-h")
        .arg(self.first_lba.to_string())
        .arg(format!("--offset={}", self.first_lba))
        .arg(self.image)
        .arg((self.bytes / 1024).to_string());
        run(mkfs, "mkfs.fat")
    }

    /// Copy each `(host file, absolute path in the filesystem)` in, making
    /// the directories first; every time is FAT's epoch.
    pub fn copy_in(&self, files: &[(&Path, &str)], work: &Path) -> Result<()> {
        let image = format!(
            "{}@@{}",
            self.image.display(),
            u64::from(self.first_lba) * 512
        );
        let mut dirs = BTreeSet::new();
        for (_, to) in files {
            if !to.starts_with('/') {
                bail!("{to}: not an absolute path");
            }
            let mut p = Path::new(to).parent();
            while let Some(d) = p.filter(|d| *d != Path::new("/")) {
                dirs.insert(d.to_string_lossy().into_owned());
                p = d.parent();
            }
        }
        if !dirs.is_empty() {
            // Sorted: parents before children.
            let mut mmd = tool("mmd", "mtools", work)?;
            mmd.args(["-i", &image])
                .args(dirs.iter().map(|d| format!("::{d}")));
            run(mmd, "mmd")?;
        }
        let staged = tempfile::tempdir_in(work)?;
        let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(EPOCH);
        for (i, (from, to)) in files.iter().enumerate() {
            // A copy whose time mcopy -m keeps.
            let p = staged.path().join(i.to_string());
            fs::copy(from, &p).with_context(|| from.display().to_string())?;
            File::options().write(true).open(&p)?.set_modified(epoch)?;
            let mut mc = tool("mcopy", "mtools", work)?;
            mc.args(["-m", "-i", &image]).arg(&p).arg(format!("::{to}"));
            run(mc, &format!("mcopy {to}"))?;
        }
        Ok(())
    }
}
