/* confh - the last thing configure's config.status does, from a list of
 * answers instead of tests: write config.h from its autoheader template,
 * and gnulib's replacement headers from their .in.h templates.
 *
 *   confh TEMPLATE ANSWERS OUT
 *
 * TEMPLATE is config.h.in (config.hin). Every line of the form
 *   [blanks] # [blanks] undef [blanks] NAME [blanks]
 * becomes "#define NAME VALUE" (keeping the indentation after '#') when
 * ANSWERS defines NAME, else the line commented out ("/ * #undef NAME * /")
 * as config.status writes it. Every other line is copied verbatim: that keeps
 * what autoheader put there besides the #undefs (gnulib's attribute
 * macros, _GL_INLINE and friends), which a hand-written config.h has to
 * repeat.
 * ANSWERS: one answer a line, "NAME" (= 1) or "NAME VALUE" (the rest of the
 * line, verbatim); blank lines and lines starting with '#' are comments.
 * An answer naming no #undef of the template is an error (a typo would
 * otherwise pass silently), and so is a name answered twice.
 *
 *   confh -s SUBSTS TEMPLATE OUT [-r TEXT FILE | -e FROM TO | -d TEXT]...
 *
 * Every @NAME@ in TEMPLATE (NAME of letters, digits and '_') becomes
 * SUBSTS' value for NAME, as the sed commands of gnulib's Makefile rules
 * do. SUBSTS: "NAME=VALUE" a line (VALUE may be empty: gnulib answers
 * many with nothing), '#' comments. One list serves every template of a
 * package, so an unused NAME is fine, but an @NAME@ with no answer is an
 * error: the header would be wrong, not just incomplete. -r TEXT FILE
 * copies FILE verbatim after each line containing TEXT (sed's 'r', which
 * those rules use to paste in arg-nonnull.h, c++defs.h, warn-on-use.h);
 * -e FROM TO replaces every FROM by TO, literally, before the @NAME@s are
 * replaced; -d TEXT drops each line containing TEXT (the rules that turn
 * glibc's malloc/dynarray.h and friends into gnulib's .gl.h copies).
 *
 * Exit status 0, or 1 with a message naming the file and line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct answer { char *name, *value; int line, used; };
static struct answer *answers;
static size_t nanswers;

static void fail(const char *file, int line, const char *msg, const char *what)
{
    fprintf(stderr, "confh: %s:%d: %s%s%s\n", file, line, msg,
            what ? ": " : "", what ? what : "");
    exit(1);
}

static int blank(int c) { return c == ' ' || c == '\t'; }
static int namechar(int c)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9');
}

/* one line without its newline; NULL at end of file */
static char *getline_(FILE *f)
{
    static char *buf;
    static size_t cap;
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (n + 2 > cap) {
            cap = cap ? 2 * cap : 256;
            if (!(buf = realloc(buf, cap))) { perror("confh"); exit(1); }
        }
        buf[n++] = c;
    }
    if (c == EOF && n == 0) return NULL;
    if (!buf) { buf = malloc(1); if (!buf) exit(1); }
    buf[n] = 0;
    return buf;
}

static void read_answers(const char *file)
{
    FILE *f = fopen(file, "r");
    char *l, *p, *e;
    int line = 0;
    size_t i;
    if (!f) { perror(file); exit(1); }
    while ((l = getline_(f))) {
        line++;
        for (p = l; blank(*p); p++) ;
        if (!*p || *p == '#') continue;
        for (e = p; namechar(*e); e++) ;
        if (e == p || (*e && !blank(*e))) fail(file, line, "not a name", p);
        answers = realloc(answers, (nanswers + 1) * sizeof *answers);
        if (!answers) { perror("confh"); exit(1); }
        answers[nanswers].name = strndup(p, e - p);
        for (; blank(*e); e++) ;
        answers[nanswers].value = strdup(*e ? e : "1");
        answers[nanswers].line = line;
        answers[nanswers].used = 0;
        for (i = 0; i < nanswers; i++)
            if (!strcmp(answers[i].name, answers[nanswers].name))
                fail(file, line, "answered twice", answers[i].name);
        nanswers++;
    }
    fclose(f);
}

static struct answer *find(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < nanswers; i++)
        if (strlen(answers[i].name) == len && !strncmp(answers[i].name, name, len))
            return &answers[i];
    return NULL;
}

static int undefs(char **argv)
{
    FILE *in, *out;
    char *l, *p, *u, *name, *e;
    size_t i;
    int bad = 0;
    read_answers(argv[2]);
    if (!(in = fopen(argv[1], "r"))) { perror(argv[1]); return 1; }
    if (!(out = fopen(argv[3], "w"))) { perror(argv[3]); return 1; }
    while ((l = getline_(in))) {
        for (p = l; blank(*p); p++) ;
        if (*p == '#') {
            for (p++; blank(*p); p++) ;
            if (!strncmp(p, "undef", 5) && blank(p[5])) {
                u = p;
                for (name = p + 5; blank(*name); name++) ;
                for (e = name; namechar(*e); e++) ;
                for (p = e; blank(*p); p++) ;
                if (e > name && !*p) {
                    struct answer *a = find(name, e - name);
                    /* the line up to "undef" (indentation inside #if
                       blocks) is kept */
                    if (a) {
                        fwrite(l, 1, u - l, out);
                        fprintf(out, "define %s %s\n", a->name, a->value);
                        a->used = 1;
                    } else {
                        fprintf(out, "/* %s */\n", l);
                    }
                    continue;
                }
            }
        }
        fprintf(out, "%s\n", l);
    }
    for (i = 0; i < nanswers; i++)
        if (!answers[i].used) {
            fprintf(stderr, "confh: %s:%d: no '#undef %s' in %s\n", argv[2],
                    answers[i].line, answers[i].name, argv[1]);
            bad = 1;
        }
    if (ferror(out) | fclose(out)) { perror(argv[3]); return 1; }
    return bad;
}

static void read_substs(const char *file)
{
    FILE *f = fopen(file, "r");
    char *l, *e;
    int line = 0;
    size_t i;
    if (!f) { perror(file); exit(1); }
    while ((l = getline_(f))) {
        line++;
        if (!*l || *l == '#') continue;
        for (e = l; namechar(*e); e++) ;
        if (e == l || *e != '=') fail(file, line, "not NAME=VALUE", l);
        answers = realloc(answers, (nanswers + 1) * sizeof *answers);
        if (!answers) { perror("confh"); exit(1); }
        answers[nanswers].name = strndup(l, e - l);
        answers[nanswers].value = strdup(e + 1);
        answers[nanswers].line = line;
        for (i = 0; i < nanswers; i++)
            if (!strcmp(answers[i].name, answers[nanswers].name))
                fail(file, line, "answered twice", answers[i].name);
        nanswers++;
    }
    fclose(f);
}

static void copy_file(const char *file, FILE *out)
{
    FILE *f = fopen(file, "r");
    char buf[4096];
    size_t n;
    if (!f) { perror(file); exit(1); }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, out);
    if (ferror(f)) { perror(file); exit(1); }
    fclose(f);
}

/* the -r/-e/-d options after OUT: argv[i] is the option, then 1 or 2
   arguments */
static int opt_args(const char *o)
{
    if (!strcmp(o, "-r") || !strcmp(o, "-e")) return 2;
    if (!strcmp(o, "-d")) return 1;
    return 0;
}

/* line with every FROM of the -e options replaced by its TO, in order */
static char *replace_all(char *l, int argc, char **argv)
{
    static char *buf[2];
    static size_t cap[2];
    int i, which = 0;
    for (i = 5; i < argc; i += 1 + opt_args(argv[i])) {
        const char *from, *to, *p, *q;
        size_t fl, tl, n = 0, need;
        char *o;
        if (strcmp(argv[i], "-e") || !strstr(l, argv[i + 1])) continue;
        from = argv[i + 1], to = argv[i + 2];
        fl = strlen(from), tl = strlen(to);
        /* the line can at most grow by tl per character */
        need = strlen(l) * (tl + 1) + 1;
        if (need > cap[which]) {
            cap[which] = need;
            if (!(buf[which] = realloc(buf[which], need))) { perror("confh"); exit(1); }
        }
        o = buf[which];
        for (p = l; (q = strstr(p, from)); p = q + fl) {
            memcpy(o + n, p, q - p); n += q - p;
            memcpy(o + n, to, tl); n += tl;
        }
        strcpy(o + n, p);
        l = o;
        which = !which;
    }
    return l;
}

static int substs(int argc, char **argv)
{
    FILE *in, *out;
    char *l, *p, *e;
    int line = 0, i, k, drop;
    if (argc < 5) {
        fprintf(stderr, "usage: confh -s SUBSTS TEMPLATE OUT"
                        " [-r TEXT FILE | -e FROM TO | -d TEXT]...\n");
        return 1;
    }
    for (i = 5; i < argc; i += 1 + k)
        if (!(k = opt_args(argv[i])) || i + k >= argc || (!strcmp(argv[i], "-e") && !*argv[i + 1])) {
            fprintf(stderr, "confh: bad option: %s\n", argv[i]);
            return 1;
        }
    read_substs(argv[2]);
    if (!(in = fopen(argv[3], "r"))) { perror(argv[3]); return 1; }
    if (!(out = fopen(argv[4], "w"))) { perror(argv[4]); return 1; }
    while ((l = getline_(in))) {
        line++;
        drop = 0;
        for (i = 5; i < argc; i += 1 + opt_args(argv[i]))
            if (!strcmp(argv[i], "-d") && strstr(l, argv[i + 1])) drop = 1;
        if (drop) continue;
        l = replace_all(l, argc, argv);
        for (p = l; *p; p++) {
            struct answer *a = NULL;
            if (*p == '@') {
                for (e = p + 1; namechar(*e); e++) ;
                if (*e == '@' && e > p + 1) {
                    if (!(a = find(p + 1, e - p - 1))) {
                        *e = 0;
                        fail(argv[3], line, "no answer for", p + 1);
                    }
                    fputs(a->value, out);
                    p = e;
                }
            }
            if (!a) putc(*p, out);
        }
        putc('\n', out);
        for (i = 5; i < argc; i += 1 + opt_args(argv[i]))
            if (!strcmp(argv[i], "-r") && strstr(l, argv[i + 1]))
                copy_file(argv[i + 2], out);
    }
    if (ferror(out) | fclose(out)) { perror(argv[4]); return 1; }
    fclose(in);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "-s")) return substs(argc, argv);
    if (argc != 4) {
        fprintf(stderr, "usage: confh TEMPLATE ANSWERS OUT\n"
                        "       confh -s SUBSTS TEMPLATE OUT"
                        " [-r TEXT FILE | -e FROM TO | -d TEXT]...\n");
        return 1;
    }
    return undefs(argv);
}
