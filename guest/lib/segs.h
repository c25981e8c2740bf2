/* The runtime's GDT layout, shared by the 32- and 64-bit worlds. The order is dictated
 * by SYSENTER/SYSEXIT (CS, CS+8, CS+16, CS+24) and SYSCALL/SYSRET (STAR fields):
 *   SYSENTER_CS = KCODE32 -> SS = KDATA; SYSEXIT -> UCODE32 / UDATA.
 *   STAR[47:32] = KCODE32; STAR[63:48] = UCODE32 -> SYSRET to UCODE32 (compat) or
 *   UCODE64 (64-bit), SS = UDATA. */
#ifndef GUEST_SEGS_H
#define GUEST_SEGS_H

#define SEL_KCODE32 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE32 0x18
#define SEL_UDATA 0x20
#define SEL_UCODE64 0x28
#define SEL_KCODE64 0x30
#define SEL_TSS32 0x38
#define SEL_TSS64 0x40 /* 16-byte descriptor: slots 8 and 9 */
#define SEL_KCODE16 0x50 /* 16-bit code/data for the trip back to real mode */
#define SEL_KDATA16 0x58
#define GDT_FIRST_FREE 12 /* tests may use slots from here on */
#define GDT_ENTRIES 32

#define USER_RETURN_VEC 0x81 /* ring-3 code leaves run_user through this gate */
#endif
