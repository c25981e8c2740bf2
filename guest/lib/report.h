/* The guest side of the test protocol: one line per check, "PASS name" or
 * "FAIL name: why", then "END" once the program finished. The runner compares these
 * lines between Vanderpool and Bochs, so names must be stable and output deterministic
 * (never print addresses or timings that may legitimately differ). */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H
#include "types.h"

extern int report_failures;
extern int report_checks;

void pass(const char *name);
void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns cond so callers can stop a dependent sequence early. */
int check(const char *name, int cond);
int check_eq(const char *name, u64 got, u64 want);
/* Prints END and leaves through vp_exit with 0 when no check failed, 1 otherwise. */
NORETURN void report_done(void);
#endif
