/* Packed-integer instructions: the MMX forms (no prefix, mm registers, 64 bits) and the
 * SSE2 forms (66 prefix, xmm registers, 128 bits) of add/subtract (wrapping and
 * saturating), multiplies, PMADDWD, PSADBW, averages, min/max, compares, logic, shifts,
 * packs, unpacks, shuffles, PINSRW/PEXTRW, PMOVMSKB, MASKMOVQ/MASKMOVDQU and
 * MOVQ2DQ/MOVDQ2Q (SDM Vol. 1 chapters 9-11, Vol. 2). One generic handler per shape
 * computes over byte arrays; the operation is the opcode byte. */
#include "pint.h"
#include "sse_impl.h"

/* --- operands ------------------------------------------------------------------------- */

/* Fetch dest (ModRM.reg) and source (r/m) of an mm or xmm form; returns the width. */
unsigned pint_fetch(struct cpu *c, const struct insn *i, u8 d[16], u8 s[16])
{
    if (i->pfx == PFX_NP) {
        mmx_check(c);
        store_le(s, 8, mm_src(c, i));
        store_le(d, 8, mm_read(c, i->reg));
        return 8;
    }
    sse_check(c);
    sse_src(c, i, s, 16);
    memcpy(d, fx_xmm(c, i->reg), 16);
    return 16;
}
void pint_store(struct cpu *c, unsigned reg, const u8 r[16], unsigned n)
{
    if (n == 8) {
        mmx_enter(c);
        mm_write(c, reg, load_le(r, 8));
    } else {
        memcpy(fx_xmm(c, reg), r, 16);
    }
}

static inline u64 lu(const u8 *p, unsigned k, unsigned sz)
{
    return load_le(p + k, sz);
}
static inline s64 ls(const u8 *p, unsigned k, unsigned sz)
{
    unsigned sh = 64 - 8 * sz;
    return (s64)(lu(p, k, sz) << sh) >> sh;
}
static inline u64 sat_s(s64 v, unsigned sz)
{
    s64 hi = (s64)((1ull << (8 * sz - 1)) - 1), lo = -hi - 1;
    return (u64)(v > hi ? hi : v < lo ? lo : v);
}
static inline u64 sat_u(s64 v, unsigned sz)
{
    s64 hi = (s64)((1ull << (8 * sz)) - 1);
    return (u64)(v > hi ? hi : v < 0 ? 0 : v);
}

/* --- element-wise operations ------------------------------------------------------------ */

/* Element size of each opcode of the generic shape. */
/* clang-format off */
static unsigned pint_esz(unsigned op)
{
    switch (op) {
    case 0xfc: case 0xec: case 0xdc: case 0xf8: case 0xe8: case 0xd8: case 0xe0: case 0xda:
    case 0xde: case 0x74: case 0x64: case 0xf6:
        return 1;
    case 0xfd: case 0xed: case 0xdd: case 0xf9: case 0xe9: case 0xd9: case 0xd5: case 0xe5:
    case 0xe4: case 0xe3: case 0xea: case 0xee: case 0x75: case 0x65:
        return 2;
    case 0xfe: case 0xfa: case 0x76: case 0x66: case 0xf5:
        return 4;
    default:
        return 8;
    }
}
/* clang-format on */

static u64 pint_elem(unsigned op, const u8 *d, const u8 *s, unsigned k, unsigned sz)
{
    u64 a = lu(d, k, sz), b = lu(s, k, sz);
    switch (op) {
    case 0xfc:
    case 0xfd:
    case 0xfe:
    case 0xd4: return a + b;
    case 0xf8:
    case 0xf9:
    case 0xfa:
    case 0xfb: return a - b;
    case 0xec:
    case 0xed: return sat_s(ls(d, k, sz) + ls(s, k, sz), sz);
    case 0xe8:
    case 0xe9: return sat_s(ls(d, k, sz) - ls(s, k, sz), sz);
    case 0xdc:
    case 0xdd: return sat_u((s64)(a + b), sz);
    case 0xd8:
    case 0xd9: return sat_u((s64)a - (s64)b, sz);
    case 0xd5: return a * b;
    case 0xe5: return (u64)(ls(d, k, 2) * ls(s, k, 2)) >> 16;
    case 0xe4: return (a * b) >> 16;
    case 0xf4: return (a & 0xffffffffu) * (b & 0xffffffffu);
    case 0xf5: /* PMADDWD */
        return (u64)(ls(d, k, 2) * ls(s, k, 2) + ls(d, k + 2, 2) * ls(s, k + 2, 2));
    case 0xe0:
    case 0xe3: return (a + b + 1) >> 1;
    case 0xda: return a < b ? a : b;
    case 0xde: return a > b ? a : b;
    case 0xea: return ls(d, k, sz) < ls(s, k, sz) ? a : b;
    case 0xee: return ls(d, k, sz) > ls(s, k, sz) ? a : b;
    case 0x74:
    case 0x75:
    case 0x76: return a == b ? ~0ull : 0;
    case 0x64:
    case 0x65:
    case 0x66: return ls(d, k, sz) > ls(s, k, sz) ? ~0ull : 0;
    case 0xdb: return a & b;
    case 0xdf: return ~a & b;
    case 0xeb: return a | b;
    default: return a ^ b; /* 0xef */
    }
}

/* Packs and unpacks: the result is built from both operands' elements. */
static void pint_arrange(unsigned op, const u8 *d, const u8 *s, u8 *r, unsigned n)
{
    unsigned half = n / 2;
    switch (op) {
    case 0x63:
    case 0x67:
    case 0x6b: { /* PACKSSWB, PACKUSWB, PACKSSDW */
        unsigned sz = op == 0x6b ? 4 : 2, osz = sz / 2, cnt = n / sz;
        for (unsigned k = 0; k < cnt; k++) {
            s64 a = ls(d, k * sz, sz), b = ls(s, k * sz, sz);
            u64 ra = op == 0x67 ? sat_u(a, osz) : sat_s(a, osz);
            u64 rb = op == 0x67 ? sat_u(b, osz) : sat_s(b, osz);
            store_le(r + k * osz, osz, ra);
            store_le(r + half + k * osz, osz, rb);
        }
        return;
    }
    default: { /* 60-62, 68-6A, 6C, 6D: PUNPCKL/H BW, WD, DQ, QDQ */
        static const u8 esz[16] = {1, 2, 4, 0, 0, 0, 0, 0, 1, 2, 4, 0, 8, 8};
        unsigned sz = esz[op & 15], base = (op & 8) && op != 0x6c ? half : 0;
        for (unsigned k = 0; k < half; k += sz) {
            memcpy(r + 2 * k, d + base + k, sz);
            memcpy(r + 2 * k + sz, s + base + k, sz);
        }
        return;
    }
    }
}

/* One lane of the two-operand shape (8 bytes for MMX, 16 for an xmm register or each
 * 128-bit lane of a VEX.256 form): r = op(d, s), op the 0F opcode byte. */
void pint_lane(unsigned op, const u8 *d, const u8 *s, u8 *r, unsigned n)
{
    if ((op >= 0x60 && op <= 0x6d) && op != 0x64 && op != 0x65 && op != 0x66) {
        pint_arrange(op, d, s, r, n);
    } else if (op == 0xf6) { /* PSADBW: per 64 bits, the sum of absolute differences */
        memset(r, 0, n);
        for (unsigned q = 0; q < n; q += 8) {
            unsigned sum = 0;
            for (unsigned k = q; k < q + 8; k++)
                sum += d[k] > s[k] ? d[k] - s[k] : s[k] - d[k];
            store_le(r + q, 2, sum);
        }
    } else {
        unsigned sz = pint_esz(op);
        if (op == 0xf4 || op == 0xd4 || op == 0xfb || op == 0xdb || op == 0xdf || op == 0xeb ||
            op == 0xef)
            sz = 8;
        for (unsigned k = 0; k < n; k += sz)
            store_le(r + k, sz, pint_elem(op, d, s, k, sz));
    }
}

/* The two-operand shape: op mm, mm/m64 and op xmm, xmm/m128. */
void op_pint(struct cpu *c, const struct insn *i)
{
    u8 d[16], s[16], r[16] = {0};
    unsigned n = pint_fetch(c, i, d, s);
    pint_lane(i->op, d, s, r, n);
    pint_store(c, i->reg, r, n);
}

/* --- shifts ------------------------------------------------------------------------------ */

void pint_shift(u8 *x, unsigned n, unsigned sz, int kind, u64 count)
{
    unsigned bits = 8 * sz;
    for (unsigned k = 0; k < n; k += sz) {
        u64 v = lu(x, k, sz), r;
        if (kind == SH_RA)
            r = (u64)(ls(x, k, sz) >> (count > bits - 1 ? bits - 1 : count));
        else if (count > bits - 1)
            r = 0;
        else
            r = kind == SH_RL ? v >> count : v << count;
        store_le(x + k, sz, r);
    }
}

/* D1-D3 PSRLW/D/Q, E1/E2 PSRAW/D, F1-F3 PSLLW/D/Q mm, mm/m64 or xmm, xmm/m128: the count
 * is the source's low 64 bits. */
void op_pshift(struct cpu *c, const struct insn *i)
{
    u8 d[16], s[16];
    unsigned n = pint_fetch(c, i, d, s), lo = i->op & 15;
    int kind = i->op >= 0xf0 ? SH_LL : i->op >= 0xe0 ? SH_RA : SH_RL;
    pint_shift(d, n, 1u << lo, kind, load_le(s, 8));
    pint_store(c, i->reg, d, n);
}

/* 71/72/73 /2 PSRL, /4 PSRA, /6 PSLL mm or xmm, imm8 (register operand). */
unsigned pint_imm_shift_size(const struct insn *i)
{
    return 2u << (i->op - 0x71); /* 71 words, 72 dwords, 73 qwords */
}
int pint_imm_shift_kind(const struct insn *i)
{
    unsigned r = i->modrm >> 3 & 7;
    return r == 2 ? SH_RL : r == 4 ? SH_RA : SH_LL;
}
void op_pshift_imm(struct cpu *c, const struct insn *i)
{
    bool mmx = i->pfx == PFX_NP;
    u8 d[16];
    if (mmx) {
        mmx_check(c);
        store_le(d, 8, mm_read(c, i->rm));
    } else {
        sse_check(c);
        memcpy(d, fx_xmm(c, i->rm), 16);
    }
    pint_shift(d, mmx ? 8 : 16, pint_imm_shift_size(i), pint_imm_shift_kind(i), (u8)i->imm);
    pint_store(c, i->rm, d, mmx ? 8 : 16);
}

/* One 16-byte lane of PSRLDQ (right) or PSLLDQ: a byte shift by cnt (16 and above clear). */
void pint_bshift_lane(bool right, const u8 *x, u8 *r, unsigned cnt)
{
    u8 t[16] = {0};
    if (cnt > 16) cnt = 16;
    if (right)
        memcpy(t, x + cnt, 16 - cnt);
    else
        memcpy(t + cnt, x, 16 - cnt);
    memcpy(r, t, 16);
}

/* 66 0F 73 /3 PSRLDQ, /7 PSLLDQ xmm, imm8: whole-register byte shifts. */
void op_pshift_dq(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 *x = fx_xmm(c, i->rm);
    pint_bshift_lane((i->modrm >> 3 & 7) == 3, x, x, (u8)i->imm);
}

/* --- shuffles, word insert/extract, masks ---------------------------------------------- */

/* 0F 70: PSHUFW mm (NP), PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2), with imm8. */
void op_pshuf(struct cpu *c, const struct insn *i)
{
    u8 s[16], r[16] = {0};
    unsigned m = (u8)i->imm;
    if (i->pfx == PFX_NP) {
        mmx_check(c);
        store_le(s, 8, mm_src(c, i));
        for (unsigned k = 0; k < 4; k++)
            memcpy(r + 2 * k, s + 2 * ((m >> 2 * k) & 3), 2);
        pint_store(c, i->reg, r, 8);
        return;
    }
    sse_check(c);
    sse_src(c, i, s, 16);
    pint_shuf_lane(i->pfx, s, r, m);
    memcpy(fx_xmm(c, i->reg), r, 16);
}

/* One 16-byte lane of PSHUFD (66), PSHUFHW (F3) or PSHUFLW (F2) with imm8 m. */
void pint_shuf_lane(unsigned pfx, const u8 *s, u8 *r, unsigned m)
{
    u8 t[16];
    memcpy(t, s, 16);
    if (pfx == PFX_66) {
        for (unsigned k = 0; k < 4; k++)
            memcpy(t + 4 * k, s + 4 * ((m >> 2 * k) & 3), 4);
    } else {
        unsigned base = pfx == PFX_F3 ? 8 : 0;
        for (unsigned k = 0; k < 4; k++)
            memcpy(t + base + 2 * k, s + base + 2 * ((m >> 2 * k) & 3), 2);
    }
    memcpy(r, t, 16);
}

/* 0F C4 PINSRW mm/xmm, r32/m16, imm8. */
void op_pinsrw(struct cpu *c, const struct insn *i)
{
    bool mmx = i->pfx == PFX_NP;
    if (mmx)
        mmx_check(c);
    else
        sse_check(c);
    u16 v = (u16)rm_read(c, i, 2);
    if (mmx) {
        u8 r[16] = {0};
        store_le(r, 8, mm_read(c, i->reg));
        store_le(r + 2 * (i->imm & 3), 2, v);
        pint_store(c, i->reg, r, 8);
    } else {
        store_le(fx_xmm(c, i->reg) + 2 * (i->imm & 7), 2, v);
    }
}

/* 0F C5 PEXTRW r32, mm/xmm, imm8 (register operand), zero-extended. */
void op_pextrw(struct cpu *c, const struct insn *i)
{
    if (i->pfx == PFX_NP) {
        mmx_check(c);
        mmx_enter(c);
        c->r[i->reg] = (mm_read(c, i->rm) >> (16 * (i->imm & 3))) & 0xffff;
    } else {
        sse_check(c);
        c->r[i->reg] = load_le(fx_xmm(c, i->rm) + 2 * (i->imm & 7), 2);
    }
}

/* 0F D7 PMOVMSKB r32, mm/xmm: the byte sign bits, zero-extended. */
void op_pmovmskb(struct cpu *c, const struct insn *i)
{
    u8 x[16];
    unsigned n = 16;
    if (i->pfx == PFX_NP) {
        mmx_check(c);
        mmx_enter(c);
        store_le(x, 8, mm_read(c, i->rm));
        n = 8;
    } else {
        sse_check(c);
        memcpy(x, fx_xmm(c, i->rm), 16);
    }
    u64 m = 0;
    for (unsigned k = 0; k < n; k++)
        m |= (u64)(x[k] >> 7) << k;
    c->r[i->reg] = m;
}

/* 0F F7 MASKMOVQ mm, mm; 66 0F F7 MASKMOVDQU xmm, xmm: store the bytes of the first
 * operand whose mask byte (second operand) has its top bit set, at DS:rDI (segment
 * override allowed). Every byte of the destination is checked first, so a fault stores
 * nothing. */
void op_maskmov(struct cpu *c, const struct insn *i)
{
    u8 v[16], m[16];
    unsigned n = 16;
    if (i->pfx == PFX_NP) {
        mmx_check(c);
        store_le(v, 8, mm_read(c, i->reg));
        store_le(m, 8, mm_read(c, i->rm));
        n = 8;
    } else {
        sse_check(c);
        memcpy(v, fx_xmm(c, i->reg), 16);
        memcpy(m, fx_xmm(c, i->rm), 16);
    }
    pint_maskmov(c, i, v, m, n);
    if (i->pfx == PFX_NP) mmx_enter(c);
}

/* The store of MASKMOVQ/MASKMOVDQU/VMASKMOVDQU: n bytes of v whose mask byte has its
 * top bit set, at DS:rDI (segment override allowed). Every byte of the destination is
 * checked first, so a fault stores nothing. */
void pint_maskmov(struct cpu *c, const struct insn *i, const u8 *v, const u8 *m, unsigned n)
{
    unsigned seg = i->seg_override ? i->seg : SEG_DS;
    u64 mask = size_mask(i->adsz), ea = c->r[RDI] & mask;
    u64 lin[16];
    for (unsigned k = 0; k < n; k++)
        if (m[k] & 0x80) {
            u64 a = (ea + k) & mask;
            lin[k] = seg_check(c, seg, a, 1, ACC_WRITE);
            u64 phys;
            lin_translate(c, lin[k], ACC_WRITE, &phys); /* #PF before any byte is stored */
        }
    for (unsigned k = 0; k < n; k++)
        if (m[k] & 0x80) lin_write_bytes(c, lin[k], &v[k], 1, ACC_WRITE);
}

/* F3 0F D6 MOVQ2DQ xmm, mm; F2 0F D6 MOVDQ2Q mm, xmm (register operands). */
void op_movq2dq(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    x87_pending_check(c);
    u8 *x = fx_xmm(c, i->reg);
    store_le(x, 8, mm_read(c, i->rm));
    memset(x + 8, 0, 8);
    mmx_enter(c);
}
void op_movdq2q(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    x87_pending_check(c);
    mmx_enter(c);
    mm_write(c, i->reg, load_le(fx_xmm(c, i->rm), 8));
}
