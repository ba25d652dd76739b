//! Small filesystem helpers shared by the modules: sorted directory listings
//! (determinism), atomic writes (no half-written file is ever visible) and
//! streaming SHA-256.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Entries of `dir`, sorted by file name bytes.
pub fn sorted_entries(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut v = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<Vec<_>>>()?;
    v.sort();
    Ok(v)
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

pub fn sha256_reader(mut r: impl Read) -> io::Result<String> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

pub fn sha256_file(path: &Path) -> io::Result<String> {
    sha256_reader(File::open(path)?)
}

/// Write `data` to `path` through a temporary sibling, fsync, then rename.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    write_atomic_with(path, data, None)
}

/// [`write_atomic`] for a file of exactly `mode` (e.g. 0600 for a secret):
/// created with it, so never more open while written, and set again, so
/// the umask cannot narrow it.
pub fn write_atomic_mode(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    write_atomic_with(path, data, Some(mode))
}

fn write_atomic_with(path: &Path, data: &[u8], mode: Option<u32>) -> io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = match mode {
            None => File::create(&tmp)?,
            Some(m) => {
                // A leftover of a dead run could have any mode: start anew.
                let _ = fs::remove_file(&tmp);
                let f = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(m)
                    .open(&tmp)?;
                f.set_permissions(fs::Permissions::from_mode(m))?;
                f
            }
        };
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Copy the tree `src` to `dst` (created), in sorted order: directories,
/// regular files (keeping only the executable bit, as 0755/0644) and
/// symlinks (as links). Anything else is an error.
pub fn copy_tree(src: &Path, dst: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(dst)?;
    for e in sorted_entries(src)? {
        let to = dst.join(e.file_name().unwrap_or_default());
        let md = fs::symlink_metadata(&e)?;
        if md.is_dir() {
            copy_tree(&e, &to)?;
        } else if md.file_type().is_symlink() {
            let _ = fs::remove_file(&to);
            std::os::unix::fs::symlink(fs::read_link(&e)?, &to)?;
        } else if md.is_file() {
            fs::copy(&e, &to)?;
            let mode = if md.permissions().mode() & 0o111 != 0 {
                0o755
            } else {
                0o644
            };
            fs::set_permissions(&to, fs::Permissions::from_mode(mode))?;
        } else {
            return Err(io::Error::other(format!(
                "{}: not a file, directory or symlink",
                e.display()
            )));
        }
    }
    Ok(())
}

/// Remove `path` if it exists (a file, a link or a whole tree; links are
/// never followed).
pub fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(md) if md.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256_reader(&b"abc"[..]).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(sorted_entries(d.path()).unwrap(), vec![p]);
    }
}
