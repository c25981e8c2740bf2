/* Differential test of the VEX-encoded packed-integer instructions (AVX's VEX.128 forms,
 * AVX2's VEX.256 forms of the SSE2/SSSE3/SSE4.1/SSE4.2 integer instructions) against the
 * host processor: three-operand forms with VEX.vvvv, register (low and high registers,
 * destination equal to a source) and unaligned memory operands, shifts by xmm/m128 and by
 * imm8 (VEX.vvvv the destination), shuffles, PALIGNR/PBLENDW/MPSADBW/PBLENDVB over their
 * immediates, PMOVSX/ZX, PTEST, moves to and from general registers and memory, inserts
 * and extracts, PMOVMSKB, MOVNTDQ/MOVNTDQA/LDDQU/MASKMOVDQU, the string compares, AES and
 * PCLMULQDQ. XMM0-15 with the YMM upper halves, MXCSR, GPRs, flags and memory compared bit
 * for bit. AVX2's own instructions are in test_diff_avx2.c. */
#include "../diff/vex_enc.h"

#define N 120

static struct diff *d;

static void run(struct dform *f, unsigned n)
{
    vex_run(d, f, n);
}

/* Integer-flavoured inputs now and then: small values, element extremes. */
static void prep_int(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    static const u64 pat[] = {0,
                              ~0ull,
                              0x8000800080008000ull,
                              0x7fff7fff7fff7fffull,
                              0x8080808080808080ull,
                              0x7f7f7f7f7f7f7f7full,
                              0x0001000100010001ull,
                              0x80000000ffffffffull,
                              0x00000000ffffffffull,
                              0xff00ff00ff00ff00ull};
    u64 r = diff_rand(d);
    if (r % 3) return;
    for (unsigned x = 0; x < 16; x++)
        for (unsigned k = 0; k < 32; k += 8) {
            u64 v = diff_rand(d);
            if (v % 3 == 0)
                v = pat[(v >> 8) % ARRAY_LEN(pat)];
            else if (v % 3 == 1)
                v &= 0x0303030303030303ull;
            memcpy(k < 16 ? s->xmm[x] + k : s->ymmh[x] + k - 16, &v, 8);
        }
}

/* Shift counts (in xmm3 and at [rbx+DISP+1]): mostly in range, sometimes past it or huge. */
static void prep_count(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    u64 r = diff_rand(d), c = r % 4 == 0 ? diff_value(d) : (r >> 8) % 70;
    memcpy(s->xmm[3], &c, 8);
    memcpy(s->mem + DIFF_MEM / 2 + DISP + 1, &c, 8);
}

static const char *vn(bool l)
{
    return l ? "ymm" : "xmm";
}

/* A form in VEX.128 and (unless l128) VEX.256: reg = op(vvvv, rm) with low registers, high
 * registers, destination = first source, and an unaligned memory source. nov: the form has
 * no VEX.vvvv operand. */
static void vform(const char *name, unsigned pp, unsigned map, unsigned op, bool w, int imm,
                  bool nov, bool l128, void *prep, u64 flags)
{
    struct dform f;
    for (int l = 0; l < (l128 ? 1 : 2); l++) {
        const char *x = vn(l);
        diff_begin(&f, flags, 0, "%s %s1,%s2,%s3 $%d", name, x, x, x, imm);
        vex_op(&f, pp, map, w, l, op, 1, nov ? 0 : 2, 3, 0, imm);
        f.prep = prep ? prep : prep_int;
        run(&f, N);
        diff_begin(&f, flags, 0, "%s %s12,%s9,%s14 $%d", name, x, x, x, imm);
        vex_op(&f, pp, map, w, l, op, 12, nov ? 0 : 9, 14, 0, imm);
        f.prep = prep ? prep : prep_int;
        run(&f, N / 4);
        if (!nov) {
            diff_begin(&f, flags, 0, "%s %s4,%s4,%s8 $%d", name, x, x, x, imm);
            vex_op(&f, pp, map, w, l, op, 4, 4, 8, 0, imm);
            f.prep = prep ? prep : prep_int;
            run(&f, N / 4);
        }
        diff_begin(&f, flags, PTR_RBX, "%s %s5,%s6,m(unaligned) $%d", name, x, x, imm);
        vex_op(&f, pp, map, w, l, op, 5, nov ? 0 : 6, -1, DISP + 1, imm);
        f.prep = prep ? prep : prep_int;
        run(&f, N);
    }
}
#define V3(name, map, op) vform(name, 0x66, map, op, false, -1, false, false, NULL, 0)
#define V2(name, map, op) vform(name, 0x66, map, op, false, -1, true, false, NULL, 0)

static void map0f(void)
{
    static const struct {
        u8 op;
        const char *name;
    } ops[] = {
        {0xfc, "vpaddb"},      {0xfd, "vpaddw"},     {0xfe, "vpaddd"},     {0xd4, "vpaddq"},
        {0xf8, "vpsubb"},      {0xf9, "vpsubw"},     {0xfa, "vpsubd"},     {0xfb, "vpsubq"},
        {0xec, "vpaddsb"},     {0xed, "vpaddsw"},    {0xdc, "vpaddusb"},   {0xdd, "vpaddusw"},
        {0xe8, "vpsubsb"},     {0xe9, "vpsubsw"},    {0xd8, "vpsubusb"},   {0xd9, "vpsubusw"},
        {0xd5, "vpmullw"},     {0xe5, "vpmulhw"},    {0xe4, "vpmulhuw"},   {0xf4, "vpmuludq"},
        {0xf5, "vpmaddwd"},    {0xe0, "vpavgb"},     {0xe3, "vpavgw"},     {0xda, "vpminub"},
        {0xde, "vpmaxub"},     {0xea, "vpminsw"},    {0xee, "vpmaxsw"},    {0xf6, "vpsadbw"},
        {0x74, "vpcmpeqb"},    {0x75, "vpcmpeqw"},   {0x76, "vpcmpeqd"},   {0x64, "vpcmpgtb"},
        {0x65, "vpcmpgtw"},    {0x66, "vpcmpgtd"},   {0xdb, "vpand"},      {0xdf, "vpandn"},
        {0xeb, "vpor"},        {0xef, "vpxor"},      {0x63, "vpacksswb"},  {0x6b, "vpackssdw"},
        {0x67, "vpackuswb"},   {0x60, "vpunpcklbw"}, {0x61, "vpunpcklwd"}, {0x62, "vpunpckldq"},
        {0x68, "vpunpckhbw"},  {0x69, "vpunpckhwd"}, {0x6a, "vpunpckhdq"}, {0x6c, "vpunpcklqdq"},
        {0x6d, "vpunpckhqdq"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(ops); k++)
        V3(ops[k].name, 1, ops[k].op);
    static const struct {
        u8 op;
        const char *name;
    } sh[] = {
        {0xd1, "vpsrlw"}, {0xd2, "vpsrld"}, {0xd3, "vpsrlq"}, {0xe1, "vpsraw"},
        {0xe2, "vpsrad"}, {0xf1, "vpsllw"}, {0xf2, "vpslld"}, {0xf3, "vpsllq"},
    };
    struct dform f;
    for (unsigned k = 0; k < ARRAY_LEN(sh); k++)
        for (int l = 0; l < 2; l++) { /* the count is xmm3 / m128 in both lengths */
            diff_begin(&f, 0, 0, "%s %s1,%s2,xmm3", sh[k].name, vn(l), vn(l));
            vex_op(&f, 0x66, 1, false, l, sh[k].op, 1, 2, 3, 0, -1);
            f.prep = prep_count;
            run(&f, N);
            diff_begin(&f, 0, PTR_RBX, "%s %s9,%s9,m128", sh[k].name, vn(l), vn(l));
            vex_op(&f, 0x66, 1, false, l, sh[k].op, 9, 9, -1, DISP + 1, -1);
            f.prep = prep_count;
            run(&f, N);
        }
    static const u8 cnt[] = {0, 1, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 0x80, 0xff};
    static const struct {
        u8 op, r;
        const char *name;
    } si[] = {
        {0x71, 2, "vpsrlw"},  {0x71, 4, "vpsraw"},  {0x71, 6, "vpsllw"}, {0x72, 2, "vpsrld"},
        {0x72, 4, "vpsrad"},  {0x72, 6, "vpslld"},  {0x73, 2, "vpsrlq"}, {0x73, 6, "vpsllq"},
        {0x73, 3, "vpsrldq"}, {0x73, 7, "vpslldq"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(si); k++)
        for (unsigned c = 0; c < ARRAY_LEN(cnt); c++)
            for (int l = 0; l < 2; l++) {
                unsigned dst = c & 1 ? 11 : 5, src = c & 2 ? 13 : 6;
                diff_begin(&f, 0, 0, "%s %s%u,%s%u,%u", si[k].name, vn(l), dst, vn(l), src, cnt[c]);
                vex_op(&f, 0x66, 1, false, l, si[k].op, si[k].r, dst, (int)src, 0, cnt[c]);
                run(&f, N / 10);
            }
    static const u8 imm[] = {0x00, 0x1b, 0xe4, 0x4e, 0xb1, 0x93, 0xff};
    static const struct {
        u8 pfx;
        const char *name;
    } ps[] = {
        {0x66, "vpshufd"},
        {0xf3, "vpshufhw"},
        {0xf2, "vpshuflw"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(ps); k++)
        for (unsigned m = 0; m < ARRAY_LEN(imm); m++)
            vform(ps[k].name, ps[k].pfx, 1, 0x70, false, imm[m], true, false, NULL, 0);
}

static void map0f38(void)
{
    static const struct {
        u8 op;
        const char *name;
    } ops[] = {
        {0x00, "vpshufb"},    {0x01, "vphaddw"},  {0x02, "vphaddd"},   {0x03, "vphaddsw"},
        {0x04, "vpmaddubsw"}, {0x05, "vphsubw"},  {0x06, "vphsubd"},   {0x07, "vphsubsw"},
        {0x08, "vpsignb"},    {0x09, "vpsignw"},  {0x0a, "vpsignd"},   {0x0b, "vpmulhrsw"},
        {0x28, "vpmuldq"},    {0x29, "vpcmpeqq"}, {0x2b, "vpackusdw"}, {0x37, "vpcmpgtq"},
        {0x38, "vpminsb"},    {0x39, "vpminsd"},  {0x3a, "vpminuw"},   {0x3b, "vpminud"},
        {0x3c, "vpmaxsb"},    {0x3d, "vpmaxsd"},  {0x3e, "vpmaxuw"},   {0x3f, "vpmaxud"},
        {0x40, "vpmulld"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(ops); k++)
        V3(ops[k].name, 2, ops[k].op);
    static const struct {
        u8 op;
        const char *name;
    } two[] = {
        {0x1c, "vpabsb"},    {0x1d, "vpabsw"},    {0x1e, "vpabsd"},    {0x20, "vpmovsxbw"},
        {0x21, "vpmovsxbd"}, {0x22, "vpmovsxbq"}, {0x23, "vpmovsxwd"}, {0x24, "vpmovsxwq"},
        {0x25, "vpmovsxdq"}, {0x30, "vpmovzxbw"}, {0x31, "vpmovzxbd"}, {0x32, "vpmovzxbq"},
        {0x33, "vpmovzxwd"}, {0x34, "vpmovzxwq"}, {0x35, "vpmovzxdq"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(two); k++)
        V2(two[k].name, 2, two[k].op);
    vform("vptest", 0x66, 2, 0x17, false, -1, true, false, NULL, FL_ARITH);
    vform("vphminposuw", 0x66, 2, 0x41, false, -1, true, true, NULL, 0);
}

static void map0f3a(void)
{
    static const u8 al[] = {0, 1, 3, 7, 8, 15, 16, 17, 24, 31, 32, 33, 255};
    for (unsigned k = 0; k < ARRAY_LEN(al); k++)
        vform("vpalignr", 0x66, 3, 0x0f, false, al[k], false, false, NULL, 0);
    static const u8 bl[] = {0x00, 0xff, 0x01, 0x80, 0xa5, 0x3c};
    for (unsigned k = 0; k < ARRAY_LEN(bl); k++)
        vform("vpblendw", 0x66, 3, 0x0e, false, bl[k], false, false, NULL, 0);
    for (unsigned imm = 0; imm < 64; imm += 5)
        vform("vmpsadbw", 0x66, 3, 0x42, false, (int)imm, false, false, NULL, 0);
    /* VPBLENDVB: the mask register is imm8[7:4]. */
    static const u8 is4[] = {0x00, 0x70, 0xa0, 0xf3};
    for (unsigned k = 0; k < ARRAY_LEN(is4); k++)
        vform("vpblendvb", 0x66, 3, 0x4c, false, is4[k], false, false, NULL, 0);
}

/* Moves, inserts, extracts, masks. */
static void moves(void)
{
    struct dform f;
    for (int w = 0; w < 2; w++) {
        diff_begin(&f, 0, 0, "vmov%s xmm3,rcx", w ? "q" : "d");
        vex_op(&f, 0x66, 1, w, 0, 0x6e, 3, 0, RCX, 0, -1);
        run(&f, N);
        diff_begin(&f, 0, PTR_RBX, "vmov%s xmm13,m", w ? "q" : "d");
        vex_op(&f, 0x66, 1, w, 0, 0x6e, 13, 0, -1, DISP + 1, -1);
        run(&f, N);
        diff_begin(&f, 0, 0, "vmov%s r10,xmm3", w ? "q" : "d");
        vex_op(&f, 0x66, 1, w, 0, 0x7e, 3, 0, R10, 0, -1);
        run(&f, N);
        diff_begin(&f, 0, PTR_RBX, "vmov%s m,xmm9", w ? "q" : "d");
        vex_op(&f, 0x66, 1, w, 0, 0x7e, 9, 0, -1, DISP + 1, -1);
        run(&f, N);
    }
    diff_begin(&f, 0, 0, "vmovq xmm1,xmm12 (F3 7E)");
    vex_op(&f, 0xf3, 1, false, 0, 0x7e, 1, 0, 12, 0, -1);
    run(&f, N);
    diff_begin(&f, 0, PTR_RBX, "vmovq xmm1,m64 (F3 7E)");
    vex_op(&f, 0xf3, 1, false, 0, 0x7e, 1, 0, -1, DISP + 1, -1);
    run(&f, N);
    diff_begin(&f, 0, 0, "vmovq xmm12,xmm1 (66 D6)");
    vex_op(&f, 0x66, 1, false, 0, 0xd6, 1, 0, 12, 0, -1);
    run(&f, N);
    diff_begin(&f, 0, PTR_RBX, "vmovq m64,xmm1 (66 D6)");
    vex_op(&f, 0x66, 1, false, 0, 0xd6, 1, 0, -1, DISP + 1, -1);
    run(&f, N);
    for (int l = 0; l < 2; l++) {
        diff_begin(&f, 0, PTR_RBX, "vmovntdq m,%s7", vn(l));
        vex_op(&f, 0x66, 1, false, l, 0xe7, 7, 0, -1, DISP, -1);
        run(&f, N);
        diff_begin(&f, 0, PTR_RBX, "vmovntdqa %s7,m", vn(l));
        vex_op(&f, 0x66, 2, false, l, 0x2a, 7, 0, -1, DISP, -1);
        run(&f, N);
        diff_begin(&f, 0, PTR_RBX, "vlddqu %s10,m(unaligned)", vn(l));
        vex_op(&f, 0xf2, 1, false, l, 0xf0, 10, 0, -1, DISP + 3, -1);
        run(&f, N);
        diff_begin(&f, 0, 0, "vpmovmskb eax,%s3", vn(l));
        vex_op(&f, 0x66, 1, false, l, 0xd7, RAX, 0, 3, 0, -1);
        run(&f, N);
        diff_begin(&f, 0, 0, "vpmovmskb r12,%s15", vn(l));
        vex_op(&f, 0x66, 1, false, l, 0xd7, R12, 0, 15, 0, -1);
        run(&f, N);
    }
    diff_begin(&f, 0, 1u << RDI, "vmaskmovdqu xmm1,xmm2");
    vex_op(&f, 0x66, 1, false, 0, 0xf7, 1, 0, 2, 0, -1);
    run(&f, N);
    for (unsigned e = 0; e < 17; e += 3) {
        for (int w = 0; w < 2; w++) {
            diff_begin(&f, 0, 0, "vpextrb r9,xmm4,%u W%d", e, w);
            vex_op(&f, 0x66, 3, w, 0, 0x14, 4, 0, R9, 0, (int)e);
            run(&f, N / 10);
            diff_begin(&f, 0, PTR_RBX, "vpextrw m16,xmm4,%u W%d", e, w);
            vex_op(&f, 0x66, 3, w, 0, 0x15, 4, 0, -1, DISP + 1, (int)e);
            run(&f, N / 10);
            diff_begin(&f, 0, 0, "vpextr%s rdx,xmm11,%u", w ? "q" : "d", e);
            vex_op(&f, 0x66, 3, w, 0, 0x16, 11, 0, RDX, 0, (int)e);
            run(&f, N / 10);
            diff_begin(&f, 0, PTR_RBX, "vpextr%s m,xmm11,%u", w ? "q" : "d", e);
            vex_op(&f, 0x66, 3, w, 0, 0x16, 11, 0, -1, DISP + 1, (int)e);
            run(&f, N / 10);
            diff_begin(&f, 0, 0, "vpinsrb xmm1,xmm2,esi,%u W%d", e, w);
            vex_op(&f, 0x66, 3, w, 0, 0x20, 1, 2, RSI, 0, (int)e);
            run(&f, N / 10);
            diff_begin(&f, 0, PTR_RBX, "vpinsrb xmm1,xmm9,m8,%u W%d", e, w);
            vex_op(&f, 0x66, 3, w, 0, 0x20, 1, 9, -1, DISP + 1, (int)e);
            run(&f, N / 10);
            diff_begin(&f, 0, 0, "vpinsr%s xmm8,xmm2,rsi,%u", w ? "q" : "d", e);
            vex_op(&f, 0x66, 3, w, 0, 0x22, 8, 2, RSI, 0, (int)e);
            run(&f, N / 10);
            diff_begin(&f, 0, PTR_RBX, "vpinsr%s xmm8,xmm8,m,%u", w ? "q" : "d", e);
            vex_op(&f, 0x66, 3, w, 0, 0x22, 8, 8, -1, DISP + 1, (int)e);
            run(&f, N / 10);
        }
        diff_begin(&f, 0, 0, "vpextrw r13,xmm6,%u (0F3A 15)", e);
        vex_op(&f, 0x66, 3, false, 0, 0x15, 6, 0, R13, 0, (int)e);
        run(&f, N / 10);
        diff_begin(&f, 0, 0, "vpextrw eax,xmm6,%u (C5)", e);
        vex_op(&f, 0x66, 1, false, 0, 0xc5, RAX, 0, 6, 0, (int)e);
        run(&f, N / 10);
        diff_begin(&f, 0, 0, "vpinsrw xmm1,xmm3,ecx,%u", e);
        vex_op(&f, 0x66, 1, false, 0, 0xc4, 1, 3, RCX, 0, (int)e);
        run(&f, N / 10);
        diff_begin(&f, 0, PTR_RBX, "vpinsrw xmm14,xmm3,m16,%u", e);
        vex_op(&f, 0x66, 1, false, 0, 0xc4, 14, 3, -1, DISP + 1, (int)e);
        run(&f, N / 10);
    }
}

/* String compares (explicit lengths in RAX/RDX), AES, PCLMULQDQ: VEX.128 only. */
static void prep_len(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    prep_int(f, s, flags, ignore);
    u64 r = diff_rand(d);
    s->r[RAX] = (u64)((s64)(r % 41) - 20);
    s->r[RDX] = (u64)((s64)((r >> 8) % 41) - 20);
    if (r >> 20 & 1) s->r[RAX] = (u32)s->r[RAX];
    for (unsigned k = 0; k < 16; k++) /* a small alphabet so elements match */
        s->xmm[1][k] &= 0x83, s->xmm[2][k] &= 0x83, s->mem[DIFF_MEM / 2 + DISP + 1 + k] &= 0x83;
}
static void strings_aes(void)
{
    static const u8 imm[] = {0x00, 0x01, 0x04, 0x08, 0x0c, 0x12, 0x1a,
                             0x34, 0x3d, 0x40, 0x42, 0x4c, 0x7f};
    static const char *const nm[4] = {"vpcmpestrm", "vpcmpestri", "vpcmpistrm", "vpcmpistri"};
    for (unsigned op = 0x60; op < 0x64; op++)
        for (unsigned k = 0; k < ARRAY_LEN(imm); k++)
            for (int w = 0; w < 2; w++) {
                struct dform f;
                diff_begin(&f, FL_ARITH, 0, "%s xmm1,xmm2,%#x W%d", nm[op - 0x60], imm[k], w);
                vex_op(&f, 0x66, 3, w, 0, op, 1, 0, 2, 0, imm[k]);
                f.prep = prep_len;
                run(&f, N / 4);
                diff_begin(&f, FL_ARITH, PTR_RBX, "%s xmm1,m,%#x W%d", nm[op - 0x60], imm[k], w);
                vex_op(&f, 0x66, 3, w, 0, op, 1, 0, -1, DISP + 1, imm[k]);
                f.prep = prep_len;
                run(&f, N / 4);
            }
    static const struct {
        u8 op;
        const char *name;
    } aes[] = {
        {0xdc, "vaesenc"},
        {0xdd, "vaesenclast"},
        {0xde, "vaesdec"},
        {0xdf, "vaesdeclast"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(aes); k++)
        vform(aes[k].name, 0x66, 2, aes[k].op, false, -1, false, true, NULL, 0);
    vform("vaesimc", 0x66, 2, 0xdb, false, -1, true, true, NULL, 0);
    static const u8 kg[] = {0x00, 0x01, 0x1b, 0x36, 0x80, 0xff};
    for (unsigned k = 0; k < ARRAY_LEN(kg); k++)
        vform("vaeskeygenassist", 0x66, 3, 0xdf, false, kg[k], true, true, NULL, 0);
    static const u8 cl[] = {0x00, 0x01, 0x10, 0x11, 0xee};
    for (unsigned k = 0; k < ARRAY_LEN(cl); k++)
        vform("vpclmulqdq", 0x66, 3, 0x44, false, cl[k], false, true, NULL, 0);
}

/* 32-bit code: VEX.W1 gives no 64-bit operand (VMOVD, VPEXTRD, VPINSRD), VEX.vvvv[3] and
 * imm8[7] of the VPBLENDVB register are ignored, only YMM0-7. */
static void compat(void)
{
    d = diff_new_mode(0x4156584aull, true);
    diff_sse_enable(d);
    struct dform f;
    diff_begin(&f, 0, 0, "vmovd xmm3,ecx W1 (32-bit code)");
    vex_op(&f, 0x66, 1, true, 0, 0x6e, 3, 0, RCX, 0, -1);
    run(&f, N);
    diff_begin(&f, 0, 0, "vmovd edx,xmm5 W1 (32-bit code)");
    vex_op(&f, 0x66, 1, true, 0, 0x7e, 5, 0, RDX, 0, -1);
    run(&f, N);
    /* VPEXTRQ/VPINSRQ outside 64-bit mode: Intel ignores VEX.W1 (SDM PEXTRQ note 2, "V/I"),
     * AMD raises #UD (SIGILL here): compared on Intel only. */
    if (d->intel) {
        diff_begin(&f, 0, 0, "vpextrd ecx,xmm5,3 W1 (32-bit code)");
        vex_op(&f, 0x66, 3, true, 0, 0x16, 5, 0, RCX, 0, 3);
        run(&f, N);
        diff_begin(&f, 0, PTR_RBX, "vpinsrd xmm5,xmm6,[ebx+disp8],1 W1 (32-bit code)");
        vex_op(&f, 0x66, 3, true, 0, 0x22, 5, 6, -1, DISP + 1, 1);
        run(&f, N);
    } else {
        printf("SKIP diff vpextrd/vpinsrd W1 (32-bit code): Intel ignores VEX.W1, AMD raises "
               "#UD; compared only on an Intel host (this host: %s)\n",
               d->vendor);
        d->skipped++;
    }
    diff_begin(&f, 0, 0, "vpextrd ecx,xmm5,3 (32-bit code)");
    vex_op(&f, 0x66, 3, false, 0, 0x16, 5, 0, RCX, 0, 3);
    run(&f, N);
    diff_begin(&f, 0, PTR_RBX, "vpinsrd xmm5,xmm6,[ebx+disp8],1 (32-bit code)");
    vex_op(&f, 0x66, 3, false, 0, 0x22, 5, 6, -1, DISP + 1, 1);
    run(&f, N);
    for (int l = 0; l < 2; l++) {
        diff_begin(&f, 0, 0, "vpaddw %s1,%s7,%s2 (32-bit code)", vn(l), vn(l), vn(l));
        vex_op(&f, 0x66, 1, false, l, 0xfd, 1, 7, 2, 0, -1);
        run(&f, N);
        diff_begin(&f, 0, 0, "vpblendvb %s1,%s2,%s3,(1)111b (32-bit code)", vn(l), vn(l), vn(l));
        vex_op(&f, 0x66, 3, false, l, 0x4c, 1, 2, 3, 0, 0xf0);
        run(&f, N);
        diff_begin(&f, 0, PTR_RBX, "vpmovzxbw %s3,[ebx+disp8] (32-bit code)", vn(l));
        vex_op(&f, 0x66, 2, false, l, 0x30, 3, 0, -1, DISP + 1, -1);
        run(&f, N);
    }
    diff_begin(&f, FL_ARITH, 0, "vpcmpestri xmm1,xmm2,0x0c W1 (32-bit code)");
    vex_op(&f, 0x66, 3, true, 0, 0x61, 1, 0, 2, 0, 0x0c);
    f.prep = prep_len;
    run(&f, N);
    printf("diff avx_int (32-bit code): %d forms, %d cases, %d failures, %d skipped\n", d->forms,
           d->cases, d->failures, d->skipped);
    diff_free(d);
}

int main(void)
{
    d = diff_new(0x41565849ull);
    diff_sse_enable(d);
    map0f();
    map0f38();
    map0f3a();
    moves();
    strings_aes();
    printf("diff avx_int: %d forms, %d cases, %d failures, %d skipped (host %s)\n", d->forms,
           d->cases, d->failures, d->skipped, d->vendor);
    diff_free(d);
    compat();
    return check_exit();
}
