/* CLI and STI: the interrupt flag, with the IOPL, virtual-8086 (VME) and protected-mode
 * virtual interrupt (PVI) rules. */
#include "insn.h"

static unsigned iopl(const struct cpu *c) { return (c->rflags >> 12) & 3; }

/* Which flag CLI/STI may change: FL_IF, FL_VIF, or 0 for #GP(0). SDM Vol. 2 CLI, STI. */
static u64 target_flag(struct cpu *c)
{
    if (c->mode == MODE_REAL) return FL_IF;
    if (c->mode == MODE_V86) {
        if (iopl(c) == 3) return FL_IF;
        return (c->cr4 & CR4_VME) ? FL_VIF : 0;
    }
    if (iopl(c) >= c->cpl) return FL_IF;
    if (c->cpl == 3 && (c->cr4 & CR4_PVI)) return FL_VIF;
    return 0;
}

static void op_cli(struct cpu *c, const struct insn *i)
{
    (void)i;
    u64 f = target_flag(c);
    if (!f) cpu_gp(c, 0);
    cpu_set_rflags(c, cpu_get_rflags(c) & ~f);
}

static void op_sti(struct cpu *c, const struct insn *i)
{
    (void)i;
    u64 f = target_flag(c);
    u64 fl = cpu_get_rflags(c);
    if (!f || (f == FL_VIF && (fl & FL_VIP))) cpu_gp(c, 0);
    if (f == FL_IF && !(fl & FL_IF)) {
        /* Interrupts stay blocked until after the next instruction (SDM Vol. 3 6.8.3). */
        c->interrupt_shadow = true;
        c->shadow_movss = false;
        c->shadow_icount = c->icount;
    }
    cpu_set_rflags(c, fl | f);
}

const struct opdef intflag_ops[] = {
    {MAP_1B, 0xfa, -1, OPF_ENDBLOCK, op_cli},
    {MAP_1B, 0xfb, -1, OPF_ENDBLOCK, op_sti},
    {.fn = NULL},
};
