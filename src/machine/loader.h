/* Ways to put a guest into RAM and start the boot processor in it, bypassing firmware:
 * multiboot 1 kernels (multiboot.c), Linux bzImages (linux_boot.c), ELF kernels with a PVH
 * entry (pvh_boot.c) and flat binaries (loader_flat.c); what they share is in
 * boot_common.c. Every function
 * returns 0, or -1 with one line naming the problem in err (no trailing newline). */
#ifndef VP_LOADER_H
#define VP_LOADER_H

#include "../common.h"

struct machine;
struct cpu;

int multiboot_load(struct machine *m, const char *path, const char *cmdline,
                   const char *modules, char *err, size_t errlen);
/* The same from an image already in memory; `path` only names it (the kernel command line
 * starts with it, as QEMU does). Modules are still read from their files. */
int multiboot_load_image(struct machine *m, const char *path, const u8 *img, size_t len,
                         const char *cmdline, const char *modules, char *err, size_t errlen);

/* Linux bzImage through the 32-bit boot protocol; `initrd` is one file or NULL. */
int linux_load(struct machine *m, const char *path, const char *cmdline, const char *initrd,
               char *err, size_t errlen);
int linux_load_image(struct machine *m, const char *path, const u8 *img, size_t len,
                     const char *cmdline, const char *initrd, char *err, size_t errlen);
/* True if the image carries a Linux setup header ("HdrS" at 0x202). */
bool linux_is_bzimage(const u8 *img, size_t len);
/* True if the image has a multiboot header with a good checksum in its first 8 KiB. */
bool multiboot_has_header(const u8 *img, size_t len);

/* An ELF kernel (ELF32 or ELF64, x86) through the x86/HVM direct boot ABI (PVH): its
 * XEN_ELFNOTE_PHYS32_ENTRY note names the entry. `initrd` is one file or NULL. */
int pvh_load_image(struct machine *m, const char *path, const u8 *img, size_t len,
                   const char *cmdline, const char *initrd, char *err, size_t errlen);
/* True if the image starts with the ELF magic. */
bool pvh_is_elf(const u8 *img, size_t len);

/* -kernel: a Linux bzImage, a multiboot kernel or a PVH ELF kernel, told apart by content
 * in QEMU's order (hw/i386/x86-common.c x86_load_linux): the Linux setup header, then a
 * multiboot header, then ELF. `initrd` is the initrd file for Linux and PVH, the module
 * list for multiboot. */
int kernel_load(struct machine *m, const char *path, const char *cmdline, const char *initrd,
                char *err, size_t errlen);

int flat_load(struct machine *m, const char *path, u64 addr, bool real, char *err,
              size_t errlen);

/* Write a GDT with flat 32-bit code at selector 0x08 and flat data at 0x10 (plus 16-bit
 * code/data at 0x18/0x20 for kernels that drop back to real mode), the layout GRUB and
 * QEMU's multiboot ROM use. BOOT_GDT_SIZE bytes at `addr` (caller checked it is RAM). */
#define BOOT_GDT_SIZE 40u
#define BOOT_CS 0x08
#define BOOT_DS 0x10
void boot_write_gdt(struct machine *m, u32 addr);
/* Put `c` into 32-bit protected mode, paging off, flat segments matching boot_write_gdt,
 * interrupts off, at `entry`. Other registers are left as reset made them. */
void boot_enter_pm32(struct cpu *c, u32 gdt_addr, u32 entry);
/* The same with another GDT: `gdt_size` bytes, flat code at `cs`, flat data at `ds`. */
void boot_enter_pm32_sel(struct cpu *c, u32 gdt_addr, u32 gdt_size, u16 cs, u16 ds, u32 entry);

/* The MTRRs as a PC BIOS leaves them, on every processor. */
void boot_firmware_mtrrs(struct machine *m);
/* Read the file `initrd` (none if NULL or empty: *data NULL, *len 0) and place it
 * page-aligned as high as it fits below `top`, not below `floor`. On success the caller
 * copies *data to *addr and free()s it. */
int boot_initrd_load(struct machine *m, const char *initrd, u64 floor, u64 top, u8 **data,
                     size_t *len, u64 *addr, char *err, size_t errlen);

/* Read a whole regular file of at most `max` bytes into a new buffer (free() it). `what`
 * names the file's role in messages ("kernel", "module"). */
int load_file(const char *path, const char *what, u64 max, u8 **buf, size_t *len, char *err,
              size_t errlen);
/* printf into err; returns -1 so callers can `return loader_error(...)`. */
int loader_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
