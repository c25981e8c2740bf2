/* Multiboot 1 (Multiboot Specification 0.6.96): the header a kernel carries, the boot
 * information structure the loader hands over, and the machine state at entry.
 * Offsets are in bytes; every field is a little-endian u32 unless noted. */
#ifndef VP_MULTIBOOT_H
#define VP_MULTIBOOT_H

#include "../common.h"

/* --- Header in the OS image (spec 3.1) ---------------------------------------------- */
#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_SEARCH_LIMIT 8192u /* the header lies entirely within the first 8 KiB... */
#define MB_HEADER_ALIGN 4u    /* ...at a 4-byte aligned offset */
enum {
    MBH_MAGIC = 0, MBH_FLAGS = 4, MBH_CHECKSUM = 8,
    /* Valid when MBH_F_AOUT_KLUDGE is set. */
    MBH_HEADER_ADDR = 12, MBH_LOAD_ADDR = 16, MBH_LOAD_END_ADDR = 20, MBH_BSS_END_ADDR = 24,
    MBH_ENTRY_ADDR = 28,
    /* Valid when MBH_F_VIDEO is set. */
    MBH_MODE_TYPE = 32, MBH_WIDTH = 36, MBH_HEIGHT = 40, MBH_DEPTH = 44,
};
enum {
    MBH_F_PAGE_ALIGN = 1u << 0, /* modules page aligned */
    MBH_F_MEMINFO = 1u << 1,    /* mem_* fields (and the mmap if possible) required */
    MBH_F_VIDEO = 1u << 2,      /* video mode table wanted */
    MBH_F_AOUT_KLUDGE = 1u << 16,
};
/* Bits 0-15 are requirements: a loader that does not understand one must refuse. */
#define MBH_F_REQUIRED_MASK 0xffffu
#define MBH_F_KNOWN (MBH_F_PAGE_ALIGN | MBH_F_MEMINFO | MBH_F_VIDEO)

/* --- Machine state at entry (spec 3.2) --------------------------------------------- */
#define MB_BOOT_MAGIC 0x2BADB002u /* in EAX */

/* --- Boot information structure, address in EBX (spec 3.3) ------------------------- */
enum {
    MBI_FLAGS = 0, MBI_MEM_LOWER = 4, MBI_MEM_UPPER = 8, MBI_BOOT_DEVICE = 12,
    MBI_CMDLINE = 16, MBI_MODS_COUNT = 20, MBI_MODS_ADDR = 24, MBI_SYMS = 28,
    MBI_MMAP_LENGTH = 44, MBI_MMAP_ADDR = 48, MBI_DRIVES_LENGTH = 52, MBI_DRIVES_ADDR = 56,
    MBI_CONFIG_TABLE = 60, MBI_BOOT_LOADER_NAME = 64, MBI_APM_TABLE = 68,
    MBI_VBE_CONTROL_INFO = 72, MBI_FRAMEBUFFER_ADDR = 88,
    MBI_SIZE = 116,
};
enum {
    MBI_F_MEM = 1u << 0, MBI_F_BOOT_DEVICE = 1u << 1, MBI_F_CMDLINE = 1u << 2,
    MBI_F_MODS = 1u << 3, MBI_F_AOUT_SYMS = 1u << 4, MBI_F_ELF_SHDR = 1u << 5,
    MBI_F_MMAP = 1u << 6, MBI_F_DRIVES = 1u << 7, MBI_F_CONFIG_TABLE = 1u << 8,
    MBI_F_BOOT_LOADER_NAME = 1u << 9, MBI_F_APM = 1u << 10, MBI_F_VBE = 1u << 11,
    MBI_F_FRAMEBUFFER = 1u << 12,
};
/* A module entry: start, end (exclusive), string address, reserved. */
enum { MBM_START = 0, MBM_END = 4, MBM_STRING = 8, MBM_RESERVED = 12, MBM_SIZE = 16 };
/* An mmap entry: `size` (of the rest, 20) at offset 0, then u64 base, u64 length, u32
 * type. The mmap_addr points at the size field. */
enum { MBMM_SIZE = 0, MBMM_BASE = 4, MBMM_LENGTH = 12, MBMM_TYPE = 20, MBMM_ENTRY = 24 };

#define MB_BOOT_LOADER_NAME "vanderpool"
#define MB_MAX_MODULES 64

#endif
