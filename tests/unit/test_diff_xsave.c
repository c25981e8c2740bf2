/* Differential test of XSAVE, XSAVEOPT, XSAVEC, XRSTOR (standard and compacted) and XGETBV
 * against the host processor, in 64-bit mode, with and without REX.W, from random x87
 * (FCW, FSW, abridged tags, FOP, FIP, FDP, ST0-7) and SSE (XMM0-15, MXCSR) states, with
 * RFBM = EDX:EAX = 1, 2 and 3 (the host's XCR0 may enable more components: RFBM keeps the
 * host to x87 and SSE), and again with AVX state (component 2, YMM_Hi128: the upper halves
 * of YMM0-15 random too, RFBM 1-7). The area is the data buffer's first 576 bytes (legacy
 * region and header; 832 with component 2), compared byte for byte together with the state
 * after the instruction; XRSTOR
 * gets valid headers with every XSTATE_BV (the init values of cleared components) and
 * invalid ones (reserved header bytes, XSTATE_BV outside XCOMP_BV, reserved MXCSR bits,
 * a misaligned area), which must #GP on both. XGETBV's result is compared in bits 1:0, or
 * 2:0 with AVX state (the host's XCR0 has more). XSAVES/XRSTORS are privileged and tested
 * in test_xsave. */
#include "../diff/diff.h"
#include "cpu/xsave.h"

#define PTR_RBX (1u << RBX)
static unsigned n_cases = 300;
static bool native_segv;

static void on_segv(int sig)
{
    (void)sig;
    native_segv = true;
    siglongjmp(*diff_fault_jmp, 1);
}

enum kind { K_SAVE, K_RSTOR, K_RSTOR_BAD, K_XGETBV };

/* A random x87 image in the FXSAVE64 layout (stack order), consistent with s->mxcsr. */
static void rnd_x87(struct diff *d, struct dstate *s)
{
    memset(s->x87, 0, sizeof s->x87);
    u64 r = diff_rand(d);
    u16 fcw = (u16)((r & 0x0f3f) | 0x40), fsw = (u16)(r >> 16) & (u16)~0x8080;
    if (fsw & ~fcw & 0x3f) fsw |= 0x8080; /* ES and B as the flags and masks say */
    store_le(&s->x87[FX_FCW], 2, fcw);
    store_le(&s->x87[FX_FSW], 2, fsw);
    s->x87[FX_FTW] = (u8)(r >> 32);
    store_le(&s->x87[FX_FOP], 2, (r >> 40) & 0x7ff);
    store_le(&s->x87[FX_FIP], 8, diff_rand(d) & 0x7fffffffffffull);
    store_le(&s->x87[FX_FDP], 8, diff_rand(d) & 0x7fffffffffffull);
    store_le(&s->x87[FX_MXCSR], 4, s->mxcsr);
    for (unsigned k = 0; k < 8; k++) {
        store_le(&s->x87[FX_ST0 + 16 * k], 8, diff_rand(d));
        store_le(&s->x87[FX_ST0 + 16 * k + 8], 2, diff_rand(d));
    }
}

/* A random legacy region and header for XRSTOR: valid for `bad` == 0, else broken in one
 * of four ways. Returns the offset of the area. */
static unsigned rnd_area(struct diff *d, struct dstate *s, bool compact, unsigned bad, bool avx)
{
    u8 *a = s->mem;
    struct dstate t;
    t.mxcsr = s->mxcsr ^ ((u32)diff_rand(d) & 0x7f3f);
    rnd_x87(d, &t);
    memcpy(a, t.x87, 160);
    for (unsigned k = 160; k < 416; k++) a[k] = (u8)diff_rand(d);
    store_le(a + FX_MXCSR, 4, t.mxcsr);
    memset(a + 512, 0, 64);
    unsigned cm = avx ? 7 : 3; /* the components under test */
    for (unsigned k = XSAVE_YMM_OFF; avx && k < XSAVE_MAX; k++) a[k] = (u8)diff_rand(d);
    u64 bv = diff_rand(d) & cm, comp = (bv | (diff_rand(d) & cm)) | XCOMP_BV_COMPACT;
    store_le(a + 512, 8, bv);
    if (compact) store_le(a + 520, 8, comp);
    switch (bad) {
    case 1: a[compact ? 528 + diff_rand(d) % 48 : 520 + diff_rand(d) % 16] = 1; break;
    case 2: /* bit 17 is AMD's misaligned-exception mask: left out */
        store_le(a + FX_MXCSR, 4, t.mxcsr | 0x40000u << (diff_rand(d) % 14) | 0x10000);
        if (compact) store_le(a + 512, 8, bv | 2), store_le(a + 520, 8, comp | 2);
        break;
    case 3:
        if (compact) store_le(a + 520, 8, XCOMP_BV_COMPACT | (bv & 1)), store_le(a + 512, 8, 2);
        else a[520 + 8 + diff_rand(d) % 8] = 0x80;
        break;
    case 4: return 64 + 8 * (1 + (unsigned)(diff_rand(d) % 7)); /* misaligned */
    }
    return 0;
}

static void run(struct diff *d, const char *name, const u8 *code, unsigned len, enum kind k,
                bool compact, bool avx)
{
    struct dform f;
    diff_begin(&f, DIFF_X87_ALL | DIFF_X87_C1, PTR_RBX, "%s", name);
    memcpy(f.code, code, len);
    f.len = len;
    f.sse = f.x87 = true;
    f.avx = avx; /* the emulator then runs with XCR0 = 7 */
    if (avx && !diff_host_avx()) {
        printf("SKIP diff %s: the host has no AVX state\n", name);
        d->skipped++;
        return;
    }
    diff_build_stub(d, &f);
    unsigned bad = 0;
    char why[200] = "";
    for (unsigned n = 0; n < n_cases; n++) {
        struct dstate in, nat, emu;
        diff_random_state(d, &f, &in, false);
        rnd_x87(d, &in);
        in.r[RAX] = 1 + n % (avx ? 7 : 3);
        in.r[RDX] = 0;
        in.r[RBX] = 0;
        if (k == K_XGETBV) in.r[RCX] = n & 1;
        if (k == K_RSTOR) in.r[RBX] = rnd_area(d, &in, compact, 0, avx);
        if (k == K_RSTOR_BAD) in.r[RBX] = rnd_area(d, &in, compact, 1 + n % 4, avx);
        if (k == K_SAVE) { /* the header the save leaves alone must stay: random */
            for (unsigned j = 512; j < 576; j++) in.mem[j] = (u8)diff_rand(d);
            in.mem[512] &= avx ? 7 : 3; /* XSTATE_BV of components the host has: valid */
            memset(in.mem + 513, 0, 7);
        }
        nat = emu = in;
        native_segv = false;
        int rn = diff_native(d, &f, &nat);
        if (native_segv) rn = EXC_GP;
        struct cpu *c = d->h->c;
        c->cr4 |= CR4_OSXSAVE;
        c->xcr0 = 3;
        int re = diff_emulated(d, &f, &emu);
        char w[160];
        bool differ;
        if (rn != re) {
            snprintf(w, sizeof w, "native stopped with %d, emulated with %d", rn, re);
            differ = true;
        } else if (rn >= 0) {
            differ = false; /* both faulted: nothing was committed natively to compare */
        } else {
            if (!d->intel) { /* AMD: FOP/FIP/FDP only with ES set, its own MXCSR_MASK */
                memset(nat.mem + FX_FOP, 0, FX_MXCSR - FX_FOP), memset(nat.mem + 28, 0, 4);
                memset(emu.mem + FX_FOP, 0, FX_MXCSR - FX_FOP), memset(emu.mem + 28, 0, 4);
            }
            differ = diff_compare(&nat, &emu, f.flags, 0, w, sizeof w);
            /* FOP, FIP, FDP (and their selectors) too: diff_x87_compare leaves them out */
            for (unsigned j = FX_FOP; d->intel && !differ && j < FX_MXCSR; j++)
                if (nat.x87[j] != emu.x87[j]) {
                    snprintf(w, sizeof w, "x87 image byte %u native %#x emulated %#x", j,
                             nat.x87[j], emu.x87[j]);
                    differ = true;
                }
        }
        if (differ && bad++ == 0) snprintf(why, sizeof why, "case %u (eax %llu): %s", n,
                                           (unsigned long long)in.r[RAX], w);
    }
    d->forms++;
    d->cases += (int)n_cases;
    char nm[96];
    snprintf(nm, sizeof nm, "diff %s", name);
    CHECK(nm, bad == 0, "%u of %u inputs differ; first: %s", bad, n_cases, why);
    if (bad) d->failures++;
}

int main(int argc, char **argv)
{
    if (argc > 1) n_cases = (unsigned)atoi(argv[1]);
#if defined(__x86_64__)
    unsigned a, b, cc, dd;
    __cpuid_count(1, 0, a, b, cc, dd);
    bool osx = (cc >> 27) & 1;
    __cpuid_count(0xd, 1, a, b, cc, dd);
    if (!osx || (a & 3) != 3) {
        printf("SKIP diff xsave: the host lacks XSAVE, XSAVEOPT or XSAVEC\n");
        return 0;
    }
#endif
    struct diff *d = diff_new(0x5eed05a7e);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    static const struct {
        const char *name;
        u8 op, reg;
        enum kind k;
        bool compact;
    } forms[] = {
        {"xsave", 0xae, 4, K_SAVE, false},       {"xsaveopt", 0xae, 6, K_SAVE, false},
        {"xsavec", 0xc7, 4, K_SAVE, false},      {"xrstor", 0xae, 5, K_RSTOR, false},
        {"xrstor compacted", 0xae, 5, K_RSTOR, true},
        {"xrstor #GP", 0xae, 5, K_RSTOR_BAD, false},
        {"xrstor compacted #GP", 0xae, 5, K_RSTOR_BAD, true},
    };
    diff_sse_enable(d); /* the signal frame's offset of component 2, for diff_host_avx */
    sigaction(SIGSEGV, &sa, NULL);
    for (unsigned avx = 0; avx < 2; avx++)
        for (unsigned w = 0; w < 2; w++)
            for (unsigned k = 0; k < ARRAY_LEN(forms); k++) {
                u8 code[8];
                unsigned n = 0;
                if (w) code[n++] = 0x48;
                code[n++] = 0x0f, code[n++] = forms[k].op, code[n++] = (u8)(forms[k].reg << 3 | 3);
                char nm[64];
                snprintf(nm, sizeof nm, "%s%s [rbx]%s", forms[k].name, w ? "64" : "",
                         avx ? " (AVX state)" : "");
                run(d, nm, code, n, forms[k].k, forms[k].compact, avx);
            }
    /* xgetbv; and eax, 3 (7); xor edx, edx */
    static const u8 xgetbv[] = {0x0f, 0x01, 0xd0, 0x83, 0xe0, 0x03, 0x31, 0xd2};
    run(d, "xgetbv ecx=0,1 (bits 1:0)", xgetbv, sizeof xgetbv, K_XGETBV, false, false);
    static const u8 xgetbv7[] = {0x0f, 0x01, 0xd0, 0x83, 0xe0, 0x07, 0x31, 0xd2};
    run(d, "xgetbv ecx=0,1 (bits 2:0, AVX state)", xgetbv7, sizeof xgetbv7, K_XGETBV, false, true);
    printf("diff xsave: %d forms, %d cases, %d failed\n", d->forms, d->cases, d->failures);
    diff_free(d);
    return check_exit();
}
