/* What gzip's Makefile would generate (see version.h); compiled by build.kaem. */
#include <config.h>
#include "version.h"
char const *Version = PACKAGE_VERSION;
