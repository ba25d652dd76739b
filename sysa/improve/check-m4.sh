# GNU m4 as installed, on what autoconf-style input and bison's skeletons
# ask of it: macros with arguments and recursion, quoting and changequote,
# ifelse/ifdef, eval arithmetic, diversions, include/sinclude, regexp,
# patsubst, translit, format, len/substr/index, m4_ prefixed builtins (-P),
# defn/pushdef/popdef, a shell command's output (esyscmd) and m4exit's
# status. Outputs are compared byte for byte; errors must exit non-zero.
set -eux
m4 --version | grep -q '^m4 (GNU M4) 1.4.19$'

check() { # name: m4 output of $1.m4 (with the remaining args) = $1.want
  n=$1
  shift
  m4 "$@" "$n.m4" > "$n.got"
  if ! cmp "$n.want" "$n.got"; then
    diff -u "$n.want" "$n.got" || true
    exit 1
  fi
}

cat > basic.m4 <<'EOF'
define(`greet', `hello, $1!')dnl
define(`count', `ifelse(`$1', `0', `done', `$1 count(decr($1))')')dnl
greet(`world')
count(3)
eval(2**10 + 7 % 4 * (3 - 1))
eval(0x1F, 2)
ifdef(`greet', `defined', `undefined') ifdef(`nope', `defined', `undefined')
len(`abcdef') substr(`bootstrap', 4, 4) index(`configure', `fig')
translit(`hello', `a-z', `A-Z')
regexp(`GNU m4 1.4.19', `\([0-9]+\)\.\([0-9]+\)', `major \1 minor \2')
patsubst(`a.b.c', `\.', `/')
format(`%5s|%-3d|%x', `ab', `7', `255')
pushdef(`v', `one')pushdef(`v', `two')v popdef(`v')v
define(`copy', defn(`greet'))copy(`again')
shift(`a', `b', `c')
changequote([, ])define([q], [[quoted $1]])q([x])
changequote`'dnl
divert(1)diverted
divert(0)before
undivert(1)dnl
EOF
cat > basic.want <<'EOF'
hello, world!
3 2 1 done
1030
11111
defined undefined
6 stra 3
HELLO
major 1 minor 4
a/b/c
   ab|7  |ff
two one
hello, again!
b,c
quoted x
before
diverted
EOF
check basic

printf 'included(%s)\n' 'text' > part.m4
cat > inc.m4 <<'EOF'
define(`included', `<$1>')dnl
include(`part.m4')dnl
sinclude(`absent.m4')dnl
esyscmd(`echo from-shell')dnl
EOF
printf '<text>\nfrom-shell\n' > inc.want
check inc

# -P: builtins only as m4_*, as autoconf runs it
printf '%s\n' '42 define' > prefixed.want
cat > prefixed.m4 <<'EOF'
m4_changequote([,])m4_define([x], [1])m4_define([y], [m4_eval(x + 41)])y define
EOF
check prefixed -P

# errors: a missing include and m4exit's status
printf 'include(`absent.m4'"'"')\n' > missing.m4
if m4 missing.m4 > /dev/null 2>&1; then exit 1; fi
printf 'm4exit(`3'"'"')\n' > quit.m4
set +e
m4 quit.m4
st=$?
set -e
[ $st = 3 ]
echo "m4: all checks passed"
