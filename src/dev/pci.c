/* PCI configuration mechanism #1 (0xcf8 address, 0xcfc-0xcff data) with the two functions
 * QEMU's pc machine always has: the i440FX host bridge (00:00.0) and the PIIX3 ISA bridge
 * (00:01.0). Absent functions read all ones. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

enum { FN_HOST, FN_ISA, FN_N };

struct pci_fn {
    u8 cfg[256];
    u8 wmask[256]; /* writable bits */
};

struct pci {
    struct machine *m;
    u32 addr; /* CONFIG_ADDRESS */
    struct pci_fn fn[FN_N];
};

static void put16(u8 *p, u16 v) { p[0] = (u8)v; p[1] = (u8)(v >> 8); }

static void init_fn(struct pci_fn *f, u16 device, u8 rev, u8 subclass, u8 header)
{
    memset(f, 0, sizeof *f);
    put16(f->cfg + 0x00, 0x8086);
    put16(f->cfg + 0x02, device);
    f->cfg[0x08] = rev;
    f->cfg[0x0a] = subclass;
    f->cfg[0x0b] = 0x06; /* bridge */
    f->cfg[0x0e] = header;
    /* Command (I/O, memory, bus master, parity, SERR), latency timer, interrupt line and
     * the device-specific area are writable; identification is not. */
    put16(f->wmask + 0x04, 0x0147);
    f->wmask[0x0d] = 0xff;
    f->wmask[0x3c] = 0xff;
    memset(f->wmask + 0x40, 0xff, 0xc0);
}

void pci_reset(struct pci *p)
{
    p->addr = 0;
    init_fn(&p->fn[FN_HOST], 0x1237, 0x02, 0x00, 0x00);
    put16(p->fn[FN_HOST].cfg + 0x06, 0x0280); /* status: medium DEVSEL, fast back-to-back */
    init_fn(&p->fn[FN_ISA], 0x7000, 0x00, 0x01, 0x80); /* multi-function */
    put16(p->fn[FN_ISA].cfg + 0x04, 0x0007);
    put16(p->fn[FN_ISA].cfg + 0x06, 0x0200);
    /* PIIX3 PIRQ route control: routing disabled at reset. */
    memset(p->fn[FN_ISA].cfg + 0x60, 0x80, 4);
}

static struct pci_fn *selected(struct pci *p)
{
    u32 a = p->addr;
    if (!(a >> 31) || (a >> 16 & 0xff) != 0) return NULL;
    unsigned dev = a >> 11 & 0x1f, fn = a >> 8 & 7;
    if (fn != 0) return NULL;
    if (dev == 0) return &p->fn[FN_HOST];
    if (dev == 1) return &p->fn[FN_ISA];
    return NULL;
}

static u32 pci_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    struct pci *p = opaque;
    if (port == 0xcf8) return size == 4 ? p->addr : 0xffffffffu;
    struct pci_fn *f = selected(p);
    if (!f) return 0xffffffffu;
    unsigned reg = (p->addr & 0xfc) + (port & 3);
    u32 v = 0;
    for (unsigned k = 0; k < size && reg + k < 256; k++) v |= (u32)f->cfg[reg + k] << (8 * k);
    return v;
}

static void pci_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct pci *p = opaque;
    if (port == 0xcf8) {
        if (size == 4) p->addr = val & 0x80fffffcu;
        return;
    }
    struct pci_fn *f = selected(p);
    if (!f) return;
    unsigned reg = (p->addr & 0xfc) + (port & 3);
    for (unsigned k = 0; k < size && reg + k < 256; k++) {
        u8 b = (u8)(val >> (8 * k)), w = f->wmask[reg + k];
        f->cfg[reg + k] = (f->cfg[reg + k] & ~w) | (b & w);
    }
}

struct pci *pci_create(struct machine *m)
{
    struct pci *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->m = m;
    pci_reset(p);
    struct io_handler h = { .read = pci_read, .write = pci_write, .opaque = p };
    /* 0xcf9 is the reset control register (reset.c): byte accesses there are not ours. */
    io_register(m, 0xcf8, 1, &h);
    io_register(m, 0xcfc, 4, &h);
    return p;
}

void pci_destroy(struct pci *p) { free(p); }
