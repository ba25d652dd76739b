//! Entering a chroot target: the child that will exec the runner first
//! unshares its mount, network, UTS and IPC namespaces and makes every mount
//! private, then mounts /proc, a /dev of a few bind-mounted nodes and /tmp
//! inside the target, and chroots. All those mounts live only in the child's
//! namespace, so they disappear with it, on success, failure, Ctrl-C or
//! SIGKILL alike: the host's mount table never sees them.
//!
//! Run by an ordinary user ([`Identity::Mapped`]), the child first enters
//! a new user namespace in which the caller is root (see `userns` for its
//! map), which owns the other namespaces; /proc is then the host's,
//! bind-mounted (a fresh proc needs a PID namespace of our own). Everything
//! else, and every record, is the same.
//!
//! The syscalls go through the `Sys` trait so the exact sequence is unit
//! tested without root; `Plan` is built before the fork so the child does no
//! allocation, only syscalls.

use std::ffi::CString;
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use nix::mount::MsFlags;
use nix::sched::CloneFlags;

use super::userns::{Identity, Mapper};

/// Device nodes a build needs, bind-mounted from the host's /dev.
pub const DEV_NODES: [&str; 6] = ["null", "zero", "full", "random", "urandom", "tty"];
/// Directories inside the target that receive mounts.
pub const MOUNT_POINTS: [&str; 3] = ["proc", "dev", "tmp"];
pub const HOSTNAME: &str = "bootstrap";

/// How the child gets its ids (from an `Identity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Root already: no user namespace.
    Root,
    /// A user namespace the child maps itself: `0 <uid> 1`, setgroups denied.
    Single { uid: u32, gid: u32 },
    /// A user namespace the host tool maps (newuidmap): the child reports on
    /// `report` and waits on `go` (a running `userns::Mapper`'s pipes).
    Helped { report: RawFd, go: RawFd },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Unshare(CloneFlags),
    /// Wait until the host tool has mapped our ids (`userns::await_maps`).
    AwaitMaps {
        report: RawFd,
        go: RawFd,
    },
    /// Write `data` to the file `path` (the id maps in /proc/self).
    WriteFile {
        path: CString,
        data: CString,
    },
    /// mount --rbind
    RBind {
        source: CString,
        target: CString,
    },
    /// mount --make-rprivate /
    PrivateRoot,
    Mount {
        source: CString,
        target: CString,
        fstype: CString,
        flags: MsFlags,
        data: CString,
    },
    Bind {
        source: CString,
        target: CString,
    },
    /// Create an empty regular file to bind a node onto.
    Touch(CString),
    Symlink {
        target: CString,
        link: CString,
    },
    SetHostname(CString),
    Chroot(CString),
    ChdirRoot,
}

pub trait Sys {
    fn unshare(&self, flags: CloneFlags) -> nix::Result<()>;
    fn await_maps(&self, report: RawFd, go: RawFd) -> nix::Result<()>;
    fn write_file(&self, path: &CString, data: &CString) -> nix::Result<()>;
    fn mount(
        &self,
        src: Option<&CString>,
        target: &CString,
        fstype: Option<&CString>,
        flags: MsFlags,
        data: Option<&CString>,
    ) -> nix::Result<()>;
    fn touch(&self, path: &CString) -> nix::Result<()>;
    fn symlink(&self, target: &CString, link: &CString) -> nix::Result<()>;
    fn sethostname(&self, name: &CString) -> nix::Result<()>;
    fn chroot(&self, path: &CString) -> nix::Result<()>;
    fn chdir_root(&self) -> nix::Result<()>;
}

/// The real thing.
pub struct Linux;

impl Sys for Linux {
    fn unshare(&self, flags: CloneFlags) -> nix::Result<()> {
        nix::sched::unshare(flags)
    }
    fn await_maps(&self, report: RawFd, go: RawFd) -> nix::Result<()> {
        super::userns::await_maps(report, go)
    }
    fn write_file(&self, path: &CString, data: &CString) -> nix::Result<()> {
        use nix::fcntl::{open, OFlag};
        use nix::sys::stat::Mode;
        let fd = open(
            path.as_c_str(),
            OFlag::O_WRONLY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?;
        let n = nix::unistd::write(&fd, data.as_bytes())?;
        if n != data.as_bytes().len() {
            return Err(nix::Error::EIO);
        }
        Ok(())
    }
    fn mount(
        &self,
        src: Option<&CString>,
        target: &CString,
        fstype: Option<&CString>,
        flags: MsFlags,
        data: Option<&CString>,
    ) -> nix::Result<()> {
        nix::mount::mount(
            src.map(|s| s.as_c_str()),
            target.as_c_str(),
            fstype.map(|s| s.as_c_str()),
            flags,
            data.map(|s| s.as_c_str()),
        )
    }
    fn touch(&self, path: &CString) -> nix::Result<()> {
        use nix::fcntl::{open, OFlag};
        use nix::sys::stat::Mode;
        open(
            path.as_c_str(),
            OFlag::O_CREAT | OFlag::O_WRONLY | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(0o644),
        )
        .map(drop)
    }
    fn symlink(&self, target: &CString, link: &CString) -> nix::Result<()> {
        nix::unistd::symlinkat(target.as_c_str(), nix::fcntl::AT_FDCWD, link.as_c_str())
    }
    fn sethostname(&self, name: &CString) -> nix::Result<()> {
        nix::unistd::sethostname(std::ffi::OsStr::from_bytes(name.as_bytes()))
    }
    fn chroot(&self, path: &CString) -> nix::Result<()> {
        nix::unistd::chroot(path.as_c_str())
    }
    fn chdir_root(&self) -> nix::Result<()> {
        nix::unistd::chdir("/")
    }
}

fn cpath(p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes())
        .with_context(|| format!("{}: path contains NUL", p.display()))
}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in constant")
}

/// Make sure the mount points are real directories inside `target` (a
/// symlink there could point a mount anywhere), creating them if missing.
pub fn prepare_mount_points(target: &Path) -> Result<PathBuf> {
    let target = target
        .canonicalize()
        .with_context(|| format!("target {}", target.display()))?;
    for m in MOUNT_POINTS {
        let p = target.join(m);
        match std::fs::symlink_metadata(&p) {
            Ok(md) if md.is_dir() => {}
            Ok(_) => bail!(
                "{} must be a directory (not a file or symlink) before it can be mounted on",
                p.display()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&p).with_context(|| format!("creating {}", p.display()))?
            }
            Err(e) => return Err(e).with_context(|| format!("{}", p.display())),
        }
    }
    Ok(target)
}

/// The sequence of operations that turns a forked child into one living in
/// `target`. `target` must be canonical (see `prepare_mount_points`).
pub fn plan(target: &Path, entry: Entry) -> Result<Vec<Op>> {
    let t = |rel: &str| cpath(&target.join(rel));
    let nodev = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
    let isolate = CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWNET
        | CloneFlags::CLONE_NEWUTS
        | CloneFlags::CLONE_NEWIPC;
    // One call: the user namespace is made first and owns the others.
    let mut ops = match entry {
        Entry::Root => vec![Op::Unshare(isolate)],
        Entry::Helped { report, go } => vec![
            Op::Unshare(CloneFlags::CLONE_NEWUSER | isolate),
            Op::AwaitMaps { report, go },
        ],
        Entry::Single { uid, gid } => vec![
            Op::Unshare(CloneFlags::CLONE_NEWUSER | isolate),
            Op::WriteFile {
                path: cstr("/proc/self/setgroups"),
                data: cstr("deny"),
            },
            Op::WriteFile {
                path: cstr("/proc/self/uid_map"),
                data: cstr(&format!("0 {uid} 1")),
            },
            Op::WriteFile {
                path: cstr("/proc/self/gid_map"),
                data: cstr(&format!("0 {gid} 1")),
            },
        ],
    };
    // Before any mount, so that none can propagate to the host.
    ops.push(Op::PrivateRoot);
    ops.push(Op::SetHostname(cstr(HOSTNAME)));
    ops.push(match entry {
        Entry::Root => Op::Mount {
            source: cstr("proc"),
            target: t("proc")?,
            fstype: cstr("proc"),
            flags: nodev | MsFlags::MS_NOEXEC,
            data: cstr(""),
        },
        Entry::Single { .. } | Entry::Helped { .. } => Op::RBind {
            source: cstr("/proc"),
            target: t("proc")?,
        },
    });
    ops.extend([Op::Mount {
        source: cstr("tmpfs"),
        target: t("dev")?,
        fstype: cstr("tmpfs"),
        flags: MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        data: cstr("mode=0755,size=1m"),
    }]);
    for n in DEV_NODES {
        let dst = t(&format!("dev/{n}"))?;
        ops.push(Op::Touch(dst.clone()));
        ops.push(Op::Bind {
            source: cstr(&format!("/dev/{n}")),
            target: dst,
        });
    }
    for (name, to) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        ops.push(Op::Symlink {
            target: cstr(to),
            link: t(&format!("dev/{name}"))?,
        });
    }
    ops.push(Op::Mount {
        source: cstr("tmpfs"),
        target: t("tmp")?,
        fstype: cstr("tmpfs"),
        flags: nodev,
        data: cstr("mode=1777"),
    });
    ops.push(Op::Chroot(cpath(target)?));
    ops.push(Op::ChdirRoot);
    Ok(ops)
}

/// Run `ops` in order; stop at the first failure, naming the operation.
pub fn apply(ops: &[Op], sys: &dyn Sys) -> Result<(), (usize, nix::Error)> {
    for (i, op) in ops.iter().enumerate() {
        let r = match op {
            Op::Unshare(f) => sys.unshare(*f),
            Op::AwaitMaps { report, go } => sys.await_maps(*report, *go),
            Op::WriteFile { path, data } => sys.write_file(path, data),
            Op::RBind { source, target } => sys.mount(
                Some(source),
                target,
                None,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None,
            ),
            Op::PrivateRoot => sys.mount(
                None,
                &cstr("/"),
                None,
                MsFlags::MS_REC | MsFlags::MS_PRIVATE,
                None,
            ),
            Op::Mount {
                source,
                target,
                fstype,
                flags,
                data,
            } => {
                let data = (!data.as_bytes().is_empty()).then_some(data);
                sys.mount(Some(source), target, Some(fstype), *flags, data)
            }
            Op::Bind { source, target } => {
                sys.mount(Some(source), target, None, MsFlags::MS_BIND, None)
            }
            Op::Touch(p) => sys.touch(p),
            Op::Symlink { target, link } => sys.symlink(target, link),
            Op::SetHostname(h) => sys.sethostname(h),
            Op::Chroot(p) => sys.chroot(p),
            Op::ChdirRoot => sys.chdir_root(),
        };
        r.map_err(|e| (i, e))?;
    }
    Ok(())
}

/// The runner of `stage`, to be started inside the chroot target `root`:
/// before exec the child applies `plan(root)` (namespaces, mounts, chroot),
/// with the host's signal handlers reset. Run it with `supervise`.
pub fn runner_command(root: &Path, stage: &str, who: &Identity) -> Result<std::process::Command> {
    use nix::sys::signal::{self, SigHandler, Signal};
    use std::os::unix::process::CommandExt;

    let root = prepare_mount_points(root)?;
    // Lives in the closure: the child's pipe ends stay open until it runs.
    let mapper = match who {
        Identity::Mapped {
            uid,
            gid,
            sub: Some(s),
        } => Some(Mapper::start(*uid, *gid, s, true)?),
        _ => None,
    };
    let entry = match (who, &mapper) {
        (Identity::Root, _) => Entry::Root,
        (_, Some(m)) => {
            let (report, go) = m.child_fds();
            Entry::Helped { report, go }
        }
        (Identity::Mapped { uid, gid, .. }, None) => Entry::Single {
            uid: *uid,
            gid: *gid,
        },
    };
    let ops = plan(&root, entry)?;
    // Built before the fork: the child may only make syscalls.
    let messages: Vec<CString> = ops
        .iter()
        .map(|op| {
            CString::new(format!(
                "bootstrap: setting up the chroot failed at {op:?}\n"
            ))
            .unwrap_or_default()
        })
        .collect();
    // (It dies with the host tool: see `supervise`.)
    let mut cmd = std::process::Command::new(bootstrap_contract::paths::RUNNER);
    cmd.args(["--stage", stage])
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    // SAFETY: only async-signal-safe calls (sigaction, the mount and chroot
    // syscalls, write) on memory prepared before the fork.
    unsafe {
        cmd.pre_exec(move || {
            let _ = &mapper;
            for s in [
                Signal::SIGINT,
                Signal::SIGTERM,
                Signal::SIGHUP,
                Signal::SIGPIPE,
            ] {
                signal::signal(s, SigHandler::SigDfl)?;
            }
            apply(&ops, &Linux).map_err(|(i, e)| {
                let m = &messages[i];
                let _ = nix::unistd::write(std::io::stderr(), m.as_bytes());
                std::io::Error::from_raw_os_error(e as i32)
            })
        });
    }
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[derive(Default)]
    struct Record {
        calls: RefCell<Vec<String>>,
        fail_at: Option<usize>,
    }

    impl Record {
        fn log(&self, s: String) -> nix::Result<()> {
            let mut c = self.calls.borrow_mut();
            c.push(s);
            if Some(c.len() - 1) == self.fail_at {
                return Err(nix::Error::EPERM);
            }
            Ok(())
        }
    }

    fn s(c: &CString) -> String {
        c.to_string_lossy().to_string()
    }

    impl Sys for Record {
        fn unshare(&self, f: CloneFlags) -> nix::Result<()> {
            self.log(format!("unshare {:?}", f))
        }
        fn await_maps(&self, report: RawFd, go: RawFd) -> nix::Result<()> {
            self.log(format!("await maps {report} {go}"))
        }
        fn write_file(&self, p: &CString, d: &CString) -> nix::Result<()> {
            self.log(format!("write {} {}", s(p), s(d)))
        }
        fn mount(
            &self,
            src: Option<&CString>,
            t: &CString,
            fs: Option<&CString>,
            fl: MsFlags,
            d: Option<&CString>,
        ) -> nix::Result<()> {
            self.log(format!(
                "mount {:?} {} {:?} {:?} {:?}",
                src.map(s),
                s(t),
                fs.map(s),
                fl,
                d.map(s)
            ))
        }
        fn touch(&self, p: &CString) -> nix::Result<()> {
            self.log(format!("touch {}", s(p)))
        }
        fn symlink(&self, t: &CString, l: &CString) -> nix::Result<()> {
            self.log(format!("symlink {} {}", s(t), s(l)))
        }
        fn sethostname(&self, n: &CString) -> nix::Result<()> {
            self.log(format!("hostname {}", s(n)))
        }
        fn chroot(&self, p: &CString) -> nix::Result<()> {
            self.log(format!("chroot {}", s(p)))
        }
        fn chdir_root(&self) -> nix::Result<()> {
            self.log("chdir /".into())
        }
    }

    #[test]
    fn isolates_before_mounting_and_mounts_only_inside_the_target() {
        let ops = plan(Path::new("/srv/t"), Entry::Root).unwrap();
        let r = Record::default();
        apply(&ops, &r).unwrap();
        let calls = r.calls.into_inner();
        assert!(
            calls[0].starts_with("unshare")
                && calls[0].contains("CLONE_NEWNS")
                && calls[0].contains("CLONE_NEWNET"),
            "{}",
            calls[0]
        );
        assert!(
            calls[1].starts_with("mount None / None")
                && calls[1].contains("MS_PRIVATE")
                && calls[1].contains("MS_REC"),
            "{}",
            calls[1]
        );
        // Every later mount, touch and link lands inside the target.
        for c in &calls[2..calls.len() - 2] {
            if c.starts_with("mount") || c.starts_with("touch") || c.starts_with("symlink") {
                assert!(c.contains(" /srv/t/"), "{c}");
            }
        }
        assert!(
            calls.iter().any(
                |c| c == "mount Some(\"/dev/null\") /srv/t/dev/null None MsFlags(MS_BIND) None"
            ),
            "{calls:#?}"
        );
        assert_eq!(&calls[calls.len() - 2..], ["chroot /srv/t", "chdir /"]);
    }

    #[test]
    fn an_ordinary_user_is_root_in_its_own_user_namespace_first() {
        let who = Entry::Single {
            uid: 1000,
            gid: 100,
        };
        let r = Record::default();
        apply(&plan(Path::new("/srv/t"), who).unwrap(), &r).unwrap();
        let calls = r.calls.into_inner();
        assert!(calls[0].contains("CLONE_NEWUSER") && calls[0].contains("CLONE_NEWNS"));
        assert_eq!(
            calls[1..4],
            [
                "write /proc/self/setgroups deny",
                "write /proc/self/uid_map 0 1000 1",
                "write /proc/self/gid_map 0 100 1",
            ]
        );
        assert!(calls[4].contains("MS_PRIVATE"), "{}", calls[4]);
        // /proc is the host's, bound: a new proc needs our own PID namespace.
        assert!(
            calls.contains(
                &"mount Some(\"/proc\") /srv/t/proc None MsFlags(MS_BIND | MS_REC) None".into()
            ),
            "{calls:#?}"
        );
        // The rest is the root plan's.
        let root = Record::default();
        apply(&plan(Path::new("/srv/t"), Entry::Root).unwrap(), &root).unwrap();
        let root = root.calls.into_inner();
        assert_eq!(calls[calls.len() - 20..], root[root.len() - 20..]);
    }

    #[test]
    fn a_helped_map_waits_for_the_host_tool_before_any_mount() {
        let r = Record::default();
        let entry = Entry::Helped { report: 7, go: 8 };
        apply(&plan(Path::new("/srv/t"), entry).unwrap(), &r).unwrap();
        let calls = r.calls.into_inner();
        assert!(calls[0].contains("CLONE_NEWUSER") && calls[0].contains("CLONE_NEWNS"));
        // No map of its own and setgroups left as the helpers made it.
        assert_eq!(calls[1], "await maps 7 8");
        assert!(calls[2].contains("MS_PRIVATE"), "{}", calls[2]);
        assert!(!calls.iter().any(|c| c.starts_with("write")), "{calls:#?}");
        let single = Record::default();
        let entry = Entry::Single { uid: 1, gid: 1 };
        apply(&plan(Path::new("/srv/t"), entry).unwrap(), &single).unwrap();
        assert_eq!(calls[2..], single.calls.into_inner()[4..]);
    }

    #[test]
    fn stops_at_the_first_failure() {
        let ops = plan(Path::new("/t"), Entry::Root).unwrap();
        let r = Record {
            fail_at: Some(3),
            ..Default::default()
        };
        let (i, e) = apply(&ops, &r).unwrap_err();
        assert_eq!((i, e), (3, nix::Error::EPERM));
        assert_eq!(r.calls.borrow().len(), 4);
    }

    #[test]
    fn mount_points_must_be_real_directories() {
        let t = tempfile::tempdir().unwrap();
        let root = prepare_mount_points(t.path()).unwrap();
        for m in MOUNT_POINTS {
            assert!(root.join(m).is_dir());
        }
        std::fs::remove_dir(root.join("dev")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("dev")).unwrap();
        let e = prepare_mount_points(t.path()).unwrap_err().to_string();
        assert!(e.contains("must be a directory"), "{e}");
    }
}
