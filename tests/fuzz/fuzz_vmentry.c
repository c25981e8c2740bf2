/* libFuzzer target: VM entry with fuzzer-chosen VMCS contents. Each input starts from a
 * VMCS that enters a 64-bit guest (tests/unit/vmx_guest.h), optionally with EPT and the
 * controls that go with it (fuzz_ept.h: EPT tables in guest RAM built and mutated from the
 * input), mutates a few fields or bits (biased toward nearly valid states: bit flips,
 * control bits within the allowed-1 settings, addresses in and out of RAM and MMIO), places
 * guest code and a data page for bitmaps and MSR lists, then VMLAUNCHes from a tiny host
 * that resumes the guest past every exit, for a bounded number of instructions. The host
 * stops at a HLT on every exit so that the exit's invariants are checked then. Findings:
 * crashes, sanitizer reports, timeouts, and broken invariants (below).
 *
 * Input: flags (bits 1:0 CPU model, bit 2 -d vmx,ept tracing, bit 3 EPT), mutation count,
 * with EPT the block fuzz_ept.h describes, then the mutations, 10 bytes each (slot,
 * operation, 8-byte value), then up to 64 bytes of guest code and up to 256 bytes for the
 * data page. Build and run: `make fuzz-vmentry` (tests/fuzz/fuzz.mk). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ept.h"
#include "vmx_guest.h"

#define BUDGET 4000
#define MAX_MUTATIONS 24
/* Each VM entry runs every entry check (most of an input's time); an exit that repeats
 * (a violation retried forever) teaches little after a few rounds. */
#define MAX_EXITS 32
#define DATA_PAGE SCRATCH /* bitmaps and MSR lists the mutations can point at */

/* The host: VMLAUNCH at HARNESS_CODE; a failed VMLAUNCH falls through to the HLT at +3.
 * Every exit comes to the HLT at HOST_EXIT, where the C loop checks the exit and goes on
 * at HOST_EXIT + 1, which moves guest RIP past the exiting instruction and VMRESUMEs; a
 * failed VMRESUME falls through to the HLT the harness appends. */
#define HOST_EXIT (HARNESS_CODE + 4)
static const u8 host_code[] = {
    0x0f, 0x01, 0xc2,       /* vmlaunch */
    0xf4,                   /* hlt: VMLAUNCH failed */
    0xf4,                   /* HOST_EXIT: hlt */
    0xba, 0x0c, 0x44, 0, 0, /* mov edx, VM_EXIT_INSTRUCTION_LEN */
    0x0f, 0x78, 0xd0,       /* vmread rax, rdx */
    0xba, 0x1e, 0x68, 0, 0, /* mov edx, GUEST_RIP */
    0x0f, 0x78, 0xd1,       /* vmread rcx, rdx */
    0x48, 0x01, 0xc1,       /* add rcx, rax */
    0x0f, 0x79, 0xd1,       /* vmwrite rdx, rcx */
    0x0f, 0x01, 0xc3,       /* vmresume */
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
    fprintf(stderr, "  qual %#llx gpa %#llx eptp %#llx proc2 %#llx\n",
            (unsigned long long)vmcs_get(c, VMCS_EXIT_QUALIFICATION),
            (unsigned long long)vmcs_get(c, VMCS_GUEST_PHYSICAL_ADDRESS),
            (unsigned long long)vmcs_get(c, VMCS_EPT_POINTER),
            (unsigned long long)vmcs_get(c, VMCS_SECONDARY_VM_EXEC_CONTROL));
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
    vmx_guest_init(h, HOST_EXIT);
}

/* Run the host from `rip` until it stops; true when it stopped at HOST_EXIT's HLT. */
static bool host_run(struct harness *h, u64 rip, u64 deadline)
{
    struct cpu *c = h->c;
    c->rip = rip;
    c->halted = c->shutdown = false;
    c->last_exception = -1;
    c->deadline = deadline;
    h->m->running = c;
    h->m->slice_start_time = cpu_time(c);
    cpu_exec(c);
    h->m->running = NULL;
    return c->halted && !c->shutdown && !c->vmx_nonroot && c->rip == HOST_EXIT + 1;
}

static u64 exits_so_far(struct cpu *c)
{
    u64 n = 0;
    for (int r = 0; r < VMX_EXIT_REASONS_MAX; r++)
        n += c->vmx->tr.exits[r];
    return n;
}

/* The exit fields are the last exit's own only if the host did nothing between the exit
 * and HOST_EXIT's HLT: host state as set up, host code and its paging unchanged (the
 * guest shares both). */
static bool host_intact(struct harness *h, bool host_mutated)
{
    u8 code[sizeof host_code];
    u64 pt[3];
    if (host_mutated || h->c->cr3 != HARNESS_PT) return false;
    if (!phys_copy_out(h->m, HARNESS_CODE, code, sizeof code) ||
        memcmp(code, host_code, sizeof code))
        return false;
    for (int k = 0; k < 3; k++)
        pt[k] = phys_read(h->m, h->c, HARNESS_PT + 0x1000 * k, 8);
    return pt[0] == ((HARNESS_PT + 0x1000) | 7) && pt[1] == ((HARNESS_PT + 0x2000) | 7) &&
           pt[2] == 0x87;
}

static u32 proc2_in_force(struct cpu *c)
{
    if (!(vmcs_get(c, VMCS_CPU_BASED_VM_EXEC_CONTROL) & CPU_SECONDARY_CONTROLS)) return 0;
    return (u32)vmcs_get(c, VMCS_SECONDARY_VM_EXEC_CONTROL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const models[4] = {"skylake", "westmere", "icelake", "core2"};
    static FILE *null_log;
    static struct harness *h;
    static struct ept_fuzz ept;
    if (!null_log) null_log = fopen("/dev/null", "w");
    if (!h) h = harness_new(MODE_LONG);
    if (size < 2) return 0;
    u8 flags = data[0];
    size_t n = data[1] % (MAX_MUTATIONS + 1);
    data += 2;
    size -= 2;

    fresh(h, models[flags & 3]);
    struct cpu *c = h->c;
    h->m->log = null_log; /* VMX aborts and triple faults are logged */
    if (flags & 4) h->m->trace = TRACE_VMX | TRACE_EPT;
    const char *tr = getenv("FUZZ_VMENTRY_TRACE"); /* reading a reproducer: -d vmx (or a mask) */
    if (tr) {
        h->m->log = stderr;
        h->m->trace = atoi(tr) > 1 ? (unsigned)atoi(tr) : TRACE_VMX;
    }
    ept.on = ept.watch = false;
    if (flags & 8) {
        size_t used = ept_setup(h, &ept, data, size);
        data += used;
        size -= used;
    }
    if (n * 10 > size) n = size / 10;
    bool host_mutated = false;
    for (size_t k = 0; k < n; k++) {
        mutate(h, data + 10 * k);
        host_mutated |= vmcs_kind_of((enum vmcs_slot)(data[10 * k] % VMCS_NSLOTS)) == VMCS_HOST;
    }
    data += 10 * n;
    size -= 10 * n;
    size_t code = size < 64 ? size : 64;
    guest_code(h, data, code);
    phys_copy_in(h->m, DATA_PAGE, data + code, size - code < 256 ? size - code : 256);
    ept_snapshot(h, &ept);
    const char *bad_ctl = ept_controls_bad(h);
    u32 proc2 = proc2_in_force(c);

    u64 start = c->icount, deadline = start + BUDGET, seen = exits_so_far(c), first = seen,
        entries = c->vmx->tr.entries;
    /* Exceptions are delivered from here on (fresh() sets the harness's stop for its own
     * setup): the exception bitmap, #VE and IDT-vectoring information are part of the
     * test; an unhandled one ends in a triple fault, a VM exit or a reset request. */
    c->stop_on_exception = false;
    phys_copy_in(h->m, HARNESS_CODE, host_code, sizeof host_code);
    phys_copy_in(h->m, HARNESS_CODE + sizeof host_code, &(u8){0xf4}, 1);
    bool at_exit = host_run(h, HARNESS_CODE, deadline);

    /* SDM 27.2.1.1: a broken EPT-related control rule is VMfailValid 7 (VM entry with
     * invalid control fields), nothing entered. */
    if (bad_ctl && (c->vmx->tr.entries != entries || !(cpu_get_rflags(c) & FL_ZF) ||
                    vmcs_get(c, VMCS_VM_INSTRUCTION_ERROR) != 7)) {
        fprintf(stderr, "  broken rule: %s\n", bad_ctl);
        fail(h, "VMLAUNCH with a bad EPT-related control did not VMfailValid 7");
    }
    while (at_exit) {
        u64 now = exits_so_far(c);
        if (now == seen + 1 && host_intact(h, host_mutated)) {
            ept_region_intact(h, &ept); /* notice changes as early as possible */
            const char *e = ept_exit_bad(h, &ept, proc2);
            if (e) fail(h, e);
        }
        seen = now;
        if (c->icount >= deadline || now - first >= MAX_EXITS) break;
        at_exit = host_run(h, HOST_EXIT + 1, deadline);
    }

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
