/* The floating-point units' exception machinery (issue 9):
 * - #NM/#UD: x87, WAIT, MMX and SSE instructions under every combination of CR0.MP, EM
 *   and TS (SDM Vol. 3 Table 2-2, Table 12-1, 13.1.3), CLTS, CR4.OSFXSR = 0 (SSE #UD),
 *   CR4.OSXMMEXCPT = 0 (an unmasked SIMD exception is #UD instead of #XM, 13.1.5);
 * - #MF: an unmasked x87 exception sets FSW.ES and B and is reported at the next waiting
 *   x87 instruction with CR0.NE = 1 (SDM Vol. 1 8.6, 8.7), with the faulting instruction's
 *   FIP, FOP and FDP in FNSTENV's image; with CR0.NE = 0 the PC way, FERR# as IRQ 13 on
 *   the slave PIC, acknowledged by a write to port F0H (SDM Vol. 1 D.2.1);
 * - #XM: each MXCSR exception unmasked for a scalar and a packed instruction, the flags
 *   left, the destination untouched, the pre-/post-computation rule (SDM Vol. 1
 *   11.5.2.1) and DAZ/FTZ (10.2.3.4, 11.5.2.5).
 * The #NM/#UD and #XM checks (fpu_exc.h) run again in 64-bit mode (fpu_exc.64.c), which
 * adds XMM8-15, the 64-bit FIP/FDP of an #MF and #XM/#NM from ring 3. */
#include "fpu_exc.h"

/* --- #MF and FERR# -------------------------------------------------------------------- */

static const u32 f_one = 0x3f800000;
u32 f_zero; /* the divisor whose address FDP must hold */
extern char mf_fdiv[], mf_fwait[];

/* ST0 = 1.0 / 0.0 with FCW cw: ZE, and with ZM clear also ES and B. */
static __attribute__((noinline)) void x87_divzero(u16 cw)
{
    fninit();
    fldcw(cw);
    __asm__ volatile("flds %0\n"
                     "mf_fdiv: fdivs %1\n" ::"m"(f_one),
                     "m"(f_zero)
                     : "memory");
}
static __attribute__((noinline)) void p_fwait_at_label(void *a)
{
    __asm__ volatile("mf_fwait: fwait");
}
static void p_fld1_only(void *a)
{
    __asm__ volatile("fld1" ::: "memory");
}
static void p_fnstsw(void *a)
{
    (void)fnstsw();
}
static void p_fnstenv(void *a)
{
    __asm__ volatile("fnstenv %0" : "=m"(fxa));
}
static void p_fnclex(void *a)
{
    fnclex();
}
static void p_cvtpi2ps_mm(void *a)
{
    __asm__ volatile("cvtpi2ps %%mm1, %%xmm7" ::: "memory");
}
static void p_cvtpi2ps_m64(void *a)
{
    static const u64 two_ints = 0x0000000200000001ull;
    __asm__ volatile("cvtpi2ps %0, %%xmm7" ::"m"(two_ints) : "memory");
}
static void p_cvtps2pi(void *a)
{
    __asm__ volatile("cvtps2pi %%xmm7, %%mm1" ::: "memory");
}
static void p_movq2dq(void *a)
{
    __asm__ volatile("movq2dq %%mm1, %%xmm7" ::: "memory");
}
static void p_movdq2q(void *a)
{
    __asm__ volatile("movdq2q %%xmm7, %%mm1" ::: "memory");
}

static u32 env_u32(unsigned off)
{
    return *(u32 *)&fxa[off];
}

static void test_mf(void)
{
    cr0_set(CR0_NE | CR0_MP, CR0_TS | CR0_EM);
    /* Masked: the flag only. */
    x87_divzero(0x37f);
    check_eq("x87_masked_ze_fsw", fnstsw() & 0x80ff, 0x04);
    check_eq("x87_masked_ze_fwait_runs", (u32)catch_fault(p_fwait, 0), (u32)-1);

    /* Unmasked: ES and B at once, the fault waits for the next waiting instruction. */
    x87_divzero(0x37b);
    check_eq("x87_unmasked_ze_fsw", fnstsw() & 0x80ff, 0x8084);
    check_eq("x87_unmasked_fnstsw_no_fault", (u32)catch_fault(p_fnstsw, 0), (u32)-1);
    check_eq("x87_unmasked_fwait_mf", (u32)catch_fault(p_fwait_at_label, 0), 16);
    check_eq("x87_mf_ip_is_fwait", last_trap.ip, (uptr)mf_fwait);
    check_eq("x87_mf_no_errcode_fsw_kept", fnstsw() & 0x80ff, 0x8084);
    check_eq("x87_unmasked_fld1_mf", (u32)catch_fault(p_fld1_only, 0), 16);
    /* MMX instructions (EMMS too) report a pending x87 exception as well, and so do the
     * SSE conversions with an MMX register operand; the memory form of CVTPI2PS, other SSE
     * instructions and FXSAVE do not (SDM Vol. 2, their #MF rows and CVTPI2PS's
     * operand-configuration note; Vol. 3 Table 12-1). */
    check_eq("x87_pending_movq_mm_mf", (u32)catch_fault(p_mmx, 0), 16);
    check_eq("x87_pending_emms_mf", (u32)catch_fault(p_emms, 0), 16);
    check_eq("x87_pending_cvtpi2ps_mm_mf", (u32)catch_fault(p_cvtpi2ps_mm, 0), 16);
    check_eq("x87_pending_cvtpi2ps_m64_runs", (u32)catch_fault(p_cvtpi2ps_m64, 0), (u32)-1);
    check_eq("x87_pending_cvtps2pi_mf", (u32)catch_fault(p_cvtps2pi, 0), 16);
    check_eq("x87_pending_movq2dq_mf", (u32)catch_fault(p_movq2dq, 0), 16);
    check_eq("x87_pending_movdq2q_mf", (u32)catch_fault(p_movdq2q, 0), 16);
    check_eq("x87_pending_xorps_runs", (u32)catch_fault(p_sse, 0), (u32)-1);
    check_eq("x87_pending_fxsave_runs", (u32)catch_fault(p_fxsave, 0), (u32)-1);
    check_eq("x87_pending_still_set", fnstsw() & 0x80ff, 0x8084);

    /* FNSTENV (no wait): the faulting FDIV's pointers and opcode (D8 /6, ModRM 35H). */
    check_eq("x87_fnstenv_no_fault", (u32)catch_fault(p_fnstenv, 0), (u32)-1);
    check_eq("x87_env_fip", env_u32(12), (uptr)mf_fdiv);
    check_eq("x87_env_fop", env_u32(16) >> 16 & 0x7ff, 0x035);
    check_eq("x87_env_fdp", env_u32(20), (uptr)&f_zero);
    check_eq("x87_env_fsw", env_u32(4) & 0x80ff, 0x8084);
    check_eq("x87_env_fcw", env_u32(0) & 0xffff, 0x37b);
    /* FNSTENV masks every exception afterwards: ES and B clear, no fault. */
    check_eq("x87_fnstenv_masks_all", fnstcw() & 0x3f, 0x3f);
    check_eq("x87_fnstenv_es_clear", fnstsw() & 0x8084, 0x0004);
    check_eq("x87_after_fnstenv_fwait_runs", (u32)catch_fault(p_fwait, 0), (u32)-1);

    /* FXRSTOR/FRSTOR of an image whose FSW has an unmasked flag but ES clear: the next
     * waiting instruction still reports it (SDM Vol. 2 FXRSTOR, FRSTOR: an exception
     * "will be generated upon execution of the next x87 FPU floating-point instruction"). */
    fninit();
    __asm__ volatile("fxsave %0" : "=m"(fxa));
    fxa[0] = 0x7e, fxa[1] = 0x03; /* FCW 037EH: IE unmasked */
    fxa[2] = 0x01, fxa[3] = 0x00; /* FSW: IE only, no ES or B */
    __asm__ volatile("fxrstor %0" ::"m"(fxa));
    check_eq("x87_fxrstor_unmasked_flag_fsw_es", fnstsw() & 0x8081, 0x8081);
    check_eq("x87_fxrstor_unmasked_flag_fwait_mf", (u32)catch_fault(p_fwait, 0), 16);
    fninit();
    __asm__ volatile("fnsave %0" : "=m"(fxa));
    fxa[0] = 0x7e, fxa[1] = 0x03, fxa[4] = 0x01, fxa[5] = 0x00; /* 32-bit layout: FCW, FSW */
    __asm__ volatile("frstor %0" ::"m"(fxa));
    check_eq("x87_frstor_unmasked_flag_fsw_es", fnstsw() & 0x8081, 0x8081);
    check_eq("x87_frstor_unmasked_flag_fwait_mf", (u32)catch_fault(p_fwait, 0), 16);
    /* And the other way round: ES set in the image with every flag masked is dropped. */
    fninit();
    __asm__ volatile("fxsave %0" : "=m"(fxa));
    fxa[2] = 0x81, fxa[3] = 0x80; /* FSW: IE, ES, B; FCW 037FH masks IE */
    __asm__ volatile("fxrstor %0" ::"m"(fxa));
    check_eq("x87_fxrstor_masked_es_fsw", fnstsw() & 0x8081, 0x0001);
    check_eq("x87_fxrstor_masked_es_fwait_runs", (u32)catch_fault(p_fwait, 0), (u32)-1);
    fninit();

    /* FNCLEX clears the pending exception. */
    x87_divzero(0x37b);
    check_eq("x87_fnclex_no_fault", (u32)catch_fault(p_fnclex, 0), (u32)-1);
    check_eq("x87_fnclex_clears", fnstsw() & 0x80ff, 0);
    check_eq("x87_after_fnclex_fwait_runs", (u32)catch_fault(p_fwait, 0), (u32)-1);

    /* FLDCW unmasking a flag already set makes it pending (SDM Vol. 1 8.6). */
    x87_divzero(0x37f);
    fldcw(0x37b);
    check_eq("x87_fldcw_unmask_sets_es", fnstsw() & 0x80ff, 0x8084);
    check_eq("x87_fldcw_unmask_fwait_mf", (u32)catch_fault(p_fwait, 0), 16);
    fnclex();

    /* #NM comes before #MF (CR0.TS with MP for WAIT). */
    x87_divzero(0x37b);
    cr0_set(CR0_TS, 0);
    check_eq("x87_pending_ts_fwait_nm", (u32)catch_fault(p_fwait, 0), 7);
    check_eq("x87_pending_ts_fld1_nm", (u32)catch_fault(p_fld1_only, 0), 7);
    clts();
    check_eq("x87_pending_after_clts_mf", (u32)catch_fault(p_fwait, 0), 16);
    /* WAIT without CR0.MP ignores TS: the pending exception comes first (Table 2-2). */
    cr0_set(CR0_TS, CR0_MP);
    check_eq("x87_pending_ts_no_mp_fwait_mf", (u32)catch_fault(p_fwait, 0), 16);
    clts();
    cr0_set(CR0_MP, 0);

    /* Stack faults (SDM Vol. 1 8.5.1.1): IE with SF, C1 = 0 for underflow, 1 for
     * overflow; unmasked, the register stack is left as it was. */
    fninit();
    fldcw(0x37e);
    __asm__ volatile("fadd %%st(0), %%st(0)" ::: "memory");
    check_eq("x87_underflow_fsw", fnstsw() & 0xbaff, 0x80c1);
    check_eq("x87_underflow_fwait_mf", (u32)catch_fault(p_fwait, 0), 16);
    fninit();
    fldcw(0x37e);
    __asm__ volatile("fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1" ::: "memory");
    check_eq("x87_overflow_fsw", fnstsw() & 0xbaff, 0x82c1);
    check_eq("x87_overflow_top_kept", fnstsw() >> 11 & 7, 0);
    check_eq("x87_overflow_fwait_mf", (u32)catch_fault(p_fwait, 0), 16);
    fninit();
    fldcw(0x37f);
    __asm__ volatile("fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1; fld1" ::: "memory");
    check_eq("x87_overflow_masked_fsw", fnstsw() & 0xbaff, 0x3a41); /* TOP 7 */
    check_eq("x87_overflow_masked_top", fnstsw() >> 11 & 7, 7);
    fninit();
    cr0_set(0, CR0_MP);
}

/* LDMXCSR: reserved bits (above MXCSR_MASK, FFFFH here) are #GP(0) (SDM Vol. 2). */
static u32 ldm_val;
static void p_ldmxcsr_val(void *a)
{
    __asm__ volatile("ldmxcsr %0" ::"m"(ldm_val));
}
static void test_ldmxcsr(void)
{
    ldm_val = MX_DEFAULT | (1u << 16);
    int v = catch_fault(p_ldmxcsr_val, 0);
    check("ldmxcsr_reserved_bit16_gp0", v == 13 && last_trap.err == 0);
    check_eq("ldmxcsr_reserved_left_mxcsr", mxcsr_get(), MX_DEFAULT);
    ldm_val = 0xffff;
    check_eq("ldmxcsr_all_defined_bits_ok", (u32)catch_fault(p_ldmxcsr_val, 0), (u32)-1);
    check_eq("ldmxcsr_all_defined_bits_read_back", mxcsr_get(), 0xffff);
    mxcsr_set(MX_DEFAULT);
}

/* CR0.NE = 0: FERR# reaches the slave PIC as IRQ 13 (vector 0x28 + 5 here). The handler
 * writes port F0H (clears the latch and asserts IGNNE#) and FNCLEX, then EOIs. */
#define VEC_IRQ13 0x2d
static volatile int irq13_hits, irq13_no_f0;
static volatile u16 irq13_fsw;
static void on_irq13(struct trap_frame *f)
{
    irq13_hits++;
    irq13_fsw = fnstsw();
    if (!irq13_no_f0) outb(0xf0, 0);
    fnclex();
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
}

static void pic_init(void)
{
    outb(0x20, 0x11);
    outb(0xa0, 0x11); /* ICW1: edge, cascade, ICW4 */
    outb(0x21, 0x20);
    outb(0xa1, 0x28); /* ICW2: vector bases */
    outb(0x21, 0x04);
    outb(0xa1, 0x02); /* ICW3: slave on IRQ2 */
    outb(0x21, 0x01);
    outb(0xa1, 0x01); /* ICW4: 8086 mode */
    outb(0x21, 0xfb); /* only the cascade */
    outb(0xa1, 0xdf); /* only IRQ 13 */
}

static void test_ferr(void)
{
    pic_init();
    set_trap_handler(VEC_IRQ13, on_irq13);
    cr0_set(0, CR0_NE | CR0_TS | CR0_EM | CR0_MP);
    irq13_hits = 0;
    x87_divzero(0x37b);
    check_eq("ferr_fsw_pending", fnstsw() & 0x80ff, 0x8084);
    /* The waiting instruction raises no exception; IRQ 13 arrives once IF allows it. */
    int v = catch_fault(p_fwait, 0);
    check_eq("ferr_ne0_fwait_no_mf", (u32)v, (u32)-1);
    check_eq("ferr_no_irq_with_if_clear", irq13_hits, 0);
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
    check_eq("ferr_irq13_delivered", irq13_hits, 1);
    check_eq("ferr_irq13_handler_saw_es", irq13_fsw & 0x80ff, 0x8084);
    check_eq("ferr_handler_fnclex", fnstsw() & 0x80ff, 0);
    /* After the F0H write, a second unmasked exception gives a second IRQ 13. */
    x87_divzero(0x37b);
    __asm__ volatile("sti; fwait; nop; nop; cli" ::: "memory");
    check_eq("ferr_second_irq13", irq13_hits, 2);
    check_eq("ferr_second_cleared", fnstsw() & 0x80ff, 0);
    /* Masked exceptions never assert FERR#. */
    x87_divzero(0x37f);
    __asm__ volatile("sti; fwait; nop; nop; cli" ::: "memory");
    check_eq("ferr_masked_no_irq13", irq13_hits, 2);
    /* A handler that does not write port F0H leaves the latch and IRQ 13 set: the next
     * error makes no new edge, so no interrupt, until the write clears the latch. */
    irq13_no_f0 = 1;
    x87_divzero(0x37b);
    __asm__ volatile("sti; fwait; nop; nop; cli" ::: "memory");
    check_eq("ferr_no_f0_third_irq13", irq13_hits, 3);
    x87_divzero(0x37b);
    __asm__ volatile("sti; fwait; nop; nop; cli" ::: "memory");
    check_eq("ferr_latched_no_new_irq13", irq13_hits, 3);
    fnclex();
    irq13_no_f0 = 0;
    outb(0xf0, 0);
    __asm__ volatile("sti; nop; nop; cli" ::: "memory");
    check_eq("ferr_f0_write_no_irq13", irq13_hits, 3);
    x87_divzero(0x37b);
    __asm__ volatile("sti; fwait; nop; nop; cli" ::: "memory");
    check_eq("ferr_after_f0_irq13_again", irq13_hits, 4);
    fninit();
    outb(0xa1, 0xff);
    outb(0x21, 0xff);
    set_trap_handler(VEC_IRQ13, 0);
    cr0_set(CR0_NE, 0);
}

/* MMX and the x87 state (SDM Vol. 1 9.5.1, Table 9-2): an MMX instruction sets TOP to 0
 * and every tag valid, a write to MMn sets bits 79:64 of Rn to all ones; EMMS empties
 * every tag. Read through FXSAVE (abridged tags, registers in stack order = Rn here). */
static void test_mmx_state(void)
{
    static const u64 v = 0x0123456789abcdefull;
    u64 out = 0;
    fninit();
    __asm__ volatile("fld1; fld1" ::: "memory"); /* TOP 6 */
    __asm__ volatile("movq %0, %%mm1" ::"m"(v) : "memory");
    __asm__ volatile("fxsave %0" : "=m"(fxa));
    check_eq("mmx_write_top0", *(u16 *)&fxa[2] >> 11 & 7, 0);
    check_eq("mmx_write_all_tags_valid", fxa[4], 0xff);
    check_eq("mmx_write_mm1_mantissa", *(u64 *)&fxa[32 + 16], v);
    check_eq("mmx_write_mm1_exp_ones", *(u16 *)&fxa[32 + 16 + 8], 0xffff);
    __asm__ volatile("emms" ::: "memory");
    __asm__ volatile("fxsave %0" : "=m"(fxa));
    check_eq("emms_all_tags_empty", fxa[4], 0);
    check_eq("emms_top_kept_0", *(u16 *)&fxa[2] >> 11 & 7, 0);
    /* A read of an MMX register also enters MMX state. */
    fninit();
    __asm__ volatile("fld1" ::: "memory"); /* TOP 7 */
    __asm__ volatile("movq %%mm1, %0" : "=m"(out)::"memory");
    __asm__ volatile("fxsave %0" : "=m"(fxa));
    check_eq("mmx_read_top0", *(u16 *)&fxa[2] >> 11 & 7, 0);
    check_eq("mmx_read_all_tags_valid", fxa[4], 0xff);
    __asm__ volatile("emms" ::: "memory");
    fninit();
}

/* Instructions of the SSE families that use no x87/XMM state ignore CR0.EM and TS and
 * CR4.OSFXSR (SDM Vol. 2: MOVNTI, CRC32, POPCNT, the fences, CLFLUSH, PREFETCHh list
 * only CPUID #UDs); the MMX form of an SSSE3 instruction follows the MMX rules (#NM with
 * TS, no OSFXSR check), the XMM form the SSE rules. */
static u32 gpr_mem;
static void p_movnti(void *a)
{
    __asm__ volatile("movnti %1, %0" : "=m"(gpr_mem) : "r"(5u));
}
static void p_crc32(void *a)
{
    u32 x = 0;
    __asm__ volatile("crc32l %0, %0" : "+r"(x));
}
static void p_popcnt(void *a)
{
    u32 x = 5;
    __asm__ volatile("popcnt %0, %0" : "+r"(x)::"cc");
}
static void p_fences(void *a)
{
    __asm__ volatile("sfence; lfence; mfence" ::: "memory");
}
static void p_clflush(void *a)
{
    __asm__ volatile("clflush %0; prefetchnta %0" ::"m"(gpr_mem));
}
static void p_pshufb_mm(void *a)
{
    __asm__ volatile("pshufb %%mm1, %%mm1" ::: "memory");
}
static void p_pshufb_xmm(void *a)
{
    __asm__ volatile("pshufb %%xmm1, %%xmm1" ::: "memory");
}
static void test_gpr_forms(void)
{
    cr4_set(0, CR4_OSFXSR);
    cr0_set(CR0_EM | CR0_TS | CR0_MP, 0);
    check_eq("em_ts_noosfxsr_movnti_runs", (u32)catch_fault(p_movnti, 0), (u32)-1);
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d); /* core2 has neither SSE4.2 nor POPCNT: #UD there */
    check_eq("em_ts_noosfxsr_crc32_runs", (u32)catch_fault(p_crc32, 0), c >> 20 & 1 ? (u32)-1 : 6);
    check_eq("em_ts_noosfxsr_popcnt_runs", (u32)catch_fault(p_popcnt, 0),
             c >> 23 & 1 ? (u32)-1 : 6);
    check_eq("em_ts_noosfxsr_fences_run", (u32)catch_fault(p_fences, 0), (u32)-1);
    check_eq("em_ts_noosfxsr_clflush_prefetch_run", (u32)catch_fault(p_clflush, 0), (u32)-1);
    check_eq("em_ts_pshufb_mm_ud", (u32)catch_fault(p_pshufb_mm, 0), 6);
    cr0_set(0, CR0_EM);
    check_eq("ts_noosfxsr_pshufb_mm_nm", (u32)catch_fault(p_pshufb_mm, 0), 7);
    check_eq("ts_noosfxsr_pshufb_xmm_ud", (u32)catch_fault(p_pshufb_xmm, 0), 6);
    cr0_set(0, CR0_TS | CR0_MP);
    check_eq("noosfxsr_pshufb_mm_runs", (u32)catch_fault(p_pshufb_mm, 0), (u32)-1);
    __asm__ volatile("emms");
    cr4_set(CR4_OSFXSR, 0);
}

void test_main(struct multiboot_info *mbi)
{
    cr0_set(CR0_NE, CR0_MP | CR0_EM | CR0_TS);
    cr4_set(CR4_OSFXSR | CR4_OSXMMEXCPT, 0);
    fninit();
    mxcsr_set(MX_DEFAULT);
    test_nm("");
    test_mf();
    test_ferr();
    test_xm("");
    test_ldmxcsr();
    test_mmx_state();
    test_gpr_forms();
    call64(0);
}
