/* SSE and SSE2 floating-point instructions: packed and scalar single (PS/SS) and double
 * (PD/SD) arithmetic, square root, reciprocal approximations, compares, COMIS/UCOMIS,
 * bitwise logic, shuffles and unpacks, MOVMSK, and the conversions between the two
 * formats and the integers (SDM Vol. 1 chapters 10-11, Vol. 2). The arithmetic is the
 * portable software float of src/fpu; this file applies MXCSR (rounding, DAZ, FTZ,
 * masks) and the exception protocol of sse_impl.h: every element is computed into a copy,
 * then the flags are set, then either #XM/#UD or the copy is written back. */
#include "flags.h"
#include "fp_lane.h"

/* #XM with CR4.OSXMMEXCPT, else #UD (SDM Vol. 3 6.15 "Interrupt 19"; Vol. 1 11.5.3). */
void simd_fp_raise(struct cpu *c, u32 mx)
{
    (void)mx;
    if (c->cr4 & CR4_OSXMMEXCPT) cpu_raise(c, EXC_XM, NO_ERRCODE);
    cpu_ud(c);
}

/* Element layout of a form: the mandatory prefix says single/double and packed/scalar
 * (NP PS, 66 PD, F3 SS, F2 SD). */
struct fpform {
    unsigned esz; /* 4 or 8 */
    unsigned n;   /* bytes of the source operand: 16 packed, esz scalar */
};
static inline struct fpform fp_form(const struct insn *i)
{
    bool dbl = i->pfx == PFX_66 || i->pfx == PFX_F2, scalar = i->pfx >= PFX_F3;
    unsigned esz = dbl ? 8 : 4;
    return (struct fpform){esz, scalar ? esz : 16};
}

/* --- 0F 58-5F arithmetic, 0F 51 square root ------------------------------------------- */

static u32 f32_op(struct sf_status *s, unsigned op, u32 a, u32 b)
{
    switch (op) {
    case 0x58: return f32_add(s, a, b);
    case 0x59: return f32_mul(s, a, b);
    case 0x5c: return f32_sub(s, a, b);
    case 0x5d: return f32_min(s, a, b);
    case 0x5e: return f32_div(s, a, b);
    case 0x51: return f32_sqrt(s, b);
    default: return f32_max(s, a, b);
    }
}
static u64 f64_op(struct sf_status *s, unsigned op, u64 a, u64 b)
{
    switch (op) {
    case 0x58: return f64_add(s, a, b);
    case 0x59: return f64_mul(s, a, b);
    case 0x5c: return f64_sub(s, a, b);
    case 0x5d: return f64_min(s, a, b);
    case 0x5e: return f64_div(s, a, b);
    case 0x51: return f64_sqrt(s, b);
    default: return f64_max(s, a, b);
    }
}

void fp_arith(struct simd_fp *f, unsigned op, unsigned esz, const u8 *a, const u8 *b, u8 *r,
              unsigned n)
{
    for (unsigned k = 0; k < n; k += esz) {
        if (esz == 8)
            store_le(r + k, 8, f64_op(&f->s, op, load_le(a + k, 8), load_le(b + k, 8)));
        else
            store_le(r + k, 4, f32_op(&f->s, op, (u32)load_le(a + k, 4), (u32)load_le(b + k, 4)));
        simd_fp_elem(f);
    }
}

/* ADD/MUL/SUB/MIN/DIV/MAX PS/PD/SS/SD and SQRT (dest op= src, element by element; the
 * scalar forms leave the upper elements alone). */
void op_sse_arith(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    struct fpform ff = fp_form(i);
    u8 s[16], d[16];
    sse_src(c, i, s, ff.n);
    memcpy(d, fx_xmm(c, i->reg), 16);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_arith(&f, i->op, ff.esz, d, s, d, ff.n);
    simd_fp_end(c, &f);
    memcpy(fx_xmm(c, i->reg), d, 16);
}
void op_sse_sqrt(struct cpu *c, const struct insn *i)
{
    op_sse_arith(c, i);
}

/* --- 0F 52/53 RSQRTPS/SS, RCPPS/SS ------------------------------------------------------ */

/* The SDM fixes only the special cases and the error bound (|relative error| <= 1.5 *
 * 2^-12); the bits of other results are the implementation's, and Intel's and AMD's
 * differ. Here: the correctly rounded value (within the bound), with the SDM's rules
 * for zeros, denormal inputs (read as zero whatever DAZ says), infinities, NaNs (SNaN
 * quieted), negative inputs of RSQRT (the QNaN indefinite) and tiny results (zero with
 * the operand's sign, never a denormal). No flag is ever raised; MXCSR is not read. */
static u32 approx32(u32 a, bool rsqrt)
{
    u32 sign = a & 0x80000000u, exp = (a >> 23) & 0xff, frac = a & 0x7fffff;
    if (exp == 0xff && frac) return a | 0x400000; /* NaN */
    if (exp == 0) /* zero or denormal: infinity (RSQRT of -0 is -inf) */
        return sign | 0x7f800000u;
    if (rsqrt && sign) return 0xffc00000u;
    if (exp == 0xff) return sign; /* infinity: zero */
    /* RCP: |x| >= 2^126 always gives a tiny result, flushed (the SDM's guaranteed range;
     * below it, down to 1.11111111110100000000000B * 2^125, implementations differ). */
    if (!rsqrt && exp >= 253) return sign;
    struct sf_status st = {.round = SF_RN};
    u32 r = rsqrt ? f32_div(&st, 0x3f800000u, f32_sqrt(&st, a)) : f32_div(&st, 0x3f800000u, a);
    if (((r >> 23) & 0xff) == 0) r &= 0x80000000u; /* tiny: flushed */
    return r;
}

void fp_approx(bool rsqrt, const u8 *b, u8 *r, unsigned n)
{
    for (unsigned k = 0; k < n; k += 4) store_le(r + k, 4, approx32((u32)load_le(b + k, 4), rsqrt));
}
static void approx(struct cpu *c, const struct insn *i, bool rsqrt)
{
    sse_check(c);
    struct fpform ff = fp_form(i);
    u8 s[16], d[16];
    sse_src(c, i, s, ff.n);
    memcpy(d, fx_xmm(c, i->reg), 16);
    fp_approx(rsqrt, s, d, ff.n);
    memcpy(fx_xmm(c, i->reg), d, 16);
}
void op_sse_rcp(struct cpu *c, const struct insn *i)
{
    approx(c, i, false);
}
void op_sse_rsqrt(struct cpu *c, const struct insn *i)
{
    approx(c, i, true);
}

/* --- 0F C2 CMPPS/PD/SS/SD, 0F 2E/2F UCOMIS/COMIS -------------------------------------- */

/* The 32 predicates of imm8[4:0] (SDM Vol. 2 CMPPS Table 3-1): imm8[3:0] says which
 * relations are true, as a set of LT (bit 0), EQ (1), GT (2) and unordered (3): EQ, LT,
 * LE, UNORD, NEQ, NLT, NLE, ORD, EQ_UQ, NGE, NGT, FALSE, NEQ_OQ, GE, GT, TRUE. LT, LE, NLT,
 * NLE, NGE, NGT, GE and GT signal on QNaN operands, the others on SNaN only; imm8[4]
 * swaps the two. The legacy forms have imm8[2:0] only. */
static const u8 cmp_true[16] = {2, 1, 3, 8, 13, 14, 12, 7, 10, 9, 11, 0, 5, 6, 4, 15};
static unsigned rel_bit(enum sf_rel r)
{
    return r == SF_LT ? 1 : r == SF_EQ ? 2 : r == SF_GT ? 4 : 8;
}
void fp_cmp(struct simd_fp *f, unsigned pred, unsigned esz, const u8 *a, const u8 *b, u8 *r,
            unsigned n)
{
    unsigned p = pred & 15;
    bool sig = ((0x6666u >> p) & 1) ^ ((pred >> 4) & 1);
    for (unsigned k = 0; k < n; k += esz) {
        enum sf_rel rel =
            esz == 8 ? f64_compare(&f->s, load_le(a + k, 8), load_le(b + k, 8), sig)
                     : f32_compare(&f->s, (u32)load_le(a + k, 4), (u32)load_le(b + k, 4), sig);
        store_le(r + k, esz, (cmp_true[p] & rel_bit(rel)) ? ~0ull : 0);
        simd_fp_elem(f);
    }
}

void op_sse_cmp(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    struct fpform ff = fp_form(i);
    u8 s[16], d[16];
    sse_src(c, i, s, ff.n);
    memcpy(d, fx_xmm(c, i->reg), 16);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_cmp(&f, (unsigned)i->imm & 7, ff.esz, d, s, d, ff.n);
    simd_fp_end(c, &f);
    memcpy(fx_xmm(c, i->reg), d, 16);
}

/* 0F 2E UCOMISS (66: UCOMISD), 0F 2F COMISS (COMISD): ZF, PF, CF from the relation, OF,
 * SF, AF cleared; COMIS signals on QNaN operands too. */
void fp_comi(struct cpu *c, bool dbl, bool sig, const u8 *a, const u8 *b)
{
    struct simd_fp f;
    simd_fp_begin(c, &f);
    enum sf_rel r = dbl ? f64_compare(&f.s, load_le(a, 8), load_le(b, 8), sig)
                        : f32_compare(&f.s, (u32)load_le(a, 4), (u32)load_le(b, 4), sig);
    simd_fp_elem(&f);
    simd_fp_end(c, &f);
    u64 v = ((r & 4) ? FL_ZF : 0) | ((r & 2) ? FL_PF : 0) | ((r & 1) ? FL_CF : 0);
    flags_write(c, FL_ARITH, v);
}
void op_sse_comi(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    bool dbl = i->pfx == PFX_66;
    u8 s[8];
    sse_src(c, i, s, dbl ? 8 : 4);
    fp_comi(c, dbl, i->op == 0x2f, fx_xmm(c, i->reg), s);
}

/* --- 0F 54-57 logic, 0F C6 shuffles, 0F 14/15 unpacks, 0F 50 MOVMSK --------------------- */

/* ANDPS/ANDNPS/ORPS/XORPS and their PD forms (bitwise: no exceptions, no MXCSR). */
void fp_logic(unsigned op, const u8 *a, const u8 *b, u8 *r, unsigned n)
{
    for (unsigned k = 0; k < n; k += 8) {
        u64 x = load_le(a + k, 8), y = load_le(b + k, 8);
        switch (op) {
        case 0x54: x &= y; break;
        case 0x55: x = ~x & y; break;
        case 0x56: x |= y; break;
        default: x ^= y; break;
        }
        store_le(r + k, 8, x);
    }
}
void op_sse_logic(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 s[16], d[16];
    sse_src(c, i, s, 16);
    memcpy(d, fx_xmm(c, i->reg), 16);
    fp_logic(i->op, d, s, d, 16);
    memcpy(fx_xmm(c, i->reg), d, 16);
}

/* SHUFPS: two singles of a, two of b by imm8's 2-bit fields; SHUFPD: one double of each by
 * imm8[0] and imm8[1]. */
void fp_shuf_lane(unsigned esz, const u8 *a, const u8 *b, u8 *r, unsigned imm)
{
    u8 t[16];
    if (esz == 4) {
        for (unsigned k = 0; k < 4; k++)
            memcpy(t + 4 * k, (k < 2 ? a : b) + 4 * (imm >> (2 * k) & 3), 4);
    } else {
        memcpy(t, a + 8 * (imm & 1), 8);
        memcpy(t + 8, b + 8 * (imm >> 1 & 1), 8);
    }
    memcpy(r, t, 16);
}
static void shuf(struct cpu *c, const struct insn *i, unsigned esz)
{
    sse_check(c);
    u8 s[16], d[16];
    sse_src(c, i, s, 16);
    memcpy(d, fx_xmm(c, i->reg), 16);
    fp_shuf_lane(esz, d, s, d, (unsigned)i->imm);
    memcpy(fx_xmm(c, i->reg), d, 16);
}
void op_shufps(struct cpu *c, const struct insn *i)
{
    shuf(c, i, 4);
}
void op_shufpd(struct cpu *c, const struct insn *i)
{
    shuf(c, i, 8);
}

/* Interleave the low (hi = 0) or high halves of a and b in `esz` elements. */
void fp_unpck_lane(unsigned esz, bool hi, const u8 *a, const u8 *b, u8 *r)
{
    u8 t[16];
    unsigned half = hi ? 8 : 0;
    for (unsigned k = 0; k < 8; k += esz) {
        memcpy(t + 2 * k, a + half + k, esz);
        memcpy(t + 2 * k + esz, b + half + k, esz);
    }
    memcpy(r, t, 16);
}
static void unpck(struct cpu *c, const struct insn *i, unsigned esz, bool hi)
{
    sse_check(c);
    u8 s[16], d[16];
    sse_src(c, i, s, 16);
    memcpy(d, fx_xmm(c, i->reg), 16);
    fp_unpck_lane(esz, hi, d, s, d);
    memcpy(fx_xmm(c, i->reg), d, 16);
}
void op_unpcklps(struct cpu *c, const struct insn *i)
{
    unpck(c, i, 4, false);
}
void op_unpckhps(struct cpu *c, const struct insn *i)
{
    unpck(c, i, 4, true);
}
void op_unpcklpd(struct cpu *c, const struct insn *i)
{
    unpck(c, i, 8, false);
}
void op_unpckhpd(struct cpu *c, const struct insn *i)
{
    unpck(c, i, 8, true);
}

/* MOVMSKPS/PD r32/r64, xmm: the sign bits, zero-extended. */
u64 fp_movmsk(const u8 *x, unsigned esz, unsigned n)
{
    u64 m = 0;
    for (unsigned k = 0; k < n / esz; k++) m |= (u64)(x[k * esz + esz - 1] >> 7) << k;
    return m;
}
static void movmsk(struct cpu *c, const struct insn *i, unsigned esz)
{
    sse_check(c);
    c->r[i->reg] = fp_movmsk(fx_xmm(c, i->rm), esz, 16);
}
void op_movmskps(struct cpu *c, const struct insn *i)
{
    movmsk(c, i, 4);
}
void op_movmskpd(struct cpu *c, const struct insn *i)
{
    movmsk(c, i, 8);
}

/* --- conversions ----------------------------------------------------------------------- */

/* ne elements of s converted into r, each through the exception protocol. */
void fp_cvt(struct simd_fp *f, enum fp_cvt k, const u8 *s, u8 *r, unsigned ne)
{
    for (unsigned e = 0; e < ne; e++) {
        const u8 *s4 = s + 4 * e, *s8 = s + 8 * e;
        u8 *r4 = r + 4 * e, *r8 = r + 8 * e;
        switch (k) {
        case CVT_PS2PD: store_le(r8, 8, f32_to_f64(&f->s, (u32)load_le(s4, 4))); break;
        case CVT_PD2PS: store_le(r4, 4, f64_to_f32(&f->s, load_le(s8, 8))); break;
        case CVT_DQ2PS: store_le(r4, 4, i32_to_f32(&f->s, (s32)load_le(s4, 4))); break;
        case CVT_PS2DQ:
        case CVT_TPS2DQ:
            store_le(r4, 4, (u32)f32_to_i32(&f->s, (u32)load_le(s4, 4), k == CVT_TPS2DQ));
            break;
        case CVT_DQ2PD: store_le(r8, 8, i32_to_f64(&f->s, (s32)load_le(s4, 4))); break;
        default: store_le(r4, 4, (u32)f64_to_i32(&f->s, load_le(s8, 8), k == CVT_TPD2DQ)); break;
        }
        simd_fp_elem(f);
    }
}

/* 0F 5A: CVTPS2PD xmm, xmm/m64; 66 CVTPD2PS xmm, xmm/m128 (upper half zeroed); F3
 * CVTSS2SD xmm, xmm/m32; F2 CVTSD2SS xmm, xmm/m64. */
void op_cvt_5a(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    static const u8 srcn[4] = {8, 16, 4, 8};
    static const u8 kind[4] = {CVT_PS2PD, CVT_PD2PS, CVT_PS2PD, CVT_PD2PS}, ne[4] = {2, 2, 1, 1};
    unsigned p = i->pfx - PFX_NP;
    u8 s[16], d[16];
    sse_src(c, i, s, srcn[p]);
    memcpy(d, fx_xmm(c, i->reg), 16);
    if (i->pfx == PFX_66) memset(d + 8, 0, 8);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_cvt(&f, kind[p], s, d, ne[p]);
    simd_fp_end(c, &f);
    memcpy(fx_xmm(c, i->reg), d, 16);
}

/* 0F 5B: CVTDQ2PS; 66 CVTPS2DQ; F3 CVTTPS2DQ (F2: no form). */
void op_cvt_5b(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 s[16], d[16];
    sse_src(c, i, s, 16);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_cvt(&f, i->pfx == PFX_NP ? CVT_DQ2PS : i->pfx == PFX_66 ? CVT_PS2DQ : CVT_TPS2DQ, s, d, 4);
    simd_fp_end(c, &f);
    memcpy(fx_xmm(c, i->reg), d, 16);
}

/* 0F E6: 66 CVTTPD2DQ, F2 CVTPD2DQ (xmm/m128, upper half zeroed); F3 CVTDQ2PD xmm/m64. */
void op_cvt_e6(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 s[16], d[16] = {0};
    bool dq2pd = i->pfx == PFX_F3;
    sse_src(c, i, s, dq2pd ? 8 : 16);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_cvt(&f, dq2pd ? CVT_DQ2PD : i->pfx == PFX_66 ? CVT_TPD2DQ : CVT_PD2DQ, s, d, 2);
    simd_fp_end(c, &f);
    memcpy(fx_xmm(c, i->reg), d, 16);
}

static unsigned gpr_size(const struct insn *i)
{
    return (i->rex & 8) ? 8 : 4;
}

void fp_from_int(struct simd_fp *f, bool dbl, unsigned size, u64 v, u8 *r)
{
    if (!dbl) store_le(r, 4, size == 8 ? i64_to_f32(&f->s, (s64)v) : i32_to_f32(&f->s, (s32)v));
    else store_le(r, 8, size == 8 ? i64_to_f64(&f->s, (s64)v) : i32_to_f64(&f->s, (s32)v));
    simd_fp_elem(f);
}

/* F3 0F 2A CVTSI2SS, F2 0F 2A CVTSI2SD xmm, r/m32 (r/m64 with REX.W). */
void op_cvtsi2s(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    unsigned n = gpr_size(i);
    u64 v = rm_read(c, i, n);
    u8 d[16];
    memcpy(d, fx_xmm(c, i->reg), 16);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_from_int(&f, i->pfx == PFX_F2, n, v, d);
    simd_fp_end(c, &f);
    memcpy(fx_xmm(c, i->reg), d, 16);
}

u64 fp_to_int(struct simd_fp *f, bool dbl, unsigned size, bool trunc, const u8 *s)
{
    u64 r;
    if (dbl)
        r = size == 8 ? (u64)f64_to_i64(&f->s, load_le(s, 8), trunc)
                      : (u32)f64_to_i32(&f->s, load_le(s, 8), trunc);
    else
        r = size == 8 ? (u64)f32_to_i64(&f->s, (u32)load_le(s, 4), trunc)
                      : (u32)f32_to_i32(&f->s, (u32)load_le(s, 4), trunc);
    simd_fp_elem(f);
    return r;
}

/* F3/F2 0F 2C CVTTSS2SI/CVTTSD2SI, 2D CVTSS2SI/CVTSD2SI r32/r64, xmm/m32 (m64). */
void op_cvts2si(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    bool dbl = i->pfx == PFX_F2;
    unsigned n = gpr_size(i);
    u8 s[8];
    sse_src(c, i, s, dbl ? 8 : 4);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    u64 r = fp_to_int(&f, dbl, n, i->op == 0x2c, s);
    simd_fp_end(c, &f);
    reg_set(c, i->reg, n, r);
}

/* 0F 2A CVTPI2PS xmm, mm/m64 (low half; the upper stays); 66 0F 2A CVTPI2PD xmm, mm/m64.
 * An MMX register source makes the x87-to-MMX transition (SDM Vol. 2 CVTPI2PS). */
void op_cvtpi2p(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    if (i->mod == 3) x87_pending_check(c); /* the MMX-register form only */
    u64 v = mm_src(c, i);
    u8 d[16];
    memcpy(d, fx_xmm(c, i->reg), 16);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    for (unsigned k = 0; k < 2; k++) {
        s32 e = (s32)(u32)(v >> (32 * k));
        if (i->pfx == PFX_NP)
            store_le(d + 4 * k, 4, i32_to_f32(&f.s, e));
        else
            store_le(d + 8 * k, 8, i32_to_f64(&f.s, e));
        simd_fp_elem(&f);
    }
    simd_fp_end(c, &f);
    if (i->mod == 3) mmx_enter(c);
    memcpy(fx_xmm(c, i->reg), d, 16);
}

/* 0F 2C/2D CVTTPS2PI/CVTPS2PI mm, xmm/m64; 66 CVTTPD2PI/CVTPD2PI mm, xmm/m128. */
void op_cvtp2pi(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    x87_pending_check(c);
    bool dbl = i->pfx == PFX_66, trunc = i->op == 0x2c;
    u8 s[16];
    sse_src(c, i, s, dbl ? 16 : 8);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    u64 r = 0;
    for (unsigned k = 0; k < 2; k++) {
        s32 e = dbl ? f64_to_i32(&f.s, load_le(s + 8 * k, 8), trunc)
                    : f32_to_i32(&f.s, (u32)load_le(s + 4 * k, 4), trunc);
        r |= (u64)(u32)e << (32 * k);
        simd_fp_elem(&f);
    }
    simd_fp_end(c, &f);
    mmx_enter(c);
    mm_write(c, i->reg, r);
}
