//! Using a distfile: its hash is checked again right before use (the
//! distfiles directory is shared and may have changed since `fetch`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::model::project::Project;
use crate::model::recipe::Recipe;
use crate::sources::{patch, unpack};
use crate::util::fsutil;

/// Unpack a distfile after checking its hash again (hash before use: the
/// distfiles directory is shared and may have changed since `fetch`).
pub fn unpack_verified(project: &Project, distfiles: &Path, file: &str, dest: &Path) -> Result<()> {
    unpack::unpack(&verified_distfile(project, distfiles, file)?, dest)
}

/// A recipe's sources as its build sees them: each distfile re-verified and
/// unpacked into `dest` (one source: `dest` is its tree; several: each in
/// `dest/<file name without .tar.*>`), then the recipe's patches applied.
/// `log` receives patch(1)'s output.
pub fn prepare_recipe(
    project: &Project,
    distfiles: &Path,
    recipe: &Recipe,
    dest: &Path,
    log: &Path,
) -> Result<()> {
    match &recipe.sources[..] {
        [] => return Ok(()),
        [one] => unpack_verified(project, distfiles, &one.file, dest)?,
        many => {
            std::fs::create_dir_all(dest)?;
            for s in many {
                let stem = s.file.split(".tar").next().unwrap_or(&s.file);
                unpack_verified(project, distfiles, &s.file, &dest.join(stem))?;
            }
        }
    }
    patch::apply_patches(dest, &recipe.patches()?, log)
}

/// `distfiles/file`, after checking that its SHA-256 is still the pinned one.
pub fn verified_distfile(project: &Project, distfiles: &Path, file: &str) -> Result<PathBuf> {
    let path = distfiles.join(file);
    let want = project
        .sums
        .get(file)
        .with_context(|| format!("{file} has no hash"))?;
    let got = fsutil::sha256_file(&path)
        .with_context(|| format!("{} (run `bootstrap fetch`)", path.display()))?;
    if got != want {
        bail!(
            "{}: sha256 {got}, expected {want}; run `bootstrap fetch` again",
            path.display()
        );
    }
    Ok(path)
}
