/* The parts of the Multiboot 1 information structure the tests read. */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H
#include "types.h"

#define MB_BOOT_MAGIC 0x2badb002u
#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MMAP (1u << 6)

struct PACKED multiboot_info {
    u32 flags;
    u32 mem_lower, mem_upper; /* KiB below 1 MiB / above 1 MiB */
    u32 boot_device;
    u32 cmdline;
    u32 mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
};

struct PACKED multiboot_mmap {
    u32 size; /* of the rest of this entry, not counting this field */
    u64 addr, len;
    u32 type;
};
#endif
