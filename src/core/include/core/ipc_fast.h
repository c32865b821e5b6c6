/*
 * The IPC fast path as inline code (design note: src/core/ipc_fast.c).
 * ipc_fastpath() (ipc.h) is the out-of-line form the host tests drive; the
 * kernel's sysenter entry inlines ipc_fast_try() so that the path is one
 * function with no argument marshalling.
 *
 * OWNER: ipc module (fast path).
 */
#ifndef CORE_IPC_FAST_H
#define CORE_IPC_FAST_H

#include <core/ipc.h>
#include <core/ipc_internal.h>
#include <core/sched.h>
#include <core/space.h>


_Static_assert(IPC_FAST_MAX_UNTYPED == MSG_MAX_WORDS, "the fast path takes every untyped length");

/* The tag bits that send the message to the general path: typed items, flags. */
#define FAST_TAG_DECLINE msgtag_make(0, 0, 0x3Fu, MSG_TAG_FLAGS)

/* The receiver `r` blocked in a receive takes a message from `s` (no
 * propagation: the caller checked that the message has no p flag);
 * `same_space`: the caller knows them to be in one space. */
static inline __attribute__((always_inline)) bool fast_accepts(const struct tcb *r, const struct tcb *s,
                                                               bool same_space)
{
    if (__builtin_expect(r->ipc.partner == s, 1))
        return true;
    tid_t f = r->ipc.from_spec;
    return f == TID_ANY || (f == TID_ANYLOCAL && (same_space || r->space == s->space));
}

/* Deliver the untyped message `tag` of `s` to `r` (fast_receiver_ready)
 * and finish `r` but for its From, which the caller stores (r's MR0, its
 * result tag, is `tag`), making it ready (state TS_READY, not yet queued:
 * the caller makes it runnable, sched_make_ready or the hand-off);
 * `tag` becomes s's MR0 too, as on the general path (both UTCB pointers
 * are read before the first store, which could alias them). Neither is in
 * a transfer, so both transfer partners are NULL already and stay so
 * (kcheck: no transfer partner outside a transfer; neither has a nested
 * IPC saved); the transfer cursor (xfer_offset, xfer_timed, xfer), dead
 * outside a transfer, is not touched (xfer_start sets it for the next one).
 * r's receive timeout, if any, stops (as timer_stop does: its node stays
 * queued, stale, as on the general path). The caller sets `s`'s state. */
static inline __attribute__((always_inline)) void fast_deliver(struct tcb *s, struct tcb *r, word_t tag)
{
    word_t *su = s->utcb, *ru = r->utcb;
    su[0] = tag;
    /* MR0 (the tag, just stored) and the untyped words; their count is the
     * tag's low byte, as the fast path takes no tag with bits 15..6 set
     * (ipc_fast_try: FAST_TAG_DECLINE) */
    ipc_copy_mr0_and(ru, su, (uint8_t)tag);
    /* r is in no queue; its partner stays as it was (stale once it is not
     * blocked, as on the general path). Its run word was TS_RECV_WAIT,
     * with at most timer_live set: one store makes it ready and stops
     * the timeout. */
    tcb_run_word_set(r, TS_READY);
}

/* True when `self` can make a system call at all: it has a UTCB and a
 * UTCB location (an interrupt thread's kernel UTCB has none), is ready
 * (so no IPC in progress: not blocked), not halted, with quantum left,
 * and has no nested IPC, no timer and is in no queue. Every thread that
 * runs in user mode is; ipc_fastpath() checks it, the kernel's sysenter
 * entry, whose caller is such a thread, does not. */
static inline bool ipc_fast_caller_ok(const struct tcb *self)
{
    return self->utcb != NULL && self->utcb_location != TCB_NO_UTCB &&
           (tcb_run_word(self) & SCHED_RUN_MASK) == TS_READY && !self->ipc_nested &&
           !self->timer_live && self->ipc.q_on == NULL;
}

/* The three shapes of call the fast path takes, each compiled as its own
 * copy of fast_try_as() so that no copy tests the FromSpecifier twice or
 * keeps it in a register of its own. */
enum fast_kind {
    FAST_CALL,     /* FromSpecifier == to: call, reply-and-wait on a closed receive */
    FAST_SEND,     /* FromSpecifier nilthread: send only */
    FAST_OPEN,     /* FromSpecifier anythread / anylocalthread */
};

/* The switch functions a caller that blocks in the fast path hands the CPU
 * on with: `any` for any pair of threads (the general hand-off too),
 * `global` for a receiver found by its global ID (in any space: the
 * switch compares the spaces, which it needs to know anyway, the kernel's
 * through their page directories), `intra` for one found by a local ID
 * (in the caller's space). `global` and `intra` also give the receiver
 * its From, ipc_from_id_known(from, same space) (a fast path caller has
 * a UTCB location: ipc_fast_caller_ok; the fast path does not store
 * it first: the kernel's sysenter variants hand it straight to the
 * receiver's exit, which is its only reader), and then end in the state
 * `any` would (arch_switch_to in the host build and the `int` entry). */
struct fast_switches {
    sched_switch_fn any, global, intra;
};

/* In the kernel the fast path's helpers below are inlined into one copy
 * per call shape and ID kind (their `kind` and `local` constants);
 * in the host build each is one out-of-line copy with run-time arguments,
 * so that coverage counts the branches of the helpers it inlines once
 * rather than once per copy. */
#if __STDC_HOSTED__
#define FAST_TRY_AS static __attribute__((noinline, unused))
#else
#define FAST_TRY_AS static inline __attribute__((always_inline))
#endif

/* The commit of a call (kind FAST_CALL or FAST_OPEN) past the point of no
 * return: deliver to `r`, found by a local ID when `local` (so in `self`'s
 * space), else by its global ID, block `self` in its receive phase and
 * hand the CPU to `r`. */
FAST_TRY_AS void
fast_call_commit(struct tcb *self, struct tcb *r, word_t tag, const struct fast_switches *sw,
                 enum fast_kind kind, bool local)
{
    fast_deliver(self, r, tag);
    /* (r's From: the switch gives it, struct fast_switches) */
    tcb_run_word_set(self, TS_RECV_WAIT);    /* (it runs: ipc_fast_caller_ok) */
    if (kind == FAST_CALL) {
        self->ipc.partner = r;       /* (no queue to join: ipc.c's design note) */
    } else {
        self->ipc.partner = NULL;
    }
    /* sched_handoff, its common case inline (r is not halted and has
     * quantum left: run word; nor idle, which never waits in an IPC) */
    if (!sched_handoff_behind(self, r, local ? sw->intra : sw->global)) {
        r->ipc.result_from = ipc_from_id_known(self, local || r->space == self->space);
        sched_handoff_by(self, r, sw->any);
    }
}

/* The run word of a receiver waiting with a receive timeout running. */
#define FAST_RECV_WAIT_TIMED (TS_RECV_WAIT | TCB_RUN_FLAG_TIMER_LIVE << 16)

/* The receiver `r` can take a message from `s` now: waiting to receive,
 * not halted, in no nested IPC, with the fast context, quantum left (the
 * hand-off relies on it), its timeout running or not (the one compare
 * that takes the common case is the first), accepting `s` (`same_space`
 * as for fast_accepts). */
static inline __attribute__((always_inline)) bool fast_receiver_ready(const struct tcb *r, const struct tcb *s,
                                                                      bool same_space)
{
    if (__builtin_expect(tcb_run_word(r) != TS_RECV_WAIT, 0)) {
        /* (the word read anew through a pointer the compiler cannot
         * follow: else it tests both values with a mask, one load, an
         * `and` and a compare, 2 instructions more in the common case) */
        const struct tcb *again = r;
        __asm__("" : "+r"(again));
        if (tcb_run_word(again) != FAST_RECV_WAIT_TIMED)
            return false;
    }
    return fast_accepts(r, s, same_space);
}

/* The commit of ipc_fast_try() past the point of no return, the receiver
 * `r` found and ready: the call completes as ipc_invoke would; `local`
 * when `r` was found by a local ID. (Dead fields are left: the result until
 * the IPC completes; IntendedReceiver outside a redirected send and the
 * Timeouts word, whose receive half is read once, when the receive phase
 * starts, here at once with Never: ipc_start sets both for the next IPC.) */
FAST_TRY_AS void
fast_commit(struct tcb *self, struct tcb *r, tid_t to, tid_t from_spec, word_t tag,
            const struct fast_switches *sw, enum fast_kind kind, bool local)
{
    self->ipc.from_spec = kind == FAST_CALL ? to : from_spec;
    if (kind == FAST_SEND) {
        fast_deliver(self, r, tag);
        r->ipc.result_from = ipc_from_id(self, r);
        /* (its result tag is MR0, `tag`, stored; its partner stays stale) */
        self->ipc.result_from = TID_NIL;
        /* (sched_make_ready_by(self, self) changes nothing: self runs, so
         * it is ready, ipc_fast_caller_ok, and it is queued, ipc_fast_try) */
        sched_make_ready_by(r, self);      /* (self runs) */
    } else {
        fast_call_commit(self, r, tag, sw, kind, local);
    }
}

/* ipc_fast_try() for a call of shape `kind`, whose receive timeout is
 * Never and whose tag is untyped without flags (checked). A local ID names
 * a thread of self's space only, so that commit needs no compare of the
 * spaces, nor a look at the redirector, which only messages to other
 * spaces pass. A global ID is looked up in self's fast view, which is
 * empty (no global ID finds a thread) while somebody is queued to send
 * to self or self's space has a redirector: so neither needs a test of
 * its own there; first in self's global-ID hint, the slot that view gave
 * last (tcb.h), none while the view is empty. */
FAST_TRY_AS bool
fast_try_as(struct tcb *self, tid_t to, tid_t from_spec, word_t tag,
            const struct fast_switches *sw, enum fast_kind kind)
{
    /* a receive timeout the receiver waits with is stopped on delivery
     * (fast_deliver) */
    if (tid_is_global(to)) {
        /* (a queued sender: a receive phase would take it rather than
         * block, and the general path decides for a send-only call too;
         * a redirector: ipc_invoke decides where a message goes,
         * redirect_target; within the space none is redirected, but only
         * a local ID goes fast there) */
        struct tcb *r = self->global_hint;
        if (__builtin_expect(r->gid != to, 0)) {
            /* (the hint names another thread, or none: the lookup) */
            r = tid_view_slot(&self->fast_view, to);
            if (r->gid != to || !fast_receiver_ready(r, self, false))
                return false;
            /* POINT OF NO RETURN (as below) */
            self->global_hint = r;
        } else if (!fast_receiver_ready(r, self, false)) {
            return false;
        }
        /* POINT OF NO RETURN (fast_commit; the spaces are compared where
         * needed: for the From, and by sw->global) */
        fast_commit(self, r, to, from_spec, tag, sw, kind, false);
    } else {
        /* the thread last sent to by a local ID, if it is this one: a
         * live thread of self's space (tcb.h), so its UTCB pointer
         * equals the ID only if it is the thread the local-ID table
         * would give (the sentinel's never does). A hint other than
         * the sentinel also says that nobody is queued to send to self
         * (tcb.h), so a receive phase blocks at once. */
        struct tcb *r = self->local_hint;
        if (__builtin_expect(tid_utcb_ptr(r) == to, 1)) {
            if (!fast_receiver_ready(r, self, true))
                return false;
            /* POINT OF NO RETURN (fast_commit) */
            fast_commit(self, r, to, from_spec, tag, sw, kind, true);
            return true;
        }
        /* else the table's answer, which becomes the hint while nobody
         * is queued to send to self (a receive phase blocks at once only
         * then; a send-only call goes fast either way) */
        bool queue_empty = ipc_queue_empty(&self->ipc.sendq);
        if (kind != FAST_SEND && !queue_empty)
            return false;
        r = tid_lookup_local_inline(self->space, to);  /* nil / anylocal: NULL */
        if (r == NULL || !fast_receiver_ready(r, self, true))
            return false;
        /* POINT OF NO RETURN (fast_commit) */
        if (queue_empty)
            self->local_hint = r;
        fast_commit(self, r, to, from_spec, tag, sw, kind, true);
    }
    return true;
}

/* The whole fast path (see ipc_fast.c) for a caller with
 * ipc_fast_caller_ok(); inlined into the kernel's sysenter entry and into
 * ipc_fastpath(). A caller that blocks hands the CPU to the receiver with
 * one of `sw` (arch_switch_to, or the sysenter entry's deferred variants). */
static inline __attribute__((always_inline)) bool
ipc_fast_try(struct tcb *self, tid_t to, tid_t from_spec, word_t timeouts, word_t tag,
             const struct fast_switches *sw)
{
    if (!IPC_FAST_ENABLED)
        return false;
    /* a receive timeout other than Never, first (the general path's most
     * common case), even without a receive phase (where it means nothing;
     * X.2 libraries send with Never there) */
    if ((uint16_t)timeouts != 0)
        return false;
    if ((tag & FAST_TAG_DECLINE) != 0)
        return false;
    if (__builtin_expect(from_spec == to, 1))
        return fast_try_as(self, to, from_spec, tag, sw, FAST_CALL);
    /* (a send-only caller stays ready: one that is not queued, which no
     * thread running in user mode is, would have to join its queue) */
    if (from_spec == TID_NIL)
        return self->in_ready_queue && fast_try_as(self, to, from_spec, tag, sw, FAST_SEND);
    if (from_spec == TID_ANY || from_spec == TID_ANYLOCAL)
        return fast_try_as(self, to, from_spec, tag, sw, FAST_OPEN);
    return false;
}

#endif
