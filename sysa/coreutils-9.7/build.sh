. /bootstrap/lib/unpack.sh
# GNU coreutils without configure or make. confh does what config.status
# and the Makefile's header rules would: lib/config.h from lib/config.hin,
# each gnulib template lib/X.in.h to X.h (sys_X.in.h to sys/X.h,
# arpa_inet.in.h to arpa/inet.h, se-X.in.h to selinux/X.h) with the same
# pastes, and the malloc/*.gl.h copies with the same edits; configmake.h,
# gmp.h and src/version.[ch] are ours (what the Makefile writes). Then
# libcoreutils from the objects lib/ builds for that configuration, and
# each program from its src/ objects, all compiled by relative name from
# their directory (no build path in a binary), the generated headers first
# on the include path so that they wrap musl's (#include_next).
set -eux
# C11, as close as TinyCC comes to the gnu17 of the configure run: gnulib
# relies on static_assert (musl's <assert.h> defines it from C11 on).
# TinyCC rejects an array parameter sized by an earlier parameter
# (regex.h's "regmatch_t pmatch[nmatch]"): regex.h's own switch drops it.
cc="cc -std=c11 -D_REGEX_NELTS(n)="
kit=/bootstrap/bin/kit
confh=/bootstrap/bin/confh
. /bootstrap/lib/gnulib.sh
b=$BUILDDIR
$kit mkdir "$b/lib/sys" "$b/lib/arpa" "$b/lib/selinux" "$b/lib/malloc" \
  "$b/obj" "$b/src/blake2" "$b/bin"
$confh "$SRC/lib/config.hin" "$RECIPE/config.answers" "$b/lib/config.h"
$kit cp "$RECIPE/configmake.h" "$b/lib/configmake.h"
$kit cp "$RECIPE/gmp.h" "$b/lib/gmp.h"
$kit cp "$RECIPE/version.h" "$b/src/version.h"
$kit cp "$RECIPE/version.c" "$b/src/version.c"

cd "$SRC/lib"
# the templates the Makefile substitutes (and the few it copies as they
# are: obstack, se-context, se-label, stdckdint, unistr, unitypes, uniwidth)
gnulib_headers "$RECIPE/gnu.substs" "$b/lib" alloca arpa_inet ctype dirent \
  fcntl float fnmatch getopt getopt-cdefs iconv inttypes langinfo limits \
  locale math netdb obstack pthread sched se-context se-label se-selinux \
  signal stdbit stdckdint stddef stdint stdio stdlib string sys_ioctl \
  sys_random sys_resource sys_select sys_socket sys_stat sys_time \
  sys_types sys_uio sys_utsname sys_wait termios time uchar unicase \
  unictype uninorm unistd unistr unitypes uniwidth utime wchar wctype
# error.in.h's rule leaves the @NAME@ in its comment alone
gnulib_headers "$RECIPE/error.substs" "$b/lib" error
$confh -s "$RECIPE/gnu.substs" malloc/dynarray.h "$b/lib/malloc/dynarray.gl.h" \
  -d libc_hidden_proto
$confh -s "$RECIPE/gnu.substs" malloc/dynarray-skeleton.c \
  "$b/lib/malloc/dynarray-skeleton.gl.h" \
  -e '<malloc/dynarray.h>' '<malloc/dynarray.gl.h>' \
  -e __attribute_maybe_unused__ _GL_ATTRIBUTE_MAYBE_UNUSED \
  -e __attribute_nonnull__ _GL_ATTRIBUTE_NONNULL \
  -e __attribute_warn_unused_result__ _GL_ATTRIBUTE_NODISCARD \
  -e __glibc_likely _GL_LIKELY -e __glibc_unlikely _GL_UNLIKELY
$confh -s "$RECIPE/gnu.substs" malloc/scratch_buffer.h \
  "$b/lib/malloc/scratch_buffer.gl.h" \
  -e __always_inline 'inline _GL_ATTRIBUTE_ALWAYS_INLINE' \
  -e __glibc_likely _GL_LIKELY -e __glibc_unlikely _GL_UNLIKELY \
  -d libc_hidden_proto

# libcoreutils: lib_libcoreutils_a_SOURCES for this configuration, then its
# LIBOBJS; not crc-x86_64-pclmul.c (GL_CRC_X86_64_PCLMUL is not answered)
for f in \
  copy-acl.c set-acl.c acl-errno-valid.c acl-internal.c \
  get-permissions.c set-permissions.c alignalloc.c allocator.c \
  areadlink.c areadlink-with-size.c areadlinkat.c \
  areadlinkat-with-size.c argmatch.c argv-iter.c arpa_inet.c \
  openat-proc.c backupfile.c backup-rename.c backup-find.c base32.c \
  base64.c basename-lgpl.c binary-io.c bitrotate.c btoc32.c \
  buffer-lcm.c c-ctype.c c-file-type.c c-strcasecmp.c c-strncasecmp.c \
  c-strtod.c c-strtold.c c32_apply_type_test.c c32_get_type_test.c \
  c32isalnum.c c32isalpha.c c32isblank.c c32iscntrl.c c32isdigit.c \
  c32isgraph.c c32islower.c c32isprint.c c32ispunct.c c32isspace.c \
  c32isupper.c c32isxdigit.c c32tolower.c c32width.c canon-host.c \
  canonicalize.c careadlinkat.c chdir-long.c chmodat.c chownat.c \
  cl-strtod.c cl-strtold.c cloexec.c close-stream.c closein.c \
  closeout.c copy-file-range.c crc.c af_alg.c md5-stream.c md5.c \
  sha1-stream.c sha1.c sha256-stream.c sha256.c sha512-stream.c \
  sha512.c sm3-stream.c sm3.c cycle-check.c di-set.c dirname.c \
  basename.c dirname-lgpl.c stripslash.c dtimespec-bound.c dtoastr.c \
  dtotimespec.c error.c exclude.c exitfail.c fadvise.c fcntl.c \
  creat-safer.c open-safer.c fd-hook.c fd-reopen.c fd-safer-flag.c \
  dup-safer-flag.c fdutimensat.c file-has-acl.c file-set.c file-type.c \
  filemode.c filenamecat.c filenamecat-lgpl.c filevercmp.c float.c \
  fopen-safer.c fprintftime.c fpurge.c freading.c freadseek.c free.c \
  freopen-safer.c fsusage.c ftoastr.c fts.c full-read.c full-write.c \
  futimens.c getcwd.c getcwd-lgpl.c gethrxtime.c xtime.c getlogin.c \
  getndelim2.c getopt.c getopt1.c getprogname.c gettime.c gettime-res.c \
  getugroups.c malloc/dynarray_at_failure.c \
  malloc/dynarray_emplace_enlarge.c malloc/dynarray_finalize.c \
  malloc/dynarray_resize.c malloc/dynarray_resize_clear.c \
  malloc/scratch_buffer_grow.c malloc/scratch_buffer_grow_preserve.c \
  malloc/scratch_buffer_set_array_size.c group-member.c hard-locale.c \
  hash.c hash-pjw.c hash-triple.c hash-triple-simple.c heap.c human.c \
  i-ring.c ialloc.c idcache.c ino-map.c imaxtostr.c inttostr.c \
  offtostr.c uinttostr.c umaxtostr.c isapipe.c ldtoastr.c \
  mini-mpq-gnulib.c mini-gmp-gnulib.c linebuffer.c localcharset.c \
  glthread/lock.c long-options.c malloca.c math.c mbscasecmp.c mbschr.c \
  mbslen.c mbsrtoc32s.c mbswidth.c mbszero.c mcel.c memcasecmp.c \
  memchr2.c memcmp2.c memcoll.c memset_explicit.c mgetgroups.c \
  mkancesdirs.c dirchownmod.c mkdir-p.c mknod.c modechange.c \
  mountlist.c mpsort.c nanosleep.c nl_langinfo.c nproc.c nstrftime.c \
  obstack.c glthread/once.c openat-die.c openat-safer.c opendirat.c \
  parse-datetime.c physmem.c pipe2.c posix_memalign.c posixtm.c \
  posixver.c printf-frexp.c printf-frexpl.c priv-set.c progname.c \
  propername-lite.c qcopy-acl.c qset-acl.c quotearg.c randint.c \
  randperm.c randread.c rand-isaac.c rawmemchr.c read-file.c \
  readtokens.c readtokens0.c readutmp.c regex.c renameatu.c \
  root-dev-ino.c rpmatch.c safe-read.c safe-write.c same.c same-inode.c \
  save-cwd.c savedir.c savewd.c selinux-at.c se-context.c se-label.c \
  se-selinux.c setlocale_null.c setlocale-lock.c \
  setlocale_null-unlocked.c settime.c sig2str.c sig-handler.c \
  skipchars.c sockets.c stat-time.c stdbit.c stdc_bit_width.c \
  stdc_leading_zeros.c stdc_trailing_zeros.c stdlib.c mkstemp-safer.c \
  str_endswith.c strnlen1.c strintcmp.c strnumcmp.c strtoll.c \
  strtoull.c sys_socket.c targetdir.c tempname.c glthread/threadlib.c \
  time_rz.c timespec.c glthread/tls.c tmpdir.c u64.c unicase/tolower.c \
  unicodeio.c unictype/ctype_alnum.c unictype/ctype_alpha.c \
  unictype/ctype_blank.c unictype/ctype_cntrl.c unictype/ctype_digit.c \
  unictype/ctype_graph.c unictype/ctype_lower.c unictype/ctype_print.c \
  unictype/ctype_punct.c unictype/ctype_space.c unictype/ctype_upper.c \
  unictype/ctype_xdigit.c unistd.c dup-safer.c fd-safer.c pipe-safer.c \
  unistr/u32-chr.c unistr/u32-cpy.c unistr/u32-pcpy.c \
  unistr/u32-strcat.c unistr/u32-strlen.c unistr/u8-mbtoucr.c \
  unistr/u8-uctomb.c unistr/u8-uctomb-aux.c uniwidth/width.c \
  unlinkdir.c userspec.c utimecmp.c utimens.c vaszprintf.c aszprintf.c \
  version-etc.c version-etc-fsf.c vfzprintf.c vsnzprintf.c vzprintf.c \
  wctype-h.c wmempcpy.c write-any-file.c xalignalloc.c xmalloc.c \
  xalloc-die.c xbinary-io.c xdectoimax.c xdectoumax.c xfts.c xgetcwd.c \
  xgetgroups.c xgethostname.c xmemcoll.c xnanosleep.c xprintf.c \
  xreadlink.c xsize.c xstrtod.c xstrtoimax.c xstrtol.c xstrtoul.c \
  xstrtol-error.c xstrtold.c xstrtoumax.c xvasprintf.c xasprintf.c \
  yesno.c asnprintf.c asprintf.c fnmatch.c mbsrtoc32s-state.c mktime.c \
  printf-args.c printf-parse.c vasnprintf.c vasprintf.c
do
  # object names unique across the subdirectories (one level): dir_base.o
  case $f in */*) o=${f%%/*}_${f#*/} ;; *) o=$f ;; esac
  o=${o%.c}
  $cc -I"$b/lib" -I. -c "$f" -o "$b/obj/$o.o"
done
cd "$b/obj"
ar rcs "$b/libcoreutils.a" *.o

# the programs: src/local.mk's objects for each (bin_PROGRAMS of this
# configuration), compiled once each; some sources are compiled several
# times with the defines of their per-program flags.
cd "$SRC/src"
o() {
  out=$1 f=$2
  shift 2
  $cc -I"$b/lib" -I../lib -I"$b/src" "$@" -c "$f" -o "$b/src/$out.o"
}
o version "$b/src/version.c"
for f in basename cat chcon chmod chown chown-core chown-chgrp \
  chown-chown chroot comm copy cp cp-hash csplit cut date dd df \
  dircolors dirname du echo env expand expand-common expr factor false \
  find-mount-point fmt fold force-link group-list groups head hostid id \
  install iopoll join kill lbracket link ln logname ls ls-dir ls-ls \
  ls-vdir mkdir mkfifo mknod mktemp mv nice nl nohup nproc numfmt od \
  operand2sig paste pathchk pinky pr printenv printf prog-fprintf ptx pwd \
  readlink realpath relpath remove rm rmdir runcon selinux seq set-fields \
  show-date shred shuf sleep sort split stat stty sync tac tail tee \
  temp-stream test timeout touch tr true truncate tsort tty uname \
  uname-uname unexpand uniq unlink uptime users wc who whoami yes
do
  o $f $f.c
done
for a in md5sum:MD5 sha1sum:SHA1 sha224sum:SHA224 sha256sum:SHA256 \
  sha384sum:SHA384 sha512sum:SHA512 sum:SUM
do
  o ${a%:*}-digest digest.c -DHASH_ALGO_${a#*:}=1
done
o sum-sum sum.c -DHASH_ALGO_SUM=1
for a in b2sum:BLAKE2 cksum:CKSUM; do
  p=${a%:*} d="-DHASH_ALGO_${a#*:}=1 -DHAVE_CONFIG_H"
  o $p-digest digest.c $d
  o blake2/$p-blake2b-ref blake2/blake2b-ref.c $d
  o blake2/$p-b2sum blake2/b2sum.c $d
done
for f in sum cksum crctab; do
  o cksum-$f $f.c -DHASH_ALGO_CKSUM=1 -DHAVE_CONFIG_H
done
o base64-basenc basenc.c -DBASE_TYPE=64
o base32-basenc basenc.c -DBASE_TYPE=32
o basenc-basenc basenc.c -DBASE_TYPE=42

# each program from its objects ("[" from lbracket, install from
# ginstall's); cksum and wc without the libraries of their AVX and PCLMUL
# variants (not answered: see config.answers)
cd "$b/src"
for p in \
  "chroot chroot" "hostid hostid" "timeout timeout operand2sig" \
  "nice nice" "who who" "users users" "pinky pinky" "stty stty" \
  "df df find-mount-point" "[ lbracket" \
  "b2sum b2sum-digest blake2/b2sum-blake2b-ref blake2/b2sum-b2sum" \
  "base64 base64-basenc" "base32 base32-basenc" "basenc basenc-basenc" \
  "basename basename" "cat cat" "chcon chcon" \
  "chgrp chown chown-core chown-chgrp" "chmod chmod" \
  "chown chown chown-core chown-chown" \
  "cksum cksum-digest blake2/cksum-blake2b-ref blake2/cksum-b2sum cksum-sum cksum-cksum cksum-crctab" \
  "comm comm" "cp cp copy cp-hash force-link selinux" "csplit csplit" \
  "cut cut set-fields" "date date show-date" "dd dd" "dir ls ls-dir" \
  "dircolors dircolors" "dirname dirname" "du du show-date" "echo echo" \
  "env env operand2sig" "expand expand expand-common" "expr expr" \
  "factor factor" "false false" "fmt fmt" "fold fold" \
  "install install prog-fprintf copy cp-hash force-link selinux" \
  "groups groups group-list" "head head" "id id group-list" "join join" \
  "kill kill operand2sig" "link link" "ln ln force-link relpath" \
  "logname logname" "ls ls ls-ls" "md5sum md5sum-digest" \
  "mkdir mkdir prog-fprintf selinux" "mkfifo mkfifo selinux" \
  "mknod mknod selinux" "mktemp mktemp" \
  "mv mv remove copy cp-hash force-link selinux" "nl nl" "nproc nproc" \
  "nohup nohup" "numfmt numfmt set-fields" "od od" "paste paste" \
  "pathchk pathchk" "pr pr" "printenv printenv" "printf printf" \
  "ptx ptx" "pwd pwd" "readlink readlink" "realpath realpath relpath" \
  "rm rm remove" "rmdir rmdir prog-fprintf" "runcon runcon" "seq seq" \
  "sha1sum sha1sum-digest" "sha224sum sha224sum-digest" \
  "sha256sum sha256sum-digest" "sha384sum sha384sum-digest" \
  "sha512sum sha512sum-digest" "shred shred" "shuf shuf" "sleep sleep" \
  "sort sort" "split split temp-stream" "stat stat find-mount-point" \
  "sum sum-sum sum-digest" "sync sync" "tac tac temp-stream" \
  "tail tail iopoll" "tee tee iopoll" "test test" "touch touch" "tr tr" \
  "true true" "truncate truncate" "tsort tsort" "tty tty" \
  "uname uname uname-uname" "unexpand unexpand expand-common" \
  "uniq uniq" "unlink unlink" "uptime uptime" "vdir ls ls-vdir" "wc wc" \
  "whoami whoami" "yes yes"
do
  set -- $p
  prog=$1
  shift
  objs=
  for x; do objs="$objs $x.o"; done
  $cc -o "$b/bin/$prog" $objs version.o "$b/libcoreutils.a"
  $kit cpx "$b/bin/$prog" "$DESTDIR/usr/bin/$prog"
done
"$DESTDIR/usr/bin/ls" --version
