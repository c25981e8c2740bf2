/* Encoders shared by the SSE differential tests (test_diff_sse*.c): one legacy-SSE form
 * with its mandatory prefix, REX, opcode map, ModRM and imm8. */
#ifndef VP_TEST_SSE_ENC_H
#define VP_TEST_SSE_ENC_H

#include "diff.h"

#define PTR_RBX (1u << RBX) /* RBX points at the form's memory */
#define DISP 0x40           /* [rbx + 0x40]: 16-byte aligned */

/* Run form f (with XMM registers and MXCSR in the compared state) over n inputs. */
static inline void sse_run(struct diff *d, struct dform *f, unsigned n)
{
    f->sse = true;
    diff_form(d, f, n, false);
}

/* [pfx] [REX] 0F [38|3A] op ModRM [disp8] [imm8]: map is 0 (0F xx), 0x38 or 0x3a; reg/rm
 * are register numbers (rm -1: the memory operand [rbx+disp8]); imm -1 for none. */
static inline void sse_op_map(struct dform *f, unsigned pfx, bool w, unsigned map, unsigned op,
                              unsigned reg, int rm, unsigned disp, int imm)
{
    if (pfx) diff_put(f, pfx);
    unsigned rex = (w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0);
    if (rex) diff_put(f, 0x40 | rex);
    diff_put(f, 0x0f);
    if (map) diff_put(f, map);
    diff_put(f, op);
    if (rm < 0) {
        diff_put(f, modrm(1, reg, RBX)); /* disp8: forms of several instructions fit */
        diff_put(f, disp);
    } else {
        diff_put(f, modrm(3, reg, (unsigned)rm));
    }
    if (imm >= 0) diff_put(f, (unsigned)imm);
}
static inline void sse_op(struct dform *f, unsigned pfx, bool w, unsigned op, unsigned reg, int rm,
                          unsigned disp, int imm)
{
    sse_op_map(f, pfx, w, 0, op, reg, rm, disp, imm);
}

#endif
