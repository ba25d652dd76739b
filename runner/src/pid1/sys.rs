//! The system changes PID 1 makes (early mounts, power-off, module loading,
//! kexec, switch_root) are planned as a list of `Op`s and applied through the
//! `Sys` trait, so each sequence's order and arguments are unit tested
//! without root or a VM. `Linux` is the real implementation.

use nix::mount::MsFlags;
use nix::sys::reboot::RebootMode;
use std::ffi::{CStr, CString};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `mkdir -p`
    Mkdir(PathBuf),
    /// mount(2); no source and no type for a remount.
    Mount {
        source: Option<PathBuf>,
        target: PathBuf,
        fstype: Option<&'static str>,
        flags: MsFlags,
        data: Option<&'static str>,
    },
    /// umount(2).
    Unmount(PathBuf),
    /// `mount --move`
    Move {
        from: PathBuf,
        to: PathBuf,
    },
    Chdir(PathBuf),
    Chroot(PathBuf),
    /// Reopen this device as stdin, stdout and stderr.
    Console(PathBuf),
    /// finit_module(2) of a module file.
    LoadModule(PathBuf),
    /// Copy the system at `from` (without its transient paths) onto `to`.
    CopyRoot {
        from: PathBuf,
        to: PathBuf,
    },
    /// Pack the system at `root` (without its transient paths) into a newc
    /// archive.
    PackRoot {
        root: PathBuf,
        archive: PathBuf,
    },
    /// kexec_file_load(2).
    KexecLoad {
        kernel: PathBuf,
        initrd: PathBuf,
        cmdline: CString,
    },
    Sync,
    Reboot(RebootMode),
    /// execv(2): only returns on failure.
    Exec {
        prog: PathBuf,
        args: Vec<String>,
    },
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Mkdir(p) => write!(f, "mkdir {}", p.display()),
            Op::Mount {
                source: Some(s),
                target,
                fstype,
                ..
            } => write!(
                f,
                "mount {} on {} ({})",
                s.display(),
                target.display(),
                fstype.unwrap_or("-")
            ),
            Op::Mount {
                source: None,
                target,
                flags,
                ..
            } => write!(f, "remount {} {flags:?}", target.display()),
            Op::Move { from, to } => write!(f, "move {} to {}", from.display(), to.display()),
            Op::Unmount(p) => write!(f, "unmount {}", p.display()),
            Op::Chdir(p) => write!(f, "chdir {}", p.display()),
            Op::Chroot(p) => write!(f, "chroot {}", p.display()),
            Op::Console(p) => write!(f, "open {} as the console", p.display()),
            Op::LoadModule(p) => write!(f, "loading module {}", p.display()),
            Op::CopyRoot { from, to } => {
                write!(f, "copying {} onto {}", from.display(), to.display())
            }
            Op::PackRoot { root, archive } => {
                write!(f, "packing {} into {}", root.display(), archive.display())
            }
            Op::KexecLoad { kernel, .. } => write!(f, "kexec_file_load of {}", kernel.display()),
            Op::Sync => f.write_str("sync"),
            Op::Reboot(m) => write!(f, "reboot {m:?}"),
            Op::Exec { prog, args } => write!(f, "exec {} {}", prog.display(), args.join(" ")),
        }
    }
}

pub trait Sys {
    fn mkdir_all(&self, path: &Path) -> io::Result<()>;
    fn mount(
        &self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> io::Result<()>;
    fn umount(&self, target: &Path) -> io::Result<()>;
    fn chdir(&self, path: &Path) -> io::Result<()>;
    fn chroot(&self, path: &Path) -> io::Result<()>;
    fn console(&self, dev: &Path) -> io::Result<()>;
    fn finit_module(&self, path: &Path) -> io::Result<()>;
    fn copy_root(&self, from: &Path, to: &Path) -> io::Result<()>;
    fn pack_root(&self, root: &Path, archive: &Path) -> io::Result<()>;
    fn kexec_file_load(&self, kernel: &Path, initrd: &Path, cmdline: &CStr) -> io::Result<()>;
    fn sync(&self);
    /// Only returns on failure, or in a test double.
    fn reboot(&self, mode: RebootMode) -> io::Result<()>;
    /// Only returns on failure, or in a test double.
    fn exec(&self, prog: &Path, args: &[String]) -> io::Result<()>;
}

/// Apply one operation.
pub fn apply_one(op: &Op, sys: &dyn Sys) -> io::Result<()> {
    match op {
        Op::Mkdir(p) => sys.mkdir_all(p),
        Op::Mount {
            source,
            target,
            fstype,
            flags,
            data,
        } => sys.mount(source.as_deref(), target, *fstype, *flags, *data),
        Op::Move { from, to } => sys.mount(Some(from), to, None, MsFlags::MS_MOVE, None),
        Op::Unmount(p) => sys.umount(p),
        Op::Chdir(p) => sys.chdir(p),
        Op::Chroot(p) => sys.chroot(p),
        Op::Console(p) => sys.console(p),
        Op::LoadModule(p) => sys.finit_module(p),
        Op::CopyRoot { from, to } => sys.copy_root(from, to),
        Op::PackRoot { root, archive } => sys.pack_root(root, archive),
        Op::KexecLoad {
            kernel,
            initrd,
            cmdline,
        } => sys.kexec_file_load(kernel, initrd, cmdline),
        Op::Sync => {
            sys.sync();
            Ok(())
        }
        Op::Reboot(m) => sys.reboot(*m),
        Op::Exec { prog, args } => sys.exec(prog, args),
    }
}

/// Apply `ops` in order, stopping at the first failure, which names the
/// operation.
pub fn apply(ops: &[Op], sys: &dyn Sys) -> crate::error::Result<()> {
    for op in ops {
        apply_one(op, sys).map_err(|e| crate::error::Error(format!("{op}: {e}")))?;
    }
    Ok(())
}

/// The real thing.
pub struct Linux;

impl Sys for Linux {
    fn mkdir_all(&self, path: &Path) -> io::Result<()> {
        std::fs::create_dir_all(path)
    }
    fn mount(
        &self,
        source: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: MsFlags,
        data: Option<&str>,
    ) -> io::Result<()> {
        Ok(nix::mount::mount(source, target, fstype, flags, data)?)
    }
    fn umount(&self, target: &Path) -> io::Result<()> {
        Ok(nix::mount::umount(target)?)
    }
    fn chdir(&self, path: &Path) -> io::Result<()> {
        Ok(nix::unistd::chdir(path)?)
    }
    fn chroot(&self, path: &Path) -> io::Result<()> {
        Ok(nix::unistd::chroot(path)?)
    }
    fn console(&self, dev: &Path) -> io::Result<()> {
        let c = OpenOptions::new().read(true).write(true).open(dev)?;
        nix::unistd::dup2_stdin(&c)?;
        nix::unistd::dup2_stdout(&c)?;
        nix::unistd::dup2_stderr(&c)?;
        Ok(())
    }
    fn finit_module(&self, path: &Path) -> io::Result<()> {
        let f = File::open(path)?;
        Ok(nix::kmod::finit_module(
            &f,
            c"",
            nix::kmod::ModuleInitFlags::empty(),
        )?)
    }
    fn copy_root(&self, from: &Path, to: &Path) -> io::Result<()> {
        crate::jump::copy_root(from, to).map_err(|e| io::Error::other(e.0))
    }
    fn pack_root(&self, root: &Path, archive: &Path) -> io::Result<()> {
        crate::jump::pack_root(root, archive).map_err(|e| io::Error::other(e.0))
    }
    fn kexec_file_load(&self, kernel: &Path, initrd: &Path, cmdline: &CStr) -> io::Result<()> {
        let kernel = File::open(kernel)?;
        let initrd = File::open(initrd)?;
        // SAFETY: plain syscall with valid descriptors and a NUL-terminated
        // string that lives until it returns.
        let r = unsafe {
            nix::libc::syscall(
                nix::libc::SYS_kexec_file_load,
                kernel.as_raw_fd(),
                initrd.as_raw_fd(),
                cmdline.to_bytes_with_nul().len(),
                cmdline.as_ptr(),
                0,
            )
        };
        if r != 0 {
            let e = io::Error::last_os_error();
            return Err(io::Error::new(
                e.kind(),
                format!("{e} (is CONFIG_KEXEC_FILE set, and the image unsigned-loadable?)"),
            ));
        }
        Ok(())
    }
    fn sync(&self) {
        nix::unistd::sync();
    }
    fn reboot(&self, mode: RebootMode) -> io::Result<()> {
        let Err(e) = nix::sys::reboot::reboot(mode);
        Err(e.into())
    }
    fn exec(&self, prog: &Path, args: &[String]) -> io::Result<()> {
        Err(std::process::Command::new(prog).args(args).exec())
    }
}

/// A `Sys` that records every call instead of making it.
#[cfg(test)]
pub mod testing {
    use super::*;
    use nix::errno::Errno;
    use std::cell::RefCell;

    #[derive(Default)]
    pub struct Record {
        pub calls: RefCell<Vec<String>>,
        /// Calls (0-based) that fail, and how.
        pub fail: Vec<(usize, Errno)>,
    }

    impl Record {
        pub fn failing(fail: &[(usize, Errno)]) -> Record {
            Record {
                fail: fail.to_vec(),
                ..Default::default()
            }
        }

        pub fn calls(&self) -> Vec<String> {
            self.calls.borrow().clone()
        }

        fn log(&self, s: String) -> io::Result<()> {
            let mut c = self.calls.borrow_mut();
            c.push(s);
            match self.fail.iter().find(|(i, _)| *i == c.len() - 1) {
                Some((_, e)) => Err((*e).into()),
                None => Ok(()),
            }
        }
    }

    fn p(p: &Path) -> String {
        p.display().to_string()
    }

    impl Sys for Record {
        fn mkdir_all(&self, path: &Path) -> io::Result<()> {
            self.log(format!("mkdir {}", p(path)))
        }
        fn mount(
            &self,
            source: Option<&Path>,
            target: &Path,
            fstype: Option<&str>,
            flags: MsFlags,
            data: Option<&str>,
        ) -> io::Result<()> {
            self.log(format!(
                "mount {:?} {} {:?} {:?} {:?}",
                source.map(p),
                p(target),
                fstype,
                flags,
                data
            ))
        }
        fn umount(&self, target: &Path) -> io::Result<()> {
            self.log(format!("umount {}", p(target)))
        }
        fn chdir(&self, path: &Path) -> io::Result<()> {
            self.log(format!("chdir {}", p(path)))
        }
        fn chroot(&self, path: &Path) -> io::Result<()> {
            self.log(format!("chroot {}", p(path)))
        }
        fn console(&self, dev: &Path) -> io::Result<()> {
            self.log(format!("console {}", p(dev)))
        }
        fn finit_module(&self, path: &Path) -> io::Result<()> {
            self.log(format!("finit_module {}", p(path)))
        }
        fn copy_root(&self, from: &Path, to: &Path) -> io::Result<()> {
            self.log(format!("copy_root {} {}", p(from), p(to)))
        }
        fn pack_root(&self, root: &Path, archive: &Path) -> io::Result<()> {
            self.log(format!("pack_root {} {}", p(root), p(archive)))
        }
        fn kexec_file_load(&self, kernel: &Path, initrd: &Path, cmdline: &CStr) -> io::Result<()> {
            self.log(format!(
                "kexec_file_load {} {} {:?}",
                p(kernel),
                p(initrd),
                cmdline
            ))
        }
        fn sync(&self) {
            let _ = self.log("sync".into());
        }
        fn reboot(&self, mode: RebootMode) -> io::Result<()> {
            self.log(format!("reboot {mode:?}"))
        }
        fn exec(&self, prog: &Path, args: &[String]) -> io::Result<()> {
            self.log(format!("exec {} {}", p(prog), args.join(" ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Record;
    use super::*;
    use nix::errno::Errno;

    #[test]
    fn ops_map_to_calls() {
        let ops = [
            Op::Mkdir("/a".into()),
            Op::Move {
                from: "/proc".into(),
                to: "/n/proc".into(),
            },
            Op::Mount {
                source: None,
                target: "/".into(),
                fstype: None,
                flags: MsFlags::MS_REMOUNT,
                data: None,
            },
            Op::Sync,
            Op::Exec {
                prog: "/x".into(),
                args: vec!["-a".into(), "b".into()],
            },
        ];
        let r = Record::default();
        apply(&ops, &r).unwrap();
        assert_eq!(
            r.calls(),
            [
                "mkdir /a",
                "mount Some(\"/proc\") /n/proc None MsFlags(MS_MOVE) None",
                "mount None / None MsFlags(MS_REMOUNT) None",
                "sync",
                "exec /x -a b",
            ]
        );
    }

    #[test]
    fn apply_stops_at_the_first_failure_and_names_it() {
        let ops = [
            Op::Mkdir("/a".into()),
            Op::Chroot("/a".into()),
            Op::Chdir("/".into()),
        ];
        let r = Record::failing(&[(1, Errno::EPERM)]);
        let e = apply(&ops, &r).unwrap_err();
        assert_eq!(r.calls(), ["mkdir /a", "chroot /a"]);
        assert!(e.0.starts_with("chroot /a: "), "{e}");
        assert!(e.0.contains("not permitted"), "{e}");
    }
}
