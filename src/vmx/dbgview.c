/* VMX as a debugger sees it (dbgview.h): the VMX state, the current VMCS by field name with
 * its controls decoded, an EPT walk and a linear translation. Read-only: every memory access
 * is a probe (no A/D flags, no PML, no faults), so looking never changes the machine. */
#include "dbgview.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>

#include "caps.h"
#include "ctls.h"
#include "vmx.h"

static const char *launch_name(enum vmcs_launch l)
{
    return l == VMCS_LAUNCHED ? "launched" : l == VMCS_STALE ? "launched (stale after VMXOFF)" : "clear";
}

void vmx_dbg_state(struct cpu *c, FILE *out)
{
    struct vmx *v = c->vmx;
    if (!v || !v->on) {
        fprintf(out, "cpu%d: not in VMX operation (CR4.VMXE=%d)\n", c->index, (c->cr4 & CR4_VMXE) ? 1 : 0);
        return;
    }
    fprintf(out, "cpu%d: VMX %s operation, VMXON region %#" PRIx64 "\n", c->index,
            c->vmx_nonroot ? "non-root" : "root", v->vmxon_region);
    u64 exits = 0;
    for (int k = 0; k < VMX_EXIT_REASONS_MAX; k++) exits += v->tr.exits[k];
    if (v->current_vmcs == VMCS_NONE) {
        fprintf(out, "current VMCS: none\n");
    } else if (!exits) {
        fprintf(out, "current VMCS: %#" PRIx64 " (%s)\n", v->current_vmcs, launch_name(v->launch));
        fprintf(out, "last exit: none yet\n");
    } else {
        fprintf(out, "current VMCS: %#" PRIx64 " (%s)\n", v->current_vmcs, launch_name(v->launch));
        u32 reason = (u32)vmcs_get(c, VMCS_VM_EXIT_REASON);
        fprintf(out, "last exit: reason %u (%s)%s qualification %#" PRIx64 ", guest rip %#" PRIx64 "\n",
                reason & 0xffff, vmx_exit_reason_name(reason), (reason & EXIT_REASON_ENTRY_FAIL) ? " [entry failure]" : "",
                vmcs_get(c, VMCS_EXIT_QUALIFICATION), vmcs_get(c, VMCS_GUEST_RIP));
    }
    fprintf(out, "VM entries %" PRIu64 ", VM exits %" PRIu64 "\n", v->tr.entries, exits);
    if (v->tr.last_check) fprintf(out, "last failed entry check: %s\n", v->tr.last_check);
}

/* Named bits of the execution, exit and entry controls (SDM 25.6-25.8). */
struct bitname {
    u32 bit;
    const char *name;
};
static const struct bitname pin_bits[] = {
    {PIN_EXT_INTR_EXITING, "external-interrupt-exiting"}, {PIN_NMI_EXITING, "NMI-exiting"},
    {PIN_VIRTUAL_NMIS, "virtual-NMIs"}, {PIN_PREEMPTION_TIMER, "preemption-timer"},
    {PIN_POSTED_INTR, "posted-interrupts"}, {0, NULL}};
static const struct bitname proc_bits[] = {
    {CPU_INTR_WINDOW_EXITING, "interrupt-window-exiting"}, {CPU_TSC_OFFSETTING, "TSC-offsetting"},
    {CPU_HLT_EXITING, "HLT-exiting"}, {CPU_INVLPG_EXITING, "INVLPG-exiting"},
    {CPU_MWAIT_EXITING, "MWAIT-exiting"}, {CPU_RDPMC_EXITING, "RDPMC-exiting"},
    {CPU_RDTSC_EXITING, "RDTSC-exiting"}, {CPU_CR3_LOAD_EXITING, "CR3-load-exiting"},
    {CPU_CR3_STORE_EXITING, "CR3-store-exiting"}, {CPU_TERTIARY_CONTROLS, "tertiary-controls"},
    {CPU_CR8_LOAD_EXITING, "CR8-load-exiting"}, {CPU_CR8_STORE_EXITING, "CR8-store-exiting"},
    {CPU_TPR_SHADOW, "TPR-shadow"}, {CPU_NMI_WINDOW_EXITING, "NMI-window-exiting"},
    {CPU_MOV_DR_EXITING, "MOV-DR-exiting"}, {CPU_UNCOND_IO_EXITING, "unconditional-I/O-exiting"},
    {CPU_USE_IO_BITMAPS, "use-I/O-bitmaps"}, {CPU_MONITOR_TRAP_FLAG, "monitor-trap-flag"},
    {CPU_USE_MSR_BITMAPS, "use-MSR-bitmaps"}, {CPU_MONITOR_EXITING, "MONITOR-exiting"},
    {CPU_PAUSE_EXITING, "PAUSE-exiting"}, {CPU_SECONDARY_CONTROLS, "secondary-controls"}, {0, NULL}};
static const struct bitname proc2_bits[] = {
    {SEC_VIRT_APIC_ACCESSES, "virtualize-APIC-accesses"}, {SEC_EPT, "EPT"},
    {SEC_DESC_TABLE_EXITING, "descriptor-table-exiting"}, {SEC_RDTSCP, "RDTSCP"},
    {SEC_VIRT_X2APIC, "virtualize-x2APIC"}, {SEC_VPID, "VPID"}, {SEC_WBINVD_EXITING, "WBINVD-exiting"},
    {SEC_UNRESTRICTED_GUEST, "unrestricted-guest"}, {SEC_APIC_REGISTER_VIRT, "APIC-register-virtualization"},
    {SEC_VIRT_INTR_DELIVERY, "virtual-interrupt-delivery"}, {SEC_PAUSE_LOOP_EXITING, "PAUSE-loop-exiting"},
    {SEC_RDRAND_EXITING, "RDRAND-exiting"}, {SEC_INVPCID, "INVPCID"}, {SEC_VMFUNC, "VM-functions"},
    {SEC_VMCS_SHADOWING, "VMCS-shadowing"}, {SEC_ENCLS_EXITING, "ENCLS-exiting"},
    {SEC_RDSEED_EXITING, "RDSEED-exiting"}, {SEC_PML, "PML"}, {SEC_EPT_VE, "EPT-violation-#VE"},
    {SEC_PT_CONCEAL, "conceal-PT"}, {SEC_XSAVES, "XSAVES"}, {SEC_MODE_BASED_EPT, "mode-based-EPT-execute"},
    {SEC_SPP, "sub-page-write-permissions"}, {SEC_PT_GUEST_PA, "PT-uses-guest-physical"},
    {SEC_TSC_SCALING, "TSC-scaling"}, {SEC_UMWAIT, "UMWAIT"}, {SEC_ENCLV_EXITING, "ENCLV-exiting"}, {0, NULL}};
static const struct bitname exit_bits[] = {
    {EXIT_SAVE_DEBUG_CONTROLS, "save-debug-controls"}, {EXIT_HOST_ADDR_SPACE_SIZE, "host-address-space-size"},
    {EXIT_LOAD_PERF_GLOBAL_CTRL, "load-PERF_GLOBAL_CTRL"}, {EXIT_ACK_INTR_ON_EXIT, "acknowledge-interrupt-on-exit"},
    {EXIT_SAVE_PAT, "save-PAT"}, {EXIT_LOAD_PAT, "load-PAT"}, {EXIT_SAVE_EFER, "save-EFER"},
    {EXIT_LOAD_EFER, "load-EFER"}, {EXIT_SAVE_PREEMPTION_TIMER, "save-preemption-timer"},
    {EXIT_CLEAR_BNDCFGS, "clear-BNDCFGS"}, {EXIT_PT_CONCEAL, "conceal-PT"}, {EXIT_CLEAR_RTIT_CTL, "clear-RTIT_CTL"},
    {0, NULL}};
static const struct bitname entry_bits[] = {
    {ENTRY_LOAD_DEBUG_CONTROLS, "load-debug-controls"}, {ENTRY_IA32E_MODE, "IA-32e-mode-guest"},
    {ENTRY_SMM, "entry-to-SMM"}, {ENTRY_DEACT_DUAL_MONITOR, "deactivate-dual-monitor"},
    {ENTRY_LOAD_PERF_GLOBAL_CTRL, "load-PERF_GLOBAL_CTRL"}, {ENTRY_LOAD_PAT, "load-PAT"},
    {ENTRY_LOAD_EFER, "load-EFER"}, {ENTRY_LOAD_BNDCFGS, "load-BNDCFGS"}, {ENTRY_PT_CONCEAL, "conceal-PT"},
    {ENTRY_LOAD_RTIT_CTL, "load-RTIT_CTL"}, {0, NULL}};

static const struct bitname *control_names(enum vmcs_slot s)
{
    switch (s) {
    case VMCS_PIN_BASED_VM_EXEC_CONTROL: return pin_bits;
    case VMCS_CPU_BASED_VM_EXEC_CONTROL: return proc_bits;
    case VMCS_SECONDARY_VM_EXEC_CONTROL: return proc2_bits;
    case VMCS_VM_EXIT_CONTROLS: return exit_bits;
    case VMCS_VM_ENTRY_CONTROLS: return entry_bits;
    default: return NULL;
    }
}

void vmx_dbg_vmcs(struct cpu *c, FILE *out)
{
    struct vmx *v = c->vmx;
    if (!v || !v->on || v->current_vmcs == VMCS_NONE) {
        fprintf(out, "cpu%d: no current VMCS\n", c->index);
        return;
    }
    fprintf(out, "cpu%d: VMCS %#" PRIx64 " (%s)\n", c->index, v->current_vmcs, launch_name(v->launch));
    static const char *const kinds[] = {"control fields", "VM-exit information", "guest state", "host state"};
    for (int k = 0; k < 4; k++) {
        fprintf(out, "--- %s\n", kinds[k]);
        for (int s = 0; s < VMCS_NSLOTS; s++) {
            if ((int)vmcs_kind_of((enum vmcs_slot)s) != k) continue;
            bool high;
            if (vmcs_slot_of(c, vmcs_encoding((enum vmcs_slot)s), &high) < 0) continue; /* not on this model */
            u64 val = vmcs_get(c, (enum vmcs_slot)s);
            fprintf(out, "%-40s %#" PRIx64, vmcs_name((enum vmcs_slot)s), val);
            const struct bitname *names = control_names((enum vmcs_slot)s);
            if (names) {
                u32 rest = (u32)val;
                fputs(" <", out);
                bool first = true;
                for (const struct bitname *b = names; b->name; b++) {
                    if (!(val & b->bit)) continue;
                    fprintf(out, "%s%s", first ? "" : " ", b->name);
                    first = false;
                    rest &= ~b->bit;
                }
                if (rest) fprintf(out, "%sreserved:%#x", first ? "" : " ", rest);
                fputc('>', out);
            }
            if (s == VMCS_VM_EXIT_REASON) fprintf(out, " (%s)", vmx_exit_reason_name((u32)val));
            fputc('\n', out);
        }
    }
}

void vmx_dbg_ept(struct cpu *c, u64 gpa, FILE *out)
{
    struct vmx *v = c->vmx;
    if (!v || !v->on || v->current_vmcs == VMCS_NONE || !(vmx_proc2(c) & SEC_EPT)) {
        fprintf(out, "cpu%d: EPT is not enabled in the current VMCS\n", c->index);
        return;
    }
    u64 eptp = vmcs_get(c, VMCS_EPT_POINTER);
    struct ept_ctx x = {.eptp = eptp & ~(u64)EPTP_AD, .cap = vmx_cap(c, MSR_VMX_EPT_VPID_CAP),
                        .maxphyaddr = cpu_phys_bits(c), .mbec = (vmx_proc2(c) & SEC_MODE_BASED_EPT) != 0};
    const char *bad = ept_eptp_fault(eptp, x.cap, x.maxphyaddr);
    fprintf(out, "EPTP %#" PRIx64 " (%u levels, type %s%s)%s%s\n", eptp, EPTP_WALK_LEVELS(eptp),
            ept_memtype_name(EPTP_MEMTYPE(eptp)), (eptp & EPTP_AD) ? ", A/D" : "", bad ? ": invalid: " : "",
            bad ? bad : "");
    if (bad) return;
    /* Each level's entry, read as the walker reads it (physical memory, no side effects). */
    static const char *const lname[] = {"", "PTE", "PDE", "PDPTE", "PML4E", "PML5E"};
    u64 table = eptp & 0x000ffffffffff000ull;
    for (unsigned lvl = EPTP_WALK_LEVELS(eptp); lvl >= 1; lvl--) {
        unsigned idx = (unsigned)(gpa >> (12 + 9 * (lvl - 1))) & 511;
        u64 e;
        if (!phys_copy_out(c->m, table + 8 * idx, &e, 8)) {
            fprintf(out, "  %-5s [%3u] at %#" PRIx64 ": not RAM\n", lname[lvl], idx, table + 8 * idx);
            break;
        }
        fprintf(out, "  %-5s [%3u] at %#" PRIx64 ": %#018" PRIx64 " %c%c%c%s\n", lname[lvl], idx,
                table + 8 * idx, e, (e & EPTE_R) ? 'r' : '-', (e & EPTE_W) ? 'w' : '-', (e & EPTE_X) ? 'x' : '-',
                (e & EPTE_PS) && lvl > 1 ? " large" : "");
        if (!(e & 7) || ((e & EPTE_PS) && lvl > 1)) break;
        table = e & 0x000ffffffffff000ull;
    }
    struct ept_req r = {.gpa = gpa, .kind = EPT_READ, .user = true, .writable = true};
    struct ept_result o;
    enum ept_status st = ept_translate(c->m, c, &x, &r, &o);
    if (st == EPT_OK)
        fprintf(out, "gpa %#" PRIx64 " -> hpa %#" PRIx64 " (level %u, perm %c%c%c, type %s%s)\n", gpa, o.hpa, o.level,
                (o.perm & EPTE_R) ? 'r' : '-', (o.perm & EPTE_W) ? 'w' : '-', (o.perm & EPTE_X) ? 'x' : '-',
                ept_memtype_name(o.memtype), o.ipat ? ", ignore PAT" : "");
    else
        fprintf(out, "gpa %#" PRIx64 ": EPT %s at level %u (entry %#" PRIx64 ", qualification %#" PRIx64 ")\n", gpa,
                st == EPT_VIOLATION ? "violation" : st == EPT_MISCONFIG ? "misconfiguration" : "PML full", o.level,
                o.entry, o.qual);
}

void vmx_dbg_translate(struct cpu *c, u64 lin, FILE *out)
{
    u64 phys;
    bool ok = lin_translate(c, lin, ACC_READ | ACC_SUPER | ACC_NOFAULT, &phys);
    fprintf(out, "cpu%d: %s, paging %s: lin %#" PRIx64, c->index, c->vmx_nonroot ? "VMX non-root" : "root/bare",
            !(c->cr0 & CR0_PG) ? "off" : (c->efer & EFER_LMA) ? ((c->cr4 & CR4_LA57) ? "5-level" : "4-level")
                                       : (c->cr4 & CR4_PAE) ? "PAE" : "32-bit",
            lin);
    if (ok) fprintf(out, " -> %s %#" PRIx64 "\n", c->vmx_nonroot && c->vmx->ept_on ? "hpa (through EPT)" : "pa", phys);
    else fprintf(out, ": not mapped (or not readable by a supervisor access)\n");
}

const char *vmx_dbg_reason_name(u32 reason) { return vmx_exit_reason_name(reason); }

/* Letters and digits only, lower case: "EPT_VIOLATION", "ept-violation" and "EPT
 * violation" compare equal. */
static bool same_name(const char *a, const char *b)
{
    for (;;) {
        while (*a && !isalnum((unsigned char)*a)) a++;
        while (*b && !isalnum((unsigned char)*b)) b++;
        if (!*a || !*b) return !*a && !*b;
        if (tolower((unsigned char)*a++) != tolower((unsigned char)*b++)) return false;
    }
}

int vmx_dbg_reason_parse(const char *s)
{
    if (!s || !*s) return -1;
    if (isdigit((unsigned char)*s)) {
        char *end;
        long v = strtol(s, &end, 0);
        return *end || v < 0 || v >= VMX_EXIT_REASONS_MAX ? -1 : (int)v;
    }
#define EXIT_REASON(name, num, text) if (same_name(s, #name) || same_name(s, text)) return num;
#include "exit_reasons.h"
#undef EXIT_REASON
    return -1;
}
