//! The console protocol: the only lines the runner prints on stdout, each
//! starting with `bootstrap: `. The host tool parses these, so the formats
//! here are a contract.

use std::io::Write;

fn emit(msg: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    // Nothing sensible to do if the console is gone; keep building.
    let _ = writeln!(out, "bootstrap: {msg}");
    let _ = out.flush();
}

pub fn start(stage: &str, i: usize, n: usize, kind: &str, name: &str) {
    emit(format_args!("[{stage} {i}/{n}] start {kind} {name}"));
}

pub fn ok(stage: &str, i: usize, n: usize, name: &str, secs: u64) {
    emit(format_args!("[{stage} {i}/{n}] ok {name} ({secs}s)"));
}

pub fn skip(stage: &str, i: usize, n: usize, name: &str) {
    emit(format_args!(
        "[{stage} {i}/{n}] skip {name} (already completed)"
    ));
}

pub fn done() {
    emit(format_args!("done"));
}

/// `what` is either `<name> (log: <path>)` or `<plan> (<reason>)`.
pub fn failed(what: &str) {
    emit(format_args!("FAILED at {what}"));
}
