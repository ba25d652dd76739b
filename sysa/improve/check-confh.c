/* Built against the headers confh wrote: what they define must be what
   the compiler sees. */
#include <stdio.h>
#include "config.h"
#include "test.h"

int twice(int x) { return 2 * x; }

int main(void)
{
#if defined HAVE_FCHDIR && HAVE_FCHDIR == 1 && !defined HAVE_FROBNICATE \
    && defined _GL_TEST_H
    printf("%s %d\n", PACKAGE_NAME, twice(_GL_TEST_KEEP(_ALL_SOURCE)));
    return 0;
#else
    return 1;
#endif
}
