# Our TinyCC for Kbuild (Linux's HOSTCC, BusyBox's CC and HOSTCC), with the
# one option spelling it lacks. Kbuild asks each compile for a dependency
# file with -Wp,-MD,<file> or -Wp,-MMD,<file> (GCC hands them to its
# preprocessor); TinyCC writes the same make rules with -MD -MF <file>
# (listing system headers too, which fixdep takes like any other). Every
# other argument reaches cc unchanged.
for a do
  case $a in
    -Wp,-MMD,* | -Wp,-MD,*) set -- "$@" -MD -MF "${a#-Wp,-M*D,}" ;;
    *) set -- "$@" "$a" ;;
  esac
  shift
done
exec cc "$@"
