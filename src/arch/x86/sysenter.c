/*
 * The sysenter Ipc in C (entry.S -> ipc_sysenter[_small]): the fast path
 * inline (core/ipc_fast.h), else the general path, on the caller's frame.
 *
 * Design note, the sysenter Ipc (entry.S -> ipc_sysenter[_small]):
 *  - The entry pushes the registers and selectors (EIP and ESP in the
 *    EBX and EBP slots, arch/frame.h: FRAME_VECTOR_SYSENTER) and calls
 *    ipc_sysenter (jumps to ipc_sysenter_small), which never returns: it
 *    leaves through sysexit_exit on some thread's frame.
 *  - A caller that blocks (fast path hand-off, or the general path's
 *    dispatch) switches with ipc_switch_deferred: its own C frames are
 *    dropped and its kernel context becomes the switch frame right below
 *    its user frame (fast_context), returning to ipc_fast_resume (its
 *    return slot holds that address for good, see entry.S), which
 *    finishes its Ipc like a return from the dispatcher would have
 *    (ipc_sysenter_resume). So every thread blocked in a sysenter Ipc has
 *    the same resumable context, whoever switches back to it.
 *  - When the thread switched to has such a context, the switch does not
 *    load it: that thread's Ipc is over (it is ready) and no reschedule is
 *    pending (none is when a thread enters from user mode, which debug
 *    kernels check, and a switch runs only with none due: the dispatcher
 *    clears it, the hand-off finds none), so its outputs go straight into
 *    registers and it leaves
 *    through its own frame (leave_with_outputs: sysexit; iret_outputs
 *    once a space has been small). Else the context is loaded
 *    (context_load).
 *  - Its flags are then 0x202 and its EIP and ESP in the EBX and EBP
 *    slots, as its frame's mark says (arch/frame.h: FRAME_VECTOR_SYSENTER):
 *    ExchangeRegisters that sets any of them replaces the mark and the
 *    context (ipc_sysenter_regs_set).
 *  - Equivalence: the switch functions differ from arch_switch_to only in
 *    how the kernel context is kept; the core's state changes are the same
 *    (the host test test_ipc_fast compares the core's paths byte for byte,
 *    the QEMU tests qemu_fastpath and qemu_smallspace the machine level).
 *  - Registers: every function of this file that code elsewhere enters
 *    never returns to it (entry.S enters ipc_sysenter[_small], which
 *    leave to user mode; the switch functions sched.c calls back end
 *    in sysexit or a context load). So the callee-saved registers of the
 *    C ABI mean nothing here, and GCC builds this file with EBX, ESI and
 *    EDI call-clobbered (-fcall-used-*, CMakeLists.txt): the fast path's
 *    prologue saves one register instead of four; and with a 4-byte
 *    aligned stack: as nothing on the fast path spills (no value lives
 *    across a call there: its callees are inline or end it, or end
 *    what it does, sched.h), it needs no stack frame. Clang has no such
 *    option: there ipc_sysenter[_small] use the regcall convention
 *    (SYSENTER_REGCALL, arch/syscall.h; ESI and EDI caller-saved, MR0 an
 *    argument) and the file is built without LLVM's hoisting of common
 *    branch code (arch CMakeLists.txt). A function that returns
 *    to a C caller elsewhere must not be added here (syscall.c is the
 *    place).
 */
#include <arch/syscall.h>
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/smallspace.h>
#include <core/arch_hooks.h>
#include <core/check.h>
#include <core/ipc.h>
#include <core/ipc_fast.h>
#include <core/kassert.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/tcb.h>

/* The general path of an Ipc that came through sysenter, on its frame
 * (sys_ipc without the register struct). */
static inline enum ipc_outcome ipc_sysenter_general(struct tcb *self, const struct frame *f)
{
    self->utcb[0] = f->esi;
    return ipc_invoke(self, f->eax, f->edx, f->ecx);
}

extern char iret_outputs[];

/* Leave the kernel through the user frame of `t`, a thread blocked in the
 * sysenter fast path, with its Ipc outputs, as ipc_outputs() then
 * sysexit_exit would, its From being `from`: with sysexit (EAX from, ESI
 * MR0, EBX MR1, EBP MR2, the three from its UTCB; EDI its UTCB pointer,
 * syscall.c, stored as the %gs:0 word too: the switch leaves that word to
 * this exit, switch_deferred; the return point from the frame, which
 * holds the sysenter vector, so EIP and ESP in the EBX and EBP slots,
 * frame.h; its selectors are the flat ones its entry checked, still
 * loaded, and its flags 0x202, see ipc_sysenter_regs_set), or once a
 * space has been small (`small`) through iret_outputs (entry.S: EBX MR1,
 * ECX MR2, EDI into the frame, then the common iret exit, which reloads
 * every selector from it). The asm never returns, so it may overwrite any
 * register once it has read its inputs. The sysexit form reads the
 * frame's words through `t` (ESP stays where it is: sysexit loads it), so
 * `t` must not sit in a register the asm overwrites before its last use
 * of `t`: its clobbers keep it out of EBX, EDX, ESI and EDI, which leaves
 * ECX or EBP, each written only after that use and after the %gs:0 store
 * (whose address could only use one of them too) (a clobber costs GCC
 * nothing here: -fcall-used-*, see below). */
static inline __attribute__((always_inline)) _Noreturn void leave_with_outputs(const struct tcb *t,
                                                                             tid_t from, bool small)
{
    if (small)
        __asm__ volatile("lea %c5(%0), %%esp\n\t"
                         "jmp iret_outputs"
                         :
                         : "r"(t), "a"(from), "S"(ipc_result_tag(t)), "b"(t->utcb[1]),
                           "c"(t->utcb[2]), "i"(USER_FRAME_OFFSET), "D"(tid_utcb_ptr(t))
                         : "memory");
    else
        __asm__ volatile("mov %c2(%0), %%ebx\n\t"
                         "mov %c3+%c4(%0), %%edx\n\t"
                         "mov %c6(%0), %%edi\n\t"
                         "mov %%edi, %7\n\t"
                         "mov %c3+%c5(%0), %%ecx\n\t"
                         "mov (%%ebx), %%esi\n\t"
                         "mov 8(%%ebx), %%ebp\n\t"
                         "mov 4(%%ebx), %%ebx\n\t"
                         "sti\n\t"
                         "sysexit"
                         :
                         : "r"(t), "a"(from),
                           "i"(offsetof(struct tcb, utcb)),
                           "i"(USER_FRAME_OFFSET), "i"(FRAME_SYSENTER_EIP), "i"(FRAME_SYSENTER_USP),
                           "i"(offsetof(struct tcb, utcb_ptr)), "m"(utcb_gs_page[0])
                         : "memory", "ebx", "edx", "esi", "edi");
    __builtin_unreachable();
}

/* arch_switch_to() for ipc_sysenter's fast path, whose caller `from` sits
 * at the bottom of its kernel stack: its C frames are dropped and its
 * kernel context becomes fast_context(). If `to` was blocked the same way,
 * it leaves at once as ipc_sysenter_resume() would (its IPC is over, no
 * reschedule pending: sched_handoff_behind), else its context is resumed.
 * Called by the fast path with the spaces compared (`spaces` SAME or DIFFER),
 * its `to` always leaves at once (its run word said so: ctx_slow clear)
 * and gets its From (struct fast_switches) in a register (the field, read
 * by nothing else, stays as it was). Never returns. */
static inline __attribute__((always_inline)) void
switch_deferred(struct tcb *from, struct tcb *to, bool small_seen, enum switch_spaces spaces)
{
    /* (the %gs:0 word: with sysexit, by the exit below, which loads the
     * value for EDI anyway, or before the context load) */
    switch_prepare(from, to, small_seen, spaces, !small_seen);
    /* (from's arch.ksp reads KSP_FAST_CONTEXT already: it runs, resumed by
     * a switch, context_take; its ret slot holds ipc_fast_resume, always) */
    /* (the caller has a UTCB location: ipc_fast_caller_ok) */
    tid_t given = ipc_from_id_known(from, spaces == SWITCH_SPACES_SAME);
    /* from keeps the context it runs with, the fast one: its ctx_slow is
     * clear (core/tcb.h; the fast path's commit cleared it with the run
     * word, tcb_run_word_set) */
    if (spaces == SWITCH_SPACES_ANY)
        from->ctx_slow = false;
    /* A receiver the fast path found (SAME, DIFFER) had a clear ctx_slow
     * in its run word, which fast_receiver_ready compares: so it has the
     * fast context (ctx_slow is set wherever a thread gets another one:
     * arch_switch_to, ipc_sysenter_regs_set, thread_init_*), which debug
     * kernels check; any other is tested. */
    if (spaces != SWITCH_SPACES_ANY || to->arch.ksp == KSP_FAST_CONTEXT) {  /* (it stays so) */
        /* (its flags are 0x202: ExchangeRegisters gives a thread other
         * ones only with another context, ipc_sysenter_regs_set; so its
         * frame holds the sysenter vector, frame.h, which debug kernels
         * check) */
        if (L4_KCHECK)
            kassert(to->arch.ksp == KSP_FAST_CONTEXT &&
                    thread_user_frame(to)->vector == FRAME_VECTOR_SYSENTER);
        leave_with_outputs(to, spaces == SWITCH_SPACES_ANY ? ipc_result_from(to) : given, small_seen);
    }
    /* (read anew: the test above then compares memory with the constant
     * rather than loading the word into a register for both) */
    uintptr_t ksp = *(volatile uintptr_t *)&to->arch.ksp;
    to->arch.ksp = KSP_FAST_CONTEXT;
    if (!small_seen)
        utcb_gs_set(tid_utcb_ptr(to));
    /* (context_take without its fast-context test, false here: the call
     * itself costs Clang 1 instruction per one-way, measured) */
    context_load(ksp);
}

/* ipc_sysenter's switch while no space has been small (sysexit) ... */
static inline __attribute__((always_inline)) void ipc_switch_deferred(struct tcb *from,
                                                                     struct tcb *to)
{
    switch_deferred(from, to, false, SWITCH_SPACES_ANY);
}

/* ... and once one has (smallspace_activate, iret). */
static inline __attribute__((always_inline)) void ipc_switch_deferred_small(struct tcb *from,
                                                                           struct tcb *to)
{
    switch_deferred(from, to, true, SWITCH_SPACES_ANY);
}

/* The fast path's variants of both (struct fast_switches): for a receiver
 * found by its global ID, the spaces compared (while no space has been
 * small, through the page directories: one per space,
 * arch_tcb_space_agrees, so equal exactly when the spaces are, and the
 * CR3 write then reuses the load; else the spaces, which
 * smallspace_activate reads); and for one found by a local ID, in the
 * caller's space. */
static inline __attribute__((always_inline)) void switch_deferred_global(struct tcb *from, struct tcb *to,
                                                                        bool small_seen)
{
    if (small_seen ? to->space != from->space : to->arch.pdir_phys != from->arch.pdir_phys)
        switch_deferred(from, to, small_seen, SWITCH_SPACES_DIFFER);
    else
        switch_deferred(from, to, small_seen, SWITCH_SPACES_SAME);
}

static inline __attribute__((always_inline)) void ipc_switch_deferred_global(struct tcb *from,
                                                                            struct tcb *to)
{
    switch_deferred_global(from, to, false);
}

static inline __attribute__((always_inline)) void ipc_switch_deferred_intra(struct tcb *from,
                                                                           struct tcb *to)
{
    switch_deferred(from, to, false, SWITCH_SPACES_SAME);
}

static inline __attribute__((always_inline)) void ipc_switch_deferred_small_global(struct tcb *from,
                                                                                  struct tcb *to)
{
    switch_deferred_global(from, to, true);
}

static inline __attribute__((always_inline)) void ipc_switch_deferred_small_intra(struct tcb *from,
                                                                                 struct tcb *to)
{
    switch_deferred(from, to, true, SWITCH_SPACES_SAME);
}

static const struct fast_switches sysenter_switches = {
    ipc_switch_deferred, ipc_switch_deferred_global, ipc_switch_deferred_intra
};
static const struct fast_switches sysenter_switches_small = {
    ipc_switch_deferred_small, ipc_switch_deferred_small_global, ipc_switch_deferred_small_intra
};

/* The general path of a sysenter Ipc: a caller left blocked gives the CPU
 * away with `switch_fn` too (it then resumes in ipc_fast_resume). */
static inline __attribute__((always_inline)) void
ipc_sysenter_slow(struct tcb *self, const struct frame *f, sched_switch_fn switch_fn)
{
    if (ipc_sysenter_general(self, f) == IPC_BLOCKED)    /* (ipc_pending(self)) */
        sched_block_by(self, switch_fn);
}

/* The thread whose kernel stack we run on (arch_current without a call;
 * read anew at each use). */
static inline __attribute__((always_inline)) struct tcb *stack_owner(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %%esp, %0" : "=r"(sp));
    return tcb_from_sp(sp);
}

/* The rest of a sysenter Ipc once the caller's IPC is over (at once in
 * the send-only case, else when it runs again): ipc_fast_resume on its
 * frame, as if it had been switched back to there. The frame is found
 * from the stack anew, so that the fast path keeps no register for it. */
static inline __attribute__((always_inline)) _Noreturn void sysenter_finish(void)
{
    __asm__ volatile("mov %0, %%esp\n\t"
                     "jmp ipc_fast_resume"
                     :
                     : "r"(thread_user_frame(stack_owner()))
                     : "memory");
    __builtin_unreachable();
}

/* A sysenter Ipc the fast path declined: the general path, then its end.
 * Out of line, so that it leaves the fast path's registers alone; one per
 * switch function (a constant in each). It ends the call itself: were it
 * to return into ipc_sysenter_with, Clang keeps fast-path values alive
 * across the call (measured: +5 instructions per fast one-way). */
static __attribute__((noinline)) _Noreturn void ipc_sysenter_declined(struct tcb *self)
{
    ipc_sysenter_slow(self, thread_user_frame(self), ipc_switch_deferred);
    sysenter_finish();
}

static __attribute__((noinline)) _Noreturn void ipc_sysenter_declined_small(struct tcb *self)
{
    ipc_sysenter_slow(self, thread_user_frame(self), ipc_switch_deferred_small);
    sysenter_finish();
}

/* A sysenter Ipc whose caller blocks with `switch_fn`: the fast path, else
 * `declined` (the general one), then its end. `mr0` is the caller's MR0
 * when `mr0_given`, else read from its frame. */
static inline __attribute__((always_inline)) _Noreturn void
ipc_sysenter_with(tid_t to, tid_t from_spec, word_t timeouts, bool mr0_given, word_t mr0,
                  const struct fast_switches *sw, void (*declined)(struct tcb *))
{
    struct tcb *self;
    __asm__ volatile("" : "=b"(self));   /* (the entry left it there: nothing ran since) */
    if (L4_KCHECK) {
        kassert(self == stack_owner());      /* (the compiler kept EBX as the entry left it) */
        kassert(!mr0_given || mr0 == thread_user_frame(self)->esi);
        kcheck_after_syscall();  /* debug kernels: the state the last system call left */
    }
    __asm__("" : "+b"(self));   /* (in EBX still: GCC 12 otherwise picks EAX and copies `to' away) */
    if (!mr0_given)
        mr0 = thread_user_frame(self)->esi;
    if (!ipc_fast_try(self, to, from_spec, timeouts, mr0, sw))
        declined(self);
    sysenter_finish();
}

#if SYSENTER_REGCALL
__attribute__((regcall)) _Noreturn void ipc_sysenter(tid_t to, word_t timeouts, tid_t from_spec,
                                                     word_t utcb, word_t mr0)
{
    (void)utcb;
    ipc_sysenter_with(to, from_spec, timeouts, true, mr0, &sysenter_switches, ipc_sysenter_declined);
}

__attribute__((regcall)) _Noreturn void ipc_sysenter_small(tid_t to, word_t timeouts, tid_t from_spec,
                                                           word_t utcb, word_t mr0)
{
    (void)utcb;
    ipc_sysenter_with(to, from_spec, timeouts, true, mr0, &sysenter_switches_small,
                      ipc_sysenter_declined_small);
}
#else
__attribute__((regparm(3))) _Noreturn void ipc_sysenter(tid_t to, tid_t from_spec, word_t timeouts)
{
    ipc_sysenter_with(to, from_spec, timeouts, false, 0, &sysenter_switches, ipc_sysenter_declined);
}

__attribute__((regparm(3))) _Noreturn void ipc_sysenter_small(tid_t to, tid_t from_spec,
                                                              word_t timeouts)
{
    ipc_sysenter_with(to, from_spec, timeouts, false, 0, &sysenter_switches_small,
                      ipc_sysenter_declined_small);
}
#endif
