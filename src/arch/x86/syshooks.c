/*
 * The x86 side of the system calls (hooks of core/arch_hooks.h, SYSCALL
 * section): UTCB and KIP mappings, a new thread's first entry to user mode
 * from its start message, user registers for ExchangeRegisters, interrupt
 * lines, IO-port revocation and cache attributes.
 */
#include <arch/context.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/kipboot.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/syscall.h>
#include <arch/threads.h>
#include <core/arch_hooks.h>
#include <core/ipc.h>
#include <core/msg.h>
#include <core/space.h>
#include <core/tid.h>

word_t *arch_utcb_map(struct space *s, word_t location)
{
    uint8_t *page = space_kernel_page(s, location);
    return page ? (word_t *)(page + (location & 0xFFFu) + 256u) : 0;
}

void arch_utcb_unmap(struct space *s, word_t location)
{
    /* the page goes when no registered thread of s has a UTCB on it */
    word_t page = location & ~0xFFFu;
    for (word_t loc = page; loc < page + 0x1000u; loc += 512u)
        if (tid_lookup_local(s, loc + 256u) != NULL)
            return;
    pt_kernel_page_free(&s->arch, page);
    pt_reclaim();
}

bool arch_kip_map(struct space *s, word_t base)
{
    return pt_map(&s->arch, base, virt_to_phys((uint32_t)(uintptr_t)&kernel_kip), 12, PTE_U) != 0;
}

extern char thread_start_trampoline[];

void thread_start_user(struct frame *f);

/* First run of a thread activated by ThreadControl (entered from the
 * trampoline in entry.S with its user frame): take EIP/ESP from the start
 * message (ABI 5.13) unless the receive ended otherwise. */
void thread_start_user(struct frame *f)
{
    struct tcb *t = arch_current();
    word_t tag = ipc_result_tag(t);
    if (!(tag & MSG_TAG_E) && msgtag_untyped(tag) == 2) {
        f->eip = t->utcb[1];
        f->usp = t->utcb[2];
    }
}

void arch_thread_prepare_start(struct tcb *t)
{
    thread_init_user(t, 0, 0);
    ((struct switch_frame *)t->arch.ksp)->ret = (uint32_t)(uintptr_t)thread_start_trampoline;
}

void arch_user_regs(const struct tcb *t, word_t *sp, word_t *ip, word_t *flags)
{
    const struct frame *f = thread_user_frame((struct tcb *)(uintptr_t)t);
    *sp = frame_user_sp(f);
    *ip = frame_user_ip(f);
    *flags = frame_flags(f);
}

void arch_user_regs_set(struct tcb *t, word_t sp, word_t ip, word_t flags)
{
    struct frame *f = thread_user_frame(t);
    f->usp = sp;
    f->eip = ip;
    f->eflags = (flags & 0x8D5u) | 0x202u;   /* user flags; IF on, IOPL 0 */
    /* a frame as the sysenter entry pushed it (FRAME_VECTOR_SYSENTER):
     * its slots hold the registers from now on, read as any frame's; and
     * the thread, if blocked in the fast path, leaves through iret */
    if (f->vector == FRAME_VECTOR_SYSENTER)
        f->vector = SYSCALL_VECTOR_BASE + SYS_IPC;
    ipc_sysenter_regs_set(t);
}

bool arch_irq_attach(unsigned irq, struct tcb *handler)
{
    return irq_attach(irq, handler->gid);
}

bool arch_irq_detach(unsigned irq)
{
    return irq_attach(irq, tid_make_global(irq, 1));
}

void arch_irq_release(struct tcb *t)
{
    irq_release(t->gid);
}

bool arch_irq_associated(unsigned irq)
{
    return irq_associated(irq);
}

void arch_io_unmap(struct space *s, word_t port, unsigned log2, bool flush)
{
    io_revoke_derived(&s->arch, port, log2, flush);
}

void arch_set_cache_attr(struct space *s, word_t va, unsigned log2, unsigned attr)
{
    pt_set_cache_attr(&s->arch, va, log2, attr);
}
