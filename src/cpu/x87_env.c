/* x87 control: pending exceptions and their delivery (#MF, or FERR#/IRQ 13), FNINIT,
 * FNCLEX, FLDCW, FNSTCW, FNSTSW, and the environment and state images of FNSTENV/FLDENV
 * and FNSAVE/FRSTOR in their four layouts (SDM Vol. 1 8.1.10, Figures 8-9 to 8-12). */
#include "../machine/machine.h"
#include "cpumodel.h"
#include "x87.h"

void x87_update_es(struct cpu *c)
{
    u16 sw = fx_get16(c, FX_FSW), cw = fx_get16(c, FX_FCW);
    if (sw & ~cw & 0x3f)
        sw |= SW_ES | SW_B;
    else
        sw &= (u16) ~(SW_ES | SW_B);
    fx_set16(c, FX_FSW, sw);
}

/* A pending unmasked exception (FSW.ES) at a waiting instruction (SDM Vol. 1 8.6, 8.7;
 * Vol. 3 2.5 CR0.NE): #MF with CR0.NE = 1. With CR0.NE = 0 the PC way: the processor
 * asserts FERR#, which the chipset latches onto IRQ 13 until software writes port F0H
 * (board.c; the interrupt arrives at the next instruction boundary with RFLAGS.IF); the
 * instruction then runs as with IGNNE# asserted, instead of freezing until the handler's
 * OUT to port F0H. */
void x87_pending(struct cpu *c)
{
    if (c->cr0 & CR0_NE) cpu_raise(c, EXC_MF, NO_ERRCODE);
    ferr_assert(c->m);
    c->check_events = true;
}

void x87_fninit(struct cpu *c)
{
    /* FCW 037FH, FSW 0, all tags empty, pointers and opcode 0 (SDM Vol. 2 FINIT). */
    memset(c->fpu.fxsave, 0, FX_MXCSR);
    fx_set16(c, X87_FCS, 0);
    fx_set16(c, X87_FDS, 0);
    fx_set16(c, FX_FCW, 0x037f);
}

/* DB E0-E7: FENI, FDISI (8087 only), FNCLEX, FNINIT, FSETPM (287 only): the three old
 * ones do nothing on later processors; E5-E7 are invalid. */
void op_db_e0(struct cpu *c, const struct insn *i)
{
    unsigned rm = i->modrm & 7;
    if (rm > 4) cpu_ud(c);
    x87_check(c);
    if (rm == 2)
        fx_set16(c, FX_FSW, fx_get16(c, FX_FSW) & 0x7f00);
    else if (rm == 3)
        x87_fninit(c);
}

void op_fnstsw_ax(struct cpu *c, const struct insn *i)
{
    if ((i->modrm & 7) != 0) cpu_ud(c);
    x87_check(c);
    reg_set(c, RAX, 2, fx_get16(c, FX_FSW));
}

void op_fnstsw_m(struct cpu *c, const struct insn *i)
{
    x87_check(c);
    seg_write(c, i->seg, insn_ea(c, i), 2, fx_get16(c, FX_FSW));
}

void op_fnstcw(struct cpu *c, const struct insn *i)
{
    x87_check(c);
    seg_write(c, i->seg, insn_ea(c, i), 2, fx_get16(c, FX_FCW));
}

void op_fldcw(struct cpu *c, const struct insn *i)
{
    x87_wait_check(c);
    fx_set16(c, FX_FCW, (u16)seg_read(c, i->seg, insn_ea(c, i), 2));
    x87_update_es(c);
}

/* --- Environment and state images --------------------------------------------------- */

static bool real_layout(const struct cpu *c)
{
    return c->mode == MODE_REAL || c->mode == MODE_V86;
}
/* 14 bytes with a 16-bit operand size, else 28 (64-bit mode uses the 32-bit layout). */
static unsigned env_size(const struct insn *i)
{
    return i->opsz == 2 ? 14 : 28;
}

/* FCS or FDS (X87_FCS, X87_FDS) as FNSTENV, FNSAVE, FXSAVE and XSAVE store it: 0000H when
 * CPUID.(EAX=07H,ECX=0):EBX[13] deprecates them (SDM Vol. 1 8.1.8). The processor then
 * keeps no selector, so the real-mode layouts hold the offsets alone (Bochs 2.7's skylake
 * and icelake, which report the bit, store them so too). */
u16 x87_stored_sel(const struct cpu *c, unsigned which)
{
    return cpu_has(c, FEAT_ZERO_FCS_FDS) ? 0 : fx_get16(c, which);
}

static void env_store(const struct cpu *c, const struct insn *i, u8 *b)
{
    u16 cw = fx_get16(c, FX_FCW), sw = fx_get16(c, FX_FSW), tw = x87_full_tags(c);
    u16 fop = fx_get16(c, FX_FOP) & 0x7ff, fcs = x87_stored_sel(c, X87_FCS),
        fds = x87_stored_sel(c, X87_FDS);
    u64 fip = load_le(&c->fpu.fxsave[FX_FIP], 8), fdp = load_le(&c->fpu.fxsave[FX_FDP], 8);
    bool real = real_layout(c);
    if (real) { /* the 20-bit (32-bit) linear addresses */
        fip = (u32)(fip + ((u32)fcs << 4));
        fdp = (u32)(fdp + ((u32)fds << 4));
    }
    if (i->opsz == 2) {
        store_le(b + 0, 2, cw);
        store_le(b + 2, 2, sw);
        store_le(b + 4, 2, tw);
        store_le(b + 6, 2, fip & 0xffff);
        store_le(b + 8, 2, real ? ((fip >> 16) & 0xf) << 12 | fop : fcs);
        store_le(b + 10, 2, fdp & 0xffff);
        store_le(b + 12, 2, real ? ((fdp >> 16) & 0xf) << 12 : fds);
        return;
    }
    store_le(b + 0, 4, 0xffff0000u | cw);
    store_le(b + 4, 4, 0xffff0000u | sw);
    store_le(b + 8, 4, 0xffff0000u | tw);
    if (real) {
        store_le(b + 12, 4, 0xffff0000u | (fip & 0xffff));
        store_le(b + 16, 4, ((fip >> 16) & 0xffff) << 12 | fop);
        store_le(b + 20, 4, 0xffff0000u | (fdp & 0xffff));
        store_le(b + 24, 4, ((fdp >> 16) & 0xffff) << 12);
    } else {
        store_le(b + 12, 4, (u32)fip);
        store_le(b + 16, 4, (u32)fcs | (u32)fop << 16);
        store_le(b + 20, 4, (u32)fdp);
        store_le(b + 24, 4, 0xffff0000u | fds);
    }
}

static void env_load(struct cpu *c, const struct insn *i, const u8 *b)
{
    u16 cw, sw, tw, fop = 0, fcs = 0, fds = 0;
    u64 fip, fdp;
    bool real = real_layout(c);
    if (i->opsz == 2) {
        cw = (u16)load_le(b, 2), sw = (u16)load_le(b + 2, 2), tw = (u16)load_le(b + 4, 2);
        u16 w8 = (u16)load_le(b + 8, 2), w12 = (u16)load_le(b + 12, 2);
        fip = load_le(b + 6, 2);
        fdp = load_le(b + 10, 2);
        if (real) {
            fip |= (u64)(w8 >> 12) << 16, fop = w8 & 0x7ff;
            fdp |= (u64)(w12 >> 12) << 16;
        } else {
            fcs = w8, fds = w12;
        }
    } else {
        cw = (u16)load_le(b, 2), sw = (u16)load_le(b + 4, 2), tw = (u16)load_le(b + 8, 2);
        u32 d16 = (u32)load_le(b + 16, 4), d24 = (u32)load_le(b + 24, 4);
        if (real) {
            fip = load_le(b + 12, 2) | (u64)((d16 >> 12) & 0xffff) << 16;
            fop = d16 & 0x7ff;
            fdp = load_le(b + 20, 2) | (u64)((d24 >> 12) & 0xffff) << 16;
        } else {
            fip = load_le(b + 12, 4), fcs = (u16)d16, fop = (d16 >> 16) & 0x7ff;
            fdp = load_le(b + 20, 4), fds = (u16)d24;
        }
    }
    fx_set16(c, FX_FCW, cw);
    fx_set16(c, FX_FSW, sw);
    c->fpu.fxsave[FX_FTW] = x87_abridge(tw);
    fx_set16(c, FX_FOP, fop);
    store_le(&c->fpu.fxsave[FX_FIP], 8, fip);
    store_le(&c->fpu.fxsave[FX_FDP], 8, fdp);
    fx_set16(c, X87_FCS, fcs);
    fx_set16(c, X87_FDS, fds);
    x87_update_es(c);
}

/* The whole area is checked before anything is written or loaded. */
static u64 area(struct cpu *c, const struct insn *i, unsigned n, int acc)
{
    u64 ea = insn_ea(c, i);
    u64 lin = seg_check(c, i->seg, ea, 1, acc);
    seg_check(c, i->seg, (ea + n - 1) & size_mask(i->adsz), 1, acc);
    return lin;
}

void op_fnstenv(struct cpu *c, const struct insn *i)
{
    x87_check(c);
    u8 b[28];
    unsigned n = env_size(i);
    u64 lin = area(c, i, n, ACC_WRITE);
    env_store(c, i, b);
    lin_write_bytes(c, lin, b, n, ACC_WRITE);
    fx_set16(c, FX_FCW, fx_get16(c, FX_FCW) | 0x3f); /* all exceptions masked: ES, B clear */
    x87_update_es(c);
}

void op_fldenv(struct cpu *c, const struct insn *i)
{
    x87_wait_check(c);
    u8 b[28];
    unsigned n = env_size(i);
    lin_read_bytes(c, area(c, i, n, ACC_READ), b, n, ACC_READ);
    env_load(c, i, b);
}

void op_fnsave(struct cpu *c, const struct insn *i)
{
    x87_check(c);
    u8 b[108];
    unsigned n = env_size(i);
    u64 lin = area(c, i, n + 80, ACC_WRITE);
    env_store(c, i, b);
    for (unsigned k = 0; k < 8; k++) {
        fx80 v = x87_reg(c, x87_phys(c, k));
        store_le(b + n + 10 * k, 8, v.sig);
        store_le(b + n + 10 * k + 8, 2, v.se);
    }
    lin_write_bytes(c, lin, b, n + 80, ACC_WRITE);
    x87_fninit(c);
}

void op_frstor(struct cpu *c, const struct insn *i)
{
    x87_wait_check(c);
    u8 b[108];
    unsigned n = env_size(i);
    lin_read_bytes(c, area(c, i, n + 80, ACC_READ), b, n + 80, ACC_READ);
    env_load(c, i, b);
    for (unsigned k = 0; k < 8; k++)
        x87_set_reg(c, x87_phys(c, k),
                    (fx80){load_le(b + n + 10 * k, 8), (u16)load_le(b + n + 10 * k + 8, 2)});
}
