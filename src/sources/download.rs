//! Fetching one URL into the distfiles directory, verified: the bytes go to a
//! hidden temporary name while being hashed, and only a file whose SHA-256
//! matches is renamed into place. Transport errors that may pass (reset,
//! refused, truncated, timed out, 5xx) are retried with exponential backoff;
//! answers that will not change (404, wrong content, unknown host) are not.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::util::fsutil::hex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    NotFound(String),
    WrongContent {
        sha256: String,
        bytes: u64,
    },
    /// A final answer that is neither "not found" nor content: e.g. HTTP 403.
    Refused(String),
    /// Retried and still failing: the last error and the number of attempts.
    Transient {
        last: String,
        attempts: u32,
    },
    /// Local I/O trouble while writing the file.
    Local(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::NotFound(m) => write!(f, "not found ({m})"),
            Failure::WrongContent { sha256, bytes } => {
                write!(f, "wrong content: got sha256 {sha256} ({bytes} bytes)")
            }
            Failure::Refused(m) => write!(f, "{m}"),
            Failure::Transient { last, attempts } => {
                write!(f, "{last} (gave up after {attempts} attempts)")
            }
            Failure::Local(m) => write!(f, "local error: {m}"),
        }
    }
}

/// What an attempt reports to the caller's progress display.
pub trait Progress: Sync {
    fn attempt(&self, url: &str, attempt: u32, total: Option<u64>);
    fn advance(&self, bytes: u64);
}

#[derive(Debug, Clone)]
pub struct Retry {
    /// Attempts per URL for transient errors (at least 1).
    pub attempts: u32,
    /// First backoff delay; doubled after each failed attempt.
    pub base_delay: Duration,
}

enum AttemptError {
    Final(Failure),
    Again(String),
}

pub struct Downloader {
    client: reqwest::blocking::Client,
    pub retry: Retry,
}

impl Downloader {
    pub fn new(retry: Retry, stall_timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("bootstrap/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(20))
            // In the blocking client this bounds each read, so it catches a
            // stalled transfer without capping the size of a slow one.
            .timeout(stall_timeout)
            .build()?;
        Ok(Downloader { client, retry })
    }

    /// Fetch `url` as `dir/file`, verified against `sha256`. On success the
    /// file is in place and its size is returned; on failure nothing is left.
    pub fn fetch(
        &self,
        url: &str,
        dir: &Path,
        file: &str,
        sha256: &str,
        progress: &dyn Progress,
    ) -> Result<u64, Failure> {
        let attempts = self.retry.attempts.max(1);
        let mut delay = self.retry.base_delay;
        let mut last = String::new();
        for attempt in 1..=attempts {
            match self.attempt(url, dir, file, sha256, attempt, progress) {
                Ok(n) => return Ok(n),
                Err(AttemptError::Final(f)) => return Err(f),
                Err(AttemptError::Again(m)) => last = m,
            }
            if attempt < attempts {
                std::thread::sleep(delay);
                delay = delay.saturating_mul(2);
            }
        }
        Err(Failure::Transient { last, attempts })
    }

    fn attempt(
        &self,
        url: &str,
        dir: &Path,
        file: &str,
        sha256: &str,
        attempt: u32,
        progress: &dyn Progress,
    ) -> Result<u64, AttemptError> {
        let (reader, expected_len): (Box<dyn Read>, Option<u64>) = if let Some(path) =
            url.strip_prefix("file://")
        {
            let f = File::open(path).map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => AttemptError::Final(Failure::NotFound(e.to_string())),
                _ => AttemptError::Final(Failure::Refused(e.to_string())),
            })?;
            let len = f.metadata().ok().map(|m| m.len());
            (Box::new(f), len)
        } else {
            let resp = self.client.get(url).send().map_err(classify)?;
            let status = resp.status();
            if !status.is_success() {
                let m = format!("HTTP {status}");
                return Err(match status.as_u16() {
                    404 | 410 => AttemptError::Final(Failure::NotFound(m)),
                    408 | 429 | 500..=599 => AttemptError::Again(m),
                    _ => AttemptError::Final(Failure::Refused(m)),
                });
            }
            let len = resp.content_length();
            (Box::new(resp), len)
        };
        progress.attempt(url, attempt, expected_len);

        let tmp = temp_path(dir, file, attempt);
        let result = copy_hashing(reader, &tmp, expected_len, progress);
        let (got, bytes) = match result {
            Ok(x) => x,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        if got != sha256 {
            let _ = fs::remove_file(&tmp);
            return Err(AttemptError::Final(Failure::WrongContent {
                sha256: got,
                bytes,
            }));
        }
        fs::rename(&tmp, dir.join(file)).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            AttemptError::Final(Failure::Local(format!("rename into place: {e}")))
        })?;
        // Make the rename durable before we report success.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(bytes)
    }
}

/// The hidden name a download is written to; `fetch` removes leftovers of
/// dead processes at start (a Ctrl-C leaves one behind).
pub fn temp_path(dir: &Path, file: &str, attempt: u32) -> PathBuf {
    dir.join(format!(".{file}.part-{}-{attempt}", std::process::id()))
}

/// Parse the pid out of a temporary name made by `temp_path`.
pub fn temp_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, tail) = rest.rsplit_once(".part-")?;
    tail.split('-').next()?.parse().ok()
}

fn copy_hashing(
    mut reader: Box<dyn Read>,
    tmp: &Path,
    expected_len: Option<u64>,
    progress: &dyn Progress,
) -> Result<(String, u64), AttemptError> {
    let local =
        |e: io::Error| AttemptError::Final(Failure::Local(format!("{}: {e}", tmp.display())));
    let mut out = File::create(tmp).map_err(local)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(AttemptError::Again(format!(
                    "transfer broken after {total} bytes: {}",
                    root_cause(&e)
                )))
            }
        };
        h.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(local)?;
        total += n as u64;
        progress.advance(n as u64);
    }
    if let Some(len) = expected_len {
        if total != len {
            return Err(AttemptError::Again(format!(
                "truncated: got {total} of {len} bytes"
            )));
        }
    }
    out.sync_all().map_err(local)?;
    Ok((hex(&h.finalize()), total))
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn classify(e: reqwest::Error) -> AttemptError {
    let mut chain = String::new();
    let mut cur: Option<&dyn std::error::Error> = Some(&e);
    while let Some(c) = cur {
        chain.push_str(&c.to_string());
        chain.push_str(": ");
        cur = c.source();
    }
    let cause = root_cause(&e);
    // A name that does not resolve will not resolve a second later either;
    // upstream hosts are often unreachable by design on build machines.
    if chain.contains("dns error") || chain.contains("failed to lookup address") {
        return AttemptError::Final(Failure::Refused(format!("cannot resolve host: {cause}")));
    }
    if e.is_builder() || e.is_redirect() {
        return AttemptError::Final(Failure::Refused(cause));
    }
    if e.is_timeout() {
        return AttemptError::Again(format!("timed out: {cause}"));
    }
    if e.is_connect() {
        return AttemptError::Again(format!("cannot connect: {cause}"));
    }
    AttemptError::Again(cause)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_carry_the_pid() {
        let p = temp_path(Path::new("/d"), "musl-1.2.3.tar.gz", 2);
        let name = p.file_name().unwrap().to_str().unwrap();
        assert_eq!(temp_owner(name), Some(std::process::id()));
        assert_eq!(temp_owner("musl-1.2.3.tar.gz"), None);
        assert_eq!(temp_owner(".x.part-abc-1"), None);
    }
}
