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
