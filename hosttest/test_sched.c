/* Host tests of the scheduler and dispatcher (src/core/sched.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/msg.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/tcb.h>
#include <core/tid.h>
#include <mock/hooks.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GCC's -Wclobbered misfires on the flag inside MOCK_EXPECT_PANIC (it is
 * only written after the longjmp); clang has no such warning. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

#define NTHREADS 64u
#define FIRST_NO TID_USER_BASE

static void *area;
static struct space space;
static struct tcb *idle;

/* Create thread `i` (number FIRST_NO + i, version 1) in the test space. */
static struct tcb *thread(unsigned i)
{
    struct tcb *t = NULL;
    assert_int_equal(tcb_create(tid_make_global(FIRST_NO + i, 1), &space, TID_NIL, &t), TCB_OK);
    return t;
}

/* A created thread made ready and queued. */
static struct tcb *ready_thread(unsigned i, uint8_t prio)
{
    struct tcb *t = thread(i);
    t->prio = prio;
    sched_make_ready(t);
    return t;
}

static void model_forget(void);

/* A fresh machine: zeroed TCB area, empty space, idle thread running. */
static void machine_reset(void)
{
    mock_reset();
    memset(area, 0, (size_t)NTHREADS * 2 * TCB_SIZE);
    tcb_area_init(area, NTHREADS * 2);
    space = (struct space){ .redirector = TID_ANY };
    idle = tcb_of_number(TID_SYSTEM_BASE);
    assert_true(arch_tcb_alloc(idle));
    idle->state = TS_READY;
    sched_init(idle);
    mock_current = idle;
}

static int setup(void **state)
{
    area = aligned_alloc(TCB_SIZE, (size_t)NTHREADS * 2 * TCB_SIZE);
    assert_non_null(area);
    machine_reset();
    return 0;
}

/* Drop every pointer into the area before freeing it (LeakSanitizer's
 * tracer crashes on globals that point into a freed large aligned block). */
static int teardown(void **state)
{
    sched_init(NULL);
    tcb_area_init(NULL, 0);
    idle = NULL;
    model_forget();
    mock_reset();
    free(area);
    area = NULL;
    return 0;
}

/* Threads of queue `prio` from its head, as an array; returns the count. */
static unsigned queue_contents(uint8_t prio, struct tcb **out, unsigned max)
{
    struct tcb *head = sched_queue_head(prio), *t = head;
    unsigned n = 0;
    if (head == NULL)
        return 0;
    do {
        assert_true(n < max);
        assert_ptr_equal(t->ready_next->ready_prev, t);
        assert_true(t->in_ready_queue);
        assert_int_equal(t->prio, prio);
        out[n++] = t;
        t = t->ready_next;
    } while (t != head);
    return n;
}

/* The bitmap words agree with which queues are non-empty. */
static void check_bitmap(void)
{
    uint32_t summary = 0;
    for (unsigned w = 0; w < 8; w++) {
        uint32_t bits = 0;
        for (unsigned b = 0; b < 32; b++) {
            if (sched_queue_head((uint8_t)(w * 32 + b)) != NULL)
                bits |= 1u << b;
        }
        assert_int_equal(sched_bitmap_word(w), bits);
        if (bits)
            summary |= 1u << w;
    }
    assert_int_equal(sched_bitmap_word(8), summary);
}

/* ---- init / inspection ---------------------------------------------------- */

static void test_sched_init_empty(void **state)
{
    assert_int_equal(sched_highest_queued(), -1);
    assert_ptr_equal(sched_idle(), idle);
    assert_ptr_equal(sched_pick(), idle);
    assert_false(sched_resched_pending());
    check_bitmap();
}

static void test_sched_init_forgets_queues(void **state)
{
    ready_thread(0, 7);
    assert_int_equal(sched_highest_queued(), 7);
    sched_init(idle);
    assert_int_equal(sched_highest_queued(), -1);
    assert_null(sched_queue_head(7));
    check_bitmap();
}

static void test_sched_bitmap_word_bad_index_panics(void **state)
{
    assert_true(MOCK_EXPECT_PANIC(sched_bitmap_word(9)));
}

static void test_sched_runnable_conditions(void **state)
{
    struct tcb *t = thread(0);
    assert_false(sched_runnable(t));             /* inactive */
    t->state = TS_READY;
    assert_true(sched_runnable(t));
    t->halted = true;
    assert_false(sched_runnable(t));
    t->halted = false;
    t->quantum_us = 0;
    t->quantum_out = true;
    assert_false(sched_runnable(t));
    assert_false(sched_runnable(idle));
}

/* ---- make_ready ----------------------------------------------------------- */

static void test_sched_make_ready_queues_at_tail(void **state)
{
    struct tcb *a = ready_thread(0, 50), *b = ready_thread(1, 50), *c = ready_thread(2, 200);
    struct tcb *q[4];
    assert_int_equal(queue_contents(50, q, 4), 2);
    assert_ptr_equal(q[0], a);
    assert_ptr_equal(q[1], b);
    assert_int_equal(queue_contents(200, q, 4), 1);
    assert_ptr_equal(q[0], c);
    assert_int_equal(a->state, TS_READY);
    assert_int_equal(sched_highest_queued(), 200);
    check_bitmap();
}

static void test_sched_make_ready_requests_preemption(void **state)
{
    struct tcb *cur = ready_thread(0, 50);
    sched_dispatch();
    assert_ptr_equal(mock_current, cur);
    ready_thread(1, 50);
    assert_false(sched_resched_pending());      /* equal: no preemption */
    struct tcb *hi = ready_thread(2, 51);
    assert_true(sched_resched_pending());
    assert_ptr_equal(mock_current, cur);        /* only requested */
    sched_dispatch();
    assert_ptr_equal(mock_current, hi);
}

static void test_sched_make_ready_twice_queues_once(void **state)
{
    struct tcb *a = ready_thread(0, 3);
    ready_thread(1, 3);
    sched_make_ready(a);
    struct tcb *q[4];
    assert_int_equal(queue_contents(3, q, 4), 2);
    assert_ptr_equal(q[0], a);
}

static void test_sched_make_ready_blocked_but_queued_keeps_place(void **state)
{
    struct tcb *a = ready_thread(0, 9), *b = ready_thread(1, 9);
    a->state = TS_RECV_WAIT;     /* lazy: stays queued */
    assert_true(a->in_ready_queue);
    sched_make_ready(a);
    struct tcb *q[4];
    assert_int_equal(queue_contents(9, q, 4), 2);
    assert_ptr_equal(q[0], a);
    assert_ptr_equal(q[1], b);
}

static void test_sched_make_ready_halted_not_queued(void **state)
{
    struct tcb *a = thread(0);
    a->halted = true;
    sched_make_ready(a);
    assert_int_equal(a->state, TS_READY);
    assert_false(a->in_ready_queue);
    a->halted = false;
    sched_make_ready(a);
    assert_true(a->in_ready_queue);
}

static void test_sched_make_ready_free_or_idle_panics(void **state)
{
    struct tcb *free_slot = tcb_of_number(FIRST_NO + 5);
    free_slot->state = TS_FREE;
    assert_true(MOCK_EXPECT_PANIC(sched_make_ready(free_slot)));
    assert_true(MOCK_EXPECT_PANIC(sched_make_ready(idle)));
    struct tcb *d = thread(1);
    d->state = TS_DEAD;
    assert_true(MOCK_EXPECT_PANIC(sched_make_ready(d)));
}

static void test_sched_make_ready_all_priorities(void **state)
{
    /* one thread per priority 0..255 through the whole bitmap */
    struct tcb *ts[256];
    void *big = aligned_alloc(TCB_SIZE, (size_t)512 * TCB_SIZE);   /* >= TID_USER_BASE + 256 */
    assert_non_null(big);
    tcb_area_init(big, 512);
    for (unsigned p = 0; p < 256; p++) {
        ts[p] = ready_thread(p, (uint8_t)p);
        assert_int_equal(sched_highest_queued(), (int)p);
        check_bitmap();
    }
    for (int p = 255; p >= 0; p--) {
        assert_ptr_equal(sched_pick(), ts[p]);
        sched_remove(ts[p]);
        check_bitmap();
    }
    assert_int_equal(sched_highest_queued(), -1);
    free(big);
    tcb_area_init(area, NTHREADS * 2);
}

/* ---- remove --------------------------------------------------------------- */

static void test_sched_remove_head_middle_tail_and_unqueued(void **state)
{
    struct tcb *a = ready_thread(0, 1), *b = ready_thread(1, 1), *c = ready_thread(2, 1);
    struct tcb *d = ready_thread(3, 1);
    struct tcb *q[4];
    sched_remove(b);                               /* middle */
    assert_false(b->in_ready_queue);
    assert_null(b->ready_next);
    sched_remove(a);                               /* head */
    assert_ptr_equal(sched_queue_head(1), c);
    sched_remove(d);                               /* tail */
    assert_int_equal(queue_contents(1, q, 4), 1);
    sched_remove(b);                               /* not queued: no-op */
    sched_remove(c);                               /* last */
    assert_null(sched_queue_head(1));
    check_bitmap();
}

/* ---- pick / dispatch ------------------------------------------------------- */

static void test_sched_dispatch_runs_highest(void **state)
{
    ready_thread(0, 10);
    struct tcb *b = ready_thread(1, 90);
    sched_dispatch();
    assert_ptr_equal(mock_current, b);
    assert_int_equal(mock_switch_count, 1);
    assert_ptr_equal(mock_switch_from, idle);
}

static void test_sched_dispatch_no_switch_when_current_is_next(void **state)
{
    struct tcb *a = ready_thread(0, 10);
    mock_current = a;
    sched_dispatch();
    assert_int_equal(mock_switch_count, 0);
    assert_ptr_equal(mock_current, a);
}

static void test_sched_dispatch_idle_when_nothing_ready(void **state)
{
    struct tcb *a = ready_thread(0, 10);
    mock_current = a;
    a->state = TS_SEND_WAIT;
    sched_dispatch();
    assert_ptr_equal(mock_current, idle);
    assert_false(a->in_ready_queue);      /* lazily dropped */
    check_bitmap();
}

static void test_sched_dispatch_clears_resched(void **state)
{
    struct tcb *a = ready_thread(0, 10);
    sched_set_priority(a, 11);
    assert_true(sched_resched_pending());
    sched_dispatch();
    assert_false(sched_resched_pending());
}

static void test_sched_pick_drops_blocked_heads_lazily(void **state)
{
    struct tcb *a = ready_thread(0, 40), *b = ready_thread(1, 40), *c = ready_thread(2, 40);
    struct tcb *low = ready_thread(3, 5);
    a->state = TS_RECV_WAIT;
    c->state = TS_RECV_WAIT;    /* not at the head: stays queued */
    assert_ptr_equal(sched_pick(), b);
    assert_false(a->in_ready_queue);
    assert_true(c->in_ready_queue);
    b->state = TS_RECV_WAIT;
    assert_ptr_equal(sched_pick(), low);
    assert_false(c->in_ready_queue);
    assert_null(sched_queue_head(40));
    check_bitmap();
}

static void test_sched_pick_skips_halted_and_exhausted(void **state)
{
    struct tcb *a = ready_thread(0, 40), *b = ready_thread(1, 40), *c = ready_thread(2, 40);
    a->halted = true;
    b->quantum_us = 0;
    b->quantum_out = true;
    assert_ptr_equal(sched_pick(), c);
}

/* ---- wake ------------------------------------------------------------------ */

static void test_sched_wake_higher_preempts(void **state)
{
    struct tcb *cur = ready_thread(0, 50);
    mock_current = cur;
    struct tcb *t = thread(1);
    t->prio = 60;
    t->state = TS_RECV_WAIT;
    sched_wake(t);
    assert_ptr_equal(mock_current, t);
    assert_int_equal(mock_switch_count, 1);
    assert_true(cur->in_ready_queue);          /* preempted, keeps its place */
    assert_ptr_equal(sched_queue_head(50), cur);
}

static void test_sched_wake_lower_or_equal_queues(void **state)
{
    struct tcb *cur = ready_thread(0, 50);
    mock_current = cur;
    struct tcb *eq = thread(1), *lo = thread(2);
    eq->prio = 50;
    lo->prio = 49;
    sched_wake(eq);
    sched_wake(lo);
    assert_ptr_equal(mock_current, cur);
    assert_int_equal(mock_switch_count, 0);
    assert_true(eq->in_ready_queue);
    assert_true(lo->in_ready_queue);
    assert_ptr_equal(cur->ready_next, eq);
}

static void test_sched_wake_from_idle_switches(void **state)
{
    struct tcb *t = thread(0);
    t->prio = 0;
    sched_wake(t);
    assert_ptr_equal(mock_current, t);
}

static void test_sched_wake_halted_does_not_switch(void **state)
{
    struct tcb *t = thread(0);
    t->halted = true;
    sched_wake(t);
    assert_ptr_equal(mock_current, idle);
    assert_false(t->in_ready_queue);
}

static void test_sched_wake_without_current(void **state)
{
    mock_current = NULL;
    struct tcb *t = thread(0);
    sched_wake(t);
    assert_ptr_equal(mock_current, t);
    assert_null(mock_switch_from);
}

/* sched_state.top is the highest non-empty queue, 0 when all are empty
 * (the fast path's hand-off reads queue_head[top]). */
static void test_sched_top_follows_the_queues(void **state)
{
    assert_int_equal(sched_state.top, 0);                 /* nothing queued yet */
    struct tcb *a = ready_thread(0, 7), *b = ready_thread(1, 3);
    assert_int_equal(sched_state.top, 7);
    sched_remove(a);
    assert_int_equal(sched_state.top, 3);
    sched_remove(b);
    assert_int_equal(sched_state.top, 0);                 /* empty again */
    assert_int_equal(sched_highest_queued(), -1);
}

/* ---- delayed preemption (ABI 5.15) ------------------------------------------ */

static word_t delay_utcb[128];          /* a UTCB block; the kernel view points at MR0 */

/* The PreemptFlags byte of `t`. */
static uint8_t *pflags(struct tcb *t)
{
    return (uint8_t *)&t->utcb[UTCB_FLAGS];
}

/* Thread `i` (priority `prio`) running with a UTCB, PreemptionControl
 * (sensitive, max_us), and the d flag when `delay`. */
static struct tcb *delayer(unsigned i, uint8_t prio, uint8_t sensitive, uint16_t max_us, bool delay)
{
    struct tcb *t = ready_thread(i, prio);
    memset(delay_utcb, 0, sizeof(delay_utcb));
    t->utcb = &delay_utcb[64];
    *pflags(t) = delay ? SCHED_PREEMPT_DELAY : 0;
    sched_set_preemption(t, ((word_t)sensitive << 16) | max_us);
    sched_dispatch();
    assert_ptr_equal(mock_current, t);
    return t;
}

/* A thread of priority `prio` made ready behind the running one's back, as
 * an interrupt would (a reschedule requested when it outranks it). */
static struct tcb *arrives(unsigned i, uint8_t prio)
{
    struct tcb *t = ready_thread(i, prio);
    sched_state.resched = true;
    return t;
}

static void test_sched_preempt_without_d_switches(void **state)
{
    struct tcb *cur = delayer(0, 50, 255, 1000, false);
    struct tcb *hi = arrives(1, 60);
    sched_preempt();
    assert_ptr_equal(mock_current, hi);
    assert_false(sched_resched_pending());
    assert_int_equal(*pflags(cur), 0);                    /* no I */
    assert_false(cur->preempt_delayed);
}

static void test_sched_preempt_delays_up_to_the_maximum(void **state)
{
    struct tcb *cur = delayer(0, 50, 60, 1000, true);
    struct tcb *hi = arrives(1, 60);
    sched_preempt();                                      /* granted */
    assert_ptr_equal(mock_current, cur);
    assert_int_equal(mock_switch_count, 1);               /* the dispatch in delayer() only */
    assert_false(sched_resched_pending());
    assert_int_equal(*pflags(cur), SCHED_PREEMPT_DELAY | SCHED_PREEMPT_PENDING);
    assert_true(cur->preempt_delayed);
    assert_int_equal(cur->delay_left_us, 1000);
    assert_false(sched_tick(400));                        /* charged, not used up */
    assert_int_equal(cur->delay_left_us, 600);
    sched_state.resched = true;                           /* another event */
    sched_preempt();
    assert_ptr_equal(mock_current, cur);
    assert_int_equal(cur->delay_left_us, 600);            /* not granted anew */
    assert_true(sched_tick(600));                         /* used up: reschedule */
    assert_int_equal(cur->delay_left_us, 0);
    sched_preempt();
    assert_ptr_equal(mock_current, hi);
    assert_false(cur->preempt_delayed);                   /* the preemption ended it */
    assert_true(cur->in_ready_queue);
}

static void test_sched_preempt_above_sensitive_priority_switches(void **state)
{
    struct tcb *cur = delayer(0, 50, 60, 1000, true);
    struct tcb *hi = arrives(1, 61);
    sched_preempt();
    assert_ptr_equal(mock_current, hi);
    assert_int_equal(*pflags(cur), SCHED_PREEMPT_DELAY);
    /* during a delay too */
    machine_reset();
    cur = delayer(0, 50, 60, 1000, true);
    arrives(1, 55);
    sched_preempt();
    assert_ptr_equal(mock_current, cur);
    assert_true(cur->preempt_delayed);
    hi = arrives(2, 61);
    sched_preempt();
    assert_ptr_equal(mock_current, hi);
    assert_false(cur->preempt_delayed);
}

static void test_sched_preempt_without_maximum_or_utcb_switches(void **state)
{
    struct tcb *cur = delayer(0, 50, 60, 0, true);     /* no maximum delay */
    struct tcb *hi = arrives(1, 60);
    sched_preempt();
    assert_ptr_equal(mock_current, hi);
    assert_int_equal(*pflags(cur), SCHED_PREEMPT_DELAY);
    machine_reset();
    cur = delayer(0, 50, 60, 1000, true);
    cur->utcb = NULL;                                     /* none: asks for nothing */
    hi = arrives(1, 60);
    sched_preempt();
    assert_ptr_equal(mock_current, hi);
    assert_false(cur->preempt_delayed);
}

static void test_sched_preempt_round_robin_delayed(void **state)
{
    struct tcb *cur = delayer(0, 50, 50, 3000, true);
    struct tcb *eq = ready_thread(1, 50);
    assert_true(sched_tick(TCB_DEFAULT_TIMESLICE));       /* slice over: behind eq */
    assert_ptr_equal(sched_queue_head(50), eq);
    sched_preempt();
    assert_ptr_equal(mock_current, cur);                  /* delayed */
    assert_false(sched_tick(2999));
    assert_true(sched_tick(1));
    sched_preempt();
    assert_ptr_equal(mock_current, eq);
}

/* A delay ends only in a preemption or a ThreadSwitch: clearing I and
 * setting d again gains nothing; after a yield a new delay is granted. */
static void test_sched_preempt_one_delay_until_preempted_or_yield(void **state)
{
    struct tcb *cur = delayer(0, 50, 60, 500, true);
    struct tcb *hi = arrives(1, 60);
    sched_preempt();
    assert_ptr_equal(mock_current, cur);
    hi->state = TS_RECV_WAIT;                             /* it blocks before the delay ends */
    assert_true(sched_tick(500));                         /* used up */
    sched_preempt();
    assert_ptr_equal(mock_current, cur);                  /* nobody to give way to */
    assert_true(cur->preempt_delayed);
    assert_false(sched_tick(100));                        /* a used-up delay is not charged */
    assert_int_equal(cur->delay_left_us, 0);
    *pflags(cur) = SCHED_PREEMPT_DELAY;                   /* I cleared, d again */
    sched_make_ready(hi);
    assert_true(sched_resched_pending());
    sched_preempt();
    assert_ptr_equal(mock_current, hi);                   /* no second delay */
    assert_int_equal(*pflags(cur), SCHED_PREEMPT_DELAY);
    /* back to cur; a yield ends a delay, and the next one is granted */
    machine_reset();
    cur = delayer(0, 50, 60, 500, true);
    hi = arrives(1, 60);
    sched_preempt();
    assert_true(cur->preempt_delayed);
    sched_yield_slice();                                  /* hi runs */
    assert_ptr_equal(mock_current, hi);
    assert_false(cur->preempt_delayed);
    hi->state = TS_RECV_WAIT;
    sched_dispatch();
    assert_ptr_equal(mock_current, cur);
    sched_make_ready(hi);
    sched_preempt();
    assert_ptr_equal(mock_current, cur);                  /* granted anew */
    assert_int_equal(cur->delay_left_us, 500);
}

static void test_sched_preempt_donation_ends_a_delay(void **state)
{
    struct tcb *cur = delayer(0, 50, 60, 500, true);
    struct tcb *eq = ready_thread(1, 50);
    arrives(2, 55);
    sched_preempt();
    assert_true(cur->preempt_delayed);
    sched_donate(eq);
    assert_ptr_equal(mock_current, eq);
    assert_false(cur->preempt_delayed);
}

static void test_sched_preempt_blocked_thread_dispatches(void **state)
{
    struct tcb *cur = delayer(0, 50, 60, 500, true);
    struct tcb *lo = ready_thread(1, 10);
    cur->state = TS_RECV_WAIT;                            /* not a preemption */
    sched_state.resched = true;
    sched_preempt();
    assert_ptr_equal(mock_current, lo);
    assert_false(cur->preempt_delayed);
    assert_int_equal(*pflags(cur), SCHED_PREEMPT_DELAY);
}

static void test_sched_preempt_before_any_thread_dispatches(void **state)
{
    mock_current = NULL;                                  /* boot: nobody runs yet */
    struct tcb *t = arrives(0, 10);
    sched_preempt();
    assert_ptr_equal(mock_current, t);
    assert_ptr_equal(mock_switch_from, NULL);
}

static void test_sched_preempt_nothing_better_stays(void **state)
{
    struct tcb *cur = delayer(0, 50, 60, 500, false);
    sched_state.resched = true;
    sched_preempt();
    assert_ptr_equal(mock_current, cur);
    assert_int_equal(mock_switch_count, 1);
    assert_false(sched_resched_pending());
}

/* ---- tick ------------------------------------------------------------------ */

static void test_sched_tick_charges_slice(void **state)
{
    struct tcb *a = ready_thread(0, 10);
    sched_dispatch();
    assert_ptr_equal(mock_current, a);
    assert_false(sched_tick(3000));
    assert_int_equal(a->remaining_us, TCB_DEFAULT_TIMESLICE - 3000);
    assert_true(a->quantum_us == TCB_QUANTUM_UNLIMITED);
}

static void test_sched_tick_expiry_round_robin(void **state)
{
    struct tcb *a = ready_thread(0, 10), *b = ready_thread(1, 10);
    sched_dispatch();
    assert_ptr_equal(mock_current, a);
    assert_false(sched_tick(TCB_DEFAULT_TIMESLICE - 1));
    assert_true(sched_tick(1));
    assert_true(sched_resched_pending());
    assert_int_equal(a->remaining_us, TCB_DEFAULT_TIMESLICE);
    assert_ptr_equal(sched_queue_head(10), b);
    assert_ptr_equal(b->ready_next, a);
    sched_dispatch();
    assert_ptr_equal(mock_current, b);
}

static void test_sched_tick_idle_or_none_not_charged(void **state)
{
    idle->remaining_us = 5;
    assert_false(sched_tick(100));
    assert_int_equal(idle->remaining_us, 5);
    mock_current = NULL;
    assert_false(sched_tick(100));
}

static void test_sched_tick_quantum_exhaustion(void **state)
{
    struct tcb *a = ready_thread(0, 10), *b = ready_thread(1, 5);
    mock_current = a;
    sched_set_quantum(a, 2500);
    sched_dispatch();
    assert_false(sched_tick(1000));
    assert_true(a->quantum_us == 1500);
    assert_false(a->quantum_out);
    assert_true(sched_tick(2000));
    assert_true(a->quantum_us == 0);
    assert_true(a->quantum_out);                  /* the run word's veto */
    assert_false(sched_runnable(a));
    sched_dispatch();
    assert_ptr_equal(mock_current, b);
    assert_false(a->in_ready_queue);
    sched_set_quantum(a, TCB_QUANTUM_UNLIMITED);
    assert_false(a->quantum_out);
    assert_true(a->in_ready_queue);
    assert_true(sched_resched_pending());
    sched_dispatch();
    assert_ptr_equal(mock_current, a);
}

static void test_sched_tick_blocked_current_not_requeued(void **state)
{
    struct tcb *a = thread(0);
    mock_current = a;       /* blocked, never queued */
    a->state = TS_RECV_WAIT;
    assert_true(sched_tick(TCB_DEFAULT_TIMESLICE));
    assert_false(a->in_ready_queue);
    assert_int_equal(a->remaining_us, TCB_DEFAULT_TIMESLICE);
}

/* ---- yield / donate -------------------------------------------------------- */

static void test_sched_yield_to_equal_priority(void **state)
{
    struct tcb *a = ready_thread(0, 20), *b = ready_thread(1, 20);
    mock_current = a;
    a->remaining_us = 17;
    sched_yield_slice();
    assert_ptr_equal(mock_current, b);
    assert_int_equal(a->remaining_us, TCB_DEFAULT_TIMESLICE);
    assert_ptr_equal(b->ready_next, a);
}

static void test_sched_yield_alone_keeps_running(void **state)
{
    struct tcb *a = ready_thread(0, 20);
    ready_thread(1, 19);
    mock_current = a;
    sched_yield_slice();
    assert_ptr_equal(mock_current, a);
    assert_int_equal(mock_switch_count, 0);
}

static void test_sched_yield_from_idle(void **state)
{
    struct tcb *a = ready_thread(0, 20);
    sched_yield_slice();
    assert_ptr_equal(mock_current, a);
}

static void test_sched_donate_to_self_returns(void **state)
{
    struct tcb *a = ready_thread(0, 20);
    ready_thread(1, 20);
    mock_current = a;
    a->remaining_us = 7;
    sched_donate(a);
    assert_ptr_equal(mock_current, a);
    assert_int_equal(a->remaining_us, 7);
    assert_ptr_equal(sched_queue_head(20), a);
}

static void test_sched_donate_runs_target_with_rest_of_slice(void **state)
{
    struct tcb *a = ready_thread(0, 200), *lo = ready_thread(1, 3);
    mock_current = a;
    a->remaining_us = 1234;
    sched_donate(lo);
    assert_ptr_equal(mock_current, lo);
    assert_int_equal(lo->remaining_us, 1234);
    assert_int_equal(a->remaining_us, TCB_DEFAULT_TIMESLICE);
    assert_true(a->in_ready_queue);
    assert_false(sched_resched_pending());
}

static void test_sched_donate_not_runnable_yields(void **state)
{
    struct tcb *a = ready_thread(0, 20), *b = ready_thread(1, 20), *blocked = thread(2);
    mock_current = a;
    blocked->state = TS_RECV_WAIT;
    sched_donate(blocked);
    assert_ptr_equal(mock_current, b);
    assert_ptr_equal(b->ready_next, a);
    mock_current = b;
    sched_donate(NULL);
    assert_ptr_equal(mock_current, a);
}

static void test_sched_donate_from_idle_yields(void **state)
{
    struct tcb *a = ready_thread(0, 1), *b = ready_thread(1, 2);
    sched_donate(a);
    assert_ptr_equal(mock_current, b);  /* idle does not donate: plain dispatch */
}

/* ---- parameters ------------------------------------------------------------ */

static void test_sched_set_priority_moves_queued_thread(void **state)
{
    struct tcb *a = ready_thread(0, 20), *b = ready_thread(1, 30);
    sched_set_priority(a, 30);
    assert_int_equal(a->prio, 30);
    assert_null(sched_queue_head(20));
    assert_ptr_equal(sched_queue_head(30), b);
    assert_ptr_equal(b->ready_next, a);
    assert_true(sched_resched_pending());
    check_bitmap();
}

static void test_sched_set_priority_unqueued(void **state)
{
    struct tcb *a = thread(0);
    sched_set_priority(a, 255);
    assert_int_equal(a->prio, 255);
    assert_false(a->in_ready_queue);
    assert_int_equal(sched_highest_queued(), -1);
}

static void test_sched_set_timeslice(void **state)
{
    struct tcb *a = thread(0);
    sched_set_timeslice(a, 20000);
    assert_int_equal(a->timeslice_us, 20000);
    assert_int_equal(a->remaining_us, TCB_DEFAULT_TIMESLICE);
    sched_set_timeslice(a, 500);
    assert_int_equal(a->remaining_us, 500);
    assert_true(MOCK_EXPECT_PANIC(sched_set_timeslice(a, 0)));
}

static void test_sched_set_quantum_not_ready_not_queued(void **state)
{
    struct tcb *a = thread(0);
    sched_set_quantum(a, 100);
    assert_true(a->quantum_us == 100);
    assert_false(a->in_ready_queue);
}

/* ---- randomised model test -------------------------------------------------- */

/* The reference: per thread its parameters, per priority a plain FIFO array
 * (lazily blocked threads included, exactly as the real queue keeps them). */
#define MT 24
#define MODEL_IDLE (-1)

struct model_thread {
    bool exists, ready, halted;
    unsigned prio;
    uint32_t slice, remaining;
    uint64_t quantum;
};

static struct model {
    struct model_thread t[MT];
    int fifo[256][MT];
    int len[256];
    int current;
    struct tcb *real[MT];
} m;

static uint32_t rng_state;

/* Drop the model's pointers into the TCB area. */
static void model_forget(void)
{
    memset(&m, 0, sizeof(m));
}

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static bool model_runnable(int i)
{
    return m.t[i].exists && m.t[i].ready && !m.t[i].halted && m.t[i].quantum != 0;
}

static int model_find(int i)
{
    unsigned p = m.t[i].prio;
    for (int k = 0; k < m.len[p]; k++)
        if (m.fifo[p][k] == i)
            return k;
    return -1;
}

static void model_unlink(int i)
{
    unsigned p = m.t[i].prio;
    int k = model_find(i);
    if (k < 0)
        return;
    for (; k + 1 < m.len[p]; k++)
        m.fifo[p][k] = m.fifo[p][k + 1];
    m.len[p]--;
}

static void model_append(int i)
{
    unsigned p = m.t[i].prio;
    m.fifo[p][m.len[p]++] = i;
}

static int model_pick(void)
{
    for (int p = 255; p >= 0; p--) {
        while (m.len[p] > 0 && !model_runnable(m.fifo[p][0])) {
            for (int k = 0; k + 1 < m.len[p]; k++)
                m.fifo[p][k] = m.fifo[p][k + 1];
            m.len[p]--;
        }
        if (m.len[p] > 0)
            return m.fifo[p][0];
    }
    return MODEL_IDLE;
}

static struct tcb *model_tcb(int i)
{
    return i == MODEL_IDLE ? idle : m.real[i];
}

static void model_make_ready(int i)
{
    m.t[i].ready = true;
    if (model_find(i) < 0 && model_runnable(i))
        model_append(i);
}

static void model_expire(int i)
{
    m.t[i].remaining = m.t[i].slice;
    if (model_find(i) >= 0) {
        model_unlink(i);
        model_append(i);
    }
}

static void model_create(int i)
{
    m.real[i] = thread((unsigned)i);
    m.t[i] = (struct model_thread){ .exists = true, .prio = TCB_DEFAULT_PRIO,
        .slice = TCB_DEFAULT_TIMESLICE, .remaining = TCB_DEFAULT_TIMESLICE,
        .quantum = TCB_QUANTUM_UNLIMITED };
}

#define MODEL_FAIL(...)                                                   \
    do {                                                                  \
        print_error("model test: seed %u step %d: ", seed, step);         \
        fail_msg(__VA_ARGS__);                                            \
    } while (0)

/* Compare everything observable with the model after one step. */
static void model_compare(uint32_t seed, int step)
{
    if (mock_current != model_tcb(m.current))
        MODEL_FAIL("current differs");
    uint32_t words[8] = { 0 };
    int queued = 0;
    for (int p = 0; p < 256; p++) {
        struct tcb *q[MT + 1];
        unsigned n = queue_contents((uint8_t)p, q, MT + 1);
        if ((int)n != m.len[p])
            MODEL_FAIL("queue %d has %u threads, model %d", p, n, m.len[p]);
        for (unsigned k = 0; k < n; k++)
            if (q[k] != m.real[m.fifo[p][k]])
                MODEL_FAIL("queue %d position %u differs", p, k);
        if (n)
            words[p >> 5] |= 1u << (p & 31);
        queued += (int)n;
    }
    uint32_t summary = 0;
    for (unsigned w = 0; w < 8; w++) {
        if (sched_bitmap_word(w) != words[w])
            MODEL_FAIL("bitmap word %u", w);
        if (words[w])
            summary |= 1u << w;
    }
    if (sched_bitmap_word(8) != summary)
        MODEL_FAIL("summary word");
    int flagged = 0;
    for (int i = 0; i < MT; i++) {
        if (!m.t[i].exists)
            continue;
        struct tcb *t = m.real[i];
        flagged += t->in_ready_queue;
        if (t->in_ready_queue != (model_find(i) >= 0))
            MODEL_FAIL("thread %d in_ready_queue flag", i);
        if (model_runnable(i) && !t->in_ready_queue)
            MODEL_FAIL("runnable thread %d lost", i);
        if (t->prio != m.t[i].prio || t->remaining_us != m.t[i].remaining ||
            t->timeslice_us != m.t[i].slice ||
            t->quantum_us != m.t[i].quantum)
            MODEL_FAIL("thread %d parameters", i);
    }
    if (flagged != queued)
        MODEL_FAIL("a thread is queued twice or a deleted one is queued");
}

/* After a dispatch: nothing runnable outranks the running thread. */
static void model_check_highest(uint32_t seed, int step)
{
    int cur = m.current;
    for (int i = 0; i < MT; i++) {
        if (model_runnable(i) && (cur == MODEL_IDLE || m.t[i].prio > m.t[cur].prio))
            MODEL_FAIL("runnable thread %d outranks the dispatched one", i);
    }
}

/* A random existing thread, -1 when none. */
static int model_random_thread(void)
{
    int i = (int)(rng() % MT);
    for (int k = 0; k < MT; k++, i = (i + 1) % MT)
        if (m.t[i].exists)
            return i;
    return -1;
}

static uint8_t model_random_prio(void)
{
    return (uint8_t)((rng() & 1) ? rng() % 4 + 100 : rng() % 256);  /* crowd some queues */
}

/* The highest priority whose model queue is not empty, -1 when none. */
static int model_top(void)
{
    for (int p = 255; p >= 0; p--)
        if (m.len[p] > 0)
            return p;
    return -1;
}

/* The runnable threads of queue `p` of model `x` in order; returns how many. */
static int model_runnable_order(const struct model *x, int p, int *out)
{
    int n = 0;
    for (int k = 0; k < x->len[p]; k++) {
        const struct model_thread *t = &x->t[x->fifo[p][k]];
        if (t->exists && t->ready && !t->halted && t->quantum != 0)
            out[n++] = x->fifo[p][k];
    }
    return n;
}

/* The general way for a current thread that has just blocked: make_ready
 * of `to` (if >= 0), then the dispatcher. */
static void model_block_general(int to)
{
    if (to >= 0)
        model_make_ready(to);
    m.current = model_pick();
}

/* The model's state before a step (static: large); direct hand-offs seen. */
static struct model model_before, model_general;
static unsigned model_directs;

/* sched_handoff_direct from the blocked `cur` to `to`: `to` heads the
 * queue (joining it if `cur` was alone), `cur` stays queued at the tail.
 * It must run the thread the general way runs (`model_general`), with
 * the runnable threads in the same order. */
static void model_handoff_direct(uint32_t seed, int step, int cur, int to)
{
    unsigned p = m.t[cur].prio;
    model_directs++;
    m.t[to].ready = true;
    if (m.len[p] == 1)
        m.fifo[p][m.len[p]++] = to;
    for (int k = 0; k + 1 < m.len[p]; k++)
        m.fifo[p][k] = m.fifo[p][k + 1];
    m.fifo[p][m.len[p] - 1] = cur;
    m.current = to;
    if (model_general.current != to)
        MODEL_FAIL("direct hand-off runs %d, the dispatcher %d", to, model_general.current);
    for (int q = 0; q < 256; q++) {
        int a[MT], b[MT];
        int na = model_runnable_order(&model_general, q, a), nb = model_runnable_order(&m, q, b);
        if (na != nb || memcmp(a, b, (size_t)na * sizeof(int)) != 0)
            MODEL_FAIL("direct hand-off changes the runnable order of queue %d", q);
    }
}

/* An IPC blocks the current thread `cur` and finishes `to` (sched_handoff)
 * or nobody (to < 0: sched_block_by), on both sides. */
static void model_ipc_block(uint32_t seed, int step, int cur, int to)
{
    struct tcb *c = m.real[cur];
    c->state = TS_RECV_WAIT;
    m.t[cur].ready = false;
    unsigned p = m.t[cur].prio;
    bool heads = model_top() == (int)p && m.fifo[p][0] == cur;
    int next = to;
    bool direct;
    if (to >= 0) {
        const struct model_thread *t = &m.t[to];
        direct = heads && !t->halted && t->prio == p && t->quantum != 0 &&
                 (m.len[p] == 1 || m.fifo[p][1] == to);
        sched_handoff(c, m.real[to]);
    } else {
        next = heads && m.len[p] > 1 ? m.fifo[p][1] : -1;
        direct = next >= 0 && m.t[next].ready && !m.t[next].halted && m.t[next].quantum != 0;
        sched_block_by(c, arch_switch_to);
    }
    model_before = m;
    model_block_general(to);
    model_general = m;
    m = model_before;
    if (direct)
        model_handoff_direct(seed, step, cur, next);
    else
        model_block_general(to);
    model_check_highest(seed, step);
}

/* One random operation on both sides. */
static void model_step(uint32_t seed, int step)
{
    int i = model_random_thread();
    int cur = m.current;
    unsigned op = rng() % 17;
    if (i < 0 || (op == 10 && i == cur)) {
        int k = (int)(rng() % MT);
        if (!m.t[k].exists)
            model_create(k);
        return;
    }
    struct tcb *t = m.real[i];
    switch (op) {
    case 0: case 1:                                   /* make ready */
        sched_make_ready(t);
        model_make_ready(i);
        break;
    case 2:                                           /* block (lazy) */
        t->state = TS_RECV_WAIT;
        m.t[i].ready = false;
        break;
    case 3: {                                         /* priority change */
        uint8_t p = model_random_prio();
        sched_set_priority(t, p);
        bool q = model_find(i) >= 0;
        model_unlink(i);
        m.t[i].prio = p;
        if (q)
            model_append(i);
        break;
    }
    case 4:                                           /* yield */
        sched_yield_slice();
        if (cur != MODEL_IDLE)
            model_expire(cur);
        m.current = model_pick();
        model_check_highest(seed, step);
        break;
    case 5: {                                         /* tick */
        word_t us = rng() % 6000;
        sched_tick(us);
        if (cur != MODEL_IDLE) {
            struct model_thread *c = &m.t[cur];
            if (c->quantum != TCB_QUANTUM_UNLIMITED)
                c->quantum = c->quantum > us ? c->quantum - us : 0;
            if (c->remaining > us)
                c->remaining -= us;
            else
                model_expire(cur);
        }
        break;
    }
    case 6: case 7:                                   /* dispatch */
        sched_dispatch();
        m.current = model_pick();
        model_check_highest(seed, step);
        break;
    case 8: {                                         /* wake */
        sched_wake(t);
        model_make_ready(i);
        int cp = cur == MODEL_IDLE ? -1 : (int)m.t[cur].prio;
        if (model_runnable(i) && (int)m.t[i].prio > cp)
            m.current = model_pick();
        break;
    }
    case 9:                                           /* donate */
        sched_donate(t);
        if (i == cur)
            break;
        if (!model_runnable(i) || cur == MODEL_IDLE) {
            if (cur != MODEL_IDLE)
                model_expire(cur);
            m.current = model_pick();
        } else {
            uint32_t left = m.t[cur].remaining;
            model_expire(cur);
            m.t[i].remaining = left;
            m.current = i;
        }
        break;
    case 10:                                          /* delete (not current) */
        tcb_delete(t, NULL);
        model_unlink(i);
        m.t[i].exists = false;
        break;
    case 11:                                          /* halt / resume */
        if (m.t[i].halted) {
            t->halted = false;
            m.t[i].halted = false;
            sched_make_ready(t);
            model_make_ready(i);
        } else {
            t->halted = true;
            m.t[i].halted = true;
        }
        break;
    case 14: case 15: {                               /* IPC: block, finish i or */
        int to = i;                                   /* the thread behind cur */
        if (op == 15 && cur != MODEL_IDLE && m.len[m.t[cur].prio] > 1)
            to = m.fifo[m.t[cur].prio][1];
        if (cur != MODEL_IDLE && to != cur)
            model_ipc_block(seed, step, cur, to);
        break;
    }
    case 16:                                          /* IPC: block */
        if (cur != MODEL_IDLE)
            model_ipc_block(seed, step, cur, -1);
        break;
    case 12: {                                        /* time-slice length */
        word_t us = rng() % 12000 + 1;
        sched_set_timeslice(t, us);
        m.t[i].slice = us;
        if (m.t[i].remaining > us)
            m.t[i].remaining = us;
        break;
    }
    default: {                                        /* quantum */
        uint64_t q = (rng() & 3) == 0 ? TCB_QUANTUM_UNLIMITED : rng() % 20000;
        sched_set_quantum(t, q);
        m.t[i].quantum = q;
        if (model_find(i) < 0 && model_runnable(i))
            model_append(i);
        break;
    }
    }
}

static void model_run(uint32_t seed, int steps)
{
    machine_reset();
    for (int p = 0; p < 256; p++)
        m.len[p] = 0;
    for (int i = 0; i < MT; i++)
        m.t[i].exists = false;
    m.current = MODEL_IDLE;
    rng_state = seed;
    for (int step = 0; step < steps; step++) {
        model_step(seed, step);
        model_compare(seed, step);
    }
}

static void test_sched_model_random(void **state)
{
    static const uint32_t seeds[] = { 1u, 0xC0FFEEu, 20261124u, 0xDEADBEEFu };
    model_directs = 0;
    for (unsigned s = 0; s < ARRAY_SIZE(seeds); s++)
        model_run(seeds[s], 20000);
    printf("sched model: %u direct IPC hand-offs\n", model_directs);
    assert_true(model_directs >= 300);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- kernel assertions: each precondition fires (issue 12) ------------------------ */

static void test_sched_assert_enqueue_never_idle(void **state)
{
    /* a thread that was queued becomes the idle thread (sched_init keeps its
     * links): moving it between queues must not queue the idle thread */
    struct tcb *a = ready_thread(0, 10);
    sched_init(a);
    assert_true(MOCK_EXPECT_PANIC(sched_set_priority(a, 20)));
}

static void test_sched_assert_dequeue_needs_queued(void **state)
{
    struct tcb *a = ready_thread(0, 10);
    a->state = TS_RECV_WAIT;         /* lazily queued, not runnable: pick drops it */
    a->in_ready_queue = false;       /* ... but its flag disagrees */
    assert_true(MOCK_EXPECT_PANIC(sched_pick()));
    a->in_ready_queue = true;
    assert_false(MOCK_EXPECT_PANIC(sched_pick()));
    assert_false(a->in_ready_queue);
}

static void test_sched_assert_handoff_preconditions(void **state)
{
    struct tcb *a = ready_thread(0, 10), *b = thread(1);
    b->prio = 10;
    sched_dispatch();
    assert_ptr_equal(mock_current, a);
    /* from must be the current thread and blocked */
    assert_true(MOCK_EXPECT_PANIC(sched_handoff(b, a)));
    assert_true(MOCK_EXPECT_PANIC(sched_handoff(a, b)));          /* a still runnable */
    /* direct path (a alone heads the highest queue, b of equal priority):
     * b must be neither free nor dead */
    a->state = TS_RECV_WAIT;
    b->state = TS_DEAD;
    assert_true(MOCK_EXPECT_PANIC(sched_handoff(a, b)));
    b->state = TS_FREE;
    assert_true(MOCK_EXPECT_PANIC(sched_handoff(a, b)));
    /* and the general path checks the same through sched_make_ready */
    b->prio = 11;
    assert_true(MOCK_EXPECT_PANIC(sched_handoff(a, b)));
    b->state = TS_INACTIVE;
    assert_false(MOCK_EXPECT_PANIC(sched_handoff(a, b)));
    assert_ptr_equal(mock_current, b);
}

/* ---- branch coverage (issue 12) ------------------------------------------------- */

static void test_sched_idle_never_runnable(void **state)
{
    idle->quantum_us = TCB_QUANTUM_UNLIMITED;
    idle->halted = false;
    assert_int_equal(idle->state, TS_READY);
    assert_false(sched_runnable(idle));
}

static void test_sched_handoff_to_halted_or_exhausted_goes_general_path(void **state)
{
    struct tcb *a = ready_thread(0, 10), *b = thread(1);
    b->prio = 10;
    sched_dispatch();
    assert_ptr_equal(mock_current, a);
    a->state = TS_RECV_WAIT;
    b->halted = true;
    sched_handoff(a, b);                      /* b cannot run: idle does */
    assert_ptr_equal(mock_current, idle);
    assert_int_equal(b->state, TS_READY);
    assert_false(b->in_ready_queue);
    /* zero quantum: the same */
    struct tcb *c = ready_thread(2, 10), *d = thread(3);
    d->prio = 10;
    d->quantum_us = 0;
    d->quantum_out = true;
    sched_dispatch();
    assert_ptr_equal(mock_current, c);
    c->state = TS_RECV_WAIT;
    sched_handoff(c, d);
    assert_ptr_equal(mock_current, idle);
    assert_false(d->in_ready_queue);
}

static void test_sched_yield_and_donate_without_current(void **state)
{
    struct tcb *a = ready_thread(0, 10);
    mock_current = NULL;
    sched_yield_slice();
    assert_ptr_equal(mock_current, a);
    struct tcb *b = ready_thread(1, 10);
    mock_current = NULL;
    sched_donate(b);
    assert_ptr_equal(mock_current, a);       /* a yield: the head of the queue */
}

static void test_sched_assert_handoff_to_idle(void **state)
{
    struct tcb *a = ready_thread(0, 10);
    sched_dispatch();
    a->state = TS_RECV_WAIT;
    idle->prio = 10;
    assert_true(MOCK_EXPECT_PANIC(sched_handoff(a, idle)));
}

static void test_sched_init_and_priority_change_resched(void **state)
{
    struct tcb *a = ready_thread(0, 10);
    sched_set_priority(a, 11);                 /* any change asks for a decision */
    assert_true(sched_resched_pending());
    sched_init(idle);                          /* a fresh scheduler has none pending */
    assert_false(sched_resched_pending());
    sched_set_priority(a, 3);
    assert_true(sched_resched_pending());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sched_init_empty),
        T(test_sched_init_forgets_queues),
        T(test_sched_bitmap_word_bad_index_panics),
        T(test_sched_runnable_conditions),
        T(test_sched_make_ready_queues_at_tail),
        T(test_sched_make_ready_requests_preemption),
        T(test_sched_make_ready_twice_queues_once),
        T(test_sched_make_ready_blocked_but_queued_keeps_place),
        T(test_sched_make_ready_halted_not_queued),
        T(test_sched_make_ready_free_or_idle_panics),
        T(test_sched_make_ready_all_priorities),
        T(test_sched_remove_head_middle_tail_and_unqueued),
        T(test_sched_dispatch_runs_highest),
        T(test_sched_dispatch_no_switch_when_current_is_next),
        T(test_sched_dispatch_idle_when_nothing_ready),
        T(test_sched_dispatch_clears_resched),
        T(test_sched_pick_drops_blocked_heads_lazily),
        T(test_sched_pick_skips_halted_and_exhausted),
        T(test_sched_wake_higher_preempts),
        T(test_sched_top_follows_the_queues),
        T(test_sched_preempt_without_d_switches),
        T(test_sched_preempt_delays_up_to_the_maximum),
        T(test_sched_preempt_above_sensitive_priority_switches),
        T(test_sched_preempt_without_maximum_or_utcb_switches),
        T(test_sched_preempt_round_robin_delayed),
        T(test_sched_preempt_one_delay_until_preempted_or_yield),
        T(test_sched_preempt_donation_ends_a_delay),
        T(test_sched_preempt_blocked_thread_dispatches),
        T(test_sched_preempt_before_any_thread_dispatches),
        T(test_sched_preempt_nothing_better_stays),
        T(test_sched_wake_lower_or_equal_queues),
        T(test_sched_wake_from_idle_switches),
        T(test_sched_wake_halted_does_not_switch),
        T(test_sched_wake_without_current),
        T(test_sched_tick_charges_slice),
        T(test_sched_tick_expiry_round_robin),
        T(test_sched_tick_idle_or_none_not_charged),
        T(test_sched_tick_quantum_exhaustion),
        T(test_sched_tick_blocked_current_not_requeued),
        T(test_sched_yield_to_equal_priority),
        T(test_sched_yield_alone_keeps_running),
        T(test_sched_yield_from_idle),
        T(test_sched_donate_to_self_returns),
        T(test_sched_donate_runs_target_with_rest_of_slice),
        T(test_sched_donate_not_runnable_yields),
        T(test_sched_donate_from_idle_yields),
        T(test_sched_set_priority_moves_queued_thread),
        T(test_sched_set_priority_unqueued),
        T(test_sched_set_timeslice),
        T(test_sched_set_quantum_not_ready_not_queued),
        T(test_sched_model_random),
        T(test_sched_assert_enqueue_never_idle),
        T(test_sched_assert_dequeue_needs_queued),
        T(test_sched_assert_handoff_preconditions),
        T(test_sched_idle_never_runnable),
        T(test_sched_handoff_to_halted_or_exhausted_goes_general_path),
        T(test_sched_yield_and_donate_without_current),
        T(test_sched_assert_handoff_to_idle),
        T(test_sched_init_and_priority_change_resched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
