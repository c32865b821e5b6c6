/*
 * The IPC fast path (ABI 5.1-5.3): short IPC to a waiting receiver.
 *
 * Design note. What this module guarantees:
 *
 *  - ipc_fastpath() either changes nothing and answers false (the caller
 *    then runs the general path, ipc_invoke), or it performs the whole Ipc
 *    system call and leaves every thread, IPC queue, timer, UTCB word and
 *    the scheduler in exactly the state ipc_invoke() would have left from
 *    the same starting state (byte for byte in the TCBs: the host test
 *    test_ipc_fast compares both paths on many random states).
 *
 *  - It handles the common case of the general path's send_phase ->
 *    xfer_start -> xfer_complete -> after_send -> recv_phase chain with
 *    every branch decided in advance: a send phase to an existing thread
 *    (global or own-space local ID) that is blocked in a receive accepting
 *    the caller (open, anylocal from the same space, or closed on it), not
 *    in a nested pagefault IPC and with no receive timer armed; an untyped
 *    message of at most IPC_FAST_MAX_UNTYPED words with no flags; then
 *    either no receive phase, or a receive phase (anythread, anylocalthread
 *    or closed on the destination) with receive timeout Never and no sender
 *    queued on the caller, so that it blocks without a timer. A caller
 *    whose space has a redirector (ABI 5.7) always takes the general path.
 *
 *  - The scheduler ends as on the general path: without a receive phase
 *    the receiver and then the caller are made ready (sched_make_ready);
 *    a caller now blocked in its receive phase hands the CPU on with
 *    sched_handoff(), which equals making the receiver ready and then the
 *    dispatch the system-call layer runs after ipc_invoke() answered
 *    IPC_BLOCKED (a second dispatch there finds nothing to change), and
 *    switches straight to the receiver in the common case of equal
 *    priorities with no other ready thread at that level.
 *
 *  - The From the receiver gets is the caller's local ID when both share a
 *    space, else its global ID (ipc_from_id, as on the general path).
 *
 *  - Cost: the checks are ordered cheapest first and read each TCB word
 *    once; no kassert, no arch_current(), one `rep movsl` for the words.
 *
 *  - IPC_FAST_ENABLED = false turns it off (every call answers false).
 */
#include <core/ipc.h>
#include <core/ipc_internal.h>
#include <core/sched.h>
#include <core/space.h>

_Static_assert(IPC_FAST_MAX_UNTYPED == MSG_MAX_WORDS, "the fast path takes every untyped length");

/* The tag bits that send the message to the general path: typed items, flags. */
#define FAST_TAG_DECLINE msgtag_make(0, 0, 0x3Fu, MSG_TAG_FLAGS)

/* The receiver `r` blocked in a receive takes a message from `s` (no
 * propagation: the caller checked that the message has no p flag). */
static inline bool fast_accepts(const struct tcb *r, const struct tcb *s)
{
    tid_t f = r->ipc.from_spec;
    return f == TID_ANY || r->ipc.partner == s || (f == TID_ANYLOCAL && r->space == s->space);
}

/* The receive phase `from_spec` (with `timeouts`) of a caller sending to
 * `to` blocks at once without a timer: anythread / anylocalthread / the
 * destination itself, timeout Never, nobody queued to send to the caller. */
static inline bool fast_recv_blocks(const struct tcb *self, tid_t to, tid_t from_spec,
                                    word_t timeouts)
{
    bool spec_ok = from_spec == to || from_spec == TID_ANY || from_spec == TID_ANYLOCAL;
    return spec_ok && (uint16_t)timeouts == 0 && self->ipc.sendq.head == NULL;
}

/* The destination `to` of `self` if the fast path can deliver to it. */
static inline struct tcb *fast_receiver(const struct tcb *self, tid_t to)
{
    struct tcb *r;
    if (tid_is_global(to)) {
        if (to == TID_ANY)
            return NULL;
        r = tid_lookup(to);
    } else {
        r = tid_lookup_local(self->space, to);   /* nil / anylocal: NULL */
    }
    if (r == NULL || r->state != TS_RECV_WAIT || r->ipc.saved.valid ||
        wakeup_queued(&r->wakeup) || !fast_accepts(r, self))
        return NULL;
    return r;
}

/* Deliver the untyped message `tag` of `s` to `r`, leaving both transfer
 * states as xfer_start/xfer_complete leave them, and finish `r`. */
static inline void fast_deliver(struct tcb *s, struct tcb *r, word_t tag)
{
    ipc_copy_words(&r->utcb[1], &s->utcb[1], msgtag_untyped(tag));
    ipc_queue_unlink(r);
    s->ipc.xfer_partner = NULL;
    s->ipc.xfer_offset = 0;
    s->ipc.xfer_timed = false;
    s->ipc.xfer.item = 0;
    s->ipc.xfer.in_string = false;
    s->ipc.xfer.have_buffer = msg_acceptor_strings(r->utcb[utcb_br_index(0)]);
    s->ipc.xfer.buf = 0;
    s->state = TS_READY;
    r->ipc.partner = NULL;
    r->ipc.xfer_partner = NULL;
    r->ipc.result_tag = tag;
    r->ipc.result_from = ipc_from_id(s, r);
    r->utcb[0] = tag;
}

bool ipc_fastpath(struct tcb *self, tid_t to, tid_t from_spec, word_t timeouts, word_t tag)
{
    if (!IPC_FAST_ENABLED)
        return false;
    if ((tag & FAST_TAG_DECLINE) != 0)
        return false;
    if (from_spec != TID_NIL && !fast_recv_blocks(self, to, from_spec, timeouts))
        return false;
    if (self->utcb == NULL || ipc_pending(self) || self->ipc.saved.valid ||
        wakeup_queued(&self->wakeup) || self->ipc.q_on != NULL)
        return false;
    /* a space with a redirector: ipc_invoke decides where the message goes */
    tid_t red = self->space->redirector;
    if (red != TID_NIL && red != TID_ANY)
        return false;
    struct tcb *r = fast_receiver(self, to);
    if (r == NULL)
        return false;

    /* POINT OF NO RETURN: from here on the call completes as ipc_invoke would. */
    self->utcb[0] = tag;
    self->ipc.from_spec = from_spec;
    self->ipc.timeouts = timeouts;
    self->ipc.result_from = TID_NIL;
    self->ipc.intended = TID_NIL;
    fast_deliver(self, r, tag);
    self->ipc.partner = NULL;
    if (from_spec == TID_NIL) {
        self->ipc.result_tag = tag;
        sched_make_ready(r);
        sched_make_ready(self);
        return true;
    }
    self->state = TS_RECV_WAIT;
    if (from_spec == to) {
        self->ipc.partner = r;
        ipc_queue_append(&r->ipc.waitq, self);
    }
    sched_handoff(self, r);          /* = sched_make_ready(r) + sched_dispatch() */
    return true;
}
