//! gcc-seed: the compiler of the kernel that sysa builds. Every GCC since 4.8
//! needs C++ to build, which the chain does not have, so the host builds it
//! (`--seed-cc`, `--seed-cxx`) from the pinned sources of the recipe that
//! parts.toml's `[seed] gcc` names: GCC's tree with gmp, mpfr and mpc inside
//! it, our patches, and the options in the recipe's `configure.args`. Only
//! GCC proper is built (`all-gcc`: the driver, cc1 and GCC's own headers; no
//! libgcc, which an x86_64 kernel does not link), statically, since it runs
//! in the musl guest where there is no loader, and stripped.
//!
//! It is configured for the guest path `paths::GCC_SEED`, but GCC finds its
//! parts relative to the driver, so the cached tree works where it lies.
//!
//! Cached outside the target (`$XDG_CACHE_HOME/bootstrap/seeds/gcc-<id>`):
//! the id hashes every input (sources, patches, configure options, build
//! flags and the host compilers' `--version`). A build happens in a hidden
//! temporary directory that is renamed into place only when complete, so an
//! interrupted build never leaves a seed that looks finished.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bootstrap_contract::paths;

use crate::model::project::{configure_args, Project, GCC_CONFIGURE_ARGS};
use crate::model::recipe::Recipe;
use crate::seed::runner::is_static_elf;
use crate::sources::distfile::unpack_sources;
use crate::sources::patch::apply_patches;
use crate::util::cmd::run_duct_logged;
use crate::util::{fsutil, in_root};

/// Flags for the host compilers. `-O2` without debug information; every
/// program linked static (GCC's configure passes LDFLAGS to its programs).
pub const HOST_ENV: &[(&str, &str)] = &[
    ("CFLAGS", "-O2 -g0"),
    ("CXXFLAGS", "-O2 -g0"),
    ("LDFLAGS", "-static"),
];
/// What is built and installed: GCC proper only, installed stripped.
pub const MAKE_BUILD: &str = "all-gcc";
pub const MAKE_INSTALL: &str = "install-strip-gcc";
/// Written last into a finished seed: the id and what went into it.
pub const INPUTS_FILE: &str = "inputs";

/// Everything that determines gcc-seed, in the order it is hashed. Kept as
/// data so that the id's dependence on each input can be tested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdInputs {
    /// Host compilers (C, C++, then the assembler and linker configure
    /// probes): the name given and what `--version` printed.
    pub compilers: Vec<(String, String)>,
    /// Each source: file name, SHA-256, inner tarball, place in the tree.
    pub sources: Vec<[String; 4]>,
    /// Each file of ours (patches, configure.args): name and SHA-256.
    pub files: Vec<(String, String)>,
    /// The configure command line and the make targets.
    pub configure: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl IdInputs {
    /// The record of the inputs: one `key=value` line each.
    pub fn text(&self) -> String {
        let mut t = String::from("gcc-seed\n");
        for (c, v) in &self.compilers {
            t.push_str(&format!("compiler={c}\n{}\n", v.trim_end()));
        }
        for [f, h, inner, into] in &self.sources {
            t.push_str(&format!("source={f} {h} inner={inner} into={into}\n"));
        }
        for (f, h) in &self.files {
            t.push_str(&format!("file={f} {h}\n"));
        }
        for a in &self.configure {
            t.push_str(&format!("configure={a}\n"));
        }
        for (k, v) in &self.env {
            t.push_str(&format!("env={k}={v}\n"));
        }
        t.push_str(&format!("make={MAKE_BUILD} {MAKE_INSTALL}\n"));
        t
    }

    pub fn id(&self) -> String {
        fsutil::sha256_reader(self.text().as_bytes()).unwrap_or_default()
    }
}

/// The gcc seed's recipe, or why there is none.
pub fn recipe(project: &Project) -> Result<&Recipe> {
    project
        .gcc_seed_recipe()
        .context("parts.toml names no gcc seed ([seed] gcc = \"<recipe>\")")
}

/// configure's arguments: the recipe's `configure.args` and the prefix.
pub fn configure_line(recipe: &Recipe) -> Result<Vec<String>> {
    let path = recipe.dir.join(GCC_CONFIGURE_ARGS);
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut args = vec![format!("--prefix={}", paths::GCC_SEED)];
    args.extend(configure_args(&text).map(|(_, a)| a.to_string()));
    Ok(args)
}

/// The target triplet (`--target=` in configure.args): the tools are named
/// `<target>-gcc` etc.
pub fn target(configure: &[String]) -> Result<&str> {
    configure
        .iter()
        .find_map(|a| a.strip_prefix("--target="))
        .context("configure.args must name the --target (the guest's triplet)")
}

/// A host compiler's identity: its `--version` output.
pub fn compiler_identity(name: &str, flag: &str) -> Result<String> {
    let out = duct::cmd!(name, "--version")
        .stdin_null()
        .stderr_null()
        .stdout_capture()
        .unchecked()
        .run();
    match out {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => bail!(
            "host compiler '{name}' cannot be run (`{name} --version` failed); install it or pick another with {flag}"
        ),
    }
}

/// Every input of the gcc seed that `cc` and `cxx` would build.
pub fn id_inputs(project: &Project, cc: &str, cxx: &str) -> Result<IdInputs> {
    let recipe = recipe(project)?;
    let configure = configure_line(recipe)?;
    let mut compilers = vec![
        (cc.to_string(), compiler_identity(cc, "--seed-cc")?),
        (cxx.to_string(), compiler_identity(cxx, "--seed-cxx")?),
    ];
    // The assembler and linker configure probes for what they support
    // (`--with-as=`, `--with-ld=`): their answers shape GCC's output.
    for a in &configure {
        for opt in ["--with-as=", "--with-ld="] {
            if let Some(tool) = a.strip_prefix(opt) {
                let flag = format!("{} in {GCC_CONFIGURE_ARGS}", opt.trim_end_matches('='));
                compilers.push((tool.to_string(), compiler_identity(tool, &flag)?));
            }
        }
    }
    let sources = recipe
        .sources
        .iter()
        .map(|s| {
            [
                s.file.clone(),
                project.sums.get(&s.file).unwrap_or_default().to_string(),
                s.inner.clone().unwrap_or_default(),
                s.into.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut files = Vec::new();
    for f in recipe
        .patches()?
        .into_iter()
        .chain([recipe.dir.join(GCC_CONFIGURE_ARGS)])
    {
        files.push((
            f.file_name().unwrap_or_default().to_string_lossy().into(),
            fsutil::sha256_file(&f).with_context(|| format!("reading {}", f.display()))?,
        ));
    }
    Ok(IdInputs {
        compilers,
        sources,
        files,
        configure,
        env: HOST_ENV
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    })
}

/// Where seeds are cached: `$XDG_CACHE_HOME/bootstrap/seeds` (or
/// `~/.cache/...`), outside any target, so `--fresh` keeps them.
pub fn default_cache() -> Result<PathBuf> {
    let distfiles = crate::sources::fetch::default_distfiles()?;
    Ok(distfiles.with_file_name("seeds"))
}

/// A finished gcc seed in the cache.
#[derive(Debug, Clone)]
pub struct GccSeed {
    /// `<cache>/gcc-<id>`: `root/` (a tree laid like the guest's root),
    /// `logs/`, and the `inputs` record.
    pub dir: PathBuf,
    pub id: String,
    /// `<dir>/root`: the tree laid like the guest's root
    /// (`bootstrap/seed/gcc/...`), what `target::Inputs::gcc_seed` takes.
    pub root: PathBuf,
    /// The driver, `<target>-gcc`, inside `root/`.
    pub driver: PathBuf,
    /// How long the build took, if this call built it.
    pub built_in: Option<Duration>,
}

/// The gcc seed for these inputs: from `cache` if it is there, else built
/// (into a temporary directory in `cache`, renamed into place when done).
/// `jobs` is make's `-j`.
pub fn cached(
    project: &Project,
    distfiles: &Path,
    cc: &str,
    cxx: &str,
    cache: &Path,
    jobs: usize,
) -> Result<GccSeed> {
    let inputs = id_inputs(project, cc, cxx)?;
    let id = inputs.id();
    let target = target(&inputs.configure)?.to_string();
    let dir = cache.join(format!("gcc-{}", &id[..16]));
    let root = dir.join("root");
    let seed = |built_in| GccSeed {
        driver: in_root(&root, paths::GCC_SEED).join(format!("bin/{target}-gcc")),
        root: root.clone(),
        dir: dir.clone(),
        id: id.clone(),
        built_in,
    };
    if is_complete(&dir, &id) {
        return Ok(seed(None));
    }
    fs::create_dir_all(cache).with_context(|| format!("creating {}", cache.display()))?;
    remove_dead_builds(cache)?;
    let tmp = cache.join(format!(".gcc-{}.tmp-{}", &id[..16], std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    eprintln!(
        "bootstrap: building gcc-seed with {cc} and {cxx} (-j{jobs}; this takes a while); logs: {}",
        tmp.join("logs").display()
    );
    let start = Instant::now();
    build(project, distfiles, &inputs, &target, &tmp, jobs)?;
    let took = start.elapsed();
    let record = format!(
        "id={id}\nbuild_seconds={}\n{}",
        took.as_secs(),
        inputs.text()
    );
    fsutil::write_atomic(&tmp.join(INPUTS_FILE), record.as_bytes())?;
    match fs::rename(&tmp, &dir) {
        Ok(()) => {}
        // Another build of the same inputs finished first: use that one.
        Err(_) if is_complete(&dir, &id) => {
            let _ = fs::remove_dir_all(&tmp);
        }
        Err(e) => return Err(e).with_context(|| format!("renaming {} into place", tmp.display())),
    }
    eprintln!(
        "bootstrap: gcc-seed built in {}m{:02}s: {}",
        took.as_secs() / 60,
        took.as_secs() % 60,
        dir.display()
    );
    Ok(seed(Some(took)))
}

/// A cached seed is complete when its inputs record (written last, before
/// the rename) names this id.
fn is_complete(dir: &Path, id: &str) -> bool {
    fs::read_to_string(dir.join(INPUTS_FILE))
        .is_ok_and(|t| t.lines().next() == Some(&format!("id={id}")))
}

/// Temporary build directories of processes that no longer run (killed,
/// interrupted): removed, since nothing can finish them.
fn remove_dead_builds(cache: &Path) -> Result<()> {
    for e in fsutil::sorted_entries(cache)? {
        let name = e.file_name().unwrap_or_default().to_string_lossy();
        let Some(pid) = name
            .strip_prefix(".gcc-")
            .and_then(|n| n.rsplit_once(".tmp-"))
            .and_then(|(_, p)| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(&e);
        }
    }
    Ok(())
}

/// Build into `tmp`: `src/` (GCC's tree with its libraries, patched),
/// `build/`, `logs/` (one log per tool run), `root/` (the stripped install).
/// The sources and the build tree are removed at the end.
fn build(
    project: &Project,
    distfiles: &Path,
    inputs: &IdInputs,
    target: &str,
    tmp: &Path,
    jobs: usize,
) -> Result<()> {
    let recipe = recipe(project)?;
    let (src, build, logs, root) = (
        tmp.join("src"),
        tmp.join("build"),
        tmp.join("logs"),
        tmp.join("root"),
    );
    fs::create_dir_all(&logs)?;
    fs::create_dir_all(&build)?;
    unpack_sources(project, distfiles, recipe, &src)?;
    apply_patches(&src, &recipe.patches()?, &logs.join("patch.log"))?;

    let [(cc, _), (cxx, _), ..] = &inputs.compilers[..] else {
        bail!("gcc-seed needs a C and a C++ compiler");
    };
    // The environment of every tool run: the host's, with the compilers and
    // flags pinned, a fixed locale, and no make flags from a calling make.
    let env = |e: duct::Expression| {
        let mut e = e
            .dir(&build)
            .env("CC", cc)
            .env("CXX", cxx)
            .env("LC_ALL", "C")
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .env_remove("MAKELEVEL");
        for (k, v) in HOST_ENV {
            e = e.env(k, v);
        }
        e
    };
    // configure is run by a relative path so that the paths GCC records
    // (`gcc -v`'s "Configured with", assertion file names) name no host
    // directory: the seed is the same wherever it was built.
    let mut args: Vec<OsString> = inputs.configure.iter().map(OsString::from).collect();
    args.insert(0, "../src/configure".into());
    run_duct_logged(
        env(duct::cmd("sh", &args)),
        &format!("../src/configure {}", inputs.configure.join(" ")),
        &logs.join("configure.log"),
    )?;
    let jobs_arg = format!("-j{}", jobs.max(1));
    run_duct_logged(
        env(duct::cmd!("make", &jobs_arg, MAKE_BUILD)),
        &format!("make {jobs_arg} {MAKE_BUILD}"),
        &logs.join("make.log"),
    )?;
    let destdir = format!("DESTDIR={}", root.display());
    run_duct_logged(
        env(duct::cmd!("make", MAKE_INSTALL, &destdir)),
        &format!("make {MAKE_INSTALL} {destdir}"),
        &logs.join("install.log"),
    )?;

    let prefix = in_root(&root, paths::GCC_SEED);
    // Manual pages generated from the stub manuals say nothing: not shipped.
    let _ = fs::remove_dir_all(prefix.join("share"));
    let driver = prefix.join(format!("bin/{target}-gcc"));
    if !driver.is_file() {
        bail!(
            "gcc-seed: {} was not installed; log: {}",
            driver.display(),
            logs.join("install.log").display()
        );
    }
    let mut elves = Vec::new();
    elf_files(&prefix, &mut elves)?;
    if !elves.iter().any(|p| p.ends_with("cc1")) {
        bail!("gcc-seed: no cc1 was installed below {}", prefix.display());
    }
    for f in &elves {
        if !is_static_elf(f)? {
            bail!(
                "gcc-seed: {} needs a dynamic loader (it must be static: the guest has none); log: {}",
                f.display(),
                logs.join("make.log").display()
            );
        }
    }
    let _ = fs::remove_dir_all(&src);
    let _ = fs::remove_dir_all(&build);
    Ok(())
}

/// Executable ELF files below `dir`, in sorted order.
fn elf_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    use std::io::Read;
    for e in fsutil::sorted_entries(dir)? {
        let md = fs::symlink_metadata(&e)?;
        if md.is_dir() {
            elf_files(&e, out)?;
        } else if md.is_file() {
            let mut magic = [0u8; 4];
            let n = fs::File::open(&e)?.read(&mut magic)?;
            if n == 4 && magic == *b"\x7fELF" {
                out.push(e);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> IdInputs {
        IdInputs {
            compilers: vec![
                ("cc".into(), "gcc (Debian 12.2.0-14) 12.2.0\n".into()),
                ("c++".into(), "g++ (Debian 12.2.0-14) 12.2.0\n".into()),
            ],
            sources: vec![
                [
                    "gcc.orig.tar.gz".into(),
                    "a".repeat(64),
                    "gcc.tar.xz".into(),
                    String::new(),
                ],
                [
                    "gmp.tar.xz".into(),
                    "b".repeat(64),
                    String::new(),
                    "gmp".into(),
                ],
            ],
            files: vec![
                ("gmp-0001.patch".into(), "c".repeat(64)),
                ("configure.args".into(), "d".repeat(64)),
            ],
            configure: vec!["--prefix=/p".into(), "--target=x86_64-linux-musl".into()],
            env: vec![("LDFLAGS".into(), "-static".into())],
        }
    }

    #[test]
    fn id_changes_with_every_input() {
        let base = inputs();
        assert_eq!(
            base.id(),
            inputs().id(),
            "the id is a function of the inputs"
        );
        assert_eq!(base.id().len(), 64);
        type Change = Box<dyn Fn(&mut IdInputs)>;
        let changes: Vec<(&str, Change)> = vec![
            (
                "compiler name",
                Box::new(|i| i.compilers[0].0 = "clang".into()),
            ),
            (
                "compiler version",
                Box::new(|i| i.compilers[1].1 = "g++ (Debian 12.2.0-15) 12.2.0\n".into()),
            ),
            (
                "source hash",
                Box::new(|i| i.sources[1][1] = "e".repeat(64)),
            ),
            (
                "source name",
                Box::new(|i| i.sources[0][0] = "gcc2.tar.gz".into()),
            ),
            (
                "inner tarball",
                Box::new(|i| i.sources[0][2] = "other.tar.xz".into()),
            ),
            (
                "place in tree",
                Box::new(|i| i.sources[1][3] = "gmp2".into()),
            ),
            ("patch content", Box::new(|i| i.files[0].1 = "f".repeat(64))),
            (
                "patch added",
                Box::new(|i| i.files.insert(1, ("gmp-0002.patch".into(), "0".repeat(64)))),
            ),
            (
                "configure.args",
                Box::new(|i| i.files[1].1 = "1".repeat(64)),
            ),
            (
                "configure option",
                Box::new(|i| i.configure.push("--disable-nls".into())),
            ),
            (
                "host flags",
                Box::new(|i| i.env[0].1 = "-static-pie".into()),
            ),
            ("source removed", Box::new(|i| drop(i.sources.pop()))),
        ];
        let mut seen = vec![base.id()];
        for (what, change) in changes {
            let mut i = inputs();
            change(&mut i);
            let id = i.id();
            assert!(
                !seen.contains(&id),
                "changing the {what} must change the id"
            );
            seen.push(id);
        }
    }

    #[test]
    fn the_record_lists_every_input() {
        let t = inputs().text();
        for want in [
            "compiler=c++\ng++ (Debian 12.2.0-14) 12.2.0\n",
            "inner=gcc.tar.xz into=\n",
            "into=gmp\n",
            "file=configure.args ",
            "configure=--target=x86_64-linux-musl\n",
            "env=LDFLAGS=-static\n",
            "make=all-gcc install-strip-gcc\n",
        ] {
            assert!(t.contains(want), "{want:?} not in {t}");
        }
    }

    #[test]
    fn target_comes_from_configure_args() {
        let c = inputs().configure;
        assert_eq!(target(&c).unwrap(), "x86_64-linux-musl");
        assert!(target(&c[..1]).is_err());
    }

    #[test]
    fn a_missing_compiler_is_named_with_its_flag() {
        let e = compiler_identity("/nonexistent/c++", "--seed-cxx")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'/nonexistent/c++'") && e.contains("--seed-cxx"),
            "{e}"
        );
    }

    #[test]
    fn only_finished_seeds_count_and_dead_builds_are_removed() {
        let d = tempfile::tempdir().unwrap();
        let seed = d.path().join("gcc-0123456789abcdef");
        fs::create_dir_all(&seed).unwrap();
        assert!(!is_complete(&seed, "0123456789abcdef00"));
        fs::write(seed.join(INPUTS_FILE), "id=0123456789abcdef00\nx\n").unwrap();
        assert!(is_complete(&seed, "0123456789abcdef00"));
        assert!(!is_complete(&seed, "0123456789abcdef11"));

        // A pid that cannot be running (above the kernel's pid_max limit).
        let dead = d.path().join(".gcc-0123456789abcdef.tmp-4294967");
        let mine = d
            .path()
            .join(format!(".gcc-0123456789abcdef.tmp-{}", std::process::id()));
        fs::create_dir_all(dead.join("build")).unwrap();
        fs::create_dir_all(&mine).unwrap();
        remove_dead_builds(d.path()).unwrap();
        assert!(!dead.exists());
        assert!(mine.exists() && seed.exists());
    }
}
