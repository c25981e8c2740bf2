/* Memory access from the processor: segmentation checks, the software TLB, and the slow
 * path through paging to RAM or MMIO.
 *
 * The TLB caches, per linear page and access kind (read, write, execute), a host pointer
 * for RAM pages whose permission for the current privilege was already checked by a page
 * walk. Two TLBs exist, for CPL 3 and for supervisor accesses, so a privilege change needs
 * no flush. Write entries are never made for pages holding decoded code, so stores to code
 * take the slow path, where they invalidate the decoded blocks (self-modifying code).
 * Likewise no read/write entry is made for a page holding an enabled data breakpoint, so
 * the slow path can report accesses to it (debug.c). */
#include "../machine/machine.h"
#include "cpu.h"
#include "cpumodel.h"
#include "block.h"
#include "debug.h"
#include "gpa.h"

static inline u64 tlb_tag(u64 lin) { return tlb_tag_of(lin); }
static inline unsigned tlb_index(u64 lin) { return (lin >> 12) & (TLB_SIZE - 1); }

static inline struct tlb *tlb_for(struct cpu *c, int acc)
{
    return (acc & ACC_SUPER) ? c->tlb_super : c->tlb;
}

static struct tlb_entry *tlb_array(struct tlb *t, int acc)
{
    switch (acc & 3) {
    case ACC_WRITE: return t->write;
    case ACC_EXEC: return t->exec;
    default: return t->read;
    }
}

void tlb_flush_all(struct cpu *c)
{
    memset(c->tlb_user, 0, sizeof *c->tlb_user);
    memset(c->tlb_super, 0, sizeof *c->tlb_super);
    jump_cache_clear(c);
}

/* Global pages are not tracked separately yet: flushing them too is allowed by the
 * architecture (the TLB may drop any entry at any time). */
void tlb_flush_nonglobal(struct cpu *c) { tlb_flush_all(c); }

void tlb_flush_page(struct cpu *c, u64 lin)
{
    unsigned k = tlb_index(lin);
    u64 tag = tlb_tag(lin);
    struct tlb *ts[2] = {c->tlb_user, c->tlb_super};
    for (int t = 0; t < 2; t++) {
        if (ts[t]->read[k].tag == tag) ts[t]->read[k].tag = 0;
        if (ts[t]->write[k].tag == tag) ts[t]->write[k].tag = 0;
        if (ts[t]->exec[k].tag == tag) ts[t]->exec[k].tag = 0;
    }
    jump_cache_clear(c);
}

/* Drop write entries for a physical page that now holds decoded code, in every processor,
 * so the next store to it reaches phys_code_written(). */
void tlb_drop_writes_to(struct machine *m, u64 phys_page)
{
    for (int n = 0; n < m->ncpus; n++) {
        struct cpu *c = m->cpus[n];
        struct tlb *ts[2] = {c->tlb_user, c->tlb_super};
        for (int t = 0; t < 2; t++)
            for (unsigned k = 0; k < TLB_SIZE; k++)
                if (ts[t]->write[k].tag && ts[t]->write[k].phys == phys_page) ts[t]->write[k].tag = 0;
    }
}

/* Linear to guest-physical (the page walk, or with CR0.PG = 0 the linear address itself,
 * 32 bits wide), then the final translation of that guest-physical address (gpa.h): the one
 * place both paged and unpaged accesses meet EPT (SDM Vol. 3 29.3.2). *writable says
 * whether the TLB may cache a write. Returns false only with ACC_NOFAULT. */
static bool lin_to_phys(struct cpu *c, u64 lin, int acc, u64 *phys, bool *writable)
{
    u64 gpa;
    if (!(c->cr0 & CR0_PG)) {
        gpa = lin & 0xffffffffull;
        *writable = true;
    } else {
        struct walk_result r;
        if (!paging_walk(c, lin, acc, &r)) return false;
        gpa = r.gpa | (lin & 0xfff);
        *writable = r.writable;
    }
    const struct gpa_why why = {.lin = lin, .acc = acc};
    return gpa_to_hpa_final(c, gpa, &why, phys, writable);
}

bool lin_translate(struct cpu *c, u64 lin, int acc, u64 *phys)
{
    bool writable;
    return lin_to_phys(c, lin, acc, phys, &writable);
}

/* Translate and, for RAM, fill the TLB entry. Returns the host pointer of the byte at lin,
 * or NULL (with *phys set) when the page is not RAM. */
static u8 *translate_fill(struct cpu *c, u64 lin, int acc, u64 *phys)
{
    bool writable;
    lin_to_phys(c, lin, acc & ~ACC_NOFAULT, phys, &writable);
    u64 page_phys = *phys & ~0xfffull;
    u8 *host = phys_ram(c->m, page_phys);
    /* This processor's xAPIC window over RAM: no host pointer, so its accesses go through
     * phys_read/phys_write to the APIC (SDM 11.4.1). Fetches from the page are undefined
     * architecturally; here they read the registers, one instruction at a time. */
    if (host && unlikely(apic_base_page(c, page_phys)) &&
        lapic_window_overlaps(c, page_phys, PAGE_SIZE))
        return NULL;
    if (!host) {
        /* Open bus (no RAM, no device on the whole page): reads see all ones and writes
         * vanish, so the TLB can serve them from two host pages instead of walking the
         * page tables every time. Never for fetches: decoded code needs RAM. */
        if ((acc & 3) == ACC_EXEC || mmio_overlaps(c->m, page_phys, PAGE_SIZE)) return NULL;
        host = c->m->open_bus + ((acc & 3) == ACC_WRITE ? PAGE_SIZE : 0);
    } else if ((acc & 3) == ACC_WRITE) {
        u64 pidx = phys_page_index(c->m, page_phys);
        if (c->m->code_page[pidx] || !writable) return host + (lin & 0xfff);
    }
    if ((acc & 3) != ACC_EXEC && unlikely(c->dr[7] & DR7_ENABLE_MASK) && debug_page_watched(c, lin))
        return host + (lin & 0xfff); /* every access to the page must see the breakpoint */
    struct tlb_entry *e = &tlb_array(tlb_for(c, acc), acc)[tlb_index(lin)];
    e->tag = tlb_tag(lin);
    e->addend = (uintptr_t)host - (uintptr_t)(lin & ~0xfffull);
    e->phys = page_phys;
    return host + (lin & 0xfff);
}

u64 lin_read_slow(struct cpu *c, u64 lin, unsigned size, int acc)
{
    if (((lin & 0xfff) + size) > PAGE_SIZE) {
        /* Crosses a page: both pages are translated before any byte is used. */
        u64 v = 0;
        unsigned first = PAGE_SIZE - (lin & 0xfff);
        u64 lo = 0, hi = 0;
        for (unsigned k = 0; k < first; k++) lo |= lin_read(c, lin + k, 1, acc) << (8 * k);
        for (unsigned k = first; k < size; k++) hi |= lin_read(c, lin + k, 1, acc) << (8 * (k - first));
        v = lo | (hi << (8 * first));
        return v;
    }
    if (unlikely(c->dr[7] & DR7_ENABLE_MASK)) debug_data_access(c, lin, size, acc);
    u64 phys;
    u8 *host = translate_fill(c, lin, acc, &phys);
    if (host) return load_le(host, size);
    return phys_read(c->m, c, phys, size);
}

void lin_write_slow(struct cpu *c, u64 lin, unsigned size, u64 val, int acc)
{
    acc = (acc & ~3) | ACC_WRITE;
    if (((lin & 0xfff) + size) > PAGE_SIZE) {
        /* Translate both pages first so a fault on the second leaves memory unchanged. */
        unsigned first = PAGE_SIZE - (lin & 0xfff);
        u64 p1, p2;
        lin_translate(c, lin, acc, &p1);
        lin_translate(c, lin + first, acc, &p2);
        for (unsigned k = 0; k < size; k++) lin_write(c, lin + k, 1, val >> (8 * k), acc);
        return;
    }
    if (unlikely(c->dr[7] & DR7_ENABLE_MASK)) debug_data_access(c, lin, size, acc);
    u64 phys;
    u8 *host = translate_fill(c, lin, acc, &phys);
    (void)host;
    phys_write(c->m, c, phys, size, val);
}

void lin_read_bytes(struct cpu *c, u64 lin, void *buf, size_t n, int acc)
{
    u8 *p = buf;
    for (size_t k = 0; k < n; k++) p[k] = (u8)lin_read(c, lin + k, 1, acc);
}

void lin_write_bytes(struct cpu *c, u64 lin, const void *buf, size_t n, int acc)
{
    /* Probe every page first: the store is all-or-nothing with respect to #PF. */
    u64 phys;
    for (size_t k = 0; k < n; k = (k | 0xfff) + 1) lin_translate(c, lin + k, acc | ACC_WRITE, &phys);
    if (n) lin_translate(c, lin + n - 1, acc | ACC_WRITE, &phys);
    const u8 *p = buf;
    for (size_t k = 0; k < n; k++) lin_write(c, lin + k, 1, p[k], acc);
}

/* --- Segmentation -------------------------------------------------------------------- */

static bool canonical_bits(u64 addr, unsigned bits)
{
    s64 v = (s64)(addr << (64 - bits)) >> (64 - bits);
    return (u64)v == addr;
}

/* Canonical for the current paging mode (SDM Vol. 3 4.5: 5-level paging when CR4.LA57). */
bool cpu_is_canonical(const struct cpu *c, u64 addr)
{
    return canonical_bits(addr, (c->cr4 & CR4_LA57) ? 57 : 48);
}

/* Canonical for this processor: its maximum linear-address width (cpu.h says where). */
bool cpu_is_canonical_max(const struct cpu *c, u64 addr)
{
    return canonical_bits(addr, cpu_lin_bits(c));
}

/* Limit and type checks for a non-64-bit mode (SDM Vol. 3 5.3, 5.4.1). Returns false
 * where the access faults (#GP(0), or #SS(0) for SS); *lin gets the linear address. */
static inline bool seg_legacy_ok(const struct cpu *c, int seg, u64 off, unsigned size, int acc,
                                 u64 *lin)
{
    const struct seg *s = &c->seg[seg];
    if (c->mode != MODE_REAL && c->mode != MODE_V86) {
        if (s->ar & AR_UNUSABLE) return false;
        unsigned type = s->ar & AR_TYPE;
        if ((acc & 3) == ACC_WRITE) {
            /* Writable data segment only (type bit 3 clear, bit 1 set). */
            if ((type & 0xa) != 0x2) return false;
        } else if ((type & 0xa) == 0x8) {
            return false; /* execute-only code segment */
        }
        if ((type & 0xc) == 0x4) { /* expand-down data */
            u64 upper = (s->ar & AR_DB) ? 0xffffffffull : 0xffffull;
            if (off <= s->limit || off + size - 1 > upper) return false;
            *lin = (s->base + off) & 0xffffffffull;
            return true;
        }
    }
    if (off + size - 1 > s->limit) return false;
    *lin = (s->base + off) & 0xffffffffull;
    return true;
}

/* Every segmentation check of seg_check_slow() without raising: 0 if the access passes
 * (*lin set), else the vector it would raise (#GP, #SS or #AC). */
static inline int seg_check_vector(const struct cpu *c, int seg, u64 off, unsigned size, int acc,
                                   u64 *lin)
{
    int segvec = seg == SEG_SS ? EXC_SS : EXC_GP;
    if (likely(c->mode == MODE_LONG)) {
        *lin = off + (seg >= SEG_FS ? c->seg[seg].base : 0);
        if (unlikely(!cpu_is_canonical(c, *lin) || !cpu_is_canonical(c, *lin + size - 1)))
            return segvec;
    } else if (!seg_legacy_ok(c, seg, off, size, acc, lin)) {
        return segvec;
    }
    if (unlikely(c->align_check) && (*lin & (size - 1)) && size <= 8) return EXC_AC;
    return 0;
}

bool seg_check_nofault(const struct cpu *c, int seg, u64 off, unsigned size, int acc, u64 *lin)
{
    return seg_check_vector(c, seg, off, size, acc, lin) == 0;
}

u64 seg_check_slow(struct cpu *c, int seg, u64 off, unsigned size, int acc)
{
    u64 lin;
    int v = seg_check_vector(c, seg, off, size, acc, &lin);
    if (unlikely(v)) cpu_raise(c, v, 0);
    return lin;
}

u8 *fetch_host(struct cpu *c, u64 lin, u64 *phys)
{
    struct tlb_entry *e = &c->tlb->exec[tlb_index(lin)];
    if (likely(e->tag == tlb_tag(lin))) {
        *phys = e->phys | (lin & 0xfff);
        return (u8 *)(uintptr_t)(lin + e->addend);
    }
    return translate_fill(c, lin, ACC_EXEC, phys);
}

/* Out-of-line halves of seg_read()/seg_write() (cpu.h): every check, then the TLB. */
u64 seg_read_slow(struct cpu *c, int seg, u64 off, unsigned size)
{
    return lin_read(c, seg_check(c, seg, off, size, ACC_READ), size, ACC_READ);
}

void seg_write_slow(struct cpu *c, int seg, u64 off, unsigned size, u64 val)
{
    lin_write(c, seg_check(c, seg, off, size, ACC_WRITE), size, val, ACC_WRITE);
}
