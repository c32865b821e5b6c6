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
 * loop, window 5 = one steady-state call to the worker in our own space
 * (for the itrace; empty without a worker), window 6 = the
 * oneway_large_small_u0 loop, window 7 = the oneway_small_u0 loop
 * (bench/ipc reads them in this order).
 *
 * Small spaces come last: once a space has been small the kernel leaves the
 * sysenter fast path for good (src/arch/x86/smallspace.c), so every figure
 * before is measured with no small space ever made. Then we build two new
 * spaces S1 and S2 from our own image (our pager thread P maps our pages
 * 1:1; the whole image is faulted in at the start, while the partner still
 * serves our page faults), make them small (16 MB each, window offsets 0
 * and 16 MB) and time our calls to an echo thread in S1 (large <-> small)
 * and the calls of a driver thread in S1 to an echo thread in S2 (small <->
 * small). The threads in S1/S2 use no library call (the library caches the
 * KIP address of our space in data they share): raw IPC through the KIP
 * entry of their own KIP area.
 */
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>

#include "echo.h"

#define WARMUP 100u
#define ROUNDS 1000u
#define PLOT_ROUNDS 20u
#define RCV_1S 0x2BE8u            /* receive timeout 1000 * 2^10 us: finite, never hit */
#define UTCB_AREA 0x00F00000u     /* S1/S2: KIP and UTCB areas inside their 16 MB */
#define KIP_AREA 0x00FFF000u
#define OP_START 0x104u

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
 * `window`: the timed loop is a costcount window. The partner's echo waits
 * with the same receive timeout (our MR1, set by one call with u = 1 first:
 * echo.h), so that with a finite one both one-ways of a call take the
 * general path; the worker's echo always waits without one. */
static unsigned measure_window(unsigned to, unsigned u, unsigned timeouts, unsigned n, int window)
{
    ((unsigned *)la.utcb)[1] = ECHO_TIMEOUTS | (timeouts & 0xFFFFu);
    la.to = to;
    la.tag = 1;
    la.timeouts = timeouts;
    la.count = 1;
    call_loop();
    la.tag = u;
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
    echo_loop(kip_entry, from.raw, L4_MyLocalId().raw, 0);
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

/* ---- small spaces (after every other figure) ----------------------------- */

extern unsigned char _end[];

/* The KIP entry of S1/S2 (their KIP area), the IDs they talk to, the
 * driver's result; all shared with S1/S2 through our 1:1 mapped pages. */
unsigned small_entry __attribute__((used));
static L4_ThreadId_t root_gid, pager_gid, s1_echo, s1_driver, s2_echo;
static volatile unsigned small_ticks;
static unsigned char small_stacks[4][4096] __attribute__((aligned(16)));

/* One raw IPC through small_entry (no library: see the header comment). */
static void raw_ipc(unsigned to, unsigned from, unsigned utcb)
{
    unsigned tmo = 0, mr0 = 0;
    __asm__ volatile("push %%ebp\n\t"
                     "call *small_entry\n\t"
                     "pop %%ebp\n\t"
                     : "+a"(to), "+c"(tmo), "+d"(from), "+S"(mr0), "+D"(utcb)
                     :
                     : "ebx", "memory", "cc");
}

static unsigned my_utcb(void)
{
    unsigned u;
    __asm__ volatile("mov %%gs:0, %%eax" : "=a"(u));
    return u;
}

/* S1's echo thread: waits for us, then echoes us forever. */
static void s1_echo_main(void)
{
    unsigned utcb = my_utcb();
    raw_ipc(0, root_gid.raw, utcb);
    echo_loop(small_entry, root_gid.raw, utcb, 0);
}

/* S2's echo thread: waits for S1's driver, then echoes it forever. */
static void s2_echo_main(void)
{
    unsigned utcb = my_utcb();
    raw_ipc(0, s1_driver.raw, utcb);
    echo_loop(small_entry, s1_driver.raw, utcb, 0);
}

/* S1's driver: on our call, times ROUNDS calls to S2's echo thread (window
 * 6) into small_ticks and answers. */
static void s1_driver_main(void)
{
    unsigned utcb = my_utcb();
    for (;;) {
        raw_ipc(0, root_gid.raw, utcb);
        la.entry = small_entry;
        la.utcb = utcb;
        la.to = s2_echo.raw;
        la.tag = 0;
        la.timeouts = 0;
        la.count = WARMUP;
        call_loop();
        la.count = ROUNDS;
        window_toggle();
        unsigned long long t0 = rdtsc();
        call_loop();
        unsigned long long t1 = rdtsc();
        window_toggle();
        small_ticks = (unsigned)(t1 - t0);
        raw_ipc(root_gid.raw, 0, utcb);
    }
}

/* Our pager P for S1/S2: maps our page at the faulting address 1:1; on a
 * start request from us sends thread MR1 its IP MR2 and SP MR3. */
static void pager_main(void)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        if (L4_Label(tag) == OP_START) {
            L4_ThreadId_t t = { .raw = mr[1] };
            L4_Word_t ip = mr[2], sp = mr[3];
            mr[0] = L4_MsgTagMake(0, 2, 0).raw;
            mr[1] = ip;
            mr[2] = sp;
            L4_Word_t ok = L4_IpcSucceeded(L4_Send(t));
            mr[0] = L4_MsgTagMake(OP_START, 1, 0).raw;
            mr[1] = ok;
        } else if ((L4_Label(tag) >> 4) == 0xFFEu) {
            L4_Word_t page = mr[1] & ~0xFFFu;
            mr[0] = L4_MsgTagMake(0, 0, 2).raw;
            mr[1] = page | 0x8u;
            mr[2] = page | (12u << 4) | 0x7u;
        } else {
            mr[0] = 0;
        }
        L4_Reply(from);
    }
}

/* P starts thread t at ip on its own stack. */
static int small_start(L4_ThreadId_t t, void (*ip)(void), unsigned char *stack)
{
    L4_LoadMR(0, L4_MsgTagMake(OP_START, 3, 0).raw);
    L4_LoadMR(1, t.raw);
    L4_LoadMR(2, (L4_Word_t)ip);
    L4_LoadMR(3, (L4_Word_t)(stack + 4096 - 16));
    L4_MsgTag_t tag = L4_Call(pager_gid);
    L4_Word_t ok = 0;
    L4_StoreMR(1, &ok);
    return L4_IpcSucceeded(tag) && ok == 1;
}

/* A new space for thread t, paged by P, made small with descriptor `desc`. */
static int small_space_new(L4_ThreadId_t t, L4_Word_t desc, void (*ip)(void), unsigned char *stack)
{
    L4_Word_t old;
    return L4_ThreadControl(t, t, root_gid, L4_nilthread, (void *)-1) == 1 &&
           L4_SpaceControl(t, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 14), L4_nilthread,
                           &old) == 1 &&
           L4_ThreadControl(t, t, root_gid, pager_gid, (void *)UTCB_AREA) == 1 &&
           L4_Set_Priority(t, 255) != 0 && small_start(t, ip, stack) &&
           L4_SpaceControl(t, 0x80000000u | desc, L4_Nilpage, L4_Nilpage, L4_nilthread, &old) == 1 &&
           old == 0x80000000u;
}

/* Build S1 (echo + driver) and S2 (echo), both small; 0 on failure. */
static int small_setup(void *kip, unsigned utcb_loc)
{
    L4_Word_t base = L4_ThreadIdUserBase(kip);
    root_gid = L4_MyGlobalId();
    pager_gid = L4_GlobalId(base + 4, 1);
    s1_echo = L4_GlobalId(base + 20, 1);
    s1_driver = L4_GlobalId(base + 21, 1);
    s2_echo = L4_GlobalId(base + 22, 1);
    small_entry = KIP_AREA + ((const unsigned *)kip)[0xE0 / 4];
    if (L4_ThreadControl(pager_gid, root_gid, root_gid, L4_Pager(), (void *)utcb_loc) != 1)
        return 0;
    L4_Start_SpIp(pager_gid, (L4_Word_t)(small_stacks[3] + 4096 - 16), (L4_Word_t)pager_main);
    return small_space_new(s1_echo, 0x04u, s1_echo_main, small_stacks[0]) &&
           L4_ThreadControl(s1_driver, s1_echo, root_gid, pager_gid, (void *)(UTCB_AREA + 0x200u)) == 1 &&
           L4_Set_Priority(s1_driver, 255) != 0 && small_start(s1_driver, s1_driver_main, small_stacks[1]) &&
           small_space_new(s2_echo, 0x0Cu, s2_echo_main, small_stacks[2]);
}

static int str_equal(const char *a, const char *b)
{
    for (; *a && *a == *b; a++)
        b++;
    return *a == *b;
}

/* True when the KIP lists the feature `smallspaces`. */
static int small_supported(const void *kip)
{
    for (L4_Word_t n = 0; L4_Feature(kip, n); n++)
        if (str_equal(L4_Feature(kip, n), "smallspaces"))
            return 1;
    return 0;
}

/* The small-space figures: windows 6 (us <-> S1) and 7 (S1 <-> S2); 0 when
 * the kernel has small spaces but they could not be set up. */
static int small_measure(void *kip, unsigned utcb_loc)
{
    if (!small_supported(kip)) {
        L4_KDB_PrintString("[BENCH] note: no small spaces in this kernel (KIP feature smallspaces)\n");
        return 1;
    }
    if (!small_setup(kip, utcb_loc)) {
        L4_KDB_PrintString("[BENCH] error: could not set up the small spaces\n");
        return 0;
    }
    report("oneway_large_small_u0", measure_window(s1_echo.raw, 0, 0, ROUNDS, 1) / 2);
    L4_LoadMR(0, 0);
    L4_Call(s1_driver);
    la.entry = kip_entry;
    la.utcb = L4_MyLocalId().raw;
    report("oneway_small_u0", small_ticks / ROUNDS / 2);
    return 1;
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
    for (volatile unsigned char *b = (unsigned char *)0x00A00000u; b < _end; b += 4096)
        *b = *b;                                /* all of it: S1/S2 use any page later */
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
    la.count = 1;                               /* window 5: one intra-space call */
    window_toggle();
    if (worker_local)
        call_loop();                            /* (to the worker: measure left la.to so) */
    window_toggle();
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
    if (!small_measure(kip, (L4_MyLocalId().raw & ~0x1FFu) + 0x400u))
        L4_KDB_PrintString("[TEST:EXIT] 1\n");     /* no "bench done.": the test fails */
    else
        L4_KDB_PrintString("bench done.\n[TEST:EXIT] 0\n");
    for (;;)
        L4_KDB_Enter("benchmark finished");
}
