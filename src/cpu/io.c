/* Instruction family: io (to be filled in). */
#include "insn.h"

const struct opdef io_ops[] = {
    {.fn = NULL},
};

#include "../machine/machine.h"
u32 cpu_port_in(struct cpu *c, u16 port, unsigned size) { return io_read(c->m, c, port, size); }
void cpu_port_out(struct cpu *c, u16 port, unsigned size, u32 val) { io_write(c->m, c, port, size, val); }
