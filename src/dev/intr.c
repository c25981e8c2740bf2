/* Interrupt routing (stub). */
#include "../cpu/cpu.h"
#include "../machine/machine.h"

void irq_set(struct machine *m, int gsi, int level) { (void)m; (void)gsi; (void)level; }
void irq_pulse(struct machine *m, int gsi) { irq_set(m, gsi, 1); irq_set(m, gsi, 0); }
bool intr_pending(struct cpu *c) { (void)c; return false; }
int intr_ack(struct cpu *c) { (void)c; return 0; }
void cpu_kick(struct cpu *c) { c->check_events = true; }
