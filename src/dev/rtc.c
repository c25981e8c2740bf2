/* MC146818 real-time clock and CMOS RAM (ports 0x70/0x71). The clock is a deterministic
 * function of virtual time from a fixed start date; register C flags are derived from
 * time when read, and timers are armed only while an interrupt is enabled. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

#define NS 1000000000ull
#define UIP_NS 244000ull /* update-in-progress precedes each update by 244 us */
#define START_EPOCH 1767225600ll /* 2026-01-01 00:00:00 UTC */

enum { REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, REG_CENTURY = 0x32 };
enum { B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_DM = 0x04, B_24H = 0x02 };
enum { C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10 };

struct rtc {
    struct machine *m;
    u8 cmos[128];
    u8 index;
    bool nmi_masked;
    s64 base_epoch;  /* clock seconds at virtual time base_ns */
    u64 base_ns;
    s64 frozen;      /* clock seconds while SET is held */
    u64 flags_since; /* register C flags cover events after this time */
    u8 flags;        /* PF/AF/UF already latched */
    bool irq;
    struct timer periodic, second;
};

/* --- Calendar (proleptic Gregorian, days since 1970-01-01) ----------------------------- */

static s64 days_from_civil(s64 y, unsigned mo, unsigned d)
{
    y -= mo <= 2;
    s64 era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (s64)doe - 719468;
}

struct tm_rtc { int year, mon, day, hour, min, sec, wday; };

static void civil_from_epoch(s64 t, struct tm_rtc *tm)
{
    s64 days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    s64 secs = t - days * 86400;
    tm->hour = (int)(secs / 3600);
    tm->min = (int)(secs / 60 % 60);
    tm->sec = (int)(secs % 60);
    tm->wday = (int)(((days % 7) + 11) % 7) + 1; /* 1970-01-01 was a Thursday; Sunday = 1 */
    s64 z = days + 719468;
    s64 era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    tm->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    tm->year = (int)((s64)yoe + era * 400 + (tm->mon <= 2));
}

static s64 epoch_from_civil(const struct tm_rtc *tm)
{
    return days_from_civil(tm->year, (unsigned)tm->mon, (unsigned)tm->day) * 86400 +
           tm->hour * 3600 + tm->min * 60 + tm->sec;
}

/* --- Clock ---------------------------------------------------------------------------- */

static bool divider_running(const struct rtc *r) { return ((r->cmos[REG_A] >> 4) & 7) == 2; }

/* Nanoseconds since the clock base. With several processors a later one in a slice may
 * read a time slightly before an earlier one's write: clamp. */
static u64 since_base(const struct rtc *r, u64 now) { return now > r->base_ns ? now - r->base_ns : 0; }

static s64 clock_now(const struct rtc *r, u64 now)
{
    if ((r->cmos[REG_B] & B_SET) || !divider_running(r)) return r->frozen;
    return r->base_epoch + (s64)(since_base(r, now) / NS);
}

/* Virtual ns of the update that starts clock second `s` (with the divider running). */
static u64 update_time(const struct rtc *r, s64 s) { return r->base_ns + (u64)(s - r->base_epoch) * NS; }

static u8 enc(const struct rtc *r, int v)
{
    return (r->cmos[REG_B] & B_DM) ? (u8)v : (u8)((v / 10) << 4 | v % 10);
}
static int dec(const struct rtc *r, u8 v)
{
    return (r->cmos[REG_B] & B_DM) ? v : (v >> 4) * 10 + (v & 0xf);
}

static u8 enc_hour(const struct rtc *r, int h)
{
    if (r->cmos[REG_B] & B_24H) return enc(r, h);
    int h12 = h % 12 ? h % 12 : 12;
    return enc(r, h12) | (h >= 12 ? 0x80 : 0);
}
static int dec_hour(const struct rtc *r, u8 v)
{
    if (r->cmos[REG_B] & B_24H) return dec(r, v);
    int h = dec(r, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

/* Time registers 0-9 and the century byte, from the clock. */
static u8 time_reg(const struct rtc *r, u8 idx, u64 now)
{
    struct tm_rtc tm;
    civil_from_epoch(clock_now(r, now), &tm);
    switch (idx) {
    case 0: return enc(r, tm.sec);
    case 2: return enc(r, tm.min);
    case 4: return enc_hour(r, tm.hour);
    case 6: return enc(r, tm.wday);
    case 7: return enc(r, tm.day);
    case 8: return enc(r, tm.mon);
    case 9: return enc(r, tm.year % 100);
    case REG_CENTURY: return (u8)((tm.year / 1000) << 4 | (tm.year / 100 % 10)); /* BCD */
    default: return r->cmos[idx]; /* alarm registers are plain storage */
    }
}

static void set_clock(struct rtc *r, s64 t, u64 now)
{
    r->frozen = t;
    r->base_epoch = t;
    r->base_ns = now;
}

static void write_time_reg(struct rtc *r, u8 idx, u8 val, u64 now)
{
    struct tm_rtc tm;
    civil_from_epoch(clock_now(r, now), &tm);
    switch (idx) {
    case 0: tm.sec = dec(r, val) % 60; break;
    case 2: tm.min = dec(r, val) % 60; break;
    case 4: tm.hour = dec_hour(r, val) % 24; break;
    case 7: tm.day = dec(r, val); break;
    case 8: tm.mon = dec(r, val); break;
    case 9: tm.year = tm.year / 100 * 100 + dec(r, val) % 100; break;
    case REG_CENTURY: tm.year = tm.year % 100 + ((val >> 4) * 10 + (val & 0xf)) * 100; break;
    default: return; /* day of week follows the date */
    }
    if (tm.mon < 1 || tm.mon > 12) tm.mon = 1;
    if (tm.day < 1 || tm.day > 31) tm.day = 1;
    set_clock(r, epoch_from_civil(&tm), now);
}

/* --- Interrupt flags ---------------------------------------------------------------- */

/* Periodic interrupt period as a ratio: ticks of a 32768 Hz clock, 0 if off. */
static u64 periodic_div(const struct rtc *r)
{
    unsigned rate = r->cmos[REG_A] & 0xf;
    if (!rate) return 0;
    if (rate < 3) rate += 7; /* rates 1 and 2 alias 8 and 9 with a 32 kHz time base */
    return 1ull << (rate - 1);
}

/* Index of the periodic boundary at or before `now`. */
static u64 periodic_index(u64 now, u64 div) { return (u64)(((u128)now * 32768) / ((u128)NS * div)); }
static u64 periodic_time(u64 idx, u64 div) { return (u64)(((u128)idx * NS * div + 32767) / 32768); }

static bool alarm_match(const struct rtc *r, s64 t)
{
    struct tm_rtc tm;
    civil_from_epoch(t, &tm);
    /* Alarm bytes with the top two bits set are don't-care. */
    u8 as = r->cmos[1], am = r->cmos[3], ah = r->cmos[5];
    return ((as & 0xc0) == 0xc0 || dec(r, as) == tm.sec) &&
           ((am & 0xc0) == 0xc0 || dec(r, am) == tm.min) &&
           ((ah & 0xc0) == 0xc0 || dec_hour(r, ah) == tm.hour);
}

/* Latch into r->flags what happened in (flags_since, now]. */
static void collect_flags(struct rtc *r, u64 now)
{
    u64 since = r->flags_since;
    if (now <= since) return;
    u64 div = periodic_div(r);
    if (div && divider_running(r) && periodic_index(now, div) > periodic_index(since, div))
        r->flags |= C_PF;
    if (!(r->cmos[REG_B] & B_SET) && divider_running(r)) {
        s64 a = clock_now(r, since), b = clock_now(r, now);
        if (b > a) r->flags |= C_UF;
        /* An alarm matching any second that started in the interval (a day covers all). */
        for (s64 t = b; t > a && t > b - 86400; t--)
            if (alarm_match(r, t)) {
                r->flags |= C_AF;
                break;
            }
    }
    r->flags_since = now;
}

static void update_irq(struct rtc *r)
{
    u8 en = r->cmos[REG_B] & (B_PIE | B_AIE | B_UIE);
    bool irq = (r->flags & en & (C_PF | C_AF | C_UF)) != 0;
    /* The HPET's legacy replacement takes IRQ8 from us (hpet.c). */
    if (irq != r->irq && !hpet_legacy(r->m)) irq_set(r->m, 8, irq);
    r->irq = irq;
}

static void arm_timers(struct rtc *r)
{
    u64 now = machine_now(r->m), div = periodic_div(r);
    bool run = divider_running(r);
    u64 p = TIME_NEVER, s = TIME_NEVER;
    if ((r->cmos[REG_B] & B_PIE) && div && run) p = periodic_time(periodic_index(now, div) + 1, div);
    if ((r->cmos[REG_B] & (B_AIE | B_UIE)) && run && !(r->cmos[REG_B] & B_SET))
        s = update_time(r, clock_now(r, now) + 1);
    timer_arm(r->m, &r->periodic, p);
    timer_arm(r->m, &r->second, s);
}

static void rtc_fire(void *opaque, u64 now)
{
    struct rtc *r = opaque;
    collect_flags(r, now);
    update_irq(r);
    arm_timers(r);
}

/* --- Ports ------------------------------------------------------------------------ */

static u32 rtc_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    struct rtc *r = opaque;
    if (port == 0x70) return 0xff;
    u64 now = machine_now(r->m);
    u8 idx = r->index;
    switch (idx) {
    case 0: case 2: case 4: case 6: case 7: case 8: case 9: case REG_CENTURY:
        return time_reg(r, idx, now);
    case REG_A: {
        u8 v = r->cmos[REG_A] & 0x7f;
        if (divider_running(r) && !(r->cmos[REG_B] & B_SET) &&
            since_base(r, now) % NS >= NS - UIP_NS)
            v |= 0x80;
        return v;
    }
    case REG_C: {
        collect_flags(r, now);
        u8 en = r->cmos[REG_B] & (B_PIE | B_AIE | B_UIE);
        u8 v = r->flags | ((r->flags & en) ? C_IRQF : 0);
        r->flags = 0; /* reading C clears the flags and the interrupt */
        update_irq(r);
        return v;
    }
    case REG_D: return 0x80; /* valid RAM and time */
    default: return r->cmos[idx];
    }
}

static void rtc_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct rtc *r = opaque;
    if (port == 0x70) {
        r->index = val & 0x7f;
        r->nmi_masked = val & 0x80;
        return;
    }
    u64 now = machine_now(r->m);
    u8 idx = r->index, v = (u8)val;
    collect_flags(r, now);
    switch (idx) {
    case 0: case 2: case 4: case 7: case 8: case 9: case REG_CENTURY:
        write_time_reg(r, idx, v, now);
        break;
    case REG_A: {
        s64 t = clock_now(r, now);
        bool was = divider_running(r);
        r->cmos[REG_A] = v & 0x7f;
        if (was != divider_running(r)) set_clock(r, t, now); /* the divider restarts the second */
        break;
    }
    case REG_B: {
        s64 t = clock_now(r, now);
        bool was = r->cmos[REG_B] & B_SET;
        if (v & B_SET) v &= ~B_UIE; /* SET clears UIE */
        r->cmos[REG_B] = v;
        if (was != !!(v & B_SET)) set_clock(r, t, now); /* freeze, or restart the second */
        break;
    }
    case REG_C:
    case REG_D: break; /* read-only */
    default: r->cmos[idx] = v; break;
    }
    r->flags_since = now;
    update_irq(r);
    arm_timers(r);
}

/* Memory-size bytes as QEMU's pc machine fills them for the BIOS. */
static void fill_cmos(struct rtc *r)
{
    struct machine *m = r->m;
    u8 *cm = r->cmos;
    u64 below = m->ram_below_4g, kib = 1024, mib = 1024 * 1024;
    u64 v = below / kib < 640 ? below / kib : 640;
    cm[0x15] = (u8)v;
    cm[0x16] = (u8)(v >> 8);
    v = below > mib ? (below - mib) / kib : 0;
    if (v > 65535) v = 65535;
    cm[0x17] = cm[0x30] = (u8)v;
    cm[0x18] = cm[0x31] = (u8)(v >> 8);
    v = below > 16 * mib ? (below - 16 * mib) / (64 * kib) : 0;
    if (v > 65535) v = 65535;
    cm[0x34] = (u8)v;
    cm[0x35] = (u8)(v >> 8);
    v = m->ram_above_4g / (64 * kib);
    cm[0x5b] = (u8)v;
    cm[0x5c] = (u8)(v >> 8);
    cm[0x5d] = (u8)(v >> 16);
    cm[0x5f] = (u8)(m->ncpus > 0 ? m->ncpus - 1 : 0);
    cm[0x14] = 0x06; /* equipment: FPU, PS/2 mouse */
}

void rtc_reset(struct rtc *r)
{
    memset(r->cmos, 0, sizeof r->cmos);
    r->cmos[REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz periodic rate */
    r->cmos[REG_B] = B_24H;
    fill_cmos(r);
    r->index = 0;
    r->nmi_masked = false;
    u64 now = machine_now(r->m);
    set_clock(r, START_EPOCH, now);
    r->flags = 0;
    r->flags_since = now;
    if (r->irq && !hpet_legacy(r->m)) irq_set(r->m, 8, 0);
    r->irq = false;
    timer_arm(r->m, &r->periodic, TIME_NEVER);
    timer_arm(r->m, &r->second, TIME_NEVER);
}

struct rtc *rtc_create(struct machine *m)
{
    struct rtc *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->m = m;
    r->periodic = (struct timer){ .fire = rtc_fire, .opaque = r };
    r->second = (struct timer){ .fire = rtc_fire, .opaque = r };
    timer_register(m, &r->periodic);
    timer_register(m, &r->second);
    rtc_reset(r);
    struct io_handler h = { .read = rtc_read, .write = rtc_write, .opaque = r };
    io_register(m, 0x70, 2, &h);
    return r;
}

void rtc_destroy(struct rtc *r)
{
    if (!r) return;
    r->periodic.deadline = r->second.deadline = TIME_NEVER;
    free(r);
}

bool rtc_irq_level(const struct rtc *r) { return r->irq; }
