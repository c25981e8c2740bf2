/* Bad input from a hypervisor: VMXON/VMCS pointers, bitmaps, MSR lists and the VMCS link
 * pointer outside RAM, in MMIO (the local APIC at 0xfee00000), unaligned or beyond
 * MAXPHYADDR. Each ends in the architectural outcome (VMfail, VM-entry failure, VMX abort,
 * or open-bus reads of all ones) and never harms the emulator. */
#include "vmx_guest.h"

#define PAST_RAM 0x40000000ull   /* 1 GiB: no RAM (the harness has 16 MiB), no device */
#define ABOVE_4G 0x100000000ull  /* no RAM above 4 GiB either */
#define LAPIC_MMIO 0xfee00000ull

static u64 beyond_maxphyaddr(struct harness *h) { return 1ull << cpu_phys_bits(h->c); }

/* --- VMXON, VMPTRLD, VMCLEAR pointers ---------------------------------------------------- */

static void test_vmxon(void)
{
    struct harness *h = vmx_harness("skylake");
    const struct { const char *name; u64 pa; } bad[] = {
        {"vmxon.past_ram", PAST_RAM},           {"vmxon.above_4g", ABOVE_4G},
        {"vmxon.lapic_mmio", LAPIC_MMIO},       {"vmxon.unaligned", VMXON_PA + 8},
        {"vmxon.beyond_maxphyaddr", 0},         {"vmxon.all_ones", ~0ull},
    };
    for (size_t k = 0; k < ARRAY_LEN(bad); k++) {
        u64 pa = bad[k].pa ? bad[k].pa : beyond_maxphyaddr(h);
        int r = RUN_M(h, I_VMXON, pa);
        CHECK(bad[k].name, r == -1 && vmx_outcome(h) == 'I' && !h->c->vmx->on, "run %d outcome %c on %d", r,
              vmx_outcome(h), h->c->vmx->on);
    }
    CHECK("vmxon.good_after_bad", RUN_M(h, I_VMXON, VMXON_PA) == -1 && vmx_outcome(h) == 'S', "outcome %c",
          vmx_outcome(h));
    harness_free(h);
}

static void test_vmcs_pointers(void)
{
    struct harness *h = vmx_harness("skylake");
    RUN_M(h, I_VMXON, VMXON_PA);
    /* No current VMCS: every failure is VMfailInvalid. */
    RUN_M(h, I_VMPTRLD, PAST_RAM);
    CHECK("vmptrld.past_ram.no_current", vmx_outcome(h) == 'I', "outcome %c", vmx_outcome(h));
    RUN_M(h, I_VMCLEAR, VMCS_A);
    RUN_M(h, I_VMPTRLD, VMCS_A);
    const struct { const char *name; u64 pa; u32 err; } bad[] = {
        {"vmptrld.past_ram", PAST_RAM, 11},         /* open bus: revision 0xffffffff */
        {"vmptrld.above_4g", ABOVE_4G, 11},
        {"vmptrld.lapic_mmio", LAPIC_MMIO, 11},     /* the APIC's reserved register reads 0 */
        {"vmptrld.unaligned", VMCS_B + 0x10, 9},
        {"vmptrld.beyond_maxphyaddr", 0, 9},
        {"vmptrld.all_ones", ~0ull, 9},
    };
    for (size_t k = 0; k < ARRAY_LEN(bad); k++) {
        u64 pa = bad[k].pa ? bad[k].pa : beyond_maxphyaddr(h);
        int r = RUN_M(h, I_VMPTRLD, pa);
        CHECK(bad[k].name, r == -1 && vmx_outcome(h) == 'V' && vm_error(h) == bad[k].err &&
                               h->c->vmx->current_vmcs == VMCS_A,
              "run %d outcome %c error %u current %#llx", r, vmx_outcome(h), vm_error(h),
              (unsigned long long)h->c->vmx->current_vmcs);
    }
    /* VMCLEAR writes the launch state where it is told: open bus and the APIC ignore it. */
    u32 apic_id = (u32)phys_read(h->m, h->c, LAPIC_MMIO + 0x20, 4);
    const struct { const char *name; u64 pa; char outcome; u32 err; } clr[] = {
        {"vmclear.past_ram", PAST_RAM, 'S', 0},
        {"vmclear.above_4g", ABOVE_4G, 'S', 0},
        {"vmclear.lapic_mmio", LAPIC_MMIO, 'S', 0},
        {"vmclear.unaligned", VMCS_B + 4, 'V', 2},
        {"vmclear.beyond_maxphyaddr", 0, 'V', 2},
    };
    for (size_t k = 0; k < ARRAY_LEN(clr); k++) {
        u64 pa = clr[k].pa ? clr[k].pa : beyond_maxphyaddr(h);
        int r = RUN_M(h, I_VMCLEAR, pa);
        CHECK(clr[k].name, r == -1 && vmx_outcome(h) == clr[k].outcome && (!clr[k].err || vm_error(h) == clr[k].err),
              "run %d outcome %c error %u", r, vmx_outcome(h), vm_error(h));
    }
    CHECK_EQ("vmclear.lapic_untouched", (u32)phys_read(h->m, h->c, LAPIC_MMIO + 0x20, 4), apic_id);
    CHECK_EQ("vmclear.current_kept", h->c->vmx->current_vmcs, VMCS_A);
    harness_free(h);
}

/* --- Bitmaps -------------------------------------------------------------------------- */

/* Guest: OUT 0x80, AL; RDMSR of 0x10; CPUID (exits unconditionally). */
static const u8 g_io_msr[] = {0xe6, 0x80, 0xb9, 0x10, 0, 0, 0, 0x0f, 0x32, 0x0f, 0xa2};

static struct harness *setup(void)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    guest_code(h, g_io_msr, sizeof g_io_msr);
    return h;
}
static void or_field(struct harness *h, enum vmcs_slot s, u64 bits) { vmcs_set(h->c, s, vmcs_get(h->c, s) | bits); }
static bool back_in_host(struct harness *h) { return !h->c->vmx_nonroot && h->c->rip == HOST_RESUME + 1; }

static void test_bitmaps(void)
{
    /* I/O bitmaps in open bus read all ones: every port exits. */
    struct harness *h = setup();
    or_field(h, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS);
    vmcs_set(h->c, VMCS_IO_BITMAP_A, PAST_RAM);
    vmcs_set(h->c, VMCS_IO_BITMAP_B, ABOVE_4G);
    host_enter(h, true);
    CHECK("io_bitmap.past_ram.exits", exit_reason(h) == 30 && back_in_host(h), "reason %u", exit_reason(h));
    harness_free(h);

    /* In the APIC's page: bitmap bytes are what the APIC reads (0 for port 0x80's byte), so
     * OUT passes and RDMSR (no MSR bitmaps: always exits) is next. */
    h = setup();
    or_field(h, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS);
    vmcs_set(h->c, VMCS_IO_BITMAP_A, LAPIC_MMIO);
    vmcs_set(h->c, VMCS_IO_BITMAP_B, LAPIC_MMIO);
    host_enter(h, true);
    CHECK("io_bitmap.lapic_mmio.reads_device", exit_reason(h) == 31 && back_in_host(h), "reason %u", exit_reason(h));
    harness_free(h);

    h = setup();
    or_field(h, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_IO_BITMAPS);
    vmcs_set(h->c, VMCS_IO_BITMAP_A, SCRATCH);
    vmcs_set(h->c, VMCS_IO_BITMAP_B, beyond_maxphyaddr(h));
    host_enter(h, true);
    CHECK("io_bitmap.beyond_maxphyaddr.vmfail7", vmx_outcome(h) == 'V' && vm_error(h) == 7 &&
                                                   !strcmp(last_check(h), "ctl.io_bitmap.address"),
          "outcome %c error %u check %s", vmx_outcome(h), vm_error(h), last_check(h));
    harness_free(h);

    /* MSR bitmap past RAM: RDMSR exits; I/O does not (no I/O exiting). */
    h = setup();
    or_field(h, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
    vmcs_set(h->c, VMCS_MSR_BITMAP, PAST_RAM + 0x1000);
    host_enter(h, true);
    CHECK("msr_bitmap.past_ram.exits", exit_reason(h) == 31 && back_in_host(h), "reason %u", exit_reason(h));
    harness_free(h);

    h = setup();
    or_field(h, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
    vmcs_set(h->c, VMCS_MSR_BITMAP, LAPIC_MMIO);
    host_enter(h, true);
    CHECK("msr_bitmap.lapic_mmio.no_crash", (exit_reason(h) == 31 || exit_reason(h) == 10) && back_in_host(h),
          "reason %u", exit_reason(h));
    harness_free(h);

    h = setup();
    or_field(h, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS);
    vmcs_set(h->c, VMCS_MSR_BITMAP, ~0ull << 12);
    host_enter(h, true);
    CHECK("msr_bitmap.all_ones.vmfail7", vmx_outcome(h) == 'V' && vm_error(h) == 7, "outcome %c error %u",
          vmx_outcome(h), vm_error(h));
    harness_free(h);
}

/* --- MSR lists ------------------------------------------------------------------------- */

static void entry_list(struct harness *h, u64 addr, u32 count)
{
    vmcs_set(h->c, VMCS_VM_ENTRY_MSR_LOAD_ADDR, addr);
    vmcs_set(h->c, VMCS_VM_ENTRY_MSR_LOAD_COUNT, count);
}

/* Fill [pa, pa + 16 n) with valid entries: IA32_SYSENTER_CS <- 0x10. */
static void valid_entries(struct harness *h, u64 pa, u64 n)
{
    for (u64 k = 0; k < n; k++) {
        phys_write(h->m, h->c, pa + 16 * k, 8, 0x174);
        phys_write(h->m, h->c, pa + 16 * k + 8, 8, 0x10);
    }
}

static void test_entry_msr_lists(void)
{
    struct harness *h = setup();
    entry_list(h, PAST_RAM, 0x100000);
    host_enter(h, true);
    CHECK("entry_msr_load.past_ram.fails_first", exit_reason(h) == 0x80000022u && exit_qual(h) == 1 && back_in_host(h),
          "reason %#x qual %llu", exit_reason(h), (unsigned long long)exit_qual(h));
    harness_free(h);

    h = setup();
    entry_list(h, LAPIC_MMIO, 256);
    host_enter(h, true);
    CHECK("entry_msr_load.lapic_mmio", exit_reason(h) == 0x80000022u && exit_qual(h) >= 1 && exit_qual(h) <= 256 &&
                                           back_in_host(h),
          "reason %#x qual %llu", exit_reason(h), (unsigned long long)exit_qual(h));
    harness_free(h);

    /* A list that runs off the end of RAM: the entries in RAM load, the first past it fails. */
    h = setup();
    u64 start = HARNESS_RAM - 16 * 3;
    valid_entries(h, start, 3);
    entry_list(h, start, 1000);
    host_enter(h, true);
    CHECK("entry_msr_load.runs_off_ram", exit_reason(h) == 0x80000022u && exit_qual(h) == 4,
          "reason %#x qual %llu", exit_reason(h), (unsigned long long)exit_qual(h));
    harness_free(h);

    /* Unaligned, or reaching beyond MAXPHYADDR: VMfailValid 7. */
    h = setup();
    entry_list(h, SCRATCH + 8, 1);
    host_enter(h, true);
    CHECK("entry_msr_load.unaligned.vmfail7", vmx_outcome(h) == 'V' && vm_error(h) == 7, "outcome %c error %u",
          vmx_outcome(h), vm_error(h));
    harness_free(h);
    h = setup();
    entry_list(h, beyond_maxphyaddr(h) - 16 * 0x1000, 0x1001);
    host_enter(h, true);
    CHECK("entry_msr_load.end_beyond_maxphyaddr.vmfail7", vmx_outcome(h) == 'V' && vm_error(h) == 7,
          "outcome %c error %u", vmx_outcome(h), vm_error(h));
    harness_free(h);

    /* A huge count over valid entries: the processor processes no more than the recommended
     * maximum, 512 * (IA32_VMX_MISC[27:25] + 1) (SDM A.6 leaves larger lists undefined); the
     * entry after it fails. */
    h = setup();
    u64 max = 512 * (((vmx_cap(h->c, MSR_VMX_MISC) >> 25) & 7) + 1);
    valid_entries(h, SCRATCH, max + 16);
    entry_list(h, SCRATCH, 0xffffffffu);
    host_enter(h, true);
    CHECK("entry_msr_load.huge_count.bounded", exit_reason(h) == 0x80000022u && exit_qual(h) == max + 1,
          "reason %#x qual %llu max %llu", exit_reason(h), (unsigned long long)exit_qual(h), (unsigned long long)max);
    harness_free(h);

    /* Exactly the maximum is fine: the guest runs up to RDMSR. */
    h = setup();
    valid_entries(h, SCRATCH, max);
    entry_list(h, SCRATCH, (u32)max);
    host_enter(h, true);
    CHECK("entry_msr_load.max_count.loads", exit_reason(h) == 31 && h->c->sysenter_cs == 0 /* host value */ &&
                                              back_in_host(h),
          "reason %#x", exit_reason(h));
    harness_free(h);
}

/* Exit lists are used at VM exit: a failure there is a VMX abort (SDM 28.7): indicator in
 * the VMCS region, processor shut down. */
static void expect_abort(struct harness *h, const char *name, u32 code)
{
    host_enter(h, true);
    u32 ind = (u32)phys_read(h->m, h->c, VMCS_A + VMCS_ABORT_OFFSET, 4);
    CHECK(name, h->c->shutdown && ind == code && !h->c->vmx_nonroot, "shutdown %d indicator %u nonroot %d",
          h->c->shutdown, ind, h->c->vmx_nonroot);
}

static void test_exit_msr_lists(void)
{
    struct harness *h = setup();
    vmcs_set(h->c, VMCS_VM_EXIT_MSR_STORE_ADDR, PAST_RAM);
    vmcs_set(h->c, VMCS_VM_EXIT_MSR_STORE_COUNT, 0x10000);
    expect_abort(h, "exit_msr_store.past_ram.abort1", 1);
    harness_free(h);

    h = setup();
    vmcs_set(h->c, VMCS_VM_EXIT_MSR_LOAD_ADDR, ABOVE_4G);
    vmcs_set(h->c, VMCS_VM_EXIT_MSR_LOAD_COUNT, 0x10000);
    expect_abort(h, "exit_msr_load.above_4g.abort4", 4);
    harness_free(h);

    /* Store list in the APIC page: MSR indexes come from APIC registers; the values the
     * processor stores land on offsets 8 mod 16, which no APIC register uses. */
    h = setup();
    u32 apic_id = (u32)phys_read(h->m, h->c, LAPIC_MMIO + 0x20, 4);
    vmcs_set(h->c, VMCS_VM_EXIT_MSR_STORE_ADDR, LAPIC_MMIO);
    vmcs_set(h->c, VMCS_VM_EXIT_MSR_STORE_COUNT, 256);
    host_enter(h, true);
    CHECK("exit_msr_store.lapic_mmio", back_in_host(h) || h->c->shutdown, "rip %#llx", (unsigned long long)h->c->rip);
    CHECK_EQ("exit_msr_store.lapic_mmio.apic_intact", (u32)phys_read(h->m, h->c, LAPIC_MMIO + 0x20, 4), apic_id);
    harness_free(h);

    /* A huge store count over valid entries: bounded by the recommended maximum, then an
     * abort. */
    h = setup();
    u64 max = 512 * (((vmx_cap(h->c, MSR_VMX_MISC) >> 25) & 7) + 1);
    valid_entries(h, SCRATCH, max + 16);
    vmcs_set(h->c, VMCS_VM_EXIT_MSR_STORE_ADDR, SCRATCH);
    vmcs_set(h->c, VMCS_VM_EXIT_MSR_STORE_COUNT, 0xffffffffu);
    expect_abort(h, "exit_msr_store.huge_count.abort1", 1);
    CHECK_EQ("exit_msr_store.huge_count.stored_max", phys_read(h->m, h->c, SCRATCH + 16 * (max - 1) + 8, 8), 0);
    CHECK_EQ("exit_msr_store.huge_count.stopped_after_max", phys_read(h->m, h->c, SCRATCH + 16 * max + 8, 8), 0x10);
    harness_free(h);
}

/* --- VMCS link pointer ------------------------------------------------------------------ */

static void test_link_pointer(void)
{
    const struct { const char *name; u64 link; } bad[] = {
        {"link.unaligned", SCRATCH + 0x10},   {"link.past_ram", PAST_RAM},
        {"link.above_4g", ABOVE_4G},          {"link.lapic_mmio", LAPIC_MMIO},
        {"link.beyond_maxphyaddr", 0},        {"link.zero", 0},
        {"link.all_ones_but_one", ~1ull},
    };
    for (size_t k = 0; k < ARRAY_LEN(bad); k++) {
        struct harness *h = setup();
        u64 l = bad[k].link;
        if (!strcmp(bad[k].name, "link.beyond_maxphyaddr")) l = beyond_maxphyaddr(h);
        vmcs_set(h->c, VMCS_VMCS_LINK_POINTER, l);
        host_enter(h, true);
        CHECK(bad[k].name, exit_reason(h) == 0x80000021u && exit_qual(h) == 4 && back_in_host(h),
              "reason %#x qual %llu check %s", exit_reason(h), (unsigned long long)exit_qual(h), last_check(h));
        harness_free(h);
    }
}

int main(void)
{
    test_vmxon();
    test_vmcs_pointers();
    test_bitmaps();
    test_entry_msr_lists();
    test_exit_msr_lists();
    test_link_pointer();
    return check_exit();
}
