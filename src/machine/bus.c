/* Port-I/O and MMIO dispatch. */
#include "../cpu/cpu.h"
#include "machine.h"

void io_register(struct machine *m, u16 first, u16 count, const struct io_handler *h)
{
    if (m->n_io + 1 >= MAX_IO_HANDLERS) {
        machine_log(m, "too many I/O handlers (port %#x)", first);
        return;
    }
    int idx = ++m->n_io; /* index 0 means "no device" */
    m->io_handlers[idx] = *h;
    for (u32 p = first; p < (u32)first + count && p < 65536; p++) m->io_map[p] = (u8)idx;
}

u32 io_read(struct machine *m, struct cpu *c, u16 port, unsigned size)
{
    const struct io_handler *h = &m->io_handlers[m->io_map[port]];
    u32 v = (h->read && m->io_map[port]) ? h->read(h->opaque, c, port, size) : 0xffffffffu;
    if (m->trace & TRACE_IO) machine_log(m, "in%c port %#06x -> %#x", (size == 1 ? 'b' : size == 2 ? 'w' : 'l'), port, v & (u32)size_mask(size));
    return v & (u32)size_mask(size);
}

void io_write(struct machine *m, struct cpu *c, u16 port, unsigned size, u32 val)
{
    const struct io_handler *h = &m->io_handlers[m->io_map[port]];
    if (m->trace & TRACE_IO) machine_log(m, "out%c port %#06x <- %#x", (size == 1 ? 'b' : size == 2 ? 'w' : 'l'), port, val);
    if (h->write && m->io_map[port]) h->write(h->opaque, c, port, size, val & (u32)size_mask(size));
}

void mmio_register(struct machine *m, const struct mmio_region *r)
{
    if (m->n_mmio >= MAX_MMIO) {
        machine_log(m, "too many MMIO regions (%#llx)", (unsigned long long)r->base);
        return;
    }
    m->mmio[m->n_mmio++] = *r;
}

struct mmio_region *mmio_find(struct machine *m, u64 pa)
{
    for (int k = 0; k < m->n_mmio; k++)
        if (pa - m->mmio[k].base < m->mmio[k].size) return &m->mmio[k];
    return NULL;
}

bool mmio_overlaps(const struct machine *m, u64 pa, u64 size)
{
    for (int k = 0; k < m->n_mmio; k++)
        if (pa < m->mmio[k].base + m->mmio[k].size && m->mmio[k].base < pa + size) return true;
    for (int k = 0; k < m->ncpus; k++) /* the local APICs' windows, wherever they are */
        if (lapic_window_overlaps(m->cpus[k], pa, size)) return true;
    return false;
}
