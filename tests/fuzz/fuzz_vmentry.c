/* libFuzzer target: VM entry with fuzzer-chosen VMCS contents. Each input starts from a
 * VMCS that enters a 64-bit guest (tests/unit/vmx_guest.h), mutates a few fields or bits
 * (biased toward nearly valid states: bit flips, control bits within the allowed-1
 * settings, addresses in and out of RAM and MMIO), places guest code and a data page for
 * bitmaps and MSR lists, then VMLAUNCHes from a tiny host that resumes the guest past every
 * exit, for a bounded number of instructions. Findings: crashes, sanitizer reports,
 * timeouts, and broken invariants (below).
 *
 * Input: flags (bits 1:0 CPU model, bit 2 -d vmx tracing), mutation count, that many
 * 10-byte mutations (slot, operation, 8-byte value), then up to 64 bytes of guest code and
 * up to 256 bytes for the data page. Build and run: `make fuzz-vmentry` (tests/fuzz/fuzz.mk). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmx_guest.h"

#define BUDGET 4000
#define MAX_MUTATIONS 24
#define DATA_PAGE SCRATCH /* bitmaps and MSR lists the mutations can point at */

/* The host: VMLAUNCH at HARNESS_CODE; every exit (and a failed VMLAUNCH, falling through)
 * comes to HOST_RESUME, which moves guest RIP past the exiting instruction and VMRESUMEs;
 * a failed VMRESUME falls through to the HLT the harness appends. */
static const u8 host_code[] = {
    0x0f, 0x01, 0xc2,             /* vmlaunch */
    0xba, 0x0c, 0x44, 0, 0,       /* HOST_RESUME: mov edx, VM_EXIT_INSTRUCTION_LEN */
    0x0f, 0x78, 0xd0,             /* vmread rax, rdx */
    0xba, 0x1e, 0x68, 0, 0,       /* mov edx, GUEST_RIP */
    0x0f, 0x78, 0xd1,             /* vmread rcx, rdx */
    0x48, 0x01, 0xc1,             /* add rcx, rax */
    0x0f, 0x79, 0xd1,             /* vmwrite rdx, rcx */
    0x0f, 0x01, 0xc3,             /* vmresume */
};

static u64 interesting(struct harness *h, u64 v)
{
    const u64 vals[] = {
        0, ~0ull, 1, 0x80000000ull, 0xffffffffull, 0xfee00000ull, 0xfec00000ull,
        0x40000000ull, 0x100000000ull, 1ull << cpu_phys_bits(h->c), (1ull << cpu_phys_bits(h->c)) - 0x1000,
        DATA_PAGE, DATA_PAGE + 8, DATA_PAGE + 0x800, VMCS_A, VMCS_B, VMXON_PA, GUEST_CODE,
        HARNESS_RAM - 16, HARNESS_RAM - 0x1000, 0x00007ffffffff000ull, 0xffff800000000000ull,
        0x8000000000000000ull, 0xffff, 0x80000300ull | 14 | 1u << 11, 0x80000000ull | 2 << 8 | 2,
    };
    return vals[v % ARRAY_LEN(vals)];
}

/* Allowed-1 settings of the control in slot s, or 0 if s is not a control with an MSR. */
static u64 allowed1(struct harness *h, enum vmcs_slot s)
{
    switch (s) {
    case VMCS_PIN_BASED_VM_EXEC_CONTROL: return vmx_cap(h->c, MSR_VMX_PINBASED_CTLS) >> 32;
    case VMCS_CPU_BASED_VM_EXEC_CONTROL: return vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS) >> 32;
    case VMCS_SECONDARY_VM_EXEC_CONTROL: return vmx_cap(h->c, MSR_VMX_PROCBASED_CTLS2) >> 32;
    case VMCS_VM_EXIT_CONTROLS: return vmx_cap(h->c, MSR_VMX_EXIT_CTLS) >> 32;
    case VMCS_VM_ENTRY_CONTROLS: return vmx_cap(h->c, MSR_VMX_ENTRY_CTLS) >> 32;
    default: return 0;
    }
}

static void mutate(struct harness *h, const u8 *m)
{
    enum vmcs_slot s = (enum vmcs_slot)(m[0] % VMCS_NSLOTS);
    u64 v;
    memcpy(&v, m + 2, 8);
    u64 f = vmcs_get(h->c, s);
    switch (m[1] % 8) {
    case 0: f = v; break;
    case 1: f ^= v; break;
    case 2: f ^= 1ull << (v & 63); break;
    case 3: f = interesting(h, v); break;
    case 4: f |= 1ull << (v & 63); break;
    case 5: f &= ~(1ull << (v & 63)); break;
    case 6: { /* a control bit the processor offers (else: add a small delta) */
        u64 a = allowed1(h, s);
        if (a) f |= a & (1ull << (v & 31));
        else f += (s64)(s8)v;
        break;
    }
    default: f += (s64)(s8)v; break;
    }
    vmcs_set(h->c, s, f);
}

static void fail(struct harness *h, const char *what)
{
    struct cpu *c = h->c;
    fprintf(stderr, "fuzz_vmentry: invariant broken: %s\n", what);
    fprintf(stderr, "  rip %#llx nonroot %d/%d exit reason %#llx icount %llu shutdown %d\n",
            (unsigned long long)c->rip, c->vmx_nonroot, c->vmx->nonroot,
            (unsigned long long)vmcs_get(c, VMCS_VM_EXIT_REASON), (unsigned long long)c->icount, c->shutdown);
    abort();
}

/* One machine for the whole process, brought back to the same state for every input:
 * power-on reset, RAM cleared (through phys_copy_in, which drops decoded code), the
 * harness's GDT and identity map, VMX switched on for the model. */
static void fresh(struct harness *h, const char *model)
{
    static const u8 zero[1u << 16];
    struct machine *m = h->m;
    vmx_enable_feature(h, model);
    machine_reset(m);
    m->stop = STOP_NONE;
    m->reset_requested = false;
    m->trace = 0;
    for (u64 pa = 0; pa < m->ram_size; pa += sizeof zero) phys_copy_in(m, pa, zero, sizeof zero);
    static const u64 gdt[6] = {0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull,
                               0x00af9b000000ffffull, 0x00009b000000ffffull, 0x000093000000ffffull};
    phys_copy_in(m, HARNESS_GDT, gdt, sizeof gdt);
    u64 pml4 = (HARNESS_PT + 0x1000) | 7, pdpt = (HARNESS_PT + 0x2000) | 7;
    phys_copy_in(m, HARNESS_PT, &pml4, 8);
    phys_copy_in(m, HARNESS_PT + 0x1000, &pdpt, 8);
    for (u64 k = 0; k < 512; k++) {
        u64 pde = (k << 21) | 0x87;
        phys_copy_in(m, HARNESS_PT + 0x2000 + k * 8, &pde, 8);
    }
    h->c->stop_on_exception = true;
    harness_set_mode(h, MODE_LONG);
    vmx_harness_init(h, model);
    vmx_guest_init(h, HOST_RESUME);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const models[4] = {"skylake", "westmere", "icelake", "core2"};
    static FILE *null_log;
    static struct harness *h;
    if (!null_log) null_log = fopen("/dev/null", "w");
    if (!h) h = harness_new(MODE_LONG);
    if (size < 2) return 0;
    u8 flags = data[0];
    size_t n = data[1] % (MAX_MUTATIONS + 1);
    data += 2;
    size -= 2;
    if (n * 10 > size) n = size / 10;

    fresh(h, models[flags & 3]);
    struct cpu *c = h->c;
    h->m->log = null_log; /* VMX aborts and triple faults are logged */
    if (flags & 4) h->m->trace = TRACE_VMX;
    for (size_t k = 0; k < n; k++) mutate(h, data + 10 * k);
    data += 10 * n;
    size -= 10 * n;
    size_t code = size < 64 ? size : 64;
    guest_code(h, data, code);
    phys_copy_in(h->m, DATA_PAGE, data + code, size - code < 256 ? size - code : 256);

    u64 start = c->icount;
    harness_run(h, host_code, sizeof host_code, BUDGET);

    /* Invariants. */
    if (c->vmx_nonroot != c->vmx->nonroot) fail(h, "vmx_nonroot and vmx->nonroot disagree");
    if (c->icount - start > BUDGET + 8192) fail(h, "instruction budget overrun");
    if (c->vmx->current_vmcs != VMCS_NONE)
        for (int s = 0; s < VMCS_NSLOTS; s++)
            if (c->vmx->field[s] & ~vmcs_width_mask(vmcs_width_of((enum vmcs_slot)s)))
                fail(h, "VMCS field wider than its width");
    if (c->vmx->diag.aborts && c->vmx_nonroot) fail(h, "in non-root operation after a VMX abort");
    return 0;
}
