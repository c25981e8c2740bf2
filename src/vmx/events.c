/* Events in VMX non-root operation (SDM Vol. 3 26.2): exceptions against the exception
 * bitmap and the page-fault error-code mask/match, NMI and external-interrupt exiting
 * (with acknowledge-interrupt-on-exit), interrupt- and NMI-window exiting, INIT and SIPI,
 * triple faults, with the interruption information of SDM 28.2.2. */
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

void vmx_event_intercept(struct cpu *c, int vector, enum event_kind kind, int error)
{
    struct vmx_transition *t = &c->vmx->tr;
    bool exc = kind == EV_HWEXC || kind == EV_SWEXC || kind == EV_PRIV_SWEXC;
    if (exc && vector < 32 && bitmap_exits(c, vector, error)) {
        /* Qualification (28.2.1): the faulting linear address for #PF, DR6-style bits for
         * #DB, 0 otherwise. */
        u64 q = vector == EXC_PF ? c->cr2 : vector == EXC_DB ? (c->dr[6] & 0x600f) : 0;
        vmcs_set(c, VMCS_VM_EXIT_INTR_INFO, event_info(vector, kind, error));
        if (error != NO_ERRCODE) vmcs_set(c, VMCS_VM_EXIT_INTR_ERROR_CODE, (u32)error);
        vmx_exit(c, VMX_EXIT_EXCEPTION_NMI, q);
    }
    /* Delivery goes ahead: remember it for IDT-vectoring information (28.2.4). */
    t->vectoring = event_info(vector, kind, error);
    t->vectoring_err = (u32)error;
    t->vectoring_rip = c->rip;
    t->vectoring_icount = c->icount;
}

NORETURN void vmx_triple_fault(struct cpu *c) { vmx_exit(c, VMX_EXIT_TRIPLE_FAULT, 0); }

static bool shadowed(const struct cpu *c)
{
    return c->interrupt_shadow && c->icount <= c->shadow_icount + 1;
}

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
    if (c->sipi_pending) {
        c->sipi_pending = false;
        if (c->wait_for_sipi) vmx_exit(c, VMX_EXIT_SIPI, c->sipi_vector);
    }
    if (v->tr.mtf_pending) {
        v->tr.mtf_pending = false;
        vmx_exit(c, VMX_EXIT_MONITOR_TRAP_FLAG, 0);
    }
    if (c->wait_for_sipi || c->shutdown) return;
    bool shadow = shadowed(c);
    bool vnmi = pin & PIN_VIRTUAL_NMIS;
    if ((proc & CPU_NMI_WINDOW_EXITING) && !v->virtual_nmi_blocked && !shadow)
        vmx_exit(c, VMX_EXIT_NMI_WINDOW, 0);
    if (c->nmi_pending && (pin & PIN_NMI_EXITING) && !shadow && (vnmi || !c->nmi_blocked)) {
        c->nmi_pending = false;
        vmcs_set(c, VMCS_VM_EXIT_INTR_INFO, event_info(EXC_NMI, EV_NMI, NO_ERRCODE));
        vmx_exit(c, VMX_EXIT_EXCEPTION_NMI, 0);
    }
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
