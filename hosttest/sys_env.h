/*
 * Shared fixture of the system-call host tests (test_syscall*.c): a TCB
 * area, idle thread (kernel range), a sigma0 space for mdb_map (static, not
 * counted by space_count), and the root server: privileged space with the
 * ABI 7.3 KIP/UTCB areas and thread (UserBase+2, 1), active and current.
 * Included by each test file (one executable per file); helpers are static
 * inline so that every file may use a subset.
 */
#ifndef SYS_ENV_H
#define SYS_ENV_H

#include <core/ipc.h>
#include <core/mdb.h>
#include <core/msg.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/syscall.h>
#include <core/tcb.h>
#include <core/tid.h>
#include <core/wakeup.h>
#include <mock/hooks.h>
#include <mock/pagetable.h>
#include <mock/space.h>
#include <mock/syscall_hooks.h>
#include <mock/usermem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ENV_THREADS
#define ENV_THREADS   256u                 /* TCB slots (a test file may ask for more) */
#endif
#define ROOT_UTCB     0xBF000000u
#define ROOT_UTCB_AREA fpage_make(0xBF000000u, 17, 0)
#define ROOT_KIP_AREA  fpage_make(0xBFF00000u, 12, 0)
#define NOCHG 0xFFFFFFFFu

static void *env_area;
static struct space env_kspace, env_s0;
static struct wakeup_queue env_wq;
static struct tcb *env_idle, *root;
static struct space *root_space;
static unsigned env_base_spaces;

/* Global ID of user thread n (thread number UserBase + n), version v. */
static inline tid_t G(unsigned n) { return tid_make_global(TID_USER_BASE + n, 1); }
static inline tid_t Gv(unsigned n, unsigned v) { return tid_make_global(TID_USER_BASE + n, v); }
static inline struct tcb *T(unsigned n) { return tcb_of_number(TID_USER_BASE + n); }
#define ROOT_N 2u

/* Local ID of the UTCB at `loc`. */
static inline tid_t L(word_t loc) { return loc + 256u; }

static inline struct sys_regs regs(word_t eax, word_t ecx, word_t edx, word_t esi, word_t edi,
                                   word_t ebx, word_t ebp)
{
    struct sys_regs r = { eax, ecx, edx, esi, edi, ebx, ebp };
    return r;
}

static inline word_t err_of(const struct tcb *t) { return t->utcb[UTCB_ERROR_CODE]; }

/* Make `t` the current thread (the syscall caller). */
static inline void as(struct tcb *t) { mock_current = t; }

static inline int env_setup(void **state)
{
    (void)state;
    mock_reset();
    mock_pt_reset();
    mock_usermem_reset();
    mock_syscall_hooks_reset();
    env_area = aligned_alloc(TCB_SIZE, (size_t)ENV_THREADS * TCB_SIZE);
    memset(env_area, 0, (size_t)ENV_THREADS * TCB_SIZE);
    tcb_area_init(env_area, ENV_THREADS);
    memset(&env_kspace, 0, sizeof(env_kspace));
    memset(&env_s0, 0, sizeof(env_s0));
    env_kspace.privileged = true;
    env_s0.is_sigma0 = true;
    env_s0.privileged = true;
    wakeup_init(&env_wq, 0);
    ipc_init(&env_wq);
    sys_init(&env_wq);
    if (tcb_create(tid_make_global(TID_SYSTEM_BASE, 1), &env_kspace, TID_NIL, &env_idle) != TCB_OK)
        return -1;
    sched_init(env_idle);
    env_base_spaces = space_count();
    root_space = space_create();
    root_space->privileged = true;
    root_space->kip_area = ROOT_KIP_AREA;
    root_space->utcb_area = ROOT_UTCB_AREA;
    if (tcb_create(G(ROOT_N), root_space, G(ROOT_N), &root) != TCB_OK)
        return -1;
    word_t *view = arch_utcb_map(root_space, ROOT_UTCB);
    for (int i = -64; i < 64; i++)
        view[i] = 0;
    tcb_activate(root, ROOT_UTCB, view);
    sched_make_ready(root);
    sched_set_priority(root, 255);
    as(root);
    return 0;
}

/* Delete thread `t` the way ThreadControl does (test cleanup). */
static inline void env_kill(struct tcb *t)
{
    struct space *s = t->space;
    ipc_thread_deleted(t);
    arch_irq_release(t);
    if (tcb_is_active(t))
        arch_utcb_unmap(s, t->utcb_location);
    if (tcb_delete(t, &env_wq))
        space_destroy(s);
}

/* Check the kernel invariants the system calls must keep; returns the
 * number of violations (prints them). */
static inline unsigned env_check(void)
{
    unsigned bad = 0;
    for (word_t no = TID_USER_BASE; no < ENV_THREADS; no++) {
        struct tcb *t = tcb_of_number(no);
        if (t->state == TS_FREE)
            continue;
        if (tid_lookup(t->gid) != t) {
            printf("thread %u not found by its global ID\n", (unsigned)no);
            bad++;
        }
        if (tcb_is_active(t) && tid_lookup_local(t->space, tid_local_of(t)) != t) {
            printf("thread %u not found by its local ID\n", (unsigned)no);
            bad++;
        }
        if (tcb_is_active(t) && (mock_utcb_find(t->space, t->utcb_location) != t->utcb ||
                                 t->utcb[UTCB_MY_GLOBAL_ID] != t->gid)) {
            printf("thread %u: UTCB block not mapped or MyGlobalId wrong\n", (unsigned)no);
            bad++;
        }
        word_t n = 0;
        for (word_t o = TID_USER_BASE; o < ENV_THREADS; o++) {
            struct tcb *u = tcb_of_number(o);
            n += u->state != TS_FREE && u->space == t->space;
        }
        if (n != t->space->thread_count) {
            printf("space of thread %u: %u threads counted, %u recorded\n", (unsigned)no,
                   (unsigned)n, (unsigned)t->space->thread_count);
            bad++;
        }
    }
    if (mdb_check() != 0) {
        printf("mdb_check failed\n");
        bad++;
    }
    if (mock_sys_errors != 0 || mock_pt_errors != 0) {
        printf("hook misuse: sys %u pt %u\n", mock_sys_errors, mock_pt_errors);
        bad++;
    }
    return bad;
}

/* Delete every user thread; check that no space, UTCB or mapping leaked. */
static inline int env_teardown(void **state)
{
    (void)state;
    mock_current = env_idle;
    for (word_t no = TID_USER_BASE; no < ENV_THREADS; no++) {
        struct tcb *t = tcb_of_number(no);
        if (t->state != TS_FREE)
            env_kill(t);
    }
    mdb_space_destroy(&env_s0);
    mock_pt_release(&env_s0);
    int bad = (int)env_check();
    if (space_count() != env_base_spaces || mock_utcb_live != 0 || mdb_node_count() != 0) {
        printf("leak: spaces %u (base %u), utcbs %u, mapnodes %u\n", space_count(),
               env_base_spaces, mock_utcb_live, mdb_node_count());
        bad++;
    }
    free(env_area);
    return bad ? -1 : 0;
}

/* ---- system-call shorthands (caller: the current thread) ---------------- */

static inline word_t tc(tid_t dest, tid_t space, tid_t sched, tid_t pager, word_t utcb)
{
    struct sys_regs r = regs(dest, pager, sched, space, utcb, 0x1111u, 0x2222u);
    sys_thread_control(mock_current, &r);
    return r.eax;
}

static inline word_t sc(tid_t space, word_t control, word_t kip, word_t utcb, tid_t redir, word_t *ecx)
{
    struct sys_regs r = regs(space, control, kip, utcb, redir, 0, 0);
    sys_space_control(mock_current, &r);
    if (ecx)
        *ecx = r.ecx;
    return r.eax;
}

/* Send a start message (u = 2: ip, sp) from the current thread to `to`. */
static inline enum ipc_outcome send_start(tid_t to, word_t ip, word_t sp)
{
    struct tcb *self = mock_current;
    self->utcb[1] = ip;
    self->utcb[2] = sp;
    struct sys_regs r = regs(to, 0x04000400u /* zero / zero */, TID_NIL, msgtag_make(0, 2, 0, 0), 0, 0, 0);
    return sys_ipc(self, &r);
}

/* ---- state snapshots (failing calls must change nothing) ---------------- */

struct env_thread_snap {
    uint8_t state;
    bool halted, in_ready_queue;
    tid_t gid, scheduler;
    struct space *space;
    word_t utcb_location, *utcb, timeslice, remaining, pager;
    uint64_t quantum;
    uint8_t prio;
    word_t space_kip, space_utcb, space_redir, space_threads;
};

struct env_snap {
    struct env_thread_snap t[ENV_THREADS];
    unsigned spaces, utcbs, nodes, kip_calls, started, cache_calls, io_calls;
    struct tcb *irq[MOCK_IRQ_LINES];
};

static inline void env_snap(struct env_snap *s)
{
    memset(s, 0, sizeof(*s));
    for (word_t no = 0; no < ENV_THREADS; no++) {
        struct tcb *t = tcb_of_number(no);
        struct env_thread_snap *x = &s->t[no];
        x->state = t->state;
        if (t->state == TS_FREE)
            continue;
        x->halted = t->halted;
        x->in_ready_queue = t->in_ready_queue;
        x->gid = t->gid;
        x->scheduler = t->scheduler;
        x->space = t->space;
        x->utcb_location = t->utcb_location;
        x->utcb = t->utcb;
        x->timeslice = t->timeslice_us;
        x->remaining = t->remaining_us;
        x->quantum = t->quantum_us;
        x->prio = t->prio;
        x->pager = t->utcb ? t->utcb[UTCB_PAGER] : 0;
        x->space_kip = t->space->kip_area;
        x->space_utcb = t->space->utcb_area;
        x->space_redir = t->space->redirector;
        x->space_threads = t->space->thread_count;
    }
    s->spaces = space_count();
    s->utcbs = mock_utcb_live;
    s->nodes = mdb_node_count();
    s->kip_calls = mock_kip_map_calls;
    s->started = mock_start_prepared;
    s->cache_calls = mock_cache_count;
    s->io_calls = mock_io_unmap_calls;
    memcpy(s->irq, mock_irq_handler, sizeof(s->irq));
}

/* True when the kernel state equals snapshot `s`. */
static inline bool env_same(const struct env_snap *s)
{
    static struct env_snap now;
    env_snap(&now);
    return memcmp(&now, s, sizeof(now)) == 0;
}

#endif
