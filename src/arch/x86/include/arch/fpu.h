/*
 * Lazy x87/SSE state switching (ABI 7.7: x87 and SSE usable in user mode).
 * The FPU belongs to one thread at a time; switching to any other thread
 * sets CR0.TS, and that thread's first FPU instruction raises #NM, whose
 * handler saves the owner's state (FXSAVE) into the owner's TCB block and
 * loads the new owner's (or initialises it on first use).
 */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

#include <core/tcb.h>
#include <stdbool.h>

/* CR0's task-switched flag: the next FPU instruction raises #NM. */
#define CR0_TS 0x00000008u

/* Offset of a thread's 512-byte FXSAVE area inside its TCB block. */
#define FPU_AREA_OFFSET 512u

/* Enable FXSAVE/SSE (CR4.OSFXSR, OSXMMEXCPT) if the CPU has them. */
void fpu_init(void);

/* The thread whose state the FPU holds (NULL: none) and whether CR0.TS is
 * set now (a shadow, so that a switch never reads CR0). */
extern struct tcb *fpu_owner;
extern bool fpu_ts_set;

/* Set CR0.TS (and its shadow). Inline: the switch that calls it keeps
 * every register but one. */
static inline __attribute__((always_inline)) void fpu_ts_set_now(void)
{
    uint32_t cr0;
    __asm__ volatile("mov %%cr0, %0\n\t"
                     "or %1, %0\n\t"
                     "mov %0, %%cr0"
                     : "=&r"(cr0)
                     : "i"(CR0_TS)
                     : "memory");
    fpu_ts_set = true;
}

/* Called on every switch to `to`: arm #NM when switching away from the
 * FPU's owner (TS is clear only while the owner runs: fpu_trap clears it,
 * nothing else does). A switch back to the owner leaves TS set: its next
 * FPU instruction traps once and fpu_trap, finding it the owner already,
 * only clears TS. So the common switch (TS set) costs one test of the
 * shadow and CR0 is written only to set TS. */
static inline __attribute__((always_inline)) void fpu_switch(struct tcb *to)
{
    if (__builtin_expect(!fpu_ts_set, 0) && to != fpu_owner)
        fpu_ts_set_now();
}

/* #NM: give the FPU to the current thread. True if handled. */
bool fpu_trap(void);

/* `t` is going away: forget its state. */
void fpu_release(struct tcb *t);

#endif
