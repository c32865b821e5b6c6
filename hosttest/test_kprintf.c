/* Host tests of the kernel printf (src/core/kprintf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <core/kprintf.h>
#include <mock/hooks.h>
#include <string.h>

static int setup(void **state)
{
    mock_reset();
    return 0;
}

/* Print with kprintf and compare the console output and the returned count. */
#define CHECK_PRINT(expect, ...)                                  \
    do {                                                          \
        mock_reset();                                             \
        int n_ = kprintf(__VA_ARGS__);                            \
        assert_string_equal(mock_console, (expect));              \
        assert_int_equal(n_, (int)strlen(expect));                \
    } while (0)

static void test_kprintf_plain_text(void **state)
{
    CHECK_PRINT("hello, kernel\n", "hello, kernel\n");
}

static void test_kprintf_decimal(void **state)
{
    CHECK_PRINT("0 42 -7 4294967295", "%d %u %d %u", 0, 42u, -7, 0xFFFFFFFFu);
    CHECK_PRINT("-2147483648", "%d", (int)0x80000000u);
    CHECK_PRINT("18446744073709551615", "%llu", 0xFFFFFFFFFFFFFFFFull);
    CHECK_PRINT("-9223372036854775808", "%lld", (long long)0x8000000000000000ull);
    CHECK_PRINT("123456789012", "%lld", 123456789012ll);
    CHECK_PRINT("77", "%lu", 77ul);
    CHECK_PRINT("-5", "%li", -5l);
}

static void test_kprintf_hex_and_padding(void **state)
{
    CHECK_PRINT("deadbeef DEADBEEF", "%x %X", 0xDEADBEEFu, 0xDEADBEEFu);
    CHECK_PRINT("0000002a", "%08x", 42u);
    CHECK_PRINT("   42", "%5d", 42);
    CHECK_PRINT("-0042", "%05d", -42);
    CHECK_PRINT("  -42", "%5d", -42);
    CHECK_PRINT("0x00001000", "%p", (void *)(uintptr_t)0x1000);
    CHECK_PRINT("123456789abcdef0", "%llx", 0x123456789ABCDEF0ull);
}

/* kvprintf without the compiler's format checking, for malformed formats. */
static int print_unchecked(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

static void test_kvprintf_malformed_and_null(void **state)
{
    const char *null_str = NULL;
    mock_reset();
    assert_int_equal(print_unchecked("%s", null_str), 6);
    assert_string_equal(mock_console, "(null)");
    mock_reset();
    assert_int_equal(print_unchecked("%q"), 2);
    assert_string_equal(mock_console, "%q");
    mock_reset();
    assert_int_equal(print_unchecked("end%"), 3);
    assert_string_equal(mock_console, "end");
}

static void test_kprintf_strings_chars_percent(void **state)
{
    CHECK_PRINT("a x y%z", "%c %s %s%%%c", 'a', "x", "y", 'z');
    CHECK_PRINT("   ab", "%5s", "ab");
}

static void test_div64_small_matches_native(void **state)
{
    uint64_t values[] = {0, 1, 9, 10, 65535, 65536, 0xFFFFFFFFull, 0x100000000ull,
                         0x123456789ABCDEFull, 0xFFFFFFFFFFFFFFFFull};
    unsigned divisors[] = {2, 3, 10, 16, 255, 65535};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        for (size_t j = 0; j < sizeof divisors / sizeof divisors[0]; j++) {
            uint64_t n = values[i];
            unsigned r = div64_small(&n, divisors[j]);
            assert_true(n == values[i] / divisors[j]);
            assert_int_equal(r, values[i] % divisors[j]);
        }
    }
}

/* ---- gaps found by mutation testing (issue 12) ------------------------------------ */

static void test_kprintf_width_with_zero_digit(void **state)
{
    CHECK_PRINT("        42", "%10d", 42);
    CHECK_PRINT("0000000042", "%010d", 42);
    CHECK_PRINT("       -42", "%10d", -42);
    CHECK_PRINT("-000000042", "%010d", -42);
    CHECK_PRINT("                  ff", "%20x", 0xFFu);
    CHECK_PRINT("      ab", "%8s", "ab");
    CHECK_PRINT("        9", "%9u", 9u);                 /* 9 is a width digit too */
    CHECK_PRINT("   |", "%3s|", "");                     /* the empty string padded */
    CHECK_PRINT("                                                                                                   7",
                "%100u", 7u);
}

static void test_kprintf_pointer_hex_letters(void **state)
{
    CHECK_PRINT("0xdeadbeef", "%p", (void *)(uintptr_t)0xDEADBEEFu);
    CHECK_PRINT("0x00000abc", "%p", (void *)(uintptr_t)0xABCu);
    CHECK_PRINT("0x00000000cafe", "%12p", (void *)(uintptr_t)0xCAFEu);
    CHECK_PRINT("0x0000f00d", "%4p", (void *)(uintptr_t)0xF00Du);
    CHECK_PRINT("0x00000f00d", "%9p", (void *)(uintptr_t)0xF00Du);
}

static void test_kprintf_long_is_fetched_as_long(void **state)
{
    /* (on the host a long has 64 bits: a value beyond 32 bits shows it) */
    CHECK_PRINT("4294967296 -4294967296", "%ld %ld", 4294967296l, -4294967296l);
    CHECK_PRINT("4294967296", "%lu", 4294967296ul);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_kprintf_plain_text, setup),
        cmocka_unit_test_setup(test_kprintf_decimal, setup),
        cmocka_unit_test_setup(test_kprintf_hex_and_padding, setup),
        cmocka_unit_test_setup(test_kprintf_strings_chars_percent, setup),
        cmocka_unit_test_setup(test_kvprintf_malformed_and_null, setup),
        cmocka_unit_test_setup(test_div64_small_matches_native, setup),
        cmocka_unit_test_setup(test_kprintf_width_with_zero_digit, setup),
        cmocka_unit_test_setup(test_kprintf_pointer_hex_letters, setup),
        cmocka_unit_test_setup(test_kprintf_long_is_fetched_as_long, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
