/* Host tests of the IPC fast path (ipc_fastpath, core/ipc.h): every bail-out
 * leaves the state untouched, and on many random states the fast path ends
 * byte for byte where ipc_invoke() (the general path) ends. The random
 * states and calls include typed items (map, grant, strings, with page
 * faults and pagers), propagation, every flag, finite timeouts, redirectors,
 * senders queued on the caller and receivers in nested pagefault IPC, one
 * stratum each (enum feature); the comparison covers every TCB byte
 * (transfer cursors while a transfer runs), UTCBs, user memory, copies and
 * map requests, timers and the scheduler. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ipc_fixture.h"
#include <core/fpage.h>

#include <stdio.h>

static const word_t tag2 = 0x00420002u;   /* label 0x42, u = 2 */

/* ---- the machine (ipc_fixture.h): built afresh (same addresses) for every scenario */

/* A fresh machine with priorities `prio` (NULL: the default); the test
 * fails if it cannot be built. */
static void machine_reset(const uint8_t *prio)
{
    assert_true(ipc_machine_reset(prio));
}

static int group_setup(void **state)
{
    area = aligned_alloc(TCB_SIZE, AREA_BYTES);
    return area == NULL;
}

static int group_teardown(void **state)
{
    ipc_machine_free();
    return 0;
}

static int setup(void **state)
{
    machine_reset(NULL);
    return 0;
}

/* The user pages a random scenario uses in each space: string sources at
 * SRC_VA, receive buffers at DST_VA (two pages each). */
#define SRC_VA 0x00200000u
#define DST_VA 0x00300000u
#define USER_PAGES 4u

static word_t user_page_va(unsigned k)
{
    return (k < 2 ? SRC_VA : DST_VA) + (k % 2u) * MOCK_PAGE_SIZE;
}

/* Everything an IPC can change, as bytes (the machine sits at fixed addresses). */
struct snapshot {
    unsigned char tcbs[AREA_BYTES];
    word_t utcb[NT][128];
    struct wakeup_queue wq;
    struct tcb *queue_head[SCHED_PRIORITIES];
    uint32_t bitmap[9];
    word_t top;
    bool resched;
    struct tcb *current, *switch_from, *switch_to;
    unsigned switch_count;
    /* long IPC: the string pages of both spaces and the mapping requests */
    bool page_present[2][USER_PAGES];
    unsigned char page[2][USER_PAGES][MOCK_PAGE_SIZE];
    unsigned copy_calls, fpage_count;
    struct mock_fpage_call fpage_calls[MOCK_FPAGE_CALLS];
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

/* Blank the dead result fields of the TCB image `t`: result_from while
 * its IPC is pending (set when it completes), IntendedReceiver and the
 * Timeouts word outside a send phase (ipc_start sets both for the next
 * IPC; the fast path, whose sends are never redirected and never wait,
 * leaves them: the receive timeout is read once, when the receive phase
 * starts, which for the fast path's caller is at once and with Never);
 * and the two hints, caches of the fast path's, which any slot may fill
 * (the random states draw them, the fast path checks them). */
static void snapshot_blank_dead_results(unsigned char *t)
{
    struct tcb img;
    memcpy(&img, t, sizeof(img));
    uint8_t outer = img.ipc_nested ? img.ipc.saved.state : img.state;
    if (ipc_pending(&img))
        img.ipc.result_from = 0;
    if (outer != TS_SEND_WAIT && outer != TS_SENDING) {
        img.ipc.intended = 0;
        img.ipc.timeouts = 0;
    }
    img.local_hint = NULL;
    img.global_hint = NULL;
    memcpy(t, &img, sizeof(img));
}

/* `c` with its padding zeroed (the kernel copies cursors from stack
 * locals whose padding holds whatever the stack held). */
static struct msg_cursor cursor_canonical(const struct msg_cursor *c)
{
    struct msg_cursor n;
    memset(&n, 0, sizeof(n));
    n.s.w = c->s.w;
    n.s.step = c->s.step;
    n.s.count = c->s.count;
    n.item = c->item;
    n.end = c->end;
    n.sub = c->sub;
    n.off = c->off;
    return n;
}

/* Zero the padding of the struct ipc_xfer at byte `off` of the TCB image
 * `t`; every field is kept. */
static void snapshot_canonical_xfer(unsigned char *t, size_t off)
{
    struct ipc_xfer x, n;
    memcpy(&x, t + off, sizeof(x));
    memset(&n, 0, sizeof(n));
    n.item = x.item;
    n.in_string = x.in_string;
    n.have_buffer = x.have_buffer;
    n.owner_is_sender = x.owner_is_sender;
    n.buf = x.buf;
    n.src = cursor_canonical(&x.src);
    n.dst = cursor_canonical(&x.dst);
    memcpy(t + off, &n, sizeof(n));
}

static void snapshot_take(struct snapshot *s)
{
    memcpy(s->tcbs, area, AREA_BYTES);
    for (unsigned i = 0; i < AREA_THREADS; i++) {
        unsigned char *t = &s->tcbs[i * TCB_SIZE];
        snapshot_blank_idle_xfer(t);
        snapshot_blank_dead_results(t);
        snapshot_canonical_xfer(t, offsetof(struct tcb, ipc.xfer));
        snapshot_canonical_xfer(t, offsetof(struct tcb, ipc.saved.xfer));
    }
    memcpy(s->utcb, utcb_mem, sizeof(utcb_mem));
    s->wq = wq;
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++)
        s->queue_head[p] = sched_queue_head((uint8_t)p);
    for (unsigned i = 0; i < 9; i++)
        s->bitmap[i] = sched_bitmap_word(i);
    s->top = sched_state.top;
    s->resched = sched_resched_pending();
    s->current = mock_current;
    s->switch_from = mock_switch_from;
    s->switch_to = mock_switch_to;
    s->switch_count = mock_switch_count;
    for (unsigned sp = 0; sp < 2; sp++) {
        for (unsigned k = 0; k < USER_PAGES; k++) {
            s->page_present[sp][k] = mock_usermem_read(&spc[sp], user_page_va(k), s->page[sp][k],
                                                       MOCK_PAGE_SIZE);
            if (!s->page_present[sp][k])
                memset(s->page[sp][k], 0, MOCK_PAGE_SIZE);
        }
    }
    s->copy_calls = mock_copy_calls;
    s->fpage_count = mock_fpage_count;
    memset(s->fpage_calls, 0, sizeof(s->fpage_calls));   /* field by field: no padding */
    for (unsigned i = 0; i < MOCK_FPAGE_CALLS; i++) {
        const struct mock_fpage_call *c = &mock_fpage_calls[i];
        struct mock_fpage_call *d = &s->fpage_calls[i];
        d->from = c->from;
        d->to = c->to;
        d->p.src_base = c->p.src_base;
        d->p.dst_base = c->p.dst_base;
        d->p.log2 = c->p.log2;
        d->p.io = c->p.io;
        d->rights = c->rights;
        d->grant = c->grant;
    }
}

/* The TCB image in `s` of the live thread `t` (copied out / back). */
static void snap_get(const struct snapshot *s, const struct tcb *t, struct tcb *out)
{
    memcpy(out, s->tcbs + ((const unsigned char *)t - (const unsigned char *)area), sizeof(*out));
}

static void snap_put(struct snapshot *s, const struct tcb *t, const struct tcb *in)
{
    memcpy(s->tcbs + ((const unsigned char *)t - (const unsigned char *)area), in, sizeof(*in));
}

/* Rewrite the ready queues of `s` as if the dispatcher had dropped every
 * thread that cannot run: lazy dispatching leaves blocked threads queued
 * (the fast path's hand-off leaves its caller behind the receiver, the
 * general path drops it), which the scheduler cannot tell from the dropped
 * state; the runnable threads and their order are kept as they are. */
static void snapshot_drop_blocked(struct snapshot *s)
{
    for (unsigned i = 0; i < 9; i++)
        s->bitmap[i] = 0;
    s->top = 0;
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++) {
        struct tcb *keep[AREA_THREADS], *h = s->queue_head[p], *t = h, img;
        unsigned n = 0, steps = 0;
        while (t != NULL && steps++ < AREA_THREADS) {
            snap_get(s, t, &img);
            struct tcb *next = img.ready_next;
            if (img.state == TS_READY && !img.halted && img.quantum_us != 0) {
                keep[n++] = t;
            } else {
                img.ready_next = img.ready_prev = NULL;
                img.in_ready_queue = false;
                snap_put(s, t, &img);
            }
            t = next == h ? NULL : next;
        }
        for (unsigned k = 0; k < n; k++) {
            snap_get(s, keep[k], &img);
            img.ready_next = keep[(k + 1) % n];
            img.ready_prev = keep[(k + n - 1) % n];
            snap_put(s, keep[k], &img);
        }
        s->queue_head[p] = n != 0 ? keep[0] : NULL;
        if (n != 0) {
            s->bitmap[p >> 5] |= 1u << (p & 31u);
            s->bitmap[8] |= 1u << (p >> 5);
            s->top = p;
        }
    }
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
    if (a->top != b->top)
        return "highest ready priority";
    if (a->resched != b->resched)
        return "resched flag";
    if (a->current != b->current || a->switch_count != b->switch_count ||
        a->switch_from != b->switch_from || a->switch_to != b->switch_to)
        return "switches";
    if (memcmp(a->page_present, b->page_present, sizeof(a->page_present)) != 0 ||
        memcmp(a->page, b->page, sizeof(a->page)) != 0)
        return "user memory";
    if (a->copy_calls != b->copy_calls)
        return "user copies";
    if (a->fpage_count != b->fpage_count ||
        memcmp(a->fpage_calls, b->fpage_calls, sizeof(a->fpage_calls)) != 0)
        return "map/grant requests";
    return NULL;
}

/* The state after an IPC, before the kernel exit's dispatch, without the
 * reschedule request: the general path's dispatch clears one the scene
 * left, the fast path's hand-off leaves it (sched_handoff_direct: none is
 * due then, and the kernel never enters from user mode with one pending);
 * the exit's dispatch consumes it, and the end states compare the flag. */
static void snapshot_take_mid(struct snapshot *s)
{
    snapshot_take(s);
    s->resched = false;
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
        snapshot_take_mid(mid);
    if (sched_resched_pending())
        sched_dispatch();
}

/* The same point of the general path: dispatch after IPC_BLOCKED. */
static void slow_tail(struct tcb *self, struct snapshot *mid)
{
    if (ipc_pending(self))
        sched_dispatch();
    if (mid != NULL)
        snapshot_take_mid(mid);
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
    U(0)[4] = 0xDEAD;                              /* beyond the message: not copied */
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

/* Closed receives around a call in both shapes (there are no wait
 * queues: each closed receiver only names its partner): the receiver
 * waiting for the caller alone or beside other closed waiters, and the
 * caller's closed receive on a thread others wait for too.
 * Scene `v`: threads 1 (and with v & 1 also 2) wait closed for 0; with
 * v & 2 thread 3 waits closed for 1. Then 0 calls 1 (closed on 1). Slow and
 * fast path end alike; the fast path took the call. */
static void closed_scene(unsigned v)
{
    machine_reset(NULL);
    if (v & 1u)
        wait_for(2, gid_of(0));
    wait_for(1, gid_of(0));
    if (v & 4u)
        wait_for(4, gid_of(0));                   /* behind 1 */
    if (v & 2u) {
        assert_int_equal(th[3]->state, TS_READY);
        wait_for(3, gid_of(1));
    }
    load(0, 2, 0x3300);
    mock_current = th[0];
}

static void closed_compare(unsigned v)
{
    word_t tag = msgtag_make(0x33, 2, 0, 0);
    closed_scene(v);
    U(0)[0] = tag;
    ipc_invoke(th[0], gid_of(1), gid_of(1), 0);
    slow_tail(th[0], &snap_a);
    closed_scene(v);
    assert_true(ipc_fastpath(th[0], gid_of(1), gid_of(1), 0, tag));
    fast_tail(th[0], &snap_b);
    snapshot_drop_blocked(&snap_a);
    snapshot_drop_blocked(&snap_b);
    const char *d = snapshot_diff(&snap_a, &snap_b);
    if (d != NULL)
        fail_msg("closed-receive scene %u differs from the general path in %s", v, d);
    assert_ptr_equal(ipc_blocked_on(th[0]), th[1]);
    assert_null(ipc_blocked_on(th[1]));
    if (v & 1u)
        assert_ptr_equal(ipc_blocked_on(th[2]), th[0]);
    if (v & 4u)
        assert_ptr_equal(ipc_blocked_on(th[4]), th[0]);
    if (v & 2u)
        assert_ptr_equal(ipc_blocked_on(th[3]), th[1]);
}

static void test_ipc_fastpath_closed_receivers_around(void **state)
{
    (void)state;
    for (unsigned v = 0; v < 8; v++)
        closed_compare(v);
}

static void test_ipc_fastpath_send_only_finishes_caller(void **state)
{
    wait_for(1, TID_ANYLOCAL);
    mock_current = th[0];
    word_t tag = msgtag_make(0x9, IPC_FAST_MAX_UNTYPED, 0, 0);
    load(0, IPC_FAST_MAX_UNTYPED, 0x50);
    th[0]->ipc.result_from = gid_of(3);            /* left from an earlier receive */
    assert_true(ipc_fastpath(th[0], lid_of(1), TID_NIL, TO(NEVER, NEVER), tag));
    assert_int_equal(th[0]->state, TS_READY);
    assert_int_equal(ipc_result_tag(th[0]), tag);
    assert_int_equal(ipc_result_from(th[0]), TID_NIL);
    assert_int_equal(U(1)[IPC_FAST_MAX_UNTYPED], 0x50 + IPC_FAST_MAX_UNTYPED);
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));   /* local ID for a sender of the same space */
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
    if (variant == 4) {
        th[5]->quantum_us = 0;
        th[5]->quantum_out = true;
    }
    if (variant == 5) {                                /* a ready equal behind the caller */
        ipc_cancel(th[6], true, false);
        assert_true(th[6]->in_ready_queue);
    }
    if (variant == 6)                                  /* the receiver below the caller */
        sched_set_priority(th[5], 90);
    if (variant == 7) {                                /* a ready thread below the caller */
        sched_set_priority(th[6], 90);
        ipc_cancel(th[6], true, false);
        assert_ptr_equal(sched_queue_head(90), th[6]);
    }
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
    snapshot_drop_blocked(&snap_a);
    snapshot_drop_blocked(&snap_b);
    const char *d = snapshot_diff(&snap_a, &snap_b);
    if (d != NULL)
        fail_msg("handoff (variant %u) differs from the general path in %s", variant, d);
}

/* handoff_scene(0) with the receiver in the caller's space: 1 waits for
 * anyone, blocked but still queued right behind the caller. */
static void intra_handoff_scene(void)
{
    handoff_scene(0);
    ipc_cancel(th[1], true, false);
    wait_for(1, TID_ANY);
    assert_ptr_equal(th[0]->ready_next, th[1]);
    mock_current = th[0];
}

/* A call within a space is handed off directly too: the fast path's own
 * switch (the intra-space one) runs the receiver, and both paths end alike. */
static void test_ipc_fastpath_handoff_within_space(void **state)
{
    (void)state;
    intra_handoff_scene();
    U(0)[0] = tag2;
    ipc_invoke(th[0], lid_of(1), lid_of(1), 0);
    slow_tail(th[0], &snap_a);
    intra_handoff_scene();
    unsigned switches = mock_switch_count;
    assert_true(ipc_fastpath(th[0], lid_of(1), lid_of(1), 0, tag2));
    assert_ptr_equal(mock_current, th[1]);
    assert_int_equal(mock_switch_count, switches + 1);
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));
    fast_tail(th[0], &snap_b);
    snapshot_drop_blocked(&snap_a);
    snapshot_drop_blocked(&snap_b);
    assert_null(snapshot_diff(&snap_a, &snap_b));
}

static void test_ipc_fastpath_handoff_equal_priority(void **state)
{
    handoff_compare(0, 5);
    /* the receiver heads the queue, the blocked caller stays behind it */
    assert_ptr_equal(sched_queue_head(TCB_DEFAULT_PRIO), th[5]);
    assert_true(th[0]->in_ready_queue && th[5]->in_ready_queue);
    assert_ptr_equal(th[5]->ready_next, th[0]);
    assert_ptr_equal(th[0]->ready_next, th[5]);
    /* the reply: back to 0, which kept its place; 5 stays queued, blocked */
    load(5, 1, 0x950);
    assert_true(ipc_fastpath(th[5], gid_of(0), gid_of(0), 0, msgtag_make(0x95, 1, 0, 0)));
    assert_ptr_equal(mock_current, th[0]);
    assert_ptr_equal(sched_queue_head(TCB_DEFAULT_PRIO), th[0]);
    assert_true(th[5]->in_ready_queue);
    assert_int_equal(th[5]->state, TS_RECV_WAIT);
    assert_int_equal(U(0)[1], 0x951);
    /* the dispatcher drops 5 when it meets it */
    sched_yield_slice();
    assert_ptr_equal(mock_current, th[0]);
    assert_false(th[5]->in_ready_queue);
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


/* Not the hand-off's case: the general path decides (the ready equal runs
 * first; the receiver of lower priority waits behind nobody; a ready
 * thread of lower priority leaves the hand-off direct). */
static void test_ipc_fastpath_handoff_not_alone(void **state)
{
    handoff_compare(5, 6);
    handoff_compare(6, 5);
    handoff_compare(7, 5);
    assert_ptr_equal(sched_queue_head(90), th[6]);
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

/* A send-only caller that is ready but not queued (no thread running in
 * user mode is) takes the general path, which queues it (sched_make_ready
 * of the finished caller): the fast path only sets the state of one that
 * is queued. */
static void test_ipc_fastpath_send_only_declines_unqueued_caller(void **state)
{
    wait_for(5, TID_ANY);
    sched_remove(th[0]);
    expect_decline(0, gid_of(5), TID_NIL, 0, tag2);
    run_slow(0, gid_of(5), TID_NIL, 0, tag2);
    assert_true(th[0]->in_ready_queue);
    assert_int_equal(th[5]->state, TS_READY);
    /* queued again, it goes fast */
    wait_for(5, TID_ANY);
    mock_current = th[0];
    assert_true(ipc_fastpath(th[0], gid_of(5), TID_NIL, 0, tag2));
}

/* th[0] sends `tag` to `to`, th[r]'s ID, with no receive phase: the fast
 * path takes it, and th[r] is ready. */
static void expect_fast_send(unsigned r, tid_t to, word_t tag)
{
    mock_current = th[0];
    assert_true(ipc_fastpath(th[0], to, TID_NIL, TO(NEVER, NEVER), tag));
    assert_int_equal(th[r]->state, TS_READY);
}

/* The local-ID hint (tcb.h): the thread a caller last sent to by a local
 * ID. The first send finds the receiver in the table and makes it the
 * hint; a hint that cannot take the message declines, the hint kept; a
 * hint naming another thread of the space is passed over for the table's
 * answer; an ID of another space's thread finds nobody (its thread is
 * never a hint of this space's threads: tcb.h). */
static void test_ipc_fastpath_local_hint(void **state)
{
    (void)state;
    word_t tag = msgtag_make(0x42, 0, 0, 0);
    assert_ptr_equal(th[0]->local_hint, &tid_local_end);     /* (tcb_create) */
    wait_for(1, TID_ANY);
    expect_fast_send(1, lid_of(1), tag);
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));
    assert_ptr_equal(th[0]->local_hint, th[1]);
    expect_decline(0, lid_of(1), TID_NIL, TO(NEVER, NEVER), tag);   /* th[1] runs, not waiting */
    assert_ptr_equal(th[0]->local_hint, th[1]);
    wait_for(2, TID_ANY);
    expect_fast_send(2, lid_of(2), tag);
    assert_ptr_equal(th[0]->local_hint, th[2]);
    wait_for(5, TID_ANY);
    expect_decline(0, lid_of(5), TID_NIL, TO(NEVER, NEVER), tag);   /* lid_of(5): space 1's */
    assert_int_equal(th[5]->state, TS_RECV_WAIT);
    assert_ptr_equal(th[0]->local_hint, th[2]);
    wait_for(3, TID_ANY);
    th[0]->local_hint = th[4];
    expect_fast_send(3, lid_of(3), tag);
    assert_ptr_equal(th[0]->local_hint, th[3]);
}

/* The global-ID hint (tcb.h): the thread a caller last sent to by a global
 * ID. The first send looks the ID up and makes the receiver the hint; a
 * hint that cannot take the message declines, kept; the next send to it
 * goes through the hint; a send to another thread looks that one up and
 * replaces the hint; once the hint's thread has another version
 * (ThreadControl) its old ID finds nobody, through the hint or the
 * lookup, and its new one finds it; a free slot as the hint matches no
 * global ID (its gid is nilthread). */
static void test_ipc_fastpath_global_hint(void **state)
{
    (void)state;
    word_t tag = msgtag_make(0x42, 0, 0, 0);
    assert_ptr_equal(th[0]->global_hint, &tid_no_slot);     /* (tcb_create) */
    wait_for(5, TID_ANY);
    expect_fast_send(5, gid_of(5), tag);
    assert_ptr_equal(th[0]->global_hint, th[5]);
    expect_decline(0, gid_of(5), TID_NIL, TO(NEVER, NEVER), tag);   /* th[5] runs, not waiting */
    assert_ptr_equal(th[0]->global_hint, th[5]);
    wait_for(5, TID_ANY);
    expect_fast_send(5, gid_of(5), tag);
    assert_int_equal(ipc_result_from(th[5]), gid_of(0));
    assert_ptr_equal(th[0]->global_hint, th[5]);
    wait_for(6, TID_ANY);
    expect_fast_send(6, gid_of(6), tag);
    assert_ptr_equal(th[0]->global_hint, th[6]);
    wait_for(6, TID_ANY);
    tcb_set_version(th[6], tid_make_global(tid_number(gid_of(6)), 2));
    expect_decline(0, gid_of(6), TID_NIL, TO(NEVER, NEVER), tag);
    assert_int_equal(th[6]->state, TS_RECV_WAIT);
    expect_fast_send(6, th[6]->gid, tag);
    assert_ptr_equal(th[0]->global_hint, th[6]);
    th[0]->global_hint = tcb_of_number(TID_USER_BASE + 3u + NT);
    assert_int_equal(th[0]->global_hint->gid, TID_NIL);
    wait_for(7, TID_ANY);
    expect_fast_send(7, gid_of(7), tag);
    assert_ptr_equal(th[0]->global_hint, th[7]);
}

/* A receiver found through the global-ID hint is asked whether it accepts
 * the caller as one the lookup finds would be: waiting for anythread or
 * for the caller by name (global or local ID), it takes the message; for
 * anylocalthread, only from its own space; for another thread, not. */
static void test_ipc_fastpath_global_hint_acceptance(void **state)
{
    (void)state;
    word_t tag = msgtag_make(0x42, 0, 0, 0);
    const struct {
        unsigned r;
        tid_t from;
        bool fast;
    } cases[] = {
        { 5, TID_ANY, true },       { 5, 0, true },  { 5, TID_ANYLOCAL, false }, { 5, 2, false },
        { 1, TID_ANYLOCAL, true },  { 1, 1, true },  { 1, TID_ANY, true },       { 1, 3, false },
    };
    for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        machine_reset(NULL);
        unsigned r = cases[k].r;
        tid_t from = cases[k].from;
        if (from == 0)
            from = gid_of(0);
        else if (from == 1)
            from = lid_of(0);
        else if (from == 2)
            from = gid_of(2);
        else if (from == 3)
            from = lid_of(2);
        wait_for(r, from);
        th[0]->global_hint = th[r];
        if (!cases[k].fast) {
            expect_decline(0, gid_of(r), TID_NIL, TO(NEVER, NEVER), tag);
            assert_int_equal(th[r]->state, TS_RECV_WAIT);
            continue;
        }
        expect_fast_send(r, gid_of(r), tag);
        assert_int_equal(ipc_result_from(th[r]), r < 5 ? lid_of(0) : gid_of(0));
        assert_ptr_equal(th[0]->global_hint, th[r]);
    }
}

/* The table's answer when the destination is not first in its hash
 * chain: a thread of the space registered later in the same bucket comes
 * first, and the walk finds the destination (the hint names nobody). */
static void test_ipc_fastpath_local_chain_walk(void **state)
{
    (void)state;
    static word_t extra_utcb[128];
    unsigned b = tid_local_bucket(&spc[0], lid_of(1));
    word_t loc = 0;
    for (word_t k = NT; k < (1u << 16) && loc == 0; k++)
        if (tid_local_bucket(&spc[0], loc_of(0) + k * 512u + 256u) == b)
            loc = loc_of(0) + k * 512u;
    assert_int_not_equal(loc, 0);
    struct tcb *x;
    assert_int_equal(tcb_create(gid_of(NT), &spc[0], TID_NIL, &x), TCB_OK);
    tcb_activate(x, loc, extra_utcb);
    assert_ptr_equal(tid_local_chains[b], x);
    assert_ptr_equal(x->local_next, th[1]);
    wait_for(1, TID_ANY);
    mock_current = th[0];
    assert_true(ipc_fastpath(th[0], lid_of(1), TID_NIL, TO(NEVER, NEVER), msgtag_make(0x42, 0, 0, 0)));
    assert_int_equal(th[1]->state, TS_READY);
    assert_ptr_equal(th[0]->local_hint, th[1]);
}

/* A receiver found through the hint is asked whether it accepts the
 * caller as one found in the table would be: waiting for anylocalthread
 * or for the caller by name, it takes the message; waiting for another
 * thread, the call declines. */
static void test_ipc_fastpath_local_hint_acceptance(void **state)
{
    (void)state;
    word_t tag = msgtag_make(0x42, 0, 0, 0);
    const tid_t from[] = { TID_ANYLOCAL, lid_of(0), gid_of(0), lid_of(2) };
    for (unsigned k = 0; k < 4; k++) {
        wait_for(1, from[k]);
        th[0]->local_hint = th[1];
        if (k == 3) {
            expect_decline(0, lid_of(1), TID_NIL, TO(NEVER, NEVER), tag);
            assert_int_equal(th[1]->state, TS_RECV_WAIT);
            break;
        }
        mock_current = th[0];
        assert_true(ipc_fastpath(th[0], lid_of(1), TID_NIL, TO(NEVER, NEVER), tag));
        assert_int_equal(th[1]->state, TS_READY);
        assert_int_equal(ipc_result_from(th[1]), lid_of(0));
        assert_ptr_equal(th[0]->local_hint, th[1]);
    }
}

/* A halted receiver (variant 3) or one out of quantum (4) fails the run
 * word: the general path delivers (and nobody runnable is left: idle). */
static void declines_receiver_of(unsigned variant)
{
    handoff_scene(variant);
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    handoff_scene(variant);
    mock_current = th[0];
    U(0)[0] = tag2;
    ipc_invoke(th[0], gid_of(5), gid_of(5), 0);
    slow_tail(th[0], &snap_a);
    assert_ptr_equal(mock_current, idle);
    assert_int_equal(th[5]->state, TS_READY);
}

static void test_ipc_fastpath_declines_halted_receiver(void **state)
{
    (void)state;
    declines_receiver_of(3);
}

static void test_ipc_fastpath_declines_receiver_out_of_quantum(void **state)
{
    (void)state;
    declines_receiver_of(4);
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

/* (the redirector drops the hint to the receiver too: tcb.h) */
static void test_ipc_fastpath_declines_redirected_space(void **state)
{
    wait_for(5, TID_ANY);
    struct space *sp = th[0]->space;
    tid_t old = sp->redirector;
    th[0]->global_hint = th[5];
    tcb_space_redirect(sp, gid_of(5));           /* any redirector: general path decides */
    assert_ptr_equal(th[0]->global_hint, &tid_no_slot);
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    tcb_space_redirect(sp, TID_NIL);             /* (never stored by SpaceControl) */
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    tcb_space_redirect(sp, TID_ANY);             /* anythread: no redirection, fast again */
    assert_true(ipc_fastpath(th[0], gid_of(5), gid_of(5), 0, tag2));
    tcb_space_redirect(sp, old);
}

/* A global ID of a thread in the caller's own space goes fast (no
 * redirector): the receiver gets the caller's local ID as From, and a
 * call hands the CPU over with the intra-space switch. */
static void test_ipc_fastpath_global_id_within_space(void **state)
{
    wait_for(1, TID_ANY);
    mock_current = th[0];
    assert_true(ipc_fastpath(th[0], gid_of(1), TID_NIL, 0, tag2));
    assert_int_equal(th[1]->state, TS_READY);
    assert_int_equal(ipc_result_from(th[1]), tid_utcb_ptr(th[0]));
    wait_for(2, TID_ANY);
    mock_current = th[0];
    assert_true(ipc_fastpath(th[0], gid_of(2), gid_of(2), 0, tag2));   /* (the switch asserts intra) */
    assert_int_equal(th[2]->state, TS_READY);
    assert_int_equal(ipc_result_from(th[2]), tid_utcb_ptr(th[0]));
    assert_ptr_equal(ipc_blocked_on(th[0]), th[2]);
}

/* The redirector is the space's, not the destination's: a thread of
 * another space sends to a thread of the redirected space fast. */
static void test_ipc_fastpath_redirected_receiver_space(void **state)
{
    tcb_space_redirect(th[5]->space, gid_of(6));
    wait_for(5, TID_ANY);
    mock_current = th[0];
    assert_true(ipc_fastpath(th[0], gid_of(5), TID_NIL, 0, tag2));
    assert_int_equal(th[5]->state, TS_READY);
    assert_int_equal(ipc_result_from(th[5]), gid_of(0));
    tcb_space_redirect(th[5]->space, TID_ANY);
}

/* A redirector takes only messages that leave the space: within it the
 * fast path delivers to a local ID; a global ID goes to the general path
 * (the space's fast view is empty), which delivers it unredirected. */
static void test_ipc_fastpath_redirected_space_within(void **state)
{
    struct space *sp = th[0]->space;
    tid_t old = sp->redirector;
    tcb_space_redirect(sp, gid_of(5));
    wait_for(1, TID_ANY);
    wait_for(2, TID_ANY);
    mock_current = th[0];
    expect_decline(0, gid_of(1), TID_NIL, 0, tag2);
    U(0)[0] = tag2;
    assert_int_equal(ipc_invoke(th[0], gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(th[1]->state, TS_READY);
    assert_int_equal(ipc_result_from(th[1]), tid_utcb_ptr(th[0]));
    assert_int_equal(ipc_result_tag(th[1]), tag2);   /* (not redirected: no r flag) */
    assert_false(ipc_pending(th[0]));
    assert_true(ipc_fastpath(th[0], tid_utcb_ptr(th[2]), TID_NIL, 0, tag2));
    assert_int_equal(th[2]->state, TS_READY);
    assert_int_equal(ipc_result_tag(th[2]), tag2);
    tcb_space_redirect(sp, old);
}

static void test_ipc_fastpath_declines_caller_without_utcb(void **state)
{
    wait_for(5, TID_ANY);
    word_t *u = th[0]->utcb;
    th[0]->utcb = NULL;
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    th[0]->utcb = u;
}

/* An interrupt thread's kernel UTCB has no UTCB location (hence no local
 * ID for an intra-space From): such a caller takes the general path. */
static void test_ipc_fastpath_declines_caller_without_utcb_location(void **state)
{
    wait_for(5, TID_ANY);
    word_t loc = th[0]->utcb_location;
    tcb_set_utcb_location(th[0], TCB_NO_UTCB);
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    tcb_set_utcb_location(th[0], loc);
    assert_true(ipc_fastpath(th[0], gid_of(5), gid_of(5), 0, tag2));
}

/* A caller that is not ready (blocked, or in a state no thread that runs
 * has): the fast path leaves it to the general path, whatever its kind. */
static void test_ipc_fastpath_declines_pending_caller(void **state)
{
    wait_for(5, TID_ANY);
    static const uint8_t odd[] = { TS_SEND_WAIT, TS_RECEIVING, TS_INACTIVE, TS_DEAD };
    for (unsigned k = 0; k < sizeof odd; k++) {   /* (cannot happen from a system call) */
        th[0]->state = odd[k];
        expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
        expect_decline(0, gid_of(5), TID_NIL, 0, tag2);
    }
    th[0]->state = TS_READY;
}

static void test_ipc_fastpath_declines_nested_caller(void **state)
{
    wait_for(5, TID_ANY);
    th[0]->ipc_nested = true;
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    th[0]->ipc_nested = false;
}

static void test_ipc_fastpath_declines_caller_timer_armed(void **state)
{
    wait_for(5, TID_ANY);
    wakeup_insert(&wq, &th[0]->wakeup, 500);
    th[0]->timer_live = true;
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    /* a stopped timer whose node is still queued (lazy timers) is none */
    th[0]->timer_live = false;
    assert_true(ipc_fastpath(th[0], gid_of(5), gid_of(5), 0, tag2));
}

static void test_ipc_fastpath_declines_caller_queued(void **state)
{
    wait_for(5, TID_ANY);
    th[0]->ipc.q_on = &th[3]->ipc.sendq;           /* (cannot happen from a system call) */
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    th[0]->ipc.q_on = NULL;
    /* a closed receive that was cancelled leaves it in no queue: it may call */
    mock_current = th[0];
    assert_int_equal(ipc_invoke(th[0], TID_NIL, gid_of(3), 0), IPC_BLOCKED);
    assert_null(th[0]->ipc.q_on);
    ipc_cancel(th[0], true, true);
    assert_true(ipc_fastpath(th[0], gid_of(5), gid_of(5), 0, tag2));
    assert_null(th[0]->ipc.q_on);
    assert_ptr_equal(ipc_blocked_on(th[0]), th[5]);
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
    /* without a receive phase too: the word is tested first, alone */
    expect_decline(0, gid_of(5), TID_NIL, TO(NEVER, ZERO), tag2);
}

/* A sender queued on the caller: a receive phase would take it, so every
 * shape to a global ID declines (send-only too: the caller's fast view is
 * empty while its queue is not, and the first sender dropped its
 * global-ID hint, here its receiver) and a call to a local ID too (the
 * first sender dropped the caller's local-ID hint, so the table's branch
 * tests the queue); a send-only call to a local ID goes fast and keeps no
 * hint. Once the queue is empty again (the general path took the sender)
 * the caller goes fast once more, with no global-ID hint until then. */
static void test_ipc_fastpath_declines_queued_sender(void **state)
{
    th[0]->local_hint = th[1];                     /* (dropped by the first sender) */
    th[0]->global_hint = th[5];                    /* (the same) */
    mock_current = th[2];
    assert_int_equal(ipc_invoke(th[2], gid_of(0), TID_NIL, TO(NEVER, NEVER)), IPC_BLOCKED);
    assert_ptr_equal(th[0]->local_hint, &tid_local_end);
    assert_ptr_equal(th[0]->global_hint, &tid_no_slot);
    th[0]->global_hint = th[5];                    /* (the second sender drops it too) */
    mock_current = th[3];
    assert_int_equal(ipc_invoke(th[3], gid_of(0), TID_NIL, TO(NEVER, NEVER)), IPC_BLOCKED);
    assert_ptr_equal(th[0]->global_hint, &tid_no_slot);
    wait_for(5, TID_ANY);
    wait_for(1, TID_ANY);
    expect_decline(0, gid_of(5), TID_ANY, 0, tag2);
    expect_decline(0, gid_of(5), gid_of(5), 0, tag2);
    expect_decline(0, gid_of(5), TID_NIL, 0, tag2);
    expect_decline(0, lid_of(1), lid_of(1), 0, tag2);
    /* the general path takes 2, then 3: the view comes back with the last */
    mock_current = th[0];
    assert_int_equal(ipc_invoke(th[0], TID_NIL, TID_ANY, TO(NEVER, NEVER)), IPC_DONE);
    expect_decline(0, gid_of(5), TID_NIL, 0, tag2);           /* (3 still queued) */
    mock_current = th[0];                          /* a send by local ID goes, no hint kept */
    assert_true(ipc_fastpath(th[0], lid_of(1), TID_NIL, 0, tag2));
    assert_int_equal(th[1]->state, TS_READY);
    assert_ptr_equal(th[0]->local_hint, &tid_local_end);
    mock_current = th[0];
    assert_int_equal(ipc_invoke(th[0], TID_NIL, TID_ANY, TO(NEVER, NEVER)), IPC_DONE);
    assert_null(ipc_sendq_head(th[0]));
    assert_ptr_equal(th[0]->global_hint, &tid_no_slot);
    mock_current = th[0];
    assert_true(ipc_fastpath(th[0], gid_of(5), TID_NIL, 0, tag2));
    assert_int_equal(th[5]->state, TS_READY);
    assert_ptr_equal(th[0]->global_hint, th[5]);
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
    /* a thread number beyond the area whose slot (the number masked) holds
     * the waiting receiver, with the receiver's version */
    expect_decline(0, tid_make_global(TID_USER_BASE + 3u + 5u + AREA_THREADS, 1), TID_NIL, 0, tag2);
    expect_decline(0, tid_make_global(TID_USER_BASE + 3u + 5u + 5u * AREA_THREADS, 1), TID_ANY, 0, tag2);
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
    th[5]->ipc_nested = true;
    expect_decline(0, gid_of(5), TID_NIL, 0, tag2);
    th[5]->ipc_nested = false;
}

/* Receiver 5 waits for anyone with a finite receive timeout (1 ms), the
 * clock at 0; caller 0 is current with two words loaded. */
static void timed_receiver_scene(void)
{
    machine_reset(NULL);
    mock_time_us = 0;
    mock_current = th[5];
    assert_int_equal(ipc_invoke(th[5], TID_NIL, TID_ANY, TO(NEVER, 0x0010u | (10u << 10))), IPC_BLOCKED);
    assert_true(th[5]->timer_live);
    load(0, 2, 0x5500);
    mock_current = th[0];
}

/* A receiver waiting with a timeout takes the fast path: the delivery stops
 * its timer as the general path does (the node stays queued, stale), and
 * the deadline passing later changes nothing. */
static void test_ipc_fastpath_stops_receiver_timer(void **state)
{
    word_t tag = msgtag_make(0x55, 2, 0, 0);
    timed_receiver_scene();
    U(0)[0] = tag;
    ipc_invoke(th[0], gid_of(5), TID_NIL, 0);
    slow_tail(th[0], &snap_a);
    timed_receiver_scene();
    assert_true(ipc_fastpath(th[0], gid_of(5), TID_NIL, 0, tag));
    fast_tail(th[0], &snap_b);
    const char *d = snapshot_diff(&snap_a, &snap_b);
    if (d != NULL)
        fail_msg("timed receiver differs from the general path in %s", d);
    assert_false(th[5]->timer_live);
    assert_true(wakeup_queued(&th[5]->wakeup));
    assert_int_equal(ipc_result_tag(th[5]), tag);
    assert_int_equal(U(5)[2], 0x5502);
    mock_time_us = 100000;
    ipc_expire(mock_time_us);
    assert_int_equal(ipc_result_tag(th[5]), tag);  /* no timeout error afterwards */
    assert_int_equal(th[5]->state, TS_READY);
}

static void test_ipc_fastpath_declines_receiver_not_accepting(void **state)
{
    wait_for(5, gid_of(1));                        /* closed on another thread */
    expect_decline(0, gid_of(5), TID_NIL, 0, tag2);
    wait_for(6, TID_ANYLOCAL);                     /* anylocal, caller of another space */
    expect_decline(0, gid_of(6), TID_NIL, 0, tag2);
}

/* An open receive started on the fast path forgets the caller's partner
 * word, stale from its last closed receive: the receiver's acceptance test
 * compares that word first, so a stale one naming a thread of another space
 * would let it through an anylocalthread receive. */
static void test_ipc_fastpath_open_receive_drops_stale_partner(void **state)
{
    th[0]->ipc.partner = th[5];                    /* stale: 0 runs, 5 is in space 1 */
    wait_for(1, TID_ANY);
    mock_current = th[0];
    assert_true(ipc_fastpath(th[0], gid_of(1), TID_ANYLOCAL, TO(NEVER, NEVER), tag2));
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
    expect_decline(5, gid_of(0), TID_NIL, 0, tag2);
}

/* A global ID reaches an anylocalthread receiver of the caller's own space
 * on the fast path, with the caller's local ID as From. */
static void test_ipc_fastpath_global_id_to_anylocal_receiver(void **state)
{
    wait_for(1, TID_ANYLOCAL);
    mock_current = th[0];
    assert_true(ipc_fastpath(th[0], gid_of(1), TID_NIL, TO(NEVER, NEVER), tag2));
    assert_int_equal(th[1]->state, TS_READY);
    assert_int_equal(ipc_result_from(th[1]), tid_utcb_ptr(th[0]));
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

/* A map or grant item (2 words at U(c)[w]): a nil fpage, a small fpage of
 * the string pages, or the whole space. */
static void random_map_item(unsigned c, unsigned w)
{
    static const word_t base[] = { SRC_VA, DST_VA, 0x00400000u, 0 };
    word_t b = base[pick(4)];
    unsigned kind = pick(4);
    fpage_t f = kind == 0 ? 0 : kind == 1 ? FPAGE_COMPLETE
              : fpage_make(b, 12u + pick(2), 1u + pick(7));
    U(c)[w] = msg_map_item_word0(b, pick(3) == 0, false);
    U(c)[w + 1] = f;
}

/* A simple string item (2 words at U(c)[w]) from the source pages. */
static void random_string_item(unsigned c, unsigned w)
{
    static const word_t len[] = { 0, 1, 100, 4096, 5000, 8000 };
    word_t l = len[pick(6)];
    U(c)[w] = msg_string_header(l, 1, false, false);
    U(c)[w + 1] = SRC_VA + (l > 4096 ? pick(64) : pick(4096));
}

/* Append `n` random typed items of kind `want` (0: map/grant, 1: string,
 * 2: either) to the message `tag` of `c` as far as they fit; the new tag. */
static word_t random_items(unsigned c, word_t tag, unsigned n, unsigned want)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned u = msgtag_untyped(tag), t = msgtag_typed(tag);
        if (u + t + 2u > MSG_MAX_WORDS)
            break;
        if (want == 0 || (want == 2 && pick(2) == 0))
            random_map_item(c, u + t + 1u);
        else
            random_string_item(c, u + t + 1u);
        tag = (tag & ~msgtag_make(0, 0, 0x3Fu, 0)) | msgtag_make(0, 0, t + 2u, 0);
    }
    return tag;
}

/* The receive buffers of thread i: none, a map window, a string buffer
 * (one or two pages) or both. */
static void random_buffers(unsigned i)
{
    unsigned k = pick(4);
    word_t br0 = k == 0 ? 0 : (k & 1u) != 0 ? FPAGE_COMPLETE : fpage_make(0x00400000u, 22, 0);
    if (pick(2) != 0)
        br0 |= 1u;                                     /* strings accepted */
    U(i)[utcb_br_index(0)] = br0;
    U(i)[utcb_br_index(1)] = msg_string_header(pick(2) ? 8192 : 100, 1, false, false);
    U(i)[utcb_br_index(2)] = DST_VA + pick(2) * 16u;
}

/* A redirector word: none (anythread), a thread, or nilthread (which
 * SpaceControl never stores: ipc_invoke treats it as none). */
static tid_t random_redirector(void)
{
    unsigned k = pick(4);
    return k == 0 ? TID_NIL : k == 1 ? TID_ANY : gid_of(pick(NT));
}

/* The long-IPC furniture of a fresh machine: source pages (read-only,
 * random bytes), receive pages (each present or not), and per thread a
 * pager, transfer timeouts, a VirtualSender and receive buffers. */
static void scenario_furnish(bool redirect)
{
    static unsigned char buf[2 * MOCK_PAGE_SIZE];
    for (unsigned sp = 0; sp < 2; sp++) {
        assert_true(mock_usermem_map(&spc[sp], SRC_VA, false));
        assert_true(mock_usermem_map(&spc[sp], SRC_VA + MOCK_PAGE_SIZE, false));
        for (unsigned k = 0; k < sizeof(buf); k += 4) {
            uint32_t v = rnd();
            memcpy(&buf[k], &v, 4);
        }
        assert_true(mock_usermem_write(&spc[sp], SRC_VA, buf, sizeof(buf)));
        for (unsigned k = 0; k < 2; k++)
            if (pick(3) != 0)
                assert_true(mock_usermem_map(&spc[sp], DST_VA + k * MOCK_PAGE_SIZE, true));
        /* anythread is what SpaceControl stores for none; nilthread it
         * never stores (the fast path would merely decline it: drawn rarely) */
        tcb_space_redirect(&spc[sp], redirect || pick(16) == 0 ? random_redirector() : TID_ANY);
    }
    mock_fpage_backs = pick(2) != 0;
    for (unsigned i = 0; i < NT; i++) {
        /* the local-ID hint: any thread of the space, or none (tcb.h) */
        unsigned h = pick(NT + 1u);
        th[i]->local_hint = h < NT && (h < 5) == (i < 5) ? th[h] : &tid_local_end;
        /* the global-ID hint: any slot of the area (a thread of either
         * space, or a free slot), while the fast view is not empty (tcb.h) */
        unsigned g = pick(NT + 2u);
        bool view = th[i]->fast_view.slot_mask != 0;
        th[i]->global_hint = view && g < NT ? th[g] : view && g == NT ? tcb_of_number(TID_USER_BASE + 3u + NT) : &tid_no_slot;
        U(i)[UTCB_PAGER] = pick(4) != 0 ? gid_of(pick(NT)) : TID_NIL;
        U(i)[UTCB_XFER_TIMEOUTS] = TO(random_timeout(), random_timeout());
        U(i)[UTCB_VIRTUAL_SENDER] = random_id(i);
        random_buffers(i);
    }
}

/* Caller `c` makes a random IPC (used to build random blocked states),
 * now and then with typed items (strings may fault and go to the pager). */
static void random_prelude_ipc(unsigned c)
{
    for (unsigned k = 1; k < 20; k++)
        U(c)[k] = rnd();
    tid_t to = pick(3) == 0 ? TID_NIL : random_id(c);
    tid_t from = pick(3) == 0 ? TID_NIL : random_id(c);
    word_t t = TO(random_timeout(), random_timeout());
    word_t tag = random_tag();
    if (pick(3) == 0)
        tag = random_items(c, tag, 1u + pick(2), 2);
    mock_current = th[c];
    U(c)[0] = tag;
    ipc_invoke(th[c], to, from, t);
}

/* The call a scenario ends with. */
struct call { unsigned c; tid_t to, from; word_t timeouts, tag; };

/* What the last call of a scenario is forced to include (one stratum per
 * value; F_RANDOM: only what the random draws give). Every forced case is
 * made against a receiver waiting for anyone, so that the fast path would
 * deliver were it not for the forced feature. */
enum feature {
    F_RANDOM,
    F_CONTROL,      /* nothing forced: the base of the others, mostly fast */
    F_TYPED,        /* map / grant items */
    F_STRING,       /* string items */
    F_PROPAGATE,    /* p flag with a VirtualSender */
    F_FLAGS,        /* another flag (E, X, R) */
    F_TIMEOUT,      /* a finite send and / or receive timeout */
    F_REDIRECT,     /* the caller's space has a redirector */
    F_SENDQ,        /* a sender queued on the caller, which then receives */
    F_NESTED,       /* the receiver is in a nested pagefault IPC */
    F_RECV_STATE,   /* the receiver halted, out of quantum or with a timer */
    F_COUNT
};

/* A thread other than `a` and `b` with no IPC in progress, or NT. */
static unsigned idle_thread(unsigned a, unsigned b)
{
    unsigned i = pick(NT);
    for (unsigned k = 0; k < NT; k++, i = (i + 1) % NT)
        if (i != a && i != b && !ipc_pending(th[i]))
            return i;
    return NT;
}

/* Put receiver `r` into a nested pagefault IPC: its pager `p` waits, `r`
 * waits for a string into its unmapped buffer, a third thread sends one.
 * `p` then holds the fault message and `r` waits for the reply. False if
 * the threads for it are busy. */
static bool nested_receiver(unsigned r, unsigned *pager)
{
    unsigned p = idle_thread(r, r);
    if (p == NT)
        return false;
    unsigned s = idle_thread(r, p);
    if (s == NT)
        return false;
    tcb_space_redirect(th[p]->space, TID_ANY);  /* the fault reaches the pager */
    tcb_space_redirect(th[s]->space, TID_ANY);
    mock_current = th[p];
    ipc_invoke(th[p], TID_NIL, TID_ANY, 0);
    U(r)[UTCB_PAGER] = gid_of(p);
    U(r)[UTCB_XFER_TIMEOUTS] = TO(NEVER, NEVER);
    U(s)[UTCB_XFER_TIMEOUTS] = TO(NEVER, NEVER);
    U(r)[utcb_br_index(0)] = 1;
    U(r)[utcb_br_index(1)] = msg_string_header(8192, 1, false, false);
    U(r)[utcb_br_index(2)] = DST_VA;
    mock_usermem_unmap(th[r]->space, DST_VA);
    mock_current = th[r];
    ipc_invoke(th[r], TID_NIL, TID_ANY, 0);
    U(s)[0] = msgtag_make(7, 1, 2, 0);
    random_string_item(s, 2);
    U(s)[2] = msg_string_header(100 + pick(4000), 1, false, false);
    mock_current = th[s];
    ipc_invoke(th[s], gid_of(r), TID_NIL, 0);
    *pager = p;
    return th[r]->ipc_nested && !ipc_pending(th[p]);
}

/* Apply the forced feature `f` to the call `k` (caller c, receiver r
 * waiting for anyone). False: the scenario cannot be built. */
static bool feature_apply(enum feature f, struct call *k, unsigned r)
{
    unsigned c = k->c;
    switch (f) {
    case F_TYPED:
        k->tag = random_items(c, k->tag, 1u + pick(3), 0);
        return msgtag_typed(k->tag) != 0;
    case F_STRING:
        k->tag = random_items(c, k->tag, 1u + pick(2), pick(3) == 0 ? 2 : 1);
        return msgtag_typed(k->tag) != 0;
    case F_PROPAGATE:
        k->tag |= MSG_TAG_P;
        U(c)[UTCB_VIRTUAL_SENDER] = pick(4) != 0 ? gid_of(pick(NT)) : random_id(c);
        return true;
    case F_FLAGS:
        k->tag |= (word_t)(MSG_TAG_R << pick(3));
        return true;
    case F_TIMEOUT: {
        static const uint16_t fin[] = { 0x0010u, 0x0800u, 0x0C00u, 0x8001u };
        unsigned w = pick(3);
        if (k->from == TID_NIL && w == 1)
            k->from = pick(2) ? TID_ANY : k->to;
        k->timeouts = TO(w != 1 ? fin[pick(4)] : NEVER, w != 0 ? fin[pick(4)] : NEVER);
        return true;
    }
    case F_REDIRECT:
        tcb_space_redirect(th[c]->space, gid_of(pick(NT)));
        return true;
    case F_SENDQ: {
        unsigned q = idle_thread(c, r);
        if (q == NT)
            return false;
        mock_current = th[q];
        U(q)[0] = random_tag();
        ipc_invoke(th[q], pick(3) ? gid_of(c) : lid_of(c), TID_NIL, TO(NEVER, NEVER));
        if (k->from == TID_NIL)
            k->from = pick(2) ? TID_ANY : k->to;
        k->timeouts = TO(random_timeout(), NEVER);
        return ipc_sendq_head(th[c]) != NULL;
    }
    case F_NESTED: {
        unsigned p;
        if (!nested_receiver(r, &p))
            return false;
        k->c = p;                                  /* mostly the pager replies */
        if (pick(3) == 0)
            k->c = idle_thread(r, p);
        if (k->c == NT)
            return false;
        k->to = gid_of(r);
        if (pick(2) == 0)
            k->tag = random_items(k->c, k->tag, 1, 0);
        return true;
    }
    case F_RECV_STATE: {
        unsigned w = pick(3);
        if (w == 0)
            th[r]->halted = true;
        if (w == 1) {
            th[r]->quantum_us = 0;
            th[r]->quantum_out = true;
        }
        if (w == 2) {
            ipc_cancel(th[r], true, false);
            mock_current = th[r];
            ipc_invoke(th[r], TID_NIL, TID_ANY, TO(NEVER, 0x0800u + pick(0x400)));
        }
        return true;
    }
    default:
        return true;
    }
}

/* Build the random scenario of `seed` with forced feature `f`; returns the
 * call to make (false: none possible from this state). */
static bool scenario_build(uint32_t seed, enum feature f, struct call *out)
{
    uint8_t prio[NT];
    rng = seed | 1u;
    bool equal = pick(2) == 0;
    for (unsigned i = 0; i < NT; i++)
        prio[i] = (uint8_t)(equal ? 100u : 98u + pick(5));
    machine_reset(prio);
    scenario_furnish(f == F_REDIRECT);
    unsigned steps = pick(f == F_RANDOM ? 16 : 8);
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
    if (f != F_RANDOM) {                           /* a receiver waiting for anyone */
        r = idle_thread(c, c);
        if (r == NT)
            return false;
        th[r]->halted = false;
        mock_current = th[r];
        if (f != F_NESTED)
            ipc_invoke(th[r], TID_NIL, TID_ANY, TO(NEVER, NEVER));
    }
    out->c = c;
    out->to = pick(4) != 0 ? ((c < 5) == (r < 5) && pick(3) == 0 ? lid_of(r) : gid_of(r))
                           : random_id(c);
    if (f != F_RANDOM && pick(4) == 0)
        out->to = gid_of(r);
    unsigned fk = pick(6);
    out->from = fk == 0 ? TID_NIL : fk == 1 ? TID_ANY : fk == 2 ? TID_ANYLOCAL
              : fk == 3 ? random_id(c) : out->to;
    out->timeouts = TO(random_timeout(), pick(3) == 0 ? random_timeout() : NEVER);
    if (f != F_RANDOM)
        out->timeouts = TO(NEVER, NEVER);
    out->tag = random_tag();
    if (f != F_RANDOM)
        out->tag &= ~(word_t)MSG_TAG_FLAGS;
    for (unsigned k = 1; k < 64; k++)
        U(c)[k] = rnd();
    unsigned u = msgtag_untyped(out->tag);
    if (f == F_RANDOM && pick(8) == 0 && u + 2u <= MSG_MAX_WORDS)
        out->tag = random_items(c, out->tag, 1u + pick(2), 2);
    for (unsigned i = 0; i < NT; i++)
        if (pick(4) == 0)
            random_buffers(i);
    if (!feature_apply(f, out, r))
        return false;
    mock_current = th[out->c];
    return !ipc_pending(th[out->c]);
}

static void test_ipc_fastpath_random_equals_slow_path(void **state)
{
    const uint32_t base = 0x5eed1234u;
    const unsigned trials = 8000;                  /* F_COUNT + 3 strata, F_RANDOM 4 of them */
    unsigned fast = 0, declined = 0, skipped = 0;
    unsigned built[F_COUNT] = { 0 }, taken[F_COUNT] = { 0 }, in_xfer = 0, in_nested = 0;
    unsigned copied = 0, mapped = 0;
    struct snapshot *slow_end = &snap_a, *fast_end = &snap_b, *before = &snap_c;
    struct snapshot *slow_mid = &snap_d, *fast_mid = &snap_e;
    printf("ipc_fastpath random test: base seed 0x%08x, %u trials\n", base, trials);
    for (unsigned n = 0; n < trials; n++) {
        uint32_t seed = base + n * 2654435761u;
        unsigned fi = n % (F_COUNT + 3u);
        enum feature f = fi < F_COUNT ? (enum feature)fi : F_RANDOM;
        struct call k;
        if (!scenario_build(seed, f, &k)) {
            skipped++;
            continue;
        }
        for (unsigned i = 0; i < NT; i++) {         /* the comparison sees live transfers */
            in_xfer += th[i]->ipc.xfer_partner != NULL;
            in_nested += th[i]->ipc_nested;
        }
        U(k.c)[0] = k.tag;
        ipc_invoke(th[k.c], k.to, k.from, k.timeouts);
        slow_tail(th[k.c], slow_mid);
        snapshot_take(slow_end);
        copied += slow_end->copy_calls != 0;
        mapped += slow_end->fpage_count != 0;
        assert_true(scenario_build(seed, f, &k));
        built[f]++;
        snapshot_take(before);
        bool took = ipc_fastpath(th[k.c], k.to, k.from, k.timeouts, k.tag);
        if (took) {
            fast++;
            taken[f]++;
            fast_tail(th[k.c], fast_mid);
            snapshot_drop_blocked(slow_mid);
            snapshot_drop_blocked(fast_mid);
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
        snapshot_drop_blocked(slow_end);
        snapshot_drop_blocked(fast_end);
        const char *d = snapshot_diff(slow_end, fast_end);
        if (d != NULL)
            fail_msg("seed 0x%08x (fast path %s): %s differs", seed, took ? "taken" : "declined", d);
    }
    printf("ipc_fastpath random test: %u fast, %u declined, %u skipped\n", fast, declined, skipped);
    for (unsigned i = 0; i < F_COUNT; i++) {
        printf("  stratum %u: %u scenarios, fast path taken in %u\n", i, built[i], taken[i]);
        assert_true(built[i] >= trials / (F_COUNT + 3u) / 3u);   /* every case is drawn */
    }
    printf("  threads in a transfer: %u, in a nested pagefault IPC: %u\n", in_xfer, in_nested);
    printf("  scenarios with string copies: %u, with map/grant requests: %u\n", copied, mapped);
    assert_true(in_xfer >= trials / 20u && in_nested >= trials / 20u);
    assert_true(copied >= trials / 20u && mapped >= trials / 20u);
    /* the forced cases start from states the fast path mostly takes */
    assert_true(taken[F_CONTROL] >= built[F_CONTROL] / 2u);
    assert_true(fast >= trials / 12);              /* the test exercises the fast path */
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
    /* dropping the blocked threads keeps the order of the runnable ones */
    machine_reset(NULL);
    mock_current = th[0];
    struct tcb *head = sched_queue_head(TCB_DEFAULT_PRIO);
    assert_true(head != NULL && head->ready_next != head && sched_runnable(head->ready_next));
    snapshot_take(a);
    sched_yield_slice();                                 /* the head goes to the tail */
    snapshot_take(b);
    snapshot_drop_blocked(a);
    snapshot_drop_blocked(b);
    assert_non_null(snapshot_diff(a, b));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
    const struct CMUnitTest tests[] = {
        T(test_ipc_fastpath_call_to_open_receiver),
        T(test_ipc_fastpath_reply_wait_to_closed_receiver),
        T(test_ipc_fastpath_closed_receivers_around),
        T(test_ipc_fastpath_send_only_finishes_caller),
        T(test_ipc_fastpath_send_only_declines_unqueued_caller),
        T(test_ipc_fastpath_handoff_equal_priority),
        T(test_ipc_fastpath_handoff_within_space),
        T(test_ipc_fastpath_local_hint),
        T(test_ipc_fastpath_local_hint_acceptance),
        T(test_ipc_fastpath_global_hint),
        T(test_ipc_fastpath_global_hint_acceptance),
        T(test_ipc_fastpath_local_chain_walk),
        T(test_ipc_fastpath_handoff_higher_blocked_queued),
        T(test_ipc_fastpath_handoff_resched_pending),
        T(test_ipc_fastpath_declines_halted_receiver),
        T(test_ipc_fastpath_declines_receiver_out_of_quantum),
        T(test_ipc_fastpath_handoff_not_alone),
        T(test_ipc_fastpath_declines_typed_words),
        T(test_ipc_fastpath_delivers_63_untyped),
        T(test_ipc_fastpath_declines_flags),
        T(test_ipc_fastpath_declines_redirected_space),
        T(test_ipc_fastpath_redirected_space_within),
        T(test_ipc_fastpath_redirected_receiver_space),
        T(test_ipc_fastpath_global_id_within_space),
        T(test_ipc_fastpath_declines_caller_without_utcb),
        T(test_ipc_fastpath_declines_caller_without_utcb_location),
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
        T(test_ipc_fastpath_stops_receiver_timer),
        T(test_ipc_fastpath_declines_receiver_not_accepting),
        T(test_ipc_fastpath_open_receive_drops_stale_partner),
        T(test_ipc_fastpath_global_id_to_anylocal_receiver),
        T(test_ipc_fastpath_random_equals_slow_path),
        T(test_ipc_fastpath_random_comparison_detects_difference),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
