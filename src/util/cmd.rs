//! Host commands run with their output appended to a log and their exit
//! status checked, so a failure names the command and its log.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
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

/// Run a `duct` expression with stdin empty and stdout and stderr appended
/// to `log`, after a `+ <shown>` line saying what ran; on a failure to start
/// or a non-zero exit, the error names `shown` and the log.
pub fn run_duct_logged(expr: duct::Expression, shown: &str, log: &Path) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = log.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    writeln!(f, "+ {shown}")?;
    let out = expr
        .stdin_null()
        .stderr_to_stdout()
        .stdout_file(f)
        .unchecked()
        .run()
        .with_context(|| format!("`{shown}` could not be started; log: {}", log.display()))?;
    if !out.status.success() {
        bail!("`{shown}` failed ({}); log: {}", out.status, log.display());
    }
    Ok(())
}

/// `name` (found by `find_tool`, else naming `package`) with a clean
/// environment: the system PATH, C locale, UTC and `home` as HOME, so no
/// user setting reaches a tool whose output must be the same everywhere.
pub fn clean_command(name: &str, package: &str, home: &Path) -> Result<Command> {
    let mut c = Command::new(find_tool(name, package)?);
    c.env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .env("HOME", home);
    Ok(c)
}

/// Run `c` with its output captured; on a failure to start or a non-zero
/// exit the error names `what` and carries its stderr.
pub fn run_checked(c: &mut Command, what: &str) -> Result<()> {
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

/// `name` in PATH, else /usr/sbin or /sbin (often missing from a
/// non-root user's PATH); the error names the Debian `package` to install.
pub fn find_tool(name: &str, package: &str) -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs =
        std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")]);
    for d in dirs {
        let p = d.join(name);
        if let Ok(md) = fs::metadata(&p) {
            if md.is_file() && md.permissions().mode() & 0o111 != 0 {
                return Ok(p);
            }
        }
    }
    bail!("{name} not found in PATH, /usr/sbin or /sbin: install {package} (apt-get install {package})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duct_runs_are_logged_and_failures_name_command_and_log() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("logs/x.log");
        run_duct_logged(
            duct::cmd!("sh", "-c", "echo out; echo err >&2"),
            "say",
            &log,
        )
        .unwrap();
        let e = run_duct_logged(duct::cmd!("sh", "-c", "echo bad; exit 3"), "fail", &log)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("`fail` failed (exit status: 3); log: "),
            "{e}"
        );
        assert!(e.ends_with("logs/x.log"), "{e}");
        let text = fs::read_to_string(&log).unwrap();
        assert_eq!(text, "+ say\nout\nerr\n+ fail\nbad\n");
        let e = run_duct_logged(duct::cmd!("/nonexistent/tool"), "tool", &log)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`tool` could not be started"), "{e}");
    }
}
