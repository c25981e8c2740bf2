/* The jump cache's epochs (block.h): emptying a cache makes every entry miss from then on,
 * also after the 128 epochs wrap around to the tag an entry was filled under; and no
 * canonical address of another epoch matches a key. */
#include "check.h"
#include "cpu/block.h"

static bool hits(const struct jump_cache *jc, u64 lin, const struct block *b)
{
    unsigned k = jump_cache_index(lin);
    return jc->e[k].b == b && jc->e[k].key == (lin ^ jc->tag);
}

int main(void)
{
    static struct jump_cache jc;
    static struct block blk;
    const u64 kernel = 0xffffffff81000000ull, user = 0x00007fffff000000ull, low = 0x1000;
    const u64 la57 = 0xff00000000001000ull; /* canonical with 57-bit addresses only */
    jump_cache_fill(&jc, jump_cache_index(kernel), kernel, &blk);
    CHECK("jump_cache.hit", hits(&jc, kernel, &blk), "no hit");
    CHECK("jump_cache.page_filter", jump_cache_may_hold(&jc, kernel), "bit clear");
    jump_cache_empty(&jc);
    CHECK("jump_cache.emptied_misses", !hits(&jc, kernel, &blk), "hit");
    CHECK("jump_cache.emptied_filter", !jump_cache_may_hold(&jc, kernel), "bit set");
    /* In every later epoch, through the wrap back to the first tag, no address of the
     * same index matches the old entry's key. */
    bool stale = false;
    for (int n = 1; n <= 130; n++) {
        const u64 probe[] = {kernel, user ^ (kernel & 0xfff000), low, la57};
        for (size_t k = 0; k < ARRAY_LEN(probe); k++) {
            unsigned idx = jump_cache_index(kernel);
            if (jc.e[idx].b && jc.e[idx].key == (probe[k] ^ jc.tag)) stale = true;
        }
        jump_cache_empty(&jc);
    }
    CHECK("jump_cache.no_stale_hit_across_128_epochs", !stale, "a stale key matched");
    /* A fill in the new epoch hits. */
    jump_cache_fill(&jc, jump_cache_index(user), user, &blk);
    CHECK("jump_cache.refill_hits", hits(&jc, user, &blk), "no hit");
    return check_exit();
}
