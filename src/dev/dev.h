/* Interfaces between the chipset devices, interrupt routing and board wiring. Every
 * device's state is allocated by its create function and hangs off struct machine. */
#ifndef VP_DEV_H
#define VP_DEV_H

#include "../machine/machine.h"

struct cpu;

/* pic8259.c: the cascaded master/slave pair. */
struct pic *pic_create(struct machine *m);
void pic_destroy(struct pic *p);
void pic_reset(struct pic *p);
void pic_set_irq(struct pic *p, int irq, int level);
bool pic_intr(const struct pic *p);  /* INTR output of the master */
int pic_intack(struct pic *p);       /* INTA cycle: vector (spurious IRQ7/15 if none) */

/* pit8254.c (with port 0x61). */
struct pit *pit_create(struct machine *m);
void pit_destroy(struct pit *p);
void pit_reset(struct pit *p);

/* rtc.c: MC146818 RTC and CMOS. */
struct rtc *rtc_create(struct machine *m);
void rtc_destroy(struct rtc *r);
void rtc_reset(struct rtc *r);
/* The level the RTC wants on IRQ8 (the HPET restores it when leaving legacy mode). */
bool rtc_irq_level(const struct rtc *r);

/* uart16550.c: COM1. */
struct uart *uart_create(struct machine *m);
void uart_destroy(struct uart *u);
void uart_reset(struct uart *u);

/* ioapic.c */
struct ioapic *ioapic_create(struct machine *m);
void ioapic_destroy(struct ioapic *io);
void ioapic_reset(struct ioapic *io);
void ioapic_set_irq(struct ioapic *io, int pin, int level);
/* A local APIC signalled EOI for a level-triggered vector. */
void ioapic_eoi(struct ioapic *io, u8 vector);

/* pci.c: configuration mechanism #1 with the i440FX host bridge and PIIX3. */
struct pci *pci_create(struct machine *m);
void pci_destroy(struct pci *p);
void pci_reset(struct pci *p);

/* fw_cfg.c */
struct fw_cfg *fw_cfg_create(struct machine *m);
void fw_cfg_destroy(struct fw_cfg *f);
void fw_cfg_reset(struct fw_cfg *f);

/* reset.c: 0xcf9, port 0x92. */
struct reset_ctl *reset_create(struct machine *m);
void reset_destroy(struct reset_ctl *r);
void reset_ctl_reset(struct reset_ctl *r);

/* i8042.c: the keyboard controller at 0x60/0x64. */
struct i8042 *i8042_create(struct machine *m);
void i8042_destroy(struct i8042 *k);
void i8042_reset(struct i8042 *k);

/* hpet.c: the HPET at HPET_BASE with HPET_TIMERS comparators; the ACPI HPET table takes
 * GCAP_ID's low half from hpet_capabilities(). */
#define HPET_BASE 0xfed00000ull
#define HPET_TIMERS 3
struct hpet *hpet_create(struct machine *m);
void hpet_destroy(struct hpet *h);
void hpet_reset(struct hpet *h);
u64 hpet_capabilities(void);
/* Legacy replacement is on: IRQ0 and IRQ8 belong to the HPET, the PIT's and RTC's
 * outputs are cut off (as QEMU's hpet gates them). */
bool hpet_legacy(const struct machine *m);

/* debug_exit.c: isa-debug-exit (0xf4), Bochs shutdown (0x8900), debugcon (0xe9). The
 * state is the opaque of the port-0xf4 handler; destroy finds it there. */
bool debug_exit_create(struct machine *m);
void debug_exit_destroy(struct machine *m);
void debug_exit_reset(struct machine *m);

/* pc_testdev.c: QEMU's pc-testdev (-device pc-testdev): ports 0xe0-0xeb and
 * 0x2000-0x2017, the 64 KiB window at 0xff000000. Sets m->testdev. */
bool pc_testdev_create(struct machine *m);
void pc_testdev_destroy(struct pc_testdev *t);

/* intr.c: the PIC's INTR output may have changed. */
void intr_pic_changed(struct machine *m);

/* Write a byte of guest console output (UART, debugcon), flushing at newline. */
static inline void serial_put(struct machine *m, u8 b)
{
    if (!m->serial_out) return;
    fputc(b, m->serial_out);
    if (b == '\n') fflush(m->serial_out);
}

#endif
