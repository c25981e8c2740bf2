/* Minimal check macros for host tests: one output line per check, and a summary exit
 * status. Each test program includes this once. */
#ifndef VP_TEST_CHECK_H
#define VP_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>

static int check_failures;

/* CHECK(name, cond, fmt, ...): prints PASS name, or FAIL name: <fmt...>. */
#define CHECK(name, cond, ...)                                                         \
    do {                                                                               \
        if (cond) {                                                                    \
            printf("PASS %s\n", name);                                                 \
        } else {                                                                       \
            printf("FAIL %s: ", name);                                                 \
            printf(__VA_ARGS__);                                                       \
            printf("\n");                                                              \
            check_failures++;                                                          \
        }                                                                              \
    } while (0)

#define CHECK_EQ(name, got, want)                                                      \
    CHECK(name, (uint64_t)(got) == (uint64_t)(want), "got 0x%" PRIx64 ", want 0x%" PRIx64, \
          (uint64_t)(got), (uint64_t)(want))

static inline int check_exit(void) { return check_failures ? 1 : 0; }

#endif
