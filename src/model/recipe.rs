//! `<stage>/<package>/recipe.toml`: where a package's sources come from and
//! which script builds it. Hashes are deliberately absent: they live only in
//! `SHA256SUMS.sources`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::model::diag::{Diagnostic, Diagnostics, SourceText};

#[derive(Debug, Clone)]
pub struct Recipe {
    pub dir: PathBuf,
    pub source: SourceText,
    pub version: Option<String>,
    /// Build script, relative to the recipe directory.
    pub script: Option<String>,
    /// `None` or "kaem": the runner's built-in interpreter; else an absolute
    /// path inside the guest, e.g. "/bin/sh".
    pub interpreter: Option<String>,
    pub sources: Vec<SourceFile>,
    /// Patch directory relative to the recipe directory, if not `patches`.
    pub patch_dir: Option<String>,
    /// A file of the recipe written by a generator from the patched
    /// sources; `check` runs the generator and compares.
    pub generated: Option<Generated>,
    /// Who unpacks and patches the sources (`unpack = "host" | "guest"`).
    pub unpack: Unpack,
    /// `gcc_seed = true`: the step compiles with gcc-seed, which the host
    /// builds (or takes from its cache) and lays at `paths::GCC_SEED`
    /// before the run; its id joins the step's cache key.
    pub gcc_seed: bool,
    /// `root_password = true`: the step installs a system people log in
    /// to. A run whose plan has such a step gives the target a root
    /// password (generated or `--root-password-file`) and lays its hash as
    /// `/etc/shadow`; the step itself never sees the password.
    pub root_password: bool,
}

/// `[generated]`: `file` (in the recipe directory) is the standard output
/// of `by` run in the recipe directory, where `{src}` in an argument is the
/// recipe's unpacked, patched sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub file: String,
    pub by: Vec<String>,
}

/// Where a step's sources are unpacked and patched. `Host`: the host tool
/// lays them, patched, into `bootstrap/src/<step>` (the guest has no tar or
/// patch yet). `Guest`: the host lays nothing; the step's script re-checks
/// the distfile's hash, unpacks it and applies its patches itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unpack {
    #[default]
    Host,
    Guest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Name in the distfiles directory and in SHA256SUMS.sources.
    pub file: String,
    pub upstream: Vec<String>,
    /// Path below a Debian mirror's base, `pool/main/...`.
    pub debian: Option<String>,
    /// A tarball inside this one that holds the tree (Debian's gcc
    /// `orig.tar.gz` wraps `gcc-<v>-dfsg.tar.xz`): only that is unpacked.
    /// Relative to the outer tarball's tree (its top directory stripped).
    pub inner: Option<String>,
    /// Where this source's tree goes inside the recipe's tree (gmp, mpfr and
    /// mpc inside GCC's); `None`: it is the tree.
    pub into: Option<String>,
    /// Line of `file = ...` in the recipe, for diagnostics.
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecipe {
    version: Option<String>,
    script: Option<Spanned<String>>,
    interpreter: Option<Spanned<String>>,
    patches: Option<Spanned<String>>,
    unpack: Option<Spanned<String>>,
    #[serde(default)]
    gcc_seed: bool,
    #[serde(default)]
    root_password: bool,
    #[serde(default)]
    source: Vec<RawSource>,
    generated: Option<Spanned<RawGenerated>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGenerated {
    file: String,
    by: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    file: Spanned<String>,
    upstream: Option<Spanned<OneOrMany>>,
    debian: Option<Spanned<String>>,
    inner: Option<Spanned<String>>,
    into: Option<Spanned<String>>,
}

/// A distfile name must stay a plain name inside the distfiles directory.
pub fn valid_file_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+~-".contains(&b))
}

/// The archive formats `sources::unpack` reads.
pub fn is_tarball_name(s: &str) -> bool {
    [".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz"]
        .iter()
        .any(|e| s.ends_with(e))
}

fn valid_relative(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('/')
        && s.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

impl Recipe {
    pub fn load(dir: &Path, diags: &mut Diagnostics) -> Option<Recipe> {
        let path = dir.join("recipe.toml");
        let source = match SourceText::read(&path) {
            Ok(s) => s,
            Err(e) => {
                diags.push(Diagnostic::file(&path, format!("cannot read: {e}")));
                return None;
            }
        };
        let raw: RawRecipe = match toml::from_str(&source.text) {
            Ok(r) => r,
            Err(e) => {
                diags.push(source.toml_error(&e));
                return None;
            }
        };

        if let Some(s) = &raw.script {
            if !valid_relative(s.get_ref()) {
                diags.push(source.at(
                    s.span(),
                    "script must be a path inside the recipe directory",
                ));
            } else if !dir.join(s.get_ref()).is_file() {
                diags.push(source.at(
                    s.span(),
                    format!(
                        "script '{}' does not exist in {}",
                        s.get_ref(),
                        dir.display()
                    ),
                ));
            }
        }
        if let Some(i) = &raw.interpreter {
            let i_ref = i.get_ref();
            if i_ref != "kaem" && !i_ref.starts_with('/') {
                diags.push(source.at(
                    i.span(),
                    "interpreter is \"kaem\" or an absolute path inside the guest",
                ));
            }
        }

        let unpack = match raw
            .unpack
            .as_ref()
            .map(|u| (u.get_ref().as_str(), u.span()))
        {
            None | Some(("host", _)) => Unpack::Host,
            Some(("guest", span)) => {
                if raw.source.is_empty() {
                    diags.push(source.at(
                        span.clone(),
                        "unpack = \"guest\" needs a [[source]] to unpack",
                    ));
                }
                // The script sources unpack.sh, which kaem cannot.
                if raw
                    .interpreter
                    .as_ref()
                    .is_none_or(|i| i.get_ref() == "kaem")
                {
                    diags.push(source.at(
                        span,
                        "unpack = \"guest\" needs a shell interpreter (e.g. interpreter = \"/bin/sh\"): the script starts with `. /bootstrap/lib/unpack.sh`",
                    ));
                }
                Unpack::Guest
            }
            Some((other, span)) => {
                diags.push(source.at(
                    span,
                    format!("unpack is \"host\" or \"guest\", not '{other}'"),
                ));
                Unpack::Host
            }
        };

        let mut sources = Vec::new();
        for s in &raw.source {
            let file = s.file.get_ref().clone();
            let line = source.line_col(s.file.span().start).0;
            if !valid_file_name(&file) {
                diags.push(source.at(s.file.span(), format!("invalid file name '{file}'")));
            }
            let upstream = match s.upstream.as_ref().map(|u| u.get_ref()) {
                None => vec![],
                Some(OneOrMany::One(u)) => vec![u.clone()],
                Some(OneOrMany::Many(v)) => v.clone(),
            };
            if let Some(u) = &s.upstream {
                for url in &upstream {
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        diags.push(source.at(
                            u.span(),
                            format!("upstream URL '{url}' must be http:// or https://"),
                        ));
                    }
                }
            }
            if let Some(d) = &s.debian {
                let p = d.get_ref();
                if !p.starts_with("pool/") || !valid_relative(p) || p.contains("://") {
                    diags.push(source.at(
                        d.span(),
                        format!("debian path '{p}' must be relative to the mirror, as pool/..."),
                    ));
                }
            }
            if upstream.is_empty() && s.debian.is_none() {
                diags.push(source.at(
                    s.file.span(),
                    format!("'{file}' has no upstream URL and no debian pool path"),
                ));
            }
            if let Some(i) = &s.inner {
                let name = i.get_ref();
                if !valid_relative(name) || !is_tarball_name(name) {
                    diags.push(source.at(
                        i.span(),
                        format!("inner '{name}' must be a relative path to a .tar, .tar.gz, .tgz, .tar.bz2 or .tar.xz"),
                    ));
                }
            }
            if let Some(i) = &s.into {
                if !valid_relative(i.get_ref()) {
                    diags.push(source.at(
                        i.span(),
                        format!(
                            "into '{}' must be a path inside the recipe's tree",
                            i.get_ref()
                        ),
                    ));
                }
            }
            sources.push(SourceFile {
                file,
                upstream,
                debian: s.debian.as_ref().map(|d| d.get_ref().clone()),
                inner: s.inner.as_ref().map(|d| d.get_ref().clone()),
                into: s.into.as_ref().map(|d| d.get_ref().clone()),
                line,
            });
        }
        // With `into`, one source is the tree the others go into.
        if sources.iter().any(|s| s.into.is_some()) {
            let roots = sources.iter().filter(|s| s.into.is_none()).count();
            if roots != 1 {
                diags.push(source.at_line(
                    sources[0].line,
                    format!("sources with `into` need exactly one source without it (the tree they go into), not {roots}"),
                ));
            }
        }

        if let Some(p) = &raw.patches {
            let rel = p.get_ref();
            let shared = rel
                .strip_prefix("../")
                .filter(|r| valid_relative(r) && !r.contains(".."));
            if shared.is_none() || !dir.join(rel).is_dir() {
                diags.push(source.at(
                    p.span(),
                    format!("patches = '{rel}' must name an existing sibling recipe's directory, as ../<recipe>/patches"),
                ));
            }
        }
        // Patches are applied in name order; anything else there is a mistake.
        let patches = dir.join("patches");
        if patches.is_dir() {
            match crate::util::fsutil::sorted_entries(&patches) {
                Ok(entries) => {
                    for p in entries {
                        let name = p.file_name().unwrap_or_default().to_string_lossy();
                        if !name.ends_with(".patch") || !p.is_file() {
                            diags.push(Diagnostic::file(
                                &p,
                                "patches/ may only hold regular files named *.patch",
                            ));
                        }
                    }
                }
                Err(e) => diags.push(Diagnostic::file(&patches, format!("cannot list: {e}"))),
            }
        }

        if let Some(g) = &raw.generated {
            let gr = g.get_ref();
            if !valid_relative(&gr.file) || !dir.join(&gr.file).is_file() {
                diags.push(source.at(
                    g.span(),
                    format!(
                        "generated file '{}' must be an existing file of the recipe",
                        gr.file
                    ),
                ));
            }
            if gr.by.is_empty() || !gr.by.iter().any(|a| a.contains("{src}")) {
                diags.push(source.at(
                    g.span(),
                    "generated.by must be a command whose arguments include {src}",
                ));
            }
        }

        Some(Recipe {
            dir: dir.to_path_buf(),
            version: raw.version,
            script: raw.script.map(|s| s.into_inner()),
            interpreter: raw.interpreter.map(|s| s.into_inner()),
            patch_dir: raw.patches.map(|s| s.into_inner()),
            generated: raw.generated.map(|g| {
                let g = g.into_inner();
                Generated {
                    file: g.file,
                    by: g.by,
                }
            }),
            unpack,
            gcc_seed: raw.gcc_seed,
            root_password: raw.root_password,
            sources,
            source,
        })
    }

    /// Patch files in application order: `patches/*.patch` of the recipe,
    /// or of the directory named by `patches = "..."` (shared patch sets,
    /// e.g. every TinyCC build uses the seed's).
    pub fn patches(&self) -> std::io::Result<Vec<PathBuf>> {
        let dir = self
            .dir
            .join(self.patch_dir.as_deref().unwrap_or("patches"));
        if !dir.is_dir() {
            return Ok(vec![]);
        }
        Ok(crate::util::fsutil::sorted_entries(&dir)?
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "patch"))
            .collect())
    }

    /// Each source with the directory its tree goes to, relative to the
    /// recipe's tree ("" for the tree itself), in unpack order: with one
    /// source it is the tree; with `into`, the tree first, then the sources
    /// going into it; otherwise each source in a directory named after its
    /// file (without `.tar.*`). The host and the guest's unpack.sh both follow
    /// this plan.
    pub fn unpack_plan(&self) -> Vec<(&SourceFile, String)> {
        match &self.sources[..] {
            [one] => vec![(one, String::new())],
            all if all.iter().any(|s| s.into.is_some()) => {
                let tree = all.iter().filter(|s| s.into.is_none());
                let nested = all.iter().filter_map(|s| Some((s, s.into.clone()?)));
                tree.map(|s| (s, String::new())).chain(nested).collect()
            }
            many => many
                .iter()
                .map(|s| {
                    (
                        s,
                        s.file.split(".tar").next().unwrap_or(&s.file).to_string(),
                    )
                })
                .collect(),
        }
    }

    /// The span-less line of the `script` key, or the top of the file.
    pub fn script_line(&self) -> usize {
        self.source
            .text
            .lines()
            .position(|l| l.trim_start().starts_with("script"))
            .map(|i| i + 1)
            .unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, files: &[&str]) -> (Option<Recipe>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("recipe.toml"), text).unwrap();
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let mut d = Diagnostics::default();
        let r = Recipe::load(dir.path(), &mut d);
        let base = dir.path().display().to_string();
        let errs = d
            .sorted()
            .iter()
            .map(|d| d.to_string().replace(&base, "R"))
            .collect();
        (r, errs)
    }

    #[test]
    fn good_recipe() {
        let (r, errs) = load(
            r#"version = "1.2.3"
script = "build.kaem"

[[source]]
file = "musl-1.2.3.tar.gz"
upstream = "https://example.org/musl-1.2.3.tar.gz"
debian = "pool/main/m/musl/musl_1.2.3.orig.tar.gz"

[[source]]
file = "extra.tar.gz"
upstream = ["https://a.example/x", "http://b.example/x"]
"#,
            &["build.kaem", "patches/01-fix.patch"],
        );
        assert!(errs.is_empty(), "{errs:?}");
        let r = r.unwrap();
        assert_eq!(r.sources.len(), 2);
        assert_eq!(r.sources[0].line, 5);
        assert_eq!(r.sources[1].upstream.len(), 2);
        assert_eq!(r.script.as_deref(), Some("build.kaem"));
    }

    #[test]
    fn bad_recipe_reports_lines() {
        let (_, errs) = load(
            r#"script = "../build.kaem"
interpreter = "sh"

[[source]]
file = "a/b.tar.gz"
upstream = "ftp://x"
debian = "/pool/x"

[[source]]
file = "nowhere.tar"
"#,
            &["patches/notes.txt"],
        );
        let expect = [
            "R/patches/notes.txt: patches/ may only hold",
            "R/recipe.toml:1:10: script must be a path inside",
            "R/recipe.toml:2:15: interpreter is",
            "R/recipe.toml:5:8: invalid file name 'a/b.tar.gz'",
            "R/recipe.toml:6:12: upstream URL 'ftp://x'",
            "R/recipe.toml:7:10: debian path '/pool/x'",
            "R/recipe.toml:10:8: 'nowhere.tar' has no upstream URL",
        ];
        assert_eq!(errs.len(), expect.len(), "{errs:#?}");
        for (e, want) in errs.iter().zip(expect) {
            assert!(e.starts_with(want), "{e:?} should start with {want:?}");
        }
    }

    #[test]
    fn inner_tarballs_and_trees_inside_trees() {
        let (r, errs) = load(
            r#"[[source]]
file = "gcc.orig.tar.gz"
debian = "pool/main/g/gcc/gcc.orig.tar.gz"
inner = "gcc-dfsg.tar.xz"

[[source]]
file = "gmp.tar.xz"
debian = "pool/main/g/gmp/gmp.tar.xz"
into = "gmp"
"#,
            &[],
        );
        assert!(errs.is_empty(), "{errs:?}");
        let r = r.unwrap();
        assert_eq!(r.sources[0].inner.as_deref(), Some("gcc-dfsg.tar.xz"));
        assert_eq!(r.sources[0].into, None);
        assert_eq!(r.sources[1].into.as_deref(), Some("gmp"));

        let (_, errs) = load(
            r#"[[source]]
file = "a.tar.gz"
debian = "pool/a"
inner = "../x.tar.xz"
into = "/abs"

[[source]]
file = "b.tar.gz"
debian = "pool/b"
inner = "notes.txt"
into = "b"
"#,
            &[],
        );
        let expect = [
            "R/recipe.toml:2: sources with `into` need exactly one source without it",
            "R/recipe.toml:4:9: inner '../x.tar.xz'",
            "R/recipe.toml:5:8: into '/abs'",
            "R/recipe.toml:10:9: inner 'notes.txt'",
        ];
        assert_eq!(errs.len(), expect.len(), "{errs:#?}");
        for (e, want) in errs.iter().zip(expect) {
            assert!(e.starts_with(want), "{e:?} should start with {want:?}");
        }
    }

    #[test]
    fn generated_files_name_their_generator() {
        let (r, errs) = load(
            "script = \"b.kaem\"\n[generated]\nfile = \"b.kaem\"\nby = [\"python3\", \"gen.py\", \"{src}\"]\n",
            &["b.kaem"],
        );
        assert!(errs.is_empty(), "{errs:?}");
        let g = r.unwrap().generated.unwrap();
        assert_eq!((g.file.as_str(), g.by.len()), ("b.kaem", 3));
        let (_, errs) = load(
            "script = \"b\"\n[generated]\nfile = \"../x\"\nby = [\"gen\"]\n",
            &["b"],
        );
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].contains("generated file '../x'"), "{errs:?}");
        assert!(errs[1].contains("{src}"), "{errs:?}");
    }

    #[test]
    fn unpack_defaults_to_host_and_takes_guest() {
        let src = "\n[[source]]\nfile = \"a.tar.gz\"\ndebian = \"pool/main/a/a.tar.gz\"\n";
        let (r, errs) = load(&format!("script = \"b\"\n{src}"), &["b"]);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(r.unwrap().unpack, Unpack::Host);
        let (r, errs) = load(
            &format!("script = \"b\"\ninterpreter = \"/bin/sh\"\nunpack = \"guest\"\n{src}"),
            &["b"],
        );
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(r.unwrap().unpack, Unpack::Guest);
        // kaem cannot source unpack.sh
        let (_, errs) = load(
            &format!("script = \"b\"\nunpack = \"guest\"\n{src}"),
            &["b"],
        );
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("needs a shell interpreter"), "{errs:?}");
        let (r, errs) = load(&format!("script = \"b\"\nunpack = \"host\"\n{src}"), &["b"]);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(r.unwrap().unpack, Unpack::Host);
    }

    #[test]
    fn unpack_rejects_other_values_and_guest_without_sources() {
        let (_, errs) = load("script = \"b\"\nunpack = \"vm\"\n", &["b"]);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with("R/recipe.toml:2:10: unpack is \"host\" or \"guest\", not 'vm'"),
            "{errs:?}"
        );
        let (_, errs) = load(
            "script = \"b\"\ninterpreter = \"/bin/sh\"\nunpack = \"guest\"\n",
            &["b"],
        );
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("needs a [[source]]"), "{errs:?}");
    }

    #[test]
    fn missing_script_and_unknown_key() {
        let (_, errs) = load("script = \"build.kaem\"\n", &[]);
        assert!(
            errs[0].contains("script 'build.kaem' does not exist"),
            "{errs:?}"
        );
        let (r, errs) = load("script = \"b\"\nsha256 = \"00\"\n", &["b"]);
        assert!(r.is_none());
        assert!(
            errs[0].starts_with("R/recipe.toml:2:1: unknown field `sha256`"),
            "{errs:?}"
        );
    }
}
