/* The 16550 each guest sees at 0x3f8-0x3ff: enough for polled output. Bytes collect per
 * guest and go to the real COM1 a line at a time behind "[name] ", so the guests' lines
 * stay whole however their time slices interleave. The transmitter is always empty
 * (LSR THRE|TEMT), no interrupts are ever pending (IIR 1) and nothing is received. */
#include "hv.h"

#define LCR_DLAB 0x80

void uart_flush(struct guest *g)
{
    struct uart *u = &g->uart;
    if (!u->len) return;
    u->line[u->len] = 0;
    printf("[%s] %s\n", g->name, u->line);
    u->len = 0;
}

static void put(struct guest *g, char c)
{
    struct uart *u = &g->uart;
    if (c == '\n') {
        if (!u->len) /* an empty line still shows whose it was */
            u->line[u->len++] = ' ';
        uart_flush(g);
    } else if (c != '\r') {
        u->line[u->len++] = c;
        if (u->len == (int)sizeof(u->line) - 1) uart_flush(g);
    }
}

void uart_puts(struct guest *g, const char *s)
{
    while (*s)
        put(g, *s++);
}

int uart_io(struct guest *g, u16 port, int in, u32 *val)
{
    struct uart *u = &g->uart;
    int dlab = u->lcr & LCR_DLAB;
    u8 v = (u8)*val;
    switch (port - 0x3f8) {
    case 0:
        if (in)
            *val = dlab ? u->dll : 0; /* RBR: nothing received */
        else if (dlab)
            u->dll = v;
        else
            put(g, (char)v);
        return 1;
    case 1:
        if (in)
            *val = dlab ? u->dlm : u->ier;
        else if (dlab)
            u->dlm = v;
        else
            u->ier = v & 0x0f;
        return 1;
    case 2:
        if (in)
            *val = (u->fcr & 1) ? 0xc1 : 0x01; /* FIFOs on?, no interrupt pending */
        else
            u->fcr = v;
        return 1;
    case 3:
        if (in)
            *val = u->lcr;
        else
            u->lcr = v;
        return 1;
    case 4:
        if (in)
            *val = u->mcr;
        else
            u->mcr = v & 0x1f;
        return 1;
    case 5:
        if (in) *val = 0x60; /* LSR: THRE | TEMT */
        return 1;
    case 6:
        if (in) *val = 0xb0; /* MSR: CTS, DSR, DCD */
        return 1;
    case 7:
        if (in)
            *val = u->scr;
        else
            u->scr = v;
        return 1;
    }
    return 0;
}
