/* VMX instructions on the host: VMXON/VMXOFF rules, every VMfail number the instructions
 * produce, VMCLEAR write-back, VMPTRLD of a cleared VMCS, launch-state checks, CR0/CR4 fixed
 * bits in VMX operation (SDM Vol. 3 chapters 24, 25 and 31). */
#include "vmx_util.h"

#define CHECK_OUT(name, h, r, want)                                                        \
    CHECK(name, (r) == -1 && vmx_outcome(h) == (want), "ret %d outcome %c", r, vmx_outcome(h))
#define CHECK_FAIL(name, h, r, err)                                                        \
    CHECK(name, (r) == -1 && vmx_outcome(h) == 'V' && vm_error(h) == (err),                \
          "ret %d outcome %c error %u", r, vmx_outcome(h), vm_error(h))

static void test_vmxon_faults(void)
{
    /* VMX not offered: every VMX instruction is #UD. */
    struct harness *h = harness_new(MODE_LONG);
    harness_feature(h, FEAT_VMX, false);
    h->c->cr4 |= CR4_VMXE; /* not allowed by MOV CR4 without VMX, set directly */
    h->c->feature_control = 5;
    CHECK_EQ("vmxon.not_offered_ud", RUN_M(h, I_VMXON, VMXON_PA), EXC_UD);
    CHECK_EQ("vmread.not_offered_ud", RUN(h, I_VMREAD), EXC_UD);
    CHECK_EQ("vmcall.not_offered_ud", RUN(h, I_VMCALL), EXC_UD);
    harness_free(h);

    h = vmx_harness("skylake");
    h->c->cr4 &= ~(u64)CR4_VMXE;
    CHECK_EQ("vmxon.cr4_vmxe_clear_ud", RUN_M(h, I_VMXON, VMXON_PA), EXC_UD);
    h->c->cr4 |= CR4_VMXE;
    h->c->feature_control = 0;
    CHECK_EQ("vmxon.feature_control_unlocked_gp", RUN_M(h, I_VMXON, VMXON_PA), EXC_GP);
    h->c->feature_control = 1;
    CHECK_EQ("vmxon.feature_control_not_enabled_gp", RUN_M(h, I_VMXON, VMXON_PA), EXC_GP);
    h->c->feature_control = 5;
    h->c->cr0 &= ~(u64)CR0_NE;
    CHECK_EQ("vmxon.cr0_fixed0_ne_gp", RUN_M(h, I_VMXON, VMXON_PA), EXC_GP);
    h->c->cr0 |= CR0_NE;
    h->c->cpl = 3;
    cpu_update_mode(h->c);
    CHECK_EQ("vmxon.cpl3_gp", RUN_M(h, I_VMXON, VMXON_PA), EXC_GP);
    h->c->cpl = 0;
    cpu_update_mode(h->c);
    /* Not in VMX operation: the other instructions are #UD. */
    CHECK_EQ("vmxoff.outside_ud", RUN(h, I_VMXOFF), EXC_UD);
    CHECK_EQ("vmptrld.outside_ud", RUN_M(h, I_VMPTRLD, VMCS_A), EXC_UD);
    CHECK_EQ("vmlaunch.outside_ud", RUN(h, I_VMLAUNCH), EXC_UD);
    CHECK_EQ("vmcall.outside_ud", RUN(h, I_VMCALL), EXC_UD);
    /* Bad VMXON pointers and revisions: VMfailInvalid. */
    CHECK_OUT("vmxon.misaligned_failinvalid", h, RUN_M(h, I_VMXON, VMXON_PA + 8), 'I');
    CHECK_OUT("vmxon.beyond_maxphyaddr_failinvalid", h, RUN_M(h, I_VMXON, 1ull << 39), 'I');
    phys_write(h->m, h->c, VMXON_PA, 4, test_revision(h) + 1);
    CHECK_OUT("vmxon.bad_revision_failinvalid", h, RUN_M(h, I_VMXON, VMXON_PA), 'I');
    phys_write(h->m, h->c, VMXON_PA, 4, test_revision(h) | 0x80000000u);
    CHECK_OUT("vmxon.shadow_bit_failinvalid", h, RUN_M(h, I_VMXON, VMXON_PA), 'I');
    CHECK("vmxon.failed_stays_outside", !h->c->vmx->on, "on");
    phys_write(h->m, h->c, VMXON_PA, 4, test_revision(h));
    /* The memory operand faults like a data read. */
    h->c->r[RAX] = 0x0000800000000000ull;
    CHECK_EQ("vmxon.noncanonical_operand_gp", RUN(h, I_VMXON), EXC_GP);
    CHECK_OUT("vmxon.success", h, RUN_M(h, I_VMXON, VMXON_PA), 'S');
    CHECK("vmxon.in_vmx_operation", h->c->vmx->on && !h->c->vmx_nonroot, "state");
    CHECK_OUT("vmxon.in_root_no_vmcs_failinvalid", h, RUN_M(h, I_VMXON, VMXON_PA), 'I');
    RUN_M(h, I_VMPTRLD, VMCS_A);
    CHECK_FAIL("vmxon.in_root_error15", h, RUN_M(h, I_VMXON, VMXON_PA), VMERR_VMXON_IN_ROOT);
    h->c->cpl = 3;
    cpu_update_mode(h->c);
    CHECK_EQ("vmclear.cpl3_gp", RUN_M(h, I_VMCLEAR, VMCS_A), EXC_GP);
    h->c->cpl = 0;
    cpu_update_mode(h->c);
    harness_free(h);

    /* VMXON needs protected mode with paging (CR0 fixed bits PE, PG). */
    h = vmx_harness("westmere");
    harness_set_mode(h, MODE_PROT);
    h->c->cr4 |= CR4_VMXE;
    CHECK_EQ("vmxon.no_paging_gp", RUN_M(h, I_VMXON, VMXON_PA), EXC_GP);
    harness_set_mode(h, MODE_REAL);
    h->c->cr4 |= CR4_VMXE;
    CHECK_EQ("vmxon.real_mode_ud", RUN_M(h, I_VMXON, VMXON_PA), EXC_UD);
    harness_free(h);
}

static void test_pointers(void)
{
    struct harness *h = vmx_harness("skylake");
    RUN_M(h, I_VMXON, VMXON_PA);
    /* No current VMCS: failures are VMfailInvalid. */
    CHECK_OUT("vmptrst.none_ok", h, RUN_M(h, I_VMPTRST, 0), 'S');
    u64 v = 0;
    phys_copy_out(h->m, SCRATCH, &v, 8);
    CHECK_EQ("vmptrst.none_all_ones", v, ~0ull);
    CHECK_OUT("vmread.no_vmcs_failinvalid", h, vmread(h, 0x681e, &v), 'I');
    CHECK_OUT("vmwrite.no_vmcs_failinvalid", h, vmwrite(h, 0x681e, 1), 'I');
    CHECK_OUT("vmlaunch.no_vmcs_failinvalid", h, RUN(h, I_VMLAUNCH), 'I');
    CHECK_OUT("vmresume.no_vmcs_failinvalid", h, RUN(h, I_VMRESUME), 'I');
    CHECK_OUT("vmcall.no_vmcs_failinvalid", h, RUN(h, I_VMCALL), 'I');
    CHECK_OUT("vmclear.misaligned_no_vmcs", h, RUN_M(h, I_VMCLEAR, VMCS_A + 1), 'I');
    /* With a current VMCS the same errors are VMfailValid with their numbers. */
    CHECK_OUT("vmptrld.success", h, RUN_M(h, I_VMPTRLD, VMCS_A), 'S');
    RUN_M(h, I_VMPTRST, 0);
    phys_copy_out(h->m, SCRATCH, &v, 8);
    CHECK_EQ("vmptrst.current", v, VMCS_A);
    CHECK_FAIL("vmclear.misaligned_error2", h, RUN_M(h, I_VMCLEAR, VMCS_B + 0x10), VMERR_VMCLEAR_INVALID);
    CHECK_FAIL("vmclear.beyond_width_error2", h, RUN_M(h, I_VMCLEAR, 1ull << 40), VMERR_VMCLEAR_INVALID);
    CHECK_FAIL("vmclear.vmxon_error3", h, RUN_M(h, I_VMCLEAR, VMXON_PA), VMERR_VMCLEAR_VMXON);
    CHECK_FAIL("vmptrld.misaligned_error9", h, RUN_M(h, I_VMPTRLD, VMCS_B + 4), VMERR_VMPTRLD_INVALID);
    CHECK_FAIL("vmptrld.vmxon_error10", h, RUN_M(h, I_VMPTRLD, VMXON_PA), VMERR_VMPTRLD_VMXON);
    phys_write(h->m, h->c, VMCS_B, 4, 0x1234);
    CHECK_FAIL("vmptrld.revision_error11", h, RUN_M(h, I_VMPTRLD, VMCS_B), VMERR_VMPTRLD_REVISION);
    phys_write(h->m, h->c, VMCS_B, 4, test_revision(h) | 0x80000000u);
    CHECK_FAIL("vmptrld.shadow_without_shadowing_error11", h, RUN_M(h, I_VMPTRLD, VMCS_B),
               VMERR_VMPTRLD_REVISION);
    phys_write(h->m, h->c, VMCS_B, 4, test_revision(h));
    CHECK_FAIL("vmcall.root_error1", h, RUN(h, I_VMCALL), VMERR_VMCALL_IN_ROOT);
    CHECK_EQ("vmfunc.root_ud", RUN(h, I_VMFUNC), EXC_UD);
    /* INVEPT and INVVPID are offered with EPT and VPID (their #UD without them:
     * test_vmx_ept, test_vmx_vpid). */
    CHECK("invept.offered_not_ud", RUN(h, I_INVEPT) != EXC_UD, "#UD");
    CHECK("invvpid.offered_not_ud", RUN(h, I_INVVPID) != EXC_UD, "#UD");
    static const u8 vmread_66[] = {0x66, 0x0f, 0x78, 0xd0};
    CHECK_EQ("vmread.opsize_prefix_ud", RUN(h, vmread_66), EXC_UD);
    harness_free(h);
}

static u64 mem_field(struct harness *h, u64 vmcs, enum vmcs_slot s)
{
    u64 v = 0;
    phys_copy_out(h->m, vmcs + VMCS_DATA_OFFSET + 8 * (u64)s, &v, 8);
    return v;
}
static u32 mem_launch(struct harness *h, u64 vmcs)
{
    u32 v = 0;
    phys_copy_out(h->m, vmcs + VMCS_LAUNCH_OFFSET, &v, 4);
    return v;
}

static void test_cache(void)
{
    struct harness *h = vmx_harness("skylake");
    RUN_M(h, I_VMXON, VMXON_PA);
    RUN_M(h, I_VMCLEAR, VMCS_A);
    RUN_M(h, I_VMCLEAR, VMCS_B);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    vmwrite(h, 0x681e, 0x1111); /* GUEST_RIP */
    CHECK("vmcs.cached_not_in_memory", mem_field(h, VMCS_A, VMCS_GUEST_RIP) != 0x1111, "written through");
    CHECK_OUT("vmptrld.other", h, RUN_M(h, I_VMPTRLD, VMCS_B), 'S');
    CHECK_EQ("vmptrld.writes_back_old", mem_field(h, VMCS_A, VMCS_GUEST_RIP), 0x1111);
    vmwrite(h, 0x681e, 0x2222);
    u64 v;
    vmread(h, 0x681e, &v);
    CHECK_EQ("vmcs.b_value", v, 0x2222);
    CHECK_OUT("vmclear.current", h, RUN_M(h, I_VMCLEAR, VMCS_B), 'S');
    CHECK_EQ("vmclear.writes_back", mem_field(h, VMCS_B, VMCS_GUEST_RIP), 0x2222);
    CHECK_EQ("vmclear.launch_clear", mem_launch(h, VMCS_B), VMCS_CLEAR);
    CHECK("vmclear.current_invalidated", h->c->vmx->current_vmcs == VMCS_NONE, "still current");
    CHECK_OUT("vmptrld.cleared", h, RUN_M(h, I_VMPTRLD, VMCS_B), 'S');
    vmread(h, 0x681e, &v);
    CHECK_EQ("vmptrld.cleared_reads_back", v, 0x2222);
    /* Reloading the current VMCS keeps the cached values. */
    vmwrite(h, 0x681e, 0x3333);
    RUN_M(h, I_VMPTRLD, VMCS_B);
    vmread(h, 0x681e, &v);
    CHECK_EQ("vmptrld.same_keeps_cache", v, 0x3333);
    /* VMCLEAR of a VMCS that is not current only touches its launch state. */
    phys_write(h->m, h->c, VMCS_A + VMCS_LAUNCH_OFFSET, 4, VMCS_LAUNCHED);
    CHECK_OUT("vmclear.other", h, RUN_M(h, I_VMCLEAR, VMCS_A), 'S');
    CHECK_EQ("vmclear.other_launch_clear", mem_launch(h, VMCS_A), VMCS_CLEAR);
    CHECK("vmclear.other_keeps_current", h->c->vmx->current_vmcs == VMCS_B, "changed");

    /* Launch state checks (SDM 26.1). */
    CHECK_FAIL("vmresume.clear_error5", h, RUN(h, I_VMRESUME), VMERR_VMRESUME_NONLAUNCHED);
    h->c->vmx->launch = VMCS_LAUNCHED;
    CHECK_FAIL("vmlaunch.launched_error4", h, RUN(h, I_VMLAUNCH), VMERR_VMLAUNCH_NONCLEAR);
    /* MOV SS blocking comes before the launch state. */
    static const u8 movss_launch[] = {0x8c, 0xd0, 0x8e, 0xd0, 0x0f, 0x01, 0xc2};
    CHECK_FAIL("vmlaunch.movss_error26", h, vmx_run(h, movss_launch, sizeof movss_launch),
               VMERR_ENTRY_MOVSS_BLOCKING);
    static const u8 sti_nop_launch[] = {0x8c, 0xd0, 0x8e, 0xd0, 0x90, 0x0f, 0x01, 0xc2};
    CHECK_FAIL("vmlaunch.after_movss_window_error4", h, vmx_run(h, sti_nop_launch, sizeof sti_nop_launch),
               VMERR_VMLAUNCH_NONCLEAR);
    /* VMXOFF with a launched VMCS current, then VMXON and VMPTRLD: VMRESUME fails with 6. */
    CHECK_OUT("vmxoff.success", h, RUN(h, I_VMXOFF), 'S');
    CHECK("vmxoff.left_vmx", !h->c->vmx->on, "still on");
    CHECK_EQ("vmxoff.writes_back", mem_field(h, VMCS_B, VMCS_GUEST_RIP), 0x3333);
    CHECK_EQ("vmxoff.again_ud", RUN(h, I_VMXOFF), EXC_UD);
    RUN_M(h, I_VMXON, VMXON_PA);
    CHECK("vmxon.no_current_vmcs", h->c->vmx->current_vmcs == VMCS_NONE, "current kept");
    RUN_M(h, I_VMPTRLD, VMCS_B);
    CHECK_FAIL("vmresume.after_vmxoff_error6", h, RUN(h, I_VMRESUME), VMERR_VMRESUME_AFTER_VMXOFF);
    CHECK_FAIL("vmlaunch.after_vmxoff_error4", h, RUN(h, I_VMLAUNCH), VMERR_VMLAUNCH_NONCLEAR);
    RUN_M(h, I_VMCLEAR, VMCS_B);
    RUN_M(h, I_VMPTRLD, VMCS_B);
    /* A clear VMCS full of zeros: VM entry refuses its controls (error 7). */
    CHECK_FAIL("vmlaunch.zero_controls_error7", h, RUN(h, I_VMLAUNCH), VMERR_ENTRY_INVALID_CONTROLS);
    harness_free(h);
}

/* MOV to CR0/CR4 in VMX operation must respect the fixed bits (SDM 24.8). */
static void test_cr_fixed(void)
{
    struct harness *h = vmx_harness("icelake");
    static const u8 mov_cr4_rax[] = {0x0f, 0x22, 0xe0}, mov_cr0_rax[] = {0x0f, 0x22, 0xc0};
    RUN_M(h, I_VMXON, VMXON_PA);
    h->c->r[RAX] = h->c->cr4 & ~(u64)CR4_VMXE;
    CHECK_EQ("cr4.clear_vmxe_in_vmx_gp", RUN(h, mov_cr4_rax), EXC_GP);
    h->c->r[RAX] = h->c->cr0 & ~(u64)CR0_NE;
    CHECK_EQ("cr0.clear_ne_in_vmx_gp", RUN(h, mov_cr0_rax), EXC_GP);
    h->c->r[RAX] = h->c->cr0 | CR0_CD;
    CHECK_EQ("cr0.set_cd_in_vmx_ok", RUN(h, mov_cr0_rax), -1);
    h->c->r[RAX] = h->c->cr4 | CR4_PGE;
    CHECK_EQ("cr4.set_pge_in_vmx_ok", RUN(h, mov_cr4_rax), -1);
    RUN(h, I_VMXOFF);
    h->c->r[RAX] = h->c->cr4 & ~(u64)CR4_VMXE;
    CHECK_EQ("cr4.clear_vmxe_after_vmxoff_ok", RUN(h, mov_cr4_rax), -1);
    CHECK("cr4.vmxe_cleared", !(h->c->cr4 & CR4_VMXE), "still set");
    harness_free(h);
}

/* 32-bit operands outside 64-bit mode (SDM 25.11.2, 31.3 VMREAD/VMWRITE). */
static void test_operand_sizes(void)
{
    struct harness *h = vmx_harness("skylake");
    RUN_M(h, I_VMXON, VMXON_PA);
    RUN_M(h, I_VMCLEAR, VMCS_A);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    u64 v;
    /* 64-bit mode: 64-bit operands; bits 63:32 of the encoding make it unsupported. */
    CHECK_FAIL("vmread.encoding_high_bits_error12", h, vmread(h, (1ull << 32) | 0x681e, &v),
               VMERR_UNSUPPORTED_FIELD);
    vmwrite(h, 0x2010, 0xaaaabbbbccccddddull); /* TSC_OFFSET */
    vmread(h, 0x2011, &v);
    CHECK_EQ("vmread.high_half", v, 0xaaaabbbbull);
    vmwrite(h, 0x2011, 0x11112222ffffffffull);
    vmread(h, 0x2010, &v);
    CHECK_EQ("vmwrite.high_half_keeps_low", v, 0xffffffffccccddddull);
    /* Memory operands. */
    u64 src = 0x123456789abcdef0ull;
    phys_copy_in(h->m, SCRATCH + 0x100, &src, 8);
    h->c->r[RBX] = SCRATCH + 0x100;
    h->c->r[RDX] = 0x681c; /* GUEST_RSP */
    CHECK_OUT("vmwrite.memory", h, RUN(h, I_VMWRITE_M), 'S');
    h->c->r[RBX] = SCRATCH + 0x200;
    CHECK_OUT("vmread.memory", h, RUN(h, I_VMREAD_M), 'S');
    phys_copy_out(h->m, SCRATCH + 0x200, &v, 8);
    CHECK_EQ("vmread.memory_value", v, src);
    h->c->r[RBX] = 0x0000900000000000ull;
    CHECK_EQ("vmread.noncanonical_gp", RUN(h, I_VMREAD_M), EXC_GP);

    /* 32-bit protected mode with paging. */
    harness_set_mode(h, MODE_PROT);
    h->c->cr4 |= CR4_VMXE;
    h->c->r[RDX] = 0x2010;
    h->c->r[RAX] = 0x55667788;
    CHECK_OUT("vmwrite.32bit", h, RUN(h, I_VMWRITE), 'S');
    CHECK_EQ("vmwrite.32bit_full_clears_high", vmcs_get(h->c, VMCS_TSC_OFFSET), 0x55667788);
    vmcs_set(h->c, VMCS_GUEST_RIP, 0x1122334455667788ull);
    h->c->r[RDX] = 0x681e;
    h->c->r[RAX] = 0xffffffffffffffffull;
    RUN(h, I_VMREAD);
    CHECK_EQ("vmread.32bit_natural_low", h->c->r[RAX], 0x55667788);
    h->c->r[RDX] = 0x2011;
    RUN(h, I_VMREAD);
    CHECK_EQ("vmread.32bit_high", h->c->r[RAX], 0);
    harness_free(h);
}

int main(void)
{
    test_vmxon_faults();
    test_pointers();
    test_cache();
    test_cr_fixed();
    test_operand_sizes();
    return check_exit();
}
