//! In-guest paths and their host-side location. With `--root DIR` every path
//! the runner computes is prefixed with DIR; without it DIR is `/`.

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
        self.root.join(guest.trim_start_matches('/'))
    }

    /// Same as `host`, as a string for environment variables. The root is
    /// checked to be UTF-8 when it is parsed, so this is lossless.
    pub fn host_str(&self, guest: &str) -> String {
        self.host(guest).to_string_lossy().into_owned()
    }
}

pub fn plan(stage: &str) -> String {
    format!("/bootstrap/plan/{stage}.steps")
}
pub fn env(stage: &str) -> String {
    format!("/bootstrap/plan/{stage}.env")
}
pub fn recipe(stage: &str, name: &str) -> String {
    format!("/bootstrap/recipes/{stage}/{name}")
}
pub const DISTFILES: &str = "/bootstrap/distfiles";
pub const COMPLETED: &str = "/bootstrap/state/completed";
pub const RECORDS: &str = "/bootstrap/records";
pub fn log(stage: &str, index: usize, name: &str) -> String {
    format!("/bootstrap/logs/{stage}/{index:02}-{name}.log")
}
/// A step's unpacked, patched sources, laid out by the host tool.
pub fn src(name: &str) -> String {
    format!("/bootstrap/src/{name}")
}
pub fn build(name: &str) -> String {
    format!("/bootstrap/build/{name}")
}
pub fn dest(name: &str) -> String {
    format!("/bootstrap/dest/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let l = Layout::new("/".into());
        assert_eq!(
            l.host(&log("sysa", 3, "musl")),
            Path::new("/bootstrap/logs/sysa/03-musl.log")
        );
        assert_eq!(log("sysb", 123, "x"), "/bootstrap/logs/sysb/123-x.log");
        let l = Layout::new("/tmp/r".into());
        assert_eq!(l.host_str(&build("a")), "/tmp/r/bootstrap/build/a");
        assert_eq!(
            l.host("bootstrap/recipes/x"),
            Path::new("/tmp/r/bootstrap/recipes/x")
        );
    }
}
