/* -tlb strict keeps every translation the architecture lets a processor keep (SDM Vol. 3
 * 4.10.2, 29.4.2) until an invalidation the SDM requires removes it. The TLB arrays are
 * direct-mapped, so a fill evicts whatever held its slot; in strict mode the evicted entry
 * moves here and a later miss on its page takes it back instead of walking the paging
 * structures again, so a stale translation outlives slot conflicts as it outlives
 * transitions. One store per TLB set (translation context), allocated at its first
 * eviction: 512 buckets of 8 entries, a page's entries (user/supervisor x read/write/fetch)
 * in the bucket of its tag. Only when a bucket overflows is an entry dropped, which the
 * architecture always allows. */
#ifndef VP_TLB_VICTIM_H
#define VP_TLB_VICTIM_H

#include "cpu.h"

#define TLB_VICTIM_BUCKETS 512
#define TLB_VICTIM_WAYS 8

struct tlb_victim {
    u64 tag; /* tlb_tag_of(lin), 0 when free */
    uintptr_t addend;
    u64 phys;
    u8 where;  /* user/supervisor * 3 + kind (0 read, 1 write, 2 fetch) */
    u8 global; /* a global translation (4.10.2.4) */
};

struct tlb_victims {
    unsigned live; /* entries in use, so that empty stores cost nothing to clear or scan */
    struct tlb_victim e[TLB_VICTIM_BUCKETS][TLB_VICTIM_WAYS];
};

/* Keep an evicted entry (replacing an older one of the same page and kind). */
void tlb_victim_put(struct tlb_victims *v, const struct tlb_entry *e, unsigned where, bool global);
/* Take back the entry of `tag` and `where`: true and *e, *global filled, the entry removed. */
bool tlb_victim_take(struct tlb_victims *v, u64 tag, unsigned where, struct tlb_entry *e,
                     bool *global);
/* Invalidation: the entries of page `tag` (0: of every page) that `which` drops. */
void tlb_victim_drop(struct tlb_victims *v, u64 tag, enum tlb_which which);
/* Write entries to physical page `phys` (it now holds decoded code). */
void tlb_victim_drop_writes(struct tlb_victims *v, u64 phys);
void tlb_victim_clear(struct tlb_victims *v);

#endif
