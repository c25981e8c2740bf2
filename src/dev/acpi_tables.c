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

#define OEM_ID "VANDRP"      /* 6 bytes */
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
    for (unsigned k = 0; k < n; k++)
        p[k] = (u8)(v >> (8 * k));
}

static u8 sum(const u8 *p, u32 n)
{
    u8 s = 0;
    for (u32 k = 0; k < n; k++)
        s = (u8)(s + p[k]);
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

static u32 addr(u32 off)
{
    return (u32)ACPI_TABLES_BASE + off;
}

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

/* DSDT (5.2.11.1), hand-assembled AML (ACPI 6.4 chapter 20; resource descriptors 6.4).
 * \_S5 first: DefName (0x08) "_S5_" DefPackage (0x12) PkgLength NumElements, elements
 * BytePrefix (0x0a) SLP_TYPa, BytePrefix SLP_TYPb, ZeroOp (0x00), ZeroOp: the SLP_TYP
 * value that acpi_pm.c turns into power-off. */
/* clang-format off */
static const u8 aml_s5[] = {
    0x08, '_', 'S', '5', '_',                     /* Name (_S5, */
    0x12, 0x08, 0x04,                             /*   Package (4) {  PkgLength 8 */
    0x0a, ACPI_SLP_TYP_S5, 0x0a, ACPI_SLP_TYP_S5, /*     SLP_TYPa, SLP_TYPb, */
    0x00, 0x00,                                   /*     reserved, reserved }) */
};
/* clang-format on */

/* Then Scope (\_SB) { Device (...) ... } with the board's devices, each
 *   DefDevice (0x5b 0x82) PkgLength NameSeg { Name (_HID, EisaId (...)) [Name (_UID, n)]
 *   [Name (_CRS, ResourceTemplate () {...})] }
 * so an OS finds them instead of probing. EisaId ("PNPxxyy") is the DWord 41 d0 xx yy.
 * Resource descriptors: IO (Decode16, min, max, 1, len) = 47 01 min(2) max(2) 01 len;
 * IRQNoFlags () {n} = 22 mask(2); Memory32Fixed (ReadOnly, base, len) = 86 09 00 00
 * base(4) len(4); EndTag = 79 00. PCI0's _CRS is built per machine (pci0_crs). */
struct aml_dev {
    char name[5];
    u8 hid[2]; /* the xx yy of PNPxxyy */
    int uid;   /* -1: no _UID */
    const u8 *crs;
    u8 crs_len;
};
/* clang-format off */
static const u8 crs_kbd[] = {
    0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01, /* IO (0x60, 1) */
    0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x01, 0x01, /* IO (0x64, 1) */
    0x22, 0x02, 0x00,                               /* IRQNoFlags () {1} */
    0x79, 0x00,
};
static const u8 crs_com1[] = {
    0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, /* IO (0x3f8, 8) */
    0x22, 0x10, 0x00,                               /* IRQNoFlags () {4} */
    0x79, 0x00,
};
static const u8 crs_rtc[] = {
    0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02, /* IO (0x70, 2) */
    0x22, 0x00, 0x01,                               /* IRQNoFlags () {8} */
    0x79, 0x00,
};
static const u8 crs_hpet[] = {
    0x86, 0x09, 0x00, 0x00, 0x00, 0x00, 0xd0, 0xfe, 0x00, 0x04, 0x00, 0x00, /* 0xfed00000, 1 KiB */
    0x79, 0x00,
};
_Static_assert(HPET_BASE == 0xfed00000ull, "crs_hpet names the HPET's address");
static const struct aml_dev aml_devs[] = {
    { "PCI0", { 0x0a, 0x03 }, 0, NULL, 0 },                    /* host bridge (pci.c), pci0_crs */
    { "KBD_", { 0x03, 0x03 }, -1, crs_kbd, sizeof crs_kbd },   /* 8042 (i8042.c) */
    { "COM1", { 0x05, 0x01 }, 1, crs_com1, sizeof crs_com1 },  /* 16550 (uart16550.c) */
    { "RTC_", { 0x0b, 0x00 }, -1, crs_rtc, sizeof crs_rtc },   /* MC146818 (rtc.c) */
    { "HPET", { 0x01, 0x03 }, -1, crs_hpet, sizeof crs_hpet }, /* HPET (hpet.c) */
};
/* clang-format on */

/* PkgLength (20.2.4) for `len` bytes of content after it: one byte up to 62, else two. */
static u32 pkglen(u8 *out, u32 len)
{
    if (len + 1 < 64) {
        out[0] = (u8)(len + 1);
        return 1;
    }
    u32 total = len + 2; /* < 4096: two bytes hold it */
    out[0] = (u8)(0x40 | (total & 0x0f));
    out[1] = (u8)(total >> 4);
    return 2;
}

/* Word (0x88, 16 bytes) and DWord (0x87, 26 bytes) address space descriptors (6.4.3.5):
 * type 0 memory, 1 I/O, 2 bus numbers; general flags 0x0c: a producer, positive decode,
 * fixed minimum and maximum; then type-specific flags, granularity 0, min, max,
 * translation 0, length. */
static u32 word_space(u8 *p, u8 type, u8 tflags, u16 min, u16 max)
{
    memset(p, 0, 16);
    p[0] = 0x88;
    p[1] = 0x0d;
    p[3] = type;
    p[4] = 0x0c;
    p[5] = tflags;
    put(p + 8, min, 2);
    put(p + 10, max, 2);
    put(p + 14, (u32)max - min + 1, 2);
    return 16;
}

static u32 dword_memory(u8 *p, u32 min, u32 max)
{
    memset(p, 0, 26);
    p[0] = 0x87;
    p[1] = 0x17;
    p[4] = 0x0c;
    p[5] = 0x03; /* read-write, cacheable */
    put(p + 10, min, 4);
    put(p + 14, max, 4);
    put(p + 22, max - min + 1, 4);
    return 26;
}

/* The host bridge's resources: bus numbers 0-255, the configuration ports 0xcf8-0xcff,
 * every other I/O port, and the 32-bit MMIO hole from the end of low RAM to just below
 * the I/O APIC (e820.c), as QEMU's pc describes them. */
static u8 pci0_crs(const struct machine *m, u8 *p)
{
    u32 n = word_space(p, 2, 0x00, 0x00, 0xff);
    static const u8 cfg_io[] = {0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08};
    memcpy(p + n, cfg_io, sizeof cfg_io), n += sizeof cfg_io;
    n += word_space(p + n, 1, 0x03, 0x0000, 0x0cf7);
    n += word_space(p + n, 1, 0x03, 0x0d00, 0xffff);
    n += dword_memory(p + n, (u32)m->ram_below_4g, (u32)E820_IOAPIC_BASE - 1);
    p[n++] = 0x79;
    p[n++] = 0x00;
    return (u8)n;
}

/* One device's AML into out (room for 256 bytes); returns its length. */
static u32 aml_device(u8 *out, const struct aml_dev *d)
{
    u8 body[250];
    u32 n = 0;
    memcpy(body + n, d->name, 4), n += 4;
    const u8 hid[] = {0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, d->hid[0], d->hid[1]};
    memcpy(body + n, hid, sizeof hid), n += sizeof hid;
    if (d->uid >= 0) {
        const u8 uid[] = {0x08, '_', 'U', 'I', 'D', 0x0a, (u8)d->uid};
        memcpy(body + n, uid, sizeof uid), n += sizeof uid;
    }
    if (d->crs) {
        memcpy(body + n, (const u8[]){0x08, '_', 'C', 'R', 'S', 0x11}, 6), n += 6;
        n += pkglen(body + n, 2 + d->crs_len);
        body[n++] = 0x0a; /* BufferSize: BytePrefix crs_len */
        body[n++] = d->crs_len;
        memcpy(body + n, d->crs, d->crs_len), n += d->crs_len;
    }
    out[0] = 0x5b;
    out[1] = 0x82;
    u32 h = 2 + pkglen(out + 2, n);
    memcpy(out + h, body, n);
    return h + n;
}

static u32 build_dsdt(struct builder *b, const struct machine *m)
{
    u8 sb[1024], crs[128];
    u32 n = 0;
    memcpy(sb, "\\_SB_", 5), n += 5;
    for (size_t k = 0; k < sizeof aml_devs / sizeof *aml_devs; k++) {
        struct aml_dev d = aml_devs[k];
        if (!strcmp(d.name, "PCI0")) {
            d.crs = crs;
            d.crs_len = pci0_crs(m, crs);
        }
        n += aml_device(sb + n, &d);
    }
    u8 scope[4] = {0x10}; /* DefScope PkgLength */
    u32 sh = 1 + pkglen(scope + 1, n);
    u32 len = 36 + (u32)sizeof aml_s5 + sh + n;
    u32 off = alloc(b, len, 16);
    header(b, off, "DSDT", len, 2); /* revision 2: 64-bit AML integers */
    u8 *p = b->buf + off + 36;
    memcpy(p, aml_s5, sizeof aml_s5), p += sizeof aml_s5;
    memcpy(p, scope, sh), p += sh;
    memcpy(p, sb, n);
    finish(b, off);
    return off;
}

/* FADT (5.2.9), revision 5: 268 bytes. */
enum {
    FADT_WBINVD = 1u << 0,
    FADT_PROC_C1 = 1u << 2,
    FADT_PWR_BUTTON = 1u << 4,
    FADT_SLP_BUTTON = 1u << 5,
    FADT_FIX_RTC = 1u << 6,
    FADT_TMR_VAL_EXT = 1u << 8,
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
    f[88] = 4;            /* PM1_EVT_LEN */
    f[89] = 2;            /* PM1_CNT_LEN */
    f[91] = 4;            /* PM_TMR_LEN */
    put(f + 96, 101, 2);  /* P_LVL2_LAT > 100: no C2 */
    put(f + 98, 1001, 2); /* P_LVL3_LAT > 1000: no C3 */
    f[108] = ACPI_CMOS_CENTURY;
    put(f + 109, BOOT_LEGACY_DEVICES | BOOT_8042 | BOOT_VGA_NOT_PRESENT, 2);
    put(f + 112,
        FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_FIX_RTC |
            FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP,
        4);
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
    static const struct {
        u8 irq, gsi;
        u16 flags;
    } overrides[] = {
        {0, 2, 0},                            /* the PIT on I/O APIC pin 2 (intr.c) */
        {ACPI_SCI_IRQ, ACPI_SCI_IRQ, 0x000d}, /* SCI: level-triggered, active high */
    };
    u32 n_over = (u32)(sizeof overrides / sizeof *overrides);
    u32 len = 44 + 8 * (u32)m->ncpus + 12 + 10 * n_over + 6;
    u32 off = alloc(b, len, 16);
    u8 *t = b->buf + off, *e = t + 44;
    header(b, off, "APIC", len, 3);
    put(t + 36, E820_LAPIC_BASE, 4);
    put(t + 40, 1, 4);                           /* PCAT_COMPAT */
    for (int k = 0; k < m->ncpus; k++, e += 8) { /* processor local APIC (5.2.12.2) */
        e[0] = 0;
        e[1] = 8;
        e[2] = (u8)k;     /* ACPI processor UID */
        e[3] = (u8)k;     /* APIC ID: the processor's index (lapic.c) */
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
    t[52] = 0;         /* HPET number */
    put(t + 53, 0, 2); /* minimum clock tick in periodic mode */
    t[55] = 0;         /* no page protection */
    finish(b, off);
    return off;
}

static u32 build_sdt(struct builder *b, const char *sig, const u32 *tables, u32 n, u32 width)
{
    u32 len = 36 + width * n;
    u32 off = alloc(b, len, 16);
    header(b, off, sig, len, 1);
    for (u32 k = 0; k < n; k++)
        put(b->buf + off + 36 + width * k, addr(tables[k]), width);
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
    u32 rsdp = alloc(b, 36, 16); /* first: at ACPI_RSDP_ADDR, 16-byte aligned */
    u32 facs = build_facs(b);
    u32 dsdt = build_dsdt(b, m);
    u32 tables[3] = {build_fadt(b, facs, dsdt), build_madt(b, m), build_hpet(b)};
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
