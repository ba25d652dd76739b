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
        for (key, r) in &recipes {
            if *key != seed_key && r.script.is_none() {
                diags.push(
                    r.source
                        .at_line(1, "a build step's recipe needs script = \"...\""),
                );
            }
        }

        check_sources(&recipes, &sums, &mut diags);
        check_unpack_order(&manifest, &recipes, &mut diags);
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

    /// Distfiles needed by the seed and by every step that may run, in
    /// manifest order, each once.
    pub fn distfiles(&self, values: &Values) -> Vec<Distfile> {
        let mut keys = vec![format!("sysa/{}", self.manifest.seed.tcc)];
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
