/* The parts of an ELF executable the kernel loaders read (System V gABI, "ELF Header",
 * "Program Header", "Note Section"): the header of an ELF32 (i386) or ELF64 (x86-64)
 * little-endian executable, its program headers, and a kernel laid out as the pieces
 * that land in guest RAM. Used by multiboot.c (ELF kernels) and pvh_boot.c. */
#ifndef VP_ELF_H
#define VP_ELF_H

#include "../common.h"

struct machine;

enum { PT_LOAD = 1, PT_NOTE = 4 };

/* A checked ELF header: the program header table lies inside the file. */
struct elf_file {
    const u8 *img;
    size_t len;
    bool is64;
    u64 entry, phoff;
    u16 phnum, phentsize;
};

/* One program header, widened to 64 bits. */
struct elf_phdr {
    u32 type;
    u64 off, vaddr, paddr, filesz, memsz, align;
};

/* One piece of a kernel: file bytes [off, off + filesz) land at paddr, and the rest of
 * memsz is zeroed (bss). vaddr is where it is linked to run. */
struct kseg {
    u64 paddr, vaddr, memsz;
    size_t off, filesz;
};

#define KIMAGE_MAX_SEGS 32
struct kimage {
    struct kseg seg[KIMAGE_MAX_SEGS];
    int nseg;
    u64 entry;
    u64 end; /* highest byte + 1 of any segment (kimage_check_ram sets it) */
};

/* Check the ELF header of an x86 executable; names the problem in err. */
int elf_open(const char *path, const u8 *img, size_t len, struct elf_file *f, char *err,
             size_t errlen);
/* Program header n (< f->phnum). */
void elf_phdr(const struct elf_file *f, unsigned n, struct elf_phdr *ph);
/* The PT_LOAD segments with a memory size into k (entry left to the caller): each one's
 * file bytes inside the file, no more file than memory, all of it below 4 GiB. */
int elf_layout(const char *path, const struct elf_file *f, struct kimage *k, char *err,
               size_t errlen);

/* Every segment inside one usable RAM entry of the e820 map; sets k->end. */
int kimage_check_ram(struct machine *m, const char *path, struct kimage *k, char *err,
                     size_t errlen);
/* Copy the segments into guest RAM and zero their bss. */
void kimage_copy_in(struct machine *m, const u8 *img, const struct kimage *k);

#endif
