//! Running a guest and reading its result: the chroot sequence (`chroot`)
//! and, for an ordinary user, its user namespace (`userns`),
//! the QEMU command line and KVM probe (`qemu`), a login session on a
//! booted system's console (`login`, for `boot --exec`), the one supervisor both go
//! through (`supervise`), where the time went (`timing`), and the host's
//! Ctrl-C handling (`interrupt`). The console protocol itself is
//! `bootstrap_contract::protocol`, shared with the runner. Touches the
//! target's logs and, inside the guest's own namespaces, the target; never
//! the host's mounts.

pub mod chroot;
pub mod interrupt;
pub mod login;
pub mod qemu;
pub mod supervise;
pub mod timing;
pub mod userns;
