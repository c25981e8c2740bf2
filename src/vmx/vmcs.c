/* The VMCS: the field table, which fields this processor supports, and the current VMCS
 * cached in the processor (SDM Vol. 3 25.11).
 *
 * Memory layout of a VMCS region (ours; SDM 25.2 leaves the format to the implementation):
 *
 *   offset 0    revision identifier (bits 30:0) and shadow-VMCS indicator (bit 31)
 *   offset 4    VMX-abort indicator
 *   offset 8    launch state, u32 (enum vmcs_launch: 0 clear, 1 launched, 2 stale)
 *   offset 16+  each field as 8 bytes little-endian at the offset its row of vmcs_fields.h
 *               gives: fixed, so a new field moves no other (as KVM's vmcs12.h); checked
 *               below at build time to be distinct, 8-byte aligned and within the region
 *               (VMCS_REGION_SIZE, reported in IA32_VMX_BASIC[44:32], SDM A.1)
 *
 * While a VMCS is current its fields live in c->vmx->field[] and memory is stale; the
 * cache goes back to memory on VMCLEAR, on VMPTRLD of another VMCS and at VMXOFF (SDM 25.11.1
 * permits each). A region that software filled by itself reads as whatever it holds.
 * vmcs_read_in/vmcs_write_in work on either: the cache, or a region in memory. */
#include <stdlib.h>

#include "../cpu/cpumodel.h"
#include "../machine/machine.h"
#include "caps.h"
#include "vmx.h"
#include "intercept.h"
#include "needs.h"

static const struct field_info {
    u32 enc;
    u16 offset;
    u8 width, kind, needs;
    const char *name;
} fields[VMCS_NSLOTS] = {
#define VMCS_FIELD(name, encoding, width, kind, needs, offset) \
    {encoding, offset, VMCS_##width, VMCS_##kind, VMX_NEED_##needs, #name},
#include "vmcs_fields.h"
#undef VMCS_FIELD
};

/* The layout, checked at build time: every offset 8-byte aligned, past the header and
 * inside the region... */
#define VMCS_FIELD(name, encoding, width, kind, needs, offset)                          \
    _Static_assert((offset) % 8 == 0 && (offset) >= VMCS_DATA_OFFSET &&                \
                       (offset) + 8 <= VMCS_REGION_SIZE,                               \
                   "VMCS field " #name ": offset not aligned or outside the region");
#include "vmcs_fields.h"
#undef VMCS_FIELD
/* ...and no two fields at one offset: a second row with the same offset redeclares its
 * enumerator (write offsets as 0x and three hex digits; test_vmx_vmcs_layout compares
 * the values too). */
enum vmcs_offset_taken {
#define VMCS_FIELD(name, encoding, width, kind, needs, offset) vmcs_offset_taken_##offset,
#include "vmcs_fields.h"
#undef VMCS_FIELD
};

u32 vmcs_encoding(enum vmcs_slot s) { return fields[s].enc; }
u32 vmcs_offset_of(enum vmcs_slot s) { return fields[s].offset; }
enum vmcs_width vmcs_width_of(enum vmcs_slot s) { return (enum vmcs_width)fields[s].width; }
enum vmcs_kind vmcs_kind_of(enum vmcs_slot s) { return (enum vmcs_kind)fields[s].kind; }
const char *vmcs_name(enum vmcs_slot s) { return fields[s].name; }

u64 vmcs_width_mask(enum vmcs_width w)
{
    switch (w) {
    case VMCS_W16: return 0xffff;
    case VMCS_W32: return 0xffffffffull;
    default: return ~0ull;
    }
}

void vmcs_set(struct cpu *c, enum vmcs_slot s, u64 v)
{
    c->vmx->field[s] = v & vmcs_width_mask(vmcs_width_of(s));
}

struct vmcs_ref vmcs_at(struct cpu *c, u64 pa)
{
    if (pa == c->vmx->current_vmcs) return vmcs_current(c);
    return (struct vmcs_ref){c, NULL, pa};
}

u64 vmcs_read_in(struct vmcs_ref v, enum vmcs_slot s)
{
    if (v.cache) return v.cache[s];
    u64 val = phys_read(v.c->m, v.c, v.pa + fields[s].offset, 8);
    return val & vmcs_width_mask(vmcs_width_of(s));
}

void vmcs_write_in(struct vmcs_ref v, enum vmcs_slot s, u64 val)
{
    val &= vmcs_width_mask(vmcs_width_of(s));
    if (v.cache) v.cache[s] = val;
    else phys_write(v.c->m, v.c, v.pa + fields[s].offset, 8, val);
}

/* A field exists only if the processor can enable the feature that uses it (its "needs"
 * column, SDM 25.6-25.8 and the footnotes of Appendix B). */
static bool supported(const struct cpu *c, enum vmcs_slot s)
{
    struct vmx_allowed a;
    vmx_allowed_of(c, &a);
    return vmx_need_met(&a, (enum vmx_need)fields[s].needs);
}

/* SDM 25.11.2: bit 0 access type (1 = high half of a 64-bit field), bits 9:1 index,
 * 11:10 type, 12 reserved, 14:13 width, 31:15 reserved. The table is sorted by encoding. */
int vmcs_slot_of(struct cpu *c, u32 encoding, bool *high)
{
    *high = encoding & 1;
    u32 full = encoding & ~1u;
    int lo = 0, hi = VMCS_NSLOTS - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (fields[mid].enc == full) {
            if (*high && fields[mid].width != VMCS_W64) return -1;
            return supported(c, (enum vmcs_slot)mid) ? mid : -1;
        }
        if (fields[mid].enc < full) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

/* --- The cache and memory ------------------------------------------------------------ */

void vmcs_flush(struct cpu *c)
{
    struct vmx *v = c->vmx;
    if (v->current_vmcs == VMCS_NONE) return;
    u64 pa = v->current_vmcs;
    struct vmcs_ref mem = {c, NULL, pa};
    phys_write(c->m, c, pa + VMCS_LAUNCH_OFFSET, 4, v->launch);
    for (int s = 0; s < VMCS_NSLOTS; s++) vmcs_write_in(mem, (enum vmcs_slot)s, v->field[s]);
}

void vmcs_load(struct cpu *c, u64 pa)
{
    struct vmx *v = c->vmx;
    v->current_vmcs = pa;
    u32 launch = (u32)phys_read(c->m, c, pa + VMCS_LAUNCH_OFFSET, 4);
    v->launch = launch <= VMCS_STALE ? (enum vmcs_launch)launch : VMCS_STALE;
    struct vmcs_ref mem = {c, NULL, pa};
    for (int s = 0; s < VMCS_NSLOTS; s++) v->field[s] = vmcs_read_in(mem, (enum vmcs_slot)s);
}

struct vmx *vmx_create(void)
{
    struct vmx *v = calloc(1, sizeof *v);
    if (v) v->current_vmcs = VMCS_NONE;
    return v;
}

void vmx_destroy(struct vmx *v) { free(v); }

/* Reset (not INIT, which VMX root operation blocks) leaves VMX operation; nothing is
 * written back (SDM 24.8: the processor does not keep VMX state across a reset). */
void vmx_reset(struct cpu *c)
{
    struct vmx *v = c->vmx;
    if (!v) return;
    vmx_preempt_stop(c);
    /* The machine keeps a pointer to the preemption timer: it survives the reset. */
    bool registered = v->preempt_registered;
    struct timer t = v->preempt_timer;
    memset(v, 0, sizeof *v);
    v->preempt_registered = registered;
    v->preempt_timer = t;
    v->current_vmcs = VMCS_NONE;
    c->vmx_nonroot = false;
    c->vmx_step = false;
}
