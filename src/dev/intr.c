/* Interrupt routing: ISA lines to the 8259 pair and the I/O APIC, and what each processor
 * sees: its local APIC's highest deliverable vector, or the 8259's INTR in virtual-wire
 * mode (or after an ExtINT message). */
#include "../cpu/cpu.h"
#include "dev.h"
#include "lapic.h"

void irq_set(struct machine *m, int gsi, int level)
{
    if (gsi < 0) return;
    /* ISA IRQs drive the PICs (IRQ2 is the cascade input). */
    if (gsi < 16 && gsi != 2 && m->pic) pic_set_irq(m->pic, gsi, level);
    /* ISA IRQ0 is wired to I/O APIC pin 2, as on QEMU's pc (the MADT override). */
    if (m->ioapic) ioapic_set_irq(m->ioapic, gsi == 0 ? 2 : gsi, level);
}

void irq_pulse(struct machine *m, int gsi)
{
    irq_set(m, gsi, 1);
    irq_set(m, gsi, 0);
}

static bool takes_pic(struct cpu *c)
{
    return c->lapic ? lapic_accepts_pic(c->lapic) : c->index == 0;
}

bool intr_pending(struct cpu *c)
{
    if (c->lapic && lapic_intr_pending(c->lapic)) return true;
    return c->m->pic && pic_intr(c->m->pic) && takes_pic(c);
}

int intr_ack(struct cpu *c)
{
    if (c->lapic) {
        int v = lapic_intr_ack(c->lapic);
        if (v >= 0) return v;
        lapic_pic_acked(c->lapic);
    }
    return c->m->pic ? pic_intack(c->m->pic) : 0xff;
}

void intr_pic_changed(struct machine *m)
{
    if (!m->pic || !pic_intr(m->pic)) return;
    for (int k = 0; k < m->ncpus; k++)
        if (takes_pic(m->cpus[k])) cpu_kick(m->cpus[k]);
}

void cpu_kick(struct cpu *c)
{
    /* The executor looks at its event inputs before the next block; a halted processor is
     * reconsidered every slice, which the machine keeps short with several processors. */
    c->check_events = true;
}
