/* Lazy arithmetic flags (stub until the ALU lands). */
#include "cpu.h"

u64 cpu_get_rflags(struct cpu *c) { return c->rflags; }
void cpu_set_rflags(struct cpu *c, u64 v) { c->rflags = v | FL_FIXED1; }
bool cpu_cond(struct cpu *c, unsigned cc) { (void)c; (void)cc; return false; }
