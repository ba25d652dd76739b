/* config.h for XZ Utils 5.8.1 (liblzma and the xz tool) on x86_64 Linux with
 * musl, compiled by TinyCC.
 *
 * Written by hand in place of configure's (it needs sed and coreutils, not
 * built yet). The HAVE_ entries about the system are facts about musl 1.2.3;
 * the feature set is configure's default except for threads: single-threaded,
 * so compressed output never depends on the number of cores, and no
 * pthread code to trust. */

#define PACKAGE "xz"
#define PACKAGE_NAME "XZ Utils"
#define PACKAGE_TARNAME "xz"
#define PACKAGE_VERSION "5.8.1"
#define PACKAGE_STRING "XZ Utils 5.8.1"
#define PACKAGE_BUGREPORT "xz@tukaani.org"
#define PACKAGE_URL "https://tukaani.org/xz/"
#define VERSION "5.8.1"

#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif
#define NDEBUG 1
/* Memory assumed when the amount cannot be read (configure's default). */
#define ASSUME_RAM 128
#define SIZEOF_SIZE_T 8

/* Headers and types musl provides. */
#define HAVE_STDBOOL_H 1
#define HAVE__BOOL 1
#define HAVE_STDINT_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_STDIO_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRING_H 1
#define HAVE_STRINGS_H 1
#define HAVE_SYS_PARAM_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1
#define HAVE_WCHAR_H 1
#define HAVE_GETOPT_H 1
#define HAVE_BYTESWAP_H 1
#define HAVE_UINTPTR_T 1

/* Functions musl provides. */
#define HAVE_CLOCK_GETTIME 1
#define HAVE_CLOCK_MONOTONIC 1
#define HAVE_FUTIMENS 1
#define HAVE_GETOPT_LONG 1
#define HAVE_MBRTOWC 1
#define HAVE_POSIX_FADVISE 1
#define HAVE_PROGRAM_INVOCATION_NAME 1
#define HAVE_WCWIDTH 1
#define HAVE_STRUCT_STAT_ST_ATIM_TV_NSEC 1
/* How tuklib finds the amount of RAM (sysconf(_SC_PHYS_PAGES) in musl). */
#define TUKLIB_PHYSMEM_SYSCONF 1
/* x86_64 reads unaligned words cheaply; only speed depends on it. */
#define TUKLIB_FAST_UNALIGNED_ACCESS 1

/* No CPU-specific code paths (CLMUL, x86 assembly, cpuid), no sandbox (the
 * Linux Landlock headers are not here), no translations, no symbol
 * versions, no visibility attributes (a static liblzma only). */
#define HAVE_VISIBILITY 0

/* Integrity checks. */
#define HAVE_CHECK_CRC32 1
#define HAVE_CHECK_CRC64 1
#define HAVE_CHECK_SHA256 1

/* Every filter, both ways, as configure enables by default. */
#define HAVE_ENCODERS 1
#define HAVE_DECODERS 1
#define HAVE_ENCODER_LZMA1 1
#define HAVE_ENCODER_LZMA2 1
#define HAVE_ENCODER_DELTA 1
#define HAVE_ENCODER_X86 1
#define HAVE_ENCODER_POWERPC 1
#define HAVE_ENCODER_IA64 1
#define HAVE_ENCODER_ARM 1
#define HAVE_ENCODER_ARMTHUMB 1
#define HAVE_ENCODER_ARM64 1
#define HAVE_ENCODER_SPARC 1
#define HAVE_ENCODER_RISCV 1
#define HAVE_DECODER_LZMA1 1
#define HAVE_DECODER_LZMA2 1
#define HAVE_DECODER_DELTA 1
#define HAVE_DECODER_X86 1
#define HAVE_DECODER_POWERPC 1
#define HAVE_DECODER_IA64 1
#define HAVE_DECODER_ARM 1
#define HAVE_DECODER_ARMTHUMB 1
#define HAVE_DECODER_ARM64 1
#define HAVE_DECODER_SPARC 1
#define HAVE_DECODER_RISCV 1
#define HAVE_MF_HC3 1
#define HAVE_MF_HC4 1
#define HAVE_MF_BT2 1
#define HAVE_MF_BT3 1
#define HAVE_MF_BT4 1
#define HAVE_LZIP_DECODER 1
#define HAVE_MICROLZMA 1
