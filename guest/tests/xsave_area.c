/* XSAVE areas across modes (issue 9), the 32-bit protected-mode half: XCR0 from reset
 * (1), XSETBV/XGETBV rules, CPUID leaf 0DH, XSAVE/XSAVEOPT/XSAVEC/XSAVES and
 * XRSTOR/XRSTORS in the standard and compacted forms with the init optimization, and the
 * #GP/#NM/#UD conditions (xsave_area.h, shared with the 64-bit half); FXSAVE's 32-bit
 * layout (FIP as offset). Then the 64-bit half (xsave_area.64.c) runs the same suite
 * with XMM8-15 and the REX.W forms. */
#include "xsave_area.h"

extern char fip_here32[];
static void fxsave_layout32(void)
{
    xmode = "pm32";
    state_a();
    __asm__ volatile("fip_here32: fld1; fstp %%st(0)" ::: "memory");
    memset(xa, 0xcc, 512);
    xrun(x_fxsave, xa, 0);
    check_eq("pm32_fxsave_fip_offset", rd32(xa + 8), (uptr)&fip_here32[2]);
    check_eq("pm32_fxsave_fcw", rd16(xa), 0x27f);
    check_eq("pm32_fxsave_mxcsr", rd32(xa + 24), STATE_MXCSR);
    check_eq("pm32_fxsave_mxcsr_mask", rd32(xa + 28), 0xffff);
    check_sse_a("fxsave", xa);
    int untouched = 1;
    for (int k = 288; k < 512; k++)
        untouched &= xa[k] == 0xcc;
    check("pm32_fxsave_bytes_288_511_untouched", untouched);
    state_b();
    xrun(x_fxrstor, xa, 0);
    fxsave_now();
    check_x87_a("fxrstor", fx);
    check_sse_a("fxrstor", fx);
}

void test_main(struct multiboot_info *mbi)
{
    cr0_set(CR0_NE | CR0_MP, CR0_EM | CR0_TS);
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    check_eq("cpuid1_ecx_xsave", c >> 26 & 1, 1);
    check_eq("cpuid1_ecx_osxsave_before", c >> 27 & 1, 0);
    cr4_set(CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE, 0);
    xmode = "pm32";
    check_eq("xcr0_reset_value", xgetbv(0), 1);
    xsave_suite("pm32");
    fxsave_layout32();
    call64(0);
}
