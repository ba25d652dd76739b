//! `bootstrap/state/completed`: one `<stage> <name>` line per finished step.
//! Appended and fsync'd only after a step fully finished, so a crash at any
//! point at worst re-runs the step that was in progress.

use crate::error::{Context, Result};
use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::Path;

#[derive(Debug, Default)]
pub struct Completed(HashSet<(String, String)>);

impl Completed {
    pub fn parse(text: &str) -> Completed {
        // A torn last line (crash mid-append) has no newline; it is ignored,
        // as is anything that is not exactly two fields.
        let complete = match text.rfind('\n') {
            Some(i) => &text[..i],
            None => "",
        };
        let set = complete
            .lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                match (f.next(), f.next(), f.next()) {
                    (Some(s), Some(n), None) => Some((s.to_string(), n.to_string())),
                    _ => None,
                }
            })
            .collect();
        Completed(set)
    }

    pub fn load(path: &Path) -> Result<Completed> {
        match fs::read_to_string(path) {
            Ok(t) => Ok(Completed::parse(&t)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Completed::default()),
            Err(e) => Err(e).context(|| format!("reading {}", path.display())),
        }
    }

    pub fn contains(&self, stage: &str, name: &str) -> bool {
        self.0.contains(&(stage.to_string(), name.to_string()))
    }
}

/// Append `<stage> <name>` durably (file and, for a new file, its directory).
pub fn append(path: &Path, stage: &str, name: &str) -> Result<()> {
    let what = || format!("recording completion in {}", path.display());
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).context(what)?;
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .context(what)?;
    // Drop a torn last line (crash mid-append) instead of completing it: a
    // prefix like "sysa gcc" of "sysa gcc-4" must never turn into a record.
    let mut old = Vec::new();
    f.read_to_end(&mut old).context(what)?;
    let keep = old.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if keep != old.len() {
        f.set_len(keep as u64).context(what)?;
    }
    f.seek(SeekFrom::Start(keep as u64)).context(what)?;
    f.write_all(format!("{stage} {name}\n").as_bytes())
        .context(what)?;
    f.sync_all().context(what)?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .context(what)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = std::env::temp_dir().join(format!("runner-state-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join("state/completed");
        assert!(!Completed::load(&path).unwrap().contains("sysa", "a"));
        append(&path, "sysa", "a").unwrap();
        append(&path, "sysa", "b+1").unwrap();
        append(&path, "sysb", "a").unwrap();
        let c = Completed::load(&path).unwrap();
        assert!(c.contains("sysa", "a"));
        assert!(c.contains("sysa", "b+1"));
        assert!(c.contains("sysb", "a"));
        assert!(!c.contains("sysb", "b+1"));
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "sysa a\nsysa b+1\nsysb a\n"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn torn_line_is_ignored_and_dropped() {
        let dir = std::env::temp_dir().join(format!("runner-torn-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("completed");
        fs::write(&path, "sysa a\nsysa b").unwrap();
        let c = Completed::load(&path).unwrap();
        assert!(c.contains("sysa", "a"));
        assert!(!c.contains("sysa", "b"));
        append(&path, "sysa", "c").unwrap();
        let c = Completed::load(&path).unwrap();
        assert!(c.contains("sysa", "c"));
        assert!(!c.contains("sysa", "b"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "sysa a\nsysa c\n");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn junk_lines_are_ignored() {
        let c = Completed::parse("sysa\nsysa a extra\n\nsysb x\n");
        assert!(c.contains("sysb", "x"));
        assert!(!c.contains("sysa", "a"));
    }
}
