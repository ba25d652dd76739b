//! Host commands run with their output appended to a log and their exit
//! status checked, so a failure names the command and its log.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

/// Run a command with its output appended to `log`; on failure say which
/// command failed and where its log is.
pub fn run_logged(cmd: &mut Command, log: &Path) -> Result<()> {
    use std::io::Write;
    let mut f = fs::OpenOptions::new().create(true).append(true).open(log)?;
    writeln!(f, "+ {cmd:?}")?;
    let out = cmd
        .output()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    f.write_all(&out.stdout)?;
    f.write_all(&out.stderr)?;
    if !out.status.success() {
        bail!(
            "{:?} failed ({}); log: {}",
            cmd.get_program(),
            out.status,
            log.display()
        );
    }
    Ok(())
}
