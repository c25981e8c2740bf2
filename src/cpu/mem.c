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
#include <stdlib.h>
#include <string.h>

#include "../machine/machine.h"
#include "cpu.h"
#include "cpumodel.h"
#include "block.h"
#include "debug.h"
#include "../machine/debugger.h"
#include "gpa.h"
#include "tlb_victim.h"

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

/* Tagged TLB (SDM Vol. 3 4.10.1, 29.4.1): one set of TLBs and jump caches per translation
 * context, the context being the VPID (0 in root operation or with "enable VPID" = 0), the
 * PCID (0 with CR4.PCIDE = 0) and the EP4TA (0 without EPT), plus the paging-mode bits the
 * cached permissions depend on (`mode`: an entry holds the result of a permission check).
 * Switching context points c->tlb_user/tlb_super/jc_user/jc_super at another set, so the
 * lookups in cpu.h and exec.c do not change. -tlb exact keeps TLB_SETS_EXACT sets, replaced
 * least recently used; strict keeps up to TLB_SETS_STRICT (never replaced below that); flush
 * keeps one, so every context change and invalidation drops everything. */
#define TLB_SETS_EXACT 4
#define TLB_SETS_STRICT 64
#define TLB_FILL_LOG 1024
#define TLB_SMAP_LOG 16

struct tlb_ctx {
    u64 ep4ta;
    u16 vpid, pcid;
};
struct tlb_set {
    struct tlb t[2];           /* user, supervisor */
    u8 global[2][3][TLB_SIZE]; /* the entry caches a global translation (4.10.2.4) */
    struct jump_cache jc[2];   /* user, supervisor */
    struct tlb_ctx ctx;
    u64 mode;   /* tlb_mode_now() its entries were filled under */
    u64 used;   /* c->tlb_clock when last selected (LRU) */
    bool dirty; /* may hold entries */
    /* The slots that may hold entries (filled since the set was last emptied, or kept by a
     * partial flush), as (user/super * 3 + kind) * TLB_SIZE + index, up to TLB_FILL_LOG
     * (nfilled past it: too many to list). Emptying a set that a few pages went through,
     * as VPID 0's at each VM entry and exit without VPID (29.4.3.3), or flushing the
     * non-global entries at a context switch (MOV CR3), visits those slots instead of all
     * 6144. */
    u16 nfilled;
    u16 filled[TLB_FILL_LOG];
    /* Supervisor read and write entries for user pages, filled while CR4.SMAP and
     * RFLAGS.AC were 1 (as codes of filled[]), up to TLB_SMAP_LOG (smap_n past it: too
     * many): when AC returns to 0 only these stop being allowed (4.6.1), so only they are
     * dropped, and not the whole TLB at every CLAC. */
    u8 smap_n;
    u16 smap_fill[TLB_SMAP_LOG];
    struct tlb_victims *victims; /* -tlb strict: what fills evicted (tlb_victim.h) */
    /* Entries split from a large page, one per 4-KiB page used, as SDM Vol. 3 4.10.2.3
     * allows: which large pages (hashed, one filter per size: tlb_large_bucket) had some, since
     * the set was last emptied. INVLPG of any address in such a page must drop all of them
     * (4.10.4.1), so it drops every entry of the page's range (tlb_set_drop_page). */
    bool any_large;
    u64 large[3][TLB_LARGE_BUCKETS / 64]; /* by size, as in tlb_large_shifts */
    /* The words of large[] made nonzero since it was last cleared, up to TLB_LARGE_LOG
     * (nlarge past it: too many), so that emptying the set, as at every VM entry and exit
     * without VPID, clears those and not all of it. */
    u8 nlarge;
    u16 large_log[TLB_LARGE_LOG];
};

/* The large page sizes: 2 MiB, 4 MiB (32-bit paging), 1 GiB. */
static const unsigned tlb_large_shifts[3] = {21, 22, 30};

static unsigned tlb_large_bucket(u64 lin, unsigned shift)
{
    u64 n = lin >> shift;
    return (unsigned)(n ^ (n >> 12)) & (TLB_LARGE_BUCKETS - 1);
}
static u64 *tlb_large_word(struct tlb_set *s, u64 lin, unsigned shift)
{
    unsigned row = 0;
    while (tlb_large_shifts[row] != shift) row++;
    return &s->large[row][tlb_large_bucket(lin, shift) / 64];
}
static bool tlb_large_may_hold(struct tlb_set *s, u64 lin, unsigned shift)
{
    return s->any_large && ((*tlb_large_word(s, lin, shift) >> (tlb_large_bucket(lin, shift) % 64)) & 1);
}

/* RFLAGS.AC is not among them: entries that depend on it are logged (smap_fill). */
static u64 tlb_mode_now(const struct cpu *c)
{
    return (c->cr0 & (CR0_PG | CR0_WP | CR0_PE)) | (c->efer & (EFER_NXE | EFER_LMA)) |
           ((c->cr4 & (CR4_PAE | CR4_PSE | CR4_PGE | CR4_SMEP | CR4_SMAP | CR4_LA57 | CR4_PKE))
            << 32);
}

static struct tlb_ctx tlb_ctx_now(const struct cpu *c)
{
    struct tlb_ctx x = {.ep4ta = c->tlb_ep4ta, .vpid = c->tlb_vpid};
    x.pcid = (c->cr4 & CR4_PCIDE) ? (u16)(c->cr3 & 0xfff) : 0; /* 4.10.1 */
    return x;
}

static bool tlb_ctx_eq(const struct tlb_ctx *a, const struct tlb_ctx *b)
{
    return a->ep4ta == b->ep4ta && a->vpid == b->vpid && a->pcid == b->pcid;
}

static struct tlb_entry *tlb_logged(struct tlb_set *s, unsigned code)
{
    struct tlb *t = &s->t[code / (3 * TLB_SIZE)];
    struct tlb_entry *a[3] = {t->read, t->write, t->exec};
    return &a[code / TLB_SIZE % 3][code % TLB_SIZE];
}

static void tlb_set_clear(struct cpu *c, struct tlb_set *s)
{
    /* Every lookup compares the tag first, so an entry is empty once its tag is 0; global[]
     * matters only beside a tag, and each fill sets it. */
    if (s->nfilled > TLB_FILL_LOG)
        memset(s->t, 0, sizeof s->t);
    else
        for (unsigned k = 0; k < s->nfilled; k++)
            tlb_logged(s, s->filled[k])->tag = 0;
    s->nfilled = 0;
    s->smap_n = 0;
    if (s->victims) tlb_victim_clear(s->victims);
    if (s->nlarge > TLB_LARGE_LOG)
        memset(s->large, 0, sizeof s->large);
    else
        for (unsigned k = 0; k < s->nlarge; k++) (&s->large[0][0])[s->large_log[k]] = 0;
    s->nlarge = 0;
    s->any_large = false;
    jump_cache_empty(&s->jc[0]);
    jump_cache_empty(&s->jc[1]);
    s->mode = tlb_mode_now(c);
    s->dirty = false;
}

static void tlb_select(struct cpu *c, struct tlb_set *s)
{
    c->tlb_cur = s;
    s->used = ++c->tlb_clock;
    s->dirty = true;
    c->tlb_user = &s->t[0];
    c->tlb_super = &s->t[1];
    c->jc_user = &s->jc[0];
    c->jc_super = &s->jc[1];
    c->tlb = c->cpl == 3 ? c->tlb_user : c->tlb_super;
    c->jc = c->cpl == 3 ? c->jc_user : c->jc_super;
}

bool tlb_init(struct cpu *c, enum tlb_policy policy)
{
    c->tlb_policy = (u8)policy;
    c->tlb_sets = calloc(TLB_SETS_STRICT, sizeof *c->tlb_sets);
    if (!c->tlb_sets || !(c->tlb_sets[0] = calloc(1, sizeof(struct tlb_set)))) {
        free(c->tlb_sets);
        c->tlb_sets = NULL;
        return false;
    }
    c->tlb_nsets = 1;
    jump_cache_restamp(&c->tlb_sets[0]->jc[0]); /* never 0 (block.h) */
    jump_cache_restamp(&c->tlb_sets[0]->jc[1]);
    tlb_select(c, c->tlb_sets[0]);
    return true;
}

void tlb_free(struct cpu *c)
{
    for (unsigned k = 0; k < c->tlb_nsets; k++) {
        free(c->tlb_sets[k]->victims);
        free(c->tlb_sets[k]);
    }
    free(c->tlb_sets);
    c->tlb_sets = NULL;
    c->tlb_nsets = 0;
}

void tlb_switch(struct cpu *c)
{
    struct tlb_ctx x = tlb_ctx_now(c);
    struct tlb_set *pick = NULL, *lru = NULL;
    for (unsigned k = 0; k < c->tlb_nsets && !pick; k++) {
        struct tlb_set *s = c->tlb_sets[k];
        if (tlb_ctx_eq(&s->ctx, &x))
            pick = s;
        else if (!lru || s->used < lru->used)
            lru = s;
    }
    if (!pick) {
        unsigned cap = c->tlb_policy == TLB_STRICT  ? TLB_SETS_STRICT
                       : c->tlb_policy == TLB_EXACT ? TLB_SETS_EXACT
                                                    : 1;
        struct tlb_set *s = c->tlb_nsets < cap ? calloc(1, sizeof *s) : NULL;
        if (s) c->tlb_sets[c->tlb_nsets++] = s;
        pick = s ? s : lru;
        tlb_set_clear(c, pick);
        pick->ctx = x;
    }
    u64 mode = tlb_mode_now(c);
    if (pick->mode != mode) { /* its permissions were checked under another mode */
        if (pick->dirty) tlb_set_clear(c, pick);
        pick->mode = mode;
    }
    tlb_select(c, pick);
}

void tlb_transition(struct cpu *c, bool vpid_off)
{
    /* Pages holding a data breakpoint never enter the TLB (debug.c): the DR7 a transition
     * loads may watch pages another context cached. */
    if (c->tlb_policy == TLB_FLUSH || (c->dr[7] & DR7_ENABLE_MASK))
        tlb_flush_all(c);
    else if (vpid_off)
        tlb_invalidate(c, 0, TLB_ANY, TLB_ANY, TLB_ANY, TLB_DROP_ALL); /* 29.4.3.3 */
    tlb_switch(c);
}

void tlb_flush_all(struct cpu *c)
{
    if (!c->vmx_nonroot) c->tlb_vpid = 0, c->tlb_ep4ta = 0; /* e.g. reset left VMX operation */
    for (unsigned k = 0; k < c->tlb_nsets; k++) {
        struct tlb_set *s = c->tlb_sets[k];
        if (s->dirty || s == c->tlb_cur) tlb_set_clear(c, s);
    }
    c->tlb_cur->ctx = tlb_ctx_now(c);
    tlb_select(c, c->tlb_cur);
}

static bool tlb_tag_match(u64 want, u64 have)
{
    return want == TLB_ANY || (want == TLB_NONZERO ? have != 0 : want == have);
}

static bool tlb_keep(const struct tlb_set *s, int t, int kind, unsigned k, enum tlb_which which)
{
    bool g = s->global[t][kind][k];
    return which == TLB_KEEP_GLOBAL ? g : which == TLB_ONLY_GLOBAL ? !g : false;
}

/* Every entry for a page in the large page of 2^shift bytes at lin (SDM Vol. 3 4.10.4.1:
 * INVLPG drops all the entries of a large page), 4-KiB ones too, which is allowed, and
 * the jump caches, whose blocks may lie on any of its pages. */
static void tlb_set_drop_large(struct tlb_set *s, u64 lin, unsigned shift, enum tlb_which which)
{
    u64 base = lin & ~((1ull << shift) - 1);
    u64 pages = 1ull << (shift - 12), n = pages < TLB_SIZE ? pages : TLB_SIZE;
    for (u64 p = 0; p < n; p++) {
        unsigned k = tlb_index(base + (p << 12));
        for (int t = 0; t < 2; t++) {
            struct tlb_entry *e[3] = {&s->t[t].read[k], &s->t[t].write[k], &s->t[t].exec[k]};
            for (int kind = 0; kind < 3; kind++)
                if (e[kind]->tag && ((e[kind]->tag ^ base) >> shift) == 0 &&
                    !tlb_keep(s, t, kind, k, which))
                    e[kind]->tag = 0;
        }
    }
    if (s->victims) tlb_victim_drop(s->victims, 0, which);
    jump_cache_empty(&s->jc[0]);
    jump_cache_empty(&s->jc[1]);
}

static void tlb_set_drop_page(struct tlb_set *s, u64 lin, enum tlb_which which)
{
    for (unsigned n = 0; n < ARRAY_LEN(tlb_large_shifts); n++)
        if (tlb_large_may_hold(s, lin, tlb_large_shifts[n])) tlb_set_drop_large(s, lin, tlb_large_shifts[n], which);
    unsigned k = tlb_index(lin);
    u64 tag = tlb_tag(lin);
    for (int t = 0; t < 2; t++) {
        struct tlb_entry *e[3] = {&s->t[t].read[k], &s->t[t].write[k], &s->t[t].exec[k]};
        for (int kind = 0; kind < 3; kind++)
            if (e[kind]->tag == tag && !tlb_keep(s, t, kind, k, which)) e[kind]->tag = 0;
        if (t == 0 && s->victims) tlb_victim_drop(s->victims, tag, which);
        if (!jump_cache_may_hold(&s->jc[t], lin)) continue;
        /* A link to a block on the page may outlive the page's entries (one evicted by
         * another fill): the filter's bit, set by the fill, stays till the cache is emptied. */
        jump_cache_restamp(&s->jc[t]);
        for (unsigned j = 0; j < JUMP_CACHE_SIZE; j++) /* blocks lie within one page */
            if (s->jc[t].e[j].b && ((s->jc[t].e[j].key ^ s->jc[t].tag ^ lin) & ~0xfffull) == 0)
                s->jc[t].e[j].b = NULL;
    }
}

/* Drop the entry in slot `code` (as in filled[]) unless `which` keeps it; a kept one goes
 * into the log at *kept, while there is room (the log may be the one being read: *kept
 * never passes the index being read). */
static void drop_or_keep(struct tlb_set *s, unsigned code, enum tlb_which which, unsigned *kept)
{
    struct tlb_entry *e = tlb_logged(s, code);
    if (!e->tag) return;
    if (!tlb_keep(s, (int)(code / (3 * TLB_SIZE)), (int)(code / TLB_SIZE % 3), code % TLB_SIZE, which)) {
        e->tag = 0;
        return;
    }
    if (*kept < TLB_FILL_LOG) s->filled[*kept] = (u16)code;
    (*kept)++;
}

static void tlb_set_drop(struct cpu *c, struct tlb_set *s, enum tlb_which which)
{
    if (which == TLB_DROP_ALL) {
        tlb_set_clear(c, s);
        return;
    }
    /* Only logged slots can hold entries, unless the log overflowed; either way the log
     * then lists the entries that stay, if it can. */
    unsigned kept = 0;
    if (s->nfilled <= TLB_FILL_LOG)
        for (unsigned n = 0; n < s->nfilled; n++) drop_or_keep(s, s->filled[n], which, &kept);
    else
        for (unsigned code = 0; code < 6 * TLB_SIZE; code++) drop_or_keep(s, code, which, &kept);
    s->nfilled = (u16)(kept <= TLB_FILL_LOG ? kept : TLB_FILL_LOG + 1);
    if (s->victims) tlb_victim_drop(s->victims, 0, which);
    jump_cache_empty(&s->jc[0]);
    jump_cache_empty(&s->jc[1]);
}

void tlb_invalidate(struct cpu *c, u64 vpid, u64 pcid, u64 ep4ta, u64 lin, enum tlb_which which)
{
    if (c->tlb_policy == TLB_FLUSH) {
        tlb_flush_all(c);
        return;
    }
    for (unsigned k = 0; k < c->tlb_nsets; k++) {
        struct tlb_set *s = c->tlb_sets[k];
        if (!s->dirty || !tlb_tag_match(vpid, s->ctx.vpid) || !tlb_tag_match(pcid, s->ctx.pcid) ||
            !tlb_tag_match(ep4ta, s->ctx.ep4ta))
            continue;
        if (lin == TLB_ANY)
            tlb_set_drop(c, s, which);
        else
            tlb_set_drop_page(s, lin, which);
    }
}

/* MOV CR3 without PCIDs, and the callers that mean "all but global pages" of the current
 * VPID and PCID (SDM 4.10.4.1; 29.4.3.1: all EP4TAs). */
void tlb_flush_nonglobal(struct cpu *c)
{
    struct tlb_ctx x = tlb_ctx_now(c);
    tlb_invalidate(c, x.vpid, x.pcid, TLB_ANY, TLB_ANY, TLB_KEEP_GLOBAL);
}

/* INVLPG: the page for the current PCID, and its global translations for every PCID
 * (SDM 4.10.4.1), of the current VPID for all EP4TAs (29.4.3.1). */
void tlb_flush_page(struct cpu *c, u64 lin)
{
    struct tlb_ctx x = tlb_ctx_now(c);
    tlb_invalidate(c, x.vpid, x.pcid, TLB_ANY, lin, TLB_DROP_ALL);
    tlb_invalidate(c, x.vpid, TLB_ANY, TLB_ANY, lin, TLB_ONLY_GLOBAL);
}

void tlb_smap_ac_cleared(struct cpu *c)
{
    if (c->tlb_policy == TLB_STRICT) { /* evicted entries may hold user pages too */
        tlb_flush_all(c);
        return;
    }
    for (unsigned k = 0; k < c->tlb_nsets; k++) {
        struct tlb_set *s = c->tlb_sets[k];
        if (s->smap_n > TLB_SMAP_LOG) {
            tlb_set_clear(c, s);
            continue;
        }
        for (unsigned n = 0; n < s->smap_n; n++) tlb_logged(s, s->smap_fill[n])->tag = 0;
        s->smap_n = 0;
    }
}

void tlb_clear_jump_caches(struct cpu *c)
{
    for (unsigned k = 0; k < c->tlb_nsets; k++)
        for (int t = 0; t < 2; t++) {
            memset(&c->tlb_sets[k]->jc[t], 0, sizeof c->tlb_sets[k]->jc[t]);
            jump_cache_restamp(&c->tlb_sets[k]->jc[t]);
        }
}

/* Drop write entries for a physical page that now holds decoded code, in every processor
 * and every set, so the next store to it reaches phys_code_written(). */
void tlb_drop_writes_to(struct machine *m, u64 phys_page)
{
    for (int n = 0; n < m->ncpus; n++) {
        struct cpu *c = m->cpus[n];
        for (unsigned s = 0; s < c->tlb_nsets; s++) {
            if (!c->tlb_sets[s]->dirty) continue;
            if (c->tlb_sets[s]->victims) tlb_victim_drop_writes(c->tlb_sets[s]->victims, phys_page);
            struct tlb *ts = c->tlb_sets[s]->t;
            for (int t = 0; t < 2; t++)
                for (unsigned k = 0; k < TLB_SIZE; k++)
                    if (ts[t].write[k].tag && ts[t].write[k].phys == phys_page)
                        ts[t].write[k].tag = 0;
        }
    }
}

/* Linear to guest-physical (the page walk, or with CR0.PG = 0 the linear address itself,
 * 32 bits wide), then the final translation of that guest-physical address (gpa.h): the one
 * place both paged and unpaged accesses meet EPT (SDM Vol. 3 29.3.2). *writable says
 * whether the TLB may cache a write. Returns false only with ACC_NOFAULT. */
static bool lin_to_phys(struct cpu *c, u64 lin, int acc, u64 *phys, bool *writable, bool *global,
                        bool *user, u8 *page_shift)
{
    u64 gpa;
    *global = false;
    *user = false;
    *page_shift = 12;
    struct gpa_why why = {.lin = lin, .acc = acc, .user = true, .writable = true, .pat = 6};
    if (!(c->cr0 & CR0_PG)) {
        gpa = lin & 0xffffffffull;
        *writable = true;
    } else {
        struct walk_result r;
        if (!paging_walk(c, lin, acc, &r)) return false;
        gpa = r.gpa | (lin & 0xfff);
        *writable = r.writable;
        *global = r.global;
        *user = r.user;
        *page_shift = r.page_shift;
        why.user = r.user;
        why.writable = r.rw;
        why.nx = r.xd;
        why.pat = r.pat;
    }
    return gpa_to_hpa_final(c, gpa, &why, phys, writable);
}

bool lin_translate(struct cpu *c, u64 lin, int acc, u64 *phys)
{
    bool writable, global, user;
    u8 page_shift;
    return lin_to_phys(c, lin, acc, phys, &writable, &global, &user, &page_shift);
}

/* Translate and, for RAM, fill the TLB entry. Returns the host pointer of the byte at lin,
 * or NULL (with *phys set) when the page is not RAM. */
/* Fill the TLB slot `e` of set `s` (`where`: user/supervisor * 3 + kind). With -tlb strict
 * the entry it evicts is kept among the set's victims (tlb_victim.h). */
static void tlb_store(struct cpu *c, struct tlb_set *s, struct tlb_entry *e, unsigned where,
                      const struct tlb_entry *val, bool global)
{
    unsigned k = (unsigned)(e - tlb_logged(s, where * TLB_SIZE)); /* the slot's index */
    if (c->tlb_policy == TLB_STRICT && e->tag && e->tag != val->tag) {
        if (!s->victims) s->victims = calloc(1, sizeof *s->victims);
        if (s->victims) tlb_victim_put(s->victims, e, where, s->global[where / 3][where % 3][k]);
    }
    s->global[where / 3][where % 3][k] = global;
    s->dirty = true; /* also after an invalidation emptied the set in use (INVPCID type 2) */
    if (s->nfilled < TLB_FILL_LOG) s->filled[s->nfilled] = (u16)(where * TLB_SIZE + k);
    if (s->nfilled <= TLB_FILL_LOG) s->nfilled++;
    *e = *val;
}

static u8 *translate_fill(struct cpu *c, u64 lin, int acc, u64 *phys)
{
    bool writable, global, user;
    struct tlb_set *s = c->tlb_cur;
    struct tlb *t = tlb_for(c, acc);
    struct tlb_entry *e = &tlb_array(t, acc)[tlb_index(lin)];
    int kind = (acc & 3) == ACC_WRITE ? 1 : (acc & 3) == ACC_EXEC ? 2 : 0;
    unsigned where = (unsigned)((t == c->tlb_super) * 3 + kind);
    /* -tlb strict: a translation a conflicting fill evicted is still cached (4.10.2). Not
     * with breakpoints armed, whose pages never enter the TLB. */
    struct tlb_entry old;
    if (unlikely(s->victims) && !(c->dr[7] & DR7_ENABLE_MASK) &&
        tlb_victim_take(s->victims, tlb_tag(lin), where, &old, &global)) {
        tlb_store(c, s, e, where, &old, global);
        *phys = old.phys | (lin & 0xfff);
        return (u8 *)(uintptr_t)(lin + old.addend);
    }
    u8 page_shift;
    lin_to_phys(c, lin, acc & ~ACC_NOFAULT, phys, &writable, &global, &user, &page_shift);
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
    if ((acc & 3) != ACC_EXEC && unlikely(c->m->dbg_watch) && dbg_page_watched(c, lin))
        return host + (lin & 0xfff); /* likewise a debugger's watchpoint (debugger.h) */
    const struct tlb_entry val = {tlb_tag(lin), (uintptr_t)host - (uintptr_t)(lin & ~0xfffull),
                                  page_phys};
    tlb_store(c, s, e, where, &val, global);
    if (page_shift > 12) { /* a part of a large page: INVLPG must find all (tlb_set_drop_page) */
        u64 *w = tlb_large_word(s, lin, page_shift);
        if (!*w) {
            if (s->nlarge < TLB_LARGE_LOG) s->large_log[s->nlarge] = (u16)(w - &s->large[0][0]);
            if (s->nlarge <= TLB_LARGE_LOG) s->nlarge++;
        }
        *w |= 1ull << (tlb_large_bucket(lin, page_shift) % 64);
        s->any_large = true;
    }
    if (user && where >= 3 && kind != 2 && (c->cr4 & CR4_SMAP)) { /* allowed: AC was 1 */
        if (s->smap_n < TLB_SMAP_LOG) s->smap_fill[s->smap_n] = (u16)(where * TLB_SIZE + tlb_index(lin));
        if (s->smap_n <= TLB_SMAP_LOG) s->smap_n++;
    }
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
    if (unlikely(c->m->dbg_watch)) dbg_data_access(c, lin, size, acc);
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
    if (unlikely(c->m->dbg_watch)) dbg_data_access(c, lin, size, acc);
    u64 phys;
    u8 *host = translate_fill(c, lin, acc, &phys);
    (void)host;
    phys_write(c->m, c, phys, size, val);
}

/* Host pointer for the n bytes (n >= 1) at lin, on one page, when the TLB holds the page
 * for this access: then each byte's lin_read/lin_write would take the TLB's fast path too
 * (RAM or open bus; no breakpoint or watchpoint; for writes, no decoded code), so one copy
 * does the same. NULL otherwise. */
static u8 *tlb_span(struct cpu *c, u64 lin, size_t n, int acc)
{
    const struct tlb_entry *e = &tlb_array(tlb_for(c, acc), acc)[tlb_index(lin)];
    if (e->tag != tlb_tag_of(lin + n - 1)) return NULL; /* also when the span leaves the page */
    return (u8 *)(uintptr_t)(lin + e->addend);
}

/* Bytes of the n at lin that lie on lin's page. */
static inline size_t page_part(u64 lin, size_t n)
{
    size_t room = PAGE_SIZE - (lin & 0xfff);
    return n < room ? n : room;
}

/* Byte by byte, in effect: a page the TLB holds is copied at once (tlb_span), anything
 * else goes a byte at a time, the first of which fills the TLB for the rest. */
void lin_read_bytes(struct cpu *c, u64 lin, void *buf, size_t n, int acc)
{
    u8 *p = buf;
    while (n) {
        size_t k = page_part(lin, n);
        const u8 *h = tlb_span(c, lin, k, acc);
        if (h) {
            memcpy(p, h, k);
        } else {
            k = 1;
            *p = (u8)lin_read(c, lin, 1, acc);
        }
        lin += k, p += k, n -= k;
    }
}

void lin_write_bytes(struct cpu *c, u64 lin, const void *buf, size_t n, int acc)
{
    acc |= ACC_WRITE;
    /* Probe every page first: the store is all-or-nothing with respect to #PF. A page the
     * write TLB holds is writable already. */
    u64 phys;
    for (u64 a = lin, left = n; left;) {
        size_t k = page_part(a, left);
        if (!tlb_span(c, a, k, acc)) lin_translate(c, a, acc, &phys);
        a += k, left -= k;
    }
    const u8 *p = buf;
    while (n) {
        size_t k = page_part(lin, n);
        u8 *h = tlb_span(c, lin, k, acc);
        if (h) {
            memcpy(h, p, k);
        } else {
            k = 1;
            lin_write(c, lin, 1, *p, acc);
        }
        lin += k, p += k, n -= k;
    }
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
