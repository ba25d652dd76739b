//! The user namespace of a chroot run by an ordinary user: who enters the
//! target, how many ids exist there, and whether the host allows it at all.
//!
//! The caller becomes root inside. By default the map is that one id
//! (`0 <uid> 1`, setgroups denied), written by the child itself: no helper,
//! no setuid binary, and every step runs. Where the host's administrator
//! gave the caller subordinate ids (at least 65535 in /etc/subuid and in
//! /etc/subgid) and shadow's `newuidmap`/`newgidmap` are installed, ids
//! 1..=65535 inside are mapped onto them as well, so the guest's other
//! users exist (nobody, a check's test user) and setgroups works. Those two
//! setuid helpers can only write maps the administrator allowed; the host
//! tool runs them from a thread while the child waits between its unshare
//! and its first mount (`await_maps`). A wide map that fails its probe
//! falls back to the single id, said once.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use nix::sched::CloneFlags;

use crate::util::cmd::find_tool;

/// Ids mapped onto subordinate ids: 1..=SUB_COUNT inside (with 0, the
/// caller, the 65536 ids a Debian system uses, nobody's 65534 among them).
pub const SUB_COUNT: u32 = 65535;

/// The caller's subordinate ids and the helpers that map them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubIds {
    pub uid_start: u32,
    pub gid_start: u32,
    pub newuidmap: PathBuf,
    pub newgidmap: PathBuf,
}

/// Who enters the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The host tool runs as root.
    Root,
    /// An ordinary user, root only inside its own user namespace; `sub`:
    /// the wider map, where configured.
    Mapped {
        uid: u32,
        gid: u32,
        sub: Option<SubIds>,
    },
}

impl Identity {
    /// Root, or the calling user mapped (widely where the host allows it).
    pub fn current() -> Identity {
        let uid = nix::unistd::geteuid();
        if uid.is_root() {
            return Identity::Root;
        }
        let gid = nix::unistd::getegid();
        let name = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|u| u.name);
        let group = nix::unistd::Group::from_gid(gid)
            .ok()
            .flatten()
            .map(|g| g.name);
        let read = |f: &str| std::fs::read_to_string(f).unwrap_or_default();
        let (subuid, subgid) = (read("/etc/subuid"), read("/etc/subgid"));
        let sub = (|| {
            Some(SubIds {
                uid_start: sub_start(&subuid, name.as_deref(), uid.as_raw())?,
                gid_start: sub_start(&subgid, name.as_deref(), uid.as_raw())
                    .or_else(|| sub_start(&subgid, group.as_deref(), gid.as_raw()))?,
                newuidmap: find_tool("newuidmap", "uidmap").ok()?,
                newgidmap: find_tool("newgidmap", "uidmap").ok()?,
            })
        })();
        Identity::Mapped {
            uid: uid.as_raw(),
            gid: gid.as_raw(),
            sub,
        }
    }

    /// One line for the run's output: how ids are mapped.
    pub fn describe(&self) -> String {
        match self {
            Identity::Root => "running as root".into(),
            Identity::Mapped {
                uid,
                gid,
                sub: None,
            } => format!(
                "not root: the chroot runs in a user namespace where uid {uid} \
                 (gid {gid}) is root, the only id there (no subordinate ids in \
                 /etc/subuid and /etc/subgid, or no newuidmap)"
            ),
            Identity::Mapped {
                uid,
                gid,
                sub: Some(s),
            } => format!(
                "not root: the chroot runs in a user namespace where uid {uid} \
                 (gid {gid}) is root and ids 1-{SUB_COUNT} are mapped onto \
                 subordinate uids from {} and gids from {}",
                s.uid_start, s.gid_start
            ),
        }
    }
}

/// The start of the first range of at least SUB_COUNT ids that `text` (the
/// format of /etc/subuid: `owner:start:count`) gives to `name` or `id`.
fn sub_start(text: &str, name: Option<&str>, id: u32) -> Option<u32> {
    let id = id.to_string();
    text.lines().find_map(|l| {
        let mut f = l.trim().split(':');
        let (owner, start, count) = (f.next()?, f.next()?, f.next()?);
        if f.next().is_some() || !(Some(owner) == name || owner == id) {
            return None;
        }
        let (start, count): (u32, u32) = (start.parse().ok()?, count.parse().ok()?);
        (count >= SUB_COUNT && start.checked_add(SUB_COUNT).is_some()).then_some(start)
    })
}

/// In the child, right after its unshare: send our pid to the host tool and
/// wait until it has written the maps. Only syscalls (it runs between fork
/// and exec).
pub fn await_maps(report: RawFd, go: RawFd) -> nix::Result<()> {
    // SAFETY: both stay open for the closure's lifetime (`Mapper`).
    let (report, go) = unsafe { (BorrowedFd::borrow_raw(report), BorrowedFd::borrow_raw(go)) };
    let pid = nix::unistd::getpid().as_raw().to_ne_bytes();
    if nix::unistd::write(report, &pid)? != pid.len() {
        return Err(nix::Error::EIO);
    }
    let mut ok = [0u8];
    match nix::unistd::read(go, &mut ok)? {
        1 if ok[0] == 1 => Ok(()),
        _ => Err(nix::Error::EPERM),
    }
}

/// The host tool's half of a wide map: a thread that waits for the child's
/// pid, runs newuidmap and newgidmap on it and lets it go on. The child's
/// ends of the two pipes must reach the child (`child_fds`) and stay open
/// until it has been spawned; dropping the Mapper closes them.
pub struct Mapper {
    report: OwnedFd,
    go: OwnedFd,
    thread: std::thread::JoinHandle<Result<()>>,
}

impl Mapper {
    /// `say`: print a failure (a real run; a probe reads it from `finish`).
    pub fn start(uid: u32, gid: u32, sub: &SubIds, say: bool) -> Result<Mapper> {
        let (report_r, report_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let (go_r, go_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let sub = sub.clone();
        let thread = std::thread::spawn(move || {
            let mut report = std::fs::File::from(report_r);
            let mut go = std::fs::File::from(go_w);
            let mut pid = [0u8; 4];
            // The child died or was never started: nothing to map.
            if report.read_exact(&mut pid).is_err() {
                return Ok(());
            }
            let pid = i32::from_ne_bytes(pid);
            let r = map(pid, uid, gid, &sub);
            let _ = go.write_all(&[r.is_ok() as u8]);
            if let (Err(e), true) = (&r, say) {
                eprintln!("bootstrap: mapping the user namespace's ids failed: {e:#}");
            }
            r
        });
        Ok(Mapper {
            report: report_w,
            go: go_r,
            thread,
        })
    }

    /// The child's (report, go) ends, for `await_maps`.
    pub fn child_fds(&self) -> (RawFd, RawFd) {
        (self.report.as_raw_fd(), self.go.as_raw_fd())
    }

    /// Close the child's ends and wait for the thread's result.
    pub fn finish(self) -> Result<()> {
        drop((self.report, self.go));
        match self.thread.join() {
            Ok(r) => r,
            Err(_) => bail!("the thread mapping ids panicked"),
        }
    }
}

/// newuidmap and newgidmap on `pid`: 0 is the caller, 1..=SUB_COUNT the
/// subordinate ids.
fn map(pid: i32, uid: u32, gid: u32, sub: &SubIds) -> Result<()> {
    for (tool, own, start) in [
        (&sub.newuidmap, uid, sub.uid_start),
        (&sub.newgidmap, gid, sub.gid_start),
    ] {
        let args = [pid as u32, 0, own, 1, 1, start, SUB_COUNT].map(|n| n.to_string());
        let o = std::process::Command::new(tool)
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .with_context(|| format!("running {}", tool.display()))?;
        if !o.status.success() {
            bail!(
                "{} {} exited with {}: {}",
                tool.display(),
                args.join(" "),
                o.status,
                String::from_utf8_lossy(&o.stderr).trim()
            );
        }
    }
    Ok(())
}

/// The sysctls that decide whether an ordinary user may make a user
/// namespace: (name, its file).
const USERNS_SETTINGS: [(&str, &str); 3] = [
    (
        "user.max_user_namespaces",
        "/proc/sys/user/max_user_namespaces",
    ),
    (
        "kernel.unprivileged_userns_clone",
        "/proc/sys/kernel/unprivileged_userns_clone",
    ),
    (
        "kernel.apparmor_restrict_unprivileged_userns",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
    ),
];

/// Before anything is touched: fail at once, naming the setting that
/// forbids it, if this user may not make a user namespace; where `who` has
/// subordinate ids, try the wide map too and fall back to the single id
/// (said) if it fails. Both are tried on throwaway children.
pub fn check(who: Identity) -> Result<Identity> {
    let Identity::Mapped { uid, gid, sub } = who else {
        return Ok(who);
    };
    probe(None).map_err(|e| {
        let values: Vec<(&str, Option<String>)> = USERNS_SETTINGS
            .iter()
            .map(|(name, file)| {
                let v = std::fs::read_to_string(file).ok();
                (*name, v.map(|v| v.trim().to_string()))
            })
            .collect();
        anyhow::anyhow!("{}", userns_refusal(&e.to_string(), &values))
    })?;
    let sub = match sub {
        Some(s) => match Mapper::start(uid, gid, &s, false)
            .and_then(|m| {
                let r = probe(Some(&m));
                m.finish().and(r.map_err(Into::into))
            })
            .context("the wide map")
        {
            Ok(()) => Some(s),
            Err(e) => {
                eprintln!(
                    "bootstrap: warning: {e:#}; using a single-id map instead (every \
                     step still runs; checks that switch users say what they leave out)"
                );
                None
            }
        },
        None => None,
    };
    Ok(Identity::Mapped { uid, gid, sub })
}

/// Start `bootstrap --version` in a new user namespace (mapped by `mapper`,
/// or not mapped at all).
fn probe(mapper: Option<&Mapper>) -> std::io::Result<()> {
    let mut c = std::process::Command::new(std::env::current_exe()?);
    c.arg("--version")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let fds = mapper.map(Mapper::child_fds);
    // SAFETY: unshare(2), and await_maps' write and read, only.
    unsafe {
        c.pre_exec(move || {
            nix::sched::unshare(CloneFlags::CLONE_NEWUSER)?;
            if let Some((report, go)) = fds {
                await_maps(report, go)?;
            }
            Ok(())
        });
    }
    let status = c.status()?;
    match status.success() {
        true => Ok(()),
        false => Err(std::io::Error::other(format!(
            "the probe child exited with {status}"
        ))),
    }
}

/// Why the host refused a user namespace (`error`), from the settings'
/// values (None: the setting does not exist here).
fn userns_refusal(error: &str, values: &[(&str, Option<String>)]) -> String {
    let value = |name: &str| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
    };
    let mut why = Vec::new();
    if value("user.max_user_namespaces") == Some("0") {
        why.push(
            "user.max_user_namespaces is 0: no user namespaces at all \
             (as root: sysctl -w user.max_user_namespaces=15000)",
        );
    }
    if value("kernel.unprivileged_userns_clone") == Some("0") {
        why.push(
            "kernel.unprivileged_userns_clone is 0: only root may make them \
             (as root: sysctl -w kernel.unprivileged_userns_clone=1)",
        );
    }
    if value("kernel.apparmor_restrict_unprivileged_userns") == Some("1") {
        why.push(
            "kernel.apparmor_restrict_unprivileged_userns is 1: AppArmor forbids them \
             to programs without a profile that allows `userns` (as root: \
             sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or such a profile)",
        );
    }
    let why = match why.is_empty() {
        true => "no setting this tool knows explains it (a container's seccomp \
                 filter may forbid unshare); run it as root instead"
            .to_string(),
        false => why.join("; "),
    };
    format!(
        "run --chroot as an ordinary user needs a user namespace, and this host refused one \
         ({error}): {why}. Nothing was started or changed."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subordinate_ids_by_name_or_number_and_wide_enough() {
        let t = "# comment\nbob:100000:65536\nalice:200000:1000\nalice:300000:65536\n1001:400000:70000\n";
        assert_eq!(sub_start(t, Some("bob"), 1000), Some(100000));
        // alice's first range is too small for ids 1..=65535.
        assert_eq!(sub_start(t, Some("alice"), 1000), Some(300000));
        assert_eq!(sub_start(t, None, 1001), Some(400000));
        assert_eq!(sub_start(t, Some("carol"), 1002), None);
        assert_eq!(
            sub_start("bob:x:65536\nbob:4294967295:65536\n", Some("bob"), 7),
            None
        );
    }

    #[test]
    fn a_refused_user_namespace_names_the_setting() {
        let v = |a: &str, b: Option<&str>, c: Option<&str>| {
            vec![
                ("user.max_user_namespaces", Some(a.to_string())),
                ("kernel.unprivileged_userns_clone", b.map(String::from)),
                (
                    "kernel.apparmor_restrict_unprivileged_userns",
                    c.map(String::from),
                ),
            ]
        };
        let m = userns_refusal("EPERM", &v("0", None, None));
        assert!(m.contains("user.max_user_namespaces is 0"), "{m}");
        assert!(m.contains("(EPERM)") && m.ends_with("Nothing was started or changed."));
        let m = userns_refusal("EPERM", &v("100", Some("0"), Some("1")));
        assert!(m.contains("kernel.unprivileged_userns_clone is 0"), "{m}");
        assert!(m.contains("AppArmor forbids them"), "{m}");
        assert!(!m.contains("max_user_namespaces"), "{m}");
        let m = userns_refusal("EPERM", &v("100", Some("1"), None));
        assert!(m.contains("no setting this tool knows explains it"), "{m}");
    }

    #[test]
    fn a_mapper_whose_child_never_reports_ends_quietly() {
        let s = SubIds {
            uid_start: 100000,
            gid_start: 100000,
            newuidmap: "/nonexistent/newuidmap".into(),
            newgidmap: "/nonexistent/newgidmap".into(),
        };
        let m = Mapper::start(1000, 1000, &s, false).unwrap();
        m.finish().unwrap();
    }
}
