/* The x86/HVM direct boot ABI ("PVH", Xen's docs/misc/pvh.pandoc): an ELF kernel names a
 * 32-bit physical entry in a Xen ELF note, and the loader hands it an hvm_start_info
 * structure (xen/include/public/arch-x86/hvm/start_info.h) in EBX. Offsets are in bytes;
 * every address and size is a little-endian u64 unless noted. */
#ifndef VP_PVH_BOOT_H
#define VP_PVH_BOOT_H

#include "../common.h"

/* The note (xen/include/public/elfnote.h): name "Xen", type XEN_ELFNOTE_PHYS32_ENTRY, its
 * descriptor the entry's physical address (a .long, or a .quad in 64-bit Linux). */
#define PVH_NOTE_NAME "Xen"
#define PVH_NOTE_PHYS32_ENTRY 18u

/* --- hvm_start_info, version 1 (start_info.h) ----------------------------------------- */
enum {
    SI_MAGIC = 0,           /* u32: PVH_START_MAGIC */
    SI_VERSION = 4,         /* u32 */
    SI_FLAGS = 8,           /* u32: SIF_xxx, none for a non-Xen guest */
    SI_NR_MODULES = 12,     /* u32 */
    SI_MODLIST_PADDR = 16,  /* array of hvm_modlist_entry */
    SI_CMDLINE_PADDR = 24,  /* NUL-terminated */
    SI_RSDP_PADDR = 32,     /* the ACPI RSDP */
    SI_MEMMAP_PADDR = 40,   /* version 1: array of hvm_memmap_table_entry */
    SI_MEMMAP_ENTRIES = 48, /* u32, version 1 */
    SI_SIZE = 56,           /* with the reserved u32 */
};
#define PVH_START_MAGIC 0x336ec578u /* "xEn3" with the 0x80 bit of the "E" set */
#define PVH_START_VERSION 1u

/* hvm_modlist_entry: the first module is the initrd (Linux's pvh/enlighten.c). */
enum { MOD_PADDR = 0, MOD_SIZE = 8, MOD_CMDLINE_PADDR = 16, MOD_ENTRY = 32 };
/* hvm_memmap_table_entry: type is a u32 with the e820/ACPI address range types. */
enum { MM_ADDR = 0, MM_SIZE = 8, MM_TYPE = 16, MM_ENTRY = 24 };

#endif
