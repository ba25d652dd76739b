//! `run --chroot` as an ordinary user: a user created for the test runs a
//! chain cut short after sed (TinyCC, make, the shell, the compressors,
//! tar, patch, awk and sed, with their checks; the whole chain in an
//! ignored test), in a user namespace, and its records equal a root run's
//! (`verify --against`), with the single-id map and again with the wide map
//! of subordinate ids (given to the user for the test with usermod, taken
//! back after); in a user namespace whose user.max_user_namespaces is 0
//! the run stops at once naming that setting and leaves nothing behind.
//! Needs root (to make the user and run as it), useradd, usermod,
//! newuidmap, newgidmap and setpriv;
//! skipped with a reason without them, required under CI=true.

mod common;
use common::*;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

const USER: &str = "bootstrap-test";
/// After make (`UP_TO_MAKE`), far enough for the first steps that extract
/// distfiles with the chain's own tar as root in the namespace (check-tar,
/// check-sed): tar gives files their archive's owners, which a single-id
/// map does not have.
const MAKE_TO_SED: &[&str] = &[
    "dash-0.5.12",
    "check-shell",
    "ar",
    "check-ar",
    "bzip2-1.0.8",
    "gzip-1.13",
    "check-compress",
    "xz-5.8.1",
    "check-xz",
    "check-sources",
    "confh",
    "check-confh",
    "tar-1.35",
    "check-tar",
    "patch-2.8",
    "check-patch",
    "check-unpack",
    "mawk-1.3.4-20250131",
    "check-awk",
    "sed-4.9",
    "check-sed",
];
/// The tests change a host-wide setting: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// The test user's uid and gid, made if missing.
fn test_user() -> Result<(u32, u32), String> {
    let id = |flag: &str| -> Option<u32> {
        let o = Command::new("id").args([flag, USER]).output().ok()?;
        String::from_utf8_lossy(&o.stdout).trim().parse().ok()
    };
    if id("-u").is_none() {
        let useradd = sbin("useradd").ok_or("no useradd")?;
        let s = Command::new(useradd)
            .args(["--system", "--no-create-home", "--shell", "/bin/sh", USER])
            .status()
            .map_err(|e| e.to_string())?;
        if !s.success() {
            return Err(format!("useradd {USER} failed"));
        }
    }
    Ok((id("-u").ok_or("no uid")?, id("-g").ok_or("no gid")?))
}

struct Setup {
    _t: tempfile::TempDir,
    dir: PathBuf,
    proj: PathBuf,
    bin: PathBuf,
    runner: PathBuf,
    dist: PathBuf,
    uid: u32,
    gid: u32,
}

/// How much of the chain a test runs.
#[derive(Clone, Copy, PartialEq)]
enum Chain {
    /// Up to sed's check: CI's.
    ToSed,
    /// Everything, the kernel too (about 10 minutes a run here; ignored).
    Whole,
}

fn setup(chain: Chain) -> Option<Setup> {
    if !nix::unistd::geteuid().is_root() {
        skip("rootless", "needs root to make a user and run as it");
        return None;
    }
    let (uid, gid) = match test_user() {
        Ok(ids) => ids,
        Err(e) => {
            skip("rootless", &e);
            return None;
        }
    };
    let distfiles = match pinned_distfiles() {
        Ok(d) => d,
        Err(e) => {
            skip("rootless", &e);
            return None;
        }
    };
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().to_path_buf();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let proj = project_copy(&dir);
    if chain == Chain::ToSed {
        keep_steps(&proj, "sysa", &[UP_TO_MAKE, MAKE_TO_SED].concat());
        keep_steps(&proj, "sysc", &["check-system"]);
    }
    // What the user may read: its own copies of the program, the runner and
    // the distfiles this chain uses.
    let dist = dir.join("dist");
    std::fs::create_dir(&dist).unwrap();
    let sums = std::fs::read_to_string(proj.join("SHA256SUMS.sources")).unwrap();
    for name in sums.lines().filter_map(|l| l.split_whitespace().nth(1)) {
        std::fs::copy(distfiles.join(name), dist.join(name)).unwrap();
    }
    let bin = dir.join("bootstrap");
    std::fs::copy(env!("CARGO_BIN_EXE_bootstrap"), &bin).unwrap();
    let runner = dir.join("runner");
    std::fs::copy(static_runner().unwrap(), &runner).unwrap();
    for d in ["home", "user"] {
        std::fs::create_dir(dir.join(d)).unwrap();
        nix::unistd::chown(
            &dir.join(d),
            Some(nix::unistd::Uid::from_raw(uid)),
            Some(nix::unistd::Gid::from_raw(gid)),
        )
        .unwrap();
    }
    chown_tree(&dist, uid, gid);
    // The whole chain needs gcc-seed: the user gets a copy of the one this
    // machine's root has built, if any, rather than twenty minutes more.
    let seeds = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .map(|c| c.join("bootstrap/seeds"));
    if let (Chain::Whole, Some(seeds)) = (chain, seeds.filter(|d| d.is_dir())) {
        let mine = dir.join("home/.cache/bootstrap");
        std::fs::create_dir_all(&mine).unwrap();
        let s = Command::new("cp").arg("-a").arg(&seeds).arg(&mine).status();
        assert!(s.unwrap().success());
        chown_tree(&dir.join("home/.cache"), uid, gid);
    }
    Some(Setup {
        _t: t,
        dir,
        proj,
        bin,
        runner,
        dist,
        uid,
        gid,
    })
}

fn chown_tree(p: &Path, uid: u32, gid: u32) {
    let s = Command::new("chown")
        .arg("-R")
        .arg(format!("{uid}:{gid}"))
        .arg(p)
        .status()
        .unwrap();
    assert!(s.success());
}

impl Setup {
    /// `bootstrap run --chroot` into `target`, as the test user or as root.
    fn run(&self, target: &Path, as_user: bool) -> Output {
        let args = [
            "-C",
            path_str(&self.proj),
            "run",
            "--chroot",
            "--no-cache",
            "--target",
            path_str(target),
            "--distfiles",
            path_str(&self.dist),
            "--offline",
            "--runner",
            path_str(&self.runner),
        ];
        let home = self.dir.join("home");
        let mut c = match as_user {
            true => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={}", self.uid))
                    .arg(format!("--regid={}", self.gid))
                    .arg("--clear-groups")
                    .arg("--")
                    .arg(&self.bin);
                c
            }
            false => Command::new(&self.bin),
        };
        c.args(args)
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join(".cache"));
        c.output().unwrap()
    }
}

#[test]
fn an_ordinary_user_builds_the_same_records_as_root() {
    same_records_as_root(Chain::ToSed);
}

/// The same over the whole chain: `cargo test --release --test rootless --
/// --ignored` (three whole chains: 23 minutes here).
#[test]
#[ignore]
fn the_whole_chain_as_an_ordinary_user_builds_the_same_records_as_root() {
    same_records_as_root(Chain::Whole);
}

fn same_records_as_root(chain: Chain) {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(s) = setup(chain) else { return };
    let mine = s.dir.join("user/target");
    let o = s.run(&mine, true);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("bootstrap: done"), "{out}");
    // The user owns what it built.
    let owner = std::fs::metadata(mine.join("usr/bin/tcc")).map(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid()
    });
    assert_eq!(owner.unwrap(), s.uid);

    assert!(err.contains("is root, the only id there"), "{err}");

    // The same user given subordinate ids: ids 1-65535 are mapped too.
    let wide = s.dir.join("user/wide");
    let helpers = ["newuidmap", "newgidmap"].map(|t| Path::new("/usr/bin").join(t));
    let targets = match (helpers.iter().all(|h| h.is_file()), sbin("usermod")) {
        (true, Some(usermod)) => {
            let _ids = SubIds::give(usermod);
            let o = s.run(&wide, true);
            let (out, err) = text(&o);
            assert!(o.status.success(), "{out}\n{err}");
            let said = format!("uids from {SUB_START} and gids from {SUB_START}");
            assert!(err.contains(&said), "{err}");
            assert!(!err.contains("warning"), "{err}");
            vec![&mine, &wide]
        }
        _ => {
            skip("rootless wide map", "no usermod, newuidmap or newgidmap");
            vec![&mine]
        }
    };

    let roots = s.dir.join("root-target");
    let o = s.run(&roots, false);
    assert!(o.status.success(), "{:?}", text(&o));
    for t in targets {
        let v = Command::new(&s.bin)
            .args(["-C", path_str(&s.proj), "verify", "--target"])
            .arg(t)
            .arg("--against")
            .arg(&roots)
            .output()
            .unwrap();
        let (vout, verr) = text(&v);
        assert!(v.status.success(), "{vout}\n{verr}");
        assert!(vout.contains("verify: identical: "), "{vout}");
    }
}

/// The test user's subordinate ids, from here.
const SUB_START: u32 = 1_300_000;

/// Subordinate ids given to the test user for the scope of a test:
/// usermod's path and the range.
struct SubIds(PathBuf, String);

impl SubIds {
    fn give(usermod: PathBuf) -> SubIds {
        let range = format!("{SUB_START}-{}", SUB_START + 65535);
        let s = Command::new(&usermod)
            .args(["--add-subuids", &range, "--add-subgids", &range, USER])
            .status()
            .unwrap();
        assert!(s.success(), "usermod --add-subuids");
        SubIds(usermod, range)
    }
}

impl Drop for SubIds {
    fn drop(&mut self) {
        let SubIds(usermod, range) = self;
        let _ = Command::new(usermod)
            .args(["--del-subuids", range, "--del-subgids", range, USER])
            .status();
    }
}

/// Runs `argv` as `uid`:`gid` inside a new user namespace (ids 0 and
/// `uid`/`gid` mapped to themselves) whose user.max_user_namespaces is 0:
/// a host that forbids user namespaces, without touching the host's own
/// setting (which may not even be writable, e.g. in a container).
const NO_USERNS: &str = r#"
import ctypes, os, sys
uid, gid, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
libc = ctypes.CDLL(None, use_errno=True)
r, w = os.pipe()
r2, w2 = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(w)
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        os._exit(90)
    os.write(w2, b"u")  # unshared: the parent may write the maps
    if os.read(r, 1) != b"x":
        os._exit(91)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    os.execv(argv[0], argv)
os.close(r)
if os.read(r2, 1) != b"u":
    sys.exit(92)
for kind, id_ in (("uid", uid), ("gid", gid)):
    with open(f"/proc/{pid}/{kind}_map", "w") as f:
        f.write(f"0 0 1\n{id_} {id_} 1\n")
os.write(w, b"x")
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"#;

#[test]
fn without_user_namespaces_the_run_stops_at_once_naming_the_setting() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(s) = setup(Chain::ToSed) else { return };
    let script = s.dir.join("no-userns.py");
    std::fs::write(&script, NO_USERNS).unwrap();
    let target = s.dir.join("user/target");
    let o = Command::new("python3")
        .arg(&script)
        .arg(s.uid.to_string())
        .arg(s.gid.to_string())
        .arg(&s.bin)
        .args(["-C", path_str(&s.proj), "run", "--chroot", "--target"])
        .arg(&target)
        .args(["--distfiles", path_str(&s.dist), "--offline"])
        .env("HOME", s.dir.join("home"))
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    assert!(
        err.contains("needs a user namespace, and this host refused one")
            && err.contains("user.max_user_namespaces is 0"),
        "{err}"
    );
    assert!(
        !target.exists(),
        "the refused run made {}",
        target.display()
    );
}
