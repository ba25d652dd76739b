//! `bootstrap fetch` against loopback HTTP servers that misbehave on purpose.

mod common;
use common::*;

const FAST: &[&str] = &["--retry-delay-ms", "10", "--retries", "3"];

fn fetch(proj: &std::path::Path, dist: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["-C", path_str(proj), "fetch", "--distfiles", path_str(dist)];
    args.extend_from_slice(FAST);
    args.extend_from_slice(extra);
    bootstrap(&args)
}

#[test]
fn fetches_from_mirror_and_second_run_downloads_nothing() {
    let (_t, proj, dist) = tmp();
    let srv = Server::start();
    let a = Src::new("a-1.0.tar.gz", tarball(&[("a-1.0/a.c", "int a;")]))
        .upstream(srv.url("/gone/a-1.0.tar.gz"));
    let b = Src::new("b-2.0.tar.gz", tarball(&[("b-2.0/b.c", "int b;")]))
        .debian("pool/main/b/b/b_2.0.orig.tar.gz");
    srv.on("/m/a-1.0.tar.gz", vec![Reply::Ok(a.data.clone())]);
    srv.on("/m/b-2.0.tar.gz", vec![Reply::Ok(b.data.clone())]);
    project(&proj, &[&a], &[&b]);

    let mirror = srv.url("/m");
    let o = fetch(
        &proj,
        &dist,
        &["--mirror", &mirror, "--debian-mirror", &srv.url("/deb")],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("2 files") && out.contains("2 downloaded, 0 failed"),
        "{out}"
    );
    assert_eq!(std::fs::read(dist.join("a-1.0.tar.gz")).unwrap(), a.data);
    assert_eq!(std::fs::read(dist.join("b-2.0.tar.gz")).unwrap(), b.data);
    assert_eq!(listing(&dist), vec!["a-1.0.tar.gz", "b-2.0.tar.gz"]);
    let hits = srv.total_hits();
    assert_eq!(hits, 2);

    let o = fetch(&proj, &dist, &["--mirror", &mirror]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("2 already present, 0 downloaded"), "{out}");
    assert_eq!(srv.total_hits(), hits, "a second run must not download");
}

#[test]
fn not_found_and_wrong_content_move_on_to_the_next_place() {
    let (_t, proj, dist) = tmp();
    let srv = Server::start();
    let a = Src::new("a.tar.gz", tarball(&[("a/x", "x")])).upstream(srv.url("/up/a.tar.gz"));
    let b = Src::new("b.tar.gz", tarball(&[("b/y", "y")]))
        .upstream(srv.url("/up/b.tar.gz"))
        .debian("pool/main/b/b/b.orig.tar.gz");
    // mirror 1: a missing, b corrupted; upstream: a fine, b missing; debian: b fine
    srv.on("/m1/a.tar.gz", vec![Reply::NotFound]);
    srv.on("/m1/b.tar.gz", vec![Reply::Ok(b"not the tarball".to_vec())]);
    srv.on("/up/a.tar.gz", vec![Reply::Ok(a.data.clone())]);
    srv.on(
        "/deb/pool/main/b/b/b.orig.tar.gz",
        vec![Reply::Ok(b.data.clone())],
    );
    project(&proj, &[&a], &[&b]);

    let o = fetch(
        &proj,
        &dist,
        &[
            "--mirror",
            &srv.url("/m1"),
            "--debian-mirror",
            &srv.url("/deb/"),
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(err.contains("/m1/a.tar.gz: not found (HTTP 404"), "{err}");
    assert!(
        err.contains(&format!(
            "/m1/b.tar.gz: wrong content: got sha256 {}",
            sha256(b"not the tarball")
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(dist.join("a.tar.gz")).unwrap(), a.data);
    assert_eq!(std::fs::read(dist.join("b.tar.gz")).unwrap(), b.data);
    // 404 and wrong content are final answers: asked once each
    assert_eq!(srv.hits("/m1/a.tar.gz"), 1);
    assert_eq!(srv.hits("/m1/b.tar.gz"), 1);
    assert_eq!(srv.hits("/up/b.tar.gz"), 1);
    assert_eq!(listing(&dist), vec!["a.tar.gz", "b.tar.gz"]);
}

#[test]
fn truncated_reset_and_5xx_transfers_are_retried() {
    let (_t, proj, dist) = tmp();
    let srv = Server::start();
    let a = Src::new("a.tar.gz", tarball(&[("a/big", &"x".repeat(100_000))]))
        .upstream(srv.url("/a.tar.gz"));
    let b = Src::new("b.tar.gz", tarball(&[("b/y", "y")])).upstream(srv.url("/b.tar.gz"));
    let c = Src::new("c.tar.gz", tarball(&[("c/z", "z")])).upstream(srv.url("/c.tar.gz"));
    let half = a.data.len() / 2;
    srv.on(
        "/a.tar.gz",
        vec![
            Reply::Truncate(a.data.clone(), half),
            Reply::Ok(a.data.clone()),
        ],
    );
    srv.on(
        "/b.tar.gz",
        vec![Reply::Reset, Reply::Reset, Reply::Ok(b.data.clone())],
    );
    srv.on(
        "/c.tar.gz",
        vec![Reply::Status(503), Reply::Ok(c.data.clone())],
    );
    project(&proj, &[&a], &[&b, &c]);

    let o = fetch(&proj, &dist, &[]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert_eq!(srv.hits("/a.tar.gz"), 2, "{err}");
    assert_eq!(srv.hits("/b.tar.gz"), 3, "{err}");
    assert_eq!(srv.hits("/c.tar.gz"), 2, "{err}");
    assert!(
        err.contains("a.tar.gz: downloading") && err.contains("(attempt 2)"),
        "{err}"
    );
    for s in [&a, &b, &c] {
        assert_eq!(std::fs::read(dist.join(&s.file)).unwrap(), s.data);
    }
    assert_eq!(listing(&dist), vec!["a.tar.gz", "b.tar.gz", "c.tar.gz"]);
}

#[test]
fn stalled_transfer_times_out_and_is_retried() {
    let (_t, proj, dist) = tmp();
    let srv = Server::start();
    let a = Src::new("a.tar.gz", tarball(&[("a/x", "x")])).upstream(srv.url("/a.tar.gz"));
    srv.on(
        "/a.tar.gz",
        vec![Reply::Stall(a.data.clone(), 10), Reply::Ok(a.data.clone())],
    );
    project(&proj, &[&a], &[]);
    let o = fetch(&proj, &dist, &["--stall-timeout", "1"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert_eq!(srv.hits("/a.tar.gz"), 2);
    assert_eq!(std::fs::read(dist.join("a.tar.gz")).unwrap(), a.data);
}

#[test]
fn when_every_place_fails_it_names_file_hashes_and_urls_and_leaves_nothing() {
    let (_t, proj, dist) = tmp();
    let srv = Server::start();
    // A port with nothing listening: bind, note the port, close.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let good = tarball(&[("a/x", "the real thing")]);
    let corrupt = tarball(&[("a/x", "a corrupted copy")]);
    let a = Src::new("a.tar.gz", good.clone())
        .upstream(format!("http://127.0.0.1:{dead_port}/a.tar.gz"))
        .debian("pool/main/a/a/a.orig.tar.gz");
    srv.on("/bad/a.tar.gz", vec![Reply::Ok(corrupt.clone())]);
    project(&proj, &[&a], &[]);

    let o = fetch(
        &proj,
        &dist,
        &[
            "--mirror",
            &srv.url("/bad"),
            "--debian-mirror",
            &srv.url("/deb"),
        ],
    );
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    assert!(err.contains("error: could not fetch a.tar.gz"), "{err}");
    assert!(
        err.contains(&format!("expected sha256 {}", sha256(&good))),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "tried {}: wrong content: got sha256 {}",
            srv.url("/bad/a.tar.gz"),
            sha256(&corrupt)
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "tried http://127.0.0.1:{dead_port}/a.tar.gz: cannot connect"
        )) && err.contains("gave up after 3 attempts"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "tried {}: not found (HTTP 404",
            srv.url("/deb/pool/main/a/a/a.orig.tar.gz")
        )),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with("error: could not fetch: a.tar.gz"),
        "{err}"
    );
    assert!(out.contains("1 failed"), "{out}");
    assert_eq!(
        listing(&dist),
        Vec::<String>::new(),
        "no file, no partial download left behind"
    );
}

#[test]
fn a_cached_file_with_a_wrong_hash_is_removed_and_refetched() {
    let (_t, proj, dist) = tmp();
    let srv = Server::start();
    let a = Src::new("a.tar.gz", tarball(&[("a/x", "x")])).upstream(srv.url("/a.tar.gz"));
    srv.on("/a.tar.gz", vec![Reply::Ok(a.data.clone())]);
    project(&proj, &[&a], &[]);
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("a.tar.gz"), b"stale").unwrap();
    // A leftover partial download of a process that no longer exists.
    std::fs::write(dist.join(".a.tar.gz.part-0-1"), b"half").unwrap();

    let o = fetch(&proj, &dist, &[]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        err.contains(&format!("cached copy has sha256 {}", sha256(b"stale"))),
        "{err}"
    );
    assert_eq!(std::fs::read(dist.join("a.tar.gz")).unwrap(), a.data);
    assert_eq!(listing(&dist), vec!["a.tar.gz"]);
}

#[test]
fn offline_only_checks_the_cache() {
    let (_t, proj, dist) = tmp();
    let srv = Server::start();
    let a = Src::new("a.tar.gz", tarball(&[("a/x", "x")])).upstream(srv.url("/a.tar.gz"));
    let b = Src::new("b.tar.gz", tarball(&[("b/x", "x")])).upstream(srv.url("/b.tar.gz"));
    srv.on("/a.tar.gz", vec![Reply::Ok(a.data.clone())]);
    project(&proj, &[&a], &[&b]);
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("a.tar.gz"), &a.data).unwrap();

    let o = fetch(&proj, &dist, &["--offline"]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "{out}\n{err}");
    assert!(
        err.contains("error: b.tar.gz is not in the distfiles directory (--offline)"),
        "{err}"
    );
    assert!(
        out.contains("1 already present, 0 downloaded, 1 failed"),
        "{out}"
    );
    assert_eq!(srv.total_hits(), 0, "offline must not touch the network");

    std::fs::write(dist.join("b.tar.gz"), &b.data).unwrap();
    let o = fetch(&proj, &dist, &["--offline"]);
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn file_mirror_and_debian_mirror_from_environment() {
    let (t, proj, dist) = tmp();
    let srv = Server::start();
    let local = t.path().join("local");
    std::fs::create_dir_all(&local).unwrap();
    let a = Src::new("a.tar.gz", tarball(&[("a/x", "x")])).upstream(srv.url("/gone/a.tar.gz"));
    let b = Src::new("b.tar.gz", tarball(&[("b/x", "x")])).debian("pool/main/b/b/b_1.orig.tar.gz");
    std::fs::write(local.join("a.tar.gz"), &a.data).unwrap();
    srv.on(
        "/debian/pool/main/b/b/b_1.orig.tar.gz",
        vec![Reply::Ok(b.data.clone())],
    );
    project(&proj, &[&a], &[&b]);

    let file_mirror = format!("file://{}", local.display());
    let mut args = vec![
        "-C",
        path_str(&proj),
        "fetch",
        "--distfiles",
        path_str(&dist),
        "--mirror",
        &file_mirror,
    ];
    args.extend_from_slice(FAST);
    let deb = srv.url("/debian");
    let o = bootstrap_env(&args, &[("BOOTSTRAP_DEBIAN_MIRROR", &deb)]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert_eq!(srv.hits("/debian/pool/main/b/b/b_1.orig.tar.gz"), 1);
    assert_eq!(std::fs::read(dist.join("a.tar.gz")).unwrap(), a.data);
    assert_eq!(std::fs::read(dist.join("b.tar.gz")).unwrap(), b.data);
}

#[test]
fn a_broken_manifest_stops_fetch_before_any_download() {
    let (_t, proj, dist) = tmp();
    let srv = Server::start();
    let a = Src::new("a.tar.gz", tarball(&[("a/x", "x")])).upstream(srv.url("/a.tar.gz"));
    project(&proj, &[&a], &[]);
    std::fs::write(
        proj.join("parts.toml"),
        "[seed]\ntcc = \"seed\"\n[sysa]\nsteps = [ { compile = \"pkg\" } ]\n",
    )
    .unwrap();
    let o = fetch(&proj, &dist, &[]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("parts.toml:4:13: unknown step key 'compile'"),
        "{err}"
    );
    assert_eq!(srv.total_hits(), 0);
}
