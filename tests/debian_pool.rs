//! End to end: fetch the repository's real pinned sources from the Debian
//! pool named by this host's apt configuration, then check that a second run
//! downloads nothing. Needs the network to a Debian mirror: skipped with a
//! reason when there is none, except under CI (CI=true), where it must run.

mod common;
use common::*;

use std::path::Path;

fn skip_or_fail(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| !v.is_empty()) {
        panic!("required under CI: {reason}");
    }
    eprintln!("SKIPPED debian_pool: {reason}");
}

#[test]
fn fetches_every_pinned_source_from_the_debian_pool() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mirrors = bootstrap::sources::mirrors::from_apt(Path::new("/etc/apt"));
    let Some(mirror) = std::env::var("BOOTSTRAP_DEBIAN_MIRROR")
        .ok()
        .filter(|m| !m.is_empty())
        .or_else(|| mirrors.first().cloned())
    else {
        return skip_or_fail("no Debian mirror in BOOTSTRAP_DEBIAN_MIRROR or /etc/apt");
    };
    // Cheap reachability probe so that an offline laptop skips quickly.
    let probe = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .unwrap()
        .head(format!("{}/dists/", mirror.trim_end_matches('/')))
        .send();
    if let Err(e) = probe {
        return skip_or_fail(&format!("Debian mirror unreachable: {e}"));
    }

    let t = tempfile::tempdir().unwrap();
    let dist = t.path().join("distfiles");
    let args = [
        "-C",
        path_str(root),
        "fetch",
        "--all",
        "--distfiles",
        path_str(&dist),
        "--debian-mirror",
        &mirror,
    ];
    let o = bootstrap(&args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");

    // Every hash in SHA256SUMS.sources, checked independently of the tool.
    let sums = std::fs::read_to_string(root.join("SHA256SUMS.sources")).unwrap();
    let mut n = 0;
    for line in sums
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (hash, name) = line.split_once("  ").unwrap();
        let data = std::fs::read(dist.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sha256(&data), hash, "{name}");
        n += 1;
    }
    assert!(n >= 2, "expected the pinned sysa sources, found {n}");
    assert!(out.contains(&format!("{n} downloaded, 0 failed")), "{out}");

    let o = bootstrap(&args);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains(&format!("{n} already present, 0 downloaded, 0 failed")),
        "{out}"
    );
}
