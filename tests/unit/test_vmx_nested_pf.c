/* An exception during the delivery of another, in VMX non-root operation: the exception
 * bitmap sees the second exception as it is, before the double-fault rules would turn it
 * into #DF (or a triple fault), and an intercepted one exits with the first event in the
 * IDT-vectoring information (SDM Vol. 3 28.2.4; shadow-paging hypervisors depend on it:
 * the guest's IDT is not in the shadow yet when a #PF is reflected). VM entry injects a
 * #PF whose delivery reads an IDT on a not-present page. */
#include "vmx_guest.h"

#define IDT_LIN (100u << 21) /* a 2 MiB page whose PDE the test clears */
#define PD (HARNESS_PT + 0x2000)
#define PF_INFO (0x80000000u | 3u << 8 | 1u << 11 | EXC_PF) /* valid, hw exception, error code */

static void run_case(const char *name, u32 bitmap, u32 want_reason)
{
    static const u8 g[] = {0x90};
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    guest_code(h, g, sizeof g);
    c->stop_on_exception = false; /* guest exceptions go through the executor's delivery */
    phys_write(h->m, c, PD + 100 * 8, 8, 0);
    vmcs_set(c, VMCS_GUEST_IDTR_BASE, IDT_LIN);
    vmcs_set(c, VMCS_GUEST_IDTR_LIMIT, 0xfff);
    vmcs_set(c, VMCS_EXCEPTION_BITMAP, bitmap);
    vmcs_set(c, VMCS_VM_ENTRY_INTR_INFO_FIELD, PF_INFO);
    vmcs_set(c, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
    int r = host_enter(h, true);
    char n[96];
    snprintf(n, sizeof n, "nested_pf.%s.reason", name);
    CHECK(n, r == -1 && exit_reason(h) == want_reason, "run %d reason %u", r, exit_reason(h));
    if (want_reason == VMX_EXIT_EXCEPTION_NMI) {
        snprintf(n, sizeof n, "nested_pf.%s.exit_intr_info", name);
        CHECK_EQ(n, vmcs_get(c, VMCS_VM_EXIT_INTR_INFO), PF_INFO);
        snprintf(n, sizeof n, "nested_pf.%s.qual_is_idt_entry", name);
        CHECK_EQ(n, exit_qual(h), IDT_LIN + EXC_PF * 16);
        snprintf(n, sizeof n, "nested_pf.%s.idt_vectoring_is_first_pf", name);
        CHECK_EQ(n, vmcs_get(c, VMCS_IDT_VECTORING_INFO_FIELD), PF_INFO);
    }
    harness_free(h);
}

int main(void)
{
    /* #PF intercepted: the second #PF exits; it does not become #DF. */
    run_case("pf_intercepted", 1u << EXC_PF, VMX_EXIT_EXCEPTION_NMI);
    /* Not intercepted: #PF during #PF is #DF, whose delivery faults too: triple fault. */
    run_case("not_intercepted", 0, VMX_EXIT_TRIPLE_FAULT);
    return check_exit();
}
