/* Differential test of the string instructions against the host processor: MOVS CMPS
 * STOS LODS SCAS in every size, without prefix and with REP/REPE/REPNE, both directions
 * (DF random), 64- and 32-bit address sizes. CMPS/SCAS data are made equal up to a random
 * element so REPE/REPNE stop at varying points. The emulator-only properties (restart
 * after the iteration budget, faults mid-way, port I/O) are in test_alu_string.c. */
#include "../diff/diff.h"

#define N 150
#define PTRS (1u << RSI | 1u << RDI)
#define SRC 256 /* rSI and rDI offsets into the data buffer */
#define DST 768
#define MAXCOUNT 30

enum { S_MOVS, S_CMPS, S_STOS, S_LODS, S_SCAS };

static void prep_string(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    unsigned size = f->arg & 0xf, op = (f->arg >> 4) & 0xf;
    u64 r = s->r[R8];
    s->r[RSI] = SRC;
    s->r[RDI] = DST;
    /* With a 32-bit address size only ECX counts: keep random upper bits then. */
    s->r[RCX] = ((f->arg & 0x100) ? s->r[RCX] & ~0xffffffffull : 0) | (r % (MAXCOUNT + 1));
    /* Equal data around both pointers, with one differing element somewhere. */
    int k = (int)((r >> 8) % (2 * MAXCOUNT + 1)) - MAXCOUNT;
    if (op == S_CMPS) {
        memcpy(s->mem + DST - 256, s->mem + SRC - 256, 512);
        s->mem[DST + k * (int)size] ^= 0x40;
    } else if (op == S_SCAS) {
        for (int j = -MAXCOUNT - 1; j <= MAXCOUNT; j++) memcpy(s->mem + DST + j * (int)size, &s->r[RAX], size);
        s->mem[DST + k * (int)size] ^= 0x40;
    }
}

/* REP with a 32-bit address size and ECX = 0: Intel clears RCX[63:32], AMD keeps it. */
static const char *vendor_string(const struct dform *f, const struct dstate *in, u16 *regs, u64 *flags)
{
    bool rep = f->code[1] == 0xf3 || f->code[1] == 0xf2;
    if (!(f->arg & 0x100) || !rep || (u32)in->r[RCX] != 0 || in->r[RCX] >> 32 == 0) return NULL;
    *regs = 1u << RCX;
    return "RCX[63:32] after a 32-bit-address REP with ECX = 0 (Intel clears it, AMD keeps it)";
}

int main(void)
{
    struct diff *d = diff_new(0x5eed0006);
    struct dform f;
    static const char *const nm[5] = {"movs", "cmps", "stos", "lods", "scas"};
    static const u8 base[5] = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
    static const unsigned sizes[4] = {1, 2, 4, 8};
    static const u8 reps[3] = {0, 0xf3, 0xf2};

    for (unsigned op = 0; op < 5; op++)
        for (unsigned si = 0; si < 4; si++)
            for (unsigned rp = 0; rp < 3; rp++)
                for (unsigned a32 = 0; a32 < 2; a32++) {
                    unsigned sz = sizes[si];
                    diff_begin(&f, FL_ARITH, PTRS, "%s%s%s%s", rp == 1 ? "rep " : rp == 2 ? "repne " : "",
                               nm[op], diff_sizename[sz], a32 ? " a32" : "");
                    if (a32) diff_put(&f, 0x67);
                    if (reps[rp]) diff_put(&f, reps[rp]);
                    diff_size(&f, sz, 0);
                    diff_put(&f, sz == 1 ? base[op] : base[op] + 1);
                    f.prep = prep_string;
                    f.vendor = vendor_string;
                    f.arg = sz | op << 4 | a32 << 8;
                    diff_form(d, &f, N, true);
                }

    printf("# %d forms, %d cases, %d forms with vendor differences skipped\n", d->forms, d->cases, d->skipped);
    diff_free(d);
    return check_exit();
}
