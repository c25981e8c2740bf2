/* fw_cfg, isa-debug-exit, Bochs shutdown, debugcon, PCI configuration, reset sources,
 * the 8042 status and unassigned ports. */
#include <string.h>

#include "test_dev.h"

static void fw_select(struct machine *m, u16 key) { io_write(m, m->cpus[0], 0x510, 2, key); }
static u64 fw_read(struct machine *m, unsigned n)
{
    u64 v = 0;
    for (unsigned k = 0; k < n; k++) v |= (u64)inb(m, 0x511) << (8 * k);
    return v;
}
static u32 pci_cfg(struct machine *m, int dev, int reg, unsigned size)
{
    io_write(m, m->cpus[0], 0xcf8, 4, 0x80000000u | dev << 11 | (reg & 0xfc));
    return io_read(m, m->cpus[0], (u16)(0xcfc + (reg & 3)), size);
}

int main(void)
{
    struct machine *m = dev_machine(2, 64 << 20);

    /* fw_cfg. */
    fw_select(m, 0x0000);
    char sig[5] = { 0 };
    for (int k = 0; k < 4; k++) sig[k] = (char)inb(m, 0x511);
    CHECK("fw_cfg signature", strcmp(sig, "QEMU") == 0, "got \"%s\"", sig);
    fw_select(m, 0x0001);
    CHECK_EQ("fw_cfg id", fw_read(m, 4), 1);
    fw_select(m, 0x0003);
    CHECK_EQ("fw_cfg ram size", fw_read(m, 8), 64ull << 20);
    fw_select(m, 0x0005);
    CHECK_EQ("fw_cfg nb cpus", fw_read(m, 2), 2);
    fw_select(m, 0x000f);
    CHECK_EQ("fw_cfg max cpus", fw_read(m, 2), 2);
    fw_select(m, 0x0019);
    CHECK_EQ("fw_cfg file dir empty", fw_read(m, 4), 0);
    fw_select(m, 0x0003);
    CHECK_EQ("fw_cfg reselect rewinds", fw_read(m, 1), 0);
    fw_select(m, 0x1234);
    CHECK_EQ("fw_cfg unknown key", fw_read(m, 4), 0);

    /* PCI. */
    CHECK_EQ("pci host bridge id", pci_cfg(m, 0, 0, 4), 0x12378086);
    CHECK_EQ("pci host bridge class", pci_cfg(m, 0, 8, 4) >> 8, 0x060000);
    CHECK_EQ("pci isa bridge id", pci_cfg(m, 1, 0, 4), 0x70008086);
    CHECK_EQ("pci isa bridge class", pci_cfg(m, 1, 0x0a, 2), 0x0601);
    CHECK_EQ("pci isa multifunction", pci_cfg(m, 1, 0x0e, 1), 0x80);
    CHECK_EQ("pci absent device", pci_cfg(m, 5, 0, 4), 0xffffffff);
    CHECK_EQ("pci address readback", io_read(m, m->cpus[0], 0xcf8, 4), 0x80000000u | 5 << 11);
    CHECK_EQ("pci byte read", pci_cfg(m, 0, 1, 1), 0x80);
    pci_cfg(m, 0, 0, 4);
    io_write(m, m->cpus[0], 0xcfc, 4, 0);
    CHECK_EQ("pci id read-only", pci_cfg(m, 0, 0, 4), 0x12378086);
    pci_cfg(m, 1, 0x60, 4);
    io_write(m, m->cpus[0], 0xcfc, 1, 0x0b);
    CHECK_EQ("pci piix pirq writable", pci_cfg(m, 1, 0x60, 4), 0x8080800b);

    /* Debug console. */
    CHECK_EQ("debugcon read", inb(m, 0xe9), 0xe9);
    outb(m, 0xe9, 'o');
    outb(m, 0xe9, 'k');
    outb(m, 0xe9, '\n');
    CHECK("debugcon output", strcmp(dev_output(m), "ok\n") == 0, "got \"%s\"", dev_output(m));

    /* isa-debug-exit: (value << 1) | 1, any width. */
    CHECK_EQ("no stop yet", m->stop, STOP_NONE);
    outb(m, 0xf4, 0x10);
    CHECK_EQ("debug exit stop", m->stop, STOP_DEBUG_EXIT);
    CHECK_EQ("debug exit code", m->exit_code, 0x21);
    m->stop = STOP_NONE;
    io_write(m, m->cpus[0], 0xf4, 4, 0);
    CHECK_EQ("debug exit dword code", m->exit_code, 1);
    m->stop = STOP_NONE;

    /* Bochs shutdown port. */
    const char *bad = "Shutdow";
    for (const char *p = bad; *p; p++) io_write(m, m->cpus[0], 0x8900, 1, (u8)*p);
    CHECK_EQ("bochs shutdown partial", m->stop, STOP_NONE);
    const char *good = "xShutdown";
    for (const char *p = good; *p; p++) io_write(m, m->cpus[0], 0x8900, 1, (u8)*p);
    CHECK_EQ("bochs shutdown stop", m->stop, STOP_DEBUG_EXIT);
    CHECK_EQ("bochs shutdown code", m->exit_code, 0);
    m->stop = STOP_NONE;

    /* Reset sources. */
    outb(m, 0xcf9, 0x02);
    CHECK("cf9 no reset without bit 2", !m->reset_requested, "reset on 0x02");
    CHECK_EQ("cf9 readback", inb(m, 0xcf9), 0x02);
    outb(m, 0xcf9, 0x06);
    CHECK("cf9 reset", m->reset_requested, "no reset on 0x06");
    m->reset_requested = false;
    CHECK_EQ("port92 a20 on", inb(m, 0x92) & 0x02, 0x02);
    outb(m, 0x92, 0x00);
    CHECK_EQ("port92 a20 remembered", inb(m, 0x92), 0x00);
    CHECK("port92 no reset", !m->reset_requested, "reset without bit 0");
    outb(m, 0x92, 0x03);
    CHECK("port92 fast reset", m->reset_requested, "no reset on bit 0");
    m->reset_requested = false;
    u8 st = inb(m, 0x64);
    CHECK("kbc status idle", (st & 0x03) == 0 && (st & 0x04), "status %#x", st);
    outb(m, 0x64, 0xaa);
    CHECK_EQ("kbc self-test obf", inb(m, 0x64) & 1, 1);
    CHECK_EQ("kbc self-test result", inb(m, 0x60), 0x55);
    CHECK_EQ("kbc obf drained", inb(m, 0x64) & 1, 0);
    outb(m, 0x64, 0xfe);
    CHECK("kbc pulse reset", m->reset_requested, "no reset on 0xfe");
    m->reset_requested = false;

    /* POST port is a sink; unassigned ports float high. */
    outb(m, 0x80, 0x55);
    CHECK_EQ("unassigned port", inb(m, 0x2f8), 0xff);
    CHECK_EQ("unassigned port dword", io_read(m, m->cpus[0], 0x300, 4), 0xffffffff);

    dev_free(m);
    return check_exit();
}
