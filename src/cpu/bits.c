/* Bit operations: BT BTS BTR BTC, BSF BSR and their F3 forms TZCNT LZCNT, POPCNT, BSWAP,
 * and MOVBE (whose opcodes 0F38 F0/F1 with an F2 prefix are CRC32, also here). */
#include "flags.h"
#include "cpumodel.h"
#include "insn.h"

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static inline u64 bt_apply(unsigned kind, u64 v, u64 bit)
{
    switch (kind) {
    case BT_SET: return v | bit;
    case BT_RESET: return v & ~bit;
    case BT_COMPLEMENT: return v ^ bit;
    default: return v;
    }
}

/* Only CF is defined; OF SF AF PF are undefined and left as they were, ZF is unchanged
 * (SDM Vol. 2 BT). */
static void bt_common(struct cpu *c, const struct insn *i, unsigned kind, u64 offset, bool reg_offset)
{
    unsigned size = i->opsz, bits = size * 8;
    u64 bit = 1ull << (offset & (bits - 1));
    u64 v, cf;
    if (i->mod == 3) {
        v = rm_read(c, i, size);
        cf = (v & bit) != 0;
        if (kind != BT_TEST) rm_write(c, i, size, bt_apply(kind, v, bit));
    } else {
        u64 ea = insn_ea(c, i);
        if (reg_offset) {
            /* A register offset is signed and may select any bit in memory around the
             * operand: ea + size * floor(offset / bits) (SDM Vol. 2 BT, Figure 3-2). */
            s64 off = sign_extend(offset, size);
            ea = (ea + (u64)((off >> __builtin_ctz(bits)) * (s64)size)) & size_mask(i->adsz);
        }
        v = seg_read(c, i->seg, ea, size);
        cf = (v & bit) != 0;
        if (kind != BT_TEST) seg_write(c, i->seg, ea, size, bt_apply(kind, v, bit));
    }
    flags_write(c, FL_CF, cf ? FL_CF : 0);
}

/* 0F A3 BT, AB BTS, B3 BTR, BB BTC r/m, reg: the kind is in opcode bits 4:3. */
static void op_bt_r(struct cpu *c, const struct insn *i)
{
    bt_common(c, i, (i->op >> 3) & 3, r_read(c, i, i->opsz), true);
}

/* 0F BA /4-/7 BT BTS BTR BTC r/m, imm8: the offset is taken modulo the operand width. */
static void op_bt_imm(struct cpu *c, const struct insn *i)
{
    bt_common(c, i, (i->modrm >> 3) & 3, i->imm, false);
}

/* F3 0F BC: TZCNT (BMI1), F3 0F BD: LZCNT (ABM). Without the feature their rows give way
 * to BSF / BSR, the prefix being ignored (SDM Vol. 2 TZCNT, LZCNT). */
static void op_tzcnt_lzcnt(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz, bits = size * 8;
    u64 v = rm_read(c, i, size);
    bool reverse = i->op == 0xbd;
    u64 n = v == 0    ? bits
            : reverse ? (unsigned)__builtin_clzll(v) - (64 - bits)
                      : (unsigned)__builtin_ctzll(v);
    r_write(c, i, size, n);
    flags_write(c, FL_CF | FL_ZF, (v == 0 ? FL_CF : 0) | (n == 0 ? FL_ZF : 0));
}

/* 0F BC: BSF. 0F BD: BSR. With a zero source they set ZF and leave the destination
 * undefined (SDM Vol. 2 BSF, BSR): Intel processors rewrite it with its old value, so a
 * 32-bit destination loses its upper half (AMD leaves it whole). Their other flags are
 * undefined and kept. */
static void op_bsf_bsr(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    u64 v = rm_read(c, i, size);
    bool reverse = i->op == 0xbd;
    if (v == 0) {
        if (size == 4) c->r[i->reg] &= 0xffffffffull;
        flags_write(c, FL_ZF, FL_ZF);
        return;
    }
    r_write(c, i, size, reverse ? 63 - (unsigned)__builtin_clzll(v) : (unsigned)__builtin_ctzll(v));
    flags_write(c, FL_ZF, 0);
}

/* F3 0F B8 POPCNT: every arithmetic flag cleared except ZF = (source == 0) (SDM Vol. 2
 * POPCNT). Without F3 the opcode is JMPE, which this processor lacks: #UD (no row). */
static void op_popcnt(struct cpu *c, const struct insn *i)
{
    u64 v = rm_read(c, i, i->opsz);
    r_write(c, i, i->opsz, (u64)__builtin_popcountll(v));
    flags_write(c, FL_ARITH, v == 0 ? FL_ZF : 0);
}

/* 0F C8+r BSWAP. With a 16-bit operand the result is undefined; Intel processors clear
 * the low word, which is kept here (SDM Vol. 2 BSWAP). */
static void op_bswap(struct cpu *c, const struct insn *i)
{
    switch (i->opsz) {
    case 8: c->r[i->reg] = __builtin_bswap64(c->r[i->reg]); break;
    case 4: c->r[i->reg] = __builtin_bswap32((u32)c->r[i->reg]); break;
    default: reg_set(c, i->reg, 2, 0); break;
    }
}

static u64 byteswap(u64 v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16((u16)v);
    case 4: return __builtin_bswap32((u32)v);
    default: return __builtin_bswap64(v);
    }
}

/* CRC32 (F2 0F38 F0/F1): the CRC-32C polynomial 11EDC6F41h, bit-reflected, over the
 * source's bytes, accumulated in the 32-bit destination (SDM Vol. 2 CRC32). */
static void op_crc32(struct cpu *c, const struct insn *i)
{
    unsigned size = i->op == 0xf0 ? 1 : i->opsz;
    u64 v = rm_read(c, i, size);
    u32 crc = (u32)c->r[i->reg];
    for (unsigned k = 0; k < size * 8; k++) {
        crc ^= (u32)(v >> k) & 1;
        crc = (crc >> 1) ^ (crc & 1 ? 0x82f63b78u : 0);
    }
    c->r[i->reg] = crc; /* 32- or 64-bit destination, zero-extended */
}

/* 0F38 F0 MOVBE reg, m; 0F38 F1 MOVBE m, reg: a register source or destination is #UD
 * (SDM Vol. 2 MOVBE; the row has MOD_MEM). */
static void op_movbe(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    if (i->op == 0xf0) r_write(c, i, size, byteswap(rm_read(c, i, size), size));
    else rm_write(c, i, size, byteswap(r_read(c, i, size), size));
}

#define BSWAP(r) {MAP_0F, 0xc8 + (r), -1, 0, op_bswap}
#define M OPF_MODRM
#define L OPF_LOCK

const struct opdef bits_ops[] = {
    {MAP_0F, 0xa3, -1, M, op_bt_r},
    {MAP_0F, 0xab, -1, M | L, op_bt_r},
    {MAP_0F, 0xb3, -1, M | L, op_bt_r},
    {MAP_0F, 0xbb, -1, M | L, op_bt_r},
    {MAP_0F, 0xba, 4, M, op_bt_imm, IMM_UB},
    {MAP_0F, 0xba, 5, M | L, op_bt_imm, IMM_UB},
    {MAP_0F, 0xba, 6, M | L, op_bt_imm, IMM_UB},
    {MAP_0F, 0xba, 7, M | L, op_bt_imm, IMM_UB},
    {MAP_0F, 0xbc, -1, M, op_bsf_bsr},
    {MAP_0F, 0xbd, -1, M, op_bsf_bsr},
    {MAP_0F, 0xbc, -1, M | OPF_FEAT_LEGACY, op_tzcnt_lzcnt, .pfx = PFX_F3,
     .feat = NEEDS(FEAT_BMI1)},
    {MAP_0F, 0xbd, -1, M | OPF_FEAT_LEGACY, op_tzcnt_lzcnt, .pfx = PFX_F3,
     .feat = NEEDS(FEAT_ABM)},
    {MAP_0F, 0xb8, -1, M, op_popcnt, .pfx = PFX_F3, .feat = NEEDS(FEAT_POPCNT)},
    BSWAP(0), BSWAP(1), BSWAP(2), BSWAP(3), BSWAP(4), BSWAP(5), BSWAP(6), BSWAP(7),
    {MAP_0F38, 0xf0, -1, M, op_movbe, .mod = MOD_MEM, .feat = NEEDS(FEAT_MOVBE)},
    {MAP_0F38, 0xf1, -1, M, op_movbe, .mod = MOD_MEM, .feat = NEEDS(FEAT_MOVBE)},
    /* CRC32 is part of SSE4.2 (its other instructions are in sse42.c). */
    {MAP_0F38, 0xf0, -1, M, op_crc32, .pfx = PFX_F2, .feat = NEEDS(FEAT_SSE42)},
    {MAP_0F38, 0xf1, -1, M, op_crc32, .pfx = PFX_F2, .feat = NEEDS(FEAT_SSE42)},
    {.fn = NULL},
};
#undef M
#undef L
