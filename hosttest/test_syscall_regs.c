/* Host tests of ExchangeRegisters, Schedule, ThreadSwitch, Unmap,
 * MemoryControl, ProcessorControl and the Ipc marshalling (core/sys_*.c,
 * core/syscall.c) with the real core modules and the fake hooks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define ENV_THREADS 2048u                   /* thread numbers beyond 1024 (a power of two) */
#include "sys_env.h"

#define UA 0x00400000u
#define KA 0x00800000u
#define UAREA fpage_make(UA, 16, 0)
#define KAREA fpage_make(KA, 12, 0)
#define LOC(n) (ROOT_UTCB + 512u * (n))

/* Thread n in root's space at UTCB slot n, started (ready) unless `wait`. */
static struct tcb *root_thread(unsigned n, bool started)
{
    assert_int_equal(tc(G(n), G(ROOT_N), G(ROOT_N), G(ROOT_N), LOC(n)), 1);
    if (started) {
        struct tcb *cur = mock_current;
        as(root);
        assert_int_equal(send_start(G(n), 0x1000 + n, 0x8000 + n), IPC_DONE);
        as(cur);
    }
    return T(n);
}

/* Thread n active and started in a new unprivileged space. */
static struct tcb *space_thread(unsigned n)
{
    assert_int_equal(tc(G(n), G(n), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sc(G(n), 0, KAREA, UAREA, TID_NIL, NULL), 1);
    assert_int_equal(tc(G(n), G(n), G(ROOT_N), G(ROOT_N), UA), 1);
    assert_int_equal(send_start(G(n), 0x1000, 0x2000), IPC_DONE);
    return T(n);
}

static struct sys_regs exreg(tid_t dest, word_t ctl, word_t sp, word_t ip, word_t fl, word_t h, word_t p)
{
    struct sys_regs r = regs(dest, ctl, sp, ip, fl, h, p);
    sys_exchange_registers(mock_current, &r);
    return r;
}

/* ---- ExchangeRegisters ---------------------------------------------------- */

static void exreg_fails(tid_t dest, word_t ctl)
{
    static struct env_snap before;
    env_snap(&before);
    struct sys_regs r = exreg(dest, ctl, 1, 2, 3, 4, 5);
    assert_int_equal(r.eax, 0);
    assert_int_equal(r.ecx | r.edx | r.esi | r.edi | r.ebx | r.ebp, 0);
    assert_int_equal(err_of(mock_current), SYS_ERR_INVALID_THREAD);
    assert_true(env_same(&before));
}

static void test_sys_exchange_registers_invalid_targets(void **state)
{
    (void)state;
    struct tcb *other = space_thread(5);
    assert_int_equal(tc(G(6), G(ROOT_N), G(ROOT_N), TID_NIL, LOC(6)), 1);   /* inactive */
    exreg_fails(TID_NIL, 0x106);
    exreg_fails(TID_ANY, 0x106);
    exreg_fails(TID_ANYLOCAL, 0x106);
    exreg_fails(G(30), 0x106);
    exreg_fails(Gv(ROOT_N, 2), 0x106);
    other->utcb[UTCB_PAGER] = TID_NIL;        /* pager rule: end of test_syscall.c */
    exreg_fails(G(5), 0x301);                 /* other space, by global ID */
    exreg_fails(L(UA), 0x301);                /* its local ID means nothing here */
    exreg_fails(G(6), 0x301);                 /* inactive */
    exreg_fails(L(LOC(6)), 0x301);
    exreg_fails(L(LOC(40)), 0x301);
    assert_false(other->halted);
}

static void test_sys_exchange_registers_id_conversion(void **state)
{
    (void)state;
    struct tcb *t = root_thread(5, true);
    struct sys_regs r = exreg(L(LOC(5)), 0, 0, 0, 0, 0, 0);
    assert_int_equal(r.eax, G(5));
    r = exreg(G(5), 0, 0, 0, 0, 0, 0);
    assert_int_equal(r.eax, L(LOC(5)));
    r = exreg(G(ROOT_N), 0, 0, 0, 0, 0, 0);       /* itself */
    assert_int_equal(r.eax, L(ROOT_UTCB));
    /* old values: start IP/SP of the start message are the arch's business;
     * the fake reports what was last set */
    assert_int_equal(r.ecx, 0);
    assert_int_equal(t->state, TS_READY);
}

static void test_sys_exchange_registers_set_and_deliver(void **state)
{
    (void)state;
    struct tcb *t = root_thread(5, true);
    arch_user_regs_set(t, 0x100, 0x200, 0x3202);
    t->utcb[UTCB_USER_HANDLE] = 0x11;
    t->utcb[UTCB_PAGER] = G(ROOT_N);
    /* s, i, f, u, p with garbage in the control bits 10..31 */
    struct sys_regs r = exreg(G(5), 0xFFFFFC00u | 0xF8u, 0x111, 0x222, 0xFFFFFFFFu, 0x33, G(7));
    assert_int_equal(r.eax, L(LOC(5)));
    assert_int_equal(r.ecx, 0);
    assert_int_equal(r.edx, 0x100);
    assert_int_equal(r.esi, 0x200);
    assert_int_equal(r.edi, 0x3202);
    assert_int_equal(r.ebx, 0x11);
    assert_int_equal(r.ebp, G(ROOT_N));
    word_t sp, ip, fl;
    arch_user_regs(t, &sp, &ip, &fl);
    assert_int_equal(sp, 0x111);
    assert_int_equal(ip, 0x222);
    assert_int_equal(fl, 0x3202u | 0x8D5u);       /* only CF PF AF ZF SF OF taken */
    assert_int_equal(t->utcb[UTCB_USER_HANDLE], 0x33);
    assert_int_equal(t->utcb[UTCB_PAGER], G(7));
    /* clearing flags keeps the system bits */
    exreg(G(5), 0x20, 0, 0, 0, 0, 0);
    arch_user_regs(t, &sp, &ip, &fl);
    assert_int_equal(fl, 0x3202);
    /* read pager / handle (0x200), set handle (0x40), set pager (0x80) */
    r = exreg(L(LOC(5)), 0x200, 9, 9, 9, 9, 9);
    assert_int_equal(r.ebx, 0x33);
    assert_int_equal(r.ebp, G(7));
    assert_int_equal(r.eax, G(5));
    exreg(G(5), 0x40, 9, 9, 9, 0x44, 9);
    assert_int_equal(t->utcb[UTCB_USER_HANDLE], 0x44);
    assert_int_equal(t->utcb[UTCB_PAGER], G(7));
    exreg(G(5), 0x80, 9, 9, 9, 9, G(ROOT_N));
    assert_int_equal(t->utcb[UTCB_PAGER], G(ROOT_N));
    assert_int_equal(t->utcb[UTCB_USER_HANDLE], 0x44);
    arch_user_regs(t, &sp, &ip, &fl);
    assert_int_equal(sp, 0x111);                  /* untouched without s/i/f */
}

static void test_sys_exchange_registers_start_thread_waiting(void **state)
{
    (void)state;
    struct tcb *t = root_thread(5, false);
    assert_int_equal(t->state, TS_RECV_WAIT);
    /* libl4 start with SP/IP (0x11E): cancel the start receive, set SP/IP, resume */
    struct sys_regs r = exreg(G(5), 0x11E, 0x7000, 0x4000, 0, 0, 0);
    assert_int_equal(r.ecx, TCB_EXREG_RECV);
    assert_int_equal(t->state, TS_READY);
    assert_false(t->halted);
    assert_int_equal(err_of(t), (3u << 1) | 1u);    /* cancelled, receive phase */
    word_t sp, ip, fl;
    arch_user_regs(t, &sp, &ip, &fl);
    assert_int_equal(sp, 0x7000);
    assert_int_equal(ip, 0x4000);
    assert_true(t->in_ready_queue);
    /* start with SP/IP/flags (0x13E) of a thread that is already running */
    arch_user_regs_set(t, 1, 2, 0x3202);
    r = exreg(L(LOC(5)), 0x13E, 0x7100, 0x4100, 0x8D5u, 0, 0);
    assert_int_equal(r.ecx, 0);
    assert_int_equal(r.eax, G(5));
    arch_user_regs(t, &sp, &ip, &fl);
    assert_int_equal(sp, 0x7100);
    assert_int_equal(ip, 0x4100);
    assert_int_equal(fl, 0x3202u | 0x8D5u);
    assert_int_equal(t->state, TS_READY);
    /* plain start (0x106) of a thread waiting: same without registers */
    struct tcb *u = root_thread(6, false);
    r = exreg(G(6), 0x106, 0, 0, 0, 0, 0);
    assert_int_equal(u->state, TS_READY);
    assert_int_equal(r.ecx, TCB_EXREG_RECV);
}

static void test_sys_exchange_registers_stop_and_resume(void **state)
{
    (void)state;
    struct tcb *t = root_thread(5, true);
    /* stop (0x301): halted, no longer runnable, state bit reported */
    struct sys_regs r = exreg(G(5), 0x301, 0, 0, 0, 0, 0);
    assert_int_equal(r.ecx, 0);
    assert_true(t->halted);
    assert_false(sched_runnable(t));
    assert_int_equal(tcb_schedule_state(t), TCB_SCHED_INACTIVE);
    r = exreg(G(5), 0x200, 0, 0, 0, 0, 0);
    assert_int_equal(r.ecx, TCB_EXREG_HALTED);
    /* h without H resumes: runnable again */
    assert_non_null(sched_pick());
    r = exreg(G(5), 0x100, 0, 0, 0, 0, 0);
    assert_int_equal(r.ecx, TCB_EXREG_HALTED);
    assert_false(t->halted);
    assert_true(sched_runnable(t));
    assert_true(t->in_ready_queue);
    /* resume of a thread that is not halted: nothing happens */
    exreg(G(5), 0x100, 0, 0, 0, 0, 0);
    assert_false(t->halted);
    /* H without h: no effect on the halt state */
    exreg(G(5), 0x001, 0, 0, 0, 0, 0);
    assert_false(t->halted);
}

static void test_sys_exchange_registers_abort_and_stop(void **state)
{
    (void)state;
    struct tcb *a = root_thread(5, true), *b = root_thread(6, true), *c = root_thread(7, true);
    struct sys_regs r;
    /* a waits to receive from root, b waits to send to root (root not receiving) */
    as(a);
    r = regs(TID_NIL, 0, G(ROOT_N), 0, 0, 0, 0);
    assert_int_equal(sys_ipc(a, &r), IPC_BLOCKED);
    as(b);
    r = regs(G(ROOT_N), 0, TID_NIL, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(b, &r), IPC_BLOCKED);
    as(c);
    r = regs(G(ROOT_N), 0, TID_NIL, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(c, &r), IPC_BLOCKED);
    as(root);
    /* abort-send-and-stop on a receiver: no cancel, but halted (0x305) */
    r = exreg(G(5), 0x305, 0, 0, 0, 0, 0);
    assert_int_equal(r.ecx, TCB_EXREG_RECV);
    assert_int_equal(a->state, TS_RECV_WAIT);
    assert_true(a->halted);
    /* abort-receive-and-stop (0x303): cancelled with error 3 (receive) and halted */
    r = exreg(G(5), 0x303, 0, 0, 0, 0, 0);
    assert_int_equal(r.ecx, TCB_EXREG_RECV | TCB_EXREG_HALTED);
    assert_int_equal(a->state, TS_READY);
    assert_true(a->halted);
    assert_int_equal(err_of(a), 0x7);
    assert_false(sched_runnable(a));
    /* abort-IPC-and-stop (0x307) on a sender */
    r = exreg(G(6), 0x307, 0, 0, 0, 0, 0);
    assert_int_equal(r.ecx, TCB_EXREG_SEND);
    assert_int_equal(b->state, TS_READY);
    assert_int_equal(err_of(b), 0x6);               /* cancelled, send phase */
    assert_true(b->halted);
    /* plain stop (0x301) of a blocked sender: stays blocked, halted */
    r = exreg(G(7), 0x301, 0, 0, 0, 0, 0);
    assert_int_equal(c->state, TS_SEND_WAIT);
    assert_true(c->halted);
    /* the IPC completes while halted: the thread stays stopped until resumed */
    r = regs(TID_NIL, 0, G(7), 0, 0, 0, 0);
    assert_int_equal(sys_ipc(root, &r), IPC_DONE);
    assert_int_equal(c->state, TS_READY);
    assert_false(sched_runnable(c));
    exreg(G(7), 0x106, 0, 0, 0, 0, 0);
    assert_true(sched_runnable(c));
    assert_int_equal(env_check(), 0);
}

/* ---- Schedule ---------------------------------------------------------------- */

static struct sys_regs sched_call(tid_t dest, word_t time, word_t proc, word_t prio, word_t pre)
{
    struct sys_regs r = regs(dest, prio, time, proc, pre, 0x5555, 0x6666);
    sys_schedule(mock_current, &r);
    assert_int_equal(r.ebx, 0x5555);
    assert_int_equal(r.ebp, 0x6666);
    return r;
}

static void sched_fails(tid_t dest, word_t time, word_t proc, word_t prio, word_t pre, word_t err)
{
    static struct env_snap before;
    env_snap(&before);
    word_t pc = T(5)->state != TS_FREE ? sched_preemption(T(5)) : 0;
    struct sys_regs r = sched_call(dest, time, proc, prio, pre);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(mock_current), err);
    assert_true(env_same(&before));
    if (T(5)->state != TS_FREE)
        assert_int_equal(sched_preemption(T(5)), pc);
}

static void test_sys_schedule_nil_and_invalid(void **state)
{
    (void)state;
    root_thread(5, true);
    struct sys_regs r = sched_call(TID_NIL, 0, 0, 0, 0);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(root), 0);
    sched_fails(TID_ANY, NOCHG, NOCHG, NOCHG, NOCHG, SYS_ERR_INVALID_THREAD);
    sched_fails(G(30), NOCHG, NOCHG, NOCHG, NOCHG, SYS_ERR_INVALID_THREAD);
    sched_fails(Gv(5, 3), NOCHG, NOCHG, NOCHG, NOCHG, SYS_ERR_INVALID_THREAD);
    sched_fails(L(LOC(30)), NOCHG, NOCHG, NOCHG, NOCHG, SYS_ERR_INVALID_THREAD);
    sched_fails(TID_ANYLOCAL, NOCHG, NOCHG, NOCHG, NOCHG, SYS_ERR_INVALID_THREAD);
}

static void test_sys_schedule_parameters(void **state)
{
    (void)state;
    struct tcb *t = root_thread(5, true);
    /* all unchanged: state code and old TimeControl (10 ms slice, unlimited) */
    struct sys_regs r = sched_call(G(5), NOCHG, NOCHG, NOCHG, NOCHG);
    assert_int_equal(r.eax, TCB_SCHED_RUNNING);
    assert_int_equal(r.edx, (0x1271u << 16) | 0x0000u);
    /* 1 ms slice, 5 s quantum, priority 50, processor 0, preemption control */
    r = sched_call(L(LOC(5)), (0x03E8u << 16) | sys_period_encode(5000000u), 0, 50,
                   (40u << 16) | 300u);
    assert_int_equal(r.eax, TCB_SCHED_RUNNING);
    assert_int_equal(t->timeslice_us, 1000);
    assert_int_equal(t->remaining_us, 1000);
    assert_int_equal(t->quantum_us, 4997120u);       /* rounded down by the encoding */
    assert_int_equal(t->prio, 50);
    assert_int_equal(sched_preemption(t), (40u << 16) | 300u);
    r = sched_call(G(5), NOCHG, NOCHG, NOCHG, NOCHG);
    assert_int_equal(r.edx >> 16, 0x03E8u);
    assert_int_equal(r.edx & 0xFFFFu, sys_period_encode(4997120u));
    /* Never timeslice = longest; zero quantum stops the thread */
    sched_call(G(5), (0x0000u << 16) | 0x0400u, NOCHG, NOCHG, NOCHG);
    assert_int_equal(t->timeslice_us, 0xFFFFFFFFu);
    assert_int_equal(t->quantum_us, 0);
    assert_false(sched_runnable(t));
    r = sched_call(G(5), (0x1271u << 16), NOCHG, NOCHG, NOCHG);
    assert_int_equal(r.edx & 0xFFFFu, 0x0400u);
    assert_int_equal(t->quantum_us, TCB_QUANTUM_UNLIMITED);
    assert_true(sched_runnable(t));
    /* state codes of blocked and halted threads */
    struct tcb *w = root_thread(6, false);
    assert_int_equal(sched_call(G(6), NOCHG, NOCHG, NOCHG, NOCHG).eax, TCB_SCHED_WAITING);
    exreg_fails(TID_NIL, 0);                          /* (just an error write) */
    struct sys_regs x = regs(G(6), 0x301, 0, 0, 0, 0, 0);
    sys_exchange_registers(root, &x);
    assert_int_equal(sched_call(G(6), NOCHG, NOCHG, NOCHG, NOCHG).eax, TCB_SCHED_INACTIVE);
    (void)w;
    assert_int_equal(tc(G(7), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sched_call(G(7), NOCHG, NOCHG, NOCHG, NOCHG).eax, TCB_SCHED_INACTIVE);
}

static void test_sys_schedule_errors(void **state)
{
    (void)state;
    root_thread(5, true);
    /* time points and zero slices: 5 */
    sched_fails(G(5), 0x8000FFFFu, NOCHG, NOCHG, NOCHG, SYS_ERR_INVALID_PARAM);
    sched_fails(G(5), 0x12718001u, NOCHG, NOCHG, NOCHG, SYS_ERR_INVALID_PARAM);
    sched_fails(G(5), 0x04000000u, NOCHG, NOCHG, NOCHG, SYS_ERR_INVALID_PARAM);
    sched_fails(G(5), 0x08000000u, NOCHG, NOCHG, NOCHG, SYS_ERR_INVALID_PARAM);
    sched_fails(G(5), 0x1271FFFFu, NOCHG, NOCHG, NOCHG, SYS_ERR_INVALID_PARAM);
    /* priority out of range, processor other than 0: 5 */
    sched_fails(G(5), NOCHG, NOCHG, 256, NOCHG, SYS_ERR_INVALID_PARAM);
    sched_fails(G(5), NOCHG, 1, NOCHG, NOCHG, SYS_ERR_INVALID_PARAM);
    sched_fails(G(5), NOCHG, 0xFFFF, 10, NOCHG, SYS_ERR_INVALID_PARAM);
    /* a later invalid word stops the earlier valid ones too */
    sched_fails(G(5), 0x03E80000u, 3, 10, (1u << 16), SYS_ERR_INVALID_PARAM);
    /* 255, the highest priority, is one (the root task is privileged) */
    struct sys_regs r = sched_call(G(5), NOCHG, NOCHG, 255, NOCHG);
    assert_int_not_equal(r.eax, 0);
    assert_int_equal(T(5)->prio, 255);
}

static void test_sys_schedule_privilege(void **state)
{
    (void)state;
    /* T5 in its own unprivileged space is the scheduler of T6 and T7 */
    struct tcb *s = space_thread(5);
    assert_int_equal(tc(G(6), G(5), G(5), G(5), UA + 512u), 1);
    assert_int_equal(tc(G(7), G(5), G(ROOT_N), G(5), UA + 1024u), 1);
    as(s);
    struct sys_regs r = sched_call(G(6), NOCHG, NOCHG, 80, NOCHG);    /* <= own (100) */
    assert_int_equal(r.eax, TCB_SCHED_WAITING);
    assert_int_equal(T(6)->prio, 80);
    r = sched_call(L(UA + 512u), NOCHG, NOCHG, 100, (100u << 16) | 5u);
    assert_int_equal(r.eax, TCB_SCHED_WAITING);
    assert_int_equal(T(6)->prio, 100);
    sched_fails(G(6), NOCHG, NOCHG, 101, NOCHG, SYS_ERR_NO_PRIVILEGE);
    sched_fails(G(6), NOCHG, NOCHG, NOCHG, (101u << 16), SYS_ERR_NO_PRIVILEGE);
    /* not its scheduler */
    sched_fails(G(7), NOCHG, NOCHG, 10, NOCHG, SYS_ERR_NO_PRIVILEGE);
    sched_fails(G(ROOT_N), NOCHG, NOCHG, NOCHG, NOCHG, SYS_ERR_NO_PRIVILEGE);
    sched_fails(G(5), NOCHG, NOCHG, NOCHG, NOCHG, SYS_ERR_NO_PRIVILEGE);
    /* privileged: anything, above its own priority too */
    as(root);
    sched_set_priority(root, 10);
    r = sched_call(G(7), NOCHG, NOCHG, 200, (255u << 16));
    assert_int_equal(r.eax, TCB_SCHED_WAITING);
    assert_int_equal(T(7)->prio, 200);
}

/* PreemptionControl is kept by the thread itself: setting it takes no
 * kernel memory, a failing Schedule leaves it, deletion forgets it. */
static void test_sys_schedule_preemption_kept_by_the_thread(void **state)
{
    (void)state;
    unsigned n = 1050u - TID_USER_BASE;
    assert_int_equal(tc(G(n), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sched_preemption(T(n)), 0);              /* a new thread: none */
    unsigned base = mock_pages_outstanding();
    struct sys_regs r = sched_call(G(n), NOCHG, NOCHG, NOCHG, 0xAB000000u | (3u << 16) | 9u);
    assert_int_equal(r.eax, TCB_SCHED_INACTIVE);
    assert_int_equal(sched_preemption(T(n)), (3u << 16) | 9u);   /* bits 31..24 ignored */
    assert_int_equal(T(n)->sensitive_prio, 3);
    assert_int_equal(T(n)->max_delay_us, 9);
    assert_int_equal(mock_pages_outstanding(), base);
    sched_call(G(n), NOCHG, NOCHG, 300, (4u << 16) | 1u);     /* priority 300: error, no change */
    assert_int_equal(err_of(root), SYS_ERR_INVALID_PARAM);
    assert_int_equal(sched_preemption(T(n)), (3u << 16) | 9u);
    sched_call(G(n), NOCHG, NOCHG, NOCHG, NOCHG);             /* unchanged */
    assert_int_equal(sched_preemption(T(n)), (3u << 16) | 9u);
    assert_int_equal(tc(G(n), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    assert_int_equal(tc(G(n), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sched_preemption(T(n)), 0);              /* the number reused: none */
}

static void test_sys_schedule_period_helpers(void **state)
{
    (void)state;
    uint64_t us;
    assert_int_equal(sys_period_encode(UINT64_MAX), 0);
    assert_int_equal(sys_period_encode(0), 0x0400);
    assert_int_equal(sys_period_encode(1000), 0x03E8);
    assert_int_equal(sys_period_encode(10000), 0x1271);
    assert_int_equal(sys_period_encode(UINT64_MAX - 1), 0x7FFF);   /* the longest period */
    assert_true(sys_period_decode(0x7FFF, &us));
    assert_int_equal(us, (uint64_t)1023 << 31);
    assert_true(sys_period_decode(0, &us));
    assert_true(us == UINT64_MAX);
    assert_true(sys_period_decode(0x0800, &us));
    assert_int_equal(us, 0);
    assert_false(sys_period_decode(0x8000, &us));
    for (uint64_t v = 1; v < ((uint64_t)1 << 40); v = v * 3 + 1) {
        assert_true(sys_period_decode(sys_period_encode(v), &us));
        assert_true(us <= v && us > v - (v >> 9) - 1);
    }
}

/* ---- ThreadSwitch ------------------------------------------------------------ */

static void switch_call(tid_t dest)
{
    struct sys_regs r = regs(dest, 1, 2, 3, 4, 5, 6), r0 = r;
    sys_thread_switch(mock_current, &r);
    assert_memory_equal(&r, &r0, sizeof(r));
}

static void test_sys_thread_switch(void **state)
{
    (void)state;
    struct tcb *a = root_thread(5, true);
    root_thread(6, false);
    sched_set_priority(root, 100);
    /* self: nothing happens */
    unsigned n = mock_switch_count;
    switch_call(G(ROOT_N));
    switch_call(L(ROOT_UTCB));
    assert_int_equal(mock_switch_count, n);
    /* donation to a ready thread: it runs at once */
    switch_call(G(5));
    assert_ptr_equal(mock_current, a);
    /* nil: yield to the next of equal priority (root) */
    switch_call(TID_NIL);
    assert_ptr_equal(mock_current, root);
    /* a blocked or invalid destination behaves like nil */
    switch_call(G(6));
    assert_ptr_equal(mock_current, a);
    switch_call(G(30));
    assert_ptr_equal(mock_current, root);
    switch_call(L(LOC(5)));
    assert_ptr_equal(mock_current, a);
}

/* ---- Unmap ------------------------------------------------------------------- */

static void test_sys_unmap_status_and_revoke(void **state)
{
    (void)state;
    struct tcb *c = space_thread(5);
    /* root gets 3 pages from sigma0 and maps them on to T5's space */
    for (word_t i = 0; i < 3; i++) {
        assert_int_equal(mdb_map(&env_s0, 0x200000 + i * 0x1000, root_space, 0x10000 + i * 0x1000, 12, 7, false), MDB_OK);
        assert_int_equal(mdb_map(root_space, 0x10000 + i * 0x1000, c->space, 0x50000 + i * 0x1000, 12, 7, false), MDB_OK);
    }
    assert_true(mock_pt_touch(c->space, 0x50000, true));
    assert_true(mock_pt_touch(root_space, 0x11000, false));
    /* status query of page 0 and 1 (rights 0, k = 1) */
    root->utcb[1] = fpage_make(0x11000, 12, 0);
    struct sys_regs r = regs(1, 0xC0FFEE, 7, fpage_make(0x10000, 12, 0), 9, 9, 9);
    sys_unmap(root, &r);
    assert_int_equal(r.ecx, 0xC0FFEE);
    assert_int_equal(r.esi, fpage_make(0x10000, 12, 7));        /* written in T5's space */
    assert_int_equal(root->utcb[0], r.esi);
    assert_int_equal(root->utcb[1] & 7u, 5u);                     /* referenced: r+x */
    assert_int_equal(mock_pt_node_entries(c->space), 3);
    /* unmap w of page 0 (k = 1: bit 0 of the control word is no flush bit):
     * derived mapping loses w; own keeps it */
    root->utcb[1] = FPAGE_NIL;
    r = regs(1, 0xC0FFEE, 0, fpage_make(0x10000, 12, FPAGE_RIGHTS_W), 0, 0, 0);
    sys_unmap(root, &r);
    struct pt_entry e;
    assert_true(arch_pt_lookup(c->space, 0x50000, &e));
    assert_int_equal(e.rights, 5);
    assert_true(arch_pt_lookup(root_space, 0x10000, &e));
    assert_int_equal(e.rights, 7);
    /* flush everything of page 2 (control 0x40): own mapping gone too */
    r = regs(0x40, 0, 0, fpage_make(0x12000, 12, 7), 0, 0, 0);
    sys_unmap(root, &r);
    assert_false(arch_pt_lookup(root_space, 0x12000, &e));
    assert_false(arch_pt_lookup(c->space, 0x52000, &e));
    /* control bits above 6 are ignored, odd fpages give an empty status */
    root->utcb[1] = 0x00000005u;                                   /* s = 0 */
    root->utcb[2] = FPAGE_NIL;
    r = regs(0xFFFFFF82u, 0, 0, fpage_make(0x11000, 12, 7), 0, 0, 0);
    sys_unmap(root, &r);
    assert_false(arch_pt_lookup(c->space, 0x51000, &e));
    assert_true(arch_pt_lookup(root_space, 0x11000, &e));
    assert_int_equal(root->utcb[1], 0);
    assert_int_equal(root->utcb[2], 0);
    assert_int_equal(env_check(), 0);
}

static void test_sys_unmap_io_fpages(void **state)
{
    (void)state;
    root->utcb[1] = fpage_io_make(0x3F8, 3) | 7u;
    root->utcb[2] = fpage_io_make(0x3F9, 3);             /* misaligned: ignored */
    struct sys_regs r = regs(0x42, 0, 0, fpage_io_make(0x60, 4) | 7u, 0, 0, 0);
    sys_unmap(root, &r);
    assert_int_equal(r.esi, fpage_io_make(0x60, 4));
    assert_int_equal(root->utcb[1], fpage_io_make(0x3F8, 3));
    assert_int_equal(mock_io_unmap_calls, 2);
    assert_ptr_equal(mock_io_last_space, root_space);
    assert_int_equal(mock_io_last_port, 0x3F8);
    assert_int_equal(mock_io_last_log2, 3);
    assert_true(mock_io_last_flush);
}

/* ---- MemoryControl and ProcessorControl -------------------------------------- */

static void mc_fails(word_t ctl, word_t mr0, word_t a0, word_t a1, word_t a2, word_t a3, word_t err)
{
    static struct env_snap before;
    env_snap(&before);
    struct sys_regs r = regs(ctl, a0, a1, mr0, 0, a2, a3);
    sys_memory_control(mock_current, &r);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(mock_current), err);
    assert_true(env_same(&before));
}

static void test_sys_memory_control(void **state)
{
    (void)state;
    /* page 0 with attribute register 0 (ECX), page 1 with register 3 (EBP),
     * a nil fpage skipped; register 2 (EBX, garbage from libl4) is never used */
    root->utcb[1] = fpage_make(0x20000, 13, 0) | 3u;
    root->utcb[2] = FPAGE_NIL;
    struct sys_regs r = regs(2, 4, 77, fpage_make(0x10000, 12, 0), 0, 0xDEAD, 8);
    sys_memory_control(root, &r);
    assert_int_equal(r.eax, 1);
    assert_int_equal(mock_cache_count, 2);
    assert_int_equal(mock_cache_calls[0].va, 0x10000);
    assert_int_equal(mock_cache_calls[0].log2, 12);
    assert_int_equal(mock_cache_calls[0].attr, 4);
    assert_ptr_equal(mock_cache_calls[0].space, root_space);
    assert_int_equal(mock_cache_calls[1].va, 0x20000);
    assert_int_equal(mock_cache_calls[1].log2, 13);
    assert_int_equal(mock_cache_calls[1].attr, 8);
    /* register 1 (EDX), complete address space */
    r = regs(0, 0, 5, FPAGE_COMPLETE | 1u, 0, 0, 0);
    sys_memory_control(root, &r);
    assert_int_equal(r.eax, 1);
    assert_int_equal(mock_cache_calls[2].log2, 32);
    assert_int_equal(mock_cache_calls[2].attr, 5);
    /* the last user page: it ends right at the user limit */
    r = regs(0, 0, 4, fpage_make(0xBFFFF000u, 12, 0) | 1u, 0, 0, 0);
    sys_memory_control(root, &r);
    assert_int_equal(r.eax, 1);
    assert_int_equal(mock_cache_calls[3].va, 0xBFFFF000u);
    assert_int_equal(mock_cache_calls[3].attr, 4);
    /* k = 63: MR0..MR63, all but MR0 nil here */
    for (unsigned i = 1; i < 64; i++)
        root->utcb[i] = FPAGE_NIL;
    r = regs(63, 4, 0, fpage_make(0x30000, 12, 0), 0, 0, 0);
    sys_memory_control(root, &r);
    assert_int_equal(r.eax, 1);
    assert_int_equal(mock_cache_count, 5);
    assert_int_equal(mock_cache_calls[4].va, 0x30000);
    /* errors: 5. k = 64 would take the word after MR63 as a 65th fpage; the
     * mock keeps a canary there (an invalid fpage), made nil for this call */
    word_t canary = root->utcb[64];
    root->utcb[64] = FPAGE_NIL;
    mc_fails(64, fpage_make(0x10000, 12, 0), 0, 0, 0, 0, SYS_ERR_INVALID_PARAM);
    root->utcb[64] = canary;
    mc_fails(0, fpage_make(0x10000, 12, 0), 6, 0, 0, 0, SYS_ERR_INVALID_PARAM);
    mc_fails(0, fpage_make(0x10000, 12, 0), 7, 0, 0, 0, SYS_ERR_INVALID_PARAM);
    mc_fails(0, fpage_make(0x10000, 12, 0) | 1u, 0, 9, 0, 0, SYS_ERR_INVALID_PARAM);
    mc_fails(0, fpage_make(0x10000, 12, 0) | 2u, 0, 0, 0xDEAD, 0, SYS_ERR_INVALID_PARAM);
    mc_fails(0, fpage_io_make(0x60, 2), 0, 0, 0, 0, SYS_ERR_INVALID_PARAM);
    mc_fails(0, 0x10000 | (10u << 4), 0, 0, 0, 0, SYS_ERR_INVALID_PARAM);
    mc_fails(0, fpage_make(0xC0000000u, 12, 0), 0, 0, 0, 0, SYS_ERR_INVALID_PARAM);
    mc_fails(0, fpage_make(0x80000000u, 31, 0), 0, 0, 0, 0, SYS_ERR_INVALID_PARAM);
    /* the second fpage is bad: the first is not applied either */
    root->utcb[1] = fpage_make(0x10000, 12, 0) | 3u;
    mc_fails(1, fpage_make(0x10000, 12, 0), 1, 0, 0, 6, SYS_ERR_INVALID_PARAM);
    /* unprivileged: 1 */
    struct tcb *t = space_thread(5);
    as(t);
    mc_fails(0, fpage_make(0x10000, 12, 0), 1, 0, 0, 0, SYS_ERR_NO_PRIVILEGE);
}

static void test_sys_processor_control(void **state)
{
    (void)state;
    struct sys_regs r = regs(0, 1, 2, 3, 4, 5, 6);
    sys_processor_control(root, &r);
    assert_int_equal(r.eax, 1);
    r = regs(1, 1, 2, 3, 4, 5, 6);
    sys_processor_control(root, &r);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(root), SYS_ERR_INVALID_PARAM);
    struct tcb *t = space_thread(5);
    as(t);
    r = regs(0, 1, 2, 3, 4, 5, 6);
    sys_processor_control(t, &r);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(t), SYS_ERR_NO_PRIVILEGE);
}

/* ---- Ipc marshalling ---------------------------------------------------------- */

static void test_sys_ipc_marshalling(void **state)
{
    (void)state;
    struct tcb *t = root_thread(5, true);
    /* t: open wait (from anythread, never) -> blocks */
    as(t);
    struct sys_regs rt = regs(TID_NIL, 0, TID_ANY, 0x12345678u, L(LOC(5)), 0, 0);
    assert_int_equal(sys_ipc(t, &rt), IPC_BLOCKED);
    assert_int_equal(t->utcb[0], 0x12345678u);            /* MR0 stored from ESI */
    /* root sends label 7, u = 3 */
    as(root);
    root->utcb[1] = 11;
    root->utcb[2] = 22;
    root->utcb[3] = 33;
    struct sys_regs rr = regs(G(5), 0, TID_NIL, msgtag_make(7, 3, 0, 0), L(ROOT_UTCB), 0, 0);
    assert_int_equal(sys_ipc(root, &rr), IPC_DONE);
    sys_ipc_finish(root, &rr);
    assert_int_equal(rr.eax, TID_NIL);
    assert_int_equal(rr.esi & MSG_TAG_E, 0);
    assert_int_equal(rr.edi, L(ROOT_UTCB));
    /* t finished: from, tag, MR1, MR2 in registers, EDI kept */
    assert_false(ipc_pending(t));
    sys_ipc_finish(t, &rt);
    assert_int_equal(rt.eax, L(ROOT_UTCB));                /* same space: the local ID */
    assert_int_equal(rt.esi, msgtag_make(7, 3, 0, 0));
    assert_int_equal(rt.esi, t->utcb[0]);
    assert_int_equal(rt.ebx, 11);
    assert_int_equal(rt.ebp, 22);
    assert_int_equal(rt.edi, L(LOC(5)));
    assert_int_equal(t->utcb[3], 33);
    /* send to nobody: error tag, nil from */
    struct sys_regs re = regs(G(40), 0, TID_NIL, msgtag_make(1, 0, 0, 0), 0x77, 0, 0);
    assert_int_equal(sys_ipc(root, &re), IPC_DONE);
    sys_ipc_finish(root, &re);
    assert_int_equal(re.eax, TID_NIL);
    assert_true(re.esi & MSG_TAG_E);
    assert_int_equal(re.edi, 0x77);
    assert_int_equal(err_of(root), 0x4);
}

/* ---- gaps found by mutation testing (issue 12) ------------------------------------ */

static void test_sys_exchange_registers_sp_ip_leave_flags(void **state)
{
    (void)state;
    struct tcb *t = root_thread(5, true);
    word_t sp, ip, fl;
    arch_user_regs_set(t, 0x100, 0x200, 0x3202);
    exreg(G(5), SYS_EXREG_SP, 0x111, 0x222, 0xFFFFFFFFu, 0, 0);
    arch_user_regs(t, &sp, &ip, &fl);
    assert_int_equal(sp, 0x111);
    assert_int_equal(ip, 0x200);
    assert_int_equal(fl, 0x3202);
    exreg(G(5), SYS_EXREG_IP, 0x333, 0x444, 0xFFFFFFFFu, 0, 0);
    arch_user_regs(t, &sp, &ip, &fl);
    assert_int_equal(sp, 0x111);
    assert_int_equal(ip, 0x444);
    assert_int_equal(fl, 0x3202);
    exreg(G(5), SYS_EXREG_SP | SYS_EXREG_IP, 0x555, 0x666, 0xFFFFFFFFu, 0, 0);
    arch_user_regs(t, &sp, &ip, &fl);
    assert_int_equal(sp, 0x555);
    assert_int_equal(ip, 0x666);
    assert_int_equal(fl, 0x3202);
    /* f alone: only the arithmetic flags, SP/IP stay */
    exreg(G(5), SYS_EXREG_FL, 0x777, 0x888, 0xFFFFFFFFu, 0, 0);
    arch_user_regs(t, &sp, &ip, &fl);
    assert_int_equal(sp, 0x555);
    assert_int_equal(ip, 0x666);
    assert_int_equal(fl, 0x3202u | SYS_USER_FLAGS_MASK);
}


static void test_sys_period_encode_powers_of_two_round_trip(void **state)
{
    (void)state;
    uint64_t us;
    /* every power of two up to 2^40 (= 512 << 31) is exact */
    for (unsigned k = 0; k <= 40; k++) {
        uint16_t tv = sys_period_encode((uint64_t)1 << k);
        assert_true(sys_period_decode(tv, &us));
        assert_true(us == (uint64_t)1 << k);
    }
    assert_int_equal(sys_period_encode(1024), (1u << 10) | 512u);
    assert_int_equal(sys_period_encode(1023), 1023u);
    assert_int_equal(sys_period_encode(2047), (1u << 10) | 1023u);
    assert_int_equal(sys_period_encode(2048), (2u << 10) | 512u);
}

static void test_sys_period_encode_clamps_without_absolute_bit(void **state)
{
    (void)state;
    /* beyond 1023 << 31: the longest period, never the absolute-time bit */
    assert_int_equal(sys_period_encode((uint64_t)1023 << 31), 0x7FFF);
    assert_int_equal(sys_period_encode(((uint64_t)1023 << 31) + 1), 0x7FFF);
    assert_int_equal(sys_period_encode((uint64_t)1 << 41), 0x7FFF);
    assert_int_equal(sys_period_encode((uint64_t)1 << 45), 0x7FFF);
    assert_int_equal(sys_period_encode((uint64_t)1 << 63), 0x7FFF);
    for (uint64_t v = (uint64_t)1 << 40; v < ((uint64_t)1 << 62); v = v * 3 + 7)
        assert_int_equal(sys_period_encode(v) & 0x8000u, 0);
}

/* ---- branch coverage (issue 12) ------------------------------------------------- */

static void test_sys_calls_from_thread_without_space_are_unprivileged(void **state)
{
    (void)state;
    /* a thread that lost its space (mid-deletion) is never privileged */
    struct tcb *t = root_thread(5, true), *u = root_thread(6, true);
    u->scheduler = G(5);
    struct space *s = t->space;
    t->space = NULL;
    struct sys_regs r = regs(G(7), G(ROOT_N), G(ROOT_N), G(7), NOCHG, 0, 0);
    sys_thread_control(t, &r);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(t), SYS_ERR_NO_PRIVILEGE);
    r = regs(G(ROOT_N), 0, 0, 0, TID_NIL, 0, 0);
    sys_space_control(t, &r);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(t), SYS_ERR_NO_PRIVILEGE);
    r = regs(0, 1, 2, 3, 4, 5, 6);
    sys_processor_control(t, &r);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(t), SYS_ERR_NO_PRIVILEGE);
    r = regs(0, 0, 0, 0, 0, 0, 0);
    sys_memory_control(t, &r);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(t), SYS_ERR_NO_PRIVILEGE);
    /* Schedule: of a thread it does not schedule: 1; of its own thread u
     * only up to its own priority */
    r = regs(G(ROOT_N), NOCHG, NOCHG, NOCHG, NOCHG, 0, 0);
    sys_schedule(t, &r);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(t), SYS_ERR_NO_PRIVILEGE);
    r = regs(G(6), (word_t)t->prio + 1u, NOCHG, NOCHG, NOCHG, 0, 0);
    sys_schedule(t, &r);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(t), SYS_ERR_NO_PRIVILEGE);
    r = regs(G(6), t->prio, NOCHG, NOCHG, NOCHG, 0, 0);
    sys_schedule(t, &r);
    assert_int_not_equal(r.eax, 0);
    assert_int_equal(u->prio, t->prio);
    t->space = s;
}

static void test_sys_exchange_registers_resume_blocked_thread(void **state)
{
    (void)state;
    struct tcb *t = root_thread(5, false);          /* waits for its start message */
    assert_int_equal(t->state, TS_RECV_WAIT);
    exreg(G(5), SYS_EXREG_h | SYS_EXREG_H, 0, 0, 0, 0, 0);
    assert_true(t->halted);
    exreg(G(5), SYS_EXREG_h, 0, 0, 0, 0, 0);
    assert_false(t->halted);
    assert_int_equal(t->state, TS_RECV_WAIT);        /* still blocked, not made ready */
    assert_false(t->in_ready_queue && sched_runnable(t));
    assert_int_equal(send_start(G(5), 1, 2), IPC_DONE);
    assert_int_equal(t->state, TS_READY);
}

static void test_sys_assert_set_error_needs_utcb(void **state)
{
    (void)state;
    struct tcb *t = root_thread(5, false);
    word_t *u = t->utcb;
    t->utcb = NULL;
    assert_true(MOCK_EXPECT_PANIC(sys_set_error(t, SYS_ERR_INVALID_PARAM)));
    t->utcb = u;
    sys_set_error(t, SYS_ERR_INVALID_PARAM);
    assert_int_equal(err_of(t), SYS_ERR_INVALID_PARAM);
}

static void test_sys_schedule_timeslice_of_2_32_us_clamps(void **state)
{
    (void)state;
    struct tcb *t = root_thread(5, true);
    /* 512 << 23 = 2^32 us: more than a word, the longest slice */
    word_t tv = (23u << 10) | 512u;
    struct sys_regs r = sched_call(G(5), (tv << 16) | 0x0000u, NOCHG, NOCHG, NOCHG);
    assert_int_not_equal(r.eax, 0);
    assert_int_equal(t->timeslice_us, 0xFFFFFFFFu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
        T_(test_sys_exchange_registers_invalid_targets),
        T_(test_sys_exchange_registers_id_conversion),
        T_(test_sys_exchange_registers_set_and_deliver),
        T_(test_sys_exchange_registers_start_thread_waiting),
        T_(test_sys_exchange_registers_stop_and_resume),
        T_(test_sys_exchange_registers_abort_and_stop),
        T_(test_sys_schedule_nil_and_invalid),
        T_(test_sys_schedule_parameters),
        T_(test_sys_schedule_errors),
        T_(test_sys_schedule_privilege),
        T_(test_sys_schedule_preemption_kept_by_the_thread),
        T_(test_sys_schedule_period_helpers),
        T_(test_sys_thread_switch),
        T_(test_sys_unmap_status_and_revoke),
        T_(test_sys_unmap_io_fpages),
        T_(test_sys_memory_control),
        T_(test_sys_processor_control),
        T_(test_sys_ipc_marshalling),
        T_(test_sys_exchange_registers_sp_ip_leave_flags),
        T_(test_sys_period_encode_powers_of_two_round_trip),
        T_(test_sys_period_encode_clamps_without_absolute_bit),
        T_(test_sys_calls_from_thread_without_space_are_unprivileged),
        T_(test_sys_exchange_registers_resume_blocked_thread),
        T_(test_sys_assert_set_error_needs_utcb),
        T_(test_sys_schedule_timeslice_of_2_32_us_clamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
