//! Where things live in the guest. Every path here is absolute in the guest;
//! the host, which sees the guest's root as a directory, joins
//! [`relative`]`(path)` onto it. Stage and step names are assumed valid
//! ([`crate::plan::valid_name`]), so they are single path components.

/// Everything of the bootstrap's own lives below this directory.
pub const BOOTSTRAP: &str = "/bootstrap";
/// The static runner; PID 1 of a booted seed (`/init` links to it).
pub const RUNNER: &str = "/bootstrap/runner";
/// The seed compiler: `bin/`, and `lib/tcc/` with its headers and runtime.
pub const SEED: &str = "/bootstrap/seed";
/// gcc-seed's prefix (configured into it, so it finds cc1 and its headers
/// there): `bin/x86_64-linux-musl-gcc`, `libexec/gcc/...`, `lib/gcc/...`.
pub const GCC_SEED: &str = "/bootstrap/seed/gcc";
/// Tools the early steps install for the later ones; on every step's PATH.
pub const BIN: &str = "/bootstrap/bin";
/// Shell helpers shared by every stage: the project's `sysglobal/`, e.g.
/// `unpack.sh`, which a step that unpacks its own sources starts with.
pub const LIB: &str = "/bootstrap/lib";
/// The per-stage plan files.
pub const PLAN: &str = "/bootstrap/plan";
pub const RECIPES: &str = "/bootstrap/recipes";
/// Verified source tarballs (`DISTFILES` of every step).
pub const DISTFILES: &str = "/bootstrap/distfiles";
/// The pinned hashes of the files in [`DISTFILES`], `sha256sum` format (the
/// lines of `SHA256SUMS.sources` for those files): steps that unpack their
/// own sources check them against it in the guest.
pub const DISTFILE_SUMS: &str = "/bootstrap/distfiles/SHA256SUMS";
/// Sources unpacked and patched by the host, one directory per step.
pub const SRC: &str = "/bootstrap/src";
/// Working directories, one per step; not carried across a jump.
pub const BUILD: &str = "/bootstrap/build";
/// DESTDIRs, one per step; not carried across a jump.
pub const DEST: &str = "/bootstrap/dest";
/// The run's state: files of lines that are only ever appended to (the
/// runner's completed steps, the host's step keys). A switch_root carries
/// this system's onto the disk and keeps the disk's own lines after them.
pub const STATE: &str = "/bootstrap/state";
/// The completed-steps file ([`crate::completed`]).
pub const COMPLETED: &str = "/bootstrap/state/completed";
/// Install records ([`crate::records`]).
pub const RECORDS: &str = "/bootstrap/records";
pub const LOGS: &str = "/bootstrap/logs";
/// The kernel a `kexec` jump boots, and its command line (without the stage).
pub const KEXEC_KERNEL: &str = "/bootstrap/kexec/kernel";
pub const KEXEC_CMDLINE: &str = "/bootstrap/kexec/cmdline";
/// Kernel modules PID 1 loads at boot, one directory per kernel release.
pub const MODULES: &str = "/bootstrap/modules";

/// The step list of a stage ([`crate::plan::parse_steps`]).
pub fn steps(stage: &str) -> String {
    format!("{PLAN}/{stage}.steps")
}

/// What step `name` of `stage` unpacks and patches in the guest, for
/// `LIB/unpack.sh` ([`crate::plan::render_sources`]); written only for
/// steps whose recipe says `unpack = "guest"`.
pub fn sources_list(stage: &str, name: &str) -> String {
    format!("{PLAN}/{stage}-sources/{name}")
}

/// The base environment of a stage's steps ([`crate::plan::parse_env`]).
pub fn env(stage: &str) -> String {
    format!("{PLAN}/{stage}.env")
}

/// The recipes of one stage; improve scripts are in `<this>/improve/`.
pub fn recipes(stage: &str) -> String {
    format!("{RECIPES}/{stage}")
}

/// One step's recipe directory (`RECIPE` of the step).
pub fn recipe(stage: &str, name: &str) -> String {
    format!("{RECIPES}/{stage}/{name}")
}

pub fn src(name: &str) -> String {
    format!("{SRC}/{name}")
}

pub fn build(name: &str) -> String {
    format!("{BUILD}/{name}")
}

pub fn dest(name: &str) -> String {
    format!("{DEST}/{name}")
}

/// The sha256sum-format record of what build step `name` installed.
pub fn sums(name: &str) -> String {
    format!("{RECORDS}/{name}.sha256sums")
}

/// The symlinks build step `name` installed.
pub fn links(name: &str) -> String {
    format!("{RECORDS}/{name}.links")
}

/// The logs of one stage.
pub fn logs(stage: &str) -> String {
    format!("{LOGS}/{stage}")
}

/// The full log of step `index` (1-based, at least two digits so that the
/// logs of a stage list in order).
pub fn log(stage: &str, index: usize, name: &str) -> String {
    format!("{LOGS}/{stage}/{index:02}-{name}.log")
}

/// The list of modules to load for kernel `release`, dependencies first.
pub fn module_order(release: &str) -> String {
    format!("{MODULES}/{release}/order")
}

/// The same path below the guest's root, for `host_root.join(..)`.
pub fn relative(guest: &str) -> &str {
    guest.trim_start_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(steps("sysa"), "/bootstrap/plan/sysa.steps");
        assert_eq!(env("sysb"), "/bootstrap/plan/sysb.env");
        assert_eq!(
            sources_list("sysa", "sed"),
            "/bootstrap/plan/sysa-sources/sed"
        );
        assert_eq!(recipe("sysa", "musl"), "/bootstrap/recipes/sysa/musl");
        assert_eq!(recipes("sysc"), "/bootstrap/recipes/sysc");
        assert_eq!(src("a"), "/bootstrap/src/a");
        assert_eq!(build("a"), "/bootstrap/build/a");
        assert_eq!(dest("a"), "/bootstrap/dest/a");
        assert_eq!(sums("a+1"), "/bootstrap/records/a+1.sha256sums");
        assert_eq!(links("a+1"), "/bootstrap/records/a+1.links");
        assert_eq!(logs("sysa"), "/bootstrap/logs/sysa");
        assert_eq!(log("sysa", 3, "musl"), "/bootstrap/logs/sysa/03-musl.log");
        assert_eq!(log("sysb", 123, "x"), "/bootstrap/logs/sysb/123-x.log");
        assert_eq!(module_order("6.1.0"), "/bootstrap/modules/6.1.0/order");
    }

    #[test]
    fn every_path_is_below_bootstrap() {
        let all = [
            RUNNER,
            SEED,
            GCC_SEED,
            BIN,
            LIB,
            PLAN,
            RECIPES,
            DISTFILES,
            SRC,
            BUILD,
            DEST,
            STATE,
            COMPLETED,
            RECORDS,
            LOGS,
            KEXEC_KERNEL,
            KEXEC_CMDLINE,
            MODULES,
        ];
        for p in all {
            assert!(p.starts_with(&format!("{BOOTSTRAP}/")), "{p}");
        }
    }

    #[test]
    fn relative_form() {
        assert_eq!(relative(COMPLETED), "bootstrap/state/completed");
        assert_eq!(relative(&log("s", 1, "n")), "bootstrap/logs/s/01-n.log");
        assert_eq!(relative("bootstrap/x"), "bootstrap/x");
    }
}
