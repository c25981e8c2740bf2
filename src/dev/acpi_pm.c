/* ACPI fixed hardware (ACPI 6.4 4.8): the PM1a event block (status and enable), the PM1a
 * control block (SCI_EN, SLP_TYP/SLP_EN: S5 powers off) and the 3.579545 MHz PM timer,
 * 32 bits wide (FADT TMR_VAL_EXT), counted from virtual time so runs stay deterministic.
 * The system is always in ACPI mode (FADT SMI_CMD = 0), so SCI_EN reads 1. Registers are
 * handled a byte at a time: any access width at any offset does what its bytes would. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "acpi.h"
#include "dev.h"

#define NS_PER_S 1000000000ull
#define TMR_SHIFT 31 /* TMR_STS: bit 31 of the 32-bit counter changed (4.8.3.3) */
#define STS_W1C (PM1_TMR | PM1_BM | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC | PM1_WAK)
#define EN_BITS (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC)
#define CNT_BITS (0x0006u | 7u << PM1_SLP_TYP_SHIFT) /* BM_RLD, GBL_RLS, SLP_TYP */

struct acpi_pm {
    struct machine *m;
    u16 sts; /* latched status bits other than TMR_STS */
    u16 en;
    u16 cnt;
    u64 tmr_base; /* the 64-bit tick count when TMR_STS was last cleared */
    bool sci;
    struct timer tmr; /* next change of the counter's bit 31, while TMR_EN is set */
};

/* Ticks since power-on at virtual time ns, without overflow for any u64 ns. */
static u64 ticks_at(u64 ns)
{
    return ns / NS_PER_S * ACPI_PM_TIMER_HZ + ns % NS_PER_S * ACPI_PM_TIMER_HZ / NS_PER_S;
}

/* The first virtual nanosecond at which the count reaches t. */
static u64 ns_of_tick(u64 t)
{
    u64 ns = t / ACPI_PM_TIMER_HZ * NS_PER_S;
    u64 r = t % ACPI_PM_TIMER_HZ * NS_PER_S;
    return ns + (r + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

u32 acpi_pm_timer_at(u64 ns)
{
    return (u32)ticks_at(ns);
}

static u16 status(const struct acpi_pm *p)
{
    u64 t = ticks_at(machine_now(p->m));
    return (u16)(p->sts | ((t >> TMR_SHIFT) != (p->tmr_base >> TMR_SHIFT) ? PM1_TMR : 0));
}

/* The SCI is a level: any enabled status bit (4.8.3.1), with SCI_EN always set. */
static void update(struct acpi_pm *p)
{
    bool sci = (status(p) & p->en) != 0;
    if (sci != p->sci) {
        p->sci = sci;
        irq_set(p->m, ACPI_SCI_IRQ, sci);
    }
    u64 next = TIME_NEVER;
    if ((p->en & PM1_TMR) && !(status(p) & PM1_TMR))
        next = ns_of_tick(((p->tmr_base >> TMR_SHIFT) + 1) << TMR_SHIFT);
    timer_arm(p->m, &p->tmr, next);
}

static void tmr_fire(void *opaque, u64 now)
{
    update(opaque);
}

static void enter_sleep(struct acpi_pm *p, unsigned typ)
{
    if (typ == ACPI_SLP_TYP_S5) {
        /* Soft off: the run ends with status 0, as QEMU's does. */
        if (p->m->trace & TRACE_CPU_RESET) machine_log(p->m, "ACPI S5: power off");
        machine_request_stop(p->m, STOP_DEBUG_EXIT, 0);
        return;
    }
    /* Other sleep states are not offered (no \_Sx object): wake at once. */
    p->sts |= PM1_WAK;
}

static u8 read_byte(struct acpi_pm *p, unsigned off)
{
    switch (off) {
    case 0:
    case 1: return (u8)(status(p) >> (8 * off));
    case 2:
    case 3: return (u8)(p->en >> (8 * (off - 2)));
    case 4:
    case 5: return (u8)((p->cnt | PM1_SCI_EN) >> (8 * (off - 4)));
    case 8:
    case 9:
    case 10:
    case 11: return (u8)(acpi_pm_timer_at(machine_now(p->m)) >> (8 * (off - 8)));
    default: return 0xff;
    }
}

static void write_byte(struct acpi_pm *p, unsigned off, u8 v)
{
    switch (off) {
    case 0:
    case 1: {
        u16 clr = (u16)(v << (8 * off)) & STS_W1C; /* write 1 to clear */
        if (clr & PM1_TMR) p->tmr_base = ticks_at(machine_now(p->m));
        p->sts &= (u16)~clr;
        break;
    }
    case 2:
    case 3: {
        unsigned sh = 8 * (off - 2);
        p->en = (u16)(((p->en & ~(0xffu << sh)) | (u32)v << sh) & EN_BITS);
        break;
    }
    case 4:
    case 5: {
        unsigned sh = 8 * (off - 4);
        u32 val = (u32)v << sh;
        p->cnt = (u16)(((p->cnt & ~(0xffu << sh)) | val) & CNT_BITS);
        if (val & PM1_SLP_EN) enter_sleep(p, (p->cnt >> PM1_SLP_TYP_SHIFT) & 7);
        break;
    }
    default: break; /* the timer is read-only; 6-7 are unassigned */
    }
}

static u32 pm_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    struct acpi_pm *p = opaque;
    u32 v = 0;
    for (unsigned k = 0; k < size; k++) {
        unsigned off = (unsigned)(port - ACPI_PM_BASE) + k;
        v |= (u32)(off < ACPI_PM_LEN ? read_byte(p, off) : 0xff) << (8 * k);
    }
    return v;
}

static void pm_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct acpi_pm *p = opaque;
    for (unsigned k = 0; k < size; k++) {
        unsigned off = (unsigned)(port - ACPI_PM_BASE) + k;
        if (off < ACPI_PM_LEN) write_byte(p, off, (u8)(val >> (8 * k)));
    }
    update(p);
}

void acpi_pm_reset(struct acpi_pm *p)
{
    if (p->sci) irq_set(p->m, ACPI_SCI_IRQ, 0);
    p->sci = false;
    p->sts = 0;
    p->en = 0;
    p->cnt = 0;
    p->tmr_base = ticks_at(machine_now(p->m));
    timer_arm(p->m, &p->tmr, TIME_NEVER);
}

struct acpi_pm *acpi_pm_create(struct machine *m)
{
    struct acpi_pm *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->m = m;
    p->tmr.fire = tmr_fire;
    p->tmr.opaque = p;
    timer_register(m, &p->tmr);
    struct io_handler h = {.read = pm_read, .write = pm_write, .opaque = p};
    io_register(m, ACPI_PM_BASE, ACPI_PM_LEN, &h);
    return p;
}

void acpi_pm_destroy(struct acpi_pm *p)
{
    free(p);
}
