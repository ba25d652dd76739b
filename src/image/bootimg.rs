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
use std::path::Path;

use anyhow::{Context, Result};

use crate::image::disk;
use crate::image::fat;
use crate::image::grub::{self, Platform};

/// The partition starts at 1 MiB; GRUB's core image lives before it.
const FIRST_LBA: u32 = 2048;
/// The disk signature and the FAT volume id.
const DISK_ID: u32 = 0x5eed_b007;
const FAT_LABEL: &str = "BSBOOT";
/// FAT32 with LBA addressing.
const FAT32_LBA: u8 = 0x0c;
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

/// Fail early, naming the packages, if a tool is missing.
pub fn check_tools() -> Result<()> {
    grub::check_tools()?;
    fat::check_tools()
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
    grub::Image {
        platform: Platform::Bios,
        modules: BIOS_MODULES,
        prefix: "(hd0,msdos1)/boot/grub",
        embedded: None,
    }
    .make(&core, w)?;
    grub::Image {
        platform: Platform::Efi,
        modules: EFI_MODULES,
        prefix: "/boot/grub",
        embedded: None,
    }
    .make(&efi, w)?;
    grub::check_core_fits(&core, FIRST_LBA)?;

    let cfg = w.join("grub.cfg");
    fs::write(&cfg, grub_cfg(c.cmdline))?;
    let files: [(&Path, &str); 4] = [
        (&efi, "/EFI/BOOT/BOOTX64.EFI"),
        (&cfg, "/boot/grub/grub.cfg"),
        (c.kernel, "/vmlinuz"),
        (c.initrd, "/initramfs.cpio.gz"),
    ];
    let mut payload = 0;
    for (from, _) in &files {
        payload += fs::metadata(from)
            .with_context(|| from.display().to_string())?
            .len();
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
        let part = fat::Partition {
            image: &tmp,
            first_lba: FIRST_LBA,
            bytes: part_bytes,
        };
        part.format(FAT_LABEL, DISK_ID, w)?;
        part.copy_in(&files, w)?;

        // GRUB's BIOS boot code over the partition table, then the core
        // image from sector 1.
        let sectors = u32::try_from(part_bytes / 512).context("the image is too large")?;
        let mut mbr = disk::partition_table(
            DISK_ID,
            &[disk::PartitionEntry {
                first_lba: FIRST_LBA,
                sectors,
                kind: FAT32_LBA,
                active: true,
            }],
        );
        mbr[..grub::BOOT_CODE_LEN].copy_from_slice(&grub::bios_boot_code()?);
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
