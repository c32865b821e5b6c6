/*
 * The IPC state machine (ABI 5.1-5.6, 5.10; lecture notes 8).
 *
 * Design note. What this module guarantees:
 *
 *  - Non-blocking operations. ipc_invoke() and friends never switch
 *    threads. A thread that must wait is put into TS_SEND_WAIT (queued FIFO
 *    on its destination's sendq) or TS_RECV_WAIT (in no queue; a closed
 *    receive names the expected sender as its partner) and the
 *    call answers IPC_BLOCKED. Blocked threads are completed by whoever
 *    acts: the partner that completes the rendezvous does the transfer, a
 *    timeout (ipc_timeout), a cancel (ipc_cancel) or a deletion
 *    (ipc_thread_deleted). Completion stores the result tag and from ID in
 *    the TCB (and MR0 / ErrorCode in the UTCB) and makes the thread ready
 *    with sched_make_ready(); a thread is made ready only once its whole
 *    system call (both phases) is finished, so the system-call layer just
 *    returns ipc_result_tag()/ipc_result_from() after it runs again.
 *
 *  - Atomic send-to-receive (ABI 5.1): when the send phase of a call or
 *    reply-and-wait completes, the same operation starts the sender's
 *    receive phase before anything else can run, so an immediate reply
 *    cannot be missed. Chains (a receive phase that finds a queued sender
 *    whose own receive phase then starts) are processed iteratively.
 *
 *  - No wait queues. Send queues hold exactly the threads blocked
 *    sending to their owner (a receive phase takes senders from there). A
 *    thread blocked in a closed receive is in no queue: only the deletion
 *    of its partner has to find it, and ipc_thread_deleted walks the TCB
 *    slots for it (up to tcb_area_used: O(threads ever numbered), in a
 *    privileged system call), so that no IPC pays for keeping it findable;
 *    a call/reply ping-pong moves no queue links at all. The waiters of a
 *    deleted thread fail in the order of their thread numbers.
 *
 *  - Lazy timers. A thread's timeout runs (timer_live) only while it
 *    is blocked in a phase with a finite timeout (or, as the sender of a
 *    long IPC, while a transfer timeout runs). Stopping it only clears the
 *    flag: the wakeup node stays queued, stale, until its deadline passes
 *    (ipc_expire skips it) or the next timeout moves it (timer_arm,
 *    wakeup_retime: in place when the new deadline falls in the same
 *    wakeup class). An IPC with a finite timeout that completes before it
 *    thus costs no queue removal, and the next one no insertion; and the
 *    fast path can deliver to a receiver that waits with a timeout (one
 *    store stops it).
 *
 *  - Flat in the kernel: the phases (send_phase, xfer_start, after_send,
 *    recv_phase) and their helpers are IPC_HOT, inline into ipc_invoke in
 *    the kernel and out of line in the host build (coverage counts each
 *    one's branches once). A call's receive phase takes the partner its
 *    send phase looked up when the FromSpecifier is that thread's global
 *    ID (recv_phase's `known`): the same thread a lookup would find, as
 *    nothing is deleted within one system call.
 *
 *  - Every thread is in at most one IPC queue (q_on), and every
 *    delivered message is copied exactly once, when its transfer completes.
 *
 *  - A thread's IPC partner is meaningful only while it is blocked
 *    (TS_SEND_WAIT: the destination; TS_RECV_WAIT: the closed sender, NULL
 *    for an open receive); every reader tests the state first, and the end
 *    of an IPC leaves the word as it was (one store fewer on every path,
 *    the fast path's included).
 *
 *  - Timeouts: Never blocks without a timer, ZeroTime fails at once with
 *    error 1, a period arms the thread's wakeup node; the receive timeout
 *    is decoded when the receive phase starts.
 *
 *  - From ID: the sender's local ID when it lives in the receiver's space,
 *    else its global ID (ipc_from_id; X.2 test suites check the local form);
 *    nilthread on errors and for send-only IPC. A propagated message reports
 *    the virtual sender's global ID.
 *
 *  - Propagation (ABI 5.6): a message with p set and VirtualSender naming
 *    an existing thread of the sender's space (or sent within the
 *    receiver's space) is delivered as from the virtual sender, with p kept
 *    and ActualSender written; it also matches closed receives from the
 *    virtual sender, and a virtual sender waiting in a closed receive on the
 *    actual sender is moved to wait on the new receiver. X.2 also honours it
 *    when the sender is the redirector of the virtual sender's space (a
 *    chief forwarding a member's message, ABI 5.6).
 *
 *  - Redirection (ABI 5.7, X.2). The send phase of an Ipc system call
 *    (ipc_invoke) from a thread of space S whose redirector R is set, to a
 *    destination outside S and outside R's space, goes to R instead: R gets
 *    the message with r set in the tag and IntendedReceiver = the
 *    destination's global ID; the sender cannot tell (it blocks in R's send
 *    queue, with its send timeout, when R is not ready). Decisions where
 *    the ABI is uncertain (ABI 11 item 2):
 *      * IntendedReceiver is always a global ID: a destination outside S
 *        can only be named by one. It is written only with r set.
 *      * The caller's receive phase is not adjusted: a redirected call
 *        (to = from = D) still waits in a closed receive on D. A chief that
 *        forwards the message to D with propagation (VirtualSender = the
 *        caller) thus lets D's reply reach the caller directly; the chief
 *        itself can answer the caller only from D's behalf if propagation
 *        allows it, otherwise the caller's receive times out.
 *      * The redirector is resolved when the send phase starts; a sender
 *        already queued on R stays there if SpaceControl later changes the
 *        redirector. A redirector that no longer exists fails the send with
 *        error 2 (fail closed: the message never bypasses the chief); its
 *        deletion fails its queued senders with error 2 as for any
 *        destination. R's own sends are never redirected by its own
 *        assignment (R may live inside S); a send is redirected at most
 *        once (R's space may have a redirector of its own, applied when R
 *        forwards).
 *      * Messages the kernel generates on a thread's behalf (page faults,
 *        exceptions, interrupts: ipc_invoke_kernel) go to the configured
 *        pager / handler directly, never to the redirector: a privileged
 *        ThreadControl chose that partner. The nested pagefault IPC of a
 *        long IPC is likewise not redirected.
 *
 *  - Map and grant items (ABI 5.5): the placement is cut into pieces of at
 *    most 2^30 bytes; pieces reaching into the kernel area at the receiver
 *    (or at the sender, unless it is sigma0) transfer nothing, so the
 *    complete space or 0x80000000/31 map their user part and never fail.
 *    Interrupt threads (reserved numbers, the kernel's space) take no items.
 *    Kernel threads (SystemBase .. UserBase-1: the idle thread) are no IPC
 *    partner at all: error 2, as for a thread that does not exist.
 *
 *  - Long IPC: string items are copied once, through arch_copy_between().
 *    A fault suspends the transfer (sender TS_SENDING, receiver
 *    TS_RECEIVING); the faulting side's IPC state is pushed (depth 1) and a
 *    pagefault call (label 0xFFE0|rwx, MR1 address, MR2 0xFFFFFFFF) is made
 *    on its behalf to its pager. When that IPC completes, the state is
 *    popped and the transfer resumes right there (in whatever thread's
 *    context the pager replied); if it fails, both partners get error 7.
 *    The transfer timeout (shorter of sender's send-xfer and receiver's
 *    receive-xfer timeout, from the first fault) runs on the sender's
 *    wakeup node and ends in errors 5/6. Only a message the pager sends
 *    itself answers the pagefault call, never the pager's own pagefault
 *    message (ipc_reply_kind_ok): that would let two threads that page
 *    each other bounce retries between them inside one kernel entry
 *    forever; they wait for each other instead, like any two threads in
 *    a closed receive from each other.
 */
#include <core/ipc.h>
#include <core/ipc_internal.h>
#include <core/kassert.h>
#include <core/mdb.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/syscall.h>

static struct wakeup_queue *ipc_wq;

/* The hot helpers of the general path are inline in the kernel (no call
 * layers on a short IPC) and out of line in the host build, where each
 * one's branches are then counted once by the coverage report. */
#if __STDC_HOSTED__
#define IPC_HOT static
#else
#define IPC_HOT static inline __attribute__((always_inline))
#endif

void ipc_init(struct wakeup_queue *wq)
{
    ipc_wq = wq;
}

/* ---- queues ------------------------------------------------------------- */

struct tcb *ipc_sendq_head(const struct tcb *t) { return ipc_queue_first(&t->ipc.sendq); }

struct tcb *ipc_queue_next(const struct tcb *t)
{
    const struct ipc_link *l = t->ipc.q_link.next;
    return l == &t->ipc.q_on->ends ? NULL : ipc_link_owner(l);
}

struct tcb *ipc_queue_prev(const struct tcb *t)
{
    const struct ipc_link *l = t->ipc.q_link.prev;
    return l == &t->ipc.q_on->ends ? NULL : ipc_link_owner(l);
}

struct tcb *ipc_blocked_on(const struct tcb *t)
{
    bool blocked = t->state == TS_SEND_WAIT || t->state == TS_RECV_WAIT;
    return blocked ? t->ipc.partner : NULL;
}

/* ---- timers ------------------------------------------------------------- */

/* Stop the timeout of `t`. Lazy: the node stays queued (stale) until it
 * expires, which then does nothing, or is armed again (timer_arm). */
IPC_HOT void timer_stop(struct tcb *t)
{
    t->timer_live = false;
}

/* Run a timeout of `t` to `deadline`; a stale node is moved, not requeued. */
IPC_HOT void timer_arm(struct tcb *t, uint64_t deadline)
{
    kassert_hot(ipc_wq != NULL);
    if (wakeup_queued(&t->wakeup))
        wakeup_retime(ipc_wq, &t->wakeup, deadline);
    else
        wakeup_insert(ipc_wq, &t->wakeup, deadline);
    t->timer_live = true;
}

/* The deadline of the time point `tv` (bit 15 set) from `now` (out of
 * line: the period case keeps its deadline in registers). */
static __attribute__((noinline)) uint64_t timer_point_deadline(uint16_t tv, uint64_t now)
{
    uint64_t deadline;
    timeout_decode(tv, now, &deadline);
    return deadline;
}

/* Arm time value `tv` for `t`; false when it is ZeroTime (do not block).
 * Never and ZeroTime periods are decided without reading the clock. */
IPC_HOT bool timer_start(struct tcb *t, uint16_t tv)
{
    if (tv == 0)
        return true;                                  /* Never */
    if ((tv & 0x8000u) == 0 && (tv & 0x3FFu) == 0)
        return false;                                 /* ZeroTime (any m = 0 period) */
    uint64_t now = arch_timer_now();
    timer_arm(t, (tv & 0x8000u) == 0 ? timeout_period_deadline(tv, now)   /* a finite period */
                                     : timer_point_deadline(tv, now));    /* a point */
    return true;
}

/* Stop the send/receive timeout of `t`. In a nested pagefault IPC (whose
 * phases never time out) the node belongs to the outer transfer: keep it. */
IPC_HOT void phase_timer_stop(struct tcb *t)
{
    if (!t->ipc_nested)
        timer_stop(t);
}

static inline uint16_t send_timeout(const struct tcb *t) { return (uint16_t)(t->ipc.timeouts >> 16); }
static inline uint16_t recv_timeout(const struct tcb *t) { return (uint16_t)t->ipc.timeouts; }

/* ---- completion ----------------------------------------------------------- */

static void nested_done(struct tcb *x, bool ok);

/* ipc_finish() for `t` in no send queue (a receiver). */
IPC_HOT void ipc_finish_unqueued(struct tcb *t, word_t tag, tid_t from)
{
    /* (its partner is left: meaningful only while blocked, see the note) */
    if (t->ipc_nested) {
        nested_done(t, (tag & MSG_TAG_E) == 0);
        return;
    }
    timer_stop(t);
    /* (t's transfer partner is NULL already: every transfer end clears
     * both, xfer_fail and the delivery; kcheck: none outside a transfer) */
    t->ipc.result_from = from;
    t->utcb[0] = tag;                    /* (the result tag: ipc_result_tag) */
    sched_make_ready(t);
}

/* Finish `t`'s system call with `tag` and `from`; make it ready. A thread in
 * a nested pagefault IPC instead returns to its suspended transfer. */
IPC_HOT void ipc_finish(struct tcb *t, word_t tag, tid_t from)
{
    ipc_queue_unlink(t);
    ipc_finish_unqueued(t, tag, from);
}

/* Finish `t` with error `e` in phase `ph` after `off` string bytes. */
static void ipc_fail(struct tcb *t, word_t tag, enum ipc_error e, enum ipc_phase ph, word_t off)
{
    t->utcb[UTCB_ERROR_CODE] = msg_error_word(e, ph, off);
    ipc_finish(t, tag | MSG_TAG_E, TID_NIL);
}

/* The tag a receiver gets for the message tagged `tag`. */
static inline word_t received_tag(word_t tag) { return tag & ~MSG_TAG_FLAGS; }

/* ---- lookup and matching ------------------------------------------------- */

/* True when the existing thread `t` with a kernel thread number is no
 * partner (sys_user_visible); off the common path. */
__attribute__((cold, noinline)) static bool ipc_kernel_thread_hidden(const struct tcb *t)
{
    return !sys_user_visible(t);
}

/* The thread named by `id` as seen from `self` (global or own-space local
 * ID); kernel threads user mode may not name (the idle thread, an interrupt
 * thread without a handler: sys_user_visible) do not exist as partners. */
static inline struct tcb *ipc_lookup(const struct tcb *self, tid_t id)
{
    /* anythread is global in form and finds nobody; nilthread and
     * anylocalthread are local in form and find nobody either */
    struct tcb *t = tid_is_global(id) ? tid_lookup_global(id) : tid_lookup_local(self->space, id);
    if (t == NULL || t->state == TS_DEAD)
        return NULL;
    if (unlikely(tid_number(t->gid) < TID_USER_BASE) && ipc_kernel_thread_hidden(t))
        return NULL;
    return t;
}

/* The virtual sender `s` acts for in its message to `r` (ABI 5.6): the
 * thread named by VirtualSender when p is set and it exists and lives in the
 * sender's space, or the sender lives in the receiver's space; else NULL. */
static struct tcb *propagation_of_p(const struct tcb *s, const struct tcb *r);

static inline struct tcb *propagation_of(const struct tcb *s, const struct tcb *r, word_t tag)
{
    return (tag & MSG_TAG_P) == 0 ? NULL : propagation_of_p(s, r);   /* (tag: s's MR0) */
}

/* propagation_of() for a message with p set. */
static __attribute__((noinline)) struct tcb *propagation_of_p(const struct tcb *s, const struct tcb *r)
{
    struct tcb *vs = ipc_lookup(s, s->utcb[UTCB_VIRTUAL_SENDER]);
    if (vs == NULL || vs == s)
        return NULL;
    if (vs->space != s->space && s->space != r->space && vs->space->redirector != s->gid)
        return NULL;
    return vs;
}

/* False when `r` waits in its pagefault IPC (nested: for its pager's reply)
 * and `s` sends its own pagefault message: that is no reply. Two threads
 * that are each other's pager, both in a faulting long IPC, would
 * otherwise take each other's pagefault as the reply, retry the copy,
 * fault again and send anew, forever, inside one kernel entry. They wait
 * instead (the sender queued) until a transfer times out or is cancelled.
 * (A thread in its pagefault IPC receives from its pager only, closed; a
 * pagefault message carries no propagation: from_matches tests this
 * where the sender is the closed partner.) */
static inline bool ipc_reply_kind_ok(const struct tcb *r, const struct tcb *s)
{
    return !(r->ipc_nested && s->ipc_nested);
}

/* True when receiver `r` with FromSpecifier `from` (closed receive: from
 * thread `closed`) takes the message of `s`; a propagated message matches
 * by its virtual sender as well as by its actual sender. */
IPC_HOT bool from_matches(const struct tcb *r, tid_t from, const struct tcb *closed,
                         const struct tcb *s)
{
    if (from == TID_ANY)
        return true;
    if (from == TID_ANYLOCAL)      /* a virtual sender of the own space implies s is local */
        return s->space == r->space;
    if (closed == s)
        return ipc_reply_kind_ok(r, s);
    const struct tcb *vs = propagation_of(s, r, s->utcb[0]);
    return vs != NULL && closed == vs;
}

/* True when `r` is blocked receiving and would take a message from `s`. */
IPC_HOT bool ipc_accepts(const struct tcb *r, const struct tcb *s)
{
    return r->state == TS_RECV_WAIT && from_matches(r, r->ipc.from_spec, r->ipc.partner, s);
}

/* First sender queued on `r` that a receive from `from` (closed: `closed`) takes. */
IPC_HOT struct tcb *sendq_first_match(const struct tcb *r, tid_t from, const struct tcb *closed)
{
    if (ipc_queue_empty(&r->ipc.sendq))
        return NULL;                          /* (the common case: one compare) */
    /* the closed partner when it is queued here and its message counts
     * (from_matches: not a pagefault message answering one) */
    if (closed != NULL && closed->ipc.q_on == &r->ipc.sendq && from_matches(r, from, closed, closed))
        return (struct tcb *)closed;
    for (struct tcb *s = ipc_link_owner(r->ipc.sendq.ends.next); s != NULL; s = ipc_queue_next(s))
        if (from_matches(r, from, closed, s))
            return s;
    return NULL;
}

/* The state `t` is in for its own (outer) IPC. */
static uint8_t outer_state(const struct tcb *t)
{
    return t->ipc_nested ? t->ipc.saved.state : t->state;
}

uint8_t ipc_thread_state(const struct tcb *t)
{
    return outer_state(t);
}

/* ---- the transfer ---------------------------------------------------------- */

enum xfer_result { XFER_OK, XFER_FAILED, XFER_SUSPENDED };

/* Fail a transfer: both partners finish with the error (sender: send phase). */
static void xfer_fail(struct tcb *s, struct tcb *r, enum ipc_error es, enum ipc_error er, word_t off)
{
    word_t tag = s->utcb[0];
    s->ipc.xfer_partner = r->ipc.xfer_partner = NULL;
    if (s->ipc.xfer_timed)
        timer_stop(s);
    ipc_fail(r, received_tag(tag), er, IPC_PHASE_RECV, off);
    ipc_fail(s, tag, es, IPC_PHASE_SEND, off);
}

/* Deliver: MR1..MR(u+t) are copied verbatim (last, so that a pagefault
 * reply to the receiver cannot overwrite them), the receiver finishes with
 * the message, and the sender's send phase is over. Neither is in a
 * transfer any more (or never was: an untyped message). */
IPC_HOT void xfer_deliver(struct tcb *s, struct tcb *r)
{
    word_t tag = s->utcb[0];
    ipc_copy_words(&r->utcb[1], &s->utcb[1], msgtag_untyped(tag) + msgtag_typed(tag));
    s->state = TS_READY;
    word_t rtag = received_tag(tag);
    if (s->ipc.intended != TID_NIL) {
        rtag |= MSG_TAG_R;
        r->utcb[UTCB_INTENDED_RECEIVER] = s->ipc.intended;
    }
    struct tcb *vs = propagation_of(s, r, tag);
    if (vs == NULL) {
        ipc_finish_unqueued(r, rtag, ipc_from_id(s, r));    /* (r receives) */
        return;
    }
    r->utcb[UTCB_VIRTUAL_SENDER] = s->gid;          /* ActualSender */
    if (vs->state == TS_RECV_WAIT && vs->ipc.partner == s) {
        vs->ipc.partner = r;                          /* re-target its reply */
        vs->ipc.from_spec = r->gid;
    }
    ipc_finish_unqueued(r, rtag | MSG_TAG_P, vs->gid);
}

/* The end of a transfer with typed items: it is over, deliver. */
static void xfer_complete(struct tcb *s, struct tcb *r)
{
    s->ipc.xfer_partner = r->ipc.xfer_partner = NULL;
    if (s->ipc.xfer_timed)
        timer_stop(s);
    xfer_deliver(s, r);
}

/* Map or grant one item into `r`. */
static enum ipc_error xfer_map(struct tcb *s, struct tcb *r, const struct msg_item *it)
{
    struct msg_placement p;
    if (fpage_is_nil(it->fpage) || !tid_number_is_user(tid_number(r->gid)))
        return IPC_OK;                 /* interrupt threads take no pages or ports */
    if (msg_place_fpage(it->snd_base, it->fpage, msg_acceptor_window(r->utcb[utcb_br_index(0)]), &p) != IPC_OK)
        return IPC_ERR_OVERFLOW;
    if (!p.io && p.log2 < FPAGE_MIN_LOG2)
        return IPC_OK;                 /* sub-page fpages transfer nothing */
    /* never into (nor, but for sigma0, out of) the kernel area: the complete
     * space maps its user part (ABI 5.5) */
    for (unsigned i = 0; i < msg_placement_pieces(&p); i++) {
        struct msg_placement q = msg_placement_piece(&p, i);
        if (!q.io && !msg_piece_below(&q, MDB_USER_LIMIT, s->space->is_sigma0))
            continue;
        enum ipc_error e = ipc_transfer_fpage(s, r, &q, fpage_rights(it->fpage),
                                              it->type == MSG_ITEM_GRANT);
        if (e != IPC_OK)
            return e;
    }
    return IPC_OK;
}

/* Begin copying the string item `it` into the next receive buffer. */
static enum ipc_error xfer_string_begin(struct tcb *s, struct tcb *r, const struct msg_words *typed,
                                        const struct msg_item *it)
{
    struct ipc_xfer *x = &s->ipc.xfer;
    struct msg_words brs = msg_words_buffers(r->utcb);
    struct msg_item buf;
    if (!x->have_buffer || msg_buffer_decode(&brs, x->buf, &buf) != IPC_OK)
        return IPC_ERR_OVERFLOW;
    msg_cursor_init(&x->src, typed, it);
    msg_cursor_init(&x->dst, &brs, &buf);
    x->have_buffer = buf.more;
    x->buf = buf.first + buf.words;
    x->in_string = true;
    return IPC_OK;
}

static enum xfer_result xfer_fault(struct tcb *s, struct tcb *r, const struct copy_fault *f);

/* Copy the current string until done (IPC_OK), a fault (*f set, returns
 * IPC_OK with f->addr valid and `faulted`), or overflow. */
static enum ipc_error xfer_string_copy(struct tcb *s, struct tcb *r, struct copy_fault *f, bool *faulted)
{
    struct ipc_xfer *x = &s->ipc.xfer;
    *faulted = false;
    for (;;) {
        word_t sa, da;
        word_t sl = msg_cursor_chunk(&x->src, &sa);
        if (sl == 0)
            break;
        word_t dl = msg_cursor_chunk(&x->dst, &da);
        if (dl == 0)
            return IPC_ERR_OVERFLOW;
        word_t n = sl < dl ? sl : dl;
        word_t got = arch_copy_between(r->space, da, s->space, sa, n, f);
        msg_cursor_advance(&x->src, got);
        msg_cursor_advance(&x->dst, got);
        s->ipc.xfer_offset += got;
        if (got < n) {
            if (!f->user)
                return IPC_ERR_OVERFLOW;
            *faulted = true;
            return IPC_OK;
        }
    }
    x->in_string = false;
    return IPC_OK;
}

/* Run the item loop of the transfer s -> r from where it stands. */
static enum xfer_result xfer_continue(struct tcb *s)
{
    struct tcb *r = s->ipc.xfer_partner;
    struct ipc_xfer *x = &s->ipc.xfer;
    struct msg_words typed = msg_words_typed(s->utcb, s->utcb[0]);
    while (x->in_string || x->item < typed.count) {
        enum ipc_error e = IPC_OK;
        if (x->in_string) {
            struct copy_fault f;
            bool faulted;
            e = xfer_string_copy(s, r, &f, &faulted);
            if (e == IPC_OK && faulted)
                return xfer_fault(s, r, &f);
        } else {
            struct msg_item it;
            e = msg_item_decode(&typed, x->item, &it);   /* validated before: cannot fail */
            x->item += it.words;
            if (it.type == MSG_ITEM_STRING)
                e = xfer_string_begin(s, r, &typed, &it);
            else
                e = xfer_map(s, r, &it);
        }
        if (e != IPC_OK) {
            xfer_fail(s, r, e, e, s->ipc.xfer_offset);
            return XFER_FAILED;
        }
    }
    xfer_complete(s, r);
    return XFER_OK;
}

/* Start the transfer from `s` to `r` (both just matched). Validates the
 * message first: a malformed one fails both with error 4 before any copy.
 * `s` is in no send queue and has no phase timer running: a sender that
 * waited has left both (recv_phase); one in its send phase never had them
 * (ipc_start: not pending; a nested pagefault IPC keeps the outer timer).
 * `r`, a receiver, is in no queue. */
IPC_HOT enum xfer_result xfer_start(struct tcb *s, struct tcb *r)
{
    word_t tag = s->utcb[0];
    if (msgtag_typed(tag) == 0) {
        /* untyped only: it fits (u <= 63), nothing to validate or walk; no
         * transfer state at all (the partners stay NULL, the cursor, dead
         * outside a transfer, is left as it is: as on the fast path);
         * r's timer stops as it finishes (ipc_finish_unqueued) */
        xfer_deliver(s, r);
        return XFER_OK;
    }
    phase_timer_stop(r);
    s->ipc.xfer_partner = r;
    r->ipc.xfer_partner = s;
    s->ipc.xfer_offset = 0;
    s->ipc.xfer_timed = false;
    struct msg_summary sum = { 0, 0, 0 };
    struct msg_words typed = msg_words_typed(s->utcb, tag);
    word_t acceptor = r->utcb[utcb_br_index(0)];
    if (!msgtag_fits(tag) || msg_validate_typed(&typed, &sum) != IPC_OK ||
        (sum.strings > 0 && !msg_acceptor_strings(acceptor))) {
        xfer_fail(s, r, IPC_ERR_OVERFLOW, IPC_ERR_OVERFLOW, 0);
        return XFER_FAILED;
    }
    struct ipc_xfer *x = &s->ipc.xfer;
    x->item = 0;
    x->in_string = false;
    x->have_buffer = msg_acceptor_strings(acceptor);
    x->buf = 0;
    return xfer_continue(s);
}

/* ---- nested pagefault IPC (long IPC) ------------------------------------ */

IPC_HOT enum ipc_outcome send_phase(struct tcb *t, struct tcb *r);

/* Push `x`'s IPC-visible state (depth 1). */
static void nested_push(struct tcb *x)
{
    struct ipc_saved *sv = &x->ipc.saved;
    kassert(!x->ipc_nested);
    for (unsigned i = 0; i < 3; i++)
        sv->mr[i] = x->utcb[i];
    sv->br0 = x->utcb[utcb_br_index(0)];
    sv->error_code = x->utcb[UTCB_ERROR_CODE];
    sv->virtual_sender = x->utcb[UTCB_VIRTUAL_SENDER];
    sv->from_spec = x->ipc.from_spec;
    sv->timeouts = x->ipc.timeouts;
    sv->xfer_partner = x->ipc.xfer_partner;
    sv->xfer_offset = x->ipc.xfer_offset;
    sv->xfer_timed = x->ipc.xfer_timed;
    sv->xfer = x->ipc.xfer;
    sv->intended = x->ipc.intended;
    x->ipc.intended = TID_NIL;                /* the pagefault IPC goes direct */
    sv->state = x->state;
    x->ipc_nested = true;
}

/* Pop `x`'s saved state: back to its suspended transfer. */
static void nested_pop(struct tcb *x)
{
    struct ipc_saved *sv = &x->ipc.saved;
    kassert(x->ipc_nested);
    ipc_queue_unlink(x);
    for (unsigned i = 0; i < 3; i++)
        x->utcb[i] = sv->mr[i];
    x->utcb[utcb_br_index(0)] = sv->br0;
    x->utcb[UTCB_ERROR_CODE] = sv->error_code;
    x->utcb[UTCB_VIRTUAL_SENDER] = sv->virtual_sender;
    x->ipc.from_spec = sv->from_spec;
    x->ipc.timeouts = sv->timeouts;
    x->ipc.xfer_partner = sv->xfer_partner;
    x->ipc.xfer_offset = sv->xfer_offset;
    x->ipc.xfer_timed = sv->xfer_timed;
    x->ipc.xfer = sv->xfer;
    x->ipc.intended = sv->intended;
    x->state = sv->state;
    x->ipc_nested = false;
}


/* The partner of `x`'s outer (suspended) transfer. */
static struct tcb *outer_partner(const struct tcb *x)
{
    return x->ipc_nested ? x->ipc.saved.xfer_partner : x->ipc.xfer_partner;
}

/* The sender of the long IPC that `x` (either side) takes part in. */
static struct tcb *xfer_sender(struct tcb *x)
{
    return outer_state(x) == TS_SENDING ? x : outer_partner(x);
}

/* Abort the suspended transfer that `x` takes part in: pop any nested IPC
 * and fail both partners (sender gets `es`, receiver `er`). */
static void xfer_abort(struct tcb *x, enum ipc_error es, enum ipc_error er)
{
    struct tcb *s = xfer_sender(x);
    struct tcb *r = outer_partner(s);
    if (s->ipc_nested)
        nested_pop(s);
    if (r->ipc_nested)
        nested_pop(r);
    xfer_fail(s, r, es, er, s->ipc.xfer_offset);
}

IPC_HOT void continue_sender(struct tcb *s);

/* The pagefault IPC of `x` has finished (ok: reply received). */
static void nested_done(struct tcb *x, bool ok)
{
    nested_pop(x);
    if (!ok) {
        xfer_abort(x, IPC_ERR_ABORTED, IPC_ERR_ABORTED);
        return;
    }
    struct tcb *s = xfer_sender(x);
    if (xfer_continue(s) == XFER_OK)
        continue_sender(s);
}

/* Decide the transfer timeout at the first fault. False: it is ZeroTime
 * and the transfer has failed already. */
static bool xfer_timeout_start(struct tcb *s, struct tcb *r)
{
    uint64_t now = arch_timer_now(), ds, dr;
    enum timeout_kind ks = timeout_decode((uint16_t)(s->utcb[UTCB_XFER_TIMEOUTS] >> 16), now, &ds);
    enum timeout_kind kr = timeout_decode((uint16_t)r->utcb[UTCB_XFER_TIMEOUTS], now, &dr);
    s->ipc.xfer_timed = true;
    /* (Never decodes to UINT64_MAX: the later of any two) */
    s->ipc.xfer.owner_is_sender = ds <= dr;
    if (ks == TIMEOUT_ZERO || kr == TIMEOUT_ZERO) {
        bool own_s = ks == TIMEOUT_ZERO;
        xfer_fail(s, r, own_s ? IPC_ERR_XFER_OWN : IPC_ERR_XFER_PARTNER,
                  own_s ? IPC_ERR_XFER_PARTNER : IPC_ERR_XFER_OWN, s->ipc.xfer_offset);
        return false;
    }
    if (ds != UINT64_MAX || dr != UINT64_MAX)
        timer_arm(s, ds < dr ? ds : dr);
    return true;
}

/* A copy of the transfer s -> r faulted: suspend it and send the faulting
 * side's pagefault message to its pager on its behalf. */
static enum xfer_result xfer_fault(struct tcb *s, struct tcb *r, const struct copy_fault *f)
{
    struct tcb *x = f->in_dst ? r : s;
    struct tcb *pager = ipc_lookup(x, x->utcb[UTCB_PAGER]);
    if (!s->ipc.xfer_timed && !xfer_timeout_start(s, r))
        return XFER_FAILED;
    if (pager == NULL || pager == s || pager == r) {
        xfer_fail(s, r, IPC_ERR_ABORTED, IPC_ERR_ABORTED, s->ipc.xfer_offset);
        return XFER_FAILED;
    }
    s->state = TS_SENDING;
    r->state = TS_RECEIVING;
    nested_push(x);
    x->utcb[0] = msgtag_make(f->in_dst ? 0xFFE2u : 0xFFE5u, 2, 0, 0);
    x->utcb[1] = f->addr;
    x->utcb[2] = 0xFFFFFFFFu;
    x->utcb[utcb_br_index(0)] = FPAGE_COMPLETE;
    x->ipc.from_spec = pager->gid;
    x->ipc.timeouts = 0;                      /* never / never */
    send_phase(x, pager);
    return XFER_SUSPENDED;
}

/* ---- phases ------------------------------------------------------------------- */

/* Start the receive phase of `t`. DONE: t finished (message or error);
 * BLOCKED: t waits. *next: a sender whose send phase this just completed.
 * `known`: a thread ipc_lookup() found in this call (or NULL); when its
 * global ID is the FromSpecifier, it is the thread a lookup would find. */
IPC_HOT enum ipc_outcome recv_phase(struct tcb *t, struct tcb **next, struct tcb *known)
{
    tid_t f = t->ipc.from_spec;
    struct tcb *s, *closed = NULL;
    *next = NULL;
    if (f != TID_ANY && f != TID_ANYLOCAL) {
        closed = known != NULL && known->gid == f ? known : ipc_lookup(t, f);
        if (closed == NULL) {
            ipc_fail(t, 0, IPC_ERR_NO_PARTNER, IPC_PHASE_RECV, 0);
            return IPC_DONE;
        }
    }
    s = sendq_first_match(t, f, closed);
    if (s != NULL) {
        ipc_queue_remove(s);                     /* (it was in t's send queue) */
        phase_timer_stop(s);
        enum xfer_result res = xfer_start(s, t);
        if (res == XFER_OK)
            *next = s;
        return res == XFER_SUSPENDED ? IPC_BLOCKED : IPC_DONE;
    }
    if (!timer_start(t, recv_timeout(t))) {
        ipc_fail(t, 0, IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0);
        return IPC_DONE;
    }
    t->state = TS_RECV_WAIT;
    t->ipc.partner = closed;
    return IPC_BLOCKED;
}

/* `s`'s send phase is over: run its receive phase, or finish it.
 * `known`: as for recv_phase. */
IPC_HOT enum ipc_outcome after_send(struct tcb *s, struct tcb **next, struct tcb *known)
{
    *next = NULL;
    if (s->ipc.from_spec == TID_NIL) {
        ipc_finish(s, s->utcb[0], TID_NIL);
        return IPC_DONE;
    }
    return recv_phase(s, next, known);
}

/* Continue the (non-current) senders whose send phases completed, in turn. */
static __attribute__((noinline)) void continue_senders(struct tcb *s)
{
    while (s != NULL)
        after_send(s, &s, NULL);
}

/* The same when `s` is not NULL (a short IPC has none: no call then). */
IPC_HOT void continue_sender(struct tcb *s)
{
    if (s != NULL)
        continue_senders(s);
}

/* Send phase of `t` to existing `r`: transfer, block, or fail. */
IPC_HOT enum ipc_outcome send_phase(struct tcb *t, struct tcb *r)
{
    if (ipc_accepts(r, t)) {
        switch (xfer_start(t, r)) {
        case XFER_FAILED:
            return IPC_DONE;
        case XFER_SUSPENDED:
            return IPC_BLOCKED;
        default: {
            struct tcb *next;
            enum ipc_outcome o = after_send(t, &next, r);   /* (a call: r is its partner) */
            continue_sender(next);
            return o;
        }
        }
    }
    if (!timer_start(t, send_timeout(t))) {
        ipc_fail(t, t->utcb[0], IPC_ERR_TIMEOUT, IPC_PHASE_SEND, 0);
        return IPC_DONE;
    }
    t->state = TS_SEND_WAIT;
    t->ipc.partner = r;
    ipc_queue_append(&r->ipc.sendq, t);
    return IPC_BLOCKED;
}

/* Where the send of `s` to existing `d` goes (ABI 5.7): the redirector of
 * s's space when one is set, is not `s` itself, and d lies outside both
 * s's and the redirector's space; else `d`. NULL: the redirector named by
 * the space no longer exists. */
static struct tcb *redirect_target(const struct tcb *s, struct tcb *d)
{
    tid_t rid = s->space->redirector;
    if (rid == TID_NIL || rid == TID_ANY || rid == s->gid || d->space == s->space)
        return d;
    struct tcb *red = ipc_lookup(s, rid);
    if (red == NULL)
        return NULL;
    return d->space == red->space ? d : red;
}

/* Both phases of an IPC of `self`; `redirect`: apply the space's redirector. */
static inline __attribute__((always_inline)) enum ipc_outcome
ipc_start(struct tcb *self, tid_t to, tid_t from_spec, word_t timeouts, bool redirect)
{
    kassert_hot(!ipc_pending(self) && self->utcb != NULL);
    self->ipc.from_spec = from_spec;
    self->ipc.timeouts = timeouts;
    self->ipc.result_from = TID_NIL;
    self->ipc.intended = TID_NIL;
    if (to != TID_NIL) {
        struct tcb *d = ipc_lookup(self, to);
        struct tcb *r = d != NULL && redirect ? redirect_target(self, d) : d;
        if (r == NULL) {
            ipc_fail(self, 0, IPC_ERR_NO_PARTNER, IPC_PHASE_SEND, 0);
            return IPC_DONE;
        }
        if (r != d)
            self->ipc.intended = d->gid;
        return send_phase(self, r);
    }
    struct tcb *next;
    enum ipc_outcome o = after_send(self, &next, NULL);
    continue_sender(next);
    return o;
}

IPC_INVOKE_REGS enum ipc_outcome ipc_invoke(struct tcb *self, tid_t to, tid_t from_spec, word_t timeouts)
{
    enum ipc_outcome o = ipc_start(self, to, from_spec, timeouts, true);
    kassert_hot(o == (ipc_pending(self) ? IPC_BLOCKED : IPC_DONE));
    return o;
}

enum ipc_outcome ipc_invoke_kernel(struct tcb *self, tid_t to, tid_t from_spec, word_t timeouts)
{
    return ipc_start(self, to, from_spec, timeouts, false);
}

enum ipc_outcome ipc_receive_on_behalf(struct tcb *t, tid_t from_spec, uint16_t rcv_timeout)
{
    kassert(!ipc_pending(t) && t->utcb != NULL && from_spec != TID_NIL);
    t->ipc.from_spec = from_spec;
    t->ipc.timeouts = rcv_timeout;
    struct tcb *next;
    enum ipc_outcome o = recv_phase(t, &next, NULL);
    continue_sender(next);
    return o;
}

/* ---- timeouts, cancel, deletion ------------------------------------------- */

/* The transfer timeout of the long IPC sent by `s` expired: errors 5 / 6. */
static void ipc_xfer_expired(struct tcb *s)
{
    bool own_s = s->ipc_nested ? s->ipc.saved.xfer.owner_is_sender : s->ipc.xfer.owner_is_sender;
    xfer_abort(s, own_s ? IPC_ERR_XFER_OWN : IPC_ERR_XFER_PARTNER,
               own_s ? IPC_ERR_XFER_PARTNER : IPC_ERR_XFER_OWN);
}

void ipc_timeout(struct tcb *t)
{
    if (t->ipc_nested) {       /* nested phases never time out: the xfer timer */
        ipc_xfer_expired(t);
        return;
    }
    switch (t->state) {
    case TS_SEND_WAIT:
        ipc_fail(t, t->utcb[0], IPC_ERR_TIMEOUT, IPC_PHASE_SEND, 0);
        break;
    case TS_RECV_WAIT:
        ipc_fail(t, 0, IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0);
        break;
    case TS_SENDING:
        ipc_xfer_expired(t);
        break;
    default:
        break;
    }
}

unsigned ipc_expire(uint64_t now)
{
    unsigned n = 0;
    struct wakeup_node *w;
    while ((w = wakeup_expire(ipc_wq, now)) != NULL) {
        struct tcb *t = container_of(w, struct tcb, wakeup);
        if (!t->timer_live)
            continue;                                 /* stopped: a stale node */
        t->timer_live = false;                    /* (dequeued) */
        ipc_timeout(t);
        n++;
    }
    return n;
}

word_t ipc_cancel(struct tcb *t, bool recv, bool send)
{
    uint8_t st = outer_state(t);
    bool in_recv = st == TS_RECV_WAIT || st == TS_RECEIVING;
    bool in_send = st == TS_SEND_WAIT || st == TS_SENDING;
    word_t old = (in_recv ? TCB_EXREG_RECV : 0) | (in_send ? TCB_EXREG_SEND : 0);
    if ((in_recv && recv) || (in_send && send)) {
        if (st == TS_SENDING || st == TS_RECEIVING)
            xfer_abort(t, IPC_ERR_ABORTED, IPC_ERR_ABORTED);
        else if (in_send)
            ipc_fail(t, t->utcb[0], IPC_ERR_CANCELED, IPC_PHASE_SEND, 0);
        else
            ipc_fail(t, 0, IPC_ERR_CANCELED, IPC_PHASE_RECV, 0);
    }
    return old;
}

void ipc_thread_deleted(struct tcb *t)
{
    uint8_t st = outer_state(t);
    if (st == TS_SENDING || st == TS_RECEIVING)
        xfer_abort(t, IPC_ERR_ABORTED, IPC_ERR_ABORTED);
    ipc_queue_unlink(t);
    timer_stop(t);
    if (ipc_pending(t))
        t->state = TS_READY;
    struct tcb *w;
    while ((w = ipc_queue_first(&t->ipc.sendq)) != NULL)
        ipc_fail(w, w->utcb[0], IPC_ERR_NO_PARTNER, IPC_PHASE_SEND, 0);
    /* the closed receivers waiting for t (in no queue: the design note) */
    for (word_t no = 0, used = tcb_area_used(); no < used; no++) {
        w = tcb_of_number(no);
        if (w->state == TS_RECV_WAIT && w->ipc.partner == t)
            ipc_fail(w, 0, IPC_ERR_NO_PARTNER, IPC_PHASE_RECV, 0);
    }
}

struct wakeup_queue *ipc_wakeup_queue(void)
{
    return ipc_wq;
}
