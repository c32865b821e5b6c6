/* Host tests of the fpage helpers (core/fpage.h) against the ABI's worked encodings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/fpage.h>

static void test_fpage_decode_abi_vectors(void **state)
{
    /* ABI 10: 4 KB fpage at 1 MB, rw = 0x001000C6 */
    fpage_t f = 0x001000C6u;
    assert_false(fpage_is_io(f));
    assert_false(fpage_is_complete(f));
    assert_int_equal(fpage_log2(f), 12);
    assert_int_equal(fpage_base(f), 0x00100000u);
    assert_int_equal(fpage_rights(f), FPAGE_RIGHTS_R | FPAGE_RIGHTS_W);
    assert_true(fpage_is_mappable(f));
    assert_int_equal(fpage_make(0x00100000u, 12, 6), f);
    /* map item send fpage 0x123450C0: 4 KB at 0x12345000, no rights */
    assert_int_equal(fpage_base(0x123450C0u), 0x12345000u);
    assert_int_equal(fpage_rights(0x123450C0u), 0);
}

static void test_fpage_complete_and_nil(void **state)
{
    assert_true(fpage_is_nil(FPAGE_NIL));
    assert_false(fpage_is_nil(FPAGE_COMPLETE));
    assert_true(fpage_is_complete(FPAGE_COMPLETE));
    assert_true(fpage_is_complete(FPAGE_COMPLETE | 7u));
    assert_int_equal(fpage_log2(FPAGE_COMPLETE), 32);
    assert_int_equal(fpage_base(FPAGE_COMPLETE), 0);
    assert_true(fpage_size(FPAGE_COMPLETE) == ((uint64_t)1 << 32));
    assert_true(fpage_is_mappable(FPAGE_COMPLETE));
    assert_int_equal(fpage_make(0x1234u, 32, 7), FPAGE_COMPLETE | 7u);
    assert_false(fpage_is_mappable(FPAGE_NIL));
}

static void test_fpage_base_ignores_unaligned_bits(void **state)
{
    /* 16 KB fpage whose word carries base bits below the size */
    fpage_t f = 0x00403000u | (14u << 4) | 4u;
    assert_int_equal(fpage_base(f), 0x00400000u);
    /* tiny (sub-page) fpages keep bits 31..10 and are not mappable */
    fpage_t tiny = 0x00000C00u | (10u << 4);
    assert_int_equal(fpage_base(tiny), 0x00000C00u);
    assert_false(fpage_is_mappable(tiny));
    /* s = 31 */
    assert_int_equal(fpage_base(0x80000000u | (31u << 4)), 0x80000000u);
}

static void test_fpage_io(void **state)
{
    fpage_t com1 = fpage_io_make(0x3F8, 3);
    assert_true(fpage_is_io(com1));
    assert_false(fpage_is_complete(com1));
    assert_false(fpage_is_mappable(com1));
    assert_int_equal(fpage_io_port(com1), 0x3F8);
    assert_int_equal(fpage_io_log2(com1), 3);
    assert_true(fpage_io_valid(com1));
    assert_false(fpage_io_valid(fpage_io_make(0x3F9, 3)));   /* unaligned */
    assert_true(fpage_io_valid(fpage_io_make(0, 16)));        /* complete IO space */
    assert_false(fpage_io_valid(fpage_io_make(0, 17)));       /* too large */
    assert_false(fpage_io_valid(0x001000C6u));               /* memory fpage */
}

static void test_range_overlaps_edges(void **state)
{
    assert_true(range_overlaps(0x1000, 12, 0x1000, 12));
    assert_false(range_overlaps(0x1000, 12, 0x2000, 12));
    assert_false(range_overlaps(0x2000, 12, 0x1000, 12));
    assert_true(range_overlaps(0x0, 32, 0xFFFFF000u, 12));
    assert_true(range_overlaps(0xBF000000u, 17, 0xBF010000u, 12));
    assert_false(range_overlaps(0xBF000000u, 17, 0xBFF00000u, 12));
}

/* fpage_base below and above the 2^10 border (the word's bits 9..0 hold
 * the size and the rights), fpage_is_mappable above 2^32, and fpage_make
 * for an unaligned base and for the complete space with partial rights. */
static void test_fpage_base_and_make_borders(void **state)
{
    (void)state;
    assert_int_equal(fpage_base(0x00001C00u | (4u << 4) | 7u), 0x00001C00u);
    assert_int_equal(fpage_base(0x00001C00u | (11u << 4)), 0x00001800u);
    assert_false(fpage_is_mappable(33u << 4));
    assert_true(fpage_is_mappable(0x00003000u | (12u << 4)));
    assert_int_equal(fpage_make(0x00003457u, 12, 4), 0x00003000u | (12u << 4) | 4u);
    assert_int_equal(fpage_make(0, 32, 4), FPAGE_COMPLETE | 4u);
    assert_int_equal(fpage_make(0, 32, 0), FPAGE_COMPLETE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fpage_decode_abi_vectors),
        cmocka_unit_test(test_fpage_complete_and_nil),
        cmocka_unit_test(test_fpage_base_ignores_unaligned_bits),
        cmocka_unit_test(test_fpage_base_and_make_borders),
        cmocka_unit_test(test_fpage_io),
        cmocka_unit_test(test_range_overlaps_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
