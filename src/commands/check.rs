//! `bootstrap check`: load the project and report its size; every problem
//! is printed by the loader as `file:line:col: message`.

use std::process::ExitCode;

use anyhow::Result;

use super::Global;

pub fn run(g: &Global) -> Result<ExitCode> {
    let (p, _) = g.load()?;
    let steps: usize = p.manifest.stages.iter().map(|s| s.steps.len()).sum();
    println!(
        "check: ok: {} stages, {steps} steps, {} recipes, {} sources hashed",
        p.manifest.stages.len(),
        p.recipes.len(),
        p.sums.entries.len()
    );
    Ok(ExitCode::SUCCESS)
}
