/* VM-entry check audit (docs/vmx-entry-checks.md): one failing VMCS per reachable check of
 * SDM Vol. 3 27.2 and 27.3.1 on the Skylake model, each asserting the check's name and the
 * architectural outcome (VMfailValid 7 / 8, or exit reason 33 with its qualification).
 * Each case is a mutation of the working 64-bit guest of vmx_guest.h. */
#include "vmx_guest.h"
#include "vmx/entry_checks.h"

#define FAIL33 0x80000021u
#define LINK_PAGE (SCRATCH + 0x1000)  /* a zeroed page: wrong revision identifier */
#define PD32 (HARNESS_DATA + 0x30000) /* 32-bit / PAE paging structures for legacy guests */

struct mut {
    enum vmcs_slot slot;
    u64 set, clear; /* field = (field & ~clear) | set */
};
struct acase {
    const char *check;
    u32 outcome; /* 7, 8 or an exit reason */
    u64 qual;
    struct mut m[5];
};

#define PROC VMCS_CPU_BASED_VM_EXEC_CONTROL
#define PIN VMCS_PIN_BASED_VM_EXEC_CONTROL
#define EXITC VMCS_VM_EXIT_CONTROLS
#define ENTRYC VMCS_VM_ENTRY_CONTROLS
#define INJ VMCS_VM_ENTRY_INTR_INFO_FIELD
#define INTR VMCS_GUEST_INTERRUPTIBILITY_INFO
#define ACT VMCS_GUEST_ACTIVITY_STATE
#define RFL VMCS_GUEST_RFLAGS
#define ALL ~0ull

static const struct acase cases[] = {
    /* 27.2.1.1 */
    {"ctl.proc.reserved", 7, 0, {{PROC, BIT(21), 0}}}, /* use TPR shadow: not offered */
    {"ctl.proc2.reserved", 7, 0, {{PROC, CPU_SECONDARY_CONTROLS, 0}, {VMCS_SECONDARY_VM_EXEC_CONTROL, SEC_VMCS_SHADOWING, 0}}},
    {"ctl.vpid.nonzero", 7, 0, {{PROC, CPU_SECONDARY_CONTROLS, 0}, {VMCS_SECONDARY_VM_EXEC_CONTROL, SEC_VPID, 0}, {VMCS_VIRTUAL_PROCESSOR_ID, 0, ALL}}},
    {"ctl.ept.eptp", 7, 0, {{PROC, CPU_SECONDARY_CONTROLS, 0}, {VMCS_SECONDARY_VM_EXEC_CONTROL, SEC_EPT, 0}, {VMCS_EPT_POINTER, SCRATCH | 6, ALL}}}, /* walk length 1 */
    {"ctl.io_bitmap.address", 7, 0, {{PROC, CPU_USE_IO_BITMAPS, 0}, {VMCS_IO_BITMAP_A, 0x1001, ALL}}},
    {"ctl.vnmi.nmi_exiting", 7, 0, {{PIN, PIN_VIRTUAL_NMIS, 0}}},
    {"ctl.nmi_window.vnmi", 7, 0, {{PIN, PIN_NMI_EXITING, 0}, {PROC, CPU_NMI_WINDOW_EXITING, 0}}},
    /* 27.2.1.2 */
    {"ctl.exit.reserved", 7, 0, {{EXITC, BIT(31), 0}}},
    {"ctl.exit.save_preempt_timer", 7, 0, {{EXITC, EXIT_SAVE_PREEMPTION_TIMER, 0}}},
    {"ctl.exit.msr_store.address", 7, 0, {{VMCS_VM_EXIT_MSR_STORE_COUNT, 1, ALL}, {VMCS_VM_EXIT_MSR_STORE_ADDR, SCRATCH + 8, ALL}}},
    {"ctl.exit.msr_load.address", 7, 0, {{VMCS_VM_EXIT_MSR_LOAD_COUNT, 2, ALL}, {VMCS_VM_EXIT_MSR_LOAD_ADDR, 1ull << 50, ALL}}},
    /* 27.2.1.3 */
    {"ctl.entry.reserved", 7, 0, {{ENTRYC, ENTRY_SMM, 0}}}, /* entry to SMM: not offered */
    {"ctl.entry.inject.type", 7, 0, {{INJ, 0x80000100u, ALL}}},
    {"ctl.entry.inject.reserved", 7, 0, {{INJ, 0x80001020u, ALL}}},
    {"ctl.entry.inject.error_code", 7, 0, {{INJ, 0x80000b0du, ALL}, {VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000, ALL}}},
    {"ctl.entry.msr_load.address", 7, 0, {{VMCS_VM_ENTRY_MSR_LOAD_COUNT, 1, ALL}, {VMCS_VM_ENTRY_MSR_LOAD_ADDR, SCRATCH + 4, ALL}}},
    /* 27.2.2 */
    {"host.cr4.fixed", 8, 0, {{VMCS_HOST_CR4, 0, CR4_VMXE}}},
    {"host.cr3.width", 8, 0, {{VMCS_HOST_CR3, 1ull << 55, 0}}},
    {"host.sysenter.canonical", 8, 0, {{VMCS_HOST_IA32_SYSENTER_EIP, 1ull << 60, 0}}},
    {"host.pat", 8, 0, {{EXITC, EXIT_LOAD_PAT, 0}, {VMCS_HOST_IA32_PAT, 0x0007040600070402ull, ALL}}},
    {"host.efer.reserved", 8, 0, {{EXITC, EXIT_LOAD_EFER, 0}, {VMCS_HOST_IA32_EFER, EFER_LME | EFER_LMA | BIT(20), ALL}}},
    {"host.efer.lma_lme", 8, 0, {{EXITC, EXIT_LOAD_EFER, 0}, {VMCS_HOST_IA32_EFER, EFER_LMA, ALL}}},
    /* 27.2.3 before 27.2.4: a 32-bit host with a null SS fails on SS first. */
    {"host.ss.null", 8, 0, {{EXITC, 0, EXIT_HOST_ADDR_SPACE_SIZE}, {VMCS_HOST_SS_SELECTOR, 0, ALL}}},
    {"host.addr_size.in_ia32e", 8, 0, {{EXITC, 0, EXIT_HOST_ADDR_SPACE_SIZE}, {ENTRYC, 0, ENTRY_IA32E_MODE}}},
    {"host.addr64.pae", 8, 0, {{VMCS_HOST_CR4, 0, CR4_PAE}}},
    /* 27.3.1.1 */
    {"guest.cr4.fixed", FAIL33, 0, {{VMCS_GUEST_CR4, 0, CR4_VMXE}}},
    {"guest.debugctl.reserved", FAIL33, 0, {{ENTRYC, ENTRY_LOAD_DEBUG_CONTROLS, 0}, {VMCS_GUEST_IA32_DEBUGCTL, BIT(2), ALL}}}, /* bits 5:2 reserved */
    {"guest.no_ia32e.pcide", FAIL33, 0, {{ENTRYC, 0, ENTRY_IA32E_MODE}, {VMCS_GUEST_CR4, CR4_PCIDE, 0}}},
    {"guest.cr3.width", FAIL33, 0, {{VMCS_GUEST_CR3, 1ull << 55, 0}}},
    {"guest.dr7.high", FAIL33, 0, {{VMCS_GUEST_DR7, 1ull << 40, 0}}},
    {"guest.sysenter.canonical", FAIL33, 0, {{VMCS_GUEST_SYSENTER_ESP, 1ull << 60, 0}}},
    {"guest.pat", FAIL33, 0, {{ENTRYC, ENTRY_LOAD_PAT, 0}, {VMCS_GUEST_IA32_PAT, 3, ALL}}},
    {"guest.efer.reserved", FAIL33, 0, {{ENTRYC, ENTRY_LOAD_EFER, 0}, {VMCS_GUEST_IA32_EFER, BIT(20), 0}}},
    {"guest.efer.lma", FAIL33, 0, {{ENTRYC, ENTRY_LOAD_EFER, 0}, {VMCS_GUEST_IA32_EFER, 0, EFER_LMA}}},
    {"guest.efer.lme", FAIL33, 0, {{ENTRYC, ENTRY_LOAD_EFER, 0}, {VMCS_GUEST_IA32_EFER, 0, EFER_LME}}},
    /* 27.3.1.2 */
    {"guest.tr.ti", FAIL33, 0, {{VMCS_GUEST_TR_SELECTOR, 4, 0}}},
    {"guest.ldtr.ti", FAIL33, 0, {{VMCS_GUEST_LDTR_AR_BYTES, 0x82, ALL}, {VMCS_GUEST_LDTR_SELECTOR, 0x34, ALL}}},
    {"guest.ss.rpl", FAIL33, 0, {{VMCS_GUEST_SS_SELECTOR, 3, 0}}},
    {"guest.base.canonical", FAIL33, 0, {{VMCS_GUEST_FS_BASE, 1ull << 60, 0}}},
    {"guest.base.high", FAIL33, 0, {{VMCS_GUEST_DS_BASE, 1ull << 33, 0}}},
    {"guest.cs.type", FAIL33, 0, {{VMCS_GUEST_CS_AR_BYTES, 0xa093, ALL}}},
    {"guest.ss.type", FAIL33, 0, {{VMCS_GUEST_SS_AR_BYTES, 0xc099, ALL}}},
    {"guest.data.type", FAIL33, 0, {{VMCS_GUEST_DS_AR_BYTES, 0xc092, ALL}}},
    {"guest.seg.s", FAIL33, 0, {{VMCS_GUEST_DS_AR_BYTES, 0xc083, ALL}}},
    {"guest.cs.dpl", FAIL33, 0, {{VMCS_GUEST_CS_AR_BYTES, 0xa0fb, ALL}}},
    {"guest.ss.dpl", FAIL33, 0, {{VMCS_GUEST_CS_AR_BYTES, 0xa09f, ALL}, {VMCS_GUEST_SS_AR_BYTES, 0xc0f3, ALL}}},
    {"guest.data.dpl", FAIL33, 0, {{VMCS_GUEST_DS_SELECTOR, 3, 0}}},
    {"guest.seg.p", FAIL33, 0, {{VMCS_GUEST_DS_AR_BYTES, 0xc013, ALL}}},
    {"guest.seg.reserved", FAIL33, 0, {{VMCS_GUEST_DS_AR_BYTES, 0x100, 0}}},
    {"guest.seg.g_limit", FAIL33, 0, {{VMCS_GUEST_DS_LIMIT, 0x1000, ALL}}},
    {"guest.tr.ar", FAIL33, 0, {{VMCS_GUEST_TR_AR_BYTES, 0x0b, ALL}}},
    {"guest.ldtr.ar", FAIL33, 0, {{VMCS_GUEST_LDTR_AR_BYTES, 0x83, ALL}}},
    /* 27.3.1.3 */
    {"guest.dtr.base", FAIL33, 0, {{VMCS_GUEST_GDTR_BASE, 1ull << 60, 0}}},
    {"guest.dtr.limit", FAIL33, 0, {{VMCS_GUEST_IDTR_LIMIT, 0x10000, ALL}}},
    /* 27.3.1.4: compatibility-mode CS with RIP above 4 GiB */
    {"guest.rip.high", FAIL33, 0, {{VMCS_GUEST_CS_AR_BYTES, 0xc09b, ALL}, {VMCS_GUEST_RIP, 1ull << 33, 0}}},
    {"guest.rflags.if_extint", FAIL33, 0, {{INJ, 0x80000020u, ALL}}},
    /* 27.3.1.5 */
    {"guest.activity.hlt_ss_dpl", FAIL33, 0, {{ACT, ACT_HLT, ALL}, {VMCS_GUEST_CS_SELECTOR, 3, 0}, {VMCS_GUEST_CS_AR_BYTES, 0xa0fb, ALL},
                                              {VMCS_GUEST_SS_SELECTOR, 3, 0}, {VMCS_GUEST_SS_AR_BYTES, 0xc0f3, ALL}}},
    {"guest.activity.blocking", FAIL33, 0, {{ACT, ACT_HLT, ALL}, {RFL, FL_IF, 0}, {INTR, INTR_BLOCK_STI, ALL}}},
    {"guest.activity.injection", FAIL33, 0, {{ACT, ACT_HLT, ALL}, {INJ, 0x80000306u, ALL}}},
    {"guest.intr.reserved", FAIL33, 0, {{INTR, 0x10, ALL}}},
    {"guest.intr.sti_and_movss", FAIL33, 0, {{RFL, FL_IF, 0}, {INTR, 3, ALL}}},
    {"guest.intr.inject_extint", FAIL33, 0, {{RFL, FL_IF, 0}, {INTR, INTR_BLOCK_STI, ALL}, {INJ, 0x80000020u, ALL}}},
    {"guest.intr.inject_nmi_movss", FAIL33, 0, {{INTR, INTR_BLOCK_MOVSS, ALL}, {INJ, 0x80000202u, ALL}}},
    {"guest.intr.smi", FAIL33, 0, {{INTR, INTR_BLOCK_SMI, ALL}}},
    {"guest.intr.inject_vnmi", FAIL33, 0, {{PIN, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0}, {INTR, INTR_BLOCK_NMI, ALL}, {INJ, 0x80000202u, ALL}}},
    {"guest.pending_dbg.bs", FAIL33, 0, {{RFL, FL_IF | FL_TF, 0}, {INTR, INTR_BLOCK_STI, ALL}}},
    {"guest.link.revision", FAIL33, 4, {{VMCS_VMCS_LINK_POINTER, LINK_PAGE, ALL}}},
    {"guest.link.current_vmcs", FAIL33, 4, {{VMCS_VMCS_LINK_POINTER, VMCS_A, ALL}}}, /* added by the audit */
};

static void run_case(const struct acase *f)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    static const u8 g[] = {0x0f, 0xa2};
    guest_code(h, g, sizeof g);
    for (int k = 0; k < 5 && f->m[k].set | f->m[k].clear; k++)
        vmcs_set(c, f->m[k].slot, (vmcs_get(c, f->m[k].slot) & ~f->m[k].clear) | f->m[k].set);
    vmcs_set(c, VMCS_VM_EXIT_REASON, 0xdead);
    int r = host_enter(h, true);
    char name[96];
    snprintf(name, sizeof name, "audit.%s.check", f->check);
    CHECK(name, !strcmp(last_check(h), f->check), "failed %s (run %d)", last_check(h), r);
    snprintf(name, sizeof name, "audit.%s.outcome", f->check);
    if (f->outcome == 7 || f->outcome == 8) {
        CHECK(name, vmx_outcome(h) == 'V' && vm_error(h) == f->outcome && exit_reason(h) == 0xdead,
              "flags %c error %u reason %#x", vmx_outcome(h), vm_error(h), exit_reason(h));
    } else {
        CHECK(name, exit_reason(h) == f->outcome && exit_qual(h) == f->qual && !c->vmx_nonroot,
              "reason %#x qual %#llx", exit_reason(h), (unsigned long long)exit_qual(h));
    }
    harness_free(h);
}

/* A v86 guest state in an IA-32e-mode entry: with one v86 field wrong its check fails;
 * with all of them right RFLAGS.VM itself fails (27.3.1.2, 27.3.1.4). */
static void v86_case(const char *check, enum vmcs_slot slot, u64 val)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    for (int s = 0; s < 6; s++) {
        vmcs_set(c, vmx_gseg_sel(s), 0x10);
        vmcs_set(c, vmx_gseg_base(s), 0x100);
        vmcs_set(c, vmx_gseg_limit(s), 0xffff);
        vmcs_set(c, vmx_gseg_ar(s), 0xf3);
    }
    vmcs_set(c, VMCS_GUEST_RFLAGS, FL_FIXED1 | FL_VM);
    if (slot != VMCS_GUEST_RFLAGS) vmcs_set(c, slot, val);
    host_enter(h, true);
    char n[96];
    snprintf(n, sizeof n, "audit.%s.check", check);
    CHECK(n, !strcmp(last_check(h), check), "failed %s", last_check(h));
    snprintf(n, sizeof n, "audit.%s.outcome", check);
    CHECK(n, exit_reason(h) == FAIL33 && exit_qual(h) == 0, "reason %#x", exit_reason(h));
    harness_free(h);
}
static void test_rflags_vm(void)
{
    v86_case("guest.v86.base", VMCS_GUEST_ES_BASE, 0x200);
    v86_case("guest.v86.limit", VMCS_GUEST_GS_LIMIT, 0xfffff);
    v86_case("guest.v86.ar", VMCS_GUEST_SS_AR_BYTES, 0xf2);
    v86_case("guest.rflags.vm", VMCS_GUEST_RFLAGS, 0);
}

/* A 32-bit PAE guest whose PDPTE 0 sets reserved bits 2:1: qualification 2 (27.3.1.6). */
static void test_pdpte(void)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    u64 pdpt[4] = {(PD32 + 0x1000) | 7, 0, 0, 0};
    phys_copy_in(h->m, PD32, pdpt, sizeof pdpt);
    vmcs_set(c, VMCS_VM_ENTRY_CONTROLS, vmcs_get(c, VMCS_VM_ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_MODE);
    vmcs_set(c, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
    vmcs_set(c, VMCS_GUEST_CR3, PD32);
    host_enter(h, true);
    CHECK("audit.guest.pdpte.reserved.check", !strcmp(last_check(h), "guest.pdpte.reserved"), "failed %s", last_check(h));
    CHECK_EQ("audit.guest.pdpte.reserved.outcome", exit_reason(h), FAIL33);
    CHECK_EQ("audit.guest.pdpte.reserved.qual", exit_qual(h), 2);
    harness_free(h);
}

/* Bit 15 of the injected error code is allowed (only 31:16 are checked): the #GP is
 * delivered; with an empty guest IDT that ends in a triple fault (exit reason 2). */
static void test_error_code_bit15(void)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    h->c->stop_on_exception = false;
    vmcs_set(h->c, VMCS_VM_ENTRY_INTR_INFO_FIELD, 0x80000b0du);
    vmcs_set(h->c, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, 0x8000);
    int r = host_enter(h, true);
    CHECK("audit.inject.error_code_bit15.passes", h->c->vmx->tr.last_check == NULL, "failed %s (run %d)", last_check(h), r);
    CHECK_EQ("audit.inject.error_code_bit15.triple_fault", exit_reason(h), 2);
    harness_free(h);
}

/* With several failures the SDM's order decides: the exit controls (27.2.1.2) come after
 * the execution controls, the host checks after all controls, the guest after the host. */
static void test_order(void)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    vmcs_set(h->c, VMCS_VM_EXIT_CONTROLS, vmcs_get(h->c, VMCS_VM_EXIT_CONTROLS) | EXIT_SAVE_PREEMPTION_TIMER);
    vmcs_set(h->c, VMCS_PIN_BASED_VM_EXEC_CONTROL, vmcs_get(h->c, VMCS_PIN_BASED_VM_EXEC_CONTROL) | PIN_VIRTUAL_NMIS);
    vmcs_set(h->c, VMCS_HOST_CS_SELECTOR, 0);
    vmcs_set(h->c, VMCS_GUEST_TR_SELECTOR, 4);
    host_enter(h, true);
    CHECK("audit.order.exec_before_exit", !strcmp(last_check(h), "ctl.vnmi.nmi_exiting"), "failed %s", last_check(h));
    vmcs_set(h->c, VMCS_PIN_BASED_VM_EXEC_CONTROL, must1(h, MSR_VMX_PINBASED_CTLS));
    host_enter(h, true);
    CHECK("audit.order.exit_before_host", !strcmp(last_check(h), "ctl.exit.save_preempt_timer"), "failed %s", last_check(h));
    vmcs_set(h->c, VMCS_VM_EXIT_CONTROLS, vmcs_get(h->c, VMCS_VM_EXIT_CONTROLS) & ~(u64)EXIT_SAVE_PREEMPTION_TIMER);
    host_enter(h, true);
    CHECK("audit.order.host_before_guest", !strcmp(last_check(h), "host.cs.null") && vm_error(h) == 8, "failed %s", last_check(h));
    harness_free(h);
}

/* Addresses the entry checks call canonical are canonical for the processor's linear-
 * address width, whatever CR4.LA57 (SDM 27.2.2, 27.3.1.1, 27.3.1.2): on the 57-bit Ice Lake
 * model a base with bit 55 set passes with guest and host CR4.LA57 = 0; on the 48-bit
 * Skylake model the same value fails the check. */
static void canonical_width_case(const char *model, const char *field, enum vmcs_slot slot, const char *check,
                                 bool wide)
{
    struct harness *h = vmx_guest_setup(model, HOST_RESUME);
    struct cpu *c = h->c;
    static const u8 g[] = {0x0f, 0xa2}; /* cpuid: exit 10 */
    guest_code(h, g, sizeof g);
    vmcs_set(c, slot, 1ull << 55);
    host_enter(h, true);
    char n[128];
    snprintf(n, sizeof n, "audit.canonical_width.%s.%s", model, field);
    if (wide)
        CHECK(n, exit_reason(h) == 10, "reason %#x, check %s", exit_reason(h), last_check(h));
    else
        CHECK(n, !strcmp(last_check(h), check), "reason %#x, check %s", exit_reason(h), last_check(h));
    harness_free(h);
}
static void test_canonical_width(void)
{
    static const struct { const char *field; enum vmcs_slot slot; const char *check; } f[] = {
        {"guest_fs_base", VMCS_GUEST_FS_BASE, "guest.base.canonical"},
        {"guest_gdtr_base", VMCS_GUEST_GDTR_BASE, "guest.dtr.base"},
        {"guest_sysenter_esp", VMCS_GUEST_SYSENTER_ESP, "guest.sysenter.canonical"},
        {"host_gs_base", VMCS_HOST_GS_BASE, "host.base.canonical"},
        {"host_sysenter_eip", VMCS_HOST_IA32_SYSENTER_EIP, "host.sysenter.canonical"},
    };
    for (size_t k = 0; k < ARRAY_LEN(f); k++) {
        canonical_width_case("icelake", f[k].field, f[k].slot, f[k].check, true);
        canonical_width_case("skylake", f[k].field, f[k].slot, f[k].check, false);
    }
}

int main(void)
{
    for (size_t k = 0; k < ARRAY_LEN(cases); k++) run_case(&cases[k]);
    test_rflags_vm();
    test_pdpte();
    test_error_code_bit15();
    test_order();
    test_canonical_width();
    printf("entry checks in the table: %d\n", vmx_entry_check_count());
    return check_exit();
}
