/* Host tests: hardware task switches (SDM Vol. 3 7.3) — CALL and IRET with the back link
 * and NT, JMP with busy bits, an exception through a task gate pushing its error code,
 * 16-bit TSSs, and the checks before and after the commit point. */
#include "test_seg_util.h"

#define NEW_TSS 0x5000u
#define NEW_SEL (T_SPARE + 8)

static void new_tss32(struct harness *h, u32 eip, u32 limit)
{
    u8 zero[0x68] = {0};
    phys_copy_in(h->m, NEW_TSS, zero, sizeof zero);
    pwrite(h, NEW_TSS + 0x20, 4, eip);
    pwrite(h, NEW_TSS + 0x24, 4, FL_FIXED1);
    pwrite(h, NEW_TSS + 0x28, 4, 0x1111);        /* EAX */
    pwrite(h, NEW_TSS + 0x38, 4, 0x68000);       /* ESP */
    static const u16 sels[6] = {H_DATA32, H_CODE32, H_DATA32, H_DATA32, H_DATA32, H_DATA32};
    for (int s = 0; s < 6; s++) pwrite(h, NEW_TSS + 0x48 + 4 * s, 2, sels[s]);
    gdt_set(h, NEW_SEL, mksys(NEW_TSS, limit, DT_TSS32, 0));
}

static unsigned gdt_type(struct harness *h, u16 sel) { return desc_type(gdt_get(h, sel)); }

static void test_call_iret(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    new_tss32(h, T_HANDLER, 0x67);
    static const u8 task[] = {0xbb, 0x22, 0x22, 0x00, 0x00, 0xcf}; /* mov ebx,0x2222; iretd */
    phys_copy_in(h->m, T_HANDLER, task, sizeof task);
    static const u8 code[] = {0x9a, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x0f, 0x0b}; /* call 0x60:0; ud2 */
    c->r[RAX] = 0xaaaa;
    int r = RUN(h, code);
    CHECK_EQ("task.call.end", r, EXC_UD);
    CHECK_EQ("task.call.rip", c->rip, HARNESS_CODE + 7);
    CHECK_EQ("task.call.tr", c->seg[SEG_TR].sel, T_TSS);
    CHECK_EQ("task.call.eax_restored", c->r[RAX], 0xaaaa);
    CHECK_EQ("task.call.esp_restored", c->r[RSP], HARNESS_STACK);
    CHECK_EQ("task.call.backlink", pread(h, NEW_TSS, 2), T_TSS);
    CHECK_EQ("task.call.new_ran", pread(h, NEW_TSS + 0x34, 4), 0x2222);
    CHECK_EQ("task.call.new_saved_eip", pread(h, NEW_TSS + 0x20, 4), T_HANDLER + 6);
    CHECK_EQ("task.iret.saved_nt_clear", pread(h, NEW_TSS + 0x24, 4) & FL_NT, 0);
    CHECK_EQ("task.iret.new_not_busy", gdt_type(h, NEW_SEL), DT_TSS32);
    CHECK_EQ("task.iret.old_busy", gdt_type(h, T_TSS), DT_TSS32_BUSY);
    CHECK("task.cr0_ts", c->cr0 & CR0_TS, "CR0.TS clear");
    CHECK_EQ("task.iret.nt", cpu_get_rflags(c) & FL_NT, 0);
    harness_free(h);
}

static void test_jmp(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    new_tss32(h, T_HANDLER, 0x67);
    static const u8 ud2[] = {0x0f, 0x0b};
    phys_copy_in(h->m, T_HANDLER, ud2, sizeof ud2);
    static const u8 code[] = {0xea, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x0f, 0x0b}; /* jmp 0x60:0 */
    c->r[RAX] = 0xaaaa;
    int r = RUN(h, code);
    CHECK_EQ("task.jmp.end", r, EXC_UD);
    CHECK_EQ("task.jmp.rip", c->rip, T_HANDLER);
    CHECK_EQ("task.jmp.tr", c->seg[SEG_TR].sel, NEW_SEL);
    CHECK_EQ("task.jmp.eax", c->r[RAX], 0x1111);
    CHECK_EQ("task.jmp.esp", c->r[RSP], 0x68000);
    CHECK_EQ("task.jmp.old_free", gdt_type(h, T_TSS), DT_TSS32);
    CHECK_EQ("task.jmp.new_busy", gdt_type(h, NEW_SEL), DT_TSS32_BUSY);
    CHECK_EQ("task.jmp.nt", cpu_get_rflags(c) & FL_NT, 0);
    CHECK_EQ("task.jmp.saved_eip", pread(h, T_TSS_BASE + 0x20, 4), HARNESS_CODE + 7);
    CHECK_EQ("task.jmp.saved_eax", pread(h, T_TSS_BASE + 0x28, 4), 0xaaaa);
    CHECK_EQ("task.jmp.cs", c->seg[SEG_CS].sel, H_CODE32);
    CHECK_EQ("task.jmp.cpl", c->cpl, 0);

    /* Jumping to the now-busy task again: #GP(selector), nothing changes. */
    t_reset(h, MODE_PROT);
    r = RUN(h, code);
    CHECK_EQ("task.jmp.busy", r, EXC_GP);
    CHECK_EQ("task.jmp.busy.err", c->exc_error, NEW_SEL);
    CHECK_EQ("task.jmp.busy.tr", c->seg[SEG_TR].sel, T_TSS);

    /* A TSS limit below 0x67: #TS(selector) before the commit point. */
    new_tss32(h, T_HANDLER, 0x50);
    r = RUN(h, code);
    CHECK_EQ("task.jmp.limit", r, EXC_TS);
    CHECK_EQ("task.jmp.limit.err", c->exc_error, NEW_SEL);
    CHECK_EQ("task.jmp.limit.tr", c->seg[SEG_TR].sel, T_TSS);

    /* A null CS in the new TSS faults after the commit point, in the new task. */
    new_tss32(h, T_HANDLER, 0x67);
    pwrite(h, NEW_TSS + 0x4c, 2, 0);
    r = RUN(h, code);
    CHECK_EQ("task.jmp.bad_cs", r, EXC_TS);
    CHECK_EQ("task.jmp.bad_cs.err", c->exc_error, 0);
    CHECK_EQ("task.jmp.bad_cs.tr", c->seg[SEG_TR].sel, NEW_SEL);

    /* The T bit raises #DB (DR6.BT) before the new task's first instruction. */
    t_reset(h, MODE_PROT);
    gdt_set(h, T_TSS, mksys(T_TSS_BASE, 0x67, DT_TSS32_BUSY, 0));
    seg_from_descriptor(&c->seg[SEG_TR], T_TSS, gdt_get(h, T_TSS));
    new_tss32(h, T_HANDLER, 0x67);
    pwrite(h, NEW_TSS + 0x64, 2, 1);
    c->dr[6] = 0;
    r = RUN(h, code);
    CHECK_EQ("task.tbit", r, EXC_DB);
    CHECK_EQ("task.tbit.rip", c->rip, T_HANDLER);
    CHECK_EQ("task.tbit.dr6_bt", c->dr[6] & BIT(15), BIT(15));
    harness_free(h);
}

static void test_task_gate_exception(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    c->stop_on_exception = false;
    new_tss32(h, T_HANDLER, 0x67);
    static const u8 spin[] = {0xeb, 0xfe};
    phys_copy_in(h->m, T_HANDLER, spin, sizeof spin);
    idt_set32(h, EXC_GP, mkgate(NEW_SEL, 0, DT_TASK, 0, 0));
    static const u8 code[] = {0x66, 0xb8, 0x00, 0x04, 0x8e, 0xc0}; /* mov ax,0x400; mov es,ax */
    int r = harness_run(h, code, sizeof code, 50);
    CHECK_EQ("task.gate.spins", r, -2);
    CHECK_EQ("task.gate.tr", c->seg[SEG_TR].sel, NEW_SEL);
    CHECK_EQ("task.gate.rip", c->rip, T_HANDLER);
    CHECK_EQ("task.gate.esp", c->r[RSP], 0x68000 - 4);
    CHECK_EQ("task.gate.error", pread(h, 0x68000 - 4, 4), 0x400);
    CHECK("task.gate.nt", cpu_get_rflags(c) & FL_NT, "NT clear");
    CHECK_EQ("task.gate.backlink", pread(h, NEW_TSS, 2), T_TSS);
    CHECK_EQ("task.gate.saved_eip", pread(h, T_TSS_BASE + 0x20, 4), HARNESS_CODE + 4);
    CHECK_EQ("task.gate.old_busy", gdt_type(h, T_TSS), DT_TSS32_BUSY);
    CHECK_EQ("task.gate.new_busy", gdt_type(h, NEW_SEL), DT_TSS32_BUSY);
    harness_free(h);
}

/* CALL through a task gate in the GDT; the new task has an LDT and takes DS from it. */
static void test_gate_ldt(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    new_tss32(h, T_HANDLER, 0x67);
    u64 ldt[2] = {0, mkseg(NEW_TSS, 0xffff, 0x3, 0, 0)};
    phys_copy_in(h->m, 0x6000, ldt, sizeof ldt);
    gdt_set(h, T_SPARE + 16, mksys(0x6000, 15, DT_LDT, 0));
    gdt_set(h, T_SPARE + 24, mkgate(NEW_SEL, 0, DT_TASK, 0, 0));
    pwrite(h, NEW_TSS + 0x54, 2, 0x0c);          /* DS: LDT index 1 */
    pwrite(h, NEW_TSS + 0x60, 2, T_SPARE + 16);  /* LDT selector */
    static const u8 task[] = {0x8b, 0x1d, 0x00, 0x00, 0x00, 0x00, 0xcf}; /* mov ebx,[0]; iretd */
    phys_copy_in(h->m, T_HANDLER, task, sizeof task);
    static const u8 code[] = {0x9a, 0x00, 0x00, 0x00, 0x00, 0x70, 0x00, 0x0f, 0x0b};
    int r = RUN(h, code);
    CHECK_EQ("task.gate_ldt.end", r, EXC_UD);
    CHECK_EQ("task.gate_ldt.rip", c->rip, HARNESS_CODE + 7);
    CHECK_EQ("task.gate_ldt.ds_read", pread(h, NEW_TSS + 0x34, 4), T_TSS);
    CHECK_EQ("task.gate_ldt.tr", c->seg[SEG_TR].sel, T_TSS);
    CHECK_EQ("task.gate_ldt.new_free", gdt_type(h, NEW_SEL), DT_TSS32);

    /* A task gate whose DPL is below CPL: #GP(gate selector). */
    t_reset(h, MODE_PROT);
    gdt_set(h, T_SPARE + 24, mkgate(NEW_SEL, 0, DT_TASK, 0, 0));
    t_ring3(h);
    r = RUN(h, code);
    CHECK_EQ("task.gate_ldt.dpl", r, EXC_GP);
    CHECK_EQ("task.gate_ldt.dpl.err", c->exc_error, T_SPARE + 24);

    /* A bad LDT type in the new TSS: #TS(LDT selector) after the commit point. */
    t_reset(h, MODE_PROT);
    new_tss32(h, T_HANDLER, 0x67);
    pwrite(h, NEW_TSS + 0x60, 2, H_DATA32);
    r = RUN(h, code);
    CHECK_EQ("task.bad_ldt", r, EXC_TS);
    CHECK_EQ("task.bad_ldt.err", c->exc_error, H_DATA32);
    CHECK_EQ("task.bad_ldt.tr", c->seg[SEG_TR].sel, NEW_SEL);
    harness_free(h);
}

static void test_tss16(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    u8 zero[0x2c] = {0};
    phys_copy_in(h->m, NEW_TSS, zero, sizeof zero);
    pwrite(h, NEW_TSS + 0x0e, 2, 0x8000);   /* IP */
    pwrite(h, NEW_TSS + 0x10, 2, FL_FIXED1);
    pwrite(h, NEW_TSS + 0x12, 2, 0x1234);   /* AX */
    pwrite(h, NEW_TSS + 0x1a, 2, 0x7000);   /* SP */
    pwrite(h, NEW_TSS + 0x22, 2, H_DATA16); /* ES */
    pwrite(h, NEW_TSS + 0x24, 2, H_CODE16); /* CS */
    pwrite(h, NEW_TSS + 0x26, 2, H_DATA16); /* SS */
    pwrite(h, NEW_TSS + 0x28, 2, H_DATA16); /* DS */
    gdt_set(h, NEW_SEL, mksys(NEW_TSS, 0x2b, DT_TSS16, 0));
    static const u8 ud2[] = {0x0f, 0x0b};
    phys_copy_in(h->m, 0x8000, ud2, sizeof ud2);
    static const u8 code[] = {0xea, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00};
    int r = RUN(h, code);
    CHECK_EQ("task16.end", r, EXC_UD);
    CHECK_EQ("task16.rip", c->rip, 0x8000);
    CHECK_EQ("task16.eax", c->r[RAX], 0xffff1234);
    CHECK_EQ("task16.sp", c->r[RSP] & 0xffff, 0x7000);
    CHECK_EQ("task16.fs_null", c->seg[SEG_FS].sel, 0);
    CHECK_EQ("task16.code_size", c->code_size, 2);
    CHECK_EQ("task16.new_busy", gdt_type(h, NEW_SEL), DT_TSS16_BUSY);
    harness_free(h);
}

int main(void)
{
    test_call_iret();
    test_jmp();
    test_task_gate_exception();
    test_gate_ldt();
    test_tss16();
    return check_exit();
}
