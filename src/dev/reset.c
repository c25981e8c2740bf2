/* Reset sources: the PIIX reset control register (0xcf9), system control port A (0x92:
 * fast reset, A20) and a minimal 8042 keyboard controller (0x60/0x64) whose pulse-reset
 * command 0xfe resets the machine. A20 is always enabled; only the bit is remembered. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

enum { KBD_OBF = 0x01, KBD_SYS = 0x04, KBD_CMD = 0x08, KBD_UNLOCKED = 0x10 };

struct reset_ctl {
    struct machine *m;
    u8 rcr;     /* 0xcf9 */
    u8 port92;
    /* 8042 */
    u8 kbd_out[4];
    int kbd_n;
    u8 kbd_cmd_byte;
    u8 kbd_pending; /* controller command waiting for its data byte, or 0 */
    bool last_was_cmd;
    u8 outport;
};

static void kbd_queue(struct reset_ctl *r, u8 b)
{
    if (r->kbd_n < (int)sizeof r->kbd_out) r->kbd_out[r->kbd_n++] = b;
}

static u8 kbd_dequeue(struct reset_ctl *r)
{
    if (!r->kbd_n) return 0;
    u8 b = r->kbd_out[0];
    memmove(r->kbd_out, r->kbd_out + 1, (size_t)--r->kbd_n);
    return b;
}

static void kbd_command(struct reset_ctl *r, u8 cmd)
{
    switch (cmd) {
    case 0x20: kbd_queue(r, r->kbd_cmd_byte); break;
    case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4: r->kbd_pending = cmd; break;
    case 0xa7: r->kbd_cmd_byte |= 0x20; break;
    case 0xa8: r->kbd_cmd_byte &= ~0x20; break;
    case 0xa9: kbd_queue(r, 0x00); break; /* aux interface test: ok */
    case 0xaa: kbd_queue(r, 0x55); break; /* self-test passed */
    case 0xab: kbd_queue(r, 0x00); break; /* keyboard interface test: ok */
    case 0xad: r->kbd_cmd_byte |= 0x10; break;
    case 0xae: r->kbd_cmd_byte &= ~0x10; break;
    case 0xc0: kbd_queue(r, 0x00); break; /* input port */
    case 0xd0: kbd_queue(r, r->outport); break;
    case 0xdd: r->outport &= ~2; break;
    case 0xdf: r->outport |= 2; break;
    default:
        /* 0xf0-0xff pulse output lines; bit 0 clear pulses the reset line. */
        if (cmd >= 0xf0 && !(cmd & 1)) machine_request_reset(r->m, "keyboard controller 0xfe");
        break;
    }
}

static void kbd_data(struct reset_ctl *r, u8 v)
{
    u8 cmd = r->kbd_pending;
    r->kbd_pending = 0;
    switch (cmd) {
    case 0x60: r->kbd_cmd_byte = v; break;
    case 0xd1:
        r->outport = v;
        if (!(v & 1)) machine_request_reset(r->m, "keyboard controller output port");
        break;
    case 0xd2: case 0xd3: kbd_queue(r, v); break; /* echo as if from the device */
    case 0xd4: kbd_queue(r, 0xfe); break; /* no mouse: resend */
    default:
        /* A byte for the keyboard: acknowledge; a reset also reports self-test passed. */
        kbd_queue(r, 0xfa);
        if (v == 0xff) kbd_queue(r, 0xaa);
        break;
    }
}

static u32 reset_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    struct reset_ctl *r = opaque;
    switch (port) {
    case 0xcf9: return r->rcr;
    case 0x92: return r->port92;
    case 0x60: return kbd_dequeue(r);
    case 0x64:
        return KBD_SYS | KBD_UNLOCKED | (r->last_was_cmd ? KBD_CMD : 0) | (r->kbd_n ? KBD_OBF : 0);
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
    case 0x60:
        r->last_was_cmd = false;
        kbd_data(r, (u8)val);
        break;
    case 0x64:
        r->last_was_cmd = true;
        kbd_command(r, (u8)val);
        break;
    }
}

void reset_ctl_reset(struct reset_ctl *r)
{
    struct machine *m = r->m;
    memset(r, 0, sizeof *r);
    r->m = m;
    r->port92 = 0x02;
    r->outport = 0x03; /* reset line inactive, A20 on */
    r->kbd_cmd_byte = 0x45; /* translate, system flag, keyboard interrupt */
    r->last_was_cmd = true;
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
    io_register(m, 0x60, 1, &h);
    io_register(m, 0x64, 1, &h);
    return r;
}

void reset_destroy(struct reset_ctl *r) { free(r); }
