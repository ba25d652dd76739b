//! Applying a recipe's patches to an unpacked tree with the host's patch(1).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::util::cmd::run_logged;

/// Apply `patches` (sorted, unified diffs, -p1) in `dir` with the host's
/// patch(1), refusing fuzz so a patch that no longer fits is an error.
pub fn apply_patches(dir: &Path, patches: &[PathBuf], log: &Path) -> Result<()> {
    for p in patches {
        run_logged(
            Command::new("patch")
                .args([
                    "-p1",
                    "-F0",
                    "--batch",
                    "--forward",
                    "--no-backup-if-mismatch",
                    "-s",
                    "-d",
                ])
                .arg(dir)
                .arg("-i")
                .arg(p),
            log,
        )
        .with_context(|| format!("applying {}", p.display()))?;
    }
    Ok(())
}
