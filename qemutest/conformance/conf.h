/*
 * Helpers shared by the conformance root tasks (qemutest/conformance):
 * IDs of the boot threads, timeouts, starting threads in the root task's
 * space (sigma0 pages them) and running a function in a second, unprivileged
 * address space whose page faults the root task serves from its own pages.
 */
#ifndef CONF_H
#define CONF_H

#include "../fixture/fixture.h"
#include "../user/ktest_user.h"

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>

#define CONF_LABEL_REPORT 0x5A5Au
#define CONF_STACK_SIZE 4096u

extern void *conf_kip;
extern L4_ThreadId_t conf_root, conf_sigma0;
extern L4_Word_t conf_user_base, conf_system_base;

/* Fill the globals above; call first. */
void conf_init(void);
/* Global ID (UserBase + n, version). */
L4_ThreadId_t conf_tid(L4_Word_t n, L4_Word_t version);
/* A 2 s period: a kernel bug yields a failed check, not a hang. */
L4_Time_t conf_timeout(void);
/* Check that a call returned 0 and set ErrorCode `code`. */
int conf_check_err(const char *name, L4_Word_t result, L4_Word_t code);
/* Create `t` active in our space (pager sigma0, UTCB `utcb`), touch `stack`
 * and `fn`, start it with ExchangeRegisters. Returns 1 on success. */
int conf_start_local(L4_ThreadId_t t, L4_Word_t utcb, void (*fn)(void), unsigned char *stack);
/* Delete `t`. Returns ThreadControl's result. */
L4_Word_t conf_delete(L4_ThreadId_t t);
/* Run `fn` as thread `t` in a new space paged by us; it reports with
 * conf_report(). The report's words go to out[0..max-1]. The thread (and
 * its space) is deleted afterwards. Returns the number of words, -1 on error. */
int conf_run_in_new_space(L4_ThreadId_t t, void (*fn)(void), L4_Word_t *out, unsigned max);
/* Like conf_run_in_new_space with the KIP area (4 KB) at `kip_base` and the
 * UTCB area (128 KB) at `utcb_base`, where the thread's UTCB is the first.
 * Unless kip_base is 0xBFF00000 the worker must not use the libl4 wrappers
 * (their entry cache holds our KIP address) except KernelInterface. */
int conf_run_in_space(L4_ThreadId_t t, void (*fn)(void), L4_Word_t kip_base, L4_Word_t utcb_base,
                      L4_Word_t *out, unsigned max);
/* Start active thread `t` (pager: us, in a space with the KIP at 0xBFF00000)
 * at `fn` with the start message, serve its page faults until it reports;
 * like conf_run_in_new_space but `t` is neither created nor deleted. */
int conf_serve(L4_ThreadId_t t, void (*fn)(void), L4_Word_t *out, unsigned max);
/* From a worker: send words w[0..n-1] to the root task, then sleep forever. */
_Noreturn void conf_report(const L4_Word_t *w, unsigned n);

#endif
