/* Lazy arithmetic flags.
 *
 * A flag-setting instruction records its operands and result in c->lf with a few stores;
 * CF/PF/AF/ZF/SF/OF are computed only when something reads them (Jcc, PUSHF, ADC...).
 * The recorded values need not be masked to the operand size: every formula looks only
 * at the bits that matter (bit size*8-1, bit 4, the low byte), and ZF masks on demand.
 *
 * Which flags each lazy op describes; the others come from c->rflags:
 *   LF_ADD   all six, from src1 + src2 (+ carry in) = res        (ADD, ADC, XADD)
 *   LF_SUB   all six, from src1 - src2 (- borrow in) = res       (SUB, SBB, CMP, NEG...)
 *   LF_LOGIC all six: CF = OF = AF = 0, PF/ZF/SF from res        (AND, OR, XOR, TEST)
 *   LF_INC   PF/AF/ZF/SF/OF as LF_ADD with src2 = 1; CF from rflags
 *   LF_DEC   PF/AF/ZF/SF/OF as LF_SUB with src2 = 1; CF from rflags
 *   LF_RES   PF/ZF/SF from res; CF/AF/OF from rflags             (shifts, MUL, ...)
 *   LF_CMP   as LF_SUB, with res exactly src1 - src2 (no borrow in), so conditions can
 *            compare the operands directly                    (fast SUB and CMP forms)
 *
 * Carry and borrow out of the top bit are recovered from the operands and the result
 * (carry into bit k is src1 ^ src2 ^ res at bit k), which is why ADC and SBB need no
 * separate op: the carry in is implied by the result. */
#ifndef VP_FLAGS_H
#define VP_FLAGS_H

#include "cpu.h"

enum lazy_op { LF_NONE = 0, LF_ADD, LF_SUB, LF_LOGIC, LF_INC, LF_DEC, LF_RES, LF_CMP };

static inline unsigned flags_msb(unsigned size) { return size * 8 - 1; }

/* Record the last arithmetic result. */
static inline void flags_set(struct cpu *c, unsigned op, unsigned size, u64 res, u64 a, u64 b)
{
    c->lf.op = op;
    c->lf.size = size;
    c->lf.res = res;
    c->lf.src1 = a;
    c->lf.src2 = b;
}

static inline void flags_logic(struct cpu *c, unsigned size, u64 res)
{
    c->lf.op = LF_LOGIC;
    c->lf.size = size;
    c->lf.res = res;
}

/* CF: bit 0 of the result. */
static inline u64 flags_cf(const struct cpu *c)
{
    const struct lazy_flags *f = &c->lf;
    unsigned m = flags_msb(f->size);
    switch (f->op) {
    case LF_ADD: /* SDM Vol. 1 3.4.3.1: carry out of the most significant bit */
        return (((f->src1 & f->src2) | ((f->src1 | f->src2) & ~f->res)) >> m) & 1;
    case LF_SUB: case LF_CMP: /* borrow into the most significant bit */
        return (((~f->src1 & f->src2) | (~(f->src1 ^ f->src2) & f->res)) >> m) & 1;
    case LF_LOGIC: return 0;
    default: return c->rflags & FL_CF;
    }
}

static inline bool flags_zf(const struct cpu *c)
{
    if (c->lf.op == LF_NONE) return c->rflags & FL_ZF;
    return (c->lf.res & size_mask(c->lf.size)) == 0;
}

static inline bool flags_sf(const struct cpu *c)
{
    if (c->lf.op == LF_NONE) return c->rflags & FL_SF;
    return (c->lf.res >> flags_msb(c->lf.size)) & 1;
}

static inline bool flags_of(const struct cpu *c)
{
    const struct lazy_flags *f = &c->lf;
    unsigned m = flags_msb(f->size);
    switch (f->op) {
    case LF_ADD: case LF_INC: /* operands of equal sign, result of the other */
        return (((f->src1 ^ f->res) & (f->src2 ^ f->res)) >> m) & 1;
    case LF_SUB: case LF_DEC: case LF_CMP: /* operands of different sign, result not that of src1 */
        return (((f->src1 ^ f->src2) & (f->src1 ^ f->res)) >> m) & 1;
    case LF_LOGIC: return false;
    default: return c->rflags & FL_OF;
    }
}

static inline bool flags_pf(const struct cpu *c)
{
    if (c->lf.op == LF_NONE) return c->rflags & FL_PF;
    /* Even number of set bits in the low byte (SDM Vol. 1 3.4.3.1). */
    return !__builtin_parity((unsigned)(c->lf.res & 0xff));
}

static inline bool flags_af(const struct cpu *c)
{
    const struct lazy_flags *f = &c->lf;
    switch (f->op) {
    case LF_ADD: case LF_SUB: case LF_INC: case LF_DEC: case LF_CMP:
        /* Carry or borrow out of bit 3 = carry into bit 4 (SDM Vol. 1 3.4.3.1). */
        return ((f->src1 ^ f->src2 ^ f->res) >> 4) & 1;
    case LF_LOGIC: return false;
    default: return c->rflags & FL_AF;
    }
}

/* Flush the lazy state into c->rflags (op becomes LF_NONE). */
void flags_materialize(struct cpu *c);

/* Set the CF bit in rflags (LF_INC/LF_DEC/LF_RES read it from there). */
static inline void flags_put_cf(struct cpu *c, u64 cf)
{
    c->rflags = (c->rflags & ~(u64)FL_CF) | (cf & 1);
}

/* INC/DEC leave CF alone (SDM Vol. 2 INC, DEC): save the current CF into rflags first. */
static inline void flags_incdec(struct cpu *c, unsigned op, unsigned size, u64 res, u64 a)
{
    if (c->lf.op != LF_NONE && c->lf.op != LF_INC && c->lf.op != LF_DEC &&
        c->lf.op != LF_RES)
        flags_put_cf(c, flags_cf(c));
    flags_set(c, op, size, res, a, 1);
}

/* PF/ZF/SF from res, CF/AF/OF given in RFLAGS bit positions (shifts, multiplies...).
 * All six are then defined, so the stale lazy state needs no flushing. */
static inline void flags_res(struct cpu *c, unsigned size, u64 res, u64 cf_af_of)
{
    c->rflags = (c->rflags & ~(u64)(FL_CF | FL_AF | FL_OF)) | cf_af_of;
    flags_set(c, LF_RES, size, res, 0, 0);
}

/* Replace exactly the flags in `mask` with those in `val`, keeping the rest. A mask
 * without SF, ZF and PF (rotates: CF and OF; BT: CF) keeps the lazy result, which gives
 * those three alike under every op: the state becomes LF_RES, with the kept ones of CF,
 * AF and OF moved into rflags, instead of all six being computed. */
static inline void flags_write(struct cpu *c, u64 mask, u64 val)
{
    if (c->lf.op != LF_NONE) {
        if (!(mask & (FL_SF | FL_ZF | FL_PF))) {
            u64 kept = ((mask & FL_CF) || !flags_cf(c) ? 0 : FL_CF) |
                       ((mask & FL_AF) || !flags_af(c) ? 0 : FL_AF) |
                       ((mask & FL_OF) || !flags_of(c) ? 0 : FL_OF);
            c->rflags = (c->rflags & ~(u64)(FL_CF | FL_AF | FL_OF)) | kept;
            c->lf.op = LF_RES;
        } else {
            flags_materialize(c);
        }
    }
    c->rflags = (c->rflags & ~mask) | (val & mask);
}

/* Condition codes (SDM Vol. 1 Appendix B, Table B-1). Pairs differ in bit 0 (negation).
 * Inline so a constant cc folds to the one test it needs. */
/* After CMP/SUB of `size` bytes the unsigned and signed relations of the operands are the
 * conditions B, E, BE, L, LE and their negations; shifting both to the top bits makes
 * every size one compare. False for the others (O, S, P), which need the flags. */
static inline __attribute__((always_inline)) bool flags_cmp_relation(const struct cpu *c, unsigned cc,
                                                                      unsigned size, bool *r)
{
    unsigned sh = 64 - 8 * size;
    u64 a = c->lf.src1 << sh, b = c->lf.src2 << sh;
    switch ((cc >> 1) & 7) {
    case 1: *r = a < b; break;                   /* B */
    case 2: *r = a == b; break;                  /* E */
    case 3: *r = a <= b; break;                  /* BE */
    case 6: *r = (s64)a < (s64)b; break;         /* L */
    case 7: *r = (s64)a <= (s64)b; break;        /* LE */
    default: return false;
    }
    *r ^= cc & 1;
    return true;
}

static inline bool flags_cond(const struct cpu *c, unsigned cc)
{
    bool r;
    if (c->lf.op == LF_CMP && flags_cmp_relation(c, cc, c->lf.size, &r)) return r;
    switch ((cc >> 1) & 7) {
    case 0: r = flags_of(c); break;                       /* O */
    case 1: r = flags_cf(c); break;                       /* B / C */
    case 2: r = flags_zf(c); break;                       /* E / Z */
    case 3: r = flags_cf(c) || flags_zf(c); break;        /* BE */
    case 4: r = flags_sf(c); break;                       /* S */
    case 5: r = flags_pf(c); break;                       /* P */
    case 6: r = flags_sf(c) != flags_of(c); break;        /* L */
    default: r = flags_zf(c) || flags_sf(c) != flags_of(c); break; /* LE */
    }
    return r ^ (cc & 1);
}

/* Condition cc when the lazy flags are known to have shape kind and size (insn.h
 * LF_SHAPE): after CMP/SUB the relations of the operands, after a logic operation (CF and
 * OF 0, SDM Vol. 1 Appendix B) ZF and SF of the result; with constants, each folds to a
 * test or two. */
static inline bool flags_cond_shape(const struct cpu *c, unsigned cc, unsigned kind, unsigned size)
{
    if (kind == LF_LOGIC) {
        u64 r = c->lf.res & size_mask(size);
        bool zf = r == 0, sf = (r >> flags_msb(size)) & 1, v;
        switch ((cc >> 1) & 7) {
        case 0: case 1: v = false; break;          /* O, B: OF = CF = 0 */
        case 2: case 3: v = zf; break;             /* E, BE */
        case 4: case 6: v = sf; break;             /* S, L (SF != OF) */
        case 5: v = flags_pf(c); break;            /* P */
        default: v = zf || sf; break;              /* LE */
        }
        return v ^ (cc & 1);
    }
    bool r; /* LF_CMP, as in flags_cond without testing lf.op */
    return flags_cmp_relation(c, cc, size, &r) ? r : flags_cond(c, cc);
}

/* Current value of the six arithmetic flags in RFLAGS positions. */
u64 flags_arith(const struct cpu *c);

#endif
