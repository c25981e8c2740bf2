/* The VMCS: the field table, which fields this processor supports, and the current VMCS
 * cached in the processor (SDM Vol. 3 25.11).
 *
 * Memory layout of a VMCS region (ours; SDM 25.2 leaves the format to the implementation):
 *
 *   offset 0    revision identifier (bits 30:0) and shadow-VMCS indicator (bit 31)
 *   offset 4    VMX-abort indicator
 *   offset 8    launch state, u32 (enum vmcs_launch: 0 clear, 1 launched, 2 stale)
 *   offset 16   field slot s as 8 bytes little-endian at 16 + 8 * s, in vmcs_fields.h order
 *
 * While a VMCS is current its fields live in c->vmx->field[] and memory is stale; the
 * cache goes back to memory on VMCLEAR, on VMPTRLD of another VMCS and at VMXOFF (SDM 25.11.1
 * permits each). A region that software filled by itself reads as whatever it holds. */
#include <stdlib.h>

#include "../cpu/cpumodel.h"
#include "../machine/machine.h"
#include "caps.h"
#include "vmx.h"
#include "intercept.h"
#include "needs.h"

static const struct field_info {
    u32 enc;
    u8 width, kind, needs;
    const char *name;
} fields[VMCS_NSLOTS] = {
#define VMCS_FIELD(name, encoding, width, kind, needs) \
    {encoding, VMCS_##width, VMCS_##kind, VMX_NEED_##needs, #name},
#include "vmcs_fields.h"
#undef VMCS_FIELD
};

u32 vmcs_encoding(enum vmcs_slot s) { return fields[s].enc; }
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
    phys_write(c->m, c, pa + VMCS_LAUNCH_OFFSET, 4, v->launch);
    for (int s = 0; s < VMCS_NSLOTS; s++)
        phys_write(c->m, c, pa + VMCS_DATA_OFFSET + 8 * (u64)s, 8, v->field[s]);
}

void vmcs_load(struct cpu *c, u64 pa)
{
    struct vmx *v = c->vmx;
    v->current_vmcs = pa;
    u32 launch = (u32)phys_read(c->m, c, pa + VMCS_LAUNCH_OFFSET, 4);
    v->launch = launch <= VMCS_STALE ? (enum vmcs_launch)launch : VMCS_STALE;
    for (int s = 0; s < VMCS_NSLOTS; s++)
        vmcs_set(c, (enum vmcs_slot)s, phys_read(c->m, c, pa + VMCS_DATA_OFFSET + 8 * (u64)s, 8));
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
