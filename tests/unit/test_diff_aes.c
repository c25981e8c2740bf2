/* Differential test of AES-NI and PCLMULQDQ against the host processor: AESENC,
 * AESENCLAST, AESDEC, AESDECLAST, AESIMC (register and aligned memory sources, low and
 * high registers, a register with itself), AESKEYGENASSIST with each of the 256 RCON
 * immediates, PCLMULQDQ with each of the 256 immediates (qword selectors in bits 0 and 4,
 * the rest ignored), from random XMM and memory contents. XMM0-15, MXCSR, GPRs, flags and
 * memory compared bit for bit. Then the FIPS-197 Appendix C.1 AES-128 vector through a
 * whole key expansion and cipher in the emulator, and in the emulator only: #UD on a model
 * without AES or PCLMULQDQ (core2), #GP(0) for an unaligned m128. */
#include "../diff/sse_enc.h"


static struct diff *d;

static void run(struct dform *f, unsigned n) { sse_run(d, f, n); }

/* Random bytes in every XMM register (the default state is floating-point biased). */
static void prep_bytes(const struct dform *f, struct dstate *s, u64 *flags, u16 *ignore)
{
    (void)f, (void)flags, (void)ignore;
    for (unsigned r = 0; r < 16; r++)
        for (unsigned k = 0; k < 16; k += 8) {
            u64 v = diff_rand(d) % 8 ? diff_rand(d) : diff_value(d);
            memcpy(s->xmm[r] + k, &v, 8);
        }
}

/* A form in register, high-register, same-register and memory variants. */
static void xform(const char *name, unsigned map, unsigned op, int imm, unsigned n)
{
    struct dform f;
    diff_begin(&f, 0, 0, imm < 0 ? "%s xmm1,xmm2" : "%s xmm1,xmm2,%#x", name, imm);
    sse_op_map(&f, 0x66, false, map, op, 1, 2, 0, imm);
    f.prep = prep_bytes;
    run(&f, n);
    diff_begin(&f, 0, 0, imm < 0 ? "%s xmm15,xmm8" : "%s xmm15,xmm8,%#x", name, imm);
    sse_op_map(&f, 0x66, false, map, op, 15, 8, 0, imm);
    f.prep = prep_bytes;
    run(&f, n / 4 + 1);
    diff_begin(&f, 0, 0, imm < 0 ? "%s xmm5,xmm5" : "%s xmm5,xmm5,%#x", name, imm);
    sse_op_map(&f, 0x66, false, map, op, 5, 5, 0, imm);
    f.prep = prep_bytes;
    run(&f, n / 4 + 1);
    diff_begin(&f, 0, PTR_RBX, imm < 0 ? "%s xmm3,m128" : "%s xmm3,m128,%#x", name, imm);
    sse_op_map(&f, 0x66, false, map, op, 3, -1, DISP, imm);
    f.prep = prep_bytes;
    run(&f, n);
}

static unsigned emu_run(const u8 *code, unsigned len)
{
    struct cpu *c = d->h->c;
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    c->cr0 &= ~(u64)(CR0_EM | CR0_TS);
    c->r[RBX] = HARNESS_DATA + 0x100;
    return (unsigned)harness_run(d->h, code, len, 100000);
}

/* FIPS-197 Appendix C.1: AES-128, key 000102..0f, plaintext 00112233..ff, ciphertext
 * 69c4e0d86a7b0430d8cdb78070b4c55a; the key schedule from AESKEYGENASSIST as Intel's
 * AES-NI white paper does it, then 9 AESENC and an AESENCLAST; and back with AESIMC'd
 * round keys, AESDEC and AESDECLAST. */
static void test_fips197(void)
{
    struct cpu *c = d->h->c;
    u8 key[16], pt[16], ct[16];
    static const u8 want[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
    for (unsigned k = 0; k < 16; k++)
        key[k] = (u8)k, pt[k] = (u8)(k * 0x11);
    /* Key expansion: xmm1 = key; per round: aeskeygenassist xmm2,xmm1,rcon;
     * pshufd xmm2,xmm2,0xff; xmm3 = xmm1 << 4 bytes three times xored in; xmm1 ^= xmm2;
     * movdqa [rbx+16*r],xmm1. */
    static const u8 rcon[10] = {1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36};
    u8 code[1024];
    unsigned n = 0;
#define B(...)                                                                                     \
    do {                                                                                           \
        static const u8 b_[] = {__VA_ARGS__};                                                      \
        memcpy(code + n, b_, sizeof b_), n += sizeof b_;                                           \
    } while (0)
    B(0x66, 0x0f, 0x6f, 0x0b);       /* movdqa xmm1,[rbx] */
    B(0x66, 0x0f, 0x7f, 0x4b, 0x20); /* movdqa [rbx+0x20],xmm1: round key 0 */
    for (unsigned r = 0; r < 10; r++) {
        B(0x66, 0x0f, 0x3a, 0xdf, 0xd1); /* aeskeygenassist xmm2,xmm1,imm */
        code[n++] = rcon[r];
        B(0x66, 0x0f, 0x70, 0xd2, 0xff); /* pshufd xmm2,xmm2,0xff */
        for (unsigned k = 0; k < 3; k++) {
            B(0x66, 0x0f, 0x6f, 0xd9);       /* movdqa xmm3,xmm1 */
            B(0x66, 0x0f, 0x73, 0xfb, 0x04); /* pslldq xmm3,4 */
            B(0x66, 0x0f, 0xef, 0xcb);       /* pxor xmm1,xmm3 */
        }
        B(0x66, 0x0f, 0xef, 0xca); /* pxor xmm1,xmm2 */
        B(0x66, 0x0f, 0x7f, 0x8b); /* movdqa [rbx+0x30+16r],xmm1 */
        u32 off = 0x30 + 16 * r;
        memcpy(code + n, &off, 4), n += 4;
    }
    /* Encrypt: xmm0 = pt ^ rk0; aesenc with rk1..9; aesenclast rk10; store at [rbx+0x10]. */
    B(0x66, 0x0f, 0x6f, 0x43, 0x10); /* movdqa xmm0,[rbx+0x10] */
    B(0x66, 0x0f, 0xef, 0x43, 0x20); /* pxor xmm0,[rbx+0x20] */
    for (unsigned r = 1; r <= 10; r++) {
        B(0x66, 0x0f, 0x38);
        code[n++] = r < 10 ? 0xdc : 0xdd; /* aesenc / aesenclast xmm0,[rbx+disp32] */
        code[n++] = 0x83;
        u32 off = 0x20 + 16 * r;
        memcpy(code + n, &off, 4), n += 4;
    }
    B(0x66, 0x0f, 0x7f, 0x83, 0x00, 0x02, 0, 0); /* movdqa [rbx+0x200],xmm0 */
    /* Decrypt: xmm4 = ct ^ rk10; aesdec with aesimc(rk9..1); aesdeclast rk0. */
    B(0x66, 0x0f, 0x6f, 0xe0);                /* movdqa xmm4,xmm0 */
    B(0x66, 0x0f, 0xef, 0xa3, 0xc0, 0, 0, 0); /* pxor xmm4,[rbx+0xc0] */
    for (unsigned r = 9; r >= 1; r--) {
        B(0x66, 0x0f, 0x38, 0xdb, 0xab); /* aesimc xmm5,[rbx+disp32] */
        u32 off = 0x20 + 16 * r;
        memcpy(code + n, &off, 4), n += 4;
        B(0x66, 0x0f, 0x38, 0xde, 0xe5); /* aesdec xmm4,xmm5 */
    }
    B(0x66, 0x0f, 0x38, 0xdf, 0x63, 0x20);       /* aesdeclast xmm4,[rbx+0x20] */
    B(0x66, 0x0f, 0x7f, 0xa3, 0x10, 0x02, 0, 0); /* movdqa [rbx+0x210],xmm4 */
#undef B
    phys_copy_in(d->h->m, HARNESS_DATA + 0x100, key, 16);
    phys_copy_in(d->h->m, HARNESS_DATA + 0x110, pt, 16);
    int rc = (int)emu_run(code, n);
    u8 back[16];
    phys_copy_out(d->h->m, HARNESS_DATA + 0x300, ct, 16);
    phys_copy_out(d->h->m, HARNESS_DATA + 0x310, back, 16);
    (void)c;
    CHECK("aes.fips197_c1.encrypt", rc == -1 && !memcmp(ct, want, 16),
          "rc %d, ciphertext %02x%02x%02x%02x...", rc, ct[0], ct[1], ct[2], ct[3]);
    CHECK("aes.fips197_c1.decrypt", rc == -1 && !memcmp(back, pt, 16), "rc %d, %02x%02x%02x%02x...",
          rc, back[0], back[1], back[2], back[3]);
}

int main(void)
{
    d = diff_new(0x5eed0aE5);
    diff_sse_enable(d);
    static const struct {
        u8 op;
        const char *name;
    } rounds[] = {
        {0xdc, "aesenc"},     {0xdd, "aesenclast"}, {0xde, "aesdec"},
        {0xdf, "aesdeclast"}, {0xdb, "aesimc"},
    };
    for (unsigned k = 0; k < ARRAY_LEN(rounds); k++)
        xform(rounds[k].name, 0x38, rounds[k].op, -1, 3000);
    for (unsigned imm = 0; imm < 256; imm++)
        xform("aeskeygenassist", 0x3a, 0xdf, (int)imm, 40);
    for (unsigned imm = 0; imm < 256; imm++)
        xform("pclmulqdq", 0x3a, 0x44, (int)imm, 40);

    test_fips197();

    /* Emulator only: core2 (Penryn) has neither AES nor PCLMULQDQ; alignment. */
    struct harness *h = d->h;
    static const u8 enc[] = {0x66, 0x0f, 0x38, 0xdc, 0xca};         /* aesenc xmm1,xmm2 */
    static const u8 enc_m[] = {0x66, 0x0f, 0x38, 0xdc, 0x4b, 0x08}; /* aesenc xmm1,[rbx+8] */
    static const u8 kga[] = {0x66, 0x0f, 0x3a, 0xdf, 0xca, 0x01};   /* aeskeygenassist */
    static const u8 clmul[] = {0x66, 0x0f, 0x3a, 0x44, 0xca, 0x11}; /* pclmulqdq xmm1,xmm2,0x11 */
    static const u8 clmul_m[] = {0x66, 0x0f, 0x3a, 0x44, 0x4b, 0x04, 0x00};
    CHECK_EQ("aes.skylake.aesenc_runs", emu_run(enc, sizeof enc), (unsigned)-1);
    CHECK_EQ("aes.skylake.pclmulqdq_runs", emu_run(clmul, sizeof clmul), (unsigned)-1);
    CHECK_EQ("aes.aesenc_unaligned_m128_gp", emu_run(enc_m, sizeof enc_m), (unsigned)EXC_GP);
    CHECK_EQ("aes.pclmulqdq_unaligned_m128_gp", emu_run(clmul_m, sizeof clmul_m), (unsigned)EXC_GP);
    int model = h->m->cpu_model;
    h->m->cpu_model = cpu_model_lookup("core2");
    CHECK_EQ("aes.core2.aesenc_ud", emu_run(enc, sizeof enc), (unsigned)EXC_UD);
    CHECK_EQ("aes.core2.aeskeygenassist_ud", emu_run(kga, sizeof kga), (unsigned)EXC_UD);
    CHECK_EQ("aes.core2.pclmulqdq_ud", emu_run(clmul, sizeof clmul), (unsigned)EXC_UD);
    h->m->cpu_model = cpu_model_lookup("westmere");
    CHECK_EQ("aes.westmere.aesenc_runs", emu_run(enc, sizeof enc), (unsigned)-1);
    CHECK_EQ("aes.westmere.pclmulqdq_runs", emu_run(clmul, sizeof clmul), (unsigned)-1);
    h->m->cpu_model = model;
    harness_feature(h, FEAT_AES, false);
    CHECK_EQ("aes.minus_aes.aesenc_ud", emu_run(enc, sizeof enc), (unsigned)EXC_UD);
    CHECK_EQ("aes.minus_aes.pclmulqdq_runs", emu_run(clmul, sizeof clmul), (unsigned)-1);
    harness_feature(h, FEAT_AES, true);
    harness_feature(h, FEAT_PCLMULQDQ, false);
    CHECK_EQ("aes.minus_pclmulqdq.pclmulqdq_ud", emu_run(clmul, sizeof clmul), (unsigned)EXC_UD);
    harness_feature(h, FEAT_PCLMULQDQ, true);

    printf("diff aes: %d forms, %d cases, %d failed (host %s)\n", d->forms, d->cases, d->failures,
           d->vendor);
    diff_free(d);
    return check_exit();
}
