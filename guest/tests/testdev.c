/* QEMU's pc-testdev from inside a guest (run with -device pc-testdev; Bochs has no such
 * device, so this test is Vanderpool-only, see tests/guest/options.txt): the data
 * register at 0xe0 and 0xe8 in every width and through string I/O, the page-flush port,
 * ISA interrupt lines raised and lowered through 0x2000-0x2017 and delivered by the 8259
 * PIC (edge and level, ELCR) and by the I/O APIC (edge and level with remote IRR), and
 * the RAM-like 64 KiB window at 0xff000000. Layout: QEMU's hw/misc/pc-testdev.c. */
#include "guest.h"

#define LAPIC 0xfee00000u
#define IOAPIC 0xfec00000u
#define WIN 0xff000000u
#define IRQ_PORT(n) ((u16)(0x2000 + (n)))
#define VEC_PIC_EDGE 0x25  /* IRQ5 */
#define VEC_PIC_LEVEL 0x2a /* IRQ10 on the slave */
#define VEC_IO_EDGE 0x60   /* I/O APIC pin 14 */
#define VEC_IO_LEVEL 0x61  /* I/O APIC pin 15 (lines 16-23 abort QEMU) */

static volatile u32 hits[256];
static volatile u32 lower_at; /* level handlers lower the line on this hit */

static void lapic_wr(u32 reg, u32 v)
{
    *(volatile u32 *)(uptr)(LAPIC + reg) = v;
}
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

/* Interrupts on for a fixed amount of work: delivery happens at the first instruction
 * boundary, so this is plenty, and counts never depend on timing. */
static void window_open(void)
{
    sti();
    for (volatile int i = 0; i < 1000; i++) {
    }
    cli();
}

static void on_pic_edge(struct trap_frame *f)
{
    hits[f->vec]++;
    outb(0x20, 0x20);
}
static void on_pic_level(struct trap_frame *f)
{
    if (++hits[f->vec] == lower_at) outb(IRQ_PORT(10), 0);
    outb(0xa0, 0x20);
    outb(0x20, 0x20);
}
static void on_io_edge(struct trap_frame *f)
{
    hits[f->vec]++;
    lapic_wr(0xb0, 0);
}
static void on_io_level(struct trap_frame *f)
{
    if (++hits[f->vec] == lower_at) outb(IRQ_PORT(15), 0);
    lapic_wr(0xb0, 0);
}

static void test_data_port(void)
{
    outl(0xe0, 0x12345678);
    check_eq("data_dword", inl(0xe0), 0x12345678);
    check_eq("data_word_at_e2", inw(0xe2), 0x1234);
    check_eq("data_byte_at_e1", inb(0xe1), 0x56);
    /* Aligned accesses only: QEMU's TCG drops misaligned ones (its memory core rejects
     * them), KVM splits them into bytes as Vanderpool does (tests/unit/test_dev_testdev.c). */
    outw(0xe2, 0xabcd);
    check_eq("data_word_write_at_e2", inl(0xe0), 0xabcd5678);
    outb(0xe3, 0x9f);
    check_eq("data_byte_write_at_e3", inl(0xe0), 0x9fcd5678);
    check_eq("byte_port_reads_data", inl(0xe8), 0x9fcd5678);
    outw(0xe8, 0x4321);
    check_eq("byte_port_writes_data", inl(0xe0), 0x9fcd4321);
    /* String I/O, as kvm-unit-tests' emulator test does: REP OUTSB then REP INSB. */
    static const char src[5] = "ABCD";
    static char dst[4];
    const char *s = src;
    char *d = dst;
    u32 n = 4;
    __asm__ volatile("cld; rep outsb" : "+S"(s), "+c"(n) : "d"(0xe0) : "memory");
    check_eq("rep_outsb_keeps_last_byte", inl(0xe0), 0x9fcd4344);
    outl(0xe0, 0x64636261);
    n = 4;
    __asm__ volatile("cld; rep insb" : "+D"(d), "+c"(n) : "d"(0xe0) : "memory");
    check("rep_insb_reads_byte0", dst[0] == 'a' && dst[3] == 'a' && n == 0);
    /* Page flush: no visible effect, reads 0. */
    static volatile u32 cell = 0x5a5a5a5a;
    outl(0xe4, (u32)(uptr)&cell);
    check_eq("flush_keeps_memory", cell, 0x5a5a5a5a);
    check_eq("flush_reads_zero", inl(0xe4), 0);
    check_eq("irq_ports_read_zero", inb(IRQ_PORT(5)), 0);
}

static void pic_init(u8 mask_master, u8 mask_slave)
{
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, mask_master);
    outb(0xa1, mask_slave);
}

static void test_pic(void)
{
    pic_init(0xff & ~(1u << 5) & ~(1u << 2), 0xff & ~(1u << 2));
    outb(IRQ_PORT(5), 1);
    window_open();
    check_eq("pic_edge_raise_delivers", hits[VEC_PIC_EDGE], 1);
    window_open();
    check_eq("pic_edge_high_no_repeat", hits[VEC_PIC_EDGE], 1);
    outb(IRQ_PORT(5), 0);
    window_open();
    check_eq("pic_edge_lower_nothing", hits[VEC_PIC_EDGE], 1);
    outb(IRQ_PORT(5), 0x80); /* any non-zero byte raises */
    window_open();
    check_eq("pic_edge_second_rise", hits[VEC_PIC_EDGE], 2);
    outb(IRQ_PORT(5), 0);
    /* A masked edge is remembered in IRR and delivered at unmask (8259A). */
    outb(0x21, 0xff);
    outb(IRQ_PORT(5), 1);
    outb(IRQ_PORT(5), 0);
    window_open();
    check_eq("pic_masked_edge_waits", hits[VEC_PIC_EDGE], 2);
    outb(0x21, 0xff & ~(1u << 5) & ~(1u << 2));
    window_open();
    check_eq("pic_masked_edge_at_unmask", hits[VEC_PIC_EDGE], 3);

    /* Level-triggered IRQ10 (ELCR): delivered again after each EOI while high. */
    outb(0x4d1, 1u << 2);
    lower_at = 3;
    outb(IRQ_PORT(10), 1);
    window_open();
    check_eq("pic_level_until_lowered", hits[VEC_PIC_LEVEL], 3);
    window_open();
    check_eq("pic_level_lowered_stops", hits[VEC_PIC_LEVEL], 3);
    outb(0x4d1, 0);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

static void test_ioapic(void)
{
    lapic_wr(0xf0, 0x1ff);
    lapic_wr(0x80, 0);
    ioapic_wr(0x11 + 2 * 14, 0);
    ioapic_wr(0x10 + 2 * 14, VEC_IO_EDGE);
    outb(IRQ_PORT(14), 1);
    window_open();
    check_eq("ioapic_edge_raise_delivers", hits[VEC_IO_EDGE], 1);
    window_open();
    check_eq("ioapic_edge_high_no_repeat", hits[VEC_IO_EDGE], 1);
    outb(IRQ_PORT(14), 0);
    outb(IRQ_PORT(14), 1);
    window_open();
    check_eq("ioapic_edge_second_rise", hits[VEC_IO_EDGE], 2);
    outb(IRQ_PORT(14), 0);
    ioapic_wr(0x10 + 2 * 14, 1u << 16);

    /* Level, active high: remote IRR set while in service, re-delivered after each EOI
     * while the line stays high. */
    ioapic_wr(0x11 + 2 * 15, 0);
    ioapic_wr(0x10 + 2 * 15, VEC_IO_LEVEL | (1u << 15));
    lower_at = 3;
    outb(IRQ_PORT(15), 1);
    check("ioapic_level_remote_irr_pending", ioapic_rd(0x10 + 2 * 15) & (1u << 12 | 1u << 14));
    window_open();
    check_eq("ioapic_level_until_lowered", hits[VEC_IO_LEVEL], 3);
    check_eq("ioapic_level_remote_irr_clear", ioapic_rd(0x10 + 2 * 15) & (1u << 14), 0);
    /* Masked while high: nothing; unmasked while still high: delivered. */
    ioapic_wr(0x10 + 2 * 15, VEC_IO_LEVEL | (1u << 15) | (1u << 16));
    lower_at = 4;
    outb(IRQ_PORT(15), 1);
    window_open();
    check_eq("ioapic_level_masked_waits", hits[VEC_IO_LEVEL], 3);
    ioapic_wr(0x10 + 2 * 15, VEC_IO_LEVEL | (1u << 15));
    window_open();
    check_eq("ioapic_level_at_unmask", hits[VEC_IO_LEVEL], 4);
    ioapic_wr(0x10 + 2 * 15, 1u << 16);
}

static void test_window(void)
{
    volatile u32 *w32 = (volatile u32 *)(uptr)WIN;
    volatile u8 *w8 = (volatile u8 *)(uptr)WIN;
    w32[0] = 0x11223344;
    w32[1] = 0x55667788;
    check_eq("window_dword", w32[0], 0x11223344);
    check_eq("window_byte", w8[1], 0x33);
    check_eq("window_unaligned_dword", *(volatile u32 *)(uptr)(WIN + 2), 0x77881122);
    w8[3] = 0xee;
    check_eq("window_byte_write", w32[0], 0xee223344);
    w32[0x3fff] = 0xcafef00d; /* the last dword */
    check_eq("window_last_dword", w32[0x3fff], 0xcafef00d);
    /* Across a page boundary inside the window. */
    *(volatile u32 *)(uptr)(WIN + 0xffe) = 0xa1b2c3d4;
    check_eq("window_page_crossing", *(volatile u32 *)(uptr)(WIN + 0xffe), 0xa1b2c3d4);
    /* RAM -> window -> RAM with REP MOVSB. */
    static char msg[32] = "the window holds what it gets";
    static char back[32];
    char *s = msg, *d = (char *)(uptr)(WIN + 0x2001);
    u32 n = sizeof msg;
    __asm__ volatile("cld; rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    s = (char *)(uptr)(WIN + 0x2001), d = back, n = sizeof back;
    __asm__ volatile("cld; rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    check("window_rep_movsb_roundtrip", memcmp(msg, back, sizeof msg) == 0);
    /* Locked read-modify-write on the window. */
    u32 old = 5;
    __asm__ volatile("lock xaddl %0, %1"
                     : "+r"(old), "+m"(*(volatile u32 *)(uptr)(WIN + 0x100))
                     :
                     : "memory");
    u32 cmp = *(volatile u32 *)(uptr)(WIN + 0x100), want = 0x600d;
    __asm__ volatile("lock cmpxchgl %2, %1"
                     : "+a"(cmp), "+m"(*(volatile u32 *)(uptr)(WIN + 0x100))
                     : "r"(want)
                     : "memory");
    check_eq("window_lock_cmpxchg", *(volatile u32 *)(uptr)(WIN + 0x100), 0x600d);
}

void test_main(struct multiboot_info *mbi)
{
    set_trap_handler(VEC_PIC_EDGE, on_pic_edge);
    set_trap_handler(VEC_PIC_LEVEL, on_pic_level);
    set_trap_handler(VEC_IO_EDGE, on_io_edge);
    set_trap_handler(VEC_IO_LEVEL, on_io_level);
    set_trap_handler(0xff, 0);
    test_data_port();
    test_pic();
    test_ioapic();
    test_window();
}
