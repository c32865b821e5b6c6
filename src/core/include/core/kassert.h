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

#define kpanic(why) arch_panic((why), __FILE__, __LINE__)

#endif
