# GNU cpio, as installed, the way initramfs tools and the kernel's own
# build use it. On a tree made here (files, an empty one, a mode-755 one,
# a name with a space, a directory inside a directory, an empty
# directory, a symbolic link, a hard-linked pair, set times):
#   -o -H newc writes it, -t lists the names fed in (without ./, in the
#   order newc stores hard links) and a pattern's, -i -d -m extracts it
#   into a directory that equals the tree (diff -r, and find -printf's
#   types, modes, sizes, link counts, link targets and times), keeps a
#   newer file unless -u, -p -d -m copies it the same way;
#   --reproducible -R 0:0 writes, byte for byte, the newc archive this
#   script builds by hand from the format's definition (the "070701"
#   header of 13 hex fields, name and data padded to 4 bytes,
#   TRAILER!!!), the format the kernel unpacks an initramfs from;
#   an archive laid out as the kernel's gen_init_cpio writes one
#   (directories, a character device, a symbolic link, an executable
#   /init), plain and gzipped, is listed (-tv) and extracted (-f leaves
#   the device out);
#   truncated archives, cut in a file's data and in a header, are refused
#   with a non-zero exit.
set -eu
cpio --version | grep -q '^cpio (GNU cpio) 2.13$'

# fail MSG: report and stop
fail() {
  echo "FAILED: $*" >&2
  exit 1
}
# same WANT GOT: files equal, or show the difference and stop
same() {
  if ! cmp -s "$1" "$2"; then
    diff -u "$1" "$2" >&2 || true
    fail "$2 differs from $1"
  fi
}
# meta DIR: each entry's type, mode, size (files), link count (files),
# link target and modification time (not a symbolic link's: cpio does
# not set it), sorted; diff -r sees none of these
meta() {
  (cd "$1" && find . ! -name . \( -type f -printf '%p %y %m %s %n %T@\n' \
    -o -type l -printf '%p %y %l\n' -o -printf '%p %y %m %T@\n' \)) | sort
}

# The tree. What goes in is find's list of it in reverse sorted order,
# each directory after what it holds, as cpio's manual says to (find
# -depth): extraction then sets a directory's time after filling it.
mkdir -p tree/dir/sub tree/empty
printf 'alpha\n' > tree/a.txt
printf '#!/bin/sh\necho run\n' > tree/run.sh
: > tree/zero
printf 'a name with a space\n' > 'tree/dir/with space'
printf 'deep\n' > tree/dir/sub/deep.txt
head -c 5000 /dev/zero > tree/dir/big
ln tree/a.txt tree/dir/hard.txt
ln -s ../a.txt tree/dir/link
chmod 755 tree/run.sh tree tree/dir tree/dir/sub
chmod 700 tree/empty
chmod 644 tree/a.txt tree/zero 'tree/dir/with space' tree/dir/sub/deep.txt tree/dir/big
find tree -exec touch -h -t 201501020304 {} +
cat > list.want <<'EOF'
./zero
./run.sh
./empty
./dir/with space
./dir/sub/deep.txt
./dir/sub
./dir/link
./dir/hard.txt
./dir/big
./dir
./a.txt
.
EOF
(cd tree && find . -depth | sort -r > ../list.in)
same list.want list.in

# -o, -t, -i
(cd tree && cpio -o -H newc --quiet < ../list.in > ../tree.cpio)
[ "$(head -c 6 tree.cpio)" = 070701 ] || fail "tree.cpio is not newc"
# Stored without the leading ./ ; newc keeps a hard-linked file's data for
# its last link: dir/hard.txt is written (empty) just before a.txt.
cat > archive.want <<'EOF'
zero
run.sh
empty
dir/with space
dir/sub/deep.txt
dir/sub
dir/link
dir/big
dir
dir/hard.txt
a.txt
.
EOF
cpio -it --quiet < tree.cpio > archive.got
same archive.want archive.got
cpio -it --quiet 'dir/sub/*' < tree.cpio > pat.got
printf '%s\n' dir/sub/deep.txt > pat.want
same pat.want pat.got
mkdir out
(cd out && cpio -i -d -m --quiet < ../tree.cpio)
diff -r tree out
meta tree > meta.want
meta out > meta.got
same meta.want meta.got
grep -q '^\./dir/hard.txt f 644 6 2 ' meta.got || fail "hard link count"
# the hard link is one file again, not a copy
[ "$(find out -samefile out/a.txt | sort)" = "out/a.txt
out/dir/hard.txt" ] || fail "hard link not restored"
# an existing newer file is kept without -u, replaced with it
printf 'changed\n' > out/a.txt
touch -t 203001010000 out/a.txt
(cd out && cpio -i --quiet a.txt < ../tree.cpio 2> ../keep.err) || true
[ "$(cat out/a.txt)" = changed ] || fail "a newer file was overwritten without -u"
grep -q 'not created: newer or same age version exists' keep.err || fail "no newer-file notice"
(cd out && cpio -i -u --quiet a.txt < ../tree.cpio)
[ "$(cat out/a.txt)" = alpha ] || fail "-u did not replace the file"

# -p: pass-through into a new directory
(cd tree && cpio -p -d -m --quiet ../pass < ../list.in)
diff -r tree pass
meta pass > meta.pass
same meta.want meta.pass

# newc byte for byte. hdr INO MODE NLINK MTIME SIZE RMAJ RMIN NAME:
# one header and its name, padded; data follows, padded by pad4 SIZE.
# Fields as the kernel reads them: ino mode uid gid nlink mtime filesize
# devmajor devminor rdevmajor rdevminor namesize check (uid, gid, dev
# and check 0 here).
hdr() {
  printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
    "$1" "$2" 0 0 "$3" "$4" "$5" 0 0 "$6" "$7" $((${#8} + 1)) 0
  printf '%s\0' "$8"
  pad $(((110 + ${#8} + 1) % 4))
}
pad() { # pad R: zeros up to the next multiple of 4 after remainder R
  case $1 in 1) printf '\0\0\0' ;; 2) printf '\0\0' ;; 3) printf '\0' ;; esac
}
pad4() { pad $(($1 % 4)); }
trailer() { hdr 0 0 1 0 0 0 0 'TRAILER!!!'; }

mkdir k
printf '#!/bin/sh\nexec /bin/sh\n' > k/init
printf 'hello\n' > k/hello.txt
chmod 755 k/init
chmod 644 k/hello.txt
touch -t 200001010000 k/init k/hello.txt # 946684800 = 0x386D4380
(cd k && printf '%s\n' init hello.txt |
  cpio -o -H newc --reproducible -R 0:0 --quiet > ../made.cpio)
{
  # --reproducible numbers the inodes from 0 in archive order
  hdr 0 $((0100755)) 1 946684800 23 0 0 init
  printf '#!/bin/sh\nexec /bin/sh\n'
  pad4 23
  hdr 1 $((0100644)) 1 946684800 6 0 0 hello.txt
  printf 'hello\n'
  pad4 6
  trailer
} > kernel.cpio
# cpio fills its last 512-byte block with zeros
n=$(wc -c < kernel.cpio)
head -c $(((512 - n % 512) % 512)) /dev/zero >> kernel.cpio
same kernel.cpio made.cpio
# the same again: reproducible
(cd k && printf '%s\n' init hello.txt |
  cpio -o -H newc --reproducible -R 0:0 --quiet > ../made2.cpio)
same made.cpio made2.cpio

# An initramfs as the kernel's gen_init_cpio lays it out (no block
# padding, inodes from 721): dev, dev/console (char 5,1), root, bin,
# bin/sh -> busybox, init.
{
  hdr 721 $((040755)) 2 0 0 0 0 dev
  hdr 722 $((020600)) 1 0 0 5 1 dev/console
  hdr 723 $((040700)) 2 0 0 0 0 root
  hdr 724 $((040755)) 2 0 0 0 0 bin
  hdr 725 $((0120777)) 1 0 7 0 0 bin/sh
  printf busybox
  pad4 7
  hdr 726 $((0100755)) 1 0 20 0 0 init
  printf '#!/bin/sh\necho init\n'
  pad4 20
  trailer
} > initramfs.cpio
cat > initramfs.want <<'EOF'
drwxr-xr-x   2 0        0               0 Jan  1  1970 dev
crw-------   1 0        0          5,   1 Jan  1  1970 dev/console
drwx------   2 0        0               0 Jan  1  1970 root
drwxr-xr-x   2 0        0               0 Jan  1  1970 bin
lrwxrwxrwx   1 0        0               7 Jan  1  1970 bin/sh -> busybox
-rwxr-xr-x   1 0        0              20 Jan  1  1970 init
EOF
cpio -itvn --quiet < initramfs.cpio > initramfs.got
same initramfs.want initramfs.got
gzip -9n < initramfs.cpio > initramfs.cpio.gz
gzip -dc initramfs.cpio.gz | cpio -itvn --quiet > initramfs.gz.got
same initramfs.want initramfs.gz.got
# extract all but the device node (mknod is not for a check)
mkdir ird
(cd ird && gzip -dc ../initramfs.cpio.gz | cpio -i -d -m --quiet -f dev/console)
# (no directory times here: bin is filled after it is made, as the kernel
# does it; the kernel sets directory times at the end, cpio does not)
cat > ird.want <<'EOF'
./bin d 755
./bin/sh l 777 busybox
./dev d 755
./init f 755 20 0.0000000000
./root d 700
EOF
(cd ird && find . ! -name . \( -type f -printf '%p %y %m %s %T@\n' \
  -o -type l -printf '%p %y %m %l\n' -o -printf '%p %y %m\n' \)) | sort > ird.got
same ird.want ird.got
[ "$(./ird/init)" = init ] || fail "extracted /init does not run"

# Truncated archives: cut inside a file's data, and inside a header
# ., ./a.txt and ./dir take 356 bytes, ./dir/big's header 120: in its data
head -c 1000 tree.cpio > cut-data.cpio
head -c 50 initramfs.cpio > cut-header.cpio
for c in cut-data cut-header; do
  rm -rf x && mkdir x
  set +e
  (cd x && cpio -i -d --quiet < ../$c.cpio) 2> $c.err
  st=$?
  set -e
  [ $st != 0 ] || fail "$c.cpio was accepted"
  grep -q 'premature end of' $c.err || fail "$c.cpio: no premature end message"
done
# a whole archive but for its trailer: cpio -t reports it too
head -c $(($(wc -c < initramfs.cpio) - 124)) initramfs.cpio > no-trailer.cpio
set +e
cpio -it --quiet < no-trailer.cpio > /dev/null 2> no-trailer.err
st=$?
set -e
[ $st != 0 ] || fail "an archive without its trailer was accepted"
echo "cpio: all checks passed"
