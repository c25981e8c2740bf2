/* 16550 UART: LSR, IIR with FIFO bits, THRE interrupt on IRQ4, DLAB divisor, scratch,
 * loopback data and modem status, output to the console. */
#include <string.h>

#include "test_dev.h"

int main(void)
{
    struct machine *m = dev_machine(1, 16 << 20);
    dev_pic_init(m, 0xef, 0xff); /* IRQ4 only */

    CHECK_EQ("uart lsr idle", inb(m, 0x3fd), 0x60);
    CHECK_EQ("uart iir none", inb(m, 0x3fa), 0x01);
    CHECK_EQ("uart msr ready", inb(m, 0x3fe) & 0xf0, 0xb0);

    outb(m, 0x3fb, 0x80); /* DLAB */
    outb(m, 0x3f8, 0x01);
    outb(m, 0x3f9, 0x00);
    CHECK_EQ("uart divisor low", inb(m, 0x3f8), 0x01);
    outb(m, 0x3fb, 0x03); /* 8N1 */
    CHECK_EQ("uart lcr", inb(m, 0x3fb), 0x03);
    outb(m, 0x3fa, 0xc7); /* FIFO on */
    CHECK_EQ("uart iir fifo bits", inb(m, 0x3fa), 0xc1);
    outb(m, 0x3ff, 0x5a);
    CHECK_EQ("uart scratch", inb(m, 0x3ff), 0x5a);

    const char *msg = "hello\n";
    for (const char *p = msg; *p; p++) outb(m, 0x3f8, (u8)*p);
    CHECK("uart output", strcmp(dev_output(m), "hello\n") == 0, "got \"%s\"", dev_output(m));
    CHECK_EQ("uart lsr after send", inb(m, 0x3fd), 0x60);

    /* THRE interrupt: enabling it with the holding register empty raises it. */
    CHECK("uart no irq yet", !(pic_irr(m, 0x20) & 0x10), "IRQ4 before IER");
    outb(m, 0x3f9, 0x02);
    CHECK_EQ("uart iir thre", inb(m, 0x3fa), 0xc2);
    CHECK_EQ("uart iir thre acked", inb(m, 0x3fa), 0xc1);
    outb(m, 0x3f8, 'x');
    CHECK("uart irq4 raised", pic_irr(m, 0x20) & 0x10, "no IRQ4 after THRE");
    CHECK_EQ("uart irq4 vector", intr_ack(m->cpus[0]), 0x24);
    outb(m, 0x20, 0x20);
    CHECK_EQ("uart iir thre after write", inb(m, 0x3fa), 0xc2);
    outb(m, 0x3f9, 0x00);

    /* Loopback: data comes back, modem outputs appear as inputs. */
    outb(m, 0x3fc, 0x10 | 0x0b);
    CHECK_EQ("uart loopback msr", inb(m, 0x3fe) & 0xf0, 0xb0);
    outb(m, 0x3fc, 0x10);
    CHECK_EQ("uart loopback msr off", inb(m, 0x3fe) & 0xf0, 0x00);
    outb(m, 0x3f8, 0xa5);
    CHECK_EQ("uart loopback lsr dr", inb(m, 0x3fd), 0x61);
    outb(m, 0x3f9, 0x01);
    CHECK_EQ("uart iir rda", inb(m, 0x3fa), 0xc4);
    CHECK_EQ("uart loopback data", inb(m, 0x3f8), 0xa5);
    CHECK_EQ("uart lsr drained", inb(m, 0x3fd), 0x60);
    CHECK("uart loopback not output", strchr(dev_output(m), 0xa5) == NULL, "looped byte was sent");
    CHECK_EQ("uart mcr readback", inb(m, 0x3fc), 0x10);

    dev_free(m);
    return check_exit();
}
