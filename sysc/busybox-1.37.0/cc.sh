# CC and HOSTCC for BusyBox's Kbuild: our TinyCC, with the one option
# spelling it lacks. Kbuild asks each compile for a dependency file with
# -Wp,-MD,<file> (GCC hands -MD,<file> to its preprocessor); TinyCC writes
# the same make rules with -MD -MF <file>, which fixdep then reads. Every
# other argument reaches cc unchanged.
for a do
  case $a in
    -Wp,-MD,*) set -- "$@" -MD -MF "${a#-Wp,-MD,}" ;;
    *) set -- "$@" "$a" ;;
  esac
  shift
done
exec cc "$@"
