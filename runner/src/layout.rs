//! Where an in-guest path (`bootstrap_contract::paths`) is on this machine:
//! with `--root DIR` every path the runner computes is prefixed with DIR;
//! without it DIR is `/`.

use bootstrap_contract::paths;
use std::path::{Path, PathBuf};

pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// `root` must be absolute (steps run with other working directories).
    pub fn new(root: PathBuf) -> Layout {
        Layout { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Host location of an in-guest path (absolute or relative to ROOT).
    pub fn host(&self, guest: &str) -> PathBuf {
        self.root.join(paths::relative(guest))
    }

    /// Same as `host`, as a string for environment variables. The root is
    /// checked to be UTF-8 when it is parsed, so this is lossless.
    pub fn host_str(&self, guest: &str) -> String {
        self.host(guest).to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_the_root() {
        let l = Layout::new("/".into());
        assert_eq!(
            l.host(&paths::log("sysa", 3, "musl")),
            Path::new("/bootstrap/logs/sysa/03-musl.log")
        );
        let l = Layout::new("/tmp/r".into());
        assert_eq!(l.host_str(&paths::build("a")), "/tmp/r/bootstrap/build/a");
        assert_eq!(
            l.host("bootstrap/recipes/x"),
            Path::new("/tmp/r/bootstrap/recipes/x")
        );
    }
}
