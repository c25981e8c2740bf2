/* EPT, 64-bit half (SDM Vol. 3C 29.3 the EPT mechanism, 28.2.1 Table 28-7 the
 * EPT-violation exit qualification, 29.3.3 violations and misconfigurations, 29.3.5
 * accessed and dirty flags, 30.3 INVEPT). The guest shares the host's identity paging;
 * EPT maps guest-physical 0-4 GiB onto itself with 2 MiB pages, except the test region
 * T (32-34 MiB), mapped with 4 KiB pages so each test page gets its own permissions, and
 * the 2 MiB page at G, which a test maps elsewhere. Checks run only for what the model's
 * IA32_VMX_EPT_VPID_CAP offers, so both emulators leave out the same lines; nothing
 * prints an address. */
#include "vmx.h"

#define SNIPPET(name, body)                                                              \
    extern char name[], name##_at[];                                                     \
    __asm__(".text\n.globl " #name "\n" #name ":\n" body "\n")

SNIPPET(g_cpuid, "xor %eax, %eax\n xor %ecx, %ecx\n g_cpuid_at: cpuid\n vmcall");
SNIPPET(g_load, "g_load_at: mov (%rbx), %rax\n vmcall");
SNIPPET(g_store, "mov $0x5a5a, %eax\n g_store_at: mov %rax, (%rbx)\n vmcall");
SNIPPET(g_jump, "g_jump_at: jmp *%rbx");

#define SEC_EPT (1u << 1)
#define EXIT_EPT_VIOLATION 48
#define EXIT_EPT_MISCONFIG 49
#define VMERR_INVEPT_BAD_OPERAND 28

/* IA32_VMX_EPT_VPID_CAP (SDM A.10) */
#define CAP_EXEC_ONLY (1ull << 0)
#define CAP_WALK4 (1ull << 6)
#define CAP_WALK5 (1ull << 7)
#define CAP_WB (1ull << 14)
#define CAP_2M (1ull << 16)
#define CAP_AD (1ull << 21)
#define CAP_INVEPT (1ull << 20)
#define CAP_INVEPT_SINGLE (1ull << 25)
#define CAP_INVEPT_ALL (1ull << 26)

/* EPT entries (29.3.2) and EPTP (25.6.11) */
#define R 1ull
#define W 2ull
#define X 4ull
#define RWX 7ull
#define MT_WB (6ull << 3)
#define PS (1ull << 7)
#define EPT_A (1ull << 8)
#define EPT_D (1ull << 9)
#define EPTP_AD (1ull << 6)

/* Exit qualification bits (Table 28-7) */
#define Q_READ (1ull << 0)
#define Q_WRITE (1ull << 1)
#define Q_FETCH (1ull << 2)
#define Q_READABLE (1ull << 3)
#define Q_WRITABLE (1ull << 4)
#define Q_EXECUTABLE (1ull << 5)
#define Q_GLA_VALID (1ull << 7)
#define Q_FINAL (1ull << 8)
/* With advanced exit information (capability bit 22), bits 9-11 of a final translation's
 * qualification are the linear address's U/S, R/W and XD: the runtime maps everything
 * user-mode and writable (28.2.1). */
#define CAP_ADV_INFO (1ull << 22)
#define Q_LIN_USER_RW (3ull << 9)
#define Q_LIN_RW (1ull << 10)
#define Q_USER_EXECUTABLE (1ull << 6)
#define SEC_MBEC (1u << 22) /* mode-based execute control for EPT */
#define XU (1ull << 10)     /* EPT: user-mode execute with it */
#define Q_FINAL_LIN (Q_FINAL | ((cap & CAP_ADV_INFO) ? Q_LIN_USER_RW : 0))

/* Guest-physical layout. T: the 4 KiB-mapped region; its pages: */
#define T 0x2000000ull
#define DATA (T + 0x0000)  /* read/write tests */
#define CODE (T + 0x1000)  /* fetch tests: holds a VMCALL */
#define GP4 (T + 0x2000)   /* the guest's own PML4, PDPT and PD for linear LIN */
#define GPDPT (T + 0x3000)
#define GPD (T + 0x4000)
#define LIN 0x8000000000ull /* PML4 slot 1: mapped by GP4 -> GPDPT -> GPD -> G */
#define G 0x2400000ull      /* a 2 MiB page the remap tests move */
#define H1 0x2600000ull
#define H2 0x2800000ull
#define OFF 0x128           /* offset of the marker in G, H1, H2 and of accesses in DATA */

static u64 cap, pml5, pml4, pdpt, pd[4], pt;

static u64 *ept_pte(u64 gpa) { return &((u64 *)pt)[(gpa - T) >> 12]; }
static u64 *ept_pde(u64 gpa) { return &((u64 *)pd[gpa >> 30])[(gpa >> 21) & 511]; }

/* Identity EPT of 0-4 GiB: 2 MiB write-back pages, T in 4 KiB pages; the guest's own
 * paging structures for LIN (accessed flags preset, so the guest's walk writes nothing). */
static void build(void)
{
    pml5 = vmx_alloc_page();
    pml4 = vmx_alloc_page();
    pdpt = vmx_alloc_page();
    pt = vmx_alloc_page();
    ((u64 *)pml5)[0] = pml4 | RWX;
    ((u64 *)pml4)[0] = pdpt | RWX;
    for (int i = 0; i < 4; i++) {
        pd[i] = vmx_alloc_page();
        ((u64 *)pdpt)[i] = pd[i] | RWX;
        for (u64 j = 0; j < 512; j++)
            ((u64 *)pd[i])[j] = ((u64)i << 30 | j << 21) | PS | MT_WB | RWX;
    }
    *ept_pde(T) = pt | RWX;
    for (u64 k = 0; k < 512; k++)
        ((u64 *)pt)[k] = (T + (k << 12)) | MT_WB | RWX;
    memset((void *)T, 0, 0x5000);
    ((u8 *)CODE)[0] = 0x0f; /* VMCALL */
    ((u8 *)CODE)[1] = 0x01;
    ((u8 *)CODE)[2] = 0xc1;
    u64 *host_pml4 = (u64 *)(read_cr3() & ~0xfffull);
    ((u64 *)GP4)[0] = host_pml4[0];
    ((u64 *)GP4)[1] = GPDPT | 0x23; /* P, RW, A */
    ((u64 *)GPDPT)[0] = GPD | 0x23;
    ((u64 *)GPD)[0] = G | 0xe3;     /* P, RW, A, D, PS */
    *(u64 *)(G + OFF) = 0x6161;
    *(u64 *)(H1 + OFF) = 0x6262;
    *(u64 *)(H2 + OFF) = 0x6363;
}

/* A fresh guest running fn under EPT with this EPTP (walk length 4, WB, flags). */
static void guest(void *fn, u64 eptp)
{
    vmx_default_vmcs((void (*)(void))fn);
    vmw_or(PROC_CONTROLS, PROC_SECONDARY);
    vmw(PROC_CONTROLS2, vmx_adjust(vmx_caps.proc2, SEC_EPT));
    vmw(EPT_POINTER, eptp);
}
static u64 eptp4(u64 flags) { return pml4 | 6 | 3 << 3 | flags; }

static int run(const char *name)
{
    int st = vmx_run();
    if (st != VMX_EXITED) fail(name, "VM entry status %d error %u", st, vmx_insn_error());
    return st == VMX_EXITED;
}

/* The guest's access exits with an EPT violation: reason, guest RIP, qualification,
 * guest-physical and guest-linear address, one line each. */
static void violation(const char *name, const char *rip, u64 qual, u64 gpa, u64 gla)
{
    char n[80];
    snprintf(n, sizeof n, "%s_reason", name);
    if (!run(n)) return;
    check_eq(n, vmx_exit.reason, EXIT_EPT_VIOLATION);
    snprintf(n, sizeof n, "%s_rip", name);
    check_eq(n, vmx_exit.guest_rip, (u64)rip);
    snprintf(n, sizeof n, "%s_qual", name);
    check_eq(n, vmx_exit.qual, qual);
    snprintf(n, sizeof n, "%s_gpa", name);
    check_eq(n, vmx_exit.guest_phys, gpa);
    snprintf(n, sizeof n, "%s_gla", name);
    check_eq(n, vmx_exit.guest_linear, gla);
}

/* The guest's load from `lin` completes: its VMCALL exits and RAX holds `want`. */
static void loads(const char *name, u64 lin, u64 want)
{
    vmx_regs.rbx = lin;
    if (!run(name)) return;
    if (vmx_exit.reason == EXIT_VMCALL && vmx_exit.guest_rip == (u64)g_load_at + 3 && vmx_regs.rax == want)
        pass(name);
    else
        fail(name, "reason %u rax 0x%llx want 0x%llx", vmx_exit.reason, (unsigned long long)vmx_regs.rax,
             (unsigned long long)want);
}

static void identity(void)
{
    /* 29.3.2: with an identity EPT the guest runs as without it; CPUID still exits. */
    guest(g_cpuid, eptp4(0));
    if (!run("ept_cpuid_exit")) return;
    check("ept_cpuid_exit", vmx_exit.reason == EXIT_CPUID && vmx_exit.guest_rip == (u64)g_cpuid_at);
    vmx_skip_insn();
    check("ept_cpuid_resume_reaches_vmcall", vmx_run() == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL &&
                                                 vmx_exit.guest_rip == (u64)g_cpuid_at + 2);
    guest(g_load, eptp4(0));
    *(u64 *)(DATA + OFF) = 0x1234;
    loads("ept_identity_load", DATA + OFF, 0x1234);
}

static void violations(void)
{
    /* Table 28-7: bits 0-2 the access, 3-5 the translation's R/W/X, 7 linear address
     * valid, 8 the final translation (not a guest paging-structure access). */
    *ept_pte(DATA) = 0;
    guest(g_load, eptp4(0));
    vmx_regs.rbx = DATA + OFF;
    violation("ept_read_not_present", g_load_at, Q_READ | Q_GLA_VALID | Q_FINAL_LIN, DATA + OFF, DATA + OFF);
    *ept_pte(DATA) = DATA | MT_WB | R;
    guest(g_store, eptp4(0));
    vmx_regs.rbx = DATA + OFF;
    violation("ept_write_read_only", g_store_at, Q_WRITE | Q_READABLE | Q_GLA_VALID | Q_FINAL_LIN, DATA + OFF,
              DATA + OFF);
    check_eq("ept_write_read_only_not_written", *(u64 *)(DATA + OFF), 0x1234);
    *ept_pte(DATA) = DATA | MT_WB | RWX;
    *ept_pte(CODE) = CODE | MT_WB | R | W;
    guest(g_jump, eptp4(0));
    vmx_regs.rbx = CODE;
    violation("ept_fetch_no_execute", (const char *)CODE, Q_FETCH | Q_READABLE | Q_WRITABLE | Q_GLA_VALID | Q_FINAL_LIN, CODE,
              CODE);
    *ept_pte(CODE) = CODE | MT_WB | RWX;

    /* Execute-only (29.3.2): a fetch goes through, a read violates; without the
     * capability X alone is a misconfiguration (29.3.3.1). */
    *ept_pte(CODE) = CODE | MT_WB | X;
    guest(g_jump, eptp4(0));
    vmx_regs.rbx = CODE;
    if (cap & CAP_EXEC_ONLY) {
        if (run("ept_execute_only_fetch"))
            check("ept_execute_only_fetch", vmx_exit.reason == EXIT_VMCALL && vmx_exit.guest_rip == CODE);
        guest(g_load, eptp4(0));
        vmx_regs.rbx = CODE + 8;
        violation("ept_execute_only_read", g_load_at, Q_READ | Q_EXECUTABLE | Q_GLA_VALID | Q_FINAL_LIN, CODE + 8,
                  CODE + 8);
    } else if (run("ept_execute_only_misconfig")) {
        check("ept_execute_only_misconfig", vmx_exit.reason == EXIT_EPT_MISCONFIG && vmx_exit.guest_rip == CODE);
    }
    *ept_pte(CODE) = CODE | MT_WB | RWX;

    /* A guest paging-structure access (here the PDE read for LIN) through a
     * not-present EPT entry: bit 8 clear, the linear address still valid (28.2.1). */
    *ept_pte(GPD) = 0;
    guest(g_load, eptp4(0));
    vmw(GUEST_CR3, GP4);
    vmx_regs.rbx = LIN + OFF;
    violation("ept_paging_access_not_present", g_load_at, Q_READ | Q_GLA_VALID, GPD, LIN + OFF);
    /* Read-only EPT for the guest's PD: without EPT A/D flags reading it is fine. */
    *ept_pte(GPD) = GPD | MT_WB | R;
    guest(g_load, eptp4(0));
    vmw(GUEST_CR3, GP4);
    loads("ept_paging_read_only_walk_ok", LIN + OFF, 0x6161);
    *ept_pte(GPD) = GPD | MT_WB | RWX;
}

/* Bit 10 (user-mode execute) in every entry of the identity EPT, or in none. */
static void all_xu(int on)
{
    u64 *t[] = {(u64 *)pml5, (u64 *)pml4, (u64 *)pdpt, (u64 *)pt};
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < (k == 2 ? 4 : k == 3 ? 512 : 1); i++)
            t[k][i] = on ? t[k][i] | XU : t[k][i] & ~XU;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 512; j++)
            ((u64 *)pd[i])[j] = on ? ((u64 *)pd[i])[j] | XU : ((u64 *)pd[i])[j] & ~XU;
}

static void mbec_guest(u32 mbec, u64 target)
{
    guest(g_jump, eptp4(0));
    vmw_or(PROC_CONTROLS2, mbec);
    vmw(GUEST_CR3, GP4);
    vmx_regs.rbx = target;
}

/* Mode-based execute control (25.6.2, 29.3.3.2): a fetch from a user-mode linear address
 * (the runtime's identity map, U/S 1 everywhere) needs bit 10 of the EPT entries, one from
 * a supervisor-mode address (LIN, U/S 0) bit 2; the CPL does not matter. The
 * qualification reports bit 2 in bit 5 and bit 10 in bit 6 (28.2.1). Without the control
 * bit 10 is ignored. */
static void mbec(void)
{
    if (!vmx_may1(vmx_caps.proc2, SEC_MBEC)) return;
    u64 adv = (cap & CAP_ADV_INFO) ? Q_LIN_RW : 0; /* LIN: supervisor, writable */
    all_xu(1);
    ((u8 *)G)[0x200] = 0x0f; /* VMCALL at LIN + 0x200 */
    ((u8 *)G)[0x201] = 0x01;
    ((u8 *)G)[0x202] = 0xc1;
    *ept_pte(CODE) = CODE | MT_WB | R | W | X;
    mbec_guest(SEC_MBEC, CODE);
    violation("mbec_user_address_without_xu", (const char *)CODE,
              Q_FETCH | Q_READABLE | Q_WRITABLE | Q_EXECUTABLE | Q_GLA_VALID | Q_FINAL_LIN, CODE, CODE);
    *ept_pte(CODE) = CODE | MT_WB | R | W | XU;
    mbec_guest(SEC_MBEC, CODE);
    if (run("mbec_user_address_xu_only"))
        check("mbec_user_address_xu_only", vmx_exit.reason == EXIT_VMCALL && vmx_exit.guest_rip == CODE);
    mbec_guest(0, CODE);
    violation("mbec_off_xu_ignored", (const char *)CODE,
              Q_FETCH | Q_READABLE | Q_WRITABLE | Q_GLA_VALID | Q_FINAL_LIN, CODE, CODE);
    *ept_pte(CODE) = CODE | MT_WB | RWX | XU;
    *ept_pde(G) = G | PS | MT_WB | R | W | XU;
    mbec_guest(SEC_MBEC, LIN + 0x200);
    violation("mbec_supervisor_address_without_x", (const char *)LIN + 0x200,
              Q_FETCH | Q_READABLE | Q_WRITABLE | Q_USER_EXECUTABLE | Q_GLA_VALID | Q_FINAL | adv,
              G + 0x200, LIN + 0x200);
    *ept_pde(G) = G | PS | MT_WB | R | W | X;
    mbec_guest(SEC_MBEC, LIN + 0x200);
    if (run("mbec_supervisor_address_x_only"))
        check("mbec_supervisor_address_x_only",
              vmx_exit.reason == EXIT_VMCALL && vmx_exit.guest_rip == LIN + 0x200);
    *ept_pde(G) = G | PS | MT_WB | RWX;
    all_xu(0);
}

static void misconfigs(void)
{
    /* 29.3.3.1: write without read, and a reserved memory type (2) in a leaf. */
    static const struct { const char *name; u64 pte; } m[] = {
        {"ept_misconfig_write_only", DATA | MT_WB | W},
        {"ept_misconfig_memtype_2", DATA | 2ull << 3 | RWX},
    };
    for (u32 i = 0; i < ARRAY_SIZE(m); i++) {
        char n[80];
        *ept_pte(DATA) = m[i].pte;
        guest(g_load, eptp4(0));
        vmx_regs.rbx = DATA + OFF;
        snprintf(n, sizeof n, "%s_reason", m[i].name);
        if (run(n)) {
            check_eq(n, vmx_exit.reason, EXIT_EPT_MISCONFIG);
            snprintf(n, sizeof n, "%s_rip", m[i].name);
            check_eq(n, vmx_exit.guest_rip, (u64)g_load_at);
            snprintf(n, sizeof n, "%s_gpa", m[i].name);
            check_eq(n, vmx_exit.guest_phys, DATA + OFF);
        }
    }
    *ept_pte(DATA) = DATA | MT_WB | RWX;
}

static void accessed_dirty(void)
{
    if (!(cap & CAP_AD)) return;
    /* 29.3.5: with EPTP bit 6 a read sets A along the way, a write sets D in the leaf;
     * guest paging-structure accesses count as writes (29.3.3.2), so the EPT entry of
     * the guest's PD gets D although the guest only reads through it. */
    *ept_pte(DATA) = DATA | MT_WB | RWX;
    *ept_pte(GPD) = GPD | MT_WB | RWX;
    guest(g_load, eptp4(EPTP_AD));
    loads("ept_ad_load", DATA + OFF, 0x1234);
    check_eq("ept_ad_read_sets_accessed", *ept_pte(DATA) & (EPT_A | EPT_D), EPT_A);
    check_eq("ept_ad_read_sets_pde_accessed", *ept_pde(T) & EPT_A, EPT_A);
    check_eq("ept_ad_read_sets_pdpte_accessed", ((u64 *)pdpt)[0] & EPT_A, EPT_A);
    check_eq("ept_ad_read_sets_pml4e_accessed", ((u64 *)pml4)[0] & EPT_A, EPT_A);
    guest(g_store, eptp4(EPTP_AD));
    vmx_regs.rbx = DATA + OFF;
    if (run("ept_ad_store"))
        check("ept_ad_store", vmx_exit.reason == EXIT_VMCALL && *(u64 *)(DATA + OFF) == 0x5a5a);
    check_eq("ept_ad_write_sets_dirty", *ept_pte(DATA) & (EPT_A | EPT_D), EPT_A | EPT_D);
    guest(g_load, eptp4(EPTP_AD));
    vmw(GUEST_CR3, GP4);
    loads("ept_ad_guest_walk_load", LIN + OFF, 0x6161);
    check_eq("ept_ad_guest_paging_read_sets_dirty", *ept_pte(GPD) & (EPT_A | EPT_D), EPT_A | EPT_D);
    check_eq("ept_ad_data_through_walk_not_dirty", *ept_pde(G) & EPT_D, 0);
    /* ... and a read-only EPT entry for the guest's PD is a write violation now. */
    *ept_pte(GPD) = GPD | MT_WB | R;
    guest(g_load, eptp4(EPTP_AD));
    vmw(GUEST_CR3, GP4);
    vmx_regs.rbx = LIN + OFF;
    violation("ept_ad_paging_access_is_write", g_load_at, Q_READ | Q_WRITE | Q_READABLE | Q_GLA_VALID, GPD,
              LIN + OFF);
    *ept_pte(GPD) = GPD | MT_WB | RWX;
}

/* INVEPT (30.3): type in a register, a 128-bit descriptor holding the EPTP. */
static int invept(u64 type, u64 eptp)
{
    struct { u64 eptp, rsvd; } d = {eptp, 0};
    u8 cf, zf;
    __asm__ volatile("invept %2, %3\n setc %0\n setz %1"
                     : "=qm"(cf), "=qm"(zf)
                     : "m"(d), "r"(type)
                     : "cc", "memory");
    return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

static void remap(void)
{
    /* A 2 MiB EPT page mapped away from identity: the guest reads H1's bytes at G. */
    *ept_pde(G) = H1 | PS | MT_WB | RWX;
    guest(g_load, eptp4(0));
    loads("ept_2m_remapped_read", G + OFF, 0x6262);
    if (!(cap & CAP_INVEPT)) return;
    /* The hypervisor changes the mapping and invalidates: the guest sees the new one. */
    if (cap & CAP_INVEPT_SINGLE) {
        *ept_pde(G) = H2 | PS | MT_WB | RWX;
        check_eq("invept_single_context_ok", invept(1, eptp4(0)), VMX_OK);
        vmx_set_guest((void (*)(void))g_load);
        loads("invept_single_context_new_mapping", G + OFF, 0x6363);
    }
    if (cap & CAP_INVEPT_ALL) {
        *ept_pde(G) = G | PS | MT_WB | RWX;
        check_eq("invept_all_context_ok", invept(2, 0), VMX_OK);
        vmx_set_guest((void (*)(void))g_load);
        loads("invept_all_context_new_mapping", G + OFF, 0x6161);
    }
    /* Type 0 is not an INVEPT type: VMfailValid 28 (30.3 INVEPT). */
    check_eq("invept_type0_fails", invept(0, eptp4(0)), VMX_FAIL_VALID);
    check_eq("invept_type0_error", vmx_insn_error(), VMERR_INVEPT_BAD_OPERAND);
    *ept_pde(G) = G | PS | MT_WB | RWX;
}

static void five_level(void)
{
    if (!(cap & CAP_WALK5)) return;
    /* Page-walk length 5 (EPTP bits 5:3 = 4): the PML5 table comes first. */
    *ept_pde(G) = H1 | PS | MT_WB | RWX;
    guest(g_cpuid, pml5 | 6 | 4 << 3);
    if (run("ept_5level_cpuid_exit"))
        check("ept_5level_cpuid_exit", vmx_exit.reason == EXIT_CPUID && vmx_exit.guest_rip == (u64)g_cpuid_at);
    guest(g_load, pml5 | 6 | 4 << 3);
    loads("ept_5level_remapped_read", G + OFF, 0x6262);
    *ept_pde(G) = G | PS | MT_WB | RWX;
    /* Nothing mapped: the first access, the guest's PML4E read for its first fetch,
     * violates (a paging-structure access: bit 8 clear). */
    ((u64 *)pml5)[0] = 0;
    guest(g_load, pml5 | 6 | 4 << 3);
    violation("ept_5level_pml5e_not_present", g_load, Q_READ | Q_GLA_VALID, read_cr3() & ~0xfffull,
              (u64)g_load);
    ((u64 *)pml5)[0] = pml4 | RWX;
}

void main64(u64 arg)
{
    if (!vmx_start())
        return;
    /* EPT needs the secondary controls, "enable EPT", a 4-level write-back EPTP and
     * 2 MiB pages (this test's identity map); a model without them checks nothing. */
    if (vmx_may1(vmx_caps.proc, PROC_SECONDARY) && vmx_may1(vmx_caps.proc2, SEC_EPT)) {
        cap = rdmsr(MSR_VMX_EPT_VPID);
        if ((cap & (CAP_WALK4 | CAP_WB | CAP_2M)) == (CAP_WALK4 | CAP_WB | CAP_2M)) {
            build();
            identity();
            violations();
            mbec();
            misconfigs();
            accessed_dirty();
            remap();
            five_level();
        }
    }
    vmx_leave();
}
