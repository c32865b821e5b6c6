/*
 * The IPC state machine (ABI 5.1-5.6, 5.10).
 *
 * Every operation here is non-blocking: it changes thread states and queues
 * and returns. A thread that has to wait is left blocked (TS_SEND_WAIT /
 * TS_RECV_WAIT) and the call answers IPC_BLOCKED; whoever later completes
 * its IPC (partner, timeout, cancel, deletion) stores the final result in
 * its TCB and makes it ready. A blocked thread is made ready only when its
 * whole IPC (send and receive phase) is finished.
 *
 * How the system-call layer drives it (kernel):
 *
 *     outcome = ipc_invoke(cur, to, from, timeouts);
 *     while (ipc_pending(cur))            // IPC_BLOCKED: wait until finished
 *         sched_dispatch();
 *     if (sched_resched_pending())        // IPC_DONE woke a higher priority
 *         sched_dispatch();
 *     EAX = ipc_result_from(cur); ESI = ipc_result_tag(cur);
 *     EBX, EBP = MR1, MR2 from cur's UTCB (written there by the partner).
 *
 * The IPC never switches threads itself; it makes completed threads ready
 * with sched_make_ready(). Other modules must not make a thread that is
 * ipc_pending() ready behind the IPC's back (e.g. ExchangeRegisters resume
 * of a halted thread blocked in IPC must leave its state alone), and must
 * call ipc_cancel() / ipc_thread_deleted() instead of unlinking it.
 * The timer tick calls ipc_expire(now) to fire due IPC timeouts (the IPC
 * timeouts live in the wakeup queue given to ipc_init(), on each thread's
 * embedded wakeup node, which the IPC module owns while a thread is in IPC).
 *
 * OWNER: ipc module.
 */
#ifndef CORE_IPC_H
#define CORE_IPC_H

#include <core/fpage.h>
#include <core/msg.h>
#include <core/tcb.h>
#include <core/wakeup.h>

enum ipc_outcome { IPC_DONE, IPC_BLOCKED };

/* Use `wq` for IPC send/receive timeouts (the kernel's one wakeup queue). */
void ipc_init(struct wakeup_queue *wq);

/* On i386 (the kernel) ipc_invoke takes its first three arguments in
 * registers: every Ipc the fast path declines calls it across files. */
#if defined(__i386__)
#define IPC_INVOKE_REGS __attribute__((regparm(3)))
#else
#define IPC_INVOKE_REGS
#endif

/* The Ipc system call of `self` (the current thread): optional send phase
 * to `to`, then optional receive phase per `from_spec` (TID_NIL: none), with
 * the Timeouts word (send [31..16], receive [15..0]). Message in self's UTCB.
 * The send phase is redirected per self's space (ABI 5.7, see ipc.c).
 * IPC_DONE: the result is ready; IPC_BLOCKED: self waits (see above):
 * the answer is IPC_BLOCKED exactly when ipc_pending(self) holds after it. */
IPC_INVOKE_REGS enum ipc_outcome ipc_invoke(struct tcb *self, tid_t to, tid_t from_spec, word_t timeouts);

/* ipc_invoke without redirection: for messages the kernel generates on
 * self's behalf (page faults, exceptions, interrupts), which go straight to
 * the pager / handler that a privileged ThreadControl configured. */
enum ipc_outcome ipc_invoke_kernel(struct tcb *self, tid_t to, tid_t from_spec, word_t timeouts);

/* ---- fast path (ipc_fast.c) ---------------------------------------------- */

#define IPC_FAST_ENABLED true       /* false: ipc_fastpath() always declines */
#define IPC_FAST_MAX_UNTYPED 63u    /* longest untyped message it delivers */

/* The Ipc system call of the current thread `self` with MR0 = `tag` (not
 * yet stored in its UTCB), when it is a short send to a thread already
 * waiting for it (see the design note in ipc_fast.c). false: nothing was
 * changed, use ipc_invoke() (after storing the tag). true: done exactly as
 * ipc_invoke() would have done it; self is then either finished (no
 * receive phase) or blocked in its receive phase, and then the scheduler
 * has dispatched once (as the system-call layer does after IPC_BLOCKED);
 * the caller loops `while (ipc_pending(self)) sched_dispatch();` as usual. */
bool ipc_fastpath(struct tcb *self, tid_t to, tid_t from_spec, word_t timeouts, word_t tag);

/* Put the non-current thread `t` into a receive phase from `from_spec`
 * with receive timeout `rcv_timeout` on its behalf (thread start: wait for
 * the start message from the pager). Completes at once if possible. */
enum ipc_outcome ipc_receive_on_behalf(struct tcb *t, tid_t from_spec, uint16_t rcv_timeout);

/* The MR0 (tag) and the from ID returned by `t`'s last IPC system call.
 * The tag is t's UTCB MR0, where every end of an IPC writes it (ABI 4.4:
 * the returned ESI equals UTCB MR0); threads of t's space may overwrite
 * it, as they may MR1 and MR2, which an Ipc returns the same way. */
static inline word_t ipc_result_tag(const struct tcb *t) { return t->utcb[0]; }
static inline tid_t ipc_result_from(const struct tcb *t) { return t->ipc.result_from; }

/* True while `t` is blocked in (or transferring within) an IPC: one of the
 * four consecutive states TS_SEND_WAIT .. TS_RECEIVING. Inline: the system-
 * call layer asks it on every Ipc. */
static inline bool ipc_pending(const struct tcb *t)
{
    _Static_assert(TS_SENDING == TS_SEND_WAIT + 1 && TS_RECV_WAIT == TS_SEND_WAIT + 2 &&
                   TS_RECEIVING == TS_SEND_WAIT + 3, "IPC states must be consecutive");
    return (unsigned)(t->state - TS_SEND_WAIT) <= (unsigned)(TS_RECEIVING - TS_SEND_WAIT);
}

/* The thread state to report for `t` (Schedule, ExchangeRegisters): while a
 * nested pagefault IPC runs on its behalf during a string transfer, the
 * state of the transfer (TS_SENDING / TS_RECEIVING), else t->state. */
uint8_t ipc_thread_state(const struct tcb *t);

/* The IPC timeout of `t` fired: a blocked send or receive fails with error 1
 * in its phase (no-op if `t` is not blocked any more). */
void ipc_timeout(struct tcb *t);

/* Fire all IPC timeouts due at `now` (µs); returns how many fired. */
unsigned ipc_expire(uint64_t now);

/* ExchangeRegisters R/S: cancel `t`'s receive (recv) and/or send (send)
 * phase. Blocked (no transfer yet) -> error 3; inside a transfer -> error 7
 * to both partners. Returns the old R/S bits (TCB_EXREG_RECV/SEND). */
word_t ipc_cancel(struct tcb *t, bool recv, bool send);

/* `t` is about to be deleted: cancel its own IPC and fail every thread
 * blocked on it with error 2 (senders in the send, closed receivers in the
 * receive phase). Call before tcb_delete(). */
void ipc_thread_deleted(struct tcb *t);

/* Inspection for tests and kdebug. */
struct tcb *ipc_sendq_head(const struct tcb *t);      /* first queued sender */
struct tcb *ipc_queue_next(const struct tcb *t);      /* queued t: next in its queue, NULL at the end */
struct tcb *ipc_queue_prev(const struct tcb *t);      /* queued t: previous, NULL at the start */

/* The thread whose queue link `l` is (`l` must be one, not a queue's ends). */
static inline struct tcb *ipc_link_owner(const struct ipc_link *l)
{
    return container_of(l, struct tcb, ipc.q_link);
}

/* The first / last thread of the queue `q` of a live thread; NULL when it is empty. */
static inline struct tcb *ipc_queue_first(const struct ipc_queue *q)
{
    return ipc_queue_empty(q) ? NULL : ipc_link_owner(q->ends.next);
}

static inline struct tcb *ipc_queue_last(const struct ipc_queue *q)
{
    const struct ipc_link *l = q->ends.prev;
    return l == &q->ends ? NULL : ipc_link_owner(l);
}
struct tcb *ipc_blocked_on(const struct tcb *t);      /* blocked t: the thread it sends to or closed-receives from */
struct wakeup_queue *ipc_wakeup_queue(void);          /* the queue given to ipc_init */

/* ---- provided by the mapping database (mdb) ---------------------------
 * Map (grant = false) or grant the region `p` (computed by msg_place_fpage)
 * from `from`'s space to `to`'s space with at most `rights` (fpage rwx).
 * Returns IPC_OK, or an IPC error code that aborts the message (message
 * overflow). Host tests link a recording fake (mocks/usermem.c). */
enum ipc_error ipc_transfer_fpage(struct tcb *from, struct tcb *to,
                                  const struct msg_placement *p, unsigned rights, bool grant);

#endif
