/* kit.c - tiny freestanding helper for a shell-less bootstrap root.
 *
 * Built with:  tcc -nostdlib -static -o kit kit.c   (no libc, no headers)
 * Linux x86_64 only (raw syscalls).  Every file written gets an explicit
 * mode (umask is overridden), parent directories are created as needed.
 *
 *   kit mkdir DIR...              create directories (with parents)
 *   kit cp SRC DST                copy a file, mode 0644
 *   kit cpx SRC DST               copy a file, mode 0755
 *   kit cat OUT IN...             concatenate files into OUT, mode 0644
 *   kit line OUT [WORD...]        write WORDs joined by ' ' plus '\n'
 *   kit defstr OUT NAME VALUE...  write '#define NAME "VALUE"\n' per pair
 *   kit alltypes ARCH_IN GEN_IN OUT   = sed -f tools/mkalltypes.sed (musl)
 *   kit syscallh IN OUT           = cp IN OUT; sed -n s/__NR_/SYS_/p IN >>OUT
 *   kit emptyar OUT               write an empty ar archive ("!<arch>\n")
 *   kit cmp A B                   exit 1 (with a message) if files differ
 *   kit ln TARGET LINK            symlink LINK -> TARGET (replacing LINK)
 *   kit sha256 FILE...            print '<hex>  FILE' per file (sha256sum)
 *   kit sha256check SUMS FILE...  exit 1 unless each FILE's SHA-256 is the
 *                                 one SUMS (sha256sum format) gives for its
 *                                 base name: the guest's check of a distfile
 */

typedef unsigned long size_t;

static long sys3(long n, long a, long b, long c)
{
    long ret;
    __asm__ __volatile__ ("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c)
                          : "rcx", "r11", "memory");
    return ret;
}

#define SYS_read 0
#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_fchmod 91
#define SYS_mkdir 83
#define SYS_unlink 87
#define SYS_symlink 88
#define SYS_exit_group 231
#define O_RDONLY 0
#define O_WRONLY 1
#define O_CREAT 0100
#define O_TRUNC 01000

void *memcpy(void *d, const void *s, size_t n)
{
    char *dd = d; const char *ss = s;
    while (n--) *dd++ = *ss++;
    return d;
}

void *memset(void *d, int c, size_t n)
{
    char *dd = d;
    while (n--) *dd++ = c;
    return d;
}

static size_t slen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

static void die(const char *a, const char *b)
{
    sys3(SYS_write, 2, (long)"kit: ", 5);
    sys3(SYS_write, 2, (long)a, slen(a));
    if (b) {
        sys3(SYS_write, 2, (long)": ", 2);
        sys3(SYS_write, 2, (long)b, slen(b));
    }
    sys3(SYS_write, 2, (long)"\n", 1);
    sys3(SYS_exit_group, 1, 0, 0);
}

static char pathbuf[4096];

/* mkdir -p of PATH; if parent_only, only its dirname */
static void mkdirs(const char *path, int parent_only)
{
    size_t n = slen(path), i;
    if (n >= sizeof pathbuf) die("path too long", path);
    memcpy(pathbuf, path, n + 1);
    if (parent_only) {
        while (n > 0 && pathbuf[n - 1] != '/') n--;
        if (n == 0) return;
        pathbuf[n - 1] = 0;
    }
    for (i = 1; pathbuf[i]; i++) {
        if (pathbuf[i] == '/') {
            pathbuf[i] = 0;
            sys3(SYS_mkdir, (long)pathbuf, 0755, 0);
            pathbuf[i] = '/';
        }
    }
    sys3(SYS_mkdir, (long)pathbuf, 0755, 0);
}

static int create(const char *path, int mode)
{
    long fd;
    mkdirs(path, 1);
    fd = sys3(SYS_open, (long)path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) die("cannot create", path);
    if (sys3(SYS_fchmod, fd, mode, 0) < 0) die("cannot chmod", path);
    return fd;
}

static void wr(int fd, const char *p, size_t n)
{
    while (n > 0) {
        long r = sys3(SYS_write, fd, (long)p, n);
        if (r <= 0) die("write error", 0);
        p += r; n -= r;
    }
}

static void ws(int fd, const char *s) { wr(fd, s, slen(s)); }

/* whole-file buffers (inputs here are small text files, except cp/cmp
   which stream) */
#define BUFSZ (8u << 20)
static char buf1[BUFSZ], buf2[BUFSZ];

static size_t slurp(const char *path, char *buf, size_t off)
{
    long fd = sys3(SYS_open, (long)path, O_RDONLY, 0), r;
    if (fd < 0) die("cannot open", path);
    for (;;) {
        if (off >= BUFSZ - 1) die("file too big", path);
        r = sys3(SYS_read, fd, (long)(buf + off), BUFSZ - 1 - off);
        if (r < 0) die("read error", path);
        if (r == 0) break;
        off += r;
    }
    sys3(SYS_close, fd, 0, 0);
    buf[off] = 0;
    return off;
}

static void copy(const char *src, const char *dst, int mode)
{
    long in = sys3(SYS_open, (long)src, O_RDONLY, 0), r;
    int out;
    if (in < 0) die("cannot open", src);
    out = create(dst, mode);
    while ((r = sys3(SYS_read, in, (long)buf1, 65536)) > 0)
        wr(out, buf1, r);
    if (r < 0) die("read error", src);
    sys3(SYS_close, in, 0, 0);
    sys3(SYS_close, out, 0, 0);
}

/* read up to n bytes, fewer only at end of file */
static size_t readfull(long fd, char *p, size_t n, const char *path)
{
    size_t got = 0;
    while (got < n) {
        long r = sys3(SYS_read, fd, (long)(p + got), n - got);
        if (r < 0) die("read error", path);
        if (r == 0) break;
        got += r;
    }
    return got;
}

static long openr(const char *path)
{
    long fd = sys3(SYS_open, (long)path, O_RDONLY, 0);
    if (fd < 0) die("cannot open", path);
    return fd;
}

/* cmp, streaming: inputs may be larger than the buffers */
static void cmp(const char *a, const char *b)
{
    long fa = openr(a), fb = openr(b);
    size_t na, nb, k;
    do {
        na = readfull(fa, buf1, 65536, a);
        nb = readfull(fb, buf2, 65536, b);
        for (k = 0; k < na && k < nb; k++)
            if (buf1[k] != buf2[k]) die("files differ", b);
        if (na != nb) die("files differ (size)", b);
    } while (na);
    sys3(SYS_close, fa, 0, 0);
    sys3(SYS_close, fb, 0, 0);
}

/* SHA-256 (FIPS 180-4), streaming over a file */
typedef unsigned int u32;
static const u32 K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static u32 ror(u32 x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(u32 h[8], const unsigned char *p)
{
    u32 w[64], a, b, c, d, e, f, g, hh, t1, t2;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16
             | (u32)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++)
        w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3))
             + w[i - 7] + (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
    a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
    for (i = 0; i < 64; i++) {
        t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/* hex digest of a file into out[64] */
static void sha256_file(const char *path, char *out)
{
    static const u32 init[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    u32 h[8];
    unsigned char *p = (unsigned char *)buf1;
    unsigned long total = 0;
    size_t n, off, i;
    long fd = openr(path);
    memcpy(h, init, sizeof h);
    /* whole blocks from 64 KiB reads; the tail is padded below */
    for (;;) {
        n = readfull(fd, buf1, 65536, path);
        total += n;
        for (off = 0; off + 64 <= n; off += 64) sha256_block(h, p + off);
        if (n < 65536) break;
    }
    sys3(SYS_close, fd, 0, 0);
    n -= off;
    memcpy(p, p + off, n);
    p[n++] = 0x80;
    while (n % 64 != 56) p[n++] = 0;
    for (i = 0; i < 8; i++) p[n++] = (unsigned char)((total * 8) >> (56 - 8 * i));
    for (off = 0; off < n; off += 64) sha256_block(h, p + off);
    for (i = 0; i < 64; i++)
        out[i] = "0123456789abcdef"[(h[i / 8] >> (28 - 4 * (i % 8))) & 15];
}

static const char *basename_of(const char *path)
{
    const char *b = path;
    for (; *path; path++) if (*path == '/') b = path + 1;
    return b;
}

/* The hash SUMS gives for NAME (lines '<64 hex>  <name>'), or die. Upper
   case hex is accepted as sha256sum -c does. */
static void expected_hash(const char *sums, const char *name, char *out)
{
    size_t n = slurp(sums, buf2, 0), k, nl = slen(name);
    char *b, *e, *end = buf2 + n;
    for (b = buf2; b < end; b = e + 1) {
        for (e = b; e < end && *e != '\n'; e++) ;
        if (e - b != 66 + (long)nl || b[64] != ' ' || b[65] != ' ') continue;
        for (k = 0; k < nl && b[66 + k] == name[k]; k++) ;
        if (k < nl) continue;
        for (k = 0; k < 64; k++) {
            char c = b[k];
            if (c >= 'A' && c <= 'F') c += 'a' - 'A';
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                die("malformed hash line for", name);
            out[k] = c;
        }
        return;
    }
    die("no hash listed for", name);
}

static int startswith(const char *s, const char *p)
{
    while (*p) if (*s++ != *p++) return 0;
    return 1;
}

/* musl tools/mkalltypes.sed, for one line [b,e) (no newline) */
static void alltypes_line(int fd, char *b, char *e)
{
    char *p, *name, *ne, *rest, *re;
    if (startswith(b, "TYPEDEF ") && e > b && e[-1] == ';') {
        /* TYPEDEF <type> <name>;   name = last space-free word */
        for (p = e - 1; p > b + 8 && p[-1] != ' '; p--) ;
        if (p > b + 8) {         /* need a space separating type and name */
            name = p; ne = e - 1;
            ws(fd, "#if defined(__NEED_"); wr(fd, name, ne - name);
            ws(fd, ") && !defined(__DEFINED_"); wr(fd, name, ne - name);
            ws(fd, ")\ntypedef "); wr(fd, b + 8, p - (b + 8));
            wr(fd, name, ne - name);
            ws(fd, ";\n#define __DEFINED_"); wr(fd, name, ne - name);
            ws(fd, "\n#endif\n\n");
            return;
        }
    }
    if ((startswith(b, "STRUCT ") || startswith(b, "UNION "))
        && e > b && e[-1] == ';') {
        const char *kw = b[0] == 'S' ? "struct" : "union";
        p = b + (b[0] == 'S' ? 6 : 5);
        while (p < e && *p == ' ') p++;
        name = p;
        while (p < e && *p != ' ') p++;
        ne = p;
        if (p < e && name < ne) {
            rest = p + 1; re = e - 1;
            ws(fd, "#if defined(__NEED_"); ws(fd, kw); ws(fd, "_");
            wr(fd, name, ne - name);
            ws(fd, ") && !defined(__DEFINED_"); ws(fd, kw); ws(fd, "_");
            wr(fd, name, ne - name);
            ws(fd, ")\n"); ws(fd, kw); ws(fd, " "); wr(fd, name, ne - name);
            ws(fd, " "); wr(fd, rest, re - rest);
            ws(fd, ";\n#define __DEFINED_"); ws(fd, kw); ws(fd, "_");
            wr(fd, name, ne - name);
            ws(fd, "\n#endif\n\n");
            return;
        }
    }
    wr(fd, b, e - b);
    ws(fd, "\n");
}

static void alltypes(const char *in1, const char *in2, const char *out)
{
    size_t n = slurp(in1, buf1, 0);
    char *b, *e, *end;
    int fd;
    n = slurp(in2, buf1, n);
    fd = create(out, 0644);
    end = buf1 + n;
    for (b = buf1; b < end; b = e + 1) {
        for (e = b; e < end && *e != '\n'; e++) ;
        alltypes_line(fd, b, e);
    }
    sys3(SYS_close, fd, 0, 0);
}

static void syscallh(const char *in, const char *out)
{
    size_t n = slurp(in, buf1, 0);
    char *b, *e, *p, *end = buf1 + n;
    int fd = create(out, 0644);
    wr(fd, buf1, n);
    for (b = buf1; b < end; b = e + 1) {
        for (e = b; e < end && *e != '\n'; e++) ;
        for (p = b; p + 5 <= e; p++)
            if (startswith(p, "__NR_")) break;
        if (p + 5 > e) continue;
        wr(fd, b, p - b);
        ws(fd, "SYS_");
        wr(fd, p + 5, e - (p + 5));
        ws(fd, "\n");
    }
    sys3(SYS_close, fd, 0, 0);
}

static int kit_main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    int i, fd;
    if (streq(cmd, "mkdir")) {
        for (i = 2; i < argc; i++) mkdirs(argv[i], 0);
    } else if ((streq(cmd, "cp") || streq(cmd, "cpx")) && argc == 4) {
        copy(argv[2], argv[3], cmd[2] ? 0755 : 0644);
    } else if (streq(cmd, "cat") && argc >= 3) {
        fd = create(argv[2], 0644);
        for (i = 3; i < argc; i++) {
            size_t n = slurp(argv[i], buf1, 0);
            wr(fd, buf1, n);
        }
        sys3(SYS_close, fd, 0, 0);
    } else if (streq(cmd, "line") && argc >= 3) {
        fd = create(argv[2], 0644);
        for (i = 3; i < argc; i++) {
            if (i > 3) ws(fd, " ");
            ws(fd, argv[i]);
        }
        ws(fd, "\n");
        sys3(SYS_close, fd, 0, 0);
    } else if (streq(cmd, "defstr") && argc >= 5 && (argc & 1)) {
        fd = create(argv[2], 0644);
        for (i = 3; i < argc; i += 2) {
            ws(fd, "#define "); ws(fd, argv[i]); ws(fd, " \"");
            ws(fd, argv[i + 1]); ws(fd, "\"\n");
        }
        sys3(SYS_close, fd, 0, 0);
    } else if (streq(cmd, "alltypes") && argc == 5) {
        alltypes(argv[2], argv[3], argv[4]);
    } else if (streq(cmd, "syscallh") && argc == 4) {
        syscallh(argv[2], argv[3]);
    } else if (streq(cmd, "emptyar") && argc == 3) {
        fd = create(argv[2], 0644);
        ws(fd, "!<arch>\n");
        sys3(SYS_close, fd, 0, 0);
    } else if (streq(cmd, "cmp") && argc == 4) {
        cmp(argv[2], argv[3]);
    } else if (streq(cmd, "sha256") && argc >= 3) {
        char hex[64];
        for (i = 2; i < argc; i++) {
            sha256_file(argv[i], hex);
            wr(1, hex, 64);
            ws(1, "  "); ws(1, argv[i]); ws(1, "\n");
        }
    } else if (streq(cmd, "sha256check") && argc >= 4) {
        char want[64], got[64];
        int k;
        for (i = 3; i < argc; i++) {
            expected_hash(argv[2], basename_of(argv[i]), want);
            sha256_file(argv[i], got);
            for (k = 0; k < 64; k++)
                if (want[k] != got[k]) {
                    ws(2, "kit: expected "); wr(2, want, 64);
                    ws(2, "\nkit: received "); wr(2, got, 64); ws(2, "\n");
                    die("SHA-256 mismatch", argv[i]);
                }
            ws(1, argv[i]); ws(1, ": OK\n");
        }
    } else if (streq(cmd, "ln") && argc == 4) {
        /* installs tool names (cc -> tcc) before any ln(1) exists */
        mkdirs(argv[3], 1);
        sys3(SYS_unlink, (long)argv[3], 0, 0);
        if (sys3(SYS_symlink, (long)argv[2], (long)argv[3], 0) < 0)
            die("cannot create symlink", argv[3]);
    } else {
        die("usage: kit mkdir|cp|cpx|cat|line|defstr|emptyar|alltypes|syscallh|cmp|ln|sha256|sha256check ...", cmd);
    }
    return 0;
}

/* entry point: argc at (%rsp), argv after it */
__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "  xor %rbp,%rbp\n"
    "  mov (%rsp),%rdi\n"
    "  lea 8(%rsp),%rsi\n"
    "  and $-16,%rsp\n"
    "  call kit_start\n"
    "  mov %rax,%rdi\n"
    "  mov $231,%rax\n"
    "  syscall\n"
);

long kit_start(long argc, char **argv)
{
    return kit_main((int)argc, argv);
}
