//! Which stages run in which mode, where each one lives, and which of a
//! stage's steps run under a given set of option values. The only place
//! that knows "chroot mode has no sysb" or "sysc is on the disk".

use anyhow::{bail, Result};

use crate::model::condition::Values;
use crate::model::manifest::{Step, STAGES};
use crate::model::project::Project;

/// How a run reaches its guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Chroot,
    Qemu,
    BareMetal,
}

/// Where a stage's tree is laid for the guest to find it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The chroot target directory itself.
    Chroot,
    /// The seed initramfs, carried on by kexec.
    Ram,
    /// The target disk image, reached by switch_root.
    Disk,
}

impl Mode {
    /// The value of the built-in `mode` option in `when` conditions.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Chroot => "chroot",
            Mode::Qemu => "qemu",
            Mode::BareMetal => "bare-metal",
        }
    }

    /// The stages this mode runs, in order, and where each one is laid.
    /// A chroot has no kernel to jump to, so sysb is left out and sysc runs
    /// in the same root right after sysa. In a VM or on a real machine sysa
    /// and sysb travel in RAM (initramfs, then kexec) and sysc is on the disk.
    pub fn stages(self) -> &'static [(&'static str, Place)] {
        match self {
            Mode::Chroot => &[("sysa", Place::Chroot), ("sysc", Place::Chroot)],
            Mode::Qemu | Mode::BareMetal => &[
                ("sysa", Place::Ram),
                ("sysb", Place::Ram),
                ("sysc", Place::Disk),
            ],
        }
    }
}

/// The stage after `stage` (sysa → sysb → sysc).
pub fn next_stage(stage: &str) -> Option<&'static str> {
    let i = STAGES.iter().position(|s| *s == stage)?;
    STAGES.get(i + 1).copied()
}

/// The steps of one stage that run under `values` (conditions must be
/// decided: with a known mode, an undecidable condition is an error).
pub fn stage_steps<'a>(
    project: &'a Project,
    stage: &str,
    values: &Values,
) -> Result<Vec<&'a Step>> {
    let Some(st) = project.manifest.stages.iter().find(|s| s.name == stage) else {
        bail!("no stage {stage}");
    };
    let mut out = Vec::new();
    for step in &st.steps {
        match step.when.as_ref().map(|c| c.eval(values)) {
            None | Some(Some(true)) => out.push(step),
            Some(Some(false)) => {}
            Some(None) => bail!(
                "parts.toml:{}: condition of step {} depends on an option with no value",
                step.line,
                step.name
            ),
        }
    }
    Ok(out)
}

/// The stages of `mode` placed at `place`, in order, each with its steps
/// under `values` (possibly none: the runner then just reports done).
pub fn placed<'a>(
    project: &'a Project,
    mode: Mode,
    place: Place,
    values: &Values,
) -> Result<Vec<(&'static str, Vec<&'a Step>)>> {
    let mut out = Vec::new();
    for &(stage, p) in mode.stages() {
        if p != place {
            continue;
        }
        out.push((stage, stage_steps(project, stage, values)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::manifest::MODES;

    #[test]
    fn every_mode_is_a_manifest_mode_and_runs_sysa_first() {
        for m in [Mode::Chroot, Mode::Qemu, Mode::BareMetal] {
            assert!(MODES.contains(&m.as_str()));
            assert_eq!(m.stages()[0].0, "sysa");
            assert_eq!(m.stages().last().unwrap().0, "sysc");
        }
        assert!(!Mode::Chroot.stages().iter().any(|(s, _)| *s == "sysb"));
        assert_eq!(next_stage("sysa"), Some("sysb"));
        assert_eq!(next_stage("sysc"), None);
    }
}
