/* COM1 (16550 at 0x3f8): the console every guest test reports on. */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H
void serial_init(void);
void serial_putc(char c);
void serial_puts(const char *s);
void serial_flush(void);
#endif
