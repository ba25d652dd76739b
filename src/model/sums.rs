//! `SHA256SUMS.sources` (and later `SHA256SUMS.pkgs`): `sha256sum` format, so
//! `sha256sum -c` works in the distfiles directory. The single source of truth
//! for source hashes.

use std::collections::BTreeMap;
use std::path::Path;

use crate::model::diag::{Diagnostic, Diagnostics, SourceText};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Lowercase hex.
    pub sha256: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Sums {
    pub source: SourceText,
    pub entries: BTreeMap<String, Entry>,
}

/// 64 hex digits of either case, as `sha256sum -c` accepts them (entries
/// are normalised to lowercase). The runner's records are stricter.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Sums {
    pub fn load(path: &Path, diags: &mut Diagnostics) -> Option<Sums> {
        match SourceText::read(path) {
            Ok(s) => Some(Self::parse(s, diags)),
            Err(e) => {
                diags.push(Diagnostic::file(path, format!("cannot read: {e}")));
                None
            }
        }
    }

    pub fn parse(source: SourceText, diags: &mut Diagnostics) -> Sums {
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        for (i, raw) in source.text.lines().enumerate() {
            let line = i + 1;
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            // "<hex>  <name>" (text mode) or "<hex> *<name>" (binary mode).
            let parsed = raw
                .split_once("  ")
                .or_else(|| raw.split_once(" *"))
                .filter(|(h, n)| is_sha256_hex(h) && !n.is_empty());
            let Some((hex, name)) = parsed else {
                diags.push(source.at_line(
                    line,
                    "expected '<64 hex digits>  <file name>' (sha256sum format)",
                ));
                continue;
            };
            if !crate::model::recipe::valid_file_name(name) {
                diags.push(source.at_line(line, format!("invalid file name '{name}'")));
                continue;
            }
            if let Some(first) = entries.get(name) {
                diags.push(source.at_line(
                    line,
                    format!("'{name}' listed twice (first at line {})", first.line),
                ));
                continue;
            }
            entries.insert(
                name.to_string(),
                Entry {
                    sha256: hex.to_ascii_lowercase(),
                    line,
                },
            );
        }
        Sums { source, entries }
    }

    pub fn get(&self, file: &str) -> Option<&str> {
        self.entries.get(file).map(|e| e.sha256.as_str())
    }

    /// The entries listed after one that sorts after them (byte order of
    /// the file names, as `LC_ALL=C sort -k2` gives). The project's list is
    /// kept sorted so that two changes adding sources merge cleanly and a
    /// reader finds a file at once; `check` enforces it. Loading does not:
    /// any order is valid `sha256sum` input.
    pub fn out_of_order(&self) -> Vec<Diagnostic> {
        let mut by_line: Vec<(&String, usize)> =
            self.entries.iter().map(|(n, e)| (n, e.line)).collect();
        by_line.sort_by_key(|&(_, line)| line);
        by_line
            .windows(2)
            .filter(|w| w[1].0 < w[0].0)
            .map(|w| {
                self.source.at_line(
                    w[1].1,
                    format!(
                        "'{}' is out of order: the list is sorted by file name ('{}' on line {} sorts after it)",
                        w[1].0, w[0].0, w[0].1
                    ),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4";

    #[test]
    fn parses_both_modes_and_reports_errors() {
        let text = format!(
            "# comment\n{H}  a.tar.gz\n{}  *b.tar.gz\n{H} *c.tar\nnothex  d\n{H}  a.tar.gz\n{H}  x/y\n",
            H.to_uppercase()
        );
        let mut d = Diagnostics::default();
        let s = Sums::parse(SourceText::new("S", text), &mut d);
        assert_eq!(s.get("a.tar.gz"), Some(H));
        assert_eq!(s.get("c.tar"), Some(H));
        // Uppercase hex is accepted and normalised; "  *b" keeps the star in the name.
        assert_eq!(s.get("*b.tar.gz"), None);
        let errs: Vec<String> = d.sorted().iter().map(|e| e.to_string()).collect();
        assert_eq!(errs.len(), 4, "{errs:#?}");
        assert!(errs[0].starts_with("S:3: invalid file name '*b.tar.gz'"));
        assert!(errs[1].starts_with("S:5: expected"));
        assert!(errs[2].starts_with("S:6: 'a.tar.gz' listed twice (first at line 2)"));
        assert!(errs[3].starts_with("S:7: invalid file name 'x/y'"));
    }

    #[test]
    fn out_of_order_names_each_misplaced_line() {
        let sorted = format!("{H}  a.tar\n# c\n{H}  b.tar\n{H}  c.tar\n");
        let mut d = Diagnostics::default();
        assert!(Sums::parse(SourceText::new("S", sorted), &mut d)
            .out_of_order()
            .is_empty());
        let text = format!("{H}  b.tar\n{H}  a.tar\n{H}  c.tar\n{H}  B.tar\n");
        let s = Sums::parse(SourceText::new("S", text), &mut d);
        let errs: Vec<String> = s.out_of_order().iter().map(|e| e.to_string()).collect();
        assert_eq!(errs.len(), 2, "{errs:#?}");
        assert!(
            errs[0].starts_with("S:2: 'a.tar' is out of order"),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("S:4: 'B.tar' is out of order"),
            "{errs:?}"
        );
    }
}
