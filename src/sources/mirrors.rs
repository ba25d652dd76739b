//! Where distfiles can come from: `--mirror` flat directories and the Debian
//! archive base. The Debian base is never written in this repository; it comes
//! from `--debian-mirror`, `BOOTSTRAP_DEBIAN_MIRROR`, the config file, or the
//! host's apt sources, in that order.

use std::path::Path;

pub const DEBIAN_MIRROR_ENV: &str = "BOOTSTRAP_DEBIAN_MIRROR";

/// Debian release names an apt source may use; anything else (a vendor
/// repository that happens to be configured) is not the Debian archive.
const DEBIAN_SUITES: &[&str] = &[
    "buster",
    "bullseye",
    "bookworm",
    "trixie",
    "forky",
    "duke",
    "sid",
    "stable",
    "testing",
    "unstable",
    "oldstable",
    "oldoldstable",
    "experimental",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AptSource {
    pub uri: String,
    pub suite: String,
}

impl AptSource {
    /// The main archive carries every version's orig tarball in its pool;
    /// security and vendor archives do not.
    fn is_debian_archive(&self) -> bool {
        let base = self.suite.split(['-', '/']).next().unwrap_or("");
        DEBIAN_SUITES.contains(&base) && !self.suite.ends_with("-security")
    }
}

/// Parse one-line `sources.list` format: `deb [opts] URI suite comp...`.
pub fn parse_list(text: &str) -> Vec<AptSource> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        match words.next() {
            Some("deb") | Some("deb-src") => {}
            _ => continue,
        }
        let mut rest: Vec<&str> = words.collect();
        if rest.first().is_some_and(|w| w.starts_with('[')) {
            let close = rest.iter().position(|w| w.ends_with(']')).unwrap_or(0);
            rest.drain(..=close);
        }
        if let [uri, suite, ..] = rest[..] {
            out.push(AptSource {
                uri: uri.to_string(),
                suite: suite.to_string(),
            });
        }
    }
    out
}

/// Parse deb822 `.sources` format (paragraphs of `Field: value`).
pub fn parse_deb822(text: &str) -> Vec<AptSource> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let mut types = String::new();
        let mut uris = String::new();
        let mut suites = String::new();
        let mut enabled = true;
        for line in para.lines() {
            if line.starts_with('#') {
                continue;
            }
            if let Some((k, v)) = line.split_once(':') {
                let v = v.trim().to_string();
                match k.trim().to_ascii_lowercase().as_str() {
                    "types" => types = v,
                    "uris" => uris = v,
                    "suites" => suites = v,
                    "enabled" => enabled = v != "no",
                    _ => {}
                }
            }
        }
        if !enabled
            || !types
                .split_whitespace()
                .any(|t| t == "deb" || t == "deb-src")
        {
            continue;
        }
        for uri in uris.split_whitespace() {
            for suite in suites.split_whitespace() {
                out.push(AptSource {
                    uri: uri.to_string(),
                    suite: suite.to_string(),
                });
            }
        }
    }
    out
}

/// Debian archive bases found in an apt configuration directory (normally
/// /etc/apt), in file order, deduplicated.
pub fn from_apt(etc_apt: &Path) -> Vec<String> {
    let mut sources = Vec::new();
    if let Ok(t) = std::fs::read_to_string(etc_apt.join("sources.list")) {
        sources.extend(parse_list(&t));
    }
    if let Ok(entries) = crate::util::fsutil::sorted_entries(&etc_apt.join("sources.list.d")) {
        for e in entries {
            let Ok(t) = std::fs::read_to_string(&e) else {
                continue;
            };
            match e.extension().and_then(|x| x.to_str()) {
                Some("list") => sources.extend(parse_list(&t)),
                Some("sources") => sources.extend(parse_deb822(&t)),
                _ => {}
            }
        }
    }
    let mut bases: Vec<String> = Vec::new();
    for s in sources.into_iter().filter(AptSource::is_debian_archive) {
        let base = s.uri.trim_end_matches('/').to_string();
        if (base.starts_with("http://")
            || base.starts_with("https://")
            || base.starts_with("file:"))
            && !bases.contains(&base)
        {
            bases.push(base);
        }
    }
    bases
}

/// The Debian archive bases to try: `flag` (`--debian-mirror`), else the
/// environment variable, else `config` (the settings file), else every
/// Debian archive in the host's apt sources.
pub fn debian_bases(flag: Option<&str>, config: Option<&str>, etc_apt: &Path) -> Vec<String> {
    let env = std::env::var(DEBIAN_MIRROR_ENV)
        .ok()
        .filter(|v| !v.is_empty());
    match flag
        .map(str::to_string)
        .or(env)
        .or(config.map(str::to_string))
    {
        Some(m) => vec![m],
        None => from_apt(etc_apt),
    }
}

/// `--mirror` directories: the command line's, then the settings file's;
/// each must be an http(s):// or file:// URL.
pub fn flat_mirrors(flags: &[String], config: &[String]) -> anyhow::Result<Vec<String>> {
    let all: Vec<String> = flags.iter().chain(config).cloned().collect();
    for m in &all {
        if !(m.starts_with("http://") || m.starts_with("https://") || m.starts_with("file://")) {
            anyhow::bail!("mirror '{m}' must start with http://, https:// or file://");
        }
    }
    Ok(all)
}

/// Join a base URL and a relative path with exactly one slash.
pub fn join_url(base: &str, rel: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        rel.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_format() {
        let t = "deb http://a.example/debian bookworm main\n\
                 # deb http://commented.example/debian bookworm main\n\
                 deb [arch=amd64 signed-by=/x] https://b.example/debian/ trixie main\n\
                 deb http://sec.example/debian-security bookworm-security main\n\
                 deb https://vendor.example/apt cloud-sdk main\n";
        let s = parse_list(t);
        assert_eq!(s.len(), 4);
        assert_eq!(s[1].uri, "https://b.example/debian/");
        let d: Vec<_> = s.into_iter().filter(AptSource::is_debian_archive).collect();
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn deb822_format_and_apt_dir() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("sources.list.d");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("debian.sources"),
            "Types: deb\nURIs: http://m.example/debian\nSuites: bookworm bookworm-updates\n\
             Components: main\n\nTypes: deb\nURIs: http://m.example/debian-security\n\
             Suites: bookworm-security\nComponents: main\n\n\
             Types: deb\nURIs: http://off.example/debian\nSuites: sid\nEnabled: no\n",
        )
        .unwrap();
        std::fs::write(
            d.join("vendor.sources"),
            "Types: deb\nURIs: https://vendor.example/node\nSuites: nodistro\n",
        )
        .unwrap();
        std::fs::write(
            d.join("old.list.disabled"),
            "deb http://x.example/debian sid main\n",
        )
        .unwrap();
        assert_eq!(
            from_apt(dir.path()),
            vec!["http://m.example/debian".to_string()]
        );
    }

    #[test]
    fn the_flag_beats_the_settings_file_which_beats_apt() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(
            t.path().join("sources.list"),
            "deb http://apt.invalid/debian bookworm main\n",
        )
        .unwrap();
        let flag = "http://flag.invalid/debian";
        let conf = "http://conf.invalid/debian";
        assert_eq!(debian_bases(Some(flag), Some(conf), t.path()), [flag]);
        // The environment variable sits between the two; only check the
        // rest when the test's own environment does not set it.
        if std::env::var_os(DEBIAN_MIRROR_ENV).is_none() {
            assert_eq!(debian_bases(None, Some(conf), t.path()), [conf]);
            assert_eq!(
                debian_bases(None, None, t.path()),
                ["http://apt.invalid/debian"]
            );
        }
        assert!(flat_mirrors(&["ftp://x".into()], &[]).is_err());
        assert_eq!(
            flat_mirrors(&["file:///a".into()], &["http://b".into()]).unwrap(),
            ["file:///a", "http://b"]
        );
    }

    #[test]
    fn joins_urls() {
        assert_eq!(join_url("http://a/b/", "/pool/x"), "http://a/b/pool/x");
        assert_eq!(join_url("file:///srv", "f.tar"), "file:///srv/f.tar");
    }
}
