/*
 * The handler's side of an exception IPC (ABI 5.12) in the QEMU tests:
 * MR1 EIP, MR2 EFLAGS, MR3 vector, MR4 error code, MR5..MR12 EDI ESI EBP
 * ESP EBX EDX ECX EAX; the reply with the same twelve words sets them.
 */
#ifndef EXC_USER_H
#define EXC_USER_H

#include <l4/message.h>

/* True when `tag` is an exception IPC for `vector` with `error`, and the
 * faulting thread's EAX was `eax`. */
int exc_matches(L4_MsgTag_t tag, const L4_Word_t *mr, L4_Word_t vector, L4_Word_t error,
                L4_Word_t eax);

/* Print the tag and the twelve words (a failed check's evidence). */
void exc_print(L4_MsgTag_t tag, const L4_Word_t *mr);

/* True when `tag` is an exception IPC at all. */
int exc_is_exception(L4_MsgTag_t tag);

/* Reply to the exception IPC in `mr` from `t`: resume `skip` bytes past the
 * faulting instruction with EAX = `eax`, every other register as sent. */
void exc_resume(L4_ThreadId_t t, L4_Word_t *mr, L4_Word_t skip, L4_Word_t eax);

#endif
