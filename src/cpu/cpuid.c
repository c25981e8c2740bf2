/* CPUID: what the processor reports about itself (SDM Vol. 2 CPUID). Everything comes from
 * the CPU model restricted to what Vanderpool implements (cpumodel.c), plus the few bits
 * that reflect live state (APIC enable, MISC_ENABLE, the executing mode). */
#include <string.h>

#include "../machine/machine.h"
#include "cpumodel.h"
#include "msr.h"
#include "xsave.h"

/* Smallest power of two >= n (topology fields count in powers of two). */
static unsigned pow2_ceil(unsigned n)
{
    unsigned p = 1;
    while (p < n) p <<= 1;
    return p;
}
static unsigned log2_ceil(unsigned n)
{
    unsigned s = 0;
    while ((1u << s) < n) s++;
    return s;
}

/* Every processor is a core of one package, one thread per core; APIC ID = c->index. */
static unsigned ncpus(const struct cpu *c)
{
    return c->m && c->m->ncpus > 0 ? (unsigned)c->m->ncpus : 1;
}

/* Leaf 4: deterministic cache parameters (SDM Vol. 2 Table 3-8, leaf 04H). */
static void leaf4(const struct cpu *c, const struct cpu_model *m, u32 sub, u32 out[4])
{
    if (sub >= ARRAY_LEN(m->caches) || m->caches[sub].level == 0) return;
    const struct cache_desc *d = &m->caches[sub];
    unsigned cores = pow2_ceil(ncpus(c));
    if (cores > 64) cores = 64;
    unsigned sharing = d->shared_log2 ? cores : 1;
    out[0] = d->type | (u32)d->level << 5 | BIT(8) /* self-initialising */ |
             (u32)(sharing - 1) << 14 | (u32)(cores - 1) << 26;
    out[1] = 63u | 0u << 12 | (u32)(d->ways - 1) << 22;
    out[2] = d->sets - 1;
    out[3] = 0;
}

/* Leaf 0BH: x2APIC topology: level 0 SMT (1 thread), level 1 core (SDM Vol. 3 10.9.2). */
static void leafb(const struct cpu *c, u32 sub, u32 out[4])
{
    out[3] = (u32)c->index;
    out[2] = sub & 0xff;
    if (sub == 0) {
        out[0] = 0;
        out[1] = 1;
        out[2] |= 1u << 8;
    } else if (sub == 1) {
        out[0] = log2_ceil(ncpus(c));
        out[1] = ncpus(c);
        out[2] |= 2u << 8;
    }
}

/* L2 associativity encoding of leaf 80000006H. */
static u32 l2_assoc_code(unsigned ways)
{
    switch (ways) {
    case 1: return 1;
    case 2: return 2;
    case 4: return 4;
    case 8: return 6;
    case 16: return 8;
    case 32: return 0xa;
    default: return 7; /* "see CPUID leaf 04H, sub-leaf 2" */
    }
}

static void basic_leaf(struct cpu *c, const struct cpu_model *m, const struct cpu_features *f,
                       u32 leaf, u32 sub, u32 out[4])
{
    switch (leaf) {
    case 0:
        /* MISC_ENABLE.LIMIT_CPUID caps the reported maximum at 2 (SDM Vol. 4 Table 2-2). */
        out[0] = (c->misc_enable & MISC_ENABLE_LIMIT_CPUID) ? 2 : m->max_leaf;
        memcpy(&out[1], "Genu", 4);
        memcpy(&out[3], "ineI", 4);
        memcpy(&out[2], "ntel", 4);
        break;
    case 1: {
        out[0] = m->stepping | (u32)(m->model & 0xf) << 4 | (u32)(m->family & 0xf) << 8 |
                 (u32)(m->model >> 4) << 16;
        unsigned logical = pow2_ceil(ncpus(c));
        if (logical > 255) logical = 255;
        out[1] = 8u << 8 /* CLFLUSH line: 8 * 8 bytes */ | (u32)logical << 16 |
                 (u32)(c->index & 0xff) << 24;
        out[2] = f->w[FW_1_ECX];
        out[3] = f->w[FW_1_EDX];
        /* MONITOR/MWAIT disabled through MISC_ENABLE[18] disappears from CPUID. */
        if (!(c->misc_enable & MISC_ENABLE_MONITOR)) out[2] &= ~(1u << (FEAT_MONITOR % 32));
        if ((c->cr4 & CR4_OSXSAVE) && features_has(f, FEAT_XSAVE))
            out[2] |= 1u << (FEAT_OSXSAVE % 32);
        /* A disabled local APIC clears CPUID.1:EDX.APIC (SDM Vol. 3 11.4.3). */
        if (!(c->apic_base & APIC_BASE_EN)) out[3] &= ~(1u << (FEAT_APIC % 32));
        break;
    }
    case 2:
        out[0] = 0x00ff0001; /* descriptor FFh: use leaf 4 */
        break;
    case 4:
        leaf4(c, m, sub, out);
        break;
    case 5:
        /* 64-byte monitor line; MWAIT extensions supported, no C-state sub-states so
         * kernels idle with HLT (MWAIT is a NOP here, see system.c). */
        if (features_has(f, FEAT_MONITOR)) {
            out[0] = out[1] = 64;
            out[2] = 3;
        }
        break;
    case 6:
        out[0] = f->w[FW_6_EAX];
        break;
    case 7:
        if (sub == 0) {
            out[1] = f->w[FW_7_EBX];
            out[2] = f->w[FW_7_ECX];
            out[3] = f->w[FW_7_EDX];
        }
        break;
    case 0xb:
        leafb(c, sub, out);
        break;
    case 0xd:
        xsave_cpuid(c, sub, out); /* zero without XSAVE */
        break;
    default:
        break; /* 3, 8, 9, 0AH (no architectural PMU), 0CH: all zero */
    }
}

void cpuid_query(struct cpu *c, u32 leaf, u32 subleaf, u32 out[4])
{
    const struct cpu_model *m = cpu_model_of(c);
    struct cpu_features f = cpu_features_of(c);
    u32 max_basic = (c->misc_enable & MISC_ENABLE_LIMIT_CPUID) ? 2 : m->max_leaf;
    out[0] = out[1] = out[2] = out[3] = 0;

    /* Beyond the maximum basic or extended leaf, Intel returns the highest basic leaf
     * (SDM Vol. 2 CPUID, "If a value entered for CPUID.EAX is higher than the maximum"). */
    bool ext = leaf >= 0x80000000u;
    if ((!ext && leaf > max_basic) || (ext && leaf > m->max_ext_leaf)) {
        basic_leaf(c, m, &f, m->max_leaf, subleaf, out);
        return;
    }
    if (!ext) {
        basic_leaf(c, m, &f, leaf, subleaf, out);
        return;
    }
    switch (leaf) {
    case 0x80000000:
        out[0] = m->max_ext_leaf;
        break;
    case 0x80000001:
        out[2] = f.w[FW_81_ECX];
        out[3] = f.w[FW_81_EDX];
        /* Intel reports SYSCALL/SYSRET only when CPUID runs in 64-bit mode, the only mode
         * in which they exist on Intel (SDM Vol. 2 CPUID 80000001H:EDX[11]). */
        if (c->mode != MODE_LONG) out[3] &= ~(1u << (FEAT_SYSCALL % 32));
        /* MISC_ENABLE.XD_DISABLE hides NX (SDM Vol. 4 Table 2-2, bit 34). */
        if (c->misc_enable & MISC_ENABLE_XD_DISABLE) out[3] &= ~(1u << (FEAT_NX % 32));
        break;
    case 0x80000002: case 0x80000003: case 0x80000004: {
        char brand[48] = {0};
        size_t n = strlen(m->brand);
        memcpy(brand, m->brand, n < 47 ? n : 47);
        memcpy(out, brand + (leaf - 0x80000002) * 16, 16);
        break;
    }
    case 0x80000006:
        for (size_t k = 0; k < ARRAY_LEN(m->caches); k++) {
            const struct cache_desc *d = &m->caches[k];
            if (d->level != 2) continue;
            u32 kb = (u32)d->ways * d->sets * 64 / 1024;
            out[2] = 64 | l2_assoc_code(d->ways) << 12 | kb << 16;
        }
        break;
    case 0x80000007:
        out[3] = f.w[FW_87_EDX];
        break;
    case 0x80000008:
        out[0] = m->phys_bits | (u32)cpu_lin_bits(c) << 8;
        break;
    default:
        break;
    }
}
