/*
 * IPC benchmark, module 1 (root task). Partners: module 0 (runs as sigma0,
 * another address space) and a worker thread in our own space; both echo
 * every call with the tag they received (echo.h). Each figure is a loop of
 * raw-assembly calls through the KIP entry timed with rdtsc: under
 * `qemu -icount shift=0` rdtsc counts guest instructions exactly, so the
 * figures are instructions and repeat exactly from run to run. A call is a
 * round trip, two one-way IPCs of the same length.
 *
 * Output: `[BENCH] <name> <instructions>` lines, `[BENCH-PLOT] u fast
 * general` lines (one-way instructions against message words), and
 * costcount windows (xchg %bx,%bx toggles): window 1 = one steady-state
 * fast-path call and window 2 = one general-path call (for the itrace),
 * window 3 = the oneway_inter_u0 loop, window 4 = the oneway_general_u0
 * loop (bench/ipc reads them in this order).
 */
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/utcb.h>

#include "echo.h"

#define WARMUP 100u
#define ROUNDS 1000u
#define PLOT_ROUNDS 20u
#define RCV_1S 0x2BE8u            /* receive timeout 1000 * 2^10 us: finite, never hit */

static unsigned long long rdtsc(void)
{
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (unsigned long long)hi << 32 | lo;
}

static void window_toggle(void) { __asm__ volatile("xchg %%bx, %%bx" ::: "memory"); }

/* Arguments of call_loop, by absolute address (the loop keeps no register). */
struct loop_args {
    unsigned count, to, entry, utcb, tag, timeouts;
};
struct loop_args la __attribute__((used));

/* la.count calls to la.to with MR0 = la.tag (closed receive from it). */
static void call_loop(void)
{
    __asm__ volatile("push %%ebp\n\t"
                     "1:\n\t"
                     "mov la+4, %%eax\n\t"          /* to */
                     "mov la+20, %%ecx\n\t"         /* timeouts */
                     "mov %%eax, %%edx\n\t"         /* closed receive from it */
                     "mov la+16, %%esi\n\t"         /* MR0 */
                     "mov la+12, %%edi\n\t"
                     "call *la+8\n\t"
                     "decl la+0\n\t"
                     "jnz 1b\n\t"
                     "pop %%ebp\n\t"
                     :
                     :
                     : "eax", "ebx", "ecx", "edx", "esi", "edi", "memory", "cc");
}

/* Instructions per call of `n` calls to `to` with `u` words, `timeouts`;
 * `window`: the timed loop is a costcount window. */
static unsigned measure_window(unsigned to, unsigned u, unsigned timeouts, unsigned n, int window)
{
    la.to = to;
    la.tag = u;
    la.timeouts = timeouts;
    la.count = WARMUP / 10u;
    call_loop();
    la.count = n;
    if (window)
        window_toggle();
    unsigned long long t0 = rdtsc();
    call_loop();
    unsigned long long t1 = rdtsc();
    if (window)
        window_toggle();
    return (unsigned)(t1 - t0) / n;           /* a few million at most: fits 32 bits */
}

static unsigned measure(unsigned to, unsigned u, unsigned timeouts, unsigned n)
{
    return measure_window(to, u, timeouts, n, 0);
}

static void print_dec(unsigned v)
{
    char buf[12];
    int i = 11;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + (unsigned)(v % 10u));
        v /= 10u;
    } while (v);
    L4_KDB_PrintString(&buf[i]);
}

static void report(const char *name, unsigned v)
{
    L4_KDB_PrintString("[BENCH] ");
    L4_KDB_PrintString(name);
    L4_KDB_PrintString(" ");
    print_dec(v);
    L4_KDB_PrintString("\n");
}

static unsigned kip_entry;
static unsigned char worker_stack[4096] __attribute__((aligned(16)));

/* The worker in our own space: echoes whoever sent it the first message. */
static void worker(void)
{
    L4_ThreadId_t from;
    L4_Wait(&from);
    echo_loop(kip_entry, from.raw, L4_MyLocalId().raw);
}

/* Create and start the worker (its pager: the partner, still serving faults). */
static unsigned worker_create(void *kip, L4_ThreadId_t pager)
{
    L4_ThreadId_t w = L4_GlobalId(L4_ThreadIdUserBase(kip) + 3, 1);   /* +2 is us */
    unsigned utcb_loc = (L4_MyLocalId().raw & ~0x1FFu) + 0x200u;
    for (unsigned i = 0; i < sizeof worker_stack; i += 1024)
        worker_stack[i] = 0;
    if (L4_ThreadControl(w, L4_MyGlobalId(), L4_MyGlobalId(), pager, (void *)utcb_loc) != 1)
        return 0;
    L4_Set_Priority(w, 255);                   /* ours: an equal-priority ping-pong */
    L4_Start_SpIp(w, (L4_Word_t)(worker_stack + sizeof worker_stack - 16), (L4_Word_t)worker);
    L4_LoadMR(0, 1u << 16);
    L4_Call(w);                                /* it answers from its echo loop */
    return utcb_loc + 256u;                    /* its local ID */
}

int main(void)
{
    void *kip = L4_GetKernelInterface();
    kip_entry = (unsigned)kip + ((const unsigned *)kip)[0xE0 / 4];
    L4_ThreadId_t partner = L4_GlobalId(L4_ThreadIdUserBase(kip), 1);

    /* touch our strings and data while the partner still resolves page faults */
    L4_KDB_PrintString("[BENCH] ipc: calls to a thread in another space and in our own\n");
    L4_KDB_PrintString("");
    print_dec(0);
    L4_KDB_PrintString("\n");
    la.entry = kip_entry;
    la.utcb = L4_MyLocalId().raw;
    unsigned worker_local = worker_create(kip, partner);
    L4_LoadMR(0, 1u << 16);                    /* label 1: start the raw loop */
    L4_Call(partner);
    measure(partner.raw, 0, 0, WARMUP);

    la.count = 1;                               /* window 1: one call, for the trace */
    window_toggle();
    call_loop();
    window_toggle();
    measure(partner.raw, 0, RCV_1S, WARMUP);
    la.count = 1;                               /* window 2: one general-path call */
    window_toggle();
    call_loop();
    window_toggle();
    unsigned rt0 = measure_window(partner.raw, 0, 0, ROUNDS, 1);         /* window 3 */
    unsigned gen0 = measure_window(partner.raw, 0, RCV_1S, ROUNDS, 1);   /* window 4 */

    report("oneway_inter_u0", rt0 / 2);
    report("oneway_inter_u8", measure(partner.raw, 8, 0, ROUNDS) / 2);
    report("oneway_inter_u63", measure(partner.raw, 63, 0, ROUNDS) / 2);
    if (worker_local)
        report("oneway_intra_u0", measure(worker_local, 0, 0, ROUNDS) / 2);
    else
        L4_KDB_PrintString("[BENCH] error: could not create the worker thread\n");
    report("call_roundtrip_u0", rt0);
    report("oneway_general_u0", gen0 / 2);
    for (unsigned u = 0; u < 64; u++) {
        L4_KDB_PrintString("[BENCH-PLOT] ");
        print_dec(u);
        L4_KDB_PrintString(" ");
        print_dec(measure(partner.raw, u, 0, PLOT_ROUNDS) / 2);
        L4_KDB_PrintString(" ");
        print_dec(measure(partner.raw, u, RCV_1S, PLOT_ROUNDS) / 2);
        L4_KDB_PrintString("\n");
    }
    L4_KDB_PrintString("bench done.\n[TEST:EXIT] 0\n");
    for (;;)
        L4_KDB_Enter("benchmark finished");
}
