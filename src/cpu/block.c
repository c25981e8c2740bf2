/* The decoded-code cache (see block.h). Blocks live in one arena; when it fills, the whole
 * cache is dropped and refilled, which is cheaper than tracking individual frees. */
#include <stdlib.h>

#include "../machine/machine.h"
#include "block.h"

#define HASH_SIZE 16384
#define ARENA_SIZE (32u << 20)

/* An instruction whose bytes run onto the next page: no block can hold it (a block lives
 * on one page), so without this each execution decoded it again byte by byte. Valid while
 * both pages keep their generations and the current translation of its last byte still
 * reaches the same physical page (cross_lookup). */
#define CROSS_SIZE 256
struct cross_entry {
    u64 phys, phys2;    /* first byte; page of the last byte */
    u64 pidx, pidx2;
    u32 gen, gen2;
    u16 mode_key;       /* decode mode + 1: 0 marks an empty entry */
    struct insn insn;
};

struct block_cache {
    struct block *hash[HASH_SIZE];
    struct cross_entry cross[CROSS_SIZE];
    u8 *arena;
    size_t used;
    /* Per RAM page: its blocks, through page_next, so a write to the page can kill them
     * where the executor looks first (mode_key) instead of it loading the page's
     * generation for every block it enters. */
    struct block **page_head;
    u64 pages;
};

struct block_cache *block_cache_create(u64 pages)
{
    struct block_cache *bc = calloc(1, sizeof *bc);
    if (!bc) return NULL;
    bc->pages = pages;
    bc->arena = malloc(ARENA_SIZE);
    bc->page_head = calloc(pages ? pages : 1, sizeof *bc->page_head);
    if (!bc->arena || !bc->page_head) {
        block_cache_destroy(bc);
        return NULL;
    }
    return bc;
}

void block_cache_destroy(struct block_cache *bc)
{
    if (!bc) return;
    free(bc->arena);
    free(bc->page_head);
    free(bc);
}

void block_page_written(struct block_cache *bc, u64 pidx)
{
    for (struct block *b = bc->page_head[pidx]; b; b = b->page_next) b->mode_key = BLOCK_DEAD;
    bc->page_head[pidx] = NULL;
}

static unsigned hash_of(u64 phys, unsigned mode)
{
    u64 h = (phys ^ ((u64)mode << 40)) * 0x9e3779b97f4a7c15ull;
    return (unsigned)(h >> 50) & (HASH_SIZE - 1);
}

struct fetch_ctx {
    const u8 *host;   /* host pointer of the instruction's first byte */
    unsigned room;    /* bytes left on the page (and within the CS limit) */
    bool overflow;
};

static u8 fetch_in_page(struct cpu *c, void *p, unsigned k)
{
    struct fetch_ctx *f = p;
    (void)c;
    if (k >= f->room) {
        f->overflow = true;
        return 0x90;
    }
    return f->host[k];
}

void jump_cache_restamp(struct jump_cache *jc)
{
    /* One counter for the process: a stamp names one cache in one state. The processors
     * of a machine run on one host thread, and nothing runs machines on several. */
    static u64 stamps;
    jc->stamp = ++stamps;
}

void jump_cache_empty(struct jump_cache *jc)
{
    jump_cache_restamp(jc);
    if (jc->nfilled > JUMP_CACHE_LOG) {
        memset(jc->pages, 0, sizeof jc->pages);
    } else {
        /* Every page bit was set by a fill the log lists: clearing those fills' bits
         * empties the filter without writing all of it. */
        for (unsigned k = 0; k < jc->nfilled; k++) {
            unsigned bk = jump_cache_bucket(jc->e[jc->filled[k]].key ^ jc->tag);
            jc->pages[bk / 64] &= ~(1ull << (bk % 64));
        }
    }
    jc->nfilled = 0;
    jc->tag += 1ull << 57;
    if (!jc->tag) /* the epochs wrapped: old keys could match again */
        for (unsigned k = 0; k < JUMP_CACHE_SIZE; k++) jc->e[k].b = NULL;
}

static void flush_all(struct machine *m, struct block_cache *bc)
{
    memset(bc->hash, 0, sizeof bc->hash);
    memset(bc->page_head, 0, bc->pages * sizeof *bc->page_head);
    bc->used = 0;
    for (int k = 0; k < m->ncpus; k++) tlb_clear_jump_caches(m->cpus[k]); /* every set's */
}

/* Bytes the block may cover from rip on: to the page end, and to the CS limit outside
 * 64-bit mode (a block must not run past the limit; the executor re-checks). */
static unsigned room_at(const struct cpu *c, u64 phys)
{
    unsigned room = PAGE_SIZE - (phys & 0xfff);
    if (c->code_size != 8) {
        u64 lim = c->seg[SEG_CS].limit;
        if (c->rip > lim) return 0;
        if (lim - c->rip + 1 < room) room = (unsigned)(lim - c->rip + 1);
    }
    return room;
}

static void mark_code_page(struct machine *m, u64 phys, u64 pidx);

/* For record i of a finished block, a relative branch: how many records on its target
 * (i's end + imm, sign-extended) lies when that is further on in the same block, else 0.
 * Forward only, so the records of a block never run in a loop without the executor
 * looking between turns (exec.c loop_again). */
static u8 forward_records(const struct insn *i)
{
    u64 to = (u64)i->boff + i->len + i->imm; /* backward or far: past any block */
    if (to >= i->bend) return 0;
    const struct insn *r = i + 1;
    while (r->boff < to) r++; /* the sentinel's 0xffff ends the walk */
    return r->boff == to ? (u8)(r - i) : 0; /* not inside an instruction */
}

const struct block *block_lookup(struct cpu *c, u64 phys, u8 *host)
{
    struct machine *m = c->m;
    struct block_cache *bc = m->blocks;
    u64 pidx = phys_page_index(m, phys);
    unsigned key = c->decode_key;
    unsigned h = hash_of(phys, key);
    for (struct block **pp = &bc->hash[h]; *pp;) {
        struct block *b = *pp;
        if (b->mode_key == BLOCK_DEAD) {
            *pp = b->next; /* stale: code on the page was overwritten */
            continue;
        }
        if (b->phys == phys && b->mode_key == key) return b;
        pp = &b->next;
    }

    size_t need = sizeof(struct block) + (BLOCK_MAX_INSNS + 1) * sizeof(struct insn);
    if (bc->used + need > ARENA_SIZE) {
        flush_all(m, bc);
    }
    struct block *b = (struct block *)(bc->arena + bc->used);
    b->phys = phys;
    b->pidx = pidx;
    b->mode_key = (u16)key;
    b->n = 0;
    b->bytes = 0;
    memset(b->link, 0, sizeof b->link); /* stamp 0: no link */

    mark_code_page(m, phys, pidx);

    unsigned room = room_at(c, phys);
    /* The flags writers since anything read or could observe the flags, with their forms
     * without the flag writes (insn.h: dead flags): the last full writer, and partial
     * writers (rotates, shifts by CL) after it. */
    struct insn *pend[BLOCK_MAX_INSNS];
    insn_fn pend_nf[BLOCK_MAX_INSNS];
    unsigned npend = 0;
    u64 branches = 0; /* records of relative branches (FK_BRANCH), by index */
    u8 shape[BLOCK_MAX_INSNS] = {0}; /* a branch's: the flags shape its writer left */
    unsigned prev_lf = 0;            /* the shape the record before left, if known */
    _Static_assert(BLOCK_MAX_INSNS <= 64, "branches has a bit per record");
    while (b->n < BLOCK_MAX_INSNS) {
        struct fetch_ctx f = {host + b->bytes, room - b->bytes, false};
        struct insn *i = &b->insn[b->n];
        if (f.room == 0) break;
        decode_insn(c, c->decode_key, fetch_in_page, &f, i);
        if (f.overflow) break; /* crosses the page or the limit: decoded alone later */
        i->boff = (u16)b->bytes;
        i->idx = (u8)b->n;
        b->n++;
        b->bytes += i->len;
        bool end = decode_ends_block(i, key == 8);
        const struct fast_handler *h = insn_specialize(i, key == 8);
        unsigned fk = h ? h->fk : FK_STOP;
        if (fk & FK_BRANCH) branches |= 1ull << i->idx, shape[i->idx] = (u8)prev_lf;
        prev_lf = h ? h->lf : 0;
        if (fk & (FK_R | FK_STOP)) {
            npend = 0; /* their flags are read, or may be seen */
        } else if (fk & FK_W) {
            for (unsigned k = 0; k < npend; k++) pend[k]->tfn = pend_nf[k]; /* overwritten first */
            npend = 0;
        }
        if (h && h->tfn_nf) pend[npend] = i, pend_nf[npend++] = h->tfn_nf;
        if (end) break;
    }
    if (b->n == 0) return NULL;
    for (unsigned k = 0; k < b->n; k++) b->insn[k].bend = (u16)b->bytes;
    insn_fn end = b->insn[b->n - 1].end_block ? thread_end : thread_end_fall;
    b->insn[b->n] = (struct insn){.fn = end, .tfn = end, .boff = 0xffff, .bend = (u16)b->bytes,
                                  .idx = (u8)b->n};
    for (unsigned k = 0; k < b->n; k++)
        if (branches >> k & 1) {
            b->insn[k].fwd = forward_records(&b->insn[k]);
            if (b->insn[k].fwd) shape[k + b->insn[k].fwd] = 0; /* reached from elsewhere too */
        }
    /* A Jcc reached only from the flags writer before it tests their shape directly. */
    for (unsigned k = 0; k < b->n; k++) {
        insn_fn t = shape[k] ? branch_after_writer(&b->insn[k], shape[k]) : NULL;
        if (t) b->insn[k].tfn = t;
    }
    bc->used += sizeof(struct block) + (b->n + 1) * sizeof(struct insn);
    bc->used = (bc->used + 15) & ~(size_t)15;
    b->next = bc->hash[h];
    bc->hash[h] = b;
    b->page_next = bc->page_head[pidx];
    bc->page_head[pidx] = b;
    return b;
}

static void mark_code_page(struct machine *m, u64 phys, u64 pidx)
{
    if (!m->code_page[pidx]) {
        m->code_page[pidx] = 1;
        tlb_drop_writes_to(m, phys & ~0xfffull);
    }
}

/* The execute-TLB entry of lin's page when it is present: its physical page. */
static bool exec_tlb_phys(const struct cpu *c, u64 lin, u64 *phys)
{
    const struct tlb_entry *e = &c->tlb->exec[(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag != tlb_tag_of(lin)) return false;
    *phys = e->phys;
    return true;
}

/* Linear address of the instruction's last byte (32-bit linear addresses wrap). */
static u64 last_byte(const struct cpu *c, u64 lin, unsigned len)
{
    u64 end = lin + len - 1;
    return c->code_size == 8 ? end : end & 0xffffffffull;
}

const struct insn *cross_lookup(struct cpu *c, u64 lin, u64 phys)
{
    struct machine *m = c->m;
    struct cross_entry *e = &m->blocks->cross[hash_of(phys, c->decode_key) & (CROSS_SIZE - 1)];
    u64 p2;
    if (e->phys != phys || e->mode_key != c->decode_key + 1u || e->gen != m->page_gen[e->pidx] ||
        e->gen2 != m->page_gen[e->pidx2])
        return NULL;
    /* The CS limit (outside 64-bit mode) and the second page's translation: when either
     * is not as before the instruction is fetched afresh, with the faults that brings. */
    if (c->code_size != 8 && c->rip + e->insn.len - 1 > c->seg[SEG_CS].limit) return NULL;
    if (!exec_tlb_phys(c, last_byte(c, lin, e->insn.len), &p2) || p2 != e->phys2) return NULL;
    return &e->insn;
}

void cross_remember(struct cpu *c, u64 lin, u64 phys, const struct insn *i)
{
    struct machine *m = c->m;
    u64 p2;
    if (!exec_tlb_phys(c, last_byte(c, lin, i->len), &p2) || !phys_ram(m, p2) || !phys_ram(m, phys))
        return;
    struct cross_entry *e = &m->blocks->cross[hash_of(phys, c->decode_key) & (CROSS_SIZE - 1)];
    e->phys = phys;
    e->phys2 = p2;
    e->pidx = phys_page_index(m, phys);
    e->pidx2 = phys_page_index(m, p2);
    mark_code_page(m, phys, e->pidx);
    mark_code_page(m, p2, e->pidx2);
    e->gen = m->page_gen[e->pidx];
    e->gen2 = m->page_gen[e->pidx2];
    e->mode_key = (u16)(c->decode_key + 1u);
    e->insn = *i;
}
