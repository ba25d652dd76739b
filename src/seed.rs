//! The binary seed's compiler: tcc-seed, a static TinyCC compiled on the host
//! by the host's C compiler (`--seed-cc`) from the pinned TinyCC source, plus
//! its libtcc1.a (compiled by tcc-seed itself, so the host compiler touches
//! nothing but the one binary) and its own headers.
//!
//! In the guest it lives under /bootstrap/seed: `bin/tcc`, `lib/tcc/libtcc1.a`,
//! `lib/tcc/include/*.h`. Its configuration (those paths, musl's paths) is
//! the recipe's `config.h`, so it can be reviewed like any other source.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::fsutil;
use crate::project::Project;
use crate::unpack;

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

/// Run a command with its output appended to `log`; on failure say which
/// command failed and where its log is.
pub fn run_logged(cmd: &mut Command, log: &Path) -> Result<()> {
    use std::io::Write;
    let mut f = fs::OpenOptions::new().create(true).append(true).open(log)?;
    writeln!(f, "+ {cmd:?}")?;
    let out = cmd
        .output()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    f.write_all(&out.stdout)?;
    f.write_all(&out.stderr)?;
    if !out.status.success() {
        bail!(
            "{:?} failed ({}); log: {}",
            cmd.get_program(),
            out.status,
            log.display()
        );
    }
    Ok(())
}

/// Apply `patches` (sorted, unified diffs, -p1) in `dir` with the host's
/// patch(1), refusing fuzz so a patch that no longer fits is an error.
pub fn apply_patches(dir: &Path, patches: &[PathBuf], log: &Path) -> Result<()> {
    for p in patches {
        run_logged(
            Command::new("patch")
                .args([
                    "-p1",
                    "-F0",
                    "--batch",
                    "--forward",
                    "--no-backup-if-mismatch",
                    "-s",
                    "-d",
                ])
                .arg(dir)
                .arg("-i")
                .arg(p),
            log,
        )
        .with_context(|| format!("applying {}", p.display()))?;
    }
    Ok(())
}

/// Unpack a distfile after checking its hash again (hash before use: the
/// distfiles directory is shared and may have changed since `fetch`).
pub fn unpack_verified(project: &Project, distfiles: &Path, file: &str, dest: &Path) -> Result<()> {
    unpack::unpack(&verified_distfile(project, distfiles, file)?, dest)
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

    let seed = out.join("bootstrap/seed");
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

/// True if `path` is an ELF executable without a PT_INTERP program header,
/// i.e. it needs no dynamic loader and runs in an empty root.
pub fn is_static_elf(path: &Path) -> Result<bool> {
    let data = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let u16_at = |o: usize| data.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        data.get(o..o + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()))
    };
    let u64_at = |o: usize| {
        data.get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
    };
    // 64-bit little-endian ELF only: the one target we build for.
    if data.get(..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1][..]) {
        return Ok(false);
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return Ok(false);
    };
    for i in 0..phnum as usize {
        let off = phoff as usize + i * phentsize as usize;
        match u32_at(off) {
            Some(3) => return Ok(false), // PT_INTERP
            Some(_) => {}
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// Build the runner crate as a static binary with cargo (the host tool is
/// built the same way, so cargo is there), or take `prebuilt`.
pub fn runner_binary(project: &Project, prebuilt: Option<&Path>) -> Result<PathBuf> {
    let bin = match prebuilt {
        Some(p) => p.to_path_buf(),
        None => {
            let target_dir = project.root.join("target/runner");
            let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args([
                    "build",
                    "--release",
                    "--quiet",
                    "--locked",
                    "--target",
                    "x86_64-unknown-linux-gnu",
                    "--manifest-path",
                ])
                .arg(project.root.join("runner/Cargo.toml"))
                .env("CARGO_TARGET_DIR", &target_dir)
                // Static: the runner is PID 1 of an initramfs with no loader.
                .env("RUSTFLAGS", "-C target-feature=+crt-static")
                .status()
                .context("running cargo to build the runner (or pass --runner FILE)")?;
            if !status.success() {
                bail!("building the runner failed ({status})");
            }
            target_dir.join("x86_64-unknown-linux-gnu/release/bootstrap-runner")
        }
    };
    if !is_static_elf(&bin)? {
        bail!(
            "{} is not a static x86_64 ELF executable; the runner must need no dynamic loader",
            bin.display()
        );
    }
    Ok(bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_dynamic_executables() {
        // The test binary itself is dynamically linked; /bin/sh too.
        assert!(!is_static_elf(Path::new("/bin/sh")).unwrap());
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("x");
        fs::write(&f, "#!/bin/sh\n").unwrap();
        assert!(!is_static_elf(&f).unwrap());
    }
}
