/*
 * Scheduler and dispatcher: 256 priorities (higher runs first), O(1)
 * highest-priority lookup through a two-level bitmap, round-robin time
 * slices, lazy dispatching (a thread that blocks stays in its ready queue
 * until the dispatcher meets it there), ThreadSwitch donation, idle thread.
 *
 * OWNER: sched module. The declarations below are the contract other modules
 * (ipc) rely on; extend, do not break.
 */
#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include <core/arch_hooks.h>
#include <core/kassert.h>
#include <core/tcb.h>

#define SCHED_PRIORITIES 256u

/* The scheduler's state (sched.c owns it; exposed only for the inline
 * functions below, which the IPC fast path inlines). Circular ready queues
 * per priority; a two-level bitmap (one bit per non-empty queue, one summary
 * bit per bitmap word). */
struct sched_state {
    struct tcb *queue_head[SCHED_PRIORITIES];
    uint32_t bitmap[SCHED_PRIORITIES / 32u];
    uint32_t summary;                /* bit i: bitmap[i] != 0 */
    word_t top;                      /* highest queued priority (summary != 0) */
    struct tcb *idle;
    bool resched;
};
extern struct sched_state sched_state;

/* The running thread: arch_current(). In the kernel without a call: the
 * TCB whose block holds this very stack frame (never NULL there); in the
 * host build the mock's, which is NULL before any thread runs. */
#if __STDC_HOSTED__
static inline struct tcb *sched_current(void)
{
    return arch_current();
}
#else
static inline __attribute__((always_inline)) struct tcb *sched_current(void)
{
    char here;
    struct tcb *t = tcb_from_sp((uintptr_t)&here);
    if (t == NULL)
        __builtin_unreachable();          /* (a kernel stack is never in page 0) */
    return t;
}
#endif

/* Priority of the running thread `cur` (NULL: none yet) for preemption
 * decisions: idle is below 0. */
static inline __attribute__((always_inline)) int sched_prio_of_current(const struct tcb *cur)
{
    if (cur == NULL || cur == sched_state.idle)
        return -1;
    return cur->prio;
}

/* The same for the running thread. */
static inline __attribute__((always_inline)) int sched_current_prio(void)
{
    return sched_prio_of_current(sched_current());
}

/* The run word bits besides run_flags (nested IPC, ctx_slow, timer_live),
 * which the scheduler ignores: state, halted, quantum_out. */
#define SCHED_RUN_MASK 0xFF00FFFFu

/* Append the runnable `t`, not queued, to the tail of its ready queue
 * (for sched_make_ready only). */
void sched_enqueue_ready(struct tcb *t);

/* The body of sched_make_ready_by (below). */
static inline __attribute__((always_inline)) void sched_make_ready_inline(struct tcb *t, const struct tcb *cur)
{
    kassert_hot(t->state != TS_FREE && t->state != TS_DEAD && t != sched_state.idle);
    t->state = TS_READY;
    /* sched_runnable(t) in one compare: not halted, quantum left (the
     * run word's flag), not idle (asserted) */
    if ((tcb_run_word(t) & SCHED_RUN_MASK) != TS_READY)
        return;
    /* (the request first: the call below then ends the function, and
     * keeps no register of the caller's alive) */
    if ((int)t->prio > sched_prio_of_current(cur))
        sched_state.resched = true;
    if (!t->in_ready_queue)
        sched_enqueue_ready(t);
}

/* Make `t` (state TS_READY) eligible to run; queues it if not yet queued.
 * Sets t->state = TS_READY itself; a halted thread is not queued until
 * resumed. Requests a reschedule (sched_resched_pending) when `t` outranks
 * `cur`, the running thread (sched_current(): the caller may know it), so
 * the kernel exit path can preempt. Kernel bug (kassert_hot) for a
 * free/dead thread or the idle thread. Inline in the kernel (the general IPC path
 * makes every receiver ready); out of line in the host build, where
 * coverage then counts its branches once. */
#if __STDC_HOSTED__
void sched_make_ready_by(struct tcb *t, const struct tcb *cur);
#else
static inline __attribute__((always_inline)) void sched_make_ready_by(struct tcb *t, const struct tcb *cur)
{
    sched_make_ready_inline(t, cur);
}
#endif

/* sched_make_ready_by(t, the running thread). */
static inline __attribute__((always_inline)) void sched_make_ready(struct tcb *t)
{
    sched_make_ready_by(t, sched_current());
}

/* Give up the CPU: run the highest-priority ready thread (or idle). Returns
 * when the caller is dispatched again. The caller sets its own state first. */
void sched_dispatch(void);

/* A switch function: arch_switch_to, or an arch variant that ends in the
 * same state but need not return to its caller (the x86 sysenter entry's:
 * its caller's kernel context is then rebuilt when it runs again). */
typedef void (*sched_switch_fn)(struct tcb *from, struct tcb *to);

/* sched_dispatch() switching with `switch_fn`. */
void sched_dispatch_by(sched_switch_fn switch_fn);

/* Switch directly to `to` (ready) if it may preempt the current thread,
 * otherwise just make it ready. Used when IPC unblocks a partner.
 * (Sets to->state = TS_READY. "May preempt": its priority is above the
 * current thread's; idle counts as below 0. The switch goes through the
 * dispatcher, so a thread of the same or higher priority queued before `to`
 * runs first: strict priority/FIFO order is never broken.) */
void sched_wake(struct tcb *to);

/* sched_make_ready(to) followed by sched_dispatch(), for the current
 * thread `from` that has just stopped being runnable (IPC fast path: caller
 * blocked in its receive phase, receiver `to` just finished): the same
 * thread runs and the runnable threads stand in the same order. Skips the
 * queue round trip in sched_handoff_behind's case and when `from` is alone
 * in its queue and `to` can join it (both may leave `from` queued, blocked:
 * lazy dispatching). */
void sched_handoff(struct tcb *from, struct tcb *to);

/* sched_handoff() switching with `switch_fn`. */
void sched_handoff_by(struct tcb *from, struct tcb *to, sched_switch_fn switch_fn);

/* The hand-off of sched_handoff_behind once it applies: `from` heads
 * queue `p`, the highest, with `to` (state TS_READY) right behind it;
 * `to` becomes the head and runs. */
static inline __attribute__((always_inline)) void
sched_handoff_to_next(struct tcb *from, struct tcb *to, word_t p, sched_switch_fn switch_fn)
{
    sched_state.queue_head[p] = to;
    /* (a reschedule request stays: none is due, as `from` heads the
     * highest queue and `to` follows it, so the next exit's dispatch only
     * finds `to` again; and none is pending when a thread enters from user
     * mode, as every exit consumes it) */
    switch_fn(from, to);
}

/* The common case of sched_handoff, inline: `from` heads the highest
 * non-empty queue and `to` (another thread, in state TS_READY, not halted,
 * with quantum left, not the idle thread: the caller knows or made it so)
 * is queued right behind it (so it
 * has from's priority). make_ready + dispatch would then keep `to` there,
 * drop the blocked `from` and pick `to`. This makes `to` the head instead
 * and leaves the blocked `from` queued behind the others (lazy
 * dispatching: the dispatcher drops it when it meets it; if it is ready
 * again first, it keeps that place, which is the tail, where make_ready
 * would have put it). In a ping-pong the two threads stay queued and each
 * hand-off writes the queue head only. The order of the runnable threads
 * is the same as on the general path. Returns false, changing nothing, in
 * every other case (sched_handoff_by also takes the one where `from` is
 * alone in its queue and `to` joins it: the first hand-off of a
 * ping-pong, which makes the two such a pair). `switch_fn` is
 * arch_switch_to, or an arch variant with the same end state (the IPC
 * fast path of the kernel's sysenter entry passes one that may leave the
 * switch to the entry's exit). */
static inline __attribute__((always_inline)) bool
sched_handoff_behind(struct tcb *from, struct tcb *to, sched_switch_fn switch_fn)
{
    word_t p = sched_state.top;
    /* (from heads a queue: from != idle, which is never queued; a queued
     * thread is in the queue of its priority, so from's is p, and to's,
     * right behind it) */
    if (sched_state.queue_head[p] != from || from->ready_next != to)
        return false;
    sched_handoff_to_next(from, to, p, switch_fn);
    return true;
}

/* sched_dispatch_by() for the current thread `from`, which has just
 * stopped being runnable (an IPC blocked it): when it heads the highest
 * non-empty queue and the thread right behind it can run, that one runs
 * through sched_handoff_behind (`from` stays queued, behind the others, as
 * above); otherwise the dispatcher decides. The same thread runs and the
 * runnable threads stand in the same order either way. */
static inline __attribute__((always_inline)) void
sched_block_by(struct tcb *from, sched_switch_fn switch_fn)
{
    struct tcb *next = from->ready_next;     /* NULL: from is not queued */
    /* (run word TS_READY: ready, not halted, quantum left) */
    if (next == NULL || next == from || (tcb_run_word(next) & SCHED_RUN_MASK) != TS_READY ||
        !sched_handoff_behind(from, next, switch_fn))
        sched_dispatch_by(switch_fn);
}

/* ---- further scheduler interface (sched.c) -------------------------------
 *
 * Model: every runnable thread (state TS_READY, not halted, quantum left)
 * except the idle thread sits in the ready queue of its priority, the
 * running one included. A thread that blocks only changes its state; the
 * dispatcher drops non-runnable threads it meets at a queue head (lazy
 * dispatching), and the direct hand-off leaves the blocked caller queued
 * behind its partner. A blocked thread that is ready again while still
 * queued runs from the place it kept. ExchangeRegisters halting sets t->halted and nothing else;
 * resuming clears it and calls sched_make_ready().
 */

/* Forget all queues; `idle` runs when nothing else is ready (never queued). */
void sched_init(struct tcb *idle);

/* The idle thread given to sched_init. */
struct tcb *sched_idle(void);

/* True when `t` may run: TS_READY, not halted, quantum left, not idle. */
bool sched_runnable(const struct tcb *t);

/* Take `t` out of its ready queue if queued (delete, migration). */
void sched_remove(struct tcb *t);

/* The thread sched_dispatch() would run now (drops non-runnable heads). */
struct tcb *sched_pick(void);

/* Charge `us` microseconds to the current thread. An expired slice sends
 * it to the tail of its priority with a fresh slice; an exhausted quantum
 * makes it non-runnable. Returns true when a reschedule is requested. */
bool sched_tick(word_t us);

/* True while a reschedule is requested (cleared by sched_dispatch). */
static inline bool sched_resched_pending(void) { return sched_state.resched; }

/* ThreadSwitch(nil): the current thread goes behind the threads of its
 * priority with a fresh slice, then dispatch. */
void sched_yield_slice(void);

/* ThreadSwitch(to): if `to` is runnable, run it at once on the rest of the
 * caller's slice (the caller goes to its tail with a fresh slice); `to` ==
 * caller returns at once; otherwise as sched_yield_slice(). */
void sched_donate(struct tcb *to);

/* Set the priority; a queued thread moves to the tail of its new queue.
 * Requests a reschedule. */
void sched_set_priority(struct tcb *t, uint8_t prio);

/* Set the time-slice length (µs, > 0); the current slice is cut to it if longer. */
void sched_set_timeslice(struct tcb *t, word_t us);

/* Set the total quantum (µs; TCB_QUANTUM_UNLIMITED = never ends). A ready
 * thread with quantum left is queued again. */
void sched_set_quantum(struct tcb *t, uint64_t us);

/* ---- delayed preemption (ABI 5.15) ---- */

#define SCHED_PREEMPT_DELAY   0x40u   /* PreemptFlags d: the thread asks for delays */
#define SCHED_PREEMPT_PENDING 0x80u   /* PreemptFlags I: set when a delay is granted */

/* Schedule's PreemptionControl of `t`: [23..16] sensitive priority,
 * [15..0] maximum delay in µs (higher bits ignored). */
void sched_set_preemption(struct tcb *t, word_t control);

/* The PreemptionControl `t` was given (0 for a new thread). */
word_t sched_preemption(const struct tcb *t);

/* A reschedule is pending and the running thread is about to return to
 * user mode: give way to the thread sched_pick() chooses, as
 * sched_dispatch(), unless the running thread, still runnable, may delay
 * its preemption: its PreemptFlags ask for it (d), the chosen thread's
 * priority does not exceed its sensitive priority, and the delay it was
 * granted (its maximum delay, charged by sched_tick, I set in its
 * PreemptFlags when granted) is not used up. A delay ends with the
 * preemption that follows it or with the thread's ThreadSwitch; only then
 * is a new one granted. */
void sched_preempt(void);

/* ---- inspection (tests, kdebug) ---- */

/* Head of the ready queue of `prio` (NULL when empty). */
struct tcb *sched_queue_head(uint8_t prio);

/* Bitmap word `i` (0..7: priorities 32i..32i+31), i == 8: the summary word. */
uint32_t sched_bitmap_word(unsigned i);

/* Highest priority with a non-empty queue, -1 when all are empty. */
int sched_highest_queued(void);

#endif
