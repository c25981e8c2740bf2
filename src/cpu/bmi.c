/* BMI1 and BMI2: the VEX-encoded general-purpose bit instructions ANDN, BEXTR, BLSI,
 * BLSMSK, BLSR (BMI1), BZHI, MULX, PDEP, PEXT, RORX, SARX, SHLX, SHRX (BMI2) (SDM Vol. 2).
 * They use no AVX state (VX_GPR rows: no CR4.OSXSAVE/XCR0 check, SDM Vol. 2 2.5.1) and are
 * #UD with VEX.L = 1. The operand size is 64 bits with VEX.W1 in 64-bit mode, else 32
 * ("VEX.W1 is ignored in non-64-bit modes": the decoder's i->opsz). TZCNT, the other BMI1
 * instruction, is a legacy encoding and lives in bits.c. */
#include "cpumodel.h"
#include "flags.h"
#include "insn.h"

/* VEX.vvvv as a general-purpose register. */
static u64 v_read(const struct cpu *c, const struct insn *i)
{
    return reg_get(c, vex_vvvv(i), i->opsz);
}
static void v_write(struct cpu *c, const struct insn *i, u64 v)
{
    reg_set(c, vex_vvvv(i), i->opsz, v);
}

/* SF and ZF from the result, the given CF, OF cleared; AF and PF are undefined and kept. */
static void bmi_flags(struct cpu *c, unsigned size, u64 res, bool cf)
{
    res &= size_mask(size);
    u64 v = (res == 0 ? FL_ZF : 0) | ((res >> (size * 8 - 1)) & 1 ? FL_SF : 0) | (cf ? FL_CF : 0);
    flags_write(c, FL_SF | FL_ZF | FL_CF | FL_OF, v);
}

/* NP 0F38 F2 ANDN r, vvvv, r/m: r = ~vvvv & r/m (SDM Vol. 2 ANDN). */
static void op_andn(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    u64 r = ~v_read(c, i) & rm_read(c, i, size);
    r_write(c, i, size, r);
    bmi_flags(c, size, r, false);
}

/* NP 0F38 F3 /1 BLSR, /2 BLSMSK, /3 BLSI vvvv, r/m: CF = (source == 0), BLSI's the
 * opposite; BLSMSK's result is never zero, so its ZF is clear as the SDM says (SDM Vol. 2
 * BLSR, BLSMSK, BLSI). */
static void op_bls(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz, kind = (i->modrm >> 3) & 7;
    u64 s = rm_read(c, i, size), r;
    switch (kind) {
    case 1: r = (s - 1) & s; break;
    case 2: r = (s - 1) ^ s; break;
    default: r = (0 - s) & s; break;
    }
    v_write(c, i, r);
    bool cf = (s & size_mask(size)) == 0;
    bmi_flags(c, size, r, kind == 3 ? !cf : cf);
}

/* NP 0F38 F7 BEXTR r, r/m, vvvv: vvvv[7:0] is the start bit, vvvv[15:8] the length; bits
 * beyond the operand read as zero. ZF from the result, CF and OF cleared; AF, SF and PF
 * are undefined and kept (SDM Vol. 2 BEXTR). */
static void op_bextr(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz, bits = size * 8;
    u64 ctl = v_read(c, i), s = rm_read(c, i, size);
    unsigned start = ctl & 0xff, len = (ctl >> 8) & 0xff;
    u64 r = start >= bits ? 0 : s >> start;
    if (len < 64) r &= (1ull << len) - 1;
    r_write(c, i, size, r);
    flags_write(c, FL_ZF | FL_CF | FL_OF, r ? 0 : FL_ZF);
}

/* NP 0F38 F5 BZHI r, r/m, vvvv: clear bits n and above of r/m, n = vvvv[7:0]; CF when n
 * is beyond the operand's top bit (SDM Vol. 2 BZHI). */
static void op_bzhi(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz, bits = size * 8;
    unsigned n = v_read(c, i) & 0xff;
    u64 r = rm_read(c, i, size);
    if (n < bits) r &= (1ull << n) - 1;
    r_write(c, i, size, r);
    bmi_flags(c, size, r, n > bits - 1);
}

/* F2 0F38 F6 MULX r, vvvv, r/m: unsigned rDX * r/m, high half to r, low half to vvvv; the
 * flags are unchanged; with r = vvvv the high half is what remains (SDM Vol. 2 MULX). */
static void op_mulx(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    u64 a = reg_get(c, RDX, size), b = rm_read(c, i, size);
    u128 p = (u128)a * b;
    unsigned bits = size * 8;
    v_write(c, i, (u64)p);
    r_write(c, i, size, (u64)(p >> bits));
}

/* F2 0F38 F5 PDEP r, vvvv, r/m: the low bits of vvvv deposited at the 1 bits of the mask
 * r/m. F3 0F38 F5 PEXT r, vvvv, r/m: the bits of vvvv at the mask's 1 bits, packed at the
 * bottom. Flags unchanged (SDM Vol. 2 PDEP, PEXT). */
static void op_pdep_pext(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    u64 s = v_read(c, i), mask = rm_read(c, i, size), r = 0;
    unsigned k = 0;
    for (u64 m = mask; m; m &= m - 1, k++) {
        u64 bit = m & (0 - m);
        if (i->pfx == PFX_F2) r |= (s >> k) & 1 ? bit : 0;
        else r |= (s & bit) ? 1ull << k : 0;
    }
    r_write(c, i, size, r);
}

/* F2 0F3A F0 RORX r, r/m, imm8: rotate right by imm8 modulo the width, flags unchanged. */
static void op_rorx(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz, bits = size * 8, n = i->imm & (bits - 1);
    u64 s = rm_read(c, i, size);
    r_write(c, i, size, n ? (s >> n) | (s << (bits - n)) : s);
}

/* 0F38 F7 with F3 SARX, 66 SHLX, F2 SHRX r, r/m, vvvv: shift by vvvv modulo the width,
 * flags unchanged (SDM Vol. 2 SARX/SHLX/SHRX). */
static void op_shiftx(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz, bits = size * 8, n = v_read(c, i) & (bits - 1);
    u64 s = rm_read(c, i, size), r;
    switch (i->pfx) {
    case PFX_F3: r = (u64)(sign_extend(s, size) >> n); break;
    case PFX_66: r = s << n; break;
    default: r = s >> n; break;
    }
    r_write(c, i, size, r);
}

#define M OPF_MODRM
#define GPR(map, op, reg, fn, pfx, feat, imm)                                                      \
    {map, op, reg, M, fn, imm, pfx, MOD_ANY, NEEDS(feat), VX_ROW | VX_GPR | VX_L128}

const struct opdef bmi_ops[] = {
    GPR(MAP_0F38, 0xf2, -1, op_andn, PFX_NP, FEAT_BMI1, IMM_NONE),
    GPR(MAP_0F38, 0xf3, 1, op_bls, PFX_NP, FEAT_BMI1, IMM_NONE), /* BLSR */
    GPR(MAP_0F38, 0xf3, 2, op_bls, PFX_NP, FEAT_BMI1, IMM_NONE), /* BLSMSK */
    GPR(MAP_0F38, 0xf3, 3, op_bls, PFX_NP, FEAT_BMI1, IMM_NONE), /* BLSI */
    GPR(MAP_0F38, 0xf7, -1, op_bextr, PFX_NP, FEAT_BMI1, IMM_NONE),
    GPR(MAP_0F38, 0xf5, -1, op_bzhi, PFX_NP, FEAT_BMI2, IMM_NONE),
    GPR(MAP_0F38, 0xf5, -1, op_pdep_pext, PFX_F2, FEAT_BMI2, IMM_NONE), /* PDEP */
    GPR(MAP_0F38, 0xf5, -1, op_pdep_pext, PFX_F3, FEAT_BMI2, IMM_NONE), /* PEXT */
    GPR(MAP_0F38, 0xf6, -1, op_mulx, PFX_F2, FEAT_BMI2, IMM_NONE),
    GPR(MAP_0F38, 0xf7, -1, op_shiftx, PFX_F3, FEAT_BMI2, IMM_NONE), /* SARX */
    GPR(MAP_0F38, 0xf7, -1, op_shiftx, PFX_66, FEAT_BMI2, IMM_NONE), /* SHLX */
    GPR(MAP_0F38, 0xf7, -1, op_shiftx, PFX_F2, FEAT_BMI2, IMM_NONE), /* SHRX */
    /* RORX encodes no operand in VEX.vvvv: 1111b or #UD (SDM Vol. 2 2.5.1). */
    {MAP_0F3A, 0xf0, -1, M, op_rorx, IMM_UB, PFX_F2, MOD_ANY, NEEDS(FEAT_BMI2),
     VX_ROW | VX_GPR | VX_L128 | VX_NOV},
    {.fn = NULL},
};
#undef M
#undef GPR
