/* Differential test of SSE3, SSSE3 and SSE4.1 against the host processor. SSE3:
 * ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD, MOVSLDUP/MOVSHDUP/MOVDDUP, LDDQU. SSSE3, xmm and mm
 * forms: PSHUFB, PHADDW/D/SW, PHSUBW/D/SW, PMADDUBSW, PSIGNB/W/D, PMULHRSW, PABSB/W/D,
 * PALIGNR. SSE4.1: PBLENDVB/BLENDVPS/BLENDVPD, PTEST, PMOVSX/ZX (all twelve), PMULDQ,
 * PCMPEQQ, MOVNTDQA, PACKUSDW, PMIN/PMAX SB/SD/UW/UD, PMULLD, PHMINPOSUW, ROUNDPS/PD/SS/SD
 * (every imm8[3:0]), BLENDPS/PD, PBLENDW, PEXTRB/W/D/Q, EXTRACTPS, PINSRB/D/Q, INSERTPS,
 * DPPS, DPPD, MPSADBW. Register and memory forms from random XMM/memory/MXCSR states
 * biased towards special floating-point values, every rounding mode, DAZ/FTZ, sometimes
 * unmasked exceptions (#XM natively and emulated); XMM0-15, MXCSR, GPRs, flags and memory
 * compared bit for bit. Then each extension is switched off in the emulated model and one
 * of its forms must raise #UD. */
#include "../diff/sse_enc.h"

#define N 300

static struct diff *d;

static void run(struct dform *f, unsigned n) { sse_run(d, f, n); }

/* An xmm form (prefix, map, opcode): two register variants, the memory variant, and an
 * unaligned memory variant for the forms whose memory operand has no alignment rule. */
static void xform(const char *name, unsigned pfx, unsigned map, unsigned op, int imm, u64 flags,
                  bool unaligned_ok)
{
    struct dform f;
    diff_begin(&f, flags, 0, "%s xmm1,xmm2", name);
    sse_op_map(&f, pfx, false, map, op, 1, 2, 0, imm);
    run(&f, N);
    diff_begin(&f, flags, 0, "%s xmm12,xmm7", name);
    sse_op_map(&f, pfx, false, map, op, 12, 7, 0, imm);
    run(&f, N / 4);
    diff_begin(&f, flags, PTR_RBX, "%s xmm3,m", name);
    sse_op_map(&f, pfx, false, map, op, 3, -1, DISP, imm);
    run(&f, N);
    if (unaligned_ok) {
        diff_begin(&f, flags, PTR_RBX, "%s xmm3,m (unaligned)", name);
        sse_op_map(&f, pfx, false, map, op, 3, -1, DISP + 0x13, imm);
        run(&f, N / 4);
    }
}

/* The MMX form of an SSSE3 opcode through MOVQ loads and stores: memory and register
 * sources. */
static void mform(const char *name, unsigned map, unsigned op, int imm)
{
    struct dform f;
    diff_begin(&f, 0, PTR_RBX, "%s mm0,m64", name);
    sse_op(&f, 0, false, 0x6f, 0, -1, DISP + 0x20, -1);
    sse_op_map(&f, 0, false, map, op, 0, -1, DISP + 8, imm);
    sse_op(&f, 0, false, 0x7f, 0, -1, DISP + 0x30, -1);
    diff_put(&f, 0x0f), diff_put(&f, 0x77);
    run(&f, N);
    diff_begin(&f, 0, PTR_RBX, "%s mm5,mm2", name);
    sse_op(&f, 0, false, 0x6f, 5, -1, DISP + 0x20, -1);
    sse_op(&f, 0, false, 0x6f, 2, -1, DISP + 0x28, -1);
    sse_op_map(&f, 0, false, map, op, 5, 2, 0, imm);
    sse_op(&f, 0, false, 0x7f, 5, -1, DISP + 0x30, -1);
    diff_put(&f, 0x0f), diff_put(&f, 0x77);
    run(&f, N / 2);
}

/* Byte-shuffle controls: PSHUFB's and PSIGN's interesting bits are the sign and the low
 * nibble; keep some inputs small so both are seen often. */
static void prep_small(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    for (unsigned k = 0; k < 16; k++)
        if (diff_rand(d) % 2) {
            u8 v = (u8)(diff_rand(d) % 3 == 0 ? 0 : diff_rand(d) & 0x8f);
            s->xmm[2][k] = s->xmm[7][k] = s->mem[DIFF_MEM / 2 + DISP + k] = v;
        }
}

/* The emulated model without `feat`: the form must raise #UD at its own address. */
static void ud_without(enum feature feat, const char *what, const u8 *code, unsigned len)
{
    struct dform f;
    diff_begin(&f, 0, PTR_RBX, "%s", what);
    for (unsigned k = 0; k < len; k++) diff_put(&f, code[k]);
    f.sse = true;
    struct dstate s;
    diff_random_state(d, &f, &s, false);
    s.mxcsr = 0x1f80;
    harness_feature(d->h, feat, false);
    int rc = diff_emulated(d, &f, &s);
    bool at = d->h->c->rip == HARNESS_CODE;
    harness_feature(d->h, feat, true);
    int rc2 = diff_emulated(d, &f, &s);
    CHECK(what, rc == EXC_UD && at && rc2 == -1, "without: %d (at start %d), with: %d", rc, at, rc2);
}

int main(void)
{
    d = diff_new(0x5eed0563);
    diff_sse_enable(d);
    struct dform f;
    char nm[64];

    /* --- SSE3 --- */
    static const struct { u8 op; const char *name; } s3[] = {
        {0xd0, "addsub"}, {0x7c, "hadd"}, {0x7d, "hsub"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(s3); k++)
        for (unsigned p = 0; p < 2; p++) {
            snprintf(nm, sizeof nm, "%s%s", s3[k].name, p ? "pd" : "ps");
            xform(nm, p ? 0x66 : 0xf2, 0, s3[k].op, -1, 0, false);
        }
    xform("movsldup", 0xf3, 0, 0x12, -1, 0, false);
    xform("movshdup", 0xf3, 0, 0x16, -1, 0, false);
    xform("movddup", 0xf2, 0, 0x12, -1, 0, true);
    diff_begin(&f, 0, PTR_RBX, "lddqu xmm5,m (unaligned)");
    sse_op(&f, 0xf2, false, 0xf0, 5, -1, DISP + 7, -1);
    run(&f, N);

    /* --- SSSE3 --- */
    static const struct { u8 op; const char *name; } s33[] = {
        {0x00, "pshufb"}, {0x01, "phaddw"}, {0x02, "phaddd"}, {0x03, "phaddsw"},
        {0x04, "pmaddubsw"}, {0x05, "phsubw"}, {0x06, "phsubd"}, {0x07, "phsubsw"},
        {0x08, "psignb"}, {0x09, "psignw"}, {0x0a, "psignd"}, {0x0b, "pmulhrsw"},
        {0x1c, "pabsb"}, {0x1d, "pabsw"}, {0x1e, "pabsd"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(s33); k++) {
        xform(s33[k].name, 0x66, 0x38, s33[k].op, -1, 0, false);
        mform(s33[k].name, 0x38, s33[k].op, -1);
    }
    for (unsigned k = 0; k < 2; k++) {
        diff_begin(&f, 0, 0, "%s xmm1,xmm2 (small controls)", k ? "psignb" : "pshufb");
        sse_op_map(&f, 0x66, false, 0x38, k ? 0x08 : 0x00, 1, 2, 0, -1);
        f.prep = prep_small;
        run(&f, N);
    }
    static const u8 al[] = {0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 0x80, 0xff};
    for (unsigned k = 0; k < ARRAY_LEN(al); k++) {
        snprintf(nm, sizeof nm, "palignr $%u", al[k]);
        xform(nm, 0x66, 0x3a, 0x0f, al[k], 0, false);
        mform(nm, 0x3a, 0x0f, al[k]);
    }

    /* --- SSE4.1: 66 0F 38 --- */
    static const struct { u8 op; const char *name; } s41[] = {
        {0x10, "pblendvb"}, {0x14, "blendvps"}, {0x15, "blendvpd"}, {0x28, "pmuldq"},
        {0x29, "pcmpeqq"}, {0x2b, "packusdw"}, {0x38, "pminsb"}, {0x39, "pminsd"},
        {0x3a, "pminuw"}, {0x3b, "pminud"}, {0x3c, "pmaxsb"}, {0x3d, "pmaxsd"},
        {0x3e, "pmaxuw"}, {0x3f, "pmaxud"}, {0x40, "pmulld"}, {0x41, "phminposuw"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(s41); k++) xform(s41[k].name, 0x66, 0x38, s41[k].op, -1, 0, false);
    xform("ptest", 0x66, 0x38, 0x17, -1, FL_ARITH, false);
    diff_begin(&f, FL_ARITH, 0, "ptest xmm4,xmm4");
    sse_op_map(&f, 0x66, false, 0x38, 0x17, 4, 4, 0, -1);
    run(&f, N / 4);
    static const char *const mvx[6] = {"bw", "bd", "bq", "wd", "wq", "dq"};
    for (unsigned k = 0; k < 6; k++)
        for (unsigned z = 0; z < 2; z++) {
            snprintf(nm, sizeof nm, "pmov%cx%s", z ? 'z' : 's', mvx[k]);
            xform(nm, 0x66, 0x38, (z ? 0x30 : 0x20) + k, -1, 0, true);
        }
    diff_begin(&f, 0, PTR_RBX, "movntdqa xmm9,m");
    sse_op_map(&f, 0x66, false, 0x38, 0x2a, 9, -1, DISP + 0x10, -1);
    run(&f, N / 2);

    /* --- SSE4.1: 66 0F 3A --- */
    for (unsigned imm = 0; imm < 16; imm++) {
        static const char *const rn[4] = {"roundps", "roundpd", "roundss", "roundsd"};
        for (unsigned k = 0; k < 4; k++) {
            snprintf(nm, sizeof nm, "%s $%u", rn[k], imm);
            xform(nm, 0x66, 0x3a, 0x08 + k, (int)(imm | (imm & 1) << 6), 0, k >= 2);
        }
    }
    static const u8 bl[] = {0x00, 0x01, 0x02, 0x05, 0x0a, 0x0f, 0x3c, 0x96, 0xff};
    for (unsigned k = 0; k < ARRAY_LEN(bl); k++) {
        snprintf(nm, sizeof nm, "blendps $%#x", bl[k]);
        xform(nm, 0x66, 0x3a, 0x0c, bl[k], 0, false);
        snprintf(nm, sizeof nm, "blendpd $%#x", bl[k]);
        xform(nm, 0x66, 0x3a, 0x0d, bl[k], 0, false);
        snprintf(nm, sizeof nm, "pblendw $%#x", bl[k]);
        xform(nm, 0x66, 0x3a, 0x0e, bl[k], 0, false);
    }
    static const u8 dp[] = {0xff, 0xf1, 0x31, 0x3f, 0x52, 0xa5, 0x0f, 0xf0, 0x11, 0x82, 0x33};
    for (unsigned k = 0; k < ARRAY_LEN(dp); k++) {
        snprintf(nm, sizeof nm, "dpps $%#x", dp[k]);
        xform(nm, 0x66, 0x3a, 0x40, dp[k], 0, false);
        snprintf(nm, sizeof nm, "dppd $%#x", dp[k]);
        xform(nm, 0x66, 0x3a, 0x41, dp[k], 0, false);
    }
    for (unsigned imm = 0; imm < 8; imm++) {
        snprintf(nm, sizeof nm, "mpsadbw $%u", imm);
        xform(nm, 0x66, 0x3a, 0x42, (int)(imm | 0xf8), 0, false);
    }
    static const u8 ins[] = {0x00, 0x10, 0x20, 0x30, 0x40, 0x80, 0xc0, 0x0f, 0x5a, 0xe5, 0x33};
    for (unsigned k = 0; k < ARRAY_LEN(ins); k++) {
        snprintf(nm, sizeof nm, "insertps $%#x", ins[k]);
        xform(nm, 0x66, 0x3a, 0x21, ins[k], 0, true);
    }
    /* Element moves to and from general registers and memory. */
    static const struct { u8 op; bool w; u8 n; const char *name; } ex[] = {
        {0x14, 0, 16, "pextrb"}, {0x15, 0, 8, "pextrw"}, {0x16, 0, 4, "pextrd"},
        {0x16, 1, 2, "pextrq"}, {0x17, 0, 4, "extractps"}, {0x17, 1, 4, "extractps (rex.w)"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(ex); k++)
        for (unsigned e = 0; e <= ex[k].n; e += ex[k].n > 4 ? 3 : 1) {
            unsigned imm = e | 0x40; /* the index's unused bits set */
            diff_begin(&f, 0, 0, "%s rcx,xmm5,%u", ex[k].name, imm);
            sse_op_map(&f, 0x66, ex[k].w, 0x3a, ex[k].op, 5, RCX, 0, (int)imm);
            run(&f, N / 10);
            diff_begin(&f, 0, 0, "%s r10,xmm13,%u", ex[k].name, imm);
            sse_op_map(&f, 0x66, ex[k].w, 0x3a, ex[k].op, 13, R10, 0, (int)imm);
            run(&f, N / 10);
            diff_begin(&f, 0, PTR_RBX, "%s m,xmm5,%u", ex[k].name, imm);
            sse_op_map(&f, 0x66, ex[k].w, 0x3a, ex[k].op, 5, -1, DISP + 3, (int)imm);
            run(&f, N / 10);
        }
    static const struct { u8 op; bool w; u8 n; const char *name; } in[] = {
        {0x20, 0, 16, "pinsrb"}, {0x22, 0, 4, "pinsrd"}, {0x22, 1, 2, "pinsrq"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(in); k++)
        for (unsigned e = 0; e <= in[k].n; e += in[k].n > 4 ? 3 : 1) {
            unsigned imm = e | 0x80;
            diff_begin(&f, 0, 0, "%s xmm5,rdx,%u", in[k].name, imm);
            sse_op_map(&f, 0x66, in[k].w, 0x3a, in[k].op, 5, RDX, 0, (int)imm);
            run(&f, N / 10);
            diff_begin(&f, 0, 0, "%s xmm11,r9,%u", in[k].name, imm);
            sse_op_map(&f, 0x66, in[k].w, 0x3a, in[k].op, 11, R9, 0, (int)imm);
            run(&f, N / 10);
            diff_begin(&f, 0, PTR_RBX, "%s xmm5,m,%u", in[k].name, imm);
            sse_op_map(&f, 0x66, in[k].w, 0x3a, in[k].op, 5, -1, DISP + 5, (int)imm);
            run(&f, N / 10);
        }

    /* --- #UD on a model without the extension --- */
    static const u8 haddps[] = {0xf2, 0x0f, 0x7c, 0xca};
    static const u8 pshufb_mm[] = {0x0f, 0x38, 0x00, 0xca};
    static const u8 pshufb[] = {0x66, 0x0f, 0x38, 0x00, 0xca};
    static const u8 palignr[] = {0x66, 0x0f, 0x3a, 0x0f, 0xca, 0x03};
    static const u8 pmulld[] = {0x66, 0x0f, 0x38, 0x40, 0xca};
    static const u8 roundsd[] = {0x66, 0x0f, 0x3a, 0x0b, 0xca, 0x04};
    ud_without(FEAT_SSE3, "ud haddps without sse3", haddps, sizeof haddps);
    ud_without(FEAT_SSSE3, "ud pshufb mm without ssse3", pshufb_mm, sizeof pshufb_mm);
    ud_without(FEAT_SSSE3, "ud pshufb xmm without ssse3", pshufb, sizeof pshufb);
    ud_without(FEAT_SSSE3, "ud palignr without ssse3", palignr, sizeof palignr);
    ud_without(FEAT_SSE41, "ud pmulld without sse4.1", pmulld, sizeof pmulld);
    ud_without(FEAT_SSE41, "ud roundsd without sse4.1", roundsd, sizeof roundsd);

    printf("diff sse3/ssse3/sse4.1: %d forms, %d cases, %d failed (host %s)\n", d->forms,
           d->cases, d->failures, d->vendor);
    diff_free(d);

    /* 32-bit code: no REX; PEXTRD/PINSRD on 32-bit registers. */
    d = diff_new_mode(0x5eed0564, true);
    diff_sse_enable(d);
    diff_begin(&f, 0, 0, "haddps xmm1,xmm2 (32-bit code)");
    sse_op(&f, 0xf2, false, 0x7c, 1, 2, 0, -1);
    run(&f, N / 2);
    diff_begin(&f, 0, PTR_RBX, "pshufb xmm3,[ebx+disp8] (32-bit code)");
    sse_op_map(&f, 0x66, false, 0x38, 0x00, 3, -1, DISP, -1);
    run(&f, N / 2);
    diff_begin(&f, 0, 0, "pextrd ecx,xmm5,2 (32-bit code)");
    sse_op_map(&f, 0x66, false, 0x3a, 0x16, 5, RCX, 0, 2);
    run(&f, N / 2);
    diff_begin(&f, 0, 0, "pinsrb xmm5,edx,9 (32-bit code)");
    sse_op_map(&f, 0x66, false, 0x3a, 0x20, 5, RDX, 0, 9);
    run(&f, N / 2);
    diff_begin(&f, 0, PTR_RBX, "pmovsxbd xmm3,[ebx+disp8] (32-bit code)");
    sse_op_map(&f, 0x66, false, 0x38, 0x21, 3, -1, DISP + 1, -1);
    run(&f, N / 2);
    printf("diff sse3/ssse3/sse4.1 (32-bit code): %d forms, %d cases, %d failed (host %s)\n",
           d->forms, d->cases, d->failures, d->vendor);
    diff_free(d);
    return check_exit();
}
