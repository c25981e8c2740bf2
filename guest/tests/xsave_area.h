/* The XSAVE checks both halves of xsave_area run (32-bit protected mode and 64-bit mode),
 * each check named MODE_name. XCR0 = 3 (x87 and SSE), the state components both
 * emulators' Skylake models share; area layouts per SDM Vol. 1 13.4 (legacy region in
 * FXSAVE layout, Table 10-2; header at 512: XSTATE_BV, XCOMP_BV). */
#ifndef GUEST_XSAVE_AREA_H
#define GUEST_XSAVE_AREA_H
#include "fpu_guest.h"

#ifdef __x86_64__
#define NXMM 16
#else
#define NXMM 8
#endif

#define XBV 512 /* XSTATE_BV */
#define XCB 520 /* XCOMP_BV */
#define COMPACT (1ull << 63)

static char xn[96];
static const char *xmode;
#define XNAME(...)                                                                                 \
    (snprintf(xn, sizeof(xn) - 40, "%s_", xmode), snprintf(xn + strlen(xn), 40, __VA_ARGS__), xn)

/* Areas: 64-byte aligned, with room for a misaligned start at +16. */
static u8 xa[1024] ALIGNED(64);
static u8 xb[1024] ALIGNED(64);
static u8 fx[512] ALIGNED(16);

static inline u64 rd64(const u8 *p)
{
    return *(const u64 *)p;
}
static inline u32 rd32(const u8 *p)
{
    return *(const u32 *)p;
}
static inline u16 rd16(const u8 *p)
{
    return *(const u16 *)p;
}
static inline void wr64(u8 *p, u64 v)
{
    *(u64 *)p = v;
}
static inline void wr32(u8 *p, u32 v)
{
    *(u32 *)p = v;
}

/* The instruction under test: op on area p with RFBM (EDX:EAX) m. */
static struct {
    u8 *p;
    u64 m;
    u32 ecx;
} xo;
#define XINSN(name, text)                                                                          \
    static void name(void *a)                                                                      \
    {                                                                                              \
        __asm__ volatile(text " (%0)" ::"r"(xo.p), "a"((u32)xo.m), "d"((u32)(xo.m >> 32))          \
                         : "memory");                                                              \
    }
XINSN(x_xsave, "xsave")
XINSN(x_xsaveopt, "xsaveopt")
XINSN(x_xsavec, "xsavec")
XINSN(x_xsaves, "xsaves")
XINSN(x_xrstor, "xrstor")
XINSN(x_xrstors, "xrstors")
static void x_xsetbv(void *a)
{
    __asm__ volatile("xsetbv" ::"c"(xo.ecx), "a"((u32)xo.m), "d"((u32)(xo.m >> 32)) : "memory");
}
static void x_xgetbv(void *a)
{
    u32 lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xo.ecx));
    xo.m = (u64)hi << 32 | lo;
}
static void x_fxsave(void *a)
{
    __asm__ volatile("fxsave (%0)" ::"r"(xo.p) : "memory");
}
static void x_fxrstor(void *a)
{
    __asm__ volatile("fxrstor (%0)" ::"r"(xo.p) : "memory");
}
static void x_user(void *fn)
{
    run_user((void (*)(void *))fn, 0);
}

static int xrun(void (*fn)(void *), u8 *p, u64 m)
{
    xo.p = p, xo.m = m;
    return catch_fault(fn, 0);
}
/* XCR n, or ~0 if XGETBV faulted (xgetbv_vec: the vector). */
static int xgetbv_vec(u32 n)
{
    xo.ecx = n;
    return catch_fault(x_xgetbv, 0);
}
static u64 xgetbv(u32 n)
{
    return xgetbv_vec(n) < 0 ? xo.m : ~0ull;
}
static int xsetbv(u32 n, u64 v)
{
    xo.ecx = n, xo.m = v;
    return catch_fault(x_xsetbv, 0);
}

/* A recognisable state: FCW 027FH, ST0 = pi, ST1 = 1 (TOP 6), MXCSR with DAZ, FTZ and
 * PE, XMMn lane k = 0x01010101 * (16 n + k + 1). */
static u32 xmm_pat[16][4];
static void load_xmms(const u32 (*v)[4])
{
    __asm__ volatile("movups 0(%0), %%xmm0\n movups 16(%0), %%xmm1\n movups 32(%0), %%xmm2\n"
                     "movups 48(%0), %%xmm3\n movups 64(%0), %%xmm4\n movups 80(%0), %%xmm5\n"
                     "movups 96(%0), %%xmm6\n movups 112(%0), %%xmm7\n" ::"r"(v)
                     : "memory");
#ifdef __x86_64__
    __asm__ volatile("movups 128(%0), %%xmm8\n movups 144(%0), %%xmm9\n movups 160(%0), %%xmm10\n"
                     "movups 176(%0), %%xmm11\n movups 192(%0), %%xmm12\n movups 208(%0), %%xmm13\n"
                     "movups 224(%0), %%xmm14\n movups 240(%0), %%xmm15\n" ::"r"(v)
                     : "memory");
#endif
}
#define STATE_MXCSR (MX_DEFAULT | MX_DAZ | MX_FTZ | MX_PE)
static void state_a(void)
{
    for (int n = 0; n < 16; n++)
        for (int k = 0; k < 4; k++)
            xmm_pat[n][k] = 0x01010101u * (u32)(16 * n + k + 1);
    fninit();
    fldcw(0x27f);
    __asm__ volatile("fld1; fldpi" ::: "memory");
    load_xmms(xmm_pat);
    mxcsr_set(STATE_MXCSR);
}
/* Something else in every register: FNINIT, FLDZ, XMMs zero but one, MXCSR default. */
static void state_b(void)
{
    static const u32 other[16][4] = {{7, 7, 7, 7}};
    fninit();
    __asm__ volatile("fldz" ::: "memory");
    load_xmms(other);
    mxcsr_set(MX_DEFAULT);
}

/* Checks of a legacy region against state_a: x87 (FCW, FSW, abridged FTW, ST0, ST1),
 * MXCSR and the XMM registers. */
static void check_x87_a(const char *what, const u8 *a)
{
    check_eq(XNAME("%s_fcw", what), rd16(a + 0), 0x27f);
    check_eq(XNAME("%s_fsw", what), rd16(a + 2), 0x3000);
    check_eq(XNAME("%s_ftw", what), a[4], 0xc0);
    check_eq(XNAME("%s_st0_sig", what), rd64(a + 32), 0xc90fdaa22168c235ull);
    check_eq(XNAME("%s_st0_exp", what), rd16(a + 40), 0x4000);
    check_eq(XNAME("%s_st1_sig", what), rd64(a + 48), 0x8000000000000000ull);
    check_eq(XNAME("%s_st1_exp", what), rd16(a + 56), 0x3fff);
}
static void check_sse_a(const char *what, const u8 *a)
{
    int ok = 1;
    for (int n = 0; n < NXMM; n++)
        for (int k = 0; k < 4; k++)
            ok &= rd32(a + 160 + 16 * n + 4 * k) == xmm_pat[n][k];
    check(XNAME("%s_xmm_all", what), ok);
}
/* The live state, read with FXSAVE. */
static void fxsave_now(void)
{
    xo.p = fx;
    x_fxsave(0);
}
static int xmm_zero(const u8 *a)
{
    for (int k = 0; k < 16 * NXMM; k++)
        if (a[160 + k]) return 0;
    return 1;
}

static void prep(u8 *a, u8 fill)
{
    memset(a, fill, 1024);
    memset(a + 512, 0, 64);
}

static void xsave_suite(const char *mode)
{
    xmode = mode;
    u32 a, b, c, d;

    /* XCR0 rules (SDM Vol. 2 XSETBV, Vol. 1 13.3): bit 0 must be set, AVX (bit 2) needs
     * SSE (bit 1), reserved bits and XCR numbers other than 0 #GP(0). */
    check_eq(XNAME("xsetbv_zero_gp"), (u32)xsetbv(0, 0), 13);
    check_eq(XNAME("xsetbv_no_x87_gp"), (u32)xsetbv(0, 2), 13);
    check_eq(XNAME("xsetbv_avx_without_sse_gp"), (u32)xsetbv(0, 5), 13);
    check_eq(XNAME("xsetbv_bit63_gp"), (u32)xsetbv(0, 3 | 1ull << 63), 13);
    check_eq(XNAME("xsetbv_xcr1_gp"), (u32)xsetbv(1, 3), 13);
    check_eq(XNAME("xgetbv_xcr2_gp"), (u32)xgetbv_vec(2), 13);
    check_eq(XNAME("xsetbv_x87_ok"), (u32)xsetbv(0, 1), (u32)-1);
    check_eq(XNAME("xgetbv_x87"), xgetbv(0), 1);
    cpuid(0xd, 0, &a, &b, &c, &d);
    check_eq(XNAME("cpuid_d0_ebx_xcr0_1"), b, 576);
    check_eq(XNAME("xsetbv_x87_sse_ok"), (u32)xsetbv(0, 3), (u32)-1);
    check_eq(XNAME("xgetbv_x87_sse"), xgetbv(0), 3);
    xo.m = 3, xo.ecx = 0;
    check_eq(XNAME("xsetbv_cpl3_gp"), (u32)catch_fault(x_user, (void *)x_xsetbv), 13);
    check_eq(XNAME("xgetbv_cpl3_ok"), (u32)catch_fault(x_user, (void *)x_xgetbv), (u32)-1);

    /* CPUID leaf 0DH as both models report it for XCR0 = 3 (SDM Vol. 2 CPUID). */
    cpuid(0xd, 0, &a, &b, &c, &d);
    check_eq(XNAME("cpuid_d0_eax_x87_sse"), a & 3, 3);
    check_eq(XNAME("cpuid_d0_ebx_xcr0_3"), b, 576);
    check(XNAME("cpuid_d0_ecx_covers_ebx"), c >= b);
    cpuid(0xd, 1, &a, &b, &c, &d);
    check_eq(XNAME("cpuid_d1_eax_opt_c_getbv1_s"), a & 0xf, 0xf);
    check_eq(XNAME("cpuid_d1_ebx_compacted_size"), b, 576);
    cpuid(1, 0, &a, &b, &c, &d);
    check_eq(XNAME("cpuid1_ecx_osxsave"), c >> 27 & 1, 1);

    /* XSAVE, standard form: every component in RFBM, XSTATE_BV = XINUSE. */
    state_a();
    prep(xa, 0xcc);
    check_eq(XNAME("xsave_runs"), (u32)xrun(x_xsave, xa, ~0ull), (u32)-1);
    check_x87_a("xsave", xa);
    check_eq(XNAME("xsave_mxcsr"), rd32(xa + 24), STATE_MXCSR);
    check_eq(XNAME("xsave_mxcsr_mask"), rd32(xa + 28), 0xffff);
    check_sse_a("xsave", xa);
    check_eq(XNAME("xsave_xstate_bv"), rd64(xa + XBV), 3);
    int untouched = 1;
    for (int k = 464; k < 512; k++)
        untouched &= xa[k] == 0xcc;
    check(XNAME("xsave_bytes_464_511_untouched"), untouched);

    /* RFBM = 1: SSE and MXCSR not written, XSTATE_BV[1] left as it was. */
    prep(xb, 0xcc);
    wr64(xb + XBV, 2);
    xrun(x_xsave, xb, 1);
    check_eq(XNAME("xsave_rfbm1_xstate_bv"), rd64(xb + XBV), 3);
    check_eq(XNAME("xsave_rfbm1_mxcsr_not_written"), rd32(xb + 24), 0xcccccccc);
    check_eq(XNAME("xsave_rfbm1_xmm0_not_written"), rd32(xb + 160), 0xcccccccc);
    check_eq(XNAME("xsave_rfbm1_fcw"), rd16(xb), 0x27f);
    /* RFBM = 2: MXCSR comes with SSE, the x87 part stays. */
    prep(xb, 0xcc);
    xrun(x_xsave, xb, 2);
    check_eq(XNAME("xsave_rfbm2_xstate_bv"), rd64(xb + XBV), 2);
    check_eq(XNAME("xsave_rfbm2_mxcsr"), rd32(xb + 24), STATE_MXCSR);
    check_eq(XNAME("xsave_rfbm2_fcw_not_written"), rd16(xb), 0xcccc);

    /* XRSTOR of the full image brings state_a back. */
    state_b();
    check_eq(XNAME("xrstor_runs"), (u32)xrun(x_xrstor, xa, ~0ull), (u32)-1);
    fxsave_now();
    check_x87_a("xrstor", fx);
    check_eq(XNAME("xrstor_mxcsr"), rd32(fx + 24), STATE_MXCSR);
    check_sse_a("xrstor", fx);

    /* XSTATE_BV[i] = 0 with RFBM[i] = 1 initializes component i (SDM Vol. 1 13.8.1); in
     * the standard form MXCSR still comes from memory with RFBM[1]. */
    state_b();
    memcpy(xb, xa, 1024);
    wr64(xb + XBV, 0);
    wr32(xb + 24, MX_DEFAULT | MX_FTZ);
    check_eq(XNAME("xrstor_init_runs"), (u32)xrun(x_xrstor, xb, 3), (u32)-1);
    fxsave_now();
    check_eq(XNAME("xrstor_init_fcw"), rd16(fx), 0x37f);
    check_eq(XNAME("xrstor_init_fsw"), rd16(fx + 2), 0);
    check_eq(XNAME("xrstor_init_ftw"), fx[4], 0);
    check_eq(XNAME("xrstor_init_st0"), rd64(fx + 32), 0);
    check(XNAME("xrstor_init_xmm_zero"), xmm_zero(fx));
    check_eq(XNAME("xrstor_init_mxcsr_from_memory"), rd32(fx + 24), MX_DEFAULT | MX_FTZ);
    /* x87 initialized, SSE loaded. */
    state_b();
    memcpy(xb, xa, 1024);
    wr64(xb + XBV, 2);
    xrun(x_xrstor, xb, 3);
    fxsave_now();
    check_eq(XNAME("xrstor_bv2_fcw_init"), rd16(fx), 0x37f);
    check_eq(XNAME("xrstor_bv2_ftw_init"), fx[4], 0);
    check_sse_a("xrstor_bv2", fx);
    /* RFBM[0] = 0: the x87 state stays whatever XSTATE_BV says. */
    state_b();
    xrun(x_xrstor, xa, 2);
    fxsave_now();
    check_eq(XNAME("xrstor_rfbm2_x87_kept_fcw"), rd16(fx), 0x37f);
    check_eq(XNAME("xrstor_rfbm2_x87_kept_ftw"), fx[4], 0x80);
    check_sse_a("xrstor_rfbm2", fx);

    /* The init optimization: after XRSTOR initialized both components (MXCSR 1F80H),
     * XINUSE is 0 and XSAVEOPT/XSAVEC write XSTATE_BV 0 and skip the components. */
    memcpy(xb, xa, 1024);
    wr64(xb + XBV, 0);
    wr32(xb + 24, MX_DEFAULT);
    xrun(x_xrstor, xb, 3);
    check_eq(XNAME("xgetbv1_after_init"), xgetbv(1), 0);
    prep(xb, 0xcc);
    wr64(xb + XBV, 3);
    xrun(x_xsaveopt, xb, ~0ull);
    check_eq(XNAME("xsaveopt_init_xstate_bv"), rd64(xb + XBV), 0);
    prep(xb, 0xcc);
    xrun(x_xsavec, xb, ~0ull);
    check_eq(XNAME("xsavec_init_xstate_bv"), rd64(xb + XBV), 0);
    check_eq(XNAME("xsavec_init_xcomp_bv"), rd64(xb + XCB), COMPACT | 3);
    check_eq(XNAME("xsavec_init_x87_skipped"), rd16(xb), 0xcccc);
    check_eq(XNAME("xsavec_init_xmm_skipped"), rd32(xb + 160), 0xcccccccc);
    prep(xb, 0xcc);
    xrun(x_xsave, xb, ~0ull);
    check_eq(XNAME("xsave_init_xstate_bv"), rd64(xb + XBV), 0);
    /* Using a component sets its XINUSE bit. */
    __asm__ volatile("fld1" ::: "memory");
    check_eq(XNAME("xgetbv1_after_fld1"), xgetbv(1), 1);
    prep(xb, 0xcc);
    xrun(x_xsaveopt, xb, ~0ull);
    check_eq(XNAME("xsaveopt_x87_xstate_bv"), rd64(xb + XBV), 1);
    check_eq(XNAME("xsaveopt_x87_ftw"), xb[4], 0x80);
    load_xmms(xmm_pat);
    check_eq(XNAME("xgetbv1_after_movups"), xgetbv(1), 3);

    /* XSAVEC (compacted form, SDM Vol. 1 13.10): XCOMP_BV = RFBM | bit 63. */
    state_a();
    prep(xb, 0xcc);
    check_eq(XNAME("xsavec_runs"), (u32)xrun(x_xsavec, xb, ~0ull), (u32)-1);
    check_eq(XNAME("xsavec_xstate_bv"), rd64(xb + XBV), 3);
    check_eq(XNAME("xsavec_xcomp_bv"), rd64(xb + XCB), COMPACT | 3);
    check_x87_a("xsavec", xb);
    check_sse_a("xsavec", xb);
    prep(xb, 0xcc);
    xrun(x_xsavec, xb, 1);
    check_eq(XNAME("xsavec_rfbm1_xcomp_bv"), rd64(xb + XCB), COMPACT | 1);
    check_eq(XNAME("xsavec_rfbm1_xstate_bv"), rd64(xb + XBV), 1);
    /* XRSTOR of the compacted image; XSTATE_BV[1] = 0 there sets MXCSR to 1F80H. */
    prep(xb, 0xcc);
    xrun(x_xsavec, xb, ~0ull);
    state_b();
    check_eq(XNAME("xrstor_compact_runs"), (u32)xrun(x_xrstor, xb, ~0ull), (u32)-1);
    fxsave_now();
    check_x87_a("xrstor_compact", fx);
    check_eq(XNAME("xrstor_compact_mxcsr"), rd32(fx + 24), STATE_MXCSR);
    check_sse_a("xrstor_compact", fx);
    wr64(xb + XBV, 1);
    xrun(x_xrstor, xb, ~0ull);
    fxsave_now();
    check_eq(XNAME("xrstor_compact_bv1_mxcsr_init"), rd32(fx + 24), MX_DEFAULT);
    check(XNAME("xrstor_compact_bv1_xmm_zero"), xmm_zero(fx));

    /* XSAVES/XRSTORS (SDM Vol. 2): CPL 0 only, compacted form only. */
    state_a();
    prep(xb, 0xcc);
    check_eq(XNAME("xsaves_runs"), (u32)xrun(x_xsaves, xb, ~0ull), (u32)-1);
    check_eq(XNAME("xsaves_xcomp_bv"), rd64(xb + XCB), COMPACT | 3);
    check_eq(XNAME("xsaves_xstate_bv"), rd64(xb + XBV), 3);
    check_sse_a("xsaves", xb);
    state_b();
    check_eq(XNAME("xrstors_runs"), (u32)xrun(x_xrstors, xb, ~0ull), (u32)-1);
    fxsave_now();
    check_x87_a("xrstors", fx);
    check_eq(XNAME("xrstors_standard_form_gp"), (u32)xrun(x_xrstors, xa, ~0ull), 13);
    xo.p = xb, xo.m = ~0ull;
    check_eq(XNAME("xsaves_cpl3_gp"), (u32)catch_fault(x_user, (void *)x_xsaves), 13);
    check_eq(XNAME("xrstors_cpl3_gp"), (u32)catch_fault(x_user, (void *)x_xrstors), 13);
    check_eq(XNAME("xsave_cpl3_ok"), (u32)catch_fault(x_user, (void *)x_xsave), (u32)-1);

    /* #GP(0): a misaligned area, header and MXCSR reserved bits. */
    int v = xrun(x_xsave, xa + 16, ~0ull);
    check(XNAME("xsave_misaligned_gp0"), v == 13 && last_trap.err == 0);
    check_eq(XNAME("xsaveopt_misaligned_gp"), (u32)xrun(x_xsaveopt, xa + 32, ~0ull), 13);
    check_eq(XNAME("xsavec_misaligned_gp"), (u32)xrun(x_xsavec, xa + 48, ~0ull), 13);
    check_eq(XNAME("xrstor_misaligned_gp"), (u32)xrun(x_xrstor, xa + 16, ~0ull), 13);
    memcpy(xb, xa, 1024);
    wr64(xb + XBV, 7);
    check_eq(XNAME("xrstor_bv_outside_xcr0_gp"), (u32)xrun(x_xrstor, xb, ~0ull), 13);
    memcpy(xb, xa, 1024);
    wr64(xb + XCB, 1);
    check_eq(XNAME("xrstor_xcomp_bv_without_bit63_gp"), (u32)xrun(x_xrstor, xb, ~0ull), 13);
    memcpy(xb, xa, 1024);
    xb[528] = 1;
    check_eq(XNAME("xrstor_header_bytes_16_23_gp"), (u32)xrun(x_xrstor, xb, ~0ull), 13);
    memcpy(xb, xa, 1024);
    wr64(xb + XCB, COMPACT | 7);
    check_eq(XNAME("xrstor_compact_outside_xcr0_gp"), (u32)xrun(x_xrstor, xb, ~0ull), 13);
    wr64(xb + XCB, COMPACT | 1);
    wr64(xb + XBV, 3);
    check_eq(XNAME("xrstor_compact_bv_outside_comp_gp"), (u32)xrun(x_xrstor, xb, ~0ull), 13);
    memcpy(xb, xa, 1024);
    wr32(xb + 24, 1u << 16);
    check_eq(XNAME("xrstor_mxcsr_reserved_gp"), (u32)xrun(x_xrstor, xb, ~0ull), 13);
    check_eq(XNAME("xrstor_mxcsr_reserved_rfbm1_ok"), (u32)xrun(x_xrstor, xb, 1), (u32)-1);
    /* FXSAVE/FXRSTOR: 16-byte alignment, MXCSR reserved bits. */
    check_eq(XNAME("fxsave_misaligned_gp"), (u32)xrun(x_fxsave, xa + 8, 0), 13);
    memcpy(xb, xa, 512);
    wr32(xb + 24, 1u << 16);
    check_eq(XNAME("fxrstor_mxcsr_reserved_gp"), (u32)xrun(x_fxrstor, xb, 0), 13);
    check_eq(XNAME("fxrstor_ok"), (u32)xrun(x_fxrstor, xa, 0), (u32)-1);

    /* #NM with CR0.TS, #UD without CR4.OSXSAVE. */
    cr0_set(CR0_TS, 0);
    check_eq(XNAME("xsave_ts_nm"), (u32)xrun(x_xsave, xb, ~0ull), 7);
    check_eq(XNAME("xrstor_ts_nm"), (u32)xrun(x_xrstor, xa, ~0ull), 7);
    check_eq(XNAME("xgetbv_ts_ok"), xgetbv(0), 3);
    clts();
    cr4_set(0, CR4_OSXSAVE);
    check_eq(XNAME("xsave_no_osxsave_ud"), (u32)xrun(x_xsave, xb, ~0ull), 6);
    check_eq(XNAME("xgetbv_no_osxsave_ud"), (u32)xgetbv_vec(0), 6);
    check_eq(XNAME("xsetbv_no_osxsave_ud"), (u32)xsetbv(0, 3), 6);
    cpuid(1, 0, &a, &b, &c, &d);
    check_eq(XNAME("cpuid1_ecx_osxsave_clear"), c >> 27 & 1, 0);
    cr4_set(CR4_OSXSAVE, 0);
    check_eq(XNAME("xcr0_kept_across_osxsave"), xgetbv(0), 3);
}
#endif
