/* VM entry end to end: VMLAUNCH into a 64-bit guest that runs CPUID (exit 10), back to the
 * host at HOST_RIP with host state loaded; VMRESUME with HLT exiting (exit 12). */
#include "vmx_guest.h"

static void test_cpuid_exit(void)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    static const u8 g[] = {0x48, 0xc7, 0xc0, 0x01, 0, 0, 0, /* mov rax, 1 */ 0x0f, 0xa2 /* cpuid */};
    guest_code(h, g, sizeof g);
    c->r[RBX] = 0x1234;
    int r = host_enter(h, true);
    CHECK_EQ("entry.launch.ends_at_host_hlt", r, -1);
    CHECK("entry.launch.check_passed", c->vmx->tr.last_check == NULL, "failed %s", last_check(h));
    CHECK_EQ("exit.cpuid.reason", exit_reason(h), 10);
    CHECK_EQ("exit.cpuid.insn_len", vmcs_get(c, VMCS_VM_EXIT_INSTRUCTION_LEN), 2);
    CHECK_EQ("exit.cpuid.guest_rip", vmcs_get(c, VMCS_GUEST_RIP), GUEST_CODE + 7);
    CHECK_EQ("exit.cpuid.guest_rax", c->r[RAX], 1);
    CHECK_EQ("exit.cpuid.rbx_untouched", c->r[RBX], 0x1234);
    CHECK_EQ("exit.root", c->vmx_nonroot, 0);
    CHECK_EQ("exit.host_rip", c->rip, HOST_RESUME + 1);
    CHECK_EQ("exit.host_rsp", c->r[RSP], HARNESS_STACK);
    CHECK_EQ("exit.host_cs", c->seg[SEG_CS].sel, H_CODE64);
    CHECK_EQ("exit.host_rflags", cpu_get_rflags(c), FL_FIXED1);
    CHECK_EQ("exit.intr_info_invalid", vmcs_get(c, VMCS_VM_EXIT_INTR_INFO), 0);
    CHECK_EQ("entry.launch_state", c->vmx->launch, VMCS_LAUNCHED);

    /* VMRESUME past CPUID with HLT exiting: the guest's HLT exits with reason 12. */
    vmcs_set(c, VMCS_GUEST_RIP, GUEST_CODE + 9);
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL, vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_HLT_EXITING);
    r = host_enter(h, false);
    CHECK_EQ("entry.resume.ends_at_host_hlt", r, -1);
    CHECK_EQ("exit.hlt.reason", exit_reason(h), 12);
    CHECK_EQ("exit.hlt.insn_len", vmcs_get(c, VMCS_VM_EXIT_INSTRUCTION_LEN), 1);
    CHECK_EQ("exit.hlt.guest_rip", vmcs_get(c, VMCS_GUEST_RIP), GUEST_CODE + 9);
    CHECK_EQ("exit.hlt.activity", vmcs_get(c, VMCS_GUEST_ACTIVITY_STATE), 0);
    harness_free(h);
}

int main(void)
{
    test_cpuid_exit();
    return check_exit();
}
