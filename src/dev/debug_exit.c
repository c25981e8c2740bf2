/* Guest-to-host exits and console: QEMU's isa-debug-exit at 0xf4 (exit code value*2+1),
 * Bochs' 0x8900 "Shutdown" port and the 0xe9 debug console. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

struct debug_exit {
    struct machine *m;
    int shutdown_pos; /* bytes of "Shutdown" matched so far at 0x8900 */
};

static const char shutdown_str[] = "Shutdown";

static u32 dbg_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    if (port == 0xe9) return 0xe9; /* debugcon presence check */
    return 0xffffffffu;
}

static void dbg_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct debug_exit *d = opaque;
    switch (port) {
    case 0xf4:
        machine_request_stop(d->m, STOP_DEBUG_EXIT, (int)((val << 1) | 1));
        break;
    case 0xe9:
        serial_put(d->m, (u8)val);
        break;
    case 0x8900: {
        u8 b = (u8)val;
        if (b == (u8)shutdown_str[d->shutdown_pos]) d->shutdown_pos++;
        else d->shutdown_pos = b == (u8)shutdown_str[0];
        if (d->shutdown_pos == (int)sizeof shutdown_str - 1) {
            d->shutdown_pos = 0;
            machine_request_stop(d->m, STOP_DEBUG_EXIT, 0);
        }
        break;
    }
    }
}

static struct debug_exit *state(struct machine *m)
{
    u8 idx = m->io_map[0xf4];
    return idx && m->io_handlers[idx].read == dbg_read ? m->io_handlers[idx].opaque : NULL;
}

bool debug_exit_create(struct machine *m)
{
    struct debug_exit *d = calloc(1, sizeof *d);
    if (!d) return false;
    d->m = m;
    struct io_handler h = { .read = dbg_read, .write = dbg_write, .opaque = d };
    io_register(m, 0xf4, 1, &h);
    io_register(m, 0xe9, 1, &h);
    io_register(m, 0x8900, 1, &h);
    return true;
}

void debug_exit_reset(struct machine *m)
{
    struct debug_exit *d = state(m);
    if (d) d->shutdown_pos = 0;
}

void debug_exit_destroy(struct machine *m) { free(state(m)); }
