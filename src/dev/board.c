/* Board wiring: the chipset of QEMU's pc machine as kernels see it. */
#include "../cpu/cpu.h"
#include "acpi.h"
#include "dev.h"
#include "lapic.h"

/* POST diagnostic port 0x80: writes are a silent sink (also used as an I/O delay). */
static u32 post_read(void *opaque, struct cpu *c, u16 port, unsigned size) { return 0xffffffffu; }
static void post_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val) {}

/* The PC chipset's FERR# circuit (SDM Vol. 1 D.2.1, "MS-DOS compatibility"): an x87
 * error reported with CR0.NE = 0 sets a latch that drives IRQ 13 (ferr_assert, from
 * x87_env.c); a write of any value to port F0H clears the latch, lowers IRQ 13 and
 * asserts IGNNE#. Until then further errors raise no new edge. */
void ferr_assert(struct machine *m)
{
    if (m->ferr_latched) return;
    m->ferr_latched = true;
    irq_set(m, 13, 1);
}
static u32 ferr_read(void *opaque, struct cpu *c, u16 port, unsigned size) { return 0xffffffffu; }
static void ferr_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct machine *m = opaque;
    m->ferr_latched = false;
    irq_set(m, 13, 0);
}

bool board_create(struct machine *m, char *err, size_t errlen)
{
    m->pic = pic_create(m);
    m->pit = pit_create(m);
    m->rtc = rtc_create(m);
    m->uart = uart_create(m);
    m->ioapic = ioapic_create(m);
    m->pci = pci_create(m);
    m->fw_cfg = fw_cfg_create(m);
    m->reset = reset_create(m);
    m->i8042 = i8042_create(m);
    m->acpi_pm = acpi_pm_create(m);
    m->hpet = hpet_create(m);
    bool dbg = debug_exit_create(m);
    /* Registered after debugcon: its byte data port 0xe8-0xeb covers 0xe9, as in QEMU. */
    bool testdev = !m->pc_testdev || pc_testdev_create(m);
    if (!m->pic || !m->pit || !m->rtc || !m->uart || !m->ioapic || !m->pci || !m->fw_cfg ||
        !m->reset || !m->i8042 || !m->acpi_pm || !m->hpet || !dbg || !testdev) {
        snprintf(err, errlen, "out of memory creating the board devices");
        board_destroy(m);
        return false;
    }
    struct io_handler post = { .read = post_read, .write = post_write, .opaque = m };
    io_register(m, 0x80, 1, &post);
    struct io_handler ferr = { .read = ferr_read, .write = ferr_write, .opaque = m };
    io_register(m, 0xf0, 1, &ferr);
    return true;
}

void board_reset(struct machine *m)
{
    pic_reset(m->pic);
    pit_reset(m->pit);
    rtc_reset(m->rtc);
    uart_reset(m->uart);
    ioapic_reset(m->ioapic);
    pci_reset(m->pci);
    fw_cfg_reset(m->fw_cfg);
    reset_ctl_reset(m->reset);
    i8042_reset(m->i8042);
    acpi_pm_reset(m->acpi_pm);
    hpet_reset(m->hpet);
    acpi_tables_build(m);
    debug_exit_reset(m);
    m->ferr_latched = false;
}

void board_destroy(struct machine *m)
{
    pic_destroy(m->pic);
    pit_destroy(m->pit);
    rtc_destroy(m->rtc);
    uart_destroy(m->uart);
    ioapic_destroy(m->ioapic);
    pci_destroy(m->pci);
    fw_cfg_destroy(m->fw_cfg);
    reset_destroy(m->reset);
    i8042_destroy(m->i8042);
    acpi_pm_destroy(m->acpi_pm);
    hpet_destroy(m->hpet);
    debug_exit_destroy(m);
    pc_testdev_destroy(m->testdev);
    m->pic = NULL;
    m->pit = NULL;
    m->rtc = NULL;
    m->uart = NULL;
    m->ioapic = NULL;
    m->pci = NULL;
    m->fw_cfg = NULL;
    m->reset = NULL;
    m->i8042 = NULL;
    m->acpi_pm = NULL;
    m->hpet = NULL;
    m->testdev = NULL;
}
