/* Decimal arithmetic adjustments: DAA DAS AAA AAS AAM AAD (all #UD in 64-bit mode, which
 * the decoder enforces). Flags the SDM leaves undefined are derived from the final AL
 * (SF ZF PF) or cleared (OF, and AF CF for AAM/AAD). */
#include "flags.h"
#include "insn.h"

static inline u8 al(const struct cpu *c) { return (u8)c->r[RAX]; }
static inline u8 ah(const struct cpu *c) { return (u8)(c->r[RAX] >> 8); }
static inline bool af(struct cpu *c) { return flags_arith(c) & FL_AF; }

/* 27 DAA (SDM Vol. 2 DAA). */
static void op_daa(struct cpu *c, const struct insn *i)
{
    u8 old = al(c), a = old;
    bool old_cf = flags_cf(c), cf = false, adj = (old & 0xf) > 9 || af(c);
    if (adj) {
        cf = old_cf || a > 0xff - 6;
        a += 6;
    }
    if (old > 0x99 || old_cf) {
        a += 0x60;
        cf = true;
    } else {
        cf = false;
    }
    reg8_set(c, RAX, false, a);
    flags_res(c, 1, a, (cf ? FL_CF : 0) | (adj ? FL_AF : 0));
}

/* 2F DAS (SDM Vol. 2 DAS). */
static void op_das(struct cpu *c, const struct insn *i)
{
    u8 old = al(c), a = old;
    bool old_cf = flags_cf(c), cf = false, adj = (old & 0xf) > 9 || af(c);
    if (adj) {
        cf = old_cf || a < 6;
        a -= 6;
    }
    if (old > 0x99 || old_cf) {
        a -= 0x60;
        cf = true;
    }
    reg8_set(c, RAX, false, a);
    flags_res(c, 1, a, (cf ? FL_CF : 0) | (adj ? FL_AF : 0));
}

/* 37 AAA / 3F AAS: AX +/- 106h when the low digit overflowed (SDM Vol. 2 AAA, AAS). */
static void ascii_adjust(struct cpu *c, bool sub)
{
    u16 ax = (u16)c->r[RAX];
    bool adj = (ax & 0xf) > 9 || af(c);
    if (adj) ax = sub ? (u16)(ax - 0x106) : (u16)(ax + 0x106);
    ax &= 0xff0f;
    reg_set(c, RAX, 2, ax);
    flags_res(c, 1, ax & 0xff, adj ? FL_CF | FL_AF : 0);
}
static void op_aaa(struct cpu *c, const struct insn *i) { ascii_adjust(c, false); }
static void op_aas(struct cpu *c, const struct insn *i) { ascii_adjust(c, true); }

/* D4 ib AAM: AH = AL / imm, AL = AL % imm; #DE when imm is 0 (SDM Vol. 2 AAM). */
static void op_aam(struct cpu *c, const struct insn *i)
{
    u8 base = (u8)i->imm, a = al(c);
    if (base == 0) cpu_raise(c, EXC_DE, NO_ERRCODE);
    u8 q = a / base, r = a % base;
    reg_set(c, RAX, 2, (u16)q << 8 | r);
    flags_res(c, 1, r, 0);
}

/* D5 ib AAD: AL = AL + AH * imm, AH = 0 (SDM Vol. 2 AAD). */
static void op_aad(struct cpu *c, const struct insn *i)
{
    u8 r = (u8)(al(c) + ah(c) * (u8)i->imm);
    reg_set(c, RAX, 2, r);
    flags_res(c, 1, r, 0);
}

const struct opdef bcd_ops[] = {
    {MAP_1B, 0x27, -1, OPF_INV64, op_daa},
    {MAP_1B, 0x2f, -1, OPF_INV64, op_das},
    {MAP_1B, 0x37, -1, OPF_INV64, op_aaa},
    {MAP_1B, 0x3f, -1, OPF_INV64, op_aas},
    {MAP_1B, 0xd4, -1, OPF_INV64, op_aam, IMM_UB},
    {MAP_1B, 0xd5, -1, OPF_INV64, op_aad, IMM_UB},
    {.fn = NULL},
};
