/* Instructions on segment registers and selectors: MOV Sreg, PUSH/POP Sreg, LDS/LES/
 * LFS/LGS/LSS, LAR, LSL, VERR, VERW, ARPL (SDM Vol. 2, each instruction). The loads
 * themselves and their protection checks are in seg.c. */
#include "descriptor.h"
#include "insn.h"

static void set_zf(struct cpu *c, bool zf)
{
    u64 f = cpu_get_rflags(c);
    cpu_set_rflags(c, (f & ~(u64)FL_ZF) | (zf ? FL_ZF : 0));
}

/* MOV SS / POP SS / LSS inhibit interrupts and debug traps until the next instruction
 * completes (SDM Vol. 3 6.8.3). */
static void after_ss_load(struct cpu *c)
{
    c->interrupt_shadow = true;
    c->shadow_movss = true;
    c->shadow_icount = c->icount;
}

/* Load a segment register as MOV/POP do; SS gets the interrupt shadow. */
static void load_sreg(struct cpu *c, int seg, u16 sel)
{
    seg_load(c, seg, sel);
    c->stop_block = true;
    if (seg == SEG_SS) after_ss_load(c);
}

/* 8C: MOV r/m16, Sreg. A register destination receives the selector zero-extended to the
 * operand size; memory always gets 16 bits (SDM Vol. 2 MOV). */
static void op_mov_from_sreg(struct cpu *c, const struct insn *i)
{
    unsigned sr = (i->modrm >> 3) & 7;
    if (sr > SEG_GS) cpu_ud(c);
    u16 sel = c->seg[sr].sel;
    if (i->mod == 3) reg_set(c, i->rm, i->opsz == 2 ? 2 : i->opsz, sel);
    else seg_write(c, i->seg, insn_ea(c, i), 2, sel);
}

/* 8E: MOV Sreg, r/m16. MOV to CS is #UD. */
static void op_mov_to_sreg(struct cpu *c, const struct insn *i)
{
    unsigned sr = (i->modrm >> 3) & 7;
    if (sr == SEG_CS || sr > SEG_GS) cpu_ud(c);
    load_sreg(c, (int)sr, (u16)rm_read(c, i, 2));
}

/* PUSH Sreg (SDM Vol. 2 PUSH, "if the source operand is a segment register"): a 64-bit
 * push zero-extends the selector; a 32-bit one moves only 16 bits into its slot, as recent
 * Intel processors do, leaving the upper half of the slot unmodified. */
static void push_sreg(struct cpu *c, const struct insn *i, int seg)
{
    u16 sel = c->seg[seg].sel;
    if (i->opsz != 4) {
        stack_push(c, i->opsz, sel);
        return;
    }
    struct stk s;
    stk_current(c, &s, 0);
    u64 old = stk_peek(c, &s, -(s64)i->opsz, i->opsz);
    stk_push(c, &s, i->opsz, (old & ~0xffffull) | sel);
    stk_commit_sp(c, &s);
}

static void pop_sreg(struct cpu *c, const struct insn *i, int seg)
{
    struct stk s;
    stk_current(c, &s, 0);
    u16 sel = (u16)stk_pop(c, &s, i->opsz);
    load_sreg(c, seg, sel); /* may fault: rSP is committed only afterwards */
    stk_commit_sp(c, &s);
}

static void op_push_es(struct cpu *c, const struct insn *i) { push_sreg(c, i, SEG_ES); }
static void op_push_cs(struct cpu *c, const struct insn *i) { push_sreg(c, i, SEG_CS); }
static void op_push_ss(struct cpu *c, const struct insn *i) { push_sreg(c, i, SEG_SS); }
static void op_push_ds(struct cpu *c, const struct insn *i) { push_sreg(c, i, SEG_DS); }
static void op_push_fs(struct cpu *c, const struct insn *i) { push_sreg(c, i, SEG_FS); }
static void op_push_gs(struct cpu *c, const struct insn *i) { push_sreg(c, i, SEG_GS); }
static void op_pop_es(struct cpu *c, const struct insn *i) { pop_sreg(c, i, SEG_ES); }
static void op_pop_ss(struct cpu *c, const struct insn *i) { pop_sreg(c, i, SEG_SS); }
static void op_pop_ds(struct cpu *c, const struct insn *i) { pop_sreg(c, i, SEG_DS); }
static void op_pop_fs(struct cpu *c, const struct insn *i) { pop_sreg(c, i, SEG_FS); }
static void op_pop_gs(struct cpu *c, const struct insn *i) { pop_sreg(c, i, SEG_GS); }

/* LDS/LES/LFS/LGS/LSS r, m16:16/32/64: the selector follows the offset in memory. The
 * segment is loaded first so that a failed load leaves the register untouched. */
static void load_far_pointer(struct cpu *c, const struct insn *i, int seg)
{
    if (i->mod == 3) cpu_ud(c);
    u64 ea = insn_ea(c, i);
    u64 off = seg_read(c, i->seg, ea, i->opsz);
    u16 sel = (u16)seg_read(c, i->seg, (ea + i->opsz) & size_mask(i->adsz), 2);
    /* Only MOV SS and POP SS create the interrupt shadow (SDM Vol. 3 6.8.3), not LSS. */
    seg_load(c, seg, sel);
    c->stop_block = true;
    reg_set(c, i->reg, i->opsz, off);
}

static void op_les(struct cpu *c, const struct insn *i) { load_far_pointer(c, i, SEG_ES); }
static void op_lds(struct cpu *c, const struct insn *i) { load_far_pointer(c, i, SEG_DS); }
static void op_lss(struct cpu *c, const struct insn *i) { load_far_pointer(c, i, SEG_SS); }
static void op_lfs(struct cpu *c, const struct insn *i) { load_far_pointer(c, i, SEG_FS); }
static void op_lgs(struct cpu *c, const struct insn *i) { load_far_pointer(c, i, SEG_GS); }

/* --- LAR, LSL, VERR, VERW: probes that report through ZF instead of faulting ------ */

static bool protected_mode(const struct cpu *c)
{
    return c->mode != MODE_REAL && c->mode != MODE_V86;
}

/* Fetch the descriptor for a probe: false if null or outside its table. In IA-32e mode a
 * system descriptor must also have a valid upper half (SDM Vol. 2 LAR). */
static bool probe_descriptor(struct cpu *c, u16 sel, u64 *d)
{
    if (sel_null(sel)) return false;
    const struct seg *ldt = &c->seg[SEG_LDTR];
    u64 base = (sel & 4) ? ldt->base : c->gdtr.base;
    u32 limit = (sel & 4) ? ldt->limit : c->gdtr.limit;
    if ((sel & 4) && (ldt->ar & AR_UNUSABLE)) return false;
    u64 off = sel & 0xfff8u;
    if (off + 7 > limit) return false;
    u64 lin = base + off;
    if (!(c->efer & EFER_LMA)) lin = (u32)lin;
    *d = lin_read(c, lin, 8, ACC_READ | ACC_SUPER);
    if ((c->efer & EFER_LMA) && !desc_s(*d)) {
        if (off + 15 > limit) return false;
        u64 hi = lin_read(c, lin + 8, 8, ACC_READ | ACC_SUPER);
        if ((hi >> 40) & 0x1f) return false;
    }
    return true;
}

/* Privilege rule shared by the probes: conforming code is always visible, anything else
 * needs DPL >= CPL and DPL >= RPL. */
static bool probe_visible(const struct cpu *c, u16 sel, u64 d)
{
    if (desc_conforming(d)) return true;
    return desc_dpl(d) >= c->cpl && desc_dpl(d) >= sel_rpl(sel);
}

/* System types LAR (lar = true) or LSL accept: SDM Vol. 2 LAR/LSL tables. */
static bool probe_type_ok(const struct cpu *c, u64 d, bool lar)
{
    if (desc_s(d)) return true;
    unsigned t = desc_type(d);
    if (c->efer & EFER_LMA)
        return t == DT_LDT || t == DT_TSS32 || t == DT_TSS32_BUSY || (lar && t == DT_CALL32);
    switch (t) {
    case DT_TSS16: case DT_LDT: case DT_TSS16_BUSY: case DT_TSS32: case DT_TSS32_BUSY:
        return true;
    case DT_CALL16: case DT_TASK: case DT_CALL32:
        return lar;
    default:
        return false;
    }
}

static void lar_lsl(struct cpu *c, const struct insn *i, bool lar)
{
    if (!protected_mode(c)) cpu_ud(c);
    u16 sel = (u16)rm_read(c, i, 2);
    u64 d;
    if (!probe_descriptor(c, sel, &d) || !probe_type_ok(c, d, lar) || !probe_visible(c, sel, d)) {
        set_zf(c, false);
        return;
    }
    u64 v = lar ? (d >> 32) & 0x00f0ff00 : desc_limit(d);
    reg_set(c, i->reg, i->opsz, v & size_mask(i->opsz));
    set_zf(c, true);
}

static void op_lar(struct cpu *c, const struct insn *i) { lar_lsl(c, i, true); }
static void op_lsl(struct cpu *c, const struct insn *i) { lar_lsl(c, i, false); }

static void verify(struct cpu *c, const struct insn *i, bool write)
{
    if (!protected_mode(c)) cpu_ud(c);
    u16 sel = (u16)rm_read(c, i, 2);
    u64 d;
    bool ok = probe_descriptor(c, sel, &d) && desc_s(d) && probe_visible(c, sel, d);
    if (ok) ok = write ? desc_writable_data(d) : desc_readable(d);
    set_zf(c, ok);
}

static void op_verr(struct cpu *c, const struct insn *i) { verify(c, i, false); }
static void op_verw(struct cpu *c, const struct insn *i) { verify(c, i, true); }

/* 63: ARPL r/m16, r16 (outside 64-bit mode; there the opcode is MOVSXD, in move.c). */
static void op_arpl(struct cpu *c, const struct insn *i)
{
    if (!protected_mode(c)) cpu_ud(c);
    u16 dst = (u16)rm_read(c, i, 2);
    u16 src = (u16)reg_get(c, i->reg, 2);
    if (sel_rpl(dst) < sel_rpl(src)) {
        rm_write(c, i, 2, (dst & ~3u) | sel_rpl(src));
        set_zf(c, true);
    } else {
        set_zf(c, false);
    }
}

const struct opdef segment_ops[] = {
    {MAP_1B, 0x06, -1, OPF_INV64, op_push_es},
    {MAP_1B, 0x07, -1, OPF_INV64, op_pop_es},
    {MAP_1B, 0x0e, -1, OPF_INV64, op_push_cs},
    {MAP_1B, 0x16, -1, OPF_INV64, op_push_ss},
    {MAP_1B, 0x17, -1, OPF_INV64 | OPF_ENDBLOCK, op_pop_ss},
    {MAP_1B, 0x1e, -1, OPF_INV64, op_push_ds},
    {MAP_1B, 0x1f, -1, OPF_INV64, op_pop_ds},
    {MAP_1B, 0x63, -1, OPF_MODRM | OPF_INV64, op_arpl},
    {MAP_1B, 0x8c, -1, OPF_MODRM, op_mov_from_sreg},
    {MAP_1B, 0x8e, -1, OPF_MODRM | OPF_ENDBLOCK, op_mov_to_sreg},
    /* C4/C5 with a register operand, and in 64-bit mode, are VEX prefixes (AVX): not
     * offered, so #UD. */
    {MAP_1B, 0xc4, -1, OPF_MODRM | OPF_INV64, op_les, .mod = MOD_MEM},
    {MAP_1B, 0xc5, -1, OPF_MODRM | OPF_INV64, op_lds, .mod = MOD_MEM},
    {MAP_0F, 0x00, 4, OPF_MODRM, op_verr},
    {MAP_0F, 0x00, 5, OPF_MODRM, op_verw},
    {MAP_0F, 0x02, -1, OPF_MODRM, op_lar},
    {MAP_0F, 0x03, -1, OPF_MODRM, op_lsl},
    {MAP_0F, 0xa0, -1, OPF_DEF64, op_push_fs},
    {MAP_0F, 0xa1, -1, OPF_DEF64, op_pop_fs},
    {MAP_0F, 0xa8, -1, OPF_DEF64, op_push_gs},
    {MAP_0F, 0xa9, -1, OPF_DEF64, op_pop_gs},
    {MAP_0F, 0xb2, -1, OPF_MODRM | OPF_ENDBLOCK, op_lss},
    {MAP_0F, 0xb4, -1, OPF_MODRM, op_lfs},
    {MAP_0F, 0xb5, -1, OPF_MODRM, op_lgs},
    {.fn = NULL},
};
