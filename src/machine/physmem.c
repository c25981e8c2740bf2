/* The physical address space: RAM, MMIO regions, and open bus everywhere else. */
#include "../cpu/block.h"
#include "machine.h"

void phys_code_written(struct machine *m, u64 pidx)
{
    m->page_gen[pidx]++;
    m->code_page[pidx] = 0;
    struct cpu *c = m->running;
    /* The running block may hold stale decodes of the following instructions. */
    if (c && c->cur_block && c->cur_block->pidx == pidx) c->stop_block = true;
}

u64 phys_read(struct machine *m, struct cpu *c, u64 pa, unsigned size)
{
    u8 *p = phys_ram(m, pa);
    if (p) return load_le(p, size);
    if (unlikely(lapic_window_overlaps(c, pa, 1))) return lapic_mmio_read(c, pa, size);
    struct mmio_region *r = mmio_find(m, pa);
    if (r) return r->read(r->opaque, c, pa - r->base, size) & size_mask(size);
    return size_mask(size); /* open bus */
}

void phys_write(struct machine *m, struct cpu *c, u64 pa, unsigned size, u64 val)
{
    u8 *p = phys_ram(m, pa);
    if (p) {
        u64 pidx = phys_page_index(m, pa);
        if (unlikely(m->code_page[pidx])) phys_code_written(m, pidx);
        store_le(p, size, val);
        return;
    }
    if (unlikely(lapic_window_overlaps(c, pa, 1))) {
        lapic_mmio_write(c, pa, size, val & size_mask(size));
        return;
    }
    struct mmio_region *r = mmio_find(m, pa);
    if (r) r->write(r->opaque, c, pa - r->base, size, val & size_mask(size));
}

bool phys_copy_in(struct machine *m, u64 pa, const void *src, size_t n)
{
    const u8 *s = src;
    while (n) {
        u8 *p = phys_ram(m, pa);
        if (!p) return false;
        size_t chunk = PAGE_SIZE - (pa & 0xfff);
        if (chunk > n) chunk = n;
        u64 pidx = phys_page_index(m, pa);
        if (m->code_page[pidx]) phys_code_written(m, pidx);
        memcpy(p, s, chunk);
        pa += chunk;
        s += chunk;
        n -= chunk;
    }
    return true;
}

bool phys_copy_out(struct machine *m, u64 pa, void *dst, size_t n)
{
    u8 *d = dst;
    while (n) {
        u8 *p = phys_ram(m, pa);
        if (!p) return false;
        size_t chunk = PAGE_SIZE - (pa & 0xfff);
        if (chunk > n) chunk = n;
        memcpy(d, p, chunk);
        pa += chunk;
        d += chunk;
        n -= chunk;
    }
    return true;
}
