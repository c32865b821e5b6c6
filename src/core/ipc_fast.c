/*
 * The IPC fast path (ABI 5.1-5.3): short IPC to a waiting receiver.
 *
 * Design note. What this module guarantees:
 *
 *  - ipc_fastpath() either changes nothing and answers false (the caller
 *    then runs the general path, ipc_invoke), or it performs the whole Ipc
 *    system call and leaves every thread, IPC queue, timer, UTCB word and
 *    the scheduler in exactly the state ipc_invoke() would have left from
 *    the same starting state (byte for byte in the TCBs: the host test
 *    test_ipc_fast compares both paths on many random states).
 *
 *  - It handles the common case of the general path's send_phase ->
 *    xfer_start -> xfer_complete -> after_send -> recv_phase chain with
 *    every branch decided in advance: a send phase to an existing thread
 *    (global or own-space local ID) that is blocked in a receive accepting
 *    the caller (open, anylocal from the same space, or closed on it), not
 *    halted, not in a nested pagefault IPC (these three are one compare of
 *    the TCB's run word, tcb_run_word), with or without a receive timeout
 *    (the run word's timer_live: a second compare; the delivery stops it
 *    with the store that makes the receiver ready, lazy timers); an untyped
 *    message of at most IPC_FAST_MAX_UNTYPED words with no flags; then
 *    either no receive phase, or a receive phase (anythread, anylocalthread
 *    or closed on the destination) and no sender queued on the caller, so
 *    that it blocks without a timer; either way with receive timeout Never
 *    (tested first and alone: it is the general path's most common reason,
 *    and a send-only call from an X.2 library passes Never there). A caller
 *    whose space has a redirector (ABI 5.7) takes the general path for a
 *    message to a global ID, which the general path may redirect (one
 *    within the space is never redirected, but only a local ID finds it
 *    fast then). The global-ID lookup goes through the caller's view of
 *    the TCB area (tcb.h: fast_view), which is empty while a sender is
 *    queued on the caller or its space has a redirector, so that neither
 *    costs a test of its own there (a send-only call with senders queued
 *    declines too); before it, the caller's global-ID hint (tcb.h), the
 *    slot its last fast send by global ID found, is taken when its gid is
 *    the destination: it is none while the view is empty, and a slot's
 *    gid names the thread the lookup would find (a freed slot reads as
 *    nilthread), so the hint needs no walk when a thread goes. The
 *    local-ID hint (tcb.h) is the sentinel while a
 *    sender is queued, so only a miss of it tests the sender queue.
 *
 *  - The scheduler ends as on the general path: without a receive phase
 *    the receiver and then the caller are made ready (sched_make_ready;
 *    the caller must be queued, as every thread running in user mode is,
 *    so that its part is one store); a caller now blocked in its receive
 *    phase hands the CPU on with sched_handoff(), which equals making the
 *    receiver ready and then the dispatch the system-call layer runs
 *    after ipc_invoke() answered IPC_BLOCKED (a second dispatch there
 *    finds nothing to change), and switches straight to the receiver in
 *    the common case of equal priorities with the caller heading the
 *    highest non-empty ready queue (sched_state.top) and the receiver
 *    right behind it (sched_handoff_behind, inline; when the two are not
 *    yet such a pair, sched_handoff_by makes them one). The switch itself is the caller's
 *    `switch_fn`: arch_switch_to here (host tests, the `int` entry), the
 *    x86 sysenter entry's variant that leaves through the receiver's frame
 *    when it can (src/arch/x86/syscall.c); both end in the same state.
 *
 *  - The From the receiver gets is the caller's local ID when both share a
 *    space, else its global ID (ipc_from_id, as on the general path). A
 *    caller that blocks leaves it to its switch to give (struct
 *    fast_switches), which in the kernel's sysenter entry hands it
 *    straight to the receiver's exit; the field, which only that exit
 *    reads, is then not stored at all.
 *
 *  - Cost: the checks are ordered cheapest first and read each TCB word
 *    once; both ID lookups are inline (the global-ID hint's gid compared,
 *    then tid_view_slot in the caller's
 *    fast view: the thread number masked to the TCB area, no range
 *    compare, its gid compared;
 *    the local-ID hash chain, tid_lookup_local_inline, after the caller's
 *    local-ID hint, the thread it last sent to by a local ID, always one
 *    of its space (tcb.h), so that one compare of its UTCB pointer
 *    suffices); no kassert, no
 *    arch_current(), one
 *    `rep movsl` for MR0 and the words. The kernel has one copy of the
 *    path per call shape (fast_try_as: call or reply-and-wait, send only,
 *    open receive), so that the FromSpecifier is tested once and, in a
 *    call, needs no register of its own, and in the two blocking shapes
 *    one copy of the commit per ID kind (fast_call_commit: the receiver
 *    found by a local ID, so in the caller's space, or by its global ID),
 *    so that the spaces are compared once, by the switch for a global ID
 *    (struct fast_switches: it needs to know for the address space and
 *    the From; the kernel's compares the page directories, whose load
 *    its CR3 write reuses), and not at all for a local ID; the host
 *    build has one copy of each with the shape and ID kind as arguments
 *    (the same source, its branches counted once).
 *
 *  - IPC_FAST_ENABLED = false turns it off (every call answers false).
 */
#include <core/ipc_fast.h>
#include <core/kassert.h>

/* The fast switches of the host build and the `int` entry (struct
 * fast_switches): give `to` its From, then arch_switch_to. */
static void fast_switch_global(struct tcb *from, struct tcb *to)
{
    to->ipc.result_from = ipc_from_id_known(from, from->space == to->space);
    arch_switch_to(from, to);
}

/* (`to` was found by a local ID: kassert_hot, the host tests check it) */
static void fast_switch_intra(struct tcb *from, struct tcb *to)
{
    kassert_hot(from->space == to->space);
    to->ipc.result_from = ipc_from_id_known(from, true);
    arch_switch_to(from, to);
}

static const struct fast_switches fast_switch_arch = { arch_switch_to, fast_switch_global, fast_switch_intra };

bool ipc_fastpath(struct tcb *self, tid_t to, tid_t from_spec, word_t timeouts, word_t tag)
{
    return ipc_fast_caller_ok(self) && ipc_fast_try(self, to, from_spec, timeouts, tag, &fast_switch_arch);
}
