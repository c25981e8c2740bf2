/* Mode-based execute control for EPT (secondary control bit 22, SDM Vol. 3C 25.6.2,
 * 29.3.3.2) and advanced VM-exit information for EPT violations (IA32_VMX_EPT_VPID_CAP bit
 * 22, 28.2.1 Table 28-7 bits 9-11). With the control, a fetch from a supervisor-mode
 * linear address needs EPT bit 2 and one from a user-mode linear address bit 10, in every
 * EPT entry of the translation; whether an address is user-mode is guest paging's U/S
 * (every level 1), not the CPL; with CR0.PG = 0 every address is user-mode, writable and
 * executable. Without the control bit 10 is ignored. The qualification reports bit 5
 * (bit 2 of the entries) and bit 6 (bit 10) and, with advanced information, the linear
 * address's U/S, R/W and XD in bits 9, 10 and 11. The entry check "mode-based execute
 * control => enable EPT" (27.2.1.1) and the capability per model (Ice Lake has it, Skylake
 * client parts do not) with the `-mode-based-ept` switch. */
#include "vmx_guest.h"

#define EPT_PML4 (HARNESS_DATA + 0x100000)
#define EPT_PDPT (EPT_PML4 + 0x1000)
#define EPT_PD (EPT_PML4 + 0x2000)
#define EPT_PT (EPT_PML4 + 0x3000)
#define EPTP4 (EPT_PML4 | 6 | 3 << 3)
#define WB (6u << 3)
#define R EPTE_R
#define W EPTE_W
#define X EPTE_X
#define XU EPTE_XU
#define DATA 0x400000u                 /* 4-6 MiB: 4 KiB EPT pages, page k at DATA + k * 4096 */
#define GUEST_PD (HARNESS_PT + 0x2000) /* the harness's (and guest's) page directory */
#define GPT (DATA + 0x4000)            /* a guest page table for linear 8 MiB */
#define CODE_PAGE 6                    /* EPT PT index of the code page: DATA + 0x6000 */
#define LIN 0x800000u                  /* its linear address */
#define PTE_US 4u
#define PTE_RW 2u
#define PTE_XD (1ull << 63)

static void wr64(struct harness *h, u64 pa, u64 v) { phys_write(h->m, h->c, pa, 8, v); }

/* Identity EPT of the first 16 MiB (2 MiB pages; 4-6 MiB in 4 KiB pages), all of it
 * supervisor- and user-executable; the code page's entry is `code_perm`. */
static void ept_tables(struct harness *h, u64 code_perm)
{
    wr64(h, EPT_PML4, EPT_PDPT | R | W | X | XU);
    wr64(h, EPT_PDPT, EPT_PD | R | W | X | XU);
    for (u64 k = 0; k < 8; k++)
        wr64(h, EPT_PD + 8 * k, k << 21 | 0x80 | WB | R | W | X | XU);
    wr64(h, EPT_PD + 16, EPT_PT | R | W | X | XU);
    for (unsigned k = 0; k < 512; k++)
        wr64(h, EPT_PT + 8 * k, (DATA + 4096ull * k) | WB | R | W | X | XU);
    wr64(h, EPT_PT + 8 * CODE_PAGE, (DATA + 0x6000) | WB | code_perm);
}

/* A 64-bit guest (CPL 0) that jumps to LIN, where a HLT waits; guest paging maps LIN to
 * the code page with `gpte` flags (U/S, R/W, XD); the guest's EFER has NXE so that XD
 * counts. */
static struct harness *fetch_guest(const char *model, u32 proc2, u64 gpte, u64 code_perm)
{
    static const u8 g[] = {0xb8, (u8)LIN, (u8)(LIN >> 8), (u8)(LIN >> 16), (u8)(LIN >> 24),
                           0xff, 0xe0}; /* mov eax, LIN; jmp rax */
    struct harness *h = vmx_guest_setup(model, HOST_RESUME);
    struct cpu *c = h->c;
    guest_code(h, g, sizeof g);
    ept_tables(h, code_perm);
    wr64(h, GUEST_PD + 4 * 8, GPT | 7);
    wr64(h, GPT, (DATA + 0x6000) | 1 | gpte);
    phys_write(h->m, c, DATA + 0x6000, 1, 0xf4); /* hlt */
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_HLT_EXITING |
                 CPU_SECONDARY_CONTROLS);
    vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
    vmcs_set(c, VMCS_EPT_POINTER, EPTP4);
    vmcs_set(c, VMCS_VM_ENTRY_CONTROLS, vmcs_get(c, VMCS_VM_ENTRY_CONTROLS) | ENTRY_LOAD_EFER);
    vmcs_set(c, VMCS_GUEST_IA32_EFER, vmcs_get(c, VMCS_GUEST_IA32_EFER) | EFER_NXE);
    return h;
}

#define Q_FETCH (EPT_QUAL_FETCH | EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL)
#define Q_RW (EPT_QUAL_READABLE | EPT_QUAL_WRITABLE)

static const struct fetch_case {
    const char *name, *model;
    u32 proc2;
    u64 gpte, perm;
    u64 qual; /* 0: the fetch succeeds (the HLT at LIN exits) */
} fetch_cases[] = {
    /* Supervisor-mode address (U/S 0 in the guest PTE): bit 2 decides. */
    {"mbec.super.x", "icelake", SEC_EPT | SEC_MODE_BASED_EPT, PTE_RW, R | W | X, 0},
    {"mbec.super.xu_only", "icelake", SEC_EPT | SEC_MODE_BASED_EPT, PTE_RW, R | W | XU,
     Q_FETCH | Q_RW | EPT_QUAL_USER_EXECUTABLE | EPT_QUAL_GLA_RW},
    /* User-mode address (U/S 1 at every level), fetched at CPL 0: bit 10 decides. */
    {"mbec.user.xu", "icelake", SEC_EPT | SEC_MODE_BASED_EPT, PTE_US | PTE_RW, R | W | XU, 0},
    {"mbec.user.x_only", "icelake", SEC_EPT | SEC_MODE_BASED_EPT, PTE_US | PTE_RW, R | W | X,
     Q_FETCH | Q_RW | EPT_QUAL_EXECUTABLE | EPT_QUAL_GLA_USER | EPT_QUAL_GLA_RW},
    /* Execute-only for user-mode addresses: readable 0 is allowed (execute-only offered). */
    {"mbec.user.xu_exec_only", "icelake", SEC_EPT | SEC_MODE_BASED_EPT, PTE_US, XU, 0},
    /* Without the control bit 10 is ignored and bit 6 of the qualification is 0. */
    {"no_mbec.user.xu_only", "icelake", SEC_EPT, PTE_US | PTE_RW, R | W | XU,
     Q_FETCH | Q_RW | EPT_QUAL_GLA_USER | EPT_QUAL_GLA_RW},
    {"no_mbec.super.x", "icelake", SEC_EPT, PTE_RW, R | W | X, 0},
    /* Westmere has no advanced information: bits 9-11 stay 0. */
    {"westmere.no_adv", "westmere", SEC_EPT, PTE_US | PTE_RW, R | W,
     Q_FETCH | Q_RW},
};

static void test_fetch(void)
{
    for (size_t k = 0; k < ARRAY_LEN(fetch_cases); k++) {
        const struct fetch_case *t = &fetch_cases[k];
        struct harness *h = fetch_guest(t->model, t->proc2, t->gpte, t->perm);
        char n[96];
        int r = host_enter(h, true);
        snprintf(n, sizeof n, "%s.run", t->name);
        CHECK_EQ(n, r, -1);
        snprintf(n, sizeof n, "%s.reason", t->name);
        CHECK_EQ(n, exit_reason(h), t->qual ? VMX_EXIT_EPT_VIOLATION : VMX_EXIT_HLT);
        snprintf(n, sizeof n, "%s.rip", t->name);
        CHECK_EQ(n, grip(h), LIN); /* the HLT, or the fetch that violated */
        if (t->qual) {
            snprintf(n, sizeof n, "%s.qual", t->name);
            CHECK_EQ(n, exit_qual(h), t->qual);
            snprintf(n, sizeof n, "%s.gpa", t->name);
            CHECK_EQ(n, vmcs_get(h->c, VMCS_GUEST_PHYSICAL_ADDRESS), DATA + 0x6000);
            snprintf(n, sizeof n, "%s.gla", t->name);
            CHECK_EQ(n, vmcs_get(h->c, VMCS_GUEST_LINEAR_ADDRESS), LIN);
        }
        harness_free(h);
    }
}

/* Advanced information for a data read: the guest reads LIN (mapped with `gpte`) and the
 * EPT entry of its page is not present; bits 9-11 are U/S, R/W and XD of the address. */
static void test_adv_read(void)
{
    static const struct {
        const char *name;
        u64 gpte, bits;
    } t[] = {
        {"adv.read.super_ro_xd", PTE_XD, EPT_QUAL_GLA_XD},
        {"adv.read.user_rw", PTE_US | PTE_RW, EPT_QUAL_GLA_USER | EPT_QUAL_GLA_RW},
        {"adv.read.super_rw", PTE_RW, EPT_QUAL_GLA_RW},
        {"adv.read.user_ro_xd", PTE_US | PTE_XD, EPT_QUAL_GLA_USER | EPT_QUAL_GLA_XD},
    };
    static const u8 g[] = {0x8b, 0x04, 0x25, (u8)LIN, (u8)(LIN >> 8), (u8)(LIN >> 16),
                           (u8)(LIN >> 24)}; /* mov eax, [LIN] */
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        struct harness *h = fetch_guest("skylake", SEC_EPT, t[k].gpte, 0);
        guest_code(h, g, sizeof g);
        char n[96];
        int r = host_enter(h, true);
        snprintf(n, sizeof n, "%s.reason", t[k].name);
        CHECK(n, r == -1 && exit_reason(h) == VMX_EXIT_EPT_VIOLATION, "r=%d reason=%u", r,
              exit_reason(h));
        snprintf(n, sizeof n, "%s.qual", t[k].name);
        CHECK_EQ(n, exit_qual(h), EPT_QUAL_READ | EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL | t[k].bits);
        harness_free(h);
    }
}

/* CR0.PG = 0 (unrestricted guest, unpaged protected mode): every linear address is a
 * user-mode, writable, executable one, so bits 9 and 10 are set, 11 clear, and under
 * mode-based execute control a fetch needs bit 10. */
static void test_unpaged(void)
{
    static const struct {
        const char *name;
        u32 proc2;
        u64 perm, qual;
    } t[] = {
        {"unpaged.adv_bits", SEC_EPT | SEC_UNRESTRICTED_GUEST, R | W,
         Q_FETCH | Q_RW | EPT_QUAL_GLA_USER | EPT_QUAL_GLA_RW},
        {"unpaged.mbec.x_only", SEC_EPT | SEC_UNRESTRICTED_GUEST | SEC_MODE_BASED_EPT, R | W | X,
         Q_FETCH | Q_RW | EPT_QUAL_EXECUTABLE | EPT_QUAL_GLA_USER | EPT_QUAL_GLA_RW},
        {"unpaged.mbec.xu", SEC_EPT | SEC_UNRESTRICTED_GUEST | SEC_MODE_BASED_EPT, R | W | XU, 0},
    };
    static const u8 g[] = {0xb8, (u8)(DATA + 0x6000), (u8)((DATA + 0x6000) >> 8),
                           (u8)((DATA + 0x6000) >> 16), (u8)((DATA + 0x6000) >> 24),
                           0xff, 0xe0}; /* mov eax, code page; jmp eax (32-bit code) */
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        struct harness *h = fetch_guest("icelake", t[k].proc2, 0, t[k].perm);
        struct cpu *c = h->c;
        guest_code(h, g, sizeof g);
        /* Flat 32-bit protected mode without paging (SDM 27.3.1 with unrestricted guest). */
        vmcs_set(c, VMCS_VM_ENTRY_CONTROLS,
                 vmcs_get(c, VMCS_VM_ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_MODE);
        vmcs_set(c, VMCS_GUEST_IA32_EFER, 0);
        vmcs_set(c, VMCS_GUEST_CR0, CR0_NE | CR0_ET | CR0_PE);
        vmcs_set(c, VMCS_GUEST_CR4, CR4_VMXE);
        for (int s = 0; s < 6; s++) {
            vmcs_set(c, vmx_gseg_sel(s), s == SEG_CS ? H_CODE32 : H_DATA32);
            vmcs_set(c, vmx_gseg_base(s), 0);
            vmcs_set(c, vmx_gseg_limit(s), 0xffffffff);
            vmcs_set(c, vmx_gseg_ar(s), s == SEG_CS ? 0xc09b : 0xc093);
        }
        char n[96];
        int r = host_enter(h, true);
        snprintf(n, sizeof n, "%s.reason", t[k].name);
        CHECK(n, r == -1 && exit_reason(h) == (t[k].qual ? VMX_EXIT_EPT_VIOLATION : VMX_EXIT_HLT),
              "r=%d reason=%u (%s)", r, exit_reason(h), last_check(h));
        if (t[k].qual) {
            snprintf(n, sizeof n, "%s.qual", t[k].name);
            CHECK_EQ(n, exit_qual(h), t[k].qual);
        }
        harness_free(h);
    }
}

/* 27.2.1.1: mode-based execute control needs "enable EPT"; VMfailValid(7) otherwise. */
static void test_entry_check(void)
{
    struct harness *h = fetch_guest("icelake", SEC_MODE_BASED_EPT, PTE_RW, R | W | X);
    host_enter(h, true);
    CHECK("entry.mbec_without_ept.vmfail7", vmx_outcome(h) == 'V' && vm_error(h) == 7, "%c %u",
          vmx_outcome(h), vm_error(h));
    CHECK("entry.mbec_without_ept.check", !strcmp(last_check(h), "ctl.mode_based_ept.ept"), "%s",
          last_check(h));
    harness_free(h);
}

/* The control per model (allowed-1 of IA32_VMX_PROCBASED_CTLS2) and its switch. */
static void test_caps(void)
{
    static const struct {
        const char *spec;
        bool mbec;
    } t[] = {
        {"westmere,+vmx", false},         {"skylake,+vmx", false},
        {"icelake,+vmx", true},           {"icelake,+vmx,-mode-based-ept", false},
        {"icelake,+vmx,-ept", false},
    };
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        char n[96];
        struct harness *h = vmx_spec_harness(t[k].spec);
        snprintf(n, sizeof n, "cap.%s.mode_based_ept", t[k].spec);
        CHECK_EQ(n, ((vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS2) >> 32) & SEC_MODE_BASED_EPT) != 0,
                 t[k].mbec);
        harness_free(h);
    }
}

int main(void)
{
    test_fetch();
    test_adv_read();
    test_unpaged();
    test_entry_check();
    test_caps();
    return check_exit();
}
