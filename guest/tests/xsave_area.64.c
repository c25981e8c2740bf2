/* XSAVE areas, the 64-bit half: the shared suite (xsave_area.h) with XMM0-15, then
 * FXSAVE's two 64-bit layouts (SDM Vol. 2 FXSAVE, Tables 3-55/3-56): without REX.W FIP
 * is a 32-bit offset, with REX.W (FXSAVE64) a 64-bit one; FXRSTOR64 restores it whole. */
#include "xsave_area.h"

extern char fip_here64[];
static void x_fxsave64(void *a)
{
    __asm__ volatile("fxsave64 (%0)" ::"r"(xo.p) : "memory");
}
static void x_fxrstor64(void *a)
{
    __asm__ volatile("fxrstor64 (%0)" ::"r"(xo.p) : "memory");
}

void main64(u64 arg)
{
    xsave_suite("lm64");
    state_a();
    __asm__ volatile("fip_here64: fld1; fstp %%st(0)" ::: "memory");
    memset(xa, 0xcc, 512);
    xrun(x_fxsave64, xa, 0);
    check_eq("lm64_fxsave64_fip", rd64(xa + 8), (uptr)&fip_here64[2]);
    check_eq("lm64_fxsave64_fcw", rd16(xa), 0x27f);
    check_eq("lm64_fxsave64_mxcsr", rd32(xa + 24), STATE_MXCSR);
    check_sse_a("fxsave64", xa);
    memset(xb, 0xcc, 512);
    xrun(x_fxsave, xb, 0);
    check_eq("lm64_fxsave_fip_offset", rd32(xb + 8), (uptr)&fip_here64[2]);
    check_sse_a("fxsave", xb);
    int untouched = 1;
    for (int k = 464; k < 512; k++)
        untouched &= xb[k] == 0xcc;
    check("lm64_fxsave_bytes_464_511_untouched", untouched);
    /* A 64-bit FIP with upper bits goes in with FXRSTOR64 and out with FXSAVE64. */
    wr64(xa + 8, 0x1234567800abcdefull);
    state_b();
    xrun(x_fxrstor64, xa, 0);
    memset(xb, 0, 512);
    xrun(x_fxsave64, xb, 0);
    check_eq("lm64_fxrstor64_fip_64bit", rd64(xb + 8), 0x1234567800abcdefull);
    check_x87_a("fxrstor64", xb);
    check_sse_a("fxrstor64", xb);
}
