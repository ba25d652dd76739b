/* tar 1.35: the installation directories (configure's configmake.h, which
   gnu/Makefile writes from its variables). tar.c uses LOCALEDIR only. */
#define PREFIX "/usr"
#define BINDIR "/usr/bin"
#define LIBEXECDIR "/usr/libexec"
#define LOCALEDIR "/usr/share/locale"
