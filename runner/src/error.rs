//! A deliberately tiny error type: every error is a human-readable message
//! that ends up in a log file or on the console, so a String is enough.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(msg: impl Into<String>) -> Self {
        Error(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Attach "what we were doing" to an io::Error.
pub trait Context<T> {
    fn context<F: FnOnce() -> String>(self, what: F) -> Result<T>;
}

impl<T> Context<T> for std::io::Result<T> {
    fn context<F: FnOnce() -> String>(self, what: F) -> Result<T> {
        self.map_err(|e| Error(format!("{}: {}", what(), e)))
    }
}
