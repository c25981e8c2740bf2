/* Events, 64-bit half (SDM 26.6 event injection and VM exits right after entry,
 * 25.5.1 preemption timer, 25.2 external interrupts). The guest's IDT stubs record
 * what was delivered (vmx_guest_trap) and VMCALL. */
#include "vmx.h"

#define SNIPPET(name, body)                                                              \
    extern char name[], name##_at[];                                                     \
    __asm__(".text\n.globl " #name "\n" #name ":\n" body "\n")

SNIPPET(g_nops, "g_nops_at: nop\n nop\n nop\n vmcall");
SNIPPET(g_sti, "sti\n nop\n g_sti_at: nop\n vmcall");
SNIPPET(g_loop, "g_loop_at: jmp g_loop_at");

/* Inject `info` (with error code / instruction length) into a guest about to run
 * g_nops, and return 1 if the guest's stub saw vector vec, error err, frame RIP rip. */
static int inject(u32 info, u32 err, u32 len, u64 vec, u64 gerr, u64 rip)
{
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw(GUEST_RFLAGS, 0x202); /* IF=1: external interrupts need it (26.3.1.4) */
    vmw(ENTRY_INTR_INFO, info);
    vmw(ENTRY_EXCEPTION_ERR, err);
    vmw(ENTRY_INSN_LEN, len);
    u64 before = vmx_guest_trap.count;
    int st = vmx_launch();
    return st == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL && vmx_guest_trap.count == before + 1 &&
           vmx_guest_trap.vec == vec && vmx_guest_trap.err == gerr && vmx_guest_trap.rip == rip;
}

static void injection(void)
{
    u64 g = (u64)g_nops;
    check("inject_external_interrupt", inject(INTR_VALID | INTR_TYPE_EXT | 0x40, 0, 0, 0x40, 0, g));
    check_eq("inject_valid_bit_cleared_by_exit", vmr(ENTRY_INTR_INFO) & INTR_VALID, 0);
    check("inject_gp_with_error_code",
          inject(INTR_VALID | INTR_ERR_VALID | INTR_TYPE_HW_EXC | 13, 0x1234, 0, 13, 0x1234, g));
    check("inject_pf_with_error_code",
          inject(INTR_VALID | INTR_ERR_VALID | INTR_TYPE_HW_EXC | 14, 0x5, 0, 14, 0x5, g));
    check("inject_ud_no_error_code", inject(INTR_VALID | INTR_TYPE_HW_EXC | 6, 0, 0, 6, 0, g));
    check("inject_nmi", inject(INTR_VALID | INTR_TYPE_NMI | 2, 0, 0, 2, 0, g));
    /* Software events push RIP + the VM-entry instruction length (26.6.1.1). */
    check("inject_software_interrupt_len2", inject(INTR_VALID | INTR_TYPE_SW_INT | 0x50, 0, 2, 0x50, 0, g + 2));
    check("inject_software_exception_bp_len1", inject(INTR_VALID | INTR_TYPE_SW_EXC | 3, 0, 1, 3, 0, g + 1));
    check("inject_privileged_sw_exception_len3",
          inject(INTR_VALID | INTR_TYPE_PRIV_SW_EXC | 1, 0, 3, 1, 0, g + 3));
    /* An injected event is not blocked by interruptibility: it is delivered even with
     * IF=0 for exceptions. */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_HW_EXC | 6);
    u64 before = vmx_guest_trap.count;
    check("inject_exception_with_if_clear",
          vmx_launch() == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL && vmx_guest_trap.count == before + 1 &&
              vmx_guest_trap.vec == 6);
    /* With the vector in the exception bitmap, the injected exception is delivered,
     * not turned into a VM exit (26.6.1.2 and 25.2). */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw(EXCEPTION_BITMAP, 1u << 6);
    vmw(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_HW_EXC | 6);
    before = vmx_guest_trap.count;
    check("inject_ignores_exception_bitmap",
          vmx_launch() == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL && vmx_guest_trap.count == before + 1);
}

static void windows(void)
{
    /* Interrupt window open at entry (IF=1, no blocking): exit before any instruction. */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PROC_CONTROLS, PROC_INTR_WINDOW);
    vmw(GUEST_RFLAGS, 0x202);
    int st = vmx_launch();
    check("intr_window_open_at_entry", st == VMX_EXITED && vmx_exit.reason == EXIT_INTR_WINDOW &&
                                           vmx_exit.guest_rip == (u64)g_nops);
    check_eq("intr_window_exit_qual_zero", vmx_exit.qual, 0);
    /* Opened by STI: blocking by STI holds for one more instruction. */
    vmx_default_vmcs((void (*)(void))g_sti);
    vmw_or(PROC_CONTROLS, PROC_INTR_WINDOW);
    st = vmx_launch();
    check("intr_window_after_sti_shadow", st == VMX_EXITED && vmx_exit.reason == EXIT_INTR_WINDOW &&
                                              vmx_exit.guest_rip == (u64)g_sti_at);
    /* IF=1 but blocking by STI in the interruptibility state: the window opens after
     * the first guest instruction. */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PROC_CONTROLS, PROC_INTR_WINDOW);
    vmw(GUEST_RFLAGS, 0x202);
    vmw(GUEST_INTERRUPTIBILITY, 1);
    st = vmx_launch();
    check("intr_window_sti_blocking_state", st == VMX_EXITED && vmx_exit.reason == EXIT_INTR_WINDOW &&
                                                vmx_exit.guest_rip == (u64)g_nops + 1);
    /* IF=0 all along: no window, the guest reaches its VMCALL. */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PROC_CONTROLS, PROC_INTR_WINDOW);
    st = vmx_launch();
    check("intr_window_if_clear_no_exit", st == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL);

    /* NMI window (needs NMI exiting and virtual NMIs, 26.2.1.1). */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PIN_CONTROLS, PIN_NMI_EXIT | PIN_VIRTUAL_NMI);
    vmw_or(PROC_CONTROLS, PROC_NMI_WINDOW);
    st = vmx_launch();
    check("nmi_window_open_at_entry", st == VMX_EXITED && vmx_exit.reason == EXIT_NMI_WINDOW &&
                                          vmx_exit.guest_rip == (u64)g_nops);
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PIN_CONTROLS, PIN_NMI_EXIT | PIN_VIRTUAL_NMI);
    vmw_or(PROC_CONTROLS, PROC_NMI_WINDOW);
    vmw(GUEST_INTERRUPTIBILITY, 8); /* virtual-NMI blocking */
    st = vmx_launch();
    check("nmi_window_blocked_no_exit", st == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL);
    /* IRET in the guest unblocks virtual NMIs: inject #UD, the stub IRETs after we
     * resume past its VMCALL, and the NMI window opens. */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PIN_CONTROLS, PIN_NMI_EXIT | PIN_VIRTUAL_NMI);
    vmw(GUEST_INTERRUPTIBILITY, 8);
    vmw(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_HW_EXC | 6);
    st = vmx_launch(); /* the stub's VMCALL */
    vmx_skip_insn();
    vmw_or(PROC_CONTROLS, PROC_NMI_WINDOW);
    st = vmx_resume();
    check("nmi_window_opens_after_guest_iret", st == VMX_EXITED && vmx_exit.reason == EXIT_NMI_WINDOW &&
                                                   vmx_exit.guest_rip == (u64)g_nops);
}

static void preemption_timer(void)
{
    /* Not offered by every model (Core 2): then there is nothing to check. */
    if (!vmx_may1(vmx_caps.pin, PIN_PREEMPT_TIMER))
        return;
    int save = vmx_may1(vmx_caps.exit, EXIT_SAVE_PREEMPT);
    /* Zero: the exit happens before the first guest instruction (26.7.4). */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PIN_CONTROLS, PIN_PREEMPT_TIMER);
    vmw(PREEMPTION_TIMER, 0);
    int st = vmx_launch();
    check("preempt_timer_zero_exits_at_entry", st == VMX_EXITED && vmx_exit.reason == EXIT_PREEMPT_TIMER &&
                                                   vmx_exit.guest_rip == (u64)g_nops);
    check_eq("preempt_timer_exit_qual_zero", vmx_exit.qual, 0);
    if (!save)
        return;
    /* Counting down in a guest loop; the saved value is then 0 (27.3.4). */
    vmx_default_vmcs((void (*)(void))g_loop);
    vmw_or(PIN_CONTROLS, PIN_PREEMPT_TIMER);
    vmw_or(EXIT_CONTROLS, EXIT_SAVE_PREEMPT);
    vmw(PREEMPTION_TIMER, 2000);
    st = vmx_launch();
    check("preempt_timer_stops_guest_loop", st == VMX_EXITED && vmx_exit.reason == EXIT_PREEMPT_TIMER &&
                                                vmx_exit.guest_rip == (u64)g_loop_at);
    check_eq("preempt_timer_saved_zero", vmr(PREEMPTION_TIMER), 0);
    /* Another exit first: the saved value has gone down but not to zero. */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PIN_CONTROLS, PIN_PREEMPT_TIMER);
    vmw_or(EXIT_CONTROLS, EXIT_SAVE_PREEMPT);
    vmw(PREEMPTION_TIMER, 0xfffffff0);
    st = vmx_launch();
    u64 left = vmr(PREEMPTION_TIMER);
    check("preempt_timer_saved_on_other_exit", st == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL &&
                                                   left > 0 && left <= 0xfffffff0);
    /* Without the save control the field keeps what the host wrote. */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PIN_CONTROLS, PIN_PREEMPT_TIMER);
    vmw(PREEMPTION_TIMER, 0xfffffff0);
    vmx_launch();
    check_eq("preempt_timer_not_saved_without_control", vmr(PREEMPTION_TIMER), 0xfffffff0);
}

#define APIC 0xfee00000ull
static u32 apic_read(u32 reg) { return *(volatile u32 *)(APIC + reg); }
static void apic_write(u32 reg, u32 v) { *(volatile u32 *)(APIC + reg) = v; }

static void external_interrupt(void)
{
    /* A self-IPI leaves vector 0x60 pending while the host runs with IF=0; a guest
     * with IF=1 and external-interrupt exiting exits at once (25.2). Acknowledge on
     * exit reads the vector from the APIC (27.2.2). */
    apic_write(0xf0, apic_read(0xf0) | 0x100); /* software-enable the local APIC */
    apic_write(0x300, 0x40000 | 0x60);         /* ICR: self, fixed, vector 0x60 */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PIN_CONTROLS, PIN_EXT_INTR_EXIT);
    vmw_or(EXIT_CONTROLS, EXIT_ACK_INTR);
    vmw(GUEST_RFLAGS, 0x202);
    int st = vmx_launch();
    check("ext_intr_exit", st == VMX_EXITED && vmx_exit.reason == EXIT_EXT_INTR &&
                               vmx_exit.guest_rip == (u64)g_nops);
    check_eq("ext_intr_ack_intr_info", vmx_exit.intr_info, INTR_VALID | INTR_TYPE_EXT | 0x60);
    check("ext_intr_ack_sets_isr", (apic_read(0x100 + 0x10 * (0x60 / 32)) >> (0x60 % 32)) & 1);
    apic_write(0xb0, 0); /* EOI */
    /* Guest IF=0: with external-interrupt exiting RFLAGS.IF does not block external
     * interrupts, so the guest exits at once (SDM 26.4.1; Bochs 2.7 waits for IF=1). No
     * acknowledge: the interrupt stays pending for the checks below. */
    apic_write(0x300, 0x40000 | 0x61);
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PIN_CONTROLS, PIN_EXT_INTR_EXIT);
    st = vmx_launch();
    check("ext_intr_exit_with_if_clear", st == VMX_EXITED && vmx_exit.reason == EXIT_EXT_INTR &&
                                             vmx_exit.guest_rip == (u64)g_nops);
    /* Without acknowledge the exit's interruption info is invalid and the interrupt
     * stays pending in the APIC (IRR). */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw_or(PIN_CONTROLS, PIN_EXT_INTR_EXIT);
    vmw(GUEST_RFLAGS, 0x202);
    st = vmx_launch();
    check("ext_intr_no_ack_exit", st == VMX_EXITED && vmx_exit.reason == EXIT_EXT_INTR);
    check_eq("ext_intr_no_ack_info_invalid", vmx_exit.intr_info & INTR_VALID, 0);
    check("ext_intr_no_ack_still_pending", (apic_read(0x200 + 0x10 * (0x61 / 32)) >> (0x61 % 32)) & 1);
    /* Without exiting, it is delivered through the guest's IDT. */
    vmx_default_vmcs((void (*)(void))g_nops);
    vmw(GUEST_RFLAGS, 0x202);
    u64 before = vmx_guest_trap.count;
    st = vmx_launch();
    check("ext_intr_delivered_to_guest", st == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL &&
                                             vmx_guest_trap.count == before + 1 && vmx_guest_trap.vec == 0x61);
    apic_write(0xb0, 0);
}

void main64(u64 arg)
{
    if (!vmx_start())
        return;
    injection();
    windows();
    preemption_timer();
    external_interrupt();
    vmx_leave();
}
