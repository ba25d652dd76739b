//! A minimal newc (SVR4, no CRC) cpio writer: enough to hand the current
//! root to the next kernel as its initramfs at a kexec. Entries come from
//! `record::scan_filtered`, so they are already sorted; owners are 0 and
//! times are 0, like the host-built seed.

use crate::error::{Context, Result};
use crate::record::{Entry, EntryKind};
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

fn header(
    w: &mut impl Write,
    ino: u32,
    mode: u32,
    nlink: u32,
    size: u32,
    name: &[u8],
) -> io::Result<()> {
    let namesize = name.len() as u32 + 1;
    write!(w, "070701")?;
    // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
    for v in [ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, namesize, 0] {
        write!(w, "{v:08X}")?;
    }
    w.write_all(name)?;
    w.write_all(&[0])?;
    pad(w, 110 + namesize as usize)
}

fn pad(w: &mut impl Write, len: usize) -> io::Result<()> {
    let n = (4 - len % 4) % 4;
    w.write_all(&[0u8; 3][..n])
}

/// Write `entries` (relative to `root`) as a newc archive to `out`.
pub fn write(root: &Path, entries: &[Entry], out: &mut impl Write) -> Result<()> {
    let mut ino = 0u32;
    for e in entries {
        ino += 1;
        let name = e.rel.as_os_str().as_bytes();
        let what = || format!("archiving /{}", e.rel.display());
        match &e.kind {
            EntryKind::Dir => header(out, ino, 0o040000 | e.mode, 2, 0, name).context(what)?,
            EntryKind::Symlink(t) => {
                let t = t.as_os_str().as_bytes();
                header(out, ino, 0o120000 | 0o777, 1, t.len() as u32, name).context(what)?;
                out.write_all(t).context(what)?;
                pad(out, t.len()).context(what)?;
            }
            EntryKind::File => {
                let mut f = File::open(root.join(&e.rel)).context(what)?;
                let len = f.metadata().context(what)?.len();
                let size = u32::try_from(len).map_err(|_| {
                    crate::error::Error(format!("/{}: too large for newc", e.rel.display()))
                })?;
                header(out, ino, 0o100000 | e.mode, 1, size, name).context(what)?;
                let copied = io::copy(&mut io::Read::take(&mut f, len), out).context(what)?;
                if copied != len {
                    return Err(crate::error::Error(format!(
                        "/{}: changed while being archived",
                        e.rel.display()
                    )));
                }
                pad(out, len as usize).context(what)?;
            }
        }
    }
    header(out, 0, 0, 1, 0, b"TRAILER!!!").context(|| "archive trailer".to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn layout_matches_the_newc_format() {
        let d = std::env::temp_dir().join(format!("runner-newc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("a")).unwrap();
        std::fs::write(d.join("a/f"), b"hello").unwrap();
        let entries = vec![
            Entry {
                rel: PathBuf::from("a"),
                kind: EntryKind::Dir,
                mode: 0o755,
            },
            Entry {
                rel: PathBuf::from("a/f"),
                kind: EntryKind::File,
                mode: 0o644,
            },
            Entry {
                rel: PathBuf::from("l"),
                kind: EntryKind::Symlink(PathBuf::from("a/f")),
                mode: 0o777,
            },
        ];
        let mut out = Vec::new();
        write(&d, &entries, &mut out).unwrap();
        // Every header starts at a 4-byte boundary; the file's data follows its name.
        assert!(out.starts_with(b"07070100000001000041ED"));
        let f = out.windows(4).position(|w| w == b"a/f\0").unwrap();
        // header (110) + "a/f\0" (4) = 114, padded to 116: data at f + 6
        assert_eq!((f - 110) % 4, 0);
        assert_eq!(&out[f + 4..f + 6], &[0, 0]);
        assert_eq!(&out[f + 6..f + 11], b"hello");
        assert_eq!(out.len() % 4, 0);
        let t = out.windows(10).position(|w| w == b"TRAILER!!!").unwrap();
        assert_eq!((t - 110) % 4, 0);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
