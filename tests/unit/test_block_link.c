/* A block remembers the blocks it went on with (src/cpu/block.h: link), valid while the
 * jump cache they came through keeps its stamp. A remapped page must end a link: the same
 * CALL (the sentinel's link), or the same Jcc taken out of its block (the other link), run
 * again after the page under its target changed, reaches the new code. Three ways the
 * mapping changes: INVLPG of the page, INVLPG after the page's jump cache entry was
 * evicted by another address with the same index (only the page filter still knows the
 * page), and MOV CR3. */
#include "harness.h"
#include "check.h"

#define PT 0x300000u  /* page table for 0x600000-0x7fffff (identity-mapped data) */
#define Y 0x600000u   /* the CALL's target page: phys Q1, then Q2 */
#define Y2 0x601001u  /* same jump-cache index as Y (block.h jump_cache_index) */
#define Q1 0x400000u  /* mov eax,1; ret */
#define Q2 0x401000u  /* mov eax,2; ret */
#define Q3 0x402000u  /* Y2's page: ret at offset 1 */

static int run_variant(const char *name, const u8 *remap, size_t remap_len, bool jcc)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    u64 pde = PT | 7, pte_y = Q1 | 3, pte_y2 = Q3 | 3;
    phys_copy_in(h->m, HARNESS_PT + 0x2000 + (Y >> 21) * 8, &pde, 8);
    phys_copy_in(h->m, PT, &pte_y, 8);
    phys_copy_in(h->m, PT + 8, &pte_y2, 8);
    static const u8 q1[] = {0xb8, 1, 0, 0, 0, 0xc3}, q2[] = {0xb8, 2, 0, 0, 0, 0xc3}, ret = 0xc3;
    phys_copy_in(h->m, Q1, q1, sizeof q1);
    phys_copy_in(h->m, Q2, q2, sizeof q2);
    phys_copy_in(h->m, Q3 + 1, &ret, 1);

    /*    xor ebx,ebx; mov ecx,6
     * l: call Y; add ebx,eax; dec ecx; cmp ecx,3; jne s; <remap>
     * s: test ecx,ecx; jnz l; hlt        (ebx: three calls to Q1, three to Q2) */
    u8 code[128];
    size_t n = 0, l, jne;
    static const u8 head[] = {0x31, 0xdb, 0xb9, 6, 0, 0, 0};
    memcpy(code, head, sizeof head), n = sizeof head;
    l = n;
    u32 rel;
    if (jcc) { /* push the return address; cmp eax,eax; je Y: a branch out of the block */
        u32 back = HARNESS_CODE + (u32)n + 13;
        code[n++] = 0x68;
        memcpy(code + n, &back, 4), n += 4;
        code[n++] = 0x39, code[n++] = 0xc0, code[n++] = 0x0f, code[n++] = 0x84;
    } else {
        code[n++] = 0xe8;
    }
    rel = (u32)(Y - (HARNESS_CODE + n + 4));
    memcpy(code + n, &rel, 4), n += 4;
    static const u8 mid[] = {0x01, 0xc3, 0xff, 0xc9, 0x83, 0xf9, 0x03, 0x75, 0x00};
    memcpy(code + n, mid, sizeof mid), n += sizeof mid;
    jne = n - 1;
    for (size_t k = 0; k < remap_len; k++, n++) {
        code[n] = remap[k];
        if (remap[k] == 0xe8 && k + 5 <= remap_len && remap[k + 1] == 0xee) { /* call Y2 */
            rel = (u32)(Y2 - (HARNESS_CODE + n + 5));
            memcpy(code + n + 1, &rel, 4);
            n += 4, k += 4;
        }
    }
    code[jne] = (u8)(n - jne - 1);
    code[n++] = 0x85, code[n++] = 0xc9, code[n++] = 0x75;
    code[n] = (u8)(l - (n + 1)), n++;
    int r = harness_run(h, code, n, 10000);
    char what[64];
    snprintf(what, sizeof what, "block_link.%s.ran", name);
    CHECK(what, r == -1, "r=%d rip=%#llx", r, (unsigned long long)c->rip);
    snprintf(what, sizeof what, "block_link.%s.ebx", name);
    CHECK_EQ(what, c->r[RBX] & 0xffffffff, 9);
    harness_free(h);
    return 0;
}

/* A block's end goes on with the next block only where the executor would: POPF that
 * sets TF ends its block, and the single-step trap must come after the one instruction
 * that follows, in the next block (SDM Vol. 3 18.3.1.4), not after a chain of them. The
 * code runs once without TF first, so that the next block is known to the jump cache.
 * pushfq; or [rsp],rbx; popfq; mov eax,1; mov eax,2; mov eax,3; hlt */
static void popf_tf(void)
{
    struct harness *h = harness_new(MODE_LONG);
    static const u8 code[] = {0x9c, 0x48, 0x09, 0x1c, 0x24, 0x9d, 0xb8, 1, 0, 0, 0,
                              0xb8, 2, 0, 0, 0, 0xb8, 3, 0, 0, 0, 0xf4};
    h->c->r[RBX] = 0;
    int r = harness_run(h, code, sizeof code, 1000);
    CHECK_EQ("block_link.popf_tf.first_run", r, -1);
    h->c->r[RBX] = FL_TF;
    h->c->r[RSP] = HARNESS_STACK;
    r = harness_resume(h, 1000);
    CHECK_EQ("block_link.popf_tf.vector", r, EXC_DB);
    CHECK_EQ("block_link.popf_tf.eax", h->c->r[RAX] & 0xffffffff, 1);
    harness_free(h);
}

int main(void)
{
    popf_tf();
    /* mov qword [PT], Q2|3 */
    #define REMAP 0x48, 0xc7, 0x04, 0x25, 0x00, 0x00, 0x30, 0x00, 0x03, 0x10, 0x40, 0x00
    #define INVLPG_Y 0x0f, 0x01, 0x3c, 0x25, 0x00, 0x00, 0x60, 0x00
    static const u8 invlpg[] = {REMAP, INVLPG_Y};
    static const u8 evicted[] = {REMAP, 0xe8, 0xee, 0, 0, 0, INVLPG_Y}; /* call Y2 first */
    static const u8 cr3[] = {REMAP, 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8}; /* mov rax,cr3; mov cr3,rax */
    run_variant("invlpg", invlpg, sizeof invlpg, false);
    run_variant("invlpg_evicted", evicted, sizeof evicted, false);
    run_variant("mov_cr3", cr3, sizeof cr3, false);
    /* The same with a Jcc taken out of its block instead of the CALL (link[LINK_OUT]). */
    run_variant("jcc_invlpg", invlpg, sizeof invlpg, true);
    run_variant("jcc_invlpg_evicted", evicted, sizeof evicted, true);
    run_variant("jcc_mov_cr3", cr3, sizeof cr3, true);
    return check_exit();
}
