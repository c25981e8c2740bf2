/* (e) Hardware task switching (32-bit TSS): JMP to a TSS, CALL to a TSS with the
 * nested-task return through IRET, INT through a task gate, and #GP on a busy TSS. */
#include "guest.h"

#define NT 0x4000u
#define SEL_B ((GDT_FIRST_FREE + 1) * 8)
#define MARK 0xcafe0001u

static struct tss32 tss_b ALIGNED(128);
static u8 stack_b[8192] ALIGNED(16);

/* What task B saw on each entry. */
static struct {
    u32 runs, tr, flags, cr0, link;
    u64 desc_a, desc_b;
} b;
static volatile int b_leave_by_iret;

static u16 str(void)
{
    u16 v;
    __asm__ volatile("str %0" : "=r"(v));
    return v;
}

/* Task B: every switch into it resumes after its last switch out, so it loops. */
static void task_b(void)
{
    for (;;) {
        b.runs++;
        b.tr = str();
        b.flags = read_flags();
        b.cr0 = read_cr0();
        b.link = tss_b.link;
        b.desc_a = gdt[SEL_TSS32 >> 3];
        b.desc_b = gdt[SEL_B >> 3];
        if (b_leave_by_iret)
            __asm__ volatile("iret" ::: "memory"); /* NT=1: back to the linked task */
        else
            __asm__ volatile("ljmp %0, $0" ::"i"(SEL_TSS32) : "memory");
    }
}

static void setup_b(void)
{
    memset(&tss_b, 0, sizeof(tss_b));
    tss_b.eip = (u32)(uptr)task_b;
    tss_b.esp = (u32)(uptr)(stack_b + sizeof(stack_b));
    tss_b.eflags = 0x2;
    tss_b.cs = SEL_KCODE32;
    tss_b.ds = tss_b.es = tss_b.ss = tss_b.fs = tss_b.gs = SEL_KDATA;
    tss_b.cr3 = read_cr3();
    tss_b.iomap = sizeof(tss_b);
    gdt_set(SEL_B >> 3, (u32)(uptr)&tss_b, sizeof(tss_b) - 1, 0x89, 0);
}

static int busy(u64 desc) { return (desc >> 41) & 1; }

static void jmp_to_busy(void *arg) { __asm__ volatile("ljmp %0, $0" ::"i"(SEL_TSS32)); }

void test_main(struct multiboot_info *mbi)
{
    setup_b();

    /* JMP: A's state is saved, A becomes not busy, B busy, no NT, no back link. */
    b_leave_by_iret = 0;
    u32 esi_after;
    __asm__ volatile("mov %1, %%esi\n ljmp %2, $0\n mov %%esi, %0"
                     : "=r"(esi_after) : "i"(MARK), "i"(SEL_B) : "esi", "memory");
    check_eq("jmp_b_ran", b.runs, 1);
    check_eq("jmp_tr_in_b", b.tr, SEL_B);
    check_eq("jmp_a_not_busy", busy(b.desc_a), 0);
    check_eq("jmp_b_busy", busy(b.desc_b), 1);
    check_eq("jmp_b_nt_clear", b.flags & NT, 0);
    check_eq("jmp_cr0_ts_set", b.cr0 & 8, 8);
    check_eq("jmp_a_saved_esi", tss32.esi, MARK);
    check_eq("jmp_a_restored_esi", esi_after, MARK);
    check_eq("jmp_back_tr", str(), SEL_TSS32);
    check_eq("jmp_back_b_not_busy", busy(gdt[SEL_B >> 3]), 0);
    __asm__ volatile("clts");

    /* CALL: B is nested (NT, back link = A), A stays busy, IRET comes back. */
    b_leave_by_iret = 1;
    __asm__ volatile("lcall %0, $0" ::"i"(SEL_B) : "memory");
    check_eq("call_b_ran", b.runs, 2);
    check_eq("call_b_nt_set", b.flags & NT, NT);
    check_eq("call_b_link", b.link, SEL_TSS32);
    check_eq("call_a_stays_busy", busy(b.desc_a), 1);
    check_eq("call_back_tr", str(), SEL_TSS32);
    check_eq("call_back_nt_clear", read_flags() & NT, 0);
    check_eq("call_back_b_not_busy", busy(gdt[SEL_B >> 3]), 0);

    /* INT through a task gate behaves like CALL. */
    idt_set_gate(0x60, 0, SEL_B, 0x5, 0);
    __asm__ volatile("int $0x60" ::: "memory");
    check_eq("taskgate_b_ran", b.runs, 3);
    check_eq("taskgate_b_nt_set", b.flags & NT, NT);
    check_eq("taskgate_b_link", b.link, SEL_TSS32);
    check_eq("taskgate_back_tr", str(), SEL_TSS32);
    __asm__ volatile("clts");

    /* Switching to the current (busy) task: #GP with the TSS selector. */
    int v = catch_fault(jmp_to_busy, 0);
    if (v == 13 && last_trap.err == SEL_TSS32)
        pass("jmp_busy_tss_gp");
    else
        fail("jmp_busy_tss_gp", "vector %d error 0x%x", v, last_trap.err);
}
