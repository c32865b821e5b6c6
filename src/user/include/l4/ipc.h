/*
 * IPC (ABI 4.4 Ipc/Lipc row, section 5): the Ipc and Lipc system calls and
 * the usual convenience forms (Call, Send, Reply, Receive, Wait, ReplyWait,
 * Sleep), plus decoding of the IPC ErrorCode.
 *
 * Register binding: EAX to -> from, ECX timeouts, EDX FromSpecifier,
 * ESI MR0 -> MR0, EDI UTCB pointer (preserved), EBX -> MR1, EBP -> MR2;
 * ECX and EDX are clobbered. The wrapper passes the entry address in EBX
 * (an output-only register for Ipc) and saves the frame pointer around the
 * call. After a receive phase it writes MR0..MR2 back into the UTCB.
 */
#ifndef L4_IPC_H
#define L4_IPC_H

#include <l4/types.h>
#include <l4/message.h>
#include <l4/utcb.h>
#include <l4/kip.h>

/* ------------------------------------------------------------------ */
/* IPC error codes (ErrorCode TCR after a failed IPC, ABI 1.7)          */
/* ------------------------------------------------------------------ */
enum {
    L4_ErrOk = 0,
    L4_ErrTimeout = 1 << 1,
    L4_ErrNonExist = 2 << 1,
    L4_ErrCanceled = 3 << 1,
    L4_ErrMsgOverflow = 4 << 1,
    L4_ErrXferTimeoutInvoker = 5 << 1,
    L4_ErrXferTimeoutPartner = 6 << 1,
    L4_ErrAborted = 7 << 1,
    L4_IPC_ERROR_CODE_MASK = 0xE,
    L4_IPC_ERROR_RECEIVE_PHASE = 1,
};

/* Error kind of an IPC ErrorCode word, compare with L4_ErrTimeout etc. */
static inline L4_Word_t L4_IpcErrorCode(L4_Word_t err)
{
    return err & L4_IPC_ERROR_CODE_MASK;
}

/* True if the error happened in the receive phase (p bit), false for the send phase. */
static inline L4_Bool_t L4_IpcErrorInReceivePhase(L4_Word_t err)
{
    return (err & L4_IPC_ERROR_RECEIVE_PHASE) != 0;
}

/* Bytes of string data transferred before the error (codes 4..7 only). */
static inline L4_Word_t L4_IpcErrorOffset(L4_Word_t err)
{
    return err >> 4;
}

#if defined(__i386__)

/* One Ipc or Lipc system call through the KIP entry `entry`. */
static inline L4_MsgTag_t __L4_IpcCall(L4_Word_t entry, L4_ThreadId_t to, L4_ThreadId_t FromSpecifier,
                                       L4_Word_t Timeouts, L4_ThreadId_t *from)
{
    L4_Word_t *utcb = __L4_Utcb();
    L4_Word_t eax = to.raw, ecx = Timeouts, edx = FromSpecifier.raw, esi = utcb[L4_UTCB_MR0];
    L4_Word_t ebx = entry;
    __asm__ volatile("push %%ebp\n\t"
                     "call *%%ebx\n\t"
                     "mov %%ebp, %%ecx\n\t"
                     "pop %%ebp"
                     : "+a"(eax), "+c"(ecx), "+d"(edx), "+S"(esi), "+b"(ebx)
                     : "D"(utcb)
                     : "memory", "cc");
    if (!L4_IsNilThread(FromSpecifier)) {
        utcb[L4_UTCB_MR0] = esi;
        utcb[L4_UTCB_MR0 + 1] = ebx;
        utcb[L4_UTCB_MR0 + 2] = ecx;
        if (from)
            from->raw = eax;
    }
    L4_MsgTag_t tag = { .raw = esi };
    return tag;
}

/* Ipc: optional send to `to`, then optional receive from FromSpecifier
 * (nil = none); Timeouts = L4_Timeouts(snd, rcv). *from (may be NULL) gets
 * the sender after a receive phase. Returns the received (or, send-only,
 * the sent) tag; E set on failure. */
static inline L4_MsgTag_t L4_Ipc(L4_ThreadId_t to, L4_ThreadId_t FromSpecifier, L4_Word_t Timeouts,
                                 L4_ThreadId_t *from)
{
    return __L4_IpcCall(__L4_SyscallEntry(L4_SYSCALL_IPC), to, FromSpecifier, Timeouts, from);
}

/* Lipc: like Ipc, a hint that partners are local threads (local IDs, untyped only). */
static inline L4_MsgTag_t L4_Lipc(L4_ThreadId_t to, L4_ThreadId_t FromSpecifier, L4_Word_t Timeouts,
                                  L4_ThreadId_t *from)
{
    return __L4_IpcCall(__L4_SyscallEntry(L4_SYSCALL_LIPC), to, FromSpecifier, Timeouts, from);
}

/* Send to `to` and receive its reply, waiting forever for both. */
static inline L4_MsgTag_t L4_Call(L4_ThreadId_t to)
{
    return L4_Ipc(to, to, L4_Timeouts(L4_Never, L4_Never), NULL);
}

/* Call with explicit send and receive timeouts. */
static inline L4_MsgTag_t L4_Call_Timeouts(L4_ThreadId_t to, L4_Time_t SndTimeout, L4_Time_t RcvTimeout)
{
    return L4_Ipc(to, to, L4_Timeouts(SndTimeout, RcvTimeout), NULL);
}

/* Send to `to`, waiting forever for it to be ready. */
static inline L4_MsgTag_t L4_Send(L4_ThreadId_t to)
{
    return L4_Ipc(to, L4_nilthread, L4_Timeouts(L4_Never, L4_Never), NULL);
}

/* Send with a send timeout. */
static inline L4_MsgTag_t L4_Send_Timeout(L4_ThreadId_t to, L4_Time_t SndTimeout)
{
    return L4_Ipc(to, L4_nilthread, L4_Timeouts(SndTimeout, L4_Never), NULL);
}

/* Send only if `to` is already waiting (ZeroTime send timeout). */
static inline L4_MsgTag_t L4_Reply(L4_ThreadId_t to)
{
    return L4_Send_Timeout(to, L4_ZeroTime);
}

/* Closed receive from `from`, waiting forever. */
static inline L4_MsgTag_t L4_Receive(L4_ThreadId_t from)
{
    return L4_Ipc(L4_nilthread, from, L4_Timeouts(L4_Never, L4_Never), NULL);
}

/* Closed receive with a receive timeout. */
static inline L4_MsgTag_t L4_Receive_Timeout(L4_ThreadId_t from, L4_Time_t RcvTimeout)
{
    return L4_Ipc(L4_nilthread, from, L4_Timeouts(L4_Never, RcvTimeout), NULL);
}

/* Open receive from any thread, waiting forever; *from gets the sender. */
static inline L4_MsgTag_t L4_Wait(L4_ThreadId_t *from)
{
    return L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, L4_Never), from);
}

/* Open receive with a receive timeout. */
static inline L4_MsgTag_t L4_Wait_Timeout(L4_Time_t RcvTimeout, L4_ThreadId_t *from)
{
    return L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, RcvTimeout), from);
}

/* Reply to `to` (ZeroTime send timeout), then wait for any message forever. */
static inline L4_MsgTag_t L4_ReplyWait(L4_ThreadId_t to, L4_ThreadId_t *from)
{
    return L4_Ipc(to, L4_anythread, L4_Timeouts(L4_ZeroTime, L4_Never), from);
}

/* ReplyWait with a receive timeout. */
static inline L4_MsgTag_t L4_ReplyWait_Timeout(L4_ThreadId_t to, L4_Time_t RcvTimeout, L4_ThreadId_t *from)
{
    return L4_Ipc(to, L4_anythread, L4_Timeouts(L4_ZeroTime, RcvTimeout), from);
}

/* Local call: Lipc send to `to` and receive from it. */
static inline L4_MsgTag_t L4_Lcall(L4_ThreadId_t to)
{
    return L4_Lipc(to, to, L4_Timeouts(L4_Never, L4_Never), NULL);
}

/* Local reply-and-wait: Lipc reply to `to`, then wait for any local thread. */
static inline L4_MsgTag_t L4_LreplyWait(L4_ThreadId_t to, L4_ThreadId_t *from)
{
    return L4_Lipc(to, L4_anylocalthread, L4_Timeouts(L4_ZeroTime, L4_Never), from);
}

/* Block for `t` by receiving from oneself, which can never succeed
 * (the ErrorCode afterwards is a receive timeout, 0x3). */
static inline void L4_Sleep(L4_Time_t t)
{
    L4_Receive_Timeout(L4_MyGlobalId(), t);
}

#endif /* __i386__ */

#endif
