/* VMX diagnostics (diag.h): -d vmx trace lines and the exit summary. Only reads processor
 * state; tracing never changes what the guest or the hypervisor sees. */
#include "diag.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "ctls.h"
#include "vmx.h"


static struct vmx_diag *diag_of(struct cpu *c) { return &c->vmx->diag; }
static bool tracing(const struct cpu *c) { return c->m && (c->m->trace & TRACE_VMX); }

const char *vmx_error_name(unsigned err)
{
    switch (err) {
    case 1: return "VMCALL executed in VMX root operation";
    case 2: return "VMCLEAR with invalid physical address";
    case 3: return "VMCLEAR with VMXON pointer";
    case 4: return "VMLAUNCH with non-clear VMCS";
    case 5: return "VMRESUME with non-launched VMCS";
    case 6: return "VMRESUME after VMXOFF";
    case 7: return "VM entry with invalid control field(s)";
    case 8: return "VM entry with invalid host-state field(s)";
    case 9: return "VMPTRLD with invalid physical address";
    case 10: return "VMPTRLD with VMXON pointer";
    case 11: return "VMPTRLD with incorrect VMCS revision identifier";
    case 12: return "VMREAD/VMWRITE from/to unsupported VMCS component";
    case 13: return "VMWRITE to read-only VMCS component";
    case 15: return "VMXON executed in VMX root operation";
    case 16: return "VM entry with invalid executive-VMCS pointer";
    case 17: return "VM entry with non-launched executive VMCS";
    case 18: return "VM entry with executive-VMCS pointer not VMXON pointer";
    case 19: return "VMCALL with non-clear VMCS";
    case 20: return "VMCALL with invalid VM-exit control fields";
    case 22: return "VMCALL with incorrect MSEG revision identifier";
    case 23: return "VMXOFF under dual-monitor treatment of SMIs and SMM";
    case 24: return "VMCALL with invalid SMM-monitor features";
    case 25: return "VM entry with invalid VM-execution control fields in executive VMCS";
    case 26: return "VM entry with events blocked by MOV SS";
    case 28: return "invalid operand to INVEPT/INVVPID";
    default: return "?";
    }
}

const char *vmx_field_name(u32 encoding)
{
    for (int s = 0; s < VMCS_NSLOTS; s++)
        if (vmcs_encoding((enum vmcs_slot)s) == (encoding & ~1u)) return vmcs_name((enum vmcs_slot)s);
    return NULL;
}

/* --- VMX instructions ------------------------------------------------------------------- */

static const char *reg_name(const struct cpu *c, unsigned r)
{
    static const char *const r64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    static const char *const r32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    return c->mode == MODE_LONG ? r64[r & 15] : r32[r & 7];
}

static void append(struct vmx_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(struct vmx_diag *d, const char *fmt, ...)
{
    size_t n = strlen(d->text);
    if (n + 1 >= sizeof d->text) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->text + n, sizeof d->text - n, fmt, ap);
    va_end(ap);
}

/* VMREAD/VMWRITE: the field named by the register operand. */
static void describe_field(struct cpu *c, struct vmx_diag *d, const struct insn *i)
{
    u64 enc = reg_get(c, i->reg, c->mode == MODE_LONG ? 8 : 4);
    const char *name = enc >> 32 ? NULL : vmx_field_name((u32)enc);
    bool high;
    int s = enc >> 32 ? -1 : vmcs_slot_of(c, (u32)enc, &high);
    d->slot = s;
    d->high = s >= 0 && high;
    append(d, " %#llx %s%s", LL(enc), name ? name : "(no such field)", name && (enc & 1) ? "_HIGH" : "");
    if (s < 0 && name) append(d, " (not supported)");
}

static const char *mnemonic(const struct insn *i)
{
    if (i->map == MAP_0F && i->op == 0x01) {
        switch (i->modrm) {
        case 0xc1: return "VMCALL";
        case 0xc2: return "VMLAUNCH";
        case 0xc3: return "VMRESUME";
        case 0xc4: return "VMXOFF";
        case 0xd4: return "VMFUNC";
        default: return "VMX?";
        }
    }
    if (i->map == MAP_0F && i->op == 0xc7) {
        if (((i->modrm >> 3) & 7) == 7) return "VMPTRST";
        return i->rep == 0xf3 ? "VMXON" : i->p66 ? "VMCLEAR" : "VMPTRLD";
    }
    if (i->map == MAP_0F && i->op == 0x78) return "VMREAD";
    if (i->map == MAP_0F && i->op == 0x79) return "VMWRITE";
    if (i->map == MAP_0F38 && i->op == 0x80) return "INVEPT";
    if (i->map == MAP_0F38 && i->op == 0x81) return "INVVPID";
    return "VMX?";
}

void vmx_diag_insn_begin(struct cpu *c, const struct insn *i)
{
    if (!c->vmx) return;
    struct vmx_diag *d = diag_of(c);
    const char *mn = mnemonic(i);
    d->pending = true;
    d->rip = c->rip;
    d->icount = c->icount;
    d->slot = -1;
    d->high = false;
    d->rd = !strcmp(mn, "VMREAD");
    d->wr = !strcmp(mn, "VMWRITE");
    d->st = !strcmp(mn, "VMPTRST");
    d->check = d->section = NULL;
    snprintf(d->text, sizeof d->text, "%s", mn);
    if (d->rd || d->wr) {
        describe_field(c, d, i);
        if (d->rd && i->mod == 3) append(d, " -> %s", reg_name(c, i->rm));
        if (d->wr && i->mod == 3) append(d, " <- %s", reg_name(c, i->rm));
    } else if (i->map == MAP_0F38) {
        append(d, " type %llu", LL(reg_get(c, i->reg, c->mode == MODE_LONG ? 8 : 4)));
    } else if (!strcmp(mn, "VMFUNC")) {
        append(d, " eax=%u", (unsigned)c->r[RAX]);
    }
}

void vmx_diag_pointer(struct cpu *c, u64 pa)
{
    if (!tracing(c) || !c->vmx || !diag_of(c)->pending) return;
    append(diag_of(c), " %#llx", LL(pa));
}

/* The pending instruction belongs to the instruction now ending (a fault counts the
 * delivery as one tick). */
static bool current(struct cpu *c)
{
    struct vmx_diag *d = diag_of(c);
    return d->pending && c->icount - d->icount <= 1;
}

/* Print the pending instruction with its outcome and forget it. */
static void print_insn(struct cpu *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void print_insn(struct cpu *c, const char *fmt, ...)
{
    struct vmx_diag *d = diag_of(c);
    char out[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, sizeof out, fmt, ap);
    va_end(ap);
    machine_log(c->m, "cpu%d: vmx: rip=%#llx %s: %s", c->index, LL(d->rip), d->text, out);
    d->pending = false;
}

static const char *check_suffix(const struct vmx_diag *d, char *buf, size_t n)
{
    if (!d->check) return "";
    snprintf(buf, n, ", check %s (SDM %s)", d->check, d->section ? d->section : "?");
    return buf;
}

void vmx_diag_outcome(struct cpu *c, int err)
{
    struct vmx_diag *d = diag_of(c);
    if (err < 0) d->vmfail_invalid++;
    else if (err > 0 && err < VMX_DIAG_ERRORS) d->vmfail_valid[err]++;
    if (!tracing(c) || !current(c)) return;
    char chk[128];
    if (err < 0) {
        print_insn(c, "VMfailInvalid%s", check_suffix(d, chk, sizeof chk));
    } else if (err > 0) {
        print_insn(c, "VMfailValid %d (%s)%s", err, vmx_error_name((unsigned)err), check_suffix(d, chk, sizeof chk));
    } else if ((d->rd || d->wr) && d->slot >= 0) {
        u64 v = vmcs_get(c, (enum vmcs_slot)d->slot);
        print_insn(c, "VMsucceed, value %#llx", LL(d->high ? v >> 32 : v));
    } else if (d->st) {
        print_insn(c, "VMsucceed, current VMCS %#llx", LL(c->vmx->current_vmcs));
    } else {
        print_insn(c, "VMsucceed");
    }
}

void vmx_diag_check(struct cpu *c, const char *name, const char *section)
{
    struct vmx_diag *d = diag_of(c);
    d->check = name;
    d->section = section;
}

static const char *mode_name(enum cpu_mode m)
{
    switch (m) {
    case MODE_REAL: return "real mode";
    case MODE_V86: return "virtual-8086 mode";
    case MODE_PROT: return "protected mode";
    case MODE_COMPAT: return "compatibility mode";
    case MODE_LONG: return "64-bit mode";
    default: return "?";
    }
}

void vmx_diag_entry(struct cpu *c, bool launch)
{
    struct vmx_diag *d = diag_of(c);
    if (launch) d->launches++;
    else d->resumes++;
    if (!tracing(c)) return;
    char what[96];
    snprintf(what, sizeof what, "VM entry to %04x:%#llx (%s, cpl %u)", c->seg[SEG_CS].sel,
             LL(c->rip), mode_name(c->mode), c->cpl);
    if (current(c)) print_insn(c, "%s", what);
    else machine_log(c->m, "cpu%d: vmx: %s %s", c->index, launch ? "VMLAUNCH" : "VMRESUME", what);
}

/* Exits for which the VM-exit instruction-length field is defined (SDM 28.2.5): those
 * caused by instructions, and software exceptions and interrupts. */
static bool has_insn_len(struct cpu *c, u32 basic)
{
    static const u8 insn_exits[] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
                                    26, 27, 28, 29, 30, 31, 32, 36, 39, 40, 46, 47, 50, 51, 53, 54,
                                    55, 57, 58, 59, 60, 61, 63, 64, 65, 67, 68, 69, 70, 78, 79};
    for (size_t k = 0; k < ARRAY_LEN(insn_exits); k++)
        if (insn_exits[k] == basic) return true;
    u32 info = basic == VMX_EXIT_EXCEPTION_NMI ? vmcs_get32(c, VMCS_VM_EXIT_INTR_INFO)
                                                : vmcs_get32(c, VMCS_IDT_VECTORING_INFO_FIELD);
    unsigned type = intr_info_type(info);
    return (info & INTR_INFO_VALID) && (type == 4 || type == 5 || type == 6);
}

void vmx_diag_exit(struct cpu *c, u32 reason, u64 qual)
{
    if (!tracing(c)) return;
    u32 basic = reason & 0xffff;
    char line[224];
    int n;
    if (reason & EXIT_REASON_ENTRY_FAIL) {
        char chk[128];
        n = snprintf(line, sizeof line, "exit %u (%s) qual %#llx%s", basic,
                     vmx_exit_reason_name(basic), LL(qual), check_suffix(diag_of(c), chk, sizeof chk));
    } else {
        n = snprintf(line, sizeof line, "VM exit %u (%s) qual %#llx guest rip %#llx", basic,
                     vmx_exit_reason_name(basic), LL(qual), LL(vmcs_get(c, VMCS_GUEST_RIP)));
        if (n > 0 && (size_t)n < sizeof line && has_insn_len(c, basic))
            n += snprintf(line + n, sizeof line - (size_t)n, " len %u", vmcs_get32(c, VMCS_VM_EXIT_INSTRUCTION_LEN));
        u32 info = vmcs_get32(c, VMCS_VM_EXIT_INTR_INFO);
        if (n > 0 && (size_t)n < sizeof line && (info & INTR_INFO_VALID))
            n += snprintf(line + n, sizeof line - (size_t)n, " intr info %#x", info);
        u32 idt = vmcs_get32(c, VMCS_IDT_VECTORING_INFO_FIELD);
        if (n > 0 && (size_t)n < sizeof line && (idt & INTR_INFO_VALID))
            snprintf(line + n, sizeof line - (size_t)n, " idt-vectoring %#x", idt);
    }
    if (current(c)) print_insn(c, "%s", line);
    else machine_log(c->m, "cpu%d: vmx: %s", c->index, line);
}

void vmx_diag_abort(struct cpu *c, u32 code)
{
    diag_of(c)->aborts++;
    if (tracing(c) && current(c)) print_insn(c, "VMX abort %u", code);
    machine_log(c->m, "cpu%d: VMX abort %u (SDM 28.7): shutdown", c->index, code);
}

void vmx_diag_fault(struct cpu *c, int vector, int error)
{
    if (!c->vmx || !tracing(c) || !current(c) || c->rip != diag_of(c)->rip) return;
    static const char *const names[32] = {[0] = "#DE", [6] = "#UD", [8] = "#DF", [10] = "#TS",
                                          [11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF",
                                          [17] = "#AC"};
    const char *name = vector >= 0 && vector < 32 && names[vector] ? names[vector] : "exception";
    if (error == NO_ERRCODE) print_insn(c, "%s (vector %d)", name, vector);
    else if (vector == EXC_PF) print_insn(c, "#PF(%#x) at %#llx", (unsigned)error, LL(c->cr2));
    else print_insn(c, "%s(%#x)", name, (unsigned)error);
}

/* --- The summary ------------------------------------------------------------------------ */

void vmx_diag_summary(struct machine *m, FILE *out)
{
    u64 exits[VMX_EXIT_REASONS_MAX] = {0}, valid[VMX_DIAG_ERRORS] = {0};
    u64 launches = 0, resumes = 0, invalid = 0, aborts = 0, nexits = 0, nfail = 0;
    bool used = false;
    for (int k = 0; k < m->ncpus; k++) {
        struct cpu *c = m->cpus[k];
        if (!c || !c->vmx) continue;
        const struct vmx *v = c->vmx;
        const struct vmx_diag *d = &v->diag;
        used |= v->on;
        for (int r = 0; r < VMX_EXIT_REASONS_MAX; r++) exits[r] += v->tr.exits[r];
        for (int e = 0; e < VMX_DIAG_ERRORS; e++) valid[e] += d->vmfail_valid[e];
        launches += d->launches;
        resumes += d->resumes;
        invalid += d->vmfail_invalid;
        aborts += d->aborts;
    }
    for (int r = 0; r < VMX_EXIT_REASONS_MAX; r++) nexits += exits[r];
    for (int e = 0; e < VMX_DIAG_ERRORS; e++) nfail += valid[e];
    nfail += invalid;
    if (!used && !launches && !resumes && !nexits && !nfail) return;
    fprintf(out, "vanderpool: VMX: %llu VM entries (%llu VMLAUNCH, %llu VMRESUME), %llu VM exits, "
                 "%llu VMfail, %llu VMX aborts\n",
            LL(launches + resumes), LL(launches), LL(resumes), LL(nexits), LL(nfail), LL(aborts));
    if (nexits) fprintf(out, "vanderpool: VMX exits:  reason      count  name\n");
    for (int r = 0; r < VMX_EXIT_REASONS_MAX; r++)
        if (exits[r])
            fprintf(out, "vanderpool:              %6d %10llu  %s\n", r, LL(exits[r]), vmx_exit_reason_name((u32)r));
    if (invalid) fprintf(out, "vanderpool: VMX VMfailInvalid: %llu\n", LL(invalid));
    for (int e = 0; e < VMX_DIAG_ERRORS; e++)
        if (valid[e])
            fprintf(out, "vanderpool: VMX VMfailValid %d (%s): %llu\n", e, vmx_error_name((unsigned)e), LL(valid[e]));
}
