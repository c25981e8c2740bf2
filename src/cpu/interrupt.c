/* Interrupt and exception delivery (SDM Vol. 3 chapter 6; Vol. 2 INT n): the real-mode IVT,
 * protected-mode IDT gates with privilege checks and stack switches, virtual-8086 mode
 * (IOPL and CR4.VME redirection, 20.3), and IA-32e 16-byte gates with IST (6.14).
 * Faults found on the way are raised with cpu_raise(); the executor combines them into
 * #DF when needed. */
#include "descriptor.h"
#include "lbr.h"
#include "../vmx/intercept.h"

static unsigned iopl_of(u64 f) { return (unsigned)(f >> 12) & 3; }

/* Error code of a fault caused by the IDT entry itself: IDT bit set (SDM Vol. 3 6.13). */
static int idt_error(int vector, int ext) { return vector * 8 + 2 + ext; }

/* Software interrupts whose gate DPL is checked against CPL (SDM Vol. 3 6.12.1.1):
 * INT n, INT3, INTO, but not INT1 or hardware events. */
static bool dpl_checked(enum event_kind kind) { return kind == EV_SWINT || kind == EV_SWEXC; }

/* Flags image pushed by the delivery. Fault-class exceptions set RF in the image so the
 * restarted instruction does not re-trigger an instruction breakpoint; #DB itself and the
 * aborts (#DF, #MC) do not (SDM Vol. 3 18.3.1.1, Table 6-1 classes). */
static u64 pushed_flags(struct cpu *c, int vector, enum event_kind kind)
{
    u64 f = cpu_get_rflags(c);
    if (kind == EV_HWEXC && vector != EXC_DB && vector != EXC_DF && vector != EXC_MC)
        f |= FL_RF;
    return f;
}

/* Real-address mode: 4-byte IVT entries, 16-bit frame (SDM Vol. 3 21.1.4). */
static void deliver_real(struct cpu *c, int vector, enum event_kind kind, u64 ret)
{
    if ((u64)vector * 4 + 3 > c->idtr.limit) cpu_gp(c, 0);
    u32 ent = (u32)lin_read(c, (u32)(c->idtr.base + (u64)vector * 4), 4, ACC_READ | ACC_SUPER);
    u16 ip = (u16)ent, cs = (u16)(ent >> 16);
    struct stk s;
    stk_current(c, &s, 0);
    u64 f = pushed_flags(c, vector, kind);
    stk_push(c, &s, 2, f);
    stk_push(c, &s, 2, c->seg[SEG_CS].sel);
    stk_push(c, &s, 2, ret);
    if (ip > c->seg[SEG_CS].limit) cpu_gp(c, 0);
    stk_commit_sp(c, &s);
    seg_load_real(c, SEG_CS, cs);
    cpu_set_rflags(c, f & ~(u64)(FL_IF | FL_TF | FL_AC | FL_RF));
    c->rip = c->next_rip = ip;
}

/* INT n in virtual-8086 mode (SDM Vol. 3 20.3.3, Table 20-2). Returns true if the
 * interrupt was redirected to the v86 program's own IVT; false if it goes to the
 * protected-mode handler; raises #GP(0) when IOPL-sensitive and not redirected. */
static bool v86_software_int(struct cpu *c, int vector, u64 ret)
{
    u64 f = cpu_get_rflags(c);
    unsigned iopl = iopl_of(f);
    if (c->cr4 & CR4_VME) {
        /* The interrupt redirection bitmap: the 32 bytes below the I/O map base. */
        const struct seg *tr = &c->seg[SEG_TR];
        if (tr->limit < 0x67 || (tr->ar & 0xd) != 9) cpu_gp(c, 0);
        u16 iobase = (u16)lin_read(c, (u32)(tr->base + 0x66), 2, ACC_READ | ACC_SUPER);
        u32 off = (u32)iobase - 32 + ((unsigned)vector >> 3);
        if (iobase < 32 || off > tr->limit) cpu_gp(c, 0);
        u8 bits = (u8)lin_read(c, (u32)(tr->base + off), 1, ACC_READ | ACC_SUPER);
        if (!((bits >> (vector & 7)) & 1)) {
            /* Method 5 / 6: through the v86 task's IVT at linear 0. With IOPL < 3 the
             * image shows VIF as IF and IOPL 3, and VIF is cleared instead of IF. */
            u32 ent = (u32)lin_read(c, (u64)vector * 4, 4, ACC_READ);
            u64 img = f;
            if (iopl < 3) img = (f & ~(u64)FL_IF) | FL_IOPL | ((f & FL_VIF) ? FL_IF : 0);
            struct stk s;
            stk_current(c, &s, 0);
            stk_push(c, &s, 2, img);
            stk_push(c, &s, 2, c->seg[SEG_CS].sel);
            stk_push(c, &s, 2, ret);
            stk_commit_sp(c, &s);
            seg_load_v86(c, SEG_CS, (u16)(ent >> 16));
            u64 nf = f & ~(u64)(FL_TF | FL_RF);
            nf &= iopl == 3 ? ~(u64)FL_IF : ~(u64)FL_VIF;
            cpu_set_rflags(c, nf);
            c->rip = c->next_rip = (u16)ent;
            return true;
        }
    }
    if (iopl < 3) cpu_gp(c, 0);
    return false;
}

/* Task gate in the IDT (SDM Vol. 2 INT n "TASK-GATE"). */
static void deliver_task_gate(struct cpu *c, u64 gate, u64 ret, int error, int ext)
{
    u16 sel = gate_sel(gate);
    int err = (sel & 0xfffc) | ext;
    if (sel & 4) cpu_gp(c, err);
    u64 d = seg_read_descriptor_ext(c, sel, EXC_GP, ext);
    if (desc_s(d) || (desc_type(d) != DT_TSS16 && desc_type(d) != DT_TSS32)) cpu_gp(c, err);
    if (!desc_present(d)) cpu_raise(c, EXC_NP, err);
    task_switch(c, sel, d, TASK_INT, ret, error, ext);
}

/* Protected mode and v86 mode through the IDT (SDM Vol. 2 INT n "PROTECTED-MODE",
 * Vol. 3 6.12.1, 20.3.2). */
static void deliver_protected(struct cpu *c, int vector, enum event_kind kind, int error,
                              int ext, u64 ret)
{
    int ierr = idt_error(vector, ext);
    if ((u64)vector * 8 + 7 > c->idtr.limit) cpu_gp(c, ierr);
    u64 g = lin_read(c, (u32)(c->idtr.base + (u64)vector * 8), 8, ACC_READ | ACC_SUPER);
    unsigned t = desc_type(g);
    if (desc_s(g) || !(t == DT_TASK || t == DT_INT16 || t == DT_TRAP16 || t == DT_INT32 ||
                       t == DT_TRAP32))
        cpu_gp(c, ierr);
    if (dpl_checked(kind) && desc_dpl(g) < c->cpl) cpu_gp(c, idt_error(vector, 0));
    if (!desc_present(g)) cpu_raise(c, EXC_NP, ierr);
    if (t == DT_TASK) {
        deliver_task_gate(c, g, ret, error, ext);
        return;
    }

    u16 csel = gate_sel(g);
    if (sel_null(csel)) cpu_gp(c, ext);
    u64 cd = seg_read_descriptor_ext(c, csel, EXC_GP, ext);
    int cerr = (csel & 0xfffc) | ext;
    if (!desc_is_code(cd) || desc_dpl(cd) > c->cpl) cpu_gp(c, cerr);
    if (!desc_present(cd)) cpu_raise(c, EXC_NP, cerr);
    /* Accessed bits are written before any state is committed: the write may fault (a
     * not-present or read-only descriptor-table page) and the delivery must restart. */
    seg_set_accessed(c, csel, &cd);

    bool v86 = c->mode == MODE_V86;
    unsigned gsz = t >= 8 ? 4 : 2;
    u64 off = gate_offset(g) & size_mask(gsz);
    u64 f = pushed_flags(c, vector, kind);
    unsigned dpl = desc_dpl(cd);
    bool inner = !desc_conforming(cd) && dpl < c->cpl;
    u16 nss = 0;
    u64 sd = 0;
    struct stk s;

    if (inner) {
        /* SDM Vol. 2 INT n "INTER-PRIVILEGE-LEVEL-INTERRUPT": v86 may only enter ring 0. */
        if (v86 && dpl != 0) cpu_gp(c, cerr);
        u64 nsp;
        tss_stack(c, dpl, ext, &nss, &nsp);
        sd = seg_check_inner_ss(c, nss, dpl, ext);
        seg_set_accessed(c, nss, &sd);
        seg_from_descriptor(&s.ss, nss, sd);
        s.width = desc_db(sd) ? 4 : 2;
        s.sp = (c->r[RSP] & ~size_mask(s.width)) | (nsp & size_mask(s.width));
        s.acc = ACC_SUPER;
        s.cur = false;
        s.err = (nss & 0xfffc) | ext;
        s.flat64 = false;
        if (v86) {
            stk_push(c, &s, gsz, c->seg[SEG_GS].sel);
            stk_push(c, &s, gsz, c->seg[SEG_FS].sel);
            stk_push(c, &s, gsz, c->seg[SEG_DS].sel);
            stk_push(c, &s, gsz, c->seg[SEG_ES].sel);
        }
        stk_push(c, &s, gsz, c->seg[SEG_SS].sel);
        stk_push(c, &s, gsz, c->r[RSP]);
    } else {
        /* Same level: a v86 task can't run its handler at CPL 3 (SDM Vol. 3 20.3.2). */
        if (v86) cpu_gp(c, cerr);
        dpl = c->cpl;
        stk_current(c, &s, ext);
    }
    stk_push(c, &s, gsz, f);
    stk_push(c, &s, gsz, c->seg[SEG_CS].sel);
    stk_push(c, &s, gsz, ret);
    if (error != NO_ERRCODE) stk_push(c, &s, gsz, (u32)error);
    if (off > desc_limit(cd)) cpu_gp(c, ext);

    /* Commit. VM goes first so the segment loads below see protected mode. */
    u64 nf = f & ~(u64)(FL_TF | FL_NT | FL_RF | FL_VM);
    if (t == DT_INT16 || t == DT_INT32) nf &= ~(u64)FL_IF;
    cpu_set_rflags(c, nf);
    seg_load_cs(c, csel, cd, dpl);
    if (inner) {
        seg_load_checked(c, SEG_SS, nss, sd);
        if (v86) {
            /* SDM Vol. 3 20.3.2: the data segments are loaded with null selectors. */
            seg_load_null(c, SEG_ES, 0);
            seg_load_null(c, SEG_DS, 0);
            seg_load_null(c, SEG_FS, 0);
            seg_load_null(c, SEG_GS, 0);
        }
    }
    stk_commit_sp(c, &s);
    c->rip = c->next_rip = off;
}

/* RSP slot of the 64-bit TSS: RSPn at 4 + 8n, ISTn at 0x24 + 8(n-1) (SDM Vol. 3 8.7). */
static u64 tss64_read(struct cpu *c, u32 off, int ext)
{
    const struct seg *tr = &c->seg[SEG_TR];
    if ((u64)off + 7 > tr->limit) cpu_raise(c, EXC_TS, (tr->sel & 0xfffc) | ext);
    return lin_read(c, tr->base + off, 8, ACC_READ | ACC_SUPER);
}

/* IA-32e mode (SDM Vol. 3 6.14). */
static void deliver_long(struct cpu *c, int vector, enum event_kind kind, int error, int ext,
                         u64 ret)
{
    int ierr = idt_error(vector, ext);
    if ((u64)vector * 16 + 15 > c->idtr.limit) cpu_gp(c, ierr);
    u64 glin = c->idtr.base + (u64)vector * 16;
    u64 g = lin_read(c, glin, 8, ACC_READ | ACC_SUPER);
    u64 ghi = lin_read(c, glin + 8, 8, ACC_READ | ACC_SUPER);
    unsigned t = desc_type(g);
    /* Only 64-bit interrupt and trap gates exist in IA-32e mode (SDM Vol. 3 6.14.1). */
    if (desc_s(g) || (t != DT_INT32 && t != DT_TRAP32)) cpu_gp(c, ierr);
    if (dpl_checked(kind) && desc_dpl(g) < c->cpl) cpu_gp(c, idt_error(vector, 0));
    if (!desc_present(g)) cpu_raise(c, EXC_NP, ierr);

    u16 csel = gate_sel(g);
    if (sel_null(csel)) cpu_gp(c, ext);
    u64 cd = seg_read_descriptor_ext(c, csel, EXC_GP, ext);
    int cerr = (csel & 0xfffc) | ext;
    if (!desc_is_code(cd) || desc_dpl(cd) > c->cpl) cpu_gp(c, cerr);
    if (!desc_present(cd)) cpu_raise(c, EXC_NP, cerr);
    if (!desc_code64(cd)) cpu_gp(c, cerr);
    seg_set_accessed(c, csel, &cd); /* before the commit, as above */

    u64 off = gate_offset(g) | ((ghi & 0xffffffffull) << 32);
    unsigned ist = gate_ist(g);
    unsigned dpl = desc_dpl(cd);
    bool inner = !desc_conforming(cd) && dpl < c->cpl;
    if (!inner) dpl = c->cpl;
    u64 nsp;
    if (ist) nsp = tss64_read(c, 0x24 + 8 * (ist - 1), ext);
    else if (inner) nsp = tss64_read(c, 4 + 8 * dpl, ext);
    else nsp = c->r[RSP];
    if (!cpu_is_canonical(c, nsp)) cpu_raise(c, EXC_SS, ext);

    /* The frame is always SS:RSP, RFLAGS, CS:RIP on a 16-byte aligned stack (6.14.2). */
    struct stk s;
    memset(&s.ss, 0, sizeof s.ss);
    s.sp = nsp & ~0xfull;
    s.width = 8;
    s.acc = dpl < 3 ? ACC_SUPER : 0;
    s.err = ext;
    s.flat64 = true;
    s.cur = false;
    u64 f = pushed_flags(c, vector, kind);
    stk_push(c, &s, 8, c->seg[SEG_SS].sel);
    stk_push(c, &s, 8, c->r[RSP]);
    stk_push(c, &s, 8, f);
    stk_push(c, &s, 8, c->seg[SEG_CS].sel);
    stk_push(c, &s, 8, ret);
    if (error != NO_ERRCODE) stk_push(c, &s, 8, (u32)error);
    if (!cpu_is_canonical(c, off)) cpu_gp(c, ext);

    u64 nf = f & ~(u64)(FL_TF | FL_NT | FL_RF | FL_VM);
    if (t == DT_INT32) nf &= ~(u64)FL_IF;
    cpu_set_rflags(c, nf);
    seg_load_cs(c, csel, cd, dpl);
    /* A privilege change loads SS with a null selector whose RPL is the new CPL. */
    if (inner) seg_load_null(c, SEG_SS, (u16)dpl);
    c->r[RSP] = s.sp;
    c->rip = c->next_rip = off;
}

void intr_deliver(struct cpu *c, int vector, enum event_kind kind, int error)
{
    bool soft = kind == EV_SWINT || kind == EV_SWEXC || kind == EV_PRIV_SWEXC;
    /* EXT: the event came from outside the program (SDM Vol. 3 6.13). */
    int ext = (kind == EV_EXTINT || kind == EV_NMI || kind == EV_HWEXC) ? 1 : 0;
    u64 ret = soft ? c->next_rip : c->rip;
    c->stop_block = true;
    /* Any event delivered to a halted processor resumes it: the handler runs (SDM Vol. 2
     * HLT; Vol. 3 6.8.3). */
    c->halted = false;
    bool lbr = c->debugctl & (DEBUGCTL_LBR | DEBUGCTL_BTF);
    u64 lbr_from = lbr ? lbr_ip(c) : 0;
    if (c->vmx_nonroot) vmx_delivery_begin(c, vector, kind, error); /* src/vmx/events.c */
    switch (c->mode) {
    case MODE_REAL:
        deliver_real(c, vector, kind, ret);
        break;
    case MODE_V86:
        if (kind == EV_SWINT && v86_software_int(c, vector, ret)) break;
        deliver_protected(c, vector, kind, error, ext, ret);
        break;
    case MODE_PROT:
        deliver_protected(c, vector, kind, error, ext, ret);
        break;
    case MODE_COMPAT:
    case MODE_LONG:
        deliver_long(c, vector, kind, error, ext, ret);
        break;
    }
    if (unlikely(lbr)) lbr_event(c, vector == EXC_DB && kind != EV_SWINT, lbr_from); /* LER, LBR; #DB clears LBR and BTF */
    if (c->vmx_nonroot) vmx_delivery_end(c);
}
