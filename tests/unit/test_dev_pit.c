/* 8254: mode 2 period on IRQ0, counter latch and read-back, mode 0 on counter 2 with the
 * port 0x61 gate and OUT2, mode 3 square wave, access modes. */
#include "test_dev.h"

#define PIT_HZ 1193182ull

static u64 tick_ns(u64 ticks) { return (ticks * 1000000000ull + PIT_HZ - 1) / PIT_HZ; }

static u16 read_lohi(struct machine *m, u16 port)
{
    u8 lo = inb(m, port);
    return (u16)(lo | inb(m, port) << 8);
}

int main(void)
{
    struct machine *m = dev_machine(1, 16 << 20);
    struct cpu *c = m->cpus[0];
    dev_pic_init(m, 0xfe, 0xff); /* only IRQ0 */

    /* Counter 0, mode 2, lo/hi, 1193 ticks (~1 ms). */
    outb(m, 0x43, 0x34);
    outb(m, 0x40, 1193 & 0xff);
    outb(m, 0x40, 1193 >> 8);
    u64 period = tick_ns(1193);
    machine_advance(m, period - 2000);
    CHECK("pit mode2 no irq before period", !(pic_irr(m, 0x20) & 1), "IRQ0 early");
    machine_advance(m, 2000);
    CHECK("pit mode2 irq at period", pic_irr(m, 0x20) & 1, "no IRQ0 after one period");
    CHECK_EQ("pit irq0 vector", intr_ack(c), 0x20);
    outb(m, 0x20, 0x20);
    machine_advance(m, period - 2000);
    CHECK("pit mode2 periodic quiet", !(pic_irr(m, 0x20) & 1), "second IRQ0 early");
    machine_advance(m, 2000);
    CHECK("pit mode2 periodic second", pic_irr(m, 0x20) & 1, "no second IRQ0");
    intr_ack(c);
    outb(m, 0x20, 0x20);

    /* Count the edges in ten and a half periods by acknowledging each one. */
    int edges = 0;
    for (int k = 0; k < 105; k++) {
        machine_advance(m, period / 10);
        if (intr_pending(c)) {
            intr_ack(c);
            outb(m, 0x20, 0x20);
            edges++;
        }
    }
    CHECK_EQ("pit mode2 ten periods", edges, 10);

    /* Latch in the middle of a period: restart the count, latch 600 ticks in. */
    outb(m, 0x43, 0x34);
    outb(m, 0x40, 1193 & 0xff);
    outb(m, 0x40, 1193 >> 8);
    machine_advance(m, tick_ns(600));
    outb(m, 0x43, 0x00);
    machine_advance(m, tick_ns(100)); /* the latch holds the old value */
    u16 v = read_lohi(m, 0x40);
    CHECK("pit latch value", v >= 592 && v <= 593, "got %u want 593", v);
    u16 live = read_lohi(m, 0x40);
    CHECK("pit live after latch", live >= 492 && live <= 493, "got %u want 493", live);

    /* Read-back: status then count of counter 0. */
    outb(m, 0x43, 0xc2);
    u8 st = inb(m, 0x40);
    CHECK_EQ("pit readback status", st & 0x3f, 0x34);
    u16 rb = read_lohi(m, 0x40);
    CHECK("pit readback count", rb >= 1 && rb <= 1193, "count %u", rb);

    /* Counter 2 in mode 0 gated by port 0x61: OUT2 rises after the count. */
    outb(m, 0x61, (inb(m, 0x61) & ~0x02) | 0x01);
    outb(m, 0x43, 0xb0);
    outb(m, 0x42, 11932 & 0xff);
    outb(m, 0x42, 11932 >> 8);
    CHECK("pit out2 low after load", !(inb(m, 0x61) & 0x20), "OUT2 high at start");
    machine_advance(m, tick_ns(5000));
    outb(m, 0x43, 0x80);
    u16 c2 = read_lohi(m, 0x42);
    CHECK("pit counter2 mode0 value", c2 >= 6931 && c2 <= 6933, "got %u", c2);
    outb(m, 0x61, inb(m, 0x61) & ~0x01); /* gate low: counting stops */
    machine_advance(m, 1000000);
    outb(m, 0x43, 0x80);
    u16 c2b = read_lohi(m, 0x42);
    CHECK("pit gate stops counting", c2b + 1 >= c2 && c2b <= c2, "before %u after %u", c2, c2b);
    outb(m, 0x61, inb(m, 0x61) | 0x01);
    machine_advance(m, tick_ns(6900));
    CHECK("pit out2 still low", !(inb(m, 0x61) & 0x20), "OUT2 high too early");
    machine_advance(m, tick_ns(40));
    CHECK("pit out2 high at terminal count", inb(m, 0x61) & 0x20, "OUT2 low after count");
    CHECK_EQ("pit port61 gate bit", inb(m, 0x61) & 0x03, 0x01);

    /* Mode 3 on counter 2: OUT2 is high for the first half, low for the second. */
    outb(m, 0x43, 0xb6);
    outb(m, 0x42, 100);
    outb(m, 0x42, 0);
    machine_advance(m, tick_ns(20));
    CHECK("pit mode3 first half high", inb(m, 0x61) & 0x20, "OUT2 low");
    machine_advance(m, tick_ns(50));
    CHECK("pit mode3 second half low", !(inb(m, 0x61) & 0x20), "OUT2 high");

    /* LSB-only access and BCD. */
    outb(m, 0x43, 0x91); /* counter 2, LSB, mode 0, BCD */
    outb(m, 0x42, 0x99);
    machine_advance(m, tick_ns(9));
    u8 bcd = inb(m, 0x42);
    CHECK("pit lsb bcd", bcd == 0x90 || bcd == 0x89, "got %#x want 0x90", bcd);

    dev_free(m);
    return check_exit();
}
