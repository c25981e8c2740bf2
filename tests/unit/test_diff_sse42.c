/* Differential test of SSE4.2's packed compare-string instructions and PCMPGTQ against
 * the host processor: PCMPESTRI, PCMPESTRM, PCMPISTRI, PCMPISTRM with every one of the
 * 256 immediates (format, aggregation, polarity, output selection; bit 7 too), register
 * and unaligned memory sources, REX.W (64-bit explicit lengths) and high registers, from
 * inputs built to make the aggregations interesting: strings over a small alphabet with
 * nulls here and there, needles cut out of the haystack, ranges, and explicit lengths in
 * and out of range, negative, and with upper bits that only REX.W sees. ECX, XMM0-15,
 * CF/ZF/SF/OF/AF/PF, memory and MXCSR compared bit for bit. Then, in the emulator only:
 * #UD on a model without SSE4.2 (core2), alignment (#GP(0) for PCMPGTQ's m128, none for
 * the string forms), and which models report SSE4.2, AES and PCLMULQDQ in CPUID. */
#include "../diff/sse_enc.h"


static struct diff *d;

static void run(struct dform *f, unsigned n) { sse_run(d, f, n); }

/* A string-ish byte: mostly from a small alphabet (so elements compare equal, and as
 * signed and unsigned values differently), now and then random or null. */
static u8 str_byte(void)
{
    static const u8 alpha[] = {'a', 'b', 'c', 'z', 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x41};
    u64 r = diff_rand(d);
    if (r % 23 == 0) return 0;
    if (r % 5 == 0) return (u8)(r >> 16);
    return alpha[(r >> 8) % ARRAY_LEN(alpha)];
}

/* An explicit length: in range, just out of it, negative, or with high bits set. */
static u64 str_len(void)
{
    /* clang-format off */
    static const u64 edge[] = {0, 1, 7, 8, 9, 15, 16, 17, 0x7fffffff, 0x80000000, 0xffffffff,
                               0xfffffff0, 0x100000003ull, 0xffffffff00000005ull,
                               0x8000000000000000ull, 0x7fffffffffffffffull, ~0ull - 8};
    /* clang-format on */
    u64 r = diff_rand(d);
    if (r % 4 == 0) return edge[(r >> 8) % ARRAY_LEN(edge)];
    s64 v = (s64)((r >> 8) % 41) - 20; /* -20..20 */
    if (r >> 40 & 1) v = (s64)(u32)v;  /* negative only in the low 32 bits */
    return (u64)v;
}

static void fill_str(u8 *p)
{
    for (unsigned k = 0; k < 16; k++)
        p[k] = str_byte();
    u64 r = diff_rand(d);
    if (r % 3 == 0) p[(r >> 8) % 16] = 0; /* a null */
    if (r % 7 == 1)                       /* no null at all */
        for (unsigned k = 0; k < 16; k++)
            p[k] |= p[k] ? 0 : 0x20;
    if (r % 11 == 2) { /* a range pair list: lower <= upper mostly */
        for (unsigned k = 0; k + 1 < 16; k += 2)
            if (p[k] > p[k + 1] && (r >> (k + 20) & 1)) {
                u8 t = p[k];
                p[k] = p[k + 1], p[k + 1] = t;
            }
    }
}

/* Every XMM register and the memory around [rbx+DISP] hold strings; a needle is now and
 * then cut out of the haystack (xmm1 from xmm2/memory, xmm9 from xmm14); lengths in
 * RAX/RDX. */
static void prep_str(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    for (unsigned r = 0; r < 16; r++)
        fill_str(s->xmm[r]);
    for (unsigned k = 0; k < DIFF_MEM; k += 16)
        fill_str(s->mem + k);
    u64 r = diff_rand(d);
    if (r % 3 == 0) {
        unsigned at = (r >> 8) % 16, n = 1 + (r >> 16) % (16 - at);
        const u8 *hay = (r >> 24 & 1) ? s->xmm[2] : s->mem + DIFF_MEM / 2 + DISP + 3;
        memcpy(s->xmm[1], hay + at, n);
        if (r >> 25 & 1) s->xmm[1][n < 16 ? n : 15] = 0;
        memcpy(s->xmm[9], s->xmm[14] + at, n);
    }
    s->r[RAX] = str_len();
    s->r[RDX] = str_len();
}

static const char *const strname[4] = {"pcmpestrm", "pcmpestri", "pcmpistrm", "pcmpistri"};

static unsigned emu_run(const u8 *code, unsigned len)
{
    struct cpu *c = d->h->c;
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    c->cr0 &= ~(u64)(CR0_EM | CR0_TS);
    c->r[RBX] = HARNESS_DATA + 0x100;
    return (unsigned)harness_run(d->h, code, len, 100);
}

int main(void)
{
    d = diff_new(0x5eed0542);
    diff_sse_enable(d);
    struct dform f;
    unsigned reg_n = 120, mem_n = 30, alt_n = 30;
    for (unsigned op = 0; op < 4; op++)
        for (unsigned imm = 0; imm < 256; imm++) {
            const char *nm = strname[op];
            diff_begin(&f, FL_ARITH, 0, "%s xmm1,xmm2,%#x", nm, imm);
            sse_op_map(&f, 0x66, false, 0x3a, 0x60 + op, 1, 2, 0, (int)imm);
            f.prep = prep_str;
            run(&f, reg_n);
            diff_begin(&f, FL_ARITH, PTR_RBX, "%s xmm1,m128(unaligned),%#x", nm, imm);
            sse_op_map(&f, 0x66, false, 0x3a, 0x60 + op, 1, -1, DISP + 3, (int)imm);
            f.prep = prep_str;
            run(&f, mem_n);
            diff_begin(&f, FL_ARITH, 0, "%s.w xmm9,xmm14,%#x", nm, imm);
            sse_op_map(&f, 0x66, true, 0x3a, 0x60 + op, 9, 14, 0, (int)imm);
            f.prep = prep_str;
            run(&f, alt_n);
        }
    /* PCMPGTQ: random and edge quadwords, register and aligned memory sources. */
    diff_begin(&f, 0, 0, "pcmpgtq xmm1,xmm2");
    sse_op_map(&f, 0x66, false, 0x38, 0x37, 1, 2, 0, -1);
    run(&f, 2000);
    diff_begin(&f, 0, 0, "pcmpgtq xmm13,xmm6");
    sse_op_map(&f, 0x66, false, 0x38, 0x37, 13, 6, 0, -1);
    run(&f, 500);
    diff_begin(&f, 0, 0, "pcmpgtq xmm4,xmm4");
    sse_op_map(&f, 0x66, false, 0x38, 0x37, 4, 4, 0, -1);
    run(&f, 100);
    diff_begin(&f, 0, PTR_RBX, "pcmpgtq xmm3,m128");
    sse_op_map(&f, 0x66, false, 0x38, 0x37, 3, -1, DISP, -1);
    run(&f, 2000);

    /* Emulator only: a model without SSE4.2 (core2, Penryn) raises #UD; alignment. */
    struct harness *h = d->h;
    int model = h->m->cpu_model;
    static const u8 istri[] = {0x66, 0x0f, 0x3a, 0x63, 0xca, 0x0c}; /* pcmpistri xmm1,xmm2,12 */
    static const u8 istri_m[] = {0x66, 0x0f, 0x3a, 0x63, 0x4b, 0x03, 0x0c}; /* [rbx+3] */
    static const u8 gtq[] = {0x66, 0x0f, 0x38, 0x37, 0xca};
    static const u8 gtq_m[] = {0x66, 0x0f, 0x38, 0x37, 0x4b, 0x03}; /* pcmpgtq xmm1,[rbx+3] */
    static const u8 gtq_m0[] = {0x66, 0x0f, 0x38, 0x37, 0x4b, 0x00};
    CHECK_EQ("sse42.skylake.pcmpistri_runs", emu_run(istri, sizeof istri), (unsigned)-1);
    CHECK_EQ("sse42.unaligned_m128_string_ok", emu_run(istri_m, sizeof istri_m), (unsigned)-1);
    CHECK_EQ("sse42.pcmpgtq_unaligned_m128_gp", emu_run(gtq_m, sizeof gtq_m), (unsigned)EXC_GP);
    CHECK_EQ("sse42.pcmpgtq_aligned_m128_ok", emu_run(gtq_m0, sizeof gtq_m0), (unsigned)-1);
    u32 on[MACHINE_FEATURE_WORDS]; /* diff_new switches SSE4.2 on: the model's own set here */
    memcpy(on, h->m->features_on, sizeof on);
    memset(h->m->features_on, 0, sizeof on);
    machine_features_changed(h->m);
    h->m->cpu_model = cpu_model_lookup("core2");
    CHECK_EQ("sse42.core2.pcmpistri_ud", emu_run(istri, sizeof istri), (unsigned)EXC_UD);
    CHECK_EQ("sse42.core2.pcmpgtq_ud", emu_run(gtq, sizeof gtq), (unsigned)EXC_UD);
    static const u8 popcnt[] = {0xf3, 0x0f, 0xb8, 0xc1}; /* popcnt eax,ecx: POPCNT, not SSE4.2 */
    CHECK_EQ("popcnt.core2_ud", emu_run(popcnt, sizeof popcnt), (unsigned)EXC_UD);
    h->m->cpu_model = cpu_model_lookup("westmere");
    CHECK_EQ("sse42.westmere.pcmpistri_runs", emu_run(istri, sizeof istri), (unsigned)-1);
    CHECK_EQ("popcnt.westmere_runs", emu_run(popcnt, sizeof popcnt), (unsigned)-1);
    h->m->cpu_model = model;
    memcpy(h->m->features_on, on, sizeof on);
    machine_features_changed(h->m);
    harness_feature(h, FEAT_SSE42, false);
    CHECK_EQ("sse42.minus_sse42.pcmpistri_ud", emu_run(istri, sizeof istri), (unsigned)EXC_UD);
    harness_feature(h, FEAT_SSE42, true);
    h->c->cr4 &= ~(u64)CR4_OSFXSR;
    CHECK_EQ("sse42.no_osfxsr_ud", (unsigned)harness_run(h, istri, sizeof istri, 100),
             (unsigned)EXC_UD);
    h->c->cr4 |= CR4_OSFXSR;
    h->c->cr0 |= CR0_TS;
    CHECK_EQ("sse42.ts_nm", (unsigned)harness_run(h, istri, sizeof istri, 100), (unsigned)EXC_NM);
    h->c->cr0 &= ~(u64)CR0_TS;

    /* What each model reports: its real part's SSE4.2, AES-NI and PCLMULQDQ. */
    static const struct {
        const char *model;
        bool has;
    } want[] = {
        {"core2", false},
        {"westmere", true},
        {"skylake", true},
        {"icelake", true},
    };
    for (unsigned k = 0; k < ARRAY_LEN(want); k++) {
        struct cpu_features ft = cpu_model_features(cpu_model_lookup(want[k].model));
        char nm[80];
        snprintf(nm, sizeof nm, "cpuid.%s.sse42_aes_pclmulqdq", want[k].model);
        bool s42 = features_has(&ft, FEAT_SSE42), aes = features_has(&ft, FEAT_AES),
             clmul = features_has(&ft, FEAT_PCLMULQDQ), pop = features_has(&ft, FEAT_POPCNT);
        CHECK(nm,
              s42 == want[k].has && aes == want[k].has && clmul == want[k].has &&
                  pop == want[k].has,
              "sse4.2 %d aes %d pclmulqdq %d popcnt %d", s42, aes, clmul, pop);
    }

    printf("diff sse42: %d forms, %d cases, %d failed (host %s)\n", d->forms, d->cases, d->failures,
           d->vendor);
    diff_free(d);
    return check_exit();
}
