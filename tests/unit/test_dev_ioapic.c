/* I/O APIC: identification, redirection to a local APIC, IRQ0 -> pin 2, masking,
 * edges on masked pins ignored, level-triggered remote IRR with EOI broadcast, logical and
 * lowest-priority delivery. */
#include "test_dev.h"

#define IOAPIC 0xfec00000ull
#define APIC 0xfee00000ull

static u32 io_rd(struct machine *m, u32 reg)
{
    phys_write(m, NULL, IOAPIC, 4, reg);
    return (u32)phys_read(m, NULL, IOAPIC + 0x10, 4);
}
static void io_wr(struct machine *m, u32 reg, u32 v)
{
    phys_write(m, NULL, IOAPIC, 4, reg);
    phys_write(m, NULL, IOAPIC + 0x10, 4, v);
}
static void route(struct machine *m, int pin, u32 lo, u8 dest)
{
    io_wr(m, 0x11 + 2 * pin, (u32)dest << 24);
    io_wr(m, 0x10 + 2 * pin, lo);
}
static void eoi(struct machine *m, int cpu) { phys_write(m, m->cpus[cpu], APIC + 0xb0, 4, 0); }

int main(void)
{
    struct machine *m = dev_machine(2, 16 << 20);
    struct cpu *c0 = m->cpus[0], *c1 = m->cpus[1];
    outb(m, 0x21, 0xff);
    outb(m, 0xa1, 0xff);
    phys_write(m, c0, APIC + 0xf0, 4, 0x1ff);
    phys_write(m, c1, APIC + 0xf0, 4, 0x1ff);

    CHECK_EQ("ioapic version", io_rd(m, 1), 0x00170020);
    CHECK_EQ("ioapic id", io_rd(m, 0), 0);
    io_wr(m, 0, 0x05000000);
    CHECK_EQ("ioapic id write", io_rd(m, 0), 0x05000000);
    CHECK_EQ("ioapic rte masked at reset", io_rd(m, 0x10 + 2 * 7), 0x10000);

    /* Edge pin 4 -> cpu 0 vector 0x34. */
    route(m, 4, 0x34, 0);
    CHECK_EQ("ioapic rte readback", io_rd(m, 0x18), 0x34);
    irq_pulse(m, 4);
    CHECK_EQ("ioapic edge delivery", intr_ack(c0), 0x34);
    eoi(m, 0);

    /* ISA IRQ0 arrives on pin 2. */
    route(m, 2, 0x30, 0);
    irq_pulse(m, 0);
    CHECK_EQ("ioapic irq0 override to pin 2", intr_ack(c0), 0x30);
    eoi(m, 0);

    /* An edge on a masked pin is ignored, not held for the unmask (82093AA). */
    route(m, 5, 0x10035, 1);
    irq_pulse(m, 5);
    CHECK("ioapic masked", !intr_pending(c1), "masked pin delivered");
    route(m, 5, 0x35, 1);
    CHECK("ioapic masked edge dropped", !intr_pending(c1),
          "edge that arrived while masked delivered at unmask");
    irq_pulse(m, 5);
    CHECK_EQ("ioapic unmasked edge delivers", intr_ack(c1), 0x35);
    eoi(m, 1);
    /* A level still asserted at unmask is delivered. */
    route(m, 6, 0x18036, 1);
    irq_set(m, 6, 1);
    CHECK("ioapic masked level", !intr_pending(c1), "masked level pin delivered");
    route(m, 6, 0x8036, 1);
    CHECK_EQ("ioapic unmask delivers asserted level", intr_ack(c1), 0x36);
    irq_set(m, 6, 0);
    eoi(m, 1);

    /* Level pin 9: remote IRR until EOI, redelivered while the line stays high. */
    route(m, 9, 0x8039, 0);
    irq_set(m, 9, 1);
    CHECK_EQ("ioapic level delivery", intr_ack(c0), 0x39);
    CHECK_EQ("ioapic remote irr set", io_rd(m, 0x10 + 18) & BIT(14), BIT(14));
    u32 tmr = (u32)phys_read(m, c0, APIC + 0x180 + 0x10 * (0x39 / 32), 4);
    CHECK_EQ("ioapic level sets tmr", tmr >> (0x39 % 32) & 1, 1);
    CHECK("ioapic level no repeat before eoi", !intr_pending(c0), "redelivered before EOI");
    eoi(m, 0);
    CHECK_EQ("ioapic level redelivered", intr_ack(c0), 0x39);
    irq_set(m, 9, 0);
    eoi(m, 0);
    CHECK_EQ("ioapic remote irr cleared", io_rd(m, 0x10 + 18) & BIT(14), 0);
    CHECK("ioapic level released", !intr_pending(c0), "delivered after line low");

    /* Logical destination (flat): cpu 1 has LDR bit 1. */
    phys_write(m, c1, APIC + 0xd0, 4, 0x02000000);
    route(m, 10, 0x83a, 0x02);
    irq_pulse(m, 10);
    CHECK_EQ("ioapic logical", intr_ack(c1), 0x3a);
    CHECK("ioapic logical not cpu0", !intr_pending(c0), "cpu 0 got a logical message for cpu 1");
    eoi(m, 1);

    /* Lowest priority among both: cpu 0 has the higher TPR, cpu 1 wins. */
    phys_write(m, c0, APIC + 0xd0, 4, 0x01000000);
    phys_write(m, c0, APIC + 0x80, 4, 0x20);
    route(m, 11, 0x93b, 0x03);
    irq_pulse(m, 11);
    CHECK("ioapic lowest priority target", intr_pending(c1) && !intr_pending(c0), "c0 %d c1 %d", intr_pending(c0), intr_pending(c1));
    CHECK_EQ("ioapic lowest priority vector", intr_ack(c1), 0x3b);
    eoi(m, 1);

    /* NMI delivery mode. */
    route(m, 12, 0x400, 1);
    irq_pulse(m, 12);
    CHECK("ioapic nmi", m->cpus[1]->nmi_pending, "no NMI");

    /* EOI register (version 0x20) clears remote IRR directly. */
    route(m, 13, 0x803d, 0);
    irq_set(m, 13, 1);
    CHECK_EQ("ioapic level pin 13", intr_ack(c0), 0x3d);
    irq_set(m, 13, 0);
    CHECK_EQ("ioapic remote irr before eoi reg", io_rd(m, 0x10 + 26) & BIT(14), BIT(14));
    phys_write(m, NULL, IOAPIC + 0x40, 4, 0x3d);
    CHECK_EQ("ioapic eoi register", io_rd(m, 0x10 + 26) & BIT(14), 0);

    dev_free(m);
    return check_exit();
}
