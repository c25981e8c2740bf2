/* The MMX/SSE/SSE2 opcode map (0F xx: one row per form; the mandatory prefix selects it,
 * SDM Vol. 2 2.1.2; a prefix without a row is #UD) and the data moves: MOVUPS/MOVAPS/
 * MOVSS/MOVSD, MOVLPS/MOVHPS/MOVLHPS/MOVHLPS and the PD forms, MOVDQA/MOVDQU, MOVD/MOVQ,
 * MOVNTPS/MOVNTDQ/MOVNTQ/MOVNTI, and XORPS/XORPD/PXOR kept as their own handlers (the
 * zeroing idiom is hot). The floating-point instructions are in sse_fp.c, the packed
 * integer ones in sse_int.c. The SSE3 forms of these opcodes (F3/F2 0F 12, F3 0F 16, 0F 7C,
 * 7D, D0, F0) have their rows in sse3.c. */
#include "cpumodel.h"
#include "sse_impl.h"

#define mem_load sse_mem_load
#define mem_store sse_mem_store

/* --- 0F 10/11: MOVUPS, MOVUPD, MOVSS, MOVSD ---------------------------------------------- */

/* The register form merges the low `n` bytes; a load from memory zeroes the rest. */
static inline void movu_load(struct cpu *c, const struct insn *i, unsigned n)
{
    sse_check(c);
    if (i->mod == 3) {
        memmove(fx_xmm(c, i->reg), fx_xmm(c, i->rm), n);
        return;
    }
    u8 v[16] = {0};
    mem_load(c, i, v, n, false);
    memcpy(fx_xmm(c, i->reg), v, 16);
}

static inline void movu_store(struct cpu *c, const struct insn *i, unsigned n)
{
    sse_check(c);
    if (i->mod == 3) memmove(fx_xmm(c, i->rm), fx_xmm(c, i->reg), n);
    else mem_store(c, i, fx_xmm(c, i->reg), n, false);
}

/* MOVUPS / 66 MOVUPD: 16 bytes; F3 MOVSS: 4; F2 MOVSD: 8. */
static void op_movups_load(struct cpu *c, const struct insn *i) { movu_load(c, i, 16); }
static void op_movss_load(struct cpu *c, const struct insn *i) { movu_load(c, i, 4); }
static void op_movsd_load(struct cpu *c, const struct insn *i) { movu_load(c, i, 8); }
static void op_movups_store(struct cpu *c, const struct insn *i) { movu_store(c, i, 16); }
static void op_movss_store(struct cpu *c, const struct insn *i) { movu_store(c, i, 4); }
static void op_movsd_store(struct cpu *c, const struct insn *i) { movu_store(c, i, 8); }

/* --- aligned and unaligned 128-bit moves ----------------------------------------------- */

static void move128_load(struct cpu *c, const struct insn *i, bool aligned)
{
    sse_check(c);
    u8 v[16];
    if (i->mod == 3) memcpy(v, fx_xmm(c, i->rm), 16);
    else mem_load(c, i, v, 16, aligned);
    memcpy(fx_xmm(c, i->reg), v, 16);
}

static void move128_store(struct cpu *c, const struct insn *i, bool aligned)
{
    sse_check(c);
    if (i->mod == 3) memcpy(fx_xmm(c, i->rm), fx_xmm(c, i->reg), 16);
    else mem_store(c, i, fx_xmm(c, i->reg), 16, aligned);
}

/* 0F 28/29 MOVAPS, 66 MOVAPD; 66 0F 6F/7F MOVDQA; F3 0F 6F/7F MOVDQU. */
static void op_mova_load(struct cpu *c, const struct insn *i) { move128_load(c, i, true); }
static void op_mova_store(struct cpu *c, const struct insn *i) { move128_store(c, i, true); }
static void op_movu_load(struct cpu *c, const struct insn *i) { move128_load(c, i, false); }
static void op_movu_store(struct cpu *c, const struct insn *i) { move128_store(c, i, false); }

/* 0F 2B MOVNTPS / 66 MOVNTPD and 66 0F E7 MOVNTDQ (memory destinations only: the rows
 * have MOD_MEM); 0F E7 MOVNTQ. */
static void op_movnt(struct cpu *c, const struct insn *i) { move128_store(c, i, true); }
static void op_movntq(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    mmx_enter(c);
    u64 v = mm_read(c, i->reg);
    mem_store(c, i, &v, 8, false);
}

/* 0F 6F: MOVQ mm, mm/m64. */
static void op_movq_mm_load(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    u64 v = mm_src(c, i);
    mmx_enter(c);
    mm_write(c, i->reg, v);
}

/* 0F 7F: MOVQ mm/m64, mm. */
static void op_movq_mm_store(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    u64 v = mm_read(c, i->reg);
    if (i->mod == 3) {
        mmx_enter(c);
        mm_write(c, i->rm, v);
    } else {
        mem_store(c, i, &v, 8, false);
        mmx_enter(c);
    }
}

/* --- MOVD/MOVQ ------------------------------------------------------------------------- */

static unsigned gpr_size(const struct insn *i) { return (i->rex & 8) ? 8 : 4; }

/* 0F 6E: MOVD/MOVQ mm, r/m32/64. */
static void op_movd_mm_load(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    u64 v = rm_read(c, i, gpr_size(i));
    mmx_enter(c);
    mm_write(c, i->reg, v);
}

/* 66 0F 6E: MOVD/MOVQ xmm, r/m32/64 (upper bits zeroed). */
static void op_movd_xmm_load(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    unsigned n = gpr_size(i);
    u64 v = rm_read(c, i, n);
    u8 *x = fx_xmm(c, i->reg);
    memset(x, 0, 16);
    store_le(x, n, v);
}

/* 0F 7E: MOVD/MOVQ r/m, mm. */
static void op_movd_mm_store(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    unsigned n = gpr_size(i);
    rm_write(c, i, n, mm_read(c, i->reg) & size_mask(n));
    mmx_enter(c);
}

/* 66 0F 7E: MOVD/MOVQ r/m, xmm. */
static void op_movd_xmm_store(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    unsigned n = gpr_size(i);
    rm_write(c, i, n, load_le(fx_xmm(c, i->reg), 8) & size_mask(n));
}

/* F3 0F 7E: MOVQ xmm, xmm/m64 (upper half zeroed). */
static void op_movq_xmm_load(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 v[16] = {0};
    if (i->mod == 3) memcpy(v, fx_xmm(c, i->rm), 8);
    else mem_load(c, i, v, 8, false);
    memcpy(fx_xmm(c, i->reg), v, 16);
}

/* 66 0F D6: MOVQ xmm/m64, xmm (a register destination has its upper half zeroed). */
static void op_movq_store(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    if (i->mod == 3) {
        u8 v[16] = {0};
        memcpy(v, fx_xmm(c, i->reg), 8);
        memcpy(fx_xmm(c, i->rm), v, 16);
    } else {
        mem_store(c, i, fx_xmm(c, i->reg), 8, false);
    }
}

/* --- 0F 12/13/16/17: 64-bit halves -------------------------------------------------- */

/* MOVLPS/MOVLPD xmm, m64 (0F 12, memory) and MOVHPS/MOVHPD (0F 16): one half loaded, the
 * other kept. MOVHLPS (0F 12, register): low = source's high; MOVLHPS (0F 16): high =
 * source's low. */
static void op_movlps_load(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 v[8];
    mem_load(c, i, v, 8, false);
    memcpy(fx_xmm(c, i->reg), v, 8);
}
static void op_movhps_load(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 v[8];
    mem_load(c, i, v, 8, false);
    memcpy(fx_xmm(c, i->reg) + 8, v, 8);
}
static void op_movhlps(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    memmove(fx_xmm(c, i->reg), fx_xmm(c, i->rm) + 8, 8);
}
static void op_movlhps(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    memmove(fx_xmm(c, i->reg) + 8, fx_xmm(c, i->rm), 8);
}
/* 0F 13 MOVLPS/MOVLPD m64, xmm; 0F 17 MOVHPS/MOVHPD m64, xmm. */
static void op_movlps_store(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    mem_store(c, i, fx_xmm(c, i->reg), 8, false);
}
static void op_movhps_store(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    mem_store(c, i, fx_xmm(c, i->reg) + 8, 8, false);
}

/* --- XORPS / XORPD / PXOR ----------------------------------------------------------------- */

/* 0F 57 XORPS, 66 XORPD, 66 0F EF PXOR xmm. */
static void op_xor128(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 v[16];
    if (i->mod == 3) memcpy(v, fx_xmm(c, i->rm), 16);
    else mem_load(c, i, v, 16, true);
    u8 *d = fx_xmm(c, i->reg);
    for (int k = 0; k < 16; k++) d[k] ^= v[k];
}

/* 0F EF: PXOR mm, mm/m64. */
static void op_pxor_mm(struct cpu *c, const struct insn *i)
{
    mmx_check(c);
    u64 v = mm_src(c, i);
    mmx_enter(c);
    mm_write(c, i->reg, mm_read(c, i->reg) ^ v);
}

/* 0F C3 MOVNTI m32/m64, r: a non-temporal store of a general register (SDM Vol. 2
 * MOVNTI); the hint has no architectural effect. A register destination, 66, F2 or F3 is
 * #UD (no row), and so is a 16-bit operand size. */
static void op_movnti(struct cpu *c, const struct insn *i)
{
    if (i->opsz == 2) cpu_ud(c);
    rm_write(c, i, i->opsz, r_read(c, i, i->opsz));
}

#define M OPF_MODRM
/* The CPUID feature each form needs (SDM Vol. 2, the instructions' CPUID columns): 66 and
 * F2 forms are SSE2; F3 forms SSE (the ss ones) or SSE2 (MOVDQU, MOVQ, PSHUFHW, CVTTPS2DQ,
 * CVTDQ2PD, MOVQ2DQ, CVTSS2SD); NP forms MMX (the original mm instructions), SSE2
 * (CVTPS2PD, CVTDQ2PS, MOVNTI, PADDQ/PMULUDQ/PSUBQ mm) or SSE (ps forms and the integer
 * instructions SSE added to MMX). -cpu MODEL,-sse2 and the like then make them #UD. */
#define F3_SSE2(op) \
    ((op) == 0x6f || (op) == 0x7f || (op) == 0x7e || (op) == 0x70 || (op) == 0x5b || \
     (op) == 0xe6 || (op) == 0xd6 || (op) == 0x5a)
#define NP_SSE2(op) ((op) == 0x5a || (op) == 0x5b || (op) == 0xc3 || (op) == 0xd4 || (op) == 0xf4 || (op) == 0xfb)
#define NP_MMX(op) \
    (((op) >= 0x60 && (op) <= 0x6b) || (op) == 0x6e || (op) == 0x6f || \
     ((op) >= 0x71 && (op) <= 0x76) || (op) == 0x7e || (op) == 0x7f || \
     ((op) >= 0xd1 && (op) <= 0xd3) || (op) == 0xd5 || (op) == 0xd8 || (op) == 0xd9 || \
     (op) == 0xdb || (op) == 0xdc || (op) == 0xdd || (op) == 0xdf || (op) == 0xe1 || \
     (op) == 0xe2 || (op) == 0xe5 || (op) == 0xe8 || (op) == 0xe9 || (op) == 0xeb || \
     (op) == 0xec || (op) == 0xed || (op) == 0xef || ((op) >= 0xf1 && (op) <= 0xf3) || \
     (op) == 0xf5 || ((op) >= 0xf8 && (op) <= 0xfa) || ((op) >= 0xfc && (op) <= 0xfe))
#define SSE_FEAT(op, pfx)                                                                  \
    NEEDS((pfx) == PFX_66 || (pfx) == PFX_F2 ? FEAT_SSE2                                   \
          : (pfx) == PFX_F3                  ? (F3_SSE2(op) ? FEAT_SSE2 : FEAT_SSE)         \
          : NP_MMX(op)                       ? FEAT_MMX                                     \
          : NP_SSE2(op)                      ? FEAT_SSE2                                    \
                                             : FEAT_SSE)
/* One form of a prefix-selected opcode: any operand, memory only, register only; with an
 * imm8; a /reg group form (register operand, imm8). */
#define F(op, pfx_, fn) {MAP_0F, op, -1, M, fn, .pfx = PFX_##pfx_, .feat = SSE_FEAT(op, PFX_##pfx_)}
#define FM(op, pfx_, fn) \
    {MAP_0F, op, -1, M, fn, .pfx = PFX_##pfx_, .mod = MOD_MEM, .feat = SSE_FEAT(op, PFX_##pfx_)}
#define FR(op, pfx_, fn) \
    {MAP_0F, op, -1, M, fn, .pfx = PFX_##pfx_, .mod = MOD_REG, .feat = SSE_FEAT(op, PFX_##pfx_)}
#define FI(op, pfx_, fn) {MAP_0F, op, -1, M, fn, IMM_UB, .pfx = PFX_##pfx_, .feat = SSE_FEAT(op, PFX_##pfx_)}
#define FRI(op, pfx_, fn) \
    {MAP_0F, op, -1, M, fn, IMM_UB, .pfx = PFX_##pfx_, .mod = MOD_REG, .feat = SSE_FEAT(op, PFX_##pfx_)}
#define G(op, r, pfx_, fn) \
    {MAP_0F, op, r, M, fn, IMM_UB, .pfx = PFX_##pfx_, .mod = MOD_REG, .feat = SSE_FEAT(op, PFX_##pfx_)}
/* The four forms PS, PD, SS, SD; the two forms mm (NP) and xmm (66). */
#define F4(op, fn) F(op, NP, fn), F(op, 66, fn), F(op, F3, fn), F(op, F2, fn)
#define F2(op, fn) F(op, NP, fn), F(op, 66, fn)

const struct opdef sse_ops[] = {
    FM(0xc3, NP, op_movnti),
    /* moves */
    F(0x10, NP, op_movups_load), F(0x10, 66, op_movups_load),
    F(0x10, F3, op_movss_load), F(0x10, F2, op_movsd_load),
    F(0x11, NP, op_movups_store), F(0x11, 66, op_movups_store),
    F(0x11, F3, op_movss_store), F(0x11, F2, op_movsd_store),
    FM(0x12, NP, op_movlps_load), FR(0x12, NP, op_movhlps), FM(0x12, 66, op_movlps_load),
    FM(0x13, NP, op_movlps_store), FM(0x13, 66, op_movlps_store),
    FM(0x16, NP, op_movhps_load), FR(0x16, NP, op_movlhps), FM(0x16, 66, op_movhps_load),
    FM(0x17, NP, op_movhps_store), FM(0x17, 66, op_movhps_store),
    F(0x28, NP, op_mova_load), F(0x28, 66, op_mova_load),
    F(0x29, NP, op_mova_store), F(0x29, 66, op_mova_store),
    FM(0x2b, NP, op_movnt), FM(0x2b, 66, op_movnt),
    F(0x6e, NP, op_movd_mm_load), F(0x6e, 66, op_movd_xmm_load),
    F(0x6f, NP, op_movq_mm_load), F(0x6f, 66, op_mova_load), F(0x6f, F3, op_movu_load),
    F(0x7e, NP, op_movd_mm_store), F(0x7e, 66, op_movd_xmm_store), F(0x7e, F3, op_movq_xmm_load),
    F(0x7f, NP, op_movq_mm_store), F(0x7f, 66, op_mova_store), F(0x7f, F3, op_movu_store),
    F(0xd6, 66, op_movq_store), FR(0xd6, F3, op_movq2dq), FR(0xd6, F2, op_movdq2q),
    FM(0xe7, NP, op_movntq), FM(0xe7, 66, op_movnt),
    FR(0xf7, NP, op_maskmov), FR(0xf7, 66, op_maskmov),
    /* floating point (sse_fp.c) */
    F(0x14, NP, op_unpcklps), F(0x14, 66, op_unpcklpd),
    F(0x15, NP, op_unpckhps), F(0x15, 66, op_unpckhpd),
    F(0x2a, NP, op_cvtpi2p), F(0x2a, 66, op_cvtpi2p), F(0x2a, F3, op_cvtsi2s), F(0x2a, F2, op_cvtsi2s),
    F2(0x2c, op_cvtp2pi), F(0x2c, F3, op_cvts2si), F(0x2c, F2, op_cvts2si),
    F2(0x2d, op_cvtp2pi), F(0x2d, F3, op_cvts2si), F(0x2d, F2, op_cvts2si),
    F2(0x2e, op_sse_comi), F2(0x2f, op_sse_comi),
    FR(0x50, NP, op_movmskps), FR(0x50, 66, op_movmskpd),
    F4(0x51, op_sse_sqrt),
    F(0x52, NP, op_sse_rsqrt), F(0x52, F3, op_sse_rsqrt),
    F(0x53, NP, op_sse_rcp), F(0x53, F3, op_sse_rcp),
    F2(0x54, op_sse_logic), F2(0x55, op_sse_logic), F2(0x56, op_sse_logic),
    F(0x57, NP, op_xor128), F(0x57, 66, op_xor128),
    F4(0x58, op_sse_arith), F4(0x59, op_sse_arith), F4(0x5a, op_cvt_5a),
    F(0x5b, NP, op_cvt_5b), F(0x5b, 66, op_cvt_5b), F(0x5b, F3, op_cvt_5b),
    F4(0x5c, op_sse_arith), F4(0x5d, op_sse_arith), F4(0x5e, op_sse_arith), F4(0x5f, op_sse_arith),
    FI(0xc2, NP, op_sse_cmp), FI(0xc2, 66, op_sse_cmp), FI(0xc2, F3, op_sse_cmp), FI(0xc2, F2, op_sse_cmp),
    FI(0xc6, NP, op_shufps), FI(0xc6, 66, op_shufpd),
    F(0xe6, 66, op_cvt_e6), F(0xe6, F2, op_cvt_e6), F(0xe6, F3, op_cvt_e6),
    /* packed integers, mm (NP) and xmm (66) (sse_int.c) */
    F2(0x60, op_pint), F2(0x61, op_pint), F2(0x62, op_pint), F2(0x63, op_pint),
    F2(0x64, op_pint), F2(0x65, op_pint), F2(0x66, op_pint), F2(0x67, op_pint),
    F2(0x68, op_pint), F2(0x69, op_pint), F2(0x6a, op_pint), F2(0x6b, op_pint),
    F(0x6c, 66, op_pint), F(0x6d, 66, op_pint),
    FI(0x70, NP, op_pshuf), FI(0x70, 66, op_pshuf), FI(0x70, F3, op_pshuf), FI(0x70, F2, op_pshuf),
    G(0x71, 2, NP, op_pshift_imm), G(0x71, 4, NP, op_pshift_imm), G(0x71, 6, NP, op_pshift_imm),
    G(0x71, 2, 66, op_pshift_imm), G(0x71, 4, 66, op_pshift_imm), G(0x71, 6, 66, op_pshift_imm),
    G(0x72, 2, NP, op_pshift_imm), G(0x72, 4, NP, op_pshift_imm), G(0x72, 6, NP, op_pshift_imm),
    G(0x72, 2, 66, op_pshift_imm), G(0x72, 4, 66, op_pshift_imm), G(0x72, 6, 66, op_pshift_imm),
    G(0x73, 2, NP, op_pshift_imm), G(0x73, 6, NP, op_pshift_imm),
    G(0x73, 2, 66, op_pshift_imm), G(0x73, 6, 66, op_pshift_imm),
    G(0x73, 3, 66, op_pshift_dq), G(0x73, 7, 66, op_pshift_dq),
    F2(0x74, op_pint), F2(0x75, op_pint), F2(0x76, op_pint),
    FI(0xc4, NP, op_pinsrw), FI(0xc4, 66, op_pinsrw),
    FRI(0xc5, NP, op_pextrw), FRI(0xc5, 66, op_pextrw),
    F2(0xd1, op_pshift), F2(0xd2, op_pshift), F2(0xd3, op_pshift), F2(0xd4, op_pint),
    F2(0xd5, op_pint), FR(0xd7, NP, op_pmovmskb), FR(0xd7, 66, op_pmovmskb),
    F2(0xd8, op_pint), F2(0xd9, op_pint), F2(0xda, op_pint), F2(0xdb, op_pint),
    F2(0xdc, op_pint), F2(0xdd, op_pint), F2(0xde, op_pint), F2(0xdf, op_pint),
    F2(0xe0, op_pint), F2(0xe1, op_pshift), F2(0xe2, op_pshift), F2(0xe3, op_pint),
    F2(0xe4, op_pint), F2(0xe5, op_pint),
    F2(0xe8, op_pint), F2(0xe9, op_pint), F2(0xea, op_pint), F2(0xeb, op_pint),
    F2(0xec, op_pint), F2(0xed, op_pint), F2(0xee, op_pint),
    F(0xef, NP, op_pxor_mm), F(0xef, 66, op_xor128),
    F2(0xf1, op_pshift), F2(0xf2, op_pshift), F2(0xf3, op_pshift), F2(0xf4, op_pint),
    F2(0xf5, op_pint), F2(0xf6, op_pint),
    F2(0xf8, op_pint), F2(0xf9, op_pint), F2(0xfa, op_pint), F2(0xfb, op_pint),
    F2(0xfc, op_pint), F2(0xfd, op_pint), F2(0xfe, op_pint),
    /* 0F 7A, 7B: no instruction; #UD after their ModRM. */
    {MAP_0F, 0x7a, -1, M, op_ud}, {MAP_0F, 0x7b, -1, M, op_ud},
    {.fn = NULL},
};
#undef M
#undef F
#undef FM
#undef FR
#undef FI
#undef FRI
#undef G
#undef F4
#undef F2
#undef SSE_FEAT
#undef NP_MMX
#undef NP_SSE2
#undef F3_SSE2
