/* Fixture of the object allocator's host tests (test_kmem*.c): fresh mocks
 * before each test; after it, every page went back and none was misused. */
#ifndef KMEM_FIXTURE_H
#define KMEM_FIXTURE_H

#include <mock/hooks.h>
#include <mock/pagetable.h>

static int setup(void **state)
{
    (void)state;
    mock_reset();
    mock_pt_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(mock_pages_outstanding(), 0);
    assert_int_equal(mock_page_errors, 0);
    return 0;
}

#endif
