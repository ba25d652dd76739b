. /bootstrap/lib/unpack.sh
# Nothing answered, no option: configure finds cc, make, sed, awk, grep,
# ar and the rest on its own.
set -eux
cd "$SRC"
./configure
make
[ "$(./hello)" = "Hello, world!" ]
[ "$(./hello -t)" = "hello, world" ]
[ "$(./hello -g 'from the chain')" = "from the chain" ]
[ "$(./hello --version | head -n 1)" = "hello (GNU Hello) 2.10" ]
echo "GNU hello built with ./configure && make and ran"
