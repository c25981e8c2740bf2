/* SSE4.1: its rows and handlers (66 0F 38 10-41, 66 0F 3A 08-42; SDM Vol. 1 12.10,
 * Vol. 2). Packed integers: PMULLD, PMULDQ, PMIN/PMAX SB/SD/UW/UD, PCMPEQQ, PACKUSDW,
 * PMOVSX/PMOVZX, PTEST, PHMINPOSUW, MPSADBW; blends: BLENDPS/PD, PBLENDW and the
 * variable BLENDVPS/PD, PBLENDVB (mask in XMM0); floating point through src/fpu with the
 * exception protocol of sse_impl.h: ROUNDPS/PD/SS/SD, DPPS/DPPD; element moves: INSERTPS,
 * EXTRACTPS, PINSRB/D/Q, PEXTRB/W/D/Q; MOVNTDQA. Every row needs CPUID.1:ECX.SSE4_1. */
#include "flags.h"
#include "cpumodel.h"
#include "fp_lane.h"
#include "pint.h"

static inline s64 sx(const u8 *p, unsigned k, unsigned sz)
{
    unsigned sh = 64 - 8 * sz;
    return (s64)(load_le(p + k, sz) << sh) >> sh;
}

/* Destination (ModRM.reg) and 16-byte source (aligned memory). */
static void fetch(struct cpu *c, const struct insn *i, u8 d[16], u8 s[16])
{
    sse_check(c);
    sse_src(c, i, s, 16);
    memcpy(d, fx_xmm(c, i->reg), 16);
}

/* --- 66 0F 38: packed integers ------------------------------------------------------------ */

/* PBLENDVB, BLENDVPS, BLENDVPD: each sz-byte element from s where m's element has its
 * sign bit set, else from d. */
void blendv_lane(unsigned sz, const u8 *d, const u8 *s, const u8 *m, u8 *r, unsigned n)
{
    for (unsigned k = 0; k < n; k += sz) memcpy(r + k, (m[k + sz - 1] & 0x80) ? s + k : d + k, sz);
}

/* The 16-byte operations of 66 0F 38 28-2B and 38-41 (r is all written). */
void sse41_lane(unsigned op, const u8 *d, const u8 *s, u8 *r)
{
    memset(r, 0, 16);
    switch (op) {
    case 0x28: /* PMULDQ */
        for (unsigned k = 0; k < 16; k += 8) store_le(r + k, 8, (u64)(sx(d, k, 4) * sx(s, k, 4)));
        break;
    case 0x29: /* PCMPEQQ */
        for (unsigned k = 0; k < 16; k += 8)
            store_le(r + k, 8, load_le(d + k, 8) == load_le(s + k, 8) ? ~0ull : 0);
        break;
    case 0x2b: /* PACKUSDW */
        for (unsigned k = 0; k < 8; k++) {
            s64 v = sx(k < 4 ? d : s, (k & 3) * 4, 4);
            store_le(r + 2 * k, 2, (u64)(v < 0 ? 0 : v > 0xffff ? 0xffff : v));
        }
        break;
    case 0x40: /* PMULLD */
        for (unsigned k = 0; k < 16; k += 4) store_le(r + k, 4, load_le(d + k, 4) * load_le(s + k, 4));
        break;
    case 0x41: { /* PHMINPOSUW: the smallest word and its index (the lowest on ties) */
        unsigned best = 0;
        for (unsigned k = 1; k < 8; k++)
            if (load_le(s + 2 * k, 2) < load_le(s + 2 * best, 2)) best = k;
        memcpy(r, s + 2 * best, 2);
        r[2] = (u8)best;
        break;
    }
    default: { /* 38-3F PMINSB/SD, PMINUW/UD, PMAXSB/SD, PMAXUW/UD */
        static const u8 size[4] = {1, 4, 2, 4};
        unsigned sz = size[op & 3];
        bool sgn = !(op & 2), max = op & 4;
        for (unsigned k = 0; k < 16; k += sz) {
            bool lt = sgn ? sx(d, k, sz) < sx(s, k, sz) : load_le(d + k, sz) < load_le(s + k, sz);
            memcpy(r + k, lt != max ? d + k : s + k, sz);
        }
        break;
    }
    }
}
static void op_sse41_int(struct cpu *c, const struct insn *i)
{
    u8 d[16], s[16], r[16];
    fetch(c, i, d, s);
    unsigned op = i->op;
    if (op == 0x10 || op == 0x14 || op == 0x15) /* the mask is XMM0 */
        blendv_lane(op == 0x10 ? 1 : op == 0x14 ? 4 : 8, d, s, fx_xmm(c, 0), r, 16);
    else
        sse41_lane(op, d, s, r);
    memcpy(fx_xmm(c, i->reg), r, 16);
}

/* 66 0F 38 20-25 PMOVSX, 30-35 PMOVZX: the low elements of the source widened; a memory
 * source is only as wide as what is read (8, 4 or 2 bytes) and has no alignment rule. */
static const u8 pmovx_from[6] = {1, 1, 1, 2, 2, 4}, pmovx_to[6] = {2, 4, 8, 4, 8, 8};
unsigned pmovx_src_bytes(unsigned op, unsigned n)
{
    return n / pmovx_to[op & 7] * pmovx_from[op & 7];
}
void pmovx(unsigned op, const u8 *s, u8 *r, unsigned n)
{
    unsigned f = pmovx_from[op & 7], t = pmovx_to[op & 7];
    bool sgn = op < 0x30;
    for (unsigned k = 0; k < n / t; k++)
        store_le(r + k * t, t, sgn ? (u64)sx(s, k * f, f) : load_le(s + k * f, f));
}
static void op_pmovx(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 s[16] = {0}, r[16];
    if (i->mod == 3) memcpy(s, fx_xmm(c, i->rm), 16);
    else sse_mem_load(c, i, s, pmovx_src_bytes(i->op, 16), false);
    pmovx(i->op, s, r, 16);
    memcpy(fx_xmm(c, i->reg), r, 16);
}

/* 66 0F 38 17 PTEST: ZF = (dest AND src) is zero, CF = (NOT dest AND src) is zero; AF, OF,
 * PF, SF cleared. */
void ptest_flags(struct cpu *c, const u8 *d, const u8 *s, unsigned n)
{
    u64 a = 0, b = 0;
    for (unsigned k = 0; k < n; k += 8) {
        a |= load_le(d + k, 8) & load_le(s + k, 8);
        b |= ~load_le(d + k, 8) & load_le(s + k, 8);
    }
    flags_write(c, FL_ARITH, (a ? 0 : FL_ZF) | (b ? 0 : FL_CF));
}
static void op_ptest(struct cpu *c, const struct insn *i)
{
    u8 d[16], s[16];
    fetch(c, i, d, s);
    ptest_flags(c, d, s, 16);
}

/* 66 0F 38 2A MOVNTDQA xmm, m128 (memory only, aligned): the hint changes nothing. */
static void op_movntdqa(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 v[16];
    sse_mem_load(c, i, v, 16, true);
    memcpy(fx_xmm(c, i->reg), v, 16);
}

/* --- 66 0F 3A: immediate forms --------------------------------------------------------------- */

/* 0C BLENDPS, 0D BLENDPD, 0E PBLENDW: imm8 bit k set takes element k from the source. */
void blend_lane(unsigned sz, const u8 *d, const u8 *s, u8 *r, unsigned imm)
{
    for (unsigned k = 0; k < 16 / sz; k++)
        memcpy(r + k * sz, (imm >> k & 1) ? s + k * sz : d + k * sz, sz);
}
static void op_blend(struct cpu *c, const struct insn *i)
{
    u8 d[16], s[16], r[16];
    fetch(c, i, d, s);
    blend_lane(i->op == 0x0c ? 4 : i->op == 0x0d ? 8 : 2, d, s, r, (unsigned)i->imm);
    memcpy(fx_xmm(c, i->reg), r, 16);
}

/* 42 MPSADBW: eight sums of absolute differences of 4-byte blocks: the destination's at
 * byte 4*imm8[2] + k against the source's at 4*imm8[1:0]. */
void mpsadbw_lane(const u8 *d, const u8 *s, u8 *r, unsigned imm)
{
    unsigned o1 = (imm & 4) ? 4 : 0, o2 = (imm & 3) * 4;
    for (unsigned k = 0; k < 8; k++) {
        unsigned sum = 0;
        for (unsigned j = 0; j < 4; j++) {
            int x = d[o1 + k + j] - s[o2 + j];
            sum += (unsigned)(x < 0 ? -x : x);
        }
        store_le(r + 2 * k, 2, sum);
    }
}
static void op_mpsadbw(struct cpu *c, const struct insn *i)
{
    u8 d[16], s[16], r[16];
    fetch(c, i, d, s);
    mpsadbw_lane(d, s, r, (unsigned)i->imm);
    memcpy(fx_xmm(c, i->reg), r, 16);
}

/* 08 ROUNDPS, 09 ROUNDPD (aligned m128), 0A ROUNDSS, 0B ROUNDSD (m32/m64, the upper
 * elements of the destination kept): imm8[1:0] the rounding, imm8[2] MXCSR.RC instead,
 * imm8[3] no PE (softfloat's round_int reads them). */
void fp_round(struct simd_fp *f, bool dbl, unsigned imm, const u8 *s, u8 *r, unsigned n)
{
    unsigned esz = dbl ? 8 : 4;
    for (unsigned k = 0; k < n; k += esz) {
        if (dbl) store_le(r + k, 8, f64_round_int(&f->s, load_le(s + k, 8), (u8)imm));
        else store_le(r + k, 4, f32_round_int(&f->s, (u32)load_le(s + k, 4), (u8)imm));
        simd_fp_elem(f);
    }
}
static void op_round(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    bool dbl = i->op & 1, scalar = i->op >= 0x0a;
    unsigned n = scalar ? (dbl ? 8 : 4) : 16;
    u8 s[16], d[16];
    sse_src(c, i, s, n);
    memcpy(d, fx_xmm(c, i->reg), 16);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_round(&f, dbl, (unsigned)i->imm, s, d, n);
    simd_fp_end(c, &f);
    memcpy(fx_xmm(c, i->reg), d, 16);
}

/* 40 DPPS, 41 DPPD as the SDM's pseudocode: products of the elements imm8[7:4] selects
 * (+0.0 for the others), summed pairwise, each operation rounded under MXCSR; the sum goes
 * to the elements imm8[3:0] selects, +0.0 to the others. The operations run in stages
 * (the products, then each level of sums), each stage a SIMD operation of its own as far
 * as exceptions go (SDM 11.5.2.1 per stage: its post-computation flags are dropped when
 * one of its pre-computation ones is unmasked); the flags of the stages accumulate, and
 * a stage with an unmasked exception ends the instruction (#XM) before the next one, as
 * the host processor does. */
struct dp_run {
    struct simd_fp f;
    u8 acc;
    bool stop;
};
static void dp_stage_end(struct dp_run *r)
{
    u8 masked = (u8)(r->f.mx >> 7) & 0x3f, set = r->f.pre;
    if (!(set & ~masked)) set |= r->f.post;
    r->acc |= set;
    r->f.pre = r->f.post = 0;
    r->stop = (set & ~masked) != 0;
}
static void dp_finish(struct cpu *c, struct dp_run *r)
{
    u32 mx = r->f.mx | r->acc;
    if (mx != r->f.mx) store_le(&c->fpu.fxsave[FX_MXCSR], 4, mx);
    if (r->stop) simd_fp_raise(c, mx);
}

/* DPPS on `lanes` lanes (VEX.256: two, stage by stage over both). */
void fp_dpps(struct cpu *c, const u8 *a, const u8 *b, u8 *res, unsigned lanes, unsigned imm)
{
    struct dp_run r = {.acc = 0};
    simd_fp_begin(c, &r.f);
    u32 t[2][4], t2[2] = {0}, t3[2] = {0}, t4[2] = {0};
    for (unsigned l = 0; l < lanes; l++)
        for (unsigned k = 0; k < 4; k++) {
            t[l][k] = 0;
            if (imm >> (4 + k) & 1) {
                t[l][k] = f32_mul(&r.f.s, (u32)load_le(a + 16 * l + 4 * k, 4),
                                  (u32)load_le(b + 16 * l + 4 * k, 4));
                simd_fp_elem(&r.f);
            }
        }
    dp_stage_end(&r);
    for (unsigned l = 0; l < lanes && !r.stop; l++) {
        t2[l] = f32_add(&r.f.s, t[l][0], t[l][1]);
        simd_fp_elem(&r.f);
        t3[l] = f32_add(&r.f.s, t[l][2], t[l][3]);
        simd_fp_elem(&r.f);
    }
    if (!r.stop) dp_stage_end(&r);
    for (unsigned l = 0; l < lanes && !r.stop; l++) {
        t4[l] = f32_add(&r.f.s, t2[l], t3[l]);
        simd_fp_elem(&r.f);
    }
    if (!r.stop) dp_stage_end(&r);
    dp_finish(c, &r);
    memset(res, 0, 16 * lanes);
    for (unsigned l = 0; l < lanes; l++)
        for (unsigned k = 0; k < 4; k++)
            if (imm >> k & 1) store_le(res + 16 * l + 4 * k, 4, t4[l]);
}
static void op_dpps(struct cpu *c, const struct insn *i)
{
    u8 d[16], s[16], res[16];
    fetch(c, i, d, s);
    fp_dpps(c, d, s, res, 1, (unsigned)i->imm);
    memcpy(fx_xmm(c, i->reg), res, 16);
}
void fp_dppd(struct cpu *c, const u8 *a, const u8 *b, u8 *res, unsigned imm)
{
    struct dp_run r = {.acc = 0};
    simd_fp_begin(c, &r.f);
    u64 t[2], sum = 0;
    for (unsigned k = 0; k < 2; k++) {
        t[k] = 0;
        if (imm >> (4 + k) & 1) {
            t[k] = f64_mul(&r.f.s, load_le(a + 8 * k, 8), load_le(b + 8 * k, 8));
            simd_fp_elem(&r.f);
        }
    }
    dp_stage_end(&r);
    if (!r.stop) {
        sum = f64_add(&r.f.s, t[0], t[1]);
        simd_fp_elem(&r.f);
        dp_stage_end(&r);
    }
    dp_finish(c, &r);
    memset(res, 0, 16);
    for (unsigned k = 0; k < 2; k++)
        if (imm >> k & 1) store_le(res + 8 * k, 8, sum);
}
static void op_dppd(struct cpu *c, const struct insn *i)
{
    u8 d[16], s[16], res[16];
    fetch(c, i, d, s);
    fp_dppd(c, d, s, res, (unsigned)i->imm);
    memcpy(fx_xmm(c, i->reg), res, 16);
}

/* 21 INSERTPS xmm, xmm/m32, imm8: the source single (imm8[7:6] of a register, the m32)
 * into element imm8[5:4], then the elements imm8[3:0] selects zeroed. */
void insertps_lane(const u8 *a, const u8 *v, u8 *r, unsigned imm)
{
    u8 t[16];
    memcpy(t, a, 16);
    memcpy(t + 4 * (imm >> 4 & 3), v, 4);
    for (unsigned k = 0; k < 4; k++)
        if (imm >> k & 1) memset(t + 4 * k, 0, 4);
    memcpy(r, t, 16);
}
static void op_insertps(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 v[4];
    if (i->mod == 3) memcpy(v, fx_xmm(c, i->rm) + 4 * (i->imm >> 6 & 3), 4);
    else sse_mem_load(c, i, v, 4, false);
    insertps_lane(fx_xmm(c, i->reg), v, fx_xmm(c, i->reg), (unsigned)i->imm);
}

/* 20 PINSRB xmm, r32/m8; 22 PINSRD/PINSRQ (REX.W) xmm, r/m32/64: one element replaced. */
static void op_pinsr(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    unsigned sz = i->op == 0x20 ? 1 : (i->rex & 8) ? 8 : 4;
    u64 v = i->mod == 3 ? c->r[i->rm] : rm_read(c, i, sz);
    store_le(fx_xmm(c, i->reg) + sz * (i->imm & (16 / sz - 1)), sz, v);
}

/* 14 PEXTRB, 15 PEXTRW, 16 PEXTRD/PEXTRQ (REX.W), 17 EXTRACTPS: the element to memory, or
 * zero-extended to the whole general register (ModRM.rm). */
static void op_pextr(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    unsigned sz = i->op == 0x14 ? 1 : i->op == 0x15 ? 2 : (i->op == 0x16 && (i->rex & 8)) ? 8 : 4;
    u64 v = load_le(fx_xmm(c, i->reg) + sz * (i->imm & (16 / sz - 1)), sz);
    if (i->mod == 3) c->r[i->rm] = v;
    else rm_write(c, i, sz, v);
}

#define M OPF_MODRM
#define E .pfx = PFX_66, .feat = NEEDS(FEAT_SSE41)
#define R38(op, fn) {MAP_0F38, op, -1, M, fn, E}
#define R3A(op, fn) {MAP_0F3A, op, -1, M, fn, IMM_UB, E}

const struct opdef sse41_ops[] = {
    R38(0x10, op_sse41_int), R38(0x14, op_sse41_int), R38(0x15, op_sse41_int),
    R38(0x17, op_ptest),
    R38(0x20, op_pmovx), R38(0x21, op_pmovx), R38(0x22, op_pmovx),
    R38(0x23, op_pmovx), R38(0x24, op_pmovx), R38(0x25, op_pmovx),
    R38(0x28, op_sse41_int), R38(0x29, op_sse41_int),
    {MAP_0F38, 0x2a, -1, M, op_movntdqa, .mod = MOD_MEM, E},
    R38(0x2b, op_sse41_int),
    R38(0x30, op_pmovx), R38(0x31, op_pmovx), R38(0x32, op_pmovx),
    R38(0x33, op_pmovx), R38(0x34, op_pmovx), R38(0x35, op_pmovx),
    R38(0x38, op_sse41_int), R38(0x39, op_sse41_int), R38(0x3a, op_sse41_int),
    R38(0x3b, op_sse41_int), R38(0x3c, op_sse41_int), R38(0x3d, op_sse41_int),
    R38(0x3e, op_sse41_int), R38(0x3f, op_sse41_int),
    R38(0x40, op_sse41_int), R38(0x41, op_sse41_int),
    R3A(0x08, op_round), R3A(0x09, op_round), R3A(0x0a, op_round), R3A(0x0b, op_round),
    R3A(0x0c, op_blend), R3A(0x0d, op_blend), R3A(0x0e, op_blend),
    R3A(0x14, op_pextr), R3A(0x15, op_pextr), R3A(0x16, op_pextr), R3A(0x17, op_pextr),
    R3A(0x20, op_pinsr), R3A(0x21, op_insertps), R3A(0x22, op_pinsr),
    R3A(0x40, op_dpps), R3A(0x41, op_dppd), R3A(0x42, op_mpsadbw),
    {.fn = NULL},
};
