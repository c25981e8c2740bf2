/* BOUND: check an array index against a pair of bounds in memory (SDM Vol. 2 BOUND);
 * #BR when out of range. Invalid in 64-bit mode (the decoder says so). */
#include "insn.h"

static void op_bound(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3) cpu_ud(c);
    unsigned sz = i->opsz;
    u64 ea = insn_ea(c, i);
    s64 lo = sign_extend(seg_read(c, i->seg, ea, sz), sz);
    s64 hi = sign_extend(seg_read(c, i->seg, (ea + sz) & size_mask(i->adsz), sz), sz);
    s64 idx = sign_extend(r_read(c, i, sz), sz);
    if (idx < lo || idx > hi) cpu_raise(c, EXC_BR, NO_ERRCODE);
}

const struct opdef bound_ops[] = {
    {MAP_1B, 0x62, -1, OPF_MODRM | OPF_INV64, op_bound},
    {.fn = NULL},
};
