//! Safe extraction of verified source tarballs into a directory. The archive
//! is untrusted input even after its hash matched (a pinned hash says "this
//! is the file we reviewed", not "this file is harmless"), so every entry is
//! checked: no absolute paths, no `..`, no symlink that is absolute or climbs
//! out of the tree, no hard link outside it, no device nodes. A rejected
//! archive leaves nothing behind.

use std::fs;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};

fn decoder(path: &Path) -> Result<Box<dyn Read>> {
    let f = BufReader::new(
        fs::File::open(path).with_context(|| format!("opening {}", path.display()))?,
    );
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    Ok(if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        Box::new(flate2::read::GzDecoder::new(f))
    } else if name.ends_with(".tar.bz2") {
        Box::new(bzip2::read::BzDecoder::new(f))
    } else if name.ends_with(".tar.xz") {
        Box::new(xz2::read::XzDecoder::new(f))
    } else if name.ends_with(".tar") {
        Box::new(f)
    } else {
        bail!(
            "{}: not a tarball this tool can unpack (.tar, .tar.gz, .tgz, .tar.bz2, .tar.xz)",
            path.display()
        )
    })
}

/// A relative path with only normal components, or why not.
fn clean_relative(p: &Path) -> Result<PathBuf, &'static str> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(x) => out.push(x),
            Component::CurDir => {}
            Component::ParentDir => return Err("contains '..'"),
            Component::RootDir | Component::Prefix(_) => return Err("is absolute"),
        }
    }
    Ok(out)
}

/// Does a symlink at `link` (relative to the tree) pointing to `target` stay inside?
fn link_stays_inside(link: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut depth: i64 = link
        .parent()
        .map(|p| p.components().count() as i64)
        .unwrap_or(0);
    for c in target.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

/// Unpack `archive` into `dest` (created; must not exist). If every entry
/// sits under one top-level directory, that directory is stripped, so `dest`
/// is the source tree itself.
pub fn unpack(archive: &Path, dest: &Path) -> Result<()> {
    if dest.exists() {
        bail!("{} already exists", dest.display());
    }
    let staging = dest.with_file_name(format!(
        ".{}.unpack-{}",
        dest.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)?;
    let r = extract_checked(archive, &staging).and_then(|()| {
        let entries = crate::util::fsutil::sorted_entries(&staging)?;
        let single_dir = entries.len() == 1 && fs::symlink_metadata(&entries[0])?.is_dir();
        if single_dir {
            fs::rename(&entries[0], dest)?;
            fs::remove_dir(&staging)?;
        } else {
            fs::rename(&staging, dest)?;
        }
        Ok(())
    });
    if r.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    r
}

fn extract_checked(archive: &Path, into: &Path) -> Result<()> {
    let mut tar = tar::Archive::new(decoder(archive)?);
    tar.set_preserve_permissions(false);
    tar.set_preserve_mtime(true);
    tar.set_unpack_xattrs(false);
    tar.set_overwrite(true);
    let bad = |name: &Path, why: &str| {
        anyhow::anyhow!(
            "{}: refusing entry '{}': {why}",
            archive.display(),
            name.display()
        )
    };
    for entry in tar
        .entries()
        .with_context(|| format!("reading {}", archive.display()))?
    {
        let mut entry = entry.with_context(|| format!("reading {}", archive.display()))?;
        let raw = entry.path()?.into_owned();
        let rel = clean_relative(&raw).map_err(|why| bad(&raw, why))?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        use tar::EntryType as T;
        match entry.header().entry_type() {
            T::Regular | T::Continuous | T::Directory | T::GNUSparse => {}
            T::Symlink => {
                let target = entry
                    .link_name()?
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                if !link_stays_inside(&rel, &target) {
                    return Err(bad(
                        &raw,
                        &format!(
                            "symlink to '{}' points outside the source tree",
                            target.display()
                        ),
                    ));
                }
            }
            T::Link => {
                let target = entry
                    .link_name()?
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                clean_relative(&target)
                    .map_err(|why| bad(&raw, &format!("hard link target {why}")))?;
            }
            // pax/GNU metadata records are consumed by the tar crate itself.
            T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => continue,
            other => {
                return Err(bad(
                    &raw,
                    &format!("entry type {other:?} is not allowed in a source tarball"),
                ))
            }
        }
        // Parents must be real directories inside the tree, never a symlink
        // planted by an earlier entry.
        let mut cur = into.to_path_buf();
        for c in rel
            .parent()
            .map(|p| p.components().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            cur.push(c);
            if let Ok(md) = fs::symlink_metadata(&cur) {
                if !md.is_dir() {
                    return Err(bad(&raw, "a parent directory is a symlink or file"));
                }
            }
        }
        let ok = entry
            .unpack_in(into)
            .with_context(|| format!("{}: unpacking '{}'", archive.display(), raw.display()))?;
        if !ok {
            return Err(bad(&raw, "path escapes the tree"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with(entries: &[(&str, tar::EntryType, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, ty, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*ty);
            h.set_mode(0o644);
            h.set_mtime(0);
            match ty {
                tar::EntryType::Symlink | tar::EntryType::Link => {
                    h.set_size(0);
                    h.set_link_name(data).unwrap();
                    // set_path validates; write the raw name to allow "bad" ones
                    let gnu = h.as_old_mut();
                    gnu.name[..name.len()].copy_from_slice(name.as_bytes());
                    h.set_cksum();
                    b.append(&h, &[][..]).unwrap();
                }
                _ => {
                    h.set_size(data.len() as u64);
                    let gnu = h.as_old_mut();
                    gnu.name[..name.len()].copy_from_slice(name.as_bytes());
                    h.set_cksum();
                    b.append(&h, data.as_bytes()).unwrap();
                }
            }
        }
        b.into_inner().unwrap()
    }

    fn try_unpack(entries: &[(&str, tar::EntryType, &str)]) -> (tempfile::TempDir, Result<()>) {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("x.tar");
        fs::write(&a, tar_with(entries)).unwrap();
        let r = unpack(&a, &t.path().join("out"));
        (t, r)
    }

    #[test]
    fn strips_a_single_top_directory() {
        use tar::EntryType::*;
        let (t, r) = try_unpack(&[
            ("pkg-1/", Directory, ""),
            ("pkg-1/a.c", Regular, "int a;"),
            ("pkg-1/l", Symlink, "a.c"),
        ]);
        r.unwrap();
        assert_eq!(
            fs::read_to_string(t.path().join("out/a.c")).unwrap(),
            "int a;"
        );
        assert_eq!(
            fs::read_link(t.path().join("out/l")).unwrap(),
            Path::new("a.c")
        );
        // No top dir: kept as is.
        let (t, r) = try_unpack(&[("a.c", Regular, "1"), ("b.c", Regular, "2")]);
        r.unwrap();
        assert!(t.path().join("out/b.c").is_file());
    }

    #[test]
    fn refuses_escapes_and_leaves_nothing() {
        use tar::EntryType::*;
        for (entries, want) in [
            (vec![("p/../../evil", Regular, "x")], "contains '..'"),
            (vec![("/etc/evil", Regular, "x")], "is absolute"),
            (vec![("p/l", Symlink, "/etc/passwd")], "points outside"),
            (vec![("p/d/l", Symlink, "../../../x")], "points outside"),
            (
                vec![("p/l", Symlink, "."), ("p/h", Link, "../x")],
                "hard link target contains '..'",
            ),
            (vec![("p/dev", Char, "")], "not allowed"),
            (
                vec![("p/l", Symlink, "sub"), ("p/l/x", Regular, "x")],
                "parent directory is a symlink",
            ),
        ] {
            let (t, r) = try_unpack(&entries);
            let e = r.unwrap_err().to_string();
            assert!(e.contains(want), "{entries:?}: {e}");
            assert!(e.contains("x.tar: refusing entry"), "{e}");
            let left: Vec<_> = fs::read_dir(t.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(left, vec![std::ffi::OsString::from("x.tar")], "{entries:?}");
        }
    }

    #[test]
    fn symlink_containment() {
        assert!(link_stays_inside(Path::new("a/b/l"), Path::new("../c")));
        assert!(link_stays_inside(Path::new("a/l"), Path::new("../c")));
        assert!(!link_stays_inside(Path::new("l"), Path::new("../c")));
        assert!(!link_stays_inside(Path::new("a/l"), Path::new("../../c")));
        assert!(!link_stays_inside(Path::new("a/l"), Path::new("/c")));
    }
}
