. /bootstrap/lib/unpack.sh
# GNU grep without configure or make. confh does what config.status and
# lib/Makefile's header rules would: config.h from config.hin, each gnulib
# template lib/X.in.h to X.h (sys_X.in.h to sys/X.h) with the same pastes,
# and the malloc/dynarray*.gl.h copies with the same edits; configmake.h
# is ours. Then the objects the Makefiles build for that configuration,
# each compiled by relative name from its directory (no build path in the
# binary), the generated headers first on the include path so that they
# wrap musl's (#include_next).
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
$confh "$SRC/config.hin" "$RECIPE/config.answers" "$b/config.h"
$kit cp "$RECIPE/configmake.h" "$b/lib/configmake.h"

cd "$SRC/lib"
gnulib_headers "$RECIPE/gnu.substs" "$b/lib" alloca ctype dirent error \
  fcntl getopt-cdefs getopt iconv inttypes langinfo limits locale signal \
  sigsegv stdckdint stddef stdint stdio stdlib string sys_stat sys_types \
  time unistd unistr unitypes uniwidth wchar wctype
$confh -s "$RECIPE/gnu.substs" malloc/dynarray.h "$b/lib/malloc/dynarray.gl.h" \
  -d libc_hidden_proto
$confh -s "$RECIPE/gnu.substs" malloc/dynarray-skeleton.c \
  "$b/lib/malloc/dynarray-skeleton.gl.h" \
  -e '<malloc/dynarray.h>' '<malloc/dynarray.gl.h>' \
  -e __attribute_maybe_unused__ _GL_ATTRIBUTE_MAYBE_UNUSED \
  -e __attribute_nonnull__ _GL_ATTRIBUTE_NONNULL \
  -e __attribute_warn_unused_result__ _GL_ATTRIBUTE_NODISCARD \
  -e __glibc_likely _GL_LIKELY -e __glibc_unlikely _GL_UNLIKELY

# libgreputils: libgreputils_a_SOURCES for this configuration (regex.c is
# among them: gnulib's regex, see config.answers). The Makefile copies
# colorize-posix.c to colorize.c and compiles the copy: compiled here as it
# is.
for f in argmatch.c openat-proc.c basename-lgpl.c binary-io.c bitrotate.c \
  c-ctype.c c-stack.c c-strcasecmp.c c-strncasecmp.c chdir-long.c \
  cloexec.c close-stream.c closeout.c cycle-check.c dfa.c localeinfo.c \
  dirfd.c dirname-lgpl.c stripslash.c error.c exclude.c exitfail.c \
  fcntl.c creat-safer.c open-safer.c fd-hook.c fd-safer-flag.c \
  dup-safer-flag.c filenamecat-lgpl.c free.c fts.c getopt.c getopt1.c \
  getprogname.c hard-locale.c hash.c i-ring.c ialloc.c localcharset.c \
  malloca.c mbchar.c mbiter.c mbscasecmp.c mbslen.c mbsstr.c mbuiter.c \
  memchr2.c nl_langinfo.c obstack.c openat-die.c openat-safer.c \
  opendirat.c propername.c quotearg.c rawmemchr.c regex.c safe-read.c \
  save-cwd.c setlocale_null.c setlocale-lock.c sigsegv.c stackvma.c \
  stat-time.c striconv.c strnlen1.c strtoll.c strtoull.c \
  glthread/threadlib.c trim.c unistd.c dup-safer.c fd-safer.c \
  pipe-safer.c version-etc.c version-etc-fsf.c wctype-h.c wmempcpy.c \
  xmalloc.c xalloc-die.c xbinary-io.c xstriconv.c xstrtoimax.c xstrtol.c \
  xstrtoul.c malloc/dynarray_at_failure.c \
  malloc/dynarray_emplace_enlarge.c malloc/dynarray_finalize.c \
  malloc/dynarray_resize.c malloc/dynarray_resize_clear.c glthread/lock.c \
  unistr/u8-mbtoucr.c unistr/u8-uctomb.c unistr/u8-uctomb-aux.c \
  uniwidth/width.c colorize-posix.c
do
  # object names unique across the subdirectories (one level): dir_base.o
  case $f in */*) o=${f%%/*}_${f#*/} ;; *) o=$f ;; esac
  o=${o%.c}
  $cc -DHAVE_CONFIG_H -I"$b/lib" -I. -I"$b" -c "$f" -o "$b/obj/$o.o"
done
cd "$b/obj"
ar rcs "$b/libgreputils.a" *.o

cd "$SRC/src"
$cc -DHAVE_CONFIG_H -I. -I"$b" -I"$b/lib" -I../lib -o "$b/src/grep" \
  dfasearch.c grep.c kwsearch.c kwset.c searchutils.c "$b/libgreputils.a"
# egrep and fgrep: src/Makefile's rule, @option@ per script
$confh -s "$RECIPE/egrep.substs" egrep.sh "$b/src/egrep" -e @option@ -E
$confh -s "$RECIPE/egrep.substs" egrep.sh "$b/src/fgrep" -e @option@ -F
"$b/src/grep" --version
$kit cpx "$b/src/grep" "$DESTDIR/usr/bin/grep"
$kit cpx "$b/src/egrep" "$DESTDIR/usr/bin/egrep"
$kit cpx "$b/src/fgrep" "$DESTDIR/usr/bin/fgrep"
