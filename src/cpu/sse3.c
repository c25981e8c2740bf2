/* SSE3 and SSSE3: their rows and handlers (SDM Vol. 1 chapter 12.4-12.7, Vol. 2).
 * SSE3: ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD (floating point through src/fpu with the
 * exception protocol of sse_impl.h), MOVSLDUP/MOVSHDUP/MOVDDUP and LDDQU; its FISTTP is
 * in the x87 files and MONITOR/MWAIT are a separate feature. SSSE3 (0F 38 00-1E and
 * 0F 3A 0F, MMX forms without a prefix, xmm forms with 66): PSHUFB, PHADD/PHSUB W/D/SW,
 * PMADDUBSW, PSIGN B/W/D, PMULHRSW, PABS B/W/D, PALIGNR. Every row needs its CPUID bit:
 * a model without it gets #UD (op_feature_gate). */
#include "cpumodel.h"
#include "fp_lane.h"
#include "pint.h"

/* --- SSE3 floating point ---------------------------------------------------------------- */

/* 66/F2 0F D0 ADDSUBPD/PS, 66/F2 0F 7C HADDPD/PS, 66/F2 0F 7D HSUBPD/PS: 16-byte aligned
 * sources; every element into a copy, then flags, then #XM or the write-back. */
void sse3_fp_lane(struct simd_fp *f, unsigned op, bool dbl, const u8 *d, const u8 *s, u8 *r)
{
    unsigned esz = dbl ? 8 : 4, ne = 16 / esz;
    u8 t[16];
    for (unsigned k = 0; k < ne; k++) {
        u64 a, b;
        bool sub;
        if (op == 0xd0) { /* ADDSUB: even elements subtract, odd ones add */
            a = load_le(d + k * esz, esz), b = load_le(s + k * esz, esz), sub = !(k & 1);
        } else { /* horizontal: pairs of the destination, then pairs of the source */
            const u8 *p = k < ne / 2 ? d : s;
            unsigned j = 2 * (k % (ne / 2));
            a = load_le(p + j * esz, esz), b = load_le(p + (j + 1) * esz, esz);
            sub = op == 0x7d;
        }
        u64 v;
        if (dbl) v = sub ? f64_sub(&f->s, a, b) : f64_add(&f->s, a, b);
        else v = sub ? f32_sub(&f->s, (u32)a, (u32)b) : f32_add(&f->s, (u32)a, (u32)b);
        store_le(t + k * esz, esz, v);
        simd_fp_elem(f);
    }
    memcpy(r, t, 16);
}
static void op_sse3_fp(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 s[16], d[16];
    sse_src(c, i, s, 16);
    memcpy(d, fx_xmm(c, i->reg), 16);
    struct simd_fp f;
    simd_fp_begin(c, &f);
    sse3_fp_lane(&f, i->op, i->pfx == PFX_66, d, s, d);
    simd_fp_end(c, &f);
    memcpy(fx_xmm(c, i->reg), d, 16);
}

/* F3 0F 12 MOVSLDUP, F3 0F 16 MOVSHDUP (aligned m128): the even or odd singles, each
 * twice. F2 0F 12 MOVDDUP (m64, unaligned): the low double twice. */
void movsxdup_lane(unsigned op, const u8 *s, u8 *r)
{
    unsigned o = op == 0x16 ? 4 : 0;
    for (unsigned k = 0; k < 16; k += 8) {
        memcpy(r + k, s + k + o, 4);
        memcpy(r + k + 4, s + k + o, 4);
    }
}
void movddup_lane(const u8 *s, u8 *r)
{
    memcpy(r, s, 8);
    memcpy(r + 8, s, 8);
}
static void op_movsxdup(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 s[16], r[16];
    sse_src(c, i, s, 16);
    movsxdup_lane(i->op, s, r);
    memcpy(fx_xmm(c, i->reg), r, 16);
}
static void op_movddup(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 s[16], r[16];
    sse_src(c, i, s, 8);
    movddup_lane(s, r);
    memcpy(fx_xmm(c, i->reg), r, 16);
}

/* F2 0F F0 LDDQU xmm, m128: an unaligned load (memory only: the row has MOD_MEM). */
static void op_lddqu(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u8 v[16];
    sse_mem_load(c, i, v, 16, false);
    memcpy(fx_xmm(c, i->reg), v, 16);
}

/* --- SSSE3 ---------------------------------------------------------------------------- */

static inline s64 sx(const u8 *p, unsigned k, unsigned sz)
{
    unsigned sh = 64 - 8 * sz;
    return (s64)(load_le(p + k, sz) << sh) >> sh;
}
static inline s64 sat16(s64 v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }

/* 0F 38 00-0B, 1C-1E: the SSSE3 operations, by opcode, on one lane of n bytes. */
void ssse3_lane(unsigned op, const u8 *d, const u8 *s, u8 *r, unsigned n)
{
    switch (op) {
    case 0x00: /* PSHUFB */
        for (unsigned k = 0; k < n; k++) r[k] = (s[k] & 0x80) ? 0 : d[s[k] & (n - 1)];
        break;
    case 0x01: case 0x02: case 0x03: case 0x05: case 0x06: case 0x07: { /* PHADD/PHSUB */
        unsigned sz = (op & 3) == 2 ? 4 : 2, ne = n / sz, half = ne / 2;
        bool sub = op >= 5, sat = (op & 3) == 3;
        for (unsigned k = 0; k < ne; k++) {
            const u8 *p = k < half ? d : s;
            unsigned j = 2 * (k % half) * sz;
            s64 a = sx(p, j, sz), b = sx(p, j + sz, sz), v = sub ? a - b : a + b;
            store_le(r + k * sz, sz, (u64)(sat ? sat16(v) : v));
        }
        break;
    }
    case 0x04: /* PMADDUBSW: unsigned bytes of the destination times signed ones */
        for (unsigned k = 0; k < n; k += 2) {
            s64 v = (s64)d[k] * (s8)s[k] + (s64)d[k + 1] * (s8)s[k + 1];
            store_le(r + k, 2, (u64)sat16(v));
        }
        break;
    case 0x08: case 0x09: case 0x0a: { /* PSIGNB/W/D */
        unsigned sz = 1u << (op - 8);
        for (unsigned k = 0; k < n; k += sz) {
            s64 b = sx(s, k, sz), a = sx(d, k, sz);
            store_le(r + k, sz, (u64)(b < 0 ? -a : b == 0 ? 0 : a));
        }
        break;
    }
    case 0x0b: /* PMULHRSW */
        for (unsigned k = 0; k < n; k += 2)
            store_le(r + k, 2, (u64)((((sx(d, k, 2) * sx(s, k, 2)) >> 14) + 1) >> 1));
        break;
    default: { /* 1C-1E PABSB/W/D */
        unsigned sz = 1u << (op - 0x1c);
        for (unsigned k = 0; k < n; k += sz) {
            s64 b = sx(s, k, sz);
            store_le(r + k, sz, (u64)(b < 0 ? -b : b));
        }
        break;
    }
    }
}
static void op_ssse3(struct cpu *c, const struct insn *i)
{
    u8 d[16], s[16], r[16] = {0};
    unsigned n = pint_fetch(c, i, d, s);
    ssse3_lane(i->op, d, s, r, n);
    pint_store(c, i->reg, r, n);
}

/* 0F 3A 0F PALIGNR: destination:source shifted right by imm8 bytes, the low half kept. */
void palignr_lane(const u8 *d, const u8 *s, u8 *r, unsigned n, unsigned sh)
{
    u8 t[32];
    memcpy(t, s, n);
    memcpy(t + n, d, n);
    for (unsigned k = 0; k < n; k++) r[k] = sh + k < 2 * n ? t[sh + k] : 0;
}
static void op_palignr(struct cpu *c, const struct insn *i)
{
    u8 d[16], s[16], r[16];
    unsigned n = pint_fetch(c, i, d, s);
    palignr_lane(d, s, r, n, (unsigned)i->imm & 0xff);
    pint_store(c, i->reg, r, n);
}

#define M OPF_MODRM
#define E3 .feat = NEEDS(FEAT_SSE3)
#define E33 .feat = NEEDS(FEAT_SSSE3)
/* An SSE3 row of map 0F; an SSSE3 opcode of 0F 38 in its mm (NP) and xmm (66) forms. */
#define S3(op, pfx_, fn) {MAP_0F, op, -1, M, fn, .pfx = PFX_##pfx_, E3}
#define SS3(op) {MAP_0F38, op, -1, M, op_ssse3, .pfx = PFX_NP, E33}, \
                {MAP_0F38, op, -1, M, op_ssse3, .pfx = PFX_66, E33}

const struct opdef sse3_ops[] = {
    S3(0xd0, 66, op_sse3_fp), S3(0xd0, F2, op_sse3_fp),
    S3(0x7c, 66, op_sse3_fp), S3(0x7c, F2, op_sse3_fp),
    S3(0x7d, 66, op_sse3_fp), S3(0x7d, F2, op_sse3_fp),
    S3(0x12, F3, op_movsxdup), S3(0x16, F3, op_movsxdup), S3(0x12, F2, op_movddup),
    {MAP_0F, 0xf0, -1, M, op_lddqu, .pfx = PFX_F2, .mod = MOD_MEM, E3},
    SS3(0x00), SS3(0x01), SS3(0x02), SS3(0x03), SS3(0x04), SS3(0x05), SS3(0x06), SS3(0x07),
    SS3(0x08), SS3(0x09), SS3(0x0a), SS3(0x0b), SS3(0x1c), SS3(0x1d), SS3(0x1e),
    {MAP_0F3A, 0x0f, -1, M, op_palignr, IMM_UB, .pfx = PFX_NP, E33},
    {MAP_0F3A, 0x0f, -1, M, op_palignr, IMM_UB, .pfx = PFX_66, E33},
    {.fn = NULL},
};
