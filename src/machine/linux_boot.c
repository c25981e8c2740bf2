/* Linux bzImage loader: the 32-bit boot protocol of Documentation/arch/x86/boot.rst, as a
 * boot loader that skips the kernel's real-mode setup code uses it (GRUB's "linux" on
 * BIOS, QEMU's linuxboot ROM after its real-mode part). The protected-mode kernel goes to
 * 1 MiB, boot_params (the zero page) gets the setup header, the e820 map, the command line
 * and the initrd, and the boot processor starts at the protected-mode kernel in 32-bit
 * protected mode, paging off, with ESI pointing at boot_params.
 *
 * Guest memory below 1 MiB used here (all conventional RAM, which the kernel reserves
 * early): boot_params at 0x10000, the GDT after it, the command line at 0x20000 (QEMU
 * uses the same addresses for its setup code and command line).
 *
 * The MTRRs are set as a PC BIOS leaves them (boot_firmware_mtrrs), on every processor.
 *
 * Everything is checked before guest memory is touched; a bad image or initrd leaves the
 * machine as it was and produces one line naming the problem. */
#include <stdio.h>
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "e820.h"
#include "linux_boot.h"
#include "loader.h"
#include "machine.h"

#define BP_ADDR 0x10000u
#define GDT_ADDR (BP_ADDR + BP_SIZE)
#define CMDLINE_ADDR 0x20000u
#define CMDLINE_ROOM (E820_LOW_END - CMDLINE_ADDR) /* conventional RAM after it */
#define PM_LOAD_ADDR 0x100000u                      /* LOADED_HIGH: the bzImage rule */

static u64 rd(const u8 *img, size_t off, unsigned n) { return load_le(img + off, n); }

/* Null, null, then flat code at 0x10 and flat data at 0x18 (accessed bits preset). */
static const u8 linux_gdt[32] = {
    0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0, /* __BOOT_CS: 32-bit code, execute/read */
    0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0, /* __BOOT_DS: 32-bit data, read/write */
};

bool linux_is_bzimage(const u8 *img, size_t len)
{
    return len >= LH_HEADER + 4 && rd(img, LH_HEADER, 4) == LH_MAGIC;
}

/* What the header says, checked against the file. */
struct bzimage {
    size_t setup_len, pm_off, pm_len; /* real-mode part, then the protected-mode kernel */
    u16 version;
    u32 cmdline_size, initrd_addr_max;
    u64 run_at, footprint_end; /* the kernel runs at run_at, may use up to footprint_end */
};

static int parse_header(const char *path, const u8 *img, size_t len, struct bzimage *bz,
                        char *err, size_t errlen)
{
    if (len < LH_VERSION + 2)
        return loader_error(err, errlen, "%s: truncated Linux setup header", path);
    if (rd(img, LH_BOOT_FLAG, 2) != LH_BOOT_FLAG_MAGIC)
        return loader_error(err, errlen, "%s: Linux setup header has boot_flag 0x%04llx, not 0xaa55",
                            path, (unsigned long long)rd(img, LH_BOOT_FLAG, 2));
    bz->version = (u16)rd(img, LH_VERSION, 2);
    if (bz->version < LH_MIN_VERSION)
        return loader_error(err, errlen, "%s: Linux boot protocol %u.%02u is too old (2.06 or later needed)",
                            path, bz->version >> 8, bz->version & 0xff);
    /* The header ends where the jump at 0x200 lands; every field we read must be in it. */
    size_t hdr_end = LH_JUMP + 2 + img[LH_JUMP + 1];
    size_t need = bz->version >= 0x020a ? LH_INIT_SIZE + 4 : LH_CMDLINE_SIZE + 4;
    if (hdr_end < need || len < need)
        return loader_error(err, errlen, "%s: Linux setup header is truncated (%zu bytes, protocol %u.%02u "
                            "needs %zu)", path, hdr_end - LH_SETUP_SECTS, bz->version >> 8,
                            bz->version & 0xff, need - LH_SETUP_SECTS);
    if (!(img[LH_LOADFLAGS] & LF_LOADED_HIGH))
        return loader_error(err, errlen, "%s: not a bzImage (zImage kernels loading below 1 MiB are "
                            "not supported)", path);
    unsigned sects = img[LH_SETUP_SECTS] ? img[LH_SETUP_SECTS] : LH_DEFAULT_SETUP_SECTS;
    bz->setup_len = (size_t)(sects + 1) * 512;
    u64 syssize = rd(img, LH_SYSSIZE, 4) * 16;
    if (bz->setup_len >= len || syssize > len - bz->setup_len)
        return loader_error(err, errlen, "%s: truncated: setup (%zu bytes) and kernel (%llu bytes) need "
                            "more than the file's %zu bytes", path, bz->setup_len,
                            (unsigned long long)syssize, len);
    bz->pm_off = bz->setup_len;
    bz->pm_len = len - bz->setup_len;
    bz->cmdline_size = (u32)rd(img, LH_CMDLINE_SIZE, 4);
    bz->initrd_addr_max = (u32)rd(img, LH_INITRD_ADDR_MAX, 4);
    /* A relocatable kernel (2.10+) decompresses itself to pref_address (at least) and
     * needs init_size bytes there; an older one works upward from where it is. */
    u64 run_at = PM_LOAD_ADDR, size = bz->pm_len;
    if (bz->version >= 0x020a) {
        u64 pref = rd(img, LH_PREF_ADDRESS, 8), init = rd(img, LH_INIT_SIZE, 4);
        if (pref > run_at) run_at = pref;
        if (init > size) size = init;
    }
    bz->run_at = run_at;
    bz->footprint_end = run_at + size;
    return 0;
}

static void fill_boot_params(struct machine *m, u8 *bp, const u8 *img, u64 initrd_addr,
                             size_t initrd_len)
{
    /* The setup header as the image has it, then the fields a loader writes. */
    size_t hdr_end = LH_JUMP + 2 + img[LH_JUMP + 1];
    if (hdr_end > BP_E820_TABLE) hdr_end = BP_E820_TABLE; /* the header never reaches it */
    memcpy(bp + LH_SETUP_SECTS, img + LH_SETUP_SECTS, hdr_end - LH_SETUP_SECTS);
    store_le(bp + LH_VID_MODE, 2, LH_VID_MODE_NORMAL);
    bp[LH_TYPE_OF_LOADER] = LH_LOADER_UNDEFINED;
    /* The heap is the real-mode setup's, unused by this entry; QEMU's values. */
    bp[LH_LOADFLAGS] = (u8)((bp[LH_LOADFLAGS] | LF_CAN_USE_HEAP) & ~LF_KEEP_SEGMENTS);
    store_le(bp + LH_HEAP_END_PTR, 2, CMDLINE_ADDR - BP_ADDR - 0x200);
    store_le(bp + LH_CMD_LINE_PTR, 4, CMDLINE_ADDR);
    store_le(bp + LH_RAMDISK_IMAGE, 4, (u32)initrd_addr);
    store_le(bp + LH_RAMDISK_SIZE, 4, (u32)initrd_len);
    store_le(bp + BP_EXT_RAMDISK_IMAGE, 4, (u32)(initrd_addr >> 32));
    store_le(bp + BP_EXT_RAMDISK_SIZE, 4, (u32)((u64)initrd_len >> 32));
    /* screen_info stays zero: no video adapter, so the kernel leaves VGA alone. */
    store_le(bp + BP_ALT_MEM_K, 4, (m->ram_below_4g - E820_HIGH_START) >> 10);
    struct e820_entry map[E820_MAX];
    int n = e820_build(m, map);
    bp[BP_E820_ENTRIES] = (u8)n;
    for (int k = 0; k < n; k++) {
        u8 *e = bp + BP_E820_TABLE + (size_t)k * BP_E820_ENTRY;
        store_le(e, 8, map[k].base);
        store_le(e + 8, 8, map[k].len);
        store_le(e + 16, 4, map[k].type);
    }
}

int linux_load_image(struct machine *m, const char *path, const u8 *img, size_t len,
                     const char *cmdline, const char *initrd, char *err, size_t errlen)
{
    struct bzimage bz = { 0 };
    if (parse_header(path, img, len, &bz, err, errlen)) return -1;
    if (!cmdline) cmdline = "";
    size_t cmd_len = strlen(cmdline);
    if (cmd_len > bz.cmdline_size || cmd_len >= CMDLINE_ROOM)
        return loader_error(err, errlen, "%s: command line of %zu bytes is longer than the kernel's "
                            "limit of %u", path, cmd_len,
                            bz.cmdline_size < CMDLINE_ROOM - 1 ? bz.cmdline_size : (u32)CMDLINE_ROOM - 1);
    u64 ram_end = e820_ram_end(m, PM_LOAD_ADDR); /* kernel and initrd live in it */
    if (bz.footprint_end > ram_end)
        return loader_error(err, errlen, "%s: the kernel needs RAM from 0x%llx to 0x%llx, RAM ends at "
                            "0x%llx", path, (unsigned long long)bz.run_at,
                            (unsigned long long)bz.footprint_end, (unsigned long long)ram_end);

    /* The initrd: one file, as high as the kernel allows. */
    u64 top = ram_end;
    if ((u64)bz.initrd_addr_max + 1 < top) top = (u64)bz.initrd_addr_max + 1;
    u8 *rd_data;
    size_t rd_len;
    u64 rd_addr;
    if (boot_initrd_load(m, initrd, bz.footprint_end, top, &rd_data, &rd_len, &rd_addr, err, errlen))
        return -1;

    u8 *bp = calloc(1, BP_SIZE);
    if (!bp) {
        free(rd_data);
        return loader_error(err, errlen, "out of memory");
    }
    fill_boot_params(m, bp, img, rd_addr, rd_len);
    phys_copy_in(m, BP_ADDR, bp, BP_SIZE);
    free(bp);
    phys_copy_in(m, GDT_ADDR, linux_gdt, sizeof linux_gdt);
    phys_copy_in(m, CMDLINE_ADDR, cmdline, cmd_len + 1);
    phys_copy_in(m, PM_LOAD_ADDR, img + bz.pm_off, bz.pm_len);
    if (rd_data) phys_copy_in(m, rd_addr, rd_data, rd_len);
    free(rd_data);
    boot_firmware_mtrrs(m);

    /* boot.rst "32-bit BOOT PROTOCOL": flat __BOOT_CS/__BOOT_DS, interrupts off, ESI =
     * boot_params, EBP = EDI = EBX = 0; the entry is the start of the protected-mode code. */
    struct cpu *c = m->cpus[0];
    boot_enter_pm32_sel(c, GDT_ADDR, sizeof linux_gdt, LINUX_BOOT_CS, LINUX_BOOT_DS, PM_LOAD_ADDR);
    c->r[RSI] = BP_ADDR;
    c->r[RBP] = c->r[RDI] = c->r[RBX] = 0;
    return 0;
}

int linux_load(struct machine *m, const char *path, const char *cmdline, const char *initrd,
               char *err, size_t errlen)
{
    u8 *img;
    size_t len;
    if (load_file(path, "kernel", m->ram_size, &img, &len, err, errlen)) return -1;
    int rc = linux_load_image(m, path, img, len, cmdline, initrd, err, errlen);
    free(img);
    return rc;
}
