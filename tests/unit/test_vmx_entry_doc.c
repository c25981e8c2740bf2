/* docs/vmx-entry-checks.md's coverage table, generated from the entry-check table
 * (src/vmx/entry_checks.h) so that the two cannot drift: one row per check, in the
 * table's order, with its SDM section, stable name, the capability it needs (needs.h) and
 * the host-test column. A check whose capability Vanderpool does not implement gets a
 * generated "n/a" cell; the description and the host tests of the other checks are the
 * doc's own, kept by name. Rows whose name is no check (the 27.4 MSR-load row) follow.
 *
 *   test_vmx_entry_doc [DOC]            PASS/FAIL: the committed doc is the generated one
 *   test_vmx_entry_doc --write [DOC]    regenerate the table in DOC (`make docs-vmx`)
 *
 * DOC defaults to docs/vmx-entry-checks.md (run from the source tree, as make check does). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vmx/entry_checks.h"
#include "vmx/needs.h"

#define BEGIN                                                                                      \
    "<!-- generated from src/vmx/entry_checks.h by `make docs-vmx`: edit descriptions and host "   \
    "tests here, the rest there -->"
#define END "<!-- end of generated table -->"

struct check_row {
    const char *name, *section;
    enum vmx_need needs;
};
#define ENTRY_CHECK(id, name, sec, cls, qual, needs) {name, sec, VMX_NEED_##needs},
static const struct check_row rows[] = {ENTRY_CHECKS(ENTRY_CHECK)};
#undef ENTRY_CHECK
#define NROWS (sizeof rows / sizeof rows[0])

/* A growing string. */
struct buf {
    char *p;
    size_t n, cap;
};
static void put(struct buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct buf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        put(&b, tmp, n);
    fclose(f);
    if (!b.p) put(&b, "", 0);
    return b.p;
}

/* Cell k (0-based) of a table line "| a | b | c |", trimmed, into out; false if absent. */
static bool cell(const char *line, int k, char *out, size_t size)
{
    const char *p = strchr(line, '|');
    for (int i = 0; p && i < k; i++)
        p = strchr(p + 1, '|');
    if (!p) return false;
    const char *e = strchr(p + 1, '|');
    if (!e) return false;
    p++;
    while (p < e && *p == ' ')
        p++;
    while (e > p && e[-1] == ' ')
        e--;
    size_t n = (size_t)(e - p) < size - 1 ? (size_t)(e - p) : size - 1;
    memcpy(out, p, n);
    out[n] = 0;
    return true;
}
static int cells(const char *line)
{
    int n = -1;
    for (const char *p = line; (p = strchr(p, '|')); p++)
        n++;
    return n;
}

/* The doc's row for check `name` between BEGIN and END: "`name`" in the name column
 * (column 2). Returns the line, NULL if none. */
static const char *doc_row(char **lines, int nlines, const char *name)
{
    char want[128], got[512];
    snprintf(want, sizeof want, "`%s`", name);
    for (int i = 0; i < nlines; i++)
        if (lines[i][0] == '|' && cell(lines[i], 2, got, sizeof got) && !strcmp(got, want))
            return lines[i];
    return NULL;
}

static bool is_check_row(const char *line)
{
    char got[512];
    if (line[0] != '|' || !cell(line, 2, got, sizeof got)) return false;
    for (size_t k = 0; k < NROWS; k++) {
        char want[128];
        snprintf(want, sizeof want, "`%s`", rows[k].name);
        if (!strcmp(got, want)) return true;
    }
    return false;
}

/* Generate the doc with its table regenerated; *todo counts offered checks whose doc row
 * names no host test and checks without a description. NULL if the markers are missing. */
static char *generate(const char *doc, int *todo)
{
    const char *b = strstr(doc, BEGIN), *e = b ? strstr(b, END) : NULL;
    if (!b || !e) return NULL;
    b += strlen(BEGIN);
    /* The old table's lines. */
    char *old = strndup(b, (size_t)(e - b));
    char *lines[1024];
    int nlines = 0;
    for (char *s = strtok(old, "\n"); s && nlines < 1024; s = strtok(NULL, "\n"))
        lines[nlines++] = s;

    struct vmx_allowed impl;
    vmx_allowed_implemented(&impl);
    struct buf out = {0};
    put(&out, doc, (size_t)(b - doc));
    puts_(&out, "\n| SDM | SDM check | Vanderpool check | needs | host test |\n");
    puts_(&out, "| --- | --- | --- | --- | --- |\n");
    *todo = 0;
    for (size_t k = 0; k < NROWS; k++) {
        const struct check_row *r = &rows[k];
        const char *line = doc_row(lines, nlines, r->name);
        char desc[512] = "TODO: describe", test[512] = "TODO: name the host test";
        if (line) cell(line, 1, desc, sizeof desc);
        if (line) cell(line, cells(line) - 1, test, sizeof test);
        bool offered = vmx_need_met(&impl, r->needs);
        if (!offered)
            snprintf(test, sizeof test,
                     "n/a: not implemented (coded; an earlier check fails first)");
        else if (!strncmp(test, "n/a", 3))
            snprintf(test, sizeof test, "TODO: name the host test");
        if (!strncmp(desc, "TODO", 4)) ++*todo;
        if (!strncmp(test, "TODO", 4)) ++*todo;
        char row[1400];
        snprintf(row, sizeof row, "| %s | %s | `%s` | %s | %s |\n", r->section, desc, r->name,
                 r->needs == VMX_NEED_NONE ? "-" : vmx_need_text(r->needs), test);
        puts_(&out, row);
    }
    /* Rows that are no check of the table, as the doc has them. */
    for (int i = 0; i < nlines; i++)
        if (lines[i][0] == '|' && !strstr(lines[i], "| --- |") && strncmp(lines[i], "| SDM |", 7) &&
            !is_check_row(lines[i])) {
            puts_(&out, lines[i]);
            puts_(&out, "\n");
        }
    puts_(&out, e);
    free(old);
    return out.p;
}

/* First line where a and b differ (1-based), for the failure message. */
static int first_diff(const char *a, const char *b, char *what, size_t size)
{
    int line = 1;
    const char *la = a;
    while (*a && *a == *b) {
        if (*a == '\n') line++, la = a + 1;
        a++, b++;
    }
    const char *nl = strchr(la, '\n');
    snprintf(what, size, "%.*s", nl ? (int)(nl - la) : (int)strlen(la), la);
    return line;
}

int main(int argc, char **argv)
{
    bool write = argc > 1 && !strcmp(argv[1], "--write");
    const char *path = argc > 1 + write ? argv[1 + write] : "docs/vmx-entry-checks.md";
    char *doc = slurp(path);
    if (!doc) {
        CHECK("entry_doc.readable", false, "cannot read %s (run from the source tree)", path);
        return check_exit();
    }
    int todo = 0;
    char *gen = generate(doc, &todo);
    if (write) {
        if (!gen) return fprintf(stderr, "%s: markers missing\n", path), 1;
        FILE *f = fopen(path, "wb");
        if (!f || fputs(gen, f) < 0 || fclose(f))
            return fprintf(stderr, "%s: cannot write\n", path), 1;
        fprintf(stderr, "%s: %zu checks%s\n", path, NROWS, todo ? ", some rows say TODO" : "");
        return 0;
    }
    CHECK("entry_doc.markers", gen != NULL, "%s lacks the generated-table markers", path);
    if (gen) {
        char what[512] = "";
        int line = strcmp(doc, gen) ? first_diff(doc, gen, what, sizeof what) : 0;
        CHECK("entry_doc.matches_table", line == 0,
              "%s:%d differs from the table (`make docs-vmx` regenerates it): %s", path, line,
              what);
        CHECK("entry_doc.no_todo", todo == 0,
              "%d rows need a description or a host test (an offered check cannot be n/a)", todo);
    }
    /* The generator itself, on a made-up doc: an offered check cannot be n/a, a check
     * whose capability is not implemented is n/a whatever the doc said, rows that are no
     * check stay. */
    struct vmx_allowed impl;
    vmx_allowed_implemented(&impl);
    const char *fake = "intro\n" BEGIN "\n| SDM | SDM check | Vanderpool check | host test |\n"
                       "| 27.2.1.1 | pin | `ctl.pin.reserved` | n/a: stale |\n"
                       "| 27.2.1.1 | vapic | `ctl.tpr_shadow.vapic_address` | test_vmx_made_up |\n"
                       "| 27.4 | lists | `load_msr_list` | test_vmx_entry |\n" END "\nend\n";
    int fake_todo = 0;
    char *g = generate(fake, &fake_todo);
    CHECK("entry_doc.gen.offered_not_na",
          g && strstr(g, "| `ctl.pin.reserved` | - | TODO: name the host test |"), "%s",
          g ? g : "no markers");
    bool tpr = vmx_need_met(&impl, VMX_NEED_PROC_TPR_SHADOW);
    CHECK("entry_doc.gen.unimplemented_is_na",
          g && (tpr || strstr(g, "| `ctl.tpr_shadow.vapic_address` | use TPR shadow | n/a: not implemented")),
          "%s", g ? g : "no markers");
    CHECK("entry_doc.gen.other_rows_kept",
          g && strstr(g, "| 27.4 | lists | `load_msr_list` | test_vmx_entry |\n" END "\nend\n"),
          "%s", g ? g : "no markers");
    CHECK("entry_doc.gen.todo_counted", fake_todo >= NROWS, "%d", fake_todo);
    free(g);
    free(gen);
    free(doc);
    return check_exit();
}
