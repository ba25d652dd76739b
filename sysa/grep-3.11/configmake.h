/* grep 3.11: the installation directories (configure's configmake.h, which
   lib/Makefile writes from its variables, prefix /usr). grep.c uses
   LOCALEDIR only (bindtextdomain, a no-op without NLS). */
#define LOCALEDIR "/usr/share/locale"
