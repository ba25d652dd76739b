//! The finished system's root password: a run input, never a step output.
//!
//! The host generates it (or reads `--root-password-file`), keeps the
//! generated one in the target directory (mode 0600, for `boot --exec` and
//! for the person who ran it) and lays only its SHA-512-crypt hash, as
//! `/etc/shadow` (mode 0600), into the tree the guest runs on. No step
//! sees the password, so no record, cache key or cached step depends on it
//! and the records stay reproducible; the disk image differs by that file.
//! Bare metal's disk image is published and rebuilt byte for byte: it gets
//! a hash only of a given password, salted from the password itself
//! (`crypt_reproducible`), and none otherwise.
//!
//! Touches: the password file it is given and `<root>/etc/shadow`.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha_crypt::{PasswordHasher, ShaCrypt};

use crate::util::fsutil;

/// Where a target keeps its generated root password.
pub const PASSWORD_FILE: &str = "root-password";

/// Characters of a generated password: no look-alikes (0/O, 1/l/I), none
/// a shell or a terminal treats specially.
const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// 20 characters of 57: about 116 bits.
const GENERATED_LEN: usize = 20;

/// Where the password came from.
#[derive(Debug, PartialEq, Eq)]
pub enum Origin {
    /// Made now and written to the file named (print it once).
    Generated(PathBuf),
    /// Kept in the target by an earlier run.
    Kept(PathBuf),
    /// `--root-password-file`.
    Given(PathBuf),
}

/// The root password for the target whose password file is `kept`:
/// the first line of `given` if set, else the one an earlier run kept,
/// else a new one written to `kept` (mode 0600).
pub fn password(given: Option<&Path>, kept: &Path) -> Result<(String, Origin)> {
    if let Some(g) = given {
        let pw = read_password(g)?;
        return Ok((pw, Origin::Given(g.to_path_buf())));
    }
    match read_password(kept) {
        Ok(pw) => return Ok((pw, Origin::Kept(kept.to_path_buf()))),
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == ErrorKind::NotFound) => {}
        Err(e) => return Err(e),
    }
    let pw = generate()?;
    write_private(kept, format!("{pw}\n").as_bytes())?;
    Ok((pw, Origin::Generated(kept.to_path_buf())))
}

/// A password file's first line; refuses what cannot be a password.
pub fn read_password(path: &Path) -> Result<String> {
    let text = fs::read_to_string(path)?;
    let pw = text.lines().next().unwrap_or("").to_string();
    if pw.is_empty() {
        bail!("{}: the first line (the password) is empty", path.display());
    }
    if pw.chars().any(|c| c.is_control()) {
        bail!("{}: the password has a control character", path.display());
    }
    Ok(pw)
}

fn generate() -> Result<String> {
    let mut out = String::with_capacity(GENERATED_LEN);
    while out.len() < GENERATED_LEN {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("reading random bytes: {e}"))?;
        // Bytes past the largest multiple of the alphabet's size are
        // dropped, so that every character is equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        for x in b {
            if (x as usize) < limit && out.len() < GENERATED_LEN {
                out.push(ALPHABET[x as usize % ALPHABET.len()] as char);
            }
        }
    }
    Ok(out)
}

/// SHA-512-crypt (`$6$`, what BusyBox's login and passwd use), fresh salt.
/// 12 random bytes make the 16 salt characters SHA-crypt uses: a longer
/// salt would be cut to 16 by the guest's crypt, and its hash string would
/// then not equal the one stored.
pub fn crypt(password: &str) -> Result<String> {
    let mut salt = [0u8; 12];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("reading random bytes: {e}"))?;
    crypt_with_salt(password, &salt)
}

fn crypt_with_salt(password: &str, salt: &[u8; 12]) -> Result<String> {
    let h = ShaCrypt::default()
        .hash_password_with_salt(password.as_bytes(), salt)
        .map_err(|e| anyhow::anyhow!("hashing the root password: {e}"))?;
    Ok(h.as_str().to_string())
}

/// SHA-512-crypt with a salt derived from the password and `context`
/// instead of a random one: for files that are published and rebuilt byte
/// for byte (bare metal's disk image), where the same inputs must give the
/// same bytes. What that gives away: that two such disks with the same
/// `context` have the same password; the hash is as hard to reverse as any.
pub fn crypt_reproducible(password: &str, context: &str) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"bootstrap root password salt\0");
    h.update(context.as_bytes());
    h.update(b"\0");
    h.update(password.as_bytes());
    let digest = h.finalize();
    let salt: [u8; 12] = digest[..12].try_into().expect("32 bytes");
    crypt_with_salt(password, &salt)
}

/// `/etc/shadow` for `root` with `hash`: root's entry only (a user with no
/// entry cannot log in). No dates: password ageing stays off.
pub fn shadow_text(hash: &str) -> String {
    format!("root:{hash}:::::::\n")
}

/// Lay `/etc/shadow` under `root` unless one is there (a resumed run keeps
/// what the system or its user changed). Returns whether it was written.
pub fn lay(root: &Path, password: &str) -> Result<bool> {
    lay_hash(root, || crypt(password))
}

/// `lay` with `crypt_reproducible(password, context)`.
pub fn lay_reproducible(root: &Path, password: &str, context: &str) -> Result<bool> {
    lay_hash(root, || crypt_reproducible(password, context))
}

fn lay_hash(root: &Path, hash: impl FnOnce() -> Result<String>) -> Result<bool> {
    let etc = root.join("etc");
    let file = etc.join("shadow");
    if fs::symlink_metadata(&file).is_ok() {
        return Ok(false);
    }
    fs::create_dir_all(&etc)?;
    write_private(&file, shadow_text(&hash()?).as_bytes())?;
    Ok(true)
}

/// Write `bytes` to `path` atomically, mode 0600 from the start.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    fsutil::write_atomic_mode(path, bytes, 0o600)
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha_crypt::PasswordVerifier;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn generated_passwords_are_kept_private_and_reused() {
        let d = tempfile::tempdir().unwrap();
        let kept = d.path().join(PASSWORD_FILE);
        let (a, o) = password(None, &kept).unwrap();
        assert_eq!(o, Origin::Generated(kept.clone()));
        assert_eq!(a.len(), GENERATED_LEN);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)), "{a}");
        let md = fs::metadata(&kept).unwrap();
        assert_eq!(md.permissions().mode() & 0o777, 0o600);
        let (b, o) = password(None, &kept).unwrap();
        assert_eq!((b.as_str(), o), (a.as_str(), Origin::Kept(kept.clone())));
        // Two targets get two passwords.
        let (c, _) = password(None, &d.path().join("other")).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn a_given_file_wins_and_bad_ones_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let g = d.path().join("pw");
        fs::write(&g, "s3cret pass\nignored\n").unwrap();
        let kept = d.path().join(PASSWORD_FILE);
        let (pw, o) = password(Some(&g), &kept).unwrap();
        assert_eq!((pw.as_str(), o), ("s3cret pass", Origin::Given(g.clone())));
        assert!(!kept.exists(), "a given password is not copied");
        fs::write(&g, "\nsecond\n").unwrap();
        let e = format!("{:#}", password(Some(&g), &kept).unwrap_err());
        assert!(e.contains("is empty"), "{e}");
        fs::write(&g, "a\tb\n").unwrap();
        assert!(password(Some(&g), &kept).is_err());
        assert!(password(Some(&d.path().join("missing")), &kept).is_err());
    }

    #[test]
    fn shadow_holds_a_sha512_crypt_hash_of_the_password_only() {
        let d = tempfile::tempdir().unwrap();
        assert!(lay(d.path(), "correct horse").unwrap());
        let f = d.path().join("etc/shadow");
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let text = fs::read_to_string(&f).unwrap();
        assert!(!text.contains("correct horse"));
        let fields: Vec<&str> = text.trim_end().split(':').collect();
        assert_eq!(fields.len(), 9, "{text}");
        assert_eq!(fields[0], "root");
        // $6$rounds=5000$<16 salt characters>$<86 hash characters>
        let parts: Vec<&str> = fields[1].split('$').collect();
        assert_eq!(parts[..3], ["", "6", "rounds=5000"], "{text}");
        assert_eq!((parts[3].len(), parts[4].len()), (16, 86), "{text}");
        ShaCrypt::default()
            .verify_password(b"correct horse", fields[1])
            .unwrap();
        assert!(ShaCrypt::default()
            .verify_password(b"wrong", fields[1])
            .is_err());
        // Kept as it is on a resume; fresh salts make two hashes differ.
        assert!(!lay(d.path(), "other").unwrap());
        assert_eq!(fs::read_to_string(&f).unwrap(), text);
        assert_ne!(crypt("x").unwrap(), crypt("x").unwrap());
    }

    #[test]
    fn a_reproducible_hash_depends_on_the_password_and_the_context_only() {
        let a = crypt_reproducible("correct horse", "disk-1").unwrap();
        assert_eq!(a, crypt_reproducible("correct horse", "disk-1").unwrap());
        assert_ne!(a, crypt_reproducible("correct horse", "disk-2").unwrap());
        assert_ne!(a, crypt_reproducible("correct horsf", "disk-1").unwrap());
        let parts: Vec<&str> = a.split('$').collect();
        assert_eq!(parts[..3], ["", "6", "rounds=5000"], "{a}");
        assert_eq!(parts[3].len(), 16, "{a}");
        ShaCrypt::default()
            .verify_password(b"correct horse", a.as_str())
            .unwrap();
    }

    #[test]
    fn the_hash_is_glibcs_and_busyboxs_sha512_crypt() {
        // The crypt(3) result for "pw" with this salt (glibc 2.36).
        let h = "$6$rounds=5000$abcdefghijklmnop$GRSTFj3H0pZ9BY1uhdqITG.qORbXkTk40qgaa1roNICfs/axSgdNnbKEYghuyLnrmnFXvSE09GdxJbCDOnxdc1";
        ShaCrypt::default().verify_password(b"pw", h).unwrap();
    }
}
