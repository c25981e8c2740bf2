/* Reading ELF executables for the kernel loaders, every field bounds-checked against the
 * file before use, and putting their loadable segments into guest RAM. */
#include "elf.h"

#include "e820.h"
#include "loader.h"
#include "machine.h"

enum { EM_386 = 3, EM_X86_64 = 62, ET_EXEC = 2 };

static u64 rd(const u8 *p, unsigned n)
{
    return load_le(p, n);
}

int elf_open(const char *path, const u8 *img, size_t len, struct elf_file *f, char *err,
             size_t errlen)
{
    if (len < 16) return loader_error(err, errlen, "%s: truncated ELF header", path);
    bool is64 = img[4] == 2; /* e_ident[EI_CLASS]: 1 ELFCLASS32, 2 ELFCLASS64 */
    size_t ehsize = is64 ? 64 : 52, phsize_min = is64 ? 56 : 32;
    if (img[4] != 1 && img[4] != 2)
        return loader_error(err, errlen, "%s: ELF class %u is neither ELF32 nor ELF64", path,
                            img[4]);
    if (len < ehsize) return loader_error(err, errlen, "%s: truncated ELF header", path);
    if (img[5] != 1) return loader_error(err, errlen, "%s: ELF file is not little-endian", path);
    u16 machine = (u16)rd(img + 18, 2);
    if (machine != (is64 ? EM_X86_64 : EM_386))
        return loader_error(err, errlen, "%s: ELF%d machine %u is not %s", path, is64 ? 64 : 32,
                            machine, is64 ? "x86-64" : "i386");
    if (rd(img + 16, 2) != ET_EXEC)
        return loader_error(err, errlen, "%s: ELF type %u is not an executable", path,
                            (unsigned)rd(img + 16, 2));
    f->img = img;
    f->len = len;
    f->is64 = is64;
    f->entry = rd(img + 24, is64 ? 8 : 4);
    f->phoff = is64 ? rd(img + 32, 8) : rd(img + 28, 4);
    f->phentsize = (u16)rd(img + (is64 ? 54 : 42), 2);
    f->phnum = (u16)rd(img + (is64 ? 56 : 44), 2);
    if (f->phnum == 0)
        return loader_error(err, errlen, "%s: ELF file has no program headers", path);
    if (f->phentsize < phsize_min)
        return loader_error(err, errlen, "%s: ELF program header size %u is too small", path,
                            f->phentsize);
    if (f->phoff > len || (u64)f->phnum * f->phentsize > len - f->phoff)
        return loader_error(err, errlen, "%s: truncated ELF program headers", path);
    return 0;
}

void elf_phdr(const struct elf_file *f, unsigned n, struct elf_phdr *ph)
{
    const u8 *p = f->img + f->phoff + (u64)n * f->phentsize;
    ph->type = (u32)rd(p, 4);
    if (f->is64) { /* Elf64_Phdr: type, flags, offset, vaddr, paddr, filesz, memsz, align */
        ph->off = rd(p + 8, 8);
        ph->vaddr = rd(p + 16, 8);
        ph->paddr = rd(p + 24, 8);
        ph->filesz = rd(p + 32, 8);
        ph->memsz = rd(p + 40, 8);
        ph->align = rd(p + 48, 8);
    } else { /* Elf32_Phdr: type, offset, vaddr, paddr, filesz, memsz, flags, align */
        ph->off = rd(p + 4, 4);
        ph->vaddr = rd(p + 8, 4);
        ph->paddr = rd(p + 12, 4);
        ph->filesz = rd(p + 16, 4);
        ph->memsz = rd(p + 20, 4);
        ph->align = rd(p + 28, 4);
    }
}

int elf_layout(const char *path, const struct elf_file *f, struct kimage *k, char *err,
               size_t errlen)
{
    k->nseg = 0;
    for (unsigned n = 0; n < f->phnum; n++) {
        struct elf_phdr ph;
        elf_phdr(f, n, &ph);
        if (ph.type != PT_LOAD) continue;
        if (ph.filesz > ph.memsz)
            return loader_error(err, errlen, "%s: ELF segment %u has file size above memory size",
                                path, n);
        if (ph.off > f->len || ph.filesz > f->len - ph.off)
            return loader_error(err, errlen,
                                "%s: truncated: ELF segment %u lies beyond the end of the file",
                                path, n);
        if (ph.paddr >= FOUR_GB || ph.memsz > FOUR_GB - ph.paddr)
            return loader_error(err, errlen, "%s: ELF segment %u at 0x%llx is not below 4 GiB",
                                path, n, LL(ph.paddr));
        if (ph.memsz == 0) continue;
        if (k->nseg == KIMAGE_MAX_SEGS)
            return loader_error(err, errlen, "%s: more than %d loadable ELF segments", path,
                                KIMAGE_MAX_SEGS);
        k->seg[k->nseg++] = (struct kseg){.paddr = ph.paddr,
                                          .vaddr = ph.vaddr,
                                          .memsz = ph.memsz,
                                          .off = (size_t)ph.off,
                                          .filesz = (size_t)ph.filesz};
    }
    if (k->nseg == 0)
        return loader_error(err, errlen, "%s: ELF file has no loadable segments", path);
    return 0;
}

int kimage_check_ram(struct machine *m, const char *path, struct kimage *k, char *err,
                     size_t errlen)
{
    k->end = 0;
    for (int n = 0; n < k->nseg; n++) {
        const struct kseg *s = &k->seg[n];
        if (!e820_usable(m, s->paddr, s->memsz))
            return loader_error(
                err, errlen,
                "%s: kernel segment 0x%llx-0x%llx is not in usable RAM (RAM below 4 GiB "
                "ends at 0x%llx)",
                path, LL(s->paddr), LL(s->paddr + s->memsz - 1), LL(m->ram_below_4g));
        if (s->paddr + s->memsz > k->end) k->end = s->paddr + s->memsz;
    }
    return 0;
}

static void zero_fill(struct machine *m, u64 pa, u64 n)
{
    static const u8 zeros[4096];
    while (n) {
        size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
        phys_copy_in(m, pa, zeros, k);
        pa += k;
        n -= k;
    }
}

void kimage_copy_in(struct machine *m, const u8 *img, const struct kimage *k)
{
    for (int n = 0; n < k->nseg; n++) {
        const struct kseg *s = &k->seg[n];
        phys_copy_in(m, s->paddr, img + s->off, s->filesz);
        zero_fill(m, s->paddr + s->filesz, s->memsz - s->filesz);
    }
}
