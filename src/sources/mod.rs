//! Sources: where a distfile may be fetched from, fetching it with its hash
//! checked before it gets its name, re-checking it before use, unpacking an
//! untrusted tarball and patching the tree. Touches the distfiles directory
//! and the directories callers unpack into; knows nothing of targets.

pub mod distfile;
pub mod download;
pub mod fetch;
pub mod mirrors;
pub mod patch;
pub mod unpack;
