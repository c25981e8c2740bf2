/* binary16 (half precision) conversions of F16C (SDM Vol. 2 VCVTPH2PS, VCVTPS2PH; Vol. 1
 * 14.4.1): half to single is exact, reads denormal halves as they are whatever DAZ says
 * and reports no DE, and quiets an SNaN (IE) keeping its payload in the high fraction
 * bits; single to half rounds in the given mode, honours DAZ (DE for a denormal single
 * otherwise) but not FTZ (tiny results are denormal halves), truncates a NaN's payload to
 * its top 9 bits and quiets it, and sets OE/UE/PE as any rounding does. The host agrees
 * (an AMD part). */
#include "sf_internal.h"

static const struct sf_fmt sf_f16 = {11, 15, 5};

u32 f16_to_f32(struct sf_status *s, u16 a)
{
    struct sfu u = sf_unpack_ieee(&sf_f16, a, false);
    u32 sign = (u32)u.sign << 31;
    switch (u.k) {
    case K_SNAN: s->flags |= SF_IE; /* fall through */
    case K_QNAN: return sign | 0x7fc00000u | (u32)u.sig << 13;
    case K_INF: return sign | 0x7f800000u;
    case K_ZERO: return sign;
    default: /* exact: every half is a normal single */
        return (u32)sf_pack_ieee(&sf_f32,
                                 sf_round_pack(s, &sf_f32, 24, u.sign, u.scale, u.sig, false));
    }
}

u16 f32_to_f16(struct sf_status *s, u32 a, unsigned mode)
{
    struct sfu u = sf_unpack_ieee(&sf_f32, a, s->daz);
    u16 sign = (u16)(u.sign << 15);
    switch (u.k) {
    case K_SNAN: s->flags |= SF_IE; /* fall through */
    case K_QNAN: return (u16)(sign | 0x7e00u | (u.sig >> 13));
    case K_INF: return (u16)(sign | 0x7c00u);
    case K_ZERO: return sign;
    default: {
        if (u.denorm) s->flags |= SF_DE;
        u8 round = s->round;
        s->round = (u8)mode;
        struct sfr r = sf_round_pack(s, &sf_f16, 11, u.sign, u.scale, u.sig, false);
        s->round = round;
        return (u16)sf_pack_ieee(&sf_f16, r);
    }
    }
}
