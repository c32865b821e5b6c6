/* Randomised test of the system calls (core/syscall.c, sys_thread.c,
 * sys_space.c): random sequences of calls by random callers with random,
 * often garbage arguments drawn from pools of interesting words. After every
 * call the kernel invariants are checked (env_check: no panic, thread counts
 * per space, every thread reachable by global and local ID, mdb_check, no
 * hook misuse), and a call that answers 0 must have changed nothing. At the
 * end a reaper deletes every thread through ThreadControl and no space,
 * UTCB or mapping may be left. Fixed seeds, printed on failure. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sys_env.h"

#define UA 0x00400000u
#define POOL_FIRST ROOT_N
#define POOL_THREADS 12u
#define REAPER_N 40u
#define STEPS 10000u

static uint64_t rng_state;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}
static uint32_t pick(uint32_t n) { return rng() % n; }
static bool chance(unsigned percent) { return pick(100) < percent; }

static struct tcb *reaper;

enum call_kind { K_TC, K_SC, K_EXREG, K_SCHED, K_SWITCH, K_UNMAP, K_MC, K_PC, K_IPC, K_KINDS };
static const char *const kind_name[K_KINDS] = { "ThreadControl", "SpaceControl", "ExchangeRegisters",
                                                 "Schedule", "ThreadSwitch", "Unmap", "MemoryControl",
                                                 "ProcessorControl", "Ipc" };
static unsigned kind_calls[K_KINDS], kind_ok[K_KINDS];
static enum call_kind last_kind;

/* A thread-ID word: pool IDs (versions 1, 2), local IDs, specials, garbage. */
static word_t rnd_id(void)
{
    word_t w;
    switch (pick(10)) {
    case 0: case 1: case 2: case 3:
        return Gv(POOL_FIRST + pick(POOL_THREADS), chance(85) ? 1u : 2u);
    case 4:
        return L((chance(50) ? ROOT_UTCB : UA) + 512u * pick(8));
    case 5:
        return (word_t[]){ TID_NIL, TID_ANY, TID_ANYLOCAL }[pick(3)];
    case 6:
        return tid_make_global(pick(TID_USER_BASE), 1);          /* irq and kernel range */
    default:
        w = rng();
        return tid_number(w) == TID_USER_BASE + REAPER_N ? TID_NIL : w;
    }
}

static word_t rnd_utcb(void)
{
    switch (pick(6)) {
    case 0: case 1: return NOCHG;
    case 2: return ROOT_UTCB + 512u * pick(12);
    case 3: return UA + 512u * pick(12);
    case 4: return (ROOT_UTCB + 512u * pick(12)) | (pick(2) << 2);
    default: return rng();
    }
}

static word_t rnd_fpage(void)
{
    switch (pick(8)) {
    case 0: return fpage_make(UA, 12 + pick(6), pick(8));
    case 1: return fpage_make(0x00800000u, 12, 0);
    case 2: return fpage_make(0x10000u + 0x1000u * pick(8), 12 + pick(2), pick(8));
    case 3: return (word_t[]){ FPAGE_NIL, FPAGE_COMPLETE, ROOT_UTCB_AREA, ROOT_KIP_AREA }[pick(4)];
    case 4: return fpage_io_make(pick(0x400) & ~7u, pick(4)) | pick(16);
    default: return rng();
    }
}

static word_t rnd_word(void)
{
    return chance(30) ? NOCHG : chance(30) ? pick(300) : rng();
}

static word_t rnd_time(void)
{
    switch (pick(5)) {
    case 0: return NOCHG;
    case 1: return (0x1271u << 16) | (pick(2) ? 0 : 0x03E8u);
    case 2: return ((word_t)sys_period_encode(pick(100000)) << 16) | sys_period_encode(pick(100000000));
    default: return rng();
    }
}

static word_t rnd_exreg_ctl(void)
{
    static const word_t enc[] = { 0x106, 0x11E, 0x13E, 0x301, 0x303, 0x305, 0x307, 0x200, 0x40, 0x80, 0 };
    return chance(60) ? enc[pick(ARRAY_SIZE(enc))] : rng();
}

/* An active, ready, not halted user thread (other than the reaper) to make
 * the next call; privileged ones preferred half of the time. */
static struct tcb *pick_caller(void)
{
    struct tcb *cand[ENV_THREADS];
    unsigned n = 0, np = 0;
    bool want_priv = chance(50);
    for (unsigned pass = 0; pass < 2 && n == 0; pass++) {
        for (word_t no = TID_USER_BASE; no < ENV_THREADS; no++) {
            struct tcb *t = tcb_of_number(no);
            if (t == reaper || t->state != TS_READY || t->halted || !tcb_is_active(t))
                continue;
            if (pass == 0 && want_priv && !sys_privileged(t))
                continue;
            cand[n++] = t;
            np += sys_privileged(t);
        }
    }
    (void)np;
    return n ? cand[pick(n)] : NULL;
}

/* One random system call by `self`; returns its result register (0: failed
 * or no-op) and whether the "0 changes nothing" rule applies. */
static word_t random_call(struct tcb *self, bool *checked)
{
    struct sys_regs r;
    *checked = true;
    switch (pick(20)) {
    case 0: case 1: case 2: case 3: case 4: case 5:
        r = regs(rnd_id(), rnd_id(), rnd_id(), chance(20) ? TID_NIL : rnd_id(), rnd_utcb(), rng(), rng());
        sys_thread_control(self, &r);
        last_kind = K_TC;
        return r.eax;
    case 6: case 7:
        r = regs(rnd_id(), rng(), rnd_fpage(), rnd_fpage(), rnd_id(), rng(), rng());
        sys_space_control(self, &r);
        last_kind = K_SC;
        return r.eax;
    case 8: case 9: case 10:
        r = regs(rnd_id(), rnd_exreg_ctl(), rng(), rng(), rng(), rng(), rnd_id());
        sys_exchange_registers(self, &r);
        last_kind = K_EXREG;
        return r.eax;
    case 11: case 12:
        r = regs(rnd_id(), rnd_word(), rnd_time(), chance(50) ? NOCHG : pick(3), rnd_word(), 0, 0);
        sys_schedule(self, &r);
        last_kind = K_SCHED;
        return r.eax;
    case 13:
        r = regs(rnd_id(), 0, 0, 0, 0, 0, 0);
        sys_thread_switch(self, &r);
        last_kind = K_SWITCH;
        *checked = false;
        return 1;
    case 14:
        for (unsigned i = 1; i < 4; i++)
            self->utcb[i] = rnd_fpage();
        r = regs(chance(80) ? pick(4) | (pick(2) << 6) : rng(), 0, 0, rnd_fpage(), 0, 0, 0);
        sys_unmap(self, &r);
        last_kind = K_UNMAP;
        *checked = false;
        return 1;
    case 15:
        for (unsigned i = 1; i < 4; i++)
            self->utcb[i] = rnd_fpage();
        r = regs(chance(80) ? pick(4) : rng(), pick(10), pick(10), rnd_fpage(), 0, rng(), pick(10));
        sys_memory_control(self, &r);
        last_kind = K_MC;
        return r.eax;
    case 16:
        r = regs(pick(3), rng(), rng(), rng(), 0, 0, 0);
        sys_processor_control(self, &r);
        last_kind = K_PC;
        return r.eax;
    default: {
        static const word_t timeouts[] = { 0x04000400u, 0x00000400u, 0x04000000u | 0x03E8u,
                                           0x03E803E8u, 0x12710400u };
        self->utcb[1] = rng();
        self->utcb[2] = rng();
        r = regs(chance(20) ? TID_NIL : rnd_id(), timeouts[pick(ARRAY_SIZE(timeouts))],
                 chance(40) ? TID_NIL : rnd_id(), msgtag_make(pick(4), pick(4), 0, 0), 0, 0, 0);
        last_kind = K_IPC;
        *checked = false;
        if (sys_ipc(self, &r) == IPC_BLOCKED)
            return 1;
        sys_ipc_finish(self, &r);
        return (r.esi & MSG_TAG_E) == 0;
    }
    }
}

/* Environment: another thread (the reaper, or a thread of the target's
 * space) starts a blocked/halted thread again, or spawns a new one. */
static void env_revive(void)
{
    struct tcb *t = tcb_of_number(TID_USER_BASE + POOL_FIRST + pick(POOL_THREADS));
    if (t->state == TS_FREE || !tcb_is_active(t))
        return;
    ipc_cancel(t, true, true);
    if (t->halted && t->state == TS_READY) {
        t->halted = false;
        sched_make_ready(t);
    }
}

static void env_spawn(void)
{
    unsigned n = POOL_FIRST + pick(POOL_THREADS);
    if (T(n)->state != TS_FREE)
        return;
    as(reaper);
    struct sys_regs r = regs(G(n), G(REAPER_N), G(REAPER_N), chance(50) ? G(REAPER_N) : G(n),
                             ROOT_UTCB + 512u * (1u + pick(8)), 0, 0);
    sys_thread_control(reaper, &r);
    if (r.eax == 1 && tcb_is_active(T(n)))
        (void)send_start(G(n), 0x1000, 0x2000);
    else if (r.eax == 1 && space_initialised(T(n)->space) == false) {
        struct sys_regs q = regs(G(n), 0, fpage_make(0x00800000u, 12, 0), fpage_make(UA, 16, 0), TID_NIL, 0, 0);
        sys_space_control(reaper, &q);
        r = regs(G(n), G(REAPER_N), TID_NIL, G(n), UA, 0, 0);
        sys_thread_control(reaper, &r);
        if (r.eax == 1)
            (void)send_start(G(n), 0x1000, 0x2000);
    }
}

/* Environment actions: sigma0 maps a page into a random space, time passes,
 * threads are revived or spawned. */
static void random_environment(void)
{
    switch (pick(4)) {
    case 0: {
        struct tcb *t = tcb_of_number(TID_USER_BASE + POOL_FIRST + pick(POOL_THREADS));
        if (t->state != TS_FREE)
            (void)mdb_map(&env_s0, 0x100000u + 0x1000u * pick(64), t->space,
                          0x10000u + 0x1000u * pick(8), 12, 1u + pick(7), false);
        break;
    }
    case 1:
        mock_time_us += pick(20000);
        ipc_expire(mock_time_us);
        break;
    case 2:
        env_revive();
        break;
    default:
        env_spawn();
        break;
    }
}

/* The reaper: privileged, in a space of its own, outside the ID pool. */
static void make_reaper(void)
{
    struct space *s = space_create();
    s->privileged = true;
    s->kip_area = ROOT_KIP_AREA;
    s->utcb_area = ROOT_UTCB_AREA;
    assert_int_equal(tcb_create(G(REAPER_N), s, G(REAPER_N), &reaper), TCB_OK);
    word_t *view = arch_utcb_map(s, ROOT_UTCB);
    for (int i = -64; i < 64; i++)
        view[i] = 0;
    tcb_activate(reaper, ROOT_UTCB, view);
    sched_make_ready(reaper);
}

static void run_random(uint64_t seed)
{
    static struct env_snap before;
    rng_state = seed;
    memset(kind_calls, 0, sizeof(kind_calls));
    memset(kind_ok, 0, sizeof(kind_ok));
    make_reaper();
    unsigned calls = 0, ok = 0;
    for (unsigned step = 0; step < STEPS; step++) {
        if (chance(10)) {
            random_environment();
        } else {
            struct tcb *self = pick_caller();
            if (self == NULL) {
                mock_time_us += 1000000u;
                ipc_expire(mock_time_us);
                env_revive();
                env_spawn();
                continue;
            }
            as(self);
            env_snap(&before);
            bool checked;
            word_t res = random_call(self, &checked);
            calls++;
            ok += res != 0;
            kind_calls[last_kind]++;
            kind_ok[last_kind] += res != 0;
            if (checked && res == 0 && !env_same(&before)) {
                printf("seed %#llx step %u: a failing call changed state\n", (unsigned long long)seed, step);
                fail();
            }
        }
        if (env_check() != 0) {
            printf("seed %#llx step %u: invariants violated\n", (unsigned long long)seed, step);
            fail();
        }
    }
    /* reap every pool thread through ThreadControl */
    as(reaper);
    for (word_t no = TID_USER_BASE; no < ENV_THREADS; no++) {
        struct tcb *t = tcb_of_number(no);
        if (t->state == TS_FREE || t == reaper)
            continue;
        struct sys_regs r = regs(t->gid, 0, 0, TID_NIL, NOCHG, 0, 0);
        sys_thread_control(reaper, &r);
        if (r.eax != 1) {
            printf("seed %#llx: reaping %#x failed (%u)\n", (unsigned long long)seed, (unsigned)t->gid,
                   (unsigned)err_of(reaper));
            fail();
        }
    }
    assert_int_equal(env_check(), 0);
    assert_int_equal(space_count(), env_base_spaces + 1);          /* the reaper's */
    assert_int_equal(mock_utcb_live, 1);
    /* only mappings of the reaper's space (threads spawned into it) remain */
    assert_int_equal(mdb_node_count(), mock_pt_node_entries(reaper->space) + mdb_root_count());
    printf("seed %#llx: %u calls, %u succeeded\n", (unsigned long long)seed, calls, ok);
    assert_true(calls > STEPS / 2);
    for (unsigned k = 0; k < K_KINDS; k++) {
        printf("  %-18s %4u calls, %4u succeeded\n", kind_name[k], kind_calls[k], kind_ok[k]);
        assert_true(kind_ok[k] > 0);          /* every call also succeeds sometimes */
    }
}

static void test_sys_random_sequences_seed1(void **state)
{
    (void)state;
    run_random(0x5EED0001u);
}

static void test_sys_random_sequences_seed2(void **state)
{
    (void)state;
    run_random(0xC0FFEE42u);
}

static void test_sys_random_sequences_seed3(void **state)
{
    (void)state;
    run_random(0x123456789ABCDEFull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sys_random_sequences_seed1, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_sys_random_sequences_seed2, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_sys_random_sequences_seed3, env_setup, env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
