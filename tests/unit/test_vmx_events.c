/* VMX non-root events and the intercepts hooked into instruction handlers: monitor trap
 * flag (37), preemption timer (52), interruptibility state saved after STI / MOV SS, INT3
 * against the exception bitmap (software exception, instruction length), CLTS with a
 * host-owned CR0.TS, PAUSE exiting (40), descriptor-table exiting (46), INIT (3);
 * what ends the shutdown activity state; #DB exits without DR6/DR7/DEBUGCTL side effects,
 * MTF before a debug trap, RDPID under "enable RDTSCP". */
#include "cpu/debug.h"
#include "vmx_guest.h"


static void test_mtf(void)
{
    static const u8 g[] = {0x90, 0x90};
    struct harness *h = vmx_guest_with_controls(g, sizeof g, 0, CPU_MONITOR_TRAP_FLAG, 0);
    { int r = host_enter(h, true); CHECK_EQ("mtf.run", r, -1); }
    CHECK_EQ("mtf.reason", exit_reason(h), 37);
    CHECK_EQ("mtf.rip_after_one", grip(h), GUEST_CODE + 1);
    { int r = host_enter(h, false); CHECK_EQ("mtf.resume", r, -1); }
    CHECK_EQ("mtf.rip_after_two", grip(h), GUEST_CODE + 2);
    harness_free(h);
}

static void test_preempt(void)
{
    static const u8 g[] = {0x90, 0x90};
    struct harness *h = vmx_guest_with_controls(g, sizeof g, PIN_PREEMPTION_TIMER, 0, 0);
    vmcs_set(h->c, VMCS_VM_EXIT_CONTROLS, vmcs_get(h->c, VMCS_VM_EXIT_CONTROLS) | EXIT_SAVE_PREEMPTION_TIMER);
    vmcs_set(h->c, VMCS_VMX_PREEMPTION_TIMER_VALUE, 0);
    { int r = host_enter(h, true); CHECK_EQ("preempt.run", r, -1); }
    CHECK_EQ("preempt.reason", exit_reason(h), 52);
    CHECK_EQ("preempt.rip_first_insn", grip(h), GUEST_CODE);
    CHECK_EQ("preempt.saved", vmcs_get(h->c, VMCS_VMX_PREEMPTION_TIMER_VALUE), 0);
    harness_free(h);
}

static void test_shadow_state(void)
{
    /* sti; cpuid: the CPUID exit records blocking by STI. */
    static const u8 g1[] = {0xfb, 0x0f, 0xa2};
    struct harness *h = vmx_guest_with_controls(g1, sizeof g1, 0, 0, 0);
    { int r = host_enter(h, true); CHECK_EQ("shadow.sti.run", r, -1); }
    CHECK_EQ("shadow.sti.reason", exit_reason(h), 10);
    CHECK_EQ("shadow.sti.state", vmcs_get(h->c, VMCS_GUEST_INTERRUPTIBILITY_INFO), 1);
    harness_free(h);
    /* mov eax, ss; mov ss, eax; cpuid: blocking by MOV SS (even with IF=1). */
    static const u8 g2[] = {0x8c, 0xd0, 0x8e, 0xd0, 0x0f, 0xa2};
    h = vmx_guest_with_controls(g2, sizeof g2, 0, 0, 0);
    vmcs_set(h->c, VMCS_GUEST_RFLAGS, FL_FIXED1 | FL_IF);
    { int r = host_enter(h, true); CHECK_EQ("shadow.movss.run", r, -1); }
    CHECK_EQ("shadow.movss.reason", exit_reason(h), 10);
    CHECK_EQ("shadow.movss.state", vmcs_get(h->c, VMCS_GUEST_INTERRUPTIBILITY_INFO), 2);
    harness_free(h);
}

static void test_int3_bitmap(void)
{
    static const u8 g[] = {0x90, 0xcc};
    struct harness *h = vmx_guest_with_controls(g, sizeof g, 0, 0, 0);
    vmcs_set(h->c, VMCS_EXCEPTION_BITMAP, 1u << 3);
    { int r = host_enter(h, true); CHECK_EQ("int3.run", r, -1); }
    CHECK_EQ("int3.reason", exit_reason(h), 0);
    CHECK_EQ("int3.info", vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO), 0x80000603u);
    CHECK_EQ("int3.len", vmcs_get(h->c, VMCS_VM_EXIT_INSTRUCTION_LEN), 1);
    CHECK_EQ("int3.rip", grip(h), GUEST_CODE + 1);
    CHECK_EQ("int3.no_vectoring", vmcs_get(h->c, VMCS_IDT_VECTORING_INFO_FIELD), 0);
    harness_free(h);
}

static void test_clts_owned(void)
{
    /* CR0.TS host-owned with shadow 0: CLTS neither exits nor clears TS. */
    static const u8 g[] = {0x0f, 0x06, 0x0f, 0xa2};
    struct harness *h = vmx_guest_with_controls(g, sizeof g, 0, 0, 0);
    vmcs_set(h->c, VMCS_GUEST_CR0, vmcs_get(h->c, VMCS_GUEST_CR0) | CR0_TS);
    vmcs_set(h->c, VMCS_CR0_GUEST_HOST_MASK, CR0_TS);
    vmcs_set(h->c, VMCS_CR0_READ_SHADOW, 0);
    { int r = host_enter(h, true); CHECK_EQ("clts.run", r, -1); }
    CHECK_EQ("clts.reason", exit_reason(h), 10);
    CHECK_EQ("clts.ts_kept", (vmcs_get(h->c, VMCS_GUEST_CR0) & CR0_TS) != 0, 1);
    harness_free(h);
}

static void test_pause_dtr_init(void)
{
    static const u8 g1[] = {0x90, 0xf3, 0x90};
    struct harness *h = vmx_guest_with_controls(g1, sizeof g1, 0, CPU_PAUSE_EXITING, 0);
    { int r = host_enter(h, true); CHECK_EQ("pause.run", r, -1); }
    CHECK_EQ("pause.reason", exit_reason(h), 40);
    CHECK_EQ("pause.len", vmcs_get(h->c, VMCS_VM_EXIT_INSTRUCTION_LEN), 2);
    harness_free(h);
    /* sgdt [rax+0x10]: reason 46, qualification = displacement, identity 0 (SGDT). */
    static const u8 g2[] = {0x0f, 0x01, 0x40, 0x10};
    h = vmx_guest_with_controls(g2, sizeof g2, 0, 0, SEC_DESC_TABLE_EXITING);
    { int r = host_enter(h, true); CHECK_EQ("sgdt.run", r, -1); }
    CHECK_EQ("sgdt.reason", exit_reason(h), 46);
    CHECK_EQ("sgdt.qual", exit_qual(h), 0x10);
    u32 info = (u32)vmcs_get(h->c, VMCS_VMX_INSTRUCTION_INFO);
    CHECK_EQ("sgdt.info_identity", info >> 28 & 3, 0);
    CHECK_EQ("sgdt.info_base_rax", info >> 23 & 31, 0);
    CHECK_EQ("sgdt.info_no_index", info >> 22 & 1, 1);
    harness_free(h);
    /* INIT in non-root operation exits (26.2). */
    static const u8 g3[] = {0x90};
    h = vmx_guest_with_controls(g3, sizeof g3, 0, 0, 0);
    h->c->init_pending = true;
    { int r = host_enter(h, true); CHECK_EQ("init.run", r, -1); }
    CHECK_EQ("init.reason", exit_reason(h), 3);
    harness_free(h);
}

/* A guest entered in the shutdown activity state (27.7.2) stays there against external
 * interrupts and SIPIs; INIT (26.2), NMIs (exiting under NMI exiting, else delivered through
 * the guest IDT) and the preemption timer (26.5.1) end it. */
static struct harness *shutdown_guest(u32 pin)
{
    static const u8 g[] = {0x90};
    struct harness *h = vmx_guest_with_controls(g, sizeof g, pin, 0, 0);
    vmcs_set(h->c, VMCS_GUEST_ACTIVITY_STATE, ACT_SHUTDOWN);
    return h;
}

static void test_shutdown_state(void)
{
    struct harness *h = shutdown_guest(0);
    h->c->init_pending = true;
    { int r = host_enter(h, true); CHECK_EQ("shutdown.init.run", r, -1); }
    CHECK_EQ("shutdown.init.reason", exit_reason(h), 3);
    CHECK_EQ("shutdown.init.saved_activity", vmcs_get(h->c, VMCS_GUEST_ACTIVITY_STATE),
             ACT_SHUTDOWN);
    CHECK_EQ("shutdown.init.host_running", h->c->shutdown, 0);
    harness_free(h);
    h = shutdown_guest(PIN_NMI_EXITING);
    h->c->nmi_pending = true;
    { int r = host_enter(h, true); CHECK_EQ("shutdown.nmi_exiting.run", r, -1); }
    CHECK_EQ("shutdown.nmi_exiting.reason", exit_reason(h), 0);
    CHECK_EQ("shutdown.nmi_exiting.info", vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO), 0x80000202u);
    harness_free(h);
    /* No NMI exiting: the NMI goes through the guest IDT to a handler at the guest code
     * (NOP; HLT), whose HLT exits with NMIs blocked. */
    h = shutdown_guest(0);
    vmcs_set(h->c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(h->c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_HLT_EXITING);
    const u64 idt = HARNESS_DATA + 0x8000;
    u8 gate[16] = {0};
    gate[0] = GUEST_CODE & 0xff, gate[1] = (GUEST_CODE >> 8) & 0xff;
    gate[2] = H_CODE64, gate[5] = 0x8e; /* present 64-bit interrupt gate */
    gate[6] = (GUEST_CODE >> 16) & 0xff, gate[7] = (GUEST_CODE >> 24) & 0xff;
    phys_copy_in(h->m, idt + 2 * 16, gate, sizeof gate);
    vmcs_set(h->c, VMCS_GUEST_IDTR_BASE, idt);
    vmcs_set(h->c, VMCS_GUEST_IDTR_LIMIT, 0xfff);
    h->c->nmi_pending = true;
    { int r = host_enter(h, true); CHECK_EQ("shutdown.nmi.run", r, -1); }
    CHECK_EQ("shutdown.nmi.reason", exit_reason(h), 12);
    CHECK_EQ("shutdown.nmi.handler_ran", grip(h), GUEST_CODE + 1);
    CHECK_EQ("shutdown.nmi.blocked", vmcs_get(h->c, VMCS_GUEST_INTERRUPTIBILITY_INFO) & 8, 8);
    harness_free(h);
    h = shutdown_guest(PIN_PREEMPTION_TIMER);
    vmcs_set(h->c, VMCS_VMX_PREEMPTION_TIMER_VALUE, 0);
    { int r = host_enter(h, true); CHECK_EQ("shutdown.preempt.run", r, -1); }
    CHECK_EQ("shutdown.preempt.reason", exit_reason(h), 52);
    harness_free(h);
}

/* A #DB that causes a VM exit (exception bitmap bit 1) writes neither DR6 nor DR7.GD nor
 * IA32_DEBUGCTL.LBR: its bits go only to the exit qualification, never a stale DR6 bit
 * (SDM 28.1, 28.2.1). Guest: nop; nop, with TF (the stale DR6 holds BD), then mov rax, dr0
 * with DR7.GD (DR6 clear). The guest runs with DEBUGCTL.LBR, loaded and saved. */
static struct harness *db_guest(const u8 *g, size_t n, u64 dr7, u64 rflags)
{
    struct harness *h = vmx_guest_with_controls(g, n, 0, 0, 0);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_VM_ENTRY_CONTROLS, vmcs_get(c, VMCS_VM_ENTRY_CONTROLS) | ENTRY_LOAD_DEBUG_CONTROLS);
    vmcs_set(c, VMCS_VM_EXIT_CONTROLS, vmcs_get(c, VMCS_VM_EXIT_CONTROLS) | EXIT_SAVE_DEBUG_CONTROLS);
    vmcs_set(c, VMCS_GUEST_IA32_DEBUGCTL, 1); /* LBR */
    vmcs_set(c, VMCS_GUEST_DR7, dr7);
    vmcs_set(c, VMCS_GUEST_RFLAGS, FL_FIXED1 | rflags);
    c->stop_on_exception = false; /* guest exceptions go through the executor's delivery */
    return h;
}

static void test_db_exit_no_side_effects(void)
{
    static const u8 g1[] = {0x90, 0x90};
    struct harness *h = db_guest(g1, sizeof g1, 0x400, FL_TF);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_EXCEPTION_BITMAP, 1u << EXC_DB);
    c->dr[6] = 0xffff0ff0 | DR6_BD;
    { int r = host_enter(h, true); CHECK_EQ("db_exit.tf.run", r, -1); }
    CHECK_EQ("db_exit.tf.reason", exit_reason(h), 0);
    CHECK_EQ("db_exit.tf.info", vmcs_get(c, VMCS_VM_EXIT_INTR_INFO), 0x80000301u);
    CHECK_EQ("db_exit.tf.qual_bs_only", exit_qual(h), DR6_BS);
    CHECK_EQ("db_exit.tf.rip_after_nop", grip(h), GUEST_CODE + 1);
    CHECK_EQ("db_exit.tf.dr6_untouched", c->dr[6], 0xffff0ff0 | DR6_BD);
    CHECK_EQ("db_exit.tf.debugctl_lbr_kept", vmcs_get(c, VMCS_GUEST_IA32_DEBUGCTL), 1);
    harness_free(h);
    static const u8 g2[] = {0x0f, 0x21, 0xc0}; /* mov rax, dr0 */
    h = db_guest(g2, sizeof g2, 0x400 | DR7_GD, 0);
    c = h->c;
    vmcs_set(c, VMCS_EXCEPTION_BITMAP, 1u << EXC_DB);
    c->dr[6] = 0xffff0ff0;
    { int r = host_enter(h, true); CHECK_EQ("db_exit.gd.run", r, -1); }
    CHECK_EQ("db_exit.gd.reason", exit_reason(h), 0);
    CHECK_EQ("db_exit.gd.qual_bd", exit_qual(h), DR6_BD);
    CHECK_EQ("db_exit.gd.rip_at_mov", grip(h), GUEST_CODE);
    CHECK_EQ("db_exit.gd.dr6_untouched", c->dr[6], 0xffff0ff0);
    CHECK_EQ("db_exit.gd.dr7_gd_kept", vmcs_get(c, VMCS_GUEST_DR7) & DR7_GD, DR7_GD);
    CHECK_EQ("db_exit.gd.debugctl_lbr_kept", vmcs_get(c, VMCS_GUEST_IA32_DEBUGCTL), 1);
    harness_free(h);
}

/* The monitor trap flag against a debug trap on the same boundary: the MTF VM exit comes
 * first, DR6 is not written, and the trap is saved as a pending debug exception (SDM
 * 26.5.2, 28.3.4): BS for TF; B0 and "enabled breakpoint" (bit 12) for a data breakpoint.
 * Resumed with #DB in the exception bitmap, the pending trap is delivered after entry and
 * exits with BS as qualification (27.7.3). */
static void test_mtf_over_debug_trap(void)
{
    static const u8 g1[] = {0x90, 0x90};
    struct harness *h = db_guest(g1, sizeof g1, 0x400, FL_TF);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL, vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_MONITOR_TRAP_FLAG);
    c->dr[6] = 0xffff0ff0;
    { int r = host_enter(h, true); CHECK_EQ("mtf_db.tf.run", r, -1); }
    CHECK_EQ("mtf_db.tf.reason_mtf", exit_reason(h), 37);
    CHECK_EQ("mtf_db.tf.rip_after_nop", grip(h), GUEST_CODE + 1);
    CHECK_EQ("mtf_db.tf.pending_bs", vmcs_get(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS), DR6_BS);
    CHECK_EQ("mtf_db.tf.dr6_untouched", c->dr[6], 0xffff0ff0);
    vmcs_set(c, VMCS_EXCEPTION_BITMAP, 1u << EXC_DB);
    { int r = host_enter(h, false); CHECK_EQ("mtf_db.tf.resume", r, -1); }
    CHECK_EQ("mtf_db.tf.resume_reason_db", exit_reason(h), 0);
    CHECK_EQ("mtf_db.tf.resume_qual_bs", exit_qual(h), DR6_BS);
    CHECK_EQ("mtf_db.tf.resume_rip", grip(h), GUEST_CODE + 1);
    harness_free(h);
    static const u8 g2[] = {0x89, 0x03, 0x90}; /* mov [rbx], eax; nop */
    h = db_guest(g2, sizeof g2, 0x400 | 0x10002, 0); /* G0, R/W0 = write, LEN0 = 1 */
    c = h->c;
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL, vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_MONITOR_TRAP_FLAG);
    c->dr[0] = HARNESS_DATA + 0x9000;
    c->r[RBX] = HARNESS_DATA + 0x9000;
    c->dr[6] = 0xffff0ff0;
    { int r = host_enter(h, true); CHECK_EQ("mtf_db.data.run", r, -1); }
    CHECK_EQ("mtf_db.data.reason_mtf", exit_reason(h), 37);
    CHECK_EQ("mtf_db.data.rip_after_store", grip(h), GUEST_CODE + 2);
    CHECK_EQ("mtf_db.data.pending_b0_enabled", vmcs_get(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS), 0x1001);
    CHECK_EQ("mtf_db.data.dr6_untouched", c->dr[6], 0xffff0ff0);
    harness_free(h);
}

/* RDPID in non-root operation is #UD unless "enable RDTSCP" is 1 (SDM 26.3); Ice Lake
 * offers RDPID (CPUID.7:ECX[22]). Guest: rdpid rax; cpuid. */
static void test_rdpid_enable_rdtscp(void)
{
    static const u8 g[] = {0xf3, 0x0f, 0xc7, 0xf8, 0x0f, 0xa2};
    for (int on = 0; on < 2; on++) {
        struct harness *h = vmx_guest_setup("icelake", HOST_RESUME);
        struct cpu *c = h->c;
        guest_code(h, g, sizeof g);
        c->stop_on_exception = false;
        if (on) {
            vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
                     vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_SECONDARY_CONTROLS);
            vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, SEC_RDTSCP);
        }
        vmcs_set(c, VMCS_EXCEPTION_BITMAP, 1u << EXC_UD);
        c->tsc_aux = 0x2a;
        c->r[RAX] = 0;
        int r = host_enter(h, true);
        if (on) {
            CHECK_EQ("rdpid.enabled.run", r, -1);
            CHECK_EQ("rdpid.enabled.reason_cpuid", exit_reason(h), 10);
            CHECK_EQ("rdpid.enabled.rax_tsc_aux", c->r[RAX], 0x2a);
        } else {
            CHECK_EQ("rdpid.disabled.run", r, -1);
            CHECK_EQ("rdpid.disabled.reason", exit_reason(h), 0);
            CHECK_EQ("rdpid.disabled.ud", vmcs_get(c, VMCS_VM_EXIT_INTR_INFO), 0x80000306u);
            CHECK_EQ("rdpid.disabled.rip", grip(h), GUEST_CODE);
        }
        harness_free(h);
    }
}

int main(void)
{
    test_mtf();
    test_db_exit_no_side_effects();
    test_mtf_over_debug_trap();
    test_rdpid_enable_rdtscp();
    test_preempt();
    test_shadow_state();
    test_int3_bitmap();
    test_clts_owned();
    test_pause_dtr_init();
    test_shutdown_state();
    return check_exit();
}
