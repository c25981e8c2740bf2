/* Shadow page tables, for processors without EPT (core2): the guest runs on tables the
 * hypervisor builds, a "virtual TLB" that maps the guest's linear pages straight to the
 * host-physical frames of its own memory. They start empty; every #PF exits (exception
 * bitmap bit 14, SDM 25.6.3) and is resolved here:
 *   - the guest's own walk (gmem.64.c) faults: the #PF is the guest's, reflected with
 *     its error code and CR2 (SDM 6.15, 27.6.1);
 *   - the walk reaches the "hypervisor info" page: the access is emulated (mmio.64.c);
 *   - the walk reaches a guest-physical address outside its memory: the guest is
 *     stopped, as an EPT violation would stop it;
 *   - else one 4 KiB shadow entry is filled with the walk's rights (U/S, R/W, XD, the
 *     leaf's PWT/PCD), after setting the guest's accessed and dirty flags as the MMU
 *     would. A page whose D flag is clear is mapped read-only, so its first write
 *     faults and sets D (SDM 4.8). A supervisor write that only CR0.WP = 0 allows maps
 *     the page writable for the supervisor alone (the real CR0.WP is 1, paging.64.c).
 * An unpaged guest (CR0.PG = 0 in its read shadow) gets the identity of its memory the
 * same way: "the guest sees PG = 0, the processor runs PG = 1". Guest large pages are
 * shadowed as 4 KiB pages. Like a TLB the shadow only ever holds what the guest's
 * tables said: a guest MOV to CR3 or CR4/CR0 paging change empties it (paging.64.c),
 * INVLPG (INVLPG exiting, SDM 25.6.2) empties the shadow page table covering the
 * address, which also covers a guest large page. VPID is off without EPT (caps.64.c),
 * so VM entries flush the processor's TLB of whatever the shadow dropped (SDM 29.4.3.1).
 * Shadow formats: 32-bit paging for a 32-bit or unpaged guest (host frames lie below
 * 4 GiB), 4-level for a guest in IA-32e mode. */
#include "hv.h"

#define SH_P 1ull
#define SH_RW 2ull
#define SH_US 4ull
#define SH_A 0x20ull
#define SH_D 0x40ull
#define SH_XD (1ull << 63)
#define SH_TABLE (SH_P | SH_RW | SH_US | SH_A) /* rights live in the leaves only */

/* A zeroed page for the shadow of g, or 0 when its share is used up. */
static u64 take(struct guest *g)
{
    struct shadow *s = &g->sh;
    if (s->used == HV_SHADOW_PAGES) return 0;
    if (!s->pages[s->used]) s->pages[s->used] = vmx_alloc_page();
    return s->pages[s->used++];
}

void shadow_flush(struct guest *g, int fmt)
{
    struct shadow *s = &g->sh;
    for (int i = 0; i < s->used; i++)
        memset((void *)s->pages[i], 0, 4096);
    s->used = 0;
    s->fmt = fmt;
    vmw(GUEST_CR3, take(g));
}

/* The shadow page table (last level) covering lin, made if make; NULL if absent. */
static void *leaf_table(struct guest *g, u64 lin, int make)
{
    struct shadow *s = &g->sh;
    int levels = s->fmt == 64 ? 4 : 2;
    u64 table = s->pages[0];
    for (int lvl = levels; lvl > 1; lvl--) {
        int shift = s->fmt == 64 ? 12 + 9 * (lvl - 1) : 22;
        u64 idx = (lin >> shift) & (s->fmt == 64 ? 511 : 1023), e;
        e = s->fmt == 64 ? ((u64 *)table)[idx] : ((u32 *)table)[idx];
        if (!(e & SH_P)) {
            if (!make || !(e = take(g))) return 0;
            e |= SH_TABLE;
            if (s->fmt == 64)
                ((u64 *)table)[idx] = e;
            else
                ((u32 *)table)[idx] = (u32)e;
        }
        table = e & 0xffffffffff000ull;
    }
    return (void *)table;
}

static int map(struct guest *g, u64 lin, u64 leaf)
{
    void *t = leaf_table(g, lin, 1);
    if (!t) return -1;
    if (g->sh.fmt == 64)
        ((u64 *)t)[(lin >> 12) & 511] = leaf;
    else
        ((u32 *)t)[(lin >> 12) & 1023] = (u32)leaf;
    return 0;
}

/* The guest's own page fault: reflected with CR2 (written before the next entry,
 * sched.64.c). A #PF while delivering a #PF is a double fault (SDM 6.15, Table 6-5). */
static int reflect(struct guest *g, u64 lin, u32 pfec)
{
    u32 idt = (u32)vmr(IDT_VECTORING_INFO);
    g->cr2 = lin;
    if ((idt & INTR_VALID) && (idt & (7u << 8)) == INTR_TYPE_HW_EXC && (idt & 0xff) == 14)
        hv_inject_exception(8, 1, 0);
    else
        hv_inject_exception(14, 1, pfec);
    return 1;
}

int shadow_page_fault(struct guest *g)
{
    u64 lin = vmr(EXIT_QUAL); /* the faulting address (SDM 28.2.1) */
    u32 acc = (u32)vmr(EXIT_INTR_ERR) & (PF_W | PF_U | PF_I);
    struct walk w;
    if (guest_walk(g, lin, acc, 1, &w)) return reflect(g, lin, w.pfec);
    u64 gpa = w.gpa;
    void *hp = gpa_ptr(g, gpa & ~0xfffull);
    if (!hp) {
        if ((gpa & ~0xfffull) == HV_INFO_GPA) {
            if (!mmio_access(g, gpa)) return 1;
            hv_stop(g, "MMIO access at gpa 0x%llx by an instruction not emulated, rip 0x%llx",
                    (unsigned long long)gpa, (unsigned long long)vmr(GUEST_RIP));
            return 0;
        }
        if (gpa == lin)
            hv_stop(g, "page fault at 0x%llx (outside its memory), rip 0x%llx",
                    (unsigned long long)lin, (unsigned long long)vmr(GUEST_RIP));
        else
            hv_stop(g, "page fault at 0x%llx (gpa 0x%llx, outside its memory), rip 0x%llx",
                    (unsigned long long)lin, (unsigned long long)gpa,
                    (unsigned long long)vmr(GUEST_RIP));
        return 0;
    }
    int user = w.u, writable = w.w && w.dirty;
    if ((acc & PF_W) && !(acc & PF_U) && !w.w) writable = 1, user = 0; /* CR0.WP = 0 */
    u64 leaf = (u64)hp | SH_P | SH_A | w.pat | (writable ? SH_RW | SH_D : 0) | (user ? SH_US : 0);
    if (g->sh.fmt == 64 && !w.x) leaf |= SH_XD;
    if (map(g, lin, leaf)) { /* out of shadow pages: start again, as a TLB may */
        shadow_flush(g, g->sh.fmt);
        map(g, lin, leaf);
    }
    return 1;
}

int shadow_invlpg(struct guest *g)
{
    void *t = leaf_table(g, vmr(EXIT_QUAL), 0); /* the linear address (SDM 28.2.1) */
    if (t) memset(t, 0, 4096);
    hv_skip_insn();
    return 1;
}
