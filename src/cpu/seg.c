/* Segment loading and the protection checks of MOV/POP Sreg and LxS (SDM Vol. 3 3.4,
 * 5.5-5.7; Vol. 2 MOV, POP, LDS/LES/LFS/LGS/LSS), descriptor-table access and the
 * helpers far transfers, interrupts and task switches use to fill segment caches. */
#include "descriptor.h"

/* Descriptor tables live at linear addresses; outside 64-bit mode they wrap at 4 GiB. */
static u64 table_lin(const struct cpu *c, u64 base, u64 off)
{
    u64 lin = base + off;
    return (c->efer & EFER_LMA) ? lin : (u32)lin;
}

u64 seg_desc_addr(struct cpu *c, u16 sel, unsigned bytes, int err_vector, int ext)
{
    u64 base;
    u32 limit;
    int err = (sel & 0xfffc) | (ext & 1);
    if (sel & 4) {
        /* SDM Vol. 3 3.5.1: a selector with TI = 1 needs a usable LDT. */
        const struct seg *ldt = &c->seg[SEG_LDTR];
        if (ldt->ar & AR_UNUSABLE) cpu_raise(c, err_vector, err);
        base = ldt->base;
        limit = ldt->limit;
    } else {
        base = c->gdtr.base;
        limit = c->gdtr.limit;
    }
    u32 off = sel & 0xfff8u;
    if ((u64)off + bytes - 1 > limit) cpu_raise(c, err_vector, err);
    return table_lin(c, base, off);
}

u64 seg_read_descriptor_ext(struct cpu *c, u16 sel, int err_vector, int ext)
{
    u64 lin = seg_desc_addr(c, sel, 8, err_vector, ext);
    return lin_read(c, lin, 8, ACC_READ | ACC_SUPER);
}

u64 seg_read_descriptor(struct cpu *c, u16 sel, int err_vector)
{
    return seg_read_descriptor_ext(c, sel, err_vector, 0);
}

void seg_read_descriptor16(struct cpu *c, u16 sel, int err_vector, int ext, u64 *lo, u64 *hi)
{
    u64 lin = seg_desc_addr(c, sel, 16, err_vector, ext);
    *lo = lin_read(c, lin, 8, ACC_READ | ACC_SUPER);
    *hi = lin_read(c, table_lin(c, lin, 8), 8, ACC_READ | ACC_SUPER);
    /* SDM Vol. 3 5.8.3.1: the type field of the upper half must be zero. */
    if ((*hi >> 40) & 0x1f) cpu_raise(c, err_vector, (sel & 0xfffc) | (ext & 1));
}

void seg_set_accessed(struct cpu *c, u16 sel, u64 *desc)
{
    if (*desc & DESC_ACCESSED_BIT) return;
    *desc |= DESC_ACCESSED_BIT;
    u64 lin = seg_desc_addr(c, sel, 8, EXC_GP, 0);
    lin_write(c, table_lin(c, lin, 5), 1, (u8)(*desc >> 40), ACC_WRITE | ACC_SUPER);
}

void seg_set_busy(struct cpu *c, u16 sel, bool busy)
{
    u64 lin = table_lin(c, c->gdtr.base, sel & 0xfff8u);
    u64 b = lin_read(c, table_lin(c, lin, 5), 1, ACC_READ | ACC_SUPER);
    b = busy ? b | 2 : b & ~2ull;
    lin_write(c, table_lin(c, lin, 5), 1, b, ACC_WRITE | ACC_SUPER);
}

void seg_from_descriptor(struct seg *s, u16 sel, u64 d)
{
    s->sel = sel;
    s->base = desc_base(d);
    s->limit = desc_limit(d);
    /* VMX access-rights layout (SDM Vol. 3 24.4.1): bits 7:0 and 15:12 of the descriptor's
     * attribute word. */
    s->ar = (u32)((d >> 40) & 0xff) | (u32)(((d >> 52) & 0xf) << 12);
}

void seg_from_system_descriptor(struct seg *s, u16 sel, u64 lo, u64 hi)
{
    seg_from_descriptor(s, sel, lo);
    s->base |= (hi & 0xffffffffull) << 32;
}

void seg_load_null(struct cpu *c, int seg, u16 sel)
{
    struct seg *s = &c->seg[seg];
    s->sel = sel;
    /* Intel clears the base of a segment loaded with a null selector, also FS/GS in
     * 64-bit mode (unlike AMD). The DPL of an unusable SS still tracks the CPL
     * (SDM Vol. 3 24.4.1 note on SS.DPL). */
    s->base = 0;
    s->limit = 0;
    s->ar = AR_UNUSABLE | (seg == SEG_SS ? (u32)sel_rpl(sel) << AR_DPL_SHIFT : 0);
    if (seg == SEG_SS) cpu_update_mode(c);
}

void seg_load_checked(struct cpu *c, int seg, u16 sel, u64 desc)
{
    seg_set_accessed(c, sel, &desc);
    seg_from_descriptor(&c->seg[seg], sel, desc);
    if (seg == SEG_SS || seg == SEG_CS) cpu_update_mode(c);
}

void seg_load_cs(struct cpu *c, u16 sel, u64 desc, unsigned cpl)
{
    seg_set_accessed(c, sel, &desc);
    seg_from_descriptor(&c->seg[SEG_CS], (u16)((sel & 0xfffc) | cpl), desc);
    c->cpl = (u8)cpl;
    cpu_update_mode(c);
}

void seg_load_real(struct cpu *c, int seg, u16 sel)
{
    struct seg *s = &c->seg[seg];
    s->sel = sel;
    s->base = (u64)sel << 4;
    /* Real mode keeps limit and attributes (the "unreal mode" behaviour, SDM Vol. 3
     * 21.1.1 — loading a selector only changes base and selector), but the register is
     * usable again. */
    if (s->ar & AR_UNUSABLE) {
        s->ar = AR_P | AR_S | (seg == SEG_CS ? 0xb : 0x3);
        s->limit = 0xffff;
    }
    if (seg == SEG_SS || seg == SEG_CS) cpu_update_mode(c);
}

void seg_load_v86(struct cpu *c, int seg, u16 sel)
{
    struct seg *s = &c->seg[seg];
    s->sel = sel;
    s->base = (u64)sel << 4;
    s->limit = 0xffff;
    /* Present, DPL 3, read/write accessed data: the v86 attributes VM entry also demands
     * (SDM Vol. 3 26.3.1.2). */
    s->ar = 0xf3;
    if (seg == SEG_SS || seg == SEG_CS) cpu_update_mode(c);
}

bool seg_limit_ok(const struct seg *s, u64 off, unsigned size)
{
    u64 last = off + size - 1;
    if (s->ar & AR_UNUSABLE) return false;
    bool data = (s->ar & AR_S) && !(s->ar & DT_CODE);
    if (data && (s->ar & DT_EXPDOWN)) {
        /* Expand-down: valid offsets are limit+1 .. 0xffff or 0xffffffff (SDM Vol. 3 5.3). */
        u64 top = (s->ar & AR_DB) ? 0xffffffffull : 0xffffull;
        return off > s->limit && last <= top && last >= off;
    }
    return last <= s->limit && last >= off;
}

/* MOV/POP/LxS to SS in protected or IA-32e mode (SDM Vol. 2 MOV, "IF SS is loaded"). */
static void load_ss(struct cpu *c, u16 sel)
{
    if (sel_null(sel)) {
        /* SDM Vol. 2 MOV: 64-bit mode allows a null SS at CPL < 3 when RPL = CPL. */
        if (c->mode == MODE_LONG && c->cpl != 3 && sel_rpl(sel) == c->cpl) {
            seg_load_null(c, SEG_SS, sel);
            return;
        }
        cpu_gp(c, 0);
    }
    u64 d = seg_read_descriptor(c, sel, EXC_GP);
    if (sel_rpl(sel) != c->cpl || !desc_writable_data(d) || desc_dpl(d) != c->cpl)
        cpu_gp(c, sel & 0xfffc);
    if (!desc_present(d)) cpu_raise(c, EXC_SS, sel & 0xfffc);
    seg_load_checked(c, SEG_SS, sel, d);
}

/* DS, ES, FS, GS (SDM Vol. 2 MOV, "IF DS, ES, FS, or GS is loaded with non-NULL"). */
static void load_data(struct cpu *c, int seg, u16 sel)
{
    if (sel_null(sel)) {
        seg_load_null(c, seg, sel);
        return;
    }
    u64 d = seg_read_descriptor(c, sel, EXC_GP);
    if (!desc_readable(d)) cpu_gp(c, sel & 0xfffc);
    if (!desc_conforming(d) && (sel_rpl(sel) > desc_dpl(d) || c->cpl > desc_dpl(d)))
        cpu_gp(c, sel & 0xfffc);
    if (!desc_present(d)) cpu_raise(c, EXC_NP, sel & 0xfffc);
    seg_load_checked(c, seg, sel, d);
}

void seg_load(struct cpu *c, int seg, u16 sel)
{
    if (c->mode == MODE_REAL) {
        seg_load_real(c, seg, sel);
    } else if (c->mode == MODE_V86) {
        seg_load_v86(c, seg, sel);
    } else if (seg == SEG_SS) {
        load_ss(c, sel);
    } else {
        load_data(c, seg, sel);
    }
}

void seg_null_invalid_data(struct cpu *c)
{
    static const int regs[] = {SEG_ES, SEG_FS, SEG_GS, SEG_DS};
    for (size_t k = 0; k < ARRAY_LEN(regs); k++) {
        struct seg *s = &c->seg[regs[k]];
        if (sel_null(s->sel)) {
            s->sel = 0; /* a null selector with RPL != 0 becomes 0 (SDM Vol. 2 IRET) */
            s->ar |= AR_UNUSABLE;
            continue;
        }
        if (s->ar & AR_UNUSABLE) continue;
        unsigned type = s->ar & AR_TYPE;
        bool data_or_nc = !(type & DT_CODE) || !(type & DT_CONFORMING);
        /* SDM Vol. 2 RET/IRET: the selector becomes null and the register unusable. */
        if (data_or_nc && ((s->ar & AR_DPL) >> AR_DPL_SHIFT) < c->cpl) {
            s->sel = 0;
            s->ar |= AR_UNUSABLE;
        }
    }
}

u64 seg_check_inner_ss(struct cpu *c, u16 ss, unsigned dpl, int ext)
{
    /* SDM Vol. 2 CALL (inter-privilege) and INT n (INTER-PRIVILEGE-LEVEL-INTERRUPT). */
    if (sel_null(ss)) cpu_raise(c, EXC_TS, ext & 1);
    int err = (ss & 0xfffc) | (ext & 1);
    if (sel_rpl(ss) != dpl) cpu_raise(c, EXC_TS, err);
    u64 d = seg_read_descriptor_ext(c, ss, EXC_TS, ext);
    if (desc_dpl(d) != dpl || !desc_writable_data(d)) cpu_raise(c, EXC_TS, err);
    if (!desc_present(d)) cpu_raise(c, EXC_SS, err);
    return d;
}
