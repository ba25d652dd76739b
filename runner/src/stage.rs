//! Running one stage: load and validate the plan, skip completed steps, run
//! the rest in order, record and install build results, stop at the first
//! failure.

use crate::console;
use crate::error::{Context, Error};
use crate::kaem;
use crate::layout::Layout;
use crate::pid1::{self, Status};
use crate::record;
use crate::state::{self, Completed};
use bootstrap_contract::plan::{self, Action, Kind, Method, Step};
use bootstrap_contract::protocol::{Event, Failure};
use bootstrap_contract::{paths, steplog};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

pub const JUMP_NEEDS_PID1: &str =
    "jump steps (kexec/switch_root) need the runner to be PID 1 of a booted system, not a chroot";

/// A jump the stage ended with; recorded as completed, performed by main.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JumpTo {
    pub name: String,
    pub method: Method,
    pub next: String,
}

/// `Ok(Some(jump))` when the stage ends by leaving this system; `Err` says
/// where it failed.
/// How often a running step whose log grows says so on the console.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(60);

pub fn run(layout: &Layout, stage: &str) -> Result<Option<JumpTo>, Failure> {
    let plan_path = paths::steps(stage);
    if !plan::valid_name(stage) {
        return Err(Failure::at(
            &plan_path,
            format!("invalid stage name '{stage}'"),
        ));
    }
    let steps = read(layout, &plan_path)
        .and_then(|t| plan::parse_steps(&t).map_err(|e| e.to_string()))
        .map_err(|e| Failure::at(&plan_path, e))?;
    let env_path = paths::env(stage);
    let base_env = read(layout, &env_path)
        .and_then(|t| plan::parse_env(&t).map_err(|e| e.to_string()))
        .map_err(|e| Failure::at(&env_path, e))?;
    let completed = Completed::load(&layout.host(paths::COMPLETED))
        .map_err(|e| Failure::at(paths::COMPLETED, e))?;

    let n = steps.len();
    // Everything before the first non-completed step is skipped; everything
    // from it on runs, so the stage always resumes as a contiguous suffix.
    let first = steps
        .iter()
        .position(|s| !completed.contains(stage, &s.name))
        .unwrap_or(n);
    let ctx = Ctx {
        layout,
        stage,
        base_env: &base_env,
        n,
    };
    for (idx, step) in steps.iter().enumerate() {
        let (index, name) = (idx + 1, step.name.clone());
        if idx < first {
            console::print(&Event::Skip {
                stage: stage.into(),
                index,
                total: n,
                name,
            });
            continue;
        }
        console::print(&Event::Start {
            stage: stage.into(),
            index,
            total: n,
            kind: step.kind,
            name: name.clone(),
        });
        let t0 = Instant::now();
        let beat = {
            let (stage, name) = (stage.to_string(), name.clone());
            console::Heartbeat::start(
                HEARTBEAT,
                layout.host(&paths::log(stage.as_str(), index, &name)),
                move |secs| Event::Running {
                    stage: stage.clone(),
                    index,
                    total: n,
                    name: name.clone(),
                    secs,
                },
                console::print,
            )
        };
        let done = ctx.run_step(index, step);
        drop(beat);
        done?;
        console::print(&Event::Ok {
            stage: stage.into(),
            index,
            total: n,
            name,
            secs: t0.elapsed().as_secs(),
        });
        if let Action::Jump { method, next } = &step.action {
            // Whatever follows a jump in this list belongs to no system.
            return Ok(Some(JumpTo {
                name: step.name.clone(),
                method: method.clone(),
                next: next.clone(),
            }));
        }
    }
    Ok(None)
}

fn read(layout: &Layout, guest: &str) -> Result<String, String> {
    fs::read_to_string(layout.host(guest)).map_err(|e| format!("cannot read: {e}"))
}

enum StepError {
    /// The script failed; its status line is already in the log.
    Status,
    Other(Error),
}

impl From<Error> for StepError {
    fn from(e: Error) -> Self {
        StepError::Other(e)
    }
}

struct Ctx<'a> {
    layout: &'a Layout,
    stage: &'a str,
    base_env: &'a [(String, String)],
    n: usize,
}

/// Remove and recreate an empty directory.
fn reset_dir(p: &Path) -> Result<(), Error> {
    match fs::remove_dir_all(p) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            return Err(e).context(|| format!("removing {}", p.display()))
        }
        _ => {}
    }
    fs::create_dir_all(p).context(|| format!("creating {}", p.display()))
}

impl Ctx<'_> {
    fn run_step(&self, i: usize, step: &Step) -> Result<(), Failure> {
        let name = &step.name;
        let log_path = paths::log(self.stage, i, name);
        let host_log = self.layout.host(&log_path);
        let opened = host_log
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|_| File::create(&host_log));
        let log = match opened {
            Ok(f) => f,
            Err(e) => {
                return Err(Failure::at(
                    name,
                    format!("cannot create log {log_path}: {e}"),
                ))
            }
        };
        let _ = writeln!(
            &log,
            "bootstrap: [{} {i}/{}] {} {name}",
            self.stage,
            self.n,
            step.kind.as_str()
        );
        match self.attempt(step, &log) {
            Ok(()) => Ok(()),
            Err(e) => {
                if let StepError::Other(e) = e {
                    let _ = writeln!(&log, "bootstrap: step {name} failed: {e}");
                    // Runner-side failures (unsupported jump, install errors)
                    // are also shown on stderr, outside the console protocol.
                    eprintln!("bootstrap-runner: {name}: {e}");
                }
                let _ = log.sync_all();
                Err(Failure::step(name, &log_path))
            }
        }
    }

    fn env(&self, name: &str) -> kaem::Env {
        let l = self.layout;
        let mut env: BTreeMap<String, String> = self.base_env.iter().cloned().collect();
        env.entry("PATH".into())
            .or_insert_with(|| "/usr/bin:/bin".into());
        let fixed = [
            ("BOOTSTRAP_STAGE", self.stage.to_string()),
            ("STEP", name.to_string()),
            ("RECIPE", l.host_str(&paths::recipe(self.stage, name))),
            ("DISTFILES", l.host_str(paths::DISTFILES)),
            ("SRC", l.host_str(&paths::src(name))),
            ("BUILDDIR", l.host_str(&paths::build(name))),
            ("DESTDIR", l.host_str(&paths::dest(name))),
        ];
        for (k, v) in fixed {
            env.insert(k.into(), v);
        }
        env
    }

    fn attempt(&self, step: &Step, mut log: &File) -> Result<(), StepError> {
        let l = self.layout;
        let name = &step.name;
        let (script, interpreter) = match &step.action {
            // The jump itself happens in main once this step is recorded:
            // the record must travel with the system into the next stage.
            Action::Jump { method, next, .. } => {
                if !pid1::is_pid1() {
                    return Err(Error::new(JUMP_NEEDS_PID1).into());
                }
                let _ = writeln!(log, "bootstrap: {} into stage {next}", method.as_str());
                state::append(&l.host(paths::COMPLETED), self.stage, name)?;
                return Ok(());
            }
            Action::Script {
                script,
                interpreter,
            } => (script, interpreter),
        };
        let t0 = Instant::now();
        let build = l.host(&paths::build(name));
        let dest = l.host(&paths::dest(name));
        reset_dir(&build)?;
        reset_dir(&dest)?;
        let env = self.env(name);
        let t_script = Instant::now();
        let status = match interpreter {
            None => self.run_kaem(script, env, &build, log)?,
            Some(prog) => {
                let out = log.try_clone().context(|| "duplicating log".into())?;
                let err = log.try_clone().context(|| "duplicating log".into())?;
                let mut cmd = Command::new(l.host(prog));
                cmd.arg0(prog)
                    .arg(l.host(script))
                    .env_clear()
                    .envs(&env)
                    .current_dir(&build)
                    .stdin(Stdio::null())
                    .stdout(out)
                    .stderr(err);
                pid1::run(&mut cmd).context(|| format!("cannot run {prog}"))?
            }
        };
        let script_time = t_script.elapsed();
        let _ = writeln!(log, "bootstrap: step {name} {status}");
        if !status.success() {
            return Err(StepError::Status);
        }
        if step.kind == Kind::Build {
            let entries = record::scan(&dest).map_err(|e| Error(format!("install: {e}")))?;
            let (sums, links) = (paths::sums(name), paths::links(name));
            let (nf, nl) = record::write_record(&l.host(&sums), &l.host(&links), &dest, &entries)?;
            let _ = writeln!(
                log,
                "bootstrap: recorded {nf} files and {nl} symlinks in {sums}"
            );
            record::install(&dest, l.root(), &entries)
                .map_err(|e| Error(format!("install: {e}")))?;
            let _ = writeln!(log, "bootstrap: installed into {}", l.root().display());
        }
        fs::remove_dir_all(&dest).context(|| format!("removing {}", dest.display()))?;
        // Keep a failed build tree for inspection, but do not let finished
        // ones pile up (the initramfs root lives in RAM, and the next kernel
        // gets a copy: in-tree builds of the whole chain were 800 MB).
        let src = l.host(&paths::src(name));
        for dir in [&build, &src] {
            match fs::remove_dir_all(dir) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    let _ = writeln!(log, "bootstrap: warning: removing {}: {e}", dir.display());
                }
                _ => {}
            }
        }
        // Installed files must be on disk before the step counts as done.
        nix::unistd::sync();
        state::append(&l.host(paths::COMPLETED), self.stage, name)?;
        let total = t0.elapsed();
        let times = steplog::Times {
            script_ms: script_time.as_millis() as u64,
            runner_ms: total.saturating_sub(script_time).as_millis() as u64,
        };
        let _ = writeln!(log, "{}", steplog::render(name, times));
        Ok(())
    }

    fn run_kaem(
        &self,
        script: &str,
        env: kaem::Env,
        cwd: &Path,
        mut log: &File,
    ) -> Result<Status, StepError> {
        let file = format!("/{script}");
        let text = fs::read_to_string(self.layout.host(script))
            .context(|| format!("cannot read script {file}"))?;
        let cmds = match kaem::parse(&text) {
            Ok(c) => c,
            Err(e) => {
                // Nothing ran; report like a command that exited with 2.
                let _ = writeln!(log, "kaem: {file}:{}: syntax error: {}", e.line, e.msg);
                return Ok(Status::Exited(2));
            }
        };
        let mut interp = kaem::Interp {
            file: &file,
            env,
            cwd: cwd.to_path_buf(),
            log,
        };
        Ok(interp.run(&cmds))
    }
}
