/* Polled COM1 output. Polling (not interrupts) keeps output independent of the PIC
 * state a test may be experimenting with. */
#include "serial.h"
#include "x86.h"

#define COM1 0x3f8

void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no UART interrupts */
    outb(COM1 + 3, 0x80); /* DLAB on to set the divisor */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
    outb(COM1 + 2, 0xc7); /* FIFOs on and cleared */
    outb(COM1 + 4, 0x03); /* DTR, RTS */
}

void serial_putc(char c)
{
    /* Wait for the transmit holding register; bounded so a missing UART cannot hang us. */
    for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
        ;
    outb(COM1, (u8)c);
}

void serial_puts(const char *s)
{
    /* Plain '\n' line ends: the runners compare log files, not a terminal. */
    while (*s)
        serial_putc(*s++);
}

void serial_flush(void)
{
    /* Wait for transmitter-empty (LSR bit 6): emulators may stop the machine as soon as
     * we ask, and bytes still in the FIFO would be lost. */
    for (int i = 0; i < 1000000 && !(inb(COM1 + 5) & 0x40); i++)
        ;
}
