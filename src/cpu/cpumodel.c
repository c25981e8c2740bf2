/* The CPU model table and the "model,+feat,-feat" parser. All tables are const: a model
 * is data, and what a given processor offers is computed from its machine's model index. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../machine/machine.h"
#include "cpumodel.h"
#include "../vmx/caps.h"

#define B(f) (1u << ((f) % 32))

/* What Vanderpool implements; a model's features are cut down to these. Vector ISA: MMX,
 * SSE, SSE2 (sse*.c), SSE3 and SSSE3 (sse3.c), SSE4.1 (sse41.c), SSE4.2 (sse42.c), AES-NI
 * and PCLMULQDQ (aes.c), all floating point through src/fpu; the x87 (fpu.c, x87*.c)
 * with its transcendentals (src/fpu/sf_x80_trans.c). Power, thermal and machine-check
 * features are the MSRs they promise (pm.c, mca.c, MISC_ENABLE): MCA, ACPI, TM, TM2, PBE,
 * EIST, xTPR; PDCM is IA32_PERF_CAPABILITIES (lbr.c). XSAVE with XSAVEOPT, XSAVEC,
 * XGETBV with ECX = 1 and XSAVES (xsave.c) manage the x87, SSE and AVX components; AVX
 * is avx_move.c, avx_fp*.c and avx_int*.c. BMI1/BMI2 (bmi.c) are offered, and the FMA
 * (fma.c) and F16C (f16c.c) bits, which need AVX state to be usable. VME and PVI (intflag.c, stack.c, far.c,
 * interrupt.c). FCS/FDS deprecation (ZERO_FCS_FDS): x87_env.c stores them as 0. Not
 * offered: DS/DTES64/DS-CPL (no BTS/PEBS), AVX-512 (none of its EVEX instructions, opmask
 * registers or XSAVE components 5-7 exist here), PKU, TSC_ADJUST, and FDP_EXCPTN_ONLY
 * (x87.c updates FDP at every memory-operand instruction, as the parts without the bit
 * do; SDM Vol. 1 8.1.8). Every model offers VMX, as the real parts did; -cpu MODEL,-vmx
 * takes it away. */
static const struct cpu_features implemented = {.w = {
    [FW_1_EDX] = B(FEAT_FPU) | B(FEAT_VME) | B(FEAT_DE) | B(FEAT_PSE) | B(FEAT_TSC) | B(FEAT_MSR) |
                 B(FEAT_PAE) | B(FEAT_MCE) | B(FEAT_CX8) | B(FEAT_APIC) | B(FEAT_SEP) |
                 B(FEAT_MTRR) | B(FEAT_PGE) | B(FEAT_CMOV) | B(FEAT_PAT) | B(FEAT_PSE36) |
                 B(FEAT_CLFSH) | B(FEAT_MMX) | B(FEAT_FXSR) | B(FEAT_SSE) | B(FEAT_SSE2) |
                 B(FEAT_SS) | B(FEAT_HTT) | B(FEAT_MCA) | B(FEAT_ACPI) | B(FEAT_TM) |
                 B(FEAT_PBE),
    [FW_1_ECX] = B(FEAT_EIST) | B(FEAT_TM2) | B(FEAT_XTPR) | B(FEAT_PDCM) |
                 B(FEAT_SSE3) | B(FEAT_SSSE3) | B(FEAT_SSE41) | /* sse3.c, sse41.c */
                 B(FEAT_MONITOR) | B(FEAT_VMX) | B(FEAT_PCID) | B(FEAT_X2APIC) | B(FEAT_TSC_DEADLINE) |
                 B(FEAT_RDRAND) | B(FEAT_CX16) | B(FEAT_MOVBE) | B(FEAT_POPCNT) |
                 B(FEAT_SSE42) | B(FEAT_AES) | B(FEAT_PCLMULQDQ) | B(FEAT_XSAVE) |
                 B(FEAT_AVX) | /* avx_move.c, avx_fp*.c, avx_int*.c; xsave.c's component 2 */
                 B(FEAT_FMA) | B(FEAT_F16C), /* fma.c, f16c.c: usable once AVX state is */
    [FW_7_EBX] = B(FEAT_FSGSBASE) | B(FEAT_SMEP) | B(FEAT_ERMS) | B(FEAT_INVPCID) |
                 B(FEAT_RDSEED) | B(FEAT_SMAP) | B(FEAT_CLFLUSHOPT) |
                 B(FEAT_BMI1) | B(FEAT_BMI2) | /* bmi.c, bits.c's TZCNT */
                 B(FEAT_AVX2) | /* avx_int*.c, avx2*.c: usable once AVX state is */
                 B(FEAT_ZERO_FCS_FDS), /* x87_env.c's x87_stored_sel() */
    [FW_7_ECX] = B(FEAT_UMIP) | B(FEAT_LA57) | B(FEAT_RDPID),
    [FW_7_EDX] = B(FEAT_MD_CLEAR) | B(FEAT_SPEC_CTRL) | B(FEAT_STIBP) |
                 B(FEAT_ARCH_CAPABILITIES) | B(FEAT_SSBD),
    [FW_81_ECX] = B(FEAT_LAHF_LM) | B(FEAT_PREFETCHW) | B(FEAT_ABM),
    [FW_81_EDX] = B(FEAT_SYSCALL) | B(FEAT_NX) | B(FEAT_PDPE1GB) | B(FEAT_RDTSCP) | B(FEAT_LM),
    [FW_6_EAX] = B(FEAT_ARAT),
    [FW_87_EDX] = B(FEAT_INVTSC),
    [FW_D1_EAX] = B(FEAT_XSAVEOPT) | B(FEAT_XSAVEC) | B(FEAT_XGETBV1) | B(FEAT_XSAVES),
}};

/* Features every Intel part since the Pentium Pro/4 has. */
#define P6_EDX                                                                               \
    (B(FEAT_FPU) | B(FEAT_VME) | B(FEAT_DE) | B(FEAT_PSE) | B(FEAT_TSC) | B(FEAT_MSR) |    \
     B(FEAT_PAE) | B(FEAT_MCE) | B(FEAT_CX8) | B(FEAT_APIC) | B(FEAT_SEP) | B(FEAT_MTRR) | \
     B(FEAT_PGE) | B(FEAT_MCA) | B(FEAT_CMOV) | B(FEAT_PAT) | B(FEAT_PSE36) |             \
     B(FEAT_CLFSH) | B(FEAT_DS) | B(FEAT_ACPI) | B(FEAT_MMX) | B(FEAT_FXSR) | B(FEAT_SSE) | \
     B(FEAT_SSE2) | B(FEAT_SS) | B(FEAT_HTT) | B(FEAT_TM) | B(FEAT_PBE))
#define CORE2_ECX                                                                            \
    (B(FEAT_SSE3) | B(FEAT_DTES64) | B(FEAT_MONITOR) | B(FEAT_DSCPL) | B(FEAT_VMX) |       \
     B(FEAT_SMX) | B(FEAT_EIST) | B(FEAT_TM2) | B(FEAT_SSSE3) | B(FEAT_CX16) |             \
     B(FEAT_XTPR) | B(FEAT_PDCM) | B(FEAT_SSE41))
#define NEHALEM_ECX (CORE2_ECX | B(FEAT_SSE42) | B(FEAT_POPCNT))
#define LM_EDX (B(FEAT_SYSCALL) | B(FEAT_NX) | B(FEAT_LM))

/* Index 0 is the default so that a zero-initialised configuration gets it. */
static const struct cpu_model models[] = {
    {
        .name = "skylake", .desc = "Intel Core i7-6700 (Skylake-S, 2015)",
        .family = 6, .model = 0x5e, .stepping = 3, .phys_bits = 39, .lin_bits = 48,
        .max_leaf = 0xd, .max_ext_leaf = 0x80000008, .platform_id = 1, .ucode_rev = 0xf0,
        .mtrr_vcnt = 10, .brand = "Intel(R) Core(TM) i7-6700 CPU @ 3.40GHz",
        .mcg_cap = 0xc0a, /* 10 banks, CMCI_P, TES_P (Skylake/Kaby Lake client dumps) */
        .base_ratio = 34,
        /* LBR format 5 (LBR_INFO), PEBS trap, arch regs, PEBS format 3, SMM freeze,
         * full-width writes (SDM Vol. 3 18.12.1, 18.13.1.1; Linux "PEBS fmt3+") */
        .perf_capabilities = 0x33c5,
        .caches = {{1, 1, 8, 0, 64}, {1, 2, 8, 0, 64}, {2, 3, 4, 0, 1024}, {3, 3, 16, 1, 8192}},
        .vmx = &vmx_caps_skylake,
        .hw = {.w = {
            [FW_1_EDX] = P6_EDX,
            [FW_1_ECX] = NEHALEM_ECX | B(FEAT_PCLMULQDQ) | B(FEAT_AES) | B(FEAT_PCID) |
                         B(FEAT_X2APIC) | B(FEAT_TSC_DEADLINE) | B(FEAT_XSAVE) | B(FEAT_AVX) |
                         B(FEAT_F16C) | B(FEAT_RDRAND) | B(FEAT_FMA) | B(FEAT_MOVBE),
            /* 029C6FBFH on the part (SGX and PT, bits 2 and 25, have no name here) */
            [FW_7_EBX] = B(FEAT_FSGSBASE) | B(FEAT_TSC_ADJUST) | B(FEAT_BMI1) | B(FEAT_HLE) |
                         B(FEAT_AVX2) | B(FEAT_SMEP) | B(FEAT_BMI2) | B(FEAT_ERMS) |
                         B(FEAT_INVPCID) | B(FEAT_RTM) | B(FEAT_ZERO_FCS_FDS) | B(FEAT_MPX) |
                         B(FEAT_RDSEED) | B(FEAT_ADX) | B(FEAT_SMAP) | B(FEAT_CLFLUSHOPT),
            [FW_81_ECX] = B(FEAT_LAHF_LM) | B(FEAT_ABM) | B(FEAT_PREFETCHW),
            [FW_81_EDX] = LM_EDX | B(FEAT_PDPE1GB) | B(FEAT_RDTSCP),
            [FW_6_EAX] = B(FEAT_ARAT),
            [FW_87_EDX] = B(FEAT_INVTSC),
            /* XSAVEOPT, XSAVEC, XGETBV ECX=1, XSAVES: CPUID.(0DH,1):EAX = 0FH */
            [FW_D1_EAX] = B(FEAT_XSAVEOPT) | B(FEAT_XSAVEC) | B(FEAT_XGETBV1) | B(FEAT_XSAVES),
        }},
    },
    {
        .name = "core2", .desc = "Intel Core 2 Duo E8400 (Penryn, 2008; first-generation VT-x)",
        .family = 6, .model = 0x17, .stepping = 10, .phys_bits = 36, .lin_bits = 48,
        .max_leaf = 0xa, .max_ext_leaf = 0x80000008, .platform_id = 0, .ucode_rev = 0xa0b,
        .mtrr_vcnt = 8, .brand = "Intel(R) Core(TM)2 Duo CPU     E8400  @ 3.00GHz",
        .mcg_cap = 0x806, /* 6 banks, TES_P (Penryn, family 6 model 23 dumps) */
        .base_ratio = 9,
        /* LBR format 1 (64-bit LIP), PEBS trap, arch regs, PEBS format 0 (SDM Vol. 3
         * 17.4.8.1, 18.4.4.2; Linux "PEBS fmt0+") */
        .perf_capabilities = 0xc1,
        .caches = {{1, 1, 8, 0, 64}, {1, 2, 8, 0, 64}, {2, 3, 24, 1, 4096}},
        .vmx = &vmx_caps_core2,
        .hw = {.w = {
            [FW_1_EDX] = P6_EDX,
            [FW_1_ECX] = CORE2_ECX,
            [FW_81_ECX] = B(FEAT_LAHF_LM),
            [FW_81_EDX] = LM_EDX,
        }},
    },
    {
        .name = "westmere", .desc = "Intel Xeon X5650 (Westmere-EP, 2010; EPT, unrestricted guest)",
        .family = 6, .model = 0x2c, .stepping = 2, .phys_bits = 40, .lin_bits = 48,
        .max_leaf = 0xb, .max_ext_leaf = 0x80000008, .platform_id = 0, .ucode_rev = 0x1f,
        .mtrr_vcnt = 10, .brand = "Intel(R) Xeon(R) CPU           X5650  @ 2.67GHz",
        .mcg_cap = 0x1c09, /* 9 banks, CMCI_P, TES_P, bit 12 as reported (model 44 dumps) */
        .base_ratio = 20,
        /* LBR format 3 (EIP with MISPRED), PEBS trap, arch regs, PEBS format 1, SMM
         * freeze (SDM Vol. 3 18.6.1; Vol. 4 Table 2-15 MSR 345H; Linux "PEBS fmt1+") */
        .perf_capabilities = 0x11c3,
        .caches = {{1, 1, 8, 0, 64}, {1, 2, 4, 0, 128}, {2, 3, 8, 0, 512}, {3, 3, 16, 1, 12288}},
        .vmx = &vmx_caps_westmere,
        .hw = {.w = {
            [FW_1_EDX] = P6_EDX,
            [FW_1_ECX] = NEHALEM_ECX | B(FEAT_PCLMULQDQ) | B(FEAT_AES) | B(FEAT_PCID) |
                         B(FEAT_X2APIC),
            [FW_81_ECX] = B(FEAT_LAHF_LM),
            [FW_81_EDX] = LM_EDX | B(FEAT_PDPE1GB) | B(FEAT_RDTSCP),
            [FW_6_EAX] = B(FEAT_ARAT),
            [FW_87_EDX] = B(FEAT_INVTSC),
        }},
    },
    {
        .name = "icelake", .desc = "Intel Xeon Platinum 8380 (Ice Lake-SP, 2021; 5-level paging)",
        .family = 6, .model = 0x6a, .stepping = 6, .phys_bits = 46, .lin_bits = 57,
        .max_leaf = 0xd, .max_ext_leaf = 0x80000008, .platform_id = 4, .ucode_rev = 0xd0003a5,
        .mtrr_vcnt = 10, .brand = "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz",
        /* 20 banks, CMCI_P, TES_P as the Xeon Scalable parts report (0xf000c14); SER_P,
         * EMC_P, ELOG_P and LMCE_P (bits 27:24) are left out: not implemented. */
        .mcg_cap = 0xc14,
        .base_ratio = 23,
        /* LBR format 5, PEBS trap, arch regs, PEBS format 4, SMM freeze, full-width
         * writes, PEBS baseline (Linux "PEBS fmt4+-baseline") */
        .perf_capabilities = 0x74c5,
        .caches = {{1, 1, 12, 0, 64}, {1, 2, 8, 0, 64}, {2, 3, 20, 0, 1024}, {3, 3, 12, 1, 81920}},
        /* RDCL_NO, IBRS_ALL, SKIP_L1DFL_VMENTRY, MDS_NO, PSCHANGE_MC_NO, TAA_NO */
        .arch_capabilities = BIT(0) | BIT(1) | BIT(3) | BIT(5) | BIT(6) | BIT(8),
        .vmx = &vmx_caps_icelake,
        .hw = {.w = {
            [FW_1_EDX] = P6_EDX,
            [FW_1_ECX] = NEHALEM_ECX | B(FEAT_PCLMULQDQ) | B(FEAT_AES) | B(FEAT_PCID) |
                         B(FEAT_X2APIC) | B(FEAT_TSC_DEADLINE) | B(FEAT_XSAVE) | B(FEAT_AVX) |
                         B(FEAT_F16C) | B(FEAT_RDRAND) | B(FEAT_FMA) | B(FEAT_MOVBE),
            [FW_7_EBX] = B(FEAT_FSGSBASE) | B(FEAT_TSC_ADJUST) | B(FEAT_BMI1) | B(FEAT_AVX2) |
                         B(FEAT_FDP_EXCPTN_ONLY) | B(FEAT_SMEP) | B(FEAT_BMI2) | B(FEAT_ERMS) |
                         B(FEAT_INVPCID) | B(FEAT_ZERO_FCS_FDS) |
                         B(FEAT_AVX512F) | B(FEAT_RDSEED) | B(FEAT_ADX) | B(FEAT_SMAP) |
                         B(FEAT_CLFLUSHOPT) | B(FEAT_CLWB) | B(FEAT_SHA),
            [FW_7_ECX] = B(FEAT_UMIP) | B(FEAT_PKU) | B(FEAT_LA57) | B(FEAT_RDPID),
            [FW_7_EDX] = B(FEAT_MD_CLEAR) | B(FEAT_SPEC_CTRL) | B(FEAT_STIBP) |
                         B(FEAT_ARCH_CAPABILITIES) | B(FEAT_SSBD),
            [FW_81_ECX] = B(FEAT_LAHF_LM) | B(FEAT_ABM) | B(FEAT_PREFETCHW),
            [FW_81_EDX] = LM_EDX | B(FEAT_PDPE1GB) | B(FEAT_RDTSCP),
            [FW_6_EAX] = B(FEAT_ARAT),
            [FW_87_EDX] = B(FEAT_INVTSC),
            /* XSAVEOPT, XSAVEC, XGETBV ECX=1, XSAVES: CPUID.(0DH,1):EAX = 0FH */
            [FW_D1_EAX] = B(FEAT_XSAVEOPT) | B(FEAT_XSAVEC) | B(FEAT_XGETBV1) | B(FEAT_XSAVES),
        }},
    },
};

static const struct {
    const char *name;
    enum feature f;
} feature_names[] = {
    {"fpu", FEAT_FPU}, {"vme", FEAT_VME}, {"de", FEAT_DE}, {"pse", FEAT_PSE},
    {"tsc", FEAT_TSC}, {"msr", FEAT_MSR}, {"pae", FEAT_PAE}, {"mce", FEAT_MCE},
    {"cx8", FEAT_CX8}, {"apic", FEAT_APIC}, {"sep", FEAT_SEP}, {"mtrr", FEAT_MTRR},
    {"pge", FEAT_PGE}, {"mca", FEAT_MCA}, {"cmov", FEAT_CMOV}, {"pat", FEAT_PAT},
    {"pse36", FEAT_PSE36}, {"clflush", FEAT_CLFSH}, {"ds", FEAT_DS}, {"acpi", FEAT_ACPI},
    {"mmx", FEAT_MMX}, {"fxsr", FEAT_FXSR}, {"sse", FEAT_SSE}, {"sse2", FEAT_SSE2},
    {"ss", FEAT_SS}, {"ht", FEAT_HTT}, {"tm", FEAT_TM}, {"pbe", FEAT_PBE},
    {"sse3", FEAT_SSE3}, {"pclmulqdq", FEAT_PCLMULQDQ}, {"dtes64", FEAT_DTES64},
    {"monitor", FEAT_MONITOR}, {"ds-cpl", FEAT_DSCPL}, {"vmx", FEAT_VMX}, {"smx", FEAT_SMX},
    {"est", FEAT_EIST}, {"tm2", FEAT_TM2}, {"ssse3", FEAT_SSSE3}, {"fma", FEAT_FMA},
    {"cx16", FEAT_CX16}, {"xtpr", FEAT_XTPR}, {"pdcm", FEAT_PDCM}, {"pcid", FEAT_PCID},
    {"sse4.1", FEAT_SSE41}, {"sse4.2", FEAT_SSE42}, {"x2apic", FEAT_X2APIC},
    {"movbe", FEAT_MOVBE}, {"popcnt", FEAT_POPCNT}, {"tsc-deadline", FEAT_TSC_DEADLINE},
    {"aes", FEAT_AES}, {"xsave", FEAT_XSAVE}, {"avx", FEAT_AVX}, {"f16c", FEAT_F16C},
    {"rdrand", FEAT_RDRAND}, {"hypervisor", FEAT_HYPERVISOR},
    {"fsgsbase", FEAT_FSGSBASE}, {"tsc-adjust", FEAT_TSC_ADJUST}, {"bmi1", FEAT_BMI1},
    {"hle", FEAT_HLE}, {"avx2", FEAT_AVX2}, {"fdp-excptn-only", FEAT_FDP_EXCPTN_ONLY},
    {"zero-fcs-fds", FEAT_ZERO_FCS_FDS}, {"smep", FEAT_SMEP}, {"bmi2", FEAT_BMI2},
    {"erms", FEAT_ERMS}, {"invpcid", FEAT_INVPCID}, {"rtm", FEAT_RTM}, {"mpx", FEAT_MPX},
    {"avx512f", FEAT_AVX512F}, {"rdseed", FEAT_RDSEED}, {"adx", FEAT_ADX},
    {"smap", FEAT_SMAP}, {"clflushopt", FEAT_CLFLUSHOPT}, {"clwb", FEAT_CLWB},
    {"sha-ni", FEAT_SHA}, {"umip", FEAT_UMIP}, {"pku", FEAT_PKU}, {"la57", FEAT_LA57},
    {"rdpid", FEAT_RDPID}, {"md-clear", FEAT_MD_CLEAR}, {"spec-ctrl", FEAT_SPEC_CTRL},
    {"stibp", FEAT_STIBP}, {"arch-capabilities", FEAT_ARCH_CAPABILITIES}, {"ssbd", FEAT_SSBD},
    {"lahf-lm", FEAT_LAHF_LM}, {"abm", FEAT_ABM}, {"3dnowprefetch", FEAT_PREFETCHW},
    {"syscall", FEAT_SYSCALL}, {"nx", FEAT_NX}, {"pdpe1gb", FEAT_PDPE1GB},
    {"rdtscp", FEAT_RDTSCP}, {"lm", FEAT_LM}, {"arat", FEAT_ARAT}, {"invtsc", FEAT_INVTSC},
    {"xsaveopt", FEAT_XSAVEOPT}, {"xsavec", FEAT_XSAVEC}, {"xgetbv1", FEAT_XGETBV1},
    {"xsaves", FEAT_XSAVES},
};

int cpu_model_count(void) { return (int)ARRAY_LEN(models); }

const struct cpu_model *cpu_model_get(int model)
{
    if (model < 0 || model >= cpu_model_count()) return NULL;
    return &models[model];
}

int cpu_model_lookup(const char *name)
{
    for (int k = 0; k < cpu_model_count(); k++)
        if (strcmp(models[k].name, name) == 0) return k;
    return -1;
}

const char *cpu_model_name(int model)
{
    const struct cpu_model *m = cpu_model_get(model);
    return m ? m->name : NULL;
}

struct cpu_features cpu_features_implemented(void)
{
    struct cpu_features f = implemented;
    vmx_caps_words(NULL, true, f.w);
    return f;
}

void cpu_model_list(FILE *out)
{
    for (int k = 0; k < cpu_model_count(); k++)
        fprintf(out, "  %-10s %s%s\n", models[k].name, models[k].desc,
                strcmp(models[k].name, CPU_MODEL_DEFAULT) == 0 ? " [default]" : "");
    fprintf(out, "CPUID features (+name offers, -name withdraws; * = implemented):\n ");
    int col = 1;
    for (size_t k = 0; k < ARRAY_LEN(feature_names); k++) {
        int n = (int)strlen(feature_names[k].name) + 2;
        if (col + n > 78) {
            fprintf(out, "\n ");
            col = 1;
        }
        col += fprintf(out, " %s%s", feature_names[k].name,
                       features_has(&implemented, feature_names[k].f) ? "*" : "");
    }
    struct cpu_features impl = cpu_features_implemented();
    size_t n;
    const struct vmx_switch *sw = vmx_switches(&n);
    fprintf(out, "\nVMX capabilities (-name withdraws what the model offers, +name\n"
                 "offers an implemented one it lacks; the others are not implemented yet):\n");
    for (size_t k = 0; k < n; k++)
        fprintf(out, "  %-28s %s%s\n", sw[k].name, sw[k].what,
                impl.w[sw[k].word] & sw[k].mask ? "" : " [not implemented yet]");
}

struct cpu_features cpu_model_features(int model)
{
    struct cpu_features f = {{0}};
    const struct cpu_model *m = cpu_model_get(model);
    if (!m) return f;
    for (int w = 0; w < FW_COUNT; w++) f.w[w] = m->hw.w[w] & implemented.w[w];
    vmx_caps_words(m->vmx, false, f.w);
    return f;
}

const char *cpu_feature_name(enum feature f)
{
    for (size_t k = 0; k < ARRAY_LEN(feature_names); k++)
        if (feature_names[k].f == f) return feature_names[k].name;
    return NULL;
}

/* Feature names compare case-insensitively with '_' and '-' equivalent. */
static bool name_eq(const char *a, const char *b, size_t blen)
{
    size_t k = 0;
    for (; k < blen && a[k]; k++) {
        char x = (char)tolower((unsigned char)a[k]), y = (char)tolower((unsigned char)b[k]);
        if (x == '_') x = '-';
        if (y == '_') y = '-';
        if (x != y) return false;
    }
    return k == blen && a[k] == 0;
}

/* A VMX capability switch (src/vmx/caps.c): only implemented capabilities can be
 * switched, on or off, so that a spec never silently means less than it says. */
static bool parse_vmx_switch(struct cpu_features *f, const char *name, size_t len, bool on,
                             char *err, size_t errlen)
{
    size_t n;
    const struct vmx_switch *sw = vmx_switches(&n);
    size_t k = 0;
    while (k < n && !name_eq(sw[k].name, name, len)) k++;
    if (k == n) {
        snprintf(err, errlen, "unknown CPU feature '%.*s' (-cpu help lists them)", (int)len, name);
        return false;
    }
    struct cpu_features impl = cpu_features_implemented();
    if (!(impl.w[sw[k].word] & sw[k].mask)) {
        snprintf(err, errlen, "VMX capability '%s' (%s) is not implemented yet", sw[k].name,
                 sw[k].what);
        return false;
    }
    if (on) f->w[sw[k].word] |= sw[k].mask;
    else f->w[sw[k].word] &= ~sw[k].mask;
    /* A secondary control needs "activate secondary controls" to be offered at all. */
    if (on && sw[k].word == FW_VMX_PROC2) f->w[FW_VMX_PROC] |= CPU_SECONDARY_CONTROLS;
    return true;
}

bool cpu_model_parse(const char *spec, int *model, struct cpu_features *out, char *err,
                     size_t errlen)
{
    if (!spec || !*spec) spec = CPU_MODEL_DEFAULT;
    const char *comma = strchr(spec, ',');
    size_t nlen = comma ? (size_t)(comma - spec) : strlen(spec);
    int idx = -1;
    for (int k = 0; k < cpu_model_count(); k++)
        if (name_eq(models[k].name, spec, nlen)) idx = k;
    if (idx < 0) {
        snprintf(err, errlen, "unknown CPU model '%.*s' (try skylake, icelake, westmere, core2)",
                 (int)nlen, spec);
        return false;
    }
    struct cpu_features f = cpu_model_features(idx);
    for (const char *p = comma; p && *p;) {
        p++; /* skip the comma */
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool on = true;
        const char *name = p;
        if (len && (*name == '+' || *name == '-')) {
            on = *name == '+';
            name++;
            len--;
        }
        if (len == 0) {
            snprintf(err, errlen, "empty CPU feature in '%s'", spec);
            return false;
        }
        size_t k = 0;
        while (k < ARRAY_LEN(feature_names) && !name_eq(feature_names[k].name, name, len)) k++;
        if (k == ARRAY_LEN(feature_names)) {
            if (!parse_vmx_switch(&f, name, len, on, err, errlen)) return false;
            p = end;
            continue;
        }
        enum feature x = feature_names[k].f;
        if (on && !features_has(&implemented, x)) {
            snprintf(err, errlen, "CPU feature '%s' is not implemented by Vanderpool",
                     feature_names[k].name);
            return false;
        }
        features_set(&f, x, on);
        p = end;
    }
    *model = idx;
    *out = f;
    return true;
}

const struct cpu_model *cpu_model_of(const struct cpu *c)
{
    const struct cpu_model *m = cpu_model_get(c->m ? c->m->cpu_model : 0);
    return m ? m : &models[0];
}

/* Features that do not exist without another: switching the second off takes the first
 * away too, as no real part has one without the other. AVX state is an XSAVE state
 * component (SDM Vol. 1 13.1, 14.3: AVX needs CPUID.1:ECX.XSAVE and XCR0[2]); the VEX
 * extensions need AVX; the XSAVE extensions (CPUID.(0DH,1):EAX) need XSAVE. Ordered so
 * that a chain (XSAVE, AVX, AVX2) resolves in one pass. */
static const struct {
    enum feature f, needs;
} feature_deps[] = {
    {FEAT_AVX, FEAT_XSAVE},      {FEAT_XSAVEOPT, FEAT_XSAVE}, {FEAT_XSAVEC, FEAT_XSAVE},
    {FEAT_XGETBV1, FEAT_XSAVE},  {FEAT_XSAVES, FEAT_XSAVE},   {FEAT_AVX2, FEAT_AVX},
    {FEAT_FMA, FEAT_AVX},        {FEAT_F16C, FEAT_AVX},       {FEAT_AVX512F, FEAT_AVX},
};

/* The machine's feature set: the model's defaults with the -cpu switches applied, then
 * what a switched-off feature takes with it (feature_deps). */
struct feature_cache *cpu_feature_cache(const struct cpu *c)
{
    struct machine *m = c->m;
    if (!m) return NULL;
    struct feature_cache *fc = &m->fcache;
    if (fc->valid && fc->model == m->cpu_model) return fc;
    struct cpu_features f = cpu_model_features((int)(cpu_model_of(c) - models));
    for (int w = 0; w < FW_COUNT; w++) f.w[w] = (f.w[w] | m->features_on[w]) & ~m->features_off[w];
    for (unsigned k = 0; k < ARRAY_LEN(feature_deps); k++)
        if (!features_has(&f, feature_deps[k].needs)) features_set(&f, feature_deps[k].f, false);
    memset(fc, 0, sizeof *fc);
    fc->model = m->cpu_model;
    memcpy(fc->words, f.w, sizeof f.w);
    fc->valid = true; /* the capability MSRs are computed from the words above */
    vmx_caps_fill(c, fc->vmx_msr, &fc->vmx_exists);
    return fc;
}

struct cpu_features cpu_features_of(const struct cpu *c)
{
    const struct feature_cache *fc = cpu_feature_cache(c);
    if (!fc) return cpu_model_features((int)(cpu_model_of(c) - models));
    struct cpu_features f;
    memcpy(f.w, fc->words, sizeof f.w);
    return f;
}

bool cpu_has(const struct cpu *c, enum feature f)
{
    /* Model defaults are already cut to what is implemented, and -cpu refuses to switch on
     * anything else; host tests may force a feature on to test its instructions. One word
     * of the cache, not a copy of all of them: instructions ask this on every execution. */
    const struct feature_cache *fc = cpu_feature_cache(c);
    if (fc) return (fc->words[f / 32] >> (f % 32)) & 1;
    struct cpu_features have = cpu_features_of(c);
    return features_has(&have, f);
}

unsigned cpu_phys_bits(const struct cpu *c) { return cpu_model_of(c)->phys_bits; }

unsigned cpu_lin_bits(const struct cpu *c)
{
    return cpu_has(c, FEAT_LA57) ? cpu_model_of(c)->lin_bits : 48;
}
