/* Page-modification logging (SDM Vol. 3C 29.3.6, secondary control bit 17, src/vmx/ept_gpa.c):
 * with EPT A/D flags, every EPT dirty flag set from 0 to 1 writes the access's 4 KiB-aligned
 * guest-physical address at PML address + 8 * PML index and decrements the index; a second
 * write to the page logs nothing, reads log nothing, a guest paging-structure access (a
 * write with EPT A/D) logs the table's page; with the index outside 0..511 an access that
 * needs to set an accessed or dirty flag is a log-full event, VM exit 62 (qualification bit
 * 12 only, 28.2.1), no flag set and the access not done, while one that sets nothing runs;
 * the entry check ctl.pml (27.2.1.1); IA32_VMX_PROCBASED_CTLS2 bit 17 per model and the
 * `-pml` / `-ept` switches. */
#include "vmx_guest.h"

/* EPT tables: PML4, PDPT, PD (2 MiB pages), and a PT for guest-physical 4-6 MiB. */
#define EPT_PML4 (HARNESS_DATA + 0x100000)
#define EPT_PDPT (EPT_PML4 + 0x1000)
#define EPT_PD (EPT_PML4 + 0x2000)
#define EPT_PT (EPT_PML4 + 0x3000)
#define PML_LOG (HARNESS_DATA + 0x120000) /* the page-modification log (host-physical) */
#define WB (6u << 3)
#define RWX 7u
#define EPTP_PML (EPT_PML4 | 6 | 3 << 3 | EPTP_AD)
#define DATA 0x400000u /* guest-physical page k of the PT: DATA + k * 4096 */
#define GUEST_PD (HARNESS_PT + 0x2000)
#define STALE 0x5a5a5a5a5a5a5a5aull /* what an unwritten log slot or data word holds */

static u64 rd64(struct harness *h, u64 pa) { return phys_read(h->m, h->c, pa, 8); }
static void wr64(struct harness *h, u64 pa, u64 v) { phys_write(h->m, h->c, pa, 8, v); }
static u64 log_slot(struct harness *h, unsigned k) { return rd64(h, PML_LOG + 8 * k); }
static u64 pml_index(struct harness *h) { return vmcs_get(h->c, VMCS_GUEST_PML_INDEX); }

/* A skylake guest running `g` (HLT appended) under identity EPT with A/D flags, PML on
 * with `index`, the log filled with STALE. The EPT non-leaf entries are already accessed
 * and the EPT page of guest-physical 0-2 MiB (the guest's code and page tables) accessed
 * and dirty, so only the test's own data accesses set flags. */
static struct harness *pml_guest(const u8 *g, size_t n, u32 proc2, u16 index)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    guest_code(h, g, n);
    wr64(h, EPT_PML4, EPT_PDPT | RWX | EPTE_A);
    wr64(h, EPT_PDPT, EPT_PD | RWX | EPTE_A);
    for (u64 k = 0; k < 8; k++)
        wr64(h, EPT_PD + 8 * k, k << 21 | 0x80 | WB | RWX);
    wr64(h, EPT_PD, 0x80 | WB | RWX | EPTE_A | EPTE_D);
    wr64(h, EPT_PD + 16, EPT_PT | RWX | EPTE_A);
    for (unsigned k = 0; k < 512; k++) {
        wr64(h, EPT_PT + 8 * k, (DATA + 4096ull * k) | WB | RWX);
        wr64(h, PML_LOG + 8 * k, STALE);
    }
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_HLT_EXITING | CPU_SECONDARY_CONTROLS);
    vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
    vmcs_set(c, VMCS_EPT_POINTER, EPTP_PML);
    vmcs_set(c, VMCS_PML_ADDRESS, PML_LOG);
    vmcs_set(c, VMCS_GUEST_PML_INDEX, index);
    return h;
}

#define LOAD(a) 0x48, 0x8b, 0x04, 0x25, (u8)(a), (u8)((a) >> 8), (u8)((a) >> 16), (u8)((a) >> 24)
#define STORE(a) 0x48, 0x89, 0x04, 0x25, (u8)(a), (u8)((a) >> 8), (u8)((a) >> 16), (u8)((a) >> 24)
#define MOV_ESP(a) 0xbc, (u8)(a), (u8)((a) >> 8), (u8)((a) >> 16), (u8)((a) >> 24)

static void run(const char *name, struct harness *h, u32 reason, u64 qual, u64 rip)
{
    char n[96];
    snprintf(n, sizeof n, "%s.run", name);
    CHECK_EQ(n, host_enter(h, true), -1);
    snprintf(n, sizeof n, "%s.reason", name);
    CHECK_EQ(n, exit_reason(h), reason);
    snprintf(n, sizeof n, "%s.rip", name);
    CHECK_EQ(n, grip(h), rip);
    if (reason == VMX_EXIT_HLT) return;
    snprintf(n, sizeof n, "%s.qual", name);
    CHECK_EQ(n, exit_qual(h), qual);
}

/* Writes log their pages in order, 4 KiB-aligned (also inside a 2 MiB page), the index
 * counting down; reads and second writes to a dirty page log nothing. */
static void test_log(void)
{
    static const u8 g[] = {STORE(DATA + 0x2010), LOAD(DATA + 0x3000), STORE(DATA + 0x1008),
                           STORE(DATA + 0x2ff8), STORE(0x601234), STORE(DATA)};
    struct harness *h = pml_guest(g, sizeof g, SEC_EPT | SEC_PML, 511);
    run("log", h, VMX_EXIT_HLT, 0, GUEST_CODE + sizeof g);
    CHECK_EQ("log.first", log_slot(h, 511), DATA + 0x2000);
    CHECK_EQ("log.second", log_slot(h, 510), DATA + 0x1000);
    CHECK_EQ("log.large_page_4k_aligned", log_slot(h, 509), 0x601000);
    CHECK_EQ("log.fourth", log_slot(h, 508), DATA);
    CHECK_EQ("log.nothing_more", log_slot(h, 507), STALE);
    CHECK_EQ("log.index", pml_index(h), 507);
    CHECK_EQ("log.read_page_clean", rd64(h, EPT_PT + 3 * 8) & (EPTE_A | EPTE_D), EPTE_A);
    harness_free(h);

    /* Without "enable PML" the same writes set the dirty flags and log nothing. */
    h = pml_guest(g, sizeof g, SEC_EPT, 511);
    run("nopml", h, VMX_EXIT_HLT, 0, GUEST_CODE + sizeof g);
    CHECK_EQ("nopml.dirty", rd64(h, EPT_PT + 2 * 8) & EPTE_D, EPTE_D);
    CHECK_EQ("nopml.no_log", log_slot(h, 511), STALE);
    CHECK_EQ("nopml.index", pml_index(h), 511);
    harness_free(h);

    /* Without EPT A/D flags there are no dirty flags and no log. */
    h = pml_guest(g, sizeof g, SEC_EPT | SEC_PML, 511);
    vmcs_set(h->c, VMCS_EPT_POINTER, EPTP_PML & ~(u64)EPTP_AD);
    run("noad", h, VMX_EXIT_HLT, 0, GUEST_CODE + sizeof g);
    CHECK_EQ("noad.no_log", log_slot(h, 511), STALE);
    CHECK_EQ("noad.index", pml_index(h), 511);
    harness_free(h);
}

/* A guest paging-structure access is a write with EPT A/D (29.3.3.2): the guest page
 * table's page is logged when its EPT dirty flag is set; the final read is not. */
static void test_paging_structure(void)
{
    static const u8 g[] = {LOAD(0x800000)};
    struct harness *h = pml_guest(g, sizeof g, SEC_EPT | SEC_PML, 511);
    wr64(h, GUEST_PD + 4 * 8, (DATA + 0x4000) | 7);
    wr64(h, DATA + 0x4000, (DATA + 0x6000) | 7);
    wr64(h, DATA + 0x6000, 0xabcdef);
    run("paging", h, VMX_EXIT_HLT, 0, GUEST_CODE + sizeof g);
    CHECK_EQ("paging.value", h->c->r[RAX], 0xabcdef);
    CHECK_EQ("paging.table_logged", log_slot(h, 511), DATA + 0x4000);
    CHECK_EQ("paging.nothing_more", log_slot(h, 510), STALE);
    CHECK_EQ("paging.index", pml_index(h), 510);
    harness_free(h);
}

/* The log fills: the write that takes the last slot (index 0) logs and leaves FFFFH; the
 * next access that needs a flag exits 62 before setting it and before writing. */
static void test_full(void)
{
    static const u8 g[] = {STORE(DATA), STORE(DATA + 0x1000)};
    struct harness *h = pml_guest(g, sizeof g, SEC_EPT | SEC_PML, 0);
    wr64(h, DATA + 0x1000, STALE);
    run("full", h, VMX_EXIT_PML_FULL, 0, GUEST_CODE + 8);
    CHECK_EQ("full.last_slot", log_slot(h, 0), DATA);
    CHECK_EQ("full.index_wrapped", pml_index(h), 0xffff);
    CHECK_EQ("full.flags_not_set", rd64(h, EPT_PT + 8) & (EPTE_A | EPTE_D), 0);
    CHECK_EQ("full.write_not_done", rd64(h, DATA + 0x1000), STALE);
    CHECK_EQ("full.no_slot_written", log_slot(h, 511), STALE);
    harness_free(h);

    /* A read that needs an accessed flag is a log-full event as well (29.3.6). */
    static const u8 r[] = {LOAD(DATA + 0x3000)};
    h = pml_guest(r, sizeof r, SEC_EPT | SEC_PML, 0xffff);
    run("full.read", h, VMX_EXIT_PML_FULL, 0, GUEST_CODE);
    CHECK_EQ("full.read.accessed_not_set", rd64(h, EPT_PT + 3 * 8) & EPTE_A, 0);
    harness_free(h);
    /* An access that sets no flag runs with the log full. */
    h = pml_guest(r, sizeof r, SEC_EPT | SEC_PML, 0xffff);
    wr64(h, EPT_PT + 3 * 8, (DATA + 0x3000) | WB | RWX | EPTE_A);
    run("full.no_flag_runs", h, VMX_EXIT_HLT, 0, GUEST_CODE + sizeof r);
    CHECK_EQ("full.no_flag_runs.index", pml_index(h), 0xffff);
    harness_free(h);
}

/* Qualification bit 12 (28.2.1): the log-full event belongs to an IRET that unblocked
 * virtual NMIs; blocking is gone (26.3). */
static void test_full_iret(void)
{
    static const u8 g[] = {MOV_ESP(DATA + 0x10000), 0x48, 0xcf}; /* mov esp; iretq */
    struct harness *h = pml_guest(g, sizeof g, SEC_EPT | SEC_PML, 0xffff);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_PIN_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_PIN_BASED_VM_EXEC_CONTROL) | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
    vmcs_set(c, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
    run("full.iret", h, VMX_EXIT_PML_FULL, EPT_QUAL_NMI_UNBLOCK, GUEST_CODE + 5);
    CHECK_EQ("full.iret.nmi_blocking_saved_clear",
             vmcs_get(c, VMCS_GUEST_INTERRUPTIBILITY_INFO) & INTR_BLOCK_NMI, 0);
    harness_free(h);
}

/* 27.2.1.1: "enable PML" needs "enable EPT"; the PML address is 4 KiB-aligned and within
 * MAXPHYADDR. VMfailValid 7. */
static void entry_case(const char *name, u32 proc2, u64 addr, bool ok)
{
    static const u8 g[] = {0x90};
    char n[96];
    struct harness *h = pml_guest(g, sizeof g, proc2, 511);
    vmcs_set(h->c, VMCS_PML_ADDRESS, addr);
    host_enter(h, true);
    snprintf(n, sizeof n, "entry.%s.outcome", name);
    if (ok) {
        CHECK_EQ(n, exit_reason(h), VMX_EXIT_HLT);
    } else {
        CHECK(n, vmx_outcome(h) == 'V' && vm_error(h) == 7, "%c %u", vmx_outcome(h), vm_error(h));
        snprintf(n, sizeof n, "entry.%s.check", name);
        CHECK(n, !strcmp(last_check(h), "ctl.pml"), "%s", last_check(h));
    }
    harness_free(h);
}

static void test_entry(void)
{
    entry_case("ok", SEC_EPT | SEC_PML, PML_LOG, true);
    entry_case("without_ept", SEC_PML, PML_LOG, false);
    entry_case("unaligned", SEC_EPT | SEC_PML, PML_LOG + 0x800, false);
    entry_case("beyond_maxphyaddr", SEC_EPT | SEC_PML, 1ull << 52, false);
}

/* IA32_VMX_PROCBASED_CTLS2 allowed-1 bit 17 as the real parts report it. */
static void test_caps(void)
{
    static const struct {
        const char *spec;
        bool pml;
    } t[] = {
        {"core2,+vmx", false},           {"westmere,+vmx", false},
        {"skylake,+vmx", true},          {"icelake,+vmx", true},
        {"skylake,+vmx,-pml", false},    {"skylake,+vmx,-ept", false},
    };
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        char n[96];
        struct harness *h = vmx_spec_harness(t[k].spec);
        snprintf(n, sizeof n, "cap.%s", t[k].spec);
        CHECK_EQ(n, ((vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS2) >> 32) & SEC_PML) != 0, t[k].pml);
        harness_free(h);
    }
}

int main(void)
{
    test_log();
    test_paging_structure();
    test_full();
    test_full_iret();
    test_entry();
    test_caps();
    return check_exit();
}
