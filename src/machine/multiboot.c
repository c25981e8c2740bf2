/* Multiboot 1 loader (Multiboot Specification 0.6.96), QEMU-compatible in the details a
 * kernel can observe: the command line starts with the kernel's path, modules are
 * page-aligned after the kernel and the boot information follows the last module.
 *
 * Everything is validated before guest memory is touched, so a bad image leaves the
 * machine as it was and produces one line saying what is wrong. */
#include <stdio.h>
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "e820.h"
#include "elf.h"
#include "loader.h"
#include "machine.h"
#include "multiboot.h"

struct module {
    const char *string; /* "file args", handed to the guest as the module's string */
    u8 *data;
    size_t len;
    u64 start;
};

static u32 rd32(const u8 *p) { return (u32)load_le(p, 4); }
static u64 page_up(u64 a) { return (a + PAGE_SIZE - 1) & ~(u64)(PAGE_SIZE - 1); }

/* --- Header ---------------------------------------------------------------------- */

/* Find the header: the first 4-byte aligned magic in the first 8 KiB whose checksum
 * makes magic + flags + checksum == 0. A magic with a bad checksum may be a stray
 * constant, so the search goes on, but it is what we report if nothing better turns up. */
static int find_header(const char *path, const u8 *img, size_t len, size_t *hoff, char *err,
                       size_t errlen)
{
    long bad = -1;
    size_t limit = len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT;
    for (size_t o = 0; o + 12 <= limit; o += MB_HEADER_ALIGN) {
        if (rd32(img + o) != MB_HEADER_MAGIC) continue;
        if ((u32)(rd32(img + o) + rd32(img + o + 4) + rd32(img + o + 8)) == 0) {
            *hoff = o;
            return 0;
        }
        if (bad < 0) bad = (long)o;
    }
    if (bad >= 0)
        return loader_error(err, errlen, "%s: multiboot header at offset 0x%lx has a bad checksum",
                            path, bad);
    return loader_error(err, errlen,
                        "%s: not a multiboot kernel (no multiboot header in the first %u bytes)",
                        path, MB_SEARCH_LIMIT);
}

bool multiboot_has_header(const u8 *img, size_t len)
{
    size_t hoff;
    return find_header("", img, len, &hoff, NULL, 0) == 0;
}

/* --- Image layouts ----------------------------------------------------------------- */

/* a.out kludge: the header's address fields say where the file goes (spec 3.1.3). */
static int layout_aout(const char *path, const u8 *img, size_t len, size_t hoff,
                       struct kimage *k, char *err, size_t errlen)
{
    if (hoff + 32 > MB_SEARCH_LIMIT || hoff + 32 > len)
        return loader_error(err, errlen, "%s: truncated multiboot header (address fields missing)",
                            path);
    const u8 *h = img + hoff;
    u64 header_addr = rd32(h + MBH_HEADER_ADDR), load_addr = rd32(h + MBH_LOAD_ADDR);
    u64 load_end = rd32(h + MBH_LOAD_END_ADDR), bss_end = rd32(h + MBH_BSS_END_ADDR);
    /* header_addr - load_addr is the header's offset from the start of the text, which
     * tells where the text begins in the file. */
    if (header_addr < load_addr || header_addr - load_addr > hoff)
        return loader_error(err, errlen,
                            "%s: multiboot header_addr 0x%llx and load_addr 0x%llx do not match "
                            "the header's file offset 0x%zx", path, (unsigned long long)header_addr,
                            (unsigned long long)load_addr, hoff);
    size_t text_off = hoff - (size_t)(header_addr - load_addr);
    u64 size;
    if (load_end == 0) {
        size = len - text_off; /* text and data occupy the rest of the file */
    } else {
        if (load_end < load_addr)
            return loader_error(err, errlen, "%s: multiboot load_end_addr 0x%llx is below load_addr 0x%llx",
                                path, (unsigned long long)load_end, (unsigned long long)load_addr);
        size = load_end - load_addr;
        if (size > len - text_off)
            return loader_error(err, errlen,
                                "%s: truncated: load_end_addr needs %llu bytes from offset 0x%zx, "
                                "the file has %zu", path, (unsigned long long)size, text_off, len);
    }
    u64 memsz = size;
    if (bss_end != 0) {
        if (bss_end < load_addr + size)
            return loader_error(err, errlen, "%s: multiboot bss_end_addr 0x%llx is below the end of the "
                                "loaded image 0x%llx", path, (unsigned long long)bss_end,
                                (unsigned long long)(load_addr + size));
        memsz = bss_end - load_addr;
    }
    k->seg[0] = (struct kseg){ .paddr = load_addr, .memsz = memsz, .off = text_off, .filesz = size };
    k->nseg = 1;
    k->entry = rd32(h + MBH_ENTRY_ADDR);
    return 0;
}

/* ELF32 or ELF64 executable: PT_LOAD segments go to their physical addresses. */
static int layout_elf(const char *path, const u8 *img, size_t len, struct kimage *k, char *err,
                      size_t errlen)
{
    struct elf_file f;
    if (elf_open(path, img, len, &f, err, errlen) || elf_layout(path, &f, k, err, errlen)) return -1;
    /* Higher-half kernels link at a virtual address and load at a physical one; the
     * entry is then virtual and moves with its segment (what GRUB does). */
    u64 entry = f.entry;
    for (int n = 0; n < k->nseg; n++) {
        const struct kseg *s = &k->seg[n];
        if (entry >= s->vaddr && entry - s->vaddr < s->memsz) {
            entry = entry - s->vaddr + s->paddr;
            break;
        }
    }
    if (entry >= FOUR_GB)
        return loader_error(err, errlen, "%s: ELF entry point 0x%llx is not below 4 GiB", path,
                            (unsigned long long)entry);
    k->entry = entry;
    return 0;
}

/* Every piece must land in memory the guest will be told is RAM. */
static int check_placement(struct machine *m, const char *path, struct kimage *k, char *err,
                           size_t errlen)
{
    if (kimage_check_ram(m, path, k, err, errlen)) return -1;
    /* The spec only asks for a physical address; it need not be inside a segment (a
     * kernel may jump into code it placed itself), but it must at least be RAM. */
    if (!e820_usable(m, k->entry, 1))
        return loader_error(err, errlen, "%s: entry point 0x%llx is not in usable RAM", path,
                            (unsigned long long)k->entry);
    return 0;
}

/* --- Modules ----------------------------------------------------------------------- */

/* Split "file args,file2 args" (",," stands for a literal comma, as in QEMU) into
 * strings. Returns the count, or -1. `buf` receives the unescaped copies. */
static int split_modules(const char *list, char *buf, struct module *mods, char *err,
                         size_t errlen)
{
    int n = 0;
    char *out = buf;
    const char *p = list;
    for (;;) {
        char *start = out;
        while (*p && !(*p == ',' && p[1] != ',')) {
            if (*p == ',') p++; /* ",," */
            *out++ = *p++;
        }
        *out++ = 0;
        if (*start == 0 || *start == ' ')
            return loader_error(err, errlen, "empty module file name in module list '%s'", list);
        if (n == MB_MAX_MODULES)
            return loader_error(err, errlen, "more than %d modules", MB_MAX_MODULES);
        mods[n++].string = start;
        if (!*p) break;
        p++;
    }
    return n;
}

static void free_modules(struct module *mods, int n)
{
    for (int k = 0; k < n; k++) free(mods[k].data);
}

/* --- Boot information block -------------------------------------------------------- */

/* The block after the last module: GDT, info structure, mmap, module list, strings. */
enum { BLK_GDT = 0, BLK_INFO = 64, BLK_MMAP = BLK_INFO + 128 };

static u32 put_str(u8 *blk, size_t *pos, u64 base, const char *s)
{
    size_t n = strlen(s) + 1;
    memcpy(blk + *pos, s, n);
    u32 addr = (u32)(base + *pos);
    *pos += n;
    return addr;
}

int multiboot_load_image(struct machine *m, const char *path, const u8 *img, size_t len,
                         const char *cmdline, const char *modules, char *err, size_t errlen)
{
    size_t hoff = 0;
    if (find_header(path, img, len, &hoff, err, errlen)) return -1;
    u32 flags = rd32(img + hoff + MBH_FLAGS);
    u32 unknown = flags & MBH_F_REQUIRED_MASK & ~MBH_F_KNOWN;
    if (unknown)
        return loader_error(err, errlen, "%s: multiboot header requires unsupported features (flags 0x%x)",
                            path, unknown);

    struct kimage k = { .nseg = 0 };
    int rc;
    if (flags & MBH_F_AOUT_KLUDGE) /* the address fields override any executable header */
        rc = layout_aout(path, img, len, hoff, &k, err, errlen);
    else if (len >= 4 && memcmp(img, "\x7f" "ELF", 4) == 0)
        rc = layout_elf(path, img, len, &k, err, errlen);
    else
        rc = loader_error(err, errlen, "%s: multiboot kernel is not ELF and has no a.out address fields",
                          path);
    if (rc || check_placement(m, path, &k, err, errlen)) return -1;

    /* Modules: read them all before writing anything. */
    struct module mods[MB_MAX_MODULES];
    char *modbuf = NULL;
    int nmods = 0;
    if (modules && *modules) {
        modbuf = malloc(strlen(modules) + 2);
        if (!modbuf) return loader_error(err, errlen, "out of memory");
        nmods = split_modules(modules, modbuf, mods, err, errlen);
        if (nmods < 0) {
            free(modbuf);
            return -1;
        }
    }
    int loaded = 0;
    u64 next = page_up(k.end);
    for (; loaded < nmods; loaded++) {
        struct module *md = &mods[loaded];
        char name[4096];
        size_t nl = strcspn(md->string, " ");
        if (nl >= sizeof name) {
            rc = loader_error(err, errlen, "module file name too long");
            goto fail;
        }
        memcpy(name, md->string, nl);
        name[nl] = 0;
        if (load_file(name, "module", m->ram_size, &md->data, &md->len, err, errlen)) goto fail;
        md->start = next;
        if (!e820_usable(m, md->start, md->len ? md->len : 1)) {
            loader_error(err, errlen, "module '%s' (%zu bytes) does not fit in RAM after the kernel",
                         name, md->len);
            loaded++;
            goto fail;
        }
        next = page_up(md->start + md->len);
    }

    /* Size the boot information block. */
    struct e820_entry map[E820_MAX];
    int nmap = e820_build(m, map);
    size_t mods_off = BLK_MMAP + (size_t)nmap * MBMM_ENTRY;
    size_t str_off = mods_off + (size_t)nmods * MBM_SIZE;
    size_t cmd_len = strlen(path) + 1 + (cmdline ? strlen(cmdline) : 0) + 1;
    size_t blk_len = str_off + cmd_len + sizeof MB_BOOT_LOADER_NAME;
    for (int n = 0; n < nmods; n++) blk_len += strlen(mods[n].string) + 1;
    u64 blk_base = next;
    if (!e820_usable(m, blk_base, blk_len)) {
        loader_error(err, errlen, "%s: kernel, modules and boot information do not fit in RAM", path);
        goto fail;
    }
    u8 *blk = calloc(1, blk_len);
    if (!blk) {
        loader_error(err, errlen, "out of memory");
        goto fail;
    }

    /* Kernel and modules into guest memory. */
    kimage_copy_in(m, img, &k);
    for (int n = 0; n < nmods; n++) phys_copy_in(m, mods[n].start, mods[n].data, mods[n].len);

    /* The block itself. */
    size_t pos = str_off;
    u8 *info = blk + BLK_INFO;
    store_le(info + MBI_FLAGS, 4, MBI_F_MEM | MBI_F_CMDLINE | MBI_F_MODS | MBI_F_MMAP |
                                      MBI_F_BOOT_LOADER_NAME);
    store_le(info + MBI_MEM_LOWER, 4, E820_LOW_END / 1024);
    store_le(info + MBI_MEM_UPPER, 4, (m->ram_below_4g - E820_HIGH_START) / 1024);
    /* QEMU always inserts the space, even with no -append. */
    char *kcmd = malloc(cmd_len);
    if (!kcmd) {
        free(blk);
        loader_error(err, errlen, "out of memory");
        goto fail;
    }
    snprintf(kcmd, cmd_len, "%s %s", path, cmdline ? cmdline : "");
    store_le(info + MBI_CMDLINE, 4, put_str(blk, &pos, blk_base, kcmd));
    free(kcmd);
    store_le(info + MBI_MODS_COUNT, 4, (u32)nmods);
    store_le(info + MBI_MODS_ADDR, 4, blk_base + mods_off);
    for (int n = 0; n < nmods; n++) {
        u8 *e = blk + mods_off + (size_t)n * MBM_SIZE;
        store_le(e + MBM_START, 4, mods[n].start);
        store_le(e + MBM_END, 4, mods[n].start + mods[n].len);
        store_le(e + MBM_STRING, 4, put_str(blk, &pos, blk_base, mods[n].string));
    }
    store_le(info + MBI_MMAP_LENGTH, 4, (u32)nmap * MBMM_ENTRY);
    store_le(info + MBI_MMAP_ADDR, 4, blk_base + BLK_MMAP);
    for (int n = 0; n < nmap; n++) {
        u8 *e = blk + BLK_MMAP + (size_t)n * MBMM_ENTRY;
        store_le(e + MBMM_SIZE, 4, MBMM_ENTRY - 4);
        store_le(e + MBMM_BASE, 8, map[n].base);
        store_le(e + MBMM_LENGTH, 8, map[n].len);
        store_le(e + MBMM_TYPE, 4, map[n].type);
    }
    store_le(info + MBI_BOOT_LOADER_NAME, 4, put_str(blk, &pos, blk_base, MB_BOOT_LOADER_NAME));
    phys_copy_in(m, blk_base, blk, blk_len);
    free(blk);
    boot_write_gdt(m, (u32)blk_base + BLK_GDT);

    /* Machine state at entry (spec 3.2). */
    struct cpu *c = m->cpus[0];
    boot_enter_pm32(c, (u32)blk_base + BLK_GDT, (u32)k.entry);
    c->r[RAX] = MB_BOOT_MAGIC;
    c->r[RBX] = blk_base + BLK_INFO;

    free_modules(mods, nmods);
    free(modbuf);
    return 0;

fail:
    free_modules(mods, loaded);
    free(modbuf);
    return -1;
}

int multiboot_load(struct machine *m, const char *path, const char *cmdline,
                   const char *modules, char *err, size_t errlen)
{
    u8 *img;
    size_t len;
    if (load_file(path, "kernel", m->ram_size + MB_SEARCH_LIMIT, &img, &len, err, errlen)) return -1;
    int rc = multiboot_load_image(m, path, img, len, cmdline, modules, err, errlen);
    free(img);
    return rc;
}
