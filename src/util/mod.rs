//! Helpers every layer may use: sorted walks, atomic writes, hashing, tree
//! copies (`fsutil`), host commands run with a log and a checked status (`cmd`).

pub mod cmd;
pub mod fsutil;

use std::path::{Path, PathBuf};

/// Where the in-guest path `guest` (`/bootstrap/...`) of a tree rooted at
/// `root` is on the host.
pub fn in_root(root: &Path, guest: &str) -> PathBuf {
    root.join(bootstrap_contract::paths::relative(guest))
}

/// `$XDG_CACHE_HOME/bootstrap` (or `~/.cache/bootstrap`): what outlives
/// targets (distfiles, remembered probe results).
pub fn cache_dir() -> anyhow::Result<PathBuf> {
    use anyhow::Context;
    let cache = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(c) => PathBuf::from(c),
        None => {
            let home = std::env::var_os("HOME")
                .context("neither XDG_CACHE_HOME nor HOME is set; use --distfiles")?;
            Path::new(&home).join(".cache")
        }
    };
    Ok(cache.join("bootstrap"))
}
