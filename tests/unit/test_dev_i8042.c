/* 8042 keyboard controller: the probe sequence Linux's i8042 driver runs (flush, command
 * byte read/write, self test, interface tests, port disable/enable), the keyboard's
 * answers to reset and identify, IRQ1 following the output buffer, the auxiliary loop
 * (0xd3) with AUXB, the output port, and the pulse-reset command; any byte to either port
 * never crashes. */
#include "test_dev.h"

static u8 cmd_read(struct machine *m, u8 cmd)
{
    outb(m, 0x64, cmd);
    return inb(m, 0x60);
}

int main(void)
{
    struct machine *m = dev_machine(1, 16 << 20);
    dev_pic_init(m, 0xfd & 0xfb, 0xef); /* IRQ1, cascade, IRQ12 */

    CHECK_EQ("i8042 status idle: sys, unlocked, last write a command", inb(m, 0x64), 0x1c);
    CHECK_EQ("i8042 command byte after reset", cmd_read(m, 0x20), 0x45);
    outb(m, 0x64, 0x60);
    CHECK_EQ("i8042 status: data write expected", inb(m, 0x64) & 0x08, 0x08);
    outb(m, 0x60, 0x74); /* translate, aux off, kbd off, sys, no interrupts */
    CHECK_EQ("i8042 status after data write", inb(m, 0x64) & 0x08, 0);
    CHECK_EQ("i8042 command byte written", cmd_read(m, 0x20), 0x74);
    CHECK_EQ("i8042 self test 0xaa -> 0x55", cmd_read(m, 0xaa), 0x55);
    CHECK_EQ("i8042 keyboard interface test 0xab -> 0", cmd_read(m, 0xab), 0x00);
    CHECK_EQ("i8042 aux interface test 0xa9 -> 0", cmd_read(m, 0xa9), 0x00);
    outb(m, 0x64, 0xae);
    outb(m, 0x64, 0xa8);
    CHECK_EQ("i8042 0xae/0xa8 enable both ports", cmd_read(m, 0x20) & 0x30, 0);
    outb(m, 0x64, 0xad);
    outb(m, 0x64, 0xa7);
    CHECK_EQ("i8042 0xad/0xa7 disable both ports", cmd_read(m, 0x20) & 0x30, 0x30);
    CHECK_EQ("i8042 output port", cmd_read(m, 0xd0), 0x03);
    outb(m, 0x64, 0xdd);
    CHECK_EQ("i8042 0xdd clears a20", cmd_read(m, 0xd0), 0x01);
    outb(m, 0x64, 0xdf);

    /* Aux loop: the byte comes back as if from the mouse (AUXB), on IRQ12 when enabled. */
    outb(m, 0x64, 0x60);
    outb(m, 0x60, 0x47); /* translate, sys, aux and kbd interrupts */
    outb(m, 0x64, 0xd3);
    outb(m, 0x60, 0x5a);
    CHECK_EQ("i8042 aux loop: obf and auxb", inb(m, 0x64) & 0x21, 0x21);
    CHECK("i8042 aux loop raises irq12", pic_irr(m, 0xa0) & 0x10, "slave irr %#x",
          pic_irr(m, 0xa0));
    CHECK_EQ("i8042 aux loop data", inb(m, 0x60), 0x5a);
    CHECK_EQ("i8042 drained", inb(m, 0x64) & 0x21, 0);
    outb(m, 0x64, 0xd4);
    outb(m, 0x60, 0xf2);
    CHECK_EQ("i8042 no mouse: timeout", inb(m, 0x64) & 0x41, 0x40);

    /* Keyboard: reset and identify, each byte on IRQ1. */
    outb(m, 0x60, 0xff);
    CHECK("i8042 keyboard reply raises irq1", pic_irr(m, 0x20) & 0x02, "irr %#x", pic_irr(m, 0x20));
    CHECK_EQ("i8042 irq1 vector", intr_ack(m->cpus[0]), 0x21);
    outb(m, 0x20, 0x20);
    CHECK_EQ("i8042 keyboard reset ack", inb(m, 0x60), 0xfa);
    CHECK("i8042 next byte, new irq1", pic_irr(m, 0x20) & 0x02, "irr %#x", pic_irr(m, 0x20));
    CHECK_EQ("i8042 keyboard self test passed", inb(m, 0x60), 0xaa);
    outb(m, 0x60, 0xf2);
    u8 a = inb(m, 0x60), b = inb(m, 0x60), c = inb(m, 0x60);
    CHECK("i8042 keyboard identify (translated)", a == 0xfa && b == 0xab && c == 0x41, "%x %x %x",
          a, b, c);
    outb(m, 0x60, 0xf0);
    outb(m, 0x60, 0x00);
    a = inb(m, 0x60), b = inb(m, 0x60), c = inb(m, 0x60);
    CHECK("i8042 scan code set query", a == 0xfa && b == 0xfa && c == 0x02, "%x %x %x", a, b, c);
    outb(m, 0x60, 0xee);
    CHECK_EQ("i8042 keyboard echo", inb(m, 0x60), 0xee);
    CHECK_EQ("i8042 empty buffer rereads", inb(m, 0x64) & 1, 0);

    /* Pulse reset. */
    m->no_reboot = true;
    outb(m, 0x64, 0xfe);
    CHECK("i8042 0xfe resets (stops under -no-reboot)", m->stop == STOP_SHUTDOWN, "stop %d",
          m->stop);
    dev_free(m);

    m = dev_machine(1, 16 << 20);
    for (int first = 0; first < 256; first++)
        for (int second = 0; second < 256; second += 17) {
            outb(m, 0x64, (u8)first);
            outb(m, 0x60, (u8)second);
            inb(m, 0x60);
            inb(m, 0x64);
            m->reset_requested = false; /* requested, never carried out here */
        }
    CHECK("i8042 any command and data survive", true, "%s", "");
    dev_free(m);
    return check_exit();
}
