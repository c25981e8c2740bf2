/* Many cases, one check line: a tally counts the cases of one operation and keeps the
 * first that differs, and tally_report() prints "PASS/FAIL PREFIX/NAME" with that case. */
#ifndef VP_TEST_TALLY_H
#define VP_TEST_TALLY_H
#include <stdarg.h>
#include <stdio.h>

#include "check.h"

struct tally {
    unsigned cases, bad;
    char first[300];
};

static void note(struct tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void note(struct tally *t, const char *fmt, ...)
{
    if (t->bad++) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->first, sizeof t->first, fmt, ap);
    va_end(ap);
}

static inline void tally_report(const char *prefix, const char *name, struct tally *t)
{
    char label[120];
    snprintf(label, sizeof label, "%s/%s", prefix, name);
    CHECK(label, t->bad == 0, "%u of %u cases differ; first: %s", t->bad, t->cases, t->first);
}

#endif
