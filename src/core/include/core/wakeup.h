/*
 * Timeouts in wakeup classes (calendar queue of the lecture notes).
 *
 * Pending wakeups sit in one of three unsorted lists by distance of their
 * deadline from "now": soon (< SOON window), late (< LATE window), late-late
 * (further). Only the soon list is searched for expiries; correction phases
 * move entries from late to soon every WAKEUP_SOON_TICKS and from late-late
 * to late every WAKEUP_LATE_TICKS. The node is embedded in what it wakes (a
 * TCB), so the module never allocates.
 *
 * OWNER: wakeup module. The declarations below are the contract other
 * modules (ipc, sched) rely on; extend, do not break.
 */
#ifndef CORE_WAKEUP_H
#define CORE_WAKEUP_H

#include <core/types.h>

struct wakeup_node {
    struct wakeup_node *next, *prev;
    uint64_t deadline;   /* absolute, microseconds */
    uint8_t list;        /* which class list holds it; 0 = not queued */
};

struct wakeup_queue;     /* defined below by the wakeup module */

/* Queue a node to fire at `deadline` (µs). The node must not be queued. */
void wakeup_insert(struct wakeup_queue *q, struct wakeup_node *n, uint64_t deadline);

/* Dequeue a node if queued; a no-op otherwise. */
void wakeup_remove(struct wakeup_queue *q, struct wakeup_node *n);

/* True while the node is queued. */
static inline bool wakeup_queued(const struct wakeup_node *n) { return n->list != 0; }

/* X.2 16-bit time values (ABI 1.3) converted to deadlines. */
enum timeout_kind { TIMEOUT_NEVER, TIMEOUT_ZERO, TIMEOUT_AT };

/* Decode time value `tv` relative to `now`; for TIMEOUT_AT stores the deadline. */
enum timeout_kind timeout_decode(uint16_t tv, uint64_t now, uint64_t *deadline);

#endif
