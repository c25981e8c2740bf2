/* Floating-point edge values shared by the differential tests of the SSE and AVX
 * floating-point forms (test_diff_sse.c, test_diff_avx*.c): signed zeros, denormals
 * (smallest, largest), smallest normals, ones, 1.5, 1 + ulp, largest finite, infinities,
 * QNaN (the default and one with a payload), an SNaN, and values near the overflow and
 * underflow thresholds and the integer conversion limits. Their pairs, under every MXCSR
 * setting, make the edge-case sweeps. */
#ifndef VP_TEST_FP_EDGES_H
#define VP_TEST_FP_EDGES_H

#include "diff.h"

static const u32 edge32[] = {
    0, 0x80000000u, 1, 0x807fffffu, 0x00800000u, 0x80800000u, 0x3f800000u, 0xbf800000u,
    0x3fc00000u, 0x3f800001u, 0x7f7fffffu, 0xff7fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u,
    0xffc00001u, 0x7f800001u, 0x00c00000u, 0x3f000000u, 0x40400000u, 0x5f800000u, 0x1f800000u,
    0x4b000001u, 0xcf000000u,
};
static const u64 edge64[] = {
    0, 0x8000000000000000ull, 1, 0x800fffffffffffffull, 0x0010000000000000ull,
    0x8010000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull, 0x3ff8000000000000ull,
    0x3ff0000000000001ull, 0x7fefffffffffffffull, 0xffefffffffffffffull, 0x7ff0000000000000ull,
    0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000001ull, 0x7ff0000000000001ull,
    0x0018000000000000ull, 0x3fe0000000000000ull, 0x4008000000000000ull, 0x43f0000000000000ull,
    0x3bf0000000000000ull, 0x4330000000000001ull, 0xc1e0000000000000ull,
};
#define NEDGE 24

/* RCP/RSQRT inputs whose results the SDM fixes (the approximation bits of other inputs
 * are the implementation's: Intel and AMD differ): zeros, denormals, infinities, NaNs,
 * tiny results; for RSQRT negative inputs (positive normal ones are ordinary). */
static inline u32 diff_approx_special(struct diff *d, bool rsqrt)
{
    static const u32 v[] = {0, 0x80000000u, 1, 0x807fffffu, 0x7f800000u, 0xff800000u,
                            0x7fc00000u, 0xffc12345u, 0x7f812345u, 0xff800001u, 0x7f000000u,
                            0xff7fffffu, 0x7e800000u, 0x80400000u};
    for (;;) {
        u32 x = v[diff_rand(d) % ARRAY_LEN(v)], e = x >> 23 & 0xff;
        if (!rsqrt || (x >> 31) || e == 0 || e == 0xff) return x;
    }
}

#endif
