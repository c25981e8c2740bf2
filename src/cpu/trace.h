/* -d traces: one line per executed instruction (TRACE_EXEC), per event delivered
 * (TRACE_INT), and a register dump (TRACE_CPU_RESET). Lines go to the machine's log.
 * trace_exec and trace_cpu_state always print (the executor tests TRACE_EXEC once per
 * block); trace_event tests TRACE_INT itself, so it can be called unconditionally. */
#ifndef VP_TRACE_H
#define VP_TRACE_H

#include <stdio.h>

#include "insn.h"

/* Before executing `i` at c->rip: "cpu0 0008:00100000 b8 02 b0 ad 2b  mov eax, ...".
 * The bytes are re-read from memory without faulting ("??" when unmapped). */
void trace_exec(struct cpu *c, const struct insn *i);
/* An event about to be delivered: vector, enum event_kind, error code or NO_ERRCODE. A
 * hardware exception from a VMX instruction also completes its -d vmx line. */
void trace_event(struct cpu *c, int vector, int kind, int error);
/* Register dump headed by `why` (e.g. "reset", "INIT"). */
void trace_cpu_state(struct cpu *c, const char *why);

/* Disassemble `len` bytes at address `rip` as code of `mode` (enum cpu_mode) with
 * default size code_size (2, 4, 8) into buf. Returns the instruction length, or 0 if it
 * does not decode (buf then says why). Exposed for tests and other tools. */
unsigned trace_disasm(enum cpu_mode mode, unsigned code_size, u64 rip, const u8 *bytes,
                      size_t len, char *buf, size_t buflen);

#endif
