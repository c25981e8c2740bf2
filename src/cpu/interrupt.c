/* Interrupt and exception delivery (stub). */
#include "cpu.h"

void intr_deliver(struct cpu *c, int vector, enum event_kind kind, int error)
{
    (void)vector; (void)kind; (void)error;
    c->shutdown = true;
}
