//! gcc-seed built for real: slow (tens of minutes on two cores), so it is
//! `#[ignore]`d and run on purpose:
//!
//!   cargo test --release --test gcc_seed -- --ignored --nocapture
//!
//! It builds the seed into a fresh cache under target/, then checks that
//! every program is static, that the driver runs, that it compiles a
//! freestanding C file to assembly by itself and to an object with the
//! host's assembler, and that a second call reuses the cached seed.

mod common;
use common::*;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn gcc_seed(cache: &Path, distfiles: &Path) -> (bool, String, String, f64) {
    let start = Instant::now();
    let o = bootstrap(&[
        "-C",
        path_str(repo()),
        "gcc-seed",
        "--offline",
        "--distfiles",
        path_str(distfiles),
        "--cache",
        path_str(cache),
        "-j2",
    ]);
    let (out, err) = text(&o);
    eprint!("{err}");
    (o.status.success(), out, err, start.elapsed().as_secs_f64())
}

/// ELF header fields: type (1 = relocatable) and machine (62 = x86-64).
fn elf_type_machine(path: &Path) -> (u16, u16) {
    let d = std::fs::read(path).unwrap();
    assert_eq!(&d[..4], b"\x7fELF", "{} is not ELF", path.display());
    (
        u16::from_le_bytes([d[16], d[17]]),
        u16::from_le_bytes([d[18], d[19]]),
    )
}

#[test]
#[ignore = "builds GCC: tens of minutes"]
fn gcc_seed_builds_static_compiles_freestanding_c_and_is_cached() {
    let distfiles = match pinned_distfiles() {
        Ok(d) => d,
        Err(e) => return skip("gcc_seed", &e),
    };
    let cache = repo().join("target/test-gcc-seed");
    let _ = std::fs::remove_dir_all(&cache);

    let (ok, out, err, first) = gcc_seed(&cache, &distfiles);
    assert!(ok, "{err}");
    assert!(err.contains("bootstrap: gcc-seed built in "), "{err}");
    let dir = std::path::PathBuf::from(out.trim());
    assert!(dir.starts_with(&cache), "{}", dir.display());
    eprintln!("gcc-seed: first call {first:.0} s");

    // Only the finished seed is left in the cache: no temporary build dir.
    let names = listing(&cache);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].starts_with("gcc-"), "{names:?}");

    let prefix = dir.join("root/bootstrap/seed/gcc");
    let gcc = prefix.join("bin/x86_64-linux-musl-gcc");
    let cc1 = prefix.join("libexec/gcc/x86_64-linux-musl/14.2.0/cc1");
    for f in [&gcc, &cc1] {
        assert!(
            bootstrap::seed::runner::is_static_elf(f).unwrap(),
            "{} must be static",
            f.display()
        );
    }
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    eprintln!(
        "gcc-seed: driver {} bytes, cc1 {} bytes",
        size(&gcc),
        size(&cc1)
    );
    assert!(size(&cc1) < 100_000_000, "cc1 should be stripped");

    let v = Command::new(&gcc).arg("-v").output().unwrap();
    let (_, verr) = text(&v);
    assert!(v.status.success(), "{verr}");
    assert!(verr.contains("gcc version 14.2.0"), "{verr}");
    assert!(
        verr.contains("Target: x86_64-linux-musl") && verr.contains("--prefix=/bootstrap/seed/gcc"),
        "{verr}"
    );
    // COLLECT_GCC is where it was run from; what was configured into it
    // must name no directory of the build host.
    let configured = verr
        .lines()
        .find(|l| l.starts_with("Configured with: ../src/configure "))
        .unwrap_or_else(|| panic!("configured by a relative path: {verr}"));
    assert!(
        !configured.contains(path_str(repo())),
        "a host path is configured in: {configured}"
    );

    let work = tempfile::tempdir().unwrap();
    let c = work.path().join("k.c");
    std::fs::write(
        &c,
        "#include <stddef.h>\n#include <stdarg.h>\n\
         static int sum(int n, ...) { va_list ap; int s = 0; va_start(ap, n);\n\
           while (n--) s += va_arg(ap, int); va_end(ap); return s; }\n\
         size_t seed_kernel_entry(void) { return (size_t)sum(3, 1, 2, 3) + offsetof(struct { char a; long b; }, b); }\n",
    )
    .unwrap();
    // Assembly: gcc-seed alone (driver and cc1, its own headers).
    let s = work.path().join("k.s");
    let o = Command::new(&gcc)
        .args([
            "-S",
            "-O2",
            "-ffreestanding",
            "-nostdlib",
            "-mcmodel=kernel",
        ])
        .arg(&c)
        .arg("-o")
        .arg(&s)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    let asm = std::fs::read_to_string(&s).unwrap();
    assert!(asm.contains("seed_kernel_entry:"), "{asm}");
    assert!(asm.contains("GCC: (GNU) 14.2.0"), "{asm}");
    // An object: the driver runs an assembler, the host's until the chain
    // has its own (which binutils the kernel uses is still open).
    let obj = work.path().join("k.o");
    let o = Command::new(&gcc)
        .args(["-c", "-O2", "-ffreestanding", "-nostdlib"])
        .arg(&c)
        .arg("-o")
        .arg(&obj)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    assert_eq!(elf_type_machine(&obj), (1, 62), "relocatable x86-64 object");

    // Second call: the same inputs, so the cached seed, untouched.
    let inputs = dir.join("inputs");
    let before = std::fs::metadata(&inputs).unwrap().modified().unwrap();
    let (ok, out2, err2, second) = gcc_seed(&cache, &distfiles);
    assert!(ok, "{err2}");
    assert_eq!(out2, out);
    assert!(
        err2.contains("is cached") && !err2.contains("building"),
        "{err2}"
    );
    assert_eq!(
        std::fs::metadata(&inputs).unwrap().modified().unwrap(),
        before
    );
    eprintln!("gcc-seed: second call {second:.1} s");
    assert!(
        second < 60.0,
        "a cached seed must not be rebuilt ({second} s)"
    );
}
