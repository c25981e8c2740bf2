/* VM exits from a 64-bit guest: HLT exiting, I/O qualification (unconditional and with the
 * I/O bitmaps), RDMSR with the MSR bitmap, the exception bitmap with interruption
 * information, MOV to CR0 against the guest/host mask and read shadow. */
#include "vmx_guest.h"

#define IO_A (HARNESS_DATA + 0x10000)
#define IO_B (HARNESS_DATA + 0x11000)
#define MSRBM (HARNESS_DATA + 0x12000)

static struct harness *setup(const u8 *g, size_t n, u32 proc_extra)
{
    struct harness *h = vmx_guest_setup("skylake", HOST_RESUME);
    guest_code(h, g, n);
    u32 p = (u32)vmcs_get(h->c, VMCS_CPU_BASED_VM_EXEC_CONTROL);
    vmcs_set(h->c, VMCS_CPU_BASED_VM_EXEC_CONTROL, p | proc_extra);
    return h;
}

static void test_hlt(void)
{
    static const u8 g[] = {0x90};
    struct harness *h = setup(g, sizeof g, CPU_HLT_EXITING);
    { int r = host_enter(h, true); CHECK_EQ("hlt.run", r, -1); }
    CHECK_EQ("hlt.reason", exit_reason(h), 12);
    CHECK_EQ("hlt.rip", vmcs_get(h->c, VMCS_GUEST_RIP), GUEST_CODE + 1);
    CHECK_EQ("hlt.len", vmcs_get(h->c, VMCS_VM_EXIT_INSTRUCTION_LEN), 1);
    harness_free(h);
}

static void test_io(void)
{
    /* out 0x80, al: unconditional I/O exiting. */
    static const u8 g1[] = {0xe6, 0x80};
    struct harness *h = setup(g1, sizeof g1, CPU_UNCOND_IO_EXITING);
    { int r = host_enter(h, true); CHECK_EQ("io.uncond.run", r, -1); }
    CHECK_EQ("io.uncond.reason", exit_reason(h), 30);
    CHECK_EQ("io.uncond.qual", exit_qual(h), 0x80u << 16 | 0x40);
    CHECK_EQ("io.uncond.len", vmcs_get(h->c, VMCS_VM_EXIT_INSTRUCTION_LEN), 2);
    harness_free(h);

    /* in ax, dx with DX = 0x8001 and bit 1 of bitmap B set; port 0x70 passes. */
    static const u8 g2[] = {0x66, 0xba, 0x70, 0x00, /* mov dx, 0x70 */ 0xec, /* in al, dx */
                            0x66, 0xba, 0x01, 0x80, /* mov dx, 0x8001 */ 0x66, 0xed /* in ax, dx */};
    h = setup(g2, sizeof g2, CPU_USE_IO_BITMAPS);
    u8 one = 2;
    phys_copy_in(h->m, IO_B, &one, 1);
    vmcs_set(h->c, VMCS_IO_BITMAP_A, IO_A);
    vmcs_set(h->c, VMCS_IO_BITMAP_B, IO_B);
    { int r = host_enter(h, true); CHECK_EQ("io.bitmap.run", r, -1); }
    CHECK_EQ("io.bitmap.reason", exit_reason(h), 30);
    CHECK_EQ("io.bitmap.qual", exit_qual(h), 0x8001u << 16 | 8 | 1);
    CHECK_EQ("io.bitmap.rip", vmcs_get(h->c, VMCS_GUEST_RIP), GUEST_CODE + 9);
    harness_free(h);
}

static void test_msr(void)
{
    /* rdmsr 0x10 (TSC) passes the bitmap; rdmsr 0xc0000080 (EFER) has its read-high bit. */
    static const u8 g[] = {0xb9, 0x10, 0, 0, 0, 0x0f, 0x32, 0xb9, 0x80, 0, 0, 0xc0, 0x0f, 0x32};
    struct harness *h = setup(g, sizeof g, CPU_USE_MSR_BITMAPS);
    u8 bit = 1;
    phys_copy_in(h->m, MSRBM + 1024 + 0x80 / 8, &bit, 1);
    vmcs_set(h->c, VMCS_MSR_BITMAP, MSRBM);
    { int r = host_enter(h, true); CHECK_EQ("msr.run", r, -1); }
    CHECK_EQ("msr.reason", exit_reason(h), 31);
    CHECK_EQ("msr.rip", vmcs_get(h->c, VMCS_GUEST_RIP), GUEST_CODE + 12);
    harness_free(h);
}

static void test_exception_bitmap(void)
{
    /* ud2 with #UD in the bitmap: exit 0, hardware exception 6, no error code. */
    static const u8 g[] = {0x0f, 0x0b};
    struct harness *h = setup(g, sizeof g, 0);
    h->c->stop_on_exception = false; /* guest exceptions go through the executor's delivery */
    vmcs_set(h->c, VMCS_EXCEPTION_BITMAP, 1u << EXC_UD);
    { int r = host_enter(h, true); CHECK_EQ("exc.ud.run", r, -1); }
    CHECK_EQ("exc.ud.reason", exit_reason(h), 0);
    CHECK_EQ("exc.ud.info", vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO), 0x80000306u);
    CHECK_EQ("exc.ud.rip", vmcs_get(h->c, VMCS_GUEST_RIP), GUEST_CODE);
    harness_free(h);

    /* #GP(0) from a non-canonical load, with an error code. */
    static const u8 g2[] = {0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0x80, /* mov rax, 1<<63 */ 0x8b, 0x00 /* mov eax,[rax] */};
    h = setup(g2, sizeof g2, 0);
    h->c->stop_on_exception = false;
    vmcs_set(h->c, VMCS_EXCEPTION_BITMAP, 1u << EXC_GP);
    { int r = host_enter(h, true); CHECK_EQ("exc.gp.run", r, -1); }
    CHECK_EQ("exc.gp.reason", exit_reason(h), 0);
    CHECK_EQ("exc.gp.info", vmcs_get(h->c, VMCS_VM_EXIT_INTR_INFO), 0x80000b0du);
    CHECK_EQ("exc.gp.error", vmcs_get(h->c, VMCS_VM_EXIT_INTR_ERROR_CODE), 0);
    CHECK_EQ("exc.gp.rip", vmcs_get(h->c, VMCS_GUEST_RIP), GUEST_CODE + 10);
    harness_free(h);
}

static void test_cr0_mask(void)
{
    /* mov rax, cr0 reads the shadow for host-owned bits; mov cr0, rax changing TS exits. */
    static const u8 g[] = {0x0f, 0x20, 0xc0, /* mov rax, cr0 */ 0x48, 0x89, 0xc3, /* mov rbx, rax */
                           0x48, 0x83, 0xf0, 0x08, /* xor rax, 8 */ 0x0f, 0x22, 0xc0 /* mov cr0, rax */};
    struct harness *h = setup(g, sizeof g, 0);
    u64 cr0 = vmcs_get(h->c, VMCS_GUEST_CR0);
    vmcs_set(h->c, VMCS_CR0_GUEST_HOST_MASK, CR0_TS);
    vmcs_set(h->c, VMCS_CR0_READ_SHADOW, CR0_TS);
    { int r = host_enter(h, true); CHECK_EQ("cr0.run", r, -1); }
    CHECK_EQ("cr0.read_shadow", h->c->r[RBX], cr0 | CR0_TS);
    CHECK_EQ("cr0.reason", exit_reason(h), 28);
    CHECK_EQ("cr0.qual", exit_qual(h), 0); /* CR0, MOV to CR, RAX */
    CHECK_EQ("cr0.rip", vmcs_get(h->c, VMCS_GUEST_RIP), GUEST_CODE + 10);
    harness_free(h);
}

int main(void)
{
    test_hlt();
    test_io();
    test_msr();
    test_exception_bitmap();
    test_cr0_mask();
    return check_exit();
}
