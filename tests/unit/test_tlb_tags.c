/* The tagged TLB (SDM Vol. 3 4.10, 29.4; docs/internals.md "Tagged TLB"): with -tlb strict a
 * changed paging-structure or EPT entry stays invisible until the invalidation the SDM
 * requires: INVVPID of each type (29.4.3.1), a VM entry with another VPID or with VPID
 * disabled (29.4.3.3), INVEPT single/all-context, MOV CR3 with and without CR3[63] under
 * CR4.PCIDE, each INVPCID type, global pages across MOV CR3 (4.10.4.1); -tlb flush sees
 * every change at the next transition, as Bochs does. */
#include "vmx_guest.h"

#define GUEST_PD (HARNESS_PT + 0x2000) /* the harness's (and guest's) page directory */
#define LIN 0xc00000u                  /* the 2 MiB page whose mapping changes */
#define PDE_LIN (GUEST_PD + (LIN >> 21) * 8)
#define LOAD(a) 0x48, 0x8b, 0x04, 0x25, (u8)(a), (u8)((a) >> 8), (u8)((a) >> 16), (u8)((a) >> 24)
#define EPT_PML4 (HARNESS_DATA + 0x100000)
#define EPT_PDPT (EPT_PML4 + 0x1000)
#define EPT_PD (EPT_PML4 + 0x2000)
#define EPT_PT (EPT_PML4 + 0x3000)
#define EPTP (EPT_PML4 | 6 | 3 << 3)
#define OTHER_EPTP ((EPT_PML4 + 0x10000) | 6 | 3 << 3)
#define DATA 0x400000u /* mapped by EPT_PT in 4 KiB pages */

static void wr64(struct harness *h, u64 pa, u64 v)
{
    phys_write(h->m, h->c, pa, 8, v);
}

static const char *pol_name(enum tlb_policy p)
{
    return p == TLB_STRICT ? "strict" : p == TLB_FLUSH ? "flush" : "exact";
}

/* INVVPID/INVEPT rax, [rbx] with type `type` and the descriptor {lo, hi}: 'S' on success. */
static char inv(struct harness *h, const u8 *ins, size_t n, u64 type, u64 lo, u64 hi)
{
    u64 d[2] = {lo, hi};
    phys_copy_in(h->m, SCRATCH + 0x100, d, sizeof d);
    h->c->r[RAX] = type;
    h->c->r[RBX] = SCRATCH + 0x100;
    vmx_run(h, ins, n);
    return vmx_outcome(h);
}

/* Run the guest again from its first instruction; the value it loaded. */
static u64 reenter(struct harness *h)
{
    vmcs_set(h->c, VMCS_GUEST_RIP, GUEST_CODE);
    h->c->r[RAX] = 0;
    int r = host_enter(h, false);
    if (r != -1 || exit_reason(h) != VMX_EXIT_HLT) return ~0ull;
    return h->c->r[RAX];
}

/* A skylake guest (VPID `vpid`, 0 = VPID disabled; guest CR4.PGE if pge) loads LIN, mapped
 * by a 2 MiB PDE (with `pde_extra`) to memory holding 1; then the host points the PDE at
 * memory holding 2. */
static struct harness *vpid_guest(enum tlb_policy p, u16 vpid, u64 pde_extra, bool pge)
{
    static const u8 g[] = {LOAD(LIN)};
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    c->tlb_policy = (u8)p;
    guest_code(h, g, sizeof g);
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_HLT_EXITING |
                 CPU_SECONDARY_CONTROLS);
    vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, vpid ? SEC_VPID : 0);
    if (vpid) vmcs_set(c, VMCS_VIRTUAL_PROCESSOR_ID, vpid);
    if (pge) vmcs_set(c, VMCS_GUEST_CR4, vmcs_get(c, VMCS_GUEST_CR4) | CR4_PGE);
    wr64(h, LIN, 1);
    wr64(h, LIN + 0x200000, 2);
    wr64(h, PDE_LIN, LIN | 0x87 | pde_extra);
    int r = host_enter(h, true);
    CHECK("tlb_tags.vpid.setup", r == -1 && exit_reason(h) == VMX_EXIT_HLT && c->r[RAX] == 1,
          "run %d reason %u rax %#llx", r, exit_reason(h), (unsigned long long)c->r[RAX]);
    wr64(h, PDE_LIN, (LIN + 0x200000) | 0x87 | pde_extra);
    return h;
}

static void test_vpid(void)
{
    static const u8 I_INVVPID[] = {0x66, 0x0f, 0x38, 0x81, 0x03};
    char n[96];
    struct harness *h;
    /* No INVVPID: the old translation with strict and exact, the new one with flush. */
    for (int p = TLB_EXACT; p <= TLB_FLUSH; p++) {
        h = vpid_guest((enum tlb_policy)p, 1, 0, false);
        snprintf(n, sizeof n, "tlb_tags.vpid.%s.no_invvpid", pol_name((enum tlb_policy)p));
        CHECK_EQ(n, reenter(h), p == TLB_FLUSH ? 2 : 1);
        harness_free(h);
    }
    /* Each INVVPID type for VPID 1 makes the change visible; for VPID 2 it does not. */
    static const struct {
        const char *name;
        u64 type, vpid, want;
    } t[] = {
        {"type0", 0, 1, 2},
        {"type1", 1, 1, 2},
        {"type2", 2, 0, 2},
        {"type3", 3, 1, 2},
        {"type0_other_vpid", 0, 2, 1},
        {"type1_other_vpid", 1, 2, 1},
        {"type3_other_vpid", 3, 2, 1},
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        h = vpid_guest(TLB_STRICT, 1, 0, false);
        snprintf(n, sizeof n, "tlb_tags.vpid.strict.%s.succeeds", t[k].name);
        char o = inv(h, I_INVVPID, sizeof I_INVVPID, t[k].type, t[k].vpid, LIN);
        CHECK(n, o == 'S', "%c", o);
        snprintf(n, sizeof n, "tlb_tags.vpid.strict.%s", t[k].name);
        CHECK_EQ(n, reenter(h), t[k].want);
        harness_free(h);
    }
    /* A global translation survives type 3 and goes with type 1. */
    h = vpid_guest(TLB_STRICT, 1, 0x100, true);
    inv(h, I_INVVPID, sizeof I_INVVPID, 3, 1, 0);
    CHECK_EQ("tlb_tags.vpid.strict.type3_keeps_global", reenter(h), 1);
    inv(h, I_INVVPID, sizeof I_INVVPID, 1, 1, 0);
    CHECK_EQ("tlb_tags.vpid.strict.type1_drops_global", reenter(h), 2);
    harness_free(h);
    /* Another VPID has its own translations; with VPID disabled entry and exit drop
     * VPID 0's (29.4.3.3). */
    h = vpid_guest(TLB_STRICT, 1, 0, false);
    vmcs_set(h->c, VMCS_VIRTUAL_PROCESSOR_ID, 2);
    CHECK_EQ("tlb_tags.vpid.strict.other_vpid_fresh", reenter(h), 2);
    vmcs_set(h->c, VMCS_VIRTUAL_PROCESSOR_ID, 1);
    CHECK_EQ("tlb_tags.vpid.strict.back_to_vpid1_stale", reenter(h), 1);
    harness_free(h);
    h = vpid_guest(TLB_STRICT, 0, 0, false);
    CHECK_EQ("tlb_tags.vpid.strict.vpid_disabled", reenter(h), 2);
    harness_free(h);
}

/* A skylake guest under identity EPT (4 KiB pages at DATA) with VPID 1 loads DATA (1);
 * then the host points DATA's EPT entry at DATA + 0x7000 (2). */
static struct harness *ept_guest(enum tlb_policy p)
{
    static const u8 g[] = {LOAD(DATA)};
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct cpu *c = h->c;
    c->tlb_policy = (u8)p;
    guest_code(h, g, sizeof g);
    wr64(h, EPT_PML4, EPT_PDPT | 7);
    wr64(h, EPT_PDPT, EPT_PD | 7);
    for (u64 k = 0; k < 8; k++)
        wr64(h, EPT_PD + 8 * k, k << 21 | 0x80 | 6 << 3 | 7);
    wr64(h, EPT_PD + 16, EPT_PT | 7);
    for (u64 k = 0; k < 512; k++)
        wr64(h, EPT_PT + 8 * k, (DATA + 4096 * k) | 6 << 3 | 7);
    vmcs_set(c, VMCS_CPU_BASED_VM_EXEC_CONTROL,
             vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) | CPU_HLT_EXITING |
                 CPU_SECONDARY_CONTROLS);
    vmcs_set(c, VMCS_SECONDARY_VM_EXEC_CONTROL, SEC_EPT | SEC_VPID);
    vmcs_set(c, VMCS_VIRTUAL_PROCESSOR_ID, 1);
    vmcs_set(c, VMCS_EPT_POINTER, EPTP);
    wr64(h, DATA, 1);
    wr64(h, DATA + 0x7000, 2);
    int r = host_enter(h, true);
    CHECK("tlb_tags.ept.setup", r == -1 && exit_reason(h) == VMX_EXIT_HLT && c->r[RAX] == 1,
          "run %d reason %u rax %#llx", r, exit_reason(h), (unsigned long long)c->r[RAX]);
    wr64(h, EPT_PT, (DATA + 0x7000) | 6 << 3 | 7);
    return h;
}

static void test_ept(void)
{
    static const u8 I_INVEPT[] = {0x66, 0x0f, 0x38, 0x80, 0x03};
    struct harness *h = ept_guest(TLB_STRICT);
    CHECK_EQ("tlb_tags.ept.strict.no_invept", reenter(h), 1);
    CHECK("tlb_tags.ept.strict.other_eptp_succeeds",
          inv(h, I_INVEPT, sizeof I_INVEPT, 1, OTHER_EPTP, 0) == 'S', "not VMsucceed");
    CHECK_EQ("tlb_tags.ept.strict.invept_other_eptp", reenter(h), 1);
    CHECK("tlb_tags.ept.strict.single_succeeds",
          inv(h, I_INVEPT, sizeof I_INVEPT, 1, EPTP, 0) == 'S', "not VMsucceed");
    CHECK_EQ("tlb_tags.ept.strict.invept_single", reenter(h), 2);
    harness_free(h);
    h = ept_guest(TLB_STRICT);
    CHECK("tlb_tags.ept.strict.all_succeeds", inv(h, I_INVEPT, sizeof I_INVEPT, 2, 0, 0) == 'S',
          "not VMsucceed");
    CHECK_EQ("tlb_tags.ept.strict.invept_all", reenter(h), 2);
    harness_free(h);
    h = ept_guest(TLB_FLUSH);
    CHECK_EQ("tlb_tags.ept.flush.no_invept", reenter(h), 2);
    harness_free(h);
}

/* Root operation, 64-bit paging: run `code` (HLT appended); RAX afterwards. */
static u64 run(struct harness *h, const u8 *code, size_t n)
{
    h->c->r[RAX] = 0;
    int r = harness_run(h, code, n, 100);
    return r == -1 ? h->c->r[RAX] : ~0ull - (u64)(r + 2);
}

/* A processor that loaded LIN (1, PDE with `pde_extra`; CR4.PGE if pge, CR4.PCIDE if pcide)
 * before the PDE was pointed at memory holding 2. */
static struct harness *root_setup(enum tlb_policy p, u64 pde_extra, bool pge, bool pcide)
{
    static const u8 load[] = {LOAD(LIN)}, mov_cr4[] = {0x0f, 0x22, 0xe3};
    struct harness *h = vmx_harness("skylake");
    h->c->tlb_policy = (u8)p;
    h->c->r[RBX] = h->c->cr4 | (pge ? CR4_PGE : 0) | (pcide ? CR4_PCIDE : 0);
    run(h, mov_cr4, sizeof mov_cr4);
    wr64(h, LIN, 1);
    wr64(h, LIN + 0x200000, 2);
    wr64(h, PDE_LIN, LIN | 0x87 | pde_extra);
    CHECK_EQ("tlb_tags.root.setup", run(h, load, sizeof load), 1);
    wr64(h, PDE_LIN, (LIN + 0x200000) | 0x87 | pde_extra);
    return h;
}

static void test_root(void)
{
    static const u8 load[] = {LOAD(LIN)}, cr3_load[] = {0x0f, 0x22, 0xdb, LOAD(LIN)};
    struct harness *h = root_setup(TLB_STRICT, 0, false, false);
    CHECK_EQ("tlb_tags.root.strict.no_invalidation", run(h, load, sizeof load), 1);
    h->c->r[RBX] = HARNESS_PT;
    CHECK_EQ("tlb_tags.root.strict.mov_cr3", run(h, cr3_load, sizeof cr3_load), 2);
    harness_free(h);
    /* Global pages survive MOV CR3; a CR4.PGE change drops them. */
    h = root_setup(TLB_STRICT, 0x100, true, false);
    h->c->r[RBX] = HARNESS_PT;
    CHECK_EQ("tlb_tags.root.strict.global_kept_by_mov_cr3", run(h, cr3_load, sizeof cr3_load), 1);
    static const u8 pge_off[] = {0x0f, 0x22, 0xe3, LOAD(LIN)};
    h->c->r[RBX] = h->c->cr4 & ~(u64)CR4_PGE;
    CHECK_EQ("tlb_tags.root.strict.global_dropped_by_pge", run(h, pge_off, sizeof pge_off), 2);
    harness_free(h);
    h = root_setup(TLB_FLUSH, 0x100, true, false);
    h->c->r[RBX] = HARNESS_PT;
    CHECK_EQ("tlb_tags.root.flush.global_mov_cr3", run(h, cr3_load, sizeof cr3_load), 2);
    harness_free(h);
    /* PCIDs: PCID 1 sees the new mapping; back to PCID 0 with CR3[63] the old one, without
     * it the new one. */
    h = root_setup(TLB_STRICT, 0, false, true);
    h->c->r[RBX] = HARNESS_PT | 1 | BIT(63);
    CHECK_EQ("tlb_tags.root.strict.pcid1_fresh", run(h, cr3_load, sizeof cr3_load), 2);
    h->c->r[RBX] = HARNESS_PT | BIT(63);
    CHECK_EQ("tlb_tags.root.strict.pcid0_noflush_stale", run(h, cr3_load, sizeof cr3_load), 1);
    h->c->r[RBX] = HARNESS_PT;
    CHECK_EQ("tlb_tags.root.strict.pcid0_flush", run(h, cr3_load, sizeof cr3_load), 2);
    harness_free(h);
    /* INVPCID (descriptor {PCID, address} at SCRATCH): each type, and other PCIDs. */
    static const struct {
        const char *name;
        u64 type, pcid, extra, want;
    } t[] = {
        {"type0", 0, 0, 0, 2},
        {"type0_other_pcid", 0, 1, 0, 1},
        {"type1", 1, 0, 0, 2},
        {"type1_other_pcid", 1, 1, 0, 1},
        {"type2", 2, 0, 0, 2},
        {"type3", 3, 0, 0, 2},
        {"type0_keeps_global", 0, 0, 0x100, 1},
        {"type1_keeps_global", 1, 0, 0x100, 1},
        {"type3_keeps_global", 3, 0, 0x100, 1},
        {"type2_drops_global", 2, 0, 0x100, 2},
    };
    char n[96];
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        h = root_setup(TLB_STRICT, t[k].extra, t[k].extra != 0, true);
        u64 d[2] = {t[k].pcid, LIN};
        phys_copy_in(h->m, SCRATCH, d, sizeof d);
        h->c->r[RBX] = SCRATCH;
        /* run() zeroes RAX first: the type comes from RCX */
        static const u8 code[] = {0x48, 0x89, 0xc8, 0x66, 0x0f, 0x38, 0x82, 0x03, LOAD(LIN)};
        h->c->r[RCX] = t[k].type;
        snprintf(n, sizeof n, "tlb_tags.root.strict.invpcid_%s", t[k].name);
        CHECK_EQ(n, run(h, code, sizeof code), t[k].want);
        harness_free(h);
    }
}

/* A slot conflict does not end a stale translation under -tlb strict: LIN's entry, made
 * stale by the PDE change, is pushed out of its direct-mapped slot by a load from LIN + 4 MiB
 * (same index), and the next load from LIN still sees the old page; INVLPG then, or of
 * another page of LIN's 2 MiB page, ends it, and the INVLPG of another page not. -tlb exact keeps nothing past the conflict (a TLB may
 * drop any entry, 4.10.2). Read and write entries alike; and a PDE change is seen after
 * MOV CR3 although the stale entry sat among the evicted ones. */
#define OTHER_PAGE 0x800000u /* RAM behind linear LIN + 4 MiB */
static void test_conflict(void)
{
    static const u8 load[] = {LOAD(LIN)}, other[] = {LOAD(LIN + 0x400000)};
    static const u8 store[] = {0x48, 0x89, 0x0c, 0x25, (u8)LIN, (u8)(LIN >> 8), (u8)(LIN >> 16),
                               (u8)(LIN >> 24)}; /* mov [LIN], rcx */
    static const u8 store_other[] = {0x48, 0x89, 0x0c, 0x25, (u8)(LIN + 0x400000),
                                     (u8)((LIN + 0x400000) >> 8), (u8)((LIN + 0x400000) >> 16),
                                     (u8)((LIN + 0x400000) >> 24)};
    static const u8 invlpg_other[] = {0x0f, 0x01, 0x3b, LOAD(LIN)}; /* invlpg [rbx]; load */
    static const u8 cr3_load[] = {0x0f, 0x22, 0xdb, LOAD(LIN)};
    for (int strict = 0; strict < 2; strict++) {
        enum tlb_policy p = strict ? TLB_STRICT : TLB_EXACT;
        char n[96];
        struct harness *h = root_setup(p, 0, false, false);
        wr64(h, GUEST_PD + ((LIN + 0x400000) >> 21) * 8, OTHER_PAGE | 0x87);
        wr64(h, OTHER_PAGE, 3);
        snprintf(n, sizeof n, "tlb_tags.conflict.%s.other_page", pol_name(p));
        CHECK_EQ(n, run(h, other, sizeof other), 3);
        snprintf(n, sizeof n, "tlb_tags.conflict.%s.after_eviction", pol_name(p));
        CHECK_EQ(n, run(h, load, sizeof load), strict ? 1u : 2u);
        h->c->r[RBX] = LIN + 0x200000; /* another page, outside LIN's 2 MiB one */
        snprintf(n, sizeof n, "tlb_tags.conflict.%s.invlpg_other_page", pol_name(p));
        CHECK_EQ(n, run(h, invlpg_other, sizeof invlpg_other), strict ? 1u : 2u);
        run(h, other, sizeof other); /* evict it again */
        /* Another 4-KiB page of LIN's 2 MiB page: INVLPG drops every entry of a large page
         * (4.10.4.1), the evicted ones too. */
        h->c->r[RBX] = LIN + 0x1000;
        snprintf(n, sizeof n, "tlb_tags.conflict.%s.invlpg_same_large_page", pol_name(p));
        CHECK_EQ(n, run(h, invlpg_other, sizeof invlpg_other), 2);
        run(h, other, sizeof other); /* evict it again */
        h->c->r[RBX] = LIN;
        snprintf(n, sizeof n, "tlb_tags.conflict.%s.invlpg", pol_name(p));
        CHECK_EQ(n, run(h, invlpg_other, sizeof invlpg_other), 2);
        harness_free(h);

        /* Writes: the stale write entry, evicted, still writes the old page. */
        h = root_setup(p, 0, false, false);
        wr64(h, GUEST_PD + ((LIN + 0x400000) >> 21) * 8, OTHER_PAGE | 0x87);
        wr64(h, PDE_LIN, LIN | 0x87);
        h->c->r[RCX] = 5;
        run(h, store, sizeof store); /* fills the write entry (D is set) */
        wr64(h, PDE_LIN, (LIN + 0x200000) | 0x87);
        run(h, store_other, sizeof store_other);
        h->c->r[RCX] = 7;
        run(h, store, sizeof store);
        snprintf(n, sizeof n, "tlb_tags.conflict.%s.write_old_page", pol_name(p));
        CHECK_EQ(n, phys_read(h->m, h->c, LIN, 8), strict ? 7u : 5u);
        harness_free(h);

        /* MOV CR3 drops the evicted non-global entry too. */
        h = root_setup(p, 0, false, false);
        wr64(h, GUEST_PD + ((LIN + 0x400000) >> 21) * 8, OTHER_PAGE | 0x87);
        run(h, other, sizeof other);
        h->c->r[RBX] = HARNESS_PT;
        snprintf(n, sizeof n, "tlb_tags.conflict.%s.mov_cr3", pol_name(p));
        CHECK_EQ(n, run(h, cr3_load, sizeof cr3_load), 2);
        harness_free(h);
    }
}

/* INVLPG drops the decoded-block shortcuts (jump cache) of its page too: code at LIN runs
 * (mov eax,1; ret), the page is remapped to other code (mov eax,2; ret); without INVLPG the
 * strict TLB keeps running the old code, after INVLPG the new (SDM 4.10.4.1). */
static void test_invlpg_code(void)
{
    static const u8 code1[] = {0xb8, 1, 0, 0, 0, 0xc3}, code2[] = {0xb8, 2, 0, 0, 0, 0xc3};
    static const u8 call[] = {0xff, 0xd3}, inv_call[] = {0x0f, 0x01, 0x3b, 0xff, 0xd3};
    struct harness *h = vmx_harness("skylake");
    h->c->tlb_policy = TLB_STRICT;
    phys_copy_in(h->m, LIN, code1, sizeof code1);
    phys_copy_in(h->m, LIN + 0x200000, code2, sizeof code2);
    wr64(h, PDE_LIN, LIN | 0x87);
    h->c->r[RBX] = LIN;
    CHECK_EQ("tlb_tags.invlpg_code.setup", run(h, call, sizeof call), 1);
    wr64(h, PDE_LIN, (LIN + 0x200000) | 0x87);
    h->c->r[RBX] = LIN;
    CHECK_EQ("tlb_tags.invlpg_code.stale_without_invlpg", run(h, call, sizeof call), 1);
    h->c->r[RBX] = LIN;
    CHECK_EQ("tlb_tags.invlpg_code.new_code_after_invlpg", run(h, inv_call, sizeof inv_call), 2);
    harness_free(h);
}

/* SMAP (SDM Vol. 3 4.6.1): a supervisor data access to a user page needs RFLAGS.AC = 1.
 * Entries cached under STAC must not serve the same access after CLAC or a POPF that
 * clears AC (mem.c: smap_fill), while entries for supervisor pages survive CLAC. */
static void test_smap(void)
{
    static const u8 mov_cr4[] = {0x0f, 0x22, 0xe3}, stac[] = {0x0f, 0x01, 0xcb}, clac[] = {0x0f, 0x01, 0xca};
    static const u8 load[] = {LOAD(LIN)}, store[] = {0x48, 0x89, 0x04, 0x25, (u8)LIN, (u8)(LIN >> 8), (u8)(LIN >> 16), 0};
    static const u8 popf_no_ac[] = {0x9c, 0x48, 0x81, 0x24, 0x24, 0xff, 0xff, 0xfb, 0xff, 0x9d};
    struct {
        const char *name;
        const u8 *clear;
        size_t nclear;
        const u8 *access;
        size_t naccess;
    } cases[] = {
        {"tlb_tags.smap.read_after_clac", clac, sizeof clac, load, sizeof load},
        {"tlb_tags.smap.write_after_clac", clac, sizeof clac, store, sizeof store},
        {"tlb_tags.smap.read_after_popf", popf_no_ac, sizeof popf_no_ac, load, sizeof load},
    };
    for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
        struct harness *h = vmx_harness("skylake");
        h->c->r[RBX] = h->c->cr4 | CR4_SMAP;
        run(h, mov_cr4, sizeof mov_cr4);
        wr64(h, PDE_LIN, LIN | 0x87); /* a user page */
        wr64(h, LIN, 1);
        u8 code[64];
        size_t n = 0;
        memcpy(code + n, stac, sizeof stac), n += sizeof stac;
        memcpy(code + n, cases[k].access, cases[k].naccess), n += cases[k].naccess;
        memcpy(code + n, cases[k].clear, cases[k].nclear), n += cases[k].nclear;
        memcpy(code + n, cases[k].access, cases[k].naccess), n += cases[k].naccess;
        CHECK_EQ(cases[k].name, run(h, code, n), ~0ull - (EXC_PF + 2));
        CHECK_EQ("tlb_tags.smap.cr2", h->c->cr2, LIN);
        harness_free(h);
    }
    /* STAC again after CLAC: the access is allowed again. */
    struct harness *h = vmx_harness("skylake");
    h->c->r[RBX] = h->c->cr4 | CR4_SMAP;
    run(h, mov_cr4, sizeof mov_cr4);
    wr64(h, PDE_LIN, LIN | 0x87);
    wr64(h, LIN, 1);
    u8 code[64];
    size_t n = 0;
    const u8 *parts[] = {stac, load, clac, stac, load};
    size_t sizes[] = {sizeof stac, sizeof load, sizeof clac, sizeof stac, sizeof load};
    for (size_t k = 0; k < ARRAY_LEN(parts); k++) memcpy(code + n, parts[k], sizes[k]), n += sizes[k];
    CHECK_EQ("tlb_tags.smap.stac_again", run(h, code, n), 1);
    harness_free(h);
}

/* Code reached through the jump cache after MOV CR3 (4.10.4.1): a non-global page's old
 * code must not run any more; a global page's translation, and so its code, may stay
 * (strict keeps it). */
static void test_cr3_code(void)
{
    static const u8 code1[] = {0xb8, 1, 0, 0, 0, 0xc3}, code2[] = {0xb8, 2, 0, 0, 0, 0xc3};
    static const u8 call[] = {0xff, 0xd3}, cr3_call[] = {0x0f, 0x22, 0xd9, 0xff, 0xd3};
    static const u8 mov_cr4[] = {0x0f, 0x22, 0xe3};
    for (int global = 0; global < 2; global++) {
        struct harness *h = vmx_harness("skylake");
        h->c->tlb_policy = TLB_STRICT;
        if (global) {
            h->c->r[RBX] = h->c->cr4 | CR4_PGE;
            run(h, mov_cr4, sizeof mov_cr4);
        }
        u64 g = global ? 0x100 : 0;
        phys_copy_in(h->m, LIN, code1, sizeof code1);
        phys_copy_in(h->m, LIN + 0x200000, code2, sizeof code2);
        wr64(h, PDE_LIN, LIN | 0x87 | g);
        h->c->r[RBX] = LIN;
        CHECK_EQ(global ? "tlb_tags.cr3_code.global.setup" : "tlb_tags.cr3_code.setup", run(h, call, sizeof call), 1);
        wr64(h, PDE_LIN, (LIN + 0x200000) | 0x87 | g);
        h->c->r[RBX] = LIN;
        h->c->r[RCX] = HARNESS_PT;
        CHECK_EQ(global ? "tlb_tags.cr3_code.global_kept" : "tlb_tags.cr3_code.nonglobal_new_code",
                 run(h, cr3_call, sizeof cr3_call), global ? 1 : 2);
        harness_free(h);
    }
}

/* More fills than the set's log holds (mem.c TLB_FILL_LOG): MOV CR3 then visits every slot,
 * and still drops the changed non-global mapping; after it the log lists what stayed, and
 * the next MOV CR3 drops what was filled since (4.10.4.1). */
static void test_cr3_many_fills(void)
{
    /* mov rbx, 0x401000; mov ecx, 600; 1: mov rax, [rbx]; mov [rbx + 8], rax;
     * add rbx, 4096; dec ecx; jnz 1b; mov cr3, rdx; mov rax, [LIN]: 1,200 fills in slots
     * 1 to 600 of the read and write TLBs, none in LIN's (0) */
    static const u8 walk_cr3_load[] = {0x48, 0xc7, 0xc3, 0x00, 0x10, 0x40, 0x00, 0xb9, 0x58, 0x02, 0x00, 0x00,
                                       0x48, 0x8b, 0x03, 0x48, 0x89, 0x43, 0x08, 0x48, 0x81, 0xc3, 0x00, 0x10,
                                       0x00, 0x00, 0xff, 0xc9, 0x75, 0xee, 0x0f, 0x22, 0xda, LOAD(LIN)};
    static const u8 load[] = {LOAD(LIN)}, cr3_load[] = {0x0f, 0x22, 0xda, LOAD(LIN)};
    struct harness *h = root_setup(TLB_STRICT, 0, false, false);
    CHECK_EQ("tlb_tags.many_fills.stale_before", run(h, load, sizeof load), 1);
    h->c->r[RDX] = HARNESS_PT;
    h->c->r[RAX] = 0;
    int r = harness_run(h, walk_cr3_load, sizeof walk_cr3_load, 10000);
    CHECK_EQ("tlb_tags.many_fills.cr3_after_1200_fills", r == -1 ? h->c->r[RAX] : ~0ull, 2);
    wr64(h, PDE_LIN, LIN | 0x87);
    CHECK_EQ("tlb_tags.many_fills.stale_again", run(h, load, sizeof load), 2);
    h->c->r[RDX] = HARNESS_PT;
    CHECK_EQ("tlb_tags.many_fills.cr3_again", run(h, cr3_load, sizeof cr3_load), 1);
    harness_free(h);
}

/* After INVPCID type 2 has emptied the current set, translations cached in it again must
 * still go with the next INVLPG: the set is in use, whatever emptied it (a set left marked
 * clean was skipped by every later invalidation). */
static void test_invalidate_after_empty(void)
{
    static const u8 invpcid_load[] = {0x48, 0x89, 0xc8, 0x66, 0x0f, 0x38, 0x82, 0x03, LOAD(LIN)};
    static const u8 invlpg_load[] = {0x0f, 0x01, 0x3b, LOAD(LIN)};
    for (int strict = 0; strict < 2; strict++) {
        struct harness *h = root_setup(strict ? TLB_STRICT : TLB_EXACT, 0, false, true);
        u64 d[2] = {0, LIN};
        phys_copy_in(h->m, SCRATCH, d, sizeof d);
        h->c->r[RBX] = SCRATCH;
        h->c->r[RCX] = 2;
        CHECK_EQ(strict ? "tlb_tags.after_empty.strict.invpcid2" : "tlb_tags.after_empty.exact.invpcid2",
                 run(h, invpcid_load, sizeof invpcid_load), 2);
        wr64(h, PDE_LIN, LIN | 0x87);
        h->c->r[RBX] = LIN;
        CHECK_EQ(strict ? "tlb_tags.after_empty.strict.invlpg" : "tlb_tags.after_empty.exact.invlpg",
                 run(h, invlpg_load, sizeof invlpg_load), 1);
        harness_free(h);
    }
}

int main(void)
{
    test_invalidate_after_empty();
    test_cr3_many_fills();
    test_cr3_code();
    test_smap();
    test_vpid();
    test_ept();
    test_root();
    test_invlpg_code();
    test_conflict();
    return check_exit();
}
