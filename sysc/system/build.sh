# The system's files, from this directory into DESTDIR with fixed modes.
# /var/service/<name> links each service of /etc/sv (runsvdir starts what
# is linked there); each service's runtime state (runsv's `supervise`) is a
# link into /run, which stage 1 fills, so that /etc stays as recorded.
# /sbin/init is BusyBox's init, where the kernel looks for it. No
# /etc/shadow: the root password is the run's, not the recipe's.
set -eux
d=$DESTDIR
cd "$RECIPE"
for f in etc/passwd etc/group etc/hostname etc/hosts etc/fstab etc/profile \
  etc/shells etc/inittab; do
  install -D -m 644 "$f" "$d/$f"
done
install -D -m 644 boot/grub/grub.cfg "$d/boot/grub/grub.cfg"
for f in etc/rc/1 etc/rc/2 etc/rc/3 usr/share/udhcpc/default.script; do
  install -D -m 755 "$f" "$d/$f"
done
install -d -m 755 "$d/var/service"
for s in etc/sv/*; do
  n=${s#etc/sv/}
  install -D -m 755 "$s/run" "$d/$s/run"
  ln -s "/run/runit/supervise.$n" "$d/$s/supervise"
  ln -s "../../etc/sv/$n" "$d/var/service/$n"
done
install -d -m 755 "$d/sbin" "$d/proc" "$d/sys" "$d/dev" "$d/run" "$d/var/log"
install -d -m 700 "$d/root"
install -d -m 1777 "$d/tmp"
ln -s ../usr/bin/init "$d/sbin/init"
ln -s ../proc/self/mounts "$d/etc/mtab"
