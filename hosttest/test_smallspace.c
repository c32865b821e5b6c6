/* Host tests of small-space descriptors and slots (src/core/smallspace.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/fpage.h>
#include <core/smallspace.h>
#include <core/space.h>
#include <mock/hooks.h>
#include <mock/pagetable.h>
#include <mock/space.h>

static int setup(void **state)
{
    (void)state;
    mock_reset();
    mock_pt_reset();
    mock_smallspace_calls = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(space_count(), 0);
    assert_int_equal(smallspace_used(), 0);
    return 0;
}

/* A space initialised with its KIP area at kip and UTCB area at utcb (4 KB each). */
static struct space *space_with_areas(word_t kip, word_t utcb)
{
    struct space *s = space_create();
    assert_non_null(s);
    s->kip_area = fpage_make(kip, 12, 0);
    s->utcb_area = fpage_make(utcb, 12, 0);
    return s;
}

static void decode_is(word_t desc, word_t offset, word_t size)
{
    struct smallspace_slot slot = { 1, 1 };
    assert_true(smallspace_decode(desc, &slot));
    assert_int_equal(slot.offset, offset);
    assert_int_equal(slot.size, size);
}

static void decode_fails(word_t desc)
{
    struct smallspace_slot slot = { 1, 1 };
    assert_false(smallspace_decode(desc, &slot));
    assert_int_equal(slot.offset, 1);
    assert_int_equal(slot.size, 1);
}

static void test_smallspace_decode(void **state)
{
    (void)state;
    decode_is(0x01, 0, 0x400000u);                   /* p = 0: 4 MB at 0 */
    decode_is(0x03, 0x400000u, 0x400000u);           /* 4 MB at 4 MB */
    decode_is(0x1F, 0x3C00000u, 0x400000u);          /* the last 4 MB slot */
    decode_is(0x02, 0, 0x800000u);                   /* p = 1: 8 MB */
    decode_is(0x06, 0x800000u, 0x800000u);
    decode_is(0x1E, 0x3800000u, 0x800000u);
    decode_is(0x08, 0, 0x2000000u);                  /* 32 MB */
    decode_is(0x18, 0x2000000u, 0x2000000u);
    decode_is(0x10, 0, 0x4000000u);                  /* the whole 64 MB window */
    decode_is(0x101, 0, 0x400000u);                  /* bits above 7 are not the descriptor */
    decode_fails(0);
    decode_fails(0x100);
    decode_fails(0x21);                              /* 4 MB at 64 MB: beyond the window */
    decode_fails(0x30);                              /* 64 MB at 64 MB */
    decode_fails(0x20);                              /* 128 MB */
    decode_fails(0x80);                              /* 512 MB */
    decode_fails(0xFF);
    /* every descriptor: valid exactly when its slot ends inside the window, aligned */
    for (word_t d = 1; d < 256; d++) {
        struct smallspace_slot slot;
        unsigned p = 0;
        while (!(d & (1u << p)))
            p++;
        word_t size = 0x400000u << p, off = (d & ~(1u << p)) * 0x200000u;
        bool ok = smallspace_decode(d, &slot);
        assert_int_equal(ok, (uint64_t)off + size <= SMALLSPACE_WINDOW_SIZE);
        if (ok) {
            assert_int_equal(slot.offset % slot.size, 0);
            assert_int_equal(slot.offset, off);
        }
    }
}

static void test_smallspace_change_and_back(void **state)
{
    (void)state;
    struct space *s = space_with_areas(0x1000, 0x2000);
    assert_true(smallspace_change(s, 0x03));
    assert_int_equal(s->small_desc, 0x03);
    assert_int_equal(smallspace_used(), 0x2);
    assert_int_equal(mock_smallspace_calls, 1);
    assert_true(mock_smallspace_last.small);
    assert_ptr_equal(mock_smallspace_last.space, s);
    assert_int_equal(mock_smallspace_last.offset, 0x400000u);
    assert_int_equal(mock_smallspace_last.size, 0x400000u);
    /* the same slot again: large first, then small */
    assert_true(smallspace_change(s, 0x03));
    assert_int_equal(mock_smallspace_calls, 3);
    assert_int_equal(smallspace_used(), 0x2);
    /* move to an overlapping bigger slot of its own: 16 MB at 0 */
    assert_true(smallspace_change(s, 0x04));
    assert_int_equal(smallspace_used(), 0xF);
    assert_int_equal(mock_smallspace_last.size, 0x1000000u);
    assert_int_equal(mock_smallspace_last.offset, 0);
    /* back to large */
    assert_true(smallspace_change(s, 0));
    assert_int_equal(s->small_desc, 0);
    assert_int_equal(smallspace_used(), 0);
    assert_false(mock_smallspace_last.small);
    unsigned calls = mock_smallspace_calls;
    /* large to large: nothing for the machine layer to do */
    assert_true(smallspace_change(s, 0));
    assert_int_equal(mock_smallspace_calls, calls);
    space_destroy(s);
}

static void test_smallspace_refusals_change_nothing(void **state)
{
    (void)state;
    struct space *a = space_with_areas(0x1000, 0x2000);
    struct space *b = space_with_areas(0x1000, 0x2000);
    struct space *far = space_with_areas(0xBFF00000u, 0xBF000000u);
    struct space *fresh = space_create();
    assert_true(smallspace_change(a, 0x06));               /* 8 MB at 8 MB: units 2, 3 */
    unsigned calls = mock_smallspace_calls;
    assert_false(smallspace_change(b, 0x06));              /* the same slot */
    assert_false(smallspace_change(b, 0x07));              /* 4 MB at 12 MB, inside a's */
    assert_false(smallspace_change(b, 0x05));              /* 4 MB at 8 MB */
    assert_false(smallspace_change(b, 0x04));              /* 16 MB at 0 covers a's */
    assert_false(smallspace_change(b, 0x10));              /* the whole window */
    assert_false(smallspace_change(b, 0x21));              /* beyond the window */
    assert_false(smallspace_change(far, 0x01));            /* areas outside the slot */
    assert_false(smallspace_change(fresh, 0x01));          /* not initialised */
    assert_int_equal(mock_smallspace_calls, calls);
    assert_int_equal(b->small_desc, 0);
    assert_int_equal(smallspace_used(), 0xC);
    /* a's refusal to move keeps it where it was */
    assert_false(smallspace_change(a, 0x21));
    assert_int_equal(a->small_desc, 0x06);
    /* the areas must end inside the slot: the last page of 4 MB, or beyond */
    b->utcb_area = fpage_make(0x3FE000u, 13, 0);
    b->kip_area = fpage_make(0x400000u, 12, 0);
    assert_false(smallspace_change(b, 0x01));
    b->kip_area = fpage_make(0x3FD000u, 12, 0);
    assert_true(smallspace_change(b, 0x01));
    b->kip_area = fpage_make(0x400000u, 12, 0);
    assert_true(smallspace_change(b, 0x02));               /* 8 MB at 0 holds both */
    assert_int_equal(smallspace_used(), 0xF);
    /* destroying a small space frees its slot */
    space_destroy(a);
    assert_int_equal(smallspace_used(), 0x3);
    assert_false(mock_smallspace_last.small);
    assert_ptr_equal(mock_smallspace_last.space, a);
    space_destroy(b);
    space_destroy(far);
    space_destroy(fresh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_smallspace_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smallspace_change_and_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smallspace_refusals_change_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
