//! `parts.toml`: the options a run can set, the host-built seed, and the
//! ordered steps of each stage. Parsing only; cross-file consistency
//! (recipes exist, hashes are known) lives in `check`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::model::condition::{Cond, OptionKind, Schema, Value, Values};
use crate::model::diag::{Diagnostics, SourceText};

pub const STAGES: [&str; 3] = ["sysa", "sysb", "sysc"];
/// The built-in option every run sets from its subcommand.
pub const MODE: &str = "mode";
pub const MODES: [&str; 3] = ["chroot", "qemu", "bare-metal"];

#[derive(Debug, Clone)]
pub struct Manifest {
    pub source: SourceText,
    /// Declared options with their defaults, `mode` excluded.
    pub options: BTreeMap<String, Value>,
    pub seed: Seed,
    pub stages: Vec<Stage>,
}

/// The compilers that the host compiles; their recipes live under `sysa/`.
#[derive(Debug, Clone)]
pub struct Seed {
    /// TinyCC, the compiler of everything in the chain.
    pub tcc: String,
    pub line: usize,
    /// GCC for the kernel only (optional): recipe name and its line.
    pub gcc: Option<(String, usize)>,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub name: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub kind: StepKind,
    pub when: Option<Cond>,
    pub when_text: Option<String>,
    /// `kernel = "/boot/vmlinuz"` on a kexec jump: the guest path of the
    /// kernel a step of the run built, booted unless `--kexec-kernel` says
    /// otherwise. Without it the host lays the kernel to kexec.
    pub kernel: Option<String>,
    /// Line of the step in parts.toml, for diagnostics.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// A package: `<stage>/<package>/recipe.toml`.
    Build {
        package: String,
    },
    /// A change to the system that is not a package: `<stage>/improve/<script>`.
    Improve {
        script: String,
    },
    Jump(Jump),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jump {
    Kexec,
    SwitchRoot,
}

impl Jump {
    pub fn as_str(self) -> &'static str {
        match self {
            Jump::Kexec => "kexec",
            Jump::SwitchRoot => "switch_root",
        }
    }
}

impl StepKind {
    pub fn word(&self) -> &'static str {
        match self {
            StepKind::Build { .. } => "build",
            StepKind::Improve { .. } => "improve",
            StepKind::Jump(_) => "jump",
        }
    }
}

type RawTable = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    options: RawTable,
    seed: Option<Spanned<RawSeed>>,
    sysa: Option<RawStage>,
    sysb: Option<RawStage>,
    sysc: Option<RawStage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeed {
    tcc: Spanned<String>,
    gcc: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    steps: Vec<Spanned<RawTable>>,
}

/// Names end up as directory and log file names, in the host and the guest:
/// the runner's rule, and no hidden names either.
pub fn valid_name(s: &str) -> bool {
    bootstrap_contract::plan::valid_name(s) && !s.starts_with('.')
}

impl Manifest {
    /// Parse `path`; every problem found is pushed to `diags`. Returns `None`
    /// only when the file cannot be read or is not valid TOML of the right shape.
    pub fn load(path: &Path, diags: &mut Diagnostics) -> Option<Manifest> {
        let source = match SourceText::read(path) {
            Ok(s) => s,
            Err(e) => {
                diags.push(crate::model::diag::Diagnostic::file(
                    path,
                    format!("cannot read: {e}"),
                ));
                return None;
            }
        };
        Self::parse(source, diags)
    }

    pub fn parse(source: SourceText, diags: &mut Diagnostics) -> Option<Manifest> {
        let raw: RawManifest = match toml::from_str(&source.text) {
            Ok(r) => r,
            Err(e) => {
                diags.push(source.toml_error(&e));
                return None;
            }
        };

        let mut options = BTreeMap::new();
        for (k, v) in &raw.options {
            let name = k.get_ref();
            if name == MODE {
                diags.push(source.at(
                    k.span(),
                    "'mode' is built in (chroot, qemu, bare-metal) and cannot be declared",
                ));
                continue;
            }
            if !valid_name(name) {
                diags.push(source.at(k.span(), format!("invalid option name '{name}'")));
                continue;
            }
            match v.get_ref() {
                toml::Value::Boolean(b) => {
                    options.insert(name.clone(), Value::Bool(*b));
                }
                toml::Value::String(s) => {
                    options.insert(name.clone(), Value::Str(s.clone()));
                }
                other => diags.push(source.at(
                    v.span(),
                    format!(
                        "option '{name}' must default to a boolean or a string, not a {}",
                        other.type_str()
                    ),
                )),
            }
        }

        let seed = match &raw.seed {
            Some(s) => {
                let tcc = &s.get_ref().tcc;
                if !valid_name(tcc.get_ref()) {
                    diags.push(source.at(tcc.span(), "invalid recipe name"));
                }
                let gcc = s.get_ref().gcc.as_ref().map(|g| {
                    if !valid_name(g.get_ref()) {
                        diags.push(source.at(g.span(), "invalid recipe name"));
                    } else if g.get_ref() == tcc.get_ref() {
                        diags.push(source.at(
                            g.span(),
                            "the gcc seed needs its own recipe, not the tcc seed's",
                        ));
                    }
                    (g.get_ref().clone(), source.line_col(g.span().start).0)
                });
                Seed {
                    tcc: tcc.get_ref().clone(),
                    line: source.line_col(tcc.span().start).0,
                    gcc,
                }
            }
            None => {
                diags.push(source.at_line(1, "missing [seed] table (tcc = \"<recipe>\")"));
                Seed {
                    tcc: String::new(),
                    line: 1,
                    gcc: None,
                }
            }
        };

        let schema = schema(&options);
        let mut stages = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (stage_name, raw_stage) in STAGES.iter().zip([&raw.sysa, &raw.sysb, &raw.sysc]) {
            let mut steps = Vec::new();
            for raw_step in raw_stage.iter().flat_map(|s| &s.steps) {
                if let Some(step) = parse_step(&source, stage_name, raw_step, &schema, diags) {
                    if let Some(first) = seen.get(&step.name) {
                        diags.push(source.at_line(
                            step.line,
                            format!(
                                "duplicate step name '{}' (first at line {first}); \
                                 give one of them a distinct name = \"...\"",
                                step.name
                            ),
                        ));
                    } else {
                        seen.insert(step.name.clone(), step.line);
                    }
                    steps.push(step);
                }
            }
            stages.push(Stage {
                name: stage_name.to_string(),
                steps,
            });
        }

        Some(Manifest {
            source,
            options,
            seed,
            stages,
        })
    }

    /// Option values for a run: declared defaults, overridden by `overrides`.
    pub fn values(&self, mode: Option<&str>, overrides: &BTreeMap<String, Value>) -> Values {
        let mut v = self.options.clone();
        v.extend(overrides.iter().map(|(k, x)| (k.clone(), x.clone())));
        if let Some(m) = mode {
            v.insert(MODE.to_string(), Value::Str(m.to_string()));
        }
        v
    }

    pub fn schema(&self) -> Schema {
        schema(&self.options)
    }
}

fn schema(options: &BTreeMap<String, Value>) -> Schema {
    let mut s: Schema = options
        .iter()
        .map(|(k, v)| {
            let kind = match v {
                Value::Bool(_) => OptionKind::Bool,
                Value::Str(_) => OptionKind::Str { allowed: vec![] },
            };
            (k.clone(), kind)
        })
        .collect();
    s.insert(
        MODE.to_string(),
        OptionKind::Str {
            allowed: MODES.iter().map(|m| m.to_string()).collect(),
        },
    );
    s
}

fn parse_step(
    source: &SourceText,
    stage: &str,
    raw: &Spanned<RawTable>,
    schema: &Schema,
    diags: &mut Diagnostics,
) -> Option<Step> {
    let line = source.line_col(raw.span().start).0;
    let mut kind: Option<(StepKind, String)> = None;
    let mut name_override = None;
    let mut kernel: Option<(String, std::ops::Range<usize>)> = None;
    let mut when = None;
    let mut when_text = None;
    let mut ok = true;

    for (k, v) in raw.get_ref() {
        let key = k.get_ref().as_str();
        let text = match v.get_ref() {
            toml::Value::String(s) => s.clone(),
            other => {
                diags.push(source.at(
                    v.span(),
                    format!("'{key}' must be a string, not a {}", other.type_str()),
                ));
                ok = false;
                continue;
            }
        };
        let new_kind = match key {
            "build" => {
                if !valid_name(&text) {
                    diags.push(source.at(v.span(), format!("invalid package name '{text}'")));
                    ok = false;
                }
                Some((
                    StepKind::Build {
                        package: text.clone(),
                    },
                    text,
                ))
            }
            "improve" => {
                let stem = text
                    .strip_suffix(".kaem")
                    .or_else(|| text.strip_suffix(".sh"));
                match stem {
                    Some(stem) if valid_name(stem) && !text.contains('/') => Some((
                        StepKind::Improve {
                            script: text.clone(),
                        },
                        stem.to_string(),
                    )),
                    _ => {
                        diags.push(source.at(
                            v.span(),
                            format!(
                                "improve script '{text}' must be a file name in \
                                 {stage}/improve/ ending in .kaem or .sh"
                            ),
                        ));
                        ok = false;
                        None
                    }
                }
            }
            "jump" => {
                let j = match text.as_str() {
                    "kexec" => Some(Jump::Kexec),
                    "switch_root" => Some(Jump::SwitchRoot),
                    _ => {
                        diags.push(source.at(
                            v.span(),
                            format!("unknown jump '{text}' (expected kexec or switch_root)"),
                        ));
                        ok = false;
                        None
                    }
                };
                j.map(|j| (StepKind::Jump(j), format!("jump-{}", j.as_str())))
            }
            "kernel" => {
                let clean = text.starts_with('/')
                    && !text.split('/').any(|c| c == ".." || c == ".")
                    && !text.ends_with('/');
                if !clean {
                    diags.push(source.at(
                        v.span(),
                        format!("kernel '{text}' must be an absolute guest path without . or .."),
                    ));
                    ok = false;
                }
                kernel = Some((text, v.span()));
                None
            }
            "name" => {
                if !valid_name(&text) {
                    diags.push(source.at(v.span(), format!("invalid step name '{text}'")));
                    ok = false;
                }
                name_override = Some(text);
                None
            }
            "when" => {
                match Cond::parse(&text) {
                    Ok(c) => {
                        for e in c.type_errors(schema) {
                            diags.push(source.at(v.span(), format!("in condition: {e}")));
                            ok = false;
                        }
                        when = Some(c);
                    }
                    Err(e) => {
                        diags.push(source.at(v.span(), format!("bad condition '{text}': {e}")));
                        ok = false;
                    }
                }
                when_text = Some(text);
                None
            }
            other => {
                diags.push(source.at(
                    k.span(),
                    format!(
                        "unknown step key '{other}' (a step is one of build, improve, jump, \
                         with optional name and when, and kernel on a kexec jump)"
                    ),
                ));
                ok = false;
                None
            }
        };
        if let Some(nk) = new_kind {
            if kind.is_some() {
                diags.push(source.at(k.span(), "a step has exactly one of build, improve, jump"));
                ok = false;
            } else {
                kind = Some(nk);
            }
        }
    }

    let Some((kind, default_name)) = kind else {
        if ok {
            diags.push(source.at(raw.span(), "step has no kind (build, improve or jump)"));
        }
        return None;
    };
    if let Some((_, span)) = &kernel {
        if kind != StepKind::Jump(Jump::Kexec) {
            diags.push(source.at(span.clone(), "kernel is for a kexec jump only"));
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    Some(Step {
        name: name_override.unwrap_or(default_name),
        kind,
        when,
        when_text,
        kernel: kernel.map(|(k, _)| k),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Option<Manifest>, Vec<String>) {
        let mut d = Diagnostics::default();
        let m = Manifest::parse(SourceText::new("parts.toml", text.to_string()), &mut d);
        (m, d.sorted().iter().map(|d| d.to_string()).collect())
    }

    const GOOD: &str = r#"
[options]
build_kernel = false
flavour = "small"

[seed]
tcc = "tcc-seed"
gcc = "gcc-seed"
[sysa]
steps = [
  { build = "musl-1.2.3" },
  { improve = "mkdirs.kaem" },
  { jump = "kexec", when = "mode != chroot" },
]

[sysc]
steps = [
  { build = "linux", when = "build_kernel && flavour == 'big'" },
  { build = "musl-1.2.3", name = "musl-again" },
]
"#;

    #[test]
    fn parses_good_manifest() {
        let (m, errs) = parse(GOOD);
        assert!(errs.is_empty(), "{errs:?}");
        let m = m.unwrap();
        assert_eq!(m.seed.tcc, "tcc-seed");
        assert_eq!(m.seed.gcc, Some(("gcc-seed".to_string(), 8)));
        assert_eq!(m.stages.len(), 3);
        let a = &m.stages[0].steps;
        assert_eq!(a[0].name, "musl-1.2.3");
        assert_eq!(a[0].line, 11);
        assert_eq!(a[1].name, "mkdirs");
        assert_eq!(a[2].kind, StepKind::Jump(Jump::Kexec));
        assert!(m.stages[1].steps.is_empty());
        let c = &m.stages[2].steps;
        assert_eq!(c[1].name, "musl-again");
        let v = m.values(Some("qemu"), &BTreeMap::new());
        assert_eq!(a[2].when.as_ref().unwrap().eval(&v), Some(true));
        assert_eq!(c[0].when.as_ref().unwrap().eval(&v), Some(false));
    }

    #[test]
    fn reports_each_problem_with_line() {
        let text = r#"
[options]
mode = "qemu"
n = 3

[seed]
tcc = "tcc-seed"

[sysa]
steps = [
  { build = "a" },
  { compile = "b" },
  { build = "a" },
  { jump = "reboot" },
  { improve = "x.py" },
  { build = "c", jump = "kexec" },
  { build = "d", when = "mode == vm" },
  { build = "e", when = "(" },
  {},
  { build = "f", kernel = "/boot/vmlinuz" },
  { jump = "kexec", name = "j", kernel = "boot/vmlinuz" },
  { jump = "kexec", name = "k", kernel = "/boot/../x" },
  { jump = "kexec", name = "l", kernel = "/boot/vmlinuz" },
]
"#;
        let (m, errs) = parse(text);
        assert!(m.is_some());
        let expect = [
            "parts.toml:3:1: 'mode' is built in",
            "parts.toml:4:5: option 'n' must default to a boolean or a string",
            "parts.toml:12:5: unknown step key 'compile'",
            "parts.toml:13: duplicate step name 'a' (first at line 11)",
            "parts.toml:14:12: unknown jump 'reboot'",
            "parts.toml:15:15: improve script 'x.py'",
            "parts.toml:16:18: a step has exactly one of build, improve, jump",
            "parts.toml:17:25: in condition: option 'mode' is never 'vm'",
            "parts.toml:18:25: bad condition '('",
            "parts.toml:19:3: step has no kind",
            "parts.toml:20:27: kernel is for a kexec jump only",
            "parts.toml:21:42: kernel 'boot/vmlinuz' must be an absolute guest path",
            "parts.toml:22:42: kernel '/boot/../x' must be an absolute guest path",
        ];
        assert_eq!(errs.len(), expect.len(), "{errs:#?}");
        for (e, want) in errs.iter().zip(expect) {
            assert!(e.starts_with(want), "{e:?} should start with {want:?}");
        }
        let steps = &m.unwrap().stages[0].steps;
        let l = steps.iter().find(|s| s.name == "l").unwrap();
        assert_eq!(l.kernel.as_deref(), Some("/boot/vmlinuz"));
    }

    #[test]
    fn malformed_toml_and_unknown_tables() {
        let (m, errs) = parse("[seed]\ntcc = \"x\"\n[sysa]\nsteps = [\n  { build = \"a\" \n");
        assert!(m.is_none());
        assert!(errs[0].starts_with("parts.toml:5:"), "{errs:?}");
        let (m, errs) = parse("[seed]\ntcc = \"x\"\n[sysd]\nsteps = []\n");
        assert!(m.is_none());
        assert!(
            errs[0].starts_with("parts.toml:3:") && errs[0].contains("sysd"),
            "{errs:?}"
        );
        let (_, errs) = parse("[sysa]\nsteps = []\n");
        assert!(errs[0].contains("missing [seed]"), "{errs:?}");
    }

    #[test]
    fn gcc_seed_is_optional_and_checked() {
        let (m, errs) = parse("[seed]\ntcc = \"t\"\n");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(m.unwrap().seed.gcc, None);
        let (_, errs) = parse("[seed]\ntcc = \"t\"\ngcc = \"a/b\"\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with("parts.toml:3:7: invalid recipe name"),
            "{errs:?}"
        );
        let (_, errs) = parse("[seed]\ntcc = \"t\"\ngcc = \"t\"\n");
        assert!(errs[0].contains("its own recipe"), "{errs:?}");
        let (m, errs) = parse("[seed]\ntcc = \"t\"\ncc = \"x\"\n");
        assert!(
            m.is_none() && errs[0].contains("unknown field `cc`"),
            "{errs:?}"
        );
    }
}
