//! Helpers every layer may use: sorted walks, atomic writes, hashing, tree
//! copies (`fsutil`), host commands run with a log and a checked status (`cmd`).

pub mod cmd;
pub mod fsutil;
