# liblzma and xz without configure or make: the sources liblzma's
# Makefile.inc files list for the default feature set minus threads
# (no stream_*_mt.c, outqueue.c, tuklib_cpucores.c), then xz_SOURCES of
# src/xz/Makefile.am, with our config.h. Each file is compiled by relative
# name from its Makefile's directory, so no build path reaches the outputs.
set -eux
kit=/bootstrap/bin/kit
$kit cp "$RECIPE/config.h" "$BUILDDIR/include/config.h"
$kit mkdir "$BUILDDIR/obj"

cd "$SRC/src/liblzma"
for f in ../common/tuklib_physmem.c \
  common/alone_decoder.c common/alone_encoder.c common/auto_decoder.c \
  common/block_buffer_decoder.c common/block_buffer_encoder.c \
  common/block_decoder.c common/block_encoder.c common/block_header_decoder.c \
  common/block_header_encoder.c common/block_util.c common/common.c \
  common/easy_buffer_encoder.c common/easy_decoder_memusage.c \
  common/easy_encoder.c common/easy_encoder_memusage.c common/easy_preset.c \
  common/file_info.c common/filter_buffer_decoder.c \
  common/filter_buffer_encoder.c common/filter_common.c \
  common/filter_decoder.c common/filter_encoder.c \
  common/filter_flags_decoder.c common/filter_flags_encoder.c \
  common/hardware_physmem.c common/index.c common/index_decoder.c \
  common/index_encoder.c common/index_hash.c common/lzip_decoder.c \
  common/microlzma_decoder.c common/microlzma_encoder.c \
  common/stream_buffer_decoder.c common/stream_buffer_encoder.c \
  common/stream_decoder.c common/stream_encoder.c \
  common/stream_flags_common.c common/stream_flags_decoder.c \
  common/stream_flags_encoder.c common/string_conversion.c \
  common/vli_decoder.c common/vli_encoder.c common/vli_size.c \
  check/check.c check/crc32_fast.c check/crc64_fast.c check/sha256.c \
  lz/lz_encoder.c lz/lz_encoder_mf.c lz/lz_decoder.c \
  lzma/lzma_encoder_presets.c lzma/lzma_encoder.c \
  lzma/lzma_encoder_optimum_fast.c lzma/lzma_encoder_optimum_normal.c \
  lzma/fastpos_table.c lzma/lzma_decoder.c lzma/lzma2_encoder.c \
  lzma/lzma2_decoder.c rangecoder/price_table.c \
  delta/delta_common.c delta/delta_encoder.c delta/delta_decoder.c \
  simple/simple_coder.c simple/simple_encoder.c simple/simple_decoder.c \
  simple/x86.c simple/powerpc.c simple/ia64.c simple/arm.c \
  simple/armthumb.c simple/arm64.c simple/sparc.c simple/riscv.c
do
  # objects by base name (unique across liblzma), alone in $BUILDDIR/obj
  o=${f##*/}
  o=$BUILDDIR/obj/${o%.c}.o
  cc -DHAVE_CONFIG_H -I"$BUILDDIR/include" -Iapi -Icommon -Icheck -Ilz \
    -Irangecoder -Ilzma -Idelta -Isimple -I../common \
    -DTUKLIB_SYMBOL_PREFIX=lzma_ -c "$f" -o "$o"
done
# members in name order (the glob sorts them)
cd "$BUILDDIR/obj"
ar rcs "$BUILDDIR/liblzma.a" *.o

cd "$SRC/src/xz"
cc -DHAVE_CONFIG_H -I"$BUILDDIR/include" -I../common -I../liblzma/api \
  -o "$BUILDDIR/xz" \
  args.c coder.c file_io.c hardware.c list.c main.c message.c mytime.c \
  options.c sandbox.c signals.c suffix.c util.c \
  ../common/tuklib_open_stdxxx.c ../common/tuklib_progname.c \
  ../common/tuklib_exit.c ../common/tuklib_mbstr_fw.c \
  ../common/tuklib_mbstr_nonprint.c ../common/tuklib_mbstr_width.c \
  ../common/tuklib_mbstr_wrap.c \
  -L"$BUILDDIR" -llzma
"$BUILDDIR/xz" --version

$kit cpx "$BUILDDIR/xz" "$DESTDIR/usr/bin/xz"
for n in unxz xzcat lzma unlzma lzcat; do
  $kit ln xz "$DESTDIR/usr/bin/$n"
done
$kit cp "$BUILDDIR/liblzma.a" "$DESTDIR/usr/lib/liblzma.a"
cd "$SRC/src/liblzma/api"
$kit cp lzma.h "$DESTDIR/usr/include/lzma.h"
for h in base bcj block check container delta filter hardware index \
  index_hash lzma12 stream_flags version vli; do
  $kit cp "lzma/$h.h" "$DESTDIR/usr/include/lzma/$h.h"
done
