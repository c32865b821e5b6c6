/*
 * In-kernel test harness for QEMU tests: prints the machine-readable lines
 * the runner parses ([TEST:START|PASS|FAIL|SUMMARY|EXIT]) and ends the run
 * through the isa-debug-exit port.
 *
 * Only the test kernel (kernel-test.elf, L4_TEST_KERNEL=1) carries it. The
 * kernel a user boots (kernel.elf, L4_TEST_KERNEL=0) sees constants instead:
 * no test is ever active or expects an exception, so every check of the
 * callers folds away and no harness code or data is linked.
 */
#ifndef ARCH_KTEST_H
#define ARCH_KTEST_H

#include <stdint.h>

/* Leave QEMU with `code` through isa-debug-exit; halts if the port is absent. */
_Noreturn void machine_exit(unsigned code);

#if L4_TEST_KERNEL

void ktest_start(const char *name);
void ktest_pass(const char *name);
void ktest_fail(const char *name, const char *why);
/* Check `cond`; prints START and PASS or FAIL for `name`. Returns cond. */
int ktest_check(const char *name, int cond, const char *why);

/* Print SUMMARY and EXIT and leave QEMU (exit code 0 iff no failure). */
_Noreturn void ktest_finish(void);

/* Vector of the exception the running self-test provokes, or -1. */
extern int ktest_expected_vector;
/* Name of the running self-test that expects the exception. */
extern const char *ktest_expected_name;
/* Nonzero while a test run is active (unexpected exceptions end it as FAIL). */
extern int ktest_active;

#else /* the production kernel: no harness */

static const int ktest_expected_vector __attribute__((unused)) = -1;
static const char *const ktest_expected_name __attribute__((unused)) = 0;
static const int ktest_active __attribute__((unused)) = 0;

/* (always inlined: no stub of the harness is linked either) */
static inline __attribute__((always_inline)) void ktest_pass(const char *name)
{
    (void)name;
}

static inline __attribute__((always_inline)) void ktest_fail(const char *name, const char *why)
{
    (void)name;
    (void)why;
}

static inline __attribute__((always_inline)) _Noreturn void ktest_finish(void)
{
    machine_exit(1u);
}

#endif
#endif
