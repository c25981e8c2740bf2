/* Data movement without arithmetic: MOV (88-8B, A0-A3, B0-BF, C6/C7), MOVZX, MOVSX,
 * MOVSXD, LEA, XCHG (with NOP and PAUSE at 90), CMOVcc, SETcc, CBW/CWDE/CDQE,
 * CWD/CDQ/CQO and XLAT. None changes flags. */
#include "flags.h"
#include "insn.h"
#include "../vmx/intercept.h"

/* 88 89 MOV r/m, reg. */
static void op_mov_rm_r(struct cpu *c, const struct insn *i)
{
    rm_write(c, i, i->opsz, r_read(c, i, i->opsz));
}

/* 8A 8B MOV reg, r/m. */
static void op_mov_r_rm(struct cpu *c, const struct insn *i)
{
    r_write(c, i, i->opsz, rm_read(c, i, i->opsz));
}

/* A0-A3 MOV with a moffs operand: the decoder made it a displacement-only memory
 * operand of the address size (SDM Vol. 2 MOV). */
static void op_mov_acc_moffs(struct cpu *c, const struct insn *i)
{
    u64 v = seg_read(c, i->seg, insn_ea(c, i), i->opsz);
    if (i->opsz == 1) reg8_set(c, RAX, false, (u8)v);
    else reg_set(c, RAX, i->opsz, v);
}
static void op_mov_moffs_acc(struct cpu *c, const struct insn *i)
{
    seg_write(c, i->seg, insn_ea(c, i), i->opsz, reg_get(c, RAX, i->opsz));
}

/* B0-B7 MOV r8, imm8 (REX selects SPL..R15B instead of AH..BH); B8-BF MOV r, imm
 * (imm64 with REX.W). */
static void op_mov_r_imm(struct cpu *c, const struct insn *i)
{
    if (i->opsz == 1) reg8_set(c, i->reg, i->rex, (u8)i->imm);
    else reg_set(c, i->reg, i->opsz, i->imm);
}

/* C6/C7 /0 MOV r/m, imm (imm32 sign-extended for 64-bit). */
static void op_mov_rm_imm(struct cpu *c, const struct insn *i)
{
    rm_write(c, i, i->opsz, i->imm);
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX: byte or word source (bit 0 of the opcode). */
static void op_movzx(struct cpu *c, const struct insn *i)
{
    unsigned src = (i->op & 1) ? 2 : 1;
    r_write(c, i, i->opsz, rm_read(c, i, src));
}
static void op_movsx(struct cpu *c, const struct insn *i)
{
    unsigned src = (i->op & 1) ? 2 : 1;
    r_write(c, i, i->opsz, (u64)sign_extend(rm_read(c, i, src), src));
}

/* 63 MOVSXD (64-bit mode only; elsewhere the opcode is ARPL, in segment.c): dword
 * source sign-extended with REX.W, otherwise an ordinary 32- or 16-bit move (SDM Vol. 2
 * MOVSX/MOVSXD). */
static void op_movsxd(struct cpu *c, const struct insn *i)
{
    unsigned src = i->opsz == 8 ? 4 : i->opsz;
    r_write(c, i, i->opsz, (u64)sign_extend(rm_read(c, i, src), src));
}

/* 8D LEA: the offset only, truncated to the operand size; a register operand is #UD
 * (SDM Vol. 2 LEA). */
static void op_lea(struct cpu *c, const struct insn *i)
{
    if (i->mod == 3) cpu_ud(c);
    reg_set(c, i->reg, i->opsz, insn_ea(c, i));
}

/* 86 87 XCHG r/m, reg. */
static void op_xchg_rm_r(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    u64 a = rm_read(c, i, size), b = r_read(c, i, size);
    rm_write(c, i, size, b); /* memory first: a fault leaves the register intact */
    r_write(c, i, size, a);
}

/* 90-97 XCHG rAX, r. 90 without REX.B is NOP whatever the operand size (so EAX is not
 * zero-extended in 64-bit mode), and F3 90 is PAUSE, a NOP here: there is no other
 * logical processor on this core to yield to (SDM Vol. 2 NOP, PAUSE, XCHG). */
static void op_xchg_acc(struct cpu *c, const struct insn *i)
{
    if (i->reg == RAX) {
        if (i->rep == 0xf3 && c->vmx_nonroot) vmx_intercept_pause(c, i); /* PAUSE exiting */
        return;
    }
    unsigned size = i->opsz;
    u64 a = reg_get(c, RAX, size), b = reg_get(c, i->reg, size);
    reg_set(c, RAX, size, b);
    reg_set(c, i->reg, size, a);
}

/* 0F 40-4F CMOVcc: the source is read (and may fault) even when the condition is false,
 * and a 32-bit destination is zero-extended either way (SDM Vol. 2 CMOVcc). */
static void op_cmov(struct cpu *c, const struct insn *i)
{
    u64 v = rm_read(c, i, i->opsz);
    if (cpu_cond(c, i->op & 15)) r_write(c, i, i->opsz, v);
    else if (i->opsz == 4) c->r[i->reg] &= 0xffffffffull;
}

/* 0F 90-9F SETcc r/m8. */
static void op_setcc(struct cpu *c, const struct insn *i)
{
    rm_write(c, i, 1, cpu_cond(c, i->op & 15));
}

/* 98 CBW/CWDE/CDQE: sign-extend the lower half of the accumulator into all of it. */
static void op_cbw(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    reg_set(c, RAX, size, (u64)sign_extend(reg_get(c, RAX, size / 2), size / 2));
}

/* 99 CWD/CDQ/CQO: rDX = copies of rAX's sign bit. */
static void op_cwd(struct cpu *c, const struct insn *i)
{
    unsigned size = i->opsz;
    reg_set(c, RDX, size, sign_extend(reg_get(c, RAX, size), size) < 0 ? ~0ull : 0);
}

/* D7 XLAT: AL = [seg:rBX + zero-extended AL], address-size wrap (SDM Vol. 2 XLAT). */
static void op_xlat(struct cpu *c, const struct insn *i)
{
    u64 off = (c->r[RBX] + (c->r[RAX] & 0xff)) & size_mask(i->adsz);
    reg8_set(c, RAX, false, (u8)seg_read(c, i->seg, off, 1));
}

/* --- Specialized forms (move_specialize) -------------------------------------------
 * MOV, MOVZX/MOVSX/MOVSXD and LEA with the operand size (4 or 8) and the operand kind fixed
 * at decode time; byte loads and stores too. Same behaviour as the generic handlers. */
#define MOV_FAST(size)                                                                    \
    FAST_REG(f_mov_rr##size) /* 89 r/m, r */      \
    {                                                                                     \
        reg_set48(c, i->rm, size, c->r[i->reg]);                                          \
    }                                                                                     \
    FAST_REG(f_mov_rr_r##size) /* 8B r, r/m */    \
    {                                                                                     \
        reg_set48(c, i->reg, size, c->r[i->rm]);                                          \
    }                                                                                     \
    FAST_MEM(f_mov_store##size)                                                       \
    {                                                                                     \
        MEM_WRITE(i->seg, insn_ea(c, i), size, c->r[i->reg]);                         \
        return true;                                                                  \
    }                                                                                     \
    FAST_MEM(f_mov_load##size)                                                        \
    {                                                                                     \
        reg_set48(c, i->reg, size, MEM_READ(i->seg, insn_ea(c, i), size));            \
        return true;                                                                  \
    }                                                                                     \
    FAST_REG(f_mov_ri##size) /* B8+r */            \
    {                                                                                     \
        reg_set48(c, i->reg, size, i->imm);                                               \
    }                                                                                     \
    FAST_REG(f_mov_rmi##size) /* C7 /0 reg */     \
    {                                                                                     \
        reg_set48(c, i->rm, size, i->imm);                                                \
    }                                                                                     \
    FAST_MEM(f_mov_mi##size) /* C7 /0 mem */                                          \
    {                                                                                     \
        MEM_WRITE(i->seg, insn_ea(c, i), size, i->imm);                               \
        return true;                                                                  \
    }                                                                                     \
    FAST_REG(f_lea##size)                         \
    {                                                                                     \
        reg_set48(c, i->reg, size, insn_ea(c, i));                                        \
    }                                                                                     \
    FAST_HANDLER(f_lea_rip##size) /* RIP-relative: reads next_rip, so not FAST_REG */     \
    {                                                                                     \
        reg_set48(c, i->reg, size, insn_ea(c, i));                                        \
    }                                                                                     \
    FAST_REG(f_movzxb_r##size)                    \
    {                                                                                     \
        c->r[i->reg] = reg8_get(c, i->rm, i->rex);                                        \
    }                                                                                     \
    FAST_MEM(f_movzxb_m##size)                                                        \
    {                                                                                     \
        c->r[i->reg] = MEM_READ(i->seg, insn_ea(c, i), 1);                            \
        return true;                                                                  \
    }                                                                                     \
    FAST_REG(f_movzxw_r##size)                    \
    {                                                                                     \
        c->r[i->reg] = (u16)c->r[i->rm];                                                  \
    }                                                                                     \
    FAST_MEM(f_movzxw_m##size)                                                        \
    {                                                                                     \
        c->r[i->reg] = MEM_READ(i->seg, insn_ea(c, i), 2);                            \
        return true;                                                                  \
    }                                                                                     \
    FAST_REG(f_movsxb_r##size)                    \
    {                                                                                     \
        reg_set48(c, i->reg, size, (u64)(s64)(s8)reg8_get(c, i->rm, i->rex));             \
    }                                                                                     \
    FAST_MEM(f_movsxb_m##size)                                                        \
    {                                                                                     \
        reg_set48(c, i->reg, size, (u64)(s64)(s8)MEM_READ(i->seg, insn_ea(c, i), 1)); \
        return true;                                                                  \
    }                                                                                     \
    FAST_REG(f_movsxw_r##size)                    \
    {                                                                                     \
        reg_set48(c, i->reg, size, (u64)(s64)(s16)c->r[i->rm]);                           \
    }                                                                                     \
    FAST_MEM(f_movsxw_m##size)                                                        \
    {                                                                                     \
        reg_set48(c, i->reg, size, (u64)(s64)(s16)MEM_READ(i->seg, insn_ea(c, i), 2)); \
        return true;                                                                  \
    }
MOV_FAST(4)
MOV_FAST(8)

FAST_REG(f_movsxd_r) { c->r[i->reg] = (u64)(s64)(s32)c->r[i->rm]; }
FAST_MEM(f_movsxd_m)
{
    c->r[i->reg] = (u64)(s64)(s32)MEM_READ(i->seg, insn_ea(c, i), 4);
    return true;
}
FAST_MEM(f_mov_store1)
{
    MEM_WRITE(i->seg, insn_ea(c, i), 1, reg8_get(c, i->reg, i->rex));
    return true;
}
FAST_MEM(f_mov_load1)
{
    reg8_set(c, i->reg, i->rex, (u8)MEM_READ(i->seg, insn_ea(c, i), 1));
    return true;
}

FAST_MEM(f_mov_mi1)
{
    MEM_WRITE(i->seg, insn_ea(c, i), 1, i->imm);
    return true;
}

/* CMOVcc and SETcc with the condition fixed, so flags_cond folds to the one test it needs;
 * CMOVcc also with the operand size (4 or 8). As op_cmov: the source is read first, and a
 * 32-bit destination is zero-extended whether or not the condition holds. */
static inline void cmov_fast(struct cpu *c, const struct insn *i, unsigned size, unsigned cc, u64 v)
{
    if (flags_cond(c, cc)) reg_set48(c, i->reg, size, v);
    else if (size == 4) c->r[i->reg] &= 0xffffffffull;
}
#define CC_FAST(cc)                                                                       \
    FAST_REG_READ(f_cmov_r4_##cc) { cmov_fast(c, i, 4, cc, c->r[i->rm]); }           \
    FAST_REG_READ(f_cmov_r8_##cc) { cmov_fast(c, i, 8, cc, c->r[i->rm]); }           \
    FAST_MEM(f_cmov_m4_##cc) { cmov_fast(c, i, 4, cc, MEM_READ(i->seg, insn_ea(c, i), 4)); return true; } \
    FAST_MEM(f_cmov_m8_##cc) { cmov_fast(c, i, 8, cc, MEM_READ(i->seg, insn_ea(c, i), 8)); return true; } \
    FAST_REG_READ(f_setcc_r_##cc) { reg8_set(c, i->rm, i->rex, flags_cond(c, cc)); }  \
    FAST_MEM(f_setcc_m_##cc) { MEM_WRITE(i->seg, insn_ea(c, i), 1, flags_cond(c, cc)); return true; }
CC_FAST(0) CC_FAST(1) CC_FAST(2) CC_FAST(3) CC_FAST(4) CC_FAST(5) CC_FAST(6) CC_FAST(7)
CC_FAST(8) CC_FAST(9) CC_FAST(10) CC_FAST(11) CC_FAST(12) CC_FAST(13) CC_FAST(14) CC_FAST(15)
#define CC_ROW(name) {                                                                   \
    name##0, name##1, name##2, name##3, name##4, name##5, name##6, name##7,               \
    name##8, name##9, name##10, name##11, name##12, name##13, name##14, name##15}
/* [memory][size == 8][cc] and [memory][cc]. */
static const struct fast_handler *const cmov_fast_forms[2][2][16] = {
    {CC_ROW(f_cmov_r4_), CC_ROW(f_cmov_r8_)}, {CC_ROW(f_cmov_m4_), CC_ROW(f_cmov_m8_)},
};
static const struct fast_handler *const setcc_fast_forms[2][16] = {CC_ROW(f_setcc_r_), CC_ROW(f_setcc_m_)};

#define PICK(name) (s8 ? name##8 : name##4)
const struct fast_handler *move_specialize(const struct insn *i, bool long_mode)
{
    (void)long_mode;
    bool mem = i->mod != 3;
    if (i->fn == op_setcc) return setcc_fast_forms[mem][i->op & 15];
    /* 90 is NOP (op_xchg_acc); not F3 90, PAUSE, which may exit to a VMM */
    if (i->fn == op_xchg_acc && i->reg == RAX && i->rep != 0xf3) return fast_nop;
    if (i->opsz == 1) {
        if (i->fn == op_mov_rm_r && mem) return f_mov_store1;
        if (i->fn == op_mov_r_rm && mem) return f_mov_load1;
        if (i->fn == op_mov_rm_imm && mem) return f_mov_mi1;
        return NULL;
    }
    if (i->opsz != 4 && i->opsz != 8) return NULL;
    bool s8 = i->opsz == 8;
    if (i->fn == op_mov_rm_r) return mem ? PICK(f_mov_store) : PICK(f_mov_rr);
    if (i->fn == op_mov_r_rm) return mem ? PICK(f_mov_load) : PICK(f_mov_rr_r);
    if (i->fn == op_mov_r_imm) return PICK(f_mov_ri);
    if (i->fn == op_mov_rm_imm) return mem ? PICK(f_mov_mi) : PICK(f_mov_rmi);
    if (i->fn == op_lea && mem) return i->rip_rel ? PICK(f_lea_rip) : PICK(f_lea);
    if (i->fn == op_movzx && i->op == 0xb6) return mem ? PICK(f_movzxb_m) : PICK(f_movzxb_r);
    if (i->fn == op_movzx && i->op == 0xb7) return mem ? PICK(f_movzxw_m) : PICK(f_movzxw_r);
    if (i->fn == op_movsx && i->op == 0xbe) return mem ? PICK(f_movsxb_m) : PICK(f_movsxb_r);
    if (i->fn == op_movsx && i->op == 0xbf) return mem ? PICK(f_movsxw_m) : PICK(f_movsxw_r);
    if (i->fn == op_movsxd && s8) return mem ? f_movsxd_m : f_movsxd_r;
    if (i->fn == op_cmov) return cmov_fast_forms[mem][s8][i->op & 15];
    return NULL;
}
#undef PICK

/* Eight consecutive opcodes with one handler and one set of attributes. */
#define ROW8(map, op, flags, fn, imm)                                                     \
    {map, (op), -1, flags, fn, imm}, {map, (op) + 1, -1, flags, fn, imm},                 \
    {map, (op) + 2, -1, flags, fn, imm}, {map, (op) + 3, -1, flags, fn, imm},             \
    {map, (op) + 4, -1, flags, fn, imm}, {map, (op) + 5, -1, flags, fn, imm},             \
    {map, (op) + 6, -1, flags, fn, imm}, {map, (op) + 7, -1, flags, fn, imm}
#define M OPF_MODRM
#define B OPF_BYTE

const struct opdef move_ops[] = {
    {MAP_1B, 0x88, -1, M | B, op_mov_rm_r}, {MAP_1B, 0x89, -1, M, op_mov_rm_r},
    {MAP_1B, 0x8a, -1, M | B, op_mov_r_rm}, {MAP_1B, 0x8b, -1, M, op_mov_r_rm},
    {MAP_1B, 0xa0, -1, B, op_mov_acc_moffs, IMM_MOFFS},
    {MAP_1B, 0xa1, -1, 0, op_mov_acc_moffs, IMM_MOFFS},
    {MAP_1B, 0xa2, -1, B, op_mov_moffs_acc, IMM_MOFFS},
    {MAP_1B, 0xa3, -1, 0, op_mov_moffs_acc, IMM_MOFFS},
    ROW8(MAP_1B, 0xb0, B, op_mov_r_imm, IMM_B), ROW8(MAP_1B, 0xb8, 0, op_mov_r_imm, IMM_V),
    {MAP_1B, 0xc6, 0, M | B, op_mov_rm_imm, IMM_B}, {MAP_1B, 0xc7, 0, M, op_mov_rm_imm, IMM_Z},
    {MAP_0F, 0xb6, -1, M, op_movzx}, {MAP_0F, 0xb7, -1, M, op_movzx},
    {MAP_0F, 0xbe, -1, M, op_movsx}, {MAP_0F, 0xbf, -1, M, op_movsx},
    {MAP_1B, 0x63, -1, M | OPF_ONLY64, op_movsxd},
    {MAP_1B, 0x8d, -1, M, op_lea},
    {MAP_1B, 0x86, -1, M | B | OPF_LOCK, op_xchg_rm_r},
    {MAP_1B, 0x87, -1, M | OPF_LOCK, op_xchg_rm_r},
    ROW8(MAP_1B, 0x90, 0, op_xchg_acc, IMM_NONE),
    ROW8(MAP_0F, 0x40, M, op_cmov, IMM_NONE), ROW8(MAP_0F, 0x48, M, op_cmov, IMM_NONE),
    ROW8(MAP_0F, 0x90, M | B, op_setcc, IMM_NONE), ROW8(MAP_0F, 0x98, M | B, op_setcc, IMM_NONE),
    {MAP_1B, 0x98, -1, 0, op_cbw}, {MAP_1B, 0x99, -1, 0, op_cwd},
    {MAP_1B, 0xd7, -1, 0, op_xlat},
    {.fn = NULL},
};
#undef M
#undef B
