/*
 * The kernel invariant checker: one pass over the whole kernel state that
 * checks what the modules promise each other (see the design note atop
 * core/check.c). For host tests, the host fuzzer and debug kernels
 * (L4_KCHECK: called after every system call that enters by `int`, and
 * at the start of every sysenter Ipc); never needed for
 * correctness, so a kernel built without L4_KCHECK does not link it.
 *
 * OWNER: check module.
 */
#ifndef CORE_CHECK_H
#define CORE_CHECK_H

#include <core/types.h>

/* 1 in debug kernels configured with -DL4_KCHECK=ON (CMake option). */
#ifndef L4_KCHECK
#define L4_KCHECK 0
#endif

/* Check every invariant; returns the number of violations (0: consistent).
 * O(TCB slots + queued threads + mapnodes + space count * live threads). */
unsigned kcheck_all(void);

/* What the first violation of the last kcheck_all() was (NULL: none), and
 * the thread number it concerns (KCHECK_NO_THREAD when none). */
#define KCHECK_NO_THREAD (~(word_t)0)
const char *kcheck_first(void);
word_t kcheck_first_thread(void);

/* Debug kernels after every system call: kcheck_all(), and no reschedule
 * request pending (the kernel is about to return to user mode, or has
 * just been entered from it); on a violation, print the first one and
 * panic. */
void kcheck_after_syscall(void);

#endif
