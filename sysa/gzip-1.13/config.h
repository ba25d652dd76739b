/* config.h for GNU gzip 1.13 on x86_64 Linux with musl, compiled by TinyCC.
 *
 * Written by hand in place of configure's (which needs sed and coreutils,
 * not built yet). Every HAVE_ below is a fact about musl 1.2.3. gnulib's
 * replacement headers (lib/*.in.h) are not generated: musl's own headers
 * serve, so only the gnulib modules providing functions musl lacks are
 * compiled (build.kaem lists them). */

#define PACKAGE "gzip"
#define PACKAGE_NAME "gzip"
#define PACKAGE_TARNAME "gzip"
#define PACKAGE_VERSION "1.13"
#define PACKAGE_STRING "gzip 1.13"
#define PACKAGE_BUGREPORT "bug-gzip@gnu.org"
#define PACKAGE_URL "https://www.gnu.org/software/gzip/"
#define VERSION "1.13"

/* musl declares the POSIX-2008 and GNU extras only on request. */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif
#define _FILE_OFFSET_BITS 64
/* gnulib code uses bool without including it (configure's config.h does) */
#include <stdbool.h>

#define STDC_HEADERS 1
#define HAVE_DIRENT_H 1
#define HAVE_FCNTL_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_LIMITS_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_TIME_H 1
#define HAVE_UNISTD_H 1
#define HAVE_UTIME_H 1

#define HAVE_ALLOCA 1
#define HAVE_CHOWN 1
#define HAVE_FCHMOD 1
#define HAVE_FCHOWN 1
#define HAVE_FDATASYNC 1
#define HAVE_FDOPENDIR 1
#define HAVE_FSTATAT 1
#define HAVE_FUTIMENS 1
#define HAVE_FUTIMES 1
#define HAVE_LSTAT 1
#define HAVE_OPENAT 1
#define HAVE_PIPE 1
#define HAVE_SIGACTION 1
#define HAVE_SIGINTERRUPT 1
#define HAVE_SIGPROCMASK 1
#define HAVE_UTIMENSAT 1
#define HAVE_DECL_FDATASYNC 1
#define HAVE_DECL_PROGRAM_INVOCATION_NAME 1
#define HAVE_DECL_PROGRAM_INVOCATION_SHORT_NAME 1
#define HAVE_DECL_STRERROR_R 1
#define HAVE_STRERROR_R 1
#define STRERROR_R_CHAR_P 0         /* musl's is the POSIX one */
#define HAVE_WORKING_O_NOFOLLOW 1
#define HAVE_STRUCT_STAT_ST_ATIM_TV_NSEC 1
#define HAVE_LONG_LONG_INT 1
#define HAVE_UNSIGNED_LONG_LONG_INT 1
#define HAVE_WCHAR_H 1

/* gnulib markers configure would define; they only guide optimisers and
 * warnings, TinyCC gets them empty. */
#define _GL_ATTRIBUTE_PURE
#define _GL_ATTRIBUTE_CONST
#define _GL_ATTRIBUTE_MALLOC
#define _GL_ATTRIBUTE_DEALLOC(f, i)
#define _GL_ATTRIBUTE_DEALLOC_FREE
#define _GL_ATTRIBUTE_ALLOC_SIZE(args)
#define _GL_ATTRIBUTE_FORMAT(spec)
#define _GL_ATTRIBUTE_FORMAT_PRINTF_STANDARD(a, b)
#define _GL_ATTRIBUTE_NODISCARD
#define _GL_ATTRIBUTE_MAYBE_UNUSED
#define _GL_ATTRIBUTE_RETURNS_NONNULL
#define _GL_ATTRIBUTE_NONNULL(args)
#define _GL_ARG_NONNULL(params)
#define _GL_ATTRIBUTE_COLD
#define _GL_ATTRIBUTE_DEPRECATED
#define _GL_ATTRIBUTE_FALLTHROUGH
#define _GL_ATTRIBUTE_NOTHROW
#define _GL_ATTRIBUTE_LEAF
#define _GL_ATTRIBUTE_PACKED
#define _GL_ATTRIBUTE_SENTINEL(pos)
#define _GL_UNUSED
#define _GL_UNUSED_LABEL
#define _GL_ASYNC_SAFE
#define _GL_INLINE_HEADER_BEGIN
#define _GL_INLINE_HEADER_END
#define _GL_INLINE static inline
#define _GL_EXTERN_INLINE static inline
#define _GL_CMP(n1, n2) (((n1) > (n2)) - ((n1) < (n2)))
#define _GL_GNUC_PREREQ(major, minor) 0
#define FALLTHROUGH ((void) 0)
#define MAYBE_UNUSED
/* gnulib's headers refuse to be used without configure's config.h */
#define _GL_CONFIG_H_INCLUDED 1

/* What gnulib's generated fcntl.h would add to musl's: no text/binary
 * distinction on POSIX. */
#define O_BINARY 0
#define O_TEXT 0
/* and its sys/stat.h: */
#define S_IXUGO (S_IXUSR | S_IXGRP | S_IXOTH)
#define S_IRWXUGO (S_IRWXU | S_IRWXG | S_IRWXO)

/* The gnulib modules compiled (configure's gnulib-comp.m4 defines these
 * for every module; only those tested by a header matter here). */
#define GNULIB_XALLOC 1
#define GNULIB_XALLOC_DIE 1

/* gzip's documented switch: act as gunzip or zcat when invoked under that
 * name. Upstream installs gunzip and zcat as shell scripts made by sed
 * from gunzip.in and zcat.in; here they are links to gzip. */
#define GNU_STANDARD 0
