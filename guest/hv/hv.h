/* The reference hypervisor (issue 8): a freestanding VMM in 64-bit VMX root operation
 * that runs several guests given as multiboot modules, each in its own VMCS and its own
 * memory, isolated by EPT or by shadow page tables, time-sliced by the VMX-preemption
 * timer (or the host's PIT). One concept per file:
 *   caps.64.c    VT-x detection, enabling VMX, controls derived from capability MSRs
 *   vmcs.64.c    a guest's VMCS: controls, host state, guest state per entry mode
 *   enter.64.S   VMLAUNCH/VMRESUME with the guest's registers, and the way back
 *   exit.64.c    VM-exit dispatch
 *   uart.64.c    the 16550 subset each guest sees at 0x3f8
 *   pit.64.c     the 8254 PIT (channels 0 and 2, port 0x61)
 *   pic.64.c     the 8259 PIC subset that turns PIT ticks into vectors
 *   sched.64.c   the virtual clock, event injection and the round-robin scheduler
 *   ept.64.c     EPT paging structures per guest
 *   paging.64.c  the guest's CR0/CR3/CR4 against the processor's, per technique
 *   shadow.64.c  without EPT: shadow page tables (a virtual TLB) per guest
 *   v86.64.c     without unrestricted guest: real-mode guests in virtual-8086 mode
 *   gmem.64.c    guest linear -> guest physical -> host pointer, the guest's page walk
 *   mmio.64.c    decoding the MOV that hit an MMIO page, and the "hypervisor info" device
 *   loader.64.c  multiboot modules -> guests (image header, memory, command line)
 *   stats.64.c   the table of VM exits by reason per guest
 *   main.64.c    start-up and shutdown */
#ifndef HV_HV_H
#define HV_HV_H
#include "guest.h"
#include "hvabi.h"
#include "vmx.h"

#define HV_MAX_GUESTS 8
#define HV_EXIT_REASONS 80
#define HV_SHADOW_PAGES 48 /* shadow page-table pages per guest */

/* Guest general registers, saved and loaded by enter.64.S (RSP/RIP live in the VMCS).
 * enter.64.S depends on this order. */
struct hv_regs {
    u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

struct uart {
    u8 ier, lcr, mcr, scr, dll, dlm, fcr;
    char line[120];
    int len;
};

struct pit_chan {
    u16 reload;      /* 0 means 65536 */
    u8 mode, access; /* access: 1 lo, 2 hi, 3 lo/hi */
    u8 write_hi, read_hi, latched;
    u16 latch;
    int armed;
    u64 start, next; /* virtual clock: counting since, next channel-0 interrupt */
};
struct pit {
    struct pit_chan ch[3];
    u8 port61;
};

struct pic {
    u8 irr, isr, imr, base, icw_step, icw4, read_isr;
};

enum guest_state { G_RUNNABLE, G_HALTED, G_DONE, G_STOPPED };

struct guest {
    struct hv_regs regs; /* first: enter.64.S takes a pointer to it */
    int id;              /* 1-based */
    char name[16];
    char cmdline[HV_CMDLINE_MAX];
    u32 mode; /* 16, 32 or 64: how it is entered */
    u64 mem;  /* host-physical base of its HV_GUEST_MEM bytes */
    u64 eptp, vmcs;
    u64 guest_cr3; /* without unrestricted guest: the CR3 it believes it has */
    u64 cr2;       /* not in the guest-state area (SDM 25.4.1): kept per guest */
    struct shadow {
        int fmt;  /* 32 (32-bit paging) or 64 (4-level) */
        int used; /* pages[0] is the root */
        u64 pages[HV_SHADOW_PAGES];
    } sh;         /* without EPT (shadow.64.c) */
    u32 ivt_base; /* virtual-8086 mode: its real-mode IDTR (v86.64.c) */
    int launched;
    enum guest_state state;
    char why[96]; /* why it was stopped, or how it ended */
    int exit_code;
    u64 slices, budget; /* preemption-timer slices used and allowed */
    int ud_count;       /* invalid-opcode faults reflected so far */
    u64 kernel_gs_base; /* MSRs VMX does not switch, emulated */
    u64 mmio_scratch;
    struct uart uart;
    struct pit pit;
    struct pic pic;
    u32 exits[HV_EXIT_REASONS];
    u32 exceptions[32]; /* exception exits by vector */
};

/* What the processor offers and what the hypervisor chose (caps.64.c). */
struct hv_cpu {
    u32 pin, proc, proc2, exit, entry; /* controls, already adjusted */
    int ept, ug, vpid, preempt, load_efer, secondary, ack_intr;
    u32 preempt_shift; /* timer ticks = TSC >> shift (MISC[4:0]) */
    u64 ept_cap;
    const char *model; /* what a missing feature is called in messages */
};

struct hv {
    struct hv_cpu cpu;
    struct guest g[HV_MAX_GUESTS];
    int n;
    struct guest *current; /* whose VMCS is current */
    u64 io_bitmap_a, io_bitmap_b, msr_bitmap;
};
extern struct hv hv;

/* caps.64.c */
int hv_caps_init(void);
/* vmcs.64.c */
int hv_vmcs_create(struct guest *g);
void hv_vmcs_load(struct guest *g);
/* paging.64.c */
u64 hv_cr0_mask(void);
u64 hv_cr4_mask(void);
u64 guest_cr0(void); /* what the guest believes: owned bits from the read shadows */
u64 guest_cr4(void);
u64 guest_cr3(struct guest *g);
int guest_long(void); /* IA-32e mode (EFER.LMA) */
void hv_paging_sync(struct guest *g);
/* enter.64.S: 0 after a VM exit, else the failed VMLAUNCH/VMRESUME's RFLAGS & (CF|ZF). */
int hv_enter(struct hv_regs *r, int resume);
/* exit.64.c: handle the current guest's VM exit; returns 1 to keep running it. */
int hv_handle_exit(struct guest *g);
void hv_stop(struct guest *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hv_finish(struct guest *g, int code, const char *how);
void hv_inject_exception(u32 vec, int has_err, u32 err);
u64 hv_get_gpr(struct guest *g, int idx); /* idx as in exit qualifications (SDM Table 28-3) */
void hv_set_gpr(struct guest *g, int idx, u64 v, int size);
void hv_skip_insn(void);
int hv_halt(struct guest *g); /* a HLT stepped over: wait for an interrupt */
/* uart.64.c */
int uart_io(struct guest *g, u16 port, int in, u32 *val);
void uart_flush(struct guest *g);
void uart_puts(struct guest *g, const char *s);
/* pit.64.c */
int pit_io(struct guest *g, u16 port, int in, u32 *val);
void pit_update(struct guest *g, u64 now);
u64 pit_next_event(struct guest *g); /* ~0 when none */
/* pic.64.c */
void pic_init(struct pic *p);
int pic_io(struct guest *g, u16 port, int in, u32 *val);
void pic_raise(struct guest *g, int irq);
int pic_pending(struct guest *g); /* vector or -1 */
void pic_ack(struct guest *g);
/* sched.64.c */
u64 hv_now(void);
void hv_run(void);
/* ept.64.c */
u64 ept_build(struct guest *g);
u64 *ept_map_extra(struct guest *g, u64 gpa); /* a hypervisor page at gpa; its pointer */
/* shadow.64.c */
void shadow_flush(struct guest *g, int fmt);
int shadow_page_fault(struct guest *g);
int shadow_invlpg(struct guest *g);
/* v86.64.c */
void v86_setup(struct guest *g);
int v86_mode(void); /* the current guest runs in virtual-8086 mode */
void v86_deliver(struct guest *g, u32 vec, u16 ip);
int v86_exception(struct guest *g, u32 vec);
/* sched.64.c */
void hv_host_tick_start(void);
/* gmem.64.c */
void *gpa_ptr(struct guest *g, u64 gpa); /* NULL outside its RAM */
/* Page-fault error code bits (SDM 4.7), also the access a walk checks. */
#define PF_P 1u
#define PF_W 2u
#define PF_U 4u
#define PF_RSVD 8u
#define PF_I 16u
struct walk {
    u64 gpa;
    u32 pfec;    /* on a fault: its error code */
    int w, u, x; /* the translation's rights: AND of R/W, AND of U/S, no XD on any level */
    int dirty;   /* the leaf's D flag (after this walk) */
    u64 pat;     /* the leaf's PWT/PCD, bits 4:3 */
};
int guest_walk(struct guest *g, u64 lin, u32 acc, int set_ad, struct walk *w);
int lin_to_gpa(struct guest *g, u64 lin, u64 *gpa);
int read_lin(struct guest *g, u64 lin, void *buf, u32 n);
/* mmio.64.c */
int mmio_access(struct guest *g, u64 gpa);
/* loader.64.c */
int hv_load_guests(struct multiboot_info *mbi);
/* stats.64.c */
const char *exit_name(u32 reason);
void hv_print_stats(void);
#endif
