/* The kernel's implementation of the core hooks (core/arch_hooks.h). */
#include <arch/console.h>
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/paging.h>
#include <arch/ktest.h>
#include <core/arch_hooks.h>
#include <core/kprintf.h>
#include <core/space.h>
#include <core/tcb.h>

_Noreturn void arch_panic(const char *why, const char *file, int line)
{
    kprintf("\n*** kernel panic: %s at %s:%d\n", why, file, line);
    if (ktest_active) {
        ktest_fail("kernel", "panic");
        ktest_finish();
    }
    kprintf("kernel stopped.\n");
    cpu_halt_forever();
}

void arch_console_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    serial_putc(c);
}

struct tcb *arch_current(void)
{
    uintptr_t sp;
    __asm__("mov %%esp, %0" : "=r"(sp));      /* cpu_read_esp() without the call */
    return tcb_from_sp(sp);
}

void arch_tcb_space_changed(struct tcb *t)
{
    t->arch.pdir_phys = t->space->arch.pdir_phys;
}

bool arch_tcb_space_agrees(const struct tcb *t)
{
    return t->arch.pdir_phys == t->space->arch.pdir_phys;
}

bool arch_space_shares_root(const struct space *a, const struct space *b)
{
    return a->arch.pdir_phys == b->arch.pdir_phys;
}

void arch_tcb_free(struct tcb *t)
{
    fpu_release(t);                      /* no lazy FXSAVE into a freed page */
    pt_tcb_unback((uint32_t)(uintptr_t)t);
}
