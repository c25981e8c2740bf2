/* Arithmetic on unpacked operands, the same for every format: the exact result (or enough
 * of it, with the bits below folded into a sticky bit) handed to sf_round_pack. NaNs are
 * the callers' business (SSE and the x87 propagate them differently); zeros, infinities
 * and the invalid cases that produce the QNaN indefinite are handled here (SDM Vol. 1
 * 4.8.3.5, 4.9.1.2, Table 4-7). */
#include "sf_internal.h"

/* Leading bit of a non-zero sig moved to bit 126 (one bit of headroom for a carry). */
static u128 to_bit126(u128 sig, s32 *scale)
{
    int sh = clz128(sig) - 1;
    *scale -= sh;
    return sig << sh;
}

/* sign_a*x*2^sa + sign_b*y*2^sb, both non-zero, rounded. */
static struct sfr add_exact(struct sf_status *s, const struct sf_fmt *f, int prec, bool sign_a,
                            s32 sa, u128 x, bool sign_b, s32 sb, u128 y, bool sse)
{
    x = to_bit126(x, &sa);
    y = to_bit126(y, &sb);
    if (sa < sb) {
        u128 t = x;
        x = y, y = t;
        s32 ts = sa;
        sa = sb, sb = ts;
        bool tb = sign_a;
        sign_a = sign_b, sign_b = tb;
    }
    y = shr_jam(y, sa - sb);
    if (sign_a == sign_b) return sf_round_pack(s, f, prec, sign_a, sa, x + y, sse);
    if (x == y) return sfr_zero(s->round == SF_RD);
    if (x > y) return sf_round_pack(s, f, prec, sign_a, sa, x - y, sse);
    return sf_round_pack(s, f, prec, sign_b, sa, y - x, sse);
}

struct sfr sf_core_add(struct sf_status *s, const struct sf_fmt *f, int prec, struct sfu a,
                       struct sfu b, bool sse)
{
    if (a.k == K_INF || b.k == K_INF) {
        if (a.k == K_INF && b.k == K_INF && a.sign != b.sign) {
            s->flags |= SF_IE;
            return sfr_indefinite(f);
        }
        return sfr_inf(f, a.k == K_INF ? a.sign : b.sign);
    }
    if (a.k == K_ZERO && b.k == K_ZERO)
        return sfr_zero(a.sign == b.sign ? a.sign : s->round == SF_RD);
    if (a.k == K_ZERO) return sf_round_pack(s, f, prec, b.sign, b.scale, b.sig, sse);
    if (b.k == K_ZERO) return sf_round_pack(s, f, prec, a.sign, a.scale, a.sig, sse);
    return add_exact(s, f, prec, a.sign, a.scale, a.sig, b.sign, b.scale, b.sig, sse);
}

struct sfr sf_core_mul(struct sf_status *s, const struct sf_fmt *f, int prec, struct sfu a,
                       struct sfu b, bool sse)
{
    bool sign = a.sign ^ b.sign;
    if ((a.k == K_INF && b.k == K_ZERO) || (a.k == K_ZERO && b.k == K_INF)) {
        s->flags |= SF_IE;
        return sfr_indefinite(f);
    }
    if (a.k == K_INF || b.k == K_INF) return sfr_inf(f, sign);
    if (a.k == K_ZERO || b.k == K_ZERO) return sfr_zero(sign);
    return sf_round_pack(s, f, prec, sign, a.scale + b.scale, (u128)a.sig * b.sig, sse);
}

struct sfr sf_core_div(struct sf_status *s, const struct sf_fmt *f, int prec, struct sfu a,
                       struct sfu b, bool sse)
{
    bool sign = a.sign ^ b.sign;
    if ((a.k == K_INF && b.k == K_INF) || (a.k == K_ZERO && b.k == K_ZERO)) {
        s->flags |= SF_IE;
        return sfr_indefinite(f);
    }
    if (a.k == K_INF) return sfr_inf(f, sign);
    if (b.k == K_INF) return sfr_zero(sign);
    if (b.k == K_ZERO) {
        s->flags |= SF_ZE;
        return sfr_inf(f, sign);
    }
    if (a.k == K_ZERO) return sfr_zero(sign);
    int la = __builtin_clzll(a.sig), lb = __builtin_clzll(b.sig);
    u64 x = a.sig << la, y = b.sig << lb;
    u128 n = (u128)x << 64, q = n / y, r = n % y;
    for (int i = 0; i < 2; i++) { /* two more quotient bits: 66 or 67 in all */
        r <<= 1;
        q <<= 1;
        if (r >= y) {
            r -= y;
            q |= 1;
        }
    }
    q |= r != 0;
    s32 scale = (a.scale - la) - (b.scale - lb) - 66;
    return sf_round_pack(s, f, prec, sign, scale, q, sse);
}

struct sfr sf_core_sqrt(struct sf_status *s, const struct sf_fmt *f, int prec, struct sfu a,
                        bool sse)
{
    if (a.k == K_ZERO) return a.sign ? sfr_zero(1) : sfr_zero(0);
    if (a.sign) {
        s->flags |= SF_IE;
        return sfr_indefinite(f);
    }
    if (a.k == K_INF) return sfr_inf(f, 0);
    int lz = __builtin_clzll(a.sig);
    u128 m = (u128)(a.sig << lz);
    s32 sc = a.scale - lz;
    if (sc & 1) {
        m <<= 1;
        sc -= 1;
    }
    /* Digit by digit over m (66 bits) followed by zeros: 68 root bits. */
    u128 rem = 0, root = 0;
    for (int i = 0; i < 68; i++) {
        int sh = 66 - 2 * (i + 1);
        rem = (rem << 2) | (sh >= 0 ? (m >> sh) & 3 : 0);
        u128 t = (root << 2) | 1;
        root <<= 1;
        if (rem >= t) {
            rem -= t;
            root |= 1;
        }
    }
    root |= rem != 0;
    return sf_round_pack(s, f, prec, 0, sc / 2 - 35, root, sse);
}

struct sfr sf_core_fma(struct sf_status *s, const struct sf_fmt *f, struct sfu a, struct sfu b,
                       struct sfu c)
{
    bool ps = a.sign ^ b.sign;
    if ((a.k == K_INF && b.k == K_ZERO) || (a.k == K_ZERO && b.k == K_INF)) {
        s->flags |= SF_IE;
        return sfr_indefinite(f);
    }
    bool pinf = a.k == K_INF || b.k == K_INF, pzero = a.k == K_ZERO || b.k == K_ZERO;
    if (pinf || c.k == K_INF) {
        if (pinf && c.k == K_INF && ps != c.sign) {
            s->flags |= SF_IE;
            return sfr_indefinite(f);
        }
        return sfr_inf(f, pinf ? ps : c.sign);
    }
    if (pzero && c.k == K_ZERO) return sfr_zero(ps == c.sign ? ps : s->round == SF_RD);
    if (pzero) return sf_round_pack(s, f, f->prec, c.sign, c.scale, c.sig, true);
    u128 p = (u128)a.sig * b.sig;
    if (c.k == K_ZERO) return sf_round_pack(s, f, f->prec, ps, a.scale + b.scale, p, true);
    return add_exact(s, f, f->prec, ps, a.scale + b.scale, p, c.sign, c.scale, c.sig, true);
}
