/* coreutils 9.7: src/version.c as the Makefile writes it. */
#include <config.h>
#include "version.h"
char const *Version = "9.7";
