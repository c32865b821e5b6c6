/*
 * System-call dispatch. Each handler reads its inputs from the frame and
 * writes only the registers the ABI table (4.4) names as outputs; all
 * others leave through the common exit path exactly as they came in.
 *
 * ABI decision, Ipc's EDI: the table marks the UTCB pointer passed in EDI
 * as preserved, the remark below it says to return with EDI = the
 * caller's UTCB pointer. Every Ipc returns the caller's UTCB pointer (its
 * local ID), whatever it passed, as the reference kernel does (its return
 * from an IPC loads the thread's local ID into EDI, and its switch stores
 * that same register into the %gs:0 word). A caller that passes its UTCB
 * pointer, as every library does, sees it preserved; the sysenter fast
 * path's exit loads the value once for EDI and the %gs:0 word
 * (sysenter.c: leave_with_outputs). The general paths write it with the
 * other outputs (ipc_outputs, iret_outputs in entry.S).
 *
 * The sysenter Ipc's C path is in sysenter.c (its design note); here
 * are what other code calls of it: ipc_sysenter_resume (entry.S) and
 * ipc_sysenter_regs_set (ExchangeRegisters).
 */
#include <arch/kipboot.h>
#include <arch/syscall.h>
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/layout.h>
#include <core/arch_hooks.h>
#include <core/fpage.h>
#include <core/space.h>
#include <arch/paging.h>
#include <arch/smallspace.h>
#include <core/ipc.h>
#include <core/ipc_fast.h>
#include <core/syscall.h>
#include <core/sched.h>
#include <core/tcb.h>
#include <core/kprintf.h>

extern const uint8_t kip_entry_start[], kip_entry_end[];
extern const uint32_t kip_entry_offsets[SYSCALL_COUNT];
extern char sysenter_entry[], sysenter_entry_small[];

#define MSR_SYSENTER_CS  0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u

int syscall_kip_init(void)
{
    unsigned len = (unsigned)(kip_entry_end - kip_entry_start);
    if (len > KIP_SYSCALL_CODE_SIZE)
        return 0;
    for (unsigned i = 0; i < len; i++)
        kernel_kip.syscall_code[i] = kip_entry_start[i];
    struct kip_syscall_links links;
    for (unsigned i = 0; i < SYSCALL_COUNT; i++)
        links.offset[i] = KIP_SYSCALL_CODE_OFFSET + kip_entry_offsets[i];
    if (!kip_set_syscall_links(&kernel_kip, &links))
        return 0;
    cpu_wrmsr(MSR_SYSENTER_CS, SEL_KCODE);
    cpu_wrmsr(MSR_SYSENTER_ESP, SYSENTER_ESP_VADDR);     /* (after tss_install_high) */
    cpu_wrmsr(MSR_SYSENTER_EIP, (uint32_t)(uintptr_t)sysenter_entry);
    return 1;
}

void syscall_sysenter_small(void)
{
    cpu_wrmsr(MSR_SYSENTER_EIP, (uint32_t)(uintptr_t)sysenter_entry_small);
}

/* The thread whose system call `f` is: the frame lies on its kernel stack,
 * inside its TCB block (the same rule as arch_current, without a call). */
static inline struct tcb *frame_owner(const struct frame *f)
{
    return tcb_from_sp((uintptr_t)f);
}

/* SystemClock: EDX:EAX = microseconds since boot; ECX, EBX, EBP preserved. */
static void sys_system_clock(struct frame *f)
{
    uint64_t now = arch_timer_now();
    f->eax = (uint32_t)now;
    f->edx = (uint32_t)(now >> 32);
}

static void regs_from_frame(const struct frame *f, struct sys_regs *r)
{
    *r = (struct sys_regs){ f->eax, f->ecx, f->edx, f->esi, f->edi, f->ebx, f->ebp };
}

static void regs_to_frame(const struct sys_regs *r, struct frame *f)
{
    f->eax = r->eax;
    f->ecx = r->ecx;
    f->edx = r->edx;
    f->esi = r->esi;
    f->edi = r->edi;
    f->ebx = r->ebx;
    f->ebp = r->ebp;
}

/* The Ipc outputs of `self` into its frame: EAX from, ESI MR0, EBX/EBP
 * MR1/MR2, EDI its UTCB pointer (ABI 4.4: the caller's, whatever it
 * passed; the sysenter fast path's exit loads it for the %gs:0 word too). */
static inline void ipc_outputs(const struct tcb *self, struct frame *f)
{
    f->eax = ipc_result_from(self);
    f->edi = tid_utcb_ptr(self);
    f->esi = ipc_result_tag(self);
    f->ebx = self->utcb[1];
    f->ebp = self->utcb[2];
}

extern char ipc_fast_resume[];

__attribute__((regparm(1))) void ipc_sysenter_resume(struct frame *f)
{
    struct tcb *self = frame_owner(f);
    /* the return slot keeps its value (switch_deferred no longer writes it) */
    kassert(((struct switch_frame *)f - 1)->ret == (uint32_t)(uintptr_t)ipc_fast_resume);
    while (ipc_pending(self))
        sched_dispatch();
    /* (preempted first: the outputs EBX and EBP overwrite the slots of a
     * sysenter frame that ExchangeRegisters reads EIP and ESP from while
     * the thread is not running, frame.h; nothing it did changes them) */
    if (sched_resched_pending())
        sched_preempt();
    ipc_outputs(self, f);
}

extern char ipc_fast_resume_iret[];

void ipc_sysenter_regs_set(struct tcb *t)
{
    const struct frame *f = thread_user_frame(t);
    kassert(f->vector != FRAME_VECTOR_SYSENTER);   /* (arch_user_regs_set replaced it) */
    if (t == arch_current() || t->arch.ksp != KSP_FAST_CONTEXT)
        return;
    /* a second switch frame right below the fast context (the stack of a
     * thread that is not running is free below its context) */
    struct switch_frame *iret_context = fast_context(t) - 1;
    iret_context->ret = (uint32_t)(uintptr_t)ipc_fast_resume_iret;
    t->arch.ksp = (uintptr_t)iret_context;
    t->ctx_slow = true;
}

/* Ipc/Lipc (ABI 4.4) through `int` or a declined sysenter: the fast path
 * (int only) for a short send to a waiting receiver, else the general path
 * (sys_ipc without the register struct: MR0 into the UTCB, ipc_invoke); a
 * blocked caller runs others until its IPC is finished. Outputs: EAX from,
 * ESI MR0, EBX/EBP MR1/MR2 (sys_ipc_finish); every other register leaves
 * as it came. */
static void sys_ipc_frame(struct frame *f)
{
    struct tcb *self = frame_owner(f);
    if (f->error == SYSENTER_DECLINED || !ipc_fastpath(self, f->eax, f->edx, f->ecx, f->esi)) {
        self->utcb[0] = f->esi;
        ipc_invoke(self, f->eax, f->edx, f->ecx);
    }
    while (ipc_pending(self))
        sched_dispatch();
    ipc_outputs(self, f);
}

typedef void (*core_syscall_fn)(struct tcb *self, struct sys_regs *r);

/* The other calls: the core writes only the registers the ABI makes outputs
 * (SP/IP/flags of the current thread it sets straight in its frame). */
static void core_call(struct frame *f, core_syscall_fn fn)
{
    struct sys_regs r;
    regs_from_frame(f, &r);
    fn(arch_current(), &r);
    regs_to_frame(&r, f);
}

/* ThreadControl may have moved the caller to another space. */
static void sys_thread_control_frame(struct frame *f)
{
    core_call(f, sys_thread_control);
    smallspace_activate(&frame_owner(f)->space->arch);
}

/* ExchangeRegisters may have halted the caller itself: stop here until resumed.
 * (Any other thread is halted while not running and is not dispatched.) */
static void sys_exchange_registers_frame(struct frame *f)
{
    core_call(f, sys_exchange_registers);
    /* the caller runs: its arch.ksp stays the constant (context_take), also
     * when it set its own flags (ipc_sysenter_regs_set skips it) */
    kassert(frame_owner(f)->arch.ksp == KSP_FAST_CONTEXT);
    while (frame_owner(f)->halted)
        sched_dispatch();
}

static void sys_space_control_frame(struct frame *f) { core_call(f, sys_space_control); }
static void sys_schedule_frame(struct frame *f) { core_call(f, sys_schedule); }
static void sys_thread_switch_frame(struct frame *f) { core_call(f, sys_thread_switch); }
static void sys_unmap_frame(struct frame *f) { core_call(f, sys_unmap); }
static void sys_memory_control_frame(struct frame *f) { core_call(f, sys_memory_control); }
static void sys_processor_control_frame(struct frame *f) { core_call(f, sys_processor_control); }

typedef void (*syscall_fn)(struct frame *);

static const syscall_fn syscall_table[SYSCALL_COUNT] = {
    [SYS_SPACE_CONTROL] = sys_space_control_frame,
    [SYS_THREAD_CONTROL] = sys_thread_control_frame,
    [SYS_PROCESSOR_CONTROL] = sys_processor_control_frame,
    [SYS_MEMORY_CONTROL] = sys_memory_control_frame,
    [SYS_IPC] = sys_ipc_frame,
    [SYS_LIPC] = sys_ipc_frame,
    [SYS_UNMAP] = sys_unmap_frame,
    [SYS_EXCHANGE_REGISTERS] = sys_exchange_registers_frame,
    [SYS_SYSTEM_CLOCK] = sys_system_clock,
    [SYS_THREAD_SWITCH] = sys_thread_switch_frame,
    [SYS_SCHEDULE] = sys_schedule_frame,
};

void syscall_dispatch(unsigned n, struct frame *f)
{
    f->eflags &= ~(uint32_t)EFLAGS_DF;       /* ABI 4.3: DF clear on return */
    if (n < SYSCALL_COUNT)
        syscall_table[n](f);
}
