/* diffutils 3.10: src/paths.h, which src/Makefile would write. Ours names
   diff by its full path, so that diff3 and sdiff run the diff installed
   beside them whatever PATH says (the Makefile's is a bare "diff"). */
#define DEFAULT_DIFF_PROGRAM "/usr/bin/diff"
#define LOCALEDIR "/usr/share/locale"
