/* libFuzzer target: arbitrary bytes become a processor state, descriptor tables and code
 * (layout in tests/unit/randenv.h), run for a bounded number of instructions with every
 * exception delivered through the guest's own IDT. Anything a guest can do must end in a
 * halt, a shutdown or the budget, with the architectural invariants intact: a crash,
 * sanitizer report, leak, timeout or broken invariant is a finding.
 * Build and run: `make fuzz`, `make fuzz-smoke` (tests/fuzz/fuzz.mk). */
#include <stdio.h>
#include <stdlib.h>

#include "randenv.h"

#define BUDGET 3000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One machine for the whole process, recycled for each input (randenv.h). */
    static struct renv e;
    if (!renv_init(&e, data, size)) abort();
    renv_run(&e, BUDGET);
    char why[200];
    const char *broken = renv_check(e.c, why, sizeof why);
    if (broken) {
        struct cpu *c = e.c;
        fprintf(stderr, "fuzz_exec: invariant broken: %s\n", broken);
        fprintf(stderr, "  mode %d cpl %u rip %#llx rflags %#llx cr0 %#llx cr4 %#llx efer %#llx\n", c->mode,
                c->cpl, (unsigned long long)c->rip, (unsigned long long)cpu_get_rflags(c),
                (unsigned long long)c->cr0, (unsigned long long)c->cr4, (unsigned long long)c->efer);
        for (int s = 0; s < 8; s++)
            fprintf(stderr, "  seg%d sel %#06x base %#llx limit %#x ar %#x\n", s, c->seg[s].sel,
                    (unsigned long long)c->seg[s].base, c->seg[s].limit, c->seg[s].ar);
        abort();
    }
    return 0;
}
