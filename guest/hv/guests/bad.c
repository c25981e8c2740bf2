/* The misbehaving test guest (32-bit), one way per command-line word:
 *   bad=triple   no IDT, then an exception: #GP, #DF, triple fault
 *   bad=wild     writes far outside its memory (an EPT violation)
 *   bad=garbage  executes bytes that are no instruction, its #UD handler returning
 *                to them again and again
 *   bad=loop     spins forever with interrupts off */
#include "ghv.h"

static const u8 garbage[] = {0x0f, 0xff, 0xc0, 0x0f, 0x0b, 0xff, 0xff};

__attribute__((interrupt)) static void ud_isr(struct interrupt_frame *f)
{
    (void)f;
}

int gmain(void)
{
    serial_init();
    if (cmdline_has("bad=triple")) {
        printf("misbehaving: triple fault\n");
        struct desc_ptr none = {0, 0};
        lidt(&none);
        __asm__ volatile("int3");
    } else if (cmdline_has("bad=wild")) {
        printf("misbehaving: wild write\n");
        *(volatile u32 *)0x30000000 = 1;
    } else if (cmdline_has("bad=garbage")) {
        printf("misbehaving: executing garbage\n");
        idt_set(6, (void *)ud_isr);
        idt_load();
        ((void (*)(void))(uptr)garbage)();
    } else if (cmdline_has("bad=loop")) {
        printf("misbehaving: endless loop\n");
        for (;;)
            __asm__ volatile("cli" ::: "memory");
    }
    printf("still here\n");
    return 1;
}
