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

/* Append `t` (in no queue) at the tail of `q`. */
static inline __attribute__((always_inline)) void ipc_queue_append(struct ipc_queue *q, struct tcb *t)
{
    kassert(t->ipc.q_on == NULL);
    t->ipc.q_next = NULL;
    t->ipc.q_prev = q->tail;
    if (q->tail != NULL)
        q->tail->ipc.q_next = t;
    else
        q->head = t;
    q->tail = t;
    t->ipc.q_on = q;
}

/* Take `t` out of whatever IPC queue holds it (no-op if none). */
static inline __attribute__((always_inline)) void ipc_queue_unlink(struct tcb *t)
{
    struct ipc_queue *q = t->ipc.q_on;
    if (q == NULL)
        return;
    struct tcb *prev = t->ipc.q_prev, *next = t->ipc.q_next;   /* (read once) */
    if (prev != NULL)
        prev->ipc.q_next = next;
    else
        q->head = next;
    if (next != NULL)
        next->ipc.q_prev = prev;
    else
        q->tail = prev;
    t->ipc.q_next = t->ipc.q_prev = NULL;
    t->ipc.q_on = NULL;
}

/* Copy `n` message words from `src` to `dst` (distinct UTCBs). In the
 * kernel one `rep movsl`: about one instruction per word. */
#if defined(__i386__) && !__STDC_HOSTED__
static inline void ipc_copy_words(word_t *dst, const word_t *src, unsigned n)
{
    __asm__ volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}
#else
static inline void ipc_copy_words(word_t *dst, const word_t *src, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        dst[i] = src[i];
}
#endif

/* The From a receiver `r` gets for a message from `s` (ABI 5.3): the
 * sender's local ID when both live in the same space, else its global ID. */
static inline tid_t ipc_from_id(const struct tcb *s, const struct tcb *r)
{
    if (s->space == r->space && s->utcb_location != TCB_NO_UTCB)
        return s->utcb_location + TID_UTCB_MR0_OFFSET;
    return s->gid;
}

#endif
