//! Process waiting, and the extra duties of running as PID 1 in an initramfs:
//! early mounts, the console, reaping orphans and powering off. The mount
//! and power-off sequences are planned as data (see `sys`).

pub mod sys;

use nix::errno::Errno;
use nix::mount::MsFlags;
use nix::sys::reboot::RebootMode;
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use std::fmt;
use std::io;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use sys::{Linux, Op, Sys};

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

/// Kernel filesystems PID 1 mounts before anything else, each on a
/// directory it creates first; then the console, which may have had no node
/// before devtmpfs.
pub fn setup_plan() -> Vec<Op> {
    let nosuid = MsFlags::MS_NOSUID;
    let secure = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    let mounts = [
        ("proc", "/proc", secure, None),
        ("sysfs", "/sys", secure, None),
        ("devtmpfs", "/dev", nosuid, Some("mode=0755")),
        (
            "tmpfs",
            "/tmp",
            nosuid | MsFlags::MS_NODEV,
            Some("mode=1777"),
        ),
    ];
    let mut ops = Vec::new();
    for (fstype, target, flags, data) in mounts {
        ops.push(Op::Mkdir(target.into()));
        ops.push(Op::Mount {
            source: Some(fstype.into()),
            target: target.into(),
            fstype: Some(fstype),
            flags,
            data,
        });
    }
    ops.push(Op::Console("/dev/console".into()));
    ops
}

/// Apply every op even if some fail (an already mounted filesystem is no
/// failure); returns the failures.
fn apply_best_effort(ops: &[Op], sys: &dyn Sys) -> Vec<String> {
    let mut failed = Vec::new();
    for op in ops {
        match sys::apply_one(op, sys) {
            Ok(()) => {}
            Err(e)
                if matches!(op, Op::Mount { .. })
                    && e.raw_os_error() == Some(Errno::EBUSY as i32) => {}
            Err(e) => failed.push(format!("{op}: {e}")),
        }
    }
    failed
}

/// Early userspace setup. Failures are reported but not fatal: the steps
/// will fail visibly if something they need is missing.
pub fn setup() {
    REAP_ALL.store(true, Ordering::Relaxed);
    for f in apply_best_effort(&setup_plan(), &Linux) {
        eprintln!("bootstrap-runner: {f}");
    }
}

/// Sync and power off. After switch_root, / is the target disk: it is
/// remounted read-only first, leaving its journal clean so the host can read
/// the image right away (on an initramfs that fails harmlessly).
pub fn power_off_plan() -> Vec<Op> {
    vec![
        Op::Sync,
        Op::Mount {
            source: None,
            target: "/".into(),
            fstype: None,
            flags: MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
            data: None,
        },
        Op::Sync,
        Op::Reboot(RebootMode::RB_POWER_OFF),
    ]
}

/// PID 1 must never exit (the kernel would panic): sync, power off, and if
/// even that fails, sleep forever.
pub fn power_off() -> ! {
    for op in power_off_plan() {
        // Only a failed power-off is worth a word; the remount may fail.
        if let (Err(e), Op::Reboot(_)) = (sys::apply_one(&op, &Linux), &op) {
            eprintln!("bootstrap-runner: power off failed: {e}");
        }
    }
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
    use super::sys::testing::Record;
    use super::*;

    #[test]
    fn setup_mounts_kernel_filesystems_then_opens_the_console() {
        let r = Record::default();
        assert!(apply_best_effort(&setup_plan(), &r).is_empty());
        assert_eq!(
            r.calls(),
            [
                "mkdir /proc",
                "mount Some(\"proc\") /proc Some(\"proc\") MsFlags(MS_NOSUID | MS_NODEV | MS_NOEXEC) None",
                "mkdir /sys",
                "mount Some(\"sysfs\") /sys Some(\"sysfs\") MsFlags(MS_NOSUID | MS_NODEV | MS_NOEXEC) None",
                "mkdir /dev",
                "mount Some(\"devtmpfs\") /dev Some(\"devtmpfs\") MsFlags(MS_NOSUID) Some(\"mode=0755\")",
                "mkdir /tmp",
                "mount Some(\"tmpfs\") /tmp Some(\"tmpfs\") MsFlags(MS_NOSUID | MS_NODEV) Some(\"mode=1777\")",
                "console /dev/console",
            ]
        );
    }

    #[test]
    fn setup_goes_on_after_failures_and_accepts_busy_mounts() {
        // /proc already mounted, /sys refused, /tmp not creatable.
        let r = Record::failing(&[(1, Errno::EBUSY), (3, Errno::EPERM), (6, Errno::EROFS)]);
        let failed = apply_best_effort(&setup_plan(), &r);
        assert_eq!(r.calls().len(), setup_plan().len());
        assert_eq!(failed.len(), 2, "{failed:?}");
        assert!(
            failed[0].starts_with("mount sysfs on /sys (sysfs): "),
            "{failed:?}"
        );
        assert!(failed[1].starts_with("mkdir /tmp: "), "{failed:?}");
        // EBUSY is only "already mounted" for a mount.
        let r = Record::failing(&[(0, Errno::EBUSY)]);
        let failed = apply_best_effort(&setup_plan(), &r);
        assert_eq!(failed.len(), 1, "{failed:?}");
    }

    #[test]
    fn power_off_leaves_the_root_read_only_and_synced() {
        let r = Record::default();
        sys::apply(&power_off_plan(), &r).unwrap();
        assert_eq!(
            r.calls(),
            [
                "sync",
                "mount None / None MsFlags(MS_RDONLY | MS_REMOUNT) None",
                "sync",
                "reboot RB_POWER_OFF",
            ]
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
