/*
 * Thread control blocks: creation, activation, deletion, state codes.
 *
 * Design note. A TCB slot is found from the thread number alone (tid.c);
 * this module gives a slot its life cycle. tcb_create() validates the ID
 * and the slot before anything is changed, then backs the slot
 * (arch_tcb_alloc, which also zeroes it) and fills in the X.2 defaults.
 * tcb_delete() leaves no trace of the thread in any kernel queue it owns or
 * knows of: the ready queue, the wakeup queue, the local-ID table and the
 * other threads' local-ID hints (which, like a migration, it drops by a
 * walk over the TCB slots: a hint names a thread of its owner's space); the
 * IPC module must have cancelled the thread's IPC before (documented call
 * order in tcb.h), and then returns the slot's memory (arch_tcb_free), so
 * that create/delete cycles over fresh thread numbers never drain the
 * kernel pool; a freed slot reads as TS_FREE, so ID lookups stay safe. Every created thread is counted in its space's
 * thread_count and every deleted or migrated one is taken off it.
 *
 * The kernel stack of a thread lives in the same TCB_SIZE block above the
 * structure, so tcb_from_sp() (tcb.h) finds the current TCB from any kernel
 * stack address.
 */
#include <core/fpage.h>
#include <core/kassert.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/tcb.h>
#include <core/tid.h>
#include <core/wakeup.h>

/* Word index of MyGlobalId relative to the UTCB pointer (ABI 2.2). */
#define TCB_UTCB_MY_GLOBAL_ID (-15)

/* Check that `gid` may name a new thread; TCB_OK or an X.2 error code. */
static word_t tcb_check_new(tid_t gid, struct tcb **slot)
{
    if (!tid_is_global(gid) || gid == TID_ANY)
        return TCB_ERR_INVALID_THREAD;
    *slot = tcb_of_number(tid_number(gid));
    if (*slot == NULL || (*slot)->state != TS_FREE)
        return TCB_ERR_INVALID_THREAD;
    return TCB_OK;
}

/* Give the freshly backed slot `t` its identity and the X.2 defaults. */
static void tcb_init_fields(struct tcb *t, tid_t gid, struct space *space, tid_t scheduler)
{
    t->gid = gid;
    t->state = TS_INACTIVE;
    t->halted = false;
    t->space = space;
    arch_tcb_space_changed(t);
    tcb_set_utcb_location(t, TCB_NO_UTCB);
    t->utcb = NULL;
    t->scheduler = scheduler;
    t->ready_next = t->ready_prev = NULL;
    t->in_ready_queue = false;
    t->prio = TCB_DEFAULT_PRIO;
    t->timeslice_us = TCB_DEFAULT_TIMESLICE;
    t->remaining_us = TCB_DEFAULT_TIMESLICE;
    t->quantum_us = TCB_QUANTUM_UNLIMITED;
    t->quantum_out = false;
    t->local_next = NULL;
    t->local_registered = false;
    t->local_hint = &tid_local_end;
    ipc_queue_init(&t->ipc.sendq);
    tcb_fast_view_refresh(t);
}

word_t tcb_create(tid_t gid, struct space *space, tid_t scheduler, struct tcb **out)
{
    kassert(space != NULL);
    struct tcb *t = NULL;
    word_t err = tcb_check_new(gid, &t);
    if (err != TCB_OK)
        return err;
    if (!arch_tcb_alloc(t))
        return TCB_ERR_NO_MEMORY;
    /* POINT OF NO RETURN */
    tcb_init_fields(t, gid, space, scheduler);
    tcb_area_note_created(tid_number(gid));
    space->thread_count++;
    *out = t;
    return TCB_OK;
}

bool tcb_utcb_location_valid(const struct space *s, word_t loc)
{
    fpage_t area = s->utcb_area;
    if (area == 0 || fpage_is_io(area) || (loc & ((1u << TID_UTCB_SIZE_LOG2) - 1u)) != 0)
        return false;
    uint64_t start = fpage_base(area);
    uint64_t end = start + fpage_size(area);
    return loc >= start && (uint64_t)loc + (1u << TID_UTCB_SIZE_LOG2) <= end;
}

void tcb_activate(struct tcb *t, word_t utcb_location, word_t *utcb)
{
    kassert(t->state == TS_INACTIVE && !tcb_is_active(t));
    kassert(utcb != NULL && (utcb_location & ((1u << TID_UTCB_SIZE_LOG2) - 1u)) == 0);
    tcb_set_utcb_location(t, utcb_location);
    t->utcb = utcb;
    t->utcb[TCB_UTCB_MY_GLOBAL_ID] = t->gid;
    tid_local_register(t);
}

void tcb_set_version(struct tcb *t, tid_t gid)
{
    kassert(tid_number(gid) == tid_number(t->gid) && tid_is_global(gid));
    t->gid = gid;
    if (tcb_is_active(t))
        t->utcb[TCB_UTCB_MY_GLOBAL_ID] = gid;
}

/* No thread's local-ID hint names `t` any more, which leaves its space
 * (tcb.h: a hint names a thread of its owner's space). A walk over the
 * TCB slots, in the privileged ThreadControl; a freed or never used slot
 * reads as the zero page, whose hint names nobody. */
static void tcb_local_hints_drop(const struct tcb *t)
{
    for (word_t no = 0, used = tcb_area_used(); no < used; no++) {
        struct tcb *w = tcb_of_number(no);
        if (w->local_hint == t)
            w->local_hint = &tid_local_end;
    }
}

bool tcb_set_space(struct tcb *t, struct space *to)
{
    kassert(to != NULL && t->space != NULL && t->space->thread_count > 0);
    struct space *from = t->space;
    if (from == to)
        return false;
    tcb_local_hints_drop(t);
    t->local_hint = &tid_local_end;
    bool registered = t->local_registered;
    tid_local_unregister(t);
    from->thread_count--;
    to->thread_count++;
    t->space = to;
    arch_tcb_space_changed(t);
    tcb_fast_view_refresh(t);
    if (registered)
        tid_local_register(t);
    return from->thread_count == 0;
}

struct tid_view tcb_fast_view_of(const struct tcb *t)
{
    if (ipc_queue_empty(&t->ipc.sendq) && t->space->redirector == TID_ANY)
        return tid_slots.view;
    return tid_empty_view();
}

void tcb_fast_view_refresh(struct tcb *t)
{
    t->fast_view = tcb_fast_view_of(t);
    t->global_hint = &tid_no_slot;
}

void tcb_space_redirect(struct space *s, tid_t redirector)
{
    s->redirector = redirector;
    for (word_t no = 0, used = tcb_area_used(); no < used; no++) {
        struct tcb *t = tcb_of_number(no);
        if (t->state != TS_FREE && t->space == s)
            tcb_fast_view_refresh(t);
    }
}

bool tcb_delete(struct tcb *t, struct wakeup_queue *wq)
{
    kassert(t->state != TS_FREE && t != arch_current() && t != sched_idle());
    kassert(t->space != NULL && t->space->thread_count > 0);
    kassert(wq != NULL || !wakeup_queued(&t->wakeup));
    sched_remove(t);
    if (wakeup_queued(&t->wakeup))
        wakeup_remove(wq, &t->wakeup);
    tid_local_unregister(t);
    tcb_local_hints_drop(t);
    struct space *s = t->space;
    s->thread_count--;
    t->state = TS_FREE;
    t->gid = TID_NIL;
    t->halted = false;
    t->space = NULL;
    t->utcb = NULL;
    tcb_set_utcb_location(t, TCB_NO_UTCB);
    arch_tcb_free(t);
    return s->thread_count == 0;
}

word_t tcb_schedule_state(const struct tcb *t)
{
    switch (t->state) {
    case TS_FREE:      return 0;
    case TS_DEAD:      return TCB_SCHED_DEAD;
    default:           break;
    }
    if (t->halted || t->state == TS_INACTIVE)
        return TCB_SCHED_INACTIVE;
    switch (t->state) {
    case TS_SEND_WAIT: return TCB_SCHED_PENDING_SEND;
    case TS_SENDING:   return TCB_SCHED_SENDING;
    case TS_RECV_WAIT: return TCB_SCHED_WAITING;
    case TS_RECEIVING: return TCB_SCHED_RECEIVING;
    default:           return TCB_SCHED_RUNNING;
    }
}

word_t tcb_exreg_state(const struct tcb *t)
{
    word_t bits = t->halted ? TCB_EXREG_HALTED : 0;
    if (t->state == TS_RECV_WAIT || t->state == TS_RECEIVING)
        bits |= TCB_EXREG_RECV;
    if (t->state == TS_SEND_WAIT || t->state == TS_SENDING)
        bits |= TCB_EXREG_SEND;
    return bits;
}
