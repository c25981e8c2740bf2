/* The 8042 keyboard controller (0x60 data, 0x64 status/command) as far as kernels probe
 * and reset through it: status register, command byte (0x20/0x60), self test (0xaa ->
 * 0x55), interface tests, keyboard and auxiliary port disable/enable, the output port
 * (0xd0/0xd1) and pulse commands (0xfe resets the machine), and a keyboard that answers
 * the usual probe commands (reset, identify, echo, LEDs, scan code set) though no key is
 * ever pressed. No mouse: bytes for the auxiliary device time out. IRQ1 and IRQ12 follow
 * the output buffer as the command byte enables them. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

enum {
    ST_OBF = 0x01,
    ST_SYS = 0x04,
    ST_CMD = 0x08,
    ST_UNLOCKED = 0x10,
    ST_AUXB = 0x20,
    ST_TIMEOUT = 0x40
};
enum {
    CTR_KBD_INT = 0x01,
    CTR_AUX_INT = 0x02,
    CTR_SYS = 0x04,
    CTR_KBD_OFF = 0x10,
    CTR_AUX_OFF = 0x20,
    CTR_XLATE = 0x40
};
enum { OUT_RESET = 0x01, OUT_A20 = 0x02 };
#define QUEUE 16
#define FROM_AUX 0x100 /* queue entry flag: the byte came from the auxiliary port */

struct i8042 {
    struct machine *m;
    u16 q[QUEUE];
    int n;
    u8 ctr;
    u8 outport;
    u8 pending;     /* controller command waiting for its data byte, or 0 */
    u8 kbd_pending; /* keyboard command waiting for its argument, or 0 */
    bool last_was_cmd, timeout;
    bool irq1, irq12;
};

static void update_irq(struct i8042 *k)
{
    bool aux = k->n && (k->q[0] & FROM_AUX);
    bool irq1 = k->n && !aux && (k->ctr & CTR_KBD_INT);
    bool irq12 = k->n && aux && (k->ctr & CTR_AUX_INT);
    if (irq1 != k->irq1) irq_set(k->m, 1, k->irq1 = irq1);
    if (irq12 != k->irq12) irq_set(k->m, 12, k->irq12 = irq12);
}

static void queue(struct i8042 *k, u16 b)
{
    if (k->n < QUEUE) k->q[k->n++] = b;
}

static u8 dequeue(struct i8042 *k)
{
    if (!k->n) return (u8)k->q[0]; /* an empty buffer reads its last byte again */
    u8 b = (u8)k->q[0];
    memmove(k->q, k->q + 1, (size_t)--k->n * sizeof *k->q);
    if (!k->n) k->q[0] = b;
    /* The next byte is a new edge on its line. */
    if (k->irq1) irq_set(k->m, 1, k->irq1 = false);
    if (k->irq12) irq_set(k->m, 12, k->irq12 = false);
    return b;
}

/* A byte for the keyboard itself (written to 0x60 with no controller command pending). */
static void keyboard(struct i8042 *k, u8 v)
{
    if (k->kbd_pending) { /* the argument of 0xed, 0xf0 or 0xf3 */
        u8 cmd = k->kbd_pending;
        k->kbd_pending = 0;
        if (cmd == 0xf0 && v == 0) {
            queue(k, 0xfa);
            queue(k, 0x02); /* scan code set 2 */
            return;
        }
        queue(k, 0xfa);
        return;
    }
    switch (v) {
    case 0xed:
    case 0xf0:
    case 0xf3:
        k->kbd_pending = v;
        queue(k, 0xfa);
        break;
    case 0xee: queue(k, 0xee); break; /* echo */
    case 0xf2: /* identify: an MF2 keyboard, its ID translated when the controller does */
        queue(k, 0xfa);
        queue(k, 0xab);
        queue(k, (k->ctr & CTR_XLATE) ? 0x41 : 0x83);
        break;
    case 0xff:
        queue(k, 0xfa);
        queue(k, 0xaa);
        break;                      /* reset: self test passed */
    case 0xfe: break;               /* resend: nothing was sent */
    default: queue(k, 0xfa); break; /* enable, disable, defaults, typematic modes */
    }
}

static void command(struct i8042 *k, u8 cmd)
{
    if (cmd >= 0x20 && cmd < 0x40) { /* read controller RAM: byte 0 is the command byte */
        queue(k, cmd == 0x20 ? k->ctr : 0);
        return;
    }
    if (cmd >= 0x60 && cmd < 0x80) {
        k->pending = cmd;
        return;
    }
    switch (cmd) {
    case 0xa7: k->ctr |= CTR_AUX_OFF; break;
    case 0xa8: k->ctr &= ~CTR_AUX_OFF; break;
    case 0xa9: queue(k, 0x00); break; /* auxiliary interface test: no fault */
    case 0xaa:                        /* self test: passed, and the system flag set as after POST */
        k->ctr |= CTR_SYS;
        queue(k, 0x55);
        break;
    case 0xab: queue(k, 0x00); break; /* keyboard interface test: no fault */
    case 0xad: k->ctr |= CTR_KBD_OFF; break;
    case 0xae: k->ctr &= ~CTR_KBD_OFF; break;
    case 0xc0: queue(k, 0x00); break; /* input port */
    case 0xd0: queue(k, k->outport); break;
    case 0xd1:
    case 0xd2:
    case 0xd3:
    case 0xd4: k->pending = cmd; break;
    case 0xdd: k->outport &= ~OUT_A20; break;
    case 0xdf: k->outport |= OUT_A20; break;
    default:
        /* 0xf0-0xff pulse output port bits 3:0 low for 6 us; bit 0 is the reset line. */
        if (cmd >= 0xf0 && !(cmd & 1)) machine_request_reset(k->m, "keyboard controller 0xfe");
        break;
    }
}

static void data(struct i8042 *k, u8 v)
{
    u8 cmd = k->pending;
    k->pending = 0;
    k->timeout = false;
    switch (cmd) {
    case 0: keyboard(k, v); break;
    case 0x60: k->ctr = v & 0x77; break;
    case 0xd1:
        k->outport = v;
        if (!(v & OUT_RESET)) machine_request_reset(k->m, "keyboard controller output port");
        break;
    case 0xd2: queue(k, v); break;            /* as if the keyboard had sent it */
    case 0xd3: queue(k, v | FROM_AUX); break; /* as if the mouse had sent it */
    case 0xd4: k->timeout = true; break;      /* no mouse answers */
    default: break;                           /* other controller RAM bytes */
    }
}

static u32 kbc_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    struct i8042 *k = opaque;
    if (port == 0x60) {
        u8 b = dequeue(k);
        update_irq(k);
        return b;
    }
    return (k->n ? ST_OBF : 0) | (k->n && (k->q[0] & FROM_AUX) ? ST_AUXB : 0) |
           (k->ctr & CTR_SYS ? ST_SYS : 0) | (k->last_was_cmd ? ST_CMD : 0) | ST_UNLOCKED |
           (k->timeout ? ST_TIMEOUT : 0);
}

static void kbc_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct i8042 *k = opaque;
    k->last_was_cmd = port == 0x64;
    if (port == 0x64)
        command(k, (u8)val);
    else
        data(k, (u8)val);
    update_irq(k);
}

void i8042_reset(struct i8042 *k)
{
    if (k->irq1) irq_set(k->m, 1, 0);
    if (k->irq12) irq_set(k->m, 12, 0);
    struct machine *m = k->m;
    memset(k, 0, sizeof *k);
    k->m = m;
    k->outport = OUT_RESET | OUT_A20;
    k->ctr = CTR_XLATE | CTR_SYS | CTR_KBD_INT; /* as the BIOS leaves it */
    k->last_was_cmd = true;
}

struct i8042 *i8042_create(struct machine *m)
{
    struct i8042 *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->m = m;
    i8042_reset(k);
    struct io_handler h = {.read = kbc_read, .write = kbc_write, .opaque = k};
    io_register(m, 0x60, 1, &h);
    io_register(m, 0x64, 1, &h);
    return k;
}

void i8042_destroy(struct i8042 *k)
{
    free(k);
}
