/*
 * System-call dispatch. Each handler reads its inputs from the frame and
 * writes only the registers the ABI table (4.4) names as outputs; all
 * others leave through the common exit path exactly as they came in.
 */
#include <arch/kipboot.h>
#include <arch/syscall.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/layout.h>
#include <core/arch_hooks.h>
#include <core/fpage.h>
#include <core/space.h>
#include <core/ipc.h>
#include <core/sched.h>
#include <core/tcb.h>
#include <core/kprintf.h>

extern const uint8_t kip_entry_start[], kip_entry_end[];
extern const uint32_t kip_entry_offsets[SYSCALL_COUNT];
extern const uint32_t kip_entry_ipc_ret_offset;
extern char sysenter_entry[];

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
    cpu_wrmsr(MSR_SYSENTER_ESP, (uint32_t)(uintptr_t)&tss_current()->esp0);
    cpu_wrmsr(MSR_SYSENTER_EIP, (uint32_t)(uintptr_t)sysenter_entry);
    return 1;
}

/* SystemClock: EDX:EAX = microseconds since boot; ECX, EBX, EBP preserved. */
static void sys_system_clock(struct frame *f)
{
    uint64_t now = arch_timer_now();
    f->eax = (uint32_t)now;
    f->edx = (uint32_t)(now >> 32);
}

/* Ipc/Lipc (ABI 4.4): MR0 arrives in ESI; returns from-ID in EAX, MR0..MR2
 * in ESI/EBX/EBP; EDI is left untouched; the message is in the UTCB. */
static void sys_ipc_frame(struct frame *f)
{
    struct tcb *self = arch_current();
    self->utcb[0] = f->esi;
    if (ipc_invoke(self, f->eax, f->edx, f->ecx) == IPC_BLOCKED) {
        while (ipc_pending(self))
            sched_dispatch();
    }
    f->eax = ipc_result_from(self);
    f->esi = ipc_result_tag(self);
    f->ebx = self->utcb[1];
    f->ebp = self->utcb[2];
}

static void sys_not_yet(struct frame *f)
{
    kprintf("system call vector %u not implemented yet (eip %08x)\n", f->vector, f->eip);
}

typedef void (*syscall_fn)(struct frame *);

static const syscall_fn syscall_table[SYSCALL_COUNT] = {
    [SYS_SPACE_CONTROL] = sys_not_yet,
    [SYS_THREAD_CONTROL] = sys_not_yet,
    [SYS_PROCESSOR_CONTROL] = sys_not_yet,
    [SYS_MEMORY_CONTROL] = sys_not_yet,
    [SYS_IPC] = sys_ipc_frame,
    [SYS_LIPC] = sys_ipc_frame,
    [SYS_UNMAP] = sys_not_yet,
    [SYS_EXCHANGE_REGISTERS] = sys_not_yet,
    [SYS_SYSTEM_CLOCK] = sys_system_clock,
    [SYS_THREAD_SWITCH] = sys_not_yet,
    [SYS_SCHEDULE] = sys_not_yet,
};

void syscall_dispatch(unsigned n, struct frame *f)
{
    if (f->error == SYSENTER_MARK) {   /* return into the KIP after the sysenter */
        f->error = 0;
        f->eip = fpage_base(arch_current()->space->kip_area) + KIP_SYSCALL_CODE_OFFSET +
                 kip_entry_ipc_ret_offset;
    }
    if (n < SYSCALL_COUNT)
        syscall_table[n](f);
}
