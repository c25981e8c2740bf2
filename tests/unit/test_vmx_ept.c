/* EPT in non-root operation (SDM Vol. 3C 29.3, src/vmx/ept_gpa.c): a 64-bit guest runs
 * through EPT tables the test builds (identity, and remapped 2 MiB and 1 GiB pages, so a
 * bypassed translation reads the wrong bytes); read, write and fetch violations exit 48
 * with the exact qualification, guest-physical and guest-linear addresses; a guest
 * paging-structure access through a missing EPT entry has bit 8 clear; misconfigurations
 * exit 49; EPT A/D flags (guest paging-structure accesses count as writes); 5-level EPT on
 * icelake; INVEPT; qualification bit 12 for an IRET that unblocked (virtual) NMIs;
 * IDT-vectoring information for a violation during event delivery; a PAE guest's PDPTEs
 * (from the VMCS at entry, through EPT as reads on MOV CR3); and IA32_VMX_EPT_VPID_CAP per
 * model, with `-ept`. */
#include "vmx_guest.h"

/* EPT tables: PML5 (icelake), PML4, PDPT, PD, and a PT for guest-physical 4-6 MiB. */
#define EPT_PML5 (HARNESS_DATA + 0x100000)
#define EPT_PML4 (EPT_PML5 + 0x1000)
#define EPT_PDPT (EPT_PML5 + 0x2000)
#define EPT_PD (EPT_PML5 + 0x3000)
#define EPT_PT (EPT_PML5 + 0x4000)
#define WB (6u << 3) /* EPT memory type write-back */
#define RWX 7u
#define EPTP4 (EPT_PML4 | 6 | 3 << 3)
#define EPTP5 (EPT_PML5 | 6 | 4 << 3)
#define DATA 0x400000u                 /* guest-physical page k of the PT: DATA + k * 4096 */
#define GUEST_PD (HARNESS_PT + 0x2000) /* the harness's (and guest's) page directory */

static u64 rd64(struct harness *h, u64 pa)
{
    return phys_read(h->m, h->c, pa, 8);
}
static void wr64(struct harness *h, u64 pa, u64 v)
{
    phys_write(h->m, h->c, pa, 8, v);
}
static void pte(struct harness *h, unsigned k, u64 v)
{
    wr64(h, EPT_PT + 8 * k, v);
}

/* Identity EPT of the first 16 MiB: 2 MiB pages, except 4-6 MiB in 4 KiB pages. */
static void ept_identity(struct harness *h)
{
    wr64(h, EPT_PML5, EPT_PML4 | RWX);
    wr64(h, EPT_PML4, EPT_PDPT | RWX);
    wr64(h, EPT_PDPT, EPT_PD | RWX);
    for (u64 k = 0; k < 8; k++)
        wr64(h, EPT_PD + 8 * k, k << 21 | 0x80 | WB | RWX);
    wr64(h, EPT_PD + 16, EPT_PT | RWX);
    for (unsigned k = 0; k < 512; k++)
        pte(h, k, (DATA + 4096ull * k) | WB | RWX);
}

/* A guest of `model` running `g` (HLT appended, HLT exiting) under EPT with `eptp`. */
static struct harness *ept_guest(const char *model, const u8 *g, size_t n, u64 eptp)
{
    struct harness *h = vmx_guest_setup(model, HOST_RESUME);
    struct cpu *c = h->c;
    guest_code(h, g, n);
    ept_identity(h);
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_HLT_EXITING |
                 CPU_SECONDARY_CONTROLS);
    vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, SEC_EPT);
    vmcs_set(c, VMCS_EPT_POINTER, eptp);
    return h;
}

/* Guest instructions with 32-bit absolute addresses. */
#define LOAD(a) 0x48, 0x8b, 0x04, 0x25, (u8)(a), (u8)((a) >> 8), (u8)((a) >> 16), (u8)((a) >> 24)
#define STORE(a) 0x48, 0x89, 0x04, 0x25, (u8)(a), (u8)((a) >> 8), (u8)((a) >> 16), (u8)((a) >> 24)
#define JMP(a) 0xb8, (u8)(a), (u8)((a) >> 8), (u8)((a) >> 16), (u8)((a) >> 24), 0xff, 0xe0

/* Run the guest once; check the exit reason, qualification, GPA, GLA and guest RIP. */
static void expect_exit(const char *name, struct harness *h, u32 reason, u64 qual, u64 gpa, u64 gla,
                        u64 rip)
{
    char n[96];
    int r = host_enter(h, h->c->vmx->launch != VMCS_LAUNCHED);
    snprintf(n, sizeof n, "%s.run", name);
    CHECK_EQ(n, r, -1);
    snprintf(n, sizeof n, "%s.reason", name);
    CHECK_EQ(n, exit_reason(h), reason);
    snprintf(n, sizeof n, "%s.rip", name);
    CHECK_EQ(n, grip(h), rip);
    if (reason == VMX_EXIT_HLT) return;
    snprintf(n, sizeof n, "%s.qual", name);
    CHECK_EQ(n, exit_qual(h), qual);
    snprintf(n, sizeof n, "%s.gpa", name);
    CHECK_EQ(n, vmcs_get(h->c, VMCS_GUEST_PHYSICAL_ADDRESS), gpa);
    if (reason == VMX_EXIT_EPT_VIOLATION) {
        snprintf(n, sizeof n, "%s.gla", name);
        CHECK_EQ(n, vmcs_get(h->c, VMCS_GUEST_LINEAR_ADDRESS), gla);
    }
}

#define Q_FINAL (EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL)
/* Skylake and Ice Lake report advanced exit information (EPT_VPID_CAP bit 22): bits 9-11
 * describe the linear address, here a user-mode, writable, executable page of the
 * harness's identity paging (SDM 28.2.1). Westmere leaves them 0. */
#define Q_FINAL_ADV (Q_FINAL | EPT_QUAL_GLA_USER | EPT_QUAL_GLA_RW)

static void test_identity(void)
{
    static const u8 g[] = {LOAD(DATA), STORE(DATA + 0x1008)};
    struct harness *h = ept_guest("westmere", g, sizeof g, EPTP4);
    wr64(h, DATA, 0x1122334455667788ull);
    expect_exit("identity", h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + sizeof g);
    CHECK_EQ("identity.stored", rd64(h, DATA + 0x1008), 0x1122334455667788ull);
    harness_free(h);
}

static void test_violations(void)
{
    static const u8 rd[] = {LOAD(DATA)}, wr[] = {STORE(DATA + 0x1008)}, fx[] = {JMP(DATA + 0x2000)},
                    xo[] = {JMP(DATA + 0x3000)}, xo_rd[] = {LOAD(DATA + 0x3010)};
    struct harness *h = ept_guest("westmere", rd, sizeof rd, EPTP4);
    pte(h, 0, DATA | WB); /* not present */
    expect_exit("violation.read", h, VMX_EXIT_EPT_VIOLATION, EPT_QUAL_READ | Q_FINAL, DATA, DATA,
                GUEST_CODE);
    harness_free(h);

    h = ept_guest("westmere", wr, sizeof wr, EPTP4);
    pte(h, 1, (DATA + 0x1000) | WB | EPTE_R);
    wr64(h, DATA + 0x1008, 5);
    expect_exit("violation.write", h, VMX_EXIT_EPT_VIOLATION,
                EPT_QUAL_WRITE | EPT_QUAL_READABLE | Q_FINAL, DATA + 0x1008, DATA + 0x1008,
                GUEST_CODE);
    CHECK_EQ("violation.write.memory_unchanged", rd64(h, DATA + 0x1008), 5);
    harness_free(h);

    h = ept_guest("westmere", fx, sizeof fx, EPTP4);
    pte(h, 2, (DATA + 0x2000) | WB | EPTE_R | EPTE_W);
    expect_exit("violation.fetch", h, VMX_EXIT_EPT_VIOLATION,
                EPT_QUAL_FETCH | EPT_QUAL_READABLE | EPT_QUAL_WRITABLE | Q_FINAL, DATA + 0x2000,
                DATA + 0x2000, DATA + 0x2000);
    harness_free(h);

    /* Execute-only (EPT_VPID_CAP bit 0): fetching works, reading does not. */
    h = ept_guest("westmere", xo, sizeof xo, EPTP4);
    pte(h, 3, (DATA + 0x3000) | WB | EPTE_X);
    phys_write(h->m, h->c, DATA + 0x3000, 1, 0xf4);
    expect_exit("exec_only.fetch", h, VMX_EXIT_HLT, 0, 0, 0, DATA + 0x3000);
    harness_free(h);
    h = ept_guest("westmere", xo_rd, sizeof xo_rd, EPTP4);
    pte(h, 3, (DATA + 0x3000) | WB | EPTE_X);
    expect_exit("exec_only.read", h, VMX_EXIT_EPT_VIOLATION,
                EPT_QUAL_READ | EPT_QUAL_EXECUTABLE | Q_FINAL, DATA + 0x3010, DATA + 0x3010,
                GUEST_CODE);
    harness_free(h);

    /* Misconfiguration: write without read (29.3.3.1). */
    static const u8 mc[] = {LOAD(DATA + 0x5000)};
    h = ept_guest("westmere", mc, sizeof mc, EPTP4);
    pte(h, 5, (DATA + 0x5000) | WB | EPTE_W);
    expect_exit("misconfig.w_without_r", h, VMX_EXIT_EPT_MISCONFIG, 0, DATA + 0x5000, 0,
                GUEST_CODE);
    harness_free(h);
}

/* A guest page table at guest-physical DATA + 0x4000 maps linear 8 MiB (PD index 4). */
static void guest_pt(struct harness *h)
{
    wr64(h, GUEST_PD + 4 * 8, (DATA + 0x4000) | 7);
    wr64(h, DATA + 0x4000, (DATA + 0x6000) | 7);
    wr64(h, DATA + 0x6000, 0xabcdef);
}

static void test_paging_access(void)
{
    static const u8 g[] = {LOAD(0x800000)};
    struct harness *h = ept_guest("westmere", g, sizeof g, EPTP4);
    guest_pt(h);
    pte(h, 4, (DATA + 0x4000) | WB); /* the guest PT is not present in EPT */
    expect_exit("paging.not_present", h, VMX_EXIT_EPT_VIOLATION, EPT_QUAL_READ | EPT_QUAL_GLA_VALID,
                DATA + 0x4000, 0x800000, GUEST_CODE);
    CHECK_EQ("paging.not_present.guest_pte_untouched", rd64(h, DATA + 0x4000), (DATA + 0x6000) | 7);
    /* Through the table once present: the guest sees the value and its A flags are set. */
    pte(h, 4, (DATA + 0x4000) | WB | RWX);
    expect_exit("paging.present", h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + sizeof g);
    CHECK_EQ("paging.present.value", h->c->r[RAX], 0xabcdef);
    CHECK_EQ("paging.present.guest_a_set", rd64(h, DATA + 0x4000) & 0x20, 0x20);
    harness_free(h);
}

static void test_ad(void)
{
    static const u8 g[] = {LOAD(DATA), STORE(DATA + 0x1008)}, gp[] = {LOAD(0x800000)};
    struct harness *h = ept_guest("skylake", g, sizeof g, EPTP4 | EPTP_AD);
    expect_exit("ad", h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + sizeof g);
    CHECK_EQ("ad.read_sets_a_only", rd64(h, EPT_PT) & (EPTE_A | EPTE_D), EPTE_A);
    CHECK_EQ("ad.write_sets_a_d", rd64(h, EPT_PT + 8) & (EPTE_A | EPTE_D), EPTE_A | EPTE_D);
    CHECK_EQ("ad.upper_levels_a", rd64(h, EPT_PD + 16) & rd64(h, EPT_PML4) & EPTE_A, EPTE_A);
    CHECK_EQ("ad.untouched_page_clean", rd64(h, EPT_PT + 16) & (EPTE_A | EPTE_D), 0);
    harness_free(h);

    /* A second write through the same page after the dirty flag was cleared sets it again:
     * no TLB write entry outlives the walk that set it (every entry walks afresh). */
    h = ept_guest("skylake", g, sizeof g, EPTP4 | EPTP_AD);
    host_enter(h, true);
    pte(h, 1, (DATA + 0x1000) | WB | RWX);
    vmcs_set(h->c, VMCS_GUEST_RIP, GUEST_CODE);
    host_enter(h, false);
    CHECK_EQ("ad.dirty_set_again", rd64(h, EPT_PT + 8) & EPTE_D, EPTE_D);
    harness_free(h);

    /* Guest paging-structure accesses are writes with A/D on (29.3.3.2). */
    h = ept_guest("skylake", gp, sizeof gp, EPTP4 | EPTP_AD);
    guest_pt(h);
    expect_exit("ad.paging", h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + sizeof gp);
    CHECK_EQ("ad.paging_access_sets_dirty", rd64(h, EPT_PT + 4 * 8) & (EPTE_A | EPTE_D),
             EPTE_A | EPTE_D);
    CHECK_EQ("ad.final_read_clean", rd64(h, EPT_PT + 6 * 8) & (EPTE_A | EPTE_D), EPTE_A);
    harness_free(h);
    h = ept_guest("skylake", gp, sizeof gp, EPTP4 | EPTP_AD);
    guest_pt(h);
    pte(h, 4, (DATA + 0x4000) | WB | EPTE_R | EPTE_X);
    expect_exit("ad.paging_needs_write", h, VMX_EXIT_EPT_VIOLATION,
                EPT_QUAL_READ | EPT_QUAL_WRITE | EPT_QUAL_READABLE | EPT_QUAL_EXECUTABLE |
                    EPT_QUAL_GLA_VALID,
                DATA + 0x4000, 0x800000, GUEST_CODE);
    harness_free(h);
    /* Without A/D the same read-only table is fine. */
    h = ept_guest("skylake", gp, sizeof gp, EPTP4);
    guest_pt(h);
    pte(h, 4, (DATA + 0x4000) | WB | EPTE_R | EPTE_X);
    wr64(h, DATA + 0x4000, (DATA + 0x6000) | 7 | 0x20); /* A already set: no guest A write */
    expect_exit("noad.paging_read_only_ok", h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + sizeof gp);
    harness_free(h);
}

/* Large pages that are not the identity: a bypassed translation reads other bytes. */
static void test_large_pages(void)
{
    static const u8 g2[] = {LOAD(0x600010)}, g1[] = {LOAD(0x805000)};
    struct harness *h = ept_guest("westmere", g2, sizeof g2, EPTP4);
    wr64(h, EPT_PD + 3 * 8, 0xa00000 | 0x80 | WB | RWX); /* guest-physical 6 MiB -> 10 MiB */
    wr64(h, 0xa00010, 0x2222);
    wr64(h, 0x600010, 0x1111);
    expect_exit("page_2m", h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + sizeof g2);
    CHECK_EQ("page_2m.value", h->c->r[RAX], 0x2222);
    harness_free(h);

    /* Guest linear 8 MiB -> guest-physical 1 GiB (guest 2 MiB page) -> EPT 1 GiB page -> 0. */
    h = ept_guest("skylake", g1, sizeof g1, EPTP4);
    wr64(h, GUEST_PD + 4 * 8, 0x40000000 | 0x87);
    wr64(h, EPT_PDPT + 8, 0 | 0x80 | WB | RWX);
    wr64(h, 0x5000, 0x3333);
    expect_exit("page_1g", h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + sizeof g1);
    CHECK_EQ("page_1g.value", h->c->r[RAX], 0x3333);
    harness_free(h);
    /* Westmere has no 1 GiB EPT pages: bit 7 of a PDPTE is reserved (misconfiguration). */
    h = ept_guest("westmere", g1, sizeof g1, EPTP4);
    wr64(h, GUEST_PD + 4 * 8, 0x40000000 | 0x87);
    wr64(h, EPT_PDPT + 8, 0 | 0x80 | WB | RWX);
    expect_exit("page_1g.westmere_misconfig", h, VMX_EXIT_EPT_MISCONFIG, 0, 0x40005000, 0,
                GUEST_CODE);
    harness_free(h);
}

static void test_five_level(void)
{
    static const u8 g[] = {LOAD(0x600010)};
    struct harness *h = ept_guest("icelake", g, sizeof g, EPTP5);
    wr64(h, EPT_PD + 3 * 8, 0xa00000 | 0x80 | WB | RWX);
    wr64(h, 0xa00010, 0x5555);
    expect_exit("five_level", h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + sizeof g);
    CHECK_EQ("five_level.value", h->c->r[RAX], 0x5555);
    harness_free(h);
    /* Skylake offers page-walk length 4 only: VM entry fails its EPTP check. */
    h = ept_guest("skylake", g, sizeof g, EPTP5);
    host_enter(h, true);
    CHECK("five_level.skylake_vmfail7", vmx_outcome(h) == 'V' && vm_error(h) == 7, "%c %u",
          vmx_outcome(h), vm_error(h));
    CHECK("five_level.skylake_check", !strcmp(last_check(h), "ctl.ept.eptp"), "%s", last_check(h));
    harness_free(h);
}

/* INVEPT after changing an EPT entry: the guest sees the new mapping. */
static void test_invept(void)
{
    static const u8 g[] = {LOAD(DATA)};
    struct harness *h = ept_guest("westmere", g, sizeof g, EPTP4);
    wr64(h, DATA, 1);
    wr64(h, DATA + 0x7000, 2);
    host_enter(h, true);
    CHECK_EQ("invept.before", h->c->r[RAX], 1);
    pte(h, 0, (DATA + 0x7000) | WB | RWX);
    u64 desc[2] = {EPTP4, 0};
    phys_copy_in(h->m, SCRATCH, desc, sizeof desc);
    h->c->r[RBX] = SCRATCH;
    h->c->r[RAX] = 1;
    RUN(h, I_INVEPT);
    CHECK("invept.single_succeeds", vmx_outcome(h) == 'S', "%c %u", vmx_outcome(h), vm_error(h));
    h->c->r[RAX] = 2;
    RUN(h, I_INVEPT);
    CHECK("invept.all_succeeds", vmx_outcome(h) == 'S', "%c %u", vmx_outcome(h), vm_error(h));
    desc[0] = EPTP5; /* westmere: page-walk length 5 is not offered */
    phys_copy_in(h->m, SCRATCH, desc, sizeof desc);
    h->c->r[RAX] = 1;
    RUN(h, I_INVEPT);
    CHECK("invept.bad_eptp_vmfail28", vmx_outcome(h) == 'V' && vm_error(h) == 28, "%c %u",
          vmx_outcome(h), vm_error(h));
    vmcs_set(h->c, VMCS_GUEST_RIP, GUEST_CODE);
    host_enter(h, false);
    CHECK_EQ("invept.after", h->c->r[RAX], 2);
    harness_free(h);
}

/* Pages of the 4 KiB-mapped region used below: an IRET frame, a guest IDT, a handler
 * stack, and a PAE guest's page directories and PDPT. */
#define IRET_STACK (DATA + 0x10000)
#define GUEST_IDT (DATA + 0x11000)
#define HSTACK_PAGE (DATA + 0x12000)
#define PAE_PD_A (DATA + 0x14000)
#define PAE_PDPT (DATA + 0x15000)
#define PAE_PD_B (DATA + 0x16000)
#define PTE_OF(pa) ((unsigned)(((pa)-DATA) >> 12))
#define MOV_ESP(a) 0xbc, (u8)(a), (u8)((a) >> 8), (u8)((a) >> 16), (u8)((a) >> 24)

/* Bit 12 of the EPT-violation qualification, "NMI unblocking due to IRET" (SDM 28.2.1
 * Table 28-7, 28.2.3): set when the violating access belongs to an IRET that unblocked
 * NMIs (NMI exiting 0) or virtual NMIs (virtual NMIs 1). IRET unblocks even though it
 * faults (26.3), so the saved interruptibility shows no blocking. The IRET reads its
 * frame from a stack page that is not present in EPT. */
static void iret_case(const char *name, u32 pin, u32 intr, bool want_bit12)
{
    static const u8 g[] = {MOV_ESP(IRET_STACK), 0x48, 0xcf}; /* mov esp; iretq */
    char n[96];
    struct harness *h = ept_guest("skylake", g, sizeof g, EPTP4);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_PIN_BASED_VM_EXEC_CONTROL, vmcs_get(c, VMCS_PIN_BASED_VM_EXEC_CONTROL) | pin);
    vmcs_set(c, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
    pte(h, PTE_OF(IRET_STACK), IRET_STACK | WB); /* not present */
    expect_exit(name, h, VMX_EXIT_EPT_VIOLATION,
                EPT_QUAL_READ | Q_FINAL_ADV | (want_bit12 ? EPT_QUAL_NMI_UNBLOCK : 0), IRET_STACK,
                IRET_STACK, GUEST_CODE + 5);
    snprintf(n, sizeof n, "%s.nmi_blocking_saved_clear", name);
    CHECK_EQ(n, vmcs_get(c, VMCS_GUEST_INTERRUPTIBILITY_INFO) & INTR_BLOCK_NMI, 0);
    harness_free(h);
}

static void test_iret_nmi_unblocking(void)
{
    iret_case("iret_nmi.virtual_nmis", PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, INTR_BLOCK_NMI, true);
    iret_case("iret_nmi.no_nmi_exiting", 0, INTR_BLOCK_NMI, true);
    /* Nothing blocked: the IRET unblocked nothing. */
    iret_case("iret_nmi.virtual_not_blocked", PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0, false);

    /* A violation by the instruction after an IRET that unblocked virtual NMIs is not
     * the IRET's: bit 12 clear. The IRET returns to a load from a page not in EPT. */
    static const u8 g[] = {MOV_ESP(IRET_STACK + 0x100), 0x48, 0xcf, LOAD(DATA + 0x13008)};
    struct harness *h = ept_guest("skylake", g, sizeof g, EPTP4);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_PIN_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_PIN_BASED_VM_EXEC_CONTROL) | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
    vmcs_set(c, VMCS_GUEST_INTERRUPTIBILITY_INFO, INTR_BLOCK_NMI);
    const u64 frame[5] = {GUEST_CODE + 7, H_CODE64, FL_FIXED1, IRET_STACK + 0x800, H_DATA32};
    phys_copy_in(h->m, IRET_STACK + 0x100, frame, sizeof frame);
    pte(h, PTE_OF(DATA + 0x13000), (DATA + 0x13000) | WB); /* not present */
    expect_exit("iret_nmi.next_instruction", h, VMX_EXIT_EPT_VIOLATION, EPT_QUAL_READ | Q_FINAL_ADV,
                DATA + 0x13008, DATA + 0x13008, GUEST_CODE + 7);
    harness_free(h);
}

/* A 64-bit interrupt gate for `vec` in the guest IDT to `target`. */
static void idt_gate(struct harness *h, unsigned vec, u64 target)
{
    wr64(h, GUEST_IDT + 16 * vec,
         (target & 0xffff) | (u64)H_CODE64 << 16 | 0x8eull << 40 | ((target >> 16) & 0xffff) << 48);
    wr64(h, GUEST_IDT + 16 * vec + 8, target >> 32);
}

/* An EPT violation during event delivery (SDM 28.2.4): the IDT-vectoring information
 * describes the event being delivered (and its error code; for a software exception the
 * VM-exit instruction length, 28.2.5), the exit interruption information is invalid, and
 * guest RIP is the instruction the event belongs to. */
static struct harness *delivery_guest(const u8 *g, size_t n)
{
    struct harness *h = ept_guest("skylake", g, n, EPTP4);
    vmcs_set(h->c, VMCS_GUEST_IDTR_BASE, GUEST_IDT);
    vmcs_set(h->c, VMCS_GUEST_IDTR_LIMIT, 0xfff);
    h->c->stop_on_exception = false; /* guest exceptions go through the executor's delivery */
    return h;
}

static void check_vectoring(const char *name, struct harness *h, u32 info, u32 err)
{
    char n[96];
    snprintf(n, sizeof n, "%s.idt_vectoring_info", name);
    CHECK_EQ(n, vmcs_get(h->c, VMCS_IDT_VECTORING_INFO_FIELD), info);
    if (info & INTR_INFO_ERRCODE) {
        snprintf(n, sizeof n, "%s.idt_vectoring_error", name);
        CHECK_EQ(n, vmcs_get(h->c, VMCS_IDT_VECTORING_ERROR_CODE), err);
    }
    snprintf(n, sizeof n, "%s.exit_intr_info_invalid", name);
    CHECK_EQ(n, vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO) & INTR_INFO_VALID, 0);
}

static void test_delivery(void)
{
    /* #UD: the IDT itself is not present in EPT; the gate read violates. */
    static const u8 ud[] = {0x0f, 0x0b};
    struct harness *h = delivery_guest(ud, sizeof ud);
    pte(h, PTE_OF(GUEST_IDT), GUEST_IDT | WB);
    expect_exit("delivery.ud_idt", h, VMX_EXIT_EPT_VIOLATION, EPT_QUAL_READ | Q_FINAL_ADV,
                GUEST_IDT + 16 * 6, GUEST_IDT + 16 * 6, GUEST_CODE);
    check_vectoring("delivery.ud_idt", h, INTR_INFO_VALID | 3u << 8 | 6, 0);
    harness_free(h);

    /* INT3, a software exception: instruction length 1. */
    static const u8 bp[] = {0xcc};
    h = delivery_guest(bp, sizeof bp);
    pte(h, PTE_OF(GUEST_IDT), GUEST_IDT | WB);
    expect_exit("delivery.int3_idt", h, VMX_EXIT_EPT_VIOLATION, EPT_QUAL_READ | Q_FINAL_ADV,
                GUEST_IDT + 16 * 3, GUEST_IDT + 16 * 3, GUEST_CODE);
    check_vectoring("delivery.int3_idt", h, INTR_INFO_VALID | 6u << 8 | 3, 0);
    CHECK_EQ("delivery.int3_idt.insn_len", vmcs_get(h->c, VMCS_VM_EXIT_INSTRUCTION_LEN), 1);
    harness_free(h);

    /* #GP(0) from a non-canonical load: the gate is there, the stack the frame goes to
     * is not present in EPT; the push violates (a write), error code 0. */
    static const u8 gp[] = {
        MOV_ESP(HSTACK_PAGE + 0x1000), 0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x48, 0x8b, 0x00};
    h = delivery_guest(gp, sizeof gp);
    idt_gate(h, 13, GUEST_CODE + 0x100);
    pte(h, PTE_OF(HSTACK_PAGE), HSTACK_PAGE | WB);
    int r = host_enter(h, true);
    CHECK_EQ("delivery.gp_stack.run", r, -1);
    CHECK_EQ("delivery.gp_stack.reason", exit_reason(h), VMX_EXIT_EPT_VIOLATION);
    CHECK_EQ("delivery.gp_stack.qual", exit_qual(h), EPT_QUAL_WRITE | Q_FINAL_ADV);
    CHECK_EQ("delivery.gp_stack.rip", grip(h), GUEST_CODE + 15);
    u64 gpa = vmcs_get(h->c, VMCS_GUEST_PHYSICAL_ADDRESS);
    CHECK("delivery.gp_stack.gpa_in_frame",
          gpa >= HSTACK_PAGE + 0x1000 - 40 && gpa < HSTACK_PAGE + 0x1000, "0x%llx",
          (unsigned long long)gpa);
    CHECK_EQ("delivery.gp_stack.gla", vmcs_get(h->c, VMCS_GUEST_LINEAR_ADDRESS), gpa);
    check_vectoring("delivery.gp_stack", h, INTR_INFO_VALID | INTR_INFO_ERRCODE | 3u << 8 | 13, 0);
    harness_free(h);
}

/* A PAE guest under EPT (SDM 27.3.2.4): VM entry loads the PDPTEs from the guest PDPTE
 * fields, not from the PDPT CR3 points to; MOV to CR3 then loads them from guest memory
 * through EPT (29.3.3.2: as reads, also with EPT A/D, so a read-only EPT page suffices
 * and its dirty flag stays clear; a missing one violates with bits 7 and 8 clear). The
 * VMCS's PDPTE maps linear 2 MiB to 2 MiB, the PDPT in memory maps it to 6 MiB. */
static struct harness *pae_guest(u64 eptp)
{
    /* clang-format off */
    static const u8 g[] = {0x8b, 0x1d, 0x10, 0x00, 0x20, 0x00, /* mov ebx, [0x200010] */
                           0xb8, (u8)PAE_PDPT, (u8)(PAE_PDPT >> 8), (u8)(PAE_PDPT >> 16),
                           (u8)(PAE_PDPT >> 24),               /* mov eax, PAE_PDPT */
                           0x0f, 0x22, 0xd8,                   /* mov cr3, eax */
                           0x8b, 0x0d, 0x10, 0x00, 0x20, 0x00}; /* mov ecx, [0x200010] */
    /* clang-format on */
    struct harness *h = ept_guest("skylake", g, sizeof g, eptp);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_VM_ENTRY_CONTROLS,
             vmcs_get(c, VMCS_VM_ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_MODE);
    /* The guest's MOV to CR3 must not exit (TRUE controls allow clearing it). */
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) &
                 ~(u64)(CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING));
    vmcs_set(c, VMCS_GUEST_IA32_EFER, 0);
    vmcs_set(c, VMCS_GUEST_CS_SELECTOR, H_CODE32);
    vmcs_set(c, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
    vmcs_set(c, VMCS_GUEST_CR3, PAE_PDPT);
    vmcs_set(c, VMCS_GUEST_PDPTR0, PAE_PD_A | 1);
    vmcs_set(c, VMCS_GUEST_PDPTR1, 0);
    vmcs_set(c, VMCS_GUEST_PDPTR2, 0);
    vmcs_set(c, VMCS_GUEST_PDPTR3, 0);
    wr64(h, PAE_PD_A, 0x83);
    wr64(h, PAE_PD_A + 8, 0x200000 | 0x83);
    wr64(h, PAE_PDPT, PAE_PD_B | 1);
    wr64(h, PAE_PD_B, 0x83);
    wr64(h, PAE_PD_B + 8, 0x600000 | 0x83);
    wr64(h, 0x200010, 0x1111);
    wr64(h, 0x600010, 0x6666);
    return h;
}

static void test_pae_pdptes(void)
{
    struct harness *h = pae_guest(EPTP4);
    expect_exit("pae", h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + 20);
    CHECK_EQ("pae.entry_pdptes_from_vmcs", h->c->r[RBX], 0x1111);
    CHECK_EQ("pae.mov_cr3_pdptes_from_memory", h->c->r[RCX], 0x6666);
    harness_free(h);

    /* EPT A/D on and the PDPT read-only in EPT: MOV CR3 reads it, no violation, A only. */
    h = pae_guest(EPTP4 | EPTP_AD);
    pte(h, PTE_OF(PAE_PDPT), PAE_PDPT | WB | EPTE_R);
    expect_exit("pae.ad_read_only_pdpt", h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + 20);
    CHECK_EQ("pae.ad_read_only_pdpt.value", h->c->r[RCX], 0x6666);
    CHECK_EQ("pae.ad_pdpte_load_is_read",
             rd64(h, EPT_PT + 8 * PTE_OF(PAE_PDPT)) & (EPTE_A | EPTE_D), EPTE_A);
    harness_free(h);

    /* The PDPT not present in EPT: VM entry does not read it; MOV CR3 violates. */
    h = pae_guest(EPTP4);
    pte(h, PTE_OF(PAE_PDPT), PAE_PDPT | WB);
    int r = host_enter(h, true);
    CHECK_EQ("pae.pdpt_not_present.run", r, -1);
    CHECK_EQ("pae.pdpt_not_present.reason", exit_reason(h), VMX_EXIT_EPT_VIOLATION);
    CHECK_EQ("pae.pdpt_not_present.rip", grip(h), GUEST_CODE + 11);
    CHECK_EQ("pae.pdpt_not_present.qual", exit_qual(h), EPT_QUAL_READ);
    CHECK_EQ("pae.pdpt_not_present.gpa", vmcs_get(h->c, VMCS_GUEST_PHYSICAL_ADDRESS), PAE_PDPT);
    CHECK_EQ("pae.pdpt_not_present.entry_value", h->c->r[RBX], 0x1111);
    harness_free(h);
}

/* The effective memory type of a final access (SDM 29.3.7.2), shown by -d ept: the EPT
 * type combined with the guest's PAT type (Vol. 3A Table 12-7, EPT in the MTRR's place),
 * the EPT type alone with "ignore PAT", UC with guest CR0.CD = 1. The guest reads DATA
 * through the harness's 2 MiB page, which selects IA32_PAT entry 0. */
static void test_memtype_trace(void)
{
    static const struct {
        const char *name;
        u64 ept_bits, pat0, cr0_cd;
        const char *want;
    } t[] = {
        {"memtype.ept_wt.pat_wb", 4u << 3, 6, 0, "type WT (ept WT, pat WB)"},
        {"memtype.ept_wb.pat_wc", WB, 1, 0, "type WC (ept WB, pat WC)"},
        {"memtype.ept_wp.pat_ucm", 5u << 3, 7, 0, "type WC (ept WP, pat UC-)"},
        {"memtype.ept_wb.ipat.pat_wc", WB | EPTE_IPAT, 1, 0, "type WB (ept WB, ignore PAT, pat WC)"},
        {"memtype.cr0_cd", WB | EPTE_IPAT, 6, CR0_CD, "type UC (ept WB, ignore PAT, pat WB, CR0.CD)"},
    };
    static const u8 g[] = {LOAD(DATA)};
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        struct harness *h = ept_guest("skylake", g, sizeof g, EPTP4);
        pte(h, 0, DATA | t[k].ept_bits | RWX);
        h->c->pat = (h->c->pat & ~0xffull) | t[k].pat0;
        vmcs_set(h->c, VMCS_GUEST_CR0, vmcs_get(h->c, VMCS_GUEST_CR0) | t[k].cr0_cd);
        FILE *log = tmpfile();
        h->m->log = log;
        h->m->trace |= TRACE_EPT;
        expect_exit(t[k].name, h, VMX_EXIT_HLT, 0, 0, 0, GUEST_CODE + sizeof g);
        char buf[8192] = "", line[64];
        rewind(log);
        size_t n = fread(buf, 1, sizeof buf - 1, log);
        buf[n] = 0;
        snprintf(line, sizeof line, "lin %#x gpa %#x -> hpa %#x 4K rwx ", DATA, DATA, DATA);
        const char *at = strstr(buf, line);
        char name[96];
        snprintf(name, sizeof name, "%s.trace", t[k].name);
        CHECK(name, at && !strncmp(at + strlen(line), t[k].want, strlen(t[k].want)), "%s",
              at ? at : buf);
        h->m->log = stderr;
        fclose(log);
        harness_free(h);
    }
}

/* IA32_VMX_EPT_VPID_CAP as offered: what the real parts report (vmx_util.h). With -ept the
 * MSR stays for VPID (SDM A.10) with no EPT bit (the INVVPID bits: test_vmx_vpid). */
static void test_caps(void)
{
    static const struct {
        const char *spec;
        bool ok, exists;
        u64 cap;
    } t[] = {
        {"core2,+vmx", false, false, 0},
        {"westmere,+vmx", true, true, EPT_VPID_CAP_WESTMERE},
        {"skylake,+vmx", true, true, EPT_VPID_CAP_SKYLAKE},
        {"icelake,+vmx", true, true, EPT_VPID_CAP_ICELAKE},
        {"skylake,+vmx,-ept", false, true, VPID_CAP_HALF(EPT_VPID_CAP_SKYLAKE)},
        {"skylake,+vmx,-ept,-vpid", false, false, 0},
    };
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        char n[96];
        struct harness *h = vmx_spec_harness(t[k].spec);
        check_ept_vpid_cap(h, t[k].spec, t[k].exists, t[k].cap);
        snprintf(n, sizeof n, "cap.%s.proc2_ept", t[k].spec);
        CHECK_EQ(n, ((vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS2) >> 32) & SEC_EPT) != 0, t[k].ok);
        if (!t[k].ok) {
            RUN_M(h, I_VMXON, VMXON_PA);
            snprintf(n, sizeof n, "cap.%s.invept_ud", t[k].spec);
            CHECK_EQ(n, RUN(h, I_INVEPT), EXC_UD);
        }
        harness_free(h);
    }
}

int main(void)
{
    test_identity();
    test_violations();
    test_paging_access();
    test_ad();
    test_large_pages();
    test_five_level();
    test_invept();
    test_iret_nmi_unblocking();
    test_delivery();
    test_pae_pdptes();
    test_memtype_trace();
    test_caps();
    return check_exit();
}
