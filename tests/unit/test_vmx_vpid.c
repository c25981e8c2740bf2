/* VPID (SDM Vol. 3C 29.1) and INVVPID (Vol. 3C 31.3 "INVVPID"): IA32_VMX_EPT_VPID_CAP's
 * INVVPID bits per model and with `-vpid`; the VPID field exists exactly when VPID is
 * offered; the VM-entry check "enable VPID => VPID != 0" (27.2.1.1); INVVPID's #UD, #GP
 * and #SS, its VMfail numbers for each operand error, VMfailInvalid without a current VMCS,
 * the VM exit (reason 53) with its instruction information in non-root operation; and a
 * guest that sees a changed mapping after INVVPID type 0. */
#include "vmx_guest.h"

#define VPID_BITS (VPID_CAP_INVVPID | VPID_CAP_INVVPID_ADDR | VPID_CAP_INVVPID_SINGLE | \
                   VPID_CAP_INVVPID_ALL | VPID_CAP_INVVPID_SINGLE_NONGLOBAL)
#define GUEST_PD (HARNESS_PT + 0x2000) /* the harness's (and guest's) page directory */
#define LIN 0xc00000u                   /* the 2 MiB page whose mapping changes */

static void wr64(struct harness *h, u64 pa, u64 v)
{
    phys_write(h->m, h->c, pa, 8, v);
}

/* INVVPID rax, [rbx] with type `type` and the descriptor {lo, hi}. */
static int invvpid(struct harness *h, u64 type, u64 lo, u64 hi)
{
    u64 d[2] = {lo, hi};
    phys_copy_in(h->m, SCRATCH + 0x100, d, sizeof d);
    h->c->r[RAX] = type;
    h->c->r[RBX] = SCRATCH + 0x100;
    return RUN(h, I_INVVPID);
}

/* Outcome of one INVVPID: 'S', 'I', or 'V' with the error number ("V28"). */
static const char *outcome(struct harness *h, int r)
{
    static char s[16];
    if (r != -1) snprintf(s, sizeof s, "#%d", r);
    else if (vmx_outcome(h) == 'V') snprintf(s, sizeof s, "V%u", vm_error(h));
    else snprintf(s, sizeof s, "%c", vmx_outcome(h));
    return s;
}
#define EXPECT(name, h, r, want)                                                                   \
    do {                                                                                           \
        const char *o_ = outcome(h, r);                                                            \
        CHECK(name, !strcmp(o_, want), "got %s, want %s", o_, want);                               \
    } while (0)

/* IA32_VMX_EPT_VPID_CAP bits 32 and 40-43 (real parts report 0xf01 in the high half), the
 * "enable VPID" allowed-1 bit, and INVVPID's #UD where VPID is not offered. */
static void test_caps(void)
{
    static const struct {
        const char *spec;
        bool vpid, exists;
        u64 cap;
    } t[] = {
        {"core2,+vmx", false, false, 0},
        {"westmere,+vmx", true, true, EPT_VPID_CAP_WESTMERE},
        {"skylake,+vmx", true, true, EPT_VPID_CAP_SKYLAKE},
        {"icelake,+vmx", true, true, EPT_VPID_CAP_ICELAKE},
        {"westmere,+vmx,-vpid", false, true, EPT_CAP_HALF(EPT_VPID_CAP_WESTMERE)},
        {"skylake,+vmx,-vpid", false, true, EPT_CAP_HALF(EPT_VPID_CAP_SKYLAKE)},
        {"icelake,+vmx,-vpid", false, true, EPT_CAP_HALF(EPT_VPID_CAP_ICELAKE)},
        {"skylake,+vmx,-ept", true, true, VPID_CAP_HALF(EPT_VPID_CAP_SKYLAKE)},
    };
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        char n[96];
        struct harness *h = vmx_spec_harness(t[k].spec);
        u64 v = check_ept_vpid_cap(h, t[k].spec, t[k].exists, t[k].cap);
        snprintf(n, sizeof n, "cap.%s.invvpid_bits", t[k].spec);
        CHECK_EQ(n, v & VPID_BITS, t[k].vpid ? VPID_BITS : 0);
        snprintf(n, sizeof n, "cap.%s.proc2_vpid", t[k].spec);
        CHECK_EQ(n, ((vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS2) >> 32) & SEC_VPID) != 0, t[k].vpid);
        RUN_M(h, I_VMXON, VMXON_PA);
        RUN_M(h, I_VMCLEAR, VMCS_A);
        RUN_M(h, I_VMPTRLD, VMCS_A);
        /* The VPID field (0000H) exists exactly with VPID (SDM 25.6.12, B.1.1). */
        u64 val;
        int r = vmwrite(h, 0x0000, 5);
        snprintf(n, sizeof n, "field.%s.vmwrite", t[k].spec);
        EXPECT(n, h, r, t[k].vpid ? "S" : "V12");
        r = vmread(h, 0x0000, &val);
        snprintf(n, sizeof n, "field.%s.vmread", t[k].spec);
        EXPECT(n, h, r, t[k].vpid ? "S" : "V12");
        if (t[k].vpid) {
            snprintf(n, sizeof n, "field.%s.value", t[k].spec);
            CHECK_EQ(n, val, 5);
        }
        snprintf(n, sizeof n, "invvpid.%s.%s", t[k].spec, t[k].vpid ? "offered" : "not_offered_ud");
        r = invvpid(h, 2, 0, 0);
        EXPECT(n, h, r, t[k].vpid ? "S" : "#6");
        harness_free(h);
    }
}

/* SDM 27.2.1.1: "enable VPID" = 1 needs a non-zero VPID (VMfailValid 7); with VPID 0 and
 * "enable VPID" = 0 the entry succeeds, as with a non-zero VPID. */
static void test_entry_check(void)
{
    static const struct {
        const char *name;
        u32 proc2;
        u16 vpid;
        bool enters;
    } t[] = {
        {"entry.vpid0_enabled_vmfail7", SEC_VPID, 0, false},
        {"entry.vpid1_enabled_enters", SEC_VPID, 1, true},
        {"entry.vpid_ffff_enabled_enters", SEC_VPID, 0xffff, true},
        {"entry.vpid0_disabled_enters", 0, 0, true},
        {"entry.vpid5_disabled_enters", 0, 5, true},
    };
    static const u8 g[] = {0x0f, 0xa2}; /* CPUID: exit 10 */
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        char n[96];
        struct harness *h = vmx_guest_setup("westmere", HOST_RESUME);
        guest_code(h, g, sizeof g);
        vmcs_set(h->c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
                 vmcs_get(h->c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_SECONDARY_CONTROLS);
        vmcs_set(h->c, VMCS_SECONDARY_VM_EXEC_CONTROL, t[k].proc2);
        vmcs_set(h->c, VMCS_VIRTUAL_PROCESSOR_ID, t[k].vpid);
        vmcs_set(h->c, VMCS_VM_EXIT_REASON, 0xdead);
        int r = host_enter(h, true);
        snprintf(n, sizeof n, "%s.outcome", t[k].name);
        if (t[k].enters) {
            CHECK(n, r == -1 && exit_reason(h) == VMX_EXIT_CPUID, "run %d reason %#x check %s", r,
                  exit_reason(h), last_check(h));
        } else {
            CHECK(n, vmx_outcome(h) == 'V' && vm_error(h) == 7 && exit_reason(h) == 0xdead,
                  "flags %c error %u reason %#x", vmx_outcome(h), vm_error(h), exit_reason(h));
            snprintf(n, sizeof n, "%s.check", t[k].name);
            CHECK(n, !strcmp(last_check(h), "ctl.vpid.nonzero"), "%s", last_check(h));
        }
        harness_free(h);
    }
}

/* INVVPID in VMX root operation on `model`: the outcome of every type and operand error
 * (SDM 31.3 INVVPID operation: type not supported, descriptor bits 63:16, VPID 0 for types
 * 0, 1 and 3, a non-canonical address for type 0), with and without a current VMCS. */
static void test_root(const char *model, bool la57)
{
    char n[128];
#define NM(s) (snprintf(n, sizeof n, "root.%s.%s", model, s), n)
    struct harness *h = vmx_harness(model);
    EXPECT(NM("outside_vmx_ud"), h, invvpid(h, 2, 0, 0), "#6");
    RUN_M(h, I_VMXON, VMXON_PA);
    /* No current VMCS: errors are VMfailInvalid, success is VMsucceed. */
    EXPECT(NM("no_vmcs.type4_vmfail_invalid"), h, invvpid(h, 4, 1, 0), "I");
    EXPECT(NM("no_vmcs.vpid0_vmfail_invalid"), h, invvpid(h, 1, 0, 0), "I");
    EXPECT(NM("no_vmcs.single_succeeds"), h, invvpid(h, 1, 1, 0), "S");
    RUN_M(h, I_VMCLEAR, VMCS_A);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    /* Every type succeeds with a valid descriptor; the address matters to type 0 only. */
    EXPECT(NM("type0.succeeds"), h, invvpid(h, 0, 1, 0x7fff0000), "S");
    EXPECT(NM("type1.succeeds"), h, invvpid(h, 1, 0xffff, 0), "S");
    EXPECT(NM("type2.succeeds"), h, invvpid(h, 2, 7, 0), "S");
    EXPECT(NM("type3.succeeds"), h, invvpid(h, 3, 1, 0), "S");
    EXPECT(NM("type2.vpid0_succeeds"), h, invvpid(h, 2, 0, 0), "S");
    EXPECT(NM("type1.noncanonical_address_ignored"), h, invvpid(h, 1, 1, 0x8000000000000000ull), "S");
    EXPECT(NM("type3.noncanonical_address_ignored"), h, invvpid(h, 3, 1, 0x8000000000000000ull), "S");
    /* Type not supported (bits 40-43; every type above 3), full 64-bit register. */
    EXPECT(NM("type4.vmfail28"), h, invvpid(h, 4, 1, 0), "V28");
    EXPECT(NM("type_high_bits.vmfail28"), h, invvpid(h, 1ull << 32 | 1, 1, 0), "V28");
    EXPECT(NM("type_all_ones.vmfail28"), h, invvpid(h, ~0ull, 1, 0), "V28");
    /* Descriptor bits 63:16 reserved, for every type. */
    for (u64 ty = 0; ty < 4; ty++) {
        char s[48];
        snprintf(s, sizeof s, "type%llu.reserved_bit16_vmfail28", (unsigned long long)ty);
        EXPECT(NM(s), h, invvpid(h, ty, 1 | 1ull << 16, 0), "V28");
        snprintf(s, sizeof s, "type%llu.reserved_bit63_vmfail28", (unsigned long long)ty);
        EXPECT(NM(s), h, invvpid(h, ty, 1 | 1ull << 63, 0), "V28");
    }
    /* VPID 0 for types 0, 1 and 3. */
    EXPECT(NM("type0.vpid0_vmfail28"), h, invvpid(h, 0, 0, 0x1000), "V28");
    EXPECT(NM("type1.vpid0_vmfail28"), h, invvpid(h, 1, 0, 0), "V28");
    EXPECT(NM("type3.vpid0_vmfail28"), h, invvpid(h, 3, 0, 0), "V28");
    /* Type 0: the address must be canonical for the processor's widest linear address
     * (57 bits with LA57, whatever CR4.LA57 says). */
    EXPECT(NM("type0.noncanonical_vmfail28"), h, invvpid(h, 0, 1, 0x0100000000000000ull), "V28");
    EXPECT(NM("type0.high_canonical_succeeds"), h, invvpid(h, 0, 1, 0xffffffffffff0000ull), "S");
    EXPECT(NM(la57 ? "type0.la57_width_succeeds" : "type0.la48_width_vmfail28"), h,
           invvpid(h, 0, 1, 0x0000800000000000ull), la57 ? "S" : "V28");
    /* The error number reaches the VMCS field. */
    invvpid(h, 4, 1, 0);
    u64 err = 0;
    vmread(h, 0x4400, &err);
    CHECK_EQ(NM("error_field_28"), err, 28);
    /* Encoding: a register operand or a missing 66 prefix is #UD. */
    static const u8 reg_form[] = {0x66, 0x0f, 0x38, 0x81, 0xc3}, no66[] = {0x0f, 0x38, 0x81, 0x03};
    h->c->r[RAX] = 2;
    EXPECT(NM("register_operand_ud"), h, RUN(h, reg_form), "#6");
    EXPECT(NM("no_66_prefix_ud"), h, RUN(h, no66), "#6");
    /* Memory operand: non-canonical -> #GP(0), through RSP/RBP -> #SS(0); before any
     * operand check (an unsupported type reads no descriptor). */
    h->c->r[RAX] = 2;
    h->c->r[RBX] = 0x8000000000000000ull;
    EXPECT(NM("noncanonical_operand_gp"), h, RUN(h, I_INVVPID), "#13");
    h->c->r[RAX] = 5;
    EXPECT(NM("bad_type_reads_no_operand"), h, RUN(h, I_INVVPID), "V28");
    static const u8 via_rbp[] = {0x66, 0x0f, 0x38, 0x81, 0x45, 0x00}; /* invvpid rax, [rbp] */
    u64 rbp = h->c->r[RBP];
    h->c->r[RAX] = 2;
    h->c->r[RBP] = 0x8000000000000000ull;
    EXPECT(NM("noncanonical_stack_operand_ss"), h, RUN(h, via_rbp), "#12");
    h->c->r[RBP] = rbp;
    harness_free(h);
#undef NM
}

/* In non-root operation INVVPID exits (reason 53) whatever its operands and whether or not
 * "enable VPID" is set, with the displacement as qualification and the instruction
 * information of Table 28-14 (SDM 26.1.2, 28.2.1, 28.2.5). */
static void test_nonroot(void)
{
    /* invvpid rcx, [rbx + 0x10]; invvpid rax, [rsi + rdi*4 - 8] (32-bit address size). */
    static const u8 g1[] = {0x66, 0x0f, 0x38, 0x81, 0x4b, 0x10};
    static const u8 g2[] = {0x67, 0x66, 0x0f, 0x38, 0x81, 0x44, 0xbe, 0xf8};
    static const struct {
        const char *name;
        const u8 *g;
        size_t len;
        u32 proc2;
        u64 qual;
        u32 info;
    } t[] = {
        {"nonroot.vpid_on", g1, sizeof g1, SEC_VPID, 0x10,
         2u << 7 | 3u << 15 | 1u << 22 | 3u << 23 | 1u << 28},
        {"nonroot.vpid_off", g1, sizeof g1, 0, 0x10,
         2u << 7 | 3u << 15 | 1u << 22 | 3u << 23 | 1u << 28},
        {"nonroot.addr32_sib", g2, sizeof g2, SEC_VPID, (u64)-8,
         2u | 1u << 7 | 3u << 15 | 7u << 18 | 6u << 23 | 0u << 28},
    };
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        char n[96];
        struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
        guest_code(h, t[k].g, t[k].len);
        vmcs_set(h->c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
                 vmcs_get(h->c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_SECONDARY_CONTROLS);
        vmcs_set(h->c, VMCS_SECONDARY_VM_EXEC_CONTROL, t[k].proc2);
        vmcs_set(h->c, VMCS_VIRTUAL_PROCESSOR_ID, 1);
        h->c->r[RCX] = 9; /* an unsupported type: the exit comes first */
        h->c->r[RAX] = 9;
        int r = host_enter(h, true);
        snprintf(n, sizeof n, "%s.reason53", t[k].name);
        CHECK(n, r == -1 && exit_reason(h) == VMX_EXIT_INVVPID, "run %d reason %u", r, exit_reason(h));
        snprintf(n, sizeof n, "%s.qualification", t[k].name);
        CHECK_EQ(n, exit_qual(h), t[k].qual);
        snprintf(n, sizeof n, "%s.insn_info", t[k].name);
        CHECK_EQ(n, vmcs_get(h->c, VMCS_VMX_INSTRUCTION_INFO), t[k].info);
        snprintf(n, sizeof n, "%s.insn_len", t[k].name);
        CHECK_EQ(n, vmcs_get(h->c, VMCS_VM_EXIT_INSTRUCTION_LEN), t[k].len);
        snprintf(n, sizeof n, "%s.rip", t[k].name);
        CHECK_EQ(n, grip(h), GUEST_CODE);
        harness_free(h);
    }
}

/* A guest with VPID 1 reads LIN; the host remaps LIN's 2 MiB page and runs INVVPID type 0
 * for (1, LIN); the guest's next read sees the new page (SDM 29.4.3.3). */
static void test_remap(void)
{
    /* mov rax, [LIN] */
    static const u8 g[] = {0x48, 0x8b, 0x04, 0x25, (u8)LIN, (u8)(LIN >> 8), (u8)(LIN >> 16), 0};
    struct harness *h = vmx_guest_setup("westmere", HOST_RESUME);
    struct cpu *c = h->c;
    guest_code(h, g, sizeof g);
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_HLT_EXITING | CPU_SECONDARY_CONTROLS);
    vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, SEC_VPID);
    vmcs_set(c, VMCS_VIRTUAL_PROCESSOR_ID, 1);
    wr64(h, LIN, 1);
    wr64(h, LIN + 0x200000, 2);
    int r = host_enter(h, true);
    CHECK("remap.before", r == -1 && exit_reason(h) == VMX_EXIT_HLT && c->r[RAX] == 1,
          "run %d reason %u rax %#llx", r, exit_reason(h), (unsigned long long)c->r[RAX]);
    wr64(h, GUEST_PD + (LIN >> 21) * 8, (LIN + 0x200000) | 0x87);
    r = invvpid(h, 0, 1, LIN);
    EXPECT("remap.invvpid_type0_succeeds", h, r, "S");
    vmcs_set(c, VMCS_GUEST_RIP, GUEST_CODE);
    r = host_enter(h, false);
    CHECK("remap.after", r == -1 && exit_reason(h) == VMX_EXIT_HLT && c->r[RAX] == 2,
          "run %d reason %u rax %#llx", r, exit_reason(h), (unsigned long long)c->r[RAX]);
    harness_free(h);
}

int main(void)
{
    test_caps();
    test_entry_check();
    test_root("westmere", false);
    test_root("skylake", false);
    test_root("icelake", true);
    test_nonroot();
    test_remap();
    return check_exit();
}
