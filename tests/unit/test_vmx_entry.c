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

/* One failing entry check per case: a mutation of the working VMCS, the check that must
 * fail, and the outcome (VMfailValid 7/8, or exit reason 33/34 with its qualification). */
struct fail_case {
    const char *check;
    enum vmcs_slot slot;
    u64 set, clear; /* field = (field & ~clear) | set */
    u32 outcome;    /* 7, 8, or the exit reason */
    u64 qual;
};

static const struct fail_case cases[] = {
    {"ctl.pin.reserved", VMCS_PIN_BASED_VM_EXEC_CONTROL, 1u << 31, 0, 7, 0},
    {"ctl.cr3_target_count", VMCS_CR3_TARGET_COUNT, 5, 0, 7, 0},
    {"ctl.entry.inject.vector", VMCS_VM_ENTRY_INTR_INFO_FIELD, 0x80000203u, 0, 7, 0},
    {"ctl.entry.inject.deliver_error", VMCS_VM_ENTRY_INTR_INFO_FIELD, 0x8000030du, 0, 7, 0},
    {"ctl.entry.inject.insn_length", VMCS_VM_ENTRY_INTR_INFO_FIELD, 0x80000480u, 0, 7, 0},
    {"ctl.msr_bitmap.address", VMCS_MSR_BITMAP, 0x123, 0, 0xff, 0}, /* needs the control: below */
    {"host.cr0.fixed", VMCS_HOST_CR0, 0, CR0_PE, 8, 0},
    {"host.cs.null", VMCS_HOST_CS_SELECTOR, 0, 0xffff, 8, 0},
    {"host.sel.rpl_ti", VMCS_HOST_DS_SELECTOR, 3, 0, 8, 0},
    {"host.tr.null", VMCS_HOST_TR_SELECTOR, 0, 0xffff, 8, 0},
    {"host.base.canonical", VMCS_HOST_GS_BASE, 1ull << 60, 0, 8, 0},
    {"host.addr64.rip", VMCS_HOST_RIP, 1ull << 62, 0, 8, 0},
    {"guest.cr0.fixed", VMCS_GUEST_CR0, 0, CR0_NE, 0x80000021u, 0},
    {"guest.ia32e.pg_pae", VMCS_GUEST_CR4, 0, CR4_PAE, 0x80000021u, 0},
    {"guest.cs.l_and_d", VMCS_GUEST_CS_AR_BYTES, AR_DB, 0, 0x80000021u, 0},
    {"guest.ss.type", VMCS_GUEST_SS_AR_BYTES, 0, 2, 0x80000021u, 0},
    {"guest.tr.type", VMCS_GUEST_TR_AR_BYTES, 0, 8, 0x80000021u, 0},
    {"guest.rip.canonical", VMCS_GUEST_RIP, 1ull << 50, 0, 0x80000021u, 0},
    {"guest.rflags.reserved", VMCS_GUEST_RFLAGS, 0, FL_FIXED1, 0x80000021u, 0},
    {"guest.activity.value", VMCS_GUEST_ACTIVITY_STATE, 5, 0, 0x80000021u, 0},
    {"guest.intr.sti_if", VMCS_GUEST_INTERRUPTIBILITY_INFO, 1, 0, 0x80000021u, 0},
    {"guest.link.address", VMCS_VMCS_LINK_POINTER, 0, 0xfff, 0x80000021u, 4},
    {"guest.pending_dbg.reserved", VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0x10, 0, 0x80000021u, 0},
};

static void test_fail_case(const struct fail_case *f)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    static const u8 g[] = {0x0f, 0xa2};
    guest_code(h, g, sizeof g);
    vmcs_set(c, f->slot, (vmcs_get(c, f->slot) & ~f->clear) | f->set);
    u32 want = f->outcome;
    if (want == 0xff) { /* address checks apply only when the control is on */
        vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL, vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_USE_MSR_BITMAPS);
        want = 7;
    }
    vmcs_set(c, VMCS_VM_EXIT_REASON, 0xdead);
    int r = host_enter(h, true);
    char name[96];
    snprintf(name, sizeof name, "fail.%s.check", f->check);
    CHECK(name, !strcmp(last_check(h), f->check), "failed %s (run %d)", last_check(h), r);
    snprintf(name, sizeof name, "fail.%s.outcome", f->check);
    if (want == 7 || want == 8) {
        CHECK(name, vmx_outcome(h) == 'V' && vm_error(h) == want && exit_reason(h) == 0xdead,
              "flags %c error %u reason %#x", vmx_outcome(h), vm_error(h), exit_reason(h));
    } else {
        CHECK(name, exit_reason(h) == want && exit_qual(h) == f->qual && !c->vmx_nonroot && c->rip == HOST_RESUME + 1,
              "reason %#x qual %#llx rip %#llx", exit_reason(h), (unsigned long long)exit_qual(h),
              (unsigned long long)c->rip);
    }
    harness_free(h);
}

/* Injecting an NMI under blocking by STI fails with qualification 3; a bad MSR-load entry
 * fails with reason 34 and the entry's number. */
static void test_special_failures(void)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    vmcs_set(h->c, VMCS_GUEST_RFLAGS, FL_FIXED1 | FL_IF);
    vmcs_set(h->c, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_STI);
    vmcs_set(h->c, VMCS_VM_ENTRY_INTR_INFO_FIELD, 0x80000202u);
    host_enter(h, true);
    CHECK_EQ("fail.nmi_sti.reason", exit_reason(h), 0x80000021u);
    CHECK_EQ("fail.nmi_sti.qual", exit_qual(h), 3);
    harness_free(h);

    h = vmx_guest_setup("skylake", HOST_RESUME);
    u64 list[4] = {0x174, 0x10, 0xc0000100, 0}; /* SYSENTER_CS ok, FS_BASE refused */
    phys_copy_in(h->m, SCRATCH + 0x100, list, sizeof list);
    vmcs_set(h->c, VMCS_VM_ENTRY_MSR_LOAD_ADDR, SCRATCH + 0x100);
    vmcs_set(h->c, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 2);
    host_enter(h, true);
    CHECK_EQ("fail.msr_load.reason", exit_reason(h), 0x80000022u);
    CHECK_EQ("fail.msr_load.qual", exit_qual(h), 2);
    CHECK_EQ("fail.msr_load.root", h->c->vmx_nonroot, 0);
    harness_free(h);
}

int main(void)
{
    test_cpuid_exit();
    for (size_t k = 0; k < ARRAY_LEN(cases); k++) test_fail_case(&cases[k]);
    test_special_failures();
    return check_exit();
}
