/* A template shaped like gnulib's .in.h headers. Mail bug-x@example.org. */
#if __GNUC__ >= 3
@PRAGMA_SYSTEM_HEADER@
#endif
#ifndef _@GUARD_PREFIX@_TEST_H
#define _@GUARD_PREFIX@_TEST_H
/* The definition of _GL_ARG_NONNULL is copied here.  */
#if @GNULIB_TWICE@
# if @REPLACE_TWICE@
#  define twice rpl_twice
# endif
int twice (int x);
#endif
#endif
