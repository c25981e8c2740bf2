/* Shared pieces of the loader fuzz tests (test_loader_fuzz, test_linux_boot_fuzz,
 * test_pvh_boot): a fixed-seed xorshift generator, so a failure reproduces, and the rule
 * every refused image must keep: one non-empty line naming the problem. */
#ifndef VP_TEST_FUZZ_H
#define VP_TEST_FUZZ_H

#include <stdio.h>
#include <string.h>

#include "common.h"

static u64 fuzz_rng = 0x9e3779b97f4a7c15ull;
static inline void fuzz_seed(u64 seed) { fuzz_rng = seed; }
static inline u32 next(void)
{
    fuzz_rng ^= fuzz_rng << 13;
    fuzz_rng ^= fuzz_rng >> 7;
    fuzz_rng ^= fuzz_rng << 17;
    return (u32)fuzz_rng;
}

/* A refused image's message err: counts it in *bad unless it is one non-empty line, and
 * prints the first bad one. */
static inline void fuzz_check_message(const char *err, int iter, int *bad)
{
    if (err[0] && !strchr(err, '\n')) return;
    if (!*bad) printf("FAIL fuzz message at iteration %d: '%s'\n", iter, err);
    (*bad)++;
}

#endif
