/* What the hypervisor's test guests share (common.c, built for 32- and 64-bit guests):
 * hypercalls, the command line, an IDT, the timer through the emulated PIC and PIT,
 * and MMIO accesses written as the plain MOVs the hypervisor decodes. */
#ifndef HV_GUESTS_GHV_H
#define HV_GUESTS_GHV_H
#include "../hvabi.h"
#include "printf.h"
#include "serial.h"
#include "string.h"
#include "types.h"
#include "x86.h"

typedef unsigned int uword_t __attribute__((mode(__word__)));
struct interrupt_frame;

extern volatile u32 ticks;

int gmain(void); /* each guest's main; its result is the exit code */
void hc_print(const char *s);
void hc_yield(void);
NORETURN void hc_exit(int code);
int cmdline_has(const char *word);
int vmx_visible(void);
void idt_set(int vec, void *handler);
void idt_load(void);
void timer_start(u32 hz); /* PIC at vector 0x20, PIT channel 0 periodic, IRQ0 counts ticks */
void wait_ticks(u32 n);   /* STI; HLT until n ticks */
u16 pit_count(void);      /* latched channel-0 count */

static inline u32 mmio_read32(uptr addr)
{
    u32 v;
    __asm__ volatile("mov (%1), %0" : "=r"(v) : "r"(addr) : "memory");
    return v;
}
static inline void mmio_write32(uptr addr, u32 v)
{
    __asm__ volatile("mov %0, (%1)" ::"r"(v), "r"(addr) : "memory");
}
#endif
