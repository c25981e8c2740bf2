/* src/fpu's binary32/binary64 operations against the host's SSE unit, bit for bit:
 * result and MXCSR exception flags, in every rounding mode with DAZ and FTZ off and on,
 * over edge cases (signed zeros, denormals, normal limits, infinities, QNaNs and SNaNs
 * with payloads, ties, overflow and underflow thresholds) and random inputs from a fixed
 * seed. The host is the oracle, so this runs only on x86-64; elsewhere each operation
 * prints one SKIP line. One line per operation, with the number of cases compared. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tally.h"
#include "fpu/softfloat.h"

enum { W32, W64 };
#define NPAIRS 20000 /* random operand pairs per operation, each run in 16 MXCSR settings */

/* ---- inputs ---- */
static u64 rng = 0x9e3779b97f4a7c15ull;
static u64 rnd(void)
{
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static u64 make(int w, bool sign, u32 exp, u64 frac)
{
    return w == W32 ? (u64)sign << 31 | (u64)exp << 23 | (frac & 0x7fffff)
                    : (u64)sign << 63 | (u64)exp << 52 | (frac & 0xfffffffffffffull);
}

static const u64 edge32[] = {
    0,          0x80000000, 1,          0x80000001, 0x7fffff,   0x807fffff, 0x800000,   0x80800000,
    0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0xffe00001,
    0x7f800001, 0xff812345, 0x7fa00000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40000000, 0x40400000,
    0x3f800001, 0x3f7fffff, 0x4b000000, 0x4b000001, 0x3f000000, 0x3effffff, 0x4effffff, 0x4f000000,
    0xcf000000, 0xcf000001, 0x5f000000, 0xdf000000, 0x00400000, 0x00000003, 0x34000000, 0x33800000,
    0x7f000000, 0x00800001, 0x3fffffff};
static const u64 edge64[] = {0,
                             0x8000000000000000ull,
                             1,
                             0x8000000000000001ull,
                             0xfffffffffffffull,
                             0x800fffffffffffffull,
                             0x10000000000000ull,
                             0x8010000000000000ull,
                             0x7fefffffffffffffull,
                             0xffefffffffffffffull,
                             0x7ff0000000000000ull,
                             0xfff0000000000000ull,
                             0x7ff8000000000000ull,
                             0xfff8000000000000ull,
                             0x7ff8123456789abcull,
                             0x7ff0000000000001ull,
                             0xfff4000000000000ull,
                             0x7ff0123456789abcull,
                             0x3ff0000000000000ull,
                             0xbff0000000000000ull,
                             0x3ff8000000000000ull,
                             0x4000000000000000ull,
                             0x3ff0000000000001ull,
                             0x3fefffffffffffffull,
                             0x4330000000000000ull,
                             0x4330000000000001ull,
                             0x3fe0000000000000ull,
                             0x41dfffffffc00000ull,
                             0x41e0000000000000ull,
                             0xc1e0000000000000ull,
                             0xc1e0000000200000ull,
                             0x43e0000000000000ull,
                             0xc3e0000000000000ull,
                             0x43dfffffffffffffull,
                             0x0008000000000000ull,
                             0x7fe0000000000000ull,
                             0x3ca0000000000000ull,
                             0x36a0000000000000ull,
                             0x3690000000000000ull,
                             0x47efffffe0000000ull,
                             0x47effffff0000000ull,
                             0x380fffffe0000000ull,
                             0x3810000000000000ull,
                             0x36a8000000000000ull,
                             0x3fffffffffffffffull};

/* A value: an edge, random bits, or a random significand (often with trailing zeros, for
 * ties) at an exponent near an interesting one. */
static u64 value(int w)
{
    u64 r = rnd();
    int bias = w == W32 ? 127 : 1023, emax = 2 * bias + 1, fb = w == W32 ? 23 : 52;
    switch (r & 7) {
    case 0:
        return w == W32 ? edge32[(r >> 8) % ARRAY_LEN(edge32)]
                        : edge64[(r >> 8) % ARRAY_LEN(edge64)];
    case 1: return w == W32 ? (u32)rnd() : rnd();
    default: {
        static const int near[] = {0, 1, 2, -1, -2, 24, 53, 64, -24, -53, 31, 63, 32, 62};
        int base[] = {0, 1, bias, emax - 1, bias + fb, bias - fb, bias / 2, bias + bias / 2};
        int e = base[(r >> 8) % 8] + near[(r >> 16) % ARRAY_LEN(near)] + (int)((r >> 24) % 5) - 2;
        if (e < 0) e = 0;
        if (e > emax) e = emax - 1;
        u64 frac = rnd();
        if ((r >> 32) & 1) frac &= ~0ull << ((r >> 33) % (fb + 1)); /* trailing zeros */
        if (((r >> 40) & 7) == 0) frac |= (1ull << fb) - 1;         /* all ones */
        return make(w, (r >> 44) & 1, (u32)e, frac);
    }
    }
}

/* A second operand: independent, or related to the first (equal, negated, one ulp away,
 * scaled by a power of two: cancellation and ties in add/sub). */
static u64 related(int w, u64 a)
{
    u64 r = rnd(), sbit = w == W32 ? 1ull << 31 : 1ull << 63;
    int fb = w == W32 ? 23 : 52;
    switch (r & 7) {
    case 0: return a;
    case 1: return a ^ sbit;
    case 2: return a + 1 - 2 * ((r >> 8) & 1);
    case 3: return (a ^ (((r >> 9) & 1) * sbit)) + ((u64)((r >> 12) % 60) << fb) * ((r >> 10) & 1);
    case 4: return (a ^ (((r >> 9) & 1) * sbit)) - ((u64)((r >> 12) % 60) << fb);
    default: return value(w);
    }
}

#if defined(__x86_64__)
/* ---- the host ---- */
#define CSR(rc, daz, ftz) (0x1f80u | (rc) << 13 | (daz) << 6 | (ftz) << 15)

/* Binary scalar op "insn %xmm1, %xmm0": xmm0 = a, xmm1 = b. */
#define HOST2(fn, insn)                                                                            \
    static u64 fn(u32 csr, u64 a, u64 b, u32 *fl)                                                  \
    {                                                                                              \
        u64 r;                                                                                     \
        u32 out;                                                                                   \
        __asm__ volatile("ldmxcsr %[c]\n\tmovq %[a], %%xmm0\n\tmovq %[b], %%xmm1\n\t" insn         \
                         " %%xmm1, %%xmm0\n\tmovq %%xmm0, %[r]\n\tstmxcsr %[o]"                    \
                         : [r] "=r"(r), [o] "=m"(out)                                              \
                         : [c] "m"(csr), [a] "r"(a), [b] "r"(b)                                    \
                         : "xmm0", "xmm1");                                                        \
        *fl = out & 0x3f;                                                                          \
        return r;                                                                                  \
    }
// clang-format off
HOST2(h_addss, "addss")
HOST2(h_subss, "subss")
HOST2(h_mulss, "mulss")
HOST2(h_divss, "divss")
HOST2(h_minss, "minss")
HOST2(h_maxss, "maxss")
HOST2(h_sqrtss, "sqrtss")
HOST2(h_addsd, "addsd")
HOST2(h_subsd, "subsd")
HOST2(h_mulsd, "mulsd")
HOST2(h_divsd, "divsd")
HOST2(h_minsd, "minsd")
HOST2(h_maxsd, "maxsd")
HOST2(h_sqrtsd, "sqrtsd")
HOST2(h_cvtss2sd, "cvtss2sd")
HOST2(h_cvtsd2ss, "cvtsd2ss")
// clang-format on

/* COMISS-style: the relation from ZF, PF, CF. */
#define HOSTCMP(fn, insn)                                                                          \
    static u64 fn(u32 csr, u64 a, u64 b, u32 *fl)                                                  \
    {                                                                                              \
        u8 z, p, c;                                                                                \
        u32 out;                                                                                   \
        __asm__ volatile("ldmxcsr %[cs]\n\tmovq %[a], %%xmm0\n\tmovq %[b], %%xmm1\n\t" insn        \
                         " %%xmm1, %%xmm0\n\tsetz %[z]\n\tsetp %[p]\n\tsetc %[c]\n\t"              \
                         "stmxcsr %[o]"                                                            \
                         : [z] "=r"(z), [p] "=r"(p), [c] "=r"(c), [o] "=m"(out)                    \
                         : [cs] "m"(csr), [a] "r"(a), [b] "r"(b)                                   \
                         : "xmm0", "xmm1", "cc");                                                  \
        *fl = out & 0x3f;                                                                          \
        return (u64)(z << 2 | p << 1 | c);                                                         \
    }
// clang-format off
HOSTCMP(h_comiss, "comiss")
HOSTCMP(h_ucomiss, "ucomiss")
HOSTCMP(h_comisd, "comisd")
HOSTCMP(h_ucomisd, "ucomisd")
// clang-format on

/* FMA: vfmadd231 xmm0 = xmm1 * xmm2 + xmm0, so (a, b, c) = (xmm1, xmm2, xmm0). */
#define HOSTFMA(fn, insn)                                                                          \
    static u64 fn(u32 csr, u64 a, u64 b, u64 c, u32 *fl)                                           \
    {                                                                                              \
        u64 r;                                                                                     \
        u32 out;                                                                                   \
        __asm__ volatile("ldmxcsr %[cs]\n\tmovq %[a], %%xmm1\n\tmovq %[b], %%xmm2\n\t"             \
                         "movq %[c], %%xmm0\n\t" insn " %%xmm2, %%xmm1, %%xmm0\n\t"                \
                         "movq %%xmm0, %[r]\n\tstmxcsr %[o]"                                       \
                         : [r] "=r"(r), [o] "=m"(out)                                              \
                         : [cs] "m"(csr), [a] "r"(a), [b] "r"(b), [c] "r"(c)                       \
                         : "xmm0", "xmm1", "xmm2");                                                \
        *fl = out & 0x3f;                                                                          \
        return r;                                                                                  \
    }
// clang-format off
HOSTFMA(h_fma32, "vfmadd231ss")
HOSTFMA(h_fma64, "vfmadd231sd")
HOSTFMA(h_fms32, "vfmsub231ss")
HOSTFMA(h_fms64, "vfmsub231sd")
HOSTFMA(h_fnma32, "vfnmadd231ss")
HOSTFMA(h_fnma64, "vfnmadd231sd")
HOSTFMA(h_fnms32, "vfnmsub231ss")
HOSTFMA(h_fnms64, "vfnmsub231sd")
// clang-format on

/* Integer <-> float: "insn src, dst" with a general register on one side. */
#define HOSTI2F(fn, insn, reg)                                                                     \
    static u64 fn(u32 csr, u64 a, u64 b, u32 *fl)                                                  \
    {                                                                                              \
        u64 r;                                                                                     \
        u32 out;                                                                                   \
        __asm__ volatile("ldmxcsr %[c]\n\txorps %%xmm0, %%xmm0\n\t" insn " %" reg                  \
                         "[a], %%xmm0\n\t"                                                         \
                         "movq %%xmm0, %[r]\n\tstmxcsr %[o]"                                       \
                         : [r] "=r"(r), [o] "=m"(out)                                              \
                         : [c] "m"(csr), [a] "r"(a)                                                \
                         : "xmm0");                                                                \
        *fl = out & 0x3f;                                                                          \
        return r;                                                                                  \
    }
#define HOSTF2I(fn, insn, reg)                                                                     \
    static u64 fn(u32 csr, u64 a, u64 b, u32 *fl)                                                  \
    {                                                                                              \
        u64 r = 0;                                                                                 \
        u32 out;                                                                                   \
        __asm__ volatile("ldmxcsr %[c]\n\tmovq %[a], %%xmm0\n\t" insn " %%xmm0, %" reg "[r]\n\t"   \
                         "stmxcsr %[o]"                                                            \
                         : [r] "+r"(r), [o] "=m"(out)                                              \
                         : [c] "m"(csr), [a] "r"(a)                                                \
                         : "xmm0");                                                                \
        *fl = out & 0x3f;                                                                          \
        return r;                                                                                  \
    }
// clang-format off
HOSTI2F(h_cvtsi2ss32, "cvtsi2ssl", "k")
HOSTI2F(h_cvtsi2ss64, "cvtsi2ssq", "q")
HOSTI2F(h_cvtsi2sd32, "cvtsi2sdl", "k")
HOSTI2F(h_cvtsi2sd64, "cvtsi2sdq", "q")
HOSTF2I(h_cvtss2si32, "cvtss2si", "k")
HOSTF2I(h_cvtss2si64, "cvtss2si", "q")
HOSTF2I(h_cvttss2si32, "cvttss2si", "k")
HOSTF2I(h_cvttss2si64, "cvttss2si", "q")
HOSTF2I(h_cvtsd2si32, "cvtsd2si", "k")
HOSTF2I(h_cvtsd2si64, "cvtsd2si", "q")
HOSTF2I(h_cvttsd2si32, "cvttsd2si", "k")
HOSTF2I(h_cvttsd2si64, "cvttsd2si", "q")
// clang-format on

/* ROUNDSS/ROUNDSD take the mode in an immediate: one host function per imm8[3:0]. */
#define HOSTROUND(fn, insn, imm)                                                                   \
    static u64 fn##imm(u32 csr, u64 a, u64 b, u32 *fl)                                             \
    {                                                                                              \
        u64 r;                                                                                     \
        u32 out;                                                                                   \
        __asm__ volatile("ldmxcsr %[c]\n\tmovq %[a], %%xmm1\n\t" insn " $" #imm                    \
                         ", %%xmm1, %%xmm0\n\tmovq %%xmm0, %[r]\n\tstmxcsr %[o]"                   \
                         : [r] "=r"(r), [o] "=m"(out)                                              \
                         : [c] "m"(csr), [a] "r"(a)                                                \
                         : "xmm0", "xmm1");                                                        \
        *fl = out & 0x3f;                                                                          \
        return r;                                                                                  \
    }
// clang-format off
#define ROUNDS(fn, insn)                                                                           \
    HOSTROUND(fn, insn, 0) HOSTROUND(fn, insn, 1) HOSTROUND(fn, insn, 2) HOSTROUND(fn, insn, 3) \
    HOSTROUND(fn, insn, 4) HOSTROUND(fn, insn, 8) HOSTROUND(fn, insn, 9) HOSTROUND(fn, insn, 10) \
    HOSTROUND(fn, insn, 11) HOSTROUND(fn, insn, 12)
ROUNDS(h_roundss, "roundss")
ROUNDS(h_roundsd, "roundsd")
#define RTAB(fn) {fn##0, fn##1, fn##2, fn##3, fn##4, fn##8, fn##9, fn##10, fn##11, fn##12}
static const u8 round_imms[10] = {0, 1, 2, 3, 4, 8, 9, 10, 11, 12};
// clang-format on

/* ---- the library, in the same shape ---- */
typedef u64 (*hostfn)(u32 csr, u64 a, u64 b, u32 *fl);
typedef u64 (*softfn)(struct sf_status *s, u64 a, u64 b);

#define SOFT2(fn, call)                                                                            \
    static u64 fn(struct sf_status *s, u64 a, u64 b)                                               \
    {                                                                                              \
        return call;                                                                               \
    }
#define HI(a) ((a) & ~0xffffffffull) /* the 32-bit forms keep the destination's upper bits */
// clang-format off
SOFT2(s_addss, HI(a) | f32_add(s, (u32)a, (u32)b))
SOFT2(s_subss, HI(a) | f32_sub(s, (u32)a, (u32)b))
SOFT2(s_mulss, HI(a) | f32_mul(s, (u32)a, (u32)b))
SOFT2(s_divss, HI(a) | f32_div(s, (u32)a, (u32)b))
SOFT2(s_minss, HI(a) | f32_min(s, (u32)a, (u32)b))
SOFT2(s_maxss, HI(a) | f32_max(s, (u32)a, (u32)b))
SOFT2(s_sqrtss, (a & ~0xffffffffull) | f32_sqrt(s, (u32)b))
SOFT2(s_addsd, f64_add(s, a, b))
SOFT2(s_subsd, f64_sub(s, a, b))
SOFT2(s_mulsd, f64_mul(s, a, b))
SOFT2(s_divsd, f64_div(s, a, b))
SOFT2(s_minsd, f64_min(s, a, b))
SOFT2(s_maxsd, f64_max(s, a, b))
SOFT2(s_sqrtsd, f64_sqrt(s, b))
SOFT2(s_comiss, f32_compare(s, (u32)a, (u32)b, true))
SOFT2(s_ucomiss, f32_compare(s, (u32)a, (u32)b, false))
SOFT2(s_comisd, f64_compare(s, a, b, true))
SOFT2(s_ucomisd, f64_compare(s, a, b, false))
SOFT2(s_cvtss2sd, f32_to_f64(s, (u32)b))
SOFT2(s_cvtsd2ss, (a & ~0xffffffffull) | f64_to_f32(s, b))
SOFT2(s_cvtsi2ss32, i32_to_f32(s, (s32)a))
SOFT2(s_cvtsi2ss64, i64_to_f32(s, (s64)a))
SOFT2(s_cvtsi2sd32, i32_to_f64(s, (s32)a))
SOFT2(s_cvtsi2sd64, i64_to_f64(s, (s64)a))
SOFT2(s_cvtss2si32, (u32)f32_to_i32(s, (u32)a, false))
SOFT2(s_cvtss2si64, (u64)f32_to_i64(s, (u32)a, false))
SOFT2(s_cvttss2si32, (u32)f32_to_i32(s, (u32)a, true))
SOFT2(s_cvttss2si64, (u64)f32_to_i64(s, (u32)a, true))
SOFT2(s_cvtsd2si32, (u32)f64_to_i32(s, a, false))
SOFT2(s_cvtsd2si64, (u64)f64_to_i64(s, a, false))
SOFT2(s_cvttsd2si32, (u32)f64_to_i32(s, a, true))
SOFT2(s_cvttsd2si64, (u64)f64_to_i64(s, a, true))
// clang-format on

static void report(const char *name, struct tally *t) { tally_report("softfloat/sse", name, t); }

/* One comparison in one MXCSR setting. w: width of the result compared (64 for the
 * scalar ops compare the whole low quadword, which holds the untouched upper bits of
 * the 32-bit forms: xmm0 is loaded with a). */
static void one(struct tally *t, hostfn h, softfn sf, u32 csr, u64 a, u64 b)
{
    u32 hf;
    u64 hr = h(csr, a, b, &hf);
    struct sf_status s = {.round = (csr >> 13) & 3, .daz = (csr >> 6) & 1, .ftz = (csr >> 15) & 1};
    u64 sr = sf(&s, a, b);
    t->cases++;
    if (hr != sr || hf != s.flags)
        note(t, "csr %04x a %llx b %llx: host %llx flags %02x, softfloat %llx flags %02x", csr,
             LL(a), LL(b), LL(hr), hf, LL(sr), s.flags);
}

static void all_csr(struct tally *t, hostfn h, softfn sf, u64 a, u64 b)
{
    for (u32 k = 0; k < 16; k++)
        one(t, h, sf, CSR(k & 3, (k >> 2) & 1, k >> 3), a, b);
}

/* A 32-bit operand sits in the low half of an xmm register whose upper half is random. */
static u64 operand(int w, u64 v)
{
    return w == W32 ? (rnd() & 0xffffffff00000000ull) | v : v;
}

static void binary(const char *name, int w, hostfn h, softfn sf)
{
    struct tally t = {0};
    const u64 *edges = w == W32 ? edge32 : edge64;
    unsigned ne = w == W32 ? ARRAY_LEN(edge32) : ARRAY_LEN(edge64);
    for (unsigned i = 0; i < ne; i++)
        for (unsigned j = 0; j < ne; j++)
            all_csr(&t, h, sf, operand(w, edges[i]), operand(w, edges[j]));
    for (unsigned n = 0; n < NPAIRS; n++) {
        u64 a = value(w);
        all_csr(&t, h, sf, operand(w, a), operand(w, related(w, a)));
    }
    report(name, &t);
}

/* Integer sources: edges of both widths and random values of every magnitude. */
static u64 int_value(void)
{
    static const u64 e[] = {0,
                            1,
                            ~0ull,
                            0x7fffffff,
                            0x80000000,
                            0xffffffff80000000ull,
                            0x7fffffffffffffffull,
                            0x8000000000000000ull,
                            0x1000001,
                            0x1000003,
                            0x20000000000001ull,
                            0x20000000000003ull,
                            0xfffffffffffff800ull};
    u64 r = rnd();
    if ((r & 3) == 0) return e[(r >> 8) % ARRAY_LEN(e)];
    u64 v = rnd() >> ((r >> 8) & 63);
    return (r >> 16) & 1 ? 0 - v : v;
}

static void int_to_float(const char *name, hostfn h, softfn sf)
{
    struct tally t = {0};
    for (unsigned n = 0; n < NPAIRS; n++) {
        u64 v = int_value();
        all_csr(&t, h, sf, v, 0);
    }
    report(name, &t);
}

static void roundings(const char *name, int w, hostfn const *hs, softfn dummy)
{
    struct tally t = {0};
    for (unsigned n = 0; n < NPAIRS; n++) {
        u64 a = value(w);
        if ((n & 3) == 0) { /* values with few fraction bits: ties and near-integers */
            int bias = w == W32 ? 127 : 1023;
            a = make(w, rnd() & 1, (u32)(bias + rnd() % 30), rnd() << (rnd() % 60));
        }
        for (int k = 0; k < 10; k++)
            for (u32 c = 0; c < 16; c++) {
                u32 csr = CSR(c & 3, (c >> 2) & 1, c >> 3), hf;
                u64 hr = hs[k](csr, a, 0, &hf);
                struct sf_status s = {.round = c & 3, .daz = (c >> 2) & 1, .ftz = c >> 3};
                u64 sr = w == W32 ? f32_round_int(&s, (u32)a, round_imms[k])
                                  : f64_round_int(&s, a, round_imms[k]);
                if (w == W32) hr &= 0xffffffff;
                t.cases++;
                if (hr != sr || hf != s.flags)
                    note(&t,
                         "imm %u csr %04x a %llx: host %llx flags %02x, softfloat %llx flags %02x",
                         round_imms[k], csr, LL(a), LL(hr), hf, LL(sr), s.flags);
            }
    }
    report(name, &t);
}

/* neg: 0 for f32_fma/f64_fma, else the SF_NEG_* of f32_fma_neg/f64_fma_neg, against
 * VFMSUB (addend negated), VFNMADD (product) and VFNMSUB (both). */
static void fmas(const char *name, int w, unsigned neg)
{
    typedef u64 (*fmafn)(u32, u64, u64, u64, u32 *);
    static const fmafn host[2][4] = {{h_fma32, h_fnma32, h_fms32, h_fnms32}, /* by neg */
                                     {h_fma64, h_fnma64, h_fms64, h_fnms64}};
    struct tally t = {0};
    for (unsigned n = 0; n < NPAIRS * 2; n++) {
        u64 a = value(w), b = related(w, a), c;
        u64 r = rnd();
        if (r & 1) { /* an addend near the product: cancellation */
            struct sf_status s0 = {0};
            c = w == W32 ? f32_mul(&s0, (u32)a, (u32)b) : f64_mul(&s0, a, b);
            bool flip = neg == 0 || neg == (SF_NEG_PRODUCT | SF_NEG_ADDEND);
            c = related(w, c ^ (flip ? (w == W32 ? 1ull << 31 : 1ull << 63) : 0));
        } else {
            c = value(w);
        }
        for (u32 k = 0; k < 16; k++) {
            u32 csr = CSR(k & 3, (k >> 2) & 1, k >> 3), hf;
            u64 hr = host[w == W64][neg](csr, a, b, c, &hf);
            struct sf_status s = {.round = k & 3, .daz = (k >> 2) & 1, .ftz = k >> 3};
            u64 sr = !neg ? (w == W32 ? f32_fma(&s, (u32)a, (u32)b, (u32)c) : f64_fma(&s, a, b, c))
                          : (w == W32 ? f32_fma_neg(&s, (u32)a, (u32)b, (u32)c, neg)
                                      : f64_fma_neg(&s, a, b, c, neg));
            if (w == W32) hr &= 0xffffffff;
            t.cases++;
            if (hr != sr || hf != s.flags)
                note(&t,
                     "csr %04x a %llx b %llx c %llx: host %llx flags %02x, softfloat %llx flags "
                     "%02x",
                     csr, LL(a), LL(b), LL(c), LL(hr), hf, LL(sr), s.flags);
        }
    }
    report(name, &t);
}

static bool host_has_fma(void)
{
    unsigned a, b, c, d;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return (c >> 12) & 1;
}

int main(void)
{
    binary("f32_add", W32, h_addss, s_addss);
    binary("f32_sub", W32, h_subss, s_subss);
    binary("f32_mul", W32, h_mulss, s_mulss);
    binary("f32_div", W32, h_divss, s_divss);
    binary("f32_sqrt", W32, h_sqrtss, s_sqrtss);
    binary("f32_min", W32, h_minss, s_minss);
    binary("f32_max", W32, h_maxss, s_maxss);
    binary("f32_compare_comiss", W32, h_comiss, s_comiss);
    binary("f32_compare_ucomiss", W32, h_ucomiss, s_ucomiss);
    binary("f32_to_f64", W32, h_cvtss2sd, s_cvtss2sd);
    binary("f64_add", W64, h_addsd, s_addsd);
    binary("f64_sub", W64, h_subsd, s_subsd);
    binary("f64_mul", W64, h_mulsd, s_mulsd);
    binary("f64_div", W64, h_divsd, s_divsd);
    binary("f64_sqrt", W64, h_sqrtsd, s_sqrtsd);
    binary("f64_min", W64, h_minsd, s_minsd);
    binary("f64_max", W64, h_maxsd, s_maxsd);
    binary("f64_compare_comisd", W64, h_comisd, s_comisd);
    binary("f64_compare_ucomisd", W64, h_ucomisd, s_ucomisd);
    binary("f64_to_f32", W64, h_cvtsd2ss, s_cvtsd2ss);
    int_to_float("i32_to_f32", h_cvtsi2ss32, s_cvtsi2ss32);
    int_to_float("i64_to_f32", h_cvtsi2ss64, s_cvtsi2ss64);
    int_to_float("i32_to_f64", h_cvtsi2sd32, s_cvtsi2sd32);
    int_to_float("i64_to_f64", h_cvtsi2sd64, s_cvtsi2sd64);
    binary("f32_to_i32", W32, h_cvtss2si32, s_cvtss2si32);
    binary("f32_to_i64", W32, h_cvtss2si64, s_cvtss2si64);
    binary("f32_to_i32_trunc", W32, h_cvttss2si32, s_cvttss2si32);
    binary("f32_to_i64_trunc", W32, h_cvttss2si64, s_cvttss2si64);
    binary("f64_to_i32", W64, h_cvtsd2si32, s_cvtsd2si32);
    binary("f64_to_i64", W64, h_cvtsd2si64, s_cvtsd2si64);
    binary("f64_to_i32_trunc", W64, h_cvttsd2si32, s_cvttsd2si32);
    binary("f64_to_i64_trunc", W64, h_cvttsd2si64, s_cvttsd2si64);
    static const hostfn rss[10] = RTAB(h_roundss), rsd[10] = RTAB(h_roundsd);
    roundings("f32_round_int", W32, rss, NULL);
    roundings("f64_round_int", W64, rsd, NULL);
    if (host_has_fma()) {
        fmas("f32_fma", W32, 0);
        fmas("f64_fma", W64, 0);
        fmas("f32_fma_neg_addend", W32, SF_NEG_ADDEND);
        fmas("f64_fma_neg_addend", W64, SF_NEG_ADDEND);
        fmas("f32_fma_neg_product", W32, SF_NEG_PRODUCT);
        fmas("f64_fma_neg_product", W64, SF_NEG_PRODUCT);
        fmas("f32_fma_neg_both", W32, SF_NEG_PRODUCT | SF_NEG_ADDEND);
        fmas("f64_fma_neg_both", W64, SF_NEG_PRODUCT | SF_NEG_ADDEND);
    } else {
        printf("SKIP softfloat/sse/f32_fma, f64_fma and their _neg_ variants: the host has no "
               "FMA\n");
    }
    return check_exit();
}
#else
int main(void)
{
    static const char *ops[] = {"f32_add",
                                "f32_sub",
                                "f32_mul",
                                "f32_div",
                                "f32_sqrt",
                                "f32_min",
                                "f32_max",
                                "f32_compare_comiss",
                                "f32_compare_ucomiss",
                                "f32_to_f64",
                                "f64_add",
                                "f64_sub",
                                "f64_mul",
                                "f64_div",
                                "f64_sqrt",
                                "f64_min",
                                "f64_max",
                                "f64_compare_comisd",
                                "f64_compare_ucomisd",
                                "f64_to_f32",
                                "i32_to_f32",
                                "i64_to_f32",
                                "i32_to_f64",
                                "i64_to_f64",
                                "f32_to_i32",
                                "f32_to_i64",
                                "f32_to_i32_trunc",
                                "f32_to_i64_trunc",
                                "f64_to_i32",
                                "f64_to_i64",
                                "f64_to_i32_trunc",
                                "f64_to_i64_trunc",
                                "f32_round_int",
                                "f64_round_int",
                                "f32_fma",
                                "f64_fma",
                                "f32_fma_neg_addend",
                                "f64_fma_neg_addend",
                                "f32_fma_neg_product",
                                "f64_fma_neg_product",
                                "f32_fma_neg_both",
                                "f64_fma_neg_both"};
    for (unsigned k = 0; k < ARRAY_LEN(ops); k++)
        printf("SKIP softfloat/sse/%s: the oracle is the host's SSE unit, and this host is not "
               "x86-64\n",
               ops[k]);
    (void)related;
    return check_exit();
}
#endif
