/* EPT in VMX non-root operation (SDM Vol. 3C 29.3): the guest-physical seam (src/cpu/gpa.c)
 * hands every guest paging-structure access and every final guest-physical address here.
 * With "enable EPT" each goes through the EPT walker (ept.c), so translation is
 * two-dimensional (29.3.2); an EPT violation or misconfiguration becomes a VM exit with its
 * exit qualification and the guest-physical and guest-linear address fields (28.2.1,
 * 29.3.3). The exit is a fault: the instruction has not completed (like a #PF, its earlier
 * checks changed nothing), so guest RIP is its address. */
#include "../cpu/cpumodel.h"
#include "../cpu/sysreg.h"
#include "ctls.h"

bool vmx_ept_enter(struct cpu *c)
{
    struct vmx *v = c->vmx;
    v->ept_on = vmx_proc2(c) & SEC_EPT;
    v->ept = (struct ept_ctx){
        .eptp = vmcs_get(c, VMCS_EPT_POINTER),
        .cap = vmx_cap(c, MSR_VMX_EPT_VPID_CAP),
        .maxphyaddr = cpu_phys_bits(c),
        .mbec = vmx_proc2(c) & SEC_MODE_BASED_EPT,
    };
    /* 27.3.2.4: with EPT, PAE paging takes its PDPTEs from the guest PDPTE fields. */
    if (v->ept_on && paging_pae_legacy(c))
        for (int k = 0; k < 4; k++)
            c->pdpte[k] = vmcs_get(c, (enum vmcs_slot)(VMCS_GUEST_PDPTR0 + k));
    return v->ept_on;
}

/* 28.2.1 Table 28-7 bit 12: the access belongs to an IRET that unblocked NMIs (or virtual
 * NMIs); op_iret records that before its first access, while icount is still its own.
 * Undefined (0 here) during event delivery. */
static bool iret_unblocked(struct cpu *c)
{
    struct vmx *v = c->vmx;
    return v->nmi_unblocked_by_iret && v->iret_icount == c->icount &&
           !(v->tr.vectoring & INTR_INFO_VALID);
}

/* 26.5.7: with "EPT-violation #VE", a violation whose entry (the leaf, or the not-present
 * entry) has suppress #VE (bit 63) clear is convertible; it becomes a virtualization
 * exception when CR0.PE = 1, no event is being delivered through the IDT and the 32 bits at
 * offset 4 of the information area are 0. The processor writes the area (exit reason 48,
 * FFFFFFFFH at offset 4 so that the next convertible violation exits, exit qualification,
 * guest-linear and guest-physical addresses, EPTP index) and raises #VE: vector 20, a
 * fault without error code, which the exception bitmap may turn into a VM exit (26.2).
 * Returns when the violation is to exit. */
static void ept_ve(struct cpu *c, const struct ept_req *r, const struct ept_result *o, u64 q, u64 gla)
{
    if ((o->entry & EPTE_SUPPRESS_VE) || !(c->cr0 & CR0_PE) || (c->vmx->tr.vectoring & INTR_INFO_VALID))
        return;
    u64 a = vmcs_get(c, VMCS_VE_INFORMATION_ADDRESS);
    if (phys_read(c->m, c, a + 4, 4) != 0) return;
    phys_write(c->m, c, a, 4, VMX_EXIT_EPT_VIOLATION);
    phys_write(c->m, c, a + 4, 4, 0xffffffffu);
    phys_write(c->m, c, a + 8, 8, q);
    phys_write(c->m, c, a + 16, 8, gla);
    phys_write(c->m, c, a + 24, 8, r->gpa);
    phys_write(c->m, c, a + 32, 2, vmcs_get(c, VMCS_EPTP_INDEX));
    cpu_raise(c, EXC_VE, NO_ERRCODE);
}

/* 29.3.3: violation (reason 48) or misconfiguration (49). The guest-linear address field
 * is written when qualification bit 7 says it is valid (28.2.1), else 0; a
 * misconfiguration has no qualification. During event delivery exit.c records the
 * IDT-vectoring information (28.2.4). */
static NORETURN void ept_exit(struct cpu *c, const struct ept_req *r, const struct ept_result *o)
{
    /* 28.2.1: a page-modification log-full event (62) defines only qualification bit 12. */
    if (o->status == EPT_PML_FULL)
        vmx_exit(c, VMX_EXIT_PML_FULL, iret_unblocked(c) ? EPT_QUAL_NMI_UNBLOCK : 0);
    if (o->status == EPT_MISCONFIG) vmx_exit_full(c, VMX_EXIT_EPT_MISCONFIG, 0, 0, r->gpa);
    u64 q = o->qual | (iret_unblocked(c) ? EPT_QUAL_NMI_UNBLOCK : 0);
    u64 gla = (q & EPT_QUAL_GLA_VALID) ? r->gla : 0;
    if (vmx_proc2(c) & SEC_EPT_VE) ept_ve(c, r, o, q, gla);
    vmx_exit_full(c, VMX_EXIT_EPT_VIOLATION, q, gla, r->gpa);
}

/* -d ept: one line per final translation the TLB takes in, with its permissions and its
 * effective memory type (29.3.7.2), which nothing else in an emulator without caches shows. */
static void trace_final(struct cpu *c, const struct gpa_why *w, u64 gpa, const struct ept_result *o)
{
    unsigned mt = ept_memtype(c->cr0 & CR0_CD, o->memtype, o->ipat, w->pat);
    static const char *const size[4] = {"", "4K", "2M", "1G"};
    machine_log(c->m, "cpu%d: ept: lin %#llx gpa %#llx -> hpa %#llx %s %c%c%c%s type %s (ept %s%s, pat %s%s)",
                c->index, LL(w->lin), LL(gpa), LL(o->hpa), size[o->level & 3],
                (o->perm & EPTE_R) ? 'r' : '-', (o->perm & EPTE_W) ? 'w' : '-',
                (o->perm & EPTE_X) ? 'x' : '-', (o->perm & EPTE_XU) ? "u" : "",
                ept_memtype_name(mt), ept_memtype_name(o->memtype), o->ipat ? ", ignore PAT" : "",
                ept_memtype_name(w->pat), (c->cr0 & CR0_CD) ? ", CR0.CD" : "");
}

bool vmx_ept_gpa(struct cpu *c, u64 gpa, enum gpa_use use, const struct gpa_why *w, u64 *hpa,
                 bool *writable)
{
    struct vmx *v = c->vmx;
    if (!v->ept_on) {
        *hpa = gpa;
        return true;
    }
    static const unsigned final_kind[4] = {
        [ACC_READ] = EPT_READ, [ACC_WRITE] = EPT_WRITE, [ACC_EXEC] = EPT_FETCH, [3] = EPT_READ};
    struct ept_req r = {
        .gpa = gpa,
        .gla = w->lin,
        .kind = use == GPA_ENTRY_READ ? EPT_READ
                : use == GPA_AD_WRITE ? EPT_WRITE
                                      : final_kind[w->acc & 3],
        .paging = use != GPA_FINAL,
        .gla_valid = !w->pdpte_load,
        .user = w->user,
        .writable = w->writable,
        .nx = w->nx,
    };
    struct ept_ctx x = v->ept;
    /* A probe (tracing, diagnostics) must not change memory: no EPT A/D flags for it. */
    if (w->acc & ACC_NOFAULT) x.eptp &= ~(u64)EPTP_AD;
    /* Page-modification logging (29.3.6) works on EPT dirty flags, so only with EPT A/D. */
    bool pml = (x.eptp & EPTP_AD) && (vmx_proc2(c) & SEC_PML);
    u16 pml_index = pml ? (u16)vmcs_get(c, VMCS_GUEST_PML_INDEX) : 0;
    x.pml_full = pml && pml_index > 511;
    struct ept_result o;
    if (ept_translate(c->m, c, &x, &r, &o) != EPT_OK) {
        if (w->acc & ACC_NOFAULT) return false;
        ept_exit(c, &r, &o);
    }
    /* 29.3.6: a dirty flag set (0 to 1) logs the access's 4 KiB-aligned guest-physical
     * address at PML address + 8 * index, then decrements the index (0 becomes FFFFH). */
    if (pml && o.dirtied) {
        phys_write(c->m, c, vmcs_get(c, VMCS_PML_ADDRESS) + 8u * pml_index, 8, gpa & ~0xfffull);
        vmcs_set(c, VMCS_GUEST_PML_INDEX, (u16)(pml_index - 1));
    }
    if (unlikely(c->m->trace & TRACE_EPT) && use == GPA_FINAL && !(w->acc & ACC_NOFAULT))
        trace_final(c, w, gpa, &o);
    *hpa = o.hpa;
    /* A TLB write entry only where EPT allows the write and, with A/D flags, this
     * translation's dirty flag is set (29.3.5), so the first write walks and sets it. */
    if (writable && (!(o.perm & EPTE_W) || ((x.eptp & EPTP_AD) && !(o.entry & EPTE_D))))
        *writable = false;
    return true;
}
