/* Host tests of the SSE/SSE2 exception rules the differential tests cannot reach natively
 * (the host kernel owns CR0/CR4, and a native #GP ends the test): #UD with CR0.EM or
 * without CR4.OSFXSR, #NM with CR0.TS, #GP(0) for unaligned 16-byte operands of the aligned
 * forms only, #XM or #UD (CR4.OSXMMEXCPT) for unmasked SIMD floating-point exceptions with
 * the destination unchanged and the MXCSR flags of SDM Vol. 1 11.5.2.1 (pre-computation
 * exceptions first, across every element), LDMXCSR's #GP on reserved bits and
 * MXCSR_MASK; RCPPS/RSQRTPS within the SDM's error bound; CPUID of every model offering
 * SSE and SSE2 and nothing after them. Expected values come from the SDM. */
#include <math.h>

#include "check.h"
#include "harness.h"
#include "cpu/fpu.h"

#define D HARNESS_DATA

static struct harness *h;

static void setup(void)
{
    harness_set_mode(h, MODE_LONG);
    struct cpu *c = h->c;
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, 0x1f80);
    c->r[RBX] = D;
}
static void set_xmm(unsigned n, u32 a, u32 b, u32 cc, u32 dd)
{
    u32 v[4] = {a, b, cc, dd};
    memcpy(fx_xmm(h->c, n), v, 16);
}
static u32 xmm32(unsigned n, unsigned k) { return (u32)load_le(fx_xmm(h->c, n) + 4 * k, 4); }
static void set_mxcsr(u32 v) { store_le(&h->c->fpu.fxsave[FX_MXCSR], 4, v); }
static int run(const u8 *code, size_t len) { return harness_run(h, code, len, 100); }

static const u8 addps_rr[] = {0x0f, 0x58, 0xca};            /* addps xmm1, xmm2 */
static const u8 addps_m[] = {0x0f, 0x58, 0x4b, 0x01};       /* addps xmm1, [rbx+1] */
static const u8 addps_m0[] = {0x0f, 0x58, 0x0b};            /* addps xmm1, [rbx] */
static const u8 addss_m[] = {0xf3, 0x0f, 0x58, 0x4b, 0x01}; /* addss xmm1, [rbx+1] */
static const u8 movups_m[] = {0x0f, 0x10, 0x4b, 0x01};      /* movups xmm1, [rbx+1] */
static const u8 paddb_m[] = {0x66, 0x0f, 0xfc, 0x4b, 0x01}; /* paddb xmm1, [rbx+1] */
static const u8 cvtps2pd_m[] = {0x0f, 0x5a, 0x4b, 0x01};    /* cvtps2pd xmm1, [rbx+1] (m64) */
static const u8 divps_rr[] = {0x0f, 0x5e, 0xca};            /* divps xmm1, xmm2 */
static const u8 mulps_rr[] = {0x0f, 0x59, 0xca};            /* mulps xmm1, xmm2 */
static const u8 comiss_rr[] = {0x0f, 0x2f, 0xca};           /* comiss xmm1, xmm2 */
static const u8 ldmxcsr_m[] = {0x0f, 0xae, 0x13};           /* ldmxcsr [rbx] */
static const u8 fxsave_m[] = {0x0f, 0xae, 0x03};            /* fxsave [rbx] */

static void test_gating(void)
{
    setup();
    h->c->cr0 |= CR0_EM;
    CHECK_EQ("sse.ud.cr0_em", run(addps_rr, sizeof addps_rr), EXC_UD);
    setup();
    h->c->cr0 |= CR0_EM | CR0_TS;
    CHECK_EQ("sse.ud.cr0_em_before_ts", run(addps_rr, sizeof addps_rr), EXC_UD);
    setup();
    h->c->cr4 &= ~(u64)CR4_OSFXSR;
    CHECK_EQ("sse.ud.no_osfxsr", run(addps_rr, sizeof addps_rr), EXC_UD);
    h->c->cr4 &= ~(u64)CR4_OSFXSR;
    CHECK_EQ("sse2.ud.no_osfxsr", run(paddb_m, sizeof paddb_m), EXC_UD);
    setup();
    h->c->cr0 |= CR0_TS;
    CHECK_EQ("sse.nm.cr0_ts", run(addps_rr, sizeof addps_rr), EXC_NM);
    h->c->cr0 |= CR0_TS;
    CHECK_EQ("sse2.nm.cr0_ts", run(paddb_m, sizeof paddb_m), EXC_NM);
    setup();
    CHECK_EQ("sse.runs_when_enabled", run(addps_rr, sizeof addps_rr), -1);
}

static void test_alignment(void)
{
    setup();
    CHECK_EQ("sse.gp.unaligned_m128_addps", run(addps_m, sizeof addps_m), EXC_GP);
    setup();
    CHECK_EQ("sse.gp.unaligned_m128_paddb", run(paddb_m, sizeof paddb_m), EXC_GP);
    setup();
    CHECK_EQ("sse.aligned_m128_addps", run(addps_m0, sizeof addps_m0), -1);
    setup();
    CHECK_EQ("sse.unaligned_ok.addss_m32", run(addss_m, sizeof addss_m), -1);
    setup();
    CHECK_EQ("sse.unaligned_ok.movups", run(movups_m, sizeof movups_m), -1);
    setup();
    CHECK_EQ("sse.unaligned_ok.cvtps2pd_m64", run(cvtps2pd_m, sizeof cvtps2pd_m), -1);
}

static void test_xm(void)
{
    /* 1/0 with ZM clear: #XM, xmm1 unchanged, ZE set. */
    setup();
    set_mxcsr(0x1f80 & ~0x200u);
    set_xmm(1, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000);
    set_xmm(2, 0x3f800000, 0, 0x3f800000, 0x3f800000);
    CHECK_EQ("sse.xm.divps_ze_vector", run(divps_rr, sizeof divps_rr), EXC_XM);
    CHECK_EQ("sse.xm.dest_unchanged", xmm32(1, 0), 0x3f800000);
    CHECK_EQ("sse.xm.mxcsr_ze", fx_mxcsr(h->c), (0x1f80 & ~0x200u) | 0x4);
    /* Without CR4.OSXMMEXCPT: #UD, flags still set. */
    setup();
    h->c->cr4 &= ~(u64)CR4_OSXMMEXCPT;
    set_mxcsr(0x1f80 & ~0x200u);
    set_xmm(1, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000);
    set_xmm(2, 0x3f800000, 0, 0x3f800000, 0x3f800000);
    CHECK_EQ("sse.xm.no_osxmmexcpt_is_ud", run(divps_rr, sizeof divps_rr), EXC_UD);
    CHECK_EQ("sse.xm.no_osxmmexcpt_flags", fx_mxcsr(h->c) & 0x3f, 0x4);
    /* Masked: the quotient is infinity, ZE set, no exception. */
    setup();
    set_xmm(1, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000);
    set_xmm(2, 0x3f800000, 0, 0x3f800000, 0x3f800000);
    CHECK_EQ("sse.masked.divps_runs", run(divps_rr, sizeof divps_rr), -1);
    CHECK_EQ("sse.masked.divps_inf", xmm32(1, 1), 0x7f800000);
    CHECK_EQ("sse.masked.divps_ze", fx_mxcsr(h->c), 0x1f84);
    /* SDM 11.5.2.1: element 2 overflows (OE unmasked), element 0 is invalid (SNaN, IE
     * masked): pre-computation conditions are all masked, so the instruction goes on to
     * the post-computation ones: IE and OE set, #XM, destination unchanged. 2^127 * 2^127
     * is exact, so no PE: with OE unmasked, PE reports an inexact bias-adjusted result
     * only (the x86-64 host shows the same: OE alone for this product, OE|PE for an
     * inexact one). */
    setup();
    set_mxcsr(0x1f80 & ~0x400u);
    set_xmm(1, 0x7f800001, 0x3f800000, 0x7f000000, 0x3f800000);
    set_xmm(2, 0x3f800000, 0x3f800000, 0x7f000000, 0x3f800000);
    CHECK_EQ("sse.xm.post_after_masked_pre", run(mulps_rr, sizeof mulps_rr), EXC_XM);
    CHECK_EQ("sse.xm.post_after_masked_pre_flags", fx_mxcsr(h->c) & 0x3f, 0x01 | 0x08);
    CHECK_EQ("sse.xm.post_after_masked_pre_dest", xmm32(1, 0), 0x7f800001);
    /* Element 0 invalid with IM clear, element 2 would overflow: only IE is recorded
     * (the post-computation conditions are never looked at). */
    setup();
    set_mxcsr(0x1f80 & ~0x80u);
    set_xmm(1, 0x7f800001, 0x3f800000, 0x7f000000, 0x3f800000);
    set_xmm(2, 0x3f800000, 0x3f800000, 0x7f000000, 0x3f800000);
    CHECK_EQ("sse.xm.pre_unmasked", run(mulps_rr, sizeof mulps_rr), EXC_XM);
    CHECK_EQ("sse.xm.pre_unmasked_only_ie", fx_mxcsr(h->c) & 0x3f, 0x01);
    CHECK_EQ("sse.xm.pre_unmasked_dest", xmm32(1, 2), 0x7f000000);
    /* COMISS with a QNaN and IM clear: #XM, EFLAGS unchanged. */
    setup();
    set_mxcsr(0x1f80 & ~0x80u);
    set_xmm(1, 0x7fc00000, 0, 0, 0);
    set_xmm(2, 0x3f800000, 0, 0, 0);
    cpu_set_rflags(h->c, FL_FIXED1 | FL_SF | FL_OF);
    CHECK_EQ("sse.xm.comiss_qnan", run(comiss_rr, sizeof comiss_rr), EXC_XM);
    CHECK_EQ("sse.xm.comiss_flags_unchanged", cpu_get_rflags(h->c) & FL_ARITH, FL_SF | FL_OF);
    /* Masked COMISS: unordered is ZF=PF=CF=1, OF=SF=AF=0. */
    setup();
    set_xmm(1, 0x7fc00000, 0, 0, 0);
    set_xmm(2, 0x3f800000, 0, 0, 0);
    cpu_set_rflags(h->c, FL_FIXED1 | FL_SF | FL_OF);
    run(comiss_rr, sizeof comiss_rr);
    CHECK_EQ("sse.comiss_unordered_flags", cpu_get_rflags(h->c) & FL_ARITH, FL_ZF | FL_PF | FL_CF);
}

static void test_mxcsr(void)
{
    setup();
    u32 v = 0x10000 | 0x1f80;
    phys_copy_in(h->m, D, &v, 4);
    CHECK_EQ("sse.ldmxcsr.gp_reserved_bit16", run(ldmxcsr_m, sizeof ldmxcsr_m), EXC_GP);
    CHECK_EQ("sse.ldmxcsr.gp_leaves_mxcsr", fx_mxcsr(h->c), 0x1f80);
    setup();
    v = 0xffff;
    phys_copy_in(h->m, D, &v, 4);
    CHECK_EQ("sse.ldmxcsr.all_defined_bits", run(ldmxcsr_m, sizeof ldmxcsr_m), -1);
    CHECK_EQ("sse.ldmxcsr.value", fx_mxcsr(h->c), 0xffff);
    setup();
    CHECK_EQ("sse.fxsave.runs", run(fxsave_m, sizeof fxsave_m), -1);
    u32 mask;
    phys_copy_out(h->m, D + 28, &mask, 4);
    CHECK_EQ("sse.fxsave.mxcsr_mask_daz", mask, 0xffff);
}

/* RCPPS/RSQRTPS: |relative error| <= 1.5 * 2^-12 (SDM Vol. 2 RCPPS, RSQRTPS) over random
 * normal inputs whose results are normal. */
static void test_approx(void)
{
    static const u8 rcpps[] = {0x0f, 0x53, 0xca}, rsqrtps[] = {0x0f, 0x52, 0xca};
    u64 rng = 0x1234567;
    unsigned bad[2] = {0, 0}, n = 4000;
    for (unsigned k = 0; k < n; k++) {
        u32 x[4];
        for (int e = 0; e < 4; e++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            u32 exp = 2 + (u32)(rng >> 32) % 250; /* 2^-125 .. 2^124 */
            x[e] = exp << 23 | ((u32)rng & 0x7fffff) | (k & 1 ? 0 : 0);
        }
        for (int op = 0; op < 2; op++) {
            setup();
            set_xmm(2, x[0], x[1], x[2], x[3]);
            run(op ? rsqrtps : rcpps, 3);
            for (int e = 0; e < 4; e++) {
                float xf, rf;
                u32 r = xmm32(1, (unsigned)e);
                memcpy(&xf, &x[e], 4), memcpy(&rf, &r, 4);
                double want = op ? 1.0 / sqrt((double)xf) : 1.0 / (double)xf;
                if (!op && want < 0x1p-126) continue; /* tiny: flushed, tested natively */
                if (fabs(((double)rf - want) / want) > 1.5 * 0x1p-12) bad[op]++;
            }
        }
    }
    CHECK("sse.rcpps.error_bound", bad[0] == 0, "%u of %u results beyond 1.5*2^-12", bad[0], 4 * n);
    CHECK("sse.rsqrtps.error_bound", bad[1] == 0, "%u of %u results beyond 1.5*2^-12", bad[1], 4 * n);
}

/* Every model offers SSE and SSE2 (and MMX, FXSR) and nothing after them is offered while
 * it is not implemented. */
static void test_cpuid(void)
{
    static const enum feature later[] = {FEAT_AVX512F};
    for (int k = 0; k < cpu_model_count(); k++) {
        struct cpu_features f = cpu_model_features(k);
        char nm[80];
        snprintf(nm, sizeof nm, "sse.cpuid.%s.sse_sse2", cpu_model_name(k));
        CHECK(nm, features_has(&f, FEAT_SSE) && features_has(&f, FEAT_SSE2) &&
                  features_has(&f, FEAT_MMX) && features_has(&f, FEAT_FXSR), "missing");
        bool extra = false;
        for (unsigned j = 0; j < ARRAY_LEN(later); j++) extra |= features_has(&f, later[j]);
        snprintf(nm, sizeof nm, "sse.cpuid.%s.nothing_unimplemented", cpu_model_name(k));
        CHECK(nm, !extra, "offers a vector extension that is not implemented");
    }
    u32 q[4];
    setup();
    cpuid_query(h->c, 1, 0, q);
    CHECK("sse.cpuid.leaf1_default_model", (q[3] >> 25 & 3) == 3 && (q[2] & 1) && (q[2] >> 9 & 1) &&
                                               (q[2] >> 19 & 1), /* SSE3, SSSE3, SSE4.1 */
          "edx %#x ecx %#x", q[3], q[2]);
}

int main(void)
{
    h = harness_new(MODE_LONG);
    test_gating();
    test_alignment();
    test_xm();
    test_mxcsr();
    test_approx();
    test_cpuid();
    harness_free(h);
    return check_exit();
}
