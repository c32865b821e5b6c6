/* Kernel invariants. A failed kassert is a kernel bug, never a user error:
 * user input is validated and answered with an X.2 error code instead. */
#ifndef CORE_KASSERT_H
#define CORE_KASSERT_H

#include <core/arch_hooks.h>

#define kassert(cond)                                                    \
    do {                                                                 \
        if (__builtin_expect(!(cond), 0))                                \
            arch_panic("assertion failed: " #cond, __FILE__, __LINE__);  \
    } while (0)

/* An invariant that every IPC on the general path checks (the receiver
 * made ready, the caller not pending, its timer's queue): checked in the
 * host build, where every host test, the model checks and the fuzzer run
 * the core, and left out of the kernel images, as the fast path has no
 * kassert either. The condition still compiles there (and has no effect). */
#if __STDC_HOSTED__
#define kassert_hot(cond) kassert(cond)
#else
#define kassert_hot(cond) ((void)sizeof(!(cond)))
#endif

#define kpanic(why) arch_panic((why), __FILE__, __LINE__)

#endif
