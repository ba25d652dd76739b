//! `bootstrap run --chroot`: sysa then sysc in an isolated chroot on this
//! machine, resumable.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use bootstrap::guest::supervise::{self, Outcome};
use bootstrap::guest::timing::Timings;
use bootstrap::guest::{chroot, interrupt, userns};
use bootstrap::image::shadow;
use bootstrap::image::step_cache::{self, StepCache};
use bootstrap::image::target::{self, Marker};
use bootstrap::model::stages::{self, Mode, Place};
use bootstrap::seed;
use bootstrap::util::in_root;
use bootstrap_contract::paths;

use super::run::RunArgs;
use super::{report, report_timings, sources_or_fail, Global, Report};

pub fn run(g: &Global, a: &RunArgs) -> Result<ExitCode> {
    // Not root: the chroot runs in a user namespace where this user is root;
    // refused at once, before anything is touched, where the host forbids it.
    let who = userns::check(userns::Identity::current())?;
    if who != userns::Identity::Root {
        eprintln!("bootstrap: {}", who.describe());
    }
    let (project, config) = g.load()?;
    let mode = Mode::Chroot;
    let target_dir = a
        .target
        .clone()
        .unwrap_or_else(|| target::default_dir(&project.root, mode));
    let values = project
        .manifest
        .values(Some(mode.as_str()), &config.options);
    let stages = stages::placed(&project, mode, Place::Chroot, &values)?;

    let _lock = target::take(&target_dir, a.fresh)?;
    let root = target_dir.canonicalize()?;
    let distfiles = sources_or_fail(&config, &a.src, &project.distfiles(&values))?;
    let work = target::host_work(&root);
    let (seed_dir, seed_id) = seed::cached(&project, &distfiles, &a.seed.seed_cc, &work)?;
    let marker = Marker {
        mode: mode.as_str().into(),
        seed_cc: a.seed.seed_cc.clone(),
        seed_id,
    };
    if marker.claim(&root)? {
        eprintln!("bootstrap: resuming the run in {}", root.display());
    }
    let runner = seed::runner::runner_binary(&project, a.seed.runner.as_deref())?;
    let jobs = a.jobs(&config);
    let gcc_seed = super::gcc_seed_if_used(&project, &values, &distfiles, &a.seed, jobs)?;
    let gcc_id = gcc_seed.as_ref().map(|s| s.id.as_str());
    let inputs = target::Inputs {
        project: &project,
        distfiles: &distfiles,
        runner: &runner,
        seed: &seed_dir,
        gcc_seed: gcc_seed.as_ref().map(|s| s.root.as_path()),
        mode,
        jobs,
        work: &work,
    };
    let keyed = step_cache::keys(&project, &stages, &marker.seed_id, gcc_id, &runner)?;
    let cache = match a.no_cache {
        true => None,
        false => Some(StepCache::open(a.cache.as_deref())?),
    };
    if let Some(c) = &cache {
        super::restore_from_cache(c, &root, &keyed)?;
    }
    let stale = step_cache::stale(&root, &keyed)?;
    if !stale.is_empty() {
        eprintln!(
            "bootstrap: warning: changed since they were built, kept as they are by this resume: {} (--fresh rebuilds)",
            stale.join(", ")
        );
    }
    target::lay(&root, &inputs, &stages)?;
    super::root_password(
        &project,
        &values,
        a.root_password_file.as_deref(),
        &work.join(shadow::PASSWORD_FILE),
        &root,
    )?;
    // Each step the guest completes is noted and cached at once (a later
    // step may replace its files), and again once the guest has stopped,
    // whatever happened; a cache that fails only warns.
    let before = target::completed(&root)?;
    let stored = std::cell::Cell::new(0);
    let note = || {
        let r = step_cache::record_keys(&root, &keyed, &before).and_then(|()| match &cache {
            Some(c) => c.store_completed(&root, &keyed),
            None => Ok(0),
        });
        match r {
            Ok(n) => stored.set(stored.get() + n),
            Err(e) => eprintln!("bootstrap: warning: step cache: {e:#}"),
        }
    };
    let after = || {
        note();
        if let (Some(c), n @ 1..) = (&cache, stored.get()) {
            eprintln!(
                "bootstrap: {n} step{} stored in the step cache {}",
                if n == 1 { "" } else { "s" },
                c.dir.display()
            );
        }
    };

    interrupt::install_handler()?;
    let logs = in_root(&root, paths::LOGS);
    std::fs::create_dir_all(&logs)?;
    let console = logs.join("console.log");
    // Steps may leave processes behind that change their process group;
    // as their subreaper we find and kill them when the stage ends.
    nix::sys::prctl::set_child_subreaper(true)?;
    // Each stage is one runner; all of them add to the run's timings.
    let mut timings = Timings::default();
    for (stage, _) in &stages {
        let opts = supervise::Options {
            log: &console,
            silence: Duration::from_secs(a.silence_timeout),
            interrupted: &interrupt::interrupted,
            sweep_orphans: true,
            on_ok: Some(&|_, _| note()),
        };
        let w = supervise::supervise(chroot::runner_command(&root, stage, &who)?, &opts)?;
        timings.steps.extend(w.timings.steps.iter().cloned());
        let first = &mut timings.first_step_ms;
        *first = first.or(w.timings.first_step_ms);
        if w.outcome != Outcome::Done {
            after();
            report_timings(&timings, &logs.join("timing.json"));
            let host_log = |guest: &str| {
                let p = in_root(&root, guest);
                p.is_file().then_some(p)
            };
            return Ok(report(
                &w,
                &Report {
                    resume: Some(format!(
                        "bootstrap run --chroot --target {}",
                        root.display()
                    )),
                    console: &console,
                    logs: format!("logs: {}", logs.display()),
                    host_log: &host_log,
                },
            ));
        }
    }
    after();
    report_timings(&timings, &logs.join("timing.json"));
    println!(
        "bootstrap: finished in {}; check it with `bootstrap verify --target {}`",
        root.display(),
        root.display()
    );
    Ok(ExitCode::SUCCESS)
}
