/* Instruction decoder: prefixes, REX, opcode maps, ModRM/SIB, displacement and immediates
 * (SDM Vol. 2 chapter 2 and Appendix A). Everything it knows about an opcode comes from
 * the families' rows (struct opdef, insn.h) through the tables optable.c derives from
 * them: whether ModRM follows, then the form for (ModRM.reg, mandatory prefix, mod) with
 * its handler, operand-size attributes, immediate kind, LOCK legality and validity. The
 * result is a `struct insn`; invalid encodings get a handler that raises #UD or #GP. */
#include "cpumodel.h"
#include "insn.h"

void op_ud(struct cpu *c, const struct insn *i)
{
    (void)i;
    cpu_ud(c);
}

/* More than 15 bytes (SDM Vol. 2 2.3.11). */
static void op_too_long(struct cpu *c, const struct insn *i)
{
    (void)i;
    cpu_gp(c, 0);
}

struct reader {
    struct cpu *c;
    fetch_fn fetch;
    void *ctx;
    unsigned pos;
    bool too_long;
};

static u8 next_byte(struct reader *r)
{
    /* The 16th byte is never fetched: the instruction is already invalid. */
    if (r->pos >= 15) {
        r->too_long = true;
        return 0;
    }
    return r->fetch(r->c, r->ctx, r->pos++);
}

static u64 next_bytes(struct reader *r, unsigned n)
{
    u64 v = 0;
    for (unsigned k = 0; k < n; k++) v |= (u64)next_byte(r) << (8 * k);
    return v;
}

/* ModRM memory forms: 16-bit table (SDM Vol. 2 Table 2-1). */
static void modrm16(struct reader *rd, struct insn *i)
{
    static const u8 base16[8] = {RBX, RBX, RBP, RBP, RSI, RDI, RBP, RBX};
    static const u8 index16[8] = {RSI, RDI, RSI, RDI, NO_REG, NO_REG, NO_REG, NO_REG};
    unsigned rm = i->modrm & 7;
    i->base = base16[rm];
    i->index = index16[rm];
    i->scale = 0;
    if (i->mod == 0 && rm == 6) {
        i->base = NO_REG;
        i->disp = (s16)next_bytes(rd, 2);
    } else if (i->mod == 1) {
        i->disp = (s8)next_byte(rd);
    } else if (i->mod == 2) {
        i->disp = (s16)next_bytes(rd, 2);
    }
    if (!i->seg_override && i->base == RBP) i->seg = SEG_SS;
}

/* 32/64-bit forms with SIB (SDM Vol. 2 Tables 2-2, 2-3; 2.2.1.6 for RIP-relative). */
static void modrm32(struct reader *rd, struct insn *i, bool long_mode)
{
    unsigned rm = i->modrm & 7;
    unsigned rex_b = (i->rex & 1) << 3, rex_x = (i->rex & 2) << 2;
    i->index = NO_REG;
    i->scale = 0;
    if (rm == 4) {
        u8 sib = next_byte(rd);
        unsigned idx = ((sib >> 3) & 7) | rex_x;
        i->scale = sib >> 6;
        if (idx != RSP) i->index = (u8)idx;
        unsigned b = sib & 7;
        if (b == 5 && i->mod == 0) {
            i->base = NO_REG;
            i->disp = (s32)next_bytes(rd, 4);
        } else {
            i->base = (u8)(b | rex_b);
        }
    } else if (rm == 5 && i->mod == 0) {
        i->base = NO_REG;
        i->disp = (s32)next_bytes(rd, 4);
        i->rip_rel = long_mode;
    } else {
        i->base = (u8)(rm | rex_b);
    }
    if (i->mod == 1) i->disp = (s8)next_byte(rd);
    else if (i->mod == 2) i->disp = (s32)next_bytes(rd, 4);
    if (!i->seg_override && (i->base == RSP || i->base == RBP)) i->seg = SEG_SS;
}

void decode_insn(struct cpu *c, unsigned key, fetch_fn fetch, void *ctx, struct insn *i)
{
    struct reader rd = {c, fetch, ctx, 0, false};
    unsigned mode_size = key & 15;
    bool long_mode = mode_size == 8;
    bool p67 = false;
    u8 b;

    memset(i, 0, sizeof *i);
    i->seg = SEG_DS;
    i->base = i->index = NO_REG;

    /* Legacy prefixes, then REX (only if it immediately precedes the opcode). */
    for (;;) {
        b = next_byte(&rd);
        switch (b) {
        case 0x26: i->seg = SEG_ES; i->seg_override = true; i->rex = 0; continue;
        case 0x2e: i->seg = SEG_CS; i->seg_override = true; i->rex = 0; continue;
        case 0x36: i->seg = SEG_SS; i->seg_override = true; i->rex = 0; continue;
        case 0x3e: i->seg = SEG_DS; i->seg_override = true; i->rex = 0; continue;
        case 0x64: i->seg = SEG_FS; i->seg_override = true; i->rex = 0; continue;
        case 0x65: i->seg = SEG_GS; i->seg_override = true; i->rex = 0; continue;
        case 0x66: i->p66 = true; i->rex = 0; continue;
        case 0x67: p67 = true; i->rex = 0; continue;
        case 0xf0: i->lock = true; i->rex = 0; continue;
        case 0xf2: case 0xf3: i->rep = b; i->rex = 0; continue;
        }
        if (long_mode && (b & 0xf0) == 0x40) {
            i->rex = b;
            continue;
        }
        break;
    }
    if (rd.too_long) goto too_long;

    /* Opcode and map. */
    unsigned map = MAP_1B;
    const struct opcell *cells = &optable_cells[long_mode][0][0];
    bool vex_bad = false;
    if ((b & 0xfe) == 0xc4 && !(key & DECODE_NO_VEX)) {
        /* VEX (SDM Vol. 2 2.3.5): outside 64-bit mode only when the next byte's bits 7:6
         * are 11b (else LES/LDS); never in real or virtual-8086 mode (2.3.2). */
        u8 p1 = next_byte(&rd);
        if (long_mode || (p1 & 0xc0) == 0xc0) {
            u8 p2 = p1;
            map = MAP_0F;
            if (b == 0xc4) {
                p2 = next_byte(&rd);
                map = p1 & 0x1f;
            }
            /* A 66, F2, F3, LOCK or REX prefix before VEX is #UD (2.3.2). */
            vex_bad = i->p66 || i->rep || i->lock || i->rex;
            unsigned rex = (unsigned)(~p1 >> 7 & 1) << 2; /* R */
            if (b == 0xc4) rex |= (unsigned)(~p1 >> 5 & 3); /* X, B */
            bool w = b == 0xc4 && (p2 & 0x80);
            unsigned vvvv = ~p2 >> 3 & 15;
            /* Outside 64-bit mode R, X are 1 here, B and vvvv[3] are ignored (2.3.5.2-6). */
            i->rex = long_mode ? (u8)(0x40 | rex | (w ? 8 : 0)) : 0;
            if (!long_mode) vvvv &= 7;
            i->vex = (u8)(VEX_ON | ((p2 & 4) ? VEX_L : 0) | (w ? VEX_W : 0) | vvvv);
            i->p66 = false;
            i->lock = false;
            i->pfx = (u8)(PFX_NP + (p2 & 3));
            if (map < MAP_0F || map > MAP_0F3A) { /* mmmmm 0 or 4-31: #UD (2.3.5.3) */
                i->map = (u8)map;
                i->len = (u8)rd.pos;
                i->fn = op_ud;
                i->end_block = true;
                if (rd.too_long) goto too_long;
                return;
            }
            cells = &optable_vex_cells[long_mode][0][0];
            b = next_byte(&rd);
            goto opcode;
        }
        rd.pos--; /* LES/LDS: that byte is its ModRM */
    }
    if (b == 0x0f) {
        b = next_byte(&rd);
        if (b == 0x38 || b == 0x3a) {
            map = b == 0x38 ? MAP_0F38 : MAP_0F3A;
            b = next_byte(&rd);
        } else {
            map = MAP_0F;
        }
    }
opcode:
    i->map = (u8)map;
    i->op = b;
    optable_init();
    const struct opcell *cell = &cells[map * 256 + b];

    /* Address size (SDM Vol. 1 3.6; Vol. 2 2.2.1.2). */
    if (long_mode) i->adsz = p67 ? 4 : 8;
    else i->adsz = (mode_size == 4) ^ p67 ? 4 : 2;

    /* ModRM. */
    if (cell->shape & CELL_MODRM) {
        i->modrm = next_byte(&rd);
        i->mod = i->modrm >> 6;
        i->reg = (u8)(((i->modrm >> 3) & 7) | ((i->rex & 4) << 1));
        i->rm = (u8)((i->modrm & 7) | ((i->rex & 1) << 3));
        if (cell->shape & CELL_CRDR) {
            i->mod = 3; /* SDM Vol. 2 MOV CR: "the mod field is ignored" */
        } else if (i->mod != 3) {
            if (i->adsz == 2) modrm16(&rd, i);
            else modrm32(&rd, i, long_mode);
        }
    } else {
        /* +r forms (push/pop/xchg/mov/bswap/inc/dec) use the low opcode bits with REX.B. */
        i->reg = (u8)((b & 7) | ((i->rex & 1) << 3));
        i->mod = 3;
    }

    /* The form: F2/F3 (the last one given) select it before 66 (SDM Vol. 2 2.1.2); VEX
     * gives it in VEX.pp. */
    if (!i->vex)
        i->pfx = i->rep == 0xf3 ? PFX_F3 : i->rep == 0xf2 ? PFX_F2 : i->p66 ? PFX_66 : PFX_NP;
    const struct opdef *d =
        optable_forms[optable_form_index(cell, (i->modrm >> 3) & 7, i->pfx, i->mod)];
    unsigned flags = d->flags;
    if (unlikely(i->vex)) {
        /* The form's VEX.L, VEX.W and VEX.vvvv rules (its row's vex field). */
        unsigned v = d->vex;
        vex_bad |= ((v & VX_L128) && vex_l(i)) || ((v & VX_L256) && !vex_l(i)) ||
                   ((v & VX_W0) && vex_w(i)) || ((v & VX_W1) && !vex_w(i)) ||
                   ((v & VX_NOV) && vex_vvvv(i));
    }

    /* Operand size (SDM Vol. 1 3.6; Vol. 2 Table 2-4 for 64-bit mode). A 66 that selects
     * the form is not an operand-size prefix. */
    bool p66 = i->p66 && d->pfx != PFX_66;
    if (flags & OPF_BYTE) i->opsz = 1;
    else if (i->vex) i->opsz = long_mode && vex_w(i) ? 8 : 4; /* VEX.W1 is 64-bit in 64-bit mode only */
    else if (!long_mode) i->opsz = (mode_size == 4) ^ p66 ? 4 : 2;
    else if (i->rex & 8) i->opsz = 8;
    else if (flags & OPF_FORCE64) i->opsz = 8;
    else if (flags & OPF_DEF64) i->opsz = p66 ? 2 : 8;
    else i->opsz = p66 ? 2 : 4;

    /* Immediates. */
    unsigned osz = i->opsz;
    switch (d->imm) {
    case IMM_B: i->imm = (u64)(s64)(s8)next_byte(&rd); break;
    case IMM_UB: i->imm = next_byte(&rd); break;
    case IMM_W: i->imm = next_bytes(&rd, 2); break;
    case IMM_Z:
        i->imm = osz == 2 ? (u64)(s64)(s16)next_bytes(&rd, 2) : (u64)(s64)(s32)next_bytes(&rd, 4);
        break;
    case IMM_V: i->imm = next_bytes(&rd, osz); break;
    case IMM_WB:
        i->imm = next_bytes(&rd, 2);
        i->imm2 = next_byte(&rd);
        break;
    case IMM_PTR:
        i->imm = next_bytes(&rd, osz == 2 ? 2 : 4);
        i->imm2 = (u16)next_bytes(&rd, 2);
        break;
    case IMM_MOFFS:
        i->disp = (s64)next_bytes(&rd, i->adsz);
        i->mod = 0; /* a memory operand with only a displacement */
        i->base = i->index = NO_REG;
        break;
    }
    if (rd.too_long) goto too_long;
    i->len = (u8)rd.pos;

    /* Handler, then validity: LOCK only on the forms that allow it, with a memory operand
     * (SDM Vol. 2 LOCK). A form that needs a CPUID feature the processor has runs its
     * handler directly (the feature set is fixed for a machine's run, and rewriting code
     * decodes it again); without the feature, or decoded without a processor, it goes
     * through the gate, which gives the legacy form or #UD. VEX forms always take their
     * gate (avx_check). */
    if (likely(!d->feat))
        i->fn = d->fn;
    else if (i->vex)
        i->fn = op_vex_gate;
    else
        i->fn = c && cpu_has(c, (enum feature)(d->feat - 1)) ? d->fn : op_feature_gate;
    if (unlikely(vex_bad) || (i->vex && d->fn == op_ud)) i->fn = op_ud;
    if (i->lock && (!(flags & OPF_LOCK) || i->mod == 3)) i->fn = op_ud;
    i->end_block = (flags & OPF_ENDBLOCK) || i->fn == op_ud;
    return;

too_long:
    i->len = 15;
    i->fn = op_too_long;
    i->end_block = true; /* invalid, like #UD forms */
}
