/*
 * Root task (module 1, sigma0 = our sigma0 as module 0): the sysenter fast
 * path and its sysexit exit at the machine level, with threads of our own
 * space at our priority (so that calls between them take the fast path):
 *  - the register contract of a call through it (EAX = the partner's local
 *    ID, ESI = tag, EBX/EBP = MR1/MR2, EDI and ESP kept, DF clear, IF set)
 *    with 63 words each way, named by local and by global ID; From is the
 *    local ID on the general path too (a finite receive timeout);
 *  - a long ping-pong while a spinning thread of the same priority takes
 *    time slices (timer interrupts, preemption and round robin in between):
 *    no message is lost or corrupted and the spinner runs;
 *  - a thread blocked in the fast path's receive is cancelled
 *    (ExchangeRegisters R: error "canceled", receive phase), redirected
 *    (SP/IP/FLAGS set: it resumes there with exactly those flags, which a
 *    sysexit could not give it), or deleted (the kernel goes on);
 *  - a thread blocked in the fast path whose flags ExchangeRegisters
 *    changed (no abort) is resumed by a call through the fast path: it
 *    leaves by iret with those flags and the register outputs of the call;
 *  - a thread that blocked in the fast path and runs again sets its own
 *    flags (ExchangeRegisters) and goes on;
 *  - a caller waiting with a finite receive timeout gets its reply through
 *    the fast path, and the stopped timeout does not fire later;
 *  - a caller blocked in the fast path's closed receive on a thread that
 *    is then deleted fails with "non-existing partner" in the receive
 *    phase (a closed receiver is in no queue: deletion finds it by
 *    walking the TCB slots).
 */
#include "ktest_user.h"

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/utcb.h>

#define FL_IF 0x200u
#define FL_DF 0x400u
#define FL_AC 0x40000u
#define FL_ID 0x200000u
#define PRIO 255u

unsigned kip_entry __attribute__((used));
static L4_ThreadId_t root_gid, s0_gid;
static L4_Word_t user_base;

/* ---- threads -------------------------------------------------------------- */

static unsigned char stacks[7][4096] __attribute__((aligned(16)));

/* Global ID of worker `i` (1..6); our own is user base + 2. */
static L4_ThreadId_t worker_gid(unsigned i) { return L4_GlobalId(user_base + 2 + i, 1); }

/* UTCB location of worker `i` next to ours. */
static L4_Word_t worker_utcb(unsigned i) { return (L4_MyLocalId().raw & ~0x1FFu) + 0x200u * i; }

static unsigned char *stack_top(unsigned i) { return stacks[i] + sizeof stacks[i] - 16; }

/* Create worker `i` as thread `t` in our space at our priority, running `ip`. */
static int worker_start_as(unsigned i, L4_ThreadId_t t, void (*ip)(void))
{
    for (unsigned k = 0; k < sizeof stacks[i]; k += 1024)
        stacks[i][k] = 0;
    if (L4_ThreadControl(t, root_gid, root_gid, s0_gid, (void *)worker_utcb(i)) != 1)
        return 0;
    L4_Set_Priority(t, PRIO);
    L4_Start_SpIp(t, (L4_Word_t)stack_top(i), (L4_Word_t)ip);
    return 1;
}

/* The same as worker_gid(i). */
static int worker_start(unsigned i, void (*ip)(void))
{
    return worker_start_as(i, worker_gid(i), ip);
}

/* ---- worker 1: echo with MR1 and MR63 incremented ------------------------- */

static _Noreturn void echo_inc_loop(unsigned partner, unsigned utcb)
{
    __asm__ volatile("push %0\n\t"                 /* 8(%esp): partner */
                     "push kip_entry\n\t"          /* 4(%esp): entry */
                     "push %1\n\t"                 /* 0(%esp): utcb */
                     "xor %%esi, %%esi\n\t"
                     "1:\n\t"
                     "mov 0(%%esp), %%edi\n\t"
                     "incl 4(%%edi)\n\t"            /* MR1 + 1 */
                     "incl 252(%%edi)\n\t"          /* MR63 + 1 */
                     "mov 8(%%esp), %%eax\n\t"
                     "xor %%ecx, %%ecx\n\t"         /* never / never */
                     "mov %%eax, %%edx\n\t"         /* closed receive from the caller */
                     "call *4(%%esp)\n\t"           /* ESI: the tag received, echoed */
                     "jmp 1b\n\t"
                     :
                     : "r"(partner), "r"(utcb)
                     : "memory");
    __builtin_unreachable();
}

static void worker_echo(void)
{
    L4_ThreadId_t from;
    L4_Wait(&from);
    echo_inc_loop(from.raw, L4_MyLocalId().raw);
}

/* ---- raw call through the KIP with the register contract checked ----------- */

struct call_io {
    unsigned to, tag, utcb;               /* 0, 4, 8: inputs */
    unsigned eax, esi, ebx, ebp, edi;     /* 12..28: outputs */
    unsigned esp_delta, flags;            /* 32, 36 */
};
struct call_io cio __attribute__((used));

/* (out of line: its return point, raw_call_return, is a global label) */
void raw_call_return(void);
static __attribute__((noinline)) void raw_call(void)
{
    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "mov cio+0, %%eax\n\t"
                     "xor %%ecx, %%ecx\n\t"
                     "mov %%eax, %%edx\n\t"
                     "mov cio+4, %%esi\n\t"
                     "mov cio+8, %%edi\n\t"
                     "mov $0xdead0001, %%ebx\n\t"
                     "mov $0xdead0002, %%ebp\n\t"
                     "mov %%esp, cio+32\n\t"
                     "call *kip_entry\n\t"
                     ".global raw_call_return\n"
                     "raw_call_return:\n\t"
                     "pushf\n\t"
                     "popl cio+36\n\t"
                     "sub %%esp, cio+32\n\t"
                     "mov %%eax, cio+12\n\t"
                     "mov %%esi, cio+16\n\t"
                     "mov %%ebx, cio+20\n\t"
                     "mov %%ebp, cio+24\n\t"
                     "mov %%edi, cio+28\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp\n\t"
                     :
                     :
                     : "eax", "ecx", "edx", "esi", "edi", "memory", "cc");
}

/* One 63-word call to worker 1 (named by `to`) with EDI `edi`; checks
 * every output (EDI: our UTCB pointer, whatever we passed, ABI 4.4). */
static int contract_call_edi(unsigned to, unsigned seed, unsigned edi)
{
    unsigned *mr = (unsigned *)L4_MyLocalId().raw;
    for (unsigned k = 1; k <= 63; k++)
        mr[k] = seed + k;
    cio.to = to;
    cio.tag = (0x1234u << 16) | 63u;
    cio.utcb = edi;
    raw_call();
    int ok = 1;
    ok &= cio.eax == worker_utcb(1) + 256u;                   /* From: its local ID */
    ok &= cio.esi == ((0x1234u << 16) | 63u) && mr[0] == cio.esi;
    ok &= cio.ebx == seed + 2u && mr[1] == seed + 2u;          /* MR1 incremented by it */
    ok &= cio.ebp == seed + 2u && mr[2] == seed + 2u;
    for (unsigned k = 3; k < 63; k++)
        ok &= mr[k] == seed + k;
    ok &= mr[63] == seed + 64u;
    ok &= cio.edi == (unsigned)mr && cio.esp_delta == 0;
    ok &= (cio.flags & FL_DF) == 0 && (cio.flags & FL_IF) != 0 && (cio.flags & 0x3000u) == 0;
    return ok;
}

/* The same with EDI our UTCB pointer, as the ABI asks. */
static int contract_call(unsigned to, unsigned seed)
{
    return contract_call_edi(to, seed, L4_MyLocalId().raw);
}

/* ---- spinner: takes time slices while the ping-pong runs ------------------- */

static volatile unsigned spin_count;

static void worker_spin(void)
{
    for (;;)
        spin_count++;
}

/* ---- workers that block in the fast path's receive ------------------------- */

/* Send us `label`, then only receive (nothing is sent to it any more). */
static _Noreturn void report_and_park(unsigned label)
{
    L4_LoadMR(0, label << 16);
    L4_Send(root_gid);
    for (;;)
        L4_Receive(L4_nilthread);
}


static volatile unsigned w_tag, w_err, w_returned;
volatile unsigned w_flags __attribute__((used));

/* Calls us (label 5), records the outcome, reports it with label 6. */
static void worker_cancelled(void)
{
    L4_LoadMR(0, 5u << 16);
    L4_MsgTag_t t = L4_Call(root_gid);
    w_tag = t.raw;
    w_err = L4_ErrorCode();
    report_and_park(6u);
}

/* Call us with `label`; a call that comes back (it must not, here) sets
 * w_returned to `mark`. Then only receive. */
static _Noreturn void call_and_park(unsigned label, unsigned mark)
{
    L4_LoadMR(0, label << 16);
    L4_Call(root_gid);
    w_returned = mark;
    for (;;)
        L4_Receive(L4_nilthread);
}

void exreg_landing_c(void);
void exreg_landing_c(void)
{
    report_and_park(8u);
}

/* Where ExchangeRegisters sends the redirected worker: the flags first. */
__asm__(".text\n"
        "exreg_landing:\n\t"
        "pushf\n\t"
        "popl w_flags\n\t"
        "call exreg_landing_c\n");
void exreg_landing(void);

/* Calls us (label 7) and must never come back from that call. */
static void worker_redirected(void)
{
    call_and_park(7u, 1u);
}

/* Calls us (label 9); it is deleted while blocked. */
static void worker_deleted(void)
{
    call_and_park(9u, 2u);
}

/* Wait for a message with `label` from worker `i` (by its local ID). */
static int receive_label(unsigned i, unsigned label)
{
    L4_ThreadId_t from;
    L4_MsgTag_t t = L4_Wait(&from);
    return L4_IpcSucceeded(t) && L4_Label(t) == label && from.raw == worker_utcb(i) + 256u;
}

/* ---- the checks -------------------------------------------------------------- */

static void check_contract(void)
{
    L4_LoadMR(0, 1u << 16);
    L4_Call(worker_gid(1));                    /* worker 1 enters its echo loop */
    int ok = 1;
    for (unsigned i = 0; i < 50; i++)
        ok &= contract_call(worker_utcb(1) + 256u, 0x1000u * i);
    ktu_check("fast_contract_local_id", ok, "register contract or words wrong (local ID)");
    ok = 1;
    for (unsigned i = 0; i < 50; i++)
        ok &= contract_call(worker_gid(1).raw, 0x70000u + 0x1000u * i);
    ktu_check("fast_contract_global_id", ok, "register contract or words wrong (global ID)");
    /* EDI passed wrong: the fast path's exit returns the UTCB pointer */
    ok = 1;
    for (unsigned i = 0; i < 20; i++)
        ok &= contract_call_edi(i % 2 ? worker_gid(1).raw : worker_utcb(1) + 256u, 0x90000u + 0x1000u * i,
                                0x12345000u + 4u * i);
    ktu_check("fast_edi_is_utcb_pointer", ok, "EDI passed wrong came back so from the fast path");
    /* and the general path's (a call to a thread that does not exist) */
    cio.to = worker_gid(7).raw;
    cio.tag = 0;
    cio.utcb = 0x55554440u;
    raw_call();
    ktu_check("general_edi_is_utcb_pointer",
              cio.edi == L4_MyLocalId().raw && (cio.esi & 0x8000u) != 0 && cio.esp_delta == 0,
              "EDI passed wrong came back so from the general path (or the call did not fail)");

    /* the general path (finite receive timeout) reports the local ID too */
    L4_ThreadId_t from = L4_nilthread;
    L4_LoadMR(0, 1u);
    L4_LoadMR(1, 41);
    L4_MsgTag_t t = L4_Ipc(worker_gid(1), worker_gid(1),
                           L4_Timeouts(L4_Never, L4_TimePeriod(2000000)), &from);
    L4_Word_t mr1;
    L4_StoreMR(1, &mr1);
    ktu_check("general_path_local_from",
              L4_IpcSucceeded(t) && from.raw == worker_utcb(1) + 256u && mr1 == 42,
              "From of a same-space sender is not its local ID");
}

static void check_preempted_pingpong(void)
{
    ktu_check("spinner_created", worker_start(2, worker_spin), "ThreadControl failed");
    unsigned *mr = (unsigned *)L4_MyLocalId().raw;
    unsigned bad = 0, calls = 0, seen = spin_count, switches = 0;
    /* until the spinner has been given the CPU 3 times (slices expired
     * during the ping-pong), at most 3 million calls */
    while (switches < 3 && calls < 3000000u) {
        mr[1] = calls;
        mr[63] = ~calls;
        cio.to = worker_utcb(1) + 256u;
        cio.tag = 63u;
        cio.utcb = (unsigned)mr;
        raw_call();
        bad += cio.ebx != calls + 1u || mr[63] != ~calls + 1u || cio.eax != worker_utcb(1) + 256u;
        calls++;
        if (spin_count != seen) {
            switches++;
            seen = spin_count;
        }
    }
    ktu_check("pingpong_preempted_spinner_ran", switches >= 3, "the spinner never ran");
    ktu_check("pingpong_preempted_no_corruption", bad == 0, "lost or corrupted messages");
}

static void check_blocked_cancelled(void)
{
    L4_Word_t c;
    int ok = worker_start(3, worker_cancelled) && receive_label(3, 5);
    /* worker 3 now waits in the fast path's closed receive on us */
    __L4_ExregControl(worker_gid(3), L4_EXREG_ABORT_RECEIVE, 0, 0, 0, &c);
    ok &= (c & L4_EXREG_ABORT_RECEIVE) != 0;   /* old state: it was receiving */
    ok &= receive_label(3, 6);
    ktu_check("fast_blocked_cancelled",
              ok && (w_tag & 0x8000u) != 0 && L4_IpcErrorCode(w_err) == L4_ErrCanceled &&
                  L4_IpcErrorInReceivePhase(w_err),
              "not cancelled with error 3 in the receive phase");
}

static void check_blocked_redirected(void)
{
    L4_Word_t c, osp, oip, oflags, ohandle;
    L4_ThreadId_t opager;
    int ok = worker_start(4, worker_redirected) && receive_label(4, 7);
    unsigned control = L4_EXREG_ABORT_RECEIVE | L4_EXREG_SET_SP | L4_EXREG_SET_IP | L4_EXREG_SET_FLAGS;
    L4_ExchangeRegisters(worker_gid(4), control, (L4_Word_t)stack_top(4),
                         (L4_Word_t)exreg_landing, 0x8C1u, 0, L4_nilthread, &c, &osp, &oip,
                         &oflags, &ohandle, &opager);
    ok &= receive_label(4, 8);
    ktu_check("fast_blocked_exreg_ip_sp_flags",
              ok && w_returned == 0 && (w_flags & 0x8D5u) == 0x8C1u && (w_flags & FL_IF) != 0,
              "did not resume at the new IP with the flags given");
}

static void check_blocked_deleted(void)
{
    int ok = worker_start(5, worker_deleted) && receive_label(5, 9);
    ok &= L4_ThreadControl(worker_gid(5), L4_nilthread, L4_nilthread, L4_nilthread,
                           (void *)-1) == 1;
    L4_MsgTag_t t = L4_Send_Timeout(worker_gid(5), L4_ZeroTime);
    ok &= L4_IpcFailed(t) && L4_IpcErrorCode(L4_ErrorCode()) == L4_ErrNonExist;
    ok &= contract_call(worker_utcb(1) + 256u, 0x500000u);   /* the fast path still works */
    ktu_check("fast_blocked_deleted", ok && w_returned == 0, "deletion of a fast-blocked thread");
}

/* A ThreadSwitch `int` taken with EFLAGS.AC and ID set, which leaves
 * them in the frame's EFLAGS slot; both are clear again afterwards. */
static void int_with_ac_id(void)
{
    __asm__ volatile("pushf\n\t"
                     "orl %[set], (%%esp)\n\t"
                     "popf\n\t"
                     "xor %%eax, %%eax\n\t"       /* ThreadSwitch(nilthread) */
                     "int $0x39\n\t"
                     "pushf\n\t"
                     "andl %[clear], (%%esp)\n\t"
                     "popf\n\t"
                     :
                     : [set] "i"(FL_AC | FL_ID), [clear] "i"(~(FL_AC | FL_ID))
                     : "eax", "memory", "cc");
}

/* Calls us through the KIP with raw_call (label 10; cio is its own
 * meanwhile) until the answer has label 13, then reports with label 12.
 * Its frame's EFLAGS slot holds AC and ID from an `int` first (which no
 * sysenter rewrites: its flags are 0x202 all the same). */
static void worker_flags(void)
{
    int_with_ac_id();
    cio.to = root_gid.raw;
    cio.tag = 10u << 16;
    cio.utcb = L4_MyLocalId().raw;
    do
        raw_call();
    while ((cio.esi >> 16) != 13u);
    report_and_park(12u);
}

static void check_blocked_flags_resumed_fast(void)
{
    L4_Word_t c, osp, oip, oflags, ohandle;
    L4_ThreadId_t opager;
    /* the spinner and the workers left looping (2..4) go: with nothing else
     * ready, the CPU passes straight between us and worker 6, so that it
     * blocks in (and is resumed from) the fast path's own kernel context */
    int ok = 1;
    for (unsigned i = 2; i <= 4; i++)
        ok &= L4_ThreadControl(worker_gid(i), L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1) == 1;
    ok &= worker_start(6, worker_flags) && receive_label(6, 10);
    /* a short ping-pong: the dispatcher drops the other (blocked) threads
     * from the ready queue, then every call hands the CPU over directly */
    for (unsigned i = 0; i < 16; i++) {
        L4_LoadMR(0, 11u << 16);
        L4_MsgTag_t t = L4_Call(worker_gid(6));
        ok &= L4_IpcSucceeded(t) && L4_Label(t) == 10u;
    }
    /* worker 6 waits in the fast path's closed receive on us: its SP and
     * IP are those its call left with (ESP before the call, cio+32 not
     * yet turned into a difference; the return point in raw_call), read
     * twice, so that reading changes nothing */
    for (unsigned k = 0; k < 2; k++) {
        L4_ExchangeRegisters(worker_gid(6), 0, 0, 0, 0, 0, L4_nilthread, &c, &osp, &oip, &oflags,
                             &ohandle, &opager);
        ktu_check(k == 0 ? "exreg_reads_fast_blocked_sp_ip" : "exreg_reads_fast_blocked_sp_ip_again",
                  osp == cio.esp_delta && oip == (L4_Word_t)raw_call_return && oflags == 0x202u,
                  "SP, IP or flags of a thread in a sysenter Ipc wrong");
    }
    /* new flags only; the old ones are those of a thread in a sysenter
     * Ipc, 0x202, not what its `int` left in the frame */
    L4_ExchangeRegisters(worker_gid(6), L4_EXREG_SET_FLAGS, 0, 0, 0x8C1u, 0, L4_nilthread, &c, &osp,
                         &oip, &oflags, &ohandle, &opager);
    ktu_check("exreg_reads_fast_blocked_flags", oflags == 0x202u, "flags of a thread in a sysenter Ipc not 0x202");
    L4_LoadMR(0, (13u << 16) | 2u);
    L4_LoadMR(1, 0x1111u);
    L4_LoadMR(2, 0x2222u);
    L4_MsgTag_t t = L4_Call(worker_gid(6));   /* fast path into its fast context */
    ok &= L4_IpcSucceeded(t) && L4_Label(t) == 12u;
    ok &= cio.eax == L4_MyLocalId().raw && cio.esi == ((13u << 16) | 2u);
    ok &= cio.ebx == 0x1111u && cio.ebp == 0x2222u && cio.esp_delta == 0;
    ktu_check("fast_blocked_new_flags_resumed_by_fast_path",
              ok && (cio.flags & 0x8D5u) == 0x8C1u && (cio.flags & FL_IF) != 0,
              "wrong outputs or flags after the iret exit");
}

/* We block in the fast path (our kernel context is then the fast one),
 * then set our own flags: the kernel must not treat our context, stale
 * while we run, as that of a blocked thread (it lies on the stack our
 * ExchangeRegisters runs on). A second ExchangeRegisters then uses that
 * stack, and the next call blocks in the fast path again: had the kernel
 * given us a context there, resuming us would now run garbage. */
static void check_self_flags_after_fast_block(void)
{
    L4_Word_t c, osp, oip, oflags, ohandle;
    L4_ThreadId_t opager;
    int ok = 1;
    for (unsigned i = 0; i < 4; i++) {
        ok &= contract_call(worker_utcb(1) + 256u, 0x600000u + i);   /* blocks in the fast path */
        for (unsigned k = 0; k < 2; k++) {
            L4_ThreadId_t r = L4_ExchangeRegisters(L4_MyGlobalId(), L4_EXREG_SET_FLAGS, 0, 0, 0x8C1u, 0,
                                                   L4_nilthread, &c, &osp, &oip, &oflags, &ohandle,
                                                   &opager);
            ok &= r.raw == L4_MyLocalId().raw;
        }
    }
    ok &= contract_call(worker_utcb(1) + 256u, 0x610000u);
    ktu_check("self_flags_after_fast_block", ok, "ExchangeRegisters on ourselves after a fast call");
}

/* ---- a caller that waits with a receive timeout ------------------------------ */

/* Tells us it runs (label 13), waits for us (label 14), sleeps 1.5 s,
 * then sends us label 15. */
static void worker_delayed(void)
{
    L4_ThreadId_t from;
    L4_LoadMR(0, 13u << 16);
    L4_Send(root_gid);
    L4_Wait(&from);
    L4_Sleep(L4_TimePeriod(1500000));
    report_and_park(15u);
}

static void check_timed_caller(void)
{
    /* each call waits with a 1 s receive timeout (the call itself takes
     * the general path, which arms it); worker 1's reply reaches us through
     * the fast path, which stops that timer. (Generous: under TCG the clock
     * is the host's, and a loaded host may stall the guest for a while; a
     * call that failed anyway ends the loop, as worker 1 may then be stuck
     * sending us its late reply.) */
    int ok = worker_start(5, worker_delayed) && receive_label(5, 13);   /* (then it waits) */
    for (unsigned i = 0; i < 20 && ok; i++) {
        L4_ThreadId_t from;
        L4_LoadMR(0, 1u);
        L4_LoadMR(1, 100u + i);
        L4_MsgTag_t t = L4_Ipc(worker_gid(1), worker_gid(1),
                               L4_Timeouts(L4_Never, L4_TimePeriod(1000000)), &from);
        L4_Word_t mr1;
        L4_StoreMR(1, &mr1);
        ok &= L4_IpcSucceeded(t) && mr1 == 101u + i && from.raw == worker_utcb(1) + 256u;
    }
    /* their deadlines pass while we wait 1.5 s without a timeout: no
     * timeout (the send goes through the fast path too, as worker 5 waits:
     * no general-path completion of ours in between stops a timer) */
    L4_LoadMR(0, 14u << 16);
    ok &= L4_IpcSucceeded(L4_Send(worker_gid(5)));
    L4_MsgTag_t t = L4_Receive(worker_gid(5));
    ktu_check("fast_reply_to_timed_caller", ok && L4_IpcSucceeded(t) && L4_Label(t) == 15u,
              "a reply to a caller waiting with a timeout was lost, or a stopped timeout fired");
}

/* ---- a caller whose partner is deleted ---------------------------------------- */

static volatile unsigned d_tag, d_err;

/* Takes one message (worker 4's call), tells us (label 17), never replies. */
static void worker_sink(void)
{
    L4_ThreadId_t from;
    L4_Wait(&from);
    report_and_park(17u);
}

/* Calls worker 3, records the outcome, reports it with label 16. */
static void worker_caller(void)
{
    L4_LoadMR(0, 18u << 16);
    L4_MsgTag_t t = L4_Call(worker_gid(3));
    d_tag = t.raw;
    d_err = L4_ErrorCode();
    report_and_park(16u);
}

static void check_partner_deleted(void)
{
    int ok = worker_start(3, worker_sink) && worker_start(4, worker_caller) && receive_label(3, 17);
    /* worker 4 now waits in its call's closed receive on worker 3 */
    ok &= L4_ThreadControl(worker_gid(3), L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1) == 1;
    L4_MsgTag_t t = L4_Receive_Timeout(worker_gid(4), L4_TimePeriod(2000000));
    ok &= L4_IpcSucceeded(t) && L4_Label(t) == 16u;
    ktu_check("fast_blocked_partner_deleted",
              ok && (d_tag & 0x8000u) != 0 && L4_IpcErrorCode(d_err) == L4_ErrNonExist &&
                  L4_IpcErrorInReceivePhase(d_err),
              "the caller of a deleted thread did not fail in its receive phase");
}

/* ---- new SP and IP for a thread blocked in the fast path ------------------------ */

volatile unsigned n_tag __attribute__((used)), n_sp __attribute__((used));

void new_ip_landing_c(void);
void new_ip_landing_c(void)
{
    report_and_park(21u);
}

/* Where ExchangeRegisters sends worker 2: what its Ipc returned in ESI
 * (the tag) and ESP first. */
__asm__(".text\n"
        "new_ip_landing:\n\t"
        "mov %esi, n_tag\n\t"
        "mov %esp, n_sp\n\t"
        "call new_ip_landing_c\n");
void new_ip_landing(void);

/* Calls us (label 19) and must never come back from that call. */
static void worker_new_ip(void)
{
    call_and_park(19u, 3u);
}

/* Worker 2 waits in the fast path's closed receive on us; we give it a new
 * SP and IP only (its flags stay 0x202) and then answer its call (label
 * 20): it must leave its Ipc with our answer at the new IP, on the new
 * stack, not where its call would have returned. */
static void check_blocked_new_sp_ip(void)
{
    L4_Word_t c, osp, oip, oflags, ohandle;
    L4_ThreadId_t opager;
    unsigned control = L4_EXREG_SET_SP | L4_EXREG_SET_IP;
    L4_Word_t sp = (L4_Word_t)stack_top(2) - 64u;
    int ok = worker_start(2, worker_new_ip) && receive_label(2, 19);
    L4_ExchangeRegisters(worker_gid(2), control, sp, (L4_Word_t)new_ip_landing, 0, 0, L4_nilthread, &c,
                         &osp, &oip, &oflags, &ohandle, &opager);
    ok &= (c & L4_EXREG_ABORT_RECEIVE) != 0 && oflags == 0x202u;   /* it was receiving */
    L4_ExchangeRegisters(worker_gid(2), 0, 0, 0, 0, 0, L4_nilthread, &c, &osp, &oip, &oflags,
                         &ohandle, &opager);
    ktu_check("exreg_reads_new_sp_ip_of_fast_blocked",
              ok && osp == sp && oip == (L4_Word_t)new_ip_landing && oflags == 0x202u,
              "SP or IP read back differ from those just set");
    L4_LoadMR(0, 20u << 16);
    L4_MsgTag_t t = L4_Call(worker_gid(2));
    ktu_check("fast_blocked_new_sp_ip_resumed",
              ok && L4_IpcSucceeded(t) && L4_Label(t) == 21u && w_returned == 0 &&
                  n_tag == (20u << 16) && n_sp == sp,
              "did not leave its Ipc at the new IP on the new stack with our answer");
}

/* ---- a caller that blocks through the `int` entry ------------------------------ */

static volatile unsigned i_bad, i_rounds, i_root_lid;

/* Calls us through the `int` entry (Ipc is int $0x34; label 26, a closed
 * receive on us) until our answer has label 28, checking every other
 * answer (label 27, u = 1, MR1 = 0x100 + its number, From our local ID):
 * so it blocks with a kernel context the fast path's exit cannot use,
 * queued right behind us (the `int` path's own hand-off). Reports with
 * label 23. */
static void worker_int_caller(void)
{
    unsigned utcb = L4_MyLocalId().raw, bad = 0, n;
    for (n = 0;; n++) {
        unsigned eax = root_gid.raw, ecx = 0, edx = root_gid.raw, esi = 26u << 16, mr1;
        __asm__ volatile("push %%ebp\n\t"     /* (the frame pointer; EBP is MR2 after it) */
                         "int $0x34\n\t"
                         "pop %%ebp\n\t"
                         : "+a"(eax), "+c"(ecx), "+d"(edx), "+S"(esi), "=b"(mr1)
                         : "D"(utcb)
                         : "memory", "cc");
        if ((esi >> 16) == 28u)
            break;
        bad |= esi != ((27u << 16) | 1u) || mr1 != 0x100u + n || eax != i_root_lid;
    }
    i_bad = bad;
    i_rounds = n;
    report_and_park(23u);
}

/* A ping-pong with worker 3, which calls through `int` while we answer
 * with calls through the KIP: the fast path must leave each of our calls
 * to the general path (the receiver's context is not the fast one), and
 * every message and return must arrive whole. */
static void check_int_caller(void)
{
    /* the other workers go: with nothing else ready at our priority, the
     * two hand the CPU straight to each other (as in
     * check_blocked_flags_resumed_fast), so that each of our calls finds
     * worker 3 right behind us in the ready queue, where the fast path's
     * own hand-off would take it */
    int ok = 1;
    static const unsigned others[] = { 1, 2, 4, 5, 6 };
    for (unsigned k = 0; k < sizeof others / sizeof others[0]; k++)
        ok &= L4_ThreadControl(worker_gid(others[k]), L4_nilthread, L4_nilthread, L4_nilthread,
                               (void *)-1) == 1;
    i_root_lid = L4_MyLocalId().raw;
    ok &= worker_start(3, worker_int_caller) && receive_label(3, 26);
    for (unsigned i = 0; i < 16 && ok; i++) {
        L4_LoadMR(0, (27u << 16) | 1u);
        L4_LoadMR(1, 0x100u + i);
        L4_MsgTag_t t = L4_Call(worker_gid(3));
        ok &= L4_IpcSucceeded(t) && L4_Label(t) == 26u;
    }
    L4_LoadMR(0, 28u << 16);
    L4_MsgTag_t t = L4_Call(worker_gid(3));
    ktu_check("int_caller_answered_by_fast_calls",
              ok && L4_IpcSucceeded(t) && L4_Label(t) == 23u && i_bad == 0 && i_rounds == 16,
              "a caller blocked through int got a wrong answer or return");
}

/* ---- the global-ID hint over a freed and reused TCB slot --------------------- */

/* `n` calls of one word to the echo worker `w` by its global ID (the
 * fast path finds it through our global-ID hint after the first), the
 * first of them only entering its echo loop (which answers it with an
 * empty message) when `entering`; true when each other one comes back
 * with its word + 1. */
static int echo_calls(L4_ThreadId_t w, unsigned n, L4_Word_t seed, int entering)
{
    int ok = 1;
    if (entering) {
        L4_LoadMR(0, 1u << 16);
        ok &= L4_IpcSucceeded(L4_Call(w));
    }
    for (unsigned i = 0; i < n; i++) {
        L4_LoadMR(0, (30u << 16) | 1u);
        L4_LoadMR(1, seed + i);
        L4_MsgTag_t t = L4_Call(w);
        L4_Word_t mr1;
        L4_StoreMR(1, &mr1);
        ok &= L4_IpcSucceeded(t) && mr1 == seed + i + 1u;
    }
    return ok;
}

/* Our hint names worker 6's TCB slot; the thread is deleted (the slot
 * reads as zeros) and its number used anew with version 2: a call to the
 * old ID fails (no such thread) both times, the new ID finds the new
 * thread. The hint is never dropped on the way (no walk at deletion). */
static void check_hint_slot_reused(void)
{
    L4_ThreadId_t v1 = worker_gid(6), v2 = L4_GlobalId(L4_ThreadNo(worker_gid(6)), 2);
    int ok = worker_start(6, worker_echo) && echo_calls(v1, 8, 0x1000u, 1);
    ok &= L4_ThreadControl(v1, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1) == 1;
    L4_MsgTag_t t = L4_Call(v1);
    ok &= L4_IpcFailed(t) && L4_IpcErrorCode(L4_ErrorCode()) == L4_ErrNonExist;
    ok &= worker_start_as(6, v2, worker_echo) && echo_calls(v2, 8, 0x2000u, 1);
    t = L4_Call(v1);
    ok &= L4_IpcFailed(t) && L4_IpcErrorCode(L4_ErrorCode()) == L4_ErrNonExist;
    ok &= echo_calls(v2, 4, 0x3000u, 0);
    ktu_check("global_hint_slot_freed_and_reused", ok,
              "a call through a freed or reused TCB slot went wrong");
}

extern char _end[];

/* Touch every page of our image (read, then write back) so that sigma0
 * maps it to us: it serves no faults of the workers in our space. */
static void touch_image(void)
{
    for (volatile char *p = (volatile char *)0x00A00000u; p < _end; p += 4096)
        *p = *p;
}

int main(void)
{
    touch_image();
    void *kip = L4_GetKernelInterface();
    kip_entry = (unsigned)kip + ((const unsigned *)kip)[0xE0 / 4];
    user_base = L4_ThreadIdUserBase(kip);
    root_gid = L4_MyGlobalId();
    s0_gid = L4_GlobalId(user_base, 1);
    ktu_check("fast_worker_created", worker_start(1, worker_echo), "ThreadControl failed");
    check_contract();
    check_preempted_pingpong();
    check_blocked_cancelled();
    check_blocked_redirected();
    check_blocked_deleted();
    check_blocked_flags_resumed_fast();
    check_self_flags_after_fast_block();
    check_timed_caller();
    check_partner_deleted();
    check_blocked_new_sp_ip();
    check_int_caller();
    check_hint_slot_reused();
    ktu_finish();
}
