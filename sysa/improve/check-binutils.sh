# binutils as installed, used the way a kernel build and configure scripts
# use them: as assembles a program that ld links against musl into a
# static executable that runs; ld links TinyCC's objects too, and a -T
# linker script places a section where it says; ar builds, lists, updates
# and extracts an archive ld links from, byte-identical when made twice
# (deterministic); nm, objdump, readelf, size and strings see the symbols,
# code and sections they must; objcopy writes a raw binary with exactly the
# section's bytes and strip removes the symbols without breaking the
# program. ld -v must say GNU ld (libtool and gnulib look for it).
set -eux


for t in as ld ar ranlib nm strip objcopy objdump readelf size strings; do
  command -v $t
done
ld -v | grep -q '^GNU ld (GNU Binutils) 2.44$'
as --version | grep -q '^GNU assembler (GNU Binutils) 2.44$'
ar --version | grep -q '^GNU ar (GNU Binutils) 2.44$'

# as + ld: write(1, msg, 3); exit(42), no libc
cat > bare.s <<'EOF'
	.globl _start
	.text
_start:
	mov $1, %edi
	lea msg(%rip), %rsi
	mov $3, %edx
	mov $1, %eax
	syscall
	mov $42, %edi
	mov $60, %eax
	syscall
	.data
msg:	.ascii "ok\n"
EOF
as -o bare.o bare.s
ld -o bare bare.o
set +e
out=$(./bare)
st=$?
set -e
[ "$out" = ok ]; [ $st = 42 ]

# an as-made main linked by ld against musl's crt files and libc.a
cat > hello.s <<'EOF'
	.globl main
	.text
main:
	sub $8, %rsp
	lea greeting(%rip), %rdi
	call puts
	xor %eax, %eax
	add $8, %rsp
	ret
	.section .rodata
greeting:	.asciz "hello from as and ld"
EOF
as -o hello.o hello.s
ld -static -o hello /usr/lib/crt1.o /usr/lib/crti.o hello.o -L/usr/lib -lc /usr/lib/crtn.o
[ "$(./hello)" = "hello from as and ld" ]

# TinyCC's objects, archived by ar, linked by ld
printf 'int twice(int x) { return 2 * x; }\n' > twice.c
printf 'int thrice(int x) { return 3 * x; }\n' > thrice.c
printf '#include <stdio.h>\nint twice(int), thrice(int);\nint main(void) { printf("%%d %%d\\n", twice(21), thrice(5)); return 0; }\n' > main.c
cc -c twice.c thrice.c main.c
ar rcs libm2.a twice.o
ar rcs libm2.a thrice.o
[ "$(ar t libm2.a)" = "twice.o
thrice.o" ]
ar rcs again.a twice.o thrice.o
cmp libm2.a again.a
# TinyCC's runtime (va_arg, which musl's printf uses; it calls abort)
# and libc need each other: one group
ld -static -o prog /usr/lib/crt1.o /usr/lib/crti.o main.o -L. -lm2 -L/usr/lib \
  --start-group -lc /usr/lib/tcc/libtcc1.a --end-group /usr/lib/crtn.o
[ "$(./prog)" = "42 15" ]
mkdir x
(cd x && ar x ../libm2.a)
cmp twice.o x/twice.o
ar d libm2.a thrice.o
[ "$(ar t libm2.a)" = twice.o ]

# nm, objdump, readelf, size, strings
nm prog | grep -q ' T twice$'
nm prog | grep -q ' T main$'
nm -u main.o | grep -q ' U twice$'
objdump -d bare.o | grep -q 'syscall'
readelf -h prog | grep -q 'Type: *EXEC (Executable file)'
readelf -S bare.o | grep -q '\.data'
size bare.o | grep -q 'bare.o'
strings hello | grep -q '^hello from as and ld$'

# a linker script puts a section at a fixed address
cat > place.ld <<'EOF'
SECTIONS
{
  . = 0x400000;
  .text : { *(.text) }
  . = 0x600000;
  .data : { *(.data) }
}
EOF
ld -T place.ld -o placed bare.o
readelf -S placed | grep '\.data' | grep -q '0000000000600000'
set +e
./placed > placed.out
st=$?
set -e
[ $st = 42 ]; [ "$(cat placed.out)" = ok ]

# objcopy -O binary: exactly the section's bytes
printf 'ABCDEFGH' > eight.bin
objcopy -I binary -O elf64-x86-64 -B i386:x86-64 eight.bin eight.o
objcopy -O binary -j .data eight.o back.bin
cmp eight.bin back.bin

# strip: smaller, no symbols, still runs
cp prog stripped
strip stripped
[ "$(wc -c < stripped)" -lt "$(wc -c < prog)" ]
[ -z "$(nm stripped 2>/dev/null)" ]
[ "$(./stripped)" = "42 15" ]

# errors exit non-zero
printf 'bogus instruction\n' > bad.s
if as -o bad.o bad.s; then exit 1; fi
if ld -o nothing missing.o; then exit 1; fi
echo "binutils: all checks passed"
