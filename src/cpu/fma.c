/* FMA: VFMADD, VFMSUB, VFNMADD, VFNMSUB 132/213/231 PS/PD/SS/SD and VFMADDSUB, VFMSUBADD
 * 132/213/231 PS/PD (SDM Vol. 2), VEX.66.0F38 96-9F, A6-AF, B6-BF; VEX.W selects double.
 * Each element is one fused multiply-add of src/fpu (exact product, one rounding, MXCSR
 * rounding, DAZ/FTZ), under sse_impl.h's exception protocol: all elements into a copy,
 * then the MXCSR flags, then #XM/#UD with the destination untouched or the write.
 *
 * Operands: src1 is the destination (ModRM.reg), src2 VEX.vvvv, src3 the r/m operand.
 * 132: src1 * src3 + src2; 213: src2 * src1 + src3; 231: src2 * src3 + src1. A NaN
 * result is the first NaN of the multiplicands then the addend in that written order. */
#include "avx.h"
#include "cpumodel.h"
#include "sse_impl.h"

/* Per element, which of src1/src2/src3 are a, b and c of a * b + c (opcode bits 7:4 = 9,
 * A, B for 132, 213, 231). */
static const u8 fma_order[3][3] = {{0, 2, 1}, {1, 0, 2}, {1, 2, 0}};

/* The negations of element k: opcode bits 3:0 are 6 ADDSUB (odd elements add, even
 * subtract), 7 SUBADD (the reverse), 8/9 FMADD, A/B FMSUB, C/D FNMADD, E/F FNMSUB. */
static unsigned fma_neg(unsigned low, unsigned k)
{
    switch (low) {
    case 6: return k & 1 ? 0 : SF_NEG_ADDEND;
    case 7: return k & 1 ? SF_NEG_ADDEND : 0;
    case 8: case 9: return 0;
    case 0xa: case 0xb: return SF_NEG_ADDEND;
    case 0xc: case 0xd: return SF_NEG_PRODUCT;
    default: return SF_NEG_PRODUCT | SF_NEG_ADDEND;
    }
}

static void op_fma(struct cpu *c, const struct insn *i)
{
    unsigned low = i->op & 15, esz = vex_w(i) ? 8 : 4;
    bool scalar = low >= 8 && (low & 1); /* SS/SD: VEX.L ignored */
    unsigned len = scalar ? 16 : avx_len(i), n = scalar ? esz : len;
    u8 src[3][32], d[32];
    ymm_get(c, i->reg, src[0], len);
    ymm_get(c, vex_vvvv(i), src[1], len);
    if (i->mod == 3) ymm_get(c, i->rm, src[2], len);
    else avx_mem_load(c, i, src[2], n, false);
    memcpy(d, src[0], len);
    const u8 *o = fma_order[(i->op >> 4) - 9];
    struct simd_fp f;
    simd_fp_begin(c, &f);
    for (unsigned k = 0; k < n; k += esz) {
        const u8 *a = src[o[0]] + k, *b = src[o[1]] + k, *e = src[o[2]] + k;
        unsigned neg = fma_neg(low, k / esz);
        if (esz == 8) {
            u64 r = f64_fma_neg(&f.s, load_le(a, 8), load_le(b, 8), load_le(e, 8), neg);
            store_le(d + k, 8, r);
        } else {
            u32 r = f32_fma_neg(&f.s, (u32)load_le(a, 4), (u32)load_le(b, 4), (u32)load_le(e, 4),
                                neg);
            store_le(d + k, 4, r);
        }
        simd_fp_elem(&f);
    }
    simd_fp_end(c, &f);
    ymm_put(c, i->reg, d, len); /* scalar: src1's other elements, bits 255:128 zeroed */
}

#define FMA(op)                                                                            \
    {MAP_0F38, op, -1, OPF_MODRM, op_fma, IMM_NONE, PFX_66, MOD_ANY, NEEDS(FEAT_FMA), VX_ROW}
#define FMA_ROW(h) FMA(h + 6), FMA(h + 7), FMA(h + 8), FMA(h + 9), FMA(h + 10), FMA(h + 11), \
                   FMA(h + 12), FMA(h + 13), FMA(h + 14), FMA(h + 15)

const struct opdef fma_ops[] = {
    FMA_ROW(0x90), /* 132 */
    FMA_ROW(0xa0), /* 213 */
    FMA_ROW(0xb0), /* 231 */
    {.fn = NULL},
};
#undef FMA
#undef FMA_ROW
