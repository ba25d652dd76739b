//! The completed-steps file (format: `bootstrap_contract::completed`).
//! Appended and fsync'd only after a step fully finished, so a crash at any
//! point at worst re-runs the step that was in progress.

use crate::error::{Context, Error, Result};
use bootstrap_contract::completed::{self, Entry};
use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::Path;

#[derive(Debug, Default)]
pub struct Completed(HashSet<Entry>);

impl Completed {
    /// A missing file means nothing completed yet; a malformed one is an
    /// error (`line N: ...`), since the runner never writes one.
    pub fn load(path: &Path) -> Result<Completed> {
        match fs::read_to_string(path) {
            Ok(t) => completed::parse(&t)
                .map(|v| Completed(v.into_iter().collect()))
                .map_err(|e| Error(e.to_string())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Completed::default()),
            Err(e) => Err(e).context(|| format!("reading {}", path.display())),
        }
    }

    pub fn contains(&self, stage: &str, name: &str) -> bool {
        self.0.contains(&Entry {
            stage: stage.to_string(),
            name: name.to_string(),
        })
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
    // Cut off a torn last line (crash mid-append) instead of completing it.
    let mut old = Vec::new();
    f.read_to_end(&mut old).context(what)?;
    let keep = completed::complete_len(&old);
    if keep != old.len() {
        f.set_len(keep as u64).context(what)?;
    }
    f.seek(SeekFrom::Start(keep as u64)).context(what)?;
    f.write_all(completed::line(stage, name).as_bytes())
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
    fn junk_lines_are_an_error() {
        let dir = std::env::temp_dir().join(format!("runner-junk-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("completed");
        fs::write(&path, "sysa a\nsysa a extra\n").unwrap();
        let e = Completed::load(&path).unwrap_err();
        assert!(e.0.starts_with("line 2: "), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
