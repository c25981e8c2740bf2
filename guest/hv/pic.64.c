/* The master 8259 each guest sees at 0x20/0x21 (its slave at 0xa0/0xa1 only accepts
 * writes): the ICW1-ICW4 sequence that sets the vector base, the mask register,
 * non-specific and specific EOI, and IRR/ISR reads. One interrupt in service at a time
 * is enough for a timer. At reset the base is 8, as BIOSes leave it for real mode, and
 * every line is masked. */
#include "hv.h"

void pic_init(struct pic *p)
{
    p->base = 8;
    p->imr = 0xff;
}

int pic_io(struct guest *g, u16 port, int in, u32 *val)
{
    struct pic *p = &g->pic;
    u8 v = (u8)*val;
    if (port == 0xa0 || port == 0xa1) {
        if (in) *val = port == 0xa1 ? 0xff : 0;
        return 1;
    }
    if (port == 0x20) {
        if (in) {
            *val = p->read_isr ? p->isr : p->irr;
        } else if (v & 0x10) { /* ICW1 */
            p->icw_step = 2;
            p->icw4 = v & 1;
            p->imr = 0;
            p->isr = p->irr = 0;
        } else if ((v & 0x18) == 0x08) { /* OCW3 */
            if (v & 2) p->read_isr = v & 1;
        } else if ((v & 0xe0) == 0x20) { /* non-specific EOI */
            p->isr &= (u8)(p->isr - 1);
        } else if ((v & 0xe0) == 0x60) { /* specific EOI */
            p->isr &= (u8) ~(1u << (v & 7));
        }
        return 1;
    }
    /* port 0x21 */
    if (in) {
        *val = p->imr;
    } else if (p->icw_step == 2) {
        p->base = v & 0xf8;
        p->icw_step = 3;
    } else if (p->icw_step == 3) { /* ICW3 (cascade), then ICW4 if ICW1 asked */
        p->icw_step = p->icw4 ? 4 : 0;
    } else if (p->icw_step == 4) {
        p->icw_step = 0;
    } else {
        p->imr = v;
    }
    return 1;
}

void pic_raise(struct guest *g, int irq)
{
    g->pic.irr |= (u8)(1u << irq);
}

int pic_pending(struct guest *g)
{
    struct pic *p = &g->pic;
    u8 ready = p->irr & ~p->imr;
    if (!ready || p->isr || p->icw_step) return -1;
    return p->base + __builtin_ctz(ready);
}

void pic_ack(struct guest *g)
{
    struct pic *p = &g->pic;
    u8 bit = (u8)(1u << __builtin_ctz(p->irr & ~p->imr));
    p->irr &= (u8)~bit;
    p->isr |= bit;
}
