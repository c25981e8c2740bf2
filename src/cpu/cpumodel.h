/* CPU models: which processor Vanderpool presents (identification, address widths,
 * feature flags) and how a command-line spec such as "skylake,-pcid,+x2apic" selects one.
 *
 * A model lists the features of the real part. What the guest sees is that set restricted
 * to what the emulator implements (cpu_features_implemented()) and adjusted by the user's
 * +/- switches. Every instruction and MSR that depends on a feature asks cpu_has(), so
 * CPUID and behaviour never disagree. Model-specific capability data that later issues
 * need (VMX capability MSRs) hangs off the model through `vmx`. */
#ifndef VP_CPUMODEL_H
#define VP_CPUMODEL_H

#include <stdio.h>

#include "cpu.h"

/* Feature words: one per CPUID register that carries feature flags, then the VMX
 * capabilities that -cpu can switch (src/vmx/caps.c), which are not CPUID bits: the
 * allowed-1 bits of the pin-based, primary and secondary processor-based, VM-exit and
 * VM-entry controls, IA32_VMX_BASIC[63:32] and IA32_VMX_MISC[31:0]. A model's VMX words
 * come from its vmx_caps table cut to what is implemented. */
enum feature_word {
    FW_1_ECX, FW_1_EDX, FW_7_EBX, FW_7_ECX, FW_7_EDX, FW_81_ECX, FW_81_EDX,
    FW_6_EAX, FW_87_EDX, FW_D1_EAX,
    FW_VMX_PIN, FW_VMX_PROC, FW_VMX_PROC2, FW_VMX_EXIT, FW_VMX_ENTRY, FW_VMX_BASIC_HI,
    FW_VMX_MISC, FW_COUNT
};
#define FEAT(word, bit) ((word) * 32 + (bit))

/* Feature flags, named after the SDM's CPUID bit names (SDM Vol. 2 CPUID tables 3-8..3-10). */
enum feature {
    /* CPUID.1:EDX */
    FEAT_FPU = FEAT(FW_1_EDX, 0), FEAT_VME = FEAT(FW_1_EDX, 1), FEAT_DE = FEAT(FW_1_EDX, 2),
    FEAT_PSE = FEAT(FW_1_EDX, 3), FEAT_TSC = FEAT(FW_1_EDX, 4), FEAT_MSR = FEAT(FW_1_EDX, 5),
    FEAT_PAE = FEAT(FW_1_EDX, 6), FEAT_MCE = FEAT(FW_1_EDX, 7), FEAT_CX8 = FEAT(FW_1_EDX, 8),
    FEAT_APIC = FEAT(FW_1_EDX, 9), FEAT_SEP = FEAT(FW_1_EDX, 11), FEAT_MTRR = FEAT(FW_1_EDX, 12),
    FEAT_PGE = FEAT(FW_1_EDX, 13), FEAT_MCA = FEAT(FW_1_EDX, 14), FEAT_CMOV = FEAT(FW_1_EDX, 15),
    FEAT_PAT = FEAT(FW_1_EDX, 16), FEAT_PSE36 = FEAT(FW_1_EDX, 17), FEAT_CLFSH = FEAT(FW_1_EDX, 19),
    FEAT_DS = FEAT(FW_1_EDX, 21), FEAT_ACPI = FEAT(FW_1_EDX, 22), FEAT_MMX = FEAT(FW_1_EDX, 23),
    FEAT_FXSR = FEAT(FW_1_EDX, 24), FEAT_SSE = FEAT(FW_1_EDX, 25), FEAT_SSE2 = FEAT(FW_1_EDX, 26),
    FEAT_SS = FEAT(FW_1_EDX, 27), FEAT_HTT = FEAT(FW_1_EDX, 28), FEAT_TM = FEAT(FW_1_EDX, 29),
    FEAT_PBE = FEAT(FW_1_EDX, 31),
    /* CPUID.1:ECX */
    FEAT_SSE3 = FEAT(FW_1_ECX, 0), FEAT_PCLMULQDQ = FEAT(FW_1_ECX, 1),
    FEAT_DTES64 = FEAT(FW_1_ECX, 2), FEAT_MONITOR = FEAT(FW_1_ECX, 3),
    FEAT_DSCPL = FEAT(FW_1_ECX, 4), FEAT_VMX = FEAT(FW_1_ECX, 5), FEAT_SMX = FEAT(FW_1_ECX, 6),
    FEAT_EIST = FEAT(FW_1_ECX, 7), FEAT_TM2 = FEAT(FW_1_ECX, 8), FEAT_SSSE3 = FEAT(FW_1_ECX, 9),
    FEAT_FMA = FEAT(FW_1_ECX, 12), FEAT_CX16 = FEAT(FW_1_ECX, 13), FEAT_XTPR = FEAT(FW_1_ECX, 14),
    FEAT_PDCM = FEAT(FW_1_ECX, 15), FEAT_PCID = FEAT(FW_1_ECX, 17), FEAT_SSE41 = FEAT(FW_1_ECX, 19),
    FEAT_SSE42 = FEAT(FW_1_ECX, 20), FEAT_X2APIC = FEAT(FW_1_ECX, 21),
    FEAT_MOVBE = FEAT(FW_1_ECX, 22), FEAT_POPCNT = FEAT(FW_1_ECX, 23),
    FEAT_TSC_DEADLINE = FEAT(FW_1_ECX, 24), FEAT_AES = FEAT(FW_1_ECX, 25),
    FEAT_XSAVE = FEAT(FW_1_ECX, 26), FEAT_OSXSAVE = FEAT(FW_1_ECX, 27), FEAT_AVX = FEAT(FW_1_ECX, 28),
    FEAT_F16C = FEAT(FW_1_ECX, 29), FEAT_RDRAND = FEAT(FW_1_ECX, 30),
    FEAT_HYPERVISOR = FEAT(FW_1_ECX, 31),
    /* CPUID.(7,0):EBX */
    FEAT_FSGSBASE = FEAT(FW_7_EBX, 0), FEAT_TSC_ADJUST = FEAT(FW_7_EBX, 1),
    FEAT_BMI1 = FEAT(FW_7_EBX, 3), FEAT_HLE = FEAT(FW_7_EBX, 4), FEAT_AVX2 = FEAT(FW_7_EBX, 5),
    FEAT_FDP_EXCPTN_ONLY = FEAT(FW_7_EBX, 6), FEAT_ZERO_FCS_FDS = FEAT(FW_7_EBX, 13),
    FEAT_SMEP = FEAT(FW_7_EBX, 7), FEAT_BMI2 = FEAT(FW_7_EBX, 8), FEAT_ERMS = FEAT(FW_7_EBX, 9),
    FEAT_INVPCID = FEAT(FW_7_EBX, 10), FEAT_RTM = FEAT(FW_7_EBX, 11), FEAT_MPX = FEAT(FW_7_EBX, 14),
    FEAT_AVX512F = FEAT(FW_7_EBX, 16), FEAT_RDSEED = FEAT(FW_7_EBX, 18), FEAT_ADX = FEAT(FW_7_EBX, 19),
    FEAT_SMAP = FEAT(FW_7_EBX, 20), FEAT_CLFLUSHOPT = FEAT(FW_7_EBX, 23), FEAT_CLWB = FEAT(FW_7_EBX, 24),
    FEAT_SHA = FEAT(FW_7_EBX, 29),
    /* CPUID.(7,0):ECX */
    FEAT_UMIP = FEAT(FW_7_ECX, 2), FEAT_PKU = FEAT(FW_7_ECX, 3), FEAT_LA57 = FEAT(FW_7_ECX, 16),
    FEAT_RDPID = FEAT(FW_7_ECX, 22),
    /* CPUID.(7,0):EDX */
    FEAT_MD_CLEAR = FEAT(FW_7_EDX, 10), FEAT_SPEC_CTRL = FEAT(FW_7_EDX, 26),
    FEAT_STIBP = FEAT(FW_7_EDX, 27), FEAT_ARCH_CAPABILITIES = FEAT(FW_7_EDX, 29),
    FEAT_SSBD = FEAT(FW_7_EDX, 31),
    /* CPUID.80000001H */
    FEAT_LAHF_LM = FEAT(FW_81_ECX, 0), FEAT_ABM = FEAT(FW_81_ECX, 5),
    FEAT_PREFETCHW = FEAT(FW_81_ECX, 8),
    FEAT_SYSCALL = FEAT(FW_81_EDX, 11), FEAT_NX = FEAT(FW_81_EDX, 20),
    FEAT_PDPE1GB = FEAT(FW_81_EDX, 26), FEAT_RDTSCP = FEAT(FW_81_EDX, 27), FEAT_LM = FEAT(FW_81_EDX, 29),
    /* CPUID.6:EAX and CPUID.80000007H:EDX */
    FEAT_ARAT = FEAT(FW_6_EAX, 2), FEAT_INVTSC = FEAT(FW_87_EDX, 8),
    /* CPUID.(0DH,1):EAX, the XSAVE extensions (SDM Vol. 2 CPUID leaf 0DH) */
    FEAT_XSAVEOPT = FEAT(FW_D1_EAX, 0), FEAT_XSAVEC = FEAT(FW_D1_EAX, 1),
    FEAT_XGETBV1 = FEAT(FW_D1_EAX, 2), FEAT_XSAVES = FEAT(FW_D1_EAX, 3),
};

struct cpu_features {
    u32 w[FW_COUNT];
};

static inline bool features_has(const struct cpu_features *f, enum feature x)
{
    return (f->w[x / 32] >> (x % 32)) & 1;
}
static inline void features_set(struct cpu_features *f, enum feature x, bool on)
{
    if (on) f->w[x / 32] |= 1u << (x % 32);
    else f->w[x / 32] &= ~(1u << (x % 32));
}

/* One level of the cache hierarchy, for CPUID leaf 4 (SDM Vol. 2 CPUID Table 3-8). */
struct cache_desc {
    u8 level, type; /* type: 1 data, 2 instruction, 3 unified */
    u8 ways, shared_log2; /* shared_log2: log2 of logical processors sharing it (0 = per core) */
    u32 sets;       /* line size is always 64 bytes, one partition */
};

struct vmx_caps; /* VMX capability MSR values per model (src/vmx, next issue) */

struct cpu_model {
    const char *name, *desc;
    u8 family, model, stepping;
    u8 phys_bits, lin_bits;   /* MAXPHYADDR and linear-address width (CPUID 80000008H) */
    u32 max_leaf, max_ext_leaf;
    u32 platform_id;          /* IA32_PLATFORM_ID[52:50] */
    u32 ucode_rev;            /* IA32_BIOS_SIGN_ID[63:32] */
    u8 mtrr_vcnt;             /* variable-range MTRR pairs (IA32_MTRRCAP.VCNT) */
    const char *brand;        /* 48-byte brand string (CPUID 80000002H-80000004H) */
    struct cache_desc caches[4];
    u64 arch_capabilities;    /* IA32_ARCH_CAPABILITIES when offered */
    u64 mcg_cap;              /* IA32_MCG_CAP when MCA is offered (bank count, CMCI_P...) */
    u8 base_ratio;            /* base bus ratio (IA32_PERF_STATUS[15:8]) */
    u64 perf_capabilities;    /* the real part's IA32_PERF_CAPABILITIES (lbr.c reports the
                                 bits Vanderpool implements when PDCM is offered) */
    struct cpu_features hw;   /* what the real processor has */
    const struct vmx_caps *vmx; /* NULL until VMX lands */
};

#define CPU_MODEL_DEFAULT "skylake"

/* Model table queries. Indexes are stable for the process lifetime. */
int cpu_model_count(void);
int cpu_model_lookup(const char *name); /* -1 if unknown */
const char *cpu_model_name(int model);
const struct cpu_model *cpu_model_get(int model); /* NULL if out of range */
/* Print "  name  description" lines for -cpu help, then the feature and VMX switch names. */
void cpu_model_list(FILE *out);

/* Features the emulator implements: the upper bound of what may be offered. */
struct cpu_features cpu_features_implemented(void);
/* What a model offers by default: hw & implemented. */
struct cpu_features cpu_model_features(int model);

/* Parse "model[,+feat|,-feat|,feat]..." (e.g. "skylake,-pcid,+x2apic"). An empty or NULL
 * spec means the default model. On success fills *model and *out (the offered feature set);
 * on failure writes a one-line reason into err and returns false. Turning on a feature the
 * emulator does not implement is an error. Feature names are the lower-case SDM names with
 * '-' or '_' for separators (e.g. "tsc-deadline", "pdpe1gb"). */
bool cpu_model_parse(const char *spec, int *model, struct cpu_features *out, char *err,
                     size_t errlen);
/* Name of a feature for messages and --help ("x2apic"), or NULL. */
const char *cpu_feature_name(enum feature f);

/* The feature set the processor `c` offers. Until struct machine carries the parsed
 * feature set (see report), this is the model's default set. */
struct cpu_features cpu_features_of(const struct cpu *c);
/* The machine's derived-feature cache, brought up to date with its model and -cpu
 * switches (struct feature_cache, machine.h); NULL for a processor without a machine. */
struct feature_cache *cpu_feature_cache(const struct cpu *c);
const struct cpu_model *cpu_model_of(const struct cpu *c);
bool cpu_has(const struct cpu *c, enum feature f);

/* MAXPHYADDR of the processor's model (SDM Vol. 3 4.1.4). */
unsigned cpu_phys_bits(const struct cpu *c);
/* Linear-address width (CPUID 80000008H:EAX[15:8]): 57 on a model with 5-level paging,
 * 48 when LA57 is not offered. */
unsigned cpu_lin_bits(const struct cpu *c);

#endif
