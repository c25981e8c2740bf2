/* Far control transfers: JMP/CALL far (9A, EA, FF /3, FF /5) to code segments, call gates,
 * task gates and TSSs; RETF (CA, CB); IRET/IRETD/IRETQ (CF) in every mode.
 * (SDM Vol. 2 CALL, JMP, RET, IRET; Vol. 3 5.8 call gates, 7.3 task switches, 20.2-20.3
 * virtual-8086 mode.) Every check happens before the first architectural change. */
#include "descriptor.h"
#include "insn.h"
#include "../vmx/intercept.h"

static bool lma(const struct cpu *c) { return (c->efer & EFER_LMA) != 0; }
static bool real_or_v86(const struct cpu *c) { return c->mode == MODE_REAL || c->mode == MODE_V86; }
static unsigned iopl_of(u64 f) { return (unsigned)(f >> 12) & 3; }

/* The new instruction pointer in the new code segment: canonical for 64-bit code, else
 * truncated to the operand size and within the limit (#GP(err)). */
static u64 far_target(struct cpu *c, u64 cd, u64 off, unsigned osz, int err)
{
    if (lma(c) && desc_code64(cd)) {
        if (!cpu_is_canonical(c, off)) cpu_gp(c, err);
        return off;
    }
    off &= size_mask(osz);
    if (off > desc_limit(cd)) cpu_gp(c, err);
    return off;
}

/* Real and v86 modes: CS is base = sel << 4, the offset is checked against the CS limit. */
static void load_cs_realish(struct cpu *c, u16 sel)
{
    if (c->mode == MODE_V86) seg_load_v86(c, SEG_CS, sel);
    else seg_load_real(c, SEG_CS, sel);
}

static u64 realish_target(struct cpu *c, u64 off, unsigned osz)
{
    off &= size_mask(osz);
    if (off > c->seg[SEG_CS].limit) cpu_gp(c, 0);
    return off;
}

/* Checks for a direct JMP/CALL to a code segment (SDM Vol. 2 JMP, "CONFORMING-CODE-SEGMENT"
 * and "NONCONFORMING-CODE-SEGMENT"). */
static void check_direct_code(struct cpu *c, u16 sel, u64 d)
{
    int err = sel & 0xfffc;
    if (desc_conforming(d)) {
        if (desc_dpl(d) > c->cpl) cpu_gp(c, err);
    } else if (sel_rpl(sel) > c->cpl || desc_dpl(d) != c->cpl) {
        cpu_gp(c, err);
    }
    if (!desc_present(d)) cpu_raise(c, EXC_NP, err);
    /* L = D = 1 is reserved in IA-32e mode (SDM Vol. 3 5.2.1). */
    if (lma(c) && desc_l(d) && desc_db(d)) cpu_gp(c, err);
}

/* JMP/CALL to a TSS or through a task gate (SDM Vol. 2 JMP "TASK-GATE"/"TASK-STATE-SEGMENT"). */
static void far_to_task(struct cpu *c, u16 sel, u64 d, enum task_reason why)
{
    int err = sel & 0xfffc;
    if (desc_dpl(d) < c->cpl || desc_dpl(d) < sel_rpl(sel)) cpu_gp(c, err);
    if (desc_type(d) == DT_TASK) {
        if (!desc_present(d)) cpu_raise(c, EXC_NP, err);
        sel = gate_sel(d);
        err = sel & 0xfffc;
        if (sel & 4) cpu_gp(c, err);
        d = seg_read_descriptor(c, sel, EXC_GP);
        if (desc_s(d) || (desc_type(d) != DT_TSS16 && desc_type(d) != DT_TSS32)) cpu_gp(c, err);
    } else if (sel & 4) {
        /* TSS descriptors live only in the GDT (SDM Vol. 3 7.2.2). */
        cpu_gp(c, err);
    }
    if (!desc_present(d)) cpu_raise(c, EXC_NP, err);
    task_switch(c, sel, d, why, c->next_rip, NO_ERRCODE, 0);
}

/* A validated call gate: target code segment, its descriptor and the entry point. */
struct gate_target {
    u16 csel;
    u64 cd;
    u64 off;
    unsigned size; /* 2, 4 or 8: the gate's operand size */
};

/* Common call-gate checks of JMP and CALL (SDM Vol. 2 CALL "CALL-GATE", Vol. 3 5.8.4). */
static void read_call_gate(struct cpu *c, u16 gsel, u64 gd, struct gate_target *t)
{
    int gerr = gsel & 0xfffc;
    u64 ghi = 0;
    if (lma(c)) {
        /* IA-32e mode: 16-byte gates only (SDM Vol. 3 5.8.3.1). */
        if (desc_type(gd) != DT_CALL32) cpu_gp(c, gerr);
        seg_read_descriptor16(c, gsel, EXC_GP, 0, &gd, &ghi);
    }
    if (desc_dpl(gd) < c->cpl || sel_rpl(gsel) > desc_dpl(gd)) cpu_gp(c, gerr);
    if (!desc_present(gd)) cpu_raise(c, EXC_NP, gerr);
    t->csel = gate_sel(gd);
    if (sel_null(t->csel)) cpu_gp(c, 0);
    t->cd = seg_read_descriptor(c, t->csel, EXC_GP);
    int cerr = t->csel & 0xfffc;
    if (!desc_is_code(t->cd) || desc_dpl(t->cd) > c->cpl) cpu_gp(c, cerr);
    if (lma(c) && !desc_code64(t->cd)) cpu_gp(c, cerr);
    if (!desc_present(t->cd)) cpu_raise(c, EXC_NP, cerr);
    seg_set_accessed(c, t->csel, &t->cd);
    t->size = lma(c) ? 8 : desc_type(gd) == DT_CALL32 ? 4 : 2;
    t->off = gate_offset(gd) | ((ghi & 0xffffffffull) << 32);
}

static void jmp_far(struct cpu *c, u16 sel, u64 off, unsigned osz)
{
    if (real_or_v86(c)) {
        off = realish_target(c, off, osz);
        load_cs_realish(c, sel);
        c->next_rip = off;
        return;
    }
    if (sel_null(sel)) cpu_gp(c, 0);
    u64 d = seg_read_descriptor(c, sel, EXC_GP);
    if (desc_is_code(d)) {
        check_direct_code(c, sel, d);
        off = far_target(c, d, off, osz, 0);
        seg_load_cs(c, sel, d, c->cpl);
        c->next_rip = off;
        return;
    }
    unsigned t = desc_type(d);
    if (desc_s(d)) cpu_gp(c, sel & 0xfffc);
    if (t == DT_CALL16 || t == DT_CALL32) {
        if (lma(c) && t != DT_CALL32) cpu_gp(c, sel & 0xfffc);
        struct gate_target g;
        read_call_gate(c, sel, d, &g);
        /* JMP cannot change privilege (SDM Vol. 3 5.8.6). */
        if (!desc_conforming(g.cd) && desc_dpl(g.cd) != c->cpl) cpu_gp(c, g.csel & 0xfffc);
        off = far_target(c, g.cd, g.off, g.size, 0);
        seg_load_cs(c, g.csel, g.cd, c->cpl);
        c->next_rip = off;
        return;
    }
    if (!lma(c) && (t == DT_TASK || t == DT_TSS16 || t == DT_TSS32)) {
        far_to_task(c, sel, d, TASK_JMP);
        return;
    }
    cpu_gp(c, sel & 0xfffc);
}

static void call_far(struct cpu *c, u16 sel, u64 off, unsigned osz)
{
    struct stk s;
    if (real_or_v86(c)) {
        off = realish_target(c, off, osz);
        stk_current(c, &s, 0);
        stk_push(c, &s, osz, c->seg[SEG_CS].sel);
        stk_push(c, &s, osz, c->next_rip);
        stk_commit_sp(c, &s);
        load_cs_realish(c, sel);
        c->next_rip = off;
        return;
    }
    if (sel_null(sel)) cpu_gp(c, 0);
    u64 d = seg_read_descriptor(c, sel, EXC_GP);
    if (desc_is_code(d)) {
        check_direct_code(c, sel, d);
        off = far_target(c, d, off, osz, 0);
        seg_set_accessed(c, sel, &d);
        stk_current(c, &s, 0);
        stk_push(c, &s, osz, c->seg[SEG_CS].sel);
        stk_push(c, &s, osz, c->next_rip);
        stk_commit_sp(c, &s);
        seg_load_cs(c, sel, d, c->cpl);
        c->next_rip = off;
        return;
    }
    unsigned t = desc_type(d);
    if (desc_s(d)) cpu_gp(c, sel & 0xfffc);
    if (t == DT_CALL16 || t == DT_CALL32) {
        if (lma(c) && t != DT_CALL32) cpu_gp(c, sel & 0xfffc);
        struct gate_target g;
        read_call_gate(c, sel, d, &g);
        unsigned dpl = desc_dpl(g.cd);
        if (!desc_conforming(g.cd) && dpl < c->cpl) {
            /* More privilege: stack switch from the TSS and parameter copy (SDM Vol. 2
             * CALL "MORE-PRIVILEGE", Vol. 3 5.8.5). */
            unsigned gsz = g.size;
            u16 nss;
            u64 nsp, sd = 0;
            struct stk ns, os;
            tss_stack(c, dpl, 0, &nss, &nsp);
            ns.acc = ACC_SUPER;
            ns.cur = false;
            if (lma(c)) {
                nss = (u16)dpl;
                memset(&ns.ss, 0, sizeof ns.ss);
                ns.width = 8;
                ns.flat64 = true;
                ns.err = 0;
                if (!cpu_is_canonical(c, nsp)) cpu_raise(c, EXC_SS, 0);
            } else {
                sd = seg_check_inner_ss(c, nss, dpl, 0);
                seg_set_accessed(c, nss, &sd);
                seg_from_descriptor(&ns.ss, nss, sd);
                ns.width = desc_db(sd) ? 4 : 2;
                ns.flat64 = false;
                ns.err = nss & 0xfffc;
            }
            ns.sp = (c->r[RSP] & ~size_mask(ns.width)) | (nsp & size_mask(ns.width));
            stk_current(c, &os, 0);
            stk_push(c, &ns, gsz, c->seg[SEG_SS].sel);
            stk_push(c, &ns, gsz, c->r[RSP] & size_mask(gsz));
            if (!lma(c)) {
                /* Copy the parameters, keeping their order (SDM Vol. 3 Figure 5-13). */
                for (int k = (int)gate_params(d) - 1; k >= 0; k--)
                    stk_push(c, &ns, gsz, stk_peek(c, &os, (u64)k * gsz, gsz));
            }
            stk_push(c, &ns, gsz, c->seg[SEG_CS].sel);
            stk_push(c, &ns, gsz, c->next_rip);
            off = far_target(c, g.cd, g.off, gsz, 0);
            seg_load_cs(c, g.csel, g.cd, dpl);
            if (lma(c)) seg_load_null(c, SEG_SS, nss);
            else seg_load_checked(c, SEG_SS, nss, sd);
            reg_set(c, RSP, ns.width, ns.sp);
            c->next_rip = off;
            return;
        }
        /* Same privilege through the gate. */
        stk_current(c, &s, 0);
        stk_push(c, &s, g.size, c->seg[SEG_CS].sel);
        stk_push(c, &s, g.size, c->next_rip);
        off = far_target(c, g.cd, g.off, g.size, 0);
        stk_commit_sp(c, &s);
        seg_load_cs(c, g.csel, g.cd, c->cpl);
        c->next_rip = off;
        return;
    }
    if (!lma(c) && (t == DT_TASK || t == DT_TSS16 || t == DT_TSS32)) {
        far_to_task(c, sel, d, TASK_CALL);
        return;
    }
    cpu_gp(c, sel & 0xfffc);
}

/* 9A / EA: ptr16:16 or ptr16:32 immediate. */
static void op_call_ptr(struct cpu *c, const struct insn *i) { call_far(c, i->imm2, i->imm, i->opsz); }
static void op_jmp_ptr(struct cpu *c, const struct insn *i) { jmp_far(c, i->imm2, i->imm, i->opsz); }

/* FF /3, /5: m16:16, m16:32 or (REX.W) m16:64. */
static void read_mem_pointer(struct cpu *c, const struct insn *i, u16 *sel, u64 *off)
{
    if (i->mod == 3) cpu_ud(c);
    u64 ea = insn_ea(c, i);
    *off = seg_read(c, i->seg, ea, i->opsz);
    *sel = (u16)seg_read(c, i->seg, (ea + i->opsz) & size_mask(i->adsz), 2);
}

static void op_call_m(struct cpu *c, const struct insn *i)
{
    u16 sel;
    u64 off;
    read_mem_pointer(c, i, &sel, &off);
    call_far(c, sel, off, i->opsz);
}

static void op_jmp_m(struct cpu *c, const struct insn *i)
{
    u16 sel;
    u64 off;
    read_mem_pointer(c, i, &sel, &off);
    jmp_far(c, sel, off, i->opsz);
}

/* Checks on a return code segment shared by RETF and IRET (SDM Vol. 2 RET
 * "RETURN-TO-OTHER-PRIVILEGE-LEVEL" / IRET "PROTECTED-MODE-RETURN"). */
static u64 check_return_cs(struct cpu *c, u16 sel)
{
    if (sel_null(sel)) cpu_gp(c, 0);
    u64 d = seg_read_descriptor(c, sel, EXC_GP);
    int err = sel & 0xfffc;
    if (!desc_is_code(d) || sel_rpl(sel) < c->cpl) cpu_gp(c, err);
    if (desc_conforming(d) ? desc_dpl(d) > sel_rpl(sel) : desc_dpl(d) != sel_rpl(sel))
        cpu_gp(c, err);
    if (lma(c) && desc_l(d) && desc_db(d)) cpu_gp(c, err);
    if (!desc_present(d)) cpu_raise(c, EXC_NP, err);
    seg_set_accessed(c, sel, &d); /* before anything is committed: it may fault */
    return d;
}

/* The SS popped by a return to an outer level, or by IRETQ. Returns false when it is a
 * null selector that IA-32e mode allows (return to 64-bit code at CPL < 3). */
static bool check_return_ss(struct cpu *c, u16 ss, u16 cs, u64 cd, u64 *sd)
{
    if (sel_null(ss)) {
        if (lma(c) && desc_code64(cd) && sel_rpl(cs) != 3) return false;
        cpu_gp(c, 0);
    }
    int err = ss & 0xfffc;
    if (sel_rpl(ss) != sel_rpl(cs)) cpu_gp(c, err);
    *sd = seg_read_descriptor(c, ss, EXC_GP);
    if (!desc_writable_data(*sd) || desc_dpl(*sd) != sel_rpl(cs)) cpu_gp(c, err);
    if (!desc_present(*sd)) cpu_raise(c, EXC_SS, err);
    seg_set_accessed(c, ss, sd);
    return true;
}

/* Load SS:rSP after a return to an outer level. */
static void load_return_stack(struct cpu *c, u16 ss, u64 sd, bool usable, u64 sp, u64 release)
{
    if (usable) seg_load_checked(c, SEG_SS, ss, sd);
    else seg_load_null(c, SEG_SS, ss);
    unsigned w = c->mode == MODE_LONG ? 8 : (usable && desc_db(sd)) ? 4 : 2;
    reg_set(c, RSP, w, (sp + release) & size_mask(w));
}

static void stk_release(struct stk *s, u64 bytes)
{
    u64 mask = size_mask(s->width);
    s->sp = (s->sp & ~mask) | ((s->sp + bytes) & mask);
}

/* CB / CA iw: RETF. */
static void op_retf(struct cpu *c, const struct insn *i)
{
    unsigned osz = i->opsz;
    u64 release = i->op == 0xca ? (i->imm & 0xffff) : 0;
    struct stk s;
    stk_current(c, &s, 0);
    u64 off = stk_pop(c, &s, osz);
    u16 sel = (u16)stk_pop(c, &s, osz);
    if (real_or_v86(c)) {
        off = realish_target(c, off, osz);
        stk_release(&s, release);
        stk_commit_sp(c, &s);
        load_cs_realish(c, sel);
        c->next_rip = off;
        return;
    }
    u64 cd = check_return_cs(c, sel);
    if (sel_rpl(sel) == c->cpl) {
        off = far_target(c, cd, off, osz, 0);
        stk_release(&s, release);
        stk_commit_sp(c, &s);
        seg_load_cs(c, sel, cd, c->cpl);
        c->next_rip = off;
        return;
    }
    /* Outer privilege level: the caller's SS:rSP sit above the released parameters. */
    stk_release(&s, release);
    u64 sp = stk_pop(c, &s, osz);
    u16 ss = (u16)stk_pop(c, &s, osz);
    u64 sd = 0;
    bool usable = check_return_ss(c, ss, sel, cd, &sd);
    off = far_target(c, cd, off, osz, 0);
    seg_load_cs(c, sel, cd, sel_rpl(sel));
    load_return_stack(c, ss, sd, usable, sp, release);
    seg_null_invalid_data(c);
    c->next_rip = off;
}

/* --- IRET ------------------------------------------------------------------------- */

/* Flags restored by a protected-mode IRET at the old CPL (SDM Vol. 2 IRET
 * "RETURN-TO-SAME-PRIVILEGE-LEVEL"). */
static u64 iret_flags(u64 old, u64 popped, unsigned osz, unsigned cpl)
{
    u64 mask = FL_ARITH | FL_TF | FL_DF | FL_NT;
    if (osz >= 4) mask |= FL_RF | FL_AC | FL_ID;
    if (cpl <= iopl_of(old)) mask |= FL_IF;
    if (cpl == 0) {
        mask |= FL_IOPL;
        if (osz >= 4) mask |= FL_VIF | FL_VIP;
    }
    if (osz == 2) mask &= 0xffff;
    return (old & ~mask) | (popped & mask);
}

static void iret_real(struct cpu *c, unsigned osz)
{
    struct stk s;
    stk_current(c, &s, 0);
    u64 off = stk_pop(c, &s, osz);
    u16 sel = (u16)stk_pop(c, &s, osz);
    u64 fl = stk_pop(c, &s, osz);
    off = realish_target(c, off, osz);
    u64 old = cpu_get_rflags(c);
    /* SDM Vol. 2 IRET "REAL-ADDRESS-MODE": VM, VIF and VIP are kept. */
    u64 nf = osz == 4 ? (fl & 0x257fd5) | (old & 0x1a0000) : (old & ~0xffffull) | (fl & 0xffff);
    stk_commit_sp(c, &s);
    seg_load_real(c, SEG_CS, sel);
    cpu_set_rflags(c, nf);
    c->next_rip = off;
}

/* SDM Vol. 2 IRET "RETURN-FROM-VIRTUAL-8086-MODE", Vol. 3 20.3.1 (IOPL) and 20.4 (VME). */
static void iret_v86(struct cpu *c, unsigned osz)
{
    u64 old = cpu_get_rflags(c);
    bool vme = iopl_of(old) < 3;
    if (vme && (!(c->cr4 & CR4_VME) || osz != 2)) cpu_gp(c, 0);
    struct stk s;
    stk_current(c, &s, 0);
    u64 off = stk_pop(c, &s, osz);
    u16 sel = (u16)stk_pop(c, &s, osz);
    u64 fl = stk_pop(c, &s, osz);
    u64 nf;
    if (vme) {
        if ((fl & FL_TF) || ((fl & FL_IF) && (old & FL_VIP))) cpu_gp(c, 0);
        u64 keep = FL_IF | FL_IOPL;
        nf = (old & ~0xffffull) | (fl & 0xffff & ~keep) | (old & keep);
        nf = (nf & ~(u64)FL_VIF) | ((fl & FL_IF) ? FL_VIF : 0);
    } else if (osz == 4) {
        u64 keep = FL_VM | FL_IOPL | FL_VIP | FL_VIF;
        nf = (fl & ~keep) | (old & keep);
    } else {
        nf = (old & ~0xffffull) | (fl & 0xffff & ~(u64)FL_IOPL) | (old & FL_IOPL);
    }
    off = realish_target(c, off, osz);
    stk_commit_sp(c, &s);
    seg_load_v86(c, SEG_CS, sel);
    cpu_set_rflags(c, nf);
    c->next_rip = off;
}

/* IRET from CPL 0 with EFLAGS.VM set in the image (SDM Vol. 2 IRET
 * "RETURN-TO-VIRTUAL-8086-MODE"): the rest of the v86 frame follows. */
static void iret_to_v86(struct cpu *c, struct stk *s, u64 off, u16 cs, u64 fl)
{
    u64 esp = stk_pop(c, s, 4);
    u16 ss = (u16)stk_pop(c, s, 4);
    u16 es = (u16)stk_pop(c, s, 4);
    u16 ds = (u16)stk_pop(c, s, 4);
    u16 fs = (u16)stk_pop(c, s, 4);
    u16 gs = (u16)stk_pop(c, s, 4);
    if (off > 0xffff) cpu_gp(c, 0);
    cpu_set_rflags(c, fl);
    seg_load_v86(c, SEG_CS, cs);
    seg_load_v86(c, SEG_SS, ss);
    seg_load_v86(c, SEG_ES, es);
    seg_load_v86(c, SEG_DS, ds);
    seg_load_v86(c, SEG_FS, fs);
    seg_load_v86(c, SEG_GS, gs);
    reg_set(c, RSP, 4, esp);
    c->next_rip = off;
}

/* IRET with NT = 1 outside IA-32e mode: return to the task in the back link (SDM Vol. 3
 * 7.3, Vol. 2 IRET "TASK-RETURN"). */
static void iret_task(struct cpu *c)
{
    u16 link = (u16)lin_read(c, (u32)c->seg[SEG_TR].base, 2, ACC_READ | ACC_SUPER);
    int err = link & 0xfffc;
    if (link & 4) cpu_raise(c, EXC_TS, err);
    u64 d = seg_read_descriptor(c, link, EXC_TS);
    if (desc_s(d) || (desc_type(d) != DT_TSS16_BUSY && desc_type(d) != DT_TSS32_BUSY))
        cpu_raise(c, EXC_TS, err);
    if (!desc_present(d)) cpu_raise(c, EXC_NP, err);
    task_switch(c, link, d, TASK_IRET, c->next_rip, NO_ERRCODE, 0);
}

static void iret_protected(struct cpu *c, unsigned osz)
{
    struct stk s;
    stk_current(c, &s, 0);
    u64 off = stk_pop(c, &s, osz);
    u16 sel = (u16)stk_pop(c, &s, osz);
    u64 fl = stk_pop(c, &s, osz);
    if (!lma(c) && osz == 4 && (fl & FL_VM) && c->cpl == 0) {
        iret_to_v86(c, &s, off, sel, fl);
        return;
    }
    u64 cd = check_return_cs(c, sel);
    unsigned rpl = sel_rpl(sel), cpl = c->cpl;
    u64 nf = iret_flags(cpu_get_rflags(c), fl, osz, cpl);
    /* 64-bit mode always pops SS:RSP (SDM Vol. 2 IRET "IA-32e-MODE"). */
    if (c->mode == MODE_LONG || rpl > cpl) {
        u64 sp = stk_pop(c, &s, osz);
        u16 ss = (u16)stk_pop(c, &s, osz);
        u64 sd = 0;
        bool usable = check_return_ss(c, ss, sel, cd, &sd);
        off = far_target(c, cd, off, osz, 0);
        seg_load_cs(c, sel, cd, rpl);
        load_return_stack(c, ss, sd, usable, sp, 0);
        cpu_set_rflags(c, nf);
        if (rpl > cpl) seg_null_invalid_data(c);
        c->next_rip = off;
        return;
    }
    off = far_target(c, cd, off, osz, 0);
    stk_commit_sp(c, &s);
    seg_load_cs(c, sel, cd, cpl);
    cpu_set_rflags(c, nf);
    c->next_rip = off;
}

void op_iret(struct cpu *c, const struct insn *i)
{
    /* IRET ends NMI blocking even if it then faults (SDM Vol. 3 6.7.1; the VMX "NMI
     * unblocking due to IRET" exit qualification exists for exactly that case). */
    if (c->vmx_nonroot) {
        vmx_iret(c); /* NMI exiting / virtual NMIs decide (src/vmx/events.c) */
    } else if (c->nmi_blocked) {
        c->nmi_blocked = false;
        c->check_events = true;
    }
    if (c->mode == MODE_REAL) iret_real(c, i->opsz);
    else if (c->mode == MODE_V86) iret_v86(c, i->opsz);
    else if (cpu_get_rflags(c) & FL_NT) {
        if (lma(c)) cpu_gp(c, 0);
        iret_task(c);
    } else {
        iret_protected(c, i->opsz);
    }
}

const struct opdef far_ops[] = {
    {MAP_1B, 0x9a, -1, OPF_ENDBLOCK | OPF_INV64, op_call_ptr, IMM_PTR},
    {MAP_1B, 0xea, -1, OPF_ENDBLOCK | OPF_INV64, op_jmp_ptr, IMM_PTR},
    {MAP_1B, 0xca, -1, OPF_ENDBLOCK, op_retf, IMM_W},
    {MAP_1B, 0xcb, -1, OPF_ENDBLOCK, op_retf},
    {MAP_1B, 0xcf, -1, OPF_ENDBLOCK, op_iret},
    {MAP_1B, 0xff, 3, OPF_MODRM | OPF_ENDBLOCK, op_call_m},
    {MAP_1B, 0xff, 5, OPF_MODRM | OPF_ENDBLOCK, op_jmp_m},
    {.fn = NULL},
};
