//! What a guest starts from: the seed tree laid into a target directory
//! (`target`), packed as an initramfs (`initramfs`) or an ext4 disk image
//! (`disk`), with the kernel modules the first kernel needs (`kmod`). Writes
//! only the target directory or the output file it is given.

pub mod disk;
pub mod initramfs;
pub mod kmod;
pub mod target;
