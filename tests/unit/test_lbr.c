/* Host tests: IA32_DEBUGCTL (SDM Vol. 3 18.4) — the bits each model accepts, the LBR stack
 * and its per-model MSRs, LER, LBR freezing on #DB, single-step on branches (BTF), and
 * DEBUGCTL across VM entry and VM exit. Guest code uses WRMSR/RDMSR, so the same tests
 * run against an emulator without DEBUGCTL support (and fail there). */
#include "test_seg_util.h"
#undef RUN
#include "vmx_guest.h"
#undef RUN
#define RUN(h, code) harness_run((h), (code), sizeof(code), 1000)

#define DEBUGCTL 0x1d9
#define CODE(off) (HARNESS_CODE + (off))

static void use_model(struct harness *h, const char *model) { h->m->cpu_model = cpu_model_lookup(model); }

static u64 msr(struct harness *h, u32 index)
{
    u64 v = ~0ull;
    if (!msr_read(h->c, index, &v)) return 0xdeadull << 48;
    return v;
}

/* WRMSR DEBUGCTL from the guest: -1 if accepted, else the vector. */
static int write_debugctl(struct harness *h, u32 val)
{
    /* mov ecx,0x1d9; wrmsr */
    static const u8 code[] = {0xb9, 0xd9, 0x01, 0x00, 0x00, 0x0f, 0x30};
    h->c->r[RAX] = val;
    h->c->r[RDX] = 0;
    return RUN(h, code);
}

/* The bits each model's real part defines, less those of facilities not offered: BTS
 * (bits 7-10) needs the DS save area, the PMI/SMM freeze bits need PDCM, RTM_DEBUG RTM
 * (SDM Vol. 4 Table 2-2). */
static void test_valid_bits(void)
{
    static const struct {
        const char *model;
        bool uncore_pmi; /* bit 13: 06_1AH and later */
    } models[] = {{"core2", false}, {"westmere", true}, {"skylake", true}, {"icelake", true}};
    char name[96];
    for (size_t k = 0; k < ARRAY_LEN(models); k++) {
        struct harness *h = harness_new(MODE_PROT);
        use_model(h, models[k].model);
        const char *m = models[k].model;
#define WR(label, v, want)                                                                  \
    snprintf(name, sizeof name, "debugctl.%s.%s", m, label);                                \
    CHECK_EQ(name, write_debugctl(h, v), want)
        WR("lbr", 1, -1);
        snprintf(name, sizeof name, "debugctl.%s.reads_back", m);
        CHECK_EQ(name, msr(h, DEBUGCTL), 1);
        WR("btf", 2, -1);
        WR("tr", 0x40, -1);
        WR("lbr_btf_tr", 0x43, -1);
        WR("reserved_bit2", 4, EXC_GP);
        WR("reserved_bit16", 0x10000, EXC_GP);
        WR("reserved_high", 0, -1);
        h->c->r[RDX] = 1;
        static const u8 hi[] = {0xb9, 0xd9, 0x01, 0x00, 0x00, 0x0f, 0x30};
        h->c->r[RAX] = 0;
        snprintf(name, sizeof name, "debugctl.%s.reserved_bit32", m);
        CHECK_EQ(name, RUN(h, hi), EXC_GP);
        WR("bts_without_ds", 0x80, EXC_GP);
        WR("freeze_without_pdcm", 0x800, EXC_GP);
        WR("uncore_pmi", 0x2000, models[k].uncore_pmi ? -1 : EXC_GP);
#undef WR
        harness_free(h);
    }
}

/* mov ecx,0x1d9; mov eax,1; xor edx,edx; wrmsr; jmp $+2; xor eax,eax; jnz $+4; jz $+2;
 * call 1d; jmp 22; 1d: ret; pad; 22: xor eax,eax; wrmsr (LBR off). */
static const u8 branches[] = {
    0xb9, 0xd9, 0x01, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30, /* 0x00 */
    0xeb, 0x00,                   /* 0x0e jmp 0x10 */
    0x31, 0xc0,                   /* 0x10 xor eax,eax */
    0x75, 0x02,                   /* 0x12 jnz (not taken) */
    0x74, 0x00,                   /* 0x14 jz 0x16 (taken, to the next instruction) */
    0xe8, 0x02, 0x00, 0x00, 0x00, /* 0x16 call 0x1d */
    0xeb, 0x05,                   /* 0x1b jmp 0x22 */
    0xc3,                         /* 0x1d ret */
    0x90, 0x90, 0x90, 0x90,       /* 0x1e */
    0x31, 0xc0, 0x0f, 0x30,       /* 0x22 xor eax,eax; wrmsr */
};
static const u8 rec_from[] = {0x0e, 0x14, 0x16, 0x1d, 0x1b}, rec_to[] = {0x10, 0x16, 0x1d, 0x1b, 0x22};

/* Taken branches only, oldest to newest, the TOS pointing at the newest (SDM 18.4.8). */
static void test_lbr_stack(const char *model, enum cpu_mode mode, u32 from_msr, u32 to_msr, u32 info_msr,
                           unsigned entries)
{
    struct harness *h = harness_new(mode);
    use_model(h, model);
    char name[96];
    int r = RUN(h, branches);
    snprintf(name, sizeof name, "lbr.%s.ran", model);
    CHECK_EQ(name, r, -1);
    snprintf(name, sizeof name, "lbr.%s.tos", model);
    CHECK_EQ(name, msr(h, 0x1c9), 5 % entries);
    snprintf(name, sizeof name, "lbr.%s.stopped", model);
    CHECK_EQ(name, msr(h, DEBUGCTL), 0);
    for (unsigned n = 0; n < 5 && n < entries; n++) {
        unsigned rec = 4 - n, slot = (5 - n) % entries;
        snprintf(name, sizeof name, "lbr.%s.from.%u", model, rec);
        CHECK_EQ(name, msr(h, from_msr + slot), CODE(rec_from[rec]));
        snprintf(name, sizeof name, "lbr.%s.to.%u", model, rec);
        CHECK_EQ(name, msr(h, to_msr + slot), CODE(rec_to[rec]));
        if (info_msr) {
            snprintf(name, sizeof name, "lbr.%s.info.%u", model, rec);
            CHECK_EQ(name, msr(h, info_msr + slot), 0);
        }
    }
    snprintf(name, sizeof name, "lbr.%s.past_stack_gp", model);
    CHECK_EQ(name, msr(h, from_msr + entries), 0xdeadull << 48);
    harness_free(h);
}

/* #DB clears DEBUGCTL.LBR before its handler runs and is not recorded; LER holds the last
 * branch before it (SDM 18.4.2). 32-bit protected mode with an IDT. */
static void test_freeze_on_db(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    c->stop_on_exception = false;
    c->r[RSP] = T_STACK0;
    idt_set32(h, EXC_DB, mkgate(H_CODE32, T_HANDLER, DT_INT32, 0, 0));
    /* mov ecx,0x1d9; rdmsr; mov ebx,eax; and dword [esp+8],~TF; iretd */
    static const u8 handler[] = {0xb9, 0xd9, 0x01, 0x00, 0x00, 0x0f, 0x32, 0x89, 0xc3,
                                 0x81, 0x64, 0x24, 0x08, 0xff, 0xfe, 0xff, 0xff, 0xcf};
    phys_copy_in(h->m, T_HANDLER, handler, sizeof handler);
    static const u8 code[] = {
        0xb9, 0xd9, 0x01, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30,
        0xeb, 0x00,                                     /* 0x0e jmp 0x10 */
        0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, /* 0x10 pushf; or dword [esp],TF */
        0x9d, 0x90,                                     /* 0x18 popf; nop: #DB after it */
    };
    c->r[RBX] = 0xffff;
    int r = RUN(h, code);
    CHECK_EQ("lbr.db.ran", r, -1);
    CHECK_EQ("lbr.db.handler_sees_lbr_clear", c->r[RBX], 0);
    CHECK_EQ("lbr.db.debugctl_after", msr(h, DEBUGCTL), 0);
    CHECK_EQ("lbr.db.not_recorded_tos", msr(h, 0x1c9), 1);
    CHECK_EQ("lbr.db.ler_from", msr(h, 0x1dd), CODE(0x0e));
    CHECK_EQ("lbr.db.ler_to", msr(h, 0x1de), CODE(0x10));

    /* INT n is recorded as a branch to its handler; IRET as one back. */
    static const u8 iret[] = {0xcf};
    phys_copy_in(h->m, T_HANDLER + 0x40, iret, 1);
    idt_set32(h, 0x80, mkgate(H_CODE32, T_HANDLER + 0x40, DT_INT32, 0, 0));
    static const u8 intn[] = {
        0xb9, 0xd9, 0x01, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30,
        0xcd, 0x80,             /* 0x0e int 0x80 */
        0x31, 0xc0, 0x0f, 0x30, /* 0x10 xor eax,eax; wrmsr */
    };
    c->r[RSP] = T_STACK0;
    r = RUN(h, intn);
    CHECK_EQ("lbr.int.ran", r, -1);
    CHECK_EQ("lbr.int.tos", msr(h, 0x1c9), 3);
    CHECK_EQ("lbr.int.from", msr(h, 0x680 + 2), CODE(0x0e));
    CHECK_EQ("lbr.int.to", msr(h, 0x6c0 + 2), T_HANDLER + 0x40);
    CHECK_EQ("lbr.iret.from", msr(h, 0x680 + 3), T_HANDLER + 0x40);
    CHECK_EQ("lbr.iret.to", msr(h, 0x6c0 + 3), CODE(0x10));
    CHECK_EQ("lbr.int.ler_to", msr(h, 0x1de), CODE(0x10)); /* the jmp of the first run */
    harness_free(h);
}

/* BTF with TF: the single-step trap comes after the next taken branch only, and #DB
 * clears BTF (SDM 18.4.3). */
static void test_btf(void)
{
    struct harness *h = t_new(MODE_PROT);
    struct cpu *c = h->c;
    c->stop_on_exception = false;
    c->r[RSP] = T_STACK0;
    idt_set32(h, EXC_DB, mkgate(H_CODE32, T_HANDLER, DT_INT32, 0, 0));
    /* mov ecx,0x1d9; rdmsr; mov [DATA],eax; mov eax,[esp]; mov [DATA+4],eax;
     * and dword [esp+8],~TF; iretd */
    static const u8 handler[] = {0xb9, 0xd9, 0x01, 0x00, 0x00, 0x0f, 0x32, 0xa3, 0x00, 0x00, 0x20, 0x00,
                                 0x8b, 0x04, 0x24, 0xa3, 0x04, 0x00, 0x20, 0x00,
                                 0x81, 0x64, 0x24, 0x08, 0xff, 0xfe, 0xff, 0xff, 0xcf};
    phys_copy_in(h->m, T_HANDLER, handler, sizeof handler);
    static const u8 code[] = {
        0xb9, 0xd9, 0x01, 0x00, 0x00, 0xb8, 0x02, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30,
        0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d, /* 0x0e pushf; or TF; popf */
        0x90, 0x90,                                           /* 0x17 nop; nop */
        0xeb, 0x01, 0x90,                                     /* 0x19 jmp 0x1c */
        0x90,                                                 /* 0x1c */
    };
    pwrite(h, HARNESS_DATA, 8, ~0ull);
    int r = RUN(h, code);
    CHECK_EQ("btf.ran", r, -1);
    CHECK_EQ("btf.trap_after_taken_branch", pread(h, HARNESS_DATA + 4, 4), CODE(0x1c));
    CHECK_EQ("btf.cleared_by_db", pread(h, HARNESS_DATA, 4), 0);
    harness_free(h);
}

/* CPUID.1:ECX.PDCM and IA32_PERF_CAPABILITIES (345H) per model: the real part's LBR format
 * (SDM Vol. 3 18.4.8.1: Penryn 1, Westmere 3, Skylake and Ice Lake 5) and SMM_FREEZE (bit
 * 12, Nehalem and later), which makes DEBUGCTL.FREEZE_WHILE_SMM (bit 14) valid; no PEBS
 * or counter bits (none implemented). Read-only; #GP without PDCM (Vol. 4 Table 2-2). */
static void test_perf_capabilities(void)
{
    static const struct {
        const char *model;
        u64 caps;
    } models[] = {{"core2", 0x1}, {"westmere", 0x1003}, {"skylake", 0x1005}, {"icelake", 0x1005}};
    char name[96];
    for (size_t k = 0; k < ARRAY_LEN(models); k++) {
        struct harness *h = harness_new(MODE_PROT);
        use_model(h, models[k].model);
        const char *m = models[k].model;
        bool smm = models[k].caps & 0x1000;
        u32 r[4];
        cpuid_query(h->c, 1, 0, r);
        snprintf(name, sizeof name, "perf_caps.%s.cpuid_pdcm", m);
        CHECK_EQ(name, (r[2] >> 15) & 1, 1);
        snprintf(name, sizeof name, "perf_caps.%s.value", m);
        CHECK_EQ(name, msr(h, 0x345), models[k].caps);
        snprintf(name, sizeof name, "perf_caps.%s.read_only", m);
        CHECK_EQ(name, msr_write(h->c, 0x345, models[k].caps), false);
        snprintf(name, sizeof name, "perf_caps.%s.freeze_while_smm", m);
        CHECK_EQ(name, write_debugctl(h, 0x4000), smm ? -1 : EXC_GP);
        snprintf(name, sizeof name, "perf_caps.%s.freeze_on_pmi_no_pmu", m);
        CHECK_EQ(name, write_debugctl(h, 0x1800), EXC_GP);
        /* -cpu MODEL,-pdcm: no MSR, no FREEZE_WHILE_SMM. */
        h->m->features_off[FEAT_PDCM / 32] |= 1u << (FEAT_PDCM % 32);
        machine_features_changed(h->m);
        snprintf(name, sizeof name, "perf_caps.%s.without_pdcm_gp", m);
        CHECK_EQ(name, msr(h, 0x345), 0xdeadull << 48);
        snprintf(name, sizeof name, "perf_caps.%s.without_pdcm_no_smm_freeze", m);
        CHECK_EQ(name, write_debugctl(h, 0x4000), EXC_GP);
        harness_free(h);
    }
}

/* LBR call-stack mode (LBR_SELECT.EN_CALLSTACK, SDM 18.11.1): with JCC, NEAR_IND_JMP,
 * NEAR_REL_JMP and FAR_BRANCH filtered, near calls push and near returns pop (the top
 * record zeroed, TOS decremented); a zero-length call is not recorded. Skylake and Ice
 * Lake; Westmere's LBR_SELECT has no bit 9. 64-bit mode. */
static const u8 callstack[] = {
    /* 0x00 LBR_SELECT = 0x3c4; 0x0e DEBUGCTL.LBR */
    0xb9, 0xc8, 0x01, 0x00, 0x00, 0xb8, 0xc4, 0x03, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30,
    0xb9, 0xd9, 0x01, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x30,
    0xe8, 0x0f, 0x00, 0x00, 0x00, /* 0x1a call 0x2e (f) */
    0xe8, 0x00, 0x00, 0x00, 0x00, /* 0x1f call 0x24: zero length */
    0x58,                         /* 0x24 pop rax */
    0x74, 0x00,                   /* 0x25 jz +0 (filtered) */
    0xeb, 0x0f,                   /* 0x27 jmp 0x38 (filtered) */
    0x90, 0x90, 0x90, 0x90, 0x90, /* 0x29 */
    0xe8, 0x01, 0x00, 0x00, 0x00, /* 0x2e f: call 0x34 (g) */
    0xc3,                         /* 0x33 f: ret */
    0xc3,                         /* 0x34 g: ret */
    0x90, 0x90, 0x90,             /* 0x35 */
    0xb9, 0xd9, 0x01, 0x00, 0x00, 0x31, 0xc0, 0x0f, 0x30, /* 0x38 DEBUGCTL = 0 */
};

static void test_callstack(const char *model)
{
    struct harness *h = harness_new(MODE_LONG);
    use_model(h, model);
    char name[96];
    int r = RUN(h, callstack);
    snprintf(name, sizeof name, "lbr_callstack.%s.ran", model);
    CHECK_EQ(name, r, -1);
    /* call f, call g, ret (pops g's), ret (pops f's): back to the start; then the zero-length
     * call is skipped, the jz and jmp filtered. */
    snprintf(name, sizeof name, "lbr_callstack.%s.tos_back", model);
    CHECK_EQ(name, msr(h, 0x1c9), 0);
    snprintf(name, sizeof name, "lbr_callstack.%s.popped_from_zero", model);
    CHECK_EQ(name, msr(h, 0x680 + 1), 0);
    snprintf(name, sizeof name, "lbr_callstack.%s.popped_to_zero", model);
    CHECK_EQ(name, msr(h, 0x6c0 + 2), 0);
    snprintf(name, sizeof name, "lbr_callstack.%s.select_reads_back", model);
    CHECK_EQ(name, msr(h, 0x1c8), 0x3c4);

    /* Stop inside g: the stack holds the two calls, innermost on top. */
    static const u8 stop_in_g[] = {
        0xb9, 0xc8, 0x01, 0x00, 0x00, 0xb8, 0xc4, 0x03, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30,
        0xb9, 0xd9, 0x01, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x30,
        0xe8, 0x02, 0x00, 0x00, 0x00, /* 0x1a call 0x21 (f) */
        0xf4, 0xf4,                   /* 0x1f */
        0xe8, 0x00, 0x00, 0x00, 0x00, /* 0x21 f: call 0x26 (zero length, not recorded) */
        0xe8, 0x01, 0x00, 0x00, 0x00, /* 0x26 f: call 0x2c (g) */
        0xf4,                         /* 0x2b */
        0xf4,                         /* 0x2c g: hlt */
    };
    h->c->lbr_tos = 0;
    r = RUN(h, stop_in_g);
    snprintf(name, sizeof name, "lbr_callstack.%s.depth", model);
    CHECK_EQ(name, msr(h, 0x1c9), 2);
    snprintf(name, sizeof name, "lbr_callstack.%s.outer_from", model);
    CHECK_EQ(name, msr(h, 0x680 + 1), CODE(0x1a));
    snprintf(name, sizeof name, "lbr_callstack.%s.inner_from", model);
    CHECK_EQ(name, msr(h, 0x680 + 2), CODE(0x26));
    snprintf(name, sizeof name, "lbr_callstack.%s.inner_to", model);
    CHECK_EQ(name, msr(h, 0x6c0 + 2), CODE(0x2c));
    snprintf(name, sizeof name, "lbr_callstack.%s.inner_info", model);
    CHECK_EQ(name, msr(h, 0xdc0 + 2), 0);
    harness_free(h);
}

/* EN_CALLSTACK exists from Haswell on: Westmere's LBR_SELECT has bits 8:0 only, Penryn
 * has no LBR_SELECT (SDM 18.7.2, 18.11). */
static void test_select_bits(void)
{
    static const struct {
        const char *model;
        bool select, callstack;
    } models[] = {{"core2", false, false}, {"westmere", true, false},
                  {"skylake", true, true}, {"icelake", true, true}};
    char name[96];
    for (size_t k = 0; k < ARRAY_LEN(models); k++) {
        struct harness *h = harness_new(MODE_PROT);
        use_model(h, models[k].model);
        snprintf(name, sizeof name, "lbr_select.%s.filters", models[k].model);
        CHECK_EQ(name, msr_write(h->c, 0x1c8, 0x1ff), models[k].select);
        snprintf(name, sizeof name, "lbr_select.%s.en_callstack", models[k].model);
        CHECK_EQ(name, msr_write(h->c, 0x1c8, 0x3c4), models[k].callstack);
        snprintf(name, sizeof name, "lbr_select.%s.bit10_reserved", models[k].model);
        CHECK_EQ(name, msr_write(h->c, 0x1c8, 0x400), false);
        snprintf(name, sizeof name, "lbr_select.%s.zero", models[k].model);
        CHECK_EQ(name, msr_write(h->c, 0x1c8, 0), models[k].select);
        harness_free(h);
    }
}

/* VMX: entry loads DEBUGCTL with "load debug controls", exit saves the guest's with "save
 * debug controls" and clears the host's (SDM 27.3.2.1, 28.3.1, 28.5.1); a valid bit passes
 * the entry check. The host runs with BTF, the guest field holds TR; the guest: cpuid. */
static void test_vmx(void)
{
    static const u8 g[] = {0x0f, 0xa2};
    struct harness *h = vmx_guest_with_controls(g, sizeof g, 0, 0, 0);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_VM_ENTRY_CONTROLS, vmcs_get(c, VMCS_VM_ENTRY_CONTROLS) | ENTRY_LOAD_DEBUG_CONTROLS);
    vmcs_set(c, VMCS_VM_EXIT_CONTROLS, vmcs_get(c, VMCS_VM_EXIT_CONTROLS) | EXIT_SAVE_DEBUG_CONTROLS);
    vmcs_set(c, VMCS_GUEST_IA32_DEBUGCTL, 0x40); /* TR */
    bool host_set = msr_write(c, DEBUGCTL, 2);
    int r = host_enter(h, true);
    CHECK_EQ("vmx.debugctl.exit", r, -1);
    CHECK_EQ("vmx.debugctl.exit_reason", exit_reason(h), 10);
    CHECK_EQ("vmx.debugctl.loaded_then_saved", vmcs_get(c, VMCS_GUEST_IA32_DEBUGCTL), 0x40);
    CHECK("vmx.debugctl.host_write", host_set, "host WRMSR refused");
    CHECK_EQ("vmx.debugctl.host_cleared", msr(h, DEBUGCTL), 0);
    harness_free(h);
}

/* SDM 27.3.1.1: with "load debug controls", the IA32_DEBUGCTL field may hold only bits
 * the MSR defines; LBR and BTF (bits 0 and 1) exist on every model, bit 2 on none. */
static void test_vmx_entry_every_model(void)
{
    static const char *models[] = {"core2", "westmere", "skylake", "icelake"};
    static const u8 g[] = {0x0f, 0xa2};
    char name[96];
    for (size_t k = 0; k < ARRAY_LEN(models); k++) {
        for (u64 val = 3; val <= 4; val++) {
            struct harness *h = vmx_guest_setup(models[k], HOST_RESUME);
            struct cpu *c = h->c;
            guest_code(h, g, sizeof g);
            vmcs_set(c, VMCS_VM_ENTRY_CONTROLS, vmcs_get(c, VMCS_VM_ENTRY_CONTROLS) | ENTRY_LOAD_DEBUG_CONTROLS);
            vmcs_set(c, VMCS_VM_EXIT_CONTROLS, vmcs_get(c, VMCS_VM_EXIT_CONTROLS) | EXIT_SAVE_DEBUG_CONTROLS);
            vmcs_set(c, VMCS_GUEST_IA32_DEBUGCTL, val);
            int r = host_enter(h, true);
            snprintf(name, sizeof name, "vmx.debugctl.%s.%s", models[k], val == 3 ? "lbr_btf_enter" : "bit2_refused");
            CHECK_EQ(name, r == -1 ? exit_reason(h) : ~0u, val == 3 ? 10 : 0x80000021u);
            if (val == 3) {
                snprintf(name, sizeof name, "vmx.debugctl.%s.lbr_btf_saved", models[k]);
                CHECK_EQ(name, vmcs_get(c, VMCS_GUEST_IA32_DEBUGCTL), 3);
            }
            harness_free(h);
        }
    }
}

int main(void)
{
    test_valid_bits();
    test_lbr_stack("core2", MODE_PROT, 0x40, 0x60, 0, 4);
    test_lbr_stack("westmere", MODE_LONG, 0x680, 0x6c0, 0, 16);
    test_lbr_stack("skylake", MODE_LONG, 0x680, 0x6c0, 0xdc0, 32);
    test_lbr_stack("icelake", MODE_PROT, 0x680, 0x6c0, 0xdc0, 32);
    test_freeze_on_db();
    test_btf();
    test_perf_capabilities();
    test_select_bits();
    test_callstack("skylake");
    test_callstack("icelake");
    test_vmx();
    test_vmx_entry_every_model();
    return check_exit();
}
