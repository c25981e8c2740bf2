/* XSETBV in VMX non-root operation (SDM Vol. 3C 26.1.2: it exits unconditionally, reason
 * 55, after the checks that have priority over VM exits, 26.1.1: #UD without CR4.OSXSAVE).
 * The exit leaves XCR0 alone and reports the instruction's length. */
#include "vmx_guest.h"

static struct harness *xsetbv_guest(bool osxsave)
{
    static const u8 g[] = {0x31, 0xc9,             /* xor ecx, ecx */
                           0xb8, 3, 0, 0, 0,       /* mov eax, 3 (x87 | SSE) */
                           0x31, 0xd2,             /* xor edx, edx */
                           0x0f, 0x01, 0xd1};      /* xsetbv */
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    guest_code(h, g, sizeof g);
    c->stop_on_exception = false;
    u64 cr4 = vmcs_get(c, VMCS_GUEST_CR4);
    vmcs_set(c, VMCS_GUEST_CR4, osxsave ? cr4 | CR4_OSXSAVE : cr4 & ~(u64)CR4_OSXSAVE);
    vmcs_set(c, VMCS_EXCEPTION_BITMAP, 1u << EXC_UD);
    c->xcr0 = 1;
    return h;
}

int main(void)
{
    struct harness *h = xsetbv_guest(true);
    int r = host_enter(h, true);
    CHECK("xsetbv.exit_55", r == -1 && exit_reason(h) == VMX_EXIT_XSETBV, "run %d reason %u", r,
          exit_reason(h));
    CHECK_EQ("xsetbv.guest_rip_at_xsetbv", grip(h), GUEST_CODE + 9);
    CHECK_EQ("xsetbv.insn_len", vmcs_get(h->c, VMCS_VM_EXIT_INSTRUCTION_LEN), 3);
    CHECK_EQ("xsetbv.xcr0_unchanged", h->c->xcr0, 1);
    harness_free(h);

    /* Without CR4.OSXSAVE the #UD comes first (26.1.1), here turned into exit 0. */
    h = xsetbv_guest(false);
    r = host_enter(h, true);
    CHECK("xsetbv.no_osxsave_ud_first",
          r == -1 && exit_reason(h) == VMX_EXIT_EXCEPTION_NMI &&
              (vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO) & 0xff) == EXC_UD,
          "run %d reason %u info %#llx", r, exit_reason(h),
          (unsigned long long)vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO));
    harness_free(h);
    return check_exit();
}
