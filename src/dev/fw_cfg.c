/* QEMU firmware configuration device, traditional I/O interface: 16-bit selector at 0x510,
 * byte-wide data at 0x511 (no DMA: ID reports the traditional interface only). */
#include <stdlib.h>

#include "../cpu/cpu.h"
#include "dev.h"

/* Selector keys (QEMU docs/specs/fw_cfg.rst, include/standard-headers/linux/qemu_fw_cfg.h). */
enum {
    FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_RAM_SIZE = 0x03, FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05, FW_CFG_MAX_CPUS = 0x0f, FW_CFG_FILE_DIR = 0x19,
};

#define FW_ITEMS 8
#define FW_ITEM_MAX 8

struct fw_item {
    u16 key;
    u8 len;
    u8 data[FW_ITEM_MAX];
};

struct fw_cfg {
    struct machine *m;
    struct fw_item items[FW_ITEMS];
    int n;
    u16 selector;
    u32 offset;
};

static void add_le(struct fw_cfg *f, u16 key, u64 v, unsigned len)
{
    struct fw_item *it = &f->items[f->n++];
    it->key = key;
    it->len = (u8)len;
    for (unsigned k = 0; k < len; k++) it->data[k] = (u8)(v >> (8 * k));
}

static const struct fw_item *find(const struct fw_cfg *f, u16 key)
{
    for (int k = 0; k < f->n; k++)
        if (f->items[k].key == key) return &f->items[k];
    return NULL;
}

static u8 read_byte(struct fw_cfg *f)
{
    const struct fw_item *it = find(f, f->selector & 0x3fff);
    if (!it || f->offset >= it->len) return 0; /* past the end, or no such item */
    return it->data[f->offset++];
}

static u32 fw_read(void *opaque, struct cpu *c, u16 port, unsigned size)
{
    struct fw_cfg *f = opaque;
    if (port != 0x511) return 0;
    u32 v = 0;
    for (unsigned k = 0; k < size; k++) v |= (u32)read_byte(f) << (8 * k);
    return v;
}

static void fw_write(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val)
{
    struct fw_cfg *f = opaque;
    if (port == 0x510) {
        f->selector = (u16)val;
        f->offset = 0;
    }
    /* Writes to the data port are ignored (QEMU 2.4+). */
}

void fw_cfg_reset(struct fw_cfg *f)
{
    struct machine *m = f->m;
    f->n = 0;
    struct fw_item *sig = &f->items[f->n++];
    sig->key = FW_CFG_SIGNATURE;
    sig->len = 4;
    memcpy(sig->data, "QEMU", 4);
    add_le(f, FW_CFG_ID, 1, 4);
    add_le(f, FW_CFG_RAM_SIZE, m->ram_size, 8);
    add_le(f, FW_CFG_NOGRAPHIC, 0, 2);
    add_le(f, FW_CFG_NB_CPUS, (u64)m->ncpus, 2);
    add_le(f, FW_CFG_MAX_CPUS, (u64)m->ncpus, 2);
    add_le(f, FW_CFG_FILE_DIR, 0, 4); /* no files: the big-endian count 0 */
    f->selector = 0;
    f->offset = 0;
}

struct fw_cfg *fw_cfg_create(struct machine *m)
{
    struct fw_cfg *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->m = m;
    fw_cfg_reset(f);
    struct io_handler h = { .read = fw_read, .write = fw_write, .opaque = f };
    io_register(m, 0x510, 2, &h);
    return f;
}

void fw_cfg_destroy(struct fw_cfg *f) { free(f); }
