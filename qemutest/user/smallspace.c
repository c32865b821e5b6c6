/*
 * Root task (module 1, our sigma0 as module 0) exercising small address
 * spaces (notes §7, ABI 4.5 SpaceControl control word) on the real kernel.
 *
 *   root space (large): this root task R, the pager P, a worker r2
 *   space A: workers a1, a2          space B: worker b1
 *   space C (large): worker c1       space D: worker d1 (made later)
 *
 * Every worker runs the same loop: it echoes a message (words + 1, its
 * identity word, and the received string with every byte + 1 sent back as
 * a string item), calls another worker on command and checks that echo,
 * or reads a word for the root task. The workers share the root task's
 * image (P maps R's pages 1:1), but the private pages at PRIV come from a
 * pool of R's pages distinct per space: a worker writes its identity there
 * first and echoes it back, so a small space running with wrong segments
 * (another space's memory) or stale window entries is caught. P counts the
 * page faults of each space and records the last address.
 *
 * Checked: the control word (e, previous descriptor, refusals), conversions
 * both ways with live mappings (no new faults), IPC in each case of the
 * notes' table (large->large, large->small, small->same, small->small,
 * small->current large, small->non-current large, and large->small from a
 * non-current large space) with string items both ways, string copies
 * interrupted by a page fault of the receiver served in another hardware
 * address space, unmap while small (the mapping vanishes from the window:
 * the next touch faults), thread deletion and space deletion while small
 * (the slot becomes free again).
 */
#include "exc_user.h"
#include "ktest_user.h"
#include "odd_ss.h"

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>

#ifndef SMALLSPACE_PROT
#define SMALLSPACE_PROT 0
#endif

#define UTCB_AREA 0x00F00000u    /* inside the smallest slot of 16 MB used here */
#define KIP_AREA  0x00FFF000u
#define PRIV      0x00C00000u    /* private pages of each space, from R's pool */
#define NPRIV     4u
#define STR_LEN   200u
#define MAGIC     0x5A110000u

#define OP_ECHO  0x101u
#define OP_CALL  0x102u
#define OP_READ  0x103u
#define OP_START 0x104u
#define OP_PING  0x105u
#define OP_MEASURE 0x106u
#define OP_PROT  0x107u
#define OP_PINGS 0x108u    /* untyped call loop to a1, a2 rounds: bad rounds */
#define OP_PONG  0x109u    /* answered with MR1 + 1 by reply-and-wait */
#define OP_PONG_END 0x10Au /* ends the reply-and-wait loop (sent, not called) */

enum { SP_ROOT, SP_A, SP_B, SP_C, SP_D, NSPACES };
enum { W_A1, W_A2, W_B1, W_C1, W_D1, W_R2, NWORKERS };

static const unsigned worker_space[NWORKERS] = { SP_A, SP_A, SP_B, SP_C, SP_D, SP_ROOT };
static L4_ThreadId_t root_id, root_local, pager_id, wid[NWORKERS];
static unsigned char stacks[NWORKERS + 1][4096] __attribute__((aligned(16)));
static unsigned char pool[NSPACES][NPRIV][4096] __attribute__((aligned(4096)));
/* The user library caches the system-call entries (KIP-area addresses) in
 * its data: each space gets its own zeroed copy of that page (libpage), so
 * it finds its own KIP area; nothing the workers share may live there. */
static unsigned char libpage[NSPACES][4096] __attribute__((aligned(4096)));
static volatile L4_Word_t faults[NSPACES], last_fault[NSPACES];
static unsigned char r_send[STR_LEN], r_recv[STR_LEN + 8];

extern unsigned char _end[];

static L4_Word_t *mrs(void)
{
    return (L4_Word_t *)L4_MyLocalId().raw;
}

static L4_Word_t lib_page(void)
{
    return (L4_Word_t)__L4_syscall_entry & ~0xFFFu;
}

static int on_lib_page(const volatile void *p, L4_Word_t size)
{
    L4_Word_t a = (L4_Word_t)p;
    return a + size > lib_page() && a < lib_page() + 4096u;
}

static unsigned worker_index(L4_ThreadId_t t)
{
    for (unsigned i = 0; i < NWORKERS; i++)
        if (wid[i].raw == t.raw)
            return i;
    return NWORKERS;
}

static unsigned space_of(L4_ThreadId_t t)
{
    unsigned w = worker_index(t);
    return w < NWORKERS ? worker_space[w] : SP_ROOT;
}

/* ---- the pager -------------------------------------------------------- */

/* Serve page faults forever: PRIV pages from the faulting space's pool, all
 * else R's own page at the same address. */
static void pager(void)
{
    L4_Word_t *mr = mrs();
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcSucceeded(tag) && L4_Label(tag) == OP_START &&
            (from.raw == root_id.raw || from.raw == root_local.raw)) {   /* R's space: local From */
            L4_ThreadId_t t = { .raw = mr[1] };            /* start messages come from the pager */
            L4_Word_t ip = mr[2], sp = mr[3];
            mr[0] = L4_MsgTagMake(0, 2, 0).raw;
            mr[1] = ip;
            mr[2] = sp;
            L4_Word_t ok = L4_IpcSucceeded(L4_Send(t));
            mr[0] = L4_MsgTagMake(OP_START, 1, 0).raw;
            mr[1] = ok;
            L4_Reply(from);
            continue;
        }
        if (L4_IpcFailed(tag) || (L4_Label(tag) >> 4) != 0xFFEu)
            continue;
        unsigned sp = space_of(from);
        L4_Word_t addr = mr[1], page = addr & ~0xFFFu, src = page;
        faults[sp]++;
        last_fault[sp] = addr;
        if (page >= PRIV && page < PRIV + NPRIV * 4096u)
            src = (L4_Word_t)pool[sp][(page - PRIV) >> 12];
        if (page == lib_page())
            src = (L4_Word_t)libpage[sp];
        *(volatile L4_Word_t *)src = *(volatile L4_Word_t *)src;   /* mapped in R */
        mr[0] = L4_MsgTagMake(0, 0, 2).raw;
        mr[1] = page | 0x8u;                                           /* map item, SndBase */
        mr[2] = src | (12u << 4) | 0x7u;
        L4_Reply(from);
    }
}

/* ---- the workers and R's calls ---------------------------------------- */

static void fill(unsigned char *b, L4_Word_t seed)
{
    for (unsigned i = 0; i < STR_LEN; i++)
        b[i] = (unsigned char)(seed * 7u + i);
}

/* Accept one string of up to STR_LEN + 8 bytes into `buf` (BR0..BR2). */
static void accept_string(void *buf)
{
    L4_StringItem_t s = L4_StringItem(STR_LEN + 8u, buf);
    L4_LoadBR(0, L4_StringItems().raw);
    L4_LoadBR(1, s.raw[0]);
    L4_LoadBR(2, s.raw[1]);
}

/* Call `to` with an echo of seed and a string from sbuf; the reply string
 * lands in rbuf. 0 when the echo is right and names `expect_id`, else a
 * nonzero code saying what was wrong. */
static L4_Word_t echo_call(L4_ThreadId_t to, L4_Word_t seed, L4_Word_t expect_id, unsigned char *sbuf,
                           unsigned char *rbuf)
{
    L4_Word_t *mr = mrs();
    fill(sbuf, seed);
    for (unsigned i = 0; i < STR_LEN; i++)
        rbuf[i] = 0;
    accept_string(rbuf);
    L4_StringItem_t s = L4_StringItem(STR_LEN, sbuf);
    mr[0] = L4_MsgTagMake(OP_ECHO, 1, 2).raw;
    mr[1] = seed;
    mr[2] = s.raw[0];
    mr[3] = s.raw[1];
    L4_MsgTag_t tag = L4_Call(to);
    if (L4_IpcFailed(tag))
        return 0x100u | L4_ErrorCode();
    if (L4_UntypedWords(tag) != 2 || mr[1] != seed + 1u)
        return 2;
    if (mr[2] != expect_id)
        return 3;
    for (unsigned i = 0; i < STR_LEN; i++)
        if (rbuf[i] != (unsigned char)(sbuf[i] + 1u))
            return 4;
    return 0;
}


/* ---- protection (Bochs only: TCG does not check segment limits) -------- */

#define NPROT_SMALL 12
#define NPROT_LARGE 3
#define RESUMED(c)  (0x5E600000u | (c))

unsigned prot_results[NPROT_SMALL + NPROT_LARGE] __attribute__((used));

static const struct prot_case {
    const char *name;
    unsigned vector, error, len;   /* len: bytes of the faulting instruction */
} prot_cases[NPROT_SMALL + NPROT_LARGE] = {
    { "prot_small_read_past_limit", 13, 0, 5 },            /* mov 0x01000000, %eax */
    { "prot_small_write_past_limit", 13, 0, 10 },          /* movl $1, 0x01000000 */
    { "prot_small_read_other_small_space", 13, 0, 5 },     /* B's slot: 16 MB + PRIV */
    { "prot_small_read_kernel", 13, 0, 5 },                /* mov 0xC0000000, %eax */
    { "prot_small_es_string_past_limit", 13, 0, 1 },       /* stosb at 16 MB */
    { "prot_small_fs_past_limit", 13, 0, 6 },              /* mov %fs:0x01000000, %eax */
    { "prot_small_gs_data_past_limit", 13, 0, 6 },         /* %gs = 0x23 */
    { "prot_small_ss_push_past_limit", 12, 0, 1 },         /* push with ESP = 16 MB + 4 */
    { "prot_small_jump_past_limit", 13, 0, 2 },            /* jmp *%ecx to 16 MB */
    { "prot_small_far_jump_kernel_code", 13, 0x08, 7 },    /* ljmp $0x08, $0 */
    { "prot_small_load_kernel_data", 13, 0x10, 2 },        /* mov 0x10 -> %ds */
    { "prot_small_load_tss_selector", 13, 0x30, 2 },       /* mov 0x30 -> %es */
    { "prot_large_read_window", 13, 0, 5 },                /* mov 0xF8000000, %eax */
    { "prot_large_write_window_of_a", 13, 0, 10 },         /* movl $1, 0xF8C00000 */
    { "prot_large_read_above_window", 13, 0, 5 },          /* mov 0xFFC00000, %eax */
};

/* EAX = pattern, run `insn` (after `pre`), store EAX in prot_results[c]. */
#define PROT(c, pre, insn)                                                          \
    __asm__ volatile(pre "\n\t"                                                     \
                     "mov $0xA0A0A0A0, %%eax\n\t" insn "\n\t"                       \
                     "mov %%eax, prot_results+4*" #c "\n\t"                         \
                     :                                                              \
                     :                                                              \
                     : "eax", "ecx", "esi", "edi", "cc", "memory")

/* Run protection case c (A: 0..11, a small space of 16 MB at window offset
 * 0 with B above it; C: 12..14, a large space). */
static void prot_run(L4_Word_t c)
{
    switch (c) {
    case 0: PROT(0, "", "mov 0x01000000, %%eax"); break;
    case 1: PROT(1, "", "movl $1, 0x01000000"); break;
    case 2: PROT(2, "", "mov 0x01C00000, %%eax"); break;
    case 3: PROT(3, "", "mov 0xC0000000, %%eax"); break;
    case 4: PROT(4, "mov $0x01000000, %%edi", "stosb"); break;
    case 5: PROT(5, "", "mov %%fs:0x01000000, %%eax"); break;
    case 6:
        PROT(6, "mov %%gs, %%esi\n\tmov $0x23, %%ecx\n\tmov %%ecx, %%gs",
             "mov %%gs:0x01000000, %%eax\n\tmov %%esi, %%gs");
        break;
    case 7: PROT(7, "mov %%esp, %%esi\n\tmov $0x01000004, %%esp", "push %%eax\n\tmov %%esi, %%esp"); break;
    case 8: PROT(8, "mov $0x01000000, %%ecx", "jmp *%%ecx"); break;
    case 9: PROT(9, "", "ljmp $0x08, $0"); break;
    case 10: PROT(10, "mov %%ds, %%esi\n\tmov $0x10, %%ecx", "mov %%ecx, %%ds\n\tmov %%esi, %%ds"); break;
    case 11: PROT(11, "mov %%es, %%esi\n\tmov $0x30, %%ecx", "mov %%ecx, %%es\n\tmov %%esi, %%es"); break;
    case 12: PROT(12, "", "mov 0xF8000000, %%eax"); break;
    case 13: PROT(13, "", "movl $1, 0xF8C00000"); break;
    default: PROT(14, "", "mov 0xFFC00000, %%eax"); break;
    }
}

static inline L4_Word_t rdtsc_low(void)
{
    L4_Word_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo;
}

/* n short round trips to `to` inside one costcount window (markers are
 * no-ops without the plugin); rdtsc ticks (instructions under -icount). */
static L4_Word_t measure(L4_ThreadId_t to, L4_Word_t n)
{
    L4_Word_t *mr = mrs();
    L4_Word_t t0 = rdtsc_low();
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");     /* COSTCOUNT_TOGGLE */
    for (L4_Word_t i = 0; i < n; i++) {
        mr[0] = L4_MsgTagMake(OP_PING, 0, 0).raw;
        L4_Call(to);
    }
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");
    return rdtsc_low() - t0;
}

/* The data selectors of the running thread. */
static void data_selectors(L4_Word_t *ds, L4_Word_t *es)
{
    __asm__ volatile("mov %%ds, %0\n\tmov %%es, %1" : "=r"(*ds), "=r"(*es));
}

/* `n` untyped calls to `to`, which answers each with MR1 + 1 by
 * reply-and-wait: both block in the sysenter fast path, so each call
 * returns through the exit the fast path takes on the partner's frame.
 * Counts the rounds with a wrong answer or with selectors other than the
 * user's 0x23 in DS/ES afterwards. */
/* L4_Call(to) entered with EDI `edi` rather than our UTCB pointer (MR0
 * to MR2 stored as L4_Call stores them); *edi_out: the EDI it came back
 * with (ABI 4.4: our UTCB pointer, whatever we passed). */
static L4_MsgTag_t call_edi(L4_ThreadId_t to, L4_Word_t edi, L4_Word_t *edi_out)
{
    L4_Word_t *mr = mrs();
    L4_Word_t eax = to.raw, ecx = 0, edx = to.raw, esi = mr[0];
    L4_Word_t ebx = __L4_SyscallEntry(L4_SYSCALL_IPC);
    __asm__ volatile("push %%ebp\n\t"
                     "call *%%ebx\n\t"
                     "mov %%ebp, %%ecx\n\t"
                     "pop %%ebp"
                     : "+a"(eax), "+c"(ecx), "+d"(edx), "+S"(esi), "+b"(ebx), "+D"(edi)
                     :
                     : "memory", "cc");
    mr[0] = esi;
    mr[1] = ebx;
    mr[2] = ecx;
    *edi_out = edi;
    return (L4_MsgTag_t){ .raw = esi };
}

/* n calls to `to` (every other one entered with EDI wrong); the number
 * of bad answers. */
static L4_Word_t pings(L4_ThreadId_t to, L4_Word_t n)
{
    L4_Word_t *mr = mrs(), bad = 0;
    for (L4_Word_t i = 0; i < n; i++) {
        mr[0] = L4_MsgTagMake(OP_PONG, 1, 0).raw;
        mr[1] = i;
        L4_Word_t edi = (L4_Word_t)mr;
        L4_MsgTag_t tag = i % 2 ? call_edi(to, 0x5A5A0000u + 4u * i, &edi) : L4_Call(to);
        L4_Word_t ds, es, got = mr[1];
        data_selectors(&ds, &es);
        bad += L4_IpcFailed(tag) || got != i + 1u || (ds & 0xFFFFu) != 0x23u || (es & 0xFFFFu) != 0x23u ||
               edi != (L4_Word_t)mr;
    }
    mr[0] = L4_MsgTagMake(OP_PONG_END, 0, 0).raw;
    L4_Send(to);
    return bad;
}

/* Answer OP_PONG calls from `from` (the first one's MR1 is `a1`) until
 * OP_PONG_END arrives. */
static void pongs(L4_ThreadId_t from, L4_Word_t a1)
{
    L4_Word_t *mr = mrs();
    for (;;) {
        mr[0] = L4_MsgTagMake(OP_PONG, 1, 0).raw;
        mr[1] = a1 + 1u;
        L4_MsgTag_t tag = L4_ReplyWait(from, &from);
        if (L4_IpcFailed(tag) || L4_Label(tag) != OP_PONG)
            return;
        a1 = mr[1];
    }
}

static void worker(void)
{
    L4_Word_t *mr = mrs();
    unsigned w = worker_index(L4_MyGlobalId());
    unsigned char *in = (unsigned char *)(PRIV + 0x1000u);
    unsigned char *out = (unsigned char *)(PRIV + 0x2000u);
    unsigned char *mine = (unsigned char *)(PRIV + 0x3000u);
    if (worker_space[w] == SP_ROOT) {   /* r2 lives in R's space: its own pool pages */
        in = pool[SP_ROOT][1];
        out = pool[SP_ROOT][2];
        mine = pool[SP_ROOT][3];
    } else {
        *(volatile L4_Word_t *)PRIV = MAGIC + worker_space[w];
    }
    L4_ThreadId_t from = L4_nilthread;
    for (;;) {
        accept_string(in);
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        L4_Word_t op = L4_Label(tag), a1 = mr[1], a2 = mr[2];
        if (op == OP_PONG) {
            pongs(from, a1);
            continue;
        }
        L4_Word_t id = worker_space[w] == SP_ROOT ? MAGIC : *(volatile L4_Word_t *)PRIV;
        if (op == OP_ECHO) {
            for (unsigned i = 0; i < STR_LEN; i++)
                out[i] = (unsigned char)(in[i] + 1u);
            L4_StringItem_t s = L4_StringItem(STR_LEN, out);
            mr[0] = L4_MsgTagMake(OP_ECHO, 2, 2).raw;
            mr[1] = a1 + 1u;
            mr[2] = id;
            mr[3] = s.raw[0];
            mr[4] = s.raw[1];
        } else if (op == OP_CALL) {
            L4_ThreadId_t to = { .raw = a1 };
            L4_Word_t r = echo_call(to, a2, MAGIC + space_of(to), mine, in);
            mr[0] = L4_MsgTagMake(OP_CALL, 1, 0).raw;
            mr[1] = r;
        } else if (op == OP_PROT) {
            L4_Set_ExceptionHandler(root_id);
            prot_run(a1);
            mr[0] = L4_MsgTagMake(OP_PROT, 0, 0).raw;
        } else if (op == OP_PING) {
            mr[0] = 0;
        } else if (op == OP_PINGS) {
            L4_ThreadId_t to = { .raw = a1 };
            L4_Word_t bad = pings(to, a2);
            mr[0] = L4_MsgTagMake(OP_PINGS, 1, 0).raw;
            mr[1] = bad;
        } else if (op == OP_MEASURE) {
            L4_ThreadId_t to = { .raw = a1 };
            L4_Word_t ticks = measure(to, a2);
            mr[0] = L4_MsgTagMake(OP_MEASURE, 1, 0).raw;
            mr[1] = ticks;
        } else {
            mr[0] = L4_MsgTagMake(OP_READ, 1, 0).raw;
            mr[1] = *(volatile L4_Word_t *)a1;
        }
        L4_Reply(from);
    }
}

/* R asks worker `by` to do `op` with worker `to` and `arg`: its MR1, or
 * 0x200 + error. */
static L4_Word_t worker_op(unsigned by, L4_Word_t op, unsigned to, L4_Word_t arg)
{
    L4_Word_t *mr = mrs();
    mr[0] = L4_MsgTagMake(op, 2, 0).raw;
    mr[1] = wid[to].raw;
    mr[2] = arg;
    L4_MsgTag_t tag = L4_Call(wid[by]);
    return L4_IpcFailed(tag) ? 0x200u | L4_ErrorCode() : mr[1];
}

/* R asks worker `by` to echo-call `to`; 0 when that went right. */
static L4_Word_t order_call(unsigned by, unsigned to, L4_Word_t seed)
{
    return worker_op(by, OP_CALL, to, seed);
}

/* R has worker `by` ping-pong `n` untyped calls with worker `to`: the
 * rounds that went wrong (pings), or 0x200 + error. */
static L4_Word_t pingpong(unsigned by, unsigned to, L4_Word_t n)
{
    return worker_op(by, OP_PINGS, to, n);
}

/* R echo-calls worker `to` itself. */
static L4_Word_t root_call(unsigned to, L4_Word_t seed)
{
    unsigned sp = worker_space[to];
    return echo_call(wid[to], seed, MAGIC + sp, r_send, r_recv);
}

/* The word at user address va of worker w's space, read by w. */
static L4_Word_t worker_read(unsigned w, L4_Word_t va)
{
    L4_Word_t *mr = mrs();
    mr[0] = L4_MsgTagMake(OP_READ, 1, 0).raw;
    mr[1] = va;
    L4_MsgTag_t tag = L4_Call(wid[w]);
    return L4_IpcFailed(tag) ? 0xDEADu : mr[1];
}

/* ---- set-up ------------------------------------------------------------ */

/* Start t in R's space (its pager is sigma0): ExchangeRegisters. */
static int start_local(L4_ThreadId_t t, void (*ip)(void), unsigned char *stack)
{
    L4_Start_SpIp(t, (L4_Word_t)(stack + 4096), (L4_Word_t)ip);
    return 1;
}

/* Start t paged by P: P sends the start message on R's behalf. */
static int start(L4_ThreadId_t t, void (*ip)(void), unsigned char *stack)
{
    L4_LoadMR(0, L4_MsgTagMake(OP_START, 3, 0).raw);
    L4_LoadMR(1, t.raw);
    L4_LoadMR(2, (L4_Word_t)ip);
    L4_LoadMR(3, (L4_Word_t)(stack + 4096));
    L4_MsgTag_t tag = L4_Call(pager_id);
    L4_Word_t ok = 0;
    L4_StoreMR(1, &ok);
    return L4_IpcSucceeded(tag) && ok == 1;
}

/* A new space holding worker w, initialised, paged by P, started. */
static int new_space_worker(unsigned w)
{
    L4_Word_t old;
    L4_ThreadId_t t = wid[w];
    return L4_ThreadControl(t, t, root_id, L4_nilthread, (void *)-1) == 1 &&
           L4_SpaceControl(t, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 14), L4_nilthread,
                           &old) == 1 &&
           L4_ThreadControl(t, t, root_id, pager_id, (void *)UTCB_AREA) == 1 && start(t, worker, stacks[w]);
}

/* SpaceControl's control word on worker w's space; ECX out in *old. */
static L4_Word_t control(unsigned w, L4_Word_t ctl, L4_Word_t *old)
{
    return L4_SpaceControl(wid[w], ctl, L4_Nilpage, L4_Nilpage, L4_nilthread, old);
}

static void set_up(void *kip)
{
    L4_Word_t base = L4_ThreadIdUserBase(kip), utcb = L4_MyLocalId().raw - 256u;
    root_id = L4_MyGlobalId();
    root_local = L4_MyLocalId();
    pager_id = L4_GlobalId(base + 10, 1);
    for (unsigned i = 0; i < NWORKERS; i++)
        wid[i] = L4_GlobalId(base + 20 + i, 1);
    for (unsigned s = 0; s < NSPACES; s++)
        for (unsigned p = 0; p < NPRIV; p++)
            pool[s][p][0] = 0;                            /* R's own mappings of the pool */
    /* sigma0 serves R's main thread only: fault in the whole image here, so
     * that P can hand out any of its pages */
    for (volatile unsigned char *b = (unsigned char *)0x00A00000u; b < _end; b += 4096)
        *b = *b;
    ktu_check("shared_data_off_the_lib_page",
              !on_lib_page(wid, sizeof wid) && !on_lib_page(&root_id, sizeof root_id) &&
                  !on_lib_page(&pager_id, sizeof pager_id) && !on_lib_page(faults, sizeof faults) &&
                  !on_lib_page(last_fault, sizeof last_fault) && !on_lib_page(worker_space, sizeof worker_space) &&
                  !on_lib_page(stacks, sizeof stacks) && !on_lib_page(pool, sizeof pool),
              "the test's shared data shares a page with the library's KIP cache");
    ktu_check("pager_started",
              L4_ThreadControl(pager_id, root_id, root_id, L4_Pager(), (void *)(utcb + 0x200u)) == 1 &&
                  start_local(pager_id, pager, stacks[NWORKERS]),
              "pager thread failed");
    ktu_check("r2_started",
              L4_ThreadControl(wid[W_R2], root_id, root_id, L4_Pager(), (void *)(utcb + 0x400u)) == 1 &&
                  start_local(wid[W_R2], worker, stacks[W_R2]),
              "worker in R's space failed");
    ktu_check("spaces_created",
              new_space_worker(W_A1) && new_space_worker(W_B1) && new_space_worker(W_C1), "spaces A B C");
    ktu_check("a2_created",
              L4_ThreadControl(wid[W_A2], wid[W_A1], root_id, pager_id, (void *)(UTCB_AREA + 0x200u)) == 1 &&
                  start(wid[W_A2], worker, stacks[W_A2]),
              "second thread of A");
}

/* ---- the checks ---------------------------------------------------------- */

static void check_large_baseline(void)
{
    ktu_check("large_root_to_a1", root_call(W_A1, 1) == 0, "echo failed");
    ktu_check("large_root_to_b1", root_call(W_B1, 2) == 0, "echo failed");
    ktu_check("large_a1_to_b1", order_call(W_A1, W_B1, 3) == 0, "echo failed");
    ktu_check("large_a1_to_a2", order_call(W_A1, W_A2, 4) == 0, "echo failed");
}

static void check_control_word(void)
{
    L4_Word_t old = 7, fa = faults[SP_A];
    ktu_check("cw_s0_nothing", control(W_A1, 0x04u, &old) == 1 && old == 0, "s = 0 must answer ECX 0");
    ktu_check("cw_a_small_16mb_at_0", control(W_A1, 0x80000004u, &old) == 1 && old == 0x80000000u,
              "A did not become small (e, previous 0)");
    ktu_check("cw_b_small_16mb_at_16mb", control(W_B1, 0x8000000Cu, &old) == 1 && old == 0x80000000u,
              "B did not become small");
    ktu_check("cw_overlap_refused", control(W_C1, 0x80000010u, &old) == 1 && old == 0 && L4_ErrorCode() == 5,
              "C took a slot overlapping A and B");
    ktu_check("cw_beyond_window_refused", control(W_C1, 0x80000021u, &old) == 1 && old == 0,
              "a slot beyond the 64 MB window was accepted");
    ktu_check("cw_too_small_for_areas_refused", control(W_C1, 0x80000002u, &old) == 1 && old == 0,
              "an 8 MB slot without the KIP/UTCB areas was accepted");
    ktu_check("cw_root_refused", L4_SpaceControl(root_id, 0x8000001Cu, L4_Nilpage, L4_Nilpage,
                                                 L4_nilthread, &old) == 1 && old == 0,
              "the root space (areas at 0xBF000000) became small");
    ktu_check("small_echo_keeps_mappings", root_call(W_A1, 5) == 0 && faults[SP_A] == fa,
              "A's echo failed or faulted after becoming small");
}

static void check_ipc_cases(void)
{
    ktu_check("ipc_large_to_large", root_call(W_C1, 10) == 0, "R -> c1");
    ktu_check("ipc_large_to_small", root_call(W_A1, 11) == 0, "R -> a1");
    ktu_check("ipc_small_to_same", order_call(W_A1, W_A2, 12) == 0, "a1 -> a2");
    ktu_check("ipc_small_to_small", order_call(W_A1, W_B1, 13) == 0, "a1 -> b1");
    ktu_check("fast_pingpong_small_to_small", pingpong(W_A1, W_B1, 200) == 0,
              "wrong answers or data selectors after the fast path's exits");
    ktu_check("fast_pingpong_small_to_large", pingpong(W_A1, W_C1, 200) == 0,
              "wrong answers or data selectors after the fast path's exits");
    ktu_check("ipc_small_to_current_large", order_call(W_A1, W_R2, 14) == 0, "a1 -> r2 (R's space loaded)");
    ktu_check("ipc_small_to_noncurrent_large", order_call(W_B1, W_C1, 15) == 0, "b1 -> c1");
    ktu_check("ipc_noncurrent_large_to_small", order_call(W_C1, W_B1, 16) == 0, "c1 -> b1");
    ktu_check("ipc_large_to_large_by_worker", order_call(W_R2, W_C1, 17) == 0, "r2 -> c1");
    ktu_check("ipc_large_to_small_by_worker", order_call(W_R2, W_A2, 18) == 0, "r2 -> a2");
}

/* Unmap R's pool page of space sp, page p: the derived mapping goes. */
static void revoke(unsigned sp, unsigned p)
{
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)pool[sp][p], 12), L4_FullyAccessible));
}

static void check_faults_and_unmap(void)
{
    /* the receiver's buffer page is gone: the string copy into small a1 faults, P
     * (R's space) maps it, the copy resumes */
    revoke(SP_A, 1);
    L4_Word_t fa = faults[SP_A];
    ktu_check("string_into_small_faults_and_resumes",
              root_call(W_A1, 20) == 0 && faults[SP_A] == fa + 1 && last_fault[SP_A] == PRIV + 0x1000u,
              "copy into a1's unmapped buffer not resumed after one fault at PRIV + 4 KB");
    revoke(SP_C, 1);
    L4_Word_t fc = faults[SP_C];
    ktu_check("string_small_to_large_faults_and_resumes",
              order_call(W_A1, W_C1, 21) == 0 && faults[SP_C] == fc + 1 && last_fault[SP_C] == PRIV + 0x1000u,
              "copy from a1 into c1's unmapped buffer not resumed");
    revoke(SP_B, 3);
    L4_Word_t fb = faults[SP_B];
    ktu_check("b1_refaults_revoked_send_buffer",
              order_call(W_B1, W_A1, 22) == 0 && faults[SP_B] == fb + 1 && last_fault[SP_B] == PRIV + 0x3000u,
              "b1's send buffer page did not fault once");
    /* unmap while small: the window loses the page (no stale TLB entry) */
    fa = faults[SP_A];
    L4_Word_t before = worker_read(W_A1, PRIV);
    revoke(SP_A, 0);
    L4_Word_t after = worker_read(W_A1, PRIV);
    ktu_check("unmap_while_small_faults_again",
              before == MAGIC + SP_A && after == MAGIC + SP_A && faults[SP_A] == fa + 1 &&
                  last_fault[SP_A] == PRIV,
              "the unmapped page stayed visible in the window (or the remap failed)");
    ktu_check("small_fault_address_is_relative", last_fault[SP_A] < 0x01000000u, "fault address not relative");
}

static void check_conversions(void)
{
    L4_Word_t old = 0, fa = faults[SP_A];
    ktu_check("to_large_with_live_mappings", control(W_A1, 0x80000000u, &old) == 1 && old == 0x80000004u,
              "A did not become large (previous 4)");
    ktu_check("large_again_echo_no_fault", root_call(W_A1, 30) == 0 && order_call(W_A2, W_B1, 31) == 0 &&
                                               faults[SP_A] == fa,
              "A lost mappings when becoming large");
    ktu_check("small_again_other_slot", control(W_A1, 0x80000014u, &old) == 1 && old == 0x80000000u,
              "A did not become small at 32 MB");
    ktu_check("moved_slot_echo_no_fault", root_call(W_A1, 32) == 0 && order_call(W_B1, W_A2, 33) == 0 &&
                                              faults[SP_A] == fa,
              "A lost mappings when moving to another slot");
    ktu_check("moved_slot_to_overlapping", control(W_A1, 0x80000010u, &old) == 1 && old == 0x14u,
              "A took the whole window over B");
}

static void check_deletion(void)
{
    L4_Word_t old = 0;
    ktu_check("delete_thread_of_small_space", L4_ThreadControl(wid[W_A2], L4_nilthread, L4_nilthread,
                                                                L4_nilthread, (void *)-1) == 1,
              "deleting a2 failed");
    ktu_check("small_space_survives_thread_deletion", root_call(W_A1, 40) == 0, "a1 broken after a2's deletion");
    ktu_check("d_created", new_space_worker(W_D1), "space D");
    ktu_check("d_cannot_take_b_slot", control(W_D1, 0x8000000Cu, &old) == 1 && old == 0, "B's slot given twice");
    ktu_check("delete_small_space", L4_ThreadControl(wid[W_B1], L4_nilthread, L4_nilthread, L4_nilthread,
                                                      (void *)-1) == 1,
              "deleting b1 (and space B) failed");
    ktu_check("slot_free_after_space_deletion", control(W_D1, 0x8000000Cu, &old) == 1 && old == 0x80000000u,
              "B's slot not free after B was deleted");
    ktu_check("d_small_in_b_slot_works", root_call(W_D1, 41) == 0 && order_call(W_D1, W_A1, 42) == 0 &&
                                             order_call(W_C1, W_D1, 43) == 0,
              "D in B's former slot");
    ktu_check("d_sees_its_own_memory", worker_read(W_D1, PRIV) == MAGIC + SP_D, "D reads another space's page");
    ktu_check("d_wrote_its_own_page", *(volatile L4_Word_t *)pool[SP_D][0] == MAGIC + SP_D &&
                                          *(volatile L4_Word_t *)pool[SP_B][0] == MAGIC + SP_B,
              "D's identity landed in another space's page (stale window entries of B)");
}

/* R: worker w runs protection case c; it must raise exactly that
 * exception IPC, resume past the instruction with EAX = RESUMED(c) and
 * answer done. */
static void prot_check(unsigned w, unsigned c)
{
    L4_Word_t *mr = mrs();
    const struct prot_case *x = &prot_cases[c];
    mr[0] = L4_MsgTagMake(OP_PROT, 1, 0).raw;
    mr[1] = c;
    L4_Send(wid[w]);
    L4_MsgTag_t tag = L4_Receive_Timeout(wid[w], L4_TimePeriod(2000000));
    int ok = exc_matches(tag, mr, x->vector, x->error, 0xA0A0A0A0u);
    if (!ok)
        exc_print(tag, mr);
    if (exc_is_exception(tag)) {
        exc_resume(wid[w], mr, x->len, RESUMED(c));
        tag = L4_Receive_Timeout(wid[w], L4_TimePeriod(2000000));
    }
    ok = ok && L4_IpcSucceeded(tag) && L4_Label(tag) == OP_PROT && prot_results[c] == RESUMED(c);
    ktu_check(x->name, ok, "no exception IPC with this vector and error code, or no resumption");
}

static void check_protection(void)
{
    for (unsigned c = 0; c < NPROT_SMALL; c++)
        prot_check(W_A1, c);
    ktu_check("prot_small_still_works", root_call(W_A1, 50) == 0 && order_call(W_A1, W_B1, 51) == 0,
              "A broken after its faults");
    for (unsigned c = NPROT_SMALL; c < NPROT_SMALL + NPROT_LARGE; c++)
        prot_check(W_C1, c);
    ktu_check("prot_window_untouched", worker_read(W_A1, PRIV) == MAGIC + SP_A &&
                                           *(volatile L4_Word_t *)pool[SP_A][0] == MAGIC + SP_A,
              "A's identity page changed");
}

/* Short round trips per case of the notes' table, one costcount window
 * each (bench figures: run with the costcount plugin, see the report). */
static void measure_cases(void)
{
    static const struct { const char *name; unsigned by, to; } cases[] = {
        { "large->large       r2->c1", W_R2, W_C1 },
        { "large->small       r2->a1", W_R2, W_A1 },
        { "small->same        a1->a2", W_A1, W_A2 },
        { "small->small       a1->b1", W_A1, W_B1 },
        { "small->cur.large   a1->r2", W_A1, W_R2 },
        { "small->noncur.large a1->c1", W_A1, W_C1 },
        { "noncur.large->small c1->a1", W_C1, W_A1 },
    };
    L4_Word_t *mr = mrs();
    for (unsigned n = 1; n <= 8; n += 7) {
        for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            mr[0] = L4_MsgTagMake(OP_MEASURE, 2, 0).raw;
            mr[1] = wid[cases[i].to].raw;
            mr[2] = n;
            L4_MsgTag_t tag = L4_Call(wid[cases[i].by]);
            ktu_print("measure: ");
            ktu_print(cases[i].name);
            ktu_print(n == 1 ? " x1 ticks " : " x8 ticks ");
            ktu_print_hex(L4_IpcSucceeded(tag) ? mr[1] : 0);
            ktu_print("\n");
        }
    }
}

/* EFLAGS after a raw `sysenter` (Ipc to nobody: returns at once) entered
 * with TF set, once a space is small (the other sysenter entry). */
L4_Word_t sysenter_tf_flags __attribute__((used));

static void check_sysenter_tf_small_mode(void)
{
    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "xor %%eax, %%eax\n\t"        /* to: nil */
                     "xor %%edx, %%edx\n\t"        /* from: nil */
                     "xor %%ecx, %%ecx\n\t"
                     "xor %%esi, %%esi\n\t"
                     "mov $1f, %%ebx\n\t"
                     "pushf\n\t"
                     "orl $0x100, (%%esp)\n\t"     /* TF on the sysenter itself */
                     "lea 4(%%esp), %%ebp\n\t"
                     "popf\n\t"
                     "sysenter\n"
                     "1:\n\t"
                     "pushf\n\t"
                     "popl sysenter_tf_flags\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp\n\t"
                     :
                     :
                     : "eax", "ecx", "edx", "esi", "edi", "memory", "cc");
    ktu_check("sysenter_tf_once_a_space_is_small", (sysenter_tf_flags & 0x100u) == 0,
              "TF came back from the small-space sysenter entry");
}

/* odd_ss.h once a space has been small, where every sysenter leaves
 * through iret. R calls c1 three ways: OP_PONG (c1 answers by a
 * reply-and-wait, which switches straight to R: R leaves through the
 * switch's exit, iret_outputs), OP_PING (c1 answers by a send and blocks
 * later through the general path: R resumes in ipc_fast_resume and leaves
 * through sysexit_exit's iret branch), and a send to a thread that does
 * not exist (an error at once, the same exit). SS must come back 0x23
 * every time, and EFLAGS without the AC and ID of the `int` before. */
static void check_stale_ss_small_mode(void)
{
    L4_Word_t *mr = mrs();
    L4_ThreadId_t c1 = wid[W_C1], none = L4_GlobalId(L4_ThreadNo(root_id) + 200u, 1);
    mr[1] = 7;
    odd_ss = (struct odd_ss_io){ c1.raw, 0, c1.raw, L4_MsgTagMake(OP_PONG, 1, 0).raw, (unsigned)mr, 0x23, 0, 0, 0, 0 };
    ipc_after_odd_ss();
    int answered = odd_ss.from_out == c1.raw && L4_Label((L4_MsgTag_t){ .raw = odd_ss.tag_out }) == OP_PONG &&
                   mr[1] == 8;
    mr[0] = L4_MsgTagMake(OP_PONG_END, 0, 0).raw;
    L4_Send(c1);
    ktu_check("ss_after_switch_exit_small_mode", odd_ss_flat() && answered,
              "SS not 0x23 after the call, or the call failed");
    ktu_check("flags_after_switch_exit_small_mode", odd_ss_flags_fresh(), "stale EFLAGS after the call");
    odd_ss = (struct odd_ss_io){ c1.raw, 0, c1.raw, L4_MsgTagMake(OP_PING, 0, 0).raw, (unsigned)mr, 0x23, 0, 0, 0, 0 };
    ipc_after_odd_ss();
    ktu_check("ss_after_resumed_call_small_mode",
              odd_ss_flat() && odd_ss.from_out == c1.raw && (odd_ss.tag_out & 0x8000u) == 0,
              "SS not 0x23 after the call, or the call failed");
    ktu_check("flags_after_resumed_call_small_mode", odd_ss_flags_fresh(), "stale EFLAGS after the call");
    odd_ss = (struct odd_ss_io){ none.raw, 0, 0, 0, (unsigned)mr, 0x23, 0, 0, 0, 0 };
    ipc_after_odd_ss();
    ktu_check("ss_after_failed_send_small_mode", odd_ss_flat() && (odd_ss.tag_out & 0x8000u) != 0,
              "SS not 0x23 after the send, or it did not fail");
    ktu_check("flags_after_failed_send_small_mode", odd_ss_flags_fresh(), "stale EFLAGS after the send");
}

int main(void)
{
    set_up(L4_GetKernelInterface());
    check_large_baseline();
    check_control_word();
    if (SMALLSPACE_PROT) {   /* the Bochs program: protection only */
        check_protection();
        ktu_finish();
    }
    check_ipc_cases();
    check_sysenter_tf_small_mode();
    check_stale_ss_small_mode();
    check_faults_and_unmap();
    check_conversions();
    measure_cases();
    check_deletion();
    ktu_finish();
}
