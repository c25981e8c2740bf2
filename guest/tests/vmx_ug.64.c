/* Unrestricted guest, 64-bit half (SDM Vol. 3C 25.6.2 Table 25-7, 27.2.1.1, 27.3.1.1,
 * 27.3.1.2): a guest with CR0.PE = PG = 0 runs 16-bit real-mode code under EPT, loads
 * real-mode segments, takes INT 0x80 through its IVT, exits with CPUID, enters protected
 * mode by itself (LGDT, MOV CR0, far JMP), exits with VMCALL, returns to real mode and
 * exits with HLT. EPT maps the guest's low pages (IVT, code, data and stack) onto pages of
 * the test, nothing else. The exits print reasons, RIPs, CR0.PE/PG, selectors and bases,
 * which both emulators must agree on. Left out (no lines) where the model lacks
 * unrestricted guest or EPT. */
#include "vmx.h"

#define SEC_EPT (1u << 1)
#define SEC_UG (1u << 7)
#define VMERR_ENTRY_INVALID_CONTROLS 7
#define EXIT_INVALID_STATE 33

/* Guest-physical pages: 0 IVT, 0x1000 code (CS 0x0100), 0x2000 data and stack (0x0200). */
static const u8 prog[] = {
    0xb8, 0x00, 0x02,                   /* 00 mov ax, 0x0200 */
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
    0xea, 0x41, 0x00, 0x00, 0x01,       /* 3c jmp 0x0100:0x41 */
    0xb8, 0x00, 0x02,                   /* 41 mov ax, 0x0200 */
    0x8e, 0xd8,                         /* 44 mov ds, ax */
    0xc7, 0x06, 0x30, 0x00, 0x0d, 0xf0, /* 46 mov word [0x30], 0xf00d */
    0xf4,                               /* 4c hlt (exit 12) */
};
static const u8 int80[] = {0xbb, 0x78, 0x56, 0xcf}; /* mov bx, 0x5678; iret */

static u64 ivt, code, data, eptp;

static void build(void)
{
    u64 pml4 = vmx_alloc_page(), pdpt = vmx_alloc_page(), pd = vmx_alloc_page(),
        pt = vmx_alloc_page();
    ivt = vmx_alloc_page();
    code = vmx_alloc_page();
    data = vmx_alloc_page();
    ((u64 *)pml4)[0] = pdpt | 7;
    ((u64 *)pdpt)[0] = pd | 7;
    ((u64 *)pd)[0] = pt | 7;
    ((u64 *)pt)[0] = ivt | 6 << 3 | 7;
    ((u64 *)pt)[1] = code | 6 << 3 | 7;
    ((u64 *)pt)[2] = data | 6 << 3 | 7;
    eptp = pml4 | 6 | 3 << 3;
    for (unsigned k = 0; k < sizeof prog; k++)
        ((u8 *)code)[k] = prog[k];
    for (unsigned k = 0; k < sizeof int80; k++)
        ((u8 *)code)[0x100 + k] = int80[k];
    ((u32 *)ivt)[0x80] = 0x0100u << 16 | 0x100;
    /* GDT at 0100:00a0 (guest-physical 0x10a0), its descriptor at 0100:0080. */
    *(u16 *)(code + 0x80) = 3 * 8 - 1;
    *(u32 *)(code + 0x82) = 0x10a0;
    u64 *gdt = (u64 *)(code + 0xa0);
    gdt[0] = 0;
    gdt[1] = 0x00009b000000ffffull | 0x1000ull << 16; /* 16-bit code, base 0x1000 */
    gdt[2] = 0x000093000000ffffull | 0x2000ull << 16; /* 16-bit data, base 0x2000 */
}

static void rm_seg(u64 sel_f, u64 base_f, u64 limit_f, u64 ar_f, u16 sel, u32 ar)
{
    vmw(sel_f, sel);
    vmw(base_f, (u64)sel << 4);
    vmw(limit_f, 0xffff);
    vmw(ar_f, ar);
}

/* A fresh VMCS for the real-mode guest at 0100:0000 with these secondary controls. */
static void rm_guest(u32 proc2)
{
    vmx_default_vmcs(0);
    vmw_or(PROC_CONTROLS, PROC_SECONDARY | PROC_HLT_EXIT);
    vmw(PROC_CONTROLS2, proc2);
    vmw(EPT_POINTER, eptp);
    u32 entry = vmx_adjust(vmx_caps.entry, 0);
    if (vmx_may1(vmx_caps.entry, ENTRY_LOAD_EFER)) entry |= ENTRY_LOAD_EFER;
    vmw(ENTRY_CONTROLS, entry);
    vmw(GUEST_EFER, 0);
    vmw(CR0_MASK, 0);
    vmw(GUEST_CR0, 0x30); /* NE, ET */
    vmw(GUEST_CR3, 0);
    vmw(GUEST_CR4, 1u << 13); /* VMXE */
    rm_seg(GUEST_CS_SEL, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR, 0x0100, 0x9b);
    rm_seg(GUEST_SS_SEL, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR, 0x0200, 0x93);
    rm_seg(GUEST_DS_SEL, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR, 0, 0x93);
    rm_seg(GUEST_ES_SEL, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR, 0, 0x93);
    rm_seg(GUEST_FS_SEL, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR, 0, 0x93);
    rm_seg(GUEST_GS_SEL, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR, 0, 0x93);
    vmw(GUEST_IDTR_BASE, 0);
    vmw(GUEST_IDTR_LIMIT, 0x3ff);
    vmw(GUEST_RSP, 0x1000);
    vmw(GUEST_RIP, 0);
    vmw(GUEST_RFLAGS, 2);
}

static int run(const char *name, u32 reason, u64 rip)
{
    char n[64];
    int st = vmx_run();
    if (st != VMX_EXITED) {
        fail(name, "VM entry status %d error %u", st, vmx_insn_error());
        return 0;
    }
    check_eq(name, vmx_exit.reason, reason);
    snprintf(n, sizeof n, "%s_rip", name);
    check_eq(n, vmx_exit.guest_rip, rip);
    return vmx_exit.reason == reason;
}

void main64(u64 arg)
{
    u64 vmxon_pa = vmx_start();
    if (!vmxon_pa) return;
    if (!vmx_may1(vmx_caps.proc2, SEC_EPT | SEC_UG)) {
        vmx_leave();
        return;
    }
    build();
    u32 ug = vmx_adjust(vmx_caps.proc2, SEC_EPT | SEC_UG);

    /* 27.2.1.1: unrestricted guest needs EPT. */
    rm_guest(vmx_adjust(vmx_caps.proc2, SEC_UG));
    int st = vmx_run();
    check("no_ept_vmfail_valid_7",
          st == VMX_FAIL_VALID && vmx_insn_error() == VMERR_ENTRY_INVALID_CONTROLS);
    /* 27.3.1.1: CR0.PE = 0 needs unrestricted guest; CR0.PG = 1 needs CR0.PE = 1. */
    rm_guest(vmx_adjust(vmx_caps.proc2, SEC_EPT));
    st = vmx_run();
    check("real_mode_without_ug_exit_33",
          st == VMX_EXITED && vmx_basic_reason() == EXIT_INVALID_STATE);
    rm_guest(ug);
    vmw(GUEST_CR0, 0x80000030);
    st = vmx_run();
    check("pg_without_pe_exit_33", st == VMX_EXITED && vmx_basic_reason() == EXIT_INVALID_STATE);

    rm_guest(ug);
    if (run("real_mode_cpuid_exit", EXIT_CPUID, 0x11)) {
        check_eq("real_mode_cr0_pe_pg", vmr(GUEST_CR0) & 0x80000001, 0);
        check_eq("real_mode_cs_sel", vmr(GUEST_CS_SEL), 0x0100);
        check_eq("real_mode_cs_base", vmr(GUEST_CS_BASE), 0x1000);
        check_eq("real_mode_ds_sel", vmr(GUEST_DS_SEL), 0x0200);
        check_eq("real_mode_ds_base", vmr(GUEST_DS_BASE), 0x2000);
        check_eq("real_mode_rsp", vmr(GUEST_RSP), 0x1000);
        check_eq("real_mode_ia32e_guest_clear", vmr(ENTRY_CONTROLS) & ENTRY_IA32E_GUEST, 0);
        check_eq("real_mode_store", *(u16 *)(data + 0x10), 0xbeef);
        check_eq("int_0x80_through_ivt", *(u16 *)(data + 0x12), 0x5678);
        vmx_skip_insn();
    }
    if (run("protected_mode_vmcall_exit", EXIT_VMCALL, 0x31)) {
        check_eq("protected_mode_cr0_pe_pg", vmr(GUEST_CR0) & 0x80000001, 1);
        check_eq("protected_mode_cs_sel", vmr(GUEST_CS_SEL), 0x08);
        check_eq("protected_mode_cs_base", vmr(GUEST_CS_BASE), 0x1000);
        check_eq("protected_mode_ds_sel", vmr(GUEST_DS_SEL), 0x10);
        check_eq("protected_mode_ds_base", vmr(GUEST_DS_BASE), 0x2000);
        check_eq("protected_mode_store", *(u16 *)(data + 0x20), 0xcafe);
        vmx_skip_insn();
    }
    if (run("back_to_real_mode_hlt_exit", EXIT_HLT, 0x4c)) {
        check_eq("back_to_real_mode_cr0_pe_pg", vmr(GUEST_CR0) & 0x80000001, 0);
        check_eq("back_to_real_mode_cs_sel", vmr(GUEST_CS_SEL), 0x0100);
        check_eq("back_to_real_mode_cs_base", vmr(GUEST_CS_BASE), 0x1000);
        check_eq("back_to_real_mode_store", *(u16 *)(data + 0x30), 0xf00d);
    }
    vmx_leave();
}
