. /bootstrap/lib/unpack.sh
# binutils with its own configure and Makefiles. What TinyCC needs, as
# settings rather than patches:
# - ac_cv_tls= (set, empty): bfd declares `static TLS ...` and has no
#   fallback when configure finds no thread-local keyword, which TinyCC
#   lacks; empty makes TLS expand to nothing (as, ld and ar are
#   single-threaded). bfd's configure runs from make, so it is exported.
# - CFLAGS -DGCC_VERSION=2007: include/ansidecl.h removes every
#   __attribute__ when GCC_VERSION (from __GNUC__, which TinyCC does not
#   define) is below 2007; without bfd_init_pagesize's constructor ld
#   frees memory it mmapped and crashes. This keeps the attributes and
#   claims no newer GCC.
# - lt_cv_sys_max_cmd_len: there is no getconf, and libtool's fallback
#   probe settles on a length that makes it build libbfd.a in pieces.
# - --disable-dependency-tracking: with TinyCC configure picks depcomp's
#   tcc mode, in which bfd's hand-written rules run "@echo" as a command.
# - --disable-warn-execstack: TinyCC's objects (musl's crt files among
#   them) carry no .note.GNU-stack, so ld would warn on every link.
# - MAKEINFO=true: the tarball ships the info pages; there is no texinfo.
# --build/--host/--target are spelled out so that config.guess's libc
# probe cannot choose for us. Built in the source tree, so the compiler
# sees relative file names and no build path reaches the binaries.
set -eux
export ac_cv_tls= lt_cv_sys_max_cmd_len=1572864 CONFIG_SHELL=/bin/sh
export CFLAGS="-O2 -DGCC_VERSION=2007"
triplet=x86_64-pc-linux-musl
cd "$SRC"
./configure --prefix=/usr \
  --build=$triplet --host=$triplet --target=$triplet \
  --disable-nls --disable-werror --disable-gdb --disable-gdbserver \
  --disable-sim --disable-gprof --disable-gprofng --disable-gold \
  --disable-plugins --disable-shared --enable-static --disable-libctf \
  --enable-deterministic-archives --disable-dependency-tracking \
  --disable-warn-execstack MAKEINFO=true
make -j"$JOBS" MAKEINFO=true
make install DESTDIR="$DESTDIR" MAKEINFO=true
