/* EPT for fuzz_vmentry.c (issue 7: the fuzzer learns EPT pointers and EPT tables). From an
 * 8-byte block of the input it turns on "enable EPT" and, where the model's capability MSRs
 * offer them, unrestricted guest (optionally with an unpaged 32-bit guest), VPID, PML,
 * EPT-violation #VE and VMFUNC EPTP switching, and a 32-bit guest (PAE paging, whose
 * PDPTEs come from the VMCS, or unpaged); builds an identity EPT of the first 16 MiB in
 * guest RAM (4 or 5 levels; 4 KiB, 2 MiB or 1 GiB leaves) and applies fuzzer-chosen
 * mutations to its entries and to the EPT pointer, biased toward entries the guest uses.
 * Then it checks what the SDM says of entry with bad EPT-related controls and of EPT exits.
 *
 * Block: feature bits (ept_feat), layout (bits 2:0 4 KiB pages for 0-2 MiB, for 2-4 MiB,
 * 1 GiB leaf; 5:3 leaf memory type; 6 ignore PAT; 7 EPTP type UC), VPID (2 bytes), PML
 * index (2), misc (bit 0 suppress #VE in leaves, bit 1 #VE exits by the exception bitmap,
 * bit 2 PAE rather than unpaged for the 32-bit guest, 7:3 a bit to flip in the third
 * EPTP-list entry), mutation count; then 4 bytes a mutation: table, index, operation,
 * argument. */
#ifndef VP_FUZZ_EPT_H
#define VP_FUZZ_EPT_H

#include <string.h>

#include "vmx/ept.h"
#include "vmx_guest.h"

#define EPT_BLOCK 8
#define EPT_MAX_MUTATIONS 8
/* Everything the walker may read lives in one 64 KiB region the invariants can watch. */
#define EPT_REGION 0x300000u
#define EPT_REGION_SIZE 0x10000u
#define EPT_PML5 (EPT_REGION + 0x0000)
#define EPT_PML4 (EPT_REGION + 0x1000)
#define EPT_PDPT (EPT_REGION + 0x2000)
#define EPT_PD (EPT_REGION + 0x3000)
#define EPT_PT(k) (EPT_REGION + 0x4000 + 0x1000 * (k)) /* guest-physical k * 2 MiB */
#define EPT_PML4_ALT (EPT_REGION + 0xc000)             /* second EP4TA, for EPTP switching */
#define PML_LOG 0x310000u
#define VE_INFO 0x311000u
#define EPTP_LIST 0x312000u
#define PAE_PDPT (HARNESS_PT + 0x3000) /* a 32-bit PAE guest's PDPT: the harness's PD at 0 */
#define ADDR_MASK 0x000ffffffffff000ull

enum ept_feat {
    F_UG = 1,
    F_VPID = 2,
    F_PML = 4,
    F_VE = 8,
    F_VMFUNC = 16,
    F_PWL5 = 32,
    F_AD = 64,
    F_GUEST32 = 128
};

/* What the run's invariants need to know about the EPT set up for it. */
struct ept_fuzz {
    bool on;    /* the EPT block was used (the model offers EPT) */
    bool watch; /* the region is as built (A/D flags aside): walks can be checked */
    u64 cap;    /* IA32_VMX_EPT_VPID_CAP */
    u8 snap[EPT_REGION_SIZE];
};

static u64 ept_rd(struct harness *h, u64 pa)
{
    return phys_read(h->m, h->c, pa, 8);
}
static void ept_wr(struct harness *h, u64 pa, u64 v)
{
    phys_write(h->m, h->c, pa, 8, v);
}
static u64 allowed2(struct harness *h)
{
    if (!(vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS) >> 32 & CPU_SECONDARY_CONTROLS)) return 0;
    return vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS2) >> 32;
}

/* Entries a guest of this harness uses: code 0x10800, stack below 0x90000, GDT 0x1000,
 * its page tables 0x20000-0x22fff, the data page, the VMCS, the EPT tables themselves. */
static unsigned hot_index(unsigned table, u8 b)
{
    static const u16 hot[3][8] = {
        {0, 0, 0, 0, 1, 2, 3, 511},                             /* PML5, PML4, PDPT */
        {0x10, 0x8f, 0x01, 0x20, 0x21, 0x22, 0x00, 0x90},       /* PT of 0-2 MiB */
        {0x08, 0x100, 0x101, 0x102, 0x103, 0x104, 0x110, 0x01}, /* PT of 2-4 MiB */
    };
    if (!(b & 0x80)) return b;
    return table == 4   ? hot[1][b & 7]
           : table == 5 ? hot[2][b & 7]
           : table == 3 ? (b & 1)
                        : hot[0][b & 7];
}

/* One mutation of an EPT entry (SDM 29.3.2 Tables 29-1 to 29-6). */
static u64 mutate_epte(u64 e, unsigned op, u8 arg, unsigned maxphy)
{
    static const u64 targets[8] = {SCRATCH,      EPT_PD,   EPT_PT(0),  0,
                                   HARNESS_CODE, EPT_PML4, HARNESS_PT, 1u << 24};
    static const u8 perms[4] = {2, 4, 6, 1}; /* write-only, execute-only, W+X, read-only */
    switch (op % 16) {
    case 0:
    case 1:
    case 2: return (e & ~7ull) | (arg & 7);
    case 3: return e ^ EPTE_XU;
    case 4: return (e & ~0x38ull) | (u64)(arg & 7) << 3; /* types 2, 3, 7 misconfigure */
    case 5: return e ^ EPTE_IPAT;
    case 6: return e ^ EPTE_PS;
    case 7: return e | 1ull << ((arg & 1) ? 12 + (arg >> 1) % 18 : 3 + (arg >> 1) % 5);
    case 8: return maxphy < 52 ? e | 1ull << (maxphy + arg % (52 - maxphy)) : e;
    case 9: return e ^ ((u64)(arg & 3) << 8); /* accessed, dirty */
    case 10: return e ^ EPTE_SUPPRESS_VE;
    case 11: return e ^ 1ull << (arg & 63);
    case 12: return e & ~(7ull | EPTE_XU); /* not present */
    case 13: return (e & ~ADDR_MASK) | targets[arg & 7];
    case 14: return arg & 1 ? ~0ull : (u64)arg << 12 | 7;
    default: return (e & ~7ull) | perms[arg & 3];
    }
}

/* One mutation of an EPT pointer (SDM 25.6.11 Table 25-9). */
static u64 mutate_eptp(u64 p, unsigned op, u8 arg, unsigned maxphy)
{
    static const u64 bases[4] = {EPT_PML4, EPT_PML5, EPT_PDPT, EPT_PML4_ALT};
    switch (op % 8) {
    case 0: return (p & ~7ull) | (arg & 7);              /* memory type */
    case 1: return (p & ~0x38ull) | (u64)(arg & 7) << 3; /* page-walk length - 1 */
    case 2: return p ^ EPTP_AD;
    case 3: return p | 1ull << (7 + arg % 5); /* bits 11:7 */
    case 4: return p | 1ull << (maxphy + arg % (64 - maxphy));
    case 5: return p ^ 1ull << (arg & 63);
    case 6: return (p & ~ADDR_MASK) | bases[arg & 3];
    default: return p ^ 0x38ull ^ (((p >> 3 & 7) == 3 ? 4ull : 3ull) << 3); /* 4 <-> 5 levels */
    }
}

static u64 table_of(unsigned t)
{
    static const u64 tables[6] = {EPT_PML5, EPT_PML4, EPT_PDPT, EPT_PD, EPT_PT(0), EPT_PT(1)};
    return tables[t];
}

/* A 32-bit guest: unpaged (CR0.PG = 0 needs unrestricted guest, SDM 27.3.1.1) or with PAE
 * paging through the harness's page directory, the PDPTEs given in the VMCS, which VM
 * entry takes with EPT (27.3.2.4). */
static void guest32(struct harness *h, bool unpaged)
{
    struct cpu *c = h->c;
    u64 pdpte = (HARNESS_PT + 0x2000) | 1;
    vmcs_set(c, VMCS_VM_ENTRY_CONTROLS,
             vmcs_get(c, VMCS_VM_ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E_MODE);
    vmcs_set(c, VMCS_GUEST_IA32_EFER,
             vmcs_get(c, VMCS_GUEST_IA32_EFER) & ~(u64)(EFER_LME | EFER_LMA));
    vmcs_set(c, VMCS_GUEST_CS_AR_BYTES, 0xc09b);
    if (unpaged) {
        vmcs_set(c, VMCS_GUEST_CR0, vmcs_get(c, VMCS_GUEST_CR0) & ~(u64)CR0_PG);
        return;
    }
    phys_copy_in(h->m, PAE_PDPT, &pdpte, 8);
    vmcs_set(c, VMCS_GUEST_CR3, PAE_PDPT);
    vmcs_set(c, VMCS_GUEST_PDPTR0, pdpte);
}

/* Build the EPT and turn the controls on. Returns the bytes used. */
static size_t ept_setup(struct harness *h, struct ept_fuzz *f, const u8 *b, size_t size)
{
    struct cpu *c = h->c;
    u8 blk[EPT_BLOCK] = {0};
    memcpy(blk, b, size < EPT_BLOCK ? size : EPT_BLOCK);
    size_t n = blk[7] % (EPT_MAX_MUTATIONS + 1), used = size < EPT_BLOCK ? size : EPT_BLOCK;
    if (n * 4 > size - used) n = (size - used) / 4;
    const u8 *mut = b + used;
    used += 4 * n;

    u64 a2 = allowed2(h);
    f->on = a2 & SEC_EPT;
    f->cap = vmx_cap(c, MSR_VMX_EPT_VPID_CAP);
    if (!f->on) return used; /* core2: nothing to learn, the bytes still count */
    u8 feat = blk[0], layout = blk[1], misc = blk[6];
    u64 cap = f->cap;
    unsigned maxphy = cpu_phys_bits(c);

    /* Identity EPT of 0-16 MiB, every entry RWX; leaves of the chosen type. */
    static const u8 types[8] = {MT_WB, MT_WB, MT_WB, MT_UC, MT_WT, MT_WP, MT_WC, MT_WB};
    u64 leaf = (u64)types[(layout >> 3) & 7] << 3 | (layout & 0x40 ? EPTE_IPAT : 0) | 7;
    if (misc & 1) leaf |= EPTE_SUPPRESS_VE;
    bool five = (feat & F_PWL5) && (cap & EPT_CAP_PWL5);
    ept_wr(h, EPT_PML5, EPT_PML4 | 7);
    ept_wr(h, EPT_PML4, EPT_PDPT | 7);
    ept_wr(h, EPT_PML4_ALT, EPT_PDPT | 7);
    if ((layout & 4) && (cap & EPT_CAP_1G)) {
        ept_wr(h, EPT_PDPT, EPTE_PS | leaf);
    } else {
        ept_wr(h, EPT_PDPT, EPT_PD | 7);
        for (unsigned k = 0; k < 8; k++) {
            bool small = !(cap & EPT_CAP_2M) || (k < 2 && (layout >> k & 1));
            ept_wr(h, EPT_PD + 8 * k, small ? EPT_PT(k) | 7 : (u64)k << 21 | EPTE_PS | leaf);
            for (unsigned j = 0; small && j < 512; j++)
                ept_wr(h, EPT_PT(k) + 8 * j, ((u64)k << 21 | (u64)j << 12) | leaf);
        }
    }
    unsigned mt = (layout & 0x80) && (cap & EPT_CAP_UC) ? MT_UC
                  : (cap & EPT_CAP_WB)                  ? MT_WB
                                                        : MT_UC;
    u64 ad = (feat & F_AD) && (cap & EPT_CAP_AD) ? EPTP_AD : 0;
    u64 eptp = (five ? EPT_PML5 : EPT_PML4) | mt | (five ? 4u : 3u) << 3 | ad;
    u64 list[4] = {eptp, EPT_PML4_ALT | mt | 3u << 3 | ad, eptp ^ 1ull << (misc >> 3), 0};

    for (size_t k = 0; k < n; k++) {
        const u8 *m = mut + 4 * k;
        unsigned t = m[0] % 8;
        if (t == 6)
            eptp = mutate_eptp(eptp, m[2], m[3], maxphy);
        else if (t == 7)
            list[m[1] & 3] = mutate_eptp(list[m[1] & 3], m[2], m[3], maxphy);
        else {
            u64 pa = table_of(t) + 8 * (hot_index(t, m[1]) & 511);
            ept_wr(h, pa, mutate_epte(ept_rd(h, pa), m[2], m[3], maxphy));
        }
    }

    u32 proc2 = SEC_EPT;
    if ((feat & F_UG) && (a2 & SEC_UNRESTRICTED_GUEST)) proc2 |= SEC_UNRESTRICTED_GUEST;
    if ((feat & F_VPID) && (a2 & SEC_VPID)) {
        proc2 |= SEC_VPID;
        vmcs_set(c, VMCS_VIRTUAL_PROCESSOR_ID, (u16)(blk[2] | blk[3] << 8));
    }
    if ((feat & F_PML) && (a2 & SEC_PML)) {
        proc2 |= SEC_PML;
        u16 v = (u16)(blk[4] | blk[5] << 8);
        vmcs_set(c, VMCS_PML_ADDRESS, PML_LOG);
        vmcs_set(c, VMCS_GUEST_PML_INDEX, v & 0x8000 ? v : 511 - (v & 511)); /* mostly not full */
    }
    if ((feat & F_VE) && (a2 & SEC_EPT_VE)) {
        proc2 |= SEC_EPT_VE;
        vmcs_set(c, VMCS_VE_INFORMATION_ADDRESS, VE_INFO);
        if (misc & 2)
            vmcs_set(c, VMCS_EXCEPTION_BITMAP, vmcs_get(c, VMCS_EXCEPTION_BITMAP) | BIT(EXC_VE));
    }
    if ((feat & F_VMFUNC) && (a2 & SEC_VMFUNC) &&
        (vmx_cap(c, MSR_VMX_VMFUNC) & VMFUNC_EPTP_SWITCHING_BIT)) {
        proc2 |= SEC_VMFUNC;
        vmcs_set(c, VMCS_VM_FUNCTION_CONTROL, VMFUNC_EPTP_SWITCHING_BIT);
        vmcs_set(c, VMCS_EPTP_LIST_ADDRESS, EPTP_LIST);
        phys_copy_in(h->m, EPTP_LIST, list, sizeof list);
    }
    if (feat & F_GUEST32) guest32(h, !(misc & 4) && (proc2 & SEC_UNRESTRICTED_GUEST));
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_SECONDARY_CONTROLS);
    vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_SECONDARY_VM_EXEC_CONTROL) | proc2);
    vmcs_set(c, VMCS_EPT_POINTER, eptp);
    return used;
}

/* Take the region as the walks will see it (after every mutation, before the run). */
static void ept_snapshot(struct harness *h, struct ept_fuzz *f)
{
    f->watch = f->on && phys_copy_out(h->m, EPT_REGION, f->snap, sizeof f->snap);
}

/* Still as built? A/D flags (bits 8, 9) may change, as walks set them; any other change
 * (the guest writing its EPT, a PML or MSR-store write landing there) ends the watch for
 * the rest of the run, since cached translations may then be older than memory. */
static bool ept_region_intact(struct harness *h, struct ept_fuzz *f)
{
    const u8 *now = phys_ram(h->m, EPT_REGION);
    if (!f->watch || !now) return false;
    if (!memcmp(now, f->snap, sizeof f->snap)) return true;
    for (size_t k = 0; k < sizeof f->snap; k += 8) {
        u64 a, b;
        memcpy(&a, now + k, 8);
        memcpy(&b, f->snap + k, 8);
        if ((a ^ b) & ~(u64)(EPTE_A | EPTE_D)) return f->watch = false;
    }
    memcpy(f->snap, now, sizeof f->snap);
    return true;
}

/* The EPTP rule (SDM 25.6.11, 27.2.1.1), written from the SDM rather than taken from
 * ept.c so that the two can disagree. */
static const char *eptp_bad(u64 p, u64 cap, unsigned maxphy)
{
    unsigned mt = p & 7, len = (p >> 3 & 7) + 1;
    if (!((mt == MT_UC && (cap & EPT_CAP_UC)) || (mt == MT_WB && (cap & EPT_CAP_WB))))
        return "EPTP memory type";
    if (!((len == 4 && (cap & EPT_CAP_PWL4)) || (len == 5 && (cap & EPT_CAP_PWL5))))
        return "EPTP walk length";
    if ((p & EPTP_AD) && !(cap & EPT_CAP_AD)) return "EPTP A/D";
    if ((p & BIT(7)) && !(cap & EPT_CAP_SSS)) return "EPTP bit 7";
    if (p & 0xf00) return "EPTP bits 11:8";
    if (p >> maxphy) return "EPTP address";
    return NULL;
}

static bool page_addr_bad(u64 a, unsigned maxphy)
{
    return (a & 0xfff) || (a >> maxphy);
}

/* A VM-execution control rule of SDM 27.2.1.1 about the EPT-related controls that the
 * VMCS breaks, or NULL. Any one makes VMLAUNCH fail with VMfailValid 7 whatever else is
 * wrong: control checks come before host and guest state (27.2, 27.3). */
static const char *ept_controls_bad(struct harness *h)
{
    struct cpu *c = h->c;
    unsigned maxphy = cpu_phys_bits(c);
    if (!(vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) & CPU_SECONDARY_CONTROLS)) return NULL;
    u64 p2 = vmcs_get(c, VMCS_SECONDARY_VM_EXEC_CONTROL), ept = p2 & SEC_EPT;
    if (ept) {
        const char *e =
            eptp_bad(vmcs_get(c, VMCS_EPT_POINTER), vmx_cap(c, MSR_VMX_EPT_VPID_CAP), maxphy);
        if (e) return e;
    }
    if ((p2 & SEC_VPID) && !vmcs_get(c, VMCS_VIRTUAL_PROCESSOR_ID)) return "VPID 0";
    if ((p2 & SEC_UNRESTRICTED_GUEST) && !ept) return "unrestricted guest without EPT";
    if ((p2 & SEC_PML) && (!ept || page_addr_bad(vmcs_get(c, VMCS_PML_ADDRESS), maxphy)))
        return "PML";
    if ((p2 & SEC_EPT_VE) && page_addr_bad(vmcs_get(c, VMCS_VE_INFORMATION_ADDRESS), maxphy))
        return "#VE address";
    if (p2 & SEC_VMFUNC) {
        u64 f = vmcs_get(c, VMCS_VM_FUNCTION_CONTROL);
        u64 offered = vmx_cap(c, MSR_VMX_VMFUNC);
        if (f & ~offered) return "VM-function controls";
        if ((f & VMFUNC_EPTP_SWITCHING_BIT) &&
            (!ept || page_addr_bad(vmcs_get(c, VMCS_EPTP_LIST_ADDRESS), maxphy)))
            return "EPTP switching";
    }
    return NULL;
}

/* AND of the permission bits of the entries the walk for `gpa` uses, or false when the
 * walk leaves the watched region (SDM 29.3.2: the walk stops at a leaf or at an entry that
 * is not present; with mode-based execute control, bit 10 counts for presence). */
static bool ept_walk_perm(struct harness *h, u64 eptp, u64 gpa, bool mbec, u64 *perm)
{
    unsigned levels = (eptp >> 3 & 7) + 1;
    u64 present = 7 | (mbec ? EPTE_XU : 0), table = eptp & ADDR_MASK;
    if (levels != 4 && levels != 5) return false;
    *perm = ~0ull;
    for (unsigned l = levels; l >= 1; l--) {
        if (table < EPT_REGION || table >= EPT_REGION + EPT_REGION_SIZE) return false;
        u64 e = ept_rd(h, table + ((gpa >> (12 + 9 * (l - 1))) & 511) * 8);
        *perm &= e;
        if (!(e & present) || l == 1 || (l <= 3 && (e & EPTE_PS))) return true;
        table = e & ADDR_MASK;
    }
    return true;
}

/* Invariants of one VM exit, the exit fields as the exit wrote them. `proc2` is the
 * secondary controls in force (0 without "activate secondary controls"). */
static const char *ept_exit_bad(struct harness *h, struct ept_fuzz *f, u32 proc2)
{
    struct cpu *c = h->c;
    u32 reason = exit_reason(h);
    u64 q = exit_qual(h);
    if (reason == VMX_EXIT_EPT_VIOLATION || reason == VMX_EXIT_EPT_MISCONFIG) {
        if (!(proc2 & SEC_EPT)) return "EPT exit without EPT"; /* SDM 29.3.3 */
    } else if (reason == VMX_EXIT_PML_FULL) {
        if (!(proc2 & SEC_PML)) return "log-full exit without PML"; /* SDM 29.3.6 */
        return NULL;
    } else {
        return NULL;
    }
    if (reason == VMX_EXIT_EPT_MISCONFIG)
        return q ? "misconfiguration with a qualification" : NULL; /* SDM 28.2.1 */
    /* SDM 28.2.1 Table 28-7: bit 8 is reserved (0) when bit 7 is 0. */
    if (!(q & EPT_QUAL_GLA_VALID) && (q & EPT_QUAL_FINAL))
        return "qualification bit 8 without bit 7";
    bool mbec = proc2 & SEC_MODE_BASED_EPT;
    /* SDM 29.3.3.2: a violation is an access some entry does not allow. Without mode-based
     * execute control, bits 5:3 are the rights for bits 2:0 (28.2.1). */
    if (!mbec && !((q & 7) & ~(q >> 3 & 7))) return "violation of an allowed access";
    u64 perm;
    if (!ept_region_intact(h, f) ||
        !ept_walk_perm(h, vmcs_get(c, VMCS_EPT_POINTER), vmcs_get(c, VMCS_GUEST_PHYSICAL_ADDRESS),
                       mbec, &perm))
        return NULL;
    /* SDM 28.2.1 Table 28-7: bits 5:3 are the AND of bits 2:0 of the entries used, bit 6
     * (mode-based execute control) of bit 10. */
    if ((q >> 3 & 7) != (perm & 7)) return "qualification bits 5:3 differ from the EPT walk";
    if (mbec && !(q & EPT_QUAL_USER_EXECUTABLE) != !(perm & EPTE_XU))
        return "qualification bit 6 differs from the EPT walk";
    return NULL;
}

#endif
