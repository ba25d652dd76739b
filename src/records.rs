//! The reproducibility record. After each build step the runner writes
//! `bootstrap/records/<step>.sha256sums` (and `.links`); the project keeps
//! the expected values in `SHA256SUMS.pkgs`. `verify` compares a target with
//! that file or with another target, and re-hashes the installed files, so a
//! file changed after its step recorded it is caught too.
//!
//! SHA256SUMS.pkgs is sha256sum format with paths relative to the target
//! root (`cd TARGET && sha256sum -c SHA256SUMS.pkgs` works), grouped by step:
//! ```text
//! # step sysa/musl-1.2.3
//! <sha256>  usr/lib/libc.a
//! # link usr/lib/libfoo.so -> libfoo.so.1
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use bootstrap_contract::{paths, records};

use crate::image::target;
use crate::util::{fsutil, in_root};

/// What one step installed: path (relative, no leading slash) → sha256 for
/// files, or "-> target" for symlinks.
pub type StepRecord = BTreeMap<String, String>;

/// All steps of a target or of SHA256SUMS.pkgs, in completion order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    pub steps: Vec<(String, StepRecord)>,
}

const LINK: &str = "-> ";

impl Records {
    fn get(&self, step: &str) -> Option<&StepRecord> {
        self.steps.iter().find(|(s, _)| s == step).map(|(_, r)| r)
    }

    /// Read a target's records, in the order of its completed-steps file.
    pub fn from_target(root: &Path) -> Result<Records> {
        let state = in_root(root, paths::COMPLETED);
        if !state.is_file() {
            bail!(
                "{} is missing (is this a bootstrap target?)",
                state.display()
            );
        }
        let mut steps = Vec::new();
        for e in target::completed_steps(root)? {
            let sums = in_root(root, &paths::sums(&e.name));
            if !sums.exists() {
                continue; // an improve step: installs nothing
            }
            let text = std::fs::read_to_string(&sums)?;
            let files = records::parse_sums(&text).with_context(|| sums.display().to_string())?;
            let mut rec: StepRecord = files.into_iter().map(|f| (f.path, f.sha256)).collect();
            let links = in_root(root, &paths::links(&e.name));
            if let Ok(t) = std::fs::read_to_string(&links) {
                let links =
                    records::parse_links(&t).with_context(|| links.display().to_string())?;
                for l in links {
                    rec.insert(l.path, format!("{LINK}{}", l.target));
                }
            }
            steps.push((format!("{}/{}", e.stage, e.name), rec));
        }
        Ok(Records { steps })
    }

    pub fn parse(text: &str, origin: &Path) -> Result<Records> {
        let mut steps: Vec<(String, StepRecord)> = Vec::new();
        for (i, l) in text.lines().enumerate() {
            let at = || format!("{}:{}", origin.display(), i + 1);
            if let Some(step) = l.strip_prefix("# step ") {
                steps.push((step.trim().to_string(), StepRecord::new()));
            } else if let Some(link) = l.strip_prefix("# link ") {
                let (p, t) = link
                    .split_once(" -> ")
                    .with_context(|| format!("{}: malformed link line", at()))?;
                let Some((_, rec)) = steps.last_mut() else {
                    bail!("{}: link before any '# step'", at())
                };
                rec.insert(p.to_string(), format!("{LINK}{t}"));
            } else if l.starts_with('#') || l.trim().is_empty() {
                continue;
            } else {
                let (h, p) = l
                    .split_once("  ")
                    .filter(|(h, _)| crate::model::sums::is_sha256_hex(h))
                    .with_context(|| format!("{}: expected '<sha256>  <path>'", at()))?;
                let Some((_, rec)) = steps.last_mut() else {
                    bail!("{}: file before any '# step'", at())
                };
                rec.insert(p.to_string(), h.to_string());
            }
        }
        Ok(Records { steps })
    }

    pub fn render(&self) -> String {
        let mut s = String::from(
            "# bootstrap reproducibility record: what each build step installs.\n\
             # Paths are relative to the target root: cd TARGET && sha256sum -c this-file\n\
             # Regenerate from a verified target with: bootstrap verify --target DIR --update\n",
        );
        for (step, rec) in &self.steps {
            let _ = writeln!(s, "# step {step}");
            for (p, h) in rec {
                match h.strip_prefix(LINK) {
                    Some(t) => {
                        let _ = writeln!(s, "# link {p} -> {t}");
                    }
                    None => {
                        let _ = writeln!(s, "{h}  {p}");
                    }
                }
            }
        }
        s
    }

    /// The same records with the steps in `order` (`stage/name`, as
    /// parts.toml lists them); steps not in it keep their place after
    /// those. A resumed target completes a step added to sysa after its
    /// sysc steps; SHA256SUMS.pkgs follows the manifest.
    pub fn in_order(mut self, order: &[String]) -> Records {
        let pos = |step: &str| order.iter().position(|o| o == step).unwrap_or(order.len());
        self.steps.sort_by_key(|(step, _)| pos(step));
        self
    }

    /// Only the steps that `other` has too, in this order: what a target
    /// that stopped early (or ran a shorter manifest) is compared with.
    pub fn restricted_to(&self, other: &Records) -> Records {
        Records {
            steps: self
                .steps
                .iter()
                .filter(|(s, _)| other.get(s).is_some())
                .cloned()
                .collect(),
        }
    }

    pub fn file_count(&self) -> usize {
        self.steps.iter().map(|(_, r)| r.len()).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub step: String,
    pub path: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub what: &'static str,
}

/// Differences between the expected records and a target's.
pub fn compare(expected: &Records, actual: &Records) -> Vec<Difference> {
    let mut out = Vec::new();
    for (step, exp) in &expected.steps {
        let Some(act) = actual.get(step) else {
            out.push(Difference {
                step: step.clone(),
                path: String::new(),
                expected: None,
                actual: None,
                what: "step not completed in the target",
            });
            continue;
        };
        for (p, h) in exp {
            match act.get(p) {
                None => out.push(Difference {
                    step: step.clone(),
                    path: p.clone(),
                    expected: Some(h.clone()),
                    actual: None,
                    what: "not installed",
                }),
                Some(a) if a != h => out.push(Difference {
                    step: step.clone(),
                    path: p.clone(),
                    expected: Some(h.clone()),
                    actual: Some(a.clone()),
                    what: "differs",
                }),
                Some(_) => {}
            }
        }
        for (p, a) in act {
            if !exp.contains_key(p) {
                out.push(Difference {
                    step: step.clone(),
                    path: p.clone(),
                    expected: None,
                    actual: Some(a.clone()),
                    what: "installed but not expected",
                });
            }
        }
    }
    for (step, _) in &actual.steps {
        if expected.get(step).is_none() {
            out.push(Difference {
                step: step.clone(),
                path: String::new(),
                expected: None,
                actual: None,
                what: "step has no expected record",
            });
        }
    }
    out
}

/// Re-hash what is on disk now against each path's last recorded installer.
pub fn check_installed(root: &Path, records: &Records) -> Result<Vec<Difference>> {
    let mut last: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for (step, rec) in &records.steps {
        for (p, h) in rec {
            last.insert(p, (step, h));
        }
    }
    let mut out = Vec::new();
    for (p, (step, h)) in last {
        let path = root.join(p);
        let now = match h.strip_prefix(LINK) {
            Some(_) => std::fs::read_link(&path)
                .ok()
                .map(|t| format!("{LINK}{}", t.display())),
            None => fsutil::sha256_file(&path).ok(),
        };
        if now.as_deref() != Some(h) {
            out.push(Difference {
                step: step.to_string(),
                path: p.to_string(),
                expected: Some(h.to_string()),
                actual: now,
                what: "changed on disk since it was installed",
            });
        }
    }
    Ok(out)
}

pub fn render_differences(ds: &[Difference], label: &str) -> String {
    let mut s = String::new();
    for d in ds {
        if d.path.is_empty() {
            let _ = writeln!(s, "{}: {}", d.step, d.what);
        } else {
            let _ = writeln!(
                s,
                "{}: /{}: {} ({}: {}, target: {})",
                d.step,
                d.path,
                d.what,
                label,
                d.expected.as_deref().unwrap_or("none"),
                d.actual.as_deref().unwrap_or("none")
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(steps: &[(&str, &[(&str, &str)])]) -> Records {
        Records {
            steps: steps
                .iter()
                .map(|(s, files)| {
                    (
                        s.to_string(),
                        files
                            .iter()
                            .map(|(p, h)| (p.to_string(), h.to_string()))
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn in_order_follows_the_manifest_and_keeps_strangers_last() {
        let r = Records {
            steps: ["sysc/c", "x/y", "sysa/b", "sysa/a"]
                .iter()
                .map(|s| (s.to_string(), StepRecord::new()))
                .collect(),
        };
        let order: Vec<String> = ["sysa/a", "sysa/b", "sysc/c"].map(String::from).to_vec();
        let names: Vec<String> = r
            .in_order(&order)
            .steps
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(names, ["sysa/a", "sysa/b", "sysc/c", "x/y"]);
    }

    #[test]
    fn render_parse_round_trip() {
        let h = "a".repeat(64);
        let r = rec(&[
            ("sysa/kit", &[("bootstrap/bin/kit", &h)]),
            (
                "sysa/musl",
                &[("usr/lib/libc.a", &h), ("usr/lib/l", "-> libc.a")],
            ),
        ]);
        let text = r.render();
        assert!(text.contains(&format!("{h}  usr/lib/libc.a\n")));
        assert!(text.contains("# link usr/lib/l -> libc.a\n"));
        assert_eq!(Records::parse(&text, Path::new("S")).unwrap(), r);
        assert!(Records::parse("zz  x\n", Path::new("S"))
            .unwrap_err()
            .to_string()
            .contains("S:1"));
    }

    #[test]
    fn compare_names_step_path_and_both_hashes() {
        let (a, b, c) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
        let exp = rec(&[("sysa/x", &[("f", &a), ("g", &b)]), ("sysa/y", &[])]);
        let act = rec(&[("sysa/x", &[("f", &c), ("h", &b)]), ("sysa/z", &[])]);
        let d = compare(&exp, &act);
        let text = render_differences(&d, "expected");
        assert!(
            text.contains(&format!("sysa/x: /f: differs (expected: {a}, target: {c})")),
            "{text}"
        );
        assert!(text.contains("sysa/x: /g: not installed"), "{text}");
        assert!(
            text.contains("sysa/x: /h: installed but not expected"),
            "{text}"
        );
        assert!(
            text.contains("sysa/y: step not completed in the target"),
            "{text}"
        );
        assert!(
            text.contains("sysa/z: step has no expected record"),
            "{text}"
        );
        assert_eq!(d.len(), 5);
        assert!(compare(&exp, &exp).is_empty());
    }

    #[test]
    fn a_partial_comparison_checks_only_completed_steps_but_checks_them() {
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let exp = rec(&[("sysa/x", &[("f", &a)]), ("sysa/y", &[("g", &a)])]);
        let same = rec(&[("sysa/x", &[("f", &a)])]);
        assert!(compare(&exp.restricted_to(&same), &same).is_empty());
        assert_eq!(
            compare(&exp, &same).len(),
            1,
            "the full comparison sees y missing"
        );
        let wrong = rec(&[("sysa/x", &[("f", &b)])]);
        assert_eq!(compare(&exp.restricted_to(&wrong), &wrong).len(), 1);
    }

    #[test]
    fn installed_files_are_rehashed_against_the_last_installer() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("f"), b"two").unwrap();
        let one = fsutil::sha256_reader(&b"one"[..]).unwrap();
        let two = fsutil::sha256_reader(&b"two"[..]).unwrap();
        // Step 1 installed "one", step 2 replaced it with "two": fine.
        let r = rec(&[("s/1", &[("f", &one)]), ("s/2", &[("f", &two)])]);
        assert!(check_installed(t.path(), &r).unwrap().is_empty());
        std::fs::write(t.path().join("f"), b"tampered").unwrap();
        let d = check_installed(t.path(), &r).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].step.as_str(), d[0].path.as_str()), ("s/2", "f"));
    }
}
