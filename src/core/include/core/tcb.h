/*
 * Thread control blocks.
 *
 * TCBs live in a virtually linear array: the TCB of thread number n is at
 * tcb_area + n * TCB_SIZE, size-aligned, with the thread's kernel stack in
 * the same block above the structure. Hence the current TCB is the kernel
 * stack pointer with its low TCB_SIZE_LOG2 bits cleared (tcb_from_sp).
 *
 * OWNER: tcb module (with sched). Other modules own the sub-structures they
 * embed (struct wakeup_node, struct ipc_state).
 */
#ifndef CORE_TCB_H
#define CORE_TCB_H

#include <arch/tcb_arch.h>
#include <core/ipc_types.h>
#include <core/tid.h>
#include <core/types.h>
#include <core/wakeup.h>

#define TCB_SIZE_LOG2 12u
#define TCB_SIZE      (1u << TCB_SIZE_LOG2)

/* Thread states. The numbering is internal; Schedule reports ABI codes. */
enum thread_state {
    TS_FREE = 0,      /* no thread with this number exists */
    TS_INACTIVE,      /* exists, has no UTCB/pager yet, cannot run */
    TS_READY,         /* runnable (running or in a ready queue) */
    TS_SEND_WAIT,     /* blocked: waiting for the receiver to become ready */
    TS_SENDING,       /* message transfer in progress, sender side */
    TS_RECV_WAIT,     /* blocked: waiting for a matching sender */
    TS_RECEIVING,     /* message transfer in progress, receiver side */
    TS_DEAD,          /* aborted; never runs again */
};

struct space;

struct tcb {
    struct arch_tcb arch;        /* saved kernel context; first, by value */
    tid_t gid;                   /* global ID; TID_NIL while TS_FREE */
    uint8_t state;               /* enum thread_state */
    bool halted;                 /* stopped by ExchangeRegisters */
    struct space *space;
    word_t utcb_location;        /* user address of the UTCB block, ~0u if none */
    word_t *utcb;                /* kernel view of the UTCB at MR0 (the local ID) */
    tid_t scheduler;

    /* scheduling */
    struct tcb *ready_next, *ready_prev;
    bool in_ready_queue;
    uint8_t prio;
    word_t timeslice_us;         /* length of a full time slice */
    word_t remaining_us;         /* left of the current slice */
    uint64_t quantum_us;         /* total quantum left; UINT64_MAX = unlimited */

    /* timeouts */
    struct wakeup_node wakeup;

    /* IPC */
    struct ipc_state ipc;
};

_Static_assert(sizeof(struct tcb) <= TCB_SIZE / 4, "TCB leaves too little kernel stack");

/* The TCB whose block contains kernel stack address `sp`. */
static inline struct tcb *tcb_from_sp(uintptr_t sp)
{
    return (struct tcb *)(sp & ~(uintptr_t)(TCB_SIZE - 1u));
}

/* Top of the kernel stack inside `t`'s block (first address above it). */
static inline uintptr_t tcb_stack_top(const struct tcb *t)
{
    return (uintptr_t)t + TCB_SIZE;
}

#endif
