/* Instruction family: msr (to be filled in). */
#include "insn.h"

const struct opdef msr_ops[] = {
    {.fn = NULL},
};

bool msr_read(struct cpu *c, u32 index, u64 *val) { (void)c; (void)index; *val = 0; return false; }
bool msr_write(struct cpu *c, u32 index, u64 val) { (void)c; (void)index; (void)val; return false; }
