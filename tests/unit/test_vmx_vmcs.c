/* The VMCS field table and VMREAD/VMWRITE of every field (SDM Vol. 3 25.11.2, Appendix B):
 * encodings consistent with width and kind, round trips with width truncation, high halves,
 * read-only exit-information fields, fields of features not offered (VMfail 12). */
#include "vmx_util.h"

static void test_table(void)
{
    bool sorted = true, consistent = true, unique = true;
    for (int s = 0; s < VMCS_NSLOTS; s++) {
        u32 e = vmcs_encoding((enum vmcs_slot)s);
        if (s && vmcs_encoding((enum vmcs_slot)(s - 1)) >= e) sorted = false;
        if ((e & 1) || (e >> 15) || (e & (1u << 12)) || ((e >> 13) & 3) != vmcs_width_of((enum vmcs_slot)s) ||
            ((e >> 10) & 3) != vmcs_kind_of((enum vmcs_slot)s))
            consistent = false;
        for (int t = 0; t < s; t++)
            if (!strcmp(vmcs_name((enum vmcs_slot)s), vmcs_name((enum vmcs_slot)t))) unique = false;
    }
    CHECK("table.sorted_by_encoding", sorted, "unsorted");
    CHECK("table.width_kind_match_encoding", consistent, "mismatch");
    CHECK("table.names_unique", unique, "duplicate");
    CHECK("table.fits_region", VMCS_DATA_OFFSET + 8 * VMCS_NSLOTS <= VMCS_REGION_SIZE, "too big");
    CHECK_EQ("table.guest_rip", vmcs_encoding(VMCS_GUEST_RIP), 0x681e);
    CHECK_EQ("table.ept_pointer", vmcs_encoding(VMCS_EPT_POINTER), 0x201a);
    CHECK("table.name", !strcmp(vmcs_name(VMCS_VM_EXIT_REASON), "VM_EXIT_REASON"), "%s",
          vmcs_name(VMCS_VM_EXIT_REASON));
}

static void test_fields(const char *model)
{
    char name[128];
    struct harness *h = vmx_harness(model);
    RUN_M(h, I_VMXON, VMXON_PA);
    RUN_M(h, I_VMCLEAR, VMCS_A);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    bool vmwrite_any = vmx_cap(h->c, MSR_VMX_MISC) & VMX_MISC_VMWRITE_ANY;
    int supported = 0, bad = 0, unsupported_ok = 0;
    for (int s = 0; s < VMCS_NSLOTS; s++) {
        enum vmcs_slot slot = (enum vmcs_slot)s;
        u32 enc = vmcs_encoding(slot);
        bool high;
        bool sup = vmcs_slot_of(h->c, enc, &high) == s;
        const u64 pattern = 0xfedcba9876543210ull ^ ((u64)s * 0x0101010101010101ull);
        u64 v = 0;
        int r = vmwrite(h, enc, pattern);
        char out = vmx_outcome(h);
        u32 err = vm_error(h);
        if (!sup) {
            int r2 = vmread(h, enc, &v);
            if (r == -1 && out == 'V' && err == VMERR_UNSUPPORTED_FIELD && r2 == -1 &&
                vmx_outcome(h) == 'V' && vm_error(h) == VMERR_UNSUPPORTED_FIELD)
                unsupported_ok++;
            else {
                snprintf(name, sizeof name, "%s.unsupported.%s", model, vmcs_name(slot));
                CHECK(name, false, "write %c/%u", out, err);
            }
            continue;
        }
        supported++;
        bool ro = vmcs_kind_of(slot) == VMCS_EXIT_INFO && !vmwrite_any;
        if (ro) {
            if (!(r == -1 && out == 'V' && err == VMERR_WRITE_READONLY)) {
                bad++;
                snprintf(name, sizeof name, "%s.readonly.%s", model, vmcs_name(slot));
                CHECK(name, false, "write %c/%u", out, err);
            }
            vmcs_set(h->c, slot, pattern); /* as a VM exit would */
        } else if (!(r == -1 && out == 'S')) {
            bad++;
            snprintf(name, sizeof name, "%s.write.%s", model, vmcs_name(slot));
            CHECK(name, false, "write %c/%u", out, err);
        }
        u64 want = pattern & vmcs_width_mask(vmcs_width_of(slot));
        vmread(h, enc, &v);
        if (v != want || vmx_outcome(h) != 'S') {
            bad++;
            snprintf(name, sizeof name, "%s.roundtrip.%s", model, vmcs_name(slot));
            CHECK(name, false, "got %#llx want %#llx", (unsigned long long)v, (unsigned long long)want);
        }
        /* High halves: only 64-bit fields have them. */
        vmread(h, enc | 1, &v);
        if (vmcs_width_of(slot) == VMCS_W64) {
            if (v != want >> 32 || vmx_outcome(h) != 'S') {
                bad++;
                snprintf(name, sizeof name, "%s.high.%s", model, vmcs_name(slot));
                CHECK(name, false, "got %#llx", (unsigned long long)v);
            }
        } else if (vmx_outcome(h) != 'V' || vm_error(h) != VMERR_UNSUPPORTED_FIELD) {
            bad++;
            snprintf(name, sizeof name, "%s.no_high.%s", model, vmcs_name(slot));
            CHECK(name, false, "outcome %c", vmx_outcome(h));
        }
    }
    snprintf(name, sizeof name, "%s.all_supported_fields_round_trip", model);
    CHECK(name, bad == 0 && supported > 100, "%d bad of %d", bad, supported);
    snprintf(name, sizeof name, "%s.unsupported_fields_error12", model);
    CHECK(name, unsupported_ok == VMCS_NSLOTS - supported, "%d of %d", unsupported_ok, VMCS_NSLOTS - supported);
    /* Encodings that are no field at all. */
    u64 v;
    snprintf(name, sizeof name, "%s.no_such_field_error12", model);
    vmread(h, 0x6830, &v);
    CHECK(name, vmx_outcome(h) == 'V' && vm_error(h) == VMERR_UNSUPPORTED_FIELD, "%c", vmx_outcome(h));
    snprintf(name, sizeof name, "%s.reserved_bit12_error12", model);
    vmread(h, 0x681e | 0x1000, &v);
    CHECK(name, vmx_outcome(h) == 'V' && vm_error(h) == VMERR_UNSUPPORTED_FIELD, "%c", vmx_outcome(h));
    /* Fields gated by capabilities. */
    snprintf(name, sizeof name, "%s.ept_pointer_iff_ept", model);
    CHECK(name, (vmcs_slot_of(h->c, 0x201a, &(bool){0}) >= 0) == (strcmp(model, "core2") != 0), "wrong");
    snprintf(name, sizeof name, "%s.vpid_iff_vpid", model);
    CHECK(name, (vmcs_slot_of(h->c, 0x0000, &(bool){0}) >= 0) == (strcmp(model, "core2") != 0), "wrong");
    snprintf(name, sizeof name, "%s.efer_fields_per_model", model);
    CHECK(name, (vmcs_slot_of(h->c, 0x2806, &(bool){0}) >= 0) == (strcmp(model, "core2") != 0), "wrong");
    harness_free(h);
}

int main(void)
{
    test_table();
    test_fields("core2");
    test_fields("westmere");
    test_fields("skylake");
    test_fields("icelake");
    return check_exit();
}
