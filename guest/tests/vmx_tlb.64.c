/* Stale translations, 64-bit half (SDM Vol. 3C 29.4.3 invalidating cached mappings, 31.3
 * INVVPID and INVEPT; Vol. 3A 4.10.4 invalidation of TLBs, 4.10.2.4 global pages).
 *
 * The guest reads a page through its own paging structures; the hypervisor then points the
 * guest's PTE (or the EPT entry behind it) at another frame and invalidates nothing. A
 * processor may go on using the old translation until an invalidation the SDM requires
 * removes it (4.10.4.3, 29.4.3), and must use the new one after it. "Stale" checks expect
 * the old frame under -tlb strict, the new one under -tlb flush, either otherwise (the mode
 * comes from vmx_tlb.c); the checks after an invalidation always expect the new frame.
 * Nothing prints an address. */
#include "vmx_tlb.h"
#include "vmx.h"

#define SNIPPET(name, body)                                                                        \
    extern char name[], name##_at[];                                                               \
    __asm__(".text\n.globl " #name "\n" #name ":\n" body "\n")

SNIPPET(g_load, "g_load_at: mov (%rbx), %rax\n vmcall");

#define SEC_EPT (1u << 1)
#define SEC_VPID (1u << 5)
/* IA32_VMX_EPT_VPID_CAP (SDM A.10) */
#define CAP_WALK4 (1ull << 6)
#define CAP_WB (1ull << 14)
#define CAP_INVEPT (1ull << 20)
#define CAP_INVEPT_SINGLE (1ull << 25)
#define CAP_INVEPT_ALL (1ull << 26)
#define CAP_INVVPID (1ull << 32)
#define CAP_INVVPID_TYPE(t) (1ull << (40 + (t)))
#define CR4_PGE (1u << 7)
#define CR4_PCIDE (1u << 17)
#define CPUID1_ECX_PCID (1u << 17)
#define CR3_NOFLUSH (1ull << 63)

/* Guest paging entries (4.5): P, RW, A (and D in leaves) preset, so the guest's walks
 * write nothing the host has to account for; G in a leaf makes it global. */
#define PTE_TABLE 0x23ull
#define PTE_LEAF 0x63ull
#define PTE_G 0x100ull
/* EPT entries and EPTP (29.3.2, 25.6.11): RWX, WB leaves, 4-level WB EPTP. */
#define EPT_RWX 7ull
#define EPT_MT_WB (6ull << 3)
#define EPT_PS (1ull << 7)
#define EPTP_WB_WALK4 (6ull | 3ull << 3)

/* Physical layout, above the VMX library's pool (16-32 MiB) and vmx_ept's pages: the
 * guest's own paging structures, three frames holding their markers, and X, a
 * guest-physical page that EPT points at one of the frames. */
#define R 0x3000000ull
#define GP4 (R + 0x0000)
#define GPDPT (R + 0x1000)
#define GPD (R + 0x2000)
#define GPT (R + 0x3000)
#define F1 (R + 0x4000)
#define F2 (R + 0x5000)
#define F3 (R + 0x6000)
#define X (R + 0x7000)
/* Linear pages in PML4 slot 1 (nothing else maps there), in TLB slots away from the
 * guest's code and stacks: L non-global, LG global, LE mapping X under EPT. */
#define L 0x80001a5000ull
#define LG 0x80001a6000ull
#define LE 0x80001a7000ull

static u32 mode;
static u64 cap;

/* What each frame holds: F1 0x7100, F2 0x7101, F3 0x7102, X 0x7103. */
static u64 marker(u64 frame)
{
    return 0x7100 + ((frame - F1) >> 12);
}
static u64 *gpte(u64 lin)
{
    return &((u64 *)GPT)[(lin >> 12) & 511];
}
static void map(u64 lin, u64 frame, u64 flags)
{
    *gpte(lin) = frame | PTE_LEAF | flags;
}

static void build_guest_paging(void)
{
    memset((void *)R, 0, 0x8000);
    ((u64 *)GP4)[0] = ((u64 *)(read_cr3() & ~0xfffull))[0]; /* the runtime's identity map */
    ((u64 *)GP4)[1] = GPDPT | PTE_TABLE;
    ((u64 *)GPDPT)[0] = GPD | PTE_TABLE;
    ((u64 *)GPD)[0] = GPT | PTE_TABLE;
    for (u64 f = F1; f <= X; f += 0x1000)
        *(u64 *)f = marker(f);
}

static int invvpid(u64 type, u64 vpid, u64 addr)
{
    struct {
        u64 lo, hi;
    } d = {vpid, addr};
    u8 cf, zf;
    __asm__ volatile("invvpid %2, %3\n setc %0\n setz %1"
                     : "=qm"(cf), "=qm"(zf)
                     : "m"(d), "r"(type)
                     : "cc", "memory");
    return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

static int invept(u64 type, u64 eptp)
{
    struct {
        u64 eptp, rsvd;
    } d = {eptp, 0};
    u8 cf, zf;
    __asm__ volatile("invept %2, %3\n setc %0\n setz %1"
                     : "=qm"(cf), "=qm"(zf)
                     : "m"(d), "r"(type)
                     : "cc", "memory");
    return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

/* An invalidation a later check depends on: a line only if it fails. */
static void must(const char *name, int st)
{
    if (st != VMX_OK)
        fail(name, "VMfail %d (insn error %u)", st, st == VMX_FAIL_VALID ? vmx_insn_error() : 0);
}

/* A fresh VMCS whose guest runs on the paging structures at GP4 with this VPID (0: "enable
 * VPID" = 0) and CR4.PGE if pge. */
static void guest(u16 vpid, int pge)
{
    vmx_default_vmcs((void (*)(void))g_load);
    if (vpid) {
        vmw_or(PROC_CONTROLS, PROC_SECONDARY);
        vmw(PROC_CONTROLS2, vmx_adjust(vmx_caps.proc2, SEC_VPID));
        vmw(VPID, vpid);
    }
    vmw(GUEST_CR3, GP4);
    if (pge) vmw(GUEST_CR4, read_cr4() | CR4_PGE);
}

/* VM entry, the guest's load from lin, VM exit: what it read, or ~0 after a FAIL line. */
static u64 load(const char *name, u64 lin)
{
    vmw(GUEST_RIP, (u64)g_load);
    vmx_regs.rbx = lin;
    vmx_regs.rax = ~0ull;
    int st = vmx_run();
    if (st != VMX_EXITED || vmx_exit.reason != EXIT_VMCALL ||
        vmx_exit.guest_rip != (u64)g_load_at + 3) {
        fail(name, "entry status %d (insn error %u), exit reason %u", st,
             st == VMX_FAIL_VALID ? vmx_insn_error() : 0, vmx_exit.reason);
        return ~0ull;
    }
    return vmx_regs.rax;
}

/* The translation was filled, or the SDM requires it gone: the frame mapped now. */
static void sees(const char *name, u64 lin, u64 frame)
{
    u64 got = load(name, lin);
    if (got != ~0ull) check_eq(name, got, marker(frame));
}

/* Only the mapping in memory changed, nothing the SDM counts as an invalidation happened:
 * the old frame may still be read (4.10.4.3, 29.4.3), and -tlb strict keeps it. */
static void judge_stale(const char *name, u64 got, u64 old, u64 now)
{
    if (mode == TLBMODE_STRICT)
        check_eq(name, got, marker(old));
    else if (mode == TLBMODE_FLUSH)
        check_eq(name, got, marker(now));
    else if (got == marker(old) || got == marker(now))
        pass(name);
    else
        fail(name, "got 0x%llx want 0x%llx or 0x%llx", (unsigned long long)got,
             (unsigned long long)marker(old), (unsigned long long)marker(now));
}
static void stale(const char *name, u64 lin, u64 old, u64 now)
{
    u64 got = load(name, lin);
    if (got != ~0ull) judge_stale(name, got, old, now);
}

/* INVVPID (31.3, 29.4.3.1) with "enable VPID" = 1, VPID 1: VM exits and entries with a VPID
 * invalidate nothing (29.4.3.3). */
static void vpid_invvpid(void)
{
    static const struct {
        const char *stale, *fresh;
    } names[4] = {
        {"vpid1_stale_before_invvpid_type0", "invvpid_type0_address_shows_new"},
        {"vpid1_stale_before_invvpid_type1", "invvpid_type1_single_context_shows_new"},
        {"vpid1_stale_before_invvpid_type2", "invvpid_type2_all_contexts_shows_new"},
        {"vpid1_stale_before_invvpid_type3", "invvpid_type3_single_nonglobal_shows_new"},
    };
    map(L, F1, 0);
    map(LG, F1, PTE_G);
    guest(1, 1);
    must("vpid1_invvpid_reset", invvpid(1, 1, 0)); /* whatever VPID 1 held before */
    sees("vpid1_first_load", L, F1);
    u64 old = F1;
    for (u64 t = 0; t < 4; t++) {
        if (!(cap & CAP_INVVPID_TYPE(t))) continue;
        u64 now = old == F1 ? F2 : F1;
        map(L, now, 0);
        stale(names[t].stale, L, old, now);
        must(names[t].fresh, invvpid(t, 1, L));
        sees(names[t].fresh, L, now);
        old = now;
    }

    /* Another VPID's invalidations leave VPID 1's translations (29.4.3.1). */
    u64 now = old == F1 ? F2 : F1;
    map(L, now, 0);
    stale("vpid1_stale_after_change", L, old, now);
    if (cap & CAP_INVVPID_TYPE(0)) {
        must("invvpid_type0_vpid2_keeps_vpid1", invvpid(0, 2, L));
        stale("invvpid_type0_vpid2_keeps_vpid1", L, old, now);
    }
    must("invvpid_type1_vpid2_keeps_vpid1", invvpid(1, 2, 0));
    stale("invvpid_type1_vpid2_keeps_vpid1", L, old, now);
    if (cap & CAP_INVVPID_TYPE(3)) {
        must("invvpid_type3_vpid2_keeps_vpid1", invvpid(3, 2, 0));
        stale("invvpid_type3_vpid2_keeps_vpid1", L, old, now);
    }
    must("invvpid_type1_vpid1_after_vpid2", invvpid(1, 1, 0));
    sees("invvpid_type1_vpid1_after_vpid2", L, now);

    /* A global translation (CR4.PGE, PTE.G; 4.10.2.4): type 3 may keep it, types 1 and 0
     * (its address) drop it. */
    sees("global_first_load", LG, F1);
    map(LG, F2, PTE_G);
    stale("global_stale_after_change", LG, F1, F2);
    if (cap & CAP_INVVPID_TYPE(3)) {
        must("invvpid_type3_keeps_global", invvpid(3, 1, 0));
        stale("invvpid_type3_keeps_global", LG, F1, F2);
    }
    must("invvpid_type1_drops_global", invvpid(1, 1, 0));
    sees("invvpid_type1_drops_global", LG, F2);
    if (cap & CAP_INVVPID_TYPE(0)) {
        map(LG, F3, PTE_G);
        stale("global_stale_before_invvpid_type0", LG, F2, F3);
        must("invvpid_type0_drops_global", invvpid(0, 1, LG));
        sees("invvpid_type0_drops_global", LG, F3);
    }
}

/* EPT (29.3, 29.4.3.1): the guest's PTE maps LE to guest-physical X, EPT maps X onto a
 * frame; changing that EPT entry needs INVEPT for the EPTP in use (single-context) or for
 * all. VPID 2 keeps exits and entries from invalidating anything (29.4.3.3). */
static void ept_invept(void)
{
    if ((cap & (CAP_WALK4 | CAP_WB | CAP_INVEPT)) != (CAP_WALK4 | CAP_WB | CAP_INVEPT) ||
        !vmx_may1(vmx_caps.proc2, SEC_EPT))
        return;
    /* Identity of the low 4 GiB in 2 MiB pages, R's 2 MiB in 4 KiB pages, X elsewhere. */
    u64 pml4 = vmx_alloc_page(), pdpt = vmx_alloc_page(), pt = vmx_alloc_page();
    ((u64 *)pml4)[0] = pdpt | EPT_RWX;
    for (u64 g = 0; g < 4; g++) {
        u64 pd = vmx_alloc_page();
        ((u64 *)pdpt)[g] = pd | EPT_RWX;
        for (u64 j = 0; j < 512; j++)
            ((u64 *)pd)[j] = (g << 30 | j << 21) | EPT_PS | EPT_MT_WB | EPT_RWX;
        if (g == R >> 30) ((u64 *)pd)[(R >> 21) & 511] = pt | EPT_RWX;
    }
    for (u64 k = 0; k < 512; k++)
        ((u64 *)pt)[k] = ((R & ~0x1fffffull) + (k << 12)) | EPT_MT_WB | EPT_RWX;
    u64 *leaf = &((u64 *)pt)[(X >> 12) & 511];
    *leaf = F1 | EPT_MT_WB | EPT_RWX;
    /* Another valid EPTP (another EP4TA) for an INVEPT that must not touch ours. */
    u64 other = vmx_alloc_page();
    ((u64 *)other)[0] = pdpt | EPT_RWX;
    u64 eptp = pml4 | EPTP_WB_WALK4, other_eptp = other | EPTP_WB_WALK4;

    map(LE, X, 0);
    guest(2, 1);
    vmw(PROC_CONTROLS2, vmr(PROC_CONTROLS2) | SEC_EPT);
    vmw(EPT_POINTER, eptp);
    must("ept_invvpid_reset", invvpid(1, 2, 0));
    if (cap & CAP_INVEPT_ALL) must("ept_invept_reset", invept(2, 0));
    sees("ept_first_load", LE, F1);
    *leaf = F2 | EPT_MT_WB | EPT_RWX;
    stale("ept_stale_after_change", LE, F1, F2);
    if (cap & CAP_INVEPT_SINGLE) {
        must("invept_single_other_eptp_keeps_stale", invept(1, other_eptp));
        stale("invept_single_other_eptp_keeps_stale", LE, F1, F2);
        must("invept_single_context_shows_new", invept(1, eptp));
        sees("invept_single_context_shows_new", LE, F2);
        *leaf = F3 | EPT_MT_WB | EPT_RWX;
        stale("ept_stale_before_invept_all", LE, F2, F3);
    }
    if (cap & CAP_INVEPT_ALL) {
        u64 now = (cap & CAP_INVEPT_SINGLE) ? F3 : F2;
        must("invept_all_context_shows_new", invept(2, 0));
        sees("invept_all_context_shows_new", LE, now);
    }
}

/* "enable VPID" = 0: every VM exit and VM entry invalidates VPID 0's linear and combined
 * mappings (29.4.3.3), so the guest sees a change at its next entry with no INVVPID. The
 * guest keeps the host's CR4 (no PGE): nothing but that rule separates its translations
 * from the ones the host's context caches. */
static void no_vpid(void)
{
    map(L, F1, 0);
    guest(0, 0);
    sees("novpid_first_load", L, F1);
    map(L, F2, 0);
    sees("novpid_exit_and_entry_show_new", L, F2);
    map(L, F3, 0);
    sees("novpid_again_shows_new", L, F3);
}

/* MOV CR3 in the guest with CR4.PCIDE (4.10.4.1): bit 63 set keeps the PCID's cached
 * translations, clear drops its non-global ones. The guest changes its own PTE. */
static volatile u64 pcid_seen[3];
static void g_pcid(void)
{
    write_cr4(read_cr4() | CR4_PCIDE); /* CR3[11:0] is 0 (4.10.1) */
    write_cr3(GP4 | 1);
    pcid_seen[0] = *(volatile u64 *)L;
    map(L, F2, 0);
    write_cr3(GP4 | 1 | CR3_NOFLUSH);
    pcid_seen[1] = *(volatile u64 *)L;
    write_cr3(GP4 | 1);
    pcid_seen[2] = *(volatile u64 *)L;
}

static void pcid_cr3(void)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    /* PCIDs offered, CR4.PCIDE allowed in VMX operation (A.8), MOV CR3 not exiting. */
    if (!(c & CPUID1_ECX_PCID) || !(vmx_caps.cr4_fixed1 & CR4_PCIDE) ||
        !vmx_may0(vmx_caps.proc, PROC_CR3_LOAD_EXIT))
        return;
    map(L, F1, 0);
    guest(3, 1);
    must("pcid_invvpid_reset", invvpid(1, 3, 0));
    vmx_set_guest(g_pcid);
    u64 traps = vmx_guest_trap.count;
    if (!vmx_run_expect(EXIT_VMCALL) || vmx_guest_trap.count != traps) {
        fail("pcid_guest_ran", "exit reason %u, guest vector %llu", vmx_exit.reason,
             (unsigned long long)vmx_guest_trap.vec);
        return;
    }
    check_eq("pcid_first_load", pcid_seen[0], marker(F1));
    judge_stale("mov_cr3_bit63_keeps_stale", pcid_seen[1], F1, F2);
    check_eq("mov_cr3_without_bit63_shows_new", pcid_seen[2], marker(F2));
}

void main64(u64 arg)
{
    mode = (u32)arg;
    if (!vmx_start()) return;
    /* Every check needs "enable VPID" and INVVPID single-context (to start each VPID
     * clean); a model without them (core2) checks nothing. */
    if (vmx_may1(vmx_caps.proc, PROC_SECONDARY) && vmx_may1(vmx_caps.proc2, SEC_VPID)) {
        cap = rdmsr(MSR_VMX_EPT_VPID);
        if ((cap & CAP_INVVPID) && (cap & CAP_INVVPID_TYPE(1))) {
            build_guest_paging();
            vpid_invvpid();
            ept_invept();
            no_vpid();
            pcid_cr3();
        }
    }
    vmx_leave();
}
