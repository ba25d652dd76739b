//! The `bootstrap` host tool as a library, in layers (ARCHITECTURE.md has the
//! map and what each layer may import). The binary (`main.rs` and
//! `commands/`) parses the command line and drives these.

pub mod guest;
pub mod image;
pub mod model;
pub mod records;
pub mod seed;
pub mod sources;
pub mod util;
