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
//! bootstrap/distfiles/               the stage's verified source tarballs
//! bootstrap/target.toml              marker: mode, seed compiler, seed id
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::condition::Values;
use crate::fsutil;
use crate::manifest::{Jump, Step, StepKind, STAGES};
use crate::project::Project;
use crate::seed;

/// SOURCE_DATE_EPOCH of every step: the one date any output may carry.
pub const SOURCE_DATE_EPOCH: &str = "0";
pub const MARKER: &str = "bootstrap/target.toml";
/// The ext4 label of the target disk; sysb finds the disk by it.
pub const DISK_LABEL: &str = "BOOTSTRAP";
/// A fixed filesystem UUID: the image must be the same bytes every time.
pub const DISK_UUID: &str = "b0075742-a900-4000-8000-000000000001";

/// The stage after `stage` (sysa → sysb → sysc).
pub fn next_stage(stage: &str) -> Option<&'static str> {
    let i = STAGES.iter().position(|s| *s == stage)?;
    STAGES.get(i + 1).copied()
}

/// The steps of one stage that run under `values` (conditions must be
/// decided: with a known mode, an undecidable condition is an error).
pub fn stage_steps<'a>(
    project: &'a Project,
    stage: &str,
    values: &Values,
) -> Result<Vec<&'a Step>> {
    let Some(st) = project.manifest.stages.iter().find(|s| s.name == stage) else {
        bail!("no stage {stage}");
    };
    let mut out = Vec::new();
    for step in &st.steps {
        match step.when.as_ref().map(|c| c.eval(values)) {
            None | Some(Some(true)) => out.push(step),
            Some(Some(false)) => {}
            Some(None) => bail!(
                "parts.toml:{}: condition of step {} depends on an option with no value",
                step.line,
                step.name
            ),
        }
    }
    Ok(out)
}

/// The `<stage>.steps` text for the runner.
pub fn steps_file(project: &Project, stage: &str, steps: &[&Step]) -> String {
    let mut s =
        String::from("bootstrap-steps 1\n# written by bootstrap from parts.toml; do not edit\n");
    for step in steps {
        match &step.kind {
            StepKind::Build { .. } => {
                let r = project
                    .step_recipe(stage, step)
                    .expect("checked by Project::load");
                let script = r.script.as_deref().unwrap_or("build.kaem");
                let _ = write!(
                    s,
                    "build {} bootstrap/recipes/{stage}/{}/{script}",
                    step.name, step.name
                );
                if let Some(i) = &r.interpreter {
                    let _ = write!(s, " {i}");
                }
                s.push('\n');
            }
            StepKind::Improve { script } => {
                let interp = if script.ends_with(".sh") {
                    " /bin/sh"
                } else {
                    ""
                };
                let _ = writeln!(
                    s,
                    "improve {} bootstrap/recipes/{stage}/improve/{script}{interp}",
                    step.name
                );
            }
            StepKind::Jump(j) => {
                // The runner needs to know where the jump leads: the next
                // stage, and for switch_root the disk's label.
                let next = next_stage(stage).unwrap_or("none");
                let _ = match j {
                    Jump::Kexec => writeln!(s, "jump {} kexec {next}", step.name),
                    Jump::SwitchRoot => writeln!(
                        s,
                        "jump {} switch_root {next} LABEL={DISK_LABEL}",
                        step.name
                    ),
                };
            }
        }
    }
    s
}

/// The base environment of every step: fixed, so nothing of the host leaks in.
pub fn env_file(mode: &str, jobs: usize) -> String {
    format!(
        "# written by bootstrap; the whole environment of a step, plus the runner's own\n\
         PATH=/usr/bin:/bin:/bootstrap/bin\n\
         SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}\n\
         TZ=UTC\n\
         LC_ALL=C\n\
         LANG=C\n\
         HOME=/tmp\n\
         TMPDIR=/tmp\n\
         BOOTSTRAP_MODE={mode}\n\
         JOBS={jobs}\n"
    )
}

/// `<stage> <name>` pairs the runner has recorded as completed in `root`.
pub fn completed(root: &Path) -> Result<BTreeSet<(String, String)>> {
    let p = root.join("bootstrap/state/completed");
    let text = match fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(e) => return Err(e).with_context(|| p.display().to_string()),
    };
    Ok(text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect())
}

/// Everything a laid-out tree needs besides the project.
pub struct Inputs<'a> {
    pub project: &'a Project,
    pub distfiles: &'a Path,
    pub runner: &'a Path,
    /// A directory holding `bootstrap/seed/...` (from `seed::build`).
    pub seed: &'a Path,
    pub mode: &'a str,
    pub jobs: usize,
    /// Where host-side work (unpack logs) goes.
    pub work: &'a Path,
}

/// Lay `stages` into `root`. Steps already completed there keep their
/// state; their sources are not unpacked again.
pub fn lay(root: &Path, inputs: &Inputs, stages: &[(&str, Vec<&Step>)]) -> Result<()> {
    let project = inputs.project;
    let b = root.join("bootstrap");
    fs::create_dir_all(&b)?;
    let done = completed(root)?;

    // Runner and seed: replaced every time (they are inputs, not state).
    fs::copy(inputs.runner, b.join("runner"))
        .with_context(|| format!("copying runner {}", inputs.runner.display()))?;
    fsutil::remove_any(&b.join("seed"))?;
    fsutil::copy_tree(&inputs.seed.join("bootstrap/seed"), &b.join("seed"))?;

    fs::create_dir_all(b.join("plan"))?;
    let mut wanted_files = BTreeSet::new();
    for (stage, steps) in stages {
        fsutil::write_atomic(
            &b.join(format!("plan/{stage}.steps")),
            steps_file(project, stage, steps).as_bytes(),
        )?;
        fsutil::write_atomic(
            &b.join(format!("plan/{stage}.env")),
            env_file(inputs.mode, inputs.jobs).as_bytes(),
        )?;

        let recipes = b.join("recipes").join(stage);
        fsutil::remove_any(&recipes)?;
        fs::create_dir_all(&recipes)?;
        let improve = project.root.join(stage).join("improve");
        if improve.is_dir() {
            fsutil::copy_tree(&improve, &recipes.join("improve"))?;
        }
        for step in steps {
            let Some(r) = project.step_recipe(stage, step) else {
                continue;
            };
            fsutil::copy_tree(&r.dir, &recipes.join(&step.name))?;
            for s in &r.sources {
                wanted_files.insert(s.file.clone());
            }
            let src = b.join("src").join(&step.name);
            fsutil::remove_any(&src)?;
            if done.contains(&(stage.to_string(), step.name.clone())) {
                continue;
            }
            lay_sources(inputs, r, &src)
                .with_context(|| format!("preparing the sources of step {}", step.name))?;
        }
    }

    // Distfiles: copied after a fresh hash check; stale ones removed.
    let dist = b.join("distfiles");
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
        let from = seed::verified_distfile(project, inputs.distfiles, f)?;
        fs::copy(&from, &to)?;
    }
    Ok(())
}

/// Unpack a recipe's sources into `src` and apply its patches. One source:
/// `src` is its tree; several: each in `src/<file name without .tar.*>`.
fn lay_sources(inputs: &Inputs, r: &crate::recipe::Recipe, src: &Path) -> Result<()> {
    match &r.sources[..] {
        [] => return Ok(()),
        [one] => seed::unpack_verified(inputs.project, inputs.distfiles, &one.file, src)?,
        many => {
            fs::create_dir_all(src)?;
            for s in many {
                let stem = s.file.split(".tar").next().unwrap_or(&s.file);
                seed::unpack_verified(inputs.project, inputs.distfiles, &s.file, &src.join(stem))?;
            }
        }
    }
    fs::create_dir_all(inputs.work)?;
    let log = inputs.work.join("patch.log");
    seed::apply_patches(src, &r.patches()?, &log)
}

/// Marker contents, compared on resume.
pub fn marker(mode: &str, seed_cc: &str, seed_id: &str) -> String {
    format!("format = 1\nmode = \"{mode}\"\nseed_cc = \"{seed_cc}\"\nseed_id = \"{seed_id}\"\n")
}

/// The value of `key = "..."` in a marker.
pub fn marker_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(" = ")?;
        (k == key).then(|| v.trim_matches('"').to_string())
    })
}

pub fn host_work(root: &Path) -> PathBuf {
    root.join(".bootstrap-host")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_is_fixed() {
        let e = env_file("chroot", 2);
        assert!(
            e.contains("SOURCE_DATE_EPOCH=0\n")
                && e.contains("TZ=UTC\n")
                && e.contains("LC_ALL=C\n")
        );
        assert!(
            !e.contains(&std::env::var("HOME").unwrap_or("/nonexistent-home".into()))
                || e.contains("HOME=/tmp")
        );
    }

    #[test]
    fn marker_round_trip() {
        let m = marker("chroot", "gcc", "abc");
        assert_eq!(marker_value(&m, "seed_cc").as_deref(), Some("gcc"));
        assert_eq!(marker_value(&m, "seed_id").as_deref(), Some("abc"));
        assert_eq!(marker_value(&m, "nope"), None);
    }

    #[test]
    fn completed_reads_the_runner_state() {
        let t = tempfile::tempdir().unwrap();
        assert!(completed(t.path()).unwrap().is_empty());
        fs::create_dir_all(t.path().join("bootstrap/state")).unwrap();
        fs::write(
            t.path().join("bootstrap/state/completed"),
            "sysa kit\nsysa musl-1.2.3\n",
        )
        .unwrap();
        let c = completed(t.path()).unwrap();
        assert!(c.contains(&("sysa".into(), "musl-1.2.3".into())));
        assert_eq!(c.len(), 2);
    }
}
