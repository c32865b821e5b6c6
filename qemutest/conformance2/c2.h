/*
 * Shared scaffolding of the conformance2 root tasks (module 1, our sigma0 as
 * module 0): worker threads in the root task's own space (pager sigma0,
 * started with ExchangeRegisters after every page of the image was touched)
 * and threads in fresh address spaces whose pager is the root task, whose
 * page faults c2_recv() answers with map items of the root task's own pages.
 */
#ifndef C2_H
#define C2_H

#include "../fixture/fixture.h"
#include "../user/ktest_user.h"

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/types.h>
#include <l4/utcb.h>

#define C2_IMAGE_BASE 0x00A00000u

extern void *c2_kip;
extern L4_ThreadId_t c2_me, c2_s0;
extern unsigned c2_faults;              /* page faults c2_recv() served */
extern L4_Word_t c2_last_fault[3];      /* label, address, IP of the last one */

/* Find the KIP, our IDs and touch every page of our image (sigma0 maps it). */
void c2_init(void);
/* Two seconds: the receive timeout that turns a bug into a FAIL, not a hang. */
L4_Time_t c2_2s(void);
/* True if addr lies inside our image (text, data, bss). */
int c2_in_image(L4_Word_t addr);
/* Create a thread in our space (pager sigma0) running fn; nil on failure. */
L4_ThreadId_t c2_local(void (*fn)(void));
/* Create a thread in a new space whose pager is us, started by the start
 * message (fn, own stack); nil on failure. Its faults are served by c2_recv. */
L4_ThreadId_t c2_space(void (*fn)(void));
/* Create a thread in a new space with us as pager, not started (it waits
 * for its start message); *stack_top gets a stack for it. */
L4_ThreadId_t c2_space_prepare(L4_Word_t *stack_top);
/* The same with another pager (the thread waits for its start message from it). */
L4_ThreadId_t c2_space_prepare_pager(L4_Word_t *stack_top, L4_ThreadId_t pager);
/* Send the start message (fn, sp) to t prepared by c2_space_prepare; t or nil. */
L4_ThreadId_t c2_space_start(L4_ThreadId_t t, void (*fn)(void), L4_Word_t sp);
/* Delete thread t (and its space when it was the last thread). */
int c2_kill(L4_ThreadId_t t);
/* Receive from `from` with timeout t, answering page faults (label 0xFFE?)
 * of our image's pages with map items; returns the first other message
 * (or the error), its sender in *sender (may be NULL). */
L4_MsgTag_t c2_recv(L4_ThreadId_t from, L4_Time_t t, L4_ThreadId_t *sender);
/* Answer one page fault message in our MRs from `who` by mapping our page;
 * returns 1 if it was one of our image's pages. Does not reply if not. */
int c2_fault_reply_item(void);
#define C2_FAULT_LOG 64u
extern L4_Word_t c2_fault_log[C2_FAULT_LOG][3];   /* label, address, IP */
/* True if a fault served since c2_clear_faults() hit page's page; *label its label. */
int c2_fault_seen(L4_Word_t page, L4_Word_t *label);
/* Forget the served faults (count and log). */
void c2_clear_faults(void);
/* Pointer to our (the calling thread's) MRs: mr[i] = MR i. */
L4_Word_t *c2_mrs(void);
/* Spin the CPU for other threads: a few ThreadSwitch(nil). */
void c2_yield(unsigned n);

#endif
