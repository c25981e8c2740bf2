/* 82093AA-style I/O APIC at 0xfec00000: 24 pins, version 0x20 (with the EOI register),
 * redirection to the local APICs. Polarity is ignored, as QEMU does: lines are active high. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"
#include "lapic.h"

#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC_PINS 24
#define IOAPIC_VERSION 0x20

enum {
    RTE_DM_SHIFT = 8, RTE_LOGICAL = 1u << 11, RTE_DELIVS = 1u << 12, RTE_REMOTE_IRR = 1u << 14,
    RTE_LEVEL = 1u << 15, RTE_MASKED = 1u << 16,
};
#define RTE_RO (RTE_DELIVS | RTE_REMOTE_IRR)

struct ioapic {
    struct machine *m;
    u32 regsel;
    u32 id;
    u64 rte[IOAPIC_PINS];
    u32 irr;   /* requests: latched edges, or asserted levels */
    u32 level; /* current input levels */
};

static void service(struct ioapic *io)
{
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        u32 bit = 1u << pin;
        u64 e = io->rte[pin];
        if (!(io->irr & bit) || (e & RTE_MASKED)) continue;
        bool level = e & RTE_LEVEL;
        if (level) {
            if (e & RTE_REMOTE_IRR) continue; /* wait for the EOI */
            io->rte[pin] |= RTE_REMOTE_IRR;
        } else {
            io->irr &= ~bit;
        }
        struct apic_msg msg = {
            .dest = (u32)(e >> 56),
            .logical = e & RTE_LOGICAL,
            .mode = (int)(e >> RTE_DM_SHIFT) & 7,
            .vector = (u8)e,
            .level = level,
        };
        apic_bus_deliver(io->m, &msg);
    }
}

void ioapic_set_irq(struct ioapic *io, int pin, int level)
{
    if (pin < 0 || pin >= IOAPIC_PINS) return;
    u32 bit = 1u << pin;
    if (io->rte[pin] & RTE_LEVEL) {
        if (level) io->irr |= bit;
        else io->irr &= ~bit;
    } else if (level && !(io->level & bit) && !(io->rte[pin] & RTE_MASKED)) {
        io->irr |= bit; /* rising edge; the 82093AA ignores one on a masked pin */
    }
    if (level) io->level |= bit;
    else io->level &= ~bit;
    service(io);
}

void ioapic_eoi(struct ioapic *io, u8 vector)
{
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        u64 e = io->rte[pin];
        if ((e & RTE_LEVEL) && (e & RTE_REMOTE_IRR) && (u8)e == vector) {
            io->rte[pin] &= ~(u64)RTE_REMOTE_IRR;
            /* A line still asserted is delivered again. */
            if (io->level & (1u << pin)) io->irr |= 1u << pin;
        }
    }
    service(io);
}

static u32 reg_read(struct ioapic *io)
{
    u32 r = io->regsel & 0xff;
    switch (r) {
    case 0: return io->id << 24;
    case 1: return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
    case 2: return io->id << 24; /* arbitration ID */
    default:
        if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
            u64 e = io->rte[(r - 0x10) / 2];
            return (r & 1) ? (u32)(e >> 32) : (u32)e;
        }
        return 0xffffffffu;
    }
}

static void reg_write(struct ioapic *io, u32 val)
{
    u32 r = io->regsel & 0xff;
    if (r == 0) {
        io->id = (val >> 24) & 0xf;
        return;
    }
    if (r < 0x10 || r >= 0x10 + 2 * IOAPIC_PINS) return;
    int pin = (r - 0x10) / 2;
    u64 e = io->rte[pin];
    if (r & 1) {
        e = (e & 0xffffffffull) | (u64)(val & 0xff000000u) << 32;
    } else {
        e = (e & ~0xffffffffull) | (val & ~RTE_RO & 0x1ffffu) | (e & RTE_RO);
        if (!(e & RTE_LEVEL)) e &= ~(u64)RTE_REMOTE_IRR;
    }
    io->rte[pin] = e;
    /* Switching to level re-evaluates the current line; unmasking delivers an asserted
     * level (an edge that came while masked was not kept). */
    if ((e & RTE_LEVEL) && (io->level & (1u << pin))) io->irr |= 1u << pin;
    else io->irr &= ~(1u << pin); /* an edge is delivered as it comes, never held */
    service(io);
}

static u64 ioapic_read(void *opaque, struct cpu *c, u64 off, unsigned size)
{
    struct ioapic *io = opaque;
    u32 v;
    switch (off & ~3ull) {
    case 0x00: v = io->regsel; break;
    case 0x10: v = reg_read(io); break;
    default: v = 0; break;
    }
    return (v >> ((off & 3) * 8)) & size_mask(size);
}

static void ioapic_write(void *opaque, struct cpu *c, u64 off, unsigned size, u64 val)
{
    struct ioapic *io = opaque;
    switch (off) {
    case 0x00: io->regsel = (u32)val & 0xff; break;
    case 0x10: reg_write(io, (u32)val); break;
    case 0x40: ioapic_eoi(io, (u8)val); break; /* version 0x20 EOI register */
    default: break;
    }
}

void ioapic_reset(struct ioapic *io)
{
    io->regsel = 0;
    io->id = 0; /* QEMU's pc places the I/O APIC at ID 0 in the MADT */
    for (int k = 0; k < IOAPIC_PINS; k++) io->rte[k] = RTE_MASKED;
    io->irr = 0;
}

struct ioapic *ioapic_create(struct machine *m)
{
    struct ioapic *io = calloc(1, sizeof *io);
    if (!io) return NULL;
    io->m = m;
    ioapic_reset(io);
    struct mmio_region r = {
        .base = IOAPIC_BASE, .size = 0x1000,
        .read = ioapic_read, .write = ioapic_write, .opaque = io,
    };
    mmio_register(m, &r);
    return io;
}

void ioapic_destroy(struct ioapic *io) { free(io); }
