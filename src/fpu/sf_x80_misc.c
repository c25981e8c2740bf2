/* x87 operations on one 80-bit value that are not plain arithmetic: FRNDINT, FSCALE,
 * FXTRACT and the partial remainders FPREM/FPREM1 (SDM Vol. 2 for each instruction; the
 * masked responses of Vol. 1 8.5). Precision control does not apply to these (8.1.5.2). */
#include "sf_internal.h"

fx80 fx80_round_int(struct sf_status *s, fx80 a)
{
    struct sfu x = sf_unpack_x80(a);
    if (x.k >= K_QNAN) return sf_x80_nan(s, x, a, x, a, false);
    if (x.denorm) s->flags |= SF_DE;
    if (x.k != K_NUM || x.scale >= 0) return a;
    bool inexact, up;
    u128 q = sf_round_to_int(x.sig, x.scale, s->round, x.sign, &inexact, &up);
    if (inexact) s->flags |= SF_PE;
    s->c1 |= up;
    if (!q) return fx80_make(x.sign, 0, 0);
    return sf_pack_x80(sf_round_pack(s, &sf_x80, 64, x.sign, 0, q, false)); /* exact */
}

/* trunc(y) for FSCALE, clamped far beyond any exponent range. */
static s32 scale_count(struct sfu y)
{
    if (y.k == K_ZERO) return 0;
    int lead = y.scale + 63 - __builtin_clzll(y.sig); /* exponent of the leading bit */
    if (lead >= 20) return y.sign ? -(1 << 20) : 1 << 20;
    if (lead < 0) return 0;
    s32 n = (s32)(y.scale >= 0 ? y.sig << y.scale : y.sig >> -y.scale);
    return y.sign ? -n : n;
}

fx80 fx80_scale(struct sf_status *s, fx80 a, fx80 b)
{
    struct sfu x = sf_unpack_x80(a), y = sf_unpack_x80(b);
    if (x.k >= K_QNAN || y.k >= K_QNAN) return sf_x80_nan(s, x, a, y, b, true);
    if (x.denorm || y.denorm) s->flags |= SF_DE;
    if (y.k == K_INF) {
        /* 0 * 2^+inf and inf * 2^-inf are invalid */
        if ((!y.sign && x.k == K_ZERO) || (y.sign && x.k == K_INF)) {
            s->flags |= SF_IE;
            return fx80_indefinite();
        }
        if (x.k != K_NUM) return a;
        return y.sign ? fx80_make(x.sign, 0, 0) : fx80_make(x.sign, 0x7fff, 1ull << 63);
    }
    if (x.k != K_NUM) return a;
    return sf_pack_x80(
        sf_round_pack(s, &sf_x80, 64, x.sign, x.scale + scale_count(y), x.sig, false));
}

void fx80_xtract(struct sf_status *s, fx80 a, fx80 *exp, fx80 *sig)
{
    struct sfu x = sf_unpack_x80(a);
    if (x.k >= K_QNAN) {
        *exp = *sig = sf_x80_nan(s, x, a, x, a, false);
        return;
    }
    switch (x.k) {
    case K_ZERO:
        s->flags |= SF_ZE;
        *exp = fx80_make(1, 0x7fff, 1ull << 63);
        *sig = a;
        return;
    case K_INF:
        *exp = fx80_make(0, 0x7fff, 1ull << 63);
        *sig = a;
        return;
    default: {
        if (x.denorm) s->flags |= SF_DE;
        int lz = __builtin_clzll(x.sig);
        *exp = i64_to_fx80(x.scale + 63 - lz);
        *sig = fx80_make(x.sign, FX80_BIAS, x.sig << lz);
    }
    }
}

/* Normalized significand and exponent of its leading bit. */
static u64 norm(struct sfu x, s32 *e)
{
    int lz = __builtin_clzll(x.sig);
    *e = x.scale + 63 - lz;
    return x.sig << lz;
}

fx80 fx80_rem(struct sf_status *s, fx80 a, fx80 b, bool ieee, u16 *cc)
{
    struct sfu x = sf_unpack_x80(a), y = sf_unpack_x80(b);
    *cc = 0;
    if (x.k >= K_QNAN || y.k >= K_QNAN) return sf_x80_nan(s, x, a, y, b, true);
    if (x.k == K_INF || y.k == K_ZERO) {
        s->flags |= SF_IE;
        return fx80_indefinite();
    }
    if (x.denorm || y.denorm) s->flags |= SF_DE;
    if (x.k == K_ZERO) return a;
    s32 ex, ey = 0;
    u64 mx = norm(x, &ex), my = y.k == K_INF ? 0 : norm(y, &ey);
    s32 d = ex - ey;
    bool sign = x.sign, partial = d >= 64;
    if (y.k == K_INF ||
        d < (ieee ? -1 : 0)) /* quotient 0 (|x| < |y|/2 for FPREM1): x, normalized */
        return sf_pack_x80(sf_round_pack(s, &sf_x80, 64, x.sign, x.scale, x.sig, false));
    /* Long division of mx by my over n+1 quotient bits, where the divisor is aligned
     * 2^n below the dividend: the whole quotient, or for a partial step (SDM FPREM:
     * N between 32 and 63; the host reduces by 32 + d mod 32) the top of it. */
    s32 n = partial ? 32 + (d & 31) : d;
    u128 r = mx, q = 0;
    if (n >= 0) {
        for (s32 i = 0; i <= n; i++) {
            q <<= 1;
            if (r >= my) {
                r -= my;
                q |= 1;
            }
            if (i < n) r <<= 1;
        }
    }
    /* units of r: 2^(ey-63) scaled by the partial step's alignment; 2^(ey-64) for d = -1 */
    s32 rscale = n < 0 ? ex - 63 : ey + (d - n) - 63;
    if (ieee && !partial) {                    /* round the quotient to nearest, ties to even */
        u128 div = n < 0 ? (u128)my << 1 : my; /* |y| in units of r */
        if ((r << 1) > div || ((r << 1) == div && (q & 1))) {
            q++;
            r = div - r;
            sign = !sign;
        }
    }
    if (partial) {
        *cc = 1u << 10;
    } else {
        *cc = (u16)(((q >> 2) & 1) << 8 | ((q >> 1) & 1) << 14 | (q & 1) << 9);
    }
    if (!r) return fx80_make(x.sign, 0, 0);
    return sf_pack_x80(sf_round_pack(s, &sf_x80, 64, sign, rscale, r, false)); /* exact */
}
