/* The #NM/#UD and #XM checks both halves of fpu_exc run (32-bit protected mode, names as
 * they are; 64-bit mode, names prefixed lm64_): see fpu_exc.c for what they cover. */
#ifndef GUEST_FPU_EXC_H
#define GUEST_FPU_EXC_H
#include "fpu_guest.h"

static char nbuf[96];
static u8 fxa[512] ALIGNED(16);

/* --- #NM / #UD ------------------------------------------------------------------------ */

static void p_fld1(void *a)
{
    __asm__ volatile("fld1; fstp %%st(0)" ::: "memory");
}
static void p_fninit(void *a)
{
    __asm__ volatile("fninit");
}
static void p_fwait(void *a)
{
    __asm__ volatile("fwait");
}
static void p_fxsave(void *a)
{
    __asm__ volatile("fxsave %0" : "=m"(fxa));
}
static void p_mmx(void *a)
{
    __asm__ volatile("movq %%mm0, %%mm1" ::: "memory");
}
static void p_emms(void *a)
{
    __asm__ volatile("emms");
}
static void p_sse(void *a)
{
    __asm__ volatile("xorps %%xmm7, %%xmm7" ::: "memory");
}
static void p_sse2(void *a)
{
    __asm__ volatile("pxor %%xmm7, %%xmm7" ::: "memory");
}
static void p_ldmxcsr(void *a)
{
    static u32 m = MX_DEFAULT;
    __asm__ volatile("ldmxcsr %0" ::"m"(m));
}
static void p_stmxcsr(void *a)
{
    static u32 m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
}

enum kind { K_X87, K_WAIT, K_MMX, K_SSE };
static const struct probe {
    const char *name;
    void (*fn)(void *);
    enum kind kind;
} probes[] = {
    {"fld1", p_fld1, K_X87},       {"fninit", p_fninit, K_X87}, {"fxsave", p_fxsave, K_X87},
    {"fwait", p_fwait, K_WAIT},    {"movq_mm", p_mmx, K_MMX},   {"emms", p_emms, K_MMX},
    {"xorps", p_sse, K_SSE},       {"pxor", p_sse2, K_SSE},     {"ldmxcsr", p_ldmxcsr, K_SSE},
    {"stmxcsr", p_stmxcsr, K_SSE},
};

/* The vector SDM Vol. 3 Table 2-2 gives (-1: runs). osfxsr: CR4.OSFXSR. */
static int nm_expect(enum kind k, u32 cr0, int osfxsr)
{
    int mp = !!(cr0 & CR0_MP), em = !!(cr0 & CR0_EM), ts = !!(cr0 & CR0_TS);
    switch (k) {
    case K_X87: return em || ts ? 7 : -1;
    case K_WAIT: return mp && ts ? 7 : -1;
    case K_MMX: return em ? 6 : ts ? 7 : -1;
    case K_SSE: return em || !osfxsr ? 6 : ts ? 7 : -1;
    }
    return -2;
}

static int probe_under(const struct probe *p, u32 cr0)
{
    cr0_set(cr0, CR0_MP | CR0_EM | CR0_TS);
    int v = catch_fault(p->fn, 0);
    cr0_set(0, CR0_MP | CR0_EM | CR0_TS);
    if (p->kind == K_MMX) __asm__ volatile("emms");
    return v;
}

static void test_nm(const char *pfx)
{
    static const struct {
        const char *name;
        u32 cr0;
    } cfgs[] = {
        {"none", 0},
        {"ts", CR0_TS},
        {"em", CR0_EM},
        {"em_ts", CR0_EM | CR0_TS},
        {"mp", CR0_MP},
        {"mp_ts", CR0_MP | CR0_TS},
        {"mp_em", CR0_MP | CR0_EM},
        {"mp_em_ts", CR0_MP | CR0_EM | CR0_TS},
    };
    for (unsigned c = 0; c < ARRAY_SIZE(cfgs); c++)
        for (unsigned k = 0; k < ARRAY_SIZE(probes); k++)
            check_eq(CHECK_NAME(nbuf, "%snm_%s_%s", pfx, cfgs[c].name, probes[k].name),
                     (u32)probe_under(&probes[k], cfgs[c].cr0),
                     (u32)nm_expect(probes[k].kind, cfgs[c].cr0, 1));

    /* CLTS clears CR0.TS and nothing else; the x87 runs again. */
    cr0_set(CR0_TS | CR0_MP, 0);
    clts();
    check_eq(CHECK_NAME(nbuf, "%sclts_clears_ts", pfx), read_cr0() & (CR0_TS | CR0_MP | CR0_EM),
             CR0_MP);
    check_eq(CHECK_NAME(nbuf, "%sclts_then_fld1_runs", pfx), (u32)catch_fault(p_fld1, 0), (u32)-1);
    cr0_set(0, CR0_MP);

    /* CR4.OSFXSR = 0: SSE #UD (before #NM), x87, FXSAVE and MMX unaffected. */
    cr4_set(0, CR4_OSFXSR);
    for (unsigned k = 0; k < ARRAY_SIZE(probes); k++) {
        check_eq(CHECK_NAME(nbuf, "%sosfxsr0_%s", pfx, probes[k].name),
                 (u32)probe_under(&probes[k], 0), (u32)nm_expect(probes[k].kind, 0, 0));
        check_eq(CHECK_NAME(nbuf, "%sosfxsr0_ts_%s", pfx, probes[k].name),
                 (u32)probe_under(&probes[k], CR0_TS), (u32)nm_expect(probes[k].kind, CR0_TS, 0));
    }
    cr4_set(CR4_OSFXSR, 0);
}

/* --- #XM ------------------------------------------------------------------------------ */

#define XOP(name, insn)                                                                            \
    static void name(void *a)                                                                      \
    {                                                                                              \
        __asm__ volatile(insn " %%xmm1, %%xmm0" ::: "memory");                                     \
    }
XOP(x_addss, "addss")
XOP(x_addps, "addps")
XOP(x_mulss, "mulss")
XOP(x_mulps, "mulps")
XOP(x_divss, "divss")
XOP(x_divps, "divps")
XOP(x_sqrtss, "sqrtss")
XOP(x_sqrtps, "sqrtps")
XOP(x_cvtps2dq, "cvtps2dq")
XOP(x_addsd, "addsd")
XOP(x_addpd, "addpd")
XOP(x_mulsd, "mulsd")
XOP(x_divsd, "divsd")
XOP(x_divpd, "divpd")
XOP(x_sqrtpd, "sqrtpd")
XOP(x_cvtsd2ss, "cvtsd2ss")
XOP(x_cvtpd2ps, "cvtpd2ps")
XOP(x_cvtps2pd, "cvtps2pd")
XOP(x_comiss, "comiss")
XOP(x_ucomiss, "ucomiss")

/* Single-precision values. */
#define ONE 0x3f800000u
#define TWO 0x40000000u
#define THREE 0x40400000u
#define FOUR 0x40800000u
#define MONE 0xbf800000u
#define DEN 0x00000001u   /* smallest denormal */
#define BIG 0x7f000000u   /* 2^127: doubling or squaring overflows */
#define TINY 0x1f800000u  /* 2^-64: its square 2^-128 is denormal and exact */
#define TINY1 0x1f800001u /* its product with TINY is denormal and inexact */
#define EPS 0x30800000u   /* 2^-30: 1 + EPS is inexact */
#define QNAN 0xffc00000u  /* the default NaN */
#define INF 0x7f800000u
#define S 0x5a5a5a5au    /* sentinel in lanes an operation leaves alone */
#define SNAN 0x7fa00000u /* a signalling NaN */
/* Double-precision values as (low, high) lane pairs. */
#define D1 0, 0x3ff00000u  /* 1.0 */
#define DM1 0, 0xbff00000u /* -1.0 */
#define D0 0, 0
#define D2 0, 0x40000000u
#define D3 0, 0x40080000u
#define D4 0, 0x40100000u
#define DTHIRD 0x55555555u, 0x3fd55555u
#define DBIG 0, 0x7fe00000u  /* 2^1023 */
#define DTINY 0, 0x1ff00000u /* 2^-512: its square 2^-1024 is denormal and exact */
#define DDEN 1, 0            /* smallest denormal */
#define DINF 0, 0x7ff00000u
#define DQNAN 0, 0xfff80000u
#define D2M140 0, 0x37300000u /* 2^-140: a single-precision denormal, exactly */

/* clang-format off */
static const struct xcase {
    const char *name;
    void (*fn)(void *);
    u32 mxcsr;   /* MXCSR before (flags clear) */
    u32 a[4];    /* destination (XMM0) before */
    u32 b[4];    /* source (XMM1) */
    int vec;     /* -1: no exception */
    u32 flags;   /* MXCSR flags after */
    u32 res[4];  /* XMM0 after (when no exception; else it must equal a) */
} xcases[] = {
    /* IE: square root of -1. */
    {"ie_sqrtss_unmasked", x_sqrtss, MX_DEFAULT & ~MX_MASK(MX_IE), {S, S, S, S}, {MONE, FOUR, FOUR, FOUR}, 19, MX_IE, {0}},
    {"ie_sqrtss_masked", x_sqrtss, MX_DEFAULT, {S, S, S, S}, {MONE, FOUR, FOUR, FOUR}, -1, MX_IE, {QNAN, S, S, S}},
    {"ie_sqrtps_unmasked", x_sqrtps, MX_DEFAULT & ~MX_MASK(MX_IE), {S, S, S, S}, {FOUR, MONE, TWO, FOUR}, 19, MX_IE, {0}},
    {"ie_sqrtps_masked", x_sqrtps, MX_DEFAULT, {S, S, S, S}, {FOUR, MONE, FOUR, FOUR}, -1, MX_IE, {TWO, QNAN, TWO, TWO}},
    {"ie_cvtps2dq_masked", x_cvtps2dq, MX_DEFAULT, {S, S, S, S}, {ONE, INF, 0x4f000000, MONE}, -1, MX_IE, {1, 0x80000000, 0x80000000, 0xffffffff}},
    {"ie_cvtps2dq_unmasked", x_cvtps2dq, MX_DEFAULT & ~MX_MASK(MX_IE), {S, S, S, S}, {ONE, INF, ONE, ONE}, 19, MX_IE, {0}},
    /* DE: 1 + denormal (also inexact). Unmasked DE is a pre-computation exception: no
     * PE is even detected. With DE masked and PE unmasked both flags are set. */
    {"de_addss_unmasked", x_addss, MX_DEFAULT & ~MX_MASK(MX_DE), {ONE, S, S, S}, {DEN, S, S, S}, 19, MX_DE, {0}},
    {"de_addss_masked_pe_unmasked", x_addss, MX_DEFAULT & ~MX_MASK(MX_PE), {ONE, S, S, S}, {DEN, S, S, S}, 19, MX_DE | MX_PE, {0}},
    {"de_addss_masked", x_addss, MX_DEFAULT, {ONE, S, S, S}, {DEN, S, S, S}, -1, MX_DE | MX_PE, {ONE, S, S, S}},
    /* Packed, four lanes: DE+PE, overflow, exact, inexact. */
    {"de_addps_unmasked", x_addps, MX_DEFAULT & ~MX_MASK(MX_DE), {ONE, BIG, ONE, ONE}, {DEN, BIG, ONE, EPS}, 19, MX_DE, {0}},
    {"de_addps_oe_unmasked", x_addps, MX_DEFAULT & ~MX_MASK(MX_OE), {ONE, BIG, ONE, ONE}, {DEN, BIG, ONE, EPS}, 19, MX_DE | MX_OE | MX_PE, {0}},
    {"de_addps_masked", x_addps, MX_DEFAULT, {ONE, BIG, ONE, ONE}, {DEN, BIG, ONE, EPS}, -1, MX_DE | MX_OE | MX_PE, {ONE, INF, TWO, ONE}},
    /* ZE: 1/0; the inexact 1/3 in another lane is not looked at when ZE is unmasked. */
    {"ze_divss_unmasked", x_divss, MX_DEFAULT & ~MX_MASK(MX_ZE), {ONE, S, S, S}, {0, S, S, S}, 19, MX_ZE, {0}},
    {"ze_divss_masked", x_divss, MX_DEFAULT, {MONE, S, S, S}, {0, S, S, S}, -1, MX_ZE, {0xff800000, S, S, S}},
    {"ze_divps_unmasked", x_divps, MX_DEFAULT & ~MX_MASK(MX_ZE), {ONE, ONE, FOUR, 0}, {0, THREE, TWO, ONE}, 19, MX_ZE, {0}},
    {"ze_divps_masked", x_divps, MX_DEFAULT, {ONE, ONE, FOUR, 0}, {0, THREE, TWO, ONE}, -1, MX_ZE | MX_PE, {INF, 0x3eaaaaab, TWO, 0}},
    /* ZE beside an unmasked post-computation exception: both flags, #XM. */
    {"ze_divps_masked_pe_unmasked", x_divps, MX_DEFAULT & ~MX_MASK(MX_PE), {ONE, ONE, FOUR, 0}, {0, THREE, TWO, ONE}, 19, MX_ZE | MX_PE, {0}},
    /* OE: 2^127 * 2^127. Unmasked overflow and underflow set only their own flag, not
     * PE (SDM Vol. 1 11.5.2.4, 11.5.2.5: the flag, the handler, operands unchanged; the
     * host's SSE unit agrees, tests/unit/test_diff_sse.c). */
    {"oe_mulss_unmasked", x_mulss, MX_DEFAULT & ~MX_MASK(MX_OE), {BIG, S, S, S}, {BIG, S, S, S}, 19, MX_OE, {0}},
    {"oe_mulss_masked", x_mulss, MX_DEFAULT, {BIG, S, S, S}, {BIG, S, S, S}, -1, MX_OE | MX_PE, {INF, S, S, S}},
    {"oe_mulps_unmasked", x_mulps, MX_DEFAULT & ~MX_MASK(MX_OE), {ONE, BIG, TWO, ONE}, {ONE, BIG, TWO, ONE}, 19, MX_OE, {0}},
    /* UE: unmasked, tininess alone is enough; masked, only a tiny inexact result. */
    {"ue_mulss_exact_unmasked", x_mulss, MX_DEFAULT & ~MX_MASK(MX_UE), {TINY, S, S, S}, {TINY, S, S, S}, 19, MX_UE, {0}},
    {"ue_mulss_exact_masked", x_mulss, MX_DEFAULT, {TINY, S, S, S}, {TINY, S, S, S}, -1, 0, {0x00200000, S, S, S}},
    {"ue_mulss_inexact_masked", x_mulss, MX_DEFAULT, {TINY1, S, S, S}, {TINY, S, S, S}, -1, MX_UE | MX_PE, {0x00200000, S, S, S}},
    {"ue_mulss_inexact_unmasked", x_mulss, MX_DEFAULT & ~MX_MASK(MX_UE), {TINY1, S, S, S}, {TINY, S, S, S}, 19, MX_UE, {0}},
    {"ue_mulps_unmasked", x_mulps, MX_DEFAULT & ~MX_MASK(MX_UE), {ONE, TINY, TWO, ONE}, {ONE, TINY, TWO, ONE}, 19, MX_UE, {0}},
    /* PE: 1 + 2^-30. */
    {"pe_addss_unmasked", x_addss, MX_DEFAULT & ~MX_MASK(MX_PE), {ONE, S, S, S}, {EPS, S, S, S}, 19, MX_PE, {0}},
    {"pe_addss_masked", x_addss, MX_DEFAULT, {ONE, S, S, S}, {EPS, S, S, S}, -1, MX_PE, {ONE, S, S, S}},
    {"pe_addps_unmasked", x_addps, MX_DEFAULT & ~MX_MASK(MX_PE), {ONE, TWO, ONE, ONE}, {ONE, TWO, EPS, ONE}, 19, MX_PE, {0}},
    /* Every exception unmasked: the first stage that finds one decides. */
    {"all_unmasked_addps_de_oe", x_addps, 0, {ONE, BIG, ONE, ONE}, {DEN, BIG, ONE, EPS}, 19, MX_DE, {0}},
    {"all_unmasked_mulps_oe_ue", x_mulps, 0, {ONE, BIG, TINY, ONE}, {ONE, BIG, TINY, ONE}, 19, MX_OE | MX_UE, {0}},
    /* DAZ: a denormal source is zero, so 1 + denormal is exact and raises nothing. */
    {"daz_addss", x_addss, MX_DEFAULT | MX_DAZ, {ONE, S, S, S}, {DEN, S, S, S}, -1, 0, {ONE, S, S, S}},
    {"daz_addss_de_unmasked", x_addss, (MX_DEFAULT | MX_DAZ) & ~MX_MASK(MX_DE), {ONE, S, S, S}, {DEN, S, S, S}, -1, 0, {ONE, S, S, S}},
    {"daz_mulss_den_times_big", x_mulss, MX_DEFAULT | MX_DAZ, {DEN, S, S, S}, {BIG, S, S, S}, -1, 0, {0, S, S, S}},
    /* FTZ with UE masked: a tiny result is +0 with UE and PE, even when exact. */
    {"ftz_mulss_exact", x_mulss, MX_DEFAULT | MX_FTZ, {TINY, S, S, S}, {TINY, S, S, S}, -1, MX_UE | MX_PE, {0, S, S, S}},
    {"ftz_mulps", x_mulps, MX_DEFAULT | MX_FTZ, {TINY1, 0x9f800000, ONE, ONE}, {TINY, TINY, ONE, ONE}, -1, MX_UE | MX_PE, {0, 0x80000000, ONE, ONE}},
    /* Double precision (SSE2). */
    {"ze_divsd_unmasked", x_divsd, MX_DEFAULT & ~MX_MASK(MX_ZE), {D1, S, S}, {D0, S, S}, 19, MX_ZE, {0}},
    {"ze_divpd_masked", x_divpd, MX_DEFAULT, {D1, D1}, {D0, D3}, -1, MX_ZE | MX_PE, {DINF, DTHIRD}},
    {"ze_divpd_unmasked", x_divpd, MX_DEFAULT & ~MX_MASK(MX_ZE), {D1, D1}, {D0, D3}, 19, MX_ZE, {0}},
    {"oe_addpd_masked", x_addpd, MX_DEFAULT, {DBIG, D1}, {DBIG, D1}, -1, MX_OE | MX_PE, {DINF, D2}},
    {"oe_addpd_unmasked", x_addpd, MX_DEFAULT & ~MX_MASK(MX_OE), {DBIG, D1}, {DBIG, D1}, 19, MX_OE, {0}},
    {"ue_mulsd_exact_unmasked", x_mulsd, MX_DEFAULT & ~MX_MASK(MX_UE), {DTINY, S, S}, {DTINY, S, S}, 19, MX_UE, {0}},
    {"ue_mulsd_exact_masked", x_mulsd, MX_DEFAULT, {DTINY, S, S}, {DTINY, S, S}, -1, 0, {0, 0x00040000, S, S}},
    {"de_addsd_unmasked", x_addsd, MX_DEFAULT & ~MX_MASK(MX_DE), {D1, S, S}, {DDEN, S, S}, 19, MX_DE, {0}},
    {"pe_addsd_unmasked", x_addsd, MX_DEFAULT & ~MX_MASK(MX_PE), {D1, S, S}, {DDEN, S, S}, 19, MX_DE | MX_PE, {0}},
    {"ie_sqrtpd_masked", x_sqrtpd, MX_DEFAULT, {S, S, S, S}, {DM1, D4}, -1, MX_IE, {DQNAN, D2}},
    {"ie_sqrtpd_unmasked", x_sqrtpd, MX_DEFAULT & ~MX_MASK(MX_IE), {S, S, S, S}, {DM1, D4}, 19, MX_IE, {0}},
    /* Conversions: CVTSD2SS keeps lanes 1-3, CVTPD2PS zeroes lanes 2-3. */
    {"oe_cvtsd2ss_masked", x_cvtsd2ss, MX_DEFAULT, {S, S, S, S}, {DBIG, S, S}, -1, MX_OE | MX_PE, {INF, S, S, S}},
    {"oe_cvtsd2ss_unmasked", x_cvtsd2ss, MX_DEFAULT & ~MX_MASK(MX_OE), {S, S, S, S}, {DBIG, S, S}, 19, MX_OE, {0}},
    {"ue_cvtsd2ss_exact_masked", x_cvtsd2ss, MX_DEFAULT, {S, S, S, S}, {D2M140, S, S}, -1, 0, {0x200, S, S, S}},
    {"ue_cvtsd2ss_exact_unmasked", x_cvtsd2ss, MX_DEFAULT & ~MX_MASK(MX_UE), {S, S, S, S}, {D2M140, S, S}, 19, MX_UE, {0}},
    {"pe_cvtsd2ss_masked", x_cvtsd2ss, MX_DEFAULT, {S, S, S, S}, {DTHIRD, S, S}, -1, MX_PE, {0x3eaaaaab, S, S, S}},
    {"oe_cvtpd2ps_masked", x_cvtpd2ps, MX_DEFAULT, {S, S, S, S}, {DBIG, DTHIRD}, -1, MX_OE | MX_PE, {INF, 0x3eaaaaab, 0, 0}},
    {"ie_cvtps2pd_snan_masked", x_cvtps2pd, MX_DEFAULT, {S, S, S, S}, {SNAN, ONE, S, S}, -1, MX_IE, {0, 0x7ffc0000, D1}},
    {"ie_cvtps2pd_snan_unmasked", x_cvtps2pd, MX_DEFAULT & ~MX_MASK(MX_IE), {S, S, S, S}, {SNAN, ONE, S, S}, 19, MX_IE, {0}},
    /* COMISS signals invalid for a QNaN, UCOMISS only for an SNaN (SDM Vol. 2). */
    {"ie_comiss_qnan_masked", x_comiss, MX_DEFAULT, {QNAN, S, S, S}, {ONE, S, S, S}, -1, MX_IE, {QNAN, S, S, S}},
    {"ie_comiss_qnan_unmasked", x_comiss, MX_DEFAULT & ~MX_MASK(MX_IE), {QNAN, S, S, S}, {ONE, S, S, S}, 19, MX_IE, {0}},
    {"ucomiss_qnan_unmasked_quiet", x_ucomiss, MX_DEFAULT & ~MX_MASK(MX_IE), {QNAN, S, S, S}, {ONE, S, S, S}, -1, 0, {QNAN, S, S, S}},
    {"ie_ucomiss_snan_unmasked", x_ucomiss, MX_DEFAULT & ~MX_MASK(MX_IE), {ONE, S, S, S}, {SNAN, S, S, S}, 19, MX_IE, {0}},
    {"de_comiss_unmasked", x_comiss, MX_DEFAULT & ~MX_MASK(MX_DE), {DEN, S, S, S}, {ONE, S, S, S}, 19, MX_DE, {0}},
    /* FTZ has no effect when UE is unmasked (SDM Vol. 1 10.2.3.3). */
    {"ftz_mulss_ue_unmasked", x_mulss, (MX_DEFAULT | MX_FTZ) & ~MX_MASK(MX_UE), {TINY, S, S, S}, {TINY, S, S, S}, 19, MX_UE, {0}},
};
/* clang-format on */

static void run_xcase(const struct xcase *x, int osxmmexcpt, const char *pfx, const char *prefix)
{
    u32 got[4];
    xmm0_load(x->a);
    xmm1_load(x->b);
    mxcsr_set(x->mxcsr);
    int v = catch_fault(x->fn, 0);
    u32 mx = mxcsr_get();
    xmm0_store(got);
    mxcsr_set(MX_DEFAULT);
    int want = x->vec == 19 && !osxmmexcpt ? 6 : x->vec;
    check_eq(CHECK_NAME(nbuf, "%s%s%s_vector", pfx, prefix, x->name), (u32)v, (u32)want);
    check_eq(CHECK_NAME(nbuf, "%s%s%s_flags", pfx, prefix, x->name), mx & 0x3f, x->flags);
    check_eq(CHECK_NAME(nbuf, "%s%s%s_control_kept", pfx, prefix, x->name), mx & ~0x3fu, x->mxcsr);
    const u32 *want_res = x->vec >= 0 ? x->a : x->res;
    for (int k = 0; k < 4; k++)
        check_eq(CHECK_NAME(nbuf, "%s%s%s_dest_lane%d", pfx, prefix, x->name, k), got[k],
                 want_res[k]);
}

static void test_xm(const char *pfx)
{
    cr0_set(CR0_NE | CR0_MP, CR0_TS | CR0_EM);
    cr4_set(CR4_OSFXSR | CR4_OSXMMEXCPT, 0);
    for (unsigned k = 0; k < ARRAY_SIZE(xcases); k++)
        run_xcase(&xcases[k], 1, pfx, "xm_");
    /* CR4.OSXMMEXCPT = 0: the same unmasked exceptions are #UD (SDM Vol. 3 13.1.5). A
     * few cases suffice: one per stage and the masked one. */
    cr4_set(0, CR4_OSXMMEXCPT);
    static const char *const some[] = {"ze_divss_unmasked", "de_addps_unmasked",
                                       "oe_mulss_unmasked", "pe_addss_unmasked", "ze_divss_masked"};
    for (unsigned s = 0; s < ARRAY_SIZE(some); s++)
        for (unsigned k = 0; k < ARRAY_SIZE(xcases); k++)
            if (!strcmp(xcases[k].name, some[s])) run_xcase(&xcases[k], 0, pfx, "noxmmexcpt_");
    cr4_set(CR4_OSXMMEXCPT, 0);
}
#endif
