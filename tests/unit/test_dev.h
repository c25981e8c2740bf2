/* Shared helpers for the device tests: a machine with no code running, poked through the
 * port and physical buses while virtual time is advanced by hand. */
#ifndef VP_TEST_DEV_H
#define VP_TEST_DEV_H

#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "cpu/cpu.h"
#include "machine/machine.h"

static char *dev_out_buf;
static size_t dev_out_len;

/* A machine with `ncpus` processors and `ram` bytes; console output is captured. */
static inline struct machine *dev_machine(int ncpus, u64 ram)
{
    struct machine_config cfg = { .ram_size = ram, .ncpus = ncpus };
    cfg.serial_out = open_memstream(&dev_out_buf, &dev_out_len);
    cfg.log = stderr;
    char err[200];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    if (!m) {
        printf("FAIL machine_create: %s\n", err);
        exit(1);
    }
    return m;
}

static inline void dev_free(struct machine *m)
{
    FILE *f = m->serial_out;
    machine_destroy(m);
    fclose(f);
    free(dev_out_buf);
    dev_out_buf = NULL;
}

/* Console output so far. */
static inline const char *dev_output(struct machine *m)
{
    fflush(m->serial_out);
    return dev_out_buf ? dev_out_buf : "";
}

static inline u8 inb(struct machine *m, u16 port) { return (u8)io_read(m, m->cpus[0], port, 1); }
static inline void outb(struct machine *m, u16 port, u8 v) { io_write(m, m->cpus[0], port, 1, v); }

/* Standard PC initialisation of the 8259 pair: vectors 0x20 and 0x28, all unmasked. */
static inline void dev_pic_init(struct machine *m, u8 master_mask, u8 slave_mask)
{
    outb(m, 0x20, 0x11); outb(m, 0x21, 0x20); outb(m, 0x21, 0x04); outb(m, 0x21, 0x01);
    outb(m, 0xa0, 0x11); outb(m, 0xa1, 0x28); outb(m, 0xa1, 0x02); outb(m, 0xa1, 0x01);
    outb(m, 0x21, master_mask);
    outb(m, 0xa1, slave_mask);
}

static inline u8 pic_irr(struct machine *m, u16 base) { outb(m, base, 0x0a); return inb(m, base); }
static inline u8 pic_isr(struct machine *m, u16 base) { outb(m, base, 0x0b); return inb(m, base); }

#endif
