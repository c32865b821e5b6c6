/* Host tests of the TCB life cycle and state codes (src/core/tcb.c, tcb.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/fpage.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/tcb.h>
#include <core/tid.h>
#include <core/wakeup.h>
#include <mock/hooks.h>
#include <stdlib.h>
#include <string.h>

/* GCC's -Wclobbered misfires on the flag inside MOCK_EXPECT_PANIC (it is
 * only written after the longjmp); clang has no such warning. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

#define NTHREADS 128u
#define UTCB_AREA_BASE 0x00800000u
#define NO 60u                        /* a user thread number */

static void *area;
static struct space space_a, space_b;
static word_t utcb_mem[4][128];
static struct tcb *idle;

static int setup(void **state)
{
    mock_reset();
    area = aligned_alloc(TCB_SIZE, (size_t)NTHREADS * TCB_SIZE);
    assert_non_null(area);
    memset(area, 0, (size_t)NTHREADS * TCB_SIZE);
    memset(utcb_mem, 0, sizeof(utcb_mem));
    tcb_area_init(area, NTHREADS);
    space_a = (struct space){ .redirector = TID_ANY, .utcb_area = fpage_make(UTCB_AREA_BASE, 14, 0) };
    space_b = space_a;
    idle = tcb_of_number(TID_SYSTEM_BASE);
    idle->state = TS_READY;
    sched_init(idle);
    mock_current = idle;
    return 0;
}

/* Drop every pointer into the area before freeing it (LeakSanitizer's
 * tracer crashes on globals that point into a freed large aligned block). */
static int teardown(void **state)
{
    sched_init(NULL);
    tcb_area_init(NULL, 0);
    idle = NULL;
    mock_reset();
    free(area);
    area = NULL;
    return 0;
}

static struct tcb *create(word_t no, struct space *s)
{
    struct tcb *t = NULL;
    assert_int_equal(tcb_create(tid_make_global(no, 1), s, tid_make_global(NO, 1), &t), TCB_OK);
    return t;
}

/* ---- create ---------------------------------------------------------------- */

static void test_tcb_create_defaults(void **state)
{
    struct tcb *t = NULL;
    tid_t gid = tid_make_global(NO, 3);
    tcb_of_number(NO)->prio = 7;                 /* stale contents are overwritten */
    assert_int_equal(tcb_create(gid, &space_a, tid_make_global(NO + 1, 1), &t), TCB_OK);
    assert_ptr_equal(t, tcb_of_number(NO));
    assert_int_equal(t->gid, gid);
    assert_int_equal(t->state, TS_INACTIVE);
    assert_false(t->halted);
    assert_ptr_equal(t->space, &space_a);
    assert_ptr_equal(t->arch.space_seen, &space_a);     /* the machine was told */
    assert_int_equal(t->utcb_location, TCB_NO_UTCB);
    assert_null(t->utcb);
    assert_false(tcb_is_active(t));
    assert_int_equal(t->scheduler, tid_make_global(NO + 1, 1));
    assert_int_equal(t->prio, 100);
    assert_int_equal(t->timeslice_us, 10000);
    assert_int_equal(t->remaining_us, 10000);
    assert_true(t->quantum_us == TCB_QUANTUM_UNLIMITED);
    assert_false(t->in_ready_queue);
    assert_false(wakeup_queued(&t->wakeup));
    assert_int_equal(space_a.thread_count, 1);
    assert_ptr_equal(tid_lookup(gid), t);
}

static void test_tcb_create_counts_threads(void **state)
{
    create(NO, &space_a);
    create(NO + 1, &space_a);
    create(NO + 2, &space_b);
    assert_int_equal(space_a.thread_count, 2);
    assert_int_equal(space_b.thread_count, 1);
}

static void test_tcb_create_rejects_bad_ids(void **state)
{
    struct tcb *t = NULL;
    assert_int_equal(tcb_create(TID_NIL, &space_a, TID_NIL, &t), TCB_ERR_INVALID_THREAD);
    assert_int_equal(tcb_create(TID_ANY, &space_a, TID_NIL, &t), TCB_ERR_INVALID_THREAD);
    assert_int_equal(tcb_create(tid_make_global(NO, 0x40), &space_a, TID_NIL, &t),
                     TCB_ERR_INVALID_THREAD);                            /* local form */
    assert_int_equal(tcb_create(tid_make_global(NTHREADS, 1), &space_a, TID_NIL, &t),
                     TCB_ERR_INVALID_THREAD);                            /* out of range */
    assert_null(t);
    assert_int_equal(space_a.thread_count, 0);
}

static void test_tcb_create_existing_number_fails(void **state)
{
    struct tcb *t = create(NO, &space_a), *u = NULL;
    assert_int_equal(tcb_create(tid_make_global(NO, 2), &space_a, TID_NIL, &u), TCB_ERR_INVALID_THREAD);
    assert_null(u);
    assert_int_equal(t->gid, tid_make_global(NO, 1));
    assert_int_equal(space_a.thread_count, 1);
}

static void test_tcb_create_out_of_memory_changes_nothing(void **state)
{
    struct tcb *t = NULL;
    mock_tcb_alloc_failures = 1;
    assert_int_equal(tcb_create(tid_make_global(NO, 1), &space_a, TID_NIL, &t), TCB_ERR_NO_MEMORY);
    assert_null(t);
    assert_int_equal(space_a.thread_count, 0);
    assert_null(tid_lookup(tid_make_global(NO, 1)));
    assert_int_equal(tcb_create(tid_make_global(NO, 1), &space_a, TID_NIL, &t), TCB_OK);
}

static void test_tcb_create_null_space_panics(void **state)
{
    struct tcb *t = NULL;
    assert_true(MOCK_EXPECT_PANIC(tcb_create(tid_make_global(NO, 1), NULL, TID_NIL, &t)));
}

/* ---- activate / UTCB --------------------------------------------------------- */

static void test_tcb_activate_sets_utcb_and_local_id(void **state)
{
    struct tcb *t = create(NO, &space_a);
    tcb_activate(t, UTCB_AREA_BASE + 512u, &utcb_mem[0][64]);
    assert_true(tcb_is_active(t));
    assert_int_equal(t->utcb_location, UTCB_AREA_BASE + 512u);
    assert_ptr_equal(t->utcb, &utcb_mem[0][64]);
    assert_int_equal(utcb_mem[0][64 - 15], t->gid);           /* MyGlobalId TCR */
    assert_int_equal(t->state, TS_INACTIVE);
    assert_ptr_equal(tid_lookup_local(&space_a, UTCB_AREA_BASE + 512u + 256u), t);
}

static void test_tcb_activate_twice_panics(void **state)
{
    struct tcb *t = create(NO, &space_a);
    tcb_activate(t, UTCB_AREA_BASE, &utcb_mem[0][64]);
    assert_true(MOCK_EXPECT_PANIC(tcb_activate(t, UTCB_AREA_BASE + 512u, &utcb_mem[1][64])));
}

static void test_tcb_activate_bad_arguments_panic(void **state)
{
    struct tcb *t = create(NO, &space_a);
    assert_true(MOCK_EXPECT_PANIC(tcb_activate(t, UTCB_AREA_BASE + 256u, &utcb_mem[0][64])));
    assert_true(MOCK_EXPECT_PANIC(tcb_activate(t, UTCB_AREA_BASE, NULL)));
    t->state = TS_READY;
    assert_true(MOCK_EXPECT_PANIC(tcb_activate(t, UTCB_AREA_BASE, &utcb_mem[0][64])));
}

static void test_tcb_utcb_location_valid(void **state)
{
    /* area: 16 KB at 8 MB */
    assert_true(tcb_utcb_location_valid(&space_a, UTCB_AREA_BASE));
    assert_true(tcb_utcb_location_valid(&space_a, UTCB_AREA_BASE + 0x4000u - 512u));
    assert_false(tcb_utcb_location_valid(&space_a, UTCB_AREA_BASE + 0x4000u));
    assert_false(tcb_utcb_location_valid(&space_a, UTCB_AREA_BASE - 512u));
    assert_false(tcb_utcb_location_valid(&space_a, UTCB_AREA_BASE + 256u));
    assert_false(tcb_utcb_location_valid(&space_a, UTCB_AREA_BASE + 1u));     /* any bit below 512 */
    assert_false(tcb_utcb_location_valid(&space_a, UTCB_AREA_BASE + 512u + 2u));
    assert_false(tcb_utcb_location_valid(&space_a, TCB_NO_UTCB));
}

static void test_tcb_utcb_location_valid_uninitialised_or_io(void **state)
{
    space_a.utcb_area = 0;
    assert_false(tcb_utcb_location_valid(&space_a, UTCB_AREA_BASE));
    space_a.utcb_area = fpage_io_make(0, 4);
    assert_false(tcb_utcb_location_valid(&space_a, 0));
}

static void test_tcb_utcb_location_valid_top_of_address_space(void **state)
{
    space_a.utcb_area = fpage_make(0xFFFFF000u, 12, 0);
    assert_true(tcb_utcb_location_valid(&space_a, 0xFFFFFE00u));
    assert_false(tcb_utcb_location_valid(&space_a, 0xFFFFEE00u));
}

/* ---- version / space ----------------------------------------------------------- */

static void test_tcb_set_version_updates_id_and_utcb(void **state)
{
    struct tcb *t = create(NO, &space_a);
    tcb_activate(t, UTCB_AREA_BASE, &utcb_mem[0][64]);
    tcb_set_version(t, tid_make_global(NO, 9));
    assert_int_equal(t->gid, tid_make_global(NO, 9));
    assert_int_equal(utcb_mem[0][64 - 15], tid_make_global(NO, 9));
    assert_null(tid_lookup(tid_make_global(NO, 1)));
    assert_ptr_equal(tid_lookup(tid_make_global(NO, 9)), t);
}

static void test_tcb_set_version_inactive(void **state)
{
    struct tcb *t = create(NO, &space_a);
    tcb_set_version(t, tid_make_global(NO, 2));
    assert_ptr_equal(tid_lookup(tid_make_global(NO, 2)), t);
}

static void test_tcb_set_version_other_number_panics(void **state)
{
    struct tcb *t = create(NO, &space_a);
    assert_true(MOCK_EXPECT_PANIC(tcb_set_version(t, tid_make_global(NO + 1, 2))));
    assert_true(MOCK_EXPECT_PANIC(tcb_set_version(t, tid_make_global(NO, 0x40))));
}

static void test_tcb_set_space_migrates(void **state)
{
    struct tcb *t = create(NO, &space_a);
    create(NO + 1, &space_a);
    tcb_activate(t, UTCB_AREA_BASE, &utcb_mem[0][64]);
    assert_false(tcb_set_space(t, &space_b));
    assert_ptr_equal(t->space, &space_b);
    assert_ptr_equal(t->arch.space_seen, &space_b);     /* the machine was told */
    assert_int_equal(space_a.thread_count, 1);
    assert_int_equal(space_b.thread_count, 1);
    assert_null(tid_lookup_local(&space_a, UTCB_AREA_BASE + 256u));
    assert_ptr_equal(tid_lookup_local(&space_b, UTCB_AREA_BASE + 256u), t);
}

/* A thread's fast view follows its space's redirector: at creation, when
 * it moves into a space with one and back, and when tcb_space_redirect
 * sets or clears it (for that space's threads only). */
static void test_tcb_fast_view_follows_space(void **state)
{
    const struct tid_view all = tid_slots.view, empty = tid_empty_view();
    space_b.redirector = tid_make_global(NO + 5, 1);
    struct tcb *t = create(NO, &space_a), *u = create(NO + 1, &space_a), *v = create(NO + 2, &space_b);
    assert_true(t->fast_view.base == all.base && t->fast_view.slot_mask == all.slot_mask);
    assert_true(v->fast_view.base == empty.base && v->fast_view.slot_mask == 0);
    assert_false(tcb_set_space(t, &space_b));           /* into the redirected space */
    assert_true(t->fast_view.base == empty.base && t->fast_view.slot_mask == 0);
    assert_false(tcb_set_space(t, &space_a));           /* and back */
    assert_true(t->fast_view.base == all.base && t->fast_view.slot_mask == all.slot_mask);
    struct tcb *z = create(0, &space_a);                /* slot 0 (the walk's first) */
    tcb_space_redirect(&space_a, tid_make_global(NO + 5, 1));
    assert_int_equal(space_a.redirector, tid_make_global(NO + 5, 1));
    assert_true(t->fast_view.base == empty.base && u->fast_view.base == empty.base);
    assert_true(z->fast_view.base == empty.base);
    tcb_space_redirect(&space_b, TID_ANY);              /* v's space only */
    assert_true(v->fast_view.base == all.base && v->fast_view.slot_mask == all.slot_mask);
    assert_true(t->fast_view.base == empty.base && u->fast_view.base == empty.base);
    tcb_space_redirect(&space_a, TID_ANY);
    assert_true(t->fast_view.base == all.base && u->fast_view.slot_mask == all.slot_mask);
}

/* Local-ID hints name threads of their owner's space only (tcb.h): a
 * thread that moves to another space is dropped from every hint naming
 * it (slot 0's included, the walk's first) and drops its own; one that
 * stays in its space keeps it; a deleted thread is dropped too, and hints
 * naming others are left. */
static void test_tcb_local_hints_follow_space(void **state)
{
    struct tcb *t = create(NO, &space_a), *u = create(NO + 1, &space_a), *w = create(NO + 2, &space_a);
    struct tcb *z = create(0, &space_a);
    assert_ptr_equal(t->local_hint, &tid_local_end);
    u->local_hint = t;
    z->local_hint = t;
    w->local_hint = u;
    t->local_hint = u;
    assert_false(tcb_set_space(t, &space_a));           /* no move: kept */
    assert_true(u->local_hint == t && t->local_hint == u);
    assert_false(tcb_set_space(t, &space_b));
    assert_ptr_equal(u->local_hint, &tid_local_end);
    assert_ptr_equal(z->local_hint, &tid_local_end);
    assert_ptr_equal(t->local_hint, &tid_local_end);
    assert_ptr_equal(w->local_hint, u);
    z->local_hint = w;
    u->local_hint = z;
    assert_false(tcb_delete(w, NULL));
    assert_ptr_equal(z->local_hint, &tid_local_end);
    assert_ptr_equal(u->local_hint, z);
}

static void test_tcb_set_space_last_thread_and_inactive(void **state)
{
    struct tcb *t = create(NO, &space_a);
    assert_true(tcb_set_space(t, &space_b));
    assert_ptr_equal(t->arch.space_seen, &space_b);
    assert_int_equal(space_a.thread_count, 0);
    assert_false(t->local_registered);
}

static void test_tcb_set_space_same_space(void **state)
{
    struct tcb *t = create(NO, &space_a);
    assert_false(tcb_set_space(t, &space_a));
    assert_int_equal(space_a.thread_count, 1);
}

static void test_tcb_set_space_null_panics(void **state)
{
    struct tcb *t = create(NO, &space_a);
    assert_true(MOCK_EXPECT_PANIC(tcb_set_space(t, NULL)));
}

/* ---- delete ------------------------------------------------------------------ */

static void test_tcb_delete_unlinks_everything(void **state)
{
    static struct wakeup_queue wq;
    wakeup_init(&wq, 0);
    struct tcb *t = create(NO, &space_a), *other = create(NO + 1, &space_a);
    tcb_activate(t, UTCB_AREA_BASE, &utcb_mem[0][64]);
    sched_make_ready(other);
    sched_make_ready(t);
    wakeup_insert(&wq, &t->wakeup, 5000);
    assert_false(tcb_delete(t, &wq));
    assert_false(t->in_ready_queue);
    assert_false(wakeup_queued(&t->wakeup));
    assert_int_equal(wakeup_pending(&wq), 0);
    assert_true(wakeup_check(&wq));
    assert_null(tid_lookup_local(&space_a, UTCB_AREA_BASE + 256u));
    assert_null(tid_lookup(tid_make_global(NO, 1)));
    assert_int_equal(t->state, TS_FREE);
    assert_int_equal(t->gid, TID_NIL);
    assert_null(t->space);
    assert_int_equal(space_a.thread_count, 1);
    assert_ptr_equal(sched_queue_head(100), other);
    assert_ptr_equal(other->ready_next, other);
    assert_ptr_equal(sched_pick(), other);
}

static void test_tcb_delete_last_thread_of_space(void **state)
{
    struct tcb *t = create(NO, &space_a);
    assert_true(tcb_delete(t, NULL));
    assert_int_equal(space_a.thread_count, 0);
}

/* Deletion returns the TCB's memory: a slot backed at create is given back,
 * reads as free, and its number can be created again (issue 8 item 5). */
static void test_tcb_delete_returns_memory(void **state)
{
    unsigned backed = mock_tcb_backed;
    for (unsigned round = 0; round < 3; round++) {
        struct tcb *t = create(NO, &space_a);
        assert_int_equal(mock_tcb_backed, backed + 1u);
        tid_t gid = t->gid;
        tcb_delete(t, NULL);
        assert_int_equal(mock_tcb_backed, backed);
        assert_int_equal(tcb_of_number(NO)->state, TS_FREE);
        assert_null(tid_lookup(gid));
    }
    assert_int_equal(mock_tcb_free_errors, 0);
}

static void test_tcb_delete_then_recreate(void **state)
{
    struct tcb *t = create(NO, &space_a);
    t->halted = true;
    sched_set_priority(t, 7);
    tcb_delete(t, NULL);
    struct tcb *u = create(NO, &space_b);
    assert_ptr_equal(u, t);
    assert_false(u->halted);
    assert_int_equal(u->prio, 100);
    assert_int_equal(space_b.thread_count, 1);
}

static void test_tcb_delete_invalid_panics(void **state)
{
    struct tcb *t = create(NO, &space_a);
    static struct wakeup_queue wq;
    wakeup_init(&wq, 0);
    wakeup_insert(&wq, &t->wakeup, 100);
    assert_true(MOCK_EXPECT_PANIC(tcb_delete(t, NULL)));        /* queued, no queue given */
    wakeup_remove(&wq, &t->wakeup);
    mock_current = t;
    assert_true(MOCK_EXPECT_PANIC(tcb_delete(t, NULL)));        /* the current thread */
    mock_current = idle;
    assert_true(MOCK_EXPECT_PANIC(tcb_delete(idle, NULL)));     /* the idle thread */
    assert_true(MOCK_EXPECT_PANIC(tcb_delete(tcb_of_number(NO + 5), NULL)));   /* free */
    assert_int_equal(space_a.thread_count, 1);
}

/* ---- state codes ------------------------------------------------------------- */

static void test_tcb_schedule_state_codes(void **state)
{
    struct tcb *t = create(NO, &space_a);
    static const struct { uint8_t state; bool halted; word_t code; } cases[] = {
        { TS_FREE, false, 0 },
        { TS_INACTIVE, false, 2 },
        { TS_READY, false, 3 },
        { TS_READY, true, 2 },
        { TS_SEND_WAIT, false, 4 },
        { TS_SENDING, false, 5 },
        { TS_RECV_WAIT, false, 6 },
        { TS_RECEIVING, false, 7 },
        { TS_RECV_WAIT, true, 2 },
        { TS_DEAD, false, 1 },
        { TS_DEAD, true, 1 },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        t->state = cases[i].state;
        t->halted = cases[i].halted;
        assert_int_equal(tcb_schedule_state(t), cases[i].code);
    }
}

static void test_tcb_exreg_state_bits(void **state)
{
    struct tcb *t = create(NO, &space_a);
    static const struct { uint8_t state; bool halted; word_t bits; } cases[] = {
        { TS_INACTIVE, false, 0 },
        { TS_READY, true, TCB_EXREG_HALTED },
        { TS_SEND_WAIT, false, TCB_EXREG_SEND },
        { TS_SENDING, true, TCB_EXREG_SEND | TCB_EXREG_HALTED },
        { TS_RECV_WAIT, false, TCB_EXREG_RECV },
        { TS_RECEIVING, false, TCB_EXREG_RECV },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        t->state = cases[i].state;
        t->halted = cases[i].halted;
        assert_int_equal(tcb_exreg_state(t), cases[i].bits);
    }
}

/* ---- the run word ------------------------------------------------------------------ */

/* Each field of the run word lands in its byte, and timer_live in the bit
 * the fast path's compares name (TCB_RUN_FLAG_TIMER_LIVE); setting the
 * whole word clears every flag. */
static void test_tcb_run_word_layout(void **state)
{
    struct tcb *t = tcb_of_number(NO);
    tcb_run_word_set(t, 0);
    t->state = TS_RECV_WAIT;
    assert_int_equal(tcb_run_word(t), TS_RECV_WAIT);
    t->timer_live = true;
    assert_int_equal(t->run_flags, TCB_RUN_FLAG_TIMER_LIVE);
    assert_int_equal(tcb_run_word(t), TS_RECV_WAIT | TCB_RUN_FLAG_TIMER_LIVE << 16);
    t->ipc_nested = true;
    t->ctx_slow = true;
    t->halted = true;
    t->quantum_out = true;
    assert_int_equal(tcb_run_word(t), TS_RECV_WAIT | 1u << 8 | (TCB_RUN_FLAG_TIMER_LIVE | 3u) << 16 |
                                          1u << 24);
    tcb_run_word_set(t, TS_READY);
    assert_int_equal(t->state, TS_READY);
    assert_false(t->halted || t->ipc_nested || t->ctx_slow || t->timer_live || t->quantum_out);
}

/* ---- kernel stack in the TCB block ---------------------------------------------- */

static void test_tcb_from_sp_any_address_in_block(void **state)
{
    for (word_t no = 0; no < 4; no++) {
        struct tcb *t = tcb_of_number(NO + no);
        uintptr_t base = (uintptr_t)t;
        for (uintptr_t off = 0; off < TCB_SIZE; off += 4)
            assert_ptr_equal(tcb_from_sp(base + off), t);
        assert_ptr_equal(tcb_from_sp(base + TCB_SIZE - 1), t);
        assert_ptr_equal(tcb_from_sp(base + TCB_SIZE), tcb_of_number(NO + no + 1));
        assert_ptr_equal(tcb_from_sp(base - 1), tcb_of_number(NO + no - 1));
    }
}

static void test_tcb_stack_top_and_room(void **state)
{
    struct tcb *t = tcb_of_number(NO);
    assert_int_equal(tcb_stack_top(t), (uintptr_t)t + TCB_SIZE);
    assert_ptr_equal(tcb_from_sp(tcb_stack_top(t) - sizeof(word_t)), t);
    assert_true(sizeof(struct tcb) <= TCB_SIZE / 4);
}

static void test_tcb_from_sp_single_aligned_block(void **state)
{
    void *block = aligned_alloc(TCB_SIZE, TCB_SIZE);
    assert_non_null(block);
    uintptr_t b = (uintptr_t)block;
    assert_ptr_equal(tcb_from_sp(b), block);
    assert_ptr_equal(tcb_from_sp(b + TCB_SIZE / 2), block);
    assert_ptr_equal(tcb_from_sp(b + TCB_SIZE - 1), block);
    free(block);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- kernel assertions: each precondition fires (issue 12) ------------------------ */

static void test_tcb_assert_set_space_needs_counted_space(void **state)
{
    struct tcb *t = create(NO, &space_a);
    t->space = NULL;
    assert_true(MOCK_EXPECT_PANIC(tcb_set_space(t, &space_b)));
    t->space = &space_a;
    space_a.thread_count = 0;
    assert_true(MOCK_EXPECT_PANIC(tcb_set_space(t, &space_b)));
    space_a.thread_count = 1;
    assert_false(MOCK_EXPECT_PANIC(tcb_set_space(t, &space_b)));
}

static void test_tcb_assert_delete_needs_counted_space(void **state)
{
    struct tcb *t = create(NO, &space_a);
    t->space = NULL;
    assert_true(MOCK_EXPECT_PANIC(tcb_delete(t, NULL)));
    t->space = &space_a;
    space_a.thread_count = 0;
    assert_true(MOCK_EXPECT_PANIC(tcb_delete(t, NULL)));
    space_a.thread_count = 1;
    assert_false(MOCK_EXPECT_PANIC(tcb_delete(t, NULL)));
    assert_int_equal(t->state, TS_FREE);
}

static void test_tcb_assert_activate_preconditions(void **state)
{
    struct tcb *t = create(NO, &space_a);
    t->state = TS_READY;                                   /* not inactive */
    assert_true(MOCK_EXPECT_PANIC(tcb_activate(t, UTCB_AREA_BASE, &utcb_mem[0][64])));
    t->state = TS_INACTIVE;
    assert_true(MOCK_EXPECT_PANIC(tcb_activate(t, UTCB_AREA_BASE + 1u, &utcb_mem[0][64])));
    assert_true(MOCK_EXPECT_PANIC(tcb_activate(t, UTCB_AREA_BASE + 0x100u, &utcb_mem[0][64])));
    assert_false(MOCK_EXPECT_PANIC(tcb_activate(t, UTCB_AREA_BASE, &utcb_mem[0][64])));
}

/* ---- branch coverage (issue 12) ------------------------------------------------- */

static void test_tcb_delete_idle_not_current_panics(void **state)
{
    struct tcb *t = create(NO, &space_a);
    mock_current = t;
    assert_true(MOCK_EXPECT_PANIC(tcb_delete(idle, NULL)));
    mock_current = idle;
}

static void test_tcb_utcb_location_in_complete_area(void **state)
{
    struct space s = { .utcb_area = fpage_make(0, 32, 0) };
    assert_true(tcb_utcb_location_valid(&s, 0));
    assert_true(tcb_utcb_location_valid(&s, 0xFFFFFE00u));
    assert_false(tcb_utcb_location_valid(&s, 0xFFFFFF00u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_tcb_create_defaults),
        T(test_tcb_create_counts_threads),
        T(test_tcb_create_rejects_bad_ids),
        T(test_tcb_create_existing_number_fails),
        T(test_tcb_create_out_of_memory_changes_nothing),
        T(test_tcb_create_null_space_panics),
        T(test_tcb_activate_sets_utcb_and_local_id),
        T(test_tcb_activate_twice_panics),
        T(test_tcb_activate_bad_arguments_panic),
        T(test_tcb_utcb_location_valid),
        T(test_tcb_utcb_location_valid_uninitialised_or_io),
        T(test_tcb_utcb_location_valid_top_of_address_space),
        T(test_tcb_set_version_updates_id_and_utcb),
        T(test_tcb_set_version_inactive),
        T(test_tcb_set_version_other_number_panics),
        T(test_tcb_set_space_migrates),
        T(test_tcb_fast_view_follows_space),
        T(test_tcb_local_hints_follow_space),
        T(test_tcb_set_space_last_thread_and_inactive),
        T(test_tcb_set_space_same_space),
        T(test_tcb_set_space_null_panics),
        T(test_tcb_delete_unlinks_everything),
        T(test_tcb_delete_last_thread_of_space),
        T(test_tcb_delete_returns_memory),
        T(test_tcb_delete_then_recreate),
        T(test_tcb_delete_invalid_panics),
        T(test_tcb_schedule_state_codes),
        T(test_tcb_exreg_state_bits),
        T(test_tcb_run_word_layout),
        T(test_tcb_from_sp_any_address_in_block),
        T(test_tcb_stack_top_and_room),
        T(test_tcb_from_sp_single_aligned_block),
        T(test_tcb_assert_set_space_needs_counted_space),
        T(test_tcb_assert_delete_needs_counted_space),
        T(test_tcb_assert_activate_preconditions),
        T(test_tcb_delete_idle_not_current_panics),
        T(test_tcb_utcb_location_in_complete_area),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
