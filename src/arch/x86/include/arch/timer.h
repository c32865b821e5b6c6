/*
 * The PIT (8254) channel 0 as the kernel's tick: TIMER_TICK_US per
 * interrupt on IRQ 0 drives time slices and timeouts. The clock
 * (arch_timer_now) is the TSC calibrated against the PIT at boot, so it is
 * monotonic with microsecond resolution even if tick interrupts are lost.
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

/* Processor (TSC) frequency in kHz measured at boot. */
uint32_t timer_tsc_khz(void);

/* Ticks since timer_init(). */
uint64_t timer_ticks(void);

#endif
