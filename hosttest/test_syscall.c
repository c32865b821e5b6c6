/* Host tests of ThreadControl and SpaceControl (core/sys_thread.c,
 * core/sys_space.c) and the typical libl4 sequences of ABI 4.5, with the
 * real tid/tcb/sched/ipc/space/mdb modules and the fake hooks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sys_env.h"
#include <core/smallspace.h>

#include <core/config.h>

#define UA 0x00400000u                 /* UTCB area of new spaces: 2^16 at 4 MB */
#define KA 0x00800000u                 /* KIP area of new spaces */
#define UAREA fpage_make(UA, 16, 0)
#define KAREA fpage_make(KA, 12, 0)

/* New space with thread n, initialised, thread n activated with pager root. */
static void make_space_thread(unsigned n)
{
    assert_int_equal(tc(G(n), G(n), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sc(G(n), 0, KAREA, UAREA, TID_NIL, NULL), 1);
    assert_int_equal(tc(G(n), G(n), G(ROOT_N), G(ROOT_N), UA), 1);
}

/* Thread n in root's space at UTCB slot n, waiting for its start message. */
static void make_root_thread(unsigned n)
{
    assert_int_equal(tc(G(n), G(ROOT_N), G(ROOT_N), G(ROOT_N), ROOT_UTCB + 512u * n), 1);
}

/* Expect the ThreadControl call to fail with `err` and change nothing. */
static void tc_fails(tid_t dest, tid_t space, tid_t sched, tid_t pager, word_t utcb, word_t err)
{
    static struct env_snap before;
    env_snap(&before);
    assert_int_equal(tc(dest, space, sched, pager, utcb), 0);
    assert_int_equal(err_of(mock_current), err);
    assert_true(env_same(&before));
    assert_int_equal(env_check(), 0);
}

/* ---- ThreadControl: general checks ------------------------------------- */

static void test_sys_thread_control_unprivileged(void **state)
{
    (void)state;
    make_space_thread(5);
    assert_int_equal(send_start(G(5), 0x1000, 0x2000), IPC_DONE);
    as(T(5));
    tc_fails(G(6), G(6), G(5), TID_NIL, NOCHG, SYS_ERR_NO_PRIVILEGE);
    tc_fails(G(5), TID_NIL, TID_NIL, TID_NIL, NOCHG, SYS_ERR_NO_PRIVILEGE);
}

static void test_sys_thread_control_invalid_dest(void **state)
{
    (void)state;
    tc_fails(TID_NIL, G(6), G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_INVALID_THREAD);
    tc_fails(TID_ANY, G(6), G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_INVALID_THREAD);
    tc_fails(L(ROOT_UTCB), G(6), G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_INVALID_THREAD);
    tc_fails(TID_ANYLOCAL, G(6), G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_INVALID_THREAD);
    /* a local ID whose bits 31..14 name a free user thread slot is no
     * global ID of version 0: nothing is created there */
    tc_fails((word_t)(TID_USER_BASE + 6u) << TID_VERSION_BITS, G(6), G(ROOT_N), TID_NIL, NOCHG,
             SYS_ERR_INVALID_THREAD);
    assert_int_equal(T(6)->state, TS_FREE);
    tc_fails(tid_make_global(ENV_THREADS, 1), tid_make_global(ENV_THREADS, 1), G(ROOT_N), TID_NIL,
             NOCHG, SYS_ERR_INVALID_THREAD);
    /* kernel range: also the idle thread cannot be touched */
    tc_fails(tid_make_global(TID_SYSTEM_BASE, 1), TID_NIL, TID_NIL, TID_NIL, NOCHG, SYS_ERR_INVALID_THREAD);
    tc_fails(tid_make_global(TID_USER_BASE - 1u, 1), tid_make_global(TID_USER_BASE - 1u, 1), G(ROOT_N),
             TID_NIL, NOCHG, SYS_ERR_INVALID_THREAD);
}

/* ---- interrupt association ---------------------------------------------- */

static void test_sys_thread_control_irq_attach_detach(void **state)
{
    (void)state;
    tid_t irq3 = tid_make_global(3, 1);
    assert_int_equal(tc(irq3, irq3, TID_NIL, G(ROOT_N), NOCHG), 1);
    assert_ptr_equal(mock_irq_handler[3], root);
    /* local handler ID works too */
    assert_int_equal(tc(tid_make_global(4, 1), TID_NIL, TID_NIL, L(ROOT_UTCB), NOCHG), 1);
    assert_ptr_equal(mock_irq_handler[4], root);
    assert_int_equal(tc(irq3, irq3, TID_NIL, irq3, NOCHG), 1);
    assert_null(mock_irq_handler[3]);
    assert_ptr_equal(mock_irq_handler[4], root);
}

static void test_sys_thread_control_irq_errors(void **state)
{
    (void)state;
    tid_t irq3 = tid_make_global(3, 1);
    make_root_thread(7);                                   /* active */
    assert_int_equal(tc(G(8), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG), 1);  /* inactive */
    tc_fails(irq3, irq3, TID_NIL, TID_NIL, NOCHG, SYS_ERR_INVALID_THREAD);
    tc_fails(irq3, irq3, TID_NIL, G(9), NOCHG, SYS_ERR_INVALID_THREAD);
    tc_fails(irq3, irq3, TID_NIL, G(8), NOCHG, SYS_ERR_INVALID_THREAD);
    tc_fails(irq3, irq3, TID_NIL, TID_ANY, NOCHG, SYS_ERR_INVALID_THREAD);
    tc_fails(tid_make_global(3, 2), irq3, TID_NIL, G(7), NOCHG, SYS_ERR_INVALID_THREAD);
    mock_irq_unavailable = 1u << 3;
    tc_fails(irq3, irq3, TID_NIL, G(7), NOCHG, SYS_ERR_INVALID_THREAD);
    tc_fails(irq3, irq3, TID_NIL, irq3, NOCHG, SYS_ERR_INVALID_THREAD);
    mock_irq_unavailable = 0;
    /* a deleted handler loses its lines */
    assert_int_equal(tc(irq3, irq3, TID_NIL, G(7), NOCHG), 1);
    assert_int_equal(tc(G(7), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    assert_null(mock_irq_handler[3]);
}

/* ---- create --------------------------------------------------------------- */

static void test_sys_thread_control_create_new_space_sequence(void **state)
{
    (void)state;
    unsigned spaces = space_count();
    /* ThreadControl(t, t, me, nil, -1): inactive thread in a new space */
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);
    struct tcb *t = T(5);
    assert_int_equal(space_count(), spaces + 1);
    assert_int_equal(t->state, TS_INACTIVE);
    assert_false(tcb_is_active(t));
    assert_int_equal(t->space->thread_count, 1);
    assert_false(space_initialised(t->space));
    assert_false(t->space->privileged);
    assert_int_equal(t->scheduler, G(ROOT_N));
    assert_int_equal(t->prio, 100);
    assert_int_equal(t->timeslice_us, 10000);
    assert_int_equal(t->gid, G(5));
    /* SpaceControl(t, 0, kip, utcb, nil) */
    word_t ecx = 77;
    assert_int_equal(sc(G(5), 0, KAREA | 7u, UAREA | 5u, TID_NIL, &ecx), 1);
    assert_int_equal(ecx, 0);
    assert_int_equal(t->space->kip_area, KAREA);
    assert_int_equal(t->space->utcb_area, UAREA);
    assert_int_equal(mock_kip_last_base, KA);
    assert_ptr_equal(mock_kip_last_space, t->space);
    /* ThreadControl(t, t, me, pager, utcb): active, waiting for the start message */
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), G(ROOT_N), UA + 512u), 1);
    assert_true(tcb_is_active(t));
    assert_int_equal(t->state, TS_RECV_WAIT);
    assert_int_equal(t->utcb_location, UA + 512u);
    assert_ptr_equal(t->utcb, mock_utcb_find(t->space, UA + 512u));
    assert_int_equal(t->utcb[UTCB_MY_GLOBAL_ID], G(5));
    assert_int_equal(t->utcb[UTCB_PAGER], G(ROOT_N));
    assert_int_equal(t->utcb[UTCB_USER_HANDLE], 0);
    assert_int_equal(t->utcb[UTCB_EXCEPTION_HANDLER], 0);
    assert_int_equal(t->utcb[UTCB_XFER_TIMEOUTS], 0);
    assert_int_equal(t->utcb[utcb_br_index(0)], 0);
    assert_int_equal(t->utcb[-64], 0);
    assert_int_equal(t->utcb[63], 0);
    assert_int_equal(mock_start_prepared, 1);
    assert_ptr_equal(tid_lookup_local(t->space, L(UA + 512u)), t);
    /* the start message */
    assert_int_equal(send_start(G(5), 0x1234, 0x5678), IPC_DONE);
    assert_int_equal(t->state, TS_READY);
    assert_int_equal(t->utcb[1], 0x1234);
    assert_int_equal(t->utcb[2], 0x5678);
    assert_int_equal(ipc_result_from(t), G(ROOT_N));
    assert_int_equal(env_check(), 0);
}

static void test_sys_thread_control_create_in_own_space(void **state)
{
    (void)state;
    /* ThreadControl(t, me, me, me, utcb) with local IDs for space/scheduler/pager */
    assert_int_equal(tc(G(6), L(ROOT_UTCB), L(ROOT_UTCB), L(ROOT_UTCB), ROOT_UTCB + 1024u), 1);
    struct tcb *t = T(6);
    assert_ptr_equal(t->space, root_space);
    assert_int_equal(root_space->thread_count, 2);
    assert_int_equal(t->scheduler, G(ROOT_N));
    assert_int_equal(t->utcb[UTCB_PAGER], G(ROOT_N));
    assert_int_equal(t->state, TS_RECV_WAIT);
    assert_ptr_equal(ipc_blocked_on(t), root);
    /* a thread of a privileged space is privileged */
    assert_true(sys_privileged(t));
    /* inactive creation keeps a UTCB location for later */
    assert_int_equal(tc(G(7), G(ROOT_N), G(ROOT_N), TID_NIL, ROOT_UTCB + 2048u), 1);
    assert_int_equal(T(7)->utcb_location, ROOT_UTCB + 2048u);
    assert_false(tcb_is_active(T(7)));
    assert_int_equal(env_check(), 0);
}

static void test_sys_thread_control_create_scheduler_self(void **state)
{
    (void)state;
    assert_int_equal(tc(G(6), G(ROOT_N), G(6), TID_NIL, NOCHG), 1);
    assert_int_equal(T(6)->scheduler, G(6));
}

static void test_sys_thread_control_create_errors(void **state)
{
    (void)state;
    make_root_thread(7);
    assert_int_equal(tc(G(8), G(8), G(ROOT_N), TID_NIL, NOCHG), 1);   /* uninitialised space */
    /* scheduler nil / not existing / unresolvable local: 4 (X.2 name; reference 2) */
    tc_fails(G(5), G(5), TID_NIL, TID_NIL, NOCHG, SYS_ERR_INVALID_SCHED);
    tc_fails(G(5), G(5), G(40), TID_NIL, NOCHG, SYS_ERR_INVALID_SCHED);
    tc_fails(G(5), G(5), Gv(ROOT_N, 2), TID_NIL, NOCHG, SYS_ERR_INVALID_SCHED);
    tc_fails(G(5), G(5), L(ROOT_UTCB + 512u * 30u), TID_NIL, NOCHG, SYS_ERR_INVALID_SCHED);
    tc_fails(G(5), G(5), TID_ANY, TID_NIL, NOCHG, SYS_ERR_INVALID_SCHED);
    /* space specifier names no thread: 3 */
    tc_fails(G(5), G(40), G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_INVALID_SPACE);
    tc_fails(G(5), TID_ANY, G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_INVALID_SPACE);
    tc_fails(G(5), L(ROOT_UTCB + 512u * 30u), G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_INVALID_SPACE);
    tc_fails(G(5), Gv(ROOT_N, 3), G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_INVALID_SPACE);
    /* a local ID that is valid only in another space: 3 (space), 4 (scheduler), 2 (pager) */
    make_space_thread(9);
    tc_fails(G(5), L(UA), G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_INVALID_SPACE);
    tc_fails(G(5), G(ROOT_N), L(UA), TID_NIL, NOCHG, SYS_ERR_INVALID_SCHED);
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), L(UA), ROOT_UTCB + 4096u, SYS_ERR_INVALID_THREAD);
    /* active in a new or uninitialised space: 3 */
    tc_fails(G(5), G(5), G(ROOT_N), G(ROOT_N), UA, SYS_ERR_INVALID_SPACE);
    tc_fails(G(5), G(8), G(ROOT_N), G(ROOT_N), UA, SYS_ERR_INVALID_SPACE);
    /* UTCB locations: misaligned, outside the area, none, in use: 6 */
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), G(ROOT_N), ROOT_UTCB + 4096u + 4u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), G(ROOT_N), ROOT_UTCB - 512u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), G(ROOT_N), ROOT_UTCB + (1u << 17), SYS_ERR_INVALID_UTCB);
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), G(ROOT_N), NOCHG, SYS_ERR_INVALID_UTCB);
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), G(ROOT_N), ROOT_UTCB, SYS_ERR_INVALID_UTCB);
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), G(ROOT_N), ROOT_UTCB + 512u * 7u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), TID_NIL, ROOT_UTCB + 4u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), TID_NIL, 0x1000u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(5), G(5), G(ROOT_N), TID_NIL, 0x1004u, SYS_ERR_INVALID_UTCB);
    /* pager names no thread: 2 (the start message could never come) */
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), G(40), ROOT_UTCB + 4096u, SYS_ERR_INVALID_THREAD);
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), TID_ANY, ROOT_UTCB + 4096u, SYS_ERR_INVALID_THREAD);
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), L(ROOT_UTCB + 512u * 30u), ROOT_UTCB + 4096u,
             SYS_ERR_INVALID_THREAD);
}

static void test_sys_thread_control_create_out_of_memory(void **state)
{
    (void)state;
    mock_space_init_failures = 1;
    tc_fails(G(5), G(5), G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_NO_MEMORY);
    mock_tcb_alloc_failures = 1;
    tc_fails(G(5), G(5), G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_NO_MEMORY);
    mock_utcb_map_failures = 1;
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), G(ROOT_N), ROOT_UTCB + 4096u, SYS_ERR_NO_MEMORY);
    mock_tcb_alloc_failures = 1;
    tc_fails(G(5), G(ROOT_N), G(ROOT_N), G(ROOT_N), ROOT_UTCB + 4096u, SYS_ERR_NO_MEMORY);
    /* and then it works */
    assert_int_equal(tc(G(5), G(ROOT_N), G(ROOT_N), G(ROOT_N), ROOT_UTCB + 4096u), 1);
}

/* ---- delete ------------------------------------------------------------------ */

static void test_sys_thread_control_delete_last_thread_destroys_space(void **state)
{
    (void)state;
    unsigned spaces = space_count(), utcbs = mock_utcb_live;
    make_space_thread(5);
    assert_int_equal(send_start(G(5), 0x1000, 0x2000), IPC_DONE);
    struct space *s = T(5)->space;
    assert_int_equal(tc(G(6), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);   /* second thread */
    assert_int_equal(mdb_map(&env_s0, 0x100000, s, 0x10000, 12, 7, false), MDB_OK);
    assert_int_equal(space_count(), spaces + 1);
    unsigned nodes = mdb_node_count();
    assert_true(nodes > 0);
    /* Kill: ThreadControl(t, nil, nil, nil, -1) */
    assert_int_equal(tc(G(5), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    assert_int_equal(T(5)->state, TS_FREE);
    assert_null(tid_lookup(G(5)));
    assert_int_equal(s->thread_count, 1);
    assert_int_equal(space_count(), spaces + 1);
    assert_int_equal(mock_utcb_live, utcbs);
    assert_int_equal(tc(G(6), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    assert_int_equal(space_count(), spaces);
    assert_true(mdb_node_count() < nodes);        /* the space's mappings are gone */
    assert_int_equal(env_check(), 0);
}

static void test_sys_thread_control_delete_fails_partners(void **state)
{
    (void)state;
    make_root_thread(5);
    make_root_thread(6);
    /* start 6, let it send to 5 (which waits for its start message: not from 6) */
    assert_int_equal(send_start(G(6), 1, 2), IPC_DONE);
    as(T(6));
    struct sys_regs r = regs(G(5), 0, TID_NIL, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(T(6), &r), IPC_BLOCKED);
    as(root);
    assert_int_equal(tc(G(5), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    assert_int_equal(T(6)->state, TS_READY);
    assert_int_equal(err_of(T(6)), 0x4);            /* non-existing partner, send phase */
    sys_ipc_finish(T(6), &r);
    assert_int_equal(r.eax, TID_NIL);
    assert_true(r.esi & MSG_TAG_E);
}

static void test_sys_thread_control_delete_special_cases(void **state)
{
    (void)state;
    make_root_thread(5);
    /* self: 2, by global and by local ID of the space specifier */
    tc_fails(G(ROOT_N), TID_NIL, TID_NIL, TID_NIL, NOCHG, SYS_ERR_INVALID_THREAD);
    /* non-existing thread, or stale version: succeeds, changes nothing */
    static struct env_snap before;
    env_snap(&before);
    root->utcb[UTCB_ERROR_CODE] = 99;
    assert_int_equal(tc(G(30), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    assert_int_equal(tc(Gv(5, 2), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    assert_true(env_same(&before));
    assert_int_equal(err_of(root), 99);
    assert_int_equal(T(5)->gid, G(5));
}

/* ---- modify ------------------------------------------------------------------- */

static void test_sys_thread_control_modify_version_scheduler_pager(void **state)
{
    (void)state;
    make_root_thread(5);
    make_root_thread(6);
    assert_int_equal(tc(Gv(5, 7), G(ROOT_N), G(6), TID_NIL, NOCHG), 1);
    struct tcb *t = T(5);
    assert_int_equal(t->gid, Gv(5, 7));
    assert_int_equal(t->utcb[UTCB_MY_GLOBAL_ID], Gv(5, 7));
    assert_null(tid_lookup(G(5)));
    assert_int_equal(t->scheduler, G(6));
    /* active: only the Pager TCR changes (also via a local ID) */
    assert_int_equal(tc(Gv(5, 7), Gv(5, 7), TID_NIL, L(ROOT_UTCB + 512u * 6u), NOCHG), 1);
    assert_int_equal(t->utcb[UTCB_PAGER], G(6));
    assert_int_equal(t->state, TS_RECV_WAIT);
    assert_int_equal(mock_start_prepared, 2);
    /* an active thread's UTCB location cannot be given again, not even its
     * current one (ABI 2.4, 4.5): error 6, nothing changed */
    assert_int_equal(tc(Gv(5, 7), Gv(5, 7), TID_NIL, TID_NIL, ROOT_UTCB + 512u * 5u), 0);
    assert_int_equal(mock_current->utcb[UTCB_ERROR_CODE], 6);
    assert_int_equal(t->utcb_location, ROOT_UTCB + 512u * 5u);
    assert_int_equal(env_check(), 0);
}

static void test_sys_thread_control_modify_activate(void **state)
{
    (void)state;
    assert_int_equal(tc(G(5), G(ROOT_N), G(ROOT_N), TID_NIL, ROOT_UTCB + 512u * 5u), 1);
    /* change the location while inactive, then activate using the stored one */
    assert_int_equal(tc(G(5), G(5), TID_NIL, TID_NIL, ROOT_UTCB + 512u * 9u), 1);
    assert_int_equal(T(5)->utcb_location, ROOT_UTCB + 512u * 9u);
    /* a modification that gives no location (-1) keeps the stored one */
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(T(5)->utcb_location, ROOT_UTCB + 512u * 9u);
    assert_int_equal(tc(G(5), G(5), TID_NIL, G(ROOT_N), NOCHG), 1);
    assert_true(tcb_is_active(T(5)));
    assert_int_equal(T(5)->utcb_location, ROOT_UTCB + 512u * 9u);
    assert_int_equal(T(5)->state, TS_RECV_WAIT);
    /* activation with a sender already queued: the start message arrives at once */
    assert_int_equal(tc(G(6), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG), 1);
    root->utcb[1] = 0xAAAA;
    root->utcb[2] = 0xBBBB;
    struct sys_regs r = regs(G(6), 0, TID_NIL, msgtag_make(0, 2, 0, 0), 0, 0, 0);
    assert_int_equal(sys_ipc(root, &r), IPC_BLOCKED);
    assert_int_equal(tc(G(6), G(6), TID_NIL, G(ROOT_N), ROOT_UTCB + 512u * 6u), 1);
    assert_int_equal(T(6)->state, TS_READY);
    assert_int_equal(T(6)->utcb[1], 0xAAAA);
    assert_int_equal(root->state, TS_READY);
    assert_int_equal(env_check(), 0);
}

static void test_sys_thread_control_modify_errors(void **state)
{
    (void)state;
    make_root_thread(5);
    assert_int_equal(tc(G(6), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG), 1);    /* inactive */
    assert_int_equal(tc(G(7), G(7), G(ROOT_N), TID_NIL, NOCHG), 1);         /* uninit space */
    /* UTCB change while active: 6 */
    tc_fails(G(5), G(5), TID_NIL, TID_NIL, ROOT_UTCB + 512u * 20u, SYS_ERR_INVALID_UTCB);
    /* space specifier names nothing: 3 */
    tc_fails(G(5), G(40), TID_NIL, TID_NIL, NOCHG, SYS_ERR_INVALID_SPACE);
    /* scheduler names nothing: 4 */
    tc_fails(G(5), G(5), G(40), TID_NIL, NOCHG, SYS_ERR_INVALID_SCHED);
    tc_fails(G(5), G(5), L(0x10000000u), TID_NIL, NOCHG, SYS_ERR_INVALID_SCHED);
    tc_fails(G(5), G(5), TID_NIL, L(0x10000000u), NOCHG, SYS_ERR_INVALID_THREAD);
    /* activation without a (valid, free) location: 6; pager missing: 2 */
    tc_fails(G(6), G(6), TID_NIL, G(ROOT_N), NOCHG, SYS_ERR_INVALID_UTCB);
    tc_fails(G(6), G(6), TID_NIL, G(ROOT_N), ROOT_UTCB + 512u * 5u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(6), G(6), TID_NIL, G(ROOT_N), ROOT_UTCB + 3u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(6), G(6), TID_NIL, G(41), ROOT_UTCB + 512u * 6u, SYS_ERR_INVALID_THREAD);
    tc_fails(G(7), G(7), TID_NIL, G(ROOT_N), 0x1000u, SYS_ERR_INVALID_UTCB);
    /* an active thread cannot migrate into an uninitialised space or onto a used UTCB */
    tc_fails(G(5), G(7), TID_NIL, TID_NIL, NOCHG, SYS_ERR_INVALID_UTCB);
    make_space_thread(8);
    assert_int_equal(tc(G(9), G(8), G(ROOT_N), G(ROOT_N), UA + 512u * 5u), 1);
    tc_fails(G(5), G(9), TID_NIL, TID_NIL, NOCHG, SYS_ERR_INVALID_UTCB);
    /* a dead thread can never be activated again: 2 */
    T(6)->state = TS_DEAD;
    tc_fails(G(6), G(6), TID_NIL, G(ROOT_N), ROOT_UTCB + 512u * 6u, SYS_ERR_INVALID_THREAD);
    T(6)->state = TS_INACTIVE;
    /* out of memory while mapping the UTCB: 8 */
    mock_utcb_map_failures = 1;
    tc_fails(G(6), G(6), TID_NIL, G(ROOT_N), ROOT_UTCB + 512u * 6u, SYS_ERR_NO_MEMORY);
}

static void test_sys_thread_control_modify_migrate(void **state)
{
    (void)state;
    unsigned spaces = space_count();
    word_t loc = ROOT_UTCB + 512u * 20u;
    /* T5 active in its own space whose UTCB area equals root's */
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sc(G(5), 0, KAREA, ROOT_UTCB_AREA, TID_NIL, NULL), 1);
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), G(ROOT_N), loc), 1);
    struct space *old = T(5)->space;
    T(5)->utcb[UTCB_USER_HANDLE] = 0xFEED;
    /* inactive thread of an uninitialised space migrates into root's space */
    assert_int_equal(tc(G(6), G(6), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(space_count(), spaces + 2);
    assert_int_equal(tc(G(6), G(ROOT_N), TID_NIL, TID_NIL, NOCHG), 1);
    assert_ptr_equal(T(6)->space, root_space);
    assert_int_equal(space_count(), spaces + 1);    /* its empty space is gone */
    /* the active T5 moves to root's space: UTCB copied, old space destroyed */
    assert_int_equal(tc(G(5), G(ROOT_N), TID_NIL, TID_NIL, NOCHG), 1);
    struct tcb *t = T(5);
    assert_ptr_equal(t->space, root_space);
    assert_int_equal(space_count(), spaces);
    assert_ptr_equal(t->utcb, mock_utcb_find(root_space, loc));
    assert_null(mock_utcb_find(old, loc));
    assert_int_equal(t->utcb[UTCB_USER_HANDLE], 0xFEED);
    assert_int_equal(t->utcb[UTCB_MY_GLOBAL_ID], G(5));
    assert_int_equal(t->state, TS_RECV_WAIT);
    assert_int_equal(root_space->thread_count, 3);
    assert_ptr_equal(tid_lookup_local(root_space, L(loc)), t);
    /* still waiting for its start message from root: deliver it */
    assert_int_equal(send_start(G(5), 5, 6), IPC_DONE);
    assert_int_equal(t->utcb[1], 5);
    assert_int_equal(env_check(), 0);
}

/* ---- SpaceControl -------------------------------------------------------------- */

static void sc_fails(tid_t space, word_t kip, word_t utcb, tid_t redir, word_t err)
{
    static struct env_snap before;
    env_snap(&before);
    word_t ecx = 5;
    assert_int_equal(sc(space, 0x80000001u, kip, utcb, redir, &ecx), 0);
    assert_int_equal(ecx, 0);
    assert_int_equal(err_of(mock_current), err);
    assert_true(env_same(&before));
}

static void test_sys_space_control_errors(void **state)
{
    (void)state;
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);
    sc_fails(G(6), KAREA, UAREA, TID_NIL, SYS_ERR_INVALID_SPACE);
    sc_fails(TID_NIL, KAREA, UAREA, TID_NIL, SYS_ERR_INVALID_SPACE);
    sc_fails(TID_ANY, KAREA, UAREA, TID_NIL, SYS_ERR_INVALID_SPACE);
    sc_fails(L(ROOT_UTCB), KAREA, UAREA, TID_NIL, SYS_ERR_INVALID_SPACE);
    sc_fails(Gv(5, 2), KAREA, UAREA, TID_NIL, SYS_ERR_INVALID_SPACE);
    /* UTCB area: nil, too small, IO, complete space, beyond the user area */
    sc_fails(G(5), KAREA, FPAGE_NIL, TID_NIL, SYS_ERR_INVALID_UTCB);
    sc_fails(G(5), KAREA, fpage_make(UA, 11, 0), TID_NIL, SYS_ERR_INVALID_UTCB);
    sc_fails(G(5), KAREA, fpage_io_make(0, 4), TID_NIL, SYS_ERR_INVALID_UTCB);
    sc_fails(G(5), KAREA, FPAGE_COMPLETE, TID_NIL, SYS_ERR_INVALID_UTCB);
    sc_fails(G(5), KAREA, fpage_make(0xC0000000u, 12, 0), TID_NIL, SYS_ERR_INVALID_UTCB);
    sc_fails(G(5), KAREA, fpage_make(0x80000000u, 31, 0), TID_NIL, SYS_ERR_INVALID_UTCB);
    /* KIP area: too small, outside, overlapping the UTCB area */
    sc_fails(G(5), fpage_make(KA, 11, 0), UAREA, TID_NIL, SYS_ERR_INVALID_KIP);
    sc_fails(G(5), FPAGE_NIL, UAREA, TID_NIL, SYS_ERR_INVALID_KIP);
    sc_fails(G(5), fpage_make(0xFFFFF000u, 12, 0), UAREA, TID_NIL, SYS_ERR_INVALID_KIP);
    sc_fails(G(5), fpage_make(UA + 0x1000u, 12, 0), UAREA, TID_NIL, SYS_ERR_INVALID_KIP);
    sc_fails(G(5), fpage_make(0, 24, 0), UAREA, TID_NIL, SYS_ERR_INVALID_KIP);
    /* redirector naming no thread: 2 */
    sc_fails(G(5), KAREA, UAREA, G(40), SYS_ERR_INVALID_THREAD);
    /* KIP mapping out of memory: 8 */
    mock_kip_map_failures = 1;
    sc_fails(G(5), KAREA, UAREA, TID_NIL, SYS_ERR_NO_MEMORY);
    /* unprivileged */
    make_space_thread(7);
    assert_int_equal(send_start(G(7), 1, 2), IPC_DONE);
    as(T(7));
    sc_fails(G(5), KAREA, UAREA, TID_NIL, SYS_ERR_NO_PRIVILEGE);
}

/* Areas that end exactly at the user limit are inside the user area. */
static void test_sys_space_control_areas_at_the_user_limit(void **state)
{
    (void)state;
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sc(G(5), 0, fpage_make(MDB_USER_LIMIT - 0x1000u, 12, 0),
                        fpage_make(MDB_USER_LIMIT - 0x20000u, 16, 0), TID_NIL, NULL), 1);
    assert_int_equal(T(5)->space->kip_area, fpage_make(MDB_USER_LIMIT - 0x1000u, 12, 0));
    assert_int_equal(tc(G(6), G(6), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sc(G(6), 0, KAREA, fpage_make(MDB_USER_LIMIT - 0x10000u, 16, 0), TID_NIL, NULL), 1);
    assert_int_equal(T(6)->space->utcb_area, fpage_make(MDB_USER_LIMIT - 0x10000u, 16, 0));
    assert_int_equal(env_check(), 0);
}

static void test_sys_space_control_redirector_and_reinit(void **state)
{
    (void)state;
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);
    struct space *s = T(5)->space;
    assert_int_equal(s->redirector, TID_ANY);
    assert_true(T(5)->fast_view.base == tid_slots.view.base);
    assert_int_equal(sc(G(5), 0, KAREA, UAREA, L(ROOT_UTCB), NULL), 1);
    assert_int_equal(s->redirector, G(ROOT_N));
    assert_true(T(5)->fast_view.base == tid_empty_view().base);   /* its fast path finds no global ID */
    assert_int_equal(T(5)->fast_view.slot_mask, 0);
    assert_true(root->fast_view.base == tid_slots.view.base);      /* (another space's thread) */
    assert_int_equal(mock_kip_map_calls, 1);
    /* later calls ignore the areas (even invalid ones); nil keeps the redirector */
    assert_int_equal(sc(G(5), 0, FPAGE_NIL, FPAGE_NIL, TID_NIL, NULL), 1);
    assert_int_equal(s->redirector, G(ROOT_N));
    assert_int_equal(s->utcb_area, UAREA);
    assert_int_equal(mock_kip_map_calls, 1);
    assert_int_equal(sc(G(5), 0, 0, 0, TID_ANY, NULL), 1);
    assert_int_equal(s->redirector, TID_ANY);
    assert_true(T(5)->fast_view.base == tid_slots.view.base);
    assert_int_equal(T(5)->fast_view.slot_mask, tid_slots.view.slot_mask);
    /* a small-space request the root space cannot satisfy (its areas lie at
     * 0xBF000000): the call succeeds, e = 0, ECX = the previous descriptor 0 */
    word_t ecx = 1;
    assert_int_equal(sc(G(ROOT_N), 0x80000003u, 0, 0, TID_NIL, &ecx), 1);
    assert_int_equal(ecx, 0);
    assert_int_equal(err_of(mock_current), CONFIG_SMALLSPACES ? SYS_ERR_INVALID_PARAM : 0);
    /* the KIP area may lie below the UTCB area as well */
    assert_int_equal(tc(G(6), G(6), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sc(G(6), 0, fpage_make(0x1000, 12, 0), fpage_make(0x2000, 13, 0), TID_NIL, NULL), 1);
    assert_int_equal(mock_kip_last_base, 0x1000);
}

/* Create/delete cycles over every free thread number, in new spaces and in
 * root's space: every TCB, UTCB block and space is given back, and a
 * deleted number reads as free (issue 8 item 5). */
static void test_sys_thread_control_create_delete_returns_memory(void **state)
{
    (void)state;
    unsigned tcbs = mock_tcb_backed, spaces = space_count(), utcbs = mock_utcb_live;
    for (unsigned round = 0; round < 2; round++) {
        for (unsigned n = 5; TID_USER_BASE + n < ENV_THREADS; n++) {
            if (n % 2)
                make_space_thread(n);
            else
                make_root_thread(n % 64u + 1u);
            tid_t id = n % 2 ? G(n) : G(n % 64u + 1u);
            assert_int_equal(mock_tcb_backed, tcbs + 1u);
            assert_int_equal(tc(id, TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
            assert_null(tid_lookup(id));
            assert_int_equal(tcb_of_number(tid_number(id))->state, TS_FREE);
            assert_int_equal(mock_tcb_backed, tcbs);
        }
    }
    assert_int_equal(mock_tcb_free_errors, 0);
    assert_int_equal(space_count(), spaces);
    assert_int_equal(mock_utcb_live, utcbs);
    assert_int_equal(env_check(), 0);
}

/* ---- migration during a string transfer (issue 8 item 6) ------------------------ */

#define XFER_SRC 0x02000000u
#define XFER_DST 0x01000000u

/* Thread n of a new space (pager root) receives a string from `from` into
 * XFER_DST (BR1/BR2), and the IPC of `from` sends 64 bytes from XFER_SRC. */
static void xfer_recv(struct tcb *r, tid_t from)
{
    r->utcb[utcb_br_index(0)] = 1;                         /* accept strings */
    r->utcb[utcb_br_index(1)] = msg_string_header(64, 1, false, false);
    r->utcb[utcb_br_index(2)] = XFER_DST;
    as(r);
    struct sys_regs q = regs(TID_NIL, 0, from, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(r, &q), IPC_BLOCKED);
}

static enum ipc_outcome xfer_send(struct tcb *s, tid_t to)
{
    s->utcb[1] = msg_string_header(64, 1, false, false);
    s->utcb[2] = XFER_SRC;
    as(s);
    struct sys_regs q = regs(to, 0, TID_NIL, msgtag_make(0, 0, 2, 0), 0, 0, 0);
    return sys_ipc(s, &q);
}

/* A partner suspended in a string transfer (its copy faulted, the pagefault
 * IPC to root waits) migrates to another space: the transfer is aborted,
 * error 7 to both, and the pagefault IPC is gone (no stale UTCB pointers). */
static void test_sys_thread_control_migrate_aborts_string_transfer(void **state)
{
    (void)state;
    for (unsigned side = 0; side < 2; side++) {     /* 0: receiver migrates, 1: sender */
        make_space_thread(5);                       /* space B, pager root */
        assert_int_equal(send_start(G(5), 1, 2), IPC_DONE);
        make_space_thread(6);                       /* space D, pager root */
        assert_int_equal(send_start(G(6), 1, 2), IPC_DONE);
        struct tcb *r = T(5), *s = T(6);
        if (side == 0)
            assert_true(mock_usermem_map(s->space, XFER_SRC, false));   /* r faults */
        else
            assert_true(mock_usermem_map(r->space, XFER_DST, true));    /* s faults */
        xfer_recv(r, G(6));
        assert_int_equal(xfer_send(s, G(5)), IPC_BLOCKED);
        assert_int_equal(ipc_thread_state(s), TS_SENDING);
        assert_int_equal(ipc_thread_state(r), TS_RECEIVING);
        /* space C: an inactive thread 9; the faulting side moves there */
        as(root);
        assert_int_equal(tc(G(9), G(9), G(ROOT_N), TID_NIL, NOCHG), 1);
        assert_int_equal(sc(G(9), 0, KAREA, UAREA, TID_NIL, NULL), 1);
        struct tcb *m = side == 0 ? r : s;
        unsigned spaces = space_count();
        assert_int_equal(tc(m->gid, G(9), TID_NIL, TID_NIL, NOCHG), 1);
        assert_int_equal(space_count(), spaces - 1u);          /* the old space is gone */
        assert_false(ipc_pending(r));
        assert_false(ipc_pending(s));
        assert_true(ipc_result_tag(r) & MSG_TAG_E);
        assert_true(ipc_result_tag(s) & MSG_TAG_E);
        assert_int_equal(msg_error_code(err_of(r)), IPC_ERR_ABORTED);
        assert_int_equal(msg_error_phase(err_of(r)), IPC_PHASE_RECV);
        assert_int_equal(msg_error_code(err_of(s)), IPC_ERR_ABORTED);
        assert_int_equal(msg_error_phase(err_of(s)), IPC_PHASE_SEND);
        /* nobody waits on root any more: its receive finds nothing */
        struct sys_regs q = regs(TID_NIL, 0x04000400u, TID_ANY, 0, 0, 0, 0);
        assert_int_equal(sys_ipc(root, &q), IPC_DONE);
        assert_int_equal(msg_error_code(err_of(root)), IPC_ERR_TIMEOUT);
        assert_int_equal(env_check(), 0);
        for (unsigned n = 5; n <= 9; n++)
            if (T(n)->state != TS_FREE)
                assert_int_equal(tc(G(n), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
        mock_usermem_reset();
    }
}

/* Unmap gives the arch the chance to free page tables it emptied, once its
 * mapping-database work is over (never in between). */
static void test_sys_unmap_releases_empty_tables(void **state)
{
    (void)state;
    unsigned before = mock_pt_release_calls;
    struct sys_regs r = regs(0, 0, 0, fpage_make(0x00400000u, 22, 7), 0, 0, 0);
    sys_unmap(root, &r);
    assert_int_equal(mock_pt_release_calls, before + 1u);
}

/* ---- reserved thread numbers (ABI 1.1, 4.5) ----------------------------------- */

static word_t env_irq_utcb[128];

/* An interrupt thread (3, 1) in the kernel space, as the kernel builds it. */
static void make_irq_thread(void)
{
    struct tcb *t;
    assert_int_equal(tcb_create(tid_make_global(3, 1), &env_kspace, TID_NIL, &t), TCB_OK);
    t->utcb = &env_irq_utcb[64];
}

/* Interrupt threads, the idle thread, unused kernel-thread numbers and
 * interrupt numbers are refused wherever a system call takes a thread. */
static void test_sys_reserved_thread_ids_refused(void **state)
{
    (void)state;
    make_irq_thread();
    make_space_thread(5);                               /* active, not started */
    assert_int_equal(tc(G(6), G(6), G(ROOT_N), TID_NIL, NOCHG), 1);   /* inactive */
    const tid_t reserved[] = {
        tid_make_global(TID_SYSTEM_BASE, 1),            /* idle */
        tid_make_global(3, 1),                          /* interrupt thread */
        tid_make_global(0, 1),
        tid_make_global(TID_SYSTEM_BASE + 5u, 1),       /* unused kernel number */
        tid_make_global(TID_USER_BASE - 1u, 1),
    };
    for (unsigned i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        tid_t id = reserved[i];
        /* as the space of a new thread, and of a migrating active / inactive one */
        tc_fails(G(9), id, G(ROOT_N), TID_NIL, NOCHG, SYS_ERR_INVALID_SPACE);
        tc_fails(G(5), id, TID_NIL, TID_NIL, NOCHG, SYS_ERR_INVALID_SPACE);
        tc_fails(G(6), id, TID_NIL, TID_NIL, NOCHG, SYS_ERR_INVALID_SPACE);
        /* as scheduler and pager */
        tc_fails(G(9), G(9), id, TID_NIL, NOCHG, SYS_ERR_INVALID_SCHED);
        tc_fails(G(5), G(5), id, TID_NIL, NOCHG, SYS_ERR_INVALID_SCHED);
        tc_fails(G(6), G(6), G(ROOT_N), id, NOCHG, SYS_ERR_INVALID_THREAD);
        tc_fails(G(5), G(5), TID_NIL, id, NOCHG, SYS_ERR_INVALID_THREAD);
        tc_fails(G(9), G(ROOT_N), G(ROOT_N), id, ROOT_UTCB + 0x1000u, SYS_ERR_INVALID_THREAD);
        /* as interrupt handler */
        tc_fails(tid_make_global(4, 1), tid_make_global(4, 1), TID_NIL, id, NOCHG,
                 SYS_ERR_INVALID_THREAD);
        /* SpaceControl: as the space and as the redirector */
        sc_fails(id, KAREA, UAREA, TID_NIL, SYS_ERR_INVALID_SPACE);
        sc_fails(G(6), KAREA, UAREA, id, SYS_ERR_INVALID_THREAD);
        /* ExchangeRegisters */
        struct sys_regs r = regs(id, 0x3FFu, 1, 2, 3, 4, 5);
        sys_exchange_registers(root, &r);
        assert_int_equal(r.eax, TID_NIL);
        assert_int_equal(err_of(root), SYS_ERR_INVALID_THREAD);
        assert_int_equal(env_check(), 0);
    }
    /* Ipc: kernel threads and unassociated interrupt threads are no partners */
    struct sys_regs ip = regs(tid_make_global(TID_SYSTEM_BASE, 1), 0x04000400u, TID_NIL, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(root, &ip), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(root)), IPC_ERR_NO_PARTNER);
    ip = regs(TID_NIL, 0x04000400u, tid_make_global(TID_SYSTEM_BASE, 1), 0, 0, 0, 0);
    assert_int_equal(sys_ipc(root, &ip), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(root)), IPC_ERR_NO_PARTNER);
    ip = regs(TID_NIL, 0x04000400u, tid_make_global(3, 1), 0, 0, 0, 0);
    assert_int_equal(sys_ipc(root, &ip), IPC_DONE);
    assert_int_equal(msg_error_code(err_of(root)), IPC_ERR_NO_PARTNER);
    /* Schedule: the idle thread (kernel range) cannot be changed */
    uint8_t prio = env_idle->prio;
    struct sys_regs r = regs(tid_make_global(TID_SYSTEM_BASE, 1), 200, NOCHG, NOCHG, NOCHG, 0, 0);
    sys_schedule(root, &r);
    assert_int_equal(r.eax, 0);
    assert_int_equal(err_of(root), SYS_ERR_INVALID_THREAD);
    assert_int_equal(env_idle->prio, prio);
}

static void test_sys_space_control_small_spaces(void **state)
{
    (void)state;
    assert_int_equal(smallspace_used(), 0);
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);
    struct space *s = T(5)->space;
    word_t ecx = 7;
    /* s = 0: nothing happens, ECX 0, even with descriptor bits */
    assert_int_equal(sc(G(5), 0x04u, KAREA, UAREA, TID_NIL, &ecx), 1);
    assert_int_equal(ecx, 0);
    assert_int_equal(s->small_desc, 0);
    /* 8 MB at 0 cannot hold the KIP area at 8 MB: e = 0, error 5, still large */
    mock_current->utcb[UTCB_ERROR_CODE] = 0;
    assert_int_equal(sc(G(5), 0x80000002u, 0, 0, TID_NIL, &ecx), 1);
    assert_int_equal(ecx, 0);
    assert_int_equal(s->small_desc, 0);
    assert_int_equal(err_of(mock_current), CONFIG_SMALLSPACES ? SYS_ERR_INVALID_PARAM : 0);
    /* 16 MB at 0 holds both areas: e = 1, previous descriptor 0 */
    unsigned calls = mock_smallspace_calls;
    assert_int_equal(sc(G(5), 0x80000004u, 0, 0, TID_NIL, &ecx), 1);
    assert_int_equal(ecx, CONFIG_SMALLSPACES ? 0x80000000u : 0);
    if (!CONFIG_SMALLSPACES)
        return;
    assert_int_equal(s->small_desc, 0x04);
    assert_int_equal(mock_smallspace_calls, calls + 1);
    assert_true(mock_smallspace_last.small);
    assert_int_equal(mock_smallspace_last.offset, 0);
    assert_int_equal(mock_smallspace_last.size, 0x1000000u);
    /* moved to 32 MB at 32 MB: ECX tells the previous descriptor */
    assert_int_equal(sc(G(5), 0x80000018u, 0, 0, TID_NIL, &ecx), 1);
    assert_int_equal(ecx, 0x80000004u);
    assert_int_equal(mock_smallspace_last.offset, 0x2000000u);
    /* another space cannot take an overlapping slot, but a free one */
    assert_int_equal(tc(G(6), G(6), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sc(G(6), 0x80000010u, KAREA, UAREA, TID_NIL, &ecx), 1);
    assert_int_equal(ecx, 0);
    assert_int_equal(T(6)->space->small_desc, 0);
    assert_int_equal(sc(G(6), 0x80000008u, 0, 0, TID_NIL, &ecx), 1);
    assert_int_equal(ecx, 0x80000000u);
    /* failing calls leave the descriptor and answer ECX 0 */
    make_space_thread(7);
    assert_int_equal(send_start(G(7), 1, 2), IPC_DONE);
    as(T(7));
    assert_int_equal(sc(G(6), 0x80000000u, 0, 0, TID_NIL, &ecx), 0);
    assert_int_equal(ecx, 0);
    assert_int_equal(T(6)->space->small_desc, 0x08);
    as(root);
    /* large again: ECX the previous descriptor */
    assert_int_equal(sc(G(5), 0x80000000u, 0, 0, TID_NIL, &ecx), 1);
    assert_int_equal(ecx, 0x80000018u);
    assert_int_equal(s->small_desc, 0);
    assert_false(mock_smallspace_last.small);
    assert_int_equal(smallspace_used(), 0x00FFu);
    /* deleting the last thread of a small space frees its slot */
    assert_int_equal(tc(G(6), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    assert_int_equal(smallspace_used(), 0);
}

/* ---- a whole life ------------------------------------------------------------------- */

static void test_sys_thread_control_many_threads_and_kill_all(void **state)
{
    (void)state;
    unsigned spaces = space_count();
    for (unsigned n = 5; n < 25; n += 4) {
        make_space_thread(n);
        for (unsigned k = 1; k < 4; k++)
            assert_int_equal(tc(G(n + k), G(n), G(ROOT_N), G(ROOT_N), UA + 512u * k), 1);
    }
    assert_int_equal(space_count(), spaces + 5);
    assert_int_equal(env_check(), 0);
    for (unsigned n = 5; n < 25; n++)
        assert_int_equal(tc(G(n), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    assert_int_equal(space_count(), spaces);
    assert_int_equal(mock_utcb_live, 1);
    assert_int_equal(env_check(), 0);
}

/* ---- issue 10: pager ExchangeRegisters, kernel threads ------------------- */

#define X2_IRQ 3u
#define X2_IPC_NEVER 0x00000000u               /* send and receive timeout Never */
#define X2_IPC_ZERO 0x04000400u                /* both ZeroTime */

static word_t x2_irq_utcb[128];

/* The interrupt thread (X2_IRQ, 1) as the kernel makes it: a kernel-space
 * thread with a kernel UTCB, priority 255, ready but halted. */
static struct tcb *x2_irq_thread(void)
{
    struct tcb *t;
    memset(x2_irq_utcb, 0, sizeof(x2_irq_utcb));
    assert_int_equal(tcb_create(tid_make_global(X2_IRQ, 1), &env_kspace, TID_NIL, &t), TCB_OK);
    t->utcb = &x2_irq_utcb[64];
    t->prio = 255;
    t->state = TS_READY;
    t->halted = true;
    return t;
}

static struct sys_regs x2_exreg(tid_t dest, word_t ctl, word_t handle)
{
    struct sys_regs r = regs(dest, ctl, 0, 0, 0, handle, 0);
    sys_exchange_registers(mock_current, &r);
    return r;
}

/* ExchangeRegisters on `dest` fails: error 2, every output 0, nothing changed. */
static void x2_exreg_fails(tid_t dest, word_t ctl)
{
    static struct env_snap before;
    env_snap(&before);
    struct sys_regs r = x2_exreg(dest, ctl, 0x1234u);
    assert_int_equal(r.eax | r.ecx | r.edx | r.esi | r.edi | r.ebx | r.ebp, 0);
    assert_int_equal(err_of(mock_current), SYS_ERR_INVALID_THREAD);
    assert_true(env_same(&before));
}

/* Thread n in its own space, paged by root, started, then blocked in an
 * Ipc (to, from) with timeouts Never; root is current again. */
static struct tcb *x2_blocked_pagee(unsigned n, tid_t to, tid_t from)
{
    make_space_thread(n);
    assert_int_equal(send_start(G(n), 0x1000, 0x2000), IPC_DONE);
    as(T(n));
    struct sys_regs r = regs(to, X2_IPC_NEVER, from, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(T(n), &r), IPC_BLOCKED);
    as(root);
    return T(n);
}

/* l4test "Receiver abort" / "Sender abort": the pager aborts the blocked
 * IPC of a thread in another space (CONFIG_PAGER_EXREGS); without the
 * option the same calls fail with error 2 and change nothing. */
static void test_sys_exchange_registers_pager_aborts_pagee(void **state)
{
    (void)state;
    struct tcb *rcv = x2_blocked_pagee(5, TID_NIL, G(ROOT_N));
    struct tcb *snd = x2_blocked_pagee(6, G(ROOT_N), TID_NIL);
    if (!CONFIG_PAGER_EXREGS) {
        x2_exreg_fails(G(5), 0x303);
        x2_exreg_fails(G(6), 0x307);
        x2_exreg_fails(G(5), SYS_EXREG_U);
        assert_int_equal(rcv->state, TS_RECV_WAIT);
        assert_int_equal(snd->state, TS_SEND_WAIT);
        return;
    }
    struct sys_regs r = x2_exreg(G(5), 0x303, 0);           /* abort receive and stop */
    assert_int_equal(r.eax, L(UA));                         /* its local ID, in its space */
    assert_int_equal(r.ecx, TCB_EXREG_RECV);
    assert_int_equal(r.ebp, G(ROOT_N));                     /* old pager */
    assert_int_equal(rcv->state, TS_READY);
    assert_true(rcv->halted);
    assert_int_equal(err_of(rcv), 0x7);                     /* cancelled, receive phase */
    r = x2_exreg(G(6), 0x307, 0);                           /* abort IPC and stop */
    assert_int_equal(r.ecx, TCB_EXREG_SEND);
    assert_int_equal(snd->state, TS_READY);
    assert_int_equal(err_of(snd), 0x6);                     /* cancelled, send phase */
    r = x2_exreg(G(5), SYS_EXREG_h | SYS_EXREG_U, 0xABCDu); /* resume, set the handle */
    assert_int_equal(r.ecx, TCB_EXREG_HALTED);
    assert_false(rcv->halted);
    assert_true(sched_runnable(rcv));
    assert_int_equal(rcv->utcb[UTCB_USER_HANDLE], 0xABCDu);
    assert_int_equal(env_check(), 0);
}

#define X2_SRC 0x00200000u
#define X2_DST 0x00300000u

/* A string transfer of 8192 bytes from `snd` to `rcv` (started threads) in
 * which the second page of the sender's buffer (sender_faults) or of the
 * receiver's buffer is missing: the transfer stops at 4096 with a
 * pagefault IPC to the faulting side's pager (root), which root receives.
 * Returns the thread the fault came from. */
static struct tcb *x2_string_fault(struct tcb *snd, struct tcb *rcv, bool sender_faults)
{
    assert_true(mock_usermem_map(snd->space, X2_SRC, false));
    assert_true(mock_usermem_map(rcv->space, X2_DST, true));
    if (sender_faults)
        assert_true(mock_usermem_map(rcv->space, X2_DST + 4096u, true));
    else
        assert_true(mock_usermem_map(snd->space, X2_SRC + 4096u, false));
    rcv->utcb[utcb_br_index(0)] = 1;
    rcv->utcb[utcb_br_index(1)] = msg_string_header(8192, 1, false, false);
    rcv->utcb[utcb_br_index(2)] = X2_DST;
    as(rcv);
    struct sys_regs r = regs(TID_NIL, X2_IPC_NEVER, snd->gid, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(rcv, &r), IPC_BLOCKED);
    snd->utcb[1] = msg_string_header(8192, 1, false, false);
    snd->utcb[2] = X2_SRC;
    as(snd);
    r = regs(rcv->gid, X2_IPC_NEVER, TID_NIL, msgtag_make(0, 0, 2, 0), 0, 0, 0);
    assert_int_equal(sys_ipc(snd, &r), IPC_BLOCKED);
    as(root);
    r = regs(TID_NIL, X2_IPC_NEVER, TID_ANY, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(root, &r), IPC_DONE);
    struct tcb *from = tid_lookup(ipc_result_from(root));
    assert_non_null(from);
    assert_int_equal(root->utcb[1], (sender_faults ? X2_SRC : X2_DST) + 4096u);
    return from;
}

/* The pager aborts the string transfer its pagee's fault interrupted: both
 * partners get error 7 at offset 4096. */
static void x2_abort_transfer(struct tcb *pagee, struct tcb *snd, struct tcb *rcv)
{
    if (!CONFIG_PAGER_EXREGS) {
        x2_exreg_fails(pagee->gid, SYS_EXREG_R | SYS_EXREG_S);
        return;
    }
    struct sys_regs r = x2_exreg(pagee->gid, SYS_EXREG_R | SYS_EXREG_S, 0);
    assert_int_equal(r.ecx, pagee == snd ? TCB_EXREG_SEND : TCB_EXREG_RECV);
    assert_int_equal(snd->state, TS_READY);
    assert_int_equal(rcv->state, TS_READY);
    assert_int_equal(err_of(snd), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_SEND, 4096));
    assert_int_equal(err_of(rcv), msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_RECV, 4096));
}

/* l4test "Sender abort": the sender lives in another space, faults on its
 * own buffer; its pager (root) aborts it by its global ID. */
static void test_sys_exchange_registers_pager_aborts_sender_transfer(void **state)
{
    (void)state;
    make_space_thread(5);
    assert_int_equal(send_start(G(5), 0x1000, 0x2000), IPC_DONE);
    make_root_thread(7);
    assert_int_equal(send_start(G(7), 0x1000, 0x2000), IPC_DONE);
    struct tcb *from = x2_string_fault(T(5), T(7), true);
    assert_ptr_equal(from, T(5));
    x2_abort_transfer(T(5), T(5), T(7));
}

/* l4test "Receiver abort": the receiver lives in another space and faults
 * on its buffer. */
static void test_sys_exchange_registers_pager_aborts_receiver_transfer(void **state)
{
    (void)state;
    make_space_thread(5);
    assert_int_equal(send_start(G(5), 0x1000, 0x2000), IPC_DONE);
    make_root_thread(7);
    assert_int_equal(send_start(G(7), 0x1000, 0x2000), IPC_DONE);
    struct tcb *from = x2_string_fault(T(7), T(5), false);
    assert_ptr_equal(from, T(5));
    x2_abort_transfer(T(5), T(7), T(5));
}

/* Only a Pager TCR holding the global ID of an existing thread of the
 * caller's space opens another space's thread; local IDs never do. */
static void test_sys_exchange_registers_pager_rule_cases(void **state)
{
    (void)state;
    struct tcb *t = x2_blocked_pagee(5, TID_NIL, G(ROOT_N));
    make_root_thread(7);                                    /* a second thread of root's space */
    make_space_thread(8);                                   /* a thread of a third space */
    x2_exreg_fails(L(UA), SYS_EXREG_R);                     /* a local ID names our space */
    tid_t bad[] = { TID_NIL, L(ROOT_UTCB), G(30), Gv(ROOT_N, 2), G(8), TID_ANY,
                    tid_make_global(TID_SYSTEM_BASE, 1) };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t->utcb[UTCB_PAGER] = bad[i];
        x2_exreg_fails(G(5), SYS_EXREG_R);
    }
    t->utcb[UTCB_PAGER] = G(7);                             /* pager: a thread of our space */
    if (CONFIG_PAGER_EXREGS) {
        struct sys_regs r = x2_exreg(G(5), 0, 0);
        assert_int_equal(r.eax, L(UA));
        assert_int_equal(r.ecx, TCB_EXREG_RECV);
        assert_int_equal(r.ebp, G(7));
    } else {
        x2_exreg_fails(G(5), 0);
    }
    assert_int_equal(t->state, TS_RECV_WAIT);
}

/* ExchangeRegisters never reaches a kernel thread: idle, reserved numbers,
 * interrupt threads (associated or not, whatever their Pager word says). */
static void test_sys_exchange_registers_kernel_threads(void **state)
{
    (void)state;
    tid_t irq = tid_make_global(X2_IRQ, 1);
    struct tcb *it = x2_irq_thread();
    it->utcb[UTCB_PAGER] = G(ROOT_N);
    x2_exreg_fails(tid_make_global(TID_SYSTEM_BASE, 1), 0x301);
    x2_exreg_fails(tid_make_global(TID_SYSTEM_BASE + 1, 1), 0x301);
    x2_exreg_fails(irq, 0x301);
    assert_int_equal(tc(irq, irq, TID_NIL, G(ROOT_N), NOCHG), 1);
    x2_exreg_fails(irq, 0x301);
    assert_false(it->halted == false);
}

static struct sys_regs x2_sched(tid_t dest, word_t prio)
{
    struct sys_regs r = regs(dest, prio, NOCHG, NOCHG, NOCHG, 0, 0);
    sys_schedule(mock_current, &r);
    return r;
}

/* Schedule fails with `err` and changes nothing (kernel threads included). */
static void x2_sched_fails(tid_t dest, word_t prio, word_t err)
{
    static struct env_snap before;
    env_snap(&before);
    struct sys_regs r = x2_sched(dest, prio);
    assert_int_equal(r.eax, 0);
    assert_int_equal(r.edx, 0);
    assert_int_equal(err_of(mock_current), err);
    assert_true(env_same(&before));
}

/* l4test "Change priority unassociated (ok=change failed)" / "associated
 * (ok=change succeeded)"; idle and reserved numbers never. */
static void test_sys_schedule_kernel_threads(void **state)
{
    (void)state;
    tid_t irq = tid_make_global(X2_IRQ, 1);
    struct tcb *it = x2_irq_thread();
    uint8_t idle_prio = env_idle->prio;
    x2_sched_fails(irq, 12, SYS_ERR_INVALID_THREAD);
    x2_sched_fails(tid_make_global(TID_SYSTEM_BASE, 1), 12, SYS_ERR_INVALID_THREAD);
    x2_sched_fails(tid_make_global(TID_SYSTEM_BASE + 1, 1), 12, SYS_ERR_INVALID_THREAD);
    x2_sched_fails(tid_make_global(TID_USER_BASE - 1, 1), 12, SYS_ERR_INVALID_THREAD);
    assert_int_equal(it->prio, 255);
    assert_int_equal(env_idle->prio, idle_prio);
    assert_int_equal(tc(irq, irq, TID_NIL, G(ROOT_N), NOCHG), 1);     /* associate */
    struct sys_regs r = x2_sched(irq, 13);
    assert_int_not_equal(r.eax, 0);
    assert_int_equal(it->prio, 13);
    /* an unprivileged thread is not its scheduler */
    make_space_thread(5);
    assert_int_equal(send_start(G(5), 0x1000, 0x2000), IPC_DONE);
    as(T(5));
    x2_sched_fails(irq, 10, SYS_ERR_NO_PRIVILEGE);
    as(root);
    assert_int_equal(tc(irq, irq, TID_NIL, irq, NOCHG), 1);           /* detach */
    x2_sched_fails(irq, 14, SYS_ERR_INVALID_THREAD);
}

/* ThreadSwitch to a kernel thread behaves like nil: no donation. */
static void test_sys_thread_switch_kernel_threads(void **state)
{
    (void)state;
    struct tcb *it = x2_irq_thread();
    it->halted = false;                       /* runnable: a donation would run it */
    sched_set_priority(it, 50);               /* below root: a yield keeps root */
    sched_make_ready(it);
    env_idle->state = TS_READY;               /* as the kernel has it */
    sched_set_priority(root, 255);
    struct sys_regs r = regs(tid_make_global(TID_SYSTEM_BASE, 1), 1, 2, 3, 4, 5, 6);
    sys_thread_switch(root, &r);
    assert_ptr_equal(mock_current, root);
    r = regs(tid_make_global(X2_IRQ, 1), 1, 2, 3, 4, 5, 6);
    sys_thread_switch(root, &r);
    assert_ptr_equal(mock_current, root);
    it->halted = true;
}

/* Ipc with a kernel thread that user mode may not name: no such partner
 * (send error 2 = ErrorCode 4, receive error 2 = ErrorCode 5), at once;
 * an associated interrupt thread is a partner. */
static void test_sys_ipc_kernel_threads(void **state)
{
    (void)state;
    tid_t irq = tid_make_global(X2_IRQ, 1), idle = tid_make_global(TID_SYSTEM_BASE, 1);
    x2_irq_thread();
    struct sys_regs r = regs(idle, X2_IPC_NEVER, TID_NIL, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(root, &r), IPC_DONE);
    assert_int_equal(err_of(root), 4u);
    r = regs(irq, X2_IPC_NEVER, TID_NIL, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(root, &r), IPC_DONE);
    assert_int_equal(err_of(root), 4u);
    r = regs(TID_NIL, X2_IPC_NEVER, irq, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(root, &r), IPC_DONE);
    assert_int_equal(err_of(root), 5u);
    r = regs(TID_NIL, X2_IPC_NEVER, idle, 0, 0, 0, 0);
    assert_int_equal(sys_ipc(root, &r), IPC_DONE);
    assert_int_equal(err_of(root), 5u);
    assert_int_equal(tc(irq, irq, TID_NIL, G(ROOT_N), NOCHG), 1);
    r = regs(irq, X2_IPC_ZERO, TID_NIL, 0, 0, 0, 0);        /* exists, not receiving */
    assert_int_equal(sys_ipc(root, &r), IPC_DONE);
    assert_int_equal(err_of(root), 2u);                     /* timeout, send phase */
    assert_int_equal(tc(irq, irq, TID_NIL, irq, NOCHG), 1);
}

/* Schedule: any thread of the scheduler's space may schedule (reference:
 * the scheduler is checked by its address space); other spaces may not. */
static void test_sys_schedule_scheduler_space(void **state)
{
    (void)state;
    make_space_thread(5);                                   /* space A: T5 (started), T6 */
    assert_int_equal(send_start(G(5), 0x1000, 0x2000), IPC_DONE);
    assert_int_equal(tc(G(6), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(tc(G(7), G(5), G(6), TID_NIL, NOCHG), 1);         /* T7: scheduler T6 */
    make_space_thread(8);                                   /* space B: T8 */
    assert_int_equal(send_start(G(8), 0x1000, 0x2000), IPC_DONE);
    as(T(5));                                               /* T5 is not T7's scheduler ... */
    struct sys_regs r = x2_sched(G(7), 60);
    assert_int_not_equal(r.eax, 0);                         /* ... but shares its space */
    assert_int_equal(T(7)->prio, 60);
    as(T(8));
    x2_sched_fails(G(7), 50, SYS_ERR_NO_PRIVILEGE);
    as(root);
    assert_int_equal(tc(G(6), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);   /* scheduler gone */
    as(T(5));
    x2_sched_fails(G(7), 50, SYS_ERR_NO_PRIVILEGE);
    as(root);
}

/* ---- gaps found by mutation testing (issue 12) ------------------------------------ */

static void test_sys_thread_control_modify_uninit_space_utcb_alignment(void **state)
{
    (void)state;
    assert_int_equal(tc(G(7), G(7), G(ROOT_N), TID_NIL, NOCHG), 1);         /* uninit space */
    /* only the 512-byte alignment is checked: off by a byte, a word, half a block */
    tc_fails(G(7), G(7), TID_NIL, TID_NIL, 0x1001u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(7), G(7), TID_NIL, TID_NIL, 0x1004u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(7), G(7), TID_NIL, TID_NIL, 0x1100u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(7), G(7), TID_NIL, TID_NIL, 0x11FFu, SYS_ERR_INVALID_UTCB);
    assert_int_equal(tc(G(7), G(7), TID_NIL, TID_NIL, 0x1200u), 1);
    assert_int_equal(T(7)->utcb_location, 0x1200u);
    assert_false(tcb_is_active(T(7)));
    assert_int_equal(env_check(), 0);
}

static void test_sys_thread_control_first_user_thread_number(void **state)
{
    (void)state;
    /* UserBase + 0 (sigma0's number) is a user thread: create, modify, delete */
    assert_int_equal(tc(G(0), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(T(0)->state, TS_INACTIVE);
    assert_ptr_equal(T(0)->space, root_space);
    assert_int_equal(tc(Gv(0, 2), G(ROOT_N), G(ROOT_N), G(ROOT_N), ROOT_UTCB + 512u * 9u), 1);
    assert_int_equal(T(0)->gid, Gv(0, 2));
    assert_true(tcb_is_active(T(0)));
    assert_int_equal(env_check(), 0);
    assert_int_equal(tc(Gv(0, 2), TID_NIL, TID_NIL, TID_NIL, NOCHG), 1);
    assert_int_equal(T(0)->state, TS_FREE);
    /* the last number of the TCB area too; one beyond is invalid */
    assert_int_equal(tc(G(ENV_THREADS - TID_USER_BASE - 1u), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG), 1);
    tc_fails(G(ENV_THREADS - TID_USER_BASE), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG,
             SYS_ERR_INVALID_THREAD);
    /* the last system number is not */
    tc_fails(tid_make_global(TID_USER_BASE - 1u, 1), G(ROOT_N), G(ROOT_N), TID_NIL, NOCHG,
             SYS_ERR_INVALID_THREAD);
}

static void test_sys_thread_control_migrate_copies_exactly_the_utcb(void **state)
{
    (void)state;
    word_t loc = ROOT_UTCB + 512u * 20u;
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);
    assert_int_equal(sc(G(5), 0, KAREA, ROOT_UTCB_AREA, TID_NIL, NULL), 1);
    assert_int_equal(tc(G(5), G(5), G(ROOT_N), G(ROOT_N), loc), 1);
    word_t *old = T(5)->utcb;
    for (int i = -64; i < 64; i++)
        old[i] = 0xC0DE0000u + (word_t)(i + 64);
    old[UTCB_MY_GLOBAL_ID] = G(5);
    word_t expect[128];
    memcpy(expect, old - 64, sizeof(expect));
    assert_int_equal(tc(G(5), G(ROOT_N), TID_NIL, TID_NIL, NOCHG), 1);
    word_t *now = T(5)->utcb;
    assert_ptr_equal(now, mock_utcb_find(root_space, loc));
    assert_memory_equal(now - 64, expect, sizeof(expect));
    /* not a word more: the canaries around the mock's blocks are intact */
    assert_int_equal(mock_sys_errors, 0);
    assert_int_equal(env_check(), 0);
}

/* ---- branch coverage (issue 12) ------------------------------------------------- */

static void test_sys_thread_control_migrate_keeps_nonempty_space(void **state)
{
    (void)state;
    unsigned spaces = space_count();
    make_space_thread(5);
    assert_int_equal(tc(G(6), G(5), G(ROOT_N), TID_NIL, NOCHG), 1);    /* inactive, same space */
    struct space *s5 = T(5)->space;
    assert_int_equal(tc(G(6), G(ROOT_N), TID_NIL, TID_NIL, NOCHG), 1);
    assert_ptr_equal(T(6)->space, root_space);
    assert_ptr_equal(T(5)->space, s5);
    assert_int_equal(s5->thread_count, 1);
    assert_int_equal(space_count(), spaces + 1);
    assert_int_equal(env_check(), 0);
}

static void test_sys_thread_control_create_utcb_misaligned_by_a_byte(void **state)
{
    (void)state;
    /* new space (not checked against an area yet): only the alignment */
    tc_fails(G(7), G(7), G(ROOT_N), TID_NIL, 0x1001u, SYS_ERR_INVALID_UTCB);
    tc_fails(G(7), G(7), G(ROOT_N), TID_NIL, 0x1100u, SYS_ERR_INVALID_UTCB);
    assert_int_equal(tc(G(7), G(7), G(ROOT_N), TID_NIL, 0x1200u), 1);
    assert_int_equal(T(7)->utcb_location, 0x1200u);
}

/* Who user mode may name (sys_user_visible): a user thread number from
 * TID_USER_BASE on; below it only an interrupt thread with a handler. */
static void test_sys_user_visible_borders(void **state)
{
    (void)state;
    struct tcb t = {0};
    t.gid = tid_make_global(TID_USER_BASE, 1);
    assert_true(sys_user_visible(&t));
    t.gid = tid_make_global(TID_USER_BASE - 1u, 1);
    assert_false(sys_user_visible(&t));
    t.gid = tid_make_global(3, 1);
    mock_irq_handler[3] = NULL;
    assert_false(sys_user_visible(&t));
    mock_irq_handler[3] = &t;
    assert_true(sys_user_visible(&t));
    mock_irq_handler[3] = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
        T_(test_sys_thread_control_unprivileged),
        T_(test_sys_user_visible_borders),
        T_(test_sys_thread_control_invalid_dest),
        T_(test_sys_thread_control_irq_attach_detach),
        T_(test_sys_thread_control_irq_errors),
        T_(test_sys_thread_control_create_new_space_sequence),
        T_(test_sys_thread_control_create_in_own_space),
        T_(test_sys_thread_control_create_scheduler_self),
        T_(test_sys_thread_control_create_errors),
        T_(test_sys_thread_control_create_out_of_memory),
        T_(test_sys_thread_control_delete_last_thread_destroys_space),
        T_(test_sys_thread_control_delete_fails_partners),
        T_(test_sys_thread_control_delete_special_cases),
        T_(test_sys_thread_control_modify_version_scheduler_pager),
        T_(test_sys_thread_control_modify_activate),
        T_(test_sys_thread_control_modify_errors),
        T_(test_sys_thread_control_modify_migrate),
        T_(test_sys_space_control_errors),
        T_(test_sys_space_control_areas_at_the_user_limit),
        T_(test_sys_space_control_redirector_and_reinit),
        T_(test_sys_space_control_small_spaces),
        T_(test_sys_thread_control_many_threads_and_kill_all),
        T_(test_sys_reserved_thread_ids_refused),
        T_(test_sys_unmap_releases_empty_tables),
        T_(test_sys_thread_control_create_delete_returns_memory),
        T_(test_sys_thread_control_migrate_aborts_string_transfer),
        T_(test_sys_exchange_registers_pager_aborts_pagee),
        T_(test_sys_exchange_registers_pager_rule_cases),
        T_(test_sys_exchange_registers_pager_aborts_sender_transfer),
        T_(test_sys_exchange_registers_pager_aborts_receiver_transfer),
        T_(test_sys_exchange_registers_kernel_threads),
        T_(test_sys_schedule_kernel_threads),
        T_(test_sys_thread_switch_kernel_threads),
        T_(test_sys_ipc_kernel_threads),
        T_(test_sys_schedule_scheduler_space),
        T_(test_sys_thread_control_modify_uninit_space_utcb_alignment),
        T_(test_sys_thread_control_first_user_thread_number),
        T_(test_sys_thread_control_migrate_copies_exactly_the_utcb),
        T_(test_sys_thread_control_migrate_keeps_nonempty_space),
        T_(test_sys_thread_control_create_utcb_misaligned_by_a_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
