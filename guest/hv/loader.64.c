/* Guests from multiboot modules. Each module is an image with an hvabi.h header and a
 * command line ("[path] name=NAME budget=N ..."; the guest reads all of it at
 * HV_CMDLINE_GPA). A guest gets HV_GUEST_MEM bytes of host memory from HV_GUEST_BASE on,
 * its image copied in, a GDT and TSS, for a 64-bit guest an identity map of 4 GiB,
 * its EPT and its VMCS. */
#include "hv.h"

#define HV_GUEST_BASE 0x2000000ull /* above the VMX library's page pool (16-32 MiB) */
#define HV_DEFAULT_BUDGET 400      /* time slices (sched.64.c) */
#define MBI_MODS (1u << 3)

struct mb_module {
    u32 start, end, string, reserved;
};

struct image_header {
    u32 magic, mode, load, entry;
};

/* Value of "key=" in a command line, copied up to a space. */
static int option(const char *cmd, const char *key, char *out, int size)
{
    int klen = (int)strlen(key);
    for (const char *p = cmd; *p; p++) {
        if ((p == cmd || p[-1] == ' ') && !memcmp(p, key, klen)) {
            int n = 0;
            for (p += klen; *p && *p != ' ' && n < size - 1; p++)
                out[n++] = *p;
            out[n] = 0;
            return 1;
        }
    }
    return 0;
}

static u64 number(const char *s)
{
    u64 v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (u64)(*s++ - '0');
    return v;
}

static void gdt_and_tss(struct guest *g)
{
    u64 *gdt = gpa_ptr(g, HV_GDT_GPA);
    gdt[0] = 0;
    gdt[HV_SEL_CODE32 >> 3] = 0x00cf9b000000ffffull;
    gdt[HV_SEL_DATA >> 3] = 0x00cf93000000ffffull;
    gdt[HV_SEL_CODE64 >> 3] = 0x00af9b000000ffffull;
    /* busy TSS at HV_TSS_GPA, limit 0x67 (16 bytes: the upper half is base 63:32 = 0) */
    gdt[HV_SEL_TSS >> 3] = 0x67 | ((u64)HV_TSS_GPA << 16) | (0x8bull << 40);
    gdt[(HV_SEL_TSS >> 3) + 1] = 0;
}

static void identity_map(struct guest *g)
{
    u64 *pml4 = gpa_ptr(g, HV_PML4_GPA), *pdpt = gpa_ptr(g, HV_PML4_GPA + 0x1000);
    pml4[0] = (HV_PML4_GPA + 0x1000) | 3;
    for (u64 i = 0; i < 4; i++) {
        u64 pd_gpa = HV_PML4_GPA + 0x2000 + i * 0x1000;
        u64 *pd = gpa_ptr(g, pd_gpa);
        pdpt[i] = pd_gpa | 3;
        for (u64 j = 0; j < 512; j++)
            pd[j] = (i << 30) + (j << 21) + 0x83; /* 2 MiB, RW, P */
    }
}

/* EPT without unrestricted guest: an identity page directory of 4 MiB pages (SDM 4.3),
 * user and writable, accessed and dirty already, for the times its CR0.PG is 0
 * (paging.64.c). It is the guest's own page, so only the guest can spoil it. */
static void identity_pd(struct guest *g)
{
    u32 *pd = (u32 *)ept_map_extra(g, HV_IDMAP_GPA);
    for (u32 i = 0; i < 1024; i++)
        pd[i] = (i << 22) | 0xe7; /* P, RW, US, A, D, PS */
}

static void load_one(struct mb_module *m, u64 ram_end)
{
    const char *cmd = m->string ? (const char *)(u64)m->string : "";
    char name[16], val[24];
    if (!option(cmd, "name=", name, sizeof name)) snprintf(name, sizeof name, "g%d", hv.n + 1);
    struct image_header *h = (void *)(u64)m->start;
    u32 size = m->end - m->start;
    if (size < sizeof *h || h->magic != HV_IMAGE_MAGIC ||
        (h->mode != 16 && h->mode != 32 && h->mode != 64)) {
        printf("hv: module %s is not a guest image\n", name);
        return;
    }
    u32 load = h->mode == 16 ? HV_RM_BASE : h->load;
    if (load < 0x8000 || load + size > (h->mode == 16 ? 0x100000 : HV_GUEST_MEM)) {
        printf("hv: guest %s does not fit in its memory\n", name);
        return;
    }
    if (hv.n == HV_MAX_GUESTS) {
        printf("hv: skipping guest %s: at most %d guests\n", name, HV_MAX_GUESTS);
        return;
    }
    struct guest *g = &hv.g[hv.n];
    memset(g, 0, sizeof *g);
    g->id = hv.n + 1;
    g->mem = HV_GUEST_BASE + (u64)hv.n * HV_GUEST_MEM;
    if (g->mem + HV_GUEST_MEM > ram_end) {
        printf("hv: skipping guest %s: out of memory\n", name);
        return;
    }
    if (m->end > 0x1000000 && m->start < g->mem + HV_GUEST_MEM) {
        printf("hv: skipping guest %s: its module lies in the hypervisor's memory\n", name);
        return;
    }
    memcpy(g->name, name, sizeof name);
    g->mode = h->mode;
    g->budget = option(cmd, "budget=", val, sizeof val) ? number(val) : HV_DEFAULT_BUDGET;
    memset((void *)g->mem, 0, HV_GUEST_MEM);
    memcpy((void *)(g->mem + load), h, size);
    int n = 0;
    for (char *c = gpa_ptr(g, HV_CMDLINE_GPA); cmd[n] && n < HV_CMDLINE_MAX - 1; n++)
        c[n] = cmd[n];
    memcpy(g->cmdline, gpa_ptr(g, HV_CMDLINE_GPA), n);
    gdt_and_tss(g);
    if (g->mode == 64) identity_map(g);
    pic_init(&g->pic);
    g->state = G_RUNNABLE;
    if (hv.cpu.ept) g->eptp = ept_build(g);
    if (hv.cpu.ept && !hv.cpu.ug) identity_pd(g);
    g->guest_cr3 = g->mode == 64 ? HV_PML4_GPA : 0;
    hv.n++;
    if (hv_vmcs_create(g)) {
        printf("hv: guest %s: VMCLEAR/VMPTRLD failed\n", name);
        hv.n--;
        return;
    }
    if (g->mode != 16) vmw(GUEST_RIP, h->entry);
    printf("hv: guest %s: %u-bit, %u bytes at 0x%x\n", g->name, g->mode, size, load);
}

int hv_load_guests(struct multiboot_info *mbi)
{
    if (!(mbi->flags & MBI_MODS) || !mbi->mods_count) {
        printf("hv: no guests: give them as multiboot modules\n");
        return 0;
    }
    u64 ram_end = 0x100000ull + (u64)mbi->mem_upper * 1024;
    struct mb_module *m = (void *)(u64)mbi->mods_addr;
    for (u32 i = 0; i < mbi->mods_count; i++)
        load_one(&m[i], ram_end);
    return hv.n;
}
