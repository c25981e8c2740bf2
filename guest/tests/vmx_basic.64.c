/* VT-x basics, 64-bit half. Checks print derived facts only (subset relations,
 * documented fixed bits), never raw MSR values, which differ between CPU models. */
#include "vmx.h"

#define BITS(v, hi, lo) (((v) >> (lo)) & ((2ull << ((hi) - (lo))) - 1))

static u64 vmxon_pa;
static void do_vmxon(void *arg) { (void)vmxon(vmxon_pa); }
static void do_vmread(void *arg) { u64 v; (void)vmread(VM_INSN_ERROR, &v); }
static void do_vmxoff(void *arg) { (void)vmxoff(); }
static void user_vmxon(void *arg) { run_user(do_vmxon, 0); }
static void user_vmread(void *arg) { run_user(do_vmread, 0); }
static void write_cr4_arg(void *arg) { write_cr4((uptr)arg); }
static void write_cr0_arg(void *arg) { write_cr0((uptr)arg); }
static void rdmsr_arg(void *arg) { (void)rdmsr((u32)(uptr)arg); }

/* A #GP(0) or #UD from fn, as one check. */
static void check_fault(const char *name, void (*fn)(void *), void *arg, int want)
{
    int v = catch_fault(fn, arg);
    if (v == want && (want != 13 || last_trap.err == 0))
        pass(name);
    else
        fail(name, "vector %d error 0x%x, want %d", v, last_trap.err, want);
}

/* One control MSR pair (non-TRUE, TRUE) against SDM Appendix A.3-A.5. */
static void check_ctl(const char *what, u64 plain, u64 tru, u32 default1)
{
    char name[64];
    snprintf(name, sizeof(name), "%s_allowed0_in_allowed1", what);
    check(name, ((u32)plain & ~(u32)(plain >> 32)) == 0 && ((u32)tru & ~(u32)(tru >> 32)) == 0);
    snprintf(name, sizeof(name), "%s_default1_fixed_in_plain_msr", what);
    check(name, ((u32)plain & default1) == default1);
    if (!vmx_caps.has_true)
        return;
    snprintf(name, sizeof(name), "%s_true_allowed0_subset", what);
    check(name, ((u32)tru & ~(u32)plain) == 0);
    snprintf(name, sizeof(name), "%s_true_allowed1_same", what);
    check_eq(name, tru >> 32, plain >> 32);
}

void main64(u64 arg)
{
    if (!check("cpuid1_ecx_vmx", vmx_supported()))
        return;
    vmx_read_caps();
    struct vmx_caps *k = &vmx_caps;
    /* Not a check (compare.sh looks at PASS/FAIL lines only): the raw values, to see
     * where a model's capabilities differ between emulators. */
    printf("info caps basic=%llx pin=%llx proc=%llx proc2=%llx exit=%llx entry=%llx misc=%llx\n",
           (unsigned long long)k->basic, (unsigned long long)k->pin, (unsigned long long)k->proc,
           (unsigned long long)k->proc2, (unsigned long long)k->exit, (unsigned long long)k->entry,
           (unsigned long long)k->misc);

    /* IA32_VMX_BASIC (A.1) */
    check_eq("basic_bit31_zero", BITS(k->basic, 31, 31), 0);
    u64 size = BITS(k->basic, 44, 32);
    check("basic_vmcs_size_1_to_4096", size > 0 && size <= 4096);
    check_eq("basic_reserved_47_45_zero", BITS(k->basic, 47, 45), 0);
    check_eq("basic_reserved_63_57_zero", BITS(k->basic, 63, 57), 0);
    check_eq("basic_no_32bit_addr_limit", BITS(k->basic, 48, 48), 0);
    check_eq("basic_memtype_wb", BITS(k->basic, 53, 50), 6);
    /* BASIC[54] (INS/OUTS information) and BASIC[55] (TRUE controls) are per model:
     * vmx_exits and the TRUE_ checks below use them only where offered. */

    /* Control MSRs (A.3-A.5); TRUE_ ones only when BASIC[55]. */
    check_ctl("pin", k->pin0, k->pin, PIN_DEFAULT1);
    check_ctl("proc", k->proc0, k->proc, PROC_DEFAULT1);
    check_ctl("exit", k->exit0, k->exit, EXIT_DEFAULT1);
    check_ctl("entry", k->entry0, k->entry, ENTRY_DEFAULT1);
    /* IA32_VMX_PROCBASED_CTLS2 exists only when secondary controls can be activated. */
    if ((k->proc0 >> 63) & 1)
        check_eq("proc2_allowed0_all_zero", (u32)k->proc2, 0);
    else
        check_fault("proc2_msr_absent_gp", rdmsr_arg, (void *)(uptr)MSR_VMX_PROCBASED2, 13);
    if (!k->has_true)
        check_fault("true_msrs_absent_gp", rdmsr_arg, (void *)(uptr)MSR_VMX_TRUE_PROCBASED, 13);
    check("exit_host_addr64_allowed", (k->exit >> 32) & EXIT_HOST_ADDR64);
    check("entry_ia32e_guest_allowed", (k->entry >> 32) & ENTRY_IA32E_GUEST);

    /* Fixed CR bits (A.7, A.8): fixed-to-1 bits are a subset of the may-be-1 bits. */
    check_eq("cr0_fixed0_in_fixed1", k->cr0_fixed0 & ~k->cr0_fixed1, 0);
    check_eq("cr0_fixed0_pe_ne_pg", k->cr0_fixed0 & 0x80000021u, 0x80000021u);
    check_eq("cr4_fixed0_in_fixed1", k->cr4_fixed0 & ~k->cr4_fixed1, 0);
    check_eq("cr4_fixed0_vmxe", k->cr4_fixed0 & CR4_VMXE, CR4_VMXE);

    /* IA32_VMX_MISC (A.6) and IA32_VMX_VMCS_ENUM (A.9) */
    u64 cr3n = BITS(k->misc, 24, 16);
    check("misc_cr3_target_count_valid", cr3n <= 256 && ((cr3n >> 8) & 1) == (BITS(cr3n, 7, 0) == 0));
    check("misc_cr3_target_count_ge_4", cr3n >= 4);
    check_eq("misc_reserved_13_9_zero", BITS(k->misc, 13, 9), 0);
    check_eq("vmcs_enum_bit0_zero", k->vmcs_enum & 1, 0);
    check("vmcs_enum_index_nonzero", BITS(k->vmcs_enum, 9, 1) != 0);
    check_eq("vmcs_enum_reserved_zero", k->vmcs_enum >> 10, 0);

    /* Before VMXON: VMX instructions #UD outside VMX operation; VMXON #UDs while
     * CR4.VMXE is clear (SDM 31.3 VMXON). */
    write_cr4(read_cr4() & ~(u64)CR4_VMXE);
    vmxon_pa = vmx_vmxon_region();
    check_fault("vmxon_without_cr4_vmxe_ud", do_vmxon, 0, 6);
    check_fault("vmread_outside_vmx_ud", do_vmread, 0, 6);
    check_fault("vmxoff_outside_vmx_ud", do_vmxoff, 0, 6);

    check_eq("vmx_enable", vmx_enable(), 0);
    u64 fc = rdmsr(MSR_FEATURE_CONTROL);
    check_eq("feature_control_locked_vmx_enabled", fc & 5, 5);
    check("cr4_vmxe_set", read_cr4() & CR4_VMXE);

    /* #GP(0) at CPL 3 and with a CR0 fixed bit clear. */
    check_fault("vmxon_cpl3_gp", user_vmxon, 0, 13);
    u64 cr0 = read_cr0();
    write_cr0(cr0 & ~(u64)CR0_NE);
    check_fault("vmxon_cr0_ne_clear_gp", do_vmxon, 0, 13);
    write_cr0(cr0);

    /* VMfailInvalid for a bad VMXON pointer or revision. */
    u32 a, b, c, d;
    cpuid(0x80000008, 0, &a, &b, &c, &d);
    u64 maxphys = a & 0xff;
    u64 region = vmx_vmxon_region();
    check_eq("vmxon_unaligned_failinvalid", vmxon(region + 0x800), VMX_FAIL_INVALID);
    check_eq("vmxon_beyond_maxphyaddr_failinvalid", vmxon(region | (1ull << maxphys)), VMX_FAIL_INVALID);
    *(u32 *)region = vmx_caps.revision ^ 1;
    check_eq("vmxon_wrong_revision_failinvalid", vmxon(region), VMX_FAIL_INVALID);
    *(u32 *)region = vmx_caps.revision | 0x80000000u;
    check_eq("vmxon_revision_bit31_failinvalid", vmxon(region), VMX_FAIL_INVALID);
    *(u32 *)region = vmx_caps.revision;

    if (!check_eq("vmxon_ok", vmxon(region), VMX_OK))
        return;
    u64 cur = 0;
    check("vmptrst_after_vmxon_invalid", vmptrst(&cur) == VMX_OK && cur == ~0ull);
    /* VMXON in VMX root: VMfail, which is VMfailInvalid without a current VMCS. */
    check_eq("vmxon_in_root_no_vmcs_failinvalid", vmxon(region), VMX_FAIL_INVALID);
    u64 vmcs = vmx_new_vmcs();
    check_eq("vmptrld_ok", vmptrld(vmcs), VMX_OK);
    check("vmxon_in_root_failvalid",
          vmxon(region) == VMX_FAIL_VALID && vmx_insn_error() == VMERR_VMXON_IN_ROOT);
    /* CR4.VMXE and the CR0 fixed bits cannot be cleared in VMX operation. */
    check_fault("cr4_vmxe_clear_in_vmx_gp", write_cr4_arg, (void *)(read_cr4() & ~(u64)CR4_VMXE), 13);
    check_fault("cr0_ne_clear_in_vmx_gp", write_cr0_arg, (void *)(read_cr0() & ~(u64)CR0_NE), 13);
    check_fault("vmread_cpl3_gp", user_vmread, 0, 13);

    check_eq("vmxoff_ok", vmxoff(), VMX_OK);
    check_fault("vmread_after_vmxoff_ud", do_vmread, 0, 6);
    write_cr4(read_cr4() & ~(u64)CR4_VMXE);
    check("cr4_vmxe_clear_after_vmxoff", !(read_cr4() & CR4_VMXE));
    /* A second round trip works and starts with no current VMCS. */
    vmx_enable();
    check_eq("vmxon_again_ok", vmxon(region), VMX_OK);
    check("vmptrst_after_second_vmxon_invalid", vmptrst(&cur) == VMX_OK && cur == ~0ull);
    vmx_leave();
}
