/* The opcode map: derives the decoder's tables from every instruction family's rows
 * (struct opdef, insn.h). Built once per process; immutable afterwards.
 *
 * For each mode (64-bit or not), map and opcode byte, the rows that apply make a cell.
 * A cell whose rows all cover every ModRM.reg slot, every prefix and both operand kinds
 * has one form; otherwise its forms are laid out [reg][prefix NP/66/F3/F2][mem/reg] for
 * the dimensions its rows split on, each slot resolved here once: the row for exactly that
 * mandatory prefix, else the PFX_ANY row (the prefix keeps its legacy meaning), else #UD
 * with the length attributes of the cell's first form. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "avx.h"
#include "cpumodel.h"
#include "insn.h"

#define NMAPS 4
#define MAX_FORMS 16384
#define LENGTH_FLAGS (OPF_MODRM | OPF_CRDR | OPF_BYTE | OPF_DEF64 | OPF_FORCE64)

struct opcell optable_cells[2][NMAPS][256];
struct opcell optable_vex_cells[2][NMAPS][256];
const struct opdef *optable_forms[MAX_FORMS];
/* For each form, the PFX_ANY row of its slot (the form the legacy prefix meaning gives). */
static const struct opdef *legacy_forms[MAX_FORMS];
/* #UD twins of rows: the row's length attributes with op_ud, for the slots no row fills. */
static struct opdef twins[2 * NMAPS * 256];
static unsigned ntwins, nforms;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static const struct opdef undefined = {.fn = op_ud};
static const struct opdef **by_opcode[NMAPS][256];

/* Opcodes of the three-byte maps have a ModRM byte, and those of 0F3A an imm8, whether or
 * not a row defines them (SDM Vol. 2 Appendix A.3, Tables ). */
static const struct opdef map_default[NMAPS] = {
    [MAP_0F38] = {MAP_0F38, 0, -1, OPF_MODRM, op_ud},
    [MAP_0F3A] = {MAP_0F3A, 0, -1, OPF_MODRM, op_ud, IMM_UB},
};
/* Every VEX opcode but VZEROUPPER/VZEROALL has ModRM, and those of 0F3A an imm8 (SDM
 * Vol. 2 Appendix A.3; VEX.mmmmm 0 is #UD before any opcode is read). */
static const struct opdef vex_default[NMAPS] = {
    [MAP_0F] = {MAP_0F, 0, -1, OPF_MODRM, op_ud},
    [MAP_0F38] = {MAP_0F38, 0, -1, OPF_MODRM, op_ud},
    [MAP_0F3A] = {MAP_0F3A, 0, -1, OPF_MODRM, op_ud, IMM_UB},
};

static const struct opdef *const families[] = {
    alu_ops,    bits_ops,   bcd_ops,     muldiv_ops, shift_ops, move_ops,
    string_ops, stack_ops,  branch_ops,  far_ops,    system_ops, segment_ops,
    msr_ops,    io_ops,     fpu_ops,     sse_ops,    misc_ops,   intflag_ops,
    bound_ops,  vmx_ops,    sse42_ops,   aes_ops,
    avx_fp_ops, avx_fp2_ops,
    sse3_ops,   sse41_ops,  xsave_ops,   avx_move_ops, bmi_ops, fma_ops, f16c_ops,
    avx_int_ops, avx_int_move_ops, avx2_ops, avx2_gather_ops,
};

/* A row or the opcode map is malformed: a build defect, so say so at start-up. */
static _Noreturn void defect(const char *what, unsigned map, unsigned op)
{
    fprintf(stderr, "vanderpool: opcode map %u:%02x: %s\n", map, op, what);
    abort();
}

static const struct opdef *twin_of(const struct opdef *d)
{
    for (unsigned k = 0; k < ntwins; k++)
        if (twins[k].map == d->map && twins[k].op == d->op && twins[k].imm == d->imm &&
            twins[k].flags == (d->flags & LENGTH_FLAGS))
            return &twins[k];
    if (ntwins == ARRAY_LEN(twins)) defect("too many #UD forms", d->map, d->op);
    twins[ntwins] =
        (struct opdef){d->map, d->op, -1, (u16)(d->flags & LENGTH_FLAGS), op_ud, d->imm};
    return &twins[ntwins++];
}

static unsigned add_form(const struct opdef *d, const struct opdef *legacy)
{
    if (nforms == MAX_FORMS) defect("too many forms", d->map, d->op);
    legacy_forms[nforms] = legacy;
    optable_forms[nforms] = d;
    return nforms++;
}

/* The row for slot (r, p, m) among rows[]: exact prefix first, then PFX_ANY. */
static const struct opdef *resolve(const struct opdef **rows, unsigned n, unsigned r, unsigned p,
                                   unsigned m, const struct opdef **legacy)
{
    const struct opdef *exact = NULL, *any = NULL;
    for (unsigned k = 0; k < n; k++) {
        const struct opdef *d = rows[k];
        if (d->reg >= 0 && (unsigned)d->reg != r) continue;
        if (d->mod != MOD_ANY && (d->mod == MOD_REG) != (m == 1)) continue;
        const struct opdef **slot = d->pfx == PFX_ANY ? &any : d->pfx == PFX_NP + p ? &exact : NULL;
        if (!slot) continue;
        /* Two rows (two families, or overlapping rows) claiming one form. */
        if (*slot) defect("a form registered twice", d->map, d->op);
        *slot = d;
    }
    *legacy = any;
    return exact ? exact : any;
}

/* The cell of (mode, map, opcode) among legacy rows, or among VEX rows when vex. */
static void build_cell(int lm, bool vex, unsigned map, unsigned op)
{
    const struct opdef *rows[64], *i64 = NULL;
    unsigned n = 0;
    for (const struct opdef *const *e = by_opcode[map][op]; e && *e; e++) {
        const struct opdef *d = *e;
        if (!d->vex != !vex) continue;
        if (lm ? (d->flags & OPF_INV64) : (d->flags & OPF_ONLY64)) {
            if (lm && !i64) i64 = d;
            continue;
        }
        if (n == ARRAY_LEN(rows)) defect("too many rows", map, op);
        rows[n++] = d;
    }
    struct opcell *cell = vex ? &optable_vex_cells[lm][map][op] : &optable_cells[lm][map][op];
    if (!n) {
        /* No instruction here in this mode: #UD, as long as SDM Appendix A makes it (an
         * i64 opcode keeps its length in 64-bit mode). */
        const struct opdef *dflt = vex ? &vex_default[map] : &map_default[map];
        const struct opdef *t = i64 ? i64 : dflt->fn ? dflt : NULL;
        if (!t) {
            cell->form = 0;
            return;
        }
        cell->shape = (u8)(((t->flags & OPF_MODRM) ? CELL_MODRM : 0) |
                           ((t->flags & OPF_CRDR) ? CELL_CRDR : 0));
        cell->form = (u16)add_form(twin_of(t), NULL);
        return;
    }
    u8 shape = (u8)(((rows[0]->flags & OPF_MODRM) ? CELL_MODRM : 0) |
                    ((rows[0]->flags & OPF_CRDR) ? CELL_CRDR : 0));
    for (unsigned k = 0; k < n; k++) {
        if ((rows[k]->flags ^ rows[0]->flags) & (OPF_MODRM | OPF_CRDR))
            defect("rows disagree on ModRM", map, op);
        if (rows[k]->reg >= 0) shape |= CELL_BY_REG;
        if (rows[k]->pfx != PFX_ANY) shape |= CELL_BY_PFX;
        if (rows[k]->mod != MOD_ANY) shape |= CELL_BY_MOD;
    }
    if ((shape & (CELL_BY_REG | CELL_BY_MOD)) && !(shape & CELL_MODRM))
        defect("a /reg or mod row without ModRM", map, op);
    unsigned nr = (shape & CELL_BY_REG) ? 8 : 1, np = (shape & CELL_BY_PFX) ? 4 : 1;
    unsigned nm = (shape & CELL_BY_MOD) ? 2 : 1, base = nforms;
    const struct opdef *t = NULL;
    for (unsigned r = 0; r < nr; r++) {
        for (unsigned p = 0; p < np; p++) {
            for (unsigned m = 0; m < nm; m++) {
                const struct opdef *legacy;
                const struct opdef *d = resolve(rows, n, r, p, m, &legacy);
                if (d && d->feat && (d->flags & OPF_FEAT_LEGACY) && legacy &&
                    ((d->flags ^ legacy->flags) & LENGTH_FLAGS || d->imm != legacy->imm))
                    defect("a form and its legacy form differ in length", map, op);
                if (d && !t) t = d;
                add_form(d, legacy);
            }
        }
    }
    for (unsigned k = base; k < nforms; k++)
        if (!optable_forms[k]) optable_forms[k] = twin_of(t);
    cell->shape = shape;
    cell->form = (u16)base;
}

static void build(void)
{
    /* Rows grouped by opcode, each group NULL-terminated, in family order. */
    static unsigned count[NMAPS][256];
    static const struct opdef *pool[4096];
    unsigned used = 0;
    for (size_t f = 0; f < ARRAY_LEN(families); f++) {
        for (const struct opdef *d = families[f]; d->fn; d++) {
            if (d->map >= NMAPS || d->pfx > PFX_F2 || d->mod > MOD_REG || d->reg > 7)
                defect("bad row", d->map, d->op);
            if (d->vex && (!(d->vex & VX_ROW) || !d->feat || d->pfx == PFX_ANY || d->map == MAP_1B))
                defect("a VEX row needs VX_ROW, a feature, a map and a VEX.pp", d->map, d->op);
            count[d->map][d->op]++;
        }
    }
    for (unsigned map = 0; map < NMAPS; map++) {
        for (unsigned op = 0; op < 256; op++) {
            if (!count[map][op]) continue;
            if (used + count[map][op] + 1 > ARRAY_LEN(pool)) defect("too many rows", map, op);
            by_opcode[map][op] = &pool[used];
            used += count[map][op] + 1; /* the group ends with a NULL */
            count[map][op] = 0;
        }
    }
    for (size_t f = 0; f < ARRAY_LEN(families); f++)
        for (const struct opdef *d = families[f]; d->fn; d++)
            by_opcode[d->map][d->op][count[d->map][d->op]++] = d;

    add_form(&undefined, NULL); /* form 0: no instruction, no ModRM */
    for (int lm = 0; lm < 2; lm++)
        for (unsigned map = 0; map < NMAPS; map++)
            for (unsigned op = 0; op < 256; op++) {
                build_cell(lm, false, map, op);
                build_cell(lm, true, map, op);
            }
}

void optable_init(void) { pthread_once(&once, build); }

const struct opdef *optable_lookup(unsigned map, unsigned op, unsigned reg, bool long_mode)
{
    optable_init();
    const struct opcell *cell = &optable_cells[long_mode][map & 3][op & 0xff];
    return optable_forms[optable_form_index(cell, reg, PFX_NP, 0)];
}

void op_feature_gate(struct cpu *c, const struct insn *i)
{
    const struct opcell *cell = &optable_cells[c->code_size == 8][i->map & 3][i->op];
    unsigned k = optable_form_index(cell, (i->modrm >> 3) & 7, i->pfx, i->mod);
    const struct opdef *d = optable_forms[k];
    if (cpu_has(c, (enum feature)(d->feat - 1))) d->fn(c, i);
    else if ((d->flags & OPF_FEAT_LEGACY) && legacy_forms[k]) legacy_forms[k]->fn(c, i);
    else cpu_ud(c);
}

void op_vex_gate(struct cpu *c, const struct insn *i)
{
    const struct opcell *cell = &optable_vex_cells[c->code_size == 8][i->map & 3][i->op];
    const struct opdef *d =
        optable_forms[optable_form_index(cell, (i->modrm >> 3) & 7, i->pfx, i->mod)];
    if (!cpu_has(c, (enum feature)(d->feat - 1))) cpu_ud(c);
    if ((d->vex & VX_256_AVX2) && vex_l(i) && !cpu_has(c, FEAT_AVX2)) cpu_ud(c);
    if (!(d->vex & VX_GPR)) avx_check(c);
    d->fn(c, i);
}

const struct fast_handler *insn_specialize(struct insn *i, bool long_mode)
{
    /* Memory operand that is a 64-bit register plus displacement: the common case gets
     * one add in insn_ea. */
    i->ea_base = i->mod != 3 && i->adsz == 8 && !i->rip_rel && i->base != NO_REG &&
                 i->index == NO_REG;
    static const struct fast_handler *(*const hooks[])(const struct insn *, bool) = {
        alu_specialize, move_specialize, branch_specialize, shift_specialize, muldiv_specialize,
        stack_specialize, system_specialize,
    };
    i->tfn = thread_generic;
    for (size_t k = 0; k < ARRAY_LEN(hooks); k++) {
        const struct fast_handler *h = hooks[k](i, long_mode);
        if (h) {
            i->fn = h->fn;
            i->tfn = i->rip_rel && h->tfn_rip ? h->tfn_rip : h->tfn;
            return h;
        }
    }
    return NULL;
}
