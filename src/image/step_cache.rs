//! The step cache: what build steps installed, stored under a key that
//! hashes everything the step's result may depend on, so that a run can
//! restore a step instead of building it again. Shared by every target on
//! this host (default `$XDG_CACHE_HOME/bootstrap/steps`).
//!
//! A step's key hashes: the cache format, the seed (its id), the runner's
//! bytes, the fixed step environment (without `BOOTSTRAP_MODE` and `JOBS`:
//! outputs may not depend on them, which the chroot/QEMU and -j1/-jN record
//! comparisons check), `sysglobal/`, the step's stage, name and kind, its
//! recipe directory (every file's path, executable bit and SHA-256) and its
//! sources' pinned hashes, or an improve script with its `<stem>.*` files
//! and the fixtures no script owns by name (shared, e.g. `hello.c`), and
//! the key of the step before it. So changing one recipe changes its
//! key and every later one, and nothing before it.
//!
//! An entry is `<cache>/<key>/`: `step` (stage, name, kind), and for a
//! build step its records (`sha256sums`, `links`) and `files/`, the
//! installed files with their modes. Entries are written to a temporary
//! directory and renamed into place; every file is checked against the
//! record when it is stored and again when it is restored (a damaged entry
//! is removed and the step is built).
//!
//! In a target, `bootstrap/state/step-keys` holds the key each completed
//! step was built or restored with: only a step whose every predecessor
//! was built from the current inputs is stored, and a completed step whose
//! inputs changed since is reported (a resume skips it; `--fresh` rebuilds).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context, Result};
use bootstrap_contract::{completed, paths, records};
use sha2::{Digest, Sha256};

use crate::image::target;
use crate::model::manifest::{Step, StepKind};
use crate::model::project::Project;
use crate::util::{fsutil, in_root};

const FORMAT: &str = "bootstrap-step-cache 1";
/// In a target: `<stage> <name> <key>` per completed step.
pub const KEYS: &str = "/bootstrap/state/step-keys";
/// In a target: `<stage> <name> <key>` per step restored from the cache.
pub const RESTORED: &str = "/bootstrap/state/restored";
/// In a VM's seed and disk: `<stage> <name> <key>` for every step the run
/// was planned with. The guest cannot tell the host which steps it built
/// from which inputs; with this file the host can tell afterwards, from
/// the disk ([`note_planned`]).
pub const PLANNED: &str = "/bootstrap/plan/step-keys";

/// One step of the run with its key.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub stage: String,
    /// 1-based position in its stage's step list (as the runner counts).
    pub index: usize,
    pub name: String,
    /// Build steps carry files; improve steps only "passed".
    pub build: bool,
    pub key: String,
}

/// Feeds `dir`'s tree into `h` in sorted order: path, kind, executable bit
/// and content hash (or link target). `keep` filters the top level.
fn hash_tree(h: &mut Sha256, dir: &Path, rel: &str, keep: &dyn Fn(&str) -> bool) -> Result<()> {
    for e in fsutil::sorted_entries(dir).with_context(|| dir.display().to_string())? {
        let name = e
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if rel.is_empty() && !keep(&name) {
            continue;
        }
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let md = fs::symlink_metadata(&e)?;
        if md.is_dir() {
            h.update(format!("D {path}\n"));
            hash_tree(h, &e, &path, keep)?;
        } else if md.file_type().is_symlink() {
            h.update(format!("L {path} {}\n", fs::read_link(&e)?.display()));
        } else {
            let x = md.permissions().mode() & 0o111 != 0;
            h.update(format!("F {path} {x} {}\n", fsutil::sha256_file(&e)?));
        }
    }
    Ok(())
}

/// The key of every build and improve step of `stages`, in run order
/// (jumps carry nothing and are left out of the chain). `gcc_seed_id` is
/// the id of the gcc seed laid for this run, if any: it joins the key of
/// each step that compiles with it (and so, chained, of every later step).
pub fn keys(
    project: &Project,
    stages: &[(&str, Vec<&Step>)],
    seed_id: &str,
    gcc_seed_id: Option<&str>,
    runner: &Path,
) -> Result<Vec<Keyed>> {
    let mut base = Sha256::new();
    base.update(format!("{FORMAT}\nseed {seed_id}\n"));
    base.update(format!(
        "runner {}\n",
        fsutil::sha256_file(runner).with_context(|| runner.display().to_string())?
    ));
    base.update(target::env_file("-", 0));
    let global = project.root.join("sysglobal");
    if global.is_dir() {
        hash_tree(&mut base, &global, "", &|_| true)?;
    }
    // Improve scripts own the files named after them (check-tar.sh reads
    // check-tar.*); the other files of every improve directory are fixtures
    // they may share (hello.c), across stages too: they count for each.
    let stem = |script: &str| script.split('.').next().unwrap_or(script).to_string();
    let stems: Vec<String> = project
        .manifest
        .stages
        .iter()
        .flat_map(|st| &st.steps)
        .filter_map(|step| match &step.kind {
            StepKind::Improve { script } => Some(stem(script)),
            _ => None,
        })
        .collect();
    let owned = |n: &str| {
        stems
            .iter()
            .any(|st| n == st || n.starts_with(&format!("{st}.")))
    };
    let mut shared = Sha256::new();
    for st in &project.manifest.stages {
        let dir = project.root.join(&st.name).join("improve");
        if dir.is_dir() {
            shared.update(format!("stage {}\n", st.name));
            hash_tree(&mut shared, &dir, "", &|n| !owned(n))?;
        }
    }
    let shared = fsutil::hex(&shared.finalize());

    let mut prev = fsutil::hex(&base.finalize());
    let mut out = Vec::new();
    for (stage, steps) in stages {
        for (i, step) in steps.iter().enumerate() {
            let mut h = Sha256::new();
            h.update(format!("{prev}\n{stage} {}\n", step.name));
            let build = match &step.kind {
                StepKind::Build { package } => {
                    let r = project
                        .step_recipe(stage, step)
                        .with_context(|| format!("no recipe for {stage}/{package}"))?;
                    h.update(format!("build {package}\n"));
                    hash_tree(&mut h, &r.dir, "", &|_| true)?;
                    for s in &r.sources {
                        let pin = project.sums.get(&s.file).unwrap_or_default();
                        h.update(format!("source {} {pin}\n", s.file));
                    }
                    if r.gcc_seed {
                        let id = gcc_seed_id.with_context(|| {
                            format!("{stage}/{package} compiles with gcc-seed, but none was given")
                        })?;
                        h.update(format!("gcc-seed {id}\n"));
                    }
                    true
                }
                StepKind::Improve { script } => {
                    let stem = stem(script);
                    h.update(format!("improve {script}\nshared {shared}\n"));
                    let dir = project.root.join(stage).join("improve");
                    let mine = move |n: &str| n == stem || n.starts_with(&format!("{stem}."));
                    hash_tree(&mut h, &dir, "", &mine)?;
                    false
                }
                StepKind::Jump(_) => continue,
            };
            prev = fsutil::hex(&h.finalize());
            out.push(Keyed {
                stage: stage.to_string(),
                index: i + 1,
                name: step.name.clone(),
                build,
                key: prev.clone(),
            });
        }
    }
    Ok(out)
}

fn read_lines(path: &Path) -> Result<BTreeMap<(String, String), String>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(e).with_context(|| path.display().to_string()),
    };
    let mut m = BTreeMap::new();
    for l in text.lines() {
        let f: Vec<&str> = l.split(' ').collect();
        if let [stage, name, key] = f[..] {
            m.insert((stage.to_string(), name.to_string()), key.to_string());
        }
    }
    Ok(m)
}

fn append_line(path: &Path, line: &str) -> Result<()> {
    fs::create_dir_all(path.parent().expect("a file path"))?;
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| path.display().to_string())?;
    f.write_all(line.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// The steps restored from the cache in `root` (`stage/name`), for verify.
pub fn restored(root: &Path) -> Result<Vec<String>> {
    Ok(read_lines(&in_root(root, RESTORED))?
        .into_keys()
        .map(|(s, n)| format!("{s}/{n}"))
        .collect())
}

/// Completed steps of `root` whose key differs from the one they were
/// built with (their recipe, or one before them, changed since).
pub fn stale(root: &Path, keyed: &[Keyed]) -> Result<Vec<String>> {
    let built = read_lines(&in_root(root, KEYS))?;
    Ok(keyed
        .iter()
        .filter(|k| {
            built
                .get(&(k.stage.clone(), k.name.clone()))
                .is_some_and(|b| *b != k.key)
        })
        .map(|k| format!("{}/{}", k.stage, k.name))
        .collect())
}

/// The [`PLANNED`] file for `keyed`.
pub fn planned_file(keyed: &[Keyed]) -> String {
    keyed
        .iter()
        .map(|k| format!("{} {} {}\n", k.stage, k.name, k.key))
        .collect()
}

/// Note in [`KEYS`] the key of each step completed in `root` (a VM's disk)
/// that has none yet, from the [`PLANNED`] file of the run that completed
/// it. Call it before laying a new plan over `root`. Returns how many.
pub fn note_planned(root: &Path) -> Result<usize> {
    let planned = read_lines(&in_root(root, PLANNED))?;
    let path = in_root(root, KEYS);
    let known = read_lines(&path)?;
    let mut n = 0;
    for id in target::completed_steps(root)?
        .into_iter()
        .map(|e| (e.stage, e.name))
    {
        if let (false, Some(key)) = (known.contains_key(&id), planned.get(&id)) {
            append_line(&path, &format!("{} {} {key}\n", id.0, id.1))?;
            n += 1;
        }
    }
    Ok(n)
}

/// After a run: note the key of every step that completed in it (`before`:
/// the steps completed when it started). Steps of older runs without a key
/// keep none: what they were built from is unknown.
pub fn record_keys(
    root: &Path,
    keyed: &[Keyed],
    before: &BTreeSet<(String, String)>,
) -> Result<()> {
    let done = target::completed(root)?;
    let path = in_root(root, KEYS);
    let known = read_lines(&path)?;
    for k in keyed {
        let id = (k.stage.clone(), k.name.clone());
        if done.contains(&id) && !before.contains(&id) && !known.contains_key(&id) {
            append_line(&path, &format!("{} {} {}\n", k.stage, k.name, k.key))?;
        }
    }
    Ok(())
}

pub struct StepCache {
    pub dir: PathBuf,
}

/// One entry, for `bootstrap cache ls`.
pub struct EntryInfo {
    pub key: String,
    pub step: String,
    pub bytes: u64,
    pub used: SystemTime,
}

fn tree_size(p: &Path) -> u64 {
    let Ok(md) = fs::symlink_metadata(p) else {
        return 0;
    };
    if !md.is_dir() {
        return md.len();
    }
    fsutil::sorted_entries(p)
        .map(|es| es.iter().map(|e| tree_size(e)).sum())
        .unwrap_or(0)
}

impl StepCache {
    /// `dir`, or the default below the user's cache directory.
    pub fn open(dir: Option<&Path>) -> Result<StepCache> {
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => crate::util::cache_dir()?.join("steps"),
        };
        Ok(StepCache { dir })
    }

    fn entry(&self, key: &str) -> PathBuf {
        self.dir.join(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.entry(key).join("step").is_file()
    }

    /// Store step `k` from `root`, where it completed. `Ok(false)`: not
    /// stored, because a file no longer matches its record (a later step
    /// replaced it).
    pub fn store(&self, root: &Path, k: &Keyed) -> Result<bool> {
        if self.has(&k.key) {
            return Ok(true);
        }
        fs::create_dir_all(&self.dir).with_context(|| self.dir.display().to_string())?;
        let tmp = self
            .dir
            .join(format!(".tmp-{}-{}", &k.key[..16], std::process::id()));
        fsutil::remove_any(&tmp)?;
        fs::create_dir_all(&tmp)?;
        let r = self.fill(root, k, &tmp);
        match r {
            Ok(true) => {
                let to = self.entry(&k.key);
                fsutil::remove_any(&to)?;
                fs::rename(&tmp, &to).with_context(|| to.display().to_string())?;
                Ok(true)
            }
            other => {
                fsutil::remove_any(&tmp)?;
                other
            }
        }
    }

    fn fill(&self, root: &Path, k: &Keyed, tmp: &Path) -> Result<bool> {
        if k.build {
            let sums_path = in_root(root, &paths::sums(&k.name));
            let sums_text =
                fs::read_to_string(&sums_path).with_context(|| sums_path.display().to_string())?;
            let links_path = in_root(root, &paths::links(&k.name));
            let links_text = fs::read_to_string(&links_path).unwrap_or_default();
            let sums =
                records::parse_sums(&sums_text).with_context(|| sums_path.display().to_string())?;
            records::parse_links(&links_text).with_context(|| links_path.display().to_string())?;
            for f in &sums {
                let from = root.join(&f.path);
                if fsutil::sha256_file(&from).ok().as_deref() != Some(f.sha256.as_str()) {
                    return Ok(false);
                }
                let to = tmp.join("files").join(&f.path);
                fs::create_dir_all(to.parent().expect("a file path"))?;
                fs::copy(&from, &to).with_context(|| from.display().to_string())?;
            }
            fs::write(tmp.join("sha256sums"), &sums_text)?;
            fs::write(tmp.join("links"), &links_text)?;
        }
        let kind = if k.build { "build" } else { "improve" };
        fs::write(tmp.join("step"), format!("{} {} {kind}\n", k.stage, k.name))?;
        Ok(true)
    }

    /// Restore step `k` into `root` as the runner would have left it:
    /// installed files and links, its records, a log line, and its line in
    /// the completed file. `Ok(false)`: no usable entry (a damaged one is
    /// removed).
    pub fn restore(&self, root: &Path, k: &Keyed) -> Result<bool> {
        let e = self.entry(&k.key);
        if !self.has(&k.key) {
            return Ok(false);
        }
        let step = fs::read_to_string(e.join("step")).unwrap_or_default();
        let kind = if k.build { "build" } else { "improve" };
        if step != format!("{} {} {kind}\n", k.stage, k.name) {
            return Ok(false);
        }
        if k.build {
            let sums_text = fs::read_to_string(e.join("sha256sums"))?;
            let links_text = fs::read_to_string(e.join("links"))?;
            let (Ok(sums), Ok(links)) = (
                records::parse_sums(&sums_text),
                records::parse_links(&links_text),
            ) else {
                return self.damaged(&e, "its records do not parse");
            };
            // Every file first, so a damaged entry changes nothing.
            for f in &sums {
                let p = e.join("files").join(&f.path);
                if fsutil::sha256_file(&p).ok().as_deref() != Some(f.sha256.as_str()) {
                    return self.damaged(&e, &format!("/{} does not match its record", f.path));
                }
            }
            for f in &sums {
                let from = e.join("files").join(&f.path);
                let to = root.join(&f.path);
                fs::create_dir_all(to.parent().expect("a file path"))?;
                let tmp = to.with_file_name(format!(
                    ".{}.restore",
                    to.file_name().unwrap_or_default().to_string_lossy()
                ));
                fsutil::remove_any(&tmp)?;
                fs::copy(&from, &tmp).with_context(|| to.display().to_string())?;
                fs::rename(&tmp, &to).with_context(|| to.display().to_string())?;
            }
            for l in &links {
                let to = root.join(&l.path);
                fs::create_dir_all(to.parent().expect("a file path"))?;
                if fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir()) {
                    bail!("cannot restore /{}: a directory is in the way", l.path);
                }
                fsutil::remove_any(&to)?;
                std::os::unix::fs::symlink(&l.target, &to)
                    .with_context(|| to.display().to_string())?;
            }
            let rec = |guest: &str, text: &str| -> Result<()> {
                let p = in_root(root, guest);
                fs::create_dir_all(p.parent().expect("a file path"))?;
                fsutil::write_atomic(&p, text.as_bytes())?;
                Ok(())
            };
            rec(&paths::sums(&k.name), &sums_text)?;
            rec(&paths::links(&k.name), &links_text)?;
        }
        let log = in_root(root, &paths::log(&k.stage, k.index, &k.name));
        fs::create_dir_all(log.parent().expect("a file path"))?;
        fs::write(
            &log,
            format!(
                "bootstrap: {} restored from the step cache (key {})\n",
                k.name, k.key
            ),
        )?;
        let line = format!("{} {} {}\n", k.stage, k.name, k.key);
        append_line(&in_root(root, RESTORED), &line)?;
        append_line(&in_root(root, KEYS), &line)?;
        append_line(
            &in_root(root, paths::COMPLETED),
            &completed::line(&k.stage, &k.name),
        )?;
        // Last use, for `cache gc`.
        let _ = fs::File::options()
            .write(true)
            .open(e.join("step"))
            .and_then(|f| f.set_modified(SystemTime::now()));
        Ok(true)
    }

    fn damaged(&self, entry: &Path, why: &str) -> Result<bool> {
        eprintln!(
            "bootstrap: step cache entry {} is damaged ({why}); removing it, the step is built",
            entry.display()
        );
        fsutil::remove_any(entry)?;
        Ok(false)
    }

    /// Restore the steps of `keyed` from the first one `root` has not
    /// completed, for as long as the cache has them. Returns how many.
    pub fn restore_prefix(&self, root: &Path, keyed: &[Keyed]) -> Result<usize> {
        let done = target::completed(root)?;
        let mut n = 0;
        for k in keyed {
            if done.contains(&(k.stage.clone(), k.name.clone())) {
                continue;
            }
            if !self.restore(root, k)? {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    /// Store every completed step of `root` that was built from the current
    /// inputs, as were all the steps before it. Returns how many are new.
    pub fn store_completed(&self, root: &Path, keyed: &[Keyed]) -> Result<usize> {
        let built = read_lines(&in_root(root, KEYS))?;
        let done = target::completed(root)?;
        let mut n = 0;
        for k in keyed {
            let id = (k.stage.clone(), k.name.clone());
            if !done.contains(&id) || built.get(&id) != Some(&k.key) {
                break;
            }
            if !self.has(&k.key) {
                if !self.store(root, k)? {
                    eprintln!(
                        "bootstrap: not caching {}/{}: a later step replaced one of its files",
                        k.stage, k.name
                    );
                    continue;
                }
                n += 1;
            }
        }
        Ok(n)
    }

    pub fn list(&self) -> Result<Vec<EntryInfo>> {
        let mut out = Vec::new();
        let Ok(entries) = fsutil::sorted_entries(&self.dir) else {
            return Ok(out);
        };
        for e in entries {
            let key = e
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let step = e.join("step");
            if key.starts_with('.') || !step.is_file() {
                continue;
            }
            let text = fs::read_to_string(&step).unwrap_or_default();
            let mut f = text.split_whitespace();
            let (stage, name) = (f.next().unwrap_or("?"), f.next().unwrap_or("?"));
            out.push(EntryInfo {
                key,
                step: format!("{stage}/{name}"),
                bytes: tree_size(&e),
                used: fs::metadata(&step)?.modified()?,
            });
        }
        Ok(out)
    }

    /// Remove entries not used for `older_than` (all with `Duration::ZERO`),
    /// and leftovers of interrupted stores. Returns (entries, bytes).
    pub fn gc(&self, older_than: Duration) -> Result<(usize, u64)> {
        let now = SystemTime::now();
        let (mut n, mut bytes) = (0, 0);
        for info in self.list()? {
            let age = now.duration_since(info.used).unwrap_or_default();
            if age >= older_than {
                fsutil::remove_any(&self.entry(&info.key))?;
                n += 1;
                bytes += info.bytes;
            }
        }
        if let Ok(entries) = fsutil::sorted_entries(&self.dir) {
            for e in entries {
                let name = e
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string();
                if name.starts_with(".tmp-") {
                    fsutil::remove_any(&e)?;
                }
            }
        }
        Ok((n, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::project::Project;

    /// A project with steps a (build, one source), check-a.sh (improve,
    /// reading check-a.expected), other.sh (improve) and b (build).
    fn setup(root: &Path) {
        let w = |p: &str, text: &str| {
            let p = root.join(p);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        };
        w(
            "parts.toml",
            "[seed]\ntcc = \"seed\"\n\n[sysa]\nsteps = [\n  { build = \"a\" },\n  { improve = \"check-a.sh\" },\n  { improve = \"other.sh\" },\n  { jump = \"kexec\" },\n  { build = \"b\" },\n]\n",
        );
        w("sysa/seed/recipe.toml", "");
        w("sysa/seed/config.h", "");
        w(
            "sysa/a/recipe.toml",
            "script = \"build.kaem\"\n\n[[source]]\nfile = \"a.tar.gz\"\ndebian = \"pool/main/a/a.tar.gz\"\n",
        );
        w("sysa/a/build.kaem", "echo a\n");
        w("sysa/b/recipe.toml", "script = \"build.kaem\"\n");
        w("sysa/b/build.kaem", "echo b\n");
        w("sysa/improve/check-a.sh", "true\n");
        w("sysa/improve/check-a.expected", "x\n");
        w("sysa/improve/other.sh", "true\n");
        w(
            "SHA256SUMS.sources",
            &format!("{}  a.tar.gz\n", "0".repeat(64)),
        );
    }

    fn keys_of(root: &Path, runner: &Path) -> Vec<String> {
        let p = Project::load(root).unwrap();
        let steps: Vec<&Step> = p.manifest.stages[0].steps.iter().collect();
        keys(&p, &[("sysa", steps)], "seed1", None, runner)
            .unwrap()
            .into_iter()
            .map(|k| k.key)
            .collect()
    }

    #[test]
    fn the_gcc_seed_counts_from_the_step_that_uses_it() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("p");
        let runner = t.path().join("runner");
        fs::write(&runner, "r1").unwrap();
        setup(&root);
        let w = |p: &str, text: &str| fs::write(root.join(p), text).unwrap();
        let m = fs::read_to_string(root.join("parts.toml")).unwrap();
        w(
            "parts.toml",
            &m.replace("tcc = \"seed\"\n", "tcc = \"seed\"\ngcc = \"gcc\"\n"),
        );
        fs::create_dir_all(root.join("sysa/gcc")).unwrap();
        w(
            "sysa/gcc/recipe.toml",
            "[[source]]\nfile = \"g.tar\"\ndebian = \"pool/g.tar\"\n",
        );
        w("sysa/gcc/configure.args", "--target=x86_64-linux-musl\n");
        w(
            "sysa/b/recipe.toml",
            "script = \"build.kaem\"\ngcc_seed = true\n",
        );
        let z = "0".repeat(64);
        w(
            "SHA256SUMS.sources",
            &format!("{z}  a.tar.gz\n{z}  g.tar\n"),
        );
        let p = Project::load(&root).unwrap();
        let steps: Vec<&Step> = p.manifest.stages[0].steps.iter().collect();
        let of = |id: Option<&str>| -> Result<Vec<String>> {
            Ok(keys(&p, &[("sysa", steps.clone())], "seed1", id, &runner)?
                .into_iter()
                .map(|k| k.key)
                .collect())
        };
        let (k1, k2) = (of(Some("g1")).unwrap(), of(Some("g2")).unwrap());
        assert_eq!(k1[..3], k2[..3], "steps before b do not see gcc-seed");
        assert_ne!(k1[3], k2[3]);
        let e = of(None).unwrap_err().to_string();
        assert!(
            e.contains("sysa/b compiles with gcc-seed, but none was given"),
            "{e}"
        );
    }

    #[test]
    fn a_change_moves_its_step_and_later_keys_only() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("p");
        let runner = t.path().join("runner");
        fs::write(&runner, "r1").unwrap();
        setup(&root);
        let k0 = keys_of(&root, &runner);
        // The jump carries nothing: four keys, all different.
        assert_eq!(k0.len(), 4);
        assert_eq!(k0.iter().collect::<BTreeSet<_>>().len(), 4);
        assert_eq!(keys_of(&root, &runner), k0, "keys are stable");

        // An improve step's own files count, another script's do not.
        fs::write(root.join("sysa/improve/check-a.expected"), "y\n").unwrap();
        let k1 = keys_of(&root, &runner);
        assert_eq!(k1[0], k0[0]);
        assert!(k1[1..].iter().zip(&k0[1..]).all(|(a, b)| a != b));
        fs::write(root.join("sysa/improve/other.sh"), "false\n").unwrap();
        let k2 = keys_of(&root, &runner);
        assert_eq!(k2[..2], k1[..2]);
        assert_ne!(k2[2], k1[2]);

        // A fixture no script owns by name counts for every improve step.
        fs::write(root.join("sysa/improve/hello.c"), "int main;\n").unwrap();
        let k2b = keys_of(&root, &runner);
        assert_eq!(k2b[0], k2[0]);
        assert_ne!(k2b[1], k2[1]);
        let k2 = k2b;

        // The last recipe: only its key.
        fs::write(root.join("sysa/b/build.kaem"), "echo B\n").unwrap();
        let k3 = keys_of(&root, &runner);
        assert_eq!(k3[..3], k2[..3]);
        assert_ne!(k3[3], k2[3]);

        // A pinned source hash, the runner and sysglobal change everything.
        let sums = root.join("SHA256SUMS.sources");
        fs::write(&sums, format!("{}  a.tar.gz\n", "1".repeat(64))).unwrap();
        let k4 = keys_of(&root, &runner);
        assert_ne!(k4[0], k3[0]);
        fs::write(&runner, "r2").unwrap();
        assert_ne!(keys_of(&root, &runner)[0], k4[0]);
        fs::create_dir_all(root.join("sysglobal")).unwrap();
        fs::write(root.join("sysglobal/unpack.sh"), "#\n").unwrap();
        let k5 = keys_of(&root, &runner);
        fs::write(root.join("sysglobal/unpack.sh"), "# changed\n").unwrap();
        assert_ne!(keys_of(&root, &runner)[0], k5[0]);
    }

    fn keyed(name: &str, index: usize, build: bool, key: char) -> Keyed {
        Keyed {
            stage: "sysa".into(),
            index,
            name: name.into(),
            build,
            key: key.to_string().repeat(64),
        }
    }

    /// A target where build step `a` installed usr/bin/a (0755) and the
    /// link usr/bin/x -> a, then improve step `check` passed.
    fn built_target(root: &Path) {
        let sha = fsutil::hex(&Sha256::digest(b"tool"));
        fs::create_dir_all(root.join("usr/bin")).unwrap();
        fs::write(root.join("usr/bin/a"), "tool").unwrap();
        fs::set_permissions(root.join("usr/bin/a"), fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("a", root.join("usr/bin/x")).unwrap();
        let rec = in_root(root, paths::RECORDS);
        fs::create_dir_all(&rec).unwrap();
        fs::write(rec.join("a.sha256sums"), format!("{sha}  /usr/bin/a\n")).unwrap();
        fs::write(rec.join("a.links"), "/usr/bin/x -> a\n").unwrap();
        fs::create_dir_all(in_root(root, paths::STATE)).unwrap();
        fs::write(in_root(root, paths::COMPLETED), "sysa a\nsysa check\n").unwrap();
    }

    #[test]
    fn stored_steps_restore_into_a_new_target_as_built() {
        let t = tempfile::tempdir().unwrap();
        let (one, two) = (t.path().join("one"), t.path().join("two"));
        built_target(&one);
        let ks = [
            keyed("a", 1, true, 'a'),
            keyed("check", 2, false, 'b'),
            keyed("later", 3, true, 'c'),
        ];
        let cache = StepCache::open(Some(&t.path().join("cache"))).unwrap();
        // Without the keys they were built with, nothing is stored.
        assert_eq!(cache.store_completed(&one, &ks).unwrap(), 0);
        record_keys(&one, &ks, &BTreeSet::new()).unwrap();
        assert_eq!(cache.store_completed(&one, &ks).unwrap(), 2);
        assert_eq!(cache.list().unwrap().len(), 2);

        // A new target gets both, and stops at the step the cache lacks.
        assert_eq!(cache.restore_prefix(&two, &ks).unwrap(), 2);
        assert_eq!(fs::read(two.join("usr/bin/a")).unwrap(), b"tool");
        let mode = fs::metadata(two.join("usr/bin/a"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(
            fs::read_link(two.join("usr/bin/x")).unwrap(),
            Path::new("a")
        );
        for f in ["a.sha256sums", "a.links"] {
            assert_eq!(
                fs::read(in_root(&two, paths::RECORDS).join(f)).unwrap(),
                fs::read(in_root(&one, paths::RECORDS).join(f)).unwrap()
            );
        }
        let done: Vec<_> = target::completed_steps(&two)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(done, ["a", "check"]);
        assert_eq!(restored(&two).unwrap(), ["sysa/a", "sysa/check"]);
        assert!(in_root(&two, &paths::log("sysa", 2, "check")).is_file());
        // Nothing is stale: restored with the current keys.
        assert!(stale(&two, &ks).unwrap().is_empty());
        let mut changed = ks.clone();
        changed[0].key = "d".repeat(64);
        assert_eq!(stale(&two, &changed).unwrap(), ["sysa/a"]);
    }

    #[test]
    fn a_damaged_entry_is_removed_and_restores_nothing() {
        let t = tempfile::tempdir().unwrap();
        let (one, two) = (t.path().join("one"), t.path().join("two"));
        built_target(&one);
        let ks = [keyed("a", 1, true, 'a')];
        let cache = StepCache::open(Some(&t.path().join("cache"))).unwrap();
        record_keys(&one, &ks, &BTreeSet::new()).unwrap();
        assert_eq!(cache.store_completed(&one, &ks).unwrap(), 1);
        fs::write(
            cache.dir.join("a".repeat(64)).join("files/usr/bin/a"),
            "evil",
        )
        .unwrap();
        assert_eq!(cache.restore_prefix(&two, &ks).unwrap(), 0);
        assert!(!two.join("usr/bin/a").exists());
        assert!(!cache.has(&ks[0].key));
    }

    #[test]
    fn a_replaced_file_is_not_stored_and_old_steps_get_no_key() {
        let t = tempfile::tempdir().unwrap();
        let one = t.path().join("one");
        built_target(&one);
        let ks = [keyed("a", 1, true, 'a'), keyed("check", 2, false, 'b')];
        let cache = StepCache::open(Some(&t.path().join("cache"))).unwrap();
        // Steps completed before this run started keep no key.
        let before: BTreeSet<_> = [("sysa".to_string(), "a".to_string())].into();
        record_keys(&one, &ks, &before).unwrap();
        assert_eq!(cache.store_completed(&one, &ks).unwrap(), 0);
        // With keys but a file changed since its record: not stored.
        fs::remove_file(in_root(&one, KEYS)).unwrap();
        record_keys(&one, &ks, &BTreeSet::new()).unwrap();
        fs::write(one.join("usr/bin/a"), "other").unwrap();
        assert_eq!(cache.store_completed(&one, &ks).unwrap(), 1);
        assert!(!cache.has(&ks[0].key));
        assert!(cache.has(&ks[1].key));
        // gc with 0 days empties it.
        assert_eq!(cache.gc(Duration::ZERO).unwrap().0, 1);
        assert!(cache.list().unwrap().is_empty());
    }

    #[test]
    fn completed_steps_take_their_keys_from_the_plan_they_ran_with() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let k = |stage: &str, name: &str, key: &str| Keyed {
            stage: stage.into(),
            index: 1,
            name: name.into(),
            build: true,
            key: key.into(),
        };
        let w = |guest: &str, text: &str| {
            let p = in_root(root, guest);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        };
        let old = [
            k("sysa", "a", "ka"),
            k("sysa", "b", "kb"),
            k("sysc", "c", "kc"),
        ];
        w(PLANNED, &planned_file(&old));
        w(paths::COMPLETED, "sysa a\nsysa jump-kexec\nsysa b\n");
        // Restored steps have their key already.
        w(KEYS, "sysa a kr\n");
        assert_eq!(note_planned(root).unwrap(), 1);
        assert_eq!(
            fs::read_to_string(in_root(root, KEYS)).unwrap(),
            "sysa a kr\nsysa b kb\n"
        );
        // A new plan changes nothing for the steps done under the old one.
        let new = [
            k("sysa", "a", "ka"),
            k("sysa", "b", "kb2"),
            k("sysc", "c", "kc2"),
        ];
        w(PLANNED, &planned_file(&new));
        assert_eq!(note_planned(root).unwrap(), 0);
        assert_eq!(stale(root, &new).unwrap(), ["sysa/a", "sysa/b"]);
    }
}
