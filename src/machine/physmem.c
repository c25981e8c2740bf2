/* The physical address space: RAM, MMIO regions, and open bus everywhere else. */
#include "../cpu/block.h"
#include "machine.h"

void phys_code_written(struct machine *m, u64 pidx)
{
    m->page_gen[pidx]++;
    m->code_page[pidx] = 0;
    block_page_written(m->blocks, pidx);
    struct cpu *c = m->running;
    /* The running block may hold stale decodes of the following instructions. */
    if (c && c->cur_block && c->cur_block->pidx == pidx) c->stop_block = true;
}

/* The accessing processor's xAPIC window comes first: its APIC answers there whatever lies
 * behind, RAM included, while other processors and devices see RAM (SDM 11.4.1, 11.4.4).
 * The soft TLB never maps that page for it (translate_fill), so RAM accesses through the
 * TLB pay nothing; here it costs one compare. */
static inline bool own_apic(const struct cpu *c, u64 pa)
{
    return c && unlikely(apic_base_page(c, pa)) && lapic_window_overlaps(c, pa, 1);
}

u64 phys_read(struct machine *m, struct cpu *c, u64 pa, unsigned size)
{
    if (own_apic(c, pa)) return lapic_mmio_read(c, pa, size);
    u8 *p = phys_ram(m, pa);
    if (p) return load_le(p, size);
    struct mmio_region *r = mmio_find(m, pa);
    if (r) return r->read(r->opaque, c, pa - r->base, size) & size_mask(size);
    return size_mask(size); /* open bus */
}

void phys_write(struct machine *m, struct cpu *c, u64 pa, unsigned size, u64 val)
{
    if (own_apic(c, pa)) {
        lapic_mmio_write(c, pa, size, val & size_mask(size));
        return;
    }
    u8 *p = phys_ram(m, pa);
    if (p) {
        u64 pidx = phys_page_index(m, pa);
        if (unlikely(m->code_page[pidx])) phys_code_written(m, pidx);
        store_le(p, size, val);
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
