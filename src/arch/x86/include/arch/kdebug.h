/*
 * The kernel-debugger interface of ABI section 6: after an int3 from user
 * mode, the bytes at the return address select PrintChar, PrintString,
 * ReadChar (blocking or not), or Enter with a message. There is no
 * interactive debugger: Enter logs the message and the thread is stopped.
 */
#ifndef ARCH_KDEBUG_H
#define ARCH_KDEBUG_H

#include <arch/frame.h>
#include <arch/space_arch.h>

enum kdebug_result {
    KDEBUG_NOT_KDEBUG,   /* a plain breakpoint: deliver exception 3 */
    KDEBUG_DONE,         /* handled: return to the thread */
    KDEBUG_STOP,         /* Enter: stop the thread */
};

/* Decode and perform the kdebug operation of the int3 frame `f` in space `as`. */
enum kdebug_result kdebug_handle(struct frame *f, const struct arch_space *as);

/* With `on`, a console line "[TEST:EXIT] n" printed by user code ends the QEMU run with n. */
void kdebug_set_test_exit(int on);

#endif
