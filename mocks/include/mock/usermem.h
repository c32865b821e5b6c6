/*
 * Fake user memory for host tests of long IPC: per-space pages that can be
 * mapped (read-only or writable) and unmapped to provoke copy faults, the
 * fake of arch_copy_between(), and a recording fake of ipc_transfer_fpage()
 * (the mapping database's entry point for map/grant items).
 * OWNER: ipc module.
 */
#ifndef MOCK_USERMEM_H
#define MOCK_USERMEM_H

#include <core/arch_hooks.h>
#include <core/ipc.h>
#include <core/msg.h>
#include <core/space.h>

#define MOCK_USERMEM_PAGES 64u
#define MOCK_PAGE_SIZE 4096u

/* First address outside the user area (copies there fault with user = false). */
extern word_t mock_user_limit;

/* Forget all pages and recorded calls; user limit 0xC0000000. */
void mock_usermem_reset(void);

/* Back the page containing `va` in `s` (zeroed); false when the fake is full. */
bool mock_usermem_map(const struct space *s, word_t va, bool writable);

/* Remove the page containing `va` in `s` (no-op if absent). */
void mock_usermem_unmap(const struct space *s, word_t va);

/* Test access to fake memory, ignoring rights; false if a page is missing. */
bool mock_usermem_write(const struct space *s, word_t va, const void *buf, word_t len);
bool mock_usermem_read(const struct space *s, word_t va, void *buf, word_t len);

/* Number of arch_copy_between() calls since the reset. */
extern unsigned mock_copy_calls;

/* One recorded ipc_transfer_fpage() call. */
struct mock_fpage_call {
    struct tcb *from, *to;
    struct msg_placement p;
    unsigned rights;
    bool grant;
};

#define MOCK_FPAGE_CALLS 16u
extern struct mock_fpage_call mock_fpage_calls[MOCK_FPAGE_CALLS];
extern unsigned mock_fpage_count;           /* calls (also beyond the array) */
extern enum ipc_error mock_fpage_result;    /* what ipc_transfer_fpage answers */
extern bool mock_fpage_backs;               /* true: memory transfers map the
                                               target pages (writable) in `to` */
/* When set, ipc_transfer_fpage() records the call and answers what this
 * function answers (the fuzzer maps memory fpages through the mdb). */
typedef enum ipc_error (*mock_fpage_fn)(struct tcb *from, struct tcb *to, const struct msg_placement *p,
                                        unsigned rights, bool grant);
extern mock_fpage_fn mock_fpage_hook;

#endif
