/* coreutils 9.7: lib/gmp.h as the Makefile writes it without a system GMP
   (--without-libgmp): gnulib's mini-gmp serves expr and factor. */
#include "mini-gmp.h"
#if GNULIB_LIBGMP_MPQ
# include "mini-mpq.h"
#endif
