/*
 * Threads of the running kernel: the TCB array at TCB_AREA_BASE, the idle
 * thread, user threads with their UTCBs, and what happens when a user
 * thread traps (kdebug, KernelInterface, sigma0's 1:1 faults, stops).
 */
#ifndef ARCH_THREADS_H
#define ARCH_THREADS_H

#include <arch/frame.h>
#include <core/space.h>
#include <core/tcb.h>
#include <core/wakeup.h>

/* Set up the TCB array and the idle thread. 0 when out of memory. */
int threads_init(void);

/* Nonzero once threads_start() left the boot stack (before, there is no
 * current TCB and the scheduler must not run). */
extern int threads_running;

/* The kernel's one queue of IPC timeouts (fired from the timer tick). */
extern struct wakeup_queue kernel_wakeups;

/* The space kernel threads (idle) run in. */
extern struct space kernel_space;

/* Create a running user thread `gid` in `s` (UTCB at utcb_location inside
 * s's UTCB area, Pager TCR = pager) entering user mode at eip/esp.
 * NULL on failure (reason printed). */
struct tcb *thread_create_user(struct space *s, tid_t gid, tid_t pager, word_t utcb_location,
                               word_t eip, word_t esp, uint8_t prio);

/* Leave the boot context for good: run the scheduler, starting with idle. */
_Noreturn void threads_start(void);

/* Handle an exception or int3 that came from user mode. */
void user_trap(struct frame *f);

/* Stop the current thread (halted); runs others. Returns only if it is resumed. */
void thread_halt_current(const char *why);

/* Map the page containing va into s for the kernel's own use (UTCB pages):
 * an existing mapping is reused; returns its kernel address or NULL. */
void *space_kernel_page(struct space *s, word_t va);

#endif
