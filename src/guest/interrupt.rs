//! Ctrl-C (and SIGTERM, SIGHUP) on the host: remembered, not acted on at
//! once, so the supervisor can stop the guest cleanly and report where it
//! was interrupted and how to resume.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use nix::sys::signal::{self, SigHandler, Signal};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: i32) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Catch SIGINT/SIGTERM/SIGHUP for the rest of the process's life.
pub fn install_handler() -> Result<()> {
    let action = signal::SigAction::new(
        SigHandler::Handler(on_signal),
        signal::SaFlags::SA_RESTART,
        signal::SigSet::empty(),
    );
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only stores to an atomic.
        unsafe { signal::sigaction(s, &action) }?;
    }
    Ok(())
}

/// True once one of those signals arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
