/* Handlers of the system-instruction family, spread over small files (ctrlreg.c,
 * dtables.c, syscall.c, system.c, fpu.c, sse.c) and registered together in system.c's
 * table, because several group opcodes (0F 01, 0F AE, 0F C7) mix them by ModRM. */
#ifndef VP_SYSINSN_H
#define VP_SYSINSN_H

#include "insn.h"

/* ctrlreg.c */
void op_mov_r_cr(struct cpu *c, const struct insn *i);
void op_mov_cr_r(struct cpu *c, const struct insn *i);
void op_mov_r_dr(struct cpu *c, const struct insn *i);
void op_mov_dr_r(struct cpu *c, const struct insn *i);
void op_clts(struct cpu *c, const struct insn *i);
void op_lmsw(struct cpu *c, const struct insn *i);
void op_smsw(struct cpu *c, const struct insn *i);

/* dtables.c */
void op_sldt(struct cpu *c, const struct insn *i);
void op_str(struct cpu *c, const struct insn *i);
void op_lldt(struct cpu *c, const struct insn *i);
void op_ltr(struct cpu *c, const struct insn *i);
void op_sgdt(struct cpu *c, const struct insn *i);
void op_sidt(struct cpu *c, const struct insn *i);
void op_lgdt(struct cpu *c, const struct insn *i);
void op_lidt(struct cpu *c, const struct insn *i);

/* syscall.c */
void op_syscall(struct cpu *c, const struct insn *i);
void op_sysret(struct cpu *c, const struct insn *i);
void op_sysenter(struct cpu *c, const struct insn *i);
void op_sysexit(struct cpu *c, const struct insn *i);
void op_swapgs(struct cpu *c, const struct insn *i);

/* fpu.c / sse.c: group 15 (0F AE) memory forms */
void op_fxsave(struct cpu *c, const struct insn *i);
void op_fxrstor(struct cpu *c, const struct insn *i);
void op_ldmxcsr(struct cpu *c, const struct insn *i);
void op_stmxcsr(struct cpu *c, const struct insn *i);

/* UMIP: SGDT, SIDT, SLDT, SMSW and STR fault above CPL 0 (SDM Vol. 3 2.5, CR4.UMIP). */
static inline void umip_check(struct cpu *c)
{
    if ((c->cr4 & CR4_UMIP) && c->cpl > 0) cpu_gp(c, 0);
}

/* CPL 0 required (privileged instructions, SDM Vol. 3 5.9); virtual-8086 mode is CPL 3. */
static inline void require_cpl0(struct cpu *c)
{
    if (c->cpl != 0) cpu_gp(c, 0);
}

#endif
