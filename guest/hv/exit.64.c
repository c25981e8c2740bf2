/* VM-exit dispatch: one handler per basic exit reason this hypervisor expects (SDM
 * Appendix C), each either emulating what the guest asked and resuming it, or stopping
 * the guest with a reason. Returns 1 to keep running the guest, 0 to reschedule. */
#include "hv.h"

#define RFLAGS_IF 0x200u

void hv_stop(struct guest *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->why, sizeof g->why, fmt, ap);
    va_end(ap);
    uart_flush(g);
    g->state = G_STOPPED;
    printf("hv: stopped guest %s: %s\n", g->name, g->why);
}

void hv_finish(struct guest *g, int code, const char *how)
{
    uart_flush(g);
    g->state = G_DONE;
    g->exit_code = code;
    snprintf(g->why, sizeof g->why, "%s", how);
    printf("hv: guest %s %s (code %d)\n", g->name, how, code);
}

/* General registers in the order exit qualifications number them (SDM Table 28-3). */
static u64 *gpr(struct guest *g, int idx)
{
    struct hv_regs *r = &g->regs;
    u64 *map[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, 0,       &r->rbp, &r->rsi, &r->rdi,
                    &r->r8,  &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15};
    return map[idx & 15];
}
u64 hv_get_gpr(struct guest *g, int idx)
{
    u64 *p = gpr(g, idx);
    return p ? *p : vmr(GUEST_RSP);
}
/* As the processor writes a register: 32-bit results clear bits 63:32, narrower ones
 * merge. */
void hv_set_gpr(struct guest *g, int idx, u64 v, int size)
{
    u64 old = hv_get_gpr(g, idx);
    if (size == 4)
        v = (u32)v;
    else if (size == 2)
        v = (old & ~0xffffull) | (u16)v;
    else if (size == 1)
        v = (old & ~0xffull) | (u8)v;
    u64 *p = gpr(g, idx);
    if (p)
        *p = v;
    else
        vmw(GUEST_RSP, v);
}

/* Past the exiting instruction; it completed, so blocking by STI or MOV SS that it sat
 * in ends with it (SDM 25.4.2). */
void hv_skip_insn(void)
{
    vmw(GUEST_RIP, vmr(GUEST_RIP) + vmr(EXIT_INSN_LEN));
    u64 intr = vmr(GUEST_INTERRUPTIBILITY);
    if (intr & 3) vmw(GUEST_INTERRUPTIBILITY, intr & ~3ull);
}

/* Event injection at the next entry (SDM 27.6). Real mode delivers no error code
 * (27.2.1.3); virtual-8086 mode stands for real mode, its events go through the IVT
 * by hand (v86.64.c). */
void hv_inject_exception(u32 vec, int has_err, u32 err)
{
    if (v86_mode()) {
        v86_deliver(hv.current, vec, (u16)vmr(GUEST_RIP));
        return;
    }
    if (!(vmr(GUEST_CR0) & CR0_PE)) has_err = 0;
    vmw(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_HW_EXC | vec | (has_err ? INTR_ERR_VALID : 0));
    if (has_err) vmw(ENTRY_EXCEPTION_ERR, err);
}

static int exit_exception(struct guest *g)
{
    u32 info = (u32)vmr(EXIT_INTR_INFO);
    u32 vec = info & 0xff, type = info & (7u << 8);
    if (type == INTR_TYPE_NMI) return 1; /* a host NMI: nothing here raises them */
    g->exceptions[vec & 31]++;
    if (vec == 14 && !hv.cpu.ept) return shadow_page_fault(g);
    if (v86_mode()) return v86_exception(g, vec);
    if (vec == 6 && ++g->ud_count > 8) {
        hv_stop(g, "invalid opcode loop: %d #UD faults, the last at rip 0x%llx", g->ud_count - 1,
                (unsigned long long)vmr(GUEST_RIP));
        return 0;
    }
    /* Give it back to the guest: its own handler decides (SDM 27.6.1). */
    hv_inject_exception(vec, !!(info & INTR_ERR_VALID), (u32)vmr(EXIT_INTR_ERR));
    return 1;
}

static int exit_cpuid(struct guest *g)
{
    u32 a, b, c, d;
    struct hv_regs *r = &g->regs;
    u32 leaf = (u32)r->rax;
    cpuid(leaf, (u32)r->rcx, &a, &b, &c, &d);
    if (leaf == 1) {
        c &= ~(1u << 5); /* no VMX inside a guest */
        c |= 1u << 31;   /* "running on a hypervisor" */
    }
    r->rax = a, r->rbx = b, r->rcx = c, r->rdx = d;
    hv_skip_insn();
    return 1;
}

/* HLT, already stepped over: the guest waits for its next interrupt. */
int hv_halt(struct guest *g)
{
    if (!(vmr(GUEST_RFLAGS) & RFLAGS_IF)) {
        hv_finish(g, 0, "halted with interrupts disabled");
        return 0;
    }
    g->state = G_HALTED; /* until its next interrupt (sched.64.c) */
    return 0;
}

static int exit_hlt(struct guest *g)
{
    hv_skip_insn();
    return hv_halt(g);
}

static int exit_vmcall(struct guest *g)
{
    struct hv_regs *r = &g->regs;
    hv_skip_insn();
    switch (r->rax) {
    case HC_PRINT: {
        char buf[257];
        u32 n = 0;
        while (n < 256 && !read_lin(g, r->rbx + n, &buf[n], 1) && buf[n])
            n++;
        buf[n] = 0;
        uart_puts(g, buf);
        r->rax = 0;
        return 1;
    }
    case HC_YIELD: r->rax = 0; return 0;
    case HC_EXIT: hv_finish(g, (int)r->rbx, "exited"); return 0;
    }
    r->rax = ~0ull;
    return 1;
}

/* Returns 0 when the guest had to be stopped. */
static int set_cr0(struct guest *g, u64 val)
{
    u64 old = vmr(CR0_SHADOW);
    if ((val & CR0_PG) && !(val & CR0_PE)) {
        hv_inject_exception(13, 1, 0);
        return 1;
    }
    if (!hv.cpu.ug && !(val & CR0_PE)) { /* virtual-8086 mode is for guests born real */
        hv_stop(g, "left protected mode: needs unrestricted guest");
        return 0;
    }
    if (!hv.cpu.ept && (val & CR0_PG) && (guest_cr4() & CR4_PAE) &&
        !(hv.cpu.load_efer && (vmr(GUEST_EFER) & EFER_LME))) {
        hv_stop(g, "turned on PAE paging: shadow paging covers 32-bit and 4-level only");
        return 0;
    }
    /* Long mode starts or ends with CR0.PG when EFER.LME is set (SDM 10.8.5): keep
     * EFER.LMA and the "IA-32e mode guest" entry control with it. */
    u64 efer = hv.cpu.load_efer ? vmr(GUEST_EFER) : 0;
    if ((efer & EFER_LME) && ((val ^ old) & CR0_PG)) {
        u64 entry = vmr(ENTRY_CONTROLS);
        if (val & CR0_PG)
            efer |= EFER_LMA, entry |= ENTRY_IA32E_GUEST;
        else
            efer &= ~(u64)EFER_LMA, entry &= ~(u64)ENTRY_IA32E_GUEST;
        vmw(GUEST_EFER, efer);
        vmw(ENTRY_CONTROLS, entry);
    }
    vmw(CR0_SHADOW, val);
    vmw(GUEST_CR0, val);
    hv_paging_sync(g);
    return 1;
}

/* SDM Table 28-3: control register, access type, register, LMSW source. */
static int exit_cr(struct guest *g)
{
    u64 q = vmr(EXIT_QUAL);
    int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
    /* Without unrestricted guest the real CR3 is ours (paging.64.c): the guest's lives
     * in guest_cr3, and loading it flushes the shadow page tables. */
    if (type == 0) {
        u64 v = hv_get_gpr(g, reg);
        if (cr == 0 && !set_cr0(g, v)) return 0;
        if (cr == 3 && hv.cpu.ug)
            vmw(GUEST_CR3, v);
        else if (cr == 3) {
            g->guest_cr3 = v;
            hv_paging_sync(g);
        } else if (cr == 4) {
            vmw(CR4_SHADOW, v);
            vmw(GUEST_CR4, v);
            hv_paging_sync(g);
        }
    } else if (type == 1) {
        hv_set_gpr(g, reg, cr != 3 ? 0 : guest_cr3(g), 8);
    } else if (type == 2) { /* CLTS */
        vmw(CR0_SHADOW, vmr(CR0_SHADOW) & ~8ull);
        vmw(GUEST_CR0, vmr(GUEST_CR0) & ~8ull);
    } else { /* LMSW: loads CR0[3:0], never clears PE */
        u64 old = vmr(CR0_SHADOW), src = (q >> 16) & 0xf;
        if (!set_cr0(g, (old & ~0xeull) | src)) return 0;
    }
    if (!(vmr(ENTRY_INTR_INFO) & INTR_VALID)) hv_skip_insn();
    return 1;
}

/* SDM Table 28-5: size - 1, direction, string, REP, port. */
static int exit_io(struct guest *g)
{
    u64 q = vmr(EXIT_QUAL);
    int size = (q & 7) + 1, in = (q >> 3) & 1;
    u16 port = (u16)(q >> 16);
    if (q & 0x10) {
        hv_stop(g, "string I/O at port 0x%x is not emulated", port);
        return 0;
    }
    u32 val = in ? 0xffffffffu : (u32)g->regs.rax;
    if (port >= 0x3f8 && port <= 0x3ff)
        uart_io(g, port, in, &val);
    else if ((port >= 0x40 && port <= 0x43) || port == 0x61)
        pit_io(g, port, in, &val);
    else if (port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1)
        pic_io(g, port, in, &val);
    /* anything else: reads float high, writes vanish, as on an empty bus */
    if (in) hv_set_gpr(g, 0, size == 4 ? val : val | (0xffffffffu << (8 * size)), size);
    hv_skip_insn();
    return 1;
}

static int msr_read(struct guest *g, u32 msr, u64 *v)
{
    switch (msr) {
    case 0x10: *v = rdtsc(); return 0;
    case 0x1b: *v = 0xfee00900; return 0; /* APIC base: BSP, enabled */
    case 0x3a: *v = 1; return 0;          /* FEATURE_CONTROL locked, VMX off */
    case 0x174: *v = vmr(GUEST_SYSENTER_CS); return 0;
    case 0x175: *v = vmr(GUEST_SYSENTER_ESP); return 0;
    case 0x176: *v = vmr(GUEST_SYSENTER_EIP); return 0;
    case 0x277: *v = 0x0007040600070406ull; return 0;
    case 0xc0000080:
        *v = hv.cpu.load_efer                            ? vmr(GUEST_EFER)
             : (vmr(ENTRY_CONTROLS) & ENTRY_IA32E_GUEST) ? EFER_LME | EFER_LMA
                                                         : 0;
        return 0;
    case 0xc0000100: *v = vmr(GUEST_FS_BASE); return 0;
    case 0xc0000101: *v = vmr(GUEST_GS_BASE); return 0;
    case 0xc0000102: *v = g->kernel_gs_base; return 0;
    }
    return -1;
}

static int msr_write(struct guest *g, u32 msr, u64 v)
{
    switch (msr) {
    case 0x1b:
    case 0x277: return 0; /* accepted, not modelled */
    case 0x174: vmw(GUEST_SYSENTER_CS, v); return 0;
    case 0x175: vmw(GUEST_SYSENTER_ESP, v); return 0;
    case 0x176: vmw(GUEST_SYSENTER_EIP, v); return 0;
    case 0xc0000080:
        if (!hv.cpu.load_efer) return -1;
        /* LMA follows CR0.PG (set_cr0), not the guest's write */
        vmw(GUEST_EFER, (v & ~(u64)EFER_LMA) | (vmr(GUEST_EFER) & EFER_LMA));
        return 0;
    case 0xc0000100: vmw(GUEST_FS_BASE, v); return 0;
    case 0xc0000101: vmw(GUEST_GS_BASE, v); return 0;
    case 0xc0000102: g->kernel_gs_base = v; return 0;
    }
    return -1;
}

static int exit_msr(struct guest *g, int write)
{
    struct hv_regs *r = &g->regs;
    u32 msr = (u32)r->rcx;
    u64 v = ((r->rdx & 0xffffffffu) << 32) | (u32)r->rax;
    int bad = write ? msr_write(g, msr, v) : msr_read(g, msr, &v);
    if (bad) {
        hv_inject_exception(13, 1, 0); /* as hardware does for an MSR it lacks */
        return 1;
    }
    if (!write) r->rax = (u32)v, r->rdx = v >> 32;
    hv_skip_insn();
    return 1;
}

static int exit_ept_violation(struct guest *g)
{
    u64 gpa = vmr(GUEST_PHYS_ADDR);
    if ((gpa & ~0xfffull) == HV_INFO_GPA) {
        if (!mmio_access(g, gpa)) return 1;
        hv_stop(g, "MMIO access at gpa 0x%llx by an instruction not emulated, rip 0x%llx",
                (unsigned long long)gpa, (unsigned long long)vmr(GUEST_RIP));
        return 0;
    }
    hv_stop(g, "EPT violation at gpa 0x%llx (outside its memory), rip 0x%llx",
            (unsigned long long)gpa, (unsigned long long)vmr(GUEST_RIP));
    return 0;
}

int hv_handle_exit(struct guest *g)
{
    u32 reason = (u32)vmr(EXIT_REASON), basic = reason & 0xffff;
    if (basic < HV_EXIT_REASONS) g->exits[basic]++;
    if (reason & EXIT_REASON_ENTRY_FAIL) {
        hv_stop(g, "VM entry failed: %s (qualification %llu)", exit_name(basic),
                (unsigned long long)vmr(EXIT_QUAL));
        return 0;
    }
    /* An event whose delivery the exit interrupted is delivered again (SDM 28.2.4):
     * IDT-vectoring information becomes the entry's interruption information. */
    u32 idt = (u32)vmr(IDT_VECTORING_INFO);
    if (idt & INTR_VALID) {
        vmw(ENTRY_INTR_INFO, idt & 0x80000fffu);
        if (idt & INTR_ERR_VALID) vmw(ENTRY_EXCEPTION_ERR, vmr(IDT_VECTORING_ERR));
        vmw(ENTRY_INSN_LEN, vmr(EXIT_INSN_LEN));
    }
    switch (basic) {
    case EXIT_EXCEPTION_NMI: return exit_exception(g);
    case EXIT_EXT_INTR:
        /* The host's tick (sched.64.c): acknowledged by the exit, or by polling the PIC
         * (OCW3 poll) when the model cannot acknowledge on exit; then EOI. */
        if (!hv.cpu.ack_intr) {
            outb(0x20, 0x0c);
            (void)inb(0x20);
        }
        outb(0x20, 0x20);
        return 1; /* the slice may be over: sched.64.c looks at the clock */
    case EXIT_TRIPLE_FAULT:
        hv_stop(g, "triple fault at rip 0x%llx", (unsigned long long)vmr(GUEST_RIP));
        return 0;
    case EXIT_INTR_WINDOW: return 1; /* sched.64.c injects before the next entry */
    case EXIT_CPUID: return exit_cpuid(g);
    case EXIT_HLT: return exit_hlt(g);
    case EXIT_VMCALL: return exit_vmcall(g);
    case 19:
    case 20:
    case 21:
    case 22:
    case 23:
    case 24:
    case 25:
    case 26:
    case 27:
    case 50:
    case 53: /* VMX instructions: VMX is hidden from guests */
        hv_inject_exception(6, 0, 0);
        return 1;
    case EXIT_INVLPG: return shadow_invlpg(g);
    case EXIT_CR_ACCESS: return exit_cr(g);
    case EXIT_IO: return exit_io(g);
    case EXIT_RDMSR: return exit_msr(g, 0);
    case EXIT_WRMSR: return exit_msr(g, 1);
    case 48: return exit_ept_violation(g);
    case 49:
        hv_stop(g, "EPT misconfiguration at gpa 0x%llx", (unsigned long long)vmr(GUEST_PHYS_ADDR));
        return 0;
    case EXIT_PREEMPT_TIMER: return 1; /* sched.64.c ends the slice */
    }
    hv_stop(g, "unexpected VM exit %u (%s) at rip 0x%llx", basic, exit_name(basic),
            (unsigned long long)vmr(GUEST_RIP));
    return 0;
}
