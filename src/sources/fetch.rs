//! `bootstrap fetch`: get every distfile a run needs into the distfiles
//! directory, verified. Order of places for each file: `--mirror` flat
//! directories, then the recipe's upstream URLs, then the Debian pool. A
//! cached file is re-hashed and kept only if it matches.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::model::project::Distfile;
use crate::sources::download::{self, Downloader, Failure, Retry};
use crate::sources::mirrors::join_url;
use crate::util::fsutil;

/// `$XDG_CACHE_HOME/bootstrap/distfiles` (or `~/.cache/...`): a cache that
/// outlives targets, used when neither `--distfiles` nor the settings file
/// names one.
pub fn default_distfiles() -> Result<PathBuf> {
    Ok(crate::util::cache_dir()?.join("distfiles"))
}

#[derive(Debug, Clone)]
pub struct Options {
    pub distfiles: PathBuf,
    /// Flat directories holding distfiles by name, tried first.
    pub mirrors: Vec<String>,
    /// Debian archive bases, tried last.
    pub debian_mirrors: Vec<String>,
    pub offline: bool,
    pub jobs: usize,
    pub retry: Retry,
    pub stall_timeout: Duration,
    /// Progress bars (a terminal) or one plain line per event.
    pub bars: bool,
}

impl Options {
    pub fn stderr_is_terminal() -> bool {
        std::io::stderr().is_terminal()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Already present with the right hash.
    Cached,
    Downloaded {
        url: String,
        bytes: u64,
    },
    Failed {
        tried: Vec<(String, Failure)>,
        /// A cached copy with the wrong hash that was removed.
        removed_bad: Option<String>,
    },
    /// `--offline` and not present (or present and wrong: then removed).
    Missing {
        removed_bad: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Report {
    pub results: Vec<(Distfile, Status)>,
}

impl Report {
    pub fn failed(&self) -> Vec<&(Distfile, Status)> {
        self.results
            .iter()
            .filter(|(_, s)| matches!(s, Status::Failed { .. } | Status::Missing { .. }))
            .collect()
    }
    pub fn downloaded(&self) -> usize {
        self.results
            .iter()
            .filter(|(_, s)| matches!(s, Status::Downloaded { .. }))
            .count()
    }
    pub fn cached(&self) -> usize {
        self.results
            .iter()
            .filter(|(_, s)| *s == Status::Cached)
            .count()
    }

    /// A complete account of every failure: file, expected hash, every URL
    /// tried and why it failed.
    pub fn failure_text(&self) -> String {
        let mut s = String::new();
        for (d, st) in self.failed() {
            match st {
                Status::Failed { tried, removed_bad } => {
                    let _ = writeln!(s, "error: could not fetch {}", d.file);
                    let _ = writeln!(s, "  expected sha256 {}", d.sha256);
                    if let Some(b) = removed_bad {
                        let _ = writeln!(s, "  removed a cached copy with sha256 {b}");
                    }
                    if tried.is_empty() {
                        let _ = writeln!(
                            s,
                            "  no place to fetch it from (no mirror, upstream or Debian pool path)"
                        );
                    }
                    for (url, why) in tried {
                        let _ = writeln!(s, "  tried {url}: {why}");
                    }
                }
                Status::Missing { removed_bad } => {
                    let _ = writeln!(
                        s,
                        "error: {} is not in the distfiles directory (--offline)",
                        d.file
                    );
                    let _ = writeln!(s, "  expected sha256 {}", d.sha256);
                    if let Some(b) = removed_bad {
                        let _ = writeln!(s, "  removed a cached copy with sha256 {b}");
                    }
                }
                _ => {}
            }
        }
        s
    }
}

/// Every URL to try for `d`, in order.
pub fn candidates(d: &Distfile, opts: &Options) -> Vec<String> {
    let mut urls: Vec<String> = opts.mirrors.iter().map(|m| join_url(m, &d.file)).collect();
    urls.extend(d.upstream.iter().cloned());
    if let Some(pool) = &d.debian {
        urls.extend(opts.debian_mirrors.iter().map(|m| join_url(m, pool)));
    }
    let mut seen = Vec::new();
    urls.retain(|u| {
        let new = !seen.contains(u);
        seen.push(u.clone());
        new
    });
    urls
}

/// Remove hidden partial downloads whose process is gone.
fn clean_stale_partials(dir: &Path) {
    let Ok(entries) = fsutil::sorted_entries(dir) else {
        return;
    };
    for e in entries {
        let name = e
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if let Some(pid) = download::temp_owner(&name) {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_file(&e);
            }
        }
    }
}

struct Display {
    multi: Option<MultiProgress>,
}

impl Display {
    fn line(&self, msg: String) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(msg);
            }
            None => eprintln!("{msg}"),
        }
    }
}

struct FileProgress<'a> {
    display: &'a Display,
    file: &'a str,
    bar: Option<ProgressBar>,
}

impl download::Progress for FileProgress<'_> {
    fn attempt(&self, url: &str, attempt: u32, total: Option<u64>) {
        match &self.bar {
            Some(b) => {
                b.set_position(0);
                if let Some(t) = total {
                    b.set_length(t);
                }
                b.set_message(format!("{} <- {url}", self.file));
            }
            None => self.display.line(format!(
                "fetch: {}: downloading {url}{}",
                self.file,
                if attempt > 1 {
                    format!(" (attempt {attempt})")
                } else {
                    String::new()
                }
            )),
        }
    }
    fn advance(&self, bytes: u64) {
        if let Some(b) = &self.bar {
            b.inc(bytes);
        }
    }
}

fn fetch_one(d: &Distfile, opts: &Options, dl: &Downloader, display: &Display) -> Status {
    let path = opts.distfiles.join(&d.file);
    let mut removed_bad = None;
    if path.exists() {
        match fsutil::sha256_file(&path) {
            Ok(h) if h == d.sha256 => return Status::Cached,
            Ok(h) => {
                // Never leave a file with the wrong hash where a build would use it.
                let _ = std::fs::remove_file(&path);
                display.line(format!(
                    "fetch: {}: cached copy has sha256 {h}, expected {}; removed",
                    d.file, d.sha256
                ));
                removed_bad = Some(h);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                display.line(format!(
                    "fetch: {}: cached copy unreadable ({e}); removed",
                    d.file
                ));
            }
        }
    }
    if opts.offline {
        return Status::Missing { removed_bad };
    }

    let bar = display.multi.as_ref().map(|m| {
        let b = m.add(ProgressBar::new(0));
        b.set_style(
            ProgressStyle::with_template("{bytes:>10}/{total_bytes:<10} {bar:30} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let progress = FileProgress {
        display,
        file: &d.file,
        bar,
    };
    let mut tried = Vec::new();
    let mut result = None;
    for url in candidates(d, opts) {
        match dl.fetch(&url, &opts.distfiles, &d.file, &d.sha256, &progress) {
            Ok(bytes) => {
                result = Some(Status::Downloaded { url, bytes });
                break;
            }
            Err(f) => {
                display.line(format!("fetch: {}: {url}: {f}", d.file));
                tried.push((url, f));
            }
        }
    }
    if let Some(b) = &progress.bar {
        b.finish_and_clear();
    }
    match result {
        Some(Status::Downloaded { url, bytes }) => {
            display.line(format!(
                "fetch: {}: ok, {bytes} bytes from {url}, sha256 verified",
                d.file
            ));
            Status::Downloaded { url, bytes }
        }
        _ => Status::Failed { tried, removed_bad },
    }
}

pub fn fetch(files: &[Distfile], opts: &Options) -> Result<Report> {
    std::fs::create_dir_all(&opts.distfiles)
        .with_context(|| format!("creating distfiles directory {}", opts.distfiles.display()))?;
    clean_stale_partials(&opts.distfiles);
    let dl = Downloader::new(opts.retry.clone(), opts.stall_timeout)?;
    let display = Display {
        multi: opts.bars.then(MultiProgress::new),
    };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Status>>> = Mutex::new(vec![None; files.len()]);
    let workers = opts.jobs.clamp(1, files.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(d) = files.get(i) else { break };
                let st = fetch_one(d, opts, &dl, &display);
                results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(st);
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok(Report {
        results: files
            .iter()
            .cloned()
            .zip(
                results
                    .into_iter()
                    .map(|s| s.expect("every file has a result")),
            )
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Options {
        Options {
            distfiles: PathBuf::from("/d"),
            mirrors: vec!["file:///m".into(), "http://m2/x/".into()],
            debian_mirrors: vec!["http://deb/debian".into()],
            offline: false,
            jobs: 2,
            retry: Retry {
                attempts: 1,
                base_delay: Duration::ZERO,
            },
            stall_timeout: Duration::from_secs(1),
            bars: false,
        }
    }

    #[test]
    fn candidate_order_is_mirrors_upstream_debian() {
        let d = Distfile {
            file: "a.tar.gz".into(),
            sha256: "0".repeat(64),
            upstream: vec!["https://up/a.tar.gz".into()],
            debian: Some("pool/main/a/a/a_1.orig.tar.gz".into()),
            used_by: vec![],
        };
        assert_eq!(
            candidates(&d, &opts()),
            vec![
                "file:///m/a.tar.gz",
                "http://m2/x/a.tar.gz",
                "https://up/a.tar.gz",
                "http://deb/debian/pool/main/a/a/a_1.orig.tar.gz"
            ]
        );
    }

    #[test]
    fn stale_partials_of_dead_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mine = download::temp_path(dir.path(), "a", 1);
        // pid 0 never names a live process in /proc
        let dead = dir.path().join(".a.part-0-1");
        std::fs::write(&mine, "x").unwrap();
        std::fs::write(&dead, "x").unwrap();
        clean_stale_partials(dir.path());
        assert!(mine.exists());
        assert!(!dead.exists());
    }
}
