/* VM exits (SDM Vol. 3 chapter 28): exit information (28.2), saving guest state (28.3) and
 * MSRs (28.4), loading host state (28.5) and MSRs (28.6), VMX aborts (28.7). A VM exit
 * unwinds to the executor like cpu_raise() with exc_vector -1, and the executor carries on
 * at HOST_RIP. */
#include "../cpu/cpumodel.h"
#include "../cpu/debug.h"
#include "../cpu/sysreg.h"
#include "../machine/debugger.h"
#include "../machine/machine.h"
#include "ctls.h"
#include "msr_list.h"
#include "intercept.h"


const char *vmx_exit_reason_name(u32 reason)
{
    switch (reason & 0xffff) {
#define EXIT_REASON(name, num, text) case num: return text;
#include "exit_reasons.h"
#include "timing.h"
#undef EXIT_REASON
    default: return "?";
    }
}

void vmx_exit_insn(struct cpu *c, const struct insn *i, u32 info)
{
    vmcs_set(c, VMCS_VM_EXIT_INSTRUCTION_LEN, i->len); /* SDM 28.2.5 */
    vmcs_set(c, VMCS_VMX_INSTRUCTION_INFO, info);
}

/* VMX abort (SDM 28.7): the indicator goes to offset 4 of the VMCS region and the
 * processor shuts down until RESET. */
static NORETURN void vmx_abort(struct cpu *c, u32 code)
{
    vmcs_flush(c);
    phys_write(c->m, c, c->vmx->current_vmcs + VMCS_ABORT_OFFSET, 4, code);
    vmx_diag_abort(c, code);
    vmx_set_nonroot(c, false);
    c->shutdown = c->shutdown_until_reset = true;
    c->halted = false;
    c->exc_vector = -1;
    longjmp(c->unwind, 1);
}

/* --- 28.3 saving guest state ------------------------------------------------------------ */

static void save_seg(struct cpu *c, int s)
{
    const struct seg *g = &c->seg[s];
    vmcs_set(c, vmx_gseg_sel(s), g->sel);
    vmcs_set(c, vmx_gseg_base(s), g->base);
    vmcs_set(c, vmx_gseg_limit(s), g->limit);
    vmcs_set(c, vmx_gseg_ar(s), g->ar & 0x1f0ff);
}

static void save_guest(struct cpu *c)
{
    u32 exitc = vmcs_get32(c, VMCS_VM_EXIT_CONTROLS);
    vmcs_set(c, VMCS_GUEST_CR0, c->cr0);
    vmcs_set(c, VMCS_GUEST_CR3, c->cr3);
    vmcs_set(c, VMCS_GUEST_CR4, c->cr4);
    if (exitc & EXIT_SAVE_DEBUG_CONTROLS) {
        vmcs_set(c, VMCS_GUEST_DR7, c->dr[7]);
        vmcs_set(c, VMCS_GUEST_IA32_DEBUGCTL, c->debugctl);
    }
    vmcs_set(c, VMCS_GUEST_RSP, c->r[RSP]);
    vmcs_set(c, VMCS_GUEST_RIP, c->rip);
    vmcs_set(c, VMCS_GUEST_RFLAGS, cpu_get_rflags(c));
    for (int s = 0; s < 8; s++) save_seg(c, s);
    vmcs_set(c, VMCS_GUEST_GDTR_BASE, c->gdtr.base);
    vmcs_set(c, VMCS_GUEST_GDTR_LIMIT, c->gdtr.limit);
    vmcs_set(c, VMCS_GUEST_IDTR_BASE, c->idtr.base);
    vmcs_set(c, VMCS_GUEST_IDTR_LIMIT, c->idtr.limit);
    vmcs_set(c, VMCS_GUEST_SYSENTER_CS, c->sysenter_cs);
    vmcs_set(c, VMCS_GUEST_SYSENTER_ESP, c->sysenter_esp);
    vmcs_set(c, VMCS_GUEST_SYSENTER_EIP, c->sysenter_eip);
    if (exitc & EXIT_SAVE_PAT) vmcs_set(c, VMCS_GUEST_IA32_PAT, c->pat);
    if (exitc & EXIT_SAVE_EFER) vmcs_set(c, VMCS_GUEST_IA32_EFER, c->efer);
    if (paging_pae_legacy(c) && (vmx_proc2(c) & SEC_EPT))
        for (int k = 0; k < 4; k++) vmcs_set(c, (enum vmcs_slot)(VMCS_GUEST_PDPTR0 + k), c->pdpte[k]);
    /* 28.3.4: activity and interruptibility state; blocking by STI or by MOV SS holds while
     * the instruction after it has not completed. */
    u32 act = c->shutdown ? ACT_SHUTDOWN : c->wait_for_sipi ? ACT_WAIT_SIPI : c->halted ? ACT_HLT : ACT_ACTIVE;
    vmcs_set(c, VMCS_GUEST_ACTIVITY_STATE, act);
    bool shadow = c->interrupt_shadow && c->icount <= c->shadow_icount + 1;
    u32 intr = shadow ? (c->shadow_movss ? INTR_BLOCK_MOVSS : INTR_BLOCK_STI) : 0;
    bool vnmi = vmcs_get32(c, VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_VIRTUAL_NMIS;
    if (vnmi ? c->vmx->virtual_nmi_blocked : c->nmi_blocked) intr |= INTR_BLOCK_NMI;
    vmcs_set(c, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
    /* 28.3.4: debug traps held back by MOV SS, or not yet delivered after entry. */
    vmcs_set(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, (c->db_pending & (0xfu | DR6_BS)) | c->vmx->pending_db);
    c->db_pending = 0;
    c->vmx->pending_db = 0;
    if (exitc & EXIT_SAVE_PREEMPTION_TIMER) vmcs_set(c, VMCS_VMX_PREEMPTION_TIMER_VALUE, vmx_preempt_value(c));
    /* 28.2: "IA-32e mode guest" records EFER.LMA. */
    u32 entry = vmcs_get32(c, VMCS_VM_ENTRY_CONTROLS) & ~(u32)ENTRY_IA32E_MODE;
    vmcs_set(c, VMCS_VM_ENTRY_CONTROLS, entry | ((c->efer & EFER_LMA) ? ENTRY_IA32E_MODE : 0));
}

/* 28.4: the VM-exit MSR-store list. */
static void store_msrs(struct cpu *c)
{
    u32 n = vmcs_get32(c, VMCS_VM_EXIT_MSR_STORE_COUNT);
    u64 a = vmcs_get(c, VMCS_VM_EXIT_MSR_STORE_ADDR);
    u32 max = vmx_msr_list_max(c);
    for (u32 k = 0; k < n; k++) {
        u64 e = a + 16 * (u64)k;
        u64 idx = phys_read(c->m, c, e, 8), val;
        u32 msr = (u32)idx;
        if ((idx >> 32) || (msr >> 8) == 8 || msr == 0x9e || k >= max || !msr_read(c, msr, &val)) vmx_abort(c, 1);
        phys_write(c->m, c, e + 8, 8, val);
    }
}

/* --- 28.5 loading host state ------------------------------------------------------------ */

static void host_seg(struct cpu *c, int s, u16 sel, u64 base, u32 limit, u32 ar)
{
    struct seg *g = &c->seg[s];
    g->sel = sel;
    g->base = base;
    g->limit = limit;
    g->ar = ar;
}

void vmx_load_host_state(struct cpu *c)
{
    u32 exitc = vmcs_get32(c, VMCS_VM_EXIT_CONTROLS);
    bool host64 = exitc & EXIT_HOST_ADDR_SPACE_SIZE;
    /* 28.5.1: CR0 bits ET/CD/NW and reserved bits keep their values. */
    u64 keep0 = CR0_ET | CR0_CD | CR0_NW | 0xffffffff1ffaffc0ull;
    c->cr0 = (c->cr0 & keep0) | (vmcs_get(c, VMCS_HOST_CR0) & ~keep0);
    c->cr3 = vmcs_get(c, VMCS_HOST_CR3);
    c->cr4 = vmcs_get(c, VMCS_HOST_CR4);
    c->dr[7] = 0x400;
    c->debugctl = 0; /* 28.5.1: "IA32_DEBUGCTL MSR is cleared to 00000000H" */
    c->sysenter_cs = vmcs_get32(c, VMCS_HOST_IA32_SYSENTER_CS);
    c->sysenter_esp = vmcs_get(c, VMCS_HOST_IA32_SYSENTER_ESP);
    c->sysenter_eip = vmcs_get(c, VMCS_HOST_IA32_SYSENTER_EIP);
    if (exitc & EXIT_LOAD_PAT) c->pat = vmcs_get(c, VMCS_HOST_IA32_PAT);
    if (exitc & EXIT_LOAD_EFER) c->efer = vmcs_get(c, VMCS_HOST_IA32_EFER);
    else if (host64) c->efer |= EFER_LMA | EFER_LME;
    else c->efer &= ~(u64)(EFER_LMA | EFER_LME);
    /* 28.5.2: segments. CS is a flat accessed code segment; null data selectors make the
     * register unusable. */
    u32 code_ar = 0x9b | AR_G | (host64 ? AR_L : AR_DB);
    host_seg(c, SEG_CS, (u16)vmcs_get(c, VMCS_HOST_CS_SELECTOR), 0, 0xffffffff, code_ar);
    static const int data[5] = {SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};
    for (int k = 0; k < 5; k++) {
        int s = data[k];
        u16 sel = (u16)vmcs_get(c, vmx_hseg_sel(s));
        u64 base = s == SEG_FS ? vmcs_get(c, VMCS_HOST_FS_BASE) : s == SEG_GS ? vmcs_get(c, VMCS_HOST_GS_BASE) : 0;
        u32 ar = 0x93 | AR_DB | AR_G;
        if (!sel) ar |= AR_UNUSABLE;
        host_seg(c, s, sel, base, 0xffffffff, ar);
    }
    host_seg(c, SEG_TR, (u16)vmcs_get(c, VMCS_HOST_TR_SELECTOR), vmcs_get(c, VMCS_HOST_TR_BASE), 0x67, 0x8b);
    host_seg(c, SEG_LDTR, 0, 0, 0, 0x82 | AR_UNUSABLE);
    c->gdtr.base = vmcs_get(c, VMCS_HOST_GDTR_BASE);
    c->gdtr.limit = 0xffff;
    c->idtr.base = vmcs_get(c, VMCS_HOST_IDTR_BASE);
    c->idtr.limit = 0xffff;
    c->r[RSP] = vmcs_get(c, VMCS_HOST_RSP);
    c->rip = c->next_rip = vmcs_get(c, VMCS_HOST_RIP);
    c->lf.op = 0;
    c->rflags = FL_FIXED1; /* 28.5.3 */
    c->cpl = 0;
    c->interrupt_shadow = false;
    c->halted = c->wait_for_sipi = c->shutdown = false; /* exits from shutdown too (27.7.2) */
    c->delivering = -1;
    c->check_events = true;
    vmx_set_nonroot(c, false);
    /* Non-root machinery stops: preemption timer, pending MTF, event delivery. */
    vmx_preempt_stop(c);
    c->vmx_step = false;
    c->vmx->tr.mtf_pending = false;
    c->vmx->tr.vectoring = 0;
    c->vmx->tr.injecting = false;
    /* 28.5.4: PAE paging for a 32-bit host loads the PDPTEs; a bad one is a VMX abort. */
    if (paging_pae_legacy(c) && !paging_load_pdptes(c, c->cr3)) vmx_abort(c, 2);
    /* Root operation's translations are VPID 0's, without EPT (29.1); with "enable VPID"
     * = 0 the exit drops VPID 0's linear and combined mappings (29.4.3.3). */
    c->tlb_vpid = 0;
    c->tlb_ep4ta = 0;
    tlb_transition(c, !(vmx_proc2(c) & SEC_VPID));
    cpu_update_mode(c);
}

/* 28.6: the VM-exit MSR-load list; a failure is a VMX abort. */
static void load_host_msrs(struct cpu *c)
{
    if (vmx_msr_list_load(c, vmcs_get(c, VMCS_VM_EXIT_MSR_LOAD_ADDR), vmcs_get32(c, VMCS_VM_EXIT_MSR_LOAD_COUNT),
                          "VM-exit"))
        vmx_abort(c, 4);
}

static NORETURN void unwind(struct cpu *c, u32 reason, u64 qual)
{
    struct vmx *v = c->vmx;
    if ((reason & 0xffff) < VMX_EXIT_REASONS_MAX) v->tr.exits[reason & 0xffff]++;
    vmx_diag_exit(c, reason, qual);
    if (unlikely(c->m->dbg_vmx)) dbg_vmx_event(c, DBG_VMX_EXIT, reason, NULL);
    cpu_stall(c, VMX_EXIT_TICKS); /* the exit's time (timing.h) */
    c->exc_vector = -1;
    c->exc_error = NO_ERRCODE;
    c->cur_block = NULL;
    longjmp(c->unwind, 1);
}

/* Exit information common to all exits (28.2.1). */
static void record(struct cpu *c, u32 reason, u64 qual)
{
    vmcs_set(c, VMCS_VM_EXIT_REASON, reason);
    vmcs_set(c, VMCS_EXIT_QUALIFICATION, qual);
    /* The valid bit of the VM-entry interruption information is cleared on every exit. */
    u32 inj = vmcs_get32(c, VMCS_VM_ENTRY_INTR_INFO_FIELD);
    vmcs_set(c, VMCS_VM_ENTRY_INTR_INFO_FIELD, inj & ~(u32)INTR_INFO_VALID);
}

/* 28.2.4: the exit happened while an event was being delivered (intr_deliver had begun and
 * not finished it): IDT-vectoring information, its error code and, for software events,
 * the instruction length (28.2.5). */
static void record_vectoring(struct cpu *c)
{
    struct vmx_transition *t = &c->vmx->tr;
    bool during = t->vectoring & INTR_INFO_VALID;
    vmcs_set(c, VMCS_IDT_VECTORING_INFO_FIELD, during ? t->vectoring : 0);
    if (during && (t->vectoring & INTR_INFO_ERRCODE)) vmcs_set(c, VMCS_IDT_VECTORING_ERROR_CODE, t->vectoring_err);
    unsigned type = intr_info_type(t->vectoring);
    if (during && (type == EV_SWINT || type == EV_SWEXC || type == EV_PRIV_SWEXC))
        vmcs_set(c, VMCS_VM_EXIT_INSTRUCTION_LEN, t->vectoring_len);
    t->vectoring = 0;
}

NORETURN void vmx_exit_full(struct cpu *c, u32 reason, u64 qual, u64 glinear, u64 gphys)
{
    /* Exits that are not events leave the interruption information invalid (28.2.2). */
    if (reason != VMX_EXIT_EXCEPTION_NMI && reason != VMX_EXIT_EXTERNAL_INTERRUPT)
        vmcs_set(c, VMCS_VM_EXIT_INTR_INFO, 0);
    record(c, reason, qual);
    vmcs_set(c, VMCS_GUEST_LINEAR_ADDRESS, glinear);
    vmcs_set(c, VMCS_GUEST_PHYSICAL_ADDRESS, gphys);
    record_vectoring(c);
    save_guest(c);
    store_msrs(c);
    /* 28.5: a 64-bit guest can't return to a 32-bit host. */
    if ((c->efer & EFER_LMA) && !(vmcs_get32(c, VMCS_VM_EXIT_CONTROLS) & EXIT_HOST_ADDR_SPACE_SIZE))
        vmx_abort(c, 6);
    vmx_load_host_state(c);
    load_host_msrs(c);
    unwind(c, reason, qual);
}

NORETURN void vmx_exit(struct cpu *c, u32 reason, u64 qualification)
{
    vmx_exit_full(c, reason, qualification, 0, 0);
}

/* SDM 27.8: VM-entry failure during or after loading guest state: exit information, no
 * guest state or MSRs saved, host state and the VM-exit MSR-load list loaded. */
NORETURN void vmx_entry_fail_exit(struct cpu *c, u32 reason, u64 qual)
{
    record(c, reason | EXIT_REASON_ENTRY_FAIL, qual);
    vmcs_set(c, VMCS_VM_EXIT_INTR_INFO, 0);
    vmx_load_host_state(c);
    load_host_msrs(c);
    unwind(c, reason | EXIT_REASON_ENTRY_FAIL, qual);
}
