/* Two cascaded 8259A programmable interrupt controllers: master at 0x20/0x21, slave at
 * 0xa0/0xa1 on master IRQ2, and the PIIX edge/level control registers at 0x4d0/0x4d1. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

struct pic_chip {
    u8 irr, isr, imr;
    u8 last_irr;     /* input line levels, for edge detection */
    u8 elcr, elcr_mask;
    u8 base;         /* vector base from ICW2 */
    u8 priority_add; /* the IRQ with the highest priority (rotation) */
    u8 init_state;   /* 0 = operational, 1-3 = expecting ICW2-4 */
    bool init4, single, auto_eoi, rotate_auto_eoi, special_mask, poll, read_isr;
    bool special_nested;
};

struct pic {
    struct machine *m;
    struct pic_chip chip[2]; /* master, slave */
    bool intr;               /* master INTR output */
};

/* Priority level (0 = highest) of the highest-priority bit in mask; 8 if none. */
static int get_priority(const struct pic_chip *s, u8 mask)
{
    if (!mask) return 8;
    int p = 0;
    while (!(mask & (1 << ((p + s->priority_add) & 7)))) p++;
    return p;
}

/* The IRQ this chip would present, or -1. */
static int chip_get_irq(const struct pic_chip *s, bool master)
{
    int pr = get_priority(s, s->irr & ~s->imr);
    if (pr == 8) return -1;
    u8 isr = s->isr;
    if (s->special_mask) isr &= ~s->imr; /* special mask: masked levels don't block */
    if (master && s->special_nested) isr &= ~(1 << 2); /* let the slave nest */
    int cur = get_priority(s, isr);
    return pr < cur ? (pr + s->priority_add) & 7 : -1;
}

static void chip_set_irq(struct pic_chip *s, int irq, int level)
{
    u8 mask = 1 << irq;
    if (s->elcr & mask) {
        if (level) s->irr |= mask, s->last_irr |= mask;
        else s->irr &= ~mask, s->last_irr &= ~mask;
    } else if (level) {
        if (!(s->last_irr & mask)) s->irr |= mask; /* rising edge latches */
        s->last_irr |= mask;
    } else {
        s->last_irr &= ~mask;
    }
}

/* Propagate the slave's output to master IRQ2 and the master's to the processors. */
static void pic_update(struct pic *p)
{
    /* The cascade input follows the slave's INTR level: a request withdrawn before the
     * acknowledge must not leave a stale IRQ2 behind. */
    struct pic_chip *ms = &p->chip[0];
    if (chip_get_irq(&p->chip[1], false) >= 0) ms->irr |= 1 << 2, ms->last_irr |= 1 << 2;
    else ms->irr &= ~(1 << 2), ms->last_irr &= ~(1 << 2);
    bool intr = chip_get_irq(&p->chip[0], true) >= 0;
    if (intr != p->intr) {
        p->intr = intr;
        intr_pic_changed(p->m);
    }
}

void pic_set_irq(struct pic *p, int irq, int level)
{
    if (irq < 0 || irq > 15) return;
    chip_set_irq(&p->chip[irq >> 3], irq & 7, level);
    pic_update(p);
}

bool pic_intr(const struct pic *p) { return p->intr; }

/* Acknowledge irq on a chip: into ISR (unless auto-EOI), clear an edge request. */
static void chip_ack(struct pic_chip *s, int irq)
{
    if (s->auto_eoi) {
        if (s->rotate_auto_eoi) s->priority_add = (irq + 1) & 7;
    } else {
        s->isr |= 1 << irq;
    }
    if (!(s->elcr & (1 << irq))) s->irr &= ~(1 << irq);
}

int pic_intack(struct pic *p)
{
    struct pic_chip *ms = &p->chip[0], *sl = &p->chip[1];
    int irq = chip_get_irq(ms, true), vec;
    if (irq < 0) {
        vec = ms->base + 7; /* spurious IRQ7: no ISR bit */
    } else {
        chip_ack(ms, irq);
        if (irq == 2) {
            int irq2 = chip_get_irq(sl, false);
            if (irq2 >= 0) {
                chip_ack(sl, irq2);
                vec = sl->base + irq2;
            } else {
                vec = sl->base + 7; /* spurious IRQ15 */
            }
        } else {
            vec = ms->base + irq;
        }
    }
    pic_update(p);
    return vec;
}

static void chip_init_reset(struct pic_chip *s)
{
    u8 elcr = s->elcr, emask = s->elcr_mask;
    memset(s, 0, sizeof *s);
    s->elcr = elcr;
    s->elcr_mask = emask;
}

static void eoi(struct pic_chip *s, int irq, bool rotate)
{
    s->isr &= ~(1 << irq);
    if (rotate) s->priority_add = (irq + 1) & 7;
}

static void chip_write(struct pic *p, struct pic_chip *s, bool master, int a0, u8 val)
{
    if (!a0) {
        if (val & 0x10) { /* ICW1 */
            chip_init_reset(s);
            s->irr &= s->elcr; /* level requests stay; edges need a new edge */
            s->init_state = 1;
            s->init4 = val & 1;
            s->single = val & 2;
            if (val & 0x08) machine_log(p->m, "8259: level-triggered mode via ICW1 not supported");
        } else if (val & 0x08) { /* OCW3 */
            if (val & 0x04) s->poll = true;
            if (val & 0x02) s->read_isr = val & 1;
            if (val & 0x40) s->special_mask = (val >> 5) & 1;
        } else { /* OCW2 */
            int cmd = val >> 5;
            switch (cmd) {
            case 0: s->rotate_auto_eoi = false; break;
            case 4: s->rotate_auto_eoi = true; break;
            case 1: /* non-specific EOI */
            case 5: { /* rotate on non-specific EOI */
                int pr = get_priority(s, s->isr);
                if (pr != 8) eoi(s, (pr + s->priority_add) & 7, cmd == 5);
                break;
            }
            case 3: eoi(s, val & 7, false); break;
            case 7: eoi(s, val & 7, true); break;
            case 6: s->priority_add = (val + 1) & 7; break;
            default: break;
            }
        }
    } else {
        switch (s->init_state) {
        case 0: s->imr = val; break; /* OCW1 */
        case 1:
            s->base = val & 0xf8;
            s->init_state = s->single ? (s->init4 ? 3 : 0) : 2;
            break;
        case 2: s->init_state = s->init4 ? 3 : 0; break; /* ICW3: the cascade is fixed */
        case 3:
            s->special_nested = (val >> 4) & 1;
            s->auto_eoi = (val >> 1) & 1;
            s->init_state = 0;
            break;
        }
    }
    (void)master;
    pic_update(p);
}

/* Poll command: acknowledge the highest request as an INTA would, without a vector. */
static u8 chip_poll(struct pic *p, struct pic_chip *s, bool master)
{
    int irq = chip_get_irq(s, master);
    if (irq < 0) return 0;
    s->isr |= 1 << irq;
    if (!(s->elcr & (1 << irq))) s->irr &= ~(1 << irq);
    pic_update(p);
    return 0x80 | irq;
}

static u32 pic_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    struct pic *p = opaque;
    if (port == 0x4d0 || port == 0x4d1) return p->chip[port & 1].elcr;
    bool master = port < 0xa0;
    struct pic_chip *s = &p->chip[!master];
    if (s->poll) {
        s->poll = false;
        return chip_poll(p, s, master);
    }
    if (port & 1) return s->imr;
    return s->read_isr ? s->isr : s->irr;
}

static void pic_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct pic *p = opaque;
    if (port == 0x4d0 || port == 0x4d1) {
        struct pic_chip *s = &p->chip[port & 1];
        s->elcr = (u8)val & s->elcr_mask;
        pic_update(p);
        return;
    }
    bool master = port < 0xa0;
    chip_write(p, &p->chip[!master], master, port & 1, (u8)val);
}

void pic_reset(struct pic *p)
{
    for (int k = 0; k < 2; k++) {
        chip_init_reset(&p->chip[k]);
        p->chip[k].elcr = 0;
    }
    p->intr = false;
}

struct pic *pic_create(struct machine *m)
{
    struct pic *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->m = m;
    /* Timer, keyboard, cascade, RTC and FPU lines are edge-only (PIIX ELCR). */
    p->chip[0].elcr_mask = 0xf8;
    p->chip[1].elcr_mask = 0xde;
    pic_reset(p);
    struct io_handler h = { .read = pic_read, .write = pic_write, .opaque = p };
    io_register(m, 0x20, 2, &h);
    io_register(m, 0xa0, 2, &h);
    io_register(m, 0x4d0, 2, &h);
    return p;
}

void pic_destroy(struct pic *p) { free(p); }
