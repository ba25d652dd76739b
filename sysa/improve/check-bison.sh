# GNU bison as installed, the way packages' builds use it: a calculator
# grammar with precedence and associativity (%left, %right, %precedence
# for unary minus) and error recovery goes to C with -d, its scanner is a
# separate file that includes the generated header, cc compiles both and
# the program's output on a set of lines is compared byte for byte
# (results, and the "syntax error, unexpected ..." messages of
# parse.error verbose). yacc (bison -y) writes y.tab.c/y.tab.h, -v the
# .output report; an ambiguous grammar reports its conflicts (a warning,
# status 0) and fails under %expect 0 and -Werror; a syntax error in a .y
# and an unknown directive fail. bison must find m4 and its skeletons
# itself: it runs with an empty PATH.
set -eux
bison --version | head -n 1 > version.got
echo 'bison (GNU Bison) 3.8.2' > version.want
cmp version.want version.got

same() { # same WANT GOT
  if ! cmp "$1" "$2"; then
    diff -u "$1" "$2" || true
    exit 1
  fi
}

cat > calc.y <<'EOF'
%{
#include <stdio.h>
int yylex (void);
void yyerror (char const *);
%}
%define parse.error verbose
%define api.value.type {long}
%token NUM
%left '-' '+'
%left '*' '/' '%'
%precedence NEG
%right '^'
%%
input:
  %empty
| input line
;
line:
  '\n'
| exp '\n'   { printf ("%ld\n", $1); }
| error '\n' { yyerrok; }
;
exp:
  NUM
| exp '+' exp         { $$ = $1 + $3; }
| exp '-' exp         { $$ = $1 - $3; }
| exp '*' exp         { $$ = $1 * $3; }
| exp '/' exp         { if ($3 == 0) { yyerror ("division by zero"); $$ = 0; }
                        else $$ = $1 / $3; }
| exp '%' exp         { $$ = $3 ? $1 % $3 : 0; }
| '-' exp  %prec NEG  { $$ = -$2; }
| exp '^' exp         { long r = 1; for (long i = 0; i < $3; i++) r *= $1;
                        $$ = r; }
| '(' exp ')'         { $$ = $2; }
;
%%
void yyerror (char const *s) { printf ("error: %s\n", s); }
int main (void) { return yyparse (); }
EOF

# the scanner, apart: it needs the token numbers and yylval from calc.h
cat > lex.c <<'EOF'
#include <ctype.h>
#include <stdio.h>
#include "calc.h"
int yylex (void) {
  int c;
  while ((c = getchar ()) == ' ' || c == '\t')
    continue;
  if (isdigit (c)) {
    long v = 0;
    do v = v * 10 + (c - '0'); while (isdigit (c = getchar ()));
    ungetc (c, stdin);
    yylval = v;
    return NUM;
  }
  if (c == EOF)
    return YYEOF;
  return c;
}
EOF

cat > calc.in <<'EOF'
1 + 2 * 3
(1 + 2) * 3
2 ^ 3 ^ 2
-2 ^ 2
10 - 4 - 3
100 / 7 % 4
-(-5) * -1

1 + + 2
7 / 0
2 * (3 + 4
42
EOF
# ^ binds tighter than unary minus and to the right; - and / to the left
cat > calc.want <<'EOF'
7
9
512
-4
3
2
-5
error: syntax error, unexpected '+', expecting NUM or '-' or '('
error: division by zero
0
error: syntax error, unexpected '\n'
42
EOF

# an empty PATH: m4 and the skeletons are found where configure put them
env PATH= /usr/bin/bison -d -o calc.c calc.y
[ -s calc.h ]
grep -q 'NUM = 258' calc.h
grep -q '^extern YYSTYPE yylval;' calc.h
grep -q '^int yyparse (void);' calc.h
cc -o calc calc.c lex.c
./calc < calc.in > calc.got
same calc.want calc.got

# yacc, as configure scripts find it: y.tab.c and y.tab.h; -v: y.output;
# it warns of what POSIX yacc lacks
yacc -d -v calc.y 2> yacc.err
grep -q '^calc.y:6\.1-7: warning: POSIX Yacc does not support %define \[-Wyacc\]$' yacc.err
[ -s y.tab.c ]; [ -s y.tab.h ]
grep -q '^Grammar$' y.output
grep -q '^State 0$' y.output
sed 's/calc\.h/y.tab.h/' lex.c > ylex.c
cc -o ycalc y.tab.c ylex.c
./ycalc < calc.in > ycalc.got
same calc.want ycalc.got

# an ambiguous grammar: its conflicts are reported, still a parser
cat > ambig.y <<'EOF'
%token NUM
%%
e: e '+' e | e '*' e | NUM;
EOF
bison -o ambig.c ambig.y 2> ambig.got
cat > ambig.want <<'EOF'
ambig.y: warning: 4 shift/reduce conflicts [-Wconflicts-sr]
ambig.y: note: rerun with option '-Wcounterexamples' to generate conflict counterexamples
EOF
same ambig.want ambig.got
[ -s ambig.c ]
if bison -Werror -o ambig2.c ambig.y 2> /dev/null; then exit 1; fi
sed 's/^%token NUM$/%token NUM\n%expect 0/' ambig.y > expect.y
grep -q '^%expect 0$' expect.y
if bison -o expect.c expect.y 2> expect.err; then exit 1; fi
grep -q 'error: shift/reduce conflicts: 4 found, 0 expected' expect.err

# errors in the grammar file fail
printf '%%token NUM\n%%%%\ne: NUM NUM {\n' > unclosed.y
if bison -o unclosed.c unclosed.y 2> unclosed.err; then exit 1; fi
grep -q "^unclosed.y:3\.[0-9.-]*: error: missing '}' at end of file" unclosed.err
printf '%%token NUM\n%%%%\ne: NUM | : NUM;\n' > bad.y
if bison -o bad.c bad.y 2> bad.err; then exit 1; fi
grep -q '^bad.y:3\.10: error: unexpected :$' bad.err
printf '%%nonsense\n%%%%\ne: ;\n' > directive.y
if bison -o directive.c directive.y 2> directive.err; then exit 1; fi
grep -q 'error: invalid directive: .%nonsense' directive.err
echo "bison: all checks passed"
