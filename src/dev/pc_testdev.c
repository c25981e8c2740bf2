/* QEMU's pc-testdev (-device pc-testdev), the ISA device public x86 test kernels
 * (kvm-unit-tests) use to drive interrupt lines and to reach memory that is not RAM.
 * Layout and behaviour from QEMU's hw/misc/pc-testdev.c:
 *   0xe0-0xe3      a 32-bit data register, byte-addressed: an access of N bytes at port
 *                  0xe0+k reads or writes bytes k..k+N-1 of it;
 *   0xe4-0xe7      page flush: a 4-byte write at 0xe4 names a physical address whose page
 *                  QEMU unmaps and remaps on the host (KVM must fault it in again);
 *                  other widths are invalid there and ignored; reads return 0;
 *   0xe8-0xeb      the same data register, split into byte accesses;
 *   0x2000-0x2017  one port per ISA interrupt line: writing byte B to 0x2000+n sets line
 *                  n to (B != 0); the ports accept byte accesses only, so QEMU splits a
 *                  wider write into one byte per port; reads return 0;
 *   0xff000000     "iomem": 64 KiB that reads back what was written, as RAM does, but
 *                  through the MMIO path of the emulator.
 * QEMU's memory core splits port accesses wider than a region allows into naturally
 * aligned pieces; at byte granularity that is "each byte goes to its own port", which is
 * what the handlers below do. Lines 16-23 (QEMU asserts on them) reach I/O APIC pins
 * 16-23 through the same irq_set() as every other line. The device has no reset handler
 * in QEMU, so its data register and window survive a machine reset. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

enum {
    TESTDEV_DATA = 0xe0,      /* data register, any width */
    TESTDEV_FLUSH = 0xe4,     /* page flush, 4-byte writes */
    TESTDEV_DATA_BYTE = 0xe8, /* data register, byte accesses */
    TESTDEV_IRQ = 0x2000,     /* IRQ lines 0-23 */
    TESTDEV_IRQ_LINES = 24,
};
#define TESTDEV_IOMEM_BASE 0xff000000ull
#define TESTDEV_IOMEM_LEN 0x10000u

struct pc_testdev {
    struct machine *m;
    u32 data;
    u8 iomem[TESTDEV_IOMEM_LEN];
};

/* One byte of a port access; port is the byte's own port. */
static u8 port_read_byte(struct pc_testdev *t, u32 port)
{
    if (port - TESTDEV_DATA < 4) return (u8)(t->data >> (8 * (port - TESTDEV_DATA)));
    if (port - TESTDEV_DATA_BYTE < 4) return (u8)(t->data >> (8 * (port - TESTDEV_DATA_BYTE)));
    return 0; /* flush and IRQ ports read 0; bytes past the device are not ours */
}

static void port_write_byte(struct pc_testdev *t, u32 port, u8 b)
{
    int k = -1;
    if (port - TESTDEV_DATA < 4)
        k = (int)(port - TESTDEV_DATA);
    else if (port - TESTDEV_DATA_BYTE < 4)
        k = (int)(port - TESTDEV_DATA_BYTE);
    if (k >= 0) {
        t->data = (t->data & ~(0xffu << (8 * k))) | ((u32)b << (8 * k));
    } else if (port - TESTDEV_IRQ < TESTDEV_IRQ_LINES) {
        irq_set(t->m, (int)(port - TESTDEV_IRQ), b != 0);
    }
}

/* The page flush has no architectural effect. Its purpose, making the next access to the
 * page take the slow path, maps to dropping decoded code from that page here. */
static void flush_page(struct pc_testdev *t, u32 addr)
{
    u64 pa = addr & ~0xfffull;
    if (phys_ram(t->m, pa)) phys_code_written(t->m, phys_page_index(t->m, pa));
}

static u32 testdev_port_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    u32 v = 0;
    for (unsigned k = 0; k < size && k < 4; k++)
        v |= (u32)port_read_byte(opaque, (u32)port + k) << (8 * k);
    return v;
}

static void testdev_port_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    if (port == TESTDEV_FLUSH && size == 4) {
        flush_page(opaque, val);
        return;
    }
    for (unsigned k = 0; k < size && k < 4; k++)
        port_write_byte(opaque, (u32)port + k, (u8)(val >> (8 * k)));
}

/* The window: little-endian bytes; an access running past its end (the bus never makes
 * one, but nothing here relies on that) reads ones and drops the extra bytes. */
static u64 iomem_read(void *opaque, struct cpu *c, u64 off, unsigned size)
{
    struct pc_testdev *t = opaque;
    u64 v = 0;
    for (unsigned k = 0; k < size && k < 8; k++) {
        u64 b = off + k < TESTDEV_IOMEM_LEN ? t->iomem[off + k] : 0xff;
        v |= b << (8 * k);
    }
    return v;
}

static void iomem_write(void *opaque, struct cpu *c, u64 off, unsigned size, u64 val)
{
    struct pc_testdev *t = opaque;
    for (unsigned k = 0; k < size && k < 8; k++)
        if (off + k < TESTDEV_IOMEM_LEN) t->iomem[off + k] = (u8)(val >> (8 * k));
}

bool pc_testdev_create(struct machine *m)
{
    struct pc_testdev *t = calloc(1, sizeof *t);
    if (!t) return false;
    t->m = m;
    m->testdev = t;
    struct io_handler h = {.read = testdev_port_read, .write = testdev_port_write, .opaque = t};
    io_register(m, TESTDEV_DATA, 12, &h); /* 0xe0-0xeb: data, flush, data (byte) */
    io_register(m, TESTDEV_IRQ, TESTDEV_IRQ_LINES, &h);
    struct mmio_region r = {.base = TESTDEV_IOMEM_BASE,
                            .size = TESTDEV_IOMEM_LEN,
                            .read = iomem_read,
                            .write = iomem_write,
                            .opaque = t};
    mmio_register(m, &r);
    return true;
}

void pc_testdev_destroy(struct pc_testdev *t)
{
    free(t);
}
