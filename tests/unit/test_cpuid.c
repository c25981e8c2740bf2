/* Host tests: CPU model table, the "model,+feat,-feat" parser, and CPUID per model. */
#include "check.h"
#include "harness.h"
#include "cpu/cpumodel.h"
#include "cpu/msr.h"

static u32 q[4];
static void cpuid(struct cpu *c, u32 leaf, u32 sub) { cpuid_query(c, leaf, sub, q); }
static bool bit(u32 reg, enum feature f) { return (reg >> (f % 32)) & 1; }

static void test_models(void)
{
    CHECK_EQ("cpumodel.default_is_index0", cpu_model_lookup(CPU_MODEL_DEFAULT), 0);
    CHECK("cpumodel.lookup", cpu_model_lookup("core2") >= 0 && cpu_model_lookup("westmere") >= 0 &&
          cpu_model_lookup("icelake") >= 0, "missing model");
    CHECK_EQ("cpumodel.unknown", cpu_model_lookup("pentium9"), -1);
    CHECK("cpumodel.name", strcmp(cpu_model_name(cpu_model_lookup("icelake")), "icelake") == 0, "name");

    int m;
    struct cpu_features f;
    char err[128];
    CHECK("cpumodel.parse.plain", cpu_model_parse("westmere", &m, &f, err, sizeof err) &&
          m == cpu_model_lookup("westmere") && features_has(&f, FEAT_PCID), "%s", err);
    CHECK("cpumodel.parse.switches", cpu_model_parse("skylake,-pcid,+x2apic,-SMAP", &m, &f, err, sizeof err) &&
          !features_has(&f, FEAT_PCID) && features_has(&f, FEAT_X2APIC) && !features_has(&f, FEAT_SMAP) &&
          features_has(&f, FEAT_SMEP), "%s", err);
    CHECK("cpumodel.parse.core2_plus_pdpe1gb", cpu_model_parse("core2,+pdpe1gb", &m, &f, err, sizeof err) &&
          features_has(&f, FEAT_PDPE1GB), "%s", err);
    CHECK("cpumodel.parse.unimplemented", !cpu_model_parse("skylake,+avx512f", &m, &f, err, sizeof err) &&
          strstr(err, "avx512f"), "accepted");
    CHECK("cpumodel.parse.unknown_feature", !cpu_model_parse("skylake,+warp", &m, &f, err, sizeof err), "accepted");
    CHECK("cpumodel.parse.unknown_model", !cpu_model_parse("k6", &m, &f, err, sizeof err), "accepted");
    CHECK("cpumodel.parse.empty_default", cpu_model_parse("", &m, &f, err, sizeof err) && m == 0, "%s", err);
    /* Never offered until implemented: AVX-512, hypervisor. Every model here had VT-x,
     * so each offers VMX by default; "-vmx" takes it away. */
    struct cpu_features impl = cpu_features_implemented();
    CHECK("cpumodel.not_offered",
          !features_has(&impl, FEAT_AVX512F) && !features_has(&impl, FEAT_HYPERVISOR), "offered");
    bool vmx_everywhere = true;
    for (int k = 0; k < cpu_model_count(); k++) {
        struct cpu_features d = cpu_model_features(k);
        vmx_everywhere &= features_has(&d, FEAT_VMX);
    }
    CHECK("cpumodel.vmx_on_by_default", vmx_everywhere, "a model lacks VMX by default");
    CHECK("cpumodel.parse.minus_vmx", cpu_model_parse("skylake,-vmx", &m, &f, err, sizeof err) &&
          !features_has(&f, FEAT_VMX), "%s", err);
}

static void test_leaves(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    char vendor[13] = {0};
    cpuid(c, 0, 0);
    memcpy(vendor, &q[1], 4);
    memcpy(vendor + 4, &q[3], 4);
    memcpy(vendor + 8, &q[2], 4);
    CHECK("cpuid.vendor", strcmp(vendor, "GenuineIntel") == 0, "%s", vendor);
    CHECK_EQ("cpuid.skylake.max_leaf", q[0], 0xd);

    cpuid(c, 1, 0);
    CHECK_EQ("cpuid.skylake.signature", q[0], 0x506e3);
    CHECK("cpuid.1.vmx_no_hypervisor", bit(q[2], FEAT_VMX) && !bit(q[2], FEAT_HYPERVISOR) &&
          bit(q[2], FEAT_XSAVE) && !bit(q[2], FEAT_OSXSAVE) && bit(q[2], FEAT_AVX), "ecx %#x", q[2]);
    CHECK("cpuid.1.baseline", bit(q[3], FEAT_FPU) && bit(q[3], FEAT_PAE) && bit(q[3], FEAT_APIC) &&
          bit(q[3], FEAT_SSE2) && bit(q[3], FEAT_FXSR) && bit(q[3], FEAT_VME) && bit(q[3], FEAT_MCA),
          "edx %#x", q[3]);
    CHECK("cpuid.1.skylake_ecx", bit(q[2], FEAT_PCID) && bit(q[2], FEAT_RDRAND) && bit(q[2], FEAT_X2APIC),
          "ecx %#x", q[2]);
    CHECK_EQ("cpuid.1.apic_id", q[1] >> 24, 0);
    CHECK("cpuid.1.monitor_follows_misc_enable", !bit(q[2], FEAT_MONITOR), "ecx %#x", q[2]);
    c->misc_enable |= MISC_ENABLE_MONITOR;
    cpuid(c, 1, 0);
    CHECK("cpuid.1.monitor_enabled", bit(q[2], FEAT_MONITOR), "ecx %#x", q[2]);
    c->apic_base &= ~APIC_BASE_EN;
    cpuid(c, 1, 0);
    CHECK("cpuid.1.apic_disabled", !bit(q[3], FEAT_APIC), "edx %#x", q[3]);

    cpuid(c, 7, 0);
    CHECK("cpuid.7.skylake", bit(q[1], FEAT_SMEP) && bit(q[1], FEAT_SMAP) && bit(q[1], FEAT_FSGSBASE) &&
          bit(q[1], FEAT_INVPCID) && bit(q[1], FEAT_AVX2) && !bit(q[2], FEAT_LA57) &&
          bit(q[1], FEAT_BMI1) && bit(q[1], FEAT_BMI2), "ebx %#x ecx %#x", q[1], q[2]);
    cpuid(c, 0x80000001, 0);
    CHECK("cpuid.ext1.long_mode", bit(q[3], FEAT_LM) && bit(q[3], FEAT_NX) && bit(q[3], FEAT_SYSCALL) &&
          bit(q[3], FEAT_PDPE1GB) && bit(q[3], FEAT_RDTSCP), "edx %#x", q[3]);
    c->mode = MODE_PROT; /* Intel reports SYSCALL only in 64-bit mode */
    cpuid(c, 0x80000001, 0);
    CHECK("cpuid.ext1.syscall_only_64", !bit(q[3], FEAT_SYSCALL), "edx %#x", q[3]);
    cpu_update_mode(c);
    cpuid(c, 0x80000008, 0);
    CHECK_EQ("cpuid.skylake.addr_bits", q[0], 39 | 48 << 8);
    cpuid(c, 0x80000002, 0);
    CHECK("cpuid.brand", memcmp(q, "Intel(R) Core(T", 15) == 0, "brand");
    cpuid(c, 4, 0);
    CHECK_EQ("cpuid.4.l1d", q[0] & 0xff, 0x21);
    cpuid(c, 4, 5);
    CHECK_EQ("cpuid.4.end", q[0] & 0x1f, 0);
    cpuid(c, 0xb, 1);
    CHECK_EQ("cpuid.b.core_level", (q[2] >> 8) & 0xff, 2);
    /* Above the maximum: the highest basic leaf's data (leaf 0DH: zero without XSAVE). */
    u32 hi[4];
    cpuid(c, 0xd, 0);
    memcpy(hi, q, sizeof q);
    cpuid(c, 0x20, 0);
    CHECK("cpuid.above_max_basic", memcmp(hi, q, sizeof q) == 0, "differs");
    cpuid(c, 0x80000020, 0);
    CHECK("cpuid.above_max_ext", memcmp(hi, q, sizeof q) == 0, "differs");
    c->misc_enable |= MISC_ENABLE_LIMIT_CPUID;
    cpuid(c, 0, 0);
    CHECK_EQ("cpuid.limit_cpuid_maxval", q[0], 2);
    c->misc_enable &= ~MISC_ENABLE_LIMIT_CPUID;

    h->m->cpu_model = cpu_model_lookup("core2");
    cpuid(c, 1, 0);
    CHECK_EQ("cpuid.core2.signature", q[0], 0x1067a);
    CHECK("cpuid.core2.no_pcid", !bit(q[2], FEAT_PCID) && !bit(q[2], FEAT_X2APIC), "ecx %#x", q[2]);
    cpuid(c, 0x80000001, 0);
    CHECK("cpuid.core2.no_1g_no_rdtscp", !bit(q[3], FEAT_PDPE1GB) && !bit(q[3], FEAT_RDTSCP), "edx %#x", q[3]);
    cpuid(c, 0x80000008, 0);
    CHECK_EQ("cpuid.core2.addr_bits", q[0], 36 | 48 << 8);
    cpuid(c, 7, 0);
    CHECK_EQ("cpuid.core2.leaf7_beyond_max", q[1], 0);

    h->m->cpu_model = cpu_model_lookup("westmere");
    cpuid(c, 1, 0);
    CHECK_EQ("cpuid.westmere.signature", q[0], 0x206c2);
    CHECK("cpuid.westmere.pcid", bit(q[2], FEAT_PCID) && !bit(q[2], FEAT_TSC_DEADLINE), "ecx %#x", q[2]);

    h->m->cpu_model = cpu_model_lookup("icelake");
    cpuid(c, 1, 0);
    CHECK_EQ("cpuid.icelake.signature", q[0], 0x606a6);
    cpuid(c, 7, 0);
    CHECK("cpuid.icelake.leaf7", bit(q[2], FEAT_LA57) && bit(q[2], FEAT_UMIP) && bit(q[2], FEAT_RDPID) &&
          !bit(q[2], FEAT_PKU) && bit(q[3], FEAT_ARCH_CAPABILITIES), "ecx %#x edx %#x", q[2], q[3]);
    cpuid(c, 0x80000008, 0);
    CHECK_EQ("cpuid.icelake.addr_bits", q[0], 46 | 57 << 8);
    harness_free(h);
}

/* Every model offers no bit its real part lacks, and the bits it leaves out are named in
 * cpumodel.c's notes. Real values, CPUID dumps (InstLatx64 format) and /proc/cpuinfo of the
 * parts: E8400 (1067AH): 1:ECX 0C08E3FDH (as dumped, OSXSAVE set by the OS), 1:EDX
 * BFEBFBFFH; i7-6700 (506E3H) and its same-core successors (906E9H): 1:ECX 7FFAFBFFH (SMX
 * included), 7:EBX 029C6FBFH; X5650 (206C2H): 1:ECX 02BEE3FFH (PCID, DCA, x2APIC, AES),
 * 80000001H:EDX 2C100800H (1-GByte pages, RDTSCP) on all but Penryn (20100800H);
 * 80000001H:ECX 121H (LAHF, LZCNT, PREFETCHW) from Broadwell on, 1 before. Ice Lake-SP
 * (606A6H): 7:EBX bits 6 and 13 set (SDM Vol. 1 8.1.8; the Sunny Cove dumps). */
static void test_truth(void)
{
    static const struct {
        const char *model;
        u32 ecx1, edx1, ebx7, ecx81, edx81;
    } real[] = {
        {"core2", 0x0c08e3fd, 0xbfebfbff, 0, 0x001, 0x20100800},
        {"westmere", 0x02bee3ff, 0xbfebfbff, 0, 0x001, 0x2c100800},
        {"skylake", 0x7ffafbff, 0xbfebfbff, 0x029c6fbf, 0x121, 0x2c100800},
        {"icelake", 0x7ffefbff, 0xbfebfbff, 0xffffffff, 0x121, 0x2c100800},
    };
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    char nm[64];
    for (size_t k = 0; k < ARRAY_LEN(real); k++) {
        h->m->cpu_model = cpu_model_lookup(real[k].model);
        cpuid(c, 1, 0);
        snprintf(nm, sizeof nm, "cpuid.truth.%s.leaf1_ecx", real[k].model);
        CHECK_EQ(nm, q[2] & ~real[k].ecx1, 0);
        snprintf(nm, sizeof nm, "cpuid.truth.%s.leaf1_edx", real[k].model);
        CHECK_EQ(nm, q[3] & ~real[k].edx1, 0);
        cpuid(c, 7, 0);
        snprintf(nm, sizeof nm, "cpuid.truth.%s.leaf7_ebx", real[k].model);
        CHECK_EQ(nm, q[1] & ~real[k].ebx7, 0);
        cpuid(c, 0x80000001, 0);
        snprintf(nm, sizeof nm, "cpuid.truth.%s.ext1_ecx", real[k].model);
        CHECK_EQ(nm, q[2], real[k].ecx81); /* all implemented: equal */
        snprintf(nm, sizeof nm, "cpuid.truth.%s.ext1_edx", real[k].model);
        CHECK_EQ(nm, q[3], real[k].edx81);
    }
    /* FCS/FDS deprecation: Skylake and Ice Lake report it (and x87_env.c stores zeros);
     * FDP_EXCPTN_ONLY (Ice Lake) stays unoffered: FDP is updated as the older parts do. */
    h->m->cpu_model = cpu_model_lookup("skylake");
    cpuid(c, 7, 0);
    CHECK("cpuid.skylake.zero_fcs_fds", bit(q[1], FEAT_ZERO_FCS_FDS) &&
          !bit(q[1], FEAT_FDP_EXCPTN_ONLY), "ebx %#x", q[1]);
    h->m->cpu_model = cpu_model_lookup("icelake");
    cpuid(c, 7, 0);
    CHECK("cpuid.icelake.zero_fcs_fds", bit(q[1], FEAT_ZERO_FCS_FDS) &&
          !bit(q[1], FEAT_FDP_EXCPTN_ONLY) && !bit(q[1], FEAT_AVX512F), "ebx %#x", q[1]);
    /* Brand strings (leaves 80000002H-4H) as the parts' /proc/cpuinfo model names show them. */
    static const struct {
        const char *model, *brand;
    } brands[] = {
        {"core2", "Intel(R) Core(TM)2 Duo CPU     E8400  @ 3.00GHz"},
        {"westmere", "Intel(R) Xeon(R) CPU           X5650  @ 2.67GHz"},
        {"skylake", "Intel(R) Core(TM) i7-6700 CPU @ 3.40GHz"},
        {"icelake", "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz"},
    };
    for (size_t k = 0; k < ARRAY_LEN(brands); k++) {
        h->m->cpu_model = cpu_model_lookup(brands[k].model);
        char br[49] = {0};
        for (u32 l = 0; l < 3; l++) {
            cpuid(c, 0x80000002 + l, 0);
            memcpy(br + 16 * l, q, 16);
        }
        snprintf(nm, sizeof nm, "cpuid.truth.%s.brand", brands[k].model);
        CHECK(nm, strcmp(br, brands[k].brand) == 0, "'%s'", br);
    }
    h->m->cpu_model = cpu_model_lookup("westmere"); /* maximum leaf 0BH: leaf 7 is zero */
    cpuid(c, 7, 0);
    CHECK_EQ("cpuid.westmere.leaf7_ebx", q[1], 0);
    /* Leaf 0DH on skylake: XCR0 bits x87|SSE|AVX (the part also has MPX's 3 and 4, which
     * are not implemented: 1FH, 440H there), 576 bytes for XCR0 = 1 or 3, 832 for all,
     * sub-leaf 1 EAX 0FH as on the part; component 2 at 576, 256 bytes (SDM 13.4). */
    h->m->cpu_model = cpu_model_lookup("skylake");
    cpuid(c, 0xd, 0);
    CHECK("cpuid.skylake.leaf_d0", q[0] == 7 && q[1] == 0x240 && q[2] == 0x340 && q[3] == 0,
          "%#x %#x %#x %#x", q[0], q[1], q[2], q[3]);
    cpuid(c, 0xd, 1);
    CHECK_EQ("cpuid.skylake.leaf_d1_eax", q[0], 0xf);
    cpuid(c, 0xd, 2);
    CHECK("cpuid.skylake.leaf_d2", q[0] == 0x100 && q[1] == 0x240, "%#x %#x", q[0], q[1]);
    harness_free(h);
}

int main(void)
{
    test_models();
    test_leaves();
    test_truth();
    return check_exit();
}
