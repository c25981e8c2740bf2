/* VEX-encoded SSE/SSE2/SSE3 floating-point instructions of map 0F (SDM Vol. 2, the V forms
 * of ADDPS...XORPD, CMPPS, COMISS, CVT*, MOVSS/SD, MOVLPS/HPS/LPD/HPD, MOVHLPS/LHPS,
 * MOVSLDUP/SHDUP/DDUP, MOVNTPS/PD, MOVMSKPS/PD, SHUFPS/PD, UNPCK*, ADDSUB/HADD/HSUB, and
 * LDMXCSR/STMXCSR). The element work is the legacy forms' (fp_lane.h); this file fetches
 * the VEX operands (VEX.vvvv the first source, ModRM.r/m the second, unaligned memory) and
 * writes the result through ymm_put (VEX.128 zeroes bits 255:128). Scalar forms ignore
 * VEX.L (LIG) and take bits 127:esz from the first source. The rows' rules give each
 * form's #UD for VEX.L and VEX.vvvv (SDM Vol. 2 2.5, each page's exception list). */
#include "avx.h"
#include "cpumodel.h"
#include "flags.h"
#include "fp_lane.h"

/* Element size of a form by VEX.pp: NP PS, 66 PD, F3 SS, F2 SD. */
static unsigned esz_of(const struct insn *i)
{
    return i->pfx == PFX_66 || i->pfx == PFX_F2 ? 8 : 4;
}
static bool scalar_of(const struct insn *i) { return i->pfx >= PFX_F3; }

/* The common shape: a = YMM(vvvv), b = r/m; packed: len bytes of each, r computed over
 * len; scalar: b is one element, r starts as a's low 16 bytes and gets element 0. */
struct vop {
    u8 a[32], b[32], r[32];
    unsigned len, n;
};
static void vfetch(struct cpu *c, const struct insn *i, struct vop *v, bool scalar, unsigned esz)
{
    v->len = scalar ? 16 : avx_len(i);
    v->n = scalar ? esz : v->len;
    ymm_get(c, vex_vvvv(i), v->a, v->len);
    avx_src(c, i, v->b, v->n);
    memcpy(v->r, v->a, v->len);
}

/* 51 SQRT, 58-5F ADD/MUL/SUB/MIN/DIV/MAX PS/PD/SS/SD. */
static void op_varith(struct cpu *c, const struct insn *i)
{
    struct vop v;
    unsigned esz = esz_of(i);
    vfetch(c, i, &v, scalar_of(i), esz);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_arith(&f, i->op, esz, v.a, v.b, v.r, v.n);
    simd_fp_end(c, &f);
    ymm_put(c, i->reg, v.r, v.len);
}

/* 52 RSQRTPS/SS, 53 RCPPS/SS. */
static void op_vapprox(struct cpu *c, const struct insn *i)
{
    struct vop v;
    vfetch(c, i, &v, scalar_of(i), 4);
    fp_approx(i->op == 0x52, v.b, v.r, v.n);
    ymm_put(c, i->reg, v.r, v.len);
}

/* C2 CMPPS/PD/SS/SD with the 32 predicates of imm8[4:0]. */
static void op_vcmp(struct cpu *c, const struct insn *i)
{
    struct vop v;
    unsigned esz = esz_of(i);
    vfetch(c, i, &v, scalar_of(i), esz);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_cmp(&f, (unsigned)i->imm & 31, esz, v.a, v.b, v.r, v.n);
    simd_fp_end(c, &f);
    ymm_put(c, i->reg, v.r, v.len);
}

/* 2E UCOMISS/SD, 2F COMISS/SD xmm1, xmm2/m32(m64): flags only. */
static void op_vcomi(struct cpu *c, const struct insn *i)
{
    u8 a[16], b[16];
    bool dbl = i->pfx == PFX_66;
    ymm_get(c, i->reg, a, 16);
    avx_src(c, i, b, dbl ? 8 : 4);
    fp_comi(c, dbl, i->op == 0x2f, a, b);
}

/* 54-57 AND/ANDN/OR/XOR PS/PD. */
static void op_vlogic(struct cpu *c, const struct insn *i)
{
    struct vop v;
    vfetch(c, i, &v, false, 8);
    fp_logic(i->op, v.a, v.b, v.r, v.len);
    ymm_put(c, i->reg, v.r, v.len);
}

/* C6 SHUFPS (imm8 for each lane) / SHUFPD (imm8[1:0] for the low lane, [3:2] the high);
 * 14/15 UNPCKL/H PS/PD: per 128-bit lane. */
static void op_vshuf(struct cpu *c, const struct insn *i)
{
    struct vop v;
    unsigned esz = esz_of(i);
    vfetch(c, i, &v, false, esz);
    for (unsigned l = 0; l < v.len / 16; l++)
        fp_shuf_lane(esz, v.a + 16 * l, v.b + 16 * l, v.r + 16 * l,
                     (unsigned)i->imm >> (esz == 8 ? 2 * l : 0));
    ymm_put(c, i->reg, v.r, v.len);
}
static void op_vunpck(struct cpu *c, const struct insn *i)
{
    struct vop v;
    unsigned esz = esz_of(i);
    vfetch(c, i, &v, false, esz);
    for (unsigned l = 0; l < v.len / 16; l++)
        fp_unpck_lane(esz, i->op == 0x15, v.a + 16 * l, v.b + 16 * l, v.r + 16 * l);
    ymm_put(c, i->reg, v.r, v.len);
}

/* 50 MOVMSKPS/PD reg, xmm/ymm: the sign bits, zero-extended to the register. */
static void op_vmovmsk(struct cpu *c, const struct insn *i)
{
    u8 x[32];
    unsigned len = avx_len(i);
    ymm_get(c, i->rm, x, len);
    c->r[i->reg] = fp_movmsk(x, esz_of(i), len);
}

/* --- conversions ----------------------------------------------------------------------- */

/* 5A: NP CVTPS2PD xmm/ymm, xmm/m64 (m128); 66 CVTPD2PS xmm, xmm/ymm/m128/m256 (the result
 * is an xmm, upper bits zero); F3 CVTSS2SD and F2 CVTSD2SS xmm1, xmm2, xmm3/m32 (m64). */
static void op_vcvt_5a(struct cpu *c, const struct insn *i)
{
    u8 a[16], b[32], r[32] = {0};
    unsigned len = avx_len(i);
    struct simd_fp f;
    switch (i->pfx) {
    case PFX_NP:
        avx_src(c, i, b, len / 2);
        simd_fp_begin(c, &f);
        fp_cvt(&f, CVT_PS2PD, b, r, len / 8);
        break;
    case PFX_66:
        avx_src(c, i, b, len);
        simd_fp_begin(c, &f);
        fp_cvt(&f, CVT_PD2PS, b, r, len / 8);
        len = 16;
        break;
    default:
        len = 16;
        ymm_get(c, vex_vvvv(i), a, 16);
        memcpy(r, a, 16);
        avx_src(c, i, b, i->pfx == PFX_F3 ? 4 : 8);
        simd_fp_begin(c, &f);
        fp_cvt(&f, i->pfx == PFX_F3 ? CVT_PS2PD : CVT_PD2PS, b, r, 1);
        break;
    }
    simd_fp_end(c, &f);
    ymm_put(c, i->reg, r, len);
}

/* 5B: NP CVTDQ2PS, 66 CVTPS2DQ, F3 CVTTPS2DQ (same width in and out). */
static void op_vcvt_5b(struct cpu *c, const struct insn *i)
{
    u8 b[32], r[32];
    unsigned len = avx_len(i);
    avx_src(c, i, b, len);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_cvt(&f, i->pfx == PFX_NP ? CVT_DQ2PS : i->pfx == PFX_66 ? CVT_PS2DQ : CVT_TPS2DQ, b, r,
           len / 4);
    simd_fp_end(c, &f);
    ymm_put(c, i->reg, r, len);
}

/* E6: F3 CVTDQ2PD xmm/ymm, xmm/m64 (m128); 66 CVTTPD2DQ and F2 CVTPD2DQ xmm, xmm/ymm/m128
 * (m256): an xmm result. */
static void op_vcvt_e6(struct cpu *c, const struct insn *i)
{
    u8 b[32], r[32] = {0};
    unsigned len = avx_len(i);
    struct simd_fp f;
    if (i->pfx == PFX_F3) {
        avx_src(c, i, b, len / 2);
        simd_fp_begin(c, &f);
        fp_cvt(&f, CVT_DQ2PD, b, r, len / 8);
    } else {
        avx_src(c, i, b, len);
        simd_fp_begin(c, &f);
        fp_cvt(&f, i->pfx == PFX_66 ? CVT_TPD2DQ : CVT_PD2DQ, b, r, len / 8);
        len = 16;
    }
    simd_fp_end(c, &f);
    ymm_put(c, i->reg, r, len);
}

/* F3/F2 2A CVTSI2SS/SD xmm1, xmm2, r/m32 (r/m64 with VEX.W1 in 64-bit mode). */
static void op_vcvtsi2s(struct cpu *c, const struct insn *i)
{
    u8 r[16];
    ymm_get(c, vex_vvvv(i), r, 16);
    u64 v = rm_read(c, i, i->opsz);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_from_int(&f, i->pfx == PFX_F2, i->opsz, v, r);
    simd_fp_end(c, &f);
    ymm_put(c, i->reg, r, 16);
}

/* F3/F2 2C CVTTSS2SI/CVTTSD2SI, 2D CVTSS2SI/CVTSD2SI r32/r64, xmm/m32 (m64). */
static void op_vcvts2si(struct cpu *c, const struct insn *i)
{
    u8 b[16];
    bool dbl = i->pfx == PFX_F2;
    avx_src(c, i, b, dbl ? 8 : 4);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    u64 r = fp_to_int(&f, dbl, i->opsz, i->op == 0x2c, b);
    simd_fp_end(c, &f);
    reg_set(c, i->reg, i->opsz, r);
}

/* --- SSE3 ------------------------------------------------------------------------------ */

/* 66/F2 D0 ADDSUBPD/PS, 7C HADDPD/PS, 7D HSUBPD/PS: per lane. */
static void op_vsse3_fp(struct cpu *c, const struct insn *i)
{
    struct vop v;
    vfetch(c, i, &v, false, 4);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    for (unsigned l = 0; l < v.len / 16; l++)
        sse3_fp_lane(&f, i->op, i->pfx == PFX_66, v.a + 16 * l, v.b + 16 * l, v.r + 16 * l);
    simd_fp_end(c, &f);
    ymm_put(c, i->reg, v.r, v.len);
}

/* F3 12 MOVSLDUP, F3 16 MOVSHDUP; F2 12 MOVDDUP (VEX.128: m64; VEX.256: the even doubles
 * of ymm/m256). */
static void op_vmovdup(struct cpu *c, const struct insn *i)
{
    u8 b[32], r[32];
    unsigned len = avx_len(i);
    bool ddup = i->pfx == PFX_F2;
    avx_src(c, i, b, ddup && len == 16 ? 8 : len);
    for (unsigned l = 0; l < len / 16; l++) {
        if (ddup) movddup_lane(b + 16 * l, r + 16 * l);
        else movsxdup_lane(i->op, b + 16 * l, r + 16 * l);
    }
    ymm_put(c, i->reg, r, len);
}

/* --- moves ----------------------------------------------------------------------------- */

/* F3/F2 10 MOVSS/MOVSD: xmm1, xmm2, xmm3 (element 0 of xmm3, the rest of xmm2) or xmm1, m
 * (zero-extended); 11: the register form with ModRM.r/m as destination, or m <- xmm1. */
static void op_vmovs(struct cpu *c, const struct insn *i)
{
    unsigned esz = esz_of(i);
    u8 r[16] = {0};
    bool store = i->op == 0x11;
    if (i->mod != 3) {
        if (store) {
            ymm_get(c, i->reg, r, 16);
            avx_mem_store(c, i, r, esz, false);
        } else {
            avx_mem_load(c, i, r, esz, false);
            ymm_put(c, i->reg, r, 16);
        }
        return;
    }
    u8 s[16];
    ymm_get(c, vex_vvvv(i), r, 16);
    ymm_get(c, store ? i->reg : i->rm, s, 16);
    memcpy(r, s, esz);
    ymm_put(c, store ? i->rm : i->reg, r, 16);
}

/* 12/16 with memory: MOVLPS/MOVLPD xmm1, xmm2, m64 (the low half from memory) and
 * MOVHPS/MOVHPD (the high half); with registers (NP only): MOVHLPS xmm1, xmm2, xmm3 (low
 * half = xmm3's high half) and MOVLHPS (high half = xmm3's low half). The other half
 * comes from VEX.vvvv. */
static void op_vmovlh(struct cpu *c, const struct insn *i)
{
    u8 r[16], s[16];
    bool high = i->op == 0x16;
    ymm_get(c, vex_vvvv(i), r, 16);
    if (i->mod == 3) {
        ymm_get(c, i->rm, s, 16);
        if (high) memcpy(r + 8, s, 8);
        else memcpy(r, s + 8, 8);
    } else {
        avx_mem_load(c, i, s, 8, false);
        memcpy(r + (high ? 8 : 0), s, 8);
    }
    ymm_put(c, i->reg, r, 16);
}
/* 13 MOVLPS/MOVLPD m64, xmm1; 17 MOVHPS/MOVHPD m64, xmm1. */
static void op_vmovlh_store(struct cpu *c, const struct insn *i)
{
    u8 x[16];
    ymm_get(c, i->reg, x, 16);
    avx_mem_store(c, i, x + (i->op == 0x17 ? 8 : 0), 8, false);
}

/* 2B MOVNTPS/MOVNTPD m128/m256, xmm/ymm: aligned to the vector length (#GP(0)). */
void op_vmovnt(struct cpu *c, const struct insn *i)
{
    u8 x[32];
    unsigned len = avx_len(i);
    ymm_get(c, i->reg, x, len);
    avx_mem_store(c, i, x, len, true);
}

/* AE /2 LDMXCSR m32 (#GP(0) for reserved bits), /3 STMXCSR m32. */
static void op_vldmxcsr(struct cpu *c, const struct insn *i)
{
    u8 v[4];
    avx_mem_load(c, i, v, 4, false);
    if (load_le(v, 4) & ~(u64)MXCSR_MASK) cpu_gp(c, 0);
    memcpy(&c->fpu.fxsave[FX_MXCSR], v, 4);
}
static void op_vstmxcsr(struct cpu *c, const struct insn *i)
{
    u8 v[4];
    store_le(v, 4, fx_mxcsr(c));
    avx_mem_store(c, i, v, 4, false);
}

/* --- rows ------------------------------------------------------------------------------ */

#define M OPF_MODRM
#define AVX NEEDS(FEAT_AVX)
#define ROW(op, pfx, fn, imm, mod, rules) \
    {MAP_0F, op, -1, M, fn, imm, pfx, mod, AVX, VX_ROW | (rules)}
/* Packed forms (NP PS, 66 PD) and scalar ones (F3 SS, F2 SD, VEX.L ignored). */
#define PS_PD(op, fn, imm, rules) \
    ROW(op, PFX_NP, fn, imm, MOD_ANY, rules), ROW(op, PFX_66, fn, imm, MOD_ANY, rules)
#define SS_SD(op, fn, imm) \
    ROW(op, PFX_F3, fn, imm, MOD_ANY, 0), ROW(op, PFX_F2, fn, imm, MOD_ANY, 0)
#define ALL4(op, fn, imm) PS_PD(op, fn, imm, 0), SS_SD(op, fn, imm)
#define L128N (VX_L128 | VX_NOV)

/* clang-format off */
const struct opdef avx_fp_ops[] = {
    ALL4(0x58, op_varith, IMM_NONE), ALL4(0x59, op_varith, IMM_NONE),
    ALL4(0x5c, op_varith, IMM_NONE), ALL4(0x5d, op_varith, IMM_NONE),
    ALL4(0x5e, op_varith, IMM_NONE), ALL4(0x5f, op_varith, IMM_NONE),
    PS_PD(0x51, op_varith, IMM_NONE, VX_NOV), SS_SD(0x51, op_varith, IMM_NONE),
    ROW(0x52, PFX_NP, op_vapprox, IMM_NONE, MOD_ANY, VX_NOV),
    ROW(0x52, PFX_F3, op_vapprox, IMM_NONE, MOD_ANY, 0),
    ROW(0x53, PFX_NP, op_vapprox, IMM_NONE, MOD_ANY, VX_NOV),
    ROW(0x53, PFX_F3, op_vapprox, IMM_NONE, MOD_ANY, 0),
    ALL4(0xc2, op_vcmp, IMM_UB),
    PS_PD(0x2e, op_vcomi, IMM_NONE, VX_NOV), PS_PD(0x2f, op_vcomi, IMM_NONE, VX_NOV),
    PS_PD(0x54, op_vlogic, IMM_NONE, 0), PS_PD(0x55, op_vlogic, IMM_NONE, 0),
    PS_PD(0x56, op_vlogic, IMM_NONE, 0), PS_PD(0x57, op_vlogic, IMM_NONE, 0),
    PS_PD(0xc6, op_vshuf, IMM_UB, 0),
    PS_PD(0x14, op_vunpck, IMM_NONE, 0), PS_PD(0x15, op_vunpck, IMM_NONE, 0),
    ROW(0x50, PFX_NP, op_vmovmsk, IMM_NONE, MOD_REG, VX_NOV),
    ROW(0x50, PFX_66, op_vmovmsk, IMM_NONE, MOD_REG, VX_NOV),
    /* conversions */
    PS_PD(0x5a, op_vcvt_5a, IMM_NONE, VX_NOV), SS_SD(0x5a, op_vcvt_5a, IMM_NONE),
    PS_PD(0x5b, op_vcvt_5b, IMM_NONE, VX_NOV),
    ROW(0x5b, PFX_F3, op_vcvt_5b, IMM_NONE, MOD_ANY, VX_NOV),
    ROW(0xe6, PFX_66, op_vcvt_e6, IMM_NONE, MOD_ANY, VX_NOV),
    ROW(0xe6, PFX_F3, op_vcvt_e6, IMM_NONE, MOD_ANY, VX_NOV),
    ROW(0xe6, PFX_F2, op_vcvt_e6, IMM_NONE, MOD_ANY, VX_NOV),
    SS_SD(0x2a, op_vcvtsi2s, IMM_NONE),
    ROW(0x2c, PFX_F3, op_vcvts2si, IMM_NONE, MOD_ANY, VX_NOV),
    ROW(0x2c, PFX_F2, op_vcvts2si, IMM_NONE, MOD_ANY, VX_NOV),
    ROW(0x2d, PFX_F3, op_vcvts2si, IMM_NONE, MOD_ANY, VX_NOV),
    ROW(0x2d, PFX_F2, op_vcvts2si, IMM_NONE, MOD_ANY, VX_NOV),
    /* SSE3 */
    ROW(0xd0, PFX_66, op_vsse3_fp, IMM_NONE, MOD_ANY, 0),
    ROW(0xd0, PFX_F2, op_vsse3_fp, IMM_NONE, MOD_ANY, 0),
    ROW(0x7c, PFX_66, op_vsse3_fp, IMM_NONE, MOD_ANY, 0),
    ROW(0x7c, PFX_F2, op_vsse3_fp, IMM_NONE, MOD_ANY, 0),
    ROW(0x7d, PFX_66, op_vsse3_fp, IMM_NONE, MOD_ANY, 0),
    ROW(0x7d, PFX_F2, op_vsse3_fp, IMM_NONE, MOD_ANY, 0),
    ROW(0x12, PFX_F3, op_vmovdup, IMM_NONE, MOD_ANY, VX_NOV),
    ROW(0x16, PFX_F3, op_vmovdup, IMM_NONE, MOD_ANY, VX_NOV),
    ROW(0x12, PFX_F2, op_vmovdup, IMM_NONE, MOD_ANY, VX_NOV),
    /* moves: MOVSS/SD memory forms have no first source */
    ROW(0x10, PFX_F3, op_vmovs, IMM_NONE, MOD_REG, 0),
    ROW(0x10, PFX_F3, op_vmovs, IMM_NONE, MOD_MEM, VX_NOV),
    ROW(0x10, PFX_F2, op_vmovs, IMM_NONE, MOD_REG, 0),
    ROW(0x10, PFX_F2, op_vmovs, IMM_NONE, MOD_MEM, VX_NOV),
    ROW(0x11, PFX_F3, op_vmovs, IMM_NONE, MOD_REG, 0),
    ROW(0x11, PFX_F3, op_vmovs, IMM_NONE, MOD_MEM, VX_NOV),
    ROW(0x11, PFX_F2, op_vmovs, IMM_NONE, MOD_REG, 0),
    ROW(0x11, PFX_F2, op_vmovs, IMM_NONE, MOD_MEM, VX_NOV),
    ROW(0x12, PFX_NP, op_vmovlh, IMM_NONE, MOD_ANY, VX_L128),
    ROW(0x12, PFX_66, op_vmovlh, IMM_NONE, MOD_MEM, VX_L128),
    ROW(0x16, PFX_NP, op_vmovlh, IMM_NONE, MOD_ANY, VX_L128),
    ROW(0x16, PFX_66, op_vmovlh, IMM_NONE, MOD_MEM, VX_L128),
    ROW(0x13, PFX_NP, op_vmovlh_store, IMM_NONE, MOD_MEM, L128N),
    ROW(0x13, PFX_66, op_vmovlh_store, IMM_NONE, MOD_MEM, L128N),
    ROW(0x17, PFX_NP, op_vmovlh_store, IMM_NONE, MOD_MEM, L128N),
    ROW(0x17, PFX_66, op_vmovlh_store, IMM_NONE, MOD_MEM, L128N),
    ROW(0x2b, PFX_NP, op_vmovnt, IMM_NONE, MOD_MEM, VX_NOV),
    ROW(0x2b, PFX_66, op_vmovnt, IMM_NONE, MOD_MEM, VX_NOV),
    {MAP_0F, 0xae, 2, M, op_vldmxcsr, IMM_NONE, PFX_NP, MOD_MEM, AVX, VX_ROW | L128N},
    {MAP_0F, 0xae, 3, M, op_vstmxcsr, IMM_NONE, PFX_NP, MOD_MEM, AVX, VX_ROW | L128N},
    {.fn = NULL},
};
/* clang-format on */
