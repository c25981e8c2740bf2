/* Port I/O: IN/OUT and the I/O protection check shared with INS/OUTS (SDM Vol. 1 19.5:
 * IOPL, and the I/O permission bitmap in the TSS, which virtual-8086 mode always uses). */
#include "../machine/machine.h"
#include "descriptor.h"
#include "insn.h"
#include "../vmx/intercept.h"

/* SDM Vol. 1 19.5.2: every bit for ports port..port+size-1 in the TSS bitmap must be 0.
 * The bitmap offset is the word at TSS+66H; bytes beyond the TSS limit count as 1s. */
static bool bitmap_allows(struct cpu *c, u16 port, unsigned size)
{
    const struct seg *tr = &c->seg[SEG_TR];
    unsigned type = tr->ar & AR_TYPE;
    /* Only a 32-bit (or 64-bit) TSS has a bitmap; it must reach the offset field. */
    if ((tr->ar & AR_UNUSABLE) || (type != DT_TSS32 && type != DT_TSS32_BUSY) || tr->limit < 0x67)
        return false;
    u32 off = (u32)lin_read(c, tr->base + 0x66, 2, ACC_READ | ACC_SUPER);
    u32 byte = off + port / 8;
    /* Two bytes are read so that a range straddling a byte boundary is covered. */
    if (byte + 1 > tr->limit) return false;
    u32 bits = (u32)lin_read(c, tr->base + byte, 2, ACC_READ | ACC_SUPER);
    u32 mask = ((1u << size) - 1) << (port & 7);
    return (bits & mask) == 0;
}

void cpu_io_check(struct cpu *c, u16 port, unsigned size)
{
    if (c->mode == MODE_REAL) return;
    unsigned iopl = (cpu_get_rflags(c) & FL_IOPL) >> 12;
    if (c->mode != MODE_V86 && c->cpl <= iopl) return;
    if (!bitmap_allows(c, port, size)) cpu_gp(c, 0);
}

u32 cpu_port_in(struct cpu *c, u16 port, unsigned size)
{
    cpu_io_check(c, port, size);
    return io_read(c->m, c, port, size);
}

void cpu_port_out(struct cpu *c, u16 port, unsigned size, u32 val)
{
    cpu_io_check(c, port, size);
    io_write(c->m, c, port, size, val);
}

/* IN/OUT transfer 1, 2 or 4 bytes; REX.W does not make them 64-bit. */
static unsigned io_size(const struct insn *i) { return i->opsz > 4 ? 4 : i->opsz; }

static u16 io_port(const struct cpu *c, const struct insn *i)
{
    /* E4-E7 take an 8-bit immediate port; EC-EF use DX. */
    return (i->op & 8) ? (u16)c->r[RDX] : (u16)i->imm;
}

static void op_in(struct cpu *c, const struct insn *i)
{
    unsigned size = io_size(i);
    if (c->vmx_nonroot) cpu_io_check(c, io_port(c, i), size), vmx_intercept_io(c, i, io_port(c, i), size, true);
    u32 v = cpu_port_in(c, io_port(c, i), size);
    reg_set(c, RAX, size, v); /* a 32-bit IN zero-extends into RAX */
}

static void op_out(struct cpu *c, const struct insn *i)
{
    unsigned size = io_size(i);
    if (c->vmx_nonroot) cpu_io_check(c, io_port(c, i), size), vmx_intercept_io(c, i, io_port(c, i), size, false);
    cpu_port_out(c, io_port(c, i), size, (u32)reg_get(c, RAX, size));
}

/* A device access may raise an interrupt, reset the machine or stop the run: end the
 * block so the executor looks at events right after it. */
const struct opdef io_ops[] = {
    {MAP_1B, 0xe4, -1, OPF_ENDBLOCK | OPF_BYTE, op_in, IMM_UB},
    {MAP_1B, 0xe5, -1, OPF_ENDBLOCK, op_in, IMM_UB},
    {MAP_1B, 0xe6, -1, OPF_ENDBLOCK | OPF_BYTE, op_out, IMM_UB},
    {MAP_1B, 0xe7, -1, OPF_ENDBLOCK, op_out, IMM_UB},
    {MAP_1B, 0xec, -1, OPF_ENDBLOCK | OPF_BYTE, op_in},  {MAP_1B, 0xed, -1, OPF_ENDBLOCK, op_in},
    {MAP_1B, 0xee, -1, OPF_ENDBLOCK | OPF_BYTE, op_out}, {MAP_1B, 0xef, -1, OPF_ENDBLOCK, op_out},
    {.fn = NULL},
};
