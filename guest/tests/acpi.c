/* ACPI from inside a guest, the way an OS finds it: scan 0xe0000-0xfffff for the RSDP on
 * 16-byte boundaries, walk the RSDT (and the XSDT when the RSDP's revision is 2 or more),
 * validate every table's checksum, then read the FADT (PM blocks, SCI, reset register,
 * the DSDT with its \_S5 package, the FACS), the MADT (one line per entry; run with 4
 * processors: 4 enabled local APICs, one I/O APIC) and, when offered, the HPET table.
 * The PM timer and the HPET counter must advance. Checks are what every PC firmware must
 * agree on; the values (ports, table lists) are printed as information, not compared:
 * Bochs' BIOS, QEMU's and Vanderpool's tables differ in them. With "poweroff" on the
 * command line the test ends by entering S5 (SLP_TYPa from \_S5) instead of the
 * debug-exit port. */
#include "cmdline.h"
#include "guest.h"

#define NCPUS 4 /* tests/guest/options.txt: smp=4 */

static u8 sum(const u8 *p, u32 n)
{
    u8 s = 0;
    while (n--)
        s = (u8)(s + *p++);
    return s;
}
static u32 rd32(const u8 *p)
{
    return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}
static u16 rd16(const u8 *p)
{
    return (u16)(p[0] | p[1] << 8);
}
static u64 rd64(const u8 *p)
{
    return rd32(p) | (u64)rd32(p + 4) << 32;
}
static const u8 *ptr(u64 a)
{
    return (const u8 *)(uptr)a;
}
static int sig_is(const u8 *t, const char *s)
{
    return memcmp(t, s, 4) == 0;
}

static const u8 *find_rsdp(void)
{
    for (u32 a = 0xe0000; a < 0x100000; a += 16)
        if (!memcmp(ptr(a), "RSD PTR ", 8) && sum(ptr(a), 20) == 0) return ptr(a);
    return 0;
}

/* Tables below 4 GiB only: this test runs with paging off. */
static const u8 *table(const u8 *sdt, u32 width, u32 k)
{
    u64 a = width == 4 ? rd32(sdt + 36 + 4 * k) : rd64(sdt + 36 + 8 * k);
    return a < 0x100000000ull ? ptr(a) : 0;
}

static const u8 *find(const u8 *sdt, u32 width, const char *sig)
{
    u32 n = (rd32(sdt + 4) - 36) / width;
    for (u32 k = 0; k < n; k++) {
        const u8 *t = table(sdt, width, k);
        if (t && sig_is(t, sig)) return t;
    }
    return 0;
}

/* \_S5's SLP_TYPa: "_S5_" then PackageOp, PkgLength (1 byte for so small a package),
 * NumElements, then the first element (BytePrefix n, ZeroOp or OneOp). -1 if absent. */
static int s5_slp_typ(const u8 *dsdt)
{
    u32 len = rd32(dsdt + 4);
    for (u32 k = 36; k + 10 < len; k++) {
        const u8 *p = dsdt + k;
        if (memcmp(p, "_S5_", 4) || p[4] != 0x12) continue;
        const u8 *e = p + 5 + 1 + ((p[5] >> 6) & 3) + 1;
        if (e[0] == 0x0a) return e[1];
        if (e[0] == 0x00 || e[0] == 0x01) return e[0];
        return -1;
    }
    return -1;
}

static void madt(const u8 *t)
{
    int cpus = 0, ioapics = 0;
    u32 len = rd32(t + 4);
    printf("madt: local APIC address 0x%x flags 0x%x\n", rd32(t + 36), rd32(t + 40));
    for (u32 o = 44; o + 2 <= len && t[o + 1] >= 2; o += t[o + 1]) {
        const u8 *e = t + o;
        switch (e[0]) {
        case 0:
            printf("madt: local APIC uid %u id %u flags 0x%x\n", e[2], e[3], rd32(e + 4));
            if (rd32(e + 4) & 1) cpus++;
            break;
        case 1:
            printf("madt: I/O APIC id %u at 0x%x gsi base %u\n", e[2], rd32(e + 4), rd32(e + 8));
            ioapics++;
            break;
        case 2:
            printf("madt: override bus %u irq %u -> gsi %u flags 0x%x\n", e[2], e[3], rd32(e + 4),
                   rd16(e + 8));
            break;
        case 4:
            printf("madt: local APIC NMI uid 0x%x flags 0x%x lint %u\n", e[2], rd16(e + 3), e[5]);
            break;
        default: printf("madt: entry type %u length %u\n", e[0], e[1]); break;
        }
    }
    check_eq("madt: enabled processors", cpus, NCPUS);
    check_eq("madt: one I/O APIC", ioapics, 1);
}

static u32 pm_timer(u16 port)
{
    return inl(port);
}

void test_main(struct multiboot_info *mbi)
{
    static const char *const words[] = {"poweroff"};
    int poweroff = cmdline_choice(mbi, words, 1) == 0;
    const u8 *r = find_rsdp();
    if (!check("rsdp: found on a 16-byte boundary in 0xe0000-0xfffff, checksum valid", r != 0))
        return;
    printf("rsdp: revision %u, oem %c%c%c%c%c%c\n", r[15], r[9], r[10], r[11], r[12], r[13], r[14]);
    check("rsdp: revision 2+ length and extended checksum valid",
          r[15] < 2 || (rd32(r + 20) >= 36 && sum(r, rd32(r + 20)) == 0));
    const u8 *rsdt = ptr(rd32(r + 16));
    if (!check("rsdt: signature and checksum",
               sig_is(rsdt, "RSDT") && sum(rsdt, rd32(rsdt + 4)) == 0))
        return;
    u32 n = (rd32(rsdt + 4) - 36) / 4, bad = 0;
    printf("rsdt: %u tables:", n);
    for (u32 k = 0; k < n; k++) {
        const u8 *t = table(rsdt, 4, k);
        printf(" %c%c%c%c", t[0], t[1], t[2], t[3]);
        if (sum(t, rd32(t + 4))) bad++;
    }
    printf("\n");
    check_eq("rsdt: every table's checksum valid", bad, 0);
    int xsdt_ok = 1;
    if (r[15] >= 2 && rd64(r + 24)) {
        const u8 *x = ptr(rd64(r + 24));
        xsdt_ok = sig_is(x, "XSDT") && sum(x, rd32(x + 4)) == 0 && (rd32(x + 4) - 36) / 8 == n;
        for (u32 k = 0; xsdt_ok && k < n; k++)
            xsdt_ok = table(x, 8, k) == table(rsdt, 4, k);
    }
    check("xsdt (revision 2+): checksum valid, the same tables as the rsdt", xsdt_ok);

    const u8 *f = find(rsdt, 4, "FACP");
    if (!check("fadt: present", f != 0)) return;
    u16 tmr = (u16)rd32(f + 76), cnt = (u16)rd32(f + 64);
    printf("fadt: revision %u sci %u smi_cmd 0x%x pm1a_evt 0x%x pm1a_cnt 0x%x pm_tmr 0x%x flags "
           "0x%x\n",
           f[8], rd16(f + 46), rd32(f + 48), rd32(f + 56), cnt, tmr, rd32(f + 112));
    if (rd32(f + 4) >= 129)
        printf("fadt: reset register space %u address 0x%x value 0x%x boot flags 0x%x\n", f[116],
               (u32)rd64(f + 120), f[128], rd16(f + 109));
    u64 dsdt_a = rd32(f + 40);
    if (rd32(f + 4) >= 148 && rd64(f + 140)) dsdt_a = rd64(f + 140);
    const u8 *dsdt = ptr(dsdt_a);
    check("dsdt: signature and checksum", sig_is(dsdt, "DSDT") && sum(dsdt, rd32(dsdt + 4)) == 0);
    int slp = s5_slp_typ(dsdt);
    check("dsdt: \\_S5 package present", slp >= 0);
    printf("dsdt: \\_S5 SLP_TYPa %d\n", slp);
    u64 facs_a = rd32(f + 36);
    if (rd32(f + 4) >= 140 && rd64(f + 132)) facs_a = rd64(f + 132);
    check("facs: signature", facs_a && sig_is(ptr(facs_a), "FACS"));

    u32 t0 = pm_timer(tmr);
    for (volatile int k = 0; k < 100000; k++) {
    }
    u32 t1 = pm_timer(tmr);
    check("pm timer: advances", t1 != t0);

    const u8 *m = find(rsdt, 4, "APIC");
    if (check("madt: present", m != 0)) madt(m);

    const u8 *h = find(rsdt, 4, "HPET");
    int hpet_ok = 1;
    if (h) {
        volatile u32 *hp = (volatile u32 *)(uptr)rd64(h + 44);
        printf("hpet: block id 0x%x at 0x%x, period %u fs\n", rd32(h + 36), (u32)rd64(h + 44),
               hp[1]);
        hp[4] |= 1; /* ENABLE_CNF */
        u32 c0 = hp[0xf0 / 4];
        for (volatile int k = 0; k < 10000; k++) {
        }
        hpet_ok = hp[0xf0 / 4] != c0 && hp[1] != 0 && hp[1] <= 100000000;
        hp[4] &= ~1u;
    }
    check("hpet (when offered): counter runs, period valid", hpet_ok);

    if (poweroff && slp >= 0) {
        printf("END\n");
        serial_flush();
        outw(cnt, (u16)(slp << 10 | 1u << 13)); /* SLP_TYPa, SLP_EN */
        for (;;)
            __asm__ volatile("hlt");
    }
}
