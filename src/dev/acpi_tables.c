/* The ACPI firmware tables, built from the machine's configuration each time it starts:
 * RSDP, RSDT and XSDT, FADT with its FACS and DSDT, MADT (every processor's local APIC,
 * the I/O APIC, the ISA overrides) and the HPET table. Section numbers are the ACPI 6.4
 * specification's. There is no firmware: the tables are written straight into the BIOS
 * area of RAM, which the e820 map reports as reserved. */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "../machine/e820.h"
#include "acpi.h"
#include "dev.h"

#define OEM_ID "VANDRP"     /* 6 bytes */
#define OEM_TABLE "VANDERPL" /* 8 bytes */
#define CREATOR "VPOL"

struct builder {
    u8 buf[ACPI_TABLES_SIZE];
    u32 used;
};

_Static_assert(ACPI_TABLES_BASE + ACPI_TABLES_SIZE <= E820_HIGH_START &&
                   ACPI_TABLES_BASE >= E820_BIOS_START,
               "the ACPI tables must lie in the reserved BIOS area");

static void put(u8 *p, u64 v, unsigned n)
{
    for (unsigned k = 0; k < n; k++) p[k] = (u8)(v >> (8 * k));
}

static u8 sum(const u8 *p, u32 n)
{
    u8 s = 0;
    for (u32 k = 0; k < n; k++) s = (u8)(s + p[k]);
    return s;
}

/* Room for n bytes at the given alignment; returns the offset (tables fit by design, see
 * the sizes below, so running out is a programming error caught by the unit test). */
static u32 alloc(struct builder *b, u32 n, u32 align)
{
    u32 at = (b->used + align - 1) & ~(align - 1);
    if (at + n > sizeof b->buf) return 0;
    b->used = at + n;
    return at;
}

static u32 addr(u32 off) { return (u32)ACPI_TABLES_BASE + off; }

/* The common description header (5.2.6); the checksum is set by finish(). */
static void header(struct builder *b, u32 off, const char *sig, u32 len, u8 rev)
{
    u8 *h = b->buf + off;
    memcpy(h, sig, 4);
    put(h + 4, len, 4);
    h[8] = rev;
    memcpy(h + 10, OEM_ID, 6);
    memcpy(h + 16, OEM_TABLE, 8);
    put(h + 24, 1, 4); /* OEM revision */
    memcpy(h + 28, CREATOR, 4);
    put(h + 32, 1, 4); /* creator revision */
}

static void finish(struct builder *b, u32 off)
{
    u8 *h = b->buf + off;
    u32 len = (u32)h[4] | (u32)h[5] << 8 | (u32)h[6] << 16 | (u32)h[7] << 24;
    h[9] = 0;
    h[9] = (u8)-sum(h, len);
}

/* Generic address structure (5.2.3.2): space 1 = system I/O, 0 = memory. */
static void gas(u8 *p, u8 space, u8 bits, u8 access, u64 address)
{
    p[0] = space;
    p[1] = bits;
    p[2] = 0;
    p[3] = access; /* 1 byte, 2 word, 3 dword, 4 qword */
    put(p + 4, address, 8);
}

/* FACS (5.2.10): 64 bytes, 64-byte aligned, no checksum. */
static u32 build_facs(struct builder *b)
{
    u32 off = alloc(b, 64, 64);
    u8 *f = b->buf + off;
    memcpy(f, "FACS", 4);
    put(f + 4, 64, 4);
    f[32] = 2; /* version */
    return off;
}

/* DSDT (5.2.11.1), hand-assembled AML (ACPI 6.4 chapter 20). A one-byte PkgLength
 * (below 64) counts itself and everything after it in its object.
 *   DefName (0x08) NameString "_S5_" DefPackage (0x12) PkgLength NumElements
 *   BytePrefix (0x0a) SLP_TYPa, BytePrefix SLP_TYPb, ZeroOp (0x00), ZeroOp:
 *   \_S5 gives the SLP_TYP value that acpi_pm.c turns into power-off.
 *   DefScope (0x10) PkgLength "\_SB_" { DefDevice (0x5b 0x82) PkgLength "PCI0"
 *   { Name (_HID, EisaId ("PNP0A03")) Name (_UID, Zero) } }:
 *   the PCI host bridge (pci.c), bus 0, resources left to the OS's defaults. */
static const u8 dsdt_aml[] = {
    0x08, '_', 'S', '5', '_',                     /* Name (_S5, */
    0x12, 0x08, 0x04,                             /*   Package (4) {  PkgLength 8 */
    0x0a, ACPI_SLP_TYP_S5, 0x0a, ACPI_SLP_TYP_S5, /*     SLP_TYPa, SLP_TYPb, */
    0x00, 0x00,                                   /*     reserved, reserved }) */
    0x10, 0x1d, '\\', '_', 'S', 'B', '_',          /* Scope (\_SB) {  PkgLength 29 */
    0x5b, 0x82, 0x15, 'P', 'C', 'I', '0',         /*   Device (PCI0) {  PkgLength 21 */
    0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03, /* Name (_HID, DWord 0x030ad041) */
    0x08, '_', 'U', 'I', 'D', 0x00,               /*     Name (_UID, Zero) */
};                                                /*   } } */

static u32 build_dsdt(struct builder *b)
{
    u32 len = 36 + (u32)sizeof dsdt_aml;
    u32 off = alloc(b, len, 16);
    header(b, off, "DSDT", len, 2); /* revision 2: 64-bit AML integers */
    memcpy(b->buf + off + 36, dsdt_aml, sizeof dsdt_aml);
    finish(b, off);
    return off;
}

/* FADT (5.2.9), revision 5: 268 bytes. */
enum {
    FADT_WBINVD = 1u << 0, FADT_PROC_C1 = 1u << 2, FADT_PWR_BUTTON = 1u << 4,
    FADT_SLP_BUTTON = 1u << 5, FADT_FIX_RTC = 1u << 6, FADT_TMR_VAL_EXT = 1u << 8,
    FADT_RESET_REG_SUP = 1u << 10,
};
/* IA-PC boot architecture flags (5.2.9.3): ISA devices, an 8042, no VGA. */
enum { BOOT_LEGACY_DEVICES = 1u << 0, BOOT_8042 = 1u << 1, BOOT_VGA_NOT_PRESENT = 1u << 2 };
#define RESET_PORT 0xcf9 /* reset.c: bit 2 of 0xcf9 resets */
#define RESET_VALUE 0x06

static u32 build_fadt(struct builder *b, u32 facs, u32 dsdt)
{
    const u32 len = 268;
    u32 off = alloc(b, len, 16);
    u8 *f = b->buf + off;
    header(b, off, "FACP", len, 5);
    put(f + 36, addr(facs), 4);
    put(f + 40, addr(dsdt), 4);
    f[45] = 0; /* preferred PM profile: unspecified */
    put(f + 46, ACPI_SCI_IRQ, 2);
    put(f + 48, 0, 4); /* SMI_CMD 0: always in ACPI mode (SCI_EN reads 1) */
    put(f + 56, ACPI_PM1_EVT, 4);
    put(f + 64, ACPI_PM1_CNT, 4);
    put(f + 76, ACPI_PM_TMR, 4);
    f[88] = 4; /* PM1_EVT_LEN */
    f[89] = 2; /* PM1_CNT_LEN */
    f[91] = 4; /* PM_TMR_LEN */
    put(f + 96, 101, 2);  /* P_LVL2_LAT > 100: no C2 */
    put(f + 98, 1001, 2); /* P_LVL3_LAT > 1000: no C3 */
    f[108] = ACPI_CMOS_CENTURY;
    put(f + 109, BOOT_LEGACY_DEVICES | BOOT_8042 | BOOT_VGA_NOT_PRESENT, 2);
    put(f + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_FIX_RTC |
                     FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP, 4);
    gas(f + 116, 1, 8, 1, RESET_PORT);
    f[128] = RESET_VALUE;
    /* X_FIRMWARE_CTRL stays 0: FIRMWARE_CTRL says it (5.2.9: at most one of the two). */
    put(f + 140, addr(dsdt), 8);
    gas(f + 148, 1, 32, 2, ACPI_PM1_EVT); /* X_PM1a_EVT_BLK */
    gas(f + 172, 1, 16, 2, ACPI_PM1_CNT); /* X_PM1a_CNT_BLK */
    gas(f + 208, 1, 32, 3, ACPI_PM_TMR);  /* X_PM_TMR_BLK */
    finish(b, off);
    return off;
}

/* MADT (5.2.12): local APIC address, PCAT_COMPAT (8259s present), then entries. */
static u32 build_madt(struct builder *b, const struct machine *m)
{
    static const struct { u8 irq, gsi; u16 flags; } overrides[] = {
        { 0, 2, 0 },                   /* the PIT on I/O APIC pin 2 (intr.c) */
        { ACPI_SCI_IRQ, ACPI_SCI_IRQ, 0x000d }, /* SCI: level-triggered, active high */
    };
    u32 n_over = (u32)(sizeof overrides / sizeof *overrides);
    u32 len = 44 + 8 * (u32)m->ncpus + 12 + 10 * n_over + 6;
    u32 off = alloc(b, len, 16);
    u8 *t = b->buf + off, *e = t + 44;
    header(b, off, "APIC", len, 3);
    put(t + 36, E820_LAPIC_BASE, 4);
    put(t + 40, 1, 4); /* PCAT_COMPAT */
    for (int k = 0; k < m->ncpus; k++, e += 8) { /* processor local APIC (5.2.12.2) */
        e[0] = 0;
        e[1] = 8;
        e[2] = (u8)k; /* ACPI processor UID */
        e[3] = (u8)k; /* APIC ID: the processor's index (lapic.c) */
        put(e + 4, 1, 4); /* enabled */
    }
    e[0] = 1; /* I/O APIC (5.2.12.3): ID 0 (ioapic.c), GSI base 0 */
    e[1] = 12;
    e[2] = 0;
    put(e + 4, E820_IOAPIC_BASE, 4);
    put(e + 8, 0, 4);
    e += 12;
    for (u32 k = 0; k < n_over; k++, e += 10) { /* interrupt source override (5.2.12.5) */
        e[0] = 2;
        e[1] = 10;
        e[2] = 0; /* ISA */
        e[3] = overrides[k].irq;
        put(e + 4, overrides[k].gsi, 4);
        put(e + 8, overrides[k].flags, 2);
    }
    e[0] = 4; /* local APIC NMI (5.2.12.7): every processor's LINT1 */
    e[1] = 6;
    e[2] = 0xff;
    put(e + 3, 0, 2);
    e[5] = 1;
    finish(b, off);
    return off;
}

/* HPET description table (IA-PC HPET specification 1.0a, 3.2.4). */
static u32 build_hpet(struct builder *b)
{
    const u32 len = 56;
    u32 off = alloc(b, len, 16);
    u8 *t = b->buf + off;
    header(b, off, "HPET", len, 1);
    put(t + 36, (u32)hpet_capabilities(), 4); /* event timer block ID = GCAP_ID[31:0] */
    gas(t + 40, 0, 64, 0, HPET_BASE);
    t[52] = 0;          /* HPET number */
    put(t + 53, 0, 2);  /* minimum clock tick in periodic mode */
    t[55] = 0;          /* no page protection */
    finish(b, off);
    return off;
}

static u32 build_sdt(struct builder *b, const char *sig, const u32 *tables, u32 n, u32 width)
{
    u32 len = 36 + width * n;
    u32 off = alloc(b, len, 16);
    header(b, off, sig, len, 1);
    for (u32 k = 0; k < n; k++) put(b->buf + off + 36 + width * k, addr(tables[k]), width);
    finish(b, off);
    return off;
}

void acpi_tables_build(struct machine *m)
{
    struct builder *b = calloc(1, sizeof *b);
    if (!b) {
        machine_log(m, "out of memory building the ACPI tables");
        return;
    }
    u32 rsdp = alloc(b, 36, 16); /* first: at ACPI_TABLES_BASE, 16-byte aligned */
    u32 facs = build_facs(b);
    u32 dsdt = build_dsdt(b);
    u32 tables[3] = { build_fadt(b, facs, dsdt), build_madt(b, m), build_hpet(b) };
    u32 n = (u32)(sizeof tables / sizeof *tables);
    u32 rsdt = build_sdt(b, "RSDT", tables, n, 4);
    u32 xsdt = build_sdt(b, "XSDT", tables, n, 8);

    u8 *r = b->buf + rsdp; /* RSDP (5.2.5.3) */
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, OEM_ID, 6);
    r[15] = 2; /* revision: ACPI 2.0 and later, with the XSDT */
    put(r + 16, addr(rsdt), 4);
    put(r + 20, 36, 4);
    put(r + 24, addr(xsdt), 8);
    r[8] = (u8)-sum(r, 20);
    r[32] = (u8)-sum(r, 36);

    phys_copy_in(m, ACPI_TABLES_BASE, b->buf, b->used);
    free(b);
}
