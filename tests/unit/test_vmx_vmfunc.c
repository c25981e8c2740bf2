/* VM functions and EPT-violation #VE (SDM Vol. 3C 26.5.6, 26.5.7): IA32_VMX_VMFUNC and the
 * two controls per model and with -vmfunc / -ept-violation-ve / -ept (A.11); the VM-entry
 * checks ctl.vmfunc and ctl.ept_ve.address (27.2.1.1); VMFUNC's #UD cases; EPTP switching
 * (26.5.6.3) changing the translation between two EPTs that map a page differently, and
 * its VM exits 59 (function disabled, index >= 512, invalid EPTP in the list); a
 * convertible EPT violation delivered as #VE (vector 20) with the information area written
 * exactly, the FFFFFFFFH marker making the next one a VM exit, suppress #VE, #VE through
 * the exception bitmap, and the EPTP index after a switch. */
#include "vmx_guest.h"

/* Two EPTs, A and B, each PML4, PDPT, PD, and a PT for guest-physical 4-6 MiB. */
#define EPT_A (HARNESS_DATA + 0x100000)
#define EPT_B (HARNESS_DATA + 0x110000)
#define EPTP_LIST (HARNESS_DATA + 0x120000)
#define VE_INFO (HARNESS_DATA + 0x121000)
#define GUEST_IDT (HARNESS_DATA + 0x122000)
#define HANDLER (GUEST_CODE + 0x200) /* the guest's #VE handler */
#define WB (6u << 3)
#define RWX 7u
#define EPTP(base) ((base) | 6 | 3 << 3)
#define DATA 0x400000u /* guest-physical page k of the PT: DATA + k * 4096 */

static u64 rd(struct harness *h, u64 pa, unsigned n) { return phys_read(h->m, h->c, pa, n); }
static void wr64(struct harness *h, u64 pa, u64 v) { phys_write(h->m, h->c, pa, 8, v); }

/* Identity EPT of the first 16 MiB at `base`: 2 MiB pages, except 4-6 MiB in 4 KiB pages. */
static void ept_identity(struct harness *h, u64 base)
{
    wr64(h, base, (base + 0x1000) | RWX);
    wr64(h, base + 0x1000, (base + 0x2000) | RWX);
    for (u64 k = 0; k < 8; k++)
        wr64(h, base + 0x2000 + 8 * k, k << 21 | 0x80 | WB | RWX);
    wr64(h, base + 0x2000 + 16, (base + 0x3000) | RWX);
    for (unsigned k = 0; k < 512; k++)
        wr64(h, base + 0x3000 + 8 * k, (DATA + 4096ull * k) | WB | RWX);
}
static void pte(struct harness *h, u64 base, unsigned k, u64 v) { wr64(h, base + 0x3000 + 8 * k, v); }

/* A skylake guest running `g` (HLT appended, HLT exiting) under EPT A with `proc2` added;
 * EPTP list {A, B, 0 (invalid)}, B the identity with DATA mapped to DATA + 0x1000; a guest
 * IDT whose vector 20 gate leads to HANDLER (`hd`, HLT appended); a zeroed #VE area. */
static struct harness *guest(const u8 *g, size_t n, const u8 *hd, size_t hn, u32 proc2)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    guest_code(h, g, n);
    static const u8 hlt = 0xf4;
    if (hn) phys_copy_in(h->m, HANDLER, hd, hn);
    phys_copy_in(h->m, HANDLER + hn, &hlt, 1);
    ept_identity(h, EPT_A);
    ept_identity(h, EPT_B);
    pte(h, EPT_B, 0, (DATA + 0x1000) | WB | RWX);
    wr64(h, EPTP_LIST, EPTP(EPT_A));
    wr64(h, EPTP_LIST + 8, EPTP(EPT_B));
    wr64(h, EPTP_LIST + 16, 0);
    u64 off = HANDLER;
    wr64(h, GUEST_IDT + 20 * 16, (off & 0xffff) | (u64)H_CODE64 << 16 | 0x8eull << 40 |
                                     ((off >> 16) & 0xffff) << 48);
    wr64(h, GUEST_IDT + 20 * 16 + 8, off >> 32);
    vmcs_set(c, VMCS_GUEST_IDTR_BASE, GUEST_IDT);
    vmcs_set(c, VMCS_GUEST_IDTR_LIMIT, 0xfff);
    c->stop_on_exception = false; /* guest exceptions go through the executor's delivery */
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_HLT_EXITING | CPU_SECONDARY_CONTROLS);
    vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, SEC_EPT | proc2);
    vmcs_set(c, VMCS_EPT_POINTER, EPTP(EPT_A));
    if (proc2 & SEC_VMFUNC) {
        vmcs_set(c, VMCS_VM_FUNCTION_CONTROL, VMFUNC_EPTP_SWITCHING_BIT);
        vmcs_set(c, VMCS_EPTP_LIST_ADDRESS, EPTP_LIST);
    }
    if (proc2 & SEC_EPT_VE) vmcs_set(c, VMCS_VE_INFORMATION_ADDRESS, VE_INFO);
    wr64(h, VE_INFO + 32, 0xabab0000u); /* offsets 34-35 must stay */
    wr64(h, DATA, 0x1111);
    wr64(h, DATA + 0x1000, 0x2222);
    return h;
}

#define MOV_EAX(v) 0xb8, (u8)(v), (u8)((v) >> 8), (u8)((v) >> 16), (u8)((v) >> 24)
#define MOV_ECX(v) 0xb9, (u8)(v), (u8)((v) >> 8), (u8)((v) >> 16), (u8)((v) >> 24)
#define VMFUNC 0x0f, 0x01, 0xd4
#define LOAD(a) 0x48, 0x8b, 0x04, 0x25, (u8)(a), (u8)((a) >> 8), (u8)((a) >> 16), (u8)((a) >> 24)

/* Run; check the outcome (-1: a VM exit), the exit reason and guest RIP. */
static void expect(const char *name, struct harness *h, u32 reason, u64 rip)
{
    char n[96];
    int r = host_enter(h, h->c->vmx->launch != VMCS_LAUNCHED);
    snprintf(n, sizeof n, "%s.exit", name);
    CHECK(n, r == -1 && exit_reason(h) == reason, "run %d reason %u (want %u) check %s", r,
          exit_reason(h), reason, last_check(h));
    snprintf(n, sizeof n, "%s.rip", name);
    CHECK_EQ(n, grip(h), rip);
}

static void test_caps(void)
{
    static const struct {
        const char *spec;
        bool vmfunc, ve;
    } t[] = {
        {"core2", false, false},
        {"westmere", false, false},
        {"skylake", true, true},
        {"icelake", true, true},
        {"skylake,+vmx,-vmfunc", false, true},
        {"skylake,+vmx,-ept-violation-ve", true, false},
        {"skylake,+vmx,-ept", false, false},
    };
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        char n[96];
        struct harness *h = vmx_spec_harness(t[k].spec);
        u32 p2 = (u32)(vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS2) >> 32);
        u64 v = 0;
        bool ok = vmx_msr_read(h->c, MSR_VMX_VMFUNC, &v);
        snprintf(n, sizeof n, "caps.%s.vmfunc_control", t[k].spec);
        CHECK_EQ(n, !!(p2 & SEC_VMFUNC), t[k].vmfunc);
        snprintf(n, sizeof n, "caps.%s.ve_control", t[k].spec);
        CHECK_EQ(n, !!(p2 & SEC_EPT_VE), t[k].ve);
        snprintf(n, sizeof n, "caps.%s.vmfunc_msr", t[k].spec);
        CHECK(n, ok == t[k].vmfunc && v == (t[k].vmfunc ? 1u : 0u), "readable %d value %#llx", ok,
              (unsigned long long)v);
        harness_free(h);
    }
}

/* 27.2.1.1: VMfailValid 7 naming the check. */
static void test_entry_checks(void)
{
    static const struct {
        const char *name, *check;
        u32 proc2;
        u64 fnctl, list, ve;
    } t[] = {
        {"entry.vmfunc_reserved_bit1", "ctl.vmfunc", SEC_EPT | SEC_VMFUNC, 2, EPTP_LIST, 0},
        {"entry.eptp_switching_without_ept", "ctl.vmfunc", SEC_VMFUNC, 1, EPTP_LIST, 0},
        {"entry.eptp_list_unaligned", "ctl.vmfunc", SEC_EPT | SEC_VMFUNC, 1, EPTP_LIST + 8, 0},
        {"entry.eptp_list_beyond_maxphyaddr", "ctl.vmfunc", SEC_EPT | SEC_VMFUNC, 1, 1ull << 52, 0},
        {"entry.ve_info_unaligned", "ctl.ept_ve.address", SEC_EPT | SEC_EPT_VE, 0, 0, VE_INFO + 4},
        {"entry.ve_info_beyond_maxphyaddr", "ctl.ept_ve.address", SEC_EPT | SEC_EPT_VE, 0, 0,
         1ull << 52},
        {"entry.vmfunc_no_functions_enters", NULL, SEC_EPT | SEC_VMFUNC, 0, 1, 0},
        {"entry.vmfunc_and_ve_enter", NULL, SEC_EPT | SEC_VMFUNC | SEC_EPT_VE, 1, EPTP_LIST, VE_INFO},
    };
    static const u8 g[] = {0x0f, 0xa2}; /* CPUID: exit 10 */
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        char n[96];
        struct harness *h = guest(g, sizeof g, NULL, 0, 0);
        struct cpu *c = h->c;
        vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, t[k].proc2);
        vmcs_set(c, VMCS_VM_FUNCTION_CONTROL, t[k].fnctl);
        vmcs_set(c, VMCS_EPTP_LIST_ADDRESS, t[k].list);
        vmcs_set(c, VMCS_VE_INFORMATION_ADDRESS, t[k].ve);
        vmcs_set(c, VMCS_VM_EXIT_REASON, 0xdead);
        int r = host_enter(h, true);
        snprintf(n, sizeof n, "%s.outcome", t[k].name);
        if (!t[k].check) {
            CHECK(n, r == -1 && exit_reason(h) == VMX_EXIT_CPUID, "run %d reason %#x check %s", r,
                  exit_reason(h), last_check(h));
        } else {
            CHECK(n, vmx_outcome(h) == 'V' && vm_error(h) == 7 && exit_reason(h) == 0xdead,
                  "flags %c error %u reason %#x", vmx_outcome(h), vm_error(h), exit_reason(h));
            snprintf(n, sizeof n, "%s.check", t[k].name);
            CHECK(n, !strcmp(last_check(h), t[k].check), "%s", last_check(h));
        }
        harness_free(h);
    }
}

/* EPTP switching: VMFUNC(0, 1) makes DATA read through B (DATA + 0x1000), VMFUNC(0, 0)
 * back through A; the EPT pointer field follows; no EPTP index without #VE. */
static void test_switch(void)
{
    static const u8 g[] = {MOV_EAX(0), MOV_ECX(1), VMFUNC, LOAD(DATA), 0x48, 0x89, 0xc3, /* mov rbx,rax */
                           MOV_EAX(0), MOV_ECX(0), VMFUNC, LOAD(DATA)};
    struct harness *h = guest(g, sizeof g, NULL, 0, SEC_VMFUNC);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_EPTP_INDEX, 0x55);
    expect("switch", h, VMX_EXIT_HLT, GUEST_CODE + sizeof g);
    CHECK_EQ("switch.read_through_b", c->r[RBX], 0x2222);
    CHECK_EQ("switch.read_through_a_again", c->r[RAX], 0x1111);
    CHECK_EQ("switch.eptp_field", vmcs_get(c, VMCS_EPT_POINTER), EPTP(EPT_A));
    CHECK_EQ("switch.eptp_index_untouched_without_ve", vmcs_get(c, VMCS_EPTP_INDEX), 0x55);
    harness_free(h);

    /* One switch only: the field holds B's EPTP after the exit. */
    static const u8 g1[] = {MOV_EAX(0), MOV_ECX(1), VMFUNC, LOAD(DATA)};
    h = guest(g1, sizeof g1, NULL, 0, SEC_VMFUNC);
    expect("switch.once", h, VMX_EXIT_HLT, GUEST_CODE + sizeof g1);
    CHECK_EQ("switch.once.eptp_field", vmcs_get(h->c, VMCS_EPT_POINTER), EPTP(EPT_B));
    CHECK_EQ("switch.once.read", h->c->r[RAX], 0x2222);
    harness_free(h);
}

/* VM exit 59 (26.5.6): the instruction has not executed (RIP at VMFUNC, length 3, EPTP
 * unchanged). */
static void test_exits(void)
{
    static const struct {
        const char *name;
        u32 eax, ecx;
        u64 fnctl;
    } t[] = {
        {"exit59.index_512", 0, 512, 1},
        {"exit59.index_ffffffff", 0, 0xffffffffu, 1},
        {"exit59.invalid_list_entry", 0, 2, 1},
        {"exit59.function_disabled", 0, 0, 0},
        {"exit59.function_1", 1, 0, 1},
        {"exit59.function_64", 64, 0, 1},
    };
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        char n[96];
        const u8 g[] = {MOV_EAX(t[k].eax), MOV_ECX(t[k].ecx), VMFUNC};
        struct harness *h = guest(g, sizeof g, NULL, 0, SEC_VMFUNC);
        vmcs_set(h->c, VMCS_VM_FUNCTION_CONTROL, t[k].fnctl);
        expect(t[k].name, h, VMX_EXIT_VMFUNC, GUEST_CODE + 10);
        snprintf(n, sizeof n, "%s.len", t[k].name);
        CHECK_EQ(n, vmcs_get(h->c, VMCS_VM_EXIT_INSTRUCTION_LEN), 3);
        snprintf(n, sizeof n, "%s.eptp_unchanged", t[k].name);
        CHECK_EQ(n, vmcs_get(h->c, VMCS_EPT_POINTER), EPTP(EPT_A));
        harness_free(h);
    }
}

/* #UD: VMFUNC in non-root operation without "enable VM functions" (seen through the
 * exception bitmap), and with secondary controls off; in root operation (test_vmx_insn). */
static void test_ud(void)
{
    static const u8 g[] = {MOV_EAX(0), MOV_ECX(1), VMFUNC};
    for (int k = 0; k < 2; k++) {
        const char *name = k ? "ud.secondary_off" : "ud.vmfunc_disabled";
        struct harness *h = guest(g, sizeof g, NULL, 0, 0);
        struct cpu *c = h->c;
        if (k) {
            /* VM functions set but "activate secondary controls" clear: no EPT either. */
            vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, SEC_VMFUNC);
            vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
                     vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) & ~(u64)CPU_SECONDARY_CONTROLS);
        }
        vmcs_set(c, VMCS_EXCEPTION_BITMAP, 1u << EXC_UD);
        expect(name, h, VMX_EXIT_EXCEPTION_NMI, GUEST_CODE + 10);
        char n[96];
        snprintf(n, sizeof n, "%s.intr_info", name);
        CHECK_EQ(n, vmcs_get(c, VMCS_VM_EXIT_INTR_INFO), 0x80000306u);
        harness_free(h);
    }
}

/* A final-translation access; skylake's advanced exit information adds bits 9-10 for the
 * harness's user-mode, writable pages (SDM 28.2.1). */
#define Q_FINAL_ADV (EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL | EPT_QUAL_GLA_USER | EPT_QUAL_GLA_RW)
#define Q_READ_FINAL (EPT_QUAL_READ | Q_FINAL_ADV)

static void check_area(const char *name, struct harness *h, u64 qual, u64 gla, u64 gpa, u16 index)
{
    char n[96];
    snprintf(n, sizeof n, "%s.area.reason", name);
    CHECK_EQ(n, rd(h, VE_INFO, 4), VMX_EXIT_EPT_VIOLATION);
    snprintf(n, sizeof n, "%s.area.marker", name);
    CHECK_EQ(n, rd(h, VE_INFO + 4, 4), 0xffffffffu);
    snprintf(n, sizeof n, "%s.area.qual", name);
    CHECK_EQ(n, rd(h, VE_INFO + 8, 8), qual);
    snprintf(n, sizeof n, "%s.area.gla", name);
    CHECK_EQ(n, rd(h, VE_INFO + 16, 8), gla);
    snprintf(n, sizeof n, "%s.area.gpa", name);
    CHECK_EQ(n, rd(h, VE_INFO + 24, 8), gpa);
    snprintf(n, sizeof n, "%s.area.eptp_index", name);
    CHECK_EQ(n, rd(h, VE_INFO + 32, 2), index);
    snprintf(n, sizeof n, "%s.area.beyond_untouched", name);
    CHECK_EQ(n, rd(h, VE_INFO + 34, 2), 0xabab);
}

static void test_ve(void)
{
    static const u8 g[] = {LOAD(DATA + 8)}, again[] = {LOAD(DATA + 0x10)};
    /* A convertible violation: #VE through the guest IDT; the handler's own violation then
     * finds the marker and exits 48. */
    struct harness *h = guest(g, sizeof g, again, sizeof again, SEC_EPT_VE);
    struct cpu *c = h->c;
    pte(h, EPT_A, 0, DATA | WB); /* not present, suppress #VE clear */
    vmcs_set(c, VMCS_EPTP_INDEX, 7);
    expect("ve.marker_then_exit", h, VMX_EXIT_EPT_VIOLATION, HANDLER);
    check_area("ve.delivered", h, Q_READ_FINAL, DATA + 8, DATA + 8, 7);
    CHECK_EQ("ve.frame.rip", rd(h, GUEST_STACK - 40, 8), GUEST_CODE);
    CHECK_EQ("ve.frame.cs", rd(h, GUEST_STACK - 32, 8), H_CODE64);
    CHECK_EQ("ve.rsp_no_error_code", vmcs_get(c, VMCS_GUEST_RSP), GUEST_STACK - 40);
    CHECK_EQ("ve.second.exit_qual", exit_qual(h), Q_READ_FINAL);
    CHECK_EQ("ve.second.gpa", vmcs_get(c, VMCS_GUEST_PHYSICAL_ADDRESS), DATA + 0x10);
    /* The guest clears the marker: the next violation is a #VE again. */
    phys_write(h->m, c, VE_INFO + 4, 4, 0);
    vmcs_set(c, VMCS_GUEST_RIP, GUEST_CODE);
    vmcs_set(c, VMCS_GUEST_RSP, GUEST_STACK);
    expect("ve.marker_cleared", h, VMX_EXIT_EPT_VIOLATION, HANDLER);
    CHECK_EQ("ve.marker_cleared.area_gpa", rd(h, VE_INFO + 24, 8), DATA + 8);
    harness_free(h);

    /* Suppress #VE set in the leaf: a VM exit, the area untouched. */
    h = guest(g, sizeof g, again, sizeof again, SEC_EPT_VE);
    pte(h, EPT_A, 0, DATA | WB | EPTE_SUPPRESS_VE);
    expect("ve.suppress", h, VMX_EXIT_EPT_VIOLATION, GUEST_CODE);
    CHECK_EQ("ve.suppress.area_untouched", rd(h, VE_INFO, 8), 0);
    harness_free(h);

    /* A write to a read-only present page (suppress #VE clear) converts too. */
    static const u8 w[] = {0x48, 0x89, 0x04, 0x25, (u8)(DATA + 8), (u8)((DATA + 8) >> 8),
                           (u8)((DATA + 8) >> 16), (u8)((DATA + 8) >> 24)};
    h = guest(w, sizeof w, NULL, 0, SEC_EPT_VE);
    pte(h, EPT_A, 0, DATA | WB | EPTE_R);
    expect("ve.write", h, VMX_EXIT_HLT, HANDLER);
    check_area("ve.write", h, EPT_QUAL_WRITE | EPT_QUAL_READABLE | Q_FINAL_ADV,
               DATA + 8, DATA + 8, 0);
    harness_free(h);

    /* Without the control: a VM exit, the area untouched. */
    h = guest(g, sizeof g, again, sizeof again, 0);
    vmcs_set(h->c, VMCS_VE_INFORMATION_ADDRESS, VE_INFO);
    pte(h, EPT_A, 0, DATA | WB);
    expect("ve.control_off", h, VMX_EXIT_EPT_VIOLATION, GUEST_CODE);
    CHECK_EQ("ve.control_off.area_untouched", rd(h, VE_INFO, 8), 0);
    harness_free(h);

    /* Exception bitmap bit 20: the #VE itself exits (reason 0, hardware exception 20, no
     * error code), after the area is written. */
    h = guest(g, sizeof g, again, sizeof again, SEC_EPT_VE);
    pte(h, EPT_A, 0, DATA | WB);
    vmcs_set(h->c, VMCS_EXCEPTION_BITMAP, 1u << EXC_VE);
    expect("ve.bitmap", h, VMX_EXIT_EXCEPTION_NMI, GUEST_CODE);
    CHECK_EQ("ve.bitmap.intr_info", vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO), 0x80000314u);
    CHECK_EQ("ve.bitmap.marker", rd(h, VE_INFO + 4, 4), 0xffffffffu);
    harness_free(h);

    /* EPTP index: VMFUNC to index 1 (B, where DATA + 0x1000's page is not present) sets the
     * field, and the #VE reports it. */
    static const u8 s[] = {MOV_EAX(0), MOV_ECX(1), VMFUNC, LOAD(DATA + 0x1000)};
    h = guest(s, sizeof s, NULL, 0, SEC_VMFUNC | SEC_EPT_VE);
    pte(h, EPT_B, 1, (DATA + 0x1000) | WB);
    expect("ve.eptp_index", h, VMX_EXIT_HLT, HANDLER);
    CHECK_EQ("ve.eptp_index.field", vmcs_get(h->c, VMCS_EPTP_INDEX), 1);
    check_area("ve.eptp_index", h, Q_READ_FINAL, DATA + 0x1000, DATA + 0x1000, 1);
    harness_free(h);
}

int main(void)
{
    test_caps();
    test_entry_checks();
    test_switch();
    test_exits();
    test_ud();
    test_ve();
    return check_exit();
}
