/* The Linux/x86 boot protocol (Documentation/arch/x86/boot.rst, "THE LINUX/x86 BOOT
 * PROTOCOL"): the setup header a bzImage carries at offset 0x1f1 of its first sector, and
 * the boot_params structure ("zero page", Documentation/arch/x86/zero-page.rst) a loader
 * hands to the 32-bit entry. Offsets are in bytes from the start of the image / of
 * boot_params; the setup header sits at the same offsets in both. */
#ifndef VP_LINUX_BOOT_H
#define VP_LINUX_BOOT_H

#include "../common.h"

/* --- Setup header (boot.rst "THE REAL-MODE KERNEL HEADER") ------------------------- */
enum {
    LH_SETUP_SECTS = 0x1f1,      /* u8: 512-byte sectors of setup after the boot sector; 0 means 4 */
    LH_SYSSIZE = 0x1f4,          /* u32: protected-mode code size in 16-byte paragraphs */
    LH_VID_MODE = 0x1fa,         /* u16 */
    LH_BOOT_FLAG = 0x1fe,        /* u16: 0xaa55 */
    LH_JUMP = 0x200,             /* 2 bytes: a short jump; its offset byte ends the header */
    LH_HEADER = 0x202,           /* u32: "HdrS" */
    LH_VERSION = 0x206,          /* u16: protocol version, major << 8 | minor */
    LH_TYPE_OF_LOADER = 0x210,   /* u8 */
    LH_LOADFLAGS = 0x211,        /* u8 */
    LH_CODE32_START = 0x214,     /* u32: 32-bit entry for a loader that enters there */
    LH_RAMDISK_IMAGE = 0x218,    /* u32 */
    LH_RAMDISK_SIZE = 0x21c,     /* u32 */
    LH_HEAP_END_PTR = 0x224,     /* u16: end of the setup heap, offset from setup start - 0x200 */
    LH_CMD_LINE_PTR = 0x228,     /* u32 (2.02+) */
    LH_INITRD_ADDR_MAX = 0x22c,  /* u32 (2.03+): highest address the initrd may occupy */
    LH_KERNEL_ALIGNMENT = 0x230, /* u32 (2.05+) */
    LH_RELOCATABLE = 0x234,      /* u8 (2.05+) */
    LH_XLOADFLAGS = 0x236,       /* u16 (2.12+) */
    LH_CMDLINE_SIZE = 0x238,     /* u32 (2.06+): longest command line without the NUL */
    LH_PREF_ADDRESS = 0x258,     /* u64 (2.10+) */
    LH_INIT_SIZE = 0x260,        /* u32 (2.10+): memory the kernel needs from its load address */
};
#define LH_MAGIC 0x53726448u /* "HdrS" little-endian */
#define LH_BOOT_FLAG_MAGIC 0xaa55u
#define LH_MIN_VERSION 0x0206u /* cmdline_size and the 32-bit entry rules we rely on */
#define LH_DEFAULT_SETUP_SECTS 4u
enum {
    LF_LOADED_HIGH = 1u << 0, /* protected-mode code loads at 0x100000 (a bzImage) */
    LF_KEEP_SEGMENTS = 1u << 6,
    LF_CAN_USE_HEAP = 1u << 7,
};
#define LH_VID_MODE_NORMAL 0xffffu
#define LH_LOADER_UNDEFINED 0xffu /* type_of_loader for a loader without an assigned id */

/* --- boot_params outside the header (zero-page.rst) -------------------------------- */
enum {
    BP_SCREEN_INFO = 0x000,       /* struct screen_info, 0x40 bytes; all zero = no video */
    BP_EXT_RAMDISK_IMAGE = 0x0c0, /* u32: high half of ramdisk_image */
    BP_EXT_RAMDISK_SIZE = 0x0c4,
    BP_EXT_CMD_LINE_PTR = 0x0c8,
    BP_ALT_MEM_K = 0x1e0,         /* u32: KiB of memory above 1 MiB */
    BP_E820_ENTRIES = 0x1e8,      /* u8 */
    BP_E820_TABLE = 0x2d0,        /* 20-byte entries: u64 addr, u64 size, u32 type */
    BP_SIZE = 0x1000,
};
#define BP_E820_ENTRY 20u
#define BP_E820_MAX 128u

/* The GDT the 32-bit entry requires: flat 4 GiB code at __BOOT_CS and data at __BOOT_DS
 * (boot.rst "32-bit BOOT PROTOCOL"). */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

#endif
