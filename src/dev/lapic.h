/* Local APIC internals shared with the I/O APIC and interrupt routing. */
#ifndef VP_LAPIC_H
#define VP_LAPIC_H

#include "../machine/machine.h"

struct lapic;

/* Delivery modes (SDM Vol. 3 11.6.1). */
enum { DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_NMI = 4, DM_INIT = 5, DM_SIPI = 6, DM_EXTINT = 7 };

/* An interrupt message on the APIC bus, from an I/O APIC or an IPI. dest is 8 bits from
 * xAPIC senders and I/O APICs (0xff = broadcast), 32 bits if wide (x2APIC). */
struct apic_msg {
    u32 dest;
    bool wide;
    bool logical;
    int mode;
    u8 vector;
    bool level;     /* level-triggered (TMR, EOI broadcast) */
    bool deassert;  /* INIT level de-assert: no effect */
};
void apic_bus_deliver(struct machine *m, const struct apic_msg *msg);

/* A fixed interrupt is deliverable above the processor priority. */
bool lapic_intr_pending(struct lapic *l);
/* Acknowledge: moves the highest IRR vector to ISR and returns it (-1 if none). */
int lapic_intr_ack(struct lapic *l);
/* This processor takes the 8259's INTR (virtual-wire mode or ExtINT message). */
bool lapic_accepts_pic(struct lapic *l);
/* The PIC interrupt was acknowledged through this APIC (clears a pending ExtINT message). */
void lapic_pic_acked(struct lapic *l);

#endif
