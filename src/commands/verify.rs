//! `bootstrap verify`: a target's install records against SHA256SUMS.pkgs
//! or another target, the installed files re-hashed; `--update` writes
//! SHA256SUMS.pkgs from a target.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;

use bootstrap::image::{step_cache, target};
use bootstrap::model::stages::Mode;
use bootstrap::records;
use bootstrap::util::fsutil;

use super::Global;

/// The reproducibility record at the project's top.
const PKG_SUMS: &str = "SHA256SUMS.pkgs";

#[derive(Args)]
pub struct VerifyArgs {
    /// The target directory [default: build/chroot in the project]
    #[arg(long, value_name = "DIR")]
    pub target: Option<PathBuf>,
    /// Compare with another target instead of SHA256SUMS.pkgs.
    #[arg(long, value_name = "DIR")]
    pub against: Option<PathBuf>,
    /// Write the target's records to SHA256SUMS.pkgs (after checking the
    /// files on disk still match them).
    #[arg(long, conflicts_with = "against")]
    pub update: bool,
    /// Compare only the steps the target has completed (a run that stopped
    /// early, or a shorter manifest); each of those must still match.
    #[arg(long, conflicts_with = "update")]
    pub partial: bool,
}

pub fn run(g: &Global, a: &VerifyArgs) -> Result<ExitCode> {
    let root = g.project_root()?;
    let target_dir = a
        .target
        .clone()
        .unwrap_or_else(|| target::default_dir(&root, Mode::Chroot));
    let actual = records::Records::from_target(&target_dir)?;
    let mut diffs = records::check_installed(&target_dir, &actual)?;
    let (label, expected) = match &a.against {
        Some(other) => {
            let theirs = records::Records::from_target(other)?;
            diffs.extend(records::check_installed(other, &theirs)?);
            ("other", theirs)
        }
        None => {
            let p = root.join(PKG_SUMS);
            let text = if a.update {
                String::new()
            } else {
                std::fs::read_to_string(&p).with_context(|| p.display().to_string())?
            };
            ("expected", records::Records::parse(&text, &p)?)
        }
    };
    if a.update {
        if !diffs.is_empty() {
            eprint!("{}", records::render_differences(&diffs, "recorded"));
            bail!("the target's files no longer match its own records; not updating");
        }
        let (project, _) = g.load()?;
        let order: Vec<String> = project
            .manifest
            .stages
            .iter()
            .flat_map(|st| {
                st.steps
                    .iter()
                    .map(move |s| format!("{}/{}", st.name, s.name))
            })
            .collect();
        let actual = actual.in_order(&order);
        fsutil::write_atomic(&root.join(PKG_SUMS), actual.render().as_bytes())?;
        println!(
            "verify: wrote {PKG_SUMS}: {} steps, {} files",
            actual.steps.len(),
            actual.file_count()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let expected = if a.partial {
        expected.restricted_to(&actual)
    } else {
        expected
    };
    diffs.extend(records::compare(&expected, &actual));
    // Restored steps prove only that the cache holds what was pinned.
    let restored = step_cache::restored(&target_dir)?;
    if !restored.is_empty() {
        println!(
            "verify: {} of {} steps were restored from the step cache, not built in this target (listed in {}); `run --no-cache --fresh` builds them all",
            restored.len(),
            target::completed(&target_dir)?.len(),
            bootstrap::util::in_root(&target_dir, step_cache::RESTORED).display()
        );
    }
    if diffs.is_empty() {
        println!(
            "verify: identical: {} steps, {} files compared",
            actual.steps.len(),
            actual.file_count()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        print!("{}", records::render_differences(&diffs, label));
        println!(
            "verify: {} difference{} found",
            diffs.len(),
            if diffs.len() == 1 { "" } else { "s" }
        );
        Ok(ExitCode::FAILURE)
    }
}
