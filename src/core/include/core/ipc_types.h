/*
 * Per-thread IPC state embedded in every TCB.
 * OWNER: ipc module.
 */
#ifndef CORE_IPC_TYPES_H
#define CORE_IPC_TYPES_H

#include <core/tid.h>
#include <core/types.h>

struct tcb;

struct ipc_state {
    tid_t partner;     /* placeholder until the ipc module defines its state */
};

#endif
