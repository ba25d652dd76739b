//! The formats the host tool and the in-guest runner exchange, written once:
//! console lines ([`protocol`]), the per-stage plan files ([`plan`]), the
//! completed-steps file ([`completed`]), the install records ([`records`]),
//! the timing line that ends a step's log ([`steplog`]) and where all of
//! these live in the guest ([`paths`]).
//!
//! Every format has a render and a parse function here, tested against each
//! other, so the two programs cannot drift apart. This crate does no I/O and
//! has no dependencies: it is part of the trusted runner.

use std::fmt;

pub mod completed;
pub mod paths;
pub mod plan;
pub mod protocol;
pub mod records;
pub mod steplog;

/// A problem with line `line` (1-based) of a contract file: found while
/// reading the file, or while checking values before writing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

impl std::error::Error for LineError {}

pub(crate) fn err<T>(line: usize, msg: impl Into<String>) -> Result<T, LineError> {
    Err(LineError {
        line,
        msg: msg.into(),
    })
}
