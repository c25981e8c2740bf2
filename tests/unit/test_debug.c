/* Host tests: debug registers and #DB (SDM Vol. 3 chapter 18) — data, I/O and
 * instruction breakpoints, single-step, general detect, RF, the MOV SS hold-off and the
 * soft TLB bypass for pages holding a data breakpoint. The harness stops at the first
 * exception, so a trap leaves RIP after the instruction and a fault leaves it on it. */
#include "test_seg_util.h"
#include "cpu/debug.h"

#define DATA HARNESS_DATA
/* DR7 enable + R/W + LEN for breakpoint n. LEN codes: 0 = 1 byte, 1 = 2, 3 = 4, 2 = 8. */
#define BP(n, rw, len) ((1ull << (2 * (n))) | (u64)((rw) | (len) << 2) << (16 + 4 * (n)))

static u32 pread32(struct harness *h, u64 pa)
{
    u32 v = 0;
    phys_copy_out(h->m, pa, &v, 4);
    return v;
}

static void set_dr(struct cpu *c, int n, u64 v)
{
    c->dr[n] = v;
    debug_dr_written(c);
}

/* Continue from the current RIP (after a stop), as harness_run does from the start. */
static int resume(struct harness *h, u64 max_insns)
{
    struct cpu *c = h->c;
    c->halted = c->shutdown = false;
    c->last_exception = -1;
    c->deadline = c->icount + max_insns;
    h->m->running = c;
    cpu_exec(c);
    h->m->running = NULL;
    if (c->shutdown && c->last_exception >= 0) return c->last_exception;
    return c->halted ? -1 : -2;
}

static struct harness *fresh(enum cpu_mode mode)
{
    struct harness *h = harness_new(mode);
    h->c->dr[6] = 0xffff0ff0;
    return h;
}

#define CODE(off) (HARNESS_CODE + (off))

static void test_data_bp(void)
{
    struct harness *h = fresh(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 store[] = {0xc7, 0x05, 0x00, 0x00, 0x20, 0x00, 1, 0, 0, 0, 0x90}; /* mov [DATA],1 */
    static const u8 load[] = {0xa1, 0x00, 0x00, 0x20, 0x00, 0x90};                     /* mov eax,[DATA] */
    set_dr(c, 0, DATA);
    set_dr(c, 7, 0x400 | BP(0, 1, 3));
    int r = RUN(h, store);
    CHECK_EQ("debug.data.write.vector", r, EXC_DB);
    CHECK_EQ("debug.data.write.trap_rip", c->rip, CODE(10));
    CHECK_EQ("debug.data.write.dr6", c->dr[6], 0xffff0ff1);
    CHECK_EQ("debug.data.write.done", pread32(h, DATA), 1);
    c->dr[6] = 0xffff0ff0;
    r = RUN(h, load);
    CHECK_EQ("debug.data.write_bp.read_runs", r, -1);
    set_dr(c, 7, 0x400 | BP(0, 3, 3));
    r = RUN(h, load);
    CHECK_EQ("debug.data.rw_bp.read_traps", r, EXC_DB);
    CHECK_EQ("debug.data.rw_bp.trap_rip", c->rip, CODE(5));

    /* A page-crossing store hits a breakpoint on the second page. */
    static const u8 cross[] = {0xc7, 0x05, 0xfe, 0x0f, 0x20, 0x00, 1, 0, 0, 0};
    set_dr(c, 0, DATA + 0x1000);
    set_dr(c, 7, 0x400 | BP(0, 1, 0));
    c->dr[6] = 0xffff0ff0;
    r = RUN(h, cross);
    CHECK_EQ("debug.data.page_cross", r, EXC_DB);
    CHECK_EQ("debug.data.page_cross.dr6", c->dr[6] & 0xf, 1);

    /* The store before MOV DR7 filled the TLB for the page: MOV DR must flush it. */
    static const u8 arm[] = {
        0x89, 0x0d, 0x04, 0x00, 0x20, 0x00, /* mov [DATA+4],ecx: TLB entry for the page */
        0x0f, 0x23, 0xf8,                   /* mov dr7,eax */
        0x89, 0x0d, 0x00, 0x00, 0x20, 0x00, /* mov [DATA],ecx */
        0x90,
    };
    set_dr(c, 0, DATA);
    set_dr(c, 7, 0x400);
    c->r[RAX] = 0x400 | BP(0, 1, 3);
    r = RUN(h, arm);
    CHECK_EQ("debug.data.mov_dr7_flushes_tlb", r, EXC_DB);
    CHECK_EQ("debug.data.mov_dr7_flushes_tlb.rip", c->rip, CODE(15));
    harness_free(h);
}

static void test_data_bp_long(void)
{
    struct harness *h = fresh(MODE_LONG);
    struct cpu *c = h->c;
    /* mov qword [DATA+8], rcx with an 8-byte breakpoint on DATA+8 */
    static const u8 code[] = {0x48, 0x89, 0x0c, 0x25, 0x08, 0x00, 0x20, 0x00, 0x90};
    set_dr(c, 1, DATA + 8);
    set_dr(c, 7, 0x400 | BP(1, 1, 2));
    int r = RUN(h, code);
    CHECK_EQ("debug.long.len8.vector", r, EXC_DB);
    CHECK_EQ("debug.long.len8.rip", c->rip, CODE(8));
    CHECK_EQ("debug.long.len8.dr6", c->dr[6] & 0xf, 2);
    harness_free(h);
}

static void test_io_bp(void)
{
    struct harness *h = fresh(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 code[] = {0xe6, 0x80, 0x90}; /* out 0x80,al */
    set_dr(c, 2, 0x80);
    set_dr(c, 7, 0x400 | BP(2, 2, 0));
    int r = RUN(h, code);
    CHECK_EQ("debug.io.without_de_ignored", r, -1);
    c->cr4 |= CR4_DE;
    r = RUN(h, code);
    CHECK_EQ("debug.io.vector", r, EXC_DB);
    CHECK_EQ("debug.io.rip", c->rip, CODE(2));
    CHECK_EQ("debug.io.dr6", c->dr[6] & 0xf, 4);
    harness_free(h);
}

static void test_insn_bp(void)
{
    struct harness *h = fresh(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 code[] = {0x90, 0x90, 0x90};
    set_dr(c, 3, CODE(1));
    set_dr(c, 7, 0x400 | BP(3, 0, 0));
    u64 before = c->icount;
    int r = RUN(h, code);
    CHECK_EQ("debug.ibp.vector", r, EXC_DB);
    CHECK_EQ("debug.ibp.fault_rip", c->rip, CODE(1));
    CHECK_EQ("debug.ibp.dr6", c->dr[6] & 0xf, 8);
    CHECK_EQ("debug.ibp.one_insn_retired", c->icount - before, 1);
    /* RF suppresses the breakpoint once and is cleared when the instruction completes. */
    cpu_set_rflags(c, cpu_get_rflags(c) | FL_RF);
    r = resume(h, 100);
    CHECK_EQ("debug.ibp.rf_resumes", r, -1);
    CHECK_EQ("debug.ibp.rf_cleared", cpu_get_rflags(c) & FL_RF, 0);
    harness_free(h);
}

static void test_single_step(void)
{
    struct harness *h = fresh(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 code[] = {0x90, 0x90};
    c->dr[6] = 0xffff0ff0;
    cpu_set_rflags(c, FL_FIXED1 | FL_TF);
    int r = RUN(h, code);
    CHECK_EQ("debug.ss.vector", r, EXC_DB);
    CHECK_EQ("debug.ss.trap_rip", c->rip, CODE(1));
    CHECK_EQ("debug.ss.dr6_bs", c->dr[6], 0xffff4ff0);

    /* MOV SS holds the trap until the next instruction completes (SDM Vol. 3 6.8.3). */
    static const u8 movss[] = {0x8e, 0xd0, 0x90, 0x90}; /* mov ss,ax; nop; nop */
    c->r[RAX] = H_DATA32;
    cpu_set_rflags(c, FL_FIXED1 | FL_TF);
    r = RUN(h, movss);
    CHECK_EQ("debug.ss.mov_ss.vector", r, EXC_DB);
    CHECK_EQ("debug.ss.mov_ss.held_one_insn", c->rip, CODE(3));
    harness_free(h);
}

static void test_gd(void)
{
    struct harness *h = fresh(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 code[] = {0x0f, 0x21, 0xc0}; /* mov eax,dr0 */
    set_dr(c, 7, 0x400 | DR7_GD);
    int r = RUN(h, code);
    CHECK_EQ("debug.gd.vector", r, EXC_DB);
    CHECK_EQ("debug.gd.fault_rip", c->rip, CODE(0));
    CHECK_EQ("debug.gd.dr6_bd", c->dr[6] & DR6_BD, DR6_BD);
    CHECK_EQ("debug.gd.cleared", c->dr[7] & DR7_GD, 0);
    harness_free(h);
}

/* No breakpoint enabled: blocks run as usual (the debug path stays off). */
static void test_off(void)
{
    struct harness *h = fresh(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 code[] = {0xc7, 0x05, 0x00, 0x00, 0x20, 0x00, 1, 0, 0, 0};
    set_dr(c, 0, DATA);
    set_dr(c, 7, 0x400 | (BP(0, 1, 3) & ~3ull)); /* fields set, L0/G0 clear */
    int r = RUN(h, code);
    CHECK_EQ("debug.off.disabled_bp_runs", r, -1);
    CHECK_EQ("debug.off.no_page_watched", debug_page_watched(c, DATA), false);
    harness_free(h);
}

/* HLT with TF: the single-step #DB is delivered and its handler runs, because any event
 * delivered to a halted processor resumes it (SDM Vol. 2 HLT). */
static void test_hlt_tf(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    c->stop_on_exception = false;
    idt_set32(h, EXC_DB, mkgate(H_CODE32, T_HANDLER, DT_INT32, 0, 0));
    /* and dword [esp+8],~TF; mov ebx,0x55; iretd */
    static const u8 handler[] = {0x81, 0x64, 0x24, 0x08, 0xff, 0xfe, 0xff, 0xff, 0xbb, 0x55, 0, 0, 0, 0xcf};
    phys_copy_in(h->m, T_HANDLER, handler, sizeof handler);
    static const u8 code[] = {0xf4, 0xb9, 1, 0, 0, 0}; /* hlt; mov ecx,1; (hlt) */
    c->r[RSP] = T_STACK0;
    cpu_set_rflags(c, FL_FIXED1 | FL_TF);
    int r = RUN(h, code);
    CHECK_EQ("debug.hlt_tf.handler_ran", c->r[RBX], 0x55);
    CHECK_EQ("debug.hlt_tf.resumed_after_hlt", c->r[RCX], 1);
    CHECK_EQ("debug.hlt_tf.frame_eip", pread(h, T_STACK0 - 12, 4), CODE(1));
    CHECK_EQ("debug.hlt_tf.dr6_bs", c->dr[6] & DR6_BS, DR6_BS);
    CHECK_EQ("debug.hlt_tf.halted_at_end", r, -1);
    harness_free(h);
}

/* An instruction breakpoint on the instruction after MOV SS / POP SS is not reported:
 * debug exceptions are inhibited until the boundary after it (SDM Vol. 3 6.8.3). */
static void test_movss_ibp(void)
{
    struct harness *h = fresh(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 movss[] = {0x8e, 0xd0, 0x90, 0x90, 0x90}; /* mov ss,ax; nop; nop; nop */
    c->r[RAX] = H_DATA32;
    set_dr(c, 0, CODE(2));
    set_dr(c, 1, CODE(3));
    set_dr(c, 7, 0x400 | BP(0, 0, 0) | BP(1, 0, 0));
    int r = RUN(h, movss);
    CHECK_EQ("debug.movss_ibp.vector", r, EXC_DB);
    CHECK_EQ("debug.movss_ibp.not_after_mov_ss", c->rip, CODE(3));
    CHECK_EQ("debug.movss_ibp.next_one_reported", c->dr[6] & 0xf, 2);

    static const u8 popss[] = {0x6a, 0x10, 0x17, 0x90, 0x90}; /* push 0x10; pop ss; nop; nop */
    c->dr[6] = 0xffff0ff0;
    set_dr(c, 0, CODE(3));
    set_dr(c, 1, CODE(4));
    r = RUN(h, popss);
    CHECK_EQ("debug.popss_ibp.vector", r, EXC_DB);
    CHECK_EQ("debug.popss_ibp.not_after_pop_ss", c->rip, CODE(4));
    harness_free(h);
}

/* A data breakpoint hit by MOV SS when the next instruction is INT n / INT3: the #DB is
 * held and delivered at the handler's first instruction (SDM Vol. 3 6.8.3; the
 * CVE-2018-8897 behaviour). The harness stops at that #DB. */
static void test_movss_int(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    c->dr[6] = 0xffff0ff0;
    pwrite(h, DATA, 4, H_DATA32);
    idt_set32(h, 0x80, mkgate(H_CODE32, T_HANDLER, DT_INT32, 0, 0));
    idt_set32(h, EXC_BP, mkgate(H_CODE32, T_HANDLER + 0x10, DT_INT32, 0, 0));
    static const u8 nops[] = {0x90, 0xf4};
    phys_copy_in(h->m, T_HANDLER, nops, sizeof nops);
    phys_copy_in(h->m, T_HANDLER + 0x10, nops, sizeof nops);
    set_dr(c, 0, DATA);
    set_dr(c, 7, 0x400 | BP(0, 3, 3));
    /* mov ss,[DATA]; int 0x80 */
    static const u8 code_int[] = {0x8e, 0x15, 0x00, 0x00, 0x20, 0x00, 0xcd, 0x80};
    c->r[RSP] = T_STACK0;
    int r = RUN(h, code_int);
    CHECK_EQ("debug.movss_int.vector", r, EXC_DB);
    CHECK_EQ("debug.movss_int.at_handler", c->rip, T_HANDLER);
    CHECK_EQ("debug.movss_int.dr6_b0", c->dr[6] & 0xf, 1);
    CHECK_EQ("debug.movss_int.int_frame_eip", pread(h, T_STACK0 - 12, 4), CODE(8));
    /* mov ss,[DATA]; int3 */
    static const u8 code_int3[] = {0x8e, 0x15, 0x00, 0x00, 0x20, 0x00, 0xcc};
    c->dr[6] = 0xffff0ff0;
    c->r[RSP] = T_STACK0;
    r = RUN(h, code_int3);
    CHECK_EQ("debug.movss_int3.vector", r, EXC_DB);
    CHECK_EQ("debug.movss_int3.at_handler", c->rip, T_HANDLER + 0x10);
    CHECK_EQ("debug.movss_int3.dr6_b0", c->dr[6] & 0xf, 1);
    harness_free(h);
}

/* A data breakpoint hit by MOV SS when the next instruction faults: the held #DB is
 * discarded, neither delivered before the fault handler's first instruction nor after it
 * (SDM Vol. 3 6.8.3; Intel parts: Linux selftests mov_ss_trap.c "any fault: drop the
 * pending #DB"). Likewise after INT1, which delivers #DB itself. */
static void test_movss_fault(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    c->stop_on_exception = false;
    c->dr[6] = 0xffff0ff0;
    pwrite(h, DATA, 4, H_DATA32);
    idt_set32(h, EXC_UD, mkgate(H_CODE32, T_HANDLER, DT_INT32, 0, 0));
    idt_set32(h, EXC_DB, mkgate(H_CODE32, T_HANDLER + 0x20, DT_INT32, 0, 0));
    /* #UD: inc esi; inc esi; hlt. #DB: inc edi; hlt. */
    static const u8 ud_handler[] = {0x46, 0x46, 0xf4};
    static const u8 db_handler[] = {0x47, 0xf4};
    phys_copy_in(h->m, T_HANDLER, ud_handler, sizeof ud_handler);
    phys_copy_in(h->m, T_HANDLER + 0x20, db_handler, sizeof db_handler);
    set_dr(c, 0, DATA);
    set_dr(c, 7, 0x400 | BP(0, 3, 3));
    /* mov ss,[DATA]; ud2 */
    static const u8 code[] = {0x8e, 0x15, 0x00, 0x00, 0x20, 0x00, 0x0f, 0x0b};
    c->r[RSP] = T_STACK0;
    c->r[RSI] = c->r[RDI] = 0;
    int r = RUN(h, code);
    CHECK_EQ("debug.movss_fault.handler_halts", r, -1);
    CHECK_EQ("debug.movss_fault.handler_ran", c->r[RSI], 2);
    CHECK_EQ("debug.movss_fault.db_dropped", c->r[RDI], 0);
    CHECK_EQ("debug.movss_fault.dr6_untouched", c->dr[6] & 0xf, 0);
    CHECK_EQ("debug.movss_fault.ud_frame_eip", pread(h, T_STACK0 - 12, 4), CODE(6));

    /* mov ss,[DATA]; int1: one #DB, the one INT1 delivers. */
    static const u8 icebp[] = {0x8e, 0x15, 0x00, 0x00, 0x20, 0x00, 0xf1};
    c->r[RSP] = T_STACK0;
    c->r[RSI] = c->r[RDI] = 0;
    r = RUN(h, icebp);
    CHECK_EQ("debug.movss_int1.handler_halts", r, -1);
    CHECK_EQ("debug.movss_int1.one_db", c->r[RDI], 1);
    CHECK_EQ("debug.movss_int1.held_trap_dropped", c->dr[6] & 0xf, 0);
    harness_free(h);
}

int main(void)
{
    test_data_bp();
    test_data_bp_long();
    test_io_bp();
    test_insn_bp();
    test_single_step();
    test_gd();
    test_off();
    test_hlt_tf();
    test_movss_ibp();
    test_movss_int();
    test_movss_fault();
    return check_exit();
}
