/* Host tests of thread IDs and ID -> TCB lookup (src/core/tid.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/sched.h>
#include <core/space.h>
#include <core/tcb.h>
#include <core/tid.h>
#include <mock/hooks.h>
#include <stdlib.h>
#include <string.h>

/* GCC's -Wclobbered misfires on the flag inside MOCK_EXPECT_PANIC (it is
 * only written after the longjmp); clang has no such warning. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wclobbered"
#endif

#define NTHREADS 256u
#define UTCB_AREA_BASE 0x00800000u

static void *area;
static struct space space_a, space_b;
static word_t utcb_mem[NTHREADS][128];    /* kernel views of 512-byte UTCBs */

static int setup(void **state)
{
    mock_reset();
    area = aligned_alloc(TCB_SIZE, (size_t)NTHREADS * TCB_SIZE);
    assert_non_null(area);
    memset(area, 0, (size_t)NTHREADS * TCB_SIZE);
    tcb_area_init(area, NTHREADS);
    space_a = (struct space){ .redirector = TID_ANY, .utcb_area = UTCB_AREA_BASE | (20u << 4) };
    space_b = space_a;
    sched_init(tcb_of_number(TID_SYSTEM_BASE));
    return 0;
}

/* Drop every pointer into the area before freeing it (LeakSanitizer's
 * tracer crashes on globals that point into a freed large aligned block). */
static int teardown(void **state)
{
    sched_init(NULL);
    tcb_area_init(NULL, 0);
    mock_reset();
    free(area);
    area = NULL;
    return 0;
}

static struct tcb *create(word_t no, word_t version, struct space *s)
{
    struct tcb *t = NULL;
    assert_int_equal(tcb_create(tid_make_global(no, version), s, TID_NIL, &t), TCB_OK);
    return t;
}

/* Create thread `no` in `s` and activate it with UTCB slot `slot`. */
static struct tcb *create_active(word_t no, struct space *s, word_t slot)
{
    struct tcb *t = create(no, 1, s);
    tcb_activate(t, UTCB_AREA_BASE + slot * 512u, &utcb_mem[no][64]);
    return t;
}

/* The local ID of UTCB slot `slot` (as create_active places them). */
static tid_t slot_local(word_t slot)
{
    return UTCB_AREA_BASE + slot * 512u + TID_UTCB_MR0_OFFSET;
}

/* The first UTCB slot from `from` on whose local ID in `s` hashes to
 * bucket `b`. The bucket depends on the space's address, so the search
 * goes as far as it takes (slots beyond the UTCB area are fine in these
 * tests); a search that finds none fails the test. */
static word_t slot_in_bucket(const struct space *s, unsigned b, word_t from)
{
    word_t slot = from;
    while (slot < (1u << 22) && tid_local_bucket(s, slot_local(slot)) != b)
        slot++;
    assert_true(slot < (1u << 22));
    return slot;
}

/* ---- encodings ----------------------------------------------------------- */

static void test_tid_make_global_abi_example(void **state)
{
    tid_t t = tid_make_global(0x23, 1);
    assert_int_equal(t, 0x0008C001u);
    assert_int_equal(tid_number(t), 0x23);
    assert_int_equal(tid_version(t), 1);
    assert_true(tid_is_global(t));
    assert_false(tid_is_local(t));
    assert_int_equal(tid_make_global(1, 0x4001), (1u << 14) | 1u);  /* version masked */
}

static void test_tid_special_ids(void **state)
{
    assert_true(tid_is_nil(TID_NIL));
    assert_true(tid_is_local(TID_NIL));
    assert_true(tid_is_local(TID_ANYLOCAL));
    assert_true(tid_is_global(TID_ANY));
    assert_false(tid_is_nil(TID_ANY));
}

static void test_tid_kip_thread_info(void **state)
{
    word_t w = tid_kip_thread_info();
    assert_int_equal(w & 0xFFu, TID_NUMBER_BITS);
    assert_int_equal((w >> 8) & 0xFFFu, TID_SYSTEM_BASE);
    assert_int_equal(w >> 20, TID_USER_BASE);
    assert_int_equal(w, 0x03001010u);   /* t = 16, 16 IRQs, UserBase 48 */
}

/* ---- area ---------------------------------------------------------------- */

static void test_tcb_area_init_misaligned_panics(void **state)
{
    assert_true(MOCK_EXPECT_PANIC(tcb_area_init((char *)area + 64, 4)));
}

static void test_tcb_area_init_too_many_panics(void **state)
{
    assert_true(MOCK_EXPECT_PANIC(tcb_area_init(area, TID_MAX_THREADS + 1)));
}

static void test_tcb_area_threads(void **state)
{
    assert_int_equal(tcb_area_threads(), NTHREADS);
    tcb_area_init(area, 0);
    assert_int_equal(tcb_area_threads(), 0);
    assert_null(tcb_of_number(0));
}

static void test_tcb_area_used_follows_the_highest_number_created(void **state)
{
    (void)state;
    struct space *s = &space_a;
    assert_int_equal(tcb_area_used(), 0);
    struct tcb *t = create(TID_USER_BASE + 9, 1, s);
    assert_int_equal(tcb_area_used(), TID_USER_BASE + 10);
    create(TID_USER_BASE + 3, 1, s);                    /* lower: no change */
    assert_int_equal(tcb_area_used(), TID_USER_BASE + 10);
    create(TID_USER_BASE + 10, 1, s);                   /* the next: one more */
    assert_int_equal(tcb_area_used(), TID_USER_BASE + 11);
    tcb_delete(t, NULL);                                /* freed, but was in use */
    assert_int_equal(tcb_area_used(), TID_USER_BASE + 11);
    create(NTHREADS - 1, 1, s);                         /* the last slot */
    assert_int_equal(tcb_area_used(), NTHREADS);
    tcb_area_init(area, NTHREADS);                      /* a new area: none yet */
    assert_int_equal(tcb_area_used(), 0);
}

static void test_tcb_of_number_addresses(void **state)
{
    assert_ptr_equal(tcb_of_number(0), area);
    assert_ptr_equal(tcb_of_number(7), (char *)area + 7 * TCB_SIZE);
    assert_ptr_equal(tcb_of_number(NTHREADS - 1), (char *)area + (NTHREADS - 1) * TCB_SIZE);
}

static void test_tcb_of_number_out_of_range(void **state)
{
    assert_null(tcb_of_number(NTHREADS));
    assert_null(tcb_of_number(0xFFFFFFFFu));
}

/* ---- global lookup -------------------------------------------------------- */

static void test_tid_lookup_valid(void **state)
{
    struct tcb *t = create(100, 5, &space_a);
    assert_ptr_equal(tid_lookup(tid_make_global(100, 5)), t);
}

static void test_tid_lookup_stale_version(void **state)
{
    create(100, 5, &space_a);
    assert_null(tid_lookup(tid_make_global(100, 6)));
    assert_null(tid_lookup(tid_make_global(100, 4)));
}

static void test_tid_lookup_out_of_range(void **state)
{
    assert_null(tid_lookup(tid_make_global(NTHREADS, 1)));
    assert_null(tid_lookup(TID_ANY));
}

static void test_tid_lookup_free_slot(void **state)
{
    assert_null(tid_lookup(tid_make_global(101, 1)));
    assert_null(tid_lookup(TID_NIL));
}

/* The first user thread number is a user thread's; the last system one
 * is not (tid_user_only, which the system calls apply to thread IDs). */
static void test_tid_user_only_border(void **state)
{
    struct tcb *u = create(TID_USER_BASE, 1, &space_a);
    struct tcb *k = create(TID_USER_BASE - 1u, 1, &space_a);
    assert_ptr_equal(tid_user_only(u), u);
    assert_null(tid_user_only(k));
    assert_null(tid_user_only(NULL));
}

static void test_tid_lookup_local_forms_rejected(void **state)
{
    create(0, 1, &space_a);
    assert_null(tid_lookup(TID_NIL));
    assert_null(tid_lookup(TID_ANYLOCAL));
    assert_null(tid_lookup(0x40u));       /* number 0, "version" 0x40: a local ID */
}

static void test_tid_lookup_after_delete(void **state)
{
    struct tcb *t = create(100, 5, &space_a);
    tcb_delete(t, NULL);
    assert_null(tid_lookup(tid_make_global(100, 5)));
    struct tcb *u = create(100, 6, &space_a);   /* the number is reused */
    assert_ptr_equal(u, t);
    assert_null(tid_lookup(tid_make_global(100, 5)));
    assert_ptr_equal(tid_lookup(tid_make_global(100, 6)), u);
}

static void test_tid_lookup_has_no_side_effects(void **state)
{
    struct tcb *t = create(100, 5, &space_a);
    unsigned char before[TCB_SIZE];
    memcpy(before, t, TCB_SIZE);
    tid_lookup(tid_make_global(100, 5));
    tid_lookup(tid_make_global(100, 9));
    assert_memory_equal(before, t, TCB_SIZE);
}

/* ---- local lookup ---------------------------------------------------------- */

static void test_tid_local_of(void **state)
{
    struct tcb *t = create(100, 1, &space_a);
    assert_int_equal(tid_local_of(t), TID_NIL);
    tcb_activate(t, UTCB_AREA_BASE + 3 * 512u, &utcb_mem[100][64]);
    assert_int_equal(tid_local_of(t), UTCB_AREA_BASE + 3 * 512u + 256u);
    assert_true(tid_is_local(tid_local_of(t)));
}

static void test_tid_lookup_local_found(void **state)
{
    struct tcb *t = create_active(100, &space_a, 3);
    assert_ptr_equal(tid_lookup_local(&space_a, tid_local_of(t)), t);
}

static void test_tid_lookup_local_other_space(void **state)
{
    struct tcb *t = create_active(100, &space_a, 3);
    assert_null(tid_lookup_local(&space_b, tid_local_of(t)));
    struct tcb *u = create_active(101, &space_b, 3);   /* same UTCB address, other space */
    assert_ptr_equal(tid_lookup_local(&space_b, tid_local_of(t)), u);
    assert_ptr_equal(tid_lookup_local(&space_a, tid_local_of(t)), t);
}

static void test_tid_lookup_local_unknown_or_special(void **state)
{
    create_active(100, &space_a, 3);
    assert_null(tid_lookup_local(&space_a, UTCB_AREA_BASE + 4 * 512u + 256u));
    assert_null(tid_lookup_local(&space_a, UTCB_AREA_BASE + 3 * 512u));  /* block start */
    assert_null(tid_lookup_local(&space_a, TID_NIL));
    assert_null(tid_lookup_local(&space_a, TID_ANYLOCAL));
    assert_null(tid_lookup_local(&space_a, tid_make_global(100, 1)));
}

/* nilthread and anylocalthread name no thread even where their hash
 * bucket holds threads of the space (the lookup has no test of its own
 * for them: no UTCB pointer can equal either). */
static void test_tid_lookup_local_special_in_used_bucket(void **state)
{
    (void)state;
    const tid_t special[2] = { TID_NIL, TID_ANYLOCAL };
    word_t no = 100;
    for (unsigned k = 0; k < 2; k++) {
        unsigned b = tid_local_bucket(&space_a, special[k]);
        create_active(no++, &space_a, slot_in_bucket(&space_a, b, 0));
        assert_ptr_not_equal(tid_local_chains[b], &tid_local_end);
        assert_null(tid_lookup_local(&space_a, special[k]));
    }
}

static void test_tid_lookup_local_inactive_not_found(void **state)
{
    struct tcb *t = create(100, 1, &space_a);
    tcb_set_utcb_location(t, UTCB_AREA_BASE);     /* location known, not activated */
    assert_null(tid_lookup_local(&space_a, UTCB_AREA_BASE + 256u));
}

static void test_tid_lookup_local_ignores_forged_utcb(void **state)
{
    struct tcb *t = create_active(100, &space_a, 3);
    struct tcb *victim = create_active(101, &space_b, 9);
    assert_int_equal(utcb_mem[100][64 - 15], t->gid);   /* MyGlobalId written */
    utcb_mem[100][64 - 15] = victim->gid;               /* user overwrites it */
    assert_ptr_equal(tid_lookup_local(&space_a, tid_local_of(t)), t);
    assert_null(tid_lookup_local(&space_a, tid_local_of(victim)));
}

static void test_tid_lookup_local_after_delete(void **state)
{
    struct tcb *t = create_active(100, &space_a, 3);
    tid_t local = tid_local_of(t);
    tcb_delete(t, NULL);
    assert_null(tid_lookup_local(&space_a, local));
}

static void test_tid_lookup_local_many_threads(void **state)
{
    /* 200 registrations in two spaces: every one is found, and unregistering
     * every third keeps the rest (shared chains: the test below). */
    struct tcb *ts[200];
    for (word_t i = 0; i < 200; i++)
        ts[i] = create_active(50 + i, i & 1 ? &space_b : &space_a, i);
    for (word_t i = 0; i < 200; i += 3)
        tid_local_unregister(ts[i]);
    for (word_t i = 0; i < 200; i++) {
        struct space *s = i & 1 ? &space_b : &space_a;
        struct tcb *expect = i % 3 == 0 ? NULL : ts[i];
        assert_ptr_equal(tid_lookup_local(s, tid_local_of(ts[i])), expect);
    }
}

/* The hash spreads a space's UTCB slots (512 bytes apart) over the
 * buckets: 1024 slots of one space share no bucket with more than one
 * other, and two spaces' 1024 slots each fill no bucket beyond four. */
static void test_tid_local_bucket_spreads_utcb_slots(void **state)
{
    (void)state;
    static unsigned count[TID_LOCAL_BUCKETS];
    const struct space *spaces[2] = { &space_a, &space_b };
    for (unsigned n = 1; n <= 2; n++) {
        memset(count, 0, sizeof(count));
        unsigned worst = 0;
        for (unsigned k = 0; k < n; k++)
            for (word_t i = 0; i < TID_LOCAL_BUCKETS; i++) {
                unsigned b = tid_local_bucket(spaces[k], slot_local(i));
                assert_true(b < TID_LOCAL_BUCKETS);
                if (++count[b] > worst)
                    worst = count[b];
            }
        assert_true(worst <= 2 * n);
    }
}

/* Three registrations that share one bucket (a chain of three, found by
 * search): each is found; unregistering the middle one and then the tail
 * (walks past the head) keeps the others. */
static void test_tid_local_chain_shared_bucket(void **state)
{
    (void)state;
    struct space *sp[3] = { &space_a, &space_b, &space_a };
    unsigned b = tid_local_bucket(&space_a, slot_local(0));
    word_t slot[3] = { 0, slot_in_bucket(&space_b, b, 1), 0 };
    slot[2] = slot_in_bucket(&space_a, b, slot[1] + 1);
    struct tcb *t[3];
    for (unsigned k = 0; k < 3; k++) {
        t[k] = create_active(100 + k, sp[k], slot[k]);  /* (registered: head of the chain) */
        assert_ptr_equal(tid_local_chains[b], t[k]);
    }
    for (unsigned k = 0; k < 3; k++)
        assert_ptr_equal(tid_lookup_local(sp[k], tid_local_of(t[k])), t[k]);
    tid_local_unregister(t[1]);                     /* the middle */
    assert_null(tid_lookup_local(sp[1], tid_local_of(t[1])));
    assert_null(t[1]->local_next);                  /* linked nowhere */
    assert_false(t[1]->local_registered);
    tid_local_unregister(t[0]);                     /* the tail */
    assert_null(tid_lookup_local(sp[0], tid_local_of(t[0])));
    assert_ptr_equal(tid_lookup_local(sp[2], tid_local_of(t[2])), t[2]);
    assert_ptr_equal(tid_local_chains[b], t[2]);
    assert_ptr_equal(t[2]->local_next, &tid_local_end);   /* the chain's end */
}

/* A thread of another space with the same local ID is no match, neither
 * as its chain's first entry nor further down (the lookup compares the
 * space as well as the UTCB pointer). */
static void test_tid_lookup_local_same_utcb_other_space(void **state)
{
    (void)state;
    /* another space and a local ID that hash to one bucket with space_a
     * (the spaces' addresses differ above bit 8, where local IDs vary, so
     * some pair of the array's spaces and slots collides) */
    static struct space other[64];
    struct space *o = NULL;
    word_t slot = 0;
    for (unsigned k = 0; k < 64 && o == NULL; k++) {
        for (slot = 0; slot < 4096; slot++) {
            if (tid_local_bucket(&space_a, slot_local(slot)) ==
                tid_local_bucket(&other[k], slot_local(slot))) {
                o = &other[k];
                break;
            }
        }
    }
    assert_non_null(o);
    unsigned b = tid_local_bucket(&space_a, slot_local(slot));
    struct tcb *y = create_active(100, &space_a, slot);
    assert_ptr_equal(tid_local_chains[b], y);
    assert_null(tid_lookup_local(o, slot_local(slot)));         /* the first entry */
    struct tcb *x = create_active(101, &space_a, slot_in_bucket(&space_a, b, slot + 1));
    assert_ptr_equal(tid_local_chains[b], x);
    assert_ptr_equal(x->local_next, y);
    assert_null(tid_lookup_local(o, slot_local(slot)));         /* the second */
    assert_ptr_equal(tid_lookup_local(&space_a, slot_local(slot)), y);
}

static void test_tid_local_register_twice_panics(void **state)
{
    struct tcb *t = create_active(100, &space_a, 3);
    assert_true(MOCK_EXPECT_PANIC(tid_local_register(t)));
}

static void test_tid_local_register_without_utcb_panics(void **state)
{
    struct tcb *t = create(100, 1, &space_a);
    assert_true(MOCK_EXPECT_PANIC(tid_local_register(t)));
}

static void test_tid_local_register_without_space_panics(void **state)
{
    struct tcb *t = create(100, 1, &space_a);
    tcb_set_utcb_location(t, UTCB_AREA_BASE);
    t->space = NULL;
    assert_true(MOCK_EXPECT_PANIC(tid_local_register(t)));
}

static void test_tid_local_unregister_not_registered_noop(void **state)
{
    struct tcb *t = create(100, 1, &space_a);
    tid_local_unregister(t);
    assert_false(t->local_registered);
}

static void test_tid_local_unregister_corrupt_chain_panics(void **state)
{
    struct tcb *t = create_active(100, &space_a, 3);
    t->utcb_ptr += 512u * 77u;         /* now hashes to a chain it is not on */
    assert_true(MOCK_EXPECT_PANIC(tid_local_unregister(t)));
}

static void test_tcb_area_init_forgets_local_ids(void **state)
{
    struct tcb *t = create_active(100, &space_a, 3);
    tcb_area_init(area, NTHREADS);
    assert_null(tid_lookup_local(&space_a, tid_local_of(t)));
}

/* ... in every hash bucket, the first and the last included. */
static void test_tcb_area_init_forgets_every_bucket(void **state)
{
    (void)state;
    unsigned last = TID_LOCAL_BUCKETS - 1u;
    create_active(100, &space_a, slot_in_bucket(&space_a, 0, 0));
    create_active(101, &space_a, slot_in_bucket(&space_a, last, 0));
    assert_ptr_not_equal(tid_local_chains[0], &tid_local_end);
    assert_ptr_not_equal(tid_local_chains[last], &tid_local_end);
    tcb_area_init(area, NTHREADS);
    for (unsigned b = 0; b < TID_LOCAL_BUCKETS; b++)
        assert_ptr_equal(tid_local_chains[b], &tid_local_end);   /* empty */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- branch coverage (issue 12) ------------------------------------------------- */

static void test_tid_lookup_beyond_area(void **state)
{
    assert_null(tid_lookup(tid_make_global(NTHREADS, 1)));
    assert_null(tid_lookup(tid_make_global(NTHREADS + 100u, 1)));
    assert_null(tcb_of_number(NTHREADS));
    assert_non_null(tcb_of_number(NTHREADS - 1u));
}

/* The lookup masks the thread number to the area (a power of two): a
 * number beyond it reads the slot of its residue, whose thread has another
 * number, and finds nobody, even with the same version. */
static void test_tid_lookup_beyond_area_aliases_live_slot(void **state)
{
    struct tcb *t = create(100, 5, &space_a);
    assert_ptr_equal(tid_lookup(tid_make_global(100, 5)), t);
    assert_null(tid_lookup(tid_make_global(NTHREADS + 100u, 5)));
    assert_null(tid_lookup(tid_make_global(3u * NTHREADS + 100u, 5)));
    assert_null(tid_lookup_global(tid_make_global(NTHREADS + 100u, 5)));
    struct tcb *z = create(0, 1, &space_a);
    assert_ptr_equal(tid_lookup_global(tid_make_global(0, 1)), z);
    assert_null(tid_lookup_global(tid_make_global(NTHREADS, 1)));
}

static void test_tcb_area_init_not_power_of_two_panics(void **state)
{
    assert_true(MOCK_EXPECT_PANIC(tcb_area_init(area, NTHREADS - 1u)));
    assert_true(MOCK_EXPECT_PANIC(tcb_area_init(area, 3)));
}

/* An area of no slots: every global lookup finds nobody (it reads a
 * zeroed stand-in slot, not the NULL base). */
static void test_tid_lookup_empty_area(void **state)
{
    tcb_area_init(NULL, 0);
    assert_null(tid_lookup_global(tid_make_global(0, 1)));
    assert_null(tid_lookup_global(tid_make_global(TID_USER_BASE, 3)));
    assert_null(tid_lookup(tid_make_global(0, 1)));
    assert_null(tid_lookup(TID_NIL));
    assert_null(tcb_of_number(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_tid_make_global_abi_example),
        T(test_tid_lookup_beyond_area_aliases_live_slot),
        T(test_tcb_area_init_not_power_of_two_panics),
        T(test_tid_lookup_empty_area),
        T(test_tid_special_ids),
        T(test_tid_kip_thread_info),
        T(test_tcb_area_init_misaligned_panics),
        T(test_tcb_area_init_too_many_panics),
        T(test_tcb_area_threads),
        T(test_tcb_area_used_follows_the_highest_number_created),
        T(test_tcb_of_number_addresses),
        T(test_tcb_of_number_out_of_range),
        T(test_tid_lookup_valid),
        T(test_tid_lookup_stale_version),
        T(test_tid_lookup_out_of_range),
        T(test_tid_lookup_free_slot),
        T(test_tid_user_only_border),
        T(test_tid_lookup_local_forms_rejected),
        T(test_tid_lookup_after_delete),
        T(test_tid_lookup_has_no_side_effects),
        T(test_tid_local_of),
        T(test_tid_lookup_local_found),
        T(test_tid_lookup_local_other_space),
        T(test_tid_lookup_local_unknown_or_special),
        T(test_tid_lookup_local_special_in_used_bucket),
        T(test_tid_lookup_local_inactive_not_found),
        T(test_tid_lookup_local_ignores_forged_utcb),
        T(test_tid_lookup_local_after_delete),
        T(test_tid_lookup_local_many_threads),
        T(test_tid_local_bucket_spreads_utcb_slots),
        T(test_tid_local_chain_shared_bucket),
        T(test_tid_lookup_local_same_utcb_other_space),
        T(test_tid_local_register_twice_panics),
        T(test_tid_local_register_without_utcb_panics),
        T(test_tid_local_register_without_space_panics),
        T(test_tid_local_unregister_not_registered_noop),
        T(test_tid_local_unregister_corrupt_chain_panics),
        T(test_tcb_area_init_forgets_local_ids),
        T(test_tcb_area_init_forgets_every_bucket),
        T(test_tid_lookup_beyond_area),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
