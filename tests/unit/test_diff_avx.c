/* Differential test of the VEX-encoded floating-point instructions (AVX) against the host
 * processor: every form of avx_fp.c and avx_fp2.c in VEX.128 and VEX.256 (where valid),
 * register forms (low and high registers: VEX.R, VEX.B, vvvv >= 8) and memory forms
 * (unaligned where allowed), from the random states of test_diff_sse (signed zeros,
 * denormals, NaNs of both kinds, infinities, every rounding mode, DAZ/FTZ, some
 * exceptions unmasked: #XM natively is SIGFPE, the registers then come from the signal
 * frame's XSAVE image), plus an edge-case sweep for the arithmetic, compares, rounding and
 * conversions (every pair of fp_edges.h's values under 16 MXCSR settings), and 32-bit-code
 * forms. XMM0-15, the YMM upper halves, MXCSR, GPRs, flags and memory are compared bit for
 * bit. What the host cannot show (#UD rules, alignment, fault suppression) is in
 * test_avx_fp.c. */
#include "../diff/fp_edges.h"
#include "../diff/vex_enc.h"

#define N 160

static struct diff *d;

/* Form kinds: which VEX.L values, operands and extras a row has. */
enum {
    L0 = 1, L1 = 2, LB = 3, /* VEX.128, VEX.256, both */
    NOV = 4,                /* no first source: vvvv = 1111b */
    REGF = 8, MEMF = 16,    /* register / memory r/m only (default both) */
    GD = 32,                /* ModRM.reg is a general register (r32, r64 with W1) */
    GS = 64,                /* ModRM.r/m is a general register or memory (integer) */
    FL = 128,               /* flags are results */
    W64 = 256,              /* also the VEX.W1 (64-bit integer) form */
    UNAL = 512,             /* also an unaligned memory operand */
    STORE = 1024,           /* r/m is the destination (memory stores, reg-to-r/m forms) */
};

struct vform {
    const char *name;
    u8 pp, map, op;
    int imm;
    u16 kind;
    void (*prep)(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore);
};

static const unsigned ppbyte[4] = {0, 0x66, 0xf3, 0xf2};

/* LDMXCSR: reserved bits clear in the source (their #GP is in test_avx_fp). */
static void prep_ldmxcsr(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    s->mem[DIFF_MEM / 2 + DISP + 2] = 0, s->mem[DIFF_MEM / 2 + DISP + 3] = 0;
}

/* RCP/RSQRT: special inputs only in the r/m sources (YMM3, YMM12, memory), as in
 * test_diff_sse; the approximation of ordinary inputs is checked by test_sse_exc. */
static void prep_approx(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)flags, (void)ignore;
    for (unsigned k = 0; k < 32; k += 4) {
        u32 a = diff_approx_special(d, f->arg), b = diff_approx_special(d, f->arg);
        memcpy(k < 16 ? s->xmm[3] + k : s->ymmh[3] + k - 16, &a, 4);
        memcpy(k < 16 ? s->xmm[12] + k : s->ymmh[12] + k - 16, &b, 4);
        memcpy(s->mem + DIFF_MEM / 2 + DISP + k, &a, 4);
    }
}

/* Register numbers of a variant: destination, first source, r/m. */
struct regs { unsigned reg, v, rm; };

static void emit(struct dform *f, const struct vform *v, bool l, bool w, struct regs r, int rm,
                 unsigned disp)
{
    unsigned vv = (v->kind & NOV) ? 0 : r.v;
    vex_op(f, ppbyte[v->pp], v->map, w, l, v->op, r.reg, vv, rm, disp, v->imm);
}

/* Every variant of one form. */
static void run_form(const struct vform *v, unsigned n)
{
    struct dform f;
    u64 fl = (v->kind & FL) ? FL_ARITH : 0;
    for (unsigned l = 0; l < 2; l++) {
        if (!(v->kind & (l ? L1 : L0))) continue;
        const char *x = l ? "ymm" : "xmm";
        for (unsigned w = 0; w < ((v->kind & W64) ? 2u : 1u); w++) {
            const char *wn = w ? " (W1)" : "";
            struct regs lo = {1, 2, 3}, hi = {9, 14, 12};
            if (v->kind & GD) lo.reg = RAX, hi.reg = R9;
            if (v->kind & GS) lo.rm = RCX, hi.rm = R10;
            if (!(v->kind & MEMF)) {
                diff_begin(&f, fl, 0, "%s %s%s (regs %u,%u,%u)", v->name, x, wn, lo.reg, lo.v,
                           lo.rm);
                emit(&f, v, l, w, lo, (int)lo.rm, 0);
                f.prep = v->prep, f.arg = v->op == 0x52;
                vex_run(d, &f, n);
                diff_begin(&f, fl, 0, "%s %s%s (regs %u,%u,%u)", v->name, x, wn, hi.reg, hi.v,
                           hi.rm);
                emit(&f, v, l, w, hi, (int)hi.rm, 0);
                f.prep = v->prep, f.arg = v->op == 0x52;
                vex_run(d, &f, n / 4);
            }
            if (!(v->kind & REGF)) {
                diff_begin(&f, fl, PTR_RBX, "%s %s%s, m", v->name, x, wn);
                emit(&f, v, l, w, lo, -1, DISP);
                f.prep = v->prep, f.arg = v->op == 0x52;
                vex_run(d, &f, n);
                if (v->kind & UNAL) {
                    diff_begin(&f, fl, PTR_RBX, "%s %s%s, m (unaligned)", v->name, x, wn);
                    emit(&f, v, l, w, hi, -1, DISP + 0x13);
                    f.prep = v->prep, f.arg = v->op == 0x52;
                    vex_run(d, &f, n / 4);
                }
            }
        }
    }
}

/* --- the edge-case sweep ------------------------------------------------------------- */

/* Each element of the sources (YMM2 or YMM1, and YMM3) gets its own pair of edge values; the MXCSR
 * setting (rounding, DAZ+FTZ, all masked or all unmasked) changes every ceil(576 / ne)
 * cases, so every pair meets every setting. */
static unsigned edge_k;
static void prep_edges(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)flags, (void)ignore;
    unsigned esz = f->arg & 15, ne = (f->arg >> 4) / esz, per = (NEDGE * NEDGE + ne - 1) / ne;
    unsigned k = edge_k++, m = (k / per) % 16, base = (k % per) * ne;
    for (unsigned e = 0; e < ne; e++) {
        unsigned p = (base + e) % (NEDGE * NEDGE), a = p % NEDGE, b = p / NEDGE;
        for (unsigned r = 1; r < 4; r++) { /* a in YMM1 and YMM2, b in YMM3 */
            u8 *x = e * esz < 16 ? s->xmm[r] + e * esz : s->ymmh[r] + e * esz - 16;
            unsigned j = r == 3 ? b : a;
            memcpy(x, esz == 8 ? (const void *)&edge64[j] : (const void *)&edge32[j], esz);
        }
    }
    s->mxcsr = (m & 3) << 13 | ((m & 4) ? 0x8040 : 0) | ((m & 8) ? 0 : 0x1f80);
}
static void edge_form(const struct vform *v, bool l, unsigned esz, unsigned nbytes)
{
    struct dform f;
    diff_begin(&f, (v->kind & FL) ? FL_ARITH : 0, 0, "%s %s (edge pairs x 16 MXCSR)", v->name,
               l ? "ymm" : "xmm");
    emit(&f, v, l, false, (struct regs){1, 2, 3}, 3, 0);
    f.prep = prep_edges;
    f.arg = (int)(nbytes << 4 | esz);
    unsigned ne = nbytes / esz;
    edge_k = 0;
    vex_run(d, &f, 16 * ((NEDGE * NEDGE + ne - 1) / ne));
}

/* --- the forms ------------------------------------------------------------------------- */

enum { NP, P66, PF3, PF2 };
#define M1 1
#define M2 2
#define M3 3

static const char *const fpname[4] = {"ps", "pd", "ss", "sd"};

/* The arithmetic (with edges), compares (all 32 predicates), and the other 0F forms. */
static void map0f_forms(void)
{
    static const struct { const char *n; u8 op; } arith[] = {
        {"vadd", 0x58}, {"vmul", 0x59}, {"vsub", 0x5c}, {"vmin", 0x5d}, {"vdiv", 0x5e},
        {"vmax", 0x5f}, {"vsqrt", 0x51},
    };
    char nm[32];
    for (unsigned a = 0; a < ARRAY_LEN(arith); a++)
        for (unsigned p = 0; p < 4; p++) {
            snprintf(nm, sizeof nm, "%s%s", arith[a].n, fpname[p]);
            bool scalar = p >= 2, sqrt = arith[a].op == 0x51;
            struct vform v = {nm, (u8)p, M1, arith[a].op, -1,
                              (u16)((scalar ? L0 : LB) | (sqrt && !scalar ? NOV : 0) | UNAL), NULL};
            run_form(&v, N);
            unsigned esz = (p & 1) ? 8 : 4; /* scalar sweeps: VADD, VDIV, VSQRT (time) */
            if (!scalar || arith[a].op == 0x58 || arith[a].op == 0x5e || sqrt)
                edge_form(&v, !scalar, esz, scalar ? esz : 32);
        }
    /* scalar forms ignore VEX.L */
    static const struct vform lig[] = {
        {"vaddss (VEX.L=1)", PF3, M1, 0x58, -1, L1 | REGF, NULL},
        {"vsqrtsd (VEX.L=1)", PF2, M1, 0x51, -1, L1, NULL},
        {"vcmpsd (VEX.L=1)", PF2, M1, 0xc2, 0x1d, L1 | REGF, NULL},
        {"vcomisd (VEX.L=1)", P66, M1, 0x2f, -1, L1 | NOV | FL | REGF, NULL},
        {"vcvtsi2ss (VEX.L=1)", PF3, M1, 0x2a, -1, L1 | GS | REGF, NULL},
        {"vcvttsd2si (VEX.L=1)", PF2, M1, 0x2c, -1, L1 | NOV | GD | REGF, NULL},
        {"vcvtss2sd (VEX.L=1)", PF3, M1, 0x5a, -1, L1 | REGF, NULL},
        {"vroundss (VEX.L=1)", P66, M3, 0x0a, 1, L1 | REGF, NULL},
    };
    for (unsigned k = 0; k < ARRAY_LEN(lig); k++) run_form(&lig[k], N / 2);
    for (unsigned p = 0; p < 4; p++)
        for (unsigned pred = 0; pred < 32; pred++) {
            snprintf(nm, sizeof nm, "vcmp%s pred %u", fpname[p], pred);
            bool scalar = p >= 2;
            struct vform v = {nm, (u8)p, M1, 0xc2, (int)pred, (u16)(scalar ? L0 : LB), NULL};
            run_form(&v, N / 4);
            if (!scalar && (pred < 8 || pred % 5 == 0)) edge_form(&v, true, (p & 1) ? 8 : 4, 32);
        }
    static const struct vform other[] = {
        {"vrsqrtps (special inputs)", NP, M1, 0x52, -1, LB | NOV, prep_approx},
        {"vrsqrtss (special inputs)", PF3, M1, 0x52, -1, L0, prep_approx},
        {"vrcpps (special inputs)", NP, M1, 0x53, -1, LB | NOV, prep_approx},
        {"vrcpss (special inputs)", PF3, M1, 0x53, -1, L0, prep_approx},
        {"vandps", NP, M1, 0x54, -1, LB, NULL},         {"vandpd", P66, M1, 0x54, -1, LB, NULL},
        {"vandnps", NP, M1, 0x55, -1, LB, NULL},        {"vandnpd", P66, M1, 0x55, -1, LB, NULL},
        {"vorps", NP, M1, 0x56, -1, LB, NULL},          {"vorpd", P66, M1, 0x56, -1, LB, NULL},
        {"vxorps", NP, M1, 0x57, -1, LB, NULL},         {"vxorpd", P66, M1, 0x57, -1, LB, NULL},
        {"vucomiss", NP, M1, 0x2e, -1, L0 | NOV | FL, NULL},
        {"vucomisd", P66, M1, 0x2e, -1, L0 | NOV | FL, NULL},
        {"vcomiss", NP, M1, 0x2f, -1, L0 | NOV | FL, NULL},
        {"vcomisd", P66, M1, 0x2f, -1, L0 | NOV | FL, NULL},
        {"vshufps 0x1b", NP, M1, 0xc6, 0x1b, LB, NULL},
        {"vshufps 0xe4", NP, M1, 0xc6, 0xe4, LB, NULL},
        {"vshufpd 0x6", P66, M1, 0xc6, 0x6, LB, NULL},
        {"vshufpd 0x9", P66, M1, 0xc6, 0x9, LB, NULL},
        {"vunpcklps", NP, M1, 0x14, -1, LB, NULL},      {"vunpckhps", NP, M1, 0x15, -1, LB, NULL},
        {"vunpcklpd", P66, M1, 0x14, -1, LB, NULL},     {"vunpckhpd", P66, M1, 0x15, -1, LB, NULL},
        {"vmovmskps", NP, M1, 0x50, -1, LB | NOV | REGF | GD, NULL},
        {"vmovmskpd", P66, M1, 0x50, -1, LB | NOV | REGF | GD, NULL},
        {"vcvtps2pd", NP, M1, 0x5a, -1, LB | NOV | UNAL, NULL},
        {"vcvtpd2ps", P66, M1, 0x5a, -1, LB | NOV, NULL},
        {"vcvtss2sd", PF3, M1, 0x5a, -1, L0 | UNAL, NULL},
        {"vcvtsd2ss", PF2, M1, 0x5a, -1, L0 | UNAL, NULL},
        {"vcvtdq2ps", NP, M1, 0x5b, -1, LB | NOV, NULL},
        {"vcvtps2dq", P66, M1, 0x5b, -1, LB | NOV, NULL},
        {"vcvttps2dq", PF3, M1, 0x5b, -1, LB | NOV, NULL},
        {"vcvttpd2dq", P66, M1, 0xe6, -1, LB | NOV, NULL},
        {"vcvtdq2pd", PF3, M1, 0xe6, -1, LB | NOV, NULL},
        {"vcvtpd2dq", PF2, M1, 0xe6, -1, LB | NOV, NULL},
        {"vcvtsi2ss", PF3, M1, 0x2a, -1, L0 | GS | W64, NULL},
        {"vcvtsi2sd", PF2, M1, 0x2a, -1, L0 | GS | W64, NULL},
        {"vcvttss2si", PF3, M1, 0x2c, -1, L0 | NOV | GD | W64, NULL},
        {"vcvttsd2si", PF2, M1, 0x2c, -1, L0 | NOV | GD | W64, NULL},
        {"vcvtss2si", PF3, M1, 0x2d, -1, L0 | NOV | GD | W64, NULL},
        {"vcvtsd2si", PF2, M1, 0x2d, -1, L0 | NOV | GD | W64, NULL},
        {"vaddsubps", PF2, M1, 0xd0, -1, LB, NULL},     {"vaddsubpd", P66, M1, 0xd0, -1, LB, NULL},
        {"vhaddps", PF2, M1, 0x7c, -1, LB, NULL},       {"vhaddpd", P66, M1, 0x7c, -1, LB, NULL},
        {"vhsubps", PF2, M1, 0x7d, -1, LB, NULL},       {"vhsubpd", P66, M1, 0x7d, -1, LB, NULL},
        {"vmovsldup", PF3, M1, 0x12, -1, LB | NOV, NULL},
        {"vmovshdup", PF3, M1, 0x16, -1, LB | NOV, NULL},
        {"vmovddup", PF2, M1, 0x12, -1, LB | NOV | UNAL, NULL},
        {"vmovss load", PF3, M1, 0x10, -1, L0 | NOV | MEMF | UNAL, NULL},
        {"vmovsd load", PF2, M1, 0x10, -1, L0 | NOV | MEMF | UNAL, NULL},
        {"vmovss store", PF3, M1, 0x11, -1, L0 | NOV | MEMF | UNAL, NULL},
        {"vmovsd store", PF2, M1, 0x11, -1, L0 | NOV | MEMF | UNAL, NULL},
        {"vmovss merge", PF3, M1, 0x10, -1, LB | REGF, NULL},
        {"vmovsd merge", PF2, M1, 0x10, -1, LB | REGF, NULL},
        {"vmovss merge (11)", PF3, M1, 0x11, -1, L0 | REGF, NULL},
        {"vmovsd merge (11)", PF2, M1, 0x11, -1, L0 | REGF, NULL},
        {"vmovlps/vmovhlps", NP, M1, 0x12, -1, L0 | UNAL, NULL},
        {"vmovhps/vmovlhps", NP, M1, 0x16, -1, L0 | UNAL, NULL},
        {"vmovlpd", P66, M1, 0x12, -1, L0 | MEMF | UNAL, NULL},
        {"vmovhpd", P66, M1, 0x16, -1, L0 | MEMF | UNAL, NULL},
        {"vmovlps store", NP, M1, 0x13, -1, L0 | NOV | MEMF | UNAL, NULL},
        {"vmovlpd store", P66, M1, 0x13, -1, L0 | NOV | MEMF | UNAL, NULL},
        {"vmovhps store", NP, M1, 0x17, -1, L0 | NOV | MEMF | UNAL, NULL},
        {"vmovhpd store", P66, M1, 0x17, -1, L0 | NOV | MEMF | UNAL, NULL},
        {"vmovntps", NP, M1, 0x2b, -1, LB | NOV | MEMF, NULL},
        {"vmovntpd", P66, M1, 0x2b, -1, LB | NOV | MEMF, NULL},
    };
    for (unsigned k = 0; k < ARRAY_LEN(other); k++) run_form(&other[k], N);
    /* conversions and compares: the edge sweep too */
    static const struct { unsigned k; unsigned esz; } cvt_edges[] = {
        {26, 4}, {27, 8}, {28, 4}, {29, 8}, {30, 4}, {31, 4}, {32, 4}, {33, 8}, {35, 8},
        {14, 4}, {15, 8},
    };
    for (unsigned k = 0; k < ARRAY_LEN(cvt_edges); k++) {
        const struct vform *v = &other[cvt_edges[k].k];
        edge_form(v, v->kind & L1, cvt_edges[k].esz, (v->kind & L1) ? 32 : cvt_edges[k].esz);
    }
    /* VLDMXCSR/VSTMXCSR: VEX.0F AE /2 and /3 (the row's reg field is in op's ModRM) */
    struct dform f;
    diff_begin(&f, 0, PTR_RBX, "vldmxcsr m32");
    vex_op(&f, 0, M1, false, false, 0xae, 2, 0, -1, DISP, -1);
    f.prep = prep_ldmxcsr;
    vex_run(d, &f, N);
    diff_begin(&f, 0, PTR_RBX, "vstmxcsr m32");
    vex_op(&f, 0, M1, false, false, 0xae, 3, 0, -1, DISP + 1, -1);
    vex_run(d, &f, N);
}

/* VBLENDVPS/PD: a mask register in imm8[7:4]. */
static void maps_38_3a_forms(void)
{
    static const struct vform forms[] = {
        {"vroundps 0", P66, M3, 0x08, 0, LB | NOV, NULL},
        {"vroundps 4", P66, M3, 0x08, 4, LB | NOV, NULL},
        {"vroundps 0xb", P66, M3, 0x08, 0xb, LB | NOV, NULL},
        {"vroundpd 1", P66, M3, 0x09, 1, LB | NOV, NULL},
        {"vroundpd 0xe", P66, M3, 0x09, 0xe, LB | NOV, NULL},
        {"vroundss 2", P66, M3, 0x0a, 2, L0 | UNAL, NULL},
        {"vroundss 0xc", P66, M3, 0x0a, 0xc, L0 | UNAL, NULL},
        {"vroundsd 3", P66, M3, 0x0b, 3, L0 | UNAL, NULL},
        {"vroundsd 0x8", P66, M3, 0x0b, 0x8, L0 | UNAL, NULL},
        {"vblendps 0xa5", P66, M3, 0x0c, 0xa5, LB, NULL},
        {"vblendps 0x3c", P66, M3, 0x0c, 0x3c, LB, NULL},
        {"vblendpd 0x6", P66, M3, 0x0d, 0x6, LB, NULL},
        {"vblendpd 0x9", P66, M3, 0x0d, 0x9, LB, NULL},
        {"vblendvps (xmm5)", P66, M3, 0x4a, 0x50, LB, NULL},
        {"vblendvps (xmm13)", P66, M3, 0x4a, 0xd0, LB, NULL},
        {"vblendvpd (xmm7)", P66, M3, 0x4b, 0x70, LB, NULL},
        {"vblendvpd (xmm15)", P66, M3, 0x4b, 0xf0, LB, NULL},
        {"vdpps 0xff", P66, M3, 0x40, 0xff, LB, NULL},
        {"vdpps 0x71", P66, M3, 0x40, 0x71, LB, NULL},
        {"vdpps 0xa6", P66, M3, 0x40, 0xa6, LB, NULL},
        {"vdppd 0x33", P66, M3, 0x41, 0x33, L0, NULL},
        {"vdppd 0x12", P66, M3, 0x41, 0x12, L0, NULL},
        {"vinsertps 0x00", P66, M3, 0x21, 0x00, L0 | UNAL, NULL},
        {"vinsertps 0xb6", P66, M3, 0x21, 0xb6, L0 | UNAL, NULL},
        {"vinsertps 0x69", P66, M3, 0x21, 0x69, L0, NULL},
        {"vextractps 0", P66, M3, 0x17, 0, L0 | NOV | GS | UNAL, NULL},
        {"vextractps 3", P66, M3, 0x17, 3, L0 | NOV | GS, NULL},
        {"vpermilps", P66, M2, 0x0c, -1, LB | UNAL, NULL},
        {"vpermilpd", P66, M2, 0x0d, -1, LB, NULL},
        {"vpermilps 0x1b", P66, M3, 0x04, 0x1b, LB | NOV, NULL},
        {"vpermilps 0xd2", P66, M3, 0x04, 0xd2, LB | NOV, NULL},
        {"vpermilpd 0x5", P66, M3, 0x05, 0x5, LB | NOV, NULL},
        {"vpermilpd 0xc", P66, M3, 0x05, 0xc, LB | NOV, NULL},
        {"vtestps", P66, M2, 0x0e, -1, LB | NOV | FL, NULL},
        {"vtestpd", P66, M2, 0x0f, -1, LB | NOV | FL, NULL},
        {"vbroadcastss", P66, M2, 0x18, -1, LB | NOV | UNAL, NULL},
        {"vbroadcastsd", P66, M2, 0x19, -1, L1 | NOV | UNAL, NULL},
        {"vbroadcastf128", P66, M2, 0x1a, -1, L1 | NOV | MEMF | UNAL, NULL},
        {"vmaskmovps load", P66, M2, 0x2c, -1, LB | MEMF | UNAL, NULL},
        {"vmaskmovpd load", P66, M2, 0x2d, -1, LB | MEMF | UNAL, NULL},
        {"vmaskmovps store", P66, M2, 0x2e, -1, LB | MEMF | UNAL, NULL},
        {"vmaskmovpd store", P66, M2, 0x2f, -1, LB | MEMF | UNAL, NULL},
        {"vinsertf128 0", P66, M3, 0x18, 0, L1 | UNAL, NULL},
        {"vinsertf128 1", P66, M3, 0x18, 1, L1, NULL},
        {"vextractf128 0", P66, M3, 0x19, 0, L1 | NOV | UNAL, NULL},
        {"vextractf128 1", P66, M3, 0x19, 1, L1 | NOV, NULL},
        {"vperm2f128 0x31", P66, M3, 0x06, 0x31, L1 | UNAL, NULL},
        {"vperm2f128 0x20", P66, M3, 0x06, 0x20, L1, NULL},
        {"vperm2f128 0x8a", P66, M3, 0x06, 0x8a, L1, NULL},
        {"vperm2f128 0x13", P66, M3, 0x06, 0x13, L1, NULL},
    };
    for (unsigned k = 0; k < ARRAY_LEN(forms); k++) run_form(&forms[k], N);
    for (unsigned k = 0; k < 9; k++) /* rounding: the edge sweep */
        edge_form(&forms[k], forms[k].kind & L1, (forms[k].op & 1) ? 8 : 4,
                  (forms[k].kind & L1) ? 32 : (forms[k].op & 1) ? 8 : 4);
    for (unsigned k = 17; k < 22; k++) /* DPPS, DPPD */
        edge_form(&forms[k], forms[k].kind & L1, forms[k].op == 0x41 ? 8 : 4,
                  (forms[k].kind & L1) ? 32 : 16);
}

/* 32-bit code: VEX.W1 is ignored for the integer operand, imm8[7] of VBLENDV's register
 * number too, only XMM/YMM0-7. */
static void compat_forms(void)
{
    static const struct vform forms[] = {
        {"vaddps", NP, M1, 0x58, -1, LB, NULL},
        {"vcvtsi2sd (W1)", PF2, M1, 0x2a, -1, L0 | GS, NULL},
        {"vcvtsd2si", PF2, M1, 0x2d, -1, L0 | NOV | GD, NULL},
        {"vmovmskps", NP, M1, 0x50, -1, LB | NOV | REGF | GD, NULL},
        {"vblendvps (imm8[7] ignored)", P66, M3, 0x4a, 0xd0, LB | REGF, NULL},
    };
    for (unsigned k = 0; k < ARRAY_LEN(forms); k++) {
        for (unsigned l = 0; l < 2; l++) {
            const struct vform *v = &forms[k];
            if (!(v->kind & (l ? L1 : L0))) continue;
            struct dform f;
            struct regs r = {1, 2, 3};
            if (v->kind & GD) r.reg = RDX;
            if (v->kind & GS) r.rm = RCX;
            diff_begin(&f, 0, 0, "%s %s (32-bit code)", v->name, l ? "ymm" : "xmm");
            emit(&f, v, l, k == 1, r, (int)r.rm, 0);
            vex_run(d, &f, N / 2);
        }
    }
}

/* The harness itself: a legacy SSE form with the upper halves in the state (kept by legacy
 * forms, also through the #XM signal frame), VZEROUPPER. */
static void harness_forms(void)
{
    struct dform f;
    diff_begin(&f, 0, 0, "addps xmm1,xmm2 (YMM state kept)");
    sse_op(&f, 0, false, 0x58, 1, 2, 0, -1);
    vex_run(d, &f, N);
    diff_begin(&f, 0, 0, "vzeroupper");
    diff_put(&f, 0xc5), diff_put(&f, 0xf8), diff_put(&f, 0x77);
    vex_run(d, &f, N / 8);
}

int main(void)
{
    d = diff_new(0x41565846ull);
    diff_sse_enable(d);
    harness_forms();
    map0f_forms();
    maps_38_3a_forms();
    printf("diff avx: %d forms, %d cases, %d failed, %d skipped (host %s)\n", d->forms, d->cases,
           d->failures, d->skipped, d->vendor);
    diff_free(d);
    d = diff_new_mode(0x41565847ull, true);
    diff_sse_enable(d);
    compat_forms();
    printf("diff avx (32-bit code): %d forms, %d cases, %d failed\n", d->forms, d->cases,
           d->failures);
    diff_free(d);
    return check_exit();
}
