/* In-kernel test harness; see arch/ktest.h. */
#include <arch/ktest.h>
#include <core/kprintf.h>

int ktest_expected_vector = -1;
const char *ktest_expected_name;
int ktest_active;
static unsigned passed, failed;

void ktest_start(const char *name)
{
    ktest_active = 1;
    kprintf("[TEST:START] %s\n", name);
}

void ktest_pass(const char *name)
{
    passed++;
    kprintf("[TEST:PASS] %s\n", name);
}

void ktest_fail(const char *name, const char *why)
{
    failed++;
    kprintf("[TEST:FAIL] %s: %s\n", name, why);
}

int ktest_check(const char *name, int cond, const char *why)
{
    ktest_start(name);
    if (cond)
        ktest_pass(name);
    else
        ktest_fail(name, why);
    return cond;
}

_Noreturn void ktest_finish(void)
{
    kprintf("[TEST:SUMMARY] passed=%u failed=%u\n", passed, failed);
    kprintf("[TEST:EXIT] %u\n", failed ? 1u : 0u);
    machine_exit(failed ? 1u : 0u);
}
