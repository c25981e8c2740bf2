/* Interrupt and exception handling for both worlds. By default every vector is an
 * interrupt gate whose handler either resumes a catch_fault() caller or reports an
 * unexpected trap and ends the test. Tests may install their own handlers. */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H
#include "types.h"

#ifdef __x86_64__
struct trap_frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rdi, rsi, rbp, rbx, rdx, rcx, rax;
    u64 vec, err;
    u64 ip, cs, flags, sp, ss; /* the CPU always pushes SS:RSP in 64-bit mode */
};
#else
struct trap_frame {
    u32 gs, fs, es, ds;
    u32 edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;
    u32 vec, err;
    u32 ip, cs, flags;
    u32 sp, ss; /* present only when the trap came from an outer ring */
};
#endif

/* What the last caught trap looked like. */
struct trap_info {
    u32 vec, err;
    u64 ip, cr2, flags, sp;
    u32 cs, ss;
    int count; /* traps recorded since boot */
};
extern struct trap_info last_trap;

typedef void (*trap_handler)(struct trap_frame *f);
void idt_init(void);
/* type: 0xe interrupt gate, 0xf trap gate; dpl: who may use INT n on it. */
void idt_set_gate(int vec, void *target, u16 sel, int type, int dpl);
/* Point vector `vec` back at the runtime's stub (after idt_set_gate elsewhere). */
void idt_set_default(int vec, int type, int dpl);
void set_trap_handler(int vec, trap_handler h);
/* Clear the present bit of vector vec's gate (its delivery then raises #NP). */
void idt_clear_gate(int vec);
#ifdef __x86_64__
/* Deliver `vec` on interrupt stack table entry ist (1-7) of the 64-bit TSS; 0 = none. */
void idt_set_ist(int vec, int ist);
#endif

/* Run fn(arg); returns -1 if it returned normally, or the vector of the first trap it
 * raised (details in last_trap). */
int catch_fault(void (*fn)(void *), void *arg);

/* RDMSR that reports #GP (returns -1) instead of ending the test. */
int rdmsr_safe(u32 msr, u64 *val);

/* Run fn(arg) in ring 3 (flat user segments of the current width); returns 0 when fn
 * returns. Faults inside still reach catch_fault of an enclosing caller. */
int run_user(void (*fn)(void *), void *arg);
#endif
