/* (d) Exceptions and interrupts across privilege levels (32-bit; 64-bit cases in
 * exceptions.64.c): ring 3 -> ring 0 through interrupt and trap gates, the stack frame
 * the CPU builds, and the error codes of #GP, #NP, #DF and friends. */
#include "guest.h"

#define IF 0x200u

static struct {
    u32 cs, ss, sp, eflags, handler_flags, frame_top, hits;
} seen;

static void record(struct trap_frame *f)
{
    seen.cs = f->cs;
    seen.ss = f->ss;
    seen.sp = f->sp;
    seen.eflags = f->flags;
    seen.handler_flags = read_flags();
    seen.frame_top = (u32)(uptr)(&f->ss + 1); /* one past the SS the CPU pushed */
    seen.hits++;
}

static void user_int80(void *arg)
{
    __asm__ volatile("int $0x80");
}

static void user_int40(void *arg) { __asm__ volatile("int $0x40"); }
static void user_cli(void *arg) { __asm__ volatile("cli"); }
static void user_out(void *arg) { outb(0x80, 0); }
static void user_div0(void *arg)
{
    __asm__ volatile("xor %%ecx, %%ecx; div %%ecx" ::: "eax", "ecx", "edx");
}
static void user_probe(void *fn) { run_user((void (*)(void *))fn, 0); }

static void expect(const char *name, void (*fn)(void *), void *arg, int vec, u32 err)
{
    int v = catch_fault(fn, arg);
    if (v == vec && last_trap.err == err)
        pass(name);
    else
        fail(name, "vector %d error 0x%x, want %d error 0x%x", v, last_trap.err, vec, err);
}

extern char ud_site[], int3_after[], user_site[];
static void do_ud(void *arg) { __asm__ volatile("ud_site: ud2"); }
static void do_int3(void *arg) { __asm__ volatile("int3\nint3_after:"); }
static void do_into(void *arg)
{
    __asm__ volatile("mov $0x7fffffff, %%eax; add $1, %%eax; into" ::: "eax", "cc");
}
static void load_ds(void *sel)
{
    __asm__ volatile("mov %0, %%ds" ::"r"((u16)(uptr)sel));
}
static void load_ss_null(void *arg)
{
    __asm__ volatile("mov %0, %%ss" ::"r"((u16)0));
}
static void do_int50(void *arg) { __asm__ volatile("int $0x50"); }

void test_main(struct multiboot_info *mbi)
{
    /* Mask both PICs: the BIOS leaves the timer on, and we turn IF on below. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    /* INT 0x80 from ring 3 through a DPL-3 interrupt gate. */
    idt_set_default(0x80, 0xe, 3);
    set_trap_handler(0x80, record);
    sti();
    run_user(user_int80, 0);
    cli();
    check_eq("ring3_int_hits", seen.hits, 1);
    check_eq("ring3_int_saved_cs", seen.cs, SEL_UCODE32 | 3);
    check_eq("ring3_int_saved_ss", seen.ss, SEL_UDATA | 3);
    check("ring3_int_saved_esp_user", seen.sp != 0 && seen.sp < (u32)(uptr)kstack0_end - 16384);
    check_eq("ring3_int_frame_at_esp0", seen.frame_top, tss32.esp0);
    check_eq("ring3_int_saved_if", seen.eflags & IF, IF);
    check_eq("ring3_int_gate_clears_if", seen.handler_flags & IF, 0);

    /* The same through a trap gate: IF stays set in the handler. */
    idt_set_default(0x80, 0xf, 3);
    sti();
    run_user(user_int80, 0);
    cli();
    check_eq("ring3_trap_gate_keeps_if", seen.handler_flags & IF, IF);

    /* Faults from ring 3 and their error codes. */
    expect("ring3_int_dpl0_gate_gp", user_probe, user_int40, 13, (0x40 << 3) | 2);
    check_eq("ring3_gp_saved_cs", last_trap.cs, SEL_UCODE32 | 3);
    expect("ring3_cli_gp", user_probe, user_cli, 13, 0);
    expect("ring3_out_gp", user_probe, user_out, 13, 0);
    expect("ring3_div0_de", user_probe, user_div0, 0, 0);
    check_eq("ring3_de_saved_ss", last_trap.ss, SEL_UDATA | 3);

    /* Ring-0 faults: saved EIP points at the faulting instruction (or after a trap). */
    expect("ud2_ud", do_ud, 0, 6, 0);
    check_eq("ud2_saved_eip", last_trap.ip, (uptr)ud_site);
    check_eq("ud2_saved_cs", last_trap.cs, SEL_KCODE32);
    expect("int3_bp", do_int3, 0, 3, 0);
    check_eq("int3_saved_eip_after", last_trap.ip, (uptr)int3_after);
    expect("into_of", do_into, 0, 4, 0);
    expect("ds_beyond_gdt_limit_gp", load_ds, (void *)(uptr)(GDT_ENTRIES * 8), 13,
           GDT_ENTRIES * 8);
    expect("ss_null_gp", load_ss_null, 0, 13, 0);
    /* A not-present data segment: #NP with the selector as error code. */
    int idx = GDT_FIRST_FREE;
    gdt_set(idx, 0, 0xfffff, 0x12, 0xc); /* P = 0 */
    expect("ds_not_present_np", load_ds, (void *)(uptr)(idx * 8), 11, idx * 8);
    /* A not-present IDT gate: #NP with the IDT bit (1) set and the vector as index. */
    idt_clear_gate(0x50);
    expect("int_gate_not_present_np", do_int50, 0, 11, (0x50 << 3) | 2);
    /* A gate with an invalid type (0) is checked before presence: #GP, same code. */
    idt_set_gate(0x50, 0, SEL_KCODE32, 0, 0);
    expect("int_gate_bad_type_gp", do_int50, 0, 13, (0x50 << 3) | 2);
    /* #GP whose own gate is not present: #NP during delivery of a contributory fault
     * makes a double fault (error code 0). */
    idt_clear_gate(13);
    expect("gp_during_gp_delivery_df", load_ds, (void *)(uptr)(GDT_ENTRIES * 8), 8, 0);
    idt_set_default(13, 0xe, 0);
    expect("gp_gate_restored", load_ds, (void *)(uptr)(GDT_ENTRIES * 8), 13, GDT_ENTRIES * 8);

    call64((u32)(uptr)&tss64);
}
