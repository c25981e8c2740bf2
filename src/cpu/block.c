/* The decoded-code cache (see block.h). Blocks live in one arena; when it fills, the whole
 * cache is dropped and refilled, which is cheaper than tracking individual frees. */
#include <stdlib.h>

#include "../machine/machine.h"
#include "block.h"

#define HASH_SIZE 16384
#define ARENA_SIZE (32u << 20)

struct block_cache {
    struct block *hash[HASH_SIZE];
    u8 *arena;
    size_t used;
};

struct block_cache *block_cache_create(void)
{
    struct block_cache *bc = calloc(1, sizeof *bc);
    if (!bc) return NULL;
    bc->arena = malloc(ARENA_SIZE);
    if (!bc->arena) {
        free(bc);
        return NULL;
    }
    return bc;
}

void block_cache_destroy(struct block_cache *bc)
{
    if (!bc) return;
    free(bc->arena);
    free(bc);
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

void jump_cache_empty(struct jump_cache *jc)
{
    if (jc->nfilled > JUMP_CACHE_LOG) {
        memset(jc, 0, sizeof *jc);
        return;
    }
    for (unsigned k = 0; k < jc->nfilled; k++) /* a lookup needs b; lin may stay */
        jc->e[jc->filled[k]].b = NULL;
    memset(jc->pages, 0, sizeof jc->pages);
    jc->nfilled = 0;
}

void jump_cache_clear(struct cpu *c)
{
    if (c->jc_user) memset(c->jc_user, 0, sizeof *c->jc_user);
    if (c->jc_super) memset(c->jc_super, 0, sizeof *c->jc_super);
}

static void flush_all(struct machine *m, struct block_cache *bc)
{
    memset(bc->hash, 0, sizeof bc->hash);
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

const struct block *block_lookup(struct cpu *c, u64 phys, u8 *host)
{
    struct machine *m = c->m;
    struct block_cache *bc = m->blocks;
    u64 pidx = phys_page_index(m, phys);
    unsigned key = c->decode_key;
    unsigned h = hash_of(phys, key);
    for (struct block **pp = &bc->hash[h]; *pp;) {
        struct block *b = *pp;
        if (b->phys == phys && b->mode_key == key) {
            if (b->gen == m->page_gen[pidx]) return b;
            *pp = b->next; /* stale: code on the page was overwritten */
            continue;
        }
        pp = &b->next;
    }

    size_t need = sizeof(struct block) + BLOCK_MAX_INSNS * sizeof(struct insn);
    if (bc->used + need > ARENA_SIZE) {
        flush_all(m, bc);
    }
    struct block *b = (struct block *)(bc->arena + bc->used);
    b->phys = phys;
    b->pidx = pidx;
    b->mode_key = (u16)key;
    b->n = 0;
    b->bytes = 0;

    if (!m->code_page[pidx]) {
        m->code_page[pidx] = 1;
        tlb_drop_writes_to(m, phys & ~0xfffull);
    }
    b->gen = m->page_gen[pidx];

    unsigned room = room_at(c, phys);
    while (b->n < BLOCK_MAX_INSNS) {
        struct fetch_ctx f = {host + b->bytes, room - b->bytes, false};
        struct insn *i = &b->insn[b->n];
        if (f.room == 0) break;
        decode_insn(c, c->decode_key, fetch_in_page, &f, i);
        if (f.overflow) break; /* crosses the page or the limit: decoded alone later */
        b->n++;
        b->bytes += i->len;
        bool end = decode_ends_block(i, key == 8);
        insn_specialize(i, key == 8);
        if (end) break;
    }
    if (b->n == 0) return NULL;
    bc->used += sizeof(struct block) + b->n * sizeof(struct insn);
    bc->used = (bc->used + 15) & ~(size_t)15;
    b->next = bc->hash[h];
    bc->hash[h] = b;
    return b;
}
