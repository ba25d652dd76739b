. /bootstrap/lib/unpack.sh
# e2fsprogs with its own configure and Makefiles, in the source tree (no
# build path reaches the binaries), static (TinyCC links statically; no
# --enable-elf-shlibs, so only the libraries' .a files exist), no NLS.
# Options, each because:
# - --sysconfdir=/etc: mke2fs and e2fsck look for /etc/mke2fs.conf and
#   /etc/e2fsck.conf, not /usr/etc. Neither file is installed: without
#   one, mke2fs uses the copy of mke2fs.conf compiled into it (misc/
#   default_profile.c is generated from the same mke2fs.conf.in), and
#   e2fsck needs none.
# - --enable-libuuid --enable-libblkid: e2fsprogs' own libuuid and
#   libblkid (there is no util-linux here). mke2fs uses libblkid to warn
#   about an existing filesystem, e2fsck and tune2fs to resolve LABEL= and
#   UUID= names. Said explicitly so that a pkg-config appearing later
#   cannot switch configure to some other library. The blkid and findfs
#   programs are not installed: BusyBox, which this system also builds,
#   has both applets at the same paths, and every tool here already
#   resolves LABEL=/UUID= through the linked-in library.
# - --without-libarchive: mke2fs -d would read a tarball through a
#   dlopen()ed libarchive, which a static program cannot load; mke2fs -d
#   with a directory still works.
# - --disable-fuse2fs (no FUSE), --disable-uuidd (a daemon for time-based
#   UUIDs under load; nothing here needs it), --disable-fsck (the
#   fsck -A wrapper that dispatches to fsck.<type>: BusyBox has one, and
#   stage 1 runs fsck.ext4 itself), --disable-defrag and --disable-imager
#   (e4defrag, e2image: not part of this system), and no udev rules, cron
#   jobs or systemd units (--without-...-dir): the system has none of
#   those. e2scrub (scrub/) needs LVM snapshots and is never built here.
# CFLAGS=-O2 instead of configure's default -g -O2: TinyCC's debug
# information names the directory it compiled in (the build path).
# Only what is installed is built: the libraries, then e2fsck, debugfs,
# misc (mke2fs, tune2fs, dumpe2fs and small tools) and resize.
set -eux
cd "$SRC"
./configure --prefix=/usr --sysconfdir=/etc --disable-nls \
  --enable-libuuid --enable-libblkid --without-libarchive \
  --disable-fuse2fs --disable-uuidd --disable-fsck --disable-defrag \
  --disable-imager --without-udev-rules-dir --without-crond-dir \
  --without-systemd-unit-dir CFLAGS=-O2
make -j"$JOBS" libs
for d in e2fsck debugfs misc resize; do
  make -C $d -j"$JOBS"
done

# Installed by hand rather than by the Makefiles' install targets, which
# would also put in the libraries, headers, pkg-config files, chattr,
# lsattr, uuidgen, badblocks and more. TinyCC writes no symbol table, so
# there is nothing to strip. The other names are symbolic links, as
# Debian makes them.
install -d -m 755 "$DESTDIR/usr/sbin" "$DESTDIR/usr/share/man/man5" \
  "$DESTDIR/usr/share/man/man8"
for p in e2fsck/e2fsck debugfs/debugfs misc/mke2fs misc/tune2fs \
  misc/dumpe2fs resize/resize2fs; do
  install -m 755 $p "$DESTDIR/usr/sbin/"
done
for t in ext2 ext3 ext4; do
  ln -s mke2fs "$DESTDIR/usr/sbin/mkfs.$t"
  ln -s e2fsck "$DESTDIR/usr/sbin/fsck.$t"
done
ln -s tune2fs "$DESTDIR/usr/sbin/e2label"
for m in e2fsck/e2fsck.8 debugfs/debugfs.8 misc/mke2fs.8 misc/tune2fs.8 \
  misc/e2label.8 misc/dumpe2fs.8 resize/resize2fs.8; do
  install -m 644 $m "$DESTDIR/usr/share/man/man8/"
done
for m in e2fsck/e2fsck.conf.5 misc/mke2fs.conf.5 misc/ext4.5; do
  install -m 644 $m "$DESTDIR/usr/share/man/man5/"
done
for t in ext2 ext3; do
  ln -s ext4.5 "$DESTDIR/usr/share/man/man5/$t.5"
done
