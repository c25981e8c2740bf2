/* The x87 transcendentals: FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1
 * (SDM Vol. 2 for each instruction, their special-operand tables; Vol. 1 8.3.10).
 *
 * Every result is computed in the wide format of sf_xf.h (about 120 correct bits) and
 * rounded once to 64 bits by FCW.RC (precision control does not apply, Vol. 1 8.1.5.2),
 * so the result is the correctly rounded value of the function the hardware computes,
 * except within 2^-120 of a rounding boundary.
 *
 * FSIN, FCOS, FSINCOS and FPTAN reduce the argument with the 66-bit pi the hardware holds
 * (Vol. 1 8.3.10: "an internal value of pi that has 66 significant bits"; its 66 bits are
 * pi's leading bits, 0x3.243F6A8885A308D3 rounded = truncated). The reduction
 * x - k * pi66/2 is exact (both are multiples of 2^-65 when |x| >= 1/2) and the function
 * of the reduced argument is evaluated accurately, so the result is sin(x * pi / pi66)
 * correctly rounded. This reproduces the published Intel results near multiples of pi
 * (e.g. FSIN of the binary64 pi gives 1.2246063538223773e-16, not the true
 * 1.2246467991473532e-16; FPTAN of it -1.2246063538223773e-16).
 *
 * Exact: the reduction, the special operands, flags and C1 of the correctly rounded value
 * (checked against a 600-bit reference with the same reduction: 56000 inputs, tiny ones,
 * near k*pi/4 up to k = 2^60, x near 1, every rounding mode, all correctly rounded; an AMD
 * host is 1 ulp off in about 1% of them). F2XM1 and FYL2X signal PE even for their exact
 * results (x = +-1; x a power of two), as the hardware does. Not exact: Intel's own
 * approximation errors (the SDM promises 1 ulp, not correct rounding), so an Intel result
 * may differ by one unit where the function lies very close to a rounding boundary; and
 * within about 2^-120 of a boundary this code's own rounding may go either way. */
#include "sf_xf.h"

/* 128-bit constants, rounded to nearest: value = m * 2^e. */
#define XK(hi, lo, e) ((struct xf){false, (e), (u128)(hi##ull) << 64 | (lo##ull)})
static const struct xf k_pi = XK(0xc90fdaa22168c234, 0xc4c6628b80dc1cd1, -126);
static const struct xf k_ln2 = XK(0xb17217f7d1cf79ab, 0xc9e3b39803f2f6af, -128);
static const struct xf k_log2e = XK(0xb8aa3b295c17f0bb, 0xbe87fed0691d3e89, -127);
/* atan(j/8), j = 1..7 (atan(8/8) is pi/4) */
static const struct xf k_atan8[7] = {
    XK(0xfeadd4d5617b6e32, 0xc897989f3e888ef8, -131),
    XK(0xfadbafc96406eb15, 0x6dc79ef5f7a217e6, -130),
    XK(0xb7b0ca0f26f78473, 0x8aa32122dcfe4483, -129),
    XK(0xed63382b0dda7b45, 0x6fe445ecbc3a8d03, -129),
    XK(0x8f005d5ef7f59f9b, 0x5c835e1665c43748, -128),
    XK(0xa4bc7d1934f70924, 0x19a87f2a457dac9f, -128),
    XK(0xb8053e2bc2319e73, 0xcb2da55210a4443d, -128),
};
/* pi66 / 2 in units of 2^-65 (SDM Vol. 1 8.3.10). */
static const u128 k_pi66_half = (u128)0x3 << 64 | 0x243f6a8885a308d3ull;

/* A finite non-zero operand as an exact wide value. */
static struct xf from_sfu(struct sfu x)
{
    return xf_norm(x.sign, x.scale, x.sig);
}

/* Round a result once. `dir` says where the true value lies: 0 it is v, > 0 just above |v|
 * (a sticky bit far below the accurate part: the common case), < 0 just below |v|. */
static fx80 round_xf(struct sf_status *s, struct xf v, int dir)
{
    if (!v.m) return fx80_make(v.s, 0, 0);
    u128 m = dir > 0 ? v.m | 1 : dir < 0 ? (v.m - 1) | 1 : v.m;
    return sf_pack_x80(sf_round_pack(s, &sf_x80, 64, v.s, v.e, m, false));
}

/* Below 2^-40 the first correction term of sin, tan, atan (x^3/6, x^3/3) and cos (x^2/2)
 * is below 2^-80 of the value: the result is x (or 1) rounded with the direction of that
 * term, which the series would lose below 128 bits. */
#define TINY_LEAD (-40)

/* A series stops at the first term 2^-130 below its sum. */
static bool small_vs(struct xf t, struct xf sum)
{
    return !t.m || xf_lead(t) < xf_lead(sum) - 130;
}

/* sin(r) and cos(r) for |r| <= pi/4 (Taylor series). */
static struct xf sin_small(struct xf r)
{
    struct xf r2 = xf_mul(r, r), t = r, sum = r;
    for (u32 n = 2; n < 80; n += 2) {
        t = xf_neg(xf_div_small(xf_mul(t, r2), n * (n + 1)));
        if (small_vs(t, sum)) break;
        sum = xf_add(sum, t);
    }
    return sum;
}
static struct xf cos_small(struct xf r)
{
    struct xf r2 = xf_mul(r, r), t = xf_from_s32(1), sum = t;
    for (u32 n = 1; n < 80; n += 2) {
        t = xf_neg(xf_div_small(xf_mul(t, r2), n * (n + 1)));
        if (small_vs(t, sum)) break;
        sum = xf_add(sum, t);
    }
    return sum;
}

/* Reduce |a| (finite, non-zero, < 2^63) modulo pi66/2: r with |r| <= pi66/4 and the
 * quadrant k mod 4, |a| = k * pi66/2 + r exactly. */
static struct xf reduce(struct sfu x, unsigned *quad)
{
    int lz = __builtin_clzll(x.sig);
    s32 lead = x.scale + 63 - lz; /* |a| in [2^lead, 2^(lead+1)) */
    *quad = 0;
    if (lead < -1) return xf_norm(false, x.scale, x.sig); /* below 1/2: r = |a| */
    u128 X = (u128)x.sig << (x.scale + 65);               /* |a| * 2^65: scale >= -64 */
    u128 k = X / k_pi66_half, R = X - k * k_pi66_half;
    bool neg = false;
    if (R > k_pi66_half / 2) { /* R > pi66/4 (P is odd: never equal) */
        R = k_pi66_half - R;
        neg = true;
        k++;
    }
    *quad = (unsigned)(k & 3);
    return xf_norm(neg, -65, R);
}

/* |a| >= 2^63 (or an infinity, NaN...: not a finite number in range). */
static bool trig_out_of_range(struct sfu x)
{
    return x.k == K_NUM && x.scale + 63 - __builtin_clzll(x.sig) >= 63;
}

enum { T_SIN, T_COS, T_TAN };

/* Common frame of FSIN, FCOS, FPTAN: special operands, range, then the function. */
static bool trig(struct sf_status *s, fx80 a, fx80 *res, int fn)
{
    struct sfu x = sf_unpack_x80(a);
    if (x.k >= K_QNAN) {
        *res = sf_x80_nan(s, x, a, x, a, false);
        return true;
    }
    if (x.k == K_INF) {
        s->flags |= SF_IE;
        *res = fx80_indefinite();
        return true;
    }
    if (trig_out_of_range(x)) {
        *res = a;
        return false;
    }
    if (x.denorm) s->flags |= SF_DE;
    if (x.k == K_ZERO) {
        *res = fn == T_COS ? fx80_make(0, FX80_BIAS, 1ull << 63) : a;
        return true;
    }
    unsigned q;
    struct xf r = reduce(x, &q), v;
    int dir = 1;
    if (xf_lead(r) < TINY_LEAD && !(fn == T_TAN && (q & 1))) {
        /* sin(r) just below r, tan(r) just above, cos(r) just below 1 */
        bool sine = fn == T_TAN || (fn == T_SIN) == !(q & 1);
        v = sine ? r : xf_from_s32(1);
        dir = fn == T_TAN ? 1 : -1;
    } else {
        switch (fn) {
        case T_SIN: v = (q & 1) ? cos_small(r) : sin_small(r); break;
        case T_COS: v = (q & 1) ? sin_small(r) : cos_small(r); break;
        default: {
            struct xf sn = sin_small(r), cs = cos_small(r);
            v = (q & 1) ? xf_neg(xf_div(cs, sn)) : xf_div(sn, cs);
            break;
        }
        }
    }
    if (fn == T_SIN && (q & 2)) v = xf_neg(v);
    if (fn == T_COS && (q == 1 || q == 2)) v = xf_neg(v);
    if (fn != T_COS && x.sign) v = xf_neg(v);
    *res = round_xf(s, v, dir);
    return true;
}

bool fx80_sin(struct sf_status *s, fx80 a, fx80 *r)
{
    return trig(s, a, r, T_SIN);
}
bool fx80_cos(struct sf_status *s, fx80 a, fx80 *r)
{
    return trig(s, a, r, T_COS);
}
bool fx80_tan(struct sf_status *s, fx80 a, fx80 *r)
{
    return trig(s, a, r, T_TAN);
}

/* atan(t) for 0 <= t <= 1: atan(j/8) + atan(u), u = (t - j/8) / (1 + t*j/8), |u| < 1/16. */
static struct xf atan01(struct xf t)
{
    /* j = round(8t) */
    u32 j = 0;
    if (t.m) {
        s32 sh = -(t.e + 3);                            /* 8t = m * 2^(e+3) */
        u128 fix = sh - 1 >= 128 ? 0 : t.m >> (sh - 1); /* 16t truncated to an integer */
        j = (u32)((fix + 1) >> 1);
    }
    struct xf base = j == 8 ? xf_div_small(k_pi, 4) : j ? k_atan8[j - 1] : (struct xf){0};
    struct xf u = t;
    if (j) {
        struct xf c = xf_div_small(xf_from_s32((s32)j), 8);
        u = xf_div(xf_sub(t, c), xf_add(xf_from_s32(1), xf_mul(t, c)));
    }
    struct xf u2 = xf_mul(u, u), p = u, sum = u;
    for (u32 n = 3; n < 200 && u.m; n += 2) {
        p = xf_neg(xf_mul(p, u2));
        struct xf t2 = xf_div_small(p, n);
        if (small_vs(t2, sum)) break;
        sum = xf_add(sum, t2);
    }
    return xf_add(base, sum);
}

/* FPATAN: atan(y / x) with the quadrant of (x, y) (ST1 = y, ST0 = x). */
fx80 fx80_atan2(struct sf_status *s, fx80 b, fx80 a)
{
    struct sfu y = sf_unpack_x80(b), x = sf_unpack_x80(a);
    if (x.k >= K_QNAN || y.k >= K_QNAN) return sf_x80_nan(s, y, b, x, a, true);
    if (x.denorm || y.denorm) s->flags |= SF_DE;
    struct xf pi = k_pi, v;
    if (y.k == K_ZERO || x.k == K_ZERO || y.k == K_INF || x.k == K_INF) {
        /* Table 3-29 (FPATAN results): the C atan2 conventions */
        if (y.k == K_INF && x.k == K_INF) {
            v = x.sign ? xf_div_small(xf_mul(pi, xf_from_s32(3)), 4) : xf_div_small(pi, 4);
        } else if (y.k == K_INF || x.k == K_ZERO) {
            v = y.k == K_ZERO && x.k == K_ZERO ? (x.sign ? pi : (struct xf){0})
                                               : xf_div_small(pi, 2);
        } else { /* y zero or finite with x infinite */
            v = x.sign ? pi : (struct xf){0};
        }
        v.s = y.sign;
        return round_xf(s, v, 1);
    }
    struct xf yy = xf_abs(from_sfu(y)), xx = xf_abs(from_sfu(x));
    bool swap = !(xx.e > yy.e || (xx.e == yy.e && xx.m >= yy.m)); /* |y| > |x| */
    struct xf t = swap ? xf_div(xx, yy) : xf_div(yy, xx);
    int dir = 1;
    if (!swap && !x.sign && xf_lead(t) < TINY_LEAD) {
        /* atan(t) just below t; an inexact quotient (its sticky bit: the exact quotient of
         * two 64-bit significands has no bit that low) is not on a boundary, so its own
         * direction decides */
        v = t;
        dir = (t.m & 1) ? 1 : -1;
    } else {
        v = atan01(t);
        if (swap) v = xf_sub(xf_div_small(pi, 2), v);
        if (x.sign) v = xf_sub(pi, v);
    }
    v.s = y.sign;
    return round_xf(s, v, dir);
}

/* e^z - 1 by its Taylor series (|z| <= ln 2). */
static struct xf expm1_small(struct xf z)
{
    struct xf t = z, sum = z;
    for (u32 n = 2; n < 80; n++) {
        t = xf_div_small(xf_mul(t, z), n);
        if (small_vs(t, sum)) break;
        sum = xf_add(sum, t);
    }
    return sum;
}

/* F2XM1: 2^x - 1, defined for -1 <= x <= 1 (outside: undefined by the SDM; computed with
 * 2^x = 2^n * 2^f for |x| < 2^15 and saturated beyond). */
fx80 fx80_2xm1(struct sf_status *s, fx80 a)
{
    struct sfu x = sf_unpack_x80(a);
    if (x.k >= K_QNAN) return sf_x80_nan(s, x, a, x, a, false);
    if (x.denorm) s->flags |= SF_DE;
    if (x.k == K_ZERO) return a;
    if (x.k == K_INF) return x.sign ? fx80_make(1, FX80_BIAS, 1ull << 63) : a;
    struct xf v = from_sfu(x);
    s32 lead = xf_lead(v);
    if (lead >= 0) { /* |x| >= 1: 2^n * 2^f - 1 with n the integer part */
        s32 n = lead >= 15 ? (x.sign ? -20000 : 20000) : (s32)(v.m >> (127 - lead));
        if (lead < 15 && x.sign) n = -n;
        struct xf f = lead >= 15 ? (struct xf){0} : xf_sub(v, xf_from_s32(n));
        if (!f.m && (n == 1 || n == -1)) { /* exact, but PE as for any other operand */
            s->flags |= SF_PE;
            return round_xf(s, xf_norm(n < 0, n < 0 ? -1 : 0, 1), 0);
        }
        struct xf p = xf_add(xf_from_s32(1), expm1_small(xf_mul(f, k_ln2)));
        p.e += n;
        return round_xf(s, xf_sub(p, xf_from_s32(1)), 1);
    }
    return round_xf(s, expm1_small(xf_mul(v, k_ln2)), 1);
}

/* ln(1 + w) for a given s = w / (2 + w): 2 * atanh(s) = 2 (s + s^3/3 + s^5/5 ...). */
static struct xf ln_atanh(struct xf sv)
{
    struct xf s2 = xf_mul(sv, sv), p = sv, sum = sv;
    for (u32 n = 3; n < 400 && sv.m; n += 2) {
        p = xf_mul(p, s2);
        struct xf t = xf_div_small(p, n);
        if (small_vs(t, sum)) break;
        sum = xf_add(sum, t);
    }
    sum.e += 1;
    return sum;
}

/* y * log2(x) for finite positive x: (lead + ln(m) * log2(e)), m in [sqrt(1/2), sqrt(2)). */
static struct xf log2_pos(struct sfu x, bool *exact)
{
    int lz = __builtin_clzll(x.sig);
    s32 lead = x.scale + 63 - lz;
    struct xf m = xf_norm(false, -63, x.sig << lz); /* [1, 2) */
    /* sqrt(2) = 1.6A09E667F3BCC908... */
    if ((x.sig << lz) > 0xb504f333f9de6484ull) {
        m.e--;
        lead++;
    }
    struct xf one = xf_from_s32(1);
    struct xf l = ln_atanh(xf_div(xf_sub(m, one), xf_add(m, one)));
    *exact = !l.m;
    return xf_add(xf_from_s32(lead), xf_mul(l, k_log2e));
}

/* FYL2X: ST1 * log2(ST0) (Table 3-49, "FYL2X Results"). */
fx80 fx80_yl2x(struct sf_status *s, fx80 b, fx80 a)
{
    struct sfu y = sf_unpack_x80(b), x = sf_unpack_x80(a);
    if (x.k >= K_QNAN || y.k >= K_QNAN) return sf_x80_nan(s, y, b, x, a, true);
    bool invalid = (x.sign && x.k != K_ZERO);
    if (!invalid) {
        /* log2(x) = 0 (x = 1), -inf (x = 0), +inf; its product with y */
        bool one = x.k == K_NUM && !x.denorm && x.sig == 1ull << 63 && x.scale == -63;
        if (x.k == K_ZERO)
            invalid = y.k == K_ZERO;
        else if (x.k == K_INF)
            invalid = y.k == K_ZERO;
        else if (one)
            invalid = y.k == K_INF;
    }
    if (invalid) {
        s->flags |= SF_IE;
        return fx80_indefinite();
    }
    if (x.k == K_ZERO && y.k != K_INF)
        s->flags |= SF_ZE;
    else if (x.denorm || y.denorm)
        s->flags |= SF_DE;
    if (x.k == K_ZERO) return fx80_make(!y.sign, 0x7fff, 1ull << 63);
    if (x.k == K_INF) return fx80_make(y.sign, 0x7fff, 1ull << 63);
    bool exact;
    struct xf l = log2_pos(x, &exact);
    if (y.k == K_INF) { /* x != 1: the sign of log2(x) times infinity */
        return fx80_make(y.sign != l.s, 0x7fff, 1ull << 63);
    }
    if (y.k == K_ZERO || !l.m) return fx80_make(y.sign != (l.m && l.s), 0, 0);
    fx80 r = round_xf(s, xf_mul(from_sfu(y), l), exact ? 0 : 1);
    if (exact) { /* x a power of two: PE all the same, and UE when tiny (host-verified) */
        s->flags |= SF_PE;
        if (!(r.se & 0x7fff)) s->flags |= SF_UE;
    }
    return r;
}

/* FYL2XP1: ST1 * log2(ST0 + 1), for |ST0| < 1 - sqrt(2)/2 (Table 3-50); outside that
 * range the SDM leaves the result undefined: computed as the function where defined. */
fx80 fx80_yl2xp1(struct sf_status *s, fx80 b, fx80 a)
{
    struct sfu y = sf_unpack_x80(b), x = sf_unpack_x80(a);
    if (x.k >= K_QNAN || y.k >= K_QNAN) return sf_x80_nan(s, y, b, x, a, true);
    /* 1 + x <= 0 (outside the range): log2 of zero or of a negative number */
    int below = 0; /* 1: x = -1, 2: x < -1 */
    if (x.sign && x.k == K_INF) below = 2;
    if (x.sign && x.k == K_NUM) {
        int c = sf_order(x, sf_unpack_x80(fx80_make(1, FX80_BIAS, 1ull << 63)));
        below = c < 0 ? 2 : c == 0 ? 1 : 0;
    }
    bool y0 = y.k == K_ZERO, yinf = y.k == K_INF;
    if (below == 2 || (below == 1 && y0) || (x.k == K_ZERO && yinf) || (x.k == K_INF && y0)) {
        s->flags |= SF_IE;
        return fx80_indefinite();
    }
    if (below == 1 && !yinf)
        s->flags |= SF_ZE;
    else if (x.denorm || y.denorm)
        s->flags |= SF_DE;
    if (below == 1) return fx80_make(!y.sign, 0x7fff, 1ull << 63);
    if (x.k == K_INF) return fx80_make(y.sign, 0x7fff, 1ull << 63);
    if (x.k == K_ZERO || y0) return fx80_make(x.sign != y.sign, 0, 0);
    if (yinf) return fx80_make(x.sign != y.sign, 0x7fff, 1ull << 63);
    struct xf xv = from_sfu(x);
    struct xf l = xf_mul(ln_atanh(xf_div(xv, xf_add(xf_from_s32(2), xv))), k_log2e);
    return round_xf(s, xf_mul(from_sfu(y), l), 1);
}
