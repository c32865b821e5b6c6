/*
 * Controls and observations of the fake machine that host tests link
 * instead of src/arch/x86. Every hook of core/arch_hooks.h is implemented in
 * the mocks/ sources as a stateful fake; tests steer it through these variables.
 */
#ifndef MOCK_HOOKS_H
#define MOCK_HOOKS_H

#include <core/arch_hooks.h>
#include <setjmp.h>

/* Time returned by arch_timer_now(). */
extern uint64_t mock_time_us;

/* Thread returned by arch_current(); arch_switch_to() updates it. */
extern struct tcb *mock_current;

/* Number of arch_switch_to() calls and the last pair. */
extern unsigned mock_switch_count;
extern struct tcb *mock_switch_from, *mock_switch_to;

/* When nonzero, arch_tcb_alloc() fails that many more times (0: never). */
extern unsigned mock_tcb_alloc_failures;

/* TCBs backed (arch_tcb_alloc) and not freed (arch_tcb_free) since the
 * reset; frees of a TCB that is not free-state count in mock_tcb_free_errors.
 * A freed TCB is filled with zeros, as the kernel's shared zero page reads. */
extern unsigned mock_tcb_backed;
extern unsigned mock_tcb_free_errors;

/* Panics: with mock_panic_armed set, arch_panic() longjmps to mock_panic_jmp
 * (setjmp returns 1) instead of aborting the test program. */
extern int mock_panic_armed;
extern jmp_buf mock_panic_jmp;
extern const char *mock_panic_why;

/* Everything written through arch_console_putc(), NUL-terminated. */
extern char mock_console[4096];
extern size_t mock_console_len;

/* Reset all of the above to a fresh machine. */
void mock_reset(void);

/* Run `stmt`, expecting it to end in arch_panic(); true if it did. */
#define MOCK_EXPECT_PANIC(stmt)                  \
    ({                                           \
        volatile int panicked_ = 0;              \
        mock_panic_armed = 1;                    \
        if (setjmp(mock_panic_jmp) == 0) {       \
            stmt;                                \
        } else {                                 \
            panicked_ = 1;                       \
        }                                        \
        mock_panic_armed = 0;                    \
        panicked_;                               \
    })

#endif
