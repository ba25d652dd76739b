/* config.h for dash 0.5.12 on x86_64 Linux with musl, compiled by TinyCC.
 *
 * Written by hand in place of configure's, which needs the shell this step
 * builds. Each HAVE_ below is a fact about musl 1.2.3; options are dash's
 * defaults (no libedit, so SMALL; LINENO support on; dash's own glob and
 * pattern matching rather than libc's). */

#define PACKAGE "dash"
#define PACKAGE_NAME "dash"
#define PACKAGE_TARNAME "dash"
#define PACKAGE_VERSION "0.5.12"
#define PACKAGE_STRING "dash 0.5.12"
#define PACKAGE_BUGREPORT ""
#define PACKAGE_URL ""
#define VERSION "0.5.12"

/* musl declares mempcpy, strchrnul, killpg, ... only on request. */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif

#define SMALL 1                 /* no line editing (no libedit) */
#define WITH_LINENO 1

#define STDC_HEADERS 1
#define HAVE_ALLOCA_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_MEMORY_H 1
#define HAVE_PATHS_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1

#define HAVE_BSEARCH 1
#define HAVE_DECL_ISBLANK 1
#define HAVE_FACCESSAT 1
#define HAVE_GETPWNAM 1
#define HAVE_GETRLIMIT 1
#define HAVE_ISALPHA 1
#define HAVE_KILLPG 1
#define HAVE_MEMPCPY 1
#define HAVE_STPCPY 1
#define HAVE_STRCHRNUL 1
#define HAVE_STRSIGNAL 1
#define HAVE_STRTOD 1
#define HAVE_STRTOIMAX 1
#define HAVE_STRTOUMAX 1
#define HAVE_SYSCONF 1
#define HAVE_ST_MTIM 1

#define SIZEOF_INTMAX_T 8
#define SIZEOF_LONG_LONG_INT 8
