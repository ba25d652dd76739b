. /bootstrap/lib/unpack.sh
# mawk without configure or make. confh writes config.h from config_h.in,
# as config.status would; then, as Makefile.in's rules do, makebits and
# makescan are compiled and run here to write makebits.h and scancode.c,
# and the objects of OBJS are compiled, each by relative name from its
# directory (no build path in the binary), and linked. parse.c is the one
# the tarball ships (byacc's output), not regenerated: there is no yacc.
set -eux
# The flags of the configure run: CPPFLAGS gets -D_BSD_SOURCE (what its
# feature-macro test chose for linux-musl), LIBS -lm.
cc="cc -DHAVE_CONFIG_H -D_BSD_SOURCE"
kit=/bootstrap/bin/kit
b=$BUILDDIR
$kit mkdir "$b/obj"
/bootstrap/bin/confh "$SRC/config_h.in" "$RECIPE/config.answers" "$b/config.h"

cd "$SRC"
# the generators: <makebits.h> and "config.h" are found in $b
$cc -I"$b" -I. -o "$b/makebits" makebits.c
"$b/makebits" > "$b/makebits.h"
$cc -I"$b" -I. -o "$b/makescan" makescan.c
# (scancode.c's header comment carries the date it was generated; the
# table and so the binary do not)
"$b/makescan" > "$b/scancode.c"

for f in parse scan memory main hash execute code da error init bi_vars \
  cast print bi_funct kw jmp array field split re_cmpl regexp zmalloc fin \
  files matherr fcall version
do
  $cc -I"$b" -I. -c $f.c -o "$b/obj/$f.o"
done
cd "$b"
$cc -I. -I"$SRC" -c scancode.c -o obj/scancode.o
cd obj
cc -o "$b/mawk" parse.o scan.o memory.o main.o hash.o execute.o code.o \
  da.o error.o init.o bi_vars.o cast.o print.o bi_funct.o kw.o jmp.o \
  array.o field.o split.o re_cmpl.o regexp.o zmalloc.o fin.o files.o \
  scancode.o matherr.o fcall.o version.o -lm
"$b/mawk" -W version
$kit cpx "$b/mawk" "$DESTDIR/usr/bin/mawk"
$kit ln mawk "$DESTDIR/usr/bin/awk"
