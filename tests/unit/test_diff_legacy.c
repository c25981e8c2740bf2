/* Differential test, in 32-bit code, of the instructions that exist only outside 64-bit
 * mode: DAA DAS AAA AAS AAM AAD (SF ZF PF defined for DAA/DAS and AAM/AAD; OF undefined
 * for all, and SF ZF PF OF for AAA/AAS; CF AF for AAM/AAD — SDM Vol. 2), INC/DEC 40-4F,
 * the 82 alias of 80, SALC, and a few ordinary forms with 32-bit default sizes. The native side
 * runs in compatibility mode through a far call; the emulated side in flat protected
 * mode. Only the low 32 bits of registers are compared. */
#include "../diff/diff.h"

#define N 2000
#define PTR_RBX (1u << RBX)

/* Small AH so AAA/AAS/AAD results stay varied; AL fully random. */
static void prep_bcd(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    s->r[RAX] = (s->r[RAX] & ~0xffffull) | (s->r[R8] & 0xffff);
}

int main(void)
{
    struct diff *d = diff_new_mode(0x5eed0007, true);
    struct dform f;
    static const struct { const char *n; u8 op; u64 fl; } bcd[] = {
        {"daa", 0x27, FL_ARITH & ~FL_OF}, {"das", 0x2f, FL_ARITH & ~FL_OF},
        {"aaa", 0x37, FL_CF | FL_AF}, {"aas", 0x3f, FL_CF | FL_AF},
    };
    for (unsigned k = 0; k < ARRAY_LEN(bcd); k++) {
        diff_begin(&f, bcd[k].fl, 0, "%s", bcd[k].n);
        diff_put(&f, bcd[k].op);
        f.prep = prep_bcd;
        diff_form(d, &f, N, false);
    }
    static const u8 bases[] = {10, 16, 7, 255, 1};
    for (unsigned k = 0; k < ARRAY_LEN(bases); k++) {
        diff_begin(&f, FL_SF | FL_ZF | FL_PF, 0, "aam %u", bases[k]);
        diff_put(&f, 0xd4); diff_put(&f, bases[k]);
        f.prep = prep_bcd;
        diff_form(d, &f, N / 4, false);
        diff_begin(&f, FL_SF | FL_ZF | FL_PF, 0, "aad %u", bases[k]);
        diff_put(&f, 0xd5); diff_put(&f, bases[k]);
        f.prep = prep_bcd;
        diff_form(d, &f, N / 4, false);
    }
    /* INC/DEC r32 and r16 through 40-4F. */
    for (unsigned r = 0; r < 8; r++) {
        if (r == RSP) continue;
        for (unsigned dec = 0; dec < 2; dec++) {
            diff_begin(&f, FL_ARITH, 0, "%s r%u (%02X)", dec ? "dec" : "inc", r, 0x40 + dec * 8 + r);
            diff_put(&f, 0x40 + dec * 8 + r);
            diff_form(d, &f, N / 8, false);
            diff_begin(&f, FL_ARITH, 0, "%s r%u 16-bit", dec ? "dec" : "inc", r);
            diff_put(&f, 0x66); diff_put(&f, 0x40 + dec * 8 + r);
            diff_form(d, &f, N / 8, false);
        }
    }
    /* 82 /op ib: the 80 alias valid outside 64-bit mode. */
    for (unsigned op = 0; op < 8; op++) {
        diff_begin(&f, (op == 1 || op == 4 || op == 6) ? FL_ARITH & ~FL_AF : FL_ARITH, 0, "82 /%u cl,imm8", op);
        diff_put(&f, 0x82); diff_put(&f, modrm(3, op, RCX)); diff_put(&f, 0x93);
        diff_form(d, &f, N / 8, false);
    }
    /* SALC (D6): AL = CF ? FFh : 00h, flags unchanged (Intel; AMD processors agree). */
    diff_begin(&f, FL_ARITH, 0, "salc (D6)");
    diff_put(&f, 0xd6);
    diff_form(d, &f, N / 8, false);
    /* Ordinary forms in 32-bit code: memory operands, string move, 16-bit operands. */
    diff_begin(&f, FL_ARITH, PTR_RBX, "adc [ebx+4],ecx (32-bit code)");
    diff_put(&f, 0x11); diff_put(&f, modrm(1, RCX, RBX)); diff_put(&f, 4);
    diff_form(d, &f, N / 4, false);
    diff_begin(&f, FL_CF | FL_OF, 0, "imul ax,cx,imm16 (32-bit code)");
    diff_put(&f, 0x66); diff_put(&f, 0x69); diff_put(&f, modrm(3, RAX, RCX)); diff_put(&f, 0x34); diff_put(&f, 0x92);
    diff_form(d, &f, N / 4, false);
    diff_begin(&f, FL_ARITH, 0, "cwde/cdq (32-bit code)");
    diff_put(&f, 0x98); diff_put(&f, 0x99);
    diff_form(d, &f, N / 4, false);

    printf("# %d forms, %d cases\n", d->forms, d->cases);
    diff_free(d);
    return check_exit();
}
