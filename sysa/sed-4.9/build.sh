. /bootstrap/lib/unpack.sh
# GNU sed without configure or make. confh does what config.status and the
# Makefile's lib/ header rules would: config.h from config_h.in, each
# gnulib template lib/X.in.h to X.h (sys_X.in.h to sys/X.h, se-X.in.h to
# selinux/X.h) with the same pastes, and the malloc/*.gl.h copies with the
# same edits; sed/version.[ch] are written as the Makefile writes them.
# Then the objects the Makefile builds for that configuration, each
# compiled by relative name from its directory (no build path in the
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
$kit mkdir "$b/lib/sys" "$b/lib/selinux" "$b/lib/malloc" "$b/obj" "$b/sed"
$confh "$SRC/config_h.in" "$RECIPE/config.answers" "$b/config.h"

cd "$SRC/lib"
gnulib_headers "$RECIPE/gnu.substs" "$b/lib" alloca ctype fcntl inttypes \
  langinfo limits locale stdckdint stdint stdio stdlib string sys_random \
  sys_stat sys_types time unistd wchar wctype se-context se-label \
  se-selinux
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

# libsed: lib_libsed_a_SOURCES for this configuration, in the Makefile's order
for f in copy-acl.c set-acl.c acl-errno-valid.c acl-internal.c \
  get-permissions.c set-permissions.c basename-lgpl.c binary-io.c \
  c-ctype.c c-strcasecmp.c c-strncasecmp.c canonicalize-lgpl.c cloexec.c \
  close-stream.c closeout.c dfa.c localeinfo.c dirname-lgpl.c \
  stripslash.c error.c exitfail.c fcntl.c fd-hook.c free.c getprogname.c \
  malloc/dynarray_at_failure.c malloc/dynarray_emplace_enlarge.c \
  malloc/dynarray_finalize.c malloc/dynarray_resize.c \
  malloc/dynarray_resize_clear.c malloc/scratch_buffer_grow.c \
  malloc/scratch_buffer_grow_preserve.c \
  malloc/scratch_buffer_set_array_size.c hard-locale.c ialloc.c \
  localcharset.c glthread/lock.c malloca.c nl_langinfo.c obstack.c \
  progname.c qcopy-acl.c qset-acl.c quotearg.c rawmemchr.c regex.c \
  se-context.c se-label.c se-selinux.c setlocale_null.c setlocale-lock.c \
  stat-time.c tempname.c glthread/threadlib.c unistd.c version-etc.c \
  version-etc-fsf.c wctype-h.c xmalloc.c xalloc-die.c
do
  # object names unique across the subdirectories (one level): dir_base.o
  case $f in */*) o=${f%%/*}_${f#*/} ;; *) o=$f ;; esac
  o=${o%.c}
  $cc -DHAVE_CONFIG_H -I"$b/lib" -I. -I"$b" -I.. -c "$f" -o "$b/obj/$o.o"
done
cd "$b/obj"
ar rcs "$b/libsed.a" *.o

# sed/version.c and version.h, as the Makefile's rules print them
cd "$b/sed"
printf 'extern char const *Version;\n' > version.h
printf '#include <config.h>\nchar const *Version = "4.9";\n' > version.c
$cc -DHAVE_CONFIG_H -I"$b" -I"$b/lib" -I"$SRC/lib" -c version.c -o version.o

cd "$SRC/sed"
$cc -DHAVE_CONFIG_H -I"$b" -I"$b/lib" -I.. -I../lib -I"$b/sed" \
  -DLOCALEDIR='"/usr/share/locale"' -o "$b/sed/sed" \
  compile.c debug.c execute.c mbcs.c regexp.c sed.c utils.c \
  "$b/sed/version.o" "$b/libsed.a"
"$b/sed/sed" --version
$kit cpx "$b/sed/sed" "$DESTDIR/usr/bin/sed"
