//! The `bootstrap` host tool as a library: one module per concern. The binary
//! (`main.rs`) is only the command line. See ARCHITECTURE.md for the map.

pub mod chroot;
pub mod condition;
pub mod config;
pub mod console;
pub mod diag;
pub mod disk;
pub mod download;
pub mod fetch;
pub mod fsutil;
pub mod initramfs;
pub mod kmod;
pub mod manifest;
pub mod mirrors;
pub mod project;
pub mod protocol;
pub mod qemu;
pub mod recipe;
pub mod run;
pub mod seed;
pub mod sums;
pub mod target;
pub mod unpack;
pub mod verify;
