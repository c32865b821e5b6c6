/*
 * Measures the timeout queues: instructions per insert, per remove and per
 * timer tick (expiry processing) with 10, 1000 and 100000 pending timeouts,
 * for the calendar queue (src/core/wakeup.c) and the sorted-list baseline
 * (baseline_sorted.h). Pending deadlines are uniform in [now+1ms, now+5s).
 * insert/remove: a batch of nodes (n for n < 100, else n/10 capped at 1000)
 * is inserted on top of the n pending and removed again (the queue holds
 * n..n+batch), repeated until N = 1000 of each. tick: N = 1000 consecutive 1 ms ticks,
 * each expiring every due node (about 20% of the pending ones expire over
 * the 1000 ticks; they are not re-inserted).
 */
#include <core/wakeup.h>
#include <stdio.h>
#include <stdlib.h>

#include "baseline_sorted.h"

#define BENCH_N     1000u
#define MAX_PENDING 100000u
#define SPREAD_US   5000000u        /* pending deadlines within 5 s */

static struct wakeup_node pending[MAX_PENDING];
static struct wakeup_node extra[BENCH_N];
static uint64_t pending_deadline[MAX_PENDING];
static uint64_t extra_deadline[BENCH_N];
static volatile unsigned sink;
static int failed;

static uint64_t rng = 0x9E3779B97F4A7C15ull;

/* xorshift64: deterministic pseudo-random numbers. */
static uint64_t rng_next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A deadline uniform in [now + 1 ms, now + SPREAD_US). */
static uint64_t random_deadline(uint64_t now)
{
    return now + 1000 + rng_next() % (SPREAD_US - 1000);
}

__attribute__((noinline)) void bench_op_calendar_insert(struct wakeup_queue *q,
                                                        struct wakeup_node *n,
                                                        const uint64_t *d, unsigned count);
__attribute__((noinline)) void bench_op_calendar_remove(struct wakeup_queue *q,
                                                        struct wakeup_node *n, unsigned count);
__attribute__((noinline)) void bench_op_calendar_tick(struct wakeup_queue *q, uint64_t now,
                                                      unsigned count);
__attribute__((noinline)) void bench_op_sorted_insert(struct sorted_queue *q,
                                                      struct wakeup_node *n, const uint64_t *d,
                                                      unsigned count);
__attribute__((noinline)) void bench_op_sorted_remove(struct sorted_queue *q,
                                                      struct wakeup_node *n, unsigned count);
__attribute__((noinline)) void bench_op_sorted_tick(struct sorted_queue *q, uint64_t now,
                                                    unsigned count);

void bench_op_calendar_insert(struct wakeup_queue *q, struct wakeup_node *n, const uint64_t *d,
                              unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        wakeup_insert(q, &n[i], d[i]);
}

void bench_op_calendar_remove(struct wakeup_queue *q, struct wakeup_node *n, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        wakeup_remove(q, &n[i]);
}

/* `count` ticks of 1 ms after `now`, handing out every expired node. */
void bench_op_calendar_tick(struct wakeup_queue *q, uint64_t now, unsigned count)
{
    unsigned expired = 0;
    for (unsigned i = 1; i <= count; i++)
        while (wakeup_expire(q, now + (uint64_t)i * WAKEUP_TICK_US) != NULL)
            expired++;
    sink = expired;
}

void bench_op_sorted_insert(struct sorted_queue *q, struct wakeup_node *n, const uint64_t *d,
                            unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        sorted_insert(q, &n[i], d[i]);
}

void bench_op_sorted_remove(struct sorted_queue *q, struct wakeup_node *n, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        sorted_remove(q, &n[i]);
}

void bench_op_sorted_tick(struct sorted_queue *q, uint64_t now, unsigned count)
{
    unsigned expired = 0;
    for (unsigned i = 1; i <= count; i++)
        while (sorted_expire(q, now + (uint64_t)i * WAKEUP_TICK_US) != NULL)
            expired++;
    sink = expired;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nodes inserted per insert/remove round with n pending. */
static unsigned batch_for(unsigned n)
{
    if (n < 100)
        return n;
    return n / 10 < BENCH_N ? n / 10 : BENCH_N;
}

static void clear_nodes(void)
{
    for (unsigned i = 0; i < MAX_PENDING; i++)
        pending[i].list = 0;
    for (unsigned i = 0; i < BENCH_N; i++)
        extra[i].list = 0;
}

/* One case: n pending timeouts, both queues fed the same deadlines. */
static void bench_case(unsigned n)
{
    const uint64_t now = 1000000;
    unsigned batch = batch_for(n);
    for (unsigned i = 0; i < n; i++)
        pending_deadline[i] = random_deadline(now);
    qsort(pending_deadline, n, sizeof pending_deadline[0], compare_u64); /* for sorted_append */
    for (unsigned i = 0; i < BENCH_N; i++)
        extra_deadline[i] = random_deadline(now);
    printf("BENCH n%u %u\n", n, BENCH_N);

    static struct wakeup_queue cq;
    clear_nodes();
    wakeup_init(&cq, now);
    for (unsigned i = 0; i < n; i++)
        wakeup_insert(&cq, &pending[i], pending_deadline[i]);
    for (unsigned done = 0; done < BENCH_N; done += batch) {
        bench_op_calendar_insert(&cq, extra, extra_deadline + done, batch);
        bench_op_calendar_remove(&cq, extra, batch);
    }
    bench_op_calendar_tick(&cq, now, BENCH_N);
    unsigned cal_left = wakeup_pending(&cq);

    static struct sorted_queue sq;
    clear_nodes();
    sorted_init(&sq);
    for (unsigned i = 0; i < n; i++)
        sorted_append(&sq, &pending[i], pending_deadline[i]);
    for (unsigned done = 0; done < BENCH_N; done += batch) {
        bench_op_sorted_insert(&sq, extra, extra_deadline + done, batch);
        bench_op_sorted_remove(&sq, extra, batch);
    }
    bench_op_sorted_tick(&sq, now, BENCH_N);
    unsigned sorted_left = 0;
    for (const struct wakeup_node *p = sq.head.next; p != &sq.head; p = p->next)
        sorted_left++;

    /* both queues must have expired the same nodes */
    if (cal_left != sorted_left) {
        fprintf(stderr, "bench_wakeup: n=%u: calendar left %u, sorted left %u\n", n, cal_left,
                sorted_left);
        failed = 1;
    }
}

int main(void)
{
    static const unsigned sizes[] = {10, 1000, MAX_PENDING};
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        bench_case(sizes[i]);
    return failed;
}
