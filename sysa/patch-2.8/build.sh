# GNU patch without configure or make. confh does what config.status and
# lib/Makefile's header rules would: config.h from config.hin, each gnulib
# template lib/X.in.h to X.h (sys_X.in.h to sys/X.h) with the same pastes,
# and the malloc/scratch_buffer.gl.h copy with the same edits. Then the
# objects the Makefiles build for that configuration, each compiled by
# relative name from its directory (no build path in the binary), the
# generated headers first on the include path so that they wrap musl's
# (#include_next).
set -eux
# C11, as close as TinyCC comes to the gnu17 of the configure run: gnulib
# relies on static_assert (musl's <assert.h> defines it from C11 on).
cc="cc -std=c11"
kit=/bootstrap/bin/kit
confh=/bootstrap/bin/confh
. /bootstrap/lib/gnulib.sh
b=$BUILDDIR
$kit mkdir "$b/lib/sys" "$b/lib/malloc" "$b/obj" "$b/src"
$confh "$SRC/config.hin" "$RECIPE/config.answers" "$b/config.h"

cd "$SRC/lib"
gnulib_headers "$RECIPE/gnu.substs" "$b/lib" alloca dirent fcntl \
  getopt-cdefs getopt inttypes limits locale signal stdckdint stddef \
  stdint stdio stdlib string sys_random sys_stat sys_time sys_types time \
  uchar unictype unistd unitypes utime wchar wctype
# error.in.h's rule leaves the @NAME@ in its comment alone
gnulib_headers "$RECIPE/error.substs" "$b/lib" error
$confh -s "$RECIPE/gnu.substs" malloc/scratch_buffer.h \
  "$b/lib/malloc/scratch_buffer.gl.h" \
  -e __always_inline 'inline _GL_ATTRIBUTE_ALWAYS_INLINE' \
  -e __glibc_likely _GL_LIKELY -e __glibc_unlikely _GL_UNLIKELY \
  -d libc_hidden_proto

# libpatch: libpatch_a_SOURCES for this configuration, then its LIBOBJS
for f in argmatch.c openat-proc.c backupfile.c backup-find.c \
  basename-lgpl.c bitrotate.c c-ctype.c c-strcasecmp.c c-strncasecmp.c \
  c32isprint.c canonicalize-lgpl.c chdir-long.c cloexec.c close-stream.c \
  closeout.c dirname-lgpl.c stripslash.c error.c exitfail.c fcntl.c \
  fd-hook.c filenamecat-lgpl.c free.c futimens.c getopt.c getopt1.c \
  getprogname.c gettime.c malloc/scratch_buffer_grow.c \
  malloc/scratch_buffer_grow_preserve.c \
  malloc/scratch_buffer_set_array_size.c group-member.c hard-locale.c \
  hash.c ialloc.c localcharset.c malloca.c mbszero.c openat-die.c \
  opendirat.c parse-datetime.c progname.c quotearg.c rawmemchr.c \
  renameatu.c same-inode.c save-cwd.c setlocale_null.c setlocale-lock.c \
  setlocale_null-unlocked.c stat-time.c stdlib.c stdopen.c tempname.c \
  time_rz.c timespec.c unictype/ctype_print.c unistd.c utimens.c \
  wctype-h.c xmalloc.c xalloc-die.c xstdopen.c \
  mktime.c
do
  # object names unique across the subdirectories (one level): dir_base.o
  case $f in */*) o=${f%%/*}_${f#*/} ;; *) o=$f ;; esac
  o=${o%.c}
  $cc -DHAVE_CONFIG_H -I"$b/lib" -I. -I"$b" -c "$f" -o "$b/obj/$o.o"
done
cd "$b/obj"
ar rcs "$b/libpatch.a" *.o

cd "$SRC/src"
$cc -DHAVE_CONFIG_H -I. -I"$b" -I"$b/lib" -I../lib -DENABLE_MERGE \
  -o "$b/src/patch" \
  inp.c patch.c pch.c safe.c util.c version.c merge.c "$b/libpatch.a"
"$b/src/patch" --version
$kit cpx "$b/src/patch" "$DESTDIR/usr/bin/patch"
