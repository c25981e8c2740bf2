/* VEX-encoded whole-register moves and VZEROUPPER/VZEROALL (SDM Vol. 2 MOVAPS, MOVUPS,
 * MOVAPD, MOVUPD, MOVDQA, MOVDQU, VZEROUPPER, VZEROALL). The rows here are the first VEX
 * forms; the other AVX families add theirs beside them. */
#include "avx.h"
#include "cpumodel.h"

/* VMOVAPS/VMOVAPD/VMOVDQA need a vector-length-aligned memory operand (#GP(0)); the
 * unaligned forms do not. */
static bool aligned_form(const struct insn *i)
{
    return i->op == 0x28 || i->op == 0x29 || (i->pfx == PFX_66 && (i->op & 0xef) == 0x6f);
}

/* 10, 28, 6F: ymm1 <- ymm2/m. */
static void op_vmov_load(struct cpu *c, const struct insn *i)
{
    u8 v[32];
    unsigned n = avx_len(i);
    if (i->mod == 3) ymm_get(c, i->rm, v, n);
    else avx_mem_load(c, i, v, n, aligned_form(i));
    ymm_put(c, i->reg, v, n);
}

/* 11, 29, 7F: ymm2/m <- ymm1. */
static void op_vmov_store(struct cpu *c, const struct insn *i)
{
    u8 v[32];
    unsigned n = avx_len(i);
    ymm_get(c, i->reg, v, n);
    if (i->mod == 3) ymm_put(c, i->rm, v, n);
    else avx_mem_store(c, i, v, n, aligned_form(i));
}

/* VZEROUPPER (VEX.128) zeroes bits 255:128 of every YMM register, VZEROALL (VEX.256) all
 * of them; outside 64-bit mode only YMM0-7 (SDM Vol. 2 VZEROUPPER, VZEROALL). */
static void op_vzero(struct cpu *c, const struct insn *i)
{
    unsigned n = c->code_size == 8 ? 16 : 8;
    for (unsigned k = 0; k < n; k++) {
        if (vex_l(i)) memset(fx_xmm(c, k), 0, 16);
        memset(c->fpu.ymmh[k], 0, 16);
    }
}

#define AVX NEEDS(FEAT_AVX)
#define MOVE(op, pfx, fn) {MAP_0F, op, -1, OPF_MODRM, fn, IMM_NONE, pfx, MOD_ANY, AVX, VX_ROW | VX_NOV}

const struct opdef avx_move_ops[] = {
    MOVE(0x10, PFX_NP, op_vmov_load), MOVE(0x11, PFX_NP, op_vmov_store),   /* VMOVUPS */
    MOVE(0x10, PFX_66, op_vmov_load), MOVE(0x11, PFX_66, op_vmov_store),   /* VMOVUPD */
    MOVE(0x28, PFX_NP, op_vmov_load), MOVE(0x29, PFX_NP, op_vmov_store),   /* VMOVAPS */
    MOVE(0x28, PFX_66, op_vmov_load), MOVE(0x29, PFX_66, op_vmov_store),   /* VMOVAPD */
    MOVE(0x6f, PFX_66, op_vmov_load), MOVE(0x7f, PFX_66, op_vmov_store),   /* VMOVDQA */
    MOVE(0x6f, PFX_F3, op_vmov_load), MOVE(0x7f, PFX_F3, op_vmov_store),   /* VMOVDQU */
    {MAP_0F, 0x77, -1, 0, op_vzero, IMM_NONE, PFX_NP, MOD_ANY, AVX, VX_ROW | VX_NOV},
    {.fn = NULL},
};
