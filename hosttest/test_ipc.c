/* Host tests of the IPC state machine (core/ipc.h) with real tid/tcb/sched/wakeup
 * and fake user memory (mock/usermem.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ipc_fixture.h"
#include <mock/syscall_hooks.h>

#include <stdio.h>

/* A period of `us` microseconds (< 1024 * 2^e) as an X.2 time value. */
static uint16_t period(uint32_t us)
{
    unsigned e = 0;
    while (us >= 1024u) {
        us >>= 1;
        e++;
    }
    return (uint16_t)((e << 10) | us);
}

static int setup(void **state)
{
    area = aligned_alloc(TCB_SIZE, AREA_BYTES);
    return area == NULL || !ipc_machine_reset(NULL);
}

static int teardown(void **state)
{
    ipc_machine_free();
    return 0;
}

/* Load a message: tag with label, u untyped words w[0..u-1]. */
static void msg_load(unsigned i, word_t label, unsigned u, const word_t *w)
{
    U(i)[0] = msgtag_make(label, u, 0, 0);
    for (unsigned k = 0; k < u; k++)
        U(i)[1 + k] = w[k];
}

static void msg_load2(unsigned i, word_t label, word_t a, word_t b)
{
    word_t w[2] = { a, b };
    msg_load(i, label, 2, w);
}

static enum ipc_outcome do_ipc(unsigned i, tid_t to, tid_t from, word_t timeouts)
{
    mock_current = th[i];
    return ipc_invoke(th[i], to, from, timeouts);
}

static word_t err_of(unsigned i) { return U(i)[UTCB_ERROR_CODE]; }

/* True while `t`'s timeout runs (its node may stay queued after: lazy timers). */
static bool timer_running(const struct tcb *t)
{
    assert_true(!t->timer_live || wakeup_queued(&t->wakeup));
    return t->timer_live;
}

/* ---- basic send / receive ------------------------------------------------- */

static void test_ipc_invoke_send_to_nonexistent(void **state)
{
    msg_load2(0, 0x10, 1, 2);
    assert_int_equal(do_ipc(0, tid_make_global(90, 1), TID_NIL, TO(NEVER, NEVER)), IPC_DONE);
    assert_true(ipc_result_tag(th[0]) & MSG_TAG_E);
    assert_int_equal(err_of(0), 0x4u);
    assert_int_equal(ipc_result_from(th[0]), TID_NIL);
    assert_int_equal(U(0)[0], ipc_result_tag(th[0]));
    /* wrong version, anythread and anylocalthread are no destinations either */
    assert_int_equal(do_ipc(0, tid_make_global(TID_USER_BASE + 4u, 2), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(0), 0x4u);
    assert_int_equal(do_ipc(0, TID_ANY, TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(0), 0x4u);
    assert_int_equal(do_ipc(0, TID_ANYLOCAL, TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(0), 0x4u);
    assert_int_equal(th[0]->state, TS_READY);
}

static void test_ipc_invoke_dead_partner(void **state)
{
    th[1]->state = TS_DEAD;           /* (set by the thread module when aborting a thread) */
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(0), 0x4u);
    assert_int_equal(do_ipc(0, TID_NIL, gid_of(1), 0), IPC_DONE);
    assert_int_equal(err_of(0), 0x5u);
    assert_int_equal(ipc_thread_state(th[0]), TS_READY);
}

static void test_ipc_invoke_nil_nil_is_noop(void **state)
{
    msg_load2(0, 0x10, 1, 2);
    word_t tag = U(0)[0];
    assert_int_equal(do_ipc(0, TID_NIL, TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[0]), tag);
    assert_int_equal(ipc_result_from(th[0]), TID_NIL);
}

static void test_ipc_invoke_send_zero_timeout_fails(void **state)
{
    msg_load2(0, 0x10, 1, 2);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, TO(ZERO, NEVER)), IPC_DONE);
    assert_int_equal(err_of(0), 0x2u);
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x10, 2, 0, MSG_TAG_E));
    assert_null(ipc_sendq_head(th[1]));
}

static void test_ipc_invoke_receive_zero_timeout_fails(void **state)
{
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, TO(NEVER, ZERO)), IPC_DONE);
    assert_int_equal(err_of(1), 0x3u);
    assert_true(ipc_result_tag(th[1]) & MSG_TAG_E);
    assert_int_equal(th[1]->state, TS_READY);
}

static void test_ipc_invoke_send_blocks_then_receive(void **state)
{
    msg_load2(0, 0x42, 0xAAAA, 0xBBBB);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, TO(NEVER, NEVER)), IPC_BLOCKED);
    assert_int_equal(th[0]->state, TS_SEND_WAIT);
    assert_true(ipc_pending(th[0]));
    assert_ptr_equal(ipc_sendq_head(th[1]), th[0]);
    assert_ptr_equal(ipc_blocked_on(th[0]), th[1]);
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, TO(NEVER, NEVER)), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[1]), msgtag_make(0x42, 2, 0, 0));
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));
    assert_int_equal(U(1)[0], msgtag_make(0x42, 2, 0, 0));
    assert_int_equal(U(1)[1], 0xAAAAu);
    assert_int_equal(U(1)[2], 0xBBBBu);
    /* the sender finished its send-only IPC with its own tag and was made ready */
    assert_int_equal(th[0]->state, TS_READY);
    assert_false(ipc_pending(th[0]));
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x42, 2, 0, 0));
    assert_int_equal(ipc_result_from(th[0]), TID_NIL);
    assert_null(ipc_sendq_head(th[1]));
    assert_null(ipc_blocked_on(th[0]));
}

static void test_ipc_invoke_receive_blocks_then_send(void **state)
{
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, TO(NEVER, NEVER)), IPC_BLOCKED);
    assert_int_equal(th[1]->state, TS_RECV_WAIT);
    msg_load2(0, 0x7, 11, 22);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, TO(NEVER, NEVER)), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x7, 2, 0, 0));
    assert_int_equal(th[1]->state, TS_READY);
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));
    assert_int_equal(U(1)[1], 11u);
    assert_int_equal(U(1)[2], 22u);
}

static void test_ipc_invoke_received_tag_drops_flags(void **state)
{
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    U(0)[0] = msgtag_make(0x9, 0, 0, MSG_TAG_E | MSG_TAG_X | MSG_TAG_R | MSG_TAG_P);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[1]), msgtag_make(0x9, 0, 0, 0));
}

static void test_ipc_invoke_call_and_reply(void **state)
{
    /* server 1 waits; client 0 calls; client ends up in its receive phase */
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(0, 0x1, 5, 6);
    assert_int_equal(do_ipc(0, gid_of(1), gid_of(1), 0), IPC_BLOCKED);
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
    assert_int_equal(th[1]->state, TS_READY);
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));
    /* the server replies at once with zero send timeout: cannot be missed */
    msg_load2(1, 0x2, 50, 60);
    assert_int_equal(do_ipc(1, gid_of(0), TID_NIL, TO(ZERO, NEVER)), IPC_DONE);
    assert_false(ipc_result_tag(th[1]) & MSG_TAG_E);
    assert_int_equal(th[0]->state, TS_READY);
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x2, 2, 0, 0));
    assert_int_equal(ipc_result_from(th[0]), lid_of(1));
    assert_int_equal(U(0)[1], 50u);
}

static void test_ipc_invoke_call_blocks_in_send_first(void **state)
{
    msg_load2(0, 0x1, 5, 6);
    assert_int_equal(do_ipc(0, gid_of(1), gid_of(1), 0), IPC_BLOCKED);
    assert_int_equal(th[0]->state, TS_SEND_WAIT);
    /* server receives: takes the call, client moves to its receive phase */
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_DONE);
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
    assert_ptr_equal(ipc_blocked_on(th[0]), th[1]);    /* closed on the server, in no queue */
    assert_null(th[0]->ipc.q_on);
    msg_load2(1, 0x3, 1, 2);
    assert_int_equal(do_ipc(1, gid_of(0), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x3, 2, 0, 0));
}

static void test_ipc_invoke_reply_wait_takes_queued_sender(void **state)
{
    /* client 0 calls server 1; client 2 queues a send on 1 meanwhile */
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(1), gid_of(1), 0), IPC_BLOCKED);
    msg_load2(2, 0x5, 2, 2);
    assert_int_equal(do_ipc(2, gid_of(1), gid_of(1), 0), IPC_BLOCKED);
    /* reply-and-wait: reply to 0, then receive 2's message at once */
    msg_load2(1, 0x9, 3, 3);
    assert_int_equal(do_ipc(1, gid_of(0), TID_ANY, TO(ZERO, NEVER)), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x9, 2, 0, 0));
    assert_int_equal(th[0]->state, TS_READY);
    assert_int_equal(ipc_result_from(th[1]), lid_of(2));
    assert_int_equal(U(1)[1], 2u);
    assert_int_equal(th[2]->state, TS_RECV_WAIT);
}

static void test_ipc_invoke_open_receive_fifo(void **state)
{
    for (unsigned i = 2; i <= 4; i++) {
        msg_load2(i, 0x10 + i, i, 0);
        assert_int_equal(do_ipc(i, gid_of(1), TID_NIL, 0), IPC_BLOCKED);
    }
    assert_ptr_equal(ipc_sendq_head(th[1]), th[2]);
    assert_ptr_equal(ipc_queue_next(th[2]), th[3]);
    assert_ptr_equal(ipc_queue_next(th[3]), th[4]);
    for (unsigned i = 2; i <= 4; i++) {
        assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_DONE);
        assert_int_equal(ipc_result_from(th[1]), lid_of(i));
    }
}

static void test_ipc_invoke_closed_receive_picks_from_middle(void **state)
{
    for (unsigned i = 2; i <= 4; i++) {
        msg_load2(i, 0x10 + i, i, 0);
        assert_int_equal(do_ipc(i, gid_of(1), TID_NIL, 0), IPC_BLOCKED);
    }
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(3), 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[1]), lid_of(3));
    assert_ptr_equal(ipc_sendq_head(th[1]), th[2]);
    assert_ptr_equal(ipc_queue_next(th[2]), th[4]);
    /* closed receive from a thread that is not sending blocks */
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(0), TO(0, NEVER)), IPC_BLOCKED);
    /* a queued thread's send is not taken by a closed receiver waiting on another */
    assert_int_equal(th[2]->state, TS_SEND_WAIT);
    msg_load2(0, 0x77, 0, 0);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));
}

static void test_ipc_invoke_anylocal_skips_other_space(void **state)
{
    msg_load2(5, 0x55, 5, 5);                /* space 1 */
    assert_int_equal(do_ipc(5, gid_of(1), TID_NIL, 0), IPC_BLOCKED);
    msg_load2(2, 0x22, 2, 2);                /* space 0 */
    assert_int_equal(do_ipc(2, gid_of(1), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANYLOCAL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[1]), lid_of(2));
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANYLOCAL, TO(0, ZERO)), IPC_DONE);
    assert_int_equal(err_of(1), 0x3u);
    assert_int_equal(th[5]->state, TS_SEND_WAIT);
    /* a blocked anylocal receiver ignores senders of other spaces */
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANYLOCAL, 0), IPC_BLOCKED);
    msg_load2(6, 0x66, 6, 6);
    assert_int_equal(do_ipc(6, gid_of(1), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_int_equal(err_of(6), 0x2u);
    msg_load2(3, 0x33, 3, 3);
    assert_int_equal(do_ipc(3, gid_of(1), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_int_equal(ipc_result_from(th[1]), lid_of(3));
}

static void test_ipc_invoke_local_ids(void **state)
{
    /* send by local ID within space 0, closed receive by local ID */
    assert_int_equal(do_ipc(1, TID_NIL, lid_of(0), 0), IPC_BLOCKED);
    msg_load2(0, 0x1, 9, 9);
    assert_int_equal(do_ipc(0, lid_of(1), TID_NIL, 0), IPC_DONE);
    assert_false(ipc_result_tag(th[0]) & MSG_TAG_E);
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));   /* same space: the local ID (ABI 5.3) */
    /* a local ID of another space names nothing */
    assert_int_equal(do_ipc(5, lid_of(0), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(5), 0x4u);
}

static void test_ipc_invoke_closed_receive_nonexistent(void **state)
{
    assert_int_equal(do_ipc(1, TID_NIL, tid_make_global(90, 1), 0), IPC_DONE);
    assert_int_equal(err_of(1), 0x5u);
    assert_int_equal(do_ipc(1, TID_NIL, lid_of(6), 0), IPC_DONE);    /* other space */
    assert_int_equal(err_of(1), 0x5u);
}

static void test_ipc_invoke_send_to_self_times_out(void **state)
{
    assert_int_equal(do_ipc(0, gid_of(0), TID_NIL, TO(period(100), 0)), IPC_BLOCKED);
    mock_time_us = 5000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(err_of(0), 0x2u);
}

/* ---- timeouts ------------------------------------------------------------ */

/* A receive timeout's deadline is now + m * 2^e (the largest period too),
 * saturated at UINT64_MAX when that sum overflows (as timeout_decode). */
static void test_ipc_timeout_recv_period_deadline(void **state)
{
    mock_time_us = 100;
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(0), TO(NEVER, 0x7FFFu)), IPC_BLOCKED);
    assert_true(th[1]->wakeup.deadline == 100 + ((uint64_t)0x3FF << 31));
    ipc_cancel(th[1], true, true);
    mock_time_us = UINT64_MAX - 10;
    assert_int_equal(do_ipc(2, TID_NIL, gid_of(0), TO(NEVER, 0x7FFFu)), IPC_BLOCKED);
    assert_true(th[2]->wakeup.deadline == UINT64_MAX);
    assert_true(timer_running(th[2]));
    ipc_cancel(th[2], true, true);
}

/* A receive timeout as a time point (bit 15 set) runs to the point
 * timeout_decode gives, not to now + a period; a period with m = 1 (an odd
 * mantissa, no ZeroTime) blocks until now + 2^e. */
static void test_ipc_timeout_recv_point_and_odd_period(void **state)
{
    mock_time_us = 1000;
    uint16_t point = 0x8000u | 500u;                 /* e = 0, c = 0, m = 500 */
    uint64_t want;
    assert_int_equal(timeout_decode(point, mock_time_us, &want), TIMEOUT_AT);
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(0), TO(NEVER, point)), IPC_BLOCKED);
    assert_true(th[1]->wakeup.deadline == want);
    assert_true(want == 2548);                       /* bits 9..0 = 500, bit 10 clear */
    ipc_cancel(th[1], true, true);
    uint16_t odd = (uint16_t)((3u << 10) | 1u);      /* m = 1, e = 3: 8 us */
    assert_int_equal(do_ipc(2, TID_NIL, gid_of(0), TO(NEVER, odd)), IPC_BLOCKED);
    assert_true(th[2]->wakeup.deadline == 1008);
    ipc_cancel(th[2], true, true);
}

static void test_ipc_timeout_send_period(void **state)
{
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, TO(period(2000), NEVER)), IPC_BLOCKED);
    assert_true(timer_running(th[0]));
    mock_time_us = 1000;
    assert_int_equal(ipc_expire(mock_time_us), 0);
    assert_int_equal(th[0]->state, TS_SEND_WAIT);
    mock_time_us = 3000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(th[0]->state, TS_READY);
    assert_int_equal(err_of(0), 0x2u);
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x1, 2, 0, MSG_TAG_E));
    assert_null(ipc_sendq_head(th[1]));
    assert_false(timer_running(th[0]));
}

static void test_ipc_timeout_receive_period(void **state)
{
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(0), TO(NEVER, period(1000))), IPC_BLOCKED);
    mock_time_us = 2000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(err_of(1), 0x3u);
    assert_null(ipc_blocked_on(th[1]));
    /* a late sender finds nobody */
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_int_equal(err_of(0), 0x2u);
}

static void test_ipc_timeout_stopped_timer_stays_stale(void **state)
{
    /* lazy timers: 1's receive with a 2 ms timeout gets its message; the
     * node stays queued, stopped. 1 then waits without a timeout: the old
     * deadline passes and does nothing. */
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(0), TO(NEVER, period(2000))), IPC_BLOCKED);
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_true(wakeup_queued(&th[1]->wakeup));
    assert_false(timer_running(th[1]));
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(0), 0), IPC_BLOCKED);
    mock_time_us = 5000;
    assert_int_equal(ipc_expire(mock_time_us), 0);
    assert_int_equal(th[1]->state, TS_RECV_WAIT);
    assert_false(wakeup_queued(&th[1]->wakeup));
    /* armed again while still queued stale: moved to the new deadline */
    ipc_cancel(th[1], true, true);
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(0), TO(NEVER, period(8000))), IPC_BLOCKED);
    ipc_cancel(th[1], true, true);
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(0), TO(NEVER, period(3000))), IPC_BLOCKED);
    assert_true(th[1]->wakeup.deadline == 8000);
    mock_time_us = 7999;
    assert_int_equal(ipc_expire(mock_time_us), 0);
    assert_int_equal(th[1]->state, TS_RECV_WAIT);
    mock_time_us = 8000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(err_of(1), 0x3u);
}

static void test_ipc_timeout_receive_starts_with_receive_phase(void **state)
{
    /* call with a 5 ms receive timeout; the send phase itself waits 20 ms */
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(1), gid_of(1), TO(NEVER, period(5000))), IPC_BLOCKED);
    assert_false(timer_running(th[0]));
    mock_time_us = 20000;
    assert_int_equal(ipc_expire(mock_time_us), 0);
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_DONE);
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
    assert_true(timer_running(th[0]));
    mock_time_us = 24000;
    assert_int_equal(ipc_expire(mock_time_us), 0);
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
    mock_time_us = 26000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(err_of(0), 0x3u);       /* receive phase */
}

static void test_ipc_timeout_stopped_by_rendezvous(void **state)
{
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, TO(0, period(1000))), IPC_BLOCKED);
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_false(timer_running(th[1]));
    mock_time_us = 5000;
    assert_int_equal(ipc_expire(mock_time_us), 0);
    assert_false(ipc_result_tag(th[1]) & MSG_TAG_E);
}

static void test_ipc_timeout_noop_when_ready(void **state)
{
    ipc_timeout(th[2]);
    assert_int_equal(th[2]->state, TS_READY);
}

static void test_ipc_call_zero_receive_timeout_after_send(void **state)
{
    /* the send succeeds but the receive phase polls: error 1, receive phase */
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(1), gid_of(1), TO(NEVER, ZERO)), IPC_DONE);
    assert_int_equal(err_of(0), 0x3u);
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));
}

/* ---- cancel and deletion -------------------------------------------------- */

static void test_ipc_cancel_send_and_receive(void **state)
{
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(2, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    /* wrong bits leave them alone but report the phase */
    assert_int_equal(ipc_cancel(th[0], true, false), TCB_EXREG_SEND);
    assert_int_equal(th[0]->state, TS_SEND_WAIT);
    assert_int_equal(ipc_cancel(th[2], false, true), TCB_EXREG_RECV);
    assert_int_equal(th[2]->state, TS_RECV_WAIT);
    assert_int_equal(ipc_cancel(th[0], false, true), TCB_EXREG_SEND);
    assert_int_equal(err_of(0), 0x6u);
    /* the whole words: the sender keeps its tag, with E; no offset */
    assert_int_equal(U(0)[UTCB_ERROR_CODE], msg_error_word(IPC_ERR_CANCELED, IPC_PHASE_SEND, 0));
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x1, 2, 0, MSG_TAG_E));
    assert_null(ipc_sendq_head(th[1]));
    assert_int_equal(ipc_cancel(th[2], true, false), TCB_EXREG_RECV);
    assert_int_equal(err_of(2), 0x7u);
    assert_int_equal(U(2)[UTCB_ERROR_CODE], msg_error_word(IPC_ERR_CANCELED, IPC_PHASE_RECV, 0));
    assert_int_equal(ipc_result_tag(th[2]), MSG_TAG_E);
    assert_int_equal(ipc_cancel(th[3], true, true), 0);
    assert_int_equal(th[3]->state, TS_READY);
    /* a closed receive from a thread that does not exist fails at once,
     * with the receive phase's NoPartner and a tag of E alone */
    assert_int_equal(do_ipc(4, TID_NIL, tid_make_global(90, 1), 0), IPC_DONE);
    assert_int_equal(U(4)[UTCB_ERROR_CODE], msg_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_RECV, 0));
    assert_int_equal(ipc_result_tag(th[4]), MSG_TAG_E);
}

static void test_ipc_cancel_call_in_receive_phase(void **state)
{
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(1), gid_of(1), TO(0, period(3000))), IPC_BLOCKED);
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_DONE);
    assert_int_equal(ipc_cancel(th[0], false, true), TCB_EXREG_RECV);   /* S: no effect */
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
    assert_int_equal(ipc_cancel(th[0], true, false), TCB_EXREG_RECV);
    assert_int_equal(err_of(0), 0x7u);
    assert_false(timer_running(th[0]));
    assert_null(ipc_blocked_on(th[0]));
}

static void test_ipc_thread_deleted_fails_blocked_partners(void **state)
{
    /* 0 and 2 send to 3; 4 waits closed for 3; 3 itself waits sending to 1 */
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(3), TID_NIL, 0), IPC_BLOCKED);
    msg_load2(2, 0x2, 2, 2);
    assert_int_equal(do_ipc(2, gid_of(3), gid_of(3), 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(4, TID_NIL, gid_of(3), 0), IPC_BLOCKED);
    msg_load2(3, 0x3, 3, 3);
    assert_int_equal(do_ipc(3, gid_of(1), TID_NIL, TO(period(4000), 0)), IPC_BLOCKED);
    ipc_thread_deleted(th[3]);
    assert_int_equal(err_of(0), 0x4u);
    assert_int_equal(err_of(2), 0x4u);       /* send phase: receive skipped */
    assert_int_equal(err_of(4), 0x5u);
    assert_int_equal(th[0]->state, TS_READY);
    assert_int_equal(th[4]->state, TS_READY);
    assert_null(ipc_sendq_head(th[1]));
    assert_false(timer_running(th[3]));
    assert_int_equal(th[3]->state, TS_READY);
    mock_current = th[0];
    assert_false(tcb_delete(th[3], &wq));
    /* a receive from the deleted thread now fails at once */
    assert_int_equal(do_ipc(4, TID_NIL, gid_of(3), 0), IPC_DONE);
    assert_int_equal(err_of(4), 0x5u);
}

static void test_ipc_receive_on_behalf_start_message(void **state)
{
    assert_int_equal(ipc_receive_on_behalf(th[2], gid_of(0), NEVER), IPC_BLOCKED);
    assert_int_equal(th[2]->state, TS_RECV_WAIT);
    msg_load2(0, 0, 0x1000, 0x2000);        /* start message: IP, SP */
    assert_int_equal(do_ipc(0, gid_of(2), TID_NIL, 0), IPC_DONE);
    assert_int_equal(th[2]->state, TS_READY);
    assert_int_equal(U(2)[1], 0x1000u);
    /* completes at once when the sender is already queued */
    msg_load2(0, 0, 7, 8);
    assert_int_equal(do_ipc(0, gid_of(3), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(ipc_receive_on_behalf(th[3], gid_of(0), NEVER), IPC_DONE);
    assert_int_equal(U(3)[2], 8u);
    assert_int_equal(th[0]->state, TS_READY);
    /* the receive timeout given is the one that runs (not the Timeouts
     * word of the thread's last IPC) */
    th[4]->ipc.timeouts = TO(NEVER, NEVER);
    assert_int_equal(ipc_receive_on_behalf(th[4], gid_of(0), period(2000)), IPC_BLOCKED);
    assert_true(timer_running(th[4]));
    mock_time_us = 3000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(err_of(4), msg_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0));
}

/* ---- typed items ------------------------------------------------------------- */

static void test_ipc_transfer_overflow_u_plus_t(void **state)
{
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    U(0)[0] = msgtag_make(1, 40, 30, 0);
    assert_int_equal(do_ipc(0, gid_of(1), gid_of(1), 0), IPC_DONE);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_SEND, 0));
    assert_int_equal(err_of(1), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_RECV, 0));
    assert_true(ipc_result_tag(th[1]) & MSG_TAG_E);
    assert_int_equal(th[1]->state, TS_READY);
    assert_int_equal(th[0]->state, TS_READY);    /* receive phase skipped */
}

/* One typed word is half an item: the message overflows, it is not
 * delivered as if it were untyped. */
static void test_ipc_transfer_single_typed_word(void **state)
{
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    U(0)[0] = msgtag_make(1, 0, 1, 0);
    U(0)[1] = 0x0000000Au;                   /* a map item's first word */
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_OVERFLOW);
    assert_int_equal(msg_error_code(err_of(1)), IPC_ERR_OVERFLOW);
    assert_true(ipc_result_tag(th[1]) & MSG_TAG_E);
}

static void test_ipc_transfer_bad_item(void **state)
{
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    U(0)[0] = msgtag_make(1, 0, 2, 0);
    U(0)[1] = 0x0000000Cu;                   /* type 110 */
    U(0)[2] = 0;
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_OVERFLOW);
    assert_int_equal(msg_error_code(err_of(1)), IPC_ERR_OVERFLOW);
}

static void test_ipc_transfer_map_and_grant_items(void **state)
{
    U(1)[utcb_br_index(0)] = FPAGE_COMPLETE;
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    U(0)[0] = msgtag_make(0, 1, 8, 0);
    U(0)[1] = 0x1234;
    U(0)[2] = 0x12345008u; U(0)[3] = 0x123450C6u;                 /* map 4K rw */
    U(0)[4] = 0x0040000Au; U(0)[5] = fpage_make(0x00400000u, 22, 4);   /* grant 4M r */
    U(0)[6] = 0x00000008u; U(0)[7] = FPAGE_NIL;                   /* nil: skipped */
    U(0)[8] = 0x00000008u; U(0)[9] = 0x000010A7u;                 /* 1K: skipped */
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_false(ipc_result_tag(th[1]) & MSG_TAG_E);
    assert_int_equal(mock_fpage_count, 2);
    assert_ptr_equal(mock_fpage_calls[0].from, th[0]);
    assert_ptr_equal(mock_fpage_calls[0].to, th[1]);
    assert_int_equal(mock_fpage_calls[0].p.dst_base, 0x12345000u);
    assert_int_equal(mock_fpage_calls[0].p.log2, 12);
    assert_int_equal(mock_fpage_calls[0].rights, 6);
    assert_false(mock_fpage_calls[0].grant);
    assert_true(mock_fpage_calls[1].grant);
    assert_int_equal(mock_fpage_calls[1].p.log2, 22);
    assert_int_equal(mock_fpage_calls[1].rights, 4);
    /* item words are copied verbatim */
    for (unsigned i = 1; i <= 9; i++)
        assert_int_equal(U(1)[i], U(0)[i]);
    assert_int_equal(ipc_result_tag(th[1]), msgtag_make(0, 1, 8, 0));
}

/* The complete space, 0x80000000/31 and 0xC0000000/30 map their user part
 * only: pieces of 2^30 below 0xC0000000, never an error (ABI 5.5). */
static void test_ipc_transfer_map_complete_space_user_part(void **state)
{
    static const struct { fpage_t f; unsigned pieces; } cases[] = {
        { FPAGE_COMPLETE, 3 },
        { 0x80000000u | (31u << 4), 1 },
        { 0xC0000000u | (30u << 4), 0 },
    };
    for (unsigned c = 0; c < 3; c++) {
        mock_fpage_count = 0;
        U(1)[utcb_br_index(0)] = FPAGE_COMPLETE;
        assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
        fpage_t f = cases[c].f | 7u;
        U(0)[0] = msgtag_make(0, 0, 2, 0);
        U(0)[1] = fpage_base(f) | 0x8u;                       /* send base = fpage base */
        U(0)[2] = f;
        assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
        assert_false(ipc_result_tag(th[1]) & MSG_TAG_E);
        assert_false(ipc_result_tag(th[0]) & MSG_TAG_E);
        assert_int_equal(mock_fpage_count, cases[c].pieces);
        for (unsigned i = 0; i < mock_fpage_count; i++) {
            const struct msg_placement *p = &mock_fpage_calls[i].p;
            assert_int_equal(p->log2, 30);
            assert_true(p->dst_base < 0xC0000000u && p->src_base < 0xC0000000u);
            assert_int_equal(p->dst_base, (c == 0 ? 0u : 0x80000000u) + i * 0x40000000u);
            assert_int_equal(mock_fpage_calls[i].rights, 7);
        }
    }
    /* sigma0 may map out of the kernel area, never into it */
    spc[0].is_sigma0 = true;
    mock_fpage_count = 0;
    U(1)[utcb_br_index(0)] = fpage_make(0x40000000u, 30, 0);
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    U(0)[0] = msgtag_make(0, 0, 2, 0);
    U(0)[1] = 0x00000008u;
    U(0)[2] = fpage_make(0xC0000000u, 30, 7);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(mock_fpage_count, 1);
    assert_int_equal(mock_fpage_calls[0].p.src_base, 0xC0000000u);
    assert_int_equal(mock_fpage_calls[0].p.dst_base, 0x40000000u);
    spc[0].is_sigma0 = false;
}

/* An interrupt thread (kernel range, in the kernel's space) takes no map,
 * grant or IO items: a handler's reply must not give the kernel space ports
 * (its I/O bitmap is the template of every new space). */
static void test_ipc_transfer_items_to_interrupt_thread_ignored(void **state)
{
    static word_t kutcb[128];
    struct tcb *k;
    assert_int_equal(tcb_create(tid_make_global(5, 1), &spc[1], TID_NIL, &k), TCB_OK);
    k->utcb = &kutcb[64];
    k->utcb[utcb_br_index(0)] = FPAGE_COMPLETE;
    sched_make_ready(k);
    mock_irq_handler[5] = th[0];     /* associated: visible as a partner */
    mock_current = k;
    assert_int_equal(ipc_invoke(k, TID_NIL, gid_of(0), 0), IPC_BLOCKED);
    U(0)[0] = msgtag_make(0, 0, 4, 0);
    U(0)[1] = 0x00000008u; U(0)[2] = fpage_io_make(0x3F8, 3);
    U(0)[3] = 0x00400008u; U(0)[4] = fpage_make(0x00400000u, 12, 7);
    assert_int_equal(do_ipc(0, tid_make_global(5, 1), TID_NIL, 0), IPC_DONE);
    assert_false(ipc_result_tag(th[0]) & MSG_TAG_E);
    assert_false(ipc_result_tag(k) & MSG_TAG_E);
    assert_int_equal(mock_fpage_count, 0);
    mock_irq_handler[5] = NULL;
}

static void test_ipc_transfer_map_nil_window_overflows(void **state)
{
    U(1)[utcb_br_index(0)] = 0;
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    U(0)[0] = msgtag_make(0, 0, 2, 0);
    U(0)[1] = 0x12345008u; U(0)[2] = 0x123450C6u;
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_OVERFLOW);
    assert_int_equal(mock_fpage_count, 0);
}

static void test_ipc_transfer_io_fpage_and_mdb_error(void **state)
{
    U(1)[utcb_br_index(0)] = 0;               /* IO fpages need no window */
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    U(0)[0] = msgtag_make(0, 0, 2, 0);
    U(0)[1] = 0x00000008u; U(0)[2] = fpage_io_make(0x3F8, 3);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_false(ipc_result_tag(th[1]) & MSG_TAG_E);
    assert_true(mock_fpage_calls[0].p.io);
    /* the mapping database refusing aborts the message with its code */
    mock_fpage_result = IPC_ERR_OVERFLOW;
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(1)), IPC_ERR_OVERFLOW);
    assert_int_equal(msg_error_phase(err_of(1)), IPC_PHASE_RECV);
}

/* ---- long IPC: strings ---------------------------------------------------------- */

#define SRC_VA 0x00200000u
#define DST_VA 0x00300000u

/* Sender i: one simple string of `len` bytes at SRC_VA, filled with a pattern. */
static void load_string_msg(unsigned i, word_t len)
{
    uint8_t buf[3 * MOCK_PAGE_SIZE];
    for (word_t k = 0; k < len; k++)
        buf[k] = (uint8_t)(k * 7 + 1);
    for (word_t off = 0; off < len; off += MOCK_PAGE_SIZE)
        assert_true(mock_usermem_map(th[i]->space, SRC_VA + off, false));
    assert_true(mock_usermem_write(th[i]->space, SRC_VA, buf, len));
    U(i)[0] = msgtag_make(0x5, 1, 2, 0);
    U(i)[1] = 0xC0FFEEu;
    U(i)[2] = msg_string_header(len, 1, false, false);
    U(i)[3] = SRC_VA;
}

/* Receiver j: accepts strings into one buffer of `len` bytes at `va`. */
static void load_buffer_at(unsigned j, word_t va, word_t len, bool mapped)
{
    U(j)[utcb_br_index(0)] = 1;
    U(j)[utcb_br_index(1)] = msg_string_header(len, 1, false, false);
    U(j)[utcb_br_index(2)] = va;
    for (word_t off = 0; mapped && off < len; off += MOCK_PAGE_SIZE)
        assert_true(mock_usermem_map(th[j]->space, va + off, true));
}

/* The same at DST_VA. */
static void load_buffer(unsigned j, word_t len, bool mapped)
{
    load_buffer_at(j, DST_VA, len, mapped);
}

static void check_copied(unsigned j, word_t va, word_t len)
{
    uint8_t buf[3 * MOCK_PAGE_SIZE];
    assert_true(mock_usermem_read(th[j]->space, va, buf, len));
    for (word_t k = 0; k < len; k++)
        assert_int_equal(buf[k], (uint8_t)(k * 7 + 1));
}

static void test_ipc_string_simple_copy(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, true);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    assert_false(ipc_result_tag(th[0]) & MSG_TAG_E);
    check_copied(5, DST_VA, 100);
    assert_int_equal(U(5)[1], 0xC0FFEEu);
    assert_int_equal(U(5)[2], U(0)[2]);
    /* the transfer is over on both sides */
    assert_null(th[0]->ipc.xfer_partner);
    assert_null(th[5]->ipc.xfer_partner);
}

static void test_ipc_string_compound_into_substring_buffers(void **state)
{
    /* send: compound of 2 items (2 x 10 bytes, then 1 x 5); receive: 5 x 5 bytes */
    uint8_t pat[64];
    for (unsigned k = 0; k < 64; k++)
        pat[k] = (uint8_t)(k * 7 + 1);
    mock_usermem_map(th[0]->space, SRC_VA, false);
    mock_usermem_write(th[0]->space, SRC_VA, pat, 64);
    U(0)[0] = msgtag_make(0x5, 0, 5, 0);
    U(0)[1] = msg_string_header(10, 2, true, false);
    U(0)[2] = SRC_VA;
    U(0)[3] = SRC_VA + 10;
    U(0)[4] = msg_string_header(5, 1, false, false);
    U(0)[5] = SRC_VA + 20;
    U(5)[utcb_br_index(0)] = 1;
    U(5)[utcb_br_index(1)] = msg_string_header(5, 5, false, false);
    for (unsigned k = 0; k < 5; k++)
        U(5)[utcb_br_index(2 + k)] = DST_VA + 100 * k;
    mock_usermem_map(th[5]->space, DST_VA, true);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    uint8_t got[5];
    for (unsigned k = 0; k < 5; k++) {
        assert_true(mock_usermem_read(th[5]->space, DST_VA + 100 * k, got, 5));
        assert_memory_equal(got, pat + 5 * k, 5);
    }
}

static void test_ipc_string_two_strings_two_buffers(void **state)
{
    load_string_msg(0, 16);
    U(0)[0] = msgtag_make(0x5, 1, 4, 0);
    U(0)[4] = msg_string_header(8, 1, false, false);
    U(0)[5] = SRC_VA + 16;
    mock_usermem_write(th[0]->space, SRC_VA + 16, "ABCDEFGH", 8);
    load_buffer(5, 16, true);
    U(5)[utcb_br_index(1)] |= 1;             /* C: another buffer follows */
    U(5)[utcb_br_index(3)] = msg_string_header(8, 1, false, false);
    U(5)[utcb_br_index(4)] = DST_VA + 0x800;
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    check_copied(5, DST_VA, 16);
    char s[8];
    mock_usermem_read(th[5]->space, DST_VA + 0x800, s, 8);
    assert_memory_equal(s, "ABCDEFGH", 8);
    /* without the C bit the second string finds no buffer: error 4 after 16 bytes */
    U(5)[utcb_br_index(1)] &= ~1u;
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_SEND, 16));
    assert_int_equal(err_of(5), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_RECV, 16));
}

static void test_ipc_string_errors(void **state)
{
    /* buffer too small: overflow with the bytes that fit */
    load_string_msg(0, 100);
    load_buffer(5, 60, true);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(5), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_RECV, 60));
    /* strings not accepted */
    load_buffer(5, 200, true);
    U(5)[utcb_br_index(0)] = 0;
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_SEND, 0));
    /* malformed buffer (map item in BR1) */
    U(5)[utcb_br_index(0)] = 1;
    U(5)[utcb_br_index(1)] = 0x8;
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_OVERFLOW);
    /* destination in the kernel area: not resolvable, overflow */
    load_buffer(5, 200, true);
    U(5)[utcb_br_index(2)] = 0xC0000000u - 10;
    mock_usermem_map(th[5]->space, 0xC0000000u - 10, true);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(5), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_RECV, 10));
}

/* Load `pager`'s answer to a pagefault at `addr`: a map item of that
 * page, with the tag flags `flags`. */
static void pager_load_map(unsigned pager, word_t addr, word_t flags)
{
    U(pager)[0] = msgtag_make(0, 0, 2, flags);
    U(pager)[1] = msg_map_item_word0(addr, false, false);
    U(pager)[2] = fpage_make(addr, 12, 7);
}

/* Pager 7 (space 1) of receiver 5 answers pagefaults with a map item. */
static void pager_reply_map(unsigned pager, unsigned client, word_t addr)
{
    pager_load_map(pager, addr, 0);
    assert_int_equal(do_ipc(pager, gid_of(client), TID_NIL, TO(ZERO, 0)), IPC_DONE);
}

/* Sender 0 calls receiver 5 with a 5000-byte string; the second page of
 * 5's buffer is missing and 5's pager 7 waits: the transfer stops at the
 * fault and the pager has 5's pagefault message. */
static void receiver_fault_setup(void)
{
    load_string_msg(0, 5000);                 /* spans two pages */
    load_buffer(5, 8192, false);
    mock_usermem_map(th[5]->space, DST_VA, true);   /* second page missing */
    U(5)[UTCB_PAGER] = gid_of(7);
    mock_fpage_backs = true;
    assert_int_equal(do_ipc(7, TID_NIL, TID_ANY, 0), IPC_BLOCKED);   /* pager waits */
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), gid_of(5), 0), IPC_BLOCKED);
}

static void test_ipc_string_receiver_pagefault_resolved(void **state)
{
    U(5)[UTCB_ERROR_CODE] = 0x1234;
    receiver_fault_setup();
    /* the pager got the receiver's write fault at the first missing byte */
    assert_int_equal(th[7]->state, TS_READY);
    assert_int_equal(ipc_result_from(th[7]), lid_of(5));
    assert_int_equal(ipc_result_tag(th[7]), 0xFFE20002u);
    assert_int_equal(U(7)[1], DST_VA + 4096);
    assert_int_equal(U(7)[2], 0xFFFFFFFFu);
    assert_int_equal(th[0]->state, TS_SENDING);
    assert_true(ipc_pending(th[0]));
    assert_int_equal(ipc_cancel(th[0], false, false), TCB_EXREG_SEND);
    assert_int_equal(ipc_cancel(th[5], false, false), TCB_EXREG_RECV);
    /* reply with a mapping: the transfer resumes and completes */
    pager_reply_map(7, 5, DST_VA + 4096);
    assert_int_equal(th[5]->state, TS_READY);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    assert_int_equal(ipc_result_from(th[5]), gid_of(0));
    check_copied(5, DST_VA, 5000);
    assert_int_equal(U(5)[utcb_br_index(0)], 1u);     /* BR0 restored */
    assert_int_equal(U(5)[UTCB_ERROR_CODE], 0x1234u);  /* ErrorCode restored */
    assert_int_equal(U(5)[1], 0xC0FFEEu);
    /* the sender went on into its receive phase (call) */
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
}

/* The pager's reply to a receiver's pagefault IPC is propagated (p set, the
 * pager lives in the receiver's space: honoured, so its delivery writes the
 * receiver's VirtualSender); once the transfer completed, the receiver's
 * VirtualSender is the word it held before its pagefault IPC (ABI 5.10). */
static void test_ipc_string_receiver_pagefault_propagated_reply(void **state)
{
    U(5)[UTCB_VIRTUAL_SENDER] = 0x12344001u;
    receiver_fault_setup();
    assert_int_equal(ipc_result_tag(th[7]), 0xFFE20002u);
    /* the mapping reply, propagated on behalf of thread 6 */
    pager_load_map(7, DST_VA + 4096, MSG_TAG_P);
    U(7)[UTCB_VIRTUAL_SENDER] = gid_of(6);
    assert_int_equal(do_ipc(7, gid_of(5), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_false(ipc_result_tag(th[7]) & MSG_TAG_E);
    assert_int_equal(th[5]->state, TS_READY);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    assert_int_equal(ipc_result_from(th[5]), gid_of(0));
    check_copied(5, DST_VA, 5000);
    assert_int_equal(U(5)[UTCB_VIRTUAL_SENDER], 0x12344001u);
}

static void test_ipc_string_sender_pagefault_resolved(void **state)
{
    load_string_msg(0, 100);
    mock_usermem_unmap(th[0]->space, SRC_VA);
    load_buffer(5, 200, true);
    U(0)[UTCB_PAGER] = gid_of(4);
    mock_fpage_backs = true;
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(th[0]->state, TS_SEND_WAIT);      /* its pagefault send to 4 */
    assert_int_equal(ipc_thread_state(th[0]), TS_SENDING);
    assert_int_equal(th[5]->state, TS_RECEIVING);
    assert_int_equal(ipc_thread_state(th[5]), TS_RECEIVING);
    assert_int_equal(do_ipc(4, TID_NIL, TID_ANY, 0), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[4]), 0xFFE50002u);
    assert_int_equal(U(4)[1], SRC_VA);
    pager_reply_map(4, 0, SRC_VA);
    /* mapped empty: transfer completes with zero bytes */
    assert_int_equal(th[0]->state, TS_READY);
    assert_int_equal(th[5]->state, TS_READY);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    assert_int_equal(U(0)[0], msgtag_make(0x5, 1, 2, 0));   /* own MRs restored */
}

static void test_ipc_string_pagefault_no_pager_aborts(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = tid_make_global(90, 1);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_SEND, 0));
    assert_int_equal(err_of(5), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_RECV, 0));
}

static void test_ipc_string_pagefault_ipc_fails_aborts(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), gid_of(5), 0), IPC_BLOCKED);
    assert_int_equal(th[5]->state, TS_SEND_WAIT);       /* pagefault send to 7 */
    /* the pager is deleted: pagefault IPC fails -> real IPC aborted */
    ipc_thread_deleted(th[7]);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_SEND, 0));
    assert_int_equal(err_of(5), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_RECV, 0));
    assert_int_equal(th[0]->state, TS_READY);
    assert_int_equal(th[5]->state, TS_READY);
    assert_int_equal(U(5)[utcb_br_index(0)], 1u);
}

static void test_ipc_string_abort_by_cancel(void **state)
{
    load_string_msg(0, 5000);
    load_buffer(5, 8192, false);
    mock_usermem_map(th[5]->space, DST_VA, true);
    U(5)[UTCB_PAGER] = gid_of(7);
    assert_int_equal(do_ipc(7, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(th[5]->state, TS_RECV_WAIT);       /* waiting for the pager's reply */
    /* cancelling the sender during the transfer: error 7 to both with the offset */
    assert_int_equal(ipc_cancel(th[0], false, true), TCB_EXREG_SEND);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_SEND, 4096));
    assert_int_equal(err_of(5), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_RECV, 4096));
    assert_int_equal(th[5]->state, TS_READY);
    /* the pager's late reply finds nobody waiting */
    U(7)[0] = 0;
    assert_int_equal(do_ipc(7, gid_of(5), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_int_equal(err_of(7), 0x2u);
}

static void test_ipc_string_abort_nested_side_by_cancel(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(ipc_cancel(th[5], true, false), TCB_EXREG_RECV);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_ABORTED);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_ABORTED);
    assert_null(ipc_sendq_head(th[7]));
}

static void test_ipc_string_xfer_timeout_zero(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    U(5)[UTCB_XFER_TIMEOUTS] = TO(NEVER, ZERO);   /* receiver's receive-xfer = 0 */
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_XFER_OWN);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_XFER_PARTNER);
    /* sender's zero send-xfer: the sender's own */
    U(5)[UTCB_XFER_TIMEOUTS] = 0;
    U(0)[UTCB_XFER_TIMEOUTS] = TO(ZERO, NEVER);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_XFER_OWN);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_XFER_PARTNER);
}

static void test_ipc_string_xfer_timeout_expires(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    U(5)[UTCB_XFER_TIMEOUTS] = TO(NEVER, period(8000));
    U(0)[UTCB_XFER_TIMEOUTS] = TO(period(3000), NEVER);   /* sender's is shorter */
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    mock_time_us = 2000;
    assert_int_equal(ipc_expire(mock_time_us), 0);
    mock_time_us = 4000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_XFER_OWN);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_XFER_PARTNER);
    assert_null(ipc_sendq_head(th[7]));
    assert_int_equal(th[5]->state, TS_READY);
}

/* Both transfer timeouts end at the same time: the sender's counts (the
 * owner is the side whose deadline is not later, the sender on a tie). */
static void test_ipc_string_xfer_timeout_tie_is_the_senders(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    U(5)[UTCB_XFER_TIMEOUTS] = TO(NEVER, period(3000));
    U(0)[UTCB_XFER_TIMEOUTS] = TO(period(3000), NEVER);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    mock_time_us = 4000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_XFER_OWN);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_XFER_PARTNER);
}

static void test_ipc_string_xfer_timeout_while_sender_nested(void **state)
{
    load_string_msg(0, 100);
    mock_usermem_unmap(th[0]->space, SRC_VA);
    load_buffer(5, 200, true);
    U(0)[UTCB_PAGER] = gid_of(4);
    U(5)[UTCB_XFER_TIMEOUTS] = TO(NEVER, period(3000));   /* receiver's is shorter */
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(th[0]->state, TS_SEND_WAIT);
    mock_time_us = 5000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_XFER_OWN);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_XFER_PARTNER);
    assert_null(ipc_sendq_head(th[4]));
    assert_int_equal(U(0)[0], msgtag_make(0x5, 1, 2, MSG_TAG_E));
}

static void test_ipc_string_partner_deleted_during_transfer(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    ipc_thread_deleted(th[0]);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_ABORTED);
    assert_int_equal(th[5]->state, TS_READY);
    assert_null(ipc_sendq_head(th[7]));
}

static void test_ipc_string_refault_after_empty_reply(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    U(5)[UTCB_XFER_TIMEOUTS] = TO(NEVER, period(50000));
    mock_fpage_backs = true;
    assert_int_equal(do_ipc(7, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_true(timer_running(th[0]));      /* transfer timeout runs */
    assert_int_equal(th[7]->state, TS_READY);
    /* the pager replies without a mapping and waits: the copy faults again
     * and the second pagefault reaches it within the same reply-and-wait */
    U(7)[0] = 0;
    assert_int_equal(do_ipc(7, gid_of(5), TID_ANY, TO(ZERO, NEVER)), IPC_DONE);
    assert_false(ipc_result_tag(th[7]) & MSG_TAG_E);
    assert_int_equal(ipc_result_from(th[7]), lid_of(5));
    assert_int_equal(ipc_result_tag(th[7]), 0xFFE20002u);
    assert_int_equal(U(7)[1], DST_VA);
    assert_int_equal(th[0]->state, TS_SENDING);
    pager_reply_map(7, 5, DST_VA);
    assert_int_equal(th[5]->state, TS_READY);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    check_copied(5, DST_VA, 100);
    assert_false(timer_running(th[0]));     /* transfer timer stopped */
}

/* Two receivers that are each other's pager, both faulting in a long IPC:
 * 7 waits in its pagefault IPC for 5's reply when 5's own pagefault
 * message comes to it. That is no reply (a pagefault message never
 * answers another one): 5 stays queued on 7, and nothing bounces retries
 * between the two inside the kernel (which spun there forever: each
 * "reply" resumed a copy that faulted again). Cancelling one transfer
 * frees its receiver, which can then answer the other as its pager. */
static void test_ipc_string_mutual_pagers_do_not_spin(void **state)
{
    const word_t dst7 = DST_VA + 0x10000u;     /* (5 and 7 share space 1) */
    load_string_msg(0, 100);
    load_string_msg(2, 100);
    U(5)[UTCB_PAGER] = gid_of(7);
    U(7)[UTCB_PAGER] = gid_of(5);
    load_buffer_at(7, dst7, 200, false);
    mock_fpage_backs = true;
    /* 2 -> 7 faults in 7's buffer: 5, receiving, takes 7's pagefault */
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(7, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(2, gid_of(7), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(th[5]->state, TS_READY);
    assert_int_equal(ipc_result_tag(th[5]), 0xFFE20002u);
    assert_int_equal(U(5)[1], dst7);
    assert_true(th[7]->ipc_nested);
    /* 0 -> 5 faults in 5's buffer: 5's pagefault goes to 7, which waits
     * for 5's reply to its own: refused, queued */
    load_buffer(5, 200, false);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_true(th[5]->ipc_nested);
    assert_int_equal(th[5]->state, TS_SEND_WAIT);
    assert_ptr_equal(ipc_sendq_head(th[7]), th[5]);
    assert_int_equal(th[7]->state, TS_RECV_WAIT);
    assert_int_equal(th[0]->state, TS_SENDING);
    assert_int_equal(th[2]->state, TS_SENDING);
    /* cancelling 0's send aborts the first transfer and frees 5 */
    ipc_cancel(th[0], true, true);
    assert_false(th[5]->ipc_nested);
    assert_int_equal(th[5]->state, TS_READY);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_ABORTED);
    assert_null(ipc_sendq_head(th[7]));
    /* 5 now answers 7's pagefault with a mapping: the second completes */
    pager_reply_map(5, 7, dst7);
    assert_int_equal(th[7]->state, TS_READY);
    assert_false(ipc_result_tag(th[7]) & MSG_TAG_E);
    check_copied(7, dst7, 100);
}

static void test_ipc_string_pager_reply_does_not_clobber_message(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    mock_fpage_backs = true;
    assert_int_equal(do_ipc(7, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    /* a chatty pager: three untyped words before the map item */
    U(7)[0] = msgtag_make(0, 3, 2, 0);
    U(7)[1] = U(7)[2] = U(7)[3] = 0xBADu;
    U(7)[4] = msg_map_item_word0(DST_VA, false, false);
    U(7)[5] = fpage_make(DST_VA, 12, 7);
    assert_int_equal(do_ipc(7, gid_of(5), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    assert_int_equal(U(5)[0], msgtag_make(0x5, 1, 2, 0));
    assert_int_equal(U(5)[1], 0xC0FFEEu);
    assert_int_equal(U(5)[2], msg_string_header(100, 1, false, false));
    assert_int_equal(U(5)[3], SRC_VA);
    check_copied(5, DST_VA, 100);
}

static void test_ipc_string_pager_is_partner_aborts(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(0);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_ABORTED);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_ABORTED);
}

static void test_ipc_receive_takes_queued_bad_or_faulting_sender(void **state)
{
    /* a queued sender with a malformed message: the receive fails with it */
    U(0)[0] = msgtag_make(1, 40, 30, 0);
    assert_int_equal(do_ipc(0, gid_of(1), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_DONE);
    assert_int_equal(err_of(1), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_RECV, 0));
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_SEND, 0));
    assert_int_equal(th[0]->state, TS_READY);
    /* a queued string sender whose copy faults: the receiver blocks receiving */
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    mock_fpage_backs = true;
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(th[0]->state, TS_SENDING);
    assert_int_equal(do_ipc(7, TID_NIL, TID_ANY, 0), IPC_DONE);
    pager_reply_map(7, 5, DST_VA);
    assert_int_equal(th[5]->state, TS_READY);
    assert_int_equal(th[0]->state, TS_READY);
    check_copied(5, DST_VA, 100);
}

/* ---- propagation ---------------------------------------------------------------- */

static void test_ipc_propagation_forwarded_call(void **state)
{
    /* client 0 calls server 1, which forwards the request to server 2 */
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(0, 0x10, 1, 2);
    assert_int_equal(do_ipc(0, gid_of(1), gid_of(1), 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(2, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(1, 0x10, 1, 2);
    U(1)[0] |= MSG_TAG_P;
    U(1)[UTCB_VIRTUAL_SENDER] = gid_of(0);
    assert_int_equal(do_ipc(1, gid_of(2), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[2]), gid_of(0));
    assert_int_equal(ipc_result_tag(th[2]), msgtag_make(0x10, 2, 0, MSG_TAG_P));
    assert_int_equal(U(2)[UTCB_VIRTUAL_SENDER], gid_of(1));      /* ActualSender */
    assert_ptr_equal(ipc_blocked_on(th[0]), th[2]);                /* re-targeted */
    assert_int_equal(th[0]->ipc.from_spec, gid_of(2));             /* (and named: kcheck) */
    assert_null(th[0]->ipc.q_on);                                  /* (in no queue) */
    /* server 2's reply reaches the client directly */
    msg_load2(2, 0x20, 7, 7);
    assert_int_equal(do_ipc(2, gid_of(0), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_false(ipc_result_tag(th[2]) & MSG_TAG_E);
    assert_int_equal(ipc_result_from(th[0]), lid_of(2));
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x20, 2, 0, 0));
}

/* Only a virtual sender waiting for the sender's reply is re-targeted: one
 * still sending to the sender stays in its send queue, blocked on it. */
static void test_ipc_propagation_keeps_a_sending_virtual_sender(void **state)
{
    assert_int_equal(do_ipc(2, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(0, 0x10, 1, 2);
    assert_int_equal(do_ipc(0, gid_of(1), gid_of(1), 0), IPC_BLOCKED);   /* 1 is not receiving */
    assert_int_equal(th[0]->state, TS_SEND_WAIT);
    msg_load2(1, 0x10, 1, 2);
    U(1)[0] |= MSG_TAG_P;
    U(1)[UTCB_VIRTUAL_SENDER] = gid_of(0);
    assert_int_equal(do_ipc(1, gid_of(2), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[2]), gid_of(0));
    assert_int_equal(th[0]->state, TS_SEND_WAIT);
    assert_ptr_equal(ipc_blocked_on(th[0]), th[1]);
    assert_ptr_equal(ipc_sendq_head(th[1]), th[0]);
}

static void test_ipc_propagation_rules(void **state)
{
    /* virtual sender in another space, sender not in the receiver's space: ignored */
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(5, 0x10, 0, 0);
    U(5)[0] |= MSG_TAG_P;
    U(5)[UTCB_VIRTUAL_SENDER] = gid_of(0);
    assert_int_equal(do_ipc(5, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[1]), gid_of(5));
    assert_false(ipc_result_tag(th[1]) & MSG_TAG_P);
    /* ... but honoured when the sender lives in the receiver's space */
    assert_int_equal(do_ipc(6, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(5, gid_of(6), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[6]), gid_of(0));
    assert_true(ipc_result_tag(th[6]) & MSG_TAG_P);
    /* a non-existing virtual sender is ignored */
    assert_int_equal(do_ipc(6, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    U(5)[UTCB_VIRTUAL_SENDER] = tid_make_global(90, 1);
    assert_int_equal(do_ipc(5, gid_of(6), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[6]), lid_of(5));
}

static void test_ipc_propagation_matches_closed_receive(void **state)
{
    /* receiver 3 waits for 0; 1 sends on behalf of 0 */
    assert_int_equal(do_ipc(3, TID_NIL, gid_of(0), 0), IPC_BLOCKED);
    msg_load2(1, 0x10, 0, 0);
    U(1)[0] |= MSG_TAG_P;
    U(1)[UTCB_VIRTUAL_SENDER] = gid_of(0);
    assert_int_equal(do_ipc(1, gid_of(3), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[3]), gid_of(0));
    /* and found in the send queue by a later closed receive */
    msg_load2(2, 0x11, 0, 0);
    assert_int_equal(do_ipc(2, gid_of(3), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(1, gid_of(3), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(3, TID_NIL, gid_of(0), 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[3]), gid_of(0));
    assert_int_equal(U(3)[UTCB_VIRTUAL_SENDER], gid_of(1));
    assert_int_equal(th[2]->state, TS_SEND_WAIT);
}

/* ---- redirection (ABI 5.7) ------------------------------------------------------
 *
 * The clan: member space spc[1] (threads 5, 6, 7) whose redirector is the
 * chief 0 (space 0, with 1..3); the outsider O = thread 4, moved into a
 * third space. */

#define CHIEF 0u
#define OUTSIDER 4u
static struct space spc_out;

static void clan_setup(void)
{
    memset(&spc_out, 0, sizeof(spc_out));
    tcb_set_space(th[OUTSIDER], &spc_out);
    tcb_space_redirect(&spc[1], gid_of(CHIEF));
}

static void test_ipc_invoke_redirected_send_reaches_redirector(void **state)
{
    clan_setup();
    U(CHIEF)[UTCB_INTENDED_RECEIVER] = 0x5555u;
    assert_int_equal(do_ipc(CHIEF, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(OUTSIDER, TID_NIL, TID_ANY, TO(0, period(1000))), IPC_BLOCKED);
    msg_load2(5, 0x77, 11, 22);
    assert_int_equal(do_ipc(5, gid_of(OUTSIDER), TID_NIL, 0), IPC_DONE);
    /* the sender cannot tell */
    assert_int_equal(ipc_result_tag(th[5]), msgtag_make(0x77, 2, 0, 0));
    assert_int_equal(ipc_result_from(th[5]), TID_NIL);
    /* the chief got it, with r and the intended receiver */
    assert_int_equal(ipc_result_from(th[CHIEF]), gid_of(5));
    assert_int_equal(ipc_result_tag(th[CHIEF]), msgtag_make(0x77, 2, 0, MSG_TAG_R));
    assert_int_equal(U(CHIEF)[UTCB_INTENDED_RECEIVER], gid_of(OUTSIDER));
    assert_int_equal(U(CHIEF)[1], 11u);
    assert_int_equal(U(CHIEF)[2], 22u);
    /* the outsider saw nothing */
    assert_int_equal(th[OUTSIDER]->state, TS_RECV_WAIT);
    mock_time_us += 2000;
    assert_int_equal(ipc_expire(mock_time_us), 1u);
    assert_int_equal(err_of(OUTSIDER), 0x3u);          /* receive timeout */
    /* the redirector's next, ordinary message has no r and IntendedReceiver is kept */
    assert_int_equal(do_ipc(CHIEF, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(1, 0x78, 0, 0);
    assert_int_equal(do_ipc(1, gid_of(CHIEF), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[CHIEF]), msgtag_make(0x78, 2, 0, 0));
    assert_int_equal(U(CHIEF)[UTCB_INTENDED_RECEIVER], gid_of(OUTSIDER));
}

static void test_ipc_invoke_redirect_skips_intra_space_and_redirector_space(void **state)
{
    clan_setup();
    /* intra-clan, by global and by local ID */
    assert_int_equal(do_ipc(6, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(5, 0x1, 0, 0);
    assert_int_equal(do_ipc(5, gid_of(6), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[6]), lid_of(5));
    assert_int_equal(ipc_result_tag(th[6]), msgtag_make(0x1, 2, 0, 0));
    assert_int_equal(do_ipc(6, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(5, lid_of(6), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[6]), msgtag_make(0x1, 2, 0, 0));
    /* to the redirector itself and to another thread of its space */
    assert_int_equal(do_ipc(CHIEF, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(5, gid_of(CHIEF), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[CHIEF]), msgtag_make(0x1, 2, 0, 0));
    assert_int_equal(do_ipc(2, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(5, gid_of(2), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[2]), gid_of(5));
    assert_int_equal(ipc_result_tag(th[2]), msgtag_make(0x1, 2, 0, 0));
    /* a send to a non-existent thread is error 2, not redirected */
    assert_int_equal(do_ipc(5, tid_make_global(90, 1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(5), 0x4u);
    assert_int_equal(th[CHIEF]->state, TS_READY);
}

static void test_ipc_invoke_redirector_in_own_space(void **state)
{
    /* redirector 7 lives inside the clan: 5's outbound send goes to 7, but
     * 7's own send leaves the space directly */
    clan_setup();
    tcb_space_redirect(&spc[1], gid_of(7));
    assert_int_equal(do_ipc(7, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(5, 0x3, 0, 0);
    assert_int_equal(do_ipc(5, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[7]), msgtag_make(0x3, 2, 0, MSG_TAG_R));
    assert_int_equal(U(7)[UTCB_INTENDED_RECEIVER], gid_of(1));
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(7, 0x4, 0, 0);
    assert_int_equal(do_ipc(7, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[1]), gid_of(7));
    assert_int_equal(ipc_result_tag(th[1]), msgtag_make(0x4, 2, 0, 0));
}

static void test_ipc_invoke_redirect_blocks_until_redirector_receives(void **state)
{
    clan_setup();
    /* the destination is ready, the redirector is not: the sender blocks on it */
    assert_int_equal(do_ipc(OUTSIDER, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(5, 0x5, 1, 2);
    assert_int_equal(do_ipc(5, gid_of(OUTSIDER), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(th[5]->state, TS_SEND_WAIT);
    assert_ptr_equal(ipc_blocked_on(th[5]), th[CHIEF]);
    assert_ptr_equal(ipc_sendq_head(th[CHIEF]), th[5]);
    assert_null(ipc_sendq_head(th[OUTSIDER]));
    assert_int_equal(th[OUTSIDER]->state, TS_RECV_WAIT);
    /* ZeroTime: fails at once as if the destination were not ready */
    msg_load2(6, 0x6, 0, 0);
    assert_int_equal(do_ipc(6, gid_of(OUTSIDER), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_int_equal(err_of(6), 0x2u);                 /* timeout, send phase */
    /* a send timeout runs out in the redirector's queue */
    assert_int_equal(do_ipc(6, gid_of(OUTSIDER), TID_NIL, TO(period(1000), 0)), IPC_BLOCKED);
    mock_time_us += 2000;
    assert_int_equal(ipc_expire(mock_time_us), 1u);
    assert_int_equal(err_of(6), 0x2u);
    assert_ptr_equal(ipc_queue_next(th[5]), NULL);
    /* a closed receive of the redirector from the member takes it */
    assert_int_equal(do_ipc(CHIEF, TID_NIL, gid_of(5), 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[CHIEF]), gid_of(5));
    assert_int_equal(ipc_result_tag(th[CHIEF]), msgtag_make(0x5, 2, 0, MSG_TAG_R));
    assert_int_equal(U(CHIEF)[UTCB_INTENDED_RECEIVER], gid_of(OUTSIDER));
    assert_int_equal(th[5]->state, TS_READY);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    assert_int_equal(th[OUTSIDER]->state, TS_RECV_WAIT);
}

static void test_ipc_invoke_redirector_anythread_or_nil_disables(void **state)
{
    clan_setup();
    const tid_t none[2] = { TID_ANY, TID_NIL };
    for (unsigned k = 0; k < 2; k++) {
        tcb_space_redirect(&spc[1], none[k]);
        assert_int_equal(do_ipc(OUTSIDER, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
        msg_load2(5, 0x7, k, 0);
        assert_int_equal(do_ipc(5, gid_of(OUTSIDER), TID_NIL, TO(ZERO, 0)), IPC_DONE);
        assert_int_equal(ipc_result_from(th[OUTSIDER]), gid_of(5));
        assert_int_equal(ipc_result_tag(th[OUTSIDER]), msgtag_make(0x7, 2, 0, 0));
        assert_int_equal(U(OUTSIDER)[1], k);
    }
}

static void test_ipc_invoke_kernel_is_not_redirected(void **state)
{
    clan_setup();
    assert_int_equal(do_ipc(OUTSIDER, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(5, 0xFFE6, 0x1000, 0x2000);               /* a pagefault on 5's behalf */
    mock_current = th[5];
    assert_int_equal(ipc_invoke_kernel(th[5], gid_of(OUTSIDER), gid_of(OUTSIDER), 0), IPC_BLOCKED);
    assert_int_equal(ipc_result_from(th[OUTSIDER]), gid_of(5));
    assert_int_equal(ipc_result_tag(th[OUTSIDER]), msgtag_make(0xFFE6, 2, 0, 0));
    assert_ptr_equal(ipc_blocked_on(th[5]), th[OUTSIDER]);
}

static void test_ipc_thread_deleted_redirector_fails_queued_senders(void **state)
{
    clan_setup();
    msg_load2(5, 0x8, 0, 0);
    assert_int_equal(do_ipc(5, gid_of(OUTSIDER), gid_of(OUTSIDER), 0), IPC_BLOCKED);
    msg_load2(6, 0x9, 0, 0);
    assert_int_equal(do_ipc(6, gid_of(OUTSIDER), TID_NIL, TO(period(5000), 0)), IPC_BLOCKED);
    assert_ptr_equal(ipc_sendq_head(th[CHIEF]), th[5]);
    ipc_thread_deleted(th[CHIEF]);
    assert_int_equal(err_of(5), 0x4u);                 /* error 2, send phase */
    assert_int_equal(err_of(6), 0x4u);
    assert_true(ipc_result_tag(th[5]) & MSG_TAG_E);
    assert_int_equal(th[5]->state, TS_READY);
    assert_false(timer_running(th[6]));
    assert_null(ipc_blocked_on(th[5]));                /* receive phase skipped */
    mock_current = th[1];
    assert_false(tcb_delete(th[CHIEF], &wq));
    /* the space still names the dead redirector: fail closed, no bypass */
    assert_int_equal(do_ipc(OUTSIDER, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    U(5)[UTCB_ERROR_CODE] = 0;
    assert_int_equal(do_ipc(5, gid_of(OUTSIDER), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(5), 0x4u);
    assert_int_equal(th[OUTSIDER]->state, TS_RECV_WAIT);
    /* intra-clan IPC still works */
    assert_int_equal(do_ipc(6, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(5, gid_of(6), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[6]), lid_of(5));
}

static void test_ipc_redirect_chief_forwards_call_with_propagation(void **state)
{
    clan_setup();
    assert_int_equal(do_ipc(CHIEF, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(OUTSIDER, TID_NIL, gid_of(5), 0), IPC_BLOCKED);   /* expects 5 */
    /* member 5 calls the outsider: the chief gets the request */
    msg_load2(5, 0x10, 3, 4);
    assert_int_equal(do_ipc(5, gid_of(OUTSIDER), gid_of(OUTSIDER), 0), IPC_BLOCKED);
    assert_int_equal(ipc_result_tag(th[CHIEF]), msgtag_make(0x10, 2, 0, MSG_TAG_R));
    assert_int_equal(U(CHIEF)[UTCB_INTENDED_RECEIVER], gid_of(OUTSIDER));
    assert_int_equal(th[5]->state, TS_RECV_WAIT);
    assert_ptr_equal(ipc_blocked_on(th[5]), th[OUTSIDER]);    /* still waits for O */
    /* a non-redirector of the member's space may not propagate for it */
    assert_int_equal(do_ipc(6, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(1, 0x11, 0, 0);
    U(1)[0] |= MSG_TAG_P;
    U(1)[UTCB_VIRTUAL_SENDER] = gid_of(5);
    assert_int_equal(do_ipc(1, gid_of(OUTSIDER), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_int_equal(err_of(1), 0x2u);                  /* O takes only 5 (or 5's proxy) */
    /* the chief forwards it on 5's behalf */
    msg_load2(CHIEF, 0x10, 3, 4);
    U(CHIEF)[0] |= MSG_TAG_P;
    U(CHIEF)[UTCB_VIRTUAL_SENDER] = gid_of(5);
    assert_int_equal(do_ipc(CHIEF, gid_of(OUTSIDER), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_false(ipc_result_tag(th[CHIEF]) & MSG_TAG_E);
    assert_int_equal(ipc_result_from(th[OUTSIDER]), gid_of(5));
    assert_int_equal(ipc_result_tag(th[OUTSIDER]), msgtag_make(0x10, 2, 0, MSG_TAG_P));
    assert_int_equal(U(OUTSIDER)[UTCB_VIRTUAL_SENDER], gid_of(CHIEF));   /* ActualSender */
    assert_int_equal(U(OUTSIDER)[1], 3u);
    /* the outsider's reply reaches the member directly */
    msg_load2(OUTSIDER, 0x20, 9, 9);
    assert_int_equal(do_ipc(OUTSIDER, gid_of(5), TID_NIL, TO(ZERO, 0)), IPC_DONE);
    assert_int_equal(ipc_result_from(th[5]), gid_of(OUTSIDER));
    assert_int_equal(ipc_result_tag(th[5]), msgtag_make(0x20, 2, 0, 0));
    assert_int_equal(U(5)[1], 9u);
    assert_int_equal(th[CHIEF]->state, TS_READY);
}

static void test_ipc_redirect_member_propagates_within_clan(void **state)
{
    /* a member propagating for a clan mate: the chief sees p and r */
    clan_setup();
    assert_int_equal(do_ipc(CHIEF, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(5, 0x12, 0, 0);
    U(5)[0] |= MSG_TAG_P;
    U(5)[UTCB_VIRTUAL_SENDER] = gid_of(6);
    assert_int_equal(do_ipc(5, gid_of(OUTSIDER), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[CHIEF]), gid_of(6));
    assert_int_equal(ipc_result_tag(th[CHIEF]), msgtag_make(0x12, 2, 0, MSG_TAG_P | MSG_TAG_R));
    assert_int_equal(U(CHIEF)[UTCB_VIRTUAL_SENDER], gid_of(5));
    assert_int_equal(U(CHIEF)[UTCB_INTENDED_RECEIVER], gid_of(OUTSIDER));
}

static void test_ipc_redirect_string_pagefault_goes_to_pager(void **state)
{
    /* a redirected long IPC whose source faults: the pagefault IPC goes to
     * the member's pager (the outsider) unredirected and without r; after
     * the pager's reply the chief gets the message with r */
    clan_setup();
    load_string_msg(5, 100);
    mock_usermem_unmap(th[5]->space, SRC_VA);
    load_buffer(CHIEF, 200, true);
    U(5)[UTCB_PAGER] = gid_of(OUTSIDER);
    mock_fpage_backs = true;
    assert_int_equal(do_ipc(CHIEF, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(5, gid_of(OUTSIDER), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(ipc_thread_state(th[5]), TS_SENDING);
    assert_ptr_equal(ipc_blocked_on(th[5]), th[OUTSIDER]);
    assert_int_equal(do_ipc(OUTSIDER, TID_NIL, TID_ANY, 0), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[OUTSIDER]), 0xFFE50002u);
    assert_int_equal(ipc_result_from(th[OUTSIDER]), gid_of(5));
    pager_reply_map(OUTSIDER, 5, SRC_VA);
    assert_int_equal(th[5]->state, TS_READY);
    assert_int_equal(th[CHIEF]->state, TS_READY);
    assert_int_equal(ipc_result_tag(th[CHIEF]), msgtag_make(0x5, 1, 2, MSG_TAG_R));
    assert_int_equal(U(CHIEF)[UTCB_INTENDED_RECEIVER], gid_of(OUTSIDER));
    assert_int_equal(U(CHIEF)[1], 0xC0FFEEu);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
}

/* ---- driven the way the kernel's system-call layer drives it ------------------ */

/* The kernel's Ipc entry on the host (the fake switch returns at once, so
 * one dispatch stands for "until the IPC is finished"). */
static void syscall_ipc(tid_t to, tid_t from, word_t timeouts)
{
    struct tcb *self = mock_current;
    if (ipc_invoke(self, to, from, timeouts) == IPC_BLOCKED)
        sched_dispatch();
}

static void test_ipc_syscall_layer_with_dispatcher(void **state)
{
    mock_current = th[1];
    syscall_ipc(TID_NIL, TID_ANY, 0);              /* server waits */
    assert_ptr_equal(mock_current, th[0]);          /* dispatcher ran the client */
    msg_load2(0, 0x1, 42, 0);
    syscall_ipc(gid_of(1), gid_of(1), 0);           /* client calls */
    assert_ptr_equal(mock_current, th[1]);          /* the server runs again ... */
    assert_int_equal(ipc_result_from(th[1]), lid_of(0));   /* ... with its result */
    assert_int_equal(U(1)[1], 42u);
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
    msg_load2(1, 0x2, 43, 0);
    syscall_ipc(gid_of(0), TID_NIL, TO(ZERO, 0));   /* reply */
    assert_ptr_equal(mock_current, th[1]);          /* not blocked: no dispatch */
    assert_true(sched_runnable(th[0]));
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x2, 2, 0, 0));
    assert_int_equal(U(0)[1], 43u);
    assert_true(th[0]->in_ready_queue);              /* client queued behind the server */
    assert_ptr_equal(sched_pick(), th[1]);
    assert_false(sched_resched_pending());          /* same priority: no preemption */
}

/* ---- randomised model test ----------------------------------------------------
 *
 * Threads 0..6 run random IPCs among themselves: send, receive (open,
 * anylocal, closed), call, reply-and-wait with random send/receive/xfer
 * timeouts; half the messages carry a string item, and receive buffers are
 * randomly unmapped so that transfers fault. Thread 7 is everybody's pager:
 * it collects pagefault messages and answers them (with a mapping or
 * without, provoking a refault) at random moments. Time advances and fires
 * timeouts; cancels hit blocked and transferring threads (abort). After
 * every step: every queue is well linked and holds exactly the threads
 * blocked on it, transfers pair a sender with a receiver and exactly one of
 * them waits for its pager, timers are armed exactly where they must be,
 * and every message arrives at most once, with the right contents, and
 * exactly when its sender's send phase succeeded.
 */

#define MT 7u                         /* model threads; th[7] is the pager */
#define PAGER 7u
#define MSRC(i) (SRC_VA + (i) * MOCK_PAGE_SIZE)
#define MDST(i) (DST_VA + (i) * MOCK_PAGE_SIZE)
#define MBUF 64u

struct sent {
    unsigned from;
    tid_t to;
    word_t len;                       /* string bytes, 0: no string item */
    bool delivered, dead;
};

#define MAX_SENT 40000u
static struct sent sent[MAX_SENT];
static unsigned nsent;
static bool busy[NT];                 /* an IPC of ours is outstanding */
static bool had_send[NT], had_recv[NT];
static word_t cur_seq[NT];            /* seq of the message the thread sent */
static tid_t cur_from[NT];            /* its FromSpecifier */
static bool pager_waiting, pager_has_pf;
static unsigned model_seed;
static unsigned n_faults, n_aborts, n_xfer_timeouts, n_strings, n_stale;

#define CHECK(c)                                                                 \
    do {                                                                         \
        if (!(c)) {                                                              \
            fprintf(stderr, "model seed 0x%x: check failed: %s (line %d)\n",     \
                    model_seed, #c, __LINE__);                                   \
            fail();                                                              \
        }                                                                        \
    } while (0)

static uint8_t pattern(word_t seq, word_t k) { return (uint8_t)(seq * 31u + k * 7u + 1u); }

/* Thread index of a TCB (NT when not one of ours). */
static unsigned idx_of(const struct tcb *t)
{
    for (unsigned i = 0; i < NT; i++)
        if (th[i] == t)
            return i;
    return NT;
}

static uint8_t outer_state_of(const struct tcb *t)
{
    return t->ipc_nested ? t->ipc.saved.state : t->state;
}

static const struct tcb *outer_partner_of(const struct tcb *t)
{
    return t->ipc_nested ? t->ipc.saved.xfer_partner : t->ipc.xfer_partner;
}

/* Queue links, queue membership, transfer pairing and timers. */
static void model_check_queues(void)
{
    unsigned seen[NT] = { 0 };
    for (unsigned i = 0; i < NT; i++) {
        const struct tcb *prev = NULL;
        for (const struct tcb *s = ipc_sendq_head(th[i]); s != NULL; s = ipc_queue_next(s)) {
            unsigned k = idx_of(s);
            CHECK(k < NT);
            seen[k]++;
            CHECK(s->state == TS_SEND_WAIT && ipc_blocked_on(s) == th[i]);
            CHECK(ipc_queue_prev(s) == prev);
            prev = s;
        }
        CHECK(ipc_queue_last(&th[i]->ipc.sendq) == prev);
    }
    for (unsigned i = 0; i < NT; i++) {
        const struct tcb *t = th[i];
        bool open_recv = t->state == TS_RECV_WAIT &&
                         (t->ipc.from_spec == TID_ANY || t->ipc.from_spec == TID_ANYLOCAL);
        CHECK(t->state == TS_READY || ipc_pending(t));
        /* queued exactly while sending; a closed receiver waits for the
         * thread it named, in no queue */
        CHECK(seen[i] == (t->state == TS_SEND_WAIT ? 1u : 0u));
        CHECK((t->ipc.q_on != NULL) == (t->state == TS_SEND_WAIT));
        if (t->state == TS_RECV_WAIT && !open_recv && tid_is_global(t->ipc.from_spec))
            CHECK(ipc_blocked_on(t) != NULL && ipc_blocked_on(t)->gid == t->ipc.from_spec);
        if (i < MT)
            CHECK(busy[i] == (t->state != TS_READY));
        if (t->state == TS_READY)
            CHECK(!timer_running(t) && !t->ipc_nested);
        uint8_t os = outer_state_of(t);
        if (os == TS_SENDING || os == TS_RECEIVING) {
            /* a transfer pairs a sender with a receiver; exactly one waits for its pager */
            const struct tcb *p = outer_partner_of(t);
            CHECK(p != NULL && outer_partner_of(p) == t);
            CHECK(outer_state_of(p) == (os == TS_SENDING ? TS_RECEIVING : TS_SENDING));
            CHECK(t->ipc_nested != p->ipc_nested);
            if (t->ipc_nested)
                CHECK(ipc_blocked_on(t) == th[PAGER] || t->state == TS_RECV_WAIT);
        } else if (t->state != TS_READY) {
            /* blocked in its own IPC: a finite timeout is armed, or it waits forever */
            uint16_t tv = t->state == TS_SEND_WAIT ? (uint16_t)(t->ipc.timeouts >> 16)
                                                   : (uint16_t)t->ipc.timeouts;
            CHECK(timer_running(t) == (tv != NEVER));
        }
    }
    CHECK(wakeup_check(&wq));
}

/* Thread i's system call returned: check the message it received, if any. */
static void model_check_recv(unsigned i)
{
    word_t tag = ipc_result_tag(th[i]);
    if (!had_recv[i])
        return;
    if (tag & MSG_TAG_E) {
        CHECK(ipc_result_from(th[i]) == TID_NIL);
        return;
    }
    if (ipc_result_from(th[i]) == gid_of(PAGER)) {
        /* a late pager reply to an aborted transfer met an open receive: legal */
        CHECK(tag == 0 && (cur_from[i] == TID_ANY ||
                           (cur_from[i] == TID_ANYLOCAL && th[i]->space == th[PAGER]->space)));
        n_stale++;
        return;
    }
    word_t seq = U(i)[1];
    CHECK(seq < nsent);
    struct sent *m = &sent[seq];
    CHECK(!m->delivered && !m->dead);
    CHECK(m->to == gid_of(i));
    CHECK(ipc_result_from(th[i]) ==
          (th[m->from]->space == th[i]->space ? lid_of(m->from) : gid_of(m->from)));
    CHECK(U(i)[2] == gid_of(m->from));
    CHECK(msgtag_label(tag) == (seq & 0xFFFFu));
    CHECK(msgtag_untyped(tag) == 2 && msgtag_typed(tag) == (m->len ? 2u : 0u));
    if (m->len) {
        uint8_t buf[MBUF];
        CHECK(mock_usermem_read(th[i]->space, MDST(i), buf, m->len));
        for (word_t k = 0; k < m->len; k++)
            CHECK(buf[k] == pattern(seq, k));
    }
    tid_t f = cur_from[i];
    CHECK(f == TID_ANY || (f == TID_ANYLOCAL && th[m->from]->space == th[i]->space) ||
          f == gid_of(m->from));
    m->delivered = true;
}

/* Thread i's system call returned: its message arrived iff its send phase succeeded. */
static void model_check_send(unsigned i)
{
    word_t tag = ipc_result_tag(th[i]);
    word_t err = U(i)[UTCB_ERROR_CODE];
    if (!had_send[i])
        return;
    struct sent *m = &sent[cur_seq[i]];
    bool send_ok = !(tag & MSG_TAG_E) || msg_error_phase(err) == IPC_PHASE_RECV;
    CHECK(send_ok == m->delivered);
    if (!send_ok) {
        enum ipc_error e = msg_error_code(err);
        CHECK(e == IPC_ERR_TIMEOUT || e == IPC_ERR_CANCELED || e == IPC_ERR_ABORTED ||
              e == IPC_ERR_XFER_OWN || e == IPC_ERR_XFER_PARTNER);
        CHECK(e < IPC_ERR_OVERFLOW || m->len > 0);
        n_aborts += e == IPC_ERR_ABORTED;
        n_xfer_timeouts += e == IPC_ERR_XFER_OWN;
    }
    m->dead = true;
}

/* Check every thread whose system call finished in this step: deliveries
 * first, so that a sender finishing in the same step sees its message arrived. */
static void model_sweep(void)
{
    bool done[NT];
    for (unsigned i = 0; i < MT; i++)
        done[i] = busy[i] && th[i]->state == TS_READY;
    for (unsigned i = 0; i < MT; i++)
        if (done[i])
            model_check_recv(i);
    for (unsigned i = 0; i < MT; i++) {
        if (done[i]) {
            model_check_send(i);
            busy[i] = false;
        }
    }
}

static uint16_t model_timeout(void)
{
    int k = rand() % 20;
    if (k < 4)
        return NEVER;
    if (k < 6)
        return ZERO;
    return period(200u + (unsigned)rand() % 3000u);
}

static tid_t model_from(unsigned i)
{
    switch (rand() % 5) {
    case 0: case 1: return TID_ANY;
    case 2: return TID_ANYLOCAL;
    case 3: return gid_of((unsigned)rand() % MT);
    default: /* a thread that is sending to i right now, if any */
        return ipc_sendq_head(th[i]) != NULL ? ipc_sendq_head(th[i])->gid : TID_ANY;
    }
}

/* Load thread i's message number `seq` to `dest`, maybe with a string. */
static void model_load_message(unsigned i, unsigned dest, word_t seq)
{
    bool with_string = rand() % 2;
    word_t len = with_string ? 1u + (word_t)rand() % MBUF : 0;
    msg_load2(i, seq & 0xFFFFu, seq, gid_of(i));
    sent[seq].len = len;
    if (!with_string)
        return;
    n_strings++;
    uint8_t buf[MBUF];
    for (word_t k = 0; k < len; k++)
        buf[k] = pattern(seq, k);
    CHECK(mock_usermem_write(th[i]->space, MSRC(i), buf, len));
    U(i)[0] = msgtag_make(seq & 0xFFFFu, 2, 2, 0);
    U(i)[3] = msg_string_header(len, 1, false, false);
    U(i)[4] = MSRC(i);
    if (rand() % 3 == 0)
        mock_usermem_unmap(th[dest]->space, MDST(dest));   /* the copy will fault */
}

static uint16_t model_xfer_timeout(void)
{
    int k = rand() % 10;
    return k < 5 ? NEVER : k < 6 ? ZERO : period(500u + (unsigned)rand() % 4000u);
}

/* A ready thread starts a random IPC. */
static void model_start(unsigned i)
{
    int kind = rand() % 10;      /* send, receive, call, reply-wait */
    kind = kind < 3 ? 0 : kind < 6 ? 1 : kind < 8 ? 2 : 3;
    tid_t to = TID_NIL, from = TID_NIL;
    unsigned dest = (unsigned)rand() % MT;
    if (kind != 1)
        to = gid_of(dest);
    if (kind == 1)
        from = model_from(i);
    else if (kind == 2)
        from = to;
    else if (kind == 3)
        from = rand() % 2 ? TID_ANY : TID_ANYLOCAL;
    uint16_t snd_to = model_timeout();
    uint16_t rcv_to = model_timeout();
    uint16_t xs = model_xfer_timeout();
    uint16_t xr = model_xfer_timeout();
    U(i)[UTCB_XFER_TIMEOUTS] = TO(xs, xr);
    had_send[i] = to != TID_NIL;
    had_recv[i] = from != TID_NIL;
    cur_from[i] = from;
    if (had_send[i]) {
        CHECK(nsent < MAX_SENT);
        cur_seq[i] = nsent;
        sent[nsent].from = i;
        sent[nsent].to = to;
        sent[nsent].delivered = sent[nsent].dead = false;
        model_load_message(i, dest, nsent);
        nsent++;
    }
    busy[i] = true;
    do_ipc(i, to, from, TO(snd_to, rcv_to));
}

/* The pager: wait for pagefaults; answer a pending one now and then. */
static void model_pager_step(void)
{
    struct tcb *p = th[PAGER];
    if (pager_waiting && p->state == TS_READY) {
        pager_waiting = false;
        pager_has_pf = (ipc_result_tag(p) & MSG_TAG_E) == 0;
    }
    if (!pager_waiting && !pager_has_pf) {
        pager_waiting = do_ipc(PAGER, TID_NIL, TID_ANY, TO(NEVER, NEVER)) == IPC_BLOCKED;
        pager_has_pf = !pager_waiting && (ipc_result_tag(p) & MSG_TAG_E) == 0;
        return;
    }
    if (pager_has_pf && rand() % 2) {
        word_t tag = ipc_result_tag(p);
        CHECK(msgtag_label(tag) == 0xFFE2u && U(PAGER)[2] == 0xFFFFFFFFu);
        tid_t client = ipc_result_from(p);
        word_t addr = U(PAGER)[1] & ~(MOCK_PAGE_SIZE - 1u);
        n_faults++;
        if (rand() % 4) {
            U(PAGER)[0] = msgtag_make(0, 0, 2, 0);
            U(PAGER)[1] = msg_map_item_word0(addr, false, false);
            U(PAGER)[2] = fpage_make(addr, 12, 7);
        } else {
            U(PAGER)[0] = 0;                  /* no mapping: the copy faults again */
        }
        do_ipc(PAGER, client, TID_NIL, TO(ZERO, NEVER));
        pager_has_pf = false;
    }
}

static void model_setup(void)
{
    nsent = n_faults = n_aborts = n_xfer_timeouts = n_strings = n_stale = 0;
    memset(busy, 0, sizeof(busy));
    pager_waiting = pager_has_pf = false;
    mock_fpage_backs = true;
    for (unsigned i = 0; i < MT; i++) {
        U(i)[UTCB_PAGER] = gid_of(PAGER);
        U(i)[utcb_br_index(0)] = 1;
        U(i)[utcb_br_index(1)] = msg_string_header(MBUF, 1, false, false);
        U(i)[utcb_br_index(2)] = MDST(i);
        assert_true(mock_usermem_map(th[i]->space, MSRC(i), false));
        assert_true(mock_usermem_map(th[i]->space, MDST(i), true));
    }
}

static void test_ipc_model_random_interleavings(void **state)
{
    const char *env = getenv("IPC_MODEL_SEED");      /* explore other seeds by hand */
    model_seed = env != NULL ? (unsigned)strtoul(env, NULL, 0) : 0x1BC0FFEEu;
    srand(model_seed);
    model_setup();
    for (unsigned step = 0; step < 30000; step++) {
        int action = rand() % 20;
        if (action < 12) {
            unsigned i = (unsigned)rand() % MT;
            if (!busy[i])
                model_start(i);
        } else if (action < 15) {
            model_pager_step();
        } else if (action < 19) {
            mock_time_us += (uint64_t)(rand() % 1500);
            ipc_expire(mock_time_us);
        } else {
            unsigned i = (unsigned)rand() % MT;
            bool r = rand() % 2;
            bool snd = rand() % 2;
            ipc_cancel(th[i], r, snd);
        }
        model_sweep();
        model_check_queues();
    }
    /* drain: cancel everything, all messages accounted for */
    for (unsigned i = 0; i < MT; i++)
        ipc_cancel(th[i], true, true);
    model_sweep();
    model_check_queues();
    unsigned delivered = 0, delivered_strings = 0;
    for (unsigned k = 0; k < nsent; k++) {
        CHECK(sent[k].dead);
        delivered += sent[k].delivered;
        delivered_strings += sent[k].delivered && sent[k].len > 0;
    }
    fprintf(stderr, "model seed 0x%x: %u messages (%u with strings), %u delivered (%u strings), "
            "%u pagefaults answered, %u aborts, %u xfer timeouts\n", model_seed, nsent,
            n_strings, delivered, delivered_strings, n_faults, n_aborts, n_xfer_timeouts);
    CHECK(delivered > nsent / 10 && delivered_strings > 0);
    CHECK(n_faults > 0 && n_aborts > 0 && n_xfer_timeouts > 0);
}

/* ---- gaps found by mutation testing (issue 12) ------------------------------------ */

/* GCC's -Wclobbered misfires on the flag inside MOCK_EXPECT_PANIC (it is
 * only written after the longjmp); clang has no such warning. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

static void test_ipc_closed_receive_rejects_other_virtual_sender(void **state)
{
    /* 3 waits for 0; 1 propagates on behalf of 2 (valid propagation, wrong thread) */
    assert_int_equal(do_ipc(3, TID_NIL, gid_of(0), 0), IPC_BLOCKED);
    msg_load2(1, 0x10, 0, 0);
    U(1)[0] |= MSG_TAG_P;
    U(1)[UTCB_VIRTUAL_SENDER] = gid_of(2);
    assert_int_equal(do_ipc(1, gid_of(3), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(th[3]->state, TS_RECV_WAIT);
    assert_int_equal(th[1]->state, TS_SEND_WAIT);
    /* nor does a later closed receive from 0 take it from the send queue */
    ipc_cancel(th[3], true, false);
    assert_int_equal(do_ipc(3, TID_NIL, gid_of(0), TO(NEVER, ZERO)), IPC_DONE);
    assert_int_equal(err_of(3), msg_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0));
    assert_ptr_equal(ipc_sendq_head(th[3]), th[1]);
    /* a closed receive from the virtual sender 2 does */
    assert_int_equal(do_ipc(3, TID_NIL, gid_of(2), 0), IPC_DONE);
    assert_int_equal(ipc_result_from(th[3]), gid_of(2));
}

/* Sender 0: a 5000-byte string whose second source page is missing; its
 * pager is 4, the receiver 5 has a buffer of `buffer` bytes. */
static void sender_fault_setup(word_t buffer)
{
    load_string_msg(0, 5000);
    mock_usermem_unmap(th[0]->space, SRC_VA + MOCK_PAGE_SIZE);
    load_buffer(5, buffer, true);
    U(0)[UTCB_PAGER] = gid_of(4);
    mock_fpage_backs = true;
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
}

/* The pager 4 takes the pending fault of sender 0 and maps the page. */
static void sender_fault_resolve(void)
{
    assert_int_equal(do_ipc(4, TID_NIL, TID_ANY, 0), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[4]), 0xFFE50002u);
    assert_int_equal(U(4)[1], SRC_VA + MOCK_PAGE_SIZE);
    pager_reply_map(4, 0, SRC_VA + MOCK_PAGE_SIZE);
}

static void test_ipc_string_sender_fault_keeps_error_offset(void **state)
{
    sender_fault_setup(4500);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(ipc_thread_state(th[0]), TS_SENDING);
    sender_fault_resolve();
    /* 4096 bytes before the fault, 404 after it: the buffer overflows at 4500 */
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_SEND, 4500));
    assert_int_equal(err_of(5), msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_RECV, 4500));
}

static void test_ipc_string_sender_fault_cancel_offset(void **state)
{
    sender_fault_setup(8192);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(ipc_cancel(th[5], true, false), TCB_EXREG_RECV);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_SEND, 4096));
    assert_int_equal(err_of(5), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_RECV, 4096));
}

static void test_ipc_string_sender_fault_restores_receive_timeout(void **state)
{
    /* a call with a ZeroTime receive timeout: after the transfer resumed and
     * completed, the receive phase polls and fails at once */
    sender_fault_setup(8192);
    assert_int_equal(do_ipc(0, gid_of(5), gid_of(5), TO(NEVER, ZERO)), IPC_BLOCKED);
    sender_fault_resolve();
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    assert_int_equal(th[0]->state, TS_READY);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0));
    assert_int_equal(ipc_result_tag(th[0]), MSG_TAG_E);
}

/* The pagefault IPC the sender's fault starts leaves its VirtualSender
 * and ErrorCode words as they were (ABI 5.10: saved and restored). */
static void test_ipc_string_sender_fault_keeps_tcrs(void **state)
{
    sender_fault_setup(8192);
    U(0)[UTCB_VIRTUAL_SENDER] = 0x12344001u;
    U(0)[UTCB_ERROR_CODE] = 0xABCDu;
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    sender_fault_resolve();
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    assert_int_equal(th[0]->state, TS_READY);
    assert_int_equal(U(0)[UTCB_VIRTUAL_SENDER], 0x12344001u);
    assert_int_equal(U(0)[UTCB_ERROR_CODE], 0xABCDu);
}

static void test_ipc_string_sender_fault_disarms_xfer_timer(void **state)
{
    /* the sender's 3 ms transfer timeout runs from the fault; the transfer
     * completes and its receive phase (never) must not inherit the timer */
    sender_fault_setup(8192);
    U(0)[UTCB_XFER_TIMEOUTS] = TO(period(3000), NEVER);
    assert_int_equal(do_ipc(0, gid_of(5), gid_of(5), TO(NEVER, NEVER)), IPC_BLOCKED);
    assert_true(timer_running(th[0]));
    sender_fault_resolve();
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
    assert_false(timer_running(th[0]));
    mock_time_us = 10000;
    assert_int_equal(ipc_expire(mock_time_us), 0);
    assert_int_equal(th[0]->state, TS_RECV_WAIT);
}

static void test_ipc_receive_timeout_exact_result(void **state)
{
    U(1)[0] = 0x12345678u;
    U(1)[UTCB_ERROR_CODE] = 0xFFu;
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(0), TO(NEVER, period(1000))), IPC_BLOCKED);
    mock_time_us = 2000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(ipc_result_tag(th[1]), MSG_TAG_E);
    assert_int_equal(U(1)[0], MSG_TAG_E);
    assert_int_equal(ipc_result_from(th[1]), TID_NIL);
    assert_int_equal(err_of(1), msg_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0));
    /* the same for a ZeroTime receive and for a call's receive phase */
    U(1)[0] = 0x12345678u;
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, TO(NEVER, ZERO)), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[1]), MSG_TAG_E);
    assert_int_equal(U(1)[0], MSG_TAG_E);
    assert_int_equal(err_of(1), msg_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0));
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    msg_load2(0, 0x1, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(1), gid_of(1), TO(NEVER, period(1000))), IPC_BLOCKED);
    mock_time_us = 4000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(ipc_result_tag(th[0]), MSG_TAG_E);
    assert_int_equal(U(0)[0], MSG_TAG_E);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0));
    /* and a send timeout keeps the sender's tag with E */
    msg_load2(0, 0x33, 1, 1);
    assert_int_equal(do_ipc(0, gid_of(2), TID_NIL, TO(period(1000), NEVER)), IPC_BLOCKED);
    mock_time_us = 6000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(ipc_result_tag(th[0]), msgtag_make(0x33, 2, 0, MSG_TAG_E));
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_SEND, 0));
}

/* ---- kernel assertions: each precondition fires ---------------------------------- */

static void test_ipc_assert_invoke_preconditions(void **state)
{
    assert_int_equal(do_ipc(1, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_true(MOCK_EXPECT_PANIC(ipc_invoke(th[1], gid_of(0), TID_NIL, 0)));      /* pending */
    assert_true(MOCK_EXPECT_PANIC(ipc_invoke_kernel(th[1], gid_of(0), TID_NIL, 0)));
    assert_true(MOCK_EXPECT_PANIC(ipc_receive_on_behalf(th[1], TID_ANY, 0)));
    th[2]->utcb = NULL;                                                           /* no UTCB */
    assert_true(MOCK_EXPECT_PANIC(ipc_invoke(th[2], gid_of(0), TID_NIL, 0)));
    assert_true(MOCK_EXPECT_PANIC(ipc_receive_on_behalf(th[2], TID_ANY, 0)));
    th[2]->utcb = &utcb_mem[2][64];
    assert_true(MOCK_EXPECT_PANIC(ipc_receive_on_behalf(th[2], TID_NIL, 0)));     /* nil from */
    /* the valid calls pass */
    assert_false(MOCK_EXPECT_PANIC(ipc_receive_on_behalf(th[2], TID_ANY, ZERO)));
    assert_false(MOCK_EXPECT_PANIC(ipc_invoke(th[3], TID_NIL, TID_NIL, 0)));
}

static void test_ipc_assert_timer_needs_queue(void **state)
{
    ipc_init(NULL);
    assert_true(MOCK_EXPECT_PANIC(ipc_invoke(th[1], TID_NIL, TID_ANY, TO(NEVER, period(1000)))));
    /* never and ZeroTime need no queue */
    assert_false(MOCK_EXPECT_PANIC(ipc_invoke(th[2], TID_NIL, TID_ANY, TO(NEVER, ZERO))));
    assert_false(MOCK_EXPECT_PANIC(ipc_invoke(th[3], TID_NIL, TID_ANY, TO(NEVER, NEVER))));
}

static void test_ipc_assert_xfer_timer_needs_queue(void **state)
{
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    U(5)[UTCB_XFER_TIMEOUTS] = TO(NEVER, period(5000));
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    ipc_init(NULL);
    assert_true(MOCK_EXPECT_PANIC(ipc_invoke(th[0], gid_of(5), TID_NIL, 0)));
}

static void test_ipc_assert_nested_depth_one(void **state)
{
    /* a receiver whose IPC state claims a pushed transfer cannot be pushed again */
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    th[5]->ipc_nested = true;
    assert_true(MOCK_EXPECT_PANIC(ipc_invoke(th[0], gid_of(5), TID_NIL, 0)));
}

/* ---- branch coverage (issue 12) ------------------------------------------------- */

static void test_ipc_string_sender_pager_is_receiver_aborts(void **state)
{
    load_string_msg(0, 100);
    mock_usermem_unmap(th[0]->space, SRC_VA);
    load_buffer(5, 200, true);
    U(0)[UTCB_PAGER] = gid_of(5);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_SEND, 0));
    assert_int_equal(err_of(5), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_RECV, 0));
    assert_int_equal(th[5]->state, TS_READY);
}

static void test_ipc_assert_queue_append_once(void **state)
{
    /* a thread whose queue link claims another queue cannot be queued */
    th[1]->ipc.q_on = &th[3]->ipc.sendq;
    assert_true(MOCK_EXPECT_PANIC(ipc_invoke(th[1], gid_of(2), TID_NIL, TO(NEVER, NEVER))));
    th[1]->ipc.q_on = NULL;
}

static void test_ipc_thread_deleted_spares_former_waiters(void **state)
{
    /* 1 got its message from 3, 4 was cancelled, 5 went on to an open
     * receive; only 6 still waits for 3. Deleting 3 fails 6 alone. */
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(3), 0), IPC_BLOCKED);
    msg_load2(3, 0x31, 7, 8);
    assert_int_equal(do_ipc(3, gid_of(1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(do_ipc(4, TID_NIL, gid_of(3), 0), IPC_BLOCKED);
    ipc_cancel(th[4], true, true);
    assert_int_equal(do_ipc(5, TID_NIL, gid_of(3), 0), IPC_BLOCKED);
    ipc_cancel(th[5], true, true);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(6, TID_NIL, gid_of(3), 0), IPC_BLOCKED);
    for (unsigned i = 1; i <= 6; i++)
        assert_null(th[i]->ipc.q_on);        /* (receivers are in no queue) */
    assert_null(ipc_blocked_on(th[1]));
    assert_null(ipc_blocked_on(th[5]));
    assert_ptr_equal(ipc_blocked_on(th[6]), th[3]);
    word_t err4 = err_of(4), mr5 = U(5)[0];
    ipc_thread_deleted(th[3]);
    assert_int_equal(U(1)[0], msgtag_make(0x31, 2, 0, 0));
    assert_int_equal(U(1)[1], 7);
    assert_int_equal(th[1]->state, TS_READY);
    assert_int_equal(err_of(4), err4);
    assert_int_equal(th[5]->state, TS_RECV_WAIT);           /* still waiting, for anybody */
    assert_int_equal(U(5)[0], mr5);
    assert_int_equal(th[6]->state, TS_READY);
    assert_int_equal(err_of(6), msg_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_RECV, 0));
}

/* Deletion finds closed receivers by walking the TCB slots (receivers are
 * in no queue): from slot 0 (an interrupt thread's number, waiting for its
 * handler) up to the highest number a thread was ever created with (the
 * area's last slot here), below and above the deleted thread's number and
 * in another space; a receiver closed on another thread and an open one
 * stay. */
static void test_ipc_thread_deleted_walks_every_slot(void **state)
{
    static word_t edge_utcb[2][128];
    struct tcb *first = NULL, *last = NULL;
    assert_int_equal(tcb_create(tid_make_global(0, 1), &spc[0], TID_NIL, &first), TCB_OK);
    assert_int_equal(tcb_create(tid_make_global(AREA_THREADS - 1u, 1), &spc[1], TID_NIL, &last), TCB_OK);
    tcb_activate(first, loc_of(NT), &edge_utcb[0][64]);
    tcb_activate(last, loc_of(NT + 1u), &edge_utcb[1][64]);
    sched_make_ready(first);
    sched_make_ready(last);
    assert_int_equal(tcb_area_used(), AREA_THREADS);
    mock_current = first;
    assert_int_equal(ipc_invoke(first, TID_NIL, gid_of(3), TO(NEVER, NEVER)), IPC_BLOCKED);
    mock_current = last;
    assert_int_equal(ipc_invoke(last, TID_NIL, gid_of(3), TO(NEVER, NEVER)), IPC_BLOCKED);
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(3), 0), IPC_BLOCKED);     /* below 3 */
    assert_int_equal(do_ipc(6, TID_NIL, gid_of(3), 0), IPC_BLOCKED);     /* above, space 1 */
    assert_int_equal(do_ipc(4, TID_NIL, gid_of(2), 0), IPC_BLOCKED);     /* closed on another */
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);       /* open */
    ipc_thread_deleted(th[3]);
    struct tcb *failed[] = { first, th[1], th[6], last };
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(failed[i]->state, TS_READY);
        assert_int_equal(failed[i]->utcb[UTCB_ERROR_CODE], msg_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_RECV, 0));
    }
    assert_int_equal(th[4]->state, TS_RECV_WAIT);
    assert_ptr_equal(ipc_blocked_on(th[4]), th[2]);
    assert_int_equal(th[5]->state, TS_RECV_WAIT);
}

static void test_ipc_thread_deleted_exact_results(void **state)
{
    /* a closed receiver and a sender of the deleted thread: error 2 with
     * the exact tags (receiver: just E; sender: its own tag with E) */
    assert_int_equal(do_ipc(1, TID_NIL, gid_of(3), 0), IPC_BLOCKED);
    msg_load2(2, 0x21, 1, 1);
    assert_int_equal(do_ipc(2, gid_of(3), TID_NIL, 0), IPC_BLOCKED);
    ipc_thread_deleted(th[3]);
    assert_int_equal(ipc_result_tag(th[1]), MSG_TAG_E);
    assert_int_equal(U(1)[0], MSG_TAG_E);
    assert_int_equal(err_of(1), msg_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_RECV, 0));
    assert_int_equal(ipc_result_tag(th[2]), msgtag_make(0x21, 2, 0, MSG_TAG_E));
    assert_int_equal(err_of(2), msg_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_SEND, 0));
}

static void test_ipc_string_xfer_timer_only_when_finite(void **state)
{
    /* both transfer timeouts never: no timer; both finite: the shorter */
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_false(timer_running(th[0]));
    ipc_cancel(th[0], true, true);
    U(0)[UTCB_XFER_TIMEOUTS] = TO(period(6000), NEVER);
    U(5)[UTCB_XFER_TIMEOUTS] = TO(NEVER, period(3000));
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_true(timer_running(th[0]));
    mock_time_us = 2000;
    assert_int_equal(ipc_expire(mock_time_us), 0);
    mock_time_us = 4000;
    assert_int_equal(ipc_expire(mock_time_us), 1);
    assert_int_equal(msg_error_code(err_of(5)), IPC_ERR_XFER_OWN);
    assert_int_equal(msg_error_code(err_of(0)), IPC_ERR_XFER_PARTNER);
}

static void test_ipc_string_cursor_restarts_after_aborted_substring(void **state)
{
    /* a two-substring string whose second substring faults; the transfer is
     * aborted there. The next string starts at its own first substring. */
    load_string_msg(0, 64);
    load_buffer(5, 200, true);
    U(0)[UTCB_PAGER] = gid_of(4);
    U(0)[0] = msgtag_make(0x5, 0, 3, 0);
    U(0)[1] = msg_string_header(8, 2, false, false);
    U(0)[2] = SRC_VA;
    U(0)[3] = SRC_VA + 0x10000u;                      /* not mapped */
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(ipc_cancel(th[0], false, true), TCB_EXREG_SEND);
    assert_int_equal(err_of(5), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_RECV, 8));
    U(0)[2] = SRC_VA + 16u;
    U(0)[3] = SRC_VA + 24u;
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, 0), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_DONE);
    assert_false(ipc_result_tag(th[5]) & MSG_TAG_E);
    uint8_t got[16];
    assert_true(mock_usermem_read(th[5]->space, DST_VA, got, 16));
    for (unsigned k = 0; k < 16; k++)
        assert_int_equal(got[k], (uint8_t)((16 + k) * 7 + 1));
}

static void test_ipc_string_receive_timeout_stops_when_transfer_starts(void **state)
{
    /* the receiver's 2 ms receive timeout ends with the rendezvous: a
     * transfer suspended on its page fault outlives it */
    load_string_msg(0, 100);
    load_buffer(5, 200, false);
    U(5)[UTCB_PAGER] = gid_of(7);
    assert_int_equal(do_ipc(5, TID_NIL, TID_ANY, TO(NEVER, period(2000))), IPC_BLOCKED);
    assert_int_equal(do_ipc(0, gid_of(5), TID_NIL, 0), IPC_BLOCKED);
    assert_int_equal(ipc_thread_state(th[5]), TS_RECEIVING);
    mock_time_us = 10000;
    assert_int_equal(ipc_expire(mock_time_us), 0);
    assert_int_equal(ipc_thread_state(th[5]), TS_RECEIVING);
    assert_int_equal(ipc_thread_state(th[0]), TS_SENDING);
}

static void test_ipc_send_to_nonexistent_exact_tag(void **state)
{
    U(0)[0] = 0x12345678u;
    assert_int_equal(do_ipc(0, tid_make_global(90, 1), TID_NIL, 0), IPC_DONE);
    assert_int_equal(ipc_result_tag(th[0]), MSG_TAG_E);
    assert_int_equal(U(0)[0], MSG_TAG_E);
    assert_int_equal(err_of(0), msg_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_SEND, 0));
}

/* ipc_pending: exactly the four IPC states (blocked or in a transfer). */
static void test_ipc_pending_states(void **state)
{
    (void)state;
    struct tcb t = {0};
    for (unsigned s = TS_FREE; s <= TS_DEAD; s++) {
        t.state = (uint8_t)s;
        bool in_ipc = s == TS_SEND_WAIT || s == TS_SENDING || s == TS_RECV_WAIT || s == TS_RECEIVING;
        assert_int_equal(ipc_pending(&t), in_ipc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_ipc_invoke_send_to_nonexistent),
        T(test_ipc_pending_states),
        T(test_ipc_invoke_dead_partner),
        T(test_ipc_invoke_nil_nil_is_noop),
        T(test_ipc_invoke_send_zero_timeout_fails),
        T(test_ipc_invoke_receive_zero_timeout_fails),
        T(test_ipc_invoke_send_blocks_then_receive),
        T(test_ipc_invoke_receive_blocks_then_send),
        T(test_ipc_invoke_received_tag_drops_flags),
        T(test_ipc_invoke_call_and_reply),
        T(test_ipc_invoke_call_blocks_in_send_first),
        T(test_ipc_invoke_reply_wait_takes_queued_sender),
        T(test_ipc_invoke_open_receive_fifo),
        T(test_ipc_invoke_closed_receive_picks_from_middle),
        T(test_ipc_invoke_anylocal_skips_other_space),
        T(test_ipc_invoke_local_ids),
        T(test_ipc_invoke_closed_receive_nonexistent),
        T(test_ipc_invoke_send_to_self_times_out),
        T(test_ipc_timeout_recv_period_deadline),
        T(test_ipc_timeout_recv_point_and_odd_period),
        T(test_ipc_timeout_send_period),
        T(test_ipc_timeout_receive_period),
        T(test_ipc_timeout_stopped_timer_stays_stale),
        T(test_ipc_timeout_receive_starts_with_receive_phase),
        T(test_ipc_timeout_stopped_by_rendezvous),
        T(test_ipc_timeout_noop_when_ready),
        T(test_ipc_call_zero_receive_timeout_after_send),
        T(test_ipc_cancel_send_and_receive),
        T(test_ipc_cancel_call_in_receive_phase),
        T(test_ipc_thread_deleted_fails_blocked_partners),
        T(test_ipc_thread_deleted_spares_former_waiters),
        T(test_ipc_receive_on_behalf_start_message),
        T(test_ipc_transfer_overflow_u_plus_t),
        T(test_ipc_transfer_single_typed_word),
        T(test_ipc_transfer_bad_item),
        T(test_ipc_transfer_map_and_grant_items),
        T(test_ipc_transfer_map_complete_space_user_part),
        T(test_ipc_transfer_items_to_interrupt_thread_ignored),
        T(test_ipc_transfer_map_nil_window_overflows),
        T(test_ipc_transfer_io_fpage_and_mdb_error),
        T(test_ipc_string_simple_copy),
        T(test_ipc_string_compound_into_substring_buffers),
        T(test_ipc_string_two_strings_two_buffers),
        T(test_ipc_string_errors),
        T(test_ipc_string_receiver_pagefault_resolved),
        T(test_ipc_string_receiver_pagefault_propagated_reply),
        T(test_ipc_string_sender_pagefault_resolved),
        T(test_ipc_string_pagefault_no_pager_aborts),
        T(test_ipc_string_pagefault_ipc_fails_aborts),
        T(test_ipc_string_abort_by_cancel),
        T(test_ipc_string_abort_nested_side_by_cancel),
        T(test_ipc_string_xfer_timeout_zero),
        T(test_ipc_string_xfer_timeout_expires),
        T(test_ipc_string_xfer_timeout_tie_is_the_senders),
        T(test_ipc_string_xfer_timeout_while_sender_nested),
        T(test_ipc_string_partner_deleted_during_transfer),
        T(test_ipc_string_refault_after_empty_reply),
        T(test_ipc_string_mutual_pagers_do_not_spin),
        T(test_ipc_string_pager_reply_does_not_clobber_message),
        T(test_ipc_string_pager_is_partner_aborts),
        T(test_ipc_receive_takes_queued_bad_or_faulting_sender),
        T(test_ipc_propagation_forwarded_call),
        T(test_ipc_propagation_keeps_a_sending_virtual_sender),
        T(test_ipc_propagation_rules),
        T(test_ipc_propagation_matches_closed_receive),
        T(test_ipc_invoke_redirected_send_reaches_redirector),
        T(test_ipc_invoke_redirect_skips_intra_space_and_redirector_space),
        T(test_ipc_invoke_redirector_in_own_space),
        T(test_ipc_invoke_redirect_blocks_until_redirector_receives),
        T(test_ipc_invoke_redirector_anythread_or_nil_disables),
        T(test_ipc_invoke_kernel_is_not_redirected),
        T(test_ipc_thread_deleted_redirector_fails_queued_senders),
        T(test_ipc_redirect_chief_forwards_call_with_propagation),
        T(test_ipc_redirect_member_propagates_within_clan),
        T(test_ipc_redirect_string_pagefault_goes_to_pager),
        T(test_ipc_syscall_layer_with_dispatcher),
        T(test_ipc_model_random_interleavings),
        T(test_ipc_closed_receive_rejects_other_virtual_sender),
        T(test_ipc_string_sender_fault_keeps_error_offset),
        T(test_ipc_string_sender_fault_cancel_offset),
        T(test_ipc_string_sender_fault_restores_receive_timeout),
        T(test_ipc_string_sender_fault_keeps_tcrs),
        T(test_ipc_string_sender_fault_disarms_xfer_timer),
        T(test_ipc_receive_timeout_exact_result),
        T(test_ipc_assert_invoke_preconditions),
        T(test_ipc_assert_timer_needs_queue),
        T(test_ipc_assert_xfer_timer_needs_queue),
        T(test_ipc_assert_nested_depth_one),
        T(test_ipc_string_sender_pager_is_receiver_aborts),
        T(test_ipc_assert_queue_append_once),
        T(test_ipc_thread_deleted_exact_results),
        T(test_ipc_thread_deleted_walks_every_slot),
        T(test_ipc_string_xfer_timer_only_when_finite),
        T(test_ipc_string_cursor_restarts_after_aborted_substring),
        T(test_ipc_string_receive_timeout_stops_when_transfer_starts),
        T(test_ipc_send_to_nonexistent_exact_tag),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
