/* The 32-bit protected-mode test guest: turns on paging (4 MiB pages, an alias, the
 * hypervisor's MMIO page; "paging alias: ok" also covers the accessed/dirty flags and a
 * remap seen after INVLPG), takes its own page faults (not present, read-only with
 * CR0.WP, an instruction fetch, a reserved bit: CR2 and the error code as SDM 4.7 has
 * them, whether the processor delivers them with EPT or the hypervisor reflects them
 * from its shadow page tables), reads the time from the PIT and the TSC, takes timer
 * interrupts, touches MSRs (one the hypervisor refuses with #GP), and says goodbye
 * through a hypercall. */
#include "ghv.h"

#define PD_GPA 0x180000u
#define ALIAS 0x400000u /* linear 4 MiB -> physical 0 */

#define PF_LIN 0x800000u  /* linear 8-12 MiB: a page table of test pages */
#define PF_FETCH 0xc00000u /* 12-16 MiB: a page table behind a not-present PDE */
#define RSVD_LIN 0x1000000u /* 16-20 MiB: a 4 MiB page with reserved bit 21 set */

static volatile u32 gp_faults;
static volatile u32 pf_count, pf_cr2, pf_err;

/* #PF: record CR2 and the error code, then repair what faulted so the instruction
 * completes when it is restarted: a reserved bit cleared, a not-present PDE or PTE made
 * present, a read-only PTE made writable. No INVLPG: a page fault invalidates the
 * faulting address's translations and not-present entries are never cached (SDM
 * 4.10.4.1, 4.10.2.3). A guest whose faults do not stop gives up. */
__attribute__((interrupt)) static void pf_isr(struct interrupt_frame *f, uword_t err)
{
    (void)f;
    u32 cr2 = (u32)read_cr2(), *pde = (u32 *)PD_GPA + (cr2 >> 22);
    pf_cr2 = cr2, pf_err = err;
    if (++pf_count > 16) {
        printf("own #PF: fault loop at cr2 0x%x err 0x%x\n", cr2, (u32)err);
        hc_exit(1);
    }
    if (err & 8) {
        *pde &= ~(1u << 21);
    } else if (!(*pde & 1)) {
        *pde |= 1;
    } else {
        u32 *pte = (u32 *)(*pde & ~0xfffu) + ((cr2 >> 12) & 1023);
        *pte |= *pte & 1 ? 2 : 1;
    }
}

/* One line per check: the fault seen (exactly one expected) and whether the access
 * then did what it should. */
static void pf_report(const char *what, u32 before, int ok)
{
    u32 n = pf_count - before;
    if (n == 1)
        printf("own #PF, %s: cr2 0x%x err 0x%x, then %s\n", what, pf_cr2, pf_err,
               ok ? "value ok" : "value wrong");
    else
        printf("own #PF, %s: %u faults (last cr2 0x%x err 0x%x), value %s\n", what, n, pf_cr2,
               pf_err, ok ? "ok" : "wrong");
}

static void own_page_faults(u32 *pd)
{
    u32 *pt = (u32 *)(PD_GPA + 0x2000), *pt2 = (u32 *)(PD_GPA + 0x3000);
    memset(pt, 0, 4096);
    memset(pt2, 0, 4096);
    pt[0] = 0x152000 | 2; /* not present, read */
    pt[1] = 0x153000 | 1; /* read-only */
    pt[2] = 0x155000 | 2; /* not present, written */
    pt[4] = 0x156000 | 1; /* read-only, written with CR0.WP = 0 then 1 */
    pt2[0] = 0x154000 | 3;
    pd[PF_LIN >> 22] = (u32)(uptr)pt | 3;
    pd[PF_FETCH >> 22] = (u32)(uptr)pt2 | 2; /* not present */
    pd[RSVD_LIN >> 22] = 0x83 | 1u << 21; /* 4 MiB -> 0 with bit 21 set (Table 4-4) */
    *(volatile u32 *)0x152010 = 0x1234;
    *(volatile u32 *)0x153020 = 0;
    *(volatile u32 *)0x155030 = 0;
    *(volatile u32 *)0x156040 = 0;
    static const u8 code[] = {0xb8, 0x0d, 0x60, 0, 0, 0xc3}; /* mov $0x600d, %eax; ret */
    memcpy((void *)0x154000, code, sizeof code);
    *(volatile u32 *)0x150040 = 0xfeed;
    idt_set(14, (void *)pf_isr);
    idt_load();

    u32 n = pf_count;
    u32 v = *(volatile u32 *)(PF_LIN + 0x10);
    pf_report("read of a not-present page", n, v == 0x1234);

    n = pf_count;
    *(volatile u32 *)(PF_LIN + 0x2030) = 0x5eed;
    pf_report("write to a not-present page", n, *(volatile u32 *)0x155030 == 0x5eed);

    n = pf_count;
    *(volatile u32 *)(PF_LIN + 0x4040) = 0x77;
    printf("write to a read-only page with CR0.WP=0: %s, value %s\n",
           pf_count == n ? "no fault" : "#PF", *(volatile u32 *)0x156040 == 0x77 ? "ok" : "wrong");

    write_cr0(read_cr0() | CR0_WP);
    n = pf_count;
    *(volatile u32 *)(PF_LIN + 0x1020) = 0xcafe;
    pf_report("write to a read-only page with CR0.WP=1", n, *(volatile u32 *)0x153020 == 0xcafe);
    n = pf_count;
    *(volatile u32 *)(PF_LIN + 0x4040) = 0x88; /* the page written above with WP = 0 */
    pf_report("the same page written with WP=0, now WP=1", n, *(volatile u32 *)0x156040 == 0x88);
    write_cr0(read_cr0() & ~CR0_WP);

    /* 32-bit paging has no execute-disable: a fetch reports I/D clear (SDM 4.7). */
    n = pf_count;
    v = ((u32(*)(void))PF_FETCH)();
    pf_report("fetch through a not-present PDE", n, v == 0x600d);

    n = pf_count;
    v = *(volatile u32 *)(RSVD_LIN + 0x150040);
    pf_report("read through a PDE with a reserved bit", n, v == 0xfeed);
}

/* #GP from RDMSR: count it and step over the 2-byte instruction. */
__attribute__((interrupt)) static void gp_isr(struct interrupt_frame *f, uword_t err)
{
    (void)err;
    gp_faults++;
    ((uword_t *)f)[0] += 2;
}

static int rdmsr_safe(u32 msr, u64 *v)
{
    u32 before = gp_faults, lo = 0, hi = 0;
    __asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr));
    *v = (u64)hi << 32 | lo;
    return gp_faults == before ? 0 : -1;
}

int gmain(void)
{
    serial_init();
    printf("hello from 32-bit protected mode\n");
    printf("cpuid: VMX %s\n", vmx_visible() ? "visible" : "hidden");

    u32 *pd = (u32 *)PD_GPA;
    memset(pd, 0, 4096);
    pd[0] = 0x83;                                              /* 0-4 MiB identity: P, RW, PS */
    pd[ALIAS >> 22] = 0x83;                                    /* 4-8 MiB -> 0 */
    pd[HV_INFO_GPA >> 22] = (HV_INFO_GPA & 0xffc00000) | 0x93; /* PCD for MMIO */
    write_cr4(read_cr4() | CR4_PSE);
    write_cr3(PD_GPA);
    write_cr0(read_cr0() | CR0_PG);
    printf("paging on, cr0 0x%x\n", (u32)read_cr0());
    volatile u32 *lo = (u32 *)0x150000, *hi = (u32 *)(ALIAS + 0x150000);
    *lo = 0x600d;
    int alias = *hi == 0x600d;
    /* The MMU's accessed and dirty flags (SDM 4.8): the identity PDE was written
     * through, the alias PDE only read. Shadow paging must set them as hardware does. */
    int ad = (pd[0] & 0x60) == 0x60 && (pd[ALIAS >> 22] & 0x60) == 0x20;
    /* The alias becomes a page table with one page moved; after INVLPG of that page the
     * new translation is seen (SDM 4.10.4.1), shadow pages or not. */
    u32 *pt = (u32 *)(PD_GPA + 0x1000);
    for (u32 i = 0; i < 1024; i++)
        pt[i] = (i << 12) | 3;
    pt[0x150] = 0x151000 | 3;
    *(volatile u32 *)0x151000 = 0xbeef;
    pd[ALIAS >> 22] = (u32)(uptr)pt | 3;
    invlpg((const void *)hi);
    int remap = *hi == 0xbeef;
    if (alias && ad && remap)
        printf("paging alias: ok\n");
    else
        printf("paging alias: broken (alias %s, A/D flags %s, remap after INVLPG %s)\n",
               alias ? "ok" : "wrong", ad ? "ok" : "wrong", remap ? "ok" : "stale");

    own_page_faults(pd);

    u32 magic = mmio_read32(HV_INFO_GPA + HV_INFO_MAGIC);
    mmio_write32(HV_INFO_GPA + HV_INFO_SCRATCH, 0x5a5a);
    printf("info device: magic %s, scratch %s\n", magic == HV_INFO_MAGIC_VALUE ? "ok" : "wrong",
           mmio_read32(HV_INFO_GPA + HV_INFO_SCRATCH) == 0x5a5a ? "ok" : "wrong");

    idt_set(13, (void *)gp_isr);
    timer_start(100);
    u64 t0 = rdtsc();
    u16 c0 = pit_count();
    wait_ticks(5);
    u16 c1 = pit_count();
    printf("timer: %u ticks, pit counting %s, tsc advancing %s\n", ticks, c0 != c1 ? "yes" : "no",
           rdtsc() > t0 ? "yes" : "no");

    /* A tick that comes while IF=0 waits (the hypervisor asks for an interrupt window)
     * and is taken right after STI. Two wraps of the count: a period surely ended. */
    u32 before = ticks;
    u16 prev = pit_count();
    for (int wraps = 0; wraps < 2;) {
        u16 c = pit_count();
        wraps += c > prev;
        prev = c;
    }
    int held = ticks == before;
    __asm__ volatile("sti; nop; cli" ::: "memory");
    printf("timer while IF=0: held %s, taken after STI %s\n", held ? "yes" : "no",
           ticks == before + 1 ? "yes" : "no");

    u64 v;
    if (!rdmsr_safe(0x1b, &v)) printf("rdmsr APIC_BASE: 0x%x\n", (u32)v);
    printf("rdmsr 0x1234: %s\n", rdmsr_safe(0x1234, &v) ? "#GP" : "no fault");
    hc_print("goodbye through a hypercall\n");
    return 0;
}
