/* QEMU's pc-testdev (src/dev/pc_testdev.c): the data register at 0xe0 and 0xe8 in every
 * width and offset, the IRQ-line ports driving the PICs (edge and level) and the I/O APIC,
 * the page-flush port, the 64 KiB window at 0xff000000, and robustness against every
 * port width and offset. Layout from QEMU's hw/misc/pc-testdev.c. */
#include "dev/dev.h"
#include "test_dev.h"

#define WIN 0xff000000ull
#define IOAPIC 0xfec00000ull
#define APIC 0xfee00000ull

static u32 in(struct machine *m, u16 port, unsigned size)
{
    return io_read(m, m->cpus[0], port, size);
}
static void out(struct machine *m, u16 port, unsigned size, u32 v)
{
    io_write(m, m->cpus[0], port, size, v);
}

static void io_wr(struct machine *m, u32 reg, u32 v)
{
    phys_write(m, NULL, IOAPIC, 4, reg);
    phys_write(m, NULL, IOAPIC + 0x10, 4, v);
}
static u32 io_rd(struct machine *m, u32 reg)
{
    phys_write(m, NULL, IOAPIC, 4, reg);
    return (u32)phys_read(m, NULL, IOAPIC + 0x10, 4);
}

static struct machine *testdev_machine(void)
{
    struct machine_config cfg = {.ram_size = 16 << 20, .ncpus = 1, .pc_testdev = true};
    cfg.serial_out = open_memstream(&dev_out_buf, &dev_out_len);
    char err[200];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    if (!m) {
        printf("FAIL machine_create: %s\n", err);
        exit(1);
    }
    return m;
}

int main(void)
{
    /* Off by default: nothing answers at its ports or window. */
    struct machine *plain = dev_machine(1, 16 << 20);
    CHECK("testdev absent by default",
          !plain->testdev && in(plain, 0xe0, 4) == 0xffffffffu &&
              phys_read(plain, NULL, WIN, 4) == 0xffffffffu,
          "present without -device pc-testdev");
    dev_free(plain);

    struct machine *m = testdev_machine();
    struct cpu *c = m->cpus[0];
    CHECK("testdev present", m->testdev != NULL, "not created");

    /* Data register: byte-addressed at 0xe0-0xe3, every width. */
    out(m, 0xe0, 4, 0x12345678);
    CHECK_EQ("testdev data dword", in(m, 0xe0, 4), 0x12345678);
    CHECK_EQ("testdev data word at e2", in(m, 0xe2, 2), 0x1234);
    CHECK_EQ("testdev data byte at e1", in(m, 0xe1, 1), 0x56);
    out(m, 0xe1, 2, 0xabcd);
    CHECK_EQ("testdev data word write at e1", in(m, 0xe0, 4), 0x12abcd78);
    out(m, 0xe3, 1, 0x9f);
    CHECK_EQ("testdev data byte write at e3", in(m, 0xe0, 4), 0x9fabcd78);
    /* The byte port at 0xe8 is the same register, split into bytes. */
    CHECK_EQ("testdev byte port reads data", in(m, 0xe8, 4), 0x9fabcd78);
    out(m, 0xe8, 2, 0x4321);
    CHECK_EQ("testdev byte port writes data", in(m, 0xe0, 4), 0x9fab4321);
    CHECK_EQ("testdev byte port word at e9", in(m, 0xe9, 2), 0xab43);
    /* An access running past 0xe3 touches only the register's bytes. */
    out(m, 0xe2, 4, 0xffff1111);
    CHECK_EQ("testdev data straddling write", in(m, 0xe0, 4), 0x11114321);
    CHECK_EQ("testdev data straddling read", in(m, 0xe3, 4), 0x11);
    /* Flush port: reads 0, any write leaves the data register alone. */
    CHECK_EQ("testdev flush reads 0", in(m, 0xe4, 4), 0);
    out(m, 0xe4, 4, 0x00200000);
    out(m, 0xe4, 1, 0xff);
    out(m, 0xe4, 4, 0xfffff000); /* not RAM */
    CHECK_EQ("testdev flush leaves data", in(m, 0xe0, 4), 0x11114321);

    /* IRQ lines through the PICs: edge (raise/lower) and level (ELCR). */
    dev_pic_init(m, 0x00, 0x00);
    CHECK_EQ("testdev irq ports read 0", in(m, 0x2005, 1), 0);
    out(m, 0x2005, 1, 1);
    CHECK_EQ("testdev irq5 raise sets irr", pic_irr(m, 0x20), 0x20);
    CHECK_EQ("testdev irq5 vector", intr_ack(c), 0x25);
    outb(m, 0x20, 0x20);
    CHECK("testdev edge held high no repeat", !intr_pending(c), "edge IRQ5 delivered twice");
    out(m, 0x2005, 1, 0);
    out(m, 0x2005, 1, 0x80); /* any non-zero byte raises */
    CHECK_EQ("testdev edge after lower+raise", intr_ack(c), 0x25);
    outb(m, 0x20, 0x20);
    out(m, 0x2005, 1, 0);
    outb(m, 0x4d1, 0x08); /* ELCR2: IRQ11 level-triggered */
    out(m, 0x200b, 1, 1);
    CHECK_EQ("testdev level irq11 vector", intr_ack(c), 0x2b);
    outb(m, 0xa0, 0x20);
    outb(m, 0x20, 0x20);
    CHECK_EQ("testdev level stays asserted", intr_ack(c), 0x2b);
    outb(m, 0xa0, 0x20);
    outb(m, 0x20, 0x20);
    out(m, 0x200b, 1, 0);
    CHECK("testdev level lowered", !intr_pending(c), "IRQ11 pending after lowering");
    /* A word write is one byte per line, as QEMU splits it: lines 3 and 4. */
    out(m, 0x2003, 2, 0x0101);
    CHECK_EQ("testdev word write raises two lines", pic_irr(m, 0x20), 0x18);
    out(m, 0x2003, 2, 0);
    intr_ack(c);
    outb(m, 0x20, 0x20);
    intr_ack(c);
    outb(m, 0x20, 0x20);
    CHECK("testdev word lines served", !intr_pending(c), "lines 3/4 still pending");

    /* IRQ lines through the I/O APIC: PICs masked, pin 14 edge and pin 19 level. */
    outb(m, 0x21, 0xff);
    outb(m, 0xa1, 0xff);
    phys_write(m, c, APIC + 0xf0, 4, 0x1ff);
    io_wr(m, 0x10 + 2 * 14, 0x41);
    io_wr(m, 0x11 + 2 * 14, 0);
    out(m, 0x200e, 1, 1);
    CHECK_EQ("testdev ioapic edge pin 14", intr_ack(c), 0x41);
    phys_write(m, c, APIC + 0xb0, 4, 0);
    out(m, 0x200e, 1, 0);
    io_wr(m, 0x10 + 2 * 19, 0x52 | (1u << 15)); /* level, active high */
    io_wr(m, 0x11 + 2 * 19, 0);
    out(m, 0x2013, 1, 1);
    CHECK_EQ("testdev ioapic level pin 19", intr_ack(c), 0x52);
    CHECK("testdev ioapic remote irr", io_rd(m, 0x10 + 2 * 19) & (1u << 14), "remote IRR clear");
    out(m, 0x2013, 1, 0);
    phys_write(m, c, APIC + 0xb0, 4, 0);
    CHECK("testdev ioapic level done", !intr_pending(c) && !(io_rd(m, 0x10 + 2 * 19) & (1u << 14)),
          "pin 19 still pending after lowering and EOI");

    /* The window: RAM-like in every width, little-endian. */
    phys_write(m, NULL, WIN + 0x100, 8, 0x1122334455667788ull);
    CHECK_EQ("testdev window qword", phys_read(m, NULL, WIN + 0x100, 8), 0x1122334455667788ull);
    CHECK_EQ("testdev window unaligned word", phys_read(m, NULL, WIN + 0x103, 2), 0x4455);
    phys_write(m, NULL, WIN + 0x105, 1, 0xee);
    CHECK_EQ("testdev window byte write", phys_read(m, NULL, WIN + 0x104, 4), 0x1122ee44);
    phys_write(m, NULL, WIN + 0xfff8, 8, 0x0102030405060708ull);
    CHECK_EQ("testdev window last qword", phys_read(m, NULL, WIN + 0xfffc, 4), 0x01020304);
    CHECK_EQ("testdev window ends", phys_read(m, NULL, WIN + 0x10000, 4), 0xffffffffu);
    /* The device itself clips accesses that would run past its end. */
    struct mmio_region *r = mmio_find(m, WIN);
    r->write(r->opaque, NULL, 0xfffe, 8, 0);
    CHECK_EQ("testdev window clipped write", phys_read(m, NULL, WIN + 0xfffc, 4), 0x0304);
    CHECK_EQ("testdev window clipped read", r->read(r->opaque, NULL, 0xfffe, 8),
             0xffffffffffff0000ull);
    CHECK_EQ("testdev window far offset", r->read(r->opaque, NULL, ~0ull - 3, 4), 0xffffffffu);

    /* Fuzz: every width at every port of the device and around it, random values. No
     * crash (ASan), and the lines end lowered so nothing stays pending. */
    u64 s = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 4; round++)
        for (u32 p = 0xdc; p < 0xf0; p++)
            for (unsigned size = 1; size <= 4; size *= 2) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                out(m, (u16)p, size, (u32)(s >> 32));
                (void)in(m, (u16)p, size);
            }
    for (u32 p = 0x1ffc; p < 0x201c; p++)
        for (unsigned size = 1; size <= 4; size *= 2) {
            out(m, (u16)p, size, 0xffffffffu);
            (void)in(m, (u16)p, size);
            out(m, (u16)p, size, 0);
        }
    for (int k = 0; k < 1000; k++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        unsigned size = 1u << (s >> 62);
        u64 off = (s >> 20) & 0x1ffff; /* also past the end: open bus */
        off = off & ~(u64)(size - 1);  /* the bus never crosses a page */
        phys_write(m, c, WIN + off, size, s);
        (void)phys_read(m, c, WIN + off, size);
    }
    CHECK("testdev fuzz survives", m->testdev != NULL, "device gone");

    /* The window keeps its bytes over a machine reset, as QEMU's (no reset handler). */
    phys_write(m, NULL, WIN, 4, 0xcafef00d);
    machine_reset(m);
    CHECK_EQ("testdev window survives reset", phys_read(m, NULL, WIN, 4), 0xcafef00d);

    dev_free(m);
    return check_exit();
}
