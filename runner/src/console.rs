//! Printing console protocol lines on stdout. Their format is
//! `bootstrap_contract::protocol`, shared with the host tool that parses them.

use bootstrap_contract::protocol::Event;
use std::io::Write;

pub fn print(ev: &Event) {
    let mut out = std::io::stdout().lock();
    // Nothing sensible to do if the console is gone; keep building.
    let _ = writeln!(out, "{ev}");
    let _ = out.flush();
}
