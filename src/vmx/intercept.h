/* Non-root operation: the instruction intercepts (SDM Vol. 3 26.1) that instruction
 * handlers call at their top, once the checks that have priority over VM exits (#UD, CPL)
 * are made, and the event intercepts the executor calls (26.2). Each call is one
 * predictable branch in root operation:
 *
 *     if (c->vmx_nonroot) vmx_intercept_cpuid(c, i);
 *
 * A function that decides on a VM exit does not return. */
#ifndef VP_VMX_INTERCEPT_H
#define VP_VMX_INTERCEPT_H

#include "../cpu/insn.h"

/* Unconditional exits (26.1.2). */
void vmx_intercept_cpuid(struct cpu *c, const struct insn *i);
void vmx_intercept_getsec(struct cpu *c, const struct insn *i);
void vmx_intercept_invd(struct cpu *c, const struct insn *i);
void vmx_intercept_xsetbv(struct cpu *c, const struct insn *i);
/* Exits under a control (26.1.3). */
void vmx_intercept_hlt(struct cpu *c, const struct insn *i);
void vmx_intercept_invlpg(struct cpu *c, const struct insn *i, u64 lin);
void vmx_intercept_invpcid(struct cpu *c, const struct insn *i);
void vmx_intercept_xsaves(struct cpu *c, const struct insn *i, u64 edx_eax, bool restore);
void vmx_intercept_wbinvd(struct cpu *c, const struct insn *i);
void vmx_intercept_monitor(struct cpu *c, const struct insn *i);
void vmx_intercept_mwait(struct cpu *c, const struct insn *i);
void vmx_intercept_pause(struct cpu *c, const struct insn *i);
void vmx_intercept_rdpmc(struct cpu *c, const struct insn *i);
void vmx_intercept_rdtsc(struct cpu *c, const struct insn *i, bool rdtscp);
void vmx_intercept_rdpid(struct cpu *c);
void vmx_intercept_rdrand(struct cpu *c, const struct insn *i, bool rdseed);
/* RDMSR (write false) / WRMSR with the MSR bitmaps. */
void vmx_intercept_msr(struct cpu *c, const struct insn *i, bool write);
/* IN/OUT/INS/OUTS after the I/O-permission checks: port, size 1/2/4, direction. */
void vmx_intercept_io(struct cpu *c, const struct insn *i, u16 port, unsigned size, bool in);
/* MOV to/from CR0/3/4/8 (to_cr), CLTS, LMSW (src: the 16-bit source), MOV DR. */
void vmx_intercept_mov_cr(struct cpu *c, const struct insn *i, bool to_cr);
void vmx_intercept_clts(struct cpu *c, const struct insn *i);
void vmx_intercept_lmsw(struct cpu *c, const struct insn *i, u16 src);
void vmx_intercept_mov_dr(struct cpu *c, const struct insn *i, bool to_dr);
/* LGDT LIDT SGDT SIDT (id 0 SGDT, 1 SIDT, 2 LGDT, 3 LIDT) and SLDT STR LLDT LTR (id 0 SLDT,
 * 1 STR, 2 LLDT, 3 LTR) with descriptor-table exiting. */
void vmx_intercept_dtr(struct cpu *c, const struct insn *i, unsigned id);
void vmx_intercept_ldtr_tr(struct cpu *c, const struct insn *i, unsigned id);

/* What non-root operation changes in instructions that do not exit (26.3): the value MOV
 * from CR0/CR4 and SMSW read (read shadows), the value MOV to CR0/CR4 writes (bits owned by
 * the host keep their value), and the TSC with TSC offsetting. */
u64 vmx_cr_read(struct cpu *c, int n, u64 val);
u64 vmx_cr_write(struct cpu *c, int n, u64 val);
u64 vmx_tsc(struct cpu *c, u64 tsc);

/* INS/OUTS (string.c) after the I/O-permission check: the port is DX. */
void vmx_intercept_string_io(struct cpu *c, const struct insn *i, unsigned size, bool in);

/* Between instructions in non-root operation (executor, service_events): pending MTF,
 * the preemption timer, interrupt- and NMI-window exits, external-interrupt and NMI
 * exiting, INIT and SIPI. */
void vmx_pending_events(struct cpu *c);
/* The executor is about to run one instruction alone because c->vmx_step is set (monitor
 * trap flag, SDM 25.5.2). */
void vmx_step_begin(struct cpu *c);
/* A debug trap (bits in DR6 form) on a boundary where an MTF VM exit is pending: true if
 * the MTF VM exit takes priority and the trap was saved as a pending debug exception. */
bool vmx_mtf_holds_db(struct cpu *c, u32 bits);
/* intr_deliver in non-root operation: delivery of an event through the guest IDT begins
 * (software exceptions meet the exception bitmap here) / has completed. Between the two a
 * VM exit records the event as IDT-vectoring information (28.2.4). */
void vmx_delivery_begin(struct cpu *c, int vector, enum event_kind kind, int error);
void vmx_delivery_end(struct cpu *c);
/* IRET in non-root operation: NMI / virtual-NMI unblocking (26.3). */
void vmx_iret(struct cpu *c);

/* VMX-preemption timer (preempt.c, SDM 26.5.1): started at VM entry, stopped (and its
 * value saved if asked) at VM exit; expired once it has counted down to 0. */
void vmx_preempt_start(struct cpu *c);
void vmx_preempt_stop(struct cpu *c);
bool vmx_preempt_expired(struct cpu *c);
u32 vmx_preempt_value(struct cpu *c);
/* A task switch in non-root operation is a VM exit (26.4.2) once the gate, selector and
 * TSS-descriptor checks have passed: sel is the new TSS, source 0 CALL, 1 IRET, 2 JMP,
 * 3 task gate in the IDT (SDM 28.2.1 Table 28-2). */
NORETURN void vmx_task_switch(struct cpu *c, u16 sel, unsigned source);
/* A triple fault in non-root operation is a VM exit (26.2). */
NORETURN void vmx_triple_fault(struct cpu *c);

#endif
