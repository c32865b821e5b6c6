/* Host tests of address-space objects (src/core/space.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/fpage.h>
#include <core/mdb.h>
#include <core/space.h>
#include <mock/hooks.h>
#include <mock/pagetable.h>
#include <mock/space.h>

static int setup(void **state)
{
    mock_reset();
    mock_pt_reset();
    mock_space_init_failures = 0;
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(space_count(), 0);
    assert_int_equal(mock_spaces_live, 0);
    assert_int_equal(mock_pages_outstanding(), 0);
    return 0;
}

static void test_space_create_is_uninitialised(void **state)
{
    struct space *s = space_create();
    assert_non_null(s);
    assert_int_equal(space_count(), 1);
    assert_int_equal(mock_spaces_live, 1);
    assert_false(space_initialised(s));
    assert_int_equal(s->redirector, TID_ANY);
    assert_int_equal(s->kip_area, 0);
    assert_int_equal(s->thread_count, 0);
    assert_false(s->privileged);
    assert_false(s->is_sigma0);
    s->utcb_area = fpage_make(0xBF000000u, 17, 0);
    assert_true(space_initialised(s));
    space_destroy(s);
}

static void test_space_create_out_of_memory(void **state)
{
    mock_page_alloc_failures = 1;            /* the kmem cache gets no page */
    assert_null(space_create());
    assert_int_equal(space_count(), 0);
    mock_page_alloc_failures = 0;
    mock_space_init_failures = 1;            /* the machine state cannot be set up */
    assert_null(space_create());
    assert_int_equal(space_count(), 0);
    assert_int_equal(mock_spaces_live, 0);
}

static void test_space_destroy_removes_mappings(void **state)
{
    struct space *s0 = space_create(), *a = space_create(), *b = space_create();
    assert_non_null(s0);
    assert_non_null(a);
    assert_non_null(b);
    s0->is_sigma0 = true;
    assert_int_equal(mdb_map(s0, 0x00100000u, a, 0x00400000u, 14, FPAGE_RIGHTS_RWX, false), MDB_OK);
    assert_int_equal(mdb_map(a, 0x00400000u, b, 0x00800000u, 14, FPAGE_RIGHTS_R, false), MDB_OK);
    assert_int_equal(mdb_node_count(), 12);   /* 4 roots, 4 pages in a, 4 in b */
    space_destroy(a);                        /* b's mappings were derived from a's */
    assert_int_equal(mdb_node_count(), 0);
    assert_int_equal(mock_pt_node_entries(b), 0);
    space_destroy(b);
    space_destroy(s0);
    assert_int_equal(mdb_root_count(), 0);
}

static void test_space_destroy_with_threads_panics(void **state)
{
    struct space *s = space_create();
    assert_non_null(s);
    s->thread_count = 1;
    assert_true(MOCK_EXPECT_PANIC(space_destroy(s)));
    s->thread_count = 0;
    space_destroy(s);
}

static void test_space_many_create_destroy(void **state)
{
    struct space *s[100];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 100; i++) {
            s[i] = space_create();
            assert_non_null(s[i]);
        }
        assert_int_equal(space_count(), 100);
        for (int i = 99; i >= 0; i--)
            space_destroy(s[i]);
        assert_int_equal(space_count(), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_space_create_is_uninitialised, setup, teardown),
        cmocka_unit_test_setup_teardown(test_space_create_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_space_destroy_removes_mappings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_space_destroy_with_threads_panics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_space_many_create_destroy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
