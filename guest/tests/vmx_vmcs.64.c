/* VMCS handling, 64-bit half (SDM 24.11, 31.3 instruction pages, 31.4 errors). */
#include "vmx.h"

static void guest_nop(void) {}

/* VMfailValid with this error number, as one check. */
static void check_failvalid(const char *name, int st, u32 err)
{
    if (st == VMX_FAIL_VALID && vmx_insn_error() == err)
        pass(name);
    else
        fail(name, "status %d error %u, want VMfailValid %u", st,
             st == VMX_FAIL_VALID ? vmx_insn_error() : 0, err);
}

/* One field per width x type; RO fields appear in the read-only list below. */
static const struct { const char *name; u32 field; u64 val, want; } roundtrip[] = {
    {"vmcs_rw_16bit_guest", GUEST_ES_SEL, 0x1234, 0x1234},
    {"vmcs_rw_16bit_host", HOST_FS_SEL, 0x28, 0x28},
    {"vmcs_rw_16bit_truncates", GUEST_GS_SEL, 0xabcd5678, 0x5678},
    {"vmcs_rw_64bit_control", TSC_OFFSET, 0x1122334455667788ull, 0x1122334455667788ull},
    {"vmcs_rw_64bit_control_addr", IO_BITMAP_A, 0x12345000, 0x12345000},
    {"vmcs_rw_64bit_guest", VMCS_LINK_PTR, 0xfedcba9876543210ull, 0xfedcba9876543210ull},
    {"vmcs_rw_32bit_control", EXCEPTION_BITMAP, 0x89abcdef, 0x89abcdef},
    {"vmcs_rw_32bit_truncates", PF_ERROR_MASK, 0xffffffff00000005ull, 5},
    {"vmcs_rw_32bit_guest", GUEST_ES_LIMIT, 0x000fffff, 0x000fffff},
    {"vmcs_rw_32bit_guest_ar", GUEST_CS_AR, 0xa09b, 0xa09b},
    {"vmcs_rw_32bit_host", HOST_SYSENTER_CS, 0x10, 0x10},
    {"vmcs_rw_natural_control", CR0_MASK, 0x80000021, 0x80000021},
    {"vmcs_rw_natural_guest", GUEST_RIP, 0xffff800012345678ull, 0xffff800012345678ull},
    {"vmcs_rw_natural_host", HOST_RSP, 0x0000123456789ab0ull, 0x0000123456789ab0ull},
};

void main64(u64 arg)
{
    u64 vmxon_pa = vmx_start();
    if (!vmxon_pa)
        return;
    u32 a, b, c, d;
    cpuid(0x80000008, 0, &a, &b, &c, &d);
    u64 beyond = 1ull << (a & 0xff);

    /* No current VMCS yet: VMREAD/VMWRITE/VMLAUNCH fail with VMfailInvalid. */
    u64 v = 0, cur = 0;
    check_eq("vmread_no_current_failinvalid", vmread(GUEST_RIP, &v), VMX_FAIL_INVALID);
    check_eq("vmwrite_no_current_failinvalid", vmwrite(GUEST_RIP, 0), VMX_FAIL_INVALID);
    check_eq("vmlaunch_no_current_failinvalid", vmx_launch(), VMX_FAIL_INVALID);
    /* VMCLEAR/VMPTRLD failures without a current VMCS are VMfailInvalid too. */
    check_eq("vmptrld_vmxon_ptr_no_current_failinvalid", vmptrld(vmxon_pa), VMX_FAIL_INVALID);

    u64 vmcs = vmx_new_vmcs();
    check_eq("vmclear_ok", vmclear(vmcs), VMX_OK);
    check_eq("vmptrld_ok", vmptrld(vmcs), VMX_OK);
    check("vmptrst_returns_current", vmptrst(&cur) == VMX_OK && cur == vmcs);

    for (u32 i = 0; i < ARRAY_SIZE(roundtrip); i++) {
        int w = vmwrite(roundtrip[i].field, roundtrip[i].val);
        int r = vmread(roundtrip[i].field, &v);
        if (w == VMX_OK && r == VMX_OK && v == roundtrip[i].want)
            pass(roundtrip[i].name);
        else
            fail(roundtrip[i].name, "write %d read %d value 0x%llx", w, r, (unsigned long long)v);
    }
    /* The high half of a 64-bit field has its own encoding (bit 0 set). */
    vmw(TSC_OFFSET, 0x1122334455667788ull);
    check("vmcs_64bit_high_read", vmread(TSC_OFFSET | 1, &v) == VMX_OK && v == 0x11223344);
    check("vmcs_64bit_high_write", vmwrite(TSC_OFFSET | 1, 0xaabbccdd) == VMX_OK &&
                                      vmr(TSC_OFFSET) == 0xaabbccdd55667788ull);

    /* Read-only fields: readable; writable only if IA32_VMX_MISC[29]. */
    static const struct { const char *name; u32 field; } ro[] = {
        {"vmcs_ro_32bit_insn_error", VM_INSN_ERROR},
        {"vmcs_ro_32bit_exit_reason", EXIT_REASON},
        {"vmcs_ro_64bit_guest_phys", GUEST_PHYS_ADDR},
        {"vmcs_ro_natural_exit_qual", EXIT_QUAL},
    };
    int write_any = (vmx_caps.misc >> 29) & 1;
    /* The guest-physical address exists only with EPT (secondary control bit 1);
     * without it the field is unsupported (error 12) for reads and writes alike. */
    int ept = (vmx_caps.proc2 >> 33) & 1;
    for (u32 i = 0; i < ARRAY_SIZE(ro); i++) {
        char name[64];
        int exists = ro[i].field != GUEST_PHYS_ADDR || ept;
        snprintf(name, sizeof(name), "%s_readable", ro[i].name);
        if (exists)
            check(name, vmread(ro[i].field, &v) == VMX_OK);
        else
            check_failvalid(name, vmread(ro[i].field, &v), VMERR_UNSUPPORTED_FIELD);
        snprintf(name, sizeof(name), "%s_write", ro[i].name);
        int st = vmwrite(ro[i].field, 0);
        if (!exists)
            check_failvalid(name, st, VMERR_UNSUPPORTED_FIELD);
        else if (write_any)
            check(name, st == VMX_OK);
        else
            check_failvalid(name, st, VMERR_WRITE_READONLY);
    }
    /* Unsupported encodings: VMfailValid 12 (31.4). */
    check_failvalid("vmread_16bit_high_access_unsupported", vmread(GUEST_ES_SEL | 1, &v), VMERR_UNSUPPORTED_FIELD);
    check_failvalid("vmread_reserved_bit12_unsupported", vmread(0x1000 | GUEST_RIP, &v), VMERR_UNSUPPORTED_FIELD);
    check_failvalid("vmread_bad_index_unsupported", vmread(0x6bfe, &v), VMERR_UNSUPPORTED_FIELD);
    check_failvalid("vmwrite_bad_index_unsupported", vmwrite(0x6bfe, 0), VMERR_UNSUPPORTED_FIELD);
    check_failvalid("vmread_upper_32_unsupported", vmread((1ull << 32) | GUEST_RIP, &v), VMERR_UNSUPPORTED_FIELD);

    /* VMCLEAR errors (31.3 VMCLEAR). */
    check_failvalid("vmclear_unaligned", vmclear(vmcs + 8), VMERR_VMCLEAR_BAD_ADDR);
    check_failvalid("vmclear_beyond_maxphyaddr", vmclear(beyond), VMERR_VMCLEAR_BAD_ADDR);
    check_failvalid("vmclear_vmxon_ptr", vmclear(vmxon_pa), VMERR_VMCLEAR_VMXON_PTR);
    /* VMPTRLD errors (31.3 VMPTRLD); the current VMCS stays current. */
    check_failvalid("vmptrld_unaligned", vmptrld(vmcs + 0x100), VMERR_VMPTRLD_BAD_ADDR);
    check_failvalid("vmptrld_beyond_maxphyaddr", vmptrld(beyond), VMERR_VMPTRLD_BAD_ADDR);
    check_failvalid("vmptrld_vmxon_ptr", vmptrld(vmxon_pa), VMERR_VMPTRLD_VMXON_PTR);
    u64 bad = vmx_new_vmcs();
    *(u32 *)bad = vmx_caps.revision ^ 1;
    check_failvalid("vmptrld_wrong_revision", vmptrld(bad), VMERR_VMPTRLD_BAD_REVISION);
    check("vmptrld_failure_keeps_current", vmptrst(&cur) == VMX_OK && cur == vmcs);

    /* Data stays with its VMCS across VMCLEAR, VMPTRLD and switching VMCSs. */
    vmw(GUEST_RIP, 0x1234000);
    u64 other = vmx_new_vmcs();
    vmclear(other);
    vmptrld(other);
    vmw(GUEST_RIP, 0x5678000);
    vmclear(vmcs);
    check("vmclear_other_keeps_current", vmptrst(&cur) == VMX_OK && cur == other);
    vmptrld(vmcs);
    check_eq("vmcs_data_survives_vmclear", vmr(GUEST_RIP), 0x1234000);
    vmptrld(other);
    check_eq("vmcs_data_per_vmcs", vmr(GUEST_RIP), 0x5678000);
    vmclear(other);
    check("vmclear_current_invalidates", vmptrst(&cur) == VMX_OK && cur == ~0ull);
    check_eq("vmread_after_vmclear_current_failinvalid", vmread(GUEST_RIP, &v), VMX_FAIL_INVALID);

    /* Launch state: VMLAUNCH wants a clear VMCS, VMRESUME a launched one (31.4: 4, 5). */
    u64 g = vmx_default_vmcs(guest_nop);
    int st = vmx_launch();
    check("vmlaunch_default_guest_exits_vmcall", st == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL);
    check_failvalid("vmlaunch_launched", vmx_launch(), VMERR_VMLAUNCH_NOT_CLEAR);
    check("vmresume_launched_ok", vmx_resume() == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL);
    vmclear(g);
    vmptrld(g);
    check_failvalid("vmresume_clear", vmx_resume(), VMERR_VMRESUME_NOT_LAUNCHED);
    check("vmlaunch_after_vmclear_ok", vmx_launch() == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL);
    vmx_leave();
}
