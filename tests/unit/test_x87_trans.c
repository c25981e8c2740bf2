/* The x87 transcendentals of src/fpu (sf_x80_trans.c).
 *
 * 1. Known results, on every host: values Intel processors are published to give, which
 *    show the 66-bit pi of the argument reduction (SDM Vol. 1 8.3.10): FSIN of the
 *    binary64 pi is 1.2246063538223773e-16 on the x87 (B. Dawson, "Intel Underestimates
 *    Error Bounds by 1.3 quintillion", 2014; Python's sin(pi) = 1.22460635382e-16 on x87
 *    builds), where the true sine is 1.2246467991473532e-16; the values that follow from
 *    the same pi (FCOS of pi/2, FPTAN of pi, FSIN of FLDPI's pi); Math.tan of multiples of
 *    pi/4 as the avmplus ECMAScript tests (15.8.2.18) expect them from an x87 (tan(pi) =
 *    -1.2246063538223773e-16 is pi66's); and the special operands and exact cases of the
 *    SDM's tables.
 * 2. Accuracy against the host's x87 (x86-64 hosts only): random operands in each
 *    function's domain, a quarter at its hard places (near k*pi/4, x near 1, tiny x,
 *    extreme ratios), every rounding mode; the exception flags must be equal, the
 *    results equal on an Intel host and within one unit in the last place elsewhere (one
 *    SKIP line per function then says so), with the counts and the largest difference
 *    printed as "accuracy ..." lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fpu/softfloat.h"
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#define X(se, sig) ((fx80){sig##ull, (u16)(se)})
#define U64P(v) (unsigned long long)(v)

static bool same(fx80 a, fx80 b)
{
    return a.se == b.se && a.sig == b.sig;
}

/* One known value: the function in rounding mode rc, its result and flags. */
static void known(const char *name, fx80 got, struct sf_status *s, fx80 want, u8 flags)
{
    CHECK(name, same(got, want) && s->flags == flags,
          "got %04x:%016llx flags %#x, want %04x:%016llx flags %#x", got.se, U64P(got.sig),
          s->flags, want.se, U64P(want.sig), flags);
}

enum { F_SIN, F_COS, F_TAN, F_ATAN, F_2XM1, F_YL2X, F_YL2XP1, F_N };
static const char *const names[F_N] = {"fsin",  "fcos",  "fptan",  "fpatan",
                                       "f2xm1", "fyl2x", "fyl2xp1"};

/* The function: a = ST0, b = ST1 for the two-operand ones. */
static fx80 soft(int fn, struct sf_status *s, fx80 a, fx80 b)
{
    fx80 r = a;
    switch (fn) {
    case F_SIN: fx80_sin(s, a, &r); break;
    case F_COS: fx80_cos(s, a, &r); break;
    case F_TAN: fx80_tan(s, a, &r); break;
    case F_ATAN: r = fx80_atan2(s, b, a); break;
    case F_2XM1: r = fx80_2xm1(s, a); break;
    case F_YL2X: r = fx80_yl2x(s, b, a); break;
    default: r = fx80_yl2xp1(s, b, a); break;
    }
    return r;
}

static fx80 run(int fn, int rc, fx80 a, fx80 b, struct sf_status *s)
{
    *s = (struct sf_status){.round = (u8)rc, .prec = SF_PC64};
    return soft(fn, s, a, b);
}

static void known_values(void)
{
    struct sf_status s, t = {.prec = SF_PC64};
    fx80 dpi = f64_to_fx80(&t, 0x400921fb54442d18ull), r;
    const fx80 one = X(0x3fff, 0x8000000000000000), zero = X(0, 0);
    /* pi66 - double(pi) = 0x8d3 * 2^-64: sin just below it */
    r = run(F_SIN, SF_RN, dpi, zero, &s);
    known("known/fsin(double pi) = pi66 - double(pi)", r, &s, X(0x3fca, 0x8d30000000000000), SF_PE);
    CHECK("known/fsin(double pi) rounded up (C1)", s.c1, "C1 clear");
    t.flags = 0;
    u64 d = fx80_to_f64(&t, r);
    CHECK("known/fsin(double pi) as binary64 = 1.2246063538223773e-16", d == 0x3ca1a60000000000ull,
          "got %#llx (the true sine would be 0x3ca1a62633145c07)", U64P(d));
    r = run(F_SIN, SF_RZ, dpi, zero, &s);
    known("known/fsin(double pi) toward zero", r, &s, X(0x3fca, 0x8d2fffffffffffff), SF_PE);
    t.flags = 0;
    fx80 half_pi = f64_to_fx80(&t, 0x3ff921fb54442d18ull);
    r = run(F_COS, SF_RN, half_pi, zero, &s);
    known("known/fcos(double pi/2) = 6.1230317691118863e-17", r, &s, X(0x3fc9, 0x8d30000000000000),
          SF_PE);
    r = run(F_TAN, SF_RN, dpi, zero, &s);
    known("known/fptan(double pi)", r, &s, X(0xbfca, 0x8d30000000000000), SF_PE);
    /* Math.tan(k * Math.PI / 4) in binary64 arithmetic, FPTAN, stored as binary64 */
    static const struct {
        const char *name;
        u64 k, want;
    } tans[] = {
        {"known/tan(pi/4) = 0.9999999999999999", 1, 0x3fefffffffffffffull},
        {"known/tan(3*pi/4) = -1.0000000000000002", 3, 0xbff0000000000001ull},
        {"known/tan(pi) = -1.2246063538223773e-16", 4, 0xbca1a60000000000ull},
        {"known/tan(5*pi/4) = 0.9999999999999997", 5, 0x3feffffffffffffdull},
        {"known/tan(7*pi/4) = -1.0000000000000004", 7, 0xbff0000000000002ull},
    };
    for (unsigned k = 0; k < sizeof tans / sizeof tans[0]; k++) {
        t = (struct sf_status){.prec = SF_PC64};
        /* k * pi rounded, then divided by 4 exactly */
        u64 x = f64_mul(&t, 0x400921fb54442d18ull, i64_to_f64(&t, (s64)tans[k].k)) - (2ull << 52);
        fx80 v;
        fx80_tan(&t, f64_to_fx80(&t, x), &v);
        u64 got = fx80_to_f64(&t, v);
        CHECK(tans[k].name, got == tans[k].want, "got %#llx, want %#llx", U64P(got),
              U64P(tans[k].want));
    }
    r = run(F_SIN, SF_RN, X(0x4000, 0xc90fdaa22168c235), zero, &s); /* FLDPI */
    known("known/fsin(fldpi) = -2^-64", r, &s, X(0xbfbf, 0x8000000000000000), SF_PE);
    /* range */
    fx80 big = X(0x403e, 0x8000000000000000), below = X(0xc03d, 0xffffffffffffffff);
    s = (struct sf_status){.prec = SF_PC64};
    CHECK("known/fsin(2^63) out of range (C2)", !fx80_sin(&s, big, &r) && same(r, big) && !s.flags,
          "in range, or flags %#x", s.flags);
    s = (struct sf_status){.prec = SF_PC64};
    CHECK("known/fcos(-(2^63 - 1)) in range", fx80_cos(&s, below, &r) && s.flags == SF_PE,
          "out of range, or flags %#x", s.flags);
    /* special operands (SDM Vol. 2 tables) */
    r = run(F_COS, SF_RN, X(0x8000, 0), zero, &s);
    known("known/fcos(-0) = 1", r, &s, one, 0);
    r = run(F_SIN, SF_RN, X(0x8000, 0), zero, &s);
    known("known/fsin(-0) = -0", r, &s, X(0x8000, 0), 0);
    r = run(F_TAN, SF_RN, X(0x7fff, 0x8000000000000000), zero, &s);
    known("known/fptan(inf) invalid", r, &s, fx80_indefinite(), SF_IE);
    r = run(F_SIN, SF_RN, X(0x7fff, 0xa000000000000000), zero, &s);
    known("known/fsin(SNaN) quieted", r, &s, X(0x7fff, 0xe000000000000000), SF_IE);
    r = run(F_ATAN, SF_RN, one, one, &s);
    known("known/fpatan(1, 1) = pi/4", r, &s, X(0x3ffe, 0xc90fdaa22168c235), SF_PE);
    r = run(F_ATAN, SF_RD, X(0xbfff, 0x8000000000000000), zero, &s);
    known("known/fpatan(+0, -1) = pi (down)", r, &s, X(0x4000, 0xc90fdaa22168c234), SF_PE);
    r = run(F_ATAN, SF_RN, X(0x3fff, 0x8000000000000000), X(0x8000, 0), &s);
    known("known/fpatan(-0, 1) = -0", r, &s, X(0x8000, 0), 0);
    r = run(F_ATAN, SF_RN, X(0xffff, 0x8000000000000000), X(0x7fff, 0x8000000000000000), &s);
    known("known/fpatan(inf, -inf) = 3pi/4", r, &s, X(0x4000, 0x96cbe3f9990e91a8), SF_PE);
    r = run(F_2XM1, SF_RN, one, zero, &s);
    known("known/f2xm1(1) = 1, PE", r, &s, one, SF_PE);
    r = run(F_2XM1, SF_RN, X(0xbfff, 0x8000000000000000), zero, &s);
    known("known/f2xm1(-1) = -0.5, PE", r, &s, X(0xbffe, 0x8000000000000000), SF_PE);
    r = run(F_2XM1, SF_RN, X(0xffff, 0x8000000000000000), zero, &s);
    known("known/f2xm1(-inf) = -1", r, &s, X(0xbfff, 0x8000000000000000), 0);
    r = run(F_YL2X, SF_RN, X(0x4002, 0x8000000000000000), X(0x4000, 0xc000000000000000), &s);
    known("known/fyl2x(8, 3) = 9, PE", r, &s, X(0x4002, 0x9000000000000000), SF_PE);
    r = run(F_YL2X, SF_RN, one, X(0xc000, 0xc000000000000000), &s);
    known("known/fyl2x(1, -3) = -0", r, &s, X(0x8000, 0), 0);
    r = run(F_YL2X, SF_RN, zero, X(0x4000, 0x8000000000000000), &s);
    known("known/fyl2x(0, 2) = -inf, ZE", r, &s, X(0xffff, 0x8000000000000000), SF_ZE);
    r = run(F_YL2X, SF_RN, X(0xc000, 0x8000000000000000), one, &s);
    known("known/fyl2x(-2, 1) invalid", r, &s, fx80_indefinite(), SF_IE);
    r = run(F_YL2XP1, SF_RN, X(0x8000, 0), X(0xc001, 0xa000000000000000), &s);
    known("known/fyl2xp1(-0, -5) = +0", r, &s, zero, 0);
    r = run(F_YL2XP1, SF_RN, zero, X(0x7fff, 0x8000000000000000), &s);
    known("known/fyl2xp1(+0, inf) invalid", r, &s, fx80_indefinite(), SF_IE);
}

#if defined(__x86_64__)
/* The host: ST1 = b, ST0 = a, the instruction, the status word, ST0 afterwards. */
static fx80 host(int fn, u16 cw, fx80 a, fx80 b, u16 *sw)
{
    fx80 r, r2;
#define RUN(insn)                                                                                  \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t" insn                    \
                     "\n\tfnstsw %[sw]\n\tfstpt %[r]\n\tfstpt %[r2]"                               \
                     : [r] "=m"(r), [r2] "=m"(r2), [sw] "=m"(*sw)                                  \
                     : [cw] "m"(cw), [a] "m"(a), [b] "m"(b))
    switch (fn) {
    case F_SIN: RUN("fsin"); break;
    case F_COS: RUN("fcos"); break;
    case F_TAN: RUN("fptan"); return r2; /* ST0 is the 1.0 pushed */
    case F_ATAN: RUN("fpatan"); break;
    case F_2XM1: RUN("f2xm1"); break;
    case F_YL2X: RUN("fyl2x"); break;
    default: RUN("fyl2xp1"); break;
    }
#undef RUN
    return r;
}

static u64 rng = 0x9e3779b97f4a7c15ull;
static u64 rnd(void)
{
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

/* A random operand in the function's domain (a = ST0) and its second operand. */
static void operands(int fn, fx80 *a, fx80 *b)
{
    u64 r = rnd();
    bool s = r & 1;
    int e;
    switch (fn) {
    case F_SIN:
    case F_COS:
    case F_TAN: e = 0x3fff - 64 + (int)((r >> 8) % 127); break; /* below 2^63 */
    case F_2XM1: e = 0x3fff - 64 + (int)((r >> 8) % 64); break;
    case F_YL2XP1: e = 0x3fff - 64 + (int)((r >> 8) % 63); break;
    case F_YL2X: e = 1 + (int)((r >> 8) % 0x7ffd), s = false; break;
    default: e = 0x3fff - 200 + (int)((r >> 8) % 400); break;
    }
    *a = fx80_make(s, (u16)e, rnd() | 1ull << 63);
    if ((r >> 50) % 4 == 0) { /* the hard places */
        switch (fn) {
        case F_SIN:
        case F_COS:
        case F_TAN: { /* near k * pi/4, k up to 2^60 */
            u64 k = (rnd() >> (63 - (r >> 52) % 60)) | 1;
            unsigned __int128 p = (unsigned __int128)0xc90fdaa22168c234ull * k +
                                  (((unsigned __int128)0xc4c6628b80dc1cd1ull * k) >> 64);
            int lz = p >> 64 ? __builtin_clzll((u64)(p >> 64)) : 64 + __builtin_clzll((u64)p);
            p <<= lz;
            *a = fx80_make(s, (u16)(0x3fff + 63 - lz), (u64)(p >> 64) + (rnd() % 9) - 4);
            a->sig |= 1ull << 63;
            break;
        }
        case F_YL2X: /* x near 1 */
            *a = (r >> 58) & 1 ? fx80_make(0, 0x3fff, (1ull << 63) + (r >> 20) % 4096)
                               : fx80_make(0, 0x3ffe, ~0ull - (r >> 20) % 4096);
            break;
        case F_ATAN: /* y/x far from 1 */
            a->se = (u16)((a->se & 0x8000) | (0x3fff + 100 + (r >> 20) % 8000));
            break;
        default: /* tiny x */
            a->se = (u16)((a->se & 0x8000) | (1 + (r >> 20) % (0x3fff - 64)));
            break;
        }
    }
    if (fn == F_YL2XP1 && e == 0x3ffd && a->sig > 0x95f619980c4336f7ull) /* 1 - sqrt(2)/2 */
        a->sig = 0x95f619980c4336f7ull;
    *b = fx80_make((r >> 40) & 1, (u16)(0x3fff - 20 + (r >> 44) % 40), rnd() | 1ull << 63);
}

/* Distance in units in the last place of two finite values of one sign. */
static u64 ulps(fx80 x, fx80 y)
{
    if ((x.se ^ y.se) & 0x8000) return ~0ull;
    unsigned __int128 ox = (unsigned __int128)(x.se & 0x7fff) << 63 | (x.sig & ~(1ull << 63));
    unsigned __int128 oy = (unsigned __int128)(y.se & 0x7fff) << 63 | (y.sig & ~(1ull << 63));
    unsigned __int128 d = ox > oy ? ox - oy : oy - ox;
    return d >> 64 ? ~0ull : (u64)d;
}

static void accuracy(bool intel, const char *vendor, unsigned n)
{
    for (int fn = 0; fn < F_N; fn++) {
        unsigned cases = 0, equal = 0, flagdiff = 0;
        u64 maxd = 0;
        char first[200] = "";
        for (int rc = 0; rc < 4; rc++) {
            for (unsigned k = 0; k < n; k++) {
                fx80 a, b;
                operands(fn, &a, &b);
                u16 sw;
                fx80 h = host(fn, (u16)(0x037f | rc << 10), a, b, &sw);
                struct sf_status s;
                fx80 r = run(fn, rc, a, b, &s);
                u64 dd = same(h, r) ? 0 : ulps(h, r);
                u16 mask = intel ? 0x23f : 0x3f; /* C1 too on Intel */
                u16 ssw = (u16)(s.flags | (s.c1 ? 0x200 : 0));
                bool bad = (sw & mask) != (ssw & mask) || dd > (intel ? 0 : 1);
                cases++;
                equal += dd == 0;
                if (dd > maxd) maxd = dd;
                if ((sw & mask) != (ssw & mask)) flagdiff++;
                if (bad && !first[0])
                    snprintf(first, sizeof first,
                             "rc %d a %04x:%016llx b %04x:%016llx: host %04x:%016llx sw %04x, "
                             "soft %04x:%016llx sw %04x",
                             rc, a.se, U64P(a.sig), b.se, U64P(b.sig), h.se, U64P(h.sig), sw & mask,
                             r.se, U64P(r.sig), ssw & mask);
            }
        }
        char label[80];
        snprintf(label, sizeof label, "accuracy/%s vs host", names[fn]);
        if (!intel)
            printf("SKIP %s: result bits and C1 compared exactly only on an Intel host (this "
                   "host: %s); here within 1 ulp\n",
                   label, vendor);
        printf("accuracy %s: %u inputs (4 rounding modes), %u equal, %u differ, max %llu ulp, "
               "%u flag differences\n",
               names[fn], cases, equal, cases - equal, U64P(maxd), flagdiff);
        CHECK(label, !first[0], "%s", first);
    }
}
#endif

int main(int argc, char **argv)
{
    known_values();
#if defined(__x86_64__)
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
    unsigned a = 0, b = 0, c = 0, d = 0;
    __get_cpuid(0, &a, &b, &c, &d);
    char vendor[13];
    memcpy(vendor, &b, 4), memcpy(vendor + 4, &d, 4), memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    accuracy(strcmp(vendor, "GenuineIntel") == 0, vendor, n);
#else
    (void)argc, (void)argv, (void)names;
    printf("SKIP accuracy: the host is not x86-64, no x87 to compare with\n");
#endif
    return check_exit();
}
