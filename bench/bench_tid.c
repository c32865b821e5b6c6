/* Measures instructions per thread-ID -> TCB lookup: tid_lookup() with a valid
 * global ID, a stale version, an out-of-range number, and tid_lookup_local()
 * with a valid local ID (256 threads registered). */
#include <core/space.h>
#include <core/tcb.h>
#include <core/tid.h>
#include <mock/hooks.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 1024u
#define NACTIVE  256u
#define FIRST_NO TID_USER_BASE
#define N        100000u
#define UTCB_BASE 0x00800000u

static volatile uintptr_t sink;
static volatile unsigned bench_n = N;     /* read at run time: no constant-propagated clones */
static tid_t ids[NACTIVE];
static word_t utcb_mem[NACTIVE][128];
static struct space space;

/* Lookups of existing threads, cycling through them (cache-warm). */
__attribute__((noinline)) static void bench_op_lookup_valid(unsigned n)
{
    uintptr_t acc = 0;
    for (unsigned i = 0; i < n; i++)
        acc += (uintptr_t)tid_lookup(ids[i & (NACTIVE - 1u)]);
    sink = acc;
}

/* Lookups with the right number but a wrong version. */
__attribute__((noinline)) static void bench_op_lookup_stale(unsigned n)
{
    uintptr_t acc = 0;
    for (unsigned i = 0; i < n; i++)
        acc += (uintptr_t)tid_lookup(ids[i & (NACTIVE - 1u)] + 1u);
    sink = acc;
}

/* Lookups of numbers beyond the TCB area. */
__attribute__((noinline)) static void bench_op_lookup_range(unsigned n)
{
    uintptr_t acc = 0;
    for (unsigned i = 0; i < n; i++)
        acc += (uintptr_t)tid_lookup(tid_make_global(NTHREADS + (i & 255u), 1));
    sink = acc;
}

/* Local-ID lookups of active threads of one space. */
__attribute__((noinline)) static void bench_op_lookup_local(unsigned n)
{
    uintptr_t acc = 0;
    for (unsigned i = 0; i < n; i++)
        acc += (uintptr_t)tid_lookup_local(&space, UTCB_BASE + (i & (NACTIVE - 1u)) * 512u + 256u);
    sink = acc;
}

int main(void)
{
    mock_reset();
    void *area = aligned_alloc(TCB_SIZE, (size_t)NTHREADS * TCB_SIZE);
    if (area == NULL)
        return 1;
    memset(area, 0, (size_t)NTHREADS * TCB_SIZE);
    tcb_area_init(area, NTHREADS);
    space = (struct space){ .redirector = TID_ANY };
    for (unsigned i = 0; i < NACTIVE; i++) {
        struct tcb *t = NULL;
        ids[i] = tid_make_global(FIRST_NO + i * 3u, 1);
        if (tcb_create(ids[i], &space, TID_NIL, &t) != TCB_OK)
            return 1;
        tcb_activate(t, UTCB_BASE + i * 512u, &utcb_mem[i][64]);
    }
    unsigned n = bench_n;
    bench_op_lookup_valid(n);
    printf("BENCH lookup_valid %u\n", n);
    bench_op_lookup_stale(n);
    printf("BENCH lookup_stale %u\n", n);
    bench_op_lookup_range(n);
    printf("BENCH lookup_range %u\n", n);
    bench_op_lookup_local(n);
    printf("BENCH lookup_local %u\n", n);
    tcb_area_init(NULL, 0);
    free(area);
    return 0;
}
