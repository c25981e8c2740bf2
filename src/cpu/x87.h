/* The x87 unit's state and the helpers its instruction files share (x87.c: data and
 * arithmetic, x87_env.c: control, environment and pending exceptions).
 *
 * One representation: the FXSAVE image in c->fpu.fxsave (fpu.h), with one difference
 * from the memory image: the eight 80-bit registers sit in physical order R0-R7 (slot n is
 * R_n, which MMX register MMn aliases), as the abridged tag byte FTW numbers them, not in
 * stack order; FXSAVE/FXRSTOR (and FSAVE/FRSTOR) rotate by TOP. The 2-bit tags are derived
 * from FTW and the register contents when an instruction stores them (SDM Vol. 1 8.1.7,
 * 10.5.1.1). FIP and FDP are kept as 64-bit offsets at FX_FIP/FX_FDP with their selectors
 * FCS/FDS in the image's bytes the processor never writes to memory (X87_FCS, X87_FDS). */
#ifndef VP_X87_H
#define VP_X87_H

#include "../fpu/softfloat.h"
#include "fpu.h"
#include "insn.h"

enum { X87_FCS = 496, X87_FDS = 498 };
/* FCS or FDS as the processor stores it (0 when CPUID deprecates them; x87_env.c). */
u16 x87_stored_sel(const struct cpu *c, unsigned which);
/* FSW bits (SDM Vol. 1 8.1.3). */
enum {
    SW_IE = 0x01,
    SW_SF = 0x40,
    SW_ES = 0x80,
    SW_C0 = 0x100,
    SW_C1 = 0x200,
    SW_C2 = 0x400,
    SW_TOP = 0x3800,
    SW_C3 = 0x4000,
    SW_B = 0x8000,
    SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3,
};

static inline unsigned x87_top(const struct cpu *c)
{
    return (fx_get16(c, FX_FSW) >> 11) & 7;
}
static inline unsigned x87_phys(const struct cpu *c, unsigned i)
{
    return (x87_top(c) + i) & 7;
}
static inline fx80 x87_reg(const struct cpu *c, unsigned phys)
{
    const u8 *p = &c->fpu.fxsave[FX_ST0 + 16 * phys];
    return (fx80){load_le(p, 8), (u16)load_le(p + 8, 2)};
}
static inline void x87_set_reg(struct cpu *c, unsigned phys, fx80 v)
{
    u8 *p = &c->fpu.fxsave[FX_ST0 + 16 * phys];
    store_le(p, 8, v.sig);
    store_le(p + 8, 2, v.se);
}
/* The full 2-bit tag of physical register n: 0 valid, 1 zero, 2 special, 3 empty. */
static inline unsigned x87_tag(const struct cpu *c, unsigned n)
{
    if (!((c->fpu.fxsave[FX_FTW] >> n) & 1)) return 3;
    fx80 v = x87_reg(c, n);
    unsigned e = v.se & 0x7fff;
    if (e == 0x7fff) return 2;
    if (e == 0) return v.sig ? 2 : 1;
    return (v.sig >> 63) ? 0 : 2;
}
static inline u16 x87_full_tags(const struct cpu *c)
{
    u16 t = 0;
    for (unsigned n = 0; n < 8; n++)
        t |= (u16)(x87_tag(c, n) << (2 * n));
    return t;
}
/* The abridged tag byte from a full tag word: 11 is empty, anything else valid. */
static inline u8 x87_abridge(u16 tags)
{
    u8 t = 0;
    for (unsigned n = 0; n < 8; n++)
        if (((tags >> (2 * n)) & 3) != 3) t |= (u8)(1u << n);
    return t;
}

/* FSW.ES and B from the exception flags and FCW's masks (SDM Vol. 1 8.1.3.1). */
void x87_update_es(struct cpu *c);
/* x87_pending(), FSW.ES at a waiting instruction, is declared in fpu.h (MMX uses it). */
/* A waiting x87 instruction: the #NM rules (x87_check), then a pending exception. */
static inline void x87_wait_check(struct cpu *c)
{
    x87_check(c);
    if (unlikely(fx_get16(c, FX_FSW) & SW_ES)) x87_pending(c);
}
void x87_fninit(struct cpu *c);

/* Handlers, by row (fpu.c's fpu_ops). */
void op_fp_arith_m(struct cpu *c, const struct insn *i);   /* D8/DC/DA/DE mem */
void op_fp_arith_st0(struct cpu *c, const struct insn *i); /* D8 reg: ST0 = ST0 op ST(i) */
void op_fp_arith_sti(struct cpu *c, const struct insn *i); /* DC/DE reg: ST(i) = ST(i) op ST0 */
void op_fp_com_r(struct cpu *c, const struct insn *i);     /* FCOM/FCOMP/FUCOM/FUCOMP ST(i) */
void op_fcompp(struct cpu *c, const struct insn *i);       /* DE D9, DA E9 */
void op_fcomi(struct cpu *c, const struct insn *i);        /* DB/DF E8+i, F0+i */
void op_fcmov(struct cpu *c, const struct insn *i);
void op_fld_r(struct cpu *c, const struct insn *i);
void op_fst_r(struct cpu *c, const struct insn *i);
void op_fxch(struct cpu *c, const struct insn *i);
void op_ffree(struct cpu *c, const struct insn *i);
void op_fld_m(struct cpu *c, const struct insn *i); /* FLD m32/m64/m80, FILD, FBLD */
void op_fst_m(struct cpu *c, const struct insn *i); /* FST(P) m32/m64/m80, FIST(P), FISTTP, FBSTP */
void op_d9_e0(struct cpu *c, const struct insn *i); /* FCHS FABS FTST FXAM */
void op_fldconst(struct cpu *c, const struct insn *i); /* FLD1 ... FLDZ */
void op_d9_f0(struct cpu *c, const struct insn *i); /* F2XM1 FYL2X FPTAN FPATAN FXTRACT FPREM1 FDECSTP FINCSTP */
void op_d9_f8(struct cpu *c, const struct insn *i); /* FPREM FYL2XP1 FSQRT FSINCOS FRNDINT FSCALE FSIN FCOS */
void op_fnop(struct cpu *c, const struct insn *i);
void op_db_e0(struct cpu *c, const struct insn *i); /* FNCLEX FNINIT, FENI/FDISI/FSETPM */
void op_fnstsw_ax(struct cpu *c, const struct insn *i);
void op_fldcw(struct cpu *c, const struct insn *i);
void op_fnstcw(struct cpu *c, const struct insn *i);
void op_fnstsw_m(struct cpu *c, const struct insn *i);
void op_fnstenv(struct cpu *c, const struct insn *i);
void op_fldenv(struct cpu *c, const struct insn *i);
void op_fnsave(struct cpu *c, const struct insn *i);
void op_frstor(struct cpu *c, const struct insn *i);

#endif
