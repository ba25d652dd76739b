# Sourced (`. /bootstrap/lib/unpack.sh`) as the first line of the build
# script of every step whose recipe says unpack = "guest". It does in the
# guest what the host does for the earlier steps, in the same order and with
# the same rules, so that moving a recipe between the two changes nothing:
#   1. each distfile is checked against the pinned hashes the host laid in
#      $DISTFILES/SHA256SUMS (kit's SHA-256), before tar reads a byte of it;
#   2. it is unpacked into $SRC (or $SRC/<dir>), its top directory stripped
#      when every member lies below that one directory; an `inner` tarball
#      is read out of the outer one and unpacked instead;
#   3. the recipe's patches are applied in order, -p1, without fuzz.
# What to do comes from the list the host writes from recipe.toml
# ($UNPACK_LIST; default /bootstrap/plan/<stage>-sources/<step>):
#   source <distfile> <dir> [<inner>]
#   patch <path relative to $RECIPE>
# Members named with a `..` component or an absolute path are refused here,
# before extraction (GNU tar would also refuse `..` and strip a leading /);
# the guest is the chroot or VM itself, so a symlink in a source tree cannot
# point outside it. $SRC must not exist yet: the host clears it before every
# run of a step that is not done.

_u_list=${UNPACK_LIST:-/bootstrap/plan/$BOOTSTRAP_STAGE-sources/$STEP}
# The member loop would flood the step log under the caller's set -x.
case $- in *x*) _u_trace=1; set +x ;; *) _u_trace= ;; esac

_u_die() {
  echo "unpack.sh: $*" >&2
  exit 1
}

# tar's decompression option for a file name
_u_zflag() {
  case $1 in
    *.tar.xz) echo -J ;;
    *.tar.gz | *.tgz) echo -z ;;
    *.tar.bz2) echo -j ;;
    *.tar) echo ;;
    *) _u_die "$1: not a .tar, .tar.gz, .tgz, .tar.bz2 or .tar.xz" ;;
  esac
}

# The member list of a tarball read from stdin ($1: its name, $2: the tar
# option for its compression) -> "<components to strip> <top directory>",
# with "0 -" when the members do not share one top directory.
_u_top() {
  tar $2 -tf - > "$_u_members" || _u_die "$1: cannot list its members"
  _u_first= _u_dot= _u_single=1 _u_n=0
  while IFS= read -r _u_m; do
    _u_n=$((_u_n + 1))
    case /$_u_m/ in
      //*) _u_die "$1: refusing member '$_u_m': absolute path" ;;
      */../*) _u_die "$1: refusing member '$_u_m': contains '..'" ;;
    esac
    _u_p=$_u_m
    _u_d=
    while :; do
      case $_u_p in ./*) _u_p=${_u_p#./}; _u_d=1 ;; *) break ;; esac
    done
    [ -z "$_u_p" ] && continue
    _u_t=${_u_p%%/*}
    if [ -z "$_u_first" ]; then
      _u_first=$_u_t
      _u_dot=$_u_d
    elif [ "$_u_t" != "$_u_first" ]; then
      _u_single=
    fi
    # a top-level file (tar lists directories as "name/"): no top directory
    [ "$_u_p" = "$_u_t" ] && _u_single=
  done < "$_u_members"
  [ "$_u_n" -gt 0 ] || _u_die "$1: no members"
  if [ -n "$_u_single" ] && [ -n "$_u_first" ]; then
    if [ -n "$_u_dot" ]; then echo "2 $_u_first"; else echo "1 $_u_first"; fi
  else
    echo "0 -"
  fi
}

[ -f "$_u_list" ] || _u_die "no source list $_u_list (does the recipe say unpack = \"guest\"?)"
[ ! -e "$SRC" ] || _u_die "$SRC exists already (the host clears it before a step runs)"
kit mkdir "$BUILDDIR" || _u_die "cannot create $BUILDDIR"
_u_members=$BUILDDIR/.unpack-members
_u_tree=
while IFS=' ' read -r _u_kind _u_a _u_b _u_c; do
  case $_u_kind in
    '' | '#'*) continue ;;
    source)
      _u_file=$DISTFILES/$_u_a
      kit sha256check "$DISTFILES/SHA256SUMS" "$_u_file" \
        || _u_die "$_u_a does not match its pinned SHA-256; nothing unpacked"
      if [ "$_u_b" = . ]; then _u_to=$SRC; else _u_to=$SRC/$_u_b; fi
      _u_z=$(_u_zflag "$_u_a") || exit 1
      if [ -z "$_u_c" ]; then
        _u_r=$(_u_top "$_u_a" "$_u_z" < "$_u_file") || exit 1
        set -- $_u_r
        kit mkdir "$_u_to" || _u_die "cannot create $_u_to"
        tar $_u_z -xf "$_u_file" --no-same-owner --strip-components="$1" -C "$_u_to" \
          || _u_die "$_u_a: tar failed"
      else
        # Debian's gcc orig tarball wraps the real one: read it out of the
        # outer tree's top directory (the recipe's inner is relative to it).
        _u_r=$(_u_top "$_u_a" "$_u_z" < "$_u_file") || exit 1
        set -- $_u_r
        if [ "$2" = - ]; then _u_in=$_u_c; else _u_in=$2/$_u_c; fi
        [ "$1" = 2 ] && _u_in=./$_u_in
        _u_iz=$(_u_zflag "$_u_c") || exit 1
        tar $_u_z -xOf "$_u_file" "$_u_in" > "$BUILDDIR/.unpack-inner" \
          || _u_die "$_u_a: holds no $_u_c (recipe's inner)"
        _u_r=$(_u_top "$_u_c" "$_u_iz" < "$BUILDDIR/.unpack-inner") || exit 1
        set -- $_u_r
        kit mkdir "$_u_to" || _u_die "cannot create $_u_to"
        tar $_u_iz -xf "$BUILDDIR/.unpack-inner" --no-same-owner --strip-components="$1" -C "$_u_to" \
          || _u_die "$_u_c (in $_u_a): tar failed"
        : > "$BUILDDIR/.unpack-inner"
      fi
      _u_tree=1
      ;;
    patch)
      [ -n "$_u_tree" ] || _u_die "$_u_list: a patch before any source"
      patch -p1 -F0 --batch --forward --no-backup-if-mismatch -s -d "$SRC" -i "$RECIPE/$_u_a" \
        || _u_die "$_u_a does not apply to $SRC (no fuzz allowed)"
      ;;
    *) _u_die "$_u_list: unknown line '$_u_kind'" ;;
  esac
done < "$_u_list"
[ -n "$_u_tree" ] || _u_die "$_u_list names no source"
: > "$_u_members"
[ -n "$_u_trace" ] && set -x
unset _u_r _u_list _u_trace _u_members _u_tree _u_kind _u_a _u_b _u_c _u_file _u_to _u_z _u_iz _u_in \
  _u_first _u_dot _u_single _u_n _u_m _u_p _u_d _u_t
set --
