/* ACPI: the tables found the way an OS finds them (RSDP scan of 0xe0000-0xfffff, RSDT and
 * XSDT), every checksum, what the FADT, MADT, HPET table and DSDT say against the
 * machine (processor count, APIC addresses, PM ports, reset register), the tables lying
 * in reserved memory; then the PM block: PM timer rate from virtual time, TMR_STS and its
 * SCI on IRQ9, status write-1-to-clear, S5 power-off stopping the run with status 0, and
 * writes of every value to every port not crashing. */
#define _GNU_SOURCE
#include <string.h>

#include "dev/acpi.h"
#include "dev/dev.h"
#include "machine/e820.h"
#include "test_dev.h"

static u8 *ram_at(struct machine *m, u64 pa)
{
    return phys_ram(m, pa);
}
static u32 rd32(const u8 *p)
{
    return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}
static u64 rd64(const u8 *p)
{
    return rd32(p) | (u64)rd32(p + 4) << 32;
}
static u16 rd16(const u8 *p)
{
    return (u16)(p[0] | p[1] << 8);
}

static u8 sum(const u8 *p, u32 n)
{
    u8 s = 0;
    while (n--)
        s = (u8)(s + *p++);
    return s;
}

static u64 find_rsdp(struct machine *m)
{
    for (u64 pa = 0xe0000; pa < 0x100000; pa += 16)
        if (!memcmp(ram_at(m, pa), "RSD PTR ", 8) && sum(ram_at(m, pa), 20) == 0) return pa;
    return 0;
}

/* The table with signature sig listed in the RSDT (width 4) or XSDT (width 8). */
static const u8 *find_table(struct machine *m, const u8 *sdt, unsigned width, const char *sig)
{
    u32 n = (rd32(sdt + 4) - 36) / width;
    for (u32 k = 0; k < n; k++) {
        u64 a = width == 4 ? rd32(sdt + 36 + 4 * k) : rd64(sdt + 36 + 8 * k);
        const u8 *t = ram_at(m, a);
        if (t && !memcmp(t, sig, 4)) return t;
    }
    return NULL;
}

static bool reserved(struct machine *m, u64 pa, u64 len)
{
    struct e820_entry map[E820_MAX];
    int n = e820_build(m, map);
    for (int k = 0; k < n; k++)
        if (map[k].type == E820_RESERVED && pa >= map[k].base &&
            pa + len <= map[k].base + map[k].len)
            return true;
    return false;
}

static void tables(int ncpus)
{
    char name[128];
    struct machine *m = dev_machine(ncpus, 64 << 20);
    u64 rsdp = find_rsdp(m);
    snprintf(name, sizeof name, "acpi smp%d rsdp found, 16-byte aligned", ncpus);
    CHECK(name, rsdp && !(rsdp & 15), "at %#llx", (unsigned long long)rsdp);
    if (!rsdp) {
        dev_free(m);
        return;
    }
    const u8 *r = ram_at(m, rsdp);
    snprintf(name, sizeof name, "acpi smp%d rsdp revision 2, extended checksum", ncpus);
    CHECK(name, r[15] == 2 && rd32(r + 20) == 36 && sum(r, 36) == 0, "rev %u", r[15]);
    const u8 *rsdt = ram_at(m, rd32(r + 16)), *xsdt = ram_at(m, rd64(r + 24));
    snprintf(name, sizeof name, "acpi smp%d rsdt/xsdt signatures", ncpus);
    CHECK(name, rsdt && xsdt && !memcmp(rsdt, "RSDT", 4) && !memcmp(xsdt, "XSDT", 4), "missing");
    if (!rsdt || !xsdt) {
        dev_free(m);
        return;
    }
    static const char *const sigs[] = {"FACP", "APIC", "HPET"};
    for (int k = 0; k < 3; k++) {
        const u8 *a = find_table(m, rsdt, 4, sigs[k]), *b = find_table(m, xsdt, 8, sigs[k]);
        snprintf(name, sizeof name, "acpi smp%d %s in rsdt and xsdt, checksum", ncpus, sigs[k]);
        CHECK(name, a && a == b && sum(a, rd32(a + 4)) == 0, "a %p b %p", (const void *)a,
              (const void *)b);
    }
    snprintf(name, sizeof name, "acpi smp%d rsdt/xsdt checksums", ncpus);
    CHECK(name, sum(rsdt, rd32(rsdt + 4)) == 0 && sum(xsdt, rd32(xsdt + 4)) == 0, "bad");

    const u8 *f = find_table(m, xsdt, 8, "FACP");
    const u8 *madt = find_table(m, xsdt, 8, "APIC");
    const u8 *hpet = find_table(m, xsdt, 8, "HPET");
    if (!f || !madt || !hpet) {
        dev_free(m);
        return;
    }
    const u8 *dsdt = ram_at(m, rd64(f + 140)), *facs = ram_at(m, rd32(f + 36));
    snprintf(name, sizeof name, "acpi smp%d dsdt checksum, _S5_ package", ncpus);
    static const u8 s5[] = {0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, ACPI_SLP_TYP_S5};
    CHECK(name,
          dsdt && !memcmp(dsdt, "DSDT", 4) && sum(dsdt, rd32(dsdt + 4)) == 0 &&
              rd32(dsdt + 4) >= 36 + sizeof s5 && !memcmp(dsdt + 36, s5, sizeof s5) &&
              rd32(f + 40) == rd64(f + 140),
          "bad DSDT");
    /* Each board device as Device (NAME) { Name (_HID, EisaId ("PNPxxyy")) ... }. */
    static const struct {
        const char *name;
        u8 xx, yy;
    } devs[] = {
        {"PCI0", 0x0a, 0x03}, {"KBD_", 0x03, 0x03}, {"COM1", 0x05, 0x01},
        {"RTC_", 0x0b, 0x00}, {"HPET", 0x01, 0x03},
    };
    int found = 0;
    for (size_t k = 0; dsdt && k < sizeof devs / sizeof *devs; k++) {
        u8 pat[14] = {0,   0,   0,    0,    0x08, '_',        'H',
                      'I', 'D', 0x0c, 0x41, 0xd0, devs[k].xx, devs[k].yy};
        memcpy(pat, devs[k].name, 4);
        found += memmem(dsdt, rd32(dsdt + 4), pat, sizeof pat) != NULL;
    }
    snprintf(name, sizeof name,
             "acpi smp%d dsdt declares PCI0, KBD, COM1, RTC, HPET with their _HID", ncpus);
    CHECK(name, found == 5, "%d of 5", found);
    static const u8 mem_window[] = {0x87, 0x17, 0x00, 0x00, 0x0c, 0x03};
    const u8 *w = dsdt ? memmem(dsdt, rd32(dsdt + 4), mem_window, sizeof mem_window) : NULL;
    CHECK("acpi dsdt PCI0 _CRS: MMIO window from the end of low RAM to below the I/O APIC",
          w && rd32(w + 10) == m->ram_below_4g && rd32(w + 14) == E820_IOAPIC_BASE - 1,
          "bad window");
    static const u8 com1_io[] = {0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x22, 0x10, 0x00};
    CHECK("acpi dsdt COM1 _CRS: 0x3f8-0x3ff, IRQ4",
          dsdt && memmem(dsdt, rd32(dsdt + 4), com1_io, sizeof com1_io), "not found");
    snprintf(name, sizeof name, "acpi smp%d facs 64-byte aligned", ncpus);
    CHECK(name,
          facs && !memcmp(facs, "FACS", 4) && rd32(facs + 4) == 64 && !(rd32(f + 36) & 63) &&
              rd64(f + 132) == 0,
          "bad FACS");

    /* FADT */
    CHECK_EQ("acpi fadt revision", f[8], 5);
    CHECK_EQ("acpi fadt sci", rd16(f + 46), 9);
    CHECK_EQ("acpi fadt pm1a_evt", rd32(f + 56), ACPI_PM1_EVT);
    CHECK_EQ("acpi fadt pm1a_cnt", rd32(f + 64), ACPI_PM1_CNT);
    CHECK_EQ("acpi fadt pm_tmr", rd32(f + 76), ACPI_PM_TMR);
    CHECK_EQ("acpi fadt lengths", rd32(f + 88), 0x04000204);
    u32 flags = rd32(f + 112);
    CHECK("acpi fadt flags reset_reg_sup tmr_val_ext, not hw_reduced",
          (flags & (1u << 10)) && (flags & (1u << 8)) && !(flags & (1u << 20)), "flags %#x", flags);
    CHECK("acpi fadt reset register: I/O 0xcf9 <- 6",
          f[116] == 1 && f[117] == 8 && rd64(f + 120) == 0xcf9 && f[128] == 6, "bad");
    CHECK_EQ("acpi fadt x_pm1a_evt", rd64(f + 152), ACPI_PM1_EVT);
    CHECK_EQ("acpi fadt x_pm1a_cnt", rd64(f + 176), ACPI_PM1_CNT);
    CHECK_EQ("acpi fadt x_pm_tmr", rd64(f + 212), ACPI_PM_TMR);
    CHECK_EQ("acpi fadt century", f[108], 0x32);

    /* MADT */
    CHECK_EQ("acpi madt lapic address", rd32(madt + 36), E820_LAPIC_BASE);
    int cpus = 0, ioapics = 0, over0 = 0, over9 = 0, nmi = 0;
    u32 len = rd32(madt + 4);
    for (u32 o = 44; o + 2 <= len && madt[o + 1] >= 2; o += madt[o + 1]) {
        const u8 *e = madt + o;
        if (e[0] == 0 && (rd32(e + 4) & 1) && e[3] == cpus) cpus++;
        if (e[0] == 1 && rd32(e + 4) == E820_IOAPIC_BASE && rd32(e + 8) == 0) ioapics++;
        if (e[0] == 2 && e[3] == 0 && rd32(e + 4) == 2) over0++;
        if (e[0] == 2 && e[3] == 9 && rd32(e + 4) == 9 && rd16(e + 8) == 0x000d) over9++;
        if (e[0] == 4 && e[2] == 0xff && e[5] == 1) nmi++;
    }
    snprintf(name, sizeof name, "acpi smp%d madt: %d enabled processors, APIC IDs 0..", ncpus,
             ncpus);
    CHECK(name, cpus == ncpus, "%d", cpus);
    CHECK("acpi madt ioapic, overrides irq0->2 and sci level/high, lint1 nmi",
          ioapics == 1 && over0 == 1 && over9 == 1 && nmi == 1, "%d %d %d %d", ioapics, over0,
          over9, nmi);

    /* HPET table */
    CHECK("acpi hpet table: block id and address",
          rd32(hpet + 36) == (u32)hpet_capabilities() && hpet[40] == 0 &&
              rd64(hpet + 44) == HPET_BASE,
          "bad");

    snprintf(name, sizeof name, "acpi smp%d tables in reserved memory", ncpus);
    u64 end = 0;
    const u8 *all[] = {rsdt, xsdt, f, madt, hpet, dsdt, facs};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) {
        u64 pa = (u64)(all[k] - m->ram), e = pa + rd32(all[k] + 4);
        if (e > end) end = e;
    }
    CHECK(name,
          reserved(m, ACPI_TABLES_BASE, end - ACPI_TABLES_BASE) &&
              end <= ACPI_TABLES_BASE + ACPI_TABLES_SIZE,
          "end %#llx", (unsigned long long)end);

    /* The tables come back after a reset that overwrote them. */
    memset(ram_at(m, ACPI_TABLES_BASE), 0, 64);
    machine_reset(m);
    snprintf(name, sizeof name, "acpi smp%d tables rebuilt at reset", ncpus);
    CHECK(name, find_rsdp(m) == rsdp, "gone");
    dev_free(m);
}

static u32 inl(struct machine *m, u16 port)
{
    return io_read(m, m->cpus[0], port, 4);
}
static u16 inw(struct machine *m, u16 port)
{
    return (u16)io_read(m, m->cpus[0], port, 2);
}
static void outw(struct machine *m, u16 port, u16 v)
{
    io_write(m, m->cpus[0], port, 2, v);
}

static void pm(void)
{
    struct machine *m = dev_machine(1, 16 << 20);
    dev_pic_init(m, 0xfb, 0xfd); /* cascade and IRQ9 */
    outb(m, 0x4d1, 0x02);        /* IRQ9 level-triggered, as OSes set the SCI */
    u32 t0 = inl(m, ACPI_PM_TMR);
    machine_advance(m, 1000000000ull);
    u32 t1 = inl(m, ACPI_PM_TMR);
    CHECK_EQ("acpi pm timer: 3579545 ticks per virtual second", t1 - t0, ACPI_PM_TIMER_HZ);
    CHECK_EQ("acpi pm timer byte reads",
             inb(m, ACPI_PM_TMR) | inb(m, ACPI_PM_TMR + 1) << 8 | inb(m, ACPI_PM_TMR + 2) << 16 |
                 (u32)inb(m, ACPI_PM_TMR + 3) << 24,
             t1);
    CHECK_EQ("acpi pm timer at 1 ns granularity", acpi_pm_timer_at(1000), 3);
    CHECK_EQ("acpi pm timer 32 bits wrap", acpi_pm_timer_at(1200000000000ull),
             (u32)(1200ull * ACPI_PM_TIMER_HZ));
    CHECK_EQ("acpi pm1_cnt sci_en always", inw(m, ACPI_PM1_CNT) & 1, 1);
    CHECK_EQ("acpi pm1_sts idle", inw(m, ACPI_PM1_EVT), 0);

    /* TMR_STS: bit 31 of the counter flips after 2^31 ticks (600 s); with TMR_EN, SCI. */
    outw(m, ACPI_PM1_EVT + 2, 1);
    CHECK_EQ("acpi pm1_en readback", inw(m, ACPI_PM1_EVT + 2), 1);
    CHECK("acpi no sci before tmr_sts", !(pic_irr(m, 0xa0) & 2), "irr %#x", pic_irr(m, 0xa0));
    machine_advance(m, 598000000000ull);
    CHECK_EQ("acpi tmr_sts clear at 599 s", inw(m, ACPI_PM1_EVT) & 1, 0);
    machine_advance(m, 2000000000ull);
    CHECK_EQ("acpi tmr_sts set after bit 31 flips", inw(m, ACPI_PM1_EVT) & 1, 1);
    CHECK("acpi sci on irq9", pic_irr(m, 0xa0) & 2, "irr %#x", pic_irr(m, 0xa0));
    outw(m, ACPI_PM1_EVT, 0xfffe); /* everything but TMR_STS */
    CHECK_EQ("acpi w1c other bits keep tmr_sts", inw(m, ACPI_PM1_EVT) & 1, 1);
    outw(m, ACPI_PM1_EVT, 1);
    CHECK_EQ("acpi tmr_sts w1c", inw(m, ACPI_PM1_EVT) & 1, 0);
    CHECK("acpi sci lowered", !(pic_irr(m, 0xa0) & 2), "irr %#x", pic_irr(m, 0xa0));

    /* Sleep types other than S5 wake at once; S5 powers off with status 0. */
    outw(m, ACPI_PM1_CNT, 1u << 10 | PM1_SLP_EN);
    CHECK("acpi s1: wak_sts, still running",
          (inw(m, ACPI_PM1_EVT) & PM1_WAK) && m->stop == STOP_NONE, "stop %d", m->stop);
    outw(m, ACPI_PM1_CNT, ACPI_SLP_TYP_S5 << PM1_SLP_TYP_SHIFT);
    CHECK("acpi slp_typ without slp_en: running", m->stop == STOP_NONE, "stop %d", m->stop);
    CHECK_EQ("acpi pm1_cnt slp_typ readback", inw(m, ACPI_PM1_CNT), ACPI_SLP_TYP_S5 << 10 | 1);
    outb(m, ACPI_PM1_CNT + 1, (ACPI_SLP_TYP_S5 << 2) | 0x20); /* byte write of the high half */
    CHECK("acpi s5 powers off: status 0", m->stop == STOP_DEBUG_EXIT && m->exit_code == 0,
          "stop %d code %d", m->stop, m->exit_code);
    dev_free(m);

    /* Every value to every port and width: nothing crashes. */
    m = dev_machine(1, 16 << 20);
    for (u16 port = ACPI_PM_BASE - 4; port < ACPI_PM_BASE + ACPI_PM_LEN + 4; port++)
        for (unsigned size = 1; size <= 4; size *= 2)
            for (u32 v = 0; v < 256; v++) {
                m->stop = STOP_NONE;
                io_write(m, m->cpus[0], port, size, v * 0x01010101u);
                io_read(m, m->cpus[0], port, size);
            }
    CHECK("acpi pm any write survives", true, "%s", "");
    dev_free(m);
}

int main(void)
{
    tables(1);
    tables(4);
    tables(MAX_CPUS);
    pm();
    return check_exit();
}
