/*
 * The one seam between the portable core (src/core) and the machine.
 *
 * The core reaches hardware only through the functions declared here. The
 * kernel image implements them in src/arch/x86/; host tests link mocks/
 * instead, which implements them as stateful fakes. Nothing in this header
 * expands to inline assembly or touches hardware itself.
 *
 * Each section belongs to the core module that needs it; a hook is added only
 * when a core module calls it.
 */
#ifndef CORE_ARCH_HOOKS_H
#define CORE_ARCH_HOOKS_H

#include <core/types.h>

struct tcb;
struct space;

/* ---- general ---------------------------------------------------------- */

/* Stop the machine after reporting `why` at file:line. Never returns. */
_Noreturn void arch_panic(const char *why, const char *file, int line);

/* Emit one character on the kernel console. */
void arch_console_putc(char c);

/* ---- threads (tcb, sched) -------------------------------------------- */

/* The thread whose kernel stack is in use (kernel: stack pointer masked). */
struct tcb *arch_current(void);

/* Save the kernel context of `from` and continue in `to` (switching the
 * address space only when it differs). Returns when `from` runs again. */
void arch_switch_to(struct tcb *from, struct tcb *to);

/* Make the memory of the TCB at `t` usable (backed, zeroed). False when out of
 * memory. Called before a thread number is used for the first time. */
bool arch_tcb_alloc(struct tcb *t);

/* ---- time (wakeup, sched) -------------------------------------------- */

/* Microseconds since boot; monotonic. */
uint64_t arch_timer_now(void);

/* ---- page tables (mdb) ----------------------------------------------- */
/* MDB-HOOKS-BEGIN (owned by the mapping-database module) */
/* MDB-HOOKS-END */

/* ---- user memory (ipc) ----------------------------------------------- */
/* IPC-HOOKS-BEGIN (owned by the IPC module) */
/* IPC-HOOKS-END */

#endif
