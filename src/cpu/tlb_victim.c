/* The strict TLB's store of evicted translations (tlb_victim.h). */
#include <string.h>

#include "tlb_victim.h"

static struct tlb_victim *bucket(struct tlb_victims *v, u64 tag)
{
    u64 h = (tag >> 12) * 0x9e3779b97f4a7c15ull; /* Fibonacci hashing of the page number */
    return v->e[h >> (64 - 9)];                  /* 9 bits: TLB_VICTIM_BUCKETS */
}

void tlb_victim_put(struct tlb_victims *v, const struct tlb_entry *e, unsigned where, bool global)
{
    struct tlb_victim *b = bucket(v, e->tag), *slot = NULL;
    for (int k = 0; k < TLB_VICTIM_WAYS && !slot; k++)
        if (b[k].tag == e->tag && b[k].where == where) slot = &b[k];
    for (int k = 0; k < TLB_VICTIM_WAYS && !slot; k++)
        if (!b[k].tag) slot = &b[k], v->live++;
    if (!slot) { /* full: the oldest goes, which the architecture allows (4.10.2) */
        memmove(b, b + 1, (TLB_VICTIM_WAYS - 1) * sizeof *b);
        slot = &b[TLB_VICTIM_WAYS - 1];
    }
    *slot = (struct tlb_victim){e->tag, e->addend, e->phys, (u8)where, global};
}

bool tlb_victim_take(struct tlb_victims *v, u64 tag, unsigned where, struct tlb_entry *e,
                     bool *global)
{
    if (!v->live) return false;
    struct tlb_victim *b = bucket(v, tag);
    for (int k = 0; k < TLB_VICTIM_WAYS; k++)
        if (b[k].tag == tag && b[k].where == where) {
            *e = (struct tlb_entry){b[k].tag, b[k].addend, b[k].phys};
            *global = b[k].global;
            b[k].tag = 0;
            v->live--;
            return true;
        }
    return false;
}

static void drop_if(struct tlb_victims *v, struct tlb_victim *x, enum tlb_which which)
{
    bool keep = which == TLB_KEEP_GLOBAL ? x->global : which == TLB_ONLY_GLOBAL ? !x->global : false;
    if (x->tag && !keep) x->tag = 0, v->live--;
}

void tlb_victim_drop(struct tlb_victims *v, u64 tag, enum tlb_which which)
{
    if (!v->live) return;
    if (tag) {
        struct tlb_victim *b = bucket(v, tag);
        for (int k = 0; k < TLB_VICTIM_WAYS; k++)
            if (b[k].tag == tag) drop_if(v, &b[k], which);
        return;
    }
    for (unsigned i = 0; i < TLB_VICTIM_BUCKETS; i++)
        for (int k = 0; k < TLB_VICTIM_WAYS; k++) drop_if(v, &v->e[i][k], which);
}

void tlb_victim_drop_writes(struct tlb_victims *v, u64 phys)
{
    if (!v->live) return;
    for (unsigned i = 0; i < TLB_VICTIM_BUCKETS; i++)
        for (int k = 0; k < TLB_VICTIM_WAYS; k++) {
            struct tlb_victim *x = &v->e[i][k];
            if (x->tag && x->where % 3 == 1 && x->phys == phys) x->tag = 0, v->live--;
        }
}

void tlb_victim_clear(struct tlb_victims *v)
{
    if (!v->live) return;
    memset(v->e, 0, sizeof v->e);
    v->live = 0;
}
