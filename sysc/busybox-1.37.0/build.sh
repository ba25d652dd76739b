. /bootstrap/lib/unpack.sh
# BusyBox with its own Kbuild, in the source tree (the compiler sees
# relative names only), CC and HOSTCC our TinyCC through kbuild-cc.sh (one
# option spelled its way). Configured from busybox.config on top of
# allnoconfig; only the busybox binary is made (no docs: they need perl).
#
# The link is replaced by a make variable, not patched: scripts/trylink
# passes -Wl,--start-group/--end-group around the objects and archives
# and, at the final link, -Wl,-Map and -Wl,--verbose, all of which TinyCC
# refuses. Its linker reads a GROUP(...) linker script the same way (the
# archives are searched again until no new symbol is resolved), so
# cmd_busybox__ writes the archives into one and links with it. The
# libraries trylink would try (crypt, m, rt) are all in musl's libc.a,
# linked anyway. Left as it is: Kbuild's cc-option probes compile with -S,
# which TinyCC lacks, so no probed flag (-Os, -W..., -funsigned-char) is
# used; the code does not need them.
#
# Reproducible: the banner's date (AUTOCONF_TIMESTAMP) is
# SOURCE_DATE_EPOCH's, in UTC; nothing else of the build machine is
# recorded.
set -eux
cc=$BUILDDIR/cc
mkdir -p "$BUILDDIR"
cp /bootstrap/lib/kbuild-cc.sh "$cc"
chmod 755 "$cc"
cd "$SRC"
bmake() {
  make -j"$JOBS" CC="$cc" HOSTCC="$cc" "$@"
}

# The configuration: allnoconfig, then the options of busybox.config put
# in its place, and every numeric or string option taken out so that
# oldconfig asks it again and takes its Kconfig default (allnoconfig
# writes 0 and "" for them, e.g. a 0-line limit for less).
grep -v '^#' "$RECIPE/busybox.config" | grep -v '^$' > "$BUILDDIR/options"
sed -e 's/=.*//' -e 's/.*/^(# )?&[= ]/' "$BUILDDIR/options" > "$BUILDDIR/names"
bmake allnoconfig
grep -Ev -f "$BUILDDIR/names" .config | grep -Ev '^CONFIG_[A-Z0-9_]+=[^y]' > .config.new
cat "$BUILDDIR/options" >> .config.new
mv .config.new .config
yes '' | bmake oldconfig
grep -v '^#' "$RECIPE/busybox.config" | grep -v '^$' | while read -r opt; do
  case $opt in
    *=n) grep -qx "# ${opt%=n} is not set" .config ;;
    *) grep -qxF "$opt" .config ;;
  esac || { echo "busybox.config: $opt did not survive Kconfig" >&2; exit 1; }
done

bmake busybox cmd_busybox__='printf "GROUP(%s)\n" "$(libs-y1)" > busybox.ld && $(CC) $(CFLAGS) $(CFLAGS_busybox) $(LDFLAGS) -L. -o $@ $(core-y) $(libs-y2) busybox.ld'

# Installed: /usr/bin/busybox and a link for each applet whose name no
# other step installed (coreutils and the rest keep theirs; a link to
# busybox left by an earlier run of this step does not count). The
# system has one bin directory: sbin applets go there too.
mkdir -p "$DESTDIR/usr/bin"
cp busybox "$DESTDIR/usr/bin/busybox"
./busybox --list > "$BUILDDIR/applets"
while read -r a; do
  if [ "$(readlink "/usr/bin/$a")" = busybox ]; then
    ln -s busybox "$DESTDIR/usr/bin/$a"
  elif [ -e "/usr/bin/$a" ] || [ -e "/bin/$a" ] || [ -L "/usr/bin/$a" ]; then
    echo "busybox: $a is already installed, no link"
  else
    ln -s busybox "$DESTDIR/usr/bin/$a"
  fi
done < "$BUILDDIR/applets"
