//! Install records: what one build step put into the root, written by the
//! runner to [`crate::paths::sums`] and [`crate::paths::links`] and read by
//! the host's `verify`.
//!
//! ```text
//! <name>.sha256sums   <sha256 hex>  /<path>      per regular file (sha256sum format)
//! <name>.links        /<path> -> <target>        per symlink (the file exists even if empty)
//! ```
//!
//! Lines are sorted by the bytes of the path, so a record is the same bytes
//! whenever the same things were installed. Paths are given here relative
//! to the root (no leading `/`); the files carry them absolute.

use crate::{err, LineError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSum {
    pub path: String,
    /// Lowercase hex ([`hex`]).
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub path: String,
    pub target: String,
}

const ARROW: &str = " -> ";

/// Lowercase hex of a digest, as sha256sum prints it.
pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Why `path` cannot be written into a record, if it cannot.
fn bad_path(path: &str) -> Option<&'static str> {
    if path.is_empty() || path.starts_with('/') {
        Some("must be a non-empty path relative to the root")
    } else if path.contains(['\n', '\r']) {
        Some("contains a line break")
    } else {
        None
    }
}

/// Absolute path of a record line, returned relative.
fn parse_path(line: usize, p: &str) -> Result<String, LineError> {
    match p.strip_prefix('/') {
        Some(rel) if bad_path(rel).is_none() => Ok(rel.to_string()),
        _ => err(line, format!("expected an absolute path, found '{p}'")),
    }
}

/// The `.sha256sums` text, sorted by path.
pub fn render_sums(files: &[FileSum]) -> Result<String, LineError> {
    let mut sorted: Vec<&FileSum> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut text = String::new();
    for (i, f) in sorted.iter().enumerate() {
        if let Some(why) = bad_path(&f.path) {
            return err(i + 1, format!("{:?} {why}", f.path));
        }
        if !is_sha256_hex(&f.sha256) {
            return err(
                i + 1,
                format!("/{}: '{}' is not a SHA-256", f.path, f.sha256),
            );
        }
        text.push_str(&format!("{}  /{}\n", f.sha256, f.path));
    }
    Ok(text)
}

pub fn parse_sums(text: &str) -> Result<Vec<FileSum>, LineError> {
    let mut out = Vec::new();
    for (idx, l) in text.lines().enumerate() {
        let line = idx + 1;
        let Some((h, p)) = l.split_once("  ").filter(|(h, _)| is_sha256_hex(h)) else {
            return err(line, "expected '<sha256>  /<path>'");
        };
        out.push(FileSum {
            path: parse_path(line, p)?,
            sha256: h.to_string(),
        });
    }
    Ok(out)
}

/// The `.links` text, sorted by path. A link path may not contain ` -> `,
/// which separates it from the target.
pub fn render_links(links: &[Link]) -> Result<String, LineError> {
    let mut sorted: Vec<&Link> = links.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut text = String::new();
    for (i, l) in sorted.iter().enumerate() {
        let why = bad_path(&l.path).or_else(|| l.path.contains(ARROW).then_some("contains ' -> '"));
        if let Some(why) = why {
            return err(i + 1, format!("{:?} {why}", l.path));
        }
        if l.target.is_empty() || l.target.contains(['\n', '\r']) {
            return err(
                i + 1,
                format!("/{}: bad symlink target {:?}", l.path, l.target),
            );
        }
        text.push_str(&format!("/{}{ARROW}{}\n", l.path, l.target));
    }
    Ok(text)
}

pub fn parse_links(text: &str) -> Result<Vec<Link>, LineError> {
    let mut out = Vec::new();
    for (idx, l) in text.lines().enumerate() {
        let line = idx + 1;
        let Some((p, t)) = l.split_once(ARROW).filter(|(_, t)| !t.is_empty()) else {
            return err(line, "expected '/<path> -> <target>'");
        };
        out.push(Link {
            path: parse_path(line, p)?,
            target: t.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn sum(path: &str, h: &str) -> FileSum {
        FileSum {
            path: path.into(),
            sha256: h.into(),
        }
    }

    fn link(path: &str, target: &str) -> Link {
        Link {
            path: path.into(),
            target: target.into(),
        }
    }

    #[test]
    fn hex_digits() {
        assert_eq!(hex(&[0, 0xab, 0x7f]), "00ab7f");
        assert!(is_sha256_hex(ABC));
        assert!(!is_sha256_hex(&ABC.to_uppercase()));
        assert!(!is_sha256_hex(&ABC[1..]));
        assert!(!is_sha256_hex(&format!("{}g", &ABC[1..])));
    }

    #[test]
    fn sums_round_trip_sorted_by_bytes() {
        // '-' (0x2d) sorts before '/' (0x2f): full-path byte order.
        let sorted = vec![sum("B/z", ABC), sum("a-c", EMPTY), sum("a/b/x", ABC)];
        let shuffled = vec![sorted[2].clone(), sorted[0].clone(), sorted[1].clone()];
        let text = render_sums(&shuffled).unwrap();
        assert_eq!(text, format!("{ABC}  /B/z\n{EMPTY}  /a-c\n{ABC}  /a/b/x\n"));
        assert_eq!(parse_sums(&text).unwrap(), sorted);
        assert_eq!(render_sums(&[]).unwrap(), "");
        assert_eq!(parse_sums("").unwrap(), vec![]);
        // Spaces are part of a name.
        let odd = vec![sum("a b  c", ABC)];
        assert_eq!(parse_sums(&render_sums(&odd).unwrap()).unwrap(), odd);
    }

    #[test]
    fn links_round_trip() {
        let want = vec![link("a/dangling", "../nowhere"), link("lnk", "a/b -> x")];
        let text = render_links(&[want[1].clone(), want[0].clone()]).unwrap();
        assert_eq!(text, "/a/dangling -> ../nowhere\n/lnk -> a/b -> x\n");
        assert_eq!(parse_links(&text).unwrap(), want);
        assert_eq!(parse_links("").unwrap(), vec![]);
    }

    #[test]
    fn real_records_from_a_run() {
        let s = parse_sums(&format!("{ABC}  /usr/lib/second.txt\n")).unwrap();
        assert_eq!(s, vec![sum("usr/lib/second.txt", ABC)]);
        let l = parse_links("/usr/bin/hi -> hello\n").unwrap();
        assert_eq!(l, vec![link("usr/bin/hi", "hello")]);
    }

    #[test]
    fn malformed_lines_report_their_line() {
        let good = format!("{ABC}  /a\n");
        for bad in [
            "zz  /x".to_string(),
            format!("{ABC} /x"),
            format!("{ABC}  x"),
            format!("{ABC}  /"),
            format!("{}  /x", ABC.to_uppercase()),
            String::new(),
        ] {
            let e = parse_sums(&format!("{good}{bad}\n")).unwrap_err();
            assert_eq!(e.line, 2, "{bad:?}");
        }
        for bad in ["/x ->", "/x->y", "x -> y", "/ -> y", "", "/x -> "] {
            let e = parse_links(&format!("/a -> b\n{bad}\n")).unwrap_err();
            assert_eq!(e.line, 2, "{bad:?}");
        }
    }

    #[test]
    fn render_refuses_what_would_not_read_back() {
        let ok = sum("a", ABC);
        // The line is that of the sorted output: "" and "/abs" sort first.
        for (bad, line) in [
            (sum("/abs", ABC), 1),
            (sum("", ABC), 1),
            (sum("b\nc", ABC), 2),
            (sum("b", "xyz"), 2),
        ] {
            let e = render_sums(&[ok.clone(), bad.clone()]).unwrap_err();
            assert_eq!(e.line, line, "{bad:?}");
        }
        for bad in [
            link("b -> c", "t"),
            link("b", ""),
            link("b", "t\n"),
            link("b\r", "t"),
        ] {
            let e = render_links(&[link("a", "t"), bad.clone()]).unwrap_err();
            assert_eq!(e.line, 2, "{bad:?}");
        }
    }
}
