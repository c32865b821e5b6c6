/*
 * Threads on the x86: each TCB block (TCB_SIZE, size-aligned, in the TCB
 * area) holds the kernel stack; a switched-out thread's stack holds its
 * callee-saved registers and arch.ksp points at them (switch.S).
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <arch/frame.h>
#include <core/tcb.h>

/* Layout of what switch_context() pops, lowest address first. */
struct switch_frame {
    uint32_t edi, esi, ebx, ebp;
    uint32_t ret;
};

void switch_context(uintptr_t *save_ksp, uintptr_t new_ksp);

/* Number of arch_switch_to() calls since boot. */
extern unsigned long context_switches;

/* The user frame at the top of `t`'s kernel stack. */
static inline struct frame *thread_user_frame(struct tcb *t)
{
    return (struct frame *)(tcb_stack_top(t) - sizeof(struct frame));
}

/* Prepare `t` to enter user mode at eip/esp when it is first switched to. */
void thread_init_user(struct tcb *t, uint32_t eip, uint32_t esp);

/* Prepare `t` to run kernel function `fn` (which never returns) when first switched to. */
void thread_init_kernel(struct tcb *t, void (*fn)(void));

#endif
