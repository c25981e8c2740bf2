/* Multiply and divide: MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV.
 * Flags the SDM leaves undefined after a multiply (SF ZF AF PF) are computed from the
 * low half of the product with AF clear; DIV/IDIV leave all flags unchanged. */
#include "flags.h"
#include "insn.h"

/* Full product of two `size`-byte values as a 128-bit number. */
static inline u128 umul(u64 a, u64 b) { return (u128)a * b; }
static inline s128 smul(s64 a, s64 b) { return (s128)a * b; }

/* Store a double-width result in AX (byte) or rDX:rAX. */
static void put_acc_pair(struct cpu *c, unsigned size, u64 lo, u64 hi)
{
    if (size == 1) {
        reg_set(c, RAX, 2, (lo & 0xff) | (hi & 0xff) << 8);
    } else {
        reg_set(c, RAX, size, lo);
        reg_set(c, RDX, size, hi);
    }
}

/* F6/F7 /4 MUL: CF = OF = upper half nonzero (SDM Vol. 2 MUL). */
static void op_mul(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz, bits = size * 8;
    u128 p = umul(reg_get(c, RAX, size), rm_read(c, i, size));
    u64 lo = (u64)p & size_mask(size), hi = (u64)(p >> bits) & size_mask(size);
    put_acc_pair(c, size, lo, hi);
    flags_res(c, size, lo, hi ? FL_CF | FL_OF : 0);
}

/* Signed product of two values and whether it fits the destination size: CF = OF =
 * "significant bits lost" (SDM Vol. 2 IMUL). */
static inline u64 imul_fits(unsigned size, s64 a, s64 b, u64 *hi, bool *lost)
{
    s128 p = smul(a, b);
    u64 lo = (u64)p & size_mask(size);
    *hi = (u64)(p >> (size * 8)) & size_mask(size);
    *lost = p != (s128)sign_extend(lo, size);
    return lo;
}

/* F6/F7 /5 IMUL r/m: double-width result in AX or rDX:rAX. */
static void op_imul1(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    u64 hi;
    bool lost;
    u64 lo = imul_fits(size, sign_extend(reg_get(c, RAX, size), size),
                       sign_extend(rm_read(c, i, size), size), &hi, &lost);
    put_acc_pair(c, size, lo, hi);
    flags_res(c, size, lo, lost ? FL_CF | FL_OF : 0);
}

/* 0F AF IMUL reg, r/m; 69 / 6B IMUL reg, r/m, imm: truncated to the operand size. */
static void imul_to_reg(struct cpu *c, const struct insn *i, u64 b)
{
    unsigned size = i->opsz;
    u64 hi;
    bool lost;
    u64 lo = imul_fits(size, sign_extend(rm_read(c, i, size), size), sign_extend(b, size),
                       &hi, &lost);
    r_write(c, i, size, lo);
    flags_res(c, size, lo, lost ? FL_CF | FL_OF : 0);
}
static void op_imul2(struct cpu *c, const struct insn *i) { imul_to_reg(c, i, r_read(c, i, i->opsz)); }
static void op_imul3(struct cpu *c, const struct insn *i) { imul_to_reg(c, i, i->imm); }

/* F6/F7 /6 DIV: #DE for a zero divisor or a quotient too wide for the destination
 * (SDM Vol. 2 DIV). Nothing is written before the checks. */
static void op_div(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz, bits = size * 8;
    u64 d = rm_read(c, i, size);
    if (d == 0) cpu_raise(c, EXC_DE, NO_ERRCODE);
    u128 n = size == 1 ? reg_get(c, RAX, 2)
                       : (u128)reg_get(c, RDX, size) << bits | reg_get(c, RAX, size);
    u128 q = n / d;
    if (q > size_mask(size)) cpu_raise(c, EXC_DE, NO_ERRCODE);
    put_acc_pair(c, size, (u64)q, (u64)(n % d));
}

/* F6/F7 /7 IDIV: quotient truncated toward zero, remainder with the dividend's sign;
 * #DE if the quotient is outside the signed range, including MIN / -1 (SDM Vol. 2 IDIV). */
static void op_idiv(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz, bits = size * 8;
    s64 d = sign_extend(rm_read(c, i, size), size);
    if (d == 0) cpu_raise(c, EXC_DE, NO_ERRCODE);
    /* Dividend: AX, DX:AX, EDX:EAX or RDX:RAX as a signed number of twice the size. */
    u128 raw = size == 1 ? reg_get(c, RAX, 2)
                         : (u128)reg_get(c, RDX, size) << bits | reg_get(c, RAX, size);
    s128 n = size == 8 ? (s128)raw : (s128)sign_extend((u64)raw, size * 2);
    /* The one quotient s128 division cannot represent; it is out of range anyway. */
    if (d == -1 && raw == (u128)1 << 127) cpu_raise(c, EXC_DE, NO_ERRCODE);
    s128 q = n / d, r = n % d;
    s128 lim = (s128)1 << (bits - 1);
    if (q >= lim || q < -lim) cpu_raise(c, EXC_DE, NO_ERRCODE);
    put_acc_pair(c, size, (u64)q & size_mask(size), (u64)r & size_mask(size));
}

/* --- Specialized forms (muldiv_specialize): two- and three-operand IMUL at 32 and 64
 * bits, same behaviour as imul_to_reg. */
static inline void imul_fast(struct cpu *c, const struct insn *i, unsigned size, u64 a, u64 b, bool wf)
{
    u64 lo;
    bool lost;
    if (size == 8) {
        s64 p;
        lost = __builtin_mul_overflow((s64)a, (s64)b, &p);
        lo = (u64)p;
    } else {
        s64 p = (s64)(s32)a * (s32)b;
        lo = (u32)p;
        lost = p != (s32)p;
    }
    c->r[i->reg] = lo;
    if (wf) flags_res(c, size, lo, lost ? FL_CF | FL_OF : 0);
}
#define IMUL_FAST(size)                                                                   \
    FAST_REG_FLAGS(f_imul2_r##size, FK_W)                                                 \
    {                                                                                     \
        imul_fast(c, i, size, c->r[i->reg], c->r[i->rm], wf);                             \
    }                                                                                     \
    FAST_MEM(f_imul2_m##size)                                                         \
    {                                                                                     \
        imul_fast(c, i, size, c->r[i->reg], MEM_READ(i->seg, insn_ea(c, i), size), true); \
        return true;                                                                  \
    }                                                                                     \
    FAST_REG_FLAGS(f_imul3_r##size, FK_W)                                                 \
    {                                                                                     \
        imul_fast(c, i, size, c->r[i->rm], i->imm, wf);                                   \
    }                                                                                     \
    FAST_MEM(f_imul3_m##size)                                                         \
    {                                                                                     \
        imul_fast(c, i, size, MEM_READ(i->seg, insn_ea(c, i), size), i->imm, true);   \
        return true;                                                                  \
    }
IMUL_FAST(4)
IMUL_FAST(8)

/* F7 /4 MUL r/m at 32 and 64 bits, as op_mul: rDX:rAX = rAX * r/m. */
static inline void mul_fast(struct cpu *c, unsigned size, u64 b, bool wf)
{
    u64 lo, hi;
    if (size == 8) {
        u128 p = umul(c->r[RAX], b);
        lo = (u64)p, hi = (u64)(p >> 64);
    } else {
        u64 p = (u64)(u32)c->r[RAX] * (u32)b;
        lo = (u32)p, hi = p >> 32;
    }
    c->r[RAX] = lo;
    c->r[RDX] = hi;
    if (wf) flags_res(c, size, lo, hi ? FL_CF | FL_OF : 0);
}
#define MUL_FAST(size)                                                                    \
    FAST_REG_FLAGS(f_mul_r##size, FK_W) { mul_fast(c, size, c->r[i->rm], wf); }            \
    FAST_MEM(f_mul_m##size)                                                               \
    {                                                                                     \
        mul_fast(c, size, MEM_READ(i->seg, insn_ea(c, i), size), true);                  \
        return true;                                                                      \
    }
MUL_FAST(4)
MUL_FAST(8)

const struct fast_handler *muldiv_specialize(const struct insn *i, bool long_mode)
{
    (void)long_mode;
    if (i->opsz != 4 && i->opsz != 8) return NULL;
    bool s8 = i->opsz == 8, mem = i->mod != 3;
    if (i->fn == op_imul2) return mem ? (s8 ? f_imul2_m8 : f_imul2_m4) : (s8 ? f_imul2_r8 : f_imul2_r4);
    if (i->fn == op_imul3) return mem ? (s8 ? f_imul3_m8 : f_imul3_m4) : (s8 ? f_imul3_r8 : f_imul3_r4);
    if (i->fn == op_mul) return mem ? (s8 ? f_mul_m8 : f_mul_m4) : (s8 ? f_mul_r8 : f_mul_r4);
    return NULL;
}

const struct opdef muldiv_ops[] = {
    {MAP_1B, 0xf6, 4, OPF_MODRM | OPF_BYTE, op_mul}, {MAP_1B, 0xf7, 4, OPF_MODRM, op_mul},
    {MAP_1B, 0xf6, 5, OPF_MODRM | OPF_BYTE, op_imul1}, {MAP_1B, 0xf7, 5, OPF_MODRM, op_imul1},
    {MAP_1B, 0xf6, 6, OPF_MODRM | OPF_BYTE, op_div}, {MAP_1B, 0xf7, 6, OPF_MODRM, op_div},
    {MAP_1B, 0xf6, 7, OPF_MODRM | OPF_BYTE, op_idiv}, {MAP_1B, 0xf7, 7, OPF_MODRM, op_idiv},
    {MAP_0F, 0xaf, -1, OPF_MODRM, op_imul2},
    {MAP_1B, 0x69, -1, OPF_MODRM, op_imul3, IMM_Z},
    {MAP_1B, 0x6b, -1, OPF_MODRM, op_imul3, IMM_B},
    {.fn = NULL},
};
