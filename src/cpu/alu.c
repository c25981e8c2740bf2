/* Two-operand integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP in every
 * encoding, TEST, NOT, NEG, INC, DEC, and the compare-and-exchange family XADD, CMPXCHG,
 * CMPXCHG8B/16B. LOCK is accepted and ignored: one processor runs at a time, so every
 * read-modify-write here is already atomic with respect to the others. */
#include "flags.h"
#include "insn.h"

/* The eight group-1 operations, numbered as the opcode's bits 5:3 and ModRM.reg of 80-83
 * (SDM Vol. 2 Table A-6). */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

static inline __attribute__((always_inline)) u64 alu_result(struct cpu *c, unsigned op, u64 a, u64 b)
{
    switch (op) {
    case ALU_ADD: return a + b;
    case ALU_OR: return a | b;
    case ALU_ADC: return a + b + flags_cf(c); /* SDM Vol. 2 ADC */
    case ALU_SBB: return a - b - flags_cf(c); /* SDM Vol. 2 SBB */
    case ALU_AND: return a & b;
    case ALU_XOR: return a ^ b;
    default: return a - b; /* SUB, CMP */
    }
}

/* Flags after the operation. Called once the destination is written, so a fault on the
 * write leaves the flags untouched. ADC/SBB need no carry in: flags.h recovers it. */
static inline void alu_flags(struct cpu *c, unsigned op, unsigned size, u64 r, u64 a, u64 b)
{
    static const u8 kind[8] = {LF_ADD, LF_LOGIC, LF_ADD, LF_SUB, LF_LOGIC, LF_SUB, LF_LOGIC, LF_SUB};
    flags_set(c, kind[op], size, r, a, b);
}

/* Destination r/m, source b. */
static inline void alu_rm(struct cpu *c, const struct insn *i, unsigned op, u64 b)
{
    unsigned size = i->opsz;
    u64 a = rm_read(c, i, size);
    u64 r = alu_result(c, op, a, b);
    if (op != ALU_CMP) rm_write(c, i, size, r);
    alu_flags(c, op, size, r, a, b);
}

/* 00 08 10 18 20 28 30 38 and the +1 forms: op r/m, reg. */
static void op_alu_rm_r(struct cpu *c, const struct insn *i)
{
    alu_rm(c, i, i->op >> 3, r_read(c, i, i->opsz));
}

/* 02 03 0A 0B ...: op reg, r/m. */
static void op_alu_r_rm(struct cpu *c, const struct insn *i)
{
    unsigned op = i->op >> 3, size = i->opsz;
    u64 a = r_read(c, i, size), b = rm_read(c, i, size);
    u64 r = alu_result(c, op, a, b);
    if (op != ALU_CMP) r_write(c, i, size, r);
    alu_flags(c, op, size, r, a, b);
}

/* 04 05 0C 0D ...: op AL/eAX/rAX, imm (imm32 sign-extended for 64-bit). */
static void op_alu_acc_imm(struct cpu *c, const struct insn *i)
{
    unsigned op = i->op >> 3, size = i->opsz;
    u64 a = reg_get(c, RAX, size), b = i->imm;
    u64 r = alu_result(c, op, a, b);
    if (op != ALU_CMP) reg_set(c, RAX, size, r);
    alu_flags(c, op, size, r, a, b);
}

/* 80 81 82 83: group 1, op r/m, imm (83 sign-extends imm8; the decoder did it). */
static void op_alu_grp1(struct cpu *c, const struct insn *i)
{
    alu_rm(c, i, (i->modrm >> 3) & 7, i->imm);
}

/* 84 85 TEST r/m, reg; A8 A9 TEST acc, imm; F6/F7 /0 /1 TEST r/m, imm (SDM Vol. 2 TEST;
 * /1 is an undocumented alias Intel processors execute as TEST). */
static void op_test_rm_r(struct cpu *c, const struct insn *i)
{
    flags_logic(c, i->opsz, rm_read(c, i, i->opsz) & r_read(c, i, i->opsz));
}
static void op_test_acc_imm(struct cpu *c, const struct insn *i)
{
    flags_logic(c, i->opsz, reg_get(c, RAX, i->opsz) & i->imm);
}
static void op_test_rm_imm(struct cpu *c, const struct insn *i)
{
    flags_logic(c, i->opsz, rm_read(c, i, i->opsz) & i->imm);
}

/* F6/F7 /2 NOT: no flags (SDM Vol. 2 NOT). */
static void op_not(struct cpu *c, const struct insn *i)
{
    rm_write(c, i, i->opsz, ~rm_read(c, i, i->opsz));
}

/* F6/F7 /3 NEG: 0 - x, so CF = (x != 0) falls out of the subtraction (SDM Vol. 2 NEG). */
static void op_neg(struct cpu *c, const struct insn *i)
{
    u64 a = rm_read(c, i, i->opsz), r = 0 - a;
    rm_write(c, i, i->opsz, r);
    flags_set(c, LF_SUB, i->opsz, r, 0, a);
}

/* FE/FF /0 /1 INC, DEC r/m: CF unchanged (SDM Vol. 2 INC, DEC). */
static void op_incdec_rm(struct cpu *c, const struct insn *i)
{
    bool dec = (i->modrm >> 3) & 1;
    u64 a = rm_read(c, i, i->opsz), r = dec ? a - 1 : a + 1;
    rm_write(c, i, i->opsz, r);
    flags_incdec(c, dec ? LF_DEC : LF_INC, i->opsz, r, a);
}

/* 40-47 INC r, 48-4F DEC r: outside 64-bit mode only (there they are REX prefixes, which
 * the decoder consumes before reaching the opcode map). */
static void op_incdec_r(struct cpu *c, const struct insn *i)
{
    bool dec = i->op & 8;
    u64 a = reg_get(c, i->reg, i->opsz), r = dec ? a - 1 : a + 1;
    reg_set(c, i->reg, i->opsz, r);
    flags_incdec(c, dec ? LF_DEC : LF_INC, i->opsz, r, a);
}

/* 0F C0/C1 XADD r/m, reg: TEMP = src + dest; src = dest; dest = TEMP (SDM Vol. 2 XADD).
 * When both are the same register the sum wins, as the SDM's order of writes gives. */
static void op_xadd(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    u64 d = rm_read(c, i, size), s = r_read(c, i, size), r = d + s;
    if (i->mod != 3) {
        rm_write(c, i, size, r);
        r_write(c, i, size, d);
    } else {
        r_write(c, i, size, d);
        rm_write(c, i, size, r);
    }
    flags_set(c, LF_ADD, size, r, d, s);
}

/* 0F B0/B1 CMPXCHG r/m, reg: compare the accumulator with the destination (SDM Vol. 2
 * CMPXCHG). A memory destination is written either way (TEMP back on mismatch: "the
 * processor never produces a locked read without also producing a locked write"), so a
 * read-only page faults either way. A register destination is left untouched on
 * mismatch, not even zero-extended, as processors do; the accumulator is written (and a
 * 32-bit one zero-extended) only on mismatch. */
static void op_cmpxchg(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    u64 acc = reg_get(c, RAX, size), d = rm_read(c, i, size);
    bool eq = acc == d;
    if (eq) rm_write(c, i, size, r_read(c, i, size));
    else if (i->mod != 3) rm_write(c, i, size, d);
    if (!eq) reg_set(c, RAX, size, d);
    flags_set(c, LF_SUB, size, acc - d, acc, d);
}

/* 0F C7 /1 CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W): EDX:EAX (RDX:RAX) against memory;
 * equal stores ECX:EBX (RCX:RBX) and sets ZF, else loads memory into EDX:EAX. Memory is
 * written either way. Only ZF changes (SDM Vol. 2 CMPXCHG8B/CMPXCHG16B). */
static void op_cmpxchg8b(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3) cpu_ud(c);
    u64 ea = insn_ea(c, i);
    bool eq;
    if (i->rex & 8) {
        /* 16-byte aligned, so both halves share a page: the second write cannot fault
         * once the first succeeded, and memory never ends up half written. */
        if (ea & 15) cpu_gp(c, 0);
        u64 ea2 = (ea + 8) & size_mask(i->adsz);
        u64 lo = seg_read(c, i->seg, ea, 8), hi = seg_read(c, i->seg, ea2, 8);
        eq = lo == c->r[RAX] && hi == c->r[RDX];
        seg_write(c, i->seg, ea, 8, eq ? c->r[RBX] : lo);
        seg_write(c, i->seg, ea2, 8, eq ? c->r[RCX] : hi);
        if (!eq) {
            c->r[RAX] = lo;
            c->r[RDX] = hi;
        }
    } else {
        u64 m = seg_read(c, i->seg, ea, 8);
        u64 edx_eax = (u64)(u32)c->r[RDX] << 32 | (u32)c->r[RAX];
        eq = m == edx_eax;
        seg_write(c, i->seg, ea, 8, eq ? (u64)(u32)c->r[RCX] << 32 | (u32)c->r[RBX] : m);
        if (!eq) {
            reg_set(c, RAX, 4, (u32)m);
            reg_set(c, RDX, 4, m >> 32);
        }
    }
    flags_write(c, FL_ZF, eq ? FL_ZF : 0);
}

/* --- Specialized forms -------------------------------------------------------------
 *
 * The hottest encodings with the operation, the operand size (4 or 8) and the operand kind
 * fixed at decode time (alu_specialize), so each compiles to straight-line code. They do
 * exactly what the generic handlers above do. Word forms stay generic, as do ADC and SBB
 * on bytes. */

static inline __attribute__((always_inline)) u64 fast_result(struct cpu *c, unsigned op, u64 a, u64 b)
{
    switch (op) {
    case ALU_ADD: return a + b;
    case ALU_OR: return a | b;
    case ALU_ADC: return a + b + flags_cf(c);
    case ALU_SBB: return a - b - flags_cf(c);
    case ALU_AND: return a & b;
    case ALU_XOR: return a ^ b;
    default: return a - b; /* SUB, CMP */
    }
}
/* SUB and CMP record LF_CMP, whose conditions compare the operands (flags_cond); ADC and
 * SBB the plain kinds, from which flags.h recovers the carry in (as alu_flags). */
static inline __attribute__((always_inline)) void fast_flags(struct cpu *c, unsigned op, unsigned size, u64 r, u64 a, u64 b)
{
    if (op == ALU_OR || op == ALU_AND || op == ALU_XOR) flags_logic(c, size, r);
    else if (op == ALU_ADD || op == ALU_ADC) flags_set(c, LF_ADD, size, r, a, b);
    else if (op == ALU_SBB) flags_set(c, LF_SUB, size, r, a, b);
    else flags_set(c, LF_CMP, size, r, a, b);
}

/* Register destination `d`, value a op b; the flags when wf (insn.h: dead flags). */
static inline __attribute__((always_inline)) void fast_alu_reg(struct cpu *c, unsigned op, unsigned size, unsigned d, u64 a, u64 b,
                                                               bool wf)
{
    u64 r = fast_result(c, op, a, b);
    if (op != ALU_CMP) reg_set48(c, d, size, r);
    if (wf) fast_flags(c, op, size, r, a, b);
}
/* ADC and SBB read CF; all eight write the six flags. */
#define ALU_FK(op) ((op) == ALU_ADC || (op) == ALU_SBB ? FK_R | FK_W : FK_W)
/* The shape of the lazy flags they leave (fast_flags), for a Jcc right after (insn.h). */
#define ALU_LF(op, size)                                                                  \
    ((op) == ALU_CMP || (op) == ALU_SUB                       ? LF_SHAPE(LF_CMP, size)     \
     : (op) == ALU_AND || (op) == ALU_OR || (op) == ALU_XOR ? LF_SHAPE(LF_LOGIC, size)   \
                                                              : 0)
/* Memory destination: read, operate, write back (not for CMP), then the flags. A FAST_MEM
 * body's part: false, with nothing changed, when try_ and the TLB's fast path misses. */
static inline __attribute__((always_inline)) bool fast_alu_mem(struct cpu *c, const struct insn *i, unsigned op, unsigned size, u64 b,
                                                               bool try_)
{
    u64 ea = insn_ea(c, i);
    u64 a = MEM_READ(i->seg, ea, size);
    u64 r = fast_result(c, op, a, b);
    if (op != ALU_CMP) MEM_WRITE(i->seg, ea, size, r);
    fast_flags(c, op, size, r, a, b);
    return true;
}

#define ALU_FAST(name, op, size)                                                          \
    FAST_REG_FLAGS_LF(name##_rr_rm##size, ALU_FK(op), ALU_LF(op, size)) /* op r/m, r */                       \
    {                                                                                     \
        fast_alu_reg(c, op, size, i->rm, reg_get48(c, i->rm, size), reg_get48(c, i->reg, size), wf); \
    }                                                                                     \
    FAST_REG_FLAGS_LF(name##_rr_r##size, ALU_FK(op), ALU_LF(op, size)) /* op r, r/m */                         \
    {                                                                                     \
        fast_alu_reg(c, op, size, i->reg, reg_get48(c, i->reg, size), reg_get48(c, i->rm, size), wf); \
    }                                                                                     \
    FAST_MEM_LF(name##_mr##size, ALU_LF(op, size)) /* op m, r */                                           \
    {                                                                                     \
        return fast_alu_mem(c, i, op, size, reg_get48(c, i->reg, size), try_);        \
    }                                                                                     \
    FAST_MEM_LF(name##_rm##size, ALU_LF(op, size)) /* op r, m */                                           \
    {                                                                                     \
        u64 b = MEM_READ(i->seg, insn_ea(c, i), size);                                \
        fast_alu_reg(c, op, size, i->reg, reg_get48(c, i->reg, size), b, true);            \
        return true;                                                                  \
    }                                                                                     \
    FAST_REG_FLAGS_LF(name##_ri##size, ALU_FK(op), ALU_LF(op, size)) /* op r, imm */                           \
    {                                                                                     \
        fast_alu_reg(c, op, size, i->rm, reg_get48(c, i->rm, size), size == 4 ? (u32)i->imm : i->imm, wf); \
    }                                                                                     \
    FAST_MEM_LF(name##_mi##size, ALU_LF(op, size)) /* op m, imm */                                         \
    {                                                                                     \
        return fast_alu_mem(c, i, op, size, size == 4 ? (u32)i->imm : i->imm, try_);  \
    }

#define ALU_FAST_OP(name, op) ALU_FAST(name, op, 4) ALU_FAST(name, op, 8)
ALU_FAST_OP(f_add, ALU_ADD)
ALU_FAST_OP(f_or, ALU_OR)
ALU_FAST_OP(f_adc, ALU_ADC)
ALU_FAST_OP(f_sbb, ALU_SBB)
ALU_FAST_OP(f_and, ALU_AND)
ALU_FAST_OP(f_sub, ALU_SUB)
ALU_FAST_OP(f_xor, ALU_XOR)
ALU_FAST_OP(f_cmp, ALU_CMP)

/* [form][op][size == 8]. */
enum { F_RR_RM, F_RR_R, F_MR, F_RM, F_RI, F_MI, F_FORMS };
#define ALU_FAST_ROW(form) {                                                              \
    {f_add_##form##4, f_add_##form##8}, {f_or_##form##4, f_or_##form##8},                 \
    {f_adc_##form##4, f_adc_##form##8}, {f_sbb_##form##4, f_sbb_##form##8},               \
    {f_and_##form##4, f_and_##form##8}, {f_sub_##form##4, f_sub_##form##8},               \
    {f_xor_##form##4, f_xor_##form##8}, {f_cmp_##form##4, f_cmp_##form##8}}
static const struct fast_handler *const alu_fast[F_FORMS][8][2] = {
    ALU_FAST_ROW(rr_rm), ALU_FAST_ROW(rr_r), ALU_FAST_ROW(mr),
    ALU_FAST_ROW(rm), ALU_FAST_ROW(ri), ALU_FAST_ROW(mi),
};

FAST_REG_FLAGS_LF(f_test_rr4, FK_W, LF_SHAPE(LF_LOGIC, 4)) { if (wf) flags_logic(c, 4, (u32)(c->r[i->rm] & c->r[i->reg])); }
FAST_REG_FLAGS_LF(f_test_rr8, FK_W, LF_SHAPE(LF_LOGIC, 8)) { if (wf) flags_logic(c, 8, c->r[i->rm] & c->r[i->reg]); }
FAST_MEM_LF(f_test_mr4, LF_SHAPE(LF_LOGIC, 4))
{
    flags_logic(c, 4, MEM_READ(i->seg, insn_ea(c, i), 4) & (u32)c->r[i->reg]);
    return true;
}
FAST_MEM_LF(f_test_mr8, LF_SHAPE(LF_LOGIC, 8))
{
    flags_logic(c, 8, MEM_READ(i->seg, insn_ea(c, i), 8) & c->r[i->reg]);
    return true;
}
FAST_REG_FLAGS_LF(f_test_ri4, FK_W, LF_SHAPE(LF_LOGIC, 4)) { if (wf) flags_logic(c, 4, (u32)(c->r[i->rm] & i->imm)); }
FAST_REG_FLAGS_LF(f_test_ri8, FK_W, LF_SHAPE(LF_LOGIC, 8)) { if (wf) flags_logic(c, 8, c->r[i->rm] & i->imm); }

/* INC/DEC keep CF: flags_incdec saves it first. */
#define INCDEC_FAST(name, dec, size)                                                      \
    FAST_REG(name##_r##size)                      \
    {                                                                                     \
        u64 a = reg_get48(c, i->rm, size), r = dec ? a - 1 : a + 1;                        \
        reg_set48(c, i->rm, size, r);                                                      \
        flags_incdec(c, dec ? LF_DEC : LF_INC, size, r, a);                               \
    }                                                                                     \
    FAST_MEM(name##_m##size)                                                          \
    {                                                                                     \
        u64 ea = insn_ea(c, i), a = MEM_READ(i->seg, ea, size), r = dec ? a - 1 : a + 1; \
        MEM_WRITE(i->seg, ea, size, r);                                               \
        flags_incdec(c, dec ? LF_DEC : LF_INC, size, r, a);                               \
        return true;                                                                  \
    }
/* F7 /2 NOT and /3 NEG of a register, as op_not and op_neg. */
#define NOTNEG_FAST(size)                                                                 \
    FAST_REG(f_not_r##size) { reg_set48(c, i->rm, size, ~reg_get48(c, i->rm, size)); }    \
    FAST_REG_FLAGS(f_neg_r##size, FK_W)                                                   \
    {                                                                                     \
        u64 a = reg_get48(c, i->rm, size), r = 0 - a;                                     \
        reg_set48(c, i->rm, size, r);                                                     \
        if (wf) flags_set(c, LF_SUB, size, r, 0, a);                                      \
    }
NOTNEG_FAST(4)
NOTNEG_FAST(8)

/* 83 /7, 81 /7 CMP m16, imm: a kernel loop compares 16-bit fields this way. */
FAST_MEM(f_cmp_mi2)
{
    return fast_alu_mem(c, i, ALU_CMP, 2, (u16)i->imm, try_);
}

INCDEC_FAST(f_inc, 0, 4)
INCDEC_FAST(f_inc, 0, 8)
INCDEC_FAST(f_dec, 1, 4)
INCDEC_FAST(f_dec, 1, 8)

/* Byte forms with a memory operand (flag arrays, strings): the register side goes through
 * the AH..BH rules of reg8_get/reg8_set. */
#define ALU_FAST8(name, op)                                                               \
    FAST_MEM_LF(name##_mr1, ALU_LF(op, 1)) /* op m8, r8 */                                              \
    {                                                                                     \
        return fast_alu_mem(c, i, op, 1, reg8_get(c, i->reg, i->rex), try_);          \
    }                                                                                     \
    FAST_MEM_LF(name##_rm1, ALU_LF(op, 1)) /* op r8, m8 */                                              \
    {                                                                                     \
        u64 a = reg8_get(c, i->reg, i->rex), b = MEM_READ(i->seg, insn_ea(c, i), 1);  \
        u64 r = fast_result(c, op, a, b);                                                    \
        if (op != ALU_CMP) reg8_set(c, i->reg, i->rex, (u8)r);                            \
        fast_flags(c, op, 1, r, a, b);                                                    \
        return true;                                                                  \
    }                                                                                     \
    FAST_MEM_LF(name##_mi1, ALU_LF(op, 1)) /* op m8, imm8 */                                            \
    {                                                                                     \
        return fast_alu_mem(c, i, op, 1, (u8)i->imm, try_);                           \
    }                                                                                     \
    FAST_REG_FLAGS_LF(name##_rr_rm1, FK_W, ALU_LF(op, 1)) /* op r/m8, r8 with a register r/m */             \
    {                                                                                     \
        fast_alu_reg8(c, i, op, i->rm, reg8_get(c, i->reg, i->rex), wf);                  \
    }                                                                                     \
    FAST_REG_FLAGS_LF(name##_rr_r1, FK_W, ALU_LF(op, 1)) /* op r8, r/m8 with a register r/m */              \
    {                                                                                     \
        fast_alu_reg8(c, i, op, i->reg, reg8_get(c, i->rm, i->rex), wf);                  \
    }                                                                                     \
    FAST_REG_FLAGS_LF(name##_ri1, FK_W, ALU_LF(op, 1)) /* op r8, imm8 */                                    \
    {                                                                                     \
        fast_alu_reg8(c, i, op, i->rm, (u8)i->imm, wf);                                   \
    }
/* Byte register destination d (AH..BH rules), value d op b. */
static inline __attribute__((always_inline)) void fast_alu_reg8(struct cpu *c, const struct insn *i, unsigned op, unsigned d, u64 b,
                                                                bool wf)
{
    u64 a = reg8_get(c, d, i->rex), r = fast_result(c, op, a, b);
    if (op != ALU_CMP) reg8_set(c, d, i->rex, (u8)r);
    if (wf) fast_flags(c, op, 1, r, a, b);
}
ALU_FAST8(f_add, ALU_ADD)
ALU_FAST8(f_or, ALU_OR)
ALU_FAST8(f_and, ALU_AND)
ALU_FAST8(f_sub, ALU_SUB)
ALU_FAST8(f_xor, ALU_XOR)
ALU_FAST8(f_cmp, ALU_CMP)
#define ALU_FAST8_ROW(form) {                                                             \
    f_add_##form##1, f_or_##form##1, NULL, NULL, f_and_##form##1, f_sub_##form##1,        \
    f_xor_##form##1, f_cmp_##form##1}
static const struct fast_handler *const alu_fast8[6][8] = {
    ALU_FAST8_ROW(mr), ALU_FAST8_ROW(rm), ALU_FAST8_ROW(mi),
    ALU_FAST8_ROW(rr_rm), ALU_FAST8_ROW(rr_r), ALU_FAST8_ROW(ri),
};

FAST_MEM_LF(f_test_mi1, LF_SHAPE(LF_LOGIC, 1))
{
    flags_logic(c, 1, MEM_READ(i->seg, insn_ea(c, i), 1) & i->imm);
    return true;
}
FAST_MEM_LF(f_test_mr1, LF_SHAPE(LF_LOGIC, 1)) { flags_logic(c, 1, MEM_READ(i->seg, insn_ea(c, i), 1) & reg8_get(c, i->reg, i->rex)); return true; }
FAST_REG_FLAGS_LF(f_test_rr1, FK_W, LF_SHAPE(LF_LOGIC, 1)) { if (wf) flags_logic(c, 1, reg8_get(c, i->rm, i->rex) & reg8_get(c, i->reg, i->rex)); }
FAST_REG_FLAGS_LF(f_test_ri1, FK_W, LF_SHAPE(LF_LOGIC, 1)) { if (wf) flags_logic(c, 1, reg8_get(c, i->rm, i->rex) & i->imm); }

const struct fast_handler *alu_specialize(const struct insn *i, bool long_mode)
{
    (void)long_mode;
    if (i->opsz == 1) {
        unsigned reg = i->mod == 3 ? 3 : 0; /* register forms: rows 3-5 */
        if (i->fn == op_alu_rm_r) return alu_fast8[reg][i->op >> 3];
        if (i->fn == op_alu_r_rm) return alu_fast8[reg + 1][i->op >> 3];
        if (i->fn == op_alu_grp1) return alu_fast8[reg + 2][(i->modrm >> 3) & 7];
        if (i->fn == op_test_rm_imm) return i->mod == 3 ? f_test_ri1 : f_test_mi1;
        if (i->fn == op_test_rm_r) return i->mod == 3 ? f_test_rr1 : f_test_mr1;
        if (i->fn == op_alu_acc_imm && i->rm == RAX) return alu_fast8[5][i->op >> 3]; /* AL */
        if (i->fn == op_test_acc_imm && i->rm == RAX) return f_test_ri1;
        return NULL;
    }
    unsigned s8 = i->opsz == 8, reg3 = (i->modrm >> 3) & 7;
    bool mem = i->mod != 3;
    if (i->opsz == 2) return i->fn == op_alu_grp1 && mem && reg3 == ALU_CMP ? f_cmp_mi2 : NULL;
    if (i->opsz != 4 && i->opsz != 8) return NULL;
    if (i->fn == op_not && !mem) return s8 ? f_not_r8 : f_not_r4;
    if (i->fn == op_neg && !mem) return s8 ? f_neg_r8 : f_neg_r4;
    if (i->fn == op_alu_rm_r) return alu_fast[mem ? F_MR : F_RR_RM][i->op >> 3][s8];
    if (i->fn == op_alu_r_rm) return alu_fast[mem ? F_RM : F_RR_R][i->op >> 3][s8];
    if (i->fn == op_alu_grp1) return alu_fast[mem ? F_MI : F_RI][reg3][s8];
    if (i->fn == op_alu_acc_imm && i->rm == RAX) return alu_fast[F_RI][i->op >> 3][s8];
    if (i->fn == op_test_rm_r) return mem ? (s8 ? f_test_mr8 : f_test_mr4) : (s8 ? f_test_rr8 : f_test_rr4);
    if (i->fn == op_test_rm_imm && !mem) return s8 ? f_test_ri8 : f_test_ri4;
    if (i->fn == op_test_acc_imm && i->rm == RAX) return s8 ? f_test_ri8 : f_test_ri4;
    if (i->fn == op_incdec_rm) {
        if (reg3 == 0) return mem ? (s8 ? f_inc_m8 : f_inc_m4) : (s8 ? f_inc_r8 : f_inc_r4);
        return mem ? (s8 ? f_dec_m8 : f_dec_m4) : (s8 ? f_dec_r8 : f_dec_r4);
    }
    return NULL;
}

#define M OPF_MODRM
#define B OPF_BYTE
#define L OPF_LOCK
/* ADD OR ADC SBB AND SUB XOR CMP: r/m,r  r,r/m  AL/rAX,imm; LOCK with an r/m destination,
 * except for CMP, which writes nothing (`lock` is L or 0). */
#define ALU_ROW(base, lock)                                                           \
    {MAP_1B, (base) + 0, -1, M | B | (lock), op_alu_rm_r},                            \
    {MAP_1B, (base) + 1, -1, M | (lock), op_alu_rm_r},                                \
    {MAP_1B, (base) + 2, -1, M | B, op_alu_r_rm},                                     \
    {MAP_1B, (base) + 3, -1, M, op_alu_r_rm},                                         \
    {MAP_1B, (base) + 4, -1, B, op_alu_acc_imm, IMM_B},                               \
    {MAP_1B, (base) + 5, -1, 0, op_alu_acc_imm, IMM_Z}
/* Group 1 (80-83): /0-/6 take LOCK, /7 (CMP) does not. */
#define GRP1_SLOT(op, r, flags, imm) {MAP_1B, op, r, flags, op_alu_grp1, imm}
#define GRP1(op, flags, imm)                                                                \
    GRP1_SLOT(op, 0, (flags) | L, imm), GRP1_SLOT(op, 1, (flags) | L, imm),                 \
    GRP1_SLOT(op, 2, (flags) | L, imm), GRP1_SLOT(op, 3, (flags) | L, imm),                 \
    GRP1_SLOT(op, 4, (flags) | L, imm), GRP1_SLOT(op, 5, (flags) | L, imm),                 \
    GRP1_SLOT(op, 6, (flags) | L, imm), GRP1_SLOT(op, 7, (flags), imm)

#define INCDEC_R(op) {MAP_1B, (op), -1, OPF_INV64, op_incdec_r}

const struct opdef alu_ops[] = {
    ALU_ROW(0x00, L), ALU_ROW(0x08, L), ALU_ROW(0x10, L), ALU_ROW(0x18, L),
    ALU_ROW(0x20, L), ALU_ROW(0x28, L), ALU_ROW(0x30, L), ALU_ROW(0x38, 0),
    GRP1(0x80, M | B, IMM_B), GRP1(0x81, M, IMM_Z), GRP1(0x82, M | B | OPF_INV64, IMM_B),
    GRP1(0x83, M, IMM_B),
    {MAP_1B, 0x84, -1, M | B, op_test_rm_r},
    {MAP_1B, 0x85, -1, M, op_test_rm_r},
    {MAP_1B, 0xa8, -1, B, op_test_acc_imm, IMM_B},
    {MAP_1B, 0xa9, -1, 0, op_test_acc_imm, IMM_Z},
    {MAP_1B, 0xf6, 0, M | B, op_test_rm_imm, IMM_B},
    {MAP_1B, 0xf6, 1, M | B, op_test_rm_imm, IMM_B},
    {MAP_1B, 0xf7, 0, M, op_test_rm_imm, IMM_Z},
    {MAP_1B, 0xf7, 1, M, op_test_rm_imm, IMM_Z},
    {MAP_1B, 0xf6, 2, M | B | L, op_not}, {MAP_1B, 0xf7, 2, M | L, op_not},
    {MAP_1B, 0xf6, 3, M | B | L, op_neg}, {MAP_1B, 0xf7, 3, M | L, op_neg},
    {MAP_1B, 0xfe, 0, M | B | L, op_incdec_rm}, {MAP_1B, 0xfe, 1, M | B | L, op_incdec_rm},
    {MAP_1B, 0xff, 0, M | L, op_incdec_rm}, {MAP_1B, 0xff, 1, M | L, op_incdec_rm},
    INCDEC_R(0x40), INCDEC_R(0x41), INCDEC_R(0x42), INCDEC_R(0x43),
    INCDEC_R(0x44), INCDEC_R(0x45), INCDEC_R(0x46), INCDEC_R(0x47),
    INCDEC_R(0x48), INCDEC_R(0x49), INCDEC_R(0x4a), INCDEC_R(0x4b),
    INCDEC_R(0x4c), INCDEC_R(0x4d), INCDEC_R(0x4e), INCDEC_R(0x4f),
    {MAP_0F, 0xc0, -1, M | B | L, op_xadd},
    {MAP_0F, 0xc1, -1, M | L, op_xadd},
    {MAP_0F, 0xb0, -1, M | B | L, op_cmpxchg},
    {MAP_0F, 0xb1, -1, M | L, op_cmpxchg},
    {MAP_0F, 0xc7, 1, M | L, op_cmpxchg8b},
    {.fn = NULL},
};
#undef M
#undef B
#undef L
