//! Install records and merging a step's DESTDIR into the root.
//!
//! The record files (`<name>.sha256sums`, `<name>.links`) are rendered by
//! `bootstrap_contract::records`; here the DESTDIR is walked and hashed.

use crate::error::{Context, Error, Result};
use bootstrap_contract::records::{self, FileSum, Link};
use sha2::{Digest, Sha256};
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to DESTDIR (no leading slash).
    pub rel: PathBuf,
    pub kind: EntryKind,
    /// Permission bits including setuid/setgid/sticky.
    pub mode: u32,
}

/// Walk `dest` and return every entry sorted by path bytes. Anything that is
/// not a regular file, directory or symlink is refused here, before anything
/// is recorded or installed.
pub fn scan(dest: &Path) -> Result<Vec<Entry>> {
    scan_filtered(dest, &|_| false)
}

/// `scan`, leaving out every path (relative) for which `skip` is true,
/// with everything below it.
pub fn scan_filtered(dest: &Path, skip: &dyn Fn(&Path) -> bool) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    walk(dest, Path::new(""), skip, &mut out)?;
    out.sort_by(|a, b| {
        a.rel
            .as_os_str()
            .as_bytes()
            .cmp(b.rel.as_os_str().as_bytes())
    });
    Ok(out)
}

fn walk(dest: &Path, rel: &Path, skip: &dyn Fn(&Path) -> bool, out: &mut Vec<Entry>) -> Result<()> {
    let dir = dest.join(rel);
    let rd = fs::read_dir(&dir).context(|| format!("reading {}", dir.display()))?;
    for ent in rd {
        let ent = ent.context(|| format!("reading {}", dir.display()))?;
        let rel = rel.join(ent.file_name());
        if skip(&rel) {
            continue;
        }
        let full = dest.join(&rel);
        if rel.as_os_str().as_bytes().contains(&b'\n') {
            return Err(Error(format!(
                "refusing to install {:?}: newline in file name",
                rel
            )));
        }
        let md = fs::symlink_metadata(&full).context(|| format!("stat {}", full.display()))?;
        let mode = md.permissions().mode() & 0o7777;
        let ft = md.file_type();
        if ft.is_symlink() {
            let target = fs::read_link(&full).context(|| format!("readlink {}", full.display()))?;
            if target.as_os_str().as_bytes().contains(&b'\n') {
                return Err(Error(format!(
                    "refusing to install /{}: newline in symlink target",
                    rel.display()
                )));
            }
            out.push(Entry {
                rel,
                kind: EntryKind::Symlink(target),
                mode,
            });
        } else if ft.is_dir() {
            out.push(Entry {
                rel: rel.clone(),
                kind: EntryKind::Dir,
                mode,
            });
            walk(dest, &rel, skip, out)?;
        } else if ft.is_file() {
            out.push(Entry {
                rel,
                kind: EntryKind::File,
                mode,
            });
        } else {
            return Err(Error(format!(
                "refusing to install /{}: not a regular file, directory or symlink",
                rel.display()
            )));
        }
    }
    Ok(())
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let what = || format!("hashing {}", path.display());
    let mut f = File::open(path).context(what)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).context(what)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(records::hex(&h.finalize()))
}

/// Write the records of step `name` (`.sha256sums` and `.links`, the latter
/// possibly empty) to `sums` and `links`. Returns (files, links) counts.
/// Records are text: a name or link target that is not UTF-8 is refused,
/// before anything is installed.
pub fn write_record(
    sums: &Path,
    links: &Path,
    dest: &Path,
    entries: &[Entry],
) -> Result<(usize, usize)> {
    let utf8 = |p: &OsStr, what: &str| {
        p.to_str().map(String::from).ok_or_else(|| {
            Error(format!(
                "refusing to record {}: {what} is not UTF-8",
                Path::new(p).display()
            ))
        })
    };
    let mut files = Vec::new();
    let mut symlinks = Vec::new();
    for e in entries {
        let path = || utf8(e.rel.as_os_str(), "the name");
        match &e.kind {
            EntryKind::Dir => {}
            EntryKind::File => files.push(FileSum {
                path: path()?,
                sha256: sha256_file(&dest.join(&e.rel))?,
            }),
            EntryKind::Symlink(t) => symlinks.push(Link {
                path: path()?,
                target: utf8(t.as_os_str(), "the symlink target")?,
            }),
        }
    }
    let bad =
        |e: bootstrap_contract::LineError| Error(format!("record of {}: {e}", dest.display()));
    let sums_text = records::render_sums(&files).map_err(bad)?;
    let links_text = records::render_links(&symlinks).map_err(bad)?;
    for p in [sums, links] {
        if let Some(dir) = p.parent() {
            fs::create_dir_all(dir).context(|| format!("creating {}", dir.display()))?;
        }
    }
    write_atomic(sums, sums_text.as_bytes())?;
    write_atomic(links, links_text.as_bytes())?;
    Ok((files.len(), symlinks.len()))
}

/// temp file + fsync + rename + fsync of the directory.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let what = || format!("writing {}", path.display());
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = File::create(&tmp).context(what)?;
    f.write_all(data).context(what)?;
    f.sync_all().context(what)?;
    drop(f);
    fs::rename(&tmp, path).context(what)?;
    if let Some(dir) = path.parent() {
        File::open(dir).and_then(|d| d.sync_all()).context(what)?;
    }
    Ok(())
}

/// Temporary sibling name used to replace `dst` atomically.
fn temp_sibling(dst: &Path) -> PathBuf {
    let mut n = std::ffi::OsString::from(".");
    n.push(dst.file_name().unwrap_or(OsStr::new("x")));
    n.push(".bootstrap-new");
    dst.with_file_name(n)
}

fn remove_if_exists(p: &Path) -> Result<()> {
    match fs::remove_file(p) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            Err(e).context(|| format!("removing {}", p.display()))
        }
        _ => Ok(()),
    }
}

/// Merge the scanned DESTDIR into `root`: directories are created (existing
/// ones, or symlinks to directories, are merged into), files and symlinks
/// replace what is there via rename so running programs are not disturbed.
pub fn install(dest: &Path, root: &Path, entries: &[Entry]) -> Result<()> {
    for e in entries {
        let src = dest.join(&e.rel);
        let dst = root.join(&e.rel);
        let existing = fs::symlink_metadata(&dst).ok();
        let real_dir = existing.as_ref().is_some_and(|m| m.is_dir());
        match &e.kind {
            EntryKind::Dir => {
                if real_dir || fs::metadata(&dst).is_ok_and(|m| m.is_dir()) {
                    continue;
                }
                if existing.is_some() {
                    remove_if_exists(&dst)?;
                }
                fs::create_dir(&dst).context(|| format!("creating {}", dst.display()))?;
                fs::set_permissions(&dst, fs::Permissions::from_mode(e.mode))
                    .context(|| format!("chmod {}", dst.display()))?;
            }
            EntryKind::File | EntryKind::Symlink(_) if real_dir => {
                return Err(Error(format!(
                    "cannot install /{}: a directory is in the way",
                    e.rel.display()
                )));
            }
            EntryKind::File => {
                let tmp = temp_sibling(&dst);
                remove_if_exists(&tmp)?;
                fs::copy(&src, &tmp).context(|| format!("copying to {}", tmp.display()))?;
                fs::set_permissions(&tmp, fs::Permissions::from_mode(e.mode))
                    .context(|| format!("chmod {}", tmp.display()))?;
                fs::rename(&tmp, &dst).context(|| format!("installing {}", dst.display()))?;
            }
            EntryKind::Symlink(target) => {
                let tmp = temp_sibling(&dst);
                remove_if_exists(&tmp)?;
                symlink(target, &tmp).context(|| format!("symlink {}", tmp.display()))?;
                fs::rename(&tmp, &dst).context(|| format!("installing {}", dst.display()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("runner-rec-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn hash() {
        let d = tmpdir("hash");
        fs::write(d.join("f"), b"abc").unwrap();
        assert_eq!(
            sha256_file(&d.join("f")).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn record_is_sorted_by_bytes_and_links_separate() {
        let d = tmpdir("sort");
        let dest = d.join("dest");
        fs::create_dir_all(dest.join("a/b")).unwrap();
        fs::create_dir_all(dest.join("B")).unwrap();
        fs::write(dest.join("a/b/x"), b"abc").unwrap();
        fs::write(dest.join("a-c"), b"").unwrap();
        fs::write(dest.join("B/z"), b"abc").unwrap();
        symlink("a/b/x", dest.join("lnk")).unwrap();
        symlink("../nowhere", dest.join("a/dangling")).unwrap();
        let entries = scan(&dest).unwrap();
        let rels: Vec<_> = entries.iter().map(|e| e.rel.to_str().unwrap()).collect();
        // '-' (0x2d) sorts before '/' (0x2f): full-path byte order, not a tree walk.
        assert_eq!(
            rels,
            ["B", "B/z", "a", "a-c", "a/b", "a/b/x", "a/dangling", "lnk"]
        );
        let (sums, links) = (
            d.join("records/pkg.sha256sums"),
            d.join("records/pkg.links"),
        );
        let (nf, nl) = write_record(&sums, &links, &dest, &entries).unwrap();
        assert_eq!((nf, nl), (3, 2));
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            fs::read_to_string(d.join("records/pkg.sha256sums")).unwrap(),
            format!("{abc}  /B/z\n{empty}  /a-c\n{abc}  /a/b/x\n")
        );
        assert_eq!(
            fs::read_to_string(d.join("records/pkg.links")).unwrap(),
            "/a/dangling -> ../nowhere\n/lnk -> a/b/x\n"
        );
        assert!(!d.join("records/pkg.sha256sums.tmp").exists());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn names_that_are_not_utf8_are_not_recorded() {
        let d = tmpdir("utf8");
        let dest = d.join("dest");
        fs::create_dir_all(&dest).unwrap();
        fs::write(dest.join(OsStr::from_bytes(b"caf\xe9")), b"x").unwrap();
        let entries = scan(&dest).unwrap();
        let (sums, links) = (d.join("r/x.sha256sums"), d.join("r/x.links"));
        let e = write_record(&sums, &links, &dest, &entries).unwrap_err();
        assert!(e.0.contains("not UTF-8"), "{e}");
        assert!(!sums.exists() && !links.exists());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn special_files_are_refused() {
        let d = tmpdir("fifo");
        let dest = d.join("dest");
        fs::create_dir_all(dest.join("sub")).unwrap();
        nix::unistd::mkfifo(
            &dest.join("sub/p"),
            nix::sys::stat::Mode::from_bits_truncate(0o644),
        )
        .unwrap();
        let e = scan(&dest).unwrap_err();
        assert!(e.0.contains("/sub/p"), "{e}");
        assert!(e.0.contains("not a regular file"), "{e}");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn install_merges_and_preserves() {
        let d = tmpdir("inst");
        let dest = d.join("dest");
        let root = d.join("root");
        fs::create_dir_all(dest.join("usr/bin")).unwrap();
        fs::create_dir_all(root.join("usr/lib")).unwrap();
        fs::create_dir_all(root.join("usr/bin")).unwrap();
        fs::write(root.join("usr/bin/tool"), b"old").unwrap();
        fs::write(root.join("usr/lib/keep"), b"keep").unwrap();
        // /lib -> usr/lib in the root: merge through it.
        symlink("usr/lib", root.join("lib")).unwrap();
        fs::create_dir_all(dest.join("lib")).unwrap();
        fs::write(dest.join("lib/libx.a"), b"lib").unwrap();
        fs::write(dest.join("usr/bin/tool"), b"new").unwrap();
        fs::set_permissions(
            dest.join("usr/bin/tool"),
            fs::Permissions::from_mode(0o4755),
        )
        .unwrap();
        symlink("tool", dest.join("usr/bin/alias")).unwrap();
        let entries = scan(&dest).unwrap();
        install(&dest, &root, &entries).unwrap();
        assert_eq!(fs::read(root.join("usr/bin/tool")).unwrap(), b"new");
        let mode = fs::metadata(root.join("usr/bin/tool"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o7777, 0o4755);
        assert_eq!(
            fs::read_link(root.join("usr/bin/alias")).unwrap(),
            Path::new("tool")
        );
        assert_eq!(fs::read(root.join("usr/lib/libx.a")).unwrap(), b"lib");
        assert_eq!(fs::read(root.join("usr/lib/keep")).unwrap(), b"keep");
        assert!(fs::symlink_metadata(root.join("lib"))
            .unwrap()
            .file_type()
            .is_symlink());
        // A file where the root has a directory is refused.
        let dest2 = d.join("dest2");
        fs::create_dir_all(&dest2).unwrap();
        fs::write(dest2.join("usr"), b"x").unwrap();
        let e = install(&dest2, &root, &scan(&dest2).unwrap()).unwrap_err();
        assert!(e.0.contains("directory is in the way"), "{e}");
        fs::remove_dir_all(&d).unwrap();
    }
}
