/* VM functions and #VE, 64-bit half (SDM Vol. 3C 26.5.6 VMFUNC and 26.5.6.3 EPTP
 * switching, 26.5.7 virtualization exceptions, 27.2.1.1 their entry checks, A.11
 * IA32_VMX_VMFUNC). The guest shares the host's identity paging; EPT A maps guest-physical
 * 0-4 GiB onto itself (2 MiB pages, the test region T in 4 KiB pages), EPT B likewise
 * except that T's page DATA maps to DATA2. Checks run only for what the model offers
 * ("enable VM functions" with EPTP switching, "EPT-violation #VE"), so both emulators
 * leave out the same lines; nothing prints an address. */
#include "vmx.h"

#define SNIPPET(name, body)                                                              \
    extern char name[], name##_at[];                                                     \
    __asm__(".text\n.globl " #name "\n" #name ":\n" body "\n")

SNIPPET(g_vmfunc, "g_vmfunc_at: vmfunc\n vmcall");
SNIPPET(g_switch, "xor %eax, %eax\n mov $1, %ecx\n vmfunc\n g_switch_at: mov (%rbx), %rax\n vmcall");
SNIPPET(g_load, "g_load_at: mov (%rbx), %rax\n vmcall");

#define MSR_VMX_VMFUNC 0x491u
#define SEC_EPT (1u << 1)
#define SEC_VMFUNC (1u << 13)
#define SEC_EPT_VE (1u << 18)
#define EXIT_EXCEPTION 0
#define EXIT_EPT_VIOLATION 48
#define EXIT_VMFUNC 59
#define VMFUNC_EPTP_SWITCHING 1ull

/* IA32_VMX_EPT_VPID_CAP (SDM A.10) */
#define CAP_WALK4 (1ull << 6)
#define CAP_WB (1ull << 14)
#define CAP_2M (1ull << 16)

#define RWX 7ull
#define MT_WB (6ull << 3)
#define PS (1ull << 7)
#define SUPPRESS_VE (1ull << 63)

/* Exit qualification bits (Table 28-7) */
#define Q_READ (1ull << 0)
#define Q_READABLE (1ull << 3)
#define Q_GLA_VALID (1ull << 7)
#define Q_FINAL (1ull << 8)
/* With advanced exit information (capability bit 22), bits 9-11 of a final translation's
 * qualification are the linear address's U/S, R/W and XD: the runtime maps everything
 * user-mode and writable (28.2.1). */
#define CAP_ADV_INFO (1ull << 22)
#define Q_LIN_USER_RW (3ull << 9)
#define Q_FINAL_LIN (Q_FINAL | ((ept_cap & CAP_ADV_INFO) ? Q_LIN_USER_RW : 0))
static u64 ept_cap;

#define T 0x2000000ull
#define DATA (T + 0x0000)
#define DATA2 (T + 0x1000)
#define OFF 0x128

static u64 pml4_a, pml4_b, pt_a, pt_b, list, ve_area;
static u64 eptp(u64 pml4) { return pml4 | 6 | 3 << 3; }

/* Identity EPT of 0-4 GiB, T in 4 KiB pages; returns the PML4, *pt the PT of T. */
static u64 build_ept(u64 *pt)
{
    u64 pml4 = vmx_alloc_page(), pdpt = vmx_alloc_page();
    *pt = vmx_alloc_page();
    ((u64 *)pml4)[0] = pdpt | RWX;
    for (int i = 0; i < 4; i++) {
        u64 pd = vmx_alloc_page();
        ((u64 *)pdpt)[i] = pd | RWX;
        for (u64 j = 0; j < 512; j++)
            ((u64 *)pd)[j] = ((u64)i << 30 | j << 21) | PS | MT_WB | RWX;
        if (i == 0) ((u64 *)pd)[T >> 21] = *pt | RWX;
    }
    for (u64 k = 0; k < 512; k++)
        ((u64 *)*pt)[k] = (T + (k << 12)) | MT_WB | RWX;
    return pml4;
}

static void build(void)
{
    pml4_a = build_ept(&pt_a);
    pml4_b = build_ept(&pt_b);
    ((u64 *)pt_b)[0] = DATA2 | MT_WB | RWX;
    list = vmx_alloc_page();
    ((u64 *)list)[0] = eptp(pml4_a);
    ((u64 *)list)[1] = eptp(pml4_b);
    ((u64 *)list)[2] = 0; /* not a valid EPTP */
    ve_area = vmx_alloc_page();
    memset((void *)T, 0, 0x2000);
    *(u64 *)(DATA + OFF) = 0x6161;
    *(u64 *)(DATA2 + OFF) = 0x6262;
}

/* A fresh guest running fn under EPT A with `proc2` added to "enable EPT". */
static void guest(void *fn, u32 proc2)
{
    vmx_default_vmcs((void (*)(void))fn);
    vmw_or(PROC_CONTROLS, PROC_SECONDARY);
    vmw(PROC_CONTROLS2, vmx_adjust(vmx_caps.proc2, SEC_EPT | proc2));
    vmw(EPT_POINTER, eptp(pml4_a));
    if (proc2 & SEC_VMFUNC) {
        vmw(VMFUNC_CONTROLS, VMFUNC_EPTP_SWITCHING);
        vmw(EPTP_LIST_ADDR, list);
    }
    if (proc2 & SEC_EPT_VE) {
        memset((void *)ve_area, 0, 64);
        vmw(VE_INFO_ADDR, ve_area);
    }
    vmx_guest_trap.count = 0;
}

static int run(const char *name)
{
    int st = vmx_run();
    if (st != VMX_EXITED) fail(name, "VM entry status %d error %u", st, vmx_insn_error());
    return st == VMX_EXITED;
}

/* The guest exits with `reason` at `rip`. */
static int exits(const char *name, u32 reason, u64 rip)
{
    if (!run(name)) return 0;
    if (vmx_exit.reason == reason && vmx_exit.guest_rip == rip) {
        pass(name);
        return 1;
    }
    fail(name, "reason %u rip %s, want reason %u", vmx_exit.reason,
         vmx_exit.guest_rip == rip ? "as expected" : "elsewhere", reason);
    return 0;
}

/* 27.2.1.1: VMfailValid 7. */
static void entry_fails(const char *name)
{
    int st = vmx_launch();
    if (st == VMX_FAIL_VALID && vmx_insn_error() == 7)
        pass(name);
    else
        fail(name, "status %d error %u", st, st == VMX_FAIL_VALID ? vmx_insn_error() : 0);
}

static void vmfunc_tests(void)
{
    check_eq("vmfunc_msr_eptp_switching", rdmsr(MSR_VMX_VMFUNC) & 1, 1);

    /* Entry checks (27.2.1.1). */
    guest(g_vmfunc, SEC_VMFUNC);
    vmw(VMFUNC_CONTROLS, 2);
    entry_fails("entry_vmfunc_reserved_bit_fails");
    guest(g_vmfunc, SEC_VMFUNC);
    vmw(EPTP_LIST_ADDR, list + 8);
    entry_fails("entry_eptp_list_unaligned_fails");

    /* EPTP switching (26.5.6.3): the load after VMFUNC reads through B. */
    guest(g_switch, SEC_VMFUNC);
    vmx_regs.rbx = DATA + OFF;
    if (exits("switch_reaches_vmcall", EXIT_VMCALL, (u64)g_switch_at + 3)) {
        check_eq("switch_reads_through_new_eptp", vmx_regs.rax, 0x6262);
        check("switch_eptp_field_is_list_entry", vmr(EPT_POINTER) == eptp(pml4_b));
    }

    /* VM exit 59: index >= 512, an invalid list entry, a function not enabled. */
    static const struct {
        const char *name;
        u64 rax, rcx, controls;
    } t[] = {
        {"exit59_index_512", 0, 512, 1},
        {"exit59_invalid_list_entry", 0, 2, 1},
        {"exit59_function_disabled", 0, 0, 0},
        {"exit59_function_1", 1, 0, 1},
    };
    for (unsigned k = 0; k < sizeof t / sizeof t[0]; k++) {
        guest(g_vmfunc, SEC_VMFUNC);
        vmw(VMFUNC_CONTROLS, t[k].controls);
        vmx_regs.rax = t[k].rax;
        vmx_regs.rcx = t[k].rcx;
        if (exits(t[k].name, EXIT_VMFUNC, (u64)g_vmfunc_at)) {
            char n[80];
            snprintf(n, sizeof n, "%s_len", t[k].name);
            check_eq(n, vmx_exit.insn_len, 3);
            snprintf(n, sizeof n, "%s_eptp_unchanged", t[k].name);
            check(n, vmr(EPT_POINTER) == eptp(pml4_a));
        }
    }

    /* #UD without "enable VM functions": the guest's #UD stub runs. */
    guest(g_vmfunc, 0);
    vmx_regs.rax = 0;
    vmx_regs.rcx = 1;
    if (run("ud_without_vmfunc"))
        check("ud_without_vmfunc", vmx_exit.reason == EXIT_VMCALL && vmx_guest_trap.count == 1 &&
                                       vmx_guest_trap.vec == 6 && vmx_guest_trap.rip == (u64)g_vmfunc_at);
}

static void check_area(const char *name, u64 qual, u64 addr, u16 index)
{
    char n[80];
    u8 *a = (u8 *)ve_area;
    snprintf(n, sizeof n, "%s_area_reason", name);
    check_eq(n, *(u32 *)a, EXIT_EPT_VIOLATION);
    snprintf(n, sizeof n, "%s_area_marker", name);
    check_eq(n, *(u32 *)(a + 4), 0xffffffffu);
    snprintf(n, sizeof n, "%s_area_qual", name);
    check_eq(n, *(u64 *)(a + 8), qual);
    snprintf(n, sizeof n, "%s_area_gla", name);
    check(n, *(u64 *)(a + 16) == addr);
    snprintf(n, sizeof n, "%s_area_gpa", name);
    check(n, *(u64 *)(a + 24) == addr);
    snprintf(n, sizeof n, "%s_area_eptp_index", name);
    check_eq(n, *(u16 *)(a + 32), index);
}

static void ve_tests(int vmfunc)
{
    /* A convertible violation (not present, suppress #VE clear): #VE, vector 20, no error
     * code, at the load (26.5.7). */
    ((u64 *)pt_a)[0] = DATA | MT_WB; /* not present */
    guest(g_load, SEC_EPT_VE);
    vmw(EPTP_INDEX, 5);
    vmx_regs.rbx = DATA + OFF;
    if (run("ve_delivered") &&
        check("ve_delivered", vmx_exit.reason == EXIT_VMCALL && vmx_guest_trap.count == 1 &&
                                  vmx_guest_trap.vec == 20 && vmx_guest_trap.err == 0 &&
                                  vmx_guest_trap.rip == (u64)g_load_at))
        check_area("ve", Q_READ | Q_GLA_VALID | Q_FINAL_LIN, DATA + OFF, 5);

    /* The marker left at offset 4: the next convertible violation is a VM exit. */
    guest(g_load, SEC_EPT_VE);
    *(u32 *)(ve_area + 4) = 0xffffffffu;
    vmx_regs.rbx = DATA + OFF;
    exits("ve_marker_set_exits", EXIT_EPT_VIOLATION, (u64)g_load_at);

    /* Suppress #VE: a VM exit, the area untouched. */
    ((u64 *)pt_a)[0] = DATA | MT_WB | SUPPRESS_VE;
    guest(g_load, SEC_EPT_VE);
    vmx_regs.rbx = DATA + OFF;
    if (exits("ve_suppressed_exits", EXIT_EPT_VIOLATION, (u64)g_load_at))
        check_eq("ve_suppressed_area_untouched", *(u32 *)ve_area, 0);

    /* Exception bitmap bit 20: the #VE exits (hardware exception 20, no error code). */
    ((u64 *)pt_a)[0] = DATA | MT_WB;
    guest(g_load, SEC_EPT_VE);
    vmw(EXCEPTION_BITMAP, 1u << 20);
    vmx_regs.rbx = DATA + OFF;
    if (exits("ve_bitmap_exits", EXIT_EXCEPTION, (u64)g_load_at))
        check_eq("ve_bitmap_intr_info", vmx_exit.intr_info, 0x80000314u);
    ((u64 *)pt_a)[0] = DATA | MT_WB | RWX;

    /* EPTP index: VMFUNC to index 1 (B, where DATA is not present) sets the field, and
     * the #VE reports it. */
    if (vmfunc) {
        ((u64 *)pt_b)[0] = DATA2 | MT_WB;
        guest(g_switch, SEC_VMFUNC | SEC_EPT_VE);
        vmx_regs.rbx = DATA + OFF;
        if (run("ve_after_switch") &&
            check("ve_after_switch", vmx_exit.reason == EXIT_VMCALL && vmx_guest_trap.vec == 20 &&
                                         vmx_guest_trap.rip == (u64)g_switch_at)) {
            check_eq("ve_after_switch_eptp_index_field", vmr(EPTP_INDEX), 1);
            check_area("ve_after_switch", Q_READ | Q_GLA_VALID | Q_FINAL_LIN, DATA + OFF, 1);
        }
        ((u64 *)pt_b)[0] = DATA2 | MT_WB | RWX;
    }
}

void main64(u64 arg)
{
    if (!vmx_start())
        return;
    /* The tests need EPT with a 4-level write-back EPTP and 2 MiB pages. */
    if (vmx_may1(vmx_caps.proc, PROC_SECONDARY) && vmx_may1(vmx_caps.proc2, SEC_EPT)) {
        u64 cap = ept_cap = rdmsr(MSR_VMX_EPT_VPID);
        int vmfunc = vmx_may1(vmx_caps.proc2, SEC_VMFUNC) && (rdmsr(MSR_VMX_VMFUNC) & 1);
        if ((cap & (CAP_WALK4 | CAP_WB | CAP_2M)) == (CAP_WALK4 | CAP_WB | CAP_2M)) {
            build();
            if (vmfunc) vmfunc_tests();
            if (vmx_may1(vmx_caps.proc2, SEC_EPT_VE)) ve_tests(vmfunc);
        }
    }
    vmx_leave();
}
