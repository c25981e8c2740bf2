/* Lazy FPU switching as kernels did it (SDM Vol. 3 13.4, "Designing OS Facilities for
 * Saving x87 FPU, SSE and Extended States on Task or Context Switches"): switching tasks
 * sets CR0.TS; the new task's first x87/SSE instruction raises #NM; the handler clears
 * TS (CLTS), saves the owner's state, loads the current task's and returns, and the
 * instruction runs again. Two tasks with different x87 stacks, control words, XMM
 * registers and MXCSR rounding modes step in turns (some steps in ring 3) and each must
 * see only its own state. Shared by both halves of fpu_lazy; the save/restore pair is a
 * parameter (FXSAVE/FXRSTOR, FNSAVE/FRSTOR, XSAVEOPT/XRSTOR, XSAVEC/XRSTOR). */
#ifndef GUEST_FPU_LAZY_H
#define GUEST_FPU_LAZY_H
#include "fpu_guest.h"

enum lazy_method { L_FXSAVE, L_FNSAVE, L_XSAVEOPT, L_XSAVEC };
#define NTASK 2

static u8 ctx[NTASK][1024] ALIGNED(64);
static int owner = -1, current;
static enum lazy_method method;
static int nm_count;

static void ctx_save(int t)
{
    u8 *p = ctx[t];
    switch (method) {
    case L_FXSAVE: __asm__ volatile("fxsave (%0)" ::"r"(p) : "memory"); break;
    case L_FNSAVE:
        __asm__ volatile("fnsave (%0)" ::"r"(p) : "memory");
        __asm__ volatile("stmxcsr 108(%0)" ::"r"(p) : "memory"); /* the SSE part by hand */
        __asm__ volatile("movups %%xmm0, 112(%0); movups %%xmm1, 128(%0)" ::"r"(p) : "memory");
        break;
    case L_XSAVEOPT: __asm__ volatile("xsaveopt (%0)" ::"r"(p), "a"(3), "d"(0) : "memory"); break;
    case L_XSAVEC: __asm__ volatile("xsavec (%0)" ::"r"(p), "a"(3), "d"(0) : "memory"); break;
    }
}
static void ctx_load(int t)
{
    u8 *p = ctx[t];
    switch (method) {
    case L_FXSAVE: __asm__ volatile("fxrstor (%0)" ::"r"(p) : "memory"); break;
    case L_FNSAVE:
        __asm__ volatile("frstor (%0)" ::"r"(p) : "memory");
        __asm__ volatile("ldmxcsr 108(%0)" ::"r"(p) : "memory");
        __asm__ volatile("movups 112(%0), %%xmm0; movups 128(%0), %%xmm1" ::"r"(p) : "memory");
        break;
    case L_XSAVEOPT:
    case L_XSAVEC: __asm__ volatile("xrstor (%0)" ::"r"(p), "a"(3), "d"(0) : "memory"); break;
    }
}

/* The #NM handler: the kernel's math-state restore. */
static void on_nm(struct trap_frame *f)
{
    nm_count++;
    clts();
    if (owner >= 0) ctx_save(owner);
    ctx_load(current);
    owner = current;
}

static void switch_to(int t)
{
    current = t;
    if (owner != t)
        cr0_set(CR0_TS, 0);
    else
        clts();
}

/* Per task: FCW (precision and rounding), MXCSR (rounding), x87 increment, XMM1. */
static const struct {
    u16 fcw;
    u32 mxcsr;
    u32 inc;     /* added to ST0 per step, as an integer loaded with FIADD */
    u32 xinc[4]; /* added to XMM0 per step with PADDD */
} tdef[NTASK] = {
    {0x037f, 0x1f80, 1, {1, 2, 3, 4}},
    {0x0e7f,
     0x7f80,
     3,
     {0x100, 0x200, 0x300, 0x400}}, /* x87 and SSE: round toward zero; PC double */
};

static struct {
    u32 st0; /* FIST of ST0 after the step */
    u16 fcw, depth_tag;
    u32 mxcsr;
    u32 xmm0[4];
} seen[NTASK];
static int errors[NTASK];

/* One step of task t: ST0 += inc (FIADD), XMM0 += XMM1 (PADDD); then read back what
 * the task can see. It runs in ring 0 or, through run_user, in ring 3. */
static void step(void *arg)
{
    int t = (int)(uptr)arg;
    __asm__ volatile("fiaddl %0" ::"m"(tdef[t].inc) : "memory");
    __asm__ volatile("paddd %%xmm1, %%xmm0" ::: "memory");
    __asm__ volatile("fistl %0" : "=m"(seen[t].st0));
    __asm__ volatile("fnstcw %0" : "=m"(seen[t].fcw));
    __asm__ volatile("stmxcsr %0" : "=m"(seen[t].mxcsr));
    __asm__ volatile("movups %%xmm0, %0" : "=m"(seen[t].xmm0));
    u16 sw;
    __asm__ volatile("fnstsw %0" : "=a"(sw));
    seen[t].depth_tag = sw & 0x3800;
}

/* Each task starts with its own fresh state: FNINIT, its FCW, ST0 = 0 (one push, so
 * TOP = 7), its MXCSR, XMM0 = 0 and XMM1 = its increment. */
static void task_init(int t)
{
    fninit();
    fldcw(tdef[t].fcw);
    __asm__ volatile("fldz" ::: "memory");
    static const u32 zero[4];
    xmm0_load(zero);
    xmm1_load(tdef[t].xinc);
    mxcsr_set(tdef[t].mxcsr);
    ctx_save(t);
}

/* Runs the schedule and checks what each task saw and how many #NM it took. */
static void lazy_run(const char *name, enum lazy_method m, int user_steps)
{
    char nb[80];
    method = m;
    owner = -1;
    nm_count = 0;
    for (int t = 0; t < NTASK; t++) {
        task_init(t);
        errors[t] = 0;
    }
    fninit(); /* nobody's state in the unit */
    set_trap_handler(7, on_nm);
    /* Schedule: A A B A B B A B ... repeated; a step on the same task as the owner
     * takes no #NM. */
    static const u8 sched[] = {0, 0, 1, 0, 1, 1, 0, 1};
    int steps[NTASK] = {0, 0}, want_nm = 0, fpowner = -1;
    for (int r = 0; r < 8; r++) {
        for (unsigned k = 0; k < sizeof(sched); k++) {
            int t = sched[k];
            if (fpowner != t) want_nm++, fpowner = t;
            switch_to(t);
            if (user_steps && (k & 1))
                run_user(step, (void *)(uptr)t);
            else
                step((void *)(uptr)t);
            steps[t]++;
            u32 n = (u32)steps[t];
            int ok = seen[t].st0 == n * tdef[t].inc && seen[t].fcw == tdef[t].fcw &&
                     seen[t].mxcsr == tdef[t].mxcsr && seen[t].depth_tag == 0x3800;
            for (int l = 0; l < 4; l++)
                ok &= seen[t].xmm0[l] == n * tdef[t].xinc[l];
            errors[t] += !ok;
        }
    }
    clts();
    set_trap_handler(7, 0);
    check_eq(CHECK_NAME(nb, "%s_nm_count", name), (u32)nm_count, (u32)want_nm);
    check_eq(CHECK_NAME(nb, "%s_task0_steps_with_own_state", name), (u32)errors[0], 0);
    check_eq(CHECK_NAME(nb, "%s_task1_steps_with_own_state", name), (u32)errors[1], 0);
    check_eq(CHECK_NAME(nb, "%s_task0_final_st0", name), seen[0].st0, (u32)steps[0] * tdef[0].inc);
    check_eq(CHECK_NAME(nb, "%s_task1_final_xmm0_lane3", name), seen[1].xmm0[3],
             (u32)steps[1] * tdef[1].xinc[3]);
    /* The other task's saved image holds its own last values. */
    int other = owner ^ 1;
    check_eq(CHECK_NAME(nb, "%s_owner_is_last", name), (u32)owner, sched[sizeof(sched) - 1]);
    ctx_save(owner);
    ctx_load(other);
    u32 st0;
    __asm__ volatile("fistl %0" : "=m"(st0));
    check_eq(CHECK_NAME(nb, "%s_other_image_st0", name), st0, (u32)steps[other] * tdef[other].inc);
    check_eq(CHECK_NAME(nb, "%s_other_image_mxcsr", name), mxcsr_get(), tdef[other].mxcsr);
    check_eq(CHECK_NAME(nb, "%s_other_image_fcw", name), fnstcw(), tdef[other].fcw);
    fninit();
    mxcsr_set(MX_DEFAULT);
}
#endif
