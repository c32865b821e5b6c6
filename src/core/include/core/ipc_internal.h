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
static inline void ipc_queue_append(struct ipc_queue *q, struct tcb *t)
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
static inline void ipc_queue_unlink(struct tcb *t)
{
    struct ipc_queue *q = t->ipc.q_on;
    if (q == NULL)
        return;
    if (t->ipc.q_prev != NULL)
        t->ipc.q_prev->ipc.q_next = t->ipc.q_next;
    else
        q->head = t->ipc.q_next;
    if (t->ipc.q_next != NULL)
        t->ipc.q_next->ipc.q_prev = t->ipc.q_prev;
    else
        q->tail = t->ipc.q_prev;
    t->ipc.q_next = t->ipc.q_prev = NULL;
    t->ipc.q_on = NULL;
}

#endif
