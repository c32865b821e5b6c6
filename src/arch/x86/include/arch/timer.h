/*
 * The PIT (8254) channel 0 as the kernel's tick: TIMER_TICK_US per
 * interrupt on IRQ 0. Time since boot is ticks * TIMER_TICK_US plus the
 * part of the current tick read back from the counter, so it is monotonic
 * with microsecond resolution.
 */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include <stdint.h>

#define PIT_HZ          1193182u
#define TIMER_TICK_US   1000u
#define PIT_RELOAD      1193u       /* PIT_HZ / 1000 ≈ 1 ms */

/* Program channel 0 for periodic ticks and unmask IRQ 0. */
void timer_init(void);

/* Count one tick (called from the IRQ 0 handler). */
void timer_tick(void);

/* Ticks since timer_init(). */
uint64_t timer_ticks(void);

#endif
