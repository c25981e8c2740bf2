/* F16C: VCVTPH2PS and VCVTPS2PH (SDM Vol. 2), VEX.128 (four elements) and VEX.256
 * (eight), the half-precision conversions of src/fpu (sf_half.c) under sse_impl.h's
 * exception protocol: every element converted into a copy, then the MXCSR flags, then
 * #XM/#UD with the destination (register or memory) untouched, or the write. VEX.W1 and
 * VEX.vvvv other than 1111b are #UD (the rows). */
#include "avx.h"
#include "cpumodel.h"
#include "sse_impl.h"

/* VEX.66.0F38.W0 13 /r VCVTPH2PS xmm1/ymm1, xmm2/m64 or xmm2/m128. */
static void op_vcvtph2ps(struct cpu *c, const struct insn *i)
{
    unsigned len = avx_len(i), n = len / 2;
    u8 s[16], d[32];
    if (i->mod == 3) ymm_get(c, i->rm, s, n);
    else avx_mem_load(c, i, s, n, false);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    for (unsigned k = 0; k < n / 2; k++) {
        store_le(d + 4 * k, 4, f16_to_f32(&f.s, (u16)load_le(s + 2 * k, 2)));
        simd_fp_elem(&f);
    }
    simd_fp_end(c, &f);
    ymm_put(c, i->reg, d, len);
}

/* VEX.66.0F3A.W0 1D /r ib VCVTPS2PH xmm1/m64 or xmm1/m128, xmm2/ymm2, imm8: the source is
 * ModRM.reg; imm8[2] = 1 rounds by MXCSR.RC, else by imm8[1:0]. A register destination
 * gets zeros above the result (bits MAXVL-1:64 or :128). A memory destination is checked
 * for writing first, so a #GP/#PF there leaves MXCSR as it was (a fault commits no
 * state). */
static void op_vcvtps2ph(struct cpu *c, const struct insn *i)
{
    unsigned len = avx_len(i), n = len / 2;
    u8 s[32], d[16] = {0};
    u64 lin = 0, phys;
    if (i->mod != 3) {
        lin = avx_mem_lin(c, i, n, ACC_WRITE, false);
        lin_translate(c, lin, ACC_WRITE, &phys);
        lin_translate(c, lin + n - 1, ACC_WRITE, &phys);
    }
    ymm_get(c, i->reg, s, len);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    unsigned mode = i->imm & 4 ? f.s.round : i->imm & 3;
    for (unsigned k = 0; k < n / 2; k++) {
        store_le(d + 2 * k, 2, f32_to_f16(&f.s, (u32)load_le(s + 4 * k, 4), mode));
        simd_fp_elem(&f);
    }
    simd_fp_end(c, &f);
    if (i->mod == 3) ymm_put(c, i->rm, d, 16);
    else lin_write_bytes(c, lin, d, n, ACC_WRITE);
}

#define F16C NEEDS(FEAT_F16C)
const struct opdef f16c_ops[] = {
    {MAP_0F38, 0x13, -1, OPF_MODRM, op_vcvtph2ps, IMM_NONE, PFX_66, MOD_ANY, F16C,
     VX_ROW | VX_W0 | VX_NOV},
    {MAP_0F3A, 0x1d, -1, OPF_MODRM, op_vcvtps2ph, IMM_UB, PFX_66, MOD_ANY, F16C,
     VX_ROW | VX_W0 | VX_NOV},
    {.fn = NULL},
};
