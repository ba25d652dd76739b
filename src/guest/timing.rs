//! Where a run's time went: each step's wall time as the runner reported it
//! (`ok <name> (<secs>s)`), stage totals and the slowest steps, printed at
//! the end of a run and written as JSON beside its logs.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::util::fsutil;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepTime {
    pub stage: String,
    pub name: String,
    pub secs: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Timings {
    /// In the order the steps finished; skipped steps are not here.
    pub steps: Vec<StepTime>,
    /// From the guest's start (QEMU's, or the chroot runner's) to its first
    /// step's start: the boot, for a VM.
    pub first_step_ms: Option<u64>,
}

/// How many of the slowest steps the summary names.
const SLOWEST: usize = 5;

impl Timings {
    /// Stage totals in the order the stages first appear.
    pub fn stage_totals(&self) -> Vec<(&str, u64)> {
        let mut out: Vec<(&str, u64)> = Vec::new();
        for s in &self.steps {
            match out.iter_mut().find(|(st, _)| *st == s.stage) {
                Some((_, t)) => *t += s.secs,
                None => out.push((&s.stage, s.secs)),
            }
        }
        out
    }

    /// The summary printed at the end of a run.
    pub fn summary(&self) -> String {
        if self.steps.is_empty() {
            return "bootstrap: timing: no step ran\n".into();
        }
        let totals: Vec<String> = self
            .stage_totals()
            .iter()
            .map(|(s, t)| format!("{s} {t}s"))
            .collect();
        let mut slow: Vec<&StepTime> = self.steps.iter().collect();
        // Slowest first; ties in run order (the sort is stable).
        slow.sort_by_key(|s| std::cmp::Reverse(s.secs));
        let slowest: Vec<String> = slow
            .iter()
            .take(SLOWEST)
            .map(|s| format!("{}/{} {}s", s.stage, s.name, s.secs))
            .collect();
        format!(
            "bootstrap: timing: {} steps ran; stages: {}\nbootstrap: timing: slowest: {}\n",
            self.steps.len(),
            totals.join(", "),
            slowest.join(", ")
        )
    }

    /// Write the timings as JSON to `path` (atomically).
    pub fn write_json(&self, path: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(fsutil::write_atomic(path, text.as_bytes())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(stage: &str, name: &str, secs: u64) -> StepTime {
        StepTime {
            stage: stage.into(),
            name: name.into(),
            secs,
        }
    }

    #[test]
    fn summary_totals_stages_and_names_the_slowest() {
        let tm = Timings {
            steps: vec![
                t("sysa", "kit", 0),
                t("sysa", "musl", 7),
                t("sysa", "tcc", 2),
                t("sysc", "check", 1),
            ],
            ..Default::default()
        };
        assert_eq!(tm.stage_totals(), [("sysa", 9), ("sysc", 1)]);
        let s = tm.summary();
        assert!(s.contains("4 steps ran; stages: sysa 9s, sysc 1s"), "{s}");
        assert!(
            s.contains("slowest: sysa/musl 7s, sysa/tcc 2s, sysc/check 1s, sysa/kit 0s"),
            "{s}"
        );
    }

    #[test]
    fn json_lists_every_step() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("timing.json");
        let tm = Timings {
            steps: vec![t("sysa", "musl", 7)],
            first_step_ms: Some(1500),
        };
        tm.write_json(&p).unwrap();
        let back: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(back["steps"][0]["name"], "musl");
        assert_eq!(back["steps"][0]["secs"], 7);
        assert_eq!(back["first_step_ms"], 1500);
    }
}
