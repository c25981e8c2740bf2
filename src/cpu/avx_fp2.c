/* VEX-encoded floating-point forms of maps 0F38 and 0F3A (SDM Vol. 2): the SSE4.1 ones
 * (ROUNDPS/PD/SS/SD, BLENDPS/PD, BLENDVPS/PD with the mask register in imm8[7:4], DPPS,
 * DPPD, INSERTPS, EXTRACTPS) and those only AVX has: VPERMILPS/PD (vector and imm8
 * controls), VTESTPS/PD, VBROADCASTSS/SD/F128, VMASKMOVPS/PD, VINSERTF128, VEXTRACTF128,
 * VPERM2F128. The element work is shared with the legacy forms (fp_lane.h, pint.h); rows
 * carry each page's VEX.L, VEX.W and VEX.vvvv #UD rules. */
#include "avx.h"
#include "cpumodel.h"
#include "flags.h"
#include "fp_lane.h"
#include "pint.h"

/* --- SSE4.1 forms ---------------------------------------------------------------------- */

/* 0F3A 08 ROUNDPS, 09 ROUNDPD ymm/xmm, ymm/m, imm8; 0A ROUNDSS, 0B ROUNDSD xmm1, xmm2,
 * xmm3/m32(m64), imm8 (bits 127:esz from xmm2). */
static void op_vround(struct cpu *c, const struct insn *i)
{
    bool dbl = i->op & 1, scalar = i->op >= 0x0a;
    unsigned len = scalar ? 16 : avx_len(i), n = scalar ? (dbl ? 8 : 4) : len;
    u8 b[32], r[32];
    if (scalar) ymm_get(c, vex_vvvv(i), r, 16);
    avx_src(c, i, b, n);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    fp_round(&f, dbl, (unsigned)i->imm, b, r, n);
    simd_fp_end(c, &f);
    ymm_put(c, i->reg, r, len);
}

/* Operands of the two-source forms: a = YMM(vvvv), b = r/m, len bytes. */
static unsigned fetch2(struct cpu *c, const struct insn *i, u8 *a, u8 *b)
{
    unsigned len = avx_len(i);
    ymm_get(c, vex_vvvv(i), a, len);
    avx_src(c, i, b, len);
    return len;
}

/* 0F3A 0C BLENDPS, 0D BLENDPD: imm8 bit k takes element k from the second source (the
 * high lane's elements use the next imm8 bits). */
static void op_vblend(struct cpu *c, const struct insn *i)
{
    u8 a[32], b[32], r[32];
    unsigned len = fetch2(c, i, a, b), sz = i->op == 0x0c ? 4 : 8;
    for (unsigned l = 0; l < len / 16; l++)
        blend_lane(sz, a + 16 * l, b + 16 * l, r + 16 * l, (unsigned)i->imm >> (l * 16 / sz));
    ymm_put(c, i->reg, r, len);
}

/* 0F3A 4A BLENDVPS, 4B BLENDVPD xmm1, xmm2, xmm3/m, xmm4: the mask register is imm8[7:4]
 * (imm8[7] ignored outside 64-bit mode). */
static void op_vblendv(struct cpu *c, const struct insn *i)
{
    u8 a[32], b[32], m[32], r[32];
    unsigned len = fetch2(c, i, a, b);
    ymm_get(c, ((unsigned)i->imm >> 4) & (c->code_size == 8 ? 15 : 7), m, len);
    blendv_lane(i->op == 0x4a ? 4 : 8, a, b, m, r, len);
    ymm_put(c, i->reg, r, len);
}

/* 0F3A 40 DPPS (per lane), 41 DPPD (VEX.128 only). */
static void op_vdpp(struct cpu *c, const struct insn *i)
{
    u8 a[32], b[32], r[32];
    unsigned len = fetch2(c, i, a, b);
    if (i->op == 0x40) fp_dpps(c, a, b, r, len / 16, (unsigned)i->imm);
    else fp_dppd(c, a, b, r, (unsigned)i->imm);
    ymm_put(c, i->reg, r, len);
}

/* 0F3A 21 INSERTPS xmm1, xmm2, xmm3/m32, imm8 (the rest from xmm2). */
static void op_vinsertps(struct cpu *c, const struct insn *i)
{
    u8 a[16], v[16], r[16];
    ymm_get(c, vex_vvvv(i), a, 16);
    if (i->mod == 3) {
        ymm_get(c, i->rm, v, 16);
        memmove(v, v + 4 * (i->imm >> 6 & 3), 4);
    } else {
        avx_mem_load(c, i, v, 4, false);
    }
    insertps_lane(a, v, r, (unsigned)i->imm);
    ymm_put(c, i->reg, r, 16);
}

/* 0F3A 17 EXTRACTPS r32/m32, xmm1, imm8: a register destination is zero-extended. */
static void op_vextractps(struct cpu *c, const struct insn *i)
{
    u8 x[16];
    ymm_get(c, i->reg, x, 16);
    const u8 *e = x + 4 * (i->imm & 3);
    if (i->mod == 3) c->r[i->rm] = load_le(e, 4);
    else avx_mem_store(c, i, e, 4, false);
}

/* --- AVX only -------------------------------------------------------------------------- */

/* 0F38 0C PERMILPS, 0D PERMILPD ymm1, ymm2, ymm3/m: each element of a lane picked from
 * ymm2's same lane by the control element of ymm3/m (bits 1:0, or bit 1 for doubles). */
static void op_vpermil_var(struct cpu *c, const struct insn *i)
{
    u8 a[32], b[32], r[32] = {0};
    unsigned len = fetch2(c, i, a, b), sz = i->op == 0x0c ? 4 : 8;
    for (unsigned k = 0; k < len; k += sz) {
        unsigned sel = sz == 4 ? (b[k] & 3) : (b[k] >> 1 & 1);
        memcpy(r + k, a + (k & ~15u) + sz * sel, sz);
    }
    ymm_put(c, i->reg, r, len);
}
/* 0F3A 04 PERMILPS ymm1, ymm2/m, imm8 (the 2-bit fields, the same for each lane); 05
 * PERMILPD (imm8 bit k for element k). */
static void op_vpermil_imm(struct cpu *c, const struct insn *i)
{
    u8 b[32], r[32] = {0};
    unsigned len = avx_len(i), sz = i->op == 0x04 ? 4 : 8, imm = (unsigned)i->imm;
    avx_src(c, i, b, len);
    for (unsigned k = 0; k < len; k += sz) {
        unsigned e = (k & 15) / sz, sel = sz == 4 ? (imm >> (2 * e) & 3) : (imm >> (k / 8) & 1);
        memcpy(r + k, b + (k & ~15u) + sz * sel, sz);
    }
    ymm_put(c, i->reg, r, len);
}

/* 0F38 0E TESTPS, 0F TESTPD xmm1/ymm1, xmm2/ymm2/m: PTEST of the sign bits only. */
static void op_vtestp(struct cpu *c, const struct insn *i)
{
    u8 a[32], b[32];
    unsigned len = avx_len(i), sz = i->op == 0x0e ? 4 : 8;
    ymm_get(c, i->reg, a, len);
    avx_src(c, i, b, len);
    for (unsigned k = 0; k < len; k++)
        if ((k % sz) != sz - 1) a[k] = b[k] = 0;
        else a[k] &= 0x80, b[k] &= 0x80;
    ptest_flags(c, a, b, len);
}

/* 0F38 2C/2D MASKMOVPS/PD xmm1, xmm2 (mask), m: the elements whose mask sign bit is set
 * are read, the others are zero; 2E/2F m, xmm2 (mask), xmm1: only the selected elements
 * are written. AVX2's 8C/8E VPMASKMOVD/Q (VEX.W the element size) are the same.
 * Masked-off elements are never accessed, so they cannot fault (SDM Vol. 2 VMASKMOV:
 * "faults will not occur due to referencing any memory location if the corresponding mask
 * bit for that memory location is 0"); a store checks every selected element before it
 * writes any. */
static u64 mask_elem_lin(struct cpu *c, const struct insn *i, unsigned off, unsigned sz, int acc)
{
    u64 ea = (insn_ea(c, i) + off) & size_mask(i->adsz);
    u64 lin = seg_check(c, i->seg, ea, 1, acc);
    seg_check(c, i->seg, (ea + sz - 1) & size_mask(i->adsz), 1, acc);
    return lin;
}
void op_vmaskmov(struct cpu *c, const struct insn *i)
{
    u8 m[32], x[32] = {0};
    unsigned len = avx_len(i), sz = (i->op >= 0x8c ? vex_w(i) : i->op & 1) ? 8 : 4;
    bool store = i->op & 2; /* 2E, 2F, 8E */
    ymm_get(c, vex_vvvv(i), m, len);
    if (!store) {
        for (unsigned k = 0; k < len; k += sz)
            if (m[k + sz - 1] & 0x80)
                lin_read_bytes(c, mask_elem_lin(c, i, k, sz, ACC_READ), x + k, sz, ACC_READ);
        ymm_put(c, i->reg, x, len);
        return;
    }
    ymm_get(c, i->reg, x, len);
    u64 phys;
    for (unsigned k = 0; k < len; k += sz)
        if (m[k + sz - 1] & 0x80) {
            u64 lin = mask_elem_lin(c, i, k, sz, ACC_WRITE);
            lin_translate(c, lin, ACC_WRITE, &phys);
            lin_translate(c, lin + sz - 1, ACC_WRITE, &phys);
        }
    for (unsigned k = 0; k < len; k += sz)
        if (m[k + sz - 1] & 0x80)
            lin_write_bytes(c, mask_elem_lin(c, i, k, sz, ACC_WRITE), x + k, sz, ACC_WRITE);
}

/* 0F3A 18 INSERTF128 ymm1, ymm2, xmm3/m128, imm8: ymm2 with lane imm8[0] replaced. */
void op_vinsertf128(struct cpu *c, const struct insn *i)
{
    u8 r[32];
    ymm_get(c, vex_vvvv(i), r, 32);
    avx_src(c, i, r + 16 * (i->imm & 1), 16);
    ymm_put(c, i->reg, r, 32);
}
/* 0F3A 19 EXTRACTF128 xmm1/m128, ymm2, imm8: lane imm8[0] (a register destination gets
 * bits 255:128 zeroed). */
void op_vextractf128(struct cpu *c, const struct insn *i)
{
    u8 x[32];
    ymm_get(c, i->reg, x, 32);
    const u8 *v = x + 16 * (i->imm & 1);
    if (i->mod == 3) ymm_put(c, i->rm, v, 16);
    else avx_mem_store(c, i, v, 16, false);
}
/* 0F3A 06 PERM2F128 ymm1, ymm2, ymm3/m256, imm8: each result lane is one of the four
 * source lanes (imm8[1:0], [5:4]), or zero (imm8[3], [7]). */
void op_vperm2f128(struct cpu *c, const struct insn *i)
{
    u8 s[64], r[32];
    ymm_get(c, vex_vvvv(i), s, 32);
    avx_src(c, i, s + 32, 32);
    for (unsigned l = 0; l < 2; l++) {
        unsigned ctl = (unsigned)i->imm >> (4 * l);
        if (ctl & 8) memset(r + 16 * l, 0, 16);
        else memcpy(r + 16 * l, s + 16 * (ctl & 3), 16);
    }
    ymm_put(c, i->reg, r, 32);
}

/* --- rows ------------------------------------------------------------------------------ */

#define M OPF_MODRM
#define ROW(map, op, fn, imm, mod, rules) \
    {map, op, -1, M, fn, imm, PFX_66, mod, NEEDS(FEAT_AVX), VX_ROW | (rules)}
#define R38(op, fn, mod, rules) ROW(MAP_0F38, op, fn, IMM_NONE, mod, rules)
#define R3A(op, fn, rules) ROW(MAP_0F3A, op, fn, IMM_UB, MOD_ANY, rules)

/* clang-format off */
const struct opdef avx_fp2_ops[] = {
    R3A(0x08, op_vround, VX_NOV), R3A(0x09, op_vround, VX_NOV),
    R3A(0x0a, op_vround, 0), R3A(0x0b, op_vround, 0),
    R3A(0x0c, op_vblend, 0), R3A(0x0d, op_vblend, 0),
    R3A(0x4a, op_vblendv, VX_W0), R3A(0x4b, op_vblendv, VX_W0),
    R3A(0x40, op_vdpp, 0), R3A(0x41, op_vdpp, VX_L128),
    R3A(0x21, op_vinsertps, VX_L128),
    R3A(0x17, op_vextractps, VX_L128 | VX_NOV),
    R38(0x0c, op_vpermil_var, MOD_ANY, VX_W0), R38(0x0d, op_vpermil_var, MOD_ANY, VX_W0),
    R3A(0x04, op_vpermil_imm, VX_W0 | VX_NOV), R3A(0x05, op_vpermil_imm, VX_W0 | VX_NOV),
    R38(0x0e, op_vtestp, MOD_ANY, VX_W0 | VX_NOV), R38(0x0f, op_vtestp, MOD_ANY, VX_W0 | VX_NOV),
    R38(0x18, op_vbroadcast, MOD_MEM, VX_W0 | VX_NOV),
    R38(0x19, op_vbroadcast, MOD_MEM, VX_W0 | VX_NOV | VX_L256),
    R38(0x1a, op_vbroadcast, MOD_MEM, VX_W0 | VX_NOV | VX_L256),
    R38(0x2c, op_vmaskmov, MOD_MEM, VX_W0), R38(0x2d, op_vmaskmov, MOD_MEM, VX_W0),
    R38(0x2e, op_vmaskmov, MOD_MEM, VX_W0), R38(0x2f, op_vmaskmov, MOD_MEM, VX_W0),
    R3A(0x18, op_vinsertf128, VX_W0 | VX_L256),
    R3A(0x19, op_vextractf128, VX_W0 | VX_L256 | VX_NOV),
    R3A(0x06, op_vperm2f128, VX_W0 | VX_L256),
    {.fn = NULL},
};
/* clang-format on */
