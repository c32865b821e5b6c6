/*
 * In-kernel test harness for QEMU tests: prints the machine-readable lines
 * the runner parses ([TEST:START|PASS|FAIL|SUMMARY|EXIT]) and ends the run
 * through the isa-debug-exit port.
 */
#ifndef ARCH_KTEST_H
#define ARCH_KTEST_H

#include <stdint.h>

void ktest_start(const char *name);
void ktest_pass(const char *name);
void ktest_fail(const char *name, const char *why);
/* Check `cond`; prints START and PASS or FAIL for `name`. Returns cond. */
int ktest_check(const char *name, int cond, const char *why);

/* Print SUMMARY and EXIT and leave QEMU (exit code 0 iff no failure). */
_Noreturn void ktest_finish(void);

/* Leave QEMU with `code` through isa-debug-exit (Bochs through its shutdown
 * port, the code is on the serial line); halts if neither is there. */
_Noreturn void machine_exit(unsigned code);

/* Vector of the exception the running self-test provokes, or -1. */
extern int ktest_expected_vector;
/* Name of the running self-test that expects the exception. */
extern const char *ktest_expected_name;
/* Nonzero while a test run is active (unexpected exceptions end it as FAIL). */
extern int ktest_active;

#endif
