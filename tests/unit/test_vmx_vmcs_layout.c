/* Our VMCS region layout (vmcs.c) and the accessors that take the VMCS they work on:
 * every field at a fixed offset, distinct and inside the region (SDM A.1: at most 4 KiB);
 * a VMCS that is not current read and written in memory, the current one in the cache
 * (SDM 25.11.1), with the field's width applied either way. */
#include "vmx_util.h"

static void test_offsets(void)
{
    bool aligned = true, unique = true;
    for (int s = 0; s < VMCS_NSLOTS; s++) {
        u32 o = vmcs_offset_of((enum vmcs_slot)s);
        if (o % 8 || o < VMCS_DATA_OFFSET || o + 8 > VMCS_REGION_SIZE) aligned = false;
        for (int t = 0; t < s; t++)
            if (vmcs_offset_of((enum vmcs_slot)t) == o) unique = false;
    }
    CHECK("layout.offsets_aligned_in_region", aligned, "an offset is unaligned or outside");
    CHECK("layout.offsets_unique", unique, "two fields share an offset");
    /* Offsets never move: regions saved by an earlier build read the same (pinned here). */
    CHECK_EQ("layout.fixed.virtual_processor_id", vmcs_offset_of(VMCS_VIRTUAL_PROCESSOR_ID), 0x010);
    CHECK_EQ("layout.fixed.guest_rip", vmcs_offset_of(VMCS_GUEST_RIP), 0x498);
    CHECK_EQ("layout.fixed.host_intr_ssp_table", vmcs_offset_of(VMCS_HOST_INTR_SSP_TABLE), 0x548);
    struct harness *h = vmx_harness("skylake");
    CHECK_EQ("layout.region_size_reported", (vmx_cap(h->c, MSR_VMX_BASIC) >> 32) & 0x1fff,
             VMCS_REGION_SIZE);
    harness_free(h);
}

/* VMCS A written through VMWRITE, then VMCLEARed (no current VMCS) or replaced by B: its
 * fields read back from memory through vmcs_at(). */
static void test_read_not_current(void)
{
    struct harness *h = vmx_harness("skylake");
    RUN_M(h, I_VMXON, VMXON_PA);
    RUN_M(h, I_VMCLEAR, VMCS_A);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    vmwrite(h, 0x681e, 0x1234567890ull); /* GUEST_RIP */
    vmwrite(h, 0x0802, 0x1b);            /* GUEST_CS_SELECTOR */
    struct vmcs_ref a = vmcs_at(h->c, VMCS_A);
    CHECK("read_in.current_is_cache",
          a.cache != NULL && vmcs_read_in(a, VMCS_GUEST_RIP) == 0x1234567890ull,
          "cache %p rip %#llx", (void *)a.cache,
          (unsigned long long)vmcs_read_in(a, VMCS_GUEST_RIP));
    RUN_M(h, I_VMCLEAR, VMCS_A);
    a = vmcs_at(h->c, VMCS_A);
    CHECK("read_in.after_vmclear.memory", a.cache == NULL, "still the cache");
    CHECK_EQ("read_in.after_vmclear.guest_rip", vmcs_read_in(a, VMCS_GUEST_RIP), 0x1234567890ull);
    CHECK_EQ("read_in.after_vmclear.guest_cs", vmcs_read_in(a, VMCS_GUEST_CS_SELECTOR), 0x1b);
    /* B current: A still reads from memory, B from the cache. */
    RUN_M(h, I_VMCLEAR, VMCS_B);
    RUN_M(h, I_VMPTRLD, VMCS_B);
    vmwrite(h, 0x681e, 0xb0b0);
    CHECK_EQ("read_in.other_current.a", vmcs_read_in(vmcs_at(h->c, VMCS_A), VMCS_GUEST_RIP),
             0x1234567890ull);
    CHECK_EQ("read_in.other_current.b", vmcs_read_in(vmcs_at(h->c, VMCS_B), VMCS_GUEST_RIP),
             0xb0b0);
    CHECK_EQ("read_in.current", vmcs_read_in(vmcs_current(h->c), VMCS_GUEST_RIP), 0xb0b0);
    harness_free(h);
}

/* A field written into a VMCS that is not current is what VMPTRLD then loads, truncated
 * to its width; a write to the current VMCS goes to the cache. */
static void test_write_not_current(void)
{
    struct harness *h = vmx_harness("skylake");
    RUN_M(h, I_VMXON, VMXON_PA);
    RUN_M(h, I_VMCLEAR, VMCS_A);
    RUN_M(h, I_VMCLEAR, VMCS_B);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    struct vmcs_ref b = vmcs_at(h->c, VMCS_B);
    vmcs_write_in(b, VMCS_GUEST_RSP, 0xfeedf00dull);
    vmcs_write_in(b, VMCS_GUEST_SS_SELECTOR, 0x12345); /* 16-bit field */
    CHECK_EQ("write_in.memory.width", vmcs_read_in(b, VMCS_GUEST_SS_SELECTOR), 0x2345);
    CHECK("write_in.memory.not_current", vmcs_get(h->c, VMCS_GUEST_RSP) != 0xfeedf00dull,
          "went to the cache");
    RUN_M(h, I_VMPTRLD, VMCS_B);
    u64 rsp = 0, ss = 0;
    vmread(h, 0x681c, &rsp);
    vmread(h, 0x0804, &ss);
    CHECK_EQ("write_in.vmptrld.guest_rsp", rsp, 0xfeedf00dull);
    CHECK_EQ("write_in.vmptrld.guest_ss", ss, 0x2345);
    vmcs_write_in(vmcs_current(h->c), VMCS_GUEST_RSP, 0x77);
    CHECK_EQ("write_in.current_cache", vmcs_get(h->c, VMCS_GUEST_RSP), 0x77);
    harness_free(h);
}

int main(void)
{
    test_offsets();
    test_read_not_current();
    test_write_not_current();
    return check_exit();
}
