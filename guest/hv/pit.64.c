/* The 8254 each guest sees at 0x40-0x43 and port 0x61: channel 0 interrupts on IRQ0 in
 * its periodic modes (2, 3) or once (mode 0); any channel's count can be read, latched
 * or live; channel 2's output shows in port 0x61 bit 5. It counts on the hypervisor's
 * virtual clock (sched.64.c), HV_TSC_PER_PIT clock units per PIT tick. */
#include "hv.h"

#define HV_TSC_PER_PIT 16

static u64 period(struct pit_chan *c)
{
    return (c->reload ? c->reload : 0x10000) * (u64)HV_TSC_PER_PIT;
}

static u16 count_now(struct pit_chan *c, u64 now)
{
    if (!c->armed) return c->reload;
    u64 ticks = (now - c->start) / HV_TSC_PER_PIT;
    u32 r = c->reload ? c->reload : 0x10000;
    if (c->mode == 0) return ticks >= r ? (u16)(0 - (ticks - r)) : (u16)(r - ticks);
    return (u16)(r - ticks % r);
}

int pit_io(struct guest *g, u16 port, int in, u32 *val)
{
    struct pit *p = &g->pit;
    u64 now = hv_now();
    u8 v = (u8)*val;
    if (port == 0x61) {
        if (in) {
            struct pit_chan *c = &p->ch[2];
            int out = c->armed && c->mode == 0 && now - c->start >= period(c);
            *val = (p->port61 & 3) | (out ? 0x20 : 0);
        } else {
            p->port61 = v & 3;
        }
        return 1;
    }
    if (port == 0x43) {
        if (in) {
            *val = 0xff;
            return 1;
        }
        struct pit_chan *c = &p->ch[v >> 6 & 3];
        if ((v >> 6) == 3) return 1; /* read-back: not emulated */
        if (!(v & 0x30)) {           /* counter latch */
            c->latch = count_now(c, now);
            c->latched = c->access == 3 ? 2 : 1; /* bytes left to read */
            c->read_hi = 0;
            return 1;
        }
        c->access = (v >> 4) & 3;
        c->mode = (v >> 1) & 7;
        if (c->mode > 5) c->mode -= 4; /* 6, 7 are 2, 3 */
        c->write_hi = c->read_hi = 0;
        c->armed = 0;
        return 1;
    }
    struct pit_chan *c = &p->ch[port - 0x40];
    if (in) {
        u16 cnt = c->latched ? c->latch : count_now(c, now);
        int hi = c->access == 2 || (c->access == 3 && c->read_hi);
        *val = hi ? cnt >> 8 : cnt & 0xff;
        if (c->access == 3) c->read_hi ^= 1;
        if (c->latched) c->latched--;
        return 1;
    }
    if (c->access == 1 || (c->access == 3 && !c->write_hi)) {
        c->reload = (c->reload & 0xff00) | v;
        if (c->access == 3) {
            c->write_hi = 1;
            return 1;
        }
    } else {
        c->reload = (u16)((c->reload & 0xff) | (v << 8));
        c->write_hi = 0;
    }
    /* The count is complete: the channel starts counting now. */
    c->armed = 1;
    c->start = now;
    c->next = now + period(c);
    return 1;
}

/* Raise IRQ0 for every channel-0 period that ended by now; periods missed while the
 * guest was not running are one pending interrupt, as an edge on a real 8259 would be. */
void pit_update(struct guest *g, u64 now)
{
    struct pit_chan *c = &g->pit.ch[0];
    if (!c->armed || now < c->next) return;
    pic_raise(g, 0);
    if (c->mode == 0) {
        c->next = ~0ull;
        return;
    }
    u64 p = period(c);
    c->next += ((now - c->next) / p + 1) * p;
}

u64 pit_next_event(struct guest *g)
{
    struct pit_chan *c = &g->pit.ch[0];
    return c->armed ? c->next : ~0ull;
}
