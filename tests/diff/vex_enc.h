/* Encoder shared by the VEX differential tests (test_diff_avx*.c): one VEX form with its
 * pp, map, W, L, vvvv, ModRM and imm8 (SDM Vol. 2 2.3.5). The two-byte C5 prefix where it
 * can express the form (map 0F, W0, no VEX.X/B), else the three-byte C4. */
#ifndef VP_TEST_VEX_ENC_H
#define VP_TEST_VEX_ENC_H

#include "sse_enc.h"

/* pp: 0/0x66/0xf3/0xf2 as the legacy prefix it stands for; map 1 (0F), 2 (0F38), 3 (0F3A);
 * reg/vvvv/rm register numbers (vvvv 0 when the form has none: 1111b; rm -1: the memory
 * operand [rbx+disp8]); imm -1 for none. */
static inline void vex_op(struct dform *f, unsigned pp, unsigned map, bool w, bool l,
                          unsigned op, unsigned reg, unsigned vvvv, int rm, unsigned disp, int imm)
{
    unsigned ppb = pp == 0x66 ? 1 : pp == 0xf3 ? 2 : pp == 0xf2 ? 3 : 0;
    unsigned tail = (~vvvv & 15) << 3 | (l ? 4 : 0) | ppb;
    bool b = rm >= 8;
    if (map == 1 && !w && !b) {
        diff_put(f, 0xc5);
        diff_put(f, (reg >= 8 ? 0 : 0x80) | tail);
    } else {
        diff_put(f, 0xc4);
        diff_put(f, (reg >= 8 ? 0 : 0x80) | 0x40 | (b ? 0 : 0x20) | map);
        diff_put(f, (w ? 0x80 : 0) | tail);
    }
    diff_put(f, op);
    if (rm < 0) {
        diff_put(f, modrm(1, reg, RBX));
        diff_put(f, disp);
    } else {
        diff_put(f, modrm(3, reg, (unsigned)rm));
    }
    if (imm >= 0) diff_put(f, (unsigned)imm);
}

/* Run VEX form f (XMM and YMM registers and MXCSR in the compared state) over n inputs. */
static inline void vex_run(struct diff *d, struct dform *f, unsigned n)
{
    f->avx = true;
    sse_run(d, f, n);
}

#endif
