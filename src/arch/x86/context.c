/* Thread creation, switching and TCB backing on x86; see arch/thread.h. */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/fpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/smallspace.h>
#include <arch/context.h>
#include <core/arch_hooks.h>
#include <core/space.h>

extern char thread_first_exit[], ipc_fast_resume[];

void thread_init_user(struct tcb *t, uint32_t eip, uint32_t esp)
{
    struct frame *f = thread_user_frame(t);
    *f = (struct frame){
        .gs = SEL_UTCB, .fs = SEL_UDATA, .es = SEL_UDATA, .ds = SEL_UDATA,
        .eip = eip, .cs = SEL_UCODE, .eflags = 0x202, .usp = esp, .uss = SEL_UDATA,
    };
    /* one word below the place of a fast-path context (switch_deferred
     * tells those by their place alone); thread_first_exit drops the word,
     * which is that context's return slot: it holds ipc_fast_resume from
     * now on (no code running with ESP at the frame pushes into it) */
    ((uint32_t *)f)[-1] = (uint32_t)(uintptr_t)ipc_fast_resume;
    struct switch_frame *sf = (struct switch_frame *)((uint32_t *)f - 1) - 1;
    *sf = (struct switch_frame){ .ret = (uint32_t)(uintptr_t)thread_first_exit };
    t->arch.ksp = (uintptr_t)sf;
    t->ctx_slow = true;
}

void thread_init_kernel(struct tcb *t, void (*fn)(void))
{
    /* its stack starts below the place of a fast-path context (the user
     * frame it never has and the context slot under it), so that no
     * context it leaves while running can sit there (switch_deferred) */
    struct switch_frame *sf = (struct switch_frame *)thread_user_frame(t) - 2;
    *sf = (struct switch_frame){ .ret = (uint32_t)(uintptr_t)fn };
    t->arch.ksp = (uintptr_t)sf;
    t->ctx_slow = true;
}

unsigned long context_switches;

/* switch_context() inline (same struct switch_frame: the resume address
 * is the label after it), so that the switch costs no call. */
static inline void context_switch(uintptr_t *save_ksp, uintptr_t new_ksp)
{
    uintptr_t a, d;
    __asm__ volatile("push $1f\n\t"
                     "push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "push %%esi\n\t"
                     "push %%edi\n\t"
                     "mov %%esp, (%0)\n\t"
                     "mov %1, %%esp\n\t"
                     "pop %%edi\n\t"
                     "pop %%esi\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp\n\t"
                     "ret\n"
                     "1:"
                     : "=a"(a), "=d"(d)
                     : "0"(save_ksp), "1"(new_ksp)
                     : "ecx", "memory", "cc");
}

void arch_switch_to(struct tcb *from, struct tcb *to)
{
    switch_prepare(from, to, true, SWITCH_SPACES_ANY, false);
    from->ctx_slow = true;           /* (its context: the one saved here) */
    context_switch(&from->arch.ksp, context_take(to));
}

bool arch_tcb_alloc(struct tcb *t)
{
    uint32_t va = (uint32_t)(uintptr_t)t;
    if (va < TCB_AREA_BASE || va >= TCB_AREA_BASE + 0x10000000u || (va & (TCB_SIZE - 1u)))
        return false;
    if (!pt_tcb_backed(va))
        return pt_tcb_back(va);
    fpu_release(t);
    uint32_t *w = (uint32_t *)(uintptr_t)va;
    for (unsigned i = 0; i < TCB_SIZE / 4; i++)
        w[i] = 0;
    return true;
}
