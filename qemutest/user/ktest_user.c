/* User-side test reporting; see ktest_user.h. */
#include "ktest_user.h"

static unsigned passed, failed;

void ktu_print(const char *s)
{
    L4_KDB_PrintString(s);
}

void ktu_print_dec(unsigned v)
{
    char buf[12];
    int i = 11;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ktu_print(&buf[i]);
}

void ktu_print_hex(unsigned v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
    buf[10] = 0;
    ktu_print(buf);
}

int ktu_check(const char *name, int cond, const char *why)
{
    ktu_print("[TEST:START] ");
    ktu_print(name);
    ktu_print("\n");
    if (cond) {
        passed++;
        ktu_print("[TEST:PASS] ");
        ktu_print(name);
        ktu_print("\n");
    } else {
        failed++;
        ktu_print("[TEST:FAIL] ");
        ktu_print(name);
        ktu_print(": ");
        ktu_print(why);
        ktu_print("\n");
    }
    return cond;
}

_Noreturn void ktu_finish(void)
{
    ktu_print("[TEST:SUMMARY] passed=");
    ktu_print_dec(passed);
    ktu_print(" failed=");
    ktu_print_dec(failed);
    ktu_print("\n[TEST:EXIT] ");
    ktu_print(failed ? "1" : "0");
    ktu_print("\n");
    for (;;)
        L4_KDB_Enter("test finished but the kernel did not end the run");
}
