/* src/fpu's binary16 conversions (sf_half.c) against the host's F16C, bit for bit: result
 * and MXCSR flags. f16_to_f32: every one of the 65536 halves under 8 MXCSR settings
 * (rounding, DAZ, FTZ). f32_to_f16: every single whose low 13 fraction bits are a pattern
 * from a small set (ties, just above and below, sticky bits) and whose exponent covers
 * the half range and beyond, plus random singles, in each imm8 rounding (0-3) and with
 * imm8[2] under each MXCSR.RC, DAZ and FTZ off and on. x86-64 hosts with F16C only;
 * elsewhere one SKIP line each. */
#include <stdio.h>

#include "check.h"
#include "fpu/softfloat.h"

#if defined(__x86_64__)
#include <cpuid.h>

static bool host_has_f16c(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c >> 29 & 1) && (c >> 28 & 1);
}

static u32 h_ph2ps(u32 csr, u16 a, u32 *fl)
{
    u32 r, out, in = a;
    __asm__ volatile("ldmxcsr %[cs]\n\tmovd %[a], %%xmm1\n\tvcvtph2ps %%xmm1, %%xmm0\n\t"
                     "movd %%xmm0, %[r]\n\tstmxcsr %[o]"
                     : [r] "=r"(r), [o] "=m"(out)
                     : [cs] "m"(csr), [a] "r"(in)
                     : "xmm0", "xmm1");
    *fl = out & 0x3f;
    return r;
}

#define HOSTPS2PH(fn, imm)                                                                         \
    static u16 fn(u32 csr, u32 a, u32 *fl)                                                         \
    {                                                                                              \
        u32 r, out;                                                                                \
        __asm__ volatile("ldmxcsr %[cs]\n\tmovd %[a], %%xmm1\n\tvcvtps2ph $" #imm                  \
                         ", %%xmm1, %%xmm0\n\tmovd %%xmm0, %[r]\n\tstmxcsr %[o]"                   \
                         : [r] "=r"(r), [o] "=m"(out)                                              \
                         : [cs] "m"(csr), [a] "r"(a)                                               \
                         : "xmm0", "xmm1");                                                        \
        *fl = out & 0x3f;                                                                          \
        return (u16)r;                                                                             \
    }
HOSTPS2PH(h_ps2ph0, 0)
HOSTPS2PH(h_ps2ph1, 1)
HOSTPS2PH(h_ps2ph2, 2)
HOSTPS2PH(h_ps2ph3, 3)
HOSTPS2PH(h_ps2ph4, 4)
static u16 (*const h_ps2ph[5])(u32, u32, u32 *) = {h_ps2ph0, h_ps2ph1, h_ps2ph2, h_ps2ph3,
                                                   h_ps2ph4};

/* MXCSR k of 8: RC = k & 3, DAZ and FTZ both on when k >= 4; all exceptions masked. */
static u32 csr_of(unsigned k)
{
    return 0x1f80 | (k & 3) << 13 | (k >= 4 ? 0x8040 : 0);
}

static unsigned bad;
static void note(const char *what, u32 csr, u32 a, u32 hr, u32 hf, u32 sr, u32 sf)
{
    if (bad++ < 5)
        printf("  %s csr %04x a %08x: host %08x flags %02x, softfloat %08x flags %02x\n", what, csr,
               a, hr, hf, sr, sf);
}

static void half_to_single(void)
{
    unsigned cases = 0;
    bad = 0;
    for (u32 a = 0; a < 0x10000; a++)
        for (unsigned k = 0; k < 8; k++) {
            u32 csr = csr_of(k), hf;
            u32 hr = h_ph2ps(csr, (u16)a, &hf);
            struct sf_status s = {.round = k & 3, .daz = k >= 4, .ftz = k >= 4};
            u32 sr = f16_to_f32(&s, (u16)a);
            cases++;
            if (hr != sr || hf != s.flags) note("f16_to_f32", csr, a, hr, hf, sr, s.flags);
        }
    CHECK("softfloat/half/f16_to_f32", bad == 0, "%u of %u cases differ", bad, cases);
    printf("# f16_to_f32: %u cases\n", cases);
}

static u64 rng = 0x6631366375ull;
static u64 rnd(void)
{
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static void one_single(u32 a, unsigned *cases)
{
    for (unsigned k = 0; k < 8; k++)
        for (unsigned imm = 0; imm < 5; imm++) {
            u32 csr = csr_of(k), hf;
            u16 hr = h_ps2ph[imm](csr, a, &hf);
            struct sf_status s = {.round = k & 3, .daz = k >= 4, .ftz = k >= 4};
            u16 sr = f32_to_f16(&s, a, imm == 4 ? k & 3 : imm);
            (*cases)++;
            if (hr != sr || hf != s.flags)
                note(imm == 4 ? "f32_to_f16 mxcsr" : "f32_to_f16", csr, a, hr, hf, sr, s.flags);
        }
}

static void single_to_half(void)
{
    static const u32 low[] = {0, 1, 0xfff, 0x1000, 0x1001, 0x1fff, 0x17ff, 0x0800};
    unsigned cases = 0;
    bad = 0;
    for (u32 e = 0; e < 256; e++) {
        if (e > 8 && e < 95) continue; /* far below the half range: like e = 95 */
        for (unsigned j = 0; j < 8; j++)
            for (unsigned hi = 0; hi < 4; hi++)
                for (u32 sign = 0; sign < 2; sign++) {
                    u32 hib = hi == 0 ? 0 : hi == 1 ? 0x3ff : hi == 2 ? 0x200 : (u32)rnd() & 0x3ff;
                    one_single(sign << 31 | e << 23 | hib << 13 | low[j], &cases);
                }
    }
    for (unsigned n = 0; n < 20000; n++)
        one_single((u32)rnd(), &cases);
    CHECK("softfloat/half/f32_to_f16", bad == 0, "%u of %u cases differ", bad, cases);
    printf("# f32_to_f16: %u cases\n", cases);
}

int main(void)
{
    if (!host_has_f16c()) {
        printf("SKIP softfloat/half: the host has no F16C\n");
        return check_exit();
    }
    half_to_single();
    single_to_half();
    return check_exit();
}
#else
int main(void)
{
    printf("SKIP softfloat/half: not an x86-64 host, no oracle\n");
    return check_exit();
}
#endif
