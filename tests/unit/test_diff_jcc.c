/* Differential test of Jcc right after the flags writer it tests, against the host
 * processor: CMP, SUB, AND, OR, XOR and TEST of 8, 32 and 64 bits (register and 8-bit
 * immediate forms), each followed by every one of the 16 conditions. In 64-bit blocks
 * such a Jcc tests the writer's lazy flags in the shape it knows they have (branch.c
 * branch_after_writer); here a taken branch skips a MOV to ECX, so ECX tells. */
#include "../diff/diff.h"

#define N 40

/* AF is undefined after the logic operations; equal operands half of the time, so that
 * E, BE, LE and their negations see both outcomes. */
static void prep_jcc(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    (void)ign;
    if (s->r[R8] & 1) s->r[RDX] = s->r[RAX];
    *fl = f->arg ? FL_ARITH & ~(u64)FL_AF : FL_ARITH;
}

int main(void)
{
    struct diff *d = diff_new(0x5eed0a11);
    static const struct { const char *name; u8 op; u8 grp1; bool logic; } w[] = {
        {"cmp", 0x38, 7, false}, {"sub", 0x28, 5, false}, {"and", 0x20, 4, true},
        {"or", 0x08, 1, true},   {"xor", 0x30, 6, true},  {"test", 0x84, 0xff, true},
    };
    static const unsigned sizes[3] = {1, 4, 8};
    struct dform f;
    for (unsigned k = 0; k < ARRAY_LEN(w); k++) {
        for (unsigned si = 0; si < 3; si++) {
            unsigned sz = sizes[si], wbit = sz != 1;
            for (unsigned imm = 0; imm < 2; imm++) {
                if (imm && w[k].grp1 == 0xff) continue; /* TEST has no 8-bit immediate form */
                for (unsigned cc = 0; cc < 16; cc++) {
                    diff_begin(&f, 0, 0, "%s%s %s then j%u", w[k].name, diff_sizename[sz],
                               imm ? "r,imm8" : "r,r", cc);
                    diff_size(&f, sz, 0);
                    if (imm) { /* 80 /n ib, 83 /n ib (sign-extended) */
                        diff_put(&f, sz == 1 ? 0x80 : 0x83);
                        diff_put(&f, modrm(3, w[k].grp1, RAX));
                        diff_put(&f, 0x80 + cc * 9);
                    } else {
                        diff_put(&f, w[k].op + wbit);
                        diff_put(&f, modrm(3, RDX, RAX));
                    }
                    diff_put(&f, 0x70 + cc); /* jcc +5: over mov ecx, imm32 */
                    diff_put(&f, 5);
                    diff_put(&f, 0xb9);
                    diff_put32(&f, 0x600dc0de);
                    f.prep = prep_jcc;
                    f.arg = w[k].logic;
                    diff_form(d, &f, N, false);
                }
            }
        }
    }
    printf("# %d forms, %d cases\n", d->forms, d->cases);
    diff_free(d);
    return check_exit();
}
