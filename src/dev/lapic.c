/* Local APIC (SDM Vol. 3 ch. 11): xAPIC MMIO and x2APIC MSR interfaces, priorities,
 * LVT, timer (one-shot, periodic, TSC-deadline) and IPIs. One per processor. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"
#include "lapic.h"

/* Register numbers: xAPIC offset >> 4, x2APIC MSR - 0x800. */
enum {
    R_ID = 0x02, R_VER = 0x03, R_TPR = 0x08, R_APR = 0x09, R_PPR = 0x0a, R_EOI = 0x0b,
    R_RRD = 0x0c, R_LDR = 0x0d, R_DFR = 0x0e, R_SVR = 0x0f, R_ISR = 0x10, R_TMR = 0x18,
    R_IRR = 0x20, R_ESR = 0x28, R_CMCI = 0x2f, R_ICR = 0x30, R_ICR2 = 0x31, R_LVT = 0x32,
    R_LVT_END = 0x37, R_INIT = 0x38, R_CUR = 0x39, R_DCR = 0x3e, R_SELF = 0x3f,
};
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_N };

#define APIC_VERSION 0x50014u /* version 0x14, 6 LVT entries (max index 5) */
#define LVT_MASKED BIT(16)
#define SVR_ENABLE BIT(8)
#define BASE_BSP BIT(8)
#define BASE_EXTD BIT(10)
#define BASE_EN BIT(11)
#define MSR_TSC_DEADLINE 0x6e0
#define ESR_SEND_ILLEGAL BIT(5)
#define ESR_RECV_ILLEGAL BIT(6)
#define ESR_ILLEGAL_REG BIT(7)

enum { TIMER_ONESHOT = 0, TIMER_PERIODIC = 1, TIMER_TSC = 2 };

/* Writable bits of each LVT entry (delivery status and remote IRR are read-only). */
static const u32 lvt_wmask[LVT_N] = { 0x700ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff };

struct lapic {
    struct machine *m;
    struct cpu *c;
    u32 id; /* xAPIC ID as a number (shown in bits 31:24); software may change it */
    u32 tpr, ldr, dfr, svr, esr, esr_pending;
    u32 isr[8], tmr[8], irr[8];
    u32 lvt[LVT_N];
    u32 icr_lo, icr_hi;
    u32 init_count, dcr;
    bool counting;    /* the current count runs: set by an initial-count write, cleared when
                       * a one-shot count reaches 0 (it then stays 0 until the next write) */
    u64 timer_start;  /* virtual ns at which the current count period began */
    u64 tsc_deadline; /* IA32_TSC_DEADLINE; 0 = disarmed */
    bool extint_pending;
    struct timer timer;
};

/* --- 256-bit vector sets ----------------------------------------------------------- */

static int highest(const u32 *v)
{
    for (int k = 7; k >= 0; k--)
        if (v[k]) return k * 32 + 31 - __builtin_clz(v[k]);
    return -1;
}
static bool test_vec(const u32 *v, int n) { return v[n >> 5] >> (n & 31) & 1; }
static void set_vec(u32 *v, int n) { v[n >> 5] |= 1u << (n & 31); }
static void clr_vec(u32 *v, int n) { v[n >> 5] &= ~(1u << (n & 31)); }

static bool x2apic(const struct lapic *l) { return (l->c->apic_base & BASE_EXTD) != 0; }
/* The initial APIC ID, fixed by hardware: the processor's number (as CPUID reports it). */
static u32 initial_id(const struct lapic *l) { return (u32)l->c->index; }
static bool hw_enabled(const struct lapic *l) { return (l->c->apic_base & BASE_EN) != 0; }
static bool sw_enabled(const struct lapic *l) { return (l->svr & SVR_ENABLE) != 0; }

static u32 ppr(const struct lapic *l)
{
    int isrv = highest(l->isr);
    u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;
    return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

bool lapic_intr_pending(struct lapic *l)
{
    if (!hw_enabled(l) || !sw_enabled(l)) return false;
    int v = highest(l->irr);
    return v >= 0 && ((u32)v & 0xf0) > (ppr(l) & 0xf0);
}

int lapic_intr_ack(struct lapic *l)
{
    if (!lapic_intr_pending(l)) return -1;
    int v = highest(l->irr);
    clr_vec(l->irr, v);
    set_vec(l->isr, v);
    return v;
}

bool lapic_accepts_pic(struct lapic *l)
{
    /* Virtual wire: a hardware-disabled APIC passes INTR through (the BSP's only, as
     * QEMU), or LINT0 is an unmasked ExtINT entry. */
    if (!hw_enabled(l)) return l->c->index == 0;
    u32 lint0 = l->lvt[LVT_LINT0];
    if (!(lint0 & LVT_MASKED) && ((lint0 >> 8) & 7) == DM_EXTINT) return true;
    return l->extint_pending;
}

void lapic_pic_acked(struct lapic *l) { l->extint_pending = false; }

/* Errors go to ESR (visible after the next ESR write) and the error LVT. */
static void accept_fixed(struct lapic *l, u8 vector, bool level);
static void signal_error(struct lapic *l, u32 bits)
{
    l->esr_pending |= bits;
    u32 e = l->lvt[LVT_ERROR];
    if (!(e & LVT_MASKED)) accept_fixed(l, (u8)e, false);
}

static void accept_fixed(struct lapic *l, u8 vector, bool level)
{
    if (vector < 16) {
        signal_error(l, ESR_RECV_ILLEGAL);
        return;
    }
    set_vec(l->irr, vector);
    if (level) set_vec(l->tmr, vector);
    else clr_vec(l->tmr, vector);
    cpu_kick(l->c);
}

/* A local interrupt source (LVT entry) fired. */
static void lvt_fire(struct lapic *l, int idx)
{
    u32 e = l->lvt[idx];
    if ((e & LVT_MASKED) || !hw_enabled(l)) return;
    switch (idx == LVT_TIMER ? DM_FIXED : (e >> 8) & 7) {
    case DM_FIXED: accept_fixed(l, (u8)e, false); break;
    case DM_NMI: l->c->nmi_pending = true; cpu_kick(l->c); break;
    case DM_INIT: cpu_signal_init(l->c); break;
    case DM_EXTINT: l->extint_pending = true; cpu_kick(l->c); break;
    default: break;
    }
}

/* --- Timer ------------------------------------------------------------------------ */

static int timer_mode(const struct lapic *l) { return (l->lvt[LVT_TIMER] >> 17) & 3; }

/* The count decrements every (1 << shift) ns: the bus clock is 1 GHz, as QEMU's. */
static unsigned timer_shift(const struct lapic *l)
{
    unsigned v = (l->dcr & 3) | ((l->dcr >> 1) & 4);
    return (v + 1) & 7;
}

static u64 timer_period(const struct lapic *l) { return (u64)l->init_count << timer_shift(l); }

static u32 timer_current(const struct lapic *l, u64 now)
{
    if (!l->counting || !l->init_count || timer_mode(l) == TIMER_TSC || now < l->timer_start)
        return 0;
    u64 ticks = (now - l->timer_start) >> timer_shift(l);
    if (timer_mode(l) == TIMER_PERIODIC) return l->init_count - (u32)(ticks % l->init_count);
    return ticks >= l->init_count ? 0 : l->init_count - (u32)ticks;
}

static void timer_update(struct lapic *l)
{
    struct machine *m = l->m;
    u64 now = machine_now(m), when = TIME_NEVER;
    if (timer_mode(l) == TIMER_TSC) {
        if (l->tsc_deadline) {
            u64 tsc = cpu_tsc(l->c);
            when = l->tsc_deadline > tsc ? now + (l->tsc_deadline - tsc) : now;
        }
    } else if (l->counting && l->init_count) {
        when = l->timer_start + timer_period(l); /* already past: fires at once */
    }
    timer_arm(m, &l->timer, when);
}

static void timer_fire(void *opaque, u64 now)
{
    struct lapic *l = opaque;
    if (timer_mode(l) == TIMER_TSC) {
        if (!l->tsc_deadline) return;
        l->tsc_deadline = 0;
        lvt_fire(l, LVT_TIMER);
        return;
    }
    if (!l->counting || !l->init_count) return;
    u64 period = timer_period(l);
    if (l->timer_start + period > now) { /* re-armed meanwhile */
        timer_update(l);
        return;
    }
    lvt_fire(l, LVT_TIMER);
    if (timer_mode(l) == TIMER_PERIODIC) {
        /* Coalesce missed periods, keeping the phase. */
        l->timer_start += period * ((now - l->timer_start) / period);
        timer_arm(l->m, &l->timer, l->timer_start + period);
    } else {
        l->counting = false; /* one-shot: the count stays 0 until reprogrammed */
    }
}

/* An expiry already due (the running block went past the deadline) happens under the
 * settings it was due with, before they change. */
static void timer_catch_up(struct lapic *l)
{
    u64 when = l->timer.deadline;
    if (when == TIME_NEVER || when > machine_now(l->m)) return;
    l->timer.deadline = TIME_NEVER;
    timer_fire(l, when);
}

/* --- IPIs and the APIC bus ---------------------------------------------------------- */

static bool dest_match(const struct lapic *t, const struct apic_msg *msg)
{
    u32 bcast = msg->wide ? 0xffffffffu : 0xffu;
    if (msg->dest == bcast) return true;
    if (!msg->logical) return t->id == msg->dest;
    if (x2apic(t)) {
        u32 ldr = t->ldr;
        return (msg->dest >> 16) == (ldr >> 16) && (msg->dest & ldr & 0xffff);
    }
    u8 d = (u8)msg->dest, ld = (u8)(t->ldr >> 24);
    if ((t->dfr >> 28) == 0xf) return (d & ld) != 0; /* flat model */
    return (d >> 4) == (ld >> 4) && (d & ld & 0xf);  /* cluster model */
}

static void deliver_one(struct lapic *t, const struct apic_msg *msg)
{
    struct cpu *c = t->c;
    switch (msg->mode) {
    case DM_FIXED:
    case DM_LOWEST: accept_fixed(t, msg->vector, msg->level); break;
    case DM_NMI: c->nmi_pending = true; cpu_kick(c); break;
    case DM_INIT:
        if (!msg->deassert) cpu_signal_init(c);
        break;
    case DM_SIPI: cpu_signal_sipi(c, msg->vector); break;
    case DM_EXTINT: t->extint_pending = true; cpu_kick(c); break;
    default: break; /* SMI: not modelled */
    }
}

void apic_bus_deliver(struct machine *m, const struct apic_msg *msg)
{
    struct lapic *best = NULL;
    for (int k = 0; k < m->ncpus; k++) {
        struct lapic *t = m->cpus[k]->lapic;
        if (!t || !hw_enabled(t) || !dest_match(t, msg)) continue;
        if (msg->mode == DM_LOWEST) {
            /* Lowest priority: lowest TPR wins, ties to the lowest processor number. */
            if (!best || (t->tpr & 0xff) < (best->tpr & 0xff)) best = t;
            continue;
        }
        deliver_one(t, msg);
    }
    if (best) deliver_one(best, msg);
}

static void send_ipi(struct lapic *l)
{
    u32 lo = l->icr_lo;
    int mode = (lo >> 8) & 7;
    struct apic_msg msg = {
        .dest = x2apic(l) ? l->icr_hi : l->icr_hi >> 24,
        .wide = x2apic(l),
        .logical = (lo >> 11) & 1,
        .mode = mode,
        .vector = (u8)lo,
        .level = (lo >> 15) & 1,
        .deassert = mode == DM_INIT && ((lo >> 15) & 1) && !((lo >> 14) & 1),
    };
    if ((mode == DM_FIXED || mode == DM_LOWEST) && msg.vector < 16) {
        signal_error(l, ESR_SEND_ILLEGAL);
        return;
    }
    if (mode == DM_FIXED) msg.level = false; /* edge only for IPIs (SDM 11.6.1) */
    struct machine *m = l->m;
    switch ((lo >> 18) & 3) {
    case 0: apic_bus_deliver(m, &msg); break;
    case 1: deliver_one(l, &msg); break;
    case 2:
    case 3:
        for (int k = 0; k < m->ncpus; k++) {
            struct lapic *t = m->cpus[k]->lapic;
            if (!t || !hw_enabled(t) || (t == l && ((lo >> 18) & 3) == 3)) continue;
            deliver_one(t, &msg);
        }
        break;
    }
}

static void do_eoi(struct lapic *l)
{
    int v = highest(l->isr);
    if (v < 0) return;
    clr_vec(l->isr, v);
    if (test_vec(l->tmr, v) && l->m->ioapic) ioapic_eoi(l->m->ioapic, (u8)v);
    cpu_kick(l->c); /* a lower-priority interrupt may now be deliverable */
}

/* --- Register file ------------------------------------------------------------------ */

static u32 x2_ldr(u32 id) { return ((id >> 4) << 16) | (1u << (id & 0xf)); }

/* Read register `r`; false if it does not exist (x2APIC #GP). */
static bool reg_read(struct lapic *l, unsigned r, u64 *val)
{
    bool x2 = x2apic(l);
    u32 v = 0;
    switch (r) {
    case R_ID: v = x2 ? initial_id(l) : l->id << 24; break; /* x2APIC ID: SDM 11.12.5.1 */
    case R_VER: v = APIC_VERSION; break;
    case R_TPR: v = l->tpr; break;
    case R_APR: if (x2) return false; v = 0; break;
    case R_PPR: v = ppr(l); break;
    case R_EOI: if (x2) return false; v = 0; break; /* write-only */
    case R_RRD: if (x2) return false; v = 0; break;
    case R_LDR: v = l->ldr; break;
    case R_DFR: if (x2) return false; v = l->dfr; break;
    case R_SVR: v = l->svr; break;
    case R_ESR: v = l->esr; break;
    case R_ICR:
        if (x2) {
            *val = ((u64)l->icr_hi << 32) | l->icr_lo;
            return true;
        }
        v = l->icr_lo & ~BIT(12); /* delivery is immediate: always idle */
        break;
    case R_ICR2: if (x2) return false; v = l->icr_hi; break;
    case R_INIT: v = l->init_count; break;
    case R_CUR: v = timer_current(l, machine_now(l->m)); break;
    case R_DCR: v = l->dcr; break;
    case R_SELF: if (x2) return false; v = 0; break;
    default:
        if (r >= R_ISR && r < R_ISR + 8) v = l->isr[r - R_ISR];
        else if (r >= R_TMR && r < R_TMR + 8) v = l->tmr[r - R_TMR];
        else if (r >= R_IRR && r < R_IRR + 8) v = l->irr[r - R_IRR];
        else if (r >= R_LVT && r <= R_LVT_END) v = l->lvt[r - R_LVT];
        else if (x2) return false;
        break;
    }
    *val = v;
    return true;
}

static void write_svr(struct lapic *l, u32 v)
{
    l->svr = v & 0x3ff; /* vector, enable, focus-check disable */
    if (!sw_enabled(l)) /* software disable masks every LVT entry (SDM 11.4.7.2) */
        for (int k = 0; k < LVT_N; k++) l->lvt[k] |= LVT_MASKED;
    cpu_kick(l->c);
}

static void write_lvt(struct lapic *l, int idx, u32 v)
{
    u32 old = l->lvt[idx];
    v = (v & lvt_wmask[idx]) | (old & ~lvt_wmask[idx]);
    if (!sw_enabled(l)) v |= LVT_MASKED;
    if (idx == LVT_TIMER && ((old ^ v) >> 17 & 3)) timer_catch_up(l);
    l->lvt[idx] = v;
    if (idx == LVT_TIMER && ((old ^ v) >> 17 & 3)) {
        /* SDM 11.5.4.1: a mode change disarms the timer when it enters or leaves TSC-deadline
         * mode; between one-shot and periodic the count keeps running from where it is
         * (an expired one-shot count stays 0), as on real processors. */
        if (((old >> 17) & 3) == TIMER_TSC || timer_mode(l) == TIMER_TSC) {
            l->init_count = 0;
            l->counting = false;
            l->tsc_deadline = 0;
        }
        timer_update(l);
    }
    if (idx == LVT_LINT0) cpu_kick(l->c); /* virtual-wire acceptance may have changed */
}

/* Write register `r`; false = #GP in x2APIC mode (read-only, reserved bits). */
static bool reg_write(struct lapic *l, unsigned r, u64 val)
{
    bool x2 = x2apic(l);
    u32 v = (u32)val;
    if (x2 && r != R_ICR && (val >> 32)) return false;
    switch (r) {
    case R_ID:
        if (x2) return false;
        l->id = v >> 24;
        break;
    case R_TPR:
        if (x2 && (v & ~0xffu)) return false;
        l->tpr = v & 0xff;
        cpu_kick(l->c);
        break;
    case R_EOI:
        if (x2 && v) return false;
        do_eoi(l);
        break;
    case R_LDR:
        if (x2) return false;
        l->ldr = v & 0xff000000u;
        break;
    case R_DFR:
        if (x2) return false;
        l->dfr = v | 0x0fffffffu;
        break;
    case R_SVR:
        if (x2 && (v & ~0x3ffu)) return false;
        write_svr(l, v);
        break;
    case R_ESR:
        if (x2 && v) return false;
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        break;
    case R_ICR:
        if (x2) {
            if (v & ~0x000ccfffu) return false;
            l->icr_hi = (u32)(val >> 32);
            l->icr_lo = v;
        } else {
            l->icr_lo = v & 0x000ccfffu;
        }
        send_ipi(l);
        break;
    case R_ICR2:
        if (x2) return false;
        l->icr_hi = v & 0xff000000u;
        break;
    case R_INIT:
        if (timer_mode(l) == TIMER_TSC) break; /* ignored in TSC-deadline mode (SDM 11.5.4.1) */
        timer_catch_up(l);
        l->init_count = v;
        l->counting = v != 0;
        l->timer_start = machine_now(l->m);
        timer_update(l);
        break;
    case R_DCR:
        if (x2 && (v & ~0xbu)) return false;
        l->dcr = v & 0xb;
        timer_update(l);
        break;
    case R_SELF:
        if (!x2) return false;
        if (v & ~0xffu) return false;
        accept_fixed(l, (u8)v, false);
        break;
    default:
        if (r >= R_LVT && r <= R_LVT_END) {
            write_lvt(l, (int)(r - R_LVT), v);
            break;
        }
        if (x2) return false; /* read-only or reserved */
        if (r != R_VER && r != R_PPR && r != R_APR && r != R_RRD && r != R_CUR && r != R_CMCI &&
            !(r >= R_ISR && r < R_IRR + 8))
            signal_error(l, ESR_ILLEGAL_REG);
        break;
    }
    return true;
}

/* --- xAPIC MMIO -------------------------------------------------------------------- */

/* Each processor sees its own APIC, in xAPIC mode, in the 4 KiB page IA32_APIC_BASE names
 * (SDM 11.4.4, 11.4.5); the window is gone while the APIC is disabled or in x2APIC mode
 * (11.12.2). Other processors and devices see whatever else is at that address. */
bool lapic_window_overlaps(const struct cpu *c, u64 pa, u64 size)
{
    if (!c || !c->lapic || (c->apic_base & (BASE_EN | BASE_EXTD)) != BASE_EN) return false;
    u64 base = c->apic_base & ~0xfffull;
    return pa < base + 0x1000 && base < pa + size;
}

u64 lapic_mmio_read(struct cpu *c, u64 pa, unsigned size)
{
    u64 v = 0, off = pa & 0xfff;
    if (!reg_read(c->lapic, (unsigned)(off >> 4) & 0x3f, &v) || (off & 0xf) >= 4) v = 0;
    return ((u32)v >> ((off & 3) * 8)) & size_mask(size);
}

void lapic_mmio_write(struct cpu *c, u64 pa, unsigned size, u64 val)
{
    if (pa & 0xf) return; /* registers take aligned 32-bit stores */
    reg_write(c->lapic, (unsigned)(pa >> 4) & 0x3f, (u32)val);
}

/* --- x2APIC MSRs and IA32_APIC_BASE ---------------------------------------------------- */

bool lapic_msr_read(struct cpu *c, u32 msr, u64 *val)
{
    struct lapic *l = c->lapic;
    if (!l) return false;
    if (msr == MSR_TSC_DEADLINE) {
        *val = timer_mode(l) == TIMER_TSC ? l->tsc_deadline : 0;
        return true;
    }
    if (msr < 0x800 || msr > 0x8ff || !x2apic(l)) return false;
    return reg_read(l, msr - 0x800, val);
}

bool lapic_msr_write(struct cpu *c, u32 msr, u64 val)
{
    struct lapic *l = c->lapic;
    if (!l) return false;
    if (msr == MSR_TSC_DEADLINE) {
        if (timer_mode(l) == TIMER_TSC) { /* ignored in other modes (SDM 11.5.4.1) */
            l->tsc_deadline = val;
            timer_update(l);
        }
        return true;
    }
    if (msr < 0x800 || msr > 0x8ff || !x2apic(l)) return false;
    return reg_write(l, msr - 0x800, val);
}

static unsigned phys_addr_bits(struct cpu *c)
{
    u32 r[4] = { 0 };
    cpuid_query(c, 0x80000000u, 0, r);
    if (r[0] < 0x80000008u) return 36;
    cpuid_query(c, 0x80000008u, 0, r);
    unsigned bits = r[0] & 0xff;
    return bits ? bits : 36;
}

/* Back to the power-on register state (a disabled APIC keeps nothing but its ID). */
static void reset_regs(struct lapic *l)
{
    l->tpr = 0;
    l->ldr = 0;
    l->dfr = 0xffffffffu;
    l->svr = 0xff;
    l->esr = l->esr_pending = 0;
    memset(l->isr, 0, sizeof l->isr);
    memset(l->tmr, 0, sizeof l->tmr);
    memset(l->irr, 0, sizeof l->irr);
    for (int k = 0; k < LVT_N; k++) l->lvt[k] = LVT_MASKED;
    l->icr_lo = l->icr_hi = 0;
    l->init_count = 0;
    l->counting = false;
    l->dcr = 0;
    l->tsc_deadline = 0;
    l->extint_pending = false;
    timer_arm(l->m, &l->timer, TIME_NEVER);
}

bool lapic_set_base(struct cpu *c, u64 val)
{
    struct lapic *l = c->lapic;
    u64 reserved = 0xffull | BIT(9) | ~((1ull << phys_addr_bits(c)) - 1);
    if (val & reserved) return false;
    u64 old = c->apic_base;
    bool old_en = old & BASE_EN, old_x2 = old & BASE_EXTD;
    bool en = val & BASE_EN, x2 = val & BASE_EXTD;
    /* SDM 11.12.5: disabled <-> xAPIC -> x2APIC -> disabled; EXTD without EN is invalid. */
    if (x2 && !en) return false;
    if (x2 && !old_x2 && !old_en) return false;
    if (!x2 && old_x2 && en) return false;
    if (!l) { /* no APIC modelled: nothing else to do */
        c->apic_base = (val & ~BASE_BSP) | (old & BASE_BSP);
        return true;
    }
    c->apic_base = (val & ~BASE_BSP) | (old & BASE_BSP);
    /* As QEMU: disabling only clears the software enable; the registers survive. */
    if (old_en && !en) l->svr &= ~SVR_ENABLE;
    /* A software-written xAPIC ID does not survive a mode change: the x2APIC ID is the
     * initial APIC ID (SDM 11.12.5.1), and disabling the APIC may return it to its
     * power-up state (11.4.3), re-enabling with the initial ID. */
    if (old_en != en || old_x2 != x2) l->id = initial_id(l);
    if (x2 && !old_x2) l->ldr = x2_ldr(l->id);
    if (!x2 && old_x2) l->ldr = 0;
    if (((old ^ val) & ~0xfffull) || old_en != en || old_x2 != x2) {
        /* SDM 11.4.4, 11.4.5: the xAPIC window moves, for this processor only, or appears
         * or vanishes with the mode; the TLB may hold its page as open bus, or as RAM
         * (the window hides RAM from this processor: 11.4.1, translate_fill). */
        tlb_flush_all(c);
    }
    cpu_kick(c);
    intr_pic_changed(l->m);
    return true;
}

/* --- Life cycle ----------------------------------------------------------------- */

void lapic_reset(struct lapic *l, bool init_only)
{
    reset_regs(l);
    if (!init_only) { /* INIT keeps the APIC ID, reset restores it (SDM 11.12.5.1) */
        l->id = initial_id(l);
        /* As QEMU: the BSP's LINT0 starts as unmasked ExtINT so the 8259 works with the
         * APIC enabled (what firmware would program). */
        if (l->c->index == 0) l->lvt[LVT_LINT0] = DM_EXTINT << 8;
    }
    if (x2apic(l)) l->ldr = x2_ldr(l->id);
}

struct lapic *lapic_create(struct machine *m, struct cpu *c)
{
    struct lapic *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->m = m;
    l->c = c;
    l->timer.fire = timer_fire;
    l->timer.opaque = l;
    timer_register(m, &l->timer);
    lapic_reset(l, false);
    return l;
}

void lapic_destroy(struct lapic *l)
{
    if (!l) return;
    /* The machine's timer list still points at us: disarm so nothing fires. */
    l->timer.deadline = TIME_NEVER;
    free(l);
}

u8 lapic_get_tpr(struct cpu *c) { return c->lapic ? (u8)c->lapic->tpr : (u8)(c->cr8 << 4); }

void lapic_set_tpr(struct cpu *c, u8 tpr)
{
    if (c->lapic) c->lapic->tpr = tpr;
    c->cr8 = tpr >> 4;
    c->check_events = true; /* a lower priority may unmask a pending interrupt */
}
