//! What a guest starts from: the seed tree laid into a target directory
//! (`target`), packed as an initramfs (`initramfs`) or an ext4 disk image
//! (`disk`, booted by GRUB (`grub`) from an EFI system partition or the
//! MBR; FAT filesystems in images come from `fat`), with the kernel modules the first kernel needs (`kmod`), and the step
//! cache that restores built steps into a target (`step_cache`), and the
//! finished system's root password, laid as a hash (`shadow`); and the
//! block device `bootstrap write` puts an image on (`device`). Writes
//! only the target directory, the output file it is given, the cache, or
//! the device the user named once every check passed.

pub mod bootimg;
pub mod device;
pub mod disk;
pub mod fat;
pub mod grub;
pub mod initramfs;
pub mod kmod;
pub mod shadow;
pub mod step_cache;
pub mod target;
