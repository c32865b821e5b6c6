/*
 * Running user code. Until the core's threads take over, one user thread
 * runs on a static kernel stack; its exceptions, page faults and kdebug
 * calls are handled here.
 */
#ifndef ARCH_USER_H
#define ARCH_USER_H

#include <arch/frame.h>
#include <arch/space_arch.h>
#include <stdint.h>

/* Enter user mode at eip/esp in space `as` (sigma0 semantics if `is_sigma0`). */
_Noreturn void user_enter_first(struct arch_space *as, int is_sigma0, uint32_t eip, uint32_t esp);

/* Handle an exception or int3 that came from user mode. */
void user_trap(struct frame *f);

/* Leave the kernel through the common exit path with frame `f` (entry.S). */
_Noreturn void trap_return(struct frame *f);

#endif
