/* Virtual time and device timers. Time advances one nanosecond per executed instruction
 * (and per VM entry or exit as many as those take, cpu_stall); processors run in slices
 * that end exactly at the earliest timer deadline. */
#include "../cpu/cpu.h"
#include "machine.h"

u64 machine_now(const struct machine *m)
{
    const struct cpu *c = m->running;
    return m->now + (c ? cpu_time(c) - m->slice_start_time : 0);
}

/* The executor stops when icount reaches c->deadline: time spent without instructions
 * brings that point closer by as much. */
void cpu_stall(struct cpu *c, u64 ns)
{
    c->stall += ns;
    cpu_set_deadline(c, c->deadline > c->icount + ns ? c->deadline - ns : c->icount);
}

void timer_register(struct machine *m, struct timer *t)
{
    if (m->n_timers >= MAX_TIMERS) {
        machine_log(m, "too many timers");
        return;
    }
    t->deadline = TIME_NEVER;
    m->timers[m->n_timers++] = t;
}

void timer_arm(struct machine *m, struct timer *t, u64 deadline)
{
    t->deadline = deadline;
    if (deadline < m->slice_end) {
        /* Shorten the slice so the event is not late; a running processor stops at once
         * if the deadline has already passed, and its block ends after this instruction
         * (the executor computed how far the block may run when it entered it). */
        m->slice_end = deadline > m->now ? deadline : m->now;
        struct cpu *c = m->running;
        if (c) {
            u64 due = m->slice_end - m->now, ran = cpu_time(c) - m->slice_start_time;
            u64 stop = due > ran ? c->icount + (due - ran) : c->icount;
            if (stop < c->deadline) {
                cpu_set_deadline(c, stop);
                c->stop_block = true;
            }
        }
    }
}

u64 timer_next_deadline(const struct machine *m)
{
    u64 next = TIME_NEVER;
    for (int k = 0; k < m->n_timers; k++)
        if (m->timers[k]->deadline < next) next = m->timers[k]->deadline;
    return next;
}

void timer_fire_due(struct machine *m)
{
    bool again = true;
    /* A device re-arming in the past on every fire would loop forever: bound the rounds. */
    for (int rounds = 0; again && rounds < 1000; rounds++) {
        again = false;
        for (int k = 0; k < m->n_timers; k++) {
            struct timer *t = m->timers[k];
            if (t->deadline <= m->now) {
                u64 when = t->deadline;
                t->deadline = TIME_NEVER;
                t->fire(t->opaque, when);
                again = true;
            }
        }
    }
}
