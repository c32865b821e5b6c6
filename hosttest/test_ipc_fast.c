/* Host tests of the IPC fast path (ipc_fastpath, core/ipc.h): every bail-out
 * leaves the state untouched, and on many random states the fast path ends
 * byte for byte where ipc_invoke() (the general path) ends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/ipc.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/tcb.h>
#include <core/tid.h>
#include <core/wakeup.h>
#include <mock/hooks.h>
#include <mock/usermem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NT 8u                           /* threads 0..4 in space 0, 5..7 in space 1 */
#define AREA_THREADS 128u
#define AREA_BYTES (AREA_THREADS * TCB_SIZE)
#define NEVER 0x0000u
#define ZERO 0x0400u
#define TO(snd, rcv) (((word_t)(snd) << 16) | (word_t)(rcv))

static void *area;
static struct tcb *th[NT];
static struct tcb *idle;
static struct space spc[2];
static struct wakeup_queue wq;
static word_t utcb_mem[NT][128];

static tid_t gid_of(unsigned i) { return tid_make_global(TID_USER_BASE + 3u + i, 1); }
static word_t loc_of(unsigned i) { return 0x00100000u + i * 512u; }
static tid_t lid_of(unsigned i) { return loc_of(i) + 256u; }
static word_t *U(unsigned i) { return th[i]->utcb; }
static const word_t tag2 = 0x00420002u;   /* label 0x42, u = 2 */

/* ---- the machine: built afresh (same addresses) for every scenario ----- */

/* A fresh machine: NT threads, all ready, priorities `prio[i]`, th[0] running. */
static void machine_reset(const uint8_t *prio)
{
    mock_reset();
    mock_usermem_reset();
    memset(area, 0, AREA_BYTES);
    memset(spc, 0, sizeof(spc));
    memset(utcb_mem, 0, sizeof(utcb_mem));
    memset(&wq, 0, sizeof(wq));
    tcb_area_init(area, AREA_THREADS);
    wakeup_init(&wq, 0);
    ipc_init(&wq);
    assert_int_equal(tcb_create(tid_make_global(100, 1), &spc[0], TID_NIL, &idle), TCB_OK);
    sched_init(idle);
    for (unsigned i = 0; i < NT; i++) {
        assert_int_equal(tcb_create(gid_of(i), &spc[i < 5 ? 0 : 1], TID_NIL, &th[i]), TCB_OK);
        tcb_activate(th[i], loc_of(i), &utcb_mem[i][64]);
        th[i]->prio = prio != NULL ? prio[i] : TCB_DEFAULT_PRIO;
        sched_make_ready(th[i]);
    }
    mock_current = th[0];
}

static int group_setup(void **state)
{
    area = aligned_alloc(TCB_SIZE, AREA_BYTES);
    return area == NULL;
}

static int group_teardown(void **state)
{
    sched_init(NULL);
    tcb_area_init(NULL, 0);
    mock_reset();
    free(area);
    return 0;
}

static int setup(void **state)
{
    machine_reset(NULL);
    return 0;
}

/* Everything an IPC can change, as bytes (the machine sits at fixed addresses). */
struct snapshot {
    unsigned char tcbs[AREA_BYTES];
    word_t utcb[NT][128];
    struct wakeup_queue wq;
    struct tcb *queue_head[SCHED_PRIORITIES];
    uint32_t bitmap[9];
    bool resched;
    struct tcb *current, *switch_from, *switch_to;
    unsigned switch_count;
};

/* Blank the transfer cursor (xfer_offset, xfer_timed, xfer) of the TCB
 * image `t` when no transfer is in progress (xfer_partner NULL): it is dead
 * then, every transfer starts by setting it (xfer_start), and the fast path
 * (which never starts one) leaves it stale. Everything else is compared. */
static void snapshot_blank_idle_xfer(unsigned char *t)
{
    struct tcb *partner;
    memcpy(&partner, t + offsetof(struct tcb, ipc.xfer_partner), sizeof(partner));
    if (partner != NULL)
        return;
    size_t from = offsetof(struct tcb, ipc.xfer_offset);
    size_t to = offsetof(struct tcb, ipc.xfer) + sizeof(struct ipc_xfer);
    memset(t + from, 0, to - from);
}

static void snapshot_take(struct snapshot *s)
{
    memcpy(s->tcbs, area, AREA_BYTES);
    for (unsigned i = 0; i < AREA_THREADS; i++)
        snapshot_blank_idle_xfer(&s->tcbs[i * TCB_SIZE]);
    memcpy(s->utcb, utcb_mem, sizeof(utcb_mem));
    s->wq = wq;
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++)
        s->queue_head[p] = sched_queue_head((uint8_t)p);
    for (unsigned i = 0; i < 9; i++)
        s->bitmap[i] = sched_bitmap_word(i);
    s->resched = sched_resched_pending();
    s->current = mock_current;
    s->switch_from = mock_switch_from;
    s->switch_to = mock_switch_to;
    s->switch_count = mock_switch_count;
}

/* Snapshots are large: static, shared by the tests. */
static struct snapshot snap_a, snap_b, snap_c, snap_d, snap_e;

/* Name the first difference of a and b (NULL: equal). */
static const char *snapshot_diff(const struct snapshot *a, const struct snapshot *b)
{
    for (unsigned i = 0; i < AREA_BYTES; i++) {
        if (a->tcbs[i] != b->tcbs[i]) {
            static char where[96];
            size_t off = i % TCB_SIZE;
            snprintf(where, sizeof(where), "TCB slot %u byte %zu", i / TCB_SIZE, off);
            return where;
        }
    }
    if (memcmp(a->utcb, b->utcb, sizeof(a->utcb)) != 0)
        return "UTCB";
    if (memcmp(&a->wq, &b->wq, sizeof(a->wq)) != 0)
        return "wakeup queue";
    if (memcmp(a->queue_head, b->queue_head, sizeof(a->queue_head)) != 0)
        return "ready queue heads";
    if (memcmp(a->bitmap, b->bitmap, sizeof(a->bitmap)) != 0)
        return "ready bitmap";
    if (a->resched != b->resched)
        return "resched flag";
    if (a->current != b->current || a->switch_count != b->switch_count ||
        a->switch_from != b->switch_from || a->switch_to != b->switch_to)
        return "switches";
    return NULL;
}

/* What the x86 system-call layer does around the IPC of `self`: block until
 * done (here: one dispatch, the host cannot come back), then trap_leave. */
static void syscall_tail(struct tcb *self)
{
    if (ipc_pending(self))
        sched_dispatch();
    if (sched_resched_pending())
        sched_dispatch();
}

/* The general path, as sys_ipc_frame runs it. */
static void run_slow(unsigned c, tid_t to, tid_t from, word_t timeouts, word_t tag)
{
    mock_current = th[c];
    U(c)[0] = tag;
    ipc_invoke(th[c], to, from, timeouts);
    syscall_tail(th[c]);
}

/* After ipc_fastpath() answered true: the kernel's dispatch loop runs only
 * if the fast path did not switch away already (in the kernel the caller
 * comes back only when its IPC is over), then trap_leave. `mid`, if not
 * NULL, receives the state before trap_leave. */
static void fast_tail(struct tcb *self, struct snapshot *mid)
{
    if (ipc_pending(self) && mock_current == self)
        sched_dispatch();
    if (mid != NULL)
        snapshot_take(mid);
    if (sched_resched_pending())
        sched_dispatch();
}

/* The same point of the general path: dispatch after IPC_BLOCKED. */
static void slow_tail(struct tcb *self, struct snapshot *mid)
{
    if (ipc_pending(self))
        sched_dispatch();
    if (mid != NULL)
        snapshot_take(mid);
    if (sched_resched_pending())
        sched_dispatch();
}

/* The fast path (falling back to the general path), as sys_ipc_frame runs it. */
static bool run_fast(unsigned c, tid_t to, tid_t from, word_t timeouts, word_t tag)
{
    mock_current = th[c];
    if (!ipc_fastpath(th[c], to, from, timeouts, tag)) {
        U(c)[0] = tag;
        ipc_invoke(th[c], to, from, timeouts);
        syscall_tail(th[c]);
        return false;
    }
    fast_tail(th[c], NULL);
    return true;
}

/* ---- unit tests: successes ---------------------------------------------- */

static void load(unsigned i, unsigned u, word_t base)
{
    for (unsigned k = 1; k <= u; k++)
        U(i)[k] = base + k;
}

/* Thread r waits for anyone (or for `from`). */
static void wait_for(unsigned r, tid_t from)
{
    mock_current = th[r];
    assert_int_equal(ipc_invoke(th[r], TID_NIL, from, TO(NEVER, NEVER)), IPC_BLOCKED);
}

static void test_ipc_fastpath_call_to_open_receiver(void **state)
{
    wait_for(5, TID_ANY);
    load(0, 3, 0x100);
    mock_current = th[0];
    word_t tag = msgtag_make(0x42, 3, 0, 0);
    assert_true(ipc_fastpath(th[0], gid_of(5), gid_of(5), TO(NEVER, NEVER), tag));
    assert_int_equal(th[5]->state, TS_READY);
    assert_int_equal(ipc_result_tag(th[5]), tag);
    assert_int_equal(ipc_result_from(th[5]), gid_of(0));
    assert_int_equal(U(5)[0], tag);
    for (unsigned k = 1; k <= 3; k++)
        assert_int_equal(U(5)[k], 0x100 + k);
    assert_int_equal(U(5)[4], 0);
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
    assert_ptr_equal(ipc_blocked_on(th[0]), th[5]);
    assert_int_equal(U(0)[0], tag);
    assert_int_equal(mock_switch_count, 1);       /* the caller blocked: FIFO successor runs */
    assert_ptr_equal(mock_current, th[1]);
}

static void test_ipc_fastpath_reply_wait_to_closed_receiver(void **state)
{
    wait_for(5, gid_of(0));                        /* client waits for its reply */
    load(0, 2, 0x7000);
    mock_current = th[0];
    word_t tag = msgtag_make(0x1, 2, 0, 0);
    assert_true(ipc_fastpath(th[0], gid_of(5), TID_ANY, TO(ZERO, NEVER), tag));
    assert_null(ipc_blocked_on(th[5]));
    assert_int_equal(U(5)[2], 0x7002);
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
    assert_null(ipc_blocked_on(th[0]));            /* open receive: in no queue */
}

static void test_ipc_fastpath_send_only_finishes_caller(void **state)
{
    wait_for(1, TID_ANYLOCAL);
    mock_current = th[0];
    word_t tag = msgtag_make(0x9, IPC_FAST_MAX_UNTYPED, 0, 0);
    load(0, IPC_FAST_MAX_UNTYPED, 0x50);
    assert_true(ipc_fastpath(th[0], lid_of(1), TID_NIL, TO(NEVER, ZERO), tag));
    assert_int_equal(th[0]->state, TS_READY);
    assert_int_equal(ipc_result_tag(th[0]), tag);
    assert_int_equal(ipc_result_from(th[0]), TID_NIL);
    assert_int_equal(U(1)[IPC_FAST_MAX_UNTYPED], 0x50 + IPC_FAST_MAX_UNTYPED);
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));   /* local ID for a sender of the same space */
}

/* A send-only caller that is ready but not queued ends queued, as on the
 * general path (sched_make_ready of the finished caller). */
static void test_ipc_fastpath_send_only_requeues_caller(void **state)
{
    wait_for(5, TID_ANY);
    sched_remove(th[0]);
    run_slow(0, gid_of(5), TID_NIL, 0, tag2);
    snapshot_take(&snap_a);
    machine_reset(NULL);
    wait_for(5, TID_ANY);
    sched_remove(th[0]);
    assert_true(run_fast(0, gid_of(5), TID_NIL, 0, tag2));
    snapshot_take(&snap_b);
    assert_null(snapshot_diff(&snap_a, &snap_b));
    assert_true(th[0]->in_ready_queue);
}

/* The benchmark's shape: the caller alone in the ready queue of its
 * priority, the receiver of equal priority waiting (not queued). Variant
 * 1: a blocked thread of higher priority still lazily queued; variant 2:
 * a reschedule pending; variant 3: the receiver halted. */
static void handoff_scene(unsigned variant)
{
    machine_reset(NULL);
    for (unsigned i = 1; i < NT; i++)
        wait_for(i, i == 5 ? TID_ANY : gid_of(i));     /* 5 waits for anyone */
    th[0]->halted = true;                              /* let the dispatcher drop them all */
    mock_current = th[0];
    sched_dispatch();
    assert_int_equal(sched_highest_queued(), -1);
    th[0]->halted = false;
    sched_make_ready(th[0]);
    if (variant == 1) {
        sched_set_priority(th[7], 120);
        ipc_cancel(th[7], true, false);                /* ready: queued at 120 */
        wait_for(7, TID_ANY);                          /* blocked, still queued */
        assert_ptr_equal(sched_queue_head(120), th[7]);
    }
    if (variant == 2)
        sched_set_priority(th[3], TCB_DEFAULT_PRIO);   /* requests a reschedule */
    if (variant == 3)
        th[5]->halted = true;
    if (variant == 4)
        th[5]->quantum_us = 0;
    mock_current = th[0];
    load(0, 2, 0x900);
}

/* Slow and fast path from handoff_scene(variant) end alike; the fast path
 * switched to `expect` by itself. */
static void handoff_compare(unsigned variant, unsigned expect)
{
    handoff_scene(variant);
    mock_current = th[0];
    U(0)[0] = tag2;
    ipc_invoke(th[0], gid_of(5), gid_of(5), 0);
    slow_tail(th[0], &snap_a);
    handoff_scene(variant);
    assert_true(ipc_fastpath(th[0], gid_of(5), gid_of(5), 0, tag2));
    assert_ptr_equal(mock_current, expect == NT ? idle : th[expect]);
    fast_tail(th[0], &snap_b);
    const char *d = snapshot_diff(&snap_a, &snap_b);
    if (d != NULL)
        fail_msg("handoff (variant %u) differs from the general path in %s", variant, d);
}

static void test_ipc_fastpath_handoff_equal_priority(void **state)
{
    handoff_compare(0, 5);
    assert_ptr_equal(sched_queue_head(TCB_DEFAULT_PRIO), th[5]);
    assert_false(th[0]->in_ready_queue);
    assert_true(th[5]->in_ready_queue);
}

static void test_ipc_fastpath_handoff_higher_blocked_queued(void **state)
{
    handoff_compare(1, 5);
    assert_null(sched_queue_head(120));
}

static void test_ipc_fastpath_handoff_resched_pending(void **state)
{
    handoff_compare(2, 5);
    assert_false(sched_resched_pending());
}

static void test_ipc_fastpath_handoff_receiver_halted(void **state)
{
    handoff_compare(3, NT);                            /* nobody runnable: idle */
}

static void test_ipc_fastpath_handoff_receiver_out_of_quantum(void **state)
{
    handoff_compare(4, NT);
}

/* ---- unit tests: every bail-out changes nothing ------------------------- */

/* Expect the fast path to decline the call and leave every byte alone. */
static void expect_decline(unsigned c, tid_t to, tid_t from, word_t timeouts, word_t tag)
{
    mock_current = th[c];
    snapshot_take(&snap_a);
    assert_false(ipc_fastpath(th[c], to, from, timeouts, tag));
    snapshot_take(&snap_b);
    const char *d = snapshot_diff(&snap_a, &snap_b);
    if (d != NULL)
        fail_msg("declined fast path changed %s", d);
}

static void test_ipc_fastpath_declines_typed_words(void **state)
{
    wait_for(5, TID_ANY);
    expect_decline(0, gid_of(5), gid_of(5), 0, msgtag_make(1, 0, 2, 0));
}

/* The longest untyped message (63 words) goes through the fast path whole. */
static void test_ipc_fastpath_delivers_63_untyped(void **state)
{
    wait_for(5, TID_ANY);
    load(0, 63, 0x700);
    assert_true(ipc_fastpath(th[0], gid_of(5), TID_NIL, 0, msgtag_make(1, 63, 0, 0)));
    for (unsigned k = 1; k <= 63; k++)
        assert_int_equal(U(5)[k], 0x700 + k);
    assert_int_equal(U(5)[0], msgtag_make(1, 63, 0, 0));
    assert_int_equal(ipc_result_from(th[5]), gid_of(0));   /* other space: global ID */
}

static void test_ipc_fastpath_declines_flags(void **state)
{
    wait_for(5, TID_ANY);
    expect_decline(0, gid_of(5), gid_of(5), 0, msgtag_make(1, 1, 0, MSG_TAG_P));
    expect_decline(0, gid_of(5), gid_of(5), 0, msgtag_make(1, 1, 0, MSG_TAG_E));
}

static void test_ipc_fastpath_declines_redirected_space(void **state)
{
    wait_for(5, TID_ANY);
    struct space *sp = th[0]->space;
    tid_t old = sp->redirector;
    sp->redirector = gid_of(5);                    /* any redirector: general path decides */
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    sp->redirector = TID_ANY;                      /* anythread: no redirection, fast again */
    assert_true(ipc_fastpath(th[0], gid_of(5), gid_of(5), 0, tag2));
    sp->redirector = old;
}

static void test_ipc_fastpath_declines_caller_without_utcb(void **state)
{
    wait_for(5, TID_ANY);
    word_t *u = th[0]->utcb;
    th[0]->utcb = NULL;
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    th[0]->utcb = u;
}

static void test_ipc_fastpath_declines_pending_caller(void **state)
{
    wait_for(5, TID_ANY);
    th[0]->state = TS_SEND_WAIT;                   /* (cannot happen from a system call) */
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    th[0]->state = TS_READY;
}

static void test_ipc_fastpath_declines_nested_caller(void **state)
{
    wait_for(5, TID_ANY);
    th[0]->ipc.saved.valid = true;
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    th[0]->ipc.saved.valid = false;
}

static void test_ipc_fastpath_declines_caller_timer_armed(void **state)
{
    wait_for(5, TID_ANY);
    wakeup_insert(&wq, &th[0]->wakeup, 500);
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
}

static void test_ipc_fastpath_declines_caller_queued(void **state)
{
    wait_for(5, TID_ANY);
    struct ipc_queue q = { NULL, NULL };
    th[0]->ipc.q_on = &q;                          /* (cannot happen from a system call) */
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    th[0]->ipc.q_on = NULL;
}

static void test_ipc_fastpath_declines_other_receive_spec(void **state)
{
    wait_for(5, TID_ANY);
    expect_decline(0, gid_of(5), gid_of(6), 0, tag2);     /* closed on a third thread */
    expect_decline(0, gid_of(5), lid_of(1), 0, tag2);     /* local ID, not the destination */
}

static void test_ipc_fastpath_declines_receive_timeout(void **state)
{
    wait_for(5, TID_ANY);
    expect_decline(0, gid_of(5), gid_of(5), TO(NEVER, ZERO), tag2);
    expect_decline(0, gid_of(5), TID_ANY, TO(NEVER, 0x0010u), tag2);
}

static void test_ipc_fastpath_declines_queued_sender(void **state)
{
    mock_current = th[2];
    assert_int_equal(ipc_invoke(th[2], gid_of(0), TID_NIL, TO(NEVER, NEVER)), IPC_BLOCKED);
    wait_for(5, TID_ANY);
    expect_decline(0, gid_of(5), TID_ANY, 0, tag2);
}

static void test_ipc_fastpath_declines_no_destination(void **state)
{
    wait_for(5, TID_ANY);
    expect_decline(0, TID_NIL, TID_ANY, 0, tag2);
    expect_decline(0, TID_ANY, TID_NIL, 0, tag2);
    expect_decline(0, TID_ANYLOCAL, TID_NIL, 0, tag2);
    expect_decline(0, tid_make_global(TID_USER_BASE + 3u + 5u, 2), TID_NIL, 0, tag2);
    expect_decline(0, tid_make_global(90, 1), TID_NIL, 0, tag2);
    expect_decline(0, lid_of(5), TID_NIL, 0, tag2);        /* local ID of another space */
}

static void test_ipc_fastpath_declines_receiver_not_waiting(void **state)
{
    expect_decline(0, gid_of(5), TID_NIL, 0, tag2);        /* ready */
    mock_current = th[5];
    assert_int_equal(ipc_invoke(th[5], gid_of(6), TID_NIL, TO(NEVER, NEVER)), IPC_BLOCKED);
    expect_decline(0, gid_of(5), TID_NIL, 0, tag2);        /* sending */
    th[6]->state = TS_DEAD;
    expect_decline(0, gid_of(6), TID_NIL, 0, tag2);        /* dead */
}

static void test_ipc_fastpath_declines_nested_receiver(void **state)
{
    wait_for(5, TID_ANY);
    th[5]->ipc.saved.valid = true;
    expect_decline(0, gid_of(5), TID_NIL, 0, tag2);
    th[5]->ipc.saved.valid = false;
}

static void test_ipc_fastpath_declines_receiver_timer_armed(void **state)
{
    mock_current = th[5];
    assert_int_equal(ipc_invoke(th[5], TID_NIL, TID_ANY, TO(NEVER, 0x0010u)), IPC_BLOCKED);
    expect_decline(0, gid_of(5), TID_NIL, 0, tag2);
}

static void test_ipc_fastpath_declines_receiver_not_accepting(void **state)
{
    wait_for(5, gid_of(1));                        /* closed on another thread */
    expect_decline(0, gid_of(5), TID_NIL, 0, tag2);
    wait_for(6, TID_ANYLOCAL);                     /* anylocal, caller of another space */
    expect_decline(0, gid_of(6), TID_NIL, 0, tag2);
}

/* ---- randomised equivalence with the general path ------------------------- */

static uint32_t rng;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static unsigned pick(unsigned n) { return rnd() % n; }

/* A thread ID as a caller might name one: mostly existing threads. */
static tid_t random_id(unsigned c)
{
    unsigned k = pick(16);
    unsigned i = pick(NT);
    if (k < 9)
        return gid_of(i);
    if (k < 11)
        return (c < 5) == (i < 5) ? lid_of(i) : gid_of(i);
    if (k == 11)
        return TID_ANY;
    if (k == 12)
        return TID_ANYLOCAL;
    if (k == 13)
        return TID_NIL;
    if (k == 14)
        return lid_of(i);
    return tid_make_global(TID_USER_BASE + 3u + i, 2);
}

static uint16_t random_timeout(void)
{
    static const uint16_t tv[] = { NEVER, NEVER, NEVER, ZERO, 0x0010u, 0x0800u };
    return tv[pick(6)];
}

static word_t random_tag(void)
{
    unsigned k = pick(10);
    unsigned u = k < 8 ? pick(IPC_FAST_MAX_UNTYPED + 1) : pick(20);
    word_t flags = pick(8) == 0 ? (word_t)(MSG_TAG_P << pick(4)) : 0;
    return msgtag_make(pick(0x10000), u, 0, flags);
}

/* Caller `c` makes a random IPC (used to build random blocked states). */
static void random_prelude_ipc(unsigned c)
{
    for (unsigned k = 1; k < 20; k++)
        U(c)[k] = rnd();
    tid_t to = pick(3) == 0 ? TID_NIL : random_id(c);
    tid_t from = pick(3) == 0 ? TID_NIL : random_id(c);
    word_t t = TO(random_timeout(), random_timeout());
    word_t tag = random_tag();
    mock_current = th[c];
    U(c)[0] = tag;
    ipc_invoke(th[c], to, from, t);
}

/* Build the random scenario of `seed`; returns the call to make. */
struct call { unsigned c; tid_t to, from; word_t timeouts, tag; };

static bool scenario_build(uint32_t seed, struct call *out)
{
    uint8_t prio[NT];
    rng = seed | 1u;
    bool equal = pick(2) == 0;
    for (unsigned i = 0; i < NT; i++)
        prio[i] = (uint8_t)(equal ? 100u : 98u + pick(5));
    machine_reset(prio);
    unsigned steps = pick(16);
    for (unsigned s = 0; s < steps; s++) {
        unsigned c = pick(NT);
        if (ipc_pending(th[c]))
            continue;
        switch (pick(9)) {
        case 0:
            mock_time_us += pick(3000);
            ipc_expire(mock_time_us);
            break;
        case 1:
            mock_current = th[c];
            sched_dispatch();
            break;
        case 2:
            th[c]->halted = pick(4) == 0;
            break;
        case 3:
        case 4:
        case 5:                                    /* wait, mostly without a timer */
            mock_current = th[c];
            ipc_invoke(th[c], TID_NIL, pick(2) ? TID_ANY : random_id(c),
                       TO(NEVER, pick(4) == 0 ? random_timeout() : NEVER));
            break;
        default:
            random_prelude_ipc(c);
            break;
        }
    }
    unsigned c = pick(NT);
    if (ipc_pending(th[c]))
        return false;
    if (pick(2) == 0) {                            /* the dispatcher drops blocked heads */
        mock_current = th[c];
        sched_dispatch();
        mock_current = th[c];
    }
    /* bias the destination towards waiting receivers */
    unsigned r = pick(NT);
    for (unsigned k = 0; k < NT && th[r]->state != TS_RECV_WAIT; k++)
        r = (r + 1) % NT;
    out->c = c;
    out->to = pick(4) != 0 ? ((c < 5) == (r < 5) && pick(3) == 0 ? lid_of(r) : gid_of(r))
                           : random_id(c);
    unsigned fk = pick(6);
    out->from = fk == 0 ? TID_NIL : fk == 1 ? TID_ANY : fk == 2 ? TID_ANYLOCAL
              : fk == 3 ? random_id(c) : out->to;
    out->timeouts = TO(random_timeout(), pick(3) == 0 ? random_timeout() : NEVER);
    out->tag = random_tag();
    for (unsigned k = 1; k < 64; k++)
        U(c)[k] = rnd();
    unsigned u = msgtag_untyped(out->tag);
    if (pick(8) == 0 && u + 2u <= MSG_MAX_WORDS) {  /* a typed item: a map item of a nil fpage */
        out->tag |= msgtag_make(0, 0, 2, 0);
        U(c)[u + 1] = 0x8u;
        U(c)[u + 2] = 0;
    }
    for (unsigned i = 0; i < NT; i++)
        U(i)[utcb_br_index(0)] = pick(2);
    mock_current = th[c];
    return true;
}

static void test_ipc_fastpath_random_equals_slow_path(void **state)
{
    const uint32_t base = 0x5eed1234u;
    const unsigned trials = 20000;
    unsigned fast = 0, declined = 0, skipped = 0;
    struct snapshot *slow_end = &snap_a, *fast_end = &snap_b, *before = &snap_c;
    struct snapshot *slow_mid = &snap_d, *fast_mid = &snap_e;
    printf("ipc_fastpath random test: base seed 0x%08x, %u trials\n", base, trials);
    for (unsigned n = 0; n < trials; n++) {
        uint32_t seed = base + n * 2654435761u;
        struct call k;
        if (!scenario_build(seed, &k)) {
            skipped++;
            continue;
        }
        U(k.c)[0] = k.tag;
        ipc_invoke(th[k.c], k.to, k.from, k.timeouts);
        slow_tail(th[k.c], slow_mid);
        snapshot_take(slow_end);
        assert_true(scenario_build(seed, &k));
        snapshot_take(before);
        bool took = ipc_fastpath(th[k.c], k.to, k.from, k.timeouts, k.tag);
        if (took) {
            fast++;
            fast_tail(th[k.c], fast_mid);
            const char *m = snapshot_diff(slow_mid, fast_mid);
            if (m != NULL)
                fail_msg("seed 0x%08x: after the dispatch, %s differs", seed, m);
        } else {
            declined++;
            snapshot_take(fast_end);
            const char *d = snapshot_diff(before, fast_end);
            if (d != NULL)
                fail_msg("seed 0x%08x: declined fast path changed %s", seed, d);
            U(k.c)[0] = k.tag;
            ipc_invoke(th[k.c], k.to, k.from, k.timeouts);
            slow_tail(th[k.c], NULL);
        }
        snapshot_take(fast_end);
        const char *d = snapshot_diff(slow_end, fast_end);
        if (d != NULL)
            fail_msg("seed 0x%08x (fast path %s): %s differs", seed, took ? "taken" : "declined", d);
    }
    printf("ipc_fastpath random test: %u fast, %u declined, %u skipped\n", fast, declined, skipped);
    assert_true(fast >= trials / 10);              /* the test exercises the fast path */
    assert_true(declined >= trials / 10);
}

/* The comparison itself can fail: a deliberately different end state is caught. */
static void test_ipc_fastpath_random_comparison_detects_difference(void **state)
{
    struct snapshot *a = &snap_a, *b = &snap_b;
    wait_for(5, TID_ANY);
    snapshot_take(a);
    run_fast(0, gid_of(5), TID_NIL, 0, tag2);
    snapshot_take(b);
    assert_non_null(snapshot_diff(a, b));
    machine_reset(NULL);
    wait_for(5, TID_ANY);
    run_slow(0, gid_of(5), TID_NIL, 0, tag2);
    snapshot_take(a);
    machine_reset(NULL);
    wait_for(5, TID_ANY);
    assert_true(run_fast(0, gid_of(5), TID_NIL, 0, tag2));
    snapshot_take(b);
    assert_null(snapshot_diff(a, b));
    U(5)[1] ^= 1;
    snapshot_take(b);
    assert_string_equal(snapshot_diff(a, b), "UTCB");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
    const struct CMUnitTest tests[] = {
        T(test_ipc_fastpath_call_to_open_receiver),
        T(test_ipc_fastpath_reply_wait_to_closed_receiver),
        T(test_ipc_fastpath_send_only_finishes_caller),
        T(test_ipc_fastpath_send_only_requeues_caller),
        T(test_ipc_fastpath_handoff_equal_priority),
        T(test_ipc_fastpath_handoff_higher_blocked_queued),
        T(test_ipc_fastpath_handoff_resched_pending),
        T(test_ipc_fastpath_handoff_receiver_halted),
        T(test_ipc_fastpath_handoff_receiver_out_of_quantum),
        T(test_ipc_fastpath_declines_typed_words),
        T(test_ipc_fastpath_delivers_63_untyped),
        T(test_ipc_fastpath_declines_flags),
        T(test_ipc_fastpath_declines_redirected_space),
        T(test_ipc_fastpath_declines_caller_without_utcb),
        T(test_ipc_fastpath_declines_pending_caller),
        T(test_ipc_fastpath_declines_nested_caller),
        T(test_ipc_fastpath_declines_caller_timer_armed),
        T(test_ipc_fastpath_declines_caller_queued),
        T(test_ipc_fastpath_declines_other_receive_spec),
        T(test_ipc_fastpath_declines_receive_timeout),
        T(test_ipc_fastpath_declines_queued_sender),
        T(test_ipc_fastpath_declines_no_destination),
        T(test_ipc_fastpath_declines_receiver_not_waiting),
        T(test_ipc_fastpath_declines_nested_receiver),
        T(test_ipc_fastpath_declines_receiver_timer_armed),
        T(test_ipc_fastpath_declines_receiver_not_accepting),
        T(test_ipc_fastpath_random_equals_slow_path),
        T(test_ipc_fastpath_random_comparison_detects_difference),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
