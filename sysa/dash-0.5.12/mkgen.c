/* mkgen.c - dash's two shell-script generators, in C, for a root that has
 * no shell, sed, awk or sort yet. Our own code; it writes what dash's
 * src/mktokens and src/mkbuiltins produce (same definitions, same order).
 *
 *   mkgen tokens MKTOKENS      token.h, token_vars.h from the token table
 *                              inside src/mktokens (between <<\! and !)
 *   mkgen builtins DEF         builtins.c, builtins.h from builtins.def
 *                              (builtins.def.in run through the C
 *                              preprocessor)
 * Output goes to the current directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

static void die(const char *m, const char *a)
{
    fprintf(stderr, "mkgen: %s%s%s\n", m, a ? ": " : "", a ? a : "");
    exit(1);
}

static FILE *wopen(const char *p)
{
    FILE *f = fopen(p, "w");
    if (!f) die("cannot create", p);
    return f;
}

static void wclose(FILE *f, const char *p)
{
    if (ferror(f) || fclose(f)) die("write error", p);
}

/* ---- tokens ---- */

#define MAXTOK 64
static char tname[MAXTOK][32], tdesc[MAXTOK][64];
static int tend[MAXTOK], ntok;

static void tokens(const char *script)
{
    FILE *in = fopen(script, "r"), *h, *v;
    char line[256];
    int in_table = 0, i, kwd = -1;
    if (!in) die("cannot open", script);
    while (fgets(line, sizeof line, in)) {
        char *p = line, *q;
        line[strcspn(line, "\n")] = 0;
        if (!in_table) {
            /* the table is the here-document `cat > ... <<\!` */
            in_table = strstr(line, "<<\\!") != NULL;
            continue;
        }
        if (strcmp(line, "!") == 0) break;
        if (ntok == MAXTOK) die("too many tokens", script);
        /* NAME <blanks> 0|1 <blanks> description */
        q = p;
        while (*q && !isspace((unsigned char)*q)) q++;
        if (q - p >= 32 || !*q) die("bad token line", line);
        memcpy(tname[ntok], p, q - p);
        while (isspace((unsigned char)*q)) q++;
        if (*q != '0' && *q != '1') die("bad token flag", line);
        tend[ntok] = *q++ - '0';
        while (isspace((unsigned char)*q)) q++;
        if (strlen(q) >= 64) die("bad token line", line);
        strcpy(tdesc[ntok], q);
        if (strcmp(tname[ntok], "TNOT") == 0) kwd = ntok;
        ntok++;
    }
    fclose(in);
    if (!ntok || kwd < 0) die("no token table (or no TNOT) in", script);

    h = wopen("token.h");
    for (i = 0; i < ntok; i++)
        fprintf(h, "#define %s %d\n", tname[i], i);
    wclose(h, "token.h");

    v = wopen("token_vars.h");
    fprintf(v, "\n/* Array indicating which tokens mark the end of a list */\n"
               "static const char tokendlist[] = {\n");
    for (i = 0; i < ntok; i++)
        fprintf(v, "\t%d,\n", tend[i]);
    fprintf(v, "};\n\nstatic const char *const tokname[] = {\n");
    for (i = 0; i < ntok; i++) {
        const char *c;
        fputs("\t\"", v);
        for (c = tdesc[i]; *c; c++) {
            if (*c == '"' || *c == '\\') fputc('\\', v);
            fputc(*c, v);
        }
        fputs("\",\n", v);
    }
    fprintf(v, "};\n\n#define KWDOFFSET %d\n\nstatic const char *const parsekwd[] = {\n",
            kwd);
    /* the keywords: descriptions from TNOT on, without their quotes */
    for (i = kwd; i < ntok; i++) {
        const char *c;
        fputs("\t\"", v);
        for (c = tdesc[i]; *c; c++)
            if (*c != '"') fputc(*c, v);
        fputs(i + 1 < ntok ? "\",\n" : "\"\n", v);
    }
    fprintf(v, "};\n");
    wclose(v, "token_vars.h");
}

/* ---- builtins ---- */

#define MAXB 128
struct entry { char name[32], opt[8], func[32]; int idx; };
static struct entry ent[MAXB];
static char funcs[MAXB][32];
static int nent, nfunc;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static int by_func(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(x->func, y->func);
    return c ? c : x->idx - y->idx;
}

static void copyw(char *dst, size_t cap, const char *w, const char *ctx)
{
    if (strlen(w) >= cap) die("word too long", ctx);
    strcpy(dst, w);
}

static void builtins(const char *def)
{
    FILE *in = fopen(def, "r"), *c, *h;
    char line[512];
    int i;
    if (!in) die("cannot open", def);
    while (fgets(line, sizeof line, in)) {
        char *w[32], *p;
        int n = 0, k;
        line[strcspn(line, "\n")] = 0;
        if (line[0] == '#') continue;   /* cpp line markers */
        for (p = strtok(line, " \t"); p && n < 32; p = strtok(NULL, " \t"))
            w[n++] = p;
        if (n == 0) continue;
        if (nfunc == MAXB) die("too many builtins", def);
        copyw(funcs[nfunc++], 32, w[0], w[0]);
        for (k = 1; k < n; k++) {
            struct entry *e;
            if (nent == MAXB) die("too many builtins", def);
            e = &ent[nent++];
            memset(e, 0, sizeof *e);
            copyw(e->func, sizeof e->func, w[0], w[0]);
            if (w[k][0] == '-') {
                copyw(e->opt, sizeof e->opt, w[k] + 1, w[0]);
                if (++k == n) die("option without a name", w[0]);
            }
            copyw(e->name, sizeof e->name, w[k], w[0]);
        }
    }
    fclose(in);
    if (!nent) die("no builtins in", def);
    qsort(ent, nent, sizeof *ent, by_name);
    for (i = 0; i < nent; i++) {
        if (i && strcmp(ent[i - 1].name, ent[i].name) == 0)
            die("builtin listed twice", ent[i].name);
        ent[i].idx = i;
    }

    c = wopen("builtins.c");
    fprintf(c, "/*\n * This file was generated by the mkbuiltins program.\n */\n\n"
               "#include \"shell.h\"\n#include \"builtins.h\"\n\n");
    for (i = 0; i < nfunc; i++)
        fprintf(c, "int %s(int, char **);\n", funcs[i]);
    fprintf(c, "\nconst struct builtincmd builtincmd[] = {\n");
    for (i = 0; i < nent; i++) {
        const char *o = ent[i].opt;
        int mask = (strchr(o, 's') ? 1 : 0) + (strpbrk(o, "su") ? 2 : 0)
                   + (strchr(o, 'a') ? 4 : 0);
        fprintf(c, "\t{ \"%s\", %s, %d },\n", ent[i].name,
                strchr(o, 'n') ? "NULL" : ent[i].func, mask);
    }
    fprintf(c, "};\n");
    wclose(c, "builtins.c");

    /* one macro per function: its first entry in name order */
    h = wopen("builtins.h");
    fprintf(h, "/*\n * This file was generated by the mkbuiltins program.\n */\n\n");
    qsort(ent, nent, sizeof *ent, by_func);
    for (i = 0; i < nent; i++) {
        char up[32];
        int k;
        if (i && strcmp(ent[i - 1].func, ent[i].func) == 0) continue;
        for (k = 0; ent[i].func[k]; k++)
            up[k] = toupper((unsigned char)ent[i].func[k]);
        up[k] = 0;
        fprintf(h, "#define %s (builtincmd + %d)\n", up, ent[i].idx);
    }
    fprintf(h, "\n#define NUMBUILTINS %d\n\n"
               "#define BUILTIN_SPECIAL 0x1\n#define BUILTIN_REGULAR 0x2\n"
               "#define BUILTIN_ASSIGN 0x4\n\n"
               "struct builtincmd {\n\tconst char *name;\n"
               "\tint (*builtin)(int, char **);\n\tunsigned flags;\n};\n\n"
               "extern const struct builtincmd builtincmd[];\n", nent);
    wclose(h, "builtins.h");
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "tokens") == 0)
        tokens(argv[2]);
    else if (argc == 3 && strcmp(argv[1], "builtins") == 0)
        builtins(argv[2]);
    else
        die("usage: mkgen tokens MKTOKENS | mkgen builtins BUILTINS.DEF", NULL);
    return 0;
}
