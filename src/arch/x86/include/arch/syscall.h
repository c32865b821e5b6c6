/*
 * System-call entry (ABI 4.2-4.4). The user-mode entry code lives in the
 * KIP (kip_entry.S, copied to the KIP's entry-code area at boot); each of
 * the eleven calls enters the kernel through its own DPL-3 interrupt gate
 * SYSCALL_VECTOR_BASE + n and returns with `ret`, so ESP comes back as at
 * entry + 4 and every register the C handler does not write is preserved
 * exactly by the common exit path.
 */
#ifndef ARCH_SYSCALL_H
#define ARCH_SYSCALL_H

#define SYSCALL_VECTOR_BASE 0x30
#define SYSCALL_COUNT       11

/* Order of the KIP link fields 0x0D0..0x0F8 (struct kip_syscall_links). */
#define SYS_SPACE_CONTROL     0
#define SYS_THREAD_CONTROL    1
#define SYS_PROCESSOR_CONTROL 2
#define SYS_MEMORY_CONTROL    3
#define SYS_IPC               4
#define SYS_LIPC              5
#define SYS_UNMAP             6
#define SYS_EXCHANGE_REGISTERS 7
#define SYS_SYSTEM_CLOCK      8
#define SYS_THREAD_SWITCH     9
#define SYS_SCHEDULE          10

/* Frame error code of a sysenter Ipc that the fast path declined (the
 * general path then does not try it again). */
#define SYSENTER_DECLINED     1

/* 1: ipc_sysenter[_small] use Intel's regcall convention (Clang; GCC 12
 * has none): its arguments in EAX, ECX, EDX, EDI, ESI, which take to,
 * Timeouts, FromSpecifier, the UTCB and MR0 straight from the user's
 * registers, and EBX and EBP its only callee-saved registers, so the
 * prologue pushes two (Clang has no -fcall-used-*). Its symbols carry the
 * prefix __regcall3__ (SYSENTER_SYM, for entry.S). 0: regparm(3), to,
 * FromSpecifier and Timeouts in EAX, EDX, ECX, MR0 read from the frame. */
#ifdef __clang__
#define SYSENTER_REGCALL 1
#define SYSENTER_SYM(name) __regcall3__##name
#else
#define SYSENTER_REGCALL 0
#define SYSENTER_SYM(name) name
#endif

#ifndef __ASSEMBLER__
#include <arch/frame.h>
#include <core/tid.h>
#include <stdbool.h>

/* The sysenter Ipc entry's C part (entry.S; DS/ES/FS/GS checked to be
 * the flat user selectors the kernel runs on, which are the kernel's own):
 * the Ipc arguments as the user left them in EAX (to), EDX (FromSpecifier)
 * and ECX (Timeouts), MR0 in the frame (and in ESI, an argument when
 * SYSENTER_REGCALL; so is EDI, unused), the caller the owner of the kernel
 * stack it runs on and in EBX (one `lea` from the frame's address), the frame at the
 * top of that stack. The whole call, through the fast path or else the general
 * path, with the outputs written into the frame. Leaves through
 * sysexit_exit (sysexit, or iret if the frame's flags need it) on the
 * frame of the thread that runs next: the caller's, or the receiver's when the
 * caller blocked in the fast path and the receiver had done so too.
 * A caller blocked in the fast path keeps as its kernel context the switch
 * frame right below its user frame, returning to ipc_fast_resume. */
#if SYSENTER_REGCALL
__attribute__((regcall)) _Noreturn void ipc_sysenter(tid_t to, word_t timeouts, tid_t from_spec,
                                                     word_t utcb, word_t mr0);
#else
__attribute__((regparm(3))) _Noreturn void ipc_sysenter(tid_t to, tid_t from_spec, word_t timeouts);
#endif

/* ipc_sysenter once a space has been small (smallspace_seen): the entry
 * has loaded the kernel's data selectors (the user's may be a small
 * space's segments), a switch goes through smallspace_activate and every
 * exit is the iret of trap_exit, which reloads the user's selectors (and
 * with CS/SS the current space's segments) from the frame. */
#if SYSENTER_REGCALL
__attribute__((regcall)) _Noreturn void ipc_sysenter_small(tid_t to, word_t timeouts, tid_t from_spec,
                                                           word_t utcb, word_t mr0);
#else
__attribute__((regparm(3))) _Noreturn void ipc_sysenter_small(tid_t to, tid_t from_spec,
                                                              word_t timeouts);
#endif

/* The end of an Ipc of the sysenter entry, also where a thread blocked in
 * its fast path resumes (ipc_fast_resume, entry.S, which moved EIP and ESP
 * to their slots): wait until the IPC of the owner of `f` is over, run the
 * dispatcher if a reschedule is pending, write its outputs into `f`. */
__attribute__((regparm(1))) void ipc_sysenter_resume(struct frame *f);

/* The user registers in the frame of `t` have been set (ExchangeRegisters:
 * SP, IP, flags; its vector is no longer FRAME_VECTOR_SYSENTER). If `t` is
 * not running and its kernel context is the fast path's, that context
 * becomes one that ends its Ipc through ipc_fast_resume_iret (entry.S),
 * whose exit takes iret: so the fast path, which leaves through a fast
 * context with sysexit (leave_with_outputs), never has to look at the
 * flags, nor at where EIP and ESP are (frame.h). */
void ipc_sysenter_regs_set(struct tcb *t);

/* From now on `sysenter` enters at sysenter_entry_small (the first space
 * has become small: smallspace_first). */
void syscall_sysenter_small(void);

/* Copy the entry code into the KIP and set its link offsets. */
int syscall_kip_init(void);

/* Handle system call `n` (vector - SYSCALL_VECTOR_BASE) from frame `f`. */
void syscall_dispatch(unsigned n, struct frame *f);
#endif

#endif
