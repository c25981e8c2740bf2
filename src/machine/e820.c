/* The machine's memory map, derived from its RAM split around the PCI hole. */
#include "e820.h"

#include "machine.h"

static int add(struct e820_entry *out, int n, u64 base, u64 len, u32 type)
{
    if (len == 0 || n >= E820_MAX) return n;
    out[n].base = base;
    out[n].len = len;
    out[n].type = type;
    return n + 1;
}

int e820_build(const struct machine *m, struct e820_entry *out)
{
    int n = 0;
    /* machine_create guarantees at least 2 MiB, so the low areas are always backed. */
    n = add(out, n, 0, E820_LOW_END, E820_RAM);
    n = add(out, n, E820_LOW_END, E820_EBDA_END - E820_LOW_END, E820_RESERVED);
    n = add(out, n, E820_BIOS_START, E820_HIGH_START - E820_BIOS_START, E820_RESERVED);
    if (m->ram_below_4g > E820_HIGH_START)
        n = add(out, n, E820_HIGH_START, m->ram_below_4g - E820_HIGH_START, E820_RAM);
    n = add(out, n, E820_IOAPIC_BASE, 0x1000, E820_RESERVED);
    n = add(out, n, E820_LAPIC_BASE, 0x1000, E820_RESERVED);
    n = add(out, n, FOUR_GB, m->ram_above_4g, E820_RAM);
    return n;
}

u64 e820_ram_end(const struct machine *m, u64 addr)
{
    struct e820_entry map[E820_MAX];
    int n = e820_build(m, map);
    for (int k = 0; k < n; k++)
        if (map[k].type == E820_RAM && map[k].base <= addr && addr - map[k].base < map[k].len)
            return map[k].base + map[k].len;
    return 0;
}

bool e820_usable(const struct machine *m, u64 base, u64 len)
{
    struct e820_entry map[E820_MAX];
    int n = e820_build(m, map);
    if (base + len < base) return false;
    for (int k = 0; k < n; k++) {
        if (map[k].type != E820_RAM) continue;
        if (base >= map[k].base && base + len <= map[k].base + map[k].len) return true;
    }
    return false;
}
