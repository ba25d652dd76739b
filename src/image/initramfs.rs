//! Deterministic newc cpio archives: the sysa seed initramfs. Two builds from
//! the same tree are byte-identical: paths in sorted byte order, inode numbers
//! assigned in that order, uid/gid 0, one fixed mtime (SOURCE_DATE_EPOCH),
//! modes reduced to 0755/0644 (plus exact modes for device nodes), no host
//! device or link counts.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use cpio::newc::{self, ModeFileType};

use crate::util::fsutil;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Compression {
    None,
    Gzip,
    Xz,
}

/// A character device node to add without needing root to create it.
#[derive(Debug, Clone)]
pub struct DeviceNode {
    pub path: String,
    pub major: u32,
    pub minor: u32,
    pub mode: u32,
}

/// The nodes the kernel and PID 1 need before devtmpfs is mounted.
pub fn standard_nodes() -> Vec<DeviceNode> {
    vec![
        DeviceNode {
            path: "dev/console".into(),
            major: 5,
            minor: 1,
            mode: 0o600,
        },
        DeviceNode {
            path: "dev/null".into(),
            major: 1,
            minor: 3,
            mode: 0o666,
        },
    ]
}

enum Item {
    Dir,
    File(PathBuf, bool),
    Symlink(String),
    Node(DeviceNode),
}

/// Collect `root` recursively as (archive path, item), sorted by path bytes.
fn collect(root: &Path) -> Result<Vec<(String, Item)>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for p in
            fsutil::sorted_entries(&dir).with_context(|| format!("listing {}", dir.display()))?
        {
            let rel = p.strip_prefix(root).expect("below root");
            let Some(name) = rel.to_str() else {
                bail!("{}: file name is not UTF-8", p.display());
            };
            let md = fs::symlink_metadata(&p)?;
            let ft = md.file_type();
            let item = if ft.is_dir() {
                stack.push(p.clone());
                Item::Dir
            } else if ft.is_symlink() {
                let target = fs::read_link(&p)?;
                let Some(t) = target.to_str() else {
                    bail!("{}: link target is not UTF-8", p.display());
                };
                Item::Symlink(t.to_string())
            } else if ft.is_file() {
                Item::File(p.clone(), md.permissions().mode() & 0o111 != 0)
            } else {
                bail!(
                    "{}: only directories, regular files and symlinks can go in the seed",
                    p.display()
                );
            };
            out.push((name.to_string(), item));
        }
    }
    Ok(out)
}

/// Write the archive of `root` (plus `nodes`, and their parent directories if
/// missing) to `out`.
pub fn write(
    root: &Path,
    nodes: &[DeviceNode],
    mtime: u32,
    compression: Compression,
    out: &Path,
) -> Result<()> {
    let mut items = collect(root)?;
    for n in nodes {
        let mut parent = Path::new(&n.path).parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            let s = p.to_str().unwrap_or_default().to_string();
            if !items.iter().any(|(name, _)| *name == s) {
                items.push((s, Item::Dir));
            }
            parent = p.parent();
        }
        items.retain(|(name, _)| *name != n.path);
        items.push((n.path.clone(), Item::Node(n.clone())));
    }
    items.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));

    let tmp = out.with_extension(format!("tmp-{}", std::process::id()));
    let result = (|| -> Result<()> {
        let file = BufWriter::new(
            File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?,
        );
        let mut sink: Box<dyn Write> = match compression {
            Compression::None => Box::new(file),
            // flate2 writes mtime 0 and no file name: deterministic.
            Compression::Gzip => Box::new(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::best(),
            )),
            // The kernel's xz decoder wants CRC32 checks, not the default CRC64.
            Compression::Xz => {
                let stream = xz2::stream::Stream::new_easy_encoder(6, xz2::stream::Check::Crc32)?;
                Box::new(xz2::write::XzEncoder::new_stream(file, stream))
            }
        };
        write_entries(&mut sink, &items, mtime)?;
        sink.flush()?;
        drop(sink);
        let f = File::open(&tmp)?;
        f.sync_all()?;
        fs::rename(&tmp, out)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_entries(w: &mut dyn Write, items: &[(String, Item)], mtime: u32) -> Result<()> {
    for (i, (name, item)) in items.iter().enumerate() {
        let b = newc::Builder::new(name)
            .ino(i as u32 + 1)
            .uid(0)
            .gid(0)
            .mtime(mtime);
        match item {
            Item::Dir => {
                let wr = b
                    .mode(0o755)
                    .nlink(2)
                    .set_mode_file_type(ModeFileType::Directory)
                    .write(&mut *w, 0);
                wr.finish()?;
            }
            Item::Symlink(t) => {
                let mut wr = b
                    .mode(0o777)
                    .nlink(1)
                    .set_mode_file_type(ModeFileType::Symlink)
                    .write(&mut *w, t.len() as u32);
                wr.write_all(t.as_bytes())?;
                wr.finish()?;
            }
            Item::File(p, exec) => {
                let mut f = File::open(p).with_context(|| format!("reading {}", p.display()))?;
                let len = f.metadata()?.len();
                let Ok(len32) = u32::try_from(len) else {
                    bail!("{}: too large for a newc archive", p.display());
                };
                let mode = if *exec { 0o755 } else { 0o644 };
                let mut wr = b
                    .mode(mode)
                    .nlink(1)
                    .set_mode_file_type(ModeFileType::Regular)
                    .write(&mut *w, len32);
                let copied = io::copy(&mut (&mut f).take(len), &mut wr)?;
                if copied != len {
                    bail!("{}: changed while being archived", p.display());
                }
                wr.finish()?;
            }
            Item::Node(n) => {
                let wr = b
                    .mode(n.mode)
                    .nlink(1)
                    .rdev_major(n.major)
                    .rdev_minor(n.minor)
                    .set_mode_file_type(ModeFileType::Char)
                    .write(&mut *w, 0);
                wr.finish()?;
            }
        }
    }
    newc::trailer(&mut *w)?;
    Ok(())
}

/// The archive a kernel boots into the runner: `root` with `init` linked
/// to the runner and the standard device nodes, gzip-compressed, to `out`.
pub fn write_runner_initrd(root: &Path, out: &Path) -> Result<()> {
    crate::image::target::link_init(root)?;
    write(root, &standard_nodes(), 0, Compression::Gzip, out)
}

/// The entries of an uncompressed newc archive, in archive order: name,
/// mode and inode number (for tests and inspection).
pub fn list(archive: &Path) -> Result<Vec<(String, u32, u32)>> {
    let mut r: Box<dyn Read> = Box::new(io::BufReader::new(File::open(archive)?));
    let mut out = Vec::new();
    loop {
        let reader = newc::Reader::new(r)?;
        if reader.entry().is_trailer() {
            break;
        }
        let e = reader.entry();
        out.push((e.name().to_string(), e.mode(), e.ino()));
        r = Box::new(reader.finish()?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree(dir: &Path) {
        fs::create_dir_all(dir.join("bootstrap/plan")).unwrap();
        fs::write(dir.join("bootstrap/plan/sysa.steps"), "bootstrap-steps 1\n").unwrap();
        fs::write(dir.join("bootstrap/runner"), "\x7fELF...").unwrap();
        fs::set_permissions(
            dir.join("bootstrap/runner"),
            fs::Permissions::from_mode(0o700),
        )
        .unwrap();
        symlink("bootstrap/runner", dir.join("init")).unwrap();
    }

    #[test]
    fn two_builds_are_identical_and_sorted() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a");
        let b = t.path().join("b");
        tree(&a);
        // Same content created in another order, other mtimes and modes.
        fs::create_dir_all(b.join("bootstrap")).unwrap();
        fs::write(b.join("bootstrap/runner"), "\x7fELF...").unwrap();
        fs::set_permissions(
            b.join("bootstrap/runner"),
            fs::Permissions::from_mode(0o751),
        )
        .unwrap();
        symlink("bootstrap/runner", b.join("init")).unwrap();
        fs::create_dir_all(b.join("bootstrap/plan")).unwrap();
        fs::write(b.join("bootstrap/plan/sysa.steps"), "bootstrap-steps 1\n").unwrap();

        for c in [Compression::None, Compression::Gzip, Compression::Xz] {
            let oa = t.path().join("a.cpio");
            let ob = t.path().join("b.cpio");
            write(&a, &standard_nodes(), 0, c, &oa).unwrap();
            write(&b, &standard_nodes(), 0, c, &ob).unwrap();
            assert_eq!(fs::read(&oa).unwrap(), fs::read(&ob).unwrap(), "{c:?}");
        }
        let oa = t.path().join("a.cpio");
        write(&a, &standard_nodes(), 0, Compression::None, &oa).unwrap();
        let names = list(&oa).unwrap();
        let expect = [
            ("bootstrap", 0o040755),
            ("bootstrap/plan", 0o040755),
            ("bootstrap/plan/sysa.steps", 0o100644),
            ("bootstrap/runner", 0o100755),
            ("dev", 0o040755),
            ("dev/console", 0o020600),
            ("dev/null", 0o020666),
            ("init", 0o120777),
        ];
        assert_eq!(names.len(), expect.len(), "{names:?}");
        for (i, ((n, m, ino), (en, em))) in names.iter().zip(expect).enumerate() {
            assert_eq!((n.as_str(), *m, *ino), (en, em, i as u32 + 1));
        }
    }

    #[test]
    fn mtime_changes_bytes_and_fifo_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a");
        tree(&a);
        let o1 = t.path().join("1");
        let o2 = t.path().join("2");
        write(&a, &[], 0, Compression::None, &o1).unwrap();
        write(&a, &[], 1, Compression::None, &o2).unwrap();
        assert_ne!(fs::read(&o1).unwrap(), fs::read(&o2).unwrap());
        nix::unistd::mkfifo(
            &a.join("fifo"),
            nix::sys::stat::Mode::from_bits_truncate(0o644),
        )
        .unwrap();
        let e = write(&a, &[], 0, Compression::None, &t.path().join("3")).unwrap_err();
        assert!(
            e.to_string()
                .contains("only directories, regular files and symlinks"),
            "{e}"
        );
        assert!(!t.path().join("3").exists());
    }
}
