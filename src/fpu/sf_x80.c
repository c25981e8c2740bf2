/* 80-bit extended arithmetic with the x87's rules: unsupported encodings (unnormals,
 * pseudo-NaNs, pseudo-infinities) are invalid operands with the QNaN indefinite as masked
 * response (SDM Vol. 1 8.2.2, Table 8-3), denormal and pseudo-denormal operands raise DE,
 * two NaNs give the QNaN or the larger significand (Table 4-7), and precision control
 * rounds add, subtract, multiply, divide and square root results to 24, 53 or 64 bits. */
#include "sf_internal.h"

int sf_x80_prec(const struct sf_status *s)
{
    return s->prec == SF_PC24 ? 24 : s->prec == SF_PC64 ? 64 : 53;
}

bool fx80_is_nan(fx80 a)
{
    u8 k = sf_unpack_x80(a).k;
    return k == K_QNAN || k == K_SNAN;
}
bool fx80_is_signaling(fx80 a)
{
    return sf_unpack_x80(a).k == K_SNAN;
}
bool fx80_is_unsupported(fx80 a)
{
    return sf_unpack_x80(a).k == K_BAD;
}

/* Result for operands among which is a NaN or an unsupported encoding; sets IE as due. */
fx80 sf_x80_nan(struct sf_status *s, struct sfu x, fx80 a, struct sfu y, fx80 b, bool two)
{
    if (x.k == K_BAD || (two && y.k == K_BAD)) {
        s->flags |= SF_IE;
        return fx80_indefinite();
    }
    bool xn = x.k == K_QNAN || x.k == K_SNAN, yn = two && (y.k == K_QNAN || y.k == K_SNAN);
    if (x.k == K_SNAN || (two && y.k == K_SNAN)) s->flags |= SF_IE;
    fx80 r = a;
    if (xn && yn) {
        if (x.k != y.k) {
            r = x.k == K_QNAN ? a : b;
        } else {
            u64 ma = a.sig & ~(1ull << 62), mb = b.sig & ~(1ull << 62);
            r = ma > mb || (ma == mb && !(a.se >> 15)) ? a : b;
        }
    } else if (yn) {
        r = b;
    }
    r.sig |= 1ull << 62;
    return r;
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV };

static fx80 binop(struct sf_status *s, int op, fx80 a, fx80 b)
{
    struct sfu x = sf_unpack_x80(a), y = sf_unpack_x80(b);
    if (x.k >= K_QNAN || y.k >= K_QNAN) return sf_x80_nan(s, x, a, y, b, true);
    int p = sf_x80_prec(s);
    struct sfr r;
    u8 before = s->flags;
    s->flags = 0;
    switch (op) {
    case OP_ADD: r = sf_core_add(s, &sf_x80, p, x, y, false); break;
    case OP_SUB:
        y.sign ^= 1;
        r = sf_core_add(s, &sf_x80, p, x, y, false);
        break;
    case OP_MUL: r = sf_core_mul(s, &sf_x80, p, x, y, false); break;
    default: r = sf_core_div(s, &sf_x80, p, x, y, false); break;
    }
    s->flags |= before | sf_denormal_operand(s, x.denorm || y.denorm);
    return sf_pack_x80(r);
}

fx80 fx80_add(struct sf_status *s, fx80 a, fx80 b)
{
    return binop(s, OP_ADD, a, b);
}
fx80 fx80_sub(struct sf_status *s, fx80 a, fx80 b)
{
    return binop(s, OP_SUB, a, b);
}
fx80 fx80_mul(struct sf_status *s, fx80 a, fx80 b)
{
    return binop(s, OP_MUL, a, b);
}
fx80 fx80_div(struct sf_status *s, fx80 a, fx80 b)
{
    return binop(s, OP_DIV, a, b);
}

fx80 fx80_sqrt(struct sf_status *s, fx80 a)
{
    struct sfu x = sf_unpack_x80(a);
    if (x.k >= K_QNAN) return sf_x80_nan(s, x, a, x, a, false);
    u8 before = s->flags;
    s->flags = 0;
    struct sfr r = sf_core_sqrt(s, &sf_x80, sf_x80_prec(s), x, false);
    s->flags |= before | sf_denormal_operand(s, x.denorm);
    return sf_pack_x80(r);
}

/* Order of two numbers, zeros or infinities of any format: -1, 0, 1. */
int sf_order(struct sfu x, struct sfu y)
{
    if (x.k == K_ZERO && y.k == K_ZERO) return 0;
    int sx = x.k == K_ZERO ? 0 : x.sign ? -1 : 1, sy = y.k == K_ZERO ? 0 : y.sign ? -1 : 1;
    if (sx != sy) return sx < sy ? -1 : 1;
    int m;
    if (x.k == K_INF || y.k == K_INF) {
        m = (x.k == K_INF) - (y.k == K_INF);
    } else {
        int lx = __builtin_clzll(x.sig), ly = __builtin_clzll(y.sig);
        s32 ex = x.scale - lx, ey = y.scale - ly;
        u64 mx = x.sig << lx, my = y.sig << ly;
        m = ex != ey ? (ex < ey ? -1 : 1) : mx != my ? (mx < my ? -1 : 1) : 0;
    }
    return sx < 0 ? -m : m;
}

enum sf_rel fx80_compare(struct sf_status *s, fx80 a, fx80 b, bool signalling)
{
    struct sfu x = sf_unpack_x80(a), y = sf_unpack_x80(b);
    if (x.k >= K_QNAN || y.k >= K_QNAN) {
        bool sig = x.k == K_SNAN || y.k == K_SNAN || x.k == K_BAD || y.k == K_BAD;
        if (signalling || sig) s->flags |= SF_IE;
        return SF_UN;
    }
    if (x.denorm || y.denorm) s->flags |= SF_DE;
    int o = sf_order(x, y);
    return o < 0 ? SF_LT : o > 0 ? SF_GT : SF_EQ;
}
