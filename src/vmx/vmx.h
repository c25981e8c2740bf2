/* VT-x inside the processor: the interfaces between the VMX parts (SDM Vol. 3 chapters
 * 24-33) and between VMX and the rest of the processor.
 *
 *   vmcs_fields.h   the one table of VMCS fields (X-macro): name, encoding, width, kind,
 *                   the capability it needs (needs.h)
 *   vmcs.c          the VMCS cache in the processor, field storage, VMREAD/VMWRITE rules
 *   needs.c         the capabilities a field or an entry check depends on (needs.h)
 *   caps.c          capability MSRs (IA32_VMX_*) per CPU model
 *   vmxinsn.c       VMXON VMXOFF VMCLEAR VMPTRLD VMPTRST VMREAD VMWRITE VMLAUNCH VMRESUME
 *                   VMCALL INVEPT INVVPID VMFUNC, with their #UD/#GP/VMfail outcomes
 *   entry_checks.c  every VM-entry check, each with a stable name and its SDM section
 *   entry.c         loading guest state, MSR-load list, event injection
 *   exit.c          VM exits: exit information, guest-state save, MSR lists, host state
 *   intercept.c     non-root operation: which instructions and events exit, and how
 *
 * In VMX non-root operation, handlers of instructions that can exit call the intercept
 * functions below; they cost one predictable branch (c->vmx_nonroot) in root operation. */
#ifndef VP_VMX_H
#define VP_VMX_H

#include "../cpu/cpu.h"
#include "../machine/machine.h"
#include "transition.h"
#include "diag.h"
#include "ept.h"
#include "../cpu/gpa.h"

struct insn;

/* VMfail error numbers (SDM Vol. 3 31.4, Table 31-1). */
enum vm_instruction_error {
    VMERR_VMCALL_IN_ROOT = 1, VMERR_VMCLEAR_INVALID = 2, VMERR_VMCLEAR_VMXON = 3,
    VMERR_VMLAUNCH_NONCLEAR = 4, VMERR_VMRESUME_NONLAUNCHED = 5, VMERR_VMRESUME_AFTER_VMXOFF = 6,
    VMERR_ENTRY_INVALID_CONTROLS = 7, VMERR_ENTRY_INVALID_HOST = 8, VMERR_VMPTRLD_INVALID = 9,
    VMERR_VMPTRLD_VMXON = 10, VMERR_VMPTRLD_REVISION = 11, VMERR_UNSUPPORTED_FIELD = 12,
    VMERR_WRITE_READONLY = 13, VMERR_VMXON_IN_ROOT = 15, VMERR_ENTRY_INVALID_EXEC_VMCS = 16,
    VMERR_ENTRY_NONLAUNCHED_EXEC_VMCS = 17, VMERR_ENTRY_EXEC_VMCS_PTR = 18,
    VMERR_VMCALL_NONCLEAR = 19, VMERR_VMCALL_INVALID_EXIT_CONTROLS = 20,
    VMERR_VMCALL_MSEG_REVISION = 22, VMERR_VMXOFF_DUAL_MONITOR = 23, VMERR_VMCALL_SMM_MONITOR = 24,
    VMERR_ENTRY_EXEC_VMCS_EXIT_CONTROLS = 25, VMERR_ENTRY_MOVSS_BLOCKING = 26,
    VMERR_INVEPT_INVVPID_OPERAND = 28,
};

/* Launch state of a VMCS (SDM Vol. 3 25.1). VMCS_STALE is ours: a launched VMCS that was
 * still current at VMXOFF (not VMCLEARed), which VMRESUME refuses with error 6. */
enum vmcs_launch { VMCS_CLEAR = 0, VMCS_LAUNCHED = 1, VMCS_STALE = 2 };

/* --- VMCS fields (vmcs_fields.h, vmcs.c) --------------------------------------------- */

/* Field slots, one per VMCS field of the SDM (Appendix B), generated from vmcs_fields.h:
 * VMCS_GUEST_RIP, VMCS_PIN_BASED_VM_EXEC_CONTROL, ... so code reads fields by name. */
#define VMCS_FIELD(name, encoding, width, kind, needs, offset) VMCS_##name,
enum vmcs_slot {
#include "vmcs_fields.h"
    VMCS_NSLOTS
};
#undef VMCS_FIELD

/* Width and kind of a field: bits 14:13 and 11:10 of its encoding (SDM Vol. 3 25.11.2). */
enum vmcs_width { VMCS_W16 = 0, VMCS_W64 = 1, VMCS_W32 = 2, VMCS_WNAT = 3 };
enum vmcs_kind { VMCS_CONTROL = 0, VMCS_EXIT_INFO = 1, VMCS_GUEST = 2, VMCS_HOST = 3 };

/* Per-processor VMX state (c->vmx, allocated with the processor; inert until VMXON).
 * The current VMCS lives here while it is current (SDM 25.11.1 lets the processor keep it
 * cached); vmcs.c writes it to memory on VMCLEAR, on VMPTRLD of another VMCS and at
 * VMXOFF. Its memory layout is described in vmcs.c. */
struct vmx {
    bool on;             /* in VMX operation (root or non-root) */
    bool nonroot;        /* mirrors c->vmx_nonroot; change both with vmx_set_nonroot() */
    u64 vmxon_region;    /* physical address given to VMXON */
    u64 current_vmcs;    /* current-VMCS pointer; VMCS_NONE when there is none */
    enum vmcs_launch launch; /* launch state of the current VMCS */
    u64 field[VMCS_NSLOTS];  /* the current VMCS, by slot, zero-extended to each width */
    /* Blocking and pending state that lives outside the VMCS while the guest runs. */
    bool nmi_unblocked_by_iret; /* the IRET at iret_icount unblocked (virtual) NMIs: bit 12 */
    u64 iret_icount;
    bool virtual_nmi_blocked;
    u32 pending_db;             /* pending debug exceptions to deliver after VM entry (27.7.3) */
    /* VMX-preemption timer (preempt.c): running, the TSC value at which it reaches 0, and
     * the machine timer that wakes the executor then (registered on first use). */
    bool preempt_on, preempt_registered;
    u64 preempt_tsc;
    struct timer preempt_timer;
    /* EPT of the running guest (ept_gpa.c): set by VM entry, meaningful in non-root
     * operation only (the EPTP cannot change there). */
    bool ept_on;
    struct ept_ctx ept;
    struct vmx_transition tr;   /* VM entry/exit bookkeeping (transition.h) */
    struct vmx_diag diag;       /* -d vmx and the exit summary (diag.h) */
};
#define VMCS_NONE UINT64_MAX

/* Memory layout of a VMCS region (ours; SDM 25.2 leaves it to the implementation):
 * revision ID at 0 (bit 31: shadow-VMCS indicator), VMX-abort indicator at 4, launch state
 * (enum vmcs_launch, u32) at 8, then each field's 8 bytes at its fixed offset
 * (vmcs_fields.h, vmcs_offset_of), from VMCS_DATA_OFFSET up. VMCS_REGION_SIZE is what
 * IA32_VMX_BASIC[44:32] reports (SDM A.1: at most 4096). */
#define VMCS_ABORT_OFFSET 4
#define VMCS_LAUNCH_OFFSET 8
#define VMCS_DATA_OFFSET 16
#define VMCS_REGION_SIZE 4096

/* Encoding -> slot; -1 for an encoding this processor does not support (VMfail 12). The
 * high half of a 64-bit field (encoding | 1) resolves to the field's slot with *high set.
 * Fields of features the model does not offer are unsupported. */
int vmcs_slot_of(struct cpu *c, u32 encoding, bool *high);
/* Static facts of a slot: its encoding, width, kind, KVM name ("GUEST_RIP") and offset in
 * a VMCS region. */
u32 vmcs_encoding(enum vmcs_slot s);
u32 vmcs_offset_of(enum vmcs_slot s);
enum vmcs_width vmcs_width_of(enum vmcs_slot s);
enum vmcs_kind vmcs_kind_of(enum vmcs_slot s);
const char *vmcs_name(enum vmcs_slot s);
/* A VMCS to work on: the current VMCS, which lives in the processor's cache while it is
 * current (SDM 25.11.1), or the region at a physical address, read and written in memory
 * (a VMCS that is not current; a shadow VMCS). vmcs_at() gives the cache when pa is the
 * current VMCS, whose region is stale then. */
struct vmcs_ref {
    struct cpu *c;
    u64 *cache; /* c->vmx->field, or NULL: the region at pa */
    u64 pa;
};
static inline struct vmcs_ref vmcs_current(struct cpu *c)
{
    return (struct vmcs_ref){c, c->vmx->field, c->vmx->current_vmcs};
}
struct vmcs_ref vmcs_at(struct cpu *c, u64 pa);
/* Field access by slot in any VMCS (no checks): values are zero-extended to the field's
 * width on both sides (writes truncate). Natural-width fields hold 64 bits. */
u64 vmcs_read_in(struct vmcs_ref v, enum vmcs_slot s);
void vmcs_write_in(struct vmcs_ref v, enum vmcs_slot s, u64 val);
/* The same for the current VMCS, on the hot paths: one array access. */
static inline u64 vmcs_get(struct cpu *c, enum vmcs_slot s);
void vmcs_set(struct cpu *c, enum vmcs_slot s, u64 v);
/* Value masks per width. */
u64 vmcs_width_mask(enum vmcs_width w);

/* Write the cached current VMCS back to its region (launch state included) / read a
 * region into the cache (vmcs.c). */
void vmcs_flush(struct cpu *c);
void vmcs_load(struct cpu *c, u64 pa);

/* --- VMX instruction outcomes (vmxinsn.c, SDM 31.2) ------------------------------------ */

/* VMsucceed: CF, PF, AF, ZF, SF, OF cleared. */
void vmx_succeed(struct cpu *c);
/* VMfail: VMfailValid(err) if there is a current VMCS (ZF set, VM_INSTRUCTION_ERROR
 * written), VMfailInvalid otherwise (CF set). Other arithmetic flags cleared. */
void vmx_fail(struct cpu *c, enum vm_instruction_error err);
void vmx_fail_invalid(struct cpu *c);

/* --- Capability MSRs (caps.c) --------------------------------------------------------- */

/* IA32_VMX_BASIC (0x480) .. IA32_VMX_PROCBASED_CTLS3 (0x492): false if not a VMX MSR or
 * VMX is not offered (RDMSR then raises #GP). */
bool vmx_msr_read(struct cpu *c, u32 index, u64 *val);
/* The value of one capability MSR of the processor's model, 0 if VMX is not offered or the
 * MSR does not exist on the model. */
u64 vmx_cap(const struct cpu *c, u32 index);
/* Allowed-1 (high half) / allowed-0 (low half) tests on a control MSR. */
static inline bool vmx_ctl_allowed1(const struct cpu *c, u32 msr, u32 bit)
{
    return (vmx_cap(c, msr) >> 32) & bit;
}

/* An EPTP value this processor supports (vmxinv.c; SDM 26.2.1.1): for INVEPT and the
 * VM-entry checks. */
bool vmx_eptp_valid(const struct cpu *c, u64 eptp);

/* --- EPT in non-root operation (ept_gpa.c, SDM 29.3) ----------------------------------- */

/* VM entry, once in non-root operation: take "enable EPT", the EPTP and the capability
 * word for the guest, and with EPT and PAE paging the PDPTEs from the VMCS (27.3.2.4).
 * Returns whether EPT is on. */
bool vmx_ept_enter(struct cpu *c);
/* The guest-physical seam (gpa.c) in non-root operation: `gpa` used as `use` for the
 * access `w` to the address the access uses (*hpa), through EPT when it is on; *writable
 * (final translations, may be NULL) is cleared when the TLB may not cache a write. An EPT
 * violation or misconfiguration is a VM exit (reasons 48, 49), or false for an ACC_NOFAULT
 * access. */
bool vmx_ept_gpa(struct cpu *c, u64 gpa, enum gpa_use use, const struct gpa_why *w, u64 *hpa,
                 bool *writable);

/* --- Transitions (entry.c, exit.c) ---------------------------------------------------- */

/* VMLAUNCH (launch) / VMRESUME after the checks of SDM 26.1 that vmxinsn.c makes (CPL,
 * current VMCS, launch state, MOV-SS blocking): checks controls and host state (VMfail 7/8
 * via vmx_fail), then guest state (VM-entry failure exit), and enters the guest. The caller
 * returns right after it; on success the guest's RIP is in c->next_rip and, for VMLAUNCH,
 * c->vmx->launch = VMCS_LAUNCHED (SDM 27.3). stubs.c has a weak stand-in that fails with
 * error 7: delete stubs.c once entry.c and exit.c are committed. */
void vmx_vmentry(struct cpu *c, bool launch);

/* VM exit with basic reason `reason` (SDM Vol. 3 Appendix C) and exit qualification.
 * Instruction-caused exits first record length and information with vmx_exit_insn().
 * Saves guest state, loads host state (or VMX-aborts) and unwinds to the executor like
 * cpu_raise(). */
NORETURN void vmx_exit(struct cpu *c, u32 reason, u64 qualification);
void vmx_exit_insn(struct cpu *c, const struct insn *i, u32 info);

/* --- Non-root operation (intercept.c) ------------------------------------------------- */

/* An exception or interrupt is about to be delivered in non-root operation: exits instead
 * if the exception bitmap, external-interrupt exiting or NMI exiting says so (then does not
 * return). Called from the executor's delivery paths. */
void vmx_event_intercept(struct cpu *c, int vector, enum event_kind kind, int error);

/* --- Glue with the rest of the processor (vmxinsn.c, vmxon.c) -------------------------- */

/* Handlers reached from the system family's group opcodes: 0F 01 /0 C1-C4 and /2 D4
 * (VMCALL VMLAUNCH VMRESUME VMXOFF VMFUNC), 0F C7 /6 and /7 memory forms (VMPTRLD,
 * VMCLEAR, VMXON, VMPTRST). */
void vmx_op_grp7(struct cpu *c, const struct insn *i);
void vmx_op_grp9(struct cpu *c, const struct insn *i);
/* MOV to CR0/CR4 in VMX operation: false if the value breaks IA32_VMX_CR0/CR4_FIXED0/1
 * (SDM 24.8); the caller raises #GP(0). Always true outside VMX operation. */
bool vmx_cr_allowed(const struct cpu *c, int cr, u64 val);
/* Set root / non-root (keeps c->vmx_nonroot and c->vmx->nonroot together). */
static inline void vmx_set_nonroot(struct cpu *c, bool nonroot)
{
    c->vmx_nonroot = nonroot;
    c->vmx->nonroot = nonroot;
}
/* INIT is blocked in VMX root operation (SDM 24.8, 27.2 for non-root: it exits). */
static inline bool vmx_init_blocked(const struct cpu *c)
{
    return c->vmx && c->vmx->on && !c->vmx_nonroot;
}
/* Allocate / free c->vmx (machine.c) and reset it (processor reset leaves VMX operation). */
struct vmx *vmx_create(void);
void vmx_destroy(struct vmx *v);
void vmx_reset(struct cpu *c);

static inline u64 vmcs_get(struct cpu *c, enum vmcs_slot s) { return c->vmx->field[s]; }

#endif
