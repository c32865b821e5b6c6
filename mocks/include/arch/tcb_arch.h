/* Host-test stand-in for the machine part of a TCB. */
#ifndef MOCK_ARCH_TCB_ARCH_H
#define MOCK_ARCH_TCB_ARCH_H

#include <stdint.h>

struct arch_tcb {
    uintptr_t ksp;             /* unused on the host; keeps the layout honest */
    unsigned switched_in;      /* how often arch_switch_to() entered this thread */
    const void *space_seen;    /* the space arch_tcb_space_changed() last saw */
};

#endif
