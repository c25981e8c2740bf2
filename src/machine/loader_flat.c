/* Flat binaries: an image copied to one address and started there. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "loader.h"
#include "machine.h"

/* True if all of [pa, pa + len) is RAM. */
static bool is_ram(struct machine *m, u64 pa, u64 len)
{
    if (pa + len < pa) return false;
    if (pa + len <= m->ram_below_4g) return true;
    return pa >= FOUR_GB && pa - FOUR_GB + len <= m->ram_above_4g;
}

int flat_load(struct machine *m, const char *path, u64 addr, bool real, char *err,
              size_t errlen)
{
    if (real && addr >= 0x100000)
        return loader_error(err, errlen, "%s: real-mode load address 0x%llx is not below 1 MiB", path,
                            (unsigned long long)addr);
    if (!real && addr >= FOUR_GB)
        return loader_error(err, errlen, "%s: load address 0x%llx is not below 4 GiB", path,
                            (unsigned long long)addr);
    u8 *img;
    size_t len;
    if (load_file(path, "image", m->ram_size, &img, &len, err, errlen)) return -1;
    if (!is_ram(m, addr, len)) {
        free(img);
        return loader_error(err, errlen, "%s: %zu bytes at 0x%llx do not fit in RAM", path, len,
                            (unsigned long long)addr);
    }
    /* The protected-mode GDT goes right after the image, or just before it. */
    u64 gdt = (addr + len + 15) & ~15ull;
    if (!real && (gdt + BOOT_GDT_SIZE > FOUR_GB || !is_ram(m, gdt, BOOT_GDT_SIZE))) {
        if (addr < 64) {
            free(img);
            return loader_error(err, errlen, "%s: no room for a GDT around the image", path);
        }
        gdt = (addr - BOOT_GDT_SIZE) & ~15ull;
    }
    phys_copy_in(m, addr, img, len);
    free(img);

    struct cpu *c = m->cpus[0];
    if (!real) {
        boot_write_gdt(m, (u32)gdt);
        boot_enter_pm32(c, (u32)gdt, (u32)addr);
        return 0;
    }
    /* Real mode: 0000:7C00 style, the segment covering the 64 KiB the address is in. */
    c->lf.op = 0;
    c->rflags = FL_FIXED1;
    seg_load_real(c, SEG_CS, (u16)((addr >> 4) & 0xf000));
    for (int s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS) seg_load_real(c, s, 0);
    c->rip = c->next_rip = addr & 0xffff;
    c->halted = false;
    cpu_update_mode(c);
    return 0;
}
