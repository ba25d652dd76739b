//! Deterministic raw disk images for `run --qemu` and bare metal, built and
//! read back without root: an MBR with a Linux partition at 1 MiB holding
//! ext4 and, at the end of the disk, an EFI system partition; GRUB's BIOS
//! boot code in the MBR and its core image in the gap before the first
//! partition, its EFI image on the ESP. Both GRUBs find the ext4 by its
//! label and read `/boot/grub/grub.cfg` there, which the finished system
//! installs (sysc's `system`): once the run is done, the disk boots on its
//! own, from legacy BIOS or UEFI. Until then GRUB stops at its prompt.
//!
//! Two builds from the same content are byte-identical whatever the host
//! files' owners, modes (beyond the executable bit), times and extended
//! attributes, and whenever they run. What that takes with e2fsprogs 1.47.0
//! (each point checked by experiment):
//!
//! - `mke2fs` formats an empty filesystem (fixed UUID, hash seed, our own
//!   `mke2fs.conf` so the host's defaults do not pick the features) and
//!   `debugfs` fills it in sorted order. Not `mke2fs -d`: it copies the host
//!   uid/gid, atime and ctime (which nobody can set) and every extended
//!   attribute (SELinux labels), and removing attributes afterwards does not
//!   give back the same bytes.
//! - `E2FSPROGS_FAKE_TIME` fixes the times e2fsprogs stamps itself
//!   (superblock, root, lost+found, journal), but `0` counts as unset, so it
//!   gets `max(mtime, 1)`; every inode's times are then set to exactly
//!   `mtime` with `debugfs sif`. The superblock times stay `max(mtime, 1)`.
//!   `SOURCE_DATE_EPOCH` is ignored by 1.47.0.
//! - Modes are reduced to 0755/0644 as in the initramfs; owners are 0:0.
//! - The MBR is our own 512 bytes (with GRUB's boot code), written after the
//!   filesystems so no tool sees or touches it. The ESP is made like the
//!   bare-metal boot image's FAT (`fat`: `--invariant`, fixed id and times).
//!
//! Reading uses `debugfs` on `IMAGE?offset=1048576` (no loop device). A guest
//! that powered off without unmounting leaves committed metadata in the
//! journal only, so reading first replays it, in place, as a mount would.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs::{self, File};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{bail, Context, Result};

use crate::image::fat;
use crate::image::grub::{self, Platform};
use crate::util::{cmd, fsutil};

/// Where the partition starts: 1 MiB, the usual alignment.
pub const PARTITION_OFFSET: u64 = 1 << 20;
const SECTOR: u64 = 512;
const BLOCK_SIZE: u64 = 4096;
const FIRST_LBA: u32 = (PARTITION_OFFSET / SECTOR) as u32;
const LINUX_PARTITION: u8 = 0x83;
const EFI_SYSTEM_PARTITION: u8 = 0xEF;
/// The ESP: FAT32 (what the UEFI specification asks of a fixed disk's ESP),
/// at its smallest comfortable size; it holds only GRUB's EFI image.
const ESP_BYTES: u64 = 64 << 20;
const ESP_LABEL: &str = "BSEFI";
/// GRUB's modules on the finished disk: find the ext4 by label, read it,
/// boot Linux, give grub.cfg the partition's id (`probe`), `test` and
/// `echo`, and talk on the serial port as well as the screen.
const GRUB_COMMON: [&str; 11] = [
    "part_msdos",
    "ext2",
    "search",
    "search_label",
    "probe",
    "test",
    "echo",
    "normal",
    "linux",
    "serial",
    "terminal",
];

/// ext4 superblock: `s_feature_incompat` bits we look at.
const INCOMPAT_RECOVER: u32 = 0x4;
const INCOMPAT_64BIT: u32 = 0x80;

/// Pinned instead of the host's /etc/mke2fs.conf (the features decide the
/// bytes). Debian's ext4 set: no `orphan_file`, which kernels before 5.15
/// cannot mount.
const MKE2FS_CONF: &str = "\
[defaults]
\tbase_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
\tdefault_mntopts = acl,user_xattr
\tenable_periodic_fsck = 0
\tblocksize = 4096
\tinode_size = 256
\tinode_ratio = 16384

[fs_types]
\text4 = {
\t\tfeatures = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
\t}
";

/// The inodes mke2fs stamps with the current time itself: bad blocks (1),
/// root (2), resize (7), journal (8), lost+found (11).
const RESERVED_INODES: [u32; 5] = [1, 2, 7, 8, 11];

/// Fail early, naming the package, if e2fsprogs, GRUB's images, dosfstools
/// or mtools are missing.
pub fn check_tools() -> Result<()> {
    for t in ["mke2fs", "debugfs", "e2fsck"] {
        find_tool(t)?;
    }
    grub::check_tools()?;
    fat::check_tools()
}

/// Build the raw image `out` (replaced atomically) of `size_bytes`: an MBR
/// whose disk signature is the first 8 hex digits of `uuid` (so the kernel
/// finds the root as `PARTUUID=<those digits>-01`), a Linux partition from
/// 1 MiB to the ESP, ext4 in it with `label` and `uuid`, holding a copy of
/// the tree `content` (directories, regular files, symlinks; owners 0:0,
/// every time `mtime`, modes as `modes` says), and GRUB set to boot what
/// the tree's `/boot/grub/grub.cfg` says.
pub fn build_image(
    content: &Path,
    out: &Path,
    size_bytes: u64,
    label: &str,
    uuid: &str,
    mtime: u32,
    modes: Modes,
) -> Result<()> {
    let uuid_bytes = parse_uuid(uuid)?;
    if label.len() > 16 {
        bail!("filesystem label {label:?} is longer than ext4's 16 bytes");
    }
    let l = layout(size_bytes)?;
    let fs_blocks = u64::from(l.linux_sectors) * SECTOR / BLOCK_SIZE;
    let mke2fs = find_tool("mke2fs")?;
    let debugfs = find_tool("debugfs")?;
    let content = content
        .canonicalize()
        .with_context(|| format!("content directory {}", content.display()))?;
    let skip = match modes {
        Modes::FromTree { skip } => skip,
        Modes::Fixed { .. } => &[],
    };
    let entries = collect(&content, skip)?;

    let dir = out.parent().filter(|p| !p.as_os_str().is_empty());
    let name = out
        .file_name()
        .with_context(|| format!("{}: not a file name", out.display()))?;
    let tmp = dir.unwrap_or(Path::new(".")).join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let spec = partition_spec(&tmp)?;
    let work = tempfile::tempdir().context("creating a temporary directory")?;
    // 0 would mean "not set" to e2fsprogs, i.e. the current time.
    let fake_time = mtime.max(1).to_string();

    let result = (|| -> Result<()> {
        let f = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        // Sparse: what is never written reads as zeros.
        f.set_len(size_bytes)?;

        let conf = work.path().join("mke2fs.conf");
        fs::write(&conf, MKE2FS_CONF)?;
        let mut cmd = tool_command(&mke2fs);
        cmd.env("MKE2FS_CONFIG", &conf)
            .env("E2FSPROGS_FAKE_TIME", &fake_time)
            .args([
                "-q", "-F", "-t", "ext4", "-b", "4096", "-m", "0", "-L", label,
            ])
            .args(["-U", uuid, "-E"])
            .arg(format!(
                "offset={PARTITION_OFFSET},hash_seed={uuid},root_owner=0:0,\
                 lazy_itable_init=0,lazy_journal_init=0"
            ))
            .arg(&tmp)
            .arg(fs_blocks.to_string());
        let o = run(&mut cmd, "mke2fs")?;
        if !o.status.success() {
            bail!("mke2fs failed ({}): {}", o.status, stderr_text(&o));
        }
        let sb = Superblock::read(&tmp)?;

        let script = work.path().join("populate.debugfs");
        fs::write(&script, populate_script(&entries, mtime, modes)?)?;
        let mut cmd = tool_command(&debugfs);
        cmd.env("E2FSPROGS_FAKE_TIME", &fake_time)
            .arg("-w")
            .arg("-f")
            .arg(&script)
            .arg(&spec);
        let errors = debugfs_errors(&run(&mut cmd, "debugfs")?)?;
        if errors.iter().any(|e| e.contains("Could not allocate")) {
            let bytes: u64 = entries.iter().map(|e| e.len).sum();
            bail!(
                "{}: {bytes} bytes in {} entries do not fit in a {size_bytes}-byte image \
                 (its filesystem has {} bytes and {} inodes free); give a larger size",
                content.display(),
                entries.len(),
                sb.free_blocks * sb.block_size,
                sb.free_inodes
            );
        }
        if !errors.is_empty() {
            bail!("debugfs failed filling the image: {}", errors.join("; "));
        }

        let core = install_grub(&tmp, &l, label, &uuid_bytes, work.path())?;
        let mut mbr = mbr(disk_signature(&uuid_bytes), &l);
        mbr[..grub::BOOT_CODE_LEN].copy_from_slice(&grub::bios_boot_code()?);
        f.write_all_at(&mbr, 0)?;
        f.write_all_at(&core, SECTOR)?;
        f.sync_all()?;
        fs::rename(&tmp, out)
            .with_context(|| format!("renaming {} to {}", tmp.display(), out.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("building disk image {}", out.display()))
}

/// The contents of the regular file `path_in_fs` (absolute) in the image's
/// filesystem.
pub fn read_file(image: &Path, path_in_fs: &str) -> Result<Vec<u8>> {
    let spec = open_for_reading(image)?;
    let kind = inode_type(&spec, image, path_in_fs)?;
    if kind != "regular" {
        bail!(
            "{path_in_fs} in {}: a {kind}, not a regular file",
            image.display()
        );
    }
    let mut cmd = tool_command(&find_tool("debugfs")?);
    cmd.arg("-R")
        .arg(format!("cat {}", quote(path_in_fs)?))
        .arg(&spec);
    let o = run(&mut cmd, "debugfs")?;
    let errors = debugfs_errors(&o)?;
    if !errors.is_empty() {
        bail!(
            "reading {path_in_fs} from {}: {}",
            image.display(),
            errors.join("; ")
        );
    }
    Ok(o.stdout)
}

/// Recreate the directory `dir_in_fs` (absolute) of the image's filesystem as
/// `dest` (replaced if it exists): files, directories and symlinks, with
/// their modes and times. Owners are kept only when running as root.
pub fn extract_dir(image: &Path, dir_in_fs: &str, dest: &Path) -> Result<()> {
    let spec = open_for_reading(image)?;
    let kind = inode_type(&spec, image, dir_in_fs)?;
    if kind != "directory" {
        bail!(
            "{dir_in_fs} in {}: a {kind}, not a directory",
            image.display()
        );
    }
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    // Staged beside `dest` so the final rename stays on one filesystem.
    let staging = tempfile::Builder::new()
        .prefix(".extract-")
        .tempdir_in(parent)
        .with_context(|| format!("creating a temporary directory in {}", parent.display()))?;
    // rdump creates <to>/<basename>, or dumps the root's entries into <to>.
    let trimmed = dir_in_fs.trim_end_matches('/');
    let (to, result) = match trimmed.rsplit_once('/') {
        Some((_, base)) if !base.is_empty() => {
            (staging.path().to_path_buf(), staging.path().join(base))
        }
        _ => {
            let root = staging.path().join("root");
            fs::create_dir(&root)?;
            (root.clone(), root)
        }
    };
    let Some(to_str) = to.to_str() else {
        bail!("{}: path is not UTF-8", to.display());
    };
    let mut cmd = tool_command(&find_tool("debugfs")?);
    cmd.arg("-R")
        .arg(format!("rdump {} {}", quote(dir_in_fs)?, quote(to_str)?))
        .arg(&spec);
    let o = run(&mut cmd, "debugfs")?;
    // Not being root, rdump cannot give the files owner 0 and says so for
    // each; that is expected, anything else is not.
    let errors: Vec<String> = debugfs_errors(&o)?
        .into_iter()
        .filter(|e| !e.contains("while changing ownership of"))
        .collect();
    if !errors.is_empty() {
        bail!(
            "extracting {dir_in_fs} from {}: {}",
            image.display(),
            errors.join("; ")
        );
    }
    fsutil::remove_any(dest).with_context(|| format!("removing old {}", dest.display()))?;
    fs::rename(&result, dest)
        .with_context(|| format!("moving the extracted tree to {}", dest.display()))?;
    Ok(())
}

/// Where the partitions are, in sectors.
#[derive(Debug, PartialEq, Eq)]
struct Layout {
    /// The Linux partition starts at FIRST_LBA.
    linux_sectors: u32,
    /// The ESP: 1 MiB aligned, at the end of the disk.
    esp_first: u32,
    esp_sectors: u32,
}

fn layout(size_bytes: u64) -> Result<Layout> {
    if size_bytes % SECTOR != 0 {
        bail!("disk size {size_bytes} is not a multiple of {SECTOR} bytes");
    }
    let esp_sectors = ESP_BYTES / SECTOR;
    let align = PARTITION_OFFSET / SECTOR;
    let total = size_bytes / SECTOR;
    let Some(esp_first) = total.checked_sub(esp_sectors).map(|s| s / align * align) else {
        bail!("disk size {size_bytes} is too small for the {ESP_BYTES}-byte EFI system partition");
    };
    if esp_first * SECTOR <= PARTITION_OFFSET + 16 * BLOCK_SIZE {
        bail!(
            "disk size {size_bytes} is too small for a partition at {PARTITION_OFFSET} \
             and the {ESP_BYTES}-byte EFI system partition"
        );
    }
    let (Ok(esp_first), Ok(esp_sectors)) = (u32::try_from(esp_first), u32::try_from(esp_sectors))
    else {
        bail!("disk size {size_bytes} is beyond what an MBR partition can describe (2 TiB)");
    };
    Ok(Layout {
        linux_sectors: esp_first - FIRST_LBA,
        esp_first,
        esp_sectors,
    })
}

/// What GRUB runs first, from either firmware: its messages on the first
/// serial port too (a machine without one only says so), find the
/// filesystem by its label, then read that filesystem's
/// `/boot/grub/grub.cfg`.
fn grub_embedded(label: &str) -> String {
    format!(
        "serial --unit=0 --speed=115200\n\
         terminal_input --append serial\n\
         terminal_output --append serial\n\
         search --no-floppy --label {label} --set root\n\
         set prefix=($root)/boot/grub\n"
    )
}

/// Format the ESP of the image `image` and put GRUB's EFI image on it;
/// return GRUB's BIOS core image (for the sectors after the MBR).
fn install_grub(
    image: &Path,
    l: &Layout,
    label: &str,
    uuid: &[u8; 16],
    work: &Path,
) -> Result<Vec<u8>> {
    let embedded = grub_embedded(label);
    let core = work.join("core.img");
    let mut bios = GRUB_COMMON.to_vec();
    bios.push("biosdisk");
    grub::Image {
        platform: Platform::Bios,
        modules: &bios,
        prefix: "/boot/grub",
        embedded: Some(&embedded),
    }
    .make(&core, work)?;
    grub::check_core_fits(&core, FIRST_LBA)?;
    let efi = work.join("BOOTX64.EFI");
    let mut uefi = GRUB_COMMON.to_vec();
    uefi.push("efi_gop");
    grub::Image {
        platform: Platform::Efi,
        modules: &uefi,
        prefix: "/boot/grub",
        embedded: Some(&embedded),
    }
    .make(&efi, work)?;
    let esp = fat::Partition {
        image,
        first_lba: l.esp_first,
        bytes: u64::from(l.esp_sectors) * SECTOR,
    };
    // The volume id: the UUID's last four bytes (the first four are the
    // disk signature).
    let id = u32::from_be_bytes([uuid[12], uuid[13], uuid[14], uuid[15]]);
    esp.format(ESP_LABEL, id, work)?;
    // The path firmware boots when no boot entry names another.
    esp.copy_in(&[(efi.as_path(), "/EFI/BOOT/BOOTX64.EFI")], work)?;
    Ok(fs::read(&core)?)
}

/// The MBR disk signature: the UUID's first four bytes, read big-endian so
/// that Linux prints it (PTUUID) as the UUID's first 8 hex digits.
fn disk_signature(uuid: &[u8; 16]) -> u32 {
    u32::from_be_bytes([uuid[0], uuid[1], uuid[2], uuid[3]])
}

/// The disk's partition table (no boot code yet): the Linux partition,
/// active (some BIOSes boot only a disk with an active partition), then
/// the ESP.
fn mbr(disk_id: u32, l: &Layout) -> [u8; 512] {
    partition_table(
        disk_id,
        &[
            PartitionEntry {
                first_lba: FIRST_LBA,
                sectors: l.linux_sectors,
                kind: LINUX_PARTITION,
                active: true,
            },
            PartitionEntry {
                first_lba: l.esp_first,
                sectors: l.esp_sectors,
                kind: EFI_SYSTEM_PARTITION,
                active: false,
            },
        ],
    )
}

/// One primary partition of a DOS partition table.
pub struct PartitionEntry {
    pub first_lba: u32,
    pub sectors: u32,
    /// The partition type (0x83 Linux, 0xEF EFI system, 0x0C FAT32 LBA).
    pub kind: u8,
    pub active: bool,
}

/// A DOS partition table (no boot code) with up to four primary partitions.
pub fn partition_table(disk_id: u32, entries: &[PartitionEntry]) -> [u8; 512] {
    // LBA-only entries: CHS "beyond 1024 cylinders" for both ends, as
    // partitioning tools write when CHS cannot express the address.
    const CHS_MAX: [u8; 3] = [0xFE, 0xFF, 0xFF];
    assert!(entries.len() <= 4, "an MBR has four primary partitions");
    let mut m = [0u8; 512];
    m[440..444].copy_from_slice(&disk_id.to_le_bytes());
    for (i, p) in entries.iter().enumerate() {
        let e = &mut m[446 + 16 * i..462 + 16 * i];
        e[0] = if p.active { 0x80 } else { 0x00 };
        e[1..4].copy_from_slice(&CHS_MAX);
        e[4] = p.kind;
        e[5..8].copy_from_slice(&CHS_MAX);
        e[8..12].copy_from_slice(&p.first_lba.to_le_bytes());
        e[12..16].copy_from_slice(&p.sectors.to_le_bytes());
    }
    m[510] = 0x55;
    m[511] = 0xAA;
    m
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` → 16 bytes.
fn parse_uuid(s: &str) -> Result<[u8; 16]> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    if !shape_ok {
        bail!("{s:?} is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    }
    let hex: Vec<u8> = b.iter().copied().filter(|c| *c != b'-').collect();
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let s = std::str::from_utf8(pair).expect("ASCII hex");
        out[i] = u8::from_str_radix(s, 16).expect("checked hex");
    }
    Ok(out)
}

/// One argument for debugfs's command parser (libss): always in double
/// quotes, a quote doubled. It has no way to escape a newline.
fn quote(s: &str) -> Result<String> {
    if s.contains('\n') {
        bail!("{s:?}: a newline cannot be passed to debugfs");
    }
    Ok(format!("\"{}\"", s.replace('"', "\"\"")))
}

/// The partition as debugfs names it: `IMAGE?offset=N`, parsed by libext2fs,
/// hence no `?` in the image path.
fn partition_spec(image: &Path) -> Result<OsString> {
    if image.as_os_str().as_bytes().contains(&b'?') {
        bail!(
            "{}: e2fsprogs cannot open a path containing '?'",
            image.display()
        );
    }
    let mut s = image.as_os_str().to_os_string();
    s.push(format!("?offset={PARTITION_OFFSET}"));
    Ok(s)
}

/// The modes an image's files get.
#[derive(Debug, Clone, Copy)]
pub enum Modes<'a> {
    /// 0755 for directories and executables, 0644 for other files, and
    /// 0700/0600 for the paths in `private` (absolute in the filesystem,
    /// e.g. `/etc/shadow`): for trees the host laid from the project, whose
    /// modes follow the checkout's umask, which is not an input.
    Fixed { private: &'a [&'a str] },
    /// The permission bits (setuid, setgid and sticky included) of the
    /// tree's own files: for a system the guest installed, whose modes are
    /// its steps' (`install -m`, `chmod`) and part of what it built. The
    /// paths in `skip` (absolute in the tree) stay out, with all below them.
    FromTree { skip: &'a [&'a str] },
}

enum Kind {
    Dir,
    File { host: String, exec: bool },
    Symlink(String),
}

struct Entry {
    /// Absolute path in the filesystem.
    path: String,
    kind: Kind,
    /// Permission bits of the tree's copy.
    perm: u32,
    /// Bytes of a regular file (for the "does not fit" message).
    len: u64,
}

/// The tree below `root`, parents before children, each directory's entries
/// in byte order: the order decides inode and block numbers.
fn collect(root: &Path, skip: &[&str]) -> Result<Vec<Entry>> {
    fn walk(root: &Path, dir: &Path, skip: &[&str], out: &mut Vec<Entry>) -> Result<()> {
        let listing =
            fsutil::sorted_entries(dir).with_context(|| format!("listing {}", dir.display()))?;
        for p in listing {
            let rel = p.strip_prefix(root).expect("below root");
            let Some(rel) = rel.to_str() else {
                bail!("{}: file name is not UTF-8", p.display());
            };
            if skip.contains(&format!("/{rel}").as_str()) {
                continue;
            }
            let md = fs::symlink_metadata(&p).with_context(|| format!("{}", p.display()))?;
            let ft = md.file_type();
            let (kind, len) = if ft.is_dir() {
                (Kind::Dir, 0)
            } else if ft.is_symlink() {
                let t = fs::read_link(&p)?;
                let Some(t) = t.to_str() else {
                    bail!("{}: link target is not UTF-8", p.display());
                };
                (Kind::Symlink(t.to_string()), 0)
            } else if ft.is_file() {
                let Some(host) = p.to_str() else {
                    bail!("{}: path is not UTF-8", p.display());
                };
                let exec = md.permissions().mode() & 0o111 != 0;
                let kind = Kind::File {
                    host: host.to_string(),
                    exec,
                };
                (kind, md.len())
            } else {
                bail!(
                    "{}: only directories, regular files and symlinks can go on the disk",
                    p.display()
                );
            };
            out.push(Entry {
                path: format!("/{rel}"),
                kind,
                perm: md.permissions().mode() & 0o7777,
                len,
            });
            if ft.is_dir() {
                walk(root, &p, skip, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, skip, &mut out)?;
    Ok(out)
}

/// debugfs commands creating `entries`, then giving every inode (theirs and
/// mke2fs's own) owner 0:0 and all four times `mtime`.
fn populate_script(entries: &[Entry], mtime: u32, modes: Modes) -> Result<String> {
    let mut s = String::new();
    let fix = |s: &mut String, target: &str| {
        for field in ["atime", "ctime", "mtime", "crtime"] {
            let _ = writeln!(s, "sif {target} {field} @{mtime}");
        }
        let _ = writeln!(s, "sif {target} uid 0");
        let _ = writeln!(s, "sif {target} gid 0");
    };
    for ino in RESERVED_INODES {
        fix(&mut s, &format!("<{ino}>"));
    }
    for e in entries {
        let p = quote(&e.path)?;
        let perm = |exec: bool| match modes {
            Modes::FromTree { .. } => e.perm,
            Modes::Fixed { private } => {
                let own = private.contains(&e.path.as_str());
                match (exec, own) {
                    (false, false) => 0o644,
                    (true, false) => 0o755,
                    (false, true) => 0o600,
                    (true, true) => 0o700,
                }
            }
        };
        match &e.kind {
            Kind::Dir => {
                let _ = writeln!(s, "mkdir {p}");
                let _ = writeln!(s, "sif {p} mode 0{:o}", 0o40000 | perm(true));
            }
            Kind::File { host, exec } => {
                let _ = writeln!(s, "write {} {p}", quote(host)?);
                let _ = writeln!(s, "sif {p} mode 0{:o}", 0o100000 | perm(*exec));
            }
            Kind::Symlink(t) => {
                let _ = writeln!(s, "symlink {p} {}", quote(t)?);
            }
        }
        fix(&mut s, &p);
    }
    Ok(s)
}

/// The fields of the ext4 superblock this module needs.
struct Superblock {
    block_size: u64,
    free_blocks: u64,
    free_inodes: u32,
    incompat: u32,
}

impl Superblock {
    fn read(image: &Path) -> Result<Superblock> {
        let f = File::open(image).with_context(|| format!("opening {}", image.display()))?;
        let mut b = [0u8; 1024];
        f.read_exact_at(&mut b, PARTITION_OFFSET + 1024)
            .with_context(|| format!("{}: reading the ext4 superblock", image.display()))?;
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"));
        if b[0x38..0x3A] != [0x53, 0xEF] {
            bail!(
                "{}: no ext4 filesystem at offset {PARTITION_OFFSET}",
                image.display()
            );
        }
        let incompat = u32_at(0x60);
        let mut free_blocks = u64::from(u32_at(0x0C));
        if incompat & INCOMPAT_64BIT != 0 {
            free_blocks |= u64::from(u32_at(0x158)) << 32;
        }
        Ok(Superblock {
            block_size: 1024 << u32_at(0x18),
            free_blocks,
            free_inodes: u32_at(0x10),
            incompat,
        })
    }
}

/// Check that `image` looks like ours, replay its journal if the guest left
/// one to replay, and give the partition's debugfs name.
fn open_for_reading(image: &Path) -> Result<OsString> {
    let f = File::open(image).with_context(|| format!("opening {}", image.display()))?;
    let len = f.metadata()?.len();
    let mut m = [0u8; 512];
    if len >= PARTITION_OFFSET + 2048 {
        f.read_exact_at(&mut m, 0)
            .with_context(|| format!("{}: reading the partition table", image.display()))?;
    }
    let start = u32::from_le_bytes(m[454..458].try_into().expect("4 bytes"));
    if m[510..512] != [0x55, 0xAA] || m[450] != LINUX_PARTITION || start != FIRST_LBA {
        bail!(
            "{}: not a disk image made by bootstrap (no Linux partition at sector {FIRST_LBA})",
            image.display()
        );
    }
    let spec = partition_spec(image)?;
    if Superblock::read(image)?.incompat & INCOMPAT_RECOVER != 0 {
        recover_journal(image, &spec)?;
    }
    Ok(spec)
}

/// Replay the journal left by a guest that powered off with the filesystem
/// mounted: until then recent metadata may exist only in the journal.
fn recover_journal(image: &Path, spec: &OsStr) -> Result<()> {
    let mut cmd = tool_command(&find_tool("e2fsck")?);
    cmd.args(["-E", "journal_only", "-p"]).arg(spec);
    // Its status is not the verdict: e2fsck 1.47.0 replays, then re-opens the
    // filesystem without the `?offset=` and fails, leaving the flag set over
    // an emptied journal. The superblock and the journal tell.
    let fsck = run(&mut cmd, "e2fsck")?;
    if Superblock::read(image)?.incompat & INCOMPAT_RECOVER == 0 {
        return Ok(());
    }
    let debugfs = find_tool("debugfs")?;
    let mut cmd = tool_command(&debugfs);
    cmd.args(["-R", "logdump"]).arg(spec);
    let log = run(&mut cmd, "debugfs")?;
    let empty = String::from_utf8_lossy(&log.stdout)
        .lines()
        .any(|l| l.starts_with("Journal starts at block 0,"));
    if !empty {
        bail!(
            "{}: the filesystem's journal needs recovery and e2fsck did not replay it: {}",
            image.display(),
            stderr_text(&fsck)
        );
    }
    let mut cmd = tool_command(&debugfs);
    cmd.args(["-w", "-R", "feature -needs_recovery"]).arg(spec);
    let errors = debugfs_errors(&run(&mut cmd, "debugfs")?)?;
    if !errors.is_empty() {
        bail!(
            "{}: clearing needs_recovery after the journal replay: {}",
            image.display(),
            errors.join("; ")
        );
    }
    Ok(())
}

/// The path asked for is not in the image's filesystem: a typed error, so
/// that a caller for whom a missing path is an answer can tell it apart
/// (`anyhow::Error::downcast_ref`) from a broken image or a missing tool.
#[derive(Debug, thiserror::Error)]
#[error("{path}: no such file in {image}")]
pub struct NotInImage {
    pub path: String,
    pub image: String,
}

/// debugfs's word for the inode at `path` ("regular", "directory",
/// "symlink", ...).
fn inode_type(spec: &OsStr, image: &Path, path: &str) -> Result<String> {
    if !path.starts_with('/') {
        bail!("{path:?}: give an absolute path in the image's filesystem");
    }
    let mut cmd = tool_command(&find_tool("debugfs")?);
    cmd.arg("-R")
        .arg(format!("stat {}", quote(path)?))
        .arg(spec);
    let o = run(&mut cmd, "debugfs")?;
    let errors = debugfs_errors(&o)?;
    if errors.iter().any(|e| e.contains("File not found")) {
        return Err(NotInImage {
            path: path.to_string(),
            image: image.display().to_string(),
        }
        .into());
    }
    if !errors.is_empty() {
        bail!("{path} in {}: {}", image.display(), errors.join("; "));
    }
    // "Inode: 14   Type: regular    Mode:  0644   Flags: 0x80000"
    let out = String::from_utf8_lossy(&o.stdout);
    out.split_whitespace()
        .skip_while(|w| *w != "Type:")
        .nth(1)
        .map(str::to_string)
        .with_context(|| {
            format!(
                "{path} in {}: unexpected debugfs stat output",
                image.display()
            )
        })
}

/// The stderr lines of a debugfs run other than its version banner. debugfs
/// exits 0 when a command fails, so these are the only failure signal.
fn debugfs_errors(o: &Output) -> Result<Vec<String>> {
    if !o.status.success() {
        bail!("debugfs failed ({}): {}", o.status, stderr_text(o));
    }
    Ok(String::from_utf8_lossy(&o.stderr)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("debugfs "))
        .map(str::to_string)
        .collect())
}

fn stderr_text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .trim()
        .replace('\n', "; ")
}

fn run(cmd: &mut Command, name: &str) -> Result<Output> {
    cmd.output().with_context(|| format!("running {name}"))
}

/// A clean environment: no host MKE2FS_*/E2FSPROGS_* settings, C locale,
/// no pager.
fn tool_command(tool: &Path) -> Command {
    let mut c = Command::new(tool);
    c.env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .env("DEBUGFS_PAGER", "__none__")
        .stdin(Stdio::null());
    c
}

fn find_tool(name: &str) -> Result<PathBuf> {
    cmd::find_tool(name, "e2fsprogs")
}

/// "2G", "512M", "1048576" → bytes.
pub fn parse_size(s: &str) -> Result<u64> {
    let s = s.trim();
    let (num, mul) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&s[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&s[..i], 1 << 30),
        Some((i, 'T' | 't')) => (&s[..i], 1 << 40),
        _ => (s, 1),
    };
    let n: u64 = num
        .parse()
        .with_context(|| format!("size '{s}': expected a number with an optional K, M, G or T"))?;
    n.checked_mul(mul)
        .with_context(|| format!("size '{s}' is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2G").unwrap(), 2 << 30);
        assert_eq!(parse_size("512m").unwrap(), 512 << 20);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    const UUID: &str = "5eed0000-b007-4000-8000-000000000001";

    #[test]
    fn mbr_has_the_linux_partition_at_1mib_and_the_esp_at_the_end() {
        let l = layout(256 << 20).unwrap();
        assert_eq!(
            l.esp_first,
            192 << 11,
            "1 MiB aligned, 64 MiB before the end"
        );
        assert_eq!(l.esp_sectors, 64 << 11);
        let sectors = l.linux_sectors;
        assert_eq!(sectors, (192 << 11) - 2048);
        // A size that is not whole MiB: the ESP still starts on a MiB.
        let odd = layout((256 << 20) + 3 * 512).unwrap();
        assert_eq!(odd, l);
        let m = mbr(disk_signature(&parse_uuid(UUID).unwrap()), &l);
        assert!(m[..440].iter().all(|b| *b == 0), "no boot code yet");
        assert_eq!(
            m[440..444],
            [0x00, 0x00, 0xED, 0x5E],
            "disk id 0x5eed0000, LE"
        );
        assert_eq!(m[444..446], [0, 0]);
        let e = &m[446..462];
        assert_eq!(e[0], 0x80, "status: active");
        assert_eq!(e[1..4], [0xFE, 0xFF, 0xFF], "CHS first");
        assert_eq!(e[4], 0x83, "type");
        assert_eq!(e[5..8], [0xFE, 0xFF, 0xFF], "CHS last");
        assert_eq!(e[8..12], 2048u32.to_le_bytes(), "first LBA");
        assert_eq!(e[12..16], sectors.to_le_bytes(), "sectors");
        let esp = &m[462..478];
        assert_eq!(esp[0], 0x00, "ESP not active");
        assert_eq!(esp[4], 0xEF, "ESP type");
        assert_eq!(esp[8..12], (192u32 << 11).to_le_bytes());
        assert_eq!(esp[12..16], (64u32 << 11).to_le_bytes());
        assert!(m[478..510].iter().all(|b| *b == 0), "other entries empty");
        assert_eq!(m[510..], [0x55, 0xAA]);
    }

    #[test]
    fn disk_signature_is_the_uuid_prefix() {
        let u = parse_uuid("0a1b2c3d-0000-4000-8000-000000000000").unwrap();
        assert_eq!(disk_signature(&u), 0x0a1b2c3d);
        assert_eq!(
            parse_uuid(UUID).unwrap(),
            [0x5e, 0xed, 0x00, 0x00, 0xb0, 0x07, 0x40, 0x00, 0x80, 0x00, 0, 0, 0, 0, 0, 1]
        );
    }

    #[test]
    fn bad_uuids_and_sizes_are_refused() {
        for u in [
            "",
            "5eed0000b0074000800000000000000001",
            "5eed0000-b007-4000-8000-00000000000g",
            "5eed0000-b007-4000-8000_000000000001",
        ] {
            assert!(parse_uuid(u).is_err(), "{u:?}");
        }
        assert!(layout((64 << 20) + 1).is_err(), "not whole sectors");
        assert!(layout(1 << 20).is_err(), "no room for the partition");
        assert!(layout(65 << 20).is_err(), "no room beside the ESP");
        assert!(layout(3 << 40).is_err(), "beyond the MBR's 32-bit sectors");
    }

    #[test]
    fn debugfs_arguments_are_quoted() {
        assert_eq!(quote("/a b").unwrap(), "\"/a b\"");
        assert_eq!(quote("/we\"ird").unwrap(), "\"/we\"\"ird\"");
        assert!(quote("/a\nb").is_err());
        assert!(partition_spec(Path::new("/tmp/x?y.img")).is_err());
        assert_eq!(
            partition_spec(Path::new("d.img")).unwrap(),
            OsString::from("d.img?offset=1048576")
        );
    }

    #[test]
    fn script_creates_parents_first_and_fixes_every_inode() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("a/b")).unwrap();
        fs::write(d.path().join("a.txt"), "x").unwrap();
        fs::write(d.path().join("a/b/run"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(d.path().join("a/b/run"), fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::symlink("a/b/run", d.path().join("l")).unwrap();
        let entries = collect(d.path(), &[]).unwrap();
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/a", "/a/b", "/a/b/run", "/a.txt", "/l"]);
        let s = populate_script(&entries, 0, Modes::Fixed { private: &["/a/b"] }).unwrap();
        assert!(s.contains("sif \"/a/b/run\" mode 0100755\n"));
        assert!(s.contains("sif \"/a.txt\" mode 0100644\n"));
        assert!(s.contains("sif \"/a\" mode 040755\n"));
        assert!(s.contains("sif \"/a/b\" mode 040700\n"));
        assert!(s.contains("symlink \"/l\" \"a/b/run\"\n"));
        assert!(s.contains("sif <11> crtime @0\n"));
        let mkdir_b = s.find("mkdir \"/a/b\"").unwrap();
        assert!(s.find("mkdir \"/a\"").unwrap() < mkdir_b);
        assert!(mkdir_b < s.find("write ").unwrap());
        assert_eq!(s.matches(" uid 0\n").count(), RESERVED_INODES.len() + 5);
        let private = Modes::Fixed {
            private: &["/a.txt", "/a/b/run"],
        };
        let s = populate_script(&entries, 0, private).unwrap();
        assert!(s.contains("sif \"/a/b/run\" mode 0100700\n"));
        assert!(s.contains("sif \"/a.txt\" mode 0100600\n"));
        // The tree's own bits, sticky and setuid included.
        fs::set_permissions(d.path().join("a"), fs::Permissions::from_mode(0o1777)).unwrap();
        fs::set_permissions(d.path().join("a.txt"), fs::Permissions::from_mode(0o4711)).unwrap();
        let from_tree = Modes::FromTree { skip: &["/l"] };
        let s = populate_script(&collect(d.path(), &["/l"]).unwrap(), 0, from_tree).unwrap();
        assert!(!s.contains("\"/l\""), "skipped: {s}");
        assert!(s.contains("sif \"/a\" mode 041777\n"), "{s}");
        assert!(s.contains("sif \"/a.txt\" mode 0104711\n"), "{s}");
        assert!(s.contains("sif \"/a/b/run\" mode 0100700\n"), "{s}");
    }
}
