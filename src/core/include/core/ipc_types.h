/*
 * Per-thread IPC state embedded in every TCB (struct tcb.ipc).
 * OWNER: ipc module. Only ipc.c writes these fields; other modules use the
 * functions of core/ipc.h.
 */
#ifndef CORE_IPC_TYPES_H
#define CORE_IPC_TYPES_H

#include <core/msg.h>
#include <core/tid.h>
#include <core/types.h>

struct tcb;

/* A link of a circular doubly-linked list. */
struct ipc_link {
    struct ipc_link *next, *prev;
};

/* A FIFO of threads blocked on a thread: a circle through the threads'
 * ipc_state.q_link closed by `ends` (ends.next: the first thread's link,
 * ends.prev: the last's), so that appending and unlinking never branch on
 * the position. Empty: both point at `ends` (ipc_queue_init; every live
 * thread's queues are initialised, a free slot's are zero). */
struct ipc_queue {
    struct ipc_link ends;
};

/* Make `q` an empty queue. */
static inline void ipc_queue_init(struct ipc_queue *q)
{
    q->ends.next = q->ends.prev = &q->ends;
}

/* True when the (initialised) queue `q` holds nobody. */
static inline bool ipc_queue_empty(const struct ipc_queue *q)
{
    return q->ends.next == &q->ends;
}

/* Progress of a long (string) transfer, kept by the sender. */
struct ipc_xfer {
    unsigned item;               /* next typed word to process */
    bool in_string;              /* copying the string at `item` */
    bool have_buffer;            /* a receive buffer is left at `buf` */
    bool owner_is_sender;        /* whose xfer timeout set the deadline */
    unsigned buf;                /* BR sequence index of the current buffer */
    struct msg_cursor src, dst;  /* string and buffer cursors */
};

/* The state saved while a nested pagefault IPC runs (ABI 5.10, notes 8). */
struct ipc_saved {
    word_t mr[3];                /* MR0..MR2 of the faulting thread */
    word_t br0, error_code, virtual_sender;
    tid_t from_spec;             /* the outer IPC's FromSpecifier ... */
    word_t timeouts;             /* ... and Timeouts word */
    struct tcb *xfer_partner;    /* the outer transfer ... */
    word_t xfer_offset;
    bool xfer_timed;
    struct ipc_xfer xfer;
    tid_t intended;              /* the outer send's IntendedReceiver */
    uint8_t state;               /* thread state before the nested IPC */
    /* (whether it holds anything: struct tcb.ipc_nested) */
};


struct ipc_state {
    /* senders blocked on this one, waiting until we receive from them
     * (a closed receiver waiting for us is in no queue: ipc.c) */
    struct ipc_queue sendq;

    /* this thread's place while blocked in another thread's send queue */
    struct ipc_link q_link;      /* both NULL when not queued */
    struct ipc_queue *q_on;      /* queue holding us; NULL when not queued */
    struct tcb *partner;         /* SEND_WAIT: destination; RECV_WAIT: closed sender,
                                    NULL when open; stale in every other state */
    /* (whether a timeout runs: struct tcb.timer_live, in the run word) */

    /* the current IPC system call */
    tid_t from_spec;             /* FromSpecifier (TID_NIL: no receive phase) */
    word_t timeouts;             /* Timeouts word: send [31..16], receive [15..0] */
    tid_t intended;              /* redirected send: the original destination, else TID_NIL */

    /* result handed back when the system call returns (its tag, MR0, is
     * the UTCB's MR0: ipc_result_tag) */
    tid_t result_from;           /* from (TID_NIL on errors and send-only) */

    /* long IPC: the transfer in progress and the nested pagefault IPC. The
     * cursor (xfer_offset, xfer_timed, xfer) is read only while a transfer
     * runs (xfer_partner set, or saved away by a nested IPC): xfer_start
     * sets all of it for a message with typed items; outside a transfer it is
     * stale (an untyped message leaves it, on either path). */
    struct tcb *xfer_partner;    /* the other side while TS_SENDING/TS_RECEIVING */
    word_t xfer_offset;          /* string bytes transferred so far */
    bool xfer_timed;             /* a transfer timeout has been decided */
    struct ipc_xfer xfer;        /* sender side: where the transfer stands */
    struct ipc_saved saved;      /* IPC-state stack of depth 1 */
};

#endif
