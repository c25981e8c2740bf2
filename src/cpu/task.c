/* Hardware task switching (SDM Vol. 3 7.3) for JMP/CALL to a TSS or task gate, IRET with
 * NT = 1 and events through task gates, with 32-bit and 16-bit TSSs (7.2.1, 7.6), and
 * the inner-level stack lookup that privilege changes use (7.2.1, 8.7).
 *
 * Up to the commit point every failure leaves the processor state untouched; after it the
 * new task's state is loaded first and the descriptor checks fault in the new context,
 * as Table 7-1 describes. */
#include "debug.h"
#include "descriptor.h"
#include "sysreg.h"
#include "../vmx/intercept.h"

/* 32-bit TSS layout (SDM Vol. 3 Figure 7-2). */
enum { T32_CR3 = 0x1c, T32_EIP = 0x20, T32_EFLAGS = 0x24, T32_REGS = 0x28, T32_SEGS = 0x48,
       T32_LDT = 0x60, T32_TBIT = 0x64 };
/* 16-bit TSS layout (SDM Vol. 3 Figure 7-11). */
enum { T16_IP = 0x0e, T16_FLAGS = 0x10, T16_REGS = 0x12, T16_SEGS = 0x22, T16_LDT = 0x2a };

/* TSS fields are at linear addresses (4 GiB wrap: task switching is legacy-mode only). */
static u64 tss_rd(struct cpu *c, u32 base, u32 off, unsigned size)
{
    return lin_read(c, (u32)(base + off), size, ACC_READ | ACC_SUPER);
}
static void tss_wr(struct cpu *c, u32 base, u32 off, unsigned size, u64 v)
{
    lin_write(c, (u32)(base + off), size, v, ACC_WRITE | ACC_SUPER);
}

void tss_stack(struct cpu *c, unsigned dpl, int ext, u16 *ss, u64 *sp)
{
    const struct seg *tr = &c->seg[SEG_TR];
    int err = (tr->sel & 0xfffc) | (ext & 1);
    if (c->efer & EFER_LMA) {
        u32 off = 4 + 8 * dpl;
        if (off + 7 > tr->limit) cpu_raise(c, EXC_TS, err);
        *sp = lin_read(c, tr->base + off, 8, ACC_READ | ACC_SUPER);
        *ss = 0;
    } else if (tr->ar & 8) {
        u32 off = 4 + 8 * dpl;
        if (off + 5 > tr->limit) cpu_raise(c, EXC_TS, err);
        *sp = tss_rd(c, (u32)tr->base, off, 4);
        *ss = (u16)tss_rd(c, (u32)tr->base, off + 4, 2);
    } else {
        u32 off = 2 + 4 * dpl;
        if (off + 3 > tr->limit) cpu_raise(c, EXC_TS, err);
        *sp = tss_rd(c, (u32)tr->base, off, 2);
        *ss = (u16)tss_rd(c, (u32)tr->base, off + 2, 2);
    }
}

/* The state a task switch loads (SDM Vol. 3 7.3 step 12). */
struct task_state {
    u32 cr3, eip, eflags, regs[8];
    u16 sel[6]; /* ES CS SS DS FS GS */
    u16 ldt;
    bool trap; /* T bit: #DB when the new task starts (SDM Vol. 3 7.2.1) */
};

static void save_state(struct cpu *c, u32 base, bool t32, u64 eip, u64 flags)
{
    if (t32) {
        tss_wr(c, base, T32_EIP, 4, eip);
        tss_wr(c, base, T32_EFLAGS, 4, flags);
        for (int r = 0; r < 8; r++) tss_wr(c, base, T32_REGS + 4 * r, 4, c->r[r]);
        for (int s = 0; s < 6; s++) tss_wr(c, base, T32_SEGS + 4 * s, 2, c->seg[s].sel);
    } else {
        tss_wr(c, base, T16_IP, 2, eip);
        tss_wr(c, base, T16_FLAGS, 2, flags);
        for (int r = 0; r < 8; r++) tss_wr(c, base, T16_REGS + 2 * r, 2, c->r[r]);
        for (int s = 0; s < 4; s++) tss_wr(c, base, T16_SEGS + 2 * s, 2, c->seg[s].sel);
    }
}

static void read_state(struct cpu *c, u32 base, bool t32, struct task_state *ts)
{
    if (t32) {
        ts->cr3 = (u32)tss_rd(c, base, T32_CR3, 4);
        ts->eip = (u32)tss_rd(c, base, T32_EIP, 4);
        ts->eflags = (u32)tss_rd(c, base, T32_EFLAGS, 4);
        for (int r = 0; r < 8; r++) ts->regs[r] = (u32)tss_rd(c, base, T32_REGS + 4 * r, 4);
        for (int s = 0; s < 6; s++) ts->sel[s] = (u16)tss_rd(c, base, T32_SEGS + 4 * s, 2);
        ts->ldt = (u16)tss_rd(c, base, T32_LDT, 2);
        ts->trap = tss_rd(c, base, T32_TBIT, 2) & 1;
    } else {
        /* A 16-bit TSS has no CR3, FS or GS; the upper register halves are undefined
         * (SDM Vol. 3 7.6): they are set to all ones, and FS/GS become null. */
        ts->cr3 = (u32)c->cr3;
        ts->eip = (u32)tss_rd(c, base, T16_IP, 2);
        ts->eflags = (u32)tss_rd(c, base, T16_FLAGS, 2);
        for (int r = 0; r < 8; r++)
            ts->regs[r] = 0xffff0000u | (u32)tss_rd(c, base, T16_REGS + 2 * r, 2);
        for (int s = 0; s < 4; s++) ts->sel[s] = (u16)tss_rd(c, base, T16_SEGS + 2 * s, 2);
        ts->sel[SEG_FS] = ts->sel[SEG_GS] = 0;
        ts->ldt = (u16)tss_rd(c, base, T16_LDT, 2);
        ts->trap = false;
    }
}

/* LDTR of the new task: a GDT selector of a present LDT descriptor, else #TS(sel). */
static void load_ldt(struct cpu *c, u16 sel)
{
    int err = sel & 0xfffc;
    if (sel & 4) cpu_raise(c, EXC_TS, err);
    if (sel_null(sel)) {
        seg_load_null(c, SEG_LDTR, sel);
        return;
    }
    u64 d = seg_read_descriptor(c, sel, EXC_TS);
    if (desc_s(d) || desc_type(d) != DT_LDT || !desc_present(d)) cpu_raise(c, EXC_TS, err);
    seg_from_descriptor(&c->seg[SEG_LDTR], sel, d);
}

/* SS of the new task (Table 7-1): writable data, DPL = RPL = CS.RPL. */
static void load_task_ss(struct cpu *c, u16 sel, unsigned cpl)
{
    int err = sel & 0xfffc;
    if (sel_null(sel)) cpu_raise(c, EXC_TS, err);
    u64 d = seg_read_descriptor(c, sel, EXC_TS);
    if (!desc_writable_data(d)) cpu_raise(c, EXC_TS, err);
    if (!desc_present(d)) cpu_raise(c, EXC_SS, err);
    if (desc_dpl(d) != cpl || sel_rpl(sel) != cpl) cpu_raise(c, EXC_TS, err);
    seg_load_checked(c, SEG_SS, sel, d);
}

/* DS/ES/FS/GS of the new task: the MOV rules with #TS instead of #GP. */
static void load_task_data(struct cpu *c, int seg, u16 sel, unsigned cpl)
{
    int err = sel & 0xfffc;
    if (sel_null(sel)) {
        seg_load_null(c, seg, sel);
        return;
    }
    u64 d = seg_read_descriptor(c, sel, EXC_TS);
    if (!desc_readable(d)) cpu_raise(c, EXC_TS, err);
    if (!desc_conforming(d) && (desc_dpl(d) < cpl || desc_dpl(d) < sel_rpl(sel)))
        cpu_raise(c, EXC_TS, err);
    if (!desc_present(d)) cpu_raise(c, EXC_NP, err);
    seg_load_checked(c, seg, sel, d);
}

static void load_task_cs(struct cpu *c, u16 sel)
{
    int err = sel & 0xfffc;
    if (sel_null(sel)) cpu_raise(c, EXC_TS, err);
    u64 d = seg_read_descriptor(c, sel, EXC_TS);
    if (!desc_is_code(d)) cpu_raise(c, EXC_TS, err);
    if (desc_conforming(d) ? desc_dpl(d) > sel_rpl(sel) : desc_dpl(d) != sel_rpl(sel))
        cpu_raise(c, EXC_TS, err);
    if (!desc_present(d)) cpu_raise(c, EXC_NP, err);
    seg_load_cs(c, sel, d, sel_rpl(sel));
}

void task_switch(struct cpu *c, u16 sel, u64 desc, enum task_reason why, u64 ret_eip,
                 int error, int ext)
{
    bool n32 = (desc_type(desc) & 8) != 0;
    u32 nbase = desc_base(desc);
    int terr = (sel & 0xfffc) | (ext & 1);
    /* SDM Vol. 3 7.3 step 3 / Table 7-1: the new TSS must hold a whole TSS. */
    if (desc_limit(desc) < (n32 ? 0x67u : 0x2bu)) cpu_raise(c, EXC_TS, terr);
    /* VMX non-root: the checks on gate, selector and descriptor are done; the switch is a
     * VM exit (SDM Vol. 3 26.4.2), source 0 CALL, 1 IRET, 2 JMP, 3 IDT (Table 28-2). */
    if (c->vmx_nonroot) {
        static const unsigned source[] = {[TASK_JMP] = 2, [TASK_CALL] = 0, [TASK_IRET] = 1, [TASK_INT] = 3};
        vmx_task_switch(c, sel, source[why]);
    }

    struct seg *tr = &c->seg[SEG_TR];
    bool o32 = (tr->ar & 8) != 0;
    u32 obase = (u32)tr->base;
    u16 old_tr = tr->sel;

    /* Steps 6-8: release the old task (JMP, IRET), save its state. */
    u64 flags = cpu_get_rflags(c);
    if (why == TASK_IRET) flags &= ~(u64)FL_NT;
    if (why == TASK_JMP || why == TASK_IRET) seg_set_busy(c, old_tr, false);
    save_state(c, obase, o32, ret_eip, flags);
    /* Step 9: a nested task records its caller in the back link. */
    if (why == TASK_CALL || why == TASK_INT) tss_wr(c, nbase, 0, 2, old_tr);
    struct task_state ts;
    read_state(c, nbase, n32, &ts);
    if (why != TASK_IRET) seg_set_busy(c, sel, true);

    /* Commit point (step 11): TR, CR0.TS, DR7 local enables (SDM Vol. 3 18.2.4). */
    seg_from_descriptor(tr, sel, desc | DESC_BUSY_BIT);
    c->cr0 |= CR0_TS;
    c->dr[7] &= ~0x155ull;
    if (why == TASK_CALL || why == TASK_INT) ts.eflags |= FL_NT;

    /* Step 12: registers, flags, selectors; the caches are unusable until checked. */
    for (int r = 0; r < 8; r++) c->r[r] = ts.regs[r];
    c->rip = c->next_rip = ts.eip;
    for (int s = 0; s < 6; s++) {
        c->seg[s].sel = ts.sel[s];
        c->seg[s].ar |= AR_UNUSABLE;
    }
    c->seg[SEG_LDTR].sel = ts.ldt;
    c->seg[SEG_LDTR].ar |= AR_UNUSABLE;
    bool v86 = n32 && (ts.eflags & FL_VM);
    /* Until SS is good, behave as CPL 3 so a fault switches to a known stack. */
    c->cpl = 3;
    cpu_set_rflags(c, ts.eflags | FL_FIXED1);
    /* CR3 only for a 32-bit TSS with paging on; PAE reloads the PDPTEs and a bad one is
     * #GP(0) in the new task's context (SDM Vol. 3 7.3 step 12, 4.4.1). */
    if (n32 && (c->cr0 & CR0_PG) && ts.cr3 != c->cr3) cr_write(c, 3, ts.cr3);
    load_ldt(c, ts.ldt);
    if (v86) {
        for (int s = 0; s < 6; s++) seg_load_v86(c, s, ts.sel[s]);
    } else {
        unsigned cpl = sel_rpl(ts.sel[SEG_CS]);
        load_task_ss(c, ts.sel[SEG_SS], cpl);
        c->cpl = (u8)cpl;
        load_task_data(c, SEG_DS, ts.sel[SEG_DS], cpl);
        load_task_data(c, SEG_ES, ts.sel[SEG_ES], cpl);
        load_task_data(c, SEG_FS, ts.sel[SEG_FS], cpl);
        load_task_data(c, SEG_GS, ts.sel[SEG_GS], cpl);
        load_task_cs(c, ts.sel[SEG_CS]);
    }
    cpu_update_mode(c);
    c->stop_block = true;

    /* Exceptions with an error code push it on the new task's stack (SDM Vol. 3 7.3 and
     * Vol. 2 INT n "TASK-GATE"). */
    if (error != NO_ERRCODE) {
        struct stk s;
        stk_current(c, &s, ext & 1);
        stk_push(c, &s, n32 ? 4 : 2, (u32)error);
        stk_commit_sp(c, &s);
    }
    if (c->next_rip > c->seg[SEG_CS].limit) cpu_gp(c, ext & 1);
    /* The debug trap flag: #DB (DR6.BT) before the new task's first instruction
     * (SDM Vol. 3 18.2.3, 18.3.1.5). */
    if (ts.trap) debug_raise(c, DR6_BT);
}
