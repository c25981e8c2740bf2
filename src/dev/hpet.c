/* HPET at 0xfed00000 (IA-PC HPET specification 1.0a): a 64-bit main counter at 100 MHz
 * (one tick per 10 ns of virtual time), three comparators with one-shot and periodic
 * modes, 32-bit mode, edge or level interrupts routed to an I/O APIC pin, and legacy
 * replacement routing (timer 0 on IRQ0, timer 1 on IRQ8, the PIT's and RTC's outputs cut
 * off meanwhile, as QEMU does). No FSB (MSI) delivery.
 * Registers are 64 bits; any access of 1 to 8 bytes inside one is merged into it. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

#define TICK_NS 10
#define PERIOD_FS 10000000ull /* COUNTER_CLK_PERIOD: 10 ns */
#define ROUTE_CAP 0x00ff0104u /* I/O APIC pins 2, 8 and 16-23, as QEMU's pc */

enum { CFG_ENABLE = 1u << 0, CFG_LEGACY = 1u << 1 };
enum {
    TN_LEVEL = 1u << 1,
    TN_INT_ENB = 1u << 2,
    TN_PERIODIC = 1u << 3,
    TN_PER_CAP = 1u << 4,
    TN_SIZE_CAP = 1u << 5,
    TN_VAL_SET = 1u << 6,
    TN_32BIT = 1u << 8,
    TN_ROUTE_SHIFT = 9,
};
#define TN_RW                                                                                      \
    (TN_LEVEL | TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_32BIT | 0x1fu << TN_ROUTE_SHIFT)

struct hpet_timer {
    struct hpet *h;
    int n;
    u64 config, cmp, period;
    bool line; /* the level this comparator drives */
    struct timer ev;
};

struct hpet {
    struct machine *m;
    u64 config;
    u64 isr;   /* GINTR_STA */
    u64 count; /* main counter when halted, or at `since` when running */
    u64 since; /* virtual ns when the counter last started */
    struct hpet_timer t[HPET_TIMERS];
};

u64 hpet_capabilities(void)
{
    return PERIOD_FS << 32 | 0x8086u << 16 | 1u << 15 /* LEG_RT_CAP */ | 1u << 13 /* 64-bit */ |
           (u64)(HPET_TIMERS - 1) << 8 | 0x01 /* revision */;
}

static bool running(const struct hpet *h)
{
    return h->config & CFG_ENABLE;
}

bool hpet_legacy(const struct machine *m)
{
    return m->hpet && (m->hpet->config & CFG_LEGACY);
}

static u64 counter(const struct hpet *h, u64 now)
{
    return running(h) ? h->count + (now - h->since) / TICK_NS : h->count;
}

/* The pin timer n drives: legacy replacement for 0 and 1, else its route. */
static void drive(struct hpet_timer *t, bool level)
{
    struct hpet *h = t->h;
    if (level == t->line) return;
    t->line = level;
    if ((h->config & CFG_LEGACY) && t->n < 2)
        irq_set(h->m, t->n == 0 ? 0 : 8, level);
    else if (h->m->ioapic)
        ioapic_set_irq(h->m->ioapic, (int)(t->config >> TN_ROUTE_SHIFT) & 0x1f, level);
}

static void lower_all(struct hpet *h)
{
    for (int k = 0; k < HPET_TIMERS; k++)
        drive(&h->t[k], false);
}

/* Level lines follow GINTR_STA (and the enables); edges were pulsed when they fired. */
static void update_levels(struct hpet *h)
{
    for (int k = 0; k < HPET_TIMERS; k++) {
        struct hpet_timer *t = &h->t[k];
        bool on =
            (t->config & TN_LEVEL) && (t->config & TN_INT_ENB) && running(h) && (h->isr >> k & 1);
        drive(t, on);
    }
}

/* Arm timer t for its next match. `fired`: it matched just now, so an equal comparator
 * means a whole wrap away rather than now. */
static void arm(struct hpet_timer *t, u64 now, bool fired)
{
    struct hpet *h = t->h;
    if (!running(h)) {
        timer_arm(h->m, &t->ev, TIME_NEVER);
        return;
    }
    u64 cnt = counter(h, now);
    bool narrow = t->config & TN_32BIT;
    u64 delta = narrow ? (u32)((u32)t->cmp - (u32)cnt) : t->cmp - cnt;
    if (delta == 0 && fired) delta = narrow ? 1ull << 32 : 0;
    if (delta == 0 && fired) { /* 64-bit one-shot: the next match is 2^64 ticks away */
        timer_arm(h->m, &t->ev, TIME_NEVER);
        return;
    }
    /* The counter reaches cnt + delta when (count + cnt - count + delta) ticks have run. */
    u64 ticks = cnt - h->count + delta;
    if (ticks > (TIME_NEVER - h->since) / TICK_NS - 1) {
        timer_arm(h->m, &t->ev, TIME_NEVER);
        return;
    }
    timer_arm(h->m, &t->ev, h->since + ticks * TICK_NS);
}

static void timer_fire(void *opaque, u64 now)
{
    struct hpet_timer *t = opaque;
    struct hpet *h = t->h;
    if (!running(h)) return;
    u64 cnt = counter(h, now);
    if ((t->config & TN_PERIODIC) && t->period) {
        u64 mask = (t->config & TN_32BIT) ? 0xffffffffull : ~0ull;
        u64 behind = ((cnt - t->cmp) & mask) / t->period; /* periods missed, if any */
        t->cmp = (t->cmp + (behind + 1) * t->period) & mask;
    }
    if (t->config & TN_INT_ENB) {
        if (t->config & TN_LEVEL) {
            h->isr |= 1ull << t->n;
            update_levels(h);
        } else {
            drive(t, true);
            drive(t, false);
        }
    }
    arm(t, now, !((t->config & TN_PERIODIC) && t->period));
}

static u64 reg_read(struct hpet *h, u64 reg, u64 now)
{
    if (reg == 0x000) return hpet_capabilities();
    if (reg == 0x010) return h->config;
    if (reg == 0x020) return h->isr;
    if (reg == 0x0f0) return counter(h, now);
    if (reg >= 0x100 && reg < 0x100 + 0x20 * HPET_TIMERS) {
        struct hpet_timer *t = &h->t[(reg - 0x100) / 0x20];
        switch (reg & 0x1f) {
        case 0x00: return t->config | (u64)ROUTE_CAP << 32 | TN_PER_CAP | TN_SIZE_CAP;
        case 0x08: return (t->config & TN_32BIT) ? (u32)t->cmp : t->cmp;
        default: return 0; /* FSB route: not offered */
        }
    }
    return 0;
}

/* val holds the written bytes at their place in the register, mask says which. */
static void reg_write(struct hpet *h, u64 reg, u64 val, u64 mask, u64 now)
{
    u64 merged = (reg_read(h, reg, now) & ~mask) | (val & mask);
    if (reg == 0x010) {
        u64 old = h->config, cfg = merged & (CFG_ENABLE | CFG_LEGACY);
        if ((old ^ cfg) & (CFG_ENABLE | CFG_LEGACY)) lower_all(h); /* on the old wiring */
        bool rtc = h->m->rtc && rtc_irq_level(h->m->rtc);
        if ((cfg & ~old & CFG_LEGACY) && rtc) irq_set(h->m, 8, 0); /* take IRQ8 from the RTC */
        h->config = cfg;
        if ((old & ~cfg & CFG_LEGACY) && rtc) irq_set(h->m, 8, 1); /* and give it back */
        if ((old ^ cfg) & CFG_ENABLE) {
            if (cfg & CFG_ENABLE)
                h->since = now;
            else
                h->count = h->count + (now - h->since) / TICK_NS;
        }
    } else if (reg == 0x020) {
        h->isr &= ~(val & mask); /* write 1 to clear */
    } else if (reg == 0x0f0) {
        if (!running(h)) h->count = merged; /* writable while halted (2.3.9.1) */
    } else if (reg >= 0x100 && reg < 0x100 + 0x20 * HPET_TIMERS) {
        struct hpet_timer *t = &h->t[(reg - 0x100) / 0x20];
        if ((reg & 0x1f) == 0x00) {
            u64 old = t->config;
            u64 cfg = merged & TN_RW;
            /* Only pins in the route capability can be chosen; others keep the old one. */
            if (!(ROUTE_CAP >> ((cfg >> TN_ROUTE_SHIFT) & 0x1f) & 1))
                cfg = (cfg & ~(0x1full << TN_ROUTE_SHIFT)) | (old & 0x1full << TN_ROUTE_SHIFT);
            drive(t, false);
            t->config = cfg;
            if (cfg & TN_32BIT) t->cmp = (u32)t->cmp;
        } else if ((reg & 0x1f) == 0x08) {
            u64 v = (t->config & TN_32BIT) ? (u32)merged : merged;
            /* Periodic: the write sets the period, and the comparator too only with
             * Tn_VAL_SET_CNF, which then clears (2.3.9.2.2). */
            if (!(t->config & TN_PERIODIC) || (t->config & TN_VAL_SET)) t->cmp = v;
            if (t->config & TN_PERIODIC) t->period = v;
            t->config &= ~(u64)TN_VAL_SET;
        }
    }
    update_levels(h);
    for (int k = 0; k < HPET_TIMERS; k++)
        arm(&h->t[k], now, false);
}

static u64 hpet_read(void *opaque, struct cpu *c, u64 off, unsigned size)
{
    struct hpet *h = opaque;
    unsigned sh = (unsigned)(off & 7) * 8;
    u64 v = reg_read(h, off & ~7ull, machine_now(h->m)) >> sh;
    return v; /* bytes past the register read as 0 */
}

static void hpet_write(void *opaque, struct cpu *c, u64 off, unsigned size, u64 val)
{
    struct hpet *h = opaque;
    unsigned sh = (unsigned)(off & 7) * 8;
    u64 mask = size >= 8 ? ~0ull : ((1ull << (8 * size)) - 1);
    reg_write(h, off & ~7ull, val << sh, mask << sh, machine_now(h->m));
}

void hpet_reset(struct hpet *h)
{
    lower_all(h);
    h->config = 0; /* legacy off: the RTC resets its own line (rtc_reset) */
    h->isr = 0;
    h->count = 0;
    h->since = 0;
    for (int k = 0; k < HPET_TIMERS; k++) {
        struct hpet_timer *t = &h->t[k];
        t->config = 0;
        t->cmp = ~0ull;
        t->period = 0;
        timer_arm(h->m, &t->ev, TIME_NEVER);
    }
}

struct hpet *hpet_create(struct machine *m)
{
    struct hpet *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->m = m;
    for (int k = 0; k < HPET_TIMERS; k++) {
        struct hpet_timer *t = &h->t[k];
        t->h = h;
        t->n = k;
        t->ev.fire = timer_fire;
        t->ev.opaque = t;
        timer_register(m, &t->ev);
    }
    hpet_reset(h);
    struct mmio_region r = {
        .base = HPET_BASE,
        .size = 0x400,
        .read = hpet_read,
        .write = hpet_write,
        .opaque = h,
    };
    mmio_register(m, &r);
    return h;
}

void hpet_destroy(struct hpet *h)
{
    free(h);
}
