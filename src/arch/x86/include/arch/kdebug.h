/*
 * The kernel-debugger interface of ABI section 6: after an int3 from user
 * mode, the bytes at the return address select PrintChar, PrintString,
 * ReadChar (blocking or not), or Enter with a message. There is no
 * interactive debugger: Enter logs the message and the thread is stopped.
 * ReadChar_Blocked without input never waits inside the kernel: the caller
 * is put back before its int3 and waits (KDEBUG_WAIT), so only it blocks.
 */
#ifndef ARCH_KDEBUG_H
#define ARCH_KDEBUG_H

#include <arch/frame.h>
#include <arch/space_arch.h>
#include <stdint.h>

enum kdebug_result {
    KDEBUG_NOT_KDEBUG,   /* a plain breakpoint: deliver exception 3 */
    KDEBUG_DONE,         /* handled: return to the thread */
    KDEBUG_STOP,         /* Enter: stop the thread */
    KDEBUG_WAIT,         /* no input yet: EIP is back at the int3; wait, then retry */
};

/* Make the user page containing `addr` readable for the trapping thread
 * (e.g. by a pagefault IPC to its pager); nonzero on success, which also
 * means the thread still lives in `as` (a migration during the IPC may
 * have destroyed it: then 0, and `as` must not be used again). */
typedef int (*kdebug_resolve_fn)(const struct arch_space *as, uint32_t addr);

/* Decode and perform the kdebug operation of the int3 frame `f` in space
 * `as`; user memory that is not mapped yet is resolved through `resolve`
 * (may be NULL), and printing stops quietly where that fails. */
enum kdebug_result kdebug_handle(struct frame *f, const struct arch_space *as,
                                 kdebug_resolve_fn resolve);

/* With `on`, a console line "[TEST:EXIT] n" printed by user code ends the QEMU run with n. */
void kdebug_set_test_exit(int on);

#endif
