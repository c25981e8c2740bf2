/* VEX forms of the packed-integer data moves, element inserts and extracts, PMOVMSKB,
 * the SSE4.2 string compares and AES-NI/PCLMULQDQ (SDM Vol. 2 MOVD/MOVQ, MOVNTDQ,
 * MOVNTDQA, LDDQU, MASKMOVDQU, PMOVMSKB, PEXTRB/W/D/Q, PINSRB/W/D/Q, PCMPESTRI...,
 * AESENC..., PCLMULQDQ: their VEX.128 and, where they exist, VEX.256 lines). A VEX form
 * that writes an XMM register zeroes bits 255:128 of its YMM register. The arithmetic is
 * the legacy forms' (pint.h). */
#include "avx.h"
#include "cpumodel.h"
#include "pint.h"

/* 66 0F 6E VMOVD/VMOVQ (VEX.W1 in 64-bit mode) xmm1, r/m32/64: zero-extended. */
static void op_vmovd_load(struct cpu *c, const struct insn *i)
{
    u8 v[16] = {0};
    store_le(v, i->opsz, rm_read(c, i, i->opsz));
    ymm_put(c, i->reg, v, 16);
}
/* 66 0F 7E VMOVD/VMOVQ r/m32/64, xmm1. */
static void op_vmovd_store(struct cpu *c, const struct insn *i)
{
    rm_write(c, i, i->opsz, load_le(fx_xmm(c, i->reg), i->opsz));
}
/* F3 0F 7E VMOVQ xmm1, xmm2/m64: the low quadword, the rest zeroed. */
static void op_vmovq_load(struct cpu *c, const struct insn *i)
{
    u8 v[16] = {0};
    avx_src(c, i, v, 8);
    ymm_put(c, i->reg, v, 16);
}
/* 66 0F D6 VMOVQ xmm2/m64, xmm1: a register destination gets the rest zeroed. */
static void op_vmovq_store(struct cpu *c, const struct insn *i)
{
    u8 v[16] = {0};
    memcpy(v, fx_xmm(c, i->reg), 8);
    if (i->mod == 3)
        ymm_put(c, i->rm, v, 16);
    else
        avx_mem_store(c, i, v, 8, false);
}

/* 66 0F38 2A VMOVNTDQA ymm1, m (VEX.256: AVX2), aligned; F2 0F F0 VLDDQU ymm1, m (AVX in
 * both lengths), unaligned. */
static void op_vmovntdqa(struct cpu *c, const struct insn *i)
{
    u8 v[32];
    unsigned n = avx_len(i);
    avx_mem_load(c, i, v, n, true);
    ymm_put(c, i->reg, v, n);
}
static void op_vlddqu(struct cpu *c, const struct insn *i)
{
    u8 v[32];
    unsigned n = avx_len(i);
    avx_mem_load(c, i, v, n, false);
    ymm_put(c, i->reg, v, n);
}

/* 66 0F F7 VMASKMOVDQU xmm1, xmm2: MASKMOVDQU's store at DS:rDI. */
static void op_vmaskmovdqu(struct cpu *c, const struct insn *i)
{
    pint_maskmov(c, i, fx_xmm(c, i->reg), fx_xmm(c, i->rm), 16);
}

/* 66 0F D7 VPMOVMSKB reg, ymm1: the byte sign bits, zero-extended to the register. */
static void op_vpmovmskb(struct cpu *c, const struct insn *i)
{
    u8 x[32];
    unsigned n = avx_len(i);
    ymm_get(c, i->rm, x, n);
    u64 m = 0;
    for (unsigned k = 0; k < n; k++)
        m |= (u64)(x[k] >> 7) << k;
    c->r[i->reg] = m;
}

/* 66 0F C5 VPEXTRW reg, xmm1, imm8 (register operand). */
static void op_vpextrw_c5(struct cpu *c, const struct insn *i)
{
    c->r[i->reg] = load_le(fx_xmm(c, i->rm) + 2 * (i->imm & 7), 2);
}
/* 66 0F3A 14 VPEXTRB, 15 VPEXTRW, 16 VPEXTRD/VPEXTRQ (VEX.W1 in 64-bit mode) r/m, xmm1,
 * imm8: to memory, or zero-extended to the whole register. */
static void op_vpextr(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->op == 0x14 ? 1 : i->op == 0x15 ? 2 : i->opsz;
    u64 v = load_le(fx_xmm(c, i->reg) + sz * (i->imm & (16 / sz - 1)), sz);
    if (i->mod == 3)
        c->r[i->rm] = v;
    else
        rm_write(c, i, sz, v);
}
/* 66 0F C4 VPINSRW, 0F3A 20 VPINSRB, 22 VPINSRD/VPINSRQ xmm1, xmm2 (VEX.vvvv), r32/64/m,
 * imm8: xmm2 with one element replaced. */
static void op_vpinsr(struct cpu *c, const struct insn *i)
{
    unsigned sz = i->map == MAP_0F ? 2 : i->op == 0x20 ? 1 : i->opsz;
    u64 v = i->mod == 3 ? c->r[i->rm] : rm_read(c, i, sz);
    u8 x[16];
    memcpy(x, fx_xmm(c, vex_vvvv(i)), 16);
    store_le(x + sz * (i->imm & (16 / sz - 1)), sz, v);
    ymm_put(c, i->reg, x, 16);
}

/* 66 0F3A 60-63 VPCMPESTRM, VPCMPESTRI, VPCMPISTRM, VPCMPISTRI xmm1, xmm2/m128, imm8. */
static void op_vpcmpstr(struct cpu *c, const struct insn *i)
{
    u8 b[16];
    avx_src(c, i, b, 16);
    pcmpstr_exec(c, i, b, true);
}

/* AES-NI and PCLMULQDQ's VEX.128 forms need AVX besides their own feature (the row's). */
static void aes_avx(struct cpu *c)
{
    if (!cpu_has(c, FEAT_AVX)) cpu_ud(c);
}
/* 66 0F38 DC-DF VAESENC/ENCLAST/DEC/DECLAST xmm1, xmm2 (the state), xmm3/m128 (the key). */
static void op_vaes_round(struct cpu *c, const struct insn *i)
{
    aes_avx(c);
    u8 k[16], r[16];
    avx_src(c, i, k, 16);
    aes_round(i->op, fx_xmm(c, vex_vvvv(i)), k, r);
    ymm_put(c, i->reg, r, 16);
}
/* 66 0F38 DB VAESIMC xmm1, xmm2/m128; 66 0F3A DF VAESKEYGENASSIST xmm1, xmm2/m128, imm8. */
static void op_vaes_one(struct cpu *c, const struct insn *i)
{
    aes_avx(c);
    u8 s[16], r[16];
    avx_src(c, i, s, 16);
    if (i->map == MAP_0F38)
        aes_imc(s, r);
    else
        aes_keygen(s, (u8)i->imm, r);
    ymm_put(c, i->reg, r, 16);
}
/* 66 0F3A 44 VPCLMULQDQ xmm1, xmm2, xmm3/m128, imm8. */
static void op_vpclmulqdq(struct cpu *c, const struct insn *i)
{
    aes_avx(c);
    u8 s[16], r[16];
    avx_src(c, i, s, 16);
    clmul(fx_xmm(c, vex_vvvv(i)), s, (u8)i->imm, r);
    ymm_put(c, i->reg, r, 16);
}

#define AVX NEEDS(FEAT_AVX)
#define M OPF_MODRM
#define ROW(map, op, fn, imm, pfx, mod, vx)                                                        \
    {                                                                                              \
        map, op, -1, M, fn, imm, pfx, mod, AVX, VX_ROW | (vx)                                      \
    }
#define L128N (VX_L128 | VX_NOV)
#define AESROW(map, op, fn, imm, vx, f)                                                            \
    {                                                                                              \
        map, op, -1, M, fn, imm, PFX_66, MOD_ANY, NEEDS(f), VX_ROW | VX_L128 | (vx)                \
    }

/* clang-format off */
const struct opdef avx_int_move_ops[] = {
    ROW(MAP_0F, 0x6e, op_vmovd_load, IMM_NONE, PFX_66, MOD_ANY, L128N),
    ROW(MAP_0F, 0x7e, op_vmovd_store, IMM_NONE, PFX_66, MOD_ANY, L128N),
    ROW(MAP_0F, 0x7e, op_vmovq_load, IMM_NONE, PFX_F3, MOD_ANY, L128N),
    ROW(MAP_0F, 0xd6, op_vmovq_store, IMM_NONE, PFX_66, MOD_ANY, L128N),
    ROW(MAP_0F, 0xe7, op_vmovnt, IMM_NONE, PFX_66, MOD_MEM, VX_NOV), /* VMOVNTDQ: VMOVNTPS's */
    ROW(MAP_0F38, 0x2a, op_vmovntdqa, IMM_NONE, PFX_66, MOD_MEM, VX_NOV | VX_256_AVX2),
    ROW(MAP_0F, 0xf0, op_vlddqu, IMM_NONE, PFX_F2, MOD_MEM, VX_NOV),
    ROW(MAP_0F, 0xf7, op_vmaskmovdqu, IMM_NONE, PFX_66, MOD_REG, L128N),
    ROW(MAP_0F, 0xd7, op_vpmovmskb, IMM_NONE, PFX_66, MOD_REG, VX_NOV | VX_256_AVX2),
    ROW(MAP_0F, 0xc5, op_vpextrw_c5, IMM_UB, PFX_66, MOD_REG, L128N),
    ROW(MAP_0F, 0xc4, op_vpinsr, IMM_UB, PFX_66, MOD_ANY, VX_L128),
    ROW(MAP_0F3A, 0x14, op_vpextr, IMM_UB, PFX_66, MOD_ANY, L128N),
    ROW(MAP_0F3A, 0x15, op_vpextr, IMM_UB, PFX_66, MOD_ANY, L128N),
    ROW(MAP_0F3A, 0x16, op_vpextr, IMM_UB, PFX_66, MOD_ANY, L128N),
    ROW(MAP_0F3A, 0x20, op_vpinsr, IMM_UB, PFX_66, MOD_ANY, VX_L128),
    ROW(MAP_0F3A, 0x22, op_vpinsr, IMM_UB, PFX_66, MOD_ANY, VX_L128),
    ROW(MAP_0F3A, 0x60, op_vpcmpstr, IMM_UB, PFX_66, MOD_ANY, L128N),
    ROW(MAP_0F3A, 0x61, op_vpcmpstr, IMM_UB, PFX_66, MOD_ANY, L128N),
    ROW(MAP_0F3A, 0x62, op_vpcmpstr, IMM_UB, PFX_66, MOD_ANY, L128N),
    ROW(MAP_0F3A, 0x63, op_vpcmpstr, IMM_UB, PFX_66, MOD_ANY, L128N),
    AESROW(MAP_0F38, 0xdb, op_vaes_one, IMM_NONE, VX_NOV, FEAT_AES),
    AESROW(MAP_0F38, 0xdc, op_vaes_round, IMM_NONE, 0, FEAT_AES),
    AESROW(MAP_0F38, 0xdd, op_vaes_round, IMM_NONE, 0, FEAT_AES),
    AESROW(MAP_0F38, 0xde, op_vaes_round, IMM_NONE, 0, FEAT_AES),
    AESROW(MAP_0F38, 0xdf, op_vaes_round, IMM_NONE, 0, FEAT_AES),
    AESROW(MAP_0F3A, 0xdf, op_vaes_one, IMM_UB, VX_NOV, FEAT_AES),
    AESROW(MAP_0F3A, 0x44, op_vpclmulqdq, IMM_UB, 0, FEAT_PCLMULQDQ),
    {.fn = NULL},
};
/* clang-format on */
