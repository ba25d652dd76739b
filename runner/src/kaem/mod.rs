//! The built-in kaem-style script interpreter, in three layers:
//!
//! - `syntax`: the whole script is tokenized and parsed into commands
//!   before anything runs, so a syntax error never leaves a half-executed
//!   step;
//! - `expand`: variables are expanded at run time, command by command, from
//!   the script's own environment;
//! - `exec`: builtins, running programs, the stdout redirection.

mod exec;
mod expand;
mod syntax;

pub use exec::Interp;
pub use expand::Env;
pub use syntax::parse;
