/* The wide working format of the transcendentals (sf_xf.h): add, multiply and divide on
 * 128-bit significands, truncating. */
#include "sf_xf.h"

struct xf xf_norm(bool s, s32 e, u128 m)
{
    if (!m) return (struct xf){s, 0, 0};
    int lz = clz128(m);
    return (struct xf){s, e - lz, m << lz};
}

struct xf xf_from_s32(s32 v)
{
    u64 mag = v < 0 ? (u64)0 - (u64)(s64)v : (u64)v;
    return xf_norm(v < 0, 0, mag);
}

/* |a| >= |b| */
static bool mag_ge(struct xf a, struct xf b)
{
    if (!b.m) return true;
    if (!a.m) return false;
    return a.e != b.e ? a.e > b.e : a.m >= b.m;
}

struct xf xf_add(struct xf a, struct xf b)
{
    if (!mag_ge(a, b)) {
        struct xf t = a;
        a = b, b = t;
    }
    if (!b.m) return a;
    s32 d = a.e - b.e;
    u128 bm = d >= 128 ? 0 : b.m >> d;
    if (a.s == b.s) {
        u128 sum = a.m + bm;
        if (sum < a.m) return (struct xf){a.s, a.e + 1, (sum >> 1) | (u128)1 << 127};
        return (struct xf){a.s, a.e, sum};
    }
    /* a - b. With d = 1 the bit shifted out of b counts: the difference can lose its
     * leading bit, so it is kept as a half unit (exact for d <= 1; for d >= 2 the
     * difference keeps its leading bit within one place and the truncation stays below
     * 2^-126 of it). */
    if (d == 1 && (b.m & 1)) {
        u128 diff = a.m - (b.m >> 1) - 1; /* value: diff + 1/2 */
        if (diff >> 127) return (struct xf){a.s, a.e, diff};
        return xf_norm(a.s, a.e - 1, (diff << 1) | 1);
    }
    return xf_norm(a.s, a.e, a.m - bm);
}

struct xf xf_sub(struct xf a, struct xf b)
{
    return xf_add(a, xf_neg(b));
}

struct xf xf_mul(struct xf a, struct xf b)
{
    if (!a.m || !b.m) return (struct xf){a.s != b.s, 0, 0};
    u64 ah = (u64)(a.m >> 64), al = (u64)a.m, bh = (u64)(b.m >> 64), bl = (u64)b.m;
    u128 hh = (u128)ah * bh, hl = (u128)ah * bl, lh = (u128)al * bh, ll = (u128)al * bl;
    u128 mid = (u128)(u64)hl + (u64)lh + (ll >> 64);
    u128 hi = hh + (hl >> 64) + (lh >> 64) + (mid >> 64);
    u64 lo = (u64)mid; /* the next 64 bits below hi */
    s32 e = a.e + b.e + 128;
    if (!(hi >> 127)) {
        hi = (hi << 1) | (lo >> 63);
        e--;
    }
    return (struct xf){a.s != b.s, e, hi};
}

struct xf xf_div(struct xf a, struct xf b)
{
    if (!a.m) return (struct xf){a.s != b.s, 0, 0};
    u128 r = a.m, q = 0;
    bool carry = false;
    s32 e = a.e - b.e - 127;
    if (a.m < b.m) { /* a*2 / b: the dividend's top bit moves into the carry */
        carry = true;
        r = a.m << 1;
        e--;
    }
    for (int i = 0; i < 128; i++) {
        q <<= 1;
        if (carry || r >= b.m) {
            r -= b.m;
            q |= 1;
        }
        carry = r >> 127;
        r <<= 1;
    }
    /* a remainder left: a sticky bit, so a quotient that is not exact never looks exact */
    return (struct xf){a.s != b.s, e, q | (r != 0 || carry)};
}

struct xf xf_div_small(struct xf a, u32 k)
{
    if (!a.m || k == 1) return a;
    u128 q = a.m / k, rem = a.m % k;
    u64 q2 = (u64)((rem << 64) / k);
    int lz = clz128(q); /* 1..32 */
    return (struct xf){a.s, a.e - lz, (q << lz) | (q2 >> (64 - lz))};
}
