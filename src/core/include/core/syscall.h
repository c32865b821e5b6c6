/*
 * The portable part of the X.2 system calls (ABI 4.4, 4.5).
 *
 * The arch layer marshals the user registers of the calling thread into a
 * struct sys_regs, calls sys_<call>(current, &regs) and copies the block
 * back into the user frame. Each sys_<call>() reads its inputs from the
 * block and writes only the registers ABI 4.4 marks as outputs of that call
 * (so copying the whole block back is always correct: a register that is
 * not an output keeps its input value). On failure the X.2 ErrorCode is
 * written into the caller's UTCB (word -9 from MR0) and the result register
 * is 0. Every input word is validated before any state changes; no user
 * value can make the kernel panic.
 *
 * Contract for the arch exit path (all calls): after sys_<call>() returns,
 * if the current thread is no longer runnable (e.g. it halted itself) or
 * sched_resched_pending(), call sched_dispatch() before returning to user
 * mode; user registers set through arch_user_regs_set() for the current
 * thread are applied after the block has been copied back; and if
 * ThreadControl moved the current thread into another space (self->space
 * changed), switch to that space's page directory before the return.
 *
 * Ipc / Lipc: sys_ipc() starts the IPC; if it answers IPC_BLOCKED the arch
 * dispatches (sched_dispatch(), repeated while ipc_pending(self)) and then
 * calls sys_ipc_finish(), which fills EAX, ESI, EBX, EBP.
 *
 * OWNER: syscall module.
 */
#ifndef CORE_SYSCALL_H
#define CORE_SYSCALL_H

#include <core/arch_hooks.h>
#include <core/ipc.h>
#include <core/space.h>
#include <core/tcb.h>
#include <core/types.h>
#include <core/wakeup.h>

/* The seven general registers of the caller at entry / exit. */
struct sys_regs {
    word_t eax, ecx, edx, esi, edi, ebx, ebp;
};

/* X.2 ErrorCode values of the non-IPC system calls (ABI 1.7). */
#define SYS_ERR_OK              0u
#define SYS_ERR_NO_PRIVILEGE    1u
#define SYS_ERR_INVALID_THREAD  2u
#define SYS_ERR_INVALID_SPACE   3u
#define SYS_ERR_INVALID_SCHED   4u
#define SYS_ERR_INVALID_PARAM   5u
#define SYS_ERR_INVALID_UTCB    6u
#define SYS_ERR_INVALID_KIP     7u
#define SYS_ERR_NO_MEMORY       8u

/* ExchangeRegisters control bits (ABI 4.5). */
#define SYS_EXREG_H  0x001u   /* halt (1) / resume (0), with h */
#define SYS_EXREG_R  0x002u   /* cancel receive phase */
#define SYS_EXREG_S  0x004u   /* cancel send phase */
#define SYS_EXREG_SP 0x008u   /* s: set SP from EDX */
#define SYS_EXREG_IP 0x010u   /* i: set IP from ESI */
#define SYS_EXREG_FL 0x020u   /* f: set EFLAGS from EDI */
#define SYS_EXREG_U  0x040u   /* u: set UserDefinedHandle from EBX */
#define SYS_EXREG_P  0x080u   /* p: set Pager from EBP */
#define SYS_EXREG_h  0x100u   /* h: apply H */
#define SYS_EXREG_D  0x200u   /* d: deliver (old values are always delivered) */

/* EFLAGS bits a user may set through ExchangeRegisters: CF PF AF ZF SF OF. */
#define SYS_USER_FLAGS_MASK 0x8D5u

/* Use `wq` (the kernel's wakeup queue, as given to ipc_init) for deletions. */
void sys_init(struct wakeup_queue *wq);

/* ---- the system calls: `self` is the calling (current) thread --------- */

void sys_thread_control(struct tcb *self, struct sys_regs *r);
void sys_space_control(struct tcb *self, struct sys_regs *r);
void sys_exchange_registers(struct tcb *self, struct sys_regs *r);
void sys_schedule(struct tcb *self, struct sys_regs *r);
void sys_thread_switch(struct tcb *self, struct sys_regs *r);
void sys_unmap(struct tcb *self, struct sys_regs *r);
void sys_memory_control(struct tcb *self, struct sys_regs *r);
void sys_processor_control(struct tcb *self, struct sys_regs *r);

/* Ipc/Lipc part 1: MR0 := ESI, then ipc_invoke(self, EAX, EDX, ECX). */
enum ipc_outcome sys_ipc(struct tcb *self, struct sys_regs *r);

/* Ipc/Lipc part 2 (self's IPC finished): EAX from, ESI tag (= MR0),
 * EBX MR1, EBP MR2; EDI untouched; ECX/EDX untouched (may be clobbered). */
void sys_ipc_finish(struct tcb *self, struct sys_regs *r);

/* ---- helpers shared by the sys_*.c files ------------------------------ */

/* The wakeup queue given to sys_init(). */
struct wakeup_queue *sys_wakeup_queue(void);

/* The existing thread `id` names as seen from `self`: a global ID (any
 * space) or a local ID of self's space; NULL for nil, anythread,
 * anylocalthread and anything that names no thread. */
struct tcb *sys_lookup(const struct tcb *self, tid_t id);

/* True when user mode may name `t` as a Schedule / ThreadSwitch target or
 * an IPC partner: a user thread (number >= UserBase), or an interrupt
 * thread that is associated with a handler (arch_irq_associated); never
 * the idle thread or another kernel thread. Inline: every general-path
 * IPC lookup asks it. */
static inline bool sys_user_visible(const struct tcb *t)
{
    word_t no = tid_number(t->gid);
    if (no >= TID_USER_BASE)
        return true;
    return no < TID_SYSTEM_BASE && arch_irq_associated((unsigned)no);
}

/* Fail the call: ErrorCode := err in self's UTCB. */
void sys_set_error(struct tcb *self, word_t err);

/* True when self runs in a privileged (initial server) space. */
static inline bool sys_privileged(const struct tcb *self)
{
    return self->space != NULL && self->space->privileged;
}

/* Remaining / configured times as X.2 time periods: `us` rounded down to
 * m * 2^e (UINT64_MAX: Never; 0: ZeroTime). */
uint16_t sys_period_encode(uint64_t us);

/* Decode an X.2 time period into µs (Never: UINT64_MAX, zero forms: 0);
 * false for a time point (bit 15 set). */
bool sys_period_decode(uint16_t tv, uint64_t *us);

#endif
