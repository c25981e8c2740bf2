/* The stack: implicit pushes and pops on SS:rSP, and the PUSH/POP family, PUSHA/POPA,
 * PUSHF/POPF, ENTER/LEAVE (SDM Vol. 1 6.2-6.5, Vol. 2 for each instruction).
 *
 * Every multi-slot instruction works on a `struct stk` copy of the stack pointer and
 * commits RSP (and any other register) only after all memory accesses succeeded, so a
 * fault leaves the architectural state as it was. */
#include "descriptor.h"
#include "insn.h"

/* Linear address of `size` bytes at offset `off` of the stack, after the #SS checks:
 * canonical form in 64-bit mode (SDM Vol. 3 6.15 #SS), the limit otherwise. */
static u64 stk_lin(struct cpu *c, const struct stk *s, u64 off, unsigned size, int acc)
{
    if (s->cur) return seg_check(c, SEG_SS, off, size, acc);
    if (s->flat64) {
        if (!cpu_is_canonical(c, off) || !cpu_is_canonical(c, off + size - 1))
            cpu_raise(c, EXC_SS, s->err);
        return off;
    }
    if (!seg_limit_ok(&s->ss, off, size)) cpu_raise(c, EXC_SS, s->err);
    return (u32)(s->ss.base + off);
}

void stk_current(struct cpu *c, struct stk *s, int err)
{
    s->ss = c->seg[SEG_SS];
    s->sp = c->r[RSP];
    s->width = c->stack_size;
    s->acc = 0;
    s->err = err;
    s->flat64 = c->mode == MODE_LONG;
    s->cur = err == 0;
}

static u64 sp_add(const struct stk *s, s64 delta)
{
    u64 mask = size_mask(s->width);
    return (s->sp & ~mask) | ((s->sp + (u64)delta) & mask);
}

void stk_push(struct cpu *c, struct stk *s, unsigned size, u64 v)
{
    u64 nsp = sp_add(s, -(s64)size);
    u64 lin = stk_lin(c, s, nsp & size_mask(s->width), size, ACC_WRITE);
    lin_write(c, lin, size, v, ACC_WRITE | s->acc);
    s->sp = nsp;
}

u64 stk_peek(struct cpu *c, struct stk *s, u64 off, unsigned size)
{
    u64 at = sp_add(s, (s64)off) & size_mask(s->width);
    return lin_read(c, stk_lin(c, s, at, size, ACC_READ), size, ACC_READ | s->acc);
}

u64 stk_pop(struct cpu *c, struct stk *s, unsigned size)
{
    u64 v = stk_peek(c, s, 0, size);
    s->sp = sp_add(s, size);
    return v;
}

void stk_commit_sp(struct cpu *c, const struct stk *s)
{
    reg_set(c, RSP, s->width, s->sp);
}

void stack_push(struct cpu *c, unsigned size, u64 v)
{
    struct stk s;
    stk_current(c, &s, 0);
    stk_push(c, &s, size, v);
    stk_commit_sp(c, &s);
}

u64 stack_pop(struct cpu *c, unsigned size)
{
    struct stk s;
    stk_current(c, &s, 0);
    u64 v = stk_pop(c, &s, size);
    stk_commit_sp(c, &s);
    return v;
}

/* --- PUSH / POP ------------------------------------------------------------------ */

/* In 64-bit mode FF /6 defaults to 64 bits (SDM Vol. 2 PUSH); the decoder gives it the
 * ordinary 32-bit default, so widen it here. */
static unsigned push_size(const struct cpu *c, const struct insn *i)
{
    return c->mode == MODE_LONG && i->opsz == 4 ? 8 : i->opsz;
}

static void op_push_r(struct cpu *c, const struct insn *i)
{
    stack_push(c, i->opsz, reg_get(c, i->reg, i->opsz));
}

static void op_pop_r(struct cpu *c, const struct insn *i)
{
    /* POP rSP: the popped value wins over the increment (SDM Vol. 2 POP). */
    u64 v = stack_pop(c, i->opsz);
    reg_set(c, i->reg, i->opsz, v);
}

static void op_push_imm(struct cpu *c, const struct insn *i)
{
    stack_push(c, i->opsz, i->imm);
}

static void op_push_rm(struct cpu *c, const struct insn *i)
{
    unsigned size = push_size(c, i);
    stack_push(c, size, rm_read(c, i, size));
}

/* 8F /0. SDM Vol. 2 POP: an rSP-based destination address is computed after the
 * increment; a faulting store leaves rSP unchanged. */
static void op_pop_rm(struct cpu *c, const struct insn *i)
{
    struct stk s;
    stk_current(c, &s, 0);
    u64 v = stk_pop(c, &s, i->opsz);
    if (i->mod == 3) {
        stk_commit_sp(c, &s);
        reg_set(c, i->rm, i->opsz, v);
        return;
    }
    u64 old = c->r[RSP];
    stk_commit_sp(c, &s);
    u64 ea = insn_ea(c, i);
    u64 after = c->r[RSP];
    c->r[RSP] = old;
    seg_write(c, i->seg, ea, i->opsz, v);
    c->r[RSP] = after;
}

/* PUSHA/PUSHAD: SDM Vol. 2 PUSHA, the original rSP is pushed. */
static void op_pusha(struct cpu *c, const struct insn *i)
{
    struct stk s;
    stk_current(c, &s, 0);
    u64 sp = c->r[RSP];
    for (int r = RAX; r <= RDI; r++) stk_push(c, &s, i->opsz, r == RSP ? sp : c->r[r]);
    stk_commit_sp(c, &s);
}

static void op_popa(struct cpu *c, const struct insn *i)
{
    struct stk s;
    u64 v[8];
    stk_current(c, &s, 0);
    for (int r = RDI; r >= RAX; r--) v[r] = stk_pop(c, &s, i->opsz);
    for (int r = RAX; r <= RDI; r++)
        if (r != RSP) reg_set(c, r, i->opsz, v[r]);
    stk_commit_sp(c, &s);
}

/* --- PUSHF / POPF ------------------------------------------------------------------ */

static unsigned iopl(const struct cpu *c) { return (unsigned)(c->rflags >> 12) & 3; }

static void op_pushf(struct cpu *c, const struct insn *i)
{
    u64 f = cpu_get_rflags(c);
    if (c->mode == MODE_V86 && iopl(c) < 3) {
        /* SDM Vol. 2 PUSHF, Vol. 3 20.3: with CR4.VME a 16-bit PUSHF shows VIF as IF and
         * IOPL as 3. */
        if (!(c->cr4 & CR4_VME) || i->opsz != 2) cpu_gp(c, 0);
        f = (f & ~(u64)(FL_IF | FL_IOPL)) | FL_IOPL | ((f & FL_VIF) ? FL_IF : 0);
    }
    /* VM and RF are never stored in the image (SDM Vol. 2 PUSHF). */
    stack_push(c, i->opsz, f & ~(u64)(FL_VM | FL_RF));
}

static void op_popf(struct cpu *c, const struct insn *i)
{
    struct stk s;
    stk_current(c, &s, 0);
    u64 v = stk_pop(c, &s, i->opsz);
    u64 old = cpu_get_rflags(c);
    u64 mask = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_AC | FL_ID | FL_IF | FL_IOPL;
    if (c->mode == MODE_V86) {
        if (iopl(c) < 3) {
            /* SDM Vol. 2 POPF, Vol. 3 20.3.1: VME lets a 16-bit POPF set VIF instead. */
            if (!(c->cr4 & CR4_VME) || i->opsz != 2) cpu_gp(c, 0);
            if ((v & FL_TF) || ((v & FL_IF) && (old & FL_VIP))) cpu_gp(c, 0);
            mask &= ~(u64)(FL_IF | FL_IOPL);
            mask &= 0xffff;
            u64 nf = (old & ~mask) | (v & mask);
            nf = (nf & ~(u64)FL_VIF) | ((v & FL_IF) ? FL_VIF : 0);
            stk_commit_sp(c, &s);
            cpu_set_rflags(c, nf);
            return;
        }
        mask &= ~(u64)FL_IOPL;
    } else {
        if (c->cpl > 0) mask &= ~(u64)FL_IOPL;
        if (c->cpl > iopl(c)) mask &= ~(u64)FL_IF;
    }
    if (i->opsz == 2) mask &= 0xffff;
    u64 nf = (old & ~mask) | (v & mask);
    if (i->opsz != 2) nf &= ~(u64)FL_RF; /* RF is cleared (SDM Vol. 2 POPF) */
    stk_commit_sp(c, &s);
    cpu_set_rflags(c, nf);
}

/* --- ENTER / LEAVE ----------------------------------------------------------------- */

/* SDM Vol. 2 ENTER, including the nesting-level copy loop. */
static void op_enter(struct cpu *c, const struct insn *i)
{
    unsigned osz = i->opsz;
    unsigned level = i->imm2 & 31;
    u64 alloc = i->imm & 0xffff;
    struct stk s;
    stk_current(c, &s, 0);
    u64 bp = c->r[RBP];
    stk_push(c, &s, osz, bp);
    u64 frame = s.sp;
    if (level > 0) {
        u64 wmask = size_mask(s.width);
        for (unsigned k = 1; k < level; k++) {
            bp = (bp & ~wmask) | ((bp - osz) & wmask);
            u64 lin = stk_lin(c, &s, bp & wmask, osz, ACC_READ);
            stk_push(c, &s, osz, lin_read(c, lin, osz, ACC_READ));
        }
        stk_push(c, &s, osz, frame);
    }
    struct stk fin = s;
    fin.sp = sp_add(&s, -(s64)alloc);
    /* The final stack pointer must be writable (#SS / #PF before any register changes). */
    if (alloc) {
        u64 lin = stk_lin(c, &fin, fin.sp & size_mask(fin.width), osz, ACC_WRITE);
        u64 phys;
        lin_translate(c, lin, ACC_WRITE, &phys);
    }
    reg_set(c, RBP, osz, frame);
    stk_commit_sp(c, &fin);
}

static void op_leave(struct cpu *c, const struct insn *i)
{
    struct stk s;
    stk_current(c, &s, 0);
    u64 mask = size_mask(s.width);
    s.sp = (s.sp & ~mask) | (c->r[RBP] & mask);
    u64 v = stk_pop(c, &s, i->opsz);
    stk_commit_sp(c, &s);
    reg_set(c, RBP, i->opsz, v);
}

/* Specialized PUSH r64 / POP r64 (50+r / 58+r in 64-bit mode, 64-bit operand): the stack
 * is flat (SS base 0, only the canonical check), so they are stack_push/stack_pop with
 * the inline fast path. RSP changes only after the access succeeded. */
FAST_MEM(f_push_r64)
{
    u64 v = c->r[i->reg];
    u64 nsp = c->r[RSP] - 8;
    MEM_WRITE(SEG_SS, nsp, 8, v);
    c->r[RSP] = nsp;
    return true;
}

FAST_MEM(f_pop_r64)
{
    u64 v = MEM_READ(SEG_SS, c->r[RSP], 8);
    c->r[RSP] += 8;
    c->r[i->reg] = v; /* POP RSP: the popped value wins over the increment */
    return true;
}

const struct fast_handler *stack_specialize(const struct insn *i, bool long_mode)
{
    if (!long_mode || i->opsz != 8) return NULL;
    if (i->fn == op_push_r) return f_push_r64;
    if (i->fn == op_pop_r) return f_pop_r64;
    return NULL;
}

/* Stack operations default to a 64-bit operand size in 64-bit mode (d64). */
#define D64 OPF_DEF64
const struct opdef stack_ops[] = {
    {MAP_1B, 0x50, -1, D64, op_push_r}, {MAP_1B, 0x51, -1, D64, op_push_r},
    {MAP_1B, 0x52, -1, D64, op_push_r}, {MAP_1B, 0x53, -1, D64, op_push_r},
    {MAP_1B, 0x54, -1, D64, op_push_r}, {MAP_1B, 0x55, -1, D64, op_push_r},
    {MAP_1B, 0x56, -1, D64, op_push_r}, {MAP_1B, 0x57, -1, D64, op_push_r},
    {MAP_1B, 0x58, -1, D64, op_pop_r}, {MAP_1B, 0x59, -1, D64, op_pop_r},
    {MAP_1B, 0x5a, -1, D64, op_pop_r}, {MAP_1B, 0x5b, -1, D64, op_pop_r},
    {MAP_1B, 0x5c, -1, D64, op_pop_r}, {MAP_1B, 0x5d, -1, D64, op_pop_r},
    {MAP_1B, 0x5e, -1, D64, op_pop_r}, {MAP_1B, 0x5f, -1, D64, op_pop_r},
    {MAP_1B, 0x60, -1, OPF_INV64, op_pusha},
    {MAP_1B, 0x61, -1, OPF_INV64, op_popa},
    {MAP_1B, 0x68, -1, D64, op_push_imm, IMM_Z},
    {MAP_1B, 0x6a, -1, D64, op_push_imm, IMM_B},
    {MAP_1B, 0x8f, 0, OPF_MODRM | D64, op_pop_rm},
    {MAP_1B, 0x9c, -1, D64, op_pushf},
    {MAP_1B, 0x9d, -1, D64 | OPF_ENDBLOCK, op_popf},
    {MAP_1B, 0xc8, -1, D64, op_enter, IMM_WB},
    {MAP_1B, 0xc9, -1, D64, op_leave},
    {MAP_1B, 0xff, 6, OPF_MODRM | D64, op_push_rm},
    {.fn = NULL},
};
#undef D64
