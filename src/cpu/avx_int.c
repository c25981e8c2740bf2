/* The VEX forms of the SSE2, SSSE3, SSE4.1 and SSE4.2 packed-integer instructions (SDM
 * Vol. 2, each instruction's VEX.128 and VEX.256 lines; Vol. 1 14.8): VEX.128 needs AVX,
 * VEX.256 AVX2. The arithmetic is the legacy forms' lane kernels (pint.h); a VEX.256 form
 * runs them on each 128-bit lane, which is what the SDM defines for the forms that mix
 * elements (unpack, pack, shuffles, PALIGNR, PSADBW, MPSADBW, PSLLDQ/PSRLDQ) and the same
 * as the whole register for the element-wise ones. VEX.256 needs AVX2 (VX_256_AVX2, checked
 * with the row's feature before the AVX state). VEX.vvvv is the first source, ModRM.r/m
 * the second (memory needs no alignment), ModRM.reg the destination, whose bits above the
 * vector length are zeroed. The data moves, inserts/extracts, string compares and AES are in
 * avx_int_move.c. */
#include "avx.h"
#include "cpumodel.h"
#include "pint.h"

/* One 16-byte lane of a three-operand form: r = op(a, b); `lane` 0 or 1. */
static void lane_op(struct cpu *c, const struct insn *i, const u8 *a, const u8 *b, u8 *r,
                    unsigned lane)
{
    unsigned op = i->op, imm = (u8)i->imm;
    switch (i->map) {
    case MAP_0F: pint_lane(op, a, b, r, 16); return;
    case MAP_0F38:
        if (op <= 0x0b || (op >= 0x1c && op <= 0x1e))
            ssse3_lane(op, a, b, r, 16);
        else if (op == 0x37)
            pcmpgtq_lane(a, b, r);
        else
            sse41_lane(op, a, b, r);
        return;
    default: /* MAP_0F3A */
        if (op == 0x0f) {
            palignr_lane(a, b, r, 16, imm);
        } else if (op == 0x0e) {
            blend_lane(2, a, b, r, imm);
        } else if (op == 0x42) { /* VMPSADBW: the upper lane takes imm8[5:3] (SDM MPSADBW) */
            mpsadbw_lane(a, b, r, lane ? imm >> 3 : imm);
        } else { /* 4C VPBLENDVB: the mask register is imm8[7:4] (imm8[7] ignored outside
                  * 64-bit mode) */
            u8 m[32];
            ymm_get(c, (imm >> 4) & (c->code_size == 8 ? 15 : 7), m, 32);
            blendv_lane(1, a, b, m + 16 * lane, r, 16);
        }
        return;
    }
}

/* Three-operand forms: ymm1 <- op(ymm2 (VEX.vvvv), ymm3/m); and the two-operand ones whose
 * row has VX_NOV (VPABS*, VPHMINPOSUW), whose kernels read only the second source. */
static void op_v3(struct cpu *c, const struct insn *i)
{
    unsigned n = avx_len(i);
    u8 a[32], b[32], r[32];
    ymm_get(c, vex_vvvv(i), a, n);
    avx_src(c, i, b, n);
    for (unsigned l = 0; l < n; l += 16)
        lane_op(c, i, a + l, b + l, r + l, l / 16);
    ymm_put(c, i->reg, r, n);
}

/* D1-D3 VPSRLW/D/Q, E1/E2 VPSRAW/D, F1-F3 VPSLLW/D/Q ymm1, ymm2, xmm3/m128: every element
 * shifted by the count in the low 64 bits of the 128-bit source. */
static void op_vpshift(struct cpu *c, const struct insn *i)
{
    unsigned n = avx_len(i), lo = i->op & 15;
    u8 x[32], s[16];
    ymm_get(c, vex_vvvv(i), x, n);
    avx_src(c, i, s, 16);
    int kind = i->op >= 0xf0 ? SH_LL : i->op >= 0xe0 ? SH_RA : SH_RL;
    pint_shift(x, n, 1u << lo, kind, load_le(s, 8));
    ymm_put(c, i->reg, x, n);
}

/* 71/72/73 /2 /4 /6 VPSRL/VPSRA/VPSLL ymm1 (VEX.vvvv), ymm2 (r/m), imm8; 73 /3 VPSRLDQ and
 * /7 VPSLLDQ per 128-bit lane. */
static void op_vpshift_imm(struct cpu *c, const struct insn *i)
{
    unsigned n = avx_len(i), r = i->modrm >> 3 & 7;
    u8 x[32];
    ymm_get(c, i->rm, x, n);
    if (i->op == 0x73 && (r == 3 || r == 7))
        for (unsigned l = 0; l < n; l += 16)
            pint_bshift_lane(r == 3, x + l, x + l, (u8)i->imm);
    else
        pint_shift(x, n, pint_imm_shift_size(i), pint_imm_shift_kind(i), (u8)i->imm);
    ymm_put(c, vex_vvvv(i), x, n);
}

/* 70 VPSHUFD (66), VPSHUFHW (F3), VPSHUFLW (F2) ymm1, ymm2/m, imm8, per lane. */
static void op_vpshuf(struct cpu *c, const struct insn *i)
{
    unsigned n = avx_len(i);
    u8 s[32];
    avx_src(c, i, s, n);
    for (unsigned l = 0; l < n; l += 16)
        pint_shuf_lane(i->pfx, s + l, s + l, (u8)i->imm);
    ymm_put(c, i->reg, s, n);
}

/* 0F38 20-25 VPMOVSX*, 30-35 VPMOVZX*: the low elements of xmm2/m (as wide as what the
 * result needs) widened to the vector length. */
static void op_vpmovx(struct cpu *c, const struct insn *i)
{
    unsigned n = avx_len(i), sb = pmovx_src_bytes(i->op, n);
    u8 s[16] = {0}, r[32];
    if (i->mod == 3)
        ymm_get(c, i->rm, s, 16);
    else
        avx_mem_load(c, i, s, sb, false);
    pmovx(i->op, s, r, n);
    ymm_put(c, i->reg, r, n);
}

/* 0F38 17 VPTEST ymm1, ymm2/m: AVX in both lengths; flags as PTEST over the whole vector. */
static void op_vptest(struct cpu *c, const struct insn *i)
{
    unsigned n = avx_len(i);
    u8 d[32], s[32];
    ymm_get(c, i->reg, d, n);
    avx_src(c, i, s, n);
    ptest_flags(c, d, s, n);
}

#define AVX NEEDS(FEAT_AVX)
#define R(map, op, fn, imm, vx)                                                                    \
    {                                                                                              \
        map, op, -1, OPF_MODRM, fn, imm, PFX_66, MOD_ANY, AVX, VX_ROW | VX_256_AVX2 | (vx)         \
    }
#define V(op) R(MAP_0F, op, op_v3, IMM_NONE, 0)
#define V38(op) R(MAP_0F38, op, op_v3, IMM_NONE, 0)
#define V38N(op, fn) R(MAP_0F38, op, fn, IMM_NONE, VX_NOV)
#define V3A(op) R(MAP_0F3A, op, op_v3, IMM_UB, 0)
#define SH(op) R(MAP_0F, op, op_vpshift, IMM_NONE, 0)
#define G(op, r)                                                                                   \
    {                                                                                              \
        MAP_0F, op, r, OPF_MODRM, op_vpshift_imm, IMM_UB, PFX_66, MOD_REG, AVX,                    \
            VX_ROW | VX_256_AVX2                                                                   \
    }
#define SHUF(pfx)                                                                                  \
    {                                                                                              \
        MAP_0F, 0x70, -1, OPF_MODRM, op_vpshuf, IMM_UB, pfx, MOD_ANY, AVX,                         \
            VX_ROW | VX_256_AVX2 | VX_NOV                                                          \
    }

/* clang-format off */
const struct opdef avx_int_ops[] = {
    /* SSE2 (SDM Vol. 2 PADD*, PSUB*, PMUL*, PMADDWD, PSADBW, PAVG*, PMIN/PMAX*, PCMP*,
     * PAND/PANDN/POR/PXOR, PACK*, PUNPCK*) */
    V(0x60), V(0x61), V(0x62), V(0x63), V(0x64), V(0x65), V(0x66), V(0x67),
    V(0x68), V(0x69), V(0x6a), V(0x6b), V(0x6c), V(0x6d), V(0x74), V(0x75), V(0x76),
    V(0xd4), V(0xd5), V(0xd8), V(0xd9), V(0xda), V(0xdb), V(0xdc), V(0xdd), V(0xde), V(0xdf),
    V(0xe0), V(0xe3), V(0xe4), V(0xe5), V(0xe8), V(0xe9), V(0xea), V(0xeb), V(0xec), V(0xed),
    V(0xee), V(0xef), V(0xf4), V(0xf5), V(0xf6), V(0xf8), V(0xf9), V(0xfa), V(0xfb), V(0xfc),
    V(0xfd), V(0xfe),
    SH(0xd1), SH(0xd2), SH(0xd3), SH(0xe1), SH(0xe2), SH(0xf1), SH(0xf2), SH(0xf3),
    G(0x71, 2), G(0x71, 4), G(0x71, 6), G(0x72, 2), G(0x72, 4), G(0x72, 6),
    G(0x73, 2), G(0x73, 3), G(0x73, 6), G(0x73, 7),
    SHUF(PFX_66), SHUF(PFX_F3), SHUF(PFX_F2),
    /* SSSE3 */
    V38(0x00), V38(0x01), V38(0x02), V38(0x03), V38(0x04), V38(0x05), V38(0x06), V38(0x07),
    V38(0x08), V38(0x09), V38(0x0a), V38(0x0b),
    V38N(0x1c, op_v3), V38N(0x1d, op_v3), V38N(0x1e, op_v3), V3A(0x0f),
    /* SSE4.1, SSE4.2's PCMPGTQ */
    /* VPTEST: AVX in both lengths */
    {MAP_0F38, 0x17, -1, OPF_MODRM, op_vptest, IMM_NONE, PFX_66, MOD_ANY, AVX, VX_ROW | VX_NOV},
    V38N(0x20, op_vpmovx), V38N(0x21, op_vpmovx), V38N(0x22, op_vpmovx),
    V38N(0x23, op_vpmovx), V38N(0x24, op_vpmovx), V38N(0x25, op_vpmovx),
    V38N(0x30, op_vpmovx), V38N(0x31, op_vpmovx), V38N(0x32, op_vpmovx),
    V38N(0x33, op_vpmovx), V38N(0x34, op_vpmovx), V38N(0x35, op_vpmovx),
    V38(0x28), V38(0x29), V38(0x2b), V38(0x37),
    V38(0x38), V38(0x39), V38(0x3a), V38(0x3b), V38(0x3c), V38(0x3d), V38(0x3e), V38(0x3f),
    V38(0x40), R(MAP_0F38, 0x41, op_v3, IMM_NONE, VX_NOV | VX_L128),
    V3A(0x0e), V3A(0x42), R(MAP_0F3A, 0x4c, op_v3, IMM_UB, VX_W0),
    {.fn = NULL},
};
/* clang-format on */
