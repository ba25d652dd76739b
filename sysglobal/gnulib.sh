# Sourced by the build scripts of the GNU packages built without configure
# (tar, patch, sed, diffutils, coreutils, grep). Defines gnulib_headers.
#
#   gnulib_headers SUBSTS DEST NAME...
#
# Run from the package's gnulib directory (lib/ or gnu/), it writes each
# template NAME.in.h where the Makefile's header rule would: X.in.h to
# DEST/X.h, sys_X.in.h to DEST/sys/X.h, arpa_X.in.h to DEST/arpa/X.h and
# se-X.in.h to DEST/selinux/X.h. confh replaces each @NAME@ by its value in
# SUBSTS (the configure run's answers) and, as the rule's sed 'r' commands
# do, pastes the snippet headers beside the templates (warn-on-use.h,
# arg-nonnull.h, _Noreturn.h, c++defs.h) after the line that marks each.
# The DEST subdirectories must exist. Uses $confh, which the caller sets.
gnulib_headers() {
  _g_substs=$1
  _g_dest=$2
  shift 2
  for _g_t; do
    case $_g_t in
      sys_*) _g_h=sys/${_g_t#sys_}.h ;;
      arpa_*) _g_h=arpa/${_g_t#arpa_}.h ;;
      se-*) _g_h=selinux/${_g_t#se-}.h ;;
      *) _g_h=$_g_t.h ;;
    esac
    $confh -s "$_g_substs" "$_g_t.in.h" "$_g_dest/$_g_h" \
      -r 'definition of _GL_WARN_ON_USE' warn-on-use.h \
      -r 'definition of _GL_ARG_NONNULL' arg-nonnull.h \
      -r 'definition of _Noreturn' _Noreturn.h \
      -r 'definitions of _GL_FUNCDECL_RPL' c++defs.h
  done
}
