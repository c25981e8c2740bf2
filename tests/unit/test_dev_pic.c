/* 8259 pair: initialisation, acknowledge, EOI, cascade, masking, ELCR level mode,
 * spurious IRQ7, auto-EOI and priority. */
#include "test_dev.h"

int main(void)
{
    struct machine *m = dev_machine(1, 16 << 20);
    struct cpu *c = m->cpus[0];
    dev_pic_init(m, 0x00, 0x00);

    CHECK_EQ("pic imr readback", inb(m, 0x21), 0x00);
    outb(m, 0x21, 0xb8);
    CHECK_EQ("pic imr write", inb(m, 0x21), 0xb8);
    outb(m, 0x21, 0x00);

    CHECK("pic idle no intr", !intr_pending(c), "interrupt pending with no request");
    irq_pulse(m, 1);
    CHECK_EQ("pic irr after edge", pic_irr(m, 0x20), 0x02);
    CHECK("pic intr pending", intr_pending(c), "IRQ1 not pending");
    CHECK_EQ("pic ack vector", intr_ack(c), 0x21);
    CHECK_EQ("pic isr after ack", pic_isr(m, 0x20), 0x02);
    CHECK_EQ("pic irr cleared by ack", pic_irr(m, 0x20), 0x00);
    CHECK("pic no intr in service", !intr_pending(c), "still pending after ack");
    outb(m, 0x20, 0x20); /* non-specific EOI */
    CHECK_EQ("pic eoi clears isr", pic_isr(m, 0x20), 0x00);

    /* Priority: IRQ3 before IRQ5; a higher-priority request nests over 5 but not 6. */
    irq_pulse(m, 5);
    irq_pulse(m, 3);
    CHECK_EQ("pic priority first", intr_ack(c), 0x23);
    CHECK("pic lower blocked by isr", !intr_pending(c), "IRQ5 delivered while IRQ3 in service");
    outb(m, 0x20, 0x63); /* specific EOI for IRQ3 */
    CHECK_EQ("pic priority second", intr_ack(c), 0x25);
    irq_pulse(m, 6);
    CHECK("pic lower priority waits", !intr_pending(c), "IRQ6 nested over IRQ5");
    irq_pulse(m, 4);
    CHECK_EQ("pic higher nests", intr_ack(c), 0x24);
    outb(m, 0x20, 0x20);
    outb(m, 0x20, 0x20);
    CHECK_EQ("pic pending after eois", intr_ack(c), 0x26);
    outb(m, 0x20, 0x20);

    /* Cascade: IRQ10 -> slave vector 0x2a, master ISR bit 2. */
    irq_pulse(m, 10);
    CHECK_EQ("pic slave vector", intr_ack(c), 0x2a);
    CHECK_EQ("pic slave isr", pic_isr(m, 0xa0), 0x04);
    CHECK_EQ("pic master cascade isr", pic_isr(m, 0x20), 0x04);
    outb(m, 0xa0, 0x20);
    outb(m, 0x20, 0x20);
    CHECK_EQ("pic slave eoi", pic_isr(m, 0xa0) | pic_isr(m, 0x20), 0);

    /* Masking. */
    outb(m, 0x21, 0x10);
    irq_pulse(m, 4);
    CHECK("pic masked not pending", !intr_pending(c), "masked IRQ4 pending");
    outb(m, 0x21, 0x00);
    CHECK_EQ("pic unmask delivers latched", intr_ack(c), 0x24);
    outb(m, 0x20, 0x20);

    /* Level mode through ELCR: the request stays while the line is high. */
    outb(m, 0x4d1, 0x04); /* IRQ10 level */
    CHECK_EQ("pic elcr readback", inb(m, 0x4d1), 0x04);
    irq_set(m, 10, 1);
    CHECK_EQ("pic level vector", intr_ack(c), 0x2a);
    outb(m, 0xa0, 0x20);
    outb(m, 0x20, 0x20);
    CHECK("pic level still pending", intr_pending(c), "level request lost after EOI");
    irq_set(m, 10, 0);
    CHECK("pic level released", !intr_pending(c), "request stayed after line low");
    outb(m, 0x4d0, 0xff);
    CHECK_EQ("pic elcr master mask", inb(m, 0x4d0), 0xf8);
    outb(m, 0x4d0, 0x00);
    outb(m, 0x4d1, 0x00);

    /* Spurious: acknowledging with nothing requested gives IRQ7, ISR untouched. */
    CHECK_EQ("pic spurious vector", intr_ack(c), 0x27);
    CHECK_EQ("pic spurious no isr", pic_isr(m, 0x20), 0);

    /* Auto-EOI: ISR stays clear. */
    outb(m, 0x20, 0x11); outb(m, 0x21, 0x30); outb(m, 0x21, 0x04); outb(m, 0x21, 0x03);
    irq_pulse(m, 1);
    CHECK_EQ("pic auto-eoi vector base", intr_ack(c), 0x31);
    CHECK_EQ("pic auto-eoi isr", pic_isr(m, 0x20), 0);

    /* Poll mode. */
    irq_pulse(m, 3);
    outb(m, 0x20, 0x0c);
    CHECK_EQ("pic poll", inb(m, 0x20), 0x83);
    outb(m, 0x20, 0x20);

    /* The PIC output is not taken once LINT0 is masked and the APIC is enabled. */
    irq_pulse(m, 5);
    CHECK("pic virtual wire on", intr_pending(c), "no interrupt through LINT0 ExtINT");
    phys_write(m, c, 0xfee00350, 4, 0x10700);
    CHECK("pic lint0 masked", !intr_pending(c), "PIC interrupt taken with LINT0 masked");
    lapic_set_base(c, 0xfee00000 | BIT(8)); /* disable the APIC: INTR goes straight through */
    CHECK("pic apic disabled", intr_pending(c), "PIC interrupt not taken with the APIC off");

    dev_free(m);
    return check_exit();
}
