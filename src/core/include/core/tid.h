/*
 * Thread identifiers of the X.2 ia32 ABI (ABI section 1.1).
 *
 * A global ID is thread number [31..14] and version [13..0]; a local ID is
 * the UTCB pointer of a thread in the caller's space ([5..0] = 0).
 * Guarantees: every word is classified without faulting; tid_lookup() maps a
 * global ID to its TCB in O(1) (one multiply-add into the virtually linear
 * TCB array plus a version compare) and answers NULL for anything that does
 * not name an existing thread with exactly that version.
 */
#ifndef CORE_TID_H
#define CORE_TID_H

#include <core/types.h>

typedef word_t tid_t;

/* A view of TCB slots for the global-ID lookup (tid_view_slot, tcb.h):
 * the slot of a thread number is base + (number * TCB_SIZE & slot_mask). */
struct tid_view {
    uintptr_t base;                          /* TCB slot 0 */
    word_t slot_mask;                        /* (slots - 1) * TCB_SIZE */
};

/* The TCB array (tid.c owns it; exposed for the inline lookups in tcb.h). */
struct tid_slots {
    struct tid_view view;                    /* every slot; tid_empty_view() for none */
    word_t nthreads;                         /* slots in the area: 0 or a power of two */
};
extern struct tid_slots tid_slots;

#define TID_NIL          ((tid_t)0x00000000u)
#define TID_ANY          ((tid_t)0xFFFFFFFFu)
#define TID_ANYLOCAL     ((tid_t)0xFFFFFFC0u)
#define TID_VERSION_BITS 14u
#define TID_VERSION_MASK ((1u << TID_VERSION_BITS) - 1u)

/* Thread-number ranges published in KIP.ThreadInfo (ABI 1.1, 3.3). */
#define TID_NUMBER_BITS 16u                    /* significant thread-number bits */
#define TID_MAX_THREADS (1u << TID_NUMBER_BITS)
#define TID_IRQ_LINES   16u                    /* legacy PIC */
#define TID_SYSTEM_BASE TID_IRQ_LINES
#define TID_USER_BASE   (TID_SYSTEM_BASE + 32u)
#define TID_SIGMA0_NO   (TID_USER_BASE + 0u)
#define TID_SIGMA1_NO   (TID_USER_BASE + 1u)
#define TID_ROOT_NO     (TID_USER_BASE + 2u)

static inline bool tid_is_nil(tid_t t) { return t == TID_NIL; }
/* True for thread numbers a user may name as a thread to act on (ABI 1.1:
 * numbers below UserBase are interrupt and kernel threads, reserved). */
static inline bool tid_number_is_user(word_t no) { return no >= TID_USER_BASE; }
/* True for the kernel-thread numbers SystemBase .. UserBase-1 (the idle thread). */
static inline bool tid_number_is_kernel(word_t no)
{
    return no >= TID_SYSTEM_BASE && no < TID_USER_BASE;
}
static inline bool tid_is_global(tid_t t) { return (t & 0x3Fu) != 0; }
static inline bool tid_is_local(tid_t t) { return (t & 0x3Fu) == 0; }
static inline word_t tid_number(tid_t t) { return t >> TID_VERSION_BITS; }
static inline word_t tid_version(tid_t t) { return t & TID_VERSION_MASK; }
static inline tid_t tid_make_global(word_t number, word_t version)
{
    return (number << TID_VERSION_BITS) | (version & TID_VERSION_MASK);
}

/* ---- the TCB area and ID -> TCB lookup (tid.c) -------------------------- */

struct tcb;
struct space;

#define TID_UTCB_SIZE_LOG2 9u                     /* 512-byte UTCBs (ABI 2.1) */
#define TID_UTCB_MR0_OFFSET 256u                  /* local ID = UtcbLocation + 256 */
#define TID_LOCAL_BUCKET_BITS 10u
#define TID_LOCAL_BUCKETS   (1u << TID_LOCAL_BUCKET_BITS)   /* local-ID hash table size */

/* Use `nthreads` TCB slots at `base` (TCB_SIZE-aligned, virtually linear,
 * every slot readable: the global-ID lookup masks the thread number rather
 * than comparing it); forgets every local-ID registration. nthreads is 0
 * or a power of two <= TID_MAX_THREADS. */
void tcb_area_init(void *base, word_t nthreads);

/* The view of one slot that no global ID names (its gid is nilthread):
 * what the area's view is while it has no slots, and what a thread's IPC
 * fast path looks through while it may not use it (tcb.h: fast_view). */
extern struct tcb tid_no_slot;
static inline struct tid_view tid_empty_view(void)
{
    return (struct tid_view){ (uintptr_t)&tid_no_slot, 0 };
}

/* Number of TCB slots of the area (0 before tcb_area_init). */
word_t tcb_area_threads(void);

/* One past the highest thread number a TCB was created with since
 * tcb_area_init (0: none yet). No slot from there on was ever in use, so
 * each reads as a free TCB (kcheck walks no further). */
word_t tcb_area_used(void);

/* tcb_create has just made thread number `no` live (tcb_area_used). */
void tcb_area_note_created(word_t no);

/* The TCB slot of thread number `no` (base + no * TCB_SIZE), NULL when out
 * of range. The slot may be free and, in the kernel, not yet backed. */
struct tcb *tcb_of_number(word_t no);

/* The existing thread named by global ID `gid` (number in range, TCB not
 * free, version equal), else NULL. O(1), reads only the one TCB. */
struct tcb *tid_lookup(tid_t gid);

/* `t` when it is a user thread (number >= UserBase), else NULL (also for
 * NULL): what a system call may take as a space, scheduler, pager, handler
 * or target -- interrupt and kernel threads are reserved (ABI 1.1). */
struct tcb *tid_user_only(struct tcb *t);

/* The active thread of space `s` whose local ID (UTCB pointer) is `local`,
 * else NULL. Uses a kernel-side table only (user writes to UTCBs cannot
 * forge it); O(1) expected (hash of space and UTCB slot). The IPC fast
 * path inlines it (tid_lookup_local_inline, tcb.h). */
struct tcb *tid_lookup_local(const struct space *s, tid_t local);

/* The local ID of `t` (UtcbLocation + 256); TID_NIL when it has no UTCB location. */
tid_t tid_local_of(const struct tcb *t);

/* Register `t` (space and utcb_location set) for tid_lookup_local. Must not
 * be registered. Done by tcb_activate / tcb_set_space. */
void tid_local_register(struct tcb *t);

/* Remove `t` from the local-ID table if registered; a no-op otherwise. */
void tid_local_unregister(struct tcb *t);

/* KIP ThreadInfo word (ABI 3.3): t, SystemBase, UserBase. */
static inline word_t tid_kip_thread_info(void)
{
    return TID_NUMBER_BITS | ((word_t)TID_SYSTEM_BASE << 8) | ((word_t)TID_USER_BASE << 20);
}

#endif
