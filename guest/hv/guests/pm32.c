/* The 32-bit protected-mode test guest: turns on paging (4 MiB pages, an alias, the
 * hypervisor's MMIO page; "paging alias: ok" also covers the accessed/dirty flags and a
 * remap seen after INVLPG), reads the time from the PIT and the TSC, takes timer
 * interrupts, touches MSRs (one the hypervisor refuses with #GP), and says goodbye
 * through a hypercall. */
#include "ghv.h"

#define PD_GPA 0x180000u
#define ALIAS 0x400000u /* linear 4 MiB -> physical 0 */

static volatile u32 gp_faults;

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
