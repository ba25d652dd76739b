//! `bootstrap check`: load the project (every problem is printed by the
//! loader as `file:line:col: message`), then compare each generated build
//! script with what its generator makes of the recipe's patched sources,
//! and that `SHA256SUMS.sources` is sorted by file name.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result};
use clap::Args;

use bootstrap::model::project::Project;
use bootstrap::model::recipe::Recipe;
use bootstrap::sources::distfile::prepare_recipe;
use bootstrap::sources::fetch::default_distfiles;

use super::Global;

#[derive(Args)]
pub struct CheckArgs {
    /// Where the sources are, for checking generated build scripts
    /// [default: $XDG_CACHE_HOME/bootstrap/distfiles]
    #[arg(long, value_name = "DIR")]
    pub distfiles: Option<PathBuf>,
}

pub fn run(g: &Global, a: &CheckArgs) -> Result<ExitCode> {
    let (p, config) = g.load()?;
    let distfiles = match a.distfiles.clone().or(config.distfiles.clone()) {
        Some(d) => d,
        None => default_distfiles()?,
    };
    let unsorted = p.sums.out_of_order();
    for d in &unsorted {
        eprintln!("{d}");
    }
    let mut stale = 0;
    for r in p.recipes.values() {
        if r.generated.is_some() && !generated_is_current(&p, r, &distfiles)? {
            stale += 1;
        }
    }
    if stale > 0 {
        eprintln!("check: {stale} generated file(s) out of date with their generator");
    }
    if stale > 0 || !unsorted.is_empty() {
        return Ok(ExitCode::FAILURE);
    }
    let steps: usize = p.manifest.stages.iter().map(|s| s.steps.len()).sum();
    println!(
        "check: ok: {} stages, {steps} steps, {} recipes, {} sources hashed",
        p.manifest.stages.len(),
        p.recipes.len(),
        p.sums.entries.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Run `r`'s generator on its patched sources and compare the output with
/// the file in the recipe. Without the sources (not fetched yet) the file
/// cannot be checked: that is said, and is not a failure.
fn generated_is_current(p: &Project, r: &Recipe, distfiles: &std::path::Path) -> Result<bool> {
    let g = r.generated.as_ref().expect("checked by the caller");
    let file = r.dir.join(&g.file);
    if let Some(missing) = r
        .sources
        .iter()
        .find(|s| !distfiles.join(&s.file).is_file())
    {
        eprintln!(
            "check: note: {} not checked against its generator: {} is not in {} (run `bootstrap fetch`)",
            file.display(),
            missing.file,
            distfiles.display()
        );
        return Ok(true);
    }
    let tmp = tempfile::Builder::new()
        .prefix("bootstrap-check-")
        .tempdir()?;
    let src = tmp.path().join("src");
    prepare_recipe(p, distfiles, r, &src, &tmp.path().join("patch.log"))
        .with_context(|| format!("preparing the sources of {}", r.dir.display()))?;
    let args: Vec<String> =
        g.by.iter()
            .map(|a| a.replace("{src}", &src.to_string_lossy()))
            .collect();
    let out = Command::new(&args[0])
        .args(&args[1..])
        .current_dir(&r.dir)
        .output()
        .with_context(|| format!("running the generator of {}: {:?}", file.display(), g.by))?;
    if !out.status.success() {
        anyhow::bail!(
            "the generator of {} failed ({}): {}",
            file.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    let current = std::fs::read(&file).with_context(|| file.display().to_string())?;
    if current != out.stdout {
        eprintln!(
            "{}: out of date with its generator; regenerate it: cd {} && {} > {}",
            file.display(),
            r.dir.display(),
            g.by.join(" ").replace("{src}", "<patched sources>"),
            g.file
        );
        return Ok(false);
    }
    Ok(true)
}
