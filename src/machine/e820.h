/* The physical memory map the firmware would report (BIOS INT 15h E820 style). Loaders
 * hand it to the guest (the multiboot mmap) and use it to refuse placing anything in
 * memory the guest will be told is not RAM. */
#ifndef VP_E820_H
#define VP_E820_H

#include "../common.h"

struct machine;

enum { E820_RAM = 1, E820_RESERVED = 2 };

struct e820_entry {
    u64 base, len;
    u32 type;
};

#define E820_MAX 8

/* Low memory the way a PC BIOS leaves it: conventional RAM ends where the extended BIOS
 * data area starts, and the system BIOS occupies the top 64 KiB below 1 MiB. */
#define E820_LOW_END 0x9fc00ull
#define E820_EBDA_END 0xa0000ull
#define E820_BIOS_START 0xf0000ull
#define E820_HIGH_START 0x100000ull
/* Chipset MMIO the guest must not mistake for free address space. */
#define E820_IOAPIC_BASE 0xfec00000ull
#define E820_LAPIC_BASE 0xfee00000ull

/* Fill `out` (room for E820_MAX entries) in ascending address order; returns the count. */
int e820_build(const struct machine *m, struct e820_entry *out);
/* The end of the usable RAM entry holding `addr`, or 0 if `addr` is not usable RAM. */
u64 e820_ram_end(const struct machine *m, u64 addr);
/* True if [base, base + len) lies entirely inside one usable RAM entry. */
bool e820_usable(const struct machine *m, u64 base, u64 len);

#endif
