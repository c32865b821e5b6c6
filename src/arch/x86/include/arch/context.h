/*
 * Threads on the x86: each TCB block (TCB_SIZE, size-aligned, in the TCB
 * area) holds the kernel stack; a switched-out thread's stack holds its
 * callee-saved registers and arch.ksp points at them (switch.S).
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <arch/desc.h>
#include <arch/fpu.h>
#include <arch/frame.h>
#include <arch/paging.h>
#include <arch/smallspace.h>
#include <core/space.h>
#include <core/tcb.h>

/* Layout of what switch_context() pops, lowest address first. */
struct switch_frame {
    uint32_t edi, esi, ebx, ebp;
    uint32_t ret;
};

_Static_assert(sizeof(struct switch_frame) == SWITCH_FRAME_SIZE, "switch frame layout");

void switch_context(uintptr_t *save_ksp, uintptr_t new_ksp);

/* Number of thread switches since boot: counted in the test kernel only
 * (its preemption self-test reads it); the kernel a user boots does not
 * pay for it on every switch. */
extern unsigned long context_switches;

static inline void context_switch_count(void)
{
#if L4_TEST_KERNEL
    context_switches++;
#endif
}

/* Offset of a thread's user frame in its TCB: the top of its kernel stack. */
#define USER_FRAME_OFFSET (TCB_SIZE - sizeof(struct frame))
_Static_assert(USER_FRAME_OFFSET == FRAME_TCB_OFFSET, "the assembler's user frame offset");

/* The user frame at the top of `t`'s kernel stack. */
static inline struct frame *thread_user_frame(struct tcb *t)
{
    return (struct frame *)((uintptr_t)t + USER_FRAME_OFFSET);
}

/* Where a thread blocked in a sysenter Ipc keeps its kernel context: the
 * switch frame right below its user frame, returning to ipc_fast_resume
 * (entry.S, arch/syscall.h). A context at this place is always such a
 * one: a new thread's first context lies a word lower (thread_init_user),
 * a kernel thread's stack starts below it (thread_init_kernel), any other
 * context of a user thread lies below the C frames of a kernel entry. */
static inline struct switch_frame *fast_context(struct tcb *t)
{
    return (struct switch_frame *)thread_user_frame(t) - 1;
}

/* arch.ksp of a thread whose context is fast_context(), and of every
 * running thread that a switch resumed (context_take): a caller that
 * blocks in a sysenter Ipc stores nothing, and the fast path switching to
 * a thread compares one word (no address is computed); context_ksp()
 * gives the address. A real one is word-aligned, never 1. */
#define KSP_FAST_CONTEXT 1u

/* The kernel stack pointer of `t`'s saved context. */
static inline uintptr_t context_ksp(struct tcb *t)
{
    return t->arch.ksp == KSP_FAST_CONTEXT ? (uintptr_t)fast_context(t) : t->arch.ksp;
}

/* context_ksp() of `t`, which is about to resume that context: from now
 * on, while it runs, its arch.ksp reads KSP_FAST_CONTEXT, the context it
 * leaves should it block in a sysenter Ipc (switch_deferred). */
static inline uintptr_t context_take(struct tcb *t)
{
    uintptr_t ksp = context_ksp(t);
    t->arch.ksp = KSP_FAST_CONTEXT;
    return ksp;
}

/* Load CR3 inline (the switch path; cpu_write_cr3 is the out-of-line form). */
static inline void cr3_load(uint32_t pdir_phys)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(pdir_phys) : "memory");
}

/* What a switch knows of the two threads' spaces: nothing (it compares
 * them), or that they are the same or differ (the IPC fast path, which
 * compared them already). */
enum switch_spaces { SWITCH_SPACES_ANY, SWITCH_SPACES_SAME, SWITCH_SPACES_DIFFER };

/* Everything of a switch from `from` to `to` but the kernel stack: the
 * stack for the next entry, the address space, the UTCB selector's base,
 * the FPU. CR3 always holds the current thread's page directory while no
 * space has been small: written only when the space changes, never read.
 * Once small spaces exist, smallspace_activate decides (a small space
 * keeps the current hardware address space). `small_possible` false: the
 * caller knows that no space has been small (the sysenter fast path).
 * `spaces`: what the caller knows of the two spaces. `gs_by_exit`: the
 * caller stores the %gs:0 word itself (the sysenter switches: their
 * sysexit loads the value for EDI anyway; before a context load). */
static inline __attribute__((always_inline)) void switch_prepare(struct tcb *from, struct tcb *to,
                                                                 bool small_possible,
                                                                 enum switch_spaces spaces,
                                                                 bool gs_by_exit)
{
    /* (every live thread has a space: tcb_create. Without small spaces the
     * address space first, so that no store comes between a caller's
     * compare of the page directories and the load for CR3, which the
     * compiler may then share; with them esp0 first, so that its value
     * need not be kept across the call of smallspace_activate) */
    context_switch_count();
    if (small_possible)
        tss_set_esp0((uint32_t)tcb_stack_top(to));
    if (spaces == SWITCH_SPACES_DIFFER || (spaces == SWITCH_SPACES_ANY && to->space != from->space)) {
        if (!small_possible || __builtin_expect(!smallspace_seen, 1))
            cr3_load(to->arch.pdir_phys);          /* (to->space's: arch_tcb_space_changed) */
        else
            smallspace_activate(&to->space->arch);
    }
    if (!small_possible)
        tss_set_esp0((uint32_t)tcb_stack_top(to));
    /* its local ID (a thread without a UTCB, TCB_NO_UTCB = ~0, never runs
     * in user mode: the word it gets, 255, is never read) */
    if (!gs_by_exit)
        utcb_gs_set(tid_utcb_ptr(to));
    fpu_switch(to);
}

/* Switch to the kernel context `ksp` (switch_context's second half),
 * dropping the running one. */
static inline _Noreturn void context_load(uintptr_t ksp)
{
    __asm__ volatile("mov %0, %%esp\n\t"
                     "pop %%edi\n\t"
                     "pop %%esi\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp\n\t"
                     "ret"
                     :
                     : "r"(ksp)
                     : "memory");
    __builtin_unreachable();
}

/* Prepare `t` to enter user mode at eip/esp when it is first switched to. */
void thread_init_user(struct tcb *t, uint32_t eip, uint32_t esp);

/* Prepare `t` to run kernel function `fn` (which never returns) when first switched to. */
void thread_init_kernel(struct tcb *t, void (*fn)(void));

#endif
