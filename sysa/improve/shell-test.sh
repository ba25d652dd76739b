# Run by check-shell.kaem with /bin/sh; its output must be shell-test.expected.
set -e
greet() { printf '%s, %s!\n' "$1" "$2"; }
n=0
for w in one two three; do
    n=$((n + 1))
    greet "$w" "$n"
done
case "$n" in 3) echo "three words" ;; *) echo "wrong count: $n" ;; esac
x=$(echo piped | while read -r l; do echo "[$l]"; done)
echo "$x"
if [ -n "${UNSET_VARIABLE:-}" ]; then echo unexpected; else echo "unset is empty"; fi
echo discarded > /dev/null
exec 3>&1
echo "via fd 3" >&3
