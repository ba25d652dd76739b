//! Running a guest and reading its result: the chroot sequence (`chroot`),
//! the QEMU command line and KVM probe (`qemu`), the one supervisor both go
//! through (`supervise`), and the host's Ctrl-C handling (`interrupt`).
//! Touches the target's logs and, inside the guest's own namespaces, the
//! target; never the host's mounts.

pub mod chroot;
pub mod interrupt;
pub mod protocol;
pub mod qemu;
pub mod supervise;
