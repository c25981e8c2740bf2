/* Traces (stub until the disassembling tracer lands). */
#include "../machine/machine.h"
#include "trace.h"

void trace_exec(struct cpu *c, const struct insn *i)
{
    machine_log(c->m, "cpu%d %04x:%016llx len %u", c->index, c->seg[SEG_CS].sel, (unsigned long long)c->rip, i->len);
}

void trace_event(struct cpu *c, int vector, int kind, int error)
{
    if (c->m->trace & TRACE_INT)
        machine_log(c->m, "cpu%d: event vector %d kind %d error %d at %#llx", c->index, vector, kind, error,
                    (unsigned long long)c->rip);
}
