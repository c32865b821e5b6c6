/* Host tests of the fixed-size object allocator (src/core/kmem.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/kmem.h>
#include "kmem_fixture.h"
#include <stdlib.h>
#include <string.h>

/* True if kmem_free(c, obj) panics. (Own setjmp with a volatile flag: the
 * MOCK_EXPECT_PANIC macro's flag draws -Wclobbered from GCC at -O1.) */
static bool free_panics(struct kmem_cache *c, void *obj)
{
    volatile bool panicked = false;
    mock_panic_armed = 1;
    if (setjmp(mock_panic_jmp) == 0)
        kmem_free(c, obj);
    else
        panicked = true;
    mock_panic_armed = 0;
    return panicked;
}

/* True if kmem_cache_init(c, size) panics. */
static bool init_panics(struct kmem_cache *c, size_t size)
{
    volatile bool panicked = false;
    mock_panic_armed = 1;
    if (setjmp(mock_panic_jmp) == 0)
        kmem_cache_init(c, size);
    else
        panicked = true;
    mock_panic_armed = 0;
    return panicked;
}

static void test_kmem_cache_init_rounds_size(void **state)
{
    (void)state;
    struct kmem_cache c;
    kmem_cache_init(&c, 1);
    assert_int_equal(c.obj_size, 2 * sizeof(void *));   /* room for the free-list link and magic */
    kmem_cache_init(&c, 20);
    assert_int_equal(c.obj_size % sizeof(void *), 0);
    assert_true(c.obj_size >= 20);
    /* rounded up, never down: one byte over a multiple takes a whole pointer more */
    for (size_t size = 2 * sizeof(void *); size <= 8 * sizeof(void *); size++) {
        kmem_cache_init(&c, size);
        assert_int_equal(c.obj_size, (size + sizeof(void *) - 1) / sizeof(void *) * sizeof(void *));
    }
    kmem_cache_init(&c, 20);
    assert_true(c.per_page * c.obj_size <= KMEM_PAGE_SIZE);
    assert_true(c.per_page > 4096 / 24 - 10);
    assert_int_equal(kmem_live(&c), 0);
    assert_int_equal(kmem_pages(&c), 0);
}

static void test_kmem_cache_init_too_large_panics(void **state)
{
    (void)state;
    struct kmem_cache c;
    assert_true(init_panics(&c, KMEM_PAGE_SIZE));
    assert_false(init_panics(&c, 64));
}

static void test_kmem_alloc_zeroed_distinct_aligned(void **state)
{
    (void)state;
    struct kmem_cache c;
    kmem_cache_init(&c, 40);
    unsigned char *a = kmem_alloc(&c);
    unsigned char *b = kmem_alloc(&c);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_int_equal((uintptr_t)a % sizeof(void *), 0);
    for (size_t i = 0; i < 40; i++)
        assert_int_equal(a[i], 0);
    memset(a, 0xAB, 40);
    kmem_free(&c, a);
    unsigned char *again = kmem_alloc(&c);
    assert_ptr_equal(again, a);            /* reused, and zeroed again */
    for (size_t i = 0; i < 40; i++)
        assert_int_equal(again[i], 0);
    assert_int_equal(kmem_live(&c), 2);
    kmem_free(&c, again);
    kmem_free(&c, b);
    assert_int_equal(kmem_pages(&c), 0);
}

static void test_kmem_free_returns_empty_pages(void **state)
{
    (void)state;
    struct kmem_cache c;
    kmem_cache_init(&c, 64);
    unsigned n = 3 * c.per_page + 1;
    void **objs = calloc(n, sizeof(void *));
    for (unsigned i = 0; i < n; i++) {
        objs[i] = kmem_alloc(&c);
        assert_non_null(objs[i]);
        /* no object straddles a page */
        assert_true(((uintptr_t)objs[i] & 4095u) + 64 <= 4096);
    }
    assert_int_equal(kmem_pages(&c), 4);
    assert_int_equal(mock_pages_outstanding(), 4);
    /* the first page's objects: that page goes back at once */
    for (unsigned i = 0; i < c.per_page; i++)
        kmem_free(&c, objs[i]);
    assert_int_equal(kmem_pages(&c), 3);
    assert_int_equal(mock_pages_outstanding(), 3);
    /* every other remaining object, then the rest */
    for (unsigned i = c.per_page; i < n; i += 2)
        kmem_free(&c, objs[i]);
    for (unsigned i = c.per_page + 1; i < n; i += 2)
        kmem_free(&c, objs[i]);
    assert_int_equal(kmem_pages(&c), 0);
    assert_int_equal(kmem_live(&c), 0);
    free(objs);
}

static void test_kmem_alloc_out_of_memory(void **state)
{
    (void)state;
    struct kmem_cache c;
    kmem_cache_init(&c, 16);
    mock_page_alloc_failures = 1;
    assert_null(kmem_alloc(&c));
    assert_int_equal(kmem_live(&c), 0);
    void *a = kmem_alloc(&c);
    assert_non_null(a);
    kmem_free(&c, a);
}

static void test_kmem_free_foreign_object_panics(void **state)
{
    (void)state;
    struct kmem_cache c, d;
    kmem_cache_init(&c, 16);
    kmem_cache_init(&d, 16);
    void *a = kmem_alloc(&c);
    void *keep = kmem_alloc(&c);
    assert_true(free_panics(&d, a));
    assert_true(free_panics(&c, NULL));
    kmem_free(&c, a);
    kmem_free(&c, keep);
    assert_int_equal(kmem_pages(&c), 0);
}

static void test_kmem_free_twice_panics(void **state)
{
    (void)state;
    struct kmem_cache c;
    kmem_cache_init(&c, 32);
    uintptr_t *a = kmem_alloc(&c);
    uintptr_t *b = kmem_alloc(&c);
    kmem_free(&c, a);
    assert_true(free_panics(&c, a));
    /* an object in use whose data happens to look free is not a double free */
    uintptr_t *d = kmem_alloc(&c);
    assert_ptr_equal(d, a);
    uintptr_t *e = kmem_alloc(&c);
    kmem_free(&c, b);
    memcpy(e, b, 2 * sizeof(uintptr_t));   /* e now carries b's free-list words */
    assert_false(free_panics(&c, e));
    kmem_free(&c, d);
    assert_int_equal(kmem_pages(&c), 0);
}

static void test_kmem_random_against_model(void **state)
{
    (void)state;
    unsigned seed = 0xC0FFEEu;
    print_message("kmem random test: seed 0x%x\n", seed);
    srand(seed);
    struct kmem_cache c;
    kmem_cache_init(&c, 48);
    enum { N = 700 };
    unsigned char *objs[N] = { 0 };
    unsigned live = 0;
    for (unsigned step = 0; step < 20000; step++) {
        unsigned i = (unsigned)rand() % N;
        if (objs[i]) {
            for (unsigned k = 0; k < 48; k++)
                assert_int_equal(objs[i][k], (unsigned char)i);
            kmem_free(&c, objs[i]);
            objs[i] = NULL;
            live--;
        } else {
            objs[i] = kmem_alloc(&c);
            assert_non_null(objs[i]);
            memset(objs[i], (int)(unsigned char)i, 48);
            live++;
        }
        assert_int_equal(kmem_live(&c), live);
        assert_true(kmem_pages(&c) * c.per_page >= live);
    }
    for (unsigned i = 0; i < N; i++)
        if (objs[i])
            kmem_free(&c, objs[i]);
    assert_int_equal(kmem_pages(&c), 0);
}

/* ---- gaps found by mutation testing (issue 12) ------------------------------------ */

static void test_kmem_two_partial_pages_both_reused(void **state)
{
    (void)state;
    struct kmem_cache c;
    kmem_cache_init(&c, 256);
    unsigned n = c.per_page;
    void *obj[3][64];
    assert_true(n <= 64);
    for (unsigned p = 0; p < 3; p++)
        for (unsigned i = 0; i < n; i++)
            assert_non_null(obj[p][i] = kmem_alloc(&c));
    assert_int_equal(kmem_pages(&c), 3);
    /* two full pages become partial one after the other: both are found again */
    kmem_free(&c, obj[0][0]);
    kmem_free(&c, obj[1][0]);
    assert_non_null(obj[0][0] = kmem_alloc(&c));
    assert_non_null(obj[1][0] = kmem_alloc(&c));
    assert_int_equal(kmem_pages(&c), 3);
    for (unsigned p = 0; p < 3; p++)
        for (unsigned i = 0; i < n; i++)
            kmem_free(&c, obj[p][i]);
    assert_int_equal(kmem_pages(&c), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kmem_cache_init_rounds_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kmem_cache_init_too_large_panics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kmem_alloc_zeroed_distinct_aligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kmem_free_returns_empty_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kmem_alloc_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kmem_free_foreign_object_panics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kmem_free_twice_panics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kmem_random_against_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kmem_two_partial_pages_both_reused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
