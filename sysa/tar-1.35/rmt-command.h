/* tar 1.35: where tar runs rmt for a remote archive (lib/Makefile writes
   this from DEFAULT_RMT_DIR). No rmt is built here. */
#ifndef DEFAULT_RMT_COMMAND
# define DEFAULT_RMT_COMMAND "/usr/libexec/rmt"
#endif
