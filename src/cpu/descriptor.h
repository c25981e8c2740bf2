/* Segment and gate descriptors (SDM Vol. 3 3.4.5, 5.8.3, 6.11, 6.14.1) and the internal
 * interfaces shared by segmentation, far transfers, interrupts and task switching.
 * A raw 8-byte descriptor is handled as a u64 exactly as it sits in the table. */
#ifndef VP_DESCRIPTOR_H
#define VP_DESCRIPTOR_H

#include "cpu.h"

/* System descriptor types (S = 0), SDM Vol. 3 Table 3-2. */
enum {
    DT_TSS16 = 1, DT_LDT = 2, DT_TSS16_BUSY = 3, DT_CALL16 = 4, DT_TASK = 5, DT_INT16 = 6,
    DT_TRAP16 = 7, DT_TSS32 = 9, DT_TSS32_BUSY = 11, DT_CALL32 = 12, DT_INT32 = 14,
    DT_TRAP32 = 15,
};
/* Type bits of code/data descriptors (S = 1), SDM Vol. 3 Table 3-1. */
enum { DT_ACCESSED = 1, DT_WRITABLE = 2, DT_READABLE = 2, DT_EXPDOWN = 4, DT_CONFORMING = 4,
       DT_CODE = 8 };

#define DESC_ACCESSED_BIT BIT(40)
#define DESC_BUSY_BIT BIT(41)

static inline unsigned desc_type(u64 d) { return (unsigned)(d >> 40) & 0xf; }
static inline bool desc_s(u64 d) { return (d >> 44) & 1; }
static inline unsigned desc_dpl(u64 d) { return (unsigned)(d >> 45) & 3; }
static inline bool desc_present(u64 d) { return (d >> 47) & 1; }
static inline bool desc_l(u64 d) { return (d >> 53) & 1; }
static inline bool desc_db(u64 d) { return (d >> 54) & 1; }
static inline u32 desc_base(u64 d) { return (u32)(((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000)); }
static inline u32 desc_limit(u64 d)
{
    u32 lim = (u32)((d & 0xffff) | ((d >> 32) & 0xf0000));
    return (d >> 55) & 1 ? (lim << 12) | 0xfff : lim;
}
static inline bool desc_is_code(u64 d) { return desc_s(d) && (desc_type(d) & DT_CODE); }
static inline bool desc_is_data(u64 d) { return desc_s(d) && !(desc_type(d) & DT_CODE); }
static inline bool desc_conforming(u64 d) { return desc_is_code(d) && (desc_type(d) & DT_CONFORMING); }
/* A 64-bit code segment: L = 1 and D = 0 (L = D = 1 is reserved), SDM Vol. 3 5.2.1. */
static inline bool desc_code64(u64 d) { return desc_l(d) && !desc_db(d); }
static inline bool desc_writable_data(u64 d) { return desc_is_data(d) && (desc_type(d) & DT_WRITABLE); }
/* Data, or readable code: what DS/ES/FS/GS may hold (SDM Vol. 2 MOV). */
static inline bool desc_readable(u64 d)
{
    return desc_s(d) && (!(desc_type(d) & DT_CODE) || (desc_type(d) & DT_READABLE));
}

/* Gates (SDM Vol. 3 Figures 5-8, 6-2, 6-8). */
static inline u16 gate_sel(u64 d) { return (u16)(d >> 16); }
static inline u32 gate_offset(u64 d) { return (u32)((d & 0xffff) | ((d >> 32) & 0xffff0000)); }
static inline unsigned gate_params(u64 d) { return (unsigned)(d >> 32) & 0x1f; }
static inline unsigned gate_ist(u64 d) { return (unsigned)(d >> 32) & 7; }

static inline bool sel_null(u16 sel) { return (sel & 0xfffc) == 0; }
static inline unsigned sel_rpl(u16 sel) { return sel & 3; }

/* --- seg.c -------------------------------------------------------------------- */

/* Linear address of the `bytes`-long table entry for sel (GDT or LDT by TI), raising
 * err_vector(sel & ~3) if the entry is not inside the table. */
u64 seg_desc_addr(struct cpu *c, u16 sel, unsigned bytes, int err_vector, int ext);
/* The 16-byte system descriptor of IA-32e mode (SDM Vol. 3 3.5.2, 5.8.3.1): raises
 * err_vector(sel) when outside the table or when the upper type field is not zero. */
void seg_read_descriptor16(struct cpu *c, u16 sel, int err_vector, int ext, u64 *lo, u64 *hi);
/* Descriptor read with an EXT bit in the error code (events delivered by hardware). */
u64 seg_read_descriptor_ext(struct cpu *c, u16 sel, int err_vector, int ext);
/* Set the accessed bit of a code/data descriptor in memory if it is clear (SDM Vol. 3
 * 3.4.5.1); updates *desc. Call only once every check has passed. */
void seg_set_accessed(struct cpu *c, u16 sel, u64 *desc);
/* Set or clear a TSS descriptor's busy bit in the GDT (SDM Vol. 3 7.2.2). */
void seg_set_busy(struct cpu *c, u16 sel, bool busy);
/* Segment cache for a system descriptor; hi is the upper 8 bytes in IA-32e mode, else 0. */
void seg_from_system_descriptor(struct seg *s, u16 sel, u64 lo, u64 hi);
/* Make a data segment register unusable (a null selector was loaded): SDM Vol. 3 3.4.2. */
void seg_load_null(struct cpu *c, int seg, u16 sel);
/* Load CS from a checked descriptor at privilege `cpl` (the selector's RPL becomes cpl),
 * set the accessed bit, c->cpl and the mode. */
void seg_load_cs(struct cpu *c, u16 sel, u64 desc, unsigned cpl);
/* Load SS (or any data register) from a checked descriptor, setting the accessed bit. */
void seg_load_checked(struct cpu *c, int seg, u16 sel, u64 desc);
/* Load a v86-mode segment: base sel << 4, limit 0xffff, DPL 3 (SDM Vol. 3 20.1.1). */
void seg_load_v86(struct cpu *c, int seg, u16 sel);
/* True if `size` bytes at offset `off` lie within the cached segment's limit (honouring
 * expand-down and the B bit). */
bool seg_limit_ok(const struct seg *s, u64 off, unsigned size);
/* After a return to an outer privilege level, null ES/DS/FS/GS that the new CPL may not
 * use (SDM Vol. 2 RET, IRET). */
void seg_null_invalid_data(struct cpu *c);

/* --- stack.c: pushes and pops on a stack that is not (yet) SS:rSP ------------------- */

/* A stack being built or unwound: the segment, the pointer and the width of the pointer.
 * Nothing architectural changes until the caller commits sp. */
struct stk {
    struct seg ss;
    u64 sp;         /* full RSP value; only the low `width` bytes move */
    unsigned width; /* 2, 4 or 8 */
    int acc;        /* ACC_SUPER for a more-privileged stack, else 0 */
    int err;        /* error code for #SS on a limit violation */
    bool flat64;    /* 64-bit mode: canonical checks instead of limits */
    bool cur;       /* SS:rSP itself with #SS(0): the shared seg_check fast path applies */
};
/* The current stack (SS:rSP) with #SS(err) on violation. */
void stk_current(struct cpu *c, struct stk *s, int err);
void stk_push(struct cpu *c, struct stk *s, unsigned size, u64 v);
u64 stk_pop(struct cpu *c, struct stk *s, unsigned size);
/* Read `size` bytes at sp + off without moving sp. */
u64 stk_peek(struct cpu *c, struct stk *s, u64 off, unsigned size);
/* Store s->sp into RSP with the stack width (upper bits of a 16-bit SP are preserved). */
void stk_commit_sp(struct cpu *c, const struct stk *s);

/* --- task.c ------------------------------------------------------------------------ */

enum task_reason { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
/* Switch to the task whose TSS descriptor is `desc` (already read from the GDT), SDM Vol. 3
 * 7.3. `ret_eip` is what is saved as the old task's EIP. `error` (or NO_ERRCODE) is pushed
 * on the new task's stack for exceptions; `ext` is the EXT bit for error codes. */
void task_switch(struct cpu *c, u16 sel, u64 desc, enum task_reason why, u64 ret_eip,
                 int error, int ext);
/* Inner-level stack pointer for `dpl` from the current TSS (SDM Vol. 3 7.2.1, 7.7):
 * raises #TS(TR selector | ext) if outside the TSS. For a 64-bit TSS ss is 0. */
void tss_stack(struct cpu *c, unsigned dpl, int ext, u16 *ss, u64 *sp);

/* --- far.c / interrupt.c ---------------------------------------------------------- */

/* Validate the new SS for an inner-level transfer (call gate, interrupt): SDM Vol. 2 CALL,
 * INT n. Raises #TS / #SS with `ext`. Returns the descriptor. */
u64 seg_check_inner_ss(struct cpu *c, u16 ss, unsigned dpl, int ext);
/* IRET (all modes). */
void op_iret(struct cpu *c, const struct insn *i);

#endif
