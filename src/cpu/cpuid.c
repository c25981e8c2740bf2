/* CPUID (stub). */
#include "cpu.h"

void cpuid_query(struct cpu *c, u32 leaf, u32 subleaf, u32 out[4])
{
    (void)c; (void)leaf; (void)subleaf;
    out[0] = out[1] = out[2] = out[3] = 0;
}
