/* Events in VMX non-root operation (SDM Vol. 3 26.2): exceptions against the exception
 * bitmap and the page-fault error-code mask/match, NMI and external-interrupt exiting
 * (with acknowledge-interrupt-on-exit), interrupt- and NMI-window exiting, INIT and SIPI,
 * triple faults, with the interruption information of SDM 28.2.2. Event delivery that is
 * under way (for IDT-vectoring information, 28.2.4) and IRET's effect on NMI blocking
 * (26.3) are tracked here too. */
#include "../cpu/debug.h"
#include "../machine/machine.h"
#include "ctls.h"
#include "intercept.h"

static u32 event_info(int vector, enum event_kind kind, int error)
{
    return (u32)vector | (u32)kind << 8 | (error != NO_ERRCODE ? INTR_INFO_ERRCODE : 0) | INTR_INFO_VALID;
}

static bool bitmap_exits(struct cpu *c, int vector, int error)
{
    u32 bm = vmcs_get32(c, VMCS_EXCEPTION_BITMAP);
    bool bit = (bm >> vector) & 1;
    if (vector != EXC_PF) return bit;
    /* 26.2: #PF exits iff bit 14 equals ((PFEC & mask) == match). */
    u32 mask = vmcs_get32(c, VMCS_PAGE_FAULT_ERROR_CODE_MASK), match = vmcs_get32(c, VMCS_PAGE_FAULT_ERROR_CODE_MATCH);
    return bit == (((u32)error & mask) == match);
}

/* 28.2.2: bit 12 "NMI unblocking due to IRET" of the exit interruption information, for a
 * fault on the IRET that unblocked NMIs (or virtual NMIs); undefined (0 here) with IDT-vectoring
 * information valid, for #DF, and with NMI exiting but no virtual NMIs. deliver_exception has
 * already counted the delivery tick, so the faulting IRET is at icount - 1. */
static u32 iret_unblock_bit(struct cpu *c, int vector)
{
    struct vmx *v = c->vmx;
    bool hit = v->nmi_unblocked_by_iret && v->iret_icount + 1 == c->icount;
    if (!hit || vector == EXC_DF || (v->tr.vectoring & INTR_INFO_VALID)) return 0;
    return INTR_INFO_NMI_UNBLOCK;
}

void vmx_event_intercept(struct cpu *c, int vector, enum event_kind kind, int error)
{
    bool exc = kind == EV_HWEXC || kind == EV_SWEXC || kind == EV_PRIV_SWEXC;
    if (!exc || vector >= 32 || !bitmap_exits(c, vector, error)) return;
    /* Qualification (28.2.1): the faulting linear address for #PF (CR2 is not written,
     * 28.1), for #DB the DR6-style bits of this exception (B3:0, BD, BS; DR6 and DR7.GD
     * are not written, 28.1), 0 otherwise (INT1 reports none). */
    u64 q = vector == EXC_PF ? c->fault_addr : 0;
    if (vector == EXC_DB && kind == EV_HWEXC) q = c->db_raised & (DR6_B_MASK | DR6_BD | DR6_BS);
    c->db_raised = 0;
    vmcs_set(c, VMCS_VM_EXIT_INTR_INFO, event_info(vector, kind, error) | iret_unblock_bit(c, vector));
    /* A double fault that exits directly is not an exit during the delivery of the event
     * that led to it (28.2.4): the IDT-vectoring information stays invalid. */
    if (vector == EXC_DF && kind == EV_HWEXC) c->vmx->tr.vectoring = 0;
    if (error != NO_ERRCODE) vmcs_set(c, VMCS_VM_EXIT_INTR_ERROR_CODE, (u32)error);
    /* 28.2.5: software exceptions (INT3, INTO, INT1) give their instruction length. */
    if (kind != EV_HWEXC) vmcs_set(c, VMCS_VM_EXIT_INSTRUCTION_LEN, c->next_rip - c->rip);
    vmx_exit(c, VMX_EXIT_EXCEPTION_NMI, q);
}

/* intr_deliver begins delivering an event through the guest IDT. Software exceptions come
 * here without passing deliver_exception, so the exception bitmap is applied to them here
 * (unless VM entry is injecting them, 26.6.1.2). */
void vmx_delivery_begin(struct cpu *c, int vector, enum event_kind kind, int error)
{
    struct vmx_transition *t = &c->vmx->tr;
    bool injected = t->injecting;
    t->injecting = false;
    if ((kind == EV_SWEXC || kind == EV_PRIV_SWEXC) && !injected) vmx_event_intercept(c, vector, kind, error);
    /* A #PF delivered (not exiting, not injected) writes CR2 now (27.1). */
    if (kind == EV_HWEXC && !injected && (vector == EXC_PF || (vector == EXC_DF && c->exc_vector == EXC_PF)))
        c->cr2 = c->fault_addr;
    t->vectoring = event_info(vector, kind, error);
    t->vectoring_err = (u32)error;
    t->vectoring_len = (u32)(c->next_rip - c->rip);
}

void vmx_delivery_end(struct cpu *c) { c->vmx->tr.vectoring = 0; }

/* Nor is a triple fault an exit during event delivery (28.2.4), though it arises while
 * the double fault is being delivered: the IDT-vectoring information is invalid (KVM
 * reports an internal error for a triple-fault exit that has it). */
NORETURN void vmx_triple_fault(struct cpu *c)
{
    c->vmx->tr.vectoring = 0;
    vmx_exit(c, VMX_EXIT_TRIPLE_FAULT, 0);
}

/* Task switch (26.4.2, exit reason 9). Nothing of the switch has happened: the old and new
 * TSS are not touched (the SDM leaves their page faults' order to the implementation).
 * Qualification (28.2.1 Table 28-2): TSS selector in 15:0, source in 31:30. Instruction
 * length (28.2.5) for CALL, IRET and JMP; through the IDT the exit happens during event
 * delivery, so the IDT-vectoring information (and, for INT n / INT3 / INTO, the length)
 * comes from record_vectoring. The instruction information is undefined: 0. */
NORETURN void vmx_task_switch(struct cpu *c, u16 sel, unsigned source)
{
    vmcs_set(c, VMCS_VM_EXIT_INSTRUCTION_LEN, source == 3 ? 0 : c->next_rip - c->rip);
    vmcs_set(c, VMCS_VMX_INSTRUCTION_INFO, 0);
    vmx_exit(c, VMX_EXIT_TASK_SWITCH, (u64)sel | (u64)(source & 3) << 30);
}

/* IRET in non-root operation (26.3 "IRET"): with NMI exiting 0 it unblocks NMIs as usual;
 * with NMI exiting 1 it leaves NMI blocking alone, and with virtual NMIs it removes
 * virtual-NMI blocking. Blocking is gone even if IRET then faults (28.1). */
void vmx_iret(struct cpu *c)
{
    struct vmx *v = c->vmx;
    u32 pin = vmcs_get32(c, VMCS_PIN_BASED_VM_EXEC_CONTROL);
    bool *blocked = !(pin & PIN_NMI_EXITING) ? &c->nmi_blocked : (pin & PIN_VIRTUAL_NMIS) ? &v->virtual_nmi_blocked : NULL;
    v->nmi_unblocked_by_iret = blocked && *blocked;
    v->iret_icount = c->icount;
    if (v->nmi_unblocked_by_iret) {
        *blocked = false;
        c->check_events = true;
    }
}

static bool shadowed(const struct cpu *c)
{
    return c->interrupt_shadow && c->icount <= c->shadow_icount + 1;
}

/* The executor runs one instruction alone: arm the MTF VM exit for the boundary after it
 * (25.5.2). An instruction that exits clears it (exit.c); a fault delivered through the
 * IDT keeps it, so the exit comes before the handler's first instruction. */
void vmx_step_begin(struct cpu *c)
{
    if (vmx_proc(c, CPU_MONITOR_TRAP_FLAG)) {
        c->vmx->tr.mtf_pending = true;
        c->check_events = true;
    }
}

/* SDM 26.5.2: "MTF VM exits take priority over debug-trap exceptions"; the trap is saved
 * in the pending-debug-exceptions field (28.3.4): B3:0 of the matched breakpoints, bit 12
 * if one of them is enabled in DR7 (every data and I/O breakpoint we report is), BS. */
bool vmx_mtf_holds_db(struct cpu *c, u32 bits)
{
    struct vmx *v = c->vmx;
    if (!v->tr.mtf_pending) return false;
    u32 b = bits & DR6_B_MASK;
    v->pending_db |= b | (b ? PDBG_ENABLED_BP : 0) | (bits & DR6_BS);
    return true;
}

/* Events on an instruction boundary, highest priority first (SDM Vol. 3 6.9 and 26.2,
 * 25.5.1): INIT, SIPI, pending MTF, the preemption timer, NMI window, NMI, interrupt
 * window, external interrupt. */
void vmx_pending_events(struct cpu *c)
{
    struct vmx *v = c->vmx;
    u32 pin = vmcs_get32(c, VMCS_PIN_BASED_VM_EXEC_CONTROL);
    u32 proc = vmcs_get32(c, VMCS_CPU_BASED_VM_EXEC_CONTROL);
    c->next_rip = c->rip;
    if (c->init_pending) { /* 26.2: INIT signals exit */
        c->init_pending = false;
        vmx_exit(c, VMX_EXIT_INIT_SIGNAL, 0);
    }
    if (c->sipi_pending) { /* 26.2: SIPI exits in wait-for-SIPI; qualification = vector */
        c->sipi_pending = false;
        if (c->wait_for_sipi) vmx_exit(c, VMX_EXIT_SIPI, c->sipi_vector);
    }
    if (c->wait_for_sipi) return;
    /* 27.7.2: the shutdown state blocks external interrupts and SIPIs; INIT (above), the
     * preemption timer (26.5.1), NMI-window exits (27.7.6) and NMIs still end it. */
    bool shut = c->shutdown;
    if (v->tr.mtf_pending && !shut) {
        v->tr.mtf_pending = false;
        vmx_exit(c, VMX_EXIT_MONITOR_TRAP_FLAG, 0);
    }
    if (v->pending_db && !shut) { /* 27.7.3: a trap on the previous instruction, before the timer */
        u32 bits = v->pending_db;
        v->pending_db = 0;
        debug_raise(c, bits & (DR6_B_MASK | DR6_BS));
    }
    if (vmx_preempt_expired(c)) vmx_exit(c, VMX_EXIT_PREEMPTION_TIMER, 0);
    bool shadow = shadowed(c);
    bool vnmi = pin & PIN_VIRTUAL_NMIS;
    /* 26.7.6: no virtual-NMI blocking and no blocking by MOV SS (nor by STI here). */
    if ((proc & CPU_NMI_WINDOW_EXITING) && !v->virtual_nmi_blocked && !shadow)
        vmx_exit(c, VMX_EXIT_NMI_WINDOW, 0);
    if (c->nmi_pending && (pin & PIN_NMI_EXITING) && !shadow && (vnmi || !c->nmi_blocked)) {
        c->nmi_pending = false;
        vmcs_set(c, VMCS_VM_EXIT_INTR_INFO, event_info(EXC_NMI, EV_NMI, NO_ERRCODE));
        vmx_exit(c, VMX_EXIT_EXCEPTION_NMI, 0);
    }
    if (shut) return;
    if ((proc & CPU_INTR_WINDOW_EXITING) && (c->rflags & FL_IF) && !shadow)
        vmx_exit(c, VMX_EXIT_INTERRUPT_WINDOW, 0);
    /* External-interrupt exiting: RFLAGS.IF does not block (26.3.1.1). */
    if ((pin & PIN_EXT_INTR_EXITING) && !shadow && intr_pending(c)) {
        u32 info = 0;
        if (vmcs_get32(c, VMCS_VM_EXIT_CONTROLS) & EXIT_ACK_INTR_ON_EXIT)
            info = event_info(intr_ack(c), EV_EXTINT, NO_ERRCODE);
        vmcs_set(c, VMCS_VM_EXIT_INTR_INFO, info);
        vmx_exit(c, VMX_EXIT_EXTERNAL_INTERRUPT, 0);
    }
}
