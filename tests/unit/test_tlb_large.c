/* INVLPG of any address in a large page drops every TLB entry of that page (SDM Vol. 3
 * 4.10.4.1), also the 4-KiB entries the TLB split it into (4.10.2.3). The harness maps its
 * first GiB with 2-MiB pages. Two pages of one 2-MiB page are used (data read from both,
 * code run on one), the page's PDE is pointed elsewhere, and INVLPG names the other 4-KiB
 * page: the next data read and the next call must see the new mapping. */
#include "harness.h"
#include "check.h"

#define REGION 0x600000u /* PDE 3 */
#define OTHER 0xa00000u  /* where PDE 3 points next */
#define PDE3 (HARNESS_PT + 0x2000 + 3 * 8)

int main(void)
{
    static const char *const pol[] = {"exact", "strict"};
    static const enum tlb_policy pols[] = {TLB_EXACT, TLB_STRICT};
    for (unsigned p = 0; p < 2; p++) {
        struct harness *h = harness_new(MODE_LONG);
        struct cpu *c = h->c;
        c->tlb_policy = (u8)pols[p];
        u64 old = 0x01d, new = 0x2e7;
        phys_copy_in(h->m, REGION + 0x1000, &old, 8);
        phys_copy_in(h->m, OTHER + 0x1000, &new, 8);
        /* At +0x2000 of each: mov eax, 1 (old) / mov eax, 2 (new); ret */
        static const u8 f1[] = {0xb8, 1, 0, 0, 0, 0xc3}, f2[] = {0xb8, 2, 0, 0, 0, 0xc3};
        phys_copy_in(h->m, REGION + 0x2000, f1, sizeof f1);
        phys_copy_in(h->m, OTHER + 0x2000, f2, sizeof f2);
        /*    mov ecx, 2
         * l: mov rbx,[REGION+0x1000]; mov rdx,[REGION]; mov r8d,REGION+0x2000; call r8
         *    dec ecx; jz done
         *    mov qword [PDE3], OTHER|0x87; invlpg [REGION]; jmp l
         * done: hlt                                     (the second turn reads the new page) */
        static const u8 code[] = {
            0xb9, 2, 0, 0, 0,
            0x48, 0x8b, 0x1c, 0x25, 0x00, 0x10, 0x60, 0x00,
            0x48, 0x8b, 0x14, 0x25, 0x00, 0x00, 0x60, 0x00,
            0x41, 0xb8, 0x00, 0x20, 0x60, 0x00,
            0x41, 0xff, 0xd0,
            0xff, 0xc9, 0x74, 0x16,
            0x48, 0xc7, 0x04, 0x25, PDE3 & 0xff, (PDE3 >> 8) & 0xff, PDE3 >> 16, 0x00,
            0x87, 0x00, 0xa0, 0x00,
            0x0f, 0x01, 0x3c, 0x25, 0x00, 0x00, 0x60, 0x00,
            0xeb, 0xcd,
            0xf4};
        int r = harness_run(h, code, sizeof code, 1000);
        char name[64];
        snprintf(name, sizeof name, "tlb_large.%s.ran", pol[p]);
        CHECK(name, r == -1, "r=%d rip=%#llx", r, (unsigned long long)c->rip);
        snprintf(name, sizeof name, "tlb_large.%s.data", pol[p]);
        CHECK_EQ(name, c->r[RBX], new);
        snprintf(name, sizeof name, "tlb_large.%s.code", pol[p]);
        CHECK_EQ(name, c->r[RAX] & 0xffffffff, 2);
        harness_free(h);
    }
    return check_exit();
}
