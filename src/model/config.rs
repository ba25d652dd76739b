//! `--config FILE`: settings a user keeps between runs. Command-line flags
//! override it; it overrides the option defaults declared in parts.toml.
//!
//! ```toml
//! distfiles = "/srv/bootstrap/distfiles"
//! mirrors = ["file:///srv/distfiles", "https://example.org/distfiles"]
//! debian_mirror = "https://..."
//! jobs = 4
//! [options]
//! build_kernel = true
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::condition::{OptionKind, Schema, Value};
use crate::model::diag::{Diagnostics, Invalid, SourceText};

#[derive(Debug, Default, Clone)]
pub struct Config {
    pub distfiles: Option<PathBuf>,
    pub mirrors: Vec<String>,
    pub debian_mirror: Option<String>,
    pub jobs: Option<usize>,
    pub options: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    distfiles: Option<PathBuf>,
    #[serde(default)]
    mirrors: Vec<String>,
    debian_mirror: Option<String>,
    jobs: Option<usize>,
    #[serde(default)]
    options: BTreeMap<toml::Spanned<String>, toml::Spanned<toml::Value>>,
}

impl Config {
    /// Load and type-check against the options parts.toml declares.
    pub fn load(path: &Path, schema: &Schema) -> Result<Config, Invalid> {
        let mut diags = Diagnostics::default();
        let source = SourceText::read(path).map_err(|e| {
            Invalid(vec![crate::model::diag::Diagnostic::file(
                path,
                format!("cannot read: {e}"),
            )])
        })?;
        let raw: Raw =
            toml::from_str(&source.text).map_err(|e| Invalid(vec![source.toml_error(&e)]))?;
        let mut options = BTreeMap::new();
        for (k, v) in &raw.options {
            let name = k.get_ref();
            let value = match (schema.get(name), v.get_ref()) {
                (Some(_), _) if name == crate::model::manifest::MODE => {
                    diags.push(source.at(k.span(), "mode is set by the run subcommand"));
                    continue;
                }
                (None, _) => {
                    diags.push(
                        source.at(k.span(), format!("parts.toml declares no option '{name}'")),
                    );
                    continue;
                }
                (Some(OptionKind::Bool), toml::Value::Boolean(b)) => Value::Bool(*b),
                (Some(OptionKind::Str { .. }), toml::Value::String(s)) => Value::Str(s.clone()),
                (Some(kind), other) => {
                    let want = match kind {
                        OptionKind::Bool => "a boolean",
                        OptionKind::Str { .. } => "a string",
                    };
                    diags.push(source.at(
                        v.span(),
                        format!("option '{name}' must be {want}, not a {}", other.type_str()),
                    ));
                    continue;
                }
            };
            options.insert(name.clone(), value);
        }
        if raw.jobs == Some(0) {
            diags.push(source.at_line(1, "jobs must be at least 1"));
        }
        if !diags.is_empty() {
            return Err(Invalid(diags.sorted()));
        }
        Ok(Config {
            distfiles: raw.distfiles,
            mirrors: raw.mirrors,
            debian_mirror: raw.debian_mirror,
            jobs: raw.jobs,
            options,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        let mut s = Schema::new();
        s.insert("build_kernel".into(), OptionKind::Bool);
        s.insert("mode".into(), OptionKind::Str { allowed: vec![] });
        s
    }

    #[test]
    fn loads_and_type_checks() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("c.toml");
        std::fs::write(
            &p,
            "jobs = 2\nmirrors = [\"file:///x\"]\n[options]\nbuild_kernel = true\n",
        )
        .unwrap();
        let c = Config::load(&p, &schema()).unwrap();
        assert_eq!(c.jobs, Some(2));
        assert_eq!(c.options["build_kernel"], Value::Bool(true));

        std::fs::write(
            &p,
            "[options]\nbuild_kernel = \"yes\"\nnope = 1\nmode = \"qemu\"\n",
        )
        .unwrap();
        let e = Config::load(&p, &schema()).unwrap_err().to_string();
        assert!(
            e.contains("c.toml:2:16: option 'build_kernel' must be a boolean"),
            "{e}"
        );
        assert!(
            e.contains("c.toml:3:1: parts.toml declares no option 'nope'"),
            "{e}"
        );
        assert!(
            e.contains("c.toml:4:1: mode is set by the run subcommand"),
            "{e}"
        );

        std::fs::write(&p, "mirror = \"x\"\n").unwrap();
        let e = Config::load(&p, &schema()).unwrap_err().to_string();
        assert!(e.contains("c.toml:1:1: unknown field `mirror`"), "{e}");
    }
}
