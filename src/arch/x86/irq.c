/* Interrupt threads; see arch/irq.h. */
#include <arch/context.h>
#include <arch/irq.h>
#include <arch/pic.h>
#include <arch/threads.h>
#include <core/arch_hooks.h>
#include <core/ipc.h>
#include <core/msg.h>
#include <core/sched.h>

#define IRQ_MSG_TAG 0xFFF00000u      /* label -1, no words */
#define IRQ_UTCB_WORDS 128u          /* a kernel UTCB: TCRs and BRs below MR0 */

static struct tcb *irq_thread[PIC_IRQ_LINES];
static tid_t irq_handler[PIC_IRQ_LINES];
static word_t irq_utcb[PIC_IRQ_LINES][IRQ_UTCB_WORDS];

bool irq_available(unsigned irq)
{
    return irq < PIC_IRQ_LINES && irq != 0 && irq != 2 && irq_thread[irq];
}

/* Body of interrupt thread (n, 1): wait for the line, call the handler, unmask. */
static void irq_thread_loop(void)
{
    struct tcb *self = arch_current();
    unsigned irq = tid_number(self->gid);
    for (;;) {
        self->halted = true;                 /* woken by irq_deliver() */
        sched_dispatch();
        tid_t h = irq_handler[irq];
        if (tid_is_nil(h))
            continue;
        self->utcb[0] = IRQ_MSG_TAG;
        self->utcb[utcb_br_index(0)] = 0;
        if (ipc_invoke_kernel(self, h, h, 0) == IPC_BLOCKED) {
            while (ipc_pending(self))
                sched_dispatch();
        }
        if (irq_handler[irq] == h)
            pic_unmask(irq);
    }
}

/* The kernel's scheduling values of an interrupt thread, with a full time
 * slice (it is halted: nothing runs on the remaining slice meanwhile). */
static void irq_thread_sched_reset(struct tcb *t)
{
    sched_set_timeslice(t, TCB_DEFAULT_TIMESLICE);
    t->remaining_us = TCB_DEFAULT_TIMESLICE;
    sched_set_quantum(t, TCB_QUANTUM_UNLIMITED);
    sched_set_priority(t, 255);
}

int irq_threads_init(void)
{
    for (unsigned n = 1; n < PIC_IRQ_LINES; n++) {
        struct tcb *t;
        if (n == 2)
            continue;
        if (tcb_create(tid_make_global(n, 1), &kernel_space, TID_NIL, &t) != TCB_OK)
            return 0;
        t->utcb = &irq_utcb[n][IRQ_UTCB_WORDS / 2];
        t->prio = 255;
        thread_init_kernel(t, irq_thread_loop);
        sched_make_ready(t);                 /* runs once, then halts itself */
        irq_thread[n] = t;
    }
    return 1;
}

bool irq_associated(unsigned irq)
{
    return irq_available(irq) && !tid_is_nil(irq_handler[irq]);
}

/* The handler of line `irq` becomes `handler` (nil: none): end an IPC the
 * interrupt thread is in with the old one (its loop then leaves the line
 * as the new association wants it). */
static void irq_set_handler(unsigned irq, tid_t handler)
{
    struct tcb *t = irq_thread[irq];
    if (irq_handler[irq] == handler)
        return;
    irq_handler[irq] = handler;
    if (ipc_pending(t))
        ipc_cancel(t, true, true);
}

bool irq_attach(unsigned irq, tid_t handler)
{
    if (!irq_available(irq))
        return false;
    if (handler == irq_thread[irq]->gid) {
        bool was = irq_associated(irq);
        irq_set_handler(irq, TID_NIL);
        pic_mask(irq);
        if (was)
            irq_thread_sched_reset(irq_thread[irq]);
        return true;
    }
    irq_set_handler(irq, handler);
    pic_unmask(irq);
    return true;
}

bool irq_deliver(unsigned irq)
{
    if (!irq_available(irq) || tid_is_nil(irq_handler[irq]))
        return false;
    pic_mask(irq);
    struct tcb *t = irq_thread[irq];
    if (t->halted) {
        t->halted = false;
        sched_make_ready(t);
    }
    return true;
}

void irq_release(tid_t handler)
{
    for (unsigned n = 0; n < PIC_IRQ_LINES; n++) {
        if (irq_handler[n] == handler && !tid_is_nil(handler) && irq_available(n)) {
            irq_set_handler(n, TID_NIL);
            pic_mask(n);
            irq_thread_sched_reset(irq_thread[n]);
        }
    }
}
