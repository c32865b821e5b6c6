/*
 * The kernel's small printf, writing through arch_console_putc().
 * Conversions: %c %s %d %i %u %x %X %p %%, with an optional '0' flag, a
 * field width, and the 'l' / 'll' length modifiers (ll = 64 bits). A NULL
 * %s prints "(null)". No floating point, no allocation, no 64-bit division
 * (so it links without libgcc on i686).
 */
#ifndef CORE_KPRINTF_H
#define CORE_KPRINTF_H

#include <core/types.h>
#include <stdarg.h>

/* Print `fmt` with arguments; returns the number of characters written. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* As kprintf with a va_list. */
int kvprintf(const char *fmt, va_list ap);

/* Divide *n by `d` (2..65535) in place with 32-bit arithmetic only; returns the remainder. */
unsigned div64_small(uint64_t *n, unsigned d);

#endif
