/* -d vmx trace lines (one per VMX instruction with its outcome, per VM entry, per VM exit)
 * and the VMX exit summary of -stats (src/vmx/diag.c). */
#include <string.h>

#include "vmx/diag.h"
#include "vmx_guest.h"

/* The machine's log goes to a memory buffer; log_take() returns what was written since the
 * last call. */
struct logbuf {
    char *buf;
    size_t len, taken;
};

static void log_attach(struct harness *h, struct logbuf *l)
{
    memset(l, 0, sizeof *l);
    h->m->log = open_memstream(&l->buf, &l->len);
    h->m->trace = TRACE_VMX;
}

static const char *log_take(struct harness *h, struct logbuf *l)
{
    fflush(h->m->log);
    const char *s = l->buf + l->taken;
    l->taken = l->len;
    return s;
}

static void log_detach(struct harness *h, struct logbuf *l)
{
    fclose(h->m->log);
    h->m->log = NULL;
    free(l->buf);
}

#define HAS(name, text, want) CHECK(name, strstr(text, want) != NULL, "no '%s' in: %s", want, text)

static void test_instructions(void)
{
    struct harness *h = vmx_harness("skylake");
    struct logbuf l;
    log_attach(h, &l);
    RUN_M(h, I_VMXON, VMXON_PA);
    HAS("trace.vmxon", log_take(h, &l), "cpu0: vmx: rip=0x10000 VMXON 0x200000: VMsucceed\n");
    RUN_M(h, I_VMCLEAR, 0x123456789000ull);
    HAS("trace.vmclear_beyond_maxphyaddr", log_take(h, &l),
        "VMCLEAR 0x123456789000: VMfailInvalid\n");
    RUN_M(h, I_VMCLEAR, VMCS_A);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    HAS("trace.vmptrld", log_take(h, &l), "VMPTRLD 0x201000: VMsucceed\n");
    RUN_M(h, I_VMPTRLD, 0x201800);
    HAS("trace.vmfail_valid_named", log_take(h, &l),
        "VMPTRLD 0x201800: VMfailValid 9 (VMPTRLD with invalid physical address)\n");
    vmwrite(h, 0x681e, 0x10800);
    HAS("trace.vmwrite", log_take(h, &l), "VMWRITE 0x681e GUEST_RIP <- rax: VMsucceed, value 0x10800\n");
    u64 v;
    vmread(h, 0x6c16, &v);
    HAS("trace.vmread", log_take(h, &l), "VMREAD 0x6c16 HOST_RIP -> rax: VMsucceed, value 0\n");
    vmread(h, 0x2001, &v);
    HAS("trace.vmread_high", log_take(h, &l), "VMREAD 0x2001 IO_BITMAP_A_HIGH -> rax: VMsucceed");
    vmwrite(h, 0x4400, 1);
    HAS("trace.vmwrite_readonly_field", log_take(h, &l), "VMWRITE 0x4400 VM_INSTRUCTION_ERROR <- rax: VMsucceed");
    vmread(h, 0x7777, &v);
    HAS("trace.vmread_unknown", log_take(h, &l),
        "VMREAD 0x7777 (no such field) -> rax: VMfailValid 12 (VMREAD/VMWRITE from/to unsupported VMCS component)");
    RUN(h, I_VMCALL);
    HAS("trace.vmcall_root", log_take(h, &l), "VMCALL: VMfailValid 1 (VMCALL executed in VMX root operation)");
    RUN(h, I_VMLAUNCH);
    const char *t = log_take(h, &l);
    HAS("trace.entry_check_values", t, "VM entry fails check ctl.pin.reserved (SDM 27.2.1.1): pin=0 must1=");
    HAS("trace.launch_vmfail_check", t,
        "VMLAUNCH: VMfailValid 7 (VM entry with invalid control field(s)), check ctl.pin.reserved (SDM 27.2.1.1)\n");
    RUN(h, I_VMRESUME);
    HAS("trace.resume_nonlaunched", log_take(h, &l), "VMRESUME: VMfailValid 5 (VMRESUME with non-launched VMCS)\n");
    h->c->r[RAX] = 0x1000;
    RUN(h, I_VMPTRST);
    HAS("trace.vmptrst", log_take(h, &l), "VMPTRST: VMsucceed, current VMCS 0x201000\n");
    RUN(h, I_VMXOFF);
    HAS("trace.vmxoff", log_take(h, &l), "VMXOFF: VMsucceed\n");

    /* Tracing off: no lines, the counters still count. */
    h->m->trace = 0;
    RUN_M(h, I_VMXON, VMXON_PA);
    RUN_M(h, I_VMPTRLD, 0x201800);
    CHECK("trace.off_silent", *log_take(h, &l) == 0, "lines written with tracing off");
    CHECK_EQ("stats.vmfail_valid_9", h->c->vmx->diag.vmfail_valid[9], 1);
    CHECK_EQ("stats.vmfail_invalid", h->c->vmx->diag.vmfail_invalid, 2); /* no current VMCS after VMXOFF */
    log_detach(h, &l);
    harness_free(h);
}

/* 64-bit IDT at IDT_PA whose every gate leads to a HLT, so that faults are delivered (and
 * traced) instead of stopping the harness. */
#define IDT_PA (HARNESS_DATA + 0x9000)
#define HANDLER (HARNESS_CODE + 0x400)
static void install_idt(struct harness *h)
{
    for (int v = 0; v < 32; v++) {
        u64 lo = (HANDLER & 0xffff) | (u64)H_CODE64 << 16 | 0x8eull << 40 | (u64)(HANDLER >> 16) << 48;
        u64 hi = 0;
        phys_write(h->m, h->c, IDT_PA + 16 * v, 8, lo);
        phys_write(h->m, h->c, IDT_PA + 16 * v + 8, 8, hi);
    }
    phys_write(h->m, h->c, HANDLER, 1, 0xf4);
    h->c->idtr.base = IDT_PA;
    h->c->idtr.limit = 32 * 16 - 1;
    h->c->stop_on_exception = false;
}

static void test_faults(void)
{
    struct harness *h = vmx_harness("skylake");
    struct logbuf l;
    log_attach(h, &l);
    install_idt(h);
    RUN_M(h, I_VMPTRLD, VMCS_A); /* outside VMX operation */
    HAS("trace.fault_ud", log_take(h, &l), "rip=0x10000 VMPTRLD: #UD (vector 6)\n");
    RUN_M(h, I_VMXON, VMXON_PA);
    h->c->r[RBX] = 0x8000000000000000ull; /* vmread [rbx], rdx: non-canonical */
    h->c->r[RDX] = 0x681e;
    RUN_M(h, I_VMCLEAR, VMCS_A);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    log_take(h, &l);
    RUN(h, I_VMREAD_M);
    HAS("trace.fault_gp", log_take(h, &l), "VMREAD 0x681e GUEST_RIP: #GP(0)\n");
    log_detach(h, &l);
    harness_free(h);
}

static void test_transitions(void)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    struct logbuf l;
    log_attach(h, &l);
    static const u8 g[] = {0x0f, 0xa2, 0x0f, 0x78, 0xd0 /* cpuid; vmread rax, rdx */};
    guest_code(h, g, sizeof g);
    host_enter(h, true);
    const char *t = log_take(h, &l);
    HAS("trace.entry", t, "rip=0x10000 VMLAUNCH: VM entry to 0018:0x10800 (64-bit mode, cpl 0)\n");
    HAS("trace.exit_cpuid", t, "cpu0: vmx: VM exit 10 (CPUID) qual 0 guest rip 0x10800 len 2\n");
    vmcs_set(h->c, VMCS_GUEST_RIP, GUEST_CODE + 2);
    h->c->r[RDX] = 0x4400;
    host_enter(h, false);
    t = log_take(h, &l);
    HAS("trace.resume", t, "VMRESUME: VM entry to 0018:0x10802");
    HAS("trace.exit_from_vmx_insn", t,
        "rip=0x10802 VMREAD 0x4400 VM_INSTRUCTION_ERROR -> rax: VM exit 23 (VMREAD) qual 0 guest rip 0x10802 len 3\n");
    vmcs_set(h->c, VMCS_GUEST_CR0, 0);
    host_enter(h, false);
    t = log_take(h, &l);
    HAS("trace.entry_fail_exit", t,
        "VMRESUME: exit 33 (VM-entry failure: invalid guest state) qual 0, check guest.cr0.fixed (SDM 27.3.1.1)\n");
    HAS("trace.entry_fail_values", t, "VM entry fails check guest.cr0.fixed (SDM 27.3.1.1): cr0=0");

    /* The summary: entries, exits by reason, VMfails. */
    char *sum = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&sum, &n);
    vmx_diag_summary(h->m, f);
    fclose(f);
    HAS("summary.totals", sum, "vanderpool: VMX: 2 VM entries (1 VMLAUNCH, 1 VMRESUME), 3 VM exits, 0 VMfail, 0 VMX aborts\n");
    HAS("summary.cpuid", sum, "     10          1  CPUID\n");
    HAS("summary.vmread", sum, "     23          1  VMREAD\n");
    HAS("summary.entry_failure", sum, "     33          1  VM-entry failure: invalid guest state\n");
    free(sum);
    log_detach(h, &l);
    harness_free(h);

    /* No VMX: no summary. */
    h = harness_new(MODE_LONG);
    sum = NULL;
    f = open_memstream(&sum, &n);
    vmx_diag_summary(h->m, f);
    fclose(f);
    CHECK("summary.none_without_vmx", n == 0, "printed: %s", sum);
    free(sum);
    harness_free(h);
}

static void test_names(void)
{
    CHECK("names.error_28", !strcmp(vmx_error_name(28), "invalid operand to INVEPT/INVVPID"), "%s", vmx_error_name(28));
    CHECK("names.error_unknown", !strcmp(vmx_error_name(14), "?"), "%s", vmx_error_name(14));
    const char *f = vmx_field_name(0x2800);
    CHECK("names.field_link", f && !strcmp(f, "VMCS_LINK_POINTER"), "%s", f ? f : "(null)");
    CHECK("names.field_none", vmx_field_name(0xfffe) == NULL, "found");
}

int main(void)
{
    test_instructions();
    test_faults();
    test_transitions();
    test_names();
    return check_exit();
}
