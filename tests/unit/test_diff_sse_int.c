/* Differential test of the packed-integer instructions against the host processor, in
 * their SSE2 (xmm, register and memory) and MMX (mm, through MOVQ loads and stores) forms:
 * PADD/PSUB B/W/D/Q, PADDS/PADDUS/PSUBS/PSUBUS B/W, PMULLW/PMULHW/PMULHUW/PMULUDQ,
 * PMADDWD, PAVGB/W, PMINUB/PMAXUB/PMINSW/PMAXSW, PSADBW, PCMPEQ/PCMPGT B/W/D,
 * PAND/PANDN/POR/PXOR, PSLL/PSRL W/D/Q and PSRA W/D by register, memory and imm8 counts,
 * PSLLDQ/PSRLDQ, PACKSSWB/PACKSSDW/PACKUSWB, PUNPCKL/H BW/WD/DQ/QDQ, PSHUFD/HW/LW/W,
 * PINSRW, PEXTRW, PMOVMSKB, MASKMOVDQU/MASKMOVQ, MOVQ2DQ/MOVDQ2Q. XMM0-15, MXCSR, GPRs,
 * flags and memory compared bit for bit. */
#include "../diff/sse_enc.h"

#define N 300

static struct diff *d;

static void emms(struct dform *f) { diff_put(f, 0x0f), diff_put(f, 0x77); }

static void run(struct dform *f, unsigned n) { sse_run(d, f, n); }

/* Shift counts: mostly in range, sometimes just past it, sometimes huge. */
static void prep_count(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    u64 r = diff_rand(d), c = r % 4 == 0 ? diff_value(d) : (r >> 8) % 70;
    memcpy(s->xmm[2], &c, 8);
    memcpy(s->mem + DIFF_MEM / 2 + DISP + 8, &c, 8);
}

/* A two-operand form: xmm register and memory forms, and the MMX form (memory source;
 * and mm0, mm0 as the register form) through MOVQ. */
static void pform(const char *name, unsigned op, int imm, bool mmx, void *prep)
{
    struct dform f;
    diff_begin(&f, 0, 0, "%s xmm1,xmm2", name);
    sse_op(&f, 0x66, false, op, 1, 2, 0, imm);
    f.prep = prep;
    run(&f, N);
    diff_begin(&f, 0, 0, "%s xmm12,xmm7", name);
    sse_op(&f, 0x66, false, op, 12, 7, 0, imm);
    run(&f, N / 4);
    diff_begin(&f, 0, PTR_RBX, "%s xmm3,m128", name);
    sse_op(&f, 0x66, false, op, 3, -1, DISP, imm);
    f.prep = prep;
    run(&f, N);
    if (!mmx) return;
    diff_begin(&f, 0, PTR_RBX, "%s mm0,m64", name);
    sse_op(&f, 0, false, 0x6f, 0, -1, DISP + 0x20, -1);
    sse_op(&f, 0, false, op, 0, -1, DISP + 8, imm);
    sse_op(&f, 0, false, 0x7f, 0, -1, DISP + 0x30, -1);
    emms(&f);
    f.prep = prep;
    run(&f, N);
    diff_begin(&f, 0, PTR_RBX, "%s mm5,mm5", name);
    sse_op(&f, 0, false, 0x6f, 5, -1, DISP + 0x20, -1);
    sse_op(&f, 0, false, op, 5, 5, 0, imm);
    sse_op(&f, 0, false, 0x7f, 5, -1, DISP + 0x30, -1);
    emms(&f);
    run(&f, N / 4);
}

int main(void)
{
    d = diff_new(0x5eed0552);
    diff_sse_enable(d);
    struct dform f;
    static const struct { u8 op; const char *name; } ops[] = {
        {0xfc, "paddb"}, {0xfd, "paddw"}, {0xfe, "paddd"}, {0xd4, "paddq"},
        {0xf8, "psubb"}, {0xf9, "psubw"}, {0xfa, "psubd"}, {0xfb, "psubq"},
        {0xec, "paddsb"}, {0xed, "paddsw"}, {0xdc, "paddusb"}, {0xdd, "paddusw"},
        {0xe8, "psubsb"}, {0xe9, "psubsw"}, {0xd8, "psubusb"}, {0xd9, "psubusw"},
        {0xd5, "pmullw"}, {0xe5, "pmulhw"}, {0xe4, "pmulhuw"}, {0xf4, "pmuludq"},
        {0xf5, "pmaddwd"}, {0xe0, "pavgb"}, {0xe3, "pavgw"}, {0xda, "pminub"},
        {0xde, "pmaxub"}, {0xea, "pminsw"}, {0xee, "pmaxsw"}, {0xf6, "psadbw"},
        {0x74, "pcmpeqb"}, {0x75, "pcmpeqw"}, {0x76, "pcmpeqd"}, {0x64, "pcmpgtb"},
        {0x65, "pcmpgtw"}, {0x66, "pcmpgtd"}, {0xdb, "pand"}, {0xdf, "pandn"},
        {0xeb, "por"}, {0xef, "pxor"}, {0x63, "packsswb"}, {0x6b, "packssdw"},
        {0x67, "packuswb"}, {0x60, "punpcklbw"}, {0x61, "punpcklwd"}, {0x62, "punpckldq"},
        {0x68, "punpckhbw"}, {0x69, "punpckhwd"}, {0x6a, "punpckhdq"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(ops); k++) pform(ops[k].name, ops[k].op, -1, true, NULL);
    pform("punpcklqdq", 0x6c, -1, false, NULL);
    pform("punpckhqdq", 0x6d, -1, false, NULL);
    /* Shifts by a register or memory count. */
    static const struct { u8 op; const char *name; } sh[] = {
        {0xd1, "psrlw"}, {0xd2, "psrld"}, {0xd3, "psrlq"}, {0xe1, "psraw"},
        {0xe2, "psrad"}, {0xf1, "psllw"}, {0xf2, "pslld"}, {0xf3, "psllq"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(sh); k++) pform(sh[k].name, sh[k].op, -1, true, prep_count);
    /* Shifts by imm8: 71/72/73 /2 /4 /6, and 66 0F 73 /3 /7. */
    static const u8 cnt[] = {0, 1, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 0x80, 0xff};
    static const struct { u8 op, r; bool mmx; const char *name; } si[] = {
        {0x71, 2, 1, "psrlw"}, {0x71, 4, 1, "psraw"}, {0x71, 6, 1, "psllw"},
        {0x72, 2, 1, "psrld"}, {0x72, 4, 1, "psrad"}, {0x72, 6, 1, "pslld"},
        {0x73, 2, 1, "psrlq"}, {0x73, 6, 1, "psllq"}, {0x73, 3, 0, "psrldq"}, {0x73, 7, 0, "pslldq"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(si); k++)
        for (unsigned c = 0; c < ARRAY_LEN(cnt); c++) {
            diff_begin(&f, 0, 0, "%s xmm5,%u", si[k].name, cnt[c]);
            sse_op(&f, 0x66, false, si[k].op, si[k].r, 5, 0, cnt[c]);
            run(&f, N / 10);
            if (!si[k].mmx) continue;
            diff_begin(&f, 0, PTR_RBX, "%s mm2,%u", si[k].name, cnt[c]);
            sse_op(&f, 0, false, 0x6f, 2, -1, DISP, -1);
            sse_op(&f, 0, false, si[k].op, si[k].r, 2, 0, cnt[c]);
            sse_op(&f, 0, false, 0x7f, 2, -1, DISP + 0x30, -1);
            emms(&f);
            run(&f, N / 10);
        }
    /* Shuffles. */
    static const u8 imm[] = {0x00, 0x1b, 0xe4, 0x4e, 0xb1, 0x93, 0xff};
    static const struct { u8 pfx; const char *name; } ps[] = {
        {0x66, "pshufd"}, {0xf3, "pshufhw"}, {0xf2, "pshuflw"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(ps); k++)
        for (unsigned m = 0; m < ARRAY_LEN(imm); m++) {
            diff_begin(&f, 0, 0, "%s xmm1,xmm2,%#x", ps[k].name, imm[m]);
            sse_op(&f, ps[k].pfx, false, 0x70, 1, 2, 0, imm[m]);
            run(&f, N / 10);
            diff_begin(&f, 0, PTR_RBX, "%s xmm1,m128,%#x", ps[k].name, imm[m]);
            sse_op(&f, ps[k].pfx, false, 0x70, 1, -1, DISP, imm[m]);
            run(&f, N / 10);
        }
    for (unsigned m = 0; m < ARRAY_LEN(imm); m++) {
        diff_begin(&f, 0, PTR_RBX, "pshufw mm1,m64,%#x", imm[m]);
        sse_op(&f, 0, false, 0x70, 1, -1, DISP, imm[m]);
        sse_op(&f, 0, false, 0x7f, 1, -1, DISP + 0x30, -1);
        emms(&f);
        run(&f, N / 10);
    }
    /* PINSRW, PEXTRW, PMOVMSKB. */
    for (unsigned w = 0; w < 9; w++) {
        diff_begin(&f, 0, 0, "pinsrw xmm1,ecx,%u", w);
        sse_op(&f, 0x66, false, 0xc4, 1, RCX, 0, (int)w);
        run(&f, N / 10);
        diff_begin(&f, 0, PTR_RBX, "pinsrw xmm1,m16,%u", w);
        sse_op(&f, 0x66, false, 0xc4, 1, -1, DISP + 3, (int)w);
        run(&f, N / 10);
        diff_begin(&f, 0, 0, "pextrw eax,xmm6,%u", w);
        sse_op(&f, 0x66, false, 0xc5, RAX, 6, 0, (int)w);
        run(&f, N / 10);
        diff_begin(&f, 0, 0, "pextrw r11,xmm14,%u", w);
        sse_op(&f, 0x66, true, 0xc5, R11, 14, 0, (int)w);
        run(&f, N / 10);
        diff_begin(&f, 0, PTR_RBX, "pinsrw mm1,edx,%u; pextrw esi,mm1,%u", w, w + 1);
        sse_op(&f, 0, false, 0x6f, 1, -1, DISP, -1);
        sse_op(&f, 0, false, 0xc4, 1, RDX, 0, (int)w);
        sse_op(&f, 0, false, 0xc5, RSI, 1, 0, (int)w + 1);
        emms(&f);
        run(&f, N / 10);
    }
    diff_begin(&f, 0, 0, "pmovmskb eax,xmm3");
    sse_op(&f, 0x66, false, 0xd7, RAX, 3, 0, -1);
    run(&f, N);
    diff_begin(&f, 0, 0, "pmovmskb r12,xmm15");
    sse_op(&f, 0x66, true, 0xd7, R12, 15, 0, -1);
    run(&f, N);
    diff_begin(&f, 0, PTR_RBX, "pmovmskb ecx,mm4");
    sse_op(&f, 0, false, 0x6f, 4, -1, DISP, -1);
    sse_op(&f, 0, false, 0xd7, RCX, 4, 0, -1);
    emms(&f);
    run(&f, N);
    /* MASKMOVDQU / MASKMOVQ to [rdi]. */
    diff_begin(&f, 0, 1u << RDI, "maskmovdqu xmm1,xmm2");
    sse_op(&f, 0x66, false, 0xf7, 1, 2, 0, -1);
    run(&f, N);
    diff_begin(&f, 0, (1u << RDI) | PTR_RBX, "maskmovq mm1,mm2");
    sse_op(&f, 0, false, 0x6f, 1, -1, DISP, -1);
    sse_op(&f, 0, false, 0x6f, 2, -1, DISP + 8, -1);
    sse_op(&f, 0, false, 0xf7, 1, 2, 0, -1);
    emms(&f);
    run(&f, N);
    /* MOVQ2DQ / MOVDQ2Q. */
    diff_begin(&f, 0, PTR_RBX, "movq2dq xmm9,mm3");
    sse_op(&f, 0, false, 0x6f, 3, -1, DISP, -1);
    sse_op(&f, 0xf3, false, 0xd6, 9, 3, 0, -1);
    emms(&f);
    run(&f, N / 4);
    diff_begin(&f, 0, PTR_RBX, "movdq2q mm6,xmm10");
    sse_op(&f, 0xf2, false, 0xd6, 6, 10, 0, -1);
    sse_op(&f, 0, false, 0x7f, 6, -1, DISP + 0x30, -1);
    emms(&f);
    run(&f, N / 4);

    printf("diff sse_int: %d forms, %d cases, %d failed (host %s)\n", d->forms, d->cases,
           d->failures, d->vendor);
    diff_free(d);
    return check_exit();
}
