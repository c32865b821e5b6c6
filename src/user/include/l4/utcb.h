/*
 * Virtual registers (ABI section 2): message registers MR0..MR63, buffer
 * registers BR0..BR32 and the thread control registers, all in the thread's
 * UTCB. The UTCB pointer (= local thread ID = address of MR0) is read with
 * one load from %gs:0.
 *
 * The word indices relative to the UTCB pointer are pure constants (host
 * tests check them against the ABI table); the accessors are ia32 only.
 */
#ifndef L4_UTCB_H
#define L4_UTCB_H

#include <l4/types.h>

/* Word index of each register relative to the UTCB pointer (ABI 2.2). */
enum {
    L4_UTCB_MR0 = 0,               /* MR i at index i, i = 0..63 */
    L4_UTCB_BR0 = -16,             /* BR i at index -16 - i, i = 0..32 */
    L4_UTCB_MY_GLOBAL_ID = -15,
    L4_UTCB_PROCESSOR_NO = -14,
    L4_UTCB_USER_DEFINED_HANDLE = -13,
    L4_UTCB_PAGER = -12,
    L4_UTCB_EXCEPTION_HANDLER = -11,
    L4_UTCB_FLAGS = -10,           /* PreemptFlags byte 0, CopFlags byte 1 */
    L4_UTCB_ERROR_CODE = -9,
    L4_UTCB_XFER_TIMEOUTS = -8,
    L4_UTCB_INTENDED_RECEIVER = -7,
    L4_UTCB_VIRTUAL_SENDER = -6,   /* also ActualSender */
    L4_UTCB_THREAD_WORD1 = -5,
    L4_UTCB_THREAD_WORD0 = -4,
    L4_NUM_MRS = 64,
    L4_NUM_BRS = 33,
};

/* Bits of the PreemptFlags/CopFlags word (index L4_UTCB_FLAGS). */
enum {
    L4_PREEMPT_SIGNAL = 1u << 5,   /* s: wants preemption notifications */
    L4_PREEMPT_DELAY = 1u << 6,    /* d: delayed preemption requested */
    L4_PREEMPT_PENDING = 1u << 7,  /* I: set by the kernel, a preemption was postponed */
    L4_COPFLAGS_SHIFT = 8,
};

/* Word index of MR i. */
static inline int L4_UtcbMrIndex(L4_Word_t i)
{
    return L4_UTCB_MR0 + (int)i;
}

/* Word index of BR i. */
static inline int L4_UtcbBrIndex(L4_Word_t i)
{
    return L4_UTCB_BR0 - (int)i;
}

#if defined(__i386__)

/* The UTCB pointer (address of MR0) of the current thread, from %gs:0.
 * Deliberately not volatile: it never changes while the thread runs. */
static inline L4_Word_t *__L4_Utcb(void)
{
    L4_Word_t *utcb;
    __asm__("mov %%gs:0, %0" : "=r"(utcb));
    return utcb;
}

/* The current thread's local ID (its UTCB pointer). */
static inline L4_ThreadId_t L4_MyLocalId(void)
{
    L4_ThreadId_t t = { .raw = (L4_Word_t)__L4_Utcb() };
    return t;
}

/* The current thread's global ID (MyGlobalId TCR). */
static inline L4_ThreadId_t L4_MyGlobalId(void)
{
    L4_ThreadId_t t = { .raw = __L4_Utcb()[L4_UTCB_MY_GLOBAL_ID] };
    return t;
}

/* Number of the processor the thread runs on (ProcessorNo TCR). */
static inline L4_Word_t L4_ProcessorNo(void)
{
    return __L4_Utcb()[L4_UTCB_PROCESSOR_NO];
}

/* UserDefinedHandle TCR. */
static inline L4_Word_t L4_UserDefinedHandle(void)
{
    return __L4_Utcb()[L4_UTCB_USER_DEFINED_HANDLE];
}

/* Set the UserDefinedHandle TCR. */
static inline void L4_Set_UserDefinedHandle(L4_Word_t h)
{
    __L4_Utcb()[L4_UTCB_USER_DEFINED_HANDLE] = h;
}

/* Pager TCR: where the kernel sends this thread's page faults. */
static inline L4_ThreadId_t L4_Pager(void)
{
    L4_ThreadId_t t = { .raw = __L4_Utcb()[L4_UTCB_PAGER] };
    return t;
}

/* Set the Pager TCR. */
static inline void L4_Set_Pager(L4_ThreadId_t t)
{
    __L4_Utcb()[L4_UTCB_PAGER] = t.raw;
}

/* ExceptionHandler TCR: where the kernel sends exception messages. */
static inline L4_ThreadId_t L4_ExceptionHandler(void)
{
    L4_ThreadId_t t = { .raw = __L4_Utcb()[L4_UTCB_EXCEPTION_HANDLER] };
    return t;
}

/* Set the ExceptionHandler TCR. */
static inline void L4_Set_ExceptionHandler(L4_ThreadId_t t)
{
    __L4_Utcb()[L4_UTCB_EXCEPTION_HANDLER] = t.raw;
}

/* ErrorCode TCR: error of the last failed system call (ABI 1.7). */
static inline L4_Word_t L4_ErrorCode(void)
{
    return __L4_Utcb()[L4_UTCB_ERROR_CODE];
}

/* XferTimeouts TCR: send [31..16], receive [15..0] transfer timeouts. */
static inline L4_Word_t L4_XferTimeouts(void)
{
    return __L4_Utcb()[L4_UTCB_XFER_TIMEOUTS];
}

/* Set the XferTimeouts TCR (use L4_Timeouts(snd, rcv)). */
static inline void L4_Set_XferTimeouts(L4_Word_t t)
{
    __L4_Utcb()[L4_UTCB_XFER_TIMEOUTS] = t;
}

/* IntendedReceiver TCR: original destination of a redirected message. */
static inline L4_ThreadId_t L4_IntendedReceiver(void)
{
    L4_ThreadId_t t = { .raw = __L4_Utcb()[L4_UTCB_INTENDED_RECEIVER] };
    return t;
}

/* ActualSender TCR: the real sender of a propagated message. */
static inline L4_ThreadId_t L4_ActualSender(void)
{
    L4_ThreadId_t t = { .raw = __L4_Utcb()[L4_UTCB_VIRTUAL_SENDER] };
    return t;
}

/* Set the VirtualSender TCR before a propagating send. */
static inline void L4_Set_VirtualSender(L4_ThreadId_t t)
{
    __L4_Utcb()[L4_UTCB_VIRTUAL_SENDER] = t.raw;
}

/* ThreadWord0/1: two free words for the thread's own use. */
static inline L4_Word_t L4_ThreadWord(L4_Word_t n)
{
    return __L4_Utcb()[n ? L4_UTCB_THREAD_WORD1 : L4_UTCB_THREAD_WORD0];
}

/* Set ThreadWord n (0 or 1). */
static inline void L4_Set_ThreadWord(L4_Word_t n, L4_Word_t w)
{
    __L4_Utcb()[n ? L4_UTCB_THREAD_WORD1 : L4_UTCB_THREAD_WORD0] = w;
}

/* Set coprocessor hint flag n (bit 8+n of the flags word). */
static inline void L4_Set_CopFlag(L4_Word_t n)
{
    __L4_Utcb()[L4_UTCB_FLAGS] |= 1u << (L4_COPFLAGS_SHIFT + (n & 7));
}

/* Clear coprocessor hint flag n. */
static inline void L4_Clr_CopFlag(L4_Word_t n)
{
    __L4_Utcb()[L4_UTCB_FLAGS] &= ~(1u << (L4_COPFLAGS_SHIFT + (n & 7)));
}

/* Ask for delayed preemption (d bit); returns the old state of the bit. */
static inline L4_Bool_t L4_DisablePreemption(void)
{
    L4_Word_t old = __L4_Utcb()[L4_UTCB_FLAGS];
    __L4_Utcb()[L4_UTCB_FLAGS] = old | L4_PREEMPT_DELAY;
    return (old & L4_PREEMPT_DELAY) != 0;
}

/* Withdraw the request for delayed preemption; returns the old state. */
static inline L4_Bool_t L4_EnablePreemption(void)
{
    L4_Word_t old = __L4_Utcb()[L4_UTCB_FLAGS];
    __L4_Utcb()[L4_UTCB_FLAGS] = old & ~(L4_Word_t)L4_PREEMPT_DELAY;
    return (old & L4_PREEMPT_DELAY) != 0;
}

/* True if the kernel postponed a preemption (I bit); clears it. */
static inline L4_Bool_t L4_PreemptionPending(void)
{
    L4_Word_t old = __L4_Utcb()[L4_UTCB_FLAGS];
    __L4_Utcb()[L4_UTCB_FLAGS] = old & ~(L4_Word_t)L4_PREEMPT_PENDING;
    return (old & L4_PREEMPT_PENDING) != 0;
}

/* Load MR i with w. */
static inline void L4_LoadMR(int i, L4_Word_t w)
{
    __L4_Utcb()[L4_UTCB_MR0 + i] = w;
}

/* Store MR i into *w. */
static inline void L4_StoreMR(int i, L4_Word_t *w)
{
    *w = __L4_Utcb()[L4_UTCB_MR0 + i];
}

/* Load MR i .. MR i+k-1 from w[0..k-1]. */
static inline void L4_LoadMRs(int i, int k, const L4_Word_t *w)
{
    L4_Word_t *mr = __L4_Utcb() + L4_UTCB_MR0 + i;
    for (int n = 0; n < k; n++)
        mr[n] = w[n];
}

/* Store MR i .. MR i+k-1 into w[0..k-1]. */
static inline void L4_StoreMRs(int i, int k, L4_Word_t *w)
{
    const L4_Word_t *mr = __L4_Utcb() + L4_UTCB_MR0 + i;
    for (int n = 0; n < k; n++)
        w[n] = mr[n];
}

/* Load BR i with w. */
static inline void L4_LoadBR(int i, L4_Word_t w)
{
    __L4_Utcb()[L4_UTCB_BR0 - i] = w;
}

/* Store BR i into *w. */
static inline void L4_StoreBR(int i, L4_Word_t *w)
{
    *w = __L4_Utcb()[L4_UTCB_BR0 - i];
}

/* Load BR i .. BR i+k-1 from w[0..k-1]. */
static inline void L4_LoadBRs(int i, int k, const L4_Word_t *w)
{
    L4_Word_t *u = __L4_Utcb();
    for (int n = 0; n < k; n++)
        u[L4_UTCB_BR0 - i - n] = w[n];
}

/* Store BR i .. BR i+k-1 into w[0..k-1]. */
static inline void L4_StoreBRs(int i, int k, L4_Word_t *w)
{
    const L4_Word_t *u = __L4_Utcb();
    for (int n = 0; n < k; n++)
        w[n] = u[L4_UTCB_BR0 - i - n];
}

#endif /* __i386__ */

#endif
