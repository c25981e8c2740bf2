/* Local APIC and I/O APIC rules on one processor:
 *   - LVT timer mode changes (SDM 11.5.4.1): one-shot <-> periodic keeps the initial count
 *     and the running count; an expired one-shot count stays 0 after a switch to periodic;
 *   - IA32_APIC_BASE relocates the xAPIC window (SDM 11.4.4, 11.4.5), onto RAM too, which
 *     the window then hides from this processor (11.4.1);
 *   - an edge on a masked I/O APIC pin is ignored, not delivered at unmask (82093AA);
 *   - the x2APIC ID is the initial APIC ID whatever was written to the xAPIC ID, and
 *     disable + re-enable brings the initial ID back (SDM 11.12.5.1, 11.4.6). Last, as it
 *     leaves the APIC disabled on Bochs (notes/bochs.md).
 * Only states and counts are printed, never timings. */
#include "guest.h"

#define LAPIC 0xfee00000u
#define LAPIC_ALT 0xfed40000u /* the relocation target kvm-unit-tests use: no device there */
#define IOAPIC 0xfec00000u
#define VEC_TIMER 0x40
#define VEC_PIT 0x50
#define SPIN 30000000u

static volatile u32 hits[256];

static u32 lapic_rd(u32 reg) { return *(volatile u32 *)(uptr)(LAPIC + reg); }
static void lapic_wr(u32 reg, u32 v) { *(volatile u32 *)(uptr)(LAPIC + reg) = v; }
static void ioapic_wr(u32 reg, u32 v)
{
    *(volatile u32 *)(uptr)IOAPIC = reg;
    *(volatile u32 *)(uptr)(IOAPIC + 0x10) = v;
}
static void ioapic_route(int pin, int vec, int masked)
{
    ioapic_wr(0x11 + 2 * pin, 0); /* destination: APIC ID 0 */
    ioapic_wr(0x10 + 2 * pin, vec | (masked ? 1u << 16 : 0)); /* fixed, edge, high */
}

static void on_irq(struct trap_frame *f)
{
    hits[f->vec]++;
    lapic_wr(0xb0, 0);
}

/* Bounded waits (work, not time): a missing event fails a check instead of hanging. */
static int wait_hits(int vec, u32 n)
{
    sti();
    for (u32 i = 0; i < SPIN && hits[vec] < n; i++) __asm__ volatile("pause");
    cli();
    return hits[vec] >= n;
}
static int wait_count_below(u32 v)
{
    for (u32 i = 0; i < SPIN; i++)
        if (lapic_rd(0x390) < v) return 1;
    return 0;
}
static int wait_count_above(u32 v)
{
    for (u32 i = 0; i < SPIN; i++)
        if (lapic_rd(0x390) > v) return 1;
    return 0;
}
static void settle(void)
{
    sti();
    for (volatile u32 n = 0; n < 200000; n++) __asm__ volatile("pause");
    cli();
}

#define TMICT 2000000u

static void test_timer_mode_change(void)
{
    lapic_wr(0x3e0, 0xb); /* divide by 1 */
    lapic_wr(0x320, VEC_TIMER); /* one-shot */
    lapic_wr(0x380, TMICT);
    check("lvt_oneshot_half_way", wait_count_below(TMICT / 2));
    lapic_wr(0x320, VEC_TIMER | 1u << 17); /* -> periodic */
    check_eq("lvt_to_periodic_keeps_initial_count", lapic_rd(0x380), TMICT);
    u32 cur = lapic_rd(0x390);
    check("lvt_to_periodic_keeps_counting", cur != 0 && cur < TMICT / 2);
    check("lvt_switched_periodic_fires", wait_hits(VEC_TIMER, 1));
    check("lvt_switched_periodic_reloads", wait_count_above(TMICT / 2));
    check("lvt_periodic_half_way", wait_count_below(TMICT / 2));
    lapic_wr(0x320, VEC_TIMER); /* -> one-shot */
    cur = lapic_rd(0x390);
    check("lvt_to_oneshot_keeps_counting", cur != 0 && cur < TMICT / 2);
    check("lvt_switched_oneshot_fires", wait_hits(VEC_TIMER, 2));
    check_eq("lvt_switched_oneshot_ends_at_0", lapic_rd(0x390), 0);
    lapic_wr(0x320, VEC_TIMER | 1u << 17); /* expired one-shot -> periodic */
    check_eq("lvt_expired_oneshot_stays_0_in_periodic", lapic_rd(0x390), 0);
    settle();
    check_eq("lvt_expired_oneshot_no_more_interrupts", hits[VEC_TIMER], 2);
    lapic_wr(0x320, VEC_TIMER | 1u << 16); /* masked, one-shot */
    lapic_wr(0x380, 0);
}

static void test_relocation(void)
{
    u64 base = rdmsr(0x1b);
    u32 ver = lapic_rd(0x30);
    wrmsr(0x1b, LAPIC_ALT | (base & 0xfff));
    check_eq("apic_base_relocated_msr", rdmsr(0x1b) & ~0xfffull, LAPIC_ALT);
    check_eq("apic_relocated_version", *(volatile u32 *)(uptr)(LAPIC_ALT + 0x30), ver);
    check_eq("apic_relocated_id", *(volatile u32 *)(uptr)(LAPIC_ALT + 0x20), 0);
    *(volatile u32 *)(uptr)(LAPIC_ALT + 0x80) = 0x20;
    check_eq("apic_relocated_tpr_write", *(volatile u32 *)(uptr)(LAPIC_ALT + 0x80), 0x20);
    check_eq("apic_old_window_empty", lapic_rd(0x30), 0xffffffffu);
    wrmsr(0x1b, base);
    check_eq("apic_back_at_default_tpr", lapic_rd(0x80), 0x20);
    lapic_wr(0x80, 0);
}

/* Moved onto RAM, the window shows the APIC to this processor, not the RAM (SDM 11.4.1,
 * 11.4.4); moved back, the RAM is as it was. */
static u32 ram_page[1024] __attribute__((aligned(4096)));

static void test_relocation_onto_ram(void)
{
    u64 base = rdmsr(0x1b);
    u32 ver = lapic_rd(0x30);
    volatile u32 *p = ram_page;
    for (int k = 0; k < 1024; k++) p[k] = 0xa5a5a5a5u;
    wrmsr(0x1b, (u32)(uptr)ram_page | (base & 0xfff));
    check_eq("apic_over_ram_version", p[0x30 / 4], ver);
    p[0x80 / 4] = 0x30;
    check_eq("apic_over_ram_tpr_write", p[0x80 / 4], 0x30);
    wrmsr(0x1b, base);
    check_eq("apic_back_from_ram_tpr", lapic_rd(0x80), 0x30);
    lapic_wr(0x80, 0);
    int changed = 0;
    for (int k = 0; k < 1024; k++) changed += p[k] != 0xa5a5a5a5u;
    check_eq("apic_back_from_ram_ram_intact", changed, 0);
}

/* PIT channel 0 in mode 0: OUT rises once at terminal count, an edge on I/O APIC pin 2. */
static void pit_oneshot(u16 count)
{
    outb(0x43, 0x30);
    outb(0x40, count & 0xff);
    outb(0x40, count >> 8);
}
static int pit_out_high(void)
{
    for (u32 i = 0; i < SPIN; i++) {
        outb(0x43, 0xe2); /* read-back: status of channel 0 */
        if (inb(0x40) & 0x80) return 1;
    }
    return 0;
}

static void test_ioapic_masked_edge(void)
{
    ioapic_route(2, VEC_PIT, 1);
    pit_oneshot(2000);
    check("ioapic_pit_edge_while_masked", pit_out_high());
    ioapic_route(2, VEC_PIT, 0);
    settle();
    check_eq("ioapic_masked_edge_dropped", hits[VEC_PIT], 0);
    pit_oneshot(2000);
    check("ioapic_unmasked_edge_delivered", wait_hits(VEC_PIT, 1));
    ioapic_route(2, VEC_PIT, 1);
}

static void test_x2apic_id(void)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!check("x2apic_supported", (c >> 21) & 1)) return;
    lapic_wr(0x20, 5u << 24); /* writable on some models (SDM 11.4.6), not on others */
    u64 base = rdmsr(0x1b);
    wrmsr(0x1b, base | 1u << 10);
    check_eq("x2apic_id_is_initial_id", rdmsr(0x802), 0);
    check_eq("x2apic_ldr_from_initial_id", rdmsr(0x80d), 1);
    check_eq("x2apic_mode_hides_xapic_window", lapic_rd(0x30), 0xffffffffu); /* SDM 11.12.2 */
    wrmsr(0x1b, base & ~(3ull << 10)); /* disable */
    wrmsr(0x1b, base & ~(1ull << 10)); /* xAPIC again */
    check_eq("xapic_reenabled_initial_id", lapic_rd(0x20), 0);
}

void test_main(struct multiboot_info *mbi)
{
    outb(0x21, 0xff); /* the 8259s stay quiet: only the APICs deliver */
    outb(0xa1, 0xff);
    set_trap_handler(VEC_TIMER, on_irq);
    set_trap_handler(VEC_PIT, on_irq);
    set_trap_handler(0xff, 0);
    lapic_wr(0xf0, 0x1ff);
    lapic_wr(0x80, 0);
    test_timer_mode_change();
    test_relocation();
    test_relocation_onto_ram();
    test_ioapic_masked_edge();
    test_x2apic_id();
}
