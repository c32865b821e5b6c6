/* Host tests of the wakeup classes and time values (src/core/wakeup.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/wakeup.h>
#include <mock/hooks.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICK WAKEUP_TICK_US
#define T0   1000000ull         /* queue start time used by most tests */

static int setup(void **state)
{
    (void)state;
    mock_reset();
    return 0;
}

/* Expire everything due at `now` into `out` (at most `max`); returns how many. */
static unsigned expire_all(struct wakeup_queue *q, uint64_t now, struct wakeup_node **out,
                           unsigned max)
{
    unsigned k = 0;
    struct wakeup_node *n;
    while ((n = wakeup_expire(q, now)) != NULL) {
        assert_false(wakeup_queued(n));
        assert_true(k < max);
        out[k++] = n;
    }
    return k;
}

/* The tick (from `start`, one by one) at which `n` expires; UINT64_MAX if none. */
static uint64_t tick_until_expired(struct wakeup_queue *q, struct wakeup_node *n, uint64_t start,
                                   uint64_t limit)
{
    for (uint64_t t = start; t <= limit; t += TICK) {
        struct wakeup_node *got[8];
        unsigned k = expire_all(q, t, got, 8);
        assert_true(wakeup_check(q));
        for (unsigned i = 0; i < k; i++)
            if (got[i] == n)
                return t;
        assert_int_equal(k, 0);
    }
    return UINT64_MAX;
}

/* ---- init / insert --------------------------------------------------- */

static void test_wakeup_init_empty(void **state)
{
    (void)state;
    struct wakeup_queue q;
    wakeup_init(&q, T0);
    assert_true(wakeup_check(&q));
    assert_int_equal(wakeup_pending(&q), 0);
    for (unsigned c = WAKEUP_SOON; c <= WAKEUP_DUE; c++)
        assert_int_equal(wakeup_count(&q, (enum wakeup_class)c), 0);
    assert_true(wakeup_next_expiry(&q) == UINT64_MAX);
    assert_null(wakeup_expire(&q, T0));
    assert_null(wakeup_expire(&q, T0 + 10 * WAKEUP_LATE_PERIOD_US));
    assert_true(wakeup_check(&q));
}

static void test_wakeup_count_invalid_class(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &n, T0);
    assert_int_equal(wakeup_count(&q, WAKEUP_NONE), 0);
    assert_int_equal(wakeup_count(&q, (enum wakeup_class)5), 0);
    assert_int_equal(wakeup_count(&q, WAKEUP_SOON), 1);
    assert_int_equal(wakeup_corrections(&q, WAKEUP_LATELATE), 0);
    assert_int_equal(wakeup_corrections(&q, WAKEUP_DUE), 0);
}

static void test_wakeup_insert_window_borders(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n[6] = {{0}};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &n[0], T0);
    wakeup_insert(&q, &n[1], T0 + WAKEUP_SOON_WINDOW_US - 1);
    wakeup_insert(&q, &n[2], T0 + WAKEUP_SOON_WINDOW_US);
    wakeup_insert(&q, &n[3], T0 + WAKEUP_LATE_WINDOW_US - 1);
    wakeup_insert(&q, &n[4], T0 + WAKEUP_LATE_WINDOW_US);
    wakeup_insert(&q, &n[5], UINT64_MAX);
    assert_int_equal(wakeup_node_class(&n[0]), WAKEUP_SOON);
    assert_int_equal(wakeup_node_class(&n[1]), WAKEUP_SOON);
    assert_int_equal(wakeup_node_class(&n[2]), WAKEUP_LATE);
    assert_int_equal(wakeup_node_class(&n[3]), WAKEUP_LATE);
    assert_int_equal(wakeup_node_class(&n[4]), WAKEUP_LATELATE);
    assert_int_equal(wakeup_node_class(&n[5]), WAKEUP_LATELATE);
    assert_int_equal(wakeup_count(&q, WAKEUP_SOON), 2);
    assert_int_equal(wakeup_count(&q, WAKEUP_LATE), 2);
    assert_int_equal(wakeup_count(&q, WAKEUP_LATELATE), 2);
    assert_int_equal(wakeup_pending(&q), 6);
    for (unsigned i = 0; i < 6; i++)
        assert_true(wakeup_queued(&n[i]));
    assert_true(wakeup_check(&q));
}

static void test_wakeup_insert_queued_node_panics(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &n, T0 + 5 * TICK);
    assert_true(MOCK_EXPECT_PANIC(wakeup_insert(&q, &n, T0 + 7 * TICK)));
    assert_int_equal(wakeup_pending(&q), 1);
    assert_true(n.deadline == T0 + 5 * TICK);
    assert_true(wakeup_check(&q));
}

static void test_wakeup_insert_past_deadline_expires_next_tick(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0}, m = {0};
    wakeup_init(&q, T0);
    assert_null(wakeup_expire(&q, T0 + 3 * TICK));
    wakeup_insert(&q, &n, 5);                   /* long past */
    wakeup_insert(&q, &m, T0 + 3 * TICK - 1);   /* just past */
    assert_int_equal(wakeup_node_class(&n), WAKEUP_SOON);
    assert_true(wakeup_next_expiry(&q) == 5);
    struct wakeup_node *got[4];
    assert_int_equal(expire_all(&q, T0 + 4 * TICK, got, 4), 2);
    assert_true((got[0] == &n && got[1] == &m) || (got[0] == &m && got[1] == &n));
    assert_int_equal(wakeup_pending(&q), 0);
    assert_true(wakeup_check(&q));
}

/* A deadline inserted for "now" fires even when expire runs at the same time. */
static void test_wakeup_expire_same_time_as_insert(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &n, T0);
    assert_ptr_equal(wakeup_expire(&q, T0), &n);
    assert_null(wakeup_expire(&q, T0));
}

/* ---- expire ----------------------------------------------------------- */

static void test_wakeup_expire_exact_tick(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0}, m = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &n, T0 + 5 * TICK);
    assert_true(tick_until_expired(&q, &n, T0, T0 + 100 * TICK) == T0 + 5 * TICK);
    wakeup_insert(&q, &m, T0 + 7 * TICK + 1);   /* between ticks: the next one */
    assert_true(tick_until_expired(&q, &m, T0 + 5 * TICK, T0 + 100 * TICK) == T0 + 8 * TICK);
}

static void test_wakeup_expire_several_in_one_tick(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n[5] = {{0}};
    wakeup_init(&q, T0);
    for (unsigned i = 0; i < 5; i++)
        wakeup_insert(&q, &n[i], T0 + 2 * TICK - i * 100);
    assert_null(wakeup_expire(&q, T0 + TICK));
    struct wakeup_node *got[5];
    assert_int_equal(expire_all(&q, T0 + 2 * TICK, got, 5), 5);
    for (unsigned i = 0; i < 5; i++) {
        unsigned seen = 0;
        for (unsigned j = 0; j < 5; j++)
            seen += got[j] == &n[i];
        assert_int_equal(seen, 1);
    }
    assert_int_equal(wakeup_pending(&q), 0);
}

/* A stale (earlier) time does not move the queue back. */
static void test_wakeup_expire_stale_time_is_clamped(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0}, m = {0};
    wakeup_init(&q, T0);
    assert_null(wakeup_expire(&q, T0 - 1));
    assert_null(wakeup_expire(&q, T0 + 10 * TICK));
    wakeup_insert(&q, &n, T0 + 8 * TICK);       /* already past */
    wakeup_insert(&q, &m, T0 + 11 * TICK);
    assert_ptr_equal(wakeup_expire(&q, T0 + 2 * TICK), &n);
    assert_null(wakeup_expire(&q, T0 + 2 * TICK));
    assert_true(wakeup_queued(&m));
    assert_true(wakeup_check(&q));
    assert_ptr_equal(wakeup_expire(&q, T0 + 11 * TICK), &m);
}

/* A late entry moves to soon exactly at the 16th tick and fires on time. */
static void test_wakeup_expire_soon_correction_period(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0};
    wakeup_init(&q, T0);
    uint64_t d = T0 + WAKEUP_SOON_WINDOW_US + 3 * TICK;
    wakeup_insert(&q, &n, d);
    assert_int_equal(wakeup_node_class(&n), WAKEUP_LATE);
    for (unsigned t = 1; t < WAKEUP_SOON_TICKS; t++) {
        assert_null(wakeup_expire(&q, T0 + t * TICK));
        assert_int_equal(wakeup_corrections(&q, WAKEUP_SOON), 0);
        assert_int_equal(wakeup_node_class(&n), WAKEUP_LATE);
        assert_true(wakeup_next_expiry(&q) == UINT64_MAX);
    }
    assert_null(wakeup_expire(&q, T0 + WAKEUP_SOON_PERIOD_US));
    assert_int_equal(wakeup_corrections(&q, WAKEUP_SOON), 1);
    assert_int_equal(wakeup_node_class(&n), WAKEUP_SOON);
    assert_true(wakeup_next_expiry(&q) == d);
    assert_true(wakeup_check(&q));
    assert_true(tick_until_expired(&q, &n, T0 + WAKEUP_SOON_PERIOD_US, d + 100 * TICK) == d);
    /* the next corrections come every 16 ticks */
    assert_null(wakeup_expire(&q, T0 + 2 * WAKEUP_SOON_PERIOD_US - TICK));
    assert_int_equal(wakeup_corrections(&q, WAKEUP_SOON), 1);
    assert_null(wakeup_expire(&q, T0 + 2 * WAKEUP_SOON_PERIOD_US));
    assert_int_equal(wakeup_corrections(&q, WAKEUP_SOON), 2);
}

/* A late entry beyond the new soon window stays late at the correction. */
static void test_wakeup_expire_soon_correction_keeps_far_entries(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node near = {0}, far = {0};
    wakeup_init(&q, T0);
    uint64_t t = T0 + WAKEUP_SOON_PERIOD_US;
    wakeup_insert(&q, &near, t + WAKEUP_SOON_WINDOW_US - 1);
    wakeup_insert(&q, &far, t + WAKEUP_SOON_WINDOW_US);
    assert_null(wakeup_expire(&q, t));
    assert_int_equal(wakeup_node_class(&near), WAKEUP_SOON);
    assert_int_equal(wakeup_node_class(&far), WAKEUP_LATE);
    assert_true(wakeup_check(&q));
}

/* A late-late entry moves to late at the 256th tick, then to soon, fires on time. */
static void test_wakeup_expire_late_correction_period(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0};
    wakeup_init(&q, T0);
    uint64_t d = T0 + WAKEUP_LATE_WINDOW_US + 5 * TICK;
    wakeup_insert(&q, &n, d);
    assert_int_equal(wakeup_node_class(&n), WAKEUP_LATELATE);
    for (unsigned t = 1; t < WAKEUP_LATE_TICKS; t++) {
        assert_null(wakeup_expire(&q, T0 + t * TICK));
        assert_int_equal(wakeup_corrections(&q, WAKEUP_LATE), 0);
        assert_int_equal(wakeup_node_class(&n), WAKEUP_LATELATE);
    }
    assert_int_equal(wakeup_corrections(&q, WAKEUP_SOON), WAKEUP_LATE_TICKS / WAKEUP_SOON_TICKS - 1);
    assert_null(wakeup_expire(&q, T0 + WAKEUP_LATE_PERIOD_US));
    assert_int_equal(wakeup_corrections(&q, WAKEUP_LATE), 1);
    assert_int_equal(wakeup_corrections(&q, WAKEUP_SOON), WAKEUP_LATE_TICKS / WAKEUP_SOON_TICKS);
    assert_int_equal(wakeup_node_class(&n), WAKEUP_LATE);
    assert_true(wakeup_check(&q));
    assert_true(tick_until_expired(&q, &n, T0 + WAKEUP_LATE_PERIOD_US, d + 100 * TICK) == d);
}

/* At a late correction the new late window ends exactly at now + LATE_WINDOW. */
static void test_wakeup_expire_late_correction_border(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node in = {0}, out = {0};
    wakeup_init(&q, T0);
    uint64_t t = T0 + WAKEUP_LATE_PERIOD_US;
    wakeup_insert(&q, &in, t + WAKEUP_LATE_WINDOW_US - 1);
    wakeup_insert(&q, &out, t + WAKEUP_LATE_WINDOW_US);
    assert_int_equal(wakeup_node_class(&in), WAKEUP_LATELATE);
    assert_null(wakeup_expire(&q, t - 1));
    assert_int_equal(wakeup_node_class(&in), WAKEUP_LATELATE);
    assert_null(wakeup_expire(&q, t));
    assert_int_equal(wakeup_corrections(&q, WAKEUP_LATE), 1);
    assert_int_equal(wakeup_node_class(&in), WAKEUP_LATE);
    assert_int_equal(wakeup_node_class(&out), WAKEUP_LATELATE);
    assert_true(wakeup_check(&q));
}

/* With a huge clock jump every class expires in one call. */
static void test_wakeup_expire_clock_jump(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n[4] = {{0}}, keep = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &n[0], T0 + 1);
    wakeup_insert(&q, &n[1], T0 + WAKEUP_SOON_WINDOW_US + 1);
    wakeup_insert(&q, &n[2], T0 + WAKEUP_LATE_WINDOW_US + 1);
    wakeup_insert(&q, &n[3], T0 + 1000 * WAKEUP_LATE_WINDOW_US);
    wakeup_insert(&q, &keep, T0 + 1000 * WAKEUP_LATE_WINDOW_US + 1);
    struct wakeup_node *got[5];
    assert_int_equal(expire_all(&q, T0 + 1000 * WAKEUP_LATE_WINDOW_US, got, 5), 4);
    assert_true(wakeup_queued(&keep));
    assert_int_equal(wakeup_pending(&q), 1);
    assert_true(wakeup_check(&q));
    assert_ptr_equal(wakeup_expire(&q, T0 + 1000 * WAKEUP_LATE_WINDOW_US + 1), &keep);
}

/* Irregular tick spacing (missed ticks, jitter) never delays an expiry. */
static void test_wakeup_expire_irregular_ticks(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n[40] = {{0}};
    wakeup_init(&q, T0);
    for (unsigned i = 0; i < 40; i++)
        wakeup_insert(&q, &n[i], T0 + (uint64_t)i * i * 997);
    uint64_t now = T0;
    unsigned left = 40;
    for (unsigned step = 0; left > 0; step++) {
        now += 300 + (step * 7919u) % 5000;
        struct wakeup_node *got[40];
        unsigned k = expire_all(&q, now, got, 40);
        for (unsigned j = 0; j < k; j++)
            assert_true(got[j]->deadline <= now);
        left -= k;
        for (unsigned i = 0; i < 40; i++)
            assert_true(wakeup_queued(&n[i]) == (n[i].deadline > now));
        assert_true(wakeup_check(&q));
    }
}

/* ---- remove ----------------------------------------------------------- */

static void test_wakeup_remove_from_each_class(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node soon = {0}, late = {0}, ll = {0}, due = {0}, other = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &due, T0 + TICK);
    wakeup_insert(&q, &other, T0 + TICK);
    /* make both due, hand out one: the other stays on the due list */
    struct wakeup_node *first = wakeup_expire(&q, T0 + TICK);
    assert_non_null(first);
    struct wakeup_node *second = first == &due ? &other : &due;
    assert_int_equal(wakeup_node_class(second), WAKEUP_DUE);
    assert_int_equal(wakeup_count(&q, WAKEUP_DUE), 1);
    assert_true(wakeup_next_expiry(&q) == T0 + TICK);
    wakeup_insert(&q, &soon, T0 + 2 * TICK);
    wakeup_insert(&q, &late, T0 + 2 * WAKEUP_SOON_WINDOW_US);
    wakeup_insert(&q, &ll, T0 + 2 * WAKEUP_LATE_WINDOW_US);
    assert_true(wakeup_check(&q));

    struct wakeup_node *all[4] = {second, &soon, &late, &ll};
    for (unsigned i = 0; i < 4; i++) {
        enum wakeup_class c = wakeup_node_class(all[i]);
        uint32_t before = wakeup_count(&q, c);
        wakeup_remove(&q, all[i]);
        assert_false(wakeup_queued(all[i]));
        assert_int_equal(wakeup_count(&q, c), before - 1);
        assert_int_equal(wakeup_pending(&q), 3 - i);
        assert_true(wakeup_check(&q));
    }
    /* removed nodes never come back */
    assert_null(wakeup_expire(&q, T0 + 10 * WAKEUP_LATE_WINDOW_US));
}

static void test_wakeup_retime_in_place_or_moved(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node a = {0}, b = {0}, due = {0}, other = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &a, T0 + 5 * TICK);
    wakeup_insert(&q, &b, T0 + 6 * TICK);
    /* within the soon class: the node keeps its place, the minimum follows */
    struct wakeup_node *next = a.next;
    wakeup_retime(&q, &a, T0 + 2 * TICK);
    assert_int_equal(wakeup_node_class(&a), WAKEUP_SOON);
    assert_ptr_equal(a.next, next);
    assert_true(a.deadline == T0 + 2 * TICK);
    assert_true(wakeup_next_expiry(&q) == T0 + 2 * TICK);
    assert_int_equal(wakeup_count(&q, WAKEUP_SOON), 2);
    /* into another class: moved */
    wakeup_retime(&q, &a, T0 + 2 * WAKEUP_SOON_WINDOW_US);
    assert_int_equal(wakeup_node_class(&a), WAKEUP_LATE);
    assert_int_equal(wakeup_count(&q, WAKEUP_SOON), 1);
    assert_int_equal(wakeup_count(&q, WAKEUP_LATE), 1);
    assert_true(wakeup_check(&q));
    /* a node already due goes back to a pending class */
    wakeup_insert(&q, &due, T0 + TICK);
    wakeup_insert(&q, &other, T0 + TICK);
    struct wakeup_node *first = wakeup_expire(&q, T0 + TICK);
    struct wakeup_node *left = first == &due ? &other : &due;
    assert_int_equal(wakeup_node_class(left), WAKEUP_DUE);
    assert_ptr_equal(wakeup_list_next(&q, WAKEUP_DUE, NULL), left);   /* the due list walks too */
    assert_null(wakeup_list_next(&q, WAKEUP_DUE, left));
    wakeup_retime(&q, left, T0 + 3 * TICK);
    assert_int_equal(wakeup_node_class(left), WAKEUP_SOON);
    assert_int_equal(wakeup_count(&q, WAKEUP_DUE), 0);
    assert_true(wakeup_check(&q));
    assert_null(wakeup_expire(&q, T0 + TICK));
    /* it fires at its new deadline, b at its own */
    assert_ptr_equal(wakeup_expire(&q, T0 + 3 * TICK), left);
    assert_null(wakeup_expire(&q, T0 + 3 * TICK));
    assert_ptr_equal(wakeup_expire(&q, T0 + 6 * TICK), &b);
    /* an unqueued node is a kernel bug */
    assert_true(MOCK_EXPECT_PANIC(wakeup_retime(&q, &b, T0 + 9 * TICK)));
}

/* The middle one of three nodes that `d` puts in one class, retimed to
 * `to`: it must end in class `want`, in place (its neighbours kept) when
 * that is its class already. */
static void retime_middle(uint64_t d, uint64_t to, enum wakeup_class want)
{
    struct wakeup_queue q;
    struct wakeup_node n[3] = {{0}};
    wakeup_init(&q, T0);
    for (unsigned i = 0; i < 3; i++)
        wakeup_insert(&q, &n[i], d);
    enum wakeup_class had = wakeup_node_class(&n[1]);
    struct wakeup_node *next = n[1].next, *prev = n[1].prev;
    wakeup_retime(&q, &n[1], to);
    assert_int_equal(wakeup_node_class(&n[1]), want);
    assert_true(n[1].deadline == to);
    if (want == had) {
        assert_ptr_equal(n[1].next, next);
        assert_ptr_equal(n[1].prev, prev);
    }
    assert_true(wakeup_check(&q));
}

/* wakeup_retime ends at the class borders where wakeup_insert puts the
 * deadline (test_wakeup_insert_window_borders), moving the node only
 * when its class changes. */
static void test_wakeup_retime_window_borders(void **state)
{
    (void)state;
    const uint64_t soon = T0 + TICK, late = T0 + WAKEUP_SOON_WINDOW_US + TICK,
                   latelate = T0 + WAKEUP_LATE_WINDOW_US + TICK;
    retime_middle(soon, T0 + WAKEUP_SOON_WINDOW_US - 1, WAKEUP_SOON);
    retime_middle(soon, T0 + WAKEUP_SOON_WINDOW_US, WAKEUP_LATE);
    retime_middle(late, T0 + WAKEUP_SOON_WINDOW_US, WAKEUP_LATE);
    retime_middle(late, T0 + WAKEUP_SOON_WINDOW_US - 1, WAKEUP_SOON);
    retime_middle(late, T0 + WAKEUP_LATE_WINDOW_US - 1, WAKEUP_LATE);
    retime_middle(late, T0 + WAKEUP_LATE_WINDOW_US, WAKEUP_LATELATE);
    retime_middle(latelate, T0 + WAKEUP_LATE_WINDOW_US, WAKEUP_LATELATE);
    retime_middle(latelate, T0 + WAKEUP_LATE_WINDOW_US - 1, WAKEUP_LATE);
}

static void test_wakeup_remove_unqueued_is_noop(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0}, m = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &m, T0 + TICK);
    wakeup_remove(&q, &n);
    wakeup_remove(&q, &m);
    wakeup_remove(&q, &m);          /* twice */
    assert_int_equal(wakeup_pending(&q), 0);
    assert_true(wakeup_check(&q));
}

static void test_wakeup_remove_corrupt_node_panics(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0};
    wakeup_init(&q, T0);
    n.list = 9;
    assert_true(MOCK_EXPECT_PANIC(wakeup_remove(&q, &n)));
}

/* A removed or expired node can be inserted again with a new deadline. */
static void test_wakeup_insert_again_after_remove_and_expire(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &n, T0 + WAKEUP_LATE_WINDOW_US);
    wakeup_remove(&q, &n);
    wakeup_insert(&q, &n, T0 + 2 * TICK);
    assert_int_equal(wakeup_node_class(&n), WAKEUP_SOON);
    assert_ptr_equal(wakeup_expire(&q, T0 + 2 * TICK), &n);
    wakeup_insert(&q, &n, T0 + 3 * TICK);
    assert_null(wakeup_expire(&q, T0 + 2 * TICK));
    assert_ptr_equal(wakeup_expire(&q, T0 + 3 * TICK), &n);
    assert_int_equal(wakeup_pending(&q), 0);
    assert_true(wakeup_check(&q));
}

/* ---- next expiry ------------------------------------------------------ */

static void test_wakeup_next_expiry_soon_minimum(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node a = {0}, b = {0}, late = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &late, T0 + WAKEUP_SOON_WINDOW_US);
    assert_true(wakeup_next_expiry(&q) == UINT64_MAX);   /* late is not looked at */
    wakeup_insert(&q, &b, T0 + 9 * TICK);
    wakeup_insert(&q, &a, T0 + 4 * TICK);
    assert_true(wakeup_next_expiry(&q) == T0 + 4 * TICK);
    wakeup_remove(&q, &a);
    assert_true(wakeup_next_expiry(&q) == T0 + 9 * TICK);
    /* the stale lower bound after removing `a` costs nothing observable */
    assert_null(wakeup_expire(&q, T0 + 8 * TICK));
    assert_ptr_equal(wakeup_expire(&q, T0 + 9 * TICK), &b);
    assert_true(wakeup_next_expiry(&q) == UINT64_MAX);
}

/* With regular ticks each correction runs once per period, not on every
 * tick after its first: late_next and soon_next move on with it. */
static void test_wakeup_corrections_once_per_period(void **state)
{
    (void)state;
    struct wakeup_queue q;
    wakeup_init(&q, T0);
    for (unsigned t = 1; t <= 4 * WAKEUP_LATE_TICKS; t++)
        assert_null(wakeup_expire(&q, T0 + t * TICK));
    assert_int_equal(wakeup_corrections(&q, WAKEUP_LATE), 4);
    assert_int_equal(wakeup_corrections(&q, WAKEUP_SOON), 4 * WAKEUP_LATE_TICKS / WAKEUP_SOON_TICKS);
    assert_true(wakeup_check(&q));
}

/* soon_min, the bound that lets a tick with nothing due skip the soon
 * list: none (UINT64_MAX) in a fresh queue, lowered by each soon insert,
 * and exact again after every collection of due entries. */
static void test_wakeup_soon_min_tracks_the_soon_list(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node a = {0}, b = {0}, late = {0};
    memset(&q, 0, sizeof(q));
    wakeup_init(&q, T0);
    assert_true(q.soon_min == UINT64_MAX);
    wakeup_insert(&q, &late, T0 + WAKEUP_SOON_WINDOW_US);
    assert_true(q.soon_min == UINT64_MAX);          /* late entries do not count */
    wakeup_insert(&q, &b, T0 + 5 * TICK);
    wakeup_insert(&q, &a, T0 + 3 * TICK);
    assert_true(q.soon_min == T0 + 3 * TICK);
    assert_ptr_equal(wakeup_expire(&q, T0 + 3 * TICK), &a);
    assert_true(q.soon_min == T0 + 5 * TICK);
    assert_ptr_equal(wakeup_expire(&q, T0 + 5 * TICK), &b);
    assert_true(q.soon_min == UINT64_MAX);
    assert_true(wakeup_check(&q));
}

/* ---- limits near the end of time -------------------------------------- */

static void test_wakeup_init_saturates_near_max(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node n = {0}, m = {0};
    uint64_t t = UINT64_MAX - 5 * TICK;
    wakeup_init(&q, t);
    assert_true(wakeup_check(&q));
    wakeup_insert(&q, &n, t + TICK);
    wakeup_insert(&q, &m, UINT64_MAX);
    assert_int_equal(wakeup_node_class(&n), WAKEUP_SOON);
    assert_int_equal(wakeup_node_class(&m), WAKEUP_LATELATE);
    assert_ptr_equal(wakeup_expire(&q, t + TICK), &n);
    assert_null(wakeup_expire(&q, t + 4 * TICK));
    assert_true(wakeup_check(&q));
}

/* ---- wakeup_check ----------------------------------------------------- */

static void test_wakeup_check_detects_corruption(void **state)
{
    (void)state;
    struct wakeup_queue q;
    struct wakeup_node a = {0}, b = {0}, c = {0}, d = {0};
    wakeup_init(&q, T0);
    wakeup_insert(&q, &a, T0 + TICK);
    wakeup_insert(&q, &b, T0 + 2 * TICK);
    wakeup_insert(&q, &c, T0 + WAKEUP_SOON_WINDOW_US);
    wakeup_insert(&q, &d, T0 + WAKEUP_LATE_WINDOW_US);
    assert_true(wakeup_check(&q));

    /* limits out of order (changed in place: the nodes link to q's own
     * sentinels, so a copy of q would fail the list checks anyway) */
    struct wakeup_queue keep_q = q;
    q.soon_limit = q.late_limit + 1;
    assert_false(wakeup_check(&q));
    q = keep_q;
    q.soon_next = q.soon_limit + 1;
    assert_false(wakeup_check(&q));
    q = keep_q;
    q.late_next = q.late_limit + 1;
    assert_false(wakeup_check(&q));
    q = keep_q;
    assert_true(wakeup_check(&q));

    /* entries on the wrong side of a border (checked in place, then restored) */
    uint64_t keep = a.deadline;
    a.deadline = T0 + WAKEUP_SOON_WINDOW_US;
    assert_false(wakeup_check(&q));
    a.deadline = 0;                                     /* below soon_min */
    assert_false(wakeup_check(&q));
    a.deadline = keep;
    keep = c.deadline;
    c.deadline = T0;
    assert_false(wakeup_check(&q));
    c.deadline = T0 + WAKEUP_LATE_WINDOW_US;
    assert_false(wakeup_check(&q));
    c.deadline = keep;
    keep = d.deadline;
    d.deadline = T0;
    assert_false(wakeup_check(&q));
    d.deadline = keep;
    assert_true(wakeup_check(&q));

    /* wrong tag, broken back link, wrong count, tagged sentinel */
    a.list = WAKEUP_LATE;
    assert_false(wakeup_check(&q));
    a.list = WAKEUP_SOON;
    struct wakeup_node *p = b.prev;
    b.prev = &c;
    assert_false(wakeup_check(&q));
    b.prev = p;
    q.count[WAKEUP_SOON - 1]++;
    assert_false(wakeup_check(&q));
    q.count[WAKEUP_SOON - 1] -= 2;
    assert_false(wakeup_check(&q));
    q.count[WAKEUP_SOON - 1]++;
    q.head[WAKEUP_LATE - 1].list = WAKEUP_LATE;
    assert_false(wakeup_check(&q));
    q.head[WAKEUP_LATE - 1].list = WAKEUP_NONE;
    p = q.head[WAKEUP_LATELATE - 1].prev;
    q.head[WAKEUP_LATELATE - 1].prev = &q.head[WAKEUP_LATELATE - 1];
    assert_false(wakeup_check(&q));
    q.head[WAKEUP_LATELATE - 1].prev = p;
    assert_true(wakeup_check(&q));
    b.next = NULL;                                      /* cut forward link */
    assert_false(wakeup_check(&q));
    b.next = &q.head[WAKEUP_SOON - 1];
    assert_true(wakeup_check(&q));

    /* a due entry later than now */
    struct wakeup_node e = {0};
    wakeup_insert(&q, &e, T0 + 3 * TICK);
    assert_ptr_equal(wakeup_expire(&q, T0 + 3 * TICK), &a);
    assert_true(wakeup_check(&q));
    struct wakeup_node *due = &b;
    assert_int_equal(wakeup_node_class(due), WAKEUP_DUE);
    keep = due->deadline;
    due->deadline = T0 + 4 * TICK;
    assert_false(wakeup_check(&q));
    due->deadline = keep;
    assert_true(wakeup_check(&q));
}

/* ---- randomised model test ------------------------------------------ */

/* xorshift64*: a small deterministic generator. */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static uint64_t rng_below(uint64_t n) { return rng_next() % n; }

#define MODEL_NODES 96

/* The reference: pending nodes as a list sorted by deadline (then index). */
struct model {
    unsigned order[MODEL_NODES];    /* indices of pending nodes, sorted */
    unsigned len;
    uint64_t deadline[MODEL_NODES];
    bool pending[MODEL_NODES];
    unsigned inserted[MODEL_NODES]; /* insertions of each node */
    unsigned expired[MODEL_NODES];  /* times each node came out of wakeup_expire */
};

static void model_insert(struct model *m, unsigned i, uint64_t d)
{
    unsigned pos = m->len;
    while (pos > 0 && m->deadline[m->order[pos - 1]] > d) {
        m->order[pos] = m->order[pos - 1];
        pos--;
    }
    m->order[pos] = i;
    m->len++;
    m->deadline[i] = d;
    m->pending[i] = true;
}

static void model_remove(struct model *m, unsigned i)
{
    unsigned pos = 0;
    while (m->order[pos] != i)
        pos++;
    for (; pos + 1 < m->len; pos++)
        m->order[pos] = m->order[pos + 1];
    m->len--;
    m->pending[i] = false;
}

/* A deadline around `now` drawn from every interesting range. */
static uint64_t random_deadline(uint64_t now)
{
    switch (rng_below(8)) {
    case 0: return now - rng_below(3 * TICK);                       /* past */
    case 1: return now + rng_below(4 * TICK);                       /* imminent */
    case 2: return now + rng_below(WAKEUP_SOON_WINDOW_US + 2 * TICK);
    case 3: return now + rng_below(WAKEUP_LATE_WINDOW_US + 4 * TICK);
    case 4: return now + rng_below(4 * WAKEUP_LATE_WINDOW_US);
    case 5: return now + WAKEUP_SOON_WINDOW_US - 1 + rng_below(3);  /* borders */
    case 6: return now + WAKEUP_LATE_WINDOW_US - 1 + rng_below(3);
    default: return (now - now % TICK) + TICK * rng_below(40);       /* on ticks */
    }
}

/* The time step of one model round: mostly one tick, sometimes odd. */
static uint64_t random_step(void)
{
    switch (rng_below(10)) {
    case 0: return 0;
    case 1: return rng_below(TICK);
    case 2: return rng_below(40 * TICK);
    case 3: return rng_below(2 * WAKEUP_LATE_WINDOW_US);
    default: return TICK;
    }
}

/* Compare queue and model after a step; the seed is printed on failure. */
static void model_compare(struct wakeup_queue *q, struct model *m, struct wakeup_node *nodes,
                          uint64_t now, uint64_t seed, unsigned step)
{
    bool ok = wakeup_check(q) && wakeup_pending(q) == m->len;
    for (unsigned i = 0; i < MODEL_NODES && ok; i++)
        ok = wakeup_queued(&nodes[i]) == m->pending[i] &&
             (!m->pending[i] || nodes[i].deadline == m->deadline[i]) &&
             m->expired[i] <= m->inserted[i];
    uint64_t next = wakeup_next_expiry(q);
    uint64_t first = m->len ? m->deadline[m->order[0]] : UINT64_MAX;
    /* the earliest deadline is reported, unless it is beyond the soon window
     * (then nothing is in soon/due and UINT64_MAX is correct) */
    if (ok)
        ok = next == first || (next == UINT64_MAX && first > now);
    if (ok)
        ok = wakeup_check(q);
    if (!ok)
        fail_msg("model mismatch: seed 0x%llx step %u", (unsigned long long)seed, step);
}

static void run_model(uint64_t seed, unsigned steps)
{
    static struct wakeup_node nodes[MODEL_NODES];
    static struct model m;
    struct wakeup_queue q;
    memset(nodes, 0, sizeof nodes);
    memset(&m, 0, sizeof m);
    rng_state = seed;
    uint64_t now = T0 + rng_below(1u << 20);
    wakeup_init(&q, now);
    for (unsigned step = 0; step < steps; step++) {
        unsigned i = (unsigned)rng_below(MODEL_NODES);
        unsigned op = (unsigned)rng_below(10);
        if (op < 5 && !m.pending[i]) {
            uint64_t d = random_deadline(now);
            wakeup_insert(&q, &nodes[i], d);
            model_insert(&m, i, d);
            m.inserted[i]++;
        } else if (op < 7 && m.pending[i]) {
            wakeup_remove(&q, &nodes[i]);
            model_remove(&m, i);
        } else if (op == 7 && m.pending[i]) {
            uint64_t d = random_deadline(now);
            wakeup_retime(&q, &nodes[i], d);
            model_remove(&m, i);
            model_insert(&m, i, d);
        } else {
            uint64_t dt = random_step();
            now += dt;
            /* sometimes a stale time: it must act as the latest time */
            uint64_t call = dt == 0 && rng_below(2) ? now - rng_below(5 * TICK) : now;
            struct wakeup_node *n;
            while ((n = wakeup_expire(&q, call)) != NULL) {
                unsigned j = (unsigned)(n - nodes);
                if (j >= MODEL_NODES || !m.pending[j] || m.deadline[j] > now)
                    fail_msg("bad expiry of node %u: seed 0x%llx step %u", j,
                             (unsigned long long)seed, step);
                m.expired[j]++;
                model_remove(&m, j);
            }
            /* exactly the nodes with deadline <= now came out */
            if (m.len > 0 && m.deadline[m.order[0]] <= now)
                fail_msg("node missed: seed 0x%llx step %u", (unsigned long long)seed, step);
        }
        model_compare(&q, &m, nodes, now, seed, step);
    }
    /* drain: nothing lost, nothing expired twice */
    now += 1000 * WAKEUP_LATE_WINDOW_US;
    unsigned left = m.len;
    for (struct wakeup_node *n; (n = wakeup_expire(&q, now)) != NULL; left--) {
        unsigned j = (unsigned)(n - nodes);
        if (!m.pending[j])
            fail_msg("node %u expired twice: seed 0x%llx", j, (unsigned long long)seed);
        model_remove(&m, j);
    }
    assert_int_equal(left, 0);
    assert_int_equal(wakeup_pending(&q), 0);
}

static void test_wakeup_expire_random_model(void **state)
{
    (void)state;
    static const uint64_t seeds[] = {0x5eed0001ull, 0xC0FFEEull, 0x123456789ull, 42};
    for (unsigned s = 0; s < ARRAY_SIZE(seeds); s++)
        run_model(seeds[s], 20000);
}

/* ---- timeout_decode --------------------------------------------------- */

static void test_timeout_decode_abi_vectors(void **state)
{
    (void)state;
    uint64_t d = 0;
    assert_int_equal(timeout_decode(0x03E8, 5000, &d), TIMEOUT_AT);     /* 1 ms */
    assert_true(d == 6000);
    assert_int_equal(timeout_decode(0x1271, 5000, &d), TIMEOUT_AT);     /* 10 ms */
    assert_true(d == 15000);
    assert_int_equal(timeout_decode(0x0000, 5000, &d), TIMEOUT_NEVER);
    assert_true(d == UINT64_MAX);
    assert_int_equal(timeout_decode(0x0400, 5000, &d), TIMEOUT_ZERO);
    assert_true(d == 5000);
}

static void test_timeout_decode_every_zero_encoding(void **state)
{
    (void)state;
    for (unsigned e = 1; e < 32; e++) {
        uint64_t d = 1;
        assert_int_equal(timeout_decode((uint16_t)(e << 10), 777, &d), TIMEOUT_ZERO);
        assert_true(d == 777);
    }
}

static void test_timeout_decode_every_exponent(void **state)
{
    (void)state;
    for (unsigned e = 0; e < 32; e++) {
        uint64_t d;
        assert_int_equal(timeout_decode((uint16_t)(e << 10 | 1), 100, &d), TIMEOUT_AT);
        assert_true(d == 100 + (1ull << e));
        assert_int_equal(timeout_decode((uint16_t)(e << 10 | 0x3FF), 100, &d), TIMEOUT_AT);
        assert_true(d == 100 + (1023ull << e));
    }
}

static void test_timeout_decode_period_saturates(void **state)
{
    (void)state;
    uint64_t d;
    assert_int_equal(timeout_decode(0x7FFF, UINT64_MAX - 10, &d), TIMEOUT_AT);
    assert_true(d == UINT64_MAX);
}

/* The absolute point by brute force: the first matching value >= now. */
static uint64_t point_reference(uint16_t tv, uint64_t now)
{
    unsigned e = (tv >> 11) & 0xF;
    uint64_t pattern = tv & 0x7FF;
    uint64_t t = now;
    for (unsigned i = 0; i < 4096; i++) {
        if (((t >> e) & 0x7FF) == pattern)
            return t;
        t = ((t >> e) + 1) << e;            /* next 2^e aligned value */
    }
    return 0;
}

static void test_timeout_decode_absolute_points(void **state)
{
    (void)state;
    uint64_t d;
    /* e = 0, c = 0, m = 5 */
    assert_int_equal(timeout_decode(0x8005, 0, &d), TIMEOUT_AT);
    assert_true(d == 5);
    timeout_decode(0x8005, 5, &d);
    assert_true(d == 5);
    timeout_decode(0x8005, 6, &d);
    assert_true(d == 2048 + 5);
    /* c = 1 */
    timeout_decode(0x8405, 0, &d);
    assert_true(d == 1024 + 5);
    /* e = 3 (granularity 8 µs): now 100 lies in window 12 */
    timeout_decode((uint16_t)(0x8000 | 3 << 11 | 12), 100, &d);
    assert_true(d == 100);
    timeout_decode((uint16_t)(0x8000 | 3 << 11 | 13), 100, &d);
    assert_true(d == 104);
    timeout_decode((uint16_t)(0x8000 | 3 << 11 | 11), 100, &d);
    assert_true(d == (1u << 14) + 88);
    /* high clock bits are kept */
    timeout_decode((uint16_t)(0x8000 | 15 << 11 | 1 << 10 | 7), 0x123400000000ull, &d);
    assert_true(d == (0x123400000000ull | 1ull << 25 | 7ull << 15));
    /* no later match in 64 bits */
    timeout_decode((uint16_t)(0x8000 | 15 << 11), UINT64_MAX - 1, &d);
    assert_true(d == UINT64_MAX);
}

static void test_timeout_decode_absolute_points_random(void **state)
{
    (void)state;
    const uint64_t seed = 0xAB5011A7Eull;
    rng_state = seed;
    for (unsigned i = 0; i < 20000; i++) {
        uint16_t tv = (uint16_t)(0x8000 | rng_below(0x8000));
        uint64_t now = rng_next() >> rng_below(64);
        if (now > UINT64_MAX - (1ull << 28))
            now >>= 1;
        uint64_t d;
        assert_int_equal(timeout_decode(tv, now, &d), TIMEOUT_AT);
        if (d != point_reference(tv, now))
            fail_msg("tv 0x%04x now 0x%llx: seed 0x%llx", tv, (unsigned long long)now,
                     (unsigned long long)seed);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_wakeup_init_empty, setup),
        cmocka_unit_test_setup(test_wakeup_count_invalid_class, setup),
        cmocka_unit_test_setup(test_wakeup_insert_window_borders, setup),
        cmocka_unit_test_setup(test_wakeup_insert_queued_node_panics, setup),
        cmocka_unit_test_setup(test_wakeup_insert_past_deadline_expires_next_tick, setup),
        cmocka_unit_test_setup(test_wakeup_expire_same_time_as_insert, setup),
        cmocka_unit_test_setup(test_wakeup_expire_exact_tick, setup),
        cmocka_unit_test_setup(test_wakeup_expire_several_in_one_tick, setup),
        cmocka_unit_test_setup(test_wakeup_expire_stale_time_is_clamped, setup),
        cmocka_unit_test_setup(test_wakeup_expire_soon_correction_period, setup),
        cmocka_unit_test_setup(test_wakeup_expire_soon_correction_keeps_far_entries, setup),
        cmocka_unit_test_setup(test_wakeup_expire_late_correction_period, setup),
        cmocka_unit_test_setup(test_wakeup_expire_late_correction_border, setup),
        cmocka_unit_test_setup(test_wakeup_expire_clock_jump, setup),
        cmocka_unit_test_setup(test_wakeup_expire_irregular_ticks, setup),
        cmocka_unit_test_setup(test_wakeup_remove_from_each_class, setup),
        cmocka_unit_test_setup(test_wakeup_retime_in_place_or_moved, setup),
        cmocka_unit_test_setup(test_wakeup_retime_window_borders, setup),
        cmocka_unit_test_setup(test_wakeup_remove_unqueued_is_noop, setup),
        cmocka_unit_test_setup(test_wakeup_remove_corrupt_node_panics, setup),
        cmocka_unit_test_setup(test_wakeup_insert_again_after_remove_and_expire, setup),
        cmocka_unit_test_setup(test_wakeup_next_expiry_soon_minimum, setup),
        cmocka_unit_test_setup(test_wakeup_corrections_once_per_period, setup),
        cmocka_unit_test_setup(test_wakeup_soon_min_tracks_the_soon_list, setup),
        cmocka_unit_test_setup(test_wakeup_init_saturates_near_max, setup),
        cmocka_unit_test_setup(test_wakeup_check_detects_corruption, setup),
        cmocka_unit_test_setup(test_wakeup_expire_random_model, setup),
        cmocka_unit_test_setup(test_timeout_decode_abi_vectors, setup),
        cmocka_unit_test_setup(test_timeout_decode_every_zero_encoding, setup),
        cmocka_unit_test_setup(test_timeout_decode_every_exponent, setup),
        cmocka_unit_test_setup(test_timeout_decode_period_saturates, setup),
        cmocka_unit_test_setup(test_timeout_decode_absolute_points, setup),
        cmocka_unit_test_setup(test_timeout_decode_absolute_points_random, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
