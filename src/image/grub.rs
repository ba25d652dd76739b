//! GRUB images from Debian's GRUB (grub-pc-bin for legacy BIOS,
//! grub-efi-amd64-bin for UEFI), made with `grub-mkimage` with every
//! module they need built in, so that they read nothing from a disk but
//! `grub.cfg` and what it boots. Used by the bare-metal `boot.img`
//! (`bootimg`) and the finished disk (`disk`). GRUB is a host binary on
//! the boot path, not built by the chain: docs/trust.md says so.
//!
//! Writes only the output file it is given.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::util::cmd;

const LIB: &str = "/usr/lib/grub";
/// The bytes of GRUB's MBR boot code that go before the disk signature.
pub const BOOT_CODE_LEN: usize = 440;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Legacy BIOS: `core.img`, read by the MBR's boot code from sector 1.
    Bios,
    /// UEFI on x86_64: an EFI application (`BOOTX64.EFI`).
    Efi,
}

impl Platform {
    fn format(self) -> &'static str {
        match self {
            Platform::Bios => "i386-pc",
            Platform::Efi => "x86_64-efi",
        }
    }

    fn package(self) -> &'static str {
        match self {
            Platform::Bios => "grub-pc-bin",
            Platform::Efi => "grub-efi-amd64-bin",
        }
    }

    fn dir(self) -> Result<PathBuf> {
        let d = Path::new(LIB).join(self.format());
        if !d.join("kernel.img").is_file() {
            let p = self.package();
            bail!(
                "{} is missing: install {p} (apt-get install {p})",
                d.display()
            );
        }
        Ok(d)
    }
}

/// Fail early, naming the packages, if GRUB's tools or images are missing.
pub fn check_tools() -> Result<()> {
    cmd::find_tool("grub-mkimage", "grub-common")?;
    Platform::Bios.dir()?;
    Platform::Efi.dir()?;
    Ok(())
}

/// One GRUB image.
pub struct Image<'a> {
    pub platform: Platform,
    /// Built in; nothing is loaded from the disk.
    pub modules: &'a [&'a str],
    /// Where it looks for `grub.cfg` (`-p`).
    pub prefix: &'a str,
    /// A config run before the prefix's `grub.cfg` (`-c`), e.g. one that
    /// finds the partition by its label and sets the prefix there.
    pub embedded: Option<&'a str>,
}

impl Image<'_> {
    /// Write the image to `out`; `work` is a scratch directory.
    pub fn make(&self, out: &Path, work: &Path) -> Result<()> {
        let format = self.platform.format();
        let mut c = cmd::clean_command("grub-mkimage", "grub-common", work)?;
        c.arg("-d")
            .arg(self.platform.dir()?)
            .args(["-O", format, "-p", self.prefix, "-o"])
            .arg(out);
        if let Some(cfg) = self.embedded {
            let f = work.join(format!("embedded-{format}.cfg"));
            fs::write(&f, cfg)?;
            c.arg("-c").arg(f);
        }
        c.args(self.modules);
        cmd::run_checked(&mut c, &format!("grub-mkimage -O {format}"))
    }
}

/// GRUB's legacy-BIOS MBR boot code (`boot.img`'s first 440 bytes), as
/// shipped: it loads the core image from sector 1, its default, so it
/// needs no patching when the core image is written there.
pub fn bios_boot_code() -> Result<[u8; BOOT_CODE_LEN]> {
    let f = Platform::Bios.dir()?.join("boot.img");
    let boot = fs::read(&f).with_context(|| f.display().to_string())?;
    if boot.len() != 512 {
        bail!("{} is {} bytes, not 512", f.display(), boot.len());
    }
    Ok(boot[..BOOT_CODE_LEN].try_into().expect("440 bytes"))
}

/// The core image at `core` must fit between the MBR and `first_lba`.
pub fn check_core_fits(core: &Path, first_lba: u32) -> Result<()> {
    let len = fs::metadata(core)?.len();
    if len > u64::from(first_lba - 1) * 512 {
        bail!("GRUB's core image ({len} bytes) does not fit before the first partition");
    }
    Ok(())
}
