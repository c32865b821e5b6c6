/*
 * [TEST:*] lines from user programs, printed through the kernel debugger
 * console. A program ends the QEMU run with ktu_finish(), whose
 * "[TEST:EXIT] n" line the kernel (booted with "testexit") turns into the
 * exit code.
 */
#ifndef KTEST_USER_H
#define KTEST_USER_H

#include <l4/kdebug.h>

void ktu_print(const char *s);
/* Print `v` in decimal. */
void ktu_print_dec(unsigned v);
void ktu_print_hex(unsigned v);
/* Report `name` as passed when cond holds, else failed with `why`. */
int ktu_check(const char *name, int cond, const char *why);
/* Print SUMMARY and EXIT; the kernel ends the run. */
_Noreturn void ktu_finish(void);

#endif
