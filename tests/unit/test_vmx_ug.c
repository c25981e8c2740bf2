/* Unrestricted guest (SDM Vol. 3C 25.6.2 Table 25-7, secondary control bit 7): a real-mode
 * guest (CR0.PE = PG = 0) under identity EPT runs 16-bit code, loads real-mode segments,
 * takes INT n through its IVT, enters protected mode and leaves it again by itself, and
 * exits with CPUID, VMCALL and HLT, its state saved and reloaded exactly; the VM-entry
 * checks that change with the control (27.2.1.1, 27.2.1.3, 27.3.1.1, 27.3.1.2) fail by name
 * or pass; MOV CR0 clearing PG in a paged guest works with it and #GPs without it (or exits
 * per the CR0 guest/host mask); IA32_VMX_PROCBASED_CTLS2 / MISC per model and the
 * `-unrestricted-guest` and `-ept` switches. */
#include "vmx_guest.h"

/* EPT tables (identity over the first 16 MiB in 2 MiB pages). */
#define EPT_PML4 (HARNESS_DATA + 0x100000)
#define EPT_PDPT (EPT_PML4 + 0x1000)
#define EPT_PD (EPT_PML4 + 0x2000)
#define EPTP (EPT_PML4 | 6 | 3 << 3)
/* The real-mode guest: code at 3000:0000, stack 3800:1000, data 3800:xxxx, its GDT. */
#define RM_CS 0x3000u
#define RM_CODE 0x30000u
#define RM_SS 0x3800u
#define RM_DATA 0x38000u
#define RM_GDT 0x34000u
#define PG_PD 0x36000u /* a 32-bit page directory (4 MiB pages) for the paged guest */

static void wr64(struct harness *h, u64 pa, u64 v)
{
    phys_write(h->m, h->c, pa, 8, v);
}
static u64 rd(struct harness *h, u64 pa, int n)
{
    return phys_read(h->m, h->c, pa, n);
}

/* EPT on, and unrestricted guest if ug; HLT exiting. */
static void controls(struct harness *h, bool ept, bool ug)
{
    struct cpu *c = h->c;
    wr64(h, EPT_PML4, EPT_PDPT | 7);
    wr64(h, EPT_PDPT, EPT_PD | 7);
    for (u64 k = 0; k < 8; k++)
        wr64(h, EPT_PD + 8 * k, k << 21 | 0x80 | 6 << 3 | 7);
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_HLT_EXITING |
                 CPU_SECONDARY_CONTROLS);
    vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL,
             (ept ? SEC_EPT : 0) | (ug ? SEC_UNRESTRICTED_GUEST : 0));
    vmcs_set(c, VMCS_EPT_POINTER, EPTP);
}

static void rm_seg(struct cpu *c, int s, u16 sel, u32 ar)
{
    vmcs_set(c, vmx_gseg_sel(s), sel);
    vmcs_set(c, vmx_gseg_base(s), (u64)sel << 4);
    vmcs_set(c, vmx_gseg_limit(s), 0xffff);
    vmcs_set(c, vmx_gseg_ar(s), ar);
}

/* Guest state of a real-mode guest at RM_CS:ip (SDM 27.3.1 with unrestricted guest). */
static void rm_state(struct harness *h, u16 ip)
{
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_VM_ENTRY_CONTROLS,
             (must1(h, MSR_VMX_ENTRY_CTLS) | ENTRY_LOAD_EFER) & ~(u32)ENTRY_IA32E_MODE);
    vmcs_set(c, VMCS_GUEST_IA32_EFER, 0);
    vmcs_set(c, VMCS_GUEST_CR0, CR0_NE | CR0_ET);
    vmcs_set(c, VMCS_GUEST_CR3, 0);
    vmcs_set(c, VMCS_GUEST_CR4, CR4_VMXE);
    rm_seg(c, SEG_CS, RM_CS, 0x9b);
    rm_seg(c, SEG_SS, RM_SS, 0x93);
    for (int s = SEG_DS; s <= SEG_GS; s++)
        rm_seg(c, s, 0, 0x93);
    rm_seg(c, SEG_ES, 0, 0x93);
    vmcs_set(c, VMCS_GUEST_TR_BASE, 0);
    vmcs_set(c, VMCS_GUEST_GDTR_BASE, RM_GDT);
    vmcs_set(c, VMCS_GUEST_GDTR_LIMIT, 4 * 8 - 1);
    vmcs_set(c, VMCS_GUEST_IDTR_BASE, 0);
    vmcs_set(c, VMCS_GUEST_IDTR_LIMIT, 0x3ff);
    vmcs_set(c, VMCS_GUEST_RSP, 0x1000);
    vmcs_set(c, VMCS_GUEST_RIP, ip);
    vmcs_set(c, VMCS_GUEST_RFLAGS, FL_FIXED1);
}

/* An unpaged 32-bit protected-mode guest (flat segments) at GUEST_CODE. */
static void pm_state(struct harness *h)
{
    struct cpu *c = h->c;
    rm_state(h, 0);
    vmcs_set(c, VMCS_GUEST_CR0, CR0_NE | CR0_ET | CR0_PE);
    for (int s = 0; s < 6; s++) {
        vmcs_set(c, vmx_gseg_sel(s), s == SEG_CS ? H_CODE32 : H_DATA32);
        vmcs_set(c, vmx_gseg_base(s), 0);
        vmcs_set(c, vmx_gseg_limit(s), 0xffffffff);
        vmcs_set(c, vmx_gseg_ar(s), s == SEG_CS ? 0xc09b : 0xc093);
    }
    vmcs_set(c, VMCS_GUEST_GDTR_BASE, HARNESS_GDT);
    vmcs_set(c, VMCS_GUEST_RSP, GUEST_STACK);
    vmcs_set(c, VMCS_GUEST_RIP, GUEST_CODE);
}

/* The real-mode program (16-bit code at RM_CS:0). */
static const u8 rm_prog[] = {
    0xb8, 0x00, 0x38,                   /* 00 mov ax, 0x3800 */
    0x8e, 0xd8,                         /* 03 mov ds, ax */
    0xc7, 0x06, 0x10, 0x00, 0xef, 0xbe, /* 05 mov word [0x10], 0xbeef */
    0xcd, 0x80,                         /* 0b int 0x80 */
    0x89, 0x1e, 0x12, 0x00,             /* 0d mov [0x12], bx */
    0x0f, 0xa2,                         /* 11 cpuid (exit 10) */
    0x2e, 0x0f, 0x01, 0x16, 0x80, 0x00, /* 13 lgdt cs:[0x80] */
    0x0f, 0x20, 0xc0,                   /* 19 mov eax, cr0 */
    0x0c, 0x01,                         /* 1c or al, 1 */
    0x0f, 0x22, 0xc0,                   /* 1e mov cr0, eax */
    0xea, 0x26, 0x00, 0x08, 0x00,       /* 21 jmp 0x08:0x26 */
    0xb8, 0x10, 0x00,                   /* 26 mov ax, 0x10 */
    0x8e, 0xd8,                         /* 29 mov ds, ax */
    0xc7, 0x06, 0x20, 0x00, 0xfe, 0xca, /* 2b mov word [0x20], 0xcafe */
    0x0f, 0x01, 0xc1,                   /* 31 vmcall (exit 18) */
    0x0f, 0x20, 0xc0,                   /* 34 mov eax, cr0 */
    0x24, 0xfe,                         /* 37 and al, 0xfe */
    0x0f, 0x22, 0xc0,                   /* 39 mov cr0, eax */
    0xea, 0x41, 0x00, 0x00, 0x30,       /* 3c jmp 0x3000:0x41 */
    0xb8, 0x00, 0x38,                   /* 41 mov ax, 0x3800 */
    0x8e, 0xd8,                         /* 44 mov ds, ax */
    0xc7, 0x06, 0x30, 0x00, 0x0d, 0xf0, /* 46 mov word [0x30], 0xf00d */
    0xf4,                               /* 4c hlt (exit 12) */
};
#define RM_CPUID 0x11
#define RM_VMCALL 0x31
#define RM_HLT 0x4c

static void rm_setup(struct harness *h)
{
    struct cpu *c = h->c;
    phys_copy_in(h->m, RM_CODE, rm_prog, sizeof rm_prog);
    /* GDT descriptor at 3000:0080; handler of INT 0x80 at 3000:0100; of #GP at 3000:0200. */
    phys_write(h->m, c, RM_CODE + 0x80, 2, 4 * 8 - 1);
    phys_write(h->m, c, RM_CODE + 0x82, 4, RM_GDT);
    static const u8 int80[] = {0xbb, 0x78, 0x56, 0xcf}; /* mov bx, 0x5678; iret */
    phys_copy_in(h->m, RM_CODE + 0x100, int80, sizeof int80);
    phys_write(h->m, c, RM_CODE + 0x200, 1, 0xf4);
    phys_write(h->m, c, 0x80 * 4, 4, (u32)RM_CS << 16 | 0x100);
    phys_write(h->m, c, 13 * 4, 4, (u32)RM_CS << 16 | 0x200);
    /* GDT: 0x08 16-bit code base RM_CODE, 0x10 16-bit data base RM_DATA (limit 0xffff). */
    wr64(h, RM_GDT, 0);
    wr64(h, RM_GDT + 8, 0x00009b000000ffffull | (u64)RM_CODE << 16);
    wr64(h, RM_GDT + 16, 0x000093000000ffffull | (u64)RM_DATA << 16);
    wr64(h, RM_GDT + 24, 0);
}

static struct harness *rm_guest(const char *model, bool ept, bool ug)
{
    struct harness *h = vmx_guest_setup(model, HOST_RESUME);
    controls(h, ept, ug);
    rm_setup(h);
    rm_state(h, 0);
    return h;
}

static u64 g(struct harness *h, enum vmcs_slot s)
{
    return vmcs_get(h->c, s);
}

static void test_real_mode_guest(const char *model)
{
    char n[96];
#define N(s) (snprintf(n, sizeof n, "%s.rm.%s", model, s), n)
    struct harness *h = rm_guest(model, true, true);
    struct cpu *c = h->c;
    int r = host_enter(h, true);
    CHECK(N("cpuid_exit"), r == -1 && exit_reason(h) == VMX_EXIT_CPUID && grip(h) == RM_CPUID,
          "r=%d reason=%u rip=%#llx check=%s", r, exit_reason(h), (unsigned long long)grip(h),
          last_check(h));
    CHECK_EQ(N("segment_load_real_mode"), rd(h, RM_DATA + 0x10, 2), 0xbeef);
    CHECK_EQ(N("int_through_ivt"), rd(h, RM_DATA + 0x12, 2), 0x5678);
    CHECK_EQ(N("int_stack_balanced"), g(h, VMCS_GUEST_RSP), 0x1000);
    CHECK_EQ(N("exit_saves_cr0"), g(h, VMCS_GUEST_CR0) & (CR0_PE | CR0_PG), 0);
    CHECK(N("exit_saves_cs"),
          g(h, VMCS_GUEST_CS_SELECTOR) == RM_CS && g(h, VMCS_GUEST_CS_BASE) == RM_CODE &&
              g(h, VMCS_GUEST_CS_LIMIT) == 0xffff,
          "cs %#llx base %#llx", (unsigned long long)g(h, VMCS_GUEST_CS_SELECTOR),
          (unsigned long long)g(h, VMCS_GUEST_CS_BASE));
    CHECK(N("exit_saves_ds"),
          g(h, VMCS_GUEST_DS_SELECTOR) == RM_SS && g(h, VMCS_GUEST_DS_BASE) == RM_DATA &&
              !(g(h, VMCS_GUEST_DS_AR_BYTES) & AR_UNUSABLE),
          "ds %#llx base %#llx ar %#llx", (unsigned long long)g(h, VMCS_GUEST_DS_SELECTOR),
          (unsigned long long)g(h, VMCS_GUEST_DS_BASE),
          (unsigned long long)g(h, VMCS_GUEST_DS_AR_BYTES));
    CHECK_EQ(N("exit_ia32e_mode_guest_clear"), g(h, VMCS_VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE, 0);
    CHECK_EQ(N("host_back_in_long_mode"), c->mode, MODE_LONG);
    vmcs_set(c, VMCS_GUEST_RIP, grip(h) + 2);
    r = host_enter(h, false);
    CHECK(N("vmcall_exit_in_protected_mode"),
          r == -1 && exit_reason(h) == VMX_EXIT_VMCALL && grip(h) == RM_VMCALL,
          "r=%d reason=%u rip=%#llx", r, exit_reason(h), (unsigned long long)grip(h));
    CHECK_EQ(N("guest_set_pe"), g(h, VMCS_GUEST_CR0) & (CR0_PE | CR0_PG), CR0_PE);
    CHECK(N("pm_segments"),
          g(h, VMCS_GUEST_CS_SELECTOR) == 8 && g(h, VMCS_GUEST_CS_BASE) == RM_CODE &&
              g(h, VMCS_GUEST_DS_SELECTOR) == 0x10 && g(h, VMCS_GUEST_DS_BASE) == RM_DATA,
          "cs %#llx ds %#llx", (unsigned long long)g(h, VMCS_GUEST_CS_SELECTOR),
          (unsigned long long)g(h, VMCS_GUEST_DS_SELECTOR));
    CHECK_EQ(N("pm_store"), rd(h, RM_DATA + 0x20, 2), 0xcafe);
    vmcs_set(c, VMCS_GUEST_RIP, grip(h) + 3);
    r = host_enter(h, false);
    CHECK(N("hlt_exit_back_in_real_mode"),
          r == -1 && exit_reason(h) == VMX_EXIT_HLT && grip(h) == RM_HLT,
          "r=%d reason=%u rip=%#llx check=%s", r, exit_reason(h), (unsigned long long)grip(h),
          last_check(h));
    CHECK_EQ(N("guest_cleared_pe"), g(h, VMCS_GUEST_CR0) & (CR0_PE | CR0_PG), 0);
    CHECK(N("real_mode_cs_again"),
          g(h, VMCS_GUEST_CS_SELECTOR) == RM_CS && g(h, VMCS_GUEST_CS_BASE) == RM_CODE, "cs %#llx",
          (unsigned long long)g(h, VMCS_GUEST_CS_SELECTOR));
    CHECK_EQ(N("rm_store_again"), rd(h, RM_DATA + 0x30, 2), 0xf00d);
    harness_free(h);

    /* 27.2.1.3: with unrestricted guest and CR0.PE = 0 a hardware exception is injected
     * without an error code, through the IVT. */
    h = rm_guest(model, true, true);
    vmcs_set(h->c, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | 3u << 8 | 13);
    r = host_enter(h, true);
    CHECK(N("inject_gp_through_ivt"),
          r == -1 && exit_reason(h) == VMX_EXIT_HLT && grip(h) == 0x200 &&
              g(h, VMCS_GUEST_CS_SELECTOR) == RM_CS,
          "r=%d reason=%u rip=%#llx check=%s", r, exit_reason(h), (unsigned long long)grip(h),
          last_check(h));
    harness_free(h);
    h = rm_guest(model, true, true);
    vmcs_set(h->c, VMCS_VM_ENTRY_INTR_INFO_FIELD,
             INTR_INFO_VALID | INTR_INFO_ERRCODE | 3u << 8 | 13);
    host_enter(h, true);
    CHECK(N("inject_error_code_real_mode_fails"),
          !strcmp(last_check(h), "ctl.entry.inject.deliver_error"), "%s", last_check(h));
    harness_free(h);
#undef N
}

/* A VM entry's outcome: the failing check's name, or "(none)" and the HLT exit. */
static const char *outcome(struct harness *h)
{
    int r = host_enter(h, true);
    if (!h->c->vmx->tr.last_check && !(r == -1 && exit_reason(h) == VMX_EXIT_HLT))
        return "(entered, no HLT exit)";
    return last_check(h);
}

enum base { REAL, PROT, LONG64 };
static const struct echeck {
    const char *name; /* the check that fails without / with unrestricted guest */
    enum base base;
    bool ept, ug;        /* the failing setting */
    bool passes_with_ug; /* the same state with EPT and unrestricted guest enters */
    enum vmcs_slot slot;
    u64 val;
    enum vmcs_slot slot2; /* 0: none */
    u64 val2;
} echecks[] = {
    {"ctl.unrestricted.ept", REAL, false, true, false, VMCS_GUEST_RIP, RM_HLT},
    {"guest.cr0.fixed", REAL, true, false, true, VMCS_GUEST_RIP, RM_HLT},
    {"guest.cr0.fixed", PROT, true, false, true, VMCS_GUEST_RIP, GUEST_CODE},
    {"guest.cr0.pg_without_pe", REAL, true, true, false, VMCS_GUEST_CR0, CR0_NE | CR0_ET | CR0_PG},
    {"guest.cs.type", LONG64, true, false, true, VMCS_GUEST_CS_AR_BYTES, 0xa093},
    {"guest.cs.dpl_data_type", REAL, true, true, false, VMCS_GUEST_CS_AR_BYTES, 0xb3},
    {"guest.ss.rpl", LONG64, true, false, true, VMCS_GUEST_SS_SELECTOR, H_DATA32 | 3},
    {"guest.ss.dpl", LONG64, true, false, true, VMCS_GUEST_SS_SELECTOR, H_DATA32 | 1,
     VMCS_GUEST_CS_SELECTOR, H_CODE64 | 1},
    {"guest.ss.dpl_real_mode", REAL, true, true, false, VMCS_GUEST_SS_AR_BYTES, 0xf3},
    {"guest.data.dpl", LONG64, true, false, true, VMCS_GUEST_DS_SELECTOR, H_DATA32 | 3},
};

static struct harness *echeck_guest(const struct echeck *e, bool ept, bool ug)
{
    static const u8 hlt[] = {0x90};
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    guest_code(h, hlt, sizeof hlt);
    controls(h, ept, ug);
    rm_setup(h);
    if (e->base == REAL) rm_state(h, 0);
    if (e->base == PROT) pm_state(h);
    vmcs_set(h->c, e->slot, e->val);
    if (e->slot2) vmcs_set(h->c, e->slot2, e->val2);
    /* CS of type 15 (conforming, DPL 0) keeps guest.cs.dpl quiet with SS.DPL 3. */
    if (e->slot == VMCS_GUEST_SS_AR_BYTES) vmcs_set(h->c, VMCS_GUEST_CS_AR_BYTES, 0x9f);
    if (e->slot == VMCS_GUEST_RIP && e->base == REAL) {
        vmcs_set(h->c, VMCS_GUEST_RIP, 0x200); /* the HLT at 3000:0200 */
    }
    return h;
}

static void test_entry_checks(void)
{
    char n[128];
    for (size_t k = 0; k < ARRAY_LEN(echecks); k++) {
        const struct echeck *e = &echecks[k];
        static const char *const bases[] = {"real", "prot", "long"};
        struct harness *h = echeck_guest(e, e->ept, e->ug);
        const char *o = outcome(h);
        snprintf(n, sizeof n, "fail.%s.%s", e->name, bases[e->base]);
        CHECK(n, !strcmp(o, e->name), "%s", o);
        harness_free(h);
        if (!e->passes_with_ug) continue;
        h = echeck_guest(e, true, true);
        o = outcome(h);
        snprintf(n, sizeof n, "pass.%s.%s_with_unrestricted_guest", e->name, bases[e->base]);
        CHECK(n, !strcmp(o, "(none)"), "%s", o);
        harness_free(h);
    }
}

/* A 32-bit paged guest (4 MiB identity pages) clears CR0.PG: #GP without unrestricted
 * guest (the IA32_VMX_CR0_FIXED0 bits, SDM 26.3 / A.7), allowed with it; with PG owned by
 * the host and its read shadow 1, the write exits instead (28.1.3, exit 28). */
static void test_mov_cr0(void)
{
    static const u8 code[] = {0x0f, 0x20, 0xc0,             /* mov eax, cr0 */
                              0x25, 0xff, 0xff, 0xff, 0x7f, /* and eax, 0x7fffffff */
                              0x0f, 0x22, 0xc0};            /* mov cr0, eax */
    for (int mode = 0; mode < 3; mode++) {
        struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
        struct cpu *c = h->c;
        c->stop_on_exception = false; /* guest exceptions go through the executor's delivery */
        guest_code(h, code, sizeof code);
        controls(h, true, mode != 0);
        pm_state(h);
        for (u64 k = 0; k < 4; k++)
            phys_write(h->m, c, PG_PD + 4 * k, 4, k << 22 | 0x83);
        vmcs_set(c, VMCS_GUEST_CR0, CR0_NE | CR0_ET | CR0_PE | CR0_PG);
        vmcs_set(c, VMCS_GUEST_CR4, CR4_VMXE | CR4_PSE);
        vmcs_set(c, VMCS_GUEST_CR3, PG_PD);
        vmcs_set(c, VMCS_EXCEPTION_BITMAP, 1u << 13);
        if (mode == 2) {
            vmcs_set(c, VMCS_CR0_GUEST_HOST_MASK, CR0_PG);
            vmcs_set(c, VMCS_CR0_READ_SHADOW, CR0_PG);
        }
        int r = host_enter(h, true);
        u32 why = exit_reason(h);
        if (mode == 0)
            CHECK("mov_cr0.clear_pg_without_ug_gp",
                  r == -1 && why == VMX_EXIT_EXCEPTION_NMI &&
                      (vmcs_get(c, VMCS_VM_EXIT_INTR_INFO) & 0xff) == 13 &&
                      grip(h) == GUEST_CODE + 8,
                  "r=%d reason=%u rip=%#llx check=%s", r, why, (unsigned long long)grip(h),
                  last_check(h));
        else if (mode == 1)
            CHECK("mov_cr0.clear_pg_with_ug",
                  r == -1 && why == VMX_EXIT_HLT && !(vmcs_get(c, VMCS_GUEST_CR0) & CR0_PG) &&
                      (vmcs_get(c, VMCS_GUEST_CR0) & CR0_PE),
                  "r=%d reason=%u cr0=%#llx check=%s", r, why,
                  (unsigned long long)vmcs_get(c, VMCS_GUEST_CR0), last_check(h));
        else
            CHECK("mov_cr0.clear_pg_host_owned_exits",
                  r == -1 && why == VMX_EXIT_CR_ACCESS && grip(h) == GUEST_CODE + 8 &&
                      (vmcs_get(c, VMCS_GUEST_CR0) & CR0_PG),
                  "r=%d reason=%u rip=%#llx", r, why, (unsigned long long)grip(h));
        harness_free(h);
    }
}

static void test_caps(void)
{
    static const char *const models[] = {"core2", "westmere", "skylake", "icelake"};
    char n[96];
    for (int k = 0; k < 4; k++) {
        snprintf(n, sizeof n, "%s,+vmx", models[k]);
        struct harness *h = vmx_spec_harness(n);
        bool ug = (vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS2) >> 32) & SEC_UNRESTRICTED_GUEST;
        snprintf(n, sizeof n, "caps.%s.unrestricted_guest_offered", models[k]);
        CHECK(n, ug == (k != 0), "%d", ug);
        /* SDM A.6: MISC[5] is 1 wherever unrestricted guest is supported. */
        snprintf(n, sizeof n, "caps.%s.misc_store_lma", models[k]);
        CHECK(n, !ug || (vmx_cap(h->c, MSR_VMX_MISC) & VMX_MISC_STORE_LMA), "%#llx",
              (unsigned long long)vmx_cap(h->c, MSR_VMX_MISC));
        harness_free(h);
    }
    static const char *const off[] = {"skylake,+vmx,-unrestricted-guest", "skylake,+vmx,-ept",
                                      "westmere,+vmx,-unrestricted-guest",
                                      "skylake,+vmx,-store-lma"};
    for (int k = 0; k < 4; k++) {
        struct harness *h = vmx_spec_harness(off[k]);
        u32 p2 = (u32)(vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS2) >> 32);
        snprintf(n, sizeof n, "switch.%s.not_offered", off[k]);
        CHECK(n, !(p2 & SEC_UNRESTRICTED_GUEST) && (p2 & SEC_WBINVD_EXITING), "%#x", p2);
        harness_free(h);
    }
    /* Not offered: setting it fails the reserved-bit check of the secondary controls. */
    struct harness *h = vmx_spec_harness("skylake,+vmx,-unrestricted-guest");
    vmx_guest_init(h, HOST_RESUME);
    controls(h, true, true);
    rm_setup(h);
    rm_state(h, 0x200);
    host_enter(h, true);
    CHECK("switch.minus_unrestricted_guest.entry_fails",
          !strcmp(last_check(h), "ctl.proc2.reserved") && vmx_outcome(h) == 'V' && vm_error(h) == 7,
          "%s", last_check(h));
    harness_free(h);
}

int main(void)
{
    test_real_mode_guest("westmere");
    test_real_mode_guest("skylake");
    test_real_mode_guest("icelake");
    test_entry_checks();
    test_mov_cr0();
    test_caps();
    return check_exit();
}
