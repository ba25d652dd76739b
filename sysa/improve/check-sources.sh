# The guest's own check of its sources, before it unpacks any itself: every
# distfile against the pinned hashes the host lays beside them
# ($DISTFILES/SHA256SUMS: every line of SHA256SUMS.sources),
# with kit's SHA-256; kit's SHA-256 itself against liblzma's (another
# implementation: xz --check=sha256 records the SHA-256 of what it
# compressed, xz -lvv prints it), on inputs from one block to megabytes
# (the pinned list, kit, xz, musl's libc.a: compressing every distfile
# with this unoptimized xz took most of a minute). A changed byte or an
# unlisted file must be refused.
set -eux
kit=/bootstrap/bin/kit
sums=$DISTFILES/SHA256SUMS
tab=$(printf '\t')
n=0
for f in "$DISTFILES"/*; do
  [ "$f" = "$sums" ] && continue
  $kit sha256check "$sums" "$f"
  n=$((n + 1))
done
[ "$n" -gt 0 ]
for f in "$sums" /bootstrap/bin/kit /usr/bin/xz /usr/lib/libc.a; do
  IFS=' '
  set -- $($kit sha256 "$f")
  ours=$1
  xz -0 --check=sha256 -c "$f" > copy.xz
  xz --robot -lvv copy.xz > list.txt
  theirs=
  # the value after "SHA-256" on the (single) block line
  while IFS= read -r line; do
    case $line in block"$tab"*) ;; *) continue ;; esac
    IFS=$tab
    set -- $line
    IFS=' '
    while [ $# -gt 1 ]; do
      [ "$1" = SHA-256 ] && theirs=$2
      shift
    done
  done < list.txt
  [ -n "$ours" ] && [ "$ours" = "$theirs" ] || { echo "kit and liblzma disagree on $f"; exit 1; }
done

# one byte appended to a listed file
for first in "$DISTFILES"/*.tar.*; do break; done
name=${first##*/}
# (kit cp streams; kit cat holds its inputs in memory, up to 8 MiB)
$kit mkdir tampered
$kit cp "$first" "tampered/$name"
printf 'x' >> "tampered/$name"
if $kit sha256check "$sums" "tampered/$name"; then
  echo "a changed file passed the check"; exit 1
fi
# a file the list does not name
$kit cp "$first" tampered/unlisted.tar.gz
if $kit sha256check "$sums" tampered/unlisted.tar.gz; then
  echo "an unlisted file passed the check"; exit 1
fi
echo "sources ok ($n files)"
