/* Conversions of binary32/binary64 with SSE's rules: CVTSS2SD/CVTSD2SS (NaN payloads kept
 * in the high bits and quieted), CVTSI2SS/SD, CVT(T)SS2SI and CVT(T)SD2SI with the integer
 * indefinite for NaNs and values out of range (SDM Vol. 1 4.8.3.5, 11.5.2.1). */
#include "sf_internal.h"

static u64 convert(struct sf_status *s, const struct sf_fmt *from, const struct sf_fmt *to, u64 a)
{
    struct sfu u = sf_unpack_ieee(from, a, s->daz);
    int tb = to->prec - 1, fb = from->prec - 1;
    u64 sign = (u64)u.sign << (tb + to->ebits);
    switch (u.k) {
    case K_SNAN: s->flags |= SF_IE; /* fall through */
    case K_QNAN: {
        u64 frac = tb > fb ? u.sig << (tb - fb) : u.sig >> (fb - tb);
        return sign | ((u64)fmt_expmax(to) << tb) | frac | (1ull << (tb - 1));
    }
    case K_INF: return sf_pack_ieee(to, sfr_inf(to, u.sign));
    case K_ZERO: return sign;
    default:
        if (u.denorm) s->flags |= SF_DE;
        return sf_pack_ieee(to, sf_round_pack(s, to, to->prec, u.sign, u.scale, u.sig, true));
    }
}

u64 f32_to_f64(struct sf_status *s, u32 a)
{
    return convert(s, &sf_f32, &sf_f64, a);
}
u32 f64_to_f32(struct sf_status *s, u64 a)
{
    return (u32)convert(s, &sf_f64, &sf_f32, a);
}

static u64 from_int(struct sf_status *s, const struct sf_fmt *f, s64 v)
{
    if (!v) return 0;
    u64 mag = v < 0 ? -(u64)v : (u64)v;
    return sf_pack_ieee(f, sf_round_pack(s, f, f->prec, v < 0, 0, mag, true));
}

u32 i32_to_f32(struct sf_status *s, s32 v)
{
    return (u32)from_int(s, &sf_f32, v);
}
u32 i64_to_f32(struct sf_status *s, s64 v)
{
    return (u32)from_int(s, &sf_f32, v);
}
u64 i32_to_f64(struct sf_status *s, s32 v)
{
    return from_int(s, &sf_f64, v);
}
u64 i64_to_f64(struct sf_status *s, s64 v)
{
    return from_int(s, &sf_f64, v);
}

/* To a `bits`-wide integer; the indefinite is the most negative value. */
static s64 to_int(struct sf_status *s, const struct sf_fmt *f, u64 a, int bits, bool trunc)
{
    struct sfu u = sf_unpack_ieee(f, a, s->daz);
    u64 indef = 1ull << (bits - 1);
    if (u.k == K_ZERO) return 0;
    if (u.k != K_NUM || u.scale + 64 - __builtin_clzll(u.sig) > bits) goto invalid;
    bool inexact = false, up;
    u128 q = u.scale >= 0
                 ? (u128)u.sig << u.scale
                 : sf_round_to_int(u.sig, u.scale, trunc ? SF_RZ : s->round, u.sign, &inexact, &up);
    if (q > (u.sign ? indef : indef - 1)) goto invalid;
    if (inexact) s->flags |= SF_PE;
    return u.sign ? (s64)(0 - (u64)q) : (s64)(u64)q;
invalid:
    s->flags |= SF_IE;
    return (s64)(bits == 64 ? indef : (u64)(s64)(s32)(u32)indef);
}

s32 f32_to_i32(struct sf_status *s, u32 a, bool t)
{
    return (s32)to_int(s, &sf_f32, a, 32, t);
}
s64 f32_to_i64(struct sf_status *s, u32 a, bool t)
{
    return to_int(s, &sf_f32, a, 64, t);
}
s32 f64_to_i32(struct sf_status *s, u64 a, bool t)
{
    return (s32)to_int(s, &sf_f64, a, 32, t);
}
s64 f64_to_i64(struct sf_status *s, u64 a, bool t)
{
    return to_int(s, &sf_f64, a, 64, t);
}
