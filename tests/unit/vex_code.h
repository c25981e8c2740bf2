/* Emulator-side AVX tests (test_avx_int.c, test_avx2.c): a state with AVX enabled and
 * recognisable registers, and a VEX form's bytes. */
#ifndef VP_TEST_VEX_CODE_H
#define VP_TEST_VEX_CODE_H

#include "harness.h"

/* Mode `mode` with CR4.OSFXSR/OSXMMEXCPT/OSXSAVE, XCR0 = 7, MXCSR default, RBX = data,
 * XMMn filled with 10h + n and bits 255:128 of YMMn with 80h + n, memory at `data` 0, 1, 2... */
static inline void vex_setup(struct harness *h, enum cpu_mode mode, u64 data)
{
    harness_set_mode(h, mode);
    struct cpu *c = h->c;
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE;
    c->xcr0 = 7;
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, 0x1f80);
    c->r[RBX] = data;
    for (unsigned n = 0; n < 16; n++) {
        memset(fx_xmm(c, n), 0x10 + n, 16);
        memset(c->fpu.ymmh[n], 0x80 + n, 16);
    }
    u8 mem[128];
    for (unsigned k = 0; k < sizeof mem; k++)
        mem[k] = (u8)k;
    phys_copy_in(h->m, data, mem, sizeof mem);
}

/* YMMn as vex_setup left it. */
static inline bool vex_reg_unchanged(struct harness *h, unsigned n)
{
    for (unsigned k = 0; k < 16; k++)
        if (fx_xmm(h->c, n)[k] != 0x10 + n || h->c->fpu.ymmh[n][k] != 0x80 + n) return false;
    return true;
}

struct code {
    u8 b[16];
    unsigned n;
};
/* C4 form: pp (0/66/F3/F2), map 1-3, W, L, opcode, ModRM.reg, vvvv, then a register r/m
 * (rm >= 0) or [rbx+disp8], imm8 when imm >= 0. */
static inline struct code vex_code(unsigned pp, unsigned map, bool w, bool l, unsigned op,
                                   unsigned reg, unsigned vvvv, int rm, unsigned disp, int imm)
{
    struct code c = {{0}, 0};
    unsigned ppb = pp == 0x66 ? 1 : pp == 0xf3 ? 2 : pp == 0xf2 ? 3 : 0;
    c.b[c.n++] = 0xc4;
    c.b[c.n++] = (u8)((reg >= 8 ? 0 : 0x80) | 0x40 | (rm >= 8 ? 0 : 0x20) | map);
    c.b[c.n++] = (u8)((w ? 0x80 : 0) | (~vvvv & 15) << 3 | (l ? 4 : 0) | ppb);
    c.b[c.n++] = (u8)op;
    if (rm < 0) {
        c.b[c.n++] = (u8)(0x40 | (reg & 7) << 3 | RBX);
        c.b[c.n++] = (u8)disp;
    } else {
        c.b[c.n++] = (u8)(0xc0 | (reg & 7) << 3 | (rm & 7));
    }
    if (imm >= 0) c.b[c.n++] = (u8)imm;
    return c;
}
static inline int vex_run_code(struct harness *h, struct code c)
{
    return harness_run(h, c.b, c.n, 100);
}

#endif
