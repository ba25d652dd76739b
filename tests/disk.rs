//! `disk`: the QEMU target disk image. Two builds from trees with the same
//! content but different host metadata are byte-identical; the label, UUID
//! and partition table are where they should be; files come back out with
//! `read_file` and `extract_dir`, also after an unclean guest shutdown.
//! Needs e2fsprogs (not root); skipped without it, required under CI=true.

mod common;
use common::sbin;

use std::fs::{self, File, FileTimes};
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use bootstrap::image::disk;

const UUID: &str = "5eed0000-b007-4000-8000-000000000001";
const SIZE: u64 = 128 << 20;
const PART: u64 = 1 << 20;

fn have_tools() -> bool {
    match disk::check_tools() {
        Ok(()) => true,
        Err(e) if std::env::var("CI").is_ok_and(|v| !v.is_empty()) => {
            panic!("required under CI: {e:#}")
        }
        Err(e) => {
            eprintln!("SKIPPED disk: {e:#}");
            false
        }
    }
}

enum Item {
    Dir,
    File(Vec<u8>, u32),
    Link(&'static str),
}

/// Deterministic pseudo-random bytes (several blocks, not all zero).
fn noise(n: usize) -> Vec<u8> {
    let mut x: u32 = 12345;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect()
}

fn items() -> Vec<(&'static str, Item)> {
    vec![
        ("bin", Item::Dir),
        (
            "bin/run",
            Item::File(b"#!/bin/sh\necho hi\n".to_vec(), 0o755),
        ),
        ("bin/sh", Item::Link("run")),
        ("empty", Item::File(Vec::new(), 0o644)),
        ("etc", Item::Dir),
        ("etc/config", Item::File(b"key=value\n".to_vec(), 0o644)),
        ("etc/abs", Item::Link("/etc/config")),
        ("etc/deep", Item::Dir),
        ("etc/deep/er", Item::Dir),
        ("etc/deep/er/data.bin", Item::File(noise(200_000), 0o644)),
        (
            "etc/deep/long-link",
            Item::Link("../../bin/a-target-name-long-enough-for-a-slow-symlink-in-a-block"),
        ),
        ("odd \"name\" here", Item::File(b"odd\n".to_vec(), 0o644)),
    ]
}

/// Lay `items()` below `root`, in the given order, with host metadata that
/// depends on `variant`: times, permission bits beyond x, owner (as root).
fn lay(root: &Path, reverse: bool, variant: u64) {
    let mut list = items();
    if reverse {
        list.reverse();
    }
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 * (variant + 1));
    for (rel, item) in &list {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        match item {
            Item::Dir => fs::create_dir_all(&p).unwrap(),
            Item::File(data, mode) => {
                fs::write(&p, data).unwrap();
                // 0600/0700 in one variant: only the x bit may matter.
                let mode = if variant == 1 { mode & 0o700 } else { *mode };
                fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
            }
            Item::Link(t) => std::os::unix::fs::symlink(t, &p).unwrap(),
        }
    }
    for (rel, item) in &list {
        let p = root.join(rel);
        if !matches!(item, Item::Link(_)) {
            let f = File::open(&p).unwrap();
            f.set_times(FileTimes::new().set_accessed(when).set_modified(when))
                .unwrap();
        }
        if variant == 1 && nix::unistd::geteuid().is_root() {
            std::os::unix::fs::lchown(&p, Some(65534), Some(65534)).unwrap();
        }
    }
}

fn build(content: &Path, out: &Path, label: &str, mtime: u32) {
    disk::build_image(
        content,
        out,
        SIZE,
        label,
        UUID,
        mtime,
        disk::Modes::Fixed { private: &[] },
    )
    .unwrap_or_else(|e| panic!("build_image: {e:#}"));
}

fn spec(image: &Path) -> String {
    format!("{}?offset={PART}", image.display())
}

fn superblock(image: &Path) -> [u8; 1024] {
    let mut b = [0u8; 1024];
    File::open(image)
        .unwrap()
        .read_exact_at(&mut b, PART + 1024)
        .unwrap();
    b
}

#[test]
fn builds_are_byte_identical_whatever_the_host_metadata() {
    if !have_tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    lay(&a, false, 0);
    let img = |n: &str| t.path().join(n);
    build(&a, &img("a0.img"), "BOOTSTRAP", 0);
    build(&a, &img("a1.img"), "BOOTSTRAP", 1_700_000_000);
    // Another tree with the same content, created in the other order, with
    // other times, permission bits and owner, built at another second (the
    // times e2fsprogs stamps itself must not leak).
    lay(&b, true, 1);
    std::thread::sleep(Duration::from_millis(1100));
    build(&b, &img("b0.img"), "BOOTSTRAP", 0);
    build(&b, &img("b1.img"), "BOOTSTRAP", 1_700_000_000);
    build(&b, &img("label.img"), "OTHER", 0);

    let read = |n: &str| fs::read(img(n)).unwrap();
    let a0 = read("a0.img");
    assert_eq!(a0.len() as u64, SIZE);
    assert!(a0 == read("b0.img"), "mtime 0: builds differ");
    assert!(
        read("a1.img") == read("b1.img"),
        "mtime 1.7e9: builds differ"
    );
    assert!(a0 != read("a1.img"), "mtime has no effect");
    assert!(a0 != read("label.img"), "label has no effect");

    // The filesystem is sound.
    let o = Command::new(sbin("e2fsck").expect("e2fsck"))
        .args(["-fn", &spec(&img("a0.img"))])
        .output()
        .unwrap();
    assert!(o.status.success(), "e2fsck: {o:?}");

    // The partition table: disk id from the UUID, the Linux partition,
    // then the 64 MiB ESP at the end; GRUB's boot code before them and its
    // core image after.
    let esp_first = (SIZE - (64 << 20)) / 512;
    assert_eq!(a0[440..444], [0x00, 0x00, 0xED, 0x5E]);
    assert_eq!(a0[450], 0x83);
    assert_eq!(a0[454..458], 2048u32.to_le_bytes());
    assert_eq!(a0[458..462], ((esp_first - 2048) as u32).to_le_bytes());
    assert_eq!(a0[466], 0xEF);
    assert_eq!(a0[470..474], (esp_first as u32).to_le_bytes());
    assert_eq!(a0[474..478], ((64u32 << 20) / 512).to_le_bytes());
    assert_eq!(a0[510..512], [0x55, 0xAA]);
    let grub_boot = fs::read("/usr/lib/grub/i386-pc/boot.img").unwrap();
    assert_eq!(a0[..440], grub_boot[..440], "GRUB's MBR code");
    // (Its first sector's code; grub-mkimage fills in the block list at
    // the sector's end.)
    let diskboot = fs::read("/usr/lib/grub/i386-pc/diskboot.img").unwrap();
    assert_eq!(
        a0[512..512 + 256],
        diskboot[..256],
        "GRUB's core image from sector 1"
    );
    // The ESP: FAT32 labelled BSEFI holding GRUB's EFI image where
    // firmware looks on a disk without boot entries.
    let esp = &a0[(esp_first * 512) as usize..];
    assert_eq!(&esp[0x52..0x5A], b"FAT32   ");
    assert_eq!(&esp[0x47..0x52], b"BSEFI      ");
    let o = Command::new("mdir")
        .env("MTOOLS_SKIP_CHECK", "1")
        .args(["-b", "-/", "-i"])
        .arg(format!("{}@@{}", img("a0.img").display(), esp_first * 512))
        .arg("::/")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "::/EFI/\n::/EFI/BOOT/\n::/EFI/BOOT/BOOTX64.EFI"
    );

    // The superblock: magic, UUID, label.
    let sb = superblock(&img("a0.img"));
    assert_eq!(sb[0x38..0x3A], [0x53, 0xEF]);
    assert_eq!(
        sb[0x68..0x78],
        [0x5e, 0xed, 0x00, 0x00, 0xb0, 0x07, 0x40, 0x00, 0x80, 0x00, 0, 0, 0, 0, 0, 1]
    );
    assert_eq!(&sb[0x78..0x88], b"BOOTSTRAP\0\0\0\0\0\0\0");
    assert_eq!(
        &superblock(&img("label.img"))[0x78..0x88],
        b"OTHER\0\0\0\0\0\0\0\0\0\0\0"
    );
    let entries: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(entries.is_empty(), "temporary files left: {entries:?}");
}

/// Same type, content, x bit and link target everywhere below both roots.
fn assert_same_tree(want: &Path, got: &Path) {
    let names = |d: &Path| {
        let mut v: Vec<_> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "lost+found")
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(want), names(got), "{}", got.display());
    for n in names(want) {
        let (w, g) = (want.join(&n), got.join(&n));
        let (wm, gm) = (
            fs::symlink_metadata(&w).unwrap(),
            fs::symlink_metadata(&g).unwrap(),
        );
        assert_eq!(wm.file_type(), gm.file_type(), "{}", g.display());
        if wm.is_dir() {
            assert_same_tree(&w, &g);
        } else if wm.file_type().is_symlink() {
            assert_eq!(fs::read_link(&w).unwrap(), fs::read_link(&g).unwrap());
        } else {
            assert_eq!(
                fs::read(&w).unwrap(),
                fs::read(&g).unwrap(),
                "{}",
                g.display()
            );
            let x = |m: &fs::Metadata| m.permissions().mode() & 0o111 != 0;
            assert_eq!(x(&wm), x(&gm), "exec bit of {}", g.display());
        }
    }
}

#[test]
fn files_come_back_out() {
    if !have_tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let content = t.path().join("content");
    lay(&content, false, 0);
    let image = t.path().join("disk.img");
    build(&content, &image, "BOOTSTRAP", 0);

    let data = disk::read_file(&image, "/etc/deep/er/data.bin").unwrap();
    assert!(data == noise(200_000), "data.bin differs");
    assert_eq!(
        disk::read_file(&image, "/odd \"name\" here").unwrap(),
        b"odd\n"
    );
    assert_eq!(disk::read_file(&image, "/empty").unwrap(), b"");
    let e = disk::read_file(&image, "/etc/nope").unwrap_err();
    assert!(
        format!("{e:#}").contains("/etc/nope: no such file"),
        "{e:#}"
    );
    let e = disk::read_file(&image, "/etc").unwrap_err();
    assert!(format!("{e:#}").contains("not a regular file"), "{e:#}");

    let whole = t.path().join("out/whole");
    disk::extract_dir(&image, "/", &whole).unwrap();
    assert_same_tree(&content, &whole);
    // rdump keeps the image's times: every inode got `mtime` (0 here).
    let md = fs::metadata(whole.join("etc/deep/er/data.bin")).unwrap();
    assert_eq!(md.modified().unwrap(), SystemTime::UNIX_EPOCH);
    let etc = t.path().join("out/etc");
    fs::create_dir_all(etc.join("stale")).unwrap();
    disk::extract_dir(&image, "/etc", &etc).unwrap();
    assert_same_tree(&content.join("etc"), &etc);
    let e = disk::extract_dir(&image, "/bin/run", &t.path().join("x")).unwrap_err();
    assert!(format!("{e:#}").contains("not a directory"), "{e:#}");

    let e = disk::read_file(&content.join("empty"), "/x").unwrap_err();
    assert!(format!("{e:#}").contains("not a disk image"), "{e:#}");
}

#[test]
fn content_too_large_names_both_sizes() {
    if !have_tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let content = t.path().join("content");
    fs::create_dir(&content).unwrap();
    fs::write(content.join("big"), noise(20_000_000)).unwrap();
    let out = t.path().join("small.img");
    let e = disk::build_image(
        &content,
        &out,
        80 << 20,
        "B",
        UUID,
        0,
        disk::Modes::Fixed { private: &[] },
    )
    .unwrap_err();
    let msg = format!("{e:#}");
    assert!(msg.contains("20000000 bytes"), "{msg}");
    assert!(msg.contains("83886080-byte image"), "{msg}");
    assert!(msg.contains("bytes and"), "{msg}");
    assert_eq!(fs::read_dir(t.path()).unwrap().count(), 1, "leftovers");
}

/// A guest that powers off without unmounting leaves recent metadata in the
/// journal only. Simulated without a kernel: the blocks that writing a file
/// changes are put in a journal transaction instead of in place.
#[test]
fn reading_replays_a_pending_journal() {
    if !have_tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let content = t.path().join("content");
    lay(&content, false, 0);
    let image = t.path().join("disk.img");
    build(&content, &image, "BOOTSTRAP", 0);
    let after = t.path().join("after.img");
    fs::copy(&image, &after).unwrap();
    let late = t.path().join("late");
    fs::write(&late, "written just before power-off\n").unwrap();
    let debugfs = |img: &Path, args: &[&str]| {
        let o = Command::new(sbin("debugfs").expect("debugfs"))
            .args(args)
            .arg(spec(img))
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
    };
    let req = format!("write {} /late", late.display());
    debugfs(&after, &["-w", "-R", &req]);

    // Changed blocks of the partition, except block 0 (superblock).
    let (old, new) = (fs::read(&image).unwrap(), fs::read(&after).unwrap());
    let (mut blocks, mut tx) = (Vec::new(), Vec::new());
    for (i, (o, n)) in old[PART as usize..]
        .chunks(4096)
        .zip(new[PART as usize..].chunks(4096))
        .enumerate()
        .skip(1)
    {
        if o != n {
            blocks.push(i.to_string());
            tx.extend_from_slice(n);
        }
    }
    assert!(!blocks.is_empty());
    let txfile = t.path().join("tx");
    fs::write(&txfile, tx).unwrap();
    let script = t.path().join("journal.debugfs");
    let jw = format!("jo\njw -b {} {}\njc\n", blocks.join(","), txfile.display());
    fs::write(&script, jw).unwrap();
    debugfs(&image, &["-w", "-f", script.to_str().unwrap()]);
    let incompat = |img: &Path| u32::from_le_bytes(superblock(img)[0x60..0x64].try_into().unwrap());
    assert!(incompat(&image) & 0x4 != 0, "setup: needs_recovery not set");

    assert_eq!(
        disk::read_file(&image, "/late").unwrap(),
        b"written just before power-off\n"
    );
    assert_eq!(incompat(&image) & 0x4, 0, "needs_recovery still set");
    assert_eq!(
        disk::read_file(&image, "/etc/config").unwrap(),
        b"key=value\n"
    );
}
