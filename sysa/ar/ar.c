/* ar.c - the archiver of the chain: `ar` and, by its invoked name, `ranlib`.
 *
 * Why our own: make's default $(AR) is `ar`, and build systems also run
 * `ranlib`, `ar t` and `ar x`; TinyCC's `tcc -ar` only creates a new archive
 * from scratch (no replacing one member of an existing archive, which make's
 * lib.a(member.o) rules do; no t, x or d) and does not look at argv[0].
 *
 *   ar [-]KEY[MODS] ARCHIVE [MEMBER...]
 *     KEY   r  insert MEMBERs, replacing members of the same name
 *           q  append MEMBERs
 *           d  delete MEMBERs
 *           t  list members
 *           p  print members' contents to stdout
 *           x  extract MEMBERs (all without names) into the current directory
 *           s  only (re)write the symbol index
 *     MODS  c (no "creating" message), s, v (verbose), u, D, U, o (accepted;
 *           every archive is written deterministically: date 0, uid/gid 0,
 *           mode 644), S (write no symbol index)
 *   ranlib ARCHIVE...   = ar s ARCHIVE
 *
 * Output is the GNU/SysV format: a "/" symbol index (32-bit big-endian
 * offsets, as TinyCC's linker reads it; TinyCC ignores archives without one),
 * a "//" table for names longer than 15 bytes, names ending in '/'. The
 * index lists every defined global or weak symbol of each ELF64
 * relocatable member. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct member {
    char *name;          /* file name in the archive (a basename) */
    unsigned char *data;
    size_t size;
};

static struct member *mem;
static size_t nmem, capmem;
static int verbose;
static const char *prog = "ar";

static void die(const char *what, const char *arg)
{
    if (arg)
        fprintf(stderr, "%s: %s: %s\n", prog, what, arg);
    else
        fprintf(stderr, "%s: %s\n", prog, what);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory", 0);
    return p;
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Whole file into memory; NULL with errno set if it cannot be opened. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = 0;
    size_t cap = 0, n = 0, r;
    if (!f) return 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            if (!buf) die("out of memory", 0);
        }
        r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    if (ferror(f)) die("read error", path);
    fclose(f);
    *len = n;
    return buf;
}

static void add(char *name, unsigned char *data, size_t size)
{
    if (nmem == capmem) {
        capmem = capmem ? capmem * 2 : 64;
        mem = realloc(mem, capmem * sizeof *mem);
        if (!mem) die("out of memory", 0);
    }
    mem[nmem].name = name;
    mem[nmem].data = data;
    mem[nmem].size = size;
    nmem++;
}

static long find(const char *name)
{
    size_t i;
    for (i = 0; i < nmem; i++)
        if (!strcmp(mem[i].name, name)) return (long)i;
    return -1;
}

/* Decimal field of a member header. */
static size_t field(const unsigned char *p, int n, const char *path)
{
    size_t v = 0;
    int i = 0;
    while (i < n && p[i] == ' ') i++;
    if (i == n || p[i] < '0' || p[i] > '9') die("malformed member header in", path);
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) v = v * 10 + (p[i] - '0');
    for (; i < n; i++)
        if (p[i] != ' ') die("malformed member header in", path);
    return v;
}

/* Read an existing archive's members (index and name table dropped; the
 * index is recomputed on write). Returns 0 if the file does not exist. */
static int load(const char *path)
{
    size_t len, off = 8, size, k;
    unsigned char *a = slurp(path, &len), *h;
    const unsigned char *names = 0;
    size_t nameslen = 0;
    if (!a) {
        if (errno == ENOENT) return 0;
        die(strerror(errno), path);
    }
    if (len < 8 || memcmp(a, "!<arch>\n", 8)) die("not an archive", path);
    while (off < len) {
        char *name;
        if (len - off < 60) die("truncated archive", path);
        h = a + off;
        if (h[58] != '`' || h[59] != '\n') die("malformed member header in", path);
        size = field(h + 48, 10, path);
        off += 60;
        if (size > len - off) die("truncated archive", path);
        if (!memcmp(h, "/ ", 2) || !memcmp(h, "/SYM64/ ", 8)) {
            /* symbol index: rebuilt on write */
        } else if (!memcmp(h, "// ", 3)) {
            names = a + off;
            nameslen = size;
        } else if (h[0] == '/' && h[1] >= '0' && h[1] <= '9') {
            size_t at = field(h + 1, 15, path), e;
            if (!names || at >= nameslen) die("bad long member name in", path);
            for (e = at; e < nameslen && names[e] != '/' && names[e] != '\n'; e++) ;
            name = xmalloc(e - at + 1);
            memcpy(name, names + at, e - at);
            name[e - at] = 0;
            add(name, a + off, size);
        } else {
            for (k = 0; k < 16 && h[k] != '/' && h[k] != ' '; k++) ;
            if (k == 0) die("empty member name in", path);
            name = xmalloc(k + 1);
            memcpy(name, h, k);
            name[k] = 0;
            add(name, a + off, size);
        }
        off += size + (size & 1);
    }
    return 1;
}

/* Growable byte buffer. */
struct buf { unsigned char *p; size_t n, cap; };

static void put(struct buf *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        while (b->n + n > b->cap) b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = realloc(b->p, b->cap);
        if (!b->p) die("out of memory", 0);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static unsigned rd(const unsigned char *p, int n)   /* little-endian */
{
    unsigned v = 0;
    while (n--) v = v << 8 | p[n];
    return v;
}

static unsigned long long rd8(const unsigned char *p)
{
    return (unsigned long long)rd(p + 4, 4) << 32 | rd(p, 4);
}

/* Defined global/weak symbols of an ELF64 little-endian relocatable file,
 * appended to `names` (NUL-terminated each); returns how many. Anything
 * else (other files, malformed ELF) contributes nothing. */
static size_t symbols(const unsigned char *d, size_t len, struct buf *names)
{
    unsigned long long shoff;
    unsigned shentsize, shnum, i, count = 0;
    if (len < 64 || memcmp(d, "\177ELF", 4) || d[4] != 2 || d[5] != 1) return 0;
    if (rd(d + 16, 2) != 1) return 0;                 /* ET_REL */
    shoff = rd8(d + 40);
    shentsize = rd(d + 58, 2);
    shnum = rd(d + 60, 2);
    if (shentsize < 64 || shoff > len || (unsigned long long)shnum * shentsize > len - shoff)
        return 0;
    for (i = 0; i < shnum; i++) {
        const unsigned char *sh = d + shoff + (unsigned long long)i * shentsize, *str;
        unsigned long long off, size, stroff, strsize, k;
        unsigned link, entsize;
        if (rd(sh + 4, 4) != 2) continue;             /* SHT_SYMTAB */
        off = rd8(sh + 24);
        size = rd8(sh + 32);
        link = rd(sh + 40, 4);
        entsize = (unsigned)rd8(sh + 56);
        if (entsize < 24 || off > len || size > len - off || link >= shnum) continue;
        str = d + shoff + (unsigned long long)link * shentsize;
        stroff = rd8(str + 24);
        strsize = rd8(str + 32);
        if (stroff > len || strsize > len - stroff) continue;
        for (k = entsize; k + entsize <= size; k += entsize) {   /* entry 0 is null */
            const unsigned char *s = d + off + k;
            unsigned bind = s[4] >> 4, type = s[4] & 15, shndx = rd(s + 6, 2);
            unsigned long long nm = rd(s, 4), e;
            if (bind != 1 && bind != 2) continue;      /* STB_GLOBAL, STB_WEAK */
            if (shndx == 0) continue;                  /* undefined */
            if (type == 3 || type == 4) continue;      /* section, file */
            if (nm >= strsize) continue;
            for (e = nm; e < strsize && d[stroff + e]; e++) ;
            if (e == strsize || e == nm) continue;
            put(names, d + stroff + nm, e - nm + 1);
            count++;
        }
    }
    return count;
}

/* Header fields as GNU ar writes them in deterministic mode (D): the
 * index with date, uid, gid and mode 0, the name table with blanks, members
 * with date 0, uid/gid 0, mode 644. The same bytes whoever builds when. */
enum { HDR_INDEX, HDR_NAMES, HDR_MEMBER };

static void header(struct buf *b, const char *name, size_t size, int kind)
{
    char h[80];
    const char *mode = kind == HDR_INDEX ? "0" : kind == HDR_NAMES ? "" : "644";
    const char *zero = kind == HDR_NAMES ? "" : "0";
    if (size > 9999999999u) die("member too large", name);
    snprintf(h, sizeof h, "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name, zero, zero, zero, mode, size);
    put(b, h, 60);
}

static void be32(struct buf *b, size_t v)
{
    unsigned char c[4];
    if (v > 0xffffffffu) die("archive too large for a 32-bit index", 0);
    c[0] = v >> 24; c[1] = v >> 16; c[2] = v >> 8; c[3] = v;
    put(b, c, 4);
}

static void save(const char *path, int index)
{
    struct buf longnames = {0}, symnames = {0}, out = {0};
    size_t *symcount = xmalloc((nmem + 1) * sizeof *symcount);
    size_t *nameoff = xmalloc((nmem + 1) * sizeof *nameoff);
    size_t i, j, total = 0, idxsize = 0, pos;
    char *tmp;
    FILE *f;

    for (i = 0; i < nmem; i++) {
        nameoff[i] = (size_t)-1;
        if (strlen(mem[i].name) > 15) {
            nameoff[i] = longnames.n;
            put(&longnames, mem[i].name, strlen(mem[i].name));
            put(&longnames, "/\n", 2);
        }
        symcount[i] = index ? symbols(mem[i].data, mem[i].size, &symnames) : 0;
        total += symcount[i];
    }
    if (longnames.n & 1) put(&longnames, "\n", 1);

    put(&out, "!<arch>\n", 8);
    if (total) {
        /* padded to even inside its size, as GNU ar does */
        idxsize = 4 + 4 * total + symnames.n;
        idxsize += idxsize & 1;
        /* offsets of member headers: after the index and the name table */
        pos = 8 + 60 + idxsize;
        if (longnames.n) pos += 60 + longnames.n;
        header(&out, "/", idxsize, HDR_INDEX);
        be32(&out, total);
        for (i = 0; i < nmem; i++) {
            for (j = 0; j < symcount[i]; j++) be32(&out, pos);
            pos += 60 + mem[i].size + (mem[i].size & 1);
        }
        put(&out, symnames.p, symnames.n);
        if ((4 + 4 * total + symnames.n) & 1) put(&out, "", 1);
    }
    if (longnames.n) {
        header(&out, "//", longnames.n, HDR_NAMES);
        put(&out, longnames.p, longnames.n);
    }
    for (i = 0; i < nmem; i++) {
        char nm[24];
        if (nameoff[i] != (size_t)-1)
            snprintf(nm, sizeof nm, "/%zu", nameoff[i]);
        else
            snprintf(nm, sizeof nm, "%s/", mem[i].name);
        header(&out, nm, mem[i].size, HDR_MEMBER);
        put(&out, mem[i].data, mem[i].size);
        if (mem[i].size & 1) put(&out, "\n", 1);
    }

    /* written beside the archive, then renamed over it */
    tmp = xmalloc(strlen(path) + 8);
    sprintf(tmp, "%s.arXXXXXX", path);
    {
        int fd = mkstemp(tmp);
        if (fd < 0 || !(f = fdopen(fd, "wb"))) die("cannot create a file beside", path);
    }
    if (fwrite(out.p, 1, out.n, f) != out.n || fflush(f) || fchmod(fileno(f), 0644) || fclose(f)) {
        unlink(tmp);
        die("write error", path);
    }
    if (rename(tmp, path)) {
        unlink(tmp);
        die("cannot rename onto", path);
    }
}

static int named(const char *name, int argc, char **argv)
{
    int i;
    if (argc == 0) return 1;
    for (i = 0; i < argc; i++)
        if (!strcmp(base(argv[i]), name)) return 1;
    return 0;
}

static int ranlib(int argc, char **argv)
{
    int i, any = 0;
    for (i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            if (!strcmp(argv[i], "--version")) { puts("ranlib (bootstrap ar) 1"); return 0; }
            continue;            /* -D, -U, -t: nothing to do differently */
        }
        if (!load(argv[i])) die("no such archive", argv[i]);
        save(argv[i], 1);
        nmem = 0;
        any = 1;
    }
    if (!any) die("usage: ranlib ARCHIVE...", 0);
    return 0;
}

int main(int argc, char **argv)
{
    const char *ops, *o, *archive;
    char key = 0;
    int index = 1, quiet = 0, exists, i;
    long k;

    prog = base(argv[0]);
    if (!strcmp(prog, "ranlib")) return ranlib(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        puts("ar (bootstrap) 1");
        return 0;
    }
    if (argc < 3) die("usage: ar [-]{r|q|d|t|p|x|s}[cvsSuDUo] ARCHIVE [MEMBER...]", 0);
    ops = argv[1][0] == '-' ? argv[1] + 1 : argv[1];
    for (o = ops; *o; o++) {
        switch (*o) {
        case 'r': case 'q': case 'd': case 't': case 'p': case 'x':
            if (key && key != 's') die("more than one operation in", argv[1]);
            key = *o;
            break;
        case 's': if (!key) key = 's'; index = 1; break;
        case 'S': index = 0; break;
        case 'c': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'u': case 'D': case 'U': case 'o': break;
        default: die("unsupported option", argv[1]);
        }
    }
    if (!key) die("no operation in", argv[1]);
    archive = argv[2];
    argc -= 3;
    argv += 3;
    exists = load(archive);

    switch (key) {
    case 'r': case 'q':
        if (!exists && !quiet) fprintf(stderr, "%s: creating %s\n", prog, archive);
        for (i = 0; i < argc; i++) {
            size_t len;
            unsigned char *d = slurp(argv[i], &len);
            char *name = (char *)base(argv[i]);
            if (!d) die(strerror(errno), argv[i]);
            k = key == 'r' ? find(name) : -1;
            if (k >= 0) {
                mem[k].data = d;
                mem[k].size = len;
                if (verbose) printf("r - %s\n", name);
            } else {
                add(name, d, len);
                if (verbose) printf("a - %s\n", name);
            }
        }
        save(archive, index);
        break;
    case 's':
        if (!exists) die("no such archive", archive);
        save(archive, index);
        break;
    case 'd': {
        size_t from, to = 0;
        if (!exists) die("no such archive", archive);
        for (from = 0; from < nmem; from++) {
            if (argc && named(mem[from].name, argc, argv)) {
                if (verbose) printf("d - %s\n", mem[from].name);
                continue;
            }
            mem[to++] = mem[from];
        }
        nmem = to;
        save(archive, index);
        break;
    }
    case 't': case 'p': case 'x': {
        size_t j;
        if (!exists) die("no such archive", archive);
        for (j = 0; j < nmem; j++) {
            if (!named(mem[j].name, argc, argv)) continue;
            if (key == 't') {
                puts(mem[j].name);
            } else if (key == 'p') {
                fwrite(mem[j].data, 1, mem[j].size, stdout);
            } else {
                FILE *f;
                if (strchr(mem[j].name, '/') || !strcmp(mem[j].name, ".") || !strcmp(mem[j].name, ".."))
                    die("refusing to extract member", mem[j].name);
                if (verbose) printf("x - %s\n", mem[j].name);
                f = fopen(mem[j].name, "wb");
                if (!f || fwrite(mem[j].data, 1, mem[j].size, f) != mem[j].size || fclose(f))
                    die("cannot write", mem[j].name);
            }
        }
        break;
    }
    }
    if (fflush(stdout)) die("write error", "stdout");
    return 0;
}
