/* Flat binaries, and the processor state both loaders start a guest in. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "loader.h"
#include "machine.h"

/* Flat 4 GiB descriptors, accessed bit preset so reloading them never writes the GDT. */
static const u8 boot_gdt[BOOT_GDT_SIZE] = {
    0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0, /* 0x08: 32-bit code, execute/read */
    0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0, /* 0x10: 32-bit data, read/write */
    0xff, 0xff, 0, 0, 0, 0x9b, 0x00, 0, /* 0x18: 16-bit code, 64 KiB */
    0xff, 0xff, 0, 0, 0, 0x93, 0x00, 0, /* 0x20: 16-bit data, 64 KiB */
};

void boot_write_gdt(struct machine *m, u32 addr)
{
    phys_copy_in(m, addr, boot_gdt, sizeof boot_gdt);
}

static void flat_seg(struct seg *s, u16 sel, u32 ar)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->ar = ar;
}

void boot_enter_pm32(struct cpu *c, u32 gdt_addr, u32 entry)
{
    boot_enter_pm32_sel(c, gdt_addr, BOOT_GDT_SIZE, BOOT_CS, BOOT_DS, entry);
}

void boot_enter_pm32_sel(struct cpu *c, u32 gdt_addr, u32 gdt_size, u16 cs, u16 ds, u32 entry)
{
    /* A BIOS would have turned the caches on; protection on, paging off. */
    c->cr0 = (c->cr0 | CR0_PE | CR0_ET) & ~(u64)(CR0_PG | CR0_CD | CR0_NW);
    c->cr4 = 0;
    c->efer = 0;
    c->gdtr.base = gdt_addr;
    c->gdtr.limit = (u16)(gdt_size - 1);
    /* Hidden caches loaded directly, as if the loader had done a far jump and MOVs. */
    const u32 code = 0xb | AR_S | AR_P | AR_DB | AR_G, data = 0x3 | AR_S | AR_P | AR_DB | AR_G;
    flat_seg(&c->seg[SEG_CS], cs, code);
    for (int s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS) flat_seg(&c->seg[s], ds, data);
    c->lf.op = 0;
    c->rflags = FL_FIXED1; /* IF = 0, VM = 0 */
    c->rip = c->next_rip = entry;
    c->cpl = 0;
    c->halted = false;
    c->interrupt_shadow = false;
    cpu_update_mode(c);
    tlb_flush_all(c);
}

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
