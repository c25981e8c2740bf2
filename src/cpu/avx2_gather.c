/* AVX2 gathers: VPGATHERDD/DQ (0F38 90, VEX.W0/W1), VPGATHERQD/QQ (91), VGATHERDPS/DPD
 * (92), VGATHERQPS/QPD (93) (SDM Vol. 2 VPGATHERDD/VPGATHERQD, VPGATHERDQ/VPGATHERQQ,
 * VGATHERDPS/VGATHERQPS, VGATHERDPD/VGATHERQPD; VSIB memory addressing, Vol. 2 2.3.12).
 *
 * The memory operand is VSIB: ModRM.rm = 100b with a SIB byte whose index names a vector
 * register. The decoder reads it as an ordinary SIB and stores index NO_REG when SIB.index
 * with VEX.X is 4 (RSP as a general index means none); here that is XMM4/YMM4. The element
 * addresses are base + sign-extended index element * scale + displacement at the address
 * size. Operands: ModRM.reg the destination, VEX.vvvv the mask, whose element sign bits
 * select the elements loaded. Element by element from the lowest: a loaded element is
 * written to the destination and its mask element cleared, so a fault leaves the elements
 * already gathered in place and the mask naming the rest, and the restarted instruction
 * goes on from there. The elements not loaded keep the destination's value; the mask ends
 * all zero; bits past the elements (and past the vector length) of the destination and the
 * mask are zeroed when the instruction completes. #UD without a SIB byte, and when any two
 * of destination, index and mask are the same register. */
#include "avx.h"
#include "cpumodel.h"

/* Byte `off` of YMMn. */
static u8 *ymm_byte(struct cpu *c, unsigned n, unsigned off)
{
    return off < 16 ? fx_xmm(c, n) + off : c->fpu.ymmh[n & 15] + off - 16;
}

static void op_vgather(struct cpu *c, const struct insn *i)
{
    /* VSIB needs a SIB byte: ModRM.rm = 100b, and no 16-bit addressing (no SIB there). */
    if (i->adsz == 2 || (i->modrm & 7) != 4) cpu_ud(c);
    unsigned vindex = i->index == NO_REG ? 4 : i->index;
    unsigned dst = i->reg, mask = vex_vvvv(i);
    if (dst == vindex || dst == mask || vindex == mask) cpu_ud(c);

    unsigned dsz = vex_w(i) ? 8 : 4, isz = (i->op & 1) ? 8 : 4;
    unsigned vl = avx_len(i), nelem = vl / (dsz > isz ? dsz : isz);
    unsigned width = nelem * dsz; /* bytes of destination and mask the elements cover */
    u8 idx[32];
    ymm_get(c, vindex, idx, vl);
    u64 base = (i->base == NO_REG ? 0 : c->r[i->base]) + (u64)i->disp;
    u64 amask = size_mask(i->adsz);

    /* The mask elements become all ones or all zeros first (SDM Operation). */
    for (unsigned k = 0; k < width; k += dsz) {
        u8 *m = ymm_byte(c, mask, k);
        memset(m, (m[dsz - 1] & 0x80) ? 0xff : 0, dsz);
    }
    for (unsigned e = 0; e < nelem; e++) {
        u8 *m = ymm_byte(c, mask, e * dsz);
        if (m[0]) {
            u64 ix = isz == 8 ? load_le(idx + 8 * e, 8) : (u64)(s64)(s32)load_le(idx + 4 * e, 4);
            u64 ea = (base + (ix << i->scale)) & amask;
            u8 v[8];
            lin_read_bytes(c, seg_check(c, i->seg, ea, dsz, ACC_READ), v, dsz, ACC_READ);
            memcpy(ymm_byte(c, dst, e * dsz), v, dsz);
        }
        memset(m, 0, dsz);
    }
    /* Completed: the bytes past the elements are zero (VEX.128: to bit MAXVL-1). */
    for (unsigned k = width; k < 32; k++) {
        *ymm_byte(c, dst, k) = 0;
        *ymm_byte(c, mask, k) = 0;
    }
}

#define G(op)                                                                                      \
    {                                                                                              \
        MAP_0F38, op, -1, OPF_MODRM, op_vgather, IMM_NONE, PFX_66, MOD_MEM, NEEDS(FEAT_AVX2),      \
            VX_ROW                                                                                 \
    }

const struct opdef avx2_gather_ops[] = {
    G(0x90), G(0x91), G(0x92), G(0x93), {.fn = NULL},
};
