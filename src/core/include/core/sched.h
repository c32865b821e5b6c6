/*
 * Scheduler and dispatcher: 256 priorities (higher runs first), O(1)
 * highest-priority lookup through a two-level bitmap, round-robin time
 * slices, lazy dispatching (a thread that blocks stays in its ready queue
 * until the dispatcher meets it there), ThreadSwitch donation, idle thread.
 *
 * OWNER: sched module. The declarations below are the contract other modules
 * (ipc) rely on; extend, do not break.
 */
#ifndef CORE_SCHED_H
#define CORE_SCHED_H

#include <core/tcb.h>

#define SCHED_PRIORITIES 256u

/* Make `t` (state TS_READY) eligible to run; queues it if not yet queued. */
void sched_make_ready(struct tcb *t);

/* Give up the CPU: run the highest-priority ready thread (or idle). Returns
 * when the caller is dispatched again. The caller sets its own state first. */
void sched_dispatch(void);

/* Switch directly to `to` (ready) if it may preempt the current thread,
 * otherwise just make it ready. Used when IPC unblocks a partner. */
void sched_wake(struct tcb *to);

#endif
