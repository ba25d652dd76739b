# GNU grep, as installed (run by /bin/sh), the way configure scripts and
# kernel builds call it. Each case states the exact expected output (and
# exit status: 0 a line selected, 1 none, 2 trouble) here, and compares
# byte for byte: BRE (intervals, back-references, GNU's \+ \| \< \>),
# ERE (-E, egrep), fixed strings (-F, fgrep), -e/-f/newline-separated
# pattern lists, -i -w -x -v -c -n -o -l -L -q -s -h -H -m, bracket
# classes, anchors, -r over a tree (with --include), binary files (-a, -I,
# the "binary file matches" notice), a 256 KiB line, stdin (with and
# without a final newline, "-", --label), and what is refused: a bad
# regex, an unknown option, a missing file, a regex nested deeper than
# the stack (reported, not a crash).
set -eu
kit=/bootstrap/bin/kit
grep --version

want() { # want LINE...: the expected output, one argument per line
  printf '%s\n' "$@" > want.out
}
nothing() { # no output expected
  : > want.out
}
show() { # show FILE: its lines on stderr (no cat here yet)
  while IFS= read -r l || [ -n "$l" ]; do echo "| $l" >&2; done < "$1"
}
# got STATUS CMD...: CMD exits with STATUS and prints exactly want.out
got() {
  st=$1
  shift
  set +e
  "$@" > got.out
  r=$?
  set -e
  if [ "$r" != "$st" ]; then
    echo "FAILED (exit $r, wanted $st): $*" >&2
    show got.out
    exit 1
  fi
  if ! $kit cmp want.out got.out; then
    echo "FAILED (output): $*" >&2
    echo "wanted:" >&2
    show want.out
    echo "got:" >&2
    show got.out
    exit 1
  fi
}

tab=$(printf '\t')
printf '%s\n' 'hello world' 'Hello World' 'foo=bar' '  indented line' \
  "tab${tab}separated" abcabc xyzzy '' 'level 42' a.c 'the end' > w.txt

# plain BRE, anchors, empty lines, the empty pattern
want 'hello world'
got 0 grep 'o w' w.txt
want 'the end'
got 0 grep '^the' w.txt
got 0 grep 'end$' w.txt
want 8:
got 0 grep -n '^$' w.txt
want 11
got 0 grep -c '' w.txt
# . and * and ranges; [ ] classes, negated
want abcabc 'level 42' a.c
got 0 grep '^a.c\|^[l-m]e' w.txt
want "tab${tab}separated"
got 0 grep 'b[[:space:]]s' w.txt
want 6
got 0 grep -c '[[:space:]]' w.txt
want '  indented line'
got 0 grep '^[[:space:]]' w.txt
want 'level 42'
got 0 grep '[[:digit:]]\{2\}' w.txt
want 'Hello World'
got 0 grep '^[[:upper:]][^[:upper:]]*[[:upper:]]' w.txt
want foo=bar a.c
got 0 grep '[^[:alnum:][:space:]]' w.txt
# intervals and back-references in BRE; GNU's \+ \? \| \< \> \b
want abcabc
got 0 grep '\(abc\)\1' w.txt
got 0 grep '^\(a\)\(b\)c\1\2' w.txt
want 'level 42'
got 0 grep '^\(.\)\(.\).\2\1 ' w.txt
want xyzzy
got 0 grep 'z\{2\}' w.txt
got 0 grep 'xy\?z\+y$' w.txt
want 'the end'
got 0 grep '\<end\>' w.txt
got 0 grep '\bthe\b' w.txt
want foo=bar 'the end'
got 0 grep 'foo\|end' w.txt
# a literal * at the start of a BRE, and \. as a literal dot
printf '%s\n' '*star' 'a*b' abc > s.txt
want '*star'
got 0 grep '^*s' s.txt
want a.c
got 0 grep 'a\.c' w.txt

# ERE: alternation, groups, + ? {n,m}, back-reference (GNU extension)
want foo=bar 'the end'
got 0 grep -E '^(foo|the)[ =]' w.txt
want abcabc
got 0 grep -E '^(abc){2}$' w.txt
want xyzzy
got 0 grep -E 'x(y)z+\1$' w.txt
got 0 grep -E 'z{1,2}y' w.txt
want 'hello world' 'Hello World'
got 0 grep -E '[Hh]el+o? [Ww]' w.txt
# ( is special in ERE, literal in BRE; { is literal in BRE
printf '%s\n' 'f(x)' 'a{1}' > p.txt
want 'f(x)'
got 0 grep 'f(x)' p.txt
got 0 grep -E 'f\(x\)' p.txt
want 'a{1}'
got 0 grep 'a{1}' p.txt

# -F: fixed strings, regex characters are plain
want a.c
got 0 grep -F 'a.c' w.txt
want abcabc a.c
got 0 grep 'a.c' w.txt
want 'a*b'
got 0 grep -F '*b' s.txt
want 'f(x)'
got 0 grep -F '(x)' p.txt
nothing
got 1 grep -F '[[:digit:]]' w.txt

# -i, -w, -x, also with -F
want 'hello world' 'Hello World'
got 0 grep -i 'HELLO' w.txt
got 0 grep -iF 'o w' w.txt
want 'the end'
got 0 grep -w 'end' w.txt
got 0 grep -wF 'end' w.txt
nothing
got 1 grep -w 'abc' w.txt
got 1 grep -w 'hell' w.txt
want foo=bar
got 0 grep -w 'foo' w.txt
got 0 grep -x 'foo=bar' w.txt
got 0 grep -xF 'foo=bar' w.txt
want xyzzy
got 0 grep -ix 'XYZZY' w.txt
nothing
got 1 grep -x 'foo' w.txt

# -v, -c, -n, -m, and clusters of them
want 'foo=bar' '  indented line' "tab${tab}separated" abcabc xyzzy '' \
  'level 42' a.c 'the end'
got 0 grep -v -i 'hello' w.txt
want 3
got 0 grep -c 'o' w.txt
want 8
got 0 grep -vc 'o' w.txt
want 0
got 1 grep -c 'nowhere' w.txt
want '3:foo=bar' '11:the end'
got 0 grep -n -e foo -e end w.txt
want '1:hello world'
got 0 grep -nm1 'o' w.txt

# several patterns: -e, newline-separated, -f; one matching is enough
want foo=bar xyzzy 'the end'
got 0 grep -e foo -e end -e zz w.txt
got 0 grep "foo
end
zz" w.txt
printf '%s\n' foo end zz > pats.txt
got 0 grep -f pats.txt w.txt
want foo=bar xyzzy
got 0 grep -E -e 'fo+' -e 'z{2}' w.txt
got 0 grep -F -e 'oo=' -e 'zz' w.txt
# a pattern that starts with -, after -e and after --
printf '%s\n' '-x marks' 'no mark' > dash.txt
want '-x marks'
got 0 grep -e '-x' dash.txt
got 0 grep -- '-x' dash.txt

# -o: each match on its own line; with -n and -b
printf '%s\n' 'a1b22c333' 'none' 'x4' > n.txt
want 1 22 333 4
got 0 grep -o '[0-9]\+' n.txt
want '1:1' '1:22' '1:333' '3:4'
got 0 grep -on '[0-9][0-9]*' n.txt
want '3:22' '6:333'
got 0 grep -ob '[0-9]\{2,\}' n.txt
want abc abc
got 0 grep -oE '(abc)' w.txt

# -l, -L, -h, -H, file names, and several files
printf '%s\n' 'foo in two' > two.txt
want w.txt two.txt
got 0 grep -l foo w.txt two.txt s.txt
want s.txt
got 0 grep -L foo w.txt two.txt s.txt
want 'w.txt:foo=bar' 'two.txt:foo in two'
got 0 grep foo w.txt two.txt
want 'foo=bar' 'foo in two'
got 0 grep -h foo w.txt two.txt
want 'w.txt:foo=bar'
got 0 grep -H foo w.txt
want 'w.txt:1' 'two.txt:1' 's.txt:0'
got 0 grep -c foo w.txt two.txt s.txt
want 'two.txt:1:foo in two'
got 0 grep -Hn foo two.txt

# -q: the status alone; 2 for trouble, unless a line was selected
nothing
got 0 grep -q foo w.txt
got 1 grep -q nowhere w.txt
got 2 grep -q foo missing.txt 2> err.out
[ -s err.out ]
got 0 grep -q foo missing.txt w.txt 2> err.out
got 2 grep -q nowhere missing.txt w.txt 2> err.out
# -s: no message for a missing or unreadable file, status still 2
got 2 grep -s foo missing.txt 2> err.out
[ ! -s err.out ]
want 'w.txt:foo=bar'
got 2 grep -s foo missing.txt w.txt 2> err.out
[ ! -s err.out ]
printf '%s\n' 'grep: missing.txt: No such file or directory' > want.err
nothing
got 2 grep foo missing.txt 2> err.out
$kit cmp want.err err.out

# refused: bad regexes and an unknown option (status 2, a message)
got 2 grep 'a\{1' w.txt 2> err.out
[ -s err.out ]
got 2 grep -E 'a(b' w.txt 2> err.out
[ -s err.out ]
got 2 grep '[[:nope:]]' w.txt 2> err.out
[ -s err.out ]
got 2 grep --no-such-option foo w.txt 2> err.out
[ -s err.out ]

# -r over a tree: every file at every depth, names as given; --include;
# the order of a directory's entries is the file system's, so the lines
# are looked up one by one
$kit mkdir tree/sub/deeper tree/empty
printf '%s\n' 'needle one' 'hay' > tree/a.c
printf '%s\n' 'hay' 'needle two' > tree/sub/b.h
printf '%s\n' 'needle three' > tree/sub/deeper/c.h
printf '%s\n' 'hay only' > tree/sub/d.txt
has() { # has FILE LINE: LINE is one of FILE's lines
  while IFS= read -r l; do [ "$l" = "$2" ] && return 0; done < "$1"
  echo "FAILED: no line '$2' in:" >&2
  show "$1"
  exit 1
}
lines() { # lines FILE N: FILE has N lines
  n=0
  while IFS= read -r l; do n=$((n + 1)); done < "$1"
  [ $n = "$2" ] || { echo "FAILED: $n lines, wanted $2" >&2; show "$1"; exit 1; }
}
grep -r needle tree > r.out
lines r.out 3
has r.out 'tree/a.c:needle one'
has r.out 'tree/sub/b.h:needle two'
has r.out 'tree/sub/deeper/c.h:needle three'
grep -rl --include='*.h' needle tree > r.out
lines r.out 2
has r.out tree/sub/b.h
has r.out tree/sub/deeper/c.h
grep -rc hay tree > r.out
lines r.out 4
has r.out tree/a.c:1
has r.out tree/sub/b.h:1
has r.out tree/sub/deeper/c.h:0
has r.out tree/sub/d.txt:1
want 'tree/sub/b.h:2:needle two'
got 0 grep -rn two tree
nothing
got 1 grep -r nowhere tree
# without -r a directory is skipped with a message (status 2)
got 2 grep needle tree 2> err.out
[ -s err.out ]

# binary files: a NUL makes grep report a match instead of printing it
printf 'text\000more\nmatch here\n' > bin.dat
nothing
got 0 grep match bin.dat 2> err.out
printf '%s\n' 'grep: bin.dat: binary file matches' > want.err
$kit cmp want.err err.out
printf 'match here\n' > want.out
got 0 grep -a match bin.dat
printf 'text\000more\n' > want.out
got 0 grep -a more bin.dat
want 1
got 0 grep -c match bin.dat
nothing
got 1 grep -I match bin.dat
got 1 grep --binary-files=without-match match bin.dat
got 0 grep -q match bin.dat
got 1 grep nowhere bin.dat

# a 256 KiB line (bigger than grep's first buffer), matched at both ends
x=x
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do x=$x$x; done
printf 'short\n%s needle\nend\n' "$x" > long.txt
printf '%s needle\n' "$x" > want.out
got 0 grep needle long.txt
got 0 grep -E '^x{1000}' long.txt
got 0 grep -x 'x* needle' long.txt
want 2:needle
got 0 grep -no 'needle$' long.txt
want 1
got 0 grep -c 'xx needle$' long.txt
got 0 grep -Fc 'x needle' long.txt

# a regex nested deeper than the stack: gnulib's c-stack (sigsegv.c and
# stackvma.c, compiled here) turns the overflow into a message and status
# 2, not a crash. 2^18 parentheses, from a file (too long for an
# argument), under the usual 8 MiB stack whatever the caller's limit.
p='('
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do p=$p$p; done
printf '%s\n' "$p" > deep.pat
nothing
printf 'x\n' | (ulimit -s 8192 && got 2 grep -E -f deep.pat 2> err.out)
printf '%s\n' 'grep: stack overflow' > want.err
$kit cmp want.err err.out

# stdin: piped, redirected, as "-", with --label; a last line without a
# newline gets one
printf 'one\ntwo\nthree' > in.txt
want two
got 0 grep tw < in.txt
want three
printf 'one\ntwo\nthree' | got 0 grep 'ee$'
want '(standard input):two'
got 0 grep -H two - < in.txt
want 'in:two'
got 0 grep -H --label=in two < in.txt
want 'w.txt:foo=bar' '(standard input):two'
got 0 grep -e foo -e two w.txt - < in.txt
nothing
printf '' | got 1 grep x

# egrep and fgrep: grep -E and grep -F, with a warning on stderr
want xyzzy
got 0 egrep 'z+y$' w.txt 2> err.out
printf '%s\n' 'egrep: warning: egrep is obsolescent; using grep -E' > want.err
$kit cmp want.err err.out
want a.c
got 0 fgrep 'a.c' w.txt 2> err.out
printf '%s\n' 'fgrep: warning: fgrep is obsolescent; using grep -F' > want.err
$kit cmp want.err err.out
echo "grep ok"
