/* Machine part of a TCB (x86): the saved kernel stack pointer of a
 * switched-out thread, its FPU state's validity, its page directory. */
#ifndef ARCH_TCB_ARCH_H
#define ARCH_TCB_ARCH_H

#include <stdint.h>

struct arch_tcb {
    uintptr_t ksp;             /* kernel esp while the thread is not running */
    uint32_t fpu_valid;        /* the FXSAVE area in the TCB block holds its state */
    uint32_t pdir_phys;        /* its space's page directory (arch_tcb_space_changed) */
};

#endif
