/* binary32 and binary64 arithmetic with SSE's rules: DAZ on the operands, DE for denormal
 * operands when no operand is a NaN, a NaN result taken from the first NaN source and
 * quieted (SDM Vol. 1 Table 4-7), MINSS/MAXSS returning the second operand for NaNs and
 * zeros, COMISS/UCOMISS-style comparisons, ROUNDSS and FMA. */
#include "sf_internal.h"

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV };

static inline u64 quiet_bit(const struct sf_fmt *f)
{
    return 1ull << (f->prec - 2);
}
static inline bool is_nan(struct sfu u)
{
    return u.k == K_QNAN || u.k == K_SNAN;
}

/* The first NaN operand, quieted; IE if any operand is an SNaN. */
static u64 nan_first(struct sf_status *s, const struct sf_fmt *f, const struct sfu *u,
                     const u64 *bits, int n)
{
    int pick = -1;
    for (int k = 0; k < n; k++) {
        if (u[k].k == K_SNAN) s->flags |= SF_IE;
        if (pick < 0 && is_nan(u[k])) pick = k;
    }
    return bits[pick] | quiet_bit(f);
}

static u64 binop(struct sf_status *s, const struct sf_fmt *f, int op, u64 a, u64 b)
{
    struct sfu u[2] = {sf_unpack_ieee(f, a, s->daz), sf_unpack_ieee(f, b, s->daz)};
    if (is_nan(u[0]) || is_nan(u[1])) return nan_first(s, f, u, (u64[]){a, b}, 2);
    struct sfr r;
    u8 before = s->flags;
    s->flags = 0;
    switch (op) {
    case OP_ADD: r = sf_core_add(s, f, f->prec, u[0], u[1], true); break;
    case OP_SUB:
        u[1].sign ^= 1;
        r = sf_core_add(s, f, f->prec, u[0], u[1], true);
        break;
    case OP_MUL: r = sf_core_mul(s, f, f->prec, u[0], u[1], true); break;
    default: r = sf_core_div(s, f, f->prec, u[0], u[1], true); break;
    }
    s->flags |= before | sf_denormal_operand(s, u[0].denorm || u[1].denorm);
    return sf_pack_ieee(f, r);
}

static u64 do_sqrt(struct sf_status *s, const struct sf_fmt *f, u64 a)
{
    struct sfu u = sf_unpack_ieee(f, a, s->daz);
    if (is_nan(u)) return nan_first(s, f, &u, &a, 1);
    u8 before = s->flags;
    s->flags = 0;
    struct sfr r = sf_core_sqrt(s, f, f->prec, u, true);
    s->flags |= before | sf_denormal_operand(s, u.denorm);
    return sf_pack_ieee(f, r);
}

/* A NaN operand wins before any negation: the first NaN of a, b, c, quieted, with its own
 * sign (SDM Vol. 1 14.5.2, FMA numeric behaviour; the host agrees for every VFMADD/VFMSUB/
 * VFNMADD/VFNMSUB 132/213/231 form). */
static u64 do_fma(struct sf_status *s, const struct sf_fmt *f, u64 a, u64 b, u64 c, unsigned neg)
{
    struct sfu u[3] = {sf_unpack_ieee(f, a, s->daz), sf_unpack_ieee(f, b, s->daz),
                       sf_unpack_ieee(f, c, s->daz)};
    /* A NaN addend makes inf * 0 no invalid operation: the input NaN is the result (IEEE
     * 754 leaves IE to the implementation; the host, an AMD part, raises nothing, and
     * QEMU reads the SDM's FMA numeric behaviour the same way). */
    if (is_nan(u[0]) || is_nan(u[1]) || is_nan(u[2]))
        return nan_first(s, f, u, (u64[]){a, b, c}, 3);
    u[0].sign ^= (neg & SF_NEG_PRODUCT) != 0;
    u[2].sign ^= (neg & SF_NEG_ADDEND) != 0;
    u8 before = s->flags;
    s->flags = 0;
    struct sfr r = sf_core_fma(s, f, u[0], u[1], u[2]);
    s->flags |= before | sf_denormal_operand(s, u[0].denorm || u[1].denorm || u[2].denorm);
    return sf_pack_ieee(f, r);
}

static enum sf_rel compare(struct sf_status *s, const struct sf_fmt *f, u64 a, u64 b, bool sig)
{
    struct sfu x = sf_unpack_ieee(f, a, s->daz), y = sf_unpack_ieee(f, b, s->daz);
    if (is_nan(x) || is_nan(y)) {
        if (sig || x.k == K_SNAN || y.k == K_SNAN) s->flags |= SF_IE;
        return SF_UN;
    }
    if (x.denorm || y.denorm) s->flags |= SF_DE;
    int o = sf_order(x, y);
    return o < 0 ? SF_LT : o > 0 ? SF_GT : SF_EQ;
}

/* An operand as DAZ leaves it. */
static u64 daz_value(const struct sf_fmt *f, struct sfu u, u64 bits)
{
    return u.k == K_ZERO ? bits & (1ull << (f->prec - 1 + f->ebits)) : bits;
}

static u64 minmax(struct sf_status *s, const struct sf_fmt *f, u64 a, u64 b, bool max)
{
    struct sfu x = sf_unpack_ieee(f, a, s->daz), y = sf_unpack_ieee(f, b, s->daz);
    if (is_nan(x) || is_nan(y)) {
        s->flags |= SF_IE;
        return daz_value(f, y, b);
    }
    if (x.denorm || y.denorm) s->flags |= SF_DE;
    int o = sf_order(x, y);
    bool first = max ? o > 0 : o < 0;
    return first ? daz_value(f, x, a) : daz_value(f, y, b);
}

static u64 round_int(struct sf_status *s, const struct sf_fmt *f, u64 a, u8 imm)
{
    struct sfu x = sf_unpack_ieee(f, a, s->daz);
    if (is_nan(x)) return nan_first(s, f, &x, &a, 1);
    if (x.k != K_NUM || x.scale >= 0) return daz_value(f, x, a);
    int mode = (imm & 4) ? s->round : imm & 3;
    bool inexact, up;
    u128 q = sf_round_to_int(x.sig, x.scale, mode, x.sign, &inexact, &up);
    if (inexact && !(imm & 8)) s->flags |= SF_PE;
    if (!q) return sf_pack_ieee(f, sfr_zero(x.sign));
    return sf_pack_ieee(f, sf_round_pack(s, f, f->prec, x.sign, 0, q, true)); /* exact */
}

u32 f32_add(struct sf_status *s, u32 a, u32 b)
{
    return (u32)binop(s, &sf_f32, OP_ADD, a, b);
}
u32 f32_sub(struct sf_status *s, u32 a, u32 b)
{
    return (u32)binop(s, &sf_f32, OP_SUB, a, b);
}
u32 f32_mul(struct sf_status *s, u32 a, u32 b)
{
    return (u32)binop(s, &sf_f32, OP_MUL, a, b);
}
u32 f32_div(struct sf_status *s, u32 a, u32 b)
{
    return (u32)binop(s, &sf_f32, OP_DIV, a, b);
}
u32 f32_sqrt(struct sf_status *s, u32 a)
{
    return (u32)do_sqrt(s, &sf_f32, a);
}
u32 f32_fma(struct sf_status *s, u32 a, u32 b, u32 c)
{
    return (u32)do_fma(s, &sf_f32, a, b, c, 0);
}
u32 f32_fma_neg(struct sf_status *s, u32 a, u32 b, u32 c, unsigned neg)
{
    return (u32)do_fma(s, &sf_f32, a, b, c, neg);
}
u32 f32_min(struct sf_status *s, u32 a, u32 b)
{
    return (u32)minmax(s, &sf_f32, a, b, false);
}
u32 f32_max(struct sf_status *s, u32 a, u32 b)
{
    return (u32)minmax(s, &sf_f32, a, b, true);
}
enum sf_rel f32_compare(struct sf_status *s, u32 a, u32 b, bool signalling)
{
    return compare(s, &sf_f32, a, b, signalling);
}
u32 f32_round_int(struct sf_status *s, u32 a, u8 imm)
{
    return (u32)round_int(s, &sf_f32, a, imm);
}

u64 f64_add(struct sf_status *s, u64 a, u64 b)
{
    return binop(s, &sf_f64, OP_ADD, a, b);
}
u64 f64_sub(struct sf_status *s, u64 a, u64 b)
{
    return binop(s, &sf_f64, OP_SUB, a, b);
}
u64 f64_mul(struct sf_status *s, u64 a, u64 b)
{
    return binop(s, &sf_f64, OP_MUL, a, b);
}
u64 f64_div(struct sf_status *s, u64 a, u64 b)
{
    return binop(s, &sf_f64, OP_DIV, a, b);
}
u64 f64_sqrt(struct sf_status *s, u64 a)
{
    return do_sqrt(s, &sf_f64, a);
}
u64 f64_fma(struct sf_status *s, u64 a, u64 b, u64 c)
{
    return do_fma(s, &sf_f64, a, b, c, 0);
}
u64 f64_fma_neg(struct sf_status *s, u64 a, u64 b, u64 c, unsigned neg)
{
    return do_fma(s, &sf_f64, a, b, c, neg);
}
u64 f64_min(struct sf_status *s, u64 a, u64 b)
{
    return minmax(s, &sf_f64, a, b, false);
}
u64 f64_max(struct sf_status *s, u64 a, u64 b)
{
    return minmax(s, &sf_f64, a, b, true);
}
enum sf_rel f64_compare(struct sf_status *s, u64 a, u64 b, bool signalling)
{
    return compare(s, &sf_f64, a, b, signalling);
}
u64 f64_round_int(struct sf_status *s, u64 a, u8 imm)
{
    return round_int(s, &sf_f64, a, imm);
}
