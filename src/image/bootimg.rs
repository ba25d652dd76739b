//! The one image a USB stick gets for bare metal (`run --bare-metal`'s
//! `boot.img`): a DOS-partitioned disk with one active FAT32 partition
//! holding the kernel, the seed initramfs and GRUB's config. Legacy BIOS
//! runs GRUB's boot code in the MBR, which loads GRUB's core image from the
//! gap before the partition; UEFI firmware runs GRUB's EFI image,
//! `/EFI/BOOT/BOOTX64.EFI`, the path removable media boot from. Both GRUBs
//! carry every module they need, read `/boot/grub/grub.cfg` from the
//! partition and boot the same kernel, initramfs and command line.
//!
//! Built from Debian's GRUB images (grub-pc-bin, grub-efi-amd64-bin),
//! dosfstools and mtools, without root or loop devices; the same inputs
//! give the same bytes (fixed volume id, `--invariant`, fixed times).

use std::fs::{self, File};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context, Result};

use crate::image::disk;
use crate::util::cmd;

/// The partition starts at 1 MiB; GRUB's core image lives before it.
const FIRST_LBA: u32 = 2048;
/// The disk signature and the FAT volume id.
const DISK_ID: u32 = 0x5eed_b007;
const FAT_LABEL: &str = "BSBOOT";
/// FAT32 with LBA addressing.
const FAT32_LBA: u8 = 0x0c;
/// FAT's epoch (1980-01-01): every file and directory gets this time.
const FAT_EPOCH: u64 = 315_532_800;
const GRUB_LIB: &str = "/usr/lib/grub";
/// What each GRUB needs to read the partition and boot Linux.
const BIOS_MODULES: &[&str] = &["biosdisk", "part_msdos", "fat", "normal", "linux", "echo"];
const EFI_MODULES: &[&str] = &["part_msdos", "fat", "normal", "linux", "echo", "efi_gop"];

/// What the image boots.
pub struct Contents<'a> {
    pub kernel: &'a Path,
    pub initrd: &'a Path,
    /// The kernel's command line.
    pub cmdline: &'a str,
}

fn grub_dir(platform: &str, package: &str) -> Result<PathBuf> {
    let d = Path::new(GRUB_LIB).join(platform);
    if !d.join("kernel.img").is_file() {
        bail!(
            "{} is missing: install {package} (apt-get install {package})",
            d.display()
        );
    }
    Ok(d)
}

/// Fail early, naming the packages, if a tool is missing.
pub fn check_tools() -> Result<()> {
    cmd::find_tool("grub-mkimage", "grub-common")?;
    cmd::find_tool("mkfs.fat", "dosfstools")?;
    cmd::find_tool("mcopy", "mtools")?;
    cmd::find_tool("mmd", "mtools")?;
    grub_dir("i386-pc", "grub-pc-bin")?;
    grub_dir("x86_64-efi", "grub-efi-amd64-bin")?;
    Ok(())
}

/// GRUB's config: the same for both firmwares.
pub fn grub_cfg(cmdline: &str) -> String {
    format!(
        "# bootstrap: Linux with the sysa seed, from legacy BIOS and UEFI alike.\n\
         echo \"bootstrap: loading Linux and the sysa seed\"\n\
         linux /vmlinuz {cmdline}\n\
         initrd /initramfs.cpio.gz\n\
         boot\n"
    )
}

/// A command with a clean environment: C locale, UTC, fixed times for
/// mtools, no user configuration.
fn tool(name: &str, package: &str, home: &Path) -> Result<Command> {
    let mut c = Command::new(cmd::find_tool(name, package)?);
    c.env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .env("HOME", home)
        .env("SOURCE_DATE_EPOCH", FAT_EPOCH.to_string())
        .env("MTOOLS_SKIP_CHECK", "1");
    Ok(c)
}

fn run(mut c: Command, what: &str) -> Result<()> {
    let o = c.output().with_context(|| format!("running {what}"))?;
    if !o.status.success() {
        bail!(
            "{what} failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        );
    }
    Ok(())
}

/// Round `n` up to a multiple of `to`.
fn round_up(n: u64, to: u64) -> u64 {
    n.div_ceil(to) * to
}

/// Write the image to `out` (atomically).
pub fn build(c: &Contents, out: &Path) -> Result<()> {
    check_tools()?;
    let work = tempfile::tempdir().context("creating a temporary directory")?;
    let w = work.path();

    // The two GRUBs, every module built in.
    let core = w.join("core.img");
    let efi = w.join("BOOTX64.EFI");
    for (platform, package, format, prefix, modules, to) in [
        (
            "i386-pc",
            "grub-pc-bin",
            "i386-pc",
            "(hd0,msdos1)/boot/grub",
            BIOS_MODULES,
            &core,
        ),
        (
            "x86_64-efi",
            "grub-efi-amd64-bin",
            "x86_64-efi",
            "/boot/grub",
            EFI_MODULES,
            &efi,
        ),
    ] {
        let mut g = tool("grub-mkimage", "grub-common", w)?;
        g.arg("-d")
            .arg(grub_dir(platform, package)?)
            .args(["-O", format, "-p", prefix, "-o"])
            .arg(to)
            .args(modules);
        run(g, &format!("grub-mkimage -O {format}"))?;
    }
    let core_len = fs::metadata(&core)?.len();
    if core_len > u64::from(FIRST_LBA - 1) * 512 {
        bail!("GRUB's core image ({core_len} bytes) does not fit before the partition");
    }

    // The files, with FAT's epoch as their time (mcopy -m keeps it).
    let staged = w.join("files");
    fs::create_dir(&staged)?;
    let cfg = staged.join("grub.cfg");
    fs::write(&cfg, grub_cfg(c.cmdline))?;
    let files: [(&Path, &str); 4] = [
        (&efi, "/EFI/BOOT/BOOTX64.EFI"),
        (&cfg, "/boot/grub/grub.cfg"),
        (c.kernel, "/vmlinuz"),
        (c.initrd, "/initramfs.cpio.gz"),
    ];
    let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(FAT_EPOCH);
    let mut payload = 0;
    let mut copies = Vec::new();
    for (i, (from, to)) in files.iter().enumerate() {
        let p = staged.join(format!("{i}"));
        fs::copy(from, &p).with_context(|| from.display().to_string())?;
        File::options().write(true).open(&p)?.set_modified(epoch)?;
        payload += fs::metadata(&p)?.len();
        copies.push((p, *to));
    }

    // Room for the files, FAT32's minimum and some slack, in whole MiB.
    let part_bytes = round_up(payload + payload / 20 + (16 << 20), 1 << 20).max(64 << 20);
    let total = u64::from(FIRST_LBA) * 512 + part_bytes;
    let name = out
        .file_name()
        .with_context(|| format!("{}: not a file name", out.display()))?;
    let tmp = out.with_file_name(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> Result<()> {
        let f = File::create(&tmp).with_context(|| tmp.display().to_string())?;
        f.set_len(total)?;
        let mut mkfs = tool("mkfs.fat", "dosfstools", w)?;
        mkfs.args(["-F", "32", "--invariant", "-n", FAT_LABEL])
            .arg("-i")
            .arg(format!("{DISK_ID:08X}"))
            .arg(format!("--offset={FIRST_LBA}"))
            .arg(&tmp)
            .arg((part_bytes / 1024).to_string());
        run(mkfs, "mkfs.fat")?;
        let image = format!("{}@@{}", tmp.display(), u64::from(FIRST_LBA) * 512);
        let mut mmd = tool("mmd", "mtools", w)?;
        mmd.args(["-i", &image])
            .args(["::/EFI", "::/EFI/BOOT", "::/boot", "::/boot/grub"]);
        run(mmd, "mmd")?;
        for (from, to) in &copies {
            let mut mc = tool("mcopy", "mtools", w)?;
            mc.args(["-m", "-i", &image])
                .arg(from)
                .arg(format!("::{to}"));
            run(mc, &format!("mcopy {to}"))?;
        }

        // GRUB's BIOS boot code (it reads the core image from sector 1,
        // its default) over the partition table, then the core image.
        let sectors = u32::try_from(part_bytes / 512).context("the image is too large")?;
        let mut mbr = disk::partition_table(DISK_ID, FIRST_LBA, sectors, FAT32_LBA, true);
        let boot = fs::read(grub_dir("i386-pc", "grub-pc-bin")?.join("boot.img"))?;
        if boot.len() != 512 {
            bail!("GRUB's boot.img is {} bytes, not 512", boot.len());
        }
        mbr[..440].copy_from_slice(&boot[..440]);
        f.write_all_at(&mbr, 0)?;
        f.write_all_at(&fs::read(&core)?, 512)?;
        f.sync_all()?;
        fs::rename(&tmp, out).with_context(|| out.display().to_string())?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("building the boot image {}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grub_boots_the_kernel_with_the_seed_and_the_command_line() {
        let c = grub_cfg("console=tty0 bootstrap.stage=sysa");
        assert!(
            c.contains("linux /vmlinuz console=tty0 bootstrap.stage=sysa\n"),
            "{c}"
        );
        assert!(c.contains("initrd /initramfs.cpio.gz\nboot\n"), "{c}");
    }

    #[test]
    fn sizes_round_to_whole_units() {
        assert_eq!(round_up(1, 1 << 20), 1 << 20);
        assert_eq!(round_up(1 << 20, 1 << 20), 1 << 20);
    }
}
