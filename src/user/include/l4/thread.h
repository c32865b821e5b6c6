/*
 * Threads and scheduling (ABI 4.4/4.5): ExchangeRegisters, ThreadControl,
 * ThreadSwitch, Schedule, SystemClock and the helpers built on them.
 *
 * The control-word encodings are pure constants (host-tested); the system
 * call wrappers are ia32 only and follow the register table of ABI 4.4.
 */
#ifndef L4_THREAD_H
#define L4_THREAD_H

#include <l4/types.h>
#include <l4/utcb.h>
#include <l4/kip.h>

/* ExchangeRegisters control bits (ABI 4.5). */
enum {
    L4_EXREG_HALT = 1u << 0,       /* H: halt (with h) */
    L4_EXREG_ABORT_RECEIVE = 1u << 1, /* R */
    L4_EXREG_ABORT_SEND = 1u << 2, /* S */
    L4_EXREG_SET_SP = 1u << 3,     /* s */
    L4_EXREG_SET_IP = 1u << 4,     /* i */
    L4_EXREG_SET_FLAGS = 1u << 5,  /* f */
    L4_EXREG_SET_HANDLE = 1u << 6, /* u */
    L4_EXREG_SET_PAGER = 1u << 7,  /* p */
    L4_EXREG_SET_HALT = 1u << 8,   /* h: apply H */
    L4_EXREG_DELIVER = 1u << 9,    /* d */
    /* Helper encodings (the values libl4-built programs use). */
    L4_EXREG_START = 0x106,            /* h + S + R, resume */
    L4_EXREG_START_SP_IP = 0x11E,
    L4_EXREG_START_SP_IP_FLAGS = 0x13E,
    L4_EXREG_STOP = 0x301,             /* H + h + d */
    L4_EXREG_ABORT_RECEIVE_AND_STOP = 0x303,
    L4_EXREG_ABORT_SEND_AND_STOP = 0x305,
    L4_EXREG_ABORT_IPC_AND_STOP = 0x307,
    L4_EXREG_READ = 0x200,             /* d only: read pager, handle, ... */
};

/* Old thread state bits returned in the control word (ABI 1.8). */
enum {
    L4_THREAD_STATE_HALTED = 1u << 0,
    L4_THREAD_STATE_RECEIVING = 1u << 1,
    L4_THREAD_STATE_SENDING = 1u << 2,
};

/* Schedule results: the destination's thread state (ABI 1.8). */
enum {
    L4_SCHEDRESULT_ERROR = 0,
    L4_SCHEDRESULT_DEAD = 1,
    L4_SCHEDRESULT_INACTIVE = 2,
    L4_SCHEDRESULT_RUNNING = 3,
    L4_SCHEDRESULT_PENDING_SEND = 4,
    L4_SCHEDRESULT_SENDING = 5,
    L4_SCHEDRESULT_WAITING = 6,
    L4_SCHEDRESULT_RECEIVING = 7,
};

/* "Don't change" value for UtcbLocation and the Schedule control words. */
#define L4_NO_CHANGE 0xFFFFFFFFu

/* Schedule TimeControl word: timeslice [31..16], total quantum [15..0]. */
static inline L4_Word_t L4_TimeControl(L4_Time_t timeslice, L4_Time_t quantum)
{
    return ((L4_Word_t)timeslice.raw << 16) | quantum.raw;
}

/* Schedule PreemptionControl word: sensitive priority [23..16], max delay in us [15..0]. */
static inline L4_Word_t L4_PreemptionControl(L4_Word_t sensitive_prio, L4_Word_t max_delay_us)
{
    return ((sensitive_prio & 0xFFu) << 16) | (max_delay_us & 0xFFFFu);
}

#if defined(__i386__)

/* ExchangeRegisters: read and optionally set dest's SP, IP, FLAGS,
 * UserDefinedHandle and pager, halt/resume it or cancel its IPC (control
 * bits above). Old values go to the out pointers (all required). Returns
 * the other form of dest's ID (local <-> global), nil on error. */
static inline L4_ThreadId_t L4_ExchangeRegisters(L4_ThreadId_t dest, L4_Word_t control, L4_Word_t sp,
                                                 L4_Word_t ip, L4_Word_t flags, L4_Word_t UserDefHandle,
                                                 L4_ThreadId_t pager, L4_Word_t *old_control,
                                                 L4_Word_t *old_sp, L4_Word_t *old_ip, L4_Word_t *old_flags,
                                                 L4_Word_t *old_UserDefHandle, L4_ThreadId_t *old_pager)
{
    /* EBX and EBP are both in/out: they travel through this block,
     * addressed by EBX; the entry address is pushed and called via the stack. */
    struct {
        L4_Word_t handle, pager, entry;
    } regs = { UserDefHandle, pager.raw, __L4_SyscallEntry(L4_SYSCALL_EXCHANGE_REGISTERS) };
    L4_Word_t eax = dest.raw, ecx = control, edx = sp, esi = ip, edi = flags;
    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "push 8(%%ebx)\n\t"
                     "mov 4(%%ebx), %%ebp\n\t"
                     "mov 0(%%ebx), %%ebx\n\t"
                     "call *(%%esp)\n\t"
                     "add $4, %%esp\n\t"
                     "xchg %%ebx, (%%esp)\n\t"
                     "mov %%ebp, 4(%%ebx)\n\t"
                     "popl 0(%%ebx)\n\t"
                     "pop %%ebp"
                     : "+a"(eax), "+c"(ecx), "+d"(edx), "+S"(esi), "+D"(edi)
                     : "b"(&regs)
                     : "memory", "cc");
    *old_control = ecx;
    *old_sp = edx;
    *old_ip = esi;
    *old_flags = edi;
    *old_UserDefHandle = regs.handle;
    old_pager->raw = regs.pager;
    L4_ThreadId_t r = { .raw = eax };
    return r;
}

/* ThreadControl (privileged): create, modify or delete dest (ABI 4.5). Returns 1/0 (ErrorCode). */
static inline L4_Word_t L4_ThreadControl(L4_ThreadId_t dest, L4_ThreadId_t SpaceSpecifier,
                                         L4_ThreadId_t Scheduler, L4_ThreadId_t Pager, void *UtcbLocation)
{
    L4_Word_t eax = dest.raw, ecx = Pager.raw, edx = Scheduler.raw, esi = SpaceSpecifier.raw;
    L4_Word_t edi = (L4_Word_t)UtcbLocation, ebx = __L4_SyscallEntry(L4_SYSCALL_THREAD_CONTROL);
    __asm__ volatile("push %%ebp\n\t"
                     "call *%%ebx\n\t"
                     "pop %%ebp"
                     : "+a"(eax), "+c"(ecx), "+d"(edx), "+S"(esi), "+D"(edi), "+b"(ebx)
                     :
                     : "memory", "cc");
    return eax;
}

/* ThreadSwitch: donate the rest of the timeslice to dest (nil: just yield). All registers survive. */
static inline void L4_ThreadSwitch(L4_ThreadId_t dest)
{
    __asm__ volatile("call *%1" : : "a"(dest.raw), "r"(__L4_SyscallEntry(L4_SYSCALL_THREAD_SWITCH))
                     : "memory", "cc");
}

/* Give up the rest of the timeslice. */
static inline void L4_Yield(void)
{
    L4_ThreadSwitch(L4_nilthread);
}

/* Schedule: set dest's timeslice/quantum, processor, priority and preemption
 * parameters (L4_NO_CHANGE leaves one as is); *old_TimeControl gets the old
 * TimeControl. Returns the thread state (L4_SCHEDRESULT_*), 0 on error. */
static inline L4_Word_t L4_Schedule(L4_ThreadId_t dest, L4_Word_t TimeControl, L4_Word_t ProcessorControl,
                                    L4_Word_t PrioControl, L4_Word_t PreemptionControl,
                                    L4_Word_t *old_TimeControl)
{
    L4_Word_t eax = dest.raw, ecx = PrioControl, edx = TimeControl, esi = ProcessorControl;
    L4_Word_t edi = PreemptionControl, ebx = __L4_SyscallEntry(L4_SYSCALL_SCHEDULE);
    __asm__ volatile("push %%ebp\n\t"
                     "call *%%ebx\n\t"
                     "pop %%ebp"
                     : "+a"(eax), "+c"(ecx), "+d"(edx), "+S"(esi), "+D"(edi), "+b"(ebx)
                     :
                     : "memory", "cc");
    if (old_TimeControl)
        *old_TimeControl = edx;
    return eax;
}

/* Set dest's priority (0..255); returns the Schedule result. */
static inline L4_Word_t L4_Set_Priority(L4_ThreadId_t dest, L4_Word_t prio)
{
    L4_Word_t dummy;
    return L4_Schedule(dest, L4_NO_CHANGE, L4_NO_CHANGE, prio & 0xFFu, L4_NO_CHANGE, &dummy);
}

/* Migrate dest to processor `cpu`; returns the Schedule result. */
static inline L4_Word_t L4_Set_ProcessorNo(L4_ThreadId_t dest, L4_Word_t cpu)
{
    L4_Word_t dummy;
    return L4_Schedule(dest, L4_NO_CHANGE, cpu & 0xFFFFu, L4_NO_CHANGE, L4_NO_CHANGE, &dummy);
}

/* Set dest's timeslice and total quantum; returns the Schedule result. */
static inline L4_Word_t L4_Set_Timeslice(L4_ThreadId_t dest, L4_Time_t timeslice, L4_Time_t quantum)
{
    L4_Word_t dummy;
    return L4_Schedule(dest, L4_TimeControl(timeslice, quantum), L4_NO_CHANGE, L4_NO_CHANGE, L4_NO_CHANGE,
                       &dummy);
}

/* Read dest's current timeslice and quantum; returns the Schedule result. */
static inline L4_Word_t L4_Timeslice(L4_ThreadId_t dest, L4_Time_t *timeslice, L4_Time_t *quantum)
{
    L4_Word_t old = 0;
    L4_Word_t r = L4_Schedule(dest, L4_NO_CHANGE, L4_NO_CHANGE, L4_NO_CHANGE, L4_NO_CHANGE, &old);
    timeslice->raw = (L4_Word16_t)(old >> 16);
    quantum->raw = (L4_Word16_t)old;
    return r;
}

/* Set dest's delayed-preemption parameters; returns the Schedule result. */
static inline L4_Word_t L4_Set_PreemptionDelay(L4_ThreadId_t dest, L4_Word_t sensitive_prio,
                                               L4_Word_t max_delay_us)
{
    L4_Word_t dummy;
    return L4_Schedule(dest, L4_NO_CHANGE, L4_NO_CHANGE, L4_NO_CHANGE,
                       L4_PreemptionControl(sensitive_prio, max_delay_us), &dummy);
}

/* SystemClock: microseconds since boot. ECX carries the entry address and
 * survives, as do EBX and EBP; ESI and EDI are clobbered. */
static inline L4_Clock_t L4_SystemClock(void)
{
    L4_Word_t lo, hi;
    __asm__ volatile("call *%%ecx"
                     : "=a"(lo), "=d"(hi)
                     : "c"(__L4_SyscallEntry(L4_SYSCALL_SYSTEM_CLOCK))
                     : "esi", "edi", "cc");
    L4_Clock_t c = { .raw = ((L4_Word64_t)hi << 32) | lo };
    return c;
}

/* ExchangeRegisters with only a control word; returns the result ID. */
static inline L4_ThreadId_t __L4_ExregControl(L4_ThreadId_t t, L4_Word_t control, L4_Word_t sp,
                                              L4_Word_t ip, L4_Word_t flags, L4_Word_t *old_control)
{
    L4_Word_t osp, oip, oflags, ohandle;
    L4_ThreadId_t opager;
    return L4_ExchangeRegisters(t, control, sp, ip, flags, 0, L4_nilthread, old_control, &osp, &oip, &oflags,
                                &ohandle, &opager);
}

/* Resume thread t (cancelling any IPC it is in). */
static inline void L4_Start(L4_ThreadId_t t)
{
    L4_Word_t c;
    __L4_ExregControl(t, L4_EXREG_START, 0, 0, 0, &c);
}

/* Resume thread t at ip with stack sp. */
static inline void L4_Start_SpIp(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip)
{
    L4_Word_t c;
    __L4_ExregControl(t, L4_EXREG_START_SP_IP, sp, ip, 0, &c);
}

/* Resume thread t at ip with stack sp and flags. */
static inline void L4_Start_SpIpFlags(L4_ThreadId_t t, L4_Word_t sp, L4_Word_t ip, L4_Word_t flags)
{
    L4_Word_t c;
    __L4_ExregControl(t, L4_EXREG_START_SP_IP_FLAGS, sp, ip, flags, &c);
}

/* Halt thread t (its IPC, if any, is not cancelled); returns its old state bits. */
static inline L4_Word_t L4_Stop(L4_ThreadId_t t)
{
    L4_Word_t c = 0;
    __L4_ExregControl(t, L4_EXREG_STOP, 0, 0, 0, &c);
    return c;
}

/* Cancel t's receive phase and halt it; returns its old state bits. */
static inline L4_Word_t L4_AbortReceive_and_stop(L4_ThreadId_t t)
{
    L4_Word_t c = 0;
    __L4_ExregControl(t, L4_EXREG_ABORT_RECEIVE_AND_STOP, 0, 0, 0, &c);
    return c;
}

/* Cancel t's send phase and halt it; returns its old state bits. */
static inline L4_Word_t L4_AbortSend_and_stop(L4_ThreadId_t t)
{
    L4_Word_t c = 0;
    __L4_ExregControl(t, L4_EXREG_ABORT_SEND_AND_STOP, 0, 0, 0, &c);
    return c;
}

/* Cancel any IPC of t and halt it; returns its old state bits. */
static inline L4_Word_t L4_AbortIpc_and_stop(L4_ThreadId_t t)
{
    L4_Word_t c = 0;
    __L4_ExregControl(t, L4_EXREG_ABORT_IPC_AND_STOP, 0, 0, 0, &c);
    return c;
}

/* Global ID of a thread in this space given by its local ID (global IDs are returned unchanged). */
static inline L4_ThreadId_t L4_GlobalIdOf(L4_ThreadId_t t)
{
    L4_Word_t c;
    if (L4_IsLocalId(t))
        return __L4_ExregControl(t, 0, 0, 0, 0, &c);
    return t;
}

/* Local ID of a thread in this space given by its global ID (local IDs are returned unchanged). */
static inline L4_ThreadId_t L4_LocalIdOf(L4_ThreadId_t t)
{
    L4_Word_t c;
    if (L4_IsGlobalId(t))
        return __L4_ExregControl(t, 0, 0, 0, 0, &c);
    return t;
}

/* True if l and r name the same thread, translating local IDs of this space. */
static inline L4_Bool_t L4_SameThreads(L4_ThreadId_t l, L4_ThreadId_t r)
{
    if (L4_IsLocalId(l) == L4_IsLocalId(r))
        return l.raw == r.raw;
    return L4_GlobalIdOf(l).raw == L4_GlobalIdOf(r).raw;
}

/* Pager of thread t of this space. */
static inline L4_ThreadId_t L4_PagerOf(L4_ThreadId_t t)
{
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, L4_EXREG_READ, 0, 0, 0, 0, L4_nilthread, &c, &sp, &ip, &fl, &h, &pager);
    return pager;
}

/* Set the pager of thread t of this space. */
static inline void L4_Set_PagerOf(L4_ThreadId_t t, L4_ThreadId_t pager)
{
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t old;
    L4_ExchangeRegisters(t, L4_EXREG_SET_PAGER, 0, 0, 0, 0, pager, &c, &sp, &ip, &fl, &h, &old);
}

/* UserDefinedHandle of thread t of this space. */
static inline L4_Word_t L4_UserDefinedHandleOf(L4_ThreadId_t t)
{
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, L4_EXREG_READ, 0, 0, 0, 0, L4_nilthread, &c, &sp, &ip, &fl, &h, &pager);
    return h;
}

/* Set the UserDefinedHandle of thread t of this space. */
static inline void L4_Set_UserDefinedHandleOf(L4_ThreadId_t t, L4_Word_t handle)
{
    L4_Word_t c, sp, ip, fl, h;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(t, L4_EXREG_SET_HANDLE, 0, 0, 0, handle, L4_nilthread, &c, &sp, &ip, &fl, &h, &pager);
}

#endif /* __i386__ */

#endif
