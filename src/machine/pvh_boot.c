/* PVH loader: an uncompressed ELF kernel (Linux's vmlinux with CONFIG_PVH) started
 * through the x86/HVM direct boot ABI (Xen's docs/misc/pvh.pandoc), as QEMU's -kernel
 * does for an ELF without a multiboot header. The PT_LOAD segments go to their physical
 * addresses; the entry is the XEN_ELFNOTE_PHYS32_ENTRY note's, not e_entry; the kernel
 * gets an hvm_start_info (version 1) in EBX with the command line, the initrd as module 0,
 * the ACPI RSDP and the e820 memory map. For Linux this skips the bzImage's decompressor.
 *
 * Guest memory below 1 MiB used here (conventional RAM, as linux_boot.c uses it):
 * start_info, the module list, the memory map and a GDT at 0x10000, the command line at
 * 0x20000. Linux copies start_info at its entry and reads the rest before it allocates
 * memory (arch/x86/platform/pvh/head.S, enlighten.c). The initrd goes as high in the RAM
 * below 4 GiB as the bzImage loader puts it.
 *
 * Everything is checked before guest memory is touched; a bad image or initrd leaves the
 * machine as it was and produces one line naming the problem. */
#include <stdio.h>
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "../dev/acpi.h"
#include "e820.h"
#include "elf.h"
#include "loader.h"
#include "machine.h"
#include "pvh_boot.h"

#define INFO_ADDR 0x10000u
#define MODLIST_ADDR (INFO_ADDR + 0x40)
#define MEMMAP_ADDR (INFO_ADDR + 0x80)
#define GDT_ADDR (INFO_ADDR + 0x200)
#define CMDLINE_ADDR 0x20000u
#define CMDLINE_ROOM (E820_LOW_END - CMDLINE_ADDR) /* conventional RAM after it */
#define INFO_END E820_LOW_END                      /* the area the kernel must leave free */

_Static_assert(MODLIST_ADDR >= INFO_ADDR + SI_SIZE && MEMMAP_ADDR >= MODLIST_ADDR + MOD_ENTRY &&
                   GDT_ADDR >= MEMMAP_ADDR + E820_MAX * MM_ENTRY &&
                   CMDLINE_ADDR >= GDT_ADDR + BOOT_GDT_SIZE,
               "the boot information pieces must not overlap");

bool pvh_is_elf(const u8 *img, size_t len)
{
    return len >= 4 && memcmp(img, "\177ELF", 4) == 0;
}

static u64 align_up(u64 v, u64 a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Walk the notes of one PT_NOTE segment (gABI "Note Section": namesz, descsz, type, then
 * the name and the descriptor, each padded; 4-byte padding as Linux and Xen emit it, or
 * the segment's alignment when that is 8, as QEMU reads it). *found is set on the
 * PHYS32_ENTRY note. */
static int scan_notes(const char *path, const struct elf_file *f, const struct elf_phdr *ph,
                      u64 *entry, bool *found, char *err, size_t errlen)
{
    if (ph->off > f->len || ph->filesz > f->len - ph->off)
        return loader_error(
            err, errlen, "%s: truncated: ELF note segment lies beyond the end of the file", path);
    const u8 *p = f->img + ph->off;
    u64 size = ph->filesz, pad = ph->align == 8 ? 8 : 4;
    for (u64 at = 0; at < size;) {
        if (size - at < 12)
            return loader_error(err, errlen, "%s: truncated ELF note at file offset 0x%llx", path,
                                LL(ph->off + at));
        u64 namesz = load_le(p + at, 4), descsz = load_le(p + at + 4, 4);
        u32 type = (u32)load_le(p + at + 8, 4);
        u64 name = at + 12, desc = name + align_up(namesz, pad);
        if (desc > size || descsz > size - desc)
            return loader_error(err, errlen,
                                "%s: ELF note at file offset 0x%llx runs past its segment", path,
                                LL(ph->off + at));
        if (type == PVH_NOTE_PHYS32_ENTRY && namesz == sizeof PVH_NOTE_NAME &&
            memcmp(p + name, PVH_NOTE_NAME, sizeof PVH_NOTE_NAME) == 0) {
            if (descsz < 4)
                return loader_error(err, errlen,
                                    "%s: PVH entry note has %llu descriptor bytes, not 4 or 8",
                                    path, LL(descsz));
            u64 e = load_le(p + desc, descsz >= 8 ? 8 : 4);
            if (e >= FOUR_GB)
                return loader_error(err, errlen, "%s: PVH entry 0x%llx is not a 32-bit address",
                                    path, LL(e));
            *entry = e;
            *found = true;
            return 0;
        }
        at = desc + align_up(descsz, pad);
    }
    return 0;
}

/* The kernel's segments and PVH entry, checked against the file and the memory map. */
static int parse_kernel(struct machine *m, const char *path, const u8 *img, size_t len,
                        struct kimage *k, char *err, size_t errlen)
{
    struct elf_file f;
    if (elf_open(path, img, len, &f, err, errlen) || elf_layout(path, &f, k, err, errlen))
        return -1;
    bool found = false;
    for (unsigned n = 0; n < f.phnum && !found; n++) {
        struct elf_phdr ph;
        elf_phdr(&f, n, &ph);
        if (ph.type == PT_NOTE && scan_notes(path, &f, &ph, &k->entry, &found, err, errlen))
            return -1;
    }
    if (!found)
        return loader_error(err, errlen,
                            "%s: ELF kernel has no PVH entry note (Xen note type %u, "
                            "Linux's CONFIG_PVH) and no multiboot header",
                            path, PVH_NOTE_PHYS32_ENTRY);
    if (kimage_check_ram(m, path, k, err, errlen)) return -1;
    bool in_file = false;
    for (int n = 0; n < k->nseg; n++) {
        const struct kseg *s = &k->seg[n];
        if (s->paddr < INFO_END && s->paddr + s->memsz > INFO_ADDR)
            return loader_error(err, errlen,
                                "%s: kernel segment 0x%llx-0x%llx overlaps the boot "
                                "information at 0x%x-0x%llx",
                                path, LL(s->paddr), LL(s->paddr + s->memsz - 1), INFO_ADDR,
                                LL(INFO_END - 1));
        if (k->entry >= s->paddr && k->entry - s->paddr < s->filesz) in_file = true;
    }
    if (!in_file)
        return loader_error(err, errlen, "%s: PVH entry 0x%llx is not inside a loaded segment",
                            path, LL(k->entry));
    return 0;
}

/* start_info, the module list and the memory map, laid out from INFO_ADDR. */
static void fill_info(struct machine *m, u8 *info, u64 rd_addr, size_t rd_len)
{
    store_le(info + SI_MAGIC, 4, PVH_START_MAGIC);
    store_le(info + SI_VERSION, 4, PVH_START_VERSION);
    store_le(info + SI_CMDLINE_PADDR, 8, CMDLINE_ADDR);
    store_le(info + SI_RSDP_PADDR, 8, ACPI_RSDP_ADDR);
    if (rd_len) { /* module 0: the initrd, without a command line of its own */
        u8 *mod = info + (MODLIST_ADDR - INFO_ADDR);
        store_le(info + SI_NR_MODULES, 4, 1);
        store_le(info + SI_MODLIST_PADDR, 8, MODLIST_ADDR);
        store_le(mod + MOD_PADDR, 8, rd_addr);
        store_le(mod + MOD_SIZE, 8, rd_len);
    }
    struct e820_entry map[E820_MAX];
    int n = e820_build(m, map);
    store_le(info + SI_MEMMAP_PADDR, 8, MEMMAP_ADDR);
    store_le(info + SI_MEMMAP_ENTRIES, 4, (u32)n);
    for (int k = 0; k < n; k++) {
        u8 *e = info + (MEMMAP_ADDR - INFO_ADDR) + (size_t)k * MM_ENTRY;
        store_le(e + MM_ADDR, 8, map[k].base);
        store_le(e + MM_SIZE, 8, map[k].len);
        store_le(e + MM_TYPE, 4, map[k].type);
    }
}

int pvh_load_image(struct machine *m, const char *path, const u8 *img, size_t len,
                   const char *cmdline, const char *initrd, char *err, size_t errlen)
{
    struct kimage k;
    if (parse_kernel(m, path, img, len, &k, err, errlen)) return -1;
    if (!cmdline) cmdline = "";
    size_t cmd_len = strlen(cmdline);
    if (cmd_len >= CMDLINE_ROOM)
        return loader_error(err, errlen,
                            "%s: command line of %zu bytes is longer than the limit of %u", path,
                            cmd_len, (u32)CMDLINE_ROOM - 1);
    /* The initrd in the RAM from 1 MiB (where the bzImage loader puts it), above the kernel. */
    u8 *rd_data;
    size_t rd_len;
    u64 rd_addr;
    u64 floor = k.end > E820_HIGH_START ? k.end : E820_HIGH_START;
    u64 top = e820_ram_end(m, E820_HIGH_START);
    if (boot_initrd_load(m, initrd, floor, top, &rd_data, &rd_len, &rd_addr, err, errlen))
        return -1;

    u8 info[GDT_ADDR - INFO_ADDR] = {0};
    fill_info(m, info, rd_addr, rd_len);
    kimage_copy_in(m, img, &k);
    phys_copy_in(m, INFO_ADDR, info, sizeof info);
    boot_write_gdt(m, GDT_ADDR);
    phys_copy_in(m, CMDLINE_ADDR, cmdline, cmd_len + 1);
    if (rd_data) phys_copy_in(m, rd_addr, rd_data, rd_len);
    free(rd_data);
    boot_firmware_mtrrs(m);

    /* pvh.pandoc: CR0.PE set and every other writable CR0 bit clear, CR4 clear, flat
     * 32-bit CS and DS/ES (the others too here), EFLAGS VM, IF and TF clear, EBX the
     * start_info address, and TR a busy ("active") 32-bit TSS with base 0, limit 0x67. */
    struct cpu *c = m->cpus[0];
    boot_enter_pm32(c, GDT_ADDR, (u32)k.entry);
    c->cr0 = CR0_PE | CR0_ET; /* ET is fixed to 1 (SDM Vol. 3 2.5), not writable */
    c->seg[SEG_TR] = (struct seg){.sel = 0, .base = 0, .limit = 0x67, .ar = 0xb | AR_P};
    c->r[RBX] = INFO_ADDR;
    cpu_update_mode(c);
    return 0;
}
