# BusyBox, as installed, doing what the finished system's services and
# logins ask of it, offline:
#   busybox names exactly the chosen applets, each reached by its own name
#   through a link to /usr/bin/busybox; its banner carries the fixed date
#   (SOURCE_DATE_EPOCH's) and no build path;
#   cryptpw and mkpasswd give the published SHA-512 and MD5 crypt test
#   vectors, SHA-512 (the configured default) when no method is named, and
#   a fresh random salt on each call;
#   in a throw-away root (chroot) with its own /etc: passwd sets a user's
#   password in /etc/shadow as a $6$ hash that cryptpw recomputes from the
#   password, refuses two different entries; su runs a command as that
#   user (uid, gid, HOME, USER), refuses an unknown user;
#   syslogd writes what logger sends (argument and stdin, tag, facility,
#   priority) to its file, and to its shared-memory ring, where logread
#   reads it;
#   ip brings lo up, adds and removes an address and a route, and says so;
#   ifconfig shows the same lo; a missing interface is an error;
#   hostname sets the name uname reports; mount mounts a tmpfs, remounts it
#   read-only (writes refused), umount removes it (a second umount fails);
#   ps and pidof find a sleeping process; free reads the memory totals;
#   dmesg reads the kernel's log (a rootless run on a host with
#   dmesg_restrict: is refused); less copies a file when not on a terminal;
#   udhcpc, given no server, calls its script for deconfig and leasefail
#   and gives up with status 1;
#   runsvdir starts a runsv for a service directory, whose output svlogd
#   writes to its log's `current`; sv reports it up, a killed service is
#   restarted with a new pid, sv down stops it and sv up starts it again,
#   sv exit ends its runsv; chpst runs a command as another uid and gid.
# klogd, getty, login, vi, init, halt, poweroff and reboot need a console,
# the kernel's log or PID 1 to themselves: only their usage is checked
# (exit status 0 for --help).
# Run as root in the guest: in chroot mode in its own network, UTS, IPC
# and mount namespaces, so lo, the host name and mounts are the guest's.
set -eu
fail() {
  echo "FAILED: $*" >&2
  exit 1
}
# same WANT GOT: equal strings, or stop
same() {
  [ "$1" = "$2" ] || fail "expected '$1', got '$2'"
}
# has FILE TEXT: FILE holds a line containing TEXT, or stop
has() {
  grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks '$2'"; }
}
# wait_until COMMAND...: up to 60 s for COMMAND to succeed, or stop (a
# loaded machine, or a VM under TCG, is slow to start daemons)
wait_until() {
  i=0
  while ! "$@"; do
    i=$((i + 1))
    [ $i -lt 600 ] || fail "timed out waiting for: $*"
    sleep 0.1
  done
}
# A rootless chroot run by a user without subordinate ids maps one id (0,
# the user who ran it) and denies setgroups: no other user exists to switch
# to there. su's and chpst's switches are checked wherever the ids exist
# (root runs, rootless runs with subordinate ids, QEMU, bare metal) and
# said to be left out otherwise.
switch_users=yes
if [ -r /proc/self/uid_map ] && awk '{ n += $3 } END { exit !(n < 65536) }' /proc/self/uid_map; then
  switch_users=no
  echo "check-busybox: uid map '$(cat /proc/self/uid_map)': su and chpst -u left unchecked (a rootless run)"
fi
# In a user namespace of its own (a rootless run, whatever its map), not
# the host's, whose map is every id onto itself.
in_userns=no
grep -Eq '^ *0 +0 +4294967295$' /proc/self/uid_map || in_userns=yes
# in_ring TEXT: logread shows TEXT
in_ring() {
  logread | grep -qF -- "$1"
}

applets="chpst cryptpw dmesg free getty halt hostname ifconfig init ip klogd less
logger login logread mkpasswd mount passwd pidof poweroff ps reboot runsv
runsvdir su sv svlogd syslogd udhcpc umount vi"
same "$(echo $applets)" "$(echo $(busybox --list))"
for a in $applets; do
  same busybox "$(readlink "/usr/bin/$a")"
  $a --help > help.out 2>&1 || fail "$a --help exited non-zero"
  has help.out "Usage: $a"
done
same "BusyBox v1.37.0 ($(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S') UTC) multi-call binary." \
  "$(busybox --help | head -n 1)"
if grep -aq /bootstrap/ /usr/bin/busybox; then
  fail "/usr/bin/busybox names a /bootstrap path"
fi

# Password hashes: the SHA-512 and MD5 crypt test vectors.
h6='$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'
same "$h6" "$(cryptpw -m sha512 -S saltstring 'Hello world!')"
same "$h6" "$(cryptpw -S saltstring 'Hello world!')"
same "$h6" "$(mkpasswd -m sha512 'Hello world!' saltstring)"
same "$h6" "$(echo 'Hello world!' | cryptpw -S saltstring)"
same '$1$saltstri$FsuJ9Pfj6RQHKxfsv0gQX/' "$(cryptpw -m md5 -S saltstri hello)"
if [ "$(cryptpw -S saltstring 'Hello world?')" = "$h6" ]; then
  fail "a different password gave the same hash"
fi
a=$(cryptpw secret)
b=$(cryptpw secret)
case $a in '$6$'*'$'*) ;; *) fail "cryptpw's default is not SHA-512: $a" ;; esac
if [ "$a" = "$b" ]; then
  fail "two hashes of one password share their salt: $a"
fi

# passwd and su in a root of their own (their /etc is the real one).
mkdir -p root/bin root/usr/bin root/etc root/home/alice root/root
cp /usr/bin/busybox root/bin/busybox
cp /bin/dash root/bin/sh
cp /usr/bin/id root/usr/bin/id
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
  'alice:x:1000:1000:Alice:/home/alice:/bin/sh' > root/etc/passwd
printf '%s\n' 'root:*:19000:0:99999:7:::' 'alice:!:19000:0:99999:7:::' > root/etc/shadow
printf '%s\n' 'root:x:0:' 'alice:x:1000:' > root/etc/group
chmod 600 root/etc/shadow
printf 'n3w-Pass\nn3w-Pass\n' | chroot root /bin/busybox passwd alice > passwd.out 2>&1 ||
  { cat passwd.out >&2; fail "passwd alice exited non-zero"; }
h=$(grep '^alice:' root/etc/shadow | cut -d: -f2)
salt=${h#'$6$'}
salt=${salt%%'$'*}
case $h in '$6$'*) ;; *) fail "passwd wrote no SHA-512 hash: $h" ;; esac
same "$h" "$(cryptpw -m sha512 -S "$salt" n3w-Pass)"
if printf 'one\ntwo\n' | chroot root /bin/busybox passwd alice > passwd.out 2>&1; then
  fail "passwd accepted two different passwords"
fi
has passwd.out "Passwords don't match"
same "$h" "$(grep '^alice:' root/etc/shadow | cut -d: -f2)"
if [ $switch_users = yes ]; then
  same "1000 1000 /home/alice alice" \
    "$(chroot root /bin/busybox su -c 'echo $(id -u) $(id -g) $HOME $USER' alice)"
fi
if chroot root /bin/busybox su -c true nosuchuser 2> su.out; then
  fail "su accepted an unknown user"
fi
has su.out "unknown user nosuchuser"

# syslogd and logger, through /dev/log (no other logger runs here yet).
if [ -e /dev/log ]; then
  fail "/dev/log exists: is a system logger running?"
fi
syslogd -n -O "$PWD/messages" &
pid=$!
wait_until test -S /dev/log
logger -t check-busybox -p daemon.warning 'a warning from logger'
echo 'a line on stdin' | logger -t check-busybox
wait_until grep -qF 'a line on stdin' messages
kill "$pid"
wait "$pid" || true
rm -f /dev/log
has messages 'syslogd started: BusyBox v1.37.0'
has messages "$(hostname) daemon.warn check-busybox: a warning from logger"
has messages "$(hostname) user.notice check-busybox: a line on stdin"
syslogd -n -C16 &
pid=$!
wait_until test -S /dev/log
logger -t check-busybox 'into the ring'
wait_until in_ring 'into the ring'
logread > logread.out
kill "$pid"
wait "$pid" || true
rm -f /dev/log
has logread.out 'user.notice check-busybox: into the ring'

# ip and ifconfig on lo.
ip link set lo up
if ! ip -4 addr show dev lo | grep -q 'inet 127\.0\.0\.1/8'; then
  ip addr add 127.0.0.1/8 dev lo
fi
ip link show lo > link.out
has link.out 'UP'
has link.out 'link/loopback 00:00:00:00:00:00'
# What a failed earlier run may have left.
ip route del 10.99.0.0/16 dev lo 2> /dev/null || true
ip addr del 127.0.0.2/8 dev lo 2> /dev/null || true
ip addr add 127.0.0.2/8 dev lo
ip route add 10.99.0.0/16 dev lo
ip addr show dev lo > addr.out
has addr.out 'inet 127.0.0.2/8'
ip route show > route.out
has route.out '10.99.0.0/16 dev lo'
ifconfig lo > ifconfig.out
has ifconfig.out 'inet addr:127.0.0.1  Mask:255.0.0.0'
has ifconfig.out 'UP LOOPBACK RUNNING'
ip route del 10.99.0.0/16 dev lo
ip addr del 127.0.0.2/8 dev lo
ip addr show dev lo > addr.out
ip route show > route.out
if grep -q '127\.0\.0\.2' addr.out; then
  fail "ip addr del left 127.0.0.2 on lo"
fi
if grep -q '10\.99\.0\.0' route.out; then
  fail "ip route del left 10.99.0.0/16"
fi
if ip link show nosuch0 2> /dev/null; then
  fail "ip link show accepted a missing interface"
fi
if ifconfig nosuch0 2> /dev/null; then
  fail "ifconfig accepted a missing interface"
fi

# hostname: set, seen by coreutils' uname, restored.
old=$(hostname)
same "$old" "$(uname -n)"
hostname check-busybox
same check-busybox "$(uname -n)"
hostname "$old"
same "$old" "$(uname -n)"

# mount and umount: a tmpfs, read-write then read-only.
mkdir mnt
mount -t tmpfs -o size=1m,mode=0700 check-busybox "$PWD/mnt"
has /proc/mounts "check-busybox $PWD/mnt tmpfs rw"
echo data > mnt/file
# Device and directory both given: with the directory alone BusyBox reads
# the mount's options back from /proc/mounts and passes them again, and
# there tmpfs shows its owner as the host's uid (uid=N), which a user
# namespace (a rootless chroot run) does not map: the remount gets EINVAL.
mount -o remount,ro check-busybox "$PWD/mnt"
has /proc/mounts "check-busybox $PWD/mnt tmpfs ro"
if (echo more > mnt/other) 2> /dev/null; then
  fail "a read-only remount took a write"
fi
same data "$(cat mnt/file)"
umount "$PWD/mnt"
if [ -e mnt/file ]; then
  fail "umount left the tmpfs mounted"
fi
if umount "$PWD/mnt" 2> /dev/null; then
  fail "umount of a directory that is no mount point succeeded"
fi

# ps, pidof, free, dmesg, less.
sleep 300 &
pid=$!
# The child may not have exec'd sleep yet (it is still a copy of this shell).
is_sleep() {
  [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = sleep ]
}
wait_until is_sleep
ps > ps.out
has ps.out "sleep 300"
grep -q "^ *$pid " ps.out || fail "ps does not list $pid"
case " $(pidof sleep) " in *" $pid "*) ;; *) fail "pidof sleep misses $pid" ;; esac
kill "$pid"
wait "$pid" || true
free > free.out
has free.out 'Mem:'
total=$(grep '^Mem:' free.out | tr -s ' ' | cut -d' ' -f2)
[ "$total" -gt 0 ] || fail "free reports no memory"
# Where kernel.dmesg_restrict is 1, reading the kernel's log needs
# CAP_SYSLOG in the host's own user namespace, which a rootless run's root
# does not have: there dmesg must be refused, and says so.
if [ "$(cat /proc/sys/kernel/dmesg_restrict 2> /dev/null)" = 1 ] && [ $in_userns = yes ]; then
  if dmesg > dmesg.out 2> dmesg.err; then
    fail "dmesg read the kernel's log from a user namespace despite dmesg_restrict"
  fi
  has dmesg.err "Operation not permitted"
  echo "check-busybox: kernel.dmesg_restrict is 1 in a user namespace: dmesg's refusal checked, its reading left unchecked (a rootless run)"
else
  dmesg > dmesg.out
  [ -s dmesg.out ] || fail "dmesg read nothing"
fi
printf 'line one\nline two\n' > text
less text > less.out
cmp text less.out

# udhcpc with no DHCP server on lo: its script sees deconfig, then
# leasefail; -n makes it give up (status 1) instead of going on.
printf '#!/bin/sh\necho "$1 $interface" >> %s\n' "$PWD/dhcp.log" > dhcp.sh
chmod 755 dhcp.sh
if udhcpc -i lo -n -q -t 2 -T 1 -s "$PWD/dhcp.sh" 2> udhcpc.out; then
  fail "udhcpc got a lease from nobody"
fi
has udhcpc.out 'no lease, failing'
same "deconfig lo
leasefail lo" "$(cat dhcp.log)"
# Supervision, runit's way: one service with a log service, under a
# runsvdir of its own (stopped on the way out, whatever happens).
mkdir -p sv/ticker/log/main svc
printf '#!/bin/sh\nexec 2>&1\necho started $$\nexec sleep 300\n' > sv/ticker/run
printf '#!/bin/sh\nexec svlogd %s\n' "$PWD/sv/ticker/log/main" > sv/ticker/log/run
chmod 755 sv/ticker/run sv/ticker/log/run
ln -s "$PWD/sv/ticker" svc/ticker
runsvdir "$PWD/svc" > /dev/null 2>&1 &
rsd=$!
trap 'kill $rsd 2> /dev/null || true' EXIT
# sv takes a name without a leading / or . as one in /var/service.
s=$PWD/svc/ticker
# svpid: the service's pid while sv says it runs, else nothing
svpid() {
  sv status "$s" | sed -n 's/^run: [^ ]*: (pid \([0-9]*\)).*/\1/p'
}
running() {
  [ -n "$(svpid)" ]
}
wait_until running
pid1=$(svpid)
logged() {
  grep -qx "started $pid1" sv/ticker/log/main/current 2> /dev/null
}
wait_until logged
case $(sv status "$s") in *"; run: log: (pid "*) ;; *) fail "the log service is not up" ;; esac
sv kill "$s"
restarted() {
  p=$(svpid)
  [ -n "$p" ] && [ "$p" != "$pid1" ]
}
wait_until restarted
sv down "$s"
down() {
  sv status "$s" | grep -q '^down: '
}
wait_until down
sv up "$s"
wait_until running
if [ $switch_users = yes ]; then
  same "65534 65534" "$(chpst -u 65534:65534 sh -c 'echo $(id -u) $(id -g)')"
fi
sv exit "$s"
gone() {
  ! sv status "$s" > /dev/null 2>&1
}
wait_until gone
kill $rsd
wait $rsd || true
trap - EXIT

echo "check-busybox: $(busybox --list | wc -l) applets work"
