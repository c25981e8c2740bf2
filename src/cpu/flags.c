/* Lazy arithmetic flags: materializing RFLAGS and evaluating conditions (flags.h explains
 * the representation). */
#include "flags.h"

u64 flags_arith(const struct cpu *c)
{
    if (c->lf.op == LF_NONE) return c->rflags & FL_ARITH;
    return (flags_cf(c) ? FL_CF : 0) | (flags_pf(c) ? FL_PF : 0) | (flags_af(c) ? FL_AF : 0) |
           (flags_zf(c) ? FL_ZF : 0) | (flags_sf(c) ? FL_SF : 0) | (flags_of(c) ? FL_OF : 0);
}

void flags_materialize(struct cpu *c)
{
    if (c->lf.op == LF_NONE) return;
    c->rflags = (c->rflags & ~(u64)FL_ARITH) | flags_arith(c);
    c->lf.op = LF_NONE;
}

u64 cpu_get_rflags(struct cpu *c)
{
    flags_materialize(c);
    return c->rflags | FL_FIXED1;
}

/* Bits 3, 5, 15 and 22-63 are reserved and read as 0; bit 1 reads as 1 (SDM Vol. 1
 * 3.4.3). The caller has already applied the instruction's own masks. */
#define FL_WRITABLE (FL_ARITH | FL_TF | FL_IF | FL_DF | FL_IOPL | FL_NT | FL_RF | FL_VM | \
                     FL_AC | FL_VIF | FL_VIP | FL_ID)

void cpu_set_rflags(struct cpu *c, u64 v)
{
    u64 old = c->rflags;
    c->lf.op = LF_NONE;
    c->rflags = (v & FL_WRITABLE) | FL_FIXED1;
    if ((old ^ c->rflags) & (FL_VM | FL_AC)) cpu_update_mode(c);
    if ((old ^ c->rflags) & FL_IF) c->check_events = true;
    /* Debug traps armed or disarmed (TF, RF): the block ends here, so that the executor
     * looks before the next instruction (exec.c debug_traps_armed). */
    if ((old ^ c->rflags) & (FL_TF | FL_RF)) c->stop_block = true;
}

bool cpu_cond(struct cpu *c, unsigned cc) { return flags_cond(c, cc); }
