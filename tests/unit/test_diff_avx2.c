/* Differential test of AVX2's own instructions against the host processor: VPBROADCASTB/W/
 * D/Q, VBROADCASTSS/SD (register sources), VBROADCASTI128, VPERMD/VPERMPS, VPERMQ/VPERMPD,
 * VPERM2I128, VINSERTI128/VEXTRACTI128, VPBLENDD, VPMASKMOVD/Q loads and stores, VPSLLVD/Q,
 * VPSRLVD/Q, VPSRAVD, and the gathers VPGATHERDD/DQ/QD/QQ and VGATHERDPS/DPD/QPS/QPD with
 * VSIB operands (every scale, low and high index registers, negative indices, random
 * masks). VEX.128 and VEX.256, register and memory operands; XMM0-15 with the YMM upper
 * halves, GPRs, flags and memory compared bit for bit. The fault and #UD rules are checked
 * in the emulator alone (test_avx_int.c). */
#include "../diff/vex_enc.h"

#define N 150

static struct diff *d;

static void run(struct dform *f, unsigned n)
{
    vex_run(d, f, n);
}
static const char *vn(bool l)
{
    return l ? "ymm" : "xmm";
}

/* Shift counts (every element of xmm3/ymm3 and of the memory at [rbx+DISP+1]): mostly in
 * range, some just past it, some huge. */
static void prep_counts(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    u8 *where[3] = {s->xmm[3], s->ymmh[3], s->mem + DIFF_MEM / 2 + DISP + 1};
    for (unsigned w = 0; w < 3; w++)
        for (unsigned k = 0; k < (w == 2 ? 32u : 16u); k += 4) {
            u64 r = diff_rand(d);
            u32 c = r % 5 == 0 ? (u32)(r >> 32) : (u32)((r >> 8) % 70);
            if (r % 7 == 1) c = 0;
            memcpy(where[w] + k, &c, 4);
        }
}

/* A three-operand form reg = op(vvvv, rm) with registers and with an unaligned memory
 * source; nov: no VEX.vvvv operand. */
static void vform(const char *name, unsigned op, unsigned map, bool w, bool l, int imm, bool nov,
                  bool reg_ok, bool mem_ok, void *prep)
{
    struct dform f;
    if (reg_ok) {
        diff_begin(&f, 0, 0, "%s %s1,%s2,%s3 $%d", name, vn(l), vn(l), vn(l), imm);
        vex_op(&f, 0x66, map, w, l, op, 1, nov ? 0 : 2, 3, 0, imm);
        f.prep = prep;
        run(&f, N);
        diff_begin(&f, 0, 0, "%s %s12,%s9,%s14 $%d", name, vn(l), vn(l), vn(l), imm);
        vex_op(&f, 0x66, map, w, l, op, 12, nov ? 0 : 9, 14, 0, imm);
        f.prep = prep;
        run(&f, N / 4);
    }
    if (mem_ok) {
        diff_begin(&f, 0, PTR_RBX, "%s %s5,%s6,m $%d", name, vn(l), vn(l), imm);
        vex_op(&f, 0x66, map, w, l, op, 5, nov ? 0 : 6, -1, DISP + 1, imm);
        f.prep = prep;
        run(&f, N);
    }
}

static void broadcasts_permutes(void)
{
    static const struct {
        u8 op;
        const char *name;
    } bc[] = {
        {0x78, "vpbroadcastb"},
        {0x79, "vpbroadcastw"},
        {0x58, "vpbroadcastd"},
        {0x59, "vpbroadcastq"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(bc); k++)
        for (int l = 0; l < 2; l++)
            vform(bc[k].name, bc[k].op, 2, false, l, -1, true, true, true, NULL);
    for (int l = 0; l < 2; l++)
        vform("vbroadcastss", 0x18, 2, false, l, -1, true, true, false, NULL);
    vform("vbroadcastsd", 0x19, 2, false, true, -1, true, true, false, NULL);
    vform("vbroadcasti128", 0x5a, 2, false, true, -1, true, false, true, NULL);
    vform("vpermd", 0x36, 2, false, true, -1, false, true, true, NULL);
    vform("vpermps", 0x16, 2, false, true, -1, false, true, true, NULL);
    static const u8 imm[] = {0x00, 0x1b, 0xe4, 0x4e, 0xb1, 0x93, 0xff, 0x27};
    for (unsigned k = 0; k < ARRAY_LEN(imm); k++) {
        vform("vpermq", 0x00, 3, true, true, imm[k], true, true, true, NULL);
        vform("vpermpd", 0x01, 3, true, true, imm[k], true, true, true, NULL);
    }
    static const u8 p2[] = {0x00, 0x01, 0x02, 0x03, 0x10, 0x20, 0x31,
                            0x13, 0x08, 0x80, 0x88, 0x5a, 0xf7};
    for (unsigned k = 0; k < ARRAY_LEN(p2); k++)
        vform("vperm2i128", 0x46, 3, false, true, p2[k], false, true, true, NULL);
    for (int imm8 = 0; imm8 < 4; imm8++) {
        vform("vinserti128", 0x38, 3, false, true, imm8, false, true, true, NULL);
        struct dform f;
        diff_begin(&f, 0, 0, "vextracti128 xmm3,ymm1,%d", imm8);
        vex_op(&f, 0x66, 3, false, true, 0x39, 1, 0, 3, 0, imm8);
        run(&f, N);
        diff_begin(&f, 0, 0, "vextracti128 xmm13,ymm10,%d", imm8);
        vex_op(&f, 0x66, 3, false, true, 0x39, 10, 0, 13, 0, imm8);
        run(&f, N / 4);
        diff_begin(&f, 0, PTR_RBX, "vextracti128 m,ymm6,%d", imm8);
        vex_op(&f, 0x66, 3, false, true, 0x39, 6, 0, -1, DISP + 1, imm8);
        run(&f, N);
    }
    static const u8 bd[] = {0x00, 0xff, 0x0f, 0xf0, 0xa5, 0x5a, 0x81, 0x3c};
    for (unsigned k = 0; k < ARRAY_LEN(bd); k++)
        for (int l = 0; l < 2; l++)
            vform("vpblendd", 0x02, 3, false, l, bd[k], false, true, true, NULL);
}

static void masked_shifts(void)
{
    struct dform f;
    for (int w = 0; w < 2; w++)
        for (int l = 0; l < 2; l++) {
            const char *s = w ? "q" : "d";
            diff_begin(&f, 0, PTR_RBX, "vpmaskmov%s %s1,%s2,m", s, vn(l), vn(l));
            vex_op(&f, 0x66, 2, w, l, 0x8c, 1, 2, -1, DISP + 1, -1);
            run(&f, N);
            diff_begin(&f, 0, PTR_RBX, "vpmaskmov%s %s11,%s14,m", s, vn(l), vn(l));
            vex_op(&f, 0x66, 2, w, l, 0x8c, 11, 14, -1, DISP + 3, -1);
            run(&f, N / 4);
            diff_begin(&f, 0, PTR_RBX, "vpmaskmov%s m,%s2,%s1", s, vn(l), vn(l));
            vex_op(&f, 0x66, 2, w, l, 0x8e, 1, 2, -1, DISP + 1, -1);
            run(&f, N);
            diff_begin(&f, 0, PTR_RBX, "vpmaskmov%s m,%s9,%s9", s, vn(l), vn(l));
            vex_op(&f, 0x66, 2, w, l, 0x8e, 9, 9, -1, DISP + 5, -1);
            run(&f, N / 4);
        }
    static const struct {
        u8 op;
        bool w;
        const char *name;
    } sv[] = {
        {0x45, 0, "vpsrlvd"}, {0x45, 1, "vpsrlvq"}, {0x46, 0, "vpsravd"},
        {0x47, 0, "vpsllvd"}, {0x47, 1, "vpsllvq"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(sv); k++)
        for (int l = 0; l < 2; l++) {
            diff_begin(&f, 0, 0, "%s %s1,%s2,%s3", sv[k].name, vn(l), vn(l), vn(l));
            vex_op(&f, 0x66, 2, sv[k].w, l, sv[k].op, 1, 2, 3, 0, -1);
            f.prep = prep_counts;
            run(&f, N);
            diff_begin(&f, 0, PTR_RBX, "%s %s7,%s7,m", sv[k].name, vn(l), vn(l));
            vex_op(&f, 0x66, 2, sv[k].w, l, sv[k].op, 7, 7, -1, DISP + 1, -1);
            f.prep = prep_counts;
            run(&f, N);
            diff_begin(&f, 0, 0, "%s %s10,%s11,%s3", sv[k].name, vn(l), vn(l), vn(l));
            vex_op(&f, 0x66, 2, sv[k].w, l, sv[k].op, 10, 11, 3, 0, -1);
            f.prep = prep_counts;
            run(&f, N / 4);
        }
}

/* --- gathers ---------------------------------------------------------------------------- */

/* C4 VEX.66.0F38 op with a VSIB operand [rbx + vindex*scale + disp8]. */
static void gather_op(struct dform *f, unsigned op, bool w, bool l, unsigned reg, unsigned mask,
                      unsigned vindex, unsigned scale, int disp)
{
    diff_put(f, 0xc4);
    diff_put(f, (reg >= 8 ? 0 : 0x80) | (vindex >= 8 ? 0 : 0x40) | 0x20 | 2);
    diff_put(f, (w ? 0x80 : 0) | (~mask & 15) << 3 | (l ? 4 : 0) | 1);
    diff_put(f, op);
    diff_put(f, modrm(1, reg, 4));
    diff_put(f, scale << 6 | (vindex & 7) << 3 | RBX);
    diff_put(f, (unsigned)disp & 0xff);
}

/* f->arg: vindex | isz << 8: the index register's elements are small signed numbers, so
 * every address stays inside the data buffer. */
static void prep_gather(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)flags, (void)ignore;
    unsigned vi = (unsigned)f->arg & 15, isz = (unsigned)f->arg >> 8;
    for (unsigned k = 0; k < 32; k += isz) {
        u64 r = diff_rand(d);
        s64 v = (s64)(r % 81) - 40;
        u8 *p = k < 16 ? s->xmm[vi] + k : s->ymmh[vi] + k - 16;
        store_le(p, isz, (u64)v);
        if (isz == 4 && r >> 40 & 1) /* the sign extension of the index matters */
            store_le(p, 4, (u64)(s64)((s32)(r >> 8) % 41));
    }
}

static void gathers(void)
{
    static const struct {
        u8 op;
        bool w;
        const char *name;
    } g[] = {
        {0x90, 0, "vpgatherdd"}, {0x90, 1, "vpgatherdq"}, {0x91, 0, "vpgatherqd"},
        {0x91, 1, "vpgatherqq"}, {0x92, 0, "vgatherdps"}, {0x92, 1, "vgatherdpd"},
        {0x93, 0, "vgatherqps"}, {0x93, 1, "vgatherqpd"},
    };
    static const struct {
        u8 reg, mask, vi;
        int disp;
    } regs[] = {
        {1, 2, 3, 0x10},   {9, 12, 4, -0x20}, {4, 13, 14, 0x7f},
        {15, 0, 8, -0x80}, {2, 5, 12, 0x08}, /* SIB.index 100b with VEX.X: YMM12 */
    };
    for (unsigned k = 0; k < ARRAY_LEN(g); k++)
        for (int l = 0; l < 2; l++)
            for (unsigned sc = 0; sc < 4; sc++)
                for (unsigned r = 0; r < ARRAY_LEN(regs); r++) {
                    if (r && sc != (r & 3)) continue; /* every scale with the first registers */
                    struct dform f;
                    unsigned isz = (g[k].op & 1) ? 8 : 4;
                    const char *dn = (!l || (isz == 8 && !g[k].w)) ? "xmm" : "ymm";
                    const char *in = (!l || (isz == 4 && g[k].w)) ? "xmm" : "ymm";
                    diff_begin(&f, 0, PTR_RBX, "%s %s%u,[rbx+%s%u*%u%+d],%s%u", g[k].name, dn,
                               regs[r].reg, in, regs[r].vi, 1u << sc, regs[r].disp, dn,
                               regs[r].mask);
                    gather_op(&f, g[k].op, g[k].w, l, regs[r].reg, regs[r].mask, regs[r].vi, sc,
                              regs[r].disp);
                    f.prep = prep_gather;
                    f.arg = (int)(regs[r].vi | isz << 8);
                    run(&f, N);
                }
}

/* 32-bit addresses: the gathers with an address-size prefix in 64-bit code, then in 32-bit
 * code (only XMM0-7/YMM0-7 there). */
static void gathers32(bool compat)
{
    static const struct {
        u8 op;
        bool w;
        const char *name;
    } g[] = {
        {0x90, 0, "vpgatherdd"},
        {0x91, 1, "vpgatherqq"},
        {0x92, 1, "vgatherdpd"},
        {0x93, 0, "vgatherqps"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(g); k++)
        for (int l = 0; l < 2; l++) {
            struct dform f;
            unsigned isz = (g[k].op & 1) ? 8 : 4;
            diff_begin(&f, 0, PTR_RBX, "%s%s [ebx+idx*8-0x30] L%d", compat ? "" : "addr32 ",
                       g[k].name, l);
            if (!compat) diff_put(&f, 0x67);
            gather_op(&f, g[k].op, g[k].w, l, 5, 6, 7, 3, -0x30);
            f.prep = prep_gather;
            f.arg = (int)(7 | isz << 8);
            run(&f, N);
        }
}

int main(void)
{
    d = diff_new(0x41565832ull);
    diff_sse_enable(d);
    broadcasts_permutes();
    masked_shifts();
    gathers();
    gathers32(false);
    printf("diff avx2: %d forms, %d cases, %d failures, %d skipped (host %s)\n", d->forms, d->cases,
           d->failures, d->skipped, d->vendor);
    diff_free(d);
    d = diff_new_mode(0x41565833ull, true);
    diff_sse_enable(d);
    gathers32(true);
    struct dform f;
    for (int l = 0; l < 2; l++) {
        diff_begin(&f, 0, PTR_RBX, "vpmaskmovd %s1,%s2,[ebx+disp8] (32-bit code)", vn(l), vn(l));
        vex_op(&f, 0x66, 2, false, l, 0x8c, 1, 2, -1, DISP + 1, -1);
        run(&f, N);
        diff_begin(&f, 0, 0, "vpbroadcastw %s7,xmm6 (32-bit code)", vn(l));
        vex_op(&f, 0x66, 2, false, l, 0x79, 7, 0, 6, 0, -1);
        run(&f, N);
    }
    diff_begin(&f, 0, 0, "vperm2i128 ymm1,ymm7,ymm2,0x21 (32-bit code)");
    vex_op(&f, 0x66, 3, false, true, 0x46, 1, 7, 2, 0, 0x21);
    run(&f, N);
    printf("diff avx2 (32-bit code): %d forms, %d cases, %d failures, %d skipped\n", d->forms,
           d->cases, d->failures, d->skipped);
    diff_free(d);
    return check_exit();
}
