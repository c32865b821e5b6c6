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
 * Expiry rule (what callers may rely on): a queued node with deadline d is
 * returned by the first wakeup_expire(q, now) call with now >= d, i.e. at the
 * first timer tick at or after its deadline (a deadline already past when it
 * is inserted fires at the next tick). Expired nodes of one tick come out in
 * no particular order. Time is a 64-bit count of microseconds.
 *
 * OWNER: wakeup module. The declarations below are the contract other
 * modules (ipc, sched) rely on; extend, do not break.
 */
#ifndef CORE_WAKEUP_H
#define CORE_WAKEUP_H

#include <core/kassert.h>
#include <core/types.h>

struct wakeup_node {
    struct wakeup_node *next, *prev;
    uint64_t deadline;   /* absolute, microseconds */
    uint8_t list;        /* which class list holds it; 0 = not queued */
};

/* The lists a node can be on (the value of wakeup_node.list). */
enum wakeup_class {
    WAKEUP_NONE = 0,     /* not queued */
    WAKEUP_SOON = 1,     /* deadline < soon_limit: searched at every tick */
    WAKEUP_LATE = 2,     /* soon_limit <= deadline < late_limit */
    WAKEUP_LATELATE = 3, /* deadline >= late_limit */
    WAKEUP_DUE = 4,      /* expired, waiting to be handed out by wakeup_expire */
};
#define WAKEUP_LISTS 4u  /* lists in a queue: SOON, LATE, LATELATE, DUE */

/* Length of the kernel's timer tick: the granularity of expiry. */
#define WAKEUP_TICK_US 1000u
/* Soon correction every 16 ticks: the soon list then holds roughly the next
 * 16 ms, which covers the common IPC timeouts (1..10 ms) directly, while the
 * late list is rescanned only once per 16 ticks. */
#define WAKEUP_SOON_TICKS 16u
/* Late-late correction every 256 ticks (a multiple of the soon period):
 * late-late entries are more than ~1/4 s away and are scanned 4 times/s. */
#define WAKEUP_LATE_TICKS 256u

#define WAKEUP_SOON_PERIOD_US ((uint64_t)WAKEUP_SOON_TICKS * WAKEUP_TICK_US)
#define WAKEUP_LATE_PERIOD_US ((uint64_t)WAKEUP_LATE_TICKS * WAKEUP_TICK_US)
/* Width of the soon window at a soon correction: one soon period, so every
 * late entry is due no earlier than the next soon correction. */
#define WAKEUP_SOON_WINDOW_US WAKEUP_SOON_PERIOD_US
/* Width of the late window at a late correction: one late period plus one
 * soon window, so a soon correction before the next late correction never
 * wants an entry that is still in the late-late list (soon_limit <= late_limit). */
#define WAKEUP_LATE_WINDOW_US (WAKEUP_LATE_PERIOD_US + WAKEUP_SOON_WINDOW_US)

/* A timeout queue. Treat as opaque; inspect through the functions below. */
struct wakeup_queue {
    struct wakeup_node head[WAKEUP_LISTS]; /* circular list sentinels, by class - 1 */
    uint32_t count[WAKEUP_LISTS];          /* list lengths, by class - 1 */
    uint64_t now;          /* latest time given to wakeup_init/wakeup_expire */
    uint64_t soon_limit;   /* soon holds exactly the deadlines below this */
    uint64_t late_limit;   /* late-late holds exactly the deadlines from this on */
    uint64_t soon_next;    /* next soon correction at the first tick >= this */
    uint64_t late_next;    /* next late correction at the first tick >= this */
    uint64_t soon_min;     /* lower bound of the soon deadlines (UINT64_MAX: none) */
    uint32_t soon_corrections, late_corrections; /* statistics */
};

/* Make `q` an empty queue at time `now_us`. */
void wakeup_init(struct wakeup_queue *q, uint64_t now_us);

/* Queue a node to fire at `deadline` (µs). The node must not be queued. */
void wakeup_insert(struct wakeup_queue *q, struct wakeup_node *n, uint64_t deadline);

/* Dequeue a node if queued; a no-op otherwise. */
void wakeup_remove(struct wakeup_queue *q, struct wakeup_node *n);

/* True while the node is queued. */
static inline bool wakeup_queued(const struct wakeup_node *n) { return n->list != 0; }

/* True when `deadline` belongs to the pending class `c` under the current
 * limits (the class wakeup_insert would pick: soon_limit <= late_limit);
 * false for WAKEUP_NONE and WAKEUP_DUE. One border compared for the outer
 * classes. */
static inline __attribute__((always_inline)) bool wakeup_class_holds(const struct wakeup_queue *q,
                                                                    enum wakeup_class c, uint64_t deadline)
{
    switch (c) {
    case WAKEUP_LATELATE:
        return deadline >= q->late_limit;
    case WAKEUP_SOON:
        return deadline < q->soon_limit;
    case WAKEUP_LATE:
        return deadline >= q->soon_limit && deadline < q->late_limit;
    default:
        return false;
    }
}

/* Keep soon_min a lower bound after `deadline` joined class `c`. */
static inline void wakeup_soon_min_note(struct wakeup_queue *q, enum wakeup_class c, uint64_t deadline)
{
    if (c == WAKEUP_SOON && deadline < q->soon_min)
        q->soon_min = deadline;
}

/* The body of wakeup_retime (below). */
static inline __attribute__((always_inline)) void wakeup_retime_inline(struct wakeup_queue *q,
                                                                     struct wakeup_node *n,
                                                                     uint64_t deadline)
{
    kassert_hot(wakeup_queued(n));
    enum wakeup_class c = (enum wakeup_class)n->list;
    if (!wakeup_class_holds(q, c, deadline)) {     /* another class, or due already */
        wakeup_remove(q, n);
        wakeup_insert(q, n, deadline);
        return;
    }
    n->deadline = deadline;
    wakeup_soon_min_note(q, c, deadline);
}

/* Move the queued node `n` to `deadline`: in place when the deadline
 * belongs to the list it is on, else as wakeup_remove + wakeup_insert.
 * Inline in the kernel (a finite-timeout IPC moves its thread's node every
 * time); out of line in the host build, where coverage then counts its
 * branches once. */
#if __STDC_HOSTED__
void wakeup_retime(struct wakeup_queue *q, struct wakeup_node *n, uint64_t deadline);
#else
static inline __attribute__((always_inline)) void wakeup_retime(struct wakeup_queue *q, struct wakeup_node *n,
                                                              uint64_t deadline)
{
    wakeup_retime_inline(q, n, deadline);
}
#endif

/* Advance the queue to time `now_us` (run the correction phases that are
 * due) and hand out one expired node, dequeued; NULL when no queued node has
 * a deadline <= now_us. The timer tick calls it until NULL. Time never goes
 * back: a now_us below the latest one passed counts as that latest one. */
struct wakeup_node *wakeup_expire(struct wakeup_queue *q, uint64_t now_us);

/* Earliest deadline among the due and soon entries; UINT64_MAX if none.
 * Late entries are not looked at: they are due after the next soon correction. */
uint64_t wakeup_next_expiry(struct wakeup_queue *q);

/* Inspection (tests, statistics). */

/* The list holding `n` (WAKEUP_NONE if not queued). */
static inline enum wakeup_class wakeup_node_class(const struct wakeup_node *n)
{
    return (enum wakeup_class)n->list;
}

/* Number of nodes on list `c` (0 for WAKEUP_NONE or an unknown class). */
uint32_t wakeup_count(const struct wakeup_queue *q, enum wakeup_class c);

/* Correction phases run so far that pulled entries into class `into`:
 * WAKEUP_SOON counts soon corrections, WAKEUP_LATE late corrections (else 0). */
uint32_t wakeup_corrections(const struct wakeup_queue *q, enum wakeup_class into);

/* Number of queued nodes (all lists). */
uint32_t wakeup_pending(const struct wakeup_queue *q);

/* Check every queue invariant (links, list tags, counts, class borders,
 * limits); true if all hold. O(n): for tests and debugging. */
bool wakeup_check(const struct wakeup_queue *q);

/* Walk list `c` of `q`: the node after `n` (the first one when `n` is
 * NULL); NULL at the end or for an unknown class. For checkers: the list
 * must be intact (wakeup_check). */
const struct wakeup_node *wakeup_list_next(const struct wakeup_queue *q, enum wakeup_class c,
                                           const struct wakeup_node *n);

/* X.2 16-bit time values (ABI 1.3) converted to deadlines. */
enum timeout_kind { TIMEOUT_NEVER, TIMEOUT_ZERO, TIMEOUT_AT };

/* Decode time value `tv` relative to `now`; for TIMEOUT_AT stores the deadline
 * (also UINT64_MAX for NEVER and `now` for ZERO, for callers that want one). */
enum timeout_kind timeout_decode(uint16_t tv, uint64_t now, uint64_t *deadline);

/* The deadline of the finite period `tv` (bit 15 clear, mantissa m != 0)
 * from `now`: now + m * 2^e, UINT64_MAX when that overflows; timeout_decode
 * for such a value, inline (the IPC path). */
static inline uint64_t timeout_period_deadline(uint16_t tv, uint64_t now)
{
    /* m * 2^e as one 32x32->64 multiply: 2^e (e <= 31) fits in 32 bits */
    uint64_t d;
    if (__builtin_add_overflow(now, (uint64_t)(tv & 0x3FFu) * (uint32_t)(1u << ((tv >> 10) & 0x1Fu)), &d))
        return UINT64_MAX;
    return d;
}

#endif
