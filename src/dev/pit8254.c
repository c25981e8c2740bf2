/* 8254 programmable interval timer (ports 0x40-0x43) and the PIIX port 0x61 (counter 2
 * gate, speaker, OUT2). Counters are computed from virtual time, never ticked; a timer is
 * armed for the next rising edge of OUT0, which drives IRQ0. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

#define PIT_HZ 1193182ull
#define NS 1000000000ull

struct pit_counter {
    u32 count;        /* reload value: 1..65536 (10000 in BCD) */
    u64 start;        /* virtual ns at which counting (re)started */
    u64 paused_at;    /* gate low in a mode that stops counting: when it went low */
    bool gate, paused;
    bool loaded;      /* a count was written since the control word */
    u8 mode, rw, bcd;
    bool write_hi;    /* lohi: the next write is the high byte */
    bool read_hi;     /* lohi: the next read is the high byte */
    bool latched;     /* count latch holds latched_val */
    u8 latch_bytes;   /* bytes of the latch still to read */
    u16 latched_val;
    bool status_latched;
    u8 status;
    u8 write_lo;      /* low byte received in lohi mode */
};

struct pit {
    struct machine *m;
    struct pit_counter ctr[3];
    bool speaker_data; /* port 0x61 bit 1 */
    struct timer timer;
};

static u64 ticks_at(u64 ns) { return (u64)(((u128)ns * PIT_HZ) / NS); }
/* First virtual ns at which the tick count reaches t. */
static u64 ns_of_tick(u64 t) { return (u64)(((u128)t * NS + PIT_HZ - 1) / PIT_HZ); }

/* Input clocks counted since the counter started. */
static u64 elapsed(const struct pit_counter *s, u64 now)
{
    u64 t = s->paused ? s->paused_at : now;
    return t > s->start ? ticks_at(t) - ticks_at(s->start) : 0;
}

/* Counter value (binary) at `now`. */
static u32 counter_value(const struct pit_counter *s, u64 now)
{
    if (!s->loaded) return 0;
    u64 d = elapsed(s, now);
    u32 n = s->count;
    switch (s->mode) {
    case 2: return n - (u32)(d % n);
    case 3: { /* decrements by two; each half period reloads */
        u64 r = d % n, half = (n + 1) / 2;
        u64 v = r < half ? n - 2 * r : n - 2 * (r - half);
        return (u32)(v & ~1ull) ? (u32)(v & ~1ull) : n;
    }
    default: { /* 0, 1, 4, 5: count down and wrap */
        u32 wrap = s->bcd ? 10000 : 65536;
        return (u32)((n + wrap - d % wrap) % wrap);
    }
    }
}

static bool counter_out(const struct pit_counter *s, u64 now)
{
    if (!s->loaded) return s->mode != 0;
    u64 d = elapsed(s, now);
    u32 n = s->count;
    switch (s->mode) {
    case 0:
    case 1: return d >= n;
    case 2: return s->paused || d % n != n - 1u;
    case 3: return s->paused || d % n < (n + 1) / 2;
    default: return d != n; /* 4, 5: one low pulse at terminal count */
    }
}

/* Virtual ns of the next rising edge of OUT after `now`, or TIME_NEVER. */
static u64 next_edge(const struct pit_counter *s, u64 now)
{
    if (!s->loaded || s->paused) return TIME_NEVER;
    u64 t0 = ticks_at(s->start), d = elapsed(s, now), n = s->count, k;
    switch (s->mode) {
    case 0:
    case 1: if (d >= n) return TIME_NEVER; k = n; break;
    case 2:
    case 3: k = (d / n + 1) * n; break;
    default: if (d >= n + 1) return TIME_NEVER; k = n + 1; break;
    }
    return ns_of_tick(t0 + k);
}

static void pit_update_irq_timer(struct pit *p)
{
    timer_arm(p->m, &p->timer, next_edge(&p->ctr[0], machine_now(p->m)));
}

static void pit_fire(void *opaque, u64 now)
{
    struct pit *p = opaque;
    if (!hpet_legacy(p->m)) irq_pulse(p->m, 0); /* else the HPET owns IRQ0 (hpet.c) */
    /* The next edge strictly after this one. */
    timer_arm(p->m, &p->timer, next_edge(&p->ctr[0], now));
}

static u16 to_bcd(u32 v) { return (u16)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12); }
static u32 from_bcd(u16 v) { return (v & 0xf) + (v >> 4 & 0xf) * 10 + (v >> 8 & 0xf) * 100 + (v >> 12 & 0xf) * 1000; }

static u16 read_value(const struct pit_counter *s, u64 now)
{
    u32 v = counter_value(s, now);
    return s->bcd ? to_bcd(v % 10000) : (u16)v;
}

static void load_count(struct pit *p, int idx, u16 raw)
{
    struct pit_counter *s = &p->ctr[idx];
    u32 n = s->bcd ? from_bcd(raw) : raw;
    if (n == 0) n = s->bcd ? 10000 : 65536;
    if ((s->mode == 2 || s->mode == 3) && n == 1) n = 2; /* 1 is illegal in these modes */
    s->count = n;
    s->loaded = true;
    s->start = machine_now(p->m);
    s->paused = false;
    /* Modes 0, 2, 3, 4 count only while the gate is high. */
    if (!s->gate && s->mode != 1 && s->mode != 5) {
        s->paused = true;
        s->paused_at = s->start;
    }
    if (idx == 0) pit_update_irq_timer(p);
}

static void set_gate(struct pit *p, int idx, bool gate)
{
    struct pit_counter *s = &p->ctr[idx];
    u64 now = machine_now(p->m);
    if (gate == s->gate) return;
    s->gate = gate;
    if (gate) {
        if (s->mode == 1 || s->mode == 2 || s->mode == 3 || s->mode == 5) {
            s->start = now; /* a rising gate (re)triggers */
            s->paused = false;
        } else if (s->paused) {
            if (now > s->paused_at) s->start += now - s->paused_at; /* resume where it stopped */
            s->paused = false;
        }
    } else if (s->mode != 1 && s->mode != 5 && !s->paused) {
        s->paused = true;
        s->paused_at = now;
    }
    if (idx == 0) pit_update_irq_timer(p);
}

static void latch_count(struct pit_counter *s, u64 now)
{
    if (s->latched) return; /* a second latch before reading is ignored */
    s->latched = true;
    s->latched_val = read_value(s, now);
    s->latch_bytes = s->rw == 3 ? 2 : 1;
}

static u8 status_byte(const struct pit_counter *s, u64 now)
{
    bool null_count = s->loaded && ticks_at(now) == ticks_at(s->start) && !s->paused;
    return (u8)(counter_out(s, now) << 7 | (!s->loaded || null_count) << 6 | s->rw << 4 |
                s->mode << 1 | s->bcd);
}

static u8 read_counter(struct pit *p, int idx)
{
    struct pit_counter *s = &p->ctr[idx];
    u64 now = machine_now(p->m);
    if (s->status_latched) {
        s->status_latched = false;
        return s->status;
    }
    u16 v;
    if (s->latched) {
        v = s->latched_val;
        if (--s->latch_bytes == 0) s->latched = false;
    } else {
        v = read_value(s, now);
    }
    switch (s->rw) {
    case 1: return (u8)v;
    case 2: return (u8)(v >> 8);
    default: {
        bool hi = s->read_hi;
        s->read_hi = !hi;
        return hi ? (u8)(v >> 8) : (u8)v;
    }
    }
}

static void write_counter(struct pit *p, int idx, u8 val)
{
    struct pit_counter *s = &p->ctr[idx];
    switch (s->rw) {
    case 1: load_count(p, idx, val); break;
    case 2: load_count(p, idx, (u16)(val << 8)); break;
    default:
        if (!s->write_hi) {
            s->write_lo = val;
            s->write_hi = true;
        } else {
            s->write_hi = false;
            load_count(p, idx, (u16)(val << 8 | s->write_lo));
        }
        break;
    }
}

static void write_control(struct pit *p, u8 val)
{
    u64 now = machine_now(p->m);
    int sel = val >> 6;
    if (sel == 3) { /* read-back: bit 5 clear latches counts, bit 4 clear latches status */
        for (int k = 0; k < 3; k++) {
            if (!(val & (2 << k))) continue;
            struct pit_counter *s = &p->ctr[k];
            if (!(val & 0x20)) latch_count(s, now);
            if (!(val & 0x10) && !s->status_latched) {
                s->status_latched = true;
                s->status = status_byte(s, now);
            }
        }
        return;
    }
    struct pit_counter *s = &p->ctr[sel];
    int rw = (val >> 4) & 3;
    if (rw == 0) {
        latch_count(s, now);
        return;
    }
    s->rw = (u8)rw;
    s->mode = (val >> 1) & 7;
    if (s->mode > 5) s->mode -= 4; /* 6 and 7 alias modes 2 and 3 */
    s->bcd = val & 1;
    s->loaded = false; /* counting stops until a count is written */
    s->write_hi = s->read_hi = false;
    s->latched = s->status_latched = false;
    if (sel == 0) pit_update_irq_timer(p);
}

static u32 pit_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    struct pit *p = opaque;
    if (port == 0x61) {
        u64 now = machine_now(p->m);
        /* bit 4: refresh request toggles every ~15 us; bit 5: OUT2. */
        return (u32)(p->ctr[2].gate | p->speaker_data << 1 | ((now / 15000) & 1) << 4 |
                     counter_out(&p->ctr[2], now) << 5);
    }
    if (port == 0x43) return 0xff; /* control word register is write-only */
    return read_counter(p, port - 0x40);
}

static void pit_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct pit *p = opaque;
    if (port == 0x61) {
        p->speaker_data = (val >> 1) & 1;
        set_gate(p, 2, val & 1);
        return;
    }
    if (port == 0x43) write_control(p, (u8)val);
    else write_counter(p, port - 0x40, (u8)val);
}

void pit_reset(struct pit *p)
{
    for (int k = 0; k < 3; k++) {
        memset(&p->ctr[k], 0, sizeof p->ctr[k]);
        p->ctr[k].gate = k != 2; /* counters 0 and 1 have their gates tied high */
        p->ctr[k].rw = 3;
    }
    p->speaker_data = false;
    timer_arm(p->m, &p->timer, TIME_NEVER);
}

struct pit *pit_create(struct machine *m)
{
    struct pit *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->m = m;
    p->timer.fire = pit_fire;
    p->timer.opaque = p;
    timer_register(m, &p->timer);
    pit_reset(p);
    struct io_handler h = { .read = pit_read, .write = pit_write, .opaque = p };
    io_register(m, 0x40, 4, &h);
    io_register(m, 0x61, 1, &h);
    return p;
}

void pit_destroy(struct pit *p)
{
    if (!p) return;
    p->timer.deadline = TIME_NEVER;
    free(p);
}
