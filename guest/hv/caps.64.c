/* VT-x detection and the controls every guest runs with. Each control is asked for and
 * then fitted to what the capability MSRs allow (allowed-0 bits forced on, bits without
 * an allowed-1 setting dropped), so the same hypervisor runs on every CPU model. */
#include "hv.h"

struct hv hv;

#define PROC2_EPT (1u << 1)
#define PROC2_VPID (1u << 5)
#define PROC2_UG (1u << 7)
#define EPT_CAP_WALK4 (1ull << 6)
#define EPT_CAP_UC (1ull << 8)
#define EPT_CAP_WB (1ull << 14)

int hv_caps_init(void)
{
    struct hv_cpu *c = &hv.cpu;
    if (!vmx_supported()) {
        printf("hv: CPUID.1:ECX.VMX is clear: no VT-x\n");
        return -1;
    }
    vmx_read_caps(); /* uses the TRUE_ control MSRs when BASIC[55] says so (SDM A.2) */
    if (vmx_enable()) {
        printf("hv: IA32_FEATURE_CONTROL is locked with VMX disabled\n");
        return -1;
    }
    struct vmx_caps *k = &vmx_caps;

    c->preempt = vmx_may1(k->pin, PIN_PREEMPT_TIMER);
    c->pin =
        vmx_adjust(k->pin, PIN_EXT_INTR_EXIT | PIN_NMI_EXIT | (c->preempt ? PIN_PREEMPT_TIMER : 0));
    c->preempt_shift = (u32)k->misc & 0x1f; /* SDM A.6 */

    c->secondary = vmx_may1(k->proc, PROC_SECONDARY) && k->proc2;
    u32 want2 = 0;
    if (c->secondary) {
        /* IA32_VMX_EPT_VPID_CAP exists only when EPT or VPID may be enabled (SDM A.10). */
        if ((k->proc2 >> 32) & (PROC2_EPT | PROC2_VPID)) c->ept_cap = rdmsr(MSR_VMX_EPT_VPID);
        /* A 4-level walk with a memory type we can name (SDM A.10). */
        int ept_ok = (k->proc2 >> 32) & PROC2_EPT && (c->ept_cap & EPT_CAP_WALK4) &&
                     (c->ept_cap & (EPT_CAP_WB | EPT_CAP_UC));
        if (ept_ok) {
            want2 |= PROC2_EPT;
            /* Unrestricted guest needs EPT (SDM 27.2.1.1). */
            if ((k->proc2 >> 32) & PROC2_UG) want2 |= PROC2_UG;
        }
        /* VPID only with EPT: without it, VM entries and exits flush the guest's linear
         * mappings (SDM 29.4.3.1), so shadow page tables (shadow.64.c) never need
         * INVVPID after an entry changes. */
        if (ept_ok && (k->proc2 >> 32) & PROC2_VPID) want2 |= PROC2_VPID;
    }
    c->proc2 = c->secondary ? vmx_adjust(k->proc2, want2) : 0;
    c->ept = !!(c->proc2 & PROC2_EPT);
    c->ug = !!(c->proc2 & PROC2_UG);
    c->vpid = !!(c->proc2 & PROC2_VPID);

    /* HLT, all I/O and all MSRs exit (bitmaps of ones); with EPT and unrestricted
     * guest, CR3 accesses and INVLPG need not, when the TRUE controls let those bits be
     * 0 (SDM A.3.2). Otherwise the guest's CR3 is virtual (paging.64.c), and without
     * EPT INVLPG drops shadow entries (shadow.64.c). */
    u32 want = PROC_HLT_EXIT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS;
    if (c->secondary) want |= PROC_SECONDARY;
    c->proc = vmx_adjust(k->proc, want);
    if (!c->ug) c->proc = vmx_adjust(k->proc, c->proc | PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT);
    if (!c->ept) c->proc = vmx_adjust(k->proc, c->proc | PROC_INVLPG_EXIT);

    /* A 64-bit host; acknowledge interrupts on exit so the vector is in the exit
     * information; switch EFER when the model can (SDM 25.7.1). */
    c->load_efer =
        vmx_may1(k->exit, EXIT_LOAD_EFER | EXIT_SAVE_EFER) && vmx_may1(k->entry, ENTRY_LOAD_EFER);
    c->exit = vmx_adjust(k->exit, EXIT_HOST_ADDR64 | EXIT_ACK_INTR |
                                      (c->load_efer ? EXIT_LOAD_EFER | EXIT_SAVE_EFER : 0));
    c->ack_intr = !!(c->exit & EXIT_ACK_INTR);
    c->entry = vmx_adjust(k->entry, c->load_efer ? ENTRY_LOAD_EFER : 0);

    printf("hv: VT-x: revision %u, %s controls, EPT %s, unrestricted guest %s, VPID %s, "
           "preemption timer %s\n",
           vmx_caps.revision, k->has_true ? "TRUE" : "default", c->ept ? "yes" : "no",
           c->ug ? "yes" : "no", c->vpid ? "yes" : "no", c->preempt ? "yes" : "no");
    if (vmxon(vmx_vmxon_region()) != VMX_OK) {
        printf("hv: VMXON failed\n");
        return -1;
    }
    return 0;
}
