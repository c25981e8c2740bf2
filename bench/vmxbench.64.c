/* VMX benchmark guest, 64-bit half: a small VMM (the guest/vmx library) and a 64-bit
 * guest sharing its address space. One phase per boot (bench/vmxbench.h):
 *
 * cpuid     the guest runs CPUID CPUID_EXITS times; CPUID exits unconditionally in
 *           VMX non-root operation (SDM Vol. 3C 26.1.2), and the host reads the exit
 *           reason, moves the guest's RIP past the instruction and resumes it: one
 *           VM-exit round trip per iteration. "enable VPID" = 0, so every exit and entry
 *           invalidates VPID 0's translations (SDM 29.4.3.3).
 * cpuid-vpid the same with "enable VPID" = 1 and VPID 1: exits and entries invalidate
 *           nothing, so tagged translations survive the round trip. Skipped, with "vpid:
 *           not offered", when the CPU model has no VPID (core2, or -cpu ...,-vpid).
 * walk      the guest switches to its own 4-level paging (a CR3 of its own) and, WALK_ROUNDS
 *           times over WALK_PAGES distinct 4 KiB pages, invalidates each page's
 *           translation with INVLPG and reads from it: one page walk per read (INVLPG
 *           removes the TLB entries and paging-structure-cache entries for the
 *           address, SDM Vol. 3A 4.10.4.1).
 * walk-ept  the same under EPT (4-level, 2 MiB pages over the low 4 GiB), so every guest
 *           paging-structure entry and the final address are translated through EPT as
 *           well (SDM 29.3.2): up to 4 + 4 x 3 + 3 entries per walk. Skipped, with "ept:
 *           not offered", when the CPU model does not offer EPT with 4-level walks, WB
 *           and 2 MiB pages (core2, or -cpu ...,-ept).
 *
 * Output is deterministic (counts and a checksum, never times): bench/run.sh compares it
 * between the emulators and times each boot from outside. */
#include "vmxbench.h"
#include "vmx.h"

/* Sizes: each phase runs several seconds on either emulator (a few µs per round trip,
 * about 1 µs per walk when written), long next to the noise of Bochs' ~2 s boot, which
 * bench/run.sh subtracts. */
#define CPUID_EXITS 1000000
#define WALK_PAGES 4096 /* 16 MiB: 8 page tables, one page directory */
#define WALK_ROUNDS 2048
#define WALK_BYTES ((u64)WALK_PAGES * 4096)
/* PML4 slot 1 (512 GiB up): nothing else maps there, so the walks go through tables of
 * the benchmark's own. The pages are the 16 MiB above the VMX library's page pool
 * (16..32 MiB), and under EPT the 16 MiB above those (build_ept); RAM is 128 MiB on
 * both emulators. */
#define WALK_VA 0x8000000000ull
#define WALK_PA 0x2000000ull

/* Secondary processor-based controls "enable EPT" and "enable VPID" (SDM 25.6.2,
 * Table 25-7). */
#define SEC_EPT (1u << 1)
#define SEC_VPID (1u << 5)
/* IA32_VMX_EPT_VPID_CAP (SDM A.10): page-walk length 4, WB paging-structure memory
 * type, 2 MiB EPT pages. */
#define EPTCAP_WALK4 (1ull << 6)
#define EPTCAP_WB (1ull << 14)
#define EPTCAP_2M (1ull << 16)
/* EPT entries (SDM 29.3.2, Tables 29-1 to 29-6): read, write, execute; a PDE with bit 7
 * maps 2 MiB with its memory type in bits 5:3. */
#define EPT_RWX 7ull
#define EPT_LARGE (1ull << 7)
#define EPT_MT_WB (6ull << 3)
/* EPTP (SDM 25.6.11, Table 25-9): memory type WB in bits 2:0, page-walk length minus 1
 * in bits 5:3, no accessed/dirty flags. */
#define EPTP_WB_WALK4 (6ull | (3ull << 3))
#define PTE_P_RW 3ull

/* The library's entry primitive (guest/vmx/enter.S): VMLAUNCH/VMRESUME with vmx_regs,
 * returns 0x10000 after a VM exit. The loop below uses it directly instead of
 * vmx_resume(), which VMREADs all of the exit information each time: the round trip
 * measured is the transition plus the least a VMM must do (reason, RIP). */
int vmx_enter_asm(int resume);
#define ENTER_EXITED 0x10000

static volatile u64 walk_sum;

static void guest_cpuid(void)
{
    for (u32 i = 0; i < CPUID_EXITS; i++) {
        u32 a = 0, b, c = 0, d;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    }
}

static void guest_walk(void)
{
    u64 sum = 0;
    for (u32 r = 0; r < WALK_ROUNDS; r++) {
        const volatile u64 *p = (const volatile u64 *)WALK_VA;
        for (u32 i = 0; i < WALK_PAGES; i++, p += 512) {
            invlpg((const void *)p);
            sum += *p;
        }
    }
    walk_sum = sum;
}

static void report_exit(const char *phase)
{
    printf("vmxbench %s: unexpected exit reason 0x%x qual 0x%llx rip 0x%llx (insn error %u)\n",
           phase, vmx_exit.reason, (unsigned long long)vmx_exit.qual,
           (unsigned long long)vmx_exit.guest_rip, vmx_insn_error());
}

static void run_cpuid(int vpid)
{
    const char *name = vpid ? "cpuid-vpid" : "cpuid";
    if (vpid && (!vmx_may1(vmx_caps.proc, PROC_SECONDARY) || !vmx_may1(vmx_caps.proc2, SEC_VPID))) {
        printf("vmxbench vpid: not offered\n");
        return;
    }
    vmx_default_vmcs(guest_cpuid);
    if (vpid) {
        /* A VPID must not be 0 (SDM 27.2.1.1). */
        vmw_or(PROC_CONTROLS, PROC_SECONDARY);
        vmw(PROC_CONTROLS2, vmx_adjust(vmx_caps.proc2, SEC_VPID));
        vmw(VPID, 1);
    }
    u64 exits = 0;
    if (vmx_launch() != VMX_EXITED) {
        printf("vmxbench %s: VMLAUNCH failed (insn error %u)\n", name, vmx_insn_error());
        return;
    }
    u32 reason = vmx_exit.reason;
    while (reason == EXIT_CPUID) {
        exits++;
        vmx_skip_insn();
        if (vmx_enter_asm(1) != ENTER_EXITED) {
            printf("vmxbench %s: VMRESUME failed (insn error %u)\n", name, vmx_insn_error());
            return;
        }
        reason = (u32)vmr(EXIT_REASON);
    }
    if (reason != EXIT_VMCALL) {
        vmx_exit.reason = reason;
        vmx_exit.qual = vmr(EXIT_QUAL);
        vmx_exit.guest_rip = vmr(GUEST_RIP);
        report_exit(name);
    }
    printf("vmxbench %s exits=%llu\n", name, (unsigned long long)exits);
}

/* The guest's own page tables: PML4 slot 0 as the runtime's identity map (code, data,
 * stacks), slot 1 mapping WALK_VA.. with 4 KiB pages onto WALK_PA.. Page i holds i. */
static u64 build_walk_tables(void)
{
    u64 *pml4 = (u64 *)vmx_alloc_page();
    pml4[0] = ((u64 *)read_cr3())[0];
    u64 *pdpt = (u64 *)vmx_alloc_page();
    u64 *pd = (u64 *)vmx_alloc_page();
    pml4[1] = (u64)pdpt | PTE_P_RW;
    pdpt[0] = (u64)pd | PTE_P_RW;
    for (u32 t = 0; t < WALK_PAGES / 512; t++) {
        u64 *pt = (u64 *)vmx_alloc_page();
        pd[t] = (u64)pt | PTE_P_RW;
        for (u32 j = 0; j < 512; j++) {
            u64 pa = WALK_PA + ((u64)t * 512 + j) * 4096;
            pt[j] = pa | PTE_P_RW;
            *(u64 *)pa = (u64)t * 512 + j;
        }
    }
    return (u64)pml4;
}

/* EPT for the low 4 GiB with 2 MiB pages, write-back: the identity, except that the
 * walked pages' guest-physical range is backed by the WALK_BYTES above it, whose page i
 * holds WALK_PAGES + i. The guest's sum then shows that its reads went through EPT. */
static u64 build_ept(void)
{
    u64 *pml4 = (u64 *)vmx_alloc_page();
    u64 *pdpt = (u64 *)vmx_alloc_page();
    pml4[0] = (u64)pdpt | EPT_RWX;
    for (u32 g = 0; g < 4; g++) {
        u64 *pd = (u64 *)vmx_alloc_page();
        pdpt[g] = (u64)pd | EPT_RWX;
        for (u32 j = 0; j < 512; j++) {
            u64 gpa = ((u64)g << 30) + ((u64)j << 21);
            u64 hpa = gpa >= WALK_PA && gpa < WALK_PA + WALK_BYTES ? gpa + WALK_BYTES : gpa;
            pd[j] = hpa | EPT_LARGE | EPT_MT_WB | EPT_RWX;
        }
    }
    for (u32 i = 0; i < WALK_PAGES; i++)
        *(u64 *)(WALK_PA + WALK_BYTES + (u64)i * 4096) = WALK_PAGES + i;
    return (u64)pml4 | EPTP_WB_WALK4;
}

/* EPT with what build_ept needs. IA32_VMX_EPT_VPID_CAP exists only when EPT or VPID
 * may be enabled (SDM A.10); PROCBASED_CTLS2 only with secondary controls (A.3.3),
 * which vmx_read_caps already took into account (proc2 = 0 without them). */
static int ept_offered(void)
{
    if (!vmx_may1(vmx_caps.proc, PROC_SECONDARY) || !vmx_may1(vmx_caps.proc2, SEC_EPT)) return 0;
    u64 cap = rdmsr(MSR_VMX_EPT_VPID);
    u64 need = EPTCAP_WALK4 | EPTCAP_WB | EPTCAP_2M;
    return (cap & need) == need;
}

static void run_walk(int ept)
{
    const char *name = ept ? "walk-ept" : "walk";
    if (ept && !ept_offered()) {
        printf("vmxbench ept: not offered\n");
        return;
    }
    u64 cr3 = build_walk_tables();
    vmx_default_vmcs(guest_walk);
    vmw(GUEST_CR3, cr3);
    if (ept) {
        /* Enabling EPT needs the secondary controls active and a valid EPTP
         * (SDM 27.2.1.1). */
        vmw_or(PROC_CONTROLS, PROC_SECONDARY);
        vmw(PROC_CONTROLS2, vmx_adjust(vmx_caps.proc2, SEC_EPT));
        vmw(EPT_POINTER, build_ept());
    }
    int r = vmx_launch();
    if (r != VMX_EXITED) {
        printf("vmxbench %s: VMLAUNCH failed (insn error %u)\n", name, vmx_insn_error());
        return;
    }
    if (vmx_exit.reason != EXIT_VMCALL) {
        report_exit(name);
        return;
    }
    printf("vmxbench %s walks=%u sum=%llu\n", name, WALK_PAGES * WALK_ROUNDS,
           (unsigned long long)walk_sum);
}

void main64(u64 phase)
{
    if (!vmx_start()) return;
    switch (phase) {
    case PHASE_CPUID: run_cpuid(0); break;
    case PHASE_CPUID_VPID: run_cpuid(1); break;
    case PHASE_WALK: run_walk(0); break;
    case PHASE_WALK_EPT: run_walk(1); break;
    }
    vmx_leave();
}
