/* Differential test of the SSE and SSE2 floating-point instructions against the host
 * processor: ADD/SUB/MUL/DIV/SQRT/MIN/MAX PS/PD/SS/SD, CMP PS/PD/SS/SD (predicates 0-7),
 * COMIS/UCOMIS S/D, AND/ANDN/OR/XOR PS/PD, SHUFPS/PD, UNPCKL/H PS/PD, MOVMSKPS/PD, every
 * conversion (PS<->PD, SS<->SD, DQ<->PS, DQ<->PD, SI<->SS/SD 32/64, PI<->PS/PD), RCP and
 * RSQRT (special inputs; see below), the 64-bit-half moves, LDMXCSR/STMXCSR. Register and
 * memory forms, from random XMM/memory/MXCSR states biased towards signed zeros,
 * denormals, NaNs of both kinds, infinities, ties, overflow/underflow thresholds, in every
 * rounding mode with DAZ and FTZ off and on, exceptions masked and (one input in eight)
 * some unmasked: those take #XM natively (SIGFPE, registers read from the signal context)
 * and in the emulator, and XMM0-15, MXCSR, GPRs, flags and memory are compared bit for
 * bit. */
#include "../diff/fp_edges.h"
#include "../diff/sse_enc.h"

#define N 400

static struct diff *d;

static void run(struct dform *f, unsigned n) { sse_run(d, f, n); }

static const char *const pfxname[4] = {"ps", "pd", "ss", "sd"};
static const unsigned pfxbyte[4] = {0, 0x66, 0xf3, 0xf2};

/* One xmm, xmm/m form in register and memory variants (and an unaligned memory variant
 * for the scalar and 64-bit forms). */
static void xmm_form(const char *name, unsigned pfx, unsigned op, int imm, u64 flags,
                     bool unaligned_ok)
{
    struct dform f;
    diff_begin(&f, flags, 0, "%s xmm1,xmm2", name);
    sse_op(&f, pfx, false, op, 1, 2, 0, imm);
    run(&f, N);
    diff_begin(&f, flags, 0, "%s xmm9,xmm14", name);
    sse_op(&f, pfx, false, op, 9, 14, 0, imm);
    run(&f, N / 4);
    diff_begin(&f, flags, PTR_RBX, "%s xmm3,m", name);
    sse_op(&f, pfx, false, op, 3, -1, DISP, imm);
    run(&f, N);
    if (unaligned_ok) {
        diff_begin(&f, flags, PTR_RBX, "%s xmm3,m (unaligned)", name);
        sse_op(&f, pfx, false, op, 3, -1, DISP + 0x13, imm);
        run(&f, N / 4);
    }
}

/* RCPPS/RSQRTPS: the SDM fixes the special cases only (zeros, denormals, infinities,
 * NaNs, negative RSQRT inputs, results that are tiny); the approximation bits of other
 * inputs differ between Intel and AMD processors and are checked against the SDM's error
 * bound by test_sse_exc. The inputs here are special. */
static void prep_approx(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    for (unsigned k = 0; k < 16; k += 4) {
        u32 a = diff_approx_special(d, f->arg), b = diff_approx_special(d, f->arg);
        memcpy(s->xmm[2] + k, &a, 4);
        memcpy(s->xmm[14] + k, &b, 4);
        memcpy(s->mem + DIFF_MEM / 2 + DISP + k, &a, 4);
    }
}

/* LDMXCSR: reserved bits clear (they are #GP, tested by test_sse_exc). */
static void prep_ldmxcsr(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    u32 v;
    memcpy(&v, s->mem + DIFF_MEM / 2 + DISP, 4);
    v &= 0xffff;
    memcpy(s->mem + DIFF_MEM / 2 + DISP, &v, 4);
}

/* Integer sources for CVTSI2SS/SD and CVTPI2PS/PD: edge integers in RCX and memory. */
static void prep_int(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    for (unsigned k = 0; k < 16; k += 8) {
        u64 v = diff_value(d);
        memcpy(s->mem + DIFF_MEM / 2 + DISP + k, &v, 8);
    }
}

/* The edge-case sweep: every pair of these values in xmm1/xmm2's low element (and the
 * next element too, for packed forms), under 16 MXCSR settings: the four rounding modes,
 * DAZ and FTZ both off or both on, exceptions all masked or all unmasked. */
#define EDGE_CASES (NEDGE * NEDGE * 16)
static unsigned edge_k;
static void prep_edges(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)flags, (void)ignore;
    unsigned k = edge_k++ % EDGE_CASES, a = k % NEDGE, b = k / NEDGE % NEDGE, m = k / NEDGE / NEDGE;
    for (unsigned e = 0; e < 2; e++) {
        unsigned ea = (a + e) % NEDGE, eb = (b + 3 * e) % NEDGE;
        if (f->arg) {
            memcpy(s->xmm[1] + 8 * e, &edge64[ea], 8);
            memcpy(s->xmm[2] + 8 * e, &edge64[eb], 8);
        } else {
            memcpy(s->xmm[1] + 4 * e, &edge32[ea], 4);
            memcpy(s->xmm[2] + 4 * e, &edge32[eb], 4);
        }
    }
    s->mxcsr = (m & 3) << 13 | ((m & 4) ? 0x8040 : 0) | ((m & 8) ? 0 : 0x1f80);
}
static void edge_form(const char *name, unsigned pfx, unsigned op, int imm, u64 flags, bool dbl)
{
    struct dform f;
    diff_begin(&f, flags, 0, "%s xmm1,xmm2 (edge pairs x 16 MXCSR)", name);
    sse_op(&f, pfx, false, op, 1, 2, 0, imm);
    f.prep = prep_edges, f.arg = dbl;
    edge_k = 0;
    run(&f, EDGE_CASES);
}

int main(void)
{
    d = diff_new(0x5eed0551);
    diff_sse_enable(d);
    struct dform f;
    char nm[64];

    /* Arithmetic and square root, four forms each. */
    static const struct { u8 op; const char *name; } ar[] = {
        {0x58, "add"}, {0x59, "mul"}, {0x5c, "sub"}, {0x5d, "min"},
        {0x5e, "div"}, {0x5f, "max"}, {0x51, "sqrt"},
    };
    for (unsigned a = 0; a < ARRAY_LEN(ar); a++)
        for (unsigned p = 0; p < 4; p++) {
            snprintf(nm, sizeof nm, "%s%s", ar[a].name, pfxname[p]);
            xmm_form(nm, pfxbyte[p], ar[a].op, -1, 0, p >= 2);
        }
    for (unsigned a = 0; a < ARRAY_LEN(ar); a++)
        for (unsigned p = 0; p < 4; p++) {
            snprintf(nm, sizeof nm, "%s%s", ar[a].name, pfxname[p]);
            edge_form(nm, pfxbyte[p], ar[a].op, -1, 0, p & 1);
        }
    /* Compares: every predicate. */
    static const char *const pred[8] = {"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"};
    for (unsigned p = 0; p < 4; p++)
        for (unsigned q = 0; q < 8; q++) {
            snprintf(nm, sizeof nm, "cmp%s%s", pred[q], pfxname[p]);
            xmm_form(nm, pfxbyte[p], 0xc2, (int)(q | (q == 3 ? 0xf8 : 0)), 0, p >= 2);
        }
    /* COMISS/UCOMISS/COMISD/UCOMISD: ZF, PF, CF set, OF, SF, AF cleared. */
    for (unsigned p = 0; p < 2; p++) {
        snprintf(nm, sizeof nm, "ucomis%c", p ? 'd' : 's');
        xmm_form(nm, pfxbyte[p], 0x2e, -1, FL_ARITH, true);
        snprintf(nm, sizeof nm, "comis%c", p ? 'd' : 's');
        xmm_form(nm, pfxbyte[p], 0x2f, -1, FL_ARITH, true);
    }
    for (unsigned p = 0; p < 4; p++) {
        snprintf(nm, sizeof nm, "cmplt%s", pfxname[p]);
        edge_form(nm, pfxbyte[p], 0xc2, 1, 0, p & 1);
        snprintf(nm, sizeof nm, "cmpneq%s", pfxname[p]);
        edge_form(nm, pfxbyte[p], 0xc2, 4, 0, p & 1);
    }
    for (unsigned p = 0; p < 2; p++) {
        edge_form(p ? "comisd" : "comiss", pfxbyte[p], 0x2f, -1, FL_ARITH, p);
        edge_form(p ? "ucomisd" : "ucomiss", pfxbyte[p], 0x2e, -1, FL_ARITH, p);
    }
    /* Logic, shuffles, unpacks. */
    static const struct { u8 op; const char *name; } lg[] = {
        {0x54, "and"}, {0x55, "andn"}, {0x56, "or"}, {0x57, "xor"}, {0x14, "unpckl"}, {0x15, "unpckh"},
    };
    for (unsigned a = 0; a < ARRAY_LEN(lg); a++)
        for (unsigned p = 0; p < 2; p++) {
            snprintf(nm, sizeof nm, "%s%s", lg[a].name, pfxname[p]);
            xmm_form(nm, pfxbyte[p], lg[a].op, -1, 0, false);
        }
    static const u8 shuf[] = {0x00, 0x1b, 0xe4, 0x4e, 0xb1, 0x03, 0xff};
    for (unsigned k = 0; k < ARRAY_LEN(shuf); k++)
        for (unsigned p = 0; p < 2; p++) {
            snprintf(nm, sizeof nm, "shuf%s $%#x", pfxname[p], shuf[k]);
            xmm_form(nm, pfxbyte[p], 0xc6, shuf[k], 0, false);
        }
    /* MOVMSKPS/PD eax, xmm; rax with REX.W; r10d, xmm12. */
    for (unsigned p = 0; p < 2; p++) {
        diff_begin(&f, 0, 0, "movmsk%s eax,xmm2", pfxname[p]);
        sse_op(&f, pfxbyte[p], false, 0x50, RAX, 2, 0, -1);
        run(&f, N / 2);
        diff_begin(&f, 0, 0, "movmsk%s r10,xmm12", pfxname[p]);
        sse_op(&f, pfxbyte[p], true, 0x50, R10, 12, 0, -1);
        run(&f, N / 2);
    }
    /* Conversions between the formats and to/from packed integers. */
    static const char *const c5a[4] = {"cvtps2pd", "cvtpd2ps", "cvtss2sd", "cvtsd2ss"};
    for (unsigned p = 0; p < 4; p++) xmm_form(c5a[p], pfxbyte[p], 0x5a, -1, 0, p != 1);
    for (unsigned p = 0; p < 4; p++) edge_form(c5a[p], pfxbyte[p], 0x5a, -1, 0, p & 1);
    edge_form("cvtps2dq", 0x66, 0x5b, -1, 0, false);
    edge_form("cvttps2dq", 0xf3, 0x5b, -1, 0, false);
    edge_form("cvtpd2dq", 0xf2, 0xe6, -1, 0, true);
    edge_form("cvttpd2dq", 0x66, 0xe6, -1, 0, true);
    static const char *const c5b[3] = {"cvtdq2ps", "cvtps2dq", "cvttps2dq"};
    for (unsigned p = 0; p < 3; p++) xmm_form(c5b[p], pfxbyte[p], 0x5b, -1, 0, false);
    xmm_form("cvttpd2dq", 0x66, 0xe6, -1, 0, false);
    xmm_form("cvtpd2dq", 0xf2, 0xe6, -1, 0, false);
    xmm_form("cvtdq2pd", 0xf3, 0xe6, -1, 0, true);
    /* CVTSI2SS/SD xmm, r/m32 and r/m64. */
    for (unsigned p = 2; p < 4; p++)
        for (unsigned w = 0; w < 2; w++) {
            const char *n = p == 2 ? "cvtsi2ss" : "cvtsi2sd";
            diff_begin(&f, 0, 0, "%s xmm1,%s", n, w ? "rcx" : "ecx");
            sse_op(&f, pfxbyte[p], w, 0x2a, 1, RCX, 0, -1);
            f.prep = prep_int;
            run(&f, N);
            diff_begin(&f, 0, PTR_RBX, "%s xmm1,m%s", n, w ? "64" : "32");
            sse_op(&f, pfxbyte[p], w, 0x2a, 1, -1, DISP + 4, -1);
            f.prep = prep_int;
            run(&f, N);
        }
    /* CVT(T)SS2SI / CVT(T)SD2SI r32/r64, xmm/m. */
    for (unsigned p = 2; p < 4; p++)
        for (unsigned t = 0; t < 2; t++)
            for (unsigned w = 0; w < 2; w++) {
                char base[32];
                snprintf(base, sizeof base, "cvt%s%s2si", t ? "t" : "", p == 2 ? "ss" : "sd");
                diff_begin(&f, 0, 0, "%s %s,xmm2", base, w ? "rdx" : "edx");
                sse_op(&f, pfxbyte[p], w, t ? 0x2c : 0x2d, RDX, 2, 0, -1);
                run(&f, N);
                diff_begin(&f, 0, PTR_RBX, "%s %s,m", base, w ? "r9" : "r9d");
                sse_op(&f, pfxbyte[p], w, t ? 0x2c : 0x2d, R9, -1, DISP + 8, -1);
                run(&f, N);
            }
    /* CVTPI2PS/PD xmm, mm/m64 and CVT(T)PS2PI / CVT(T)PD2PI mm, xmm/m: MMX registers
     * through memory (movq mm0/mm1, [rbx+...]; ...; movq [rbx+0x70], mm0; emms). */
    for (unsigned p = 0; p < 2; p++) {
        diff_begin(&f, 0, PTR_RBX, "cvtpi2%s xmm1,m64", pfxname[p]);
        sse_op(&f, pfxbyte[p], false, 0x2a, 1, -1, DISP, -1);
        f.prep = prep_int;
        run(&f, N);
        diff_begin(&f, 0, PTR_RBX, "cvtpi2%s xmm1,mm2", pfxname[p]);
        sse_op(&f, 0, false, 0x6f, 2, -1, DISP, -1); /* movq mm2, [rbx+DISP] */
        sse_op(&f, pfxbyte[p], false, 0x2a, 1, 2, 0, -1);
        diff_put(&f, 0x0f), diff_put(&f, 0x77);
        f.prep = prep_int;
        run(&f, N);
        for (unsigned t = 0; t < 2; t++) {
            diff_begin(&f, 0, PTR_RBX, "cvt%s%s2pi mm0,xmm2", t ? "t" : "", pfxname[p]);
            sse_op(&f, pfxbyte[p], false, t ? 0x2c : 0x2d, 0, 2, 0, -1);
            sse_op(&f, 0, false, 0x7f, 0, -1, DISP + 0x30, -1); /* movq [rbx+..], mm0 */
            diff_put(&f, 0x0f), diff_put(&f, 0x77);
            run(&f, N);
            diff_begin(&f, 0, PTR_RBX, "cvt%s%s2pi mm3,m", t ? "t" : "", pfxname[p]);
            sse_op(&f, pfxbyte[p], false, t ? 0x2c : 0x2d, 3, -1, DISP, -1);
            sse_op(&f, 0, false, 0x7f, 3, -1, DISP + 0x30, -1);
            diff_put(&f, 0x0f), diff_put(&f, 0x77);
            run(&f, N);
        }
    }
    /* RCP/RSQRT PS/SS: special inputs only (see prep_approx). */
    static const struct { u8 op; u8 pfx; const char *name; } ap[] = {
        {0x53, 0, "rcpps"}, {0x53, 0xf3, "rcpss"}, {0x52, 0, "rsqrtps"}, {0x52, 0xf3, "rsqrtss"},
    };
    for (unsigned a = 0; a < ARRAY_LEN(ap); a++) {
        diff_begin(&f, 0, 0, "%s xmm1,xmm2 (special inputs)", ap[a].name);
        sse_op(&f, ap[a].pfx, false, ap[a].op, 1, 2, 0, -1);
        f.prep = prep_approx, f.arg = ap[a].op == 0x52;
        run(&f, N);
        diff_begin(&f, 0, 0, "%s xmm9,xmm14 (special inputs)", ap[a].name);
        sse_op(&f, ap[a].pfx, false, ap[a].op, 9, 14, 0, -1);
        f.prep = prep_approx, f.arg = ap[a].op == 0x52;
        run(&f, N / 4);
        diff_begin(&f, 0, PTR_RBX, "%s xmm3,m (special inputs)", ap[a].name);
        sse_op(&f, ap[a].pfx, false, ap[a].op, 3, -1, DISP, -1);
        f.prep = prep_approx, f.arg = ap[a].op == 0x52;
        run(&f, N);
    }
    printf("SKIP diff rcp/rsqrt ps/ss on ordinary inputs: the approximation's bits are "
           "implementation-specific (Intel and AMD differ; the SDM gives only |error| <= "
           "1.5*2^-12), checked against that bound in test_sse_exc\n");
    /* The 64-bit-half moves. */
    static const struct { u8 pfx, op; bool mem; const char *name; } mv[] = {
        {0, 0x12, true, "movlps xmm1,m"}, {0, 0x12, false, "movhlps xmm1,xmm2"},
        {0x66, 0x12, true, "movlpd xmm1,m"}, {0, 0x13, true, "movlps m,xmm1"},
        {0x66, 0x13, true, "movlpd m,xmm1"}, {0, 0x16, true, "movhps xmm1,m"},
        {0, 0x16, false, "movlhps xmm1,xmm2"}, {0x66, 0x16, true, "movhpd xmm1,m"},
        {0, 0x17, true, "movhps m,xmm1"}, {0x66, 0x17, true, "movhpd m,xmm1"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(mv); k++) {
        diff_begin(&f, 0, mv[k].mem ? PTR_RBX : 0, "%s", mv[k].name);
        sse_op(&f, mv[k].pfx, false, mv[k].op, 1, mv[k].mem ? -1 : 2, DISP + 8, -1);
        run(&f, N / 4);
    }
    /* LDMXCSR / STMXCSR. */
    diff_begin(&f, 0, PTR_RBX, "ldmxcsr m32; stmxcsr m32");
    sse_op(&f, 0, false, 0xae, 2, -1, DISP, -1);
    sse_op(&f, 0, false, 0xae, 3, -1, DISP + 0x20, -1);
    f.prep = prep_ldmxcsr;
    run(&f, N / 4);
    diff_begin(&f, 0, PTR_RBX, "stmxcsr m32");
    sse_op(&f, 0, false, 0xae, 3, -1, DISP + 3, -1);
    run(&f, N / 4);

    printf("diff sse: %d forms, %d cases, %d failed, %d with vendor skips (host %s)\n", d->forms,
           d->cases, d->failures, d->skipped, d->vendor);
    diff_free(d);

    /* 32-bit code (compatibility mode natively, protected mode in the emulator): 32-bit
     * addressing, no REX. */
    d = diff_new_mode(0x5eed0553, true);
    diff_sse_enable(d);
    static const struct { u8 pfx, op; int imm; const char *name; } c32[] = {
        {0, 0x58, -1, "addps"}, {0xf2, 0x5e, -1, "divsd"}, {0x66, 0xc2, 2, "cmplepd"},
        {0xf3, 0x5a, -1, "cvtss2sd"}, {0x66, 0xe6, -1, "cvttpd2dq"}, {0, 0xc6, 0x1b, "shufps"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(c32); k++) {
        diff_begin(&f, 0, 0, "%s xmm1,xmm2 (32-bit code)", c32[k].name);
        sse_op(&f, c32[k].pfx, false, c32[k].op, 1, 2, 0, c32[k].imm);
        run(&f, N / 2);
        diff_begin(&f, 0, PTR_RBX, "%s xmm3,[ebx+disp8] (32-bit code)", c32[k].name);
        sse_op(&f, c32[k].pfx, false, c32[k].op, 3, -1, DISP, c32[k].imm);
        run(&f, N / 2);
    }
    diff_begin(&f, 0, 0, "cvtsi2ss xmm1,ecx (32-bit code)");
    sse_op(&f, 0xf3, false, 0x2a, 1, RCX, 0, -1);
    run(&f, N / 2);
    diff_begin(&f, 0, 0, "cvtsd2si edx,xmm2 (32-bit code)");
    sse_op(&f, 0xf2, false, 0x2d, RDX, 2, 0, -1);
    run(&f, N / 2);
    diff_begin(&f, 0, 0, "movmskpd eax,xmm2 (32-bit code)");
    sse_op(&f, 0x66, false, 0x50, RAX, 2, 0, -1);
    run(&f, N / 2);
    printf("diff sse (32-bit code): %d forms, %d cases, %d failed (host %s)\n", d->forms,
           d->cases, d->failures, d->vendor);
    diff_free(d);
    return check_exit();
}
