/* Host tests: IRET/RETF to outer privilege levels (flag rules, data-segment nulling, SS/CS
 * checks), IRETQ to compatibility mode, real-mode far CALL/RETF, 16-bit interrupt gates,
 * INT3/INTO return addresses and their gate-DPL check. */
#include "test_seg_util.h"

static const u8 iretd[] = {0xcf};
static const u8 ud2[] = {0x0f, 0x0b};

/* Write a 32-bit IRET/RETF frame at the current ESP (ring-0 stack top - n*4). */
static void frame32(struct harness *h, const u32 *v, unsigned n)
{
    u32 sp = HARNESS_STACK - 4 * n;
    phys_copy_in(h->m, sp, v, 4 * n);
    h->c->r[RSP] = sp;
}

static void test_iret_outer(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    phys_copy_in(h->m, HARNESS_CODE + 0x100, ud2, sizeof ud2);
    u32 f[5] = {HARNESS_CODE + 0x100, T_CODE3, FL_FIXED1 | FL_IF | FL_IOPL, T_STACK3, T_DATA3};
    frame32(h, f, 5);
    seg_from_descriptor(&c->seg[SEG_ES], T_DATA3, gdt_get(h, T_DATA3));
    int r = RUN(h, iretd);
    CHECK_EQ("iret.outer.end", r, EXC_UD);
    CHECK_EQ("iret.outer.rip", c->rip, HARNESS_CODE + 0x100);
    CHECK_EQ("iret.outer.cpl", c->cpl, 3);
    CHECK_EQ("iret.outer.esp", c->r[RSP], T_STACK3);
    CHECK_EQ("iret.outer.ss", c->seg[SEG_SS].sel, T_DATA3);
    CHECK_EQ("iret.outer.flags", cpu_get_rflags(c) & (FL_IF | FL_IOPL), FL_IF | FL_IOPL);
    CHECK_EQ("iret.outer.ds_nulled", c->seg[SEG_DS].sel, 0);
    CHECK_EQ("iret.outer.es_kept", c->seg[SEG_ES].sel, T_DATA3);

    /* SS RPL different from CS RPL: #GP(SS selector), nothing loaded. */
    t_reset(h, MODE_PROT);
    f[4] = T_DATA3 & ~3u;
    frame32(h, f, 5);
    r = RUN(h, iretd);
    CHECK_EQ("iret.outer.ss_rpl", r, EXC_GP);
    CHECK_EQ("iret.outer.ss_rpl.err", c->exc_error, T_DATA3 & ~3u);
    CHECK_EQ("iret.outer.ss_rpl.cpl", c->cpl, 0);

    /* At CPL 3 with IOPL 0, IRET keeps IF and IOPL. */
    t_reset(h, MODE_PROT);
    t_ring3(h);
    u32 g[3] = {HARNESS_CODE + 0x100, T_CODE3, FL_FIXED1 | FL_IF | FL_IOPL};
    phys_copy_in(h->m, T_STACK3 - 12, g, sizeof g);
    c->r[RSP] = T_STACK3 - 12;
    r = RUN(h, iretd);
    CHECK_EQ("iret.same3.end", r, EXC_UD);
    CHECK_EQ("iret.same3.flags", cpu_get_rflags(c) & (FL_IF | FL_IOPL), 0);
    CHECK_EQ("iret.same3.esp", c->r[RSP], T_STACK3);

    /* Returning to a more privileged CS (RPL < CPL): #GP(selector). */
    t_ring3(h);
    g[1] = H_CODE32;
    phys_copy_in(h->m, T_STACK3 - 12, g, sizeof g);
    c->r[RSP] = T_STACK3 - 12;
    r = RUN(h, iretd);
    CHECK_EQ("iret.inner_cs", r, EXC_GP);
    CHECK_EQ("iret.inner_cs.err", c->exc_error, H_CODE32);
    harness_free(h);
}

static void test_retf_outer(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    phys_copy_in(h->m, HARNESS_CODE + 0x100, ud2, sizeof ud2);
    u32 f[4] = {HARNESS_CODE + 0x100, T_CODE3, T_STACK3, T_DATA3};
    frame32(h, f, 4);
    static const u8 retf[] = {0xcb};
    int r = RUN(h, retf);
    CHECK_EQ("retf.outer.end", r, EXC_UD);
    CHECK_EQ("retf.outer.cpl", c->cpl, 3);
    CHECK_EQ("retf.outer.esp", c->r[RSP], T_STACK3);
    CHECK_EQ("retf.outer.ds_nulled", c->seg[SEG_DS].sel, 0);

    /* Null return SS outside 64-bit mode: #GP(0). */
    t_reset(h, MODE_PROT);
    f[3] = 0;
    frame32(h, f, 4);
    r = RUN(h, retf);
    CHECK_EQ("retf.outer.null_ss", r, EXC_GP);
    CHECK_EQ("retf.outer.null_ss.err", c->exc_error, 0);
    CHECK_EQ("retf.outer.null_ss.esp", c->r[RSP], HARNESS_STACK - 16);
    harness_free(h);
}

static void test_iretq_to_compat(void)
{
    struct harness *h = t_new(MODE_LONG);
    struct cpu *c = h->c;
    static const u8 compat[] = {0xb8, 0x99, 0x00, 0x00, 0x00, 0x0f, 0x0b}; /* mov eax,0x99; ud2 */
    phys_copy_in(h->m, HARNESS_CODE + 0x100, compat, sizeof compat);
    u64 f[5] = {HARNESS_CODE + 0x100, T_CODE3, FL_FIXED1 | FL_IF, T_STACK3, T_DATA3};
    phys_copy_in(h->m, HARNESS_STACK - 40, f, sizeof f);
    c->r[RSP] = HARNESS_STACK - 40;
    static const u8 iretq[] = {0x48, 0xcf};
    int r = RUN(h, iretq);
    CHECK_EQ("iretq.compat.end", r, EXC_UD);
    CHECK_EQ("iretq.compat.mode", c->mode, MODE_COMPAT);
    CHECK_EQ("iretq.compat.eax", c->r[RAX], 0x99);
    CHECK_EQ("iretq.compat.cpl", c->cpl, 3);
    CHECK_EQ("iretq.compat.rsp", c->r[RSP], T_STACK3);

    /* IRETQ at the same level still pops SS:RSP, and a null SS is fine at CPL 0. */
    t_reset(h, MODE_LONG);
    phys_copy_in(h->m, HARNESS_CODE + 0x100, ud2, sizeof ud2);
    u64 g[5] = {HARNESS_CODE + 0x100, H_CODE64, FL_FIXED1, 0x123450, 0};
    phys_copy_in(h->m, HARNESS_STACK - 40, g, sizeof g);
    c->r[RSP] = HARNESS_STACK - 40;
    r = RUN(h, iretq);
    CHECK_EQ("iretq.same.end", r, EXC_UD);
    CHECK_EQ("iretq.same.rsp", c->r[RSP], 0x123450);
    CHECK("iretq.same.null_ss", c->seg[SEG_SS].ar & AR_UNUSABLE, "ar=%x", c->seg[SEG_SS].ar);

    /* NT set in IA-32e mode: #GP(0). */
    t_reset(h, MODE_LONG);
    cpu_set_rflags(c, FL_FIXED1 | FL_NT);
    r = RUN(h, iretq);
    CHECK_EQ("iretq.nt", r, EXC_GP);
    harness_free(h);
}

static void test_real_far(void)
{
    struct harness *h = t_new(MODE_REAL);
    struct cpu *c = h->c;
    /* call 0x1000:t; jmp e; t: mov ax,0x42; retf; e: */
    static const u8 code[] = {0x9a, 0x07, 0x00, 0x00, 0x10, 0xeb, 0x04, 0xb8, 0x42, 0x00, 0xcb};
    int r = RUN(h, code);
    CHECK("real.far.ran", t_done(r), "r=%d", r);
    CHECK_EQ("real.far.ax", c->r[RAX] & 0xffff, 0x42);
    CHECK_EQ("real.far.sp", c->r[RSP] & 0xffff, 0xfff0);
    CHECK_EQ("real.far.pushed_cs", pread(h, c->seg[SEG_SS].base + 0xffee, 2), 0x1000);
    harness_free(h);
}

static void test_gate16_and_soft_exceptions(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    static const u8 spin[] = {0xeb, 0xfe};
    phys_copy_in(h->m, 0x8000, spin, sizeof spin);
    idt_set32(h, 0x40, mkgate(H_CODE32, 0x8000, DT_INT16, 0, 0));
    static const u8 code[] = {0xcd, 0x40, 0x0f, 0x0b};
    cpu_set_rflags(c, FL_FIXED1 | FL_IF);
    int r = harness_run(h, code, sizeof code, 20);
    CHECK_EQ("gate16.spins", r, -2);
    CHECK_EQ("gate16.esp", c->r[RSP], HARNESS_STACK - 6);
    CHECK_EQ("gate16.frame.ip", pread(h, HARNESS_STACK - 6, 2), (HARNESS_CODE + 2) & 0xffff);
    CHECK_EQ("gate16.frame.cs", pread(h, HARNESS_STACK - 4, 2), H_CODE32);
    CHECK_EQ("gate16.frame.flags", pread(h, HARNESS_STACK - 2, 2) & FL_IF, FL_IF);
    CHECK_EQ("gate16.if_cleared", cpu_get_rflags(c) & FL_IF, 0);

    /* INT3 and INTO push the address of the next instruction. */
    t_reset(h, MODE_PROT);
    phys_copy_in(h->m, T_HANDLER, spin, sizeof spin);
    idt_set32(h, EXC_BP, mkgate(H_CODE32, T_HANDLER, DT_TRAP32, 3, 0));
    idt_set32(h, EXC_OF, mkgate(H_CODE32, T_HANDLER, DT_TRAP32, 3, 0));
    static const u8 int3[] = {0xcc, 0x0f, 0x0b};
    r = harness_run(h, int3, sizeof int3, 20);
    CHECK_EQ("int3.spins", r, -2);
    CHECK_EQ("int3.frame.eip", pread(h, HARNESS_STACK - 12, 4), HARNESS_CODE + 1);

    t_reset(h, MODE_PROT);
    /* mov al,0x7f; add al,1; into; ud2 */
    static const u8 into[] = {0xb0, 0x7f, 0x04, 0x01, 0xce, 0x0f, 0x0b};
    r = harness_run(h, into, sizeof into, 20);
    CHECK_EQ("into.spins", r, -2);
    CHECK_EQ("into.frame.eip", pread(h, HARNESS_STACK - 12, 4), HARNESS_CODE + 5);

    /* INT3 through a DPL-0 gate from CPL 3: #GP(3 * 8 + 2). */
    t_reset(h, MODE_PROT);
    idt_set32(h, EXC_BP, mkgate(H_CODE32, T_HANDLER, DT_TRAP32, 0, 0));
    t_ring3(h);
    r = RUN(h, int3);
    CHECK_EQ("int3.dpl", r, EXC_GP);
    CHECK_EQ("int3.dpl.err", c->exc_error, EXC_BP * 8 + 2);
    harness_free(h);
}

int main(void)
{
    test_iret_outer();
    test_retf_outer();
    test_iretq_to_compat();
    test_real_far();
    test_gate16_and_soft_exceptions();
    return check_exit();
}
