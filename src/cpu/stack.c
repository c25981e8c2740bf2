/* Instruction family: stack (to be filled in). */
#include "insn.h"

const struct opdef stack_ops[] = {
    {.fn = NULL},
};

void stack_push(struct cpu *c, unsigned size, u64 v)
{
    unsigned ss = c->stack_size;
    u64 sp = (c->r[RSP] - size) & size_mask(ss);
    seg_write(c, SEG_SS, sp, size, v);
    reg_set(c, RSP, ss, sp);
}

u64 stack_pop(struct cpu *c, unsigned size)
{
    unsigned ss = c->stack_size;
    u64 sp = c->r[RSP] & size_mask(ss);
    u64 v = seg_read(c, SEG_SS, sp, size);
    reg_set(c, RSP, ss, sp + size);
    return v;
}
