/* VM entry after the checks (SDM Vol. 3 27.3.2 loading guest state, 27.4 the MSR-load list,
 * 27.6 event injection, 27.7 special features). VMLAUNCH/VMRESUME (vmxinsn.c) call
 * vmx_vmentry once their own VMfail checks have passed.
 *
 * TLB: Vanderpool tags nothing with VPIDs yet, so every VM entry and exit flushes the TLB
 * and the jump caches (the SDM allows flushing more than required). Decoded blocks do not
 * depend on root/non-root: every intercept is a run-time test of c->vmx_nonroot, so blocks
 * stay keyed by code size only. */
#include "../cpu/cpumodel.h"
#include "../cpu/debug.h"
#include "../cpu/sysreg.h"
#include "../machine/debugger.h"
#include "../machine/machine.h"
#include "entry_checks.h"
#include "intercept.h"
#include "msr_list.h"
#include "timing.h"

static void load_seg(struct cpu *c, int s)
{
    struct seg *g = &c->seg[s];
    g->sel = (u16)vmcs_get(c, vmx_gseg_sel(s));
    g->base = vmcs_get(c, vmx_gseg_base(s));
    g->limit = vmcs_get32(c, vmx_gseg_limit(s));
    g->ar = vmcs_get32(c, vmx_gseg_ar(s)) & 0x1f0ff;
}

/* SDM 27.3.2.1-27.3.2.5: control and debug registers, MSRs, segments, descriptor tables,
 * RIP, RSP, RFLAGS. */
static void load_guest_registers(struct cpu *c)
{
    u32 entry = vmcs_get32(c, VMCS_VM_ENTRY_CONTROLS);
    bool ia32e = entry & ENTRY_IA32E_MODE;
    c->cr0 = vmcs_get(c, VMCS_GUEST_CR0);
    c->cr3 = vmcs_get(c, VMCS_GUEST_CR3);
    c->cr4 = vmcs_get(c, VMCS_GUEST_CR4);
    if (entry & ENTRY_LOAD_DEBUG_CONTROLS) {
        c->dr[7] = vmcs_get(c, VMCS_GUEST_DR7) | 0x400;
        c->debugctl = vmcs_get(c, VMCS_GUEST_IA32_DEBUGCTL); /* checked by 27.3.1.1 */
    }
    c->sysenter_cs = vmcs_get32(c, VMCS_GUEST_SYSENTER_CS);
    c->sysenter_esp = vmcs_get(c, VMCS_GUEST_SYSENTER_ESP);
    c->sysenter_eip = vmcs_get(c, VMCS_GUEST_SYSENTER_EIP);
    if (entry & ENTRY_LOAD_PAT) c->pat = vmcs_get(c, VMCS_GUEST_IA32_PAT);
    /* SDM 27.3.2.1: without "load IA32_EFER", LMA follows "IA-32e mode guest", and so does
     * LME when CR0.PG is 1. */
    if (entry & ENTRY_LOAD_EFER) {
        c->efer = vmcs_get(c, VMCS_GUEST_IA32_EFER);
    } else {
        c->efer = (c->efer & ~(u64)EFER_LMA) | (ia32e ? EFER_LMA : 0);
        if (c->cr0 & CR0_PG) c->efer = (c->efer & ~(u64)EFER_LME) | (ia32e ? EFER_LME : 0);
    }
    for (int s = 0; s < 8; s++) load_seg(c, s);
    c->gdtr.base = vmcs_get(c, VMCS_GUEST_GDTR_BASE);
    c->gdtr.limit = vmcs_get32(c, VMCS_GUEST_GDTR_LIMIT);
    c->idtr.base = vmcs_get(c, VMCS_GUEST_IDTR_BASE);
    c->idtr.limit = vmcs_get32(c, VMCS_GUEST_IDTR_LIMIT);
    c->r[RSP] = vmcs_get(c, VMCS_GUEST_RSP);
    c->rip = c->next_rip = vmcs_get(c, VMCS_GUEST_RIP);
    c->lf.op = 0;
    c->rflags = vmcs_get(c, VMCS_GUEST_RFLAGS);
    c->cpl = (u8)((c->seg[SEG_SS].ar & AR_DPL) >> AR_DPL_SHIFT); /* SDM 27.3.2.2 */
}

/* SDM 27.3.2.5 / 27.7.1 / 27.7.2: activity and interruptibility state. */
static void load_guest_events(struct cpu *c)
{
    struct vmx *v = c->vmx;
    u32 intr = vmcs_get32(c, VMCS_GUEST_INTERRUPTIBILITY_INFO);
    u32 act = vmcs_get32(c, VMCS_GUEST_ACTIVITY_STATE);
    c->interrupt_shadow = intr & (INTR_BLOCK_STI | INTR_BLOCK_MOVSS);
    c->shadow_movss = intr & INTR_BLOCK_MOVSS;
    c->shadow_icount = c->icount; /* covers the boundary before the first guest instruction */
    if (vmcs_get32(c, VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_VIRTUAL_NMIS)
        v->virtual_nmi_blocked = intr & INTR_BLOCK_NMI;
    else
        c->nmi_blocked = intr & INTR_BLOCK_NMI;
    c->halted = act == ACT_HLT;
    c->shutdown = act == ACT_SHUTDOWN;
    c->wait_for_sipi = act == ACT_WAIT_SIPI;
    c->check_events = true;
    c->delivering = -1;
    v->tr.vectoring = 0;
    v->tr.mtf_pending = false;
    /* 27.7.3: valid pending debug exceptions (B3:0, enabled breakpoint, BS) are delivered
     * as a #DB trap after a non-vectoring entry, or held by blocking by MOV SS. */
    u32 pdbg = (u32)vmcs_get(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS) & (0xfu | BIT(12) | BIT(14));
    bool vectoring = vmcs_get32(c, VMCS_VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID;
    v->pending_db = 0;
    c->db_pending = 0;
    if (pdbg && !vectoring) {
        if (intr & INTR_BLOCK_MOVSS) c->db_pending = pdbg & (0xfu | DR6_BS);
        else v->pending_db = pdbg;
    }
    /* Monitor trap flag: the executor runs the guest one instruction at a time (25.5.2). */
    c->vmx_step = vmx_proc(c, CPU_MONITOR_TRAP_FLAG);
}


/* SDM 27.6: inject the event of the VM-entry interruption-information field through the
 * guest IDT as an event of that kind would be delivered, with the VM-entry instruction
 * length for software events. A fault on the way is a guest fault (27.6.1.2). */
static void inject_event(struct cpu *c, u32 info)
{
    unsigned type = intr_info_type(info), vec = info & 0xff;
    int err = (info & INTR_INFO_ERRCODE) ? (int)vmcs_get32(c, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE) : NO_ERRCODE;
    vmcs_set(c, VMCS_VM_ENTRY_INTR_INFO_FIELD, info & ~(u32)INTR_INFO_VALID);
    if (type == INTR_TYPE_OTHER) {
        c->vmx->tr.mtf_pending = true; /* pending MTF VM exit (27.7.4) */
        c->check_events = true;
        return;
    }
    struct vmx_transition *t = &c->vmx->tr;
    c->halted = false;
    if (type == EV_SWINT || type == EV_SWEXC || type == EV_PRIV_SWEXC)
        c->next_rip = c->rip + vmcs_get32(c, VMCS_VM_ENTRY_INSTRUCTION_LEN);
    /* 27.6.1.2: an injected NMI blocks NMIs, or virtual NMIs with "virtual NMIs". */
    if (type == EV_NMI) {
        if (vmcs_get32(c, VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_VIRTUAL_NMIS) c->vmx->virtual_nmi_blocked = true;
        else c->nmi_blocked = true;
    }
    /* 25.5.2: with the monitor trap flag, an MTF VM exit is pending after the delivery. */
    if (vmx_proc(c, CPU_MONITOR_TRAP_FLAG)) t->mtf_pending = true;
    if (type == EV_HWEXC && (vec == EXC_DF || vec == EXC_PF || vec == EXC_DE || (vec >= 10 && vec <= 13)))
        c->delivering = (int)vec;
    t->injecting = true; /* the exception bitmap does not apply (27.6.1.2) */
    intr_deliver(c, (int)vec, (enum event_kind)type, err);
    t->injecting = false;
    c->delivering = -1;
}

void vmx_vmentry(struct cpu *c, bool launch)
{
    struct vmx *v = c->vmx;
    struct entry_verdict ver = vmx_entry_checks(c);
    v->tr.last_check = ver.name;
    vmx_diag_check(c, ver.name, ver.section);
    if (ver.fail && unlikely(c->m->dbg_vmx)) dbg_vmx_event(c, DBG_VMX_ENTRY_FAIL, ver.fail, ver.name);
    if (ver.fail == VMERR_ENTRY_INVALID_CONTROLS || ver.fail == VMERR_ENTRY_INVALID_HOST) {
        vmx_fail(c, (enum vm_instruction_error)ver.fail); /* SDM 27.2 */
        return;
    }
    if (ver.fail) vmx_entry_fail_exit(c, VMX_EXIT_INVALID_STATE, ver.qual); /* SDM 27.8 */

    u64 host_rip = c->next_rip;
    load_guest_registers(c);
    vmx_set_nonroot(c, true);
    /* PAE paging without EPT: the PDPTEs come from guest CR3 (27.3.2.4); checked above.
     * With EPT they come from the VMCS (vmx_ept_enter, ept_gpa.c). */
    if (!vmx_ept_enter(c) && paging_pae_legacy(c)) paging_load_pdptes(c, c->cr3);
    /* The guest's translations are tagged with its VPID (0 with "enable VPID" = 0) and
     * EP4TA, EPTP bits 51:12 (SDM 29.1, 29.4.1); 29.4.3.3 says what the entry drops. */
    bool vpid_on = vmx_proc2(c) & SEC_VPID;
    c->tlb_vpid = vpid_on ? (u16)vmcs_get(c, VMCS_VIRTUAL_PROCESSOR_ID) : 0;
    c->tlb_ep4ta = c->vmx->ept_on ? c->vmx->ept.eptp & 0x000ffffffffff000ull : 0;
    tlb_transition(c, !vpid_on);
    cpu_update_mode(c);
    /* SDM 27.4: the VM-entry MSR-load list. */
    u32 bad = vmx_msr_list_load(c, vmcs_get(c, VMCS_VM_ENTRY_MSR_LOAD_ADDR),
                                vmcs_get32(c, VMCS_VM_ENTRY_MSR_LOAD_COUNT), "VM-entry");
    if (bad) {
        c->next_rip = host_rip;
        vmx_entry_fail_exit(c, VMX_EXIT_MSR_LOAD_FAIL, bad);
    }
    if (launch) v->launch = VMCS_LAUNCHED;
    v->tr.entries++;
    load_guest_events(c);
    vmx_diag_entry(c, launch);
    if (unlikely(c->m->dbg_vmx)) dbg_vmx_event(c, DBG_VMX_ENTRY, 0, NULL);
    /* The entry's time (timing.h); the instruction's own tick, when it retires, is its last. */
    cpu_stall(c, VMX_ENTRY_TICKS - 1);
    vmx_preempt_start(c);
    u32 info = vmcs_get32(c, VMCS_VM_ENTRY_INTR_INFO_FIELD);
    if (info & INTR_INFO_VALID) inject_event(c, info);
}
