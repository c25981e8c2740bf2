/* Event-information formats (SDM Vol. 3 25.8.3, 25.9), the exit-reason numbers
 * (Appendix C) and helpers shared by entry_checks.c, entry.c, exit.c and
 * intercept.c. Private to src/vmx. */
#ifndef VP_VMX_CTLS_H
#define VP_VMX_CTLS_H

#include "../cpu/cpumodel.h"
#include "../cpu/insn.h"
#include "caps.h"
#include "vmx.h"

/* Interruption-information fields (SDM 25.8.3 Table 25-17, 25.9.2 Table 25-19). */
#define INTR_INFO_VALID BIT(31)
#define INTR_INFO_ERRCODE BIT(11)
#define INTR_INFO_NMI_UNBLOCK BIT(12)
#define INTR_TYPE_OTHER 7
static inline unsigned intr_info_type(u32 info) { return (info >> 8) & 7; }

/* Interruptibility state (SDM 25.4.2 Table 25-3) and activity states. */
enum { INTR_BLOCK_STI = 1, INTR_BLOCK_MOVSS = 2, INTR_BLOCK_SMI = 4, INTR_BLOCK_NMI = 8 };
enum { ACT_ACTIVE = 0, ACT_HLT = 1, ACT_SHUTDOWN = 2, ACT_WAIT_SIPI = 3 };
/* Pending debug exceptions: bit 12 "enabled breakpoint" (SDM 25.4.2 Table 25-4); B3:0
 * and BS are DR6's (debug.h). */
enum { PDBG_ENABLED_BP = 1u << 12 };

/* Basic exit reasons (exit_reasons.h). */
#define EXIT_REASON(name, num, text) VMX_EXIT_##name = num,
enum vmx_exit_reason {
#include "exit_reasons.h"
};
#undef EXIT_REASON
#define EXIT_REASON_ENTRY_FAIL BIT(31)
/* Name of a basic exit reason, or "?" (exit.c). */
const char *vmx_exit_reason_name(u32 reason);

/* Field helpers. */
static inline u32 vmcs_get32(struct cpu *c, enum vmcs_slot s) { return (u32)vmcs_get(c, s); }
/* Secondary controls count only when "activate secondary controls" is 1 (SDM 25.6.2). */
static inline u32 vmx_proc2(struct cpu *c)
{
    if (!(vmcs_get32(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) & CPU_SECONDARY_CONTROLS)) return 0;
    return vmcs_get32(c, VMCS_SECONDARY_VM_EXEC_CONTROL);
}
static inline bool vmx_proc(struct cpu *c, u32 bit)
{
    return vmcs_get32(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) & bit;
}

/* Physical address within MAXPHYADDR (SDM 26.2.1.1 "physical-address width"). */
static inline bool vmx_pa_ok(struct cpu *c, u64 pa) { return (pa >> cpu_phys_bits(c)) == 0; }

/* Recommended maximum number of entries in an MSR list, 512 * (IA32_VMX_MISC[27:25] + 1)
 * (SDM A.6, which leaves longer lists undefined): entry.c and exit.c process no more, and
 * fail at the entry after it, so that a huge count costs bounded time. */
static inline u32 vmx_msr_list_max(const struct cpu *c)
{
    return 512u * (u32)(((vmx_cap(c, MSR_VMX_MISC) >> 25) & 7) + 1);
}

/* Guest segment field slots by segment register number: the VMCS lists ES CS SS DS FS GS
 * LDTR TR in the order of enum SEG_* (vmcs_fields.h, SDM Appendix B). */
static inline enum vmcs_slot vmx_gseg_sel(int s) { return (enum vmcs_slot)(VMCS_GUEST_ES_SELECTOR + s); }
static inline enum vmcs_slot vmx_gseg_base(int s) { return (enum vmcs_slot)(VMCS_GUEST_ES_BASE + s); }
static inline enum vmcs_slot vmx_gseg_limit(int s) { return (enum vmcs_slot)(VMCS_GUEST_ES_LIMIT + s); }
static inline enum vmcs_slot vmx_gseg_ar(int s) { return (enum vmcs_slot)(VMCS_GUEST_ES_AR_BYTES + s); }
/* Host selectors: ES CS SS DS FS GS, then TR. */
static inline enum vmcs_slot vmx_hseg_sel(int s)
{
    return s == SEG_TR ? VMCS_HOST_TR_SELECTOR : (enum vmcs_slot)(VMCS_HOST_ES_SELECTOR + s);
}

/* Memory-operand part of the VM-exit instruction information (SDM 28.2.5, Tables 28-10 to
 * 28-14): scaling 1:0, address size 9:7, segment 17:15, index 21:18 (+ invalid 22), base
 * 26:23 (+ invalid 27). */
static inline u32 vmx_mem_info(const struct insn *i)
{
    u32 asz = i->adsz == 2 ? 0 : i->adsz == 4 ? 1 : 2;
    u32 v = (i->scale & 3u) | asz << 7 | (u32)(i->seg & 7) << 15;
    v |= i->index == NO_REG ? 1u << 22 : (u32)(i->index & 15) << 18;
    v |= i->base == NO_REG || i->rip_rel ? 1u << 27 : (u32)(i->base & 15) << 23;
    return v;
}

/* exit.c: the exit with the guest's state as it is now. */
NORETURN void vmx_exit_full(struct cpu *c, u32 reason, u64 qual, u64 glinear, u64 gphys);
/* exit.c: a VM-entry failure after the checks on controls and host state (exit reasons 33,
 * 34, SDM 26.8): no guest state is saved, host state is loaded. */
NORETURN void vmx_entry_fail_exit(struct cpu *c, u32 reason, u64 qual);
/* exit.c: load host state (SDM 28.5); false => VMX abort indicator written, shutdown. */
void vmx_load_host_state(struct cpu *c);

#endif
