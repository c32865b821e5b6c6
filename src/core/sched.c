/*
 * Scheduler and dispatcher.
 *
 * Design note. 256 priorities, higher runs first. Each priority has a
 * circular doubly-linked ready queue through tcb->ready_next/ready_prev;
 * queue_head[p] is its first thread. A two-level bitmap (eight 32-bit words,
 * one per 32 priorities, plus a summary word with one bit per word) has a
 * bit set exactly when the queue is non-empty, so the highest non-empty
 * priority is two count-leading-zeros away.
 *
 * Every runnable thread except the idle thread is queued, the running one
 * included (it sits in its queue, usually at the head). Blocking is lazy:
 * a thread that blocks just changes its state and keeps its place; the
 * dispatcher unlinks non-runnable threads it meets at a queue head. A
 * thread that becomes ready again while still queued keeps its place and is
 * never queued twice (tcb->in_ready_queue). The IPC hand-off
 * (sched_handoff_behind, sched.h; sched_handoff_direct) rotates the
 * blocked caller to the tail instead of unlinking it, so that two threads
 * calling each other stay queued and each hand-off writes one queue head.
 *
 * Round robin: sched_tick() charges the running thread; when its slice is
 * used up it goes to the tail of its queue with a fresh slice and a
 * reschedule is requested. The total quantum, when not unlimited, is
 * charged too; at zero the thread stops being runnable until
 * sched_set_quantum() gives it more (the X.2 notification of the scheduler
 * is not sent).
 *
 * Delayed preemption (X.2, ABI 5.15): where the kernel would preempt the
 * running thread before it returns to user mode (sched_preempt: the exit
 * of an interrupt, an exception or a system call with a reschedule
 * pending), a thread whose PreemptFlags hold d keeps the CPU, with I set in
 * them, when the thread that would run has a priority up to its sensitive
 * priority, for at most its maximum delay (Schedule's PreemptionControl;
 * sched_tick charges the delay and asks for a reschedule when it is used
 * up). The delay ends in the preemption that follows it or in the thread's
 * ThreadSwitch; until then no new delay is granted, so a thread keeps the
 * CPU no longer than its maximum delay however it sets its flags. A higher
 * thread than the sensitive priority preempts at once. An IPC that wakes a
 * higher-priority partner switches at once (sched_wake): the caller's own
 * act, not a preemption. No preemption message or fault is sent (the
 * reference kernel sends none either).
 *
 * Guarantees: sched_pick() returns the first runnable thread of the
 * highest priority that has one (FIFO within a priority), or idle; the
 * bitmap always equals queue occupancy, sched_state.top the highest
 * non-empty queue (0 when all are empty); arch_switch_to() is called only
 * when the chosen thread differs from the current one.
 */
#include <core/arch_hooks.h>
#include <core/kassert.h>
#include <core/msg.h>
#include <core/sched.h>

#define SCHED_WORDS (SCHED_PRIORITIES / 32u)

struct sched_state sched_state;

/* ---- bitmap ------------------------------------------------------------- */

/* Highest set priority; the summary must be non-zero. */
static inline unsigned sched_bit_highest(void)
{
    /* (31 - clz(x) == clz(x) ^ 31 for x != 0: one bsr each) */
    unsigned w = (unsigned)__builtin_clz(sched_state.summary) ^ 31u;
    return (w << 5) | ((unsigned)__builtin_clz(sched_state.bitmap[w]) ^ 31u);
}

static inline void sched_bit_set(unsigned prio)
{
    sched_state.bitmap[prio >> 5] |= 1u << (prio & 31u);
    sched_state.summary |= 1u << (prio >> 5);
    if (prio > sched_state.top)
        sched_state.top = prio;
}

static inline void sched_bit_clear(unsigned prio)
{
    sched_state.bitmap[prio >> 5] &= ~(1u << (prio & 31u));
    if (sched_state.bitmap[prio >> 5] == 0)
        sched_state.summary &= ~(1u << (prio >> 5));
    if (prio == sched_state.top)
        sched_state.top = sched_state.summary != 0 ? sched_bit_highest() : 0;
}

int sched_highest_queued(void)
{
    if (sched_state.summary == 0)
        return -1;
    return (int)sched_bit_highest();
}

uint32_t sched_bitmap_word(unsigned i)
{
    kassert(i <= SCHED_WORDS);
    return i == SCHED_WORDS ? sched_state.summary : sched_state.bitmap[i];
}

struct tcb *sched_queue_head(uint8_t prio)
{
    return sched_state.queue_head[prio];
}

/* ---- queues ------------------------------------------------------------- */

/* Append `t`, known to be neither queued nor the idle thread, to the tail
 * of the queue of its priority (inline: sched_enqueue, sched_enqueue_ready). */
static inline __attribute__((always_inline)) void sched_enqueue_known(struct tcb *t)
{
    struct tcb *head = sched_state.queue_head[t->prio];
    if (head == NULL) {
        t->ready_next = t->ready_prev = t;
        sched_state.queue_head[t->prio] = t;
        sched_bit_set(t->prio);
    } else {
        t->ready_next = head;
        t->ready_prev = head->ready_prev;
        head->ready_prev->ready_next = t;
        head->ready_prev = t;
    }
    t->in_ready_queue = true;
}

/* Append `t` (not queued) to the tail of the queue of its priority. */
static void sched_enqueue(struct tcb *t)
{
    kassert(!t->in_ready_queue && t != sched_state.idle);
    sched_enqueue_known(t);
}

/* Unlink the queued thread `t` from the queue of its priority. */
static void sched_dequeue(struct tcb *t)
{
    kassert(t->in_ready_queue);
    if (t->ready_next == t) {
        sched_state.queue_head[t->prio] = NULL;
        sched_bit_clear(t->prio);
    } else {
        t->ready_prev->ready_next = t->ready_next;
        t->ready_next->ready_prev = t->ready_prev;
        if (sched_state.queue_head[t->prio] == t)
            sched_state.queue_head[t->prio] = t->ready_next;
    }
    t->ready_next = t->ready_prev = NULL;
    t->in_ready_queue = false;
}

/* Send the queued thread `t` to the tail of its queue. */
static void sched_requeue_tail(struct tcb *t)
{
    sched_dequeue(t);
    sched_enqueue(t);
}

/* Set the quantum left of `t` and its flag in the run word. */
static void sched_quantum_store(struct tcb *t, uint64_t us)
{
    t->quantum_us = us;
    t->quantum_out = us == 0;
}

/* ---- public ------------------------------------------------------------- */

void sched_init(struct tcb *idle)
{
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++)
        sched_state.queue_head[p] = NULL;
    for (unsigned i = 0; i < SCHED_WORDS; i++)
        sched_state.bitmap[i] = 0;
    sched_state.summary = 0;
    sched_state.top = 0;
    sched_state.idle = idle;
    sched_state.resched = false;
}

struct tcb *sched_idle(void)
{
    return sched_state.idle;
}

bool sched_runnable(const struct tcb *t)
{
    return t->state == TS_READY && !t->halted && t->quantum_us != 0 && t != sched_state.idle;
}

void sched_remove(struct tcb *t)
{
    if (t->in_ready_queue)
        sched_dequeue(t);
}

/* Out of line: the common case of sched_make_ready, a thread lazy
 * dispatching left queued, then needs no registers saved. */
__attribute__((noinline)) void sched_enqueue_ready(struct tcb *t)
{
    sched_enqueue_known(t);                /* (runnable: not idle) */
}

#if __STDC_HOSTED__
void sched_make_ready_by(struct tcb *t, const struct tcb *cur)
{
    sched_make_ready_inline(t, cur);
}
#endif

struct tcb *sched_pick(void)
{
    while (sched_state.summary != 0) {
        struct tcb *head = sched_state.queue_head[sched_bit_highest()];
        if (sched_runnable(head))
            return head;
        sched_dequeue(head);
    }
    return sched_state.idle;
}

/* Continue in `next` unless it is already running. */
static void sched_switch(struct tcb *next, sched_switch_fn switch_fn)
{
    struct tcb *cur = arch_current();
    if (next != cur)
        switch_fn(cur, next);
}

void sched_dispatch_by(sched_switch_fn switch_fn)
{
    sched_state.resched = false;
    sched_switch(sched_pick(), switch_fn);
}

void sched_dispatch(void)
{
    sched_dispatch_by(arch_switch_to);
}

/* sched_handoff_behind, and also the case where `from` heads queue `p`
 * alone and `to` (not queued: it has priority `p`) joins it right behind:
 * the pair a ping-pong then keeps. True if it switched; else nothing
 * changed. */
static bool sched_handoff_direct(struct tcb *from, struct tcb *to, sched_switch_fn switch_fn)
{
    word_t p = sched_state.top;
    if (sched_state.queue_head[p] != from)
        return false;
    if (from->ready_next != to) {           /* (not sched_handoff_behind's case) */
        if (from->ready_next != from || to->prio != p)
            return false;
        to->ready_next = to->ready_prev = from;
        from->ready_next = from->ready_prev = to;
        to->in_ready_queue = true;
    }
    to->state = TS_READY;
    sched_handoff_to_next(from, to, p, switch_fn);
    return true;
}

void sched_handoff_by(struct tcb *from, struct tcb *to, sched_switch_fn switch_fn)
{
    /* the preconditions sched_handoff_direct does not check (fast path) */
    kassert(from == arch_current() && !sched_runnable(from));
    kassert(to->state != TS_FREE && to->state != TS_DEAD);
    if (to->halted || to->quantum_out || to == sched_state.idle ||
        !sched_handoff_direct(from, to, switch_fn)) {
        sched_make_ready(to);
        sched_dispatch_by(switch_fn);
    }
}

void sched_handoff(struct tcb *from, struct tcb *to)
{
    sched_handoff_by(from, to, arch_switch_to);
}

void sched_wake(struct tcb *to)
{
    sched_make_ready(to);
    if (sched_runnable(to) && (int)to->prio > sched_current_prio())
        sched_dispatch();
}

/* Restart the slice of `t` and send it behind its equals if queued. */
static void sched_expire_slice(struct tcb *t)
{
    t->remaining_us = t->timeslice_us;
    if (t->in_ready_queue)
        sched_requeue_tail(t);
}

bool sched_tick(word_t us)
{
    struct tcb *cur = arch_current();
    if (cur == NULL || cur == sched_state.idle)
        return sched_state.resched;
    if (cur->preempt_delayed && cur->delay_left_us != 0) {
        cur->delay_left_us = cur->delay_left_us > us ? cur->delay_left_us - us : 0;
        if (cur->delay_left_us == 0)
            sched_state.resched = true;      /* the delay is up: preempt at the exit */
    }
    if (cur->quantum_us != TCB_QUANTUM_UNLIMITED) {
        sched_quantum_store(cur, cur->quantum_us > us ? cur->quantum_us - us : 0);
        if (cur->quantum_us == 0)
            sched_state.resched = true;
    }
    if (cur->remaining_us > us) {
        cur->remaining_us -= us;
    } else {
        sched_expire_slice(cur);
        sched_state.resched = true;
    }
    return sched_state.resched;
}

void sched_yield_slice(void)
{
    struct tcb *cur = arch_current();
    if (cur != NULL && cur != sched_state.idle) {
        cur->preempt_delayed = false;        /* its yield ends a delay */
        sched_expire_slice(cur);
    }
    sched_dispatch();
}

void sched_donate(struct tcb *to)
{
    struct tcb *cur = arch_current();
    if (to == cur)
        return;
    if (to == NULL || !sched_runnable(to) || cur == NULL || cur == sched_state.idle) {
        sched_yield_slice();
        return;
    }
    word_t left = cur->remaining_us;
    cur->preempt_delayed = false;            /* its yield ends a delay */
    sched_expire_slice(cur);
    to->remaining_us = left;
    sched_state.resched = false;
    sched_switch(to, arch_switch_to);
}

void sched_set_priority(struct tcb *t, uint8_t prio)
{
    if (t->in_ready_queue) {
        sched_dequeue(t);
        t->prio = prio;
        sched_enqueue(t);
    } else {
        t->prio = prio;
    }
    sched_state.resched = true;
}

void sched_set_timeslice(struct tcb *t, word_t us)
{
    kassert(us != 0);
    t->timeslice_us = us;
    if (t->remaining_us > us)
        t->remaining_us = us;
}

void sched_set_quantum(struct tcb *t, uint64_t us)
{
    sched_quantum_store(t, us);
    if (!t->in_ready_queue && sched_runnable(t))
        sched_enqueue(t);
    sched_state.resched = true;
}

void sched_set_preemption(struct tcb *t, word_t control)
{
    t->sensitive_prio = (uint8_t)(control >> 16);
    t->max_delay_us = (uint16_t)control;
}

word_t sched_preemption(const struct tcb *t)
{
    return ((word_t)t->sensitive_prio << 16) | t->max_delay_us;
}

/* True when the running, runnable thread `cur` keeps the CPU from `next`
 * for now: a delay granted here (I set) or one still running. */
static bool sched_delay_granted(struct tcb *cur, const struct tcb *next)
{
    /* (PreemptFlags: byte 0 of the flags word; a kernel thread's kernel
     * UTCB holds none; a thread without a UTCB asks for nothing) */
    if (cur->utcb == NULL)
        return false;
    uint8_t *flags = (uint8_t *)&cur->utcb[UTCB_FLAGS];
    if ((*flags & SCHED_PREEMPT_DELAY) == 0 || next->prio > cur->sensitive_prio)
        return false;
    if (cur->preempt_delayed)
        return cur->delay_left_us != 0;
    if (cur->max_delay_us == 0)
        return false;
    cur->preempt_delayed = true;
    cur->delay_left_us = cur->max_delay_us;
    *flags |= SCHED_PREEMPT_PENDING;
    return true;
}

void sched_preempt(void)
{
    struct tcb *cur = arch_current();
    struct tcb *next = sched_pick();
    sched_state.resched = false;
    if (next != cur && cur != NULL && sched_runnable(cur)) {
        if (sched_delay_granted(cur, next))
            return;
        cur->preempt_delayed = false;        /* preempted: a delay is over */
    }
    sched_switch(next, arch_switch_to);
}
