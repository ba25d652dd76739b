//! Shared test helpers: a loopback HTTP server with scripted misbehaviour,
//! generated tarballs, and a throwaway project tree.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

#[derive(Clone, Debug)]
pub enum Reply {
    Ok(Vec<u8>),
    NotFound,
    Status(u16),
    /// Announce the full length, send `cut` bytes, close.
    Truncate(Vec<u8>, usize),
    /// Close the connection without answering.
    Reset,
    /// Send headers and `cut` bytes, then go silent for a long time.
    Stall(Vec<u8>, usize),
}

/// Per path, the replies to give in order; the last one repeats.
type Script = BTreeMap<String, Vec<Reply>>;

pub struct Server {
    pub port: u16,
    script: Arc<Mutex<Script>>,
    hits: Arc<Mutex<BTreeMap<String, usize>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let script: Arc<Mutex<Script>> = Arc::default();
        let hits: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (s, h, st) = (script.clone(), hits.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (s, h) = (s.clone(), h.clone());
                std::thread::spawn(move || serve(conn, &s, &h));
            }
        });
        Server {
            port,
            script,
            hits,
            stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn on(&self, path: &str, replies: Vec<Reply>) {
        self.script
            .lock()
            .unwrap()
            .insert(path.to_string(), replies);
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    pub fn total_hits(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut conn: TcpStream, script: &Mutex<Script>, hits: &Mutex<BTreeMap<String, usize>>) {
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
            break;
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let n = {
        let mut h = hits.lock().unwrap();
        let e = h.entry(path.clone()).or_insert(0);
        *e += 1;
        *e
    };
    let reply = {
        let s = script.lock().unwrap();
        match s.get(&path) {
            Some(v) => v[(n - 1).min(v.len() - 1)].clone(),
            None => Reply::NotFound,
        }
    };
    let head = |code: u16, reason: &str, len: usize| {
        format!("HTTP/1.1 {code} {reason}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    match reply {
        Reply::Ok(body) => {
            let _ = conn.write_all(head(200, "OK", body.len()).as_bytes());
            let _ = conn.write_all(&body);
        }
        Reply::NotFound => {
            let _ = conn.write_all(head(404, "Not Found", 0).as_bytes());
        }
        Reply::Status(c) => {
            let _ = conn.write_all(head(c, "Error", 0).as_bytes());
        }
        Reply::Truncate(body, cut) => {
            let _ = conn.write_all(head(200, "OK", body.len()).as_bytes());
            let _ = conn.write_all(&body[..cut]);
        }
        Reply::Reset => {}
        Reply::Stall(body, cut) => {
            let _ = conn.write_all(head(200, "OK", body.len()).as_bytes());
            let _ = conn.write_all(&body[..cut]);
            let _ = conn.flush();
            std::thread::sleep(Duration::from_secs(20));
        }
    }
    let _ = conn.flush();
    let _ = conn.shutdown(Shutdown::Both);
}

pub fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A small deterministic .tar.gz holding `files`.
pub fn tarball(files: &[(&str, &str)]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(enc);
    for (name, body) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        b.append_data(&mut h, name, body.as_bytes()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

/// One source of a generated project.
pub struct Src {
    pub file: String,
    pub data: Vec<u8>,
    pub upstream: Option<String>,
    pub debian: Option<String>,
}

impl Src {
    pub fn new(file: &str, data: Vec<u8>) -> Src {
        Src {
            file: file.into(),
            data,
            upstream: None,
            debian: None,
        }
    }
    pub fn upstream(mut self, url: String) -> Src {
        self.upstream = Some(url);
        self
    }
    pub fn debian(mut self, pool: &str) -> Src {
        self.debian = Some(pool.into());
        self
    }
}

/// Write a project: a seed recipe holding `seed`, one sysa build step
/// "pkg" holding `pkg`, and SHA256SUMS.sources for all of them.
pub fn project(dir: &Path, seed: &[&Src], pkg: &[&Src]) {
    let recipe = |srcs: &[&Src], script: bool| {
        let mut t = String::new();
        if script {
            t.push_str("script = \"build.kaem\"\n");
        }
        for s in srcs {
            t.push_str(&format!("\n[[source]]\nfile = \"{}\"\n", s.file));
            if let Some(u) = &s.upstream {
                t.push_str(&format!("upstream = \"{u}\"\n"));
            }
            if let Some(d) = &s.debian {
                t.push_str(&format!("debian = \"{d}\"\n"));
            }
        }
        t
    };
    std::fs::create_dir_all(dir.join("sysa/seed")).unwrap();
    std::fs::create_dir_all(dir.join("sysa/pkg")).unwrap();
    std::fs::write(dir.join("sysa/seed/recipe.toml"), recipe(seed, false)).unwrap();
    std::fs::write(dir.join("sysa/seed/config.h"), "/* paths */\n").unwrap();
    std::fs::write(dir.join("sysa/pkg/recipe.toml"), recipe(pkg, true)).unwrap();
    std::fs::write(dir.join("sysa/pkg/build.kaem"), "echo building\n").unwrap();
    std::fs::write(
        dir.join("parts.toml"),
        "[seed]\ntcc = \"seed\"\n\n[sysa]\nsteps = [\n  { build = \"pkg\" },\n]\n",
    )
    .unwrap();
    let mut sums = String::new();
    let mut all: Vec<&&Src> = seed.iter().chain(pkg.iter()).collect();
    all.sort_by(|a, b| a.file.cmp(&b.file));
    all.dedup_by(|a, b| a.file == b.file);
    for s in all {
        sums.push_str(&format!("{}  {}\n", sha256(&s.data), s.file));
    }
    std::fs::write(dir.join("SHA256SUMS.sources"), sums).unwrap();
}

pub fn bootstrap(args: &[&str]) -> Output {
    bootstrap_env(args, &[])
}

/// `bootstrap ARGS` run in the directory `cwd` (for relative paths).
pub fn bootstrap_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .args(args)
        .env_remove("BOOTSTRAP_DEBIAN_MIRROR")
        .current_dir(cwd)
        .output()
        .unwrap()
}

pub fn bootstrap_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
    c.args(args).env_remove("BOOTSTRAP_DEBIAN_MIRROR");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// Names in a directory, hidden ones included, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir) {
        Ok(r) => r
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect(),
        Err(_) => vec![],
    };
    v.sort();
    v
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn tmp() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let proj = t.path().join("proj");
    let dist = t.path().join("distfiles");
    std::fs::create_dir_all(&proj).unwrap();
    (t, proj, dist)
}

// ---- shared by the end-to-end tests -------------------------------------

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Under CI (CI=true) a missing prerequisite is a failure; elsewhere the
/// test is skipped with the reason printed.
pub fn skip(test: &str, reason: &str) {
    if std::env::var("CI").is_ok_and(|v| !v.is_empty()) {
        panic!("required under CI: {reason}");
    }
    eprintln!("SKIPPED {test}: {reason}");
}

/// The newest Debian cloud kernel in /boot (its virtio drivers are modules,
/// and it boots fastest under TCG), for the QEMU tests.
pub fn cloud_kernel() -> Option<PathBuf> {
    let mut kernels: Vec<PathBuf> = std::fs::read_dir("/boot")
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                n.to_string_lossy().starts_with("vmlinuz-")
                    && n.to_string_lossy().ends_with("cloud-amd64")
            })
        })
        .collect();
    kernels.sort();
    kernels.pop()
}

/// The project's pinned sources, fetched (once; later calls find them) into
/// target/test-distfiles.
pub fn pinned_distfiles() -> Result<PathBuf, String> {
    let d = repo().join("target/test-distfiles");
    let o = bootstrap(&["-C", path_str(repo()), "fetch", "--distfiles", path_str(&d)]);
    if o.status.success() {
        Ok(d)
    } else {
        Err(format!("cannot fetch the pinned sources: {}", text(&o).1))
    }
}

/// The static runner, built by cargo like `bootstrap run` does.
pub fn static_runner() -> Result<PathBuf, String> {
    let p = bootstrap::model::project::Project::load(repo()).map_err(|e| e.to_string())?;
    bootstrap::seed::runner::runner_binary(&p, None).map_err(|e| format!("{e:#}"))
}

/// Copy the project's inputs into `dir/proj`, to break on purpose.
pub fn project_copy(dir: &Path) -> PathBuf {
    let p = dir.join("proj");
    std::fs::create_dir_all(&p).unwrap();
    for f in ["parts.toml", "SHA256SUMS.sources", "SHA256SUMS.pkgs"] {
        std::fs::copy(repo().join(f), p.join(f)).unwrap();
    }
    for d in ["sysa", "sysb", "sysc", "sysglobal"] {
        if repo().join(d).is_dir() {
            bootstrap::util::fsutil::copy_tree(&repo().join(d), &p.join(d)).unwrap();
        }
    }
    p
}

/// Make `spin` the first step of sysa in the project copy `proj`: an
/// improve step that compiles `c_source` (freestanding, its own `_start`)
/// with tcc-seed and runs it: a guest step that does whatever `c_source`
/// does, e.g. spin without a word.
pub fn first_sysa_step_runs(proj: &Path, c_source: &str) {
    std::fs::write(proj.join("sysa/improve/spin.c"), c_source).unwrap();
    std::fs::write(
        proj.join("sysa/improve/spin.kaem"),
        "/bootstrap/seed/bin/tcc -nostdlib -static -o ${BUILDDIR}/spin /bootstrap/recipes/sysa/improve/spin.c\n${BUILDDIR}/spin\n",
    )
    .unwrap();
    let parts = std::fs::read_to_string(proj.join("parts.toml")).unwrap();
    std::fs::write(
        proj.join("parts.toml"),
        parts.replacen(
            "steps = [\n",
            "steps = [\n  { improve = \"spin.kaem\" },\n",
            1,
        ),
    )
    .unwrap();
}

/// The name of the step a `parts.toml` line declares: a build step by its
/// package, an improve step by its script's stem; `None` for other lines.
fn step_name(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("{ build = \"") {
        return rest.split('"').next();
    }
    t.strip_prefix("{ improve = \"")
        .and_then(|rest| rest.split('.').next())
}

/// A chain cut short after TinyCC and make: seven quick steps that still
/// build with what the seed gave them.
pub const UP_TO_MAKE: &[&str] = &[
    "kit",
    "musl-1.2.3",
    "tcc-stage1",
    "tcc-stage2",
    "check-toolchain",
    "make-4.3",
    "check-make",
];

/// Cut `stage` of the project copy `proj` down to the steps named in
/// `keep` plus its jumps (a shorter chain that still kexecs and
/// switch_roots, for tests that do not need the whole userland). The
/// recipes, records and source hashes no step uses any more go too, as
/// `check` and `verify` require.
pub fn keep_steps(proj: &Path, stage: &str, keep: &[&str]) {
    retain_steps(proj, stage, |name| keep.contains(&name));
}

/// Remove the steps of `stage` named in `drop` (build steps by package,
/// improve steps by script stem) from the project copy `proj`, as
/// [`keep_steps`] does for the others.
pub fn drop_steps(proj: &Path, stage: &str, drop: &[&str]) {
    retain_steps(proj, stage, |name| !drop.contains(&name));
}

/// Which step of `stage` installed `path` (absolute, as a jump names it),
/// by the project's records.
fn step_installing(pkgs: &str, stage: &str, path: &str) -> Option<String> {
    let rel = path.trim_start_matches('/');
    let mut step = None;
    for line in pkgs.lines() {
        if let Some(s) = line.strip_prefix("# step ") {
            step = s.strip_prefix(&format!("{stage}/"));
            continue;
        }
        let named = line
            .strip_prefix("# link ")
            .and_then(|l| l.split(" -> ").next())
            .or_else(|| line.split_once("  ").map(|(_, f)| f));
        if named == Some(rel) {
            return step.map(str::to_string);
        }
    }
    None
}

fn retain_steps(proj: &Path, stage: &str, kept: impl Fn(&str) -> bool) {
    let parts = std::fs::read_to_string(proj.join("parts.toml")).unwrap();
    let pkgs_path = proj.join("SHA256SUMS.pkgs");
    let pkgs = std::fs::read_to_string(&pkgs_path).unwrap_or_default();
    let in_stage = |header: &str| header == format!("[{stage}]");
    let mut current = false;
    let mut dropped = Vec::new();
    for line in parts.lines() {
        let t = line.trim_start();
        if t.starts_with('[') && !t.starts_with("[[") {
            current = in_stage(t);
        }
        if let (true, Some(name)) = (current, step_name(line)) {
            if !kept(name) {
                dropped.push((name.to_string(), t.starts_with("{ build = ")));
            }
        }
    }
    let was_dropped = |n: &str| dropped.iter().any(|(d, _)| d == n);

    let mut out = String::new();
    current = false;
    for line in parts.lines() {
        let t = line.trim_start();
        if t.starts_with('[') && !t.starts_with("[[") {
            current = in_stage(t);
        }
        if current && step_name(line).is_some_and(|n| !kept(n)) {
            continue;
        }
        // A kexec jump naming a kernel that a dropped step built boots the
        // host's kernel instead (`bootstrap/kexec/kernel`).
        let mut l = line.to_string();
        if let (true, Some(at)) = (current, l.find(" kernel = \"")) {
            let end = at + 11 + l[at + 11..].find('"').expect("kernel = \"...\"") + 1;
            let kernel = &l[at + 11..end - 1];
            if step_installing(&pkgs, stage, kernel).is_some_and(|s| was_dropped(&s)) {
                // With the comma on one side, so the table stays valid TOML.
                if l[end..].starts_with(',') {
                    l.replace_range(at..end + 1, "");
                } else {
                    l.replace_range(at - 1..end, "");
                }
            }
        }
        out.push_str(&l);
        out.push('\n');
    }
    std::fs::write(proj.join("parts.toml"), out).unwrap();
    // The dropped steps' files: a build step's recipe directory; an improve
    // step's script and what it owns (files named after its stem). Left
    // behind, they would count as fixtures every step shares and change
    // every step's cache key.
    for (d, build) in &dropped {
        if *build {
            std::fs::remove_dir_all(proj.join(stage).join(d)).unwrap();
            continue;
        }
        let improve = proj.join(stage).join("improve");
        for e in std::fs::read_dir(&improve).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name == *d || name.starts_with(&format!("{d}.")) {
                bootstrap::util::fsutil::remove_any(&e.path()).unwrap();
            }
        }
    }
    // The dropped steps' records, so that `verify -C proj` expects only
    // what the copy builds.
    if !pkgs.is_empty() {
        let mut out = String::new();
        let mut skip = false;
        for line in pkgs.lines() {
            if let Some(step) = line.strip_prefix("# step ") {
                skip = step
                    .split_once('/')
                    .is_some_and(|(st, name)| st == stage && was_dropped(name));
            }
            if !skip {
                out.push_str(line);
                out.push('\n');
            }
        }
        std::fs::write(&pkgs_path, out).unwrap();
    }
    // Hashes of files that no remaining recipe names.
    let mut recipes = String::new();
    for st in ["sysa", "sysb", "sysc"] {
        let Ok(rd) = std::fs::read_dir(proj.join(st)) else {
            continue;
        };
        for e in rd.flatten() {
            if let Ok(t) = std::fs::read_to_string(e.path().join("recipe.toml")) {
                recipes.push_str(&t);
            }
        }
    }
    let sums = std::fs::read_to_string(proj.join("SHA256SUMS.sources")).unwrap();
    let kept: String = sums
        .lines()
        .filter(|l| {
            let file = l.split_whitespace().nth(1).unwrap_or_default();
            recipes.contains(&format!("\"{file}\""))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(proj.join("SHA256SUMS.sources"), kept).unwrap();
}

/// A copy of the project without the kernel step and its check (and so
/// without gcc-seed, which only the kernel uses): for the tests that run the
/// rest of the chain and cannot pay for building GCC and Linux.
pub fn without_kernel(dir: &Path) -> PathBuf {
    let proj = project_copy(dir);
    let parts = std::fs::read_to_string(proj.join("parts.toml")).unwrap();
    let linux: Vec<String> = parts
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("{ build = \"linux-"))
        .map(|r| format!("linux-{}", r.split('"').next().unwrap()))
        .collect();
    let mut drop: Vec<&str> = linux.iter().map(String::as_str).collect();
    drop.push("check-linux");
    drop_steps(&proj, "sysa", &drop);
    proj
}

/// A system tool (e2fsprogs' e2fsck, debugfs, mke2fs) by name: on PATH, or
/// in /usr/sbin or /sbin, which a non-login root shell may not have on it.
pub fn sbin(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// What `firmware_boot_until` needs: QEMU and OVMF, whose path it returns;
/// else the test is skipped (a failure under CI) with the reason.
pub fn firmware_boot_prerequisites(test: &str) -> Option<&'static Path> {
    let ovmf = Path::new("/usr/share/ovmf/OVMF.fd");
    if !ovmf.is_file() {
        skip(test, "no /usr/share/ovmf/OVMF.fd (apt-get install ovmf)");
        return None;
    }
    let qemu = Command::new("qemu-system-x86_64").arg("--version").output();
    if !qemu.is_ok_and(|o| o.status.success()) {
        skip(test, "qemu-system-x86_64 is not installed");
        return None;
    }
    Some(ovmf)
}

/// Boot the disk image `image` (a throwaway snapshot: the file is not
/// changed) in QEMU under TCG from `firmware` (None: SeaBIOS, else e.g.
/// OVMF) until a console line satisfies `done`, for at most 10 minutes;
/// whether one did, and the console so far.
pub fn firmware_boot_until(
    image: &Path,
    firmware: Option<&Path>,
    done: impl Fn(&str) -> bool,
) -> (bool, String) {
    use std::process::Stdio;
    use std::time::Instant;
    let mut c = Command::new("qemu-system-x86_64");
    c.args(["-accel", "tcg", "-m", "1024", "-display", "none"])
        .args(["-serial", "stdio", "-monitor", "none", "-no-reboot"])
        .arg("-drive")
        .arg(format!("file={},format=raw,snapshot=on", image.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(f) = firmware {
        c.arg("-bios").arg(f);
    }
    let mut child = c.spawn().expect("starting qemu-system-x86_64");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(out)
            .split(b'\n')
            .map_while(Result::ok)
        {
            if tx.send(String::from_utf8_lossy(&l).into_owned()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut seen = String::new();
    let reached = loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(l) => {
                seen.push_str(&l);
                seen.push('\n');
                if done(&l) {
                    break true;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
            Err(_) => break false,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    (reached, seen)
}
