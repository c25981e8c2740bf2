/* HPET: capabilities, the main counter from virtual time (halted, running, written while
 * halted), one-shot and periodic comparators with Tn_VAL_SET, 32-bit mode, level
 * interrupts in GINTR_STA, legacy replacement to IRQ0/IRQ8 through the PIC, I/O APIC
 * routing; and any write of any size anywhere not crashing. */
#include "dev/dev.h"
#include "test_dev.h"

#define H HPET_BASE
static u64 rd(struct machine *m, u64 off)
{
    return phys_read(m, NULL, H + off, 8);
}
static void wr(struct machine *m, u64 off, u64 v)
{
    phys_write(m, NULL, H + off, 8, v);
}
static u32 rd4(struct machine *m, u64 off)
{
    return (u32)phys_read(m, NULL, H + off, 4);
}
static void wr4(struct machine *m, u64 off, u32 v)
{
    phys_write(m, NULL, H + off, 4, v);
}

#define TCFG(n) (0x100 + 0x20 * (n))
#define TCMP(n) (0x108 + 0x20 * (n))

int main(void)
{
    struct machine *m = dev_machine(1, 16 << 20);
    dev_pic_init(m, 0xfa, 0xfe); /* IRQ0, cascade, IRQ8 */

    u64 cap = rd(m, 0);
    CHECK_EQ("hpet period 10 ns", cap >> 32, 10000000);
    CHECK_EQ("hpet 3 timers, 64-bit, legacy capable", cap & 0xff00, 0xa200);
    CHECK_EQ("hpet 32-bit read of cap high half", rd4(m, 4), 10000000);
    CHECK_EQ("hpet timer caps: periodic, 64-bit", rd(m, TCFG(2)) & 0x30, 0x30);
    CHECK_EQ("hpet route cap", rd(m, TCFG(0)) >> 32, 0x00ff0104);

    machine_advance(m, 1000);
    CHECK_EQ("hpet halted counter", rd(m, 0xf0), 0);
    wr(m, 0xf0, 1000);
    CHECK_EQ("hpet counter written while halted", rd(m, 0xf0), 1000);
    wr(m, 0x10, 1);
    machine_advance(m, 1000);
    CHECK_EQ("hpet counter runs at 100 MHz", rd(m, 0xf0), 1100);
    wr(m, 0xf0, 0);
    CHECK_EQ("hpet counter not writable while running", rd(m, 0xf0), 1100);

    /* One-shot, legacy replacement: timer 0 on IRQ0. */
    wr(m, 0x10, 3);
    wr(m, TCFG(0), 0x4); /* edge, enabled, one-shot */
    wr(m, TCMP(0), 1100 + 50);
    machine_advance(m, 490);
    CHECK("hpet one-shot not yet", !(pic_irr(m, 0x20) & 1), "irr %#x", pic_irr(m, 0x20));
    machine_advance(m, 10);
    CHECK("hpet one-shot fires on irq0 (legacy)", pic_irr(m, 0x20) & 1, "irr %#x",
          pic_irr(m, 0x20));
    CHECK_EQ("hpet irq0 vector", intr_ack(m->cpus[0]), 0x20);
    outb(m, 0x20, 0x20);
    machine_advance(m, 100000);
    CHECK("hpet one-shot fires once", !(pic_irr(m, 0x20) & 1), "irr %#x", pic_irr(m, 0x20));

    /* Periodic, Linux's way: VAL_SET, comparator = now + delta, then the period. */
    u64 now = rd(m, 0xf0);
    wr(m, TCFG(1), 0x4 | 0x8 | 0x40);
    wr(m, TCMP(1), now + 100);
    wr(m, TCMP(1), 100);
    CHECK_EQ("hpet val_set clears", rd(m, TCFG(1)) & 0x40, 0);
    CHECK_EQ("hpet periodic comparator", rd(m, TCMP(1)), now + 100);
    outb(m, 0x21, 0xfb); /* IRQ0 masked: only IRQ8 counts here */
    int hits = 0;
    for (int k = 0; k < 10; k++) {
        machine_advance(m, 1000);
        if (pic_irr(m, 0xa0) & 1) {
            hits++;
            CHECK_EQ("hpet irq8 vector", intr_ack(m->cpus[0]), 0x28);
            outb(m, 0xa0, 0x20);
            outb(m, 0x20, 0x20);
        }
    }
    CHECK_EQ("hpet periodic: 10 interrupts on irq8 (legacy timer 1)", hits, 10);
    CHECK_EQ("hpet periodic comparator advanced", rd(m, TCMP(1)), now + 1100);
    wr(m, TCFG(1), 0);

    /* Level-triggered, routed to I/O APIC pin 20: GINTR_STA and remote IRR. */
    wr(m, 0x10, 1); /* legacy off */
    CHECK_EQ("hpet route to pin 20",
             (wr(m, TCFG(2), 0x2 | 0x4 | 20 << 9), rd(m, TCFG(2)) >> 9 & 0x1f), 20);
    wr(m, TCFG(2), 0x2 | 0x4 | 5 << 9);
    CHECK_EQ("hpet route outside cap refused", rd(m, TCFG(2)) >> 9 & 0x1f, 20);
    phys_write(m, NULL, 0xfec00000, 4, 0x10 + 2 * 20);
    phys_write(m, NULL, 0xfec00010, 4, 0x8050);         /* vector 0x50, level, fixed, unmasked */
    outb(m, 0x21, 0xff);                                /* PIC out of the way */
    lapic_mmio_write(m->cpus[0], 0xfee000f0, 4, 0x1ff); /* APIC software enable */
    wr(m, TCMP(2), rd(m, 0xf0) + 10);
    machine_advance(m, 200);
    CHECK_EQ("hpet level: gintr_sta", rd(m, 0x20), 4);
    CHECK_EQ("hpet level: delivered through the I/O APIC", intr_ack(m->cpus[0]), 0x50);
    wr(m, 0x20, 4);
    CHECK_EQ("hpet gintr_sta w1c", rd(m, 0x20), 0);

    /* 32-bit mode: the comparator is 32 bits and wraps. */
    wr(m, TCFG(2), 0x100);
    wr(m, TCMP(2), 0x123456789ull);
    CHECK_EQ("hpet 32-bit comparator", rd(m, TCMP(2)), 0x23456789);
    wr(m, 0x10, 0);
    wr(m, 0xf0, 0xfffffff0ull);
    wr4(m, TCMP(2), 0x10);
    wr(m, TCFG(2), 0x100 | 0x2 | 0x4 | 20 << 9);
    wr(m, 0x10, 1);
    machine_advance(m, 330);
    CHECK_EQ("hpet 32-bit comparator matches across the wrap", rd(m, 0x20), 4);
    dev_free(m);

    /* Legacy replacement cuts the PIT and the RTC off IRQ0/IRQ8, and gives them back. */
    m = dev_machine(1, 16 << 20);
    dev_pic_init(m, 0xfa, 0xfe);
    outb(m, 0x43, 0x34); /* PIT channel 0, mode 2, count 1193 (1 ms) */
    outb(m, 0x40, 1193 & 0xff);
    outb(m, 0x40, 1193 >> 8);
    outb(m, 0x70, 0x0b);
    outb(m, 0x71, 0x42); /* RTC periodic interrupt on (1024 Hz) */
    machine_advance(m, 2000000);
    CHECK("hpet legacy off: PIT on IRQ0", pic_irr(m, 0x20) & 1, "irr %#x", pic_irr(m, 0x20));
    CHECK("hpet legacy off: RTC on IRQ8", pic_irr(m, 0xa0) & 1, "slave irr %#x", pic_irr(m, 0xa0));
    wr(m, 0x10, 2);               /* legacy replacement, counter halted */
    for (int k = 0; k < 2; k++) { /* take the pending IRQ0 and IRQ8 */
        intr_ack(m->cpus[0]);
        outb(m, 0xa0, 0x20);
        outb(m, 0x20, 0x20);
    }
    outb(m, 0x70, 0x0c);
    inb(m, 0x71); /* register C read: the RTC's line drops, its next period raises it */
    machine_advance(m, 5000000);
    CHECK("hpet legacy on: PIT cut off IRQ0", !(pic_irr(m, 0x20) & 1), "irr %#x", pic_irr(m, 0x20));
    CHECK("hpet legacy on: RTC cut off IRQ8", !(pic_irr(m, 0xa0) & 1), "slave irr %#x",
          pic_irr(m, 0xa0));
    wr(m, 0x10, 0);
    CHECK("hpet legacy off again: the RTC's raised line is back on IRQ8", pic_irr(m, 0xa0) & 1,
          "slave irr %#x", pic_irr(m, 0xa0));
    machine_advance(m, 2000000);
    CHECK("hpet legacy off again: PIT on IRQ0", pic_irr(m, 0x20) & 1, "irr %#x", pic_irr(m, 0x20));
    dev_free(m);

    m = dev_machine(1, 16 << 20);
    for (u64 off = 0; off < 0x400; off += 4)
        for (unsigned size = 1; size <= 8; size *= 2) {
            phys_write(m, NULL, H + (off & ~(u64)(size - 1)), size, 0xffffffffffffffffull);
            phys_read(m, NULL, H + (off & ~(u64)(size - 1)), size);
            phys_write(m, NULL, H + (off & ~(u64)(size - 1)), size, 0);
        }
    machine_advance(m, 1000000);
    CHECK("hpet any write survives", true, "%s", "");
    dev_free(m);
    return check_exit();
}
