/* The AVX state component (2, YMM_Hi128) in the XSAVE feature set (issue 9; SDM Vol. 1
 * 13.5.3, 14.3): XCR0 = 7 enables the VEX instructions (#UD without it), CPUID leaf 0DH
 * describes the component (256 bytes at 576) and the sizes for XCR0 = 7, XSAVE writes the
 * upper halves of YMM0-7 there, VZEROUPPER returns the component to its initial
 * configuration (XINUSE[2] = 0, XSAVEOPT's XSTATE_BV[2] = 0), XRSTOR with XSTATE_BV[2] = 0
 * zeroes the upper halves, and the compacted form puts the component at 576 whatever
 * RFBM[1] is. */
#include "fpu_guest.h"

/* Larger than the 832 bytes needed: Bochs 2.7 writes the compacted AVX component at 416,
 * over the header (see bochs-departures.txt), and a wrong offset must not overrun. */
static u8 xa[4096] ALIGNED(64), xb[4096] ALIGNED(64);
static u32 ymm_pat[8][8], ymm_out[8];
static u64 rfbm;
static u8 *area;

static void load_ymms(void)
{
    __asm__ volatile("vmovups 0(%0), %%ymm0\n vmovups 32(%0), %%ymm1\n vmovups 64(%0), %%ymm2\n"
                     "vmovups 96(%0), %%ymm3\n vmovups 128(%0), %%ymm4\n vmovups 160(%0), %%ymm5\n"
                     "vmovups 192(%0), %%ymm6\n vmovups 224(%0), %%ymm7\n" ::"r"(ymm_pat)
                     : "memory");
}
static void p_vmovups(void *a)
{
    __asm__ volatile("vmovups %%ymm0, (%0)" ::"r"(ymm_out) : "memory");
}
static void p_vzeroupper(void *a)
{
    __asm__ volatile("vzeroupper" ::: "memory");
}
/* The upper half of YMMn, n = 0 or 7. */
static int upper_is(int n, const u32 *want)
{
    if (n == 0)
        __asm__ volatile("vextractf128 $1, %%ymm0, (%0)" ::"r"(ymm_out) : "memory");
    else
        __asm__ volatile("vextractf128 $1, %%ymm7, (%0)" ::"r"(ymm_out) : "memory");
    for (int k = 0; k < 4; k++)
        if (ymm_out[k] != (want ? want[k] : 0)) return 0;
    return 1;
}
static void x_xsave(void *a)
{
    __asm__ volatile("xsave (%0)" ::"r"(area), "a"((u32)rfbm), "d"((u32)(rfbm >> 32)) : "memory");
}
static void x_xsaveopt(void *a)
{
    __asm__ volatile("xsaveopt (%0)" ::"r"(area), "a"((u32)rfbm), "d"((u32)(rfbm >> 32))
                     : "memory");
}
static void x_xsavec(void *a)
{
    __asm__ volatile("xsavec (%0)" ::"r"(area), "a"((u32)rfbm), "d"((u32)(rfbm >> 32)) : "memory");
}
static void x_xrstor(void *a)
{
    __asm__ volatile("xrstor (%0)" ::"r"(area), "a"((u32)rfbm), "d"((u32)(rfbm >> 32)) : "memory");
}
static int xop(void (*fn)(void *), u8 *p, u64 m)
{
    area = p, rfbm = m;
    return catch_fault(fn, 0);
}
static u64 xgetbv(u32 n)
{
    u32 lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(n));
    return (u64)hi << 32 | lo;
}
static u64 xsetbv_val;
static void p_xsetbv(void *a)
{
    __asm__ volatile("xsetbv" ::"c"(0), "a"((u32)xsetbv_val), "d"((u32)(xsetbv_val >> 32)));
}
static int xsetbv(u64 v)
{
    xsetbv_val = v;
    return catch_fault(p_xsetbv, 0);
}
static void prep(u8 *p)
{
    memset(p, 0xcc, 4096);
    memset(p + 512, 0, 64);
}
static int avx_region_is_pattern(const u8 *p)
{
    for (int n = 0; n < 8; n++)
        for (int k = 0; k < 4; k++)
            if (*(const u32 *)(p + 576 + 16 * n + 4 * k) != ymm_pat[n][4 + k]) return 0;
    return 1;
}

void test_main(struct multiboot_info *mbi)
{
    u32 a, b, c, d;
    cr0_set(CR0_NE | CR0_MP, CR0_EM | CR0_TS);
    cr4_set(CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE, 0);
    cpuid(1, 0, &a, &b, &c, &d);
    check_eq("cpuid1_ecx_avx", c >> 28 & 1, 1);
    cpuid(0xd, 0, &a, &b, &c, &d);
    check_eq("cpuid_d0_eax_avx", a >> 2 & 1, 1);
    cpuid(0xd, 2, &a, &b, &c, &d);
    check_eq("cpuid_d2_size", a, 256);
    check_eq("cpuid_d2_offset", b, 576);
    for (int n = 0; n < 8; n++)
        for (int k = 0; k < 8; k++)
            ymm_pat[n][k] = 0x01010101u * (u32)(8 * n + k + 1);

    /* XCR0 = 3: VEX instructions are #UD (SDM Vol. 2 2.8, exception class 1). */
    check_eq("xsetbv_3_ok", (u32)xsetbv(3), (u32)-1);
    check_eq("xcr0_3_vmovups_ud", (u32)catch_fault(p_vmovups, 0), 6);
    check_eq("xcr0_3_vzeroupper_ud", (u32)catch_fault(p_vzeroupper, 0), 6);
    check_eq("xsetbv_avx_no_sse_gp", (u32)xsetbv(5), 13);
    check_eq("xsetbv_7_ok", (u32)xsetbv(7), (u32)-1);
    check_eq("xgetbv_7", xgetbv(0), 7);
    cpuid(0xd, 0, &a, &b, &c, &d);
    check_eq("cpuid_d0_ebx_xcr0_7", b, 832);
    cpuid(0xd, 1, &a, &b, &c, &d);
    check_eq("cpuid_d1_ebx_xcr0_7", b, 832);
    check_eq("xcr0_7_vmovups_runs", (u32)catch_fault(p_vmovups, 0), (u32)-1);
    cr0_set(CR0_TS, 0);
    check_eq("ts_vmovups_nm", (u32)catch_fault(p_vmovups, 0), 7);
    clts();

    /* XSAVE: the upper halves at 576 + 16 n, the lower ones in the legacy XMM area. */
    load_ymms();
    check_eq("xgetbv1_avx_in_use", xgetbv(1) & 4, 4);
    prep(xa);
    check_eq("xsave_runs", (u32)xop(x_xsave, xa, ~0ull), (u32)-1);
    check_eq("xsave_xstate_bv", *(u64 *)(xa + 512) & 7, 7);
    check("xsave_avx_region", avx_region_is_pattern(xa));
    check_eq("xsave_xmm0_low", *(u32 *)(xa + 160), ymm_pat[0][0]);
    check_eq("xsave_xmm7_low", *(u32 *)(xa + 160 + 112 + 12), ymm_pat[7][3]);

    /* VZEROUPPER: the component is in its initial configuration again. */
    __asm__ volatile("vzeroupper" ::: "memory");
    check_eq("vzeroupper_xinuse2_clear", xgetbv(1) & 4, 0);
    check("vzeroupper_upper0_zero", upper_is(0, 0));
    prep(xb);
    xop(x_xsaveopt, xb, ~0ull);
    check_eq("xsaveopt_after_vzeroupper_bv2", *(u64 *)(xb + 512) & 4, 0);

    /* XRSTOR: the full image brings the upper halves back; XSTATE_BV[2] = 0 zeroes them;
     * RFBM[2] = 0 leaves them. */
    check_eq("xrstor_runs", (u32)xop(x_xrstor, xa, ~0ull), (u32)-1);
    check("xrstor_upper0", upper_is(0, &ymm_pat[0][4]));
    check("xrstor_upper7", upper_is(7, &ymm_pat[7][4]));
    memcpy(xb, xa, 4096);
    *(u64 *)(xb + 512) = 3;
    xop(x_xrstor, xb, 3);
    check("xrstor_rfbm3_upper_kept", upper_is(7, &ymm_pat[7][4]));
    xop(x_xrstor, xb, 7);
    check("xrstor_bv3_upper0_zero", upper_is(0, 0));
    check("xrstor_bv3_upper7_zero", upper_is(7, 0));

    /* Compacted form: component 2 at 576 with RFBM 7 and with RFBM 5. */
    load_ymms();
    prep(xb);
    check_eq("xsavec_runs", (u32)xop(x_xsavec, xb, ~0ull), (u32)-1);
    check_eq("xsavec_xcomp_bv", *(u64 *)(xb + 520), 1ull << 63 | 7);
    check("xsavec_avx_at_576", avx_region_is_pattern(xb));
    prep(xb);
    xop(x_xsavec, xb, 5);
    check_eq("xsavec_rfbm5_xcomp_bv", *(u64 *)(xb + 520), 1ull << 63 | 5);
    check("xsavec_rfbm5_avx_at_576", avx_region_is_pattern(xb));
    __asm__ volatile("vzeroupper" ::: "memory");
    check_eq("xrstor_compact_runs", (u32)xop(x_xrstor, xb, ~0ull), (u32)-1);
    check("xrstor_compact_upper7", upper_is(7, &ymm_pat[7][4]));

    /* Back to XCR0 = 3: an image with XSTATE_BV[2] no longer restores, AVX is #UD. */
    check_eq("xsetbv_back_to_3", (u32)xsetbv(3), (u32)-1);
    check_eq("xrstor_bv_avx_outside_xcr0_gp", (u32)xop(x_xrstor, xa, ~0ull), 13);
    check_eq("xcr0_3_again_vmovups_ud", (u32)catch_fault(p_vmovups, 0), 6);
}
