/*
 * The kernel invariant checker (core/check.h).
 *
 * Design note. kcheck_all() reads the state of every module through their
 * headers and inspection functions and never writes it. What it checks:
 *
 *  - Scheduler: the ready bitmap (both levels) equals queue occupancy; each
 *    ready queue is a closed circle of live, non-idle threads of that
 *    priority marked in_ready_queue, and every thread so marked is in
 *    exactly one circle (the marked count equals the circles' total); every
 *    runnable thread is queued (lazy dispatching may leave non-runnable ones
 *    queued, never the reverse).
 *  - IPC queues: every send queue holds only threads in TS_SEND_WAIT whose
 *    partner is the queue's owner; every live thread's send queue is an
 *    initialised circle whose links agree both ways and close at the
 *    queue's ends; each thread's q_on names the queue that holds it, which
 *    its state demands (SEND_WAIT: its partner's send queue; otherwise
 *    none, with NULL links), so each thread is linked at most once; a
 *    closed receiver (in no queue) waits for a live thread, the one whose
 *    number its FromSpecifier names when that is a global ID; every thread's fast
 *    view is the TCB area's exactly while its send queue is empty and
 *    its space has no redirector (tcb_fast_view_of).
 *  - The run word: its spare byte is zero; the idle thread is in no IPC
 *    (the fast path's receiver test relies on both).
 *  - Transfers: a thread whose (outer) state is TS_SENDING / TS_RECEIVING
 *    has a live partner that names it back in the complementary state, and
 *    the string cursors of the transfer point into the UTCBs of the two
 *    partners (a cursor into a UTCB that is gone is a use after free); a
 *    saved (nested pagefault) state exists only during an IPC.
 *  - Timeouts: the IPC wakeup queue is intact (wakeup_check) and holds
 *    only nodes embedded in live TCBs, each once; only a thread blocked in
 *    IPC (not the receiving side of a transfer) has a timer queued.
 *  - Threads and spaces: a live thread's number and global ID agree and
 *    find it; an active one is found by its local ID and its UTCB lies in
 *    its space's UTCB area, an inactive one has no local ID; its space is a
 *    live space object, or the idle thread's kernel space, which holds no
 *    user threads (kernel threads there have kernel UTCBs) and never gets
 *    KIP or UTCB areas; what the machine part of a thread keeps of its
 *    space agrees with it (arch_tcb_space_agrees: in the kernel, the page
 *    directory every switch loads); every space's thread_count is exact and every
 *    allocated space has threads (their number equals space_count()); no
 *    two spaces share that machine root (arch_space_shares_root: the
 *    fast path tells spaces apart by their page directories); a free slot
 *    is linked nowhere.
 *  - Memory: mdb_check() (every mapping tree against the page tables) and
 *    the bookkeeping of every kmem cache (spaces, mapnodes, root tables).
 *
 * The walk over the TCB slots stops at tcb_area_used(): a slot no thread
 * was ever created in cannot have changed (in the kernel it is the
 * read-only zero page), so the pass costs O(threads ever numbered), not
 * O(area), and a debug kernel can afford it at every system call.
 *
 * "Live TCB" means a TCB slot of the area with a state other than TS_FREE:
 * a pointer to anything else in a queue is a reference to a freed object.
 * Every walk is bounded by the number of TCB slots, so a corrupted
 * (cyclic) list ends the check with a violation instead of hanging.
 */
#include <core/check.h>
#include <core/ipc.h>
#include <core/kassert.h>
#include <core/kmem.h>
#include <core/kprintf.h>
#include <core/mdb.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/tcb.h>
#include <core/tid.h>
#include <core/wakeup.h>

/* Distinct spaces one pass can count (more is reported as a violation). */
#define KCHECK_SPACES 4096u
/* UTCB view of a thread: words -64..63 around MR0. */
#define KCHECK_UTCB_WORDS 64

static struct {
    unsigned bad;
    const char *first;
    word_t first_no;
    struct tcb *base;          /* TCB slot 0 */
    word_t nthreads;           /* TCB slots */
    const struct tcb *idle;
} kc;

static struct {
    const struct space *space;
    word_t threads;
} kc_spaces[KCHECK_SPACES];

/* ---- recording ----------------------------------------------------------- */

/* Thread number of slot `t` (KCHECK_NO_THREAD for NULL). */
static word_t kcheck_no(const struct tcb *t)
{
    if (t == NULL)
        return KCHECK_NO_THREAD;
    return (word_t)(((uintptr_t)t - (uintptr_t)kc.base) >> TCB_SIZE_LOG2);
}

/* Record violation `what` concerning thread `t` (may be NULL). */
static void kcheck_fail(const char *what, const struct tcb *t)
{
    if (kc.bad++ == 0) {
        kc.first = what;
        kc.first_no = kcheck_no(t);
    }
}

/* Record `what` unless `ok`; returns `ok`. */
static bool kcheck(bool ok, const char *what, const struct tcb *t)
{
    if (!ok)
        kcheck_fail(what, t);
    return ok;
}

const char *kcheck_first(void) { return kc.first; }
word_t kcheck_first_thread(void) { return kc.first_no; }

/* ---- object validity ---------------------------------------------------- */

/* True when `p` is the start of a TCB slot of the area. */
static bool kcheck_is_slot(const void *p)
{
    uintptr_t off = (uintptr_t)p - (uintptr_t)kc.base;     /* wraps for p below the area */
    return (off >> TCB_SIZE_LOG2 < kc.nthreads) & ((off & (TCB_SIZE - 1u)) == 0);
}

/* True when `t` is a TCB slot holding a thread (not freed). */
static bool kcheck_live(const struct tcb *t)
{
    return kcheck_is_slot(t) && t->state != TS_FREE;          /* NULL is no slot */
}

/* The live thread whose IPC send queue is `q`, else NULL. */
static struct tcb *kcheck_queue_owner(const struct ipc_queue *q)
{
    struct tcb *o = tcb_from_sp((uintptr_t)q);
    return q == &o->ipc.sendq && kcheck_live(o) ? o : NULL;
}

/* The live thread whose embedded wakeup node is `n`, else NULL. */
static struct tcb *kcheck_node_owner(const struct wakeup_node *n)
{
    struct tcb *o = tcb_from_sp((uintptr_t)n);
    return &o->wakeup == n && kcheck_live(o) ? o : NULL;
}

/* True when `w` points into the UTCB view of live thread `t`. */
static bool kcheck_in_utcb(const struct tcb *t, const word_t *w)
{
    uintptr_t span = KCHECK_UTCB_WORDS * sizeof(word_t);
    return (uintptr_t)w - ((uintptr_t)t->utcb - span) < 2u * span;    /* wraps below */
}

/* ---- scheduler ----------------------------------------------------------- */

/* Walk the ready queue of `prio`; returns the threads in it. */
static word_t kcheck_ready_queue(unsigned prio)
{
    struct tcb *head = sched_queue_head((uint8_t)prio);
    bool bit = (sched_bitmap_word(prio >> 5) >> (prio & 31u)) & 1u;
    kcheck(bit == (head != NULL), "ready bitmap differs from the ready queue", head);
    word_t n = 0;
    if (head == NULL)
        return 0;
    struct tcb *prev = head->ready_prev;         /* the tail, if the circle is intact */
    for (struct tcb *t = head; t != NULL; prev = t, t = t->ready_next) {
        if (!kcheck(kcheck_live(t), "freed or foreign thread in a ready queue", prev) ||
            !kcheck(n++ < kc.nthreads, "ready queue does not close", head))
            return n;
        kcheck(t->in_ready_queue & (t->prio == prio) & (t != kc.idle),
               "thread in a ready queue it does not belong to", t);
        kcheck(t->ready_prev == prev, "ready queue back link broken", t);
        if (t->ready_next == head) {
            kcheck(head->ready_prev == t, "ready queue back link broken", head);
            return n;
        }
    }
    kcheck(false, "ready queue does not close", head);
    return n;
}

/* The queues and both bitmap levels; returns the threads queued. */
static word_t kcheck_sched(void)
{
    word_t queued = 0;
    kcheck(!kc.idle->in_ready_queue, "idle thread queued", kc.idle);
    kcheck(!ipc_pending(kc.idle), "idle thread in an IPC", kc.idle);   /* fast path relies on it */
    kcheck((kc.idle->space->kip_area | kc.idle->space->utcb_area) == 0,
           "the kernel's space was given user areas", kc.idle);
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++)
        queued += kcheck_ready_queue(p);
    uint32_t summary = sched_bitmap_word(SCHED_PRIORITIES / 32u);
    for (unsigned i = 0; i < SCHED_PRIORITIES / 32u; i++)
        kcheck(((summary >> i) & 1u) == (sched_bitmap_word(i) != 0), "ready bitmap summary wrong", NULL);
    /* (a summary bit beyond the words would make sched_highest_queued read
     * past the bitmap: the top is compared only with a sane summary) */
    if (kcheck(summary >> (SCHED_PRIORITIES / 32u) == 0, "ready bitmap summary wrong", NULL))
        kcheck(sched_state.top == (summary != 0 ? (unsigned)sched_highest_queued() : 0u),
               "highest ready priority differs from the bitmap", NULL);
    return queued;
}

/* ---- IPC ------------------------------------------------------------------- */

/* Walk the send queue `q` of `owner`: members blocked sending to `owner`. */
static word_t kcheck_ipc_queue(const struct tcb *owner, const struct ipc_queue *q)
{
    word_t n = 0;
    const struct ipc_link *ends = &q->ends, *prev = ends;
    if (!kcheck((ends->next != NULL) & (ends->prev != NULL), "IPC queue not initialised", owner))
        return 0;
    for (const struct ipc_link *l = ends->next; l != ends; prev = l, l = l->next) {
        if (!kcheck(l != NULL, "IPC queue does not end", owner))    /* (a member's NULL link) */
            return n;
        const struct tcb *t = ipc_link_owner(l);
        if (!kcheck(kcheck_live(t), "freed or foreign thread in an IPC queue", owner) ||
            !kcheck(n++ < kc.nthreads, "IPC queue does not end", owner))
            return n;
        kcheck((t->ipc.q_on == q) & (l->prev == prev), "IPC queue links broken", t);
        if (kcheck(t->state == TS_SEND_WAIT, "thread in an IPC queue its state does not call for", t))
            kcheck(t->ipc.partner == owner, "thread in the IPC queue of a thread it does not wait for", t);
    }
    kcheck(ends->prev == prev, "IPC queue tail wrong", owner);
    return n;
}

/* The queue `t`'s own state demands it is in (a sender's partner's send
 * queue, else none): its place must match. A closed receiver, in no
 * queue, waits for a live thread (its partner's deletion fails it:
 * nothing else keeps the pointer from outliving the partner), the one
 * whose number its FromSpecifier names when that is a global ID (only
 * the number: ThreadControl may change the partner's version while it is
 * waited for, and the receiver goes on waiting for that thread). */
static void kcheck_ipc_place(const struct tcb *t)
{
    const struct tcb *p = t->ipc.partner;
    const struct ipc_queue *q = t->ipc.q_on;
    if (q != NULL)
        kcheck(kcheck_queue_owner(q) != NULL, "thread queued on a freed thread or on no queue", t);
    if (t->state == TS_SEND_WAIT) {
        bool at = p != NULL && q == &p->ipc.sendq;
        kcheck(kcheck_live(p) & at, "sending thread not in its partner's send queue", t);
    } else {
        kcheck(q == NULL, "thread in an IPC queue its state does not call for", t);
        if (t->state == TS_RECV_WAIT && p != NULL &&
            kcheck(kcheck_live(p), "closed receiver waits for a freed thread", t))
            kcheck(!tid_is_global(t->ipc.from_spec) || tid_number(p->gid) == tid_number(t->ipc.from_spec),
                   "closed receiver waits for another thread than it named", t);
    }
    kcheck(t->ipc.q_on != NULL || (t->ipc.q_link.next == NULL && t->ipc.q_link.prev == NULL),
           "IPC queue links of a thread in no queue", t);
}

/* The partner and the string cursors of the transfer `t` takes part in. */
static void kcheck_transfer(const struct tcb *t, uint8_t outer)
{
    const struct ipc_state *st = &t->ipc;
    const struct tcb *p = t->ipc_nested ? st->saved.xfer_partner : st->xfer_partner;
    bool in_xfer = outer == TS_SENDING || outer == TS_RECEIVING;
    kcheck(!t->ipc_nested | ipc_pending(t), "nested IPC state outside an IPC", t);
    if (!in_xfer) {
        kcheck(p == NULL, "transfer partner kept after the transfer", t);
        return;
    }
    if (!kcheck(kcheck_live(p), "transfer partner freed", t))
        return;
    const struct ipc_state *ps = &p->ipc;
    uint8_t want = outer == TS_SENDING ? TS_RECEIVING : TS_SENDING;
    kcheck(((p->ipc_nested ? ps->saved.xfer_partner : ps->xfer_partner) == t) &
           (ipc_thread_state(p) == want), "transfer partners disagree", t);
    const struct ipc_xfer *x = t->ipc_nested ? &st->saved.xfer : &st->xfer;
    if (outer != TS_SENDING)
        return;
    /* only a fault in a string copy suspends a transfer (sender's side) */
    kcheck(x->in_string, "suspended transfer outside a string", t);
    bool src_ok = kcheck_in_utcb(t, x->src.s.w), dst_ok = kcheck_in_utcb(p, x->dst.s.w);
    kcheck(src_ok & dst_ok, "string transfer points outside the partners' UTCBs", t);
}

/* Which threads may have a timer queued. */
static void kcheck_timer(const struct tcb *t, uint8_t outer)
{
    kcheck(!t->timer_live | wakeup_queued(&t->wakeup), "running timer not queued", t);
    if (!t->timer_live)
        return;                    /* a stale node may stay queued (lazy timers) */
    bool xfer_timed = t->ipc_nested ? t->ipc.saved.xfer_timed : t->ipc.xfer_timed;
    kcheck(ipc_pending(t) & (outer != TS_RECEIVING) & ((outer != TS_SENDING) | xfer_timed),
           "timer queued for a thread not waiting in IPC", t);
}

/* The fast view of live thread `t` is the one its send queue and its
 * space's redirector give (only with a space to read: a freed one is
 * reported elsewhere). */
static void kcheck_fast_view(const struct tcb *t)
{
    if (t->space != kc.idle->space && !space_live(t->space))
        return;
    struct tid_view v = tcb_fast_view_of(t);
    kcheck((t->fast_view.base == v.base) & (t->fast_view.slot_mask == v.slot_mask),
           "fast view not the one its send queue and redirector give", t);
}

/* The IPC state of live thread `t`; returns the members of its send queue. */
static word_t kcheck_ipc(const struct tcb *t)
{
    uint8_t outer = ipc_thread_state(t);
    kcheck_fast_view(t);
    kcheck_ipc_place(t);
    kcheck_transfer(t, outer);
    kcheck_timer(t, outer);
    return kcheck_ipc_queue(t, &t->ipc.sendq);
}

/* Walk the lists of the IPC wakeup queue; returns the nodes found. */
static word_t kcheck_wakeup(void)
{
    struct wakeup_queue *q = ipc_wakeup_queue();
    if (!kcheck(wakeup_check(q), "wakeup queue inconsistent", NULL))
        return 0;
    word_t n = 0;
    for (unsigned c = WAKEUP_SOON; c <= WAKEUP_DUE; c++) {
        const struct wakeup_node *w = NULL;
        while ((w = wakeup_list_next(q, (enum wakeup_class)c, w)) != NULL) {
            if (!kcheck(kcheck_node_owner(w) != NULL, "wakeup node of a freed or foreign thread", NULL))
                return n;
            n++;
        }
    }
    return n;
}

/* ---- threads and spaces ------------------------------------------------------ */

/* Count `t` for its space. */
static void kcheck_space_count(const struct tcb *t, unsigned *nspaces)
{
    for (unsigned i = 0; i < *nspaces; i++) {
        if (kc_spaces[i].space == t->space) {
            kc_spaces[i].threads++;
            return;
        }
    }
    if (!kcheck(*nspaces < KCHECK_SPACES, "more spaces than the checker can count", t))
        return;
    kc_spaces[*nspaces].space = t->space;
    kc_spaces[*nspaces].threads = 1;
    (*nspaces)++;
}

/* Identity, UTCB and space of live thread `t`. */
static void kcheck_thread(const struct tcb *t, word_t no)
{
    bool kernel_space = t->space == kc.idle->space;
    bool found = tid_lookup(t->gid) == t;
    kcheck(t->quantum_out == (t->quantum_us == 0), "quantum flag differs from the quantum", t);
    kcheck(t->utcb_ptr == t->utcb_location + TID_UTCB_MR0_OFFSET, "UTCB pointer differs from the UTCB location",
           t);
    kcheck((tid_number(t->gid) == no) & found, "thread not found by its global ID", t);
    /* (space_live reads the page around a kmem object: never ask it about
     * the kernel's space, which is no such object) */
    kcheck(kernel_space || space_live(t->space), "thread in a freed space", t);
    kcheck(arch_tcb_space_agrees(t), "machine state of the thread not of its space", t);
    /* (the fast path trusts the hint to be of t's space: tcb.h) */
    const struct tcb *h = t->local_hint;
    kcheck(h == &tid_local_end || (kcheck_live(h) && h->space == t->space),
           "local-ID hint neither a thread of its space nor the sentinel", t);
    kcheck(h == &tid_local_end || ipc_queue_empty(&t->ipc.sendq), "local-ID hint kept with a sender queued", t);
    /* (and the global-ID hint to be a slot of the area, and none while its
     * view is empty: tcb.h) */
    uintptr_t g = (uintptr_t)t->global_hint - tid_slots.view.base;
    bool g_slot = g % TCB_SIZE == 0 && g / TCB_SIZE < tcb_area_threads();
    kcheck(t->global_hint == &tid_no_slot || (g_slot && t->fast_view.base == tid_slots.view.base),
           "global-ID hint neither a TCB slot under a full view nor none", t);
    if (kernel_space) {            /* kernel and interrupt threads: kernel UTCBs, no local IDs */
        kcheck(no < TID_USER_BASE, "user thread in the kernel's space", t);
        return;
    }
    if (t->utcb == NULL) {
        kcheck(!t->local_registered, "inactive thread has a local ID", t);
        return;
    }
    kcheck(t->local_registered & (tid_lookup_local(t->space, tid_local_of(t)) == t),
           "thread not found by its local ID", t);
    kcheck(tcb_utcb_location_valid(t->space, t->utcb_location), "UTCB outside its space's UTCB area", t);
}

/* A free slot must be linked nowhere. */
static void kcheck_free_slot(const struct tcb *t)
{
    bool unlinked = (t->gid == TID_NIL) & (t->space == NULL) & (t->utcb == NULL) & !t->local_registered &
                    !t->in_ready_queue & !wakeup_queued(&t->wakeup) & (t->ipc.q_on == NULL) &
                    (t->ipc.sendq.ends.next == NULL);
    kcheck(unlinked, "freed thread still linked", t);
}

/* Thread counts of the spaces against space_count(); one page directory
 * per space. */
static void kcheck_spaces(unsigned nspaces)
{
    unsigned live = 0;
    for (unsigned i = 0; i < nspaces; i++) {
        kcheck(kc_spaces[i].space->thread_count == kc_spaces[i].threads, "space thread count wrong", NULL);
        live += kc_spaces[i].space != kc.idle->space && space_live(kc_spaces[i].space);
    }
    kcheck(live == space_count(), "space without threads", NULL);
    for (unsigned i = 0; i < nspaces; i++)
        for (unsigned j = i + 1; j < nspaces; j++)
            kcheck(!arch_space_shares_root(kc_spaces[i].space, kc_spaces[j].space),
                   "two spaces with one page directory", NULL);
}

unsigned kcheck_all(void)
{
    kc.bad = 0;
    kc.first = NULL;
    kc.first_no = KCHECK_NO_THREAD;
    kc.base = tcb_of_number(0);
    kc.nthreads = tcb_area_threads();
    kc.idle = sched_idle();
    word_t queued = kcheck_sched(), marked = 0, ipc_members = 0, ipc_linked = 0, timers = 0;
    unsigned nspaces = 0;
    /* (slots from tcb_area_used() on were never in use: each reads as free) */
    for (word_t no = 0; no < tcb_area_used(); no++) {
        const struct tcb *t = tcb_of_number(no);
        if (t->state == TS_FREE) {
            kcheck_free_slot(t);
            continue;
        }
        kcheck(t->state <= TS_DEAD, "thread state out of range", t);
        kcheck(!sched_runnable(t) | t->in_ready_queue, "runnable thread not queued", t);
        marked += t->in_ready_queue;
        ipc_linked += t->ipc.q_on != NULL;
        timers += wakeup_queued(&t->wakeup);
        kcheck_thread(t, no);
        ipc_members += kcheck_ipc(t);
        kcheck_space_count(t, &nspaces);
    }
    kcheck(queued == marked, "thread marked queued but not in its ready queue", NULL);
    kcheck(ipc_members == ipc_linked, "thread in more or fewer IPC queues than it says", NULL);
    kcheck(kcheck_wakeup() == timers, "wakeup node linked not exactly once", NULL);
    kcheck_spaces(nspaces);
    kcheck(mdb_check() == 0, "mapping database inconsistent", NULL);
    kcheck((mdb_pool_check() | space_pool_check()) == 0, "kernel memory pool accounting wrong", NULL);
    return kc.bad;
}

void kcheck_after_syscall(void)
{
    kcheck_all();
    /* (between user mode and the kernel: every exit consumed its
     * reschedule request; sched_handoff_behind relies on it) */
    kcheck(!sched_resched_pending(), "reschedule request left for user mode", NULL);
    if (kc.bad == 0)
        return;
    kprintf("kcheck: %u violations; first: %s (thread %u)\n", kc.bad, kc.first, (unsigned)kc.first_no);
    kpanic("kernel invariant violated");
}
