/* The x87 unit's opcode rows (its handlers are x87.c and x87_env.c), WAIT, EMMS, and
 * FXSAVE/FXRSTOR/LDMXCSR/STMXCSR. */
#include "fpu.h"
#include "cpumodel.h"
#include "sysinsn.h"
#include "x87.h"

/* WAIT/FWAIT: #NM only if both CR0.MP and CR0.TS (SDM Vol. 3 Table 2-2), then a
 * pending unmasked x87 exception (#MF, or FERR# with CR0.NE = 0). */
static void op_fwait(struct cpu *c, const struct insn *i)
{
    (void)i;
    if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) cpu_raise(c, EXC_NM, NO_ERRCODE);
    if (fx_get16(c, FX_FSW) & SW_ES) x87_pending(c);
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

/* The memory image of FXSAVE from the state (registers in stack order), and back. w64:
 * REX.W, 64-bit FIP/FDP; else 32-bit offsets with FCS/FDS (SDM Vol. 2 FXSAVE). */
void fpu_image_out(const struct cpu *c, u8 *img, unsigned n, bool w64)
{
    memcpy(img, c->fpu.fxsave, n);
    for (unsigned k = 0; k < 8; k++) {
        unsigned p = x87_phys(c, k);
        memcpy(&img[FX_ST0 + 16 * k], &c->fpu.fxsave[FX_ST0 + 16 * p], 16);
    }
    store_le(&img[FX_MXCSR_MASK], 4, MXCSR_MASK);
    if (!w64) {
        store_le(&img[FX_FIP + 4], 4, x87_stored_sel(c, X87_FCS));
        store_le(&img[FX_FDP + 4], 4, x87_stored_sel(c, X87_FDS));
    }
}
void fpu_image_in(struct cpu *c, const u8 *img, unsigned n, bool w64)
{
    memcpy(c->fpu.fxsave, img, n);
    for (unsigned k = 0; k < 8; k++) {
        unsigned p = x87_phys(c, k);
        memcpy(&c->fpu.fxsave[FX_ST0 + 16 * p], &img[FX_ST0 + 16 * k], 16);
    }
    store_le(&c->fpu.fxsave[FX_MXCSR_MASK], 4, MXCSR_MASK);
    fx_set16(c, X87_FCS, w64 ? 0 : (u16)load_le(&img[FX_FIP + 4], 2));
    fx_set16(c, X87_FDS, w64 ? 0 : (u16)load_le(&img[FX_FDP + 4], 2));
    if (!w64) {
        memset(&c->fpu.fxsave[FX_FIP + 4], 0, 4);
        memset(&c->fpu.fxsave[FX_FDP + 4], 0, 4);
    }
    /* ES and B follow the loaded flags and masks, whatever the image says (SDM Vol. 1
     * 8.1.3.1; FXRSTOR: an unmasked flag raises its exception at the next x87 instruction). */
    x87_update_es(c);
}

/* FXSAVE/FXRSTOR: #UD without CPUID.1:EDX.FXSR, then the x87 #NM rules (SDM Vol. 2). */
void op_fxsave(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, FEAT_FXSR)) cpu_ud(c);
    x87_check(c);
    u64 lin = fx_area(c, i, ACC_WRITE);
    u8 img[512];
    unsigned n = fx_bytes(c);
    fpu_image_out(c, img, n, i->rex & 8);
    lin_write_bytes(c, lin, img, n, ACC_WRITE);
}

void op_fxrstor(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, FEAT_FXSR)) cpu_ud(c);
    x87_check(c);
    u64 lin = fx_area(c, i, ACC_READ);
    u8 img[512];
    unsigned n = fx_bytes(c);
    lin_read_bytes(c, lin, img, n, ACC_READ);
    if (load_le(&img[FX_MXCSR], 4) & ~(u64)MXCSR_MASK) cpu_gp(c, 0);
    fpu_image_in(c, img, n, i->rex & 8);
}

/* LDMXCSR/STMXCSR: #UD without CPUID.1:EDX.SSE, then the SSE rules (SDM Vol. 2). */
void op_ldmxcsr(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, FEAT_SSE)) cpu_ud(c);
    sse_check(c);
    u64 v = seg_read(c, i->seg, insn_ea(c, i), 4);
    if (v & ~(u64)MXCSR_MASK) cpu_gp(c, 0);
    store_le(&c->fpu.fxsave[FX_MXCSR], 4, v);
}

void op_stmxcsr(struct cpu *c, const struct insn *i)
{
    if (!cpu_has(c, FEAT_SSE)) cpu_ud(c);
    sse_check(c);
    seg_write(c, i->seg, insn_ea(c, i), 4, fx_mxcsr(c));
}

/* The x87 rows (SDM Vol. 2 Appendix A.4, Tables ): one per escape opcode,
 * ModRM.reg and memory/register operand. Register rows whose ModRM.rm selects different
 * instructions (D9 /2 /4 /5 /6 /7, DA /5, DB /4, DE /3, DF /4) have one handler that
 * raises #UD for the invalid rm values. Slots without a row are #UD. */
#define XM(op, r, fn) {MAP_1B, op, r, OPF_MODRM, fn, .mod = MOD_MEM}
#define XR(op, r, fn) {MAP_1B, op, r, OPF_MODRM, fn, .mod = MOD_REG}
const struct opdef fpu_ops[] = {
    /* D8: arithmetic on ST0 with m32fp / ST(i) */
    XM(0xd8, 0, op_fp_arith_m), XM(0xd8, 1, op_fp_arith_m), XM(0xd8, 2, op_fp_arith_m),
    XM(0xd8, 3, op_fp_arith_m), XM(0xd8, 4, op_fp_arith_m), XM(0xd8, 5, op_fp_arith_m),
    XM(0xd8, 6, op_fp_arith_m), XM(0xd8, 7, op_fp_arith_m),
    XR(0xd8, 0, op_fp_arith_st0), XR(0xd8, 1, op_fp_arith_st0), XR(0xd8, 2, op_fp_com_r),
    XR(0xd8, 3, op_fp_com_r), XR(0xd8, 4, op_fp_arith_st0), XR(0xd8, 5, op_fp_arith_st0),
    XR(0xd8, 6, op_fp_arith_st0), XR(0xd8, 7, op_fp_arith_st0),
    /* D9: FLD/FST/FSTP m32fp, FLDENV, FLDCW, FNSTENV, FNSTCW; FLD/FXCH ST(i), FNOP,
     * FSTP1, FCHS FABS FTST FXAM, constants, D9 F0-FF */
    XM(0xd9, 0, op_fld_m), XM(0xd9, 2, op_fst_m), XM(0xd9, 3, op_fst_m),
    XM(0xd9, 4, op_fldenv), XM(0xd9, 5, op_fldcw), XM(0xd9, 6, op_fnstenv),
    XM(0xd9, 7, op_fnstcw),
    XR(0xd9, 0, op_fld_r), XR(0xd9, 1, op_fxch), XR(0xd9, 2, op_fnop), XR(0xd9, 3, op_fst_r),
    XR(0xd9, 4, op_d9_e0), XR(0xd9, 5, op_fldconst), XR(0xd9, 6, op_d9_f0),
    XR(0xd9, 7, op_d9_f8),
    /* DA: m32int arithmetic; FCMOVB/E/BE/U, FUCOMPP */
    XM(0xda, 0, op_fp_arith_m), XM(0xda, 1, op_fp_arith_m), XM(0xda, 2, op_fp_arith_m),
    XM(0xda, 3, op_fp_arith_m), XM(0xda, 4, op_fp_arith_m), XM(0xda, 5, op_fp_arith_m),
    XM(0xda, 6, op_fp_arith_m), XM(0xda, 7, op_fp_arith_m),
    XR(0xda, 0, op_fcmov), XR(0xda, 1, op_fcmov), XR(0xda, 2, op_fcmov), XR(0xda, 3, op_fcmov),
    XR(0xda, 5, op_fcompp),
    /* DB: FILD/FISTTP/FIST/FISTP m32int, FLD/FSTP m80fp; FCMOVNcc, DB E0-E7, FUCOMI, FCOMI */
    XM(0xdb, 0, op_fld_m), XM(0xdb, 1, op_fst_m), XM(0xdb, 2, op_fst_m), XM(0xdb, 3, op_fst_m),
    XM(0xdb, 5, op_fld_m), XM(0xdb, 7, op_fst_m),
    XR(0xdb, 0, op_fcmov), XR(0xdb, 1, op_fcmov), XR(0xdb, 2, op_fcmov), XR(0xdb, 3, op_fcmov),
    XR(0xdb, 4, op_db_e0), XR(0xdb, 5, op_fcomi), XR(0xdb, 6, op_fcomi),
    /* DC: arithmetic with m64fp; ST(i) = ST(i) op ST0 (FCOM2/FCOMP3 aliases at /2 /3) */
    XM(0xdc, 0, op_fp_arith_m), XM(0xdc, 1, op_fp_arith_m), XM(0xdc, 2, op_fp_arith_m),
    XM(0xdc, 3, op_fp_arith_m), XM(0xdc, 4, op_fp_arith_m), XM(0xdc, 5, op_fp_arith_m),
    XM(0xdc, 6, op_fp_arith_m), XM(0xdc, 7, op_fp_arith_m),
    XR(0xdc, 0, op_fp_arith_sti), XR(0xdc, 1, op_fp_arith_sti), XR(0xdc, 2, op_fp_com_r),
    XR(0xdc, 3, op_fp_com_r), XR(0xdc, 4, op_fp_arith_sti), XR(0xdc, 5, op_fp_arith_sti),
    XR(0xdc, 6, op_fp_arith_sti), XR(0xdc, 7, op_fp_arith_sti),
    /* DD: FLD/FISTTP/FST/FSTP m64, FRSTOR, FNSAVE, FNSTSW m16; FFREE, FXCH4, FST(P), FUCOM(P) */
    XM(0xdd, 0, op_fld_m), XM(0xdd, 1, op_fst_m), XM(0xdd, 2, op_fst_m), XM(0xdd, 3, op_fst_m),
    XM(0xdd, 4, op_frstor), XM(0xdd, 6, op_fnsave), XM(0xdd, 7, op_fnstsw_m),
    XR(0xdd, 0, op_ffree), XR(0xdd, 1, op_fxch), XR(0xdd, 2, op_fst_r), XR(0xdd, 3, op_fst_r),
    XR(0xdd, 4, op_fp_com_r), XR(0xdd, 5, op_fp_com_r),
    /* DE: m16int arithmetic; pop forms, FCOMP5 alias, FCOMPP */
    XM(0xde, 0, op_fp_arith_m), XM(0xde, 1, op_fp_arith_m), XM(0xde, 2, op_fp_arith_m),
    XM(0xde, 3, op_fp_arith_m), XM(0xde, 4, op_fp_arith_m), XM(0xde, 5, op_fp_arith_m),
    XM(0xde, 6, op_fp_arith_m), XM(0xde, 7, op_fp_arith_m),
    XR(0xde, 0, op_fp_arith_sti), XR(0xde, 1, op_fp_arith_sti), XR(0xde, 2, op_fp_com_r),
    XR(0xde, 3, op_fcompp), XR(0xde, 4, op_fp_arith_sti), XR(0xde, 5, op_fp_arith_sti),
    XR(0xde, 6, op_fp_arith_sti), XR(0xde, 7, op_fp_arith_sti),
    /* DF: FILD/FISTTP/FIST/FISTP m16int, FBLD, FILD m64, FBSTP, FISTP m64; FFREEP, FXCH7,
     * FSTP8, FSTP9, FNSTSW AX, FUCOMIP, FCOMIP */
    XM(0xdf, 0, op_fld_m), XM(0xdf, 1, op_fst_m), XM(0xdf, 2, op_fst_m), XM(0xdf, 3, op_fst_m),
    XM(0xdf, 4, op_fld_m), XM(0xdf, 5, op_fld_m), XM(0xdf, 6, op_fst_m), XM(0xdf, 7, op_fst_m),
    XR(0xdf, 0, op_ffree), XR(0xdf, 1, op_fxch), XR(0xdf, 2, op_fst_r), XR(0xdf, 3, op_fst_r),
    XR(0xdf, 4, op_fnstsw_ax), XR(0xdf, 5, op_fcomi), XR(0xdf, 6, op_fcomi),

    {MAP_1B, 0x9b, -1, 0, op_fwait},
    {MAP_0F, 0x77, -1, 0, op_emms, .feat = NEEDS(FEAT_MMX)},
    {.fn = NULL},
};
