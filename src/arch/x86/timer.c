/* PIT tick and the arch_timer_now() hook; see arch/timer.h. */
#include <arch/cpu.h>
#include <arch/pic.h>
#include <arch/timer.h>
#include <core/arch_hooks.h>
#include <core/kprintf.h>

#define PIT_CH0  0x40
#define PIT_CMD  0x43

static volatile uint64_t ticks;
static union { uint64_t v; uint32_t w[2]; } last_now;   /* arch_timer_now's latest value */

void timer_tick(void)
{
    ticks++;
}

uint64_t timer_ticks(void)
{
    return ticks;
}

/* Counter value of channel 0 (counts down from PIT_RELOAD). */
static unsigned pit_read_counter(void)
{
    out8(PIT_CMD, 0x00);                    /* latch channel 0 */
    unsigned lo = in8(PIT_CH0);
    unsigned hi = in8(PIT_CH0);
    return lo | hi << 8;
}

/*
 * The clock: microseconds = TSC cycles since calibration times tsc_mult /
 * 2^32 (fixed point: no 64-bit division). Calibrated at boot against
 * CALIBRATION_TICKS periods of the PIT, so it does not depend on every tick
 * interrupt being delivered (an emulator may lose some).
 */
#define CALIBRATION_TICKS 20u

static union { uint64_t v; uint32_t w[2]; } tsc_base;   /* TSC at calibration */
static uint32_t tsc_mult;                   /* 2^32 / (TSC cycles per µs) */
static uint32_t tsc_khz;

/* Wait for the next reload of channel 0 (counter jumps up). */
static void pit_wait_wrap(void)
{
    unsigned prev = pit_read_counter();
    for (unsigned spins = 0; spins < 10000000u; spins++) {
        unsigned cur = pit_read_counter();
        if (cur > prev)
            return;
        prev = cur;
    }
}

/* n / d by shift and subtract (boot-time only; no libgcc division). */
static uint64_t div64_32(uint64_t n, uint32_t d)
{
    uint64_t q = 0, r = 0;
    for (int bit = 63; bit >= 0; bit--) {
        r = (r << 1) | ((n >> bit) & 1u);
        if (r >= d) {
            r -= d;
            q |= (uint64_t)1 << bit;
        }
    }
    return q;
}

/* Microseconds in CALIBRATION_TICKS PIT periods (a compile-time constant). */
#define CALIBRATION_US ((uint32_t)((uint64_t)CALIBRATION_TICKS * PIT_RELOAD * 1000000u / PIT_HZ))

static void timer_calibrate(void)
{
    pit_wait_wrap();
    uint64_t start = cpu_rdtsc();
    for (unsigned i = 0; i < CALIBRATION_TICKS; i++)
        pit_wait_wrap();
    uint64_t cycles_x1000 = (cpu_rdtsc() - start) * 1000u;
    div64_small(&cycles_x1000, CALIBRATION_US);          /* -> cycles per ms */
    tsc_khz = cycles_x1000 == 0 ? 1u : cycles_x1000 > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)cycles_x1000;
    uint64_t mult = div64_32((uint64_t)1000u << 32, tsc_khz);
    tsc_mult = mult > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)mult;
    tsc_base.v = cpu_rdtsc();
}

uint32_t timer_tsc_khz(void)
{
    return tsc_khz;
}

uint64_t arch_timer_now(void)
{
    /* d = TSC - tsc_base; now = d.hi * tsc_mult + (d.lo * tsc_mult >> 32),
     * never below the last value handed out; in the three scratch
     * registers (the same in C needs three callee-saved ones, and every
     * finite-timeout IPC reads this clock) */
    uint64_t now;
    uint32_t scratch;
    __asm__ volatile("rdtsc\n\t"
                     "sub %[base_lo], %%eax\n\t"
                     "sbb %[base_hi], %%edx\n\t"
                     "mov %%edx, %[s]\n\t"
                     "mull %[mult]\n\t"            /* EDX = d.lo * mult >> 32 */
                     "mov %[s], %%eax\n\t"
                     "mov %%edx, %[s]\n\t"
                     "mull %[mult]\n\t"            /* EDX:EAX = d.hi * mult */
                     "add %[s], %%eax\n\t"
                     "adc $0, %%edx\n\t"
                     "cmp %[last_lo], %%eax\n\t"   /* now < last_now: last_now */
                     "mov %%edx, %[s]\n\t"
                     "sbb %[last_hi], %[s]\n\t"
                     "jae 1f\n\t"
                     "mov %[last_lo], %%eax\n\t"
                     "mov %[last_hi], %%edx\n"
                     "1:\tmov %%eax, %[last_lo]\n\t"
                     "mov %%edx, %[last_hi]"
                     : "=&A"(now), [s] "=&c"(scratch), [last_lo] "+m"(last_now.w[0]),
                       [last_hi] "+m"(last_now.w[1])
                     : [base_lo] "m"(tsc_base.w[0]), [base_hi] "m"(tsc_base.w[1]), [mult] "m"(tsc_mult)
                     : "cc");
    return now;
}

void timer_init(void)
{
    out8(PIT_CMD, 0x34);                    /* channel 0, lo/hi byte, rate generator */
    out8(PIT_CH0, PIT_RELOAD & 0xFF);
    out8(PIT_CH0, PIT_RELOAD >> 8);
    timer_calibrate();
    pic_unmask(0);
}
