/* tcc-seed's configuration, compiled into the binary by the host compiler.
 * Its own headers and libtcc1.a live under /bootstrap/seed/lib/tcc in the
 * guest; musl, once built, is found in /usr/include and /usr/lib. */
#define TCC_VERSION "0.9.27"
#define CONFIG_TCCDIR "/bootstrap/seed/lib/tcc"
#define CONFIG_TCC_SYSINCLUDEPATHS "{B}/include:/usr/include"
#define CONFIG_TCC_LIBPATHS "/usr/lib"
#define CONFIG_TCC_CRTPREFIX "/usr/lib"
#define CONFIG_TCC_ELFINTERP "/lib/ld-musl-x86_64.so.1"
