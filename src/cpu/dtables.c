/* Descriptor-table registers: LGDT, LIDT, SGDT, SIDT (0F 01 /0-/3) and LLDT, LTR, SLDT,
 * STR (0F 00 /0-/3). SDM Vol. 2 for each instruction; Vol. 3 2.4 (memory-management
 * registers), 7.2.2-7.2.4 (TSS descriptor and task register). */
#include "descriptor.h"
#include "sysinsn.h"

/* The pseudo-descriptor base is 8 bytes in 64-bit mode and 4 bytes elsewhere; a 16-bit
 * operand size loads only 24 bits of it (SDM Vol. 2 LGDT/LIDT). */
static void load_dtr(struct cpu *c, const struct insn *i, struct dtr *d)
{
    if (i->mod == 3) cpu_ud(c);
    require_cpl0(c);
    u64 ea = insn_ea(c, i);
    unsigned bsize = c->mode == MODE_LONG ? 8 : 4;
    u32 limit = (u32)seg_read(c, i->seg, ea, 2);
    u64 base = seg_read(c, i->seg, (ea + 2) & size_mask(i->adsz), bsize);
    if (bsize == 4 && i->opsz == 2) base &= 0xffffff;
    /* 64-bit mode: #GP(0) for a non-canonical base (SDM Vol. 2 LGDT/LIDT), canonical
     * for the processor whatever CR4.LA57 says (cpu.h). */
    if (bsize == 8 && !cpu_is_canonical_max(c, base)) cpu_gp(c, 0);
    d->limit = limit;
    d->base = base;
}

/* SGDT/SIDT store the 32-bit base whatever the operand size (386 and later), 64 bits in
 * 64-bit mode. */
static void store_dtr(struct cpu *c, const struct insn *i, const struct dtr *d)
{
    if (i->mod == 3) cpu_ud(c);
    umip_check(c);
    u64 ea = insn_ea(c, i);
    unsigned bsize = c->mode == MODE_LONG ? 8 : 4;
    u64 ea2 = (ea + 2) & size_mask(i->adsz);
    /* Check both parts before storing either. */
    seg_check(c, i->seg, ea, 2, ACC_WRITE);
    seg_check(c, i->seg, ea2, bsize, ACC_WRITE);
    seg_write(c, i->seg, ea, 2, d->limit & 0xffff);
    seg_write(c, i->seg, ea2, bsize, d->base & size_mask(bsize));
}

void op_lgdt(struct cpu *c, const struct insn *i) { load_dtr(c, i, &c->gdtr); }
void op_lidt(struct cpu *c, const struct insn *i) { load_dtr(c, i, &c->idtr); }
void op_sgdt(struct cpu *c, const struct insn *i) { store_dtr(c, i, &c->gdtr); }
void op_sidt(struct cpu *c, const struct insn *i) { store_dtr(c, i, &c->idtr); }

/* LLDT, LTR, SLDT and STR are not recognised in real-address and virtual-8086 mode. */
static void protected_only(struct cpu *c)
{
    if (c->mode == MODE_REAL || c->mode == MODE_V86) cpu_ud(c);
}

static void store_sel(struct cpu *c, const struct insn *i, u16 sel)
{
    protected_only(c);
    umip_check(c);
    /* A register destination is zero-extended to the operand size (SDM Vol. 2 SLDT/STR). */
    if (i->mod == 3) reg_set(c, i->rm, i->opsz, sel);
    else rm_write(c, i, 2, sel);
}

void op_sldt(struct cpu *c, const struct insn *i) { store_sel(c, i, c->seg[SEG_LDTR].sel); }
void op_str(struct cpu *c, const struct insn *i) { store_sel(c, i, c->seg[SEG_TR].sel); }

/* Read the GDT system descriptor for LLDT/LTR: 16 bytes in IA-32e mode with a canonical
 * base (SDM Vol. 3 5.8.3.1 / Vol. 2 LLDT, LTR). */
static void read_system_desc(struct cpu *c, u16 sel, u64 *lo, u64 *hi)
{
    if (sel & 4) cpu_gp(c, sel & 0xfffc); /* must be in the GDT */
    *hi = 0;
    if (c->efer & EFER_LMA) seg_read_descriptor16(c, sel, EXC_GP, 0, lo, hi);
    else *lo = seg_read_descriptor(c, sel, EXC_GP);
}

static bool base_canonical(const struct cpu *c, u64 lo, u64 hi)
{
    if (!(c->efer & EFER_LMA)) return true;
    return cpu_is_canonical_max(c, desc_base(lo) | (hi & 0xffffffffull) << 32);
}

void op_lldt(struct cpu *c, const struct insn *i)
{
    protected_only(c);
    require_cpl0(c);
    u16 sel = (u16)rm_read(c, i, 2);
    if (sel_null(sel)) {
        /* A null selector makes LDTR unusable (SDM Vol. 2 LLDT). */
        c->seg[SEG_LDTR].sel = sel;
        c->seg[SEG_LDTR].base = 0;
        c->seg[SEG_LDTR].limit = 0;
        c->seg[SEG_LDTR].ar = AR_UNUSABLE;
        return;
    }
    u64 lo, hi;
    read_system_desc(c, sel, &lo, &hi);
    if (desc_s(lo) || desc_type(lo) != DT_LDT) cpu_gp(c, sel & 0xfffc);
    if (!desc_present(lo)) cpu_raise(c, EXC_NP, sel & 0xfffc);
    if (!base_canonical(c, lo, hi)) cpu_gp(c, sel & 0xfffc);
    seg_from_system_descriptor(&c->seg[SEG_LDTR], sel, lo, hi);
}

void op_ltr(struct cpu *c, const struct insn *i)
{
    protected_only(c);
    require_cpl0(c);
    u16 sel = (u16)rm_read(c, i, 2);
    if (sel_null(sel)) cpu_gp(c, 0);
    u64 lo, hi;
    read_system_desc(c, sel, &lo, &hi);
    /* An available TSS: 32/64-bit, or 16-bit outside IA-32e mode (SDM Vol. 2 LTR). */
    unsigned type = desc_type(lo);
    bool ok = !desc_s(lo) && (type == DT_TSS32 || (type == DT_TSS16 && !(c->efer & EFER_LMA)));
    if (!ok) cpu_gp(c, sel & 0xfffc);
    if (!desc_present(lo)) cpu_raise(c, EXC_NP, sel & 0xfffc);
    if (!base_canonical(c, lo, hi)) cpu_gp(c, sel & 0xfffc);
    seg_set_busy(c, sel, true);
    seg_from_system_descriptor(&c->seg[SEG_TR], sel, lo | DESC_BUSY_BIT, hi);
}
