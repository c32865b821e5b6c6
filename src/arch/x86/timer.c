/* PIT tick and the arch_timer_now() hook; see arch/timer.h. */
#include <arch/cpu.h>
#include <arch/pic.h>
#include <arch/timer.h>
#include <core/arch_hooks.h>

#define PIT_CH0  0x40
#define PIT_CMD  0x43

static volatile uint64_t ticks;
static uint64_t last_now;

void timer_init(void)
{
    out8(PIT_CMD, 0x34);                    /* channel 0, lo/hi byte, rate generator */
    out8(PIT_CH0, PIT_RELOAD & 0xFF);
    out8(PIT_CH0, PIT_RELOAD >> 8);
    pic_unmask(0);
}

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

/* True if IRQ 0 is raised but not yet serviced (the counter wrapped). */
static int pit_tick_pending(void)
{
    out8(0x20, 0x0A);                       /* PIC: read the IRR next */
    return in8(0x20) & 1u;
}

uint64_t arch_timer_now(void)
{
    unsigned counter = pit_read_counter();
    uint64_t t = ticks;
    if (counter > PIT_RELOAD)
        counter = PIT_RELOAD;
    uint32_t elapsed = (PIT_RELOAD - counter) * TIMER_TICK_US / PIT_RELOAD;
    /* the counter reloaded but the tick is not counted yet (interrupts are
     * off in the kernel): a small `elapsed` belongs to the next tick */
    if (elapsed < TIMER_TICK_US / 2 && pit_tick_pending())
        t++;
    uint64_t now = t * TIMER_TICK_US + elapsed;
    /* the counter may wrap before the tick is counted: never go backwards */
    if (now < last_now)
        now = last_now;
    last_now = now;
    return now;
}
