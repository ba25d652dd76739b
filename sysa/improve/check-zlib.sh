# zlib as installed, the way packages and the kernel's tools use it: a C
# program compiled with cc and linked with -lz against zlib.h checks the
# standard CRC-32 and Adler-32 check values (and their _combine forms),
# compress2's exact bytes at three levels, inflates streams made elsewhere
# (a stored block written by hand, a fixed-Huffman stream) and refuses
# corrupt ones, round-trips 1 MiB through deflate/inflate in small pieces at
# several levels (exact compressed sizes: a miscompiled deflate that still
# round-trips would change them), writes gzip format both with deflate and
# gzwrite that the chain's gzip reads, and reads what gzip -9 wrote.
# Outputs are compared byte for byte; errors must exit non-zero.
set -eux
[ -f /usr/lib/libz.a ]; [ -f /usr/include/zlib.h ]; [ -f /usr/include/zconf.h ]
grep -qx 'Version: 1.3.1' /usr/lib/pkgconfig/zlib.pc

cat > zcheck.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int failed;

static void fail(const char *what)
{
    printf("FAIL %s\n", what);
    failed = 1;
}

static void hex(const char *tag, const unsigned char *p, unsigned long n)
{
    printf("%s ", tag);
    while (n--)
        printf("%02x", *p++);
    printf("\n");
}

static int unhex(const char *s, unsigned char *out)
{
    int n = 0;
    unsigned v;
    while (*s && sscanf(s, "%2x", &v) == 1) {
        out[n++] = (unsigned char)v;
        s += 2;
    }
    return n;
}

/* inflate a whole stream given in hex; prints the text or the error */
static void inflate_hex(const char *tag, const char *h)
{
    unsigned char in[512], out[2048];
    uLongf outlen = sizeof out;
    int n = unhex(h, in);
    int r = uncompress(out, &outlen, in, n);
    if (r == Z_OK)
        printf("%s %lu: %.*s\n", tag, (unsigned long)outlen, (int)(outlen < 60 ? outlen : 60), out);
    else
        printf("%s error %d\n", tag, r);
}

/* 1 MiB of word-like text from a fixed generator: compressible, not trivial */
static unsigned char *make_data(unsigned long n)
{
    static const char *words[] = { "zlib ", "deflate ", "inflate ", "window ",
        "huffman ", "match ", "literal ", "block ", "crc ", "adler\n" };
    unsigned char *p = malloc(n);
    unsigned long i = 0, x = 12345;
    while (i < n) {
        const char *w;
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        if ((x >> 16) % 7 == 0) {
            p[i++] = (unsigned char)('0' + (x >> 8) % 10);
            continue;
        }
        for (w = words[(x >> 16) % 10]; *w && i < n; w++)
            p[i++] = (unsigned char)*w;
    }
    return p;
}

/* deflate with 1000-byte input and 4 KiB output pieces, inflate with
   333-byte output pieces; returns the compressed size, 0 on a mismatch */
static unsigned long round_trip(const unsigned char *data, unsigned long n, int level, int wbits)
{
    z_stream s;
    unsigned long cap = compressBound(n) + 64, clen, at = 0;
    unsigned char *c = malloc(cap), *back = malloc(n);
    int r;

    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, level, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    s.next_out = c;
    do {
        unsigned long take = n - at < 1000 ? n - at : 1000;
        s.next_in = (unsigned char *)data + at;
        s.avail_in = (uInt)take;
        at += take;
        do {
            unsigned long room = cap - s.total_out;
            s.avail_out = room < 4096 ? (uInt)room : 4096;
            r = deflate(&s, at == n ? Z_FINISH : Z_NO_FLUSH);
        } while (s.avail_in > 0 || (at == n && r != Z_STREAM_END));
    } while (at < n);
    clen = s.total_out;
    deflateEnd(&s);

    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, wbits) != Z_OK)
        return 0;
    s.next_in = c;
    s.avail_in = (uInt)clen;
    s.next_out = back;
    do {
        unsigned long room = n - s.total_out;
        s.avail_out = room < 333 ? (uInt)room : 333;
        r = inflate(&s, Z_NO_FLUSH);
    } while (r == Z_OK);
    if (r != Z_STREAM_END || s.total_out != n || memcmp(data, back, n) != 0)
        clen = 0;
    inflateEnd(&s);
    if (wbits > 15) { /* gzip: left for the shell to hand to gzip -d */
        FILE *f = fopen("deflated.gz", "wb");
        fwrite(c, 1, clen, f);
        fclose(f);
    }
    free(c);
    free(back);
    return clen;
}

int main(int argc, char **argv)
{
    const unsigned char check[] = "123456789", wiki[] = "Wikipedia";
    const unsigned char hello[] = "hello hello hello hello\n";
    unsigned char buf[256], back[256];
    uLong a, b, ab;
    uLongf len, blen;
    const unsigned long n = 1UL << 20;
    unsigned char *data = make_data(n), *rd;
    int level, got;
    gzFile gz;
    FILE *f;

    /* `zcheck write`: only the test data, for gzip -9 to make gzip.gz */
    if (argc > 1) {
        f = fopen("data", "wb");
        if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0)
            return 1;
        return 0;
    }

    printf("version %s %s\n", ZLIB_VERSION, zlibVersion());

    printf("crc32 %08lx adler32 %08lx %08lx\n", crc32(0, check, 9),
           adler32(1, check, 9), adler32(1, wiki, 9));
    a = crc32(0, check, 4);
    b = crc32(0, check + 4, 5);
    ab = crc32_combine(a, b, 5);
    printf("crc32_combine %08lx\n", ab);
    a = adler32(1, check, 4);
    b = adler32(1, check + 4, 5);
    printf("adler32_combine %08lx\n", adler32_combine(a, b, 5));

    for (level = 1; level <= 9; level += 4) {
        char tag[16];
        len = sizeof buf;
        if (compress2(buf, &len, hello, sizeof hello - 1, level) != Z_OK)
            fail("compress2");
        sprintf(tag, "level%d", level);
        hex(tag, buf, len);
        blen = sizeof back;
        if (uncompress(back, &blen, buf, len) != Z_OK || blen != sizeof hello - 1
            || memcmp(back, hello, blen) != 0)
            fail("uncompress");
    }

    /* a stored block by hand: header 78 01, final stored block of 5 bytes
       (len 0005, nlen fffa), then the Adler-32 of "hello" */
    inflate_hex("stored", "7801010500faff68656c6c6f062c0215");
    inflate_hex("fixed", "78da0bc94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b"
                         "2d5228014ae72456552aa4e4a7eb29848c2a1e553caa98da8a0147a5431c");
    /* the same with the last byte of the Adler-32 changed, and with an
       invalid block type (11) */
    inflate_hex("badcheck", "7801010500faff68656c6c6f062c0216");
    inflate_hex("badblock", "780107");

    for (level = 0; level <= 9; level += 3)
        printf("round trip level %d: %lu bytes\n", level, round_trip(data, n, level, 15));
    printf("gzip stream: %lu bytes\n", round_trip(data, n, 6, 31));

    (void)argv;
    printf("data crc32 %08lx\n", crc32(0, data, n));

    /* gzwrite, for gzip -t and gzip -d; its first 1000 bytes, a truncated
       stream, must be an error for gzread */
    gz = gzopen("gzwritten.gz", "wb9");
    if (!gz || gzwrite(gz, data, (unsigned)n) != (int)n || gzclose(gz) != Z_OK)
        fail("gzwrite");
    rd = malloc(n + 1);
    f = fopen("gzwritten.gz", "rb");
    if (!f || fread(rd, 1, 1000, f) != 1000)
        fail("read back");
    fclose(f);
    f = fopen("cut.gz", "wb");
    fwrite(rd, 1, 1000, f);
    fclose(f);
    gz = gzopen("cut.gz", "rb");
    if (!gz)
        fail("gzopen cut.gz");
    else {
        int err;
        const char *msg;
        got = gzread(gz, rd, (unsigned)n);
        msg = gzerror(gz, &err);
        printf("truncated: %s %d, %s\n", got > 0 && got < (int)n ? "part" : "?", err, msg);
        gzclose(gz);
    }

    /* gzread of what gzip -9 wrote (the shell made gzip.gz before) */
    gz = gzopen("gzip.gz", "rb");
    if (!gz)
        fail("gzopen");
    else {
        got = gzread(gz, rd, (unsigned)n + 1);
        printf("gzread %d bytes, same %s\n", got,
               got == (int)n && memcmp(rd, data, n) == 0 ? "yes" : "no");
        gzclose(gz);
    }
    return failed;
}
EOF

# The check values are the published ones (CRC-32 and Adler-32 of
# "123456789", Adler-32 of "Wikipedia"); the compressed bytes and sizes
# are also what another zlib (1.2.13, through Python) gives for the same
# input and pieces: deflate's output has not changed between them.
cat > zcheck.want <<'EOF'
version 1.3.1 1.3.1
crc32 cbf43926 adler32 091e01de 11e60398
crc32_combine cbf43926
adler32_combine 091e01de
level1 7801cb48cdc9c957c84027b90070be08bb
level5 785ecb48cdc9c957c84027b90070be08bb
level9 78dacb48cdc9c957c84027b90070be08bb
stored 5: hello
fixed 900: The quick brown fox jumps over the lazy dog. The quick brown
badcheck error -3
badblock error -3
round trip level 0: 1048742 bytes
round trip level 3: 182307 bytes
round trip level 6: 156498 bytes
round trip level 9: 144272 bytes
gzip stream: 156510 bytes
data crc32 ae41b8e5
truncated: part -5, cut.gz: unexpected end of file
gzread 1048576 bytes, same yes
EOF

cc -o zcheck zcheck.c -lz
# the program reads gzip.gz, which gzip -9 makes from the program's data
./zcheck write
gzip -9n < data > gzip.gz
./zcheck > zcheck.got
if ! cmp zcheck.want zcheck.got; then
  diff -u zcheck.want zcheck.got || true
  exit 1
fi

# the chain's gzip reads both gzip streams zlib wrote, byte for byte
gzip -t deflated.gz gzwritten.gz
gzip -dc deflated.gz | cmp - data
gzip -dc gzwritten.gz | cmp - data
# the truncated stream (the program wrote cut.gz) is an error for gzip too
if gzip -t cut.gz 2>/dev/null; then exit 1; fi
echo "zlib: all checks passed"
