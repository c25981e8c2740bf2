/* Differential test of FMA against the host processor: VFMADD, VFMSUB, VFNMADD, VFNMSUB
 * 132/213/231 PS/PD (VEX.128 and VEX.256) and SS/SD (VEX.L 0 and 1: ignored), VFMADDSUB
 * and VFMSUBADD 132/213/231 PS/PD, register and memory sources, registers aliased, in
 * 64-bit and 32-bit code, from test_diff_sse's random states (signed zeros, denormals,
 * NaNs, infinities, every rounding mode, DAZ/FTZ, some exceptions unmasked: #XM leaves
 * the destination alone). Inputs where the addend cancels the product are made often.
 * XMM0-15, the YMM upper halves and MXCSR are compared bit for bit. Then emulator-side
 * checks: #UD without the FMA feature or without AVX state enabled, #NM with CR0.TS. */
#include "../diff/vex_enc.h"
#include "fpu/softfloat.h"

#define N 240

/* Every other input: the addend's elements made the negated product of the multiplicands'
 * (rounded, then nudged by the random low bits), so the fused result is the product's
 * rounding error: cancellation, tiny results, signs of zero. f->arg: bit 0 double,
 * bits 2:1 the order (0 132, 1 213, 2 231), bit 3 VEX.L; registers 1 (src1), 2 (src2),
 * 3 (src3 when a register). */
static void prep_cancel(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    if (s->r[R8] & 1) return;
    bool dbl = f->arg & 1;
    static const u8 order[3][3] = {{1, 3, 2}, {2, 1, 3}, {2, 3, 1}};
    const u8 *o = order[(f->arg >> 1) & 3];
    unsigned len = f->arg & 8 ? 32 : 16, esz = dbl ? 8 : 4;
    u8 v[4][32];
    for (unsigned r = 1; r <= 3; r++) {
        memcpy(v[r], s->xmm[r], 16);
        memcpy(v[r] + 16, s->ymmh[r], 16);
    }
    if (f->ptr_regs) memcpy(v[3], s->mem + DIFF_MEM / 2 + DISP, 32);
    struct sf_status st = {0};
    for (unsigned k = 0; k < len; k += esz) {
        u64 a = load_le(v[o[0]] + k, esz), b = load_le(v[o[1]] + k, esz), p;
        p = dbl ? f64_mul(&st, a, b) ^ (1ull << 63) : (f32_mul(&st, (u32)a, (u32)b) ^ (1u << 31));
        p ^= s->r[R9] >> (k * 3 % 48) & (s->r[R8] & 2 ? 3 : 0);
        store_le(v[o[2]] + k, esz, p);
    }
    unsigned r = o[2];
    if (r == 3 && f->ptr_regs) {
        memcpy(s->mem + DIFF_MEM / 2 + DISP, v[3], 32);
    } else {
        memcpy(s->xmm[r], v[r], 16);
        memcpy(s->ymmh[r], v[r] + 16, 16);
    }
}

static const char *const kind_name[10] = {"vfmaddsub", "vfmsubadd", "vfmadd",  "vfmadd",
                                          "vfmsub",    "vfmsub",    "vfnmadd", "vfnmadd",
                                          "vfnmsub",   "vfnmsub"};
static const char *const order_name[3] = {"132", "213", "231"};

static void fma_forms(struct diff *d)
{
    for (unsigned ord = 0; ord < 3; ord++)
        for (unsigned low = 6; low < 16; low++) {
            bool scalar = low >= 8 && (low & 1);
            unsigned op = 0x96 + ord * 0x10 + (low - 6);
            const char *kn = kind_name[low - 6];
            for (unsigned w = 0; w < 2; w++)
                for (unsigned l = 0; l < 2; l++)
                    for (unsigned mem = 0; mem < 2; mem++) {
                        struct dform f;
                        diff_begin(&f, 0, mem ? PTR_RBX : 0, "%s%s%s%s %s%s%s", kn, order_name[ord],
                                   scalar ? "s" : "p", w ? "d" : "s",
                                   scalar ? (l ? "L1 " : "")
                                   : l    ? "ymm "
                                          : "xmm ",
                                   mem ? "r,r,m" : "r,r,r", d->compat ? " (32-bit code)" : "");
                        vex_op(&f, 0x66, 2, w, l, op, 1, 2, mem ? -1 : 3, DISP, -1);
                        f.prep = prep_cancel;
                        f.arg = (int)(w | ord << 1 | (l && !scalar ? 8 : 0));
                        vex_run(d, &f, d->compat ? N / 4 : N);
                    }
            if (d->compat) continue;
            /* High registers, and one register for every operand. */
            struct dform f;
            diff_begin(&f, 0, 0, "%s%s%s ymm9,ymm14,ymm12 W1", kn, order_name[ord],
                       scalar ? "sd" : "pd");
            vex_op(&f, 0x66, 2, true, true, op, 9, 14, 12, 0, -1);
            vex_run(d, &f, N / 4);
            diff_begin(&f, 0, 0, "%s%s%s xmm5,xmm5,xmm5", kn, order_name[ord],
                       scalar ? "ss" : "ps");
            vex_op(&f, 0x66, 2, false, false, op, 5, 5, 5, 0, -1);
            vex_run(d, &f, N / 4);
        }
}

/* --- emulator-side checks ------------------------------------------------------------- */

static void emulator_checks(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    harness_feature(h, FEAT_FMA, true);
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    c->xcr0 = 7;
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, 0x1f80);
    struct dform f = {0};
    vex_op(&f, 0x66, 2, false, true, 0xb8, 1, 2, 3, 0, -1); /* vfmadd231ps ymm1, ymm2, ymm3 */
    /* 1.5 * 2 + 0.25 in every element, through the upper half too. */
    for (unsigned k = 0; k < 16; k += 4) {
        store_le(fx_xmm(c, 1) + k, 4, 0x3e800000), store_le(c->fpu.ymmh[1] + k, 4, 0x3e800000);
        store_le(fx_xmm(c, 2) + k, 4, 0x3fc00000), store_le(c->fpu.ymmh[2] + k, 4, 0x3fc00000);
        store_le(fx_xmm(c, 3) + k, 4, 0x40000000), store_le(c->fpu.ymmh[3] + k, 4, 0x40000000);
    }
    int rc = harness_run(h, f.code, f.len, 10);
    CHECK("fma.vfmadd231ps_ymm",
          rc == -1 && load_le(fx_xmm(c, 1), 4) == 0x40500000 &&
              load_le(c->fpu.ymmh[1] + 12, 4) == 0x40500000,
          "rc %d result %#llx", rc, (unsigned long long)load_le(fx_xmm(c, 1), 4));
    harness_feature(h, FEAT_FMA, false);
    rc = harness_run(h, f.code, f.len, 10);
    CHECK("fma.feature_off_ud", rc == EXC_UD, "rc %d", rc);
    harness_feature(h, FEAT_FMA, true);
    c->xcr0 = 3;
    rc = harness_run(h, f.code, f.len, 10);
    CHECK("fma.no_avx_state_ud", rc == EXC_UD, "XCR0 = 3: rc %d", rc);
    c->xcr0 = 7;
    c->cr0 |= CR0_TS;
    rc = harness_run(h, f.code, f.len, 10);
    CHECK("fma.ts_nm", rc == EXC_NM, "CR0.TS: rc %d", rc);
    harness_free(h);
}

int main(void)
{
    emulator_checks();
    for (int compat = 0; compat < 2; compat++) {
        struct diff *d = diff_new_mode(0x464d4131ull + compat, compat);
        diff_sse_enable(d);
        fma_forms(d);
        printf("# diff fma%s: %d forms, %d cases, %d failures, %d skipped\n",
               compat ? " (32-bit code)" : "", d->forms, d->cases, d->failures, d->skipped);
        diff_free(d);
    }
    return check_exit();
}
