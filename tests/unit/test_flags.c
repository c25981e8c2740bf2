/* Lazy-flags engine (src/cpu/flags.h): every lazy op against flags computed from first
 * principles with wide arithmetic, exhaustively for bytes and on random values for wider
 * sizes; condition codes against their SDM definitions; RFLAGS get/set rules. */
#include "check.h"
#include "harness.h"
#include "cpu/flags.h"

static u64 rng = 0x243f6a8885a308d3ull;
static u64 rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static u64 parity_flag(u64 r)
{
    int bits = 0;
    for (int k = 0; k < 8; k++) bits += (r >> k) & 1;
    return bits % 2 == 0 ? FL_PF : 0;
}

/* Reference for ADD/ADC (sub = false) and SUB/SBB: exact sums in 128 bits. */
static u64 reference(unsigned size, u64 a, u64 b, unsigned cin, bool sub)
{
    unsigned bits = size * 8;
    u64 m = size_mask(size);
    a &= m;
    b &= m;
    u128 ur = sub ? (u128)a - b - cin : (u128)a + b + cin;
    s128 sa = sign_extend(a, size), sb = sign_extend(b, size);
    s128 sr = sub ? sa - sb - cin : sa + sb + cin;
    u64 r = (u64)ur & m;
    u64 f = 0;
    if (sub ? (u128)a < (u128)b + cin : ur > m) f |= FL_CF;
    if (sr != sign_extend(r, size)) f |= FL_OF;
    unsigned lo = sub ? (unsigned)((a & 15) - (b & 15) - cin) : (unsigned)((a & 15) + (b & 15) + cin);
    if (lo > 15) f |= FL_AF; /* carry out of / borrow into bit 3 */
    if (r == 0) f |= FL_ZF;
    if ((r >> (bits - 1)) & 1) f |= FL_SF;
    return f | parity_flag(r);
}

/* Run one ADD/ADC/SUB/SBB through the engine the way alu.c does. */
static u64 engine(struct cpu *c, unsigned size, u64 a, u64 b, unsigned cin, bool sub)
{
    cpu_set_rflags(c, cin ? FL_CF : 0);
    u64 carry = flags_cf(c);
    u64 r = sub ? a - b - carry : a + b + carry;
    flags_set(c, sub ? LF_SUB : LF_ADD, size, r, a & size_mask(size), b & size_mask(size));
    return cpu_get_rflags(c) & FL_ARITH;
}

int main(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    unsigned bad;

    /* Exhaustive bytes: ADD, ADC, SUB, SBB. */
    for (int sub = 0; sub < 2; sub++) {
        for (unsigned cin = 0; cin < 2; cin++) {
            bad = 0;
            u64 first = 0;
            for (unsigned a = 0; a < 256; a++)
                for (unsigned b = 0; b < 256; b++) {
                    u64 want = reference(1, a, b, cin, sub), got = engine(c, 1, a, b, cin, sub);
                    if (want != got && bad++ == 0) first = a << 8 | b;
                }
            char name[64];
            snprintf(name, sizeof name, "flags %s8 exhaustive", sub ? (cin ? "sbb" : "sub") : (cin ? "adc" : "add"));
            CHECK(name, bad == 0, "%u mismatches, first a=%#llx b=%#llx", bad,
                  (unsigned long long)(first >> 8), (unsigned long long)(first & 0xff));
        }
    }

    /* Random wider sizes, with edge values mixed in. */
    static const u64 edge[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
                               0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull};
    for (unsigned size = 2; size <= 8; size *= 2) {
        bad = 0;
        for (unsigned k = 0; k < 200000; k++) {
            u64 a = k & 1 ? edge[rnd() % ARRAY_LEN(edge)] : rnd();
            u64 b = k & 2 ? edge[rnd() % ARRAY_LEN(edge)] : rnd();
            unsigned cin = (k >> 2) & 1;
            bool sub = (k >> 3) & 1;
            if (reference(size, a, b, cin, sub) != engine(c, size, a, b, cin, sub)) bad++;
        }
        char name[64];
        snprintf(name, sizeof name, "flags add/adc/sub/sbb%u random", size * 8);
        CHECK(name, bad == 0, "%u mismatches", bad);
    }

    /* High bits beyond the operand size in the recorded values must not matter. */
    cpu_set_rflags(c, 0);
    flags_set(c, LF_ADD, 1, 0x1234500, 0xabcdef80, 0x77777780);
    CHECK_EQ("flags ignore bits above size", cpu_get_rflags(c) & FL_ARITH, FL_CF | FL_ZF | FL_PF | FL_OF);

    /* Logic: CF = OF = AF = 0. */
    cpu_set_rflags(c, FL_ARITH);
    flags_logic(c, 4, 0x80000000);
    CHECK_EQ("flags logic", cpu_get_rflags(c) & FL_ARITH, FL_SF | FL_PF);

    /* INC/DEC keep CF, whatever op came before. */
    cpu_set_rflags(c, 0);
    flags_set(c, LF_SUB, 4, 0 - 1ull, 0, 1); /* CF = 1 lazily */
    flags_incdec(c, LF_INC, 4, 0x80000000, 0x7fffffff);
    CHECK_EQ("flags inc keeps lazy CF", cpu_get_rflags(c) & FL_ARITH, FL_CF | FL_OF | FL_SF | FL_AF | FL_PF);
    flags_logic(c, 2, 1); /* CF = 0 lazily */
    flags_incdec(c, LF_DEC, 2, 0, 1);
    CHECK_EQ("flags dec keeps lazy CF=0", cpu_get_rflags(c) & FL_ARITH, FL_ZF | FL_PF);
    flags_incdec(c, LF_DEC, 1, 0xff, 0);
    flags_incdec(c, LF_DEC, 1, 0xfe, 0xff);
    CHECK_EQ("flags dec after dec", cpu_get_rflags(c) & FL_ARITH, FL_SF);

    /* LF_RES: PF/ZF/SF from the result, CF/AF/OF as given. */
    cpu_set_rflags(c, FL_ZF);
    flags_res(c, 8, 0x8000000000000003ull, FL_CF | FL_OF);
    CHECK_EQ("flags res", cpu_get_rflags(c) & FL_ARITH, FL_CF | FL_OF | FL_SF | FL_PF);

    /* flags_write replaces only the masked bits and keeps the rest of the lazy state. */
    flags_set(c, LF_SUB, 1, 0, 5, 5); /* ZF PF */
    flags_write(c, FL_CF, FL_CF);
    CHECK_EQ("flags write keeps others", cpu_get_rflags(c) & FL_ARITH, FL_CF | FL_ZF | FL_PF);

    /* Condition codes against their definitions (SDM Vol. 1 Table B-1), all 64 flag
     * combinations of CF ZF SF OF PF... reached through cpu_set_rflags, and again lazily
     * after CMP of random values. */
    bad = 0;
    for (unsigned k = 0; k < 20000; k++) {
        if (k < 64) {
            u64 v = (k & 1 ? FL_CF : 0) | (k & 2 ? FL_ZF : 0) | (k & 4 ? FL_SF : 0) |
                    (k & 8 ? FL_OF : 0) | (k & 16 ? FL_PF : 0);
            cpu_set_rflags(c, v);
        } else {
            unsigned size = 1u << (rnd() & 3);
            u64 a = rnd() & size_mask(size), b = k & 1 ? a : rnd() & size_mask(size);
            flags_set(c, LF_SUB, size, a - b, a, b);
        }
        /* Evaluate lazily first, then from the materialized flags. */
        bool lazy[16];
        for (unsigned cc = 0; cc < 16; cc++) lazy[cc] = cpu_cond(c, cc);
        u64 f = cpu_get_rflags(c);
        bool cf = f & FL_CF, zf = f & FL_ZF, sf = f & FL_SF, of = f & FL_OF, pf = f & FL_PF;
        bool want[16] = {of, !of, cf, !cf, zf, !zf, cf || zf, !cf && !zf,
                         sf, !sf, pf, !pf, sf != of, sf == of, zf || sf != of, !zf && sf == of};
        for (unsigned cc = 0; cc < 16; cc++)
            if (lazy[cc] != want[cc] || cpu_cond(c, cc) != want[cc]) bad++;
    }
    CHECK("flags cpu_cond all 16 conditions", bad == 0, "%u mismatches", bad);

    /* Unsigned/signed compare semantics through CMP: B, L for known pairs. */
    flags_set(c, LF_SUB, 4, 1 - 0xffffffffull, 1, 0xffffffff);
    CHECK("flags cmp 1,-1: below and greater", cpu_cond(c, 2) && cpu_cond(c, 0xf), "B %d G %d",
          cpu_cond(c, 2), cpu_cond(c, 0xf));

    /* RFLAGS: bit 1 reads as 1, reserved bits are dropped. */
    cpu_set_rflags(c, 0);
    CHECK_EQ("rflags bit 1 always set", cpu_get_rflags(c), FL_FIXED1);
    cpu_set_rflags(c, ~0ull & ~(u64)(FL_VM | FL_AC | FL_IF));
    CHECK_EQ("rflags reserved bits clear", cpu_get_rflags(c) & (BIT(3) | BIT(5) | BIT(15) | ~0x3fffffull), 0);

    /* IF change requests an event check; other changes do not. */
    c->check_events = false;
    cpu_set_rflags(c, FL_CF);
    CHECK("rflags no IF change: no event check", !c->check_events, "set");
    cpu_set_rflags(c, FL_IF);
    CHECK("rflags IF change: event check", c->check_events, "not set");

    /* AC change recomputes the mode (align_check needs CR0.AM, AC and CPL 3). */
    c->cr0 |= CR0_AM;
    c->cpl = 3;
    cpu_set_rflags(c, FL_AC);
    CHECK("rflags AC change updates align_check", c->align_check, "align_check %d", c->align_check);
    cpu_set_rflags(c, 0);
    CHECK("rflags AC clear updates align_check", !c->align_check, "align_check %d", c->align_check);
    c->cpl = 0;

    /* Materializing is idempotent and leaves non-arithmetic bits alone. */
    cpu_set_rflags(c, FL_DF | FL_IF);
    flags_set(c, LF_ADD, 8, 0, ~0ull, 1);
    u64 f1 = cpu_get_rflags(c), f2 = cpu_get_rflags(c);
    CHECK_EQ("rflags materialize idempotent", f1, f2);
    CHECK_EQ("rflags materialize keeps DF/IF", f1, FL_FIXED1 | FL_DF | FL_IF | FL_CF | FL_ZF | FL_PF | FL_AF);

    harness_free(h);
    return check_exit();
}
