/* Instructions that cross onto the next page are decoded once and kept (block.c:
 * cross_lookup), since no block can hold them. The kept form must give way whenever
 * fetching the bytes afresh would give something else: a store to either page
 * (self-modifying code), the second page mapped elsewhere, a CS limit that now cuts the
 * instruction (SDM Vol. 3 5.3: #GP when an instruction's last byte is beyond the limit). */
#include "check.h"
#include "harness.h"

#define CROSS_AT 0xffdu          /* ADD EAX, imm32: bytes 0xffd..0x1001 of the code */
#define PAGE2 (HARNESS_CODE + 0x1000u)
#define PAGE2_ALIAS 0x300000u    /* another physical page for the second page's bytes */
#define PT4K 0x23000u            /* 4 KiB page table for the first 2 MiB (long mode) */

/* The loop: ECX = 100 down to 1, EAX += imm32 with the ADD crossing the page. With smc,
 * the loop stores 02h over the immediate's high byte (on the second page) in the pass
 * with ECX = 51, and 03h over its low byte (first page) in the pass with ECX = 26.
 * via_page2: enter through a jump on the second page, so that its translation is in the
 * TLB before the ADD runs. Returns the code's length. */
static size_t build(u8 *p, bool smc, bool via_page2)
{
    memset(p, 0x90, 0x1040);
    u32 first = via_page2 ? 0x1030 : 0xff0;
    p[0] = 0xe9; /* jmp first */
    store_le(p + 1, 4, first - 5);
    static const u8 loop[] = {
        0xb9, 0x64, 0, 0, 0,             /* 0xff0  mov ecx, 100 */
        0x31, 0xc0,                      /* 0xff5  xor eax, eax */
        0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
        0x05, 0x01, 0x01, 0x01, 0x01,    /* 0xffd  add eax, 0x01010101 (crosses) */
        0x83, 0xf9, 0x33,                /* 0x1002 cmp ecx, 51 */
        0x75, 0x08,                      /* 0x1005 jne 0x100f */
        0xbb, 0x01, 0x10, 0x01, 0x00,    /* 0x1007 mov ebx, 0x11001 */
        0xc6, 0x03, 0x02,                /* 0x100c mov byte [ebx], 2 */
        0x83, 0xf9, 0x1a,                /* 0x100f cmp ecx, 26 */
        0x75, 0x08,                      /* 0x1012 jne 0x101c */
        0xbb, 0xfe, 0x0f, 0x01, 0x00,    /* 0x1014 mov ebx, 0x10ffe */
        0xc6, 0x03, 0x03,                /* 0x1019 mov byte [ebx], 3 */
        0xff, 0xc9,                      /* 0x101c dec ecx */
        0x75, 0xdd,                      /* 0x101e jnz 0xffd */
        0xf4,                            /* 0x1020 hlt */
    };
    memcpy(p + 0xff0, loop, sizeof loop);
    if (!smc) p[0x1004] = p[0x1011] = 0x7f; /* compare with 127: never equal */
    p[0x1030] = 0xe9; /* jmp 0xff0 */
    store_le(p + 0x1031, 4, (u32)(0xff0 - 0x1035));
    return 0x1035;
}

static u32 sum(u32 imm, unsigned n) { return imm * n; }

static void test_loop(enum cpu_mode mode, const char *name)
{
    static u8 code[0x1040];
    struct harness *h = harness_new(mode);
    char n[80];
    size_t len = build(code, true, false);
    /* Twice: the second run finds the instruction kept from the first, with the bytes the
     * first run's stores left, so it is rebuilt here first (harness_run copies it in). */
    for (int run = 0; run < 2; run++) {
        int r = harness_run(h, code, len, 10000);
        snprintf(n, sizeof n, "%s/smc/run%d", name, run);
        CHECK_EQ(n, (u32)h->c->r[RAX],
                 sum(0x01010101, 50) + sum(0x02010101, 25) + sum(0x02010103, 25));
        snprintf(n, sizeof n, "%s/smc/run%d-hlt", name, run);
        CHECK(n, r == -1, "stopped with %d", r);
    }
    harness_free(h);
}

/* Long mode with the first 2 MiB in 4 KiB pages: after a run, the second code page is
 * mapped to another physical page holding other bytes (immediate high byte 05h). */
static void test_remap(void)
{
    static u8 code[0x1040];
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    for (u64 k = 0; k < 512; k++) {
        u64 pte = (k << 12) | 7;
        phys_copy_in(h->m, PT4K + k * 8, &pte, 8);
    }
    u64 pde = PT4K | 7;
    phys_copy_in(h->m, HARNESS_PT + 0x2000, &pde, 8);
    tlb_flush_all(c);
    size_t len = build(code, false, true);
    int r = harness_run(h, code, len, 10000);
    CHECK_EQ("long/remap/before", (u32)c->r[RAX], sum(0x01010101, 100));
    CHECK("long/remap/before-hlt", r == -1, "stopped with %d", r);

    u8 alias[0x40];
    memcpy(alias, code + 0x1000, sizeof alias);
    alias[1] = 0x05;
    phys_copy_in(h->m, PAGE2_ALIAS, alias, sizeof alias);
    u64 pte = PAGE2_ALIAS | 7;
    phys_copy_in(h->m, PT4K + (PAGE2 >> 12) * 8, &pte, 8);
    tlb_flush_all(c); /* as INVLPG would; the jump on the second page refills it */
    r = harness_resume(h, 10000);
    CHECK_EQ("long/remap/after", (u32)c->r[RAX], sum(0x05010101, 100));
    CHECK("long/remap/after-hlt", r == -1, "stopped with %d", r);
    harness_free(h);
}

/* 32-bit code: after the instruction was kept under a 4 GiB limit, a limit that ends on
 * the second page's first byte cuts it: #GP(0) at the ADD, with nothing retired. */
static void test_limit(void)
{
    static u8 code[0x1040];
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    size_t len = build(code, false, false);
    int r = harness_run(h, code, len, 10000);
    CHECK_EQ("prot/limit/before", (u32)c->r[RAX], sum(0x01010101, 100));
    c->seg[SEG_CS].limit = PAGE2;
    r = harness_resume(h, 10000);
    CHECK("prot/limit/gp", r == EXC_GP, "stopped with %d", r);
    CHECK_EQ("prot/limit/rip", c->rip, HARNESS_CODE + CROSS_AT);
    CHECK_EQ("prot/limit/eax", (u32)c->r[RAX], 0);
    harness_free(h);
}

int main(void)
{
    test_loop(MODE_PROT, "prot");
    test_loop(MODE_LONG, "long");
    test_remap();
    test_limit();
    return check_exit();
}
