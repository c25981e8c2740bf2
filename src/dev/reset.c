/* Reset sources: the PIIX reset control register (0xcf9, also the FADT's reset register)
 * and system control port A (0x92: fast reset, A20). The 8042's pulse-reset command is in
 * i8042.c. A20 is always enabled; only the bit is remembered. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

struct reset_ctl {
    struct machine *m;
    u8 rcr; /* 0xcf9 */
    u8 port92;
};

static u32 reset_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    struct reset_ctl *r = opaque;
    switch (port) {
    case 0xcf9: return r->rcr;
    case 0x92: return r->port92;
    default: return 0xffffffffu;
    }
}

static void reset_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct reset_ctl *r = opaque;
    switch (port) {
    case 0xcf9:
        r->rcr = val & 0x02;
        if (val & 0x04) machine_request_reset(r->m, "reset control register 0xcf9");
        break;
    case 0x92: {
        u8 old = r->port92;
        r->port92 = val & 0x02; /* bit 1 = A20 gate, remembered only */
        if ((val & 1) && !(old & 1)) machine_request_reset(r->m, "port 0x92 fast reset");
        break;
    }
    }
}

void reset_ctl_reset(struct reset_ctl *r)
{
    struct machine *m = r->m;
    memset(r, 0, sizeof *r);
    r->m = m;
    r->port92 = 0x02;
}

struct reset_ctl *reset_create(struct machine *m)
{
    struct reset_ctl *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->m = m;
    reset_ctl_reset(r);
    struct io_handler h = { .read = reset_read, .write = reset_write, .opaque = r };
    io_register(m, 0xcf9, 1, &h);
    io_register(m, 0x92, 1, &h);
    return r;
}

void reset_destroy(struct reset_ctl *r) { free(r); }
