/*
 * Baseline for bench_wakeup: a deliberately simple timeout queue, one doubly
 * linked list kept sorted by deadline. Insert walks from the head to its
 * place (O(n)); remove unlinks (O(1)); the earliest deadline is the head, so
 * expiry only looks at the head. Uses struct wakeup_node so the benchmark can
 * drive both queues with the same nodes. Header-only, host benchmark only.
 */
#ifndef BENCH_BASELINE_SORTED_H
#define BENCH_BASELINE_SORTED_H

#include <core/wakeup.h>

struct sorted_queue {
    struct wakeup_node head;    /* circular sentinel; head.next has the earliest deadline */
};

/* Make `q` empty. */
static inline void sorted_init(struct sorted_queue *q)
{
    q->head.next = q->head.prev = &q->head;
    q->head.list = 0;
}

/* Insert `n` after every node with deadline <= `deadline` (FIFO among equals). */
static inline void sorted_insert(struct sorted_queue *q, struct wakeup_node *n, uint64_t deadline)
{
    struct wakeup_node *at = q->head.next;
    while (at != &q->head && at->deadline <= deadline)
        at = at->next;
    n->deadline = deadline;
    n->next = at;
    n->prev = at->prev;
    at->prev->next = n;
    at->prev = n;
    n->list = 1;
}

/* Append `n` at the tail; only for building a queue from sorted deadlines
 * (the caller guarantees `deadline` >= every queued deadline). */
static inline void sorted_append(struct sorted_queue *q, struct wakeup_node *n, uint64_t deadline)
{
    n->deadline = deadline;
    n->next = &q->head;
    n->prev = q->head.prev;
    q->head.prev->next = n;
    q->head.prev = n;
    n->list = 1;
}

/* Unlink `n` if queued. */
static inline void sorted_remove(struct sorted_queue *q, struct wakeup_node *n)
{
    (void)q;
    if (n->list == 0)
        return;
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = NULL;
    n->list = 0;
}

/* Dequeue and return the head if its deadline is <= now, else NULL. */
static inline struct wakeup_node *sorted_expire(struct sorted_queue *q, uint64_t now)
{
    struct wakeup_node *n = q->head.next;
    if (n == &q->head || n->deadline > now)
        return NULL;
    sorted_remove(q, n);
    return n;
}

/* Earliest deadline, UINT64_MAX if empty. */
static inline uint64_t sorted_next_expiry(const struct sorted_queue *q)
{
    return q->head.next == &q->head ? UINT64_MAX : q->head.next->deadline;
}

#endif
