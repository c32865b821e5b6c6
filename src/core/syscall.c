/*
 * System calls: shared helpers, Ipc/Lipc marshalling, Schedule,
 * ThreadSwitch and ProcessorControl (ABI 4.4, 4.5). ThreadControl and
 * ExchangeRegisters live in sys_thread.c, SpaceControl, Unmap and
 * MemoryControl in sys_space.c.
 *
 * Design note. Every sys_<call>() has two halves: a decode half that reads
 * the register block, resolves IDs and checks every word without side
 * effects, answering an X.2 ErrorCode (written to the caller's UTCB, result
 * register 0); and a commit half with no failure paths. Only the registers
 * ABI 4.4 names as outputs of a call are written, so the arch may copy the
 * whole block back into the user frame.
 *
 * Guarantees of this file:
 *  - Schedule: a failing call changes nothing (all four control words are
 *    checked before the first is applied). Outputs EAX = state code of
 *    ABI 1.8 and EDX = old TimeControl as two time periods (remaining
 *    slice [31..16], remaining total quantum [15..0]; Never = unlimited).
 *  - ThreadSwitch changes no register at all.
 *  - Ipc leaves EDI alone and keeps UTCB MR0 equal to the returned ESI.
 *
 * ABI decisions:
 *  - Schedule check order: dest nil (no-op: EAX 0, ErrorCode 0, EDX 0),
 *    dest invalid (2), not dest's scheduler and not privileged (1), then
 *    the control words: PrioControl > 255 (5) or above the caller's own
 *    priority when unprivileged (1); TimeControl halves must be periods and
 *    the time slice must not be zero (5; Never slice = the longest, 2^32-1
 *    µs; Never quantum = unlimited; a zero quantum stops the thread);
 *    ProcessorControl bits [15..0] must be 0 (5; upper bits ignored);
 *    PreemptionControl sensitive priority above the caller's when
 *    unprivileged (1). "Dest's scheduler" means, as in the reference kernel
 *    (ABI 4.5 "checked by ID and address space"), any thread of the
 *    address space of the existing thread tid_lookup(dest->scheduler): a
 *    server may schedule its threads from any of its own threads.
 *  - Schedule EDX out: the *remaining* time slice and the remaining total
 *    quantum (reference semantics) in the specification's encoding (time
 *    periods, rounded down; unlimited = Never); 0 on errors.
 *  - PreemptionControl goes to the thread (sched_set_preemption), whose
 *    delayed preemption the scheduler grants by it (sched_preempt).
 *  - ThreadSwitch resolves local IDs in the caller's space; any thread that
 *    is not runnable behaves like nil, and so does a thread user mode may
 *    not address (sys_user_visible: idle, reserved kernel numbers, an
 *    interrupt thread without a handler): no donation to kernel threads.
 *  - Kernel threads (ABI 1.1: interrupt threads 0..SystemBase-1, kernel
 *    threads SystemBase..UserBase-1, among them our idle thread) are
 *    invisible to Schedule: error 2 "invalid thread", nothing changed, so
 *    their priorities and times never change from user mode. One exception,
 *    as in the reference kernel (l4test "Change priority associated"): an
 *    interrupt thread associated with a handler may be scheduled by a
 *    privileged caller (its scheduler is nil, so only privilege qualifies);
 *    its priority is the priority at which the interrupt IPC is sent.
 *    Dissociation restores the kernel's values (arch, irq.c). An
 *    unassociated interrupt thread is error 2 (reference: "Change priority
 *    unassociated (ok=change failed)").
 *  - The same rule (sys_user_visible) makes those kernel threads no IPC
 *    partners (ipc.c): a send to, or a closed receive from, the idle
 *    thread, a reserved number or an interrupt thread without a handler
 *    fails at once with error 2 "no partner" (ErrorCode 4 / 5) instead of
 *    waiting for a partner that can never come; an associated interrupt
 *    thread is a partner as ABI 5.11 describes. ExchangeRegisters never
 *    reaches any kernel thread (sys_thread.c).
 *  - ProcessorControl: privileged + processor 0 -> 1, no change.
 */
#include <core/kassert.h>
#include <core/kmem.h>
#include <core/msg.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/syscall.h>
#include <core/tid.h>

static struct wakeup_queue *sys_wq;

void sys_init(struct wakeup_queue *wq)
{
    sys_wq = wq;
}

struct wakeup_queue *sys_wakeup_queue(void)
{
    return sys_wq;
}

struct tcb *sys_lookup(const struct tcb *self, tid_t id)
{
    if (id == TID_NIL || id == TID_ANY)
        return NULL;
    if (tid_is_global(id))
        return tid_lookup(id);
    return tid_lookup_local(self->space, id);
}

void sys_set_error(struct tcb *self, word_t err)
{
    kassert(self->utcb != NULL);
    self->utcb[UTCB_ERROR_CODE] = err;
}

/* ---- time periods ----------------------------------------------------- */

bool sys_period_decode(uint16_t tv, uint64_t *us)
{
    if (tv & 0x8000u)
        return false;
    unsigned e = (tv >> 10) & 0x1Fu;
    uint64_t m = tv & 0x3FFu;
    if (m == 0)
        *us = e == 0 ? UINT64_MAX : 0;
    else
        *us = m << e;
    return true;
}

uint16_t sys_period_encode(uint64_t us)
{
    if (us == UINT64_MAX)
        return 0x0000u;                 /* Never */
    if (us == 0)
        return 0x0400u;                 /* ZeroTime */
    unsigned e = 0;
    while (us >= 1024u && e < 31u) {
        us >>= 1;
        e++;
    }
    if (us >= 1024u)
        us = 1023u;                     /* longer than any period: the longest */
    return (uint16_t)((e << 10) | (unsigned)us);
}

/* ---- Ipc / Lipc --------------------------------------------------------- */

enum ipc_outcome sys_ipc(struct tcb *self, struct sys_regs *r)
{
    self->utcb[0] = r->esi;
    return ipc_invoke(self, r->eax, r->edx, r->ecx);
}

void sys_ipc_finish(struct tcb *self, struct sys_regs *r)
{
    r->eax = ipc_result_from(self);
    r->esi = ipc_result_tag(self);
    r->ebx = self->utcb[1];
    r->ebp = self->utcb[2];
}

/* ---- ThreadSwitch ------------------------------------------------------- */

void sys_thread_switch(struct tcb *self, struct sys_regs *r)
{
    struct tcb *to = sys_lookup(self, r->eax);
    if (to == self)
        return;
    if (to == NULL || !sys_user_visible(to))
        sched_yield_slice();
    else
        sched_donate(to);               /* not runnable: behaves like a yield */
}

/* ---- ProcessorControl --------------------------------------------------- */

void sys_processor_control(struct tcb *self, struct sys_regs *r)
{
    word_t err = SYS_ERR_OK;
    if (!sys_privileged(self))
        err = SYS_ERR_NO_PRIVILEGE;
    else if (r->eax != 0)
        err = SYS_ERR_INVALID_PARAM;    /* only processor 0 exists */
    if (err != SYS_ERR_OK)
        sys_set_error(self, err);
    r->eax = err == SYS_ERR_OK;
}

/* ---- Schedule ----------------------------------------------------------- */

#define SYS_NO_CHANGE 0xFFFFFFFFu

/* What a valid Schedule call will change. */
struct sched_request {
    bool set_prio, set_slice, set_quantum, set_preempt;
    uint8_t prio;
    word_t slice_us;
    uint64_t quantum_us;
    word_t preempt;
};

/* Decode TimeControl `tc` into `q`; an X.2 error code. */
static word_t sched_decode_time(word_t tc, struct sched_request *q)
{
    uint64_t slice, quantum;
    if (tc == SYS_NO_CHANGE)
        return SYS_ERR_OK;
    if (!sys_period_decode((uint16_t)(tc >> 16), &slice) ||
        !sys_period_decode((uint16_t)tc, &quantum) || slice == 0)
        return SYS_ERR_INVALID_PARAM;
    q->set_slice = q->set_quantum = true;
    q->slice_us = slice > 0xFFFFFFFFu ? 0xFFFFFFFFu : (word_t)slice;   /* Never: longest */
    q->quantum_us = quantum == UINT64_MAX ? TCB_QUANTUM_UNLIMITED : quantum;
    return SYS_ERR_OK;
}

/* Check every control word of a Schedule call by `self`; an X.2 error code. */
static word_t sched_decode(const struct tcb *self, const struct sys_regs *r, struct sched_request *q)
{
    bool priv = sys_privileged(self);
    word_t prio = r->ecx, proc = r->esi, pre = r->edi;
    *q = (struct sched_request){ 0 };
    if (prio != SYS_NO_CHANGE) {
        if (prio > 255u)
            return SYS_ERR_INVALID_PARAM;
        if (prio > self->prio && !priv)
            return SYS_ERR_NO_PRIVILEGE;
        q->set_prio = true;
        q->prio = (uint8_t)prio;
    }
    word_t err = sched_decode_time(r->edx, q);
    if (err != SYS_ERR_OK)
        return err;
    if (proc != SYS_NO_CHANGE && (proc & 0xFFFFu) != 0)
        return SYS_ERR_INVALID_PARAM;   /* only processor 0 exists */
    if (pre != SYS_NO_CHANGE) {
        if (((pre >> 16) & 0xFFu) > self->prio && !priv)
            return SYS_ERR_NO_PRIVILEGE;
        q->set_preempt = true;
        q->preempt = pre & 0x00FFFFFFu;
    }
    return SYS_ERR_OK;
}

/* True when `self` may schedule `t`: privileged, or in the space of t's
 * (existing) scheduler. */
static bool sched_allowed(const struct tcb *self, const struct tcb *t)
{
    struct tcb *sched = tid_lookup(t->scheduler);
    return sys_privileged(self) || (sched != NULL && sched->space == self->space);
}

/* Old TimeControl of `t`: remaining slice and remaining total quantum. */
static word_t sched_old_time(const struct tcb *t)
{
    uint64_t q = t->quantum_us == TCB_QUANTUM_UNLIMITED ? UINT64_MAX : t->quantum_us;
    return ((word_t)sys_period_encode(t->remaining_us) << 16) | sys_period_encode(q);
}

void sys_schedule(struct tcb *self, struct sys_regs *r)
{
    struct sched_request q;
    struct tcb *t = NULL;
    word_t err = SYS_ERR_OK;
    if (r->eax == TID_NIL)
        err = SYS_ERR_OK;                                   /* no-op, result 0 */
    else if ((t = sys_lookup(self, r->eax)) == NULL || !sys_user_visible(t))
        err = SYS_ERR_INVALID_THREAD;                       /* kernel threads included */
    else if (!sched_allowed(self, t))
        err = SYS_ERR_NO_PRIVILEGE;
    else
        err = sched_decode(self, r, &q);
    if (t == NULL || err != SYS_ERR_OK) {
        sys_set_error(self, err);
        r->eax = 0;
        r->edx = 0;
        return;
    }
    /* POINT OF NO RETURN */
    r->edx = sched_old_time(t);
    if (q.set_slice)
        sched_set_timeslice(t, q.slice_us);
    if (q.set_quantum)
        sched_set_quantum(t, q.quantum_us);
    if (q.set_prio)
        sched_set_priority(t, q.prio);
    if (q.set_preempt)
        sched_set_preemption(t, q.preempt);
    r->eax = tcb_schedule_state(t);
}
