//! The binary seed's compiler: tcc-seed, a static TinyCC compiled on the host
//! by the host's C compiler (`--seed-cc`) from the pinned TinyCC source, plus
//! its libtcc1.a (compiled by tcc-seed itself, so the host compiler touches
//! nothing but the one binary) and its own headers.
//!
//! In the guest it lives under /bootstrap/seed: `bin/tcc`, `lib/tcc/libtcc1.a`,
//! `lib/tcc/include/*.h`. Its configuration (those paths, musl's paths) is
//! the recipe's `config.h`, so it can be reviewed like any other source.

pub mod gcc;
pub mod runner;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use bootstrap_contract::paths;

use crate::model::project::Project;
use crate::sources::distfile::unpack_verified;
use crate::sources::patch::apply_patches;
use crate::util::cmd::run_logged;
use crate::util::{fsutil, in_root};

/// Flags given to the host compiler. ONE_SOURCE builds all of TinyCC from
/// tcc.c; the rest select x86_64, musl conventions and static linking.
pub const HOST_FLAGS: &[&str] = &[
    "-O2",
    "-g0",
    "-static",
    "-w",
    "-DONE_SOURCE=1",
    "-DTCC_TARGET_X86_64",
    "-DTCC_MUSL",
    "-DCONFIG_TCC_STATIC",
];
/// The runtime library, compiled by tcc-seed itself.
pub const LIBTCC1: &[&str] = &[
    "libtcc1.c",
    "alloca86_64.S",
    "alloca86_64-bt.S",
    "va_list.c",
];

/// Everything that determines the seed, for caching and for the record.
pub fn seed_id(project: &Project, cc: &str) -> Result<String> {
    let recipe = project.seed_recipe();
    let mut text = format!("cc={cc}\nflags={HOST_FLAGS:?}\nlibtcc1={LIBTCC1:?}\n");
    let version = Command::new(cc).arg("--version").output();
    match version {
        Ok(o) if o.status.success() => text.push_str(&String::from_utf8_lossy(&o.stdout)),
        _ => bail!("seed compiler '{cc}' cannot be run (`{cc} --version` failed); install it or pick another with --seed-cc"),
    }
    for s in &recipe.sources {
        text.push_str(&format!(
            "{}={}\n",
            s.file,
            project.sums.get(&s.file).unwrap_or_default()
        ));
    }
    for f in recipe
        .patches()?
        .iter()
        .chain([recipe.dir.join("config.h")].iter())
    {
        text.push_str(&format!(
            "{}={}\n",
            f.file_name().unwrap_or_default().to_string_lossy(),
            fsutil::sha256_file(f)?
        ));
    }
    Ok(fsutil::sha256_reader(text.as_bytes())?)
}

/// Build the seed in `work` and lay it out as `out/bootstrap/seed/...`.
pub fn build(project: &Project, distfiles: &Path, cc: &str, work: &Path, out: &Path) -> Result<()> {
    let recipe = project.seed_recipe();
    let [source] = &recipe.sources[..] else {
        bail!(
            "{}: the seed recipe must have exactly one source (the TinyCC tarball)",
            recipe.source.path.display()
        );
    };
    let _ = fs::remove_dir_all(work);
    fs::create_dir_all(work)?;
    let log = work.join("seed.log");
    let src = work.join("src");
    let build = work.join("build");
    fs::create_dir_all(&build)?;
    unpack_verified(project, distfiles, &source.file, &src)?;
    apply_patches(&src, &recipe.patches()?, &log)?;
    fs::copy(recipe.dir.join("config.h"), build.join("config.h"))
        .context("seed recipe needs config.h")?;

    let tcc = build.join("tcc");
    // Relative source names keep host paths out of the binary's debug-free
    // strings (__FILE__ is "tcc.c").
    run_logged(
        Command::new(cc)
            .current_dir(&src)
            .args(HOST_FLAGS)
            .arg(format!("-I{}", build.display()))
            .arg("-o")
            .arg(&tcc)
            .arg("tcc.c"),
        &log,
    )
    .with_context(|| format!("compiling tcc-seed with {cc}"))?;

    let mut objs = Vec::new();
    for f in LIBTCC1 {
        let o = build.join(format!(
            "{}.o",
            f.rsplit_once('.').map(|x| x.0).unwrap_or(f)
        ));
        run_logged(
            Command::new(&tcc)
                .current_dir(&src)
                .args(["-c", &format!("lib/{f}"), "-o"])
                .arg(&o),
            &log,
        )?;
        objs.push(o);
    }
    let lib = build.join("libtcc1.a");
    run_logged(
        Command::new(&tcc)
            .arg("-ar")
            .arg("rcs")
            .arg(&lib)
            .args(&objs),
        &log,
    )?;

    let seed = in_root(out, paths::SEED);
    let _ = fs::remove_dir_all(&seed);
    fs::create_dir_all(seed.join("bin"))?;
    fs::create_dir_all(seed.join("lib/tcc/include"))?;
    fs::copy(&tcc, seed.join("bin/tcc"))?;
    fs::copy(&lib, seed.join("lib/tcc/libtcc1.a"))?;
    for h in fsutil::sorted_entries(&src.join("include"))? {
        if h.extension().is_some_and(|e| e == "h") {
            fs::copy(
                &h,
                seed.join("lib/tcc/include")
                    .join(h.file_name().unwrap_or_default()),
            )?;
        }
    }
    Ok(())
}

/// A seed tree (`bootstrap/seed/...`) for `cc`, built unless one with the
/// same id is cached already: the id hashes every input, so a cached seed
/// is the seed these inputs give. Seeds are shared by every target of this
/// user (`$XDG_CACHE_HOME/bootstrap/seeds/tcc-<id>`; below `work` without a
/// cache directory) and put there whole or not at all (built beside it,
/// then renamed). Returns the tree and its full id.
pub fn cached(
    project: &Project,
    distfiles: &Path,
    cc: &str,
    work: &Path,
) -> Result<(PathBuf, String)> {
    let id = seed_id(project, cc)?;
    let seeds = crate::util::cache_dir()
        .map(|c| c.join("seeds"))
        .unwrap_or_else(|_| work.to_path_buf());
    let out = seeds.join(format!("tcc-{}", &id[..16]));
    if !in_root(&out, paths::SEED).join("bin/tcc").is_file() {
        eprintln!("bootstrap: building tcc-seed with {cc}");
        fs::create_dir_all(&seeds).with_context(|| seeds.display().to_string())?;
        let tmp = seeds.join(format!(".tcc-{}-{}", &id[..16], std::process::id()));
        let _ = fs::remove_dir_all(&tmp);
        let built = build(project, distfiles, cc, &work.join("seed-build"), &tmp).and_then(|()| {
            let _ = fs::remove_dir_all(&out);
            fs::rename(&tmp, &out).with_context(|| out.display().to_string())
        });
        if built.is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
        built?;
    }
    Ok((out, id))
}
