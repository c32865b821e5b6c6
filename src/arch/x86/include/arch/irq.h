/*
 * Hardware interrupts as IPC (ABI 5.11). IRQ line n is the kernel thread
 * (n, 1). While a handler is attached, the line is unmasked; when it fires
 * the line is masked and the interrupt thread calls the handler with
 * MR0 = 0xFFF00000 (queued like a blocked sender if the handler is not
 * receiving), then waits for the handler's acknowledgement (any message to
 * (n, 1)), after which the line is unmasked again.
 *
 * An interrupt thread without a handler is a kernel thread user mode cannot
 * see (Schedule, ThreadSwitch, Ipc: core sys_user_visible). While it has
 * one, a privileged Schedule may change its priority and times; a change of
 * handler cancels an IPC it is in (so it never waits on the old handler),
 * and dissociation restores the kernel's scheduling values (priority 255,
 * default time slice, unlimited quantum).
 */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <core/tid.h>
#include <stdbool.h>

/* Create the interrupt threads of the lines users may attach to. 0 when out of memory. */
int irq_threads_init(void);

/* True if line `irq` can be given to a user handler (not the timer, not the cascade). */
bool irq_available(unsigned irq);

/* Attach `handler` to line `irq` (handler = the interrupt thread itself: detach). */
bool irq_attach(unsigned irq, tid_t handler);

/* True if line `irq` has a user handler. */
bool irq_associated(unsigned irq);

/* Detach `handler` from every line it handles (it is being deleted). */
void irq_release(tid_t handler);

/* Called by the interrupt entry for a line with a handler: deliver it. */
bool irq_deliver(unsigned irq);

#endif
