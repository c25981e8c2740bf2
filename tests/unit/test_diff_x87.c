/* Differential test of the x87 instruction set against the host processor: every form
 * (ST(i), m32fp, m64fp, m80fp, m16int, m32int, m64int, m80bcd, control and environment
 * forms) from random x87 states biased towards the edge cases: signed zeros, denormals
 * and pseudo-denormals, unsupported encodings, infinities, quiet, signalling and
 * indefinite NaNs, rounding ties, values at the overflow and underflow thresholds of each
 * format, under every rounding mode and precision control, with empty and full stack
 * slots (stack underflow and overflow), masked and unmasked exceptions, and now and then
 * a pending unmasked exception (a waiting form then raises #MF: SIGFPE natively). FCW,
 * FSW, the abridged tag byte, ST0-7, EFLAGS, the registers and memory are compared bit
 * for bit (tests/diff/diff.h). FIP/FDP/FOP are not compared (AMD keeps them only while an
 * exception is pending); FNSTENV/FNSAVE forms clear those fields in memory after storing.
 * The transcendentals (FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1) get
 * operands biased to their own edges (near multiples of pi/4, near 2^63, the domain limits,
 * x near 1 for FYL2X) and many more inputs; their results are compared bit for bit on an
 * Intel host and within one unit in the last place elsewhere (the vendors' approximations
 * differ; DIFF_X87_ULP), everything else (stack, status word, special operands) exactly. */
#include "../diff/diff.h"

#define PTR_RBX (1u << RBX)
#define MEM_OFF (DIFF_MEM / 2 + 8) /* [rbx+8] */

enum fmt {
    M_NONE,
    M_F32,
    M_F64,
    M_F80,
    M_I16,
    M_I32,
    M_I64,
    M_BCD,
    M_ENV,
    M_ENV16,
    M_SAVE,
    M_SAVE16,
    M_CW,
    M_MEM
};

/* An 80-bit value biased to the edge cases of the format and of the narrower ones. */
static void rnd_fx80(struct diff *d, u64 *sig, u16 *se)
{
    u64 r = diff_rand(d), x = diff_rand(d);
    u16 s = (r & 1) ? 0x8000 : 0, e;
    u64 m, j = 1ull << 63;
    switch ((r >> 8) % 26) {
    case 0: e = 0, m = 0; break;
    case 1: e = 0, m = (x >> (1 + (r >> 16) % 63)) & ~j; break;       /* denormal */
    case 2: e = 0, m = x | j; break;                                  /* pseudo-denormal */
    case 3: e = (u16)(1 + (x >> 50) % 0x7ffe), m = x & ~j; break;     /* unnormal */
    case 4: e = 0x7fff, m = j; break;                                 /* infinity */
    case 5: e = 0x7fff, m = j | 1ull << 62 | (x >> 2); break;         /* QNaN */
    case 6: e = 0x7fff, m = j | ((x >> 2) | 1); break;                /* SNaN */
    case 7: s = 0x8000, e = 0x7fff, m = 0xc000000000000000ull; break; /* indefinite */
    case 8: e = 0x7fff, m = x & ~j; break;                            /* pseudo-NaN/inf */
    case 9: e = (u16)(0x3fff + (x & 15)), m = j | (x & (0xffull << 52)); break; /* small ints */
    case 10: e = (u16)(0x3fff + 127 + (int)(x % 3) - 1), m = x | j; break;      /* f32 overflow */
    case 11: e = (u16)(0x3fff + 1023 + (int)(x % 3) - 1), m = x | j; break;     /* f64 overflow */
    case 12: e = (u16)(0x3fff - 126 - (int)(x % 26)), m = x | j; break;         /* f32 underflow */
    case 13: e = (u16)(0x3fff - 1022 - (int)(x % 55)), m = x | j; break;        /* f64 underflow */
    case 14: e = (u16)(0x7ffe - (x & 3)), m = x | j; break;                     /* x80 overflow */
    case 15: e = (u16)(1 + (x & 3)), m = x | j; break;                          /* x80 underflow */
    case 16: e = (u16)(0x3fff + (x & 31)), m = (x & ~0x7ffull) | 0x400 | j; break; /* tie at 53 */
    case 17: e = (u16)(0x3fff + (x & 31)), m = (x & ~0xffffffffffull) | 0x8000000000ull | j; break;
    case 18:
        e = (u16)(0x3fff + (x % 64)), m = (x & ~((1ull << 62) >> (x % 64))) | j;
        break;                                                    /* x.5 */
    case 19: e = (u16)(0x3fff + 10 + (x % 60)), m = x | j; break; /* integer range */
    case 20: e = (u16)(0x3fff + 62 + (x % 3)), m = x | j; break;  /* int64 limits */
    case 21: e = (u16)(0x3fff + 14 + (x % 3)), m = x | j; break;  /* int16 / int32 limits */
    case 22: e = (u16)(0x3fff + 30 + (x % 3)), m = x | j; break;
    case 23: e = 0x3fff, m = j; break; /* 1.0 */
    default: e = (u16)(0x3fff - 64 + (x % 128)), m = diff_rand(d) | j; break;
    }
    *sig = m;
    *se = s | e;
}

static u64 rnd_ieee(struct diff *d, bool dbl)
{
    u64 r = diff_rand(d), x = diff_rand(d);
    unsigned fb = dbl ? 52 : 23, eb = dbl ? 11 : 8;
    u64 sign = (r >> 63) << (fb + eb), fm = (1ull << fb) - 1, emax = (1ull << eb) - 1,
        bias = emax >> 1;
    u64 v;
    switch ((r >> 8) % 12) {
    case 0: v = 0; break;
    case 1: v = x & fm; break;
    case 2: v = emax << fb; break;
    case 3: v = (emax << fb) | (1ull << (fb - 1)) | (x & (fm >> 1)); break;
    case 4: v = (emax << fb) | ((x & (fm >> 1)) | 1); break;
    case 5: v = bias << fb; break;
    case 6: v = ((emax - 1) << fb) | (x & fm); break;
    case 7: v = (1ull << fb) | (x & fm); break;
    default: v = ((bias - 20 + (x >> 40) % 40) << fb) | (x & fm); break;
    }
    return sign | v;
}

static void put(struct dstate *s, unsigned off, u64 v, unsigned n)
{
    store_le(s->mem + off, n, v);
}

/* A random x87 state: FCW (every RC and PC, mostly masked), FSW (TOP, codes, sticky
 * flags), tags (ST0/ST1 mostly full, ST7 mostly empty) and registers. */
static void rnd_state(struct diff *d, u8 *img)
{
    memset(img, 0, 512);
    u64 r = diff_rand(d);
    u16 cw = 0x1040 | (u16)(r & 0x0f00) | 0x3f;
    if ((r >> 12) % 4 == 0) cw &= (u16) ~((r >> 16) & 0x3f); /* some unmasked */
    unsigned top = (r >> 24) & 7;
    u16 sw = (u16)(top << 11) | (u16)((r >> 28) & 0x4700);
    if ((r >> 40) % 4 == 0) sw |= (u16)((r >> 44) & 0x3f); /* sticky flags */
    if (sw & ~cw & 0x3f) {
        if ((r >> 50) % 8 == 0)
            sw |= 0x8080; /* pending: #MF */
        else
            sw &= (u16) ~(~cw & 0x3f);
    }
    u8 ftw = (u8)diff_rand(d);
    unsigned st0 = top, st1 = (top + 1) & 7, st7 = (top + 7) & 7;
    u64 t = diff_rand(d);
    if (t % 16) ftw |= (u8)(1u << st0);
    if ((t >> 4) % 16) ftw |= (u8)(1u << st1);
    if ((t >> 8) % 16) ftw &= (u8) ~(1u << st7);
    store_le(img, 2, cw);
    store_le(img + 2, 2, sw);
    img[4] = ftw;
    store_le(img + 24, 4, 0x1f80);
    store_le(img + 28, 4, 0xffff);
    for (unsigned k = 0; k < 8; k++) {
        u64 m;
        u16 se;
        rnd_fx80(d, &m, &se);
        store_le(img + 32 + 16 * k, 8, m);
        store_le(img + 40 + 16 * k, 2, se);
    }
    if ((t >> 12) % 4 == 0) { /* ST1 close to ST0: cancellation, equal operands */
        memcpy(img + 48, img + 32, 10);
        u64 m = load_le(img + 48, 8) ^ (diff_rand(d) >> (40 + (t >> 20) % 24));
        store_le(img + 48, 8, m);
    }
}

/* The 2-bit tags of an image (for FLDENV/FRSTOR inputs): valid, zero, special or empty. */
static u16 full_tags(const u8 *img)
{
    unsigned top = (load_le(img + 2, 2) >> 11) & 7;
    u16 tw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned k = (p - top) & 7, tag;
        u64 m = load_le(img + 32 + 16 * k, 8);
        unsigned e = (unsigned)load_le(img + 40 + 16 * k, 2) & 0x7fff;
        if (!((img[4] >> p) & 1))
            tag = 3;
        else if (e == 0x7fff)
            tag = 2;
        else if (e == 0)
            tag = m ? 2 : 1;
        else
            tag = (m >> 63) ? 0 : 2;
        tw |= (u16)(tag << (2 * p));
    }
    return tw;
}

static struct diff *g_d; /* the runner, for prep's random numbers */
static bool trans_ordinary(const struct dform *f, const struct dstate *s);

/* Vendor differences (compared on Intel hosts only; the emulator follows the SDM):
 * - FCOMI/FCOMIP/FUCOMI/FUCOMIP set C1 to 0 (SDM Vol. 2 FCOMI); AMD leaves it.
 * - FLD m32fp/m64fp of a denormal with DE unmasked: the SDM's unmasked-DE rule (Vol. 1
 *   4.9.1.2, 8.5.2) leaves the stack unchanged; AMD loads the value. */
enum { V_FCOMI = 1, V_FLD = 2, V_TRANS = 3 };
static const char *vendor(const struct dform *f, const struct dstate *in, u16 *regs, u64 *fl)
{
    (void)regs;
    if (f->arg >> 8 == V_FCOMI) {
        *fl |= DIFF_X87_C1;
        return "FCOMI family: C1 is set to 0 (AMD leaves it)";
    }
    if ((f->arg >> 8 & 0xff) == V_TRANS && trans_ordinary(f, in)) /* prep: DIFF_X87_ULP */
        return "transcendental result bits: exact comparison needs an Intel host (within 1 ulp "
               "and C1 not compared here)";
    if (f->arg >> 8 == V_FLD) {
        bool dbl = (f->arg & 0xff) == M_F64;
        u64 v = load_le(in->mem + DIFF_MEM / 2 + 8, dbl ? 8 : 4);
        u64 e = dbl ? (v >> 52) & 0x7ff : (v >> 23) & 0xff, m = dbl ? v << 12 : v << 41;
        unsigned top = (load_le(in->x87 + 2, 2) >> 11) & 7;
        bool full7 = (in->x87[4] >> ((top + 7) & 7)) & 1;
        if (e == 0 && m && !full7 && !(load_le(in->x87, 2) & 2)) {
            *fl |= DIFF_X87_ALL;
            return "FLD of a denormal with DE unmasked: no load (AMD loads)";
        }
    }
    return NULL;
}

/* --- Transcendentals ------------------------------------------------------------------ */

enum { TR_F2XM1, TR_FYL2X, TR_FPTAN, TR_FPATAN, TR_FYL2XP1, TR_FSINCOS, TR_FSIN, TR_FCOS };

/* m * 2^e as an 80-bit value with a 64-bit m (leading bit set), sign s. */
static void put_st(u8 *img, unsigned k, u64 m, u16 se)
{
    store_le(img + 32 + 16 * k, 8, m);
    store_le(img + 40 + 16 * k, 2, se);
}

/* An ordinary operand of the function, or one at its edges. */
static void trans_value(struct diff *d, unsigned fn, bool second, u64 *m, u16 *se)
{
    u64 r = diff_rand(d), x = diff_rand(d) | 1ull << 63;
    u16 s = (r & 1) ? 0x8000 : 0;
    unsigned pick = (unsigned)(r >> 8) % 8;
    if (second) { /* ST1 of FYL2X/FYL2XP1/FPATAN: the multiplier or y */
        *m = x;
        *se = (u16)(s | (pick < 5 ? 0x3fff - 8 + (r >> 16) % 16 : 0x3fff - 300 + (r >> 16) % 600));
        if (pick == 7) *se = (u16)(s | (0x3fff + 16000 + (r >> 16) % 383)); /* overflow */
        if (pick == 6) *se = (u16)(s | (1 + (r >> 16) % 100));              /* underflow */
        return;
    }
    switch (fn) {
    case TR_FSIN:
    case TR_FCOS:
    case TR_FSINCOS:
    case TR_FPTAN:
        if (pick < 3) { /* near k * pi/4 (k up to 2^40 or 2^60), a few units off */
            static const u64 pi_hi = 0xc90fdaa22168c234ull, pi_lo = 0xc4c6628b80dc1cd1ull;
            unsigned bits = pick == 2 ? 60 : 40;
            u64 k = (diff_rand(d) >> (63 - (r >> 16) % bits)) | 1;
            unsigned __int128 p =
                (unsigned __int128)pi_hi * k + (((unsigned __int128)pi_lo * k) >> 64);
            int lz = p >> 64 ? __builtin_clzll((u64)(p >> 64)) : 64 + __builtin_clzll((u64)p);
            p <<= lz;
            *m = (u64)(p >> 64) + (u64)((s64)(diff_rand(d) % 9) - 4);
            *m |= 1ull << 63;
            *se = (u16)(s | (0x3fff + 63 - lz)); /* p = pi * k * 2^62: (pi/4) * k */
            return;
        }
        if (pick == 3) { /* near 2^63: in range just below, out of range at and above */
            *m = (r >> 16) & 1 ? ~0ull - (r >> 20) % 4 : 1ull << 63 | (r >> 20) % 4;
            *se = (u16)(s | (0x3fff + 62 + ((r >> 16) & 1 ? 0 : 1 + (r >> 24) % 2)));
            return;
        }
        *m = x;
        *se = (u16)(s | (pick == 4 ? 0x3fff - 70 + (r >> 16) % 70 : 0x3fff - 4 + (r >> 16) % 66));
        return;
    case TR_F2XM1:
        if (pick == 0) { /* +-1, or just inside */
            *m = (r >> 16) & 1 ? 1ull << 63 : ~0ull - (r >> 20) % 4;
            *se = (u16)(s | ((r >> 16) & 1 ? 0x3fff : 0x3ffe));
            return;
        }
        *m = x;
        *se = (u16)(s | (pick == 1 ? 0x3fff - 16440 + (r >> 16) % 16440
                                   : 0x3fff - 70 + (r >> 16) % 70));
        return;
    case TR_FYL2XP1:
        if (pick == 0) { /* just inside 1 - sqrt(2)/2 */
            *m = 0x95f619980c4336f7ull - (r >> 16) % 8;
            *se = (u16)(s | 0x3ffd);
            return;
        }
        *m = x;
        *se = (u16)(s | (pick == 1 ? 0x3fff - 16440 + (r >> 16) % 16440
                                   : 0x3fff - 70 + (r >> 16) % 68));
        if ((*se & 0x7fff) == 0x3ffd && *m > 0x95f619980c4336f7ull) *m = 0x95f619980c4336f7ull;
        return;
    case TR_FYL2X:
        if (pick < 2) { /* 1 + a few units, 1 - a few units, 1, powers of two */
            u64 k = (r >> 16) % 8;
            switch ((r >> 24) % 4) {
            case 0: *m = 1ull << 63 | k, *se = 0x3fff; break;
            case 1: *m = ~0ull - k, *se = 0x3ffe; break;
            default: *m = 1ull << 63, *se = (u16)(0x3fff - 100 + (r >> 32) % 200); break;
            }
            return;
        }
        *m = x;
        *se = (u16)(pick == 2 ? 1 + (r >> 16) % 0x7ffd : 0x3fff - 40 + (r >> 16) % 80);
        return;
    default: /* FPATAN's x: any magnitude, or that of y */
        *m = x;
        *se = (u16)(s | (pick < 4 ? 0x3fff - 8 + (r >> 16) % 16 : 0x3fff - 300 + (r >> 16) % 600));
        return;
    }
}

/* Outside the SDM's domain (F2XM1: |x| > 1; FYL2XP1: |x| >= 1 - sqrt(2)/2) the result is
 * undefined: such operands are moved inside. */
static bool out_of_domain(unsigned fn, u64 m, u16 se)
{
    unsigned e = se & 0x7fff;
    if (e == 0 || e == 0x7fff ? !(fn == TR_FYL2XP1 && e == 0x7fff) : !(m >> 63)) return false;
    if (fn == TR_F2XM1) return e > 0x3fff || (e == 0x3fff && m != 1ull << 63);
    if (fn == TR_FYL2XP1)
        return e == 0x7fff || e > 0x3ffd || (e == 0x3ffd && m > 0x95f619980c4336f7ull);
    return false;
}

/* An input with operands present (and room to push), finite and non-zero: an ordinary
 * result, whose bits depend on the vendor's approximation. */
static bool trans_ordinary(const struct dform *f, const struct dstate *s)
{
    unsigned fn = (unsigned)f->arg >> 16;
    bool two = fn == TR_FYL2X || fn == TR_FPATAN || fn == TR_FYL2XP1;
    unsigned top = (load_le(s->x87 + 2, 2) >> 11) & 7, ftw = s->x87[4];
    bool full0 = (ftw >> top) & 1, full1 = (ftw >> ((top + 1) & 7)) & 1,
         full7 = (ftw >> ((top + 7) & 7)) & 1;
    if (!full0 || (two && !full1) || ((fn == TR_FSINCOS || fn == TR_FPTAN) && full7)) return false;
    for (unsigned k = 0; k < (two ? 2u : 1u); k++) {
        u64 v = load_le(s->x87 + 32 + 16 * k, 8);
        unsigned e = (unsigned)load_le(s->x87 + 40 + 16 * k, 2) & 0x7fff;
        if (e == 0x7fff || !v || (e && !(v >> 63))) return false; /* special or unsupported */
    }
    return true;
}

/* Operands for a transcendental form; on a non-Intel host an ordinary input compares its
 * results within one ulp. */
static void trans_prep(const struct dform *f, struct dstate *s, u64 *fl)
{
    struct diff *d = g_d;
    unsigned fn = (unsigned)f->arg >> 16;
    bool two = fn == TR_FYL2X || fn == TR_FPATAN || fn == TR_FYL2XP1;
    u64 m;
    u16 se;
    if (diff_rand(d) % 4) {
        trans_value(d, fn, false, &m, &se);
        put_st(s->x87, 0, m, se);
    }
    if (two && diff_rand(d) % 4) {
        trans_value(d, fn, true, &m, &se);
        if (fn == TR_FPATAN && diff_rand(d) % 8 == 0) { /* |y| = |x| or one unit apart */
            m = load_le(s->x87 + 32, 8) + diff_rand(d) % 2;
            se = (u16)((se & 0x8000) | (load_le(s->x87 + 40, 2) & 0x7fff));
        }
        put_st(s->x87, 1, m, se);
    }
    for (;;) {
        m = load_le(s->x87 + 32, 8), se = (u16)load_le(s->x87 + 40, 2);
        if (!out_of_domain(fn, m, se)) break;
        trans_value(d, fn, false, &m, &se);
        put_st(s->x87, 0, m, se);
    }
    if (!d->intel && trans_ordinary(f, s)) *fl |= DIFF_X87_ULP;
}

static void prep(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    (void)fl, (void)ign;
    struct diff *d = g_d;
    rnd_state(d, s->x87);
    if ((f->arg >> 8 & 0xff) == V_TRANS) {
        trans_prep(f, s, fl);
        return;
    }
    u64 v;
    u16 se;
    switch (f->arg & 0xff) {
    case M_F32: put(s, MEM_OFF, rnd_ieee(d, false), 4); break;
    case M_F64: put(s, MEM_OFF, rnd_ieee(d, true), 8); break;
    case M_F80:
        rnd_fx80(d, &v, &se);
        put(s, MEM_OFF, v, 8), put(s, MEM_OFF + 8, se, 2);
        break;
    case M_BCD:
        v = 0;
        for (unsigned k = 0; k < 16; k++)
            v |= (diff_rand(d) % ((diff_rand(d) % 32) ? 10 : 16)) << (4 * k);
        put(s, MEM_OFF, v, 8);
        put(s, MEM_OFF + 8, (diff_rand(d) % 100 / 10) << 4 | diff_rand(d) % 10, 1);
        put(s, MEM_OFF + 9,
            (diff_rand(d) & 1) ? 0x80 : (diff_rand(d) % 8 ? 0 : diff_rand(d) & 0xff), 1);
        break;
    case M_CW: put(s, MEM_OFF, load_le(s->x87, 2) ^ (diff_rand(d) & 0x0f3f), 2); break;
    case M_ENV:
    case M_ENV16:
    case M_SAVE:
    case M_SAVE16: {
        /* An image of another random state in the operand-size layout. */
        u8 other[512] __attribute__((aligned(16)));
        rnd_state(d, other);
        u16 cw = (u16)load_le(other, 2), sw = (u16)load_le(other + 2, 2), tw = full_tags(other);
        if (diff_rand(d) % 8 == 0) tw ^= (u16)diff_rand(d); /* tags that disagree with contents */
        unsigned a = f->arg & 0xff;
        bool w16 = a == M_ENV16 || a == M_SAVE16;
        unsigned n = w16 ? 14 : 28;
        u8 *b = s->mem + MEM_OFF;
        if (w16) {
            store_le(b, 2, cw), store_le(b + 2, 2, sw), store_le(b + 4, 2, tw);
        } else {
            store_le(b, 4, 0xffff0000u | cw), store_le(b + 4, 4, 0xffff0000u | sw);
            store_le(b + 8, 4, 0xffff0000u | tw);
        }
        if (a == M_SAVE || a == M_SAVE16)
            for (unsigned k = 0; k < 8; k++)
                memcpy(b + n + 10 * k, other + 32 + 16 * k, 10);
        break;
    }
    default: break; /* integers: diff_value's edges in memory already */
    }
}

static unsigned n_cases = 1500;

static void form(const char *name, enum fmt fmt, unsigned n, unsigned len, const u8 *code)
{
    struct dform f;
    diff_begin(&f, FL_ARITH | DIFF_X87_C1 | DIFF_X87_ALL, fmt == M_NONE ? 0 : PTR_RBX, "%s", name);
    for (unsigned k = 0; k < len; k++)
        diff_put(&f, code[k]);
    f.x87 = true;
    f.prep = prep;
    f.vendor = vendor;
    f.arg = fmt;
    if ((code[0] == 0xdb || code[0] == 0xdf) && len == 2 && code[1] >= 0xe8 && code[1] < 0xf8)
        f.arg |= V_FCOMI << 8;
    if ((code[0] == 0xd9 || code[0] == 0xdd) && len == 3 && ((code[1] >> 3) & 7) == 0)
        f.arg |= V_FLD << 8;
    diff_form(g_d, &f, n, false);
}

/* Memory form opcode /reg [rbx+8], with an optional 66 prefix and a trailer. */
static void mform(const char *name, unsigned op, unsigned reg, enum fmt fmt, bool p66)
{
    u8 code[16];
    unsigned n = 0;
    if (p66) code[n++] = 0x66;
    code[n++] = (u8)op, code[n++] = (u8)modrm(1, reg, RBX), code[n++] = 8;
    if (fmt == M_ENV || fmt == M_ENV16 || fmt == M_SAVE || fmt == M_SAVE16) {
        if ((op == 0xd9 || op == 0xdd) && reg == 6) {
            /* FNSTENV/FNSAVE: clear FIP..FDS in memory (not compared, see above):
             * and qword [rbx+8+off], 0 twice */
            unsigned off = p66 ? 6 : 12;
            for (unsigned k = 0; k < 2; k++) {
                code[n++] = 0x48, code[n++] = 0x83, code[n++] = 0x63;
                code[n++] = (u8)(8 + off + 8 * k), code[n++] = 0;
            }
        }
    }
    form(name, fmt, n_cases, n, code);
}

static void rform(const char *name, unsigned op, unsigned modrm_byte)
{
    u8 code[2] = {(u8)op, (u8)modrm_byte};
    form(name, M_NONE, n_cases, 2, code);
}

/* Register forms op (base + i) for i in 0, 1, 5. */
static void rforms_i(const char *name, unsigned op, unsigned base)
{
    static const unsigned is[3] = {1, 0, 5};
    char buf[64];
    for (unsigned k = 0; k < 3; k++) {
        snprintf(buf, sizeof buf, "%s st%u", name, is[k]);
        rform(buf, op, base + is[k]);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) n_cases = (unsigned)atoi(argv[1]);
    struct diff *d = diff_new(0x5eed0087);
    g_d = d;
    static const char *const ar[8] = {"fadd", "fmul",  "fcom", "fcomp",
                                      "fsub", "fsubr", "fdiv", "fdivr"};
    static const char *const ir[8] = {"fiadd", "fimul",  "ficom", "ficomp",
                                      "fisub", "fisubr", "fidiv", "fidivr"};
    char buf[64];
    for (unsigned r = 0; r < 8; r++) {
        snprintf(buf, sizeof buf, "%s m32fp", ar[r]), mform(buf, 0xd8, r, M_F32, false);
        snprintf(buf, sizeof buf, "%s m64fp", ar[r]), mform(buf, 0xdc, r, M_F64, false);
        snprintf(buf, sizeof buf, "%s m32int", ir[r]), mform(buf, 0xda, r, M_I32, false);
        snprintf(buf, sizeof buf, "%s m16int", ir[r]), mform(buf, 0xde, r, M_I16, false);
    }
    static const char *const d8r[8] = {"fadd st0,", "fmul st0,",  "fcom",      "fcomp",
                                       "fsub st0,", "fsubr st0,", "fdiv st0,", "fdivr st0,"};
    static const char *const dcr[8] = {
        "fadd sti,st0:",  "fmul sti,st0:", "fcom2",          "fcomp3",
        "fsubr sti,st0:", "fsub sti,st0:", "fdivr sti,st0:", "fdiv sti,st0:"};
    static const char *const der[8] = {"faddp",  "fmulp", "fcomp5", "",
                                       "fsubrp", "fsubp", "fdivrp", "fdivp"};
    for (unsigned r = 0; r < 8; r++) {
        rforms_i(d8r[r], 0xd8, 0xc0 + 8 * r);
        rforms_i(dcr[r], 0xdc, 0xc0 + 8 * r);
        if (r != 3) rforms_i(der[r], 0xde, 0xc0 + 8 * r);
    }
    static const char *const tr[8] = {"f2xm1",   "fyl2x",   "fptan", "fpatan",
                                      "fyl2xp1", "fsincos", "fsin",  "fcos"};
    static const u8 tr_modrm[8] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf9, 0xfb, 0xfe, 0xff};
    for (unsigned k = 0; k < 8; k++) {
        u8 code[2] = {0xd9, tr_modrm[k]};
        struct dform f;
        diff_begin(&f, FL_ARITH | DIFF_X87_C1 | DIFF_X87_ALL, 0, "%s", tr[k]);
        diff_put(&f, code[0]), diff_put(&f, code[1]);
        f.x87 = true;
        f.prep = prep;
        f.vendor = vendor;
        f.arg = M_NONE | V_TRANS << 8 | (int)k << 16;
        diff_form(g_d, &f, 8 * n_cases, false);
    }
    rform("fcompp", 0xde, 0xd9);
    rform("fucompp", 0xda, 0xe9);
    /* loads and stores */
    mform("fld m32fp", 0xd9, 0, M_F32, false);
    mform("fst m32fp", 0xd9, 2, M_F32, false);
    mform("fstp m32fp", 0xd9, 3, M_F32, false);
    mform("fld m64fp", 0xdd, 0, M_F64, false);
    mform("fst m64fp", 0xdd, 2, M_F64, false);
    mform("fstp m64fp", 0xdd, 3, M_F64, false);
    mform("fld m80fp", 0xdb, 5, M_F80, false);
    mform("fstp m80fp", 0xdb, 7, M_F80, false);
    mform("fild m16int", 0xdf, 0, M_I16, false);
    mform("fild m32int", 0xdb, 0, M_I32, false);
    mform("fild m64int", 0xdf, 5, M_I64, false);
    mform("fist m16int", 0xdf, 2, M_I16, false);
    mform("fistp m16int", 0xdf, 3, M_I16, false);
    mform("fist m32int", 0xdb, 2, M_I32, false);
    mform("fistp m32int", 0xdb, 3, M_I32, false);
    mform("fistp m64int", 0xdf, 7, M_I64, false);
    mform("fisttp m16int", 0xdf, 1, M_I16, false);
    mform("fisttp m32int", 0xdb, 1, M_I32, false);
    mform("fisttp m64int", 0xdd, 1, M_I64, false);
    mform("fbld m80bcd", 0xdf, 4, M_BCD, false);
    mform("fbstp m80bcd", 0xdf, 6, M_BCD, false);
    rforms_i("fld", 0xd9, 0xc0);
    rforms_i("fxch", 0xd9, 0xc8);
    rforms_i("fstp1", 0xd9, 0xd8);
    rforms_i("ffree", 0xdd, 0xc0);
    rforms_i("fxch4", 0xdd, 0xc8);
    rforms_i("fst", 0xdd, 0xd0);
    rforms_i("fstp", 0xdd, 0xd8);
    rforms_i("fucom", 0xdd, 0xe0);
    rforms_i("fucomp", 0xdd, 0xe8);
    rforms_i("ffreep", 0xdf, 0xc0);
    rforms_i("fxch7", 0xdf, 0xc8);
    rforms_i("fstp8", 0xdf, 0xd0);
    rforms_i("fstp9", 0xdf, 0xd8);
    rforms_i("fucomi", 0xdb, 0xe8);
    rforms_i("fcomi", 0xdb, 0xf0);
    rforms_i("fucomip", 0xdf, 0xe8);
    rforms_i("fcomip", 0xdf, 0xf0);
    static const char *const cm[8] = {"fcmovb",  "fcmove",  "fcmovbe",  "fcmovu",
                                      "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"};
    for (unsigned k = 0; k < 8; k++)
        rforms_i(cm[k], k < 4 ? 0xda : 0xdb, 0xc0 + 8 * (k & 3));
    static const struct {
        const char *name;
        u8 op, modrm;
    } one[] = {
        {"fnop", 0xd9, 0xd0},          {"fchs", 0xd9, 0xe0},      {"fabs", 0xd9, 0xe1},
        {"ftst", 0xd9, 0xe4},          {"fxam", 0xd9, 0xe5},      {"fld1", 0xd9, 0xe8},
        {"fldl2t", 0xd9, 0xe9},        {"fldl2e", 0xd9, 0xea},    {"fldpi", 0xd9, 0xeb},
        {"fldlg2", 0xd9, 0xec},        {"fldln2", 0xd9, 0xed},    {"fldz", 0xd9, 0xee},
        {"fxtract", 0xd9, 0xf4},       {"fprem1", 0xd9, 0xf5},    {"fdecstp", 0xd9, 0xf6},
        {"fincstp", 0xd9, 0xf7},       {"fprem", 0xd9, 0xf8},     {"fsqrt", 0xd9, 0xfa},
        {"frndint", 0xd9, 0xfc},       {"fscale", 0xd9, 0xfd},    {"fneni (nop)", 0xdb, 0xe0},
        {"fndisi (nop)", 0xdb, 0xe1},  {"fnclex", 0xdb, 0xe2},    {"fninit", 0xdb, 0xe3},
        {"fnsetpm (nop)", 0xdb, 0xe4}, {"fnstsw ax", 0xdf, 0xe0},
    };
    for (unsigned k = 0; k < ARRAY_LEN(one); k++)
        rform(one[k].name, one[k].op, one[k].modrm);
    {
        u8 wait = 0x9b;
        form("fwait", M_NONE, n_cases, 1, &wait);
    }
    /* control and environment */
    mform("fldcw m16", 0xd9, 5, M_CW, false);
    mform("fnstcw m16", 0xd9, 7, M_MEM, false);
    mform("fnstsw m16", 0xdd, 7, M_MEM, false);
    mform("fnstenv m28", 0xd9, 6, M_ENV, false);
    mform("fnstenv m14 (66)", 0xd9, 6, M_ENV16, true);
    mform("fldenv m28", 0xd9, 4, M_ENV, false);
    mform("fldenv m14 (66)", 0xd9, 4, M_ENV16, true);
    mform("fnsave m108", 0xdd, 6, M_SAVE, false);
    mform("fnsave m94 (66)", 0xdd, 6, M_SAVE16, true);
    mform("frstor m108", 0xdd, 4, M_SAVE, false);
    mform("frstor m94 (66)", 0xdd, 4, M_SAVE16, true);
    printf("diff x87: %d forms, %d cases, %d failed, %d with SKIP lines\n", d->forms, d->cases,
           d->failures, d->skipped);
    diff_free(d);
    return check_exit();
}
