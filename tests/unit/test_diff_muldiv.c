/* Differential test of MUL, IMUL (three forms), DIV and IDIV against the host processor,
 * including #DE for zero divisors and quotient overflow (the native #DE arrives as
 * SIGFPE; the emulator must raise #DE and change nothing). SF ZF AF PF are undefined
 * after multiplies and every flag after divides (SDM Vol. 2 MUL, IMUL, DIV, IDIV). */
#include "../diff/diff.h"

#define N 400
#define PTR_RBX (1u << RBX)
enum { A_MEM = 0x10, A_SIGNED = 0x20 };

static unsigned opc(unsigned base, unsigned size) { return size == 1 ? base : base + 1; }

/* Steer dividends and divisors so that most divisions succeed, some overflow, and a few
 * divide by zero. */
static void prep_div(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    unsigned size = f->arg & 0xf;
    u64 m = size_mask(size);
    u8 *mem = s->mem + DIFF_MEM / 2 + 8;
    u64 divisor;
    if (f->arg & A_MEM) memcpy(&divisor, mem, 8);
    else divisor = s->r[RCX];
    u64 r = s->r[R8]; /* random choices */
    if ((r & 15) == 0) divisor &= ~m;              /* zero divisor */
    else if ((r & 15) == 1) divisor = (divisor & ~m) | (m & ~(m >> 1)); /* MIN */
    else if ((r & 15) == 2) divisor |= m;          /* -1 */
    if (f->arg & A_MEM) memcpy(mem, &divisor, 8);
    else s->r[RCX] = divisor;
    if ((r >> 4) & 1) {
        /* High half: small (unsigned) or the sign extension of the low half (signed). */
        u64 lo = size == 1 ? s->r[RAX] & 0xff : s->r[RAX] & m;
        u64 hi = (f->arg & A_SIGNED) ? (sign_extend(lo, size) < 0 ? m : 0)
                                     : ((r >> 8) & m) % ((divisor & m) | 1);
        if (size == 1) s->r[RAX] = (s->r[RAX] & ~0xff00ull) | (hi & 0xff) << 8;
        else s->r[RDX] = (s->r[RDX] & ~m) | hi;
    }
}

int main(void)
{
    struct diff *d = diff_new(0x5eed0002);
    struct dform f;
    static const unsigned sizes[4] = {1, 2, 4, 8};
    static const char *const name[4] = {"mul", "imul", "div", "idiv"};

    for (unsigned si = 0; si < 4; si++) {
        unsigned sz = sizes[si];
        const char *sn = diff_sizename[sz];
        for (unsigned k = 0; k < 4; k++) {
            u64 fl = k < 2 ? FL_CF | FL_OF : 0;
            diff_begin(&f, fl, 0, "%s%s r", name[k], sn);
            diff_size(&f, sz, 0); diff_put(&f, opc(0xf6, sz)); diff_put(&f, modrm(3, 4 + k, RCX));
            if (k >= 2) { f.prep = prep_div; f.arg = sz | (k == 3 ? A_SIGNED : 0); }
            diff_form(d, &f, N, false);
            diff_begin(&f, fl, PTR_RBX, "%s%s m", name[k], sn);
            diff_size(&f, sz, 0); diff_put(&f, opc(0xf6, sz)); diff_put(&f, modrm(1, 4 + k, RBX)); diff_put(&f, 8);
            if (k >= 2) { f.prep = prep_div; f.arg = sz | A_MEM | (k == 3 ? A_SIGNED : 0); }
            diff_form(d, &f, N, false);
        }
        if (sz == 1) continue;
        /* IMUL r, r/m (0F AF); IMUL r, r/m, imm (69 and 6B). */
        diff_begin(&f, FL_CF | FL_OF, 0, "imul%s r,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, 0xaf); diff_put(&f, modrm(3, RDX, RSI));
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_CF | FL_OF, PTR_RBX, "imul%s r,m", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, 0xaf); diff_put(&f, modrm(1, RDX, RBX)); diff_put(&f, 8);
        diff_form(d, &f, N, false);
        static const u32 imm[3] = {0x7fff1234, 0x80000001, 0xffffffff};
        for (unsigned k = 0; k < 3; k++) {
            diff_begin(&f, FL_CF | FL_OF, 0, "imul%s r,r,imm%u (69)", sn, k);
            diff_size(&f, sz, 0); diff_put(&f, 0x69); diff_put(&f, modrm(3, RDI, RSI));
            if (sz == 2) { diff_put(&f, imm[k] & 0xff); diff_put(&f, (imm[k] >> 8) & 0xff); }
            else diff_put32(&f, imm[k]);
            diff_form(d, &f, N / 2, false);
            diff_begin(&f, FL_CF | FL_OF, 0, "imul%s r,r,simm8 %u (6B)", sn, k);
            diff_size(&f, sz, 0); diff_put(&f, 0x6b); diff_put(&f, modrm(3, RDI, RSI)); diff_put(&f, imm[k] & 0xff);
            diff_form(d, &f, N / 2, false);
        }
    }

    printf("# %d forms, %d cases\n", d->forms, d->cases);
    diff_free(d);
    return check_exit();
}
