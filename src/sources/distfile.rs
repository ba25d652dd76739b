//! Using a distfile: its hash is checked again right before use (the
//! distfiles directory is shared and may have changed since `fetch`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::model::project::Project;
use crate::model::recipe::{Recipe, SourceFile};
use crate::sources::{patch, unpack};
use crate::util::fsutil;

/// Unpack a distfile after checking its hash again (hash before use: the
/// distfiles directory is shared and may have changed since `fetch`).
pub fn unpack_verified(project: &Project, distfiles: &Path, file: &str, dest: &Path) -> Result<()> {
    unpack::unpack(&verified_distfile(project, distfiles, file)?, dest)
}

/// One source of a recipe, re-verified and unpacked into `dest`: the
/// distfile itself or, with `inner`, the tarball inside it (the outer tree
/// is unpacked next to `dest` first and removed afterwards).
pub fn unpack_source(
    project: &Project,
    distfiles: &Path,
    source: &SourceFile,
    dest: &Path,
) -> Result<()> {
    let Some(inner) = &source.inner else {
        return unpack_verified(project, distfiles, &source.file, dest);
    };
    let outer = dest.with_file_name(format!(
        ".{}.outer",
        dest.file_name().unwrap_or_default().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&outer);
    let r = unpack_verified(project, distfiles, &source.file, &outer).and_then(|()| {
        let archive = outer.join(inner);
        if !archive.is_file() {
            bail!("{}: holds no {inner} (recipe's `inner`)", source.file);
        }
        unpack::unpack(&archive, dest)
    });
    let _ = std::fs::remove_dir_all(&outer);
    r
}

/// A recipe's sources as its build sees them: each distfile re-verified and
/// unpacked into `dest` (one source: `dest` is its tree; sources with
/// `into`: the one without it is `dest`, each other one `dest/<into>`;
/// otherwise each in `dest/<file name without .tar.*>`), then the recipe's
/// patches applied. `log` receives patch(1)'s output.
pub fn prepare_recipe(
    project: &Project,
    distfiles: &Path,
    recipe: &Recipe,
    dest: &Path,
    log: &Path,
) -> Result<()> {
    unpack_sources(project, distfiles, recipe, dest)?;
    patch::apply_patches(dest, &recipe.patches()?, log)
}

/// The unpacking half of [`prepare_recipe`].
pub fn unpack_sources(
    project: &Project,
    distfiles: &Path,
    recipe: &Recipe,
    dest: &Path,
) -> Result<()> {
    for (s, into) in recipe.unpack_plan() {
        let to = if into.is_empty() {
            dest.to_path_buf()
        } else {
            let to = dest.join(&into);
            std::fs::create_dir_all(to.parent().unwrap_or(dest))?;
            to
        };
        unpack_source(project, distfiles, s, &to)?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A .tar.gz of `files` (path, content).
    fn targz(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (p, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, p, *data).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn inner_tarballs_are_unpacked_and_trees_go_into_the_tree() {
        let d = tempfile::tempdir().unwrap();
        let (proj, dist) = (d.path().join("p"), d.path().join("d"));
        std::fs::create_dir_all(proj.join("sysa/seed")).unwrap();
        std::fs::create_dir_all(proj.join("sysa/pkg")).unwrap();
        std::fs::create_dir_all(&dist).unwrap();
        let inner = targz(&[("gcc-1/gcc/c.c", b"int c;\n")]);
        let files = [
            (
                "outer.tar.gz",
                targz(&[("w/inner.tar.gz", &inner[..]), ("w/other.txt", b"x")]),
            ),
            ("lib.tar.gz", targz(&[("lib-2/lib.h", b"#define L\n")])),
        ];
        let mut sums = String::new();
        for (name, data) in &files {
            std::fs::write(dist.join(name), data).unwrap();
            sums.push_str(&format!(
                "{}  {name}\n",
                fsutil::sha256_reader(&data[..]).unwrap()
            ));
        }
        std::fs::write(proj.join("SHA256SUMS.sources"), sums).unwrap();
        std::fs::write(
            proj.join("parts.toml"),
            "[seed]\ntcc = \"seed\"\n[sysa]\nsteps = [{ build = \"pkg\" }]\n",
        )
        .unwrap();
        std::fs::write(proj.join("sysa/seed/config.h"), "").unwrap();
        std::fs::write(
            proj.join("sysa/seed/recipe.toml"),
            "[[source]]\nfile = \"lib.tar.gz\"\ndebian = \"pool/l\"\ninto = \"lib\"\n\
             [[source]]\nfile = \"outer.tar.gz\"\ndebian = \"pool/o\"\ninner = \"inner.tar.gz\"\n",
        )
        .unwrap();
        std::fs::write(proj.join("sysa/pkg/recipe.toml"), "script = \"b\"\n").unwrap();
        std::fs::write(proj.join("sysa/pkg/b"), "").unwrap();
        let p = Project::load(&proj).unwrap();
        let tree = d.path().join("tree");
        unpack_sources(&p, &dist, p.seed_recipe(), &tree).unwrap();
        assert_eq!(
            std::fs::read_to_string(tree.join("gcc/c.c")).unwrap(),
            "int c;\n"
        );
        assert!(tree.join("lib/lib.h").is_file());
        assert!(!tree.join("other.txt").exists() && !tree.join("inner.tar.gz").exists());
        // The outer tree was only a way to the inner tarball: gone.
        let names = || fsutil::sorted_entries(d.path()).unwrap();
        assert_eq!(names(), [dist.clone(), proj.clone(), tree.clone()]);

        // An inner tarball that is not there is named.
        let mut bad = p.seed_recipe().clone();
        bad.sources[1].inner = Some("missing.tar.xz".into());
        let e = unpack_sources(&p, &dist, &bad, &d.path().join("t2"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("holds no missing.tar.xz"), "{e}");
        assert_eq!(names(), [dist.clone(), proj.clone(), tree.clone()]);
    }
}
