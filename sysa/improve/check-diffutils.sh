# GNU diffutils, as installed (run by /bin/sh), the way configure scripts,
# patch workflows and kernel builds use them. Every output is compared
# byte for byte with the text written here, and every exit status checked:
# cmp (0 same, 1 differ, 2 trouble; -s; binary files; -l; EOF), diff in
# normal, -u, -c and -D format (no timestamps: --label), a last line
# without newline, -q, -r and -N over trees with new, removed and changed
# files, a binary file, a missing operand; a tree diff made here that the
# chain's patch applies (-p1, no fuzz) to give the new tree exactly and
# takes back with -R; diff3 -m merging cleanly and with a conflict, and
# sdiff; diff3 and sdiff found /usr/bin/diff with no PATH to search.
set -eux
kit=/bootstrap/bin/kit

# stdin to a file (there is no cat yet)
put() {
  while IFS= read -r l; do printf '%s\n' "$l"; done > "$1"
}

# st WANT OUT CMD...: CMD's stdout to OUT, stderr to OUT.err; its exit
# status must be WANT
st() {
  want=$1 out=$2
  shift 2
  set +e
  "$@" > "$out" 2> "$out.err"
  got=$?
  set -e
  if [ "$got" != "$want" ]; then
    echo "$*: exit status $got, expected $want"
    exit 1
  fi
}

# same EXPECTED GOT: files equal, else show both
same() {
  if ! $kit cmp "$1" "$2"; then
    diff "$1" "$2" || :
    exit 1
  fi
}

# empty FILE...: each exists and is empty
empty() {
  for f in "$@"; do
    [ -f "$f" ]; [ ! -s "$f" ]
  done
}

# strip FILE: diff -r output without the timestamps after ---/+++ names
strip() {
  while IFS= read -r l; do
    case $l in
      '--- '* | '+++ '* | '*** '*) printf '%s\n' "${l%%	*}" ;;
      *) printf '%s\n' "$l" ;;
    esac
  done < "$1" > "$1.s"
}

diff --version
cmp --version

# --- cmp ---
printf 'one\ntwo\nthree\n' > x
printf 'one\ntwo\nthree\n' > x2
printf 'one\ntwX\nthree\n' > y
printf 'one\n' > short
st 0 o cmp x x2
empty o o.err
st 1 o cmp x y
# POSIX's format for the POSIX locale, "char": built without NLS, this
# cmp never switches to the "byte" it prints in other locales
printf 'x y differ: char 7, line 2\n' > e
same e o
empty o.err
st 0 o cmp -s x x2
st 1 o cmp -s x y
empty o o.err
st 2 o cmp x nosuch
printf 'cmp: nosuch: No such file or directory\n' > e
same e o.err
empty o
st 2 o cmp -s x nosuch
empty o
st 1 o cmp short x
printf 'cmp: EOF on short after byte 4, line 1\n' > e
same e o.err
empty o
# binary: NUL bytes, bytes above 127, few newlines
printf 'ELF\000\001\002\377\n\000\003tail' > b1
printf 'ELF\000\001\002\376\n\000\004tail' > b2
st 1 o cmp b1 b2
printf 'b1 b2 differ: char 7, line 1\n' > e
same e o
st 1 o cmp -l b1 b2
put e <<'EOF'
 7 377 376
10   3   4
EOF
same e o
st 0 o cmp b1 b1
empty o

# --- diff: formats ---
put old <<'EOF'
#include <stdio.h>

int main(void)
{
	int n = 0;
	puts("counting");
	while (n < 3)
		n++;
	printf("%d\n", n);
	return 0;
}
/* line 12 */
/* line 13 */
/* line 14 */
/* line 15 */
/* line 16 */
/* line 17 */
/* end */
EOF
put new <<'EOF'
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	int n = 0;
	puts("counting");
	while (n < 4)
		n++;
	printf("%d\n", n);
	return 0;
}
/* line 12 */
/* line 13 */
/* line 14 */
/* line 15 */
/* line 16 */
/* changed 17 */
/* end */
EOF
st 0 o diff old old
empty o o.err
st 1 o diff old new
put e <<'EOF'
1a2
> #include <stdlib.h>
7c8
< 	while (n < 3)
---
> 	while (n < 4)
17c18
< /* line 17 */
---
> /* changed 17 */
EOF
same e o
empty o.err
st 1 o diff -u --label a/count.c --label b/count.c old new
put e <<'EOF'
--- a/count.c
+++ b/count.c
@@ -1,10 +1,11 @@
 #include <stdio.h>
+#include <stdlib.h>
 
 int main(void)
 {
 	int n = 0;
 	puts("counting");
-	while (n < 3)
+	while (n < 4)
 		n++;
 	printf("%d\n", n);
 	return 0;
@@ -14,5 +15,5 @@
 /* line 14 */
 /* line 15 */
 /* line 16 */
-/* line 17 */
+/* changed 17 */
 /* end */
EOF
same e o
st 1 o diff -U1 --label a --label b old new
put e <<'EOF'
--- a
+++ b
@@ -1,2 +1,3 @@
 #include <stdio.h>
+#include <stdlib.h>
 
@@ -6,3 +7,3 @@
 	puts("counting");
-	while (n < 3)
+	while (n < 4)
 		n++;
@@ -16,3 +17,3 @@
 /* line 16 */
-/* line 17 */
+/* changed 17 */
 /* end */
EOF
same e o
st 1 o diff -c --label a/count.c --label b/count.c old new
put e <<'EOF'
*** a/count.c
--- b/count.c
***************
*** 1,10 ****
  #include <stdio.h>
  
  int main(void)
  {
  	int n = 0;
  	puts("counting");
! 	while (n < 3)
  		n++;
  	printf("%d\n", n);
  	return 0;
--- 1,11 ----
  #include <stdio.h>
+ #include <stdlib.h>
  
  int main(void)
  {
  	int n = 0;
  	puts("counting");
! 	while (n < 4)
  		n++;
  	printf("%d\n", n);
  	return 0;
***************
*** 14,18 ****
  /* line 14 */
  /* line 15 */
  /* line 16 */
! /* line 17 */
  /* end */
--- 15,19 ----
  /* line 14 */
  /* line 15 */
  /* line 16 */
! /* changed 17 */
  /* end */
EOF
same e o
# -D: the #ifdef format (its format table is what patches/02 touches)
printf 'a\nb\nc\n' > d1
printf 'a\nB\nc\nd\n' > d2
st 1 o diff -DNEW d1 d2
put e <<'EOF'
a
#ifndef NEW
b
#else /* NEW */
B
#endif /* NEW */
c
#ifdef NEW
d
#endif /* NEW */
EOF
same e o
# binary files: one line of verdict, still status 1; -q says it for text
st 1 o diff b1 b2
printf 'Binary files b1 and b2 differ\n' > e
same e o
st 1 o diff -q old new
printf 'Files old and new differ\n' > e
same e o
st 0 o diff -q old old
empty o
# trouble is 2: a missing file, a missing operand
st 2 o diff old nosuch
printf 'diff: nosuch: No such file or directory\n' > e
same e o.err
empty o
st 2 o diff old
put e <<'EOF'
diff: missing operand after 'old'
diff: Try 'diff --help' for more information.
EOF
same e o.err

# --- diff: trees ---
# mk DIR: the old tree (also the one patch is applied to)
mk() {
  $kit mkdir "$1/sub"
  printf 'same\n' > "$1/keep.txt"
  printf 'old file\nto be removed\n' > "$1/gone.txt"
  printf 'one\ntwo\nthree\n' > "$1/sub/deep.txt"
  printf 'first\nlast, no newline' > "$1/nonl.txt"
  printf 'ends\n' > "$1/addnl.txt"
}
mk a
$kit mkdir b/sub b/sub2/deeper
printf 'same\n' > b/keep.txt
printf 'new file\n' > b/new.txt
printf 'only here\n' > b/sub2/deeper/only.txt
printf 'one\n2\nthree\n' > b/sub/deep.txt
printf 'first\nlast, changed, no newline' > b/nonl.txt
printf 'ends' > b/addnl.txt
st 0 o diff -r a a
empty o
st 1 o diff -r a b
put e <<'EOF'
diff -r a/addnl.txt b/addnl.txt
1c1
< ends
---
> ends
\ No newline at end of file
Only in a: gone.txt
Only in b: new.txt
diff -r a/nonl.txt b/nonl.txt
2c2
< last, no newline
\ No newline at end of file
---
> last, changed, no newline
\ No newline at end of file
diff -r a/sub/deep.txt b/sub/deep.txt
2c2
< two
---
> 2
Only in b: sub2
EOF
same e o
st 1 o diff -qr a b
put e <<'EOF'
Files a/addnl.txt and b/addnl.txt differ
Only in a: gone.txt
Only in b: new.txt
Files a/nonl.txt and b/nonl.txt differ
Files a/sub/deep.txt and b/sub/deep.txt differ
Only in b: sub2
EOF
same e o
st 1 o diff -rN a b
put e <<'EOF'
diff -rN a/addnl.txt b/addnl.txt
1c1
< ends
---
> ends
\ No newline at end of file
diff -rN a/gone.txt b/gone.txt
1,2d0
< old file
< to be removed
diff -rN a/new.txt b/new.txt
0a1
> new file
diff -rN a/nonl.txt b/nonl.txt
2c2
< last, no newline
\ No newline at end of file
---
> last, changed, no newline
\ No newline at end of file
diff -rN a/sub/deep.txt b/sub/deep.txt
2c2
< two
---
> 2
diff -rN a/sub2/deeper/only.txt b/sub2/deeper/only.txt
0a1
> only here
EOF
same e o
# the patch workflow: diff -ruN, then patch -p1 in a copy of the old tree
st 1 tree.diff diff -ruN a b
strip tree.diff
put e <<'EOF'
diff -ruN a/addnl.txt b/addnl.txt
--- a/addnl.txt
+++ b/addnl.txt
@@ -1 +1 @@
-ends
+ends
\ No newline at end of file
diff -ruN a/gone.txt b/gone.txt
--- a/gone.txt
+++ b/gone.txt
@@ -1,2 +0,0 @@
-old file
-to be removed
diff -ruN a/new.txt b/new.txt
--- a/new.txt
+++ b/new.txt
@@ -0,0 +1 @@
+new file
diff -ruN a/nonl.txt b/nonl.txt
--- a/nonl.txt
+++ b/nonl.txt
@@ -1,2 +1,2 @@
 first
-last, no newline
\ No newline at end of file
+last, changed, no newline
\ No newline at end of file
diff -ruN a/sub/deep.txt b/sub/deep.txt
--- a/sub/deep.txt
+++ b/sub/deep.txt
@@ -1,3 +1,3 @@
 one
-two
+2
 three
diff -ruN a/sub2/deeper/only.txt b/sub2/deeper/only.txt
--- a/sub2/deeper/only.txt
+++ b/sub2/deeper/only.txt
@@ -0,0 +1 @@
+only here
EOF
same e tree.diff.s
# -N dates the missing side the epoch (patch's cue to create or remove
# the file); a step runs with TZ=UTC
l='--- a/new.txt	1970-01-01 00:00:00.000000000 +0000'
found=
while IFS= read -r m; do
  if [ "$m" = "$l" ]; then found=1; fi
done < tree.diff
[ -n "$found" ]
mk c
(cd c && patch -p1 -F0 -s < ../tree.diff)
st 0 o diff -r b c
empty o
for f in keep.txt new.txt sub/deep.txt sub2/deeper/only.txt nonl.txt addnl.txt; do
  $kit cmp b/$f c/$f
done
[ ! -e c/gone.txt ]
# and back: the removed file restored, the added ones gone with their
# directories
(cd c && patch -p1 -R -F0 -s < ../tree.diff)
st 0 o diff -r a c
empty o
[ ! -e c/new.txt ]; [ ! -e c/sub2 ]

# --- diff3 and sdiff: they run /usr/bin/diff, PATH or not ---
printf 'one\ntwo\nthree\nfour\nfive\n' > older
printf 'ONE\ntwo\nthree\nfour\nfive\n' > mine
printf 'one\ntwo\nthree\nfour\nFIVE\n' > yours
printf 'one\ntwo\nthree\nfour\nfive, mine\n' > mine2
printf 'one\ntwo\nthree\nfour\nfive, theirs\n' > theirs
(
  PATH=/nowhere
  st 0 o /usr/bin/diff3 -m mine older yours
  printf 'ONE\ntwo\nthree\nfour\nFIVE\n' > e
  same e o
  st 1 o /usr/bin/diff3 -m -L mine -L older -L theirs mine2 older theirs
  put e <<'EOF'
one
two
three
four
<<<<<<< mine
five, mine
||||||| older
five
=======
five, theirs
>>>>>>> theirs
EOF
  same e o
  st 0 o /usr/bin/sdiff -t -w 40 older older
  st 1 o /usr/bin/sdiff -t -w 40 older mine
  put e <<'EOF'
one                |  ONE
two                   two
three                 three
four                  four
five                  five
EOF
  same e o
  st 1 o /usr/bin/sdiff -s -t -w 40 older yours
  printf 'five               |  FIVE\n' > e
  same e o
)
st 0 o diff3 mine older yours
put e <<'EOF'
====1
1:1c
  ONE
2:1c
3:1c
  one
====3
1:5c
2:5c
  five
3:5c
  FIVE
EOF
same e o
# diff3 leaves the missing file to diff, and says so
st 2 o diff3 -m mine older nosuch
put e <<'EOF'
diff: nosuch: No such file or directory
diff3: subsidiary program '/usr/bin/diff' failed (exit status 2)
EOF
same e o.err
empty o
echo "diffutils ok"
