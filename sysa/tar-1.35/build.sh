# GNU tar without configure or make. confh does what config.status and
# gnu/Makefile's header rules would: config.h from config.h.in, each
# gnulib template gnu/X.in.h to X.h (sys_X.in.h to sys/X.h, se-X.in.h to
# selinux/X.h) with the same pastes, and the malloc/*.gl.h copies with the
# same edits; configmake.h and rmt-command.h are ours. Then the objects the
# Makefiles build for that configuration, each compiled by relative name
# from its directory (no build path in the binary), the generated headers
# first on the include path so that they wrap musl's (#include_next).
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
$kit mkdir "$b/gnu/sys" "$b/gnu/selinux" "$b/gnu/malloc" "$b/lib" "$b/obj"
$confh "$SRC/config.h.in" "$RECIPE/config.answers" "$b/config.h"
$kit cp "$RECIPE/configmake.h" "$b/gnu/configmake.h"
$kit cp "$RECIPE/rmt-command.h" "$b/lib/rmt-command.h"

cd "$SRC/gnu"
gnulib_headers "$RECIPE/gnu.substs" "$b/gnu" alloca ctype dirent error \
  fcntl fnmatch getopt-cdefs getopt inttypes langinfo limits locale signal \
  stdckdint stddef stdint stdio stdlib string strings time uchar unicase \
  unictype uninorm unistd unitypes uniwidth utime wchar wctype sys_random \
  sys_stat sys_time sys_types se-context se-label se-selinux
$confh -s "$RECIPE/gnu.substs" malloc/dynarray.h "$b/gnu/malloc/dynarray.gl.h" \
  -d libc_hidden_proto
$confh -s "$RECIPE/gnu.substs" malloc/dynarray-skeleton.c \
  "$b/gnu/malloc/dynarray-skeleton.gl.h" \
  -e '<malloc/dynarray.h>' '<malloc/dynarray.gl.h>' \
  -e __attribute_maybe_unused__ _GL_ATTRIBUTE_MAYBE_UNUSED \
  -e __attribute_nonnull__ _GL_ATTRIBUTE_NONNULL \
  -e __attribute_warn_unused_result__ _GL_ATTRIBUTE_NODISCARD \
  -e __glibc_likely _GL_LIKELY -e __glibc_unlikely _GL_UNLIKELY
$confh -s "$RECIPE/gnu.substs" malloc/scratch_buffer.h \
  "$b/gnu/malloc/scratch_buffer.gl.h" \
  -e __always_inline 'inline _GL_ATTRIBUTE_ALWAYS_INLINE' \
  -e __glibc_likely _GL_LIKELY -e __glibc_unlikely _GL_UNLIKELY \
  -d libc_hidden_proto

# libgnu: libgnu_a_SOURCES for this configuration, then its LIBOBJS
objs=
for f in acl-errno-valid.c acl-internal.c get-permissions.c \
  set-permissions.c allocator.c areadlink.c areadlink-with-size.c \
  areadlinkat.c areadlinkat-with-size.c argmatch.c argp-ba.c argp-eexst.c \
  argp-fmtstream.c argp-fs-xinl.c argp-help.c argp-parse.c argp-pin.c \
  argp-pv.c argp-pvh.c argp-xinl.c argp-version-etc.c openat-proc.c \
  backupfile.c backup-find.c basename-lgpl.c bitrotate.c c-ctype.c \
  c-strcasecmp.c c-strncasecmp.c c32isalnum.c c32isalpha.c c32isblank.c \
  c32iscntrl.c c32isdigit.c c32isgraph.c c32islower.c c32isprint.c \
  c32ispunct.c c32isspace.c c32isupper.c c32isxdigit.c c32tolower.c \
  c32width.c canonicalize-lgpl.c careadlinkat.c chdir-long.c cloexec.c \
  close-stream.c closeout.c opendir-safer.c dirname.c basename.c \
  dirname-lgpl.c stripslash.c error.c exclude.c exitfail.c fcntl.c \
  creat-safer.c open-safer.c fd-hook.c fd-safer-flag.c dup-safer-flag.c \
  fdutimensat.c file-has-acl.c filenamecat-lgpl.c fprintftime.c free.c \
  full-read.c full-write.c futimens.c getcwd.c getcwd-lgpl.c getopt.c \
  getopt1.c getprogname.c gettime.c group-member.c hard-locale.c hash.c \
  human.c ialloc.c imaxtostr.c inttostr.c offtostr.c uinttostr.c \
  umaxtostr.c localcharset.c malloca.c mbchar.c mbscasecmp.c mbuiter.c \
  mknod.c modechange.c nl_langinfo.c nstrftime.c obstack.c openat-die.c \
  openat-safer.c opendirat.c parse-datetime.c priv-set.c progname.c \
  quotearg.c rawmemchr.c regex.c renameatu.c rpmatch.c safe-read.c \
  safe-write.c save-cwd.c savedir.c selinux-at.c se-context.c se-label.c \
  se-selinux.c setlocale_null.c setlocale-lock.c stat-time.c stdopen.c \
  strnlen1.c strtol.c strtoll.c strtoul.c strtoull.c tempname.c time_rz.c \
  timespec.c timespec-sub.c unistd.c dup-safer.c fd-safer.c pipe-safer.c \
  unlinkdir.c utimens.c version-etc.c version-etc-fsf.c wctype-h.c \
  wmempcpy.c xmalloc.c xalloc-die.c xgetcwd.c xsize.c xstrtol.c \
  xstrtoul.c xstrtoumax.c xvasprintf.c xasprintf.c \
  malloc/dynarray_at_failure.c malloc/dynarray_emplace_enlarge.c \
  malloc/dynarray_finalize.c malloc/dynarray_resize.c \
  malloc/dynarray_resize_clear.c malloc/scratch_buffer_grow.c \
  malloc/scratch_buffer_grow_preserve.c \
  malloc/scratch_buffer_set_array_size.c unicase/tolower.c \
  unictype/ctype_alnum.c unictype/ctype_alpha.c unictype/ctype_blank.c \
  unictype/ctype_cntrl.c unictype/ctype_digit.c unictype/ctype_graph.c \
  unictype/ctype_lower.c unictype/ctype_print.c unictype/ctype_punct.c \
  unictype/ctype_space.c unictype/ctype_upper.c unictype/ctype_xdigit.c \
  uniwidth/width.c \
  asnprintf.c fnmatch.c mktime.c printf-args.c printf-parse.c vasnprintf.c
do
  # object names unique across the subdirectories (one level): dir_base.o
  case $f in */*) o=${f%%/*}_${f#*/} ;; *) o=$f ;; esac
  o=${o%.c}
  $cc -DHAVE_CONFIG_H -I"$b/gnu" -I. -I"$b" -c "$f" -o "$b/obj/$o.o"
done
cd "$b/obj"
ar rcs "$b/libgnu.a" *.o
$kit mkdir "$b/libtar" "$b/tar"

cd "$SRC/lib"
for f in paxerror paxexit-status paxnames rtapelib wordsplit xattr-at; do
  $cc -DHAVE_CONFIG_H -I"$b/lib" -I. -I"$b" -I"$b/gnu" -I../gnu -I.. \
    -c $f.c -o "$b/libtar/$f.o"
done
cd "$b/libtar"
ar rcs "$b/libtar.a" *.o

cd "$SRC/src"
$cc -DHAVE_CONFIG_H -I. -I"$b" -I"$b/gnu" -I../gnu -I.. -I"$b/lib" -I../lib \
  -o "$b/tar/tar" \
  buffer.c checkpoint.c compare.c create.c delete.c exit.c exclist.c \
  extract.c xheader.c incremen.c list.c map.c misc.c names.c sparse.c \
  suffix.c system.c tar.c transform.c unlink.c update.c utf8.c warning.c \
  xattrs.c "$b/libtar.a" "$b/libgnu.a"
"$b/tar/tar" --version
$kit cpx "$b/tar/tar" "$DESTDIR/usr/bin/tar"
