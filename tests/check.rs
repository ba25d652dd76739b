//! `bootstrap check` on generated projects, good and broken in every way the
//! issue lists: unknown step kind, missing recipe, unhashed source, unused
//! hash, duplicate names, malformed files.

mod common;
use common::*;

fn check(proj: &std::path::Path) -> (bool, String, String) {
    let o = bootstrap(&["-C", path_str(proj), "check"]);
    let (out, err) = text(&o);
    (o.status.success(), out, err)
}

fn good(proj: &std::path::Path) {
    let a = Src::new("a.tar.gz", b"a".to_vec()).upstream("https://example.org/a.tar.gz".into());
    let b = Src::new("b.tar.gz", b"b".to_vec()).debian("pool/main/b/b/b.orig.tar.gz");
    project(proj, &[&a], &[&b]);
}

#[test]
fn a_consistent_project_passes() {
    let (_t, proj, _) = tmp();
    good(&proj);
    let (ok, out, err) = check(&proj);
    assert!(ok, "{out}\n{err}");
    assert_eq!(
        out.trim(),
        "check: ok: 3 stages, 1 steps, 2 recipes, 2 sources hashed"
    );
}

#[test]
fn every_inconsistency_is_reported_with_file_and_line() {
    let (_t, proj, _) = tmp();
    good(&proj);
    let p = |s: &str| proj.join(s).display().to_string();
    std::fs::write(
        proj.join("parts.toml"),
        "[seed]\ntcc = \"seed\"\n\n[sysa]\nsteps = [\n  { build = \"pkg\" },\n  { build = \"missing\" },\n  { compile = \"x\" },\n  { build = \"pkg\" },\n]\n",
    )
    .unwrap();
    // A source without a hash, and a hash no recipe uses.
    let mut r = std::fs::read_to_string(proj.join("sysa/pkg/recipe.toml")).unwrap();
    r.push_str("\n[[source]]\nfile = \"c.tar.gz\"\nupstream = \"https://example.org/c.tar.gz\"\n");
    std::fs::write(proj.join("sysa/pkg/recipe.toml"), r).unwrap();
    let mut s = std::fs::read_to_string(proj.join("SHA256SUMS.sources")).unwrap();
    s.push_str(&format!(
        "{}  orphan.tar.gz\nnot a hash line\n",
        "0".repeat(64)
    ));
    std::fs::write(proj.join("SHA256SUMS.sources"), s).unwrap();
    // A recipe directory nobody uses.
    std::fs::create_dir_all(proj.join("sysa/stray")).unwrap();

    let (ok, out, err) = check(&proj);
    assert!(!ok, "{out}\n{err}");
    for want in [
        format!(
            "{}:3: hash for 'orphan.tar.gz' is not used by any recipe",
            p("SHA256SUMS.sources")
        ),
        format!(
            "{}:4: expected '<64 hex digits>  <file name>'",
            p("SHA256SUMS.sources")
        ),
        format!(
            "{}:7: no recipe: {}/recipe.toml does not exist",
            p("parts.toml"),
            p("sysa/missing")
        ),
        format!("{}:8:5: unknown step key 'compile'", p("parts.toml")),
        format!(
            "{}:9: duplicate step name 'pkg' (first at line 6)",
            p("parts.toml")
        ),
        format!(
            "{}:8: 'c.tar.gz' has no hash in SHA256SUMS.sources",
            p("sysa/pkg/recipe.toml")
        ),
        format!("{}: recipe directory not used by any step", p("sysa/stray")),
    ] {
        assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    }
    assert!(err.contains("7 problems found"), "{err}");
}

#[test]
fn malformed_toml_is_reported_with_position() {
    let (_t, proj, _) = tmp();
    good(&proj);
    std::fs::write(
        proj.join("sysa/pkg/recipe.toml"),
        "script = \"build.kaem\"\n[[source]\nfile = 1\n",
    )
    .unwrap();
    let (ok, _, err) = check(&proj);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "{}:2:",
            proj.join("sysa/pkg/recipe.toml").display()
        )),
        "{err}"
    );
}

#[test]
fn the_repository_itself_is_consistent() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (ok, out, err) = check(root);
    assert!(ok, "{out}\n{err}");
}

/// The cut-down copies the end-to-end tests run are projects `check`
/// accepts, and a kexec jump loses the kernel only with the step that
/// installs it.
#[test]
fn the_test_projects_cut_from_the_repository_are_consistent() {
    let t = tempfile::tempdir().unwrap();
    let jump = |proj: &std::path::Path| {
        let parts = std::fs::read_to_string(proj.join("parts.toml")).unwrap();
        let line = parts
            .lines()
            .find(|l| l.trim_start().starts_with("{ jump = \"kexec\""))
            .unwrap();
        line.trim().to_string()
    };

    let full = project_copy(&t.path().join("full"));
    keep_steps(&full, "sysc", &["check-system"]);
    assert!(
        jump(&full).contains("kernel = \"/boot/vmlinuz\""),
        "{}",
        jump(&full)
    );
    let (ok, out, err) = check(&full);
    assert!(ok, "{out}\n{err}");

    let nok = without_kernel(&t.path().join("nok"));
    let linux = std::fs::read_dir(nok.join("sysa"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("linux-"));
    assert!(!linux, "the kernel's recipe is left in the copy");
    let j = jump(&nok);
    assert!(!j.contains("kernel") && j.contains("when = "), "{j}");
    let pkgs = std::fs::read_to_string(nok.join("SHA256SUMS.pkgs")).unwrap();
    assert!(!pkgs.contains("vmlinuz") && pkgs.contains("# step sysa/cpio-"));
    let (ok, out, err) = check(&nok);
    assert!(ok, "{out}\n{err}");

    let short = project_copy(&t.path().join("short"));
    keep_steps(&short, "sysa", &["kit", "musl-1.2.3"]);
    let parts = std::fs::read_to_string(short.join("parts.toml")).unwrap();
    assert!(!parts.contains("tcc-stage1") && parts.contains("musl-1.2.3"));
    assert!(!jump(&short).contains("kernel"), "{}", jump(&short));
    let (ok, out, err) = check(&short);
    assert!(ok, "{out}\n{err}");
}

/// tests/chain.rs fills a step cache with the whole project, then cuts sysc
/// down for its QEMU run, which must find all of sysa in that cache: the
/// cut may not change any sysa step's key.
#[test]
fn cutting_sysc_leaves_every_sysa_cache_key_as_it_was() {
    use bootstrap::image::step_cache;
    use bootstrap::model::project::Project;
    use bootstrap::model::stages::{self, Mode, Place};
    let t = tempfile::tempdir().unwrap();
    let runner = t.path().join("runner");
    std::fs::write(&runner, "a runner").unwrap();
    let keys = |proj: &std::path::Path| -> Vec<(String, String)> {
        let p = Project::load(proj).unwrap();
        let values = p.manifest.values(Some("qemu"), &Default::default());
        let ram = stages::placed(&p, Mode::Qemu, Place::Ram, &values).unwrap();
        step_cache::keys(&p, &ram, "seed", Some("gcc"), &runner)
            .unwrap()
            .into_iter()
            .map(|k| (k.name, k.key))
            .collect()
    };
    let proj = project_copy(t.path());
    let before = keys(&proj);
    assert!(before.len() > 40, "{before:?}");
    keep_steps(&proj, "sysc", &["check-system"]);
    assert_eq!(before, keys(&proj));
}

#[test]
fn a_generated_build_script_must_match_its_generator() {
    let (t, proj, _) = tmp();
    // The package's build script is generated from its sources by a
    // generator of the recipe's own (here: the sorted list of C files).
    let tgz = tarball(&[("pkg-1/b.c", "int b;\n"), ("pkg-1/a.c", "int a;\n")]);
    let src = Src::new("pkg-1.tar.gz", tgz.clone()).debian("pool/main/p/pkg/pkg-1.tar.gz");
    let seed = Src::new("seed.tar.gz", b"s".to_vec()).debian("pool/main/s/s/s.tar.gz");
    project(&proj, &[&seed], &[&src]);
    let recipe = proj.join("sysa/pkg/recipe.toml");
    let mut r = std::fs::read_to_string(&recipe).unwrap();
    r.push_str("\n[generated]\nfile = \"build.kaem\"\nby = [\"/bin/sh\", \"gen.sh\", \"{src}\"]\n");
    std::fs::write(&recipe, r).unwrap();
    std::fs::write(
        proj.join("sysa/pkg/gen.sh"),
        "cd \"$1\" && for f in *.c; do echo \"tcc -c $f\"; done\n",
    )
    .unwrap();
    std::fs::write(proj.join("sysa/pkg/build.kaem"), "tcc -c a.c\ntcc -c b.c\n").unwrap();
    let distfiles = t.path().join("distfiles");
    std::fs::create_dir_all(&distfiles).unwrap();
    let check = |proj: &std::path::Path| {
        let o = bootstrap(&[
            "-C",
            path_str(proj),
            "check",
            "--distfiles",
            path_str(&distfiles),
        ]);
        let (out, err) = text(&o);
        (o.status.success(), out, err)
    };

    // Without the sources the script cannot be checked: said, not failed.
    let (ok, out, err) = check(&proj);
    assert!(ok, "{out}\n{err}");
    assert!(
        err.contains("not checked against its generator: pkg-1.tar.gz is not in"),
        "{err}"
    );

    std::fs::write(distfiles.join("pkg-1.tar.gz"), &tgz).unwrap();
    let (ok, out, err) = check(&proj);
    assert!(ok, "{out}\n{err}");
    assert!(out.starts_with("check: ok"), "{out}");

    // A hand edit (or a changed patch set) makes it stale.
    std::fs::write(proj.join("sysa/pkg/build.kaem"), "tcc -c a.c\n").unwrap();
    let (ok, out, err) = check(&proj);
    assert!(!ok, "{out}\n{err}");
    assert!(
        err.contains("build.kaem: out of date with its generator; regenerate it: cd ")
            && err.contains("/bin/sh gen.sh <patched sources> > build.kaem"),
        "{err}"
    );

    // A source that no longer has its pinned hash is not used.
    std::fs::write(distfiles.join("pkg-1.tar.gz"), b"tampered").unwrap();
    let (ok, out, err) = check(&proj);
    assert!(!ok, "{out}\n{err}");
    assert!(err.contains("expected"), "{err}");
}

#[test]
fn once_a_step_unpacks_in_the_guest_later_steps_must_too() {
    let (_t, proj, _) = tmp();
    good(&proj);
    // pkg unpacks in the guest; "later" (with a source) comes after it and
    // leaves its unpacking to the host: refused. "nosrc" has nothing to unpack.
    let pkg = proj.join("sysa/pkg/recipe.toml");
    let r = std::fs::read_to_string(&pkg).unwrap();
    let guest = "unpack = \"guest\"\ninterpreter = \"/bin/sh\"\n";
    std::fs::write(&pkg, r.replacen("script", &format!("{guest}script"), 1)).unwrap();
    for name in ["later", "nosrc"] {
        let d = proj.join("sysa").join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("build.kaem"), "echo\n").unwrap();
    }
    std::fs::write(
        proj.join("sysa/later/recipe.toml"),
        "script = \"build.kaem\"\n\n[[source]]\nfile = \"b.tar.gz\"\ndebian = \"pool/main/b/b/b.orig.tar.gz\"\n",
    )
    .unwrap();
    std::fs::write(
        proj.join("sysa/nosrc/recipe.toml"),
        "script = \"build.kaem\"\n",
    )
    .unwrap();
    std::fs::write(
        proj.join("parts.toml"),
        "[seed]\ntcc = \"seed\"\n\n[sysa]\nsteps = [\n  { build = \"nosrc\" },\n  { build = \"pkg\" },\n  { build = \"nosrc\", name = \"again\" },\n  { build = \"later\" },\n]\n",
    )
    .unwrap();
    let (ok, out, err) = check(&proj);
    assert!(!ok, "{out}\n{err}");
    let want = format!(
        "{}:1: step later comes after pkg, which unpacks in the guest",
        proj.join("sysa/later/recipe.toml").display()
    );
    assert!(err.contains(&want), "want {want:?} in:\n{err}");
    assert_eq!(err.matches("unpacks in the guest").count(), 1, "{err}");

    // With unpack = "guest" on later too, the project is consistent.
    let l = proj.join("sysa/later/recipe.toml");
    let r = std::fs::read_to_string(&l).unwrap();
    std::fs::write(&l, format!("{guest}{r}")).unwrap();
    // ... once the guest's unpacking helper is there.
    let (ok, out, err) = check(&proj);
    assert!(!ok, "{out}\n{err}");
    assert!(
        err.contains("sysglobal/unpack.sh (the guest's unpacking)"),
        "{err}"
    );
    std::fs::create_dir_all(proj.join("sysglobal")).unwrap();
    std::fs::write(proj.join("sysglobal/unpack.sh"), "# unpacks\n").unwrap();
    let (ok, out, err) = check(&proj);
    assert!(ok, "{out}\n{err}");
}
