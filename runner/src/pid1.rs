//! Process waiting, and the extra duties of running as PID 1 in an initramfs:
//! early mounts, the console, reaping orphans and powering off.

use nix::errno::Errno;
use nix::mount::{mount, MsFlags};
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once we know we are PID 1: from then on every wait reaps any child.
static REAP_ALL: AtomicBool = AtomicBool::new(false);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Exited(i32),
    Signaled(i32),
}

impl Status {
    pub fn success(self) -> bool {
        self == Status::Exited(0)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Status::Exited(c) => write!(f, "exited with status {c}"),
            Status::Signaled(s) => match Signal::try_from(s) {
                Ok(sig) => write!(f, "killed by signal {s} ({})", sig.as_str()),
                Err(_) => write!(f, "killed by signal {s}"),
            },
        }
    }
}

pub fn is_pid1() -> bool {
    nix::unistd::getpid().as_raw() == 1
}

/// Spawn `cmd` and wait for it. As PID 1, orphans reparented to us are reaped
/// in the same loop; only the child we spawned decides the result. Otherwise
/// we wait for our child only, so that nothing else's children are stolen.
pub fn run(cmd: &mut Command) -> io::Result<Status> {
    let child = cmd.spawn()?;
    let pid = Pid::from_raw(child.id() as i32);
    // The Child handle is not used for waiting: we reap it ourselves.
    drop(child);
    let target = if REAP_ALL.load(Ordering::Relaxed) {
        None
    } else {
        Some(pid)
    };
    loop {
        match waitpid(target, None) {
            Ok(WaitStatus::Exited(p, code)) if p == pid => return Ok(Status::Exited(code)),
            Ok(WaitStatus::Signaled(p, sig, _)) if p == pid => {
                return Ok(Status::Signaled(sig as i32))
            }
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(e) => return Err(io::Error::from(e)),
        }
    }
}

/// `bootstrap.stage=<stage>` from a kernel command line, default `sysa`.
pub fn stage_from_cmdline(cmdline: &str) -> String {
    cmdline
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("bootstrap.stage="))
        .next_back()
        .unwrap_or("sysa")
        .to_string()
}

fn mount_one(src: &str, target: &str, fstype: &str, flags: MsFlags, data: Option<&str>) {
    if let Err(e) = fs::create_dir_all(target) {
        eprintln!("bootstrap-runner: mkdir {target}: {e}");
    }
    match mount(Some(src), target, Some(fstype), flags, data) {
        Ok(()) | Err(Errno::EBUSY) => {}
        Err(e) => eprintln!("bootstrap-runner: mount {fstype} on {target}: {e}"),
    }
}

/// Early userspace setup. Failures are reported but not fatal: the steps
/// will fail visibly if something they need is missing.
pub fn setup() {
    REAP_ALL.store(true, Ordering::Relaxed);
    let nosuid = MsFlags::MS_NOSUID;
    let secure = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    mount_one("proc", "/proc", "proc", secure, None);
    mount_one("sysfs", "/sys", "sysfs", secure, None);
    mount_one("devtmpfs", "/dev", "devtmpfs", nosuid, Some("mode=0755"));
    mount_one(
        "tmpfs",
        "/tmp",
        "tmpfs",
        nosuid | MsFlags::MS_NODEV,
        Some("mode=1777"),
    );
    // The initramfs may have had no /dev/console node before devtmpfs.
    if let Ok(c) = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/console")
    {
        let _ = nix::unistd::dup2_stdin(&c);
        let _ = nix::unistd::dup2_stdout(&c);
        let _ = nix::unistd::dup2_stderr(&c);
    }
}

/// PID 1 must never exit (the kernel would panic): sync, power off, and if
/// even that fails, sleep forever.
pub fn power_off() -> ! {
    nix::unistd::sync();
    // After switch_root, / is the target disk: leave its journal clean so
    // the host can read the image right away. (On an initramfs this fails
    // harmlessly.)
    let _ = mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
        None::<&str>,
    );
    nix::unistd::sync();
    let Err(e) = nix::sys::reboot::reboot(nix::sys::reboot::RebootMode::RB_POWER_OFF);
    eprintln!("bootstrap-runner: power off failed: {e}");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
        // Keep reaping whatever is still around.
        while let Ok(WaitStatus::Exited(..) | WaitStatus::Signaled(..)) =
            waitpid(None, Some(nix::sys::wait::WaitPidFlag::WNOHANG))
        {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_stage() {
        assert_eq!(stage_from_cmdline("console=ttyS0 quiet\n"), "sysa");
        assert_eq!(
            stage_from_cmdline("console=ttyS0 bootstrap.stage=sysb rw\n"),
            "sysb"
        );
        assert_eq!(
            stage_from_cmdline("bootstrap.stage=a bootstrap.stage=sysc"),
            "sysc"
        );
    }

    #[test]
    fn status_text() {
        assert_eq!(Status::Exited(3).to_string(), "exited with status 3");
        assert_eq!(
            Status::Signaled(9).to_string(),
            "killed by signal 9 (SIGKILL)"
        );
        assert!(Status::Exited(0).success());
        assert!(!Status::Signaled(15).success());
    }

    #[test]
    fn run_reports_exit_and_signal() {
        let st = run(Command::new("/bin/sh").args(["-c", "exit 7"])).unwrap();
        assert_eq!(st, Status::Exited(7));
        let st = run(Command::new("/bin/sh").args(["-c", "kill -TERM $$"])).unwrap();
        assert_eq!(st, Status::Signaled(15));
        assert!(run(&mut Command::new("/nonexistent/prog")).is_err());
    }
}
