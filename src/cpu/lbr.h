/* IA32_DEBUGCTL and what it controls (SDM Vol. 3 18.4): last branch records (the LBR
 * stack, its top-of-stack pointer, the last exception record and LBR_SELECT filtering)
 * and single-step on branches (BTF). Every model's facts (stack size, MSR addresses,
 * record format, valid DEBUGCTL bits) sit in one table in lbr.c.
 *
 * The hot path pays nothing: while DEBUGCTL.LBR is set check_events stays set, so the
 * executor's event path runs instructions one at a time through step_debug() (exec.c),
 * which asks lbr_after_insn() whether the instruction was a taken branch; BTF only matters with RFLAGS.TF, which already runs
 * that path. Interrupt and exception delivery calls lbr_event() only when LBR or BTF
 * is set. */
#ifndef VP_LBR_H
#define VP_LBR_H

#include "insn.h"

/* IA32_DEBUGCTL bits (SDM Vol. 3 18.4.1; Vol. 4 Table 2-2). */
enum {
    DEBUGCTL_LBR = 1u << 0,
    DEBUGCTL_BTF = 1u << 1,
    DEBUGCTL_TR = 1u << 6,
    DEBUGCTL_BTS = 1u << 7,
    DEBUGCTL_BTINT = 1u << 8,
    DEBUGCTL_BTS_OFF_OS = 1u << 9,
    DEBUGCTL_BTS_OFF_USR = 1u << 10,
    DEBUGCTL_FREEZE_LBRS_ON_PMI = 1u << 11,
    DEBUGCTL_FREEZE_PERFMON_ON_PMI = 1u << 12,
    DEBUGCTL_UNCORE_PMI_EN = 1u << 13,
    DEBUGCTL_FREEZE_WHILE_SMM = 1u << 14,
    DEBUGCTL_RTM_DEBUG = 1u << 15,
};

/* LBR MSRs whose addresses every model shares (SDM Vol. 4, chapter 2 model tables), and
 * IA32_PERF_CAPABILITIES, which holds the LBR record format. */
enum {
    MSR_LBR_SELECT = 0x1c8,
    MSR_LASTBRANCH_TOS = 0x1c9,
    MSR_LER_FROM_LIP = 0x1dd,
    MSR_LER_TO_LIP = 0x1de,
    MSR_PERF_CAPABILITIES = 0x345, /* architectural, with CPUID.1:ECX.PDCM (Vol. 4 Table 2-2) */
};

/* The DEBUGCTL bits this processor accepts: the model's real part restricted to the
 * features offered. One definition for WRMSR and the VM-entry check (SDM 27.3.1.1). */
u64 debugctl_valid_bits(const struct cpu *c);

/* The current instruction pointer as the model's LBR records hold it (linear address or
 * offset; upper half zero outside 64-bit mode). */
u64 lbr_ip(const struct cpu *c);

/* After instruction `i` ran (`from_ip`: lbr_ip() before it ran): true if it was a taken
 * branch; records it when DEBUGCTL.LBR is set. Only called while DEBUGCTL.LBR or BTF is
 * set. */
bool lbr_after_insn(struct cpu *c, const struct insn *i, u64 from_ip);

/* An interrupt or exception (`db`: a debug exception) whose delivery started at `from_ip`
 * (lbr_ip()) just reached its handler: LER and the LBR record, and the #DB rule that
 * clears LBR and BTF (SDM 18.4.2, 18.4.3). Only called while DEBUGCTL.LBR or BTF is set. */
void lbr_event(struct cpu *c, bool db, u64 from_ip);

/* Whether the executor must run instructions one at a time for DEBUGCTL. */
static inline bool lbr_stepping(const struct cpu *c) { return c->debugctl & DEBUGCTL_LBR; }

#endif
