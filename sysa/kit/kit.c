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
        size_t n1 = slurp(argv[2], buf1, 0), n2 = slurp(argv[3], buf2, 0), k;
        if (n1 != n2) die("files differ (size)", argv[3]);
        for (k = 0; k < n1; k++)
            if (buf1[k] != buf2[k]) die("files differ", argv[3]);
    } else if (streq(cmd, "ln") && argc == 4) {
        /* installs tool names (cc -> tcc) before any ln(1) exists */
        mkdirs(argv[3], 1);
        sys3(SYS_unlink, (long)argv[3], 0, 0);
        if (sys3(SYS_symlink, (long)argv[2], (long)argv[3], 0) < 0)
            die("cannot create symlink", argv[3]);
    } else {
        die("usage: kit mkdir|cp|cpx|cat|line|defstr|emptyar|alltypes|syscallh|cmp|ln ...", cmd);
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
