//! The host tool's own work against the standard tools that do the same
//! job, on the same inputs, in the same run: SHA-256 of the distfiles
//! against `sha256sum`, unpacking a gz, a bz2 and an xz distfile against
//! GNU tar, and writing a gzip'd newc initramfs of a tree against
//! `find | sort | cpio -o -H newc | gzip -9` (ours compresses at level 9
//! too). Each side runs once to warm the
//! page cache, then `ROUNDS` times alternating; the median counts.
//!
//! `cargo bench --bench host [-- DISTFILES]` prints one Markdown table row
//! per figure (`scripts/bench` puts them into BENCHMARKS.md). DISTFILES
//! defaults to `$XDG_CACHE_HOME/bootstrap/distfiles`, which `bootstrap
//! fetch` fills.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use bootstrap::image::initramfs::{self, Compression};
use bootstrap::sources::unpack;
use bootstrap::util::fsutil;

const ROUNDS: usize = 5;

/// The unpack inputs: one distfile per compression, each a real source.
const ARCHIVES: [&str; 3] = [
    "e2fsprogs_1.47.2.orig.tar.gz",
    "busybox_1.37.0.orig.tar.bz2",
    "binutils_2.44.orig.tar.xz",
];
/// The tree the initramfs figures archive: this source, unpacked.
const TREE_FROM: &str = "coreutils_9.7.orig.tar.xz";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Warm both sides up, then time them `ROUNDS` times each, alternating.
fn compare(ours: &mut dyn FnMut(), theirs: &mut dyn FnMut()) -> (Duration, Duration) {
    ours();
    theirs();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let t = Instant::now();
        ours();
        a.push(t.elapsed());
        let t = Instant::now();
        theirs();
        b.push(t.elapsed());
    }
    (median(a), median(b))
}

fn sh(script: &str, args: &[&Path]) {
    let s = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(args)
        .status()
        .expect("running sh");
    assert!(s.success(), "{script} failed");
}

fn row(what: &str, (ours, theirs): (Duration, Duration), baseline: &str) {
    println!(
        "| {what} | {:.3} s | {:.3} s | {:.2} | `{baseline}` |",
        ours.as_secs_f64(),
        theirs.as_secs_f64(),
        ours.as_secs_f64() / theirs.as_secs_f64()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; anything else is the distfiles dir.
    let dist = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            bootstrap::util::cache_dir()
                .expect("a cache directory")
                .join("distfiles")
        });
    let mut files: Vec<PathBuf> = fsutil::sorted_entries(&dist)
        .unwrap_or_else(|e| panic!("{}: {e} (run `bootstrap fetch` first)", dist.display()))
        .into_iter()
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.retain(|p| p.metadata().map(|m| m.len() > 0).unwrap_or(false));
    let bytes: u64 = files.iter().map(|p| p.metadata().unwrap().len()).sum();
    let work = tempfile::tempdir().expect("a temporary directory");

    println!("| what | bootstrap | baseline | ratio | baseline command |");
    println!("|---|---|---|---|---|");

    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    row(
        &format!("SHA-256 of {} distfiles ({} MiB)", files.len(), bytes >> 20),
        compare(
            &mut || {
                for f in &files {
                    fsutil::sha256_file(f).expect("hashing");
                }
            },
            &mut || sh("sha256sum \"$@\" > /dev/null", &refs),
        ),
        "sha256sum FILES",
    );

    for name in ARCHIVES {
        let archive = dist.join(name);
        let (ours, theirs) = (work.path().join("ours"), work.path().join("tar"));
        let size = archive.metadata().map(|m| m.len() >> 20).unwrap_or(0);
        row(
            &format!("unpack {name} ({size} MiB)"),
            compare(
                &mut || {
                    fsutil::remove_any(&ours).unwrap();
                    unpack::unpack(&archive, &ours).expect("unpacking");
                },
                &mut || {
                    fsutil::remove_any(&theirs).unwrap();
                    std::fs::create_dir(&theirs).unwrap();
                    sh("tar -xf \"$1\" -C \"$2\"", &[&archive, &theirs]);
                },
            ),
            "tar -xf ARCHIVE -C DIR",
        );
        fsutil::remove_any(&ours).unwrap();
        fsutil::remove_any(&theirs).unwrap();
    }

    let tree = work.path().join("tree");
    unpack::unpack(&dist.join(TREE_FROM), &tree).expect("unpacking the tree");
    let (ours, theirs) = (
        work.path().join("ours.cpio.gz"),
        work.path().join("cpio.gz"),
    );
    row(
        &format!("initramfs (gzip) of the {TREE_FROM} tree"),
        compare(
            &mut || initramfs::write(&tree, &[], 0, Compression::Gzip, &ours).expect("writing"),
            &mut || {
                sh(
                    "cd \"$1\" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9 > \"$2\"",
                    &[&tree, &theirs],
                )
            },
        ),
        "find . \\| sort \\| cpio -o -H newc \\| gzip -9",
    );
    let size = |p: &Path| p.metadata().unwrap().len();
    println!(
        "\nArchive sizes: bootstrap {} bytes, baseline {} bytes ({:.3} of it).",
        size(&ours),
        size(&theirs),
        size(&ours) as f64 / size(&theirs) as f64
    );
}
