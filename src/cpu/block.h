/* Decoded-code cache: runs of decoded instructions ("blocks") keyed by the physical
 * address of their first byte and the decode mode. A block never crosses a page; it is
 * valid while its page's generation counter (machine.page_gen) is unchanged, so a store
 * to the page invalidates every block on it at once. */
#ifndef VP_BLOCK_H
#define VP_BLOCK_H

#include "insn.h"

#define BLOCK_MAX_INSNS 48

/* A block went on with block `to` at linear address `rip`, as the jump cache with stamp
 * `stamp` held it: valid while that cache's stamp is the same (struct jump_cache). */
struct block_link {
    const struct block *to;
    u64 rip, stamp;
};
enum { LINK_END, LINK_OUT };

struct block {
    u64 phys;      /* physical address of the first instruction */
    u64 pidx;      /* RAM page index: a write there stops the block (phys_code_written) */
    u16 mode_key;  /* decode mode (struct cpu's decode_key); BLOCK_DEAD once its page was
                    * written, so the executor's mode check also rejects stale blocks */
    u16 n;         /* instructions */
    u32 bytes;     /* bytes covered by the instructions */
    struct block *next;
    struct block *page_next; /* the other blocks decoded from this page */
    /* The blocks it last went on with (exec.c thread_chain): [LINK_END] from its sentinel,
     * [LINK_OUT] from a branch out of it (a Jcc taken), kept apart so that a block that
     * leaves both ways keeps both. */
    struct block_link link[2];
    struct insn insn[]; /* n records, then a sentinel whose tfn is thread_end (insn.h) */
};

struct block_cache;
struct machine;

/* Per-processor, per-privilege map from the linear address of an instruction to its block,
 * so the common case needs neither a TLB lookup nor a hash walk. Emptied with the TLB
 * (whose translations it embodies) and when the block arena is recycled.
 *
 * Emptying starts a new epoch instead of writing 4096 entries (a kernel with page-table
 * isolation flushes its non-global translations at many context switches): an entry's key
 * is its linear address xor'ed with `tag`, the epoch in bits 63:57. No two canonical
 * addresses (57- or 48-bit, or below 4 GiB outside 64-bit mode) differ in those bits
 * alone, so a key of an older epoch matches no address; the entries are written only when
 * the 128 epochs wrap around. */
#define JUMP_CACHE_SIZE 4096
#define JUMP_CACHE_LOG 64
#define JUMP_CACHE_BUCKETS 4096
struct jump_cache {
    struct {
        u64 key; /* lin ^ tag */
        const struct block *b;
    } e[JUMP_CACHE_SIZE];
    u64 tag;
    /* Changes whenever an entry may leave the cache (emptied, a page dropped), and unique
     * over every cache in the process: a block's link (struct block) made through this
     * cache holds while the stamp it took is still this cache's. Never 0, the stamp of
     * no link. */
    u64 stamp;
    /* Which pages (hashed into JUMP_CACHE_BUCKETS buckets) may have entries, set at each
     * fill and cleared with the cache: dropping one page (INVLPG) scans the cache only when
     * its bucket is set, instead of on every invalidation. A kernel runs code from hundreds
     * of pages and invalidates mostly data pages, so the buckets must outnumber the code
     * pages by far for the filter to pass most INVLPGs. */
    u64 pages[JUMP_CACHE_BUCKETS / 64];
    /* The indexes filled since the cache was last emptied, up to JUMP_CACHE_LOG (nfilled
     * past it: too many to list), so emptying a cache that a few blocks went through, as
     * at each VM entry and exit without VPID, clears their bits of the page filter and
     * not all of it. */
    u16 nfilled;
    u16 filled[JUMP_CACHE_LOG];
};
static inline unsigned jump_cache_index(u64 lin)
{
    return (unsigned)(lin ^ (lin >> 12)) & (JUMP_CACHE_SIZE - 1);
}
static inline unsigned jump_cache_bucket(u64 lin)
{
    return (unsigned)((lin >> 12) ^ (lin >> 24)) & (JUMP_CACHE_BUCKETS - 1);
}
static inline void jump_cache_fill(struct jump_cache *jc, unsigned idx, u64 lin, const struct block *b)
{
    jc->e[idx].key = lin ^ jc->tag;
    jc->e[idx].b = b;
    jc->pages[jump_cache_bucket(lin) / 64] |= 1ull << (jump_cache_bucket(lin) % 64);
    if (jc->nfilled < JUMP_CACHE_LOG) jc->filled[jc->nfilled] = (u16)idx;
    if (jc->nfilled <= JUMP_CACHE_LOG) jc->nfilled++;
}
/* The block the jump cache holds for linear address lin in the current decode mode, or
 * NULL. A block whose page was written has mode_key BLOCK_DEAD (block_page_written). */
static inline const struct block *jump_cache_find(const struct jump_cache *jc, unsigned idx, u64 lin,
                                                  unsigned decode_key)
{
    const struct block *b = jc->e[idx].b;
    if (!b || jc->e[idx].key != (lin ^ jc->tag) || b->mode_key != decode_key) return NULL;
    return b;
}
static inline bool jump_cache_may_hold(const struct jump_cache *jc, u64 lin)
{
    return (jc->pages[jump_cache_bucket(lin) / 64] >> (jump_cache_bucket(lin) % 64)) & 1;
}
/* Empty one jump cache: a new epoch, and the page filter's bits (those of the fills its
 * log lists, or all of them). */
void jump_cache_empty(struct jump_cache *jc);
/* A new stamp for jc: the links made through it no longer hold. */
void jump_cache_restamp(struct jump_cache *jc);

#define BLOCK_DEAD 0xffff /* no decode_key has this value */
struct block_cache *block_cache_create(u64 pages);
/* Code on RAM page pidx was overwritten: its blocks die (mode_key BLOCK_DEAD). */
void block_page_written(struct block_cache *bc, u64 pidx);
void block_cache_destroy(struct block_cache *bc);
/* The block at the current instruction, decoding it if needed; NULL when the instruction
 * must be decoded and run alone (crosses a page, or is fetched from non-RAM). */
const struct block *block_lookup(struct cpu *c, u64 phys, u8 *host);
/* An instruction that crosses onto the next page, decoded earlier at physical address phys
 * (linear lin) in the current mode, while both pages are unchanged and still mapped as
 * then; NULL: decode it alone (and cross_remember it after it ran). */
const struct insn *cross_lookup(struct cpu *c, u64 lin, u64 phys);
void cross_remember(struct cpu *c, u64 lin, u64 phys, const struct insn *i);
/* Drop write TLB entries for a physical page in every processor (mem.c). */
void tlb_drop_writes_to(struct machine *m, u64 phys_page);
/* Host pointer for executing at linear address lin, through the execute TLB; NULL if the
 * page is not RAM. Sets *phys. Raises #PF. */
u8 *fetch_host(struct cpu *c, u64 lin, u64 *phys);

#endif
