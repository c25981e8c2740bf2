/* x87 data and arithmetic instructions on top of the software float library (src/fpu):
 * loads and stores in every memory format, the register stack with its stack faults,
 * the arithmetic, compares, FCMOVcc, constants and the unary operations (SDM Vol. 1
 * chapter 8, Vol. 2 "F..."). Control, environment and #MF delivery are x87_env.c.
 *
 * Every handler follows the SDM's order: #NM and a pending unmasked exception
 * (x87_wait_check), the memory operand (a fault changes nothing), the last-instruction
 * pointers, then the operation. An unmasked invalid-operation, denormal or zero-divide
 * exception leaves the destination and TOP unchanged; unmasked overflow and underflow
 * store the bias-adjusted result in a register (softfloat produces it) and nothing in
 * memory; a masked stack fault stores the QNaN indefinite (SDM 8.5.1.1). */
#include "x87.h"

/* --- State ------------------------------------------------------------------------- */

static inline bool st_empty(const struct cpu *c, unsigned i)
{
    return !((c->fpu.fxsave[FX_FTW] >> x87_phys(c, i)) & 1);
}
static inline fx80 st_get(const struct cpu *c, unsigned i)
{
    return x87_reg(c, x87_phys(c, i));
}
static inline void st_set(struct cpu *c, unsigned i, fx80 v)
{
    unsigned p = x87_phys(c, i);
    x87_set_reg(c, p, v);
    c->fpu.fxsave[FX_FTW] |= (u8)(1u << p);
}
static inline void set_top(struct cpu *c, unsigned t)
{
    fx_set16(c, FX_FSW, (u16)((fx_get16(c, FX_FSW) & ~SW_TOP) | (t & 7) << 11));
}
static inline void st_pop(struct cpu *c)
{
    unsigned t = x87_top(c);
    c->fpu.fxsave[FX_FTW] &= (u8) ~(1u << t);
    set_top(c, t + 1);
}
static inline void st_push(struct cpu *c, fx80 v)
{
    set_top(c, x87_top(c) - 1);
    st_set(c, 0, v);
}

/* FIP/FCS/FOP, and FDP/FDS for a memory operand: the last non-control instruction
 * (SDM Vol. 1 8.1.8, 8.1.9). */
static void pointers(struct cpu *c, const struct insn *i, bool mem, u64 ea)
{
    store_le(&c->fpu.fxsave[FX_FIP], 8, c->rip);
    fx_set16(c, X87_FCS, c->seg[SEG_CS].sel);
    fx_set16(c, FX_FOP, (u16)((i->op & 7) << 8 | i->modrm));
    if (mem) {
        store_le(&c->fpu.fxsave[FX_FDP], 8, ea);
        fx_set16(c, X87_FDS, c->seg[i->seg].sel);
    }
}

/* Entry of a non-control instruction: #NM, pending #MF, pointers. */
static inline void begin(struct cpu *c, const struct insn *i)
{
    x87_wait_check(c);
    pointers(c, i, false, 0);
}

static inline struct sf_status status(const struct cpu *c)
{
    /* PC = 01 is reserved; the processor rounds to 64 bits there (host-verified). */
    static const u8 prec[4] = {SF_PC24, SF_PC64, SF_PC53, SF_PC64};
    u16 cw = fx_get16(c, FX_FCW);
    return (struct sf_status){.round = (u8)((cw >> 10) & 3),
                              .prec = prec[(cw >> 8) & 3],
                              .unmasked = (u8)(~cw & (SF_OE | SF_UE))};
}
static inline unsigned unmasked(const struct cpu *c, unsigned f)
{
    return f & ~fx_get16(c, FX_FCW) & 0x3f;
}

/* OR exception flags into FSW, replace the condition codes in `ccmask` by `cc`, set ES
 * and B when an unmasked flag is set; returns the unmasked flags among `f`. */
static unsigned report(struct cpu *c, unsigned f, u16 ccmask, u16 cc)
{
    u16 cw = fx_get16(c, FX_FCW);
    u16 sw = (u16)((fx_get16(c, FX_FSW) & ~ccmask) | cc | f);
    if (sw & ~cw & 0x3f) sw |= SW_ES | SW_B;
    fx_set16(c, FX_FSW, sw);
    return f & ~cw & 0x3f;
}
static inline unsigned report_c1(struct cpu *c, unsigned f, bool c1)
{
    return report(c, f, SW_C1, c1 ? SW_C1 : 0);
}

/* Stack underflow / overflow (SDM 8.5.1.1): IE and SF, C1 = 0 / 1. True when IE is
 * masked, i.e. the caller stores the QNaN indefinite. */
static bool underflow(struct cpu *c)
{
    return !report_c1(c, SF_IE | SW_SF, false);
}
static bool overflow(struct cpu *c)
{
    return !report_c1(c, SF_IE | SW_SF, true);
}

/* Exceptions before the operation (IE, DE, ZE) keep the destination when unmasked. */
#define PRE_EXC (SF_IE | SF_DE | SF_ZE)

/* --- Arithmetic ---------------------------------------------------------------------- */

/* dst op src for ModRM.reg 0 FADD, 1 FMUL, 4 FSUB, 5 FSUBR, 6 FDIV, 7 FDIVR. */
static fx80 arith(struct sf_status *s, unsigned op, fx80 a, fx80 b)
{
    switch (op) {
    case 0: return fx80_add(s, a, b);
    case 1: return fx80_mul(s, a, b);
    case 4: return fx80_sub(s, a, b);
    case 5: return fx80_sub(s, b, a);
    case 6: return fx80_div(s, a, b);
    default: return fx80_div(s, b, a);
    }
}

/* Store an arithmetic result in ST(dst) unless an unmasked IE/DE/ZE forbids it. */
static void commit(struct cpu *c, struct sf_status *s, unsigned dst, fx80 r, bool pop)
{
    unsigned f = s->flags;
    if (f & (SF_IE | SF_ZE)) f &= ~(unsigned)SF_DE; /* DE gives way (a converted operand's DE) */
    if (unmasked(c, f) & PRE_EXC) {                 /* the operation is not performed */
        report_c1(c, f & PRE_EXC, false);
        return;
    }
    report_c1(c, f, s->c1);
    st_set(c, dst, r);
    if (pop) st_pop(c);
}

/* The relation in C3,C2,C0 or ZF,PF,CF (sf_rel has their pattern). */
static void set_rel(struct cpu *c, unsigned r, bool eflags)
{
    if (eflags) {
        u64 fl = cpu_get_rflags(c) & ~(u64)FL_ARITH;
        fl |= (r & 1 ? FL_CF : 0) | (r & 2 ? FL_PF : 0) | (r & 4 ? FL_ZF : 0);
        c->lf.op = 0;
        c->rflags = fl;
        return;
    }
    u16 sw = fx_get16(c, FX_FSW) & (u16) ~(SW_C0 | SW_C2 | SW_C3);
    sw |= (r & 1 ? SW_C0 : 0) | (r & 2 ? SW_C2 : 0) | (r & 4 ? SW_C3 : 0);
    fx_set16(c, FX_FSW, sw);
}

/* FCOM family: compare and set the codes (or EFLAGS), also for an unmasked IE or DE (the
 * relation is then unordered or the one computed); pop n unless one was unmasked. */
static void compare(struct cpu *c, fx80 a, fx80 b, bool signalling, unsigned npop, bool eflags,
                    unsigned mem_de)
{
    struct sf_status s = status(c);
    enum sf_rel r = fx80_compare(&s, a, b, signalling);
    unsigned f = s.flags;
    if (!(f & SF_IE)) f |= mem_de;
    if (f & SF_IE) f &= ~(unsigned)SF_DE;
    set_rel(c, r, eflags);
    if (report_c1(c, f, false) & (SF_IE | SF_DE)) return;
    while (npop--)
        st_pop(c);
}
/* Masked stack underflow of a compare: unordered. */
static void compare_underflow(struct cpu *c, unsigned npop, bool eflags)
{
    set_rel(c, SF_UN, eflags); /* also when IE is unmasked */
    if (!underflow(c)) return;
    while (npop--)
        st_pop(c);
}

static u64 read_n(struct cpu *c, const struct insn *i, u64 ea, unsigned n)
{
    return seg_read(c, i->seg, ea, n);
}
static void read10(struct cpu *c, const struct insn *i, u64 ea, u8 b[10])
{
    u64 lo = seg_read(c, i->seg, ea, 8);
    u64 hi = seg_read(c, i->seg, (ea + 8) & size_mask(i->adsz), 2);
    store_le(b, 8, lo);
    store_le(b + 8, 2, hi);
}

/* A binary32/64 source operand of an arithmetic or compare instruction as an fx80. A NaN
 * keeps its kind, so the operation applies the NaN rules (SDM Table 4-7: an SNaN gives way
 * to a QNaN) to the operand as given; a denormal's DE is returned in *de, for the caller
 * to report only when no NaN, IE or ZE takes precedence (SDM 4.9.2). */
static fx80 src_ieee(u64 v, bool dbl, unsigned *de)
{
    unsigned fb = dbl ? 52 : 23, eb = dbl ? 11 : 8;
    u64 frac = v & ((1ull << fb) - 1), e = (v >> fb) & ((1u << eb) - 1);
    bool sign = (v >> (fb + eb)) & 1;
    if (e == (1u << eb) - 1 && frac) return fx80_make(sign, 0x7fff, 1ull << 63 | frac << (63 - fb));
    struct sf_status t = {.prec = SF_PC64};
    fx80 r = dbl ? f64_to_fx80(&t, v) : f32_to_fx80(&t, (u32)v);
    *de = t.flags & SF_DE;
    return r;
}

/* D8 (m32fp), DC (m64fp), DA (m32int), DE (m16int): ST0 op mem, FCOM(P)/FICOM(P) mem. */
void op_fp_arith_m(struct cpu *c, const struct insn *i)
{
    x87_wait_check(c);
    u64 ea = insn_ea(c, i);
    unsigned reg = (i->modrm >> 3) & 7, size = i->op == 0xdc ? 8 : i->op == 0xde ? 2 : 4;
    u64 v = read_n(c, i, ea, size);
    pointers(c, i, true, ea);
    bool cmp = reg == 2 || reg == 3;
    if (st_empty(c, 0)) {
        if (cmp)
            compare_underflow(c, reg == 3, false);
        else if (underflow(c))
            st_set(c, 0, fx80_indefinite());
        return;
    }
    unsigned de = 0;
    fx80 a = st_get(c, 0), b;
    switch (i->op) {
    case 0xd8: b = src_ieee(v, false, &de); break;
    case 0xdc: b = src_ieee(v, true, &de); break;
    case 0xda: b = i64_to_fx80((s32)v); break;
    default: b = i64_to_fx80((s16)v); break;
    }
    if (fx80_is_nan(a) || fx80_is_unsupported(a)) de = 0;
    if (cmp) {
        compare(c, a, b, true, reg == 3, false, de);
        return;
    }
    struct sf_status s = status(c);
    fx80 r = arith(&s, reg, a, b);
    if (!(s.flags & (SF_IE | SF_ZE))) s.flags |= (u8)de;
    commit(c, &s, 0, r, false);
}

/* D8 C0-FF (not /2 /3): ST0 = ST0 op ST(i). */
void op_fp_arith_st0(struct cpu *c, const struct insn *i)
{
    begin(c, i);
    unsigned k = i->modrm & 7, reg = (i->modrm >> 3) & 7;
    if (st_empty(c, 0) || st_empty(c, k)) {
        if (underflow(c)) st_set(c, 0, fx80_indefinite());
        return;
    }
    struct sf_status s = status(c);
    fx80 r = arith(&s, reg, st_get(c, 0), st_get(c, k));
    commit(c, &s, 0, r, false);
}

/* DC/DE C0-FF (not /2 /3): ST(i) = ST(i) op ST0, DE pops. /4-/7 swap SUB/SUBR, DIV/DIVR. */
void op_fp_arith_sti(struct cpu *c, const struct insn *i)
{
    begin(c, i);
    unsigned k = i->modrm & 7, reg = (i->modrm >> 3) & 7;
    bool pop = i->op == 0xde;
    if (reg >= 4) reg ^= 1;
    if (st_empty(c, 0) || st_empty(c, k)) {
        if (!underflow(c)) return;
        st_set(c, k, fx80_indefinite());
        if (pop) st_pop(c);
        return;
    }
    struct sf_status s = status(c);
    fx80 r = arith(&s, reg, st_get(c, k), st_get(c, 0));
    commit(c, &s, k, r, pop);
}

/* FCOM/FCOMP ST(i) (D8 /2 /3, aliases DC /2 /3 and DE /2), FUCOM/FUCOMP (DD /4 /5). */
void op_fp_com_r(struct cpu *c, const struct insn *i)
{
    begin(c, i);
    unsigned k = i->modrm & 7, reg = (i->modrm >> 3) & 7;
    unsigned npop = (reg == 3 || reg == 5 || i->op == 0xde) ? 1 : 0;
    if (st_empty(c, 0) || st_empty(c, k)) {
        compare_underflow(c, npop, false);
        return;
    }
    compare(c, st_get(c, 0), st_get(c, k), i->op != 0xdd, npop, false, 0);
}

/* FCOMPP (DE D9), FUCOMPP (DA E9). */
void op_fcompp(struct cpu *c, const struct insn *i)
{
    if ((i->modrm & 7) != 1) cpu_ud(c);
    begin(c, i);
    if (st_empty(c, 0) || st_empty(c, 1)) {
        compare_underflow(c, 2, false);
        return;
    }
    compare(c, st_get(c, 0), st_get(c, 1), i->op == 0xde, 2, false, 0);
}

/* FUCOMI (DB /5), FCOMI (DB /6), FUCOMIP (DF /5), FCOMIP (DF /6): EFLAGS. */
void op_fcomi(struct cpu *c, const struct insn *i)
{
    begin(c, i);
    unsigned k = i->modrm & 7, npop = i->op == 0xdf;
    if (st_empty(c, 0) || st_empty(c, k)) {
        compare_underflow(c, npop, true);
        return;
    }
    compare(c, st_get(c, 0), st_get(c, k), ((i->modrm >> 3) & 7) == 6, npop, true, 0);
}

/* FCMOVcc (DA /0-/3: B E BE U; DB /0-/3: the negations). */
void op_fcmov(struct cpu *c, const struct insn *i)
{
    static const u8 cc[4] = {2, 4, 6, 0xa}; /* the Jcc condition numbers */
    begin(c, i);
    unsigned k = i->modrm & 7;
    if (st_empty(c, 0) || st_empty(c, k)) {
        if (underflow(c)) st_set(c, 0, fx80_indefinite());
        return;
    }
    /* C1 is left alone (0 only after a stack underflow), as the host does */
    if (cpu_cond(c, cc[(i->modrm >> 3) & 3] | (i->op == 0xdb))) st_set(c, 0, st_get(c, k));
}

/* FLD ST(i). */
void op_fld_r(struct cpu *c, const struct insn *i)
{
    begin(c, i);
    unsigned k = i->modrm & 7;
    if (st_empty(c, k)) { /* before the overflow check (host-verified) */
        if (underflow(c)) st_push(c, fx80_indefinite());
        return;
    }
    if (!st_empty(c, 7)) {
        if (overflow(c)) st_push(c, fx80_indefinite());
        return;
    }
    fx80 v = st_get(c, k);
    report_c1(c, 0, false);
    st_push(c, v);
}

/* FST ST(i) (DD /2), FSTP ST(i) (DD /3, aliases DF /2, DF /3). D9 /3 (FSTP1, also
 * called FSTPNCE) stores and pops without a stack fault check: with ST0 empty it only
 * pops (host-verified). */
void op_fst_r(struct cpu *c, const struct insn *i)
{
    begin(c, i);
    unsigned k = i->modrm & 7;
    if (i->op == 0xd9) {
        report_c1(c, 0, false);
        if (!st_empty(c, 0)) st_set(c, k, st_get(c, 0));
        st_pop(c);
        return;
    }
    bool pop = !(i->op == 0xdd && ((i->modrm >> 3) & 7) == 2);
    if (st_empty(c, 0)) {
        if (!underflow(c)) return;
        st_set(c, k, fx80_indefinite());
    } else {
        report_c1(c, 0, false);
        st_set(c, k, st_get(c, 0));
    }
    if (pop) st_pop(c);
}

/* FXCH ST(i) (D9 /1, aliases DD /1, DF /1): empty operands read as the indefinite. */
void op_fxch(struct cpu *c, const struct insn *i)
{
    begin(c, i);
    unsigned k = i->modrm & 7;
    if (st_empty(c, 0) || st_empty(c, k)) {
        if (!underflow(c)) return;
        if (st_empty(c, 0)) st_set(c, 0, fx80_indefinite());
        if (st_empty(c, k)) st_set(c, k, fx80_indefinite());
    } else {
        report_c1(c, 0, false);
    }
    fx80 a = st_get(c, 0), b = st_get(c, k);
    st_set(c, 0, b);
    st_set(c, k, a);
}

/* FFREE ST(i) (DD /0), FFREEP (DF /0: and pop). */
void op_ffree(struct cpu *c, const struct insn *i)
{
    begin(c, i);
    report_c1(c, 0, false);
    c->fpu.fxsave[FX_FTW] &= (u8) ~(1u << x87_phys(c, i->modrm & 7));
    if (i->op == 0xdf) st_pop(c);
}

/* Memory formats of the load and store rows. */
enum fmt { F32, F64, F80, I16, I32, I64, BCD };

/* FLD m32fp (D9 /0), m64fp (DD /0), m80fp (DB /5); FILD m16 (DF /0), m32 (DB /0), m64
 * (DF /5); FBLD (DF /4). */
void op_fld_m(struct cpu *c, const struct insn *i)
{
    x87_wait_check(c);
    unsigned reg = (i->modrm >> 3) & 7;
    enum fmt f = i->op == 0xd9   ? F32
                 : i->op == 0xdd ? F64
                 : i->op == 0xdb ? (reg == 5 ? F80 : I32)
                 : reg == 0      ? I16
                 : reg == 5      ? I64
                                 : BCD;
    u64 ea = insn_ea(c, i), v = 0;
    u8 b10[10];
    if (f == F80 || f == BCD)
        read10(c, i, ea, b10);
    else
        v = read_n(c, i, ea, f == F32 || f == I32 ? 4 : f == I16 ? 2 : 8);
    pointers(c, i, true, ea);
    if (!st_empty(c, 7)) {
        if (overflow(c)) st_push(c, fx80_indefinite());
        return;
    }
    struct sf_status s = status(c);
    fx80 r;
    switch (f) {
    case F32: r = f32_to_fx80(&s, (u32)v); break;
    case F64: r = f64_to_fx80(&s, v); break;
    case F80: r = (fx80){load_le(b10, 8), (u16)load_le(b10 + 8, 2)}; break;
    case I16: r = i64_to_fx80((s16)v); break;
    case I32: r = i64_to_fx80((s32)v); break;
    case I64: r = i64_to_fx80((s64)v); break;
    default: r = bcd_to_fx80(b10); break;
    }
    if (unmasked(c, s.flags) & PRE_EXC) {
        report_c1(c, s.flags & PRE_EXC, false);
        return;
    }
    report_c1(c, s.flags, false);
    st_push(c, r);
}

/* FST(P) m32fp (D9 /2 /3), m64fp (DD /2 /3), FSTP m80fp (DB /7); FIST(P) m16 (DF /2 /3),
 * m32 (DB /2 /3), FISTP m64 (DF /7); FISTTP m16 (DF /1), m32 (DB /1), m64 (DD /1); FBSTP
 * (DF /6). Memory is written before FSW changes, so a fault leaves both as they were. */
void op_fst_m(struct cpu *c, const struct insn *i)
{
    x87_wait_check(c);
    unsigned reg = (i->modrm >> 3) & 7;
    enum fmt f;
    switch (i->op) {
    case 0xd9: f = F32; break;
    case 0xdd: f = reg == 1 ? I64 : F64; break;
    case 0xdb: f = reg == 7 ? F80 : I32; break;
    default: f = reg == 6 ? BCD : reg == 7 ? I64 : I16; break;
    }
    bool pop = reg != 2, trunc = reg == 1;
    u64 ea = insn_ea(c, i);
    struct sf_status s = status(c);
    u64 v = 0;
    u8 b10[10];
    bool empty = st_empty(c, 0);
    unsigned flags;
    if (empty) {
        flags = SF_IE | SW_SF;
        switch (f) {
        case F32: v = 0xffc00000u; break;
        case F64: v = 0xfff8000000000000ull; break;
        case I16: v = 0x8000; break;
        case I32: v = 0x80000000u; break;
        case I64: v = 0x8000000000000000ull; break;
        case F80:
            store_le(b10, 8, 0xc000000000000000ull);
            store_le(b10 + 8, 2, 0xffff);
            break;
        default:
            memset(b10, 0, 7);
            b10[7] = 0xc0;
            b10[8] = b10[9] = 0xff;
            break;
        }
    } else {
        fx80 a = st_get(c, 0);
        switch (f) {
        case F32: v = fx80_to_f32(&s, a); break;
        case F64: v = fx80_to_f64(&s, a); break;
        case I16: v = (u64)fx80_to_int(&s, a, 16, trunc); break;
        case I32: v = (u64)fx80_to_int(&s, a, 32, trunc); break;
        case I64: v = (u64)fx80_to_int(&s, a, 64, trunc); break;
        case F80:
            store_le(b10, 8, a.sig);
            store_le(b10 + 8, 2, a.se);
            break;
        default: fx80_to_bcd(&s, a, b10); break;
        }
        flags = s.flags;
    }
    if (!(unmasked(c, flags) & (SF_IE | SF_OE | SF_UE))) {
        if (f == F80 || f == BCD) {
            u64 lin = seg_check(c, i->seg, ea, 1, ACC_WRITE);
            seg_check(c, i->seg, (ea + 9) & size_mask(i->adsz), 1, ACC_WRITE);
            lin_write_bytes(c, lin, b10, 10, ACC_WRITE);
        } else {
            seg_write(c, i->seg, ea, f == F32 || f == I32 ? 4 : f == I16 ? 2 : 8, v);
        }
    }
    pointers(c, i, true, ea);
    if (unmasked(c, flags) & (SF_IE | SF_OE | SF_UE)) { /* nothing stored: no PE, C1 = 0 */
        report_c1(c, flags & (SF_IE | SW_SF | SF_OE | SF_UE), false);
        return;
    }
    report_c1(c, flags, s.c1 && !empty);
    if (pop) st_pop(c);
}

/* FCHS (E0), FABS (E1), FTST (E4), FXAM (E5). */
void op_d9_e0(struct cpu *c, const struct insn *i)
{
    unsigned rm = i->modrm & 7;
    if (rm == 2 || rm == 3 || rm > 5) cpu_ud(c);
    begin(c, i);
    if (rm == 5) { /* FXAM: class in C3,C2,C0 (SDM Vol. 2 FXAM), C1 the sign */
        fx80 a = st_get(c, 0);
        unsigned e = a.se & 0x7fff;
        u16 cc;
        if (st_empty(c, 0))
            cc = SW_C3 | SW_C0;
        else if (fx80_is_unsupported(a))
            cc = 0;
        else if (e == 0x7fff)
            cc = (a.sig << 1) ? SW_C0 : SW_C2 | SW_C0;
        else if (e == 0)
            cc = a.sig ? SW_C3 | SW_C2 : SW_C3;
        else
            cc = SW_C2;
        report(c, 0, SW_CC, (u16)(cc | (a.se & 0x8000 ? SW_C1 : 0)));
        return;
    }
    if (st_empty(c, 0)) {
        if (rm == 4)
            compare_underflow(c, 0, false);
        else if (underflow(c))
            st_set(c, 0, fx80_indefinite());
        return;
    }
    fx80 a = st_get(c, 0);
    if (rm == 4) {
        compare(c, a, (fx80){0, 0}, true, 0, false, 0);
        return;
    }
    report_c1(c, 0, false);
    a.se = rm == 0 ? a.se ^ 0x8000 : a.se & 0x7fff;
    st_set(c, 0, a);
}

/* FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (D9 E8-EE). The 66-bit constants are
 * rounded to 64 bits by FCW.RC (SDM Vol. 1 8.3.8): the round-to-nearest values below, one
 * unit lower when RC rounds the other way (down or toward zero for those above their
 * true value... all but log2(10), which rounds up with RC = up). */
void op_fldconst(struct cpu *c, const struct insn *i)
{
    static const fx80 k[7] = {
        {0x8000000000000000ull, 0x3fff},
        {0xd49a784bcd1b8afeull, 0x4000},
        {0xb8aa3b295c17f0bcull, 0x3fff},
        {0xc90fdaa22168c235ull, 0x4000},
        {0x9a209a84fbcff799ull, 0x3ffd},
        {0xb17217f7d1cf79acull, 0x3ffe},
        {0, 0},
    };
    unsigned rm = i->modrm & 7;
    if (rm == 7) cpu_ud(c);
    begin(c, i);
    if (!st_empty(c, 7)) {
        if (overflow(c)) st_push(c, fx80_indefinite());
        return;
    }
    fx80 v = k[rm];
    unsigned rc = (fx_get16(c, FX_FCW) >> 10) & 3;
    if (rm == 1 && rc == SF_RU) v.sig++;
    if (rm >= 2 && rm <= 5 && (rc == SF_RD || rc == SF_RZ)) v.sig--;
    report_c1(c, 0, false);
    st_push(c, v);
}

/* One-operand operations on ST0: FSQRT, FRNDINT. */
static void unary(struct cpu *c, fx80 (*fn)(struct sf_status *, fx80))
{
    if (st_empty(c, 0)) {
        if (underflow(c)) st_set(c, 0, fx80_indefinite());
        return;
    }
    struct sf_status s = status(c);
    fx80 r = fn(&s, st_get(c, 0));
    commit(c, &s, 0, r, false);
}

/* FPREM (ieee = false) / FPREM1: C0 C3 C1 the low quotient bits, C2 = incomplete. */
static void fprem(struct cpu *c, bool ieee)
{
    if (st_empty(c, 0) || st_empty(c, 1)) {
        report(c, 0, SW_C2, 0);
        if (underflow(c)) st_set(c, 0, fx80_indefinite());
        return;
    }
    struct sf_status s = status(c);
    u16 cc;
    fx80 a = st_get(c, 0), b = st_get(c, 1);
    fx80 r = fx80_rem(&s, a, b, ieee, &cc);
    /* No quotient (IE, or a NaN operand): C1 and C2 become 0, C0 and C3 stay
     * (host-verified). */
    bool none = (s.flags & SF_IE) || fx80_is_nan(a) || fx80_is_nan(b);
    if (unmasked(c, s.flags) & PRE_EXC) {
        report(c, s.flags & PRE_EXC, SW_C1 | SW_C2, 0);
        return;
    }
    report(c, s.flags, none ? SW_C1 | SW_C2 : SW_CC, none ? 0 : cc);
    st_set(c, 0, r);
}

/* FXTRACT: ST0 = exponent, then push the significand. */
static void fxtract(struct cpu *c)
{
    bool under = st_empty(c, 0);
    if (under || !st_empty(c, 7)) {
        if (!(under ? underflow(c) : overflow(c))) return;
        st_set(c, 0, fx80_indefinite());
        st_push(c, fx80_indefinite());
        return;
    }
    struct sf_status s = status(c);
    fx80 e, m;
    fx80_xtract(&s, st_get(c, 0), &e, &m);
    if (report_c1(c, s.flags, false) & PRE_EXC) return;
    st_set(c, 0, e);
    st_push(c, m);
}

/* --- Transcendentals (src/fpu/sf_x80_trans.c computes them) ------------------------ */

enum { T_SIN, T_COS, T_2XM1 };

/* FSIN, FCOS, F2XM1: ST0 = f(ST0). FSIN and FCOS clear C2, or set it and change nothing
 * else when |ST0| >= 2^63 (SDM Vol. 2 FSIN, FCOS). */
static void trans_unary(struct cpu *c, unsigned fn)
{
    u16 c2 = fn == T_2XM1 ? 0 : SW_C2;
    if (st_empty(c, 0)) {
        report(c, 0, c2, 0);
        if (underflow(c)) st_set(c, 0, fx80_indefinite());
        return;
    }
    struct sf_status s = status(c);
    fx80 a = st_get(c, 0), r;
    bool in = true;
    switch (fn) {
    case T_SIN: in = fx80_sin(&s, a, &r); break;
    case T_COS: in = fx80_cos(&s, a, &r); break;
    default: r = fx80_2xm1(&s, a); break;
    }
    if (!in) {
        report(c, 0, SW_C1 | SW_C2, SW_C2);
        return;
    }
    report(c, 0, c2, 0);
    commit(c, &s, 0, r, false);
}

/* FSINCOS (ST0 = sin, push cos) and FPTAN (ST0 = tan, push 1.0): C2 as FSIN; a stack
 * fault's masked response is the indefinite in ST0 and pushed, as for FXTRACT. */
static void trans_push(struct cpu *c, bool tan)
{
    bool under = st_empty(c, 0);
    if (under || !st_empty(c, 7)) {
        report(c, 0, SW_C2, 0);
        if (!(under ? underflow(c) : overflow(c))) return;
        st_set(c, 0, fx80_indefinite());
        st_push(c, fx80_indefinite());
        return;
    }
    struct sf_status s = status(c), s2 = status(c);
    fx80 a = st_get(c, 0), r, r2 = fx80_make(0, FX80_BIAS, 1ull << 63);
    bool in = tan ? fx80_tan(&s, a, &r) : fx80_sin(&s, a, &r);
    if (!in) {
        report(c, 0, SW_C1 | SW_C2, SW_C2);
        return;
    }
    if (!tan)
        fx80_cos(&s2, a, &r2);
    else if (fx80_is_nan(r))
        r2 = r; /* a NaN operand: the NaN twice (host-verified) */
    report(c, 0, SW_C2, 0);
    s.flags |= s2.flags;
    s.c1 |= s2.c1;
    unsigned f = s.flags;
    if (unmasked(c, f) & PRE_EXC) {
        report_c1(c, f & PRE_EXC, false);
        return;
    }
    report_c1(c, f, s.c1);
    st_set(c, 0, r);
    st_push(c, r2);
}

/* FPATAN, FYL2X, FYL2XP1: ST1 = f(ST1, ST0), pop. */
static void trans_binary(struct cpu *c, fx80 (*fn)(struct sf_status *, fx80, fx80))
{
    if (st_empty(c, 0) || st_empty(c, 1)) {
        if (!underflow(c)) return;
        st_set(c, 1, fx80_indefinite());
        st_pop(c);
        return;
    }
    struct sf_status s = status(c);
    fx80 r = fn(&s, st_get(c, 1), st_get(c, 0));
    commit(c, &s, 1, r, true);
}

/* D9 F0-F7: F2XM1 FYL2X FPTAN FPATAN FXTRACT FPREM1 FDECSTP FINCSTP. */
void op_d9_f0(struct cpu *c, const struct insn *i)
{
    unsigned rm = i->modrm & 7;
    begin(c, i);
    switch (rm) {
    case 0: trans_unary(c, T_2XM1); break;
    case 1: trans_binary(c, fx80_yl2x); break;
    case 2: trans_push(c, true); break;
    case 3: trans_binary(c, fx80_atan2); break;
    case 4: fxtract(c); break;
    case 5: fprem(c, true); break;
    default:
        report_c1(c, 0, false);
        set_top(c, x87_top(c) + (rm == 7 ? 1 : 7));
        break;
    }
}

/* FSCALE. A result beyond the range the unmasked OE/UE bias adjustment reaches is a
 * signed zero with UE and PE, or a signed infinity with OE, PE and C1 (host-verified). */
static void fscale(struct cpu *c)
{
    if (st_empty(c, 0) || st_empty(c, 1)) {
        if (underflow(c)) st_set(c, 0, fx80_indefinite());
        return;
    }
    fx80 a = st_get(c, 0), b = st_get(c, 1);
    struct sf_status s = status(c);
    fx80 r = fx80_scale(&s, a, b);
    if ((s.flags & s.unmasked & (SF_OE | SF_UE)) && (a.se & 0x7fff) != 0x7fff) {
        struct sf_status t = {.round = s.round, .prec = SF_PC64};
        s64 n = fx80_to_int(&t, b, 64, true);
        if (t.flags & SF_IE) n = (b.se & 0x8000) ? -(1ll << 40) : 1ll << 40;
        s64 e = (s64)(a.se & 0x7fff) - FX80_BIAS;
        if (!(a.se & 0x7fff)) e = 1 - FX80_BIAS;
        for (u64 m = a.sig; m && !(m >> 63); m <<= 1)
            e--;
        e += n;
        if (e < 1 - FX80_BIAS - FX80_WRAP || e > FX80_BIAS + FX80_WRAP) {
            bool over = e > 0;
            r = over ? fx80_make(a.se >> 15, 0x7fff, 1ull << 63) : fx80_make(a.se >> 15, 0, 0);
            s.flags = (u8)((s.flags & SF_DE) | SF_PE | (over ? SF_OE : SF_UE));
            s.c1 = over;
        }
    }
    commit(c, &s, 0, r, false);
}

/* D9 F8-FF: FPREM FYL2XP1 FSQRT FSINCOS FRNDINT FSCALE FSIN FCOS. */
void op_d9_f8(struct cpu *c, const struct insn *i)
{
    unsigned rm = i->modrm & 7;
    begin(c, i);
    switch (rm) {
    case 0: fprem(c, false); break;
    case 1: trans_binary(c, fx80_yl2xp1); break;
    case 2: unary(c, fx80_sqrt); break;
    case 3: trans_push(c, false); break;
    case 4: unary(c, fx80_round_int); break;
    case 6: trans_unary(c, T_SIN); break;
    case 7: trans_unary(c, T_COS); break;
    default:
        if (st_empty(c, 0) || st_empty(c, 1)) {
            if (underflow(c)) st_set(c, 0, fx80_indefinite());
            return;
        }
        fscale(c);
        break;
    }
}

/* FNOP (D9 D0): a waiting instruction that does nothing else. */
void op_fnop(struct cpu *c, const struct insn *i)
{
    if ((i->modrm & 7) != 0) cpu_ud(c);
    begin(c, i);
}
