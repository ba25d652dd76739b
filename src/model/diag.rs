//! Diagnostics that point at a file, line and column, collected so that
//! `check` can report every problem at once instead of stopping at the first.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A text file kept in memory so byte offsets (from TOML spans) can be turned
/// into line and column numbers.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceText {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceText {
            path: path.into(),
            text,
            line_starts,
        }
    }

    pub fn read(path: &Path) -> std::io::Result<Self> {
        Ok(Self::new(path, std::fs::read_to_string(path)?))
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..offset.min(self.text.len())]
            .chars()
            .count()
            + 1;
        (line + 1, col)
    }

    pub fn at(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let (line, col) = self.line_col(span.start);
        Diagnostic {
            file: self.path.clone(),
            line: Some(line),
            col: Some(col),
            message: message.into(),
        }
    }

    pub fn at_line(&self, line: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.path.clone(),
            line: Some(line),
            col: None,
            message: message.into(),
        }
    }

    /// Turn a TOML parse or deserialize error into a positioned diagnostic.
    pub fn toml_error(&self, err: &toml::de::Error) -> Diagnostic {
        // toml's Display repeats the source snippet; the message alone is enough
        // next to our own file:line prefix.
        let message = err.message().trim().to_string();
        match err.span() {
            Some(span) => self.at(span, message),
            None => Diagnostic::file(&self.path, message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            file: path.to_path_buf(),
            line: None,
            col: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Every diagnostic of one validation pass.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Sorted by file then line so the report reads top to bottom.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.0
            .sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
        self.0.dedup();
        self.0
    }
}

/// The error returned when loading a project fails validation.
#[derive(Debug, thiserror::Error)]
#[error("{}", render(.0))]
pub struct Invalid(pub Vec<Diagnostic>);

fn render(ds: &[Diagnostic]) -> String {
    let mut s = String::new();
    for d in ds {
        s.push_str(&d.to_string());
        s.push('\n');
    }
    s.push_str(&format!(
        "{} problem{} found",
        ds.len(),
        if ds.len() == 1 { "" } else { "s" }
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let t = SourceText::new("f", "ab\ncdé\nx".to_string());
        assert_eq!(t.line_col(0), (1, 1));
        assert_eq!(t.line_col(1), (1, 2));
        assert_eq!(t.line_col(3), (2, 1));
        // é is two bytes but one column
        assert_eq!(t.line_col(7), (2, 4));
        assert_eq!(t.line_col(8), (3, 1));
    }

    #[test]
    fn display_has_file_line_col() {
        let t = SourceText::new("parts.toml", "a\nbad".to_string());
        assert_eq!(t.at(2..3, "oops").to_string(), "parts.toml:2:1: oops");
        assert_eq!(t.at_line(7, "x").to_string(), "parts.toml:7: x");
    }
}
