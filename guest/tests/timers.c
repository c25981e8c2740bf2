/* (g) Timer interrupts: the PIT through the 8259 PIC, the local APIC timer (one-shot
 * and periodic), and I/O APIC routing of the PIT (pin 2, the usual override) and the
 * RTC periodic interrupt (pin 8). Only counts and register states are compared, never
 * timings, so the output is the same on every emulator. */
#include "guest.h"

#define LAPIC 0xfee00000u
#define IOAPIC 0xfec00000u
#define VEC_PIC0 0x20
#define VEC_LAPIC 0x40
#define VEC_IOAPIC_PIT 0x50
#define VEC_IOAPIC_RTC 0x58

static volatile u32 hits[256];
static volatile u32 isr_seen;

static u32 lapic_rd(u32 reg) { return *(volatile u32 *)(uptr)(LAPIC + reg); }
static void lapic_wr(u32 reg, u32 v) { *(volatile u32 *)(uptr)(LAPIC + reg) = v; }
static u32 ioapic_rd(u32 reg)
{
    *(volatile u32 *)(uptr)IOAPIC = reg;
    return *(volatile u32 *)(uptr)(IOAPIC + 0x10);
}
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

/* Wait (interrupts on) until vector vec has been seen n times; bounded by work done,
 * not time, so a missing interrupt fails the check instead of hanging the test. */
static int wait_hits(int vec, u32 n)
{
    sti();
    for (u32 i = 0; i < 30000000 && hits[vec] < n; i++)
        __asm__ volatile("pause");
    cli();
    return hits[vec] >= n;
}

static void on_pic_timer(struct trap_frame *f)
{
    outb(0x20, 0x0b); /* OCW3: read ISR */
    isr_seen = inb(0x20);
    hits[f->vec]++;
    outb(0x20, 0x20); /* non-specific EOI */
}
static void on_lapic(struct trap_frame *f)
{
    isr_seen = lapic_rd(0x100 + 0x10 * (f->vec / 32));
    hits[f->vec]++;
    lapic_wr(0xb0, 0);
}
static void on_rtc(struct trap_frame *f)
{
    outb(0x70, 0x0c);
    (void)inb(0x71); /* reading register C acknowledges the RTC interrupt */
    hits[f->vec]++;
    lapic_wr(0xb0, 0);
}

static void pic_init(u8 mask_master)
{
    outb(0x20, 0x11); outb(0xa0, 0x11); /* ICW1: edge, cascade, ICW4 */
    outb(0x21, 0x20); outb(0xa1, 0x28); /* ICW2: vector bases */
    outb(0x21, 0x04); outb(0xa1, 0x02); /* ICW3: slave on IRQ2 */
    outb(0x21, 0x01); outb(0xa1, 0x01); /* ICW4: 8086 mode */
    outb(0x21, mask_master);
    outb(0xa1, 0xff);
}

static void pit_periodic(u16 count)
{
    outb(0x43, 0x34); /* channel 0, lo/hi, mode 2 (rate generator) */
    outb(0x40, count & 0xff);
    outb(0x40, count >> 8);
}

static void test_pic_pit(void)
{
    pic_init(0xfe); /* only IRQ0 */
    pit_periodic(11932); /* ~100 Hz */
    check("pit_irq0_via_pic", wait_hits(VEC_PIC0, 3));
    check_eq("pic_isr_in_handler", isr_seen & 1, 1);
    outb(0x20, 0x0b);
    check_eq("pic_isr_clear_after_eoi", inb(0x20) & 1, 0);

    outb(0x43, 0x00); /* latch channel 0 */
    u16 c = inb(0x40);
    c |= inb(0x40) << 8;
    check("pit_latched_count_in_range", c > 0 && c <= 11932);

    /* A masked IRQ still sets its IRR bit and is not delivered. */
    outb(0x21, 0xff);
    u32 before = hits[VEC_PIC0];
    int irr = 0;
    sti();
    for (u32 i = 0; i < 30000000 && !irr; i++) {
        outb(0x20, 0x0a); /* OCW3: read IRR */
        irr = inb(0x20) & 1;
    }
    cli();
    check("pic_irr_while_masked", irr);
    check_eq("pic_masked_not_delivered", hits[VEC_PIC0], before);
    outb(0x43, 0x30); /* channel 0 back to one-shot mode 0, stop counting */
    outb(0x40, 0);
    outb(0x40, 0);
}

static void test_lapic_timer(void)
{
    u64 base = rdmsr(0x1b);
    check_eq("apic_base_msr", base & 0xfffff900ull, LAPIC | 0x900);
    check_eq("lapic_id_bsp", lapic_rd(0x20) >> 24, 0);
    lapic_wr(0xf0, 0x1ff); /* software enable, spurious vector 0xff */
    lapic_wr(0x80, 0);     /* TPR: accept everything */
    lapic_wr(0x3e0, 0xb);  /* divide by 1 */
    lapic_wr(0x320, VEC_LAPIC); /* one-shot */
    lapic_wr(0x380, 200000);
    u32 cur = lapic_rd(0x390);
    check("lapic_timer_counting", cur > 0 && cur <= 200000);
    check("lapic_oneshot_fires", wait_hits(VEC_LAPIC, 1));
    check_eq("lapic_isr_in_handler", (isr_seen >> (VEC_LAPIC % 32)) & 1, 1);
    check_eq("lapic_oneshot_count_zero", lapic_rd(0x390), 0);
    check_eq("lapic_oneshot_once", hits[VEC_LAPIC], 1);

    lapic_wr(0x320, VEC_LAPIC | (1u << 17)); /* periodic */
    lapic_wr(0x380, 50000);
    check("lapic_periodic_fires", wait_hits(VEC_LAPIC, 4));
    lapic_wr(0x320, VEC_LAPIC | (1u << 16)); /* masked */
    lapic_wr(0x380, 0);
    check_eq("lapic_lvt_masked_readback", lapic_rd(0x320) & 0x300ff, VEC_LAPIC | (1u << 16));
}

static void test_ioapic(void)
{
    check_eq("ioapic_max_redir", (ioapic_rd(1) >> 16) & 0xff, 23);
    ioapic_route(2, VEC_IOAPIC_PIT, 1);
    check_eq("ioapic_rte_readback", ioapic_rd(0x14) & 0x1ffff, VEC_IOAPIC_PIT | (1u << 16));
    ioapic_route(2, VEC_IOAPIC_PIT, 0);
    pit_periodic(11932);
    check("ioapic_pit_pin2", wait_hits(VEC_IOAPIC_PIT, 2));
    ioapic_route(2, VEC_IOAPIC_PIT, 1);
    outb(0x43, 0x30);
    outb(0x40, 0);
    outb(0x40, 0);

    ioapic_route(8, VEC_IOAPIC_RTC, 0);
    outb(0x70, 0x0a);
    outb(0x71, 0x26); /* 32.768 kHz time base, 1024 Hz periodic rate */
    outb(0x70, 0x0b);
    u8 b = inb(0x71);
    outb(0x70, 0x0b);
    outb(0x71, b | 0x40); /* PIE */
    outb(0x70, 0x0c);
    (void)inb(0x71);
    check("ioapic_rtc_pin8", wait_hits(VEC_IOAPIC_RTC, 3));
    outb(0x70, 0x0b);
    outb(0x71, b & ~0x40);
    ioapic_route(8, VEC_IOAPIC_RTC, 1);
}

void test_main(struct multiboot_info *mbi)
{
    set_trap_handler(VEC_PIC0, on_pic_timer);
    set_trap_handler(VEC_LAPIC, on_lapic);
    set_trap_handler(VEC_IOAPIC_PIT, on_lapic);
    set_trap_handler(VEC_IOAPIC_RTC, on_rtc);
    set_trap_handler(0xff, 0); /* a spurious interrupt would be reported as unexpected */
    test_pic_pit();
    outb(0x21, 0xff); /* from here on only the APICs deliver */
    test_lapic_timer();
    test_ioapic();
}
