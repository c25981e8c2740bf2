/* 16550A UART as COM1 (0x3f8, IRQ4). Transmission is instantaneous, so the transmitter is
 * always empty. Received data comes from loopback mode or from the machine's serial input
 * (m->serial_in, -serial stdio), read at points fixed in virtual time: when the guest
 * reads RBR or LSR with the receiver empty (at most every RX_DEMAND_NS), and every
 * RX_POLL_NS while the receive interrupt is enabled. Only as many bytes are taken as the
 * receiver has room for (16 with the FIFO on, else 1); the rest wait in the host's buffer.
 * The poll runs even when nothing is taken, so a terminal's Ctrl-A x is seen whatever the
 * guest does. Input that ends (EOF) is not read again. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

#define COM1 0x3f8
#define COM1_IRQ 4

enum { IER_RDA = 1, IER_THRE = 2, IER_RLS = 4, IER_MS = 8 };
enum { LSR_DR = 0x01, LSR_OE = 0x02, LSR_BI = 0x10, LSR_THRE = 0x20, LSR_TEMT = 0x40 };
enum { MCR_DTR = 1, MCR_RTS = 2, MCR_OUT1 = 4, MCR_OUT2 = 8, MCR_LOOP = 16 };
enum { IIR_NONE = 0x01, IIR_MS = 0x00, IIR_THRE = 0x02, IIR_RDA = 0x04, IIR_RLS = 0x06 };

#define RX_FIFO 16
#define RX_DEMAND_NS 10000ull  /* 10 us */
#define RX_POLL_NS 1000000ull  /* 1 ms */

struct uart {
    struct machine *m;
    u8 ier, lcr, mcr, lsr_err, msr, scr, fcr;
    u16 divisor;
    u8 rx[RX_FIFO];
    int rx_head, rx_count;
    bool thre_pending; /* THR-empty interrupt not yet acknowledged */
    bool irq;
    bool in_done;      /* the serial input ended (or there is none) */
    u64 in_next;       /* virtual time from which the next demand read may happen */
    struct timer rx_poll;
};

static bool fifo_enabled(const struct uart *u) { return u->fcr & 1; }

static u8 lsr(const struct uart *u)
{
    return LSR_THRE | LSR_TEMT | u->lsr_err | (u->rx_count ? LSR_DR : 0);
}

/* Highest-priority pending interrupt identification (bits 3:0). */
static u8 iir_id(const struct uart *u)
{
    if ((u->ier & IER_RLS) && u->lsr_err) return IIR_RLS;
    if ((u->ier & IER_RDA) && u->rx_count) return IIR_RDA;
    if ((u->ier & IER_THRE) && u->thre_pending) return IIR_THRE;
    if ((u->ier & IER_MS) && (u->msr & 0x0f)) return IIR_MS;
    return IIR_NONE;
}

static void update_irq(struct uart *u)
{
    /* As QEMU, OUT2 does not gate the line. */
    bool irq = iir_id(u) != IIR_NONE;
    if (irq != u->irq) {
        u->irq = irq;
        irq_set(u->m, COM1_IRQ, irq);
    }
}

/* Modem status inputs: looped back from MCR, or a permanently ready modem. */
static void update_msr(struct uart *u)
{
    u8 in;
    if (u->mcr & MCR_LOOP)
        in = (u8)(((u->mcr & MCR_RTS) ? 0x10 : 0) | ((u->mcr & MCR_DTR) ? 0x20 : 0) |
                  ((u->mcr & MCR_OUT1) ? 0x40 : 0) | ((u->mcr & MCR_OUT2) ? 0x80 : 0));
    else
        in = 0xb0; /* CTS, DSR, DCD */
    u8 old = u->msr, delta = 0;
    if ((old ^ in) & 0x10) delta |= 0x01;
    if ((old ^ in) & 0x20) delta |= 0x02;
    if ((old & 0x40) && !(in & 0x40)) delta |= 0x04; /* trailing edge of RI */
    if ((old ^ in) & 0x80) delta |= 0x08;
    u->msr = in | (old & 0x0f) | delta;
}

static void rx_push(struct uart *u, u8 b)
{
    int cap = fifo_enabled(u) ? RX_FIFO : 1;
    if (u->rx_count >= cap) {
        u->lsr_err |= LSR_OE;
        return;
    }
    u->rx[(u->rx_head + u->rx_count) % RX_FIFO] = b;
    u->rx_count++;
}

/* Take what the serial input has, up to the receiver's room (none in loopback mode or
 * when `take` is false: the input then only gets to see its user's Ctrl-A x). */
static void rx_fill(struct uart *u, bool take)
{
    struct machine *m = u->m;
    if (u->in_done || !m->serial_in) return;
    int room = (fifo_enabled(u) ? RX_FIFO : 1) - u->rx_count;
    if (!take || room < 0 || (u->mcr & MCR_LOOP)) room = 0;
    u8 buf[RX_FIFO];
    int n = m->serial_in(m->serial_in_ctx, buf, room);
    if (n == SERIAL_IN_QUIT) machine_request_stop(m, STOP_DEBUG_EXIT, 0);
    if (n < 0) {
        u->in_done = true;
        return;
    }
    for (int k = 0; k < n && k < room; k++) rx_push(u, buf[k]);
}

static void rx_demand(struct uart *u)
{
    if (u->rx_count || u->in_done) return;
    u64 now = machine_now(u->m);
    if (now < u->in_next) return;
    u->in_next = now + RX_DEMAND_NS;
    rx_fill(u, true);
}

static void rx_poll_arm(struct uart *u)
{
    bool on = !u->in_done && u->m->serial_in;
    if (!on) timer_arm(u->m, &u->rx_poll, TIME_NEVER);
    else if (u->rx_poll.deadline == TIME_NEVER) timer_arm(u->m, &u->rx_poll, machine_now(u->m) + RX_POLL_NS);
}

static void rx_poll_fire(void *opaque, u64 now)
{
    struct uart *u = opaque;
    rx_fill(u, u->ier & IER_RDA);
    update_irq(u);
    rx_poll_arm(u);
}

static u32 uart_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    struct uart *u = opaque;
    u8 v = 0;
    switch (port - COM1) {
    case 0:
        if (u->lcr & 0x80) return u->divisor & 0xff;
        rx_demand(u);
        if (u->rx_count) {
            v = u->rx[u->rx_head];
            u->rx_head = (u->rx_head + 1) % RX_FIFO;
            u->rx_count--;
        }
        break;
    case 1:
        if (u->lcr & 0x80) return u->divisor >> 8;
        return u->ier;
    case 2:
        v = iir_id(u) | (fifo_enabled(u) ? 0xc0 : 0);
        if ((v & 0x0f) == IIR_THRE) u->thre_pending = false; /* reading IIR acknowledges THRE */
        break;
    case 3: return u->lcr;
    case 4: return u->mcr;
    case 5:
        rx_demand(u);
        v = lsr(u);
        u->lsr_err = 0; /* error bits clear on read */
        break;
    case 6:
        v = u->msr;
        u->msr &= 0xf0; /* delta bits clear on read */
        break;
    case 7: return u->scr;
    }
    update_irq(u);
    return v;
}

static void uart_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct uart *u = opaque;
    u8 v = (u8)val;
    switch (port - COM1) {
    case 0:
        if (u->lcr & 0x80) {
            u->divisor = (u16)((u->divisor & 0xff00) | v);
            return;
        }
        if (u->mcr & MCR_LOOP) rx_push(u, v);
        else serial_put(u->m, v);
        u->thre_pending = true; /* sent at once: the holding register is empty again */
        break;
    case 1:
        if (u->lcr & 0x80) {
            u->divisor = (u16)((u->divisor & 0xff) | v << 8);
            return;
        }
        /* Enabling THRE with the transmitter empty raises it at once (as a 16550A). */
        if ((v & IER_THRE) && !(u->ier & IER_THRE)) u->thre_pending = true;
        u->ier = v & 0x0f;
        rx_poll_arm(u);
        break;
    case 2:
        if ((v ^ u->fcr) & 1) u->rx_count = 0; /* toggling FIFO mode empties the FIFOs */
        if (v & 2) u->rx_count = 0;
        u->fcr = v & 0xc9;
        break;
    case 3: u->lcr = v; return;
    case 4:
        u->mcr = v & 0x1f;
        update_msr(u);
        break;
    case 5: return; /* LSR is read-only (factory test) */
    case 6: return;
    case 7: u->scr = v; return;
    }
    update_irq(u);
}

void uart_reset(struct uart *u)
{
    if (u->irq) irq_set(u->m, COM1_IRQ, 0);
    struct machine *m = u->m;
    memset(u, 0, sizeof *u);
    u->m = m;
    u->divisor = 12; /* 9600 baud */
    u->msr = 0;
    update_msr(u);
    u->msr &= 0xf0; /* no deltas at power-on */
    u->rx_poll.fire = rx_poll_fire;
    u->rx_poll.opaque = u;
    u->rx_poll.deadline = TIME_NEVER;
    rx_poll_arm(u);
}

struct uart *uart_create(struct machine *m)
{
    struct uart *u = calloc(1, sizeof *u);
    if (!u) return NULL;
    u->m = m;
    timer_register(m, &u->rx_poll);
    uart_reset(u);
    struct io_handler h = { .read = uart_read, .write = uart_write, .opaque = u };
    io_register(m, COM1, 8, &h);
    return u;
}

void uart_destroy(struct uart *u) { free(u); }
