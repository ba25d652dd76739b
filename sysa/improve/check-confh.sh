# confh, as installed: config.h and a gnulib-style header from templates
# and answers, byte for byte as expected, and a program compiled against
# them sees what was answered; -e and -d edit as gnulib's sed rules do.
# Mistakes are refused, not passed through: an
# answer for no #undef (a typo), a name answered twice, an @NAME@ left
# without an answer.
set -eux
kit=/bootstrap/bin/kit
confh=/bootstrap/bin/confh
t=/bootstrap/recipes/sysa/improve/check-confh
$confh $t.h.in $t.answers config.h
$kit cmp $t.h.expected config.h
$confh -s $t.substs $t.in.h test.h -r 'definition of _GL_ARG_NONNULL' $t.paste
$kit cmp $t.in.h.expected test.h
# -e replaces literally before the @NAME@s are answered; -d drops lines
$confh -s $t.substs $t.in.h edit.h -e rpl_twice my_twice \
  -e '_@GUARD_PREFIX@_' '_@GUARD_PREFIX@_E_' -d 'int twice'
$kit cmp $t.edit.expected edit.h
cc -I. -o twice $t.c
./twice > twice.out
printf '%s\n' 'confh test 4' > twice.expected
$kit cmp twice.expected twice.out

refused() {
  if "$@" 2> err.txt; then echo "confh accepted: $*"; exit 1; fi
  # and says why (no cat yet: the first line is enough)
  IFS= read -r why < err.txt
  case $why in confh:*) echo "$why" ;; *) echo "no reason given"; exit 1 ;; esac
}
printf 'HAVE_FCHDIR\nHAVE_FCHDRI\n' > typo.answers
refused $confh $t.h.in typo.answers out.h
printf 'HAVE_FCHDIR\nHAVE_FCHDIR 1\n' > twice.answers
refused $confh $t.h.in twice.answers out.h
printf 'GUARD_PREFIX=GL\nPRAGMA_SYSTEM_HEADER=\nGNULIB_TWICE=1\n' > short.substs
refused $confh -s short.substs $t.in.h out.h
printf 'GUARD_PREFIX GL\n' > bad.substs
refused $confh -s bad.substs $t.in.h out.h
refused $confh -s $t.substs $t.in.h out.h -e rpl_twice
refused $confh -s $t.substs $t.in.h out.h -x y
echo "confh ok"
