//! Laying out a seed tree: what the runner finds under /bootstrap. The same
//! code serves a chroot target (laid into the target directory, refreshed on
//! every run so that a fixed recipe takes effect on resume) and the
//! initramfs (laid into a temporary directory, then archived).
//!
//! ```text
//! init -> bootstrap/runner           (initramfs only)
//! bootstrap/runner                   the static step runner
//! bootstrap/seed/{bin,lib/tcc}/      tcc-seed, its headers and libtcc1.a
//! bootstrap/plan/<stage>.{steps,env} written from parts.toml for this mode
//! bootstrap/recipes/<stage>/<step>/  recipe directories (+ improve/)
//! bootstrap/src/<step>/              sources unpacked and patched by the host
//!                                    (not for recipes with unpack = "guest")
//! bootstrap/distfiles/               the stage's verified source tarballs
//! bootstrap/distfiles/SHA256SUMS     every pinned hash (SHA256SUMS.sources), for the guest's checks
//! bootstrap/target.toml              marker: mode, seed compiler, seed id
//! ```

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use bootstrap_contract::{completed, paths, plan};

use crate::model::manifest::{Jump, Step, StepKind};
use crate::model::project::Project;
use crate::model::recipe::{Recipe, Unpack};
use crate::model::stages::{next_stage, Mode};
use crate::sources::distfile::{prepare_recipe, verified_distfile};
use crate::util::{fsutil, in_root};

/// SOURCE_DATE_EPOCH of every step: the one date any output may carry.
pub const SOURCE_DATE_EPOCH: &str = "0";
pub const MARKER: &str = "bootstrap/target.toml";
/// The ext4 label of the target disk; sysb finds the disk by it.
pub const DISK_LABEL: &str = "BOOTSTRAP";
/// A fixed filesystem UUID: the image must be the same bytes every time.
pub const DISK_UUID: &str = "b0075742-a900-4000-8000-000000000001";

/// The `<stage>.steps` text for the runner.
pub fn steps_file(project: &Project, stage: &str, steps: &[&Step]) -> Result<String> {
    let recipes = paths::relative(&paths::recipes(stage)).to_string();
    let mut planned = Vec::new();
    for step in steps {
        let action = match &step.kind {
            StepKind::Build { .. } => {
                let r = project
                    .step_recipe(stage, step)
                    .expect("checked by Project::load");
                let script = r.script.as_deref().unwrap_or("build.kaem");
                plan::Action::Script {
                    script: format!("{recipes}/{}/{script}", step.name),
                    // "kaem" is the runner's own interpreter: no program.
                    interpreter: r.interpreter.clone().filter(|i| i != "kaem"),
                }
            }
            StepKind::Improve { script } => plan::Action::Script {
                script: format!("{recipes}/improve/{script}"),
                interpreter: script.ends_with(".sh").then(|| "/bin/sh".to_string()),
            },
            StepKind::Jump(j) => {
                // The runner needs to know where the jump leads: the next
                // stage, and for switch_root the disk's label.
                let Some(next) = next_stage(stage) else {
                    bail!(
                        "parts.toml:{}: {stage} is the last stage; step {} has no stage to jump to",
                        step.line,
                        step.name
                    );
                };
                let method = match j {
                    Jump::Kexec => plan::Method::Kexec {
                        kernel: step.kernel.clone(),
                    },
                    Jump::SwitchRoot => plan::Method::SwitchRoot {
                        label: DISK_LABEL.into(),
                    },
                };
                plan::Action::Jump {
                    method,
                    next: next.into(),
                }
            }
        };
        let kind = match &step.kind {
            StepKind::Build { .. } => plan::Kind::Build,
            StepKind::Improve { .. } => plan::Kind::Improve,
            StepKind::Jump(_) => plan::Kind::Jump,
        };
        planned.push(plan::Step {
            kind,
            name: step.name.clone(),
            action,
        });
    }
    let text =
        plan::render_steps(&planned).with_context(|| format!("writing the {stage} step list"))?;
    Ok(format!(
        "# written by bootstrap from parts.toml; do not edit\n{text}"
    ))
}

/// The base environment of every step: fixed, so nothing of the host leaks in.
pub fn env_file(mode: &str, jobs: usize) -> String {
    let vars = [
        ("PATH", format!("/usr/bin:/bin:{}", paths::BIN)),
        ("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH.into()),
        ("TZ", "UTC".into()),
        ("LC_ALL", "C".into()),
        ("LANG", "C".into()),
        ("HOME", "/tmp".into()),
        ("TMPDIR", "/tmp".into()),
        ("BOOTSTRAP_MODE", mode.into()),
        ("JOBS", jobs.to_string()),
    ]
    .map(|(k, v)| (k.to_string(), v));
    let text = plan::render_env(&vars).expect("fixed names and plain values");
    format!(
        "# written by bootstrap; the whole environment of a step, plus the runner's own\n{text}"
    )
}

/// The steps the runner has recorded as completed in `root`, in the order
/// they completed (none for a new target).
pub fn completed_steps(root: &Path) -> Result<Vec<completed::Entry>> {
    let p = in_root(root, paths::COMPLETED);
    match fs::read_to_string(&p) {
        Ok(t) => completed::parse(&t).with_context(|| p.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| p.display().to_string()),
    }
}

/// `<stage> <name>` pairs the runner has recorded as completed in `root`.
pub fn completed(root: &Path) -> Result<BTreeSet<(String, String)>> {
    Ok(completed_steps(root)?
        .into_iter()
        .map(|e| (e.stage, e.name))
        .collect())
}

/// `root` emptied, holding only the runner: an initramfs whose PID 1 does
/// not run a stage here but hands over to a disk (`boot --kernel`, a
/// resumed QEMU run).
pub fn lay_runner_only(root: &Path, runner: &Path) -> Result<()> {
    fsutil::remove_any(root)?;
    let at = in_root(root, paths::RUNNER);
    fs::create_dir_all(at.parent().expect("a file path"))?;
    fs::copy(runner, &at).with_context(|| runner.display().to_string())?;
    Ok(())
}

/// `init -> bootstrap/runner`: the runner is PID 1 of a booted seed.
pub fn link_init(root: &Path) -> Result<()> {
    std::os::unix::fs::symlink(paths::relative(paths::RUNNER), root.join("init"))
        .with_context(|| format!("linking {}/init", root.display()))
}

/// Everything a laid-out tree needs besides the project.
pub struct Inputs<'a> {
    pub project: &'a Project,
    pub distfiles: &'a Path,
    pub runner: &'a Path,
    /// A directory holding `bootstrap/seed/...` (from `seed::build`).
    pub seed: &'a Path,
    /// A tree holding `bootstrap/seed/gcc` (`GccSeed::root`), when a step
    /// of the run compiles with gcc-seed.
    pub gcc_seed: Option<&'a Path>,
    pub mode: Mode,
    pub jobs: usize,
    /// Where host-side work (unpack logs) goes.
    pub work: &'a Path,
}

/// Lay `stages` into `root`. Steps already completed there keep their
/// state; their sources are not unpacked again.
pub fn lay(root: &Path, inputs: &Inputs, stages: &[(&str, Vec<&Step>)]) -> Result<()> {
    let project = inputs.project;
    let at = |guest: &str| in_root(root, guest);
    fs::create_dir_all(at(paths::BOOTSTRAP))?;
    let done = completed(root)?;

    // Runner and seed: replaced every time (they are inputs, not state).
    fs::copy(inputs.runner, at(paths::RUNNER))
        .with_context(|| format!("copying runner {}", inputs.runner.display()))?;
    fsutil::remove_any(&at(paths::SEED))?;
    fsutil::copy_tree(&in_root(inputs.seed, paths::SEED), &at(paths::SEED))?;
    // gcc-seed only for a step still to run that compiles with it: a run
    // whose kernel came from the step cache does not carry 58 MB of GCC.
    let pending =
        |stage: &str, step: &Step| !done.contains(&(stage.to_string(), step.name.clone()));
    let needs_gcc = stages.iter().any(|(stage, steps)| {
        steps.iter().any(|step| {
            pending(stage, step) && project.step_recipe(stage, step).is_some_and(|r| r.gcc_seed)
        })
    });
    let improve_pending = stages.iter().any(|(stage, steps)| {
        steps
            .iter()
            .any(|step| matches!(step.kind, StepKind::Improve { .. }) && pending(stage, step))
    });
    if let (Some(gcc), true) = (inputs.gcc_seed, needs_gcc) {
        fsutil::copy_tree(&in_root(gcc, paths::GCC_SEED), &at(paths::GCC_SEED))?;
    }

    // Shared helpers: replaced every time, like the recipes.
    fsutil::remove_any(&at(paths::LIB))?;
    let global = project.root.join("sysglobal");
    if global.is_dir() {
        fsutil::copy_tree(&global, &at(paths::LIB))?;
    }

    fs::create_dir_all(at(paths::PLAN))?;
    let mut wanted_files = BTreeSet::new();
    for (stage, steps) in stages {
        fsutil::write_atomic(
            &at(&paths::steps(stage)),
            steps_file(project, stage, steps)?.as_bytes(),
        )?;
        fsutil::write_atomic(
            &at(&paths::env(stage)),
            env_file(inputs.mode.as_str(), inputs.jobs).as_bytes(),
        )?;

        let recipes = at(&paths::recipes(stage));
        fsutil::remove_any(&recipes)?;
        fs::create_dir_all(&recipes)?;
        let lists = at(&paths::sources_list(stage, "x"));
        let lists = lists.parent().expect("a file path");
        fsutil::remove_any(lists)?;
        let improve = project.root.join(stage).join("improve");
        if improve.is_dir() {
            fsutil::copy_tree(&improve, &recipes.join("improve"))?;
        }
        for step in steps {
            let Some(r) = project.step_recipe(stage, step) else {
                continue;
            };
            fsutil::copy_tree(&r.dir, &at(&paths::recipe(stage, &step.name)))?;
            let src = at(&paths::src(&step.name));
            fsutil::remove_any(&src)?;
            // A finished step (built before, or restored from the step
            // cache) needs neither its sources nor its distfiles, unless a
            // check still to run may read them (check-tar lists tarballs
            // of earlier steps).
            if pending(stage, step) || improve_pending {
                for s in &r.sources {
                    wanted_files.insert(s.file.clone());
                }
            }
            if !pending(stage, step) {
                continue;
            }
            if r.unpack == Unpack::Guest {
                let list = at(&paths::sources_list(stage, &step.name));
                fs::create_dir_all(lists)?;
                fsutil::write_atomic(&list, guest_sources(r)?.as_bytes())
                    .with_context(|| format!("writing the source list of step {}", step.name))?;
                continue;
            }
            lay_sources(inputs, r, &src)
                .with_context(|| format!("preparing the sources of step {}", step.name))?;
        }
    }

    // Distfiles: copied after a fresh hash check; stale ones removed.
    let sums_name = Path::new(paths::DISTFILE_SUMS)
        .file_name()
        .expect("a file path")
        .to_string_lossy()
        .to_string();
    if wanted_files.contains(&sums_name) {
        bail!(
            "a distfile may not be named {sums_name}: the pinned hashes are laid under that name"
        );
    }
    let dist = at(paths::DISTFILES);
    fs::create_dir_all(&dist)?;
    for e in fsutil::sorted_entries(&dist)? {
        let name = e
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if !wanted_files.contains(&name) {
            fsutil::remove_any(&e)?;
        }
    }
    for f in &wanted_files {
        let to = dist.join(f);
        let want = project.sums.get(f).unwrap_or_default();
        if to.exists() && fsutil::sha256_file(&to)? == want {
            continue;
        }
        let from = verified_distfile(project, inputs.distfiles, f)?;
        fs::copy(&from, &to)?;
    }
    // Every pinned hash of the project, so the guest can check what it
    // unpacks itself. All of them, not only this stage's: in QEMU the RAM
    // stages and the disk stages are laid apart and switch_root copies the
    // RAM's files over the disk's, so both must write the same list.
    let mut sums = String::new();
    for (f, e) in &project.sums.entries {
        sums.push_str(&format!("{}  {f}\n", e.sha256));
    }
    fsutil::write_atomic(&at(paths::DISTFILE_SUMS), sums.as_bytes())?;
    Ok(())
}

/// Unpack a recipe's sources into `src` and apply its patches. One source:
/// `src` is its tree; several: each in `src/<file name without .tar.*>`.
/// What `LIB/unpack.sh` unpacks and patches for `r`, in the host's order
/// (the same plan and patches [`prepare_recipe`] follows).
fn guest_sources(r: &Recipe) -> Result<String> {
    let sources: Vec<plan::GuestSource> = r
        .unpack_plan()
        .into_iter()
        .map(|(s, dir)| plan::GuestSource {
            file: s.file.clone(),
            dir: if dir.is_empty() { ".".into() } else { dir },
            inner: s.inner.clone(),
        })
        .collect();
    let mut patches = Vec::new();
    for p in r.patches()? {
        let rel = p.strip_prefix(&r.dir).unwrap_or(&p);
        patches.push(rel.to_string_lossy().into_owned());
    }
    let text = plan::render_sources(&sources, &patches)
        .map_err(|e| anyhow::anyhow!("{}: {}", r.dir.join("recipe.toml").display(), e.msg))?;
    Ok(format!(
        "# written by bootstrap from the recipe; read by {}/unpack.sh\n{text}",
        paths::LIB
    ))
}

fn lay_sources(inputs: &Inputs, r: &Recipe, src: &Path) -> Result<()> {
    fs::create_dir_all(inputs.work)?;
    let log = inputs.work.join("patch.log");
    prepare_recipe(inputs.project, inputs.distfiles, r, src, &log)
}

/// The marker a target carries (`bootstrap/target.toml`): what started it.
/// It makes a directory ours (only a marked directory is deleted for
/// `--fresh`) and keeps a resume from mixing two seeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub mode: String,
    pub seed_cc: String,
    pub seed_id: String,
}

impl Marker {
    pub fn render(&self) -> String {
        format!(
            "format = 1\nmode = \"{}\"\nseed_cc = \"{}\"\nseed_id = \"{}\"\n",
            self.mode, self.seed_cc, self.seed_id
        )
    }

    pub fn parse(text: &str) -> Marker {
        let value = |key: &str| {
            text.lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(" = ")?;
                    (k == key).then(|| v.trim_matches('"').to_string())
                })
                .unwrap_or_default()
        };
        Marker {
            mode: value("mode"),
            seed_cc: value("seed_cc"),
            seed_id: value("seed_id"),
        }
    }

    /// The marker of the target `root`, or None when it has none (not a
    /// directory a run made).
    pub fn read(root: &Path) -> Result<Option<Marker>> {
        match fs::read_to_string(root.join(MARKER)) {
            Ok(text) => Ok(Some(Marker::parse(&text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| root.join(MARKER).display().to_string()),
        }
    }

    /// Write the marker into `root`.
    pub fn write(&self, root: &Path) -> Result<()> {
        fs::create_dir_all(root.join("bootstrap"))?;
        Ok(fsutil::write_atomic(
            &root.join(MARKER),
            self.render().as_bytes(),
        )?)
    }

    /// Mark a new target, or check that an old one was started with the same
    /// seed. Ok(true) when resuming.
    pub fn claim(&self, root: &Path) -> Result<bool> {
        match fs::read_to_string(root.join(MARKER)) {
            Ok(old) => {
                let old = Marker::parse(&old);
                if old.seed_id != self.seed_id {
                    bail!(
                        "{} was started with another seed (seed compiler {}); resuming would mix two seeds. Use --fresh to start over",
                        root.display(),
                        old.seed_cc
                    );
                }
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.write(root)?;
                Ok(false)
            }
            Err(e) => Err(e).with_context(|| root.join(MARKER).display().to_string()),
        }
    }
}

/// A target held by one run. The lock is an exclusive `flock` on the target
/// directory itself, taken by the host and inherited by the guest it starts
/// (the descriptor is left open across exec), so a guest that outlives the
/// host still holds it. It is released when the last holder exits; the
/// holder's pid is in `bootstrap/lock.pid` for the message a second run
/// prints.
pub struct TargetLock {
    _dir: fs::File,
}

/// Where the pid of the run holding a target is written.
const LOCK_PID: &str = "bootstrap/lock.pid";

/// Create the target directory if needed and take it for this run; with
/// `fresh`, clear it first (see `clear`). A target another run holds is
/// refused without touching anything in it.
pub fn take(dir: &Path, fresh: bool) -> Result<TargetLock> {
    use std::os::fd::AsRawFd;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let handle = fs::File::open(dir).with_context(|| format!("opening {}", dir.display()))?;
    // SAFETY: flock on a descriptor we own; no memory is involved.
    let r =
        unsafe { nix::libc::flock(handle.as_raw_fd(), nix::libc::LOCK_EX | nix::libc::LOCK_NB) };
    if r != 0 {
        let holder = fs::read_to_string(dir.join(LOCK_PID))
            .map(|p| p.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        bail!(
            "{} is in use by another run (pid {holder}); wait for it to end, or stop it first",
            dir.display()
        );
    }
    // Inherited by the guest: an orphaned guest keeps the target locked.
    nix::fcntl::fcntl(
        &handle,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
    )
    .context("keeping the target lock across exec")?;
    if fresh {
        clear(dir)?;
    }
    fs::create_dir_all(dir.join("bootstrap"))?;
    fsutil::write_atomic(
        &dir.join(LOCK_PID),
        format!("{}\n", std::process::id()).as_bytes(),
    )?;
    Ok(TargetLock { _dir: handle })
}

/// Empty the target directory for `--fresh` (the directory itself stays: it
/// carries the lock). Only a directory that is empty or carries our marker
/// is ever cleared, and never one with something mounted below it.
fn clear(dir: &Path) -> Result<()> {
    let entries = fsutil::sorted_entries(dir)?;
    if !entries.is_empty() && !dir.join(MARKER).is_file() {
        bail!(
            "{} is not empty and holds no {MARKER}: refusing to delete it for --fresh",
            dir.display()
        );
    }
    let canon = dir.canonicalize()?;
    let mounts = fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    if mounts
        .lines()
        .filter_map(|l| l.split(' ').nth(1))
        .any(|m| Path::new(m).starts_with(&canon))
    {
        bail!(
            "something is mounted below {}; unmount it before --fresh",
            canon.display()
        );
    }
    for e in entries {
        fsutil::remove_any(&e).with_context(|| format!("removing {}", e.display()))?;
    }
    Ok(())
}

/// Where the host keeps its own work for a target (seed builds, logs of
/// unpacking); never seen by the guest.
pub fn host_work(root: &Path) -> PathBuf {
    root.join(".bootstrap-host")
}

/// `build/<mode>` in the project: where `run` puts a target and where
/// `verify` looks by default.
pub fn default_dir(project_root: &Path, mode: Mode) -> PathBuf {
    project_root.join("build").join(mode.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_is_fixed() {
        // Every variable a step sees, and nothing taken from the host.
        let text = env_file("chroot", 2);
        let vars: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            vars,
            [
                "PATH=/usr/bin:/bin:/bootstrap/bin",
                "SOURCE_DATE_EPOCH=0",
                "TZ=UTC",
                "LC_ALL=C",
                "LANG=C",
                "HOME=/tmp",
                "TMPDIR=/tmp",
                "BOOTSTRAP_MODE=chroot",
                "JOBS=2",
            ]
        );
    }

    #[test]
    fn marker_round_trip() {
        let m = Marker {
            mode: "chroot".into(),
            seed_cc: "gcc".into(),
            seed_id: "abc".into(),
        };
        assert_eq!(Marker::parse(&m.render()), m);
        let t = tempfile::tempdir().unwrap();
        assert_eq!(Marker::read(t.path()).unwrap(), None, "no marker");
        m.write(t.path()).unwrap();
        assert_eq!(Marker::read(t.path()).unwrap(), Some(m));
    }

    #[test]
    fn a_target_started_with_another_seed_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let m = Marker {
            mode: "chroot".into(),
            seed_cc: "gcc".into(),
            seed_id: "abc".into(),
        };
        assert!(!m.claim(t.path()).unwrap(), "a new target");
        assert!(m.claim(t.path()).unwrap(), "the same seed resumes");
        let other = Marker {
            seed_cc: "clang".into(),
            seed_id: "def".into(),
            ..m.clone()
        };
        let e = other.claim(t.path()).unwrap_err().to_string();
        assert!(e.contains("another seed") && e.contains("gcc"), "{e}");
    }

    #[test]
    fn fresh_deletes_only_our_own_targets() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("x");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("precious"), "").unwrap();
        let e = take(&dir, true).err().unwrap().to_string();
        assert!(e.contains("refusing"), "{e}");
        assert!(dir.join("precious").exists());
        fs::create_dir_all(dir.join("bootstrap")).unwrap();
        fs::write(dir.join(MARKER), "").unwrap();
        let _held = take(&dir, true).unwrap();
        assert!(dir.is_dir() && !dir.join("precious").exists());
    }

    #[test]
    fn a_target_is_held_by_one_run_at_a_time() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("x");
        let held = take(&dir, false).unwrap();
        // A second open file description (a second run) is refused, naming
        // the holder, and touches nothing.
        fs::write(dir.join("work"), "in progress").unwrap();
        let e = take(&dir, true).err().unwrap().to_string();
        assert!(
            e.contains("in use by another run") && e.contains(&std::process::id().to_string()),
            "{e}"
        );
        assert!(dir.join("work").exists());
        drop(held);
        let _again = take(&dir, false).unwrap();
    }

    #[test]
    fn a_guest_unpacked_step_gets_its_distfile_but_no_host_sources() {
        use sha2::{Digest, Sha256};
        let t = tempfile::tempdir().unwrap();
        let proj = t.path().join("proj");
        let w = |p: &str, text: &[u8]| {
            let p = proj.join(p);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        };
        // Not a tarball: the host must not even try to unpack it.
        let data = b"not a tarball";
        let hex: String = Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        w(
            "parts.toml",
            b"[seed]\ntcc = \"seed\"\ngcc = \"gs\"\n\n[sysa]\nsteps = [\n  { build = \"pkg\" },\n  { improve = \"check-pkg.sh\" },\n]\n[sysc]\nsteps = [{ build = \"later\" }]\n",
        );
        w("sysa/seed/recipe.toml", b"");
        w("sysa/seed/config.h", b"");
        w(
            "sysa/gs/recipe.toml",
            b"[[source]]\nfile = \"gcc.tar.xz\"\ndebian = \"pool/g.tar.xz\"\n",
        );
        w("sysa/gs/configure.args", b"--target=x86_64-linux-musl\n");
        w(
            "sysa/pkg/recipe.toml",
            b"script = \"build.sh\"\ninterpreter = \"/bin/sh\"\nunpack = \"guest\"\ngcc_seed = true\n\n[[source]]\nfile = \"pkg.tar.gz\"\ndebian = \"pool/main/p/pkg.tar.gz\"\n",
        );
        w("sysa/pkg/build.sh", b". /bootstrap/lib/unpack.sh\n");
        w(
            "sysa/improve/check-pkg.sh",
            b"tar -tf /bootstrap/distfiles/pkg.tar.gz\n",
        );
        w("sysa/pkg/patches/02-b.patch", b"");
        w("sysa/pkg/patches/01-a.patch", b"");
        w("sysglobal/unpack.sh", b"# shared\n");
        // A pin no step of this run uses (a later stage's) travels too.
        let other = "1".repeat(64);
        let gcc_pin = "2".repeat(64);
        w(
            "SHA256SUMS.sources",
            format!("{gcc_pin}  gcc.tar.xz\n{other}  later.tar.gz\n{hex}  pkg.tar.gz\n").as_bytes(),
        );
        w(
            "sysc/later/recipe.toml",
            b"script = \"b\"\n[[source]]\nfile = \"later.tar.gz\"\ndebian = \"pool/l.tar.gz\"\n",
        );
        w("sysc/later/b", b"");
        let project = Project::load(&proj).unwrap();
        let dist = t.path().join("dist");
        fs::create_dir_all(&dist).unwrap();
        fs::write(dist.join("pkg.tar.gz"), data).unwrap();
        let runner = t.path().join("runner");
        fs::write(&runner, "").unwrap();
        let seed = t.path().join("seed");
        fs::create_dir_all(seed.join("bootstrap/seed/bin")).unwrap();
        let gcc = t.path().join("gcc");
        fs::create_dir_all(in_root(&gcc, paths::GCC_SEED).join("bin")).unwrap();
        fs::write(in_root(&gcc, paths::GCC_SEED).join("bin/gcc"), "").unwrap();
        let inputs = Inputs {
            project: &project,
            distfiles: &dist,
            runner: &runner,
            seed: &seed,
            gcc_seed: Some(&gcc),
            mode: Mode::Chroot,
            jobs: 1,
            work: &t.path().join("work"),
        };
        let root = t.path().join("root");
        let steps: Vec<&Step> = project.manifest.stages[0].steps.iter().collect();
        lay(&root, &inputs, &[("sysa", steps)]).unwrap();
        assert!(!root.join("bootstrap/src/pkg").exists());
        assert_eq!(
            fs::read(root.join("bootstrap/distfiles/pkg.tar.gz")).unwrap(),
            data
        );
        // The pinned hashes travel with it, for the guest's own check.
        assert_eq!(
            fs::read_to_string(root.join("bootstrap/distfiles/SHA256SUMS")).unwrap(),
            format!("{gcc_pin}  gcc.tar.xz\n{other}  later.tar.gz\n{hex}  pkg.tar.gz\n")
        );
        assert!(!root.join("bootstrap/distfiles/later.tar.gz").exists());
        assert!(root.join("bootstrap/recipes/sysa/pkg/build.sh").is_file());
        assert!(in_root(&root, paths::GCC_SEED).join("bin/gcc").is_file());
        // What the guest unpacks and patches, in the host's order.
        let list = fs::read_to_string(root.join("bootstrap/plan/sysa-sources/pkg")).unwrap();
        let body: Vec<&str> = list.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            body,
            [
                "source pkg.tar.gz .",
                "patch patches/01-a.patch",
                "patch patches/02-b.patch"
            ]
        );
        assert_eq!(
            fs::read(root.join("bootstrap/lib/unpack.sh")).unwrap(),
            b"# shared\n"
        );
        // Once the step is done, its list goes: nothing is unpacked again.
        fs::create_dir_all(in_root(&root, paths::STATE)).unwrap();
        fs::write(in_root(&root, paths::COMPLETED), "sysa pkg\n").unwrap();
        let steps: Vec<&Step> = project.manifest.stages[0].steps.iter().collect();
        lay(&root, &inputs, &[("sysa", steps)]).unwrap();
        assert!(!root.join("bootstrap/plan/sysa-sources/pkg").exists());
        // Nor is gcc-seed; its distfile stays while a check (which may
        // read it) is still to run, and goes after.
        assert!(!in_root(&root, paths::GCC_SEED).exists());
        assert!(root.join("bootstrap/distfiles/pkg.tar.gz").is_file());
        fs::write(
            in_root(&root, paths::COMPLETED),
            "sysa pkg\nsysa check-pkg\n",
        )
        .unwrap();
        let steps: Vec<&Step> = project.manifest.stages[0].steps.iter().collect();
        lay(&root, &inputs, &[("sysa", steps)]).unwrap();
        assert!(!root.join("bootstrap/distfiles/pkg.tar.gz").exists());
        assert!(root.join("bootstrap/distfiles/SHA256SUMS").is_file());
    }

    #[test]
    fn completed_reads_the_runner_state() {
        let t = tempfile::tempdir().unwrap();
        assert!(completed(t.path()).unwrap().is_empty());
        fs::create_dir_all(in_root(t.path(), paths::STATE)).unwrap();
        fs::write(
            in_root(t.path(), paths::COMPLETED),
            "sysa kit\nsysa musl-1.2.3\nsysa tcc",
        )
        .unwrap();
        // The torn last line (a crash mid-append) is not a completed step,
        // as for the runner.
        let c = completed(t.path()).unwrap();
        assert!(c.contains(&("sysa".into(), "musl-1.2.3".into())));
        assert_eq!(c.len(), 2);
    }
}
