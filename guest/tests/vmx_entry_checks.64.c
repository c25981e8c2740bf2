/* VM-entry checks, 64-bit half. Every case starts from the default VMCS (which enters
 * fine: first check), breaks one thing and expects the documented failure. */
#include "vmx.h"

static void guest_nop(void) {}

enum { SET, OR, CLR };
enum { FAIL_CTL, FAIL_HOST, BAD_GUEST, BAD_MSR };
struct op { u32 field; int how; u64 val; };
struct entry_case {
    const char *name;
    struct op ops[3];
    int expect;
    u64 qual; /* exit qualification for BAD_GUEST / BAD_MSR */
};

#define NONCANON 0x8000000000000000ull

static const struct entry_case cases[] = {
    /* 26.2.1 controls -> VMfailValid 7 */
    {"ctl_cr3_target_count_257", {{CR3_TARGET_COUNT, SET, 257}}, FAIL_CTL, 0},
    {"ctl_io_bitmap_a_unaligned", {{PROC_CONTROLS, OR, PROC_IO_BITMAPS}, {IO_BITMAP_A, SET, 0x1001000 + 8}}, FAIL_CTL, 0},
    {"ctl_io_bitmap_b_beyond_maxphyaddr", {{PROC_CONTROLS, OR, PROC_IO_BITMAPS}, {IO_BITMAP_B, SET, 1ull << 52}}, FAIL_CTL, 0},
    {"ctl_msr_bitmap_unaligned", {{PROC_CONTROLS, OR, PROC_MSR_BITMAPS}, {MSR_BITMAP, SET, 0x1001000 + 0x10}}, FAIL_CTL, 0},
    {"ctl_nmi_window_without_virtual_nmi", {{PROC_CONTROLS, OR, PROC_NMI_WINDOW}}, FAIL_CTL, 0},
    {"ctl_virtual_nmi_without_nmi_exiting", {{PIN_CONTROLS, OR, PIN_VIRTUAL_NMI}}, FAIL_CTL, 0},
    {"ctl_virtual_apic_unaligned", {{PROC_CONTROLS, OR, PROC_TPR_SHADOW}, {VIRTUAL_APIC_ADDR, SET, 0x1001000 + 0x80}}, FAIL_CTL, 0},
    {"ctl_save_preempt_without_timer", {{EXIT_CONTROLS, OR, EXIT_SAVE_PREEMPT}}, FAIL_CTL, 0},
    {"ctl_exit_msr_store_unaligned", {{EXIT_MSR_STORE_COUNT, SET, 1}, {EXIT_MSR_STORE_ADDR, SET, 0x1001000 + 4}}, FAIL_CTL, 0},
    {"ctl_exit_msr_load_unaligned", {{EXIT_MSR_LOAD_COUNT, SET, 1}, {EXIT_MSR_LOAD_ADDR, SET, 0x1001000 + 4}}, FAIL_CTL, 0},
    {"ctl_entry_msr_load_unaligned", {{ENTRY_MSR_LOAD_COUNT, SET, 1}, {ENTRY_MSR_LOAD_ADDR, SET, 0x1001000 + 4}}, FAIL_CTL, 0},
    {"ctl_entry_to_smm", {{ENTRY_CONTROLS, OR, 1u << 10}}, FAIL_CTL, 0},
    {"ctl_inject_reserved_type_1", {{ENTRY_INTR_INFO, SET, INTR_VALID | (1u << 8) | 32}}, FAIL_CTL, 0},
    {"ctl_inject_hw_exception_vector_32", {{ENTRY_INTR_INFO, SET, INTR_VALID | INTR_TYPE_HW_EXC | 32}}, FAIL_CTL, 0},
    {"ctl_inject_nmi_vector_not_2", {{ENTRY_INTR_INFO, SET, INTR_VALID | INTR_TYPE_NMI | 3}}, FAIL_CTL, 0},
    {"ctl_inject_ud_with_error_code", {{ENTRY_INTR_INFO, SET, INTR_VALID | INTR_ERR_VALID | INTR_TYPE_HW_EXC | 6}}, FAIL_CTL, 0},
    {"ctl_inject_reserved_bits", {{ENTRY_INTR_INFO, SET, INTR_VALID | (1u << 20) | INTR_TYPE_EXT | 0x40}}, FAIL_CTL, 0},
    {"ctl_inject_gp_error_code_bits_31_16", {{ENTRY_INTR_INFO, SET, INTR_VALID | INTR_ERR_VALID | INTR_TYPE_HW_EXC | 13}, {ENTRY_EXCEPTION_ERR, SET, 0x10000}}, FAIL_CTL, 0},
    /* 26.2.2-26.2.4 host state -> VMfailValid 8 */
    {"host_cr0_ne_clear", {{HOST_CR0, CLR, CR0_NE}}, FAIL_HOST, 0},
    {"host_cr0_pg_clear", {{HOST_CR0, CLR, CR0_PG}}, FAIL_HOST, 0},
    {"host_cr4_vmxe_clear", {{HOST_CR4, CLR, CR4_VMXE}}, FAIL_HOST, 0},
    {"host_cr4_pae_clear", {{HOST_CR4, CLR, CR4_PAE}}, FAIL_HOST, 0},
    {"host_cr3_beyond_maxphyaddr", {{HOST_CR3, OR, 1ull << 52}}, FAIL_HOST, 0},
    {"host_sysenter_esp_noncanonical", {{HOST_SYSENTER_ESP, SET, NONCANON}}, FAIL_HOST, 0},
    {"host_cs_null", {{HOST_CS_SEL, SET, 0}}, FAIL_HOST, 0},
    {"host_tr_null", {{HOST_TR_SEL, SET, 0}}, FAIL_HOST, 0},
    {"host_ss_rpl3", {{HOST_SS_SEL, OR, 3}}, FAIL_HOST, 0},
    {"host_ds_ti", {{HOST_DS_SEL, OR, 4}}, FAIL_HOST, 0},
    {"host_fs_base_noncanonical", {{HOST_FS_BASE, SET, NONCANON}}, FAIL_HOST, 0},
    {"host_gdtr_base_noncanonical", {{HOST_GDTR_BASE, SET, NONCANON}}, FAIL_HOST, 0},
    {"host_tr_base_noncanonical", {{HOST_TR_BASE, SET, NONCANON}}, FAIL_HOST, 0},
    {"host_addr_size_clear_in_ia32e", {{EXIT_CONTROLS, CLR, EXIT_HOST_ADDR64}}, FAIL_HOST, 0},
    {"host_efer_reserved_bit", {{EXIT_CONTROLS, OR, EXIT_LOAD_EFER}, {HOST_EFER, SET, EFER_LME | EFER_LMA | (1ull << 9)}}, FAIL_HOST, 0},
    {"host_efer_lma_clear", {{EXIT_CONTROLS, OR, EXIT_LOAD_EFER}, {HOST_EFER, SET, 0}}, FAIL_HOST, 0},
    {"host_pat_invalid_type", {{EXIT_CONTROLS, OR, EXIT_LOAD_PAT}, {HOST_PAT, SET, 0x0007040600070402ull}}, FAIL_HOST, 0},
    /* 26.3.1 guest state -> exit 33, qualification 0 (4 for the VMCS link pointer) */
    {"guest_cr0_ne_clear", {{GUEST_CR0, CLR, CR0_NE}}, BAD_GUEST, 0},
    {"guest_cr0_pg_without_pe", {{GUEST_CR0, CLR, CR0_PE}}, BAD_GUEST, 0},
    {"guest_cr4_vmxe_clear", {{GUEST_CR4, CLR, CR4_VMXE}}, BAD_GUEST, 0},
    {"guest_ia32e_cr4_pae_clear", {{GUEST_CR4, CLR, CR4_PAE}}, BAD_GUEST, 0},
    {"guest_dr7_high_bits", {{ENTRY_CONTROLS, OR, 1u << 2}, {GUEST_DR7, SET, 0x100000400ull}}, BAD_GUEST, 0},
    {"guest_efer_lma_mismatch", {{ENTRY_CONTROLS, OR, ENTRY_LOAD_EFER}, {GUEST_EFER, SET, EFER_LME}}, BAD_GUEST, 0},
    {"guest_pat_invalid_type", {{ENTRY_CONTROLS, OR, ENTRY_LOAD_PAT}, {GUEST_PAT, SET, 0x0007040600070403ull}}, BAD_GUEST, 0},
    {"guest_cs_type_data", {{GUEST_CS_AR, SET, 0xa093}}, BAD_GUEST, 0},
    {"guest_cs_l_and_d", {{GUEST_CS_AR, SET, 0xe09b}}, BAD_GUEST, 0},
    {"guest_ss_rpl_ne_cs_rpl", {{GUEST_SS_SEL, OR, 3}}, BAD_GUEST, 0},
    {"guest_ds_not_present", {{GUEST_DS_AR, SET, 0xc013}}, BAD_GUEST, 0},
    {"guest_tr_unusable", {{GUEST_TR_AR, SET, 0x1008b}}, BAD_GUEST, 0},
    {"guest_tr_16bit_type_in_ia32e", {{GUEST_TR_AR, SET, 0x83}}, BAD_GUEST, 0},
    {"guest_tr_ti_set", {{GUEST_TR_SEL, OR, 4}}, BAD_GUEST, 0},
    {"guest_ldtr_usable_wrong_type", {{GUEST_LDTR_AR, SET, 0x83}}, BAD_GUEST, 0},
    {"guest_gdtr_base_noncanonical", {{GUEST_GDTR_BASE, SET, NONCANON}}, BAD_GUEST, 0},
    {"guest_idtr_limit_over_64k", {{GUEST_IDTR_LIMIT, SET, 0x10000}}, BAD_GUEST, 0},
    {"guest_rip_noncanonical", {{GUEST_RIP, SET, NONCANON}}, BAD_GUEST, 0},
    {"guest_rflags_bit1_clear", {{GUEST_RFLAGS, SET, 0}}, BAD_GUEST, 0},
    {"guest_rflags_reserved_bit15", {{GUEST_RFLAGS, SET, 0x8002}}, BAD_GUEST, 0},
    {"guest_rflags_vm_in_ia32e", {{GUEST_RFLAGS, SET, 0x20002}}, BAD_GUEST, 0},
    {"guest_activity_state_invalid", {{GUEST_ACTIVITY, SET, 4}}, BAD_GUEST, 0},
    {"guest_interruptibility_reserved", {{GUEST_INTERRUPTIBILITY, SET, 1u << 31}}, BAD_GUEST, 0},
    {"guest_interruptibility_sti_and_movss", {{GUEST_INTERRUPTIBILITY, SET, 3}}, BAD_GUEST, 0},
    {"guest_pending_dbg_reserved", {{GUEST_PENDING_DBG, SET, 1ull << 13}}, BAD_GUEST, 0},
    {"guest_inject_ext_intr_with_if_clear", {{ENTRY_INTR_INFO, SET, INTR_VALID | INTR_TYPE_EXT | 0x40}}, BAD_GUEST, 0},
    {"guest_vmcs_link_ptr_unaligned", {{VMCS_LINK_PTR, SET, 0x1001000 + 8}}, BAD_GUEST, 4},
    /* Check order: controls before host state before guest state. */
    {"order_ctl_before_host", {{CR3_TARGET_COUNT, SET, 257}, {HOST_CS_SEL, SET, 0}}, FAIL_CTL, 0},
    {"order_host_before_guest", {{HOST_CS_SEL, SET, 0}, {GUEST_RFLAGS, SET, 0}}, FAIL_HOST, 0},
};

static void apply(const struct op *o)
{
    if (!o->field && o->how == SET && !o->val)
        return; /* empty slot (VPID, field 0, is never used here) */
    if (o->how == SET)
        vmw(o->field, o->val);
    else if (o->how == OR)
        vmw_or(o->field, o->val);
    else
        vmw_clear(o->field, o->val);
}

/* Whether the controls a case sets are all allowed-1 on this model. */
static int controls_offered(const struct entry_case *c)
{
    for (int k = 0; k < 3; k++) {
        const struct op *o = &c->ops[k];
        if (o->how != OR)
            continue;
        u64 cap = o->field == PIN_CONTROLS ? vmx_caps.pin : o->field == PROC_CONTROLS ? vmx_caps.proc
                : o->field == EXIT_CONTROLS ? vmx_caps.exit : o->field == ENTRY_CONTROLS ? vmx_caps.entry
                : ~0ull;
        if (!vmx_may1(cap, (u32)o->val))
            return 0;
    }
    return 1;
}

/* Launch and compare with the expectation; one check line. */
static void expect(const char *name, int want, u64 qual)
{
    int st = vmx_launch();
    int ok;
    if (want == FAIL_CTL || want == FAIL_HOST) {
        u32 err = want == FAIL_CTL ? VMERR_BAD_CONTROLS : VMERR_BAD_HOST;
        ok = st == VMX_FAIL_VALID && vmx_insn_error() == err;
    } else {
        u32 reason = EXIT_REASON_ENTRY_FAIL | (want == BAD_GUEST ? EXIT_BAD_GUEST : EXIT_BAD_MSR_LOAD);
        ok = st == VMX_EXITED && vmx_exit.reason == reason && vmx_exit.qual == qual;
    }
    if (ok)
        pass(name);
    else if (st == VMX_EXITED)
        fail(name, "exit reason 0x%x qual 0x%llx", vmx_exit.reason, (unsigned long long)vmx_exit.qual);
    else
        fail(name, "status %d error %u", st, st == VMX_FAIL_VALID ? vmx_insn_error() : 0);
}

/* Control bits that the capability MSR forbids, or requires: VMfailValid 7. */
static void reserved_control(const char *what, u32 field, u64 cap)
{
    char n[64];
    u32 must0 = ~(u32)(cap >> 32), must1 = (u32)cap;
    snprintf(n, sizeof(n), "ctl_%s_bit_not_allowed_set", what);
    if (must0) {
        vmx_default_vmcs(guest_nop);
        vmw_or(field, must0 & -must0);
        expect(n, FAIL_CTL, 0);
    } else {
        fail(n, "no bit is reserved to 0");
    }
    snprintf(n, sizeof(n), "ctl_%s_required_bit_clear", what);
    if (must1) {
        vmx_default_vmcs(guest_nop);
        vmw_clear(field, must1 & -must1);
        expect(n, FAIL_CTL, 0);
    } else {
        fail(n, "no bit is required");
    }
}

void main64(u64 arg)
{
    if (!vmx_start())
        return;
    vmx_default_vmcs(guest_nop);
    check("entry_default_vmcs_ok", vmx_launch() == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL);

    reserved_control("pin", PIN_CONTROLS, vmx_caps.pin);
    reserved_control("proc", PROC_CONTROLS, vmx_caps.proc);
    reserved_control("exit", EXIT_CONTROLS, vmx_caps.exit);
    reserved_control("entry", ENTRY_CONTROLS, vmx_caps.entry);
    /* Secondary controls only count when activated; a reserved one then fails. */
    u32 p2must0 = ~(u32)(vmx_caps.proc2 >> 32);
    vmx_default_vmcs(guest_nop);
    vmw_or(PROC_CONTROLS, PROC_SECONDARY);
    vmw(PROC_CONTROLS2, p2must0 & -p2must0);
    expect("ctl_proc2_bit_not_allowed_set", FAIL_CTL, 0);
    vmx_default_vmcs(guest_nop);
    vmw(PROC_CONTROLS2, p2must0 & -p2must0);
    check("ctl_proc2_ignored_when_not_activated", vmx_launch() == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL);

    for (u32 i = 0; i < ARRAY_SIZE(cases); i++) {
        /* A host- or guest-state check behind a control the model does not offer (load
         * IA32_EFER/PAT on Core 2) cannot be reached: leave it out. */
        if (cases[i].expect != FAIL_CTL && !controls_offered(&cases[i]))
            continue;
        vmx_default_vmcs(guest_nop);
        for (int k = 0; k < 3; k++)
            apply(&cases[i].ops[k]);
        expect(cases[i].name, cases[i].expect, cases[i].qual);
    }

    /* MSR loading (26.4): the qualification is the 1-based index of the bad entry. */
    u64 area = vmx_alloc_page();
    u64 *e = (u64 *)area;
    u64 cs = rdmsr(0x174);
    e[0] = 0x174;           /* entry 1: IA32_SYSENTER_CS, fine */
    e[1] = cs;
    e[2] = 0x808;           /* entry 2: x2APIC TPR may not be loaded this way */
    e[3] = 0;
    vmx_default_vmcs(guest_nop);
    vmw(ENTRY_MSR_LOAD_COUNT, 2);
    vmw(ENTRY_MSR_LOAD_ADDR, area);
    expect("msr_load_x2apic_msr", BAD_MSR, 2);
    e[2] = 0x174 | (1ull << 32); /* reserved bits 63:32 of the entry's first quadword */
    vmx_default_vmcs(guest_nop);
    vmw(ENTRY_MSR_LOAD_COUNT, 2);
    vmw(ENTRY_MSR_LOAD_ADDR, area);
    expect("msr_load_reserved_bits", BAD_MSR, 2);
    e[0] = 0x40000000;      /* entry 1: an MSR that does not exist (#GP on WRMSR) */
    vmx_default_vmcs(guest_nop);
    vmw(ENTRY_MSR_LOAD_COUNT, 1);
    vmw(ENTRY_MSR_LOAD_ADDR, area);
    expect("msr_load_unknown_msr", BAD_MSR, 1);

    /* A failed entry leaves the VMCS clear: fix it and VMLAUNCH again. */
    vmx_default_vmcs(guest_nop);
    vmw(GUEST_RFLAGS, 0);
    expect("entry_fail_then_fix", BAD_GUEST, 0);
    vmw(GUEST_RFLAGS, 2);
    check("entry_fail_leaves_vmcs_clear", vmx_launch() == VMX_EXITED && vmx_exit.reason == EXIT_VMCALL);
    vmx_leave();
}
