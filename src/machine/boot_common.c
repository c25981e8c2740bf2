/* What the direct kernel loaders (linux_boot.c, multiboot.c, pvh_boot.c, loader_flat.c)
 * share: the flat GDT and the 32-bit protected-mode entry state, the MTRRs a PC BIOS
 * leaves, and the initrd placed as high in RAM as QEMU places it. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "../cpu/cpumodel.h"
#include "../cpu/msr.h"
#include "e820.h"
#include "loader.h"
#include "machine.h"

/* Flat 4 GiB descriptors, accessed bit preset so reloading them never writes the GDT. */
static const u8 boot_gdt[BOOT_GDT_SIZE] = {
    0,    0,    0, 0, 0, 0,    0,    0,
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

/* What a PC BIOS leaves in the MTRRs (SeaBIOS does the same on QEMU's pc), on every
 * processor (INIT keeps them, SDM Vol. 3 Table 10-1): enabled, write-back by default and
 * in the fixed ranges, uncached for the VGA window 0xa0000-0xbffff and for the PCI hole
 * from PCI_HOLE_START to 4 GiB (SDM Vol. 3 12.11.2). Without this Linux finds the MTRRs
 * disabled and leaves the PAT alone ("x86/PAT: MTRRs disabled, skipping PAT
 * initialization too"). */
enum { MTRR_UC = 0, MTRR_WB = 6 };
#define MTRR_WB_X8 0x0606060606060606ull
#define MTRR_DEF_E (1u << 11)
#define MTRR_DEF_FE (1u << 10)
#define MTRR_MASK_VALID (1u << 11)

void boot_firmware_mtrrs(struct machine *m)
{
    for (int k = 0; k < m->ncpus; k++) {
        struct cpu *c = m->cpus[k];
        if (!cpu_has(c, FEAT_MTRR)) continue;
        msr_write(c, MSR_MTRR_FIX64K_00000, MTRR_WB_X8);
        msr_write(c, MSR_MTRR_FIX16K_80000, MTRR_WB_X8);
        msr_write(c, MSR_MTRR_FIX16K_A0000, 0); /* UC */
        for (u32 r = MSR_MTRR_FIX4K_C0000; r <= MSR_MTRR_FIX4K_F8000; r++)
            msr_write(c, r, MTRR_WB_X8);
        u64 addr_mask = (BIT(cpu_phys_bits(c)) - 1) & ~(u64)(PAGE_SIZE - 1);
        msr_write(c, MSR_MTRR_PHYSBASE0, PCI_HOLE_START | MTRR_UC);
        msr_write(c, MSR_MTRR_PHYSBASE0 + 1,
                  (~(FOUR_GB - PCI_HOLE_START - 1) & addr_mask) | MTRR_MASK_VALID);
        msr_write(c, MSR_MTRR_DEF_TYPE, MTRR_DEF_E | MTRR_DEF_FE | MTRR_WB);
    }
}

int boot_initrd_load(struct machine *m, const char *initrd, u64 floor, u64 top, u8 **data,
                     size_t *len, u64 *addr, char *err, size_t errlen)
{
    *data = NULL;
    *len = 0;
    *addr = 0;
    if (!initrd || !*initrd) return 0;
    if (load_file(initrd, "initrd", m->ram_size, data, len, err, errlen)) return -1;
    /* Page-aligned below the top (QEMU's choice, hw/i386/x86-common.c x86_load_linux). */
    u64 at = top >= *len ? (top - *len) & ~(u64)(PAGE_SIZE - 1) : 0;
    if (top < *len || at < floor) {
        loader_error(err, errlen,
                     "initrd '%s': %zu bytes do not fit in RAM between the "
                     "kernel's end 0x%llx and 0x%llx",
                     initrd, *len, LL(floor), LL(top));
        free(*data);
        *data = NULL;
        return -1;
    }
    *addr = at;
    return 0;
}
