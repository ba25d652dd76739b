//! The runner half of the binary seed: the `runner/` crate built by cargo as
//! a static binary (it is PID 1 of an initramfs with no loader), or a
//! prebuilt one, checked to need no dynamic loader either way.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::model::project::Project;

/// True if `path` is an ELF executable without a PT_INTERP program header,
/// i.e. it needs no dynamic loader and runs in an empty root.
pub fn is_static_elf(path: &Path) -> Result<bool> {
    let data = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let u16_at = |o: usize| data.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        data.get(o..o + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()))
    };
    let u64_at = |o: usize| {
        data.get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
    };
    // 64-bit little-endian ELF only: the one target we build for.
    if data.get(..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1][..]) {
        return Ok(false);
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return Ok(false);
    };
    for i in 0..phnum as usize {
        let off = phoff as usize + i * phentsize as usize;
        match u32_at(off) {
            Some(3) => return Ok(false), // PT_INTERP
            Some(_) => {}
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// Build the runner crate as a static binary with cargo (the host tool is
/// built the same way, so cargo is there), or take `prebuilt`.
pub fn runner_binary(project: &Project, prebuilt: Option<&Path>) -> Result<PathBuf> {
    let bin = match prebuilt {
        Some(p) => p.to_path_buf(),
        None => {
            let target_dir = project.root.join("target/runner");
            let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args([
                    "build",
                    "--release",
                    "--quiet",
                    "--locked",
                    "--target",
                    "x86_64-unknown-linux-gnu",
                    "--manifest-path",
                ])
                .arg(project.root.join("runner/Cargo.toml"))
                .env("CARGO_TARGET_DIR", &target_dir)
                // Static: the runner is PID 1 of an initramfs with no loader.
                .env("RUSTFLAGS", "-C target-feature=+crt-static")
                .status()
                .context("running cargo to build the runner (or pass --runner FILE)")?;
            if !status.success() {
                bail!("building the runner failed ({status})");
            }
            target_dir.join("x86_64-unknown-linux-gnu/release/bootstrap-runner")
        }
    };
    if !is_static_elf(&bin)? {
        bail!(
            "{} is not a static x86_64 ELF executable; the runner must need no dynamic loader",
            bin.display()
        );
    }
    Ok(bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal 64-bit little-endian ELF header with one program header
    /// of type `p_type` (3 is PT_INTERP, 1 is PT_LOAD).
    fn elf_with_phdr(p_type: u32) -> Vec<u8> {
        let mut d = vec![0u8; 64 + 56];
        d[..6].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1]);
        d[0x20..0x28].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
        d[0x36..0x38].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
        d[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
        d[64..68].copy_from_slice(&p_type.to_le_bytes());
        d
    }

    #[test]
    fn tells_static_from_dynamic_by_pt_interp() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("elf");
        fs::write(&f, elf_with_phdr(1)).unwrap();
        assert!(is_static_elf(&f).unwrap(), "PT_LOAD only is static");
        fs::write(&f, elf_with_phdr(3)).unwrap();
        assert!(!is_static_elf(&f).unwrap(), "PT_INTERP is dynamic");
        // A truncated program header table is not trusted as static.
        fs::write(&f, &elf_with_phdr(1)[..66]).unwrap();
        assert!(!is_static_elf(&f).unwrap());
    }

    #[test]
    fn detects_dynamic_executables() {
        // The test binary itself is dynamically linked; /bin/sh too.
        assert!(!is_static_elf(Path::new("/bin/sh")).unwrap());
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("x");
        fs::write(&f, "#!/bin/sh\n").unwrap();
        assert!(!is_static_elf(&f).unwrap());
    }
}
