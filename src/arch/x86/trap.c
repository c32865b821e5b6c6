/*
 * Exceptions and interrupts after the common entry path. For now every CPU
 * exception is fatal: its register state is printed and the machine stops
 * cleanly (interrupts off, hlt) - or, during a self-test that provokes it,
 * the test passes and the run ends. A double fault arrives through a task
 * gate on its own stack, so even a broken kernel stack is reported.
 */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/ktest.h>
#include <arch/layout.h>
#include <arch/fpu.h>
#include <arch/irq.h>
#include <arch/pic.h>
#include <arch/selftest.h>
#include <arch/syscall.h>
#include <arch/timer.h>
#include <arch/trap.h>
#include <arch/threads.h>
#include <core/arch_hooks.h>
#include <core/check.h>
#include <core/ipc.h>
#include <core/sched.h>
#include <core/kprintf.h>

static const char *const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
    "#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
    "reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
    "reserved 27", "#HV hypervisor injection", "#VC VMM communication", "#SX security",
    "reserved 31",
};

const char *trap_name(unsigned vector)
{
    return vector < 32 ? exception_names[vector] : "interrupt";
}

void trap_print_frame(const struct frame *f, uint32_t esp)
{
    int user = frame_from_user(f);
    kprintf("eip=%08x cs=%04x eflags=%08x error=%08x\n", f->eip, f->cs, f->eflags, f->error);
    kprintf("eax=%08x ebx=%08x ecx=%08x edx=%08x\n", f->eax, f->ebx, f->ecx, f->edx);
    kprintf("esi=%08x edi=%08x ebp=%08x esp=%08x\n", f->esi, f->edi, f->ebp, esp);
    kprintf("ds=%04x es=%04x fs=%04x gs=%04x ss=%04x\n", f->ds & 0xFFFF, f->es & 0xFFFF,
            f->fs & 0xFFFF, f->gs & 0xFFFF, user ? f->uss & 0xFFFF : SEL_KDATA);
    kprintf("cr0=%08x cr2=%08x cr3=%08x cr4=%08x\n", cpu_read_cr0(), cpu_read_cr2(),
            cpu_read_cr3(), cpu_read_cr4());
}

/* End of the road for an exception the kernel cannot handle. */
static _Noreturn void exception_fatal(const struct frame *f)
{
    if (ktest_expected_vector == (int)f->vector) {
        ktest_pass(ktest_expected_name);
        ktest_finish();
    }
    if (ktest_active) {
        ktest_fail(ktest_expected_name ? ktest_expected_name : "kernel",
                   "unexpected exception");
        ktest_finish();
    }
    kprintf("kernel stopped.\n");
    cpu_halt_forever();
}

/* Before leaving the kernel: run whoever the last events made more urgent. */
static void trap_leave(void)
{
    if (threads_running && sched_resched_pending())
        sched_preempt();             /* (the running thread may delay it: ABI 5.15) */
}

void trap_entry(struct frame *f)
{
    if (f->vector >= SYSCALL_VECTOR_BASE && f->vector < SYSCALL_VECTOR_BASE + SYSCALL_COUNT) {
        syscall_dispatch(f->vector - SYSCALL_VECTOR_BASE, f);
        trap_leave();
        if (L4_KCHECK)
            kcheck_after_syscall();     /* debug kernels (-DL4_KCHECK=ON) */
        return;
    }
    if (f->vector == 7 && threads_running && fpu_trap())
        return;                      /* lazy FPU switch: retry the instruction */
    if (f->vector < 32 && frame_from_user(f)) {
        user_trap(f);
        trap_leave();
        return;
    }
    if (f->vector < 32) {
        kprintf("\n*** exception %u (%s) in %s mode\n", f->vector, trap_name(f->vector),
                frame_from_user(f) ? "user" : "kernel");
        trap_print_frame(f, frame_from_user(f) ? f->usp : (uint32_t)(uintptr_t)&f->usp);
        exception_fatal(f);
    }
    if (f->vector >= PIC_VECTOR_BASE && f->vector < PIC_VECTOR_BASE + PIC_IRQ_LINES) {
        irq_handle(f->vector - PIC_VECTOR_BASE);
        trap_leave();
        return;
    }
    kprintf("unexpected vector %u\n", f->vector);
}

/* Is `irq` (7 or 15) a spurious interrupt, i.e. not in service? */
static int irq_spurious(unsigned irq)
{
    unsigned cmd = irq < 8 ? 0x20 : 0xA0;
    out8((uint16_t)cmd, 0x0B);              /* read ISR */
    return !(in8((uint16_t)cmd) & (1u << (irq & 7)));
}

void irq_handle(unsigned irq)
{
    if ((irq == 7 || irq == 15) && irq_spurious(irq)) {
        if (irq == 15)
            pic_eoi(2);                     /* the master saw a real cascade interrupt */
        return;
    }
    if (irq == 0) {
        timer_tick();
        pic_eoi(0);
        if (threads_running) {
            ipc_expire(arch_timer_now());
            sched_tick(TIMER_TICK_US);
            selftest_tick();
        }
        return;
    }
    /* Device interrupts are IPC from interrupt threads (irq.c); a line
     * without a handler is masked so that it cannot storm. */
    if (!irq_deliver(irq)) {
        pic_mask(irq);
        kprintf("IRQ %u has no handler thread; line masked\n", irq);
    }
    pic_eoi(irq);
}

_Noreturn void double_fault_task(void)
{
    const struct tss *t = tss_current();   /* the interrupted task's state */
    struct frame f = {
        .vector = 8, .error = 0, .eip = t->eip, .cs = t->cs, .eflags = t->eflags,
        .eax = t->eax, .ebx = t->ebx, .ecx = t->ecx, .edx = t->edx,
        .esi = t->esi, .edi = t->edi, .ebp = t->ebp, .kesp = t->esp,
        .ds = t->ds, .es = t->es, .fs = t->fs, .gs = t->gs,
    };
    kprintf("\n*** exception 8 (#DF double fault), interrupted esp=%08x\n", t->esp);
    trap_print_frame(&f, t->esp);
    exception_fatal(&f);
}
