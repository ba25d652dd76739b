# e2fsprogs, as installed, on filesystems in regular files (nothing is
# mounted):
#   mkfs.ext4 (mke2fs by its ext4 name) makes a filesystem with a fixed
#   UUID, hash seed, label, root owner and geometry: dumpe2fs and tune2fs
#   -l show each of them, the ext4 features, the backup superblocks where
#   sparse_super puts them for that geometry, and a checksum seed equal
#   to crc32c(~0, UUID) computed outside e2fsprogs; mkfs.ext2 makes one
#   without journal or extents; e2fsck -fn (and fsck.ext4) find it clean
#   and count what dumpe2fs counts;
#   debugfs -w writes a text file, a directory, a 1 MiB program and a
#   symbolic link into it, lists them (ls -p: modes, sizes), and cat/dump
#   give back the same bytes; e2fsck still finds it clean;
#   e2label and tune2fs -L/-c change the label and the maximum mount count;
#   resize2fs grows the filesystem to 128 MiB and shrinks it to 48 MiB,
#   clean and with the files intact each time;
#   mke2fs -d fills a filesystem from a directory tree (files, an empty
#   one, a mode-755 one, a hard-linked pair, a symbolic link, an empty
#   mode-700 directory): debugfs rdump gives back the same tree, and two
#   runs with the same SOURCE_DATE_EPOCH and source times write the same
#   image, byte for byte;
#   a byte changed in the primary superblock is noticed (checksum) by
#   e2fsck -n, which exits 4 and changes nothing; e2fsck -y repairs it
#   from a backup superblock (exit 1), then it is clean with its label
#   and files; a byte changed in a backup superblock is noticed when
#   e2fsck is pointed at that copy (-b), and a zeroed magic number there
#   too, while the primary stays clean; a byte changed in an inode table
#   is noticed (inode checksum) and repaired.
set -eu
# The tools live in /usr/sbin, which the steps' PATH leaves out.
PATH=/usr/sbin:$PATH
export SOURCE_DATE_EPOCH=1700000000

fail() {
  echo "FAILED: $*" >&2
  exit 1
}
same() {
  if ! cmp -s "$1" "$2"; then
    diff -u "$1" "$2" >&2 || true
    fail "$2 differs from $1"
  fi
}
# field FILE NAME: the value of "NAME:   value" in dumpe2fs/tune2fs output
field() {
  sed -n "s/^$2: *//p" "$1"
}
# want WHAT GOT EXPECTED
want() {
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}
# fsck WANT-STATUS ARGS...: run e2fsck ARGS into fsck.out, check its status
fsck() {
  _w=$1
  shift
  _s=0
  e2fsck "$@" > fsck.out 2>&1 || _s=$?
  if [ "$_s" != "$_w" ]; then
    cat fsck.out >&2
    fail "e2fsck $*: exit $_s, want $_w"
  fi
}
# poke IMAGE OFFSET FORMAT: overwrite one byte with printf FORMAT's
poke() {
  printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null
}

U=2b6a1e10-1d3f-4c4e-9a55-8f1c2d3e4f50
H=6f0b8d1e-2a4c-4e6f-8a0b-1c2d3e4f5a6b
for p in mke2fs e2fsck tune2fs dumpe2fs debugfs resize2fs; do
  v=$($p -V 2>&1 | head -n 1) || true
  case $v in
    "$p 1.47.2 (1-Jan-2025)") ;;
    *) fail "$p -V says '$v'" ;;
  esac
done

# --- mkfs.ext4: 64 MiB of 1 KiB blocks, one inode per 4 KiB.
truncate -s 64M fs.img
mkfs.ext4 -q -F -b 1024 -i 4096 -I 256 -L chainfs -U $U \
  -E root_owner=0:0,hash_seed=$H fs.img
dumpe2fs -h fs.img > sb.txt 2> /dev/null
want label "$(field sb.txt 'Filesystem volume name')" chainfs
want uuid "$(field sb.txt 'Filesystem UUID')" $U
want hash "$(field sb.txt 'Directory Hash Seed')" $H
want magic "$(field sb.txt 'Filesystem magic number')" 0xEF53
want state "$(field sb.txt 'Filesystem state')" clean
want blocks "$(field sb.txt 'Block count')" 65536
want blocksize "$(field sb.txt 'Block size')" 1024
want inodes "$(field sb.txt 'Inode count')" 16384
want inodesize "$(field sb.txt 'Inode size')" 256
want group "$(field sb.txt 'Blocks per group')" 8192
want first "$(field sb.txt 'First block')" 1
want owner "$(field sb.txt 'Reserved blocks uid')" '0 (user unknown)'
want created "$(field sb.txt 'Filesystem created')" 'Tue Nov 14 22:13:20 2023'
# crc32c (Castagnoli, reflected, initial ~0, no final xor) of the UUID's
# 16 bytes, computed with an independent implementation
want csumseed "$(field sb.txt 'Checksum seed')" 0xc32b31f7
features=" $(field sb.txt 'Filesystem features') "
for f in has_journal extent 64bit flex_bg metadata_csum sparse_super dir_index \
  huge_file dir_nlink extra_isize; do
  case $features in *" $f "*) ;; *) fail "no $f in:$features" ;; esac
done
# 8 groups: sparse_super keeps backups in groups 1, 3, 5 and 7 only
dumpe2fs fs.img 2> /dev/null | sed -n 's/^ *\(Backup superblock at [0-9]*\).*/\1/p' > backups.txt
printf 'Backup superblock at %s\n' 8193 24577 40961 57345 > backups.want
same backups.want backups.txt
tune2fs -l fs.img > tune.txt
want tune-label "$(field tune.txt 'Filesystem volume name')" chainfs
want tune-uuid "$(field tune.txt 'Filesystem UUID')" $U

# e2fsck -fn: clean, and it counts what the superblock says
fsck 0 -fn fs.img
used=$(($(field sb.txt 'Block count') - $(field sb.txt 'Free blocks')))
files=$(($(field sb.txt 'Inode count') - $(field sb.txt 'Free inodes')))
want counts "$(tail -n 1 fsck.out)" \
  "chainfs: $files/16384 files (0.0% non-contiguous), $used/65536 blocks"
want files-used $files 12 # 11 reserved inodes, and the orphan file's
s=0
fsck.ext4 -fn fs.img > /dev/null 2>&1 || s=$?
want fsck.ext4 $s 0

# mkfs.ext2: the name picks ext2, without journal and extents
truncate -s 8M two.img
mkfs.ext2 -q -F -L two two.img
dumpe2fs -h two.img > two.txt 2> /dev/null
case " $(field two.txt 'Filesystem features') " in
  *" has_journal "* | *" extent "*) fail "mkfs.ext2 made: $(field two.txt 'Filesystem features')" ;;
esac
fsck 0 -fn two.img

# --- debugfs writes, reads back
printf 'hello, ext4\n' > hello.txt
cp /usr/sbin/debugfs big.bin
chmod 644 big.bin
cat > cmds <<'EOF'
write hello.txt hello.txt
mkdir dir
cd dir
write big.bin big
symlink link ../hello.txt
EOF
debugfs -w -f cmds fs.img > /dev/null 2>&1
debugfs -R 'ls -p /' fs.img 2> /dev/null > ls.txt
debugfs -R 'ls -p /dir' fs.img 2> /dev/null >> ls.txt
bigsize=$(wc -c < big.bin)
# ls -p: /inode/mode/uid/gid/name/size/ (the inode numbers follow the
# reserved ones, lost+found's 11 and the orphan file's 12)
cat > ls.want <<EOF
/2/040755/0/0/.//
/2/040755/0/0/..//
/11/040700/0/0/lost+found//
/13/100644/0/0/hello.txt/12/
/14/040755/0/0/dir//

/14/040755/0/0/.//
/2/040755/0/0/..//
/15/100644/0/0/big/$bigsize/
/16/120777/0/0/link/12/

EOF
same ls.want ls.txt
debugfs -R 'cat /hello.txt' fs.img > hello.out 2> /dev/null
same hello.txt hello.out
debugfs -R 'dump /dir/big big.out' fs.img > /dev/null 2>&1
same big.bin big.out
want link "$(debugfs -R 'stat /dir/link' fs.img 2> /dev/null | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p')" ../hello.txt
fsck 0 -fn fs.img
want files-after "$(tail -n 1 fsck.out | sed 's/ files.*//')" 'chainfs: 16/16384'

# --- labels and tune2fs
want e2label "$(e2label fs.img)" chainfs
e2label fs.img other
tune2fs -l fs.img > tune.txt
want e2label-set "$(field tune.txt 'Filesystem volume name')" other
tune2fs -L chainfs -c 20 fs.img > /dev/null
tune2fs -l fs.img > tune.txt
want relabel "$(field tune.txt 'Filesystem volume name')" chainfs
want maxmount "$(field tune.txt 'Maximum mount count')" 20
fsck 0 -fn fs.img

# --- resize2fs: grow, then shrink below the start size
truncate -s 128M fs.img
resize2fs fs.img > /dev/null 2>&1
dumpe2fs -h fs.img > sb.txt 2> /dev/null
want grown "$(field sb.txt 'Block count')" 131072
fsck 0 -fn fs.img
resize2fs fs.img 48M > /dev/null 2>&1
dumpe2fs -h fs.img > sb.txt 2> /dev/null
want shrunk "$(field sb.txt 'Block count')" 49152
truncate -s 48M fs.img
fsck 0 -fn fs.img
debugfs -R 'dump /dir/big big.out' fs.img > /dev/null 2>&1
same big.bin big.out
debugfs -R 'cat /hello.txt' fs.img > hello.out 2> /dev/null
same hello.txt hello.out

# --- mke2fs -d: a filesystem made from a tree
mkdir -p tree/dir/sub tree/empty
printf 'alpha\n' > tree/a.txt
printf '#!/bin/sh\necho run\n' > tree/run.sh
: > tree/zero
cp big.bin tree/dir/big
ln tree/a.txt tree/dir/hard.txt
ln -s ../a.txt tree/dir/link
chmod 755 tree/run.sh tree tree/dir tree/dir/sub
chmod 700 tree/empty
chmod 644 tree/a.txt tree/zero tree/dir/big
for i in 1 2; do
  # reading the tree moves its access times, which mke2fs copies
  find tree -exec touch -h -t 201501020304 {} +
  truncate -s 16M tree$i.img
  mke2fs -q -F -t ext4 -L tree -U $U -E root_owner=0:0,hash_seed=$H -d tree tree$i.img
done
cmp tree1.img tree2.img || fail "mke2fs -d twice: different images"
fsck 0 -fn tree1.img
mkdir out
debugfs -R 'rdump / out' tree1.img > /dev/null 2>&1
[ -d out/lost+found ] || fail "no lost+found in the image"
rmdir out/lost+found
diff -r tree out || fail "rdump differs from the tree"
meta() {
  (cd "$1" && find . ! -name . \( -type f -printf '%p %m %s %T@\n' \
    -o -type l -printf '%p %l\n' -o -printf '%p %m\n' \)) | sort
}
meta tree > meta.want
meta out > meta.got
same meta.want meta.got
debugfs -R 'stat /dir/hard.txt' tree1.img 2> /dev/null > hard.txt
case $(sed -n 's/^Links: \([0-9]*\).*/\1/p' hard.txt) in
  2) ;;
  *) fail "hard link count in the image: $(cat hard.txt)" ;;
esac

# --- corruption: the primary superblock
truncate -s 64M fs.img
resize2fs fs.img > /dev/null 2>&1
fsck 0 -fn fs.img
cp fs.img good.img
poke fs.img $((1024 + 120)) X # first byte of the volume name
fsck 4 -fn fs.img
grep -q 'Superblock checksum does not match superblock' fsck.out \
  || fail "e2fsck -n did not name the superblock checksum"
cmp -s fs.img good.img && fail "the poke did nothing"
cp fs.img poked.img
fsck 4 -fn fs.img
same poked.img fs.img # -n writes nothing
fsck 1 -fy fs.img
fsck 0 -fn fs.img
want repaired-label "$(e2label fs.img)" chainfs
debugfs -R 'cat /hello.txt' fs.img > hello.out 2> /dev/null
same hello.txt hello.out

# a backup superblock (group 1's, block 8193): the primary does not look
# at it, e2fsck -b does
cp good.img fs.img
poke fs.img $((8193 * 1024 + 120)) X
fsck 0 -fn fs.img
fsck 8 -fn -b 8193 -B 1024 fs.img
grep -q 'Superblock checksum does not match superblock' fsck.out \
  || fail "e2fsck -b did not name the backup's checksum"
cp good.img fs.img
poke fs.img $((8193 * 1024 + 56)) '\000' # s_magic's low byte
fsck 8 -fn -b 8193 -B 1024 fs.img
grep -q 'Bad magic number in super-block' fsck.out \
  || fail "e2fsck -b did not see the zeroed magic"
cp good.img fs.img

# an inode table: hello.txt's inode (13), whose table starts at the block
# dumpe2fs names for group 0; byte 8 is i_atime's first
itab=$(dumpe2fs good.img 2> /dev/null | sed -n 's/^ *Inode table at \([0-9]*\)-.*/\1/p' | head -n 1)
[ -n "$itab" ] || fail "no inode table in dumpe2fs's output"
poke fs.img $((itab * 1024 + 12 * 256 + 8)) X
fsck 4 -fn fs.img
grep -q 'checksum does not match inode' fsck.out \
  || fail "e2fsck -n did not see the inode checksum"
fsck 1 -fy fs.img
fsck 0 -fn fs.img
echo "e2fsprogs: mke2fs, e2fsck, tune2fs, dumpe2fs, debugfs, resize2fs work"
