/* The ACPI platform: where the firmware tables live and the fixed hardware they
 * describe (the PM1a event and control blocks, the PM timer, the SCI), the one place
 * both acpi_tables.c and acpi_pm.c take these facts from. The I/O layout is QEMU's
 * PIIX4 power-management function (base 0x600), so guests see the same ports there. */
#ifndef VP_DEV_ACPI_H
#define VP_DEV_ACPI_H

#include "../machine/machine.h"

/* The tables sit in the system BIOS area, which the e820 map reports as reserved
 * (src/machine/e820.h): the RSDP first (16-byte aligned, ACPI 6.4 5.2.5.1), the rest
 * after it. ACPI_TABLES_SIZE bounds them all; acpi_tables.c checks at build time. */
#define ACPI_TABLES_BASE 0xf0000ull
#define ACPI_TABLES_SIZE 0x4000u
/* Where the RSDP is, for loaders that hand it to the guest (PVH's rsdp_paddr). */
#define ACPI_RSDP_ADDR ACPI_TABLES_BASE

#define ACPI_PM_BASE 0x600
#define ACPI_PM1_EVT (ACPI_PM_BASE + 0) /* PM1a_STS (2 bytes), PM1a_EN (2 bytes) */
#define ACPI_PM1_CNT (ACPI_PM_BASE + 4) /* 2 bytes */
#define ACPI_PM_TMR (ACPI_PM_BASE + 8)  /* 4 bytes, 32-bit counter (FADT TMR_VAL_EXT) */
#define ACPI_PM_LEN 12
#define ACPI_SCI_IRQ 9
#define ACPI_PM_TIMER_HZ 3579545u

/* PM1 status/enable bits (ACPI 6.4 4.8.3.1) and PM1 control bits (4.8.3.2). */
enum {
    PM1_TMR = 1u << 0,
    PM1_BM = 1u << 4,
    PM1_GBL = 1u << 5,
    PM1_PWRBTN = 1u << 8,
    PM1_SLPBTN = 1u << 9,
    PM1_RTC = 1u << 10,
    PM1_WAK = 1u << 15,
};
enum { PM1_SCI_EN = 1u << 0, PM1_SLP_TYP_SHIFT = 10, PM1_SLP_EN = 1u << 13 };
/* The SLP_TYP value that powers the machine off: the DSDT's \_S5 package says so. */
#define ACPI_SLP_TYP_S5 5

/* The RTC's CMOS century byte (FADT CENTURY). */
#define ACPI_CMOS_CENTURY 0x32

/* acpi_tables.c: write the tables into guest RAM (at creation and every reset). */
void acpi_tables_build(struct machine *m);

/* acpi_pm.c: the PM1a event/control registers and the PM timer. */
struct acpi_pm *acpi_pm_create(struct machine *m);
void acpi_pm_destroy(struct acpi_pm *p);
void acpi_pm_reset(struct acpi_pm *p);
/* The PM timer's count at virtual time `ns` (24 bits wide on real PIIX4, 32 here). */
u32 acpi_pm_timer_at(u64 ns);

#endif
