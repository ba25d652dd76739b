# GNU diffutils without configure or make. unpack.sh checks the distfile's
# hash and unpacks it into $SRC. confh then does what config.status and
# lib/Makefile's header rules would: config.h from lib/config.hin, each
# gnulib template lib/X.in.h to X.h (sys_X.in.h to sys/X.h) with the same
# pastes, and the malloc/dynarray*.gl.h copies with the same edits; paths.h
# is ours (diff's full path), version.c and version.h are src/Makefile's.
# Then the objects the Makefiles build for that configuration, each
# compiled by relative name from its directory (no build path in the
# binaries), the generated headers first on the include path so that they
# wrap musl's (#include_next).
. /bootstrap/lib/unpack.sh
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
$kit mkdir "$b/lib/sys" "$b/lib/malloc" "$b/obj" "$b/src"
$confh "$SRC/lib/config.hin" "$RECIPE/config.answers" "$b/lib/config.h"

cd "$SRC/lib"
gnulib_headers "$RECIPE/gnu.substs" "$b/lib" alloca ctype error fcntl \
  fnmatch getopt-cdefs getopt iconv inttypes langinfo limits locale signal \
  sigsegv stdckdint stddef stdint stdio stdlib string strings sys_random \
  sys_stat sys_time sys_types sys_wait time unistr unitypes uniwidth \
  unistd wchar wctype
$confh -s "$RECIPE/gnu.substs" malloc/dynarray.h "$b/lib/malloc/dynarray.gl.h" \
  -d libc_hidden_proto
$confh -s "$RECIPE/gnu.substs" malloc/dynarray-skeleton.c \
  "$b/lib/malloc/dynarray-skeleton.gl.h" \
  -e '<malloc/dynarray.h>' '<malloc/dynarray.gl.h>' \
  -e __attribute_maybe_unused__ _GL_ATTRIBUTE_MAYBE_UNUSED \
  -e __attribute_nonnull__ _GL_ATTRIBUTE_NONNULL \
  -e __attribute_warn_unused_result__ _GL_ATTRIBUTE_NODISCARD \
  -e __glibc_likely _GL_LIKELY -e __glibc_unlikely _GL_UNLIKELY

# libdiffutils: libdiffutils_a_SOURCES for this configuration, then its
# LIBOBJS (fnmatch, mktime)
for f in allocator.c areadlink.c argmatch.c basename-lgpl.c binary-io.c \
  bitrotate.c c-ctype.c c-stack.c c-strcasecmp.c c-strncasecmp.c \
  careadlinkat.c cloexec.c dirname.c basename.c dirname-lgpl.c \
  stripslash.c error.c exclude.c exitfail.c fcntl.c fd-hook.c file-type.c \
  filenamecat.c filenamecat-lgpl.c free.c getopt.c getopt1.c \
  getprogname.c gettime.c malloc/dynarray_at_failure.c \
  malloc/dynarray_emplace_enlarge.c malloc/dynarray_finalize.c \
  malloc/dynarray_resize.c malloc/dynarray_resize_clear.c hard-locale.c \
  hash.c ialloc.c imaxtostr.c inttostr.c offtostr.c uinttostr.c \
  umaxtostr.c localcharset.c glthread/lock.c malloca.c mbchar.c mbiter.c \
  mbscasecmp.c mbslen.c mbsstr.c mbuiter.c nl_langinfo.c nstrftime.c \
  progname.c propername.c quotearg.c rawmemchr.c regex.c setlocale_null.c \
  setlocale-lock.c sh-quote.c sigsegv.c stackvma.c stat-time.c stdopen.c \
  striconv.c strnlen1.c strtoll.c system-quote.c tempname.c \
  glthread/threadlib.c time_rz.c timespec.c trim.c unistd.c \
  unistr/u8-mbtoucr.c unistr/u8-uctomb.c unistr/u8-uctomb-aux.c \
  uniwidth/width.c version-etc.c version-etc-fsf.c wctype-h.c wmempcpy.c \
  xmalloc.c xalloc-die.c xfreopen.c xmalloca.c xreadlink.c xstdopen.c \
  xstriconv.c xstrtoimax.c xstrtol.c xstrtoul.c cmpbuf.c \
  fnmatch.c mktime.c
do
  # object names unique across the subdirectories (one level): dir_base.o
  case $f in */*) o=${f%%/*}_${f#*/} ;; *) o=$f ;; esac
  o=${o%.c}
  $cc -I"$b/lib" -I. -c "$f" -o "$b/obj/$o.o"
done
cd "$b/obj"
ar rcs "$b/libdiffutils.a" *.o

# libver and the four programs, as src/Makefile builds them
cd "$b/src"
$kit cp "$RECIPE/paths.h" paths.h
printf '#include <config.h>\nchar const *Version = "%s";\n' 3.10 > version.c
printf 'extern char const *Version;\n' > version.h
$cc -I. -I"$b/lib" -I"$SRC/lib" -c version.c -o version.o
cd "$SRC/src"
inc="-I$b/src -I. -I$b/lib -I../lib"
libs="$b/src/version.o $b/libdiffutils.a"
$cc $inc -o "$b/src/cmp" cmp.c $libs
$cc $inc -o "$b/src/diff" analyze.c context.c diff.c dir.c ed.c ifdef.c \
  io.c normal.c side.c util.c $libs
$cc $inc -o "$b/src/diff3" diff3.c $libs
$cc $inc -o "$b/src/sdiff" sdiff.c $libs
for p in cmp diff diff3 sdiff; do
  "$b/src/$p" --version
  $kit cpx "$b/src/$p" "$DESTDIR/usr/bin/$p"
done
