/* Conversions between the 80-bit format and everything the x87 loads and stores: binary32
 * and binary64 (FLD/FST), integers (FILD, FIST, FISTTP) and 18-digit packed BCD
 * (FBLD, FBSTP), with the invalid-operation responses of SDM Vol. 1 8.5.1 and 4.8.3. */
#include "sf_internal.h"

static fx80 from_ieee(struct sf_status *s, const struct sf_fmt *f, u64 a)
{
    struct sfu u = sf_unpack_ieee(f, a, false);
    switch (u.k) {
    case K_SNAN: s->flags |= SF_IE; /* fall through */
    case K_QNAN: return fx80_make(u.sign, 0x7fff, 3ull << 62 | u.sig << (64 - f->prec));
    case K_INF: return fx80_make(u.sign, 0x7fff, 1ull << 63);
    case K_ZERO: return fx80_make(u.sign, 0, 0);
    default:
        if (u.denorm) s->flags |= SF_DE;
        return sf_pack_x80(sf_round_pack(s, &sf_x80, 64, u.sign, u.scale, u.sig, false));
    }
}

fx80 f32_to_fx80(struct sf_status *s, u32 a)
{
    return from_ieee(s, &sf_f32, a);
}
fx80 f64_to_fx80(struct sf_status *s, u64 a)
{
    return from_ieee(s, &sf_f64, a);
}

static u64 to_ieee(struct sf_status *s, const struct sf_fmt *f, fx80 a)
{
    struct sfu u = sf_unpack_x80(a);
    int fb = f->prec - 1;
    u64 sign = (u64)u.sign << (fb + f->ebits), top = (u64)fmt_expmax(f) << fb;
    switch (u.k) {
    case K_BAD: s->flags |= SF_IE; return sf_pack_ieee(f, sfr_indefinite(f));
    case K_SNAN: s->flags |= SF_IE; /* fall through */
    case K_QNAN: return sign | top | (1ull << (fb - 1)) | ((a.sig << 1) >> (65 - f->prec));
    case K_INF: return sign | top;
    case K_ZERO: return sign;
    default: { /* no DE: stores do not signal denormal operands (the host agrees) */
        u8 unmasked = s->unmasked; /* a memory destination gets no bias-adjusted value */
        s->unmasked = 0;
        u64 r = sf_pack_ieee(f, sf_round_pack(s, f, f->prec, u.sign, u.scale, u.sig, false));
        s->unmasked = unmasked;
        return r;
    }
    }
}

u32 fx80_to_f32(struct sf_status *s, fx80 a)
{
    return (u32)to_ieee(s, &sf_f32, a);
}
u64 fx80_to_f64(struct sf_status *s, fx80 a)
{
    return to_ieee(s, &sf_f64, a);
}

fx80 i64_to_fx80(s64 v)
{
    if (!v) return fx80_make(0, 0, 0);
    u64 mag = v < 0 ? -(u64)v : (u64)v;
    int lz = __builtin_clzll(mag);
    return fx80_make(v < 0, (u16)(FX80_BIAS + 63 - lz), mag << lz);
}

/* a rounded to an integer (trunc or s->round): false when a is not a finite number whose
 * rounded magnitude is at most `pos` (positive) or `neg` (negative); PE and C1 only when
 * it fits. */
static bool round_mag(struct sf_status *s, fx80 a, bool trunc, u64 pos, u64 neg, u64 *mag,
                      bool *negative)
{
    struct sfu u = sf_unpack_x80(a);
    *negative = u.sign;
    *mag = 0;
    if (u.k == K_ZERO) return true;
    if (u.k != K_NUM) return false; /* denormals: no DE, as for every store */
    bool inexact = false, up = false;
    u128 q = u.scale > 0 ? (u128)1 << 64 /* at least 2^64: too large for anything */
             : u.scale == 0
                 ? (u128)u.sig
                 : sf_round_to_int(u.sig, u.scale, trunc ? SF_RZ : s->round, u.sign, &inexact, &up);
    if (q > (u.sign ? neg : pos)) return false;
    if (inexact) s->flags |= SF_PE;
    s->c1 |= up;
    *mag = (u64)q;
    return true;
}

s64 fx80_to_int(struct sf_status *s, fx80 a, int bits, bool trunc)
{
    u64 indef = 1ull << (bits - 1), mag;
    bool neg;
    if (round_mag(s, a, trunc, indef - 1, indef, &mag, &neg))
        return neg ? (s64)(0 - mag) : (s64)mag;
    s->flags |= SF_IE;
    return (s64)(0 - indef);
}

fx80 bcd_to_fx80(const u8 bcd[10])
{
    u64 v = 0;
    for (int k = 8; k >= 0; k--)
        v = v * 100 + (bcd[k] >> 4) * 10 + (bcd[k] & 15);
    fx80 r = i64_to_fx80((s64)v);
    if (bcd[9] & 0x80) r.se |= 0x8000;
    return r;
}

void fx80_to_bcd(struct sf_status *s, fx80 a, u8 bcd[10])
{
    u64 mag;
    bool neg;
    const u64 max = 999999999999999999ull;
    if (!round_mag(s, a, false, max, max, &mag, &neg)) {
        /* the packed BCD integer indefinite (SDM Vol. 1 Table 4-3) */
        s->flags |= SF_IE;
        memset(bcd, 0, 10);
        bcd[7] = 0xc0, bcd[8] = 0xff, bcd[9] = 0xff;
        return;
    }
    for (int k = 0; k < 9; k++, mag /= 100)
        bcd[k] = (u8)((mag % 100 / 10) << 4 | mag % 10);
    bcd[9] = neg ? 0x80 : 0;
}
