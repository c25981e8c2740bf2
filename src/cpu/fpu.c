/* x87 control instructions kernels use (FNINIT, FNCLEX, FNSTSW, FNSTCW, FLDCW, FWAIT, FNOP),
 * EMMS, and FXSAVE/FXRSTOR/LDMXCSR/STMXCSR. x87 arithmetic is a later issue: other D8-DF
 * opcodes apply the #NM rules and are then logged as unimplemented. */
#include "fpu.h"
#include "sysinsn.h"

static void fninit(struct cpu *c)
{
    /* SDM Vol. 1 8.1.x FINIT: FCW 037FH, FSW 0, all tags empty, pointers 0. */
    memset(c->fpu.fxsave, 0, FX_MXCSR);
    fx_set16(c, FX_FCW, 0x037f);
}

/* FSW.ES and B summarise unmasked pending exceptions (SDM Vol. 1 8.1.3). */
static void update_es(struct cpu *c)
{
    u16 sw = fx_get16(c, FX_FSW), cw = fx_get16(c, FX_FCW);
    if (sw & ~cw & 0x3f) sw |= 0x8080;
    else sw &= (u16)~0x8080;
    fx_set16(c, FX_FSW, sw);
}

/* A waiting x87 instruction first reports a pending unmasked exception, FSW.ES (SDM
 * Vol. 1 8.6, 8.7): #MF when CR0.NE=1. With CR0.NE=0 the PC's FERR#/IGNNE# wiring
 * (IRQ 13) applies, which is not modelled: the instruction goes on as if IGNNE# were
 * asserted. */
static void x87_pending_check(struct cpu *c)
{
    if ((fx_get16(c, FX_FSW) & 0x80) && (c->cr0 & CR0_NE)) cpu_raise(c, EXC_MF, NO_ERRCODE);
}

static void op_x87(struct cpu *c, const struct insn *i)
{
    x87_check(c);
    unsigned reg = (i->modrm >> 3) & 7;
    if (i->mod == 3) {
        if (i->op == 0xd9 && i->modrm == 0xd0) { /* FNOP: #NM, then #MF, then nothing */
            x87_pending_check(c);
            return;
        }
        if (i->op == 0xdb && i->modrm == 0xe3) { fninit(c); return; }
        if (i->op == 0xdb && i->modrm == 0xe2) { /* FNCLEX */
            fx_set16(c, FX_FSW, fx_get16(c, FX_FSW) & 0x7f00);
            return;
        }
        if (i->op == 0xdf && i->modrm == 0xe0) { /* FNSTSW AX */
            reg_set(c, RAX, 2, fx_get16(c, FX_FSW));
            return;
        }
    } else {
        u64 ea = insn_ea(c, i);
        if (i->op == 0xd9 && reg == 7) { seg_write(c, i->seg, ea, 2, fx_get16(c, FX_FCW)); return; }
        if (i->op == 0xdd && reg == 7) { seg_write(c, i->seg, ea, 2, fx_get16(c, FX_FSW)); return; }
        if (i->op == 0xd9 && reg == 5) { /* FLDCW */
            fx_set16(c, FX_FCW, (u16)seg_read(c, i->seg, ea, 2));
            update_es(c);
            return;
        }
    }
    cpu_unimplemented(c, i);
}

/* WAIT/FWAIT: #NM only if both CR0.MP and CR0.TS (SDM Vol. 3 Table 2-2), then a
 * pending unmasked x87 exception (one restored by FXRSTOR, or unmasked by FLDCW). */
static void op_fwait(struct cpu *c, const struct insn *i)
{
    (void)i;
    if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) cpu_raise(c, EXC_NM, NO_ERRCODE);
    x87_pending_check(c);
}

/* EMMS: all x87 tags empty (SDM Vol. 2 EMMS). */
static void op_emms(struct cpu *c, const struct insn *i)
{
    (void)i;
    mmx_check(c);
    c->fpu.fxsave[FX_FTW] = 0;
}

/* The FXSAVE image covers the header, ST0-7 and XMM0-7 (XMM0-15 in 64-bit mode); bytes
 * 416-511 are left alone (SDM Vol. 2 FXSAVE, Table 3-53). */
static unsigned fx_bytes(const struct cpu *c) { return c->mode == MODE_LONG ? 416 : 288; }

/* Linear address of the 512-byte area after the segment checks and the 16-byte
 * alignment #GP (not #AC) of FXSAVE/FXRSTOR. */
static u64 fx_area(struct cpu *c, const struct insn *i, int acc)
{
    u64 ea = insn_ea(c, i);
    u64 lin = seg_check(c, i->seg, ea, 1, acc);
    seg_check(c, i->seg, (ea + 511) & size_mask(i->adsz), 1, acc);
    if (lin & 15) cpu_gp(c, 0);
    return lin;
}

void op_fxsave(struct cpu *c, const struct insn *i)
{
    x87_check(c);
    u64 lin = fx_area(c, i, ACC_WRITE);
    u8 img[512];
    unsigned n = fx_bytes(c);
    memcpy(img, c->fpu.fxsave, n);
    store_le(&img[FX_MXCSR_MASK], 4, MXCSR_MASK);
    /* Without REX.W the pointers are 32-bit offsets plus selectors, which are not
     * tracked (0). */
    if (!(i->rex & 8)) {
        memset(&img[FX_FIP + 4], 0, 4);
        memset(&img[FX_FDP + 4], 0, 4);
    }
    lin_write_bytes(c, lin, img, n, ACC_WRITE);
}

void op_fxrstor(struct cpu *c, const struct insn *i)
{
    x87_check(c);
    u64 lin = fx_area(c, i, ACC_READ);
    u8 img[512];
    unsigned n = fx_bytes(c);
    lin_read_bytes(c, lin, img, n, ACC_READ);
    if (load_le(&img[FX_MXCSR], 4) & ~(u64)MXCSR_MASK) cpu_gp(c, 0);
    if (!(i->rex & 8)) {
        memset(&img[FX_FIP + 4], 0, 4);
        memset(&img[FX_FDP + 4], 0, 4);
    }
    memcpy(c->fpu.fxsave, img, n);
    store_le(&c->fpu.fxsave[FX_MXCSR_MASK], 4, MXCSR_MASK);
}

void op_ldmxcsr(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    u64 v = seg_read(c, i->seg, insn_ea(c, i), 4);
    if (v & ~(u64)MXCSR_MASK) cpu_gp(c, 0);
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, v);
}

void op_stmxcsr(struct cpu *c, const struct insn *i)
{
    sse_check(c);
    seg_write(c, i->seg, insn_ea(c, i), 4, fx_mxcsr(c));
}

const struct opdef fpu_ops[] = {
    {MAP_1B, 0xd8, -1, OPF_MODRM, op_x87}, {MAP_1B, 0xd9, -1, OPF_MODRM, op_x87},
    {MAP_1B, 0xda, -1, OPF_MODRM, op_x87}, {MAP_1B, 0xdb, -1, OPF_MODRM, op_x87},
    {MAP_1B, 0xdc, -1, OPF_MODRM, op_x87}, {MAP_1B, 0xdd, -1, OPF_MODRM, op_x87},
    {MAP_1B, 0xde, -1, OPF_MODRM, op_x87}, {MAP_1B, 0xdf, -1, OPF_MODRM, op_x87},
    {MAP_1B, 0x9b, -1, 0, op_fwait},
    {MAP_0F, 0x77, -1, 0, op_emms},
    {.fn = NULL},
};
