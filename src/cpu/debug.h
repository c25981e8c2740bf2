/* Debug registers and debug exceptions (SDM Vol. 3 chapter 18): instruction, data and
 * I/O breakpoints, single-step, and the DR6 bits they report.
 *
 * The hot path pays nothing while DR7 enables no breakpoint and TF/RF are clear. Once
 * one is enabled the executor runs instructions one at a time through step_debug()
 * (exec.c), and the soft TLB keeps no read/write entry for a page holding an enabled
 * data breakpoint, so every access to it reaches debug_data_access() (mem.c). */
#ifndef VP_DEBUG_H
#define VP_DEBUG_H

#include "insn.h"

/* DR6 bits (SDM Vol. 3 18.2.3, Figure 18-1). */
enum { DR6_B_MASK = 0xf, DR6_BD = 1u << 13, DR6_BS = 1u << 14, DR6_BT = 1u << 15 };
/* DR7 bits (SDM Vol. 3 18.2.4). */
enum { DR7_ENABLE_MASK = 0xff, DR7_GD = 1u << 13 };

/* True if DR7 enables any of the four breakpoints (L or G). */
static inline bool debug_bp_enabled(const struct cpu *c)
{
    return (c->dr[7] & DR7_ENABLE_MASK) != 0;
}

/* True for the instruction right after MOV SS / POP SS: debug exceptions are inhibited
 * until the boundary after it (SDM Vol. 3 6.8.3), so a breakpoint on it is not reported. */
static inline bool debug_in_movss_shadow(const struct cpu *c)
{
    return c->interrupt_shadow && c->shadow_movss && c->icount == c->shadow_icount + 1;
}

/* A MOV to a debug register changed DR0-DR7: which pages hold data breakpoints may have
 * changed, so the TLB forgets everything (called from MOV DR). */
void debug_dr_written(struct cpu *c);

/* True if an enabled data breakpoint lies in the linear page of `lin`: the TLB must
 * not cache that page for reads or writes. */
bool debug_page_watched(const struct cpu *c, u64 lin);

/* A data access of `size` bytes at `lin` (ACC_READ or ACC_WRITE; implicit supervisor
 * accesses and fetches never match). Records matching breakpoints in c->db_hits; the
 * trap is taken when the instruction completes. */
void debug_data_access(struct cpu *c, u64 lin, unsigned size, int acc);

/* Before an instruction at the current RIP, when RF is clear: raises the #DB fault of a
 * matching instruction breakpoint (SDM Vol. 3 18.3.1.1). */
void debug_insn_breakpoint(struct cpu *c);

/* After instruction `i` completed (RIP is the next one): collects data and I/O breakpoint
 * hits and the single-step condition (`tf`: TF was set when the instruction began) and
 * raises the #DB trap if any, honouring the MOV SS / POP SS deferral. */
void debug_after_insn(struct cpu *c, const struct insn *i, bool tf);

/* Raise #DB reporting the DR6 bits `bits` (B0-B3, BD, BS, BT). Nothing is written yet:
 * a #DB that causes a VM exit leaves DR6, DR7.GD and IA32_DEBUGCTL alone and reports the
 * bits in the exit qualification instead (SDM Vol. 3C 28.1, 28.2.1). */
NORETURN void debug_raise(struct cpu *c, u32 bits);

/* The #DB in flight is delivered through the IDT: write its DR6 bits and clear DR7.GD. */
void debug_db_delivered(struct cpu *c);

#endif
