/*
 * Thread IDs -> TCBs.
 *
 * Design note. TCBs form one virtually linear array: the slot of thread
 * number n is base + n * TCB_SIZE (a shift, no multiply), size-aligned. A
 * global ID is resolved by masking its thread number to the area (a power
 * of two of slots, every one readable: a number beyond it lands on a slot
 * whose thread has another number), one compare of the stored global ID
 * (which contains the version) and one read of the slot's state:
 * tid_lookup() never writes and touches exactly one TCB, so in the kernel an
 * unbacked slot reads as the shared zero page (TS_FREE) and yields NULL.
 *
 * Local IDs (UTCB pointers) are resolved through a kernel-side hash table
 * keyed by (space, UTCB location) with chains through tcb->local_next,
 * each ended by the sentinel tid_local_end (an empty bucket holds it),
 * whose UTCB pointer is of no local ID's form (and whose space is NULL):
 * the inline lookup compares the bucket's first entry with no test for an
 * empty bucket before it. The UTCB itself (MyGlobalId) is never trusted,
 * so user writes cannot make a local ID name a thread of another space or
 * a thread that does not own that UTCB. Guarantees: a registered thread is
 * found exactly by its space and UtcbLocation + 256; an unregistered one
 * never is.
 */
#include <core/kassert.h>
#include <core/space.h>
#include <core/tcb.h>
#include <core/tid.h>

struct tid_slots tid_slots;
struct tcb *tid_local_chains[TID_LOCAL_BUCKETS];
struct tcb tid_local_end = { .utcb_ptr = 1 };   /* (1: not of local form) */

/* The one slot of the empty view (tid_empty_view): all zero, so its gid
 * is nilthread (not global) and its state TS_FREE. */
struct tcb tid_no_slot;

/* tcb_area_used() */
static word_t tid_slots_used;

void tcb_area_init(void *base, word_t nthreads)
{
    kassert(((uintptr_t)base & (TCB_SIZE - 1u)) == 0);
    kassert(nthreads <= TID_MAX_THREADS && (nthreads & (nthreads - 1u)) == 0);
    if (nthreads != 0)
        tid_slots.view = (struct tid_view){ (uintptr_t)base, (nthreads - 1u) << TCB_SIZE_LOG2 };
    else
        tid_slots.view = tid_empty_view();
    tid_slots.nthreads = nthreads;
    tid_slots_used = 0;
    for (unsigned i = 0; i < TID_LOCAL_BUCKETS; i++)
        tid_local_chains[i] = &tid_local_end;
}

word_t tcb_area_threads(void)
{
    return tid_slots.nthreads;
}

word_t tcb_area_used(void)
{
    return tid_slots_used;
}

void tcb_area_note_created(word_t no)
{
    if (no >= tid_slots_used)
        tid_slots_used = no + 1u;
}

struct tcb *tcb_of_number(word_t no)
{
    return tid_slot(no);
}

struct tcb *tid_lookup(tid_t gid)
{
    return tid_lookup_inline(gid);
}

struct tcb *tid_user_only(struct tcb *t)
{
    return t != NULL && tid_number_is_user(tid_number(t->gid)) ? t : NULL;
}

tid_t tid_local_of(const struct tcb *t)
{
    if (t->utcb_location == TCB_NO_UTCB)
        return TID_NIL;
    return tid_utcb_ptr(t);
}

struct tcb *tid_lookup_local(const struct space *s, tid_t local)
{
    return tid_lookup_local_inline(s, local);
}

void tid_local_register(struct tcb *t)
{
    kassert(!t->local_registered);
    kassert(t->space != NULL && t->utcb_location != TCB_NO_UTCB);
    unsigned b = tid_local_bucket(t->space, tid_utcb_ptr(t));
    t->local_next = tid_local_chains[b];
    tid_local_chains[b] = t;
    t->local_registered = true;
}

void tid_local_unregister(struct tcb *t)
{
    if (!t->local_registered)
        return;
    struct tcb **link = &tid_local_chains[tid_local_bucket(t->space, tid_utcb_ptr(t))];
    while (*link != t) {
        kassert(*link != &tid_local_end);
        link = &(*link)->local_next;
    }
    *link = t->local_next;
    t->local_next = NULL;
    t->local_registered = false;
}
