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
    /* IPC; first, so that its first word, the send queue's head, is the
     * TCB's address when the queue is empty (the fast path's test) */
    struct ipc_state ipc;

    struct arch_tcb arch;        /* saved kernel context, by value */
    tid_t gid;                   /* global ID; TID_NIL while TS_FREE */
    /* the run word (tcb_run_word): these four bytes, read as one */
    uint8_t state;               /* enum thread_state */
    bool halted;                 /* stopped by ExchangeRegisters */
    union {
        struct {
            bool ipc_nested : 1; /* a nested pagefault IPC runs, ipc.saved holds the
                                    outer one (owned by the ipc module) */
            bool ctx_slow : 1;   /* its saved kernel context is one that the IPC fast
                                    path's switch cannot leave through at once (kept
                                    so by the machine layer: the x86 kernel's
                                    sysenter exit; never set in host builds) */
            bool timer_live : 1; /* the wakeup node holds a running timeout (it may
                                    stay queued after it stopped: lazy timers; owned
                                    by the ipc module) */
        };
        uint8_t run_flags;       /* (all three, as the run word's third byte) */
    };
    bool quantum_out;            /* quantum_us == 0 (kept so by the sched module) */
    struct space *space;
    /* The TCB slots the IPC fast path looks this thread's global
     * destinations up in (ipc_fast.h): the area's view while nobody is
     * queued to send to it and its space has no redirector, else the
     * empty one, whose slot no global ID names. So one lookup also tests
     * both conditions (tcb_fast_view_of; kept so by tcb_fast_view_refresh,
     * the IPC queue operations and tcb_space_redirect). */
    struct tid_view fast_view;
    /* The thread this one last sent to by a global ID on the IPC fast
     * path, which takes it (ipc_fast.h) before it looks the ID up when its
     * gid is the destination: a slot of the TCB area that the fast view
     * gave, or tid_no_slot (gid nilthread, which no global ID is). A
     * freed slot reads as zeros (gid nilthread) and a slot used anew
     * holds its new thread's gid, so a hint whose gid is the destination
     * is the slot the lookup would give, with no walk when a thread
     * goes. It is tid_no_slot again wherever the fast view is set
     * (tcb_fast_view_refresh, ipc_queue_append), so never kept while the
     * view is empty (kcheck). */
    struct tcb *global_hint;
    word_t utcb_location;        /* user address of the UTCB block, ~0u if none */
    tid_t utcb_ptr;              /* utcb_location + TID_UTCB_MR0_OFFSET: the local ID
                                    (tcb_set_utcb_location keeps the two together) */
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

    /* local-ID table (tid.c): chain of the hash bucket of (space, UTCB) */
    struct tcb *local_next;
    bool local_registered;
    /* The thread this one last sent to by a local ID on the IPC fast path,
     * so that a ping-pong within a space skips the hash: a live thread of
     * this one's space or tid_local_end, never NULL (kcheck). So the fast
     * path checks only its UTCB pointer (ipc_fast.h); a thread that leaves
     * its space (tcb_set_space, tcb_delete) is dropped from every hint
     * that names it, and its own hint is dropped when it moves. While
     * somebody is queued to send to this thread its hint is the sentinel
     * (ipc_queue_append drops it; the fast path sets it only with the
     * queue empty), so a hint that hits also says the queue is empty. */
    struct tcb *local_hint;

    /* delayed preemption (sched module, ABI 5.15): Schedule's
     * PreemptionControl and the delay granted (sched_preempt) */
    uint8_t sensitive_prio;      /* delays only in favour of priorities up to this */
    bool preempt_delayed;        /* a delay was granted: until a preemption or a yield */
    uint16_t max_delay_us;       /* the longest delay; 0: never delayed */
    word_t delay_left_us;        /* of the delay granted */
};

_Static_assert(sizeof(struct tcb) <= TCB_SIZE / 4, "TCB leaves too little kernel stack");
_Static_assert(offsetof(struct tcb, state) % 4 == 0 &&
                   offsetof(struct tcb, halted) == offsetof(struct tcb, state) + 1 &&
                   offsetof(struct tcb, run_flags) == offsetof(struct tcb, state) + 2 &&
                   offsetof(struct tcb, quantum_out) == offsetof(struct tcb, state) + 3,
               "the run word is state, halted, run_flags and quantum_out");

/* run_flags' timer_live bit (test_tcb checks it against the bit field). */
#define TCB_RUN_FLAG_TIMER_LIVE 0x04u

/* The run word of `t`: state | halted << 8 | run_flags << 16 |
 * quantum_out << 24 (one load; the kernel and its host tests run
 * little-endian). tcb_run_word(t) == s: `t` is in state s, not halted, in
 * no nested IPC, with a context the fast path can leave through
 * (ctx_slow clear), no timeout running, with quantum left. */
static inline uint32_t tcb_run_word(const struct tcb *t)
{
    uint32_t w;
    __builtin_memcpy(&w, (const char *)t + offsetof(struct tcb, state), sizeof(w));
    return w;
}

/* Set the whole run word of `t` to state `s` (one store), which clears
 * its run flags: for a thread that is not halted, in no nested IPC and
 * has quantum left, and keeps the context it has. The IPC fast path's
 * caller as it blocks, keeping the context it runs with (ctx_slow clear:
 * its switches keep it so; a switch that saves another context sets
 * ctx_slow, arch_switch_to), and its receiver as it becomes ready, which
 * also stops its timeout (timer_live). */
static inline void tcb_run_word_set(struct tcb *t, uint32_t s)
{
    __builtin_memcpy((char *)t + offsetof(struct tcb, state), &s, sizeof(s));
}

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

/* ---- life cycle (tcb.c) ------------------------------------------------
 *
 * Errors are X.2 ErrorCode values (ABI 1.7) so that system calls can hand
 * them on unchanged.
 */
#define TCB_OK                  0u
#define TCB_ERR_INVALID_THREAD  2u
#define TCB_ERR_INVALID_UTCB    6u
#define TCB_ERR_NO_MEMORY       8u

#define TCB_DEFAULT_PRIO        100u
#define TCB_DEFAULT_TIMESLICE   10000u       /* µs */
#define TCB_QUANTUM_UNLIMITED   UINT64_MAX
#define TCB_NO_UTCB             (~(word_t)0)

/* X.2 Schedule result codes (ABI 1.8). */
#define TCB_SCHED_DEAD      1u
#define TCB_SCHED_INACTIVE  2u
#define TCB_SCHED_RUNNING   3u
#define TCB_SCHED_PENDING_SEND 4u
#define TCB_SCHED_SENDING   5u
#define TCB_SCHED_WAITING   6u
#define TCB_SCHED_RECEIVING 7u

/* ExchangeRegisters old-state bits (ABI 1.8). */
#define TCB_EXREG_HALTED  0x1u
#define TCB_EXREG_RECV    0x2u
#define TCB_EXREG_SEND    0x4u

/* Create thread `gid` (global, number in the TCB area, slot free) in
 * `space` with scheduler `scheduler`: backs the TCB (arch_tcb_alloc), state
 * TS_INACTIVE, priority 100, 10 ms slice, unlimited quantum, no UTCB;
 * space->thread_count + 1. Returns TCB_OK and *out, or an error (then
 * nothing changed). Thread-number ranges (interrupt, kernel, user) are the
 * caller's policy (ThreadControl); the kernel creates its own threads here. */
word_t tcb_create(tid_t gid, struct space *space, tid_t scheduler, struct tcb **out);

/* Attach the UTCB at user address `utcb_location` (512-aligned) whose
 * kernel view of MR0 is `utcb` to the inactive thread `t`, write MyGlobalId
 * and register its local ID. The state stays TS_INACTIVE: the caller
 * (ThreadControl) then puts it into the start receive (ipc module). */
void tcb_activate(struct tcb *t, word_t utcb_location, word_t *utcb);

/* True once `t` owns a UTCB (tcb_activate done). */
static inline bool tcb_is_active(const struct tcb *t) { return t->utcb != NULL; }

/* True when a 512-byte UTCB at `loc` lies 512-aligned inside the UTCB area of `s`. */
bool tcb_utcb_location_valid(const struct space *s, word_t loc);

/* Change the version of `t`'s global ID to that of `gid` (same number) and
 * update MyGlobalId. */
void tcb_set_version(struct tcb *t, tid_t gid);

/* Move `t` into space `to` (thread counts follow, the local ID is
 * re-registered). The caller has validated the move (ThreadControl: `to`
 * initialised and the UTCB location valid there if t is active). Returns
 * true when the old space has no threads left. */
bool tcb_set_space(struct tcb *t, struct space *to);

/* The fast view `t` must have (struct tcb: fast_view): the TCB area's
 * when its send queue is empty and its space's redirector is TID_ANY,
 * else the empty view. */
struct tid_view tcb_fast_view_of(const struct tcb *t);

/* Give `t` the fast view tcb_fast_view_of() says, and no global-ID hint. */
void tcb_fast_view_refresh(struct tcb *t);

/* Set the redirector of space `s` (TID_ANY: none) and refresh the fast
 * view of each of its threads (a walk over the TCB slots: SpaceControl). */
void tcb_space_redirect(struct space *s, tid_t redirector);

/* Delete `t` (not the current thread, not idle). Call order: first
 * ipc_thread_deleted(t) (ipc module) cancels t's own IPC and fails every
 * partner blocked on t; then
 * tcb_delete() takes t out of the ready queue and the wakeup queue `wq`
 * (may be NULL when t has no timeout queued), unregisters its local ID,
 * decrements space->thread_count and frees the slot (TS_FREE, TID_NIL)
 * and its memory (arch_tcb_free: t must not be used afterwards; the slot
 * reads as free). Returns true when t's space has no threads left (caller
 * destroys it). */
bool tcb_delete(struct tcb *t, struct wakeup_queue *wq);

/* X.2 Schedule result code of `t` (1..7); 0 for a free slot. */
word_t tcb_schedule_state(const struct tcb *t);

/* ExchangeRegisters old-state bits (H, R, S) of `t`. */
word_t tcb_exreg_state(const struct tcb *t);

/* Slot of thread number `no`, NULL when out of range (tid.c's lookups). */
static inline struct tcb *tid_slot(word_t no)
{
    if (no >= tid_slots.nthreads)
        return NULL;
    return (struct tcb *)(tid_slots.view.base + ((uintptr_t)no << TCB_SIZE_LOG2));
}

_Static_assert(TID_VERSION_BITS >= TCB_SIZE_LOG2, "a global ID shifted right gives its slot offset");

/* The slot of `v` for the thread number in the global ID `gid` (of any
 * form), never NULL: in the area's view, the slot of the number modulo
 * nthreads (a power of two), so that a number beyond the area lands on a
 * slot whose gid has another number; in the empty view, its one slot.
 * The caller compares the slot's gid. */
static inline __attribute__((always_inline)) struct tcb *tid_view_slot(const struct tid_view *v, tid_t gid)
{
    word_t offset = (gid >> (TID_VERSION_BITS - TCB_SIZE_LOG2)) & v->slot_mask;
    return (struct tcb *)(v->base + offset);
}

/* tid_view_slot() of the whole area. tid_lookup_global compares its gid. */
static inline __attribute__((always_inline)) struct tcb *tid_global_slot(tid_t gid)
{
    return tid_view_slot(&tid_slots.view, gid);
}

/* The thread with global ID `gid` or NULL, for a `gid` in global form
 * (tid_is_global; tid_lookup_inline adds the test that IDs of any form
 * need). A free slot's gid is TID_NIL, which is not global; no
 * thread's gid is TID_ANY (ThreadControl refuses it), so anythread finds
 * nobody. A dead thread is found (the caller decides). */
static inline __attribute__((always_inline)) struct tcb *tid_lookup_global(tid_t gid)
{
    struct tcb *t = tid_global_slot(gid);
    return t->gid == gid ? t : NULL;
}

/* The local-ID hash chains (tid.c owns them; exposed for the inline
 * lookup): each ends with tid_local_end, which no lookup matches (its UTCB
 * pointer is no local ID); an empty bucket holds it. A thread on no chain
 * has local_next NULL. */
extern struct tcb *tid_local_chains[TID_LOCAL_BUCKETS];
extern struct tcb tid_local_end;

/* Bucket of the pair (space, UTCB slot): Fibonacci hashing of their XOR
 * (the top TID_LOCAL_BUCKET_BITS of the product with 2^32 / phi). */
static inline unsigned tid_local_bucket(const struct space *s, tid_t local)
{
    return ((uint32_t)(uintptr_t)s ^ (uint32_t)local) * 2654435761u >> (32u - TID_LOCAL_BUCKET_BITS);
}

/* UTCB pointer of `t`, which has a UTCB location (every registered thread). */
static inline tid_t tid_utcb_ptr(const struct tcb *t)
{
    return t->utcb_ptr;
}

/* Set the UTCB location of `t` (TCB_NO_UTCB: none) and its UTCB pointer. */
static inline void tcb_set_utcb_location(struct tcb *t, word_t loc)
{
    t->utcb_location = loc;
    t->utcb_ptr = loc + TID_UTCB_MR0_OFFSET;
}

_Static_assert((TID_NIL & ((1u << TID_UTCB_SIZE_LOG2) - 1u)) != TID_UTCB_MR0_OFFSET &&
                   (TID_ANYLOCAL & ((1u << TID_UTCB_SIZE_LOG2) - 1u)) != TID_UTCB_MR0_OFFSET,
               "no UTCB pointer is nilthread or anylocalthread");

/* True when the chain entry `t` is the thread of space `s` with local ID
 * `local` (never for tid_local_end). */
static inline __attribute__((always_inline)) bool tid_local_is(const struct tcb *t,
                                                              const struct space *s, tid_t local)
{
    return tid_utcb_ptr(t) == local && t->space == s;
}

/* tid_lookup_local() inline (the IPC paths): the bucket's first entry,
 * then the rest of its chain. */
static inline __attribute__((always_inline)) struct tcb *tid_lookup_local_inline(const struct space *s,
                                                                              tid_t local)
{
    /* (nilthread and anylocalthread need no test of their own: a UTCB
     * pointer is 256 modulo 512, tcb_activate, and neither is) */
    if (!tid_is_local(local))
        return NULL;
    struct tcb *t = tid_local_chains[tid_local_bucket(s, local)];
    if (__builtin_expect(tid_local_is(t, s, local), 1))
        return t;
    while (t != &tid_local_end) {
        t = t->local_next;
        if (tid_local_is(t, s, local))
            return t;
    }
    return NULL;
}

/* tid_lookup() inline. */
static inline struct tcb *tid_lookup_inline(tid_t gid)
{
    struct tcb *t = tid_lookup_global(gid);     /* (any form: a free slot's gid is NIL) */
    return t != NULL && t->state != TS_FREE ? t : NULL;
}

#endif
