/* Debug registers and debug exceptions (SDM Vol. 3 chapter 18), 32-bit protected mode:
 * DR6/DR7 fixed bits, data breakpoints (write, read/write, lengths, alignment), I/O
 * breakpoints, instruction breakpoints with RF, general detect, single-step with POPF,
 * INT n / INT3 and MOV SS / POP SS, and the DR6 bits that stay set. Each #DB is logged
 * (frame EIP, DR6, flags) and checked afterwards; addresses are compared against
 * labels, so the output is the same on every emulator. */
#include "guest.h"

#define TF 0x100u
#define RF 0x10000u
#define CR4_DE (1u << 3)
#define DR7_FIXED 0x400u
#define DR7_GD (1u << 13)
#define DR6_FIXED 0xffff0ff0u
#define DR6_BITS 0xe00fu /* B0-B3, BD, BS, BT */
#define DR6_BD (1u << 13)
#define DR6_BS (1u << 14)
/* DR7 L bit and R/W + LEN fields for breakpoint n (SDM Vol. 3 18.2.4). */
#define L(n) (1u << (2 * (n)))
#define G(n) (2u << (2 * (n)))
enum { RW_X = 0, RW_W = 1, RW_IO = 2, RW_RW = 3 };
enum { LEN1 = 0, LEN2 = 1, LEN8 = 2, LEN4 = 3 };
#define BP(n, rw, len) (L(n) | (u32)((rw) | (len) << 2) << (16 + 4 * (n)))
#define NOINL __attribute__((noinline, noclone))

#define DEF_DR(n)                                                                          \
    static inline u32 read_dr##n(void) { u32 v; __asm__ volatile("mov %%dr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_dr##n(u32 v) { __asm__ volatile("mov %0, %%dr" #n ::"r"(v) : "memory"); }
DEF_DR(0)
DEF_DR(1)
DEF_DR(6)
DEF_DR(7)
#undef DEF_DR

#define MAXLOG 12
static volatile struct {
    u32 n;
    u32 ip[MAXLOG], dr6[MAXLOG], flags[MAXLOG], dr7[MAXLOG];
    u32 timer[MAXLOG]; /* timer interrupts taken before this #DB (test_hlt_tf) */
} dblog;
static volatile u32 timer_hits;
static volatile int db_set_rf; /* the handler sets RF in the frame (resume past an ibp) */

static void on_db(struct trap_frame *f)
{
    u32 k = dblog.n++;
    if (k < MAXLOG) {
        dblog.ip[k] = f->ip;
        dblog.dr6[k] = read_dr6();
        dblog.flags[k] = f->flags;
        dblog.dr7[k] = read_dr7();
        dblog.timer[k] = timer_hits;
    } else {
        /* Runaway: stop stepping and breaking so the test can report. */
        f->flags &= ~TF;
        write_dr7(DR7_FIXED);
    }
    if (db_set_rf) f->flags |= RF;
}

static void reset_log(void)
{
    memset((void *)&dblog, 0, sizeof dblog);
    db_set_rf = 0;
    write_dr6(0);
}

static volatile u32 var[4] ALIGNED(16);

/* --- DR6 / DR7 values ------------------------------------------------------------- */

static void test_regs(void)
{
    check_eq("dr6_initial", read_dr6(), DR6_FIXED);
    check_eq("dr7_initial", read_dr7(), DR7_FIXED);
    write_dr6(0);
    check_eq("dr6_write_zero_reads_fixed", read_dr6(), DR6_FIXED);
    write_dr6(0xffffffff);
    check_eq("dr6_write_ones", read_dr6(), DR6_FIXED | DR6_BITS);
    write_dr6(0);
    write_dr7(0);
    check_eq("dr7_bit10_reads_one", read_dr7(), DR7_FIXED);
    write_dr7(0xffff03ff);
    check_eq("dr7_fields_kept", read_dr7(), 0xffff07ffu);
    write_dr7(DR7_FIXED);
    write_dr0(0x12345678);
    check_eq("dr0_any_value", read_dr0(), 0x12345678);
    write_dr0(0);
    u32 v;
    __asm__ volatile("mov %%dr4, %0" : "=r"(v));
    check_eq("dr4_aliases_dr6", v, DR6_FIXED);
    __asm__ volatile("mov %%dr5, %0" : "=r"(v));
    check_eq("dr5_aliases_dr7", v, DR7_FIXED);
}

static void read_dr4(void *arg) { u32 v; __asm__ volatile("mov %%dr4, %0" : "=r"(v)); }

static void test_dr4_de(void)
{
    write_cr4(read_cr4() | CR4_DE);
    int vec = catch_fault(read_dr4, 0);
    write_cr4(read_cr4() & ~CR4_DE);
    check_eq("dr4_ud_with_cr4_de", vec, 6);
}

/* --- Data breakpoints: traps after the access ---------------------------------------- */

extern char dw_after[], dr_after[], dn_after[];
static NOINL void do_write(void) { __asm__ volatile("movl $5, %0\ndw_after:" : "=m"(var[0])); }
static NOINL u32 do_read(void)
{
    u32 v;
    __asm__ volatile("movl %1, %0\ndr_after:" : "=r"(v) : "m"(var[0]));
    return v;
}
static NOINL void do_write_byte(volatile void *p) { *(volatile u8 *)p = 1; }
static NOINL void do_write_word(volatile void *p) { *(volatile u16 *)p = 1; }

/* Arm breakpoint 0 at addr with the given DR7 bits, run fn, disarm; returns the #DB count. */
static u32 hits_for(u32 addr, u32 dr7, void (*fn)(volatile void *), volatile void *arg)
{
    reset_log();
    write_dr0(addr);
    write_dr7(DR7_FIXED | dr7);
    fn(arg);
    write_dr7(DR7_FIXED);
    return dblog.n;
}

static void test_data(void)
{
    u32 a = (u32)(uptr)var;
    reset_log();
    write_dr0(a);
    write_dr7(DR7_FIXED | BP(0, RW_W, LEN4));
    do_write();
    write_dr7(DR7_FIXED);
    check_eq("data_write_one_trap", dblog.n, 1);
    check_eq("data_write_trap_after_insn", dblog.ip[0], (u32)(uptr)dw_after);
    check_eq("data_write_dr6_b0", dblog.dr6[0] & DR6_BITS, 1);
    check_eq("data_write_dr6_fixed_bits", dblog.dr6[0] & ~DR6_BITS, DR6_FIXED);
    check_eq("data_write_var_written", var[0], 5);

    reset_log();
    write_dr7(DR7_FIXED | BP(0, RW_W, LEN4));
    do_read();
    write_dr7(DR7_FIXED);
    check_eq("data_write_bp_ignores_read", dblog.n, 0);

    reset_log();
    write_dr7(DR7_FIXED | BP(0, RW_RW, LEN4));
    do_read();
    write_dr7(DR7_FIXED);
    check_eq("data_rw_bp_read_traps", dblog.n, 1);
    check_eq("data_rw_bp_read_ip", dblog.ip[0], (u32)(uptr)dr_after);

    reset_log();
    write_dr7(DR7_FIXED | G(0) | (BP(0, RW_W, LEN4) & ~L(0)));
    do_write();
    write_dr7(DR7_FIXED);
    check_eq("data_g0_enables", dblog.n, 1);

    reset_log();
    write_dr7(DR7_FIXED | (BP(0, RW_W, LEN4) & ~L(0)));
    do_write();
    write_dr7(DR7_FIXED);
    check_eq("data_disabled_no_trap", dblog.n, 0);

    volatile u8 *b = (volatile u8 *)var;
    check_eq("len1_other_byte_no_trap", hits_for(a + 5, BP(0, RW_W, LEN1), do_write_byte, b + 4), 0);
    check_eq("len1_word_overlap_traps", hits_for(a + 5, BP(0, RW_W, LEN1), do_write_word, b + 4), 1);
    check_eq("len2_same_word_traps", hits_for(a + 4, BP(0, RW_W, LEN2), do_write_byte, b + 5), 1);
    check_eq("len2_next_word_no_trap", hits_for(a + 4, BP(0, RW_W, LEN2), do_write_byte, b + 6), 0);
    check_eq("len4_address_aligned_down", hits_for(a + 6, BP(0, RW_W, LEN4), do_write_byte, b + 4), 1);
    check_eq("len4_next_dword_no_trap", hits_for(a + 4, BP(0, RW_W, LEN4), do_write_byte, b + 8), 0);
    check_eq("len8_last_byte_traps", hits_for(a, BP(0, RW_W, LEN8), do_write_byte, b + 7), 1);
    check_eq("len8_next_qword_no_trap", hits_for(a, BP(0, RW_W, LEN8), do_write_byte, b + 8), 0);

    /* Two breakpoints on the same dword: one #DB reporting both. */
    reset_log();
    write_dr0(a);
    write_dr1(a + 2);
    write_dr7(DR7_FIXED | BP(0, RW_W, LEN4) | BP(1, RW_RW, LEN2));
    do_write();
    write_dr7(DR7_FIXED);
    check_eq("two_bps_one_trap", dblog.n, 1);
    check_eq("two_bps_dr6_b0_b1", dblog.dr6[0] & DR6_BITS, 3);
    write_dr1(0);
}

/* --- I/O breakpoints (CR4.DE) -------------------------------------------------------- */

extern char io_after[];
static NOINL void out80(void) { __asm__ volatile("outb %%al, $0x80\nio_after:" ::"a"(0)); }
static NOINL void out80_dx(void) { __asm__ volatile("outb %%al, %%dx" ::"a"(0), "d"(0x80)); }
static NOINL void out84(void) { __asm__ volatile("outb %%al, $0x84" ::"a"(0)); }

static void test_io(void)
{
    write_cr4(read_cr4() | CR4_DE);
    reset_log();
    write_dr0(0x80);
    write_dr7(DR7_FIXED | BP(0, RW_IO, LEN1));
    out80();
    out80_dx();
    out84();
    write_dr7(DR7_FIXED);
    write_cr4(read_cr4() & ~CR4_DE);
    check_eq("io_bp_traps", dblog.n, 2);
    check_eq("io_bp_trap_after_insn", dblog.ip[0], (u32)(uptr)io_after);
    check_eq("io_bp_dr6_b0", dblog.dr6[0] & DR6_BITS, 1);
    write_dr0(0);
}

/* --- Instruction breakpoints and RF ---------------------------------------------------- */

extern char ib_site[], ib_next[], gp_site[];
static NOINL void ib_target(void) { __asm__ volatile("ib_site: nop\nib_next: nop"); }

static volatile u32 gp_count, gp_flags;
static void on_gp(struct trap_frame *f)
{
    gp_count++;
    gp_flags = f->flags;
    f->ecx = SEL_KDATA; /* the retried MOV FS succeeds */
}
static NOINL void gp_target(void)
{
    __asm__ volatile("mov $0xfff8, %%ecx\ngp_site: mov %%ecx, %%fs" ::: "ecx");
}

static void test_insn_bp(void)
{
    reset_log();
    db_set_rf = 1;
    write_dr0((u32)(uptr)ib_site);
    write_dr1((u32)(uptr)ib_next);
    write_dr7(DR7_FIXED | BP(0, RW_X, LEN1) | BP(1, RW_X, LEN1));
    ib_target();
    write_dr7(DR7_FIXED);
    check_eq("ibp_two_faults", dblog.n, 2);
    check_eq("ibp_fault_ip_is_insn", dblog.ip[0], (u32)(uptr)ib_site);
    check_eq("ibp_dr6_b0", dblog.dr6[0] & DR6_BITS, 1);
    check_eq("ibp_frame_rf_clear", dblog.flags[0] & RF, 0);
    /* RF set by the handler lets ib_site run once; it is cleared after, so ib_next breaks. */
    check_eq("ibp_rf_cleared_after_insn", dblog.ip[1], (u32)(uptr)ib_next);
    check_eq("ibp_second_dr6_b1", dblog.dr6[1] & DR6_BITS, 2);

    /* A fault's frame carries RF = 1, so returning to the faulting instruction does not
     * hit its instruction breakpoint again (SDM Vol. 3 18.3.1.1). */
    reset_log();
    db_set_rf = 1;
    gp_count = 0;
    set_trap_handler(13, on_gp);
    write_dr0((u32)(uptr)gp_site);
    write_dr7(DR7_FIXED | BP(0, RW_X, LEN1));
    gp_target();
    write_dr7(DR7_FIXED);
    set_trap_handler(13, 0);
    gdt_reload_segments();
    check_eq("fault_after_ibp_gp_once", gp_count, 1);
    check_eq("fault_frame_has_rf", gp_flags & RF, RF);
    check_eq("fault_frame_rf_suppresses_ibp", dblog.n, 1);
    write_dr0(0);
    write_dr1(0);
}

/* --- General detect ---------------------------------------------------------------- */

extern char gd_site[];
static NOINL u32 gd_target(void)
{
    u32 v;
    __asm__ volatile("gd_site: mov %%dr0, %0" : "=r"(v));
    return v;
}

static void test_gd(void)
{
    reset_log();
    write_dr0(0x1234);
    write_dr7(DR7_FIXED | DR7_GD);
    u32 v = gd_target();
    check_eq("gd_one_fault", dblog.n, 1);
    check_eq("gd_fault_ip_is_mov", dblog.ip[0], (u32)(uptr)gd_site);
    check_eq("gd_dr6_bd", dblog.dr6[0] & DR6_BITS, DR6_BD);
    check_eq("gd_cleared_in_handler", dblog.dr7[0] & DR7_GD, 0);
    check_eq("gd_mov_retried", v, 0x1234);
    write_dr7(DR7_FIXED);
    write_dr0(0);
}

/* --- Single-step --------------------------------------------------------------------- */

#define TF_ON "pushf\n orl $0x100, (%%esp)\n popf\n"
#define TF_OFF "pushf\n andl $~0x100, (%%esp)\n popf\n"

extern char ss_a[], ss_b[], ss_c[], ss_end[];
static NOINL void ss_basic(void)
{
    __asm__ volatile(TF_ON "ss_a: nop\nss_b: nop\nss_c: " TF_OFF "ss_end: nop" ::: "memory", "cc");
}

static volatile u32 soft_hits, soft_flags;
static void on_soft(struct trap_frame *f)
{
    soft_hits++;
    soft_flags = f->flags;
}
extern char si_b[], si_c[], bp_b[], bp_c[];
static NOINL void ss_int(void)
{
    __asm__ volatile(TF_ON "int $0x41\nsi_b: nop\nsi_c: nop\n" TF_OFF ::: "memory", "cc");
}
static NOINL void ss_int3(void)
{
    __asm__ volatile(TF_ON "int3\nbp_b: nop\nbp_c: nop\n" TF_OFF ::: "memory", "cc");
}

extern char ms_a[], ms_b[], ms_c[], ms_d[], ps_b[], ps_c[], ps_d[];
static NOINL void ss_movss(void)
{
    __asm__ volatile("mov %%ss, %%eax\n" TF_ON "ms_a: nop\nms_b: mov %%eax, %%ss\nms_c: nop\nms_d: nop\n" TF_OFF
                     ::: "eax", "memory", "cc");
}
static NOINL void ss_popss(void)
{
    __asm__ volatile("push %%ss\n" TF_ON "nop\nps_b: pop %%ss\nps_c: nop\nps_d: nop\n" TF_OFF ::: "memory", "cc");
}

extern char sd_after[];
static NOINL void ss_data(void)
{
    __asm__ volatile(TF_ON "movl $7, %0\nsd_after: " TF_OFF : "=m"(var[0])::"cc");
}

static void test_single_step(void)
{
    reset_log();
    ss_basic();
    check_eq("ss_trap_count", dblog.n, 5);
    check_eq("ss_none_after_setting_popf", dblog.ip[0], (u32)(uptr)ss_b);
    check_eq("ss_second_trap", dblog.ip[1], (u32)(uptr)ss_c);
    check_eq("ss_dr6_bs", dblog.dr6[0] & DR6_BITS, DR6_BS);
    check_eq("ss_frame_tf", dblog.flags[0] & TF, TF);
    check_eq("ss_trap_after_clearing_popf", dblog.ip[4], (u32)(uptr)ss_end);

    reset_log();
    soft_hits = 0;
    set_trap_handler(0x41, on_soft);
    ss_int();
    set_trap_handler(0x41, 0);
    check_eq("int_n_handler_ran", soft_hits, 1);
    check_eq("int_n_frame_tf", soft_flags & TF, TF);
    check_eq("int_n_no_trap_for_int", dblog.ip[0], (u32)(uptr)si_c);
    check_eq("int_n_trap_count", dblog.n, 5);

    reset_log();
    soft_hits = 0;
    set_trap_handler(3, on_soft);
    ss_int3();
    set_trap_handler(3, 0);
    check_eq("int3_handler_ran", soft_hits, 1);
    check_eq("int3_no_trap_for_int3", dblog.ip[0], (u32)(uptr)bp_c);

    reset_log();
    ss_movss();
    check_eq("mov_ss_first_trap", dblog.ip[0], (u32)(uptr)ms_b);
    check_eq("mov_ss_trap_held_one_insn", dblog.ip[1], (u32)(uptr)ms_d);
    check_eq("mov_ss_held_trap_bs", dblog.dr6[1] & DR6_BITS, DR6_BS);

    reset_log();
    ss_popss();
    check_eq("pop_ss_first_trap", dblog.ip[0], (u32)(uptr)ps_b);
    check_eq("pop_ss_trap_held_one_insn", dblog.ip[1], (u32)(uptr)ps_d);

    /* Single-step and a data breakpoint on one instruction: one #DB, both reported. */
    reset_log();
    write_dr0((u32)(uptr)var);
    write_dr7(DR7_FIXED | BP(0, RW_W, LEN4));
    ss_data();
    write_dr7(DR7_FIXED);
    check_eq("ss_with_data_bp_ip", dblog.ip[0], (u32)(uptr)sd_after);
    check_eq("ss_with_data_bp_dr6", dblog.dr6[0] & DR6_BITS, DR6_BS | 1);

    /* BS stays set: a later breakpoint-only #DB still shows it (18.2.3). */
    reset_log();
    ss_basic();
    dblog.n = 0;
    write_dr7(DR7_FIXED | BP(0, RW_W, LEN4));
    do_write();
    write_dr7(DR7_FIXED);
    check_eq("dr6_bs_sticky", dblog.dr6[0] & DR6_BITS, DR6_BS | 1);
    write_dr6(0);
    write_dr0(0);
}

/* --- HLT with TF --------------------------------------------------------------------- */

/* HLT completes like any instruction, so with TF set its single-step trap follows at once
 * (SDM Vol. 3 18.3.1.4), and delivering it ends the halt: the handler runs, before any
 * interrupt, with the saved EIP after HLT (Vol. 2 HLT: an event resumes execution after
 * it). A one-shot LAPIC timer is armed first so that an emulator that waits at HLT (Bochs
 * 2.7) wakes too; the facts that differ there are listed in bochs-departures.txt. */
#define LAPIC 0xfee00000u
#define VEC_TIMER 0x40
static void lapic_wr(u32 reg, u32 v) { *(volatile u32 *)(uptr)(LAPIC + reg) = v; }
static void on_timer(struct trap_frame *f)
{
    timer_hits++;
    lapic_wr(0xb0, 0); /* EOI */
}

extern char hlt_after[];
static NOINL void hlt_tf_target(void)
{
    __asm__ volatile("sti\n" TF_ON "hlt\nhlt_after: cli\n" TF_OFF ::: "memory", "cc");
}

static void test_hlt_tf(void)
{
    outb(0x21, 0xff); /* the 8259s stay quiet (IRQ0 would arrive at vector 8) */
    outb(0xa1, 0xff);
    set_trap_handler(VEC_TIMER, on_timer);
    timer_hits = 0;
    lapic_wr(0xf0, 0x1ff);      /* software enable, spurious vector 0xff */
    lapic_wr(0x80, 0);          /* TPR: accept everything */
    lapic_wr(0x3e0, 0xb);       /* divide by 1 */
    lapic_wr(0x320, VEC_TIMER); /* one-shot */
    reset_log();
    lapic_wr(0x380, 200000);
    hlt_tf_target();
    for (u32 i = 0; i < 1000 && !timer_hits; i++)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    lapic_wr(0x320, VEC_TIMER | (1u << 16)); /* masked */
    set_trap_handler(VEC_TIMER, 0);
    check("hlt_tf_db_handler_ran", dblog.n >= 1);
    check_eq("hlt_tf_dr6_bs", dblog.dr6[0] & DR6_BS, DR6_BS);
    check_eq("hlt_tf_trap_eip_after_hlt", dblog.ip[0], (u32)(uptr)hlt_after);
    check_eq("hlt_tf_db_before_timer", dblog.timer[0], 0);
    check_eq("hlt_tf_timer_fired_once", timer_hits, 1);
    write_dr6(0);
}

/* --- MOV SS / POP SS and breakpoints (SDM Vol. 3 6.8.3) ------------------------------ */

extern char mi_site[], mi_next[];
static NOINL void movss_ibp_target(void)
{
    __asm__ volatile("mov %%ss, %%eax\n mov %%eax, %%ss\nmi_site: nop\nmi_next: nop" ::: "eax");
}
static NOINL void movss_int_target(void)
{
    __asm__ volatile("mov %0, %%ss\n int $0x42" ::"m"(var[0]) : "memory");
}

static void movss_ud_target(void *arg)
{
    __asm__ volatile("mov %0, %%ss\n ud2" ::"m"(var[0]) : "memory");
}

static void test_movss_breakpoints(void)
{
    /* An instruction breakpoint on the instruction after MOV SS is not reported; the one
     * on the instruction after that is. */
    reset_log();
    db_set_rf = 1;
    write_dr0((u32)(uptr)mi_site);
    write_dr1((u32)(uptr)mi_next);
    write_dr7(DR7_FIXED | BP(0, RW_X, LEN1) | BP(1, RW_X, LEN1));
    movss_ibp_target();
    write_dr7(DR7_FIXED);
    check_eq("ibp_after_mov_ss_count", dblog.n, 1);
    check_eq("ibp_after_mov_ss_not_reported", dblog.ip[0], (u32)(uptr)mi_next);
    check_eq("ibp_after_mov_ss_dr6_b1", dblog.dr6[0] & DR6_BITS, 2);

    /* A data breakpoint hit by MOV SS followed by INT n: the #DB is delivered after the
     * transfer, at the handler (the CVE-2018-8897 behaviour). */
    u16 ss;
    __asm__ volatile("mov %%ss, %0" : "=r"(ss));
    var[0] = ss;
    reset_log();
    soft_hits = 0;
    set_trap_handler(0x42, on_soft);
    write_dr0((u32)(uptr)var);
    write_dr7(DR7_FIXED | BP(0, RW_RW, LEN4));
    movss_int_target();
    write_dr7(DR7_FIXED);
    set_trap_handler(0x42, 0);
    check_eq("mov_ss_int_handler_ran", soft_hits, 1);
    check_eq("mov_ss_int_db_delivered", dblog.n, 1);
    check_eq("mov_ss_int_db_dr6_b0", dblog.dr6[0] & DR6_BITS, 1);

    /* The same when the next instruction faults: the held #DB is discarded, not taken at
     * the fault handler (SDM Vol. 3 6.8.3; Intel parts per Linux selftests mov_ss_trap.c). */
    reset_log();
    write_dr7(DR7_FIXED | BP(0, RW_RW, LEN4));
    int vec = catch_fault(movss_ud_target, 0);
    write_dr7(DR7_FIXED);
    check_eq("mov_ss_fault_ud_delivered", vec, 6);
    check_eq("mov_ss_fault_db_discarded", dblog.n, 0);
    write_dr0(0);
    write_dr1(0);
    write_dr6(0);
}

static void wr_debugctl_fn(void *arg)
{
    __asm__ volatile("wrmsr" ::"c"(0x1d9), "a"(*(u32 *)arg), "d"(0));
}
/* WRMSR IA32_DEBUGCTL: -1 if accepted, else the vector. */
static int wr_debugctl(u32 v) { return catch_fault(wr_debugctl_fn, &v); }

/* IA32_DEBUGCTL: LBR and BTF exist on every model, bits 5:2 are reserved (SDM 18.4.1). */
static void test_debugctl(void)
{
    u64 v = 1;
    check_eq("debugctl_reads_zero", rdmsr_safe(0x1d9, &v) == 0 && v == 0, 1);
    check_eq("debugctl_btf_accepted", wr_debugctl(2), -1);
    check_eq("debugctl_btf_reads_back", rdmsr_safe(0x1d9, &v) == 0 && v == 2, 1);
    check_eq("debugctl_reserved_gp", wr_debugctl(4), 13);
    wr_debugctl(0);

    /* CPUID.1:ECX.PDCM and IA32_PERF_CAPABILITIES: a Skylake part's LBR format is 5 (LBR
     * records with LBR_INFO; SDM Vol. 3 18.4.8.1, Vol. 4 Table 2-2). */
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    check_eq("cpuid_pdcm", (c >> 15) & 1, 1);
    check_eq("perf_capabilities_readable", rdmsr_safe(0x345, &v), 0);
    check_eq("perf_capabilities_lbr_format_5", v & 0x3f, 5);
}

void test_main(struct multiboot_info *mbi)
{
    set_trap_handler(1, on_db);
    test_regs();
    test_dr4_de();
    test_data();
    test_io();
    test_insn_bp();
    test_gd();
    test_single_step();
    test_hlt_tf();
    test_movss_breakpoints();
    test_debugctl();
    set_trap_handler(1, 0);
}
