/* Near control transfers and software interrupts: JMP, Jcc, JrCXZ, LOOPcc, CALL, RET,
 * INT3, INT n, INTO, INT1 (SDM Vol. 2, each instruction). Far transfers are in far.c. */
#include "descriptor.h"
#include "flags.h"
#include "insn.h"

/* Validate a near-branch target and return it (SDM Vol. 2 JMP "near"): 64-bit mode needs a
 * canonical address; elsewhere the target is truncated to the operand size and must lie
 * within the CS limit. #GP(0) otherwise, before any state changes. */
static u64 near_target(struct cpu *c, u64 target, unsigned osz)
{
    if (c->mode == MODE_LONG) {
        if (!cpu_is_canonical(c, target)) cpu_gp(c, 0);
        return target;
    }
    target &= size_mask(osz);
    if (target > c->seg[SEG_CS].limit) cpu_gp(c, 0);
    return target;
}

/* In 64-bit mode near CALL/JMP through r/m always use 64 bits: Intel ignores 66 here
 * (SDM Vol. 2 CALL, "64-bit mode"). The decoder gives FF the ordinary default, so force it. */
static unsigned near_size(const struct cpu *c, const struct insn *i)
{
    return c->mode == MODE_LONG ? 8 : i->opsz;
}

static void op_jmp_rel(struct cpu *c, const struct insn *i)
{
    c->next_rip = near_target(c, c->next_rip + i->imm, i->opsz);
}

/* Jcc does not end its block: a block runs on past a branch not taken, and one taken
 * ends the block there (stop_block = BLOCK_STOP_BRANCH), so the executor continues at the
 * target, or runs the block again at once when the target is its start (loop_again). */
static void op_jcc(struct cpu *c, const struct insn *i)
{
    if (cpu_cond(c, i->op & 0xf)) {
        c->next_rip = near_target(c, c->next_rip + i->imm, i->opsz);
        c->stop_block = BLOCK_STOP_BRANCH;
    }
}

/* E3: JCXZ/JECXZ/JRCXZ test the count register of the address size. */
static void op_jrcxz(struct cpu *c, const struct insn *i)
{
    if (reg_get(c, RCX, i->adsz) == 0) c->next_rip = near_target(c, c->next_rip + i->imm, i->opsz);
}

/* E0-E2: LOOPNE, LOOPE, LOOP. The count is written only once the branch is known valid. */
static void op_loop(struct cpu *c, const struct insn *i)
{
    u64 count = (reg_get(c, RCX, i->adsz) - 1) & size_mask(i->adsz);
    bool zf = (cpu_get_rflags(c) & FL_ZF) != 0;
    bool take = count != 0;
    if (i->op == 0xe0) take = take && !zf;
    else if (i->op == 0xe1) take = take && zf;
    u64 target = take ? near_target(c, c->next_rip + i->imm, i->opsz) : c->next_rip;
    reg_set(c, RCX, i->adsz, count);
    c->next_rip = target;
}

static void op_call_rel(struct cpu *c, const struct insn *i)
{
    u64 target = near_target(c, c->next_rip + i->imm, i->opsz);
    stack_push(c, i->opsz, c->next_rip);
    c->next_rip = target;
}

static void op_call_rm(struct cpu *c, const struct insn *i)
{
    unsigned osz = near_size(c, i);
    u64 target = near_target(c, rm_read(c, i, osz), osz);
    stack_push(c, osz, c->next_rip);
    c->next_rip = target;
}

static void op_jmp_rm(struct cpu *c, const struct insn *i)
{
    unsigned osz = near_size(c, i);
    c->next_rip = near_target(c, rm_read(c, i, osz), osz);
}

/* C3 / C2 iw: the return address is checked before rSP moves. */
static void op_ret(struct cpu *c, const struct insn *i)
{
    struct stk s;
    stk_current(c, &s, 0);
    u64 target = near_target(c, stk_pop(c, &s, i->opsz), i->opsz);
    if (i->op == 0xc2) {
        u64 mask = size_mask(s.width);
        s.sp = (s.sp & ~mask) | ((s.sp + (i->imm & 0xffff)) & mask);
    }
    stk_commit_sp(c, &s);
    c->next_rip = target;
}

/* Software interrupts. intr_deliver applies the gate-DPL check and, in v86 mode, the IOPL
 * and CR4.VME redirection rules of INT n (SDM Vol. 3 20.3.3). */
static void op_int3(struct cpu *c, const struct insn *i)
{
    (void)i;
    intr_deliver(c, EXC_BP, EV_SWEXC, NO_ERRCODE);
}

static void op_int(struct cpu *c, const struct insn *i)
{
    intr_deliver(c, (int)(i->imm & 0xff), EV_SWINT, NO_ERRCODE);
}

static void op_into(struct cpu *c, const struct insn *i)
{
    (void)i;
    if (cpu_get_rflags(c) & FL_OF) intr_deliver(c, EXC_OF, EV_SWEXC, NO_ERRCODE);
}

/* F1: INT1/ICEBP raises #DB without the gate-DPL check (SDM Vol. 3 6.12.1). */
static void op_int1(struct cpu *c, const struct insn *i)
{
    (void)i;
    intr_deliver(c, EXC_DB, EV_PRIV_SWEXC, NO_ERRCODE);
}

/* --- Specialized forms for 64-bit mode (branch_specialize) ---------------------------
 * Blocks are keyed by decode mode, so these only run in 64-bit mode: the target check is
 * the canonical one, and the stack is SS:RSP with 8-byte slots (the shared seg_check fast
 * path raises #SS(0) for a non-canonical RSP, as stk_push does). Near RET/CALL with a 66
 * prefix stay generic. */
static u64 target64(struct cpu *c, u64 t)
{
    if (!canonical48(t) && !cpu_is_canonical(c, t)) cpu_gp(c, 0);
    return t;
}
/* next_rip = t after the check; the common case needs no stack frame. */
static __attribute__((noinline)) void jump64_slow(struct cpu *c, u64 t)
{
    c->next_rip = target64(c, t);
}
static inline void jump64(struct cpu *c, u64 t)
{
    if (likely(canonical48(t))) c->next_rip = t;
    else jump64_slow(c, t);
}

/* Jcc with the condition and the mode fixed, plain and threaded (insn.h). Threaded, it is
 * as lazy as a register-only record: not taken, it changes nothing; taken forward to an
 * instruction of the same block (fwd), it goes on there at once, so the if-skips of
 * compiled code cost no trip through the executor; only a branch out of the block brings
 * RIP and the count up to date (JCC_OUT), before the target's check may fault. */
#define JCC_OUT(n, jump)                                                                  \
    static __attribute__((noinline)) void n(struct cpu *c, const struct insn *i)          \
    {                                                                                     \
        thread_sync(c, i);                                                                \
        jump(c, c->next_rip + i->imm);                                                    \
        c->rip = c->next_rip;                                                             \
        c->icount++;                                                                      \
        /* To its own block's start: run_block loops (loop_again). */                     \
        if (c->rip != c->block_rip) thread_chain_out(c);                                  \
    }
static inline __attribute__((always_inline)) void jcc_thread(struct cpu *c, const struct insn *i, bool taken,
                                                             void (*out)(struct cpu *, const struct insn *))
{
    if (!taken) {
        thread_next_reg(c, i);
        return;
    }
    if (i->fwd) {
        thread_jump(c, i, i + i->fwd);
        return;
    }
    out(c, i);
}
#define JCC_FORMS(n, cc, jump, out)                                                       \
    static void n##_fn(struct cpu *c, const struct insn *i)                               \
    {                                                                                     \
        if (flags_cond(c, cc)) {                                                          \
            jump(c, c->next_rip + i->imm);                                                \
            c->stop_block = BLOCK_STOP_BRANCH;                                            \
        }                                                                                 \
    }                                                                                     \
    static void n##_tfn(struct cpu *c, const struct insn *i) { jcc_thread(c, i, flags_cond(c, cc), out); } \
    static const struct fast_handler n[1] = {{n##_fn, n##_tfn, NULL, FK_STOP | FK_BRANCH, NULL}};
/* The same for 64-bit code, from the record alone: RIP and the count go straight to the
 * target's, and only a target that is not canonical for 48 bits takes the way above
 * (jcc64_out_far: #GP, or a 5-level address). */
JCC_OUT(jcc64_out_far, jump64)
static __attribute__((noinline)) void jcc64_out(struct cpu *c, const struct insn *i)
{
    u64 t = thread_next_rip(c, i) + i->imm;
    if (unlikely(!canonical48(t))) {
        jcc64_out_far(c, i);
        return;
    }
    c->rip = c->next_rip = t;
    c->icount = c->icount_base + i->idx + 1;
    if (t != c->block_rip) thread_chain_out(c); /* to its own start: run_block loops */
}
#define JCC64(cc) JCC_FORMS(f_jcc64_##cc, cc, jump64, jcc64_out)
JCC64(0) JCC64(1) JCC64(2) JCC64(3) JCC64(4) JCC64(5) JCC64(6) JCC64(7)
JCC64(8) JCC64(9) JCC64(10) JCC64(11) JCC64(12) JCC64(13) JCC64(14) JCC64(15)
static const struct fast_handler *const jcc64[16] = {
    f_jcc64_0, f_jcc64_1, f_jcc64_2, f_jcc64_3, f_jcc64_4, f_jcc64_5, f_jcc64_6, f_jcc64_7,
    f_jcc64_8, f_jcc64_9, f_jcc64_10, f_jcc64_11, f_jcc64_12, f_jcc64_13, f_jcc64_14, f_jcc64_15,
};

/* 64-bit Jcc right after a flags writer of known shape (branch_after_writer): the
 * condition folds to a compare of the operands or a test of the result. */
#define JCC_SHAPED(kind, size, cc)                                                        \
    static void jcc64_##kind##size##_##cc(struct cpu *c, const struct insn *i)            \
    {                                                                                     \
        jcc_thread(c, i, flags_cond_shape(c, cc, kind, size), jcc64_out);                 \
    }
#define JCC_SHAPED16(kind, size)                                                          \
    JCC_SHAPED(kind, size, 0) JCC_SHAPED(kind, size, 1) JCC_SHAPED(kind, size, 2)          \
    JCC_SHAPED(kind, size, 3) JCC_SHAPED(kind, size, 4) JCC_SHAPED(kind, size, 5)          \
    JCC_SHAPED(kind, size, 6) JCC_SHAPED(kind, size, 7) JCC_SHAPED(kind, size, 8)          \
    JCC_SHAPED(kind, size, 9) JCC_SHAPED(kind, size, 10) JCC_SHAPED(kind, size, 11)        \
    JCC_SHAPED(kind, size, 12) JCC_SHAPED(kind, size, 13) JCC_SHAPED(kind, size, 14)       \
    JCC_SHAPED(kind, size, 15)
#define JCC_SHAPED_ROW(kind, size)                                                        \
    {jcc64_##kind##size##_0, jcc64_##kind##size##_1, jcc64_##kind##size##_2,               \
     jcc64_##kind##size##_3, jcc64_##kind##size##_4, jcc64_##kind##size##_5,               \
     jcc64_##kind##size##_6, jcc64_##kind##size##_7, jcc64_##kind##size##_8,               \
     jcc64_##kind##size##_9, jcc64_##kind##size##_10, jcc64_##kind##size##_11,             \
     jcc64_##kind##size##_12, jcc64_##kind##size##_13, jcc64_##kind##size##_14,            \
     jcc64_##kind##size##_15}
JCC_SHAPED16(LF_CMP, 1) JCC_SHAPED16(LF_CMP, 4) JCC_SHAPED16(LF_CMP, 8)
JCC_SHAPED16(LF_LOGIC, 1) JCC_SHAPED16(LF_LOGIC, 4) JCC_SHAPED16(LF_LOGIC, 8)
/* [LF_LOGIC][size 1, 4, 8][cc] */
static const insn_fn jcc64_shaped[2][3][16] = {
    {JCC_SHAPED_ROW(LF_CMP, 1), JCC_SHAPED_ROW(LF_CMP, 4), JCC_SHAPED_ROW(LF_CMP, 8)},
    {JCC_SHAPED_ROW(LF_LOGIC, 1), JCC_SHAPED_ROW(LF_LOGIC, 4), JCC_SHAPED_ROW(LF_LOGIC, 8)},
};

insn_fn branch_after_writer(const struct insn *i, unsigned lf)
{
    unsigned cc = i->op & 15, kind = LF_SHAPE_KIND(lf), size = LF_SHAPE_SIZE(lf);
    if (i->tfn != jcc64[cc]->tfn || (kind != LF_CMP && kind != LF_LOGIC)) return NULL;
    if (size != 1 && size != 4 && size != 8) return NULL;
    return jcc64_shaped[kind == LF_LOGIC][size == 1 ? 0 : size == 4 ? 1 : 2][cc];
}

/* JMP, CALL and RET in 64-bit mode, lazy like a FAST_MEM record (insn.h): threaded, the
 * instruction's end comes from the block's start and the record (as thread_sync has it),
 * and a target that is not canonical (#GP), like a stack access the TLB's fast path
 * cannot serve, makes the record run again as its plain form, with RIP synced. */
static inline u64 next_rip_of(const struct cpu *c, const struct insn *i, bool threaded)
{
    return threaded ? thread_next_rip(c, i) : c->next_rip;
}
FAST_MEM(f_jmp64)
{
    u64 t = next_rip_of(c, i, try_) + i->imm;
    if (try_ && !canonical48(t)) return false;
    jump64(c, t);
    return true;
}

FAST_MEM(f_call64)
{
    u64 ret = next_rip_of(c, i, try_), t = ret + i->imm;
    if (try_ && !canonical48(t)) return false;
    u64 target = target64(c, t), sp = c->r[RSP] - 8;
    MEM_WRITE(SEG_SS, sp, 8, ret);
    c->r[RSP] = sp;
    c->next_rip = target;
    return true;
}

FAST_MEM(f_ret64)
{
    (void)i;
    u64 sp = c->r[RSP];
    u64 t = MEM_READ(SEG_SS, sp, 8);
    if (try_ && !canonical48(t)) return false;
    u64 target = target64(c, t);
    c->r[RSP] = sp + 8;
    c->next_rip = target;
    return true;
}

/* 32-bit code (protected or compatibility mode, operand size 32): the target wraps at
 * 4 GiB and must lie within the CS limit, as near_target checks. */
static inline void jump32(struct cpu *c, u64 t)
{
    t = (u32)t;
    if (unlikely(t > c->seg[SEG_CS].limit)) cpu_gp(c, 0);
    c->next_rip = t;
}
JCC_OUT(jcc32_out, jump32)
#define JCC32(cc) JCC_FORMS(f_jcc32_##cc, cc, jump32, jcc32_out)
JCC32(0) JCC32(1) JCC32(2) JCC32(3) JCC32(4) JCC32(5) JCC32(6) JCC32(7)
JCC32(8) JCC32(9) JCC32(10) JCC32(11) JCC32(12) JCC32(13) JCC32(14) JCC32(15)
static const struct fast_handler *const jcc32[16] = {
    f_jcc32_0, f_jcc32_1, f_jcc32_2, f_jcc32_3, f_jcc32_4, f_jcc32_5, f_jcc32_6, f_jcc32_7,
    f_jcc32_8, f_jcc32_9, f_jcc32_10, f_jcc32_11, f_jcc32_12, f_jcc32_13, f_jcc32_14, f_jcc32_15,
};
FAST_HANDLER(f_jmp32)
{
    jump32(c, c->next_rip + i->imm);
}

const struct fast_handler *branch_specialize(const struct insn *i, bool long_mode)
{
    if (!long_mode) {
        if (i->opsz != 4) return NULL;
        if (i->fn == op_jcc) return jcc32[i->op & 15];
        if (i->fn == op_jmp_rel) return f_jmp32;
        return NULL;
    }
    if (i->opsz != 8) return NULL;
    if (i->fn == op_jcc) return jcc64[i->op & 15];
    if (i->fn == op_jmp_rel) return f_jmp64;
    if (i->fn == op_call_rel) return f_call64;
    if (i->fn == op_ret && i->op == 0xc3) return f_ret64;
    return NULL;
}

/* Near branches take a 64-bit operand size in 64-bit mode whatever 66 says (Intel, f64). */
#define E OPF_ENDBLOCK
#define F64 OPF_FORCE64
#define JCC(op)                                                                           \
    {MAP_1B, op, -1, F64, op_jcc, IMM_B},                                                  \
    {MAP_0F, 0x80 + (op - 0x70), -1, F64, op_jcc, IMM_Z}
const struct opdef branch_ops[] = {
    JCC(0x70), JCC(0x71), JCC(0x72), JCC(0x73), JCC(0x74), JCC(0x75), JCC(0x76), JCC(0x77),
    JCC(0x78), JCC(0x79), JCC(0x7a), JCC(0x7b), JCC(0x7c), JCC(0x7d), JCC(0x7e), JCC(0x7f),
    {MAP_1B, 0xc2, -1, E | F64, op_ret, IMM_W},
    {MAP_1B, 0xc3, -1, E | F64, op_ret},
    {MAP_1B, 0xcc, -1, E, op_int3},
    {MAP_1B, 0xcd, -1, E, op_int, IMM_UB},
    {MAP_1B, 0xce, -1, E | OPF_INV64, op_into},
    {MAP_1B, 0xe0, -1, E | F64, op_loop, IMM_B},
    {MAP_1B, 0xe1, -1, E | F64, op_loop, IMM_B},
    {MAP_1B, 0xe2, -1, E | F64, op_loop, IMM_B},
    {MAP_1B, 0xe3, -1, E | F64, op_jrcxz, IMM_B},
    {MAP_1B, 0xe8, -1, E | F64, op_call_rel, IMM_Z},
    {MAP_1B, 0xe9, -1, E | F64, op_jmp_rel, IMM_Z},
    {MAP_1B, 0xeb, -1, E | F64, op_jmp_rel, IMM_B},
    {MAP_1B, 0xf1, -1, E, op_int1},
    {MAP_1B, 0xff, 2, OPF_MODRM | E | F64, op_call_rm},
    {MAP_1B, 0xff, 4, OPF_MODRM | E | F64, op_jmp_rm},
    {.fn = NULL},
};
#undef E
#undef F64
