/* Host tests of the kernel invariant checker (core/check.h): it passes a
 * busy but consistent state (ready, blocked, timed and closed receivers, a
 * string transfer suspended in a nested pagefault IPC, mappings), and each
 * deliberate corruption of that state is reported with the right first
 * violation. Every test restores what it broke, so the teardown (which
 * deletes everything and checks for leaks) still runs on a sound kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/check.h>
#include <core/kmem.h>

#define ENV_THREADS 8192u       /* room for one thread in each of 4096 spaces and more */
#include "sys_env.h"

#define N_A 3u          /* created, waiting for its start message (closed receive on root) */
#define N_B 4u          /* blocked sending to root, with a send timeout */
#define N_C 5u          /* open receive with a timeout */
#define N_D 6u          /* ready */
#define N_P 7u          /* pager of R */
#define N_S 8u          /* sender of a string transfer to R, suspended */
#define N_R 9u          /* receiver, faulted in its buffer: nested pagefault IPC to P */
#define SRC_VA 0x00200000u
#define DST_VA 0x00300000u
#define MAP_VA 0x00010000u
#define TIMEOUT_1MS 0x03E8u    /* 1000 µs as an X.2 period */

static word_t utcb_of(unsigned n) { return ROOT_UTCB + 512u * n; }

/* Create thread n in root's space with root as pager; started: ready. */
static struct tcb *spawn(unsigned n, bool start)
{
    assert_int_equal(tc(G(n), G(ROOT_N), G(ROOT_N), G(ROOT_N), utcb_of(n)), 1);
    if (start)
        assert_int_equal(send_start(G(n), 0x1000, 0x2000), IPC_DONE);
    return T(n);
}

/* Thread n makes an Ipc system call (MR0 = tag); the caller stays root. */
static enum ipc_outcome call_ipc(unsigned n, tid_t to, tid_t from, word_t timeouts, word_t tag)
{
    struct sys_regs r = regs(to, timeouts, from, tag, 0, 0, 0);
    as(T(n));
    enum ipc_outcome o = sys_ipc(T(n), &r);
    as(root);
    return o;
}

/* Take `t` out of the IPC queue holding it (the test's own four stores). */
static void unqueue(struct tcb *t)
{
    t->ipc.q_link.next->prev = t->ipc.q_link.prev;
    t->ipc.q_link.prev->next = t->ipc.q_link.next;
    t->ipc.q_link.next = t->ipc.q_link.prev = NULL;
    t->ipc.q_on = NULL;
}

/* Put `t` (in no queue) at the tail of `q`. */
static void enqueue(struct ipc_queue *q, struct tcb *t)
{
    t->ipc.q_link.next = &q->ends;
    t->ipc.q_link.prev = q->ends.prev;
    q->ends.prev->next = &t->ipc.q_link;
    q->ends.prev = &t->ipc.q_link;
    t->ipc.q_on = q;
}

/* The scene every test starts from; kcheck_all() must accept it. */
static int scene_setup(void **state)
{
    if (env_setup(state) != 0)
        return -1;
    spawn(N_A, false);
    spawn(N_B, true);
    spawn(N_C, true);
    spawn(N_D, true);
    spawn(N_P, true);
    spawn(N_S, true);
    spawn(N_R, true);
    assert_int_equal(call_ipc(N_B, G(ROOT_N), TID_NIL, (word_t)TIMEOUT_1MS << 16, 0), IPC_BLOCKED);
    assert_int_equal(call_ipc(N_C, TID_NIL, TID_ANY, TIMEOUT_1MS, 0), IPC_BLOCKED);
    /* string transfer S -> R; R's second buffer page is missing */
    struct space *s = root_space;
    assert_true(mock_usermem_map(s, SRC_VA, false));
    assert_true(mock_usermem_map(s, SRC_VA + 4096, false));
    assert_true(mock_usermem_map(s, DST_VA, true));
    T(N_S)->utcb[1] = msg_string_header(5000, 1, false, false);
    T(N_S)->utcb[2] = SRC_VA;
    T(N_R)->utcb[utcb_br_index(0)] = 1;
    T(N_R)->utcb[utcb_br_index(1)] = msg_string_header(8192, 1, false, false);
    T(N_R)->utcb[utcb_br_index(2)] = DST_VA;
    T(N_R)->utcb[UTCB_PAGER] = G(N_P);
    assert_int_equal(call_ipc(N_P, TID_NIL, TID_ANY, 0, 0), IPC_BLOCKED);
    assert_int_equal(call_ipc(N_R, TID_NIL, TID_ANY, 0, 0), IPC_BLOCKED);
    assert_int_equal(call_ipc(N_S, G(N_R), TID_NIL, 0, msgtag_make(1, 0, 2, 0)), IPC_BLOCKED);
    assert_int_equal(T(N_S)->state, TS_SENDING);
    assert_int_equal(ipc_thread_state(T(N_R)), TS_RECEIVING);
    assert_int_equal(T(N_R)->state, TS_RECV_WAIT);          /* waits for P's reply */
    assert_int_equal(mdb_map(&env_s0, 0x00100000u, root_space, MAP_VA, 12, 7, false), MDB_OK);
    if (kcheck_all() != 0) {
        printf("scene rejected: %s (thread %u)\n", kcheck_first(), (unsigned)kcheck_first_thread());
        return -1;
    }
    return 0;
}

/* kcheck_all() finds at least one violation, the first being `what` about
 * thread `n`; returns how many it found. */
static unsigned expect_violation(const char *what, word_t n)
{
    unsigned bad = kcheck_all();
    if (bad == 0 || kcheck_first() == NULL || strcmp(kcheck_first(), what) != 0 ||
        kcheck_first_thread() != n)
        printf("expected \"%s\" (thread %u), got %u: \"%s\" (thread %u)\n", what, (unsigned)n, bad,
               kcheck_first() ? kcheck_first() : "-", (unsigned)kcheck_first_thread());
    assert_true(bad > 0);
    assert_string_equal(kcheck_first(), what);
    assert_int_equal(kcheck_first_thread(), n);
    return bad;
}

static word_t no(unsigned n) { return TID_USER_BASE + n; }

/* The slot of thread T(n), created in root's space and deleted again: a
 * freed slot (the checker walks no slot that was never in use). */
static struct tcb *freed_slot(unsigned n)
{
    struct tcb *t = NULL;
    assert_int_equal(tcb_create(G(n), root_space, G(ROOT_N), &t), TCB_OK);
    env_kill(t);
    assert_int_equal(t->state, TS_FREE);
    return t;
}
static word_t no_of(const struct tcb *t) { return tid_number(t->gid); }

static void expect_clean(void)
{
    if (kcheck_all() != 0)
        printf("unexpected violation: %s (thread %u)\n", kcheck_first(), (unsigned)kcheck_first_thread());
    assert_int_equal(kcheck_all(), 0);
    assert_null(kcheck_first());
    assert_int_equal(kcheck_first_thread(), KCHECK_NO_THREAD);
}

/* ---- the good state ------------------------------------------------------ */

static void test_kcheck_scene_is_consistent(void **state)
{
    (void)state;
    expect_clean();
    assert_true(wakeup_queued(&T(N_B)->wakeup) && wakeup_queued(&T(N_C)->wakeup));
    assert_true(T(N_S)->ipc.xfer.in_string);
    /* and stays so through timeouts, a cancel and a deletion */
    mock_time_us += 5000;
    assert_int_equal(ipc_expire(mock_time_us), 2);
    expect_clean();
    assert_int_equal(ipc_cancel(T(N_S), false, true), TCB_EXREG_SEND);
    expect_clean();
    assert_int_equal(tc(G(N_D), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    expect_clean();
}

/* ---- scheduler ------------------------------------------------------------ */

static void test_kcheck_detects_idle_queued(void **state)
{
    (void)state;
    env_idle->in_ready_queue = true;
    expect_violation("idle thread queued", TID_SYSTEM_BASE);
    env_idle->in_ready_queue = false;
}

static void test_kcheck_detects_idle_in_ipc(void **state)
{
    (void)state;
    env_idle->state = TS_RECV_WAIT;
    expect_violation("idle thread in an IPC", TID_SYSTEM_BASE);
    env_idle->state = TS_READY;
}

static void test_kcheck_detects_utcb_ptr_stale(void **state)
{
    (void)state;
    T(N_S)->utcb_ptr += 0x200u;               /* the neighbouring slot's */
    expect_violation("UTCB pointer differs from the UTCB location", no(N_S));
    T(N_S)->utcb_ptr -= 0x200u;
    expect_clean();
}

static void test_kcheck_detects_machine_state_of_another_space(void **state)
{
    (void)state;
    const void *seen = T(N_S)->arch.space_seen;
    T(N_S)->arch.space_seen = T(N_D)->space == T(N_S)->space ? NULL : T(N_D)->space;
    expect_violation("machine state of the thread not of its space", no(N_S));
    T(N_S)->arch.space_seen = seen;
    expect_clean();
}

static void test_kcheck_detects_quantum_flag_wrong(void **state)
{
    (void)state;
    T(N_S)->quantum_out = true;               /* flag set, quantum left */
    expect_violation("quantum flag differs from the quantum", no(N_S));
    T(N_S)->quantum_out = false;
    T(N_S)->quantum_us = 0;                   /* no quantum, flag clear */
    expect_violation("quantum flag differs from the quantum", no(N_S));
    T(N_S)->quantum_us = TCB_QUANTUM_UNLIMITED;
    expect_clean();
}

static void test_kcheck_detects_wrong_priority_in_queue(void **state)
{
    (void)state;
    struct tcb *d = T(N_D);
    d->prio = 7;                              /* queued at 100 */
    expect_violation("thread in a ready queue it does not belong to", no(N_D));
    d->prio = TCB_DEFAULT_PRIO;
}

static void test_kcheck_detects_ready_back_link(void **state)
{
    (void)state;
    struct tcb *d = T(N_D), *saved = d->ready_prev;
    d->ready_prev = d;
    expect_violation("ready queue back link broken", no(N_D));
    d->ready_prev = saved;
}

static void test_kcheck_detects_ready_head_back_link(void **state)
{
    (void)state;
    struct tcb *head = sched_queue_head(TCB_DEFAULT_PRIO), *saved = head->ready_prev;
    head->ready_prev = head->ready_next;
    expect_violation("ready queue back link broken", no_of(head));
    head->ready_prev = saved;
}

static void test_kcheck_detects_freed_thread_in_ready_queue(void **state)
{
    (void)state;
    struct tcb *d = T(N_D), *saved = d->ready_next;
    d->ready_next = T(60);                    /* a free slot */
    expect_violation("freed or foreign thread in a ready queue", no(N_D));
    d->ready_next = saved;
}

static void test_kcheck_detects_foreign_and_cyclic_ready_links(void **state)
{
    (void)state;
    struct tcb *d = T(N_D), *saved = d->ready_next;
    d->ready_next = (struct tcb *)((char *)T(N_P) + 8);     /* inside a TCB, not its start */
    expect_violation("freed or foreign thread in a ready queue", no(N_D));
    d->ready_next = d;                        /* a circle that misses the head */
    expect_violation("ready queue back link broken", no(N_D));
    assert_true(kcheck_all() > 1);            /* ... and "does not close" after the bound */
    d->ready_next = saved;
}

static void test_kcheck_detects_open_ready_queue(void **state)
{
    (void)state;
    struct tcb *d = T(N_D), *saved = d->ready_next;
    d->ready_next = NULL;
    expect_violation("ready queue does not close", no_of(sched_queue_head(TCB_DEFAULT_PRIO)));
    d->ready_next = saved;
}

static void test_kcheck_detects_runnable_thread_not_queued(void **state)
{
    (void)state;
    sched_remove(T(N_D));
    expect_violation("runnable thread not queued", no(N_D));
    sched_make_ready(T(N_D));
    expect_clean();
}

static void test_kcheck_detects_marked_but_unqueued(void **state)
{
    (void)state;
    struct tcb *a = T(N_A);                   /* blocked, not queued */
    a->in_ready_queue = true;
    expect_violation("thread marked queued but not in its ready queue", KCHECK_NO_THREAD);
    a->in_ready_queue = false;
}

/* Ready threads only in the first bitmap word (priority 0 among them), and
 * none at all (top 0), are consistent states. */
static void test_kcheck_accepts_lowest_priorities_and_no_ready_thread(void **state)
{
    (void)state;
    static uint8_t prio[ENV_THREADS];
    static bool halted[ENV_THREADS];
    for (word_t no = 0; no < tcb_area_used(); no++) {
        struct tcb *t = tcb_of_number(no);
        prio[no] = t->prio;
        if (t->in_ready_queue)
            sched_set_priority(t, t == T(N_D) ? 0 : 31);
    }
    assert_int_equal(sched_bitmap_word(SCHED_PRIORITIES / 32u), 1u);
    assert_int_equal(sched_state.top, 31);
    expect_clean();
    /* every queue empty: the runnable threads halted */
    for (word_t no = 0; no < tcb_area_used(); no++) {
        struct tcb *t = tcb_of_number(no);
        halted[no] = t->state != TS_FREE && sched_runnable(t);
        t->halted |= halted[no];
        sched_remove(t);
    }
    assert_int_equal(sched_bitmap_word(SCHED_PRIORITIES / 32u), 0u);
    assert_int_equal(sched_state.top, 0);
    expect_clean();
    for (word_t no = 0; no < tcb_area_used(); no++) {
        struct tcb *t = tcb_of_number(no);
        if (halted[no]) {
            t->halted = false;
            sched_make_ready(t);
        }
        if (t->state != TS_FREE)
            sched_set_priority(t, prio[no]);
    }
    assert_int_equal(sched_state.top, 255);
    expect_clean();
}

/* Summary bit i must say whether bitmap word i is non-empty, for every word. */
static void test_kcheck_detects_summary_bit_wrong(void **state)
{
    (void)state;
    for (unsigned i = 0; i < SCHED_PRIORITIES / 32u; i++) {
        sched_state.summary ^= 1u << i;
        expect_violation("ready bitmap summary wrong", KCHECK_NO_THREAD);
        sched_state.summary ^= 1u << i;
    }
    /* a bit beyond the bitmap's words: reported, and the checker itself
     * reads no word past the bitmap (the asan build would see it) */
    for (unsigned i = SCHED_PRIORITIES / 32u; i < 32u; i++) {
        sched_state.summary ^= 1u << i;
        assert_int_equal(expect_violation("ready bitmap summary wrong", KCHECK_NO_THREAD), 1);
        sched_state.summary ^= 1u << i;
    }
    expect_clean();
}

/* ---- IPC queues ---------------------------------------------------------- */

static void test_kcheck_detects_blocked_sender_made_ready(void **state)
{
    (void)state;
    struct tcb *b = T(N_B);
    assert_true(b->in_ready_queue);           /* lazily left in its ready queue */
    b->state = TS_READY;                      /* still in root's send queue, timer armed */
    expect_violation("thread in an IPC queue its state does not call for", no(N_B));
    b->state = TS_SEND_WAIT;
}

static void test_kcheck_detects_sender_outside_partner_queue(void **state)
{
    (void)state;
    struct tcb *b = T(N_B);
    b->ipc.partner = T(N_D);                  /* queued on root, says D */
    expect_violation("thread in the IPC queue of a thread it does not wait for", no(N_B));
    b->ipc.partner = root;
}

/* A closed receiver (A, waiting for root's start message, in no queue)
 * must wait for a live thread, the one its global FromSpecifier names;
 * nothing but a queue its state calls for may hold it. */
static void test_kcheck_detects_closed_receiver_partner(void **state)
{
    (void)state;
    struct tcb *a = T(N_A);
    assert_null(a->ipc.q_on);
    assert_int_equal(a->ipc.from_spec, G(ROOT_N));
    a->ipc.partner = T(N_D);                  /* live, but not the one it named */
    assert_int_equal(expect_violation("closed receiver waits for another thread than it named", no(N_A)), 1);
    a->ipc.partner = T(60);                   /* a freed slot (its deletion missed A) */
    assert_int_equal(expect_violation("closed receiver waits for a freed thread", no(N_A)), 1);
    a->ipc.partner = T(N_D);                  /* named by a local ID: not compared */
    a->ipc.from_spec = tid_local_of(T(N_D));
    expect_clean();
    a->ipc.from_spec = G(ROOT_N);
    a->ipc.partner = root;
    expect_clean();
    tcb_set_version(root, tid_make_global(TID_USER_BASE + ROOT_N, 2));   /* ThreadControl renamed it */
    expect_clean();                           /* (A still waits for that thread) */
    tcb_set_version(root, G(ROOT_N));
    enqueue(&root->ipc.sendq, a);             /* queued as if it sent to root */
    /* (once from root's queue walk, once from A's own place) */
    assert_int_equal(expect_violation("thread in an IPC queue its state does not call for", no(N_A)), 2);
    unqueue(a);
    expect_clean();
}

static void test_kcheck_detects_queue_on_freed_thread(void **state)
{
    (void)state;
    struct tcb *d = T(N_D);
    d->ipc.q_on = &T(60)->ipc.sendq;
    expect_violation("thread queued on a freed thread or on no queue", no(N_D));
    d->ipc.q_on = (struct ipc_queue *)&root->ipc.partner;      /* a live thread, but no queue */
    expect_violation("thread queued on a freed thread or on no queue", no(N_D));
    d->ipc.q_on = NULL;
    d->state = TS_SEND_WAIT;                  /* sending to a thread, in no queue */
    d->ipc.partner = root;
    assert_int_equal(expect_violation("sending thread not in its partner's send queue", no(N_D)), 1);
    d->ipc.partner = NULL;                    /* sending to nobody */
    assert_int_equal(expect_violation("sending thread not in its partner's send queue", no(N_D)), 1);
    d->state = TS_READY;
}

/* Send queues are exact: a member that does not send to the owner. */
static void test_kcheck_send_queue_member_not_sending(void **state)
{
    (void)state;
    struct tcb *d = T(N_D);
    enqueue(&root->ipc.sendq, d);             /* ready, in root's send queue */
    /* (root's queue walk, and D's own place: not a sender, yet queued) */
    assert_int_equal(expect_violation("thread in an IPC queue its state does not call for", no(N_D)), 2);
    d->state = TS_RECV_WAIT;                  /* an open receiver */
    assert_int_equal(expect_violation("thread in an IPC queue its state does not call for", no(N_D)), 2);
    d->state = TS_SEND_WAIT;                  /* a sender to another thread */
    d->ipc.partner = T(N_B);
    /* (root's walk; D's place: not in B's send queue) */
    assert_int_equal(expect_violation("thread in the IPC queue of a thread it does not wait for", no(N_D)), 2);
    d->ipc.partner = root;                    /* a sender to root: clean */
    expect_clean();
    d->state = TS_READY;
    d->ipc.partner = NULL;
    unqueue(d);
    expect_clean();
}

static void test_kcheck_detects_queue_member_state(void **state)
{
    (void)state;
    /* root's send queue holds B (a send with a timeout): make B a receiver */
    struct tcb *b = T(N_B);
    assert_ptr_equal(b->ipc.q_on, &root->ipc.sendq);
    b->state = TS_RECV_WAIT;
    expect_violation("thread in an IPC queue its state does not call for", no(N_B));
    b->state = TS_SEND_WAIT;
    expect_clean();
    root->ipc.sendq.ends.next = &T(N_C)->ipc.q_link;   /* C (receiving, NULL links) linked in instead */
    /* (C's links, its state, and the walk's end at C's NULL link; the
     * queue is restored before the count is asserted: the teardown
     * deletes root) */
    unsigned bad = expect_violation("IPC queue links broken", no(N_C));
    root->ipc.sendq.ends.next = &b->ipc.q_link;
    assert_int_equal(bad, 3);
    expect_clean();
    b->ipc.q_link.prev = &T(N_C)->ipc.q_link;           /* B's back link wrong */
    bad = expect_violation("IPC queue links broken", no(N_B));
    b->ipc.q_link.prev = &root->ipc.sendq.ends;
    assert_int_equal(bad, 1);
    expect_clean();
}

static void test_kcheck_detects_wrong_top_priority(void **state)
{
    (void)state;
    word_t top = sched_state.top;
    assert_int_equal(top, (word_t)sched_highest_queued());
    sched_state.top = top - 1;
    expect_violation("highest ready priority differs from the bitmap", KCHECK_NO_THREAD);
    sched_state.top = top;
    expect_clean();
}

static void test_kcheck_detects_links_outside_queues(void **state)
{
    (void)state;
    struct tcb *d = T(N_D);                   /* ready: in no IPC queue */
    assert_null(d->ipc.q_on);
    d->ipc.q_link.prev = &T(N_B)->ipc.q_link;
    expect_violation("IPC queue links of a thread in no queue", no(N_D));
    d->ipc.q_link.prev = NULL;
    d->ipc.q_link.next = &T(N_B)->ipc.q_link;
    expect_violation("IPC queue links of a thread in no queue", no(N_D));
    d->ipc.q_link.next = NULL;
    expect_clean();
}

static void test_kcheck_detects_queue_tail(void **state)
{
    (void)state;
    struct ipc_link *tail = root->ipc.sendq.ends.prev;
    assert_ptr_equal(tail, &T(N_B)->ipc.q_link);
    root->ipc.sendq.ends.prev = &root->ipc.sendq.ends;
    expect_violation("IPC queue tail wrong", ROOT_N + TID_USER_BASE);
    root->ipc.sendq.ends.prev = NULL;         /* (B, still on it, is then counted in no queue) */
    assert_int_equal(expect_violation("IPC queue not initialised", ROOT_N + TID_USER_BASE), 2);
    root->ipc.sendq.ends.prev = tail;
    expect_clean();
}

static void test_kcheck_detects_cyclic_and_freed_queue(void **state)
{
    (void)state;
    struct tcb *b = T(N_B);
    struct ipc_link *end = b->ipc.q_link.next;
    assert_ptr_equal(end, &root->ipc.sendq.ends);
    b->ipc.q_link.next = &b->ipc.q_link;       /* sendq never ends */
    assert_true(kcheck_all() > 0);
    b->ipc.q_link.next = &T(60)->ipc.q_link;
    expect_violation("freed or foreign thread in an IPC queue", ROOT_N + TID_USER_BASE);
    b->ipc.q_link.next = end;
    expect_clean();
}

static void test_kcheck_detects_thread_in_two_queues(void **state)
{
    (void)state;
    /* D (ready) appears in root's send queue behind B without saying so */
    struct tcb *b = T(N_B), *d = T(N_D);
    b->ipc.q_link.next = &d->ipc.q_link;
    root->ipc.sendq.ends.prev = &d->ipc.q_link;
    d->ipc.q_link.prev = &b->ipc.q_link;
    d->ipc.q_link.next = &root->ipc.sendq.ends;
    d->ipc.q_on = &root->ipc.sendq;
    d->state = TS_SEND_WAIT;
    d->ipc.partner = root;
    expect_clean();                           /* a consistent second sender */
    d->ipc.q_on = NULL;                       /* linked, but does not know it */
    expect_violation("IPC queue links broken", no(N_D));
    b->ipc.q_link.next = &root->ipc.sendq.ends;
    root->ipc.sendq.ends.prev = &b->ipc.q_link;
    d->ipc.q_link.next = d->ipc.q_link.prev = NULL;   /* says it sends to root, but no queue holds it */
    expect_violation("sending thread not in its partner's send queue", no(N_D));
    d->state = TS_READY;
    d->ipc.partner = NULL;
    expect_clean();
}

/* ---- transfers ------------------------------------------------------------- */

static void test_kcheck_detects_stale_utcb_in_transfer(void **state)
{
    (void)state;
    /* the receiver's UTCB moved (migration) while the cursor kept the old one */
    struct tcb *r = T(N_R);
    word_t *saved = r->utcb;
    static word_t elsewhere[128];
    r->utcb = &elsewhere[64];
    expect_violation("string transfer points outside the partners' UTCBs", no(N_S));
    r->utcb = saved;
    /* a cursor may point anywhere in the sender's UTCB, not one word past it */
    struct tcb *s = T(N_S);
    const word_t *src = s->ipc.xfer.src.s.w;
    const word_t below = TID_UTCB_MR0_OFFSET / sizeof(word_t);
    const word_t above = ((1u << TID_UTCB_SIZE_LOG2) - TID_UTCB_MR0_OFFSET) / sizeof(word_t);
    s->ipc.xfer.src.s.w = s->utcb - below;
    expect_clean();
    s->ipc.xfer.src.s.w = s->utcb + above - 1;
    expect_clean();
    s->ipc.xfer.src.s.w = s->utcb + above;
    expect_violation("string transfer points outside the partners' UTCBs", no(N_S));
    s->ipc.xfer.src.s.w = src;
    expect_clean();
}

static void test_kcheck_detects_transfer_partner_mismatch(void **state)
{
    (void)state;
    struct tcb *r = T(N_R), *s = T(N_S);
    r->ipc.saved.xfer_partner = T(N_D);       /* R (nested) forgot its sender */
    expect_violation("transfer partners disagree", no(N_S));
    r->ipc.saved.xfer_partner = s;
    s->ipc.xfer_partner = T(60);
    expect_violation("transfer partner freed", no(N_S));
    /* an odd address inside a slot, where a thread's state byte would read live */
    uint8_t *odd = (uint8_t *)((uintptr_t)T(60) + 1u);
    odd[offsetof(struct tcb, state)] = TS_READY;
    s->ipc.xfer_partner = (struct tcb *)(uintptr_t)odd;
    expect_violation("transfer partner freed", no(N_S));
    odd[offsetof(struct tcb, state)] = 0;
    /* the first slot past the area (one of 128 slots here), holding a thread */
    struct tid_slots area = tid_slots;
    struct tcb *past = tcb_of_number(128);
    tid_slots.nthreads = 128;
    past->state = TS_READY;
    s->ipc.xfer_partner = past;
    expect_violation("transfer partner freed", no(N_S));
    past->state = TS_FREE;
    tid_slots = area;
    s->ipc.xfer_partner = r;
    expect_clean();
}

static void test_kcheck_detects_stale_transfer_fields(void **state)
{
    (void)state;
    struct tcb *d = T(N_D);
    d->ipc.xfer_partner = T(N_S);
    expect_violation("transfer partner kept after the transfer", no(N_D));
    d->ipc.xfer_partner = NULL;
    d->ipc_nested = true;
    d->ipc.saved.state = TS_READY;
    expect_violation("nested IPC state outside an IPC", no(N_D));
    d->ipc_nested = false;
    struct tcb *s = T(N_S);
    s->ipc.xfer.in_string = false;
    expect_violation("suspended transfer outside a string", no(N_S));
    s->ipc.xfer.in_string = true;
}

/* ---- timeouts -------------------------------------------------------------- */

static void test_kcheck_detects_timer_of_ready_thread(void **state)
{
    (void)state;
    struct tcb *d = T(N_D);
    wakeup_insert(&env_wq, &d->wakeup, 12345);
    expect_clean();                           /* stopped, still queued: stale (lazy timers) */
    d->timer_live = true;
    expect_violation("timer queued for a thread not waiting in IPC", no(N_D));
    wakeup_remove(&env_wq, &d->wakeup);
    expect_violation("running timer not queued", no(N_D));
    d->timer_live = false;
    /* the receiving side of a transfer never owns the transfer timer */
    wakeup_insert(&env_wq, &T(N_R)->wakeup, 12345);
    T(N_R)->timer_live = true;
    expect_violation("timer queued for a thread not waiting in IPC", no(N_R));
    T(N_R)->timer_live = false;
    wakeup_remove(&env_wq, &T(N_R)->wakeup);
    /* the sender's transfer timer only once a transfer timeout was decided */
    assert_true(T(N_S)->ipc.xfer_timed);      /* decided (never / never) at the fault */
    wakeup_insert(&env_wq, &T(N_S)->wakeup, 12345);
    T(N_S)->timer_live = true;
    expect_clean();
    T(N_S)->ipc.xfer_timed = false;
    expect_violation("timer queued for a thread not waiting in IPC", no(N_S));
    T(N_S)->ipc.xfer_timed = true;
    T(N_S)->timer_live = false;
    wakeup_remove(&env_wq, &T(N_S)->wakeup);
    /* a freed thread's node */
    struct tcb *f = freed_slot(60);
    wakeup_insert(&env_wq, &f->wakeup, 12345);
    expect_violation("freed thread still linked", no(60));
    wakeup_remove(&env_wq, &f->wakeup);
}

/* Stale nodes (lazy timers) are counted in every class: late, late-late and
 * due (expired, not yet handed out), besides soon. */
static void test_kcheck_counts_nodes_of_every_class(void **state)
{
    (void)state;
    uint64_t now = env_wq.now;
    assert_true(T(N_B)->wakeup.deadline > now + 500u);       /* B's and C's stay soon */
    wakeup_insert(&env_wq, &T(N_D)->wakeup, now + 100u);
    wakeup_insert(&env_wq, &T(N_P)->wakeup, now + 100u);
    wakeup_insert(&env_wq, &T(N_A)->wakeup, now + 100000u);
    wakeup_insert(&env_wq, &root->wakeup, now + 10000000u);
    assert_non_null(wakeup_expire(&env_wq, now + 500u));      /* D or P; the other stays due */
    assert_int_equal(wakeup_count(&env_wq, WAKEUP_DUE), 1);
    assert_int_equal(wakeup_node_class(&T(N_A)->wakeup), WAKEUP_LATE);
    assert_int_equal(wakeup_node_class(&root->wakeup), WAKEUP_LATELATE);
    expect_clean();
    wakeup_remove(&env_wq, &T(N_D)->wakeup);
    wakeup_remove(&env_wq, &T(N_P)->wakeup);
    wakeup_remove(&env_wq, &T(N_A)->wakeup);
    wakeup_remove(&env_wq, &root->wakeup);
    expect_clean();
}

static void test_kcheck_detects_foreign_wakeup_node(void **state)
{
    (void)state;
    struct wakeup_node stray = { 0 };
    wakeup_insert(&env_wq, &stray, 12345);
    expect_violation("wakeup node of a freed or foreign thread", KCHECK_NO_THREAD);
    wakeup_remove(&env_wq, &stray);
    struct wakeup_node *inside = (struct wakeup_node *)((char *)T(N_D) + 2048);   /* kernel stack */
    memset(inside, 0, sizeof(*inside));
    wakeup_insert(&env_wq, inside, 12345);
    expect_violation("wakeup node of a freed or foreign thread", KCHECK_NO_THREAD);
    wakeup_remove(&env_wq, inside);
    assert_null(wakeup_list_next(&env_wq, WAKEUP_NONE, NULL));
}

static void test_kcheck_detects_wakeup_queue_damage(void **state)
{
    (void)state;
    struct tcb *b = T(N_B), *c = T(N_C);
    wakeup_remove(&env_wq, &c->wakeup);       /* C waits without a timeout: B's is the only timer */
    c->timer_live = false;
    expect_clean();
    uint64_t saved = b->wakeup.deadline;
    b->wakeup.deadline = UINT64_MAX;          /* outside its class */
    /* (and the walk of the damaged queue finds none of the one timer) */
    assert_int_equal(expect_violation("wakeup queue inconsistent", KCHECK_NO_THREAD), 2);
    b->wakeup.deadline = saved;
    expect_clean();
}

static void test_kcheck_detects_unlinked_timer(void **state)
{
    (void)state;
    struct tcb *b = T(N_B);
    struct wakeup_node saved = b->wakeup;
    /* B says queued, but the list does not hold it */
    wakeup_remove(&env_wq, &b->wakeup);
    b->wakeup.list = WAKEUP_SOON;
    expect_violation("wakeup node linked not exactly once", KCHECK_NO_THREAD);
    b->wakeup.list = WAKEUP_NONE;
    wakeup_insert(&env_wq, &b->wakeup, saved.deadline);
    expect_clean();
}

/* ---- threads and spaces ---------------------------------------------------- */

static void test_kcheck_detects_bad_identity(void **state)
{
    (void)state;
    struct tcb *d = T(N_D);
    d->gid = Gv(N_D, 2);                      /* not registered under this version */
    assert_true(tid_lookup(d->gid) == d);     /* version is stored in the TCB ... */
    d->gid = Gv(N_D + 1, 1);                  /* ... but the number must be the slot's */
    expect_violation("thread not found by its global ID", no(N_D));
    d->gid = Gv(N_D + ENV_THREADS, 1);        /* even one the lookup maps onto the slot */
    assert_ptr_equal(tid_lookup(d->gid), d);
    expect_violation("thread not found by its global ID", no(N_D));
    d->gid = G(N_D);
    tid_local_unregister(d);
    expect_violation("thread not found by its local ID", no(N_D));
    tid_local_register(d);
    d->local_registered = false;              /* on its hash chain, but says not */
    expect_violation("thread not found by its local ID", no(N_D));
    d->local_registered = true;
    d->state = TS_DEAD;                       /* the last state (aborted, left queued) */
    expect_clean();
    d->state = TS_DEAD + 1;
    expect_violation("thread state out of range", no(N_D));
    d->state = TS_READY;
    expect_clean();
}

static void test_kcheck_detects_utcb_outside_area(void **state)
{
    (void)state;
    word_t saved = root_space->utcb_area;
    root_space->utcb_area = fpage_make(0xB0000000u, 12, 0);
    expect_violation("UTCB outside its space's UTCB area", no(ROOT_N));
    root_space->utcb_area = saved;
}

static void test_kcheck_detects_freed_space(void **state)
{
    (void)state;
    struct space *gone = space_create();      /* same cache page as root's space */
    space_destroy(gone);
    struct tcb *d = T(N_D);
    tid_local_unregister(d);
    d->space = gone;
    tid_local_register(d);
    gone->thread_count = 1;
    /* (and D's machine state, D's UTCB, root's count of D; no more: a
     * freed space is not counted as a live one) */
    assert_int_equal(expect_violation("thread in a freed space", no(N_D)), 4);
    tid_local_unregister(d);
    d->space = root_space;
    tid_local_register(d);
}

static void test_kcheck_detects_kernel_space_misuse(void **state)
{
    (void)state;
    /* inactive threads have no local ID ... */
    assert_int_equal(tc(G(12), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG), 1);
    expect_clean();
    T(12)->local_registered = true;
    expect_violation("inactive thread has a local ID", no(12));
    T(12)->local_registered = false;
    /* ... and no user thread lives in the kernel's space (not even the first) */
    struct tcb *k;
    assert_int_equal(tcb_create(G(0), &env_kspace, TID_NIL, &k), TCB_OK);
    expect_violation("user thread in the kernel's space", no(0));
    mock_current = env_idle;
    assert_false(tcb_delete(k, &env_wq));
    as(root);
    expect_clean();
    /* a second kernel thread is counted with idle for the kernel's space */
    assert_int_equal(tcb_create(tid_make_global(TID_SYSTEM_BASE + 1u, 1), &env_kspace, TID_NIL, &k), TCB_OK);
    expect_clean();
    mock_current = env_idle;
    assert_false(tcb_delete(k, &env_wq));
    as(root);
    expect_clean();
    env_kspace.utcb_area = ROOT_UTCB_AREA;    /* SpaceControl on a kernel thread */
    expect_violation("the kernel's space was given user areas", TID_SYSTEM_BASE);
    env_kspace.utcb_area = 0;
}

static void test_kcheck_detects_thread_count(void **state)
{
    (void)state;
    root_space->thread_count++;
    expect_violation("space thread count wrong", KCHECK_NO_THREAD);
    root_space->thread_count--;
    env_kspace.thread_count++;                /* the kernel's space (idle's, the first counted) */
    expect_violation("space thread count wrong", KCHECK_NO_THREAD);
    env_kspace.thread_count--;
    expect_clean();
}

/* Two spaces with one page directory (the mocks number each space's):
 * root's and the kernel's, then root's and a new one's; each is reported
 * once, as the pair it is. */
static void test_kcheck_detects_shared_page_directory(void **state)
{
    (void)state;
    const char *what = "two spaces with one page directory";
    unsigned keep = root_space->arch.root;
    root_space->arch.root = env_kspace.arch.root;
    assert_int_equal(expect_violation(what, KCHECK_NO_THREAD), 1);
    root_space->arch.root = keep;
    struct tcb *t;
    assert_int_equal(tcb_create(G(70), space_create(), G(ROOT_N), &t), TCB_OK);
    expect_clean();
    t->space->arch.root = keep;
    assert_int_equal(expect_violation(what, KCHECK_NO_THREAD), 1);
    t->space->arch.root = keep + 1000u;
    expect_clean();
    env_kill(t);
    expect_clean();
}

/* A thread's fast view that is not the one its send queue and its space's
 * redirector give: root (B queued to it) with the area's view, another
 * base or mask, the redirector changed behind tcb_space_redirect's back
 * (either way), the idle thread (the kernel's space: nilthread). */
static void test_kcheck_detects_fast_view_wrong(void **state)
{
    (void)state;
    struct tid_view area = tid_slots.view, empty = tid_empty_view();
    struct tcb *d = T(N_D), *idle = tcb_of_number(TID_SYSTEM_BASE);
    assert_true(root->fast_view.base == empty.base && d->fast_view.base == area.base);
    root->fast_view = area;                   /* B waits in its send queue */
    assert_int_equal(expect_violation("fast view not the one its send queue and redirector give", ROOT_N + TID_USER_BASE), 1);
    root->fast_view = empty;
    d->fast_view.base += TCB_SIZE;            /* the area's mask, another base */
    assert_int_equal(expect_violation("fast view not the one its send queue and redirector give", no(N_D)), 1);
    d->fast_view.base = area.base;
    d->fast_view.slot_mask >>= 1;             /* the area's base, half its slots */
    assert_int_equal(expect_violation("fast view not the one its send queue and redirector give", no(N_D)), 1);
    d->fast_view = area;
    expect_clean();
    /* a redirector for root's space: every thread of it looks through the empty view */
    unsigned in_space = 0;
    for (word_t n = 0; n < tcb_area_used(); n++) {
        const struct tcb *t = tcb_of_number(n);
        in_space += t->state != TS_FREE && t->space == root_space;
    }
    tcb_space_redirect(root_space, G(ROOT_N));
    assert_true(d->fast_view.base == empty.base && d->fast_view.slot_mask == 0);
    expect_clean();
    root_space->redirector = TID_ANY;         /* none, the empty views kept: all but root's wrong */
    assert_int_equal(kcheck_all(), in_space - 1u);
    assert_string_equal(kcheck_first(), "fast view not the one its send queue and redirector give");
    tcb_space_redirect(root_space, TID_ANY);
    assert_true(d->fast_view.base == area.base && root->fast_view.base == empty.base);
    expect_clean();
    root_space->redirector = G(ROOT_N);       /* a redirector, the area's views kept */
    assert_int_equal(kcheck_all(), in_space - 1u);
    assert_string_equal(kcheck_first(), "fast view not the one its send queue and redirector give");
    tcb_space_redirect(root_space, TID_ANY);
    expect_clean();
    idle->fast_view = area;                   /* the kernel's space has no TID_ANY */
    assert_int_equal(expect_violation("fast view not the one its send queue and redirector give", TID_SYSTEM_BASE), 1);
    idle->fast_view = empty;
    expect_clean();
}

/* A local-ID hint that is neither the sentinel nor a live thread of its
 * owner's space: NULL, inside a slot, below the area, a slot never used,
 * a thread of another space (the idle thread's, and root for idle);
 * another thread of the space and the sentinel are fine. And a hint of a
 * thread with a sender queued (root's, B waits) other than the sentinel. */
static void test_kcheck_detects_local_hint_wrong(void **state)
{
    (void)state;
    const char *what = "local-ID hint neither a thread of its space nor the sentinel";
    struct tcb *d = T(N_D), *idle = tcb_of_number(TID_SYSTEM_BASE);
    assert_ptr_equal(d->local_hint, &tid_local_end);     /* (tcb_create) */
    struct tcb *wrong[] = { NULL, (struct tcb *)((char *)root + 4),
                            (struct tcb *)((char *)tcb_of_number(0) - TCB_SIZE),
                            tcb_of_number(tcb_area_used()), idle };
    for (unsigned k = 0; k < sizeof wrong / sizeof wrong[0]; k++) {
        d->local_hint = wrong[k];
        assert_int_equal(expect_violation(what, no(N_D)), 1);
    }
    d->local_hint = root;
    expect_clean();
    d->local_hint = &tid_local_end;
    idle->local_hint = root;
    assert_int_equal(expect_violation(what, TID_SYSTEM_BASE), 1);
    idle->local_hint = &tid_local_end;
    expect_clean();
    /* root, with B queued to send to it, may have no hint but the sentinel */
    assert_ptr_equal(root->local_hint, &tid_local_end);
    root->local_hint = d;
    assert_int_equal(expect_violation("local-ID hint kept with a sender queued", ROOT_N + TID_USER_BASE), 1);
    root->local_hint = &tid_local_end;
    expect_clean();
}

/* A global-ID hint must be none (tid_no_slot) or a slot of the TCB area
 * (live or free: tcb.h), and none while the fast view is empty: root,
 * with B queued to send to it, and the idle thread, in the kernel's space. */
static void test_kcheck_detects_global_hint_wrong(void **state)
{
    (void)state;
    const char *what = "global-ID hint neither a TCB slot under a full view nor none";
    struct tcb *d = T(N_D), *idle = tcb_of_number(TID_SYSTEM_BASE);
    assert_ptr_equal(d->global_hint, &tid_no_slot);      /* (tcb_create) */
    uintptr_t area = tid_slots.view.base;
    struct tcb *wrong[] = { NULL, (struct tcb *)((char *)root + 4), (struct tcb *)(area - TCB_SIZE),
                            (struct tcb *)(area + tcb_area_threads() * TCB_SIZE), &tid_local_end };
    for (unsigned k = 0; k < sizeof wrong / sizeof wrong[0]; k++) {
        d->global_hint = wrong[k];
        assert_int_equal(expect_violation(what, no(N_D)), 1);
    }
    struct tcb *fine[] = { root, idle, tcb_of_number(tcb_area_used()), (struct tcb *)area };
    for (unsigned k = 0; k < sizeof fine / sizeof fine[0]; k++) {
        d->global_hint = fine[k];
        expect_clean();
    }
    d->global_hint = &tid_no_slot;
    assert_ptr_equal(root->global_hint, &tid_no_slot);
    root->global_hint = d;
    assert_int_equal(expect_violation(what, ROOT_N + TID_USER_BASE), 1);
    root->global_hint = &tid_no_slot;
    idle->global_hint = root;
    assert_int_equal(expect_violation(what, TID_SYSTEM_BASE), 1);
    idle->global_hint = &tid_no_slot;
    expect_clean();
}

/* More distinct spaces than the checker can count (4096) are reported, and
 * the thread beyond them is counted for none. */
static void test_kcheck_detects_too_many_spaces(void **state)
{
    (void)state;
    const unsigned first = 100, extra = 4095;          /* idle's, root's and 4095 spaces */
    for (unsigned i = 0; i < extra; i++) {
        struct tcb *t;
        assert_int_equal(tcb_create(G(first + i), space_create(), G(ROOT_N), &t), TCB_OK);
    }
    /* (its space is then "without threads") */
    assert_int_equal(expect_violation("more spaces than the checker can count", no(first + extra - 1)), 2);
    env_kill(T(first + extra - 1));
    expect_clean();
}

static void test_kcheck_detects_space_without_threads(void **state)
{
    (void)state;
    struct space *idle_space = space_create();
    expect_violation("space without threads", KCHECK_NO_THREAD);
    space_destroy(idle_space);
    expect_clean();
}

static void test_kcheck_detects_linked_free_slot(void **state)
{
    (void)state;
    struct tcb *f = freed_slot(60);
    f->in_ready_queue = true;
    expect_violation("freed thread still linked", no(60));
    f->in_ready_queue = false;
    struct tcb *z = tcb_of_number(0);         /* the first slot is walked, too */
    z->in_ready_queue = true;
    assert_int_equal(expect_violation("freed thread still linked", 0), 1);
    z->in_ready_queue = false;
    expect_clean();
}

/* A thread in the area's last slot is checked (and the walk ends there). */
static void test_kcheck_checks_the_last_slot(void **state)
{
    (void)state;
    word_t last = tcb_area_threads() - 1u;
    struct tcb *t;
    assert_int_equal(tcb_create(tid_make_global(last, 1), root_space, G(ROOT_N), &t), TCB_OK);
    assert_int_equal(tcb_area_used(), tcb_area_threads());
    expect_clean();
    t->quantum_out = true;
    expect_violation("quantum flag differs from the quantum", last);
    t->quantum_out = false;
    env_kill(t);
    expect_clean();
}

/* ---- memory ------------------------------------------------------------------ */

static void test_kcheck_detects_mdb_page_table_mismatch(void **state)
{
    (void)state;
    arch_pt_set_rights(root_space, MAP_VA, 1);   /* the node still says rwx */
    expect_violation("mapping database inconsistent", KCHECK_NO_THREAD);
    arch_pt_set_rights(root_space, MAP_VA, 7);
    arch_tlb_flush(root_space, MAP_VA, 12);
}

static void test_kcheck_detects_pool_damage(void **state)
{
    (void)state;
    struct space *a = space_create(), *b = space_create();   /* same page as root's */
    space_destroy(a);
    uintptr_t *freed = (uintptr_t *)a;        /* a free object of a held page */
    uintptr_t magic = freed[1];
    freed[1] = 0;
    space_destroy(b);                         /* keep "space without threads" out */
    expect_violation("kernel memory pool accounting wrong", KCHECK_NO_THREAD);
    freed[1] = magic;
    expect_clean();
}

static void test_kcheck_after_syscall_panics_on_violation(void **state)
{
    (void)state;
    sched_state.resched = false;              /* as the kernel's exit leaves it */
    kcheck_after_syscall();                   /* clean: returns */
    mock_console_len = 0;
    root_space->thread_count++;
    assert_true(MOCK_EXPECT_PANIC(kcheck_after_syscall()));
    root_space->thread_count--;
    assert_non_null(strstr(mock_console, "space thread count wrong"));
    assert_string_equal(mock_panic_why, "kernel invariant violated");
    mock_console_len = 0;                     /* a reschedule left pending */
    sched_state.resched = true;
    assert_true(MOCK_EXPECT_PANIC(kcheck_after_syscall()));
    sched_state.resched = false;
    assert_non_null(strstr(mock_console, "reschedule request left for user mode"));
    kcheck_after_syscall();
}

/* ---- kmem_check on a cache of its own ------------------------------------- */

static void test_kmem_check_detects_bookkeeping_damage(void **state)
{
    (void)state;
    struct kmem_cache c;
    kmem_cache_init(&c, 1000);                /* 4 per page */
    void *o[6];
    for (unsigned i = 0; i < 6; i++)
        o[i] = kmem_alloc(&c);
    assert_int_equal(kmem_check(&c), 0);      /* one full page, one partial */
    assert_true(kmem_owns(&c, o[0]) && kmem_owns(&c, o[5]));
    ((uintptr_t *)o[5])[1] = 0x6B6D4672u;     /* an object in use may hold the free magic */
    assert_true(kmem_owns(&c, o[5]));
    assert_false(kmem_owns(&c, (char *)o[0] + 8));     /* not an object start */
    assert_false(kmem_owns(&c, NULL));
    assert_false(kmem_owns(&c, (void *)((uintptr_t)o[0] & ~(uintptr_t)4095)));   /* header */
    c.live++;
    assert_true(kmem_check(&c) > 0);
    c.live--;
    kmem_free(&c, o[0]);                      /* both pages partial */
    assert_int_equal(kmem_check(&c), 0);
    assert_false(kmem_owns(&c, o[0]));
    c.pages--;                                /* partial list longer than the pages held */
    assert_true(kmem_check(&c) > 0);
    c.pages++;
    uintptr_t *f = (uintptr_t *)o[0];
    f[1] ^= 1;                                /* magic of a free object */
    assert_true(kmem_check(&c) > 0);
    f[1] ^= 1;
    void *saved = (void *)f[0];
    f[0] = (uintptr_t)o[0];                   /* free list cycle */
    assert_true(kmem_check(&c) > 0);
    f[0] = (uintptr_t)&c;                     /* free list leaves the page */
    assert_true(kmem_check(&c) > 0);
    f[0] = (uintptr_t)saved;
    struct kmem_cache other;
    kmem_cache_init(&other, 1000);
    assert_false(kmem_owns(&other, o[1]));
    assert_true(kmem_check(&c) == 0);
    struct kmem_cache copy = c;               /* pages name `c` as owner */
    assert_true(kmem_check(&copy) > 0);
    for (unsigned i = 1; i < 6; i++)
        kmem_free(&c, o[i]);
    assert_int_equal(kmem_check(&c), 0);
    assert_int_equal(kmem_pages(&c), 0);
}

#define T_(name) cmocka_unit_test_setup_teardown(name, scene_setup, env_teardown)

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);         /* messages survive a hang in a teardown */
    const struct CMUnitTest tests[] = {
        T_(test_kcheck_scene_is_consistent),
        T_(test_kcheck_detects_idle_queued),
        T_(test_kcheck_detects_idle_in_ipc),
        T_(test_kcheck_detects_utcb_ptr_stale),
        T_(test_kcheck_detects_machine_state_of_another_space),
        T_(test_kcheck_detects_quantum_flag_wrong),
        T_(test_kcheck_detects_wrong_priority_in_queue),
        T_(test_kcheck_detects_ready_back_link),
        T_(test_kcheck_detects_ready_head_back_link),
        T_(test_kcheck_detects_freed_thread_in_ready_queue),
        T_(test_kcheck_detects_foreign_and_cyclic_ready_links),
        T_(test_kcheck_detects_open_ready_queue),
        T_(test_kcheck_detects_runnable_thread_not_queued),
        T_(test_kcheck_detects_marked_but_unqueued),
        T_(test_kcheck_accepts_lowest_priorities_and_no_ready_thread),
        T_(test_kcheck_detects_summary_bit_wrong),
        T_(test_kcheck_detects_blocked_sender_made_ready),
        T_(test_kcheck_detects_sender_outside_partner_queue),
        T_(test_kcheck_detects_closed_receiver_partner),
        T_(test_kcheck_detects_queue_on_freed_thread),
        T_(test_kcheck_send_queue_member_not_sending),
        T_(test_kcheck_detects_queue_member_state),
        T_(test_kcheck_detects_wrong_top_priority),
        T_(test_kcheck_detects_links_outside_queues),
        T_(test_kcheck_detects_queue_tail),
        T_(test_kcheck_detects_cyclic_and_freed_queue),
        T_(test_kcheck_detects_thread_in_two_queues),
        T_(test_kcheck_detects_stale_utcb_in_transfer),
        T_(test_kcheck_detects_transfer_partner_mismatch),
        T_(test_kcheck_detects_stale_transfer_fields),
        T_(test_kcheck_detects_timer_of_ready_thread),
        T_(test_kcheck_counts_nodes_of_every_class),
        T_(test_kcheck_detects_foreign_wakeup_node),
        T_(test_kcheck_detects_wakeup_queue_damage),
        T_(test_kcheck_detects_unlinked_timer),
        T_(test_kcheck_detects_bad_identity),
        T_(test_kcheck_detects_utcb_outside_area),
        T_(test_kcheck_detects_freed_space),
        T_(test_kcheck_detects_kernel_space_misuse),
        T_(test_kcheck_detects_thread_count),
        T_(test_kcheck_detects_shared_page_directory),
        T_(test_kcheck_detects_fast_view_wrong),
        T_(test_kcheck_detects_local_hint_wrong),
        T_(test_kcheck_detects_global_hint_wrong),
        T_(test_kcheck_detects_too_many_spaces),
        T_(test_kcheck_detects_space_without_threads),
        T_(test_kcheck_detects_linked_free_slot),
        T_(test_kcheck_checks_the_last_slot),
        T_(test_kcheck_detects_mdb_page_table_mismatch),
        T_(test_kcheck_detects_pool_damage),
        T_(test_kcheck_after_syscall_panics_on_violation),
        T_(test_kmem_check_detects_bookkeeping_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
