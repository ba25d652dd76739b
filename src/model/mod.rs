//! The project model: `parts.toml`, recipes, `SHA256SUMS.sources`, the
//! settings file, and which steps run in which mode. Pure data and
//! validation; reads the project tree, writes nothing.

pub mod condition;
pub mod config;
pub mod diag;
pub mod manifest;
pub mod project;
pub mod recipe;
pub mod stages;
pub mod sums;
