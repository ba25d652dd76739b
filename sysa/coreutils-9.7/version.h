/* coreutils 9.7: src/version.h as the Makefile writes it (the version
   every program prints; version.c defines it). */
extern char const *Version;
