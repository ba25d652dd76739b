//! The completed-steps file ([`crate::paths::COMPLETED`]): one
//! `<stage> <name>` line per finished step, in completion order, appended
//! (and made durable) by the runner only after the step fully finished.
//!
//! One rule for a crash in the middle of an append: a last line without its
//! newline is torn and does not count; readers ignore it and the next append
//! cuts it off ([`complete_len`]). It is never completed, since a prefix
//! like `sysa gcc` of `sysa gcc-4` would name another step.

use crate::plan::valid_name;
use crate::{err, LineError};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entry {
    pub stage: String,
    pub name: String,
}

/// How many bytes of the file are complete lines: everything up to and
/// including the last newline.
pub fn complete_len(text: &[u8]) -> usize {
    text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

/// The line to append for a finished step, newline included. Both names
/// must be valid ([`valid_name`]); the runner checks them before running.
pub fn line(stage: &str, name: &str) -> String {
    format!("{stage} {name}\n")
}

/// Every complete line, in file order (a step may appear twice when a stage
/// was resumed before it). Anything but `<stage> <name>` with valid names
/// on a complete line is an error: the runner never writes it.
pub fn parse(text: &str) -> Result<Vec<Entry>, LineError> {
    let complete = &text[..complete_len(text.as_bytes())];
    let mut out = Vec::new();
    for (idx, l) in complete.split_terminator('\n').enumerate() {
        match l.split_once(' ') {
            Some((stage, name)) if valid_name(stage) && valid_name(name) => out.push(Entry {
                stage: stage.to_string(),
                name: name.to_string(),
            }),
            _ => return err(idx + 1, format!("expected '<stage> <step>', found '{l}'")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(stage: &str, name: &str) -> Entry {
        Entry {
            stage: stage.into(),
            name: name.into(),
        }
    }

    #[test]
    fn round_trip() {
        let want = vec![e("sysa", "a"), e("sysa", "b+1"), e("sysb", "a")];
        let text: String = want.iter().map(|x| line(&x.stage, &x.name)).collect();
        assert_eq!(text, "sysa a\nsysa b+1\nsysb a\n");
        assert_eq!(parse(&text).unwrap(), want);
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn real_file_from_a_run() {
        assert_eq!(
            parse("sysa kit\nsysa musl-1.2.3\n").unwrap(),
            vec![e("sysa", "kit"), e("sysa", "musl-1.2.3")]
        );
        // Resumed before `b` was recorded the first time: kept twice.
        assert_eq!(parse("s a\ns b\ns b\n").unwrap().len(), 3);
    }

    #[test]
    fn torn_last_line_is_ignored() {
        assert_eq!(parse("sysa a\nsysa b").unwrap(), vec![e("sysa", "a")]);
        assert_eq!(parse("sysa").unwrap(), vec![]);
        // Not even checked: a torn line may hold anything (zeros after a crash).
        assert_eq!(parse("sysa a\n\0\0\0").unwrap(), vec![e("sysa", "a")]);
        assert_eq!(complete_len(b"sysa a\nsysa b"), 7);
        assert_eq!(complete_len(b"sysa a\n"), 7);
        assert_eq!(complete_len(b"sysa"), 0);
        assert_eq!(complete_len(b""), 0);
    }

    #[test]
    fn malformed_complete_lines_are_errors() {
        for (text, line) in [
            ("sysa\n", 1),
            ("sysa a\nsysa a extra\n", 2),
            ("sysa a\n\nsysb x\n", 2),
            ("sysa  a\n", 1),
            ("sysa ../a\n", 1),
            ("sysa a\r\n", 1),
        ] {
            assert_eq!(parse(text).unwrap_err().line, line, "{text:?}");
        }
    }
}
