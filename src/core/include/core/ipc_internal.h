/*
 * Internals shared by the IPC slow path (ipc.c) and the IPC fast path
 * (ipc_fast.c) only; nothing else may include this header. Both paths
 * must move threads between IPC queues in exactly the same way, so the
 * helpers live here once.
 *
 * OWNER: ipc module.
 */
#ifndef CORE_IPC_INTERNAL_H
#define CORE_IPC_INTERNAL_H

#include <core/kassert.h>
#include <core/tcb.h>

/* The only IPC queues are send queues, and they are exact: a thread is
 * in one exactly while it is blocked sending to the queue's owner. A
 * closed receiver is in none (design note in ipc.c). The owner's fast
 * view (tcb.h) is the empty one and its local-ID hint the sentinel while
 * its queue holds anybody. */

/* The thread whose send queue `q` is. */
static inline struct tcb *ipc_queue_owner(const struct ipc_queue *q)
{
    return tcb_from_sp((uintptr_t)q);
}

/* Take `t`, a member of an IPC queue, out of it; the same four stores
 * wherever it stands (the queue's ends close the circle). The last one
 * out gives the owner its fast view back (if its space allows it). */
static inline __attribute__((always_inline)) void ipc_queue_remove(struct tcb *t)
{
    struct ipc_queue *q = t->ipc.q_on;
    struct ipc_link *next = t->ipc.q_link.next, *prev = t->ipc.q_link.prev;
    next->prev = prev;
    prev->next = next;
    t->ipc.q_link.next = t->ipc.q_link.prev = NULL;
    t->ipc.q_on = NULL;
    if (ipc_queue_empty(q))
        tcb_fast_view_refresh(ipc_queue_owner(q));
}

/* Take `t` out of whatever IPC queue holds it (no-op if none). */
static inline __attribute__((always_inline)) void ipc_queue_unlink(struct tcb *t)
{
    if (t->ipc.q_on != NULL)
        ipc_queue_remove(t);
}

/* Append `t`, in no queue, at the tail of the send queue `q`; its owner's
 * fast path now looks through the empty view and has no hints (tcb.h). */
static inline __attribute__((always_inline)) void ipc_queue_append(struct ipc_queue *q, struct tcb *t)
{
    kassert(t->ipc.q_on == NULL);
    struct ipc_link *tail = q->ends.prev;
    t->ipc.q_link.next = &q->ends;
    t->ipc.q_link.prev = tail;
    tail->next = &t->ipc.q_link;
    q->ends.prev = &t->ipc.q_link;
    t->ipc.q_on = q;
    struct tcb *owner = ipc_queue_owner(q);
    owner->fast_view = tid_empty_view();
    owner->global_hint = &tid_no_slot;
    owner->local_hint = &tid_local_end;
}

/* Copy `n` message words from `src` to `dst` (distinct UTCBs). In the
 * kernel one `rep movsl`: about one instruction per word. */
#if defined(__i386__) && !__STDC_HOSTED__
static inline void ipc_copy_words(word_t *dst, const word_t *src, unsigned n)
{
    __asm__ volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

/* Copy a message's MR0 and the `u` words after it from `src` to `dst`
 * (distinct UTCBs). In the kernel a `movsl` for MR0, then `rep movsl` for
 * the rest: no count of u + 1 to compute, and under -icount a `rep` with
 * nothing to do counts once. */
static inline void ipc_copy_mr0_and(word_t *dst, const word_t *src, unsigned u)
{
    __asm__ volatile("movsl\n\trep movsl" : "+D"(dst), "+S"(src), "+c"(u) : : "memory");
}
#else
static inline void ipc_copy_words(word_t *dst, const word_t *src, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        dst[i] = src[i];
}

static inline void ipc_copy_mr0_and(word_t *dst, const word_t *src, unsigned u)
{
    ipc_copy_words(dst, src, u + 1u);
}
#endif

/* The From a receiver gets for a message from `s` (ABI 5.3) when it is
 * known whether both live in the same space and `s` has a UTCB location
 * (`local`): the sender's local ID then, else its global ID. */
static inline __attribute__((always_inline)) tid_t ipc_from_id_known(const struct tcb *s, bool local)
{
    return local ? tid_utcb_ptr(s) : s->gid;
}

/* The From a receiver `r` gets for a message from `s` (ABI 5.3): the
 * sender's local ID when both live in the same space, else its global ID. */
static inline tid_t ipc_from_id(const struct tcb *s, const struct tcb *r)
{
    return ipc_from_id_known(s, s->space == r->space && s->utcb_location != TCB_NO_UTCB);
}

#endif
