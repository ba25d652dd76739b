//! A project checkout loaded and cross-checked: `parts.toml`, every recipe it
//! names, and `SHA256SUMS.sources`. Every command loads through here, so no
//! command runs on an inconsistent tree. `bootstrap check` is this, reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::condition::Values;
use crate::model::diag::{Diagnostic, Diagnostics, Invalid};
use crate::model::manifest::{Manifest, Step, StepKind, STAGES};
use crate::model::recipe::{Recipe, SourceFile, Unpack};
use crate::model::sums::Sums;

pub const MANIFEST: &str = "parts.toml";
pub const SOURCE_SUMS: &str = "SHA256SUMS.sources";

#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub manifest: Manifest,
    /// Keyed by "<stage>/<package>", the recipe's directory relative to root.
    pub recipes: BTreeMap<String, Recipe>,
    pub sums: Sums,
}

/// One distfile a run needs, with everything needed to fetch and verify it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distfile {
    pub file: String,
    pub sha256: String,
    pub upstream: Vec<String>,
    pub debian: Option<String>,
    /// Recipes ("sysa/musl-1.2.3") that declare it.
    pub used_by: Vec<String>,
}

/// Walk up from `start` to the first directory holding parts.toml.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(MANIFEST).is_file())
        .map(Path::to_path_buf)
}

impl Project {
    pub fn load(root: &Path) -> Result<Project, Invalid> {
        let mut diags = Diagnostics::default();
        let manifest = Manifest::load(&root.join(MANIFEST), &mut diags);
        let sums = Sums::load(&root.join(SOURCE_SUMS), &mut diags);
        let (Some(manifest), Some(sums)) = (manifest, sums) else {
            return Err(Invalid(diags.sorted()));
        };

        let mut recipes = BTreeMap::new();
        let mut load_recipe = |key: &str, line: usize, diags: &mut Diagnostics| {
            if recipes.contains_key(key) {
                return;
            }
            let dir = root.join(key);
            if !dir.join("recipe.toml").is_file() {
                diags.push(manifest.source.at_line(
                    line,
                    format!("no recipe: {}/recipe.toml does not exist", dir.display()),
                ));
                return;
            }
            if let Some(r) = Recipe::load(&dir, diags) {
                recipes.insert(key.to_string(), r);
            }
        };

        let seed_key = format!("sysa/{}", manifest.seed.tcc);
        if !manifest.seed.tcc.is_empty() {
            load_recipe(&seed_key, manifest.seed.line, &mut diags);
        }
        let gcc_key = manifest.seed.gcc.as_ref().map(|(g, _)| format!("sysa/{g}"));
        if let (Some(key), Some((_, line))) = (&gcc_key, &manifest.seed.gcc) {
            load_recipe(key, *line, &mut diags);
        }
        for stage in &manifest.stages {
            for step in &stage.steps {
                match &step.kind {
                    StepKind::Build { package } => {
                        load_recipe(&format!("{}/{package}", stage.name), step.line, &mut diags)
                    }
                    StepKind::Improve { script } => {
                        let p = root.join(&stage.name).join("improve").join(script);
                        if !p.is_file() {
                            diags.push(manifest.source.at_line(
                                step.line,
                                format!("improve script {} does not exist", p.display()),
                            ));
                        }
                    }
                    StepKind::Jump(_) => {}
                }
            }
        }

        // The seed is compiled by the host tool, not by a script in the guest.
        if let Some(seed) = recipes.get(&seed_key) {
            if !seed.dir.join("config.h").is_file() {
                diags.push(Diagnostic::file(
                    &seed.dir,
                    "the seed recipe needs config.h (TinyCC's paths in the guest)",
                ));
            }
            if seed.script.is_some() {
                diags.push(seed.source.at_line(
                    seed.script_line(),
                    "the seed recipe is built by the host tool and takes no script",
                ));
            }
        }
        if let Some(gcc) = gcc_key.as_ref().and_then(|k| recipes.get(k)) {
            check_gcc_seed(gcc, &mut diags);
        }
        for (key, r) in &recipes {
            let is_seed = *key == seed_key || Some(key) == gcc_key.as_ref();
            if r.gcc_seed && (is_seed || gcc_key.is_none()) {
                diags.push(r.source.at_line(
                    1,
                    match is_seed {
                        true => "a seed recipe cannot use gcc-seed",
                        false => "gcc_seed = true, but parts.toml names no gcc seed ([seed] gcc = \"<recipe>\")",
                    },
                ));
            }
            if !is_seed && r.script.is_none() {
                diags.push(
                    r.source
                        .at_line(1, "a build step's recipe needs script = \"...\""),
                );
            }
        }

        check_sources(&recipes, &sums, &mut diags);
        check_unpack_order(&manifest, &recipes, &mut diags);
        let helper = root.join("sysglobal/unpack.sh");
        if let Some(r) = recipes.values().find(|r| r.unpack == Unpack::Guest) {
            if !helper.is_file() {
                diags.push(r.source.at_line(
                    1,
                    format!(
                        "unpack = \"guest\" needs {} (the guest's unpacking)",
                        helper.display()
                    ),
                ));
            }
        }
        check_unused_dirs(root, &recipes, &mut diags);

        if !diags.is_empty() {
            return Err(Invalid(diags.sorted()));
        }
        Ok(Project {
            root: root.to_path_buf(),
            manifest,
            recipes,
            sums,
        })
    }

    pub fn seed_recipe(&self) -> &Recipe {
        &self.recipes[&format!("sysa/{}", self.manifest.seed.tcc)]
    }

    /// The gcc seed's recipe, if parts.toml names one.
    pub fn gcc_seed_recipe(&self) -> Option<&Recipe> {
        let (name, _) = self.manifest.seed.gcc.as_ref()?;
        self.recipes.get(&format!("sysa/{name}"))
    }

    pub fn step_recipe(&self, stage: &str, step: &Step) -> Option<&Recipe> {
        match &step.kind {
            StepKind::Build { package } => self.recipes.get(&format!("{stage}/{package}")),
            _ => None,
        }
    }

    /// Steps that may run under `values`: a condition that is unknown (an
    /// option without a value, e.g. `mode` during `fetch`) counts as "may".
    pub fn active_steps<'a>(
        &'a self,
        values: &'a Values,
    ) -> impl Iterator<Item = (&'a str, &'a Step)> + 'a {
        self.manifest.stages.iter().flat_map(move |st| {
            st.steps
                .iter()
                .filter(move |s| s.when.as_ref().and_then(|c| c.eval(values)) != Some(false))
                .map(move |s| (st.name.as_str(), s))
        })
    }

    /// Distfiles needed by the tcc seed, by the gcc seed if a step that may
    /// run uses it, and by every step that may run, in manifest order, each
    /// once: what a run needs.
    pub fn distfiles(&self, values: &Values) -> Vec<Distfile> {
        self.distfiles_with(values, self.uses_gcc_seed(values))
    }

    /// [`Project::distfiles`] plus the gcc seed's always: what `fetch` gets,
    /// so that a fetched distfiles directory serves every mode offline.
    pub fn fetch_distfiles(&self, values: &Values) -> Vec<Distfile> {
        self.distfiles_with(values, true)
    }

    /// Whether a step that may run under `values` compiles with gcc-seed.
    pub fn uses_gcc_seed(&self, values: &Values) -> bool {
        self.active_steps(values)
            .any(|(stage, step)| self.step_recipe(stage, step).is_some_and(|r| r.gcc_seed))
    }

    /// Whether a step that may run under `values` installs a system with
    /// logins (`root_password = true`): then the run sets a root password.
    pub fn sets_root_password(&self, values: &Values) -> bool {
        self.active_steps(values).any(|(stage, step)| {
            self.step_recipe(stage, step)
                .is_some_and(|r| r.root_password)
        })
    }

    fn distfiles_with(&self, values: &Values, gcc_seed: bool) -> Vec<Distfile> {
        let mut keys = vec![format!("sysa/{}", self.manifest.seed.tcc)];
        if let (true, Some((gcc, _))) = (gcc_seed, &self.manifest.seed.gcc) {
            keys.push(format!("sysa/{gcc}"));
        }
        for (stage, step) in self.active_steps(values) {
            if let StepKind::Build { package } = &step.kind {
                keys.push(format!("{stage}/{package}"));
            }
        }
        let mut out: Vec<Distfile> = Vec::new();
        for key in keys {
            for s in &self.recipes[&key].sources {
                if let Some(d) = out.iter_mut().find(|d| d.file == s.file) {
                    if !d.used_by.contains(&key) {
                        d.used_by.push(key.clone());
                    }
                    continue;
                }
                out.push(Distfile {
                    file: s.file.clone(),
                    sha256: self.sums.get(&s.file).unwrap_or_default().to_string(),
                    upstream: s.upstream.clone(),
                    debian: s.debian.clone(),
                    used_by: vec![key.clone()],
                });
            }
        }
        out
    }
}

/// The gcc seed is built by the host tool from its recipe's sources (the
/// one without `into` is GCC, the others its libraries in its tree) and
/// `configure.args`; the prefix is the tool's (`paths::GCC_SEED`).
fn check_gcc_seed(r: &Recipe, diags: &mut Diagnostics) {
    if r.script.is_some() {
        diags.push(r.source.at_line(
            r.script_line(),
            "the seed recipe is built by the host tool and takes no script",
        ));
    }
    if r.sources.is_empty() || !r.sources.iter().any(|s| s.into.is_none()) {
        diags.push(r.source.at_line(
            1,
            "the gcc seed recipe needs its sources (GCC's tree and its libraries)",
        ));
    }
    let args = r.dir.join(GCC_CONFIGURE_ARGS);
    match std::fs::read_to_string(&args) {
        Err(_) => diags.push(Diagnostic::file(
            &r.dir,
            format!("the gcc seed recipe needs {GCC_CONFIGURE_ARGS} (GCC's configure options)"),
        )),
        Ok(text) => {
            for (line, a) in configure_args(&text) {
                if let Err(why) = check_configure_arg(a) {
                    diags.push(Diagnostic::file(
                        &args,
                        format!("line {line}: '{a}': {why}"),
                    ));
                }
            }
            if !configure_args(&text).any(|(_, a)| a.starts_with("--target=")) {
                diags.push(Diagnostic::file(
                    &args,
                    "needs --target=<triplet> (the guest's; it names the seed's tools)",
                ));
            }
        }
    }
}

/// The file in the gcc seed's recipe that lists configure's options.
pub const GCC_CONFIGURE_ARGS: &str = "configure.args";

/// Variables the host tool sets for the gcc seed's build itself.
pub const GCC_TOOL_VARS: [&str; 5] = ["CC", "CXX", "CFLAGS", "CXXFLAGS", "LDFLAGS"];

/// The words of a `configure.args` text with their line numbers: words are
/// separated by white space, `#` starts a comment to the end of the line.
pub fn configure_args(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().flat_map(|(i, l)| {
        l.split('#')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .map(move |w| (i + 1, w))
    })
}

/// A word of `configure.args`: an `--option` or a `NAME=value` variable,
/// except what the tool decides (the prefix, the compilers and their flags).
fn check_configure_arg(a: &str) -> Result<(), String> {
    if let Some(opt) = a.strip_prefix("--") {
        if opt.starts_with("prefix") {
            return Err("--prefix is the tool's (the seed's place in the guest)".into());
        }
        return Ok(());
    }
    match a.split_once('=') {
        Some((name, _))
            if !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') =>
        {
            if GCC_TOOL_VARS.contains(&name) {
                Err(format!("{name} is set by the tool (--seed-cc, --seed-cxx)"))
            } else {
                Ok(())
            }
        }
        _ => Err("expected --option or NAME=value".into()),
    }
}

fn check_sources(recipes: &BTreeMap<String, Recipe>, sums: &Sums, diags: &mut Diagnostics) {
    let mut declared: BTreeMap<&str, (&Recipe, &SourceFile)> = BTreeMap::new();
    for r in recipes.values() {
        for s in &r.sources {
            if sums.get(&s.file).is_none() {
                diags.push(
                    r.source
                        .at_line(s.line, format!("'{}' has no hash in {SOURCE_SUMS}", s.file)),
                );
            }
            match declared.get(s.file.as_str()) {
                Some((first_r, first))
                    if first.upstream != s.upstream || first.debian != s.debian =>
                {
                    diags.push(r.source.at_line(
                        s.line,
                        format!(
                            "'{}' is also declared in {}:{} with other locations; \
                             one file, one set of locations",
                            s.file,
                            first_r.source.path.display(),
                            first.line
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    declared.insert(&s.file, (r, s));
                }
            }
        }
    }
    for (name, e) in &sums.entries {
        if !declared.contains_key(name.as_str()) {
            diags.push(sums.source.at_line(
                e.line,
                format!("hash for '{name}' is not used by any recipe in {MANIFEST}"),
            ));
        }
    }
}

/// Once a step of a stage unpacks its sources in the guest (tar, the
/// decompressors and patch exist from there on), every later build step of
/// that stage with sources must too: the host's unpacking is trusted only for
/// the steps before that point, and docs/trust.md names them.
fn check_unpack_order(
    manifest: &Manifest,
    recipes: &BTreeMap<String, Recipe>,
    diags: &mut Diagnostics,
) {
    for stage in &manifest.stages {
        let mut first_guest: Option<&str> = None;
        for step in &stage.steps {
            let StepKind::Build { package } = &step.kind else {
                continue;
            };
            let Some(r) = recipes.get(&format!("{}/{package}", stage.name)) else {
                continue;
            };
            match (r.unpack, first_guest) {
                (Unpack::Guest, None) => first_guest = Some(&step.name),
                (Unpack::Host, Some(g)) if !r.sources.is_empty() => {
                    diags.push(r.source.at_line(
                        1,
                        format!(
                            "step {} comes after {g}, which unpacks in the guest: \
                             it must set unpack = \"guest\" too",
                            step.name
                        ),
                    ));
                }
                _ => {}
            }
        }
    }
}

/// A recipe directory that parts.toml never names is almost always a typo
/// on one side or the other.
fn check_unused_dirs(root: &Path, recipes: &BTreeMap<String, Recipe>, diags: &mut Diagnostics) {
    for stage in STAGES {
        let dir = root.join(stage);
        let Ok(entries) = crate::util::fsutil::sorted_entries(&dir) else {
            continue;
        };
        for e in entries {
            let name = e
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            if !e.is_dir() || name == "improve" {
                continue;
            }
            if !recipes.contains_key(&format!("{stage}/{name}")) {
                diags.push(Diagnostic::file(
                    &e,
                    format!("recipe directory not used by any step or the seed in {MANIFEST}"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project with a tcc seed, a gcc seed (GCC's tree and gmp inside
    /// it) and one step; `args` is the gcc seed's configure.args.
    fn write_project(dir: &Path, args: Option<&str>, gcc_script: bool) {
        let w = |p: &str, t: &str| {
            let p = dir.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, t).unwrap();
        };
        w(
            MANIFEST,
            "[seed]\ntcc = \"tcc\"\ngcc = \"gcc\"\n[sysa]\nsteps = [{ build = \"pkg\" }]\n",
        );
        w(
            "sysa/tcc/recipe.toml",
            "[[source]]\nfile = \"t.tar\"\ndebian = \"pool/t.tar\"\n",
        );
        w("sysa/tcc/config.h", "");
        w(
            "sysa/gcc/recipe.toml",
            &format!(
                "{}[[source]]\nfile = \"g.tar.gz\"\ndebian = \"pool/g.tar.gz\"\ninner = \"g.tar.xz\"\n\
                 [[source]]\nfile = \"m.tar.xz\"\ndebian = \"pool/m.tar.xz\"\ninto = \"gmp\"\n",
                if gcc_script { "script = \"b.sh\"\n" } else { "" }
            ),
        );
        w("sysa/gcc/b.sh", "");
        if let Some(a) = args {
            w("sysa/gcc/configure.args", a);
        }
        w(
            "sysa/pkg/recipe.toml",
            "script = \"b\"\n[[source]]\nfile = \"p.tar\"\ndebian = \"pool/p.tar\"\n",
        );
        w("sysa/pkg/b", "");
        let h = "0".repeat(64);
        w(
            SOURCE_SUMS,
            &format!("{h}  g.tar.gz\n{h}  m.tar.xz\n{h}  p.tar\n{h}  t.tar\n"),
        );
    }

    fn errors(dir: &Path) -> Vec<String> {
        match Project::load(dir) {
            Ok(_) => vec![],
            Err(Invalid(d)) => d
                .iter()
                .map(|d| d.to_string().replace(&dir.display().to_string(), "P"))
                .collect(),
        }
    }

    #[test]
    fn gcc_seed_is_loaded_and_fetched_but_not_run() {
        let d = tempfile::tempdir().unwrap();
        write_project(
            d.path(),
            Some("--target=x86_64-linux-musl # why\nMAKEINFO=/no\n"),
            false,
        );
        let p = Project::load(d.path()).unwrap();
        let r = p.gcc_seed_recipe().unwrap();
        assert_eq!(r.sources[0].inner.as_deref(), Some("g.tar.xz"));
        let names = |v: Vec<Distfile>| v.into_iter().map(|d| d.file).collect::<Vec<_>>();
        let values = Values::default();
        assert_eq!(names(p.distfiles(&values)), ["t.tar", "p.tar"]);
        assert_eq!(
            names(p.fetch_distfiles(&values)),
            ["t.tar", "g.tar.gz", "m.tar.xz", "p.tar"]
        );
        assert!(!p.uses_gcc_seed(&values));
    }

    #[test]
    fn a_step_installing_a_system_asks_for_a_root_password() {
        let d = tempfile::tempdir().unwrap();
        write_project(d.path(), Some("--target=x86_64-linux-musl\n"), false);
        let values = Values::default();
        assert!(!Project::load(d.path()).unwrap().sets_root_password(&values));
        let r = d.path().join("sysa/pkg/recipe.toml");
        let text = std::fs::read_to_string(&r).unwrap();
        std::fs::write(&r, format!("root_password = true\n{text}")).unwrap();
        assert!(Project::load(d.path()).unwrap().sets_root_password(&values));
        // Not a flag that takes anything but a boolean.
        std::fs::write(&r, format!("root_password = \"yes\"\n{text}")).unwrap();
        assert!(Project::load(d.path()).is_err());
    }

    #[test]
    fn a_step_using_gcc_seed_brings_its_sources_into_the_run() {
        let d = tempfile::tempdir().unwrap();
        write_project(d.path(), Some("--target=x86_64-linux-musl\n"), false);
        let r = d.path().join("sysa/pkg/recipe.toml");
        let text = std::fs::read_to_string(&r).unwrap();
        std::fs::write(&r, format!("gcc_seed = true\n{text}")).unwrap();
        let p = Project::load(d.path()).unwrap();
        let values = Values::default();
        assert!(p.uses_gcc_seed(&values));
        let names: Vec<_> = p.distfiles(&values).into_iter().map(|d| d.file).collect();
        assert_eq!(names, ["t.tar", "g.tar.gz", "m.tar.xz", "p.tar"]);
        // Without a gcc seed in parts.toml the recipe is refused.
        let m = d.path().join(MANIFEST);
        let text = std::fs::read_to_string(&m)
            .unwrap()
            .replace("gcc = \"gcc\"\n", "");
        std::fs::write(&m, text).unwrap();
        std::fs::remove_dir_all(d.path().join("sysa/gcc")).unwrap();
        let e = errors(d.path());
        assert!(
            e.iter()
                .any(|e| e.contains("gcc_seed = true, but parts.toml names no gcc seed")),
            "{e:?}"
        );
    }

    #[test]
    fn gcc_seed_recipe_problems_are_reported() {
        let d = tempfile::tempdir().unwrap();
        write_project(d.path(), None, true);
        let e = errors(d.path());
        assert_eq!(e.len(), 2, "{e:#?}");
        assert!(
            e[0].starts_with("P/sysa/gcc: the gcc seed recipe needs configure.args"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("P/sysa/gcc/recipe.toml:1: the seed recipe is built by the host tool"),
            "{e:?}"
        );

        write_project(
            d.path(),
            Some(
                "--targets=x\n --prefix=/usr  CC=clang\nenable-foo\nMAKEINFO=/no LDFLAGS=-s # ok\n",
            ),
            false,
        );
        let e = errors(d.path());
        let want = [
            "P/sysa/gcc/configure.args: line 2: '--prefix=/usr': --prefix is the tool's",
            "P/sysa/gcc/configure.args: line 2: 'CC=clang': CC is set by the tool",
            "P/sysa/gcc/configure.args: line 3: 'enable-foo': expected --option or NAME=value",
            "P/sysa/gcc/configure.args: line 4: 'LDFLAGS=-s': LDFLAGS is set by the tool",
            "P/sysa/gcc/configure.args: needs --target=<triplet>",
        ];
        assert_eq!(e.len(), want.len(), "{e:#?}");
        for (e, w) in e.iter().zip(want) {
            assert!(e.starts_with(w), "{e:?} should start with {w:?}");
        }
    }

    #[test]
    fn configure_args_are_words_outside_comments() {
        let a: Vec<_> = configure_args("# head\n--a --b # --c\n\n  X=1\n").collect();
        assert_eq!(a, [(2, "--a"), (2, "--b"), (4, "X=1")]);
    }
}
