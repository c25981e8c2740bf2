/* Rounding and packing: every result of every format passes through sf_round_pack, which
 * applies the rounding mode, the precision, the exponent range with x86's tininess-after-
 * rounding rule (SDM Vol. 1 4.9.1.5), gradual underflow or SSE's FTZ, the masked overflow
 * response (4.9.1.4, Table 4-8) or the x87's bias-adjusted unmasked results (8.5.4,
 * 8.5.5), and records PE, UE, OE and the x87's C1 "rounded up". */
#include "sf_internal.h"

const struct sf_fmt sf_f32 = {24, 127, 8}, sf_f64 = {53, 1023, 11}, sf_x80 = {64, 16383, 15};

/* sig >> sh rounded in `mode` (sh >= 0, may exceed 128). */
static u128 round_shift(u128 sig, int sh, int mode, bool sign, bool *inexact, bool *up)
{
    u128 q, rem, half;
    if (sh == 0) {
        *inexact = *up = false;
        return sig;
    }
    if (sh > 128) {
        q = 0, rem = sig, half = 0; /* half is beyond sig: rem is below it */
    } else if (sh == 128) {
        q = 0, rem = sig, half = (u128)1 << 127;
    } else {
        q = sig >> sh, rem = sig & (((u128)1 << sh) - 1), half = (u128)1 << (sh - 1);
    }
    bool inc = false;
    *inexact = rem != 0;
    if (rem) {
        switch (mode) {
        case SF_RN: inc = sh <= 128 && (rem > half || (rem == half && (q & 1))); break;
        case SF_RD: inc = sign; break;
        case SF_RU: inc = !sign; break;
        default: break;
        }
    }
    *up = inc;
    return q + inc;
}

u128 sf_round_to_int(u128 sig, int scale, int mode, bool sign, bool *inexact, bool *up)
{
    return round_shift(sig, -scale, mode, sign, inexact, up);
}

struct sfr sf_round_pack(struct sf_status *s, const struct sf_fmt *f, int prec, bool sign,
                         s32 scale, u128 sig, bool sse)
{
    if (!sig) return sfr_zero(sign);
    int lz = clz128(sig), mode = s->round, sh = 128 - prec;
    sig <<= lz;
    s32 e = scale + 127 - lz; /* exponent of the leading bit */
    bool inexact, up;
    u128 q = round_shift(sig, sh, mode, sign, &inexact, &up);
    s32 eu = e; /* exponent after rounding with an unbounded range */
    if (q >> prec) {
        q >>= 1;
        eu++;
    }
    u64 field = (u64)(q << (64 - prec));
    bool tiny = eu < fmt_emin(f);
    if (eu > fmt_emax(f)) {
        if (s->unmasked & SF_OE) { /* x87: the significand with the exponent wrapped */
            s->flags |= SF_OE | (inexact ? SF_PE : 0);
            s->c1 |= up;
            return (struct sfr){sign, (u32)(eu - FX80_WRAP + f->bias), field};
        }
        s->flags |= SF_OE | SF_PE;
        bool to_inf = mode == SF_RN || (mode == SF_RU && !sign) || (mode == SF_RD && sign);
        if (to_inf) {
            s->c1 = true;
            return sfr_inf(f, sign);
        }
        u64 max = (u64)((((u128)1 << prec) - 1) << (64 - prec));
        return (struct sfr){sign, (u32)(fmt_emax(f) + f->bias), max};
    }
    if (tiny && (s->unmasked & SF_UE)) {
        s->flags |= SF_UE | (inexact ? SF_PE : 0);
        s->c1 |= up;
        return (struct sfr){sign, (u32)(eu + FX80_WRAP + f->bias), field};
    }
    u32 exp = (u32)(eu + f->bias);
    if (e < fmt_emin(f)) { /* denormalize: the rounding point stays where the format has it */
        q = round_shift(sig, sh + (fmt_emin(f) - e), mode, sign, &inexact, &up);
        exp = (q >> (prec - 1)) ? 1 : 0;
        field = (u64)(q << (64 - prec));
    }
    if (tiny && sse && s->ftz) {
        s->flags |= SF_UE | SF_PE;
        return sfr_zero(sign);
    }
    if (inexact) s->flags |= SF_PE | (tiny ? SF_UE : 0);
    s->c1 |= up;
    return (struct sfr){sign, exp, field};
}

struct sfu sf_unpack_ieee(const struct sf_fmt *f, u64 bits, bool daz)
{
    int fb = f->prec - 1;
    struct sfu u = {0};
    u.sign = (bits >> (fb + f->ebits)) & 1;
    u32 e = (u32)(bits >> fb) & fmt_expmax(f);
    u64 frac = bits & ((1ull << fb) - 1);
    if (e == fmt_expmax(f)) {
        u.k = !frac ? K_INF : (frac >> (fb - 1)) & 1 ? K_QNAN : K_SNAN;
        u.sig = frac;
    } else if (e == 0) {
        if (!frac || daz) {
            u.k = K_ZERO;
        } else {
            u.k = K_NUM, u.denorm = true, u.sig = frac, u.scale = fmt_emin(f) - fb;
        }
    } else {
        u.k = K_NUM, u.sig = frac | (1ull << fb), u.scale = (s32)e - f->bias - fb;
    }
    return u;
}

u64 sf_pack_ieee(const struct sf_fmt *f, struct sfr r)
{
    int fb = f->prec - 1;
    return ((u64)r.sign << (fb + f->ebits)) | ((u64)r.exp << fb) |
           ((r.sig >> (64 - f->prec)) & ((1ull << fb) - 1));
}

struct sfu sf_unpack_x80(fx80 a)
{
    struct sfu u = {0};
    u32 e = a.se & 0x7fff;
    bool ibit = a.sig >> 63;
    u.sign = a.se >> 15;
    u.sig = a.sig;
    if (e == 0x7fff) {
        u.k = !ibit ? K_BAD : !(a.sig << 1) ? K_INF : (a.sig >> 62) & 1 ? K_QNAN : K_SNAN;
    } else if (e == 0) { /* denormals and pseudo-denormals (integer bit 1) */
        u.k = a.sig ? K_NUM : K_ZERO;
        u.denorm = a.sig != 0;
        u.scale = 1 - FX80_BIAS - 63;
    } else {
        u.k = ibit ? K_NUM : K_BAD; /* unnormal */
        u.scale = (s32)e - FX80_BIAS - 63;
    }
    return u;
}
