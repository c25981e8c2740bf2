/* Differential testing against the host processor.
 *
 * One instruction is run natively (in a generated function that loads registers and
 * RFLAGS from a state block, executes the instruction and stores them back) and in the
 * emulator (through the host-test harness in 64-bit mode), from the same inputs, and the
 * registers, the data buffer and the flags the SDM defines for that instruction and input
 * are compared.
 *
 * Memory operands use pointer registers: the state holds an offset into the data buffer,
 * turned into a host address for the native run and HARNESS_DATA + offset for the
 * emulated one; afterwards both are compared as offsets again. The host buffers are
 * mapped below 4 GiB so 32-bit address-size forms work natively too.
 *
 * The host may be Intel or AMD; Intel is the specification. Flags the SDM leaves undefined
 * are masked on every host. Where the vendors differ in defined behaviour, a form's
 * `vendor` hook names the difference and the registers and flags it touches for that
 * input: on an Intel host they are compared like everything else, on any other host they
 * are left out and the form prints one "SKIP" line naming the difference (the Intel
 * behaviour itself is then proved by an emulator test whose expected values come from
 * the SDM or from a native Intel run, never from the emulator).
 *
 * Register use: R15 holds the state pointer in the native stub and RSP is the real stack,
 * so instructions under test must not use either. */
#ifndef VP_TEST_DIFF_H
#define VP_TEST_DIFF_H

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>

#include "check.h"
#include "harness.h"
#include "cpu/cpumodel.h"
#include "cpu/flags.h"
#include "cpu/fpu.h" /* SSE: the XMM/MXCSR layout; x87: the FXSAVE image */

#define DIFF_MEM 1024        /* bytes of data buffer compared */
#define DIFF_NOPTR 0
#ifndef MAP_32BIT
#define MAP_32BIT 0 /* x86-64 only; other hosts stop in diff_new_mode() */
#endif

struct dstate {
    u64 r[16];
    u64 fl;
    u64 save_rsp;      /* compatibility-mode stub: the 64-bit stack pointer */
    u32 far_off;       /* and the far pointer to its 32-bit part */
    u16 far_sel;
    u8 mem[DIFF_MEM];
    /* --- SSE state (forms with `sse`): XMM0-15 and MXCSR --- */
    u8 xmm[16][16];
    u32 mxcsr;
    /* --- end SSE state --- */
    /* --- AVX state (forms with `avx`): bits 255:128 of YMM0-15 --- */
    u8 ymmh[16][16];
    /* --- end AVX state --- */
    /* --- x87 state (forms with `x87`): an FXSAVE64 image, ST0-7 in stack order --- */
    u8 x87[512] __attribute__((aligned(16)));
    u8 x87_host[512] __attribute__((aligned(16))); /* native: the host's own, kept aside */
    /* --- end x87 state --- */
};

/* Linux's flat 32-bit user code segment (__USER32_CS), for legacy-only instructions. */
#define DIFF_USER32_CS 0x23

/* One instruction form under test. */
struct dform {
    char name[64];
    u8 code[24]; /* the form, with whatever loads and stores it needs around it */
    unsigned len;
    u16 ptr_regs;   /* registers holding offsets into the data buffer */
    u64 flags;      /* defined flags compared (plus DF and every unaffected bit: see below) */
    /* Optional: adjust the random input (e.g. keep a divisor sane) and return a mask of
     * the defined flags for this input, or leave *flags alone. *ignore gets registers
     * whose result is undefined for this input. */
    void (*prep)(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore);
    /* Optional: for this input (after prep), the name of a defined behaviour in which
     * Intel and AMD processors differ, with the registers and flags it affects; NULL when
     * both vendors agree. */
    const char *(*vendor)(const struct dform *f, const struct dstate *in, u16 *regs, u64 *flags);
    int arg;        /* free for prep: operand size, operation... */
    bool sse;       /* SSE: XMM0-15 and MXCSR are loaded, run with and compared */
    bool x87;       /* x87: FCW, FSW, FTW and ST0-7 are loaded (by prep), run with, compared */
    bool avx;       /* AVX (with `sse`): YMM0-15 upper halves too, and the emulator runs
                       with AVX, AVX2, FMA and F16C on, CR4.OSXSAVE = 1 and XCR0 = 7 */
};

struct diff {
    struct harness *h;
    bool compat;    /* run in 32-bit code: native compatibility mode, emulated MODE_PROT */
    u8 *jit;        /* RWX page for the native stub, below 4 GiB */
    u8 *stack32;    /* stack below 4 GiB for the compatibility-mode part */
    u8 *hostmem;    /* native data buffer, below 4 GiB */
    u64 rng;
    sigjmp_buf fault;
    bool intel;     /* the host is an Intel processor: vendor differences are compared */
    char vendor[13];
    int forms, cases, failures, skipped;
};

/* The host processor's vendor string (CPUID leaf 0); tests may run host instructions. */
static inline void diff_host_vendor(char out[13])
{
    unsigned a = 0, b = 0, c = 0, d = 0;
#if defined(__x86_64__)
    __get_cpuid(0, &a, &b, &c, &d);
#else
    (void)a;
#endif
    memcpy(out, &b, 4);
    memcpy(out + 4, &d, 4);
    memcpy(out + 8, &c, 4);
    out[12] = 0;
}

/* The host runs VEX forms: CPUID.1:ECX.AVX[bit 28] and OSXSAVE[bit 27], and AVX state
 * among the XSAVE-supported components (CPUID.(0DH,0).EAX[2:1]; Linux enables all of
 * those it knows, AVX included). */
static inline bool diff_host_avx(void)
{
#if defined(__x86_64__)
    unsigned a = 0, b = 0, c = 0, e = 0;
    if (!__get_cpuid(1, &a, &b, &c, &e) || (c & (3u << 27)) != (3u << 27)) return false;
    if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &e)) return false;
    return (a & 6) == 6;
#else
    return false;
#endif
}

/* The SIGFPE from a native #DE lands here (signal handlers cannot take a context, so
 * the jump buffer is reached through this one static pointer, set only while a test
 * program's single differential runner exists). */
static sigjmp_buf *diff_fault_jmp;
static void diff_sigfpe(int sig)
{
    (void)sig;
    siglongjmp(*diff_fault_jmp, 1);
}

static inline u64 diff_rand(struct diff *d)
{
    /* xorshift64*: fixed seed, so every run tests the same inputs. */
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    return d->rng * 0x2545f4914f6cdd1dull;
}

/* Random operand value biased towards edge cases of every width. */
static inline u64 diff_value(struct diff *d)
{
    static const u64 edges[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
        0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
        ~0ull, ~0ull - 1, 0x8000000000000001ull, 0x0f, 0x10, 0x09, 0x99, 0x9a, 0xf0,
    };
    u64 r = diff_rand(d);
    switch (r & 7) {
    case 0: case 1: return edges[(r >> 8) % ARRAY_LEN(edges)];
    case 2: return edges[(r >> 8) % ARRAY_LEN(edges)] ^ (diff_rand(d) & 0xffffffff00000000ull);
    case 3: return diff_rand(d) & 0xff;
    case 4: return (u64)(s64)(s8)diff_rand(d);
    default: return diff_rand(d);
    }
}

static inline struct diff *diff_new_mode(u64 seed, bool compat)
{
#if !defined(__x86_64__)
    /* Nothing to compare with: the host cannot run x86 instructions (e.g. arm64). */
    printf("SKIP diff: the host is not x86-64, no native run to compare with\n");
    exit(0);
#endif
    struct diff *d = calloc(1, sizeof *d);
    d->compat = compat;
    d->h = harness_new(compat ? MODE_PROT : MODE_LONG);
    /* The host has these; the emulator implements them but offers them to guests only
     * when the whole extension is done (CRC32 is SSE4.2). Switch them on so the
     * implementations are compared with the host's. */
    for (unsigned k = 0; k < 1; k++) {
        static const enum feature on[1] = {FEAT_SSE42};
        d->h->m->features_on[on[k] / 32] |= 1u << (on[k] % 32);
    }
    machine_features_changed(d->h->m);
    d->stack32 = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    d->jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    d->hostmem = mmap(NULL, 2 * DIFF_MEM, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (d->jit == MAP_FAILED || d->hostmem == MAP_FAILED || d->stack32 == MAP_FAILED) {
        perror("diff: mmap");
        exit(2);
    }
    d->rng = seed;
    diff_host_vendor(d->vendor);
    d->intel = strcmp(d->vendor, "GenuineIntel") == 0;
    diff_fault_jmp = &d->fault;
    signal(SIGFPE, diff_sigfpe);
    return d;
}
static inline struct diff *diff_new(u64 seed) { return diff_new_mode(seed, false); }

static inline void diff_free(struct diff *d)
{
    munmap(d->jit, 4096);
    munmap(d->hostmem, 2 * DIFF_MEM);
    munmap(d->stack32, 8192);
    harness_free(d->h);
    free(d);
}

/* --- SSE: XMM0-15 and MXCSR in the state --------------------------------------------- */

/* An unmasked SIMD floating-point exception natively is #XM, which Linux turns into a
 * SIGFPE (si_code FPE_FLT*, where #DE gives FPE_INTDIV). The handler keeps XMM0-15 and
 * MXCSR as the fault left them (from the signal context) and returns to the #DE path. */
static bool diff_sse_xm;
static u8 diff_sse_ctx_xmm[16][16];
static u8 diff_sse_ctx_ymmh[16][16];
static u32 diff_sse_ctx_mxcsr;
#if defined(__x86_64__) && defined(__linux__)
static unsigned diff_ymmh_off; /* CPUID.(EAX=0DH,ECX=2).EBX: YMM_Hi128 in an XSAVE image */
#include <ucontext.h>
/* The YMM upper halves from the signal frame: Linux saves the state there as a standard-
 * format XSAVE image when the FXSAVE area's software-reserved bytes (offset 464) carry
 * FP_XSTATE_MAGIC1; the header's XSTATE_BV (offset 512) bit 2 clear means the component
 * was in its initial configuration, all zero (SDM 13.6, 13.4.2). */
static void diff_sse_ctx_upper(const u8 *img)
{
    memset(diff_sse_ctx_ymmh, 0, sizeof diff_sse_ctx_ymmh);
    if (!diff_ymmh_off || load_le(img + 464, 4) != 0x46505853u) return;
    u32 size = (u32)load_le(img + 468, 4);
    if (!(load_le(img + 512, 8) & 4) || size < diff_ymmh_off + 256) return;
    memcpy(diff_sse_ctx_ymmh, img + diff_ymmh_off, sizeof diff_sse_ctx_ymmh);
}
static void diff_sse_sigfpe(int sig, siginfo_t *si, void *uc_)
{
    (void)sig;
    ucontext_t *uc = uc_;
    diff_sse_xm = si->si_code != FPE_INTDIV && si->si_code != FPE_INTOVF;
    if (diff_sse_xm && uc->uc_mcontext.fpregs) {
        memcpy(diff_sse_ctx_xmm, uc->uc_mcontext.fpregs->_xmm, sizeof diff_sse_ctx_xmm);
        diff_sse_ctx_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
        diff_sse_ctx_upper((const u8 *)uc->uc_mcontext.fpregs);
    }
    siglongjmp(*diff_fault_jmp, 1);
}
#endif

/* Tests of SSE forms call this once: native #XM is then told apart from #DE. */
static inline void diff_sse_enable(struct diff *d)
{
    (void)d;
#if defined(__x86_64__) && defined(__linux__)
    unsigned a = 0, b = 0, c = 0, e = 0;
    if (__get_cpuid_count(0xd, 2, &a, &b, &c, &e) && a == 256) diff_ymmh_off = b;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = diff_sse_sigfpe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);
#endif
}

/* The native run faulted: #DE, or #XM with the registers the signal context holds (the
 * fault commits nothing else: `s` keeps the input's GPRs, flags and memory). */
static inline int diff_sse_fault(const struct dform *f, struct dstate *s)
{
    if (!diff_sse_xm) return EXC_DE;
    diff_sse_xm = false;
    memcpy(s->xmm, diff_sse_ctx_xmm, sizeof s->xmm);
    s->mxcsr = diff_sse_ctx_mxcsr;
    if (f->avx) memcpy(s->ymmh, diff_sse_ctx_ymmh, sizeof s->ymmh); /* AVX */
    return EXC_XM;
}

/* Native stub: [F3] REX 0F op modrm disp32 with base r15 (MOVDQU, LDMXCSR/STMXCSR). */
static inline unsigned diff_sse_emit(u8 *p, u8 pfx, u8 op, unsigned reg, unsigned disp)
{
    unsigned n = 0;
    if (pfx) p[n++] = pfx;
    p[n++] = 0x41 | (reg >= 8 ? 4 : 0);
    p[n++] = 0x0f;
    p[n++] = op;
    p[n++] = 0x80 | (reg & 7) << 3 | 7;
    memcpy(p + n, &disp, 4);
    return n + 4;
}
static inline u8 *diff_sse_stub_in(u8 *p)
{
    for (unsigned r = 0; r < 16; r++)
        p += diff_sse_emit(p, 0xf3, 0x6f, r, (unsigned)(offsetof(struct dstate, xmm) + 16 * r));
    p += diff_sse_emit(p, 0, 0xae, 2, (unsigned)offsetof(struct dstate, mxcsr)); /* ldmxcsr */
    return p;
}
static inline u8 *diff_sse_stub_out(u8 *p)
{
    for (unsigned r = 0; r < 16; r++)
        p += diff_sse_emit(p, 0xf3, 0x7f, r, (unsigned)(offsetof(struct dstate, xmm) + 16 * r));
    p += diff_sse_emit(p, 0, 0xae, 3, (unsigned)offsetof(struct dstate, mxcsr)); /* stmxcsr */
    return p;
}

/* AVX native stub: VINSERTF128 ymmR, ymmR, [r15+disp32], 1 after the XMM loads and
 * VEXTRACTF128 [r15+disp32], ymmR, 1 before the XMM stores (VEX.256.66.0F3A.W0 18/19,
 * three-byte VEX: R inverted, X = 1, B = 0 for r15). */
static inline u8 *diff_avx_emit(u8 *p, u8 op, unsigned reg, unsigned disp)
{
    unsigned vvvv = op == 0x18 ? reg : 0; /* 19: none, 1111b */
    *p++ = 0xc4;
    *p++ = (u8)((reg >= 8 ? 0 : 0x80) | 0x40 | 0x03);
    *p++ = (u8)((~vvvv & 15) << 3 | 0x04 | 0x01);
    *p++ = op;
    *p++ = (u8)(0x80 | (reg & 7) << 3 | 7);
    memcpy(p, &disp, 4);
    p[4] = 1;
    return p + 5;
}
static inline u8 *diff_avx_stub_in(u8 *p)
{
    for (unsigned r = 0; r < 16; r++)
        p = diff_avx_emit(p, 0x18, r, (unsigned)(offsetof(struct dstate, ymmh) + 16 * r));
    return p;
}
static inline u8 *diff_avx_stub_out(u8 *p)
{
    for (unsigned r = 0; r < 16; r++)
        p = diff_avx_emit(p, 0x19, r, (unsigned)(offsetof(struct dstate, ymmh) + 16 * r));
    *p++ = 0xc5, *p++ = 0xf8, *p++ = 0x77; /* vzeroupper: the host's code runs on */
    return p;
}

/* Emulator: the state in and out of the FXSAVE image; SSE enabled with #XM delivery. */
static inline void diff_sse_emu_in(struct cpu *c, const struct dstate *s)
{
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    c->cr0 &= ~(u64)(CR0_EM | CR0_TS);
    memcpy(&c->fpu.fxsave[FX_XMM0], s->xmm, sizeof s->xmm);
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, s->mxcsr);
}
static inline void diff_sse_emu_out(struct cpu *c, struct dstate *s)
{
    memcpy(s->xmm, &c->fpu.fxsave[FX_XMM0], sizeof s->xmm);
    s->mxcsr = (u32)load_le(&c->fpu.fxsave[FX_MXCSR], 4);
}

/* Emulator, AVX forms: the VEX extensions on (the emulator offers them to guests only
 * when each is complete), AVX state enabled (SDM 13.3), the upper halves in and out. */
static const enum feature diff_avx_feats[4] = {FEAT_AVX, FEAT_AVX2, FEAT_FMA, FEAT_F16C};
static inline void diff_avx_emu_in(struct harness *h, const struct dform *f, const struct dstate *s)
{
    struct cpu *c = h->c;
    for (unsigned k = 0; k < 4; k++) {
        u32 bit = 1u << (diff_avx_feats[k] % 32), *w = &h->m->features_on[diff_avx_feats[k] / 32];
        u32 was = *w;
        *w = f->avx ? was | bit : was & ~bit;
        if (*w != was) machine_features_changed(h->m);
    }
    if (!f->avx) return;
    c->cr4 |= CR4_OSXSAVE;
    c->xcr0 = 7;
    memcpy(c->fpu.ymmh, s->ymmh, sizeof s->ymmh);
}
static inline void diff_avx_emu_out(struct cpu *c, struct dstate *s)
{
    memcpy(s->ymmh, c->fpu.ymmh, sizeof s->ymmh);
}

/* Compare the YMM upper halves (equal by construction for forms without `avx`). */
static inline bool diff_avx_compare(const struct dstate *a, const struct dstate *b, char *buf,
                                    size_t n)
{
    for (unsigned r = 0; r < 16; r++) {
        if (memcmp(a->ymmh[r], b->ymmh[r], 16)) {
            snprintf(buf, n, "ymm%u[255:128] native %016llx:%016llx emulated %016llx:%016llx", r,
                     (unsigned long long)load_le(a->ymmh[r] + 8, 8),
                     (unsigned long long)load_le(a->ymmh[r], 8),
                     (unsigned long long)load_le(b->ymmh[r] + 8, 8),
                     (unsigned long long)load_le(b->ymmh[r], 8));
            return true;
        }
    }
    return false;
}

/* Compare XMM0-15 and MXCSR (equal by construction for forms without `sse`). */
static inline bool diff_sse_compare(const struct dstate *a, const struct dstate *b, char *buf,
                                    size_t n)
{
    for (unsigned r = 0; r < 16; r++) {
        if (memcmp(a->xmm[r], b->xmm[r], 16)) {
            u64 a0, a1, b0, b1;
            memcpy(&a0, a->xmm[r], 8), memcpy(&a1, a->xmm[r] + 8, 8);
            memcpy(&b0, b->xmm[r], 8), memcpy(&b1, b->xmm[r] + 8, 8);
            snprintf(buf, n, "xmm%u native %016llx:%016llx emulated %016llx:%016llx", r,
                     (unsigned long long)a1, (unsigned long long)a0, (unsigned long long)b1,
                     (unsigned long long)b0);
            return true;
        }
    }
    if (a->mxcsr != b->mxcsr) {
        snprintf(buf, n, "mxcsr native %#x emulated %#x", a->mxcsr, b->mxcsr);
        return true;
    }
    return false;
}

/* Floating-point operand values biased towards the edge cases: signed zeros, denormals
 * (smallest, largest, random), smallest/largest normals, infinities, QNaNs and SNaNs
 * with random payloads, ones, values near the overflow and underflow thresholds, rounding
 * ties, integers and random bits. `dbl` picks binary64, else binary32. */
static inline u64 diff_sse_fpvalue(struct diff *d, bool dbl)
{
    u64 r = diff_rand(d), x = diff_rand(d);
    unsigned fb = dbl ? 52 : 23, eb = dbl ? 11 : 8;
    u64 sign = (r >> 63) << (fb + eb), fmask = (1ull << fb) - 1, emax = (1ull << eb) - 1;
    u64 bias = emax >> 1, v;
    switch ((r >> 8) % 20) {
    case 0: v = 0; break;
    case 1: v = 1; break;                                    /* smallest denormal */
    case 2: v = fmask; break;                                /* largest denormal */
    case 3: v = x & fmask; break;                            /* denormal */
    case 4: v = 1ull << fb; break;                           /* smallest normal */
    case 5: v = ((emax - 1) << fb) | fmask; break;           /* largest normal */
    case 6: v = emax << fb; break;                           /* infinity */
    case 7: v = (emax << fb) | (1ull << (fb - 1)) | (x & (fmask >> 1)); break; /* QNaN */
    case 8: v = (emax << fb) | ((x & (fmask >> 1)) | 1); break;               /* SNaN */
    case 9: v = bias << fb; break;                           /* 1.0 */
    case 10: v = ((emax - 1 - (x & 3)) << fb) | (x >> 20 & fmask); break; /* near overflow */
    case 11: v = ((1 + (x & 3)) << fb) | (x >> 20 & fmask); break;        /* near underflow */
    case 12: v = ((bias + (x & 31)) << fb) | (x >> 20 & fmask & ~1ull) | 1; break; /* ties */
    case 13: v = ((bias + (x & 31)) << fb) | ((x >> 20 & fmask) & ~0xffull); break;
    case 14: v = ((bias - 30 + (x & 63)) << fb) | (x >> 20 & fmask); break;
    default: v = x & ((1ull << (fb + eb)) - 1); break;       /* random */
    }
    return sign | v;
}

/* Random SSE state: FP-biased XMM registers and memory, and MXCSR: every rounding mode,
 * DAZ and FTZ off and on, sticky flags sometimes set, exceptions masked except now and
 * then a random set unmasked. */
static inline void diff_sse_random(struct diff *d, const struct dform *f, struct dstate *s)
{
    memset(s->ymmh, 0, sizeof s->ymmh);
    if (!f->sse) {
        memset(s->xmm, 0, sizeof s->xmm);
        s->mxcsr = 0;
        return;
    }
    for (unsigned r = 0; r < 16; r++)
        for (unsigned k = 0; k < (f->avx ? 32u : 16u); k += 8) {
            u64 v, pick = diff_rand(d) % 8;
            if (pick < 3) v = diff_sse_fpvalue(d, false) | diff_sse_fpvalue(d, false) << 32;
            else if (pick < 6) v = diff_sse_fpvalue(d, true);
            else v = diff_value(d);
            memcpy(k < 16 ? s->xmm[r] + k : s->ymmh[r] + k - 16, &v, 8);
        }
    for (unsigned k = 0; k < DIFF_MEM; k += 8) {
        u64 v, pick = diff_rand(d) % 8;
        if (pick < 3) v = diff_sse_fpvalue(d, false) | diff_sse_fpvalue(d, false) << 32;
        else if (pick < 6) v = diff_sse_fpvalue(d, true);
        else continue;
        memcpy(s->mem + k, &v, 8);
    }
    u64 r = diff_rand(d);
    u32 mx = 0x1f80 | (u32)(r & 0x6000) | (u32)(r >> 16 & 0x8040);
    if ((r >> 20) % 4 == 0) mx |= (u32)(r >> 24) & 0x3f;            /* sticky flags */
    if ((r >> 30) % 8 == 0) mx &= ~((u32)(r >> 32) & 0x1f80);       /* some unmasked */
    s->mxcsr = mx;
}

/* --- end SSE ----------------------------------------------------------------------- */

/* --- x87: the FXSAVE image in the state -------------------------------------------- */

/* Native: FXSAVE64 the host's state aside and FXRSTOR64 the input before the instruction,
 * the reverse after (neither waits, so a pending exception of the input reaches the
 * instruction under test, which then raises #MF: SIGFPE). Emulator: the same image
 * through the FXSAVE conversion (fpu_image_in/out). */
static inline u8 *diff_x87_emit(u8 *p, unsigned reg, unsigned disp)
{
    *p++ = 0x49, *p++ = 0x0f, *p++ = 0xae, *p++ = (u8)(0x87 | reg << 3); /* REX.WB 0F AE /r [r15+d32] */
    memcpy(p, &disp, 4);
    return p + 4;
}
static inline u8 *diff_x87_stub_in(u8 *p)
{
    p = diff_x87_emit(p, 0, (unsigned)offsetof(struct dstate, x87_host));
    return diff_x87_emit(p, 1, (unsigned)offsetof(struct dstate, x87));
}
static inline u8 *diff_x87_stub_out(u8 *p)
{
    p = diff_x87_emit(p, 0, (unsigned)offsetof(struct dstate, x87));
    return diff_x87_emit(p, 1, (unsigned)offsetof(struct dstate, x87_host));
}
static inline void diff_x87_emu_in(struct cpu *c, const struct dstate *s)
{
    c->cr0 &= ~(u64)(CR0_EM | CR0_TS);
    fpu_image_in(c, s->x87, 416, true);
}
static inline void diff_x87_emu_out(struct cpu *c, struct dstate *s)
{
    fpu_image_out(c, s->x87, 416, true);
}
/* x87 forms put these pseudo-flags in their `flags`; a vendor hook that takes one away
 * leaves FSW.C1 (DIFF_X87_C1) or the whole x87 state (DIFF_X87_ALL) uncompared for that
 * input on other hosts than Intel. */
#define DIFF_X87_C1 (1ull << 62)
#define DIFF_X87_ALL (1ull << 63)
/* Set by a prep hook for an input whose result registers may differ by one unit in the last
 * place between vendors (the transcendentals on a non-Intel host): ST0-7 are then equal or
 * adjacent finite non-zero values of one sign, and C1 (which side the unrounded value lay)
 * is not compared. */
#define DIFF_X87_ULP (1ull << 61)
static inline bool diff_x87_adjacent(const u8 *x, const u8 *y)
{
    u64 mx = load_le(x, 8), my = load_le(y, 8);
    unsigned ex = (unsigned)load_le(x + 8, 2), ey = (unsigned)load_le(y + 8, 2);
    if ((ex ^ ey) & 0x8000 || (ex & 0x7fff) == 0x7fff || (ey & 0x7fff) == 0x7fff || !mx || !my)
        return false;
    /* the encodings' order is the magnitudes' order: exponent, then significand */
    unsigned __int128 ox = (unsigned __int128)(ex & 0x7fff) << 63 | (mx & ~(1ull << 63));
    unsigned __int128 oy = (unsigned __int128)(ey & 0x7fff) << 63 | (my & ~(1ull << 63));
    return ox + 1 == oy || oy + 1 == ox;
}

/* FCW, FSW (TOP, C0-C3, flags, ES, B), the abridged tag byte and ST0-7, bit for bit.
 * FOP/FIP/FDP are not compared here: AMD saves them only while an exception is pending. */
static inline bool diff_x87_compare(const struct dstate *a, const struct dstate *b, u64 flmask,
                                    char *buf, size_t n)
{
    static const char *const what[3] = {"fcw", "fsw", "ftw"};
    if (!(flmask & DIFF_X87_ALL)) return false;
    for (unsigned k = 0; k < 3; k++) {
        unsigned va = (unsigned)load_le(&a->x87[2 * k], k == 2 ? 1 : 2);
        unsigned vb = (unsigned)load_le(&b->x87[2 * k], k == 2 ? 1 : 2);
        if (k == 1 && (!(flmask & DIFF_X87_C1) || (flmask & DIFF_X87_ULP)))
            va &= ~0x200u, vb &= ~0x200u;
        if (va != vb) {
            snprintf(buf, n, "%s native %#x emulated %#x", what[k], va, vb);
            return true;
        }
    }
    for (unsigned r = 0; r < 8; r++) {
        const u8 *x = &a->x87[32 + 16 * r], *y = &b->x87[32 + 16 * r];
        if (memcmp(x, y, 10) && !((flmask & DIFF_X87_ULP) && diff_x87_adjacent(x, y))) {
            snprintf(buf, n, "st%u native %04x:%016llx emulated %04x:%016llx", r,
                     (unsigned)load_le(x + 8, 2), (unsigned long long)load_le(x, 8),
                     (unsigned)load_le(y + 8, 2), (unsigned long long)load_le(y, 8));
            return true;
        }
    }
    return false;
}
static inline void diff_x87_print(const char *what, const struct dstate *s)
{
    printf("  %s x87: fcw=%04x fsw=%04x ftw=%02x", what, (unsigned)load_le(s->x87, 2),
           (unsigned)load_le(s->x87 + 2, 2), s->x87[4]);
    for (unsigned r = 0; r < 8; r++)
        printf(" st%u=%04x:%016llx", r, (unsigned)load_le(&s->x87[32 + 16 * r + 8], 2),
               (unsigned long long)load_le(&s->x87[32 + 16 * r], 8));
    printf("\n");
}

/* --- end x87 ----------------------------------------------------------------------- */

/* --- Native stub ------------------------------------------------------------------- */

static inline unsigned emit_regmem(u8 *p, u8 opc, unsigned reg, unsigned disp)
{
    /* opc reg, [r15 + disp32] with REX.W (+R for r8-r15), REX.B for r15. */
    p[0] = 0x49 | (reg >= 8 ? 4 : 0);
    p[1] = opc;
    p[2] = 0x80 | (reg & 7) << 3 | 7;
    memcpy(p + 3, &disp, 4);
    return 7;
}

static inline void diff_build_stub(struct diff *d, const struct dform *f)
{
    u8 *p = d->jit;
    static const u8 prologue[] = {0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57,
                                  0x49, 0x89, 0xff}; /* push rbx..r15; mov r15, rdi */
    memcpy(p, prologue, sizeof prologue);
    p += sizeof prologue;
    if (f->x87) p = diff_x87_stub_in(p); /* x87 */
    unsigned fl = offsetof(struct dstate, fl);
    unsigned sv = offsetof(struct dstate, save_rsp), fp = offsetof(struct dstate, far_off);
    if (d->compat) {
        /* mov [r15+save_rsp], rsp; mov rsp, imm32 (a stack below 4 GiB) */
        *p++ = 0x49; *p++ = 0x89; *p++ = 0xa7; memcpy(p, &sv, 4); p += 4;
        u32 top = (u32)(uintptr_t)(d->stack32 + 8192 - 64);
        *p++ = 0x48; *p++ = 0xc7; *p++ = 0xc4; memcpy(p, &top, 4); p += 4;
    }
    *p++ = 0x41; *p++ = 0xff; *p++ = 0xb7; memcpy(p, &fl, 4); p += 4; /* push [r15+fl] */
    *p++ = 0x9d;                                                      /* popfq */
    for (unsigned r = 0; r < 15; r++)
        if (r != RSP) p += emit_regmem(p, 0x8b, r, r * 8);
    if (f->sse) p = diff_sse_stub_in(p); /* SSE */
    if (f->avx) p = diff_avx_stub_in(p); /* AVX */
    if (d->compat) {
        /* call far [r15+far_off] (m16:32) into 32-bit code: insn; retf. */
        *p++ = 0x41; *p++ = 0xff; *p++ = 0x9f; memcpy(p, &fp, 4); p += 4;
        /* 64-bit Linux runs with null DS/ES, unusable in 32-bit code: load the flat
         * user data selector (push 2Bh; pop ds; push 2Bh; pop es) first. */
        static const u8 seg32[] = {0x6a, 0x2b, 0x1f, 0x6a, 0x2b, 0x07};
        u8 *code32 = d->jit + 2048;
        memcpy(code32, seg32, sizeof seg32);
        memcpy(code32 + sizeof seg32, f->code, f->len);
        code32[sizeof seg32 + f->len] = 0xcb; /* retf */
    } else {
        memcpy(p, f->code, f->len);
        p += f->len;
    }
    for (unsigned r = 0; r < 15; r++)
        if (r != RSP) p += emit_regmem(p, 0x89, r, r * 8);
    if (f->avx) p = diff_avx_stub_out(p); /* AVX (before the XMM stores: VZEROUPPER) */
    if (f->sse) p = diff_sse_stub_out(p); /* SSE */
    *p++ = 0x9c;                                                      /* pushfq */
    *p++ = 0x41; *p++ = 0x8f; *p++ = 0x87; memcpy(p, &fl, 4); p += 4; /* pop [r15+fl] */
    if (f->x87) p = diff_x87_stub_out(p); /* x87 */
    if (d->compat) { /* mov rsp, [r15+save_rsp] */
        *p++ = 0x49; *p++ = 0x8b; *p++ = 0xa7; memcpy(p, &sv, 4); p += 4;
    }
    static const u8 epilogue[] = {0xfc, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c,
                                  0x5d, 0x5b, 0xc3}; /* cld; pop r15..rbx; ret */
    memcpy(p, epilogue, sizeof epilogue);
}

/* Run natively; returns -1 on completion or 0 for #DE. `s` is updated in place. */
static inline int diff_native(struct diff *d, const struct dform *f, struct dstate *s)
{
    u64 base = (u64)(uintptr_t)d->hostmem;
    struct dstate st = *s;
    for (unsigned r = 0; r < 16; r++)
        if (f->ptr_regs & (1u << r)) st.r[r] += base;
    memcpy(d->hostmem, s->mem, DIFF_MEM);
    st.far_off = (u32)(uintptr_t)(d->jit + 2048);
    st.far_sel = DIFF_USER32_CS;
    void (*fn)(struct dstate *) = (void (*)(struct dstate *))(uintptr_t)d->jit;
    if (sigsetjmp(d->fault, 1)) return diff_sse_fault(f, s); /* #DE, or #XM (SSE) */
    fn(&st);
    for (unsigned r = 0; r < 16; r++)
        if (f->ptr_regs & (1u << r)) st.r[r] -= base;
    memcpy(st.mem, d->hostmem, DIFF_MEM);
    *s = st;
    return -1;
}

/* Run in the emulator; returns harness_run's result. */
static inline int diff_emulated(struct diff *d, const struct dform *f, struct dstate *s)
{
    struct cpu *c = d->h->c;
    for (unsigned r = 0; r < 16; r++) {
        if (r == RSP) continue;
        c->r[r] = s->r[r] + ((f->ptr_regs & (1u << r)) ? HARNESS_DATA : 0);
    }
    if (f->x87) diff_x87_emu_in(c, s); /* x87 */
    cpu_set_rflags(c, s->fl);
    phys_copy_in(d->h->m, HARNESS_DATA, s->mem, DIFF_MEM);
    if (f->sse) diff_sse_emu_in(c, s); /* SSE */
    diff_avx_emu_in(d->h, f, s); /* AVX */
    if (d->compat) /* 32-bit code sees the low halves; keep pointers in range */
        for (unsigned r = 0; r < 16; r++) c->r[r] = (u32)c->r[r];
    int rc = harness_run(d->h, f->code, f->len, 1000000);
    /* Reaching the appended HLT is completion even while HLT itself is not implemented
     * (a #UD there, at the address after the instruction under test). */
    if (rc == EXC_UD && c->rip == HARNESS_CODE + f->len) rc = -1;
    for (unsigned r = 0; r < 16; r++) {
        if (r == RSP) continue;
        s->r[r] = c->r[r] - ((f->ptr_regs & (1u << r)) ? HARNESS_DATA : 0);
    }
    s->fl = cpu_get_rflags(c);
    if (f->x87) diff_x87_emu_out(c, s); /* x87 */
    phys_copy_out(d->h->m, HARNESS_DATA, s->mem, DIFF_MEM);
    if (f->sse) diff_sse_emu_out(c, s); /* SSE */
    if (f->avx) diff_avx_emu_out(c, s); /* AVX */
    return rc;
}

static const char *const diff_regname[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi",
                                              "rdi", "r8",  "r9",  "r10", "r11", "r12", "r13",
                                              "r14", "r15"};

/* Compare; returns a description of the first difference in buf, or false if equal. */
static inline bool diff_compare(const struct dstate *a, const struct dstate *b, u64 flmask,
                                u16 ignore, char *buf, size_t n)
{
    for (unsigned r = 0; r < 15; r++) {
        if (r == RSP || (ignore & (1u << r))) continue;
        if (a->r[r] != b->r[r]) {
            snprintf(buf, n, "%s native %#llx emulated %#llx", diff_regname[r],
                     (unsigned long long)a->r[r], (unsigned long long)b->r[r]);
            return true;
        }
    }
    if (diff_x87_compare(a, b, flmask, buf, n)) return true; /* x87 */
    if ((a->fl ^ b->fl) & flmask) {
        snprintf(buf, n, "flags native %#llx emulated %#llx (compared %#llx)",
                 (unsigned long long)a->fl, (unsigned long long)b->fl, (unsigned long long)flmask);
        return true;
    }
    for (unsigned k = 0; k < DIFF_MEM; k++) {
        if (a->mem[k] != b->mem[k]) {
            snprintf(buf, n, "mem[%u] native %#x emulated %#x", k, a->mem[k], b->mem[k]);
            return true;
        }
    }
    if (diff_sse_compare(a, b, buf, n)) return true; /* SSE */
    if (diff_avx_compare(a, b, buf, n)) return true; /* AVX */
    return false;
}

static inline void diff_print_state(const char *what, const struct dstate *s)
{
    printf("  %s:", what);
    for (unsigned r = 0; r < 15; r++)
        if (r != RSP && s->r[r]) printf(" %s=%#llx", diff_regname[r], (unsigned long long)s->r[r]);
    printf(" fl=%#llx", (unsigned long long)s->fl);
    if (s->mxcsr) { /* SSE */
        printf(" mxcsr=%#x", s->mxcsr);
        for (unsigned r = 0; r < 16; r++) {
            u64 lo, hi;
            memcpy(&lo, s->xmm[r], 8), memcpy(&hi, s->xmm[r] + 8, 8);
            if (lo | hi) printf(" xmm%u=%016llx:%016llx", r, (unsigned long long)hi, (unsigned long long)lo);
        }
        for (unsigned r = 0; r < 16; r++) { /* AVX */
            u64 lo = load_le(s->ymmh[r], 8), hi = load_le(s->ymmh[r] + 8, 8);
            if (lo | hi)
                printf(" ymm%u[255:128]=%016llx:%016llx", r, (unsigned long long)hi,
                       (unsigned long long)lo);
        }
    }
    printf("\n");
}

/* Fill a random input: registers, arithmetic flags (and DF if asked), memory. */
static inline void diff_random_state(struct diff *d, const struct dform *f, struct dstate *s,
                                     bool df)
{
    for (unsigned r = 0; r < 16; r++) s->r[r] = diff_value(d);
    s->r[RSP] = 0;
    s->r[R15] = 0;
    for (unsigned r = 0; r < 16; r++)
        if (f->ptr_regs & (1u << r)) s->r[r] = DIFF_MEM / 2;
    if (d->compat)
        for (unsigned r = 0; r < 16; r++) s->r[r] = (u32)s->r[r];
    s->fl = (diff_rand(d) & (FL_ARITH | (df ? FL_DF : 0))) | FL_FIXED1;
    for (unsigned k = 0; k < DIFF_MEM; k += 8) {
        u64 v = diff_value(d);
        memcpy(s->mem + k, &v, 8);
    }
    diff_sse_random(d, f, s); /* SSE */
}

/* Run `n` random inputs (after the prep hook) through one form; one CHECK line. */
static inline void diff_form(struct diff *d, const struct dform *f, unsigned n, bool df)
{
    char why[200] = "";
    const char *vendor_why = NULL;
    unsigned bad = 0, skipped = 0;
    struct dstate first_in = {{0}};
    if (f->avx && !diff_host_avx()) {
        printf("SKIP diff %s: the host has no AVX (or its OS does not enable it)\n", f->name);
        d->skipped++;
        return;
    }
    diff_build_stub(d, f);
    for (unsigned k = 0; k < n; k++) {
        struct dstate in, nat, emu;
        diff_random_state(d, f, &in, df);
        u64 flmask = f->flags;
        u16 ignore = 0;
        if (f->prep) f->prep(f, &in, &flmask, &ignore);
        u16 vregs = 0;
        u64 vflags = 0;
        const char *vw = f->vendor ? f->vendor(f, &in, &vregs, &vflags) : NULL;
        if (vw && !d->intel) { /* compare only what both vendors define alike */
            ignore |= vregs;
            flmask &= ~vflags;
            vendor_why = vw;
            skipped++;
        }
        /* DF and the bits no instruction here touches must be equal too. */
        flmask |= FL_DF | FL_FIXED1;
        nat = emu = in;
        int rn = diff_native(d, f, &nat);
        int re = diff_emulated(d, f, &emu);
        if (f->x87 && rn == EXC_DE && re == EXC_MF) rn = EXC_MF; /* x87: #MF is SIGFPE too */
        char w[160];
        bool differ;
        if (rn != re) {
            snprintf(w, sizeof w, "native stopped with %d, emulated with %d", rn, re);
            differ = true;
        } else if (rn == EXC_DE) {
            /* A fault commits nothing: compare the emulator with the input. */
            differ = diff_compare(&in, &emu, ~0ull, 0, w, sizeof w);
        } else {
            if (d->compat) /* 32-bit code: upper register halves are not architectural */
                for (unsigned r = 0; r < 16; r++) nat.r[r] = (u32)nat.r[r], emu.r[r] = (u32)emu.r[r];
            differ = diff_compare(&nat, &emu, flmask, ignore, w, sizeof w);
        }
        if (differ && bad++ == 0) {
            snprintf(why, sizeof why, "%s", w);
            first_in = in;
        }
    }
    d->forms++;
    d->cases += n;
    char name[96];
    snprintf(name, sizeof name, "diff %s", f->name);
    if (skipped) {
        printf("SKIP %s: %s: compared only on an Intel host (this host: %s), %u of %u inputs\n", name,
               vendor_why, d->vendor, skipped, n);
        d->skipped++;
    }
    CHECK(name, bad == 0, "%u of %u inputs differ; first: %s", bad, n, why);
    if (bad) {
        diff_print_state("input", &first_in);
        if (f->x87) diff_x87_print("input", &first_in); /* x87 */
        d->failures++;
    }
}

/* Build a form from bytes. */
static inline struct dform diff_make(const char *name, u64 flags, u16 ptr_regs, unsigned len, ...)
{
    struct dform f = {.len = len, .flags = flags, .ptr_regs = ptr_regs};
    snprintf(f.name, sizeof f.name, "%s", name);
    va_list ap;
    va_start(ap, len);
    for (unsigned k = 0; k < len; k++) f.code[k] = (u8)va_arg(ap, int);
    va_end(ap);
    return f;
}

/* Incremental encoder for building forms in loops. */
static inline void diff_begin(struct dform *f, u64 flags, u16 ptr_regs, const char *fmt, ...)
{
    memset(f, 0, sizeof *f);
    f->flags = flags;
    f->ptr_regs = ptr_regs;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->name, sizeof f->name, fmt, ap);
    va_end(ap);
}
static inline void diff_put(struct dform *f, unsigned byte) { f->code[f->len++] = (u8)byte; }
static inline void diff_put32(struct dform *f, u32 v)
{
    for (int k = 0; k < 4; k++) diff_put(f, (v >> (8 * k)) & 0xff);
}
/* Operand-size prefix for a size: 66 for 16-bit, REX.W (with extra REX bits) for 64. */
static inline void diff_size(struct dform *f, unsigned size, unsigned rex)
{
    if (size == 2) diff_put(f, 0x66);
    if (size == 8) rex |= 0x48;
    if (rex) diff_put(f, rex | 0x40);
}
static inline unsigned modrm(unsigned mod, unsigned reg, unsigned rm)
{
    return mod << 6 | (reg & 7) << 3 | (rm & 7);
}
static const char *const diff_sizename[9] = {"", "8", "16", "", "32", "", "", "", "64"};

#endif
