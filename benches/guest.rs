//! Two runs' `timing.json` (what every run writes), compared: a QEMU run
//! against a chroot run of the same steps on the same machine, the chroot
//! being the baseline.
//!
//! `cargo bench --bench guest -- first QEMU.json CHROOT.json`: the time from
//! the guest's start to its first step (QEMU's boot against the chroot's
//! set-up), one Markdown table row.
//! `cargo bench --bench guest -- steps QEMU.json CHROOT.json`: each step both
//! ran, its time under QEMU against the chroot's, stage totals and the
//! median ratio, as a Markdown table.
//! `cargo bench --bench guest -- overhead TARGET STAGE`: a finished chroot
//! target's STAGE, the whole stage's step time against its scripts' time
//! alone (the runner's own work: directories, records, install, clean-up,
//! sync), from the timing line each step's log ends with.

use std::collections::BTreeMap;
use std::path::Path;

use bootstrap_contract::steplog;
use serde_json::Value;

struct Run {
    /// (stage, step) → seconds, in the order they ran.
    steps: Vec<((String, String), u64)>,
    first_step_ms: Option<u64>,
}

fn load(path: &Path) -> Run {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let steps = v["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no steps", path.display()))
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap_or_default().to_string();
            ((f("stage"), f("name")), s["secs"].as_u64().unwrap_or(0))
        })
        .collect();
    Run {
        steps,
        first_step_ms: v["first_step_ms"].as_u64(),
    }
}

fn first(qemu: &Run, chroot: &Run) {
    let (Some(q), Some(c)) = (qemu.first_step_ms, chroot.first_step_ms) else {
        panic!("a timing.json without first_step_ms (written before it was recorded)");
    };
    // Milliseconds: the chroot starts its first step within one, which
    // timing.json (whole milliseconds) may record as 0.
    if c == 0 {
        println!("| start to the first sysa step | {q} ms | under 1 ms | over {q} |");
    } else {
        println!(
            "| start to the first sysa step | {q} ms | {c} ms | {:.0} |",
            q as f64 / c as f64
        );
    }
}

fn steps(qemu: &Run, chroot: &Run) {
    let base: BTreeMap<_, _> = chroot.steps.iter().cloned().collect();
    println!("| step | QEMU (TCG) | chroot | ratio |");
    println!("|---|---|---|---|");
    let mut ratios = Vec::new();
    let mut totals: Vec<(String, u64, u64)> = Vec::new();
    for ((stage, name), q) in &qemu.steps {
        let Some(&c) = base.get(&(stage.clone(), name.clone())) else {
            continue;
        };
        match totals.iter_mut().find(|(s, _, _)| s == stage) {
            Some(t) => {
                t.1 += q;
                t.2 += c;
            }
            None => totals.push((stage.clone(), *q, c)),
        }
        // Steps under a second in the chroot have no meaningful ratio.
        if c == 0 {
            println!("| {stage}/{name} | {q} s | <1 s | |");
            continue;
        }
        let r = *q as f64 / c as f64;
        ratios.push(r);
        println!("| {stage}/{name} | {q} s | {c} s | {r:.1} |");
    }
    for (stage, q, c) in &totals {
        let r = match c {
            0 => String::new(),
            c => format!("{:.1}", *q as f64 / *c as f64),
        };
        println!("| **{stage} total** | {q} s | {c} s | {r} |");
    }
    ratios.sort_by(f64::total_cmp);
    if !ratios.is_empty() {
        println!(
            "\nMedian ratio over the {} steps that took a second or more in the chroot: {:.1}.",
            ratios.len(),
            ratios[ratios.len() / 2]
        );
    }
}

fn overhead(target: &Path, stage: &str) {
    let dir = target.join("bootstrap/logs").join(stage);
    let mut logs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    logs.sort();
    let (mut script, mut runner, mut n) = (0u64, 0u64, 0);
    for l in &logs {
        let text = std::fs::read_to_string(l).unwrap_or_default();
        if let Some((_, t)) = text.lines().rev().find_map(steplog::parse) {
            script += t.script_ms;
            runner += t.runner_ms;
            n += 1;
        }
    }
    assert!(n > 0, "no step of {} ends with its times", dir.display());
    println!(
        "| {stage}, {n} steps | {:.1} s | {:.1} s | {:.3} |",
        (script + runner) as f64 / 1000.0,
        script as f64 / 1000.0,
        (script + runner) as f64 / script.max(1) as f64
    );
}

fn main() {
    // `cargo bench` passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if let [what, target, stage] = &args[..] {
        if what == "overhead" {
            return overhead(Path::new(target), stage);
        }
    }
    let [what, q, c] = &args[..] else {
        // A bare `cargo bench` runs every bench: nothing to compare here.
        eprintln!("usage: cargo bench --bench guest -- first|steps QEMU.json CHROOT.json");
        std::process::exit(if args.is_empty() { 0 } else { 2 });
    };
    let (q, c) = (load(Path::new(q)), load(Path::new(c)));
    match what.as_str() {
        "first" => first(&q, &c),
        "steps" => steps(&q, &c),
        other => {
            eprintln!("unknown comparison {other:?}: first or steps");
            std::process::exit(2);
        }
    }
}
