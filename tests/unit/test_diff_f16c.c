/* Differential test of F16C against the host processor: VCVTPH2PS (VEX.128 and VEX.256,
 * register and memory sources) and VCVTPS2PH (VEX.128 and VEX.256, register and memory
 * destinations, imm8 rounding 0-3 and MXCSR.RC with imm8[2], ignored imm8 bits), in
 * 64-bit and 32-bit code, from test_diff_sse's random MXCSR (every rounding mode, DAZ and
 * FTZ, some exceptions unmasked: #XM leaves register and memory alone) with operands
 * biased to each conversion's edges: half denormals, NaNs with payloads, infinities and
 * zeros; singles around the half range (overflow, the largest half and its rounding
 * boundary, underflow to half denormals and to zero, denormal singles) and NaN payloads.
 * XMM0-15, the YMM upper halves, MXCSR and memory are compared bit for bit. Then
 * emulator-side checks of #UD for VEX.W1, VEX.vvvv != 1111b and the feature off. */
#include "../diff/vex_enc.h"

#define N 300

/* A half biased to the edges. */
static u16 half_value(u64 r)
{
    u16 sign = (u16)((r >> 63) << 15), x = (u16)(r >> 20);
    switch ((r >> 8) % 10) {
    case 0: return sign;
    case 1: return sign | (x & 0x3ff ? x & 0x3ff : 1);            /* denormal */
    case 2: return sign | 0x7c00;                                 /* infinity */
    case 3: return sign | 0x7e00 | (x & 0x1ff);                   /* QNaN */
    case 4: return sign | 0x7c00 | ((x & 0x1ff) ? x & 0x1ff : 1); /* SNaN */
    case 5: return sign | 0x0400 | (x & 0x3ff);                   /* smallest normals */
    case 6: return sign | 0x7bff;                                 /* largest */
    default: return (u16)r;
    }
}

/* A single biased to the half's edges. */
static u32 single_value(u64 r, u64 x)
{
    u32 sign = (u32)((r >> 63) << 31), frac = (u32)x & 0x7fffff;
    switch ((r >> 8) % 12) {
    case 0: return sign | frac;                                     /* denormal single */
    case 1: return sign | (u32)(142 + (x >> 30) % 3) << 23 | frac;  /* 2^15..2^17: overflow */
    case 2: return sign | 0x477fe000u | (frac & 0x1fff);            /* the largest half and above */
    case 3: return sign | (u32)(100 + (x >> 30) % 14) << 23 | frac; /* half denormals, zero */
    case 4: return sign | (u32)(112 + (x >> 30) % 3) << 23 | frac;  /* near the smallest normal */
    case 5: return sign | 0x7f800000u | (frac ? frac : 1);          /* NaNs */
    case 6: return sign | 0x7f800000u;
    case 7: return sign | (u32)(103 + (x >> 30) % 40) << 23 | (frac & ~0xfffu) | (r & 1) << 12;
    default: return sign | (u32)(103 + (x >> 30) % 40) << 23 | frac; /* the half range */
    }
}

static struct diff *d;
static u64 rng = 0x46313643ull;
static u64 rnd(void)
{
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

/* Sources: every XMM/YMM register's elements and the memory area, as halves (f->arg 0)
 * or singles (1). */
static void prep(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    for (unsigned r = 0; r < 16; r++)
        for (unsigned k = 0; k < 32; k += 4) {
            u8 *p = k < 16 ? s->xmm[r] + k : s->ymmh[r] + k - 16;
            u32 v = f->arg ? single_value(rnd(), rnd())
                           : (u32)half_value(rnd()) | (u32)half_value(rnd()) << 16;
            store_le(p, 4, v);
        }
    for (unsigned k = 0; k < 64; k += 4) {
        u32 v = f->arg ? single_value(rnd(), rnd())
                       : (u32)half_value(rnd()) | (u32)half_value(rnd()) << 16;
        store_le(s->mem + DIFF_MEM / 2 + DISP + k, 4, v);
    }
}

static void f16c_forms(void)
{
    const char *cm = d->compat ? " (32-bit code)" : "";
    struct dform f;
    for (unsigned l = 0; l < 2; l++) {
        const char *y = l ? "ymm" : "xmm";
        for (unsigned mem = 0; mem < 2; mem++) {
            diff_begin(&f, 0, mem ? PTR_RBX : 0, "vcvtph2ps %s1,%s%s", y, mem ? "m" : "xmm3", cm);
            vex_op(&f, 0x66, 2, false, l, 0x13, 1, 0, mem ? -1 : 3, DISP, -1);
            f.prep = prep, f.arg = 0;
            vex_run(d, &f, N);
            static const u8 imms[] = {0, 1, 2, 3, 4, 7, 0xf8, 0xfd};
            for (unsigned j = 0; j < ARRAY_LEN(imms); j++) {
                if (d->compat && j > 4) continue;
                diff_begin(&f, 0, mem ? PTR_RBX : 0, "vcvtps2ph %s,%s2,%#x%s", mem ? "m" : "xmm5",
                           y, imms[j], cm);
                vex_op(&f, 0x66, 3, false, l, 0x1d, 2, 0, mem ? -1 : 5, DISP, imms[j]);
                f.prep = prep, f.arg = 1;
                vex_run(d, &f, N);
            }
        }
    }
    if (d->compat) return;
    diff_begin(&f, 0, 0, "vcvtph2ps ymm12,xmm9");
    vex_op(&f, 0x66, 2, false, true, 0x13, 12, 0, 9, 0, -1);
    f.prep = prep, f.arg = 0;
    vex_run(d, &f, N);
    diff_begin(&f, 0, 0, "vcvtps2ph xmm7,ymm7,4");
    vex_op(&f, 0x66, 3, false, true, 0x1d, 7, 0, 7, 0, 4);
    f.prep = prep, f.arg = 1;
    vex_run(d, &f, N);
}

static void emulator_checks(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    harness_feature(h, FEAT_F16C, true);
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    c->xcr0 = 7;
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, 0x1f80);
    struct dform f;
    for (unsigned k = 0; k < 2; k++) {
        const char *name = k ? "vcvtps2ph" : "vcvtph2ps";
        unsigned map = k ? 3 : 2, op = k ? 0x1d : 0x13;
        int imm = k ? 0 : -1;
        memset(&f, 0, sizeof f);
        vex_op(&f, 0x66, map, false, false, op, 1, 0, 2, 0, imm);
        int rc = harness_run(h, f.code, f.len, 10);
        CHECK("f16c.runs", rc == -1, "%s: %d", name, rc);
        memset(&f, 0, sizeof f);
        vex_op(&f, 0x66, map, true, false, op, 1, 0, 2, 0, imm);
        rc = harness_run(h, f.code, f.len, 10);
        CHECK("f16c.w1_ud", rc == EXC_UD, "%s with VEX.W1: %d", name, rc);
        memset(&f, 0, sizeof f);
        vex_op(&f, 0x66, map, false, false, op, 1, 4, 2, 0, imm);
        rc = harness_run(h, f.code, f.len, 10);
        CHECK("f16c.vvvv_ud", rc == EXC_UD, "%s with VEX.vvvv=4: %d", name, rc);
        harness_feature(h, FEAT_F16C, false);
        memset(&f, 0, sizeof f);
        vex_op(&f, 0x66, map, false, false, op, 1, 0, 2, 0, imm);
        rc = harness_run(h, f.code, f.len, 10);
        CHECK("f16c.feature_off_ud", rc == EXC_UD, "%s: %d", name, rc);
        harness_feature(h, FEAT_F16C, true);
    }
    /* VCVTPS2PH to a register zeroes what is above its result (bits 255:64 here). */
    memset(fx_xmm(c, 2), 0, 16);
    memset(fx_xmm(c, 1), 0xaa, 16), memset(c->fpu.ymmh[1], 0xaa, 16);
    memset(&f, 0, sizeof f);
    vex_op(&f, 0x66, 3, false, false, 0x1d, 2, 0, 1, 0, 0);
    int rc = harness_run(h, f.code, f.len, 10);
    CHECK("f16c.ps2ph_reg_zeroes_upper",
          rc == -1 && load_le(fx_xmm(c, 1), 8) == 0 && load_le(fx_xmm(c, 1) + 8, 8) == 0 &&
              load_le(c->fpu.ymmh[1], 8) == 0,
          "rc %d", rc);
    /* A memory destination that faults (#PF: nothing is mapped above 1 GiB) leaves MXCSR
     * alone although the conversion is inexact. */
    store_le(fx_xmm(c, 2), 4, 0x3f800001); /* 1 + 2^-23: inexact as a half */
    c->r[RBX] = 0x40000000;
    memset(&f, 0, sizeof f);
    vex_op(&f, 0x66, 3, false, false, 0x1d, 2, 0, -1, 0, 0); /* vcvtps2ph [rbx+0], xmm2, 0 */
    rc = harness_run(h, f.code, f.len, 10);
    u32 mx = (u32)load_le(&c->fpu.fxsave[FX_MXCSR], 4);
    CHECK("f16c.ps2ph_mem_fault_keeps_mxcsr", rc == EXC_PF && mx == 0x1f80, "rc %d mxcsr %#x", rc,
          mx);
    harness_free(h);
}

int main(void)
{
    emulator_checks();
    for (int compat = 0; compat < 2; compat++) {
        d = diff_new_mode(0x46313643ull + compat, compat);
        diff_sse_enable(d);
        f16c_forms();
        printf("# diff f16c%s: %d forms, %d cases, %d failures, %d skipped\n",
               compat ? " (32-bit code)" : "", d->forms, d->cases, d->failures, d->skipped);
        diff_free(d);
    }
    return check_exit();
}
