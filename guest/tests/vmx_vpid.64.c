/* VPID and INVVPID, 64-bit half (SDM Vol. 3C 29.1 VPIDs, 27.2.1.1 the VPID entry check,
 * 31.3 INVVPID, 28.2.5 instruction information, A.10 IA32_VMX_EPT_VPID_CAP). Every check
 * needs "enable VPID" and the INVVPID types the model reports, so a model without VPID
 * (core2) prints none of them on either emulator. Nothing prints an address. */
#include "vmx.h"

#define SNIPPET(name, body)                                                              \
    extern char name[], name##_at[];                                                     \
    __asm__(".text\n.globl " #name "\n" #name ":\n" body "\n")

/* invvpid rcx, [rbx + 0x10] in the guest. */
SNIPPET(g_invvpid, "g_invvpid_at: invvpid 0x10(%rbx), %rcx\n vmcall");
SNIPPET(g_cpuid, "xor %eax, %eax\n xor %ecx, %ecx\n cpuid\n vmcall");

#define SEC_VPID (1u << 5)
#define EXIT_INVVPID 53
#define VMERR_INVEPT_INVVPID_OPERAND 28
/* IA32_VMX_EPT_VPID_CAP bits 32 and 40-43 (SDM A.10) */
#define CAP_INVVPID (1ull << 32)
#define CAP_TYPE(t) (1ull << (40 + (t)))

static int invvpid(u64 type, u64 vpid_word, u64 addr)
{
    struct { u64 lo, hi; } d = {vpid_word, addr};
    u8 cf, zf;
    __asm__ volatile("invvpid %2, %3\n setc %0\n setz %1"
                     : "=qm"(cf), "=qm"(zf)
                     : "m"(d), "r"(type)
                     : "cc", "memory");
    return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

/* VMfailValid 28 as one check. */
static void fails28(const char *name, int st)
{
    if (st == VMX_FAIL_VALID && vmx_insn_error() == VMERR_INVEPT_INVVPID_OPERAND)
        pass(name);
    else
        fail(name, "status %d error %u, want VMfailValid 28", st,
             st == VMX_FAIL_VALID ? vmx_insn_error() : 0);
}

void main64(u64 arg)
{
    u64 vmxon_pa = vmx_start();
    if (!vmxon_pa) return;
    if (!vmx_may1(vmx_caps.proc2, SEC_VPID)) {
        vmx_leave();
        return;
    }
    u64 cap = rdmsr(MSR_VMX_EPT_VPID);
    check("cap_invvpid_supported", (cap & CAP_INVVPID) != 0);
    if (!(cap & CAP_INVVPID)) {
        vmx_leave();
        return;
    }

    /* No current VMCS: a bad operand is VMfailInvalid (SDM 31.2 VMfail), a good one
     * succeeds (INVVPID does not need a current VMCS). */
    check_eq("no_vmcs_bad_type_failinvalid", invvpid(4, 1, 0), VMX_FAIL_INVALID);
    if (cap & CAP_TYPE(2)) check_eq("no_vmcs_all_context_ok", invvpid(2, 0, 0), VMX_OK);

    vmx_default_vmcs(0);
    vmw_or(PROC_CONTROLS, PROC_SECONDARY);
    vmw(PROC_CONTROLS2, vmx_adjust(vmx_caps.proc2, SEC_VPID));
    vmx_set_guest((void (*)(void))g_cpuid);

    /* 27.2.1.1: "enable VPID" = 1 needs a non-zero VPID. */
    vmw(VPID, 0);
    int st = vmx_launch();
    if (st == VMX_FAIL_VALID && vmx_insn_error() == 7)
        pass("entry_vpid_zero_fails");
    else
        fail("entry_vpid_zero_fails", "status %d error %u", st, st == VMX_FAIL_VALID ? vmx_insn_error() : 0);
    vmw(VPID, 1);
    check("entry_vpid_one_enters", vmx_run_expect(EXIT_CPUID));
    check_eq("vpid_field_reads_back", vmr(VPID), 1);

    /* Each supported type succeeds with a valid descriptor. */
    if (cap & CAP_TYPE(0)) check_eq("type0_individual_ok", invvpid(0, 1, 0x400000), VMX_OK);
    if (cap & CAP_TYPE(1)) check_eq("type1_single_ok", invvpid(1, 1, 0), VMX_OK);
    if (cap & CAP_TYPE(2)) check_eq("type2_all_ok", invvpid(2, 1, 0), VMX_OK);
    if (cap & CAP_TYPE(2)) check_eq("type2_vpid0_ok", invvpid(2, 0, 0), VMX_OK);
    if (cap & CAP_TYPE(3)) check_eq("type3_single_nonglobal_ok", invvpid(3, 1, 0), VMX_OK);
    if (cap & CAP_TYPE(1))
        check_eq("type1_ignores_noncanonical_address", invvpid(1, 1, 0x8000000000000000ull), VMX_OK);
    /* Operand errors: VMfailValid 28. */
    fails28("type4_unsupported", invvpid(4, 1, 0));
    fails28("type_bit32_unsupported", invvpid(1ull << 32 | 1, 1, 0));
    for (u64 t = 0; t < 4; t++) {
        if (!(cap & CAP_TYPE(t))) continue;
        static const char *names[] = {"type0_reserved_bits", "type1_reserved_bits",
                                      "type2_reserved_bits", "type3_reserved_bits"};
        fails28(names[t], invvpid(t, 1 | 1ull << 16, 0x1000));
    }
    if (cap & CAP_TYPE(0)) fails28("type0_vpid0", invvpid(0, 0, 0x1000));
    if (cap & CAP_TYPE(1)) fails28("type1_vpid0", invvpid(1, 0, 0));
    if (cap & CAP_TYPE(3)) fails28("type3_vpid0", invvpid(3, 0, 0));
    if (cap & CAP_TYPE(0)) fails28("type0_noncanonical", invvpid(0, 1, 0x0100000000000000ull));

    /* Non-root: INVVPID exits (reason 53) before any operand check. */
    vmx_set_guest((void (*)(void))g_invvpid);
    vmx_regs.rcx = 9;
    vmx_regs.rbx = 0x1000;
    if (vmx_run_expect(EXIT_INVVPID)) {
        pass("nonroot_exit_53");
        check_eq("nonroot_exit_qualification_disp", vmx_exit.qual, 0x10);
        /* 64-bit address size, DS, no index, base RBX, reg2 RCX (Table 28-14). */
        check_eq("nonroot_exit_insn_info", vmx_exit.insn_info,
                 2u << 7 | 3u << 15 | 1u << 22 | 3u << 23 | 1u << 28);
        check_eq("nonroot_exit_insn_len", vmx_exit.insn_len, 6);
        check("nonroot_exit_rip", vmx_exit.guest_rip == (u64)g_invvpid_at);
    } else {
        fail("nonroot_exit_53", "status/reason %u", vmx_exit.reason);
    }
    vmx_leave();
}
