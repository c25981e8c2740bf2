/* Execution and event traces for -d exec / -d int. */
#ifndef VP_TRACE_H
#define VP_TRACE_H

#include "insn.h"

/* One line per instruction: CPU, CS:RIP, bytes, disassembly. */
void trace_exec(struct cpu *c, const struct insn *i);
/* One line per interrupt or exception taken (kind is enum event_kind). */
void trace_event(struct cpu *c, int vector, int kind, int error);

#endif
